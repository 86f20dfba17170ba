"""The indicator catalogue: the bundled file, validation errors, derived variables, labels."""

from __future__ import annotations

import logging
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from geo4mi.errors import CatalogueError, ExpressionError, InputFileError
from geo4mi.indicators.catalogue import (
    INDICATOR_KEYS,
    add_derived,
    build_labels,
    bundled_catalogue_path,
    load_catalogue,
)

REPO = Path(__file__).resolve().parent.parent
THEMES = ["profile", "housing", "services", "livelihoods", "protection", "life_in_city"]

# Report figures given for all respondents (reference report_figures.csv, group "all"),
# except n_respondents, a count.
REPORT_IDS = [
    "gender_men", "gender_women", "gender_other", "age_25_44", "edu_secondary", "edu_tertiary",
    "status_regular", "single", "married", "region_south_america", "region_central_america",
    "region_caribbean", "hh_with_child", "hh_specific_needs", "no_prior_stop", "leave_economic",
    "leave_violence", "leave_rights", "leave_environment", "city_offered_nothing", "intend_stay",
    "intend_move_mexico", "intend_move_abroad", "residence_permit", "children_all_permit",
    "children_some_permit", "no_permit_applied", "no_permit_no_info", "asylum_applied",
    "asylum_not_applying", "unemployed_now", "unemployed_origin", "employed_now", "employed_origin",
    "self_employed_now", "self_employed_origin", "emp_barrier_documents",
    "emp_barrier_opportunities", "emp_barrier_discrimination", "one_earner", "income_never_enough",
    "income_sometimes_enough", "cope_reduce_expenses", "cope_borrow", "cope_prioritize_food",
    "cope_reduce_portions", "cannot_save", "bank_account", "childcare_private", "childcare_public",
    "childcare_family", "childcare_friends", "childcare_none", "school_all_attend",
    "school_some_attend", "school_not_enrolled_new", "school_reason_documents",
    "school_reason_places", "health_public", "health_private", "disability_services",
    "mental_symptoms", "mental_professional", "mental_no_support", "public_spaces",
    "internet_home_regular", "internet_home_sometimes", "rent_monthly", "lease_informal",
    "housing_no_barriers", "housing_barrier_resources", "housing_barrier_guarantor",
    "housing_barrier_documents", "housing_barrier_xenophobia", "knew_protection_risks",
    "crime_victim", "risk_place_street", "risk_place_transport", "risk_place_work",
    "perp_strangers", "perp_criminal_groups", "perp_coworkers", "complaint_filed",
    "no_complaint_mistrust", "no_complaint_fear", "discriminated", "relations_neighbourhood",
    "relations_work", "belong_community", "feel_safe", "no_participation", "assistance_any",
    "assist_food", "assist_legal", "assist_housing", "assist_medical", "assist_information",
    "assist_employment", "assist_rights", "assist_school", "provider_government", "provider_un",
    "provider_ngo", "aware_gov_programmes", "aware_un_ngo_programmes", "aware_city_programmes",
]


@dataclass
class MiniForm:
    """A form with the design.md table contract only (no reader involved)."""

    questions: pd.DataFrame
    choices: pd.DataFrame
    path: Path = Path("mini_form.xlsx")
    title: str = "Mini"


@pytest.fixture
def form() -> MiniForm:
    q = pd.DataFrame([
        ("gender", "select_one", "gender", "Género", "Gender"),
        ("age", "integer", "", "Edad", "Age"),
        ("nationality", "select_one", "country", "Nacionalidad", "Nationality"),
        ("feel_safe", "select_one", "yes_no", "¿Se siente seguro?", "Do you feel safe?"),
        ("aware_gov", "select_one", "yes_no_dk", "¿Conoce programas?", "Aware?"),
        ("risk_places", "select_multiple", "risk_place", "Lugares", "Places"),
        ("knew_risks", "select_one", "yes_no", "¿Conoce riesgos?", "Knew risks?"),
    ], columns=["name", "type", "list_name", "label::es", "label::en"])
    c = pd.DataFrame([
        ("gender", "man", "Hombre", "Man"), ("gender", "woman", "Mujer", "Woman"),
        ("gender", "other", "Otro", "Other"),
        ("country", "venezuela", "Venezuela", "Venezuela"), ("country", "haiti", "Haití", "Haiti"),
        ("yes_no", "yes", "Sí", "Yes"), ("yes_no", "no", "No", "No"),
        ("yes_no_dk", "yes", "Sí", "Yes"), ("yes_no_dk", "no", "No", "No"),
        ("yes_no_dk", "dont_know", "No sabe", "Don't know"),
        ("risk_place", "street", "Calle", "Street"), ("risk_place", "home", "Casa", "Home"),
    ], columns=["list_name", "name", "label::es", "label::en"])
    return MiniForm(q, c)


