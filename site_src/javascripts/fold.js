/* Long reference tables fold (<details data-fold>, closed as built, so a phone shows only their
   summaries): open them where there is room, open the one a link points into, and open all of
   them before printing, since a closed one prints as its summary alone. */
(function () {
  "use strict";
  var WIDE = "(min-width: 47.5em)";  /* 760 px: the width from which the cluster list is a table too */

  function folds() {
    return Array.prototype.slice.call(document.querySelectorAll("details[data-fold]"));
  }
  function openAll() {
    folds().forEach(function (fold) { fold.open = true; });
  }
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    var fold = target && target.closest ? target.closest("details[data-fold]") : null;
    if (fold && !fold.open) {
      fold.open = true;
      target.scrollIntoView();
    }
  }
  function setup() {
    if (window.matchMedia && window.matchMedia(WIDE).matches) openAll();
    openTarget();
  }
  window.addEventListener("beforeprint", openAll);
  window.addEventListener("hashchange", openTarget);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
