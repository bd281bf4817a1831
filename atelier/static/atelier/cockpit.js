// Atelier: the data cockpit (kpi:cockpit and kpi:cockpit_screen). The figures come from the
// page's json_script block #cockpit-data and, every refreshSeconds, from kpi:cockpit_data (the
// same JSON); #cockpit-config says where to fetch and which theme to draw, #cockpit-i18n holds
// the translated words the charts need. No inline handlers: everything is wired here.
(function () {
  "use strict";

  function readJSON(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  var config = readJSON("cockpit-config") || {};
  var T = readJSON("cockpit-i18n") || {};
  var dark = config.theme === "dark";
  var locale = document.documentElement.lang === "en" ? "en" : "zh-CN";

  var P = dark ? {
    text: "#c9d8f5", muted: "#8ea3c8", line: "rgba(148, 180, 235, 0.16)", bg: "transparent",
    primary: "#33c2ff", second: "#27d3b3", third: "#f5c451", fourth: "#b08cff",
    soft: "rgba(51, 194, 255, 0.35)", tileLow: "#13305c", tileHigh: "#1fb6ff", tileGap: "#0a1733",
    selected: "#f5c451", tooltip: "rgba(8, 20, 48, 0.92)",
  } : {
    text: "#1f2533", muted: "#5f6778", line: "#e4e7ef", bg: "transparent",
    primary: "#2d3a8c", second: "#0f8f80", third: "#d99a1e", fourth: "#7b61c9",
    soft: "#9aa5d6", tileLow: "#eef0fa", tileHigh: "#2d3a8c", tileGap: "#ffffff",
    selected: "#d99a1e", tooltip: "rgba(255, 255, 255, 0.97)",
  };
  var STATUS = {
    on_track: dark ? "#27d3b3" : "#0f8f80",
    at_risk: dark ? "#f5c451" : "#d99a1e",
    behind: dark ? "#ff6b6b" : "#c8473d",
    no_target: P.muted,
    no_data: P.muted,
  };
  var FONT = dark ? 13 : 12;

  function num(v) {
    var n = Number(v);
    return isFinite(n) ? n : 0;
  }

  function fmt(v, digits) {
    if (v === null || v === undefined || v === "") return "—";
    var n = Number(v);
    if (!isFinite(n)) return String(v);
    var d = digits === undefined ? (String(v).indexOf(".") >= 0 ? String(v).split(".")[1].length : 0) : digits;
    return n.toLocaleString(locale, { minimumFractionDigits: d, maximumFractionDigits: d });
  }

  function trim(v) {
    if (v === null || v === undefined || v === "") return "—";
    var n = Number(v);
    return isFinite(n) ? n.toLocaleString(locale, { maximumFractionDigits: 2 }) : String(v);
  }

  function tooltipBase(extra) {
    var t = {
      backgroundColor: P.tooltip,
      borderColor: P.line,
      textStyle: { color: P.text, fontSize: FONT },
      confine: true,
    };
    for (var k in extra) t[k] = extra[k];
    return t;
  }

  function emptyOption(text) {
    return {
      graphic: {
        type: "text", left: "center", top: "middle",
        style: { text: text || T.noData, fill: P.muted, fontSize: FONT + 1 },
      },
      series: [],
    };
  }

  // ---------------------------------------------------------------- charts

  function tilesOption(data) {
    var tiles = data.tiles || [];
    var max = 0;
    tiles.forEach(function (t) { max = Math.max(max, num(t.redeemed)); });
    var selected = (data.filters || {}).district;
    var items = tiles.map(function (t) {
      var v = num(t.redeemed);
      var strong = max > 0 && v / max > 0.5;
      var item = {
        value: [t.x, t.y, v],
        name: t.name,
        tile: t,
        label: { color: strong ? "#ffffff" : P.text },
      };
      if (t.code === selected) {
        item.itemStyle = { borderColor: P.selected, borderWidth: 4 };
      }
      return item;
    });
    var cats = ["0", "1", "2", "3", "4"];
    return {
      tooltip: tooltipBase({
        formatter: function (p) {
          var t = p.data.tile;
          return "<b>" + t.name + "</b><br>" +
            T.redeemed + "：" + fmt(t.redeemed, 2) + " " + T.wan + "<br>" +
            T.issued + "：" + fmt(t.issued, 2) + " " + T.wan + "<br>" +
            T.enterprises + "：" + fmt(t.enterprises, 0) + " " + T.people + "<br>" +
            T.demands + "：" + fmt(t.demands, 0) + " " + T.items + "<br>" +
            T.signed + "：" + fmt(t.signed, 0);
        },
      }),
      grid: { left: 4, right: 4, top: 4, bottom: 30 },
      xAxis: { type: "category", data: cats, show: false },
      yAxis: { type: "category", data: cats, show: false, inverse: true },
      visualMap: {
        min: 0, max: max > 0 ? max : 1, calculable: false, orient: "horizontal",
        left: "center", bottom: 0, itemWidth: 12, itemHeight: 120,
        text: [fmt(max, 2) + " " + T.wan, "0"], textStyle: { color: P.muted, fontSize: FONT - 1 },
        inRange: { color: [P.tileLow, P.tileHigh] },
      },
      series: [{
        type: "heatmap",
        data: items,
        itemStyle: { borderColor: P.tileGap, borderWidth: 5, borderRadius: 8 },
        label: {
          show: true, fontSize: FONT, lineHeight: FONT + 6,
          formatter: function (p) { return "{n|" + p.name + "}\n" + fmt(p.data.tile.redeemed, 2); },
          rich: { n: { fontSize: FONT + 1, fontWeight: "bold", lineHeight: FONT + 8 } },
        },
        emphasis: { itemStyle: { borderColor: P.selected, borderWidth: 3 } },
      }],
    };
  }

  function clustersOption(data) {
    var rows = (data.by_cluster || []).slice().reverse();
    var selected = (data.filters || {}).cluster;
    if (!rows.length) return emptyOption();
    return {
      color: [P.soft, P.primary],
      tooltip: tooltipBase({
        trigger: "axis", axisPointer: { type: "shadow" },
        valueFormatter: function (v) { return fmt(v, 2) + " " + T.wan; },
      }),
      legend: { top: 0, textStyle: { color: P.muted, fontSize: FONT } },
      grid: { left: 8, right: 48, top: 30, bottom: 4, containLabel: true },
      xAxis: {
        type: "value", axisLabel: { color: P.muted, fontSize: FONT - 1 },
        splitLine: { lineStyle: { color: P.line } },
      },
      yAxis: {
        type: "category", data: rows.map(function (r) { return r.label; }),
        axisLabel: {
          fontSize: FONT,
          // The selected cluster (the chart itself is not filtered by cluster) stands out.
          color: function (value, index) { return rows[index] && rows[index].code === selected ? P.selected : P.text; },
          fontWeight: "normal",
        },
        axisTick: { show: false }, axisLine: { lineStyle: { color: P.line } },
      },
      series: [
        { name: T.issued, type: "bar", barMaxWidth: 12, data: rows.map(function (r) { return num(r.issued); }),
          itemStyle: { borderRadius: [0, 3, 3, 0] } },
        { name: T.redeemed, type: "bar", barMaxWidth: 12, data: rows.map(function (r) { return num(r.redeemed); }),
          itemStyle: { borderRadius: [0, 3, 3, 0] },
          label: { show: true, position: "right", color: P.muted, fontSize: FONT - 1,
                   formatter: function (p) { return fmt(p.value, 2); } } },
      ],
    };
  }

  function funnelOption(data) {
    var steps = (data.funnel || {}).steps || [];
    if (!steps.length || !steps[0].value) return emptyOption();
    var colors = [P.primary, P.soft, P.second, P.third];
    return {
      tooltip: tooltipBase({
        trigger: "item",
        formatter: function (p) {
          var s = p.data.step;
          return s.label + "：" + fmt(s.value, 0) + (s.rate ? "（" + s.rate + "%）" : "");
        },
      }),
      series: [{
        type: "funnel", sort: "none", left: "8%", right: "8%", top: 8, bottom: 8,
        min: 0, max: steps[0].value, minSize: "30%", gap: 3,
        label: {
          show: true, position: "inside", fontSize: FONT, color: "#fff",
          formatter: function (p) {
            var s = p.data.step;
            return s.label + "  " + fmt(s.value, 0) + (s.rate && s.key !== "published" ? "  ·  " + s.rate + "%" : "");
          },
        },
        itemStyle: { borderWidth: 0 },
        data: steps.map(function (s, i) {
          var c = colors[i % colors.length];
          var light = c === P.third || (dark && c === P.second);
          return {
            name: s.label, value: s.value, step: s, itemStyle: { color: c },
            label: { color: light ? "#1b2233" : "#ffffff" },
          };
        }),
      }],
    };
  }

  function trendsOption(data) {
    var tr = data.trends || {};
    var series = tr.series || [];
    var months = tr.months || [];
    var colors = [P.primary, P.second, P.third, P.fourth];
    var opt = { title: [], grid: [], xAxis: [], yAxis: [], series: [], tooltip: tooltipBase({ trigger: "axis" }) };
    series.forEach(function (s, i) {
      var col = i % 2, row = Math.floor(i / 2);
      var left = col === 0 ? 2 : 52, top = row === 0 ? 9 : 59;
      opt.title.push({
        text: s.name + "（" + s.unit + "）", left: left + 1 + "%", top: top - 8 + "%",
        textStyle: { fontSize: FONT, fontWeight: "normal", color: P.muted },
      });
      opt.grid.push({ left: left + "%", width: "45%", top: top + 2 + "%", height: "28%", containLabel: true });
      opt.xAxis.push({
        type: "category", gridIndex: i, data: months, boundaryGap: i === 0,
        axisLabel: { color: P.muted, fontSize: FONT - 2, interval: 1 }, axisTick: { show: false },
        axisLine: { lineStyle: { color: P.line } },
      });
      opt.yAxis.push({
        type: "value", gridIndex: i, splitNumber: 2, minInterval: s.key === "redeemed" || s.key === "hours" ? 0 : 1,
        axisLabel: { color: P.muted, fontSize: FONT - 2 }, splitLine: { lineStyle: { color: P.line } },
      });
      var values = (s.values || []).map(function (v) { return v === null ? null : num(v); });
      opt.series.push(i === 0 ? {
        name: s.name, type: "bar", xAxisIndex: i, yAxisIndex: i, data: values, barMaxWidth: 10,
        itemStyle: { color: colors[i], borderRadius: [2, 2, 0, 0] },
        tooltip: { valueFormatter: function (v) { return fmt(v, 2) + " " + s.unit; } },
      } : {
        name: s.name, type: "line", xAxisIndex: i, yAxisIndex: i, data: values, smooth: false,
        symbol: "circle", symbolSize: 4, lineStyle: { width: 2, color: colors[i] },
        itemStyle: { color: colors[i] }, areaStyle: { color: colors[i], opacity: 0.12 },
        tooltip: { valueFormatter: function (v) { return fmt(v) + " " + s.unit; } },
      });
    });
    return opt;
  }

  function instrumentsOption(data) {
    var top = ((data.utilisation || {}).top || []).slice(0, dark ? 6 : 8).reverse();
    if (!top.length) return emptyOption();
    return {
      color: [P.primary, P.second],
      tooltip: tooltipBase({
        trigger: "axis", axisPointer: { type: "shadow" },
        valueFormatter: function (v) { return fmt(v, 1) + " " + T.hours; },
      }),
      legend: { top: 0, textStyle: { color: P.muted, fontSize: FONT - 1 } },
      grid: { left: 8, right: 56, top: 26, bottom: 2, containLabel: true },
      xAxis: { type: "value", axisLabel: { color: P.muted, fontSize: FONT - 2 }, splitLine: { lineStyle: { color: P.line } } },
      yAxis: {
        type: "category", data: top.map(function (r) { return r.label; }),
        axisLabel: { color: P.text, fontSize: FONT - 1, width: dark ? 150 : 170, overflow: "truncate" },
        axisTick: { show: false }, axisLine: { lineStyle: { color: P.line } },
      },
      series: [
        { name: T.effective, type: "bar", barMaxWidth: 12, data: top.map(function (r) { return num(r.effective); }),
          itemStyle: { borderRadius: [0, 3, 3, 0] },
          label: { show: true, position: "right", color: P.muted, fontSize: FONT - 2,
                   formatter: function (p) { return fmt(p.value, 0); } } },
        { name: T.external, type: "bar", barMaxWidth: 12, barGap: "-100%", data: top.map(function (r) { return num(r.external); }),
          itemStyle: { borderRadius: [0, 3, 3, 0], opacity: 0.85 } },
      ],
    };
  }

  function gaugesOption(data, el) {
    var all = data.gauges || [];
    var items = all.filter(function (g) { return g.ratio !== null && g.ratio !== undefined; });
    if (!items.length) return emptyOption(all.length ? T.noTarget : T.noData);
    var cols = 3;
    var per = 6;
    var pages = Math.ceil(items.length / per);
    var page = pages > 1 ? gaugePage % pages : 0;
    items = items.slice(page * per, page * per + per);
    var pager = document.getElementById("ck-gauges-page");
    if (pager) pager.textContent = pages > 1 ? (page + 1) + " / " + pages : "";
    var rows = Math.ceil(items.length / cols);
    var w = el.clientWidth || 400, h = el.clientHeight || 260;
    var radius = Math.min(w / cols, h / rows) * 0.4;
    return {
      series: items.map(function (g, i) {
        var col = i % cols, row = Math.floor(i / cols);
        var color = STATUS[g.status] || P.primary;
        var pct = Math.round(num(g.ratio) * 1000) / 10;
        return {
          type: "gauge", startAngle: 210, endAngle: -30, min: 0, max: 100,
          center: [((col + 0.5) / cols) * 100 + "%", ((row + 0.46) / rows) * 100 + "%"],
          radius: radius,
          progress: { show: true, width: Math.max(6, radius * 0.16), roundCap: true, itemStyle: { color: color } },
          axisLine: { roundCap: true, lineStyle: { width: Math.max(6, radius * 0.16), color: [[1, P.line]] } },
          pointer: { show: false }, axisTick: { show: false }, splitLine: { show: false }, axisLabel: { show: false },
          anchor: { show: false },
          title: {
            show: true, offsetCenter: [0, "78%"], color: P.text, fontSize: FONT - 1,
            width: (w / cols) * 0.92, overflow: "truncate",
          },
          detail: {
            valueAnimation: true, offsetCenter: [0, "4%"], fontSize: Math.max(14, radius * 0.36),
            fontWeight: "bold", color: color,
            formatter: function () { return pct + "%"; },
          },
          data: [{ value: Math.min(pct, 100), name: g.name }],
          tooltip: {
            formatter: function () {
              return "<b>" + g.name + "</b><br>" + T.actual + "：" + trim(g.actual) + " " + g.unit + "<br>" +
                T.target + "：" + trim(g.target) + " " + g.unit + "<br>" + g.status_label;
            },
          },
        };
      }),
      tooltip: tooltipBase({}),
    };
  }

  var gaugePage = 0;

  var CHARTS = {
    "chart-tiles": tilesOption,
    "chart-clusters": clustersOption,
    "chart-funnel": funnelOption,
    "chart-trends": trendsOption,
    "chart-instruments": instrumentsOption,
    "chart-gauges": gaugesOption,
  };
  var instances = {};

  function drawCharts(data) {
    if (typeof window.echarts === "undefined") return;
    Object.keys(CHARTS).forEach(function (id) {
      var el = document.getElementById(id);
      if (!el || el.classList.contains("d-none")) return;
      var chart = instances[id];
      if (!chart) {
        chart = instances[id] = window.echarts.init(el, null, { renderer: "canvas" });
        if (id === "chart-tiles") chart.on("click", onTileClick);
      }
      chart.setOption(CHARTS[id](data, el), true);
    });
  }

  function onTileClick(p) {
    if (!p.data || !p.data.tile) return;
    var code = p.data.tile.code === config.district ? "" : p.data.tile.code;
    var q = new URLSearchParams({ year: config.year, district: code, cluster: config.cluster || "" });
    window.location.href = config.pageUrl + "?" + q.toString();
  }

  // ---------------------------------------------------------------- text figures

  function setText(el, text) {
    if (el && el.textContent !== text) el.textContent = text;
  }

  function drawText(data) {
    (data.headline || []).forEach(function (k) {
      var box = document.querySelector('[data-kpi="' + k.key + '"]');
      if (!box) return;
      setText(box.querySelector(".ck-value"), fmt(k.value));
      setText(box.querySelector(".ck-note"), k.note);
    });
    var u = data.utilisation || {};
    document.querySelectorAll("[data-util]").forEach(function (el) {
      var v = u[el.getAttribute("data-util")];
      setText(el, fmt(v));
    });
    var contracts = document.getElementById("ck-contracts");
    if (contracts && T.contracts) setText(contracts, T.contracts.replace("%(a)s", fmt((data.funnel || {}).contract_total, 2)));
    var tbody = document.getElementById("ck-district-rows");
    if (tbody && data.tiles) {
      tbody.textContent = "";
      data.tiles.forEach(function (t) {
        var tr = document.createElement("tr");
        if (t.code === (data.filters || {}).district) tr.className = "table-primary";
        var th = document.createElement("th");
        th.scope = "row";
        th.className = "ps-3 fw-normal";
        var a = document.createElement("a");
        a.href = "?" + new URLSearchParams({ year: config.year, district: t.code, cluster: config.cluster || "" }).toString();
        a.textContent = t.name;
        th.appendChild(a);
        tr.appendChild(th);
        [fmt(t.enterprises, 0), fmt(t.issued, 2), fmt(t.redeemed, 2), fmt(t.demands, 0), fmt(t.signed, 0)].forEach(function (v, i) {
          var td = document.createElement("td");
          td.className = "text-end" + (i === 4 ? " pe-3" : "");
          td.textContent = v;
          tr.appendChild(td);
        });
        tbody.appendChild(tr);
      });
    }
    var rows = document.getElementById("ck-indicator-rows");
    if (rows && data.gauges) {
      rows.textContent = "";
      data.gauges.forEach(function (g) {
        var tr = document.createElement("tr");
        var name = document.createElement("td");
        name.textContent = g.name;
        var fig = document.createElement("td");
        fig.className = "text-end text-nowrap";
        fig.textContent = trim(g.actual) + " / " + trim(g.target) + " " + (g.unit || "");
        var st = document.createElement("td");
        st.className = "text-end";
        var chip = document.createElement("span");
        chip.className = "ck-status ck-status-" + g.status;
        chip.textContent = g.status_label;
        st.appendChild(chip);
        tr.appendChild(name);
        tr.appendChild(fig);
        tr.appendChild(st);
        rows.appendChild(tr);
      });
    }
  }

  function render(data) {
    drawText(data);
    drawCharts(data);
  }

  // ---------------------------------------------------------------- refresh, clock, full screen

  function stamp(data) {
    var el = document.getElementById("ck-updated");
    if (!el) return;
    el.classList.remove("ck-stale");
    setText(el, T.updated + " " + String(data.served_at || "").slice(11, 19));
  }

  function refresh() {
    if (!config.dataUrl || !window.fetch) return;
    window.fetch(config.dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (data) {
        lastData = data;
        render(data);
        stamp(data);
      })
      .catch(function () {
        var el = document.getElementById("ck-updated");
        if (el) {
          el.classList.add("ck-stale");
          setText(el, T.refreshFailed);
        }
      });
  }

  function clock() {
    var el = document.getElementById("ck-clock");
    if (!el) return;
    var tick = function () {
      var now = new Date();
      var zone = config.timeZone || undefined;
      setText(el, now.toLocaleDateString(locale, { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }) +
        " " + now.toLocaleDateString(locale, { timeZone: zone, weekday: "short" }) +
        " " + now.toLocaleTimeString(locale, { timeZone: zone, hour12: false }));
    };
    tick();
    window.setInterval(tick, 1000);
  }

  function wire() {
    document.querySelectorAll("form[data-autosubmit] select").forEach(function (sel) {
      sel.addEventListener("change", function () { sel.form.submit(); });
    });
    var fs = document.getElementById("ck-fullscreen");
    if (fs) {
      fs.addEventListener("click", function () {
        if (document.fullscreenElement) {
          document.exitFullscreen();
        } else if (document.documentElement.requestFullscreen) {
          document.documentElement.requestFullscreen();
        }
      });
    }
    var timer = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        Object.keys(instances).forEach(function (id) { instances[id].resize(); });
        if (instances["chart-gauges"] && lastData) drawCharts(lastData);
      }, 150);
    });
  }

  var lastData = null;

  function start() {
    lastData = readJSON("cockpit-data");
    if (lastData) render(lastData);
    wire();
    clock();
    if (dark) {  // the big screen shows six gauges at a time and turns the page every 10 s
      window.setInterval(function () {
        var n = ((lastData || {}).gauges || []).filter(function (g) { return g.ratio !== null; }).length;
        if (n > 6 && instances["chart-gauges"]) {
          gaugePage += 1;
          var el = document.getElementById("chart-gauges");
          instances["chart-gauges"].setOption(gaugesOption(lastData, el), true);
        }
      }, 10000);
    }
    var seconds = Number(config.refreshSeconds) || 60;
    window.setInterval(function () {
      refresh();
    }, seconds * 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