HEAD = """
[themes.life_in_city]
label = { es = "Vida en la ciudad", en = "Life in the city" }

[derived.nationality_group]
from = "nationality"
label = { es = "Grupo", en = "Group" }
map = { venezuela = "south", haiti = "caribbean" }
values.south = { es = "Sudamérica", en = "South America" }
values.caribbean = { es = "Caribe", en = "Caribbean" }

[derived.age_group]
from = "age"
label = { es = "Edad", en = "Age" }
bins = [18, 25, inf]
labels = ["young", "older"]
values.young = { es = "18 a 24", en = "18-24" }
values.older = { es = "25 y más", en = "25+" }
"""

GOOD = """
[[indicator]]
id = "feel_safe"
theme = "life_in_city"
label = { es = "Se sienten seguras", en = "Feel safe" }
question = "feel_safe"
choices = ["yes"]
direction = "higher_better"
"""


def write(tmp_path: Path, body: str, head: str = HEAD) -> Path:
    path = tmp_path / "cat.toml"
    path.write_text(textwrap.dedent(head) + textwrap.dedent(body), encoding="utf-8")
    return path


def indicator(**fields: str) -> str:
    base = {"id": '"x"', "theme": '"life_in_city"', "label": '{ es = "X", en = "X" }',
            "question": '"feel_safe"', "choices": '["yes"]', "direction": '"neutral"'}
    base.update(fields)
    return "[[indicator]]\n" + "".join(f"{k} = {v}\n" for k, v in base.items() if v)


# -- the bundled catalogue ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundled_form():
    from geo4mi.survey.xlsform import read_form

    return read_form(REPO / "data" / "questionnaire.xlsx")


def test_bundled_catalogue_validates_against_the_bundled_questionnaire(bundled_form):
    cat = load_catalogue(bundled_catalogue_path(), form=bundled_form)
    assert len(cat) >= 30
    assert list(cat.themes) == THEMES
    assert {ind.theme for ind in cat} == set(THEMES)
    for theme in THEMES:
        assert sum(ind.theme == theme for ind in cat) >= 5, theme
    assert cat["assist_food"].not_asked == "no"
    assert cat["aware_gov_programmes"].exclude == ("dont_know",)
    assert cat["housing_barrier_xenophobia"].kind == "select_multiple"


def test_bundled_catalogue_has_every_report_figure(bundled_form):
    cat = load_catalogue(bundled_catalogue_path(), form=bundled_form)
    missing = [i for i in REPORT_IDS if i not in cat.ids]
    assert missing == []
    assert len(set(cat.ids)) == len(cat.ids)


def test_bundled_derived_groups_follow_the_design(bundled_form):
    cat = load_catalogue(bundled_catalogue_path(), form=bundled_form)
    nat = cat.derived["nationality_group"]
    assert list(nat.values) == ["venezuela", "other_south_america", "central_america",
                                "caribbean", "other"]
    assert nat.mapping["peru"] == "other_south_america"
    assert nat.mapping["costa_rica"] == "central_america"
    assert nat.mapping["cuba"] == "caribbean"
    frame = pd.DataFrame({"nationality": ["venezuela", "haiti", "other"],
                          "age": pd.array([18, 44, 60], dtype="Int64")})
    out = add_derived(frame, cat)
    assert out["age_group"].tolist() == ["18_24", "25_44", "60_plus"]
    assert out["region"].tolist() == ["south_america", "caribbean", "other"]


def test_bundled_labels_for_the_study_groups(bundled_form):
    cat = load_catalogue(bundled_catalogue_path(), form=bundled_form)
    groups = ["nationality_group", "gender", "age_group", "time_in_city"]
    labels = build_labels(cat, bundled_form, groups)
    assert list(labels.group_vars) == ["all", *groups]
    everyone = labels.group_values["all"]["all"]  # the interface's text, every language
    assert (everyone["es"], everyone["en"]) == ("Todas las personas encuestadas",
                                                "All respondents")
    assert list(labels.group_values["time_in_city"])[:2] == ["lt_3m", "3_6m"]
    assert labels.group_value_label("gender", "woman", "en") == "Woman"
    assert labels.indicators["feel_safe"].direction == "higher_better"
    assert labels.indicator_label("discriminated", "es").startswith("Se han sentido")


# -- loading a small catalogue ---------------------------------------------------------------

