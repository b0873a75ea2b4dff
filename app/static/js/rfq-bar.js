// Need page: the sticky bar above the matches counts the plug-ins ticked for quotes
// ("2 of 5 selected"). Without JavaScript the bar still shows how many may be asked and
// links to the message box; the checkboxes and the form work the same.
(function () {
  var bar = document.getElementById('rfq-bar');
  if (!bar) return;
  var count = document.getElementById('rfq-count');
  var cap = parseInt(bar.dataset.cap, 10);
  var picks = document.querySelectorAll('.sz-rfq-pick');
  function update() {
    var n = 0;
    picks.forEach(function (box) { if (box.checked) n += 1; });
    count.textContent = bar.dataset.template.replace('__N__', n);
    bar.classList.toggle('sz-rfq-over', n > cap);
  }
  picks.forEach(function (box) { box.addEventListener('change', update); });
  update();
})();
