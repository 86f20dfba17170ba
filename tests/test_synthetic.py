"""The synthetic demonstration sample: calibration, borough pattern, relevance, layout."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo4mi.errors import BoundaryError, FormError, InputFileError
from geo4mi.synthetic import (
    BOROUGH_NAMES,
    SAMPLE_PATH,
    generate_respondents,
    to_kobo_export,
    write_sample,
)

REPO = Path(__file__).resolve().parent.parent
GPKG = REPO / "boundaries" / "cdmx_alcaldias_mg2022.gpkg"
FORM = REPO / "data" / "questionnaire.xlsx"

# nationality_group as docs/design.md defines it (written out here, independent of the code).
NATIONALITY_GROUP = {
    "venezuela": "venezuela", "colombia": "other_south_america",
    "ecuador": "other_south_america", "peru": "other_south_america",
    "argentina": "other_south_america", "brazil": "other_south_america",
    "bolivia": "other_south_america", "honduras": "central_america",
    "el_salvador": "central_america", "guatemala": "central_america",
    "nicaragua": "central_america", "panama": "central_america",
    "costa_rica": "central_america", "haiti": "caribbean", "cuba": "caribbean", "other": "other",
}
WORKING = ["employed", "self_employed", "civil_servant"]


def _is(df: pd.DataFrame, column: str, *values: str) -> pd.Series:
    return df[column].isin(list(values)).fillna(False).astype(bool)


def _flag(df: pd.DataFrame, column: str) -> pd.Series:
    return df[column].fillna(False).astype(bool)


def _asked(df: pd.DataFrame, column: str) -> pd.Series:
    return df[column].notna()


def _yes_no_dk(column: str):
    return (lambda d: _is(d, column, "yes"), lambda d: _is(d, column, "yes", "no"))


ALL = None
# id of reference/report_figures.csv -> (numerator, universe); universe None = everyone.
FIGURES = {
    "gender_men": (lambda d: _is(d, "gender", "man"), ALL),
    "gender_women": (lambda d: _is(d, "gender", "woman"), ALL),
    "gender_other": (lambda d: _is(d, "gender", "other"), ALL),
    "age_25_44": (lambda d: d["age"].between(25, 44).fillna(False).astype(bool), ALL),
    "edu_secondary": (lambda d: _is(d, "education", "secondary"), ALL),
    "edu_tertiary": (lambda d: _is(d, "education", "tertiary"), ALL),
    "status_regular": (lambda d: _is(d, "migration_status", "regular"), ALL),
    "single": (lambda d: _is(d, "marital", "single"), ALL),
    "married": (lambda d: _is(d, "marital", "married"), ALL),
    "region_south_america": (lambda d: d["group"].isin(["venezuela", "other_south_america"]),
                             ALL),
    "region_central_america": (lambda d: d["group"] == "central_america", ALL),
    "region_caribbean": (lambda d: d["group"] == "caribbean", ALL),
    "edu_primary_only_ca": (lambda d: _is(d, "education", "primary"), ALL),
    "edu_primary_only_ve": (lambda d: _is(d, "education", "primary"), ALL),
    "edu_primary_only_osa": (lambda d: _is(d, "education", "primary"), ALL),
    "edu_university_ca": (lambda d: _is(d, "education", "tertiary"), ALL),
    "edu_university_ve": (lambda d: _is(d, "education", "tertiary"), ALL),
    "edu_university_osa": (lambda d: _is(d, "education", "tertiary"), ALL),
    "status_irregular_ca": (lambda d: _is(d, "migration_status", "irregular"), ALL),
    "status_irregular_ve": (lambda d: _is(d, "migration_status", "irregular"), ALL),
    "hh_with_child": (lambda d: _is(d, "hh_children", "yes"), ALL),
    "hh_specific_needs": (lambda d: _is(d, "hh_specific_needs", "yes"), ALL),
    "no_prior_stop": (lambda d: _is(d, "prior_stop", "no"), ALL),
    "leave_economic": (lambda d: _flag(d, "leave_reasons/economic"), ALL),
    "leave_violence": (lambda d: _flag(d, "leave_reasons/violence"), ALL),
    "leave_rights": (lambda d: _flag(d, "leave_reasons/rights"), ALL),
    "leave_environment": (lambda d: _flag(d, "leave_reasons/environment"), ALL),
    "leave_economic_ve": (lambda d: _flag(d, "leave_reasons/economic"), ALL),
    "leave_violence_ve": (lambda d: _flag(d, "leave_reasons/violence"), ALL),
    "leave_rights_ve": (lambda d: _flag(d, "leave_reasons/rights"), ALL),
    "leave_services_ve": (lambda d: _flag(d, "leave_reasons/services"), ALL),
    "leave_violence_ca": (lambda d: _flag(d, "leave_reasons/violence"), ALL),
    "leave_economic_ca": (lambda d: _flag(d, "leave_reasons/economic"), ALL),
    "leave_rights_ca": (lambda d: _flag(d, "leave_reasons/rights"), ALL),
    "leave_personal_ca": (lambda d: _flag(d, "leave_reasons/personal"), ALL),
    "city_offered_nothing": (lambda d: _is(d, "city_offered", "nothing"), ALL),
    "intend_stay": (lambda d: _is(d, "intentions", "stay"), ALL),
    "intend_move_mexico": (lambda d: _is(d, "intentions", "move_mexico"), ALL),
    "intend_move_abroad": (lambda d: _is(d, "intentions", "move_abroad"), ALL),
    "residence_permit": (lambda d: _is(d, "residence_permit", "yes"), ALL),
    "children_all_permit": (lambda d: _is(d, "children_permit", "all"),
                            lambda d: _is(d, "hh_children", "yes")),
    "children_some_permit": (lambda d: _is(d, "children_permit", "some"),
                             lambda d: _is(d, "hh_children", "yes")),
    "no_permit_applied": (lambda d: _is(d, "permit_plans", "applied"),
                          lambda d: _is(d, "residence_permit", "no")),
    "no_permit_no_info": (lambda d: _is(d, "permit_plans", "no_info"),
                          lambda d: _is(d, "residence_permit", "no")),
    "asylum_applied": (lambda d: _is(d, "asylum", "applied"), ALL),
    "asylum_not_applying": (lambda d: _is(d, "asylum", "not_applying"), ALL),
    "unemployed_now": (lambda d: _is(d, "occupation_now", "unemployed"), ALL),
    "unemployed_origin": (lambda d: _is(d, "occupation_origin", "unemployed"), ALL),
    "employed_now": (lambda d: _is(d, "occupation_now", "employed"), ALL),
    "employed_origin": (lambda d: _is(d, "occupation_origin", "employed"), ALL),
    "self_employed_now": (lambda d: _is(d, "occupation_now", "self_employed"), ALL),
    "self_employed_origin": (lambda d: _is(d, "occupation_origin", "self_employed"), ALL),
    "unemployed_now_ca": (lambda d: _is(d, "occupation_now", "unemployed"), ALL),
    "emp_barrier_documents": (lambda d: _flag(d, "work_barriers/documents"), ALL),
    "emp_barrier_opportunities": (lambda d: _flag(d, "work_barriers/opportunities"), ALL),
    "emp_barrier_discrimination": (lambda d: _flag(d, "work_barriers/discrimination"), ALL),
    "one_earner": (lambda d: _is(d, "earners", "one"), ALL),
    "income_never_enough": (lambda d: _is(d, "income_enough", "never"), ALL),
    "income_sometimes_enough": (lambda d: _is(d, "income_enough", "sometimes"), ALL),
    "cope_reduce_expenses": (lambda d: _flag(d, "coping/reduce_expenses"), ALL),
    "cope_borrow": (lambda d: _flag(d, "coping/borrow"), ALL),
    "cope_prioritize_food": (lambda d: _flag(d, "coping/prioritize_food"), ALL),
    "cope_reduce_portions": (lambda d: _flag(d, "coping/reduce_portions"), ALL),
    "cannot_save": (lambda d: _is(d, "can_save", "no"), ALL),
    "bank_account": (lambda d: _is(d, "bank_account", "yes"), ALL),
    "multi_earner_ve": (lambda d: _is(d, "earners", "more_than_one"), ALL),
    "one_earner_ca": (lambda d: _is(d, "earners", "one"), ALL),
    **{f"childcare_{c}": ((lambda d, c=c: _is(d, "childcare", c)),
                          lambda d: _is(d, "children_0_5", "yes"))
       for c in ("private", "public", "family", "friends", "none")},
    "school_all_attend": (lambda d: _is(d, "school", "all"),
                          lambda d: _is(d, "children_over_5", "yes")),
    "school_some_attend": (lambda d: _is(d, "school", "some"),
                           lambda d: _is(d, "children_over_5", "yes")),
    "school_not_enrolled_new": (lambda d: _is(d, "school", "none"),
                                lambda d: _is(d, "children_over_5", "yes")
                                & _is(d, "time_in_city", "3_6m")),
    "school_reason_documents": (lambda d: _flag(d, "school_reasons/documents"),
                                lambda d: _is(d, "school", "some", "none")),
    "school_reason_places": (lambda d: _flag(d, "school_reasons/places"),
                             lambda d: _is(d, "school", "some", "none")),
    "health_public": (lambda d: _flag(d, "health_access/public"), ALL),
    "health_private": (lambda d: _flag(d, "health_access/private"), ALL),
    "disability_services": (lambda d: _is(d, "disability_services", "yes"),
                            lambda d: _is(d, "disabled_member", "yes")),
    "mental_symptoms": (lambda d: _is(d, "mental_symptoms", "yes"), ALL),
    "mental_professional": (lambda d: _is(d, "mental_support", "professional"), ALL),
    "mental_no_support": (lambda d: _is(d, "mental_support", "none"), ALL),
    "public_spaces": (lambda d: _is(d, "public_spaces", "yes"), ALL),
    "shelter_ca": (lambda d: _is(d, "accommodation", "shelter_group"), ALL),
    "shelter_ve": (lambda d: _is(d, "accommodation", "shelter_group"), ALL),
    "shared_bathroom_ca": (lambda d: _is(d, "bathroom", "shared_sewage"), ALL),
    "private_bathroom_ve": (lambda d: _is(d, "bathroom", "private"), ALL),
    "private_bathroom_osa": (lambda d: _is(d, "bathroom", "private"), ALL),
    "internet_home_regular": (lambda d: _is(d, "internet_home", "regular"), ALL),
    "internet_home_sometimes": (lambda d: _is(d, "internet_home", "sometimes"), ALL),
    "internet_regular_any_ca": (lambda d: _is(d, "internet_home", "regular")
                                | _is(d, "internet_phone", "yes"), ALL),
    "rent_monthly": (lambda d: _is(d, "rent_payment", "monthly"), ALL),
    "lease_informal": (lambda d: _is(d, "lease", "informal"), ALL),
    "lease_formal_sa": (lambda d: _is(d, "lease", "formal"), ALL),
    "housing_no_barriers": (lambda d: _flag(d, "housing_barriers/none"), ALL),
    **{f"housing_barrier_{c}": ((lambda d, c=c: _flag(d, f"housing_barriers/{c}")),
                                lambda d: _asked(d, "housing_barriers")
                                & ~_flag(d, "housing_barriers/none"))
       for c in ("resources", "guarantor", "documents", "xenophobia")},
    "knew_protection_risks": (lambda d: _is(d, "knew_risks", "yes"), ALL),
    "crime_victim": (lambda d: _is(d, "crime_victim", "yes"), ALL),
    **{f"risk_place_{c}": ((lambda d, c=c: _flag(d, f"risk_places/{c}")),
                           lambda d: _asked(d, "risk_places"))
       for c in ("street", "transport", "work")},
    **{f"perp_{c}": ((lambda d, c=c: _flag(d, f"perpetrators/{c}")),
                     lambda d: _asked(d, "perpetrators"))
       for c in ("strangers", "criminal_groups", "coworkers")},
    "perp_law_enforcement_ca": (lambda d: _flag(d, "perpetrators/law_enforcement"),
                                lambda d: _asked(d, "perpetrators")),
    "complaint_filed": (lambda d: _is(d, "complaint_filed", "yes"),
                        lambda d: _is(d, "crime_victim", "yes")),
    "no_complaint_mistrust": (lambda d: _flag(d, "no_complaint_reasons/mistrust"),
                              lambda d: _is(d, "complaint_filed", "no")),
    "no_complaint_fear": (lambda d: _flag(d, "no_complaint_reasons/fear"),
                          lambda d: _is(d, "complaint_filed", "no")),
    "discriminated": (lambda d: _is(d, "discriminated", "yes"), ALL),
    "relations_neighbourhood": (lambda d: _is(d, "relations_neighbourhood", "good"), ALL),
    "relations_work": (lambda d: _is(d, "relations_work", "good"),
                       lambda d: _is(d, "occupation_now", *WORKING)),
    "belong_community": (lambda d: _is(d, "belong_community", "yes"), ALL),
    "feel_safe": (lambda d: _is(d, "feel_safe", "yes"), ALL),
    "no_participation": (lambda d: _is(d, "participation", "not_participating"), ALL),
    "assistance_any": (lambda d: _is(d, "assistance_received", "yes"), ALL),
    **{f"assist_{c}": ((lambda d, c=c: _flag(d, f"assistance_types/{c}")), ALL)
       for c in ("food", "legal", "housing", "medical", "information", "employment", "rights",
                 "school")},
    **{f"provider_{c}": ((lambda d, c=c: _flag(d, f"providers/{c}")),
                         lambda d: _is(d, "assistance_received", "yes"))
       for c in ("government", "un", "ngo")},
    "aware_gov_programmes": _yes_no_dk("aware_gov"),
    "aware_un_ngo_programmes": _yes_no_dk("aware_un_ngo"),
    "aware_city_programmes": _yes_no_dk("aware_city"),
}

# The reference figures, copied from shared/reference/report_figures.csv (the tests must not
# read outside the repository): id -> (group, value_pct).
REPORT = """\
gender_men,all,49;gender_women,all,50;gender_other,all,1;age_25_44,all,59;edu_secondary,all,56
edu_tertiary,all,31;status_regular,all,86;single,all,50;married,all,24
region_south_america,all,60;region_central_america,all,32;region_caribbean,all,6
edu_primary_only_ca,central_america,34;edu_primary_only_ve,venezuela,2
edu_primary_only_osa,other_south_america,5;edu_university_ca,central_america,11
edu_university_ve,venezuela,48;edu_university_osa,other_south_america,28
status_irregular_ca,central_america,26;status_irregular_ve,venezuela,5;hh_with_child,all,33
hh_specific_needs,all,25;no_prior_stop,all,64;leave_economic,all,58;leave_violence,all,55
leave_rights,all,33;leave_environment,all,1;leave_economic_ve,venezuela,78
leave_violence_ve,venezuela,55;leave_rights_ve,venezuela,46;leave_services_ve,venezuela,32
leave_violence_ca,central_america,71;leave_economic_ca,central_america,41
leave_rights_ca,central_america,24;leave_personal_ca,central_america,19
city_offered_nothing,all,6;intend_stay,all,80;intend_move_mexico,all,12
intend_move_abroad,all,5;residence_permit,all,72;children_all_permit,all,79
children_some_permit,all,6;no_permit_applied,all,57;no_permit_no_info,all,29
asylum_applied,all,76;asylum_not_applying,all,13;unemployed_now,all,23;unemployed_origin,all,1
employed_now,all,34;employed_origin,all,40;self_employed_now,all,24
self_employed_origin,all,29;unemployed_now_ca,central_america,37;emp_barrier_documents,all,63
emp_barrier_opportunities,all,44;emp_barrier_discrimination,all,29;one_earner,all,43
income_never_enough,all,22;income_sometimes_enough,all,40;cope_reduce_expenses,all,48
cope_borrow,all,26;cope_prioritize_food,all,24;cope_reduce_portions,all,23;cannot_save,all,53
bank_account,all,42;multi_earner_ve,venezuela,66;one_earner_ca,central_america,57
childcare_private,all,8;childcare_public,all,0;childcare_family,all,50
childcare_friends,all,5;childcare_none,all,32;school_all_attend,all,68
school_some_attend,all,12;school_not_enrolled_new,all,50;school_reason_documents,all,48
school_reason_places,all,24;health_public,all,93;health_private,all,36
disability_services,all,47;mental_symptoms,all,79;mental_professional,all,5
mental_no_support,all,18;public_spaces,all,90;shelter_ca,central_america,30
shelter_ve,venezuela,1;shared_bathroom_ca,central_america,50;private_bathroom_ve,venezuela,75
private_bathroom_osa,other_south_america,88;internet_home_regular,all,78
internet_home_sometimes,all,14;internet_regular_any_ca,central_america,54
rent_monthly,all,76;lease_informal,all,43;lease_formal_sa,south_america,65
housing_no_barriers,all,51;housing_barrier_resources,all,48;housing_barrier_guarantor,all,48
housing_barrier_documents,all,33;housing_barrier_xenophobia,all,23
knew_protection_risks,all,40;crime_victim,all,35;risk_place_street,all,66
risk_place_transport,all,25;risk_place_work,all,23;perp_strangers,all,64
perp_criminal_groups,all,15;perp_coworkers,all,15;perp_law_enforcement_ca,central_america,18
complaint_filed,all,29;no_complaint_mistrust,all,40;no_complaint_fear,all,19
discriminated,all,34;relations_neighbourhood,all,75;relations_work,all,80
belong_community,all,12;feel_safe,all,78;no_participation,all,71;assistance_any,all,60
assist_food,all,42;assist_legal,all,42;assist_housing,all,27;assist_medical,all,26
assist_information,all,23;assist_employment,all,7;assist_rights,all,5;assist_school,all,15
provider_government,all,59;provider_un,all,42;provider_ngo,all,28
aware_gov_programmes,all,65;aware_un_ngo_programmes,all,59;aware_city_programmes,all,8"""
TARGETS = {rid: (grp, float(val)) for rid, grp, val in
           (item.split(",") for line in REPORT.splitlines() for item in line.split(";"))}
GROUP_MEMBERS = {"venezuela": ["venezuela"], "other_south_america": ["other_south_america"],
                 "central_america": ["central_america"],
                 "south_america": ["venezuela", "other_south_america"]}
LOWER_BOUNDS = {"housing_no_barriers"}  # the report says "more than half"


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    people = generate_respondents()
    return people.assign(group=people["nationality"].map(NATIONALITY_GROUP))


@pytest.fixture(scope="module")
def areas() -> gpd.GeoDataFrame:
    return gpd.read_file(GPKG, layer="alcaldias").rename(
        columns={"CVEGEO": "area_id", "NOMGEO": "area_name"})


def measure(df: pd.DataFrame, figure: str) -> tuple[float, int]:
    """Percentage and denominator of a report figure in canonical respondents ``df``."""
    group, _ = TARGETS[figure]
    numerator, universe = FIGURES[figure]
    keep = pd.Series(True, index=df.index) if universe is None else universe(df)
    if group != "all":
        keep &= df["group"].isin(GROUP_MEMBERS[group])
    n = int(keep.sum())
    return 100.0 * float(numerator(df)[keep].sum()) / n, n


def test_every_report_figure_has_a_definition():
    assert set(TARGETS) == set(FIGURES)


def test_sample_has_301_respondents(sample):
    assert len(sample) == 301
    assert sample["_uuid"].is_unique and sample["_id"].is_unique


@pytest.mark.parametrize("figure", sorted(TARGETS))
def test_calibrated_to_report(sample, figure):
    group, target = TARGETS[figure]
    value, n = measure(sample, figure)
    assert n > 0
    if figure in LOWER_BOUNDS:
        assert value >= target
        return
    tolerance = 3.0 if group == "all" else 6.0
    assert abs(value - target) <= tolerance, f"{figure}: {value:.1f} vs report {target} (n={n})"


def _borough_share(df: pd.DataFrame, numerator: pd.Series) -> pd.Series:
    counts = df["borough"].value_counts()
    big = counts[counts >= 10].index
    return numerator.groupby(df["borough"]).mean()[big].sort_values(ascending=False)


def test_borough_pattern(sample):
    counts = sample["borough"].value_counts()
    assert len(counts) == 10 and counts.sum() == 301
    report_named = {"alvaro_obregon", "azcapotzalco", "benito_juarez", "coyoacan", "cuauhtemoc",
                    "gustavo_a_madero", "iztapalapa", "miguel_hidalgo", "venustiano_carranza"}
    assert report_named <= set(counts.index)
    assert set(counts.index[:3]) == {"cuauhtemoc", "gustavo_a_madero", "iztapalapa"}
    assert (counts < 10).sum() >= 2
    assert len(set(BOROUGH_NAMES) - set(counts.index)) == 6

    disc = _borough_share(sample, _is(sample, "discriminated", "yes"))
    assert disc.index[0] == "cuauhtemoc" and disc.iloc[0] - disc.iloc[1] >= 0.10
    none = _borough_share(sample, _flag(sample, "housing_barriers/none"))
    assert none.index[0] == "gustavo_a_madero" and none.iloc[0] - none.iloc[1] >= 0.10
    safe = _borough_share(sample, _is(sample, "feel_safe", "yes"))
    assert safe.index[-1] == "iztapalapa" and safe.iloc[-2] - safe.iloc[-1] >= 0.10


RELEVANCE = {  # question -> who is asked (docs/design.md)
    "children_0_5": lambda d: _is(d, "hh_children", "yes"),
    "children_over_5": lambda d: _is(d, "hh_children", "yes"),
    "children_permit": lambda d: _is(d, "hh_children", "yes"),
    "permit_plans": lambda d: _is(d, "residence_permit", "no"),
    "childcare": lambda d: _is(d, "children_0_5", "yes"),
    "school": lambda d: _is(d, "children_over_5", "yes"),
    "school_reasons": lambda d: _is(d, "school", "some", "none"),
    "disability_services": lambda d: _is(d, "disabled_member", "yes"),
    "risk_places": lambda d: _is(d, "knew_risks", "yes"),
    "perpetrators": lambda d: _is(d, "knew_risks", "yes"),
    "complaint_filed": lambda d: _is(d, "crime_victim", "yes"),
    "no_complaint_reasons": lambda d: _is(d, "complaint_filed", "no"),
    "relations_work": lambda d: _is(d, "occupation_now", *WORKING),
    "assistance_types": lambda d: _is(d, "assistance_received", "yes"),
    "providers": lambda d: _is(d, "assistance_received", "yes"),
}


@pytest.mark.parametrize("question", sorted(RELEVANCE))
def test_answers_only_where_asked(sample, question):
    asked = RELEVANCE[question](sample)
    assert asked.any() and (~asked).any()
    columns = [c for c in sample.columns if c == question or c.startswith(question + "/")]
    for column in columns:
        assert sample.loc[~asked, column].isna().all(), column
        assert sample.loc[asked, column].notna().all(), column


def test_unconditional_questions_always_answered(sample):
    conditional = {c for q in RELEVANCE for c in sample.columns
                   if c == q or c.startswith(q + "/")}
    always = [c for c in sample.columns if c not in conditional and not c.startswith("gps_")]
    assert sample[always].notna().all().all()


def test_select_multiple_summary_matches_flags(sample):
    flags = [c for c in sample.columns if c.startswith("housing_barriers/")]
    rebuilt = sample[flags].apply(
        lambda row: " ".join(c.split("/")[1] for c in flags if row[c]), axis=1)
    assert (rebuilt == sample["housing_barriers"]).all()
    assert str(sample["housing_barriers/none"].dtype) == "boolean"
    # "none" never comes with another barrier; somebody asked always has at least one answer
    others = sample[[c for c in flags if not c.endswith("/none")]].any(axis=1)
    assert not (sample["housing_barriers/none"] & others).any()
    assert (sample["housing_barriers/none"] | others).all()


def test_eligibility_and_types(sample):
    assert sample["age"].dtype == "Int64" and sample["age"].min() >= 18
    assert not sample["time_in_city"].isin(["lt_3m", "gt_5y"]).any()
    assert sample["hh_size"].dtype == "Int64" and sample["hh_size"].min() >= 1
    assert sample["gps_lat"].dtype == "Float64"
    times = pd.to_datetime(sample["_submission_time"])
    assert times.min() >= pd.Timestamp("2021-06-01") and times.max() < pd.Timestamp("2021-11-01")


def test_gps_points(sample, areas):
    has = sample["gps_lat"].notna()
    assert 0.55 <= has.mean() <= 0.65
    pts = gpd.GeoDataFrame(
        sample.loc[has, ["borough"]],
        geometry=gpd.points_from_xy(sample.loc[has, "gps_lon"].astype(float),
                                    sample.loc[has, "gps_lat"].astype(float)),
        crs="EPSG:4326").to_crs(areas.crs)
    # coordinates rounded to 5 decimals
    assert (sample.loc[has, "gps_lat"].astype(float).round(5)
            == sample.loc[has, "gps_lat"].astype(float)).all()
    joined = gpd.sjoin(pts, areas[["area_name", "geometry"]], predicate="within", how="left")
    assert joined["area_name"].notna().all(), "every point is inside the city"
    declared = joined["borough"].map(BOROUGH_NAMES)
    assert 2 <= int((declared != joined["area_name"]).sum()) <= 4
    to_other = [areas.loc[areas.area_name != inside, "geometry"].distance(point).min()
                for point, inside in zip(joined.geometry, joined["area_name"], strict=True)]
    assert 1 <= sum(0.5 < d < 10 for d in to_other) <= 2, "one point a few metres from a border"


def test_deterministic():
    a = generate_respondents(60, seed=9)
    b = generate_respondents(60, seed=9)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(generate_respondents(60, seed=10))


def test_committed_sample_is_fresh(tmp_path):
    fresh = write_sample(tmp_path / "sample.csv")
    assert fresh.read_bytes() == SAMPLE_PATH.read_bytes(), \
        "data/sample_kobo.csv is stale: run python -m geo4mi.synthetic"


def test_export_layout(sample):
    export = to_kobo_export(sample.drop(columns="group"))
    cols = list(export.columns)
    assert cols[:2] == ["start", "end"]
    assert cols[-10:] == ["_id", "_uuid", "_submission_time", "_validation_status", "_notes",
                          "_status", "_submitted_by", "__version__", "_tags", "_index"]
    assert {"profile/age", "life_in_city/feel_safe", "interview_site", "gps", "_gps_latitude",
            "_gps_longitude", "_gps_altitude", "_gps_precision",
            "housing/housing_barriers", "housing/housing_barriers/none"} <= set(cols)
    at = cols.index("gps")
    assert cols[at:at + 5] == ["gps", "_gps_latitude", "_gps_longitude", "_gps_altitude",
                               "_gps_precision"]
    # select_multiple choice columns are 0/1, empty exactly where the question was not asked
    asked = sample["assistance_received"] == "yes"
    food = export["life_in_city/assistance_types/food"]
    assert food[~asked.to_numpy()].isna().all()
    assert set(food[asked.to_numpy()]) == {"0", "1"}
    assert export.loc[~asked.to_numpy(), "life_in_city/assistance_types"].isna().all()
    # the raw geopoint is "lat lon alt precision" and agrees with the split columns
    has = export["gps"].notna()
    parts = export.loc[has, "gps"].str.split(" ", expand=True)
    assert parts.shape[1] == 4
    assert (parts[0] == export.loc[has, "_gps_latitude"]).all()
    assert (parts[1].astype(float) == sample.loc[has.to_numpy(), "gps_lon"].astype(float)).all()
    assert export.loc[~has, "_gps_latitude"].isna().all()
    assert (export["profile/age"] == sample["age"].astype(str).to_numpy()).all()


def test_csv_file_format(tmp_path):
    path = write_sample(tmp_path / "s.csv", n=25, seed=2)
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 26 and len({len(r) for r in rows}) == 1
    assert text.startswith('"start";"end";')
    back = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    assert back["_index"].tolist() == [str(i) for i in range(1, 26)]


def test_refuses_bad_arguments(areas):
    with pytest.raises(ValueError, match="positive integer"):
        generate_respondents(0)
    with pytest.raises(BoundaryError, match="Cuauhtémoc"):
        generate_respondents(10, areas=areas[areas.area_name != "Cuauhtémoc"])


def test_scales_to_thousands():
    big = generate_respondents(5000, seed=7)
    assert len(big) == 5000 and big["_uuid"].is_unique
    share = (big["discriminated"] == "yes").mean()
    assert abs(share - 0.34) < 0.02
    safe = (big["feel_safe"] == "yes").groupby(big["borough"]).mean()
    assert safe.idxmin() == "iztapalapa"
    assert np.isclose(big["gps_lat"].notna().mean(), 0.6, atol=0.001)


def test_docs_calibration_table_is_current(sample):
    """docs/synthetic.md shows the values the bundled sample really has."""
    lines = (REPO / "docs" / "synthetic.md").read_text(encoding="utf-8").splitlines()
    shown = {}
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`") and cells[4]:
            shown[cells[0].strip("`")] = (float(cells[2]), float(cells[3]), int(cells[4]))
    assert set(shown) == set(TARGETS)
    for figure, (report, synthetic, n) in shown.items():
        value, count = measure(sample, figure)
        assert (report, synthetic, n) == (TARGETS[figure][1], round(value, 1), count), figure


def _tiny_form(path: Path, extra: tuple[str, str] | None = None) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label"])
    survey.append(["begin_group", "life_in_city", "Vida"])
    survey.append(["select_one yes_no", "feel_safe", "¿Seguro?"])
    if extra:
        survey.append([extra[0], extra[1], "Extra"])
    survey.append(["end_group", None, None])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    choices.append(["yes_no", "yes", "Sí"])
    choices.append(["yes_no", "no", "No"])
    book.save(path)
    return path


def test_follows_a_smaller_form(tmp_path):
    people = generate_respondents(15, seed=3, form_path=_tiny_form(tmp_path / "f.xlsx"))
    assert list(people.columns) == ["feel_safe", "_id", "_uuid", "_submission_time"]
    export = to_kobo_export(people, _tiny_form(tmp_path / "f.xlsx"))
    assert list(export.columns[:1]) == ["life_in_city/feel_safe"]


def test_refuses_questions_it_cannot_answer(tmp_path):
    form = _tiny_form(tmp_path / "f.xlsx", extra=("text", "comments"))
    with pytest.raises(FormError, match="comments: the synthetic sample has no answers"):
        generate_respondents(5, form_path=form)
    with pytest.raises(FormError, match="column 'comments' of the form is missing"):
        to_kobo_export(generate_respondents(5), form)


def test_export_reads_back_to_the_same_respondents(sample):
    """geo4mi's own export reader turns the bundled CSV back into the generated frame."""
    from geo4mi.survey.exports import read_export
    from geo4mi.survey.xlsform import read_form

    back, issues = read_export(SAMPLE_PATH, read_form(FORM))
    assert issues.empty, issues.head().to_string()
    pd.testing.assert_frame_equal(back.drop(columns="_row"), sample.drop(columns="group"))


