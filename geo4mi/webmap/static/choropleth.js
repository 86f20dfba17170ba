/* geo4mi interactive choropleth: restyles ONE area layer from a compact values table.
 *
 * Everything here is lookup and formatting: classes, the wide-interval flag and the
 * comparison with the city-wide value are computed in Python (geo4mi.classify) and arrive in
 * the data. Data layout: see geo4mi/webmap/choropleth.py. Plain ES5, no dependencies but
 * Leaflet and common.js, works from file:// without network.
 *
 * Names and labels come from outside the project: they arrive only in the page's JSON block
 * and are shown as text (textContent, setAttribute), never parsed as HTML.
 *
 * The modules, each a section below that adds itself to the namespace geo4mi.choropleth
 * (also the global geo4miChoropleth), in the order they need each other:
 *   data      the packed values decoded: unpack, decode, classOf, breaksOf, inflate
 *   style     an area's fill and edge: patterns, edgeOn, styleFor
 *   words     an area's words: tooltip, summary, notes
 *   legend    the legend box and its entries (classLabels)
 *   table     the table under the map and its CSV
 *   finder    the indicator finder
 *   print     the printed page
 *   png       the PNG download
 *   view      the current choice (indicator, group, scheme) and the restyle on change
 *   controls  the selects, buttons and areas' keyboard focus
 * and init, which draws the map. Shared helpers (numbers, DOM, the areas layer, the
 * legend's corner, printing) are common.js's (geo4miCommon).
 */
var geo4miChoropleth = geo4mi.choropleth = {};

/* -- data: the packed values ------------------------------------------------------------- */
(function (ns) {
  "use strict";

  var SCHEME_DIGIT = { fixed: 2, quantiles: 1, natural_breaks: 0 };  // 10^digit in code
  var SCHEME_BREAKS = { quantiles: 2, natural_breaks: 3 };              // index in a row

  /* A row's cells from its packed form (base64 bytes, column by column; the layout is in
   * geo4mi/webmap/choropleth.py, pack_cells): each cell as [p, lo, hi, n, code] or a status
   * integer (0 no interviews, -1 / -2 suppressed), the form decode() reads. */
  var STATUS_BYTE = { 255: 0, 254: -1, 253: -2 };
  var K = 5;  // classes per scheme: the class digits are base K (geo4mi.classify.K)

  function unpack(packed, nCols) {
    var raw = atob(packed);
    var k = 0, i, cells = [];
    for (i = 0; i < nCols; i++) { if (raw.charCodeAt(i) <= 100) { k++; } }
    var at = nCols + 4 * k, j = 0;
    for (i = 0; i < nCols; i++) {
      var p = raw.charCodeAt(i);
      if (p > 100) { cells.push(STATUS_BYTE[p]); continue; }
      var n = 0, shift = 1, b;
      do {
        b = raw.charCodeAt(at++);
        n += (b & 127) * shift;
        shift *= 128;
      } while (b >= 128);
      var lo = raw.charCodeAt(nCols + j), hi = raw.charCodeAt(nCols + k + j);
      var flags = raw.charCodeAt(nCols + 2 * k + j), cl = raw.charCodeAt(nCols + 3 * k + j);
      cells.push([p, p - lo, p + hi, n, flags * 1000 + Math.floor(cl / (K * K)) * 100 +
                  (Math.floor(cl / K) % K) * 10 + cl % K]);
      j++;
    }
    return cells;
  }

  /* A cell's class under a scheme (its digit of the class code; 0 to K - 1). */
  function classOf(code, scheme) {
    return Math.floor(code / Math.pow(10, SCHEME_DIGIT[scheme])) % 10;
  }

  /* A cell as an object: status ok / suppressed / no_data, and its numbers. A suppressed
   * cell has no n: -1 = fewer than min_n respondents, -2 = hidden so that a small figure
   * cannot be worked out (the estimates' suppression column, read in Python). */
  function decode(cell, scheme) {
    if (typeof cell === "number") {
      if (cell === 0) { return { status: "no_data", n: 0 }; }
      return { status: "suppressed", small: cell === -1 };
    }
    var out = { status: "ok", p: cell[0], lo: cell[1], hi: cell[2], n: cell[3] };
    if (cell.length > 4) {
      var code = cell[4];
      var flags = Math.floor(code / 1000);
      out.cls = classOf(code, scheme);
      out.wide = (flags & 1) === 1;
      out.above = (flags & 2) === 2;
      out.below = (flags & 4) === 4;
    }
    return out;
  }

  /* The page's values and outlines when geo4mi packed them (base64 of gzipped JSON, big
   * pages only; geo4mi/webmap/choropleth.py, pack_page_data), inflated by the browser's own
   * DecompressionStream: a promise of the object they came from. */
  function inflate(packed) {
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Error("geo4mi: this browser cannot read the compressed " +
                                      "map data (no DecompressionStream); open the page in " +
                                      "a current Chrome, Edge, Firefox or Safari"));
    }
    var bytes;
    if (typeof Uint8Array.fromBase64 === "function") {  // decoded natively (newer browsers)
      bytes = Uint8Array.fromBase64(packed);
    } else {
      var raw = atob(packed);
      bytes = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }

  /* `view` (made by geo4mi.choropleth.view.make) holds the map, its data and the current
   * choice: view.state.row / cells / scheme / palette / wanted. */

  function cellFor(view, areaIndex) {
    var col = view.colOf[areaIndex];
    return decode(col < 0 ? 0 : view.state.cells[col], view.state.scheme);
  }

  function breaksOf(data, row, scheme) {
    var b = scheme === "fixed" ? 0 : row[SCHEME_BREAKS[scheme]];
    return b === 0 ? data.fixed : b;
  }

  /* Did the scheme fall back to fixed steps (too few distinct values for its breaks)? */
  function fellBack(row, scheme) {
    return scheme !== "fixed" && row[SCHEME_BREAKS[scheme]] === 0;
  }

  ns.data = { SCHEME_DIGIT: SCHEME_DIGIT, SCHEME_BREAKS: SCHEME_BREAKS, K: K,
              unpack: unpack, decode: decode, classOf: classOf, inflate: inflate,
              cellFor: cellFor, breaksOf: breaksOf, fellBack: fellBack };
}(geo4mi.choropleth));

