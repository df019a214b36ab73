/*
 * 认定条件自检表（criteria.md）：按《工作指引》第 3.2 条逐项比较申报方填写的数字和“是／否”回答，
 * 即时显示 满足 / 不满足 / 未填写。
 *
 * 只在浏览器内计算：不发网络请求，不用 cookie、localStorage 或 sessionStorage，不提交表单。
 * 纯 JavaScript（ES5），不依赖任何框架；页面上没有 #self-check-form 时什么也不做。
 */
(function () {
  "use strict";

  /*
   * “是／否”条件在这里定义；量化指标（门槛数值、比较方式、原文用语、条款）不写在这里，而是从
   * 表单 data-criteria 指向的 data/criteria.json 读取：它由 data/policy/ 中的政策数据生成，与
   * 页面上的清单同源。键与表单中的 data-criterion 一致。
   *   clause   出处条款；text 条件的简短名称（用于合计与读屏播报）
   *   type     "number" 数字比较；"yesno" 是／否；"anyOf" 同一组的数字项满足其一
   *   op       ">"（高于）、">="（不低于、不少于、以上）、"<="（不超过）；limit 门槛数值；unit 单位
   *   partOf   属于哪个 anyOf 条件（本身不单独计入合计）
   */
  var CRITERIA = {
    // 3.2.1 统筹发展和安全：近三年未发生以下情形
    "no-major-accident": { clause: "3.2.1", type: "yesno", text: "近三年未发生较大及以上安全、质量和环境污染等事故" },
    "no-cyber-incident": { clause: "3.2.1", type: "yesno", text: "近三年未发生重大及以上网络安全事件和数据安全事件" },
    "no-tax-violation": { clause: "3.2.1", type: "yesno", text: "近三年未发生偷税漏税等违法违规行为" },
    "no-serious-dishonesty": { clause: "3.2.1", type: "yesno", text: "近三年未发生严重失信和其它重大问题的行为" },
    // 3.2.2 具有较强核心竞争力
    "industry-policy": { clause: "3.2.2", type: "yesno", text: "主导产业符合国家和广东省产业政策及广州市“十四五”规划" },
    "district-pillar": { clause: "3.2.2", type: "yesno", text: "主导产业为所在区的支柱或者特色产业" },
    "city-leading": { clause: "3.2.2", type: "yesno", text: "发展水平位居细分领域广州市前列" },
    "brand-known": { clause: "3.2.2", type: "yesno", text: "有较高的集群品牌知名度" },
    // 3.2.3 优质中小企业梯度培育成效显著
    "gradient-work": { clause: "3.2.3", type: "yesno", text: "持续开展优质中小企业梯度培育工作" },
    // 3.2.4 具有较强协同创新能力
    "innovation-platforms": { clause: "3.2.4", type: "yesno", text: "建立多元创新平台，与大型企业、高校和科研院所创新合作紧密" },
    "collaboration-mechanism": { clause: "3.2.4", type: "yesno", text: "大中小企业融通创新和产学研协同创新机制完善" },
    "standards-work": { clause: "3.2.4", type: "yesno", text: "积极参加主导产业的标准制修订工作" },
    "core-technology": { clause: "3.2.4", type: "yesno", text: "突破了一批主导产业的关键核心技术" },
    // 3.2.5 集群布局科学，统筹规划
    "operator-body": { clause: "3.2.5", type: "yesno", text: "设立有较强治理和服务能力的运营管理机构" },
    "service-institution": { clause: "3.2.5", type: "yesno", text: "建立或者引入优质中小企业公共服务机构" },
    "digital-transformation": { clause: "3.2.5", type: "yesno", text: "数字化转型效果明显" },
    "green-development": { clause: "3.2.5", type: "yesno", text: "具有较高绿色化发展水平" },
    "international-cooperation": { clause: "3.2.5", type: "yesno", text: "积极参与主导产业国际合作机制或交流活动" },
    "three-year-plan": { clause: "3.2.5", type: "yesno", text: "制定本集群未来三年发展规划" }
  };

  /* 输入框可接受的范围（本站的输入检查，不是认定门槛）：按单位判断。 */
  function inputLimits(unit, key) {
    if (unit === "家") { return { min: 0, integer: true }; }
    if (unit === "%") { return /share|rate/.test(key) ? { min: 0, max: 100 } : {}; }
    return { min: 0 };
  }

  /* 把 data/criteria.json 的量化指标并入 CRITERIA（同一组的指标另加一个 anyOf 条件）。 */
  function addThresholds(thresholds) {
    for (var i = 0; i < thresholds.length; i++) {
      var th = thresholds[i];
      var limits = inputLimits(th.unit, th.key);
      CRITERIA[th.key] = { clause: th.clause, type: "number", text: th.subject, wording: th.words,
        op: th.operator, limit: th.value, unit: th.unit, min: limits.min, max: limits.max,
        integer: limits.integer, partOf: th.group || undefined };
      if (th.group) {
        var group = CRITERIA[th.group] || (CRITERIA[th.group] = { clause: th.clause, type: "anyOf",
          text: "企业数量（满足其一即可）", of: [] });
        group.of.push(th.key);
      }
    }
  }

  var STATE_TEXT = { pass: "满足", fail: "不满足", empty: "未填写" };
  var ANNOUNCE_DELAY_MS = 700;

  // 当前页面上自检表的重算函数（没有自检表时为 null）。
  var refreshCurrent = null;

  /* ---- 纯函数：解析与比较 ---- */

  // 把输入框文字读成数字。返回 {state: "empty"} / {state: "invalid", hint} / {state: "ok", value}。
  function parseNumber(raw, rule) {
    var s = String(raw)
      .replace(/[\uFF10-\uFF19]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/[\uFF0E\u3002]/g, ".")          // 全角句点、中文句号
      .replace(/[\uFF0C]/g, ",")                // 全角逗号
      .replace(/[\uFF0D\u2212]/g, "-")          // 全角减号、数学减号
      .replace(/\uFF0B/g, "+")
      .replace(/\s+/g, "")
      .replace(/[%\uFF05]$/, "");
    if (s === "") { return { state: "empty" }; }
    if (/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) { s = s.replace(/,/g, ""); }  // 千位分隔
    if (!/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(s)) { return { state: "invalid", hint: "请填写数字" }; }
    var value = parseFloat(s);
    if (rule.integer && Math.floor(value) !== value) { return { state: "invalid", hint: "请填写整数" }; }
    if (rule.min !== undefined && value < rule.min) { return { state: "invalid", hint: "不能小于 " + rule.min }; }
    if (rule.max !== undefined && value > rule.max) { return { state: "invalid", hint: "不能大于 " + rule.max }; }
    return { state: "ok", value: value };
  }

  function compare(value, op, limit) {
    if (op === ">") { return value > limit; }
    if (op === ">=") { return value >= limit; }
    if (op === "<=") { return value <= limit; }
    throw new Error("unknown operator " + op);
  }

  /* ---- 读取表单 ---- */

  function evaluateNumber(form, key, rule) {
    var input = form.querySelector("#sc-" + key);
    var parsed = parseNumber(input ? input.value : "", rule);
    if (parsed.state === "empty") { return { state: "empty" }; }
    if (parsed.state === "invalid") { return { state: "empty", hint: parsed.hint }; }
    return { state: compare(parsed.value, rule.op, rule.limit) ? "pass" : "fail" };
  }

  function evaluateYesNo(form, key) {
    var checked = form.querySelector('input[name="sc-' + key + '"]:checked');
    if (!checked) { return { state: "empty" }; }
    return { state: checked.value === "yes" ? "pass" : "fail" };
  }

  function anyFilled(results, keys) {
    for (var i = 0; i < keys.length; i++) {
      if (results[keys[i]].state !== "empty" || results[keys[i]].hint) { return true; }
    }
    return false;
  }

  function evaluateAll(form) {
    var results = {};
    var key;
    for (key in CRITERIA) {
      if (!CRITERIA.hasOwnProperty(key)) { continue; }
      if (CRITERIA[key].type === "number") { results[key] = evaluateNumber(form, key, CRITERIA[key]); }
      if (CRITERIA[key].type === "yesno") { results[key] = evaluateYesNo(form, key); }
    }
    for (key in CRITERIA) {
      if (!CRITERIA.hasOwnProperty(key) || CRITERIA[key].type !== "anyOf") { continue; }
      var parts = CRITERIA[key].of;
      var anyPass = false;
      var allFail = true;
      for (var i = 0; i < parts.length; i++) {
        if (results[parts[i]].state === "pass") { anyPass = true; }
        if (results[parts[i]].state !== "fail") { allFail = false; }
      }
      results[key] = anyPass ? { state: "pass" }
        : allFail ? { state: "fail" }
        : { state: "empty", hint: anyFilled(results, parts) ? "两项满足其一即可" : "" };
    }
    return results;
  }

  /* ---- 显示 ---- */

  function showResult(form, key, result) {
    var el = form.querySelector("#sc-" + key + "-result");
    if (!el) { return; }
    el.setAttribute("data-state", result.state);
    el.textContent = STATE_TEXT[result.state] + (result.hint ? "：" + result.hint : "");
  }

  function countedKeys() {
    var keys = [];
    for (var key in CRITERIA) {
      if (CRITERIA.hasOwnProperty(key) && !CRITERIA[key].partOf) { keys.push(key); }
    }
    return keys;
  }

  function showSummary(form, results) {
    var keys = countedKeys();
    var n = { pass: 0, fail: 0, empty: 0 };
    var failed = form.querySelector("#sc-summary-failed");
    while (failed.firstChild) { failed.removeChild(failed.firstChild); }
    for (var i = 0; i < keys.length; i++) {
      var state = results[keys[i]].state;
      n[state] += 1;
      if (state === "fail") {
        var li = document.createElement("li");
        li.textContent = "不满足：" + CRITERIA[keys[i]].clause + " " + CRITERIA[keys[i]].text;
        failed.appendChild(li);
      }
    }
    var sentence = "共 " + keys.length + " 项：满足 " + n.pass + " 项，不满足 " + n.fail +
      " 项，未填写 " + n.empty + " 项。";
    if (n.pass === keys.length) {
      sentence += "第 3.2 条所列基本条件均已满足；是否认定仍以专家评审和公示结果为准（第 3.3.2 条）。";
    }
    return sentence;
  }

  function bind(form) {
    if (form.getAttribute("data-self-check") === "ready") { return; }
    form.setAttribute("data-self-check", "ready");

    var summary = form.querySelector("#sc-summary");
    var counts = form.querySelector("#sc-summary-counts");
    var live = form.querySelector("#sc-live");
    var announceTimer = null;

    // 表单与 CRITERIA 不一致时在控制台提示，便于维护者发现。
    for (var key in CRITERIA) {
      if (CRITERIA.hasOwnProperty(key) && !form.querySelector('[data-criterion="' + key + '"]')) {
        if (window.console) { window.console.warn("self-check: 表单缺少条件 " + key); }
      }
    }

    function update(announce) {
      var results = evaluateAll(form);
      for (var k in results) {
        if (results.hasOwnProperty(k)) { showResult(form, k, results[k]); }
      }
      var sentence = showSummary(form, results);
      counts.textContent = sentence;
      // 读屏播报（aria-live）：停止输入片刻后再更新，避免逐字播报；页面初次计算时不播报。
      if (announceTimer) { window.clearTimeout(announceTimer); }
      if (announce) {
        announceTimer = window.setTimeout(function () { live.textContent = sentence; }, ANNOUNCE_DELAY_MS);
      }
    }

    form.addEventListener("input", function () { update(true); });
    form.addEventListener("change", function () { update(true); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("reset", function () {
      // reset 事件在表单值恢复之前触发：等恢复完成再计算。
      window.setTimeout(function () { update(true); }, 0);
    });
    refreshCurrent = function () { update(false); };

    summary.hidden = false;
    update(false);
  }

  var thresholdsLoaded = false;

  function init() {
    var form = document.getElementById("self-check-form");
    if (!form) { refreshCurrent = null; return; }
    if (thresholdsLoaded) { bind(form); return; }
    var request = new XMLHttpRequest();
    request.open("GET", form.getAttribute("data-criteria"));
    request.responseType = "json";
    request.onload = function () {
      if (request.status !== 200 || !request.response) { return; }
      if (!thresholdsLoaded) { addThresholds(request.response.thresholds); thresholdsLoaded = true; }
      bind(form);
    };
    request.send();
  }

  // 浏览器“后退”恢复页面时可能带回已填的值：重新计算一次。
  window.addEventListener("pageshow", function () {
    if (refreshCurrent) { refreshCurrent(); }
  });

  // mkdocs-material 开启即时导航（navigation.instant）时，页面切换不会重新触发 DOMContentLoaded，
  // 而是由主题的 document$ 通知；未开启时按常规方式初始化。
  if (typeof window.document$ !== "undefined" && window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
