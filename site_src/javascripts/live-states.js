/* Keep every changing state on the page true at the reader's instant, between two builds.

   The build publishes what each state will read at each instant it changes (javascripts/
   live-states-data.js, generated from the snapshot: generator/domain/schedule.py). This script holds
   no rule and no word of its own: for each element marked data-live="KIND:ID" it shows the last entry
   at or before the reader's clock. The instants carry their +08:00 offset: the reader's time zone does
   not matter. An element marked
     data-live-class="cl-notice-"   gets that class prefix followed by the state's key;
     data-live-attr="data-status"   gets only that attribute set to the key (a list row, for its filters);
     data-live-before="，"           shows its text after these characters, and is hidden while empty;
     data-live-fragment="status-"   points its parent link to that entry of the practice page.
   A notice page's sentences that hold in some states only (data-when="open", "upcoming open" …)
   follow its own badge. When anything changed, the event "cl:live" tells the list to filter and
   count again. Runs at load, at every instant in the table, and once a minute. */
(function () {
  "use strict";
  var LIVE = window.CL_LIVE;
  if (!LIVE) return;
  var timer = null;

  function entryAt(entries, now) {
    var found = null;
    for (var i = 0; i < entries.length; i++) {
      if (Date.parse(entries[i][0]) <= now) found = entries[i];
    }
    return found;
  }

  function apply(el, entry) {
    var key = entry[1], text = entry[2];
    var attr = el.getAttribute("data-live-attr");
    if (attr) {
      if (el.getAttribute(attr) === key) return false;
      el.setAttribute(attr, key);
      return true;
    }
    var before = el.getAttribute("data-live-before") || "";
    var shown = text ? before + text : "";
    if (el.getAttribute("data-state") === key && el.textContent === shown) return false;
    el.textContent = shown;
    el.hidden = !shown;
    el.setAttribute("data-state", key);
    var prefix = el.getAttribute("data-live-class");
    if (prefix) {
      var kept = el.className.split(/\s+/).filter(function (c) { return c && c.indexOf(prefix) !== 0; });
      kept.push(prefix + key);
      el.className = kept.join(" ");
    }
    var fragment = el.getAttribute("data-live-fragment");
    var link = el.parentElement;
    if (fragment && link && link.tagName === "A") link.hash = fragment + key;
    return true;
  }

  function update() {
    var now = Date.now();
    var changed = false;
    var next = Infinity;
    var marked = document.querySelectorAll("[data-live]");
    for (var i = 0; i < marked.length; i++) {
      var el = marked[i];
      var mark = el.getAttribute("data-live");
      var colon = mark.indexOf(":");
      var entries = (LIVE[mark.slice(0, colon)] || {})[mark.slice(colon + 1)];
      if (!entries) continue;
      var entry = entryAt(entries, now);
      if (entry && apply(el, entry)) changed = true;
      for (var j = 0; j < entries.length; j++) {
        var at = Date.parse(entries[j][0]);
        if (at > now && at < next) next = at;
      }
    }
    var own = document.querySelector(".cl-badges [data-live^='notice:']");
    if (own) {
      var current = own.getAttribute("data-state");
      var sentences = document.querySelectorAll("[data-when]");
      for (var k = 0; k < sentences.length; k++) {
        sentences[k].hidden = sentences[k].getAttribute("data-when").split(" ").indexOf(current) < 0;
      }
    }
    if (changed) document.dispatchEvent(new CustomEvent("cl:live"));
    if (timer) window.clearTimeout(timer);
    timer = next < Infinity ? window.setTimeout(update, Math.min(next - now + 50, 2147483000)) : null;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
  window.setInterval(update, 60 * 1000);
})();
