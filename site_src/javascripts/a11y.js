/* Give the theme's search dialog an accessible name (it has role="dialog" and no label). */
(function () {
  "use strict";
  var dialog = document.querySelector(".md-search[role=dialog]");
  if (dialog && !dialog.hasAttribute("aria-label")) dialog.setAttribute("aria-label", "搜索本站");
})();
