/*
 * geo4mi site map: its layers, legend and workshop mode.
 * Written for geo4mi (MIT licence); uses only the Leaflet API that the page inlines.
 *
 * geo4miSites.init(map, config) draws, from the page's JSON block (config):
 *  - the areas, shaded by interviews (or targets), with a tooltip (name) and a popup;
 *  - the sites, one layer per type, with SVG symbols, tooltips and popups, and their
 *    catchment circles; a layer control and the legend (rendered in the page, moved here);
 * and adds:
 *  - a "workshop mode" button: while on, a click on the map opens a form (name, type,
 *    notes) that adds a candidate site; candidates can be dragged, edited and deleted;
 *  - a panel with the number of candidates and a button that downloads them as a GeoJSON
 *    FeatureCollection (properties: name, type, notes), which `geo4mi sites import` reads;
 *  - candidates are also kept in this browser (localStorage) so a reload does not lose them.
 * Only public places can be added: the type list offers public place types only.
 *
 * Names, notes and labels come from outside the project: they are shown as text (DOM nodes,
 * textContent), never parsed as HTML. The only markup drawn is geo4mi's own: the type
 * symbols (config.types[].svg, made by geo4mi.webmap.sites.symbol_svg).
 *
 * The modules, each a section below that adds itself to the namespace geo4mi.sites (also
 * the global geo4miSites), in the order they need each other:
 *   geojson   candidate sites as text and GeoJSON, checked as `geo4mi sites import` does
 *             (pure functions: oneLine, parseSites, featureCollection, fileName, inGeometry)
 *   layers    areas, badges, catchments, sites, the layer control and the legend's corner
 *   groups    symbols that would overlap drawn as one count symbol (mergeOverlaps)
 *   candidates  workshop mode: the panel, the form, candidates, undo, groups, storage
 *             (the page's Workshop is geo4miSites.workshop once drawn)
 *   print     the printed page
 * and init. Shared helpers (numbers, DOM, the areas layer, corner boxes, printing) are
 * common.js's (geo4miCommon).
 */
var geo4miSites = geo4mi.sites = {};

/* -- geojson: candidate sites as text and GeoJSON ----------------------------------------- */
(function (ns, C) {
  "use strict";

  var format = C.fill, has = C.has;
  var MAX_LOAD = 10000;     // features in a loaded GeoJSON (geo4mi.sites.DEFAULT_MAX_IMPORT)

  var CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
  // Python's str.split() whitespace: `geo4mi sites import` makes each run one space
  var SPACES = /[\t-\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;

  /* Text as `geo4mi sites import` keeps it: one line, single spaces. */
  function oneLine(s) { return s.replace(SPACES, " ").trim(); }

  function round6(x) { return Math.round(x * 1e6) / 1e6; }


  /* Is [lng, lat] inside a GeoJSON (Multi)Polygon? Even-odd rule over every ring. */
  function inGeometry(geometry, lng, lat) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates]
      : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    var inside = false;
    polygons.forEach(function (rings) {
      rings.forEach(function (ring) {
        for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
          var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
          if ((yi > lat) !== (yj > lat) && lng < (xj - xi) * (lat - yi) / (yj - yi) + xi) {
            inside = !inside;
          }
        }
      });
    });
    return inside;
  }

  /* Sites ({name, type, notes, lat, lng}) as the FeatureCollection `geo4mi sites import`
   * reads (coordinates to 6 decimals, about 0.1 m). */
  function featureCollection(sites) {
    return {
      type: "FeatureCollection",
      features: sites.map(function (s) {
        return {
          type: "Feature",
          properties: { name: s.name, type: s.type, notes: s.notes },
          geometry: { type: "Point", coordinates: [round6(s.lng), round6(s.lat)] }
        };
      })
    };
  }

  /* The download's name: the page's name with the group's name folded into it. */
  function fileName(name, group) {
    var slug = C.fold(group).replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 40);
    return slug ? name.replace(/(\.geojson)?$/, "_" + slug + "$1") : name;
  }

  /* Why feature i (0-based) cannot be a site, or its site {name, type, notes, lat, lng}. */
  function siteOf(f, i, config, text) {
    var g = f && f.geometry;
    var c = g && g.coordinates;
    var p = (f && f.properties) || {};
    if (!g || g.type !== "Point" || !Array.isArray(c) || c.length < 2
        || typeof c[0] !== "number" || typeof c[1] !== "number" || !isFinite(c[0])
        || !isFinite(c[1]) || Math.abs(c[0]) > 180 || Math.abs(c[1]) > 90) {
      return format(text.bad_point, { i: i + 1 });
    }
    var name = typeof p.name === "string" ? oneLine(p.name) : "";
    if (!name || name.length > config.name_max || CONTROL.test(name)) {
      return format(text.bad_name, { i: i + 1, max: config.name_max });
    }
    if (typeof p.type !== "string" || !has(config.types, p.type)) {
      return format(text.bad_type, { i: i + 1, types: config.type_order.join(", ") });
    }
    var notes = p.notes === undefined || p.notes === null ? "" : p.notes;
    notes = typeof notes === "string" ? oneLine(notes) : null;
    if (notes === null || notes.length > config.notes_max || CONTROL.test(notes)) {
      return format(text.bad_notes, { i: i + 1, max: config.notes_max });
    }
    return { name: name, type: p.type, notes: notes, lat: c[1], lng: c[0] };
  }

  /* The sites of a GeoJSON text, or a message saying why not (all or nothing); config
   * (types, type_order, name_max, notes_max) and text (the messages) are the page's, fmt
   * its numbers (geo4miCommon.numbers). */
  function parseSites(raw, config, text, fmt) {
    var doc;
    try { doc = JSON.parse(raw.replace(/^\ufeff/, "")); } catch (e) { return text.bad_json; }
    if (!doc || doc.type !== "FeatureCollection" || !Array.isArray(doc.features)) {
      return text.bad_collection;
    }
    if (doc.features.length > MAX_LOAD) { return format(text.too_many, { max: fmt.integer(MAX_LOAD) }); }
    var sites = [];
    for (var i = 0; i < doc.features.length; i++) {
      var site = siteOf(doc.features[i], i, config, text);
      if (typeof site === "string") { return site; }
      sites.push(site);
    }
    return sites;
  }

  ns.geojson = { MAX_LOAD: MAX_LOAD, CONTROL: CONTROL, oneLine: oneLine, round6: round6,
                 inGeometry: inGeometry, featureCollection: featureCollection,
                 fileName: fileName, parseSites: parseSites };
}(geo4mi.sites, geo4miCommon));

