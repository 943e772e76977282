// ccops performance pages: funnel plot, p-chart and Kaplan-Meier curve from the JSON each page
// carries (no inline scripts). Shapes and line styles, not colour alone, tell series apart.
(function () {
  "use strict";

  function pct(v) { return v === null || v === undefined ? null : Math.round(v * 10000) / 100; }

  // An axis range (in %) that holds every value given, padded by a tenth of its span and kept
  // within 0-100, so the points are not squashed onto one line by limits at tiny samples.
  function span(values) {
    var v = values.filter(function (x) { return x !== null && x !== undefined && isFinite(x); });
    if (!v.length) { return { min: 0, max: 100 }; }
    var lo = Math.min.apply(null, v), hi = Math.max.apply(null, v);
    var pad = Math.max((hi - lo) / 10, 1);
    return { min: Math.max(0, Math.floor(lo - pad)), max: Math.min(100, Math.ceil(hi + pad)) };
  }

  function funnel(data) {
    var c = data.curve, l = data.labels;
    function line(key) { return c.map(function (p) { return [p.trials, pct(p[key])]; }); }
    // The y axis covers the people, the team rate and the 99.8% limits over the sample sizes
    // the people actually have (not the limits near n = 1, which span 0-100%).
    var ns = data.points.map(function (p) { return p.n; });
    var nLo = ns.length ? Math.min.apply(null, ns) : 0, nHi = ns.length ? Math.max.apply(null, ns) : 0;
    var seen = [pct(data.team_rate)].concat(data.points.map(function (p) { return pct(p.rate); }));
    c.forEach(function (p) {
      if (p.trials >= nLo && p.trials <= nHi) { seen.push(pct(p.lower_998), pct(p.upper_998)); }
    });
    var y = span(seen);
    return {
      animation: false,
      aria: { enabled: true },
      tooltip: { trigger: "item" },
      legend: { top: 0 },
      grid: { left: 56, right: 24, top: 40, bottom: 48 },
      xAxis: { type: "value", name: data.x, nameLocation: "middle", nameGap: 28, min: 0 },
      yAxis: { type: "value", name: data.y, min: y.min, max: y.max },
      series: [
        { name: l.l95, type: "line", data: line("lower_95"), symbol: "none", lineStyle: { type: "dashed" } },
        { name: l.l95, type: "line", data: line("upper_95"), symbol: "none", lineStyle: { type: "dashed" } },
        { name: l.l998, type: "line", data: line("lower_998"), symbol: "none", lineStyle: { type: "dotted", width: 2 } },
        { name: l.l998, type: "line", data: line("upper_998"), symbol: "none", lineStyle: { type: "dotted", width: 2 } },
        { name: l.team, type: "line", data: [[0, pct(data.team_rate)], [c.length ? c[c.length - 1].trials : 1, pct(data.team_rate)]], symbol: "none" },
        { name: l.people, type: "scatter", symbol: "circle", symbolSize: 9,
          data: data.points.filter(function (p) { return !p.flagged; }).map(function (p) { return { name: p.name, value: [p.n, pct(p.rate)] }; }) },
        { name: l.flagged, type: "scatter", symbol: "diamond", symbolSize: 13,
          data: data.points.filter(function (p) { return p.flagged; }).map(function (p) { return { name: p.name, value: [p.n, pct(p.rate)] }; }) }
      ]
    };
  }

  function pchart(data) {
    var n = data.names;
    var y = span([].concat(data.value, data.centre, data.upper, data.lower).map(pct));
    return {
      animation: false,
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 56, right: 24, top: 40, bottom: 36 },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", min: y.min, max: y.max },
      series: [
        { name: n.value, type: "line", data: data.value.map(function (v, i) {
            return { value: pct(v), symbol: data.special[i] ? "diamond" : "circle", symbolSize: data.special[i] ? 14 : 7 };
          }) },
        { name: n.centre, type: "line", data: data.centre.map(pct), symbol: "none" },
        { name: n.limits, type: "line", data: data.upper.map(pct), symbol: "none", step: "middle", lineStyle: { type: "dashed" } },
        { name: n.limits, type: "line", data: data.lower.map(pct), symbol: "none", step: "middle", lineStyle: { type: "dashed" } }
      ]
    };
  }

  function km(data) {
    function pts(key) { return data.times.map(function (t, i) { return [t, pct(data[key][i])]; }); }
    return {
      animation: false,
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 56, right: 24, top: 40, bottom: 48 },
      xAxis: { type: "value", name: data.x, nameLocation: "middle", nameGap: 28, min: 0 },
      yAxis: { type: "value", name: data.y, min: 0, max: 100 },
      series: [
        { name: data.names.survival, type: "line", step: "end", data: pts("survival"), symbol: "none", lineStyle: { width: 2 } },
        { name: data.names.band, type: "line", step: "end", data: pts("low"), symbol: "none", lineStyle: { type: "dashed" } },
        { name: data.names.band, type: "line", step: "end", data: pts("high"), symbol: "none", lineStyle: { type: "dashed" } }
      ]
    };
  }

  var BUILDERS = { funnel: funnel, pchart: pchart, km: km };

  function draw() {
    if (typeof window.echarts === "undefined") { return; }
    var els = document.querySelectorAll("[data-perf-chart]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var source = document.getElementById(el.getAttribute("data-source"));
      var build = BUILDERS[el.getAttribute("data-perf-chart")];
      if (!source || !build) { continue; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(build(JSON.parse(source.textContent)));
      el.setAttribute("data-drawn", "true");
    }
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
