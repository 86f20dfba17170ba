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

Borough and site names, notes and the title come from outside the project (boundary files,
sites files, workshop GeoJSON): they travel only in the page's JSON block, and
``static/sites.js`` draws every layer, tooltip and popup from it with DOM text nodes. Title,
banner and legend come from autoescaped templates (``templates/sites_*.html``).

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

import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import Markup

from geo4mi.boundaries import WEB_CRS, metric_crs, to_crs_checked
from geo4mi.classify import COUNT_BREAKS, EDGE_COLOR, NO_DATA_COLOR, SUPPRESSED_COLOR, palette
from geo4mi.context import ContextLayer
from geo4mi.errors import SiteMapError
from geo4mi.i18n import Wording, attribution_line, check_language, t, template, use_wording
from geo4mi.sites import NAME_MAX_CHARS, NOTES_MAX_CHARS, SITE_TYPES, type_label
from geo4mi.webmap.assets import (
    OfflineMap,
    Verbatim,
    common_script,
    data_block,
    inline_static,
    render_fragment,
    render_offline_html,
    write_html,
)
from geo4mi.webmap.orientation import add_orientation, unit_places

log = logging.getLogger(__name__)


NOT_IN_PLAN_COLOR = "#e6e6e6"
CATCHMENT_COLOR = "#1f4e79"
CANDIDATE_COLOR = "#b45309"  # workshop candidates and their catchments (dashed)
SIMPLIFY_M = 10.0  # borough outlines are simplified to 10 m for the web map

#: Workshop texts that ``static/sites.js`` fills itself ({n}, {file}, {name}...).
WORKSHOP_TEXT = (
    "workshop_mode", "workshop_stop", "workshop_help", "add_title", "edit_title", "name",
    "type", "notes", "save", "cancel", "edit", "delete", "candidate", "candidates", "download",
    "downloaded", "name_required", "drag_hint", "restored", "public_only", "skip_link",
    "add_centre", "undo", "undone", "clear_all", "cleared", "deleted", "keys_hint",
    "panel_show", "panel_hide",
    "act_add", "act_move", "act_keymove", "act_delete", "act_edit", "act_clear", "act_load",
    "candidate_label", "list_title", "print_list", "print_coords", "lat", "lon", "unit",
    "outside", "load", "loaded", "load_refused", "bad_json", "bad_collection", "bad_point",
    "bad_name", "bad_type", "bad_notes", "too_many", "group", "group_none", "new_group",
    "new_group_name", "new_group_warn", "new_group_confirm", "new_group_done")
#: Workshop texts that are the interface's plain keys, not ``sites.`` ones.
PLAIN_TEXT = ("unit", "group")

#: Symbol per site type: shape and colour (Okabe-Ito, colour-blind safe); shapes differ too.
SYMBOLS: dict[str, tuple[str, str]] = {
    "public_office": ("square", "#0072B2"),
    "square_park": ("circle", "#009E73"),
    "market": ("diamond", "#E69F00"),
    "metro_station": ("hexagon", "#D55E00"),
    "community_centre": ("triangle", "#CC79A7"),
    "ngo_office": ("star", "#56B4E9"),
}

