"""Benchmark: place 1,000,000 GPS points in the 16 alcaldías, geo4mi vs geopandas.sjoin.

Both run in the same process on the same points (EPSG:6372, the boundaries' CRS) against
the full-detail INEGI 2022 polygons. The script checks that every point sjoin places in
exactly one borough gets the same borough from geo4mi, and counts the documented
differences (points in no polygon within the border tolerance go to the nearest borough).

Run: ``.venv/bin/python bench/bench_placement.py [--points 1000000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from geo4mi.boundaries import load_areas
from geo4mi.survey.placement import (
    DEFAULT_BORDER_TOLERANCE_M,
    INSIDE,
    NEAREST,
    OUTSIDE,
    AreaLocator,
    place_respondents,
)


def best_of(repeat: int, func):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - t)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    areas = load_areas()
    minx, miny, maxx, maxy = areas.total_bounds
    rng = np.random.default_rng(42)
    n = args.points
    # Points over the city's bounding box (about half fall outside the city), plus 5 % on
    # exact border vertices and gap centroids to exercise the border handling.
    x = rng.uniform(minx - 500, maxx + 500, n)
    y = rng.uniform(miny - 500, maxy + 500, n)
    border = shapely.get_coordinates(shapely.boundary(areas.geometry.to_numpy()))
    k = n // 20
    pick = rng.integers(0, len(border), k)
    x[:k], y[:k] = border[pick, 0], border[pick, 1]
    union = shapely.union_all(areas.geometry.to_numpy())
    gaps = [shapely.Polygon(r).point_on_surface() for p in getattr(union, "geoms", [union])
            for r in p.interiors]
    gx = np.array([g.x for g in gaps])
    gy = np.array([g.y for g in gaps])
    x[k:k + len(gx)], y[k:k + len(gy)] = gx, gy
    print(f"{n:,} points; {len(areas)} polygons with "
          f"{int(shapely.get_num_coordinates(areas.geometry.to_numpy()).sum()):,} vertices; "
          f"{len(gaps)} gaps in the coverage")

    t_build, locator = best_of(args.repeat, lambda: AreaLocator(
        areas, tolerance_m=DEFAULT_BORDER_TOLERANCE_M))
    t_locate, (index, how) = best_of(args.repeat, lambda: locator.locate(x, y))
    ours = t_build + t_locate
    print(f"geo4mi AreaLocator: build {t_build:.3f} s + locate {t_locate:.3f} s "
          f"= {ours:.3f} s -> {n / ours:,.0f} points/s "
          f"(locate alone {n / t_locate:,.0f} points/s; grid {locator.nx}x{locator.ny}, "
          f"cell {locator.cell:.0f} m)")

    t_points, points = best_of(args.repeat, lambda: gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(x, y), crs=areas.crs))
    t_sjoin, joined = best_of(args.repeat, lambda: gpd.sjoin(
        points, areas[["area_id", "geometry"]], how="left", predicate="within"))
    peer = t_sjoin
    print(f"geopandas.sjoin(predicate='within'): {t_sjoin:.3f} s -> {n / t_sjoin:,.0f} points/s "
          f"(+ {t_points:.3f} s to build the point GeoDataFrame)")
    print(f"speed-up vs sjoin: {peer / ours:.1f}x (build + locate), "
          f"{(peer + t_points) / ours:.1f}x counting sjoin's point construction")

    ids = areas["area_id"].to_numpy()
    matches = joined.groupby(level=0)["area_id"].agg(["count", "first"])
    one = matches["count"].to_numpy() == 1
    sj = np.where(one, matches["first"].to_numpy(dtype=object), None)
    ours_id = np.where(index >= 0, ids[np.maximum(index, 0)], None)
    same = (ours_id == sj)[one]
    none = matches["count"].to_numpy() == 0
    many = matches["count"].to_numpy() > 1
    print(f"agreement where sjoin finds exactly one borough: {same.sum():,} of {one.sum():,} "
          f"({'identical' if same.all() else 'DIFFERENT'})")
    print(f"sjoin finds no borough for {none.sum():,} points: geo4mi places "
          f"{int((how[none] == NEAREST).sum()):,} of them in the nearest borough (border "
          f"lines, gaps, or within {DEFAULT_BORDER_TOLERANCE_M:g} m outside) and leaves "
          f"{int((how[none] == OUTSIDE).sum()):,} outside the city; "
          f"{int((how[none] == INSIDE).sum())} inside")
    print(f"sjoin finds several boroughs (overlaps) for {many.sum():,} points; geo4mi takes "
          "the lowest area_id")

    # End to end, from lon/lat respondents (reprojection included).
    lon, lat = Transformer.from_crs(areas.crs, "EPSG:4326", always_xy=True).transform(x, y)
    import pandas as pd
    respondents = pd.DataFrame({"gps_lat": lat, "gps_lon": lon})
    t_place, _placed = best_of(1, lambda: place_respondents(respondents, areas,
                                                           area_column=None))
    print(f"place_respondents (lon/lat -> EPSG:6372, locate, notes) for {n:,} rows: "
          f"{t_place:.2f} s -> {n / t_place:,.0f} rows/s")


if __name__ == "__main__":
    main()
