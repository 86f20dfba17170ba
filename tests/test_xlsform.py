"""Reading XLSForms: types, groups, languages, or_other, repeats, and clear errors."""

from __future__ import annotations

import logging
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from geo4mi.errors import FormError, InputFileError
from geo4mi.survey.xlsform import read_form, write_example_form

QUESTIONNAIRE = Path(__file__).resolve().parent.parent / "data" / "questionnaire.xlsx"


def make_form(path: Path, survey, choices=None, settings=None) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in (("survey", survey), ("choices", choices), ("settings", settings)):
        if rows is not None:
            ws = book.create_sheet(title)
            for row in rows:
                ws.append(list(row))
    book.save(path)
    return path


CHOICES = [("list_name", "name", "label::Español (es)", "label::English"),
           ("yn", "yes", "Sí", "Yes"), ("yn", "no", "No", "No"),
           ("fruit", "apple", "Manzana", "Apple"), ("fruit", "pear", "Pera", "Pear")]


def test_example_form(tmp_path):
    form = read_form(write_example_form(tmp_path / "f.xlsx"))
    assert form.languages == ["es", "en"]
    assert form.default_language == "es"
    assert form.title == "Ejemplo geo4mi"
    q = form.questions.set_index("name")
    assert q.loc["leave_reasons", ["type", "list_name", "group"]].tolist() == \
        ["select_multiple", "leave_reason", "profile"]
    assert q.loc["complaint_filed", "relevant"] == "${crime_victim} = 'yes'"
    assert bool(q.loc["borough", "required"]) and not bool(q.loc["gender", "required"])
    assert form.label("borough", "en") == "Borough of residence"
    assert form.choice_label("yes_no", "yes") == "Sí"
    assert form.choices_of("time_in_city") == ["lt_3m", "3_12m", "1_5y", "gt_5y"]


def test_language_headers_or_other_and_default_language(tmp_path):
    survey = [("type", "name", "label::Español (es)", "label::English", "required"),
              ("begin group", "g1", "G1", "G1", None),
              ("begin_group", "g2", "G2", "G2", None),
              ("select_multiple fruit or_other", "fruits", "Frutas", "Fruits", "TRUE()"),
              ("end group", None, None, None, None),
              ("end_group", None, None, None, None),
              ("select_one yn", "ok", "¿Bien?", "", None)]
    settings = [("default_language",), ("English",)]
    form = read_form(make_form(tmp_path / "f.xlsx", survey, CHOICES, settings))
    assert form.languages == ["en", "es"]
    q = form.questions.set_index("name")
    assert q.loc["fruits", "group"] == "g1/g2"
    assert bool(q.loc["fruits", "or_other"]) and bool(q.loc["fruits", "required"])
    assert form.choices_of("fruits") == ["apple", "pear", "other"]
    assert form.label("ok") == "¿Bien?"  # empty English label falls back
    assert form.label("fruits") == "Fruits"
    assert list(form.choices.columns) == ["list_name", "name", "label::en", "label::es"]


def test_repeats_are_ignored_with_a_logged_warning(tmp_path, caplog):
    survey = [("type", "name", "label"),
              ("integer", "age", "Age"),
              ("begin repeat", "members", "Members"),
              ("integer", "member_age", "Member age"),
              ("end repeat", None, None)]
    with caplog.at_level(logging.WARNING, logger="geo4mi.survey.xlsform"):
        form = read_form(make_form(tmp_path / "f.xlsx", survey))
    assert form.questions["name"].tolist() == ["age"]
    assert "inside repeats are ignored (member_age)" in caplog.text


def test_duplicate_question_names_are_recorded_not_refused(tmp_path, caplog):
    """The first data question of a name is read; notes never displace a question. Whether a
    duplicate is acceptable depends on the catalogue, so the pipeline decides."""
    survey = [("type", "name", "label"),
              ("note", "intro", "Hello"),
              ("integer", "intro", "Intro age"),
              ("integer", "a", "A"),
              ("text", "a", "A again"),
              ("note", "a", "A note")]
    with caplog.at_level(logging.WARNING, logger="geo4mi.survey.xlsform"):
        form = read_form(make_form(tmp_path / "dup.xlsx", survey))
    assert form.questions[["name", "type"]].to_numpy().tolist() == [["intro", "integer"],
                                                                    ["a", "integer"]]
    assert form.duplicates == {"intro": (2, 3), "a": (4, 5, 6)}
    assert "question name 'a' appears 3 times (rows 4, 5, 6)" in caplog.text


def test_or_other_text_question_named_again_is_a_duplicate(tmp_path):
    """'q or_other' makes the text question q_other (as pyxform does); a q_other written
    later in the sheet is a duplicate of it, recorded like any other."""
    survey = [("type", "name", "label"),
              ("select_one fruit or_other", "q", "Fruit"),
              ("text", "q_other", "Which fruit?")]
    choices = [("list_name", "name", "label"), ("fruit", "apple", "Apple")]
    form = read_form(make_form(tmp_path / "other.xlsx", survey, choices))
    assert form.questions[["name", "type"]].to_numpy().tolist() == [["q", "select_one"],
                                                                    ["q_other", "text"]]
    assert form.duplicates == {"q_other": (2, 3)}


