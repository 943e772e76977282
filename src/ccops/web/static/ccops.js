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

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:after:swap", function () { drawAll(document); });
  window.addEventListener("resize", function () {
    var charts = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < charts.length; i++) {
      var instance = window.echarts && window.echarts.getInstanceByDom(charts[i]);
      if (instance) { instance.resize(); }
    }
  });
})();
