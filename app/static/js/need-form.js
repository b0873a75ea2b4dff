// Need form: "Suggest kinds of solution" without reloading the page.
// Suggestions are proposals: each is a label for its checkbox, so a click ticks it;
// nothing is ticked on the owner's behalf. Without JavaScript the button posts the form
// and the page comes back with the same list.
(function () {
  var btn = document.getElementById('suggest-btn');
  var box = document.getElementById('suggestions');
  if (!btn || !box || !window.fetch) return;
  var list = document.getElementById('suggestion-list');
  btn.addEventListener('click', function (event) {
    event.preventDefault();
    var form = document.getElementById('need-form');
    var text = form.elements['title'].value + '\n' + form.elements['description'].value;
    fetch(btn.dataset.url, {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'X-CSRFToken': form.elements['csrf_token'].value},
      body: JSON.stringify({text: text})
    }).then(function (r) { return r.json(); }).then(function (data) {
      list.textContent = '';
      data.suggestions.forEach(function (s) {
        var item = document.createElement('li');
        item.className = 'sz-suggestion';
        item.dataset.code = s.code;
        var label = document.createElement('label');
        var target = form.querySelector('input[name="capabilities"][value="' + s.code + '"]');
        if (target) label.htmlFor = target.id;
        label.appendChild(document.createTextNode('＋ '));
        var name = document.createElement('strong');
        name.textContent = s.label;
        label.appendChild(name);
        item.appendChild(label);
        if (s.words.length) {
          var words = document.createElement('span');
          words.className = 'text-secondary';
          words.textContent = ' — ' + box.dataset.from + ' ' +
            s.words.map(function (w) { return '“' + w + '”'; }).join(', ');
          item.appendChild(words);
        }
        list.appendChild(item);
      });
      if (!data.suggestions.length) {
        var none = document.createElement('li');
        none.textContent = box.dataset.none;
        list.appendChild(none);
      }
      box.classList.remove('d-none');
    });
  });
})();