/* -- layers: areas, badges, catchments, sites, the layer control, the legend --------------- */
(function (ns, C) {
  "use strict";

  var el = C.el, has = C.has;

  /* A popup's content: a title and a table of [label, value] rows, as text. */
  function popupTable(title, rows) {
    var table = el("table");
    rows.forEach(function (row) {
      table.appendChild(el("tr", {}, [el("td", { text: row[0] }),
                                      el("td", {}, [el("b", { text: row[1] })])]));
    });
    return el("div", { "class": "g4m-popup" }, [el("strong", { text: title }), table]);
  }

  function siteIcon(config, type, extraClass) {
    return L.divIcon({
      html: config.types[type].svg,  // geo4mi's own markup, not user text
      className: "g4m-site g4m-site-" + type + (extraClass || ""),
      iconSize: [24, 24],  // a touch target of 24 px (WCAG 2.5.8)
      iconAnchor: [12, 12],
      popupAnchor: [0, -12]
    });
  }

  /* The areas, shaded by interviews (or targets), with their name and popup. */
  function shadedAreas(map, config) {
    return C.areaLayer(map, config.areas, {
      style: function (feature) {
        return { fillColor: feature.properties.fill, color: config.style.edge, weight: 1,
                 fillOpacity: 0.7 };
      },
      each: function (feature, layer) {
        var p = feature.properties;
        layer.bindTooltip(el("span", { text: p.name }), { sticky: true });
        layer.bindPopup(popupTable(p.name, p.rows), { maxWidth: 300 });
      }
    });
  }


  /* Target against achieved on the map itself: a small label under each area's centre, in
   * their own pane above the symbols, so no number hides under a site; never clickable. */
  function drawBadges(map, config) {
    map.createPane("g4m-badges").style.zIndex = 620;
    map.getPane("g4m-badges").style.pointerEvents = "none";
    var badges = L.featureGroup();
    config.badges.forEach(function (b) {
      var label = el("span", { "class": "g4m-badge" + (b.done ? " g4m-badge-done" : ""),
                               title: b.title, "aria-label": b.title, text: b.text,
                               "data-g4o-unit": b.name || "" });
      L.marker([b.lat, b.lon], {
        icon: L.divIcon({ html: label, className: "g4m-badge-icon", iconSize: [0, 0] }),
        interactive: false, keyboard: false, pane: "g4m-badges"
      }).addTo(badges);
    });
    return badges.addTo(map);
  }

  function drawCatchments(map, config) {
    var circles = L.featureGroup();
    config.sites.forEach(function (site) {
      L.circle([site.lat, site.lon], {
        radius: config.catchment_m, color: config.style.catchment, weight: 1, fill: true,
        fillOpacity: 0.08, opacity: 0.6, className: "g4m-catchment", interactive: false
      }).addTo(circles);
    });
    return circles.addTo(map);
  }

  /* The sites, one layer per type (in config.type_order): {type: featureGroup}. */
  function drawSites(config) {
    var groups = {};
    config.type_order.forEach(function (type) {
      if (has(config.layers.sites, type)) { groups[type] = L.featureGroup(); }
    });
    config.sites.forEach(function (site) {
      var marker = L.marker([site.lat, site.lon], { icon: siteIcon(config, site.type) });
      marker.g4mSite = site;
      marker.g4mType = site.type;
      marker.bindTooltip(el("span", { text: site.name }), { sticky: true });
      marker.bindPopup(popupTable(site.name, site.rows), { maxWidth: 300 });
      marker.addTo(groups[site.type]);
    });
    return groups;
  }

  /* The legend (rendered in the page) moved into the map's corner; on a phone it would
   * hide a third of the map, so it opens from a button there. */
  function legendCorner(map, config, legend) {
    C.cornerBox(map, { position: "bottomright", className: "g4m-legend-box" }, function (div) {
      legend.hidden = false;
      var narrow = C.isNarrow();
      if (narrow) {
        var toggle = el("button", { type: "button", "class": "g4m-legend-toggle",
          "aria-expanded": "false", "aria-controls": "g4m-legend",
          text: config.legend || "Legend" });
        legend.hidden = true;
        toggle.addEventListener("click", function () {
          legend.hidden = !legend.hidden;
          toggle.setAttribute("aria-expanded", legend.hidden ? "false" : "true");
        });
        div.appendChild(toggle);
      }
      div.appendChild(legend);
      return !narrow;  // a wide screen's legend lets clicks through to the map
    });
  }


  /* Areas, catchments and sites from the data, the layer control and the legend. */
  function drawLayers(map, config) {
    var areas = shadedAreas(map, config);
    var overlays = [[config.layers.areas, areas]];
    var badges = null;
    if (config.badges && config.badges.length) {
      badges = drawBadges(map, config);
      overlays.push([config.layers.badges, badges]);
    }
    if (config.catchment_m > 0) {
      overlays.push([config.layers.catchment, drawCatchments(map, config)]);
    }
    var groups = drawSites(config);
    config.type_order.forEach(function (type) {
      if (groups[type]) { overlays.push([config.layers.sites[type], groups[type].addTo(map)]); }
    });
    var control = L.control.layers(null, null, { collapsed: C.isNarrow(), position: "topright" });
    overlays.forEach(function (pair) { control.addOverlay(pair[1], C.textHtml(pair[0])); });
    control.addTo(map);
    map.g4mLayerControl = control;  // orientation.js adds its layers to it
    var legend = document.getElementById("g4m-legend");
    if (legend) { legendCorner(map, config, legend); }
    // the area names' order in orientation.js's label pass: the smallest areas first
    map.g4oWeights = config.label_weights || {};
    var grouped = new ns.groups.Groups(map, config, groups);
    grouped.update();
    return { areas: areas, groups: groups, badges: badges, grouped: grouped };
  }

  ns.layers = { popupTable: popupTable, siteIcon: siteIcon, drawLayers: drawLayers };
}(geo4mi.sites, geo4miCommon));

