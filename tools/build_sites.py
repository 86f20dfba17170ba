"""Build the bundled example sites (data/sites.csv) and copy the census table.

Run once by a maintainer, from the repository root, with the shared reference data next to
the checkout::

    .venv/bin/python tools/build_sites.py --shared ../shared/data

What it does (see docs/sites.md for the provenance):

* reads the 195 official Metro (STC) station points of the city's open-data portal
  ("Líneas y estaciones del Metro"; the 2019 GTFS stops used before were 61 m, median, to
  190 m off); transfer stations appear once per line, so points are grouped by name and
  each station keeps the point of its first line (real coordinates, never an average);
* places each station in its alcaldía (INEGI 2022) and drops those outside Mexico City
  (several Line A/B stations are in the State of Mexico);
* keeps up to ``--per-borough`` stations per alcaldía: transfer stations first (more lines),
  then by name, so the selection is deterministic and spread over every borough the Metro
  serves;
* writes ``data/sites.csv`` (``name, type, lat, lon, notes``) and copies
  ``census2020/cdmx_alcaldias_pob2020.csv`` to ``data/census2020_population.csv``
  unchanged.

Only public places are written. Shelters and homes are never example sites.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from geo4mi.boundaries import load_areas  # noqa: E402
from geo4mi.io import atomic_write  # noqa: E402

ORDER = [str(i) for i in range(1, 13)] + ["A", "B"]


def _line(code: object) -> str:
    """``"01"`` -> ``"1"``; ``"A"`` stays."""
    return str(code).lstrip("0") or str(code)


def select_stations(metro_path: Path, per_borough: int) -> pd.DataFrame:
    stops = gpd.read_file(metro_path).to_crs("EPSG:4326")
    stops = stops.sort_values(["NOMBRE", "CVE_EST"], kind="stable")
    rows = []
    for station, group in stops.groupby("NOMBRE", sort=True):
        first = group.iloc[0]  # transfer stations: the point of their first line
        lines = sorted({_line(c) for c in group["LINEA"]}, key=ORDER.index)
        rows.append({"name": f"Metro {station}", "lat": round(float(first.geometry.y), 6),
                     "lon": round(float(first.geometry.x), 6), "lines": lines})
    stations = gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(
        [r["lon"] for r in rows], [r["lat"] for r in rows]), crs="EPSG:4326")
    areas = load_areas()
    placed = gpd.sjoin(stations.to_crs(areas.crs), areas[["area_id", "area_name", "geometry"]],
                       how="left", predicate="within")
    placed = placed[placed["area_id"].notna()].copy()
    placed["n_lines"] = placed["lines"].map(len)
    placed = placed.sort_values(["area_id", "n_lines", "name"], ascending=[True, False, True],
                                kind="stable")
    chosen = placed.groupby("area_id", sort=True).head(per_borough)
    out = pd.DataFrame({
        "name": chosen["name"],
        "type": "metro_station",
        "lat": chosen["lat"].map(lambda v: f"{v:.6f}"),
        "lon": chosen["lon"].map(lambda v: f"{v:.6f}"),
        "notes": [f"{'Líneas' if len(lines) > 1 else 'Línea'} {', '.join(lines)}; {area}"
                  for lines, area in zip(chosen["lines"], chosen["area_name"], strict=True)],
    })
    return out.sort_values("name", kind="stable").reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data",
                        help="folder with metro_lines/ and census2020/ (default: ../shared/data)")
    parser.add_argument("--per-borough", type=int, default=3,
                        help="Metro stations kept per alcaldía (default 3)")
    args = parser.parse_args(argv)
    sites = select_stations(args.shared / "metro_lines" / "stc_metro_estaciones.gpkg",
                            args.per_borough)
    with atomic_write(REPO / "data" / "sites.csv") as tmp:
        sites.to_csv(tmp, index=False, lineterminator="\n")
    with atomic_write(REPO / "data" / "census2020_population.csv") as tmp:
        shutil.copyfile(args.shared / "census2020" / "cdmx_alcaldias_pob2020.csv", tmp)
    print(f"wrote {len(sites)} sites to data/sites.csv and data/census2020_population.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
