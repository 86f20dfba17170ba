"""Safe output: spreadsheet-safe CSV in every CSV writer, atomic output sets, OSError messages.

Every CSV geo4mi writes is read back with the ``csv`` module and checked cell by cell: no
text cell may begin with a formula character (``hostile.FORMULA_STARTS``); a number in a
numeric column may (``-0.5``). The hostile text itself is kept after the ``'``.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import signal
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hostile import FORMULA_STARTS, PAYLOADS
from shapely.geometry import box

from geo4mi import io as gio
from geo4mi.errors import OutputError
from geo4mi.indicators.catalogue import add_derived, build_labels
from geo4mi.indicators.estimate import estimate
from geo4mi.indicators.tables import write_analysistools_csv, write_estimates_csv
from geo4mi.io import (
    MANIFEST,
    STAGING_PREFIX,
    atomic_write,
    check_output_set,
    read_manifest,
    recover_output_folder,
    spreadsheet_safe,
    write_csv,
    write_output_set,
)
from geo4mi.sites import write_sites_csv
from geo4mi.sites.plan import allocate, write_plan_csv
from geo4mi.survey.quality import REPORT_COLUMNS, write_report

FORMULAS = [p for p in PAYLOADS if p.startswith(FORMULA_STARTS)]


def read_cells(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, [dict(zip(header, row, strict=True)) for row in reader]


def assert_spreadsheet_safe(path: Path, numeric: set[str]) -> list[str]:
    """Every text cell of ``path`` is formula-free; numeric columns hold numbers. Returns
    all text cells, for the caller to look for its payloads."""
    header, rows = read_cells(path)
    assert not [h for h in header if h.startswith(FORMULA_STARTS)]
    assert numeric <= set(header)
    texts = []
    for i, row in enumerate(rows):
        for column, cell in row.items():
            if column in numeric:
                if cell:
                    float(cell)  # a number, which may be negative
                continue
            assert not cell.startswith(FORMULA_STARTS), \
                f"{path.name} row {i + 2} {column}: {cell!r}"
            texts.append(cell)
    return texts


def assert_kept(texts: list[str], payloads) -> None:
    """Each payload is in some cell, as typed or after one apostrophe when it is a formula."""
    for p in payloads:
        want = "'" + p if p.startswith(FORMULA_STARTS) else p
        assert any(want in cell for cell in texts), f"payload {p!r} lost"


# -- spreadsheet_safe --------------------------------------------------------------------

def test_spreadsheet_safe_prefixes_text_and_keeps_numbers():
    frame = pd.DataFrame({
        "text": pd.array([*FORMULAS, "plain", "a=b", " -1"], dtype="str"),
        "obj": pd.Series([*FORMULAS, None, 5, "x"], dtype=object),
        "num": np.linspace(-1, 1, len(FORMULAS) + 3),
        "int": pd.array(range(-4, len(FORMULAS) - 1), dtype="Int64"),
        "cat": pd.Categorical(FORMULAS + ["plain"] * 3),
    })
    safe = spreadsheet_safe(frame)
    n = len(FORMULAS)
    assert safe["text"].tolist()[:n] == ["'" + p for p in FORMULAS]
    assert safe["text"].tolist()[n:] == ["plain", "a=b", " -1"]
    assert safe["obj"].tolist()[:n] == ["'" + p for p in FORMULAS]
    assert safe["obj"].tolist()[n:] == [None, 5, "x"]
    assert safe["cat"].tolist()[:n] == ["'" + p for p in FORMULAS]
    pd.testing.assert_series_equal(safe["num"], frame["num"])
    pd.testing.assert_series_equal(safe["int"], frame["int"])
    assert frame["text"].iloc[0] == FORMULAS[0]  # the input is not modified


def test_spreadsheet_safe_header():
    safe = spreadsheet_safe(pd.DataFrame({"=x": [1], "ok": [2]}))
    assert list(safe.columns) == ["'=x", "ok"]


def test_write_csv_every_payload(tmp_path):
    frame = pd.DataFrame({"text": list(PAYLOADS), "value": np.arange(len(PAYLOADS)) - 3.5})
    out = write_csv(frame, tmp_path / "t.csv", bom=True, float_format="%.2f")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    texts = assert_spreadsheet_safe(out, numeric={"value"})
    assert texts == ["'" + p if p.startswith(FORMULA_STARTS) else p for p in PAYLOADS]
    _, rows = read_cells(out)
    assert rows[0]["value"] == "-3.50"


# -- csv_text writes what pandas' to_csv writes ----------------------------------------------

def pandas_csv_text(frame: pd.DataFrame, float_format: str | None, header: bool = True) -> str:
    """The reference: pandas ``to_csv`` of the spreadsheet-safe frame, and a cell holding a
    carriage return quoted (pandas leaves it bare when lines end with "\\n")."""
    safe = spreadsheet_safe(frame)
    options = {"index": False, "lineterminator": "\n", "na_rep": "",
               "float_format": float_format, "header": header}
    text = safe.to_csv(**options)
    if "\r" not in text:
        return text
    rows = csv.reader(io.StringIO(safe.to_csv(**options, quoting=csv.QUOTE_ALL), newline=""))
    return "".join('""\n' if row == [""] else ",".join(
        f'"{c.replace(chr(34), 2 * chr(34))}"' if any(x in c for x in ',"\r\n') else c
        for c in row) + "\n" for row in rows)


TEXTS = ["plain", "a,b", 'say "hi"', "line\nbreak", "cr\rhere", "crlf\r\n", "=1+2", "+3",
         "-4", "@SUM(A1)", "\tTab", "", " ", "Tláhuac", "中文", "'quoted'", '"', ",", "NA",
         "nan", "None"]
FLOATS = [0.0, -0.0, 1.0, -1.25, 0.05, 0.15, 2.675, 1e-7, 1e16, 123456789.123, np.inf,
          -np.inf, np.nan, 1 / 3, 99.95, 0.5]


def random_frame(rng: np.random.Generator, rows: int) -> pd.DataFrame:
    """A frame with a random choice and order of every column kind the table writers use."""
    def pick(values):
        return [values[i] for i in rng.integers(0, len(values), rows)]

    def holes(values, missing):  # some cells missing
        return [missing if rng.random() < 0.2 else v for v in values]

    columns = {
        "str": pd.array(holes(pick(TEXTS), None), dtype="str"),
        "string": pd.array(holes(pick(TEXTS), None), dtype="string"),
        "object": pd.Series(holes(pick(TEXTS), None), dtype=object),
        "object_nan": pd.Series(holes(pick(TEXTS), np.nan), dtype=object),
        "category": pd.Categorical(holes(pick(TEXTS[:8]), None), categories=TEXTS[:8]),
        "float": np.array(pick(FLOATS), dtype="float64"),
        "float32": np.array(pick(FLOATS), dtype="float32"),
        "Float64": pd.array(holes(pick(FLOATS[:-1]), None), dtype="Float64"),
        "int": np.array(pick([-3, 0, 7, 2**40]), dtype="int64"),
        "Int64": pd.array(holes(pick([-3, 0, 7, 2**40]), None), dtype="Int64"),
        "bool": np.array(pick([True, False]), dtype=bool),
        "boolean": pd.array(holes(pick([True, False]), None), dtype="boolean"),
    }
    names = list(columns)
    chosen = [names[i] for i in rng.permutation(len(names))[:rng.integers(1, len(names) + 1)]]
    return pd.DataFrame({("=" if rng.random() < 0.1 else "") + n: columns[n] for n in chosen})


@pytest.mark.parametrize("float_format", [None, "%.1f", "%.6f", "%.6g"])
def test_csv_text_is_pandas_to_csv(float_format):
    rng = np.random.default_rng(18)
    for _ in range(30):
        frame = random_frame(rng, int(rng.integers(0, 40)))
        want = pandas_csv_text(frame, float_format)
        # formatted here, not handed to pandas (which would pass trivially)
        assert gio._joined_csv_text(frame, float_format=float_format,
                                    header=True) == want, list(frame.columns)
        assert gio.csv_text(frame, float_format=float_format) == want
        cut = int(rng.integers(0, len(frame) + 1))
        assert gio.csv_text(frame[:cut], float_format=float_format) + gio.csv_text(
            frame[cut:], float_format=float_format, header=False) == want


@pytest.mark.parametrize("bom", [True, False])
def test_write_csv_a_slice_at_a_time_is_pandas_to_csv(tmp_path, monkeypatch, bom):
    """write_csv formats a slice of rows at a time (a table of millions of rows was whole
    in memory as text): the file is pandas' to_csv of the whole frame, header once."""
    rng = np.random.default_rng(21)
    seen: list[int] = []
    real = gio.csv_text

    def counted(part, **options):
        seen.append(len(part))
        return real(part, **options)

    monkeypatch.setattr(gio, "CSV_SLICE_ROWS", 3)
    monkeypatch.setattr(gio, "csv_text", counted)
    for rows in (0, 1, 3, 10, 31):
        frame = random_frame(rng, rows)
        seen.clear()
        out = gio.write_csv(frame, tmp_path / f"t{rows}.csv", bom=bom, float_format="%.3f")
        want = pandas_csv_text(frame, "%.3f").encode("utf-8")
        assert out.read_bytes() == (b"\xef\xbb\xbf" if bom else b"") + want
        assert max(seen) <= 3 and sum(seen) == rows


