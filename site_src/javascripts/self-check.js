/*
 * The self-check form of the criteria page (criteria.md): built in the browser from the JSON its
 * data-criteria attribute names (data/criteria.json, which generator/publish/opendata.py writes from
 * the policy data in data/policy/, the same data the checklist on the page is printed from). Each
 * answer is compared with the JSON's operator and value as the reader types; the page shows
 * 满足 / 不满足 / 未填写 per item and a summary.
 *
 * This file holds no criterion: no words of the guideline, no number, no comparison word, no clause
 * (tests/test_criteria_once.py checks it against the JSON). Only the form's own wording is here.
 *
 * Computed in the browser only: no request but the JSON, no cookie, localStorage or sessionStorage,
 * the form is never submitted. Plain ES5, no framework; does nothing on a page without
 * #self-check-form. Without JavaScript the page's checklist is the whole page (the form stays empty
 * and its <noscript> says so).
 */
(function () {
  "use strict";

  var STATE_TEXT = { pass: "满足", fail: "不满足", empty: "未填写" };
  var ANNOUNCE_DELAY_MS = 700;

  // The recompute function of the form on the current page (null without a form).
  var refreshCurrent = null;
  // The JSON once read, by its URL: instant navigation back to the page does not fetch it again.
  var loaded = {};

  /* ---- pure: the JSON as rules ---- */

  // Each criterion of the JSON as a rule the form checks, by key; the thresholds' numbers and input
  // ranges copied from data.thresholds; one "anyOf" rule per group (meeting one member is enough).
  function rulesFrom(data) {
    var thresholds = {};
    var rules = {};
    var counted = [];
    var i;
    var j;
    for (i = 0; i < data.thresholds.length; i++) { thresholds[data.thresholds[i].key] = data.thresholds[i]; }
    for (i = 0; i < data.criteria.length; i++) {
      var item = data.criteria[i];
      var rule = { key: item.key, clause: item.clause, kind: item.kind, text: item.text, label: item.label,
        group: item.group };
      if (item.kind === "threshold") {
        var th = thresholds[item.threshold];
        rule.subject = th.subject;
        rule.rule = th.rule;
        rule.unit = th.unit;
        rule.op = th.operator;
        rule.limit = th.value;
        rule.min = th.input.min;
        rule.max = th.input.max;
        rule.integer = th.input.integer;
      }
      rules[item.key] = rule;
    }
    for (i = 0; i < data.groups.length; i++) {
      var group = data.groups[i];
      var labels = [];
      for (j = 0; j < group.members.length; j++) { labels.push(rules[group.members[j]].label); }
      rules[group.key] = { key: group.key, clause: group.clause, kind: "anyOf", of: group.members,
        label: labels.join("，或者") + "（满足其一即可）" };
    }
    for (i = 0; i < data.sections.length; i++) {
      var entries = data.sections[i].entries;
      for (j = 0; j < entries.length; j++) { counted.push(entries[j].group || entries[j].criterion); }
    }
    return { rules: rules, counted: counted, sections: data.sections };
  }

  // The reader's text as a number: {state: "empty"} / {state: "invalid", hint} / {state: "ok", value}.
  function parseNumber(raw, rule) {
    var s = String(raw)
      .replace(/[\uFF10-\uFF19]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/[\uFF0E\u3002]/g, ".")          // full-width full stop, ideographic full stop
      .replace(/[\uFF0C]/g, ",")                // full-width comma
      .replace(/[\uFF0D\u2212]/g, "-")          // full-width hyphen-minus, minus sign
      .replace(/\uFF0B/g, "+")
      .replace(/\s+/g, "")
      .replace(/[%\uFF05]$/, "");
    if (s === "") { return { state: "empty" }; }
    if (/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) { s = s.replace(/,/g, ""); }  // thousands separators
    if (!/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(s)) { return { state: "invalid", hint: "请填写数字" }; }
    var value = parseFloat(s);
    if (rule.integer && Math.floor(value) !== value) { return { state: "invalid", hint: "请填写整数" }; }
    if (rule.min !== null && value < rule.min) { return { state: "invalid", hint: "不能小于 " + rule.min }; }
    if (rule.max !== null && value > rule.max) { return { state: "invalid", hint: "不能大于 " + rule.max }; }
    return { state: "ok", value: value };
  }

  // The operators of data/criteria.json ("comparisons": the site's reading of each comparison word).
  function compare(value, op, limit) {
    if (op === ">") { return value > limit; }
    if (op === ">=") { return value >= limit; }
    if (op === "<") { return value < limit; }
    if (op === "<=") { return value <= limit; }
    throw new Error("unknown operator " + op);
  }

  /* ---- the form, drawn from the JSON ---- */

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    for (var name in attributes) {
      if (attributes.hasOwnProperty(name) && attributes[name] !== null) { node.setAttribute(name, attributes[name]); }
    }
    for (var i = 0; i < (children || []).length; i++) {
      var child = children[i];
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function result(key) {
    return el("span", { "class": "sc-result", id: "sc-" + key + "-result" });
  }

  function yesNoItem(rule) {
    function choice(value, text) {
      return el("label", {}, [el("input", { type: "radio", name: "sc-" + rule.key, value: value }), " " + text]);
    }
    return el("fieldset", { "class": "sc-item sc-yesno", "data-criterion": rule.key,
      "aria-describedby": "sc-" + rule.key + "-result" }, [
      el("legend", {}, [rule.text]),
      el("span", { "class": "sc-choices" }, [choice("yes", "是"), choice("no", "否")]),
      result(rule.key)
    ]);
  }

  function numberItem(rule, group) {
    return el("div", { "class": "sc-item sc-number" + (group ? " sc-part" : ""), "data-criterion": rule.key }, [
      el("label", { "for": "sc-" + rule.key }, [rule.subject + " ", el("span", { "class": "sc-rule" }, ["要求 " + rule.rule])]),
      el("span", { "class": "sc-field" }, [
        el("input", { id: "sc-" + rule.key, type: "text", inputmode: rule.integer ? "numeric" : "decimal",
          autocomplete: "off", spellcheck: "false",
          "aria-describedby": (group ? "sc-either-" + group + " " : "") + "sc-" + rule.key + "-result" }),
        el("span", { "class": "sc-unit", "aria-hidden": "true" }, [rule.unit])
      ]),
      result(rule.key)
    ]);
  }

  function groupItems(rules, group) {
    var children = [el("p", { "class": "sc-either-note", id: "sc-either-" + group.key },
      ["下面 " + group.of.length + " 项满足其一即可："])];
    for (var i = 0; i < group.of.length; i++) { children.push(numberItem(rules[group.of[i]], group.key)); }
    children.push(el("div", { "class": "sc-item sc-combined", "data-criterion": group.key }, [
      el("span", { "class": "sc-combined-label", id: "sc-" + group.key + "-label" },
        ["第 " + group.clause + " 条（" + group.of.length + " 项满足其一）"]),
      result(group.key)
    ]));
    return el("div", { "class": "sc-either" }, children);
  }

  function draw(form, sheet) {
    var guideline = form.getAttribute("data-guideline") || "";
    var holder = form.querySelector("#sc-groups");
    for (var i = 0; i < sheet.sections.length; i++) {
      var section = sheet.sections[i];
      var legend = el("legend", {}, [el("a", { href: guideline + "#" + section.anchor }, [section.clause])]);
      if (section.heading) { legend.appendChild(document.createTextNode(" " + section.heading)); }
      var fieldset = el("fieldset", { "class": "sc-group" }, [legend]);
      for (var j = 0; j < section.entries.length; j++) {
        var entry = section.entries[j];
        var rule = sheet.rules[entry.group || entry.criterion];
        if (rule.kind === "anyOf") { fieldset.appendChild(groupItems(sheet.rules, rule)); }
        else if (rule.kind === "yesno") { fieldset.appendChild(yesNoItem(rule)); }
        else { fieldset.appendChild(numberItem(rule, null)); }
      }
      holder.appendChild(fieldset);
    }
  }

  /* ---- reading the form ---- */

  function evaluateNumber(form, rule) {
    var input = form.querySelector("#sc-" + rule.key);
    var parsed = parseNumber(input ? input.value : "", rule);
    if (parsed.state === "empty") { return { state: "empty" }; }
    if (parsed.state === "invalid") { return { state: "empty", hint: parsed.hint }; }
    return { state: compare(parsed.value, rule.op, rule.limit) ? "pass" : "fail" };
  }

  function evaluateYesNo(form, rule) {
    var checked = form.querySelector('input[name="sc-' + rule.key + '"]:checked');
    if (!checked) { return { state: "empty" }; }
    return { state: checked.value === "yes" ? "pass" : "fail" };
  }

  function anyFilled(results, keys) {
    for (var i = 0; i < keys.length; i++) {
      if (results[keys[i]].state !== "empty" || results[keys[i]].hint) { return true; }
    }
    return false;
  }

  function evaluateAll(form, rules) {
    var results = {};
    var key;
    for (key in rules) {
      if (!rules.hasOwnProperty(key)) { continue; }
      if (rules[key].kind === "threshold") { results[key] = evaluateNumber(form, rules[key]); }
      if (rules[key].kind === "yesno") { results[key] = evaluateYesNo(form, rules[key]); }
    }
    for (key in rules) {
      if (!rules.hasOwnProperty(key) || rules[key].kind !== "anyOf") { continue; }
      var parts = rules[key].of;
      var anyPass = false;
      var allFail = true;
      for (var i = 0; i < parts.length; i++) {
        if (results[parts[i]].state === "pass") { anyPass = true; }
        if (results[parts[i]].state !== "fail") { allFail = false; }
      }
      results[key] = anyPass ? { state: "pass" }
        : allFail ? { state: "fail" }
        : { state: "empty", hint: anyFilled(results, parts) ? "满足其一即可" : "" };
    }
    return results;
  }

  /* ---- showing the results ---- */

  function showResult(form, key, outcome) {
    var node = form.querySelector("#sc-" + key + "-result");
    if (!node) { return; }
    node.setAttribute("data-state", outcome.state);
    node.textContent = STATE_TEXT[outcome.state] + (outcome.hint ? "：" + outcome.hint : "");
  }

  function showSummary(form, sheet, results) {
    var keys = sheet.counted;
    var n = { pass: 0, fail: 0, empty: 0 };
    var failed = form.querySelector("#sc-summary-failed");
    while (failed.firstChild) { failed.removeChild(failed.firstChild); }
    for (var i = 0; i < keys.length; i++) {
      var state = results[keys[i]].state;
      n[state]++;
      if (state === "fail") {
        var rule = sheet.rules[keys[i]];
        failed.appendChild(el("li", {}, ["不满足：" + rule.clause + " " + rule.label]));
      }
    }
    var sentence = "共 " + keys.length + " 项：满足 " + n.pass + " 项，不满足 " + n.fail +
      " 项，未填写 " + n.empty + " 项。";
    if (n.pass === keys.length) { sentence += form.querySelector("#sc-all-met").textContent; }
    return sentence;
  }

  function bind(form, sheet) {
    if (form.getAttribute("data-self-check") === "ready") { return; }
    draw(form, sheet);
    var summary = form.querySelector("#sc-summary");
    var counts = form.querySelector("#sc-summary-counts");
    var live = form.querySelector("#sc-live");
    var announceTimer = null;

    function update(announce) {
      var results = evaluateAll(form, sheet.rules);
      for (var key in results) {
        if (results.hasOwnProperty(key)) { showResult(form, key, results[key]); }
      }
      var sentence = showSummary(form, sheet, results);
      counts.textContent = sentence;
      // Screen readers (aria-live) hear the summary once typing pauses, not per keystroke; not on load.
      if (announceTimer) { window.clearTimeout(announceTimer); }
      if (announce) {
        announceTimer = window.setTimeout(function () { live.textContent = sentence; }, ANNOUNCE_DELAY_MS);
      }
    }

    form.addEventListener("input", function () { update(true); });
    form.addEventListener("change", function () { update(true); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("reset", function () {
      // The reset event comes before the form's values are reset: recompute once they are.
      window.setTimeout(function () { update(true); }, 0);
    });
    refreshCurrent = function () { update(false); };

    summary.hidden = false;
    form.querySelector("#sc-actions").hidden = false;
    form.setAttribute("data-self-check", "ready");
    update(false);
  }

  function unavailable(form) {
    var note = form.querySelector("#sc-unavailable");
    if (note) { note.hidden = false; }
  }

  function init() {
    var form = document.getElementById("self-check-form");
    if (!form) { refreshCurrent = null; return; }
    var url = form.getAttribute("data-criteria");
    if (loaded.hasOwnProperty(url)) { bind(form, loaded[url]); return; }
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.responseType = "json";
    request.onload = function () {
      if (request.status !== 200 || !request.response) { unavailable(form); return; }
      loaded[url] = rulesFrom(request.response);
      bind(form, loaded[url]);
    };
    request.onerror = function () { unavailable(form); };
    request.send();
  }

  // A page restored by the browser's Back button may bring back the values typed: recompute once.
  window.addEventListener("pageshow", function () {
    if (refreshCurrent) { refreshCurrent(); }
  });

  // With mkdocs-material's instant navigation a page change fires no DOMContentLoaded: the theme's
  // document$ tells; without it, the usual way.
  if (typeof window.document$ !== "undefined" && window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
