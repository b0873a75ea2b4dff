// Page behaviour without inline scripts (the Content-Security-Policy allows none):
// data-confirm on a form asks before sending it.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
