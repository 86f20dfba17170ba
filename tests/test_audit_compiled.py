"""Bound propagation compiled with numba (``geo4mi.indicators.audit_compiled``) gives what the
numpy propagation gives: the same bounds, sources, moves, rounds and errors, on random
systems and on the bundled study's real table, and the same protected table."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from geo4mi.errors import DisclosureError
from geo4mi.indicators import audit as A
from geo4mi.indicators.audit import true_estimates

pytest.importorskip("numba", reason="the compiled propagation needs geo4mi[fast]")


def both(monkeypatch, *args, **kw) -> tuple[tuple, tuple]:
    """``propagate`` numpy-only and compiled on copies of the same inputs: (bounds,
    sources, rounds) and the moves as one ``(variables, relations)`` pair, each."""
    out = []
    for above in (10**12, 0):
        monkeypatch.setattr(A, "COMPILED_ABOVE", above)
        moves: list = []
        copied = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        kw2 = {k: (tuple(x.copy() for x in v) if k == "sources" else v) for k, v in kw.items()}
        got = A.propagate(*copied, moves=moves, **kw2)
        joined = (np.concatenate([m[0] for m in moves]) if moves else np.zeros(0, int),
                  np.concatenate([m[1] for m in moves]) if moves else np.zeros(0, int))
        out.append((got, joined))
    return out[0], out[1]


def assert_same(a: tuple, b: tuple) -> None:
    (got_a, moves_a), (got_b, moves_b) = a, b
    for x, y in zip(got_a[:4], got_b[:4], strict=True):
        np.testing.assert_array_equal(x, y)
        assert x.dtype == y.dtype
    assert got_a[4] == got_b[4]  # rounds
    for x, y in zip(moves_a, moves_b, strict=True):
        np.testing.assert_array_equal(x, y)


def random_system(seed: int, n_vars: int = 300, n_rel: int = 120) -> tuple:
    """Totals of random subsets of whole numbers (``x_t = sum x_s`` as two relations of ±1
    entries, as the intruder's are), a random part of the numbers published."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 40, n_vars).astype(float)
    rows, cols, vals = [], [], []
    total_of = rng.choice(n_vars, n_rel, replace=False)
    leaves = np.setdiff1d(np.arange(n_vars), total_of)  # totals are of these: consistent
    for k, t in enumerate(total_of):
        parts = rng.choice(leaves, rng.integers(2, 9), replace=False)
        x[t] = x[parts].sum()
        for sign, r in ((1.0, 2 * k), (-1.0, 2 * k + 1)):  # sum - t <= 0 and t - sum <= 0
            rows += [r] * (len(parts) + 1)
            cols += [*parts.tolist(), int(t)]
            vals += [sign] * len(parts) + [-sign]
    published = rng.random(n_vars) < 0.6
    lo = np.where(published, x, 0.0)
    hi = np.where(published, x, A.BIG)
    fam_of = rng.integers(0, 5, 2 * n_rel)
    return (np.array(rows), np.array(cols, np.int32), np.array(vals), fam_of, lo, hi), x


@pytest.mark.parametrize("seed", range(8))
def test_random_systems_same_bounds_sources_and_moves(monkeypatch, seed):
    args, x = random_system(seed)
    a, b = both(monkeypatch, *args)
    assert_same(a, b)
    lo, hi = b[0][0], b[0][1]
    assert (lo <= x).all() and (x <= hi).all()  # sound: the true numbers stay inside
    assert (lo > args[4]).any() or (hi < args[5]).any()  # it worked something out


def test_random_system_from_re_opened_bounds_with_active_relations(monkeypatch):
    """protect's calls: the incidence matrix's starts, the relations by variable, a
    first round on some relations only, sources updated in place."""
    (rows, cols, vals, fam_of, lo, hi), _ = random_system(11, 2000, 800)
    order = np.argsort(rows, kind="stable")
    rows, cols, vals = rows[order], cols[order], vals[order]
    starts = np.r_[0, np.cumsum(np.bincount(rows))].astype(np.int32)
    lo1, hi1, src_lo, src_hi, _ = A.propagate(rows, cols, vals, fam_of, lo, hi)
    reset = np.zeros(len(lo), bool)
    reset[::9] = True
    lo2, hi2 = np.where(reset, lo, lo1), np.where(reset, hi, hi1)
    active = np.zeros(len(starts) - 1, bool)
    active[np.unique(rows[reset[cols]])] = True
    byvar = np.argsort(cols, kind="stable")
    by_var = (np.r_[0, np.cumsum(np.bincount(cols, minlength=len(lo)))].astype(np.int32),
              rows[byvar].astype(np.int32))
    for bv in (by_var, None):
        a, b = both(monkeypatch, None, cols, vals, fam_of, lo2, hi2, active=active,
                    by_var=bv, starts=starts, overwrite=True,
                    sources=(np.where(reset, -1, src_lo), np.where(reset, -1, src_hi)))
        assert_same(a, b)
        assert len(a[1][0]) > 0


def test_contradictions_and_unsettled_rounds_alike(monkeypatch, caplog):
    args, _ = random_system(3)
    rows, cols, vals, fam_of, lo, hi = args
    errors = []
    bad_lo, bad_hi = lo.copy(), hi.copy()
    pub = np.flatnonzero(lo == hi)
    bad_lo[pub[:3]] += 5  # published figures that cannot all hold
    bad_hi[pub[:3]] += 5
    for above in (10**12, 0):
        monkeypatch.setattr(A, "COMPILED_ABOVE", above)
        with pytest.raises(DisclosureError) as err:
            A.propagate(rows, cols, vals, fam_of, bad_lo, bad_hi)
        errors.append(str(err.value))
    assert errors[0] == errors[1] and "contradict" in errors[0]
    with caplog.at_level(logging.WARNING, logger="geo4mi.indicators.audit"):
        a, b = both(monkeypatch, *args, max_rounds=1)
    assert_same(a, b)
    assert a[0][4] == 1
    assert caplog.text.count("stopped after 1 rounds") == 2


@pytest.fixture(scope="module")
def demo(bundled_results):
    return bundled_results


def test_the_bundled_study_same_bounds_and_same_protected_table(demo, monkeypatch):
    """The real table: its system from the start and from loosened bounds, then protect
    whole (every propagation compiled) publishes the same table and loses the same
    cells."""
    from geo4mi.indicators.design import design_from_study
    from geo4mi.indicators.estimate import estimate
    from geo4mi.indicators.protect import _matrices, protect

    truth = true_estimates(demo)
    sys_ = A.system(demo.estimates, demo.catalogue, min_n=demo.study.min_n, truth=truth)
    known = sys_.grid.value.ravel().copy()
    assert len(sys_.cols) > 10_000
    _, AT = _matrices(sys_)
    lo, hi = sys_.start(known)
    a, b = both(monkeypatch, None, sys_.cols, sys_.vals, sys_.fam_of, lo, hi,
                starts=sys_.starts, by_var=(AT.indptr, AT.indices))
    assert_same(a, b)
    hidden = np.flatnonzero(~np.isnan(known))[::7]
    lo, hi = lo.copy(), hi.copy()
    lo[hidden], hi[hidden] = 0, A.BIG
    a, b = both(monkeypatch, None, sys_.cols, sys_.vals, sys_.fam_of, lo, hi,
                starts=sys_.starts)
    assert_same(a, b)
    assert a[0][4] > 2

    study = demo.study
    est = estimate(demo.respondents, demo.catalogue, area_ids=demo.areas["area_id"].tolist(),
                   groups=list(study.indicators.groups), min_n=study.min_n,
                   complementary=study.complementary_suppression,
                   design=design_from_study(study))
    out = []
    for above in (10**12, 0):
        monkeypatch.setattr(A, "COMPILED_ABOVE", above)
        A._AUDITED.clear()
        out.append(protect(est, demo.catalogue, min_n=study.min_n, truth=truth))
    A._AUDITED.clear()
    assert len(out[0][1]) > 0
    pd.testing.assert_frame_equal(out[0][0], out[1][0])
    pd.testing.assert_frame_equal(out[0][1], out[1][1])
    pd.testing.assert_frame_equal(out[1][0], demo.estimates)  # what the pipeline published


def test_nan_bounds_stay_with_numpy(monkeypatch):
    """Bounds with NaN (never made by geo4mi) are left to numpy, whose minimum keeps NaN."""
    args, _ = random_system(5)
    rows, cols, vals, fam_of, lo, hi = args
    lo = lo.copy()
    lo[0] = np.nan
    called = []
    from geo4mi.indicators import audit_compiled

    monkeypatch.setattr(audit_compiled, "rounds", lambda *a, **k: called.append(1))
    monkeypatch.setattr(A, "COMPILED_ABOVE", 0)
    with np.errstate(invalid="ignore"):
        A.propagate(rows, cols, vals, fam_of, lo, hi)
    assert not called
