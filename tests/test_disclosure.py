"""Microdata risk (geo4mi.disclosure) against independent computations.

- fk without missing values: pandas groupby sizes;
- fk with missing values: a brute-force pairwise comparison written here (sdcMicro's rule: a
  missing key matches any value);
- individual risk with weights: the expectation E[1/F | f] under the negative-binomial model
  (F - f ~ NegBin(f, p)) summed numerically with scipy, which sdcMicro's formulas equal for
  f = 1 and 2 and approximate above.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.stats import nbinom

from geo4mi.disclosure import (
    GLOBAL_RISK_THRESHOLD,
    individual_risk,
    key_frequencies,
    microdata_risk,
)
from geo4mi.errors import StudyError


def _random_people(seed: int, n: int, missing: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "area": rng.choice(["09002", "09005", "09015", "09007"], n, p=[.1, .3, .4, .2]),
        "gender": rng.choice(["man", "woman", "other"], n, p=[.45, .5, .05]),
        "nat": rng.choice(["ven", "col", "hti", "cub", "other"], n, p=[.5, .2, .15, .1, .05]),
    }).astype("string")
    if missing:
        for col in frame.columns:
            frame.loc[rng.random(n) < missing, col] = pd.NA
    return frame


@pytest.mark.parametrize("seed", range(5))
def test_unweighted_risk_is_one_over_group_size(seed):
    people = _random_people(seed, 300)
    keys = ["area", "gender", "nat"]
    sizes = people.groupby(keys)["area"].transform("size").to_numpy()
    fk, Fk = key_frequencies(people, keys)
    assert fk.tolist() == sizes.tolist()
    assert np.allclose(Fk, sizes)
    summary = microdata_risk(people, keys)
    assert summary.global_risk == pytest.approx(np.mean(1 / sizes))
    assert summary.violating == {k: int((sizes < k).sum()) for k in (2, 3, 5)}
    assert summary.high_risk == int((1 / sizes >= 0.5).sum())
    assert summary.passes == bool(np.mean(1 / sizes) < GLOBAL_RISK_THRESHOLD)


@pytest.mark.parametrize("seed", range(3))
def test_missing_values_match_any_value(seed):
    people = _random_people(seed, 120, missing=0.15)
    keys = ["area", "gender", "nat"]
    rows = people[keys].to_numpy(dtype=object)
    expected = []
    for a in rows:
        expected.append(sum(all(x is pd.NA or y is pd.NA or x == y for x, y in zip(a, b,
                                                                                   strict=True))
                            for b in rows))
    fk, _ = key_frequencies(people, keys)
    assert fk.tolist() == expected


@pytest.mark.parametrize("f, p", list(itertools.product([1, 2, 3, 5, 10],
                                                          [0.05, 0.2, 0.5, 0.9])))
def test_weighted_risk_is_the_negative_binomial_expectation(f, p):
    failures = np.arange(0, 100_000)
    exact = float((nbinom.pmf(failures, f, p) / (failures + f)).sum())
    got = float(individual_risk(np.array([f]), np.array([f / p]))[0])
    # sdcMicro's formulas are exact for f = 1, 2 and an approximation above (within 4 %).
    assert got == pytest.approx(exact, rel=1e-6 if f <= 2 else 0.04)


def test_weights_lower_the_risk_of_a_sample_unique():
    people = pd.DataFrame({"area": ["a", "a", "b"], "g": ["f", "f", "f"]})
    plain = microdata_risk(people, ["area", "g"])
    weighted = microdata_risk(people, ["area", "g"], weights=[50.0, 50.0, 40.0])
    assert plain.global_risk == pytest.approx((0.5 + 0.5 + 1) / 3)
    assert weighted.global_risk < plain.global_risk


def test_unknown_key_and_no_key_are_clear_errors():
    people = pd.DataFrame({"area": ["a"]})
    with pytest.raises(StudyError, match="quasi-identifier 'gender' is not a column"):
        microdata_risk(people, ["area", "gender"])
    with pytest.raises(StudyError, match="no quasi-identifiers"):
        microdata_risk(people, [])


def test_empty_frame_has_no_risk():
    summary = microdata_risk(pd.DataFrame({"area": pd.Series([], dtype="string")}), ["area"])
    assert (summary.n, summary.global_risk, summary.passes) == (0, 0.0, True)


# -- the check report -----------------------------------------------------------------------

def _study_copy(tmp_path, extra: str):
    from conftest_survey import copy_bundled_study

    return copy_bundled_study(tmp_path, extra)


def _rows(report):
    rows = report[report["check"].str.startswith("disclosure_")]
    return (dict(zip(rows["check"], rows["value"], strict=True)),
            dict(zip(rows["check"], rows["reason"], strict=True)))


def test_check_reports_k_anonymity_and_global_risk(tmp_path):
    from geo4mi import pipeline

    path = _study_copy(tmp_path, '[disclosure]\nquasi_identifiers = ["area_id", "gender"]\n'
                                 "max_global_risk = 0.05\n")
    checked = pipeline.check(path)
    values, reasons = _rows(checked.quality)
    kept = checked.kept
    assert kept["gender"].notna().all() and kept["area_id"].notna().all()
    sizes = kept.groupby(["area_id", "gender"])["gender"].transform("size")
    assert values["disclosure_k2"] == str(int((sizes < 2).sum()))
    assert values["disclosure_k5"] == str(int((sizes < 5).sum()))
    risk = (1 / sizes).mean()
    assert values["disclosure_risk"] == f"{100 * risk:.1f} %"
    assert ("below" if risk < 0.05 else "above") in reasons["disclosure_risk"]
    assert "5 % threshold" in reasons["disclosure_risk"]


def test_default_keys_are_the_area_and_the_groups():
    from geo4mi import pipeline
    from geo4mi.study import bundled_study_path

    checked = pipeline.check(bundled_study_path())
    values, reasons = _rows(checked.quality)
    assert "area_id, nationality_group, gender, age_group, time_in_city" in reasons[
        "disclosure_risk"]
    # the synthetic sample is far above 3 %: check says not to share the microdata
    assert "do not share the respondent-level data" in reasons["disclosure_risk"]
    assert int(values["disclosure_k2"]) > 0


def test_unknown_quasi_identifier_is_reported(tmp_path):
    from geo4mi import pipeline

    path = _study_copy(tmp_path, '[disclosure]\nquasi_identifiers = ["area_id", "shoe_size"]\n')
    report = pipeline.check(path).quality
    row = report[(report["check"] == "missing_column") & (report["column"] == "shoe_size")]
    assert len(row) == 1 and "[disclosure] quasi_identifiers" in row["reason"].iloc[0]


@pytest.mark.parametrize("extra, message", [
    ("[disclosure]\nmax_global_risk = 3\n", "must be between 0 and 1"),
    ("[disclosure]\nquasi_identifiers = []\n", "quasi_identifiers is empty"),
    ("[disclosure]\nk = 3\n", "unknown key 'k'"),
])
def test_bad_disclosure_keys(tmp_path, extra, message):
    from geo4mi.study import load_study

    with pytest.raises(StudyError, match=message):
        load_study(_study_copy(tmp_path, extra))


@pytest.mark.parametrize("seed", range(3))
def test_missing_values_match_any_value_weighted_many_keys(seed):
    """Five keys (up to 32 missingness patterns), weights: fk and Fk against pairs."""
    rng = np.random.default_rng(seed)
    people = _random_people(seed, 150, missing=0.2)
    people["band"] = pd.array(rng.choice(["a", "b", None], 150), dtype="string")
    people["site"] = pd.array(rng.choice(["s1", "s2", "s3", None], 150), dtype="string")
    keys = ["area", "gender", "nat", "band", "site"]
    weights = rng.integers(1, 9, 150).astype(float)
    rows = people[keys].to_numpy(dtype=object)
    match = np.array([[all(x is pd.NA or y is pd.NA or x == y for x, y in zip(a, b, strict=True))
                       for b in rows] for a in rows])
    fk, Fk = key_frequencies(people, keys, weights=weights)
    assert fk.tolist() == match.sum(axis=1).tolist()
    assert Fk.tolist() == (match @ weights).tolist()  # integer weights: exact sums


def test_rows_missing_every_key_match_everyone():
    people = pd.DataFrame({"area": ["a", None, "b"], "g": ["f", None, None]}, dtype="string")
    fk, _ = key_frequencies(people, ["area", "g"])
    assert fk.tolist() == [2, 3, 2]
