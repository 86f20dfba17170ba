"""The published-table contract on the bundled study (issue 11, items 1 and 5).

An intruder holding only the published outputs must not recover a hidden count: not from a
follow-up indicator's ``n`` (its universe is the hidden numerator), not from an ``n`` under
``min_n``, in any output (CSV, GeoPackage, analysistools, the web map's data).
"""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pandas as pd
import pyogrio
import pytest

from geo4mi.indicators.estimate import CITY, _masks
from geo4mi.indicators.expressions import EvalContext
from geo4mi.indicators.suppression import N_HIDDEN, REASONS
from geo4mi.webmap.choropleth import unpack_cells, unpack_page_data


@pytest.fixture(scope="module")
def results(bundled_results):

    return bundled_results


def follow_ups(res) -> list[tuple[str, str, str]]:
    """(first, follow-up, how): the follow-up's universe is the first's numerator ("num")
    or the rest of its universe ("rest"), on the respondents."""
    ctx = EvalContext(res.respondents)  # derived variables added by run
    universes: dict = {}
    masks = {ind.id: _masks(ind, ctx, universes) for ind in res.catalogue.indicators
             if ind.stat == "prop"}
    out = []
    for i, (den_i, num_i) in masks.items():
        for j, (den_j, _) in masks.items():
            if i == j or not den_j.any():
                continue
            if np.array_equal(den_j, num_i):
                out.append((i, j, "num"))
            elif np.array_equal(den_j, den_i & ~num_i):
                out.append((i, j, "rest"))
    return out


def test_follow_up_n_never_gives_a_hidden_numerator_away(results):
    est = results.estimates
    pairs = follow_ups(results)
    assert ("crime_victim", "complaint_filed", "num") in pairs
    assert len({i for i, _, _ in pairs}) >= 6  # the six indicators, at least
    key = ["area_id", "group_var", "group_value"]
    by = {i: g.set_index(key) for i, g in est.groupby("indicator")}
    # values hidden by disclosure control (protect) are not sensitive themselves: whether a
    # follow-up may publish them is the audit's call (tests/test_protect.py)
    extra = set(map(tuple, results.protection[["indicator", *key]].to_numpy().tolist()))
    recovered = 0
    for i, j, how in pairs:
        first, follow = by[i], by[j].reindex(by[i].index)
        hidden = first["numerator"].isna() & (first["status"] == "suppressed")
        hidden &= np.array([(i, *k) not in extra for k in first.index])
        n_follow = follow["n"]
        # the intruder's guess: the follow-up's n, or n(all) minus it
        guess = n_follow if how == "num" else first["n"] - n_follow
        recovered += int((hidden & guess.notna()).sum())
        # and wherever the first hides its value, the follow-up publishes no count at all
        assert follow.loc[hidden, "n"].isna().all(), (i, j)
    assert recovered == 0


def test_no_published_n_under_min_n_in_the_estimates(results):
    est, min_n = results.estimates, results.study.min_n
    n = est["n"].astype("Float64")
    assert not ((n > 0) & (n < min_n)).any()
    hidden = est["status"] == "suppressed"
    assert est.loc[hidden & est["suppression"].isin(N_HIDDEN), "n"].isna().all()
    assert set(est["suppression"]) <= set(REASONS)
    assert (est.loc[hidden, "suppression"] != "").all()
    assert (est.loc[~hidden, "suppression"] == "").all()
    # nothing but the reason: no value for any hidden row
    assert est.loc[hidden, ["numerator", "p", "ci_low", "ci_high"]].isna().all().all()


def small(values) -> bool:
    x = pd.to_numeric(pd.Series(values), errors="coerce")
    return bool(((x > 0) & (x < 10)).any())


def test_no_published_n_under_min_n_in_any_output(results, tmp_path):
    from geo4mi.indicators.tables import (
        write_analysistools_csv,
        write_estimates_csv,
        write_geopackage,
    )
    from geo4mi.outputs import MapOptions

    est, areas, labels = results.estimates, results.areas, results.labels
    assert results.study.min_n == 10
    path = write_estimates_csv(est, areas, labels, tmp_path / "e.csv", lang="en",
                               synthetic=True)
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and not small([r["n"] for r in rows])
    assert {r["suppression"] for r in rows if r["status"] == "suppressed"} <= set(REASONS[1:])
    at = tmp_path / "at.csv"
    write_analysistools_csv(est, results.catalogue, at, synthetic=True)
    table = pd.read_csv(at, encoding="utf-8-sig")
    assert not small(table["n_total"])
    gpkg = write_geopackage(est, areas, tmp_path / "e.gpkg", labels, lang="en", synthetic=True)
    long = pyogrio.read_dataframe(gpkg, layer="estimates")
    assert not small(long["n"])
    wide = pyogrio.read_dataframe(gpkg, layer="indicators")
    assert not any(small(wide[c]) for c in wide.columns if c.endswith("_n"))
    page = results.choropleth(MapOptions(lang="en")).html()
    data = unpack_page_data(json.loads(re.search(
        r'<script type="application/json" id="g4c-data">(.*?)</script>', page,
        re.DOTALL).group(1)))
    ids = [i["id"] for i in data["indicators"]]
    groups = [(g["var"], g["value"]) for g in data["groups"]]
    areas_ids = [a["id"] for a in data["areas"]]
    est_by = est.set_index(["indicator", "group_var", "group_value", "area_id"])
    checked = 0
    for ii, per_ind in enumerate(data["v"]):
        for gi, row in enumerate(per_ind):
            places = [CITY] + [areas_ids[c] for c in data["cols"]]
            cells = unpack_cells(row[1], len(data["cols"]))
            for place, cell in zip(places, [row[0], *cells], strict=True):
                truth = est_by.loc[(ids[ii], *groups[gi], place)]
                if truth["status"] == "suppressed":
                    # the map's data carry why, never n (nor a value)
                    assert cell == (-1 if truth["suppression"] == "small_n" else -2)
                    checked += 1
                elif truth["status"] == "ok":
                    assert isinstance(cell, list) and cell[3] == truth["n"] >= 10
                else:
                    assert cell == 0
    assert checked > 1000
