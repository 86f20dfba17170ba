"""Context layers: public lines and places drawn on the maps to help readers find their way.

A study declares them in ``[[context]]`` tables (paths relative to the study file)::

    [[context]]
    path = "context_metro_lines.geojson"
    kind = "line"                      # "line" or "point"
    label = { es = "Metro", en = "Metro" }
    name_field = { es = "name_es", en = "name_en" }   # or one field for every language
    colour_field = "colour"            # or colour = "#555555"
    detail_field = "route"             # optional: shown under the name
    where = { category = "market" }    # optional: keep the features whose fields match
    shown = true                       # on when the map opens (default true), or per map:
                                       # shown = { choropleth = false, sites = true }

The maps get each layer as compact arrays (:func:`context_layers_data`): lines are
simplified (``simplify_m``) and coordinates rounded, so the page stays small; names and
details travel as text and are drawn with ``textContent``. Nothing here knows a city: the
bundled Mexico City study declares its Metro, Metrobús and landmark layers in
``data/mexico_city.toml``.

Examples
--------
>>> from geo4mi.study import bundled_study_path, load_study
>>> layers = load_study(bundled_study_path()).context
>>> [layer.label["en"] for layer in layers][:2]
['Metro lines', 'Metro stations']
>>> data = context_layers_data(layers, "en")
>>> data[0]["kind"], data[0]["features"][0][0]
('line', 'Line 1')
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geo4mi.errors import InputFileError, StudyError
from geo4mi.i18n import LANGUAGES

log = logging.getLogger(__name__)

KINDS = ("line", "point")
MAPS = ("choropleth", "sites")  # the map kinds a per-map ``shown`` table may name
_KEYS = ("path", "kind", "label", "name_field", "detail_field", "colour", "colour_field",
         "where", "shown", "simplify_m")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_COLOUR = "#555555"


@dataclass(frozen=True)
class ContextLayer:
    """One ``[[context]]`` table of a study file (paths absolute)."""

    path: Path
    kind: str
    label: dict[str, str]
    name_field: dict[str, str]
    detail_field: str | None = None
    colour: str = DEFAULT_COLOUR
    colour_field: str | None = None
    where: dict[str, str] = field(default_factory=dict)
    shown: bool = True
    simplify_m: float = 15.0
    shown_on: dict[str, bool] = field(default_factory=dict)

    def shown_in(self, map_kind: str | None) -> bool:
        """Whether the layer is on when a map of ``map_kind`` opens (``shown`` otherwise).

        Examples
        --------
        >>> [layer] = parse_context_layers(Path("s.toml"), [{
        ...     "path": "x.geojson", "kind": "point", "label": "X", "name_field": "name",
        ...     "shown": {"choropleth": False, "sites": True}}])
        >>> layer.shown_in("choropleth"), layer.shown_in("sites"), layer.shown_in(None)
        (False, True, True)
        """
        return self.shown_on.get(map_kind, self.shown) if map_kind else self.shown

    def label_in(self, lang: str) -> str:
        """The layer's label in ``lang`` (falls back to any language given)."""
        return self.label.get(lang) or next(iter(self.label.values()))


def _per_language(value: Any) -> dict[str, str] | None:
    if isinstance(value, str) and value.strip():
        return dict.fromkeys(LANGUAGES, value)
    if (isinstance(value, dict) and value and all(k in LANGUAGES for k in value)
            and all(isinstance(v, str) and v.strip() for v in value.values())):
        return dict(value)
    return None


