"""Estimation: Wilson intervals, counting rules, suppression, no data, areas and groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo4mi.errors import CatalogueError, ExpressionError, SurveyDataError
from geo4mi.indicators.catalogue import add_derived
from geo4mi.indicators.estimate import CITY, COLUMNS, Z95, estimate, wilson_interval

CATALOGUE = """
[themes.life]
label = { es = "Vida", en = "Life" }

[derived.age_group]
from = "age"
label = { es = "Edad", en = "Age" }
bins = [18, 40, inf]
labels = ["young", "older"]
values.young = { es = "18 a 39", en = "18-39" }
values.older = { es = "40 y más", en = "40+" }

[[indicator]]
id = "feel_safe"
theme = "life"
label = { es = "Seguras", en = "Safe" }
question = "feel_safe"
choices = ["yes"]
direction = "higher_better"

[[indicator]]
id = "aware"
theme = "life"
label = { es = "Conocen", en = "Aware" }
question = "aware"
choices = ["yes"]
exclude = ["dont_know"]
direction = "higher_better"

[[indicator]]
id = "assist_food"
theme = "life"
label = { es = "Alimentos", en = "Food" }
question = "assistance_types"
choices = ["food"]
not_asked = "no"
direction = "neutral"

[[indicator]]
id = "assist_food_recipients"
theme = "life"
label = { es = "Alimentos (quienes recibieron)", en = "Food (recipients)" }
question = "assistance_types"
choices = ["food"]
direction = "neutral"

[[indicator]]
id = "barrier_cost"
theme = "life"
label = { es = "Costo", en = "Cost" }
question = "barriers"
choices = ["cost"]
universe = "answered(barriers) and not selected(barriers, 'none')"
universe_label = { es = "Con obstáculos", en = "With barriers" }
direction = "higher_worse"

[[indicator]]
id = "internet_any"
theme = "life"
label = { es = "Internet", en = "Internet" }
numerator = "internet_home == 'regular' or internet_phone == 'yes'"
direction = "higher_better"

