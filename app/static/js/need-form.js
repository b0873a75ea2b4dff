// The need form's "suggest kinds of solution" button: asks the server, ticks the boxes.
(function () {
  var btn = document.getElementById('suggest-btn');
  if (!btn || !window.fetch) return;
  btn.addEventListener('click', function (event) {
    event.preventDefault();
    var form = document.getElementById('need-form');
    var text = form.elements['title'].value + '\n' + form.elements['description'].value;
    fetch(btn.dataset.url, {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'X-CSRFToken': form.elements['csrf_token'].value},
      body: JSON.stringify({text: text})
    }).then(function (r) { return r.json(); }).then(function (data) {
      var box = document.getElementById('suggestions');
      var chips = document.getElementById('suggestion-chips');
      chips.textContent = '';
      data.suggestions.forEach(function (s) {
        var chip = document.createElement('span');
        chip.className = 'sz-chip';
        chip.textContent = s.label;
        chips.appendChild(chip);
        var box2 = form.querySelector('input[name="capabilities"][value="' + s.code + '"]');
        if (box2) box2.checked = true;
      });
      if (!data.suggestions.length) {
        chips.textContent = btn.dataset.nothing;
      }
      box.classList.remove('d-none');
    });
  });
})();
