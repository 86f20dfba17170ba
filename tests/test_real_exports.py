"""Real exports, as field teams hand them over (tests/data/real/SOURCE.md): read without edits.

Counts are checked against an independent pandas computation written here, not against
geo4mi's own targets.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from geo4mi.survey.exports import read_export
from geo4mi.survey.xlsform import read_form

REAL = Path(__file__).resolve().parent / "data" / "real"
CORPUS = sorted(p.name for p in REAL.iterdir() if (p / "form_survey.csv").exists())


def build_form(folder: Path, out: Path) -> Path:
    """form.xlsx from the form_*.csv tables of a corpus folder."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in ("survey", "choices", "settings"):
        table = folder / f"form_{sheet}.csv"
        if table.exists():
            ws = book.create_sheet(sheet)
            with table.open(encoding="utf-8", newline="") as f:
                for row in csv.reader(f):
                    ws.append([v if v != "" else None for v in row])
    book.save(out)
    return out


def test_corpus_is_documented():
    source = (REAL / "SOURCE.md").read_text(encoding="utf-8")
    assert CORPUS
    for name in CORPUS:
        assert f"`{name}`" in source
        for path in (REAL / name).iterdir():
            assert path.stat().st_size < 300_000, path


@pytest.fixture(scope="module")
def ona(tmp_path_factory):
    folder = REAL / "ona_transportation"
    form = read_form(build_form(folder, tmp_path_factory.mktemp("ona") / "form.xlsx"))
    respondents, issues = read_export(folder / "export.csv", form)
    return form, respondents, issues, pd.read_csv(folder / "export.csv", dtype=str,
                                                  keep_default_na=False)


def test_ona_2013_export_reads_without_edits(ona):
    form, respondents, issues, raw = ona
    assert len(respondents) == len(raw) == 4
    # the loop over transport types is a repeat for geo4mi: its 9 columns are listed, the
    # rest is read without a single bad value
    unknown = issues[issues["kind"] == "unknown_column"]
    assert unknown["column"].str.contains("loop_over_transport_types_frequency/").all()
    assert len(unknown) == 9
    # the photo was never taken, so the export has no column for it
    rest = issues[issues["kind"] != "unknown_column"]
    assert rest[["kind", "column"]].values.tolist() == [["missing_column", "image1"]]
    q = "available_transportation_types_to_referral_facility"
    prefix = f"transport/{q}/"
    for choice in form.choices_of(q):
        expected = (raw[prefix + choice] == "True").to_numpy()
        answered = raw[[c for c in raw.columns if c.startswith(prefix)]].eq("True").any(axis=1)
        got = respondents[f"{q}/{choice}"]
        # pandas: a row with no choice ticked was not answered
        assert got[answered].tolist() == expected[answered.to_numpy()].tolist(), choice
        assert got[~answered].isna().all()
    assert int(respondents[f"{q}/ambulance"].sum()) == int((raw[prefix + "ambulance"] == "True")
                                                           .sum()) == 2
    # "n/a" is the export's missing value; "camel" is what the "other" respondent wrote
    other = raw[f"transport/{q}_other"].where(raw[f"transport/{q}_other"] != "n/a")
    got = respondents[f"{q}_other"]
    assert got.isna().tolist() == other.isna().tolist() == [True, True, True, False]
    assert got.iloc[3] == other.iloc[3] == "camel"
    assert respondents["_uuid"].tolist() == raw["_uuid"].tolist()
    assert respondents["instanceID"].tolist() == raw["meta/instanceID"].tolist()
