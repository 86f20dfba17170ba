/* geo4mi interactive choropleth: restyles ONE area layer from a compact values table.
 *
 * Everything here is lookup and formatting: classes, the wide-interval flag and the
 * comparison with the city-wide value are computed in Python (geo4mi.classify) and arrive in
 * the data. Data layout: see geo4mi/webmap/choropleth.py. Plain ES5, no dependencies but
 * Leaflet, works from file:// without network.
 *
 * Names and labels come from outside the project: they arrive only in the page's JSON block
 * and are shown as text (textContent, setAttribute), never parsed as HTML.
 */
var geo4miChoropleth = (function () {
  "use strict";

  var HATCH_ID = "g4c-hatch";
  var DOTS_ID = "g4c-dots";
  var SCHEME_DIGIT = { fixed: 2, quantiles: 1, natural_breaks: 0 };  // 10^digit in code
  var SCHEME_BREAKS = { quantiles: 2, natural_breaks: 3 };              // index in a row

  var SVG_NS = "http://www.w3.org/2000/svg";
  /* Above this many areas the layer is drawn on one canvas instead of one SVG path per
   * area (first render and switches stay fast at thousands of areas); areas are then not
   * focusable one by one, and the table below the map carries the same values. */
  var CANVAS_ABOVE = 500;

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

  /* Every text from the data (names, labels) reaches the page as text: DOM nodes with
   * textContent / setAttribute, never parsed as HTML. */
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    for (var key in attrs) {
      if (Object.prototype.hasOwnProperty.call(attrs, key)) { node.setAttribute(key, String(attrs[key])); }
    }
    return node;
  }

  /* Text as HTML, for the one Leaflet API that only takes HTML (the attribution control):
   * the browser escapes it. */
  function textHtml(s) {
    var box = document.createElement("div");
    box.textContent = String(s);
    return box.innerHTML;
  }

  /* One pass: "{{" and "}}" are literal braces (a study word such as "{n}" arrives
   * as "{{n}}", geo4mi.i18n.template), "{name}" takes values[name]. */
  function fill(template, values) {
    return template.replace(/\{\{|\}\}|\{(\w+)\}/g, function (m, k) {
      if (k === undefined) { return m.charAt(0); }
      return values[k] === undefined ? m : values[k];
    });
  }

  /* Spreadsheet formula guard, the same rule as geo4mi's Python CSV writers (geo4mi.io):
   * a text cell that starts with "=", "+", "-", "@", a tab or a carriage return gets a
   * leading apostrophe, so a spreadsheet shows it as text instead of running it. Numbers
   * are written as numbers. */
  var FORMULA_START = /^[=+\-@\t\r]/;

  function csvCell(v) {
    if (typeof v === "number") { return String(v); }
    var s = String(v);
    if (FORMULA_START.test(s)) { s = "'" + s; }
    return /[",;\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

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
      out.cls = Math.floor(code / Math.pow(10, SCHEME_DIGIT[scheme])) % 10;
      out.wide = (flags & 1) === 1;
      out.above = (flags & 2) === 2;
      out.below = (flags & 4) === 4;
    }
    return out;
  }

  /* Numbers in the page's language (its decimal separator and digit grouping): set by
   * init from the data's "lang"; the CSV keeps plain numbers for spreadsheets. */
  var LANG = "en";
  var formats = {};
  function num(v, decimals) {
    var d = decimals || 0;
    if (!formats[d]) {
      try {
        formats[d] = new Intl.NumberFormat(LANG, { minimumFractionDigits: d,
                                                   maximumFractionDigits: d });
      } catch (e) {
        formats[d] = { format: function (x) { return Number(x).toFixed(d); } };
      }
    }
    return formats[d].format(v);
  }
  function pct(v) { return num(v) + " %"; }
  function range(lo, hi) { return num(lo) + "–" + num(hi) + " %"; }

  /* Text folded for search: no accents, no case ("Educación" finds "educacion"). */
  function fold(s) {
    s = String(s);
    if (s.normalize) { s = s.normalize("NFD").replace(/[\u0300-\u036f]/g, ""); }
    return s.toLowerCase();
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

  /* The indicator finder: words typed in the box (accents and case ignored) narrow the
   * indicator list to those whose label, question or theme holds every word; the options
   * are the page's own, re-attached in their order. When nothing matches, the current
   * indicator stays the only option and the count says so. */
  function finder(select, input, countEl, data, T, changed) {
    var groups = [];
    function entry(option, theme) {
      var ind = data.indicators[+option.value];
      var q = ind.q === undefined ? "" : data.questions[ind.q];
      return { node: option, text: fold(option.textContent + " " + q + " " + theme) };
    }
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
    function apply() {
      var words = fold(input.value).split(/\s+/).filter(function (w) { return w !== ""; });
      var current = select.value, shown = 0, first = null, keep = null;
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
          shown++;
          if (first === null) { first = hits[b].node.value; }
          if (hits[b].node.value === current) { keep = current; }
        }
      }
      if (!shown) {  // keep the indicator on show selectable
        for (a = 0; a < groups.length; a++) {
          for (b = 0; b < groups[a].options.length; b++) {
            if (groups[a].options[b].node.value === current) {
              select.appendChild(groups[a].options[b].node);
            }
          }
        }
      }
      select.value = keep !== null || !shown ? current : first;
      countEl.textContent = !words.length ? "" : shown
        ? fill(T.find_count, { shown: num(shown), total: num(data.indicators.length) })
        : T.find_none;
      if (select.value !== current) { changed(); }
    }
    input.addEventListener("input", apply);
    return apply;
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

  /* A legend swatch; `outline` is [colour, width, dash array] for the wide-interval entry. */
  function swatch(fillColour, opacity, outline, edge) {
    var svg = svgEl("svg", { "class": "g4c-swatch", width: 22, height: 14, "aria-hidden": "true" });
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
    if (query.addEventListener) { query.addEventListener("change", place); }
    else if (query.addListener) { query.addListener(place); }
  }

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

  function printFit(map, bounds) {
    var saved = null;
    var box = map.getContainer();
    var px = 96 / 25.4;
    function enter() {
      if (saved) { return; }
      saved = { center: map.getCenter(), zoom: map.getZoom() };
      box.style.width = Math.round(pageSetup.map[0] * px) + "px";
      box.style.height = Math.round(pageSetup.map[1] * px) + "px";
      map.invalidateSize({ animate: false, pan: false });
      map.fitBounds(bounds, { padding: [6, 6], animate: false });
    }
    function leave() {
      if (!saved) { return; }
      box.style.width = ""; box.style.height = "";
      map.invalidateSize({ animate: false, pan: false });
      map.setView(saved.center, saved.zoom, { animate: false });
      saved = null;
    }
    window.addEventListener("beforeprint", enter);
    window.addEventListener("afterprint", leave);
    if (window.matchMedia) {
      var query = window.matchMedia("print");
      var change = function () { if (query.matches) { enter(); } else { leave(); } };
      if (query.addEventListener) { query.addEventListener("change", change); }
      else if (query.addListener) { query.addListener(change); }
    }
  }

  /* The current view as a PNG, drawn in the page (no network, no library): the title, the
   * map (its SVG serialised with the patterns it uses, or the canvas layer as it is), the
   * legend drawn from the same colours and words, then the caveat and the source. Calls
   * done(blob) or done(null) when the browser cannot make it. */
  function drawPng(map, legendDiv, style, patterns, done) {
    var scale = 2, width = 1200, pad = 16;
    var box = map.getContainer(), mapRect = box.getBoundingClientRect();
    var mapW = Math.round(mapRect.width), mapH = Math.round(mapRect.height);
    var fit = Math.min(1, (width - 2 * pad - 300) / mapW);
    var drawnW = Math.round(mapW * fit), drawnH = Math.round(mapH * fit);
    var font = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
    function textOf(sel) { var n = document.querySelector(sel); return n ? n.textContent : ""; }
    var title = textOf(".g4c-title"), banner = textOf(".g4c-banner");
    var caveat = textOf(".g4c-caveat"), universe = textOf("#g4c-universe");
    var notes = [];
    var ps = document.querySelectorAll(".g4c-notes p");
    for (var k = 0; k < ps.length; k++) { notes.push(ps[k].textContent); }
    var measure = document.createElement("canvas").getContext("2d");
    function wrap(text, size, maxWidth, weight) {
      measure.font = (weight || "") + " " + size + "px " + font;
      var words = String(text).split(/\s+/), lines = [], line = "";
      for (var w = 0; w < words.length; w++) {
        var next = line ? line + " " + words[w] : words[w];
        if (line && measure.measureText(next).width > maxWidth) { lines.push(line); line = words[w]; }
        else { line = next; }
      }
      if (line) { lines.push(line); }
      return lines;
    }
    var head = [], tail = [];
    head.push({ lines: wrap(title, 22, width - 2 * pad, "bold"), size: 22, weight: "bold" });
    if (banner) { head.push({ lines: wrap(banner, 14, width - 2 * pad, "bold"), size: 14, weight: "bold", colour: "#7c2d12" }); }
    head.push({ lines: wrap(caveat, 13, width - 2 * pad), size: 13 });
    if (universe) { head.push({ lines: wrap(universe, 13, width - 2 * pad), size: 13 }); }
    for (k = 0; k < notes.length; k++) { tail.push({ lines: wrap(notes[k], 12, width - 2 * pad), size: 12 }); }
    function blockHeight(blocks) {
      var h = 0;
      for (var b = 0; b < blocks.length; b++) { h += blocks[b].lines.length * blocks[b].size * 1.35 + 4; }
      return h;
    }
    var items = legendDiv.querySelectorAll("li");
    var legendLines = [];
    var lt = legendDiv.querySelector(".g4c-legend-title");
    var ls = legendDiv.querySelector(".g4c-legend-sub");
    var lu = legendDiv.querySelector(".g4c-legend-units");
    if (lt) { legendLines = legendLines.concat(wrap(lt.textContent, 14, 280, "bold")); }
    var sub = [];
    if (ls) { sub = sub.concat(wrap(ls.textContent, 12, 280)); }
    if (lu) { sub = sub.concat(wrap(lu.textContent, 12, 280)); }
    var itemLines = [], itemsH = 0;
    for (k = 0; k < items.length; k++) {
      itemLines.push(wrap(items[k].textContent, 13, 250));
      itemsH += Math.max(24, itemLines[k].length * 17 + 7);
    }
    var legendH = legendLines.length * 19 + sub.length * 16 + itemsH + 10;
    var headH = blockHeight(head), tailH = blockHeight(tail);
    var height = Math.ceil(pad + headH + Math.max(drawnH, legendH) + 10 + tailH + pad);
    var canvas = document.createElement("canvas");
    canvas.width = width * scale; canvas.height = height * scale;
    var ctx = canvas.getContext("2d");
    ctx.scale(scale, scale);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, width, height);
    ctx.textBaseline = "top";
    function writeBlocks(blocks, y) {
      for (var b = 0; b < blocks.length; b++) {
        ctx.font = (blocks[b].weight || "") + " " + blocks[b].size + "px " + font;
        ctx.fillStyle = blocks[b].colour || "#1d1d1d";
        for (var l = 0; l < blocks[b].lines.length; l++) {
          ctx.fillText(blocks[b].lines[l], pad, y);
          y += blocks[b].size * 1.35;
        }
        y += 4;
      }
      return y;
    }
    var y = writeBlocks(head, pad);
    var mapTop = y;
    // the legend, right of the map
    var lx = pad + drawnW + 20, ly = mapTop;
    ctx.fillStyle = "#1d1d1d";
    ctx.font = "bold 14px " + font;
    for (k = 0; k < legendLines.length; k++) { ctx.fillText(legendLines[k], lx, ly); ly += 19; }
    ctx.font = "12px " + font;
    ctx.fillStyle = "#3b3b3b";
    for (k = 0; k < sub.length; k++) { ctx.fillText(sub[k], lx, ly); ly += 16; }
    ly += 6;
    for (k = 0; k < items.length; k++) {
      var li = items[k], rect = li.querySelector("rect:last-child");
      var fillAttr = rect ? rect.getAttribute("fill") : "none";
      var fillStyle = fillAttr.indexOf("g4c-hatch") >= 0 ? patterns.hatch
        : fillAttr.indexOf("g4c-dots") >= 0 ? patterns.dots : fillAttr;
      if (li.classList.contains("g4c-legend-wide")) {
        ctx.fillStyle = "#ffffff"; ctx.fillRect(lx, ly, 22, 14);
        ctx.strokeStyle = "#000000"; ctx.lineWidth = 4; ctx.setLineDash([]);
        ctx.strokeRect(lx, ly, 22, 14);
        ctx.strokeStyle = style.wide[0]; ctx.lineWidth = 2;
        ctx.setLineDash(String(style.wide[2]).split(" ").map(Number));
        ctx.strokeRect(lx, ly, 22, 14);
        ctx.setLineDash([]);
      } else {
        ctx.fillStyle = fillStyle; ctx.fillRect(lx, ly, 22, 14);
        ctx.strokeStyle = rect ? rect.getAttribute("stroke") : "#404040"; ctx.lineWidth = 1;
        ctx.strokeRect(lx + 0.5, ly + 0.5, 21, 13);
      }
      ctx.fillStyle = "#1d1d1d";
      ctx.font = "13px " + font;
      for (var m = 0; m < itemLines[k].length; m++) {
        ctx.fillText(itemLines[k][m], lx + 30, ly + m * 17);
      }
      ly += Math.max(24, itemLines[k].length * 17 + 7);
    }
    function finish() {
      ctx.strokeStyle = "#999999"; ctx.lineWidth = 1;
      ctx.strokeRect(pad + 0.5, mapTop + 0.5, drawnW - 1, drawnH - 1);
      writeBlocks(tail, mapTop + Math.max(drawnH, legendH) + 10);
      try {
        if (canvas.toBlob) { canvas.toBlob(function (blob) { done(blob); }, "image/png"); }
        else { done(null); }
      } catch (e) { done(null); }
    }
    ctx.fillStyle = "#f4f4f2";
    ctx.fillRect(pad, mapTop, drawnW, drawnH);
    var layerCanvas = box.querySelector(".leaflet-overlay-pane canvas");
    var svg = box.querySelector(".leaflet-overlay-pane svg");
    if (layerCanvas) {
      var r = layerCanvas.getBoundingClientRect();
      ctx.drawImage(layerCanvas, pad + (r.left - mapRect.left) * fit, mapTop + (r.top - mapRect.top) * fit,
                    r.width * fit, r.height * fit);
      finish();
      return;
    }
    if (!svg) { finish(); return; }
    var sr = svg.getBoundingClientRect();
    var copy = svg.cloneNode(true);
    copy.setAttribute("xmlns", SVG_NS);
    copy.setAttribute("width", String(sr.width));
    copy.setAttribute("height", String(sr.height));
    copy.removeAttribute("style");
    var defs = document.querySelector(".g4c-defs defs");
    if (defs) { copy.insertBefore(defs.cloneNode(true), copy.firstChild); }
    // the white dashes of a wide interval have their halo from CSS, which a picture lacks
    var wide = copy.querySelectorAll("path.g4c-wide");
    for (k = 0; k < wide.length; k++) { wide[k].setAttribute("stroke", "#000000"); }
    var image = new Image();
    image.onload = function () {
      ctx.save();
      ctx.beginPath();
      ctx.rect(pad, mapTop, drawnW, drawnH);
      ctx.clip();
      ctx.drawImage(image, pad + (sr.left - mapRect.left) * fit, mapTop + (sr.top - mapRect.top) * fit,
                    sr.width * fit, sr.height * fit);
      ctx.restore();
      finish();
    };
    image.onerror = function () { done(null); };
    image.src = "data:image/svg+xml;charset=utf-8," +
      encodeURIComponent(new XMLSerializer().serializeToString(copy));
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
    var raw = atob(packed), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }

  function init(map, data) {
    if (data.z !== undefined) {  // draw once the packed part is inflated back into data
      return inflate(data.z).then(function (bulk) {
        delete data.z;
        for (var key in bulk) { data[key] = bulk[key]; }
        return init(map, data);
      });
    }
    LANG = data.lang || "en";
    formats = {};
    // metric only: a scale bar in miles means nothing to the maps' readers
    L.control.scale({ imperial: false }).addTo(map);
    // the links to the other languages keep the current view (the "#" part)
    var langs = document.querySelectorAll(".g4c-langs a");
    for (var li = 0; li < langs.length; li++) {
      langs[li].addEventListener("click", function () {
        this.href = this.getAttribute("href").split("#")[0] + window.location.hash;
      });
    }
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
    // the scheme the reader asked for; shown when the view publishes enough units
    var state = { wanted: sel.scheme.value };
    patternDefs(style);

    var layers = [];
    var canvas = data.areas.length > CANVAS_ABOVE;
    var patterns = canvas ? canvasPatterns(style) : null;
    var hatchFill = canvas ? patterns.hatch : "url(#" + HATCH_ID + ")";
    var dotsFill = canvas ? patterns.dots : "url(#" + DOTS_ID + ")";
    var geo = L.geoJSON(data.geometry, {
      renderer: canvas ? L.canvas({ padding: 0.1 }) : undefined,
      style: function () { return { color: style.edge, weight: 1, fillOpacity: style.opacity }; },
      onEachFeature: function (feature, layer) {
        layer.g4cIndex = layers.length;
        layers.push(layer);
        layer.bindTooltip(function (l) { return tooltip(l.g4cIndex); },
                          { sticky: true, className: "g4c-tooltip" });
        layer.on("mouseover", function () {
          layer.setStyle({ weight: layer.g4cWeight + 2 }); layer.bringToFront();
        });
        layer.on("mouseout", function () { layer.setStyle({ weight: layer.g4cWeight }); });
        layer.on("click", function (e) { layer.openTooltip(e.latlng); });
      }
    }).addTo(map);
    // no tiles to keep sharp, so the zoom may be fractional: the city fills the map
    map.options.zoomSnap = 0.25;
    map.fitBounds(geo.getBounds(), { padding: [8, 8], animate: false });
    for (i = 0; i < layers.length; i++) { focusable(layers[i]); }
    map.attributionControl.addAttribution(textHtml(T.attribution || ""));

    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "g4c-legend");
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    legend.addTo(map);
    var legendDiv = legend.getContainer();
    placeLegend(map, legendDiv);
    printFit(map, geo.getBounds());
    var pageSel = document.getElementById("g4c-page");
    if (pageSel) {
      pageSel.addEventListener("change", function () { setPage(pageSel.value); });
      document.getElementById("g4c-print").addEventListener("click", function () {
        setPage(pageSel.value);
        window.print();
      });
      document.getElementById("g4c-png").addEventListener("click", function () { downloadPng(); });
    }

    /* Save the current view as a PNG (drawPng); the file is named like the CSV. */
    function downloadPng(callback) {
      drawPng(map, legendDiv, style, patterns || canvasPatterns(style), function (blob) {
        if (!blob) {
          document.getElementById("g4c-live").textContent = T.png_failed;
          if (callback) { callback(null); }
          return;
        }
        var link = el("a");
        link.href = URL.createObjectURL(blob);
        link.download = document.getElementById("g4c-csv").getAttribute("download")
          .replace(/\.csv$/, "") + "_" + T.png_file + ".png";
        document.body.appendChild(link);
        link.click();
        document.body.removeChild(link);
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
        if (callback) { callback(blob); }
      });
    }

    /* Each area is reachable with Tab in every browser (Chromium focuses SVG paths on its
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
      el.addEventListener("blur", function () {
        layer.setStyle({ weight: layer.g4cWeight, color: layer.g4cColour });
      });
    }

    function summary(areaIndex) {
      var c = cellFor(areaIndex);
      var name = data.areas[areaIndex].name;
      if (c.status === "no_data") { return name + ": " + T.no_interviews; }
      var parts = c.status === "ok"
        ? [T.value + ": " + pct(c.p), T.ci95 + ": " + range(c.lo, c.hi)] : [suppressedText(c)];
      if (c.n !== undefined) { parts.push(T.n + ": " + num(c.n)); }
      return name + ": " + parts.join("; ");
    }

    function cellFor(areaIndex) {
      var col = colOf[areaIndex];
      return decode(col < 0 ? 0 : state.cells[col], state.scheme);
    }

    function breaksOf(row, scheme) {
      var b = scheme === "fixed" ? 0 : row[SCHEME_BREAKS[scheme]];
      return b === 0 ? data.fixed : b;
    }

    function colourFor(c) {
      return state.palette[Math.min(c.cls, state.palette.length - 1)];
    }

    /* A wide interval keeps its class colour and gets a dashed outline (never a paler fill,
     * which would read as the class below). */
    function styleFor(c) {
      var out = { color: style.edge, weight: 1, dashArray: null, fillOpacity: 1 };
      if (c.status === "no_data") { out.fillColor = dotsFill; }
      else if (c.status === "suppressed") { out.fillColor = hatchFill; }
      else {
        out.fillColor = colourFor(c);
        out.fillOpacity = style.opacity;
        out.color = edgeOn(out.fillColor, style);  // a dark class keeps visible edges
        if (c.wide) {
          // canvas has no CSS halo for the white dashes: black dashes there
          out.color = canvas ? "#000000" : style.wide[0];
          out.weight = style.wide[1]; out.dashArray = style.wide[2];
        }
      }
      return out;
    }

    function cityText() {
      var c = decode(state.row[0], state.scheme);
      if (c.status === "ok") {
        return fill(T.city_value, { value: pct(c.p) + " (" + T.ci95 + ": " + range(c.lo, c.hi) + ")" });
      }
      if (c.status === "suppressed") { return T.city_suppressed; }
      return T.city_wide + ": " + T.no_interviews_n;
    }

    /* Suppressed because small, or only so that a small one elsewhere cannot be worked out
     * (geo4mi.indicators.suppression; the reason travels in the cell, never n). */
    function suppressedText(c) {
      return c.small ? T.suppressed : T.suppressed_complementary;
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

    /* The tooltip as DOM nodes (Leaflet's bindTooltip takes an HTMLElement). */
    function tooltip(areaIndex) {
      var c = cellFor(areaIndex);
      var tip = el("div", "g4c-tip");
      tip.appendChild(el("strong", "", data.areas[areaIndex].name));
      if (c.status === "ok") {
        var value = el("div", "g4c-tip-value", T.value + ": ");
        value.appendChild(el("b", "", pct(c.p)));
        tip.appendChild(value);
        tip.appendChild(el("div", "", T.ci95 + ": " + range(c.lo, c.hi)));
      }
      if (c.status === "ok") { tip.appendChild(el("div", "g4c-tip-n", T.n + ": " + num(c.n))); }
      tip.appendChild(el("div", "g4c-tip-city", cityText()));
      var ns = notes(c);
      for (var k = 0; k < ns.length; k++) { tip.appendChild(el("div", "g4c-tip-note", ns[k])); }
      return tip;
    }

    function renderLegend(ind, group, breaks, fellBack, complementary) {
      legendDiv.textContent = "";
      legendDiv.appendChild(el("div", "g4c-legend-title", ind.label));
      legendDiv.appendChild(el("div", "g4c-legend-sub", group.label));
      legendDiv.appendChild(el("div", "g4c-legend-units", T.units + " · " + T[ind.direction]));
      var list = el("ul");
      var decimals = 0;
      for (var k = 1; k < breaks.length; k++) {
        if (Math.round(breaks[k] / 10) === Math.round(breaks[k - 1] / 10)) { decimals = 1; }
      }
      var lower = 0;
      for (k = 0; k < breaks.length; k++) {
        var upper = breaks[k] / 10;
        list.appendChild(legendItem("", k, swatch(state.palette[k], style.opacity, null,
                                                  edgeOn(state.palette[k], style)),
          num(lower, lower === 0 ? 0 : decimals) + "–" + num(upper, decimals) + " %"));
        lower = upper;
      }
      var hatch = "url(#" + HATCH_ID + ")";
      list.appendChild(legendItem("g4c-legend-wide", null, swatch("none", 1, style.wide),
                                  T.legend_wide));
      list.appendChild(legendItem("g4c-legend-nodata", null, swatch("url(#" + DOTS_ID + ")", 1),
                                  T.no_interviews));
      list.appendChild(legendItem("g4c-legend-suppressed", null, swatch(hatch, 1), T.suppressed));
      if (complementary) {
        list.appendChild(legendItem("g4c-legend-complementary", null, swatch(hatch, 1),
                                    T.suppressed_complementary));
      }
      legendDiv.appendChild(list);
      if (fellBack) { legendDiv.appendChild(el("p", "g4c-legend-note", T.fallback_fixed)); }
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
      body.textContent = "";
      for (var k = 0; k < rows.length; k++) {
        var r = rows[k], c = r.c;
        var ok = c.status === "ok";
        var tr = el("tr", r.city ? "g4c-city" : "");
        tr.setAttribute("data-status", c.status);
        var th = el("th", "", r.name);
        th.setAttribute("scope", "row");
        tr.appendChild(th);
        tr.appendChild(el("td", "", ok ? pct(c.p) : "—"));
        tr.appendChild(el("td", "", ok ? range(c.lo, c.hi) : "—"));
        tr.appendChild(el("td", "", c.n === undefined ? "—" : num(c.n)));
        tr.appendChild(el("td", "", notes(c).join(" ")));
        body.appendChild(tr);
      }
    }

    function updateCsv(rows, ind, group) {
      var lines = [T.csv_header + (data.synthetic ? "," + T.csv_note : "")];
      for (var k = 0; k < rows.length; k++) {
        var r = rows[k], c = r.c, ok = c.status === "ok";
        var status = ok ? "ok" : c.status === "suppressed" ? T.csv_suppressed : T.csv_no_data;
        var cells = [r.city ? "_city" : r.id, r.name, ok ? c.p : "", ok ? c.lo : "",
                     ok ? c.hi : "", c.n === undefined ? "" : c.n, status];
        if (data.synthetic) { cells.push(T.synthetic); }
        lines.push(cells.map(csvCell).join(","));
      }
      var link = document.getElementById("g4c-csv");
      link.href = "data:text/csv;charset=utf-8," + encodeURIComponent("\ufeff" + lines.join("\r\n") + "\r\n");
      link.setAttribute("download", ind.id + "_" + (group.var === "all" ? "all" : group.var + "-" + group.value) +
                        "_" + T.csv_file + (data.synthetic ? "_synthetic" : "") + ".csv");
    }

    /* Groups defined by the indicator's own question are greyed out (and "all" shown
     * instead when one was selected); the note under the select says why. */
    function offerGroups(ind) {
      var skip = ind.skip || [], any = false;
      for (var k = 0; k < sel.group.options.length; k++) {
        var option = sel.group.options[k];
        var off = skip.indexOf(data.groups[+option.value].var) >= 0;
        option.disabled = off;
        any = any || off;
      }
      if (sel.group.selectedIndex < 0 || sel.group.options[sel.group.selectedIndex].disabled) {
        sel.group.value = "0";  // all respondents
      }
      document.getElementById("g4c-group-note").textContent = any ? T.group_same_question : "";
    }

    /* Quantiles and natural breaks only when the view publishes data.min_units values
     * (geo4mi.webmap.choropleth.MIN_UNITS_FOR_SCHEMES); else fixed steps and a note. */
    function offerSchemes(cells) {
      var published = 0;
      for (var k = 0; k < cells.length; k++) { if (typeof cells[k] !== "number") { published++; } }
      var enough = published >= data.min_units;
      for (k = 0; k < sel.scheme.options.length; k++) {
        var option = sel.scheme.options[k];
        option.disabled = !enough && option.value !== "fixed";
      }
      sel.scheme.value = enough ? state.wanted : "fixed";
      document.getElementById("g4c-scheme-note").textContent = enough ? "" :
        fill(T.schemes_too_few, { min: num(data.min_units), count: num(published) });
    }

    function update() {
      var ii = +sel.indicator.value;
      var ind = data.indicators[ii];
      offerGroups(ind);
      var gi = +sel.group.value, group = data.groups[gi];
      state.row = data.v[ii][gi];
      state.cells = unpack(state.row[1], data.cols.length);
      offerSchemes(state.cells);
      state.scheme = sel.scheme.value;
      document.getElementById("g4c-question").textContent =
        ind.q === undefined ? "" : fill(T.question, { question: data.questions[ind.q] });
      var breaks = breaksOf(state.row, state.scheme);
      var fellBack = state.scheme !== "fixed" && state.row[SCHEME_BREAKS[state.scheme]] === 0;
      state.palette = data.palettes[ind.direction][breaks.length - 1];
      var complementary = false;
      var wide = [];  // drawn last, so that no neighbour's edge covers their dashed outline
      for (var k = 0; k < layers.length; k++) {
        var c = cellFor(k);
        if (c.status === "suppressed" && !c.small) { complementary = true; }
        var look = styleFor(c);
        layers[k].setStyle(look);
        layers[k].g4cWeight = look.weight;
        layers[k].g4cColour = look.color;
        if (c.status === "ok" && c.wide) { wide.push(layers[k]); }
        var el = layers[k].getElement && layers[k].getElement();
        if (el) {
          el.setAttribute("data-status", c.status);
          el.setAttribute("data-area", data.areas[k].id);
          if (c.status === "ok") { el.setAttribute("data-class", c.cls); } else { el.removeAttribute("data-class"); }
          el.classList.toggle("g4c-wide", c.status === "ok" && !!c.wide);
          el.setAttribute("aria-label", summary(k));
        }
        if (layers[k].isTooltipOpen()) { layers[k].setTooltipContent(tooltip(k)); }
      }
      for (k = 0; k < wide.length; k++) { wide[k].bringToFront(); }
      renderLegend(ind, group, breaks, fellBack, complementary);
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

    /* #indicator/group_var:value/scheme, each part URI-encoded (codes may hold "/"). */
    function fromHash() {
      var parts = location.hash.slice(1).split("/");
      if (parts.length !== 3) { return; }
      try {
        parts = parts.map(decodeURIComponent);
      } catch (e) { return; }  // a malformed link: keep the default view
      for (var k = 0; k < data.indicators.length; k++) {
        if (data.indicators[k].id === parts[0]) { sel.indicator.value = String(k); }
      }
      for (k = 0; k < data.groups.length; k++) {
        if (data.groups[k].var + ":" + data.groups[k].value === parts[1]) { sel.group.value = String(k); }
      }
      if (Object.prototype.hasOwnProperty.call(SCHEME_DIGIT, parts[2])) {
        sel.scheme.value = parts[2];
        state.wanted = parts[2];
      }
    }

    fromHash();
    sel.indicator.addEventListener("change", update);
    sel.group.addEventListener("change", update);
    sel.scheme.addEventListener("change", function () {
      state.wanted = sel.scheme.value;
      update();
    });
    var filter = finder(sel.indicator, document.getElementById("g4c-find"),
                        document.getElementById("g4c-find-count"), data, T, update);
    update();
    var api = { update: update, layer: geo, data: data, state: state, filter: filter,
                setPage: setPage, downloadPng: downloadPng, num: num };
    geo4miChoropleth.current = api;
    return api;
  }

  return { init: init, decode: decode, unpack: unpack };
}());
