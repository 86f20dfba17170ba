"""An intruder built in: attack the estimates about to be published, report what they give away.

The intruder holds the published estimates table (every value that is not NA, and each
row's ``status``) and the catalogue, which says how the indicators relate. From these it
writes linear relations between the published and the hidden counts (each relation is true
of the data, see :func:`relations`):

* ``0 <= numerator <= n`` and integrality, in every cell;
* *areas -> city*: the areas' numerators (and ``n``) sum to at most the city-wide figure
  (respondents placed in no area count city-wide only);
* *groups -> all*: the values of one grouping variable sum to at most the ``"all"`` figure
  (respondents with no value count in ``"all"`` only);
* *follow-up*: an indicator whose universe is ``q == 'x'`` (or ``selected(q, 'x')``) has
  ``n`` at most the numerator of the indicator "q in ('x',)" among all respondents (at most
  its ``n`` minus its numerator when that indicator counts another single choice);
* *same denominator*: indicators over one question, universe and exclusions share ``n``;
* *choices*: indicators over different choices of one select_one question (same
  denominator) have numerators that sum to at most ``n``.

With the true (unsuppressed) counts at hand, :func:`audit` keeps only the relations they
satisfy and uses the sums as equalities wherever they hold exactly (the intruder is
assumed to know which totals are exact; the cautious reading). Without them, the sums are
taken as equalities, as an intruder would.

The attack is interval propagation (iterated bound tightening, rounded to whole numbers)
over all relations at once: every bound it derives is implied by the relations, so every
exact value it claims is right. It can be weaker than a full integer program; tests
compare it with :func:`scipy.optimize.linprog` on small tables (``method="lp"`` refines).

A *finding* is a cell whose hidden numerator the intruder pins to one value, a cell of
fewer than ``min_n`` respondents whose numerator is forced to 0 or ``n`` ("none" / "all" of
a small group) or a hidden ``n`` below ``min_n`` recovered exactly.

Examples
--------
The Iztapalapa example of issue 11: 44 of 57 with symptoms; three groups published (12,
13, 14); Caribbean (n = 4) and other (n = 1) hidden. 44 - 39 = 5 = 4 + 1: all five did.

>>> pub = example_table()
>>> found = audit(pub, None, min_n=10)
>>> found[["group_value", "what", "low", "high"]]  # doctest: +NORMALIZE_WHITESPACE
  group_value what  low  high
0   caribbean  all    4     4
1       other  all    1     1
>>> print(format_finding(found.iloc[0]))  # doctest: +NORMALIZE_WHITESPACE
mental_symptoms, area 09007, region=caribbean: numerator = 4 of n = 4 (all) via values of
region sum to 'all'; numerator <= n
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from geo4mi.errors import DisclosureError
from geo4mi.indicators import audit_compiled

log = logging.getLogger(__name__)

CITY = "_city"
FINDING_COLUMNS = ("indicator", "area_id", "group_var", "group_value", "what", "low", "high",
                   "n_low", "n_high", "relation")
BIG = 1.0e9  # "no bound" for counts; sums of thousands stay exact in float64
_NUM, _N = 0, 1


@dataclass
class Grid:
    """The published table as arrays ``[indicator, row, column]`` (row 0 = city-wide)."""

    indicators: list[str]
    areas: list[str]  # CITY first
    columns: list[tuple[str, str]]  # ("all", "all") first
    value: np.ndarray  # (2, I, R, C) float; NaN where hidden
    exists: np.ndarray  # (I, R, C) bool: the row is in the table
    #: per row of the table it was made from, its cell (flat index of ``exists``); lets
    #: other columns of that table be laid on the grid without matching labels again
    cell: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.exists.shape

    def var(self, kind: int, i: Any, r: Any, c: Any) -> Any:
        I, R, C = self.shape
        return ((kind * I + np.asarray(i)) * R + np.asarray(r)) * C + np.asarray(c)

    def blocks(self) -> list[tuple[str, list[int]]]:
        out: dict[str, list[int]] = {}
        for j, (g, _) in enumerate(self.columns):
            if g != "all":
                out.setdefault(g, []).append(j)
        return list(out.items())


def to_grid(table: pd.DataFrame) -> Grid:
    """Arrange an estimates table as a :class:`Grid` (only its non-NA values are read)."""
    indicator = table["indicator"].astype(str).to_numpy(dtype=object)
    area = table["area_id"].astype(str).to_numpy(dtype=object)
    pairs = pd.MultiIndex.from_arrays([table["group_var"].astype(str).to_numpy(dtype=object),
                                       table["group_value"].astype(str).to_numpy(dtype=object)])
    ind = list(pd.unique(indicator))
    areas = [CITY, *sorted(set(pd.unique(area)) - {CITY})]
    cols = [("all", "all")] + [p for p in pairs.unique() if p[0] != "all"]
    i = pd.Index(ind).get_indexer(indicator)
    r = pd.Index(areas).get_indexer(area)
    c = pd.MultiIndex.from_tuples(cols).get_indexer(pairs)
    shape = (len(ind), len(areas), len(cols))
    exists = np.zeros(shape, bool)
    exists[i, r, c] = True
    cell = np.ravel_multi_index((i, r, c), shape)
    return Grid(ind, areas, cols, _grid_values(table, cell, shape), exists, cell)


def _grid_values(table: pd.DataFrame, cell: np.ndarray, shape: tuple[int, int, int]
                 ) -> np.ndarray:
    """``table``'s numerators and ``n`` as ``(2, *shape)`` floats (NaN where hidden or
    absent), row ``k`` of the table at flat cell ``cell[k]``."""
    value = np.full((2, *shape), np.nan)
    flat = value.reshape(2, -1)
    for kind, column in ((_NUM, "numerator"), (_N, "n")):
        if column in table.columns:
            flat[kind, cell] = pd.to_numeric(table[column]).to_numpy("float64", na_value=np.nan)
    if "status" in table.columns:  # a no-data row says n = 0, numerator = 0
        empty = (table["status"].astype(str) == "no_data").to_numpy()
        flat[:, cell[empty]] = 0.0
    return value


# -- relations ----------------------------------------------------------------------------

@dataclass
class Family:
    """Relations of one kind: each line is ``sum(coef * x[vars]) <= 0`` (or ``== 0``)."""

    name: str
    lines: np.ndarray  # (L, k) variable indices
    coef: np.ndarray  # (k,) of +1 / -1
    equal: bool  # nominally an equality (a sum whose slack is unassigned/missing people)
    checked: bool = False  # true of some tables only: used only with the true counts
    #: per line, a group: with the true counts, a line is an equality only when every line
    #: of its group is (what holds for a whole question, not for one cell because it is
    #: empty); None: each line on its own
    equal_within: np.ndarray | None = None
    #: per line, other lines of the family (``(L, k)`` indices): with the true counts, a
    #: line is an equality only when one of them is too (see :func:`_parents`); None: no
    #: such condition
    equal_if: np.ndarray | None = None


def _selector(ind: Any) -> tuple[str, str] | None:
    """``(question, choice)`` when a universe is exactly ``q == 'x'`` or ``selected(q, 'x')``."""
    if ind.universe is None:
        return None
    from geo4mi.indicators import expressions as ex
    tree = ind.universe.tree
    if isinstance(tree, ex.Compare) and tree.op == "==":
        for a, b in ((tree.left, tree.right), (tree.right, tree.left)):
            if isinstance(a, ex.Name) and isinstance(b, ex.Literal) and isinstance(b.value, str):
                return a.name, b.value
    if isinstance(tree, ex.Call) and tree.func == "selected":
        name, choice = tree.args
        return name.name, str(choice.value)  # type: ignore[union-attr]
    return None


def definitional(grid: Grid, catalogue: Any) -> tuple[np.ndarray, np.ndarray]:
    """Cells whose numerator the definitions give away, and whether it is ``n`` (else 0).

    An indicator over question ``q`` broken down by the grouping variable ``q`` itself
    counts everyone (value in its choices) or no one: nothing is hidden there.
    """
    I, R, C = grid.shape
    fixed, whole = np.zeros((I, 1, C), bool), np.zeros((I, 1, C), bool)
    if catalogue is not None:
        pos = {x: k for k, x in enumerate(grid.indicators)}
        for x in catalogue:
            if x.id in pos and x.numerator is None and x.kind in ("select_one", "derived"):
                for c, (g, v) in enumerate(grid.columns):
                    if g == x.question:
                        fixed[pos[x.id], 0, c] = True
                        whole[pos[x.id], 0, c] = v in x.choices
    return np.broadcast_to(fixed, (I, R, C)), np.broadcast_to(whole, (I, R, C))


def _reference(value: np.ndarray) -> int:
    """The indicator whose published city-wide ``n`` is largest (a question everyone
    answers): its ``n`` bounds every other ``n`` of the cell."""
    return int(np.nanargmax(np.nan_to_num(value[_N, :, 0, 0], nan=-1.0)))


def relations(grid: Grid, catalogue: Any) -> list[Family]:
    """Every linear relation between the cells of ``grid`` the intruder can write down."""
    I, R, C = grid.shape
    ii, rr, cc = np.meshgrid(np.arange(I), np.arange(R), np.arange(C), indexing="ij")
    fams = [Family("numerator <= n", np.stack([grid.var(_NUM, ii, rr, cc).ravel(),
                                               grid.var(_N, ii, rr, cc).ravel()], axis=1),
                   np.array([1, -1]), False)]
    for kind in (_NUM, _N):
        cell = grid.var(kind, ii, rr, cc)
        lines = cell.transpose(0, 2, 1).reshape(-1, R)  # city first
        fams.append(Family("areas sum to the city-wide figure", lines,
                           np.r_[-1, np.ones(R - 1, int)], True))
        for g, cols in grid.blocks():
            lines = cell[:, :, [0, *cols]].reshape(-1, 1 + len(cols))
            fams.append(Family(f"values of {g} sum to 'all'", lines,
                               np.r_[-1, np.ones(len(cols), int)], True))
    ref = _reference(grid.value)
    others = np.delete(np.arange(I), ref)
    if others.size:  # a question everyone answers counts every respondent of the cell
        mine = grid.var(_N, ii[others], rr[others], cc[others]).ravel()
        theirs = grid.var(_N, np.full_like(ii[others], ref), rr[others], cc[others]).ravel()
        fams.append(Family(f"n at most the respondents (n of {grid.indicators[ref]})",
                           np.stack([mine, theirs], 1), np.array([1, -1]), False, True,
                           equal_within=ii[others].ravel()))
    fixed, whole = definitional(grid, catalogue)
    for sel, coef, name in ((fixed & whole, [1, -1], "numerator = n"),
                            (fixed & ~whole, [1, 0], "numerator = 0")):
        i, r, c = np.nonzero(sel)
        fams.append(Family(f"by definition {name}", np.stack(
            [grid.var(_NUM, i, r, c), grid.var(_N, i, r, c)], 1), np.array(coef), True))
    if catalogue is None:
        return fams
    pos = {x: k for k, x in enumerate(grid.indicators)}
    inds = [x for x in catalogue if x.id in pos]
    same: dict[tuple[Any, ...], list[Any]] = {}
    for x in inds:
        if x.question is not None and x.numerator is None:
            key = (x.question, x.kind, str(x.universe), x.exclude, x.not_asked)
            same.setdefault(key, []).append(x)
    rc = (rr[0].ravel(), cc[0].ravel())
    parents = _parents(R, C)

    def cells(kind: int, x: Any) -> np.ndarray:
        return grid.var(kind, pos[x.id], *rc)

    for key, group in same.items():
        for other in group[1:]:
            fams.append(Family(f"same denominator as {group[0].id}",
                               np.stack([cells(_N, other), cells(_N, group[0])], 1),
                               np.array([1, -1]), True))
        single = [x for x in group if len(x.choices) == 1]
        if key[1] in ("select_one", "derived") and len({x.choices for x in single}) > 1:
            parts = [cells(_NUM, x) for x in single] + [cells(_N, single[0])]
            fams.append(Family(f"choices of {key[0]} ({', '.join(x.id for x in single)}) "
                               "sum to at most n", np.stack(parts, 1),
                               np.r_[np.ones(len(single), int), -1], False,
                               equal_if=parents))
    for x in inds:
        sel = _selector(x)
        if sel is None:
            continue
        q, choice = sel
        for parent in inds:
            if (parent.question != q or parent.universe is not None or parent.numerator
                    is not None or len(parent.choices) != 1 or choice in parent.exclude):
                continue
            if parent.choices == (choice,):
                fams.append(Family(f"n of {x.id} = numerator of {parent.id} (follow-up)",
                                   np.stack([cells(_N, x), cells(_NUM, parent)], 1),
                                   np.array([1, -1]), True))
            elif parent.kind in ("select_one", "derived"):
                fams.append(Family(f"n of {x.id} <= n - numerator of {parent.id} (follow-up)",
                                   np.stack([cells(_N, x), cells(_NUM, parent),
                                             cells(_N, parent)], 1),
                                   np.array([1, 1, -1]), False, equal_if=parents))
    return fams


def _parents(R: int, C: int) -> np.ndarray:
    """Per cell ``(area, column)`` of an ``R`` × ``C`` grid (flat, row 0 city-wide, column
    0 everyone): the city-wide cell of its column and its area's cell of everyone.

    An inequality between a cell's figures, ``sum <= n``, leaves out people the table does
    not count (who gave a choice without an indicator, a follow-up's other answers). Its
    slack (those people) is part of the same inequality's slack in the city-wide cell of
    the column and in the area's cell of everyone, and no slack is negative: the intruder
    can tell a cell's slack is 0 where one of those is 0, not from the cell's own figures
    when they are hidden. That a cell's true counts happen to meet the inequality exactly
    (its few people all gave a listed choice) is not something the published tables say.

    Examples
    --------
    >>> _parents(2, 3).tolist()
    [[0, 0], [1, 0], [2, 0], [0, 3], [1, 3], [2, 3]]
    """
    r, c = np.divmod(np.arange(R * C), C)
    return np.stack([c, r * C], axis=1)


def _rows(fams: list[Family], truth: np.ndarray | None,
          fixed: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """All relations as one sparse system ``A x <= 0`` in compressed rows: each relation's
    first entry (and the end of the last), the entries' variables and values (+1 / -1, as
    int8), each relation's family. (No relation per entry: at thousands of areas that
    array alone was 233 MiB, and ``starts`` tells the same.)

    ``fixed`` (per variable) marks figures published as 0 that stay published: their
    terms are 0 in every relation and are left out (a relation left without terms is left
    out too). Propagation gives every other variable the same bounds, from the same
    relations, as with them: a term fixed at 0 adds 0 to every row's least activity. The
    cells of an area nobody was interviewed in (``no_data``) are most of a table at
    thousands of areas.

    Examples
    --------
    ``x0 + x1 - x2 <= 0`` and its reverse, with ``x1`` fixed at 0:

    >>> fam = Family("sum", np.array([[0, 1, 2]]), np.array([1, 1, -1]), True)
    >>> s, c, v, f = _rows([fam], None, fixed=np.array([False, True, False]))
    >>> s.tolist(), c.tolist(), v.tolist(), f.tolist()
    ([0, 2, 4], [0, 2, 0, 2], [1, -1, -1, 1], [0, 0])
    """
    # first which lines (and terms) are used; then every entry is written straight into
    # arrays of the final size (no copies of the families' lines, no pieces to join)
    blocks: list[tuple[int, int, np.ndarray, np.ndarray]] = []  # family, sign, lines, terms
    for f, fam in enumerate(fams):
        if fam.checked and truth is None:
            continue
        lines, coef = fam.lines, np.broadcast_to(fam.coef, fam.lines.shape)
        equal = np.full(len(lines), fam.equal)
        ok = np.ones(len(lines), bool)
        if truth is not None:  # keep what the data satisfy; exact sums become equalities
            act = (truth[lines] * coef).sum(axis=1)
            ok = ~np.isnan(act) & (act <= 0.5)
            if (~ok).any():
                log.debug("%s: %d of %d lines not true of the data, not used", fam.name,
                          int((~ok).sum()), len(lines))
            equal = ok & (np.abs(act) < 0.5) & (fam.name != "numerator <= n")
            del act
            if fam.equal_within is not None:
                group = fam.equal_within
                unequal = np.zeros(int(group.max(initial=-1)) + 1, bool)
                unequal[group[ok & ~equal]] = True
                equal &= ~unequal[group]
            if fam.equal_if is not None:
                equal &= equal[fam.equal_if].any(axis=1)
        term = np.broadcast_to(fam.coef != 0, lines.shape)
        if fixed is not None:
            term = term & ~fixed[lines]
        used = ok & term.any(axis=1)  # a relation with a term left
        for sign, keep in ((1, used), (-1, equal & used)):
            blocks.append((f, sign, np.flatnonzero(keep), term))
    sizes = [len(keep) for _, _, keep, _ in blocks]
    n_rows = int(np.sum(sizes))
    n_vars = max((int(fams[f].lines[keep].max(initial=-1)) for f, _, keep, _ in blocks),
                 default=-1) + 1
    # indices as int32 when they fit: the system has tens of millions of entries at
    # thousands of areas, and every propagation round gathers through them
    index = np.int32 if max(n_rows, n_vars) < 2**31 - 1 else np.int64
    nnz = int(sum(int(term[keep].sum()) for _, _, keep, term in blocks))
    starts = np.zeros(n_rows + 1, np.int32 if nnz < 2**31 - 1 else np.int64)
    cols = np.empty(nnz, index)
    vals = np.empty(nnz, np.int8)  # +1 / -1
    # family numbers (a hundred or so): int16, and so are the bounds' sources
    fam_of = np.empty(n_rows, np.int16 if len(fams) < 2**15 else np.int32)
    row = at = 0
    for (f, sign, keep, term), k in zip(blocks, sizes, strict=True):
        lines, t = fams[f].lines[keep], term[keep]
        counts = t.sum(axis=1)
        end = at + int(counts.sum())
        starts[row + 1:row + k + 1] = at + np.cumsum(counts)
        cols[at:end] = lines[t]
        vals[at:end] = (sign * np.broadcast_to(fams[f].coef, t.shape))[t]
        fam_of[row:row + k] = f
        row, at = row + k, end
    return starts, cols, vals, fam_of


def entry_rows(starts: np.ndarray) -> np.ndarray:
    """The relation of each entry of a system in compressed rows (``starts``: each
    relation's first entry, and the end).

    Examples
    --------
    >>> entry_rows(np.array([0, 2, 2, 5])).tolist()
    [0, 0, 2, 2, 2]
    """
    return np.repeat(np.arange(len(starts) - 1, dtype=starts.dtype), np.diff(starts))


def _fixed_zeros(value: np.ndarray) -> np.ndarray:
    """Per variable (flat): a figure of a cell that publishes ``n = 0`` (no respondents),
    which is 0 and stays published (disclosure control hides only cells with respondents).

    Examples
    --------
    >>> value = np.array([[[[0.0, np.nan, 3.0]]], [[[0.0, 0.0, 5.0]]]])  # numerators, n
    >>> _fixed_zeros(value).tolist()
    [True, False, False, True, True, False]
    """
    empty = value[_N] == 0
    return np.concatenate([(empty & (value[_NUM] == 0)).ravel(), empty.ravel()])


# -- the attack ---------------------------------------------------------------------------

#: Entries of the system :func:`propagate` works on at a time (each slice ends with a
#: relation's last entry): its temporaries are a few arrays of this length, not of the
#: whole system (tens of millions of entries at thousands of areas).
SLICE = 1 << 21

#: Above this many entries :func:`propagate` runs its rounds compiled
#: (:mod:`geo4mi.indicators.audit_compiled`) when numba is installed: the same bounds,
#: sources and moves, several times faster; below it, compiling would take longer.
COMPILED_ABOVE = 2_000_000


def _slices(starts: np.ndarray, size: int | None = None) -> list[tuple[int, int]]:
    """Ranges of relations of about ``size`` entries (default :data:`SLICE`) in all
    (``starts``: each relation's first entry, and the end); a slice starts with the
    relation that holds entry ``size``, ``2 * size``, ...

    Examples
    --------
    Relations of 2, 3, 1 and 2 entries:

    >>> _slices(np.array([0, 2, 5, 6, 8]), size=3)
    [(0, 1), (1, 3), (3, 4)]
    """
    m, size = len(starts) - 1, SLICE if size is None else size
    n = int(starts[-1])
    if n <= size:
        return [(0, m)]
    cuts = np.searchsorted(starts, np.arange(size, n, size), side="right") - 1
    return list(itertools.pairwise(np.unique(np.r_[0, cuts, m]).tolist()))


def _spans(first: np.ndarray, count: np.ndarray) -> np.ndarray:
    """The positions ``first[k], ..., first[k] + count[k] - 1`` of every ``k``, concatenated.

    Examples
    --------
    >>> _spans(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    return np.repeat(first - np.r_[0, np.cumsum(count)[:-1]], count) + np.arange(
        int(count.sum()))


def _ranges(indptr: np.ndarray, indices: np.ndarray, which: np.ndarray) -> np.ndarray:
    """``indices`` of the CSR rows ``which`` (concatenated, in order)."""
    return indices[_spans(indptr[which], indptr[which + 1] - indptr[which])]


def _mark(out: np.ndarray, indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray,
          limit: int, size: int | None = None) -> bool:
    """Set ``out`` at the ``indices`` of the CSR rows where ``rows`` (bool) is set
    (:func:`_ranges`), unless they hold more than ``limit`` entries (then False, ``out``
    untouched). Works ``size`` rows (default :data:`SLICE`) and about ``size`` entries at
    a time: no temporary as long as all of them (the figures that move in a round of
    :func:`propagate` can be millions).

    Examples
    --------
    >>> out = np.zeros(6, bool)
    >>> indptr, indices = np.array([0, 2, 3, 6]), np.array([0, 1, 5, 2, 3, 4])
    >>> _mark(out, indptr, indices, np.array([True, False, True]), limit=5, size=2)
    True
    >>> out.astype(int).tolist()
    [1, 1, 1, 1, 1, 0]
    >>> _mark(out, indptr, indices, np.array([True, False, True]), limit=4)
    False
    """
    size = SLICE if size is None else size
    total = 0
    for a in range(0, len(rows), size):
        which = a + np.flatnonzero(rows[a:a + size])
        total += int((indptr[which + 1] - indptr[which]).sum())
        if total > limit:
            return False
    for a in range(0, len(rows), size):
        which = a + np.flatnonzero(rows[a:a + size])
        ends = np.cumsum(indptr[which + 1] - indptr[which])
        start = 0
        while start < len(which):
            done = int(ends[start - 1]) if start else 0
            stop = max(int(np.searchsorted(ends, done + size, side="right")), start + 1)
            out[_ranges(indptr, indices, which[start:stop])] = True
            start = stop
    return True


def _implied(lo: np.ndarray, hi: np.ndarray, minact: np.ndarray, r: np.ndarray,
             c: np.ndarray, v: np.ndarray, *, whole: bool, scattered: bool = False
             ) -> np.ndarray:
    """Per entry ``r, c, v``, the bound its relation implies on its variable: at most
    (``v = 1``), at least (``v = -1``). With ``whole`` (the entries hold whole relations),
    first each of their relations' least activity is written into ``minact``; else it is
    read from there. ``scattered``: the entries are of few relations far apart (``r``
    sorted), summed by relation without a temporary spanning them."""
    pos = v > 0
    t = hi[c]
    t[pos] = lo[c[pos]]
    t *= v  # each term's least value: v * lo (v = 1), v * hi (v = -1)
    if whole and scattered:
        new = np.r_[True, r[1:] != r[:-1]]
        minact[r[new]] = np.bincount(np.cumsum(new) - 1, weights=t)
    elif whole:
        first = int(r.min()) if len(r) else 0
        part = np.bincount(r - first, weights=t)
        minact[first:first + len(part)] = part
    # the other terms are at least minact minus this term's own minimum: a term
    # with v = 1 is at most lo - minact, one with v = -1 at least minact + hi
    t -= minact[r]
    neg = ~pos
    np.negative(t, out=t, where=neg)
    np.add(t, 1e-6, out=t, where=pos)
    np.floor(t, out=t, where=pos)
    np.subtract(t, 1e-6, out=t, where=neg)
    np.ceil(t, out=t, where=neg)
    return t


def propagate(rows: np.ndarray | None, cols: np.ndarray, vals: np.ndarray,
              fam_of: np.ndarray, lo: np.ndarray, hi: np.ndarray, *, max_rounds: int = 2000,
              active: np.ndarray | None = None,
              moves: list[tuple[np.ndarray, np.ndarray]] | None = None,
              by_var: tuple[np.ndarray, np.ndarray] | None = None,
              starts: np.ndarray | None = None, overwrite: bool = False,
              sources: tuple[np.ndarray, np.ndarray] | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Tighten integer bounds ``lo <= x <= hi`` under ``A x <= 0`` until nothing changes.

    Returns ``lo, hi`` and, per variable, the family of the relation that last moved each
    bound (-1: never moved), and the number of rounds.

    The system: ``rows`` (the relation of each entry; unsorted ones are sorted first,
    stably) or ``starts`` (each relation's first entry and the end, the incidence
    matrix's ``indptr``; then ``rows`` may be None: a system of tens of millions of
    entries is not held twice), the entries' variables ``cols`` and values ``vals``.

    ``active`` (per relation, bool): the first round works on these relations only (the
    others are known to move nothing: their variables' bounds are a fixed point of them);
    later rounds, as always, on the relations of the variables that moved. ``moves``, a
    list, gets pairs of arrays ``(variables, relations)``: each bound that moved and the
    relation(s) that moved it (what :func:`geo4mi.indicators.protect.protect` needs to
    re-open only the bounds a newly hidden figure supported). ``by_var``: the system's
    relations by variable (``indptr, indices`` of the transposed incidence matrix, CSR),
    to find the next round's relations without reading every entry. ``overwrite``:
    ``lo`` and ``hi`` are working space (what they hold afterwards is undefined; the
    bounds are the arrays returned), not copied first. Each round reads the last round's
    bounds and writes the next into a second pair of arrays, kept from round to round (no
    new arrays per round: at millions of figures they were most of the page faults).
    ``sources``: the arrays of the bounds' families to update (and return) in place: a
    bound this propagation moves gets its family, the others keep theirs.

    Examples
    --------
    x0 + x1 = t (two rows), with t = 10 and x0 = 7 published: x1 = 3.

    >>> r = np.repeat([0, 1], 3)
    >>> c, v = np.tile([0, 1, 2], 2), np.array([1., 1, -1, -1, -1, 1])
    >>> lo, hi, *_ = propagate(r, c, v, np.array([0, 0]), np.array([7., 0, 10]),
    ...                        np.array([7., BIG, 10]))
    >>> lo.tolist(), hi.tolist()
    ([7.0, 3.0, 10.0], [7.0, 3.0, 10.0])
    """
    if starts is None:
        if rows is None:
            raise ValueError("propagate: give rows or starts")
        rows = np.asarray(rows)
        if len(rows) and (rows[1:] < rows[:-1]).any():  # the entries in relation order
            order = np.argsort(rows, kind="stable")
            rows, cols, vals = rows[order], cols[order], vals[order]
        starts = np.zeros(int(rows.max(initial=-1)) + 2,
                          np.int32 if len(rows) < 2**31 - 1 else np.int64)
        np.cumsum(np.bincount(rows, minlength=len(starts) - 1), out=starts[1:])
    if not overwrite:
        lo, hi = lo.copy(), hi.copy()
    new_hi, new_lo = np.empty_like(hi), np.empty_like(lo)  # the next round's bounds
    if sources is None:  # family numbers
        kind = fam_of.dtype if fam_of.dtype.kind == "i" else np.int32
        src_lo = np.full(lo.shape, -1, dtype=kind)
        src_hi = np.full(hi.shape, -1, dtype=kind)
    else:
        src_lo, src_hi = sources
    m = len(starts) - 1
    n_entries = int(starts[-1])
    slices = _slices(starts)  # ranges of relations
    for a, b in slices:
        if not (np.abs(vals[starts[a]:starts[b]]) == 1).all():
            raise ValueError("propagate: every coefficient must be +1 or -1")
    if n_entries > COMPILED_ABOVE and audit_compiled.available() and not (
            np.isnan(lo).any() or np.isnan(hi).any()):
        lo, hi, rounds, status, bad, move_vars, move_rows = audit_compiled.rounds(
            starts, cols, vals, fam_of, lo, hi, src_lo, src_hi, active=active,
            by_var=by_var, max_rounds=max_rounds, want_moves=moves is not None)
        if moves is not None and len(move_vars):
            moves.append((move_vars, move_rows))
        if status == 2:
            raise DisclosureError(f"the published figures contradict the relations at "
                                  f"variable {bad}; audit with the true counts (truth=...)")
        if status == 1:
            log.warning("bound propagation stopped after %d rounds before settling",
                        max_rounds)
        return lo, hi, src_lo, src_hi, rounds
    # only relations with a variable whose bound moved in the last round can move another
    # bound (the others' candidates are already met, and cannot tie a tighter bound): each
    # round after the first works on those rows' entries only. The entries are worked a
    # slice at a time (whole relations each, in entry order): the temporaries stay small.
    minact = np.zeros(m)

    def parts() -> list[Any]:
        """The round's relations, in order, a slice at a time: a range of relations (the
        active ones picked out) or, when few relations are active, the relations."""
        if active is None or len(slices) == 1:
            return slices
        # SLICE relations at a time (no temporary as long as the active relations; how
        # the entries are cut into parts does not change what a round computes)
        out: list[Any] = []
        total = 0
        for a in range(0, m, SLICE):
            on = a + np.flatnonzero(active[a:a + SLICE])
            if not on.size:
                continue
            count = starts[on + 1] - starts[on]
            total += int(count.sum())
            if total > n_entries // 4:
                return slices
            ends = np.cumsum(count)
            cut = np.searchsorted(ends, np.arange(SLICE, int(ends[-1]), SLICE))
            out.extend(on[g] for g in np.split(np.arange(len(on)), np.unique(cut + 1))
                       if g.size)
        return out

    def entries(part: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The relation, variable and value of each entry of ``part``."""
        if isinstance(part, tuple):
            a, b = part
            if active is None or active[a:b].all():
                lo_, hi_ = int(starts[a]), int(starts[b])
                r = np.repeat(np.arange(a, b, dtype=starts.dtype), np.diff(starts[a:b + 1]))
                return r, cols[lo_:hi_], vals[lo_:hi_]
            part = a + np.flatnonzero(active[a:b])
        count = starts[part + 1] - starts[part]
        at = _spans(starts[part], count)
        return np.repeat(part.astype(starts.dtype), count), cols[at], vals[at]

    for rounds in range(1, max_rounds + 1):
        np.copyto(new_hi, hi)
        np.copyto(new_lo, lo)
        work = parts()
        for part in work:
            r, c, v = entries(part)
            if not len(r):
                continue
            cand = _implied(lo, hi, minact, r, c, v, whole=True,
                            scattered=not isinstance(part, tuple))
            pos = v > 0
            neg = ~pos
            np.minimum.at(new_hi, c[pos], cand[pos])
            np.maximum.at(new_lo, c[neg], cand[neg])
            del cand
        moved_hi, moved_lo = new_hi < hi, new_lo > lo
        if not (moved_hi.any() or moved_lo.any()):
            return lo, hi, src_lo, src_hi, rounds
        moved = moved_hi | moved_lo
        hits: list[list[tuple[np.ndarray, np.ndarray]]] = [[], []]  # upper, lower bounds
        for part in work:
            r, c, v = entries(part)
            at = np.flatnonzero(moved[c])  # entries of the variables that moved
            r, c, v = r[at], c[at], v[at]
            cand = _implied(lo, hi, minact, r, c, v, whole=False)
            pos = v > 0
            for k, (moved_k, new, src, sel) in enumerate(((moved_hi, new_hi, src_hi, pos),
                                                          (moved_lo, new_lo, src_lo, ~pos))):
                hit = sel & moved_k[c] & (cand == new[c])
                src[c[hit]] = fam_of[r[hit]]
                if moves is not None:
                    hits[k].append((c[hit], r[hit]))
        if moves is not None:
            for found in hits:
                moves.append((np.concatenate([h[0] for h in found]),
                              np.concatenate([h[1] for h in found])))
        del hits, work
        hi, new_hi = new_hi, hi  # the last round's arrays take the next round's bounds
        lo, new_lo = new_lo, lo
        for a in range(0, len(lo), SLICE):  # a slice at a time: no temporary of all of them
            bad = np.flatnonzero(lo[a:a + SLICE] > hi[a:a + SLICE] + 0.5)
            if bad.size:
                raise DisclosureError(f"the published figures contradict the relations at "
                                      f"variable {a + int(bad[0])}; audit with the true "
                                      "counts (truth=...)")
        active = np.zeros(m, bool)  # the next round's relations
        if by_var is None or not _mark(active, by_var[0], by_var[1], moved,
                                       n_entries // 4):
            for a in range(0, len(cols), SLICE):
                at = a + np.flatnonzero(moved[cols[a:a + SLICE]])
                active[np.searchsorted(starts, at, side="right") - 1] = True
    log.warning("bound propagation stopped after %d rounds before settling", max_rounds)
    return lo, hi, src_lo, src_hi, max_rounds


# -- findings -----------------------------------------------------------------------------

def _values_like(table: pd.DataFrame, grid: Grid) -> np.ndarray:
    """``table``'s counts on ``grid``'s axes, flat as the variables (NaN where absent)."""
    other = to_grid(table)
    out = np.full(grid.value.shape, np.nan)
    ii = pd.Index(other.indicators).get_indexer(grid.indicators)
    rr = pd.Index(other.areas).get_indexer(grid.areas)
    cc = pd.Index(pd.MultiIndex.from_tuples(other.columns)).get_indexer(
        pd.MultiIndex.from_tuples(grid.columns))
    si, sr, sc = np.ix_(ii >= 0, rr >= 0, cc >= 0)
    sub = other.value[:, ii[ii >= 0]][:, :, rr[rr >= 0]][:, :, :, cc[cc >= 0]]
    out[:, si, sr, sc] = sub
    return out.ravel()


def _flag_cells(table: pd.DataFrame, grid: Grid, flag: np.ndarray) -> np.ndarray:
    """Per cell of ``grid`` (flat): the row of ``table`` there has ``flag`` (False where
    no row is). Reads the rows' cells from ``grid`` when it was made from ``table``."""
    if grid.cell is not None and len(grid.cell) == len(table):
        out = np.zeros(grid.exists.size, bool)
        out[grid.cell] = flag
        return out
    mark = table.assign(numerator=np.where(flag, 1, 0), n=0, status="ok")
    return _values_like(mark, grid)[:grid.exists.size] == 1


@dataclass
class System:
    """The intruder's equations for one table, built once: what stays fixed when more
    figures are hidden (:mod:`geo4mi.indicators.protect` re-solves it round by round)."""

    grid: Grid  # the table as given (values: the published figures)
    fams: list[Family]
    starts: np.ndarray  # each relation's first entry, and the end (see :func:`_rows`)
    cols: np.ndarray
    vals: np.ndarray
    fam_of: np.ndarray
    true: np.ndarray | None  # the true counts, flat as the variables
    counted: np.ndarray  # per cell: a count is published as numerator (a proportion)
    sensitive: np.ndarray  # per cell: must not be worked out (see _sensitive)
    fixed: np.ndarray  # per cell: the definitions give the numerator away
    subset: np.ndarray  # per cell: n counts some of the cell's people (an attribute)
    floor: np.ndarray  # per variable: what a hidden figure is at least (its stated reason)
    ceil: np.ndarray  # per variable: what a hidden figure is at most
    #: per variable: published 0 of a cell without respondents, left out of the relations
    #: (:func:`_fixed_zeros`); None: nothing left out
    zero: np.ndarray | None = None

    def start(self, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bounds before any reasoning: published figures exact, hidden ones within what
        their reason says (``small_n``: fewer than ``min_n`` respondents), else 0..∞."""
        hidden = np.isnan(known)
        return np.where(hidden, self.floor, known), np.where(hidden, self.ceil, known)

    @property
    def rows(self) -> np.ndarray:
        """The relation of each entry (made when asked: see :func:`entry_rows`)."""
        return entry_rows(self.starts)


def system(published: pd.DataFrame, catalogue: Any, *, min_n: int,
           truth: pd.DataFrame | None = None) -> System:
    """The relations of ``published`` as one sparse system (see :func:`audit`)."""
    grid = to_grid(published)
    fams = relations(grid, catalogue)
    true = _values_like(truth, grid) if truth is not None else None
    zero = _fixed_zeros(grid.value)
    starts, cols, vals, fam_of = _rows(fams, true, zero)
    # only the families' names are read now: their lines and conditions go (a view of the
    # lines, ``lines[:0]``, kept every family's arrays alive: half a GiB at thousands of
    # areas)
    fams = [replace(f, lines=np.zeros((0, f.lines.shape[1]), f.lines.dtype),
                    equal_within=None, equal_if=None) for f in fams]
    floor, ceil = _stated_bounds(published, grid, min_n)
    return System(grid, fams, starts, cols, vals, fam_of, true, _counted(published, grid),
                  _sensitive(published, grid, true, min_n),
                  definitional(grid, catalogue)[0].ravel(), _subset(grid, true), floor, ceil,
                  zero)


def _stated_bounds(published: pd.DataFrame, grid: Grid, min_n: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Per variable: the bounds the published reason of a hidden ``n`` states.

    The maps' legends and the ``suppression`` column say why a cell is hidden:
    ``small_n`` tells its ``n`` is below ``min_n``; the intruder reads it like any
    published figure. (``complementary`` states nothing: such a cell can hold anything
    from no respondents up, when another indicator's people are what it protects.)
    """
    size = grid.exists.size
    # every floor is 0: one value seen through a read-only view, not an array of the
    # figures (each is one to two hundred MiB at thousands of areas); the ceilings are
    # whole numbers up to BIG (< 2**31), exact as int32 (half the memory of float64)
    floor = np.broadcast_to(np.float64(0.0), (2 * size,))
    ceil = np.full(2 * size, int(BIG), np.int32)
    if "suppression" not in published.columns:
        return floor, ceil
    reason = published["suppression"].astype(str).to_numpy(dtype=object)
    ceil[size + np.flatnonzero(_flag_cells(published, grid, reason == "small_n"))] = min_n - 1
    return floor, ceil


def _subset(grid: Grid, true: np.ndarray | None) -> np.ndarray:
    """Per cell (flat): its ``n`` counts fewer people than the cell holds.

    The cell's people are counted by the largest ``n`` of any indicator there (a question
    everyone answers). Such an ``n`` is the size of a group (women of one area), which
    the indicators about the group's make-up publish anyway; an ``n`` below it counts
    people with an attribute (crime victims) and must not be worked out when small.
    Without the true counts every ``n`` is treated as such.
    """
    size = grid.exists.size
    if true is None:
        return np.ones(size, bool)
    n = true[size:].reshape(grid.shape)
    people = np.nanmax(np.where(np.isnan(n), -1.0, n), axis=0, keepdims=True)
    return (n < people).ravel()


@dataclass
class Attack:
    """What the intruder derived: bounds per variable (numerators, then ``n``)."""

    grid: Grid  # as attacked (values: what is published now)
    fams: list[Family]
    starts: np.ndarray  # each relation's first entry, and the end
    cols: np.ndarray
    fam_of: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    src_lo: np.ndarray
    src_hi: np.ndarray
    what: np.ndarray  # per cell: "", "numerator", "all", "none"
    n_found: np.ndarray  # per cell: a hidden n below min_n recovered
    implied: np.ndarray  # per cell: what a published "none"/"all" of a containing cell says
    released: np.ndarray  # per cell: a figure of min_n or more, worked out (not sensitive)


def attack(published: pd.DataFrame, catalogue: Any, *, min_n: int,
           truth: pd.DataFrame | None = None, exact: bool = False) -> Attack:
    """Run the intruder on ``published`` (arguments as :func:`audit`)."""
    sys_ = system(published, catalogue, min_n=min_n, truth=truth)
    known = sys_.grid.value.ravel()
    lo, hi, src_lo, src_hi, rounds = propagate(None, sys_.cols, sys_.vals, sys_.fam_of,
                                               *sys_.start(known), starts=sys_.starts)
    log.info("audit: %d relations over %d figures settled in %d rounds", len(sys_.fam_of),
             known.size, rounds)
    if exact:  # integer programs for every hidden numerator and n still in a range
        from geo4mi.indicators.audit_exact import refine
        open_ = np.flatnonzero(np.isnan(known) & (lo < hi)
                               & np.tile(sys_.grid.exists.ravel(), 2))
        lo, hi = refine(sys_.rows, sys_.cols, sys_.vals, lo, hi, open_)
    _check_truth(sys_, lo, hi)
    return classify(sys_, known, lo, hi, src_lo, src_hi, min_n=min_n)


def _check_truth(sys_: System, lo: np.ndarray, hi: np.ndarray) -> None:
    """Every bound must hold of the true counts (when at hand)."""
    true = sys_.true
    if true is not None:
        wrong = ~np.isnan(true) & ((true < lo - 0.5) | (true > hi + 0.5))
        if wrong.any():  # a relation that is not true of the data: a bug of this module
            raise RuntimeError(f"audit: internal error, {int(wrong.sum())} bounds exclude "
                               "the true value")


def classify(sys_: System, known: np.ndarray, lo: np.ndarray, hi: np.ndarray,
             src_lo: np.ndarray, src_hi: np.ndarray, *, min_n: int) -> Attack:
    """Which hidden figures the bounds ``lo``..``hi`` give away, with ``known`` (flat,
    NaN = hidden) the figures published."""
    g = sys_.grid
    grid = Grid(g.indicators, g.areas, g.columns, known.reshape(g.value.shape), g.exists)
    size = grid.exists.size
    num_lo, num_hi, n_lo, n_hi = lo[:size], hi[:size], lo[size:], hi[size:]
    exists = grid.exists.ravel()
    hidden_num = exists & np.isnan(known[:size]) & (n_hi > 0) & sys_.counted & ~sys_.fixed
    if sys_.true is not None:  # a cell without respondents has no numerator to give away
        hidden_num &= ~(sys_.true[size:] == 0)
    hidden_n = exists & np.isnan(known[size:])
    small = (n_hi < min_n) & (n_lo >= 1)
    what = np.full(size, "", dtype=object)
    what[hidden_num & sys_.sensitive & (num_lo == num_hi)] = "numerator"
    what[hidden_num & small & (num_lo >= n_hi)] = "all"
    what[hidden_num & small & (num_hi <= 0)] = "none"
    n_big = (sys_.true[size:] >= min_n) if sys_.true is not None else (n_lo >= min_n)
    none_above, all_above = _group_none_or_all(grid.shape, num_lo, num_hi, n_hi, n_big)
    implied = (what != "") & ((none_above & (num_hi <= 0)) | (all_above & (num_lo >= n_hi)))
    return Attack(grid, sys_.fams, sys_.starts, sys_.cols, sys_.fam_of, lo, hi, src_lo, src_hi,
                  np.where(implied, "", what), hidden_n & small & (n_lo == n_hi) & sys_.subset,
                  implied,
                  hidden_num & ~sys_.sensitive & (num_lo == num_hi))


def _counted(published: pd.DataFrame, grid: Grid) -> np.ndarray:
    """Per cell (flat): the row publishes a count as its numerator (a proportion).

    Means, medians and ratios (``stat`` other than ``"prop"``) publish only ``n``: their
    ``n`` takes part in the relations, their numerator is no count to work out.
    """
    if "stat" not in published.columns:
        return np.ones(grid.exists.size, bool)
    prop = published["stat"].astype(str).eq("prop").to_numpy()
    return _flag_cells(published, grid, prop)


#: Reasons (the estimates' ``suppression`` column) that hide a figure for its own sake or
#: because it equals a count hidden elsewhere; the other hidden figures ("complementary",
#: "complementary_value") are hidden only to protect these.
SENSITIVE_REASONS = ("small_n", "linked", "linked_value")
#: Reasons that hide a figure only to protect another one; a hidden row without a reason
#: counts as sensitive.
PROTECTIVE_REASONS = ("complementary", "complementary_value")


def _sensitive(published: pd.DataFrame, grid: Grid, true: np.ndarray | None,
               min_n: int) -> np.ndarray:
    """Per cell (flat): a hidden figure that must not be worked out.

    A figure hidden for fewer than ``min_n`` respondents (or linked to one) is sensitive.
    A figure of ``min_n`` or more respondents hidden only to protect another one
    (complementary suppression) is not: it could have been published on its own, so
    working it out reveals nothing about a small group (what it protects is audited as
    itself). Without a ``suppression`` column (or without a reason in it) a hidden figure is
    sensitive; with the true counts, every cell of fewer than ``min_n`` respondents is.
    """
    size = grid.exists.size
    if "suppression" not in published.columns:
        return np.ones(size, bool)
    reason = published["suppression"].astype(str)
    status = published["status"].astype(str) if "status" in published.columns else reason
    flag = ~reason.isin(PROTECTIVE_REASONS) & (status == "suppressed")
    out = _flag_cells(published, grid, flag.to_numpy())
    if true is not None:
        n_true = true[size:]
        out |= (n_true > 0) & (n_true < min_n)
    return out


def _group_none_or_all(shape: tuple[int, int, int], num_lo: np.ndarray, num_hi: np.ndarray,
                       n_hi: np.ndarray, n_big: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per cell (flat): a containing cell of at least ``min_n`` respondents (``n_big``) is
    known to count none (numerator 0) or all (numerator = n) of them.

    The containing cells are the cell's whole-area figure (``"all"`` column), its
    city-wide figure (same column) and the city-wide total. "None of the 40 people
    interviewed in this area" may be published (or worked out: a figure of ``min_n`` or
    more may be known); a hidden cell inside it has numerator 0 (or ``n``) whatever else
    is published, so what it would say of each of its respondents is already said.
    """
    none = (n_big & (num_hi <= 0)).reshape(shape)
    full = (n_big & (num_lo >= n_hi) & (n_hi < BIG / 2)).reshape(shape)
    out = []
    for flag in (none, full):
        inside = flag[:, :, :1] | flag[:, :1, :] | flag[:, :1, :1]
        out.append(inside.ravel())
    return out[0], out[1]


def audit(published: pd.DataFrame, catalogue: Any, *, min_n: int,
          truth: pd.DataFrame | None = None, exact: bool = False) -> pd.DataFrame:
    """Attack ``published``; list every hidden figure it gives away.

    Parameters
    ----------
    published : DataFrame
        The estimates table as it will be published: ``indicator, area_id, group_var,
        group_value, numerator, n, status``; NA = hidden. Only non-NA values are read
        (and ``status == "no_data"``, which says ``n = 0``).
    catalogue : Catalogue or None
        Gives the relations between indicators (follow-ups, shared denominators, choices of
        one question); None uses the table's own sums only.
    min_n : int
        Groups smaller than this must not be shown as "all" or "none".
    truth : DataFrame, optional
        The same table with nothing hidden (``estimate(..., min_n=1,
        complementary=False)``). Relations are then used only as far as the data satisfy
        them, exact sums as equalities, and every claim is checked against it.
    exact : bool, default False
        Also solve integer programs for every range propagation leaves open
        (:mod:`geo4mi.indicators.audit_exact`; slow, for small tables).

    Returns
    -------
    DataFrame
        :data:`FINDING_COLUMNS`: the cell, ``what`` (``"numerator"``: recovered exactly;
        ``"all"`` / ``"none"``: a group of fewer than ``min_n`` all or none counted;
        ``"n"``: a hidden ``n`` below ``min_n`` recovered), the intruder's range ``low`` ..
        ``high`` of the numerator (of ``n`` for ``"n"``), of ``n`` (``n_low``, ``n_high``)
        and the relations that set the bounds. Empty when nothing is disclosed.
    """
    return findings(attack(published, catalogue, min_n=min_n, truth=truth, exact=exact))


def findings(at: Attack) -> pd.DataFrame:
    """The findings table of :func:`audit` for what the intruder derived (``at``)."""
    grid, fams, lo, hi, src_lo, src_hi, what = (at.grid, at.fams, at.lo, at.hi, at.src_lo,
                                               at.src_hi, at.what)
    size = grid.exists.size
    num_lo, num_hi, n_lo, n_hi = lo[:size], hi[:size], lo[size:], hi[size:]
    names = [f.name for f in fams]

    def via(src_a: np.ndarray, src_b: np.ndarray) -> list[str]:
        out = []
        for a, b in zip(src_a.tolist(), src_b.tolist(), strict=True):
            parts = dict.fromkeys(names[s] for s in (a, b) if s >= 0)
            out.append("; ".join(parts) or "published figures")
        return out

    I, R, C = grid.shape
    frames = []
    for mask, kind, lo_k, hi_k in (
            (what != "", "", num_lo, num_hi),
            (at.n_found, "n", n_lo, n_hi)):
        idx = np.flatnonzero(mask)
        i, r, c = np.unravel_index(idx, (I, R, C))
        src = idx + (size if kind == "n" else 0)
        frames.append(pd.DataFrame({
            "indicator": [grid.indicators[k] for k in i],
            "area_id": [grid.areas[k] for k in r],
            "group_var": [grid.columns[k][0] for k in c],
            "group_value": [grid.columns[k][1] for k in c],
            "what": what[idx] if kind == "" else np.full(len(idx), "n", dtype=object),
            "low": lo_k[idx].astype(np.int64), "high": hi_k[idx].astype(np.int64),
            "n_low": n_lo[idx].astype(np.int64), "n_high": n_hi[idx].astype(np.int64),
            "relation": via(src_lo[src], src_hi[src])}))
    out = pd.concat(frames, ignore_index=True)
    out["n_high"] = out["n_high"].astype("Int64").mask(out["n_high"] >= BIG / 2)  # unbounded
    text = ("indicator", "area_id", "group_var", "group_value", "what", "relation")
    return out.astype(dict.fromkeys(text, "str"))


def example_table() -> pd.DataFrame:
    """The issue's Iztapalapa line as a published table (the modules' examples use it)."""
    return pd.DataFrame({
        "indicator": "mental_symptoms", "area_id": "09007",
        "group_var": ["all", "region", "region", "region", "region", "region"],
        "group_value": ["all", "a", "b", "c", "caribbean", "other"],
        "numerator": pd.array([44, 12, 13, 14, None, None], dtype="Int64"),
        "n": pd.array([57, 15, 20, 17, 4, 1], dtype="Int64"),
        "status": ["ok", "ok", "ok", "ok", "suppressed", "suppressed"]})


def format_finding(row: Any) -> str:
    """One line naming the cell, what the intruder learns and the relations used."""
    cell = (f"{row.indicator}, area {row.area_id}" +
            ("" if row.group_var == "all" else f", {row.group_var}={row.group_value}"))
    n = (f"n >= {row.n_low}" if pd.isna(row.n_high) else f"n = {row.n_low}"
         if row.n_low == row.n_high else f"n in {row.n_low}..{row.n_high}")
    if row.what == "n":
        told = f"hidden n = {row.low} (fewer than min_n)"
    elif row.low == row.high:
        told = f"numerator = {row.low} of {n}" + (f" ({row.what})" if row.what != "numerator"
                                                  else "")
    else:
        told = f"numerator in {row.low}..{row.high} of {n} ({row.what})"
    return f"{cell}: {told} via {row.relation}"


#: What the intruder reads of the true counts (:func:`to_grid`): each row's cell, its
#: numerator and ``n``, and ``status`` (a ``no_data`` row says ``n = 0``).
TRUE_COUNT_COLUMNS = ("indicator", "area_id", "group_var", "group_value", "numerator", "n",
                      "status")


def true_counts(truth: pd.DataFrame, like: pd.DataFrame | None = None) -> pd.DataFrame:
    """Only what :func:`audit` reads of the true estimates ``truth``: its
    :data:`TRUE_COUNT_COLUMNS` (the same audit, a third of the memory at thousands of
    areas: the intervals, labels and reasons are not read).

    When ``like`` (the published table) has the same cells in the same rows, its key
    columns are shared (no copy of the cells' labels: only the counts and ``status`` of
    ``truth`` are kept). Take :func:`table_digest` of ``truth`` before, if the whole
    table's digest is wanted (:func:`fingerprint` of the trimmed table differs).

    Examples
    --------
    >>> pub = example_table()
    >>> true = pub.assign(numerator=[44, 12, 13, 14, 4, 1], p=0.5)
    >>> list(true_counts(true, like=pub).columns) == list(TRUE_COUNT_COLUMNS)
    True
    """
    keys = list(TRUE_COUNT_COLUMNS[:4])
    counts = [c for c in TRUE_COUNT_COLUMNS[4:] if c in truth.columns]
    same = (like is not None and len(like) == len(truth) and like.index.equals(truth.index)
            and all(c in like.columns and like[c].equals(truth[c]) for c in keys))
    out = (like if same and like is not None else truth)[keys]  # copy-on-write: shared
    for c in counts:
        out[c] = truth[c]
    return out


def true_estimates(results: Any) -> pd.DataFrame:
    """The estimates of a :class:`~geo4mi.pipeline.Results` with nothing hidden (in memory
    only: never write them)."""
    from geo4mi.indicators.estimate import estimate
    return estimate(results.respondents, results.catalogue,
                    area_ids=results.areas["area_id"].tolist(),
                    groups=list(results.study.indicators.groups), min_n=1,
                    complementary=False)


# -- audits already run ---------------------------------------------------------------------

#: :func:`audit` outputs already computed, by :func:`fingerprint` of their inputs: the last
#: check of :func:`~geo4mi.indicators.protect.protect` on the table it returns (a build
#: audits that table again before writing: the same inputs give the same answer).
_AUDITED: dict[bytes, pd.DataFrame] = {}
_AUDITED_MAX = 8


def table_digest(table: pd.DataFrame) -> bytes:
    """A digest of every value (and dtype) of ``table``, with its index."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(pd.util.hash_pandas_object(table, index=True).to_numpy().tobytes())
    digest.update("\x1f".join(f"{c}:{t}" for c, t in table.dtypes.items()).encode())
    digest.update(str(table.shape).encode())
    return digest.digest()


def fingerprint(published: pd.DataFrame, catalogue: Any, *, min_n: int,
                truth: pd.DataFrame | bytes | None) -> bytes:
    """A digest of everything :func:`audit` reads: every value (and dtype) of both tables,
    ``min_n`` and the catalogue's definitions. Equal digests: the audit's answer is the
    same (its relations, bounds and findings are a function of these alone). ``truth``
    may be given by its :func:`table_digest`."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(table_digest(published))
    digest.update(b"\x00none" if truth is None else truth if isinstance(truth, bytes)
                  else table_digest(truth))
    digest.update(f"min_n={min_n}".encode())
    for ind in catalogue or ():  # what the intruder's relations are made of
        digest.update(repr((ind.id, ind.question, ind.kind, ind.choices, str(ind.universe),
                            ind.exclude, ind.not_asked, ind.numerator)).encode())
    return digest.digest()


def remember(key: bytes, found: pd.DataFrame) -> None:
    """Keep ``found`` as the audit of the inputs digested in ``key`` (:func:`fingerprint`)."""
    if key not in _AUDITED and len(_AUDITED) >= _AUDITED_MAX:
        _AUDITED.pop(next(iter(_AUDITED)))
    _AUDITED[key] = found.copy()


def reuse_system(sys_: System, published: pd.DataFrame, known: np.ndarray, *, min_n: int
                 ) -> System | None:
    """The system :func:`system` would build for ``published``, from ``sys_`` (built for
    a table with the same rows in the same order, some of whose figures ``published``
    hides further: ``known`` its values, flat); None when anything the propagation reads
    would differ (then audit ``published`` from scratch).

    The relations and their rows depend on the table only through its axes, the true
    counts and the indicator whose city-wide ``n`` is largest; the starting bounds on the
    values and the stated reasons. What only classifies (which hidden figures are
    sensitive, which publish a count) is read from ``published`` anew.
    """
    grid = sys_.grid
    if grid.cell is None or len(grid.cell) != len(published):
        return None
    value = _grid_values(published, grid.cell, grid.shape)
    if (not np.array_equal(value.ravel(), known, equal_nan=True)
            or _reference(value) != _reference(grid.value)):
        return None
    if sys_.zero is not None and not np.array_equal(_fixed_zeros(value), sys_.zero):
        return None
    floor, ceil = _stated_bounds(published, grid, min_n)
    if not (np.array_equal(floor, sys_.floor) and np.array_equal(ceil, sys_.ceil)):
        return None
    return replace(sys_, grid=replace(grid, value=value), floor=floor, ceil=ceil,
                   counted=_counted(published, grid),
                   sensitive=_sensitive(published, grid, sys_.true, min_n))


def certify(sys_: System, published: pd.DataFrame, catalogue: Any, known: np.ndarray,
            bounds: tuple[np.ndarray, ...], *, min_n: int,
            truth: pd.DataFrame | bytes | None) -> pd.DataFrame | None:
    """Audit ``published`` with the propagation already run on ``sys_`` for the figures
    ``known`` (``bounds``: ``lo, hi, src_lo, src_hi`` from :func:`propagate` of the whole
    system from ``sys_.start(known)``) and :func:`remember` it; None when the system would
    differ (see :func:`reuse_system`). What :func:`audit` would return for ``published``.
    ``truth``: the true counts or their :func:`table_digest`."""
    own = reuse_system(sys_, published, known, min_n=min_n)
    if own is None:
        return None
    lo, hi, src_lo, src_hi = bounds
    _check_truth(own, lo, hi)
    found = findings(classify(own, known, lo, hi, src_lo, src_hi, min_n=min_n))
    remember(fingerprint(published, catalogue, min_n=min_n, truth=truth), found)
    return found


def _audit_run(results: Any, reuse: bool) -> pd.DataFrame:
    """:func:`audit` of ``results.estimates`` with its true counts; with ``reuse``, the
    answer already computed for exactly these inputs when there is one."""
    min_n = results.study.min_n

    def last_check(truth: pd.DataFrame | bytes) -> pd.DataFrame | None:
        found = _AUDITED.get(fingerprint(results.estimates, results.catalogue, min_n=min_n,
                                         truth=truth))
        if found is None:
            return None
        log.info("audit: the table is the one disclosure control returned; its last "
                 "check (%d findings) stands", len(found))
        return found.copy()

    known = getattr(results, "truth_key", None)  # the true counts' digest, from the run
    if reuse and known is not None and (found := last_check(known)) is not None:
        return found
    truth = true_estimates(results)
    if reuse and (found := last_check(truth)) is not None:
        return found
    truth = true_counts(truth, like=results.estimates)  # only what the audit reads
    return audit(results.estimates, results.catalogue, min_n=min_n, truth=truth)


def audit_results(results: Any, *, reuse: bool = True) -> pd.DataFrame:
    """:func:`audit` of what a pipeline run would publish, checked against its true counts.

    What ``geo4mi audit`` lists and ``build`` counts. With ``reuse`` (the default), a table
    exactly as :func:`~geo4mi.indicators.protect.protect` returned it (same values, same
    true counts, catalogue and ``min_n``) gets protect's last check, which is the audit
    of that table; anything else is audited in full.
    """
    return _audit_run(results, reuse)


def refuse_results(results: Any, *, reuse: bool = True) -> None:
    """:func:`refuse_if_disclosive` for what a pipeline run would publish (its true counts
    at hand): what ``build`` runs before writing anything. ``reuse`` as for
    :func:`audit_results`."""
    _refuse(_audit_run(results, reuse), results.study.path.name)


def refuse_if_disclosive(published: pd.DataFrame, catalogue: Any, *, min_n: int,
                         truth: pd.DataFrame | None = None, source: str = "the outputs"
                         ) -> None:
    """Raise :class:`~geo4mi.errors.DisclosureError` when :func:`audit` finds anything.

    The message is one line: the first finding, and how many more.
    """
    _refuse(audit(published, catalogue, min_n=min_n, truth=truth), source)


def _refuse(found: pd.DataFrame, source: str) -> None:
    if len(found):
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise DisclosureError(f"{source} would disclose a hidden figure: "
                              f"{format_finding(found.iloc[0])}{more}; nothing was written. "
                              "Run 'geo4mi audit STUDY -o findings.csv' for the list; raise "
                              "min_n or merge small groups")


__all__ = [
    "FINDING_COLUMNS",
    "audit",
    "audit_results",
    "format_finding",
    "propagate",
    "refuse_if_disclosive",
    "refuse_results",
    "relations",
    "true_counts",
    "true_estimates",
]