/* -- style: an area's fill and edge ------------------------------------------------------- */
(function (ns, C) {
  "use strict";

  var HATCH_ID = "g4c-hatch";
  var DOTS_ID = "g4c-dots";
  var svgEl = C.svgEl;

  /* The suppressed hatching and the no-data dots as canvas patterns (canvas cannot use the
   * SVG patterns); same geometry as hatchDefs. */
  function canvasPatterns(style) {
    var hatch = document.createElement("canvas");
    var size = style.hatch_lines[1], width = style.hatch_lines[0];
    hatch.width = size; hatch.height = size;
    var ctx = hatch.getContext("2d");
    ctx.fillStyle = style.suppressed;
    ctx.fillRect(0, 0, size, size);
    ctx.strokeStyle = style.hatch;
    ctx.lineWidth = width / Math.SQRT2;  // the tile's diagonal lines lie size/√2 apart
    ctx.beginPath();
    ctx.moveTo(0, size); ctx.lineTo(size, 0);
    ctx.moveTo(-size / 2, size / 2); ctx.lineTo(size / 2, -size / 2);
    ctx.moveTo(size / 2, size * 1.5); ctx.lineTo(size * 1.5, size / 2);
    ctx.stroke();
    var dots = document.createElement("canvas");
    var tile = style.dots[1], dot = style.dots[0];
    dots.width = tile; dots.height = tile;
    ctx = dots.getContext("2d");
    ctx.fillStyle = style.no_data;
    ctx.fillRect(0, 0, tile, tile);
    ctx.fillStyle = style.dot;
    ctx.fillRect(0, 0, dot, dot);
    var target = document.createElement("canvas").getContext("2d");
    return { hatch: target.createPattern(hatch, "repeat"),
             dots: target.createPattern(dots, "repeat") };
  }

  /* Relative luminance of "#rrggbb" (WCAG): an edge on a darker fill is drawn light. */
  function luminance(hex) {
    var out = 0, weights = [0.2126, 0.7152, 0.0722];
    for (var k = 0; k < 3; k++) {
      var c = parseInt(hex.substr(1 + 2 * k, 2), 16) / 255;
      out += weights[k] * (c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
    }
    return out;
  }
  /* The edge colour that stands out from a class fill: the dark edge unless the fill is so
   * dark that the contrast falls under 3:1, then the light edge. */
  function edgeOn(fillColour, style) {
    if (!fillColour || fillColour.charAt(0) !== "#") { return style.edge; }
    var lf = luminance(fillColour), le = luminance(style.edge);
    var ratio = (Math.max(lf, le) + 0.05) / (Math.min(lf, le) + 0.05);
    return ratio < 3 ? style.edge_light : style.edge;
  }

  /* The patterns of "suppressed" (diagonal hatching) and "no interviews" (square dots): one
   * SVG, referenced by the areas' and the legend's fills. */
  function patternDefs(style) {
    var svg = svgEl("svg", { width: 0, height: 0, "aria-hidden": "true", "class": "g4c-defs" });
    var size = style.hatch_lines[1];
    var hatch = svgEl("pattern", { id: HATCH_ID, patternUnits: "userSpaceOnUse", width: size,
                                   height: size, patternTransform: "rotate(45)" });
    hatch.appendChild(svgEl("rect", { width: size, height: size, fill: style.suppressed }));
    hatch.appendChild(svgEl("rect", { width: style.hatch_lines[0], height: size,
                                      fill: style.hatch }));
    var tile = style.dots[1];
    var dots = svgEl("pattern", { id: DOTS_ID, patternUnits: "userSpaceOnUse", width: tile,
                                  height: tile });
    dots.appendChild(svgEl("rect", { width: tile, height: tile, fill: style.no_data }));
    dots.appendChild(svgEl("rect", { width: style.dots[0], height: style.dots[0],
                                     fill: style.dot }));
    var defs = svgEl("defs", {});
    defs.appendChild(hatch);
    defs.appendChild(dots);
    svg.appendChild(defs);
    document.body.appendChild(svg);
  }

  /* A wide interval keeps its class colour and gets a dashed outline (never a paler fill,
   * which would read as the class below). */
  function styleFor(view, c) {
    var style = view.style;
    var out = { color: style.edge, weight: 1, dashArray: null, fillOpacity: 1 };
    if (c.status === "no_data") { out.fillColor = view.dotsFill; }
    else if (c.status === "suppressed") { out.fillColor = view.hatchFill; }
    else {
      var palette = view.state.palette;
      out.fillColor = palette[Math.min(c.cls, palette.length - 1)];
      out.fillOpacity = style.opacity;
      out.color = edgeOn(out.fillColor, style);  // a dark class keeps visible edges
      if (c.wide) {
        // canvas has no CSS halo for the white dashes: black dashes there
        out.color = view.canvas ? "#000000" : style.wide[0];
        out.weight = style.wide[1]; out.dashArray = style.wide[2];
      }
    }
    return out;
  }

  ns.style = { HATCH_ID: HATCH_ID, DOTS_ID: DOTS_ID, canvasPatterns: canvasPatterns,
               luminance: luminance, edgeOn: edgeOn, patternDefs: patternDefs,
               styleFor: styleFor };
}(geo4mi.choropleth, geo4miCommon));

/* -- words: an area's tooltip, summary and notes ------------------------------------------ */
(function (ns, C) {
  "use strict";

  var el = C.textEl, fill = C.fill;
  var decode = ns.data.decode, cellFor = ns.data.cellFor;

  /* Suppressed because small, or only so that a small one elsewhere cannot be worked out
   * (geo4mi.indicators.suppression; the reason travels in the cell, never n). */
  function suppressedText(T, c) {
    return c.small ? T.suppressed : T.suppressed_complementary;
  }

  function notes(T, c) {
    var out = [];
    if (c.status === "no_data") { out.push(T.no_interviews_n); }
    if (c.status === "suppressed") { out.push(suppressedText(T, c)); }
    if (c.above) { out.push(T.differs_above); }
    if (c.below) { out.push(T.differs_below); }
    if (c.wide) { out.push(T.wide_interval); }
    return out;
  }

  function summary(view, areaIndex) {
    var T = view.T, fmt = view.fmt;
    var c = cellFor(view, areaIndex);
    var name = view.data.areas[areaIndex].name;
    if (c.status === "no_data") { return name + ": " + T.no_interviews; }
    var parts = c.status === "ok"
      ? [T.value + ": " + fmt.percent(c.p), T.ci95 + ": " + fmt.range(c.lo, c.hi)]
      : [suppressedText(T, c)];
    if (c.n !== undefined) { parts.push(T.n + ": " + fmt.integer(c.n)); }
    return name + ": " + parts.join("; ");
  }

  function cityText(view) {
    var T = view.T, fmt = view.fmt;
    var c = decode(view.state.row[0], view.state.scheme);
    if (c.status === "ok") {
      return fill(T.city_value, { value: fmt.percent(c.p) + " (" + T.ci95 + ": " +
                                         fmt.range(c.lo, c.hi) + ")" });
    }
    if (c.status === "suppressed") { return T.city_suppressed; }
    return T.city_wide + ": " + T.no_interviews_n;
  }

  /* The tooltip as DOM nodes (Leaflet's bindTooltip takes an HTMLElement). */
  function tooltip(view, areaIndex) {
    var T = view.T, fmt = view.fmt;
    var c = cellFor(view, areaIndex);
    var tip = el("div", "g4c-tip");
    tip.appendChild(el("strong", "", view.data.areas[areaIndex].name));
    if (c.status === "ok") {
      var value = el("div", "g4c-tip-value", T.value + ": ");
      value.appendChild(el("b", "", fmt.percent(c.p)));
      tip.appendChild(value);
      tip.appendChild(el("div", "", T.ci95 + ": " + fmt.range(c.lo, c.hi)));
      tip.appendChild(el("div", "g4c-tip-n", T.n + ": " + fmt.integer(c.n)));
    }
    tip.appendChild(el("div", "g4c-tip-city", cityText(view)));
    var ns = notes(T, c);
    for (var k = 0; k < ns.length; k++) { tip.appendChild(el("div", "g4c-tip-note", ns[k])); }
    return tip;
  }

  ns.words = { suppressedText: suppressedText, notes: notes, summary: summary,
               cityText: cityText, tooltip: tooltip };
}(geo4mi.choropleth, geo4miCommon));

/* -- legend: its box and entries ---------------------------------------------------------- */
(function (ns, C) {
  "use strict";

  var el = C.textEl, svgEl = C.svgEl;
  var S = ns.style;

  /* A legend swatch; `outline` is [colour, width, dash array] for the wide-interval entry. */
  function swatch(fillColour, opacity, outline, edge) {
    var svg = svgEl("svg", { "class": "g4c-swatch", width: 22, height: 14,
                           "aria-hidden": "true" });
    var attrs = { x: 1, y: 1, width: 20, height: 12, fill: fillColour, "fill-opacity": opacity,
                  stroke: edge || "#404040" };
    if (outline) {  // the same dashes with their halo, around a white box
      svg.appendChild(svgEl("rect", { x: 1, y: 1, width: 20, height: 12, fill: "#ffffff",
                                      stroke: "#000000", "stroke-width": 4 }));
      attrs.fill = "none"; attrs.stroke = outline[0]; attrs["stroke-width"] = 2;
      attrs["stroke-dasharray"] = outline[2];
    }
    svg.appendChild(svgEl("rect", attrs));
    return svg;
  }

  function legendItem(className, dataClass, swatchNode, text) {
    var li = el("li", className);
    if (dataClass !== null) { li.setAttribute("data-class", dataClass); }
    li.appendChild(swatchNode);
    li.appendChild(el("span", "", text));
    return li;
  }

  /* On a phone-sized window (the CSS uses the same width) the legend would cover a third of
   * the map: it moves to a box right under the map, and back when the window widens. */
  function placeLegend(map, legendDiv) {
    if (!window.matchMedia) { return; }
    // printed, the legend stands beside the map (choropleth.css) rather than over it
    var query = window.matchMedia("(max-width: 600px), print");
    var corner = legendDiv.parentNode;
    var below = el("div", "g4c-legend-below");
    var mapBox = map.getContainer();
    mapBox.parentNode.insertBefore(below, mapBox.nextSibling);
    function place() {
      var target = query.matches ? below : corner;
      if (legendDiv.parentNode !== target) { target.appendChild(legendDiv); }
      below.hidden = !query.matches;
    }
    place();
    C.onMediaChange(query, place);
  }

  /* The legend's box, bottom right (or under the map on a phone). */
  function addLegend(map) {
    var div = C.cornerBox(map, { position: "bottomright", className: "g4c-legend" });
    placeLegend(map, div);
    return div;
  }


  function renderLegend(view, ind, group, breaks, fellBack, complementary) {
    var T = view.T, legendDiv = view.legendDiv;
    legendDiv.textContent = "";
    legendDiv.appendChild(el("div", "g4c-legend-title", ind.label));
    legendDiv.appendChild(el("div", "g4c-legend-sub", group.label));
    legendDiv.appendChild(el("div", "g4c-legend-units", T.units + " · " + T[ind.direction]));
    var list = el("ul");
    classItems(view, breaks, list);
    var hatch = "url(#" + S.HATCH_ID + ")";
    list.appendChild(legendItem("g4c-legend-wide", null, swatch("none", 1, view.style.wide),
                                T.legend_wide));
    list.appendChild(legendItem("g4c-legend-nodata", null, swatch("url(#" + S.DOTS_ID + ")", 1),
                                T.no_interviews));
    list.appendChild(legendItem("g4c-legend-suppressed", null, swatch(hatch, 1), T.suppressed));
    if (complementary) {
      list.appendChild(legendItem("g4c-legend-complementary", null, swatch(hatch, 1),
                                  T.suppressed_complementary));
    }
    legendDiv.appendChild(list);
    if (fellBack) { legendDiv.appendChild(el("p", "g4c-legend-note", T.fallback_fixed)); }
  }

  /* The classes' labels, "lower–upper %" (breaks in tenths of a percent, the first class
   * from 0); one decimal when two bounds would round to the same whole number. */
  function classLabels(breaks, fmt) {
    var decimals = 0, labels = [], lower = 0;
    for (var k = 1; k < breaks.length; k++) {
      if (Math.round(breaks[k] / 10) === Math.round(breaks[k - 1] / 10)) { decimals = 1; }
    }
    for (k = 0; k < breaks.length; k++) {
      var upper = breaks[k] / 10;
      labels.push(fmt.decimal(lower, lower === 0 ? 0 : decimals) + "–" +
                  fmt.decimal(upper, decimals) + " %");
      lower = upper;
    }
    return labels;
  }

  /* One entry per class, its colour and label. */
  function classItems(view, breaks, list) {
    var palette = view.state.palette, style = view.style;
    var labels = classLabels(breaks, view.fmt);
    for (var k = 0; k < breaks.length; k++) {
      list.appendChild(legendItem("", k, swatch(palette[k], style.opacity, null,
                                                S.edgeOn(palette[k], style)), labels[k]));
    }
  }

  ns.legend = { swatch: swatch, legendItem: legendItem, addLegend: addLegend,
                renderLegend: renderLegend, classLabels: classLabels };
}(geo4mi.choropleth, geo4miCommon));

/* -- table: the values under the map and their CSV ---------------------------------------- */
(function (ns, C) {
  "use strict";

  var el = C.textEl, fill = C.fill;
  var decode = ns.data.decode, cellFor = ns.data.cellFor, notes = ns.words.notes;

  function tableRows(view) {
    var data = view.data;
    var rows = [{ id: "", name: view.T.city_wide, c: decode(view.state.row[0], view.state.scheme),
                  city: true }];
    for (var k = 0; k < data.table_order.length; k++) {
      var a = data.table_order[k];
      rows.push({ id: data.areas[a].id, name: data.areas[a].name, c: cellFor(view, a) });
    }
    return rows;
  }

  /* The table: its caption and its rows. */
  function renderTable(view, rows, ind, group) {
    tableCaption(view, ind, group);
    tableBody(view, rows);
  }

  function tableCaption(view, ind, group) {
    document.getElementById("g4c-caption").textContent =
      fill(view.T.caption, { indicator: ind.label, group: group.label });
  }

  /* The table's rows, one per row of ``rows`` (the city, then the areas in table order): the
   * rows already there are rewritten where they differ (another map of the same areas keeps
   * every name), else made anew. */
  function tableBody(view, rows) {
    var body = document.querySelector("#g4c-table tbody");
    var k, texts = cellTexts(view);
    if (body.rows.length !== rows.length) {
      body.textContent = "";
      for (k = 0; k < rows.length; k++) {
        var tr = el("tr", rows[k].city ? "g4c-city" : "");
        var th = el("th");
        th.setAttribute("scope", "row");
        tr.appendChild(th);
        for (var j = 0; j < 4; j++) { tr.appendChild(el("td")); }
        body.appendChild(tr);
      }
    }
    for (k = 0; k < rows.length; k++) { fillRow(body.rows[k], rows[k], texts); }
  }

  /* A table row's words for one row of ``rows``; only what differs is written. */
  function fillRow(tr, r, texts) {
    var c = r.c;
    if (tr.getAttribute("data-status") !== c.status) { tr.setAttribute("data-status", c.status); }
    var words = texts(c), cells = tr.cells;
    words.unshift(r.name);
    for (var j = 0; j < words.length; j++) {
      if (cells[j].textContent !== words[j]) { cells[j].textContent = words[j]; }
    }
  }

  /* texts(c): a cell's value, interval, n and notes as the table shows them; each distinct
   * number is formatted once per pass (thousands of areas share a few hundred). */
  function cellTexts(view) {
    var fmt = view.fmt, T = view.T, seen = {};
    function once(key, make) {
      if (!C.has(seen, key)) { seen[key] = make(); }
      return seen[key];
    }
    return function (c) {
      var ok = c.status === "ok";
      return [ok ? once("p" + c.p, function () { return fmt.percent(c.p); }) : "—",
              ok ? once("r" + c.lo + "," + c.hi, function () { return fmt.range(c.lo, c.hi); })
                 : "—",
              c.n === undefined ? "—" : once("n" + c.n, function () { return fmt.integer(c.n); }),
              notes(T, c).join(" ")];
    };
  }

  /* One CSV row: plain machine numbers (".", no grouping), whatever the page's language. */
  function csvRow(T, r, synthetic) {
    var c = r.c, ok = c.status === "ok";
    var status = ok ? "ok" : c.status === "suppressed" ? T.csv_suppressed : T.csv_no_data;
    var cells = [r.city ? "_city" : r.id, r.name, ok ? c.p : "", ok ? c.lo : "",
                 ok ? c.hi : "", c.n === undefined ? "" : c.n, status];
    if (synthetic) { cells.push(T.synthetic); }
    return cells.map(C.csvCell).join(",");
  }

  /* The CSV's file name: indicator, group, the word for "table" in the page's language. */
  function csvName(T, ind, group, synthetic) {
    return ind.id + "_" + (group.var === "all" ? "all" : group.var + "-" + group.value) +
      "_" + T.csv_file + (synthetic ? "_synthetic" : "") + ".csv";
  }

  /* The CSV link. */
  function updateCsv(view, rows, ind, group) {
    var T = view.T, data = view.data;
    var lines = [T.csv_header + (data.synthetic ? "," + T.csv_note : "")];
    for (var k = 0; k < rows.length; k++) { lines.push(csvRow(T, rows[k], data.synthetic)); }
    var link = document.getElementById("g4c-csv");
    link.href = C.csvHref(lines);
    link.setAttribute("download", csvName(T, ind, group, data.synthetic));
  }

  ns.table = { tableRows: tableRows, renderTable: renderTable, tableCaption: tableCaption,
               tableBody: tableBody, cellTexts: cellTexts, csvRow: csvRow,
               csvName: csvName, updateCsv: updateCsv };
}(geo4mi.choropleth, geo4miCommon));

/* -- finder: words typed narrow the indicator list ---------------------------------------- */
(function (ns, C) {
  "use strict";

  var fill = C.fill, fold = C.fold;

  /* The indicator finder: words typed in the box (accents and case ignored) narrow the
   * indicator list to those whose label, question or theme holds every word; the options
   * are the page's own, re-attached in their order. When nothing matches, the current
   * indicator stays the only option and the count says so. */
  function finder(select, input, countEl, data, T, fmt, changed) {
    var groups = finderGroups(select, data);
    function apply() {
      var words = fold(input.value).split(/\s+/).filter(function (w) { return w !== ""; });
      var current = select.value;
      var found = showMatches(select, groups, words, current);
      if (!found.shown) { keepOption(select, groups, current); }  // keep it selectable
      select.value = found.keep !== null || !found.shown ? current : found.first;
      countEl.textContent = !words.length ? "" : found.shown
        ? fill(T.find_count, { shown: fmt.integer(found.shown),
                               total: fmt.integer(data.indicators.length) })
        : T.find_none;
      if (select.value !== current) { changed(); }
    }
    input.addEventListener("input", apply);
    return apply;
  }

  /* The select's options by group (optgroup, or none), each with its folded search text. */
  function finderGroups(select, data) {
    function entry(option, theme) {
      var ind = data.indicators[+option.value];
      var q = ind.q === undefined ? "" : data.questions[ind.q];
      return { node: option, text: fold(option.textContent + " " + q + " " + theme) };
    }
    var groups = [];
    var children = Array.prototype.slice.call(select.children);
    for (var k = 0; k < children.length; k++) {
      var child = children[k];
      if (child.tagName === "OPTGROUP") {
        var g = { node: child, options: [] };
        var opts = Array.prototype.slice.call(child.children);
        for (var j = 0; j < opts.length; j++) { g.options.push(entry(opts[j], child.label)); }
        groups.push(g);
      } else {
        groups.push({ node: null, options: [entry(child, "")] });
      }
    }
    return groups;
  }

  /* Re-attach the options holding every word; how many, the first, and the current one
   * if it is among them (else null). */
  function showMatches(select, groups, words, current) {
    var out = { shown: 0, first: null, keep: null };
    select.textContent = "";
    for (var a = 0; a < groups.length; a++) {
      var hits = groups[a].options.filter(function (e) {
        return words.every(function (w) { return e.text.indexOf(w) >= 0; });
      });
      if (!hits.length) { continue; }
      var parent = select;
      if (groups[a].node) {
        groups[a].node.textContent = "";
        select.appendChild(groups[a].node);
        parent = groups[a].node;
      }
      for (var b = 0; b < hits.length; b++) {
        parent.appendChild(hits[b].node);
        out.shown++;
        if (out.first === null) { out.first = hits[b].node.value; }
        if (hits[b].node.value === current) { out.keep = current; }
      }
    }
    return out;
  }

  function keepOption(select, groups, value) {
    for (var a = 0; a < groups.length; a++) {
      for (var b = 0; b < groups[a].options.length; b++) {
        if (groups[a].options[b].node.value === value) {
          select.appendChild(groups[a].options[b].node);
        }
      }
    }
  }

  ns.finder = { finder: finder };
}(geo4mi.choropleth, geo4miCommon));

/* -- print: the printed page -------------------------------------------------------------- */
(function (ns, C) {
  "use strict";

  var el = C.textEl;

  /* Printing: the map takes a fixed size in millimetres and the whole city is fitted into
   * it, whatever the window's size; the view on screen comes back afterwards. Chromium may
   * lay out for print without resizing the window, so the size is set in pixels too before
   * the fit. The page setups: paper and orientation (10 mm margins), and the map's size in
   * mm on it (page: the width inside the margins). Landscape puts the legend beside the map, portrait under it
   * (choropleth.css, .g4c-portrait). Without a choice the stylesheet prints A4 landscape,
   * whose map also fits a Letter page. */
  var PAGES = {
    "a4-landscape": { size: "A4 landscape", page: 277, map: [160, 124] },
    "letter-landscape": { size: "letter landscape", page: 259, map: [160, 124] },
    "a4-portrait": { size: "A4 portrait", page: 190, map: [186, 140], portrait: true },
    "letter-portrait": { size: "letter portrait", page: 195, map: [186, 135], portrait: true }
  };
  var pageSetup = PAGES["a4-landscape"];

  /* Use one of PAGES when printing: an @page rule, the map's printed size, the layout. */
  function setPage(name) {
    if (!Object.prototype.hasOwnProperty.call(PAGES, name)) { return; }
    pageSetup = PAGES[name];
    var rule = document.getElementById("g4c-page-rule");
    if (!rule) {
      rule = el("style");
      rule.id = "g4c-page-rule";
      document.head.appendChild(rule);
    }
    rule.textContent = "@page { size: " + pageSetup.size + "; margin: 10mm; }\n" +
      "@media print { html, body { width: " + pageSetup.page + "mm !important; }\n" +
      ".folium-map { width: " + pageSetup.map[0] + "mm !important; height: " +
      pageSetup.map[1] + "mm !important; } }";
    document.documentElement.classList.toggle("g4c-portrait", !!pageSetup.portrait);
    document.documentElement.setAttribute("data-g4c-page", name);
  }

  /* While printing, the whole city in the page setup's map size. */
  function printFit(map, bounds) {
    C.printSize(map, { bounds: bounds, fit: { padding: [6, 6], animate: false },
                       size: function () { return pageSetup.map; } });
  }

  ns.print = { PAGES: PAGES, setPage: setPage, printFit: printFit };
}(geo4mi.choropleth, geo4miCommon));

/* -- png: the current view as a picture --------------------------------------------------- */
(function (ns, C) {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var canvasPatterns = ns.style.canvasPatterns;


  var PNG = { scale: 2, width: 1200, pad: 16,
              font: "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" };

  function textOf(selector) {
    var node = document.querySelector(selector);
    return node ? node.textContent : "";
  }

  /* wrap(text, size, maxWidth, weight): the text broken into lines no wider than maxWidth. */
  function wrapper() {
    var measure = document.createElement("canvas").getContext("2d");
    return function (text, size, maxWidth, weight) {
      measure.font = (weight || "") + " " + size + "px " + PNG.font;
      var words = String(text).split(/\s+/), lines = [], line = "";
      for (var w = 0; w < words.length; w++) {
        var next = line ? line + " " + words[w] : words[w];
        if (line && measure.measureText(next).width > maxWidth) { lines.push(line); line = words[w]; }
        else { line = next; }
      }
      if (line) { lines.push(line); }
      return lines;
    };
  }

  /* The page's words above the map (title, banner, caveat, universe) and under it (notes). */
  function pngBlocks(wrap) {
    var inner = PNG.width - 2 * PNG.pad;
    var banner = textOf(".g4c-banner"), universe = textOf("#g4c-universe");
    var head = [], tail = [];
    head.push({ lines: wrap(textOf(".g4c-title"), 22, inner, "bold"), size: 22, weight: "bold" });
    if (banner) { head.push({ lines: wrap(banner, 14, inner, "bold"), size: 14, weight: "bold", colour: "#7c2d12" }); }
    head.push({ lines: wrap(textOf(".g4c-caveat"), 13, inner), size: 13 });
    if (universe) { head.push({ lines: wrap(universe, 13, inner), size: 13 }); }
    var ps = document.querySelectorAll(".g4c-notes p");
    for (var k = 0; k < ps.length; k++) { tail.push({ lines: wrap(ps[k].textContent, 12, inner), size: 12 }); }
    return { head: head, tail: tail };
  }

  function blockHeight(blocks) {
    var h = 0;
    for (var b = 0; b < blocks.length; b++) { h += blocks[b].lines.length * blocks[b].size * 1.35 + 4; }
    return h;
  }

  /* Blocks of text from y down, left-aligned; returns the y under them. */
  function writeBlocks(ctx, blocks, y) {
    for (var b = 0; b < blocks.length; b++) {
      ctx.font = (blocks[b].weight || "") + " " + blocks[b].size + "px " + PNG.font;
      ctx.fillStyle = blocks[b].colour || "#1d1d1d";
      for (var l = 0; l < blocks[b].lines.length; l++) {
        ctx.fillText(blocks[b].lines[l], PNG.pad, y);
        y += blocks[b].size * 1.35;
      }
      y += 4;
    }
    return y;
  }

  /* The legend's words as wrapped lines, and the height they take. */
  function pngLegend(legendDiv, wrap) {
    var out = { items: legendDiv.querySelectorAll("li"), title: [], sub: [], itemLines: [] };
    var lt = legendDiv.querySelector(".g4c-legend-title");
    var ls = legendDiv.querySelector(".g4c-legend-sub");
    var lu = legendDiv.querySelector(".g4c-legend-units");
    if (lt) { out.title = wrap(lt.textContent, 14, 280, "bold"); }
    if (ls) { out.sub = out.sub.concat(wrap(ls.textContent, 12, 280)); }
    if (lu) { out.sub = out.sub.concat(wrap(lu.textContent, 12, 280)); }
    var itemsH = 0;
    for (var k = 0; k < out.items.length; k++) {
      out.itemLines.push(wrap(out.items[k].textContent, 13, 250));
      itemsH += Math.max(24, out.itemLines[k].length * 17 + 7);
    }
    out.height = out.title.length * 19 + out.sub.length * 16 + itemsH + 10;
    return out;
  }

  function drawPngLegend(ctx, legend, x, y, style, patterns) {
    ctx.fillStyle = "#1d1d1d";
    ctx.font = "bold 14px " + PNG.font;
    for (var k = 0; k < legend.title.length; k++) { ctx.fillText(legend.title[k], x, y); y += 19; }
    ctx.font = "12px " + PNG.font;
    ctx.fillStyle = "#3b3b3b";
    for (k = 0; k < legend.sub.length; k++) { ctx.fillText(legend.sub[k], x, y); y += 16; }
    y += 6;
    for (k = 0; k < legend.items.length; k++) {
      drawPngSwatch(ctx, legend.items[k], x, y, style, patterns);
      ctx.fillStyle = "#1d1d1d";
      ctx.font = "13px " + PNG.font;
      for (var m = 0; m < legend.itemLines[k].length; m++) {
        ctx.fillText(legend.itemLines[k][m], x + 30, y + m * 17);
      }
      y += Math.max(24, legend.itemLines[k].length * 17 + 7);
    }
  }

  /* A legend entry's swatch, drawn from its SVG's fill and stroke. */
  function drawPngSwatch(ctx, li, x, y, style, patterns) {
    var rect = li.querySelector("rect:last-child");
    var fillAttr = rect ? rect.getAttribute("fill") : "none";
    if (li.classList.contains("g4c-legend-wide")) {
      ctx.fillStyle = "#ffffff"; ctx.fillRect(x, y, 22, 14);
      ctx.strokeStyle = "#000000"; ctx.lineWidth = 4; ctx.setLineDash([]);
      ctx.strokeRect(x, y, 22, 14);
      ctx.strokeStyle = style.wide[0]; ctx.lineWidth = 2;
      ctx.setLineDash(String(style.wide[2]).split(" ").map(Number));
      ctx.strokeRect(x, y, 22, 14);
      ctx.setLineDash([]);
      return;
    }
    ctx.fillStyle = fillAttr.indexOf("g4c-hatch") >= 0 ? patterns.hatch
      : fillAttr.indexOf("g4c-dots") >= 0 ? patterns.dots : fillAttr;
    ctx.fillRect(x, y, 22, 14);
    ctx.strokeStyle = rect ? rect.getAttribute("stroke") : "#404040"; ctx.lineWidth = 1;
    ctx.strokeRect(x + 0.5, y + 0.5, 21, 13);
  }

  /* The map's layer into frame (left, top, width, height, fit, rect: the map's box): the
   * canvas layer at once, or the SVG once loaded as an image; then(ok) afterwards. */
  function drawPngMap(ctx, box, frame, then) {
    var layerCanvas = box.querySelector(".leaflet-overlay-pane canvas");
    var svg = box.querySelector(".leaflet-overlay-pane svg");
    var at = function (r) {
      return [frame.left + (r.left - frame.rect.left) * frame.fit,
              frame.top + (r.top - frame.rect.top) * frame.fit,
              r.width * frame.fit, r.height * frame.fit];
    };
    if (layerCanvas) {
      var c = at(layerCanvas.getBoundingClientRect());
      ctx.drawImage(layerCanvas, c[0], c[1], c[2], c[3]);
      then(true);
      return;
    }
    if (!svg) { then(true); return; }
    var sr = svg.getBoundingClientRect();
    var image = new Image();
    image.onload = function () {
      var s = at(sr);
      ctx.save();
      ctx.beginPath();
      ctx.rect(frame.left, frame.top, frame.width, frame.height);
      ctx.clip();
      ctx.drawImage(image, s[0], s[1], s[2], s[3]);
      ctx.restore();
      then(true);
    };
    image.onerror = function () { then(false); };
    image.src = svgImageSrc(svg, sr);
  }

  /* The layer's SVG as a data: URI, with the patterns it uses. */
  function svgImageSrc(svg, sr) {
    var copy = svg.cloneNode(true);
    copy.setAttribute("xmlns", SVG_NS);
    copy.setAttribute("width", String(sr.width));
    copy.setAttribute("height", String(sr.height));
    copy.removeAttribute("style");
    var defs = document.querySelector(".g4c-defs defs");
    if (defs) { copy.insertBefore(defs.cloneNode(true), copy.firstChild); }
    // the white dashes of a wide interval have their halo from CSS, which a picture lacks
    var wide = copy.querySelectorAll("path.g4c-wide");
    for (var k = 0; k < wide.length; k++) { wide[k].setAttribute("stroke", "#000000"); }
    return "data:image/svg+xml;charset=utf-8," +
      encodeURIComponent(new XMLSerializer().serializeToString(copy));
  }

  /* The current view as a PNG, drawn in the page (no network, no library): the title, the
   * map (its SVG serialised with the patterns it uses, or the canvas layer as it is), the
   * legend drawn from the same colours and words, then the caveat and the source. Calls
   * done(blob) or done(null) when the browser cannot make it. */
  function drawPng(map, legendDiv, style, patterns, done) {
    var box = map.getContainer(), mapRect = box.getBoundingClientRect();
    var mapW = Math.round(mapRect.width), mapH = Math.round(mapRect.height);
    var fit = Math.min(1, (PNG.width - 2 * PNG.pad - 300) / mapW);
    var frame = { left: PNG.pad, width: Math.round(mapW * fit), height: Math.round(mapH * fit),
                  fit: fit, rect: mapRect };
    var wrap = wrapper();
    var blocks = pngBlocks(wrap), legend = pngLegend(legendDiv, wrap);
    var below = Math.max(frame.height, legend.height) + 10;
    var height = Math.ceil(PNG.pad + blockHeight(blocks.head) + below +
                           blockHeight(blocks.tail) + PNG.pad);
    var canvas = document.createElement("canvas");
    canvas.width = PNG.width * PNG.scale; canvas.height = height * PNG.scale;
    var ctx = canvas.getContext("2d");
    ctx.scale(PNG.scale, PNG.scale);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, PNG.width, height);
    ctx.textBaseline = "top";
    frame.top = writeBlocks(ctx, blocks.head, PNG.pad);
    drawPngLegend(ctx, legend, PNG.pad + frame.width + 20, frame.top, style, patterns);
    ctx.fillStyle = "#f4f4f2";
    ctx.fillRect(frame.left, frame.top, frame.width, frame.height);
    drawPngMap(ctx, box, frame, function (ok) {
      if (!ok) { done(null); return; }
      ctx.strokeStyle = "#999999"; ctx.lineWidth = 1;
      ctx.strokeRect(frame.left + 0.5, frame.top + 0.5, frame.width - 1, frame.height - 1);
      writeBlocks(ctx, blocks.tail, frame.top + below);
      try {
        if (canvas.toBlob) { canvas.toBlob(function (blob) { done(blob); }, "image/png"); }
        else { done(null); }
      } catch (e) { done(null); }
    });
  }

  /* Save the current view as a PNG (drawPng); the file is named like the CSV. */
  function downloadPng(view, callback) {
    var patterns = view.patterns || canvasPatterns(view.style);
    drawPng(view.map, view.legendDiv, view.style, patterns, function (blob) {
      if (!blob) {
        document.getElementById("g4c-live").textContent = view.T.png_failed;
        if (callback) { callback(null); }
        return;
      }
      C.downloadBlob(blob, document.getElementById("g4c-csv").getAttribute("download")
        .replace(/\.csv$/, "") + "_" + view.T.png_file + ".png");
      if (callback) { callback(blob); }
    });
  }

  ns.png = { wrapper: wrapper, drawPng: drawPng, downloadPng: downloadPng };
}(geo4mi.choropleth, geo4miCommon));

