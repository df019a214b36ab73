/* The site search (generator/site/search.py): the header's search button opens a dialog, and the
   first time it opens, Pagefind's search interface (pagefind-ui.js and .css, from the site itself)
   is loaded into it. Until then a page loads nothing of the search; a query then fetches only the
   parts of the index it needs.

   The index holds one Chinese character per word (the build separates adjacent Han characters), so
   a query is turned into its characters: typed without spaces, they are asked for as one exact
   phrase ("分子材料" -> "分 子 材 料": the characters next to each other, wherever a word starts);
   with spaces between parts, every character must occur, in any order. An exact search scores every
   match alike, so results come sorted by the kind of page (the build's sort key). The build's U+200B
   between characters is removed from titles and excerpts before they are shown. */
(function () {
  "use strict";
  // A Han character: the same class as the build's (generator/site/search.py _HAN).
  var HAN_CHAR = /([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3134f}])/gu;
  var TRANSLATIONS = {
    placeholder: "输入集群名称、所在区、产业或规则中的词句",
    clear_search: "清除",
    load_more: "显示更多结果",
    search_label: "搜索本站",
    filters_label: "筛选",
    zero_results: "没有找到与 [SEARCH_TERM] 相关的内容",
    many_results: "找到 [COUNT] 个与 [SEARCH_TERM] 相关的页面",
    one_result: "找到 [COUNT] 个与 [SEARCH_TERM] 相关的页面",
    total_zero_results: "没有结果",
    total_one_result: "[COUNT] 个结果",
    total_many_results: "[COUNT] 个结果",
    alt_search: "没有找到与 [SEARCH_TERM] 相关的内容，以下是与 [DIFFERENT_TERM] 相关的内容",
    search_suggestion: "没有找到与 [SEARCH_TERM] 相关的内容。可以换一个词再试：",
    searching: "正在搜索 [SEARCH_TERM]……",
    results_label: "搜索结果",
    error_search: "搜索失败",
    input_hint: "输入后即显示结果"
  };

  /* The query Pagefind gets: its Han characters as separate words, as one exact phrase when the
     reader typed no space. Quotation marks typed by the reader are dropped. */
  function characters(term) {
    var text = term.replace(/["\u201c\u201d]/g, " ").replace(/\s+/g, " ").trim();
    var spaced = text.replace(HAN_CHAR, " $1 ").replace(/\s+/g, " ").trim();
    if (!text || text.indexOf(" ") >= 0 || spaced === text) return spaced;
    return "\"" + spaced + "\"";
  }

  function clean(html) {
    // The U+200B the build put between characters; one <mark> over a run of marked characters, and
    // the space after a marked character outside the mark.
    return html
      .replace(/\u200b/g, "")
      .replace(/<\/mark>(\s?)<mark>/g, "$1")
      .replace(/(\s+)<\/mark>/g, "</mark>$1");
  }

  function cleanResult(result) {
    if (result.meta && result.meta.title) result.meta.title = clean(result.meta.title);
    if (result.excerpt) result.excerpt = clean(result.excerpt);
    (result.sub_results || []).forEach(function (sub) {
      if (sub.title) sub.title = clean(sub.title);
      if (sub.excerpt) sub.excerpt = clean(sub.excerpt);
    });
    return result;
  }

  function setUp() {
    var opener = document.querySelector("[data-site-search-open]");
    var dialog = document.getElementById("site-search");
    if (!opener || !dialog || typeof dialog.showModal !== "function") return;
    var container = dialog.querySelector("[data-site-search-ui]");
    var status = dialog.querySelector("[data-site-search-status]");
    var bundle = new URL(dialog.getAttribute("data-bundle"), document.baseURI).pathname;
    var state = "idle"; // idle -> loading -> ready | failed

    function fail() {
      state = "failed";
      status.textContent = "站内搜索暂时无法使用：未能载入搜索程序。请稍后再试，或从导航和集群名单查找。";
    }

    function focusInput() {
      var input = container.querySelector("input");
      if (input) input.focus();
    }

    function start() {
      /* global PagefindUI */
      new PagefindUI({
        element: container,
        bundlePath: bundle,
        showImages: false,
        showSubResults: true,
        excerptLength: 40, // words: here characters
        sort: { order: "asc" }, // clusters, notices, calls, then lists, rules (search.py PAGE_KINDS)
        resetStyles: true,
        autofocus: true,
        translations: TRANSLATIONS,
        processTerm: characters,
        processResult: cleanResult
      });
      state = "ready";
      var input = container.querySelector("input");
      if (input) {
        // Named by the dialog's visible title, described by its hint (Pagefind gives it a title only).
        input.setAttribute("aria-labelledby", "site-search-title");
        input.setAttribute("aria-describedby", "site-search-hint");
      }
      focusInput();
    }

    function load() {
      state = "loading";
      status.textContent = "正在载入站内搜索……";
      var style = document.createElement("link");
      style.rel = "stylesheet";
      style.href = bundle + "pagefind-ui.css";
      document.head.appendChild(style);
      var script = document.createElement("script");
      script.src = bundle + "pagefind-ui.js";
      script.addEventListener("load", function () {
        status.textContent = "";
        if (typeof window.PagefindUI === "function") start();
        else fail();
      });
      script.addEventListener("error", fail);
      document.head.appendChild(script);
    }

    function open() {
      if (!dialog.open) dialog.showModal();
      if (state === "idle") load();
      else if (state === "ready") focusInput();
    }

    opener.hidden = false;
    opener.addEventListener("click", open);
    dialog.querySelector("[data-site-search-close]").addEventListener("click", function () {
      dialog.close();
    });
    dialog.addEventListener("click", function (event) {
      // A click on the backdrop (outside the dialog's box) closes it; so does following a result
      // (a link to a place on this same page would otherwise stay covered).
      if (event.target === dialog) {
        var box = dialog.getBoundingClientRect();
        var inside = event.clientX >= box.left && event.clientX <= box.right &&
          event.clientY >= box.top && event.clientY <= box.bottom;
        if (!inside) dialog.close();
      } else if (event.target.closest && event.target.closest("a[href]")) {
        dialog.close();
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
