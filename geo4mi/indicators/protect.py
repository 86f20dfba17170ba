"""Hide more cells until the built-in intruder (:mod:`geo4mi.indicators.audit`) finds nothing.

An audited iterative method, not an optimiser: each round runs the intruder on the table
as it stands and, for every figure it works out, hides one more published figure in a
relation that pinned it down, the one from the fewest respondents (a numerator before an
``n``; ties: table order). It repeats until the intruder finds nothing, so what it returns
has passed the same audit :func:`~geo4mi.indicators.audit.refuse_if_disclosive` applies.
It is greedy: it can hide more than an optimal choice would (the lost cells are listed).

Hiding a numerator also hides ``p`` and its interval; hiding an ``n`` hides the whole cell.

Examples
--------
The issue's example: with one more group hidden, the five cannot be told apart.

>>> from geo4mi.indicators.audit import example_table
>>> safe, lost = protect(example_table(), None, min_n=10)
>>> lost[["group_value", "what"]].values.tolist()
[['a', 'numerator']]
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from geo4mi.errors import DisclosureError
from geo4mi.indicators.audit import _mark, certify, classify, propagate, system

log = logging.getLogger(__name__)

_STATS = ("numerator", "p", "ci_low", "ci_high", "deff", "n_eff", "ci_method")


#: Cost multipliers: a city-wide figure, a whole-area figure (the ``"all"`` column) and the
#: city-wide total are hidden only when nothing cheaper protects.
CITY_COST, WHOLE_COST = 100.0, 100.0
#: Hiding an ``n`` hides the whole cell (and ``n`` are shared by many indicators): it costs
#: this many times hiding the cell's value.
N_COST = 4.0
#: A figure still found after this many rounds gets every published figure around it
#: hidden (the cheapest-first choice is not getting anywhere with it).
STUBBORN_ROUNDS = 1
#: Give up when every figure found has been found this many rounds in a row.
STUCK_ROUNDS = 60
#: Systems with more entries than this re-open, after each round's hiding, only the bounds
#: the hidden figures supported (:func:`_reopen`); smaller ones are propagated again from
#: the start. Both give the same bounds; the relation named as each bound's source (which
#: the cheapest-choice search reads) can differ, so small tables (the demo) keep the
#: choices they always had.
REOPEN_ABOVE = 5_000_000


def _costs(grid: Any) -> np.ndarray:
    """Cost of hiding each published variable (numerators, then ``n``): its ``n``, times
    :data:`CITY_COST` / :data:`WHOLE_COST` for city-wide and whole-area figures; a
    value before its ``n`` (:data:`N_COST`); an empty cell ("no data") last of all."""
    size = grid.exists.size
    I, R, C = grid.shape
    n_pub = grid.value[1]
    tier = np.ones((I, R, C))
    tier[:, 0, :] *= CITY_COST
    tier[:, :, 0] *= WHOLE_COST
    base = np.where(n_pub > 0, n_pub, 1e6) * tier
    base = np.where(np.isnan(n_pub), np.inf, base).ravel()
    return np.r_[base, N_COST * base + 0.5][: 2 * size]


def _useless(at: Any, targets: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Pairs (target, candidate) where hiding the candidate cannot move the target's pin:
    a "none" (0) is not blurred by hiding another 0, an "all" not by another "all"."""
    size = at.grid.exists.size
    num, n = at.grid.value[0].ravel(), at.grid.value[1].ravel()
    cell = cand % size
    at_zero = (targets < size) & (at.hi[targets] <= 0)
    at_all = (targets < size) & (at.lo[targets] >= at.hi[(targets % size) + size])
    return (at_zero & (num[cell] == 0)) | (at_all & (num[cell] == n[cell]))


