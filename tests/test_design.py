"""Design-based estimation: weights, clusters, strata; checked against independent computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats import t as student

from geo4mi.errors import StudyError, SurveyDataError
from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
from geo4mi.indicators.design import Design, design_from_study, interval_note
from geo4mi.indicators.estimate import CITY, Z95, estimate, wilson_interval
from geo4mi.pipeline import run
from geo4mi.study import bundled_study_path, load_study


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])


def sample(n: int, *, clusters: int, seed: int = 3, icc: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, clusters, n)
    rate = rng.beta(3, 7, clusters) if icc else np.full(clusters, 0.3)
    yes = rng.random(n) < rate[cluster]
    return pd.DataFrame({
        "area_id": pd.array(rng.choice(["a", "b", "c"], n).astype(object), dtype="str"),
        "gender": pd.array(rng.choice(["man", "woman"], n).astype(object), dtype="str"),
        "feel_safe": pd.array(np.where(yes, "yes", "no").astype(object), dtype="str"),
        "site": pd.array(np.char.add("s", cluster.astype(str)).astype(object), dtype="str"),
        "region": pd.array(np.where(cluster % 3 == 0, "north", "south").astype(object),
                           dtype="str"),
        "w": rng.uniform(0.5, 3.0, n),
        "_row": np.arange(2, n + 2),
    })


def cell(est: pd.DataFrame, area: str = CITY, var: str = "all", value: str = "all"):
    return est[(est.area_id == area) & (est.group_var == var) & (est.group_value == value)
               ].iloc[0]


def variance(row) -> float:
    """The linearised variance, recovered from deff = V / (p (1 - p) / n)."""
    p, n = float(row.p), int(row.n)
    return float(row.deff) * p * (1 - p) / n


def brl_variance(df: pd.DataFrame, domain: np.ndarray, *, weight: str | None,
                 cluster: str | None, strata: str | None) -> tuple[float, float]:
    """Direct, loop-by-loop computation of the documented formula: (variance, df)."""
    w = df[weight].to_numpy(float) if weight else np.ones(len(df))
    y = (df["feel_safe"] == "yes").to_numpy(bool)
    h = df[strata].astype(str).to_numpy() if strata else np.zeros(len(df), dtype=object)
    c = df[cluster].astype(str).to_numpy() if cluster else np.arange(len(df)).astype(str)
    total_w = w[domain].sum()
    p = (w * y)[domain].sum() / total_w
    var, dof = 0.0, 0.0
    for stratum in sorted(set(h)):
        psus = sorted(set(c[h == stratum]))
        z, share = [], []
        for j in psus:
            m = (h == stratum) & (c == j) & domain
            z.append(float((w[m] * (y[m] - p)).sum() / total_w))
            share.append(float(w[m].sum()))
        z, share = np.array(z), np.array(share)
        if len(psus) == 1:
            var += z[0] ** 2
            continue
        mean = z.mean()
        lev = share / share.sum() if share.sum() > 0 else np.zeros_like(share)
        var += sum((zj - mean) ** 2 / (1 - hj) if hj < 1 else 0.0 for zj, hj in zip(z, lev,
                                                                                    strict=True))
        if share.sum() > 0:
            dof += share.sum() ** 2 / (share ** 2).sum() - 1
    return var, dof


def cluster_size(df: pd.DataFrame, domain: np.ndarray, *, weight: str | None,
                 cluster: str | None) -> float:
    """Effective cluster size of a domain, ``n * sum_j B_j^2 / (sum_j B_j)^2``, by a loop."""
    w = df[weight].to_numpy(float) if weight else np.ones(len(df))
    c = df[cluster].astype(str).to_numpy() if cluster else np.arange(len(df)).astype(str)
    b = np.array([w[domain & (c == j)].sum() for j in sorted(set(c[domain]))])
    return float(domain.sum() * (b ** 2).sum() / b.sum() ** 2)


def expected_n_eff(n: int, deff: float, dof: float, m: float, city: tuple[float, float, float],
                   *, clustered: bool) -> float:
    """The documented choice: the own design effect where the cell has at least half the
    whole sample's df, else the modelled one ``1 + c``, ``c = (m - 1) rho``, with
    Welch-Satterthwaite's df ``df_all (1 + c)**2 / c**2`` (binomial part known)."""
    city_deff, city_df, city_m = city
    rho = max((city_deff - 1) / (city_m - 1), 0.0) if city_m > 1 else 0.0
    own = not np.isnan(deff) and dof >= 1
    if own and (dof >= max(city_df, 1.0) / 2 or not clustered):
        return n / deff * (Z95 / student.ppf(0.975, dof)) ** 2
    c = (max(m, 1.0) - 1) * rho
    if c == 0:
        return float(n)
    t = student.ppf(0.975, max(city_df, 1.0) * ((1 + c) / c) ** 2)
    return n / (1 + c) * (Z95 / t) ** 2


