// Bar charts drawn with Apache ECharts (served from our own static files). Each element with
// data-chart names a json_script holding {labels: [...], values: [...], name: "..."}; the
// table beside it stays the accessible, printable source of the same figures.
(function () {
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var data = JSON.parse(document.getElementById(el.dataset.chart).textContent);
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      grid: { left: 8, right: 8, top: 24, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: 40 } },
      yAxis: { type: "value", name: data.name },
      series: [{ type: "bar", data: data.values, itemStyle: { color: "#b3261e" } }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