def _matrices(at: Any) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The relations' incidence matrix (relation x variable) and its transpose, as CSR.

    Only the pattern is read: the values are booleans (one byte per entry; a product of
    two such matrices is their pattern's, with no value cast to float; the two share one
    array of them). The matrix is the system's own ``starts`` and column arrays (no copy;
    a relation's variables stay in the order written, which no reader of the pattern
    depends on)."""
    starts, cols = at.starts, at.cols
    shape = (len(starts) - 1, 2 * at.grid.exists.size)
    A = sp.csr_matrix((np.ones(len(cols), bool), cols, starts), shape=shape, copy=False)
    T = A.T.tocsr()
    # the transpose's values are all True too, as many: it reads A's (one byte per entry
    # less; nothing writes into either matrix's values)
    AT = sp.csr_matrix((A.data, T.indices, T.indptr), shape=T.shape, copy=False)
    return A, AT


def _take(M: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """The column indices of ``rows`` of ``M`` (concatenated, with repeats)."""
    start, stop = M.indptr[rows], M.indptr[rows + 1]
    length = stop - start
    if not length.sum():
        return np.zeros(0, dtype=M.indices.dtype)
    offset = np.repeat(start - np.r_[0, np.cumsum(length)[:-1]], length)
    return M.indices[np.arange(int(length.sum())) + offset]


def _choose(at: Any, found: np.ndarray,
            matrices: tuple[sp.csr_matrix, sp.csr_matrix] | None = None,
            stubborn: np.ndarray | None = None) -> set[int]:
    """One published variable to hide per variable in ``found``; for the ``stubborn`` ones
    (found round after round), every published variable in a relation with them."""
    size = at.grid.exists.size
    known = ~np.isnan(at.grid.value.ravel())
    cell = np.arange(2 * size) % size
    cost = _costs(at.grid)
    # a cell without respondents: its 0 ("no interviews") blurs no sum
    n_now = at.grid.value[1].ravel()[cell]
    usable = known & at.grid.exists.ravel()[cell] & ~(n_now == 0)
    fam_name = np.array([f.name for f in at.fams], dtype=object)
    A, AT = matrices or _matrices(at)
    plain = fam_name != "numerator <= n"
    # first, all at once: the cheapest published figure in a relation that pinned each one
    pick = _cheapest(at, found, A, AT, usable, cost,
                     lambda v, fam: plain[fam] & ((fam == at.src_lo[v]) | (fam == at.src_hi[v])))
    # then, as :func:`_nearest` would go on for the others: any relation but "numerator
    # <= n", then any relation (its first step, all at once)
    for keep in (lambda v, fam: plain[fam], None):
        rest = np.flatnonzero(pick < 0)
        if not rest.size:
            break
        pick[rest] = _cheapest(at, found[rest], A, AT, usable, cost, keep)
    chosen = set(pick[pick >= 0].tolist())
    if stubborn is not None and stubborn.size:
        chosen.update(_pinning(at, stubborn, A, AT, usable).tolist())
    # the rest: search outwards through hidden figures
    for v in found[pick < 0].tolist():
        pick_v = _nearest(v, at, A, AT, fam_name, usable, cost)
        if pick_v is None:  # nothing that blurs it now: widen the hidden set for later rounds
            pick_v = _nearest(v, at, A, AT, fam_name, usable, cost, useful=False)
        if pick_v is not None:
            chosen.add(pick_v)
    return chosen


def _cheapest(at: Any, targets: np.ndarray, A: sp.csr_matrix, AT: sp.csr_matrix,
              usable: np.ndarray, cost: np.ndarray, keep: Any) -> np.ndarray:
    """Per variable of ``targets``: the cheapest usable published variable (ties: the
    lowest number) in its relations whose family ``keep(target, family)`` accepts (all of
    them when ``keep`` is None) and whose hiding can move the target's pin (see
    :func:`_useless`); -1 where there is none. What :func:`_nearest`'s first step finds,
    for many variables at once."""
    sub = AT[targets].tocoo()
    ok_row = np.ones(sub.nnz, bool) if keep is None else keep(targets[sub.row],
                                                               at.fam_of[sub.col])
    S = sp.csr_matrix((np.ones(int(ok_row.sum()), bool), (sub.row[ok_row], sub.col[ok_row])),
                      shape=(len(targets), A.shape[0]))
    C = (S @ A).tocoo()
    ok = usable[C.col] & (C.col != targets[C.row])
    ok[ok] &= ~_useless(at, targets[C.row[ok]], C.col[ok])
    k, j = C.row[ok], C.col[ok]
    order = np.lexsort((j, cost[j], k))
    k, j = k[order], j[order]
    first = np.r_[True, k[1:] != k[:-1]][:len(k)]
    out = np.full(len(targets), -1, np.int64)
    out[k[first]] = j[first]
    return out


def _pinning(at: Any, targets: np.ndarray, A: sp.csr_matrix, AT: sp.csr_matrix,
             usable: np.ndarray, depth: int = 4) -> np.ndarray:
    """Every published variable in the relations that pin ``targets``, following hidden
    variables that are pinned themselves (what the intruder knows as if published)."""
    frontier, seen = np.unique(targets), set(targets.tolist())
    found: list[np.ndarray] = []
    for _ in range(depth):
        rows = _take(AT, frontier)
        owner = np.repeat(frontier, AT.indptr[frontier + 1] - AT.indptr[frontier])
        fam = at.fam_of[rows]
        rows = np.unique(rows[(fam == at.src_lo[owner]) | (fam == at.src_hi[owner])])
        members = np.unique(_take(A, rows))
        found.append(members[usable[members]])
        pinned = members[~usable[members] & (at.lo[members] == at.hi[members])]
        frontier = np.array(sorted(set(pinned.tolist()) - seen), dtype=np.int64)
        if not frontier.size:
            break
        seen.update(frontier.tolist())
    return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)


def _nearest(v: int, at: Any, A: sp.csr_matrix, AT: sp.csr_matrix, fam_name: np.ndarray,
             usable: np.ndarray, cost: np.ndarray, depth: int = 4, useful: bool = True
             ) -> int | None:
    """The cheapest published variable in a relation with ``v``, searching outwards
    through hidden ones (first the relations that pinned ``v``); None when there is none.

    With ``useful``, only a variable whose hiding can move ``v``'s pin (see
    :func:`_useless`)."""
    frontier, seen = np.array([v]), {v}
    for step in range(depth):
        rows = np.unique(_take(AT, frontier))
        fams = at.fam_of[rows]
        plain = fam_name[fams] != "numerator <= n"
        tries = [plain, np.ones(len(rows), bool)]
        if step == 0:
            tries.insert(0, plain & np.isin(fams, [at.src_lo[v], at.src_hi[v]]))
        for keep in tries:
            cand = np.unique(_take(A, rows[keep]))
            cand = cand[usable[cand] & (cand != v)]
            if useful:
                cand = cand[~_useless(at, np.full(cand.size, v), cand)]
            if cand.size:
                return int(cand[np.lexsort((cand, cost[cand]))[0]])
        nxt = np.setdiff1d(np.unique(_take(A, rows)), np.fromiter(seen, int))
        if not nxt.size:
            return None
        seen.update(nxt.tolist())
        frontier = nxt
    return None


def protect(estimates: pd.DataFrame, catalogue: Any, *, min_n: int,
            truth: pd.DataFrame | None = None, max_rounds: int = 200,
            truth_key: bytes | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Suppress further cells until :func:`~geo4mi.indicators.audit.audit` finds nothing.

    Parameters
    ----------
    estimates : DataFrame
        The estimates table as it would be published (hidden values NA).
    catalogue, min_n, truth
        As for :func:`~geo4mi.indicators.audit.audit`.
    max_rounds : int, default 200
        Give up (:class:`~geo4mi.errors.DisclosureError`) after this many rounds.
    truth_key : bytes, optional
        ``truth``'s :func:`~geo4mi.indicators.audit.table_digest` when the caller has it:
        the last check is remembered under it instead of hashing ``truth`` again.

    Returns
    -------
    (DataFrame, DataFrame)
        The protected table (a copy; ``status`` of newly hidden cells is ``suppressed``)
        and the cells lost: ``indicator, area_id, group_var, group_value, what, n, round``
        (``what``: ``"numerator"`` or ``"n"``; ``n`` as it was published).
    """
    table = estimates.copy(deep=False)  # copy-on-write: _hide replaces what it changes
    key = ["indicator", "area_id", "group_var", "group_value"]
    lost: list[dict[str, Any]] = []
    lost_cells: list[int] = []  # flat cell of each entry of ``lost``
    sys_ = system(table, catalogue, min_n=min_n, truth=truth)
    grid, size = sys_.grid, sys_.grid.exists.size
    known = grid.value.ravel().copy()
    n_rows = len(sys_.starts) - 1
    I, R, C = grid.shape
    matrices = _matrices(sys_)
    by_var = (matrices[1].indptr, matrices[1].indices)  # each variable's relations
    log.debug("protect: %d relations, %d entries over %d figures", n_rows, len(sys_.cols),
              2 * size)
    # ``fresh``: the bounds come from one propagation of the whole table as it stands;
    # after each round's hiding they come from re-opening what it supported (the same
    # bounds, see _reopen); an empty round is confirmed on a fresh propagation
    fresh, stale = False, True
    # rounds in a row each figure was found (at most max_rounds)
    seen_count = np.zeros(2 * size, np.int16 if max_rounds < 2**15 else np.int32)
    lo = hi = np.zeros(0)
    src_lo = src_hi = np.zeros(0, sys_.fam_of.dtype)
    support = _joined([])
    for round_ in range(1, max_rounds + 1):
        if stale:
            # what the last bounds rested on is not read again: freed before propagating
            lo = hi = np.zeros(0)
            src_lo = src_hi = np.zeros(0, sys_.fam_of.dtype)
            support = _joined([])
            moves: list[tuple[np.ndarray, np.ndarray]] = []
            lo, hi, src_lo, src_hi, _ = propagate(None, sys_.cols, sys_.vals, sys_.fam_of,
                                                  *sys_.start(known), moves=moves,
                                                  by_var=by_var, starts=sys_.starts,
                                                  overwrite=True)
            support = _joined(moves)
            del moves
            fresh, stale = True, False
        at = classify(sys_, known, lo, hi, src_lo, src_hi, min_n=min_n)
        found = np.r_[np.flatnonzero(at.what != ""), size + np.flatnonzero(at.n_found)]
        if not found.size:
            if fresh:
                log.info("protect: %d more figures hidden in %d rounds", len(lost),
                         round_ - 1)
                del matrices, at, support, by_var
                safe, lost_ = _hide(table, pd.DataFrame(lost, columns=[*key, "what", "round"]),
                                    _table_rows(grid, len(table), lost_cells))
                # this last check is the audit of ``safe``: kept for the build's final one
                certify(sys_, safe, catalogue, known, (lo, hi, src_lo, src_hi), min_n=min_n,
                        truth=truth if truth_key is None else truth_key)
                return safe, lost_
            stale = True  # confirm on a fresh propagation
            del at
            continue
        seen_count[found] += 1
        seen_count[np.setdiff1d(np.flatnonzero(seen_count), found)] = 0
        if seen_count[found].min() > STUCK_ROUNDS:  # hiding more around them does not help
            i, r, c = np.unravel_index(found[0] % size, (I, R, C))
            g, v = grid.columns[c]
            raise DisclosureError(
                f"disclosure control cannot protect {grid.indicators[i]}, area {grid.areas[r]}"
                + ("" if g == "all" else f", {g}={v}") + f" (and {found.size - 1} more): "
                "hiding more figures does not stop them being worked out; raise min_n or "
                "merge small groups (or place more respondents in areas)")
        stubborn = found[seen_count[found] > STUBBORN_ROUNDS]
        chosen = np.array(sorted(_choose(at, found, matrices, stubborn)), dtype=np.int64)
        del at
        log.debug("protect round %d: %d figures disclosed, %d more hidden", round_,
                  found.size, chosen.size)
        if not chosen.size:
            raise DisclosureError(f"protect: {found.size} figures stay disclosed and no "
                                  "published figure is left to hide in their relations")
        for v in chosen.tolist():
            i, r, c = np.unravel_index(v % size, (I, R, C))
            cell = (grid.indicators[i], grid.areas[r], *grid.columns[c])
            what = "numerator" if v < size else "n"
            known[v % size] = np.nan
            if what == "n":
                known[v] = np.nan
            lost.append(dict(zip(key, cell, strict=True), what=what, round=round_))
            lost_cells.append(v % size)
        if len(sys_.cols) <= REOPEN_ABOVE:  # small: propagate everything again
            fresh, stale = False, True
            continue
        # re-open only the bounds the newly hidden figures supported, and propagate again
        # from there (the same bounds as propagating everything again: see _reopen)
        reset = _reopen(np.unique(np.r_[chosen % size, chosen[chosen >= size]]),
                        matrices[1], support, n_rows)
        support = support[:, ~reset[support[0]]]
        # in place: nothing else reads the last bounds now (``at`` is gone)
        start_lo, start_hi = sys_.start(known)
        np.copyto(lo, start_lo, where=reset)
        np.copyto(hi, start_hi, where=reset)
        del start_lo, start_hi
        active = np.zeros(n_rows, bool)  # the relations of the re-opened figures
        _mark(active, *by_var, reset, len(sys_.cols))
        # the re-opened bounds' sources are those of this propagation (-1 where it moves
        # none), the others' as they were: updated in place by it
        src_lo[reset] = -1
        src_hi[reset] = -1
        moves = []
        lo, hi, src_lo, src_hi, _ = propagate(None, sys_.cols, sys_.vals, sys_.fam_of, lo,
                                              hi, active=active, moves=moves,
                                              by_var=by_var, starts=sys_.starts,
                                              overwrite=True, sources=(src_lo, src_hi))
        del active
        support = np.concatenate([support, _joined(moves)], axis=1)
        del moves
        log.debug("protect round %d: %d bounds re-opened", round_, int(reset.sum()))
        fresh = False
    raise DisclosureError(f"protect: still disclosive after {max_rounds} rounds; raise "
                          "min_n or merge small groups")