# -- without design keys nothing changes --------------------------------------------------

def test_no_design_keys_is_todays_estimate(catalogue):
    df = sample(500, clusters=20)
    before = estimate(df, catalogue, area_ids=["a", "b", "c"], groups=["gender"])
    after = estimate(df, catalogue, area_ids=["a", "b", "c"], groups=["gender"],
                     design=Design())
    pd.testing.assert_frame_equal(before, after)
    ok = after.status == "ok"
    k = after.numerator[ok].to_numpy(int)
    n = after.n[ok].to_numpy(int)
    low, high = wilson_interval(k, n)
    assert np.array_equal(after.ci_low[ok].to_numpy(float), low)
    assert np.array_equal(after.ci_high[ok].to_numpy(float), high)
    assert np.array_equal(after.p[ok].to_numpy(float), k / n)
    assert set(after.deff[ok]) == {1.0} and np.array_equal(after.n_eff[ok].to_numpy(), n)
    assert set(after.ci_method[ok]) == {"wilson"} and set(after.design) == {"srs"}


def test_bundled_study_clusters_by_enumerator():
    design = design_from_study(load_study(bundled_study_path()))
    assert design.describe() == "cluster=enumerator"


# -- point estimates and variances against independent computations --------------------------

def test_weights_only_point_estimate_is_the_weighted_proportion(catalogue):
    df = sample(400, clusters=10)
    est = estimate(df, catalogue, area_ids=["a", "b", "c"], groups=["gender"],
                   design=Design(weight="w"))
    yes = (df.feel_safe == "yes").astype(float)
    by_area = (df.w * yes).groupby(df.area_id).sum() / df.w.groupby(df.area_id).sum()
    by_both = ((df.w * yes).groupby([df.area_id, df.gender]).sum()
               / df.w.groupby([df.area_id, df.gender]).sum())
    assert float(cell(est).p) == pytest.approx(float((df.w * yes).sum() / df.w.sum()), abs=1e-12)
    for a in "abc":
        assert float(cell(est, a).p) == pytest.approx(by_area[a], abs=1e-12)
        for g in ("man", "woman"):
            assert float(cell(est, a, "gender", g).p) == pytest.approx(by_both[(a, g)],
                                                                       abs=1e-12)
    # numerator and n stay respondent counts (suppression works on n)
    assert int(cell(est).n) == 400 and int(cell(est).numerator) == int(yes.sum())


def test_equal_clusters_match_statsmodels_cluster_robust(catalogue):
    # 12 clusters of 25 respondents with the same weights: the bias-reduced factor
    # 1 / (1 - 1/G) is statsmodels' G / (G - 1)
    rng = np.random.default_rng(5)
    cluster = np.repeat(np.arange(12), 25)
    w = np.tile(rng.uniform(0.5, 2.0, 25), 12)
    yes = rng.random(300) < rng.beta(2, 5, 12)[cluster]
    df = pd.DataFrame({"area_id": pd.array(["a"] * 300, dtype="str"),
                       "feel_safe": pd.array(np.where(yes, "yes", "no").astype(object),
                                             dtype="str"),
                       "site": cluster.astype(str), "w": w})
    for weight in (None, "w"):
        est = estimate(df, catalogue, area_ids=["a"], groups=[],
                       design=Design(weight=weight, cluster="site"))
        fit = sm.WLS(yes.astype(float), np.ones(300), weights=w if weight else np.ones(300)).fit(
            cov_type="cluster", cov_kwds={"groups": cluster})
        assert float(cell(est).p) == pytest.approx(float(fit.params[0]), abs=1e-12)
        assert variance(cell(est)) == pytest.approx(float(fit.bse[0]) ** 2, rel=1e-9)