def test_csv_text_of_a_long_table_with_codes_and_labels():
    """Columns that go together (an id and its label) are joined once per pair of texts."""
    rng = np.random.default_rng(7)
    ids = rng.integers(0, 300, 6000)
    names = np.array([f"área {i}, \"{i % 7}\"" if i % 5 else f"=a{i}" for i in range(300)],
                     dtype=object)
    frame = pd.DataFrame({
        "area_id": pd.array([f"{i:05d}" for i in ids], dtype="str"),
        "area_name": pd.array(names[ids], dtype="str"),
        "group": pd.Categorical(rng.choice(["all", "sex", "age"], 6000)),
        "n": pd.array(np.where(ids % 3 == 0, None, ids % 50), dtype="Int64"),
        "pct": np.round(rng.random(6000) * 100, 3),
    })
    for float_format in (None, "%.1f"):
        assert gio._joined_csv_text(frame, float_format=float_format, header=True) == \
            pandas_csv_text(frame, float_format)


def test_csv_text_cells_pandas_prints_its_own_way():
    frame = pd.DataFrame({"x": pd.array([-0.0, 0.0, None, 1e16], dtype="Float64"),
                          "y": [-0.0, 0.0, np.nan, np.inf],
                          "b": pd.array([True, None, False, True], dtype="boolean"),
                          "t": ["a\rb", "", None, "c"]})
    assert gio.csv_text(frame) == ('x,y,b,t\n-0.0,-0.0,True,"a\rb"\n0.0,0.0,,\n'
                                   ',,False,\n1e+16,inf,True,c\n')
    assert gio.csv_text(frame, float_format="%.1f").split("\n")[4] == \
        "10000000000000000.0,inf,True,c"
    # one column: a row of one empty cell is written "" (else it would be an empty line)
    assert gio.csv_text(pd.DataFrame({"": ["", None, "a"]})) == '""\n""\n""\na\n'