/* -- view: the current choice and the restyle ------------------------------------------ */
(function (ns, C) {
  "use strict";

  /* Above this many areas the layer is drawn on one canvas instead of one SVG path per
   * area (first render and switches stay fast at thousands of areas); areas are then not
   * focusable one by one, and the table below the map carries the same values. */
  var CANVAS_ABOVE = 500;
  var TABLE_PAUSE = 1000;  // ms without a change of map before a deferred table is written
  var fill = C.fill;
  var D = ns.data, S = ns.style, W = ns.words, T_ = ns.table;
  var unpack = D.unpack, cellFor = D.cellFor, breaksOf = D.breaksOf;
  var styleFor = S.styleFor, summary = W.summary, tooltip = W.tooltip;
  var renderLegend = ns.legend.renderLegend;
  var tableRows = T_.tableRows, updateCsv = T_.updateCsv;


  /* Groups defined by the indicator's own question are greyed out (and "all" shown
   * instead when one was selected); the note under the select says why. */
  function offerGroups(view, ind) {
    var select = view.sel.group, skip = ind.skip || [], any = false;
    for (var k = 0; k < select.options.length; k++) {
      var option = select.options[k];
      var off = skip.indexOf(view.data.groups[+option.value].var) >= 0;
      option.disabled = off;
      any = any || off;
    }
    if (select.selectedIndex < 0 || select.options[select.selectedIndex].disabled) {
      select.value = "0";  // all respondents
    }
    document.getElementById("g4c-group-note").textContent = any ? view.T.group_same_question : "";
  }

  /* A split choropleth (geo4mi.webmap.choropleth.split_pages) holds each grouping
   * variable's maps in its own page: open the group's page on the same indicator and
   * classification, in place of this one when nothing was drawn yet (a link to a view
   * of another page). */
  function openPage(view, ind, group) {
    var url = group.href + "#" + encodeURIComponent(ind.id) + "/" +
      encodeURIComponent(group.var + ":" + group.value) + "/" + view.state.wanted;
    if (view.state.cells) { location.assign(url); } else { location.replace(url); }
  }

  /* Quantiles and natural breaks only when the view publishes data.min_units values
   * (geo4mi.webmap.choropleth.MIN_UNITS_FOR_SCHEMES); else fixed steps and a note. */
  function offerSchemes(view, cells) {
    var select = view.sel.scheme, data = view.data, published = 0;
    for (var k = 0; k < cells.length; k++) { if (typeof cells[k] !== "number") { published++; } }
    var enough = published >= data.min_units;
    for (k = 0; k < select.options.length; k++) {
      var option = select.options[k];
      option.disabled = !enough && option.value !== "fixed";
    }
    select.value = enough ? view.state.wanted : "fixed";
    document.getElementById("g4c-scheme-note").textContent = enough ? "" :
      fill(view.T.schemes_too_few, { min: view.fmt.integer(data.min_units),
                                     count: view.fmt.integer(published) });
  }

  /* Every area's style, data attributes and open tooltip for the current choice; returns
   * whether some area is suppressed only to protect another (complementary). */
  function restyleAreas(view) {
    var layers = view.layers, data = view.data;
    var complementary = false;
    var wide = [];  // drawn last, so that no neighbour's edge covers their dashed outline
    for (var k = 0; k < layers.length; k++) {
      var c = cellFor(view, k);
      if (c.status === "suppressed" && !c.small) { complementary = true; }
      var look = styleFor(view, c);
      layers[k].setStyle(look);
      view.looks[k] = look;
      if (c.status === "ok" && c.wide) { wide.push(layers[k]); }
      var node = layers[k].getElement && layers[k].getElement();
      if (node) {
        node.setAttribute("data-status", c.status);
        node.setAttribute("data-area", data.areas[k].id);
        if (c.status === "ok") { node.setAttribute("data-class", c.cls); } else { node.removeAttribute("data-class"); }
        node.classList.toggle("g4c-wide", c.status === "ok" && !!c.wide);
        node.setAttribute("aria-label", summary(view, k));
      }
    }
    var tip = view.geo && view.geo.getTooltip();
    if (tip && tip.isOpen()) { tip.update(); }  // its area's new numbers
    for (k = 0; k < wide.length; k++) { wide[k].bringToFront(); }
    return complementary;
  }

  /* The unit labels' importance (orientation.js): a published unit by its n, so the
   * units with most interviews keep their names in a crowded centre. */
  function labelPriority(view) {
    if (typeof geo4miOrientation === "undefined") { return; }
    var weights = {};
    for (var k = 0; k < view.layers.length; k++) {
      var c = cellFor(view, k);
      if (c.status === "ok") { weights[view.data.areas[k].name] = 1 + c.n; }
    }
    geo4miOrientation.prioritise(view.map, weights);
  }

  /* Show the indicator, group and scheme the selects hold. */
  function update(view) {
    var data = view.data, state = view.state;
    var ii = +view.sel.indicator.value;
    var ind = data.indicators[ii];
    offerGroups(view, ind);
    var group = data.groups[+view.sel.group.value];
    if (group.href) { return openPage(view, ind, group); }  // another page holds its maps
    state.row = data.v[ii][+view.sel.group.value];
    state.cells = unpack(state.row[1], data.cols.length);
    offerSchemes(view, state.cells);
    state.scheme = view.sel.scheme.value;
    var breaks = breaksOf(data, state.row, state.scheme);
    state.palette = data.palettes[ind.direction][breaks.length - 1];
    var complementary = restyleAreas(view);
    renderLegend(view, ind, group, breaks, D.fellBack(state.row, state.scheme), complementary);
    showWords(view, ind, group);
    // the labels read the controls' boxes (this legend's among them) before the table is
    // rewritten, so that the browser lays out only what is over the map
    labelPriority(view);
    T_.tableCaption(view, ind, group);
    view.tableStale = true;
    if (!view.canvas || view.tableNear) { refreshTable(view); } else { tableLater(view); }
    updateCsv(view, tableRows(view), ind, group);
  }

  /* The table's rows for the current choice, when they are not already. */
  function refreshTable(view) {
    if (!view.tableStale) { return; }
    view.tableStale = false;
    clearTimeout(view.tableTimer);
    T_.tableBody(view, tableRows(view));
    document.getElementById("g4c-table").removeAttribute("aria-busy");
  }

  /* Above CANVAS_ABOVE areas the table's thousands of rows, which the browser lays out
   * again whenever they change (a few hundred ms at 2,431 areas), are rewritten when they
   * matter rather than at every change of map: when the table comes near the screen
   * (watchTable), before printing, and once the reader pauses (a second after the last
   * change, when the browser is idle). Until then the table says it is busy (aria-busy);
   * its caption and the CSV link are always the map's. */
  function tableLater(view) {
    document.getElementById("g4c-table").setAttribute("aria-busy", "true");
    clearTimeout(view.tableTimer);
    view.tableTimer = setTimeout(function () {
      var idle = window.requestIdleCallback || function (fn) { fn(); };
      idle(function () { refreshTable(view); }, { timeout: 1000 });
    }, TABLE_PAUSE);
  }

  /* Whether the table is near the screen (view.tableNear), kept by an observer that also
   * brings its rows up to date as it comes near; and before printing. */
  function watchTable(view) {
    var wrap = document.querySelector(".g4c-table-wrap");
    window.addEventListener("beforeprint", function () { refreshTable(view); });
    if (window.matchMedia) {
      var print = window.matchMedia("print");
      C.onMediaChange(print, function () { if (print.matches) { refreshTable(view); } });
    }
    if (!wrap || typeof IntersectionObserver === "undefined") {
      view.tableNear = true;  // nothing tells when it comes into view: always current
      return;
    }
    new IntersectionObserver(function (entries) {
      view.tableNear = entries[entries.length - 1].isIntersecting;
      if (view.tableNear) { refreshTable(view); }
    }, { rootMargin: "200px 0px" }).observe(wrap);
  }

  /* The words around the map for the choice: question, universe, the live region, the
   * folded controls' line, and the address (#indicator/group/scheme). */
  function showWords(view, ind, group) {
    var data = view.data, T = view.T;
    document.getElementById("g4c-question").textContent =
      ind.q === undefined ? "" : fill(T.question, { question: data.questions[ind.q] });
    var universe = data.universes[ind.universe];
    document.getElementById("g4c-universe").textContent =
      universe ? fill(T.universe, { universe: universe }) : "";
    document.getElementById("g4c-live").textContent =
      fill(T.showing, { indicator: ind.label, group: group.label });
    var current = document.getElementById("g4c-more-current");
    if (current) { current.textContent = ind.label + " — " + group.label; }
    try {
      history.replaceState(null, "", "#" + encodeURIComponent(ind.id) + "/" +
        encodeURIComponent(group.var + ":" + group.value) + "/" + view.state.scheme);
    } catch (e) { /* some browsers refuse history on file:// */ }
  }

  /* #indicator/group_var:value/scheme, each part URI-encoded (codes may hold "/"): the
   * three parts, or null when the address is not one. */
  function parseHash(hash) {
    var parts = String(hash).replace(/^#/, "").split("/");
    if (parts.length !== 3) { return null; }
    try {
      return parts.map(decodeURIComponent);
    } catch (e) { return null; }  // a malformed link: keep the default view
  }

  /* The selects set from the page's address. */
  function fromHash(view) {
    var data = view.data, sel = view.sel;
    var parts = parseHash(location.hash);
    if (parts === null) { return; }
    for (var k = 0; k < data.indicators.length; k++) {
      if (data.indicators[k].id === parts[0]) { sel.indicator.value = String(k); }
    }
    for (k = 0; k < data.groups.length; k++) {
      if (data.groups[k].var + ":" + data.groups[k].value === parts[1]) { sel.group.value = String(k); }
    }
    if (C.has(D.SCHEME_DIGIT, parts[2])) {
      sel.scheme.value = parts[2];
      view.state.wanted = parts[2];
    }
  }


  /* The view: the map, its data, the selects and the current choice. */
  function make(map, data) {
    var style = data.style;
    var colOf = [];  // area index -> position in a row's cells, or -1 (never interviewed)
    var i;
    for (i = 0; i < data.areas.length; i++) { colOf.push(-1); }
    for (i = 0; i < data.cols.length; i++) { colOf[data.cols[i]] = i; }
    var sel = {
      indicator: document.getElementById("g4c-indicator"),
      group: document.getElementById("g4c-group"),
      scheme: document.getElementById("g4c-scheme")
    };
    var canvas = data.areas.length > CANVAS_ABOVE;
    var patterns = canvas ? S.canvasPatterns(style) : null;
    return {
      map: map, data: data, T: data.text, style: style, fmt: C.numbers(data.lang || "en"),
      colOf: colOf, sel: sel,
      // wanted: the scheme the reader asked for; shown when the view publishes enough units
      state: { wanted: sel.scheme.value },
      geo: null, layers: [], looks: [],  // the areas' layer; per area: its layer, its style
      canvas: canvas, patterns: patterns,
      hatchFill: canvas ? patterns.hatch : "url(#" + S.HATCH_ID + ")",
      dotsFill: canvas ? patterns.dots : "url(#" + S.DOTS_ID + ")"
    };
  }

  ns.view = { make: make, update: update, parseHash: parseHash, fromHash: fromHash,
              watchTable: watchTable, refreshTable: refreshTable };
}(geo4mi.choropleth, geo4miCommon));

/* -- controls: drawing the areas, the selects and buttons, keyboard focus -------------- */
(function (ns, C) {
  "use strict";

  var el = C.textEl;
  var update = ns.view.update, tooltip = ns.words.tooltip;
  var setPage = ns.print.setPage, downloadPng = ns.png.downloadPng;


  /* -- drawing the map --------------------------------------------------------------------- */

  /* Each area is reachable with Tab in every browser (Chromium focuses SVG paths on its
   * own, others need the tabindex); focus outlines it, brings it into view when the map is
   * zoomed in, Leaflet opens its tooltip, and its aria-label (kept current by update) reads
   * the same numbers. */
  function focusable(view, layer, index) {
    var node = layer.getElement && layer.getElement();
    if (!node) { return; }
    node.setAttribute("tabindex", "0");
    node.setAttribute("role", "img");
    node.addEventListener("focus", function () {
      layer.setStyle({ weight: 3, color: "#000000" });
      view.map.panInside(layer.getCenter(), { padding: [60, 60], animate: false });  // zoomed in
    });
    node.addEventListener("blur", function () {
      layer.setStyle({ weight: view.looks[index].weight, color: view.looks[index].color });
    });
  }

  /* One layer of every area (SVG paths, or one canvas above CANVAS_ABOVE areas). */
  function drawAreas(view) {
    var style = view.style;
    return C.areaLayer(view.map, view.data.geometry, {
      renderer: view.canvas ? L.canvas({ padding: 0.1 }) : undefined,
      style: function () { return { color: style.edge, weight: 1, fillOpacity: style.opacity }; },
      weight: function (index) { return view.looks[index].weight; },
      raise: true,
      each: function (feature, layer) {
        view.layers.push(layer);
        view.looks.push({ weight: 1, color: style.edge });
      },
      // a click or tap opens it too (Leaflet's tooltips open on click), where it lands
      tooltip: function (index) { return tooltip(view, index); },
      tooltipOptions: { sticky: true, className: "g4c-tooltip" }
    });
  }


  /* The links to the other languages keep the current view (the "#" part). */
  function keepHashInLanguageLinks() {
    var langs = document.querySelectorAll(".g4c-langs a");
    for (var k = 0; k < langs.length; k++) {
      langs[k].addEventListener("click", function () {
        this.href = this.getAttribute("href").split("#")[0] + window.location.hash;
      });
    }
  }

  /* On a phone-sized window the controls would push the map off the first screen: they fold
   * under one button (the form's name and the indicator shown), which opens them in place. */
  function foldControls() {
    var form = document.querySelector(".g4c-controls");
    if (!form) { return; }
    form.id = form.id || "g4c-controls";
    var current = el("span", "g4c-more-current");
    current.id = "g4c-more-current";
    var button = C.el("button", { type: "button", "class": "g4c-more", "aria-expanded": "false",
                                  "aria-controls": form.id },
                      [el("span", "g4c-more-label", form.getAttribute("aria-label") || ""),
                       current]);
    form.parentNode.insertBefore(button, form);
    form.classList.add("g4c-folded");
    button.addEventListener("click", function () {
      var open = form.classList.toggle("g4c-folded") === false;
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  /* The selects, the finder, the print and PNG buttons; returns the finder's filter. */
  function wireControls(view) {
    var sel = view.sel, changed = function () { update(view); };
    sel.indicator.addEventListener("change", changed);
    sel.group.addEventListener("change", changed);
    sel.scheme.addEventListener("change", function () {
      view.state.wanted = sel.scheme.value;
      update(view);
    });
    var pageSel = document.getElementById("g4c-page");
    if (pageSel) {
      pageSel.addEventListener("change", function () { setPage(pageSel.value); });
      document.getElementById("g4c-print").addEventListener("click", function () {
        setPage(pageSel.value);
        window.print();
      });
      document.getElementById("g4c-png").addEventListener("click", function () { downloadPng(view); });
    }
    return ns.finder.finder(sel.indicator, document.getElementById("g4c-find"),
                  document.getElementById("g4c-find-count"), view.data, view.T, view.fmt,
                  changed);
  }

  ns.controls = { drawAreas: drawAreas, focusable: focusable, wireControls: wireControls,
                  foldControls: foldControls, keepHashInLanguageLinks: keepHashInLanguageLinks };
}(geo4mi.choropleth, geo4miCommon));

/* -- init: the map drawn from the page's data ------------------------------------------- */
(function (ns, C) {
  "use strict";

  var V = ns.view, K = ns.controls;

  function start(map, data) {
    C.metricMap(map);
    K.keepHashInLanguageLinks();
    var view = V.make(map, data);
    ns.style.patternDefs(view.style);
    var bounds = C.geoBounds(data.geometry);  // fitted first: the areas drawn once, there
    map.fitBounds(bounds, { padding: [8, 8], animate: false });
    var geo = view.geo = K.drawAreas(view);
    for (var i = 0; i < view.layers.length; i++) { K.focusable(view, view.layers[i], i); }
    map.attributionControl.addAttribution(C.textHtml(view.T.attribution || ""));
    view.legendDiv = ns.legend.addLegend(map);
    ns.print.printFit(map, bounds);
    V.fromHash(view);
    var filter = K.wireControls(view);
    K.foldControls();
    if (view.canvas) { V.watchTable(view); }
    V.update(view);
    var api = { update: function () { V.update(view); }, layer: geo, data: data,
                state: view.state, filter: filter, setPage: ns.print.setPage,
                downloadPng: function (callback) { ns.png.downloadPng(view, callback); },
                num: view.fmt.decimal };
    ns.current = api;
    return api;
  }

  /* The unit labels (orientation.js, started after this script) are placed once, when
   * the map is drawn, fitted and its legend and labels' importance are known: not at the
   * view the map opens with nor at each step of getting there. */
  function init(map, data) {
    var O = typeof geo4miOrientation === "undefined" ? null : geo4miOrientation;
    if (O) { O.hold(map); }
    var held = function () {
      try { return start(map, data); } finally { if (O) { O.release(map); } }
    };
    if (data.z !== undefined) {  // draw once the packed part is inflated back into data
      return ns.data.inflate(data.z).then(function (bulk) {
        delete data.z;
        for (var key in bulk) { data[key] = bulk[key]; }
        return held();
      }, function (error) {
        if (O) { O.release(map); }
        throw error;
      });
    }
    return held();
  }

  ns.init = init;
  ns.decode = ns.data.decode;  // the names the first tests used
  ns.unpack = ns.data.unpack;
}(geo4mi.choropleth, geo4miCommon));
