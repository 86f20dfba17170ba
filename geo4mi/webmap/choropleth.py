"""The interactive choropleth: every indicator, group and classification in one offline page.

One copy of the borough geometry (simplified as a coverage, so no gaps or overlaps appear
between boroughs) and one compact table of values are embedded in the page; the project's
own ``static/choropleth.js`` restyles that single layer when the user picks an indicator,
a group or a classification. Classes, the wide-interval rule and the comparison with the
city-wide value are all computed here in Python (:mod:`geo4mi.classify`), so the map and
the static figures say the same thing; the browser only looks them up.

Inputs are only the *estimates* table, the *areas* GeoDataFrame and the catalogue
:class:`~geo4mi.labels.Labels` (``docs/design.md``): respondent-level data never reaches
this module, after :func:`geo4mi.indicators.suppression.published` (the one rule of what a
hidden estimate shows). Suppressed estimates travel as their status and why, never as
values or ``n``.

The values table (``"v"`` in the page's JSON) holds, per indicator and group value, a row
``[city, cells, quantile_breaks, natural_breaks]``:

* ``city`` is ``[p, ci_low, ci_high, n]`` for an ``ok`` estimate (whole percents), or a
  bare integer otherwise: ``0`` means no respondents (no interviews), ``-1`` suppressed for
  fewer than ``min_n`` respondents (``suppression == "small_n"``), ``-2`` suppressed so
  that a small figure cannot be worked out (any other reason);
* ``cells`` is one base64 string of bytes (:func:`pack_cells`), column by column over the
  areas listed in ``"cols"`` (areas never interviewed, ``n == 0`` in every row, are left
  out of the rows and drawn as "no interviews"): first one byte per area, the ``p`` of an
  ``ok`` cell (0-100) or ``255`` no interviews, ``254`` suppressed for small ``n``, ``253``
  suppressed for another reason; then, for the k ``ok`` cells in order, k bytes each of
  ``p - ci_low``, ``ci_high - p``, ``flags`` (1 wide interval + 2 higher than the rest
  of the city + 4 lower: a difference tested by
  :func:`geo4mi.indicators.differences.differences`, ``versus == "rest"``, significant
  after its multiplicity correction, :data:`FLAG_METHOD`) and the classes
  (``fixed * 25 + quantile * 5 + natural``, 0-based), and the k values of ``n`` as LEB128
  varints. A 1,000-area page thus carries about 7 bytes of text per ``ok`` cell and 1.3 per
  other cell, where one JSON array a cell took about 9 (``docs/scale.md``);
  :func:`unpack_cells` reads it back;
* the breaks are per-mille upper bounds, or ``0`` when the row falls back to fixed steps
  (fewer than two distinct borough values).

A page whose values and outlines (``"v"`` and ``"geometry"``) would take more than
:data:`COMPRESS_ABOVE` characters carries them instead as ``"z"``: their JSON, gzipped
(level 9, no timestamp, so the same inputs give the same bytes) and base64-encoded
(:func:`pack_page_data`); the browser inflates it with its own ``DecompressionStream``
before the first draw. At 2,431 areas this takes the page from about 12 MB to under 3 MB
(``docs/scale.md``). Smaller pages, such as the bundled study's, stay plain JSON.

Above :data:`SPLIT_ABOVE` cells (thousands of areas), :func:`split_pages` makes one page of
everyone's maps and one per grouping variable: a page's ``"v"`` row holds ``null`` for a
group another page holds, and that group's entry in ``"groups"`` carries the page's
relative link (``"href"``), which ``choropleth.js`` opens on the same view
(``docs/webmap.md``).

Examples
--------
>>> from geo4mi.webmap.choropleth import example_inputs
>>> estimates, areas, labels = example_inputs()
>>> m = choropleth_map(estimates, areas, labels, lang="en", synthetic=True)
>>> page = m.get_root().render()
>>> "SYNTHETIC DEMONSTRATION DATA" in page, 'id="g4c-indicator"' in page
(True, True)
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, cast
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Figure, MacroElement
from jinja2 import Template

from geo4mi import classify
from geo4mi.boundaries import WEB_CRS, metric_crs, to_crs_checked
from geo4mi.context import ContextLayer
from geo4mi.errors import ChoroplethError
from geo4mi.i18n import attribution_line, t, template, use_wording
from geo4mi.indicators.design import design_of_estimates, interval_note
from geo4mi.indicators.differences import correction_name
from geo4mi.indicators.estimate import proportions
from geo4mi.indicators.suppression import published
from geo4mi.io import refuse_existing
from geo4mi.labels import Labels
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
from geo4mi.webmap.options import MapChoices
from geo4mi.webmap.orientation import add_orientation

log = logging.getLogger(__name__)

CITY = "_city"
#: Borough outlines are simplified by this many metres: below a pixel at zoom 11 (the whole
#: city on screen), about 3 pixels at the highest zoom allowed.
SIMPLIFY_M = 25.0
MIN_ZOOM, MAX_ZOOM = 9, 14
_METRES_PER_DEGREE = 111_320.0
_REQUIRED = ("indicator", "area_id", "group_var", "group_value", "n", "p", "ci_low",
             "ci_high", "status")
#: Multiplicity correction of the "higher/lower than the rest of the city" flags.
FLAG_METHOD = "holm"
#: Quantile and natural-breaks classes are offered only when a view publishes at least this
#: many unit values: two per class (``2 * classify.K``). Below it a class's bounds rest on
#: a single unit, and with intervals of ±25 points (n ≈ 15) breaks such as 30–33–36 % say
#: nothing; the page offers fixed steps only and says why (``docs/design.md``).
MIN_UNITS_FOR_SCHEMES = 2 * classify.K
#: Edge drawn around a class fill too dark for ``classify.EDGE_COLOR`` (contrast under 3:1,
#: the darkest classes): light, so borough edges stay visible (``static/choropleth.js``).
EDGE_ON_DARK = "#d9d9d9"

# -- geometry -------------------------------------------------------------------------------

def coordinate_decimals(tolerance_m: float) -> int:
    """Fewest decimals of a degree whose rounding error stays under a quarter of the tolerance.

    Examples
    --------
    >>> coordinate_decimals(25.0), coordinate_decimals(2.0)
    (4, 6)
    """
    decimals = 0
    while 0.5 * 10 ** -decimals * _METRES_PER_DEGREE > tolerance_m / 4:
        decimals += 1
    return decimals


def web_geometry(areas: gpd.GeoDataFrame, *, tolerance_m: float = SIMPLIFY_M) -> dict[str, Any]:
    """Borough outlines as compact GeoJSON (WGS 84) for the web map.

    Official boundary files often have shared borders whose vertices do not match (INEGI's
    alcaldías leave 147 slivers between boroughs), so the outlines are first cleaned into
    an exact coverage (``shapely.coverage_clean``: shared edges made identical, slivers
    closed), then simplified together (``shapely.coverage_simplify``), so shared borders
    stay shared and no gap or overlap appears. Coordinates are rounded to
    :func:`coordinate_decimals`, with more decimals if rounding would make borders cross.
    Features carry only ``{"id": area_id}``, in the order of ``areas``.

    Examples
    --------
    >>> from geo4mi.boundaries import load_areas
    >>> gj = web_geometry(load_areas())
    >>> len(gj["features"]), gj["features"][0]["properties"]
    (16, {'id': '09002'})
    """
    metric = to_crs_checked(areas, metric_crs(areas), step="web map simplification")
    geoms = _clean_coverage(np.asarray(metric.geometry.values), areas["area_id"])
    simple = shapely.coverage_simplify(geoms, tolerance_m)
    web = gpd.GeoSeries(simple, crs=metric.crs).to_crs(WEB_CRS).values
    decimals = coordinate_decimals(tolerance_m)
    while True:
        rounded = shapely.transform(web, lambda xy, d=decimals: np.round(xy, d))
        if decimals >= 7 or bool(shapely.coverage_is_valid(rounded)):
            break
        decimals += 1  # rounding made borders cross: keep more decimals
    fmt = f"{{:.{decimals}f}}"

    def coords(ring: Any) -> list[Any]:
        return [[float(fmt.format(x)), float(fmt.format(y))]
                for x, y in np.asarray(ring.coords)]

    features = []
    for area_id, geom in zip(areas["area_id"], rounded, strict=True):
        polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
        parts = [[coords(p.exterior)] + [coords(r) for r in p.interiors]
                 for p in polys if not p.is_empty]
        geometry = ({"type": "Polygon", "coordinates": parts[0]} if len(parts) == 1
                    else {"type": "MultiPolygon", "coordinates": parts})
        features.append({"type": "Feature", "properties": {"id": str(area_id)},
                         "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def _clean_coverage(geoms: np.ndarray, area_ids: Sequence[object]) -> np.ndarray:
    """Make shared edges identical and close slivers and overlaps (``shapely.coverage_clean``).

    Raises :class:`ChoroplethError` when an area lies wholly under others, so cleaning
    would leave it with nothing to draw.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> [g.wkt for g in _clean_coverage(np.array([box(0, 0, 1, 1), box(0.9, 0, 2, 1)]),
    ...                                 ["a", "b"])]
    ['POLYGON ((0 0, 0 1, 0.9 1, 1 1, 1 0, 0.9 0, 0 0))', 'POLYGON ((1 1, 2 1, 2 0, 1 0, 1 1))']
    >>> _clean_coverage(np.array([box(0, 0, 2, 2), box(0.5, 0.5, 1, 1)]), ["a", "b"])
    Traceback (most recent call last):
    ...
    geo4mi.errors.ChoroplethError: areas: 'b' lies wholly under other areas, so the map cannot ...
    """
    if bool(shapely.coverage_is_valid(geoms)):
        return geoms
    cleaned = shapely.coverage_clean(geoms)
    lost = [area for area, geom in zip(area_ids, cleaned, strict=True)
            if geom is None or geom.is_empty]
    if lost:
        raise ChoroplethError(f"areas: {str(lost[0])!r} lies wholly under other areas, so the "
                              "map cannot draw it; fix the boundaries so that areas do not "
                              "overlap")
    return cleaned


# -- values ---------------------------------------------------------------------------------

def _permille(x: float) -> int:
    return math.floor(float(x) * 1000 + 0.5)


def row_breaks(values: Sequence[float], scheme: str) -> list[float]:
    """Class upper bounds for one indicator × group over its borough values.

    Quantiles and natural breaks need at least two distinct values; otherwise the fixed
    0–100 % steps are used.

    Examples
    --------
    >>> row_breaks([0.1, 0.5], "quantiles")
    [0.3, 0.5]
    >>> row_breaks([0.3], "natural_breaks")
    [0.2, 0.4, 0.6, 0.8, 1.0]
    """
    y = (values.astype(float) if isinstance(values, np.ndarray) and values.dtype.kind == "f"
         else np.asarray(classify.pd_to_float(values), dtype=float))
    if np.unique(y[~np.isnan(y)]).size < 2:
        return classify.class_breaks([], "fixed")
    return classify.class_breaks(y, scheme)


def _check_columns(estimates: pd.DataFrame, areas: gpd.GeoDataFrame) -> None:
    """Refuse tables the map cannot read: a missing column or an unknown status."""
    missing = [c for c in _REQUIRED if c not in estimates.columns]
    if missing:
        raise ChoroplethError(f"estimates: column {missing[0]!r} is missing; pass the table "
                              "from geo4mi.indicators.estimate.estimate (columns "
                              f"{', '.join(_REQUIRED)})")
    for col in ("area_id", "area_name", "geometry"):
        if col not in areas.columns:
            raise ChoroplethError(f"areas: column {col!r} is missing; load them with "
                                  "geo4mi.boundaries.load_areas")
    bad = sorted(set(pd.unique(estimates["status"].dropna().astype(object)))
                 - {"ok", "suppressed", "no_data"})
    if bad:
        raise ChoroplethError(f"estimates: column 'status': unknown status {bad[0]!r}; use "
                              "ok, suppressed or no_data")


def _present(estimates: pd.DataFrame) -> tuple[list[str], list[tuple[str, str]]]:
    """The indicators and (group_var, group_value) pairs of ``estimates``, in table order
    (what :func:`_check_inputs` chooses from; :attr:`ChoroplethData.present` reads them
    once for all pages)."""
    keys = estimates[["group_var", "group_value"]].astype(object).drop_duplicates()
    return (list(pd.unique(estimates["indicator"].astype(object))),
            list(zip(keys["group_var"], keys["group_value"], strict=True)))


def _check_inputs(present_keys: tuple[list[str], list[tuple[str, str]]], labels: Labels,
                  indicators: Sequence[str] | None, groups: Sequence[str] | None
                  ) -> tuple[list[str], list[tuple[str, str]]]:
    """The indicators and (group_var, group_value) pairs drawn, in display order, from the
    estimates' own (:func:`_present`)."""
    present, pairs = present_keys[0], list(present_keys[1])
    unknown = [i for i in present if i not in labels.indicators]
    if unknown:
        raise ChoroplethError(f"estimates: column 'indicator': {unknown[0]!r} has no label in "
                              "the catalogue; build labels from the same catalogue")
    if indicators is None:
        chosen = [i for i in labels.indicators if i in set(present)]
    else:
        chosen = list(indicators)
        absent = [i for i in chosen if i not in set(present)]
        if absent:
            raise ChoroplethError(f"indicators: {absent[0]!r} is not in the estimates; use "
                                  f"some of {', '.join(present[:8])}...")
    if not chosen:
        raise ChoroplethError("estimates: no indicator to draw; the table is empty")
    if ("all", "all") not in pairs:
        raise ChoroplethError("estimates: no rows with group_var 'all'; the map needs the "
                              "estimates for all respondents")
    if groups is not None:
        allowed = [v for v in dict.fromkeys(gv for gv, _ in pairs) if v != "all"]
        wrong = [g for g in groups if g not in allowed]
        if wrong:
            raise ChoroplethError(f"groups: {wrong[0]!r} is not a grouping variable of the "
                                  f"estimates; use some of {', '.join(allowed) or '(none)'}")
        pairs = [(gv, val) for gv, val in pairs if gv == "all" or gv in groups]
    # Display order: "all" first, then the labels' order of variables and their values.
    var_order = {v: i for i, v in enumerate(["all", *labels.group_vars])}
    value_order = {(gv, val): i for gv, vals in labels.group_values.items()
                   for i, val in enumerate(vals)}
    for gv, val in pairs:
        if gv != "all" and (gv not in labels.group_vars
                            or val not in labels.group_values.get(gv, {})):
            raise ChoroplethError(f"estimates: group {gv}={val!r} has no label; build labels "
                                  "with the same grouping variables as the estimates")
    pairs.sort(key=lambda p: (var_order.get(p[0], 99), value_order.get(p, 0)))
    return chosen, pairs