def test_csv_text_other_kinds_go_through_pandas():
    frame = pd.DataFrame({"when": pd.to_datetime(["2026-12-02", None]),
                          "mixed": pd.Series([1, "=x"], dtype=object),
                          "cat": pd.Categorical([1.5, None])})
    for column in frame.columns:
        assert gio._joined_csv_text(frame[[column]], float_format=None,
                                    header=True) is None
    assert gio.csv_text(frame, float_format="%.2f") == pandas_csv_text(frame, "%.2f")


# -- every CSV writer ----------------------------------------------------------------------

def _catalogue_text() -> str:
    """A catalogue whose theme, labels, universe text and group-value labels are payloads."""
    q = json.dumps
    values = "\n".join(f"v{i} = {{ es = {q(p)}, en = {q(p)} }}" for i, p in enumerate(FORMULAS))
    mapping = ", ".join(f"g{i} = \"v{i}\"" for i in range(len(FORMULAS)))
    return f"""
[themes.life]
label = {{ es = {q(FORMULAS[0])}, en = {q(FORMULAS[1])} }}

[derived.grp]
from = "g"
label = {{ es = {q(FORMULAS[2])}, en = {q(FORMULAS[3])} }}
map = {{ {mapping} }}

[derived.grp.values]
{values}

[[indicator]]
id = "feel_safe"
theme = "life"
label = {{ es = {q(FORMULAS[4])}, en = {q(FORMULAS[5])} }}
question = "feel_safe"
choices = ["yes"]
universe = "feel_safe != 'x'"
universe_label = {{ es = {q(FORMULAS[0])}, en = {q(FORMULAS[0])} }}
direction = "higher_better"
"""


