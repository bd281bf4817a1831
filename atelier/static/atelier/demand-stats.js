// Atelier: the charts of the demand statistics page (demands:stats). The figures come from the
// page's json_script block #stats-data; the tables under each chart hold the same numbers, so the
// page is complete without JavaScript or ECharts.
(function () {
  "use strict";

  var PRIMARY = "#2d3a8c";
  var ACCENT = "#0f8f80";
  var MUTED = "#5f6778";
  var LINE = "#e4e7ef";
  var FUNNEL = ["#2d3a8c", "#4a5ab0", "#0f8f80", "#1fa971"];

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

  function barChart(el, data) {
    var x = axisStyle();
    x.type = "category";
    x.data = data.labels;
    // Every category gets its label, wrapped to the width of its bar slot (long English names).
    var slot = Math.max(40, Math.floor((el.clientWidth - 60) / Math.max(data.labels.length, 1)) - 6);
    x.axisLabel = {
      color: MUTED, interval: 0, fontSize: 11, width: slot, overflow: "break", lineHeight: 14,
    };
    var y = axisStyle();
    y.type = "value";
    y.minInterval = 1;
    return {
      grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: x,
      yAxis: y,
      series: [{
        name: data.name,
        type: "bar",
        data: data.values,
        barMaxWidth: 36,
        itemStyle: { color: PRIMARY, borderRadius: [4, 4, 0, 0] },
        label: { show: true, position: "top", color: MUTED },
      }],
    };
  }

  function lineChart(el, data) {
    var x = axisStyle();
    x.type = "category";
    x.boundaryGap = false;
    x.data = data.labels;
    var y = axisStyle();
    y.type = "value";
    y.minInterval = 1;
    return {
      grid: { left: 8, right: 28, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: x,
      yAxis: y,
      series: [{
        name: data.name,
        type: "line",
        data: data.values,
        smooth: false,
        symbolSize: 7,
        lineStyle: { color: ACCENT, width: 2.5 },
        itemStyle: { color: ACCENT },
        areaStyle: { color: "rgba(15, 143, 128, 0.08)" },
      }],
    };
  }

  function funnelChart(el, data) {
    var top = data.steps.length ? data.steps[0].value : 0;
    return {
      tooltip: { trigger: "item", formatter: "{b}: {c}" },
      series: [{
        name: data.name,
        type: "funnel",
        // The funnel on the left, its labels on the right: a narrow last stage keeps its label.
        left: 8,
        width: "58%",
        top: 8,
        bottom: 8,
        min: 0,
        max: Math.max(top, 1),
        minSize: "8%",
        sort: "none",
        gap: 3,
        label: { show: true, position: "right", color: "#1f2533", formatter: "{b}  {c}" },
        labelLine: { show: true, length: 12, lineStyle: { color: LINE } },
        itemStyle: { borderWidth: 0 },
        color: FUNNEL,
        data: data.steps,
      }],
    };
  }

  function draw() {
    if (typeof window.echarts === "undefined") return;
    var data = readData();
    if (!data) return;
    var charts = [];
    [
      ["chart-type", barChart, data.type],
      ["chart-month", lineChart, data.month],
      ["chart-funnel", funnelChart, data.funnel],
    ].forEach(function (spec) {
      var el = document.getElementById(spec[0]);
      if (!el || !spec[2]) return;
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(spec[1](el, spec[2]));
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
