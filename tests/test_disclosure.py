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

from geo4mi.disclosure import (GLOBAL_RISK_THRESHOLD, individual_risk, key_frequencies,
                               microdata_risk)
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
        expected.append(sum(all(x is pd.NA or y is pd.NA or x == y for x, y in zip(a, b))
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