@pytest.fixture
def hostile_run(make_catalogue, make_respondents):
    """Estimates over areas whose ids and names are payloads, grouped by hostile labels."""
    cat = make_catalogue(_catalogue_text())
    ids = list(FORMULAS)
    n = 12 * len(ids)
    resp = make_respondents({
        "area_id": [a for a in ids for _ in range(12)],
        "feel_safe": ["yes", "no", "yes"] * (n // 3),
        "g": [f"g{i % len(FORMULAS)}" for i in range(n)],
    })
    est = estimate(add_derived(resp, cat), cat, area_ids=ids, groups=["grp"])
    areas = gpd.GeoDataFrame({"area_id": ids, "area_name": list(reversed(FORMULAS))},
                             geometry=[box(i, 0, i + 1, 1) for i in range(len(ids))],
                             crs="EPSG:6372")
    return cat, est, areas, build_labels(cat, None, ["grp"])


def test_estimates_csv_is_spreadsheet_safe(hostile_run, tmp_path):
    _cat, est, areas, labels = hostile_run
    out = write_estimates_csv(est, areas, labels, tmp_path / "e.csv", lang="es", synthetic=True)
    texts = assert_spreadsheet_safe(out, numeric={"numerator", "n", "pct", "ci_low_pct",
                                                  "ci_high_pct"})
    assert_kept(texts, FORMULAS)


def test_analysistools_csv_is_spreadsheet_safe(hostile_run, tmp_path):
    cat, est, _, _ = hostile_run
    out = write_analysistools_csv(est, cat, tmp_path / "a.csv", synthetic=True)
    texts = assert_spreadsheet_safe(out, numeric={"stat", "stat_low", "stat_upp", "n",
                                                  "n_total"})
    _, rows = read_cells(out)
    assert {"'" + p for p in FORMULAS} <= {r["group_var_value"] for r in rows}
    assert_kept(texts, FORMULAS)


def test_quality_report_is_spreadsheet_safe(tmp_path):
    report = pd.DataFrame({c: pd.array(list(PAYLOADS), dtype="string") for c in REPORT_COLUMNS})
    report["row"] = pd.array(range(-3, len(PAYLOADS) - 3), dtype="Int64")
    out = write_report(report, tmp_path / "q.csv")
    assert_kept(assert_spreadsheet_safe(out, numeric={"row"}), PAYLOADS)
    assert read_cells(out)[1][0]["row"] == "-3"


def test_sites_csv_is_spreadsheet_safe(tmp_path):
    sites = pd.DataFrame({"name": list(PAYLOADS), "type": list(reversed(PAYLOADS)),
                          "lat": 19.4, "lon": -99.133208, "notes": list(PAYLOADS)})
    out = write_sites_csv(sites, tmp_path / "s.csv")
    assert_kept(assert_spreadsheet_safe(out, numeric={"lat", "lon"}), PAYLOADS)
    assert {r["lon"] for r in read_cells(out)[1]} == {"-99.133208"}


def test_sites_csv_round_trips_formula_names(tmp_path):
    from geo4mi.sites import read_sites
    from geo4mi.webmap.choropleth import example_inputs

    areas = example_inputs()[1]
    point = areas.to_crs(4326).geometry.iloc[0].representative_point()
    names = ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "'quoted'", "plain"]
    sites = pd.DataFrame({"name": names, "type": "metro_station",
                          "lat": [point.y + i * 1e-3 for i in range(len(names))],
                          "lon": point.x, "notes": names})
    out = write_sites_csv(sites, tmp_path / "s.csv")
    back = read_sites(out, areas)
    assert back["name"].tolist() == names and back["notes"].tolist() == names
    again = write_sites_csv(back, tmp_path / "again.csv")
    assert again.read_bytes() == out.read_bytes()


