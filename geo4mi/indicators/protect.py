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

>>> import pandas as pd
>>> pub = pd.DataFrame({
...     "indicator": "mental_symptoms", "area_id": "09007",
...     "group_var": ["all", "region", "region", "region", "region", "region"],
...     "group_value": ["all", "a", "b", "c", "caribbean", "other"],
...     "numerator": pd.array([44, 12, 13, 14, None, None], dtype="Int64"),
...     "n": pd.array([57, 15, 20, 17, 4, 1], dtype="Int64"),
...     "status": ["ok", "ok", "ok", "ok", "suppressed", "suppressed"]})
>>> safe, lost = protect(pub, None, min_n=10)
>>> lost[["group_value", "what"]].values.tolist()
[['a', 'numerator']]
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo4mi.errors import DisclosureError
from geo4mi.indicators.audit import attack

log = logging.getLogger(__name__)

_STATS = ("numerator", "p", "ci_low", "ci_high", "deff", "n_eff", "ci_method")


def _choose(at: Any, found: np.ndarray) -> set[int]:
    """One published variable to hide per variable in ``found``."""
    size = at.grid.exists.size
    known = ~np.isnan(at.grid.value.ravel())
    n_pub = np.where(np.isnan(at.grid.value[1].ravel()), np.inf, at.grid.value[1].ravel())
    cell = np.arange(2 * size) % size
    # a numerator before an n; an empty cell ("no data") last of all
    cost = (np.where(n_pub[cell] > 0, n_pub[cell], 1e6)
            + np.where(np.arange(2 * size) < size, 0.0, 0.5))
    usable = known & at.grid.exists.ravel()[cell]
    fam_name = np.array([f.name for f in at.fams], dtype=object)
    A = sp.csr_matrix((np.ones(len(at.rows)), (at.rows, at.cols)),
                      shape=(int(at.rows.max(initial=-1)) + 1, 2 * size))
    AT = A.T.tocsr()
    # first, all at once: the cheapest published figure in a relation that pinned each one
    sub = AT[found].tocoo()
    v_of = found[sub.row]
    fam = at.fam_of[sub.col]
    keep = (fam_name[fam] != "numerator <= n") & ((fam == at.src_lo[v_of])
                                                  | (fam == at.src_hi[v_of]))
    S = sp.csr_matrix((np.ones(int(keep.sum())), (sub.row[keep], sub.col[keep])),
                      shape=(len(found), A.shape[0]))
    C = (S @ A).tocoo()
    ok = usable[C.col] & (C.col != found[C.row])
    k, j = C.row[ok], C.col[ok]
    order = np.lexsort((j, cost[j], k))
    k, j = k[order], j[order]
    first = np.r_[True, k[1:] != k[:-1]][:len(k)]
    chosen = set(j[first].tolist())
    # the rest: search outwards through hidden figures
    for v in np.delete(found, k[first]).tolist():
        pick = _nearest(v, at, A, AT, fam_name, usable, cost)
        if pick is not None:
            chosen.add(pick)
    return chosen


def _nearest(v: int, at: Any, A: sp.csr_matrix, AT: sp.csr_matrix, fam_name: np.ndarray,
             usable: np.ndarray, cost: np.ndarray, depth: int = 4) -> int | None:
    """The cheapest published variable in a relation with ``v``, searching outwards
    through hidden ones (first the relations that pinned ``v``); None when there is none."""
    frontier, seen = np.array([v]), {v}
    for step in range(depth):
        rows = np.unique(np.concatenate([AT.indices[AT.indptr[u]:AT.indptr[u + 1]]
                                         for u in frontier.tolist()]))
        fams = at.fam_of[rows]
        plain = fam_name[fams] != "numerator <= n"
        tries = [plain, np.ones(len(rows), bool)]
        if step == 0:
            tries.insert(0, plain & np.isin(fams, [at.src_lo[v], at.src_hi[v]]))
        for keep in tries:
            cand = np.unique(A[rows[keep]].indices)
            cand = cand[usable[cand] & (cand != v)]
            if cand.size:
                return int(cand[np.lexsort((cand, cost[cand]))[0]])
        nxt = np.setdiff1d(np.unique(A[rows].indices), np.fromiter(seen, int))
        if not nxt.size:
            return None
        seen.update(nxt.tolist())
        frontier = nxt
    return None


def protect(estimates: pd.DataFrame, catalogue: Any, *, min_n: int,
            truth: pd.DataFrame | None = None, max_rounds: int = 100
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Suppress further cells until :func:`~geo4mi.indicators.audit.audit` finds nothing.

    Parameters
    ----------
    estimates : DataFrame
        The estimates table as it would be published (hidden values NA).
    catalogue, min_n, truth
        As for :func:`~geo4mi.indicators.audit.audit`.
    max_rounds : int, default 100
        Give up (:class:`~geo4mi.errors.DisclosureError`) after this many rounds.

    Returns
    -------
    (DataFrame, DataFrame)
        The protected table (a copy; ``status`` of newly hidden cells is ``suppressed``)
        and the cells lost: ``indicator, area_id, group_var, group_value, what, n, round``
        (``what``: ``"numerator"`` or ``"n"``; ``n`` as it was published).
    """
    table = estimates.copy()
    key = ["indicator", "area_id", "group_var", "group_value"]
    lost: list[dict[str, Any]] = []
    for round_ in range(1, max_rounds + 1):
        at = attack(table, catalogue, min_n=min_n, truth=truth)
        size = at.grid.exists.size
        found = np.r_[np.flatnonzero(at.what != ""), size + np.flatnonzero(at.n_found)]
        if not found.size:
            log.info("protect: %d more figures hidden in %d rounds", len(lost), round_ - 1)
            return table, pd.DataFrame(lost, columns=[*key, "what", "n", "round"])
        chosen = _choose(at, found)
        log.debug("protect round %d: %d figures disclosed, %d more hidden", round_,
                  found.size, len(chosen))
        if not chosen:
            raise DisclosureError(f"protect: {found.size} figures stay disclosed and no "
                                  "published figure is left to hide in their relations")
        I, R, C = at.grid.shape
        index = pd.MultiIndex.from_frame(table[key].astype(str))
        for v in sorted(chosen):
            i, r, c = np.unravel_index(v % size, (I, R, C))
            cell = (at.grid.indicators[i], at.grid.areas[r], *at.grid.columns[c])
            row = index.get_loc(cell)
            what = "numerator" if v < size else "n"
            cols = [c for c in (*_STATS, *(["n"] if what == "n" else [])) if c in table]
            lost.append(dict(zip(key, cell), what=what, n=table["n"].iloc[row],
                             round=round_))
            for col in cols:
                table.iloc[row, table.columns.get_loc(col)] = pd.NA
            if "status" in table:
                table.iloc[row, table.columns.get_loc("status")] = "suppressed"
    raise DisclosureError(f"protect: still disclosive after {max_rounds} rounds; raise "
                          "min_n or merge small groups")


__all__ = ["protect"]
