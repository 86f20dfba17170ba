/* geo4mi interactive choropleth: restyles ONE borough layer from a compact values table.
 *
 * Everything here is lookup and formatting: classes, the wide-interval flag and the
 * comparison with the city-wide value are computed in Python (geo4mi.classify) and arrive in
 * the data. Data layout: see geo4mi/webmap/choropleth.py. Plain ES5, no dependencies but
 * Leaflet, works from file:// without network.
 */
var geo4miChoropleth = (function () {
  "use strict";

  var HATCH_ID = "g4c-hatch";
  var SCHEME_DIGIT = { fixed: 2, quantiles: 1, natural_breaks: 0 };  // 10^digit in code
  var SCHEME_BREAKS = { quantiles: 2, natural_breaks: 3 };              // index in a row

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) {
      return values[k] === undefined ? m : values[k];
    });
  }

  /* A cell as an object: status ok / suppressed / no_data, and its numbers. */
  function decode(cell, scheme) {
    if (typeof cell === "number") {
      return { status: cell === 0 ? "no_data" : "suppressed", n: cell };
    }
    var out = { status: "ok", p: cell[0], lo: cell[1], hi: cell[2], n: cell[3] };
    if (cell.length > 4) {
      var code = cell[4];
      var flags = Math.floor(code / 1000);
      out.cls = Math.floor(code / Math.pow(10, SCHEME_DIGIT[scheme])) % 10;
      out.wide = (flags & 1) === 1;
      out.above = (flags & 2) === 2;
      out.below = (flags & 4) === 4;
    }
    return out;
  }

  function pct(v) { return v + " %"; }
  function range(lo, hi) { return lo + "–" + hi + " %"; }

  function hatchDefs(style) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "0");
    svg.setAttribute("height", "0");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "g4c-defs");
    svg.innerHTML = '<defs><pattern id="' + HATCH_ID + '" patternUnits="userSpaceOnUse" ' +
      'width="8" height="8" patternTransform="rotate(45)">' +
      '<rect width="8" height="8" fill="' + style.suppressed + '"/>' +
      '<line x1="0" y1="0" x2="0" y2="8" stroke="' + style.hatch + '" stroke-width="3"/>' +
      "</pattern></defs>";
    document.body.appendChild(svg);
  }

  function swatch(fillColour, opacity) {
    return '<svg class="g4c-swatch" width="22" height="14" aria-hidden="true">' +
      '<rect x="0.5" y="0.5" width="21" height="13" fill="' + fillColour + '" fill-opacity="' +
      opacity + '" stroke="#404040"/></svg>';
  }

  function init(map, data) {
    var T = data.text;
    var style = data.style;
    var nAreas = data.areas.length;
    var colOf = [];  // area index -> position in a row's cells, or -1 (never interviewed)
    var i;
    for (i = 0; i < nAreas; i++) { colOf.push(-1); }
    for (i = 0; i < data.cols.length; i++) { colOf[data.cols[i]] = i; }

    var sel = {
      indicator: document.getElementById("g4c-indicator"),
      group: document.getElementById("g4c-group"),
      scheme: document.getElementById("g4c-scheme")
    };
    var state = {};
    hatchDefs(style);

    var layers = [];
    var geo = L.geoJSON(data.geometry, {
      style: function () { return { color: style.edge, weight: 1, fillOpacity: style.opacity }; },
      onEachFeature: function (feature, layer) {
        layer.g4cIndex = layers.length;
        layers.push(layer);
        layer.bindTooltip(function (l) { return tooltip(l.g4cIndex); },
                          { sticky: true, className: "g4c-tooltip" });
        layer.on("mouseover", function () { layer.setStyle({ weight: 3 }); layer.bringToFront(); });
        layer.on("mouseout", function () { layer.setStyle({ weight: 1 }); });
        layer.on("click", function (e) { layer.openTooltip(e.latlng); });
      }
    }).addTo(map);
    // no tiles to keep sharp, so the zoom may be fractional: the city fills the map
    map.options.zoomSnap = 0.25;
    map.fitBounds(geo.getBounds(), { padding: [8, 8], animate: false });
    for (i = 0; i < layers.length; i++) { focusable(layers[i]); }
    map.attributionControl.addAttribution(esc(T.attribution || ""));

    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "g4c-legend");
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    legend.addTo(map);
    var legendDiv = legend.getContainer();

    /* Each borough is reachable with Tab in every browser (Chromium focuses SVG paths on its
     * own, others need the tabindex); focus outlines it, brings it into view when the map is
     * zoomed in, Leaflet opens its tooltip, and its aria-label (kept current by update) reads
     * the same numbers. */
    function focusable(layer) {
      var el = layer.getElement && layer.getElement();
      if (!el) { return; }
      el.setAttribute("tabindex", "0");
      el.setAttribute("role", "img");
      el.addEventListener("focus", function () {
        layer.setStyle({ weight: 3, color: "#000000" });
        map.panInside(layer.getCenter(), { padding: [60, 60], animate: false });  // zoomed in
      });
      el.addEventListener("blur", function () { layer.setStyle({ weight: 1, color: style.edge }); });
    }

    function summary(areaIndex) {
      var c = cellFor(areaIndex);
      var name = data.areas[areaIndex].name;
      if (c.status === "no_data") { return name + ": " + T.no_interviews; }
      var parts = c.status === "ok"
        ? [T.value + ": " + pct(c.p), T.ci95 + ": " + range(c.lo, c.hi)] : [suppressedText(c)];
      parts.push(T.n + ": " + c.n);
      return name + ": " + parts.join("; ");
    }

    function cellFor(areaIndex) {
      var col = colOf[areaIndex];
      return decode(col < 0 ? 0 : state.row[1][col], state.scheme);
    }

    function breaksOf(row, scheme) {
      var b = scheme === "fixed" ? 0 : row[SCHEME_BREAKS[scheme]];
      return b === 0 ? data.fixed : b;
    }

    function colourFor(c) {
      return state.palette[Math.min(c.cls, state.palette.length - 1)];
    }

    function styleFor(c) {
      if (c.status === "no_data") {
        return { fillColor: style.no_data, fillOpacity: style.opacity };
      }
      if (c.status === "suppressed") {
        return { fillColor: "url(#" + HATCH_ID + ")", fillOpacity: 1 };
      }
      return { fillColor: colourFor(c), fillOpacity: c.wide ? style.wide_opacity : style.opacity };
    }

    function cityText() {
      var c = decode(state.row[0], state.scheme);
      if (c.status === "ok") {
        return fill(T.city_value, { value: pct(c.p) + " (" + T.ci95 + ": " + range(c.lo, c.hi) + ")" });
      }
      if (c.status === "suppressed") { return fill(T.city_suppressed, { n: c.n }); }
      return T.city_wide + ": " + T.no_interviews_n;
    }

    /* Suppressed because small, or (n >= min_n) only so that a small one elsewhere cannot be
     * worked out from the totals (complementary suppression, geo4mi.indicators.suppression). */
    function suppressedText(c) {
      return c.n >= data.min_n ? T.suppressed_complementary : T.suppressed;
    }

    function notes(c) {
      var out = [];
      if (c.status === "no_data") { out.push(T.no_interviews_n); }
      if (c.status === "suppressed") { out.push(suppressedText(c)); }
      if (c.above) { out.push(T.differs_above); }
      if (c.below) { out.push(T.differs_below); }
      if (c.wide) { out.push(T.wide_interval); }
      return out;
    }

    function tooltip(areaIndex) {
      var c = cellFor(areaIndex);
      var html = '<div class="g4c-tip"><strong>' + esc(data.areas[areaIndex].name) + "</strong>";
      if (c.status === "ok") {
        html += '<div class="g4c-tip-value">' + esc(T.value) + ": <b>" + pct(c.p) + "</b></div>" +
          "<div>" + esc(T.ci95) + ": " + range(c.lo, c.hi) + "</div>";
      }
      if (c.status !== "no_data") {
        html += '<div class="g4c-tip-n">' + esc(T.n) + ": " + c.n + "</div>";
      }
      html += '<div class="g4c-tip-city">' + esc(cityText()) + "</div>";
      var ns = notes(c);
      for (var k = 0; k < ns.length; k++) { html += '<div class="g4c-tip-note">' + esc(ns[k]) + "</div>"; }
      return html + "</div>";
    }

    function legendHtml(ind, group, breaks, fellBack, complementary) {
      var h = '<div class="g4c-legend-title">' + esc(ind.label) + "</div>" +
        '<div class="g4c-legend-sub">' + esc(group.label) + "</div>" +
        '<div class="g4c-legend-units">' + esc(T.units) + " · " + esc(T[ind.direction]) + "</div><ul>";
      var decimals = 0;
      for (var k = 1; k < breaks.length; k++) {
        if (Math.round(breaks[k] / 10) === Math.round(breaks[k - 1] / 10)) { decimals = 1; }
      }
      var lower = 0;
      for (k = 0; k < breaks.length; k++) {
        var upper = breaks[k] / 10;
        h += '<li data-class="' + k + '">' + swatch(state.palette[k], style.opacity) +
          "<span>" + lower.toFixed(lower === 0 ? 0 : decimals) + "–" + upper.toFixed(decimals) + " %</span></li>";
        lower = upper;
      }
      h += '<li class="g4c-legend-wide">' + swatch(state.palette[Math.min(2, state.palette.length - 1)], style.wide_opacity) +
        "<span>" + esc(T.legend_wide) + "</span></li>" +
        '<li class="g4c-legend-nodata">' + swatch(style.no_data, style.opacity) +
        "<span>" + esc(T.no_interviews) + "</span></li>" +
        '<li class="g4c-legend-suppressed">' + swatch("url(#" + HATCH_ID + ")", 1) +
        "<span>" + esc(T.suppressed) + "</span></li>" +
        (complementary ? '<li class="g4c-legend-complementary">' +
          swatch("url(#" + HATCH_ID + ")", 1) + "<span>" + esc(T.suppressed_complementary) +
          "</span></li>" : "") + "</ul>";
      if (fellBack) { h += '<p class="g4c-legend-note">' + esc(T.fallback_fixed) + "</p>"; }
      return h;
    }

    function tableRows() {
      var rows = [];
      var city = decode(state.row[0], state.scheme);
      rows.push({ id: "", name: T.city_wide, c: city, city: true });
      for (var k = 0; k < data.table_order.length; k++) {
        var a = data.table_order[k];
        rows.push({ id: data.areas[a].id, name: data.areas[a].name, c: cellFor(a) });
      }
      return rows;
    }

    function renderTable(rows, ind, group) {
      document.getElementById("g4c-caption").textContent =
        fill(T.caption, { indicator: ind.label, group: group.label });
      var body = document.querySelector("#g4c-table tbody");
      var html = "";
      for (var k = 0; k < rows.length; k++) {
        var r = rows[k], c = r.c;
        var ok = c.status === "ok";
        html += "<tr" + (r.city ? ' class="g4c-city"' : "") + ' data-status="' + c.status + '">' +
          '<th scope="row">' + esc(r.name) + "</th>" +
          "<td>" + (ok ? pct(c.p) : "—") + "</td>" +
          "<td>" + (ok ? range(c.lo, c.hi) : "—") + "</td>" +
          "<td>" + c.n + "</td>" +
          "<td>" + esc(notes(c).join(" ")) + "</td></tr>";
      }
      body.innerHTML = html;
    }

    function csvCell(s) {
      s = String(s);
      return /[",\n;]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    }

    function updateCsv(rows, ind, group) {
      var lines = [T.csv_header + (data.synthetic ? "," + T.csv_note : "")];
      for (var k = 0; k < rows.length; k++) {
        var r = rows[k], c = r.c, ok = c.status === "ok";
        var status = ok ? "ok" : c.status === "suppressed" ? T.csv_suppressed : T.csv_no_data;
        var cells = [r.city ? "_city" : r.id, r.name, ok ? c.p : "", ok ? c.lo : "",
                     ok ? c.hi : "", c.n, status];
        if (data.synthetic) { cells.push(T.synthetic); }
        lines.push(cells.map(csvCell).join(","));
      }
      var link = document.getElementById("g4c-csv");
      link.href = "data:text/csv;charset=utf-8," + encodeURIComponent("\ufeff" + lines.join("\r\n") + "\r\n");
      link.setAttribute("download", ind.id + "_" + (group.var === "all" ? "all" : group.var + "-" + group.value) +
                        "_" + T.csv_file + (data.synthetic ? "_synthetic" : "") + ".csv");
    }

    function update() {
      var ii = +sel.indicator.value, gi = +sel.group.value;
      var ind = data.indicators[ii], group = data.groups[gi];
      state.scheme = sel.scheme.value;
      state.row = data.v[ii][gi];
      var breaks = breaksOf(state.row, state.scheme);
      var fellBack = state.scheme !== "fixed" && state.row[SCHEME_BREAKS[state.scheme]] === 0;
      state.palette = data.palettes[ind.direction][breaks.length - 1];
      var complementary = false;
      for (var k = 0; k < layers.length; k++) {
        var c = cellFor(k);
        if (c.status === "suppressed" && c.n >= data.min_n) { complementary = true; }
        layers[k].setStyle(styleFor(c));
        var el = layers[k].getElement && layers[k].getElement();
        if (el) {
          el.setAttribute("data-status", c.status);
          el.setAttribute("data-area", data.areas[k].id);
          if (c.status === "ok") { el.setAttribute("data-class", c.cls); } else { el.removeAttribute("data-class"); }
          el.setAttribute("aria-label", summary(k));
        }
        if (layers[k].isTooltipOpen()) { layers[k].setTooltipContent(tooltip(k)); }
      }
      legendDiv.innerHTML = legendHtml(ind, group, breaks, fellBack, complementary);
      var rows = tableRows();
      renderTable(rows, ind, group);
      updateCsv(rows, ind, group);
      var universe = data.universes[ind.universe];
      document.getElementById("g4c-universe").textContent =
        universe ? fill(T.universe, { universe: universe }) : "";
      document.getElementById("g4c-live").textContent =
        fill(T.showing, { indicator: ind.label, group: group.label });
      try {
        history.replaceState(null, "", "#" + encodeURIComponent(ind.id) + "/" +
          encodeURIComponent(group.var + ":" + group.value) + "/" + state.scheme);
      } catch (e) { /* some browsers refuse history on file:// */ }
    }

    function fromHash() {
      var parts = decodeURIComponent(location.hash.slice(1)).split("/");
      if (parts.length !== 3) { return; }
      for (var k = 0; k < data.indicators.length; k++) {
        if (data.indicators[k].id === parts[0]) { sel.indicator.value = String(k); }
      }
      for (k = 0; k < data.groups.length; k++) {
        if (data.groups[k].var + ":" + data.groups[k].value === parts[1]) { sel.group.value = String(k); }
      }
      if (SCHEME_DIGIT[parts[2]] !== undefined) { sel.scheme.value = parts[2]; }
    }

    fromHash();
    sel.indicator.addEventListener("change", update);
    sel.group.addEventListener("change", update);
    sel.scheme.addEventListener("change", update);
    update();
    var api = { update: update, layer: geo, data: data, state: state };
    geo4miChoropleth.current = api;
    return api;
  }

  return { init: init, decode: decode };
}());
