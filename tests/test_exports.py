"""Reading exports: every layout gives the same canonical respondents; bad files, one clear
error."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest_survey import canonical_example, to_layout, write_csv, write_xlsx

from geo4mi.errors import Geo4miError, InputFileError, SurveyDataError
from geo4mi.survey.exports import _map_headers, read_export
from geo4mi.survey.xlsform import read_form, write_example_form

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample_kobo.csv"
QUESTIONNAIRE = REPO / "data" / "questionnaire.xlsx"


@pytest.fixture(scope="module")
def form(tmp_path_factory):
    return read_form(write_example_form(tmp_path_factory.mktemp("form") / "form.xlsx"))


@pytest.fixture(scope="module")
def canon(form):
    return canonical_example(form)


def form_columns(frame: pd.DataFrame) -> pd.DataFrame:
    meta = ("KEY", "instanceID")
    return frame[[c for c in frame.columns
                  if (not c.startswith("_") or c == "_row") and c not in meta]]


# -- every layout --------------------------------------------------------------------------

LAYOUTS = {
    "kobo_groups_comma_utf8": (dict(groups="/"), dict(sep=",")),
    "kobo_nogroups_semicolon_bom": (dict(groups=None), dict(sep=";", bom=True)),
    "kobo_cp1252_semicolon_decimal_comma": (dict(groups="/", decimal_comma=True),
                                            dict(sep=";", encoding="cp1252")),
    "kobo_latin1": (dict(groups="/"), dict(sep=",", encoding="latin-1")),
    "excel_windows_crlf_cp1252": (dict(groups=None, decimal_comma=True),
                                  dict(sep=";", encoding="cp1252", crlf=True)),
    "kobo_summary_only_raw_geopoint": (dict(multi="summary", geo="raw"), dict(sep=",")),
    "kobo_split_only_slash": (dict(multi="split", split_sep="/"), dict(sep=",")),
    "r_split_only_dot": (dict(multi="split", split_sep=".", groups=None), dict(sep=",")),
    "r_split_only_underscore": (dict(multi="split", split_sep="_", groups=None), dict(sep=",")),
    "odk_central": (dict(groups="-", geo="odk", odk=True), dict(sep=",")),
    "odk_central_split_only": (dict(groups="-", geo="odk", odk=True, multi="split"),
                               dict(sep=",")),
    "labels_spanish": (dict(labels="es"), dict(sep=";", encoding="cp1252")),
    "labels_english": (dict(labels="en", multi="split"), dict(sep=",")),
    "labels_spanish_summary_only": (dict(labels="es", multi="summary"), dict(sep=",")),
    "tab_separated": (dict(groups="/"), dict(sep="\t")),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_csv_layout_reads_to_the_canonical_frame(tmp_path, form, canon, layout):
    table_kw, file_kw = LAYOUTS[layout]
    path = write_csv(to_layout(canon, form, **table_kw), tmp_path / f"{layout}.csv", **file_kw)
    respondents, issues = read_export(path, form)
    pd.testing.assert_frame_equal(form_columns(respondents), form_columns(canon))
    assert issues[~issues["kind"].isin(["unknown_column", "encoding"])].empty, issues.to_string()
    # a file that is not UTF-8 is read as cp1252, and says so once, with where it noticed
    assert (issues["kind"] == "encoding").sum() == (file_kw.get("encoding", "utf-8") != "utf-8")


@pytest.mark.parametrize("sheet", [None, "datos"])
def test_xlsx_first_or_named_sheet(tmp_path, form, canon, sheet):
    table = to_layout(canon, form)
    path = write_xlsx(table, tmp_path / "export.xlsx", sheet="datos",
                      first_sheet="notas" if sheet else None)
    respondents, _issues = read_export(path, form, sheet=sheet)
    pd.testing.assert_frame_equal(form_columns(respondents), form_columns(canon))
    assert respondents["_uuid"].tolist() == canon["_uuid"].tolist()


def test_xlsx_missing_sheet_names_the_sheets(tmp_path, form, canon):
    path = write_xlsx(to_layout(canon, form), tmp_path / "export.xlsx", sheet="datos")
    with pytest.raises(InputFileError, match=r"no sheet 'hoja2' \(sheets: datos\)"):
        read_export(path, form, sheet="hoja2")


def test_odk_zero_filled_splits_are_unanswered_where_summary_empty(tmp_path, form, canon):
    table = to_layout(canon, form, groups="-", geo="odk", odk=True)
    unasked = canon["leave_reasons"].isna().to_numpy()
    assert (table.loc[unasked, "profile-leave_reasons/economic"] == "0").all()
    respondents, _ = read_export(write_csv(table, tmp_path / "odk.csv"), form)
    assert respondents.loc[unasked, "leave_reasons/economic"].isna().all()
    assert respondents["KEY"].str.startswith("uuid:").all()


def test_encoding_can_be_given(tmp_path, form, canon):
    path = write_csv(to_layout(canon, form), tmp_path / "latin.csv", encoding="cp1252")
    respondents, _ = read_export(path, form, encoding="cp1252")
    assert respondents.loc[2, "comments"] == "Niño de año y medio, señora Peña"


# -- values that do not fit the form ---------------------------------------------------------

def test_unknown_choices_are_reported_and_set_to_missing(tmp_path, form, canon):
    table = to_layout(canon, form)
    table.loc[4, "profile/gender"] = "martian"
    table.loc[6, "profile/leave_reasons"] = "economic boredom"
    table.loc[7, "profile/age"] = "treinta"
    table.loc[8, "profile/age"] = "30.5"
    respondents, issues = read_export(write_csv(table, tmp_path / "bad.csv"), form)
    assert pd.isna(respondents.loc[4, "gender"])
    assert pd.isna(respondents.loc[7, "age"]) and pd.isna(respondents.loc[8, "age"])
    got = issues[["kind", "row", "column", "value"]].astype(object).values.tolist()
    assert ["unknown_choice", 5, "profile/gender", "martian"] in got
    assert ["unknown_choice", 7, "profile/leave_reasons", "boredom"] in got
    assert ["bad_number", 8, "profile/age", "treinta"] in got
    assert ["bad_number", 9, "profile/age", "30.5"] in got
    # the known choice of the same cell survives: the split columns say economic is selected
    assert respondents.loc[6, "leave_reasons/economic"] == canon.loc[6, "leave_reasons/economic"]


def test_missing_question_column_is_reported_not_fatal(tmp_path, form, canon):
    table = to_layout(canon, form).drop(columns=["life_in_city/income"])
    respondents, issues = read_export(write_csv(table, tmp_path / "x.csv"), form)
    assert respondents["income"].isna().all()
    assert "income" in respondents.attrs["absent_questions"]
    assert ((issues["kind"] == "missing_column") & (issues["column"] == "income")).any()


def test_unknown_columns_are_reported(tmp_path, form, canon):
    table = to_layout(canon, form).assign(mystery="1")
    _, issues = read_export(write_csv(table, tmp_path / "x.csv"), form)
    assert issues.loc[issues["kind"] == "unknown_column", "column"].tolist() == ["mystery"]


# -- malformed files -------------------------------------------------------------------------

@pytest.fixture
def good_csv(tmp_path, form, canon):
    return write_csv(to_layout(canon, form), tmp_path / "good.csv")


def test_truncated_csv(good_csv, form):
    data = good_csv.read_bytes()
    good_csv.write_bytes(data[: len(data) - 60])
    with pytest.raises(InputFileError, match=r"good\.csv: row 40 \(the last\).*truncated"):
        read_export(good_csv, form)


def test_truncated_inside_quotes(tmp_path, form):
    path = tmp_path / "cut.csv"
    path.write_text('profile/borough,life_in_city/comments\ncoyoacan,"ok"\ncoyoacan,"sin fin\n')
    with pytest.raises(InputFileError, match=r"cut\.csv: line \d+: a quoted value never ends"):
        read_export(path, form)


def test_wrong_delimiter(tmp_path, form, canon):
    path = tmp_path / "pipes.csv"
    path.write_text(to_layout(canon, form).to_csv(sep="|", index=False))
    with pytest.raises(SurveyDataError, match=r"pipes\.csv: row 1: the header has a single "
                                              r"column .*comma, semicolon or tab"):
        read_export(path, form)


def test_missing_required_column(tmp_path, form, canon):
    table = to_layout(canon, form).drop(columns=["profile/borough"])
    path = write_csv(table, tmp_path / "noborough.csv")
    with pytest.raises(SurveyDataError, match=r"noborough\.csv: row 1: no column for the "
                                              r"required question 'borough'"):
        read_export(path, form, required=["borough"])


def test_duplicated_header_is_reported_and_the_first_kept(tmp_path, form):
    path = tmp_path / "dup.csv"
    path.write_text("profile/borough,profile/age,profile/age\ncoyoacan,30,31\n")
    respondents, issues = read_export(path, form)
    assert respondents["age"].tolist() == [30]
    dup = issues[issues["kind"] == "duplicate_column"]
    assert dup[["column", "value"]].to_numpy().tolist() == [["profile/age (column 3)", "age"]]
    assert dup["reason"].iloc[0] == ("holds 'age' like column 'profile/age', which is read; "
                                     "this one is ignored")


def test_same_question_twice_under_different_headers(tmp_path, form):
    """The first column is read and the second reported (the pipeline refuses it when the
    catalogue uses the question); a Kobo 'specify other' text never displaces q/other."""
    path = tmp_path / "dup2.csv"
    path.write_text("profile/age,age,leave_reasons_other,leave_reasons/other\n"
                    "30,31,my cousin,1\n")
    raw, issues = read_export(path, form)
    assert raw["age"].tolist() == [30]
    assert raw["leave_reasons/other"].tolist() == [True]
    dup = issues[issues["kind"] == "duplicate_column"]
    assert dup[["column", "value"]].to_numpy().tolist() == [["age", "age"],
                                                            ["leave_reasons_other",
                                                             "leave_reasons"]]
    assert dup["reason"].iloc[0] == ("holds 'age' like column 'profile/age', which is read; "
                                     "this one is ignored")
    assert dup["reason"].iloc[1] == ("holds 'leave_reasons / other' like column "
                                     "'leave_reasons/other', which is read; this one is ignored")
    used, unknown, ignored = _map_headers(form, ["age", "profile/age"], ["age", "profile/age"],
                                          layout="auto", source=path)
    assert [used[t] for t in used] == ["age"] and unknown == []
    assert [(h, kept, t.question) for h, kept, t in ignored] == [("profile/age", "age", "age")]


def test_keep_extra_columns_as_text(tmp_path, form):
    path = tmp_path / "extra.csv"
    path.write_text("profile/borough,X_uuid,alcaldia_limpia,notes\n"
                    "coyoacan,abc, Benito Juárez ,x\ncoyoacan,abc,,y\n")
    raw, issues = read_export(path, form, keep=["X_uuid", "alcaldia_limpia", "absent"])
    assert raw["X_uuid"].tolist() == ["abc", "abc"]
    assert raw["alcaldia_limpia"].tolist() == ["Benito Juárez", pd.NA]
    assert raw.attrs["columns"]["borough"] == "profile/borough"
    assert issues.loc[issues["kind"] == "unknown_column", "column"].tolist() == ["notes"]
    # without keep=, R's X_uuid and X_id are understood as the submission's _uuid and _id
    path.write_text("profile/borough,X_uuid,X_id\ncoyoacan,abc,7\n")
    raw, _ = read_export(path, form)
    assert raw["_uuid"].tolist() == ["abc"] and raw["_id"].tolist() == [7]
    assert "X_uuid" not in raw.columns and "X_id" not in raw.columns
    raw, _ = read_export(path, form, keep=["X_id"])
    assert raw["X_id"].tolist() == ["7"] and "_id" not in raw.columns


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_carriage_return_inside_a_cell_is_text_not_a_row_end(tmp_path, form, newline):
    """An unquoted lone \r in an answer (a line break typed on an old Mac) neither ends
    the row nor makes the separator undetectable."""
    path = tmp_path / "cr.csv"
    path.write_bytes(newline.join(["profile/borough,profile/age,comments",
                                   "coyoacan,30,line one\rline two", "coyoacan,31,ok",
                                   ""]).encode())
    raw, _issues = read_export(path, form)
    assert raw["comments"].tolist() == ["line one\rline two", "ok"]
    assert raw["age"].tolist() == [30, 31] and raw["_row"].tolist() == [1, 2]
    path.write_bytes(b"profile/borough,profile/age\rcoyoacan,30\rcoyoacan,31\r")  # \r ends rows
    assert read_export(path, form)[0]["age"].tolist() == [30, 31]


@pytest.mark.parametrize("content", [b"", b"  \n\n"])
def test_empty_file(tmp_path, form, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=r"empty\.csv: the file is empty"):
        read_export(path, form)


def test_header_without_rows(tmp_path, form):
    path = tmp_path / "head.csv"
    path.write_text("profile/borough,profile/age\n")
    with pytest.raises(InputFileError, match=r"head\.csv: has a header but no data rows"):
        read_export(path, form)


def test_non_utf8_text_with_utf8_encoding(tmp_path, form, canon):
    path = write_csv(to_layout(canon, form), tmp_path / "cp.csv", encoding="cp1252")
    with pytest.raises(InputFileError, match=r"cp\.csv: line \d+: text cannot be decoded as "
                                             r"utf-8 .*--encoding cp1252"):
        read_export(path, form, encoding="utf-8")


def test_binary_and_old_excel_files(tmp_path, form):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\x00\x01\x02garbage\x00")
    with pytest.raises(InputFileError, match=r"bin\.csv: contains binary data"):
        read_export(path, form)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(InputFileError, match=r"old\.xls: cannot read the workbook"):
        read_export(old, form)


def test_missing_file_and_bad_options(tmp_path, form, good_csv):
    with pytest.raises(InputFileError, match=r"nope\.csv: survey export not found"):
        read_export(tmp_path / "nope.csv", form)
    with pytest.raises(SurveyDataError, match=r"layout 'wide' is unknown; use one of auto, "
                                              r"names, labels"):
        read_export(good_csv, form, layout="wide")
    with pytest.raises(SurveyDataError, match=r"encoding 'klingon' is unknown"):
        read_export(good_csv, form, encoding="klingon")


def test_export_from_another_form(tmp_path, form):
    path = tmp_path / "other.csv"
    path.write_text("foo,bar\n1,2\n")
    with pytest.raises(SurveyDataError, match=r"no column matches a question of the form"):
        read_export(path, form)


def test_names_layout_refuses_labels(tmp_path, form, canon):
    path = write_csv(to_layout(canon, form, labels="es"), tmp_path / "labels.csv")
    with pytest.raises(SurveyDataError, match=r"no column matches a question"):
        read_export(path, form, layout="names")


def test_errors_are_one_line(tmp_path, form):
    path = tmp_path / "dup.csv"
    path.write_text("a,a\n1,2\n")
    with pytest.raises(Geo4miError) as info:
        read_export(path, form)
    assert "\n" not in str(info.value)


def test_input_files_are_never_modified(tmp_path, form, canon):
    paths = [write_csv(to_layout(canon, form), tmp_path / "a.csv", encoding="cp1252", sep=";"),
             write_xlsx(to_layout(canon, form), tmp_path / "b.xlsx")]
    before = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
              for p in paths}
    for p in paths:
        read_export(p, form)
    assert {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in paths} == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.csv", "b.xlsx"]


# -- the bundled questionnaire and synthetic sample --------------------------------------------

needs_sample = pytest.mark.skipif(not (SAMPLE.exists() and QUESTIONNAIRE.exists()),
                                  reason="data/sample_kobo.csv not generated yet")


@pytest.fixture(scope="module")
def sample():
    form = read_form(QUESTIONNAIRE)
    respondents, issues = read_export(SAMPLE, form)
    return form, respondents, issues


@needs_sample
def test_sample_reads_without_problems(sample):
    _form, respondents, issues = sample
    assert len(respondents) == 301
    assert issues[issues["kind"].isin(["unknown_choice", "bad_number", "bad_value",
                                       "bad_geopoint"])].empty, issues.head().to_string()
    assert respondents["borough"].notna().all()


@needs_sample
@pytest.mark.parametrize("layout", ["kobo_nogroups_semicolon_bom", "odk_central",
                                    "labels_spanish", "labels_english",
                                    "kobo_split_only_slash", "r_split_only_dot",
                                    "kobo_summary_only_raw_geopoint"])
def test_sample_in_every_layout(tmp_path, sample, layout):
    form, canon, _ = sample
    table_kw, file_kw = LAYOUTS[layout]
    path = write_csv(to_layout(canon, form, **table_kw), tmp_path / f"{layout}.csv", **file_kw)
    respondents, _issues = read_export(path, form)
    pd.testing.assert_frame_equal(form_columns(respondents), form_columns(canon))


@needs_sample
def test_every_layout_gives_identical_indicator_tables(tmp_path, sample):
    """Read the sample from several layouts, place, exclude and estimate: same tables."""
    from geo4mi.boundaries import load_areas
    from geo4mi.indicators.catalogue import add_derived, bundled_catalogue_path, load_catalogue
    from geo4mi.indicators.estimate import estimate
    from geo4mi.survey.placement import place_respondents
    from geo4mi.survey.quality import apply_exclusions

    form, canon, _ = sample
    areas = load_areas()
    catalogue = load_catalogue(bundled_catalogue_path(), form=form)
    groups = ["nationality_group", "gender", "age_group", "time_in_city"]

    def tables(path):
        raw, _ = read_export(path, form)
        placed = place_respondents(raw, areas, form=form)
        kept, _ = apply_exclusions(placed)
        return estimate(add_derived(kept, catalogue), catalogue,
                        area_ids=areas["area_id"].tolist(), groups=groups, min_n=10)

    reference = tables(SAMPLE)
    assert (reference["status"] == "ok").any()
    for layout in ("odk_central", "labels_english", "kobo_cp1252_semicolon_decimal_comma",
                   "r_split_only_underscore"):
        table_kw, file_kw = LAYOUTS[layout]
        path = write_csv(to_layout(canon, form, **table_kw), tmp_path / f"{layout}.csv",
                         **file_kw)
        pd.testing.assert_frame_equal(tables(path), reference, obj=layout)
    xlsx = write_xlsx(to_layout(canon, form, groups=None), tmp_path / "sample.xlsx")
    pd.testing.assert_frame_equal(tables(xlsx), reference, obj="xlsx")


def test_labels_with_group_label_paths(tmp_path, form, canon):
    """Kobo labels exports can prefix group labels: 'Perfil/Motivos para salir/Económicos'."""
    table = to_layout(canon, form, labels="es")
    group_label = {"profile": "Perfil", "life_in_city": "Vida en la ciudad"}
    q = form.questions.set_index("label::es")
    renamed = {}
    for h in table.columns:
        base = h.split("/")[0]
        if base in q.index and q.loc[base, "group"]:
            renamed[h] = f"{group_label[q.loc[base, 'group']]}/{h}"
    table = table.rename(columns=renamed)
    assert "Perfil/Motivos para salir/Económicos" in table.columns
    respondents, _issues = read_export(write_csv(table, tmp_path / "grp.csv"), form)
    pd.testing.assert_frame_equal(form_columns(respondents), form_columns(canon))


# -- real-world layouts (issue 12) and encodings / numbers (issue 10) --------------------------

def test_labels_export_with_repeated_label_headers(tmp_path):
    """Two questions share a label: the columns map to them in form order."""
    from test_xlsform import make_form

    survey = [("type", "name", "label"),
              ("select_one yn", "water", "Water problem?"),
              ("text", "water_other", "If other, please specify"),
              ("select_one yn", "food", "Food problem?"),
              ("text", "food_other", "If other, please specify")]
    choices = [("list_name", "name", "label"), ("yn", "yes", "Yes"), ("yn", "no", "No")]
    form = read_form(make_form(tmp_path / "f.xlsx", survey, choices))
    path = tmp_path / "labels.csv"
    path.write_text("Water problem?,If other, please specify,Food problem?,"
                    "If other, please specify\nYes,leaks,No,\nNo,,Yes,prices\n".replace(
                        "If other, please specify", '"If other, please specify"'))
    respondents, issues = read_export(path, form)
    assert respondents["water_other"].tolist() == ["leaks", pd.NA]
    assert respondents["food_other"].tolist() == [pd.NA, "prices"]
    assert respondents["food"].tolist() == ["no", "yes"]
    assert issues.empty, issues.to_string()


def test_r_write_csv_export(tmp_path, form, canon):
    """R's write.csv: X_ prefixes, dotted group paths and choices, a BOM read into the first
    header (X.U.FEFF.), NA for missing, TRUE/FALSE split cells."""
    table = to_layout(canon, form, groups=".", multi="both", split_sep=".")
    table = table.replace("", "NA")
    table.columns = [("X" + c if c.startswith("_") else c) for c in table.columns]
    for c in table.columns:
        if c.startswith("profile.leave_reasons."):
            table[c] = table[c].map({"1": "TRUE", "0": "FALSE", "NA": "NA"})
    table.insert(0, "X.U.FEFF.start", "2021-06-01")
    respondents, issues = read_export(write_csv(table, tmp_path / "r.csv"), form)
    pd.testing.assert_frame_equal(form_columns(respondents), form_columns(canon))
    assert respondents["_uuid"].tolist() == canon["_uuid"].tolist()
    assert issues.empty, issues.to_string()


def test_na_text_that_is_a_choice_stays_a_choice(tmp_path):
    from test_xlsform import make_form

    survey = [("type", "name"), ("select_one ans", "q"), ("integer", "n"), ("text", "t")]
    choices = [("list_name", "name", "label"), ("ans", "yes", "Yes"), ("ans", "NA", "N/A")]
    form = read_form(make_form(tmp_path / "f.xlsx", survey, choices))
    path = tmp_path / "na.csv"
    path.write_text("q,n,t\nNA,NA,NA\n#N/A,#N/A,N/A\nyes,3,ok\n")
    respondents, issues = read_export(path, form)
    assert respondents["q"].tolist() == ["NA", pd.NA, "yes"]
    assert respondents["n"].tolist() == [pd.NA, pd.NA, 3]
    assert respondents["t"].tolist() == [pd.NA, pd.NA, "ok"]
    assert issues.empty, issues.to_string()


def test_split_other_and_the_or_other_text_column(tmp_path):
    """'q_other' (what was specified) and 'q.other' (the choice) do not collide."""
    from test_xlsform import make_form

    survey = [("type", "name"), ("select_multiple fruit or_other", "q")]
    choices = [("list_name", "name"), ("fruit", "apple"), ("fruit", "pear")]
    form = read_form(make_form(tmp_path / "f.xlsx", survey, choices))
    assert form.choices_of("q") == ["apple", "pear", "other"]
    path = tmp_path / "o.csv"
    path.write_text("q,q.apple,q.pear,q.other,q_other\napple other,1,0,1,mango\npear,0,1,0,\n")
    respondents, issues = read_export(path, form)
    assert respondents["q/other"].tolist() == [True, False]
    assert respondents["q_other"].tolist() == ["mango", pd.NA]
    assert issues.empty, issues.to_string()


def test_split_column_twice_keeps_the_unambiguous_one(tmp_path):
    from test_xlsform import make_form

    survey = [("type", "name"), ("select_multiple fruit", "q")]
    choices = [("list_name", "name"), ("fruit", "apple"), ("fruit", "other")]
    form = read_form(make_form(tmp_path / "f.xlsx", survey, choices))
    path = tmp_path / "o.csv"
    path.write_text("q,q_other,q/apple,q/other\napple,lychee,1,0\n")
    respondents, issues = read_export(path, form)
    assert respondents["q/other"].tolist() == [False]
    assert issues[["kind", "column"]].values.tolist() == [["duplicate_column", "q_other"]]


def test_odk_central_csv_zip_reads_the_main_table(tmp_path, form, canon):
    import zipfile

    table = to_layout(canon, form, groups="-", geo="odk", odk=True)
    path = tmp_path / "survey.csv.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("survey-members.csv", "PARENT_KEY,age\nuuid:x,3\n")
        z.writestr("survey.csv", table.to_csv(index=False))
        z.writestr("media/photo.jpg", b"\xff\xd8")
    respondents, issues = read_export(path, form)
    pd.testing.assert_frame_equal(form_columns(respondents), form_columns(canon))
    ignored = issues[issues["kind"] == "ignored_table"]
    assert ignored[["column", "value"]].values.tolist() == [["survey-members.csv", "survey.csv"]]


def test_zip_without_csv(tmp_path, form):
    import zipfile

    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(InputFileError, match=r"x\.zip: a zip without a CSV table"):
        read_export(path, form)


XLS_EXPORT = REPO / "tests" / "data" / "xls" / "export.xls"


def test_xls_export(form, canon):
    """An old-format .xls export (written with xlwt; see tests/data/xls/README.md)."""
    respondents, issues = read_export(XLS_EXPORT, form)
    pd.testing.assert_frame_equal(form_columns(respondents), form_columns(canon))
    assert issues[~issues["kind"].isin(["unknown_column"])].empty, issues.to_string()


def test_utf8_file_with_a_few_cp1252_bytes(tmp_path, form, canon):
    """One stray byte no longer switches the whole file: the cell is read as cp1252 and
    reported with its row and column; every other UTF-8 name survives."""
    table = to_layout(canon, form)
    table.loc[0, "profile/borough"] = "Coyoacán"
    table.loc[1, "profile/borough"] = "Coyoacán"
    data = table.to_csv(index=False).encode("utf-8")
    data = data.replace("Coyoacán".encode(), "Coyoacán".encode("cp1252"), 1)  # row 1 only
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    respondents, issues = read_export(path, form)
    assert respondents.loc[:1, "borough"].tolist() == ["coyoacan", "coyoacan"]
    assert respondents.loc[2, "comments"] == "Niño de año y medio, señora Peña"
    bad = issues[issues["kind"] == "bad_encoding"]
    assert bad[["row", "column", "value"]].astype(object).values.tolist() == \
        [[1, "profile/borough", "Coyoacán"]]
    assert "0xE1" in bad["reason"].iloc[0]
    assert not (issues["kind"] == "encoding").any()


def test_cp1252_file_reports_the_first_cell(tmp_path, form, canon):
    path = write_csv(to_layout(canon, form), tmp_path / "cp.csv", encoding="cp1252")
    respondents, issues = read_export(path, form)
    enc = issues[issues["kind"] == "encoding"]
    assert enc[["row", "column"]].astype(object).values.tolist() == [[2, "life_in_city/comments"]]
    assert "read as cp1252" in enc["reason"].iloc[0]
    assert respondents.loc[2, "comments"] == "Niño de año y medio, señora Peña"


@pytest.mark.parametrize("text", ["1e308", "inf", "-Infinity", "9.3e18", "1e400"])
def test_absurd_numbers_are_reported_not_wrapped(tmp_path, form, text):
    path = tmp_path / "n.csv"
    path.write_text(f"profile/borough,profile/age,life_in_city/income\ncoyoacan,{text},{text}\n"
                    "coyoacan,30,5\n")
    respondents, issues = read_export(path, form)
    assert respondents["age"].tolist() == [pd.NA, 30]
    bad = issues[issues["kind"] == "bad_number"]
    rows = bad[["row", "column", "value"]].astype(object).values.tolist()
    assert [1, "profile/age", text] in rows
    if text in ("inf", "-Infinity", "1e400"):
        assert pd.isna(respondents.loc[0, "income"])
        assert (bad["column"] == "life_in_city/income").any()


def test_constraint_breaks_are_reported_and_kept(tmp_path):
    from test_xlsform import make_form

    survey = [("type", "name", "constraint"), ("integer", "age", ". >= 18 and . <= 100"),
              ("decimal", "x", "regex(., '^[0-9]$')")]
    form = read_form(make_form(tmp_path / "f.xlsx", survey))
    path = tmp_path / "c.csv"
    path.write_text("age,x\n17,1\n30,2\n250,3\n")
    respondents, issues = read_export(path, form)
    assert respondents["age"].tolist() == [17, 30, 250]
    assert issues[["kind", "row", "value"]].astype(object).values.tolist() == \
        [["constraint", 1, "17"], ["constraint", 3, "250"]]


# -- big files: only the head and the tail are decoded ---------------------------------------

def _read_or_error(path, form):
    try:
        return read_export(path, form)
    except Geo4miError as exc:
        return str(exc)


def test_big_utf8_files_read_as_small_ones(tmp_path, form, canon, monkeypatch):
    """A valid UTF-8 file beyond ``_HEAD_BYTES`` is checked, not held decoded: the head
    gives header and separator, the bytes tell a lone \r, the tail the last row. Shrinking
    the threshold to 64 bytes sends these small files through that path: same results and
    errors as read whole."""
    from geo4mi.survey import exports

    accents = canon.copy()
    accents.loc[0, "comments"] = "añoranza, café"  # text beyond ASCII (and a separator)
    cut = tmp_path / "cut.csv"
    data = write_csv(to_layout(canon, form), tmp_path / "whole.csv").read_bytes()
    cut.write_bytes(data[: len(data) - 60])
    cr = tmp_path / "cr.csv"
    cr.write_bytes(b"profile/borough,profile/age,comments\ncoyoacan,30,one\rtwo\ncoyoacan,31,ok\n")
    paths = [write_csv(to_layout(accents, form), tmp_path / "accents.csv"),
             write_csv(to_layout(canon, form), tmp_path / "semicolons.csv", sep=";"),
             write_csv(to_layout(canon, form), tmp_path / "cp.csv", encoding="cp1252"),
             cut, cr]
    whole = [_read_or_error(p, form) for p in paths]
    monkeypatch.setattr(exports, "_HEAD_BYTES", 64)
    for path, expected in zip(paths, whole, strict=True):
        got = _read_or_error(path, form)
        if isinstance(expected, str):
            assert got == expected and "truncated" in got, path.name
        else:
            pd.testing.assert_frame_equal(got[0], expected[0])
            pd.testing.assert_frame_equal(got[1], expected[1])
    assert whole[-1][0]["comments"].tolist() == ["one\rtwo", "ok"]


def test_long_text_columns_missing_text_and_spaces(tmp_path):
    """Past the first rows the reader chooses how to look at a text column (by its
    distinct values, or cell by cell when they are mostly distinct): either way ``NA`` and
    blank cells are missing and the rest is stripped."""
    from test_xlsform import make_form

    survey = [("type", "name"), ("select_one ans", "q"), ("text", "t"), ("text", "u"),
              ("geopoint", "gps")]
    choices = [("list_name", "name", "label"), ("ans", "yes", "Yes"), ("ans", "NA", "N/A")]
    form = read_form(make_form(tmp_path / "f.xlsx", survey, choices))
    n = 6000
    t = [" ok ", "NA", "", "  ", "#N/A", "fine"]
    rows = ["q,t,u,gps"] + [
        f"{'NA' if i % 3 else 'yes'},{t[i % len(t)]},{'N/A' if i % 7 == 0 else f' id{i} '},"
        f"{'NA' if i % 5 == 0 else f'19.{i % 100:02d} -99.1 2240 5'}" for i in range(n)]
    path = tmp_path / "long.csv"
    path.write_text("\n".join(rows) + "\n")
    respondents, issues = read_export(path, form)
    assert respondents["q"].tolist() == ["NA" if i % 3 else "yes" for i in range(n)]
    clean = {" ok ": "ok", "fine": "fine"}
    assert respondents["t"].tolist() == [clean.get(t[i % len(t)], pd.NA) for i in range(n)]
    assert respondents["u"].tolist() == [pd.NA if i % 7 == 0 else f"id{i}" for i in range(n)]
    lat = respondents["gps_lat"].to_numpy(dtype="float64", na_value=np.nan)
    assert np.isnan(lat[::5]).all() and lat[1] == 19.01
    assert issues.empty, issues.to_string()