def test_plan_csv_is_spreadsheet_safe(tmp_path):
    ids = [f"a{i}" for i in range(len(PAYLOADS))]
    areas = pd.DataFrame({"area_id": ids, "area_name": list(PAYLOADS)})
    plan = allocate(areas, pd.Series(dict.fromkeys(ids, 10)), total=2 * len(ids))
    out = write_plan_csv(plan, tmp_path / "p.csv")
    texts = assert_spreadsheet_safe(out, numeric={"measure", "share", "target"})
    assert_kept(texts, PAYLOADS)


# -- atomic output sets ------------------------------------------------------------------

def writer(files: dict[str, str]):
    """A ``write(staging)`` that writes ``files`` (relative path -> text)."""
    def write(staging: Path) -> list[Path]:
        out = []
        for name, text in files.items():
            with atomic_write(staging / name) as tmp:
                tmp.write_text(text, encoding="utf-8")
            out.append(staging / name)
        return out
    return write


OLD = {"a.html": "old a", "tables/t.csv": "old t", "figures/only_old.png": "old f"}
NEW = {"a.html": "new a", "tables/t.csv": "new t", "figures/f.png": "new f"}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def user_files(folder: Path) -> None:
    (folder / "README.md").write_text("mine", encoding="utf-8")
    (folder / "figures").mkdir(exist_ok=True)
    (folder / "figures" / "notes.txt").write_text("mine too", encoding="utf-8")


def test_output_set_replaces_only_its_own_files(tmp_path):
    out = tmp_path / "maps"
    write_output_set(out, writer(OLD))
    user_files(out)
    paths = write_output_set(out, writer(NEW))
    assert paths == [out / n for n in NEW]
    files = snapshot(out)
    assert files.pop("README.md") == b"mine"
    assert files.pop("figures/notes.txt") == b"mine too"
    manifest = files.pop(MANIFEST).decode()
    assert files == {n: t.encode() for n, t in NEW.items()}  # figures/only_old.png is gone
    assert manifest.splitlines()[0].endswith("  a.html")
    assert sorted(read_manifest(out / MANIFEST)) == sorted(NEW)
    assert check_output_set(out) == []
    assert not list(out.glob(STAGING_PREFIX + "*"))


def test_output_set_is_deterministic(tmp_path):
    write_output_set(tmp_path / "x", writer(NEW))
    write_output_set(tmp_path / "y", writer(NEW))
    assert snapshot(tmp_path / "x") == snapshot(tmp_path / "y")


def test_folder_without_manifest_keeps_unknown_files(tmp_path):
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "t.csv").write_text("older run", encoding="utf-8")
    (tmp_path / "stale.html").write_text("not listed anywhere", encoding="utf-8")
    write_output_set(tmp_path, writer(NEW))
    assert (tmp_path / "tables" / "t.csv").read_text(encoding="utf-8") == "new t"
    assert (tmp_path / "stale.html").read_text(encoding="utf-8") == "not listed anywhere"


def test_failed_write_leaves_the_old_set(tmp_path):
    write_output_set(tmp_path, writer(OLD))
    before = snapshot(tmp_path)

    def failing(staging):
        writer(NEW)(staging)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_output_set(tmp_path, failing)
    assert snapshot(tmp_path) == before
    assert not list(tmp_path.glob(STAGING_PREFIX + "*"))
    assert check_output_set(tmp_path) == []


