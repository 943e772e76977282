// ccops: draws each queue's coverage-versus-requirement chart of a schedule page from the JSON
// the page carries (no inline scripts: the Content-Security-Policy forbids them).
(function () {
  "use strict";

  function draw(el) {
    if (typeof window.echarts === "undefined") { return; }
    var source = document.getElementById(el.getAttribute("data-schedule-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var old = window.echarts.getInstanceByDom(el);
    if (old) { old.dispose(); }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var n = data.names;
    chart.setOption({
      animation: false,
      aria: { enabled: true, decal: { show: true } },
      color: ["#8fb3d9", "#1f4e79", "#7a5c00"],
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 56, top: 40, bottom: 36 },
      xAxis: { type: "category", data: data.labels, axisLabel: { hideOverlap: true } },
      yAxis: [
        { type: "value", name: data.queue, minInterval: 1 },
        { type: "value", name: "%", min: 0, max: 100, position: "right" }
      ],
      series: [
        { name: n.required, type: "line", step: "start", data: data.required, symbol: "none",
          lineStyle: { type: "dashed", width: 2 } },
        { name: n.scheduled, type: "line", step: "start", data: data.scheduled, symbol: "none",
          areaStyle: { opacity: 0.25 }, lineStyle: { width: 2 } },
        { name: n.sl, type: "line", yAxisIndex: 1, data: data.sl, symbol: "none",
          lineStyle: { type: "dotted", width: 1 } }
      ]
    });
    el.setAttribute("data-drawn", "true");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var charts = document.querySelectorAll("[data-schedule-chart]");
    for (var i = 0; i < charts.length; i++) { draw(charts[i]); }
  });
})();
