"""Benchmark: the demo study's figures in bulk (issue 18, item 4).

The bundled study is run once (not timed), then :func:`geo4mi.outputs.figure_inputs` and
:func:`geo4mi.figures.write_figures` draw what ``geo4mi figures STUDY`` draws
(``--what figures``, the default: every indicator's map and bar chart, the sample
distribution and the nationalities, 236 figures) or what ``build`` / ``demo`` draw (``--what
build``: the study's ``[indicators] figures``, kinds map, bars and groups over its
``figure_groups``), in the formats asked for (default png, svg and pdf, as both commands
write them: 708 files for ``figures``), with ``--jobs`` worker processes (default 1: in
this process; 0: one per CPU). Prints the number of files, the wall time, the CPU time of
this process and of its workers, the machine's load, and one SHA-256 over every file (name
and bytes) so that two runs, two worker counts or two checkouts can be compared byte for
byte.

Goal (issue 18): all 708 demo figure files in ≤ 60 s.

Run: ``.venv/bin/python bench/bench_figures.py [--what figures|build] [--formats png,svg,pdf]
[--jobs N] [--out DIR]``
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # this checkout's geo4mi, not an installed one


def digest(folder: Path) -> str:
    """SHA-256 over the sorted file names and their bytes."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
    return h.hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--what", choices=["figures", "build"], default="figures")
    ap.add_argument("--formats", default="png,svg,pdf")
    ap.add_argument("--jobs", type=int, default=1,
                    help="worker processes (1: in this process; 0: one per CPU)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    from geo4mi.figures import write_figures
    from geo4mi.outputs import FigureOptions, figure_inputs
    from geo4mi.pipeline import run
    from geo4mi.study import bundled_study_path

    results = run(bundled_study_path())
    chosen = results.study.indicators
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_figures_"))
    load = os.getloadavg()[0]
    jobs = args.jobs or None

    worker_cpu: list[float] = []  # workers are the fork server's children, not ours:
    # write_figures reports their CPU seconds in its log record

    class Workers(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if hasattr(record, "worker_cpu"):
                worker_cpu.append(float(record.worker_cpu))

    figures_log = logging.getLogger("geo4mi.figures.output")
    figures_log.addHandler(Workers())
    figures_log.setLevel(logging.INFO)
    wall, cpu = time.perf_counter(), time.process_time()
    if args.what == "build":
        options = FigureOptions(
            formats=args.formats,
            indicators=[i for i in chosen.figures if i in results.catalogue.ids] or None,
            kinds=("map", "bars", "groups"),
            group_vars=[g for g in chosen.figure_groups if g in chosen.groups])
    else:
        options = FigureOptions(formats=args.formats, kinds=("map", "bars"))
    data, settings = figure_inputs(results, options)
    written = write_figures(data, out, settings, jobs=jobs)
    wall = time.perf_counter() - wall
    cpu, cpu_workers = time.process_time() - cpu, sum(worker_cpu)
    size = sum(p.stat().st_size for p in written)
    print(f"{len(written)} files ({args.formats}), {size / 2**20:.1f} MB, jobs={args.jobs}, in "
          f"{wall:.1f} s wall, {cpu + cpu_workers:.1f} s CPU ({cpu:.1f} here, "
          f"{cpu_workers:.1f} in workers); load average {load:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after; {os.cpu_count()} cores")
    print(f"sha256 of the set: {digest(out)}  ({out})")
    from geo4mi.figures.output import PNG_COMPRESS_LEVEL

    pngs = [p for p in written if p.suffix == ".png"]
    if pngs:
        print(f"PNG: {len(pngs)} files, {sum(p.stat().st_size for p in pngs) / 2**20:.1f} MB "
              f"(RGB, zlib level {PNG_COMPRESS_LEVEL})")
    if len(written) == 708:
        print(f"goal (issue 18): 708 files in <= 60 s wall on 2 cores: "
              f"{'met' if wall <= 60 else 'not met'} at this load ({wall:.1f} s; "
              f"{cpu + cpu_workers:.1f} CPU s, i.e. {(cpu + cpu_workers) / 2:.1f} s on 2 "
              "idle cores at best)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
