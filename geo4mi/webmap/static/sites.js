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
 */
(function (global) {
  "use strict";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  /* One pass: "{{" and "}}" are literal braces (geo4mi.i18n.template escapes study
   * words so), "{name}" takes values[name]. */
  function format(template, values) {
    return template.replace(/\{\{|\}\}|\{(\w+)\}/g, function (m, key) {
      if (key === undefined) { return m.charAt(0); }
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : "";
    });
  }

  function round6(x) { return Math.round(x * 1e6) / 1e6; }

  /* Text as HTML, for the Leaflet APIs that only take HTML (layer names in the layer
   * control, the attribution): the browser escapes it. */
  function textHtml(s) {
    var box = document.createElement("div");
    box.textContent = String(s);
    return box.innerHTML;
  }

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
      iconSize: [22, 22],
      iconAnchor: [11, 11],
      popupAnchor: [0, -11]
    });
  }

  /* A phone-sized window (the CSS uses the same width): controls collapse into buttons. */
  function narrow() {
    return !!(global.matchMedia && global.matchMedia("(max-width: 600px)").matches);
  }

  /* Areas, catchments and sites from the data; returns [name, layer] for the control. */
  function drawLayers(map, config) {
    var overlays = [];
    var areas = L.geoJSON(config.areas, {
      style: function (feature) {
        return { fillColor: feature.properties.fill, color: config.style.edge, weight: 1,
                 fillOpacity: 0.7 };
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        layer.bindTooltip(el("span", { text: p.name }), { sticky: true });
        layer.bindPopup(popupTable(p.name, p.rows), { maxWidth: 300 });
        layer.on("mouseover", function () { layer.setStyle({ weight: 3 }); });
        layer.on("mouseout", function () { layer.setStyle({ weight: 1 }); });
      }
    }).addTo(map);
    overlays.push([config.layers.areas, areas]);
    if (config.catchment_m > 0) {
      var circles = L.featureGroup();
      config.sites.forEach(function (site) {
        L.circle([site.lat, site.lon], {
          radius: config.catchment_m, color: config.style.catchment, weight: 1, fill: true,
          fillOpacity: 0.08, opacity: 0.6, className: "g4m-catchment", interactive: false
        }).addTo(circles);
      });
      overlays.push([config.layers.catchment, circles.addTo(map)]);
    }
    var groups = {};
    config.type_order.forEach(function (type) {
      if (Object.prototype.hasOwnProperty.call(config.layers.sites, type)) {
        groups[type] = L.featureGroup();
      }
    });
    config.sites.forEach(function (site) {
      var marker = L.marker([site.lat, site.lon], { icon: siteIcon(config, site.type) });
      marker.bindTooltip(el("span", { text: site.name }), { sticky: true });
      marker.bindPopup(popupTable(site.name, site.rows), { maxWidth: 300 });
      marker.addTo(groups[site.type]);
    });
    config.type_order.forEach(function (type) {
      if (groups[type]) { overlays.push([config.layers.sites[type], groups[type].addTo(map)]); }
    });
    var control = L.control.layers(null, null, { collapsed: narrow(), position: "topright" });
    overlays.forEach(function (pair) { control.addOverlay(pair[1], textHtml(pair[0])); });
    control.addTo(map);
    map.g4mLayerControl = control;  // orientation.js adds its layers to it
    var legend = document.getElementById("g4m-legend");
    if (legend) {
      var corner = L.control({ position: "bottomright" });
      corner.onAdd = function () {
        var div = L.DomUtil.create("div", "g4m-legend-box");
        legend.hidden = false;
        if (narrow()) {
          // a phone: the legend would hide a third of the map, so it opens from a button
          var toggle = el("button", { type: "button", "class": "g4m-legend-toggle",
            "aria-expanded": "false", "aria-controls": "g4m-legend",
            text: config.legend || "Legend" });
          legend.hidden = true;
          toggle.addEventListener("click", function () {
            legend.hidden = !legend.hidden;
            toggle.setAttribute("aria-expanded", legend.hidden ? "false" : "true");
          });
          div.appendChild(toggle);
          L.DomEvent.disableClickPropagation(div);
        }
        div.appendChild(legend);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      };
      corner.addTo(map);
    }
    return { areas: areas, groups: groups };
  }

  function Workshop(map, config) {
    this.map = map;
    this.config = config;
    this.text = config.text;
    this.candidates = [];
    this.nextId = 1;
    this.active = false;
    this.layer = L.featureGroup().addTo(map);
    this.storageKey = "geo4mi-sites:" + config.storage_key;
    this.buildControl();
    this.restore();
    var self = this;
    map.on("click", function (event) { if (self.active) { self.openForm(event.latlng, null); } });
    // a click on an area opens its popup and stops the map's click: in workshop mode,
    // swap that popup for the new-site form at the same place
    map.on("popupopen", function (event) {
      var source = event.popup._source;
      if (self.active && source instanceof L.Path) {
        var latlng = event.popup.getLatLng();
        setTimeout(function () { self.openForm(latlng, null); }, 0);
      }
    });
  }

  Workshop.prototype.symbol = function (type, candidate) {
    return siteIcon(this.config, type, candidate ? " g4m-candidate" : "");
  };

  Workshop.prototype.buildControl = function () {
    var self = this;
    var Control = L.Control.extend({
      // on a phone the title spans the top: the workshop sits bottom left, above the scale
      options: { position: narrow() ? "bottomleft" : "topleft" },
      onAdd: function () {
        var box = el("div", { "class": "g4m-workshop leaflet-bar", "data-role": "workshop" });
        self.toggle = el("button", { type: "button", "class": "g4m-workshop-toggle",
          "aria-pressed": "false", text: self.text.workshop_mode });
        self.help = el("p", { "class": "g4m-workshop-help", text: self.text.workshop_help });
        self.count = el("p", { "class": "g4m-workshop-count" });
        self.download = el("button", { type: "button", "class": "g4m-workshop-download",
          text: self.text.download });
        self.status = el("p", { "class": "g4m-workshop-status", role: "status" });
        self.body = el("div", { "class": "g4m-workshop-body" },
          [self.help, el("p", { "class": "g4m-workshop-public", text: self.text.public_only }),
           self.count, self.download, self.status]);
        box.appendChild(self.toggle);
        box.appendChild(self.body);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        self.toggle.addEventListener("click", function () { self.setActive(!self.active); });
        self.download.addEventListener("click", function () { self.downloadGeoJSON(); });
        return box;
      }
    });
    new Control().addTo(this.map);
    this.updateCount();
  };

  Workshop.prototype.setActive = function (on) {
    this.active = on;
    this.toggle.setAttribute("aria-pressed", on ? "true" : "false");
    this.toggle.textContent = on ? this.text.workshop_stop : this.text.workshop_mode;
    var container = this.map.getContainer();
    if (on) { L.DomUtil.addClass(container, "g4m-workshop-on"); }
    else { L.DomUtil.removeClass(container, "g4m-workshop-on"); this.map.closePopup(); }
  };

  Workshop.prototype.updateCount = function () {
    this.count.textContent = format(this.text.candidates, { n: this.candidates.length });
    this.download.disabled = this.candidates.length === 0;
  };

  Workshop.prototype.openForm = function (latlng, candidate) {
    var self = this;
    var text = this.text;
    var name = el("input", { type: "text", name: "name", maxlength: "120",
      value: candidate ? candidate.name : "" });
    var type = el("select", { name: "type" });
    this.config.type_order.forEach(function (code) {
      var option = el("option", { value: code, text: self.config.types[code].label });
      if (candidate && candidate.type === code) { option.selected = true; }
      type.appendChild(option);
    });
    var notes = el("textarea", { name: "notes", rows: "2", maxlength: "500" });
    notes.value = candidate ? candidate.notes : "";
    var error = el("p", { "class": "g4m-form-error", role: "alert" });
    var save = el("button", { type: "submit", "class": "g4m-save", text: text.save });
    var cancel = el("button", { type: "button", "class": "g4m-cancel", text: text.cancel });
    var form = el("form", { "class": "g4m-site-form" }, [
      el("h4", { text: candidate ? text.edit_title : text.add_title }),
      el("label", {}, [document.createTextNode(text.name), name]),
      el("label", {}, [document.createTextNode(text.type), type]),
      el("label", {}, [document.createTextNode(text.notes), notes]),
      el("p", { "class": "g4m-workshop-public", text: text.public_only }),
      error, el("div", { "class": "g4m-form-buttons" }, [save, cancel])
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = name.value.trim();
      if (!value) { error.textContent = text.name_required; name.focus(); return; }
      if (candidate) {
        candidate.name = value; candidate.type = type.value; candidate.notes = notes.value.trim();
        candidate.marker.setIcon(self.symbol(candidate.type, true));
        self.bindPopup(candidate);
      } else {
        self.add({ name: value, type: type.value, notes: notes.value.trim(),
                   lat: latlng.lat, lng: latlng.lng });
      }
      self.map.closePopup();
      self.save();
    });
    cancel.addEventListener("click", function () { self.map.closePopup(); });
    L.DomEvent.disableClickPropagation(form);
    L.popup({ minWidth: 240, className: "g4m-form-popup" }).setLatLng(latlng)
      .setContent(form).openOn(this.map);
    name.focus();
  };

  Workshop.prototype.add = function (site) {
    var self = this;
    if (!Object.prototype.hasOwnProperty.call(this.config.types, site.type)) { return null; }
    var candidate = { id: this.nextId++, name: site.name, type: site.type,
                      notes: site.notes || "" };
    candidate.marker = L.marker([site.lat, site.lng], {
      icon: this.symbol(site.type, true), draggable: true, title: site.name,
      keyboard: true
    }).addTo(this.layer);
    candidate.marker.on("dragend", function () { self.save(); });
    this.bindPopup(candidate);
    this.candidates.push(candidate);
    this.updateCount();
    return candidate;
  };

  Workshop.prototype.bindPopup = function (candidate) {
    var self = this;
    var text = this.text;
    var edit = el("button", { type: "button", "class": "g4m-edit", text: text.edit });
    var remove = el("button", { type: "button", "class": "g4m-delete", text: text.delete });
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
    candidate.marker.bindPopup(body);
    candidate.marker.options.title = candidate.name;
  };

  Workshop.prototype.remove = function (candidate) {
    this.map.closePopup();
    this.layer.removeLayer(candidate.marker);
    this.candidates = this.candidates.filter(function (c) { return c !== candidate; });
    this.updateCount();
    this.save();
  };

  Workshop.prototype.toGeoJSON = function () {
    return {
      type: "FeatureCollection",
      features: this.candidates.map(function (c) {
        var p = c.marker.getLatLng();
        return {
          type: "Feature",
          properties: { name: c.name, type: c.type, notes: c.notes },
          geometry: { type: "Point", coordinates: [round6(p.lng), round6(p.lat)] }
        };
      })
    };
  };

  Workshop.prototype.downloadGeoJSON = function () {
    var blob = new Blob([JSON.stringify(this.toGeoJSON(), null, 1)],
                        { type: "application/geo+json" });
    var url = URL.createObjectURL(blob);
    var link = el("a", { href: url, download: this.config.download_name });
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    this.status.textContent = format(this.text.downloaded, { file: this.config.download_name });
  };

  Workshop.prototype.save = function () {
    try {
      global.localStorage.setItem(this.storageKey, JSON.stringify(this.toGeoJSON()));
    } catch (e) { /* storage unavailable (private mode, file:// policy): nothing kept */ }
    this.updateCount();
  };

  Workshop.prototype.restore = function () {
    var raw = null;
    try { raw = global.localStorage.getItem(this.storageKey); } catch (e) { return; }
    if (!raw) { return; }
    var self = this;
    var restored = 0;
    try {
      JSON.parse(raw).features.forEach(function (f) {
        var c = f.geometry.coordinates;
        if (self.add({ name: f.properties.name, type: f.properties.type,
                       notes: f.properties.notes, lat: c[1], lng: c[0] })) { restored++; }
      });
    } catch (e) { return; }
    if (restored) { this.status.textContent = format(this.text.restored, { n: restored }); }
  };

  global.geo4miSites = {
    init: function (map, config) {
      L.control.scale({ imperial: false }).addTo(map);  // metric only
      // no tiles to keep sharp, so the zoom may be fractional: the city fills the map
      map.options.zoomSnap = 0.25;
      if (config.bounds) { map.fitBounds(config.bounds, { animate: false }); }
      var layers = drawLayers(map, config);
      var workshop = new Workshop(map, config);
      workshop.layers = layers;
      if (config.attribution && map.attributionControl) {
        map.attributionControl.setPrefix(false);
        map.attributionControl.addAttribution(textHtml(config.attribution));
      }
      map.getContainer().setAttribute("data-geo4mi-map", "sites");
      global.geo4miSites.workshop = workshop;
      return workshop;
    }
  };
})(window);
