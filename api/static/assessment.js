/* The dashboard's charts over the last twelve months, drawn by ECharts (served from node_modules) from the
   numbers in #trend-charts' data attributes; the table below them carries the same numbers without a script. */
(function () {
  "use strict";

  function chart(node, legend, yAxis, series) {
    var drawn = window.echarts.init(node, null, { renderer: "svg" });
    drawn.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: legend, top: 0 },
      grid: { left: 44, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: JSON.parse(node.parentNode.dataset.series).months },
      yAxis: yAxis,
      series: series
    });
    window.addEventListener("resize", function () { drawn.resize(); });
    return drawn;
  }

  function draw() {
    var holder = document.getElementById("trend-charts");
    if (!holder || !window.echarts) { return; }  // no library: the table stays the only view
    var s = JSON.parse(holder.dataset.series), l = JSON.parse(holder.dataset.labels);
    chart(document.getElementById("trend-chart"), [l.reported, l.filed, l.closed],
      { type: "value", minInterval: 1 },
      [{ name: l.reported, type: "bar", data: s.reported, itemStyle: { color: "#e4572e" } },
       { name: l.filed, type: "bar", data: s.filed, itemStyle: { color: "#f3a712" } },
       { name: l.closed, type: "line", data: s.closed, itemStyle: { color: "#29bf12" } }]);
    chart(document.getElementById("rate-chart"), [l.closure_rate, l.on_time_closure_rate],
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      [{ name: l.closure_rate, type: "line", data: s.closure_rate, connectNulls: false, itemStyle: { color: "#2f6fb3" } },
       { name: l.on_time_closure_rate, type: "line", data: s.on_time_closure_rate, itemStyle: { color: "#7a4fb3" } }]);
    holder.classList.add("drawn");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
