"""Place every respondent in a borough: by declared name, by GPS, or unassigned with a reason.

Rules (see ``docs/survey.md``):

- **Declared name**: the borough question's answer (a choice name, its label, or typed
  text) goes through :class:`geo4mi.names.AreaNameMatcher` (exact, known variant, or a
  reported fuzzy match; ambiguous and unmatched names are refused with suggestions).
- **GPS**: point in polygon against the boundaries in a metric CRS. A point inside one
  borough is placed there (``"gps"``). A point in no borough but within
  ``border_tolerance_m`` of one — on a border line, in one of the sub-square-metre gaps of
  INEGI's coverage, or just outside the city edge — goes to the nearest borough
  (``"gps_nearest"``; ties go to the lowest ``area_id``). Farther points are outside the
  city and are not placed by GPS.
- **Both**: ``policy`` decides when they disagree: ``"prefer_declared"`` (default; the
  disagreement is noted), ``"prefer_gps"``, or ``"flag"`` (unassigned, with the reason).

Examples
--------
>>> import geopandas as gpd, pandas as pd
>>> from shapely.geometry import box
>>> areas = gpd.GeoDataFrame({"area_id": ["09002", "09015"],
...                           "area_name": ["Azcapotzalco", "Cuauhtémoc"]},
...                          geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
...                          crs="EPSG:6372")
>>> locator = AreaLocator(areas, tolerance_m=5)
>>> idx, how = locator.locate([500.0, 1000.0, 1500.0, 2003.0, 9000.0],
...                           [500.0, 500.0, 500.0, 500.0, 500.0])
>>> idx.tolist(), [HOW[h] for h in how]
([0, 0, 1, 1, -1], ['inside', 'nearest', 'inside', 'nearest', 'outside'])
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geo4mi.boundaries import metric_crs, to_crs_checked
from geo4mi.errors import SurveyDataError
from geo4mi.names import AreaNameMatcher
from geo4mi.survey.xlsform import Form

log = logging.getLogger(__name__)

POLICIES = ("prefer_declared", "prefer_gps", "flag")
PLACEMENTS = ("declared", "gps", "gps_nearest", "unassigned")
#: Default distance (metres) within which a point in no borough goes to the nearest one:
#: about the accuracy of a phone GPS fix in a city.
DEFAULT_BORDER_TOLERANCE_M = 25.0

INSIDE, NEAREST, OUTSIDE, NO_POINT = 0, 1, 2, 3
HOW = {INSIDE: "inside", NEAREST: "nearest", OUTSIDE: "outside", NO_POINT: "no_point"}
_BORDER, _NONE = -2, -1


class AreaLocator:
    """Fast point-in-polygon for many points against a few detailed polygons.

    A grid over the areas' extent is built once. Cells that no boundary (expanded by the
    tolerance) touches lie wholly inside one area or wholly outside all of them: they are
    labelled by connected component, one :func:`shapely.contains_xy` test per component.
    Points in those cells are placed by a table look-up; only points in border cells are
    tested against the polygons, and only points in no polygon go to a nearest-area search.

    Parameters
    ----------
    areas : GeoDataFrame
        Polygons in a projected CRS in metres (see :func:`geo4mi.boundaries.metric_crs`).
    tolerance_m : float
        Points in no polygon but within this distance of one go to the nearest.
    cell_m : float, optional
        Grid cell size; default ~1/1024 of the larger side of the extent.
    """

    def __init__(self, areas: gpd.GeoDataFrame, *, tolerance_m: float = DEFAULT_BORDER_TOLERANCE_M,
                 cell_m: float | None = None) -> None:
        from scipy import ndimage

        if tolerance_m < 0:
            raise ValueError(f"tolerance_m must be >= 0, got {tolerance_m!r}")
        self.geoms = np.asarray(areas.geometry.to_numpy(), dtype=object)
        shapely.prepare(self.geoms)
        self.area_tree = shapely.STRtree(self.geoms)
        self.tolerance = float(tolerance_m)
        self.bounds = shapely.bounds(self.geoms)
        minx, miny, maxx, maxy = areas.total_bounds
        pad = self.tolerance + 1.0
        self.x0, self.y0 = minx - pad, miny - pad
        span = max(maxx - minx, maxy - miny) + 2 * pad
        self.cell = float(cell_m or span / 1024)
        self.nx = int(np.ceil((maxx + pad - self.x0) / self.cell)) + 1
        self.ny = int(np.ceil((maxy + pad - self.y0) / self.cell)) + 1
        # Mark every cell within `tol` of a boundary segment (conservative: segment bboxes).
        parts, owner = shapely.get_parts(shapely.boundary(self.geoms), return_index=True)
        coords, ring = shapely.get_coordinates(parts, return_index=True)
        same = ring[1:] == ring[:-1]
        a, b = coords[:-1][same], coords[1:][same]
        # Boundary segments, each tagged with its polygon: nearest-area searches run on these
        # small lines instead of whole polygons.
        self.segment_area = owner[ring[:-1][same]].astype(np.int32)
        self.segment_a, self.segment_b = a, b
        self.segment_tree = shapely.STRtree(shapely.linestrings(
            np.stack([a, b], axis=1)))
        tol = max(self.tolerance, self.cell * 1e-6)
        lo = np.floor((np.minimum(a, b) - tol - (self.x0, self.y0)) / self.cell).astype(np.int64)
        hi = np.floor((np.maximum(a, b) + tol - (self.x0, self.y0)) / self.cell).astype(np.int64)
        lo = np.clip(lo, 0, (self.nx - 1, self.ny - 1))
        hi = np.clip(hi, 0, (self.nx - 1, self.ny - 1))
        border = np.zeros((self.ny, self.nx), dtype=bool)
        wx, wy = hi[:, 0] - lo[:, 0] + 1, hi[:, 1] - lo[:, 1] + 1
        count = wx * wy
        seg = np.repeat(np.arange(len(lo)), count)
        offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        border[lo[seg, 1] + offset // wx[seg], lo[seg, 0] + offset % wx[seg]] = True
        # Label the border-free cells by connected component.
        components, _n = ndimage.label(~border)
        labels, first = np.unique(components.ravel(), return_index=True)
        first = first[labels > 0]  # one cell of each component 1..n, in label order
        iy, ix = np.divmod(first, self.nx)
        rep_x = self.x0 + (ix + 0.5) * self.cell
        rep_y = self.y0 + (iy + 0.5) * self.cell
        rep_label = self._contains(rep_x, rep_y)
        table = np.concatenate([[_BORDER], rep_label]).astype(np.int32)
        self.grid = table[components]

    def _contains(self, x: np.ndarray, y: np.ndarray, *, boundary: bool = False) -> np.ndarray:
        """Index of the (lowest-index) polygon containing (or touching) each point, or -1."""
        test = shapely.intersects_xy if boundary else shapely.contains_xy
        out = np.full(len(x), _NONE, dtype=np.int32)
        if not len(x):
            return out
        # Candidate (point, polygon) pairs whose bounding boxes meet, from the spatial index;
        # one vectorised test over the pairs (no loop over the polygons).
        point, area = self.area_tree.query(shapely.points(x, y))
        hit = test(self.geoms[area], x[point], y[point])
        point, area = point[hit], area[hit]
        if point.size:  # lowest index wins on overlaps
            lowest = np.full(len(x), len(self.geoms), dtype=np.int64)
            np.minimum.at(lowest, point, area)
            found = lowest < len(self.geoms)
            out[found] = lowest[found]
        return out

    def locate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Area index (-1 when none) and how it was found, per point.

        Parameters
        ----------
        x, y : array-like of float
            Coordinates in the areas' CRS; NaN for a missing point.

        Returns
        -------
        index : ndarray of int32
            Position in ``areas`` (-1: not placed).
        how : ndarray of int8
            :data:`INSIDE`, :data:`NEAREST` (border, gap or just outside, within the
            tolerance), :data:`OUTSIDE`, or :data:`NO_POINT` (NaN coordinates).
        """
        x = np.asarray(x, dtype="float64")
        y = np.asarray(y, dtype="float64")
        index = np.full(len(x), _NONE, dtype=np.int32)
        how = np.full(len(x), OUTSIDE, dtype=np.int8)
        missing = np.isnan(x) | np.isnan(y)
        how[missing] = NO_POINT
        with np.errstate(invalid="ignore"):
            ix = np.floor((x - self.x0) / self.cell)
            iy = np.floor((y - self.y0) / self.cell)
        in_grid = ~missing & (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        cells = np.flatnonzero(in_grid)
        label = self.grid[iy[cells].astype(np.intp), ix[cells].astype(np.intp)]
        known = label >= 0
        index[cells[known]] = label[known]
        how[cells[known]] = INSIDE
        check = cells[label == _BORDER]
        if check.size:
            found = self._contains(x[check], y[check])
            index[check] = found
            how[check[found >= 0]] = INSIDE
            rest = check[found < 0]
            if rest.size:  # exactly on a border line: the lowest area touching it
                touch = self._contains(x[rest], y[rest], boundary=True)
                index[rest[touch >= 0]] = touch[touch >= 0]
                how[rest[touch >= 0]] = NEAREST
                rest = rest[touch < 0]
            if rest.size:
                near, ok = self.nearest(x[rest], y[rest], max_distance=self.tolerance)
                index[rest[ok]] = near[ok]
                how[rest[ok]] = NEAREST
        return index, how

    def nearest(self, x: np.ndarray, y: np.ndarray, *, max_distance: float | None = None,
                ) -> tuple[np.ndarray, np.ndarray]:
        """Nearest area per point (ties: lowest index) and whether one was within reach.

        Meant for points in no area: the distance to an area is then the distance to its
        boundary, found among the boundary segments.
        """
        out = np.full(len(x), _NONE, dtype=np.int32)
        if max_distance is None:
            (p, seg), dist = self.segment_tree.query_nearest(
                shapely.points(x, y), return_distance=True, all_matches=True)
        else:
            d = max(float(max_distance), 1e-9)
            p, seg = self.segment_tree.query(shapely.box(x - d, y - d, x + d, y + d))
            dist = _segment_distance(x[p], y[p], self.segment_a[seg], self.segment_b[seg])
            near = dist <= d
            p, seg, dist = p[near], seg[near], dist[near]
        if len(p):
            area = self.segment_area[seg]
            order = np.lexsort((area, dist, p))
            p, area = p[order], area[order]
            keep = np.ones(len(p), dtype=bool)
            keep[1:] = p[1:] != p[:-1]
            out[p[keep]] = area[keep]
        return out, out >= 0

    def distance(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Distance (CRS units) from each point outside every area to the nearest area."""
        pts = shapely.points(x, y)
        (p, _), dist = self.segment_tree.query_nearest(pts, return_distance=True,
                                                       all_matches=False)
        out = np.full(len(x), np.nan)
        out[p] = dist
        return out


def _segment_distance(px: np.ndarray, py: np.ndarray, a: np.ndarray, b: np.ndarray,
                      ) -> np.ndarray:
    """Euclidean distance from points to segments a-b (vectorised)."""
    dx, dy = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
    length2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = ((px - a[:, 0]) * dx + (py - a[:, 1]) * dy) / length2
    t = np.clip(np.nan_to_num(t), 0.0, 1.0)
    return np.hypot(px - (a[:, 0] + t * dx), py - (a[:, 1] + t * dy))


def unchosen_values(respondents: pd.DataFrame, question: str,
                    read_issues: pd.DataFrame | None) -> np.ndarray:
    """Answers to ``question`` that reading set to missing because they are not choices.

    :func:`geo4mi.survey.exports.read_export` lists them as ``unknown_choice`` issues of
    the question's column (``respondents.attrs["columns"]``). Returns an object array
    aligned to ``respondents``: the text as written, None elsewhere.
    """
    out = np.full(len(respondents), None, dtype=object)
    header = respondents.attrs.get("columns", {}).get(question)
    if read_issues is None or not len(read_issues) or header is None \
            or "_row" not in respondents.columns:
        return out
    part = read_issues[(read_issues["kind"] == "unknown_choice")
                       & (read_issues["column"] == header) & read_issues["row"].notna()]
    if len(part):
        by_row = pd.Series(part["value"].astype(object).to_numpy(),
                           index=part["row"].astype("int64").to_numpy())
        by_row = by_row[~by_row.index.duplicated()]
        found = by_row.reindex(respondents["_row"].astype("int64").to_numpy())
        out[:] = found.to_numpy(dtype=object)
        out[pd.isna(out) | respondents[question].notna().to_numpy()] = None
    return out


def _declared(values: pd.Series, matcher: AreaNameMatcher, question: str,
              form: Form | None, unchosen: np.ndarray) -> pd.DataFrame:
    """Match declared names; choice names are tried through their labels first, and values
    that are not choices (``unchosen``) with the same rules as typed text."""
    text = values.astype("string")
    list_name = ""
    if form is not None and form.has_question(question):
        q = form.question(question)
        if q["type"] == "select_one" and q["list_name"]:
            list_name = q["list_name"]
            labels = {c: form.choice_label(q["list_name"], c) for c in form.choices_of(question)}
            # each distinct name once, not a Python call per respondent
            codes, names = pd.factorize(text, use_na_sentinel=True)
            named = pd.array([*(labels.get(v, v) for v in names), pd.NA], dtype="string")
            text = pd.Series(named[codes], index=text.index, name=text.name)
    result = matcher.match_many(text)
    retry = result["area_id"].isna() & values.notna()
    if retry.any():
        again = matcher.match_many(values[retry].astype("string"))
        better = again["area_id"].notna()
        result.loc[again.index[better], ["area_id", "method", "note"]] = \
            again.loc[better, ["area_id", "method", "note"]]
    result["value"] = values.astype(object).where(values.notna(), None).to_numpy()
    result["not_choice"] = False
    other = np.flatnonzero(pd.notna(unchosen))
    if other.size:
        what = f"value {{!r}} is not a choice of list {list_name!r} of question {question!r}"
        notes: dict[str, tuple[object, str, str]] = {}
        for v in dict.fromkeys(unchosen[other]):
            m = matcher.lookup(v)
            base = what.format(v)
            if m.method == "unmatched":
                note = (f"{base} nor an area name or id (closest: "
                        f"{', '.join(map(repr, m.closest))}); correct it in the export or "
                        "add it to the choices")
            elif m.method in ("exact", "alias") and m.area_id is not None:  # always set then
                note = (f"{base}; read as area {matcher.name_of(m.area_id)!r}"
                        + (" (known variant)" if m.method == "alias" else ""))
            else:
                note = f"{base}; {m.note}"
            notes[v] = (m.area_id, m.method, note)
        index = result.index[other]
        picked = [notes[v] for v in unchosen[other]]
        result.loc[index, "area_id"] = pd.array([p[0] for p in picked], dtype="string")
        result.loc[index, "method"] = [p[1] for p in picked]
        result.loc[index, "note"] = [p[2] for p in picked]
        result.loc[index, "value"] = unchosen[other]
        result.loc[index, "not_choice"] = True
    return result


def swapped_points(lat: np.ndarray, lon: np.ndarray, areas: gpd.GeoDataFrame) -> np.ndarray:
    """Which points fall within the areas' extent once latitude and longitude are swapped.

    Parameters
    ----------
    lat, lon : ndarray of float
        WGS 84 coordinates as read (NaN where none).
    areas : GeoDataFrame
        The areas, any CRS.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> areas = gpd.GeoDataFrame(geometry=[box(-99.3, 19.1, -98.9, 19.6)], crs="EPSG:4326")
    >>> swapped_points(np.array([-99.1, 19.4, np.nan]), np.array([19.4, -99.1, 1.0]),
    ...                areas).tolist()
    [True, False, False]
    """
    minx, miny, maxx, maxy = to_crs_checked(areas, "EPSG:4326",
                                            step="checking swapped coordinates").total_bounds
    pad = 0.05 * max(maxx - minx, maxy - miny)
    with np.errstate(invalid="ignore"):
        return ((lat >= minx - pad) & (lat <= maxx + pad)
                & (lon >= miny - pad) & (lon <= maxy + pad))


def place_respondents(respondents: pd.DataFrame, areas: gpd.GeoDataFrame, *,
                      area_column: str | None = "borough",
                      gps_question: str | None = "gps", policy: str = "prefer_declared",
                      border_tolerance_m: float = DEFAULT_BORDER_TOLERANCE_M,
                      form: Form | None = None,
                      read_issues: pd.DataFrame | None = None,
                      aliases: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Add ``area_id``, ``placement`` and ``placement_note`` to respondents.

    Parameters
    ----------
    respondents : DataFrame
        Canonical respondents (:func:`geo4mi.survey.exports.read_export`).
    areas : GeoDataFrame
        ``area_id``, ``area_name``, geometry (any CRS; reprojected to a metric one).
    area_column : str or None, default "borough"
        Column with the declared area: a select_one or text question, or any text column
        the export kept.
    gps_question : str or None, default "gps"
        Geopoint question; its ``<q>_lat``/``<q>_lon`` columns are used when present.
    policy : {"prefer_declared", "prefer_gps", "flag"}
        What to do when the declared borough and the GPS point disagree.
    border_tolerance_m : float, default 25
        Points in no borough within this distance of one go to the nearest borough.
    form : Form, optional
        Lets choice names of the area question be matched through their labels.
    read_issues : DataFrame, optional
        The issues of :func:`~geo4mi.survey.exports.read_export`: answers to a select_one
        area question that are not choices (``unknown_choice``, set to missing on reading)
        are then matched against the area names and ids like typed text.
    aliases : mapping, optional
        Known variants of area names, ``{variant: official name}`` (the study's
        ``[boundaries] aliases``; :class:`geo4mi.names.AreaNameMatcher`).

    Returns
    -------
    DataFrame
        A copy of ``respondents`` with ``area_id`` (string, NA when unassigned),
        ``placement`` (``declared``, ``gps``, ``gps_nearest``, ``unassigned``),
        ``placement_note`` (the reason when unassigned; disagreements, fuzzy names, values
        that are not choices, GPS points outside the city; NA otherwise), and for the
        data-quality report ``_name_match`` (how the declared name matched: exact, alias,
        fuzzy, ambiguous, unmatched, missing; NA without an area column), ``_area_value``
        (the declared text, also when it is not a choice), ``_area_not_choice`` and
        ``_gps_swapped`` (the point, out of range or outside the city, falls in the areas'
        extent with latitude and longitude swapped).

    Raises
    ------
    SurveyDataError
        Neither the area column nor the GPS columns are in the export, or ``policy`` is
        unknown.
    ValueError
        Negative tolerance.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> areas = gpd.GeoDataFrame({"area_id": ["09007", "09015"],
    ...                           "area_name": ["Iztapalapa", "Cuauhtémoc"]},
    ...                          geometry=[box(-99.2, 19.3, -99.1, 19.4),
    ...                                    box(-99.1, 19.3, -99.0, 19.4)], crs="EPSG:4326")
    >>> r = pd.DataFrame({"borough": ["Itzapalapa", "Cuauhtemoc", None, "Narnia"],
    ...                   "gps_lat": [19.35, 19.35, 19.35, None],
    ...                   "gps_lon": [-99.15, -99.15, -99.05, None]})
    >>> placed = place_respondents(r, areas, aliases={"Itzapalapa": "Iztapalapa"})
    >>> placed[["area_id", "placement"]].to_numpy().tolist()
    [['09007', 'declared'], ['09015', 'declared'], ['09015', 'gps'], [<NA>, 'unassigned']]
    >>> placed.loc[1, "placement_note"]
    "declared 'Cuauhtémoc' but the GPS point is in 'Iztapalapa'; kept the declared borough"
    >>> placed.loc[3, "placement_note"]
    "borough name 'Narnia' matches no area; closest: 'Iztapalapa', 'Cuauhtémoc'; correct it in the export or add an alias; no GPS point"
    """  # noqa: E501  (a doctest shows the one-line error message whole)
    if policy not in POLICIES:
        raise SurveyDataError(f"placement policy {policy!r} is unknown; use one of "
                              f"{', '.join(POLICIES)}")
    source = respondents.attrs.get("source", "survey export")
    has_name, has_gps = _sources(respondents, area_column, gps_question)
    ids = areas["area_id"].astype(str).to_numpy()
    names = dict(zip(ids, areas["area_name"].astype(str), strict=True))
    declared = (_declared_areas(respondents, areas, area_column, form, read_issues, aliases)
                if has_name and area_column is not None else _Declared.none(len(respondents)))
    gps = (_gps_areas(respondents, areas, ids, gps_question, border_tolerance_m)
           if has_gps else _Gps.none(len(respondents)))
    rejected, swapped = _suspect_points(respondents, areas, gps_question, gps, source)
    area, how, decided = _decide(declared, gps, policy)
    note = _notes(declared, gps, decided, rejected, swapped, names, policy,
                  has_name=has_name, has_gps=has_gps)
    return _with_placement(respondents, area, how, note, declared, swapped, source)


def _sources(respondents: pd.DataFrame, area_column: str | None,
             gps_question: str | None) -> tuple[bool, bool]:
    """Whether the export has the area column and the GPS columns (one of them at least)."""
    source = respondents.attrs.get("source", "survey export")
    absent = set(respondents.attrs.get("absent_questions", ()))
    has_name = bool(area_column) and area_column in respondents.columns \
        and area_column not in absent
    lat_col, lon_col = f"{gps_question}_lat", f"{gps_question}_lon"
    has_gps = bool(gps_question) and lat_col in respondents.columns \
        and lon_col in respondents.columns and gps_question not in absent
    if not has_name and not has_gps:
        raise SurveyDataError(f"{source}: row 1: no area column "
                              f"{area_column!r} and no GPS columns for {gps_question!r}; "
                              "add the area column to the export, or set "
                              "[survey] area_column / gps_question in the study file")
    return has_name, has_gps


class _Declared(NamedTuple):
    """Each respondent's declared area, as matched (object arrays, None where none)."""

    area_id: np.ndarray
    method: np.ndarray       # exact, alias, fuzzy, ambiguous, unmatched, missing
    note: np.ndarray
    value: np.ndarray        # the declared text, also when it is not a choice
    not_choice: np.ndarray   # bool

    @classmethod
    def none(cls, n: int) -> _Declared:
        """No area column."""
        return cls(np.full(n, None, dtype=object), np.full(n, None, dtype=object),
                   np.full(n, "", dtype=object), np.full(n, None, dtype=object),
                   np.zeros(n, dtype=bool))


def _declared_areas(respondents: pd.DataFrame, areas: gpd.GeoDataFrame, area_column: str,
                    form: Form | None, read_issues: pd.DataFrame | None,
                    aliases: Mapping[str, str] | None) -> _Declared:
    """The declared names matched to the areas (also the answers that are not choices)."""
    unchosen = unchosen_values(respondents, area_column, read_issues)
    declared = _declared(respondents[area_column], AreaNameMatcher(areas, aliases=aliases),
                         area_column, form, unchosen)
    return _Declared(declared["area_id"].to_numpy(dtype=object, na_value=None),
                     declared["method"].to_numpy(dtype=object),
                     declared["note"].to_numpy(dtype=object),
                     declared["value"].to_numpy(dtype=object),
                     declared["not_choice"].to_numpy(dtype=bool))


class _Gps(NamedTuple):
    """Each respondent's GPS point and the area it falls in."""

    area_id: np.ndarray      # object, None where not placed by GPS
    how: np.ndarray          # int8: INSIDE, NEAREST, OUTSIDE, NO_POINT
    distance: np.ndarray     # metres to the nearest area, for the points OUTSIDE
    lat: np.ndarray
    lon: np.ndarray

    @classmethod
    def none(cls, n: int) -> _Gps:
        """No GPS columns."""
        return cls(np.full(n, None, dtype=object), np.full(n, NO_POINT, dtype=np.int8),
                   np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan))


def _gps_areas(respondents: pd.DataFrame, areas: gpd.GeoDataFrame, ids: np.ndarray,
               gps_question: str | None, border_tolerance_m: float) -> _Gps:
    """The points located in the areas, in a metric CRS (with the border tolerance)."""
    n = len(respondents)
    gps = _Gps.none(n)
    lat = pd.to_numeric(respondents[f"{gps_question}_lat"]).to_numpy(dtype="float64",
                                                                     na_value=np.nan)
    lon = pd.to_numeric(respondents[f"{gps_question}_lon"]).to_numpy(dtype="float64",
                                                                     na_value=np.nan)
    if not (~np.isnan(lat)).any():
        return gps._replace(lat=lat, lon=lon)
    crs = metric_crs(areas)
    areas_m = to_crs_checked(areas, crs, step="placing respondents by GPS")
    wgs84_to_m = Transformer.from_crs(CRS.from_epsg(4326), crs, always_xy=True)
    x, y = wgs84_to_m.transform(lon, lat)
    locator = AreaLocator(areas_m, tolerance_m=border_tolerance_m)
    index, g_how = locator.locate(x, y)
    g_id = np.where(index >= 0, ids[np.maximum(index, 0)],
                    np.array(None, dtype=object)).astype(object)
    g_dist = gps.distance
    outside = np.flatnonzero(g_how == OUTSIDE)
    if outside.size:
        g_dist[outside] = locator.distance(x[outside], y[outside])
    return _Gps(g_id, g_how, g_dist, lat, lon)


def _suspect_points(respondents: pd.DataFrame, areas: gpd.GeoDataFrame,
                    gps_question: str | None, gps: _Gps,
                    source: str) -> tuple[np.ndarray, np.ndarray]:
    """Points out of range (rejected on reading) and points outside the city: which were
    rejected, and which fall in the areas with latitude and longitude swapped (a warning
    when they are at least half of these points)."""
    n = len(respondents)
    rejected = np.zeros(n, dtype=bool)
    swapped = np.zeros(n, dtype=bool)
    if not gps_question:
        return rejected, swapped
    r_lat_col, r_lon_col = f"_{gps_question}_rejected_lat", f"_{gps_question}_rejected_lon"
    c_lat = np.where(gps.how == OUTSIDE, gps.lat, np.nan)
    c_lon = np.where(gps.how == OUTSIDE, gps.lon, np.nan)
    if r_lat_col in respondents.columns and r_lon_col in respondents.columns:
        r_lat = pd.to_numeric(respondents[r_lat_col]).to_numpy("float64", na_value=np.nan)
        r_lon = pd.to_numeric(respondents[r_lon_col]).to_numpy("float64", na_value=np.nan)
        rejected = ~np.isnan(r_lat) & ~np.isnan(r_lon)
        c_lat[rejected], c_lon[rejected] = r_lat[rejected], r_lon[rejected]
    candidates = ~np.isnan(c_lat)
    if candidates.any():
        swapped = candidates & swapped_points(c_lat, c_lon, areas)
        if swapped.sum() and 2 * swapped.sum() >= candidates.sum():
            log.warning("%s: %d of %d GPS points out of range or outside the city fall in "
                        "the study area with latitude and longitude swapped; swap the "
                        "latitude and longitude columns of the export and run again",
                        source, swapped.sum(), candidates.sum())
    return rejected, swapped


class _Decided(NamedTuple):
    """Which sources each respondent has, and whether they agree."""

    has_d: np.ndarray
    has_g: np.ndarray
    differ: np.ndarray


def _decide(declared: _Declared, gps: _Gps,
            policy: str) -> tuple[np.ndarray, np.ndarray, _Decided]:
    """Each respondent's area and placement: the one source there is, or (when both are
    there and disagree) the one ``policy`` prefers; unassigned under ``"flag"``."""
    n = len(declared.area_id)
    d_id, g_id = declared.area_id, gps.area_id
    area = np.full(n, None, dtype=object)
    how = np.full(n, "unassigned", dtype=object)
    gps_kind = np.where(gps.how == NEAREST, "gps_nearest", "gps")
    has_d = np.array([v is not None for v in d_id], dtype=bool)
    has_g = np.array([v is not None for v in g_id], dtype=bool)
    agree = has_d & has_g & (d_id == g_id)
    differ = has_d & has_g & ~agree

    only_d = has_d & ~has_g
    area[only_d] = d_id[only_d]
    how[only_d] = "declared"
    only_g = has_g & ~has_d
    area[only_g] = g_id[only_g]
    how[only_g] = gps_kind[only_g]
    area[agree] = d_id[agree]
    how[agree] = gps_kind[agree] if policy == "prefer_gps" else "declared"
    if policy == "prefer_declared":
        area[differ], how[differ] = d_id[differ], "declared"
    elif policy == "prefer_gps":
        area[differ], how[differ] = g_id[differ], gps_kind[differ]
    return area, how, _Decided(has_d, has_g, differ)


def _notes(declared: _Declared, gps: _Gps, decided: _Decided, rejected: np.ndarray,
           swapped: np.ndarray, names: dict[str, str], policy: str, *, has_name: bool,
           has_gps: bool) -> np.ndarray:
    """The placement note of each respondent: disagreements, fuzzy or unmatched names,
    values that are not choices, points outside the city or out of range, and why a
    respondent is unassigned (None where there is nothing to say)."""
    d_id, d_method, d_note, not_choice = (declared.area_id, declared.method, declared.note,
                                          declared.not_choice)
    g_id, g_how, g_dist = gps.area_id, gps.how, gps.distance
    has_d, has_g, differ = decided
    note = np.full(len(d_id), None, dtype=object)
    for i in np.flatnonzero(differ | (has_g & ~has_d & has_name) | (~has_g & (g_how == OUTSIDE))
                            | (has_d & np.isin(d_method, ["fuzzy"])) | not_choice | rejected
                            | ~(has_d | has_g)):
        parts = []
        if differ[i]:
            gps_where = "GPS point near" if g_how[i] == NEAREST else "GPS point is in"
            parts.append(f"declared {names[d_id[i]]!r} but the {gps_where} {names[g_id[i]]!r}; "
                         + {"prefer_declared": "kept the declared borough",
                            "prefer_gps": "placed by GPS",
                            "flag": "not placed (policy 'flag'); correct one of them"}[policy])
        if (d_method[i] in ("unmatched", "ambiguous", "fuzzy") or not_choice[i]) and d_note[i]:
            parts.append(d_note[i])
        hint = " (latitude and longitude look swapped)" if swapped[i] else ""
        if g_how[i] == OUTSIDE:
            dist = g_dist[i]
            far = f" ({dist / 1000:.1f} km from the nearest borough)" if not np.isnan(dist) else ""
            parts.append(f"GPS point outside the city{far}{hint}")
        if rejected[i]:
            parts.append(f"GPS point out of range{hint}")
        if has_g[i] and not has_d[i] and has_name:
            parts.append("placed by GPS")
        if not (has_d[i] or has_g[i]):
            if not has_name or d_method[i] == "missing":
                parts.append("no borough name" + ("" if g_how[i] == OUTSIDE or rejected[i]
                                                  or not has_gps else " and no GPS point"))
            elif has_gps and g_how[i] == NO_POINT and not rejected[i]:
                parts.append("no GPS point")
        note[i] = "; ".join(parts) if parts else None
    return note


def _with_placement(respondents: pd.DataFrame, area: np.ndarray, how: np.ndarray,
                    note: np.ndarray, declared: _Declared, swapped: np.ndarray,
                    source: str) -> pd.DataFrame:
    """A copy of ``respondents`` with the placement columns (and the data-quality ones)."""
    out = respondents.copy()
    for column in ("area_id", "placement", "placement_note", "_name_match"):
        if column in out.columns:
            log.info("%s: replacing the existing %r column", source, column)
    out["area_id"] = pd.array(area, dtype="string")
    out["placement"] = pd.array(how, dtype="string")
    out["placement_note"] = pd.array(note, dtype="string")
    out["_name_match"] = pd.array(declared.method, dtype="string")
    out["_area_value"] = pd.array(declared.value, dtype="string")
    out["_area_not_choice"] = declared.not_choice
    out["_gps_swapped"] = swapped
    counts = out["placement"].value_counts().to_dict()
    log.info("%s: placed %s", source, ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return out
