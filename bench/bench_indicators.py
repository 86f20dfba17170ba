"""Benchmark: ``geo4mi indicators`` as users run it, and the estimator, against simple peers.

Two parts, each printed as a table:

1. **Whole command** (what a user runs): ``python -m geo4mi indicators STUDY -o out.csv`` on
   the bundled study with its export replaced by KoboToolbox CSVs of 301 (the bundled
   sample), 10,000, 100,000 and 1,000,000 synthetic respondents (``geo4mi.synthetic``,
   written like the bundled sample: ``;``-separated, every cell quoted), next to a plain
   ``pd.read_csv(path, sep=";")`` of the same file. Each is one fresh process run under
   ``/usr/bin/time -v``: wall seconds (``perf_counter`` around the process, median of
   ``--repeat``) and peak resident memory (max RSS of that process). Nothing is traced.
2. **Estimator kernel**: :func:`geo4mi.indicators.estimate.estimate` (every indicator x
   city + boroughs x "all" + 4 grouping variables, Wilson intervals) against the strongest
   simple peer a user would write: all indicators' 0/1 numerator and denominator columns
   built at once, one ``groupby(...).sum()`` per grouping level, and
   ``statsmodels.stats.proportion.proportion_confint(method="wilson")`` on the counts.
   Times are untraced, in this process; peak RSS of each comes from a separate child
   process that builds the same frame and runs one of them (the frame's own RSS is
   printed so the difference can be read). Both results are compared cell by cell.

The exports are written to a temporary folder under ``/tmp`` (``--keep DIR`` to reuse them
between runs), never into the repository.

Run: ``.venv/bin/python bench/bench_indicators.py [--sizes 301 10000 100000 1000000]
[--kernel-sizes 100000 1000000] [--repeat 3] [--keep /tmp/geo4mi-bench] [--no-kernel]
[--stages]`` (``--stages``: a third table, the CPU seconds of each stage of the command)
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's geo4mi

from geo4mi.indicators.catalogue import add_derived, bundled_catalogue_path, load_catalogue
from geo4mi.indicators.estimate import CITY, estimate
from geo4mi.survey.xlsform import read_form

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
REPO_FORM = DATA / "questionnaire.xlsx"
GROUPS = ["nationality_group", "gender", "age_group", "time_in_city"]
TIME = "/usr/bin/time"


# -- part 1: whole commands ---------------------------------------------------------------------

def write_export(n: int, folder: Path) -> Path:
    """The KoboToolbox CSV of ``n`` synthetic respondents (the bundled sample for 301)."""
    if n == 301:
        return DATA / "sample_kobo.csv"
    path = folder / f"export_{n}.csv"
    if not path.exists():
        from geo4mi.synthetic import generate_respondents, to_kobo_export

        t = time.perf_counter()
        export = to_kobo_export(generate_respondents(n, seed=1))
        tmp = path.with_suffix(".tmp")
        export.to_csv(tmp, sep=";", index=False, quoting=csv.QUOTE_ALL, na_rep="",
                      lineterminator="\n", encoding="utf-8")
        tmp.replace(path)
        print(f"  wrote {path} ({path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t:.0f} s", flush=True)
    return path


def write_study(export: Path, folder: Path) -> Path:
    """The bundled study file with its export replaced and every path made absolute."""
    text = (DATA / "mexico_city.toml").read_text(encoding="utf-8")

    def absolute(m: re.Match[str]) -> str:
        target = export if m.group(1) == "export" else (DATA / m.group(2)).resolve()
        return f'{m.group(1)} = "{target}"'

    text = re.sub(r'^(path|export|form|catalogue|population) = "([^"]+)"', absolute, text,
                  flags=re.M)
    study = folder / f"study_{export.stem}.toml"
    study.write_text(text, encoding="utf-8")
    return study


def timed(cmd: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds (user + system), peak RSS in MiB) of one process run
    under ``/usr/bin/time -v``. On a shared machine the CPU seconds move less with the
    load than the wall seconds."""
    t = time.perf_counter()
    done = subprocess.run([TIME, "-v", *cmd], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t
    if done.returncode:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr[-2000:]}")

    def field(name: str) -> float:
        m = re.search(rf"{name}: ([\d.]+)", done.stderr)
        return float(m.group(1)) if m else float("nan")

    cpu = field(r"User time \(seconds\)") + field(r"System time \(seconds\)")
    return wall, cpu, field(r"Maximum resident set size \(kbytes\)") / 1024


