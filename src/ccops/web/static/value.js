// ccops: the value page's monthly trend, one chart per currency (money cannot share an axis
// across currencies), drawn from the JSON the page carries. Axes start at zero and name their unit.
(function () {
  "use strict";

  // one colour per figure, whichever figures a currency has
  var COLORS = { staff_cost: "#1f4e79", revenue: "#2e7d32", money_lost: "#b42318" };

  function draw() {
    if (typeof window.echarts === "undefined") { return; }
    var els = document.querySelectorAll("[data-value-chart]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var source = document.getElementById(el.getAttribute("data-value-chart"));
      if (!source) { continue; }
      var data = JSON.parse(source.textContent);
      var currency = el.getAttribute("data-currency");
      var spec = null;
      for (var j = 0; j < data.charts.length; j++) {
        if (data.charts[j].currency === currency) { spec = data.charts[j]; }
      }
      if (!spec) { continue; }
      var old = window.echarts.getInstanceByDom(el);
      if (old) { old.dispose(); }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        aria: { enabled: true, decal: { show: true } },
        title: { text: data.title, left: 0, textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis" },
        legend: { top: 24 },
        grid: { left: 72, right: 24, top: 64, bottom: 36 },
        xAxis: { type: "category", data: spec.labels },
        yAxis: { type: "value", name: spec.axis, min: 0, nameTextStyle: { align: "left" } },
        series: spec.series.map(function (s) {
          // a partial month holds only some of its days: drawn pale with a dashed outline so its
          // lower bar is not read as a fall
          var data = s.data.map(function (v, k) {
            if (!spec.partial[k] || v === null) { return v; }
            return { value: v, itemStyle: { opacity: 0.35, borderColor: COLORS[s.key],
              borderType: "dashed", borderWidth: 1 } };
          });
          return { name: s.name, type: "bar", data: data, itemStyle: { color: COLORS[s.key] } };
        })
      });
      el.setAttribute("data-drawn", "true");
    }
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