/* -- groups: symbols that would overlap drawn as one count symbol ------------------------- */
(function (ns, C) {
  "use strict";

  var el = C.el, popupTable = ns.layers.popupTable;

  /* Symbols that would overlap: one count symbol.
   * At city zoom dozens of stations stand closer than a symbol's width: their 24 px
   * targets would cover each other (WCAG 2.5.8, axe-core target-size). Whenever the zoom or
   * the visible layers change, symbols whose boxes would overlap are drawn as one larger
   * symbol with their number (and their types in its name); a click, Enter or Space on it
   * zooms in until they stand apart, or, where they stand on one spot, lists them in a
   * popup. The grouping is computed from the sites' order and pixels only: deterministic. */
  var SYMBOL_PX = 24, GROUP_PX = 30, GAP_PX = 2;

  function typeColour(config, type) {
    var m = /fill="(#[0-9A-Fa-f]{6})"/.exec(config.types[type].svg);
    return m ? m[1] : "#404040";
  }

  function Groups(map, config, groups) {
    this.map = map;
    this.config = config;
    this.groups = groups;
    this.fmt = C.numbers();
    this.layer = L.featureGroup().addTo(map);
    var self = this;
    var again = function () { self.update(); };
    map.on("zoomend overlayadd overlayremove", again);
  }

  /* Items (single sites or groups) whose boxes do not overlap at the current zoom. */
  Groups.prototype.items = function () {
    var map = this.map, items = [];
    this.config.type_order.forEach(function (type) {
      var group = this.groups[type];
      if (!group || !map.hasLayer(group)) { return; }
      group.eachLayer(function (marker) {
        var p = map.latLngToLayerPoint(marker.getLatLng());
        items.push({ x: p.x, y: p.y, size: SYMBOL_PX, members: [marker] });
      });
    }, this);
    return mergeOverlaps(items);
  };

  /* Items ({x, y, size, members}, in pixels) merged while two boxes come closer than
   * GAP_PX: a merged item stands at its members' mean, GROUP_PX wide; in their order. */
  function mergeOverlaps(items) {
    var merged = true;
    while (merged) {
      merged = false;
      for (var i = 0; i < items.length; i++) {
        for (var j = i + 1; j < items.length; j++) {
          var a = items[i], b = items[j], gap = (a.size + b.size) / 2 + GAP_PX;
          if (Math.abs(a.x - b.x) < gap && Math.abs(a.y - b.y) < gap) {
            var na = a.members.length, nb = b.members.length;
            a.x = (a.x * na + b.x * nb) / (na + nb);
            a.y = (a.y * na + b.y * nb) / (na + nb);
            a.members = a.members.concat(b.members);
            a.size = GROUP_PX;
            items.splice(j, 1);
            merged = true;
            j = i;  // compare the grown item with every other again
          }
        }
      }
    }
    return items;
  }


  Groups.prototype.update = function () {
    var map = this.map, config = this.config, self = this;
    var focused = document.activeElement && document.activeElement.closest &&
      document.activeElement.closest(".g4m-group-symbol");
    this.layer.clearLayers();
    var from = this.zoomedFrom, holder = null;
    config.type_order.forEach(function (type) {
      if (self.groups[type]) {
        self.groups[type].eachLayer(function (marker) {
          var node = marker.getElement();
          if (node) { L.DomUtil.removeClass(node, "g4m-grouped"); }
        });
      }
    });
    this.items().forEach(function (item) {
      if (item.members.length === 1) { return; }
      item.members.forEach(function (marker) {
        var node = marker.getElement();
        if (node) { L.DomUtil.addClass(node, "g4m-grouped"); }
      });
      var marker = self.symbol(item);
      if (item.members.indexOf(from) >= 0) { holder = marker; }
      marker.addTo(self.layer);
      // first in the pane (stacking follows z-index, not this order): the pane's first
      // site symbol is one that shows
      var node = marker.getElement();
      node.parentNode.insertBefore(node, node.parentNode.firstChild);
    });
    if (focused && from) {
      // the group pressed from the keyboard is gone: its first site (or the smaller group
      // that holds it) takes the focus
      var target = holder ? holder.getElement() : from.getElement();
      if (target) { target.focus(); }
    }
    this.zoomedFrom = null;
    // the legend explains the count symbol while one is on the map
    var entry = document.querySelector('[data-role="legend-groups"]');
    if (entry) { entry.hidden = !this.layer.getLayers().length; }
    if (typeof geo4miOrientation !== "undefined") { geo4miOrientation.declutter(map); }
  };

  /* A group's symbol: its number in a ring of its type's colour (grey for mixed types). */
  Groups.prototype.symbol = function (item) {
    var config = this.config, self = this;
    var types = [];
    item.members.forEach(function (m) {
      if (types.indexOf(m.g4mType) < 0) { types.push(m.g4mType); }
    });
    types.sort(function (a, b) {
      return config.type_order.indexOf(a) - config.type_order.indexOf(b);
    });
    var n = this.fmt.integer(item.members.length);
    var name = n + " · " + types.map(function (t) { return config.types[t].label; }).join(", ");
    var ring = el("span", { "class": "g4m-group-count", text: n });
    ring.style.borderColor = types.length === 1 ? typeColour(config, types[0]) : "#404040";
    var latlng = map_mean(this.map, item);
    var marker = L.marker(latlng, {
      icon: L.divIcon({ html: ring, className: "g4m-site g4m-group-symbol",
                        iconSize: [GROUP_PX, GROUP_PX], iconAnchor: [GROUP_PX / 2, GROUP_PX / 2],
                        popupAnchor: [0, -GROUP_PX / 2] }),
      title: name, keyboard: true
    });
    marker.on("add", function () {
      var node = marker.getElement();
      node.setAttribute("aria-label", name);
      node.setAttribute("role", "button");
    });
    marker.bindTooltip(el("span", { text: name }), { sticky: true });
    marker.on("click", function () { self.open(item, marker, name); });
    marker.on("keypress", function (event) {
      var key = event.originalEvent.keyCode;
      if (key === 13 || key === 32) {
        L.DomEvent.preventDefault(event.originalEvent);
        self.open(item, marker, name);
      }
    });
    return marker;
  };

  function map_mean(map, item) {
    return map.layerPointToLatLng(L.point(item.x, item.y));
  }

  /* Zoom in until the group's sites stand apart; sites on one spot are listed instead. */
  Groups.prototype.open = function (item, marker, name) {
    var map = this.map, config = this.config;
    var points = item.members.map(function (m) { return map.latLngToLayerPoint(m.getLatLng()); });
    var nearest = Infinity;
    for (var i = 0; i < points.length; i++) {
      for (var j = i + 1; j < points.length; j++) {
        nearest = Math.min(nearest, Math.max(Math.abs(points[i].x - points[j].x),
                                             Math.abs(points[i].y - points[j].y)));
      }
    }
    var zoom = map.getZoom();
    var wanted = nearest > 0.01 ? zoom + Math.log((SYMBOL_PX + GAP_PX + 1) / nearest) / Math.LN2
      : Infinity;
    if (wanted <= map.getMaxZoom()) {
      var bounds = L.latLngBounds(item.members.map(function (m) { return m.getLatLng(); }));
      var snap = map.options.zoomSnap || 1;
      var target = Math.max(Math.ceil(wanted / snap) * snap, zoom + snap);
      this.zoomedFrom = item.members[0];
      map.setView(bounds.getCenter(), Math.min(target, map.getMaxZoom()), { animate: false });
      return;
    }
    var rows = item.members.map(function (m) {
      return [config.types[m.g4mType].label, m.g4mSite.name];
    });
    marker.bindPopup(popupTable(name, rows), { maxWidth: 300 }).openPopup();
  };

  ns.groups = { Groups: Groups, mergeOverlaps: mergeOverlaps };
}(geo4mi.sites, geo4miCommon));

