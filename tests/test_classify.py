"""Class breaks: the vectorised Fisher–Jenks gives mapclassify's breaks exactly."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from geo4mi import classify
from geo4mi.errors import ClassificationError


def _mapclassify_fisher_jenks(values: np.ndarray, k: int) -> np.ndarray:
    from mapclassify.classifiers import _fisher_jenks_means

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "numba not installed": the pure-Python original
        return _fisher_jenks_means(np.sort(values).astype("f8"), classes=k)


def _random_values(rng: np.random.Generator, trial: int) -> np.ndarray:
    n = int(rng.integers(2, 60 if trial < 150 else 300))
    kind = trial % 4
    if kind == 0:
        return rng.random(n)
    if kind == 1:
        return np.round(rng.random(n), 2)  # ties, as percentages give
    if kind == 2:
        return rng.integers(0, 5, n) / 4  # few distinct values
    return rng.beta(0.5, 2, n)  # skewed


@pytest.mark.parametrize("seed", [0, 1])
def test_fisher_jenks_equals_mapclassify(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for trial in range(160):
        y = _random_values(rng, trial)
        k = int(rng.integers(2, min(8, y.size) + 1))
        expected = _mapclassify_fisher_jenks(y, k)
        got = classify.fisher_jenks(y, k)
        assert np.array_equal(got, expected), (trial, y.size, k)


def test_fisher_jenks_blocks_do_not_change_the_result() -> None:
    y = np.random.default_rng(5).random(120)
    assert np.array_equal(classify.fisher_jenks(y, 5, max_cells=130),
                          classify.fisher_jenks(y, 5))


def test_fisher_jenks_needs_k_values() -> None:
    with pytest.raises(ClassificationError, match="need at least 5 values"):
        classify.fisher_jenks([0.1, 0.2], 5)


def test_natural_breaks_equal_mapclassify_below_the_exact_limit() -> None:
    import mapclassify

    y = np.random.default_rng(2).random(classify.NATURAL_BREAKS_EXACT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = [round(float(b), 10) for b in mapclassify.FisherJenks(y, k=5).bins]
    assert classify.class_breaks(y, "natural_breaks") == expected


def test_natural_breaks_over_many_values_use_order_statistics() -> None:
    y = np.random.default_rng(3).random(5 * classify.NATURAL_BREAKS_EXACT)
    breaks = classify.class_breaks(y, "natural_breaks")
    assert len(breaks) == 5 and breaks[-1] == round(float(y.max()), 10)
    assert all(b in set(np.round(y, 10)) for b in breaks)  # breaks are data values
    assert breaks == classify.class_breaks(y[::-1], "natural_breaks")  # order does not matter


def test_breaks_are_cached_and_callers_cannot_change_the_cache() -> None:
    y = [0.1, 0.2, 0.35, 0.5, 0.7, 0.72, 0.9]
    first = classify.class_breaks(y, "natural_breaks", k=3)
    first.append(99.0)
    assert classify.class_breaks(y, "natural_breaks", k=3) == [0.2, 0.5, 0.9]
    assert classify.class_breaks(y, "quantiles", k=3) != [0.2, 0.5, 0.9]


def test_count_breaks_live_in_classify_and_the_site_map_agrees():
    # one neutral home for the interview-count classes, which the site map uses
    from geo4mi.classify import COUNT_BREAKS
    from geo4mi.webmap import sites

    assert sites.COUNT_BREAKS == COUNT_BREAKS == (1, 10, 25, 50, 100)
