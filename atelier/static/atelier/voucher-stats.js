// Atelier: the chart of the voucher statistics page (vouchers:stats). The figures come from the
// page's json_script block #stats-data (amounts in 万元 as decimal strings, computed from integer
// fen on the server); the table under the chart holds the same numbers, so the page is complete
// without JavaScript or ECharts.
(function () {
  "use strict";

  var COLORS = ["#9aa5d6", "#2d3a8c", "#0f8f80"];
  var MUTED = "#5f6778";
  var LINE = "#e4e7ef";

  function readData() {
    var node = document.getElementById("stats-data");
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function axisStyle() {
    return {
      axisLine: { lineStyle: { color: LINE } },
      axisTick: { show: false },
      axisLabel: { color: MUTED },
      splitLine: { lineStyle: { color: LINE } },
    };
  }

  function numbers(values) {
    return values.map(function (v) { return Number(v); });
  }

  function option(el, data) {
    var line = data.kind === "line";
    var x = axisStyle();
    x.type = "category";
    x.data = data.labels;
    x.boundaryGap = !line;
    if (line) {
      x.axisLabel = { color: MUTED, interval: 0, hideOverlap: true };
    } else {
      // Every category gets its label, wrapped to the width of its slot (long provider names).
      var slot = Math.max(40, Math.floor((el.clientWidth - 80) / Math.max(data.labels.length, 1)) - 6);
      x.axisLabel = {
        color: MUTED, interval: 0, fontSize: 11, width: slot, overflow: "truncate", lineHeight: 14,
      };
    }
    var y = axisStyle();
    y.type = "value";
    y.name = data.unit;
    y.nameTextStyle = { color: MUTED, align: "left" };
    return {
      color: COLORS,
      grid: { left: 8, right: 16, top: 44, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { color: MUTED } },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: line ? "line" : "shadow" },
        valueFormatter: function (v) { return v.toLocaleString(undefined, { minimumFractionDigits: 2 }) + " " + data.unit; },
      },
      xAxis: x,
      yAxis: y,
      series: data.series.map(function (s) {
        return line ? {
          name: s.name, type: "line", data: numbers(s.values), symbolSize: 7, lineStyle: { width: 2.5 },
        } : {
          name: s.name, type: "bar", data: numbers(s.values), barMaxWidth: 22,
          itemStyle: { borderRadius: [3, 3, 0, 0] },
        };
      }),
    };
  }

  function draw() {
    if (typeof window.echarts === "undefined") return;
    var data = readData();
    var el = document.getElementById("chart-main");
    if (!data || !el || !data.labels.length) return;
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option(el, data));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