@pytest.mark.parametrize("keys", [dict(cluster="site"), dict(cluster="site", strata="region"),
                                  dict(weight="w", cluster="site", strata="region"),
                                  dict(weight="w"), dict(strata="region")])
def test_variance_and_df_match_a_direct_computation(catalogue, keys):
    df = sample(600, clusters=17, icc=0.1)
    est = estimate(df, catalogue, area_ids=["a", "b", "c"], groups=["gender"],
                   design=Design(**keys), min_n=1)
    checks = [(CITY, "all", "all", np.ones(600, bool)),
              ("b", "all", "all", (df.area_id == "b").to_numpy()),
              (CITY, "gender", "woman", (df.gender == "woman").to_numpy()),
              ("c", "gender", "man", ((df.area_id == "c") & (df.gender == "man")).to_numpy())]
    city = None
    for area, var, value, domain in checks:
        row = cell(est, area, var, value)
        expected, dof = brl_variance(df, domain, weight=keys.get("weight"),
                                     cluster=keys.get("cluster"), strata=keys.get("strata"))
        assert variance(row) == pytest.approx(expected, rel=1e-9)
        n = int(row.n)
        m = cluster_size(df, domain, weight=keys.get("weight"), cluster=keys.get("cluster"))
        city = city or (float(row.deff), dof, m)  # the first check is the whole sample
        n_eff = expected_n_eff(n, float(row.deff), dof, m, city,
                               clustered="cluster" in keys)
        assert float(row.n_eff) == pytest.approx(n_eff, rel=1e-9)
        low, high = wilson_interval(float(row.p) * n_eff, n_eff)
        assert (float(row.ci_low), float(row.ci_high)) == pytest.approx((low, high))
        assert row.ci_method == "wilson_neff"


def test_intervals_stay_in_unit_interval_and_contain_p(catalogue):
    df = sample(300, clusters=6, icc=0.2)
    df.loc[df.area_id == "a", "feel_safe"] = "yes"  # p = 1 in one area
    est = estimate(df, catalogue, area_ids=["a", "b", "c"], groups=["gender"], min_n=1,
                   design=Design(weight="w", cluster="site"))
    ok = est[est.status == "ok"]
    low, high, p = (ok[c].to_numpy(float) for c in ("ci_low", "ci_high", "p"))
    assert ((low >= 0) & (low <= p) & (p <= high) & (high <= 1)).all()
    one = cell(est, "a")
    assert float(one.p) == 1.0 and float(one.ci_high) == 1.0 and pd.isna(one.deff)
    assert float(one.ci_low) < 1.0


def test_design_effect_is_one_for_a_simple_random_sample(catalogue):
    # clusters assigned at random: no intra-cluster correlation
    df = sample(20_000, clusters=400, seed=11)
    est = estimate(df, catalogue, area_ids=["a", "b", "c"], groups=["gender"],
                   design=Design(cluster="site"))
    deffs = est[est.status == "ok"].deff.to_numpy(float)
    assert 0.8 < float(cell(est).deff) < 1.2
    assert 0.9 < float(np.median(deffs)) < 1.1


def test_clustered_sample_widens_intervals(catalogue):
    df = sample(1000, clusters=20, icc=0.2, seed=2)
    srs = cell(estimate(df, catalogue, area_ids=["a", "b", "c"], groups=[]))
    des = cell(estimate(df, catalogue, area_ids=["a", "b", "c"], groups=[],
                        design=Design(cluster="site")))
    assert float(des.deff) > 2
    assert float(des.ci_high - des.ci_low) > 1.5 * float(srs.ci_high - srs.ci_low)


# -- bad design input ------------------------------------------------------------------

@pytest.mark.parametrize("value, message", [
    (-1.0, r"x\.csv: row 4, column 'w': weight -1\.0 is not a positive number"),
    (np.nan, r"x\.csv: row 4, column 'w': weight is missing"),
    (0.0, r"row 4, column 'w': weight 0\.0 is not a positive number"),
])
def test_bad_weights_name_file_row_and_column(catalogue, value, message):
    df = sample(10, clusters=2)
    df.loc[2, "w"] = value
    with pytest.raises(SurveyDataError, match=message):
        estimate(df, catalogue, area_ids=["a"], groups=[],
                 design=Design(weight="w", source="x.csv"))


