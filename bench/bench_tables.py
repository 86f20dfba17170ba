"""Benchmark: writing the long tables of ``geo4mi build`` from estimates already made (issue 18).

Reads a pickle of ``(estimates, catalogue, min_n, truth)`` (the inputs of
:func:`geo4mi.indicators.protect.protect`, e.g. saved from a ``bench_build.py`` study) and
the study file they come from (for its areas and labels: ``geo4mi.pipeline.check``), then
writes ``estimates.csv``, ``differences.csv``, ``estimates.analysistools.csv`` and, with
``--gpkg``, ``estimates.gpkg`` into ``--out`` as ``geo4mi build`` does: CPU seconds and
wall time per file, and the process's peak RSS so far (``getrusage``). Compare two
versions by running this with each on ``PYTHONPATH`` and ``cmp`` the files.

Without arguments (as ``make bench`` runs it) the inputs are made here: the bundled study on
the 2,431 AGEBs with ``--respondents`` synthetic respondents (``bench_build.make_study``),
checked and estimated once. The peers, same run: pandas' ``to_csv`` of the same labelled
table for ``estimates.csv`` (what a user would write), made whole; with ``--gpkg``,
geopandas' ``to_file`` of the GeoPackage's three layers, the long one labelled whole (the
former path: GDAL writes the rows feature by feature). ``--only NAME`` writes only that file
(and its peer).

Run: ``.venv/bin/python bench/bench_tables.py [ESTIMATES.pkl STUDY.toml] [--out DIR]
[--respondents N] [--gpkg] [--only NAME]``
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if "PYTHONPATH" not in os.environ:
    sys.path.insert(0, str(ROOT))  # this checkout's geo4mi, not an installed one


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("estimates", type=Path, nargs="?",
                    help="pickle of (estimates, catalogue, min_n, truth); default: made here")
    ap.add_argument("study", type=Path, nargs="?",
                    help="the study file the estimates come from")
    ap.add_argument("--out", type=Path, default=None, help="default: a temporary folder")
    ap.add_argument("--respondents", type=int, default=30_000,
                    help="respondents of the study made when no pickle is given")
    ap.add_argument("--gpkg", action="store_true", help="write estimates.gpkg too")
    ap.add_argument("--only", action="append", default=None, metavar="NAME",
                    help="write only this file (repeatable), e.g. estimates.gpkg")
    args = ap.parse_args(argv)
    if (args.estimates is None) != (args.study is None):
        ap.error("give both ESTIMATES.pkl and STUDY.toml, or neither")
    args.out = args.out or Path(tempfile.mkdtemp(prefix="bench_tables_"))

    import geo4mi
    from geo4mi.indicators import tables
    from geo4mi.indicators.catalogue import build_labels
    from geo4mi.indicators.design import design_from_study, design_labels
    from geo4mi.indicators.differences import write_differences_csv
    from geo4mi.pipeline import check

    if args.study is None:
        sys.path.insert(0, str(ROOT / "bench"))
        from bench_build import make_study

        args.study = make_study(args.out / "study", args.respondents, 18)
    checked = check(args.study)
    study = checked.study
    labels = replace(build_labels(checked.catalogue, checked.form, list(study.indicators.groups)),
                     wording=study.wording,
                     columns=design_labels(checked.form, design_from_study(study)))
    lang, synthetic, areas = study.language, study.synthetic, checked.areas
    if args.estimates is not None:
        with open(args.estimates, "rb") as fh:
            est, catalogue = pickle.load(fh)[:2]
    else:
        est, catalogue = _made_estimates(checked)
    print(f"{Path(geo4mi.__file__).parent}: {len(est):,} estimates, {len(areas):,} areas, "
          f"peak RSS {_peak_gb():.2f} GB")
    args.out.mkdir(parents=True, exist_ok=True)
    writers = {
        "estimates.csv": lambda p: tables.write_estimates_csv(est, areas, labels, p, lang=lang,
                                                              synthetic=synthetic),
        "differences.csv": lambda p: write_differences_csv(est, p, lang=lang,
                                                           synthetic=synthetic),
        "estimates.analysistools.csv": lambda p: tables.write_analysistools_csv(
            est, catalogue, p, synthetic=synthetic, lang=lang),
    }
    if args.gpkg or "estimates.gpkg" in (args.only or ()):
        writers["estimates.gpkg"] = lambda p: tables.write_geopackage(
            est, areas, p, labels, lang=lang, synthetic=synthetic)
    if args.only:
        unknown = sorted(set(args.only) - set(writers))
        if unknown:
            ap.error(f"--only {unknown[0]}: choose among {', '.join(writers)}")
        writers = {name: write for name, write in writers.items() if name in args.only}
    for name, write in writers.items():
        cpu, wall = time.process_time(), time.perf_counter()
        write(args.out / name)
        print(f"  {name}: {time.process_time() - cpu:.1f} CPU s, "
              f"{time.perf_counter() - wall:.1f} s wall, peak RSS so far {_peak_gb():.2f} GB, "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
    if "estimates.csv" in writers:
        cpu, wall = time.process_time(), time.perf_counter()
        whole = tables.estimates_table(est, areas, labels, lang=lang, synthetic=synthetic)
        whole.to_csv(args.out / "peer.csv", index=False, float_format="%.1f",
                     lineterminator="\n")
        print(f"  peer, pandas to_csv of the whole labelled table: "
              f"{time.process_time() - cpu:.1f} CPU s, {time.perf_counter() - wall:.1f} s wall, "
              f"peak RSS so far {_peak_gb():.2f} GB", flush=True)
        del whole
    if "estimates.gpkg" in writers:
        _gpkg_peer(args.out, est, areas, labels, lang, synthetic)
    return 0


def _gpkg_peer(out: Path, est: Any, areas: Any, labels: Any, lang: str, synthetic: bool) -> None:
    """geopandas' ``to_file`` of the layers of ``out/estimates.gpkg`` (the small ones read
    back from it, untimed; the long one labelled whole, timed), with GDAL's fixed date."""
    import geopandas as gpd
    import pyogrio

    from geo4mi.indicators import tables

    ours = out / "estimates.gpkg"
    spatial = gpd.read_file(ours, layer="indicators")
    info = pyogrio.read_dataframe(ours, layer="indicator_labels")
    peer = out / "peer.gpkg"
    peer.unlink(missing_ok=True)
    cpu, wall = time.process_time(), time.perf_counter()
    long = tables.estimates_table(est, areas, labels, lang=lang, synthetic=synthetic)
    if not synthetic:
        long = long.drop(columns="data_note")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": tables.FIXED_DATE})
    spatial.to_file(peer, layer="indicators", driver="GPKG")
    gpd.GeoDataFrame(long).to_file(peer, layer="estimates", driver="GPKG")
    gpd.GeoDataFrame(info).to_file(peer, layer="indicator_labels", driver="GPKG")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    print(f"  peer, geopandas to_file of the three layers (the long one whole, "
          f"{len(long):,} rows): {time.process_time() - cpu:.1f} CPU s, "
          f"{time.perf_counter() - wall:.1f} s wall, peak RSS so far {_peak_gb():.2f} GB, "
          f"load {os.getloadavg()[0]:.1f}", flush=True)


def _made_estimates(checked: Any) -> tuple[Any, Any]:
    """The study's estimates, as ``geo4mi build`` makes them before disclosure control."""
    from geo4mi.indicators.catalogue import add_derived
    from geo4mi.indicators.design import design_from_study
    from geo4mi.indicators.estimate import estimate

    study, catalogue = checked.study, checked.catalogue
    kept = add_derived(checked.kept, catalogue)
    est = estimate(kept, catalogue, area_ids=checked.areas["area_id"].tolist(),
                   groups=list(study.indicators.groups), min_n=study.min_n,
                   complementary=study.complementary_suppression,
                   design=design_from_study(study))
    return est, catalogue


if __name__ == "__main__":
    raise SystemExit(main())