[[indicator]]
id = "complaint"
theme = "life"
label = { es = "Denuncia", en = "Complaint" }
question = "complaint_filed"
choices = ["yes"]
universe = "crime_victim == 'yes'"
universe_label = { es = "Víctimas", en = "Victims" }
direction = "higher_better"
"""


#: Every question of CATALOGUE (and the grouping column), unanswered unless a test gives it.
QUESTIONS = ("area_id", "age", "feel_safe", "aware", "assistance_types/food", "barriers/cost",
             "barriers/none", "internet_home", "internet_phone", "crime_victim",
             "complaint_filed", "gender")


@pytest.fixture
def catalogue(make_catalogue):
    return make_catalogue(CATALOGUE)


@pytest.fixture
def frame(make_respondents):
    """``frame(**columns)``: a respondents frame; every catalogue question defaults to
    unanswered."""
    return lambda **columns: make_respondents(columns, unanswered=QUESTIONS, integers=("age",))


def row(est: pd.DataFrame, indicator: str, area: str = CITY, group_var: str = "all",
        value: str = "all") -> pd.Series:
    hit = est[(est.indicator == indicator) & (est.area_id == area)
              & (est.group_var == group_var) & (est.group_value == value)]
    assert len(hit) == 1
    return hit.iloc[0]


def counts(est, indicator, area=CITY, group_var="all", value="all"):
    r = row(est, indicator, area, group_var, value)
    return ((None if pd.isna(r.numerator) else int(r.numerator)),
            (None if pd.isna(r.n) else int(r.n)), r.status)


# -- Wilson -----------------------------------------------------------------------------------

@pytest.mark.parametrize("k, n, low, high", [
    # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (score)
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (34, 100, 0.2546, 0.4372),
    (0, 1, 0.0000, 0.7935),
    (1, 1, 0.2065, 1.0000),
    (10, 10, 0.7225, 1.0000),
])
def test_wilson_known_values(k, n, low, high):
    lo, hi = wilson_interval(k, n)
    assert (round(lo, 4), round(hi, 4)) == (low, high)


def test_wilson_bounds_solve_the_score_equation():
    k = np.array([1, 7, 50, 99])
    n = np.array([3, 40, 100, 100])
    low, high = wilson_interval(k, n)
    p = k / n
    for bound in (low, high):
        # (p - b)^2 = z^2 b (1 - b) / n  is the definition of the score interval
        np.testing.assert_allclose((p - bound) ** 2, Z95 ** 2 * bound * (1 - bound) / n,
                                   rtol=1e-9)
    assert np.all(low < p) and np.all(p < high)


def test_wilson_edges_and_shapes():
    low, high = wilson_interval([0, 3, 0], [5, 3, 0])
    assert low[0] == 0.0 and high[1] == 1.0
    assert np.isnan(low[2]) and np.isnan(high[2])
    assert isinstance(wilson_interval(2, 4)[0], float)
    assert np.isnan(wilson_interval(0, 0)[0])
    narrow = wilson_interval(50, 100, z=1.0)
    assert narrow[1] - narrow[0] < np.subtract(*wilson_interval(50, 100)[::-1])


def test_wilson_rejects_impossible_counts():
    with pytest.raises(ValueError, match=r"need 0 <= k <= n, got k=5, n=4"):
        wilson_interval(5, 4)
    with pytest.raises(ValueError, match=r"need 0 <= k <= n"):
        wilson_interval([-1], [4])


# -- the table --------------------------------------------------------------------------------

def test_table_shape_dtypes_and_order(catalogue, frame):
    df = add_derived(frame(area_id=["b"] * 12 + ["a"] * 3, feel_safe=["yes"] * 15,
                           gender=["woman", "man", "other"] * 5, age=[20, 50, 30] * 5),
                     catalogue)
    est = estimate(df, catalogue, area_ids=["b", "c", "a"], groups=["gender", "age_group"])
    assert tuple(est.columns) == COLUMNS
    assert {c: str(est[c].dtype) for c in COLUMNS} == {
        "indicator": "str", "area_id": "str", "group_var": "str", "group_value": "str",
        "numerator": "Int64", "n": "Int64", "p": "Float64", "ci_low": "Float64",
        "ci_high": "Float64", "status": "str", "deff": "Float64", "n_eff": "Float64",
        "ci_method": "str", "design": "str", "suppression": "str", "stat": "str"}
    # values of a plain group without a form: sorted observed values
    per_area = [("all", "all"), ("gender", "man"), ("gender", "other"), ("gender", "woman"),
                ("age_group", "young"), ("age_group", "older")]
    assert len(est) == len(catalogue) * 4 * len(per_area)
    first = est[est.indicator == "feel_safe"]
    assert first.area_id.tolist() == [a for a in [CITY, "a", "b", "c"] for _ in per_area]
    assert list(zip(first.group_var, first.group_value, strict=True))[:6] == per_area
    assert est.indicator.unique().tolist() == catalogue.ids
    assert est.index.tolist() == list(range(len(est)))


def test_suppression_no_data_and_ok(catalogue, frame):
    df = frame(area_id=["a"] * 10 + ["b"] * 9, feel_safe=["yes"] * 4 + ["no"] * 6 + ["yes"] * 9)
    # by default "a" is hidden too, or the city-wide 13 minus a's 4 would give b's 9
    est = estimate(df, catalogue, area_ids=["a", "b", "c"], groups=[], min_n=10)
    assert counts(est, "feel_safe", "a") == (None, None, "suppressed")
    assert row(est, "feel_safe", "a").suppression == "complementary"
    assert row(est, "feel_safe", "b").suppression == "small_n"
    est = estimate(df, catalogue, area_ids=["a", "b", "c"], groups=[], min_n=10,
                   complementary=False)
    assert counts(est, "feel_safe", "a") == (4, 10, "ok")
    assert counts(est, "feel_safe", "b") == (None, None, "suppressed")  # n too: 9 < 10
    assert counts(est, "feel_safe", "c") == (None, 0, "no_data")
    assert counts(est, "feel_safe") == (13, 19, "ok")
    ok = row(est, "feel_safe", "a")
    assert ok.p == pytest.approx(0.4)
    assert (ok.ci_low, ok.ci_high) == pytest.approx(wilson_interval(4, 10))
    for area in ("b", "c"):
        r = row(est, "feel_safe", area)
        assert pd.isna(r.p) and pd.isna(r.ci_low) and pd.isna(r.ci_high)
    # every estimate not ok has no numerator, proportion or interval
    bad = est[est.status != "ok"]
    assert bad[["numerator", "p", "ci_low", "ci_high"]].isna().all().all()
    assert est.loc[est.status == "no_data", "n"].eq(0).all()


def test_min_n_is_the_first_published_size(catalogue, frame):
    df = frame(area_id=["a"] * 5, feel_safe=["yes"] * 5)
    assert counts(estimate(df, catalogue, area_ids=["a"], groups=[], min_n=5),
                  "feel_safe", "a")[2] == "ok"
    assert counts(estimate(df, catalogue, area_ids=["a"], groups=[], min_n=6),
                  "feel_safe", "a")[2] == "suppressed"


def test_zero_percent_is_ok_and_distinct_from_no_data(catalogue, frame):
    df = frame(area_id=["a"] * 12, feel_safe=["no"] * 12)
    est = estimate(df, catalogue, area_ids=["a", "b"], groups=[])
    zero, none = row(est, "feel_safe", "a"), row(est, "feel_safe", "b")
    assert (zero.status, zero.numerator, zero.p, zero.ci_low) == ("ok", 0, 0.0, 0.0)
    assert zero.ci_high > 0
    assert none.status == "no_data" and pd.isna(none.p)


def test_unassigned_respondents_count_city_wide_only(catalogue, caplog, frame):
    df = frame(area_id=["a"] * 10 + [None] * 5 + ["zz"] * 2, feel_safe=["yes"] * 17)
    est = estimate(df, catalogue, area_ids=["a"], groups=[])
    assert counts(est, "feel_safe") == (17, 17, "ok")
    assert counts(est, "feel_safe", "a") == (10, 10, "ok")
    assert set(est.area_id) == {CITY, "a"}
    assert "'zz'" in caplog.text  # unknown area ids are reported


def test_nobody_placed(catalogue, frame):
    df = frame(feel_safe=["yes"] * 12)
    df["area_id"] = np.nan  # a float column of NaN
    est = estimate(df, catalogue, area_ids=["a"], groups=[])
    assert counts(est, "feel_safe") == (12, 12, "ok")
    assert counts(est, "feel_safe", "a") == (None, 0, "no_data")


def test_group_cells_and_missing_group_values(catalogue, frame):
    df = add_derived(frame(
        area_id=["a"] * 12 + ["b"] * 12,
        gender=(["woman"] * 6 + ["man"] * 6) * 2,
        age=[20] * 11 + [None] + [45] * 12,
        feel_safe=(["yes"] * 4 + ["no"] * 2 + ["yes"] * 1 + ["no"] * 5) * 2), catalogue)
    est = estimate(df, catalogue, area_ids=["a", "b"], groups=["gender", "age_group"],
                   min_n=5)
    assert counts(est, "feel_safe", "a", "gender", "woman") == (4, 6, "ok")
    assert counts(est, "feel_safe", "a", "gender", "man") == (1, 6, "ok")
    assert counts(est, "feel_safe", CITY, "gender", "woman") == (8, 12, "ok")
    assert counts(est, "feel_safe", "a", "age_group", "young") == (5, 11, "ok")
    assert counts(est, "feel_safe", "a", "age_group", "older") == (None, 0, "no_data")
    assert counts(est, "feel_safe", "b", "age_group", "older") == (5, 12, "ok")
    # the respondent without age counts in "all" but in no age group
    assert counts(est, "feel_safe", CITY, "age_group", "young")[1] == 11
    assert counts(est, "feel_safe", CITY)[1] == 24
    # margins: group cells add up to the total of each area
    for area in (CITY, "a", "b"):
        cells = est[(est.indicator == "feel_safe") & (est.area_id == area)
                    & (est.group_var == "gender")]
        assert cells.n.sum() == row(est, "feel_safe", area).n


def test_group_order_follows_derived_values_and_categoricals(catalogue, frame):
    df = add_derived(frame(area_id=["a"] * 3, age=[50, 50, 50], feel_safe=["yes"] * 3),
                     catalogue)
    df["colour"] = pd.Categorical(["red"] * 3, categories=["red", "blue"])
    est = estimate(df, catalogue, area_ids=["a"], groups=["age_group", "colour", "all"])
    part = est[(est.indicator == "feel_safe") & (est.area_id == CITY)]
    assert list(zip(part.group_var, part.group_value, strict=True)) == [
        ("all", "all"), ("age_group", "young"), ("age_group", "older"), ("colour", "red"),
        ("colour", "blue")]


def test_exclude_removes_answers_from_the_denominator(catalogue, frame):
    df = frame(area_id=["a"] * 20, aware=["yes"] * 6 + ["no"] * 6 + ["dont_know"] * 8)
    assert counts(estimate(df, catalogue, area_ids=["a"], groups=[]), "aware") == \
        (6, 12, "ok")


def test_not_asked_no_counts_missing_as_no(catalogue, frame):
    food = [True] * 4 + [False] * 6 + [None] * 10
    df = frame(area_id=["a"] * 20, **{"assistance_types/food": food})
    est = estimate(df, catalogue, area_ids=["a"], groups=[])
    assert counts(est, "assist_food") == (4, 20, "ok")
    assert counts(est, "assist_food_recipients") == (4, 10, "ok")


def test_select_multiple_universe(catalogue, frame):
    df = frame(area_id=["a"] * 30,
               **{"barriers/cost": [True] * 5 + [False] * 10 + [False] * 10 + [None] * 5,
                  "barriers/none": [False] * 5 + [False] * 10 + [True] * 10 + [None] * 5})
    est = estimate(df, catalogue, area_ids=["a"], groups=[])
    assert counts(est, "barrier_cost") == (5, 15, "ok")


def test_composite_numerator_uses_three_valued_logic(catalogue, frame):
    df = frame(area_id=["a"] * 14,
               internet_home=["regular"] * 4 + ["never"] * 4 + [None] * 6,
               internet_phone=[None] * 4 + ["yes"] * 2 + ["no"] * 2 + ["yes"] * 3 + [None] * 3)
    # regular home (4, phone unknown) and phone yes (2 + 3 with home unknown) are yes;
    # never+no (2) are no; unknown or unknown (3) leave the denominator
    assert counts(estimate(df, catalogue, area_ids=["a"], groups=[]), "internet_any") == \
        (9, 11, "ok")


def test_universe_restricts_the_denominator(catalogue, frame):
    df = frame(area_id=["a"] * 16, crime_victim=["yes"] * 12 + ["no"] * 2 + [None] * 2,
               complaint_filed=["yes"] * 3 + ["no"] * 8 + [None] + [None] * 4)
    assert counts(estimate(df, catalogue, area_ids=["a"], groups=[]), "complaint") == \
        (3, 11, "ok")


def test_no_respondents_at_all(catalogue, frame):
    est = estimate(frame(area_id=[]), catalogue, area_ids=["a", "b"], groups=[])
    assert len(est) == len(catalogue) * 3
    assert set(est.status) == {"no_data"}


def test_matches_a_plain_groupby_on_random_data(catalogue, frame):
    rng = np.random.default_rng(5)
    n = 3000

    def pick(options, p_na=0.1):
        out = np.array(options, dtype=object)[rng.integers(0, len(options), n)]
        out[rng.random(n) < p_na] = None
        return list(out)

    df = add_derived(frame(area_id=pick(["a", "b", "c", "d"]), gender=pick(["man", "woman"]),
                           age=list(rng.integers(15, 80, n)), feel_safe=pick(["yes", "no"])),
                     catalogue)
    est = estimate(df, catalogue, area_ids=["a", "b", "c", "d", "e"],
                   groups=["gender", "age_group"], min_n=1)
    work = pd.DataFrame({"area": df.area_id.astype(object), "gender": df.gender.astype(object),
                         "den": df.feel_safe.notna(), "num": df.feel_safe == "yes"})
    for (area, gender), g in work.groupby(["area", "gender"]):
        assert counts(est, "feel_safe", area, "gender", gender)[:2] == \
            (int(g.num.sum()), int(g.den.sum()))
    assert counts(est, "feel_safe")[:2] == (int(work.num.sum()), int(work.den.sum()))


def test_progress_callback(catalogue, frame):
    seen: list[float] = []
    estimate(frame(area_id=["a"]), catalogue, area_ids=["a"], groups=[], progress=seen.append)
    assert seen == pytest.approx([(i + 1) / len(catalogue) for i in range(len(catalogue))])


# -- errors -----------------------------------------------------------------------------------

def test_errors(catalogue, frame):
    df = frame(area_id=["a"], feel_safe=["yes"])
    with pytest.raises(SurveyDataError, match=r"no 'area_id' column; place them"):
        estimate(df.drop(columns="area_id"), catalogue, area_ids=["a"], groups=[])
    with pytest.raises(SurveyDataError, match=r"grouping variable 'nationality_group' is not "
                                              r"a column .*run add_derived first"):
        estimate(df, catalogue, area_ids=["a"], groups=["nationality_group"])
    with pytest.raises(SurveyDataError, match=r"grouping variable 'age' holds number"):
        estimate(df, catalogue, area_ids=["a"], groups=["age"])
    with pytest.raises(SurveyDataError, match=r"area ids must be unique and not '_city'; "
                                              r"got 'a'"):
        estimate(df, catalogue, area_ids=["a", "a"], groups=[])
    with pytest.raises(CatalogueError, match=r"min_n must be a whole number >= 1, got 0"):
        estimate(df, catalogue, area_ids=["a"], groups=[], min_n=0)
    with pytest.raises(SurveyDataError, match=r"indicator 'aware': question 'aware' is not "
                                              r"in the respondents"):
        estimate(df.drop(columns="aware"), catalogue, area_ids=["a"], groups=[])
    with pytest.raises(SurveyDataError, match=r"indicator 'assist_food': question "
                                              r"'assistance_types' is not in the respondents "
                                              r"\(nor a choice column such as "
                                              r"'assistance_types/food'\)"):
        estimate(df.drop(columns="assistance_types/food"), catalogue, area_ids=["a"],
                 groups=[])
    with pytest.raises(SurveyDataError, match=r"question 'aware' holds number, not choices"):
        estimate(df.assign(aware=1.5), catalogue, area_ids=["a"], groups=[])


def test_unknown_universe_column_names_the_catalogue(catalogue, frame):
    df = frame(area_id=["a"], feel_safe=["yes"]).drop(columns="crime_victim")
    with pytest.raises(ExpressionError, match=r"cat\.toml: \[\[indicator\]\] #7 "
                                              r"\('complaint'\), key 'universe': expression "
                                              r"\"crime_victim == 'yes'\": unknown question "
                                              r"'crime_victim'"):
        estimate(df, catalogue, area_ids=["a"], groups=[])


def test_progress_bar_on_stderr(catalogue, capsys, frame):
    estimate(frame(area_id=["a"]), catalogue, area_ids=["a"], groups=[], progress=True)
    err = capsys.readouterr().err
    assert "indicators [" in err and "100%" in err and err.endswith("\n")


def test_missing_choice_column_of_a_checked_select_multiple(catalogue, frame):
    from dataclasses import replace

    ind = replace(catalogue["assist_food_recipients"], kind="select_multiple")
    cat = replace(catalogue, indicators=(ind,))
    df = frame(area_id=["a"]).drop(columns="assistance_types/food")
    df["assistance_types/other"] = pd.array([True], dtype="boolean")
    with pytest.raises(SurveyDataError, match=r"indicator 'assist_food_recipients': column "
                                              r"'assistance_types/food' is not in the "
                                              r"respondents"):
        estimate(df, cat, area_ids=["a"], groups=[])


def test_a_question_without_a_column_in_the_export_is_an_error():
    """read_export fills a missing column with NA; estimating from it would give 'no data'
    everywhere and exit 0, so it is refused (issue 10)."""
    from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue

    cat = load_catalogue(bundled_catalogue_path()).subset(["discriminated"])
    df = pd.DataFrame({"area_id": ["09015"] * 4, "gender": pd.array([pd.NA] * 4, dtype="string"),
                       "discriminated": ["yes", "no", "no", "yes"]})
    df.attrs.update(source="export.csv", absent_questions=["gender"])
    with pytest.raises(SurveyDataError, match=r"export\.csv: no column for question 'gender', "
                                              r"which group 'gender' read; add the column"):
        estimate(df, cat, area_ids=["09015"], groups=["gender"])
    assert len(estimate(df, cat, area_ids=["09015"], groups=[]))  # not read: fine


def test_the_bundled_study_s_estimates_already_follow_the_publication_rule():
    """estimate() builds hidden rows as published() would show them (it no longer copies
    the table through published()): same values, dtypes and order, with every reason of
    suppression, numeric statistics and a cluster design in play."""
    from geo4mi.indicators.design import design_from_study
    from geo4mi.indicators.suppression import published
    from geo4mi.pipeline import check
    from geo4mi.study import bundled_study_path

    checked = check(bundled_study_path())
    study = checked.study
    kept = add_derived(checked.kept, checked.catalogue)
    est = estimate(kept, checked.catalogue, area_ids=checked.areas["area_id"].tolist(),
                   groups=list(study.indicators.groups), min_n=study.min_n,
                   design=design_from_study(study))
    assert {"small_n", "complementary", "linked", ""} <= set(est["suppression"])
    assert {"ok", "suppressed", "no_data"} == set(est["status"])
    assert (est["stat"] != "prop").any()
    assert list(est.columns) == list(COLUMNS)
    assert isinstance(est.index, pd.RangeIndex)
    pd.testing.assert_frame_equal(published(est), est, check_exact=True)


@pytest.mark.parametrize("design, min_n, complementary", [
    ("cluster", 10, True),  # the bundled study's: the true table drops the design
    ("weight", 10, True),  # weighted: numeric statistics estimated again without weights
    (None, 5, False),  # no design: everything of the published table is reused
])
def test_estimate_with_truth_is_the_two_separate_estimates(design, min_n, complementary):
    """The published and the true table counted in one pass are exactly what two calls of
    estimate() return (disclosure control compares them figure by figure)."""
    from geo4mi.indicators.design import Design
    from geo4mi.indicators.estimate import estimate_with_truth
    from geo4mi.pipeline import check
    from geo4mi.study import bundled_study_path

    checked = check(bundled_study_path())
    kept = add_derived(checked.kept, checked.catalogue)
    kept["w"] = np.random.default_rng(3).uniform(0.5, 2.0, len(kept))
    chosen = {"cluster": Design(cluster="enumerator"),
              "weight": Design(weight="w", cluster="enumerator"), None: None}[design]
    args = {"area_ids": checked.areas["area_id"].tolist(),
            "groups": list(checked.study.indicators.groups)}
    assert (checked.catalogue.indicators[-1].stat != "prop")  # numeric statistics in play
    est, truth = estimate_with_truth(kept, checked.catalogue, min_n=min_n,
                                     complementary=complementary, design=chosen, **args)
    pd.testing.assert_frame_equal(
        est, estimate(kept, checked.catalogue, min_n=min_n, complementary=complementary,
                      design=chosen, **args), check_exact=True)
    pd.testing.assert_frame_equal(
        truth, estimate(kept, checked.catalogue, min_n=1, complementary=False, **args),
        check_exact=True)
    assert (est["status"] == "suppressed").any() and not (truth["status"] == "suppressed").any()
