"""Bound propagation compiled with numba: the rounds of
:func:`geo4mi.indicators.audit.propagate`, entry by entry, without temporaries.

:func:`~geo4mi.indicators.audit.propagate` works with whole-array numpy operations: each
round gathers every entry's bounds, its relation's least activity and its candidate into
arrays as long as a slice of the system (tens of millions of entries at thousands of
areas), then scatters the candidates with ``np.minimum.at``. Here one compiled loop per
round reads each entry twice (its relation's least activity, then its candidate) and
writes the tighter bounds in place. The arithmetic is the same, operation for operation
(``floor(lo - minact + 1e-6)`` for an upper bound, ``ceil(-(-hi - minact) - 1e-6)`` for a
lower one, sums of whole numbers below 2**53, so exact in any order), the relations of
each round the same, and a bound's source the last relation, in entry order, whose
candidate equals the new bound: the bounds, sources, moves and rounds are those of the
numpy code (``tests/test_audit.py`` compares the two on random systems and on a real
table).

numba is optional (``pip install geo4mi[fast]``): :func:`available` says whether it is
installed, and ``propagate`` uses this only above
:data:`geo4mi.indicators.audit.COMPILED_ABOVE` entries (below that, compiling takes longer
than propagating).
"""

from __future__ import annotations

import functools
import importlib.util
from typing import Any

import numpy as np


@functools.cache
def available() -> bool:
    """Whether numba is installed (optional: ``geo4mi[fast]``); :func:`rounds` is compiled
    on its first call, and numba imported only then.

    Examples
    --------
    >>> isinstance(available(), bool)
    True
    """
    return importlib.util.find_spec("numba") is not None


def _grow(a: np.ndarray, need: int) -> np.ndarray:
    """``a``, or a copy at least ``need`` long (doubled) with its values."""
    if need <= len(a):
        return a
    out = np.empty(max(need, 2 * len(a)), a.dtype)
    out[:len(a)] = a
    return out


def _rounds(starts: np.ndarray, cols: np.ndarray, vals: np.ndarray, fam_of: np.ndarray,
            lo: np.ndarray, hi: np.ndarray, new_lo: np.ndarray, new_hi: np.ndarray,
            src_lo: np.ndarray, src_hi: np.ndarray, active: np.ndarray, use_active: bool,
            by_ptr: np.ndarray, by_idx: np.ndarray, use_by_var: bool, max_rounds: int,
            want_moves: bool) -> tuple[Any, ...]:
    """The rounds of propagation (see :func:`rounds`); plain Python until compiled.

    A round works on its relations (``rels``, in order) and keeps the variables whose
    bounds it moved in a list (``moved``): checking, restoring the next round's arrays and
    finding the next round's relations cost what moved, not the whole system."""
    m = len(starts) - 1
    n = len(lo)
    minact = np.zeros(m)
    new_hi[:] = hi  # afterwards kept equal to hi, lo by restoring what moved
    new_lo[:] = lo
    is_moved = np.zeros(n, np.bool_)
    moved = np.empty(1024, np.int64)
    if use_active:
        rels = np.flatnonzero(active)
        active[:] = False  # afterwards only set while the next round's are found
    else:
        rels = np.arange(m)
    # the moves (variable, relation) of every round, upper bounds then lower ones per
    # round: a round's upper ones are written here, its lower ones first in dn_v, dn_r
    all_v = np.empty(1024, cols.dtype)
    all_r = np.empty(1024, starts.dtype)
    dn_v = np.empty(1024, cols.dtype)
    dn_r = np.empty(1024, starts.dtype)
    n_all = 0
    for round_ in range(1, max_rounds + 1):
        n_moved = 0
        for r in rels:
            s = 0.0
            for e in range(starts[r], starts[r + 1]):
                if vals[e] > 0:
                    s += lo[cols[e]]
                else:
                    s += -hi[cols[e]]
            minact[r] = s
            for e in range(starts[r], starts[r + 1]):
                c = cols[e]
                if vals[e] > 0:
                    t = np.floor((lo[c] - s) + 1e-6)
                    if t < new_hi[c]:
                        new_hi[c] = t
                    else:
                        continue
                else:
                    t = np.ceil(-((-hi[c]) - s) - 1e-6)
                    if t > new_lo[c]:
                        new_lo[c] = t
                    else:
                        continue
                if not is_moved[c]:
                    is_moved[c] = True
                    moved = _grow(moved, n_moved + 1)
                    moved[n_moved] = c
                    n_moved += 1
        if n_moved == 0:
            return lo, hi, round_, 0, -1, all_v[:n_all], all_r[:n_all]
        n_up = 0
        n_dn = 0
        for r in rels:
            s = minact[r]
            f = fam_of[r]
            for e in range(starts[r], starts[r + 1]):
                c = cols[e]
                if not is_moved[c]:
                    continue
                if vals[e] > 0:
                    if new_hi[c] < hi[c] and np.floor((lo[c] - s) + 1e-6) == new_hi[c]:
                        src_hi[c] = f
                        if want_moves:
                            all_v = _grow(all_v, n_all + n_up + 1)
                            all_r = _grow(all_r, n_all + n_up + 1)
                            all_v[n_all + n_up] = c
                            all_r[n_all + n_up] = r
                            n_up += 1
                elif (new_lo[c] > lo[c]
                      and np.ceil(-((-hi[c]) - s) - 1e-6) == new_lo[c]):
                    src_lo[c] = f
                    if want_moves:
                        dn_v = _grow(dn_v, n_dn + 1)
                        dn_r = _grow(dn_r, n_dn + 1)
                        dn_v[n_dn] = c
                        dn_r[n_dn] = r
                        n_dn += 1
        if want_moves:
            all_v = _grow(all_v, n_all + n_up + n_dn)
            all_r = _grow(all_r, n_all + n_up + n_dn)
            n_all += n_up
            all_v[n_all:n_all + n_dn] = dn_v[:n_dn]
            all_r[n_all:n_all + n_dn] = dn_r[:n_dn]
            n_all += n_dn
        lo, new_lo = new_lo, lo  # the last round's arrays take the next round's bounds
        hi, new_hi = new_hi, hi
        bad = n
        if round_ == 1:  # the starting bounds too (later, only moved ones can be new)
            for j in range(n):
                if lo[j] > hi[j] + 0.5:
                    bad = j
                    break
        else:
            for v in moved[:n_moved]:
                if lo[v] > hi[v] + 0.5 and v < bad:
                    bad = v
        if bad < n:
            return lo, hi, round_, 2, bad, all_v[:n_all], all_r[:n_all]
        for v in moved[:n_moved]:  # the next round starts from these bounds
            new_hi[v] = hi[v]
            new_lo[v] = lo[v]
        # the next round's relations: those of the variables that moved, in order
        n_rels = 0
        if use_by_var:
            for v in moved[:n_moved]:
                for i in range(by_ptr[v], by_ptr[v + 1]):
                    if not active[by_idx[i]]:
                        active[by_idx[i]] = True
                        n_rels += 1
        else:
            for q in range(m):
                active[q] = False
                for e in range(starts[q], starts[q + 1]):
                    if is_moved[cols[e]]:
                        active[q] = True
                        n_rels += 1
                        break
        rels = np.empty(n_rels, np.int64)
        k = 0
        for q in range(m):
            if active[q]:
                rels[k] = q
                k += 1
                active[q] = False
        is_moved[moved[:n_moved]] = False
    return lo, hi, max_rounds, 1, -1, all_v[:n_all], all_r[:n_all]


