"""The site-mapping map: boroughs, candidate sites, catchments and a workshop mode.

One self-contained HTML file that works offline (Leaflet is inlined by
:mod:`geo4mi.webmap.assets`; the workshop mode is the project's own ``static/sites.js``):

* boroughs shaded by interviews achieved (counts per borough: respondents' locations are
  never drawn), or by interview target when a plan is given, with target and achieved in
  the popups;
* sites drawn by type with SVG symbols (no web fonts, no icon fonts) and a legend, one
  toggleable layer per type;
* catchment circles of a configurable radius around every site;
* workshop mode: participants click to add candidate sites (name, type, notes), move or
  delete them, and download them as GeoJSON for ``geo4mi sites import``.

Examples
--------
>>> from geo4mi.boundaries import load_areas
>>> from geo4mi.sites import read_sites, BUNDLED_SITES
>>> areas = load_areas()
>>> m = sites_map(areas, read_sites(BUNDLED_SITES, areas), lang="en", catchment_m=800)
>>> html_text = m.get_root().render()
>>> "Sites: Metro station" in html_text, "Catchment (800 m)" in html_text
(True, True)
"""

from __future__ import annotations

import html
import json
import logging
import math
import os
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from geo4mi.boundaries import WEB_CRS, metric_crs, to_crs_checked
from geo4mi.classify import EDGE_COLOR, NO_DATA_COLOR, palette
from geo4mi.errors import SiteMapError
from geo4mi.i18n import check_language, t, template
from geo4mi.sites import SITE_TYPES, type_label

log = logging.getLogger(__name__)


#: Upper-exclusive class starts for interview counts (achieved or target).
COUNT_BREAKS = (1, 10, 25, 50, 100)
NOT_IN_PLAN_COLOR = "#e6e6e6"
CATCHMENT_COLOR = "#1f4e79"
SIMPLIFY_M = 10.0  # borough outlines are simplified to 10 m for the web map

#: Symbol per site type: shape and colour (Okabe-Ito, colour-blind safe); shapes differ too.
SYMBOLS: dict[str, tuple[str, str]] = {
    "public_office": ("square", "#0072B2"),
    "square_park": ("circle", "#009E73"),
    "market": ("diamond", "#E69F00"),
    "metro_station": ("hexagon", "#D55E00"),
    "community_centre": ("triangle", "#CC79A7"),
    "ngo_office": ("star", "#56B4E9"),
}

def symbol_svg(site_type: str, size: int = 20) -> str:
    """Inline SVG of a site type's symbol (shape + colour, white halo, dark outline).

    Examples
    --------
    >>> symbol_svg("market").startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    True
    >>> 'data-type="metro_station"' in symbol_svg("metro_station")
    True
    """
    shape, colour = SYMBOLS[site_type]
    c, r = size / 2, size / 2 - 2
    if shape == "circle":
        body = f'<circle cx="{c:g}" cy="{c:g}" r="{r * 0.9:g}"/>'
    elif shape == "square":
        s = r * 1.6
        body = f'<rect x="{c - s / 2:g}" y="{c - s / 2:g}" width="{s:g}" height="{s:g}"/>'
    else:
        sides = {"diamond": 4, "hexagon": 6, "triangle": 3, "star": 10}[shape]
        points = []
        for i in range(sides):
            angle = -math.pi / 2 + 2 * math.pi * i / sides
            radius = r * (0.45 if shape == "star" and i % 2 else 1.0)
            if shape == "triangle":
                radius *= 1.1
            points.append(f"{c + radius * math.cos(angle):.2f},{c + radius * math.sin(angle):.2f}")
        body = f'<polygon points="{" ".join(points)}"/>'
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
            f'viewBox="0 0 {size} {size}" data-type="{site_type}" role="img" '
            f'aria-label="{html.escape(SITE_TYPES[site_type]["en"])}">'
            f'<g fill="{colour}" stroke="#1a1a1a" stroke-width="1.5" '
            f'paint-order="stroke">{body}</g></svg>')


