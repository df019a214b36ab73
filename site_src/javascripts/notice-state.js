/* Recompute each notice badge from its window's instants, so a page built yesterday never says
   "公示中" after the close; on a notice page, show the sentences of the state its badge is in. The instants carry their +08:00 offset: the reader's time zone does not
   matter. Runs on first load and on every instant-navigation page change. The labels come from
   notice-labels.js, generated from the same table the pages print. */
(function () {
  "use strict";
  var LABELS = window.CL_NOTICE_STATE_LABELS;
  if (!LABELS) return;
  function stateAt(now, opens, closes) {
    if (now < opens) return "upcoming";
    if (now < closes) return "open";
    return "closed";
  }
  function update() {
    var now = Date.now();
    var badges = document.querySelectorAll("[data-opens][data-closes]");
    for (var i = 0; i < badges.length; i++) {
      var el = badges[i];
      var state = stateAt(now, Date.parse(el.getAttribute("data-opens")), Date.parse(el.getAttribute("data-closes")));
      el.textContent = LABELS[state];
      el.className = el.className.replace(/\bcl-notice-\w+\b/g, "").trim() + " cl-notice-" + state;
      el.setAttribute("data-state", state);
    }
    // A notice page's sentences that hold in some states only (data-when="open", "upcoming open" …)
    // follow its own badge, the one beside the title.
    var own = document.querySelector(".cl-badges [data-opens][data-closes]");
    var sentences = document.querySelectorAll("[data-when]");
    if (own) {
      var current = own.getAttribute("data-state");
      for (var j = 0; j < sentences.length; j++) {
        sentences[j].hidden = sentences[j].getAttribute("data-when").split(" ").indexOf(current) < 0;
      }
    }
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(update);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
  window.setInterval(update, 60 * 1000);
})();
