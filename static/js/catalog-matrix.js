/* Matrix page: the quick filter hides rows as you type. Without scripts the same box is a
   GET form the server filters by. */
(function () {
  "use strict";
  var input = document.querySelector("[data-matrix-filter]");
  if (!input) { return; }
  var table = document.getElementById(input.getAttribute("data-matrix-filter"));
  if (!table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  input.addEventListener("input", function () {
    var q = input.value.trim().toLowerCase();
    rows.forEach(function (row) {
      row.hidden = q !== "" && (row.getAttribute("data-name") || "").indexOf(q) === -1;
    });
  });
})();
