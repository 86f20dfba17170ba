"""The data-quality report accounts for every row read, and lists every exclusion with its
reason."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest_survey import canonical_example, to_layout, write_csv

from geo4mi.survey.exports import read_export
from geo4mi.survey.placement import place_respondents
from geo4mi.survey.quality import (
    REPORT_COLUMNS,
    apply_exclusions,
    format_report,
    quality_report,
    write_report,
)
from geo4mi.survey.xlsform import read_form, write_example_form

#: The bundled study's eligibility rules ([survey] exclude).
RULES = ("age < 18", "time_in_city in ('lt_3m', 'gt_5y')")


@pytest.fixture(scope="module")
def areas():
    from geo4mi.boundaries import load_areas

    return load_areas()


@pytest.fixture(scope="module")
def form(tmp_path_factory):
    return read_form(write_example_form(tmp_path_factory.mktemp("form") / "form.xlsx"))


@pytest.fixture(scope="module")
def checked(tmp_path_factory, form, areas):
    """An export with duplicates, out-of-universe rows, bad names and unknown choices."""
    canon = canonical_example(form, n=30)
    table = to_layout(canon, form)
    table.loc[3, "_uuid"] = table.loc[2, "_uuid"]         # duplicate of row 3
    table.loc[5, "profile/age"] = "16"                    # under age
    table.loc[6, "profile/time_in_city"] = "lt_3m"        # too recent
    table.loc[7, "profile/time_in_city"] = "gt_5y"        # too long ago
    table.loc[8, "profile/borough"] = "Narnia"            # not a choice: unknown_choice
    table.loc[8, ["gps", "_gps_latitude", "_gps_longitude"]] = ""
    table.loc[9, "profile/gender"] = "martian"            # unknown choice
    table.loc[10, "profile/borough"] = "cuauhtemoc"       # declared vs GPS far away
    table.loc[10, ["_gps_latitude", "_gps_longitude"]] = ["19.36", "-99.07"]  # Iztapalapa
    path = write_csv(table, tmp_path_factory.mktemp("export") / "export.csv")
    raw, issues = read_export(path, form)
    placed = place_respondents(raw, areas, form=form)
    kept, excluded = apply_exclusions(placed, exclude=RULES)
    report = quality_report(placed, kept, excluded, issues, areas=areas, source=path,
                            exclude=RULES)
    return placed, kept, excluded, report


def count(report, check, area_id=None):
    rows = report[(report["check"] == check) & report["row"].isna()]
    if area_id is not None:
        rows = rows[rows["area_id"] == area_id]
    return int(rows["value"].iloc[0])


def test_every_row_is_kept_or_excluded(checked):
    placed, kept, excluded, report = checked
    assert len(kept) + len(excluded) == len(placed) == 30
    assert count(report, "rows_read") == 30
    assert count(report, "rows_kept") + count(report, "rows_excluded") == 30
    assert sorted([*kept["_row"], *excluded["_row"]]) == list(range(1, 31))


def test_every_excluded_row_is_listed_with_its_reason(checked):
    _, _, excluded, report = checked
    listed = report[report["check"].isin(["duplicate", "exclude"]) & report["row"].notna()]
    assert sorted(listed["row"].tolist()) == sorted(excluded["_row"].tolist()) == [4, 6, 7, 8]
    by_row = dict(zip(listed["row"], listed["check"], strict=True))
    assert by_row == {4: "duplicate", 6: "exclude", 7: "exclude", 8: "exclude"}
    rules = dict(zip(listed["row"], listed["reason"], strict=True))
    assert rules[6] == ("excluded by the rule 'age < 18' ([survey] exclude): outside the "
                        "survey universe")
    assert RULES[1] in rules[7] and RULES[1] in rules[8]
    assert dict(zip(listed["row"], listed["column"], strict=True))[6] == "age"
    dup = listed[listed["check"] == "duplicate"].iloc[0]
    assert dup["reason"].startswith("same _uuid 'uuid-0002' as row 3, which is kept; answers "
                                    "differ in ")
    assert listed["reason"].notna().all()


def test_flags_unknown_choices_and_disagreements(checked):
    _, _kept, _, report = checked
    flagged = report[report["row"].notna()]
    assert ((flagged["check"] == "unknown_choice") & (flagged["row"] == 9)
            & (flagged["value"] == "Narnia")).any()
    assert ((flagged["check"] == "unknown_choice") & (flagged["row"] == 10)
            & (flagged["column"] == "profile/gender")).any()
    assert ((flagged["check"] == "unassigned") & (flagged["row"] == 9)).any()
    gps = flagged[(flagged["check"] == "gps_disagrees") & (flagged["row"] == 11)]
    assert "declared 'Cuauhtémoc' but the GPS point is in 'Iztapalapa'" in gps["reason"].iloc[0]


def test_placement_counts_per_borough_and_method(checked, areas):
    _, kept, _, report = checked
    placed = report[report["check"].str.startswith("placement_")]
    assert set(placed.loc[placed["area_id"].notna(), "area_id"]) == set(areas["area_id"])
    total = placed["value"].astype(int).sum()
    assert total == len(kept)
    assert count(report, "placement_declared", "09015") == int(
        ((kept["area_id"] == "09015") & (kept["placement"] == "declared")).sum())


def test_report_shape_text_and_csv(checked, tmp_path):
    _, _, _, report = checked
    assert list(report.columns) == REPORT_COLUMNS
    text = format_report(report)
    assert "rows read / filas leídas: 30; kept / analizadas: 26; excluded / excluidas: 4" in text
    assert "  exclude: 1 (rows excluded by the rule 'age < 18' ([survey] exclude))" in text
    assert "exclude (3):" in text
    out = write_report(report, tmp_path / "quality.csv")
    first = out.read_bytes()
    write_report(report, out)
    assert out.read_bytes() == first
    again = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(again) == len(report)
    assert [p.name for p in tmp_path.iterdir()] == ["quality.csv"]


def test_duplicates_by_odk_key_and_inputs_untouched():
    placed = pd.DataFrame({"KEY": ["uuid:1", "uuid:2", "uuid:1", None, None],
                           "age": pd.array([20, 30, 20, 40, None], dtype="Int64"),
                           "_row": [1, 2, 3, 4, 5]})
    before = placed.copy()
    kept, excluded = apply_exclusions(placed)
    assert kept["_row"].tolist() == [1, 2, 4, 5]  # missing KEY / age: not excluded
    assert excluded["exclusion_reason"].tolist() == [
        "same KEY 'uuid:1' as row 1, which is kept; identical answers"]
    pd.testing.assert_frame_equal(placed, before)


def test_no_rule_no_exclusion_and_unknown_answers_do_not_exclude(caplog):
    """The library excludes nobody by itself; a missing answer is no reason; a rule on an
    absent column is skipped with a warning."""
    placed = pd.DataFrame({"age": pd.array([15, None, 40], dtype="Int64"), "_row": [1, 2, 3]})
    assert len(apply_exclusions(placed)[0]) == 3
    kept, excluded = apply_exclusions(placed, exclude=["age < 18", "months < 3"])
    assert kept["_row"].tolist() == [2, 3]
    assert excluded["exclusion_rule"].tolist() == ["age < 18"]
    assert "exclusion rule 'months < 3' skipped: months is not a column" in caplog.text


def test_mismatched_inputs_are_refused():
    placed = pd.DataFrame({"_row": [1, 2]})
    kept, excluded = apply_exclusions(placed)
    with pytest.raises(ValueError, match=r"kept \(2\) \+ excluded \(0\) != respondents \(1\)"):
        quality_report(placed.iloc[:1], kept, excluded)
