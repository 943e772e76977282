// ccops: forecast, staffing-requirement and capacity-plan charts from the JSON each page
// carries (no inline scripts: the Content-Security-Policy forbids them).
(function () {
  "use strict";

  function load(el, attr) {
    if (typeof window.echarts === "undefined") { return null; }
    var source = document.getElementById(el.getAttribute(attr));
    if (!source) { return null; }
    var old = window.echarts.getInstanceByDom(el);
    if (old) { old.dispose(); }
    return { data: JSON.parse(source.textContent), chart: window.echarts.init(el, null, { renderer: "canvas" }) };
  }

  function band(name, base, width, stack, opacity) {
    return [
      { name: name, type: "line", stack: stack, data: base, symbol: "none", silent: true,
        lineStyle: { opacity: 0 }, tooltip: { show: false } },
      { name: name, type: "line", stack: stack, data: width, symbol: "none", silent: true,
        lineStyle: { opacity: 0 }, areaStyle: { color: "#1f4e79", opacity: opacity } }
    ];
  }

  function drawForecast(el) {
    var got = load(el, "data-forecast-chart");
    if (!got) { return; }
    var d = got.data, n = d.names;
    var series = [].concat(
      band(n.pi95, d.lo95, d.band95, "b95", 0.12),
      band(n.pi80, d.lo80, d.band80, "b80", 0.22),
      [{ name: n.actual, type: "line", data: d.actual, symbol: "none", connectNulls: false,
         color: "#555555", lineStyle: { width: 1.5 } },
       { name: n.forecast, type: "line", data: d.forecast, symbol: "none", color: "#1f4e79",
         lineStyle: { width: 2 } }]
    );
    if (d.adjusted) {
      series.push({ name: n.adjusted, type: "line", data: d.adjusted, symbol: "none",
                    color: "#b42318", lineStyle: { width: 2, type: "dashed" } });
    }
    got.chart.setOption({
      animation: false,
      aria: { enabled: true, decal: { show: true } },
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [n.actual, n.forecast].concat(d.adjusted ? [n.adjusted] : []).concat([n.pi80, n.pi95]) },
      grid: { left: 56, right: 24, top: 40, bottom: 64 },
      dataZoom: [{ type: "slider", bottom: 8 }, { type: "inside" }],
      xAxis: { type: "category", data: d.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", name: n.contacts, min: 0 },
      series: series
    });
    el.setAttribute("data-drawn", "true");
  }

  function drawRequirement(el) {
    var got = load(el, "data-requirement-chart");
    if (!got) { return; }
    var d = got.data, n = d.names;
    got.chart.setOption({
      animation: false,
      aria: { enabled: true, decal: { show: true } },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 56, right: 24, top: 40, bottom: 64 },
      dataZoom: [{ type: "slider", bottom: 8 }, { type: "inside" }],
      xAxis: { type: "category", data: d.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", name: n.agents, minInterval: 1 },
      series: [
        { name: n.required, type: "line", step: "end", data: d.required, symbol: "none", color: "#1f4e79" },
        { name: n.scheduled, type: "line", step: "end", data: d.scheduled, symbol: "none",
          color: "#7a5c00", lineStyle: { type: "dashed" } }
      ]
    });
    el.setAttribute("data-drawn", "true");
  }

  function drawCapacity(el) {
    var got = load(el, "data-capacity-chart");
    if (!got) { return; }
    var d = got.data, n = d.names;
    got.chart.setOption({
      animation: false,
      aria: { enabled: true, decal: { show: true } },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 56, right: 64, top: 40, bottom: 36 },
      xAxis: { type: "category", data: d.labels, axisLabel: { hideOverlap: true } },
      yAxis: [{ type: "value", name: n.fte }, { type: "value", name: n.people, minInterval: 1, splitLine: { show: false } }],
      series: [
        { name: n.hires, type: "bar", yAxisIndex: 1, data: d.hires, color: "#8fb3d9" },
        { name: n.required, type: "line", data: d.required, symbol: "circle", color: "#1f4e79" },
        { name: n.available, type: "line", data: d.available, symbol: "triangle", color: "#7a5c00",
          lineStyle: { type: "dashed" } }
      ]
    });
    el.setAttribute("data-drawn", "true");
  }

  // A site's plan: the requirement over all queues, the gap without and with the waves
  // (lines, from zero: a gap is never shown bigger than it is), each wave's FTE as stacked bars.
  function drawSitePlan(el) {
    var got = load(el, "data-site-chart");
    if (!got) { return; }
    var d = got.data, n = d.names;
    var palette = ["#8fb3d9", "#b7d7a8", "#f2c48d", "#c9b3e6", "#9fd8d1"];
    var series = d.waves.map(function (w, i) {
      return { name: w.name, type: "bar", stack: "waves", data: w.fte,
               color: palette[i % palette.length] };
    });
    series.push(
      { name: n.required, type: "line", data: d.required, symbol: "circle", color: "#1f4e79" },
      { name: n.without, type: "line", data: d.without, symbol: "triangle", color: "#b42318",
        lineStyle: { type: "dashed" } },
      { name: n["with"], type: "line", data: d["with"], symbol: "diamond", color: "#7a5c00" }
    );
    got.chart.setOption({
      animation: false,
      aria: { enabled: true, decal: { show: true } },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 56, right: 24, top: 56, bottom: 36 },
      xAxis: { type: "category", data: d.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", name: n.fte, min: 0 },
      series: series
    });
    el.setAttribute("data-drawn", "true");
  }

  function each(selector, draw) {
    var found = document.querySelectorAll(selector);
    for (var i = 0; i < found.length; i++) { draw(found[i]); }
  }

  function drawAll() {
    each("[data-forecast-chart]", drawForecast);
    each("[data-requirement-chart]", drawRequirement);
    each("[data-capacity-chart]", drawCapacity);
    each("[data-site-chart]", drawSitePlan);
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  window.addEventListener("resize", function () {
    var found = document.querySelectorAll("[data-forecast-chart], [data-requirement-chart], [data-capacity-chart], [data-site-chart]");
    for (var i = 0; i < found.length; i++) {
      var instance = window.echarts && window.echarts.getInstanceByDom(found[i]);
      if (instance) { instance.resize(); }
    }
  });
})();
