"""Benchmark: ``geo4mi sites import`` of a workshop GeoJSON, geo4mi vs a plain geopandas dedup.

For each size (default 1,000, 10,000, 100,000 and 1,000,000 features) the script writes a
GeoJSON FeatureCollection like the one the site map's workshop mode downloads, with seeded
random candidates over Mexico City: 70 % spread over the city's bounding box, 20 % within
120 m of one of the 32 bundled Metro sites, 9 % within 40 m of an earlier candidate, and
1 % bad (a shelter type, swapped coordinates, a 3-D point, an unknown type). Then, each in
its own process (so peak memory is its own), it times

- ``geo4mi.sites.import_sites`` (read and check every feature, place in the 16 full-detail
  alcaldías, duplicates within 50 m of a site present before, with no import limit), and
- the peer, written plainly with geopandas: ``geopandas.read_file`` (pyogrio), type check
  with a dict, ``sjoin(predicate="intersects")`` for the borough, ``sjoin_nearest(...,
  max_distance=50)`` against the existing sites and ``sindex.query(predicate="dwithin")``
  among the candidates (a candidate is dropped when any earlier one is within 50 m,
  whether or not that one was kept: a simpler rule than geo4mi's, so counts can differ).

Figures: wall time, and the process's peak resident memory above what it held once the
inputs were loaded (``getrusage``). The last line times refusing the largest file with the
default limit (``[sites] max_import = 10000``), which happens before any site is checked.
Temporary files are deleted.

The peer runs up to 100,000 features unless ``--peer-max`` says otherwise (at 1,000,000 it
takes minutes).

Run: ``.venv/bin/python bench/bench_sites_import.py [--sizes 1000 10000 100000 1000000]
[--peer-max 100000]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RADIUS_M = 50.0


def write_candidates(path: Path, n: int, *, seed: int = 11) -> None:
    """A workshop-like GeoJSON of ``n`` features (see the module docstring)."""
    from geo4mi.boundaries import load_areas
    from geo4mi.sites import BUNDLED_SITES, SITE_TYPES, read_sites

    areas = load_areas()
    sites = read_sites(BUNDLED_SITES, areas)
    minx, miny, maxx, maxy = areas.to_crs("EPSG:4326").total_bounds
    rng = np.random.default_rng(seed)
    lon = rng.uniform(minx, maxx, n)
    lat = rng.uniform(miny, maxy, n)
    kind = rng.random(n)
    near_site = kind < 0.20
    pick = rng.integers(0, len(sites), n)
    lon = np.where(near_site, sites["lon"].to_numpy()[pick] + rng.normal(0, 0.0007, n), lon)
    lat = np.where(near_site, sites["lat"].to_numpy()[pick] + rng.normal(0, 0.0007, n), lat)
    repeat = (kind >= 0.20) & (kind < 0.29) & (np.arange(n) > 0)
    earlier = (rng.random(n) * np.arange(n)).astype(int)
    lon = np.where(repeat, lon[earlier] + rng.normal(0, 0.0002, n), lon)
    lat = np.where(repeat, lat[earlier] + rng.normal(0, 0.0002, n), lat)
    types = [*SITE_TYPES, "Mercado", "Metro", "ONG", "Plaza"]
    type_of = rng.integers(0, len(types), n)
    bad = kind >= 0.99
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"type": "FeatureCollection", "features": [\n')
        for i in range(n):
            coords = [round(float(lon[i]), 6), round(float(lat[i]), 6)]
            props = {"name": f"Sitio candidato {i}", "type": types[type_of[i]],
                     "notes": "propuesto en el taller" if i % 3 == 0 else ""}
            if bad[i]:
                which = i % 4
                if which == 0:
                    props["type"] = "albergue"
                elif which == 1:
                    coords = coords[::-1]
                elif which == 2:
                    coords.append(2240.0)
                else:
                    props["type"] = "estadio"
            feature = {"type": "Feature", "properties": props,
                       "geometry": {"type": "Point", "coordinates": coords}}
            out.write(("" if i == 0 else ",\n") + json.dumps(feature, ensure_ascii=False))
        out.write("\n]}\n")


def run_geo4mi(path: Path) -> dict[str, object]:
    from geo4mi.boundaries import load_areas
    from geo4mi.sites import BUNDLED_SITES, import_sites, read_sites

    areas = load_areas()
    sites = read_sites(BUNDLED_SITES, areas)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    _merged, report = import_sites(path, sites, areas=areas, duplicate_radius_m=RADIUS_M,
                                  max_features=None)
    seconds = time.perf_counter() - start
    counts = report["status"].value_counts()
    return {"seconds": seconds, "base": base,
            "counts": {s: int(counts.get(s, 0)) for s in ("added", "duplicate", "refused",
                                                          "invalid")}}


def run_peer(path: Path) -> dict[str, object]:
    import geopandas as gpd
    import pandas as pd

    from geo4mi.boundaries import load_areas
    from geo4mi.sites import BUNDLED_SITES, SITE_TYPES, read_sites

    areas = load_areas()
    sites = read_sites(BUNDLED_SITES, areas).to_crs(areas.crs)
    lookup = {**{code: code for code in SITE_TYPES}, "Mercado": "market",
              "Metro": "metro_station", "ONG": "ngo_office", "Plaza": "square_park"}
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    gdf = gpd.read_file(path)
    gdf["type"] = gdf["type"].map(lookup)
    ok = gdf["type"].notna() & gdf.geometry.notna() & (gdf.geometry.geom_type == "Point")
    ok &= gdf.geometry.y.between(-90, 90) & gdf.geometry.x.between(-180, 180)
    gdf = gdf[ok].to_crs(areas.crs).reset_index(drop=True)
    placed = gpd.sjoin(gdf, areas[["area_id", "geometry"]], how="left", predicate="intersects")
    area_id = placed.groupby(level=0)["area_id"].min()
    near = gpd.sjoin_nearest(gdf[["geometry"]], sites[["name", "geometry"]], how="left",
                             max_distance=RADIUS_M, distance_col="distance_m")
    near_existing = near.groupby(level=0)["distance_m"].min().notna()
    i, j = gdf.sindex.query(gdf.geometry, predicate="dwithin", distance=RADIUS_M)
    near_earlier = np.zeros(len(gdf), dtype=bool)
    near_earlier[j[i < j]] = True
    duplicate = near_existing.to_numpy() | near_earlier
    added = gdf[~duplicate].assign(area_id=area_id[~duplicate].to_numpy())
    merged = pd.concat([sites, added], ignore_index=True)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "base": base,
            "counts": {"added": int((~duplicate).sum()), "duplicate": int(duplicate.sum()),
                       "dropped as bad": int((~ok).sum()), "merged": len(merged)}}


def run_limit(path: Path) -> dict[str, object]:
    from geo4mi.boundaries import load_areas
    from geo4mi.errors import SitesError
    from geo4mi.sites import BUNDLED_SITES, DEFAULT_MAX_IMPORT, import_sites, read_sites

    areas = load_areas()
    sites = read_sites(BUNDLED_SITES, areas)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        import_sites(path, sites, areas=areas, max_features=DEFAULT_MAX_IMPORT)
        message = "not refused"
    except SitesError as exc:
        message = str(exc).split(": ", 1)[1]
    return {"seconds": time.perf_counter() - start, "base": base, "message": message}


def child(tool: str, path: Path) -> None:
    import logging

    logging.disable(logging.WARNING)  # the outside-the-city summary, once per run
    result = {"geo4mi": run_geo4mi, "peer": run_peer, "limit": run_limit}[tool](path)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["peak_mib"] = (peak - result.pop("base")) / 1024
    print(json.dumps(result))


def measure(tool: str, path: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, "--child", tool, str(path)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000,
                                                                 1_000_000])
    parser.add_argument("--peer-max", type=int, default=100_000,
                        help="run the peer only up to this many features (it is slow)")
    parser.add_argument("--child", nargs=2, metavar=("TOOL", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "candidates.geojson"
        for n in args.sizes:
            write_candidates(path, n)
            ours = measure("geo4mi", path)
            print(f"{n:>9,} features ({path.stat().st_size / 2**20:,.1f} MiB): geo4mi "
                  f"import_sites {ours['seconds']:.2f} s, peak +{ours['peak_mib']:,.0f} MiB "
                  f"-> {n / ours['seconds']:,.0f} features/s; {ours['counts']}", flush=True)
            if n <= args.peer_max:
                peer = measure("peer", path)
                print(f"{'':>9}           peer (read_file + sjoin + sjoin_nearest + sindex "
                      f"dwithin) {peer['seconds']:.2f} s, peak +{peer['peak_mib']:,.0f} MiB; "
                      f"{peer['counts']}", flush=True)
        if n <= 10_000:
            return
        limit = measure("limit", path)
        print(f"refusing the {n:,}-feature file at the default limit: {limit['seconds']:.2f} "
              f"s, peak +{limit['peak_mib']:,.0f} MiB ({limit['message']})")


if __name__ == "__main__":
    main()