def commands(sizes: list[int], folder: Path, repeat: int) -> None:
    py = sys.executable
    rows = []
    for n in sizes:
        export = write_export(n, folder)
        study = write_study(export, folder)
        out = folder / f"indicators_{n}.csv"
        ours = [timed([py, "-m", "geo4mi", "indicators", str(study), "-o", str(out),
                       "--overwrite"]) for _ in range(repeat)]
        peer = [timed([py, "-c", "import sys, pandas as pd; "
                       "pd.read_csv(sys.argv[1], sep=';')", str(export)])
                for _ in range(repeat)]
        o_t, o_c, o_m = (statistics.median(r[0] for r in ours),
                         statistics.median(r[1] for r in ours), max(r[2] for r in ours))
        p_t, p_c, p_m = (statistics.median(r[0] for r in peer),
                         statistics.median(r[1] for r in peer), max(r[2] for r in peer))
        rows.append((n, export.stat().st_size / 1e6, o_t, o_c, o_m, p_t, p_c, p_m))
        print(f"  {n:>9,}: indicators {o_t:6.1f} s ({o_c:.1f} CPU) {o_m:6.0f} MiB | read_csv "
              f"{p_t:6.1f} s ({p_c:.1f} CPU) {p_m:6.0f} MiB", flush=True)
    print(f"\nwhole processes (median of {repeat}: wall seconds, CPU seconds; max peak RSS)")
    print("| respondents | CSV MB | `geo4mi indicators` s (CPU s) | peak RSS MiB | "
          "`pd.read_csv` s (CPU s) | peak RSS MiB | time ratio (CPU) | memory ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, mb, o_t, o_c, o_m, p_t, p_c, p_m in rows:
        print(f"| {n:,} | {mb:,.0f} | {o_t:.1f} ({o_c:.1f}) | {o_m:,.0f} | {p_t:.1f} ({p_c:.1f}) "
              f"| {p_m:,.0f} | {o_t / p_t:.2f} ({o_c / p_c:.2f}) | {o_m / p_m:.2f} |")


# -- where the command's time goes ----------------------------------------------------------------

#: Stages timed by ``--stages`` (module, function): inclusive CPU seconds of each call.
STAGES = [("geo4mi.survey.exports", "_read_csv"), ("geo4mi.survey.exports", "_Converter.run"),
          ("geo4mi.pipeline", "read_export"), ("geo4mi.pipeline", "place_respondents"),
          ("geo4mi.pipeline", "apply_exclusions"), ("geo4mi.pipeline", "_disclosure_rows"),
          ("geo4mi.pipeline", "quality_report"), ("geo4mi.pipeline", "add_derived"),
          ("geo4mi.pipeline", "estimate"), ("geo4mi.pipeline", "estimate_with_truth"),
          ("geo4mi.pipeline", "_protect_cached"),
          ("geo4mi.indicators.audit", "refuse_results"),
          ("geo4mi.build", "write_indicator_file")]


def stage_child(study: str, out: str) -> None:
    """Run ``geo4mi indicators`` in this process with each of :data:`STAGES` wrapped by a
    CPU timer (no profiler: cProfile inflates Python-level loops several-fold)."""
    import functools
    import importlib

    totals: dict[str, float] = {}
    for module, name in STAGES:
        owner: object = importlib.import_module(module)
        *path, attr = name.split(".")
        for part in path:
            owner = getattr(owner, part)
        func = getattr(owner, attr)
        label = f"{module.rsplit('.', 1)[-1]}.{name}"

        def timed_call(*a: object, _f=func, _label=label, **k: object) -> object:
            t = time.process_time()
            try:
                return _f(*a, **k)
            finally:
                totals[_label] = totals.get(_label, 0.0) + time.process_time() - t

        setattr(owner, attr, functools.wraps(func)(timed_call))
    from geo4mi.cli import main as cli_main

    cli_main(["-q", "indicators", study, "-o", out, "--overwrite"])
    for label, seconds in totals.items():
        print(f"  {label:34s} {seconds:7.2f} CPU s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {'whole process':34s} {time.process_time():7.2f} CPU s, peak RSS {peak:,.0f} MiB")


def stages(sizes: list[int], folder: Path) -> None:
    for n in sizes:
        study = write_study(write_export(n, folder), folder)
        print(f"\nCPU seconds by stage, {n:,} respondents (inclusive: read_export holds "
              "_read_csv and the conversion; audit.refuse_results runs before writing)")
        subprocess.run([sys.executable, __file__, "--stage-child", str(study),
                        str(folder / f"stages_{n}.csv")], check=True, cwd=ROOT)


# -- part 2: the estimator kernel -----------------------------------------------------------------

def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower())
                   if not unicodedata.combining(c))


