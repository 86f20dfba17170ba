"""GPS points: where about 60 % of the synthetic respondents were interviewed.

:func:`gps_points` draws a latitude and longitude for a fixed share (:data:`GPS_SHARE`) of
respondents: uniformly inside their declared borough, at least 15 m from its edge, except a
few points that fall in a neighbouring borough and one that lies a few metres from a border,
so that placement (``geo4mi.survey``) has its edge cases to handle. Boroughs are matched to
the boundaries by their INEGI names (:data:`BOROUGH_NAMES`).

Examples
--------
>>> BOROUGH_NAMES["cuauhtemoc"], len(BOROUGH_NAMES)
('Cuauhtémoc', 16)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.ops import nearest_points

from geo4mi.errors import BoundaryError
from geo4mi.synthetic.allocation import Answers

if TYPE_CHECKING:
    import geopandas as gpd

#: Borough choice names of the questionnaire and their INEGI names (``area_name``).
BOROUGH_NAMES: dict[str, str] = {
    "azcapotzalco": "Azcapotzalco", "coyoacan": "Coyoacán",
    "cuajimalpa": "Cuajimalpa de Morelos", "gustavo_a_madero": "Gustavo A. Madero",
    "iztacalco": "Iztacalco", "iztapalapa": "Iztapalapa",
    "magdalena_contreras": "La Magdalena Contreras", "milpa_alta": "Milpa Alta",
    "alvaro_obregon": "Álvaro Obregón", "tlahuac": "Tláhuac", "tlalpan": "Tlalpan",
    "xochimilco": "Xochimilco", "benito_juarez": "Benito Juárez", "cuauhtemoc": "Cuauhtémoc",
    "miguel_hidalgo": "Miguel Hidalgo", "venustiano_carranza": "Venustiano Carranza",
}
GPS_SHARE = 0.60
_INNER_BUFFER_M = 15.0   # ordinary points stay this far inside their borough
_NEAR_BORDER_M = 4.0     # the one deliberate near-border point


def _borough_geometries(areas: gpd.GeoDataFrame) -> tuple[list[shapely.Geometry], Any]:
    """Geometry of each borough choice (in :data:`BOROUGH_NAMES` order), metric CRS."""
    from geo4mi.boundaries import metric_crs, to_crs_checked

    for column in ("area_name", "geometry"):
        if column not in areas.columns:
            raise BoundaryError(f"areas: column {column!r} is missing; pass the areas table "
                                "of geo4mi.boundaries.load_areas")
    metric = to_crs_checked(areas, metric_crs(areas), step="synthetic GPS points")
    by_name = dict(zip(metric["area_name"], metric.geometry, strict=True))
    missing = [label for label in BOROUGH_NAMES.values() if label not in by_name]
    if missing:
        raise BoundaryError(f"areas: no area named {', '.join(map(repr, missing))}; the "
                            "synthetic sample needs the 16 alcaldías of Mexico City "
                            "(geo4mi.boundaries.load_areas())")
    return [by_name[label] for label in BOROUGH_NAMES.values()], metric.crs


def _points_in(geom: shapely.Geometry, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` uniform random points inside ``geom`` as an (k, 2) array (rejection sampling)."""
    shapely.prepare(geom)
    x0, y0, x1, y1 = geom.bounds
    out = np.empty((0, 2))
    while len(out) < k:
        m = max(64, 3 * (k - len(out)))
        xy = np.column_stack([x0 + rng.random(m) * (x1 - x0), y0 + rng.random(m) * (y1 - y0)])
        out = np.vstack([out, xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]])
    return out[:k]


def _near_border_point(geom: shapely.Geometry, others: shapely.Geometry,
                       rng: np.random.Generator) -> np.ndarray:
    """A point ``_NEAR_BORDER_M`` inside ``geom``, next to its border with ``others``."""
    shared = shapely.intersection(geom.boundary, others.buffer(1.0))
    inner = geom.buffer(-_NEAR_BORDER_M).boundary
    for _ in range(50):
        on_border = shapely.line_interpolate_point(shared, rng.random(), normalized=True)
        point = nearest_points(inner, on_border)[0]
        if others.distance(point) < 2 * _NEAR_BORDER_M + 1:
            return np.array([[point.x, point.y]])
    raise BoundaryError("areas: no point near the border between neighbouring boroughs "
                        "could be placed; check that the boundaries share their borders")


def gps_points(s: Answers, areas: gpd.GeoDataFrame | None,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude (NaN when missing) for about 60 % of respondents.

    Parameters
    ----------
    s : Answers
        The drawn answers; ``s.codes["borough"]`` is each respondent's declared borough.
    areas : GeoDataFrame or None
        Boundaries with the INEGI names of the 16 alcaldías in ``area_name``; None for the
        bundled INEGI 2022 alcaldías (:func:`geo4mi.boundaries.load_areas`).
    rng : numpy.random.Generator
        Continues the generator that drew ``s``.

    Returns
    -------
    (ndarray, ndarray)
        Latitude and longitude (WGS 84, 5 decimals), NaN for respondents without a point.

    Raises
    ------
    BoundaryError
        ``areas`` lacks ``area_name`` or one of the 16 alcaldías.

    Examples
    --------
    >>> from geo4mi.synthetic.targets import draw_answers
    >>> rng = np.random.default_rng(1)
    >>> lat, lon = gps_points(draw_answers(40, rng), None, rng)
    >>> int(np.isfinite(lat).sum()), bool((19.0 < lat[np.isfinite(lat)]).all())
    (24, True)
    """
    from pyproj import Transformer

    if areas is None:
        from geo4mi.boundaries import load_areas
        areas = load_areas()
    n = s.n
    geoms, crs = _borough_geometries(areas)
    order = list(BOROUGH_NAMES)
    declared = np.array([order.index(b) for b in s.choices["borough"]])[s.codes["borough"]]
    has = np.zeros(n, dtype=bool)
    has[rng.choice(n, size=int(np.floor(GPS_SHARE * n + 0.5)), replace=False)] = True
    idx = np.flatnonzero(has)
    target = declared.copy()
    # A few points fall in a neighbouring borough, one lies a few metres from a border.
    neighbours = [[j for j in range(len(geoms)) if j != i and geoms[i].distance(geoms[j]) < 5]
                  for i in range(len(geoms))]
    special = rng.permutation(idx)
    near, moved = special[:1], special[1:1 + max(3, len(idx) // 100)]
    if len(idx) < 4:
        near, moved = special[:0], special[:0]
    for i in moved:
        target[i] = neighbours[declared[i]][rng.integers(len(neighbours[declared[i]]))]
    xy = np.full((n, 2), np.nan)
    ordinary = np.setdiff1d(idx, near)
    for b in np.unique(target[ordinary]):
        rows = ordinary[target[ordinary] == b]
        xy[rows] = _points_in(geoms[b].buffer(-_INNER_BUFFER_M), len(rows), rng)
    for i in near:
        b = declared[i]
        xy[i] = _near_border_point(geoms[b], shapely.union_all([geoms[j] for j in neighbours[b]]),
                                   rng)
    to_wgs = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(xy[:, 0], xy[:, 1])
    return np.round(lat, 5), np.round(lon, 5)