def _count_class(value: float | None) -> int:
    """Index into COUNT_BREAKS classes; -1 for none/zero."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value < 1:
        return -1
    return int(np.searchsorted(COUNT_BREAKS, value, side="right")) - 1


def _class_labels() -> list[str]:
    labels = []
    for i, low in enumerate(COUNT_BREAKS):
        high = COUNT_BREAKS[i + 1] - 1 if i + 1 < len(COUNT_BREAKS) else None
        labels.append(f"{low}–{high}" if high is not None else f"{low}+")
    return labels


def _borough_shapes(areas: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Borough outlines simplified to SIMPLIFY_M, in lon/lat rounded to 1e-5 degrees."""
    local = to_crs_checked(areas, metric_crs(areas), step="site map")
    simple = shapely.simplify(np.asarray(local.geometry), SIMPLIFY_M, preserve_topology=True)
    lonlat = gpd.GeoSeries(simple, crs=local.crs).to_crs(WEB_CRS)
    return lonlat.apply(lambda g: shapely.transform(g, lambda xy: np.round(xy, 5)))


def _series(values: pd.Series | None, name: str) -> dict[str, float]:
    if values is None:
        return {}
    out = {}
    for key, value in pd.Series(values).items():
        if pd.notna(value):
            out[str(key)] = float(value)
    if any(v < 0 for v in out.values()):
        raise SiteMapError(f"{name}: counts must be 0 or more")
    return out


def _popup_table(title: str, rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><td>{html.escape(k)}</td><td><b>{html.escape(v)}</b></td></tr>"
                    for k, v in rows)
    return f'<div class="g4m-popup"><strong>{html.escape(title)}</strong><table>{cells}</table></div>'


class _Popup(MacroElement):
    """A popup bound to its parent layer (folium's Popup needs jQuery, which is not inlined)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup({{ this.html|tojson }}, {"maxWidth": 300});
        {% endmacro %}
    """)

    def __init__(self, html_text: str) -> None:
        super().__init__()
        self._name = "Geo4miPopup"
        self.html = html_text


