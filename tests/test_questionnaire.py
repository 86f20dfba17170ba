"""The bundled XLSForm: built deterministically, converts with pyxform, follows docs/design.md."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

REPO = Path(__file__).resolve().parent.parent
FORM = REPO / "data" / "questionnaire.xlsx"
DESIGN = REPO / "docs" / "design.md"
ES, EN = "label::Spanish (es)", "label::English (en)"

INEGI_NAMES = {
    "azcapotzalco": "Azcapotzalco", "coyoacan": "Coyoacán", "cuajimalpa": "Cuajimalpa de Morelos",
    "gustavo_a_madero": "Gustavo A. Madero", "iztacalco": "Iztacalco", "iztapalapa": "Iztapalapa",
    "magdalena_contreras": "La Magdalena Contreras", "milpa_alta": "Milpa Alta",
    "alvaro_obregon": "Álvaro Obregón", "tlahuac": "Tláhuac", "tlalpan": "Tlalpan",
    "xochimilco": "Xochimilco", "benito_juarez": "Benito Juárez", "cuauhtemoc": "Cuauhtémoc",
    "miguel_hidalgo": "Miguel Hidalgo", "venustiano_carranza": "Venustiano Carranza",
}

#: Questions and choices the report figures (shared/reference/report_figures.csv) are
#: computed from, including the universes (who was asked) and the grouping variables.
REPORT_NEEDS = {
    "gender": ["man", "woman", "other"], "age": [],
    "nationality": ["venezuela", "colombia", "ecuador", "peru", "argentina", "brazil", "bolivia",
                    "honduras", "el_salvador", "guatemala", "nicaragua", "panama", "costa_rica",
                    "haiti", "cuba", "other"],
    "education": ["primary", "secondary", "tertiary"], "migration_status": ["regular",
                                                                           "irregular"],
    "marital": ["single", "married"], "time_in_city": ["3_6m", "6_12m", "1_2y", "2_3y", "3_5y"],
    "hh_children": ["yes"], "children_0_5": ["yes"], "children_over_5": ["yes"],
    "hh_specific_needs": ["yes"], "disabled_member": ["yes"], "prior_stop": ["no"],
    "leave_reasons": ["economic", "violence", "rights", "services", "personal", "environment"],
    "city_offered": ["nothing"], "intentions": ["stay", "move_mexico", "move_abroad"],
    "residence_permit": ["yes", "no"], "children_permit": ["all", "some"],
    "permit_plans": ["applied", "no_info"], "asylum": ["applied", "not_applying"],
    "occupation_now": ["employed", "self_employed", "unemployed", "civil_servant"],
    "occupation_origin": ["employed", "self_employed", "unemployed"],
    "work_barriers": ["documents", "opportunities", "discrimination"],
    "earners": ["one", "more_than_one"], "income_enough": ["never", "sometimes"],
    "coping": ["reduce_expenses", "borrow", "prioritize_food", "reduce_portions"],
    "can_save": ["no"], "bank_account": ["yes"],
    "childcare": ["private", "public", "family", "friends", "none"],
    "school": ["all", "some", "none"], "school_reasons": ["documents", "places"],
    "health_access": ["public", "private"], "disability_services": ["yes"],
    "mental_symptoms": ["yes"], "mental_support": ["professional", "none"],
    "public_spaces": ["yes"], "accommodation": ["shelter_group"],
    "bathroom": ["private", "shared_sewage"], "internet_home": ["regular", "sometimes"],
    "internet_phone": ["yes"], "rent_payment": ["monthly"], "lease": ["formal", "informal"],
    "housing_barriers": ["none", "resources", "guarantor", "documents", "xenophobia"],
    "knew_risks": ["yes"], "crime_victim": ["yes"],
    "risk_places": ["street", "transport", "work"],
    "perpetrators": ["strangers", "criminal_groups", "coworkers", "law_enforcement"],
    "complaint_filed": ["yes", "no"], "no_complaint_reasons": ["mistrust", "fear"],
    "discriminated": ["yes"], "relations_neighbourhood": ["good"], "relations_work": ["good"],
    "belong_community": ["yes"], "feel_safe": ["yes"], "participation": ["not_participating"],
    "assistance_received": ["yes"],
    "assistance_types": ["food", "legal", "housing", "medical", "information", "employment",
                         "rights", "school"],
    "providers": ["government", "un", "ngo"], "aware_gov": ["yes", "no", "dont_know"],
    "aware_un_ngo": ["yes", "no", "dont_know"], "aware_city": ["yes", "no", "dont_know"],
    "borough": list(INEGI_NAMES),
}


def _sheet(name: str) -> list[dict[str, str]]:
    book = openpyxl.load_workbook(FORM, read_only=True)
    try:
        rows = list(book[name].iter_rows(values_only=True))
    finally:
        book.close()
    head = [str(h) for h in rows[0]]
    return [{h: ("" if v is None else str(v)) for h, v in zip(head, row,
                                                              strict=False)} for row in rows[1:]]


@pytest.fixture(scope="module")
def survey() -> list[dict[str, str]]:
    return _sheet("survey")


@pytest.fixture(scope="module")
def questions(survey) -> dict[str, dict[str, str]]:
    """Data questions by name, each with its group path."""
    out, groups = {}, []
    for row in survey:
        if row["type"] == "begin_group":
            groups.append(row["name"])
        elif row["type"] == "end_group":
            groups.pop()
        elif row["name"] and row["type"] != "note":
            out[row["name"]] = {**row, "group": "/".join(groups)}
    return out


@pytest.fixture(scope="module")
def choices() -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for row in _sheet("choices"):
        out.setdefault(row["list_name"], []).append(row)
    return out


def _design_table() -> list[dict[str, str]]:
    """Rows of the table "Bundled questionnaire" in docs/design.md."""
    text = DESIGN.read_text(encoding="utf-8")
    section = text.split("## Bundled questionnaire", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[1].startswith("`"):
            group, name, type_, choices_, relevant = cells
            rows.append({"group": "" if group == "(top)" else group, "name": name.strip("`"),
                         "type": type_, "choices": choices_, "relevant": relevant.strip("`")})
    return rows


def _design_choices(cell: str) -> list[str]:
    cell = re.sub(r"\(.*?\)", "", cell).strip()
    cell = re.sub(r"^\d+:\s*", "", cell)
    if not cell:
        return []
    m = re.fullmatch(r"(\w+?)(\d+)\.\.(\w+?)(\d+)", cell)
    if m:
        width = len(m.group(2))
        return [f"{m.group(1)}{i:0{width}d}" for i in range(int(m.group(2)), int(m.group(4)) + 1)]
    return [c.strip() for c in cell.split(",")]


def test_builder_is_deterministic_and_committed_form_is_fresh(tmp_path):
    out = tmp_path / "q.xlsx"
    for _ in range(2):
        subprocess.run([sys.executable, str(REPO / "tools" / "build_questionnaire.py"),
                        "--output", str(out)], check=True, capture_output=True)
        assert out.read_bytes() == FORM.read_bytes(), \
            "data/questionnaire.xlsx is stale: run tools/build_questionnaire.py"


def test_pyxform_converts_it():
    from pyxform import xls2xform

    warnings: list[str] = []
    xform = xls2xform.convert(str(FORM), warnings=warnings).xform
    assert warnings == []
    assert 'id="4mi_cities_cdmx"' in xform and 'version="2021"' in xform
    for path in ("/data/gps", "/data/profile/borough", "/data/profile/age",
                 "/data/protection/complaint_filed", "/data/life_in_city/feel_safe",
                 "/data/housing/housing_barriers"):
        assert f'nodeset="{path}"' in xform, path
    assert "constraint=\". &gt;= 18" in xform
    assert "relevant=\" /data/protection/crime_victim  = 'yes'\"" in xform
    assert "Coyoacán" in xform and "Álvaro Obregón" in xform


def test_follows_the_design_table(questions, choices):
    table = _design_table()
    assert len(table) == 66
    for row in table:
        q = questions.get(row["name"])
        assert q is not None, f"{row['name']} missing"
        assert q["group"] == row["group"], row["name"]
        words = row["type"].replace("(optional)", "").split()
        actual = q["type"].split()
        assert actual[0] == words[0], row["name"]
        if words[0].startswith("select"):
            list_name = words[1] if len(words) > 1 else row["name"]
            assert actual[1] == list_name, row["name"]
            expected = _design_choices(row["choices"])
            if expected:
                assert [c["name"] for c in choices[list_name]] == expected, row["name"]
        assert q["relevant"] == row["relevant"], row["name"]
    assert questions["gps"]["required"] == ""
    assert {q["group"] for q in questions.values()} == {
        "", "profile", "livelihoods", "services", "housing", "protection", "life_in_city"}


def test_covers_every_question_the_report_needs(questions, choices):
    for name, needed in REPORT_NEEDS.items():
        assert name in questions, name
        list_name = questions[name]["type"].split()[1] if needed else ""
        if needed:
            names = [c["name"] for c in choices[list_name]]
            assert set(needed) <= set(names), (name, set(needed) - set(names))
    assert questions["age"]["type"] == "integer"
    assert questions["gps"]["type"] == "geopoint"


def test_labels_in_spanish_and_english(survey, choices):
    for row in survey:
        if row["type"] not in ("end_group", "start", "end"):
            assert row[ES].strip() and row[EN].strip(), row["name"]
    for list_name, rows in choices.items():
        for row in rows:
            assert row[ES].strip() and row[EN].strip(), (list_name, row["name"])
    labels = {c["name"]: (c[ES], c[EN]) for c in choices["alcaldia"]}
    assert labels == {k: (v, v) for k, v in INEGI_NAMES.items()}


def test_eligibility_constraints(questions):
    assert questions["age"]["constraint"].startswith(". >= 18")
    assert "lt_3m" in questions["time_in_city"]["constraint"]
    assert questions["age"]["constraint_message::English (en)"]
    assert "none" in questions["housing_barriers"]["constraint"]


def test_settings():
    settings = _sheet("settings")[0]
    assert settings == {"form_title": "4Mi Cities – Ciudad de México (demostración)",
                        "form_id": "4mi_cities_cdmx", "default_language": "Spanish (es)",
                        "version": "2021"}
