"""Tested differences (:mod:`geo4mi.indicators.differences`) against statsmodels, on edge
cases, and by permutation: on data without true differences the rule flags at most about
the nominal share."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from geo4mi.errors import SurveyDataError
from geo4mi.indicators.differences import COLUMNS, adjust_p_values, differences
from geo4mi.indicators.estimate import CITY, wilson_interval

statsmodels = pytest.importorskip("statsmodels")
from statsmodels.stats.multitest import multipletests  # noqa: E402
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest  # noqa: E402


def table(rows: list[tuple], **extra: list) -> pd.DataFrame:
    """An SRS estimates table from ``(indicator, area, group_var, group_value, k, n)``;
    ``k = None`` marks a hidden (suppressed) cell."""
    ind, area, gv, val, k, n = zip(*rows, strict=True)
    k_arr = pd.array(list(k), dtype="Int64")
    n_arr = pd.array(list(n), dtype="Int64")
    ok = [x is not None and m > 0 for x, m in zip(k, n, strict=True)]
    p = [x / m if o else None for x, m, o in zip(k, n, ok, strict=True)]
    low, high = zip(*[wilson_interval(x, m) if o else (None, None)
                      for x, m, o in zip(k, n, ok, strict=True)], strict=True)
    status = ["ok" if o else ("no_data" if m == 0 else "suppressed") for o, m in zip(ok, n,
                                                                                     strict=True)]
    return pd.DataFrame({"indicator": ind, "area_id": area, "group_var": gv,
                         "group_value": val, "numerator": k_arr,
                         "n": n_arr, "p": pd.array(p, dtype="Float64"),
                         "ci_low": pd.array(low, dtype="Float64"),
                         "ci_high": pd.array(high, dtype="Float64"), "status": status,
                         "suppression": ["" if s != "suppressed" else "complementary"
                                         for s in status], **extra})


CITY_TABLE = table([
    ("a", CITY, "all", "all", 150, 400), ("a", CITY, "g", "x", 90, 200),
    ("a", CITY, "g", "y", 55, 190),
    ("a", "01", "all", "all", 20, 100), ("a", "01", "g", "x", 12, 50),
    ("a", "01", "g", "y", 8, 48),
    ("a", "02", "all", "all", 70, 150), ("a", "02", "g", "x", 40, 80),
    ("a", "02", "g", "y", 28, 67),
    ("a", "03", "all", "all", 60, 150), ("a", "03", "g", "x", 38, 70),
    ("a", "03", "g", "y", 19, 75),
    ("b", CITY, "all", "all", 0, 400), ("b", "01", "all", "all", 0, 100),
    ("b", "02", "all", "all", 0, 150), ("b", "03", "all", "all", 0, 150),
])


def test_columns_and_order():
    d = differences(CITY_TABLE)
    assert tuple(d.columns) == COLUMNS
    a = d[d.indicator == "a"]
    # rest first (every area cell, in table order), then others (city and areas)
    assert a.versus.tolist() == ["rest"] * 9 + ["others"] * 8
    assert a.area_id.tolist()[:3] == ["01", "01", "01"]
    assert a[a.versus == "others"].area_id.tolist() == [CITY, CITY, "01", "01", "02", "02",
                                                        "03", "03"]
    assert d.indicator.tolist()[-3:] == ["b", "b", "b"]
    assert differences(CITY_TABLE.sample(frac=1, random_state=3)).shape == d.shape


def test_against_statsmodels():
    """Interval: statsmodels' Newcombe; p-value: pooled z test; Holm/BH: multipletests."""
    for method, sm_method in (("holm", "holm"), ("bh", "fdr_bh")):
        d = differences(CITY_TABLE, method=method)
        for versus in ("rest", "others"):
            fam = d[(d.indicator == "a") & (d.versus == versus)]
            p_values = []
            for r in fam.itertuples():
                k1, n1 = _counts(CITY_TABLE, r.area_id, r.group_var, r.group_value)
                parent = ((CITY, r.group_var, r.group_value) if versus == "rest"
                          else (r.area_id, "all", "all"))
                kp, np_ = _counts(CITY_TABLE, *parent)
                k2, n2 = kp - k1, np_ - n1
                low, high = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb",
                                                       compare="diff")
                assert r.diff_low == pytest.approx(low, abs=1e-12)
                assert r.diff_high == pytest.approx(high, abs=1e-12)
                assert r.p_other == pytest.approx(k2 / n2, abs=1e-15)
                assert r.diff == pytest.approx(k1 / n1 - k2 / n2, abs=1e-15)
                _, pv = proportions_ztest([k1, k2], [n1, n2])
                assert r.p_value == pytest.approx(pv, rel=1e-9)
                p_values.append(pv)
            reject, adj, _, _ = multipletests(p_values, alpha=0.05, method=sm_method)
            assert fam.p_adjusted.to_numpy() == pytest.approx(adj, rel=1e-9)
            excludes = (fam.diff_low > 0) | (fam.diff_high < 0)
            assert fam.significant.tolist() == (reject & excludes).tolist()
            assert fam.direction.tolist() == [
                ("higher" if x > 0 else "lower") if s else ""
                for x, s in zip(fam["diff"], fam.significant, strict=True)]
    # the table has real differences, found both ways
    d = differences(CITY_TABLE)
    assert set(d.direction) == {"higher", "lower", ""}
    assert d.set_index(["indicator", "area_id", "group_var", "versus"]).loc[
        ("a", "01", "all", "rest"), "direction"] == "lower"