def test_non_numeric_weight_and_missing_columns(catalogue):
    df = sample(10, clusters=2).astype({"w": object})
    df.loc[5, "w"] = "uno"
    with pytest.raises(SurveyDataError, match=r"row 7, column 'w': weight 'uno' is not a "
                                              r"positive number"):
        estimate(df, catalogue, area_ids=["a"], groups=[], design=Design(weight="w"))
    with pytest.raises(SurveyDataError, match=r"\[survey\] cluster = 'enum' is not a column"):
        estimate(df, catalogue, area_ids=["a"], groups=[], design=Design(cluster="enum"))
    df.loc[1, "site"] = pd.NA
    with pytest.raises(SurveyDataError, match=r"row 3, column 'site': the cluster is missing"):
        estimate(df, catalogue, area_ids=["a"], groups=[], design=Design(cluster="site"))
    with pytest.raises(SurveyDataError, match=r"has a single value; a design-based variance "
                                              r"needs at least 2 clusters"):
        estimate(df.assign(site="s1"), catalogue, area_ids=["a"], groups=[],
                 design=Design(cluster="site"))


# -- study keys, notes, the demo --------------------------------------------------------

def _study(tmp_path, extra: str):
    text = bundled_study_path().read_text(encoding="utf-8").replace('cluster = "enumerator"\n',
                                                                    "")
    text = text.replace('placement = "prefer_declared"', 'placement = "prefer_declared"\n' +
                        extra)
    text = text.replace('path = "../', f'path = "{bundled_study_path().parent.parent}/')
    for name in ("sample_kobo.csv", "questionnaire.xlsx", "indicators.toml", "sites.csv",
                 "context_metro_lines.geojson", "context_metro_stations.geojson",
                 "context_metrobus_lines.geojson", "context_landmarks.geojson",
                 "census2020_population.csv"):
        text = text.replace(f'"{name}"', f'"{bundled_study_path().parent / name}"')
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_study_keys(tmp_path):
    study = load_study(_study(tmp_path, 'cluster = "enumerator"\nstrata = "interview_site"'))
    assert (study.survey.weight, study.survey.cluster, study.survey.strata) == \
        (None, "enumerator", "interview_site")
    with pytest.raises(StudyError, match=r"weight, cluster and strata must name different"):
        load_study(_study(tmp_path, 'cluster = "enumerator"\nweight = "enumerator"'))
    with pytest.raises(StudyError, match=r"\[survey\] cluster = 3 must be text"):
        load_study(_study(tmp_path, "cluster = 3"))


def test_interval_note():
    assert interval_note(Design(), "es").startswith("Intervalos de confianza de Wilson al "
                                                    "95 % que suponen un muestreo aleatorio")
    note = interval_note(Design(cluster="enumerator", weight="w"), "en")
    assert "weights: w; clusters: enumerator" in note and "effective sample size" in note


def test_interval_note_names_the_question_label_or_the_column():
    from geo4mi.indicators.design import design_labels
    from geo4mi.survey.xlsform import read_form

    form = read_form(bundled_study_path().parent / "questionnaire.xlsx")
    design = Design(cluster="enumerator", strata="no_such_question")
    names = design_labels(form, design)
    assert list(names) == ["enumerator"]  # not in the form: no label, the column stays
    assert interval_note(design, "en", names=names).startswith(
        "95 % confidence intervals that follow the survey design (strata: no_such_question; "
        "clusters: Enumerator code)")
    assert "conglomerados: Código de la persona encuestadora" in interval_note(
        design, "es", names=names)
    assert "clusters: Código" in interval_note(  # no English label: another language's
        design, "en", names={"enumerator": {"es": "Código"}})
    assert "clusters: enumerator" in interval_note(design, "en")


