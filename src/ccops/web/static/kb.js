// ccops repeat-contacts page: the weekly repeat rate of each standard-answer version, from the
// JSON the page carries (no inline scripts). Versions differ by symbol and line style, not colour
// alone; a dashed vertical line marks the week a version was published.
(function () {
  "use strict";

  var SYMBOLS = ["circle", "diamond", "triangle", "rect", "roundRect", "pin"];
  var DASHES = ["solid", "dashed", "dotted"];

  function pct(v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; }

  function repeats(data) {
    var series = data.series.map(function (s, i) {
      return {
        name: s.name,
        type: "line",
        connectNulls: false,
        symbol: SYMBOLS[i % SYMBOLS.length],
        symbolSize: 9,
        lineStyle: { type: DASHES[i % DASHES.length], width: 2 },
        data: s.points.map(function (p) {
          return p === null ? null : { value: pct(p.rate), low: pct(p.low), high: pct(p.high), n: p.n };
        })
      };
    });
    if (data.markers.length && series.length) {
      series[0].markLine = {
        symbol: "none",
        label: { formatter: "{b}", position: "insideEndTop" },
        lineStyle: { type: "dashed", color: "#555" },
        data: data.markers.map(function (m) { return { name: m.label, xAxis: m.week }; })
      };
    }
    return {
      animation: false,
      aria: { enabled: true },
      legend: { top: 0 },
      grid: { left: 56, right: 24, top: 48, bottom: 36 },
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var d = p.data || {};
          return p.seriesName + "<br>" + p.name + ": " + d.value + "% (" + data.interval + " " +
            d.low + "–" + d.high + "%, " + d.n + " " + data.contacts + ")";
        }
      },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", name: data.y, min: 0, max: 100 },
      series: series
    };
  }

  var BUILDERS = { repeats: repeats };

  function draw() {
    if (typeof window.echarts === "undefined") { return; }
    var els = document.querySelectorAll("[data-kb-chart]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var source = document.getElementById(el.getAttribute("data-source"));
      var build = BUILDERS[el.getAttribute("data-kb-chart")];
      if (!source || !build) { continue; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(build(JSON.parse(source.textContent)));
      el.setAttribute("data-drawn", "true");
    }
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
