/* Matrix page: a quick filter over the rows. Optional: the GET form does the same without JS. */
(function () {
  "use strict";
  var input = document.querySelector("[data-matrix-filter]");
  if (!input) { return; }
  var table = document.getElementById(input.getAttribute("data-matrix-filter"));
  if (!table) { return; }
  input.closest("[hidden]") && input.closest("[hidden]").removeAttribute("hidden");
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  input.addEventListener("input", function () {
    var q = input.value.trim().toLowerCase();
    rows.forEach(function (row) {
      row.hidden = q !== "" && (row.getAttribute("data-name") || "").indexOf(q) === -1;
    });
  });
})();