def kernel_frame(n: int):
    """Synthetic respondents placed from the declared borough (2 % unplaced), derived
    variables added; the catalogue and the area ids."""
    import geopandas as gpd

    from geo4mi.boundaries import BUNDLED_LAYER, BUNDLED_PATH
    from geo4mi.synthetic import generate_respondents

    areas = gpd.read_file(BUNDLED_PATH, layer=BUNDLED_LAYER)
    area_ids = sorted(areas["CVEGEO"].astype(str))
    by_name = {_plain(n): i for n, i in zip(areas["NOMGEO"], areas["CVEGEO"].astype(str),
                                            strict=True)}
    form = read_form(REPO_FORM)
    catalogue = load_catalogue(bundled_catalogue_path(), form=form)
    frame = generate_respondents(n, seed=1)
    labels = {c: by_name.get(_plain(form.choice_label("alcaldia", c, "es")))
              for c in form.choices_of("borough")}
    area = frame["borough"].map(labels)
    area[np.random.default_rng(1).random(n) < 0.02] = None
    frame["area_id"] = pd.array(area.to_numpy(dtype=object), dtype="str")
    return add_derived(frame, catalogue), catalogue, area_ids


def peer(frame: pd.DataFrame, catalogue, area_ids: list[str]) -> pd.DataFrame:
    """Vectorised pandas + statsmodels: every indicator's 0/1 columns at once, one groupby
    per level, Wilson intervals from ``proportion_confint``."""
    from statsmodels.stats.proportion import proportion_confint  # type: ignore[import-untyped]

    cols: dict[str, np.ndarray] = {}
    for ind in catalogue:
        universe = (np.ones(len(frame), bool) if ind.universe is None
                    else np.asarray(ind.universe.mask(frame), dtype=bool))
        if ind.numerator is not None:
            value = pd.Series(ind.numerator.evaluate(frame), index=frame.index)
            valid = value.notna().to_numpy() | (ind.not_asked == "no")
            yes = value.fillna(False).astype(bool).to_numpy()
            excluded = np.zeros(len(frame), bool)
        elif f"{ind.question}/{ind.choices[0]}" in frame.columns:
            split = frame[[f"{ind.question}/{c}" for c in ind.choices]]
            valid = split.iloc[:, 0].notna().to_numpy() | (ind.not_asked == "no")
            yes = split.fillna(False).any(axis=1).to_numpy()
            excluded = (frame[[f"{ind.question}/{c}" for c in ind.exclude]].fillna(False)
                        .any(axis=1).to_numpy() if ind.exclude else np.zeros(len(frame), bool))
        else:
            col = frame[ind.question]
            valid = col.notna().to_numpy() | (ind.not_asked == "no")
            yes = col.isin(ind.choices).to_numpy()
            excluded = col.isin(ind.exclude).to_numpy()
        den = universe & valid & ~excluded
        cols[f"d|{ind.id}"] = den.astype(np.int32)
        cols[f"k|{ind.id}"] = (den & yes).astype(np.int32)
    counts = pd.DataFrame(cols, index=frame.index)
    keys = pd.DataFrame({"area_id": frame["area_id"].where(frame["area_id"].isin(area_ids)),
                         **{g: frame[g] for g in GROUPS}})
    parts = [counts.sum().to_frame().T.assign(area_id=CITY, group_var="all", group_value="all")]
    by_area = counts.groupby(keys["area_id"]).sum()
    parts.append(by_area.reset_index().assign(group_var="all", group_value="all"))
    for g in GROUPS:
        s = counts.groupby(keys[g], observed=True).sum().reset_index()
        parts.append(s.rename(columns={g: "group_value"}).assign(area_id=CITY, group_var=g))
        s = counts.groupby([keys["area_id"], keys[g]], observed=True).sum().reset_index()
        parts.append(s.rename(columns={g: "group_value"}).assign(group_var=g))
    wide = pd.concat(parts, ignore_index=True)
    long = wide.melt(id_vars=["area_id", "group_var", "group_value"])
    long[["what", "indicator"]] = long["variable"].str.split("|", n=1, expand=True)
    table = long.pivot_table(index=["indicator", "area_id", "group_var", "group_value"],
                             columns="what", values="value", observed=True).reset_index()
    k, n = table["k"].to_numpy(), table["d"].to_numpy()
    low, high = proportion_confint(k, np.maximum(n, 1), method="wilson")
    table["value"] = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    table["ci_low"], table["ci_high"] = np.where(n > 0, low, np.nan), np.where(n > 0, high,
                                                                                np.nan)
    return table


