// Live preview for the page admin: the body is rendered by the server's own markup code
// (the same function a save uses), debounced while typing. No inline script: CSP-safe.
(function () {
  "use strict";
  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function init() {
    var body = document.getElementById("id_body");
    var target = document.getElementById("wiki-preview");
    if (!body || !target) return;
    var timer = null;
    var inFlight = null;
    function refresh() {
      if (inFlight) inFlight.abort();
      inFlight = new AbortController();
      var data = new FormData();
      data.append("body", body.value);
      fetch(target.dataset.previewUrl, {
        method: "POST",
        body: data,
        headers: { "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
        signal: inFlight.signal,
      })
        .then(function (r) { return r.json(); })
        .then(function (json) {
          if (json.error) {
            target.textContent = json.error;
          } else {
            // The HTML was sanitized by the server's nh3 allowlist.
            target.innerHTML = json.html;
          }
        })
        .catch(function (err) {
          if (err.name !== "AbortError") target.textContent = "Preview unavailable: " + err.message;
        });
    }
    body.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
    if (body.value) refresh();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
