/*
 * geo4mi orientation, shared by the choropleth and the site map.
 * Written for geo4mi (MIT licence); uses only the Leaflet API that the page inlines.
 *
 * geo4miOrientation.init(map, data) draws, from the page's JSON block (data):
 *  - a label per unit (data.units: name, label point, bounds), shown from data.label_zoom;
 *  - the study's context layers (data.layers: lines with their colours, points), each a
 *    layer of the map's layer control (map.g4mLayerControl, or one made here), with the
 *    name and detail in a tooltip and a popup;
 *  - a search box over the units and every named context feature, ignoring case and
 *    accents, with a keyboard-usable list of matches (arrows, Enter, Escape) that zooms to
 *    the one chosen;
 *  - keeps an absolutely placed title box (.g4m-title) clear of the layer control;
 *  - a collision pass that places labels by importance, moving or shortening a label to
 *    keep it clear of others, controls and site symbols, hiding it otherwise (declutter).
 * Names come from outside the project: they are shown as text (textContent), never parsed
 * as HTML. The layer control takes HTML names: they are escaped first (geo4miCommon.textHtml).
 */
var geo4miOrientation = (function () {
  "use strict";
  var searches = 0;  // numbers the search boxes (ids), one per map

  var C = geo4miCommon;  // common.js, inlined before this file
  var el = C.textEl, fold = C.fold, has = C.has;

  /* Tooltip/popup content: the name in bold, then the layer and the detail, as text. */
  function card(name, kind, detail) {
    var box = el("div", "g4o-card");
    if (name) { box.appendChild(el("strong", null, name)); }
    var line = kind + (detail ? " · " + detail : "");
    if (line) { box.appendChild(el("div", "g4o-kind", line)); }
    return box;
  }

  /* Points grow as the map zooms in: small dots over the whole city, clear marks in a
   * neighbourhood. */
  function pointRadius(zoom) { return zoom < 11 ? 2.5 : (zoom < 13 ? 3.5 : 5); }

  function drawLayer(map, layer, entries, quiet) {
    var group = L.featureGroup();
    layer.features.forEach(function (f) {
      var name = f[0], detail = f[1], shape;
      if (layer.kind === "line") {
        // on the choropleth (quiet) the lines guide the eye without hiding the classes
        shape = L.polyline(f[3], { color: f[2], weight: quiet ? 2 : 3.5,
                                   opacity: quiet ? 0.6 : 0.9, pane: "g4o-lines",
                                   className: "g4o-line" });
      } else {
        shape = L.circleMarker([f[2], f[3]], {
          radius: pointRadius(map.getZoom()), color: "#ffffff", weight: 1.5, fillColor: layer.colour,
          fillOpacity: 1, pane: "g4o-points", className: "g4o-point",
          bubblingMouseEvents: false });
      }
      shape.bindTooltip(card(name, layer.label, detail), { sticky: layer.kind === "line" });
      shape.bindPopup(card(name, layer.label, detail), { maxWidth: 260 });
      shape.addTo(group);
      if (name) {
        entries.push({ name: name, folded: fold(name), kind: layer.label, layer: shape,
                       group: group });
      }
    });
    return group;
  }

  /* Rank of each unit's labels in the collision pass: larger units (by their bounds) first,
   * then by name, so the same map always shows the same labels. */
  function unitRanks(units) {
    var size = function (u) {
      return (u.bounds[1][0] - u.bounds[0][0]) * (u.bounds[1][1] - u.bounds[0][1]);
    };
    var order = units.slice().sort(function (a, b) {
      return size(b) - size(a) || (a.name < b.name ? -1 : (a.name > b.name ? 1 : 0));
    });
    var rank = {};
    order.forEach(function (u, k) { if (!has(rank, u.name)) { rank[u.name] = k; } });
    return rank;
  }

  /* A shorter form of a unit's name, tried when the whole name finds no room: the initials
   * of all words but the last ("Villa Nueva" -> "V. Nueva"), or the first five letters of
   * a single long word ("Northumberland" -> "North."). */
  function abbreviation(name) {
    var words = name.split(/\s+/).filter(function (w) { return w !== ""; });
    if (words.length > 1) {
      return words.slice(0, -1).map(function (w) { return w.charAt(0) + "."; }).join(" ") +
        " " + words[words.length - 1];
    }
    return name.length > 6 ? name.slice(0, 5) + "." : name;
  }

  /* Where a label may go, tried in order: on its point, then just above, below, right, left,
   * then the four corners, then two lines above or below (straight, then to either side). */
  var STEPS = [[0, 0], [0, -1], [0, 1], [1, 0], [-1, 0], [1, -1], [-1, -1], [1, 1], [-1, 1],
               [0, -2], [0, 2], [1, -2], [-1, -2], [1, 2], [-1, 2]];  // × [dx, dy]
  function offsets(w, h) {
    var dx = w / 2 + 6, dy = h + 1;
    return STEPS.map(function (s) { return [s[0] * dx, s[1] * dy]; });
  }

  function shifted(r, d) {
    return { left: r.left + d[0], right: r.right + d[0], top: r.top + d[1],
             bottom: r.bottom + d[1] };
  }

  /* The collision pass: every label on the map (the units' names, and the site map's
   * achieved / target badges) is placed in order of importance (map.g4oWeights, by unit
   * name: the choropleth gives the published n, so the units with most interviews win; the
   * site map, the smallest units first), then rank (lower first); every unit's name comes
   * before the site map's badges. A label takes the first place (see offsets; then the same
   * with its name shortened) where its box stays inside the map and meets no label already
   * placed and no control, nor, for a unit's name (drawn under them), a site symbol; with
   * none it is hidden. Run after each zoom, move or layer change.
   *
   * No unit's name is laid out to be placed: its box is worked out from its point and the
   * size of its text (labelBoxes), and it is in the page only while it is shown (Labels),
   * so the thousands hidden at a city's view of 2,431 units cost the browser nothing (they
   * were laid out, read and styled at each pass: a quarter of that map's first render). A
   * badge's box is read, before any label moves; the moves are written at the end (a read
   * after a write makes the browser lay the page out again, once per label: 38 s for that
   * map). The boxes are kept (map.g4oBoxes, relative to the map's box) for the passes that
   * only change the labels' importance (prioritise: another map of the same units). */
  function declutter(map) {
    if (map.g4oHeld) {  // the map's own script is still changing it: one pass on release
      map.g4oPending = true;
      return;
    }
    map.g4oSizes = map.g4oSizes || {};
    map.g4oBoxes = labelBoxes(map, map.g4oSizes);
    placeLabels(map, map.g4oBoxes);
  }

  /* The map's own script is about to change the view, the controls or the labels'
   * importance (the choropleth: inflating its data, fitting the city's bounds, adding the
   * legend, prioritise): until as many release(map) as hold(map), no label pass runs, and
   * the last release runs the one pass owed (when the labels are drawn). The passes made
   * at a view the reader never sees (each then read every label's box, a layout of
   * thousands of labels) were a third of a big map's first render. */
  function hold(map) { map.g4oHeld = (map.g4oHeld || 0) + 1; }
  function release(map) {
    var later = map.g4oHeld === 1 ? map.g4oLater : null;
    map.g4oLater = null;
    (later || []).forEach(function (layer) { layer.addTo(map); });  // still held: no pass
    map.g4oHeld = Math.max(0, (map.g4oHeld || 0) - 1);
    if (map.g4oHeld === 0 && map.g4oPending) {
      map.g4oPending = false;
      declutter(map);
    }
  }

  /* Add a layer (the labels, a context layer shown at first) to the map; on a held map, when
   * it is released: drawn once, at the view the map opens with, not at the view it starts
   * from and again at each step of getting there (thousands of labels moved, restyled). */
  function show(map, layer) {
    if (map.g4oHeld) { (map.g4oLater = map.g4oLater || []).push(layer); }
    else { layer.addTo(map); }
  }

  /* The labels the pass places: the units' names (Labels' entries, while that layer is
   * on the map), then every other label under the map's container (an element with
   * data-g4o-rank: the site map's badges). */
  function labelItems(map) {
    var names = map.g4oLabels && map.hasLayer(map.g4oLabels) ? map.g4oLabels.entries() : [];
    var others = Array.prototype.filter.call(
      map.getContainer().querySelectorAll("[data-g4o-rank]"),
      function (e) { return !e.g4oEntry; });  // a unit's name shown: its entry is there
    return names.concat(others);
  }

  /* The labels of the map (labelItems) as they would be drawn in place with their full
   * names: each one's box and its shortened name's box (or null), relative to the map's
   * top left corner, and what orders them (labelKey). A unit's name is centred on its
   * point in the labels' pane (Labels, orientation.css): its box is that point and its
   * text's size (textSizes, kept in ``sizes``), with no layout of the name; a badge is
   * shown as drawn and its box read. One layout in all. */
  function labelBoxes(map, sizes) {
    var container = map.getContainer(), items = labelItems(map);
    var names = !container.classList.contains("g4o-labels-hidden");  // shown at this zoom
    var pane = map.getPane("g4o-labels"), texts = [];
    items.forEach(function (it) {
      if (!it.isName) { resetLabel(it); } else if (names) { texts.push(it.name, it.short); }
    });
    var measured = textSizes(pane, texts, sizes);  // written now, read with the rest
    var origin = plainBox(container.getBoundingClientRect());
    var relative = function (r) {
      return { left: r.left - origin.left, right: r.right - origin.left,
               top: r.top - origin.top, bottom: r.bottom - origin.top,
               width: r.width, height: r.height };
    };
    var corner = items.length && items[0].isName ?  // where the names' points start
      plainBox(pane.getBoundingClientRect()) : null;
    var drawn = items.map(function (it) {
      return it.isName ? null : relative(it.getBoundingClientRect());
    });
    measured();
    var none = { left: 0, right: 0, top: 0, bottom: 0, width: 0, height: 0 };
    var centred = function (it, text) {
      var size = sizes[text], left = corner.left + it.at.x - size[0] / 2;
      var top = corner.top + it.at.y - size[1] / 2;
      return relative({ left: left, right: left + size[0], top: top, bottom: top + size[1],
                        width: size[0], height: size[1] });
    };
    var boxes = items.map(function (it, k) {
      if (!it.isName) { return drawn[k]; }
      return names ? centred(it, it.name) : none;
    });
    var shorter = items.map(function (it, k) {
      return it.isName && boxes[k].width && boxes[k].height ? it.short : null;
    });
    return { items: items, boxes: boxes, shorter: shorter,
             shortBoxes: shorter.map(function (text, k) {
               return text === null ? null : centred(items[k], text);
             }), keys: items.map(labelKey) };
  }

  /* The size ([width, height]) of each text of ``texts`` (null: none) as a label draws it,
   * kept in ``sizes`` ({text: size}; the labels' font never changes). A label is one line
   * of its font at a fixed line height: its height is read once from a hidden label in
   * ``pane`` (the labels' pane), and each text's width is measured on a canvas in that
   * font (no layout: thousands of names are measured in a few milliseconds), rounded up
   * to 1/32 px above the browser's own 1/64 px (the canvas and the page agree within
   * 0.02 px), so that a label never takes more room than its box. Returns the function
   * that reads the height, measures and takes the hidden label away: call it after the
   * other reads of the pass, so that the page is laid out once for all. */
  function textSizes(pane, texts, sizes) {
    var todo = texts.filter(function (text) { return text !== null && !has(sizes, text); });
    if (todo.length === 0) { return function () {}; }
    var probe = el("div", "leaflet-marker-icon g4o-label");
    probe.setAttribute("aria-hidden", "true");
    probe.style.visibility = "hidden";
    var span = el("span", null, "Hg");  // display: block (orientation.css)
    span.style.transform = "none";
    probe.appendChild(span);
    pane.appendChild(probe);
    return function () {
      var height = span.getBoundingClientRect().height, style = getComputedStyle(span);
      var ctx = document.createElement("canvas").getContext("2d");
      ctx.font = style.font;
      if ("letterSpacing" in ctx) { ctx.letterSpacing = style.letterSpacing; }
      if ("wordSpacing" in ctx) { ctx.wordSpacing = style.wordSpacing; }
      todo.forEach(function (text) {
        if (sizes[text]) { return; }
        sizes[text] = [(Math.ceil(ctx.measureText(text).width * 64) + 2) / 64, height];
      });
      pane.removeChild(probe);
    };
  }

  /* What orders a label, whatever the weights: its unit's name, its rank, and whether it is
   * a unit's name (placed before the badges). */
  function labelKey(it, k) {
    if (it.isName) { return { k: k, unit: it.name, rank: it.rank, name: 0 }; }
    return { k: k, unit: it.getAttribute("data-g4o-unit"),
             rank: parseFloat(it.getAttribute("data-g4o-rank")), name: 1 };
  }

  /* Are the kept boxes those of the map's labels now (the same ones, in order)? */
  function boxesHold(map, kept) {
    if (!kept) { return false; }
    var items = labelItems(map);
    if (items.length !== kept.items.length) { return false; }
    for (var k = 0; k < items.length; k++) { if (items[k] !== kept.items[k]) { return false; } }
    return true;
  }

  /* Place the labels of ``kept`` (labelBoxes) by the map's current weights, against the
   * controls and symbols as they are now (one read of their boxes), writing only the labels
   * whose place, name or visibility changes. */
  function placeLabels(map, kept) {
    var container = map.getContainer();
    var space = labelSpace(container);
    var dx = space.frame.left, dy = space.frame.top, shown = 0;
    var at = function (r) {
      return { left: r.left + dx, right: r.right + dx, top: r.top + dy, bottom: r.bottom + dy };
    };
    orderOf(kept.keys, map.g4oWeights || {}).forEach(function (k) {
      var it = kept.items[k], r = kept.boxes[k];
      if (!r.width || !r.height) {  // not shown (zoomed out): a badge left as drawn, the
        if (!it.isName) { space.keep(it); }  // names as they are (hidden by the zoom)
        return;
      }
      var where = space.fit(at(r), it.isName === true), text = null;
      if (where === null && kept.shorter[k] !== null) {
        r = kept.shortBoxes[k];
        where = space.fit(at(r), true);
        text = kept.shorter[k];
      }
      if (space.place(it, at(r), where, text)) { shown += 1; }
    });
    space.apply();
    container.setAttribute("data-g4o-shown-labels", String(shown));
  }

  /* Show a label with ``text`` (null: its full name) moved by ``at`` ([dx, dy] pixels), or
   * hide it (at null, full name, in place); only what differs is written. A unit's name
   * (Labels' entry) is added to the page when shown and taken out when hidden. */
  function setLabel(e, at, text) {
    if (e.isName) { e.layer.set(e, at, text); return; }
    var hidden = at === null;
    if (e.classList.contains("g4o-clash") !== hidden) { e.classList.toggle("g4o-clash", hidden); }
    var move = at !== null && (at[0] || at[1]) ? at[0] + "px " + at[1] + "px" : "";
    if ((e.g4oMove || "") !== move) {
      e.style.translate = move;
      e.g4oMove = move;
    }
  }

  /* A label as drawn: in place, not hidden. */
  function resetLabel(e) { setLabel(e, [0, 0], null); }

  /* The labels in placing order (indices into ``keys``, labelKey): units' names first, then
   * by weight (higher first), rank (lower first) and page order. */
  function orderOf(keys, weights) {
    return keys.map(function (key) {
      return { key: key, w: has(weights, key.unit) ? weights[key.unit] : 0 };
    }).sort(function (a, b) {
      return a.key.name - b.key.name || b.w - a.w || a.key.rank - b.key.rank || a.key.k - b.key.k;
    }).map(function (it) { return it.key.k; });
  }

  /* The labels in placing order (orderOf). */
  function labelOrder(items, weights) {
    return orderOf(items.map(labelKey), weights).map(function (k) { return items[k]; });
  }

  /* A client rectangle as a plain object (the pass reads each box thousands of times, and
   * a DOMRect's fields are read through the browser's bindings). */
  function plainBox(r) {
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width,
             height: r.height };
  }

  /* Boxes (client rectangles) of the shown elements matching selector under root. */
  function boxesOf(selector, root) {
    var out = [];
    Array.prototype.forEach.call(root.querySelectorAll(selector), function (e) {
      var r = e.getBoundingClientRect();
      if (r.width && r.height) { out.push(plainBox(r)); }
    });
    return out;
  }

  /* Do two boxes come closer than pad pixels? */
  function meets(r, q, pad) {
    return r.left - pad < q.right && q.left < r.right + pad &&
           r.top - pad < q.bottom && q.top < r.bottom + pad;
  }

  /* Boxes filed by the squares of a grid (``cell`` pixels) over ``frame`` (a box outside
   * it is filed in the squares at its edge) that they cover: add(q) files one; near(left,
   * top, right, bottom, pad) says whether one comes closer than pad pixels to that box (as
   * meets), looking only at the boxes filed in the squares it covers, grown by pad.
   * Thousands of labels are then placed in about as many checks as labels, not labels ×
   * labels placed. (The squares are one array: a city's view tries tens of thousands of
   * places at each pass.) */
  function boxGrid(frame, cell) {
    var x0 = Math.floor(frame.left / cell), y0 = Math.floor(frame.top / cell);
    var nx = Math.floor(frame.right / cell) - x0 + 1;
    var ny = Math.floor(frame.bottom / cell) - y0 + 1;
    var squares = new Array(nx * ny), filed = 0;
    function clamp(c, n) { return c < 0 ? 0 : (c >= n ? n - 1 : c); }
    function col(x) { return clamp(Math.floor(x / cell) - x0, nx); }
    function row(y) { return clamp(Math.floor(y / cell) - y0, ny); }
    return {
      add: function (q) {
        var x1 = col(q.right), y1 = row(q.bottom), y00 = row(q.top);
        filed += 1;
        for (var x = col(q.left); x <= x1; x++) {
          for (var y = y00; y <= y1; y++) {
            var k = x * ny + y;
            (squares[k] = squares[k] || []).push(q);
          }
        }
      },
      near: function (left, top, right, bottom, pad) {
        if (filed === 0) { return false; }
        var x1 = col(right + pad), y1 = row(bottom + pad), y00 = row(top - pad);
        for (var x = col(left - pad); x <= x1; x++) {
          for (var y = y00; y <= y1; y++) {
            var list = squares[x * ny + y];
            if (list === undefined) { continue; }
            for (var k = 0; k < list.length; k++) {
              var q = list[k];
              if (left - pad < q.right && q.left < right + pad && top - pad < q.bottom &&
                  q.top < bottom + pad) { return true; }
            }
          }
        }
        return false;
      }
    };
  }

  /* The room left on the map: fit(r, isName) is the first offset (see offsets) where the
   * box stays inside the map and meets no label placed and no control, nor, for a unit's
   * name (drawn under them), a site symbol; null when none. place(e, r, at, text) places it
   * there, named ``text`` when not null (or hides it: at null), and says whether it is
   * shown; keep(e) leaves a label as drawn; apply() names, moves and hides the labels
   * placed so far (no box is read after it). frame: the map's box. */
  function labelSpace(container) {
    var frame = plainBox(container.getBoundingClientRect()), pad = 2, cell = 64;
    // controls (the title, the search box, the legend) are in the way of every label; site
    // symbols of the names, drawn under them (badges are drawn above the symbols)
    // (the site map's title floats over the map from outside its container)
    var placed = boxGrid(frame, cell), symbols = boxGrid(frame, cell);
    boxesOf(".leaflet-control, .g4m-title", document).forEach(placed.add);
    boxesOf(".leaflet-marker-pane .leaflet-marker-icon", container).forEach(symbols.add);
    function fit(r, isName) {
      var w = r.right - r.left, h = r.bottom - r.top, dx = w / 2 + 6, dy = h + 1;
      for (var k = 0; k < STEPS.length; k++) {
        var x = STEPS[k][0] * dx, y = STEPS[k][1] * dy;
        var left = r.left + x, right = r.right + x, top = r.top + y, bottom = r.bottom + y;
        if (left < frame.left || right > frame.right || top < frame.top ||
            bottom > frame.bottom) { continue; }
        if (placed.near(left, top, right, bottom, pad) ||
            (isName && symbols.near(left, top, right, bottom, pad))) { continue; }
        return [x, y];
      }
      return null;
    }
    var writes = [];
    function place(e, r, at, text) {
      writes.push([e, at, text]);
      if (at === null) { return false; }
      placed.add(shifted(r, at));
      return true;
    }
    function apply() {
      writes.forEach(function (w) { setLabel(w[0], w[1], w[2]); });
      writes = [];
    }
    return { frame: frame, fit: fit, place: place, apply: apply,
             keep: function (e) { writes.push([e, [0, 0], null]); } };
  }

  /* Importance of each unit's label in the collision pass ({name: weight}, higher first;
   * 0 for a unit not listed), then a new pass: with the labels' boxes already read when
   * the same labels are on the map (only the controls' boxes are read again). */
  function prioritise(map, weights) {
    map.g4oWeights = weights;
    var container = map.getContainer();
    if (container.getAttribute("data-g4o") !== "ready") { return; }
    if (map.g4oHeld) { map.g4oPending = true; return; }
    if (boxesHold(map, map.g4oBoxes)) { placeLabels(map, map.g4oBoxes); }
    else { declutter(map); }
  }

  /* The units' labels as one Leaflet layer. Each unit has an entry (its name, shortened
   * name, rank, point and, at the current view, its point in the layer's pane); its element,
   * a div.leaflet-marker-icon.g4o-label holding a span with the name (what Leaflet's marker
   * draws for a divIcon), is made when the label pass first shows it and is in the page
   * only while shown: at a city's view most of thousands of names find no room, and each
   * in the page, even hidden, cost the browser styling and layout at every pass. A shown
   * label sits at its point (rounded to the pixel) by a 2D translation, its z-index its y,
   * and follows zooms as a marker does. One layer, not a marker each: each of thousands of
   * markers listened to the map's zoom (and Leaflet compares each new listener with all
   * those already there), and Leaflet places markers with translate3d, which makes the
   * browser composite each as a layer of its own. No events, no keyboard focus: labels,
   * not controls. */
  var Labels = L.Layer.extend({
    options: { pane: "g4o-labels" },

    initialize: function (units, ranks) {
      var layer = this;
      this._entries = units.map(function (u) {
        var short = abbreviation(u.name);
        return { isName: true, layer: layer, name: u.name, short: short !== u.name ? short : null,
                 rank: 2 * ranks[u.name], latlng: L.latLng(u.lat, u.lon), at: null,
                 icon: null, shown: false, move: "", text: null };
      });
    },

    /* The units' labels (the label pass's items), in the units' order. */
    entries: function () { return this._entries; },

    getEvents: function () {
      this._animated = this._zoomAnimated && this._map.options.markerZoomAnimation;
      var events = { zoom: this._update, viewreset: this._update };
      if (this._animated) { events.zoomanim = this._animateZoom; }
      return events;
    },

    onAdd: function () {
      this._update();
      var page = document.createDocumentFragment();
      this._entries.forEach(function (it) { if (it.shown) { page.appendChild(it.icon); } });
      this.getPane().appendChild(page);
    },

    onRemove: function () {
      this._entries.forEach(function (it) {
        if (it.icon && it.icon.parentNode) { it.icon.parentNode.removeChild(it.icon); }
      });
    },

    /* Show entry ``it`` named ``text`` (null: in full) moved by ``at`` ([dx, dy] pixels)
     * from its point, or hide it (at null); only what differs is written. */
    set: function (it, at, text) {
      if (at === null) {
        if (it.shown && it.icon.parentNode) { it.icon.parentNode.removeChild(it.icon); }
        it.shown = false;
        return;
      }
      var icon = it.icon || this._make(it), span = icon.firstChild;
      var move = at[0] || at[1] ? at[0] + "px " + at[1] + "px" : "";
      if (it.move !== move) { span.style.translate = move; it.move = move; }
      if (it.text !== text) {
        span.textContent = text || it.name;
        if (text) { span.setAttribute("data-g4o-abbr", "true"); }
        else { span.removeAttribute("data-g4o-abbr"); }
        it.text = text;
      }
      if (!it.shown && this._map) { this.getPane().appendChild(icon); }
      it.shown = true;
    },

    _make: function (it) {
      var span = el("span", null, it.name);
      span.setAttribute("data-g4o-rank", String(it.rank));
      span.setAttribute("data-g4o-name", it.name);
      span.g4oEntry = it;
      var icon = document.createElement("div");
      icon.className = "leaflet-marker-icon g4o-label leaflet-zoom-" +
        (this._animated ? "animated" : "hide");
      icon.appendChild(span);
      it.icon = icon;
      if (it.at) { this._move(icon, it.at); }
      return icon;
    },

    _move: function (icon, pos) {
      icon.style.transform = "translate(" + pos.x + "px," + pos.y + "px)";
      icon.style.zIndex = pos.y;
    },

    _update: function () {
      var map = this._map, layer = this;
      this._entries.forEach(function (it) {
        it.at = map.latLngToLayerPoint(it.latlng).round();
        if (it.icon) { layer._move(it.icon, it.at); }
      });
    },

    _animateZoom: function (e) {
      var map = this._map, layer = this;
      this._entries.forEach(function (it) {
        if (it.shown) {
          layer._move(it.icon, map._latLngToNewLayerPoint(it.latlng, e.zoom, e.center).round());
        }
      });
    }
  });

  function drawLabels(map, data, entries) {
    var ranks = unitRanks(data.units);
    map.g4oRanks = ranks;  // the site map's badges take their unit's rank (sites.js)
    data.units.forEach(function (u) {
      entries.push({ name: u.name, folded: fold(u.name), kind: data.text.unit_kind,
                     bounds: u.bounds });
    });
    function byZoom() {
      map.getContainer().classList.toggle("g4o-labels-hidden",
                                           map.getZoom() < data.label_zoom);
    }
    map.on("zoomend", byZoom);
    byZoom();
    map.g4oLabels = new Labels(data.units, ranks);
    return map.g4oLabels;
  }

  /* The search box: an input with a list of matches (ARIA combobox pattern). */
  function searchControl(map, data, entries) {
    var control = L.control({ position: "topleft" });
    control.onAdd = function () {
      var s = searchBox(data, "g4o-search-" + (++searches));
      s.map = map; s.data = data; s.entries = entries; s.matches = []; s.active = -1;
      s.input.addEventListener("input", function () { updateMatches(s); });
      s.input.addEventListener("keydown", function (ev) { onSearchKey(s, ev); });
      s.input.addEventListener("blur", function () { closeMatches(s); });
      L.DomEvent.disableClickPropagation(s.box);
      L.DomEvent.disableScrollPropagation(s.box);
      return s.box;
    };
    return control.addTo(map);
  }

  /* The box's elements: label, input, list of matches, spoken status. */
  function searchBox(data, id) {
    var label = C.el("label", { "class": "g4o-sr", "for": id + "-input", text: data.text.search });
    var input = C.el("input", { "class": "g4o-search-input", type: "search", id: id + "-input",
      placeholder: data.text.search, title: data.text.search_hint, autocomplete: "off",
      role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
      "aria-controls": id + "-list" });
    var list = C.el("ul", { "class": "g4o-results", id: id + "-list", role: "listbox" });
    list.hidden = true;
    var status = C.el("div", { "class": "g4o-sr", "aria-live": "polite" });
    var box = C.el("div", { "class": "g4o-search leaflet-bar" }, [label, input, list, status]);
    return { id: id, box: box, input: input, list: list, status: status };
  }

  /* Up to 8 entries holding the folded query: those starting with it first. */
  function findMatches(entries, q) {
    var starts = [], within = [];
    entries.forEach(function (e) {
      var at = e.folded.indexOf(q);
      if (at === 0) { starts.push(e); } else if (at > 0) { within.push(e); }
    });
    return starts.concat(within).slice(0, 8);
  }

  function setActiveMatch(s, i) {
    s.active = i;
    Array.prototype.forEach.call(s.list.children, function (li, k) {
      li.setAttribute("aria-selected", k === i ? "true" : "false");
      if (k === i) { s.input.setAttribute("aria-activedescendant", li.id); }
    });
    if (i < 0) { s.input.removeAttribute("aria-activedescendant"); }
  }

  function closeMatches(s) {
    s.list.hidden = true;
    s.input.setAttribute("aria-expanded", "false");
    setActiveMatch(s, -1);
  }

  function updateMatches(s) {
    var text = s.data.text;
    var q = fold(s.input.value);
    C.empty(s.list);
    s.matches = [];
    if (!q) { closeMatches(s); s.status.textContent = ""; return; }
    s.matches = findMatches(s.entries, q);
    s.matches.forEach(function (e, k) {
      var li = C.el("li", { "class": "g4o-result", id: s.id + "-" + k, role: "option" },
                    [el("span", "g4o-result-name", e.name), el("span", "g4o-kind", e.kind)]);
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choosePlace(s, e); });
      s.list.appendChild(li);
    });
    if (!s.matches.length) { s.list.appendChild(el("li", "g4o-none", text.no_match)); }
    s.list.hidden = false;
    s.input.setAttribute("aria-expanded", "true");
    s.status.textContent = s.matches.length
      ? C.fill(text.matches, { n: C.numbers().integer(s.matches.length) }) : text.no_match;
    setActiveMatch(s, s.matches.length ? 0 : -1);
  }

  /* Zoom to a match: a unit's bounds, or a context feature (its layer shown, its popup open). */
  function choosePlace(s, e) {
    var map = s.map;
    s.input.value = e.name;
    closeMatches(s);
    if (e.bounds) {
      map.fitBounds(e.bounds, { animate: false, maxZoom: 13 });
    } else {
      if (!map.hasLayer(e.group)) { map.addLayer(e.group); }
      if (e.layer.getLatLng) {
        map.setView(e.layer.getLatLng(), Math.max(map.getZoom(), 15), { animate: false });
      } else {
        map.fitBounds(e.layer.getBounds(), { animate: false, maxZoom: 14 });
      }
      e.layer.openPopup(e.layer.getLatLng ? undefined : e.layer.getCenter());
    }
    map.getContainer().setAttribute("data-g4o-found", e.name);
  }

  /* Arrows move through the matches, Enter chooses, Escape closes the list (or clears). */
  function onSearchKey(s, ev) {
    var n = s.matches.length;
    if (ev.key === "ArrowDown" && n) {
      ev.preventDefault();
      if (s.list.hidden) { updateMatches(s); }
      setActiveMatch(s, (s.active + 1) % n);
    } else if (ev.key === "ArrowUp" && n) {
      ev.preventDefault();
      setActiveMatch(s, (s.active - 1 + n) % n);
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      if (s.active >= 0 && s.matches[s.active]) { choosePlace(s, s.matches[s.active]); }
    } else if (ev.key === "Escape") {
      if (!s.list.hidden) { ev.preventDefault(); closeMatches(s); } else { s.input.value = ""; }
    }
  }

  /* Keep a centred title box (the site map's) clear of the layer control. */
  function keepTitleClear(map, control) {
    var title = map.getContainer().querySelector(".g4m-title") ||
                (map.getContainer().parentNode &&
                 map.getContainer().parentNode.querySelector(".g4m-title"));
    if (!title || !control.getContainer) { return; }
    function place() {
      title.style.maxWidth = "";
      title.style.left = "";
      title.style.transform = "";
      var box = map.getContainer().getBoundingClientRect();
      var ctl = control.getContainer().getBoundingClientRect();
      var t = title.getBoundingClientRect();
      var gap = 12;
      if (t.right + gap <= ctl.left || t.bottom + gap <= ctl.top || ctl.width === 0) {
        clearBelow();
        return;
      }
      var centre = box.left + box.width / 2;
      var half = ctl.left - gap - centre;
      title.style.boxSizing = "border-box";
      if (half >= 140) {  // still centred, narrower
        title.style.maxWidth = Math.floor(2 * half) + "px";
      } else {  // from the left edge (right of the zoom buttons) to the control
        var left = 56;
        title.style.left = left + "px";
        title.style.transform = "none";
        title.style.maxWidth = Math.max(120, Math.floor(ctl.left - box.left - left - gap)) + "px";
      }
      clearBelow();
    }
    /* A control of the top-left corner (the place search on a phone) that the title would
     * cover moves down, under the title; the ones after it follow. */
    function clearBelow() {
      var corner = map.getContainer().querySelector(".leaflet-top.leaflet-left");
      if (!corner) { return; }
      var controls = Array.prototype.slice.call(corner.children);
      controls.forEach(function (c) { c.style.marginTop = ""; });
      var t = title.getBoundingClientRect();
      controls.forEach(function (c) {
        var r = c.getBoundingClientRect();
        if (r.width && r.right > t.left && r.left < t.right && r.bottom > t.top &&
            r.top < t.bottom + 6) {
          c.style.marginTop = Math.ceil(t.bottom + 8 - r.top + 10) + "px";
        }
      });
    }
    place();
    map.on("resize", place);
    control.getContainer().addEventListener("mouseleave", function () {
      setTimeout(place, 0);
    });
  }

  function init(map, data) {
    var panes = [["g4o-lines", 420], ["g4o-points", 430], ["g4o-labels", 440]];
    panes.forEach(function (p) {
      var pane = map.createPane(p[0]);
      pane.style.zIndex = p[1];
      if (p[0] === "g4o-labels") { pane.style.pointerEvents = "none"; }
    });
    var control = map.g4mLayerControl;
    if (!control) {
      // the map has no layer control (the choropleth): top left, under the zoom and the search,
      // clear of the attribution, which wraps to two lines on a phone
      control = L.control.layers(null, null, { collapsed: C.isNarrow(), position: "topleft" });
      control.addTo(map);
      map.g4mLayerControl = control;
    }
    var entries = [];
    var labels = drawLabels(map, data, entries);
    show(map, labels);
    control.addOverlay(labels, C.textHtml(data.text.labels));
    data.layers.forEach(function (layer) {
      var group = drawLayer(map, layer, entries, data.quiet);
      if (layer.kind === "point") {
        map.on("zoomend", function () {
          var r = pointRadius(map.getZoom());
          group.eachLayer(function (m) { m.setRadius(r); });
        });
      }
      if (layer.shown) { show(map, group); }
      control.addOverlay(group, C.textHtml(layer.label));
    });
    searchControl(map, data, entries);
    keepTitleClear(map, control);
    // badges drawn before this script know no rank yet: theirs follows their unit's name
    Array.prototype.forEach.call(map.getContainer().querySelectorAll("[data-g4o-unit]"),
      function (b) {
        var name = b.getAttribute("data-g4o-unit");
        b.setAttribute("data-g4o-rank", String(has(map.g4oRanks, name)
          ? 2 * map.g4oRanks[name] + 1 : 2 * data.units.length));
      });
    var again = function () { declutter(map); };
    // (a zoom ends with "zoomend" then "moveend": one pass, on the second)
    map.on("moveend overlayadd overlayremove resize", again);
    declutter(map);
    map.getContainer().setAttribute("data-g4o", "ready");
    return { labels: labels, entries: entries, control: control };
  }

  return { init: init, fold: fold, declutter: declutter, prioritise: prioritise,
           hold: hold, release: release,
           abbreviation: abbreviation, offsets: offsets, labelOrder: labelOrder,
           meets: meets };
})();
geo4mi.orientation = geo4miOrientation;