def test_command_line_writes_the_same_file_as_write_sample(tmp_path):
    """``python -m geo4mi.synthetic`` (how data/README.md says to regenerate) = write_sample."""
    import subprocess
    import sys

    out = tmp_path / "cli.csv"
    done = subprocess.run([sys.executable, "-m", "geo4mi.synthetic", "--output", str(out),
                           "-n", "12", "--seed", "1"], capture_output=True, text=True,
                          check=True, cwd=tmp_path)
    assert done.stdout.strip() == str(out)
    assert out.read_bytes() == write_sample(tmp_path / "api.csv", n=12, seed=1).read_bytes()


def _form(path: Path, survey: list[list[str | None]], choices: list[list[str]] | None) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in [["type", "name", "label"], *survey]:
        sheet.append(row)
    if choices is not None:
        sheet = book.create_sheet("choices")
        for row in [["list_name", "name", "label"], *choices]:
            sheet.append(row)
    book.save(path)
    return path


YES_NO = [["yes_no", "yes", "Sí"], ["yes_no", "no", "No"]]


@pytest.mark.parametrize("survey, choices, message", [
    ([["select_one yes_no", "feel_safe", "?"]], None,
     r"sheet 'choices' is missing or empty; an XLSForm needs 'survey' and 'choices' sheets"),
    ([["select_one yes_no", "feel_safe", "?"], ["end_group", None, None]], YES_NO,
     r"sheet 'survey', row 3, column 'type': 'end_group' without a matching begin"),
    ([["select_one safe_list", "feel_safe", "?"]], YES_NO,
     r"row 2, column 'type': choice list 'safe_list' is not in the choices sheet; add it"),
], ids=["no choices sheet", "unmatched end group", "unknown choice list"])
def test_refuses_a_broken_form(tmp_path, survey, choices, message):
    form = _form(tmp_path / "f.xlsx", survey, choices)
    with pytest.raises(FormError, match=message):
        generate_respondents(5, form_path=form)
    with pytest.raises(FormError, match=message):
        to_kobo_export(generate_respondents(5), form)


def test_refuses_a_missing_form(tmp_path):
    with pytest.raises(InputFileError, match=r"nowhere\.xlsx: XLSForm not found; check the path"):
        generate_respondents(5, form_path=tmp_path / "nowhere.xlsx")


def test_refuses_answers_outside_the_forms_choice_list(tmp_path):
    """A form whose list lacks a drawn answer is refused, naming the question and the list."""
    form = _form(tmp_path / "f.xlsx", [["select_one yes_no", "feel_safe", "?"]],
                 [["yes_no", "yes", "Sí"], ["yes_no", "maybe", "Quizás"]])
    with pytest.raises(FormError, match=r"feel_safe: choices \['no'\] are not in list 'yes_no'"):
        generate_respondents(5, form_path=form)