/* -- candidates: workshop mode, candidate sites drawn, edited, kept and downloaded -------  */
(function (ns, C) {
  "use strict";

  var el = C.el, format = C.fill, has = C.has;
  var global = window;
  var G = ns.geojson, oneLine = G.oneLine, inGeometry = G.inGeometry, CONTROL = G.CONTROL;
  var MAX_LOAD = G.MAX_LOAD;
  var siteIcon = ns.layers.siteIcon;

  // the most of the map a control may hide; a workshop panel that would hide more starts folded
  var MAX_PANEL_SHARE = 0.15;

  var MAX_UNDO = 50;        // actions kept for "undo" (the brief asks for at least 20)
  var KEY_STEP = 10;        // px an arrow key moves the selected candidate (Shift: 5 times)

  function button(cls, label) {
    return el("button", { type: "button", "class": cls, text: label });
  }

  function Workshop(map, config, layers) {
    this.map = map;
    this.config = config;
    this.text = config.text;
    this.layers = layers;
    this.candidates = [];
    this.undoStack = [];
    this.nextId = 1;
    this.active = false;
    this.selected = null;
    this.lastKeyMove = null;    // id of the candidate the arrow keys moved last (one undo step)
    this.layer = L.featureGroup().addTo(map);
    this.circles = L.featureGroup().addTo(map);
    this.fmt = C.numbers();     // numbers in the page's language
    this.areaPopups = {};       // an area's popup (by L.stamp) while workshop mode is on
    this.baseKey = "geo4mi-sites:" + config.storage_key;
    this.group = C.readStorage(this.baseKey + "#group") || "";
    this.buildControl();
    this.buildPrintList();
    this.addSkipLink();
    this.restore();
    var self = this;
    // in workshop mode a click on the map or an area adds a site there (once per click;
    // the area's popup is not opened)
    function clickAt(event) {
      if (!self.active || (event.originalEvent && event.originalEvent === self.lastClick)) {
        return;
      }
      self.lastClick = event.originalEvent;
      map.closePopup();
      self.openForm(event.latlng, null);
    }
    map.on("click", clickAt);
    layers.areas.on("click", clickAt);
    map.on("popupopen", function (event) {
      if (self.active && openedOnShape(map, event.popup)) { map.closePopup(); }
    });
  }

  /* Was this popup opened on a shape (an area, a context line or point), not a marker? */
  function openedOnShape(map, popup) {
    var found = false;
    map.eachLayer(function (layer) {
      if (layer instanceof L.Path && layer.getPopup && layer.getPopup() === popup) { found = true; }
    });
    return found;
  }

  /* The key this group's sites are kept under; the unnamed group keeps the old key. */
  Workshop.prototype.storageKey = function () {
    return this.group ? this.baseKey + "@" + this.group : this.baseKey;
  };

  Workshop.prototype.symbol = function (type) {
    return siteIcon(this.config, type, " g4m-candidate");
  };

  /* The name of the area a point lies in ("" outside every area). */
  Workshop.prototype.unitOf = function (lat, lng) {
    var features = this.config.areas.features;
    for (var i = 0; i < features.length; i++) {
      if (inGeometry(features[i].geometry, lng, lat)) { return features[i].properties.name; }
    }
    return this.text.outside || "";
  };

  Workshop.prototype.buildControl = function () {
    var self = this;
    var Control = L.Control.extend({
      // on a phone the title spans the top: the workshop sits bottom left, above the scale
      options: { position: C.isNarrow() ? "bottomleft" : "topleft" },
      onAdd: function () {
        var box = el("div", { "class": "g4m-workshop leaflet-bar", "data-role": "workshop" });
        self.buildPanel();
        self.box = box;
        // the header: the mode button and, in workshop mode, a button that folds the
        // panel to this one line (folded from the start where it would hide much of the map)
        box.appendChild(el("div", { "class": "g4m-workshop-head" }, [self.toggle, self.fold]));
        box.appendChild(self.body);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        self.wirePanel();
        return box;
      }
    });
    new Control().addTo(this.map);
    // the controls come before the panes in the page, so Tab reaches them before the
    // dozens of site symbols (Leaflet z-indexes keep the drawing order)
    var container = this.map.getContainer();
    var controls = container.querySelector(".leaflet-control-container");
    if (controls) { container.insertBefore(controls, container.firstChild); }
    this.refresh();
  };

  /* The panel's parts: the toggle, and the body with its buttons, form boxes and list. */
  Workshop.prototype.buildPanel = function () {
    var text = this.text;
    this.toggle = el("button", { type: "button", "class": "g4m-workshop-toggle",
      id: "g4m-workshop-toggle", "aria-pressed": "false", "aria-controls": "g4m-workshop-body",
      text: text.workshop_mode });
    this.fold = el("button", { type: "button", "class": "g4m-workshop-fold",
      "aria-expanded": "true", "aria-controls": "g4m-workshop-body", title: text.panel_hide,
      "aria-label": text.panel_hide, text: "\u25BE" });
    this.folded = false;       // the panel shows only its header
    this.foldChosen = null;    // the user's own choice (true: folded), kept across sessions
    this.groupName = el("b", { "class": "g4m-group-name" });
    this.newGroup = button("g4m-new-group", text.new_group);
    this.addCentre = button("g4m-add-centre", text.add_centre);
    this.undoButton = button("g4m-undo", text.undo);
    this.clearButton = button("g4m-clear", text.clear_all);
    this.formBox = el("div", { "class": "g4m-form-box" });
    this.groupBox = el("div", { "class": "g4m-group-box" });
    this.count = el("p", { "class": "g4m-workshop-count" });
    this.list = el("ol", { "class": "g4m-candidate-list", "data-role": "candidate-list" });
    this.download = button("g4m-workshop-download", text.download);
    this.fileInput = el("input", { type: "file", "class": "g4m-load-input",
      accept: ".geojson,.json,application/geo+json,application/json" });
    this.loadButton = button("g4m-load", text.load);
    this.printButton = button("g4m-print", text.print_list);
    this.status = el("p", { "class": "g4m-workshop-status", role: "status" });
    this.body = el("div", { "class": "g4m-workshop-body", id: "g4m-workshop-body" }, [
      el("p", { "class": "g4m-group" }, [text.group + ": ", this.groupName, this.newGroup]),
      this.groupBox,
      el("p", { "class": "g4m-workshop-help", text: text.workshop_help }),
      el("p", { "class": "g4m-workshop-public", text: text.public_only }),
      el("div", { "class": "g4m-form-buttons" },
         [this.addCentre, this.undoButton, this.clearButton]),
      el("p", { "class": "g4m-workshop-help g4m-keys", text: text.keys_hint }),
      this.formBox, this.count, this.list,
      el("div", { "class": "g4m-form-buttons" },
         [this.download, this.loadButton, this.printButton, this.fileInput]),
      this.status]);
  };

  Workshop.prototype.wirePanel = function () {
    var self = this;
    this.toggle.addEventListener("click", function () { self.setActive(!self.active); });
    this.fold.addEventListener("click", function () {
      self.foldChosen = !self.folded;
      self.setFolded(self.foldChosen);
    });
    this.addCentre.addEventListener("click", function () {
      self.openForm(self.map.getCenter(), null);
    });
    this.undoButton.addEventListener("click", function () { self.undo(); });
    this.clearButton.addEventListener("click", function () { self.clearAll(); });
    this.download.addEventListener("click", function () { self.downloadGeoJSON(); });
    this.loadButton.addEventListener("click", function () { self.fileInput.click(); });
    this.fileInput.addEventListener("change", function () {
      var file = self.fileInput.files && self.fileInput.files[0];
      if (file) { self.loadFile(file); }
      self.fileInput.value = "";
    });
    this.printButton.addEventListener("click", function () { self.printList(); });
    this.newGroup.addEventListener("click", function () { self.openNewGroup(); });
  };

  /* Fold the panel to its header (true) or open it; the fold button says which (its state,
   * aria-expanded, is what a screen reader announces). */
  Workshop.prototype.setFolded = function (folded) {
    this.folded = folded;
    var label = folded ? this.text.panel_show : this.text.panel_hide;
    this.fold.setAttribute("aria-expanded", folded ? "false" : "true");
    this.fold.setAttribute("aria-label", label);
    this.fold.title = label;
    this.fold.textContent = folded ? "\u25B8" : "\u25BE";
    if (this.box) { this.box.classList.toggle("g4m-workshop-folded", folded); }
  };

  /* Share of the map's area the open panel covers (0 to 1). */
  Workshop.prototype.panelShare = function () {
    var m = this.map.getContainer().getBoundingClientRect();
    var p = this.box.getBoundingClientRect();
    var w = Math.max(0, Math.min(m.right, p.right) - Math.max(m.left, p.left));
    var h = Math.max(0, Math.min(m.bottom, p.bottom) - Math.max(m.top, p.top));
    return m.width && m.height ? (w * h) / (m.width * m.height) : 0;
  };

  /* When workshop mode starts: the panel opens unless, on a narrow screen (a phone), it would
   * hide more than 15 % of the map and the user has not asked for it open. (A wide screen
   * keeps it open: the fold button is there too.) */
  Workshop.prototype.defaultFold = function () {
    if (this.foldChosen !== null) { this.setFolded(this.foldChosen); return; }
    this.setFolded(false);
    this.setFolded(C.isNarrow() && this.panelShare() > MAX_PANEL_SHARE);
  };

  /* A form (add, edit, new group) needs the panel open: open it, and fold it back after. */
  Workshop.prototype.openForForm = function () {
    if (this.folded) { this.refold = true; this.setFolded(false); }
  };

  Workshop.prototype.afterForm = function () {
    if (this.refold) { this.refold = false; this.setFolded(true); }
  };

  /* A link at the very start of the page that jumps to the workshop button. */
  Workshop.prototype.addSkipLink = function () {
    var self = this;
    var link = el("a", { href: "#g4m-workshop-toggle", "class": "g4m-skip",
                         text: this.text.skip_link });
    link.addEventListener("click", function (event) {
      event.preventDefault();
      self.toggle.focus();
    });
    document.body.insertBefore(link, document.body.firstChild);
  };

  Workshop.prototype.setActive = function (on) {
    this.active = on;
    // in workshop mode a click on an area adds a site: its popup waits until the end
    var popups = this.areaPopups;
    this.layers.areas.eachLayer(function (layer) {
      var id = L.stamp(layer);
      if (on && layer.getPopup()) { popups[id] = layer.getPopup(); layer.unbindPopup(); }
      else if (!on && popups[id]) { layer.bindPopup(popups[id]); delete popups[id]; }
    });
    // and no popup pans the map under the pointer
    var layers = this.layers;
    [].concat(Object.keys(layers.groups).map(function (k) {
      return layers.groups[k];
    })).forEach(function (group) {
      group.eachLayer(function (layer) {
        if (layer.getPopup()) { layer.getPopup().options.autoPan = !on; }
      });
    });
    this.toggle.setAttribute("aria-pressed", on ? "true" : "false");
    this.toggle.textContent = on ? this.text.workshop_stop : this.text.workshop_mode;
    // two quick clicks add two sites: they must not zoom the map
    if (this.map.doubleClickZoom) { this.map.doubleClickZoom[on ? "disable" : "enable"](); }
    var container = this.map.getContainer();
    if (on) { L.DomUtil.addClass(container, "g4m-workshop-on"); this.defaultFold(); }
    else {
      L.DomUtil.removeClass(container, "g4m-workshop-on");
      this.closeForm();
      this.map.closePopup();
    }
  };

  /* Everything drawn from the candidate list: count, list panel, legend, buttons, print. */
  Workshop.prototype.refresh = function () {
    var self = this;
    var n = this.candidates.length;
    this.count.textContent = format(this.text.candidates, { n: this.fmt.integer(n) });
    this.download.disabled = n === 0;
    this.clearButton.disabled = n === 0;
    this.printButton.disabled = n === 0;
    this.undoButton.disabled = this.undoStack.length === 0;
    this.undoButton.title = this.undoStack.length
      ? this.text.undo + ": " + this.undoStack[this.undoStack.length - 1].label : "";
    this.groupName.textContent = this.group || this.text.group_none;
    C.empty(this.list);
    this.candidates.forEach(function (c) {
      var p = c.marker.getLatLng();
      var pick = el("button", { type: "button", "class": "g4m-list-item" }, [
        el("b", { text: c.name }),
        el("span", { text: " · " + self.config.types[c.type].label + " · " +
                           self.unitOf(p.lat, p.lng) })]);
      pick.addEventListener("click", function () { self.select(c, true); });
      L.DomEvent.disableClickPropagation(pick);
      self.list.appendChild(el("li", {}, [pick]));
    });
    var legend = document.querySelector('[data-role="legend-candidates"]');
    if (legend) {
      legend.hidden = n === 0;
      var count = legend.querySelector('[data-role="candidate-count"]');
      if (count) { count.textContent = " (" + this.fmt.integer(n) + ")"; }
    }
    this.fillPrintList();
  };

  /* -- undo: each action keeps the list as it was before it -- */

  Workshop.prototype.snapshot = function () {
    return this.candidates.map(function (c) {
      var p = c.marker.getLatLng();
      return { id: c.id, name: c.name, type: c.type, notes: c.notes, lat: p.lat, lng: p.lng };
    });
  };

  Workshop.prototype.record = function (action) {
    this.undoStack.push({ label: this.text["act_" + action] || action, sites: this.snapshot() });
    if (this.undoStack.length > MAX_UNDO) { this.undoStack.shift(); }
    if (action !== "keymove") { this.lastKeyMove = null; }
  };

  Workshop.prototype.undo = function () {
    var step = this.undoStack.pop();
    if (!step) { return; }
    this.closeForm();
    this.map.closePopup();
    this.lastKeyMove = null;
    this.replaceAll(step.sites);
    this.save();
    this.status.textContent = format(this.text.undone, { action: step.label });
  };

  Workshop.prototype.replaceAll = function (sites) {
    var self = this;
    this.layer.clearLayers();
    this.circles.clearLayers();
    this.candidates = [];
    this.selected = null;
    sites.forEach(function (s) { self.add(s); });
  };

  /* -- the form (in the panel: opening it never moves the map) -- */

  Workshop.prototype.closeForm = function () {
    var open = this.formBox.firstChild;
    C.empty(this.formBox);
    if (open) { this.afterForm(); }
    if (this.pending) { this.map.removeLayer(this.pending); this.pending = null; }
  };

  Workshop.prototype.openForm = function (latlng, candidate) {
    var self = this;
    if (!this.active) { this.setActive(true); }
    this.closeForm();
    this.map.closePopup();
    if (!candidate) {  // where the site will go: a ring, not a popup, so nothing pans
      this.pending = L.circleMarker(latlng, { radius: 9, color: "#b45309", weight: 3,
        fill: false, interactive: false, className: "g4m-pending" }).addTo(this.map);
    }
    var form = this.siteForm(candidate);
    form.node.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submitForm(form, latlng, candidate);
    });
    form.node.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { self.closeForm(); self.toggle.focus(); }
    });
    form.cancel.addEventListener("click", function () { self.closeForm(); self.toggle.focus(); });
    // a button that removes its own form leaves the page before the click reaches the
    // map, which then cannot see that the click began in the panel: flag the form itself
    L.DomEvent.disableClickPropagation(form.node);
    this.openForForm();
    this.formBox.appendChild(form.node);
    form.name.focus({ preventScroll: true });
  };

  /* The form's elements (name, type, notes, error line, cancel) and the form itself. */
  Workshop.prototype.siteForm = function (candidate) {
    var config = this.config, text = this.text;
    var f = {};
    f.name = el("input", { type: "text", name: "name", maxlength: String(config.name_max),
      value: candidate ? candidate.name : "" });
    f.type = el("select", { name: "type" });
    config.type_order.forEach(function (code) {
      var option = el("option", { value: code, text: config.types[code].label });
      if (candidate && candidate.type === code) { option.selected = true; }
      f.type.appendChild(option);
    });
    f.notes = el("textarea", { name: "notes", rows: "2", maxlength: String(config.notes_max) });
    f.notes.value = candidate ? candidate.notes : "";
    f.error = el("p", { "class": "g4m-form-error", role: "alert" });
    f.cancel = button("g4m-cancel", text.cancel);
    var save = el("button", { type: "submit", "class": "g4m-save", text: text.save });
    f.node = el("form", { "class": "g4m-site-form" }, [
      el("h4", { text: candidate ? text.edit_title : text.add_title }),
      el("label", {}, [text.name, f.name]),
      el("label", {}, [text.type, f.type]),
      el("label", {}, [text.notes, f.notes]),
      el("p", { "class": "g4m-workshop-public", text: text.public_only }),
      f.error, el("div", { "class": "g4m-form-buttons" }, [save, f.cancel])
    ]);
    return f;
  };

  /* Add the site (or change the candidate) the form describes, unless its name is empty. */
  Workshop.prototype.submitForm = function (form, latlng, candidate) {
    var value = oneLine(form.name.value);
    var note = oneLine(form.notes.value);
    if (!value || CONTROL.test(value)) {
      form.error.textContent = this.text.name_required; form.name.focus(); return;
    }
    var made;
    if (candidate) {
      this.record("edit");
      candidate.name = value; candidate.type = form.type.value; candidate.notes = note;
      this.decorate(candidate);
      made = candidate;
    } else {
      this.record("add");
      made = this.add({ name: value, type: form.type.value, notes: note,
                        lat: latlng.lat, lng: latlng.lng });
    }
    this.closeForm();
    this.save();
    this.select(made, true);  // the arrow keys move it from here
  };

  /* -- candidates -- */

  Workshop.prototype.add = function (site) {
    var self = this;
    if (!has(this.config.types, site.type)) { return null; }
    var candidate = { id: site.id || this.nextId, name: site.name, type: site.type,
                      notes: site.notes || "" };
    this.nextId = Math.max(this.nextId, candidate.id) + 1;
    candidate.marker = L.marker([site.lat, site.lng], {
      icon: this.symbol(site.type), draggable: true, keyboard: true, autoPanOnFocus: false
    }).addTo(this.layer);
    if (this.config.catchment_m > 0) {  // the same radius as every other site
      candidate.circle = L.circle([site.lat, site.lng], {
        radius: this.config.catchment_m, color: this.config.style.candidate, weight: 2,
        dashArray: "6 4", fill: true, fillOpacity: 0.06, opacity: 0.9,
        className: "g4m-candidate-catchment", interactive: false
      }).addTo(this.circles);
    }
    candidate.marker.on("dragstart", function () { self.record("move"); });
    candidate.marker.on("drag", function () {
      if (candidate.circle) { candidate.circle.setLatLng(candidate.marker.getLatLng()); }
    });
    candidate.marker.on("dragend", function () { self.save(); });
    candidate.marker.on("click", function () { self.select(candidate, false); });
    this.decorate(candidate);
    this.candidates.push(candidate);
    return candidate;
  };

  /* Icon, text, popup and keys of a candidate (again after an edit). */
  Workshop.prototype.decorate = function (candidate) {
    var self = this;
    var text = this.text;
    candidate.marker.setIcon(this.symbol(candidate.type));
    var icon = candidate.marker.getElement();
    if (icon) {
      icon.setAttribute("aria-label", format(text.candidate_label, { name: candidate.name }));
      icon.setAttribute("title", candidate.name);
      icon.setAttribute("data-candidate", "");
      if (candidate.keyedIcon !== icon) {  // Leaflet keeps the element when the icon changes
        candidate.keyedIcon = icon;
        icon.addEventListener("keydown", function (event) { self.onKey(candidate, event); });
        icon.addEventListener("focus", function () { self.select(candidate, false); });
      }
    }
    var edit = button("g4m-edit", text.edit);
    var remove = button("g4m-delete", text.delete);
    var body = el("div", { "class": "g4m-candidate-popup" }, [
      el("strong", { text: candidate.name }),
      el("div", { text: this.config.types[candidate.type].label + " · " + text.candidate }),
      el("div", { text: candidate.notes }),
      el("p", { "class": "g4m-workshop-help", text: text.drag_hint }),
      el("div", { "class": "g4m-form-buttons" }, [edit, remove])
    ]);
    edit.addEventListener("click", function () {
      self.openForm(candidate.marker.getLatLng(), candidate);
    });
    remove.addEventListener("click", function () { self.remove(candidate); });
    candidate.marker.bindPopup(body, { autoPan: false, maxWidth: 280 });
  };

  Workshop.prototype.select = function (candidate, focus) {
    if (this.selected && this.selected.marker.getElement()) {
      L.DomUtil.removeClass(this.selected.marker.getElement(), "g4m-selected");
    }
    this.selected = candidate;
    if (!candidate) { return; }
    var icon = candidate.marker.getElement();
    if (icon) {
      L.DomUtil.addClass(icon, "g4m-selected");
      if (focus) { icon.focus({ preventScroll: true }); }
    }
  };

  /* Arrows move the focused candidate (Shift: further); Delete removes it. */
  Workshop.prototype.onKey = function (candidate, event) {
    var moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (has(moves, event.key)) {
      event.preventDefault();
      event.stopPropagation();
      if (this.lastKeyMove !== candidate.id) { this.record("keymove"); }
      this.lastKeyMove = candidate.id;
      var step = KEY_STEP * (event.shiftKey ? 5 : 1);
      var point = this.map.latLngToContainerPoint(candidate.marker.getLatLng());
      var to = this.map.containerPointToLatLng(
        point.add([moves[event.key][0] * step, moves[event.key][1] * step]));
      candidate.marker.setLatLng(to);
      if (candidate.circle) { candidate.circle.setLatLng(to); }
      this.save();
    } else if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      this.remove(candidate);
      this.toggle.focus();
    }
  };

  Workshop.prototype.remove = function (candidate) {
    this.record("delete");
    this.map.closePopup();
    this.layer.removeLayer(candidate.marker);
    if (candidate.circle) { this.circles.removeLayer(candidate.circle); }
    this.candidates = this.candidates.filter(function (c) { return c !== candidate; });
    if (this.selected === candidate) { this.selected = null; }
    this.save();
    this.status.textContent = format(this.text.deleted, { name: candidate.name });
  };

  Workshop.prototype.clearAll = function () {
    var n = this.candidates.length;
    if (!n) { return; }
    this.record("clear");
    this.closeForm();
    this.map.closePopup();
    this.replaceAll([]);
    this.save();
    this.status.textContent = format(this.text.cleared, { n: this.fmt.integer(n) });
  };

  /* -- GeoJSON out and back in -- */

  Workshop.prototype.toGeoJSON = function () {
    return G.featureCollection(this.candidates.map(function (c) {
      var p = c.marker.getLatLng();
      return { name: c.name, type: c.type, notes: c.notes, lat: p.lat, lng: p.lng };
    }));
  };

  Workshop.prototype.fileName = function () {
    return G.fileName(this.config.download_name, this.group);
  };


  Workshop.prototype.downloadGeoJSON = function () {
    var blob = new Blob([JSON.stringify(this.toGeoJSON(), null, 1)],
                        { type: "application/geo+json" });
    var file = this.fileName();
    C.downloadBlob(blob, file);
    this.status.textContent = format(this.text.downloaded, { file: file });
  };

  /* The sites of a GeoJSON text, or a message saying why not (geo4mi.sites.geojson). */
  Workshop.prototype.parseSites = function (raw) {
    return G.parseSites(raw, this.config, this.text, this.fmt);
  };


  Workshop.prototype.loadText = function (raw, file) {
    var self = this;
    var sites = this.parseSites(raw);
    if (typeof sites === "string") {
      this.status.textContent = format(this.text.load_refused, { file: file, problem: sites });
      L.DomUtil.addClass(this.status, "g4m-status-error");
      return false;
    }
    L.DomUtil.removeClass(this.status, "g4m-status-error");
    this.record("load");
    sites.forEach(function (s) { self.add(s); });
    this.save();
    this.status.textContent = format(this.text.loaded, { n: this.fmt.integer(sites.length), file: file });
    return true;
  };

  Workshop.prototype.loadFile = function (file) {
    var self = this;
    if (file.size > 20 * 1024 * 1024) {
      this.status.textContent = format(this.text.load_refused,
        { file: file.name, problem: format(this.text.too_many, { max: this.fmt.integer(MAX_LOAD) }) });
      return;
    }
    var reader = new FileReader();
    reader.onload = function () { self.loadText(String(reader.result), file.name); };
    reader.onerror = function () {
      self.status.textContent = format(self.text.load_refused,
        { file: file.name, problem: self.text.bad_json });
    };
    reader.readAsText(file);
  };

  /* -- groups: one laptop, one group at a time -- */

  Workshop.prototype.openNewGroup = function () {
    var self = this;
    var text = this.text;
    this.closeGroup();
    var name = el("input", { type: "text", name: "group", maxlength: "60" });
    var start = el("button", { type: "submit", "class": "g4m-group-start",
                               text: text.new_group_confirm });
    var cancel = button("g4m-cancel", text.cancel);
    var parts = [el("label", {}, [text.new_group_name, name])];
    if (this.candidates.length) {
      var keep = button("g4m-group-download", text.download);
      keep.addEventListener("click", function () { self.downloadGeoJSON(); });
      parts.push(el("p", { "class": "g4m-group-warn", role: "alert",
        text: format(text.new_group_warn, { n: this.fmt.integer(this.candidates.length),
                                            group: this.group || text.group_none }) }));
      parts.push(el("div", { "class": "g4m-form-buttons" }, [keep]));
    }
    parts.push(el("div", { "class": "g4m-form-buttons" }, [start, cancel]));
    var form = el("form", { "class": "g4m-group-form" }, parts);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.startGroup(oneLine(name.value));
    });
    cancel.addEventListener("click", function () { self.closeGroup(); self.newGroup.focus(); });
    L.DomEvent.disableClickPropagation(form);
    this.groupBox.appendChild(form);
    name.focus({ preventScroll: true });
  };

  Workshop.prototype.closeGroup = function () {
    C.empty(this.groupBox);
  };

  /* The previous group's sites leave this laptop (storage and undo); the new group starts
   * empty, or with what this laptop kept for a group of that name. */
  Workshop.prototype.startGroup = function (group) {
    C.writeStorage(this.storageKey(), null);
    this.closeGroup();
    this.closeForm();
    this.map.closePopup();
    this.undoStack = [];
    this.replaceAll([]);
    this.group = group;
    C.writeStorage(this.baseKey + "#group", group || null);
    this.restore();
    this.save();
    this.status.textContent = format(this.text.new_group_done,
                                     { group: group || this.text.group_none });
  };

  /* -- storage -- */

  Workshop.prototype.save = function () {
    C.writeStorage(this.storageKey(),
                      this.candidates.length ? JSON.stringify(this.toGeoJSON()) : null);
    this.refresh();
    // a candidate's symbol came, went or moved: the unit labels make way again
    if (typeof geo4miOrientation !== "undefined") { geo4miOrientation.declutter(this.map); }
  };

  Workshop.prototype.restore = function () {
    var raw = C.readStorage(this.storageKey());
    var self = this;
    var restored = 0;
    if (raw) {
      try {
        JSON.parse(raw).features.forEach(function (f) {
          var c = f.geometry.coordinates;
          if (self.add({ name: String(f.properties.name), type: f.properties.type,
                         notes: String(f.properties.notes || ""), lat: c[1], lng: c[0] })) {
            restored++;
          }
        });
      } catch (e) { /* a damaged entry: start empty */ }
    }
    this.refresh();
    if (restored) { this.status.textContent = format(this.text.restored, { n: this.fmt.integer(restored) }); }
  };

  /* -- the printed list -- */

  Workshop.prototype.buildPrintList = function () {
    this.printBox = el("section", { id: "g4m-print-list", "class": "g4m-print-list",
                                    "data-role": "print-list" });
    document.body.appendChild(this.printBox);
  };

  Workshop.prototype.fillPrintList = function () {
    var self = this;
    var text = this.text;
    var box = this.printBox;
    if (!box) { return; }
    C.empty(box);
    var heading = document.querySelector(".g4m-title h1");
    box.appendChild(el("h1", { text: heading ? heading.textContent : document.title }));
    box.appendChild(el("h2", { text: text.list_title + " · " + text.group + ": " +
                                     (this.group || text.group_none) }));
    var head = el("tr", {}, ["#", text.name, text.type, text.unit, text.lat, text.lon,
                             text.notes].map(function (h) { return el("th", { text: h }); }));
    var rows = this.candidates.map(function (c, i) {
      var p = c.marker.getLatLng();
      return el("tr", {}, [String(i + 1), c.name, self.config.types[c.type].label,
                           self.unitOf(p.lat, p.lng), C.coordinate(p.lat, 5) + "°",
                           C.coordinate(p.lng, 5) + "°", c.notes].map(function (v) {
        return el("td", { text: v });
      }));
    });
    box.appendChild(el("table", {}, [el("thead", {}, [head]), el("tbody", {}, rows)]));
    box.appendChild(el("p", { "class": "g4m-note", text: text.print_coords }));
    box.appendChild(el("p", { "class": "g4m-note", text: text.public_only }));
  };

  /* Print the list alone; the class is dropped once the print dialog closes. */
  Workshop.prototype.printList = function () {
    var body = document.body;
    this.fillPrintList();
    L.DomUtil.addClass(body, "g4m-printing-list");
    global.addEventListener("afterprint", function done() {
      L.DomUtil.removeClass(body, "g4m-printing-list");
      global.removeEventListener("afterprint", done);
    });
    if (global.print) { global.print(); }
  };

  ns.candidates = { Workshop: Workshop };
}(geo4mi.sites, geo4miCommon));

