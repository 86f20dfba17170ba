"""Weighted counts and disclosure: ``n`` and ``n_w`` of a cell split it across weight classes.

A small study post-stratified to area × sex and grouped by origin (sex is not a group, so
no published ``n`` counts men per origin): the intruder who knows the weights solves
``n = a + b``, ``n_w = a w_man + b w_woman`` for the men of a cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
from geo4mi.indicators.design import Design, design_arrays
from geo4mi.indicators.estimate import CITY, estimate
from geo4mi.indicators.rake import Margin
from geo4mi.indicators.weighted import WITHHELD, class_counts, withhold_weighted

MIN_N = 10
#: (area, origin) -> (women, men); area A's origin X holds 2 men
LAYOUT = {("A", "X"): (10, 2), ("A", "Y"): (15, 12), ("B", "X"): (12, 11),
          ("B", "Y"): (13, 10)}


@pytest.fixture(scope="module")
def study():
    rows = [(a, o, g) for (a, o), (women, men) in LAYOUT.items()
            for g, k in (("woman", women), ("man", men)) for _ in range(k)]
    resp = pd.DataFrame(rows, columns=["area_id", "origin", "gender"])
    resp["feel_safe"] = np.where(np.arange(len(resp)) % 3 == 0, "yes", "no")
    pop = {("A", "woman"): 5100.0, ("A", "man"): 4900.0, ("B", "woman"): 3000.0,
           ("B", "man"): 3300.0}
    margin = Margin(file="census.csv", variables=("area_id", "gender"),
                    cells={k: (v, i + 2) for i, (k, v) in enumerate(pop.items())})
    design = Design(rake=(margin,))
    catalogue = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
    kw = dict(area_ids=["A", "B"], groups=["origin"], min_n=MIN_N)
    est = estimate(resp, catalogue, design=design, **kw)
    weights = design_arrays(resp, design)[0]
    safe = withhold_weighted(est, resp, weights, catalogue, area_ids=["A", "B"],
                             groups=["origin"], min_n=MIN_N)
    known = {(a, g): pop[(a, g)] / (resp[(resp.area_id == a) & (resp.gender == g)].shape[0])
             for a, g in pop}  # the intruder's weights: public margins and sample counts
    return resp, est, safe, known


def _men(row, known) -> float:
    """Solve n = women + men, n_w = women w_woman + men w_man for the men of an area cell."""
    w_woman, w_man = known[(row.area_id, "woman")], known[(row.area_id, "man")]
    return (float(row.n_w) - int(row.n) * w_woman) / (w_man - w_woman)


def _cell(table, area, value):
    group_var = "all" if value == "all" else "origin"
    return table[(table.area_id == area) & (table.group_value == value)
                 & (table.group_var == group_var)].iloc[0]


def test_without_protection_n_w_gives_away_two_men(study):
    _, est, _, known = study
    cell = _cell(est, "A", "X")
    assert cell.status == "ok" and cell.n == 12  # published, nothing suppressed
    assert round(_men(cell, known), 6) == 2.0  # 2 men of origin X in area A: 1..min_n-1
    # the attack is exact on every published area cell
    for (area, origin), (_, men) in LAYOUT.items():
        assert round(_men(_cell(est, area, origin), known), 6) == men


def test_n_w_is_withheld_where_a_class_or_the_rest_of_the_parent_is_small(study):
    _, est, safe, known = study
    withheld = safe[safe["weighted"] == WITHHELD]
    got = sorted(zip(withheld.area_id, withheld.group_value, strict=True))
    # A/X holds 2 men; A/Y is the rest of A/X in A; the city's X holds those 2, its Y
    # is their rest
    assert got == [("A", "X"), ("A", "Y"), (CITY, "X"), (CITY, "Y")]
    assert withheld["n_w"].isna().all() and withheld["numerator_w"].isna().all()
    # n, p and the interval are untouched; everything else keeps its n_w
    pd.testing.assert_frame_equal(safe.drop(columns=["n_w", "numerator_w", "weighted"]),
                                  est.drop(columns=["n_w", "numerator_w"]))
    kept = safe[(safe["weighted"] == "") & (safe["status"] == "ok")]
    assert kept["n_w"].notna().all() and len(kept) == 5
    # what the attack now reads off the published cells: no count of 1..min_n-1
    for row in kept[kept.area_id != CITY].itertuples():
        men = round(_men(row, known), 6)
        assert men == 0 or men >= MIN_N
        assert row.n - men == 0 or row.n - men >= MIN_N


def test_class_counts_match_a_crosstab(study):
    resp, _, _, _ = study
    w = design_arrays(resp, Design(weight=None))[0] * np.where(resp.gender == "man", 2.0, 1.0)
    catalogue = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
    counts = class_counts(resp, w, catalogue, area_ids=["A", "B"], groups=["origin"])
    for (area, origin), (women, men) in LAYOUT.items():
        assert counts.loc[("feel_safe", area, "origin", origin)].tolist() == [women, men]
    assert counts.loc[("feel_safe", CITY, "all", "all")].tolist() == [50, 35]


def test_continuous_weights_and_no_weights(study):
    resp, _, _, _ = study
    catalogue = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
    kw = dict(area_ids=["A", "B"], groups=["origin"], min_n=MIN_N)
    plain = estimate(resp, catalogue, **kw)
    assert withhold_weighted(plain, resp, np.ones(len(resp)), catalogue,
                             area_ids=["A", "B"], min_n=MIN_N) is plain  # no n_w: as is
    w = 1.0 + np.arange(len(resp)) / 1000  # every respondent their own class
    est = estimate(resp.assign(w=w), catalogue, design=Design(weight="w"), **kw)
    safe = withhold_weighted(est, resp, w, catalogue, area_ids=["A", "B"], min_n=MIN_N,
                             groups=["origin"])
    assert safe["n_w"].isna().all() and (safe.loc[est["n_w"].notna(), "weighted"]
                                         == WITHHELD).all()