def _counts(t: pd.DataFrame, area: str, gv: str, val: str) -> tuple[int, int]:
    row = t[(t.indicator == "a") & (t.area_id == area) & (t.group_var == gv)
            & (t.group_value == val)].iloc[0]
    return int(row.numerator), int(row.n)


def test_zero_proportions_everywhere():
    """p = 0 on both sides: difference 0, p-value 1, interval around 0, never flagged."""
    d = differences(CITY_TABLE)
    b = d[d.indicator == "b"]
    assert (b["diff"] == 0).all() and (b.p_value == 1).all() and (b.p_adjusted == 1).all()
    assert ((b.diff_low < 0) & (b.diff_high > 0)).all()
    assert not b.significant.any() and (b.direction == "").all()
    low, high = confint_proportions_2indep(0, 100, 0, 300, method="newcomb")
    row = b[b.area_id == "01"].iloc[0]
    assert (row.diff_low, row.diff_high) == pytest.approx((low, high), abs=1e-12)


def test_one_and_zero():
    """p = 1 against p = 0: a flagged, maximal difference."""
    t = table([("a", CITY, "all", "all", 30, 60), ("a", "01", "all", "all", 30, 30),
               ("a", "02", "all", "all", 0, 30)])
    d = differences(t)
    assert d["diff"].tolist() == [1.0, -1.0]
    assert d.direction.tolist() == ["higher", "lower"]
    low, high = confint_proportions_2indep(30, 30, 0, 30, method="newcomb")
    assert (d.diff_low.iloc[0], d.diff_high.iloc[0]) == pytest.approx((low, high), abs=1e-12)
    assert d.diff_high.iloc[0] <= 1.0 and d.diff_low.iloc[1] >= -1.0


def test_no_other_side_no_row():
    """An area holding all the city's respondents, a group all the area's: no comparison."""
    t = table([("a", CITY, "all", "all", 10, 40), ("a", CITY, "g", "x", 10, 40),
               ("a", "01", "all", "all", 10, 40), ("a", "01", "g", "x", 10, 40),
               ("a", "02", "all", "all", 0, 0), ("a", "02", "g", "x", 0, 0)])
    assert differences(t).empty
    assert tuple(differences(t).columns) == COLUMNS


def test_hidden_cells_are_not_compared():
    """A suppressed area, or a hidden city numerator, gives no comparison: rest is never
    worked out from a hidden value."""
    t = table([("a", CITY, "all", "all", 50, 200), ("a", "01", "all", "all", None, 8),
               ("a", "02", "all", "all", 40, 100), ("a", "03", "all", "all", 8, 92)])
    d = differences(t)
    assert d.area_id.tolist() == ["02", "03"]  # 01 is hidden
    hidden_city = table([("a", CITY, "all", "all", None, 200),
                         ("a", "02", "all", "all", 40, 100), ("a", "03", "all", "all", 8, 92)])
    assert differences(hidden_city).empty
    # a row marked suppressed whose numbers were left in is still hidden (published())
    leaky = t.copy()
    leaky.loc[1, ["numerator", "p"]] = [3, 3 / 8]
    assert differences(leaky).area_id.tolist() == ["02", "03"]