def test_small_catalogue_loads_with_form(tmp_path, form):
    cat = load_catalogue(write(tmp_path, GOOD), form=form)
    ind = cat["feel_safe"]
    assert (ind.question, ind.choices, ind.kind) == ("feel_safe", ("yes",), "select_one")
    assert ind.universe is None and ind.universe_label["en"] == "All respondents"
    assert cat.values_of("gender") == ["man", "woman", "other"]
    assert cat.values_of("age_group") == ["young", "older"]
    assert cat.values_of("age") is None


def test_catalogue_without_form_skips_name_checks(tmp_path):
    cat = load_catalogue(write(tmp_path, indicator(question='"not_in_any_form"')))
    assert cat["x"].kind is None and cat.form is None


@pytest.mark.parametrize("body, message", [
    (indicator(colour='"red"'),
     r"cat\.toml: \[\[indicator\]\] #1 \('x'\): unknown key 'colour'; allowed keys: id, theme, "
     r"label, question, choices, numerator, universe, universe_label, exclude, not_asked, "
     r"direction"),
    (indicator(id=""), r"#1: missing key 'id'"),
    (indicator(id='"Bad-Id"'), r"bad id 'Bad-Id'"),
    (indicator(theme='"weather"'), r"unknown theme 'weather'; themes: life_in_city"),
    (indicator(direction='"up"'),
     r"bad direction 'up'; use one of higher_worse, higher_better, neutral"),
    (indicator(not_asked='"maybe"'), r"bad not_asked 'maybe'; use one of exclude, no"),
    (indicator(label='{}'), r"label has no text; give it in the languages of the form"),
    (indicator(label='"Feel safe"'), r"label must be a table of languages"),
    (indicator(label='{ es = "", en = "X" }'), r"label: bad entry 'es' = ''"),
    (indicator(numerator='"feel_safe == \'yes\'"'),
     r"give exactly one of 'question' \(with choices\) and 'numerator'"),
    (indicator(question="", choices=""), r"give exactly one of 'question'"),
    (indicator(choices=""), r"missing key 'choices'"),
    (indicator(choices="[]"), r"choices must be a list of choice names, found \[\]"),
    (indicator(choices='["yes", "yes"]'), r"choices repeats a choice"),
    (indicator(exclude='["yes"]'), r"'yes' is in both choices and exclude"),
    (indicator(universe='"knew_risks == \'yes\'"'), r"universe without universe_label"),
    (indicator(question="", choices="", numerator='"knew_risks == \'yes\'"',
               exclude='["no"]'), r"'exclude' goes with 'question', not 'numerator'"),
    (GOOD + GOOD, r"#2: duplicate id 'feel_safe'"),
    ("", r"\[\[indicator\]\]: no indicators are defined"),
])
def test_catalogue_errors(tmp_path, body, message):
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(write(tmp_path, body))


@pytest.mark.parametrize("body, message", [
    (indicator(question='"feel_saf"'),
     r"cat\.toml: \[\[indicator\]\] #1 \('x'\): unknown question 'feel_saf'; use a question "
     r"of mini_form\.xlsx"),
    (indicator(choices='["si"]'), r"'si' is not a choice of 'feel_safe'; choices: yes, no"),
    (indicator(question='"aware_gov"', exclude='["dontknow"]'),
     r"'dontknow' is not a choice of 'aware_gov'"),
    (indicator(question='"age"', choices='["18"]'),
     r"question 'age' is 'integer'; use a select_one or select_multiple question"),
    (indicator(question='"nationality_group"', choices='["south_america"]'),
     r"'south_america' is not a choice of 'nationality_group'; choices: south, caribbean"),
])
def test_unknown_questions_and_choices_against_the_form(tmp_path, form, body, message):
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(write(tmp_path, body), form=form)


UNI_LABEL = '{ es = "U", en = "U" }'


@pytest.mark.parametrize("universe, message", [
    ("knew_risk == 'yes'", r"unknown question 'knew_risk'"),
    ("knew_risks == 'si'", r"'si' is not a choice of 'knew_risks'"),
    ("risk_places/garden", r"'garden' is not a choice of 'risk_places'"),
    ("risk_places == 'street'", r"'risk_places' is select_multiple.*use selected"),
    ("selected(risk_places, 'garden')", r"'garden' is not a choice of 'risk_places'"),
    ("feel_safe/yes", r"'feel_safe/yes': 'feel_safe' is 'select_one', not select_multiple"),
    ("age >= 'adult'", r"'age' is a number \(integer\)"),
    ("selected(age, '3')", r"selected\(\) needs a select question, 'age' is 'integer'"),
    ("knew_risks", r"'knew_risks' is not a yes/no value at position 1 .*; compare it"),
    ("nationality_group == 'andes'", r"'andes' is not a choice of 'nationality_group'"),
])
def test_expression_names_checked_against_the_form(tmp_path, form, universe, message):
    body = indicator(universe=f'"{universe}"', universe_label=UNI_LABEL)
    with pytest.raises(ExpressionError,
                       match=r"cat\.toml: \[\[indicator\]\] #1 \('x'\), key 'universe': "
                             r"expression .*" + message):
        load_catalogue(write(tmp_path, body), form=form)


