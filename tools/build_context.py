"""Build the bundled study's context layers (data/context_*.geojson) from the shared data.

Run once by a maintainer, from the repository root, with the shared reference data next to
the checkout::

    .venv/bin/python tools/build_context.py --shared ../shared/data

What it writes (see data/CONTEXT.md for the provenance and every cut):

* ``context_metro_lines.geojson``: the 12 STC Metro lines, simplified to 15 m, with the
  official GTFS colour and a name per language ("Línea 1" / "Line 1");
* ``context_metro_stations.geojson``: the official station points, one per station name
  (transfer stations are listed once per line in the source), with the lines they serve;
* ``context_metrobus_lines.geojson``: Metrobús lines 1-7, route sections dissolved by line
  (a section tagged "01 y 02" goes to both), simplified to 15 m;
* ``context_landmarks.geojson``: named public markets and plazas and the alcaldía buildings
  of INEGI's MG 2022 ``09sip`` layer. Social-assistance centres (they can include shelters),
  health centres, police and fire stations, shopping centres and transport stations are
  left out; so are unnamed points and two points INEGI tags as borough offices that are not.

Coordinates are rounded (lines 1e-4 degrees, about 11 m; points 1e-5, about 1 m) and the
files are written one feature per line with sorted input, so a rerun gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from geo4mi.io import atomic_write  # noqa: E402

METRIC = "EPSG:6372"  # INEGI's Lambert conformal conic (metres)
SIMPLIFY_M = 15.0
LINE_ORDER = [f"{i:02d}" for i in range(1, 13)] + ["A", "B"]
#: INEGI ``09sip`` classes kept, and the category written for each.
LANDMARK_CLASSES = {"Mercado": "market", "Plaza": "plaza",
                    "Instalación Gubernamental": "borough_office"}
#: Points INEGI tags "Palacio Municipal" that are not borough offices (see PROVENANCE).
NOT_BOROUGH_OFFICES = ("Secretaría de Hacienda y Crédito Público",
                       "Comisaria Ejidal San Francisco Tlaltenco")


def _line_code(code: str) -> str:
    """``"01"`` -> ``"1"``; ``"A"`` stays."""
    return code.lstrip("0") or code


def _rounded(geom: Any, decimals: int) -> Any:
    return shapely.transform(geom, lambda xy: np.round(xy, decimals))


def _simplified(gdf: gpd.GeoDataFrame) -> gpd.GeoSeries:
    metric = gdf.to_crs(METRIC)
    simple = shapely.simplify(np.asarray(metric.geometry.values), SIMPLIFY_M,
                              preserve_topology=False)
    return gpd.GeoSeries(simple, crs=METRIC).to_crs("EPSG:4326")


def _feature(props: dict[str, Any], geom: Any, decimals: int) -> str:
    mapped = shapely.geometry.mapping(_rounded(geom, decimals))

    def clean(c: Any) -> Any:
        if isinstance(c, (tuple, list)) and c and isinstance(c[0], (int, float)):
            return [round(float(v), decimals) for v in c[:2]]
        return [clean(x) for x in c]

    geometry = {"type": mapped["type"], "coordinates": clean(mapped["coordinates"])}
    return json.dumps({"type": "Feature", "properties": props, "geometry": geometry},
                      ensure_ascii=False, separators=(",", ":"))


def _write(name: str, features: list[str]) -> None:
    text = ('{"type":"FeatureCollection","features":[\n' + ",\n".join(features) + "\n]}\n")
    with atomic_write(REPO / "data" / name) as tmp:
        Path(tmp).write_text(text, encoding="utf-8", newline="\n")
    print(f"{name}: {len(features)} features, {len(text.encode('utf-8')):,} bytes")


def metro_lines(shared: Path) -> list[str]:
    lines = gpd.read_file(shared / "metro_lines" / "stc_metro_lineas.gpkg")
    lines["order"] = lines["LINEA"].map(lambda c: LINE_ORDER.index(str(c).zfill(2)
                                                                   if str(c).isdigit() else c))
    lines = lines.sort_values("order").reset_index(drop=True)
    out = []
    for (_, row), geom in zip(lines.iterrows(), _simplified(lines), strict=True):
        code = _line_code(str(row["LINEA"]))
        out.append(_feature({"name_es": f"Línea {code}", "name_en": f"Line {code}",
                             "route": str(row["RUTA"]), "colour": str(row["COLOR"]).lower()},
                            geom, 4))
    return out


def metro_stations(shared: Path) -> list[str]:
    stations = gpd.read_file(shared / "metro_lines" / "stc_metro_estaciones.gpkg")
    stations = stations.sort_values(["NOMBRE", "CVE_EST"], kind="stable")
    out = []
    for name, group in stations.groupby("NOMBRE", sort=True):
        codes = sorted({str(c).zfill(2) if str(c).isdigit() else str(c)
                        for c in group["LINEA"]}, key=LINE_ORDER.index)
        # one point per station: the point of its first line (transfer points are metres
        # apart in the source)
        out.append(_feature({"name": str(name),
                             "lines": ", ".join(_line_code(c) for c in codes)},
                            group.geometry.iloc[0], 5))
    return out


def metrobus_lines(shared: Path) -> list[str]:
    sections = gpd.read_file(shared / "metro_lines" / "metrobus_lineas.gpkg")
    out = []
    for n in range(1, 8):
        code = f"{n:02d}"
        mine = sections[sections["LINEA"].astype(str).str.contains(code, regex=False)]
        merged = shapely.line_merge(shapely.union_all(np.asarray(mine.geometry.values)))
        one = gpd.GeoDataFrame(geometry=[merged], crs=sections.crs)
        out.append(_feature({"name_es": f"Metrobús Línea {n}", "name_en": f"Metrobús Line {n}"},
                            _simplified(one).iloc[0], 4))
    return out


def landmarks(shared: Path) -> list[str]:
    points = gpd.read_file(shared / "inegi_mg2022_landmarks" / "inegi_mg2022_sip_landmarks.gpkg")
    points = points[points["GEOGRAFICO"].isin(list(LANDMARK_CLASSES))]
    points = points[(points["NOMSERV"].str.strip() != "Ninguno")
                    & ~points["NOMSERV"].isin(NOT_BOROUGH_OFFICES)]
    points = points.assign(category=points["GEOGRAFICO"].map(LANDMARK_CLASSES),
                           name=points["NOMSERV"].str.strip())
    points = points.sort_values(["category", "name", "CVEGEO"], kind="stable")
    points = points.drop_duplicates(["category", "name", "CVE_MUN"])
    return [_feature({"name": row["name"], "category": row["category"]}, row.geometry, 5)
            for _, row in points.iterrows()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data",
                        help="folder with metro_lines/ and inegi_mg2022_landmarks/")
    args = parser.parse_args(argv)
    _write("context_metro_lines.geojson", metro_lines(args.shared))
    _write("context_metro_stations.geojson", metro_stations(args.shared))
    _write("context_metrobus_lines.geojson", metrobus_lines(args.shared))
    _write("context_landmarks.geojson", landmarks(args.shared))
    return 0


if __name__ == "__main__":
    sys.exit(main())