def parse_context_layers(path: Path, tables: Any) -> tuple[ContextLayer, ...]:
    """Check the ``[[context]]`` tables of the study file ``path``.

    Raises
    ------
    StudyError
        A table has an unknown or missing key, or a value of the wrong kind; the message
        names the table (``[[context]] 2``), the key and what to write.

    Examples
    --------
    >>> parse_context_layers(Path("s.toml"), [{"path": "x.geojson", "kind": "area",
    ...                                        "label": "X", "name_field": "name"}])
    Traceback (most recent call last):
    ...
    geo4mi.errors.StudyError: s.toml: [[context]] 1: kind = 'area' must be one of line, point
    """
    if tables is None:
        return ()
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise StudyError(f"{path}: context must be written as [[context]] tables (one per "
                         "layer); see the README's study file section")
    layers = []
    for i, table in enumerate(tables, start=1):
        where = f"{path}: [[context]] {i}"
        unknown = sorted(set(table) - set(_KEYS))
        if unknown:
            raise StudyError(f"{where}: unknown key {unknown[0]!r}; allowed keys: "
                             f"{', '.join(_KEYS)}")
        for key in ("path", "kind", "label", "name_field"):
            if key not in table:
                raise StudyError(f"{where}: missing key {key!r}")
        if not isinstance(table["path"], str) or not table["path"].strip():
            raise StudyError(f"{where}: path = {table['path']!r} must be a file path (text)")
        if table["kind"] not in KINDS:
            raise StudyError(f"{where}: kind = {table['kind']!r} must be one of "
                             f"{', '.join(KINDS)}")
        label, names = _per_language(table["label"]), _per_language(table["name_field"])
        if label is None or names is None:
            key = "label" if label is None else "name_field"
            raise StudyError(f"{where}: {key} = {table[key]!r} must be text or a table "
                             'such as { es = "...", en = "..." }')
        colour = table.get("colour", DEFAULT_COLOUR)
        if not isinstance(colour, str) or not _COLOUR.fullmatch(colour):
            raise StudyError(f"{where}: colour = {colour!r} must be a colour such as "
                             '"#1f4e79"')
        for key in ("detail_field", "colour_field"):
            if key in table and (not isinstance(table[key], str) or not table[key].strip()):
                raise StudyError(f"{where}: {key} = {table[key]!r} must be a field name")
        filters = table.get("where", {})
        if not isinstance(filters, dict) or not all(isinstance(v, str)
                                                    for v in filters.values()):
            raise StudyError(f"{where}: where = {filters!r} must be a table of field = "
                             'value, such as { category = "market" }')
        shown = table.get("shown", True)
        per_map: dict[str, bool] = {}
        if isinstance(shown, dict):
            if not shown or not all(k in MAPS and isinstance(v, bool) for k, v in shown.items()):
                raise StudyError(f"{where}: shown = {shown!r} must be true, false or a table "
                                 "such as { choropleth = false, sites = true }")
            per_map, shown = dict(shown), any(shown.values())
        elif not isinstance(shown, bool):
            raise StudyError(f"{where}: shown = {table['shown']!r} must be true or false")
        tolerance = table.get("simplify_m", 15.0)
        if (not isinstance(tolerance, (int, float)) or isinstance(tolerance, bool)
                or tolerance < 0):
            raise StudyError(f"{where}: simplify_m = {tolerance!r} must be 0 or more metres")
        layers.append(ContextLayer(
            path=(path.parent / table["path"]).resolve(), kind=table["kind"], label=label,
            name_field=names, detail_field=table.get("detail_field"),
            colour=colour.lower(), colour_field=table.get("colour_field"),
            where=dict(filters), shown=shown, shown_on=per_map,
            simplify_m=float(tolerance)))
    return tuple(layers)


@functools.lru_cache(maxsize=16)
def _read(path: Path, mtime: float) -> gpd.GeoDataFrame:
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:
        raise InputFileError(f"{path}: cannot read this context layer ({exc}); give a "
                             "GeoJSON or GeoPackage file") from exc
    if gdf.crs is None:
        raise InputFileError(f"{path}: the context layer has no CRS; save it with one "
                             "(GeoJSON is EPSG:4326)")
    return gdf.to_crs("EPSG:4326")


