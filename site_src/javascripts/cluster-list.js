/* Filter the cluster list by district, level and status, and sort it by any column, in the
   browser. Without JavaScript the full table is shown as built. */
(function () {
  "use strict";
  function setup() {
    var table = document.querySelector("table[data-cluster-list]");
    if (!table || table.getAttribute("data-ready")) return;
    table.setAttribute("data-ready", "1");
    var form = document.querySelector("form.cl-filters");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var count = form ? form.querySelector(".cl-count") : null;

    function applyFilters() {
      var selects = form ? form.querySelectorAll("select[data-filter]") : [];
      var shown = 0;
      rows.forEach(function (row) {
        var visible = true;
        for (var i = 0; i < selects.length; i++) {
          var want = selects[i].value;
          if (want && row.getAttribute("data-" + selects[i].getAttribute("data-filter")) !== want) visible = false;
        }
        row.hidden = !visible;
        if (visible) shown++;
      });
      if (count) count.textContent = "显示 " + shown + " / " + rows.length + " 个集群";
    }

    if (form) {
      form.hidden = false;
      form.addEventListener("change", applyFilters);
      form.addEventListener("submit", function (e) { e.preventDefault(); });
      applyFilters();
    }

    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, index) {
      var kind = th.getAttribute("data-sort");
      if (!kind) return;
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) { if (other.hasAttribute("aria-sort")) other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var key = function (row) {
          var cell = row.cells[index];
          return (cell.getAttribute("data-value") || cell.textContent).trim();
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          if (x === y) return 0;
          if (!x) return 1;  /* unknown values last */
          if (!y) return -1;
          var order = x.localeCompare(y, "zh-Hans-CN");
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setup);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