def test_demo_with_enumerator_clusters(bundled_results, tmp_path):
    plain = run(_study(tmp_path, "")).estimates
    clustered = bundled_results.estimates
    assert (plain.status == clustered.status).all()  # suppression works on n, unchanged
    ok = plain.status == "ok"
    pd.testing.assert_series_equal(plain.p[ok], clustered.p[ok])  # unweighted: same p
    city = clustered[(clustered.area_id == CITY) & (clustered.group_var == "all")
                     ].set_index("indicator")
    # the design effects issue 13 measured independently
    assert float(city.loc["discriminated", "deff"]) == pytest.approx(3.9, abs=1.0)
    assert float(city.loc["feel_safe", "deff"]) == pytest.approx(9.2, abs=1.5)
    # proportions (numeric rows: tests/test_numeric.py)
    ok &= plain.stat == "prop"
    width = (clustered.ci_high - clustered.ci_low)[ok] / (plain.ci_high - plain.ci_low)[ok]
    assert float(width.median()) > 1.0  # 1.04 on the demo
    # narrower than Wilson only where the cell's own design effect is below 1 (not
    # truncated); a modelled design effect is >= 1 and its t quantile >= z
    narrower = (width < 1 - 1e-12).to_numpy(bool)
    assert narrower.any()
    assert (clustered.deff[ok].to_numpy(float, na_value=np.nan)[narrower] < 1).all()
    assert set(clustered.design) == {"cluster=enumerator"}


def test_maps_and_figures_say_which_design_the_intervals_assume(bundled_results, tmp_path):
    from geo4mi.figures.common import caption_text
    from geo4mi.outputs import MapOptions, choropleth_inputs
    from geo4mi.webmap.choropleth import render_choropleth

    clustered = bundled_results
    # the cluster is named by its question's label in the page language (issue 13 item 2)
    label = "conglomerados: Código de la persona encuestadora"
    for results, expected in ((clustered, label),
                              (run(_study(tmp_path, "")), "muestreo aleatorio simple")):
        m = render_choropleth(*choropleth_inputs(results, MapOptions(lang="es")))
        html = m.get_root().render()
        assert expected in html
        caption = caption_text("es", labels=results.labels, source=None, min_n=10,
                               synthetic=True, estimates=results.estimates)
        assert expected in caption
    html_en = render_choropleth(*choropleth_inputs(clustered, MapOptions(lang="en"))) \
        .get_root().render()
    assert "clusters: Enumerator code" in html_en and "clusters: enumerator" not in html_en
    assert "Wilson al 95 % que suponen" not in caption_text(
        "en", labels=None, source=None, min_n=10, synthetic=False,
        estimates=clustered.estimates)


def test_a_domain_across_the_clusters_keeps_its_own_variance():
    """A domain with as many effective PSUs as the whole sample uses its own variance even
    where the model's (Satterthwaite) df would be higher (half-size clusters); a cell with
    under half the sample's df is modelled (Welch-Satterthwaite df: binomial part known)."""
    from geo4mi.indicators.design import design_interval

    p, n = np.array([0.3, 0.3]), np.array([150, 150])
    srs = 0.3 * 0.7 / 150
    var, df = np.array([2.0 * srs, 2.0 * srs]), np.array([4.4, 2.1])
    size = np.array([27.0, 27.0])  # half the sample's clusters of 55
    city = dict(city_deff=np.array([6.4, 6.4]), city_df=np.array([4.5, 4.5]),
                city_size=np.array([55.0, 55.0]))
    deff, n_eff, _, _ = design_interval(p, n, var, df, size, z=Z95, **city)
    rho = 5.4 * (1 - (2 / 4.5) / 5.4**2) / 54  # the excess 5.4 shrunk by its noise
    model_df = 4.5 * ((1 / 26 + rho) / (1 / 54 + rho)) ** 2
    assert model_df > 4.4  # the model would claim more df than the domain's own
    assert n_eff[0] == pytest.approx(150 / 2.0 * (Z95 / student.ppf(0.975, 4.4)) ** 2)
    c = 26 * rho
    t = student.ppf(0.975, 4.5 * ((1 + c) / c) ** 2)
    assert n_eff[1] == pytest.approx(150 / (1 + c) * (Z95 / t) ** 2)
    # the cluster part gone (rho = 0): nothing estimated, Wilson on n
    _, n_eff0, _, _ = design_interval(p, n, var, np.array([2.1, 2.1]), size, z=Z95,
                                      city_deff=np.array([0.8, 0.8]),
                                      city_df=np.array([4.5, 4.5]),
                                      city_size=np.array([55.0, 55.0]))
    assert n_eff0.tolist() == pytest.approx([150.0, 150.0])
    assert deff.tolist() == pytest.approx([2.0, 2.0])