def _select(layer: ContextLayer) -> gpd.GeoDataFrame:
    if not layer.path.is_file():
        raise InputFileError(f"{layer.path}: context layer file not found; fix its path in "
                             "the study's [[context]] table")
    gdf = _read(layer.path, layer.path.stat().st_mtime)
    needed = [*set(layer.name_field.values()), *layer.where]
    needed += [f for f in (layer.detail_field, layer.colour_field) if f]
    for name in needed:
        if name not in gdf.columns:
            raise InputFileError(f"{layer.path}: no field {name!r}; the fields are "
                                 f"{', '.join(c for c in gdf.columns if c != 'geometry')}")
    keep = np.ones(len(gdf), dtype=bool)
    for key, value in layer.where.items():
        keep &= (gdf[key].astype(str) == value).to_numpy()
    return gdf[keep & ~gdf.geometry.is_empty.to_numpy() & gdf.geometry.notna().to_numpy()]


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _line_parts(geom: Any, tolerance_m: float) -> list[list[list[float]]]:
    parts = []
    if geom.geom_type == "MultiLineString":
        geom = shapely.line_merge(geom)
    for line in shapely.get_parts(geom):
        if line.geom_type not in ("LineString", "LinearRing"):
            continue  # a point or polygon in a line layer is not drawn
        coords = np.asarray(line.coords)[:, :2]
        if tolerance_m > 0 and len(coords) > 2:
            # simplify in degrees scaled to metres at this latitude (no reprojection needed
            # for a tolerance of metres on a city-sized layer)
            scale = 111_320.0
            simple = shapely.simplify(shapely.LineString(coords), tolerance_m / scale)
            coords = np.asarray(simple.coords)
        rounded = np.round(coords[:, ::-1], 4)  # lat, lon; 1e-4 degree is about 11 m
        keep = np.r_[True, np.any(np.diff(rounded, axis=0) != 0, axis=1)]
        if keep.sum() >= 2:
            parts.append(rounded[keep].tolist())
    return parts


def context_layers_data(layers: Sequence[ContextLayer], lang: str,
                        map_kind: str | None = None) -> list[dict[str, Any]]:
    """The layers as the maps' script draws them, in study order.

    Each layer is ``{"label", "kind", "shown", "colour", "features"}`` (``shown`` for a map
    of ``map_kind``, one of :data:`MAPS`, when the study sets it per map); a line feature is
    ``[name, detail, colour, parts]`` (parts: lists of ``[lat, lon]``, 4 decimals), a point
    ``[name, detail, lat, lon]`` (5 decimals, about a metre). Features keep the file's
    order; the same files give the same data.

    Examples
    --------
    >>> from geo4mi.study import bundled_study_path, load_study
    >>> data = context_layers_data(load_study(bundled_study_path()).context, "es")
    >>> stations = data[1]
    >>> stations["label"], len(stations["features"][0])
    ('Estaciones del Metro', 4)
    """
    out = []
    for layer in layers:
        gdf = _select(layer)
        name_field = layer.name_field.get(lang) or next(iter(layer.name_field.values()))
        names = [_text(v) for v in gdf[name_field]]
        details = ([_text(v) for v in gdf[layer.detail_field]] if layer.detail_field
                   else [""] * len(gdf))
        features: list[list[Any]] = []
        if layer.kind == "point":
            points = gdf.geometry.representative_point()
            for name, detail, p in zip(names, details, points, strict=True):
                features.append([name, detail, round(p.y, 5), round(p.x, 5)])
        else:
            colours = ([_text(v).lower() if _COLOUR.fullmatch(_text(v)) else layer.colour
                        for v in gdf[layer.colour_field]] if layer.colour_field
                       else [layer.colour] * len(gdf))
            for name, detail, colour, geom in zip(names, details, colours, gdf.geometry,
                                                  strict=True):
                parts = _line_parts(geom, layer.simplify_m)
                if parts:
                    features.append([name, detail, colour, parts])
        out.append({"label": layer.label_in(lang), "kind": layer.kind,
                    "shown": layer.shown_in(map_kind), "colour": layer.colour,
                    "features": features})
    return out

