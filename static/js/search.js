/* Header search box: suggestions as you type (ARIA 1.2 combobox with a listbox) —
   entries, pages and sections of pages. Debounced; arrow keys move, Enter opens the
   highlighted suggestion, Escape closes; "/" anywhere (outside a text field) focuses the
   box. Without JavaScript the form simply submits to /search/. No inline code: CSP-safe.
   Also, on a page opened from the results (?highlight=…), the searched words are marked. */
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
      title.textContent = s.context ? s.title + " — " + s.context : s.title;  /* never HTML */
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = s.context ? "section" : s.kind;
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

/* "/" focuses the search box, as on many sites — unless the reader is typing somewhere. */
(function () {
  "use strict";
  var input = document.getElementById("site-search-q");
  if (!input) { return; }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" ||
        (target && target.isContentEditable)) { return; }
    event.preventDefault();
    input.focus();
    input.select();
  });
})();

/* ?highlight=word+word: mark those words in the page's main content (text nodes only,
   never parsed as HTML), then bring the first into view unless the URL names a section. */
(function () {
  "use strict";
  if (!window.URLSearchParams) { return; }
  var wanted = new URLSearchParams(window.location.search).get("highlight");
  var main = document.getElementById("main");
  if (!wanted || !main) { return; }
  var words = wanted.toLowerCase().split(/\s+/).filter(function (w) {
    return w.length >= 2 && w.length <= 40;
  }).slice(0, 10);
  if (!words.length) { return; }
  function escape(word) { return word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  /* A word and its endings: "template" marks templates and templating too. */
  var stems = words.map(function (w) {
    return escape(w.length > 5 ? w.slice(0, w.length - 2) : w);
  });
  var pattern = new RegExp("(^|[^\\w])((?:" + stems.join("|") + ")\\w*)", "gi");
  var skip = { SCRIPT: 1, STYLE: 1, TEXTAREA: 1, INPUT: 1, MARK: 1, NAV: 1, BUTTON: 1 };
  var walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT, {
    acceptNode: function (node) {
      for (var el = node.parentNode; el && el !== main; el = el.parentNode) {
        if (skip[el.nodeName]) { return NodeFilter.FILTER_REJECT; }
      }
      return node.nodeValue.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT;
    }
  });
  var nodes = [];
  while (walker.nextNode() && nodes.length < 5000) { nodes.push(walker.currentNode); }
  var first = null;
  var count = 0;
  nodes.forEach(function (node) {
    var text = node.nodeValue;
    pattern.lastIndex = 0;
    if (!pattern.test(text) || count > 500) { return; }
    pattern.lastIndex = 0;
    var fragment = document.createDocumentFragment();
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      var start = match.index + match[1].length;
      fragment.appendChild(document.createTextNode(text.slice(last, start)));
      var mark = document.createElement("mark");
      mark.className = "search-highlight";
      mark.textContent = match[2];
      fragment.appendChild(mark);
      first = first || mark;
      count += 1;
      last = start + match[2].length;
    }
    fragment.appendChild(document.createTextNode(text.slice(last)));
    node.parentNode.replaceChild(fragment, node);
  });
  if (first && !window.location.hash) {
    first.scrollIntoView({ block: "center" });
  }
})();
