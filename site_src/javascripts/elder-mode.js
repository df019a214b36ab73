/* 适老模式 (elder-friendly mode): larger text and higher contrast (site.css, html.cl-elder),
   switched by a button in the header and remembered in this browser (localStorage).

   Loaded from <head> (site_src/overrides/main.html), not with extra_javascript at the end of
   <body>: the class is set before the body is parsed, so the first paint is already in the chosen
   mode. A file of the site, not an inline script, so the Content-Security-Policy needs no hash. */
(function () {
  "use strict";
  var KEY = "gz-clusters-elder-mode";
  var CLASS = "cl-elder";
  var root = document.documentElement;

  function remembered() {
    try {
      return window.localStorage.getItem(KEY) === "1";
    } catch (e) {
      return false;  /* storage refused (private mode, settings): the normal mode */
    }
  }

  function remember(on) {
    try {
      if (on) window.localStorage.setItem(KEY, "1");
      else window.localStorage.removeItem(KEY);
    } catch (e) {
      /* not remembered, but still switched for this page */
    }
  }

  if (remembered()) root.classList.add(CLASS);

  function addButton() {
    var header = document.querySelector(".md-header__inner");
    if (!header || header.querySelector(".cl-elder-toggle")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "cl-elder-toggle";
    button.textContent = "适老模式";
    button.title = "放大文字、提高对比度（再按一次恢复）";
    button.setAttribute("aria-pressed", root.classList.contains(CLASS) ? "true" : "false");
    button.addEventListener("click", function () {
      var on = !root.classList.contains(CLASS);
      root.classList.toggle(CLASS, on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
      remember(on);
      window.dispatchEvent(new Event("resize"));  /* layouts that measure themselves (cluster-list.js) */
    });
    var search = header.querySelector("label[for='__search']");
    header.insertBefore(button, search || null);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", addButton);
  else addButton();
})();
