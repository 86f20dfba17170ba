"""Benchmark: ``geo4mi build`` as a user runs it, on Mexico City's 2,431 urban AGEBs (issue 18).

The bundled study with its boundaries swapped for INEGI's urban AGEBs (Marco Geoestadístico
2022, ``../shared/data/inegi_mg2022_ageb``) and its export for ``--respondents`` synthetic
respondents (``geo4mi.synthetic``, default 100,000) placed by GPS only (the declared
borough cannot name an AGEB; points outside the urban AGEBs stay unplaced). Sites and the
plan are left out. The command runs in a child process (``python -m geo4mi -v build``):
wall time, and peak RSS of that process (``getrusage`` of children, no memory tracing),
then the per-stage seconds it logged.

Goal (issue 18): ``build`` ≤ 300 s and ≤ 4 GB peak.

``--units N`` keeps the first N AGEBs by ``CVEGEO`` (a smaller study of the same kind; most
respondents then fall outside them and count city-wide only). ``--voronoi N`` replaces the
AGEBs with N Voronoi cells over the city (``bench_scale.voronoi_units``; 10,000 for the
issue's "10,000 units run without a memory error"). ``--command indicators`` runs
``geo4mi indicators STUDY -o estimates.csv`` instead of ``build``; ``--no-empty`` is passed on
to either;
``--command check`` runs ``geo4mi check`` (read, place, the data-quality report).

Run: ``.venv/bin/python bench/bench_build.py [--respondents 100000] [--units 2431]
[--voronoi 10000] [--command build|indicators|check] [--no-empty] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # this checkout's geo4mi, not an installed one

AGEB = (ROOT.parent.parent / "shared" / "data" / "inegi_mg2022_ageb"
        / "ageb_urbanas_mg2022_cdmx.gpkg")
if not AGEB.exists():
    AGEB = Path("/work/shared/data/inegi_mg2022_ageb/ageb_urbanas_mg2022_cdmx.gpkg")


def make_study(folder: Path, respondents: int, seed: int, units: int | None = None,
               voronoi: int | None = None) -> Path:
    """The bundled study on the AGEBs (the first ``units`` by ``CVEGEO`` when given, or
    ``voronoi`` Voronoi cells over the city), with ``respondents`` synthetic rows; its
    path."""
    from geo4mi.study import bundled_study_path
    from geo4mi.synthetic.export import to_kobo_export
    from geo4mi.synthetic.respondents import generate_respondents

    data = bundled_study_path().parent
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("questionnaire.xlsx", "indicators.toml"):
        (folder / name).write_bytes((data / name).read_bytes())
    export = folder / "export.csv"
    if not export.exists():
        t = time.perf_counter()
        frame = to_kobo_export(generate_respondents(respondents, seed=seed))
        frame.to_csv(export, sep=";", index=False, quoting=csv.QUOTE_ALL, na_rep="",
                     lineterminator="\n", encoding="utf-8")
        print(f"export: {respondents:,} synthetic respondents written in "
              f"{time.perf_counter() - t:.0f} s ({export.stat().st_size / 2**20:.0f} MB)")
    boundaries = AGEB
    if voronoi is not None:
        from bench_scale import voronoi_units

        boundaries = folder / f"voronoi_{voronoi}.gpkg"
        if not boundaries.exists():
            cells = voronoi_units(AGEB, voronoi).rename(columns={"area_id": "CVEGEO"})
            cells[["CVEGEO", "geometry"]].to_file(boundaries, layer="ageb_urbanas_mg2022_cdmx")
    elif units is not None:
        import geopandas as gpd

        boundaries = folder / AGEB.name
        ageb = gpd.read_file(AGEB).sort_values("CVEGEO").head(units)
        ageb.to_file(boundaries, layer="ageb_urbanas_mg2022_cdmx")
    text = (data / "mexico_city.toml").read_text(encoding="utf-8")
    text = text.split("\n[sites]")[0]  # no sites, no plan
    text = re.sub(r"\[boundaries\.aliases\][^\[]*", "", text)
    text = re.sub(r'path = "\.\./boundaries/[^"]*"', f'path = "{boundaries.as_posix()}"', text)
    text = re.sub(r'layer = "alcaldias"', 'layer = "ageb_urbanas_mg2022_cdmx"', text)
    text = re.sub(r'name_field = "NOMGEO"', 'name_field = "CVEGEO"', text)
    text = text.replace('export = "sample_kobo.csv"', 'export = "export.csv"')
    text = text.replace('area_column = "borough"\n', "")
    text = text.replace('placement = "prefer_declared"', 'placement = "prefer_gps"')
    text = re.sub(r'unit = \{ es = \["alcaldía", "alcaldías"\], en = \["borough", "boroughs"\] \}',
                  'unit = { es = ["AGEB", "AGEB"], en = ["AGEB", "AGEBs"] }', text)
    text = text.replace('unit_gender = "f"', 'unit_gender = "f"\n')
    # a subset of the AGEBs holds a small share of the points: the rest count city-wide
    share = 0.3 if units is None or voronoi is not None else 0.01
    text = text.replace("[survey]\n", f"[survey]\nmin_placed_share = {share}\n", 1)
    study = folder / "ageb.toml"
    study.write_text(text, encoding="utf-8")
    return study


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--respondents", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--keep", type=Path, default=None,
                    help="folder for the study (reused: the export is written once)")
    ap.add_argument("--units", type=int, default=None,
                    help="keep the first N AGEBs by CVEGEO (default: all 2,431)")
    ap.add_argument("--voronoi", type=int, default=None,
                    help="N Voronoi cells over the city instead of the AGEBs")
    ap.add_argument("--command", choices=["build", "indicators", "check"], default="build")
    ap.add_argument("--no-empty", action="store_true",
                    help="leave the no_data rows out of the long tables (build, indicators)")
    args = ap.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_build_"))
    study = make_study(folder, args.respondents, args.seed, args.units, args.voronoi)
    out = folder / "out"
    load = os.getloadavg()[0]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if args.command == "indicators":
        return run_indicators(study, out, args, env, load)
    if args.command == "check":
        return run_check(study, out, args, env, load)
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "geo4mi", "-v", "build", str(study), "--out",
                           str(out), *(["--no-empty"] if args.no_empty else [])],
                          capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # KiB -> GiB
    for line in done.stdout.splitlines()[:3]:
        print(f"  {line}")
    stages = [m.groups() for m in re.finditer(r"INFO: (.+): done in ([0-9.]+) s", done.stderr)]
    if done.returncode:
        print(done.stderr[-2000:])
        print(f"build FAILED (status {done.returncode}) after {wall:.0f} s")
        return 1
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    units = f"{args.voronoi:,} Voronoi cells" if args.voronoi else \
        f"{args.units or 2431:,} AGEBs"
    flag = " --no-empty" if args.no_empty else ""
    print(f"geo4mi build{flag}, {args.respondents:,} respondents on {units}: "
          f"{wall:.0f} s wall, "
          f"peak RSS {rss:.2f} GiB, outputs {size / 2**20:.0f} MB; load average {load:.1f} at "
          f"the start, {os.getloadavg()[0]:.1f} at the end, {os.cpu_count()} cores")
    for what, secs in stages:
        print(f"  {what:40s} {float(secs):7.1f} s")
    # figures drawn by workers overlap the tables: a second thread waits for the figures
    # and then writes estimates.csv and differences.csv while the main thread writes the
    # GeoPackage and the analysistools CSV
    err = done.stderr
    overlap = ("writing table estimates.gpkg ..." in err and "drawing figures: done" in err
               and err.index("writing table estimates.gpkg ...")
               < err.index("drawing figures: done"))
    secs = {what: float(s) for what, s in stages}
    background = ("drawing figures", "writing table estimates.csv",
                  "writing table differences.csv") if overlap else ()
    main_side = sum(v for k, v in secs.items() if k not in background)
    bg_side = sum(secs.get(k, 0.0) for k in background)
    first_overlapped = ("writing table estimates.gpkg",
                        "writing table estimates.analysistools.csv")
    main_overlapped = sum(secs.get(k, 0.0) for k in first_overlapped) if overlap else 0.0
    outputs = main_side - main_overlapped + max(main_overlapped, bg_side)
    if overlap:
        print(f"  (figures, then estimates.csv and differences.csv, in a second thread: "
              f"{bg_side:.1f} s against the GeoPackage's and analysistools' "
              f"{main_overlapped:.1f} s)")
    print(f"  {'before them (read, place, estimate)':40s} {wall - outputs:7.1f} s")
    for page in sorted(out.glob("choropleth*.html")):
        print(f"  {page.name}: {page.stat().st_size / 2**20:.2f} MB")
    print("goal: <= 300 s and <= 4 GB")
    return 0


def run_indicators(study: Path, out: Path, args: argparse.Namespace, env: dict[str, str],
                   load: float) -> int:
    """``geo4mi indicators STUDY -o out/estimates.csv``: wall time, peak RSS, CSV size."""
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "estimates.csv"
    command = [sys.executable, "-m", "geo4mi", "-v", "indicators", str(study), "-o",
               str(csv_path), "--overwrite", *(["--no-empty"] if args.no_empty else [])]
    t = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # KiB -> GiB
    units = f"{args.voronoi:,} Voronoi cells" if args.voronoi else \
        f"{args.units or 2431:,} AGEBs"
    if done.returncode:
        print(done.stderr[-2000:])
        print(f"indicators FAILED (status {done.returncode}) after {wall:.0f} s, peak RSS "
              f"{rss:.2f} GB")
        return 1
    print(f"geo4mi indicators{' --no-empty' if args.no_empty else ''}, "
          f"{args.respondents:,} respondents on {units}: {wall:.0f} s wall, peak RSS "
          f"{rss:.2f} GB, CSV {csv_path.stat().st_size / 2**20:.0f} MB; load average "
          f"{load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, "
          f"{os.cpu_count()} cores")
    return 0


def run_check(study: Path, out: Path, args: argparse.Namespace, env: dict[str, str],
              load: float) -> int:
    """``geo4mi check STUDY -o out/quality.csv`` (read, place, exclusions, the data-quality
    report with the re-identification risk): wall and CPU time, peak RSS."""
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "geo4mi", "check", str(study), "-o",
               str(out / "quality.csv"), "--overwrite"]
    t = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    units = f"{args.voronoi:,} Voronoi cells" if args.voronoi else \
        f"{args.units or 2431:,} AGEBs"
    if done.returncode not in (0, 2):  # 2: the report lists errors (it is still written)
        print(done.stderr[-2000:])
        print(f"check FAILED (status {done.returncode}) after {wall:.0f} s")
        return 1
    print(f"geo4mi check, {args.respondents:,} respondents on {units}: {wall:.1f} s wall, "
          f"{usage.ru_utime + usage.ru_stime:.1f} CPU s, peak RSS "
          f"{usage.ru_maxrss / 2**20:.2f} GB; load average {load:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end, {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