def disagreements(est: pd.DataFrame, table: pd.DataFrame) -> int:
    """Published cells of geo4mi whose n (and numerator, where shown) the peer does not match."""
    got = {key: (k, n) for key, k, n in zip(
        zip(table["indicator"], table["area_id"], table["group_var"], table["group_value"],
            strict=True), table["k"], table["d"], strict=True)}
    bad = 0
    numer = est["numerator"].to_numpy(dtype="float64", na_value=np.nan)
    sizes = est["n"].to_numpy(dtype="float64", na_value=np.nan)
    keys = zip(est["indicator"], est["area_id"], est["group_var"], est["group_value"],
               strict=True)
    for key, n, k, status in zip(keys, sizes, numer, est["status"], strict=True):
        pk, pn = got.get(key, (0, 0))
        if (not np.isnan(n) and pn != n) or (status == "ok" and pk != k):
            bad += 1
    return bad


def kernel_child(which: str, n: int) -> None:
    """One of the two, in a fresh process: prints the frame's RSS (MiB) and the peak."""
    frame, catalogue, area_ids = kernel_frame(n)
    gc.collect()
    base = _rss("VmRSS")
    # Linux: reset the peak (VmHWM) to the current RSS, so that the generator's is not it
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    if which == "geo4mi":
        estimate(frame, catalogue, area_ids=area_ids, groups=GROUPS)
    else:
        peer(frame, catalogue, area_ids)
    peak = _rss("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{base:.0f} {peak:.0f}")


def _rss(field: str) -> float:
    """A memory figure of this process from /proc/self/status, MiB (0 if unavailable)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0.0
    m = re.search(rf"^{field}:\s+(\d+) kB", status, flags=re.M)
    return int(m.group(1)) / 1024 if m else 0.0


def kernels(sizes: list[int]) -> None:
    rows = []
    for n in sizes:
        frame, catalogue, area_ids = kernel_frame(n)
        t = time.perf_counter()
        est = estimate(frame, catalogue, area_ids=area_ids, groups=GROUPS)
        ours = time.perf_counter() - t
        t = time.perf_counter()
        table = peer(frame, catalogue, area_ids)
        theirs = time.perf_counter() - t
        bad = disagreements(est, table)
        del frame, est, table
        mem = {}
        for which in ("geo4mi", "peer"):
            out = subprocess.run([sys.executable, __file__, "--kernel-child", which, str(n)],
                                 capture_output=True, text=True, check=True).stdout.split()
            mem[which] = (float(out[-2]), float(out[-1]))
        rows.append((n, len(catalogue), ours, theirs, mem, bad))
        print(f"  {n:>9,}: estimate {ours:.2f} s, peer {theirs:.2f} s, differ {bad}", flush=True)
    print("\nestimator kernel (untraced seconds in one process; peak RSS in a separate process "
          "each, its peak reset after the frame was made; the frame alone in brackets)")
    print("| respondents | indicators | geo4mi `estimate` s | peak RSS MiB | pandas + statsmodels"
          " peer s | peak RSS MiB | peer / geo4mi | cells that differ |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, k, ours, theirs, mem, bad in rows:
        print(f"| {n:,} | {k} | {ours:.2f} | {mem['geo4mi'][1]:,.0f} ({mem['geo4mi'][0]:,.0f}) "
              f"| {theirs:.2f} | {mem['peer'][1]:,.0f} ({mem['peer'][0]:,.0f}) | "
              f"{theirs / ours:.1f}x | {bad} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*",
                        default=[301, 10_000, 100_000, 1_000_000])
    parser.add_argument("--kernel-sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None,
                        help="folder for the generated exports, kept for the next run")
    parser.add_argument("--no-kernel", action="store_true")
    parser.add_argument("--stages", action="store_true",
                        help="also print the CPU seconds of each stage of the command, "
                             "one run per size")
    parser.add_argument("--kernel-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--stage-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.kernel_child:
        kernel_child(args.kernel_child[0], int(args.kernel_child[1]))
        return
    if args.stage_child:
        stage_child(*args.stage_child)
        return
    if not Path(TIME).exists():
        raise SystemExit(f"{TIME} is needed to measure peak memory (apt-get install time)")
    load = os.getloadavg()
    print(f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="geo4mi-bench-", dir="/tmp"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if args.sizes:
            commands(args.sizes, folder, args.repeat)
            if args.stages:
                stages(args.sizes, folder)
        if args.kernel_sizes and not args.no_kernel:
            kernels(args.kernel_sizes)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
