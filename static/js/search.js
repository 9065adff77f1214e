/* Header search box: title suggestions as you type (ARIA 1.2 combobox with a listbox).
   Debounced; arrow keys move, Enter opens the highlighted suggestion, Escape closes.
   Without JavaScript the form simply submits to /search/. No inline code: CSP-safe. */
(function () {
  "use strict";
  var input = document.getElementById("site-search-q");
  var list = document.getElementById("site-search-listbox");
  if (!input || !list || !window.fetch) { return; }
  var url = input.getAttribute("data-suggest-url");
  var timer = null;
  var controller = null;
  var items = [];
  var active = -1;
  var lastQuery = "";

  function close() {
    list.hidden = true;
    list.textContent = "";
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    var options = list.querySelectorAll("[role=option]");
    for (var i = 0; i < options.length; i++) {
      options[i].setAttribute("aria-selected", i === index ? "true" : "false");
    }
    active = index;
    if (index >= 0 && options[index]) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function open(index) {
    var item = items[index];
    if (item) { window.location.assign(item.url); }
  }

  function show(suggestions) {
    list.textContent = "";
    items = suggestions;
    active = -1;
    if (!suggestions.length) { close(); return; }
    suggestions.forEach(function (s, i) {
      var li = document.createElement("li");
      li.id = "site-search-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      var title = document.createElement("span");
      title.textContent = s.title;            /* textContent: never parsed as HTML */
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = s.kind;
      li.appendChild(title);
      li.appendChild(kind);
      li.addEventListener("mousedown", function (event) {
        event.preventDefault();               /* keep focus; open on click */
        open(i);
      });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function fetchSuggestions() {
    var q = input.value.trim();
    if (q === lastQuery) { return; }
    lastQuery = q;
    if (q.length < 2) { close(); return; }
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    fetch(url + "?q=" + encodeURIComponent(q), {
      headers: { "Accept": "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.ok ? response.json() : { suggestions: [] };
    }).then(function (data) {
      if (input.value.trim() === q) { show(data.suggestions || []); }
    }).catch(function () { /* aborted or offline: the form still works */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(fetchSuggestions, 180);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") {
      if (list.hidden) { lastQuery = ""; fetchSuggestions(); return; }
      event.preventDefault();
      highlight(active + 1 >= items.length ? 0 : active + 1);
    } else if (event.key === "ArrowUp") {
      if (list.hidden) { return; }
      event.preventDefault();
      highlight(active - 1 < 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Enter") {
      if (!list.hidden && active >= 0) {
        event.preventDefault();
        open(active);
      }
    } else if (event.key === "Escape") {
      if (!list.hidden) {
        event.preventDefault();
        close();
      }
    }
  });

  input.addEventListener("blur", function () { window.setTimeout(close, 100); });
  document.addEventListener("click", function (event) {
    if (!input.form.contains(event.target)) { close(); }
  });
})();