def test_effective_sample_sizes():
    """With a design, the Wilson pieces and the z test use the effective sample sizes:
    the cell's n_eff, and for the rest the count times the city's n_eff / n."""
    t = table([("a", CITY, "all", "all", 150, 400), ("a", "01", "all", "all", 20, 100)])
    plain = differences(t).iloc[0]
    t["n_eff"] = pd.array([100.0, 40.0], dtype="Float64")  # deff 4 city-wide, 2.5 in 01
    t["deff"] = pd.array([4.0, 2.5], dtype="Float64")
    t["design"] = "cluster=enumerator"
    d = differences(t).iloc[0]
    k1, n1, k2, n2 = 20 / 100 * 40, 40, 130 / 300 * 75, 75  # rest: 300 * 100 / 400
    low, high = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb")
    assert (d.diff_low, d.diff_high) == pytest.approx((low, high), abs=1e-12)
    assert d.p_value == pytest.approx(proportions_ztest([k1, k2], [n1, n2])[1], rel=1e-9)
    assert d["diff"] == plain["diff"]
    assert d.diff_high - d.diff_low > plain.diff_high - plain.diff_low
    assert d.p_value > plain.p_value


def test_weighted_rest_uses_published_proportions():
    t = table([("a", CITY, "all", "all", 150, 400), ("a", "01", "all", "all", 20, 100)])
    t["p"] = pd.array([0.30, 0.25], dtype="Float64")  # weighted proportions
    t["design"] = "weight=w"
    d = differences(t).iloc[0]
    assert d.p_other == pytest.approx((400 * 0.30 - 100 * 0.25) / 300)


def test_bad_input():
    with pytest.raises(SurveyDataError, match="method 'bonferroni' is unknown"):
        differences(CITY_TABLE, method="bonferroni")
    with pytest.raises(SurveyDataError, match="alpha must be a number between 0 and 1"):
        differences(CITY_TABLE, alpha=5)
    with pytest.raises(SurveyDataError, match="column 'numerator' is missing"):
        differences(CITY_TABLE.drop(columns="numerator"))
    bigger = table([("a", CITY, "all", "all", 10, 40), ("a", "01", "all", "all", 20, 50)])
    with pytest.raises(SurveyDataError, match="more than the 10 of 40"):
        differences(bigger)
    with pytest.raises(SurveyDataError, match="duplicate row"):
        differences(pd.concat([CITY_TABLE, CITY_TABLE.iloc[:1]]))


def test_csv_is_deterministic_and_says_how(tmp_path):
    from geo4mi.indicators.differences import write_differences_csv

    t = CITY_TABLE.assign(n_eff=CITY_TABLE["n"].astype("Float64") / 2)
    a = write_differences_csv(t, tmp_path / "a.csv", lang="en", synthetic=True)
    b = write_differences_csv(t.copy(), tmp_path / "b.csv", lang="en", synthetic=True)
    assert a.read_bytes() == b.read_bytes()
    back = pd.read_csv(a, encoding="utf-8-sig", keep_default_na=False)
    assert list(back.columns) == [*COLUMNS, "method", "data_note"]
    assert set(back["method"]) == {"newcombe_wilson_neff; z_pooled; holm per indicator"}
    assert back["data_note"].str.contains("ynthetic").all()
    assert len(back) == len(differences(t))


def test_input_not_modified():
    before = CITY_TABLE.copy()
    differences(CITY_TABLE)
    pd.testing.assert_frame_equal(CITY_TABLE, before)


def test_adjust_matches_multipletests():
    rng = np.random.default_rng(5)
    p = np.r_[rng.uniform(size=30), rng.uniform(0, 0.01, size=5), [0.02, 0.02, 1.0]]
    for ours, theirs in (("holm", "holm"), ("bh", "fdr_bh")):
        assert adjust_p_values(p, ours) == pytest.approx(multipletests(p, method=theirs)[1],
                                                         rel=1e-12)


# -- no true differences: the rule flags at most about the nominal share ----------------

def _simulated(rng: np.random.Generator, indicators: int, areas: int = 12) -> pd.DataFrame:
    """Independent indicators, each with the same proportion (0.3) everywhere: areas of
    30-150 respondents, a grouping variable of three values with equal proportions too."""
    rows = []
    for i in range(indicators):
        ind = f"i{i:03d}"
        n_g = rng.integers(10, 50, size=(areas, 3))
        k_g = rng.binomial(n_g, 0.3)
        k = np.c_[k_g.sum(axis=1), k_g]  # all, x, y, z
        n = np.c_[n_g.sum(axis=1), n_g]
        rows += [(ind, CITY, *_COLS[c], int(k[:, c].sum()), int(n[:, c].sum()))
                 for c in range(4)]
        rows += [(ind, f"{a:02d}", *_COLS[c], int(k[a, c]), int(n[a, c]))
                 for a in range(areas) for c in range(4)]
    return table(rows)


_COLS = [("all", "all"), ("g", "x"), ("g", "y"), ("g", "z")]


