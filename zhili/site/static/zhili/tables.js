// Tables marked .cards become one card per row on a phone (site.css): each cell is labelled
// with its column's heading, copied here from the table's <th> so that templates write the
// heading once. Run on the page and on every fragment htmx brings in.
(function () {
  function label(root) {
    root.querySelectorAll(".cards table").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (heads[i] && !cell.hasAttribute("colspan")) cell.setAttribute("data-label", heads[i]);
        });
      });
    });
  }
  label(document);
  document.addEventListener("htmx:load", function (event) { label(event.target.parentNode || document); });
})();
