// Catalogue filters: ticking a box or changing the order searches again, and the reader's
// focus comes back to the control it left (otherwise a keyboard or screen-reader user is
// thrown to the top of the page after every tick). Served as a file: the pages carry no
// inline script, so a strict Content-Security-Policy holds.
(function () {
  "use strict";
  var KEY = "sz-catalogue-focus";
  var form = document.getElementById("search-form");
  if (!form) return;

  form.addEventListener("change", function (event) {
    var control = event.target;
    if (!control.hasAttribute("data-autosubmit")) return;
    try {
      sessionStorage.setItem(KEY, JSON.stringify({ name: control.name, value: control.value }));
    } catch (e) { /* private mode: only the focus is lost */ }
    form.submit();
  });

  var saved;
  try {
    saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    sessionStorage.removeItem(KEY);
  } catch (e) { saved = null; }
  if (!saved) return;
  var controls = form.querySelectorAll("[data-autosubmit]");
  for (var i = 0; i < controls.length; i++) {
    var c = controls[i];
    if (c.name === saved.name && (c.tagName === "SELECT" || c.value === saved.value)) {
      var drawer = document.getElementById("filters");
      if (drawer && drawer.contains(c)) drawer.classList.add("show");  // keep a phone's drawer open
      c.focus();
      break;
    }
  }
})();