@pytest.mark.parametrize("method", ["holm", "bh"])
def test_simulated_null_flags_nominal_share(method):
    """400 simulated indicators without any difference: the share of families (one
    indicator, one versus kind) with a flag — the family-wise error rate, which is also
    the false discovery rate when nothing differs — stays within a binomial bound of
    alpha, and the rule does flag (it is not a rule that never says anything)."""
    reps, alpha = 400, 0.05
    d = differences(_simulated(np.random.default_rng(2024), reps), alpha=alpha,
                    method=method)
    bound = alpha + 3 * np.sqrt(alpha * (1 - alpha) / reps)  # ~0.083
    for versus, per_area in (("rest", 48), ("others", 39)):
        fam = d[d.versus == versus]
        assert len(fam) == reps * per_area
        rate = fam.groupby("indicator")["significant"].any().mean()
        assert 0.01 <= rate <= bound, (versus, rate)
        # uncorrected, the same tests flag far more families: the correction matters
        raw = (fam.p_value < alpha).groupby(fam.indicator).any().mean()
        assert raw > 3 * bound, (versus, raw)


@pytest.fixture(scope="module")
def demo(bundled_results):

    return bundled_results


def test_demo_permuted_areas(demo):
    """The bundled demo with respondents' areas randomly permuted (no true borough
    differences, the enumerator design kept): the share of indicators whose map would
    flag any borough stays within a binomial bound of alpha."""
    from geo4mi.indicators.design import design_from_study
    from geo4mi.indicators.estimate import estimate

    study = demo.study
    ids = list(demo.catalogue.ids)[::4]  # a quarter of the indicators: < 15 s
    catalogue = demo.catalogue.subset(ids)
    rng = np.random.default_rng(13)
    reps, alpha = 40, 0.05
    families = flagged = 0
    for _ in range(reps):
        resp = demo.respondents.copy()
        resp["area_id"] = rng.permutation(resp["area_id"].to_numpy())
        est = estimate(resp, catalogue, area_ids=demo.areas["area_id"].tolist(),
                       groups=list(study.indicators.groups), min_n=study.min_n,
                       complementary=study.complementary_suppression,
                       design=design_from_study(study))
        d = differences(est, alpha=alpha)
        rest = d[d.versus == "rest"]
        per = rest.groupby("indicator")["significant"].any()
        families += len(per)
        flagged += int(per.sum())
    assert families >= reps * 20
    rate = flagged / families
    # families within one permutation are dependent: bound as if only `reps` were independent
    assert rate <= alpha + 3 * np.sqrt(alpha * (1 - alpha) / reps), rate


def test_tests_given_to_the_table_and_the_map_are_their_own(demo):
    """build tests a run once (geo4mi.build._tested) for differences.csv and the map's
    flags: each reads exactly what it would have tested itself, and the tests given are
    left unchanged."""
    from geo4mi.build import _tested
    from geo4mi.indicators.differences import differences_table
    from geo4mi.webmap.choropleth import FLAG_METHOD, ChoroplethData, flagged_differences

    est = demo.estimates
    given = _tested(demo)
    pd.testing.assert_frame_equal(given, differences(est))
    before = given.copy()
    pd.testing.assert_frame_equal(differences_table(est, lang="en", synthetic=True),
                                  differences_table(est, lang="en", synthetic=True,
                                                    tested=given))
    pd.testing.assert_frame_equal(given, before)
    data = ChoroplethData.prepare(est, demo.areas, demo.labels, min_n=demo.study.min_n)
    own = differences(data.estimates, method=FLAG_METHOD)  # what the map tests itself
    drawn = given[given["indicator"].isin(set(data.estimates["indicator"]))]
    assert len(own) > 0 and set(given["indicator"]) >= set(own["indicator"])
    pd.testing.assert_frame_equal(own, drawn.reset_index(drop=True))
    # the flags are the given tests' significant "rest" rows (two marked here)
    marked = given.copy()
    marked.loc[marked.index[marked["versus"] == "rest"][:2], "significant"] = True
    shared = replace(data, differences=marked)
    flags = shared.tested
    assert len(flags) == 2 + int((given["significant"] & (given["versus"] == "rest")).sum())
    pd.testing.assert_frame_equal(flags, flagged_differences(data.estimates, tested=marked))
    # no numerator or no suppression column: nothing shared, each tests its own
    assert _tested(replace(demo, estimates=est.drop(columns="suppression"))) is None
    assert _tested(replace(demo, estimates=est.drop(columns="numerator"))) is None
