"""Disclosure control end to end: what the demo publishes withstands the built-in intruder,
and the rules of what counts as a disclosure (docs/disclosure.md) hold on small tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo4mi.indicators.audit import audit, audit_results, true_estimates
from geo4mi.indicators.suppression import published, suppression_mask

KEY = ["indicator", "area_id", "group_var", "group_value"]


@pytest.fixture(scope="module")
def demo(bundled_results):
    return bundled_results


def test_the_demo_publishes_nothing_the_intruder_can_work_out(demo):
    assert demo.protection is not None and len(demo.protection) > 0
    assert audit_results(demo).empty


def test_protection_only_hides_and_says_why(demo):
    lost = demo.protection.merge(demo.estimates, on=KEY, suffixes=("_lost", ""))
    assert (lost["status"] == "suppressed").all()
    assert lost["p"].isna().all() and lost["numerator"].isna().all()
    whole = lost["what"] == "n"
    assert lost.loc[whole, "n"].isna().all()
    assert set(lost["suppression"]) <= {"complementary", "complementary_value", "linked",
                                        "linked_value", "small_n"}


def test_the_seed_report_borough_figures_stay_published(demo):
    e = demo.estimates.set_index(KEY)
    for indicator, area in (("discriminated", "09015"), ("housing_no_barriers", "09005"),
                            ("feel_safe", "09007")):
        row = e.loc[(indicator, area, "all", "all")]
        assert row["status"] == "ok" and row["n"] >= 50
    city = demo.estimates[(demo.estimates["area_id"] == "_city")
                          & (demo.estimates["group_var"] == "all")]
    assert (city["status"] == "ok").mean() > 0.9  # city-wide totals stay, with few exceptions


def test_one_pattern_of_hidden_people_counts_for_every_indicator(demo):
    """A cell's people (the largest n of any indicator there) hidden in one indicator is
    hidden in all: otherwise one indicator's n gives away another's hidden n."""
    truth = true_estimates(demo)
    pub = published(demo.estimates)
    props = truth[truth["stat"] == "prop"] if "stat" in truth else truth
    people = props.groupby(KEY[1:])["n"].max()
    areas = ["_city", *sorted(set(people.index.get_level_values(0)) - {"_city"})]
    pairs = zip(people.index.get_level_values(1), people.index.get_level_values(2), strict=True)
    cols = [("all", "all"), *sorted({c for c in pairs if c[0] != "all"})]
    grid = np.zeros((1, len(areas), len(cols)), np.int64)
    for (a, g, v), n in people.items():
        grid[0, areas.index(a), cols.index((g, v))] = n
    blocks, start = [], 1
    for g in dict.fromkeys(c[0] for c in cols[1:]):
        stop = start + sum(1 for c in cols[1:] if c[0] == g)
        blocks.append((start, stop))
        start = stop
    hidden = suppression_mask(grid, min_n=demo.study.min_n, blocks=blocks)[0]
    assert hidden.any()
    n_pub = pub.set_index(KEY)["n"]
    for r, c in zip(*np.nonzero(hidden), strict=True):
        cells = n_pub.xs((areas[r], *cols[c]), level=(1, 2, 3))
        assert cells.isna().all(), (areas[r], cols[c])


def test_empty_group_of_a_small_area_is_hidden_not_no_interviews(demo):
    e = published(demo.estimates)
    area_n = e[(e["group_var"] == "all")].set_index(["indicator", "area_id"])["n"]
    small_areas = e[(e["group_var"] == "all") & (e["suppression"] == "small_n")]
    assert len(small_areas)  # the demo has boroughs with fewer than 10 interviews
    inside = e.merge(small_areas[["indicator", "area_id"]], on=["indicator", "area_id"])
    inside = inside[inside["group_var"] != "all"]
    assert not (inside["status"] == "no_data").any()
    assert area_n.notna().any()


# -- the rules on small tables -------------------------------------------------------------

def table(num, n, status, reason=None):
    out = pd.DataFrame({
        "indicator": "x", "area_id": "a1",
        "group_var": ["all", "g", "g", "g"], "group_value": ["all", "u", "v", "w"],
        "numerator": pd.array(num, dtype="Int64"), "n": pd.array(n, dtype="Int64"),
        "status": status})
    if reason is not None:
        out["suppression"] = reason
    return out


def test_a_zero_a_large_group_publishes_is_no_finding():
    """'None of the 40' is published: the hidden 4 have none too, and that is no news."""
    pub = table([0, 0, None, None], [40, 30, None, None], ["ok", "ok", "suppressed"] * 1
                + ["suppressed"], ["", "", "small_n", "small_n"])
    assert audit(pub, None, min_n=10).empty
    # the same zero worked out of a published 3 whose 3 are all in a published group
    pub = table([3, 3, None, None], [40, 30, None, None], ["ok", "ok", "suppressed",
                                                           "suppressed"],
                ["", "", "small_n", "small_n"])
    found = audit(pub, None, min_n=10)
    assert set(found["group_value"]) == {"v", "w"} and (found["high"] == 0).all()


def test_a_large_complementary_cell_worked_out_is_no_finding_a_small_one_is():
    def line(reason, n_hidden):
        return pd.DataFrame({
            "indicator": "x", "area_id": ["_city", "a1", "a2"], "group_var": "all",
            "group_value": "all", "numerator": pd.array([10, 5, None], dtype="Int64"),
            "n": pd.array([35 if n_hidden >= 10 else 25, 20, n_hidden], dtype="Int64"),
            "status": ["ok", "ok", "suppressed"], "suppression": ["", "", reason]})

    # a2 = 10 - 5: hidden only to protect a figure elsewhere, 15 people: no finding
    assert audit(line("complementary_value", 15), None, min_n=10).empty
    # the same cell hidden for being small is a finding; so is one without a reason
    for reason, n, what in (("small_n", 5, "all"), ("", 15, "numerator")):
        found = audit(line(reason, n), None, min_n=10)
        assert found[["area_id", "what", "low"]].values.tolist() == [["a2", what, 5]]


def test_hiding_more_reopens_only_what_it_supported_and_ends_at_the_same_bounds(demo):
    """protect re-propagates from the bounds a newly hidden figure supported, not from the
    start: the bounds must be those of propagating the whole system again, and hiding an
    ``n`` (all ``n`` are one connected system) must not re-open everything."""
    from geo4mi.indicators.audit import propagate, system
    from geo4mi.indicators.protect import _joined, _matrices, _reopen

    min_n = demo.study.min_n
    sys_ = system(demo.estimates, demo.catalogue, min_n=min_n, truth=true_estimates(demo))
    known = sys_.grid.value.ravel().copy()
    size = sys_.grid.exists.size
    moves: list = []
    lo, hi, *_ = propagate(sys_.rows, sys_.cols, sys_.vals, sys_.fam_of, *sys_.start(known),
                           moves=moves)
    n_rows = int(sys_.rows.max()) + 1
    _, AT = _matrices(sys_)
    # published n of area cells (not city-wide), a few of them spread over the table
    cand = np.flatnonzero(known[size:] > 0)
    cand = cand[np.unravel_index(cand, sys_.grid.shape)[1] > 0]
    rng = np.random.default_rng(7)
    for cells in (rng.choice(cand, 3, replace=False), rng.choice(cand, 40, replace=False)):
        k = known.copy()
        k[cells] = np.nan  # numerator and n of each cell
        k[size + cells] = np.nan
        hidden = np.r_[cells, size + cells]
        support = _joined(moves)
        reset = _reopen(hidden, AT, support, n_rows)
        assert reset[hidden].all() and reset.sum() < reset.size / 2
        start_lo, start_hi = sys_.start(k)
        active = np.zeros(n_rows, bool)
        active[sys_.rows[reset[sys_.cols]]] = True
        inc_lo, inc_hi, *_ = propagate(sys_.rows, sys_.cols, sys_.vals, sys_.fam_of,
                                       np.where(reset, start_lo, lo),
                                       np.where(reset, start_hi, hi), active=active)
        full_lo, full_hi, *_ = propagate(sys_.rows, sys_.cols, sys_.vals, sys_.fam_of,
                                         start_lo, start_hi)
        np.testing.assert_array_equal(inc_lo, full_lo)
        np.testing.assert_array_equal(inc_hi, full_hi)
        assert (full_hi > hi).any() or (full_lo < lo).any()  # hiding them loosened something


@pytest.mark.parametrize("by_var", [False, True])
def test_propagation_in_slices_gives_what_one_pass_gives(demo, monkeypatch, by_var: bool):
    """At thousands of areas propagation works a slice of the system at a time (and, when
    few relations are active, on their entries only): the bounds, the relations named as
    their sources and the moves protect re-opens from must be those of one pass over the
    whole system, from the start and from re-opened bounds."""
    from geo4mi.indicators import audit
    from geo4mi.indicators.protect import _matrices

    sys_ = audit.system(demo.estimates, demo.catalogue, min_n=demo.study.min_n,
                        truth=true_estimates(demo))
    known = sys_.grid.value.ravel().copy()
    n_rows = int(sys_.rows.max()) + 1
    A, AT = _matrices(sys_)
    active = np.zeros(n_rows, bool)
    active[np.random.default_rng(3).choice(n_rows, n_rows // 50, replace=False)] = True
    lo, hi = sys_.start(known)
    lo, hi = lo.copy(), hi.copy()
    hidden = np.flatnonzero(~np.isnan(known))[::7]  # loosen some bounds: work to re-do
    lo[hidden], hi[hidden] = 0, audit.BIG

    def run(slice_: int, overwrite: bool = False, **kw) -> tuple:
        monkeypatch.setattr(audit, "SLICE", slice_)
        moves: list = []
        start = (lo.copy(), hi.copy()) if overwrite else (lo, hi)
        rows = None if "starts" in kw else sys_.rows  # the compressed rows alone
        out = audit.propagate(rows, sys_.cols, sys_.vals, sys_.fam_of, *start,
                              moves=moves, overwrite=overwrite, **kw)
        return out, moves

    assert np.shares_memory(A.data, AT.data) and A.data.all()  # one array of True
    assert (A.T.tocsr() != AT).nnz == 0  # the transpose
    extra = {"by_var": (AT.indptr, AT.indices), "starts": A.indptr} if by_var else {}
    before = lo.copy(), hi.copy()
    for kw in ({}, {"active": active}):
        # the sliced run works in the arrays it is given (protect's), the other copies them
        (one, moves_one), (sliced, moves_sliced) = run(len(sys_.rows) + 1, **kw), run(
            997, overwrite=True, **kw, **extra)
        np.testing.assert_array_equal(lo, before[0])  # not overwritten unless asked
        np.testing.assert_array_equal(hi, before[1])
        assert len(audit._slices(sys_.starts)) > 100  # the slices, not one pass
        for a, b in zip(one, sliced, strict=True):
            np.testing.assert_array_equal(a, b)
        assert len(moves_one) == len(moves_sliced) > 2
        for (v1, r1), (v2, r2) in zip(moves_one, moves_sliced, strict=True):
            np.testing.assert_array_equal(v1, v2)
            np.testing.assert_array_equal(r1, r2)


def test_protect_on_the_true_counts_alone_gives_the_same_result(demo):
    """The build hands protect only what the intruder reads of the true estimates
    (``audit.true_counts``: cells, numerators, ``n``, ``status``; a third of the memory at
    thousands of areas): the same hidden cells, table and last check as with the whole
    true table. The cells' labels are the published table's own arrays, not copies."""
    from geo4mi.indicators import audit as A
    from geo4mi.indicators.design import design_from_study
    from geo4mi.indicators.estimate import estimate
    from geo4mi.indicators.protect import protect

    study, min_n = demo.study, demo.study.min_n
    est = estimate(demo.respondents, demo.catalogue, area_ids=demo.areas["area_id"].tolist(),
                   groups=list(study.indicators.groups), min_n=min_n,
                   complementary=study.complementary_suppression,
                   design=design_from_study(study))
    truth = true_estimates(demo)
    key = A.table_digest(truth)
    trimmed = A.true_counts(truth, like=est)
    assert list(trimmed.columns) == list(A.TRUE_COUNT_COLUMNS)
    for col in KEY:
        assert np.shares_memory(trimmed[col].array._ndarray, est[col].array._ndarray)
    for col in ("numerator", "n"):
        assert trimmed[col].equals(truth[col])
    A._AUDITED.clear()
    whole = protect(est, demo.catalogue, min_n=min_n, truth=truth, truth_key=key)
    checks = dict(A._AUDITED)
    A._AUDITED.clear()
    part = protect(est, demo.catalogue, min_n=min_n, truth=trimmed, truth_key=key)
    assert len(whole[1]) > 0
    pd.testing.assert_frame_equal(part[0], whole[0])
    pd.testing.assert_frame_equal(part[1], whole[1])
    pd.testing.assert_frame_equal(part[0], demo.estimates)  # what the pipeline published
    # the last check is remembered under the whole table's digest, as before
    assert A._AUDITED.keys() == checks.keys()
    for k in checks:
        pd.testing.assert_frame_equal(A._AUDITED[k], checks[k])
    # another row order: the keys cannot be shared, the true table's own are kept
    shuffled = est.sample(frac=1, random_state=4).reset_index(drop=True)
    own = A.true_counts(truth, like=shuffled)
    assert not np.shares_memory(own["area_id"].array._ndarray,
                                shuffled["area_id"].array._ndarray)
    pd.testing.assert_frame_equal(own, truth[list(A.TRUE_COUNT_COLUMNS)])
    for found in (A.audit(shuffled, demo.catalogue, min_n=min_n, truth=own),
                  A.audit(shuffled, demo.catalogue, min_n=min_n, truth=trimmed)):
        pd.testing.assert_frame_equal(
            found, A.audit(shuffled, demo.catalogue, min_n=min_n, truth=truth))


def test_the_build_hands_protect_the_true_counts_only(monkeypatch):
    """``pipeline.run`` frees the true table's intervals, labels and reasons before
    disclosure control (protect's peak at 2,431 areas held both 5.9 M-row tables whole)."""
    from geo4mi import pipeline
    from geo4mi.indicators import audit as A
    from geo4mi.indicators import protect as P
    from geo4mi.study import bundled_study_path

    seen = []
    original = P.protect

    def spy(estimates, catalogue, *, min_n, truth=None, **kw):
        seen.append((list(truth.columns), kw.get("truth_key")))
        return original(estimates, catalogue, min_n=min_n, truth=truth, **kw)

    monkeypatch.setattr(P, "protect", spy)
    monkeypatch.setattr(pipeline, "_PROTECTED", {})
    results = pipeline.run(bundled_study_path())
    [(columns, key)] = seen
    assert columns == list(A.TRUE_COUNT_COLUMNS)
    assert key == A.table_digest(true_estimates(results))  # the whole table's digest


def test_protect_through_reopened_bounds_leaves_nothing_to_work_out(demo, monkeypatch):
    """Above ``REOPEN_ABOVE`` entries (thousands of areas) protect re-opens only the bounds
    the hidden figures supported, updating the bounds and their sources in place: on the
    demo's system that path too must end with a table the intruder finds nothing in."""
    from geo4mi.indicators import audit as A
    from geo4mi.indicators import protect as P
    from geo4mi.indicators.design import design_from_study
    from geo4mi.indicators.estimate import estimate

    study, min_n = demo.study, demo.study.min_n
    est = estimate(demo.respondents, demo.catalogue, area_ids=demo.areas["area_id"].tolist(),
                   groups=list(study.indicators.groups), min_n=min_n,
                   complementary=study.complementary_suppression,
                   design=design_from_study(study))
    truth = A.true_counts(true_estimates(demo), like=est)
    monkeypatch.setattr(P, "REOPEN_ABOVE", 0)
    safe, lost = P.protect(est, demo.catalogue, min_n=min_n, truth=truth)
    assert len(lost) > 0 and lost["round"].max() > 1
    assert A.audit(safe, demo.catalogue, min_n=min_n, truth=truth).empty


def test_the_system_holds_each_relation_once_and_no_family_lines(demo):
    """The intruder's system at thousands of areas is tens of millions of entries: it is
    kept in compressed rows (each relation's first entry, no relation per entry), its
    families keep their names only (no view keeping their lines alive), and the stated
    bounds start where they always did (floors 0, ceilings ``min_n - 1`` or ``BIG``)."""
    from geo4mi.indicators import audit as A

    est, min_n = demo.estimates, demo.study.min_n
    sys_ = A.system(est, demo.catalogue, min_n=min_n, truth=true_estimates(demo))
    n_rows = len(sys_.fam_of)
    assert sys_.starts.shape == (n_rows + 1,) and sys_.starts[-1] == len(sys_.cols)
    assert (np.diff(sys_.starts) > 0).all()  # no relation without terms
    assert not any(isinstance(v, np.ndarray) and v.shape == sys_.cols.shape
                   and v is not sys_.cols and v is not sys_.vals for v in vars(sys_).values())
    for fam in sys_.fams:
        assert fam.lines.size == 0 and fam.lines.base is None
        assert fam.equal_within is None and fam.equal_if is None
    known = sys_.grid.value.ravel()
    lo, hi = sys_.start(known)
    assert lo.dtype == hi.dtype == np.float64
    hidden = np.isnan(known)
    small = est["suppression"].astype(str).eq("small_n").to_numpy()
    size = sys_.grid.exists.size
    small_n = np.zeros(2 * size, bool)
    small_n[size + sys_.grid.cell[small]] = True
    assert small.any() and (lo[hidden] == 0).all()
    np.testing.assert_array_equal(hi[hidden & small_n], min_n - 1)
    np.testing.assert_array_equal(hi[hidden & ~small_n], A.BIG)
    np.testing.assert_array_equal(lo[~hidden], known[~hidden])
    np.testing.assert_array_equal(hi[~hidden], known[~hidden])


def test_reopened_bounds_keep_their_sources_in_place(demo):
    """protect re-opens bounds and propagates into its own arrays of the bounds' sources
    (``sources=``): a bound the propagation moves names its relation's family, a re-opened
    one it does not move has none (-1), every other keeps its own, as when the sources
    of a separate propagation are laid over them."""
    from geo4mi.indicators import audit as A
    from geo4mi.indicators.protect import _joined, _matrices, _reopen

    sys_ = A.system(demo.estimates, demo.catalogue, min_n=demo.study.min_n,
                    truth=true_estimates(demo))
    known = sys_.grid.value.ravel().copy()
    size, n_rows = sys_.grid.exists.size, len(sys_.fam_of)
    moves: list = []
    lo, hi, src_lo, src_hi, _ = A.propagate(None, sys_.cols, sys_.vals, sys_.fam_of,
                                            *sys_.start(known), moves=moves,
                                            starts=sys_.starts)
    _, AT = _matrices(sys_)
    cells = np.flatnonzero(known[size:] > 0)[::97]
    known[cells] = known[size + cells] = np.nan
    reset = _reopen(np.r_[cells, size + cells], AT, _joined(moves), n_rows)
    start_lo, start_hi = sys_.start(known)
    active = np.zeros(n_rows, bool)
    active[sys_.rows[reset[sys_.cols]]] = True
    begin = np.where(reset, start_lo, lo), np.where(reset, start_hi, hi)
    # a separate propagation's sources, laid over the old ones
    _, _, new_lo, new_hi, _ = A.propagate(None, sys_.cols, sys_.vals, sys_.fam_of, *begin,
                                          active=active, starts=sys_.starts)
    want = []
    for src, new in ((src_lo, new_lo), (src_hi, new_hi)):
        w = np.where(reset, -1, src)
        want.append(np.where(new >= 0, new, w))
    # in place
    mine = np.where(reset, -1, src_lo), np.where(reset, -1, src_hi)
    out = A.propagate(None, sys_.cols, sys_.vals, sys_.fam_of, *begin, active=active,
                      starts=sys_.starts, sources=mine)
    assert out[2] is mine[0] and out[3] is mine[1]
    assert (mine[0][reset] >= 0).any() and (mine[1][reset] >= 0).any()  # some moved
    np.testing.assert_array_equal(mine[0], want[0])
    np.testing.assert_array_equal(mine[1], want[1])
