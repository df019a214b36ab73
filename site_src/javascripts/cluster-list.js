/* Filter the cluster list by district, level and status, and sort it by any column, in the
   browser. Without JavaScript the full table is shown as built.

   Sorting: a button in each column header (wide screens), and a 排序 menu in the filter form that
   does the same and is the only sort control on phones, where the list shows as cards and the
   header row is hidden (site.css). Both stay in step: the header's aria-sort and the menu's value.
   The wrapper is a keyboard stop (tabindex) only while the table is wider than it. */
(function () {
  "use strict";
  var DIRECTIONS = {
    text: { ascending: "升序", descending: "降序" },
    rank: { ascending: "升序", descending: "降序" },
    date: { ascending: "由早到晚", descending: "由晚到早" }
  };

  function setup() {
    var table = document.querySelector("table[data-cluster-list]");
    if (!table || table.getAttribute("data-ready")) return;
    table.setAttribute("data-ready", "1");
    var form = document.querySelector("form.cl-filters");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var original = rows.slice();
    var count = form ? form.querySelector(".cl-count") : null;
    var headers = table.tHead.rows[0].cells;
    var menu = null;

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

    function sortBy(index, direction) {
      Array.prototype.forEach.call(headers, function (th, i) {
        if (th.hasAttribute("aria-sort")) th.setAttribute("aria-sort", i === index ? direction : "none");
      });
      if (menu) menu.value = index < 0 ? "" : index + ":" + direction;
      if (index < 0) {
        rows = original.slice();
      } else {
        var key = function (row) {
          var cell = row.cells[index];
          return (cell.getAttribute("data-value") || cell.textContent).trim();
        };
        var numeric = headers[index].getAttribute("data-sort") === "rank";
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          if (x === y) return 0;
          if (!x) return 1;  /* unknown values last */
          if (!y) return -1;
          var order = numeric ? Number(x) - Number(y) : x.localeCompare(y, "zh-Hans-CN");
          return direction === "ascending" ? order : -order;
        });
      }
      rows.forEach(function (row) { body.appendChild(row); });
    }

    if (form) {
      var label = document.createElement("label");
      label.appendChild(document.createTextNode("排序 "));
      menu = document.createElement("select");
      menu.setAttribute("data-sort-menu", "");
      var plain = document.createElement("option");
      plain.value = "";
      plain.textContent = "默认（按所在区）";
      menu.appendChild(plain);
      Array.prototype.forEach.call(headers, function (th, index) {
        var words = DIRECTIONS[th.getAttribute("data-sort")];
        if (!words) return;
        ["ascending", "descending"].forEach(function (direction) {
          var option = document.createElement("option");
          option.value = index + ":" + direction;
          option.textContent = th.textContent.trim() + "（" + words[direction] + "）";
          menu.appendChild(option);
        });
      });
      label.appendChild(menu);
      form.insertBefore(label, count);
      menu.addEventListener("change", function () {
        var parts = menu.value.split(":");
        sortBy(menu.value ? Number(parts[0]) : -1, parts[1]);
      });
      form.hidden = false;
      form.addEventListener("change", applyFilters);
      form.addEventListener("submit", function (e) { e.preventDefault(); });
      document.addEventListener("cl:live", applyFilters);  /* a status changed (live-states.js) */
      applyFilters();
    }

    Array.prototype.forEach.call(headers, function (th, index) {
      if (!DIRECTIONS[th.getAttribute("data-sort")]) return;
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        sortBy(index, th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending");
      });
    });

    var wrap = table.closest(".cl-list-wrap");
    function focusableWhileScrolling() {
      if (!wrap) return;
      if (wrap.scrollWidth > wrap.clientWidth + 1) wrap.setAttribute("tabindex", "0");
      else wrap.removeAttribute("tabindex");
    }
    focusableWhileScrolling();
    window.addEventListener("resize", focusableWhileScrolling);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
