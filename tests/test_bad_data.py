"""Bad data is loud: `check` always reports, `build`/`indicators` stop on what matters.

The last test feeds random corruptions of real-layout exports (the bundled Kobo sample and
the conftest_survey layouts of the example form) to ``geo4mi check`` and asserts a report or
one clear error line, never an internal error.
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest_survey import bundled_study_text, canonical_example, to_layout, write_csv, write_xlsx
from hostile import PAYLOADS

from geo4mi.cli import main
from geo4mi.errors import FormError, SurveyDataError
from geo4mi.indicators.audit import audit_results
from geo4mi.pipeline import check, run
from geo4mi.study import bundled_study_path
from geo4mi.survey.xlsform import read_form, write_example_form

DATA = bundled_study_path().parent
REPO = DATA.parent

EXAMPLE_CATALOGUE = """
[themes.life]
label = { es = "Vida", en = "Life" }

[[indicator]]
id = "discriminated"
theme = "life"
label = { es = "Discriminación", en = "Discriminated" }
question = "discriminated"
choices = ["yes"]
direction = "higher_worse"

[[indicator]]
id = "complaint_filed"
theme = "life"
label = { es = "Denuncia", en = "Complaint" }
question = "complaint_filed"
choices = ["yes"]
universe = "crime_victim == 'yes'"
universe_label = { es = "Víctimas", en = "Victims" }
direction = "higher_better"
"""


def bundled_sample() -> pd.DataFrame:
    """The bundled synthetic Kobo export, as the strings of the file."""
    return pd.read_csv(DATA / "sample_kobo.csv", sep=";", dtype=str, keep_default_na=False)


def write_study(folder: Path, export: Path, *, example: Path | None = None, survey: str = "",
                boundaries: str = "") -> Path:
    """A study file for ``export``: the bundled study, or the example form's (``example``
    is its XLSForm) with the small catalogue above."""
    if example is None:
        text = bundled_study_text(export)
    else:
        catalogue = folder / "example_indicators.toml"
        catalogue.write_text(EXAMPLE_CATALOGUE, encoding="utf-8")
        text = textwrap.dedent(f"""\
            [study]
            min_n = 3
            [boundaries]
            path = "{REPO}/boundaries/cdmx_alcaldias_mg2022.gpkg"
            layer = "alcaldias"
            [survey]
            export = "{export}"
            form = "{example}"
            [indicators]
            catalogue = "{catalogue}"
            groups = ["gender"]
            """)
    if "area_column" in survey:
        text = text.replace('area_column = "borough"\n', "")
    text = text.replace("[survey]\n", "[survey]\n" + survey, 1)
    text = text.replace("[boundaries]\n", "[boundaries]\n" + boundaries, 1)
    path = folder / f"{export.stem}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def example_form(tmp_path_factory):
    path = write_example_form(tmp_path_factory.mktemp("form") / "form.xlsx")
    return path, read_form(path)


def rows_of(report: pd.DataFrame, check_name: str) -> pd.DataFrame:
    """The listed rows of a check (not its count)."""
    counts = report["row"].isna() & report["column"].isna()
    return report[(report["check"] == check_name) & ~counts]


def summary_of(report: pd.DataFrame, check_name: str) -> pd.Series:
    """The count row of a check."""
    return report[(report["check"] == check_name) & report["row"].isna()
                  & report["column"].isna() & report["area_id"].isna()].iloc[0]


def count_of(report: pd.DataFrame, check_name: str) -> str | None:
    value = summary_of(report, check_name)["value"]
    return None if pd.isna(value) else str(value)


# -- issue 12: check never crashes on columns that are not in the form --------------------------

def test_check_reports_unknown_columns_and_writes_the_report(tmp_path, capsys):
    table = bundled_sample()
    table["notes"] = ""
    table["audit_URL"] = "https://example.org/audit.csv"
    export = write_csv(table, tmp_path / "export.csv", sep=";")
    study = write_study(tmp_path, export)
    out = tmp_path / "quality.csv"
    assert main(["check", str(study), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "unknown_column (2):\n  column notes: column is not in the form; ignored\n" \
           "  column audit_URL: column is not in the form; ignored" in text
    report = pd.read_csv(out, dtype=str, keep_default_na=False)
    listed = report[(report["check"] == "unknown_column") & (report["column"] != "")]
    assert listed["column"].tolist() == ["notes", "audit_URL"]
    assert report.loc[(report["check"] == "unknown_column") & (report["column"] == ""),
                      "value"].tolist() == ["2"]


# -- issue 12 item 4: identity and duplicates -----------------------------------------------

@pytest.mark.parametrize("header, column", [
    ("_uuid", "_uuid"), ("X_uuid", "X_uuid"), ("uuid", "uuid"), ("KEY", "KEY"),
    ("meta/instanceID", "instanceID"), ("X_id", "_id")])
def test_duplicates_found_under_every_id_column(tmp_path, header, column):
    table = bundled_sample().drop(columns=["_id"]).rename(columns={"_uuid": header})
    table = pd.concat([table, table.iloc[[4]]], ignore_index=True)  # row 302 repeats row 5
    study = write_study(tmp_path, write_csv(table, tmp_path / "dup.csv", sep=";"))
    report = check(study).quality
    assert count_of(report, "duplicate") == "1"
    dup = rows_of(report, "duplicate")
    assert dup["row"].tolist() == [302]
    assert dup["column"].tolist() == [column]
    assert dup["reason"].iloc[0] == (f"same {column} {table[header].iloc[4]!r} as row 5, which "
                                     "is kept; identical answers")


def test_id_column_from_the_study_file_and_no_id_column(tmp_path):
    table = bundled_sample().drop(columns=["_id", "_uuid"])
    table["respondent"] = [f"r{i // 2}" for i in range(len(table))]  # pairs share an id
    export = write_csv(table, tmp_path / "noid.csv", sep=";")
    report = check(write_study(tmp_path, export)).quality
    assert count_of(report, "duplicate") is None
    reason = summary_of(report, "duplicate")["reason"]
    assert reason.startswith("duplicates not checked: no id column (looked for _uuid, X_uuid, "
                             "uuid, meta/instanceID, instanceID, KEY, _id)")
    report = check(write_study(tmp_path, export, survey='id_column = "respondent"\n')).quality
    assert count_of(report, "duplicate") == str(len(table) // 2)
    assert "answers differ in" in rows_of(report, "duplicate")["reason"].iloc[0]
    with pytest.raises(SurveyDataError, match=r"id column 'nope' is not a column of the export; "
                                              r"fix \[survey\] id_column"):
        check(write_study(tmp_path, export, survey='id_column = "nope"\n'))


# -- issue 12 item 5: placement that tells the truth --------------------------------------------

def test_codes_in_the_area_column_stop_build_with_the_common_values(tmp_path, capsys, caplog):
    table = bundled_sample()
    codes = {v: f"A{i}" for i, v in enumerate(sorted(table["profile/borough"].unique()))}
    table["profile/borough"] = table["profile/borough"].map(codes)
    table[["gps", "_gps_latitude", "_gps_longitude"]] = ""
    study = write_study(tmp_path, write_csv(table, tmp_path / "codes.csv", sep=";"))
    top = table["profile/borough"].value_counts()
    code = main(["build", str(study), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert (f"only 0 of 301 analysed respondents (0%) are placed in an area, fewer than "
            f"[survey] min_placed_share = 0.5; most common values of 'borough' among the "
            f"others: {top.index[0]!r} ({top.iloc[0]}), {top.index[1]!r} ({top.iloc[1]}), "
            f"{top.index[2]!r} ({top.iloc[2]})") in err
    assert not (tmp_path / "out").exists()
    report = check(study).quality
    reasons = rows_of(report, "unassigned")["reason"]
    assert len(reasons) == 301
    assert reasons.str.contains("is not a choice of list 'alcaldia' of question 'borough' nor "
                                "an area name or id").all()
    assert not reasons.str.contains("no borough name").any()
    # lowering the share lets the analyst go on, with a warning count
    table.loc[:99, "profile/borough"] = "Tlalpan"  # 100 of 301 placed: a third
    study = write_study(tmp_path, write_csv(table, tmp_path / "codes.csv", sep=";"),
                        survey="min_placed_share = 0.3\n")
    with caplog.at_level(logging.WARNING, logger="geo4mi.pipeline"):
        results = run(study)
    assert "codes.csv: 201 of 301 analysed respondents are not placed in any area; they " \
           "count in city-wide estimates only" in caplog.text
    # 201 people counted city-wide only and 100 in one area: the area's figures and the
    # city's are both published where they can be, and a fresh attack on everything
    # published works out no hidden figure
    est = results.estimates
    placed = est[(est["area_id"] != "_city") & (est["status"] != "no_data")]
    assert placed["area_id"].nunique() == 1
    assert (placed["status"] == "ok").any() and (placed["status"] == "suppressed").any()
    assert audit_results(results, reuse=False).empty


def test_hand_cleaned_names_are_placed(tmp_path):
    table = bundled_sample()
    cleaned = {"gustavo_a_madero": "GAM", "cuauhtemoc": "Alcaldía Cuauhtémoc",
               "benito_juarez": "benito juarez", "iztapalapa": "Itzapalapa",
               "coyoacan": "COYOACAN"}
    before = check(write_study(tmp_path, DATA / "sample_kobo.csv"))
    table["profile/borough"] = table["profile/borough"].map(lambda v: cleaned.get(v, v))
    table[["gps", "_gps_latitude", "_gps_longitude"]] = ""
    after = check(write_study(tmp_path, write_csv(table, tmp_path / "clean.csv", sep=";")))
    declared = before.kept["placement"] == "declared"
    assert (after.kept.loc[declared, "area_id"] == before.kept.loc[declared, "area_id"]).all()
    assert (after.kept["placement"] == "declared").sum() == declared.sum()
    report = after.quality
    not_choice = table["profile/borough"].isin(["GAM", "Alcaldía Cuauhtémoc", "benito juarez",
                                                "Itzapalapa"]).sum()
    assert count_of(report, "name_not_choice") == str(not_choice)
    assert "unknown_choice" not in set(report["check"])  # explained once, by placement


def test_area_column_outside_the_form(tmp_path):
    table = bundled_sample()
    table["alcaldia_limpia"] = table["profile/borough"].str.replace("_", " ")
    table[["profile/borough", "gps", "_gps_latitude", "_gps_longitude"]] = ""
    export = write_csv(table, tmp_path / "derived.csv", sep=";")
    checked = check(write_study(tmp_path, export, survey='area_column = "alcaldia_limpia"\n'))
    assert checked.errors == []
    assert (checked.kept["placement"] == "declared").all()
    assert "alcaldia_limpia" not in set(rows_of(checked.quality, "unknown_column")["column"])


def test_swapped_coordinates_are_pointed_out(tmp_path):
    table = bundled_sample()
    table[["_gps_latitude", "_gps_longitude"]] = table[["_gps_longitude",
                                                        "_gps_latitude"]].to_numpy()
    table["gps"] = ""
    report = check(write_study(tmp_path, write_csv(table, tmp_path / "swap.csv",
                                                   sep=";"))).quality
    with_gps = int((table["_gps_latitude"] != "").sum())
    swapped = report[(report["check"] == "gps_swapped") & report["row"].isna()].iloc[0]
    assert swapped["value"] == str(with_gps)
    assert swapped["reason"] == (f"{with_gps} of {with_gps} GPS points out of range or outside "
                                 "the city fall in the study area with latitude and longitude "
                                 "swapped: swap the latitude and longitude columns of the "
                                 "export (or fix the tool that wrote them) and run again")
    assert not report["value"].fillna("").str.contains(r"-99\.|19\.\d{3}").any()  # no coords


# -- issue 10: a column the catalogue reads is missing ------------------------------------------

def test_missing_group_column_stops_indicators(tmp_path, capsys):
    table = bundled_sample().drop(columns=["profile/gender"])
    study = write_study(tmp_path, write_csv(table, tmp_path / "nogender.csv", sep=";"))
    code = main(["indicators", str(study), "-o", str(tmp_path / "est.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert ("nogender.csv: no column for question 'gender', which indicator 'gender_men', "
            "indicator 'gender_women', indicator 'gender_other' and 1 more read") in err
    assert f"remove what reads it from {DATA / 'indicators.toml'} and [indicators] groups of " \
           f"{study}" in err
    assert not (tmp_path / "est.csv").exists()
    out = tmp_path / "q.csv"
    assert main(["check", str(study), "-o", str(out)]) == 2  # the report first, then exit 2
    assert out.exists()
    assert "ERRORS / ERRORES (1): build and indicators stop" in capsys.readouterr().out


def test_missing_universe_and_derived_sources(tmp_path):
    table = bundled_sample().drop(columns=["life_in_city/crime_victim", "profile/age"],
                                  errors="ignore")
    table = table.drop(columns=[c for c in table.columns if c.endswith("/crime_victim")])
    checked = check(write_study(tmp_path, write_csv(table, tmp_path / "nouniv.csv", sep=";")))
    missing = dict(checked.errors)
    assert list(missing) == ["catalogue_column_missing"]
    columns = set(rows_of(checked.quality, "catalogue_column_missing")["column"])
    assert {"crime_victim", "age"} <= columns
    reason = rows_of(checked.quality, "catalogue_column_missing").set_index("column")
    assert "[derived.age_group], group 'age_group' (derived from 'age')" in reason.loc["age",
                                                                                         "reason"]
    # the form's number question also has a mean and a median, which the study file asks for
    assert "statistics 'age_mean' and 'age_median' ([indicators] numeric) read" in \
        reason.loc["age", "reason"]
    assert "[indicators] groups / numeric of " in reason.loc["age", "reason"]
    assert "(universe)" in reason.loc["crime_victim", "reason"]


# -- issue 12 item 6: lenient where safe, strict where it matters --------------------------------

def _form_with_duplicates(path: Path, duplicate: str) -> Path:
    import openpyxl

    write_example_form(path)
    book = openpyxl.load_workbook(path)
    ws = book["survey"]
    ws.append(["note", "intro", "Hola", "Hello", None, None])
    ws.append(["note", "intro", "Otra vez", "Again", None, None])
    ws.append(["text", duplicate, "Repetida", "Repeated", None, None])
    book.save(path)
    return path


def test_duplicate_question_names(tmp_path, example_form):
    _, form = example_form
    canon = canonical_example(form, n=30)
    export = write_csv(to_layout(canon, form), tmp_path / "export.csv")
    fine = _form_with_duplicates(tmp_path / "notes.xlsx", "comments")
    checked = check(write_study(tmp_path, export, example=fine))
    assert checked.errors == []
    warned = rows_of(checked.quality, "duplicate_question").set_index("column")["reason"]
    assert warned["intro"].startswith("question name 'intro' appears 2 times in the survey sheet")
    assert "nothing in the catalogue reads them" in warned["comments"]
    used = _form_with_duplicates(tmp_path / "used.xlsx", "discriminated")
    with pytest.raises(FormError, match=r"used\.xlsx: sheet 'survey': question name "
                                        r"'discriminated' appears 2 times \(rows \d+, \d+\) and "
                                        r"indicator 'discriminated' read it"):
        run(write_study(tmp_path, export, example=used))


def test_two_columns_for_one_question(tmp_path, example_form):
    path, form = example_form
    table = to_layout(canonical_example(form, n=30), form)
    table["comments"] = "x"            # also profile/.../comments: nothing reads it
    table["leave_reasons_other"] = "my cousin"   # Kobo's 'specify other' text
    export = write_csv(table, tmp_path / "twice.csv")
    checked = check(write_study(tmp_path, export, example=path))
    assert checked.errors == []
    assert set(rows_of(checked.quality, "duplicate_column")["column"]) == {
        "comments", "leave_reasons_other"}
    table["discriminated"] = "no"      # a second column for a question the catalogue reads
    export = write_csv(table, tmp_path / "twice.csv")
    with pytest.raises(SurveyDataError, match=r"twice\.csv: columns 'life_in_city/"
                                              r"discriminated' and 'discriminated' both hold "
                                              r"question 'discriminated', which indicator "
                                              r"'discriminated' read; delete or rename one"):
        run(write_study(tmp_path, export, example=path))


# -- the property test: random corruptions never give an internal error --------------------------

NA_TEXT = ("NA", "N/A", "n/a", "NULL", "null", "-", "None", "nan", "#N/A", " ", "NaN")
GARBAGE = (*PAYLOADS, "1e400", "-0", "٣٤", "½", "0x1F", "\x00", "a\nb", '"', "'", ";", ",",
           "\t", "é" * 3000, "🙂", "19.4 -99.1 0 0", "TRUE", "[1, 2]", "=1+1")


def _corrupt(table: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, list[str]]:
    """1-3 random corruptions; returns the table and the names of added columns."""
    added: list[str] = []
    table = table.copy()
    for _ in range(rng.integers(1, 4)):
        kind = rng.choice(["drop", "rename", "extra", "na", "garbage", "dup", "blank_rows",
                           "blank_column", "swap", "shuffle"])
        cols = list(table.columns)
        if kind == "drop" and len(cols) > 1:
            table = table.drop(columns=list(rng.choice(cols, rng.integers(1, min(8, len(cols))),
                                                       replace=False)))
        elif kind == "rename":
            pick = rng.choice(cols, min(3, len(cols)), replace=False)
            new = {c: f"{c}{rng.choice(['.1', ' ', '_x', '/', ''])}{rng.integers(9)}" for c in pick}
            table = table.rename(columns=new)
        elif kind == "extra":
            for name in ("notes", "audit_URL", f"extra_{rng.integers(1000)}"):
                if name not in table.columns:
                    table[name] = rng.choice(GARBAGE, len(table))
                    added.append(name)
        elif kind in ("na", "garbage"):
            pool = NA_TEXT if kind == "na" else GARBAGE
            for _ in range(rng.integers(1, 40)):
                r, c = rng.integers(len(table)), rng.integers(len(cols))
                table.iat[r, c] = pool[rng.integers(len(pool))]
        elif kind == "dup":
            table = pd.concat([table, table.iloc[rng.integers(len(table), size=3)]],
                              ignore_index=True)
        elif kind == "blank_rows":
            blank = pd.DataFrame([[""] * len(cols)] * 2, columns=cols)
            table = pd.concat([table, blank], ignore_index=True)
        elif kind == "blank_column":
            table[cols[rng.integers(len(cols))]] = ""
        elif kind == "swap":
            lat = [c for c in cols if "latitude" in c.lower()]
            lon = [c for c in cols if "longitude" in c.lower()]
            if lat and lon:
                table[[lat[0], lon[0]]] = table[[lon[0], lat[0]]].to_numpy()
        elif kind == "shuffle":
            table = table[list(rng.permutation(cols))]
    return table.reset_index(drop=True), added


def _base(seed: int, rng: np.random.Generator, example: tuple[Path, object]) -> tuple[
        pd.DataFrame, Path | None]:
    if seed % 3:
        return bundled_sample().iloc[:40], None
    path, form = example
    variant = [{}, dict(odk=True, geo="odk", groups="-"), dict(labels="es"),
               dict(groups=None, multi="split", split_sep=".")][seed // 3 % 4]
    return to_layout(canonical_example(form, n=40, seed=seed), form, **variant), path


@pytest.mark.parametrize("seed", range(36))
def test_random_corruptions_give_a_report_or_one_error_line(tmp_path, capsys, seed,
                                                            example_form):
    rng = np.random.default_rng(seed)
    table, example = _base(seed, rng, example_form)
    table, added = _corrupt(table, rng)
    special = seed % 12
    if special == 5:
        export = tmp_path / "export.csv"
        export.write_bytes(b"")                                   # empty file
    elif special == 7:
        export = write_csv(table.iloc[:0], tmp_path / "export.csv")  # header only
    elif special == 11:
        try:
            export = write_xlsx(table, tmp_path / "export.xlsx")
        except Exception:  # openpyxl refuses control characters: a CSV then
            export = write_csv(table, tmp_path / "export.csv")
    else:
        sep = [",", ";", "\t"][seed % 3]
        try:
            export = write_csv(table, tmp_path / "export.csv", sep=sep,
                               encoding="cp1252" if seed % 4 == 1 else "utf-8")
        except UnicodeEncodeError:
            export = write_csv(table, tmp_path / "export.csv", sep=sep)
    study = write_study(tmp_path, export, example=example)
    out = tmp_path / "quality.csv"
    code = main(["check", str(study), "-o", str(out)])
    captured = capsys.readouterr()
    assert "internal error" not in captured.err and "Traceback" not in captured.err
    assert code in (0, 2), captured.err
    if code == 2:
        lines = [line for line in captured.err.splitlines() if line.startswith("geo4mi: error:")]
        assert len(lines) == 1, captured.err
    if not out.exists():
        assert code == 2  # refused with one line: nothing half-written
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith("quality")] == []
        return
    report = pd.read_csv(out, dtype=str, keep_default_na=False)
    counts = report[(report["row"] == "") & (report["column"] == "")
                    & (report["area_id"] == "")].drop_duplicates("check").set_index("check")
    read = int(counts.loc["rows_read", "value"])
    assert read == int(counts.loc["rows_kept", "value"]) + int(counts.loc["rows_excluded",
                                                                          "value"])
    blank = (table.astype(str).apply(lambda c: c.str.strip()) == "").all(axis=1).to_numpy()
    trailing = len(blank) - len(np.trim_zeros(~blank, "b")) if export.suffix == ".xlsx" else 0
    assert read == len(table) - trailing  # every data row is accounted for
    for name in added:   # every column that is not in the form is listed
        assert name in set(report["column"]), name
