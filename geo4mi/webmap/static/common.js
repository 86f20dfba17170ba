/*
 * geo4mi page helpers, shared by the choropleth, the site map and the orientation layers.
 * Written for geo4mi (MIT licence); plain ES5, no dependencies, works from file://.
 *
 * Inlined before each map's own script (geo4mi.webmap.assets.common_script) and exposed as
 * the one global `geo4miCommon`, so the browser tests can call every helper directly.
 *
 * Text from outside the project (names, labels, notes) reaches the page only through these
 * builders: DOM nodes with textContent / setAttribute, never parsed as HTML.
 */
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

  return {
    has: has, el: el, textEl: textEl, appendAll: appendAll, svgEl: svgEl, empty: empty,
    textHtml: textHtml, fill: fill, fold: fold,
    pageLang: pageLang, numbers: numbers, coordinate: coordinate,
    csvCell: csvCell, csvHref: csvHref, downloadBlob: downloadBlob,
    readStorage: readStorage, writeStorage: writeStorage,
    isNarrow: isNarrow, onMediaChange: onMediaChange
  };
}());