@pytest.mark.parametrize("survey, choices, message", [
    ([("name", "label"), ("age", "Age")], None,
     r"sheet 'survey', row 1: column 'type' is missing"),
    ([("type", "name"), ("select_one colours", "c")], CHOICES,
     r"sheet 'survey', row 2, column 'type': choice list 'colours' of question 'c' is not "
     r"defined"),
    ([("type", "name"), ("begin group", "g"), ("integer", "a")], None,
     r"'begin group' 'g' is never closed"),
    ([("type", "name"), ("end group", None)], None,
     r"sheet 'survey', row 2, column 'type': 'end group' without a matching"),
    ([("type", "name"), ("select_one", "a")], None, r"names no choice list"),
    ([("type", "name"), ("integer", None)], None, r"row 2, column 'name': 'integer' question "
                                                  r"without a name"),
])
def test_malformed_forms(tmp_path, survey, choices, message):
    path = make_form(tmp_path / "bad.xlsx", survey, choices)
    with pytest.raises(FormError, match=message):
        read_form(path)


def test_missing_sheet_and_file(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "encuesta"
    book.save(tmp_path / "nosurvey.xlsx")
    with pytest.raises(FormError, match=r"nosurvey\.xlsx: no 'survey' sheet \(sheets: encuesta\)"):
        read_form(tmp_path / "nosurvey.xlsx")
    with pytest.raises(InputFileError, match=r"missing\.xlsx: XLSForm not found"):
        read_form(tmp_path / "missing.xlsx")
    (tmp_path / "text.xlsx").write_text("not a workbook")
    with pytest.raises(InputFileError, match=r"text\.xlsx: cannot read the XLSForm"):
        read_form(tmp_path / "text.xlsx")


def test_unknown_lookups(tmp_path):
    form = read_form(write_example_form(tmp_path / "f.xlsx"))
    with pytest.raises(FormError, match=r"question 'agee' is not in the survey sheet"):
        form.label("agee")
    with pytest.raises(FormError, match=r"language 'fr' has no labels; use one of es, en"):
        form.label("age", "fr")
    with pytest.raises(FormError, match=r"'age' is 'integer', not a select question"):
        form.choices_of("age")
    with pytest.raises(FormError, match=r"choice 'maybe' is not in list 'yes_no'"):
        form.choice_label("yes_no", "maybe")


@pytest.mark.skipif(not QUESTIONNAIRE.exists(), reason="bundled questionnaire not built yet")
def test_bundled_questionnaire():
    form = read_form(QUESTIONNAIRE)
    assert form.languages == ["es", "en"] and form.default_language == "es"
    assert form.form_id == "4mi_cities_cdmx"
    q = form.questions.set_index("name")
    assert q.loc["borough", "group"] == "profile"
    assert len(form.choices_of("borough")) == 16
    assert q.loc["gps", "type"] == "geopoint"
    assert set(q["group"]) >= {"profile", "housing", "services", "livelihoods", "protection",
                               "life_in_city"}


XLS_FORM = Path(__file__).resolve().parent / "data" / "xls" / "example_form.xls"


def test_xls_form_reads_like_the_xlsx(tmp_path):
    """Kobo still accepts .xls forms; they read to the same Form."""
    old = read_form(XLS_FORM)
    new = read_form(write_example_form(tmp_path / "f.xlsx"))
    pd.testing.assert_frame_equal(old.questions, new.questions)
    pd.testing.assert_frame_equal(old.choices, new.choices)
    assert (old.languages, old.title) == (new.languages, new.title)


def test_pyxform_spellings(tmp_path):
    survey = [("type", "name", "caption::English (en)", "relevance"),
              ("select one yn", "a", "A", None),
              ("select all that apply yn", "b", "B", "${a} = 'yes'"),
              ("begin group", "g", "G", None),
              ("q int", "c", "C", None),
              ("location", "d", "D", None),
              ("select_one  yn", "e", "E", None),
              ("end group", None, None, None),
              ("select one from file places.csv", "f", "F", None),
              ("rank yn", "r", "R", None)]
    choices = [("list name", "value", "caption::English (en)"), ("yn", "yes", "Yes"),
               ("yn", "no", "No")]
    form = read_form(make_form(tmp_path / "f.xlsx", survey, choices))
    q = form.questions.set_index("name")
    assert q.loc[list("abcdefr"), "type"].tolist() == [
        "select_one", "select_multiple", "integer", "geopoint", "select_one", "select_one",
        "rank"]
    assert q.loc[list("abef"), "list_name"].tolist() == ["yn", "yn", "yn", ""]
    assert q.loc["b", "relevant"] == "${a} = 'yes'"
    assert form.label("b") == "B" and form.choice_label("yn", "no") == "No"


def test_unknown_type_is_read_as_text_with_a_warning(tmp_path, caplog):
    survey = [("type", "name"), ("fancywidget", "w")]
    with caplog.at_level(logging.WARNING, logger="geo4mi.survey.xlsform"):
        form = read_form(make_form(tmp_path / "f.xlsx", survey))
    assert form.questions["type"].tolist() == ["fancywidget"]
    assert "unknown question type 'fancywidget'" in caplog.text