def symbol_svg(site_type: str, size: int = 20) -> Markup:
    """Inline SVG of a site type's symbol (shape + colour, white halo, dark outline).

    Made by geo4mi from its own constants (markup, not user text); the type's label is
    escaped by :class:`markupsafe.Markup`.

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
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
                  f'viewBox="0 0 {size} {size}" data-type="{{}}" role="img" aria-label="{{}}">'
                  f'<g fill="{colour}" stroke="#1a1a1a" stroke-width="1.5" '
                  f'paint-order="stroke">{body}</g></svg>').format(site_type,
                                                                   SITE_TYPES[site_type]["en"])


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


def label_weights(areas: pd.DataFrame, shapes: gpd.GeoSeries) -> dict[str, int]:
    """Order of the area names in the map's label pass (``static/orientation.js``; higher
    first): the smallest areas (by the extent of their outline) first, as they have the
    least room, and at city zoom the central ones are also where count symbols gather.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> areas = pd.DataFrame({"area_name": ["Big", "Small", "Mid"]})
    >>> shapes = gpd.GeoSeries([box(0, 0, 4, 4), box(0, 0, 1, 1), box(0, 0, 2, 2)])
    >>> label_weights(areas, shapes)
    {'Small': 3, 'Mid': 2, 'Big': 1}
    """
    bounds = shapes.bounds
    size = ((bounds["maxx"] - bounds["minx"]) * (bounds["maxy"] - bounds["miny"])).to_numpy()
    names = areas["area_name"].astype(str).to_numpy()
    order = sorted(range(len(names)), key=lambda i: (float(size[i]), str(names[i])))
    weights: dict[str, int] = {}
    for k, i in enumerate(order):
        weights.setdefault(str(names[i]), len(order) - k)
    return weights


def _series(values: pd.Series | None, name: str) -> dict[str, float]:
    """Counts by area id; a count the estimates hide (NA) is NaN."""
    if values is None:
        return {}
    out = {}
    for key, value in pd.Series(values).items():
        out[str(key)] = float(value) if pd.notna(value) else math.nan
    if any(v < 0 for v in out.values()):
        raise SiteMapError(f"{name}: counts must be 0 or more")
    return out


class _Sites(MacroElement):
    """Start ``static/sites.js`` on the map; its parts (CSS, JS, title, legend, data) are
    :class:`Verbatim` children, so this template holds no text."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        geo4miSites.init({{ this._parent.get_name() }},
            JSON.parse(document.getElementById("g4m-data").textContent));
        {% endmacro %}
    """)

    def __init__(self, data: dict[str, Any], title_html: str, legend_html: str) -> None:
        super().__init__()
        self._name = "Geo4miSites"
        for child in (common_script(),
                      Verbatim.style(inline_static("sites.css"), part="header"),
                      Verbatim.script(inline_static("sites.js"), part="header"),
                      Verbatim(title_html, part="html"), Verbatim(legend_html, part="html"),
                      data_block("g4m-data", data)):
            self.add_child(child)


def _legend_html(lang: str, mode: str, types: list[str], catchment_m: float | None,
                 colours: list[str], has_unplanned: bool, has_hidden: bool = False, *,
                 badges: bool = False) -> str:
    classes = [{"colour": col, "label": label}
               for col, label in zip(colours, _class_labels(), strict=True)]
    if mode == "achieved":
        classes.insert(0, {"colour": NO_DATA_COLOR, "label": t("no_interviews", lang)})
        if has_hidden:
            classes.insert(1, {"colour": SUPPRESSED_COLOR, "label": t("hidden_count", lang)})
    if has_unplanned:
        classes.append({"colour": NOT_IN_PLAN_COLOR, "label": t("sites.not_in_plan", lang)})
    return render_fragment(
        "sites_legend.html",
        heading=t("sites.target" if mode == "target" else "sites.achieved", lang),
        classes=classes, sites_heading=t("sites.sites", lang),
        types=[{"svg": symbol_svg(code, 16), "label": type_label(code, lang)} for code in types],
        catchment=(t("sites.catchment_legend", lang, radius=_fmt_m(catchment_m))
                   if catchment_m else ""),
        badge=(({"target": t("sites.badge_example_target", lang),
                 "achieved": t("sites.badge_example_achieved", lang)}[mode],
                t(f"sites.badge_legend_{mode}", lang)) if badges else None),
        group=t("sites.group_legend", lang),
        candidate_svg=symbol_svg("market", 16), candidate=t("sites.candidate_legend", lang),
        candidate_catchment=(t("sites.candidate_catchment_legend", lang,
                               radius=_fmt_m(catchment_m)) if catchment_m else ""),
        notes=[t("sites.counts_note", lang), t("sites.public_only", lang)])


def _fmt_m(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


@dataclass(frozen=True, eq=False)
class SiteMapData:
    """What the site map draws, every file already read and every plan already allocated.

    Parameters
    ----------
    areas : GeoDataFrame
        The *areas* table.
    sites : GeoDataFrame
        From :func:`geo4mi.sites.read_sites`.
    achieved : Series, optional
        Interviews achieved per ``area_id`` (counts only, as published: NA where the
        estimates hide a count; e.g. ``Results.published_interviews()[0]``).
    plan : DataFrame, optional
        From :func:`geo4mi.sites.plan.allocate`; boroughs are then shaded by target, and
        popups show target against achieved.
    synthetic : bool
        Show the synthetic-data banner.
    context : sequence of ContextLayer
        Context layers (``Study.context``).
    """

    areas: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    achieved: pd.Series | None = None
    plan: pd.DataFrame | None = None
    synthetic: bool = False
    context: tuple[ContextLayer, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "context", tuple(self.context))


@dataclass(frozen=True)
class SiteMapSettings:
    """How the site map is drawn (see :func:`sites_map`); checked when made.

    Examples
    --------
    >>> SiteMapSettings(catchment_m=-1)
    Traceback (most recent call last):
    ...
    geo4mi.errors.SiteMapError: catchment_m = -1 must be a distance in metres (0 or None ...
    """

    lang: str = "es"
    catchment_m: float | None = 1000.0
    title: str = ""
    wording: Wording | None = None

    def __post_init__(self) -> None:
        check_language(self.lang)
        catchment_m = self.catchment_m
        if catchment_m is not None and (not isinstance(catchment_m, (int, float))
                                        or not math.isfinite(catchment_m) or catchment_m < 0):
            raise SiteMapError(f"catchment_m = {catchment_m!r} must be a distance in metres "
                               "(0 or None for no circles)")


def render_sites_map(data: SiteMapData, settings: SiteMapSettings | None = None) -> OfflineMap:
    """The site map of ``data`` drawn with ``settings``; reads no file, allocates nothing.

    Examples
    --------
    >>> from geo4mi.boundaries import load_areas
    >>> from geo4mi.sites import read_sites, BUNDLED_SITES
    >>> areas = load_areas()
    >>> m = render_sites_map(SiteMapData(areas, read_sites(BUNDLED_SITES, areas)),
    ...                      SiteMapSettings(lang="en", catchment_m=0))
    >>> "Catchment (" in m.get_root().render()
    False
    """
    settings = settings or SiteMapSettings()
    with use_wording(settings.wording):
        m = _sites_map(data, settings)
        return add_orientation(m, data.areas, data.context, lang=settings.lang,
                               map_kind="sites")


def sites_map(areas: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, *,
              achieved: pd.Series | None = None, plan: pd.DataFrame | None = None,
              lang: str = "es", catchment_m: float | None = 1000.0, synthetic: bool = False,
              title: str = "", wording: Wording | None = None,
              context: Sequence[ContextLayer] = ()) -> OfflineMap:
    """Build the site-mapping map.

    The one-call form of :func:`render_sites_map`: ``render_sites_map(SiteMapData(areas,
    sites, achieved, plan, synthetic, context), SiteMapSettings(lang, catchment_m, title,
    wording))``.

    Parameters
    ----------
    areas : GeoDataFrame
        The *areas* table.
    sites : GeoDataFrame
        From :func:`geo4mi.sites.read_sites`.
    achieved : Series, optional
        Interviews achieved per ``area_id`` (counts only; e.g.
        ``Results.published_interviews()``).
    plan : DataFrame, optional
        From :func:`geo4mi.sites.plan.allocate`; boroughs are then shaded by target, and popups
        show target against achieved.
    lang : {"es", "en"}
    catchment_m : float or None, default 1000
        Radius of the catchment circles in metres; None or 0 draws none.
    synthetic : bool
        Show the synthetic-data banner.
    title : str
    wording : Wording, optional
        The study's words (unit, place, attribution; ``Study.wording``); default: the
        current wording (:func:`geo4mi.i18n.use_wording`), neutral unless set.
    context : sequence of ContextLayer
        Context layers (``Study.context``), drawn with unit labels and a place search by
        :func:`geo4mi.webmap.orientation.add_orientation`.

    Returns
    -------
    OfflineMap
        A ``folium.Map`` (:class:`geo4mi.webmap.assets.OfflineMap`); write it with
        :func:`write_sites_map` (offline, deterministic). Names, notes and the title are
        shown as text, never as markup or code.

    Examples
    --------
    >>> import pandas as pd
    >>> from geo4mi.boundaries import load_areas
    >>> from geo4mi.sites import read_sites, BUNDLED_SITES
    >>> areas = load_areas()
    >>> m = sites_map(areas, read_sites(BUNDLED_SITES, areas),
    ...               achieved=pd.Series({"09015": 40}), synthetic=True, title="Demo")
    >>> type(m).__name__
    'OfflineMap'
    """
    settings = SiteMapSettings(lang=lang, catchment_m=catchment_m, title=title,
                               wording=wording)
    data = SiteMapData(areas, sites, achieved=achieved, plan=plan, synthetic=synthetic,
                       context=tuple(context))
    return render_sites_map(data, settings)


def _sites_map(data: SiteMapData, settings: SiteMapSettings) -> OfflineMap:
    areas, sites, achieved, plan = data.areas, data.sites, data.achieved, data.plan
    lang, catchment_m, title = settings.lang, settings.catchment_m, settings.title
    achieved_by = _series(achieved, "achieved")
    target_by: dict[str, float] = {}
    planned: set[str] = set()
    if plan is not None:
        missing = [c for c in ("area_id", "target") if c not in plan.columns]
        if missing:
            raise SiteMapError(f"plan lacks column {missing[0]!r}; build it with "
                               "geo4mi.sites.plan.allocate")
        eligible = plan["eligible"] if "eligible" in plan.columns else plan["target"] > 0
        for area_id, target, ok in zip(plan["area_id"].astype(str), plan["target"], eligible,
                                       strict=True):
            target_by[area_id] = float(target)
            if bool(ok):
                planned.add(area_id)
    mode = "target" if plan is not None else "achieved"
    colours = palette("neutral", len(COUNT_BREAKS))

    shapes = _borough_shapes(areas)
    minx, miny, maxx, maxy = shapes.total_bounds
    m = OfflineMap(location=[round((miny + maxy) / 2, 5), round((minx + maxx) / 2, 5)],
                   zoom_start=10, control_scale=False, lang=lang,
                   title=title or t("sites.page_title", lang))
    boroughs, unplanned = _borough_features(areas, shapes, lang, mode, colours, achieved_by,
                                            achieved is not None, target_by, planned)
    types_present = [code for code in SITE_TYPES if code in set(sites["type"])]
    page = {
        "attribution": attribution_line(lang),
        # fitted in sites.js without animation, so the view is final once the page has loaded
        "bounds": [[round(miny, 5), round(minx, 5)], [round(maxy, 5), round(maxx, 5)]],
        "download_name": t("sites.download_name", lang),
        "legend": t("map.legend", lang),  # the legend's toggle on narrow screens
        "storage_key": title or "sites",
        "text": {key: template(key if key in PLAIN_TEXT else f"sites.{key}", lang)
                 for key in WORKSHOP_TEXT},
        "name_max": NAME_MAX_CHARS, "notes_max": NOTES_MAX_CHARS,  # as `sites import` checks
        # svg: geo4mi's own markup (symbol_svg), the only markup in the data
        "types": {code: {"label": type_label(code, lang), "svg": str(symbol_svg(code))}
                  for code in SITE_TYPES},
        "type_order": list(SITE_TYPES),
        "layers": {"areas": t("sites.layer_boroughs", lang),
                   "catchment": (t("sites.layer_catchment", lang, radius=_fmt_m(catchment_m))
                                 if catchment_m else ""),
                   "badges": t("sites.layer_badges" if mode == "target"
                               else "sites.layer_badges_achieved", lang),
                   "sites": {code: t("sites.layer_sites", lang, type=type_label(code, lang))
                             for code in types_present}},
        "style": {"edge": EDGE_COLOR, "catchment": CATCHMENT_COLOR,
                  "candidate": CANDIDATE_COLOR},
        "catchment_m": float(catchment_m or 0),
        "areas": {"type": "FeatureCollection", "features": boroughs},
        "sites": _site_records(sites, areas, lang),
        "badges": _badges(areas, shapes, lang, mode, achieved_by, achieved is not None,
                          target_by, planned),
        "label_weights": label_weights(areas, shapes),
    }
    title_html = render_fragment("sites_title.html", title=title, synthetic=data.synthetic,
                                 banner=t("synthetic_banner", lang))
    legend_html = _legend_html(lang, mode, types_present, catchment_m, colours, unplanned,
                               any(math.isnan(v) for v in achieved_by.values()),
                               badges=bool(page["badges"]))
    _Sites(page, title_html, legend_html).add_to(m)
    return m


def _borough_features(areas: gpd.GeoDataFrame, shapes: gpd.GeoSeries, lang: str, mode: str,
                      colours: list[str], achieved_by: dict[str, float], has_achieved: bool,
                      target_by: dict[str, float], planned: set[str]
                      ) -> tuple[list[dict[str, Any]], bool]:
    """Boroughs as GeoJSON features: id, name, fill colour and popup rows (label, value)."""
    features = []
    unplanned = False
    for area_id, name, geom in zip(areas["area_id"].astype(str), areas["area_name"], shapes,
                                   strict=True):
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
        elif got is not None and math.isnan(got):
            colour = SUPPRESSED_COLOR
        else:
            cls = _count_class(got)
            colour = NO_DATA_COLOR if cls < 0 else colours[cls]
        if has_achieved and got is not None and math.isnan(got):  # hidden by the estimates
            rows.append((t("sites.achieved", lang), t("hidden_count", lang)))
        elif has_achieved:
            done = got or 0.0
            rows.append((t("sites.achieved", lang),
                         f"{done:.0f}" if done else f"0 ({t('no_interviews', lang)})"))
            if mode == "target" and area_id in planned and target_by.get(area_id):
                goal = target_by[area_id]
                rows.append((t("sites.progress", lang), f"{100 * done / goal:.0f} %"))
                rows.append((t("sites.remaining", lang), f"{max(goal - done, 0):.0f}"))
        features.append({"type": "Feature",
                         "properties": {"id": area_id, "name": str(name), "fill": colour,
                                        "rows": rows},
                         "geometry": shapely.geometry.mapping(geom)})
    return features, unplanned


def _badges(areas: gpd.GeoDataFrame, shapes: gpd.GeoSeries, lang: str, mode: str,
            achieved_by: dict[str, float], has_achieved: bool, target_by: dict[str, float],
            planned: set[str]) -> list[dict[str, Any]]:
    """One label per area for the map itself: "achieved / target" (a plan) or "achieved".

    Placed at the point of the area's name label (the page draws it just under the name;
    the representative point, always inside the area, when there is no label); none for an
    area whose count the estimates hide, or that a plan leaves out. ``name`` ties it to its
    unit's name label for the page's label collision pass.
    """
    if not has_achieved:
        return []
    at_label = {p["name"]: (p["lat"], p["lon"]) for p in unit_places(areas)}
    out = []
    for area_id, name, geom in zip(areas["area_id"].astype(str), areas["area_name"].astype(str),
                                   shapes, strict=True):
        done = achieved_by.get(area_id, 0.0)
        if math.isnan(done) or (mode == "target" and area_id not in planned):
            continue
        point = geom.representative_point()
        lat, lon = at_label.get(name, (round(point.y, 5), round(point.x, 5)))
        badge = {"lat": lat, "lon": lon, "name": name, "done": False}
        if mode == "target":
            goal = target_by.get(area_id, 0.0)
            badge.update(text=f"{done:.0f} / {goal:.0f}", done=bool(goal and done >= goal),
                         title=t("sites.badge_title_target", lang, achieved=f"{done:.0f}",
                                 target=f"{goal:.0f}"))
        else:
            badge.update(text=f"{done:.0f}",
                         title=t("sites.badge_title_achieved", lang, achieved=f"{done:.0f}"))
        out.append(badge)
    return out


def _site_records(sites: gpd.GeoDataFrame, areas: gpd.GeoDataFrame,
                  lang: str) -> list[dict[str, Any]]:
    """Sites in file order: name, type, lat, lon and popup rows (label, value)."""
    lonlat = to_crs_checked(sites, WEB_CRS, step="site map")
    area_names = dict(zip(areas["area_id"].astype(str), areas["area_name"].astype(str),
                          strict=True))
    records = []
    for (_, row), point in zip(sites.iterrows(), lonlat.geometry, strict=True):
        code = str(row["type"])
        where = (area_names.get(str(row["area_id"]), "") if bool(row["in_city"])
                 else t("sites.outside_city", lang))
        rows = [(t("sites.type", lang), type_label(code, lang)), (t("unit", lang), where)]
        notes = row.get("notes")
        if isinstance(notes, str) and notes:
            rows.append((t("sites.notes", lang), notes))
        records.append({"name": str(row["name"]), "type": code, "lat": round(point.y, 6),
                        "lon": round(point.x, 6), "rows": rows})
    return records


def write_sites_map(m: OfflineMap, path: str | os.PathLike[str], *,
                    overwrite: bool = True) -> Path:
    """Write the map as one self-contained offline HTML file, atomically.

    Leaflet, ``static/sites.css`` and ``static/sites.js`` are inlined by
    :func:`geo4mi.webmap.assets.render_offline_html`, which also numbers element ids in
    order, so the same inputs give the same bytes.

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
    if not isinstance(m, OfflineMap) or not any(isinstance(c, _Sites)
                                                for c in m._children.values()):
        raise SiteMapError("write_sites_map needs a map made by sites_map()")
    return write_html(render_offline_html(m), path, overwrite=overwrite)