/* -- print: the printed page -------------------------------------------------------------- */
(function (ns, C) {
  "use strict";

  var el = C.el;

  /* The printed page.
   * The printed page: the title, then the map at a fixed size in millimetres with the whole
   * city fitted into it, the legend (with its notes) and the source beside it on a landscape
   * page or under it on a portrait one (sites.css: they wrap as the page's width allows).
   * One map size fits A4 and Letter in both orientations, so the print dialog's choice
   * needs no setting here. Chromium may lay out for print without resizing the window: the
   * size is set in pixels before the fit. The view on screen comes back afterwards. */
  var PRINT_MAP_MM = [160, 150];

  function printingList() { return L.DomUtil.hasClass(document.body, "g4m-printing-list"); }

  function printView(map, config, bounds) {
    var box = map.getContainer();
    var legend = document.getElementById("g4m-legend");
    var aside = el("div", { "class": "g4m-print-aside", "data-role": "print-aside" });
    aside.appendChild(el("p", { "class": "g4m-print-source", text: config.attribution || "" }));
    box.parentNode.insertBefore(aside, box.nextSibling);
    C.printSize(map, {
      bounds: bounds,
      // room for the scale bar under the city
      fit: { paddingTopLeft: [6, 6], paddingBottomRight: [6, 26], animate: false },
      size: function () { return PRINT_MAP_MM; },
      skip: printingList,  // "Print list" prints the candidate list alone, without the map
      enter: function (saved) {
        if (legend) {
          saved.parent = legend.parentNode;
          saved.hidden = legend.hidden;
          aside.insertBefore(legend, aside.firstChild);
          legend.hidden = false;
        }
        map.closePopup();
      },
      entered: function () { box.setAttribute("data-g4m-print", "on"); },
      leave: function (saved) {
        if (legend && saved.parent) {
          saved.parent.appendChild(legend);
          legend.hidden = saved.hidden;
        }
      },
      left: function () { box.removeAttribute("data-g4m-print"); }
    });
  }

  ns.print = { printView: printView };
}(geo4mi.sites, geo4miCommon));

/* -- init: the map drawn from the page's data --------------------------------------------- */
(function (ns, C) {
  "use strict";

  ns.init = function (map, config) {
    C.metricMap(map);
    if (config.bounds) { map.fitBounds(config.bounds, { animate: false }); }
    var layers = ns.layers.drawLayers(map, config);
    var workshop = new ns.candidates.Workshop(map, config, layers);
    if (config.attribution && map.attributionControl) {
      map.attributionControl.setPrefix(false);
      map.attributionControl.addAttribution(C.textHtml(config.attribution));
    }
    ns.print.printView(map, config, layers.areas.getBounds());
    map.getContainer().setAttribute("data-geo4mi-map", "sites");
    ns.workshop = workshop;  // the page's workshop (the tests drive it)
    return workshop;
  };
}(geo4mi.sites, geo4miCommon));
