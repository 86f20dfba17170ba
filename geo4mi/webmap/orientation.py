"""Orientation on both interactive maps: unit labels, context layers and a place search.

:func:`add_orientation` adds to a map made by :func:`geo4mi.webmap.choropleth.choropleth_map`
or :func:`geo4mi.webmap.sites.sites_map`:

* a label per unit (its name at a point well inside it), a layer that can be turned off;
* the study's context layers (:mod:`geo4mi.context`: e.g. Metro lines in their own colours,
  stations, landmarks), each a layer of the map's layer control, with the name (and detail)
  in a tooltip and a popup;
* a search box that finds units and named context features, ignoring case and accents
  ("cuauhtemoc" finds "Cuauhtémoc"), usable with the keyboard (arrows, Enter, Escape), and
  zooms to the one chosen.

Everything is drawn by ``static/orientation.js`` from one JSON block (names as text, set with
``textContent``); nothing leaves the file.

Examples
--------
>>> from geo4mi.boundaries import load_areas
>>> from geo4mi.webmap.assets import OfflineMap, render_offline_html
>>> m = add_orientation(OfflineMap(lang="en"), load_areas(), lang="en")
>>> html = render_offline_html(m)
>>> "geo4miOrientation.init(" in html, 'id="g4o-data"' in html
(True, True)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from geo4mi.boundaries import WEB_CRS, metric_crs, to_crs_checked
from geo4mi.context import ContextLayer, context_layers_data
from geo4mi.i18n import check_language, t, template
from geo4mi.webmap.assets import (
    OfflineMap,
    Verbatim,
    common_script,
    data_block,
    inline_static,
)

log = logging.getLogger(__name__)

#: Unit labels show from this zoom on (the whole city of the bundled study is about 10).
LABEL_ZOOM = 9.5


def unit_places(areas: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Each unit's name, label point (well inside its largest part) and bounds, in order.

    Examples
    --------
    >>> from geo4mi.boundaries import load_areas
    >>> first = unit_places(load_areas())[0]
    >>> first["name"], len(first["bounds"])
    ('Azcapotzalco', 2)
    """
    metric = to_crs_checked(areas, metric_crs(areas), step="unit labels")
    points = []
    for geom in metric.geometry:
        parts = list(shapely.get_parts(geom))
        largest = max(parts, key=lambda g: g.area) if parts else geom
        if largest is None or largest.is_empty:
            points.append(shapely.Point())
            continue
        points.append(shapely.ops.polylabel(largest, tolerance=50.0)
                      if largest.geom_type == "Polygon" else largest.representative_point())
    where = gpd.GeoSeries(points, crs=metric.crs).to_crs(WEB_CRS)
    web = to_crs_checked(areas, WEB_CRS, step="unit labels")
    out = []
    for name, point, geom in zip(areas["area_name"], where, web.geometry, strict=True):
        if point.is_empty or geom is None or geom.is_empty:
            continue
        minx, miny, maxx, maxy = geom.bounds
        out.append({"name": str(name), "lat": round(point.y, 5), "lon": round(point.x, 5),
                    "bounds": [[round(miny, 5), round(minx, 5)], [round(maxy, 5), round(maxx, 5)]]})
    return out


def orientation_data(areas: gpd.GeoDataFrame, context: Sequence[ContextLayer] = (), *,
                     lang: str = "es", map_kind: str | None = None) -> dict[str, Any]:
    """What ``static/orientation.js`` draws: texts, units and context layers.

    ``map_kind`` ("choropleth" or "sites") picks each layer's per-map ``shown`` default; on
    the choropleth the lines are drawn thinner and lighter (``quiet``) so the classes read.

    Examples
    --------
    >>> from geo4mi.boundaries import load_areas
    >>> data = orientation_data(load_areas(), lang="en")
    >>> len(data["units"]), data["layers"], data["text"]["no_match"]
    (16, [], 'No match')
    """
    lang = check_language(lang)
    text = {key: t(f"map.{name}", lang) for key, name in (
        ("labels", "unit_labels"), ("search", "place_search"),
        ("search_hint", "place_search_hint"), ("no_match", "place_no_match"))}
    text["unit_kind"] = t("unit", lang)
    text["matches"] = template("map.place_matches", lang)  # orientation.js fills {n}
    return {"text": text, "label_zoom": LABEL_ZOOM, "units": unit_places(areas),
            "quiet": map_kind == "choropleth",
            "layers": context_layers_data(context, lang, map_kind)}


class _Orientation(MacroElement):
    """``static/orientation.js`` started on the map after the map's own script."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        geo4miOrientation.init({{ this._parent.get_name() }},
            JSON.parse(document.getElementById("g4o-data").textContent));
        {% endmacro %}
    """)

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self._name = "Geo4miOrientation"
        for child in (common_script(),
                      Verbatim.style(inline_static("orientation.css"), part="header"),
                      Verbatim.script(inline_static("orientation.js"), part="header"),
                      data_block("g4o-data", data)):
            self.add_child(child)


def add_orientation(m: OfflineMap, areas: gpd.GeoDataFrame,
                    context: Sequence[ContextLayer] = (), *, lang: str = "es",
                    map_kind: str | None = None) -> OfflineMap:
    """Add unit labels, the context layers and the search box to ``m`` (returned).

    Call it after the map's own layers are added (its script then finds the map's layer
    control, ``map.g4mLayerControl``, or adds one).

    Parameters
    ----------
    m : OfflineMap
    areas : GeoDataFrame
        The *areas* table (``area_name``, ``geometry``).
    context : sequence of ContextLayer
        From the study's ``[[context]]`` tables (``Study.context``).
    lang : {"es", "en", ...}
    map_kind : {"choropleth", "sites"}, optional
        Which map this is: picks the layers' per-map ``shown`` defaults.
    """
    _Orientation(orientation_data(areas, context, lang=lang, map_kind=map_kind)).add_to(m)
    return m