class _Init(MacroElement):
    """Start the project's site-map code (``static/sites.js``, inlined in the head)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        geo4miSites.init({{ this._parent.get_name() }}, {{ this.config }});
        {% endmacro %}
    """)

    def __init__(self, config: dict) -> None:
        super().__init__()
        self._name = "Geo4miSites"
        self.config = json.dumps(config, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")


def _legend_html(lang: str, mode: str, types: list[str], catchment_m: float | None,
                 colours: list[str], has_unplanned: bool) -> str:
    title = t("sites.target" if mode == "target" else "sites.achieved", lang)
    items = [f'<li><span class="g4m-swatch" style="background:{col}"></span>{label}</li>'
             for col, label in zip(colours, _class_labels())]
    if mode == "achieved":
        items.insert(0, f'<li><span class="g4m-swatch" style="background:{NO_DATA_COLOR}">'
                        f'</span>{html.escape(t("no_interviews", lang))}</li>')
    if has_unplanned:
        items.append(f'<li><span class="g4m-swatch" style="background:{NOT_IN_PLAN_COLOR}">'
                     f'</span>{html.escape(t("sites.not_in_plan", lang))}</li>')
    site_items = [f'<li>{symbol_svg(code, 16)}{html.escape(type_label(code, lang))}</li>'
                  for code in types]
    parts = [f"<h4>{html.escape(title)}</h4><ul>{''.join(items)}</ul>"]
    if site_items:
        parts.append(f"<h4>{html.escape(t('sites.sites', lang))}</h4>"
                     f"<ul>{''.join(site_items)}</ul>")
    if catchment_m:
        parts.append(f'<ul><li><span class="g4m-ring"></span>'
                     f'{html.escape(t("sites.catchment_legend", lang, radius=_fmt_m(catchment_m)))}'
                     f'</li></ul>')
    parts.append(f'<p class="g4m-note">{html.escape(t("sites.counts_note", lang))}</p>')
    parts.append(f'<p class="g4m-note">{html.escape(t("sites.public_only", lang))}</p>')
    return '<div class="g4m-legend" data-role="legend">' + "".join(parts) + "</div>"


def _fmt_m(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


class _Corner(MacroElement):
    """A fixed HTML box in a map corner (legend) added as a Leaflet control."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var box = L.control({position: {{ this.position|tojson }}});
            box.onAdd = function () {
                var div = L.DomUtil.create("div", "");
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            box.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, html_text: str, position: str = "bottomright") -> None:
        super().__init__()
        self._name = "Geo4miCorner"
        self.html = html_text
        self.position = position


def sites_map(areas: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, *,
              achieved: pd.Series | None = None, plan: pd.DataFrame | None = None,
              lang: str = "es", catchment_m: float | None = 1000.0, synthetic: bool = False,
              title: str = "") -> folium.Map:
    """Build the site-mapping map.

    Parameters
    ----------
    areas : GeoDataFrame
        The *areas* table.
    sites : GeoDataFrame
        From :func:`geo4mi.sites.read_sites`.
    achieved : Series, optional
        Interviews achieved per ``area_id`` (counts only; e.g.
        ``Results.interviews_per_area()``).
    plan : DataFrame, optional
        From :func:`geo4mi.plan.allocate`; boroughs are then shaded by target, and popups
        show target against achieved.
    lang : {"es", "en"}
    catchment_m : float or None, default 1000
        Radius of the catchment circles in metres; None or 0 draws none.
    synthetic : bool
        Show the synthetic-data banner.
    title : str

    Returns
    -------
    folium.Map
        Write it with :func:`write_sites_map` (offline, deterministic).

    Examples
    --------
    >>> import pandas as pd
    >>> from geo4mi.boundaries import load_areas
    >>> from geo4mi.sites import read_sites, BUNDLED_SITES
    >>> areas = load_areas()
    >>> m = sites_map(areas, read_sites(BUNDLED_SITES, areas),
    ...               achieved=pd.Series({"09015": 40}), synthetic=True, title="Demo")
    >>> type(m).__name__
    'Map'
    """
    check_language(lang)
    if catchment_m is not None and (not isinstance(catchment_m, (int, float))
                                    or not math.isfinite(catchment_m) or catchment_m < 0):
        raise SiteMapError(f"catchment_m = {catchment_m!r} must be a distance in metres "
                           "(0 or None for no circles)")
    achieved_by = _series(achieved, "achieved")
    target_by: dict[str, float] = {}
    planned: set[str] = set()
    if plan is not None:
        missing = [c for c in ("area_id", "target") if c not in plan.columns]
        if missing:
            raise SiteMapError(f"plan lacks column {missing[0]!r}; build it with "
                               "geo4mi.plan.allocate")
        eligible = plan["eligible"] if "eligible" in plan.columns else plan["target"] > 0
        for area_id, target, ok in zip(plan["area_id"].astype(str), plan["target"], eligible):
            target_by[area_id] = float(target)
            if bool(ok):
                planned.add(area_id)
    mode = "target" if plan is not None else "achieved"
    colours = palette("neutral", len(COUNT_BREAKS))

    shapes = _borough_shapes(areas)
    minx, miny, maxx, maxy = shapes.total_bounds
    m = folium.Map(location=[round((miny + maxy) / 2, 5), round((minx + maxx) / 2, 5)],
                   zoom_start=10, tiles=None, control_scale=True)

    boroughs = folium.FeatureGroup(name=t("sites.layer_boroughs", lang), show=True)
    unplanned = False
    for area_id, name, geom in zip(areas["area_id"].astype(str), areas["area_name"], shapes):
        got = achieved_by.get(area_id)
        rows: list[tuple[str, str]] = []
        if mode == "target":
            if area_id in planned:
                value = target_by.get(area_id, 0.0)
                colour = colours[max(_count_class(value), 0)]
                rows.append((t("sites.target", lang), f"{value:.0f}"))
            else:
                colour, unplanned = NOT_IN_PLAN_COLOR, True
                rows.append((t("sites.target", lang), t("sites.not_in_plan", lang)))
        else:
            cls = _count_class(got)
            colour = NO_DATA_COLOR if cls < 0 else colours[cls]
        if achieved is not None:
            done = got or 0.0
            rows.append((t("sites.achieved", lang),
                         f"{done:.0f}" if done else f"0 ({t('no_interviews', lang)})"))
            if mode == "target" and area_id in planned and target_by.get(area_id):
                goal = target_by[area_id]
                rows.append((t("sites.progress", lang), f"{100 * done / goal:.0f} %"))
                rows.append((t("sites.remaining", lang), f"{max(goal - done, 0):.0f}"))
        feature = {"type": "Feature", "properties": {"area_id": area_id, "area_name": str(name)},
                   "geometry": shapely.geometry.mapping(geom)}
        layer = folium.GeoJson(
            feature, name=str(name), control=False,
            style_function=lambda _, c=colour: {"fillColor": c, "color": EDGE_COLOR,
                                                "weight": 1, "fillOpacity": 0.7},
            highlight_function=lambda _: {"weight": 3},
            tooltip=folium.Tooltip(html.escape(str(name))),
        )
        _Popup(_popup_table(str(name), rows)).add_to(layer)
        layer.add_to(boroughs)
    boroughs.add_to(m)

    lonlat = to_crs_checked(sites, WEB_CRS, step="site map")
    area_names = dict(zip(areas["area_id"].astype(str), areas["area_name"].astype(str)))
    types_present = [code for code in SITE_TYPES if code in set(sites["type"])]
    if catchment_m:
        circles = folium.FeatureGroup(name=t("sites.layer_catchment", lang,
                                             radius=_fmt_m(catchment_m)), show=True)
        for point in lonlat.geometry:
            folium.Circle(location=[round(point.y, 6), round(point.x, 6)], radius=catchment_m,
                          color=CATCHMENT_COLOR, weight=1, fill=True, fill_opacity=0.08,
                          opacity=0.6, class_name="g4m-catchment", interactive=False
                          ).add_to(circles)
        circles.add_to(m)
    for code in types_present:
        group = folium.FeatureGroup(name=t("sites.layer_sites", lang, type=type_label(code, lang)),
                                    show=True)
        chosen = sites["type"].to_numpy() == code
        for (_, row), point in zip(sites[chosen].iterrows(), lonlat.geometry[chosen]):
            where = (area_names.get(str(row["area_id"]), "") if bool(row["in_city"])
                     else t("sites.outside_city", lang))
            rows = [(t("sites.type", lang), type_label(code, lang)),
                    (t("borough", lang), where)]
            if str(row.get("notes") or ""):
                rows.append((t("sites.notes", lang), str(row["notes"])))
            marker = folium.Marker(
                location=[round(point.y, 6), round(point.x, 6)],
                icon=folium.DivIcon(html=symbol_svg(code), icon_size=(22, 22),
                                    icon_anchor=(11, 11),
                                    class_name=f"g4m-site g4m-site-{code}"),
                tooltip=html.escape(str(row["name"])))
            _Popup(_popup_table(str(row["name"]), rows)).add_to(marker)
            marker.add_to(group)
        group.add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)

    banner = (f'<p class="g4m-synthetic" data-role="synthetic">'
              f'{html.escape(t("synthetic_banner", lang))}</p>') if synthetic else ""
    head = f"<h1>{html.escape(title)}</h1>" if title else ""
    if head or banner:
        m.get_root().html.add_child(Element(
            f'<div class="g4m-title" data-role="title">{head}{banner}</div>'))
    _Corner(_legend_html(lang, mode, types_present, catchment_m, colours, unplanned)).add_to(m)
    config = {
        "attribution": html.escape(t("attribution_inegi", lang)),
        # fitted in sites.js without animation, so the view is final once the page has loaded
        "bounds": [[round(miny, 5), round(minx, 5)], [round(maxy, 5), round(maxx, 5)]],
        "download_name": t("sites.download_name", lang),
        "storage_key": title or "sites",
        "text": {key: template(f"sites.{key}", lang) for key in (  # sites.js fills {n}, {file}
            "workshop_mode", "workshop_stop", "workshop_help", "add_title", "edit_title",
            "name", "type", "notes", "save", "cancel", "edit", "delete", "candidate",
            "candidates", "download", "downloaded", "name_required", "drag_hint", "restored",
            "public_only")},
        "types": {code: {"label": type_label(code, lang), "svg": symbol_svg(code)}
                  for code in SITE_TYPES},
        "type_order": list(SITE_TYPES),
    }
    _Init(config).add_to(m)
    m.geo4mi_page = {"lang": lang, "title": title or t("sites.page_title", lang)}
    return m


def write_sites_map(m: folium.Map, path: str | os.PathLike[str], *,
                    overwrite: bool = True) -> Path:
    """Write the map as one self-contained offline HTML file, atomically.

    Leaflet, ``static/sites.css`` and ``static/sites.js`` are inlined and CDN links dropped
    by :func:`geo4mi.webmap.assets.render_offline_html`, which also makes element ids
    deterministic, so the same inputs give the same bytes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from geo4mi.boundaries import load_areas
    >>> from geo4mi.sites import read_sites, BUNDLED_SITES
    >>> areas = load_areas()
    >>> out = write_sites_map(sites_map(areas, read_sites(BUNDLED_SITES, areas)),
    ...                       pathlib.Path(tempfile.mkdtemp()) / "sites.html")
    >>> text = out.read_text(encoding="utf-8")
    >>> "<script src=" in text, "geo4miSites.init(" in text, '<html lang="es">' in text
    (False, True, True)
    """
    from geo4mi.webmap.assets import inline_static, render_offline_html, write_html

    page = getattr(m, "geo4mi_page", None)
    if page is None:
        raise SiteMapError("write_sites_map needs a map made by sites_map()")
    text = render_offline_html(m, extra_css=[inline_static("sites.css")],
                               extra_js=[inline_static("sites.js")], lang=page["lang"],
                               title=page["title"])
    return write_html(text, path, overwrite=overwrite)


def sites_map_for_results(results, *, lang: str | None = None, plan: pd.DataFrame | None = None,
                          plan_total: int | None = None,
                          sites: gpd.GeoDataFrame | None = None) -> folium.Map:
    """The site map of a pipeline run: what ``geo4mi map --kind sites`` and the demo draw.

    Sites come from the study's ``[sites]`` section (``sites`` overrides it). Boroughs are
    shaded by the interviews achieved (``Results.interviews_per_area()``), or by the targets
    of ``plan`` (e.g. :func:`geo4mi.plan.read_plan_csv`) when given, with target against
    achieved in the popups. ``plan_total`` instead allocates that many interviews with
    :func:`geo4mi.plan.plan_for_study` (the study's ``[plan]`` settings) and shows that plan.

    Examples
    --------
    >>> from geo4mi.pipeline import run
    >>> from geo4mi.study import bundled_study_path
    >>> m = sites_map_for_results(run(bundled_study_path()), plan_total=301)
    >>> "Meta de entrevistas" in m.get_root().render()
    True
    """
    from geo4mi.plan import plan_for_study
    from geo4mi.sites import read_sites

    study = results.study
    lang = lang or study.language
    if sites is None:
        if study.sites is None:
            raise SiteMapError(f"{study.path}: no [sites] section; add one with path = "
                               "\"sites.csv\" to draw the site map")
        sites = read_sites(study.sites.path, results.areas)
    if plan is not None and plan_total is not None:
        raise SiteMapError("give plan or plan_total, not both")
    if plan_total is not None:
        plan = plan_for_study(study, results.areas, sites, total=plan_total)
    catchment = study.sites.catchment_m if study.sites is not None else 1000.0
    return sites_map(results.areas, sites, achieved=results.interviews_per_area(), plan=plan,
                     lang=lang, catchment_m=catchment, synthetic=study.synthetic,
                     title=study.title_in(lang))