def test_shrunk_icc_is_about_unbiased_where_there_is_no_cluster_effect():
    """The whole-sample design effect of the demo's enumerator workloads (10 PSUs, about
    4.5 df) scatters as chi^2_df / df when the true ICC is 0 (bench: its variance 0.37-0.44
    on 600 samples, 2 / df = 0.45). Truncating the implied ICC at 0 turned that noise into
    a one-enumerator borough's modelled design effect of 1.36 on average; the
    empirical-Bayes shrinkage brings it near 1 and keeps a real cluster effect."""
    from geo4mi.indicators.design import cluster_icc

    rng = np.random.default_rng(13)
    sizes = np.array([89, 66, 55, 18, 15, 15, 14, 14, 11, 4])
    df = sizes.sum() ** 2 / (sizes ** 2).sum() - 1  # 4.46
    M = (sizes ** 2).sum() / sizes.sum()  # 55.2, the whole sample's cluster size
    m = 77.0  # a borough whose 96 interviews are mostly one enumerator's

    def modelled(icc: float, shrink: bool) -> float:
        d = (1 + (M - 1) * icc) * rng.chisquare(df, 4000) / df
        rho = cluster_icc(d, np.full(d.size, M), df=np.full(d.size, df) if shrink else None)
        assert (rho >= 0).all()  # never below 1: never narrower than Wilson
        return float(np.mean(1 + (m - 1) * rho))

    assert modelled(0.0, shrink=False) > 1.3  # the old rule: the bias that over-covered
    assert modelled(0.0, shrink=True) == pytest.approx(1.0, abs=0.2)
    for icc in (0.02, 0.10):  # a real effect stays (within 10 % of its true deff)
        true = 1 + (m - 1) * icc
        assert modelled(icc, shrink=True) == pytest.approx(true, rel=0.1)


def test_modelled_interval_is_never_narrower_than_wilson():
    from geo4mi.indicators.design import design_interval

    rng = np.random.default_rng(7)
    k = 2000
    n = rng.integers(5, 120, k)
    p = rng.integers(0, n + 1) / n
    size = rng.uniform(1, 1.0 * n)
    city = dict(city_deff=rng.uniform(0.2, 8.0, k), city_df=rng.uniform(1, 12, k),
                city_size=rng.uniform(2, 80, k))
    # no own variance (one enumerator): every cell is modelled
    deff, n_eff, low, high = design_interval(p, n, np.zeros(k), np.zeros(k), size, z=Z95,
                                             **city)
    w_low, w_high = wilson_interval(np.round(p * n), n)
    assert np.isnan(deff).all() and (n_eff <= n + 1e-9).all()
    assert (low <= w_low + 1e-12).all() and (high >= w_high - 1e-12).all()
    assert ((low >= 0) & (high <= 1)).all()


@pytest.mark.parametrize("size", [50, 10**9])  # counted, and sorted (sparse keys)
def test_pairs_by_counting_are_numpy_unique(size):
    from geo4mi.indicators.design import _unique_inverse

    key = np.random.default_rng(5).integers(0, min(size, 10**6), 2_000)
    uniq, inverse = _unique_inverse(key, size)
    want_uniq, want_inverse = np.unique(key, return_inverse=True)
    assert uniq.tolist() == want_uniq.tolist() and inverse.tolist() == want_inverse.tolist()
    assert [a.size for a in _unique_inverse(np.zeros(0, np.int64), size)] == [0, 0]


def test_level_counts_are_the_float_sums_of_its_masks():
    """The unweighted path (one bincount of integers) gives the weighted sums of 0/1
    values bit for bit, so a design without weights estimates exactly as with weights 1."""
    from geo4mi.indicators.design import Level

    rng = np.random.default_rng(3)
    n, n_cells, n_psu = 5000, 40, 12
    psu = rng.integers(0, n_psu, n)
    level = Level(rng.integers(0, n_cells, n), n_cells, psu, np.zeros(n_psu, np.int64), n_psu)
    den = rng.random(n) < 0.7
    num = den & (rng.random(n) < 0.4)
    state = num.astype(np.int8)
    state += den
    got = level.counts(state)
    want = level.sums(num.astype("float64"), den.astype("float64"))
    for g, w in zip(got, want, strict=True):
        assert g.dtype == np.float64 and g.tobytes() == w.tobytes()