def build_values(estimates: pd.DataFrame, area_ids: Sequence[str], indicators: Sequence[str],
                 pairs: Sequence[tuple[str, str]], *,
                 tested: Callable[[], pd.DataFrame] | None = None
                 ) -> tuple[list[int], list[list[Any]]]:
    """The compact values table (see the module docstring) and the area columns it covers.

    ``tested()`` gives :func:`flagged_differences` of the whole table (default: of
    ``estimates``), asked once the rows are checked: a page that draws part of the
    estimates flags what the whole table's test found.

    Raises :class:`ChoroplethError` when an area lacks a row (the estimates must list every
    area, with ``no_data`` where nobody was interviewed) or a row appears twice.
    """
    places = [CITY, *area_ids]
    n_i, n_g, n_a = len(indicators), len(pairs), len(places)
    # positions by hashing whole columns (a Python loop per row took most of a 1,000-area build)
    ii = pd.Index(list(indicators), dtype=object).get_indexer(
        estimates["indicator"].astype(object))
    gg = pd.MultiIndex.from_tuples(list(pairs)).get_indexer(pd.MultiIndex.from_arrays(
        [estimates["group_var"].astype(object), estimates["group_value"].astype(object)]))
    aa = pd.Index(places, dtype=object).get_indexer(estimates["area_id"].astype(object))
    unknown = sorted(set(estimates["area_id"][(aa < 0) & (ii >= 0)]))
    if unknown:
        log.warning("estimates for areas %s are not drawn: they are not in the boundaries",
                    ", ".join(map(str, unknown[:5])))
    keep = (ii >= 0) & (gg >= 0) & (aa >= 0)
    flat = (ii[keep].astype(np.int64) * n_g + gg[keep]) * n_a + aa[keep]
    seen = np.bincount(flat, minlength=n_i * n_g * n_a)
    if (seen > 1).any():
        i, g, a = map(int, np.unravel_index(int(np.argmax(seen > 1)), (n_i, n_g, n_a)))
        raise ChoroplethError(f"estimates: duplicate row for indicator {indicators[i]!r}, "
                              f"area {places[a]!r}, group {'='.join(pairs[g])}; each "
                              "indicator × area × group must appear once")
    if (seen == 0).any():
        i, g, a = map(int, np.unravel_index(int(np.argmin(seen)), (n_i, n_g, n_a)))
        raise ChoroplethError(
            f"estimates: no row for indicator {indicators[i]!r}, area {places[a]!r}, group "
            f"{'='.join(pairs[g])}; every area needs a row (status 'no_data' when nobody "
            "was interviewed)")

    def grid(column: str, dtype: Any, fill: Any) -> np.ndarray:
        out = np.full(n_i * n_g * n_a, fill, dtype=dtype)
        out[flat] = estimates[column][keep].to_numpy(dtype=dtype, na_value=fill)
        return out.reshape(n_i, n_g, n_a)

    status = grid("status", object, "")
    ok = status == "ok"
    small = grid("suppression", object, "") == "small_n"
    n = grid("n", np.float64, np.nan)
    p, lo, hi = (np.where(ok, grid(c, np.float64, np.nan), np.nan)
                 for c in ("p", "ci_low", "ci_high"))
    broken = ok & (np.isnan(p) | np.isnan(lo) | np.isnan(hi))
    if broken.any():
        i, g, a = map(int, np.unravel_index(int(np.argmax(broken)), broken.shape))
        raise ChoroplethError(f"estimates: indicator {indicators[i]!r}, area {places[a]!r}, "
                              f"group {'='.join(pairs[g])}: status 'ok' without p, ci_low and "
                              "ci_high; recompute the estimates")
    # Only ok estimates carry numbers from here on; suppressed ones keep just why.
    cols = [k - 1 for k in range(1, n_a) if (status[:, :, k] != "no_data").any()]
    col_slots = [k + 1 for k in cols]
    pct = np.floor(np.stack([p, lo, hi]) * 100 + 0.5)
    wide = (hi - lo) / 2 >= classify.WIDE_HALF_WIDTH - 1e-12  # classify.is_wide, vectorised
    above, below = _tested_flags(flagged_differences(estimates) if tested is None else tested(),
                                 indicators, pairs, places)
    flags = wide.astype(int) + 2 * (above & ok) + 4 * (below & ok)
    fixed = classify.class_breaks([], "fixed")
    head = np.where(ok, np.nan_to_num(pct[0]), np.where(status == "no_data", NO_DATA_BYTE,
                                                         np.where(small, SMALL_BYTE,
                                                                  HIDDEN_BYTE))).astype(np.uint8)
    outside = ok & ((pct[1] > pct[0]) | (pct[2] < pct[0]) | (pct[0] < 0) | (pct[2] > 100))
    if outside.any():  # the packed cells hold p - ci_low and ci_high - p as bytes
        i, g, a = map(int, np.unravel_index(int(np.argmax(outside)), outside.shape))
        raise ChoroplethError(f"estimates: indicator {indicators[i]!r}, area {places[a]!r}, "
                              f"group {'='.join(pairs[g])}: the interval ci_low-ci_high does "
                              "not contain p within 0-1; recompute the estimates")
    values: list[list[Any]] = []
    for i in range(n_i):
        per_group = []
        for g in range(n_g):
            city_cell: Any = (
                [int(x) for x in pct[:, i, g, 0]] + [int(n[i, g, 0])] if ok[i, g, 0]
                else 0 if status[i, g, 0] == "no_data" else -1 if small[i, g, 0] else -2)

            vals = p[i, g, col_slots]
            has = ok[i, g, col_slots]
            # cached by value in classify: the es and en builds compute each set once
            br = {s: row_breaks(vals[has], s) for s in classify.SCHEMES}
            classes = np.zeros(len(col_slots), dtype=np.int64)
            for s in classify.SCHEMES:
                classes = classes * classify.K + np.where(
                    has, classify.assign_classes(vals, br[s]), 0)
            row = [city_cell, pack_cells(head[i, g, col_slots],
                                           pct[:, i, g, col_slots][:, has],
                                           flags[i, g, col_slots][has], classes[has],
                                           n[i, g, col_slots][has])]
            for s in ("quantiles", "natural_breaks"):
                row.append(0 if br[s] == fixed else [_permille(b) for b in br[s]])
            per_group.append(row)
        values.append(per_group)
    return cols, values


