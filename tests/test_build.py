"""End to end through the command line: demo, build and check, and builds interrupted by Ctrl-C.

A small study (the bundled one with one indicator and one grouping) keeps the builds short;
the demo runs once. The interrupted builds run ``python -m geo4mi build`` in a subprocess,
send it a real SIGINT at several points (found by watching its staging folder) and check
that the output folder then holds the previous complete set, byte for byte, or the new
complete set — never a mix — and that the command says so in one line.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest

from geo4mi.cli import main
from geo4mi.errors import OutputError
from geo4mi.io import MANIFEST, STAGING_PREFIX, check_output_set, read_manifest, write_output_set
from geo4mi.study import bundled_study_path
from geo4mi.survey.quality import REPORT_COLUMNS

REPO = Path(__file__).resolve().parent.parent
INTERRUPTED = ("geo4mi: interrupted; outputs are written atomically, so nothing was "
               "half-written")


def small_study(folder: Path, *, keep: tuple[str, ...] = ("feel_safe",)) -> Path:
    """The bundled study with only the ``keep`` indicators and one grouping variable."""
    data = bundled_study_path().parent
    head, *blocks = (data / "indicators.toml").read_text(encoding="utf-8").split("[[indicator]]")
    blocks = [b for b in blocks if any(f'id = "{k}"\n' in b for k in keep)]
    assert len(blocks) == len(keep)
    (folder / "catalogue.toml").write_text(head + "".join("[[indicator]]" + b for b in blocks),
                                           encoding="utf-8")
    text = bundled_study_path().read_text(encoding="utf-8")
    text = text.replace('path = "../boundaries/', f'path = "{data.parent}/boundaries/')
    for name in ("sample_kobo.csv", "questionnaire.xlsx", "sites.csv",
                 "context_metro_lines.geojson", "context_metro_stations.geojson",
                 "context_metrobus_lines.geojson", "context_landmarks.geojson",
                 "census2020_population.csv"):
        text = text.replace(f'"{name}"', f'"{data / name}"')
    text = text.replace('"indicators.toml"', '"catalogue.toml"')
    text = text.replace('groups = ["nationality_group", "gender", "age_group", "time_in_city"]',
                        'groups = ["nationality_group"]')
    assert 'groups = ["nationality_group"]' in text
    path = folder / "small.toml"
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too), by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def user_files(folder: Path) -> dict[str, bytes]:
    """Files a user keeps in the output folder (the repository's maps/README.md is one)."""
    files = {"README.md": b"# my notes\n", "figures/notes.txt": b"mine\n"}
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return files


def assert_csv_numbers(path: Path, numeric: set[str]) -> int:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        for column in numeric:
            if row[column]:
                float(row[column])
    return len(rows)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return small_study(tmp_path_factory.mktemp("study"))


@pytest.fixture(scope="module")
def built(small, tmp_path_factory) -> tuple[int, Path, dict[str, bytes]]:
    """One real ``geo4mi build`` of the small study (figures drawn by two workers)."""
    out = tmp_path_factory.mktemp("built") / "out"
    code = main(["build", str(small), "--out", str(out), "--jobs", "2"])
    return code, out, snapshot(out)


# -- the commands, end to end ------------------------------------------------------------

def test_build_writes_a_complete_set(built):
    code, out, files = built
    assert code == 0
    assert check_output_set(out) == []
    listed = read_manifest(out / MANIFEST)
    assert sorted(listed) == sorted(n for n in files if n != MANIFEST)
    assert {"choropleth.html", "choropleth.en.html", "sites.html", "tables/estimates.csv",
            "tables/estimates.gpkg", "tables/estimates.analysistools.csv"} <= set(listed)
    assert {"figures/map_feel_safe.png", "figures/bars_feel_safe.svg"} <= set(listed)
    assert not list(out.glob(STAGING_PREFIX + "*"))
    assert assert_csv_numbers(out / "tables" / "estimates.csv",
                              {"numerator", "n", "pct", "ci_low_pct", "ci_high_pct"}) > 0
    # the tested differences: one row per comparison of published cells
    with open(out / "tables" / "differences.csv", encoding="utf-8-sig", newline="") as fh:
        diffs = list(csv.DictReader(fh))
    assert diffs and {r["versus"] for r in diffs} == {"rest", "others"}
    assert {r["significant"] for r in diffs} <= {"True", "False"}
    assert all(r["method"].endswith("holm per indicator") for r in diffs)


def test_build_gives_the_same_bytes_whatever_the_number_of_workers(built, small, tmp_path):
    code, _, pooled = built
    assert code == 0
    out = tmp_path / "alone"
    assert main(["build", str(small), "--out", str(out), "--jobs", "1"]) == 0
    alone = snapshot(out)
    figures = [name for name in alone if name.startswith("figures/")]
    assert len(figures) >= 9 and {"png", "svg", "pdf"} == {n.rsplit(".", 1)[1] for n in figures}
    assert alone == pooled  # every file, the manifest of their digests included


@pytest.mark.parametrize("failing", ["table", "figures"])
def test_build_with_workers_stops_whole_when_either_side_fails(small, tmp_path, monkeypatch,
                                                               failing):
    """With figure workers, one thread waits for the figures (then writes two CSVs) while
    the other writes the GeoPackage and analysistools: a failure on either side ends the
    build with its error, once the other side is done, and leaves no output set."""
    import geo4mi.build
    import geo4mi.figures

    def broken(*args, **kwargs):
        raise OutputError(f"{failing}: disk full (simulated)")

    if failing == "table":
        real = geo4mi.build.write_indicator_file

        def table(results, path, **kwargs):
            if Path(path).name == "estimates.gpkg":
                broken()
            return real(results, path, **kwargs)

        monkeypatch.setattr(geo4mi.build, "write_indicator_file", table)
    else:
        monkeypatch.setattr(geo4mi.figures, "write_figures", broken)
    out = tmp_path / "out"
    from geo4mi.pipeline import run

    results = run(small)
    with pytest.raises(OutputError, match="disk full"):
        geo4mi.build.build_outputs(results, out, jobs=2)
    assert not out.exists() or not any(out.iterdir())  # nothing half-written
    assert not [p for p in tmp_path.rglob("*") if STAGING_PREFIX in p.name]


def test_build_leaves_ctrl_c_as_it_was(small, tmp_path, default_sigint):
    """A build with figure workers (drawn while a second thread waits for them) leaves this
    process's Ctrl-C handling and signal mask as they were."""
    import signal

    assert main(["-q", "build", str(small), "--out", str(tmp_path / "out"), "--jobs", "2"]) == 0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert not signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_build_lets_the_maps_data_go_before_the_figures(small, tmp_path, monkeypatch):
    """The maps' prepared data (every page's values) is freed once the maps are written:
    at 2,431 areas it held more than a GiB through the figures and tables."""
    import gc

    import geo4mi.figures
    from geo4mi.webmap.choropleth import ChoroplethData

    alive: list[int] = []
    real = geo4mi.figures.write_figures

    def spy(*args, **kwargs):
        gc.collect()
        alive.append(sum(isinstance(o, ChoroplethData) for o in gc.get_objects()))
        return real(*args, **kwargs)

    monkeypatch.setattr(geo4mi.figures, "write_figures", spy)
    assert main(["build", str(small), "--out", str(tmp_path / "out"), "--jobs", "1"]) == 0
    assert alive == [0]


def test_build_no_empty_leaves_the_no_data_rows_out_of_the_long_tables(built, small,
                                                                      tmp_path):
    import pyogrio

    code, full_out, full = built
    assert code == 0
    out = tmp_path / "lean"
    assert main(["build", str(small), "--out", str(out), "--jobs", "1", "--no-empty"]) == 0
    lean = snapshot(out)
    long = {"tables/estimates.csv", "tables/estimates.gpkg", MANIFEST}
    assert {k: v for k, v in lean.items() if k not in long} == \
        {k: v for k, v in full.items() if k not in long}  # maps, figures, other tables
    rows = full["tables/estimates.csv"].decode("utf-8-sig").splitlines()
    status = next(csv.reader(rows[:1])).index("status")
    kept = [r for r, cells in zip(rows, csv.reader(rows), strict=True)
            if cells[status] != "no_data"]
    assert len(kept) < len(rows)
    assert lean["tables/estimates.csv"].decode("utf-8-sig").splitlines() == kept
    gpkg = {f"{name}/{layer}": pyogrio.read_dataframe(folder / "tables" / "estimates.gpkg",
                                                      layer=layer)
            for name, folder in (("full", full_out), ("lean", out))
            for layer in ("estimates", "indicators")}
    assert len(gpkg["lean/estimates"]) == len(kept) - 1  # the CSV's header line
    assert "no_data" not in set(gpkg["lean/estimates"]["status"])
    assert "no_data" in set(gpkg["full/estimates"]["status"])
    pd.testing.assert_frame_equal(gpkg["lean/indicators"], gpkg["full/indicators"])


def test_check_writes_the_report_and_follows_overwrite(small, tmp_path, monkeypatch, capsys):
    report = tmp_path / "quality.csv"
    assert main(["check", str(small), "-o", str(report)]) == 0
    with open(report, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == REPORT_COLUMNS
    assert any(r[0] == "rows_read" for r in rows)
    capsys.readouterr()
    assert main(["check", str(small), "-o", str(report)]) == 2
    assert "file exists; pass --overwrite to replace it" in capsys.readouterr().err
    # without -o: quality_<study>.csv in the current folder, under the same rule
    monkeypatch.chdir(tmp_path)
    default = tmp_path / "quality_small.csv"
    default.write_text("keep me", encoding="utf-8")
    assert main(["check", str(small)]) == 2
    err = capsys.readouterr().err
    assert err == ("geo4mi: error: quality_small.csv: file exists; pass --overwrite to "
                   "replace it\n")
    assert default.read_text(encoding="utf-8") == "keep me"
    assert main(["check", str(small), "--overwrite"]) == 0
    assert default.read_bytes() == report.read_bytes()


def test_demo(tmp_path, capsys, caplog):
    """``geo4mi demo --out`` into a folder that holds a README, as the repository's maps/."""
    out = tmp_path / "maps"
    mine = user_files(out)
    assert main(["demo", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "SYNTHETIC DEMONSTRATION DATA" in printed
    # what disclosure control hid is said; the built-in intruder then finds nothing
    assert re.search(r"disclosure control: [1-9][\d,]* more figures hidden", printed)
    # the two languages of the choropleth link to each other
    assert 'href="choropleth.en.html" hreflang="en"' in \
        (out / "choropleth.html").read_text(encoding="utf-8")
    assert 'href="choropleth.html" hreflang="es"' in \
        (out / "choropleth.en.html").read_text(encoding="utf-8")
    assert check_output_set(out) == []
    listed = read_manifest(out / MANIFEST)
    assert len([n for n in listed if n.startswith("figures/")]) > 30
    for svg in sorted((out / "figures").glob("*.svg")):  # every SVG id is unique in its file
        ids = [el.get("id") for el in ElementTree.parse(svg).iter() if el.get("id")]
        assert len(ids) == len(set(ids)), (svg.name, sorted({i for i in ids if ids.count(i) > 1}))
    assert {n: (out / n).read_bytes() for n in mine} == mine
    rows = assert_csv_numbers(out / "tables" / "estimates.csv",
                              {"numerator", "n", "pct", "ci_low_pct", "ci_high_pct"})
    assert rows > 10_000
    assert printed.count("  wrote ") == len(listed)
    from geo4mi.report.pdf import pdf_available  # the PDF when WeasyPrint is installed

    pdf = pdf_available()
    assert ("report.pdf" in listed) == pdf == ("report.pdf not written" not in printed)


# -- output errors: one line, exit status 2 ----------------------------------------------

def test_build_under_a_file(small, tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file", encoding="utf-8")
    assert main(["build", str(small), "--out", str(blocker / "out")]) == 2
    assert capsys.readouterr().err == (f"geo4mi: error: {blocker}: is a file, not a folder; "
                                       "choose another output folder\n")
    assert blocker.read_text(encoding="utf-8") == "a file"
    assert main(["build", str(small), "--out", str(blocker)]) == 2  # click refuses it
    err = capsys.readouterr().err
    assert "is a file" in err and "Traceback" not in err


def test_read_only_file_system(small, tmp_path, capsys, monkeypatch):
    import errno

    import geo4mi.io

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(tmp_path / "out"))

    monkeypatch.setattr(geo4mi.io.tempfile, "mkdtemp", refuse)
    assert main(["build", str(small), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err == (f"geo4mi: error: {tmp_path / 'out'}: cannot write (Read-only file system); "
                   "the file system is read-only; choose another output folder\n")
    with pytest.raises(OutputError, match=r"Read-only file system"):
        main(["--debug", "build", str(small), "--out", str(tmp_path / "out")])


def test_unexpected_oserror_is_one_line(small, tmp_path, capsys, monkeypatch):
    import errno

    import geo4mi.cli

    def broken(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/some/file.csv")

    monkeypatch.setattr(geo4mi.cli, "_run", broken)
    assert main(["build", str(small), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("geo4mi: error: /some/file.csv: No space left on device; ")


# -- Ctrl-C during a real build ------------------------------------------------------------

def staged_files(out: Path) -> int:
    return sum(1 for d in out.glob(STAGING_PREFIX + "*") for p in d.rglob("*")
               if p.is_file() and not p.name.startswith("."))


def staged_manifest(out: Path) -> bool:
    return any((d / MANIFEST).exists() for d in out.glob(STAGING_PREFIX + "*"))


POINTS: dict[str, tuple[Callable[[Path], bool], bool]] = {
    # name: (when to press Ctrl-C, whether the old set must remain)
    "first_map_written": (lambda out: staged_files(out) >= 1, True),
    "figures_being_drawn": (lambda out: staged_files(out) >= 6, True),
    "during_the_swap": (staged_manifest, False),
}


@pytest.fixture(scope="module")
def old_set(built, tmp_path_factory) -> Path:
    """A previous complete set with the same file names (other bytes) and one more file."""
    _, _, files = built
    folder = tmp_path_factory.mktemp("old") / "out"
    names = [n for n in files if n != MANIFEST] + ["figures/only_in_the_old_set.png"]

    def write(staging: Path) -> list[Path]:
        for name in names:
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(b"old " + name.encode())
        return [staging / n for n in names]

    write_output_set(folder, write)
    return folder


@pytest.mark.parametrize("point", list(POINTS))
def test_ctrl_c_leaves_the_old_set_or_the_new(point, built, small, old_set, tmp_path,
                                              default_sigint):
    code, _, new = built
    assert code == 0
    out = tmp_path / "out"
    for name, data in snapshot(old_set).items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    mine = user_files(out)
    old = snapshot(out)
    when, must_keep_old = POINTS[point]
    for _attempt in range(5):  # a loaded machine can let the build run past the point unseen
        proc = subprocess.Popen([sys.executable, "-m", "geo4mi", "build", str(small), "--out",
                                 str(out)], cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
        sent = False
        while proc.poll() is None:
            if when(out):
                proc.send_signal(signal.SIGINT)
                sent = True
                break
            time.sleep(0.005)
        _, err = proc.communicate(timeout=600)
        after = snapshot(out)
        if sent:
            break
        # not interrupted: the build finished whole, so the new set must be there; put the
        # old set back and try again to catch the point
        assert proc.returncode == 0 and err == "" and after == {**new, **mine}
        shutil.rmtree(out)
        for name, data in old.items():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_bytes(data)
    assert sent, f"the build never stopped at {point} in 5 runs"
    print(f"Ctrl-C {point}: exit {proc.returncode}, "
          f"{'old' if after == old else 'new' if after == {**new, **mine} else 'MIXED'} set")
    if after == old:
        assert sent and proc.returncode == 130
    else:
        assert not must_keep_old, f"Ctrl-C at {point} replaced the old set"
        assert after == {**new, **mine}, "the folder holds a mix of two sets"
        assert proc.returncode in (0, 130)
    if proc.returncode == 130:
        assert err.splitlines() == [INTERRUPTED]
    else:
        assert err == ""
