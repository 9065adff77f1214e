/* Compare picker: a filter box over the checkboxes and a count of those ticked.
   Optional: without scripts the checkboxes and the Compare button do the same. */
(function () {
  "use strict";
  var input = document.querySelector("[data-picker-filter]");
  var list = input && document.getElementById(input.getAttribute("data-picker-filter"));
  if (!list) { return; }
  var count = document.querySelector("[data-picker-count]");
  var items = Array.prototype.slice.call(list.querySelectorAll("li[data-name]"));
  input.closest("[hidden]") && input.closest("[hidden]").removeAttribute("hidden");

  input.addEventListener("input", function () {
    var q = input.value.trim().toLowerCase();
    items.forEach(function (li) {
      var box = li.querySelector("input");
      li.hidden = q !== "" && li.getAttribute("data-name").indexOf(q) === -1 && !box.checked;
    });
  });
  /* Enter in the filter box must not submit a half-made choice by surprise: it ticks the
     only name left, if there is exactly one. */
  input.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    event.preventDefault();
    var shown = items.filter(function (li) { return !li.hidden && !li.querySelector("input").checked; });
    if (shown.length === 1) {
      shown[0].querySelector("input").checked = true;
      input.value = "";
      input.dispatchEvent(new Event("input"));
      update();
    }
  });

  function update() {
    if (!count) { return; }
    var n = list.querySelectorAll("input:checked").length;
    count.textContent = n === 0 ? "" : n + " chosen" + (n === 1 ? ": pick at least one more." : n > 4 ? ": the first four are compared." : ".");
  }
  list.addEventListener("change", update);
  update();
})();