def flagged_differences(estimates: pd.DataFrame, *,
                        tested: pd.DataFrame | None = None) -> pd.DataFrame:
    """The significant ``"rest"`` comparisons of
    :func:`~geo4mi.indicators.differences.differences` the map flags (none without a
    ``numerator`` column: nothing to test). Each indicator's comparisons are corrected
    together, over every group value, whichever page shows them.

    ``tested``: ``differences(estimates, method=FLAG_METHOD)`` already computed (the
    default alpha), e.g. for ``differences.csv``, read instead of testing again; it may
    hold more indicators than ``estimates`` (a family is corrected on its own)."""
    from geo4mi.indicators.differences import differences

    if "numerator" not in estimates.columns:
        log.info("estimates without numerator: no tested differences on the map")
        return pd.DataFrame(columns=["indicator", "group_var", "group_value", "area_id",
                                     "direction"])
    d = differences(estimates, method=FLAG_METHOD) if tested is None else tested
    return d[(d["versus"] == "rest") & d["significant"]]


def _tested_flags(d: pd.DataFrame, indicators: Sequence[str],
                  pairs: Sequence[tuple[str, str]], places: Sequence[str]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``(higher, lower)`` than the rest of the city, per indicator × group × place, from
    :func:`flagged_differences`."""
    shape = (len(indicators), len(pairs), len(places))
    above, below = np.zeros(shape, bool), np.zeros(shape, bool)
    ind_pos = {v: k for k, v in enumerate(indicators)}
    pair_pos = {v: k for k, v in enumerate(pairs)}
    place_pos = {v: k for k, v in enumerate(places)}
    for ind, gv, val, area, direction in zip(d["indicator"], d["group_var"],
                                             d["group_value"], d["area_id"], d["direction"],
                                             strict=True):
        i, g, a = ind_pos.get(ind), pair_pos.get((gv, val)), place_pos.get(area)
        if i is not None and g is not None and a is not None:
            (above if direction == "higher" else below)[i, g, a] = True
    return above, below


#: First byte of a packed cell that is not ``ok`` (an ``ok`` cell's first byte is its %).
NO_DATA_BYTE, SMALL_BYTE, HIDDEN_BYTE = 255, 254, 253


def pack_cells(head: np.ndarray, pct: np.ndarray, flags: np.ndarray, classes: np.ndarray,
               n: np.ndarray) -> str:
    """One row's cells as base64 bytes, column by column (layout in the module docstring).

    ``head`` has one byte per area column (the % of an ok cell, else a status byte);
    ``pct`` (3 × k: p, ci_low, ci_high in whole percents), ``flags``, ``classes`` (the three
    schemes' classes as base-``K`` digits) and ``n`` cover the k ok cells in order.

    Examples
    --------
    >>> packed = pack_cells(np.array([40, NO_DATA_BYTE]), np.array([[40], [30], [52]]),
    ...                     np.array([1]), np.array([7]), np.array([300]))
    >>> packed, unpack_cells(packed, 2)
    ('KP8KDAEHrAI=', [[40, 30, 52, 300, 1012], 0])
    """
    pct = np.asarray(pct, dtype=np.int64).reshape(3, -1)
    n = np.asarray(n, dtype=np.int64)
    parts = [np.asarray(head, dtype=np.uint8), (pct[0] - pct[1]).astype(np.uint8),
             (pct[2] - pct[0]).astype(np.uint8), np.asarray(flags, dtype=np.uint8),
             np.asarray(classes, dtype=np.uint8), _varints(n)]
    return base64.b64encode(b"".join(a.tobytes() for a in parts)).decode("ascii")


def _varints(n: np.ndarray) -> np.ndarray:
    """Non-negative integers as LEB128 (7 bits a byte, low first; high bit = more follows)."""
    n = np.asarray(n, dtype=np.uint64)
    size = np.ones(n.size, dtype=np.int64)
    while (n >> (7 * size.astype(np.uint64)) > 0).any():
        size += n >> (7 * size.astype(np.uint64)) > 0
    out = np.zeros(int(size.sum()), dtype=np.uint8)
    start = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    for b in range(int(size.max(initial=0))):
        has = size > b
        more = (size > b + 1).astype(np.uint64) << np.uint64(7)
        out[start[has] + b] = ((n[has] >> np.uint64(7 * b)) & np.uint64(0x7F)) | more[has]
    return out


def unpack_cells(packed: str, n_cols: int) -> list[Any]:
    """The cells of a packed row: ``[p, ci_low, ci_high, n, code]`` or a status integer.

    ``code = flags * 1000 + fixed * 100 + quantile * 10 + natural`` and the statuses are
    ``0`` (no interviews), ``-1`` (suppressed, small n), ``-2`` (suppressed, other reason),
    as the page's script decodes them (``static/choropleth.js``, ``unpack``).

    Examples
    --------
    >>> unpack_cells(pack_cells(np.array([HIDDEN_BYTE, SMALL_BYTE]), np.zeros((3, 0)),
    ...                         [], [], []), 2)
    [-2, -1]
    """
    raw = base64.b64decode(packed)
    head = raw[:n_cols]
    k = sum(1 for b in head if b <= 100)
    fields = [raw[n_cols + j * k:n_cols + (j + 1) * k] for j in range(4)]
    at, ok_index = n_cols + 4 * k, 0
    cells: list[int | list[int]] = []
    status = {NO_DATA_BYTE: 0, SMALL_BYTE: -1, HIDDEN_BYTE: -2}
    for b in head:
        if b > 100:
            cells.append(status[b])
            continue
        count, shift = 0, 0
        while True:
            byte = raw[at]
            at += 1
            count |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        lo, hi, fl, cl = (f[ok_index] for f in fields)
        digits = [cl // classify.K ** 2, cl // classify.K % classify.K, cl % classify.K]
        cells.append([b, b - lo, b + hi, count,
                      fl * 1000 + digits[0] * 100 + digits[1] * 10 + digits[2]])
        ok_index += 1
    return cells


# -- page -----------------------------------------------------------------------------------

#: Characters of JSON (values and outlines) above which a page carries them gzipped.
COMPRESS_ABOVE = 100_000
_PACKED_KEYS = ("v", "geometry")


def pack_page_data(data: dict[str, Any], *, above: int | None = None) -> dict[str, Any]:
    """The page's data with its values and outlines gzipped as ``"z"`` when they are big.

    ``above`` defaults to :data:`COMPRESS_ABOVE` characters of their JSON; at or below it,
    ``data`` is returned as is. The bytes depend only on ``data`` (no gzip timestamp).
    :func:`unpack_page_data` undoes it.

    Examples
    --------
    >>> data = {"lang": "en", "v": [[0, "AAA="]], "geometry": {"type": "FeatureCollection"}}
    >>> pack_page_data(data) is data
    True
    >>> packed = pack_page_data(data, above=0)
    >>> sorted(packed), packed == pack_page_data(data, above=0)
    (['lang', 'z'], True)
    >>> unpack_page_data(packed) == data
    True
    """
    bulk = {k: data[k] for k in _PACKED_KEYS if k in data}
    text = json.dumps(bulk, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if len(text) <= (COMPRESS_ABOVE if above is None else above):
        return data
    raw = gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
    out = {k: v for k, v in data.items() if k not in bulk}
    out["z"] = base64.b64encode(raw).decode("ascii")
    return out


def unpack_page_data(data: dict[str, Any]) -> dict[str, Any]:
    """The page's data with ``"z"`` (:func:`pack_page_data`) inflated back in place."""
    if "z" not in data:
        return data
    out = {k: v for k, v in data.items() if k != "z"}
    out.update(json.loads(gzip.decompress(base64.b64decode(data["z"])).decode("utf-8")))
    return out


def _page_data(prepared: ChoroplethData, settings: ChoroplethSettings
               ) -> tuple[dict[str, Any], list[str], list[tuple[str, str]]]:
    areas, labels = prepared.areas, prepared.labels
    lang, min_n, synthetic = settings.lang, prepared.min_n, prepared.synthetic
    chosen, pairs = _check_inputs(prepared.present, labels, settings.indicators,
                                  settings.groups)
    area_ids = [str(a) for a in areas["area_id"]]
    elsewhere = settings.pages
    own = [pair for pair in pairs if pair[0] not in elsewhere]
    if not own:
        raise ChoroplethError("pages: every grouping variable is on another page; leave "
                              "this page's own out of pages")
    cols, own_values = prepared.values(chosen, own)
    rows = iter(range(len(own)))  # a map held by another page is null in its row
    at = [None if gv in elsewhere else next(rows) for gv, _ in pairs]
    values = (own_values if len(own) == len(pairs)
              else [[None if k is None else per[k] for k in at] for per in own_values])
    names = [str(n) for n in areas["area_name"]]
    order = sorted(range(len(names)), key=lambda i: (_fold(names[i]), names[i]))
    text = {k: t(k, lang) for k in ("no_interviews", "city_wide", "value", "ci95", "n",
                                    "unit", "download_csv", "higher_worse", "higher_better",
                                    "neutral")}
    text.update({k: t(f"map.{k}", lang) for k in ("units", "status", "note", "ok", "csv_file",
                                                  "csv_header", "csv_note", "csv_suppressed",
                                                  "csv_no_data", "no_interviews_n",
                                                  "fallback_fixed", "find_none",
                                                  "group_same_question", "png_file",
                                                  "png_failed")})
    for key in ("question", "find_count", "schemes_too_few"):  # choropleth.js fills them
        text[key] = template(f"map.{key}", lang)
    text["suppressed"] = t("suppressed", lang, min_n=min_n)
    correction = correction_name(FLAG_METHOD)
    for key in ("differs_above", "differs_below"):
        text[key] = t(key, lang, correction=correction)
    text["suppressed_complementary"] = t("suppressed_complementary", lang)
    text["wide_interval"] = t("wide_interval", lang, width=classify.WIDE_WIDTH_POINTS)
    text["legend_wide"] = text["wide_interval"]  # legend and tooltips say the same thing
    # templates: choropleth.js fills {value}, {n}, {indicator}, {group}, {universe}
    text["city_value"] = template("city_value", lang)
    text["city_suppressed"] = t("map.city_suppressed", lang)  # shown as is
    text["showing"] = template("map.showing", lang)
    text["universe"] = template("map.universe", lang)
    text["caption"] = template("map.table_caption", lang)
    if attribution_line(lang):  # a study that names its boundaries' source
        text["attribution"] = attribution_line(lang)
    if synthetic:
        text["synthetic"] = t("synthetic_banner", lang)
    universes: dict[str, int] = {}  # who was asked, shared by many indicators: stored once
    questions: dict[str, int] = {}  # the same for the questions' wording
    group_entries = []
    for gv, val in pairs:
        label = (t("all_respondents", lang) if gv == "all"
                 else labels.group_value_label(gv, val, lang))
        entry = {"var": gv, "value": val, "label": label,
                 "var_label": "" if gv == "all" else labels.group_var_label(gv, lang)}
        if gv in elsewhere:  # choropleth.js opens that page on this view
            entry["href"] = elsewhere[gv]
        group_entries.append(entry)
    data = {
        "lang": lang,
        "min_n": int(min_n),
        "areas": [{"id": a, "name": n} for a, n in zip(area_ids, names, strict=True)],
        "table_order": order,
        "cols": cols,
        "geometry": prepared.outlines,
        "indicators": [_indicator_entry(labels, i, lang, universes, questions)
                       for i in chosen],
        "groups": group_entries,
        "schemes": list(classify.SCHEMES),
        "fixed": [_permille(b) for b in classify.class_breaks([], "fixed")],
        "palettes": {d: [classify.palette(d, k) for k in range(1, classify.K + 1)]
                     for d in ("higher_worse", "higher_better", "neutral")},
        "style": {"no_data": classify.NO_DATA_COLOR, "dot": classify.NO_DATA_DOT_COLOR,
                  "dots": list(classify.NO_DATA_DOTS),
                  "suppressed": classify.SUPPRESSED_COLOR,
                  "hatch": classify.SUPPRESSED_HATCH_COLOR,
                  "hatch_lines": list(classify.SUPPRESSED_HATCH), "edge": classify.EDGE_COLOR,
                  "edge_light": EDGE_ON_DARK,
                  "opacity": classify.OPACITY, "wide": list(classify.WIDE_OUTLINE)},
        "text": text,
        "synthetic": bool(synthetic),
        "v": values,
    }
    data["universes"] = list(universes)  # index order (dicts keep insertion order)
    data["questions"] = list(questions)
    data["min_units"] = MIN_UNITS_FOR_SCHEMES
    return data, chosen, pairs


def _indicator_entry(labels: Labels, indicator: str, lang: str, universes: dict[str, int],
                     questions: dict[str, int]) -> dict[str, Any]:
    """An indicator in the page: label, direction, who was asked and the question's words
    (indices into ``universes`` / ``questions``), and the grouping variables not offered
    with it (``skip``: defined by a question it reads, :meth:`Labels.same_question`)."""
    info = labels.indicators[indicator]
    entry: dict[str, Any] = {
        "id": indicator, "label": labels.indicator_label(indicator, lang),
        "direction": info.direction,
        "universe": universes.setdefault(_universe(labels, indicator, lang), len(universes))}
    if info.question:
        entry["q"] = questions.setdefault(labels.text(info.question, lang), len(questions))
    skip = labels.same_question(indicator)
    if skip:
        entry["skip"] = skip
    return entry


def _universe(labels: Labels, indicator: str, lang: str) -> str:
    universe = labels.indicators[indicator].universe
    return labels.text(universe, lang) if universe else ""


def _fold(s: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFD", s.casefold())
                   if unicodedata.category(c) != "Mn")


def _controls(data: dict[str, Any], labels: Labels, chosen: Sequence[str], lang: str,
              selected: str) -> dict[str, Any]:
    """What ``templates/choropleth_top.html`` lists in the three selects (plain text)."""
    ind_index = {ind: i for i, ind in enumerate(chosen)}

    def option(ind: str) -> dict[str, Any]:
        return {"value": ind_index[ind], "label": labels.indicator_label(ind, lang),
                "selected": ind == selected}

    themes = []
    for theme, theme_label in labels.themes.items():
        members = [option(i) for i in chosen if labels.indicators[i].theme == theme]
        if members:
            themes.append({"label": labels.text(theme_label, lang), "options": members})
    orphans = [option(i) for i in chosen if labels.indicators[i].theme not in labels.themes]
    group_sets: list[dict[str, Any]] = []
    # a page without everyone's maps opens on its first own group
    first = next(gi for gi, g in enumerate(data["groups"]) if "href" not in g)
    for gi, g in enumerate(data["groups"]):
        label = None if g["var"] == "all" else g["var_label"]
        if not group_sets or group_sets[-1]["var"] != g["var"]:
            group_sets.append({"var": g["var"], "label": label, "options": []})
        group_sets[-1]["options"].append({"value": gi, "label": g["label"],
                                          "selected": gi == first and gi > 0})
    return {"themes": themes, "orphans": orphans, "group_sets": group_sets,
            "schemes": list(classify.SCHEMES),
            "pages": ["a4-landscape", "a4-portrait", "letter-landscape", "letter-portrait"]}


class _Choropleth(MacroElement):
    """The layer, legend, table and their script; all text travels in one JSON block.

    Its template holds no text: the page parts (``templates/choropleth_below.html``, the
    data block, ``static/choropleth.css``/``.js``) are :class:`Verbatim` children.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        geo4miChoropleth.init({{ this._parent.get_name() }},
            JSON.parse(document.getElementById("g4c-data").textContent));
        {% endmacro %}
    """)

    def __init__(self, data: dict[str, Any], below: str) -> None:
        super().__init__()
        self._name = "Geo4miChoropleth"
        for child in (common_script(),
                      Verbatim.style(inline_static("choropleth.css"), part="header"),
                      Verbatim.script(inline_static("choropleth.js"), part="header"),
                      Verbatim(below, part="html"),
                      data_block("g4c-data", pack_page_data(data))):
            self.add_child(child)


# -- what the renderer receives -----------------------------------------------------------

@dataclass(frozen=True, eq=False)
class ChoroplethData:
    """What the choropleth draws: published estimates, areas, labels and context layers.

    Made by :meth:`prepare` (for a run, by :func:`geo4mi.outputs.choropleth_inputs`), which
    keeps the percent rows (:func:`~geo4mi.indicators.estimate.proportions`) and applies
    :func:`~geo4mi.indicators.suppression.published` once: the renderer draws the table as
    it is. ``min_n`` is the threshold the estimates were suppressed at, named in the legend
    and never compared with ``n`` again; ``synthetic`` shows the synthetic-data banner.

    Examples
    --------
    >>> estimates, areas, labels = example_inputs()
    >>> data = ChoroplethData.prepare(estimates, areas, labels, min_n=10)
    >>> sorted(set(data.estimates["suppression"]))
    ['', 'small_n']
    """

    estimates: pd.DataFrame
    areas: gpd.GeoDataFrame
    labels: Labels
    min_n: int = 10
    synthetic: bool = False
    context: tuple[ContextLayer, ...] = ()
    #: ``differences(estimates, method=FLAG_METHOD)`` of the published table these
    #: estimates were drawn from, when already computed (:attr:`tested` reads it).
    differences: pd.DataFrame | None = field(default=None, repr=False)

    @classmethod
    def prepare(cls, estimates: pd.DataFrame, areas: gpd.GeoDataFrame, labels: Labels, *,
                min_n: int = 10, synthetic: bool = False,
                context: Sequence[ContextLayer] = (),
                differences: pd.DataFrame | None = None) -> ChoroplethData:
        """Check the tables and publish the estimates (the one place ``min_n`` applies).

        ``differences``: the estimates' own
        :func:`~geo4mi.indicators.differences.differences` with :data:`FLAG_METHOD` at the
        default alpha, already computed (e.g. for ``differences.csv``): the flags are read
        from it instead of testing again. Give it only for a table that carries its
        ``suppression`` column (published the same whatever ``min_n``)."""
        # a percent map: numeric statistics (means, medians, ratios) are not drawn
        estimates = proportions(estimates)
        _check_columns(estimates, areas)
        return cls(published(estimates, min_n=min_n), areas, labels, min_n=int(min_n),
                   synthetic=bool(synthetic), context=tuple(context),
                   differences=differences)

    @cached_property
    def outlines(self) -> dict[str, Any]:
        """The areas as the page draws them (:func:`web_geometry`), made once for all
        pages of these data."""
        return web_geometry(self.areas)

    @cached_property
    def tested(self) -> pd.DataFrame:
        """The differences the map flags (:func:`flagged_differences`), tested once for all
        pages of these data."""
        return flagged_differences(self.estimates, tested=self.differences)

    @cached_property
    def present(self) -> tuple[list[str], list[tuple[str, str]]]:
        """The indicators and group values of the estimates (:func:`_present`), read once
        for all pages of these data."""
        return _present(self.estimates)

    @cached_property
    def _values(self) -> dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]],
                              tuple[list[int], list[list[Any]]]]:
        return {}

    def values(self, indicators: Sequence[str], pairs: Sequence[tuple[str, str]]
               ) -> tuple[list[int], list[list[Any]]]:
        """:func:`build_values` of these indicators and group values (only their rows of
        the estimates), made once for every page that draws them: the values do not
        depend on the language, so each language's page reuses them. Treat the result as
        read-only."""
        key = (tuple(indicators), tuple(pairs))
        if key not in self._values:
            estimates = self.estimates
            if len(set(pairs)) < len(self.present[1]):  # a split page reads only its rows
                estimates = estimates[estimates["group_var"].isin({gv for gv, _ in pairs})]
            self._values[key] = build_values(estimates, [str(a) for a in self.areas["area_id"]],
                                             list(indicators), list(pairs),
                                             tested=lambda: self.tested)
        return self._values[key]


