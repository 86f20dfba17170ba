"""Means, medians and ratios: checked against statsmodels, scipy and direct loops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom
from scipy.stats import t as student
from statsmodels.stats.weightstats import DescrStatsW

from geo4mi.errors import CatalogueError, StudyError
from geo4mi.indicators.catalogue import add_numeric, bundled_catalogue_path, load_catalogue
from geo4mi.indicators.design import Design
from geo4mi.indicators.estimate import CITY, estimate, proportions
from geo4mi.indicators.numeric import numeric_exclusions, order_statistic_rank
from geo4mi.indicators.suppression import published

AREAS = ["a", "b", "c"]


@pytest.fixture(scope="module")
def catalogue():
    base = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
    return add_numeric(base, None, questions=["size", "income"], missing_codes=[-99, 999],
                       ratios=[{"id": "income_per_person", "numerator": "income",
                                "denominator": "size"}])


def survey(n: int = 400, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    site = rng.integers(0, 12, n)
    size = rng.poisson(2.0 + 0.3 * (site % 4), n) + 1
    return pd.DataFrame({
        "area_id": rng.choice(["a", "b", "c", "d-unplaced"], n, p=[0.5, 0.3, 0.17, 0.03]),
        "feel_safe": rng.choice(["yes", "no"], n),
        "gender": rng.choice(["woman", "man"], n),
        "size": pd.array(size, dtype="Int64"),
        "income": pd.array(np.round(rng.gamma(2.0, 500.0, n) * size ** 0.5, 1),
                           dtype="Float64"),
        "site": pd.array(np.char.add("s", site.astype(str)).astype(object), dtype="str"),
        "w": rng.uniform(0.5, 3.0, n),
    })


def cell(est, indicator, area=CITY, var="all", value="all"):
    return est[(est.indicator == indicator) & (est.area_id == area) & (est.group_var == var)
               & (est.group_value == value)].iloc[0]


def domain(df, area=CITY, var="all", value="all"):
    m = np.ones(len(df), bool) if area == CITY else (df.area_id == area).to_numpy()
    if var != "all":
        m = m & (df[var] == value).to_numpy()
    return m


CELLS = [(CITY, "all", "all"), ("a", "all", "all"), ("b", "gender", "woman"),
         (CITY, "gender", "man")]


@pytest.mark.parametrize("where", CELLS)
def test_mean_matches_statsmodels_t_interval(catalogue, where):
    df = survey()
    est = estimate(df, catalogue, area_ids=AREAS, groups=["gender"])
    row = cell(est, "size_mean", *where)
    y = df["size"].to_numpy(float)[domain(df, *where)]
    d = DescrStatsW(y)
    low, high = d.tconfint_mean()
    assert (row.stat, row.ci_method, int(row.n)) == ("mean", "t", len(y))
    assert float(row.p) == pytest.approx(d.mean, rel=1e-12)
    assert (float(row.ci_low), float(row.ci_high)) == pytest.approx((low, high), rel=1e-10)
    assert pd.isna(row.numerator)


@pytest.mark.parametrize("where", CELLS)
def test_median_and_order_statistic_interval_match_a_direct_computation(catalogue, where):
    df = survey()
    est = estimate(df, catalogue, area_ids=AREAS, groups=["gender"])
    row = cell(est, "income_median", *where)
    y = np.sort(df["income"].to_numpy(float)[domain(df, *where)])
    n = len(y)
    # the largest j with P(B <= j - 1) <= 2.5 %, by a plain loop over scipy's binomial
    j = max(k for k in range(n // 2 + 1) if k == 0 or binom.cdf(k - 1, n, 0.5) <= 0.025)
    assert 1 - 2 * binom.cdf(j - 1, n, 0.5) >= 0.95
    assert float(row.p) == pytest.approx(np.median(y))
    assert (float(row.ci_low), float(row.ci_high)) == (y[j - 1], y[n - j])
    assert row.ci_method == "order_statistic"


def test_order_statistic_rank_has_at_least_95_percent_coverage():
    n = np.arange(1, 300)
    j = order_statistic_rank(n)
    for size, rank in zip(n.tolist(), j.tolist(), strict=True):
        if rank:
            assert 1 - 2 * binom.cdf(rank - 1, size, 0.5) >= 0.95
            assert 1 - 2 * binom.cdf(rank, size, 0.5) < 0.95 or rank == size // 2
        else:
            assert 1 - 2 * binom.cdf(0, size, 0.5) < 0.95


def loop_ratio_variance(y, x, w, c, dom):
    """Documented linearised variance of sum(w y)/sum(w x), loop by loop (one stratum):
    z_j = sum_i w (y - R x) / sum(w x) per PSU, CR2 factor 1/(1 - h_j), h_j = B_j / sum B."""
    R = (w * y)[dom].sum() / (w * x)[dom].sum()
    X = (w * x)[dom].sum()
    psus = sorted(set(c))
    z = np.array([(w * (y - R * x))[dom & (c == j)].sum() / X for j in psus])
    B = np.array([(w * x)[dom & (c == j)].sum() for j in psus])
    h = B / B.sum()
    var = sum((zj - z.mean()) ** 2 / (1 - hj) for zj, hj in zip(z, h, strict=True) if hj < 1)
    return R, var, B.sum() ** 2 / (B ** 2).sum() - 1


@pytest.mark.parametrize("where", CELLS[:3])
def test_ratio_srs_variance_matches_a_direct_loop(catalogue, where):
    df = survey()
    est = estimate(df, catalogue, area_ids=AREAS, groups=["gender"])
    row = cell(est, "income_per_person", *where)
    m = domain(df, *where)
    y, x = df["income"].to_numpy(float)[m], df["size"].to_numpy(float)[m]
    n = len(y)
    R = y.sum() / x.sum()
    var = n / (n - 1) * sum((yi - R * xi) ** 2 for yi, xi in zip(y, x, strict=True)) / x.sum() ** 2
    half = student.ppf(0.975, n - 1) * np.sqrt(var)
    assert float(row.p) == pytest.approx(R, rel=1e-12)
    assert (float(row.ci_low), float(row.ci_high)) == pytest.approx((R - half, R + half))


@pytest.mark.parametrize("indicator,num,den", [("size_mean", "size", None),
                                               ("income_per_person", "income", "size")])
def test_design_based_mean_and_ratio_match_the_loop(catalogue, indicator, num, den):
    df = survey(600)
    est = estimate(df, catalogue, area_ids=AREAS, groups=["gender"],
                   design=Design(weight="w", cluster="site"))
    y = df[num].to_numpy(float)
    x = df[den].to_numpy(float) if den else np.ones(len(df))
    w, c = df["w"].to_numpy(float), df["site"].to_numpy(object)
    for where in CELLS:
        row = cell(est, indicator, *where)
        R, var, dof = loop_ratio_variance(y, x, w, c, domain(df, *where))
        if den is None:  # the weighted mean is statsmodels' weighted mean
            m = domain(df, *where)
            assert float(row.p) == pytest.approx(DescrStatsW(y[m], weights=w[m]).mean)
        assert float(row.p) == pytest.approx(R, rel=1e-10)
        m = domain(df, *where)
        srs = len(y[m]) / (len(y[m]) - 1) * ((y[m] - y[m].sum() / x[m].sum() * x[m]) ** 2
                                             ).sum() / x[m].sum() ** 2
        half = student.ppf(0.975, dof) * np.sqrt(max(var, srs))
        assert (float(row.ci_low), float(row.ci_high)) == pytest.approx((R - half, R + half),
                                                                        rel=1e-9)
        assert float(row.deff) == pytest.approx(var / srs, rel=1e-9)
        assert row.ci_method == "t_design"


def test_design_median_woodruff_is_inside_the_answers_and_equal_weights_keep_the_median(
        catalogue):
    df = survey(600)
    plain = estimate(df, catalogue, area_ids=AREAS, groups=["gender"])
    clustered = estimate(df, catalogue, area_ids=AREAS, groups=["gender"],
                         design=Design(cluster="site"))
    med = (plain.stat == "median") & (plain.status == "ok")
    pd.testing.assert_series_equal(plain.p[med], clustered.p[med])  # unweighted: same median
    rows = clustered[med]
    assert set(rows.ci_method) == {"woodruff"}
    both = rows.ci_low.notna() & rows.ci_high.notna()
    assert both.mean() > 0.9
    assert ((rows.ci_low <= rows.p) & (rows.p <= rows.ci_high))[both].all()


def test_codes_out_of_range_and_missing_are_counted_not_silently_dropped(catalogue):
    df = survey(200)
    df.loc[:4, "size"] = -99          # a "don't know" code
    df.loc[5:6, "income"] = 999       # "refused"
    df.loc[7:9, "size"] = pd.NA       # not answered
    ind = [catalogue["size_mean"], catalogue["income_per_person"]]
    table = numeric_exclusions(df, ind)
    got = {(r.indicator, r.reason): r.count for r in table.itertuples()}
    assert got == {("size_mean", "code"): 5, ("size_mean", "missing"): 3,
                   ("income_per_person", "code"): 7, ("income_per_person", "missing"): 3}
    est = estimate(df, catalogue, area_ids=AREAS, groups=[])
    assert int(cell(est, "size_mean").n) == 200 - 8
    kept = df["size"].drop(index=[0, 1, 2, 3, 4, 7, 8, 9])  # income codes keep size
    assert float(cell(est, "size_mean").p) == pytest.approx(kept.astype(float).mean())


def test_form_constraint_bounds_exclude_out_of_range_answers():
    from geo4mi.indicators.catalogue import Indicator
    from geo4mi.indicators.numeric import numeric_values
    ind = Indicator("age_mean", "t", {"es": "e", "en": "a"}, "neutral", question="age",
                    stat="mean", valid_range=(18.0, 100.0))
    _, _, why = numeric_values(pd.DataFrame({"age": [17, 18, 100, 101, None]}), ind)
    assert why.tolist() == [3, 0, 0, 3, 1]


def test_small_numeric_cells_are_suppressed_like_proportions(catalogue):
    df = survey(400)
    est = estimate(df, catalogue, area_ids=AREAS, groups=["gender"], min_n=40)
    small = est[(est.stat != "prop") & (est.suppression == "small_n")]
    assert len(small) and small[["n", "p", "ci_low", "ci_high"]].isna().all().all()
    # the mean of a line with a hidden cell: another is hidden too (its n and its sum)
    line = est[(est.indicator == "size_mean") & (est.group_var == "all") & (est.area_id != CITY)]
    assert (line.status == "suppressed").sum() != 1
    pd.testing.assert_frame_equal(published(est), est)  # the one contract, unchanged


def test_a_lone_smallest_or_largest_answer_is_never_published(catalogue):
    df = survey(60, seed=9)
    est = estimate(df, catalogue, area_ids=AREAS, groups=["gender"], min_n=3)
    for row in est[(est.stat == "median") & (est.status == "ok")].itertuples():
        y = np.sort(df["income"].to_numpy(float)[domain(df, row.area_id, row.group_var,
                                                        row.group_value)])
        for bound in (row.ci_low, row.ci_high):
            if not pd.isna(bound):
                lone_min = bound == y[0] and (len(y) < 2 or y[1] != y[0])
                lone_max = bound == y[-1] and (len(y) < 2 or y[-2] != y[-1])
                assert not (lone_min or lone_max), (row.area_id, row.group_value, bound)
    # continuous answers (no ties): the order-statistic interval of n < 9 would be [min, max]
    few = est[(est.indicator == "income_median") & (est.status == "ok") & (est.n < 9)]
    assert len(few) and few.ci_low.isna().all() and few.ci_high.isna().all()


def test_add_numeric_refuses_bad_declarations(catalogue):
    from geo4mi.resources import bundled_path
    from geo4mi.survey.xlsform import read_form
    form = read_form(bundled_path("data", "questionnaire.xlsx"))
    base = load_catalogue(bundled_catalogue_path(), form)
    with pytest.raises(CatalogueError, match=r"numeric: 'gender' is 'select_one', not a number"):
        add_numeric(base, form, questions=["gender"])
    with pytest.raises(CatalogueError, match=r"ratios\[0\]: unknown key 'num'"):
        add_numeric(base, form, ratios=[{"id": "r", "num": "age", "denominator": "hh_size"}])
    with pytest.raises(CatalogueError, match=r"indicator id 'age_mean' is taken"):
        add_numeric(add_numeric(base, form, questions=["age"]), form, questions=["age"])
    cat = add_numeric(base, form, questions=[],
                      ratios=[{"id": "r", "numerator": "age", "denominator": "hh_size"}])
    assert [(i.id, i.stat, i.denominator) for i in cat if i.stat != "prop"] == [
        ("r", "ratio", "hh_size")]


def test_study_keys(tmp_path):
    from geo4mi.study import bundled_study_path, load_study
    text = bundled_study_path().read_text(encoding="utf-8").replace(
        'nationality_question = "nationality"',
        'nationality_question = "nationality"\nnumeric = ["age"]\nmissing_codes = [-99, 999]\n'
        'ratios = [{ id = "age_per_member", numerator = "age", denominator = "hh_size" }]')
    for name in ("sample_kobo.csv", "questionnaire.xlsx", "indicators.toml"):
        (tmp_path / name).symlink_to(bundled_study_path().parent / name)
    path = tmp_path / "s.toml"
    path.write_text(text.replace("../boundaries", str(bundled_study_path().parent.parent
                                                      / "boundaries")), encoding="utf-8")
    ind = load_study(path).indicators
    assert ind.numeric == ("age",) and ind.missing_codes == (-99.0, 999.0)
    assert ind.ratios[0]["denominator"] == "hh_size"
    path.write_text(text.replace('missing_codes = [-99, 999]', 'missing_codes = ["dk"]'),
                    encoding="utf-8")
    with pytest.raises(StudyError, match=r"missing_codes = \['dk'\] must be a list of numbers"):
        load_study(path)


def test_demo_gets_a_mean_and_a_median_of_age_and_household_size(bundled_results):
    from geo4mi.outputs import MapOptions, choropleth_inputs
    from geo4mi.webmap.choropleth import render_choropleth

    res = bundled_results
    est = res.estimates
    numeric = sorted(set(est.indicator[est.stat != "prop"]))
    assert numeric == ["age_mean", "age_median", "hh_size_mean", "hh_size_median"]
    row = cell(est, "hh_size_mean")
    assert float(row.p) == pytest.approx(res.respondents["hh_size"].astype(float).mean())
    assert int(row.n) == res.respondents["hh_size"].notna().sum()
    # percent views never show them
    html = render_choropleth(*choropleth_inputs(res, MapOptions(lang="en"))).get_root().render()
    assert "age_mean" not in html and "hh_size_median" not in html
    assert len(proportions(est)) == (est.stat == "prop").sum()