def test_ctrl_c_during_the_swap_is_held_until_it_ends(tmp_path, monkeypatch, default_sigint):
    write_output_set(tmp_path, writer(OLD))
    real = os.replace
    calls = []

    def replace(src, dst):
        if STAGING_PREFIX not in str(dst):  # a move of the swap
            calls.append(dst)
        if len(calls) == 2:  # half-way through the swap: a real SIGINT
            signal.raise_signal(signal.SIGINT)
        real(src, dst)

    monkeypatch.setattr(gio.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        write_output_set(tmp_path, writer(NEW))
    monkeypatch.undo()
    assert check_output_set(tmp_path) == []
    assert (tmp_path / "a.html").read_text(encoding="utf-8") == "new a"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_swap_killed_half_way_is_finished_by_the_next_run(tmp_path, monkeypatch):
    write_output_set(tmp_path, writer(OLD))
    real = os.replace
    calls = []

    def replace(src, dst):  # the process "dies" after moving two files
        if STAGING_PREFIX not in str(dst):  # a move of the swap
            calls.append(dst)
        if len(calls) == 3:
            raise OSError(errno.EIO, "Input/output error", str(dst))
        real(src, dst)

    monkeypatch.setattr(gio.os, "replace", replace)
    with pytest.raises(OutputError, match=r"could not be moved in .*run again to finish"):
        write_output_set(tmp_path, writer(NEW))
    monkeypatch.undo()
    assert check_output_set(tmp_path)[0].startswith(f"no {MANIFEST}")  # marked incomplete
    done = recover_output_folder(tmp_path)
    assert done and done[0].startswith("finished swapping in")
    assert check_output_set(tmp_path) == []
    assert {n: (tmp_path / n).read_text(encoding="utf-8") for n in NEW} == NEW
    assert not (tmp_path / "figures" / "only_old.png").exists()


def test_leftover_staging_folder_is_removed_by_the_next_run(tmp_path, caplog):
    write_output_set(tmp_path, writer(OLD))
    leftover = tmp_path / (STAGING_PREFIX + "killed")
    (leftover / "tables").mkdir(parents=True)
    (leftover / "tables" / "t.csv").write_text("half", encoding="utf-8")
    assert check_output_set(tmp_path) == [f"{leftover.name}: staging folder of an unfinished run"]
    write_output_set(tmp_path, writer(NEW))
    assert not leftover.exists()
    assert f"removed {leftover.name}" in caplog.text
    assert check_output_set(tmp_path) == []


def test_changed_file_is_reported(tmp_path):
    write_output_set(tmp_path, writer(NEW))
    (tmp_path / "a.html").write_text("edited", encoding="utf-8")
    assert check_output_set(tmp_path) == ["a.html: changed since it was written"]


def test_second_run_into_the_same_folder_is_refused(tmp_path):
    def nested(staging):
        write_output_set(tmp_path, writer(NEW))
        return []

    with pytest.raises(OutputError, match=r"another geo4mi run is writing into this folder"):
        write_output_set(tmp_path, nested)


def test_folder_in_the_way_of_a_file(tmp_path):
    (tmp_path / "a.html").mkdir()
    with pytest.raises(OutputError, match=r"a\.html: a folder is in the way"):
        write_output_set(tmp_path, writer(NEW))
    assert not list(tmp_path.glob(STAGING_PREFIX + "*"))


# -- OSError on output: one clear OutputError --------------------------------------------

def test_output_folder_is_a_file(tmp_path):
    (tmp_path / "maps").write_text("a file", encoding="utf-8")
    with pytest.raises(OutputError, match=r"maps: is a file, not a folder; choose another"):
        write_output_set(tmp_path / "maps", writer(NEW))


def test_output_folder_under_a_file(tmp_path):
    (tmp_path / "f").write_text("a file", encoding="utf-8")
    with pytest.raises(OutputError, match=r"/f: is a file, not a folder"):
        write_output_set(tmp_path / "f" / "maps", writer(NEW))
    with pytest.raises(OutputError, match=r"cannot create the output folder"):
        write_csv(pd.DataFrame({"a": [1]}), tmp_path / "f" / "x.csv")


@pytest.mark.parametrize(("code", "advice"), [(errno.EROFS, "the file system is read-only"),
                                              (errno.ENOSPC, "the disk is full")])
def test_read_only_or_full_disk(tmp_path, monkeypatch, code, advice):
    def refuse(src, dst):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(gio.os, "replace", refuse)
    target = tmp_path / "e.csv"
    with pytest.raises(OutputError, match=rf"e\.csv: cannot write \(.+\); {advice}"):
        write_csv(pd.DataFrame({"a": [1]}), target)
    assert list(tmp_path.iterdir()) == []  # no temporary file left


def test_mkdtemp_refused(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(tmp_path))

    monkeypatch.setattr(gio.tempfile, "mkdtemp", refuse)
    with pytest.raises(OutputError, match=r"cannot write \(Read-only file system\); the file "
                                          r"system is read-only; choose another output folder"):
        write_output_set(tmp_path, writer(NEW))