def _joined(moves: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The ``moves`` :func:`~geo4mi.indicators.audit.propagate` listed, as one ``(2, k)``
    array: variable, relation (of the system's index type: int32 when it fits)."""
    if not moves:
        return np.zeros((2, 0), np.int32)
    return np.stack([np.concatenate([m[0] for m in moves]),
                     np.concatenate([m[1] for m in moves])])


def _reopen(hidden: np.ndarray, AT: sp.csr_matrix, support: np.ndarray, n_rows: int
            ) -> np.ndarray:
    """Per variable: its bounds must start again from what is published once ``hidden``
    (variables) are hidden: the hidden ones, and every variable a relation with a
    re-opened variable ever moved (``support``: variable, relation of each move since the
    bounds were last propagated from the start), until no more are added.

    Every other variable was only ever moved by relations of variables whose bounds stay
    as they were; by induction over the moves, its bounds still follow from what is
    published. Propagating from these bounds, starting with the relations of the
    re-opened variables (the others are at a fixed point), ends at the bounds a
    propagation of the whole system from the start reaches (both are the largest fixed
    point below the starting bounds): hiding an ``n`` re-opens the figures it
    supported, not the whole connected system.

    Examples
    --------
    x0 moved x1 (relation 0); x1 moved x2 (relation 1); x3 moved by relation 2 only:

    >>> AT = sp.csr_matrix(np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1]]))
    >>> support = np.array([[1, 2, 3], [0, 1, 2]])
    >>> _reopen(np.array([0]), AT, support, 3).tolist()
    [True, True, True, False]
    """
    reset = np.zeros(AT.shape[0], bool)
    front = np.unique(hidden)
    reset[front] = True
    var, row = support
    while front.size:
        hit = np.zeros(n_rows, bool)
        hit[_take(AT, front)] = True
        new = var[hit[row]]
        front = np.unique(new[~reset[new]])
        reset[front] = True
    return reset


def _table_rows(grid: Any, n_rows: int, cells: list[int]) -> np.ndarray:
    """The rows of the table ``grid`` was made from (``n_rows`` long) at flat ``cells``."""
    row_of = np.full(grid.exists.size, -1, np.int64)
    row_of[grid.cell] = np.arange(n_rows)
    return row_of[np.asarray(cells, dtype=np.int64)]


def _hide(table: pd.DataFrame, lost: pd.DataFrame, row: np.ndarray
          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the hiding listed in ``lost`` (at the table's rows ``row``) to ``table`` (in
    place); ``lost`` gains ``n`` (as it was published) and keeps the table's row order per
    round."""
    key = ["indicator", "area_id", "group_var", "group_value"]
    lost.insert(len(key) + 1, "n", table["n"].to_numpy()[row] if len(lost) else [])
    whole = np.zeros(len(table), bool)
    value = np.zeros(len(table), bool)
    whole[row[(lost["what"] == "n").to_numpy()]] = True
    value[row] = True
    for col in (*_STATS, "n"):
        if col in table:
            table[col] = table[col].mask(pd.Series(whole if col == "n" else value,
                                                   index=table.index))
    if "status" in table:
        table.loc[value, "status"] = "suppressed"
    if "suppression" in table:  # only the rows hidden here change their reason
        at = np.flatnonzero(value)
        col = table["suppression"]
        reason = col.iloc[at].astype(str).to_numpy(dtype=object)
        mine = whole[at]
        reason[reason == ""] = "complementary_value"
        reason[mine] = np.select([np.isin(reason[mine], ("small_n", "linked")),
                                  reason[mine] == "linked_value"],
                                 [reason[mine], "linked"], "complementary")
        if col.dtype == pd.api.types.pandas_dtype("str"):
            col = col.copy()
            col.iloc[at] = reason
        else:
            every = col.astype(str).to_numpy(dtype=object)
            every[at] = reason
            col = pd.Series(pd.array(every, dtype=col.dtype), index=table.index)
        table["suppression"] = col
    return table, lost


def components(sys_: Any, *, numerators_only: bool = False) -> np.ndarray:
    """Connected component of each variable: variables that share no chain of relations
    cannot bound each other. With ``numerators_only``, chains through an ``n`` are cut
    (each ``n`` is its own component).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> s = SimpleNamespace(rows=np.array([0, 0, 1, 1]), cols=np.array([0, 1, 3, 4]),
    ...                     grid=SimpleNamespace(value=np.zeros(6), exists=np.zeros(3)))
    >>> components(s).tolist()
    [0, 0, 1, 2, 2, 3]
    >>> components(s, numerators_only=True).tolist()
    [0, 0, 1, 2, 3, 4]
    """
    nv = sys_.grid.value.size
    keep = sys_.cols < sys_.grid.exists.size if numerators_only else np.ones(len(sys_.cols),
                                                                            bool)
    rows, cols = sys_.rows[keep], sys_.cols[keep]
    first = np.full(int(sys_.rows.max(initial=-1)) + 1, -1)
    first[rows[::-1]] = cols[::-1]
    edges = sp.coo_matrix((np.ones(len(rows)), (first[rows], cols)), shape=(nv, nv))
    return connected_components(edges, directed=False)[1]


__all__ = ["components", "protect"]