def _name_tuple(value: Sequence[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class ChoroplethSettings(MapChoices):
    """How the choropleth is drawn, every choice made (see :func:`choropleth_map`).

    The choices are :class:`geo4mi.webmap.options.MapChoices`' (shared with the public
    :class:`geo4mi.outputs.MapOptions`), with the language decided; the study's title and
    source are keyword-only.

    Examples
    --------
    >>> ChoroplethSettings(lang="en", indicators=["a"]).indicators
    ('a',)
    >>> ChoroplethSettings(lang="xx")
    Traceback (most recent call last):
    ...
    geo4mi.errors.StudyError: language 'xx' is not supported; ...
    >>> ChoroplethSettings.resolve(MapChoices(groups="gender", tiles="OpenStreetMap"),
    ...                            lang="en", title="T", source=None, selected="a")
    ... # doctest: +NORMALIZE_WHITESPACE
    ChoroplethSettings(lang='en', indicators=None, groups=('gender',), selected='a',
                       tiles='OpenStreetMap', alternates={}, title='T', source=None, pages={})
    """

    lang: str = "es"
    title: str | None = field(default=None, kw_only=True)
    source: str | None = field(default=None, kw_only=True)
    #: ``{group_var: relative link}`` of the grouping variables whose maps another page
    #: holds (``"all"`` for everyone's); empty: this page holds every map
    #: (:func:`split_pages`).
    pages: Mapping[str, str] = field(default_factory=dict, kw_only=True)

    @classmethod
    def resolve(cls, choices: MapChoices, *, lang: str, title: str | None,
                source: str | None, selected: str | None) -> ChoroplethSettings:
        """The settings of the user's ``choices`` (a :class:`~geo4mi.outputs.MapOptions`)
        with the language, title, source and opening indicator decided."""
        shared = {f.name: getattr(choices, f.name) for f in fields(MapChoices)}
        return cls(**{**shared, "lang": lang, "selected": selected}, title=title,
                   source=source)


def render_choropleth(data: ChoroplethData,
                      settings: ChoroplethSettings | None = None) -> OfflineMap:
    """The choropleth of prepared ``data`` drawn with ``settings``, as a folium map.

    Reads no file and applies no threshold: ``data`` is drawn as prepared.

    Examples
    --------
    >>> estimates, areas, labels = example_inputs()
    >>> m = render_choropleth(ChoroplethData.prepare(estimates, areas, labels),
    ...                       ChoroplethSettings(lang="en", selected="discriminated"))
    >>> '<option value="1" selected>' in m.get_root().render()
    True
    """
    settings = settings or ChoroplethSettings()
    with use_wording(data.labels.wording):
        return _render(data, settings)


def _render(data: ChoroplethData, settings: ChoroplethSettings) -> OfflineMap:
    lang, labels, estimates = settings.lang, data.labels, data.estimates
    page, chosen, _ = _page_data(data, settings)
    selected = settings.selected
    if selected is not None and selected not in chosen:
        raise ChoroplethError(f"selected: {selected!r} is not one of the indicators drawn; "
                              f"use one of {', '.join(chosen[:8])}...")
    selected = selected or chosen[0]
    held = {g["var"] for g in page["groups"] if "href" not in g}
    if "all" not in held:  # a group's page opens on an indicator offered with its group
        skip = {i["id"]: set(i.get("skip", ())) for i in page["indicators"]}
        selected = next((i for i in [selected, *chosen] if not skip[i] & held), selected)
    title = settings.title
    if title is None:
        title = (labels.text(labels.survey_title, lang) if labels.survey_title
                 else t("map.page_title", lang))
    web = to_crs_checked(data.areas, WEB_CRS, step="web map")
    minx, miny, maxx, maxy = web.total_bounds
    m = OfflineMap(location=[round((miny + maxy) / 2, 5), round((minx + maxx) / 2, 5)],
                   zoom_start=10, min_zoom=MIN_ZOOM, max_zoom=MAX_ZOOM, tiles=settings.tiles,
                   control_scale=False, width="100%", height="68vh", lang=lang, title=title)

    def text(key: str, **fmt: Any) -> str:
        return t(key, lang, **fmt)

    languages = [{"lang": code, "href": href, "name": t("language_name", code)}
                 for code, href in sorted(settings.alternates.items()) if code != lang]
    top = render_fragment("choropleth_top.html", t=text, title=title, synthetic=data.synthetic,
                          languages=languages, **_controls(page, labels, chosen, lang, selected))
    cast(Figure, m.get_root()).html.add_child(Verbatim(top), name="geo4mi_choropleth_top")
    rule = t("map.uncertainty_rule", lang, width=classify.WIDE_WIDTH_POINTS, min_n=data.min_n,
             interval=interval_note(design_of_estimates(estimates), lang,
                                    names=labels.columns))
    below = render_fragment("choropleth_below.html", t=text, rule=rule, source=settings.source,
                            attribution=attribution_line(lang))
    _Choropleth(page, below).add_to(m)
    return add_orientation(m, data.areas, data.context, lang=lang, map_kind="choropleth")


def choropleth_map(estimates: pd.DataFrame, areas: gpd.GeoDataFrame, labels: Labels, *,
                   lang: str = "es", min_n: int = 10, synthetic: bool = False,
                   title: str | None = None, source: str | None = None,
                   indicators: Sequence[str] | None = None,
                   groups: Sequence[str] | None = None, selected: str | None = None,
                   tiles: str | None = None,
                   alternates: Mapping[str, str] | None = None,
                   context: Sequence[ContextLayer] = ()) -> OfflineMap:
    """Interactive choropleth of every indicator and group, as a folium map.

    The one-call form of :func:`render_choropleth` for tables at hand:
    ``render_choropleth(ChoroplethData.prepare(estimates, areas, labels, min_n=...,
    synthetic=..., context=...), ChoroplethSettings(lang=..., title=..., ...))``.

    Parameters
    ----------
    estimates : DataFrame
        The *estimates* table (``docs/design.md``): one row per indicator × area (and
        ``"_city"``) × group value, with ``status`` ok / suppressed / no_data.
    areas : GeoDataFrame
        ``area_id``, ``area_name``, ``geometry`` (any CRS).
    labels : Labels
        Catalogue labels (themes, indicators, grouping variables and values).
    lang : {"es", "en"}, default "es"
        Language of every label and note.
    min_n : int, default 10
        The suppression threshold used for the estimates (named in the legend).
    synthetic : bool, default False
        Show the synthetic-data banner (and mark the CSV download).
    title, source : str, optional
        Page title (default: the survey title of ``labels``) and survey source line.
    indicators : sequence of str, optional
        Indicators to offer, in this order (default: all in the estimates, catalogue order).
    groups : sequence of str, optional
        Grouping variables to offer besides "all respondents" (default: all of them).
    selected : str, optional
        Indicator shown first (default: the first one).
    tiles : str, optional
        A folium tile layer (e.g. ``"OpenStreetMap"``) drawn under the boroughs. Off by
        default: the map needs no network, and stays usable when tiles fail to load.
    alternates : mapping of str to str, optional
        The same map in other languages, ``{lang: relative link}`` (e.g.
        ``{"en": "choropleth.en.html"}``): each is linked at the top of the page, and the
        link keeps the current view (indicator, group, classes) in its ``#`` part.
    context : sequence of ContextLayer
        Context layers (``Study.context``), drawn with unit labels and a place search by
        :func:`geo4mi.webmap.orientation.add_orientation`.

    Returns
    -------
    OfflineMap
        A ``folium.Map`` (:class:`geo4mi.webmap.assets.OfflineMap`): add layers as with any
        folium map; write it with :func:`write_choropleth` (or
        :func:`geo4mi.webmap.assets.render_offline_html`) to get one offline file. Every
        label reaches the page as text (autoescaped templates, one JSON block read by
        ``static/choropleth.js``), never as markup or code.

    Examples
    --------
    >>> import folium
    >>> estimates, areas, labels = example_inputs()
    >>> m = choropleth_map(estimates, areas, labels, title="Demo")
    >>> type(m).__name__, isinstance(m, folium.Map)
    ('OfflineMap', True)
    """
    settings = ChoroplethSettings(lang=lang, title=title, source=source,
                                  indicators=_name_tuple(indicators),
                                  groups=_name_tuple(groups), selected=selected, tiles=tiles,
                                  alternates=alternates or {})
    data = ChoroplethData.prepare(estimates, areas, labels, min_n=min_n, synthetic=synthetic,
                                  context=context)
    return render_choropleth(data, settings)


def write_choropleth(estimates: pd.DataFrame, areas: gpd.GeoDataFrame, labels: Labels,
                     path: str | os.PathLike[str], *, lang: str = "es",
                     overwrite: bool = True, min_n: int = 10, synthetic: bool = False,
                     title: str | None = None, source: str | None = None,
                     indicators: Sequence[str] | None = None,
                     groups: Sequence[str] | None = None, selected: str | None = None,
                     tiles: str | None = None, alternates: Mapping[str, str] | None = None,
                     context: Sequence[ContextLayer] = ()) -> Path:
    """Write the choropleth as one self-contained offline HTML file (atomically).

    The options are those of :func:`choropleth_map`. The same inputs give byte-identical
    files.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> estimates, areas, labels = example_inputs()
    >>> out = write_choropleth(estimates, areas, labels,
    ...                        pathlib.Path(tempfile.mkdtemp()) / "map.html", lang="en")
    >>> text = out.read_text(encoding="utf-8")
    >>> '<html lang="en">' in text, "<script src=" in text
    (True, False)
    """
    m = choropleth_map(estimates, areas, labels, lang=lang, min_n=min_n, synthetic=synthetic,
                       title=title, source=source, indicators=indicators, groups=groups,
                       selected=selected, tiles=tiles, alternates=alternates, context=context)
    return write_html(render_offline_html(m), path, overwrite=overwrite)


# -- one page per grouping variable ---------------------------------------------------------

#: Above this many cells (areas × indicators × group values, "everyone" included), the
#: choropleth is written as one page per grouping variable (:func:`split_pages`): 2,340 maps
#: of 16 boroughs (37,440 cells, the bundled study) stay one page, 2,340 maps of 1,000
#: areas (2.3 M) are split.
SPLIT_ABOVE = 1_000_000
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def group_page_names(entry: str, group_vars: Sequence[str]) -> dict[str, str]:
    """The files of a split choropleth: ``{"all": entry, group_var: its page}``.

    A page is named after the entry page and its variable, ``<stem>.by-<var><suffix>``: the
    ``by-`` cannot be read as a language code (``choropleth.en.html``), and the variable
    keeps only ASCII letters, digits, ``_`` and ``-`` (others become ``-``; at most 40), so
    the name is safe on every file system. Names that would match when case is ignored get
    ``-2``, ``-3``... in the order of ``group_vars``. ``entry`` may be a relative link; only
    its last part is renamed.

    Examples
    --------
    >>> group_page_names("choropleth.en.html", ["gender", "edad/años", "Gender"])
    ... # doctest: +NORMALIZE_WHITESPACE
    {'all': 'choropleth.en.html', 'gender': 'choropleth.en.by-gender.html',
     'edad/años': 'choropleth.en.by-edad-a-os.html', 'Gender': 'choropleth.en.by-Gender-2.html'}
    """
    path = PurePosixPath(entry)
    names, taken = {"all": entry}, {path.name.casefold()}
    for var in group_vars:
        safe = _UNSAFE.sub("-", var).strip("-")[:40] or "group"
        name, k = f"{path.stem}.by-{safe}{path.suffix}", 1
        while name.casefold() in taken:
            k += 1
            name = f"{path.stem}.by-{safe}-{k}{path.suffix}"
        taken.add(name.casefold())
        names[var] = str(path.with_name(name))
    return names


def split_pages(data: ChoroplethData, settings: ChoroplethSettings, entry: str, *,
                above: int | None = None) -> list[tuple[str, ChoroplethSettings]]:
    """The pages of the choropleth whose first file is ``entry``: ``(file name, settings)``.

    One page, ``entry`` with ``settings``, while areas × indicators × group values stay at
    or under ``above`` (default :data:`SPLIT_ABOVE`). Above it, ``entry`` holds the maps of
    everyone and each grouping variable gets its own page (:func:`group_page_names`), so
    that a page stays small at thousands of areas. Every page offers every group value;
    one held by another page links to it (``settings.pages``) and ``choropleth.js`` opens
    it on the same indicator and classification. The links to other languages
    (``settings.alternates``) go to the same variable's page in that language.

    Examples
    --------
    >>> estimates, areas, labels = example_inputs()
    >>> data = ChoroplethData.prepare(estimates, areas, labels)
    >>> [name for name, _ in split_pages(data, ChoroplethSettings(), "map.html")]
    ['map.html']
    """
    chosen, pairs = _check_inputs(data.present, data.labels, settings.indicators,
                                  settings.groups)
    variables = list(dict.fromkeys(gv for gv, _ in pairs if gv != "all"))
    cells = len(data.areas) * len(chosen) * len(pairs)
    if cells <= (SPLIT_ABOVE if above is None else above) or not variables:
        return [(entry, settings)]
    names = group_page_names(entry, variables)
    other = {code: group_page_names(href, variables)
             for code, href in settings.alternates.items()}
    return [(name, replace(settings,
                           pages={v: quote(n) for v, n in names.items() if v != var},
                           alternates={code: links[var] for code, links in other.items()}))
            for var, name in names.items()]


def write_choropleth_pages(data: ChoroplethData, settings: ChoroplethSettings,
                           path: str | os.PathLike[str], *, overwrite: bool = True,
                           above: int | None = None) -> list[Path]:
    """Write the choropleth's pages (:func:`split_pages`) next to ``path``, each atomically.

    Returns the files written, ``path`` first; one file unless the study is above ``above``
    cells (default :data:`SPLIT_ABOVE`). The same inputs give byte-identical files. With
    ``overwrite=False`` every page is checked before any is written: nothing is written
    when one exists (:class:`~geo4mi.errors.OutputError`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> estimates, areas, labels = example_inputs()
    >>> data = ChoroplethData.prepare(estimates, areas, labels)
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "map.html"
    >>> [p.name for p in write_choropleth_pages(data, ChoroplethSettings(), out)]
    ['map.html']
    """
    path = Path(path)
    pages = split_pages(data, settings, path.name, above=above)
    refuse_existing((path.with_name(name) for name, _ in pages), overwrite)
    return [write_html(render_offline_html(render_choropleth(data, page)), path.with_name(name),
                       overwrite=overwrite)
            for name, page in pages]


# -- a tiny example for docstrings and notebooks ------------------------------------------

def example_inputs() -> tuple[pd.DataFrame, gpd.GeoDataFrame, Labels]:
    """Hand-made estimates for two indicators over the bundled boroughs (no survey needed).

    Cuauhtémoc and Iztapalapa are estimated, Coyoacán is suppressed, every other borough
    has no interviews. The labels speak the bundled study's words (alcaldía, INEGI).

    Examples
    --------
    >>> estimates, areas, labels = example_inputs()
    >>> sorted(estimates["status"].unique())
    ['no_data', 'ok', 'suppressed']
    """
    from geo4mi.boundaries import load_areas
    from geo4mi.labels import IndicatorInfo
    from geo4mi.study import bundled_study_path, load_study

    areas = load_areas()
    known = {"09015": (40, 25), "09007": (30, 9)}  # area: (n, numerator)
    suppressed = {"09003": 6}
    rows = []
    for ind, shift in (("feel_safe", 0), ("discriminated", 5)):
        city_n = sum(n for n, _ in known.values()) + sum(suppressed.values())
        city_k = sum(k for _, k in known.values()) + shift
        rows.append(_example_row(ind, CITY, city_n, city_k))
        for area_id in areas["area_id"]:
            if area_id in known:
                n, k = known[area_id]
                rows.append(_example_row(ind, area_id, n, min(n, k + shift)))
            else:
                rows.append(_example_row(ind, area_id, suppressed.get(area_id, 0), None))
    estimates = pd.DataFrame(rows)
    labels = Labels(
        themes={"life_in_city": {"es": "Vida en la ciudad", "en": "Life in the city"}},
        indicators={
            "feel_safe": IndicatorInfo("feel_safe", "life_in_city",
                                       {"es": "Se siente seguro/a", "en": "Feels safe"},
                                       "higher_better"),
            "discriminated": IndicatorInfo("discriminated", "life_in_city",
                                           {"es": "Ha sufrido discriminación",
                                            "en": "Has been discriminated against"},
                                           "higher_worse")},
        group_vars={"all": {"es": "Todas", "en": "All"}},
        group_values={"all": {"all": {"es": "Todas", "en": "All"}}},
        survey_title={"es": "Ejemplo", "en": "Example"},
        wording=load_study(bundled_study_path()).wording)  # the bundled study's words
    return estimates, areas, labels


def _example_row(indicator: str, area_id: str, n: int, k: int | None) -> dict[str, Any]:
    from geo4mi.indicators.estimate import wilson_interval

    if n == 0 or k is None:
        return {"indicator": indicator, "area_id": area_id, "group_var": "all",
                "group_value": "all", "numerator": pd.NA, "n": n, "p": pd.NA, "ci_low": pd.NA,
                "ci_high": pd.NA, "status": "no_data" if n == 0 else "suppressed"}
    low, high = wilson_interval(k, n)
    return {"indicator": indicator, "area_id": area_id, "group_var": "all", "group_value": "all",
            "numerator": k, "n": n, "p": k / n, "ci_low": low, "ci_high": high, "status": "ok"}
