"""Primary and complementary suppression: no hidden numerator can be read off the totals."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
from geo4mi.indicators.estimate import CITY, estimate
from geo4mi.indicators.suppression import suppression_mask


def grid(*rows):
    """One indicator: rows = city then areas, columns = "all" then group values."""
    return np.array([rows], dtype=np.int64)


def test_one_small_borough_hides_the_next_smallest_not_the_city():
    n = grid([60], [25], [14], [15], [6])
    assert suppression_mask(n, min_n=10, blocks=[])[0, :, 0].tolist() == \
        [False, False, True, False, True]


def test_two_small_cells_protect_each_other():
    n = grid([60], [45], [9], [6])
    assert suppression_mask(n, min_n=10, blocks=[])[0, :, 0].tolist() == \
        [False, False, True, True]


def test_a_small_group_value_hides_another_value_of_the_same_area():
    # city + one area; "all" then a three-value group
    n = grid([50, 20, 25, 5], [50, 20, 25, 5])
    hidden = suppression_mask(n, min_n=10, blocks=[(1, 4)])[0]
    assert hidden[1].tolist() == [False, True, False, True]  # 20 hidden with the 5
    assert hidden[0].tolist() == [False, True, False, True]  # and the same city-wide


def test_ties_take_the_first_cell_in_table_order():
    n = grid([45], [20], [20], [5])
    assert suppression_mask(n, min_n=10, blocks=[])[0, :, 0].tolist() == \
        [False, True, False, True]


def test_total_is_hidden_when_nothing_else_can_be():
    # the area's total is published (12) but its only other value has no respondents
    n = grid([30, 4, 0], [12, 4, 0], [18, 0, 0])
    hidden = suppression_mask(n, min_n=10, blocks=[(1, 3)])[0]
    assert hidden[1, 0]  # the 12 goes: otherwise 12 - (nothing) reveals the 4
    assert not hidden[1, 2]  # n == 0 is "no data", never "suppressed"


def test_primary_only_when_complementary_is_off():
    n = grid([60], [25], [14], [15], [6])
    assert suppression_mask(n, min_n=10, blocks=[], complementary=False)[0, :, 0].tolist() \
        == [False, False, False, False, True]


def _lines_ok(n, hidden, blocks):
    """Every line whose total is shown hides 0 or at least 2 of its cells with respondents."""
    for i in range(n.shape[0]):
        for c in range(n.shape[2]):
            if n[i, 0, c] and not hidden[i, 0, c]:
                assert (hidden[i, 1:, c] & (n[i, 1:, c] > 0)).sum() != 1
        for r in range(n.shape[1]):
            if n[i, r, 0] and not hidden[i, r, 0]:
                for start, stop in blocks:
                    assert (hidden[i, r, start:stop] & (n[i, r, start:stop] > 0)).sum() != 1


@pytest.mark.parametrize("seed", range(8))
def test_random_grids_leave_no_line_with_a_single_hidden_cell(seed):
    rng = np.random.default_rng(seed)
    blocks = [(1, 4), (4, 6)]
    group_a = rng.poisson(rng.choice([2, 6, 15, 40], size=(3, 7, 1)), size=(3, 7, 3))
    total = group_a.sum(axis=2)
    group_b = rng.binomial(total, 0.3)
    cells = np.zeros((3, 8, 6), dtype=np.int64)  # city + 7 areas; all, A (3), B (2)
    cells[:, 1:, 0], cells[:, 1:, 1:4] = total, group_a
    cells[:, 1:, 4], cells[:, 1:, 5] = group_b, total - group_b
    cells[:, 0] = cells[:, 1:].sum(axis=1)
    hidden = suppression_mask(cells, min_n=10, blocks=blocks)
    assert (hidden[(cells > 0) & (cells < 10)]).all()
    assert not hidden[cells == 0].any()
    _lines_ok(cells, hidden, blocks)


def test_estimates_hide_the_complement_and_say_so(caplog):
    cat = load_catalogue(bundled_catalogue_path()).subset(["discriminated"])
    sizes = {"09015": 30, "09007": 14, "09005": 20, "09002": 4}
    df = pd.DataFrame({"area_id": [a for a, k in sizes.items() for _ in range(k)]})
    df["discriminated"] = np.where(np.arange(len(df)) % 3 == 0, "yes", "no")
    with caplog.at_level(logging.INFO, logger="geo4mi.indicators.estimate"):
        est = estimate(df, cat, area_ids=list(sizes), groups=[], min_n=10)
    status = dict(zip(est["area_id"], est["status"], strict=True))
    assert status == {CITY: "ok", "09002": "suppressed", "09005": "ok", "09007": "suppressed",
                      "09015": "ok"}
    hidden = est[est["status"] == "suppressed"]
    assert hidden["numerator"].isna().all() and hidden["p"].isna().all()
    assert hidden["n"].isna().all()  # 19 (city) - 14 - 1 would give the 4 away
    assert hidden["suppression"].tolist() == ["small_n", "complementary"]
    assert "complementary suppression: 1 more estimates suppressed" in caplog.text
    plain = estimate(df, cat, area_ids=list(sizes), groups=[], min_n=10, complementary=False)
    assert dict(zip(plain["area_id"], plain["status"], strict=True))["09007"] == "ok"


def test_bundled_study_keeps_every_whole_borough_figure_it_can():
    """On the Mexico City study, complementary cells come mostly from group breakdowns,
    and the boroughs with many interviews keep most of their whole-borough figures, with
    disclosure control (protect) and without it."""
    import dataclasses

    from geo4mi.pipeline import run
    from geo4mi.study import bundled_study_path, load_study

    study = load_study(bundled_study_path())
    plain = dataclasses.replace(study, disclosure=dataclasses.replace(study.disclosure,
                                                                      protect=False))
    for results in (run(plain), run(study)):
        est = results.estimates
        extra = est[est["suppression"].isin(["complementary", "complementary_value"])]
        assert len(extra) > 0 and (extra["group_var"] != "all").mean() > 0.8
        props = est[(est["group_var"] == "all") & (est["stat"] == "prop")]
        interviews = results.interviews_per_area()
        for area, rows in props.groupby("area_id"):
            if area != "_city" and interviews[area] >= 50:
                assert (rows["status"] == "ok").mean() >= 0.75, area


def test_study_file_can_turn_complementary_suppression_off(caplog):
    import dataclasses

    from geo4mi.pipeline import run
    from geo4mi.study import bundled_study_path, load_study

    study = load_study(bundled_study_path())
    assert study.complementary_suppression is True
    with caplog.at_level(logging.INFO, logger="geo4mi.indicators.estimate"):
        run(study)
    # the log tells the analyst which city-wide figures went, and what keeps them
    assert "city-wide figures hidden: gender=man" in caplog.text
    assert "merging the smallest value of a grouping into another keeps them" in caplog.text
    off = run(dataclasses.replace(study, complementary_suppression=False)).estimates
    assert not off["suppression"].isin(["complementary", "complementary_value"]).any()