def test_expression_syntax_error_names_file_and_indicator(tmp_path):
    body = indicator(question="", choices="", numerator='"feel_safe = \'yes\'"')
    with pytest.raises(ExpressionError,
                       match=r"cat\.toml: \[\[indicator\]\] #1 \('x'\), key 'numerator': "
                             r"expression \"feel_safe = 'yes'\": unexpected character '=' at "
                             r"position 11"):
        load_catalogue(write(tmp_path, body))


def test_valid_expressions_with_form(tmp_path, form):
    body = indicator(universe='"knew_risks == \'yes\' and age >= 18"',
                     universe_label=UNI_LABEL) + indicator(
        id='"y"', question="", choices="",
        numerator='"selected(risk_places, \'street\') or risk_places/home"')
    cat = load_catalogue(write(tmp_path, body), form=form)
    assert cat["x"].universe.names == frozenset({"knew_risks", "age"})
    assert cat["y"].numerator is not None


@pytest.mark.parametrize("head_change, message", [
    (("[themes.life_in_city]", "[theme.life_in_city]"),
     r"top level: unknown key 'theme'; allowed keys: themes, group_labels, derived, indicator"),
    (('label = { es = "Vida en la ciudad", en = "Life in the city" }',
      'label = { es = "Vida" }\nicon = "x"'), r"\[themes.life_in_city\]: unknown key 'icon'"),
    (('map = { venezuela = "south", haiti = "caribbean" }',
      'map = { venezuela = "south" }'),
     r"\[derived.nationality_group\]: map: choice 'haiti' of 'nationality' has no group"),
    (('map = { venezuela = "south", haiti = "caribbean" }',
      'map = { venezuela = "south", haiti = "caribbean", peru = "south" }'),
     r"map: 'peru' is not a choice of 'nationality'"),
    (('map = { venezuela = "south", haiti = "caribbean" }',
      'map = { venezuela = "south", haiti = "antilles" }'),
     r"map: group 'antilles' has no entry in values"),
    (('labels = ["young", "older"]', 'labels = ["older", "young"]'),
     r"labels \['older', 'young'\] must name the bins in the order of values"),
    (("bins = [18, 25, inf]", "bins = [25, 18, inf]"), r"bins must be increasing numbers"),
    (("bins = [18, 25, inf]", "bins = [18, 25, 40, inf]"), r"4 bin edges need 3 labels"),
    (('from = "age"', 'from = "gender"'),
     r"\[derived.age_group\]: bins need a number question, 'gender' is 'select_one'"),
    (('from = "nationality"', 'from = "passport"'),
     r"\[derived.nationality_group\]: from: unknown question 'passport'"),
    (("[derived.age_group]", "[derived.gender]"),
     r"\[derived.gender\]: 'gender' is also a question of the form"),
    (('bins = [18, 25, inf]', 'bins = [18, 25, inf]\nmap = { a = "b" }'),
     r"give exactly one of 'map' and 'bins'"),
    (('from = "age"', 'from = "age"\nrange = 3'), r"\[derived.age_group\]: unknown key 'range'"),
])
def test_theme_and_derived_errors(tmp_path, form, head_change, message):
    head = HEAD.replace(*head_change)
    assert head != HEAD
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(write(tmp_path, GOOD, head=head), form=form)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(InputFileError, match=r"nothing\.toml: catalogue file not found"):
        load_catalogue(tmp_path / "nothing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[indicator]\nid = 1\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"bad\.toml: not valid TOML .*fix the syntax"):
        load_catalogue(bad)


def test_allowed_keys_are_documented():
    doc = (REPO / "docs" / "indicators.md").read_text(encoding="utf-8")
    for key in INDICATOR_KEYS:
        assert f"`{key}`" in doc


def test_subset_keeps_catalogue_order_and_rejects_unknown_ids(tmp_path):
    cat = load_catalogue(write(tmp_path, GOOD + indicator()))
    assert cat.subset(["x", "feel_safe"]).ids == ["feel_safe", "x"]
    with pytest.raises(CatalogueError, match=r"no indicator 'nope'"):
        cat.subset(["nope"])


# -- derived variables and labels ---------------------------------------------------------------

def test_add_derived_bins_are_closed_open_and_missing_is_na(tmp_path, form):
    cat = load_catalogue(write(tmp_path, GOOD), form=form)
    frame = pd.DataFrame({"nationality": pd.array(["haiti", None, "venezuela", "haiti"],
                                                  dtype="str"),
                          "age": pd.array([17, 18, 25, None], dtype="Int64")})
    out = add_derived(frame, cat)
    assert [None if pd.isna(v) else v for v in out["age_group"]] == [None, "young", "older",
                                                                     None]
    assert [None if pd.isna(v) else v for v in out["nationality_group"]] == \
        ["caribbean", None, "south", "caribbean"]
    assert list(out["age_group"].cat.categories) == ["young", "older"]
    assert "age_group" not in frame.columns  # the input is not modified


def test_add_derived_logs_unmapped_values(tmp_path, caplog):
    cat = load_catalogue(write(tmp_path, GOOD))
    frame = pd.DataFrame({"nationality": ["haiti", "mars"], "age": [30, 40]})
    with caplog.at_level(logging.WARNING, logger="geo4mi.indicators.catalogue"):
        out = add_derived(frame, cat)
    assert pd.isna(out["nationality_group"][1])
    assert "'nationality' have no group" in caplog.text and "mars" in caplog.text


def test_add_derived_needs_the_source_column(tmp_path):
    cat = load_catalogue(write(tmp_path, GOOD))
    with pytest.raises(CatalogueError,
                       match=r"\[derived.nationality_group\]: from: column 'nationality' is "
                             r"not in the respondents"):
        add_derived(pd.DataFrame({"age": [30]}), cat)


def test_build_labels(tmp_path, form):
    cat = load_catalogue(write(tmp_path, GOOD), form=form)
    labels = build_labels(cat, form, ["gender", "age_group"])
    assert list(labels.group_vars) == ["all", "gender", "age_group"]
    assert labels.group_var_label("gender", "en") == "Gender"
    assert labels.group_values["gender"]["woman"] == {"es": "Mujer", "en": "Woman"}
    assert labels.group_value_label("age_group", "older", "es") == "25 y más"
    assert labels.themes == {"life_in_city": {"es": "Vida en la ciudad",
                                              "en": "Life in the city"}}
    assert {k: labels.indicators["feel_safe"].universe[k] for k in ("es", "en")} == {
        "es": "Todas las personas encuestadas", "en": "All respondents"}
    assert labels.survey_title == {"es": "Mini", "en": "Mini"}


def test_build_labels_rejects_unknown_groups(tmp_path, form):
    cat = load_catalogue(write(tmp_path, GOOD), form=form)
    with pytest.raises(CatalogueError, match=r"grouping variable 'age' is neither a derived "
                                             r"variable .* nor a select_one question"):
        build_labels(cat, form, ["age"])
    with pytest.raises(CatalogueError, match=r"grouping variable 'gender' is neither"):
        build_labels(cat, None, ["gender"])


def test_group_labels_override_question_text():
    from geo4mi.indicators.catalogue import build_labels, bundled_catalogue_path, load_catalogue
    from geo4mi.study import bundled_study_path
    from geo4mi.survey.xlsform import read_form

    form = read_form(bundled_study_path().parent / "questionnaire.xlsx")
    catalogue = load_catalogue(bundled_catalogue_path(), form=form)
    labels = build_labels(catalogue, form, ["gender", "time_in_city", "age_group"])
    assert labels.group_var_label("gender", "es") == "Género"
    assert labels.group_var_label("time_in_city", "en") == "Time in the city"
    assert labels.group_value_label("gender", "woman", "es") != "woman"


def test_add_derived_leaves_the_respondents_as_they_were():
    """add_derived shares the respondents' columns (copy-on-write, no deep copy of a
    million rows): changing its output never changes them."""
    cat = load_catalogue(bundled_catalogue_path())
    df = pd.DataFrame({"nationality": pd.array(["haiti", "peru"], dtype="str"),
                       "age": pd.array([19, 61], dtype="Int64")})
    df.attrs["source"] = "export.csv"
    before = df.copy()
    out = add_derived(df, cat)
    out.loc[0, "nationality"] = "chile"
    out.loc[0, "age"] = 40
    out.attrs["source"] = "changed"
    pd.testing.assert_frame_equal(df, before)
    assert df.attrs == {"source": "export.csv"} and "age_group" not in df.columns
