"""Benchmark: writing the long tables of ``geo4mi build`` from estimates already made (issue 18).

Reads a pickle of ``(estimates, catalogue, min_n, truth)`` (the inputs of
:func:`geo4mi.indicators.protect.protect`, e.g. saved from a ``bench_build.py`` study) and
the study file they come from (for its areas and labels: ``geo4mi.pipeline.check``), then
writes ``estimates.csv``, ``differences.csv``, ``estimates.analysistools.csv`` and, with
``--gpkg``, ``estimates.gpkg`` into ``--out`` as ``geo4mi build`` does: CPU seconds and
wall time per file, and the process's peak RSS so far (``getrusage``). Compare two
versions by running this with each on ``PYTHONPATH`` and ``cmp`` the files.

Run: ``.venv/bin/python bench/bench_tables.py ESTIMATES.pkl STUDY.toml --out DIR [--gpkg]``
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if "PYTHONPATH" not in os.environ:
    sys.path.insert(0, str(ROOT))  # this checkout's geo4mi, not an installed one


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("estimates", type=Path, help="pickle of (estimates, catalogue, min_n, truth)")
    ap.add_argument("study", type=Path, help="the study file the estimates come from")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--gpkg", action="store_true", help="write estimates.gpkg too")
    args = ap.parse_args(argv)

    import geo4mi
    from geo4mi.indicators import tables
    from geo4mi.indicators.catalogue import build_labels
    from geo4mi.indicators.design import design_from_study, design_labels
    from geo4mi.indicators.differences import write_differences_csv
    from geo4mi.pipeline import check

    checked = check(args.study)
    study = checked.study
    labels = replace(build_labels(checked.catalogue, checked.form, list(study.indicators.groups)),
                     wording=study.wording,
                     columns=design_labels(checked.form, design_from_study(study)))
    lang, synthetic, areas = study.language, study.synthetic, checked.areas
    with open(args.estimates, "rb") as fh:
        est, catalogue = pickle.load(fh)[:2]
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
    if args.gpkg:
        writers["estimates.gpkg"] = lambda p: tables.write_geopackage(
            est, areas, p, labels, lang=lang, synthetic=synthetic)
    for name, write in writers.items():
        cpu, wall = time.process_time(), time.perf_counter()
        write(args.out / name)
        print(f"  {name}: {time.process_time() - cpu:.1f} CPU s, "
              f"{time.perf_counter() - wall:.1f} s wall, peak RSS so far {_peak_gb():.2f} GB, "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
