/*
 * geo4mi page helpers, shared by the choropleth, the site map and the orientation layers.
 * Written for geo4mi (MIT licence); plain ES5, no dependencies, works from file://.
 *
 * Inlined before each map's own script (geo4mi.webmap.assets.common_script) and exposed as
 * `geo4miCommon` (also `geo4mi.common`), so the browser tests can call every helper directly.
 * It also makes the page's one namespace, `geo4mi`: each map script adds its modules to it
 * (`geo4mi.choropleth.data`, `geo4mi.sites.geojson`, ...), small units whose pure helpers
 * the browser tests call one by one.
 *
 * The helpers that draw on a map (the areas layer, a box in a corner, the printed size) use
 * Leaflet, which the page inlines before this file; they are called only once a map exists.
 *
 * Text from outside the project (names, labels, notes) reaches the page only through these
 * builders: DOM nodes with textContent / setAttribute, never parsed as HTML.
 */
var geo4mi = window.geo4mi || {};
window.geo4mi = geo4mi;

var geo4miCommon = (function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";

  function has(obj, key) { return Object.prototype.hasOwnProperty.call(obj, key); }

  /* -- text and DOM -------------------------------------------------------------------- */

  /* An element: attrs "text" is its textContent, "class" its class, any other key an
   * attribute (as text); children are nodes or strings (text nodes). */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    var a = attrs || {};
    for (var key in a) {
      if (!has(a, key) || a[key] === undefined || a[key] === null) { continue; }
      if (key === "text") { node.textContent = String(a[key]); }
      else { node.setAttribute(key, String(a[key])); }
    }
    appendAll(node, children);
    return node;
  }

  /* The short form: el(tag, {class: className, text: text}). */
  function textEl(tag, className, text) {
    return el(tag, { "class": className || null, text: text });
  }

  function appendAll(node, children) {
    var list = children || [];
    for (var k = 0; k < list.length; k++) {
      var child = list[k];
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  /* An SVG element with its attributes (as text). */
  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    for (var key in attrs) {
      if (has(attrs, key)) { node.setAttribute(key, String(attrs[key])); }
    }
    return node;
  }

  /* Remove every child of a node. */
  function empty(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
    return node;
  }

  /* Text as HTML, for the Leaflet APIs that only take HTML (layer names in the layer
   * control, the attribution): the browser escapes it. */
  function textHtml(s) {
    var box = document.createElement("div");
    box.textContent = String(s);
    return box.innerHTML;
  }

  /* One pass: "{{" and "}}" are literal braces (a study word such as "{n}" arrives as
   * "{{n}}", geo4mi.i18n.template), "{name}" takes values[name] (as text); a name without
   * a value stays as it is. */
  function fill(template, values) {
    return String(template).replace(/\{\{|\}\}|\{(\w+)\}/g, function (m, key) {
      if (key === undefined) { return m.charAt(0); }
      return has(values, key) && values[key] !== undefined ? String(values[key]) : m;
    });
  }

  /* Text folded for search: no accents, no case, single spaces ("São  Tomé" -> "sao tome"). */
  function fold(s) {
    s = String(s);
    if (s.normalize) { s = s.normalize("NFD").replace(/[\u0300-\u036f]/g, ""); }
    return s.toLowerCase().replace(/\s+/g, " ").trim();
  }

  /* -- numbers in the page's language ----------------------------------------------------- */

  /* The page's language (<html lang>, set by geo4mi.webmap.assets.OfflineFigure). */
  function pageLang() {
    return (document.documentElement && document.documentElement.lang) || "en";
  }

  var formatters = {};
  function formatter(lang, decimals, grouping) {
    var key = lang + "|" + decimals + "|" + grouping;
    if (!formatters[key]) {
      var options = { minimumFractionDigits: decimals, maximumFractionDigits: decimals,
                      useGrouping: grouping };
      try { formatters[key] = new Intl.NumberFormat(lang, options); }
      catch (e) { formatters[key] = new Intl.NumberFormat("en", options); }  // a bad tag
    }
    return formatters[key];
  }

  /* Formatting of numbers for people in one language (Intl.NumberFormat: its decimal
   * separator and digit grouping). Percentages keep geo4mi's style, a space before "%"
   * in every language, as the figures and tables write them. */
  function numbers(lang) {
    var tag = lang || pageLang();
    function decimal(v, decimals) { return formatter(tag, decimals || 0, true).format(v); }
    function percent(v, decimals) { return decimal(v, decimals) + " %"; }
    return {
      lang: tag,
      decimal: decimal,
      integer: function (v) { return decimal(Math.round(v), 0); },
      percent: percent,
      /* "12–34 %": an interval of percentages. */
      range: function (lo, hi, decimals) {
        return decimal(lo, decimals) + "–" + decimal(hi, decimals) + " %";
      }
    };
  }

  /* A coordinate as GPS apps and spreadsheets read it: "." and no grouping in every
   * language (a decimal comma would read as the separator between latitude and longitude). */
  function coordinate(v, decimals) {
    return formatter("en", decimals === undefined ? 5 : decimals, false).format(v);
  }

  /* -- downloads and storage -------------------------------------------------------------- */

  /* Spreadsheet formula guard, the same rule as geo4mi's Python CSV writers (geo4mi.io): a
   * text cell that starts with "=", "+", "-", "@", a tab or a carriage return gets a leading
   * apostrophe, so a spreadsheet shows it as text instead of running it. Numbers are written
   * as plain machine numbers (".", no grouping). */
  var FORMULA_START = /^[=+\-@\t\r]/;
  function csvCell(v) {
    if (typeof v === "number") { return String(v); }
    var s = String(v);
    if (FORMULA_START.test(s)) { s = "'" + s; }
    return /[",;\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  /* A CSV file (rows of cells) as a data: URI, UTF-8 with a BOM and CRLF line ends. */
  function csvHref(lines) {
    return "data:text/csv;charset=utf-8," +
      encodeURIComponent("\ufeff" + lines.join("\r\n") + "\r\n");
  }

  /* Save a Blob as a file named `name` (a link clicked for the reader). */
  function downloadBlob(blob, name) {
    var url = URL.createObjectURL(blob);
    var link = el("a", { href: url, download: name });
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    return url;
  }

  /* localStorage, or nothing when the browser refuses it (private mode, file:// policy). */
  function readStorage(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function writeStorage(key, value) {
    try {
      if (value === null) { window.localStorage.removeItem(key); }
      else { window.localStorage.setItem(key, value); }
    } catch (e) { /* storage unavailable: nothing kept */ }
  }

  /* -- the window ------------------------------------------------------------------------- */

  /* A phone-sized window (the style sheets use the same width). */
  function isNarrow() {
    return !!(window.matchMedia && window.matchMedia("(max-width: 600px)").matches);
  }

  /* Call fn whenever a media query starts or stops matching (old and new browsers). */
  function onMediaChange(query, fn) {
    if (query.addEventListener) { query.addEventListener("change", fn); }
    else if (query.addListener) { query.addListener(fn); }
  }

  /* -- the map: areas, a box in a corner, printing -------------------------------------- */

  /* Metric scale bar (a scale in miles means nothing to the maps' readers) and fractional
   * zoom (no tiles to keep sharp: the city fills the map). */
  function metricMap(map) {
    L.control.scale({ imperial: false }).addTo(map);
    map.options.zoomSnap = 0.25;
  }

  /* The bounds of a GeoJSON object's coordinates (a FeatureCollection, Feature or geometry;
   * null geometries skipped): what L.geoJSON(geojson).getBounds() gives, without making a
   * layer of it, so a map can be fitted before its areas are drawn (drawn once, at the view
   * they are seen at, not projected again for the fit: thousands of areas). */
  function geoBounds(geojson) {
    var s = Infinity, w = Infinity, n = -Infinity, e = -Infinity;
    function walk(c) {
      if (typeof c[0] === "number") {
        if (c[1] < s) { s = c[1]; }
        if (c[1] > n) { n = c[1]; }
        if (c[0] < w) { w = c[0]; }
        if (c[0] > e) { e = c[0]; }
        return;
      }
      for (var k = 0; k < c.length; k++) { walk(c[k]); }
    }
    var items = geojson.features || [geojson];
    for (var k = 0; k < items.length; k++) {
      var g = items[k].type === "Feature" ? items[k].geometry : items[k];
      if (g && g.coordinates) { walk(g.coordinates); }
    }
    return L.latLngBounds([s, w], [n, e]);
  }

  /* One GeoJSON layer of areas, added to the map: o.style(feature) their style, o.each(feature,
   * layer, index) binds what each area shows; hovering thickens its edge by 2 px over
   * o.weight(index) (default 1), and o.raise brings it to the front; o.renderer when given;
   * o.tooltip(index), when given, is the content of one tooltip (options o.tooltipOptions)
   * shown for whichever area the pointer is on. The hover and the tooltip listen on the
   * layer, once, not on each area: thousands of areas each had their listeners and their
   * tooltip made as the map opened. Each area's index is its layer's g4Index. */
  function areaLayer(map, geojson, o) {
    var count = 0;
    var weight = o.weight || function () { return 1; };
    var options = {
      style: o.style,
      onEachFeature: function (feature, layer) {
        layer.g4Index = count++;
        o.each(feature, layer, layer.g4Index);
      }
    };
    if (o.renderer) { options.renderer = o.renderer; }
    var group = L.geoJSON(geojson, options);
    group.on("mouseover", function (e) {
      e.layer.setStyle({ weight: weight(e.layer.g4Index) + 2 });
      if (o.raise) { e.layer.bringToFront(); }
    });
    group.on("mouseout", function (e) { e.layer.setStyle({ weight: weight(e.layer.g4Index) }); });
    if (o.tooltip) {
      group.bindTooltip(function (layer) { return o.tooltip(layer.g4Index); }, o.tooltipOptions);
    }
    return group.addTo(map);
  }

  /* A box in a corner of the map (a Leaflet control): o.position, o.className; fill(div)
   * puts its content in. Scrolling over it never zooms the map; clicks stay in it unless
   * fill returns true (they then reach the map too). Returns the box. */
  function cornerBox(map, o, fill) {
    var control = L.control({ position: o.position || "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", o.className);
      var passClicks = fill ? fill(div) === true : false;
      if (!passClicks) { L.DomEvent.disableClickPropagation(div); }
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    return control.getContainer();
  }

  /* Printing: the map takes a fixed size in millimetres (o.size(): [width, height]) and
   * o.bounds is fitted into it (o.fit: fitBounds options), whatever the window's size; the
   * view on screen comes back afterwards. Chromium may lay out for print without resizing
   * the window, so the size is set in pixels before the fit. o.skip() true: not this print;
   * o.enter(saved) / o.leave(saved) run first on the way in / out, o.entered() / o.left()
   * last. */
  function printSize(map, o) {
    var box = map.getContainer(), px = 96 / 25.4, saved = null;
    function enter() {
      if (saved || (o.skip && o.skip())) { return; }
      saved = { center: map.getCenter(), zoom: map.getZoom() };
      if (o.enter) { o.enter(saved); }
      var mm = o.size();
      box.style.width = Math.round(mm[0] * px) + "px";
      box.style.height = Math.round(mm[1] * px) + "px";
      map.invalidateSize({ animate: false, pan: false });
      map.fitBounds(o.bounds, o.fit);
      if (o.entered) { o.entered(); }
    }
    function leave() {
      if (!saved) { return; }
      if (o.leave) { o.leave(saved); }
      box.style.width = ""; box.style.height = "";
      map.invalidateSize({ animate: false, pan: false });
      map.setView(saved.center, saved.zoom, { animate: false });
      if (o.left) { o.left(); }
      saved = null;
    }
    window.addEventListener("beforeprint", enter);
    window.addEventListener("afterprint", leave);
    if (window.matchMedia) {
      var query = window.matchMedia("print");
      onMediaChange(query, function () { if (query.matches) { enter(); } else { leave(); } });
    }
  }

  return {
    has: has, el: el, textEl: textEl, appendAll: appendAll, svgEl: svgEl, empty: empty,
    textHtml: textHtml, fill: fill, fold: fold,
    pageLang: pageLang, numbers: numbers, coordinate: coordinate,
    csvCell: csvCell, csvHref: csvHref, downloadBlob: downloadBlob,
    readStorage: readStorage, writeStorage: writeStorage,
    isNarrow: isNarrow, onMediaChange: onMediaChange,
    metricMap: metricMap, geoBounds: geoBounds, areaLayer: areaLayer, cornerBox: cornerBox, printSize: printSize
  };
}());
geo4mi.common = geo4miCommon;