_compiled: Any = None


def rounds(starts: np.ndarray, cols: np.ndarray, vals: np.ndarray, fam_of: np.ndarray,
           lo: np.ndarray, hi: np.ndarray, src_lo: np.ndarray, src_hi: np.ndarray, *,
           active: np.ndarray | None, by_var: tuple[np.ndarray, np.ndarray] | None,
           max_rounds: int, want_moves: bool) -> tuple[Any, ...]:
    """Propagate ``lo, hi`` (float64, whole numbers; modified: working space) until nothing
    moves, as :func:`geo4mi.indicators.audit.propagate` does; ``src_lo, src_hi`` are
    updated in place.

    Returns ``lo, hi, rounds, status, variable, move_vars, move_relations``: ``status`` 0
    (settled), 1 (``max_rounds`` reached) or 2 (bounds contradict at ``variable``); the
    moves of every round, upper bounds then lower ones per round (as
    :func:`~geo4mi.indicators.audit.propagate` lists them).

    Examples
    --------
    x0 + x1 = t (two rows), with t = 10 and x0 = 7 published: x1 = 3.

    >>> starts, cols = np.array([0, 3, 6]), np.array([0, 1, 2, 0, 1, 2], np.int32)
    >>> vals = np.array([1., 1, -1, -1, -1, 1])
    >>> src = np.full(3, -1), np.full(3, -1)
    >>> lo, hi, n, status, *_ = rounds(starts, cols, vals, np.array([0, 0]),
    ...     np.array([7., 0, 10]), np.array([7., 1e9, 10]), *src, active=None,
    ...     by_var=None, max_rounds=100, want_moves=False)
    >>> lo.tolist(), hi.tolist(), status
    ([7.0, 3.0, 10.0], [7.0, 3.0, 10.0], 0)
    """
    global _compiled, _grow
    if _compiled is None:
        import numba  # optional: ImportError where it is not installed

        _grow = numba.njit(cache=True)(_grow)  # what _rounds calls, compiled first
        _compiled = numba.njit(cache=True, nogil=True)(_rounds)
    use_active = active is not None
    act = np.asarray(active, np.bool_).copy() if use_active else np.zeros(len(starts) - 1,
                                                                          np.bool_)
    empty = np.zeros(1, np.int64)
    by_ptr, by_idx = by_var if by_var is not None else (empty, empty)
    return tuple(_compiled(starts, cols, vals, fam_of, lo, hi, np.empty_like(lo),
                           np.empty_like(hi), src_lo, src_hi, act, use_active, by_ptr,
                           by_idx, by_var is not None, max_rounds, want_moves))


__all__ = ["available", "rounds"]
