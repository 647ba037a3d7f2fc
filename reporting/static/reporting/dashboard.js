/* The SASAC dashboard's charts (ECharts 5, maps in ECharts 4.9.0 GeoJSON format, all served from /static/). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var labels = JSON.parse(document.getElementById("dashboard-labels").textContent);
  var charts = [];

  function chart(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    var c = echarts.init(el);
    charts.push(c);
    return c;
  }

  function go(href) { if (href) window.location.href = href; }

  // Tooltips are HTML: every name in one (a measure's title, a region's name) is escaped, so text typed into the
  // catalogue or the register shows as text and never runs as markup.
  var ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  function esc(value) {
    return String(value == null ? "" : value).replace(/[&<>"']/g, function (ch) { return ENTITIES[ch]; });
  }

  // The prefecture → county table: a prefecture's name opens or closes its counties in place (without JS, its link
  // filters the page by the prefecture, which opens them). Returns the prefecture's rows, or null if not listed.
  function counties(prefectureId, open) {
    var body = document.querySelector('#region-table tbody[data-prefecture="' + prefectureId + '"]');
    if (!body) return null;
    var link = body.querySelector(".region-toggle");
    var show = open === undefined ? link.getAttribute("aria-expanded") !== "true" : open;
    link.setAttribute("aria-expanded", show ? "true" : "false");
    body.querySelectorAll(".county-row").forEach(function (row) { row.hidden = !show; });
    return body;
  }
  document.querySelectorAll("#region-table .region-toggle").forEach(function (link) {
    link.addEventListener("click", function (e) { e.preventDefault(); counties(link.dataset.prefecture); });
  });

  // The county filter offers the counties of the prefecture chosen (each option names its prefecture).
  var prefectureSelect = document.getElementById("id_prefecture");
  var countySelect = document.getElementById("id_county");
  if (prefectureSelect && countySelect) {
    var narrow = function () {
      var chosen = prefectureSelect.value;
      Array.prototype.forEach.call(countySelect.options, function (option) {
        if (!option.value) return;
        var other = Boolean(chosen) && option.dataset.prefecture !== chosen;
        option.hidden = other;
        option.disabled = other;
        if (other && option.selected) countySelect.value = "";
      });
    };
    prefectureSelect.addEventListener("change", narrow);
    narrow();
  }

  function empty(c) {
    c.setOption({ title: { text: labels.noData, left: "center", top: "middle", textStyle: { color: "#999", fontSize: 14 } } });
  }

  var measures = chart("chart-measures");
  if (measures) {
    if (!data.measures.length) { empty(measures); } else {
      measures.setOption({
        grid: { left: 200, right: 30, top: 10, bottom: 30 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "value", max: 100, name: "%" },
        yAxis: { type: "category", inverse: true, data: data.measures.map(function (m) { return m.name; }),
                 axisLabel: { width: 190, overflow: "truncate" } },
        series: [{ type: "bar", name: labels.completion, data: data.measures.map(function (m) { return m.value; }),
                   itemStyle: { color: "#0d6efd" }, label: { show: true, position: "right", formatter: "{c}%" } }]
      });
      measures.on("click", function (p) { go(data.measures[p.dataIndex].href); });
    }
  }

  // A prefecture's short name for a map label: 自治州 without its peoples' names (红河哈尼族彝族自治州 → 红河州),
  // 地区 → 地区's first part, 市 dropped from names of three characters or more.
  function shortName(name) {
    var short = name.replace(/(彝族|哈尼族|壮族|苗族|傣族|白族|景颇族|傈僳族|藏族|回族|蒙古族|土家族)+自治州$/, "州");
    if (short.length >= 3) { short = short.replace(/市$/, ""); }
    return short;
  }

  var map = chart("chart-map");
  if (map) {
    if (!data.mapUrl) { empty(map); } else {
      fetch(data.mapUrl).then(function (r) { return r.json(); }).then(function (geo) {
        echarts.registerMap(data.mapName, geo);
        map.setOption({
          tooltip: { trigger: "item", formatter: function (p) { return esc(p.name) + "<br>" + esc(labels.completion) + ": " + (p.value == null || isNaN(p.value) ? "—" : esc(p.value) + "%"); } },
          visualMap: { min: 0, max: 100, left: 10, bottom: 10, text: ["100%", "0%"], calculable: true,
                       inRange: { color: ["#f8d7da", "#fff3cd", "#d1e7dd", "#198754"] } },
          // Readable labels: short names (大理州, not 大理白族自治州; the tooltip keeps the full name), a white halo
          // over the area's colour, a smaller font on a narrow chart, and a label that would overlap another hidden
          // (ECharts 5's labelLayout.hideOverlap) rather than drawn over it.
          series: [{ type: "map", map: data.mapName, roam: false,
                     label: { show: true, fontSize: map.getWidth() < 520 ? 9 : 11, color: "#212529",
                              textBorderColor: "#fff", textBorderWidth: 2, formatter: function (p) { return shortName(p.name); } },
                     labelLayout: { hideOverlap: true },
                     emphasis: { label: { show: true, fontSize: 12, fontWeight: "bold" } },
                     data: data.map.map(function (m) { return { name: m.name, value: m.value, href: m.href, ids: m.ids }; }) }]
        });
        // A prefecture on the map opens its counties in the table below.
        map.on("click", function (p) {
          if (!p.data) return;
          var rows = counties(p.data.ids[0], true);
          if (rows) { rows.scrollIntoView({ behavior: "smooth", block: "center" }); } else { go(p.data.href); }
        });
        document.getElementById("chart-map").dataset.drawn = "1";
      });
    }
  }

  var trend = chart("chart-trend");
  if (trend) {
    if (!data.trend.length) { empty(trend); } else {
      trend.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 50, right: 50, top: 40, bottom: 30 },
        xAxis: { type: "category", data: data.trend.map(function (t) { return t.day; }) },
        yAxis: [{ type: "value", max: 100, name: "%" }, { type: "value", name: labels.lagging, minInterval: 1 }],
        series: [
          { type: "line", name: labels.completion, data: data.trend.map(function (t) { return t.completion; }) },
          { type: "line", name: labels.mean, data: data.trend.map(function (t) { return t.mean_percent; }) },
          { type: "line", name: labels.attainment, data: data.trend.map(function (t) { return t.attainment; }) },
          { type: "bar", name: labels.lagging, yAxisIndex: 1, data: data.trend.map(function (t) { return t.lagging; }), barMaxWidth: 16 }
        ]
      });
    }
  }

  var heat = chart("chart-heat");
  if (heat) {
    if (!data.heat || !data.heat.cells.length) { empty(heat); } else {
      heat.setOption({
        tooltip: { position: "top", formatter: function (p) { return esc(data.heat.measures[p.value[1]]) + "<br>" + esc(data.heat.prefectures[p.value[0]]) + ": " + esc(p.value[2]) + "%"; } },
        grid: { left: 200, right: 20, top: 10, bottom: 90 },
        xAxis: { type: "category", data: data.heat.prefectures, axisLabel: { rotate: 45 } },
        yAxis: { type: "category", inverse: true, data: data.heat.measures, axisLabel: { width: 190, overflow: "truncate" } },
        visualMap: { min: 0, max: 100, orient: "horizontal", left: "center", bottom: 0, itemHeight: 120,
                     inRange: { color: ["#f8d7da", "#fff3cd", "#198754"] } },
        series: [{ type: "heatmap", data: data.heat.cells, label: { show: false } }]
      });
      heat.on("click", function (p) { go(data.heat.hrefs[p.dataIndex]); });
    }
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
