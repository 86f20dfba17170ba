"""XLSForm parity with pyxform: the same spellings, and the same questions from the same file.

pyxform (the XLSForm converter behind KoboToolbox and ODK) is a test dependency only, so
geo4mi mirrors its alias tables; these tests fail when pyxform learns a spelling geo4mi does
not know, or when ``read_form`` reads a form differently from pyxform's own parse.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geo4mi.survey import xlsform
from geo4mi.survey.xlsform import read_form, write_example_form

pyxform = pytest.importorskip("pyxform")
from pyxform import aliases  # noqa: E402
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT  # noqa: E402
from pyxform.xls2json import parse_file_to_json  # noqa: E402

HERE = Path(__file__).resolve().parent
ANALYSED = {"select_one", "select_multiple", "integer", "decimal", "geopoint", "text"}


# -- the alias tables ------------------------------------------------------------------------

def _pyxform_base(type_name: str) -> str | None:
    """geo4mi's base type of a pyxform type, from pyxform's own bind type and control tag."""
    spec = QUESTION_TYPE_DICT.get(type_name, {})
    bind = spec.get("bind", {}).get("type")
    tag = spec.get("control", {}).get("tag")
    if type_name == "range":
        return "range"
    if bind == "int":
        return "integer"
    if bind == "decimal":
        return "decimal"
    if bind == "geopoint" and tag == "input":
        return "geopoint"
    if tag == "select1":
        return "select_one"
    if tag == "select":
        return "select_multiple"
    if bind == "string" and tag == "input" and "note" not in type_name \
            and type_name != "select one external":
        return "text"
    return None


def test_every_pyxform_question_type_is_known():
    ours = xlsform.TYPE_ALIASES
    missing = sorted(k for k in QUESTION_TYPE_DICT if k.lower() not in ours)
    assert not missing, f"pyxform types geo4mi does not know: {missing}"
    for name in QUESTION_TYPE_DICT:
        expected = _pyxform_base(name)
        got = ours[name.lower()]
        if expected is not None:
            assert got == expected, (name, got, expected)
        else:
            assert got not in ANALYSED, (name, got)


def test_select_control_and_header_aliases_match_pyxform():
    assert set(xlsform.SELECT_ALIASES) == set(aliases.select)
    for spelling, meaning in aliases.select.items():
        ours = xlsform.SELECT_ALIASES[spelling]
        assert ours.replace("_from_file", "") == {
            "select one": "select_one", "select all that apply": "select_multiple",
            "select one external": "select_one_external", "rank": "rank"}[meaning]
    assert set(xlsform.CONTROL_ALIASES) == set(aliases.control)
    for spelling, meaning in aliases.control.items():
        assert xlsform.CONTROL_ALIASES[spelling] == ("group" if meaning == "group" else
                                                     "loop" if meaning == "loop" else "repeat")
    for spelling, ours in xlsform.SURVEY_HEADER_ALIASES.items():
        theirs = aliases.survey_header[spelling]
        assert ours == (theirs[1] if isinstance(theirs, tuple) else theirs), spelling
    # pyxform reads "list_name" as its own "list name"; geo4mi reads both as list_name
    assert aliases.list_header["list_name"] == "list name"
    assert xlsform.CHOICES_HEADER_ALIASES["list name"] == "list_name"
    for spelling, ours in xlsform.CHOICES_HEADER_ALIASES.items():
        if spelling != "list name":
            assert ours == aliases.list_header[spelling], spelling


# -- read_form against pyxform's parse ---------------------------------------------------------

def _pyxform_questions(path: Path) -> dict[str, dict]:
    """name -> {type, list, choices, labels} of the questions outside repeats."""
    out: dict[str, dict] = {}

    def walk(children, in_repeat=False):
        for child in children:
            kind = child.get("type")
            if kind in ("group", "repeat", "loop"):
                if child.get("name") == "meta" and child.get("control", {}).get("bodyless"):
                    continue
                walk(child.get("children", []), in_repeat or kind != "group")
                continue
            if in_repeat:
                continue
            label = child.get("label", {})
            labels = set(label.values()) if isinstance(label, dict) else {label}
            base = _pyxform_base(kind) or kind
            if kind in ("select one", "select all that apply") and "choices" not in child:
                base = "from_file"
            out[child["name"]] = {"type": base, "list": child.get("list_name", ""),
                                  "choices": [c["name"] for c in child.get("choices", [])],
                                  "labels": {x for x in labels if x}}
    walk(parse_file_to_json(str(path))["children"])
    return out


def _geo4mi_questions(path: Path) -> dict[str, dict]:
    form = read_form(path)
    out = {}
    for q in form.questions.to_dict("records"):
        labels = {q[f"label::{c}"] for c in form.languages if q[f"label::{c}"]}
        kind = q["type"]
        if kind in ("select_one", "select_multiple") and not q["list_name"]:
            kind = "from_file"
        out[q["name"]] = {"type": kind, "list": q["list_name"],
                          "choices": form.choices_of(q["name"]) if q["list_name"] else [],
                          "labels": labels}
    return out


def _pyxform_spellings_form(folder: Path) -> Path:
    from test_xlsform import make_form

    survey = [("type", "name", "caption::English (en)", "label::Español (es)", "relevance"),
              ("select one yn", "a", "A", "A es", None),
              ("select all that apply yn", "b", "B", "B es", "${a} = 'yes'"),
              ("begin group", "g", "G", "G es", None),
              ("q int", "c", "C", "C es", None),
              ("location", "d", "D", "D es", None),
              ("select_multiple yn or_other", "e", "E", "E es", None),
              ("end group", None, None, None, None),
              ("begin repeat", "r", "R", "R es", None),
              ("integer", "r_age", "Age", "Edad", None),
              ("end repeat", None, None, None, None),
              ("select one from file places.csv", "f", "F", "F es", None),
              ("decimal", "x", "X", "X es", None),
              ("q string", "t", "T", "T es", None),
              ("note", "n", "N", "N es", None)]
    choices = [("list name", "name", "label::English (en)", "label::Español (es)"),
               ("yn", "yes", "Yes", "Sí"), ("yn", "no", "No", "No")]
    return make_form(folder / "spellings.xlsx", survey, choices)


def _forms(folder: Path) -> dict[str, Path]:
    forms = {"example": write_example_form(folder / "example.xlsx"),
             "example_xls": HERE / "data" / "xls" / "example_form.xls",
             "spellings": _pyxform_spellings_form(folder)}
    questionnaire = HERE.parent / "data" / "questionnaire.xlsx"
    if questionnaire.exists():
        forms["bundled_questionnaire"] = questionnaire
    from test_real_exports import build_form

    for table in sorted((HERE / "data" / "real").glob("*/form_survey.csv")):
        name = table.parent.name
        forms[f"real/{name}"] = build_form(table.parent, folder / f"real_{name}.xlsx")
    return forms


@pytest.fixture(scope="module")
def forms(tmp_path_factory):
    return _forms(tmp_path_factory.mktemp("forms"))


def test_read_form_agrees_with_pyxform_on_every_form(forms):
    assert len(forms) >= 5
    for name, path in forms.items():
        theirs = _pyxform_questions(path)
        ours = _geo4mi_questions(path)
        # pyxform's analysed questions, in geo4mi: same names, types, lists, choices, labels
        for qname, q in theirs.items():
            assert qname in ours, f"{name}: {qname} missing from read_form"
            mine = ours[qname]
            if q["type"] in ANALYSED or mine["type"] in ANALYSED:
                assert mine["type"] == q["type"], (name, qname, mine["type"], q["type"])
            assert mine["list"] == q["list"], (name, qname)
            assert mine["choices"] == q["choices"], (name, qname)
            assert mine["labels"] == q["labels"], (name, qname, mine["labels"], q["labels"])
        assert set(ours) == set(theirs), (name, set(ours) ^ set(theirs))
