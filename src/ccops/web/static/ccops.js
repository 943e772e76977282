// ccops: draws the KPI charts from the JSON the page carries (no inline scripts, so the
// Content-Security-Policy can forbid them), and again after htmx swaps in a new panel.
(function () {
  "use strict";

  function css(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name);
    return value ? value.trim() : fallback;
  }

  function drawIntradayChart(el, data) {
    var old = window.echarts.getInstanceByDom(el);
    if (old) { old.dispose(); }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var n = data.names;
    chart.setOption({
      animation: false,
      aria: { enabled: true, decal: { show: true } },
      color: [css("--chart-offered", "#8fb3d9"), css("--chart-asa", "#7a5c00"),
              css("--chart-abandon", "#b42318"), css("--chart-sl", "#1f4e79")],
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 56, right: 56, top: 40, bottom: 36 },
      xAxis: { type: "category", data: data.labels, axisLabel: { hideOverlap: true } },
      yAxis: [
        { type: "value", name: n.contacts, position: "left", minInterval: 1 },
        { type: "value", name: n.percent, position: "right", min: 0, max: 100 }
      ],
      series: [
        { name: n.offered, type: "bar", yAxisIndex: 0, data: data.offered },
        { name: n.forecast, type: "line", yAxisIndex: 0, data: data.forecast,
          symbol: "none", lineStyle: { width: 2 } },
        { name: n.reforecast, type: "line", yAxisIndex: 0, data: data.reforecast,
          symbol: "none", lineStyle: { type: "dashed", width: 2 } },
        { name: n.service_level, type: "line", yAxisIndex: 1, data: data.service_level,
          symbol: "circle", symbolSize: 5, lineStyle: { type: "dotted", width: 2 } }
      ]
    });
    el.setAttribute("data-drawn", "true");
  }

  function drawKpiChart(el) {
    if (typeof window.echarts === "undefined") { return; }
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    if (data.kind === "intraday") { drawIntradayChart(el, data); return; }
    var old = window.echarts.getInstanceByDom(el);
    if (old) { old.dispose(); }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var n = data.names;
    chart.setOption({
      animation: false,
      aria: { enabled: true, decal: { show: true } },
      color: [css("--chart-offered", "#8fb3d9"), css("--chart-sl", "#1f4e79"),
              css("--chart-abandon", "#b42318"), css("--chart-asa", "#7a5c00")],
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 56, right: 118, top: 40, bottom: 36 },
      xAxis: { type: "category", data: data.labels, axisLabel: { hideOverlap: true } },
      yAxis: [
        { type: "value", name: n.contacts, position: "left", minInterval: 1 },
        { type: "value", name: n.percent, position: "right", min: 0, max: 100 },
        { type: "value", name: n.seconds, position: "right", offset: 52, splitLine: { show: false } }
      ],
      series: [
        { name: n.offered, type: "bar", yAxisIndex: 0, data: data.offered },
        { name: n.service_level, type: "line", yAxisIndex: 1, data: data.service_level,
          symbol: "circle", symbolSize: 6, connectNulls: false, lineStyle: { width: 2 },
          markLine: data.goal === null ? undefined : {
            symbol: "none", silent: true, lineStyle: { type: "dashed" },
            label: { formatter: n.goal + " " + data.goal + "%", position: "insideEndTop" },
            data: [{ yAxis: data.goal }]
          } },
        { name: n.abandon_rate, type: "line", yAxisIndex: 1, data: data.abandon_rate,
          symbol: "triangle", symbolSize: 7, lineStyle: { type: "dashed", width: 2 } },
        { name: n.asa_s, type: "line", yAxisIndex: 2, data: data.asa_s,
          symbol: "rect", symbolSize: 6, lineStyle: { type: "dotted", width: 2 } }
      ]
    });
    el.setAttribute("data-drawn", "true");
  }

  function drawAll(root) {
    var charts = (root || document).querySelectorAll("[data-chart]");
    for (var i = 0; i < charts.length; i++) { drawKpiChart(charts[i]); }
  }

  // Date fields: a browser's own date input shows dates in the browser's locale (12/03/2026),
  // not the language the user chose here. They become ISO text fields (2026-12-03, the same in
  // every language and what the server reads) with a calendar button that opens the browser's
  // picker, and a line under them that spells the date in the page's language ("Thu 3 Dec 2026").
  var ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

  function parseIso(text) {
    var m = ISO_DATE.exec(text);
    if (!m) { return null; }
    var day = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    if (day.getUTCFullYear() !== +m[1] || day.getUTCMonth() !== +m[2] - 1 || day.getUTCDate() !== +m[3]) {
      return null;
    }
    return day;
  }

  function dateLocale() {
    var lang = document.documentElement.lang || "en";
    return lang === "en" ? "en-GB" : lang;
  }

  function spellDate(input, hint) {
    var text = input.value.trim();
    var day = parseIso(text);
    var labels = document.body.dataset;
    if (text === "") {
      hint.textContent = "";
      input.setCustomValidity("");
    } else if (day === null) {
      hint.textContent = "";
      input.setCustomValidity(labels.dateInvalid || "YYYY-MM-DD");
    } else {
      hint.textContent = new Intl.DateTimeFormat(dateLocale(), {
        weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC"
      }).format(day);
      input.setCustomValidity("");
    }
  }

  function calendarIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M2 3h12v11H2zM2 6h12M5 1v4M11 1v4");
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "1.5");
    svg.appendChild(path);
    return svg;
  }

  // A browser empties a date, time or date-and-time input whose value does not exist (24:10,
  // 2026-02-30); the markup's own value attribute keeps what the user typed, so a page that comes
  // back with an error shows it as typed.
  function typedValue(input) {
    return (input.value || input.getAttribute("value") || "").trim();
  }

  function localiseDateInput(input) {
    var labels = document.body.dataset;
    var typed = typedValue(input);
    var picker = document.createElement("input");
    picker.type = "date";
    picker.className = "date-native";
    picker.tabIndex = -1;
    picker.setAttribute("aria-hidden", "true");
    if (input.min) { picker.min = input.min; }
    if (input.max) { picker.max = input.max; }
    input.type = "text";
    input.value = typed;
    input.setAttribute("inputmode", "numeric");
    input.setAttribute("pattern", "\\d{4}-\\d{2}-\\d{2}");
    input.setAttribute("maxlength", "10");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("data-date", "iso");
    if (!input.placeholder) { input.placeholder = labels.datePlaceholder || "YYYY-MM-DD"; }
    var wrap = document.createElement("span");
    wrap.className = "date-field";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "date-pick";
    button.setAttribute("aria-label", labels.datePick || "Choose a date");
    button.title = labels.datePick || "Choose a date";
    button.appendChild(calendarIcon());
    wrap.appendChild(button);
    wrap.appendChild(picker);
    var hint = document.createElement("span");
    hint.className = "hint date-spelled";
    hint.setAttribute("aria-live", "polite");
    wrap.parentNode.insertBefore(hint, wrap.nextSibling);
    if (input.id) {
      hint.id = input.id + "-spelled";
      var described = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", (described ? described + " " : "") + hint.id);
    }
    input.addEventListener("input", function () { spellDate(input, hint); });
    button.addEventListener("click", function () {
      picker.value = parseIso(input.value.trim()) ? input.value.trim() : "";
      if (typeof picker.showPicker === "function") {
        try { picker.showPicker(); return; } catch (e) { /* not allowed: fall through */ }
      }
      picker.focus();
      picker.click();
    });
    picker.addEventListener("change", function () {
      if (!picker.value) { return; }
      input.value = picker.value;
      spellDate(input, hint);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
      input.focus();
    });
    spellDate(input, hint);
  }

  // Time fields: the browser's own control shows 02:30 PM in an en-US Chromium and 下午02:30 in a
  // Chinese one, whatever language the user chose here. They become 24-hour HH:MM text fields
  // (the same in every language and what the server reads), refused in the browser when the
  // time does not exist.
  var HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

  function checkTime(input) {
    var text = input.value.trim();
    var labels = document.body.dataset;
    input.setCustomValidity(text === "" || HH_MM.test(text) ? "" : (labels.timeInvalid || "HH:MM"));
  }

  function localiseTimeInput(input) {
    var labels = document.body.dataset;
    var text = typedValue(input);
    input.type = "text";
    input.value = text.slice(0, 5);
    input.setAttribute("inputmode", "numeric");
    input.setAttribute("pattern", "([01]\\d|2[0-3]):[0-5]\\d");
    input.setAttribute("maxlength", "5");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("data-time", "hh:mm");
    if (!input.placeholder) { input.placeholder = labels.timePlaceholder || "HH:MM"; }
    input.addEventListener("input", function () { checkTime(input); });
    checkTime(input);
  }

  // Date-and-time fields: the browser's control says 12/03/2026, 02:30 PM in an en-US Chromium.
  // Each becomes a date field (ISO text, calendar button, the day spelled out, as above) and a
  // 24-hour time field side by side; a hidden field under the original name carries what the
  // server reads (2026-12-03T14:30).
  function localiseMomentInput(input) {
    var labels = document.body.dataset;
    var value = typedValue(input);
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = input.name;
    hidden.value = value;
    var day = input;
    day.removeAttribute("name");
    day.type = "date";
    day.setAttribute("value", value.slice(0, 10));
    day.value = value.slice(0, 10);
    day.removeAttribute("step");
    if (day.min) { day.min = day.min.slice(0, 10); }
    if (day.max) { day.max = day.max.slice(0, 10); }
    var time = document.createElement("input");
    time.type = "time";
    time.setAttribute("value", value.slice(11, 16));
    time.required = day.required;
    time.className = "moment-time";
    time.setAttribute("aria-label", labels.timeLabel || "Time (24-hour, HH:MM)");
    if (day.id) { time.id = day.id + "-time"; }
    var row = document.createElement("span");
    row.className = "moment-field";
    day.parentNode.insertBefore(row, day);
    row.appendChild(day);
    row.appendChild(time);
    row.appendChild(hidden);
    localiseDateInput(day);
    localiseTimeInput(time);
    var spelled = row.querySelector(".date-spelled");
    if (spelled) { row.parentNode.insertBefore(spelled, row.nextSibling); }
    function combine() {
      var d = day.value.trim();
      var t = time.value.trim();
      // Both halves valid: the ISO moment. Otherwise what was typed, so that the server names
      // the field ("Enter a date and time") and the page comes back with it as typed.
      hidden.value = d === "" && t === "" ? "" : d + "T" + t;
    }
    day.addEventListener("input", combine);
    day.addEventListener("change", combine);
    time.addEventListener("input", combine);
    combine();
  }

  function localiseDates(root) {
    var inputs = (root || document).querySelectorAll('input[type="date"]:not(.date-native)');
    for (var i = 0; i < inputs.length; i++) { localiseDateInput(inputs[i]); }
    var moments = (root || document).querySelectorAll('input[type="datetime-local"]');
    for (var j = 0; j < moments.length; j++) { localiseMomentInput(moments[j]); }
    var times = (root || document).querySelectorAll('input[type="time"]');
    for (var k = 0; k < times.length; k++) { localiseTimeInput(times[k]); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    localiseDates(document);
    drawAll(document);
  });
  document.addEventListener("htmx:after:swap", function () {
    localiseDates(document);
    drawAll(document);
  });
  window.addEventListener("resize", function () {
    var charts = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < charts.length; i++) {
      var instance = window.echarts && window.echarts.getInstanceByDom(charts[i]);
      if (instance) { instance.resize(); }
    }
  });
})();
