"""Benchmark: read a 100,000-row, 200-column KoboToolbox CSV into canonical respondents.

The form has 200 export columns: 20 select_multiple questions (summary + 5 split columns
each = 120), 60 select_one, 10 integer, 5 decimal, a geopoint (raw + 4 parts) and metadata.
geo4mi's :func:`read_export` (type conversion, choice validation, issue rows) is timed
against a plain ``pandas.read_csv`` of the same file in the same run. Goal: ≤ 3 s.

Run: ``.venv/bin/python bench/bench_read.py [--rows 100000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's geo4mi

from geo4mi.survey.exports import read_export
from geo4mi.survey.xlsform import read_form


def build_form(path: Path) -> None:
    survey = [("type", "name", "label::Spanish (es)", "label::English (en)")]
    survey.append(("geopoint", "gps", "Ubicación", "Location"))
    choices = [("list_name", "name", "label::Spanish (es)", "label::English (en)")]
    for c in ("a", "b", "c", "d", "e"):
        choices.append(("multi", f"opt_{c}", f"Opción {c}", f"Option {c}"))
    for c in ("yes", "no", "dont_know", "other"):
        choices.append(("single", c, c.title(), c.title()))
    groups = ["profile", "housing", "services", "livelihoods", "protection"]
    k = 0
    for g in groups:
        survey.append(("begin_group", g, g, g))
        for _ in range(12):
            survey.append(("select_one single", f"q{k}", f"P{k}", f"Q{k}"))
            k += 1
        for _ in range(4):
            survey.append(("select_multiple multi", f"q{k}", f"P{k}", f"Q{k}"))
            k += 1
        for _ in range(2):
            survey.append(("integer", f"q{k}", f"P{k}", f"Q{k}"))
            k += 1
        survey.append(("decimal", f"q{k}", f"P{k}", f"Q{k}"))
        k += 1
        survey.append(("end_group", "", "", ""))
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in (("survey", survey), ("choices", choices)):
        ws = book.create_sheet(title)
        for r in rows:
            ws.append(list(r))
    book.save(path)


def build_export(form_path: Path, path: Path, rows: int) -> int:
    form = read_form(form_path)
    rng = np.random.default_rng(0)
    cols: dict[str, object] = {}
    lat = np.round(rng.uniform(19.2, 19.6, rows), 6).astype(str)
    lon = np.round(rng.uniform(-99.3, -98.9, rows), 6).astype(str)
    cols["start"] = np.full(rows, "2021-06-01T10:00:00")
    cols["gps"] = np.char.add(np.char.add(np.char.add(lat, " "), lon), " 2240 5")
    cols["_gps_latitude"], cols["_gps_longitude"] = lat, lon
    cols["_gps_altitude"] = np.full(rows, "2240")
    cols["_gps_precision"] = np.full(rows, "5")
    single = np.array(["yes", "no", "dont_know", "other", ""], dtype=object)
    opts = form.choices_of("q12")
    for q in form.data_questions().to_dict("records"):
        path_name = f"{q['group']}/{q['name']}" if q["group"] else q["name"]
        if q["type"] == "select_one":
            cols[path_name] = single[rng.integers(0, 5, rows)]
        elif q["type"] == "select_multiple":
            picks = rng.random((rows, len(opts))) < 0.4
            asked = rng.random(rows) < 0.8
            picks[~asked] = False
            asked &= picks.any(axis=1)
            summary = np.full(rows, "", dtype=object)
            for j, o in enumerate(opts):
                summary = summary + np.where(picks[:, j], o + " ", "")
            cols[path_name] = np.char.rstrip(summary.astype(str))
            for j, o in enumerate(opts):
                cols[f"{path_name}/{o}"] = np.where(asked, picks[:, j].astype(int).astype(str), "")
        elif q["type"] == "integer":
            cols[path_name] = rng.integers(0, 90, rows).astype(str)
        elif q["type"] == "decimal":
            cols[path_name] = np.round(rng.uniform(0, 10000, rows), 2).astype(str)
    cols["_id"] = np.arange(rows).astype(str)
    cols["_uuid"] = np.char.add("uuid-", np.arange(rows).astype(str))
    cols["_submission_time"] = np.full(rows, "2021-06-01T11:00:00")
    frame = pd.DataFrame(cols)
    frame.to_csv(path, index=False, lineterminator="\n")
    return frame.shape[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        form_path, export = folder / "form.xlsx", folder / "export.csv"
        build_form(form_path)
        ncols = build_export(form_path, export, args.rows)
        form = read_form(form_path)
        size = export.stat().st_size / 1e6
        print(f"{args.rows:,} rows x {ncols} columns, {size:.0f} MB CSV")
        ours, peer, ours_cpu, peer_cpu = [], [], [], []
        for _ in range(args.repeat):
            t, c = time.perf_counter(), time.process_time()
            respondents, issues = read_export(export, form)
            ours.append(time.perf_counter() - t)
            ours_cpu.append(time.process_time() - c)
            t, c = time.perf_counter(), time.process_time()
            plain = pd.read_csv(export)
            peer.append(time.perf_counter() - t)
            peer_cpu.append(time.process_time() - c)
        # CPU seconds (this process, all threads) move less than wall seconds on a shared
        # machine; both are the best of the repeats
        print(f"geo4mi read_export: {min(ours):.2f} s, {min(ours_cpu):.2f} CPU s (best of "
              f"{args.repeat}) -> {respondents.shape[0]:,} respondents x "
              f"{respondents.shape[1]} canonical columns, {len(issues)} issues")
        print(f"pandas.read_csv (plain, C engine, type inference): {min(peer):.2f} s, "
              f"{min(peer_cpu):.2f} CPU s -> {plain.shape[0]:,} x {plain.shape[1]}")
        print(f"goal <= 3 s: {'met' if min(ours) <= 3 else 'NOT met'}; "
              f"read_export / read_csv = {min(ours) / min(peer):.2f} "
              f"(CPU {min(ours_cpu) / min(peer_cpu):.2f})")


if __name__ == "__main__":
    main()
