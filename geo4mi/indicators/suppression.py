"""Small-cell suppression, primary and complementary, on the estimate grid.

Primary suppression hides every estimate from fewer than ``min_n`` respondents. That alone
is not enough when totals are published: the city-wide row is the sum of the boroughs (plus
respondents placed in no borough), and the ``"all"`` column is the sum of a grouping
variable's values (plus respondents with no value). With one hidden borough in a row, its
numerator is the city's minus the others'.

Complementary suppression therefore also hides, in every *line* whose total is published,
enough further cells that no hidden cell can be worked out from that line:

* a line is either the boroughs of one indicator × group value (total: the city-wide
  cell), or the values of one grouping variable in one indicator × area (total: the
  ``"all"`` cell);
* a line with hidden cells must hide at least two (with two unknowns and one sum, neither
  can be told);
* cells are added smallest ``n`` first (ties: the first in table order); when nothing is
  left to hide, the total itself is hidden;
* hiding a cell can break another line, so the passes repeat until nothing changes.

Totals are treated as exact sums, which is the cautious reading (respondents outside every
borough or group only blur the sum). This is the classic rule of statistical offices. It
guards against differencing within a line; it does not solve the full linear system across
lines, nor bound the numerators when two hidden cells are both tiny (a stronger rule that
demanded ``min_n`` respondents among the other hidden cells hid the whole-borough figure of
most boroughs in the Mexico City study, so it was not adopted).

Examples
--------
>>> import numpy as np
>>> n = np.array([[[30], [14], [12], [4]]])  # one indicator: city, three boroughs; "all" only
>>> hidden = suppression_mask(n, min_n=10, blocks=[])
>>> hidden[0, :, 0].tolist()  # the 4 is small; the 12 goes too so it cannot be derived
[False, False, True, True]
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

#: Why an estimate is hidden (the estimates' ``suppression`` column); ``""``: nothing is.
REASONS = ("", "small_n", "complementary", "linked", "linked_value", "complementary_value")
#: Reasons whose row hides its ``n`` too (the others publish ``n`` and hide the value).
N_HIDDEN = ("small_n", "complementary", "linked")
#: Columns that are NA for every hidden estimate (``n`` only for :data:`N_HIDDEN`): see
#: :func:`published`.
HIDDEN_COLUMNS = ("numerator", "n", "p", "ci_low", "ci_high", "deff", "n_eff", "ci_method",
                  "numerator_w", "n_w")
#: Columns that are NA for an estimate without respondents (``n`` stays 0).
EMPTY_COLUMNS = ("numerator", "p", "ci_low", "ci_high", "deff", "n_eff", "ci_method",
                 "numerator_w")


def suppression_mask(n: np.ndarray, *, min_n: int, blocks: list[tuple[int, int]],
                     complementary: bool = True,
                     initial: np.ndarray | None = None) -> np.ndarray:
    """Which estimates to hide, primary and complementary.

    Parameters
    ----------
    n : ndarray of int, shape (indicators, 1 + areas, columns)
        Respondents per cell. Row 0 is city-wide and is the total of rows 1...; column 0 is
        ``"all"`` and is the total of each block of columns.
    min_n : int
        Cells with ``0 < n < min_n`` are hidden (primary suppression).
    blocks : list of (start, stop)
        Column ranges of the grouping variables' values (one per variable).
    complementary : bool, default True
        Also hide the cells that would let a hidden one be worked out from the totals.
    initial : ndarray of bool, optional
        Cells already hidden for another reason (see :func:`linked_mask`), protected like
        the small ones; they may include cells with ``n == 0``.

    Returns
    -------
    ndarray of bool
        Same shape as ``n``; True = suppressed. Cells with ``n == 0`` are never True
        unless ``initial`` says so.

    Examples
    --------
    City and two areas (rows) by "all" and a two-value group (columns): the 4 and the 9 are
    small; the 16 and the 11 are hidden too, so neither area's total nor either group's
    city-wide total gives them away.

    >>> n = np.array([[[40, 25, 15], [20, 16, 4], [20, 9, 11]]])
    >>> suppression_mask(n, min_n=10, blocks=[(1, 3)]).astype(int)[0].tolist()
    [[0, 0, 0], [0, 1, 1], [0, 1, 1]]
    """
    n = np.asarray(n, dtype=np.int64)
    hidden = (n > 0) & (n < min_n)
    if initial is not None:
        hidden |= np.asarray(initial, dtype=bool)
    if not complementary or not hidden.any():
        return hidden
    cell = np.arange(n.size).reshape(n.shape)
    # every line as flat cell indices, its total first
    families = [cell.transpose(0, 2, 1).reshape(-1, n.shape[1])]
    families += [cell[:, :, np.r_[0, start:stop]].reshape(-1, 1 + stop - start)
                 for start, stop in blocks if stop > start]
    n_flat, hidden_flat = n.reshape(-1), hidden.reshape(-1)
    while True:
        changed = False
        for lines in families:
            changed |= _protect(lines, n_flat, hidden_flat)
        if not changed:
            return hidden


def _protect(lines: np.ndarray, n: np.ndarray, hidden: np.ndarray) -> bool:
    """One pass over lines (flat cell indices, total first); hide one more cell where needed.

    ``hidden`` is updated in place. Returns True when a cell was hidden.
    """
    cells_n, cells_hidden = n[lines[:, 1:]], hidden[lines[:, 1:]]
    total_shown = (n[lines[:, 0]] > 0) & ~hidden[lines[:, 0]]
    need = total_shown & (cells_hidden.sum(axis=1) == 1)
    if not need.any():
        return False
    none = np.iinfo(np.int64).max
    candidates = np.where(~cells_hidden & (cells_n > 0), cells_n, none)[need]
    pick = candidates.argmin(axis=1)  # smallest n; argmin keeps the first of ties
    found = candidates[np.arange(pick.size), pick] < none
    rows = lines[need]
    hidden[rows[found, 1 + pick[found]]] = True
    hidden[rows[~found, 0]] = True  # nothing left to hide in the line: hide its total
    return True


def empty_in_small(n: np.ndarray, *, min_n: int) -> np.ndarray:
    """Cells without respondents inside a small area or a small group.

    "No interviews" in a group of a small area tells the small area's make-up ("none of
    the 4 people interviewed there is Caribbean"); the same holds for an area's cell of a
    small city-wide group. Such a 0 is hidden like the small figure it belongs to
    (``small_n``). A 0 inside a figure of ``min_n`` or more, or in an area without any
    interviews, is published ("no interviews").

    Examples
    --------
    City and two areas by "all" and a two-value group: area 1 has 4 people, all in the
    first group; the 0 beside them is hidden. Area 2 has none of the second group, and
    that 0 stays (20 people).

    >>> n = np.array([[[24, 24, 0], [4, 4, 0], [20, 20, 0]]])
    >>> empty_in_small(n, min_n=10).astype(int)[0].tolist()
    [[0, 0, 0], [0, 0, 1], [0, 0, 0]]
    """
    n = np.asarray(n, dtype=np.int64)
    small = (n > 0) & (n < min_n)
    inside = np.zeros(n.shape, bool)
    inside[:, 1:, :] |= small[:, 1:, :1]  # the area's whole figure is small
    inside[:, 1:, 1:] |= small[:, :1, 1:]  # the group's city-wide figure is small
    return (n == 0) & inside & (n[:, :, :1] > 0)  # an area nobody was interviewed in: public


#: Role of a count in its row: ``n`` (the denominator) or part of the value (numerator,
#: complement).
N_ROLE, VALUE_ROLE = 0, 1


def count_keys(den: np.ndarray, num: np.ndarray) -> tuple[bytes | None, bytes | None,
                                                          bytes | None]:
    """Fingerprints of the three counts one indicator publishes: ``n``, numerator, rest.

    Equal fingerprints mean equal respondent masks, hence equal counts in every cell.
    An empty mask (a count that is 0 everywhere) gives None: it links nothing.

    Examples
    --------
    >>> den, num = np.ones(4, bool), np.array([1, 1, 0, 0], bool)
    >>> keys = count_keys(den, num)
    >>> len(keys), count_keys(num, num)[0] == keys[1], count_keys(num, num)[2]
    (3, True, None)
    """
    den = np.asarray(den, dtype=bool)
    size = den.size.to_bytes(8, "little")
    # packed once each; the rest's bits are den's without num's (padding bits stay 0)
    packed_den = np.packbits(den)
    packed_num = np.packbits(np.asarray(num, dtype=bool)) & packed_den
    return tuple(hashlib.blake2b(m.tobytes() + size, digest_size=16).digest()
                 if m.any() else None
                 for m in (packed_den, packed_num, packed_den & ~packed_num))  # type: ignore[return-value]


def shared_counts(keys: Iterable[Sequence[bytes | None]]) -> list[list[tuple[int, int]]]:
    """Counts published by more than one indicator, from :func:`count_keys`.

    An estimate publishes three counts of respondents per cell: ``n`` (its denominator),
    its numerator, and the rest (``n`` minus the numerator). When one indicator's universe
    is another's numerator (crime victims; then "filed a complaint" among crime victims),
    the follow-up's ``n`` *is* the first one's numerator, cell by cell: hiding it in one
    row and publishing it in the other hides nothing.

    Parameters
    ----------
    keys : iterable of (n, numerator, rest) fingerprints
        One triple per indicator, in indicator order.

    Returns
    -------
    list of list of (indicator, role)
        One list per count that two or more indicators publish; ``role`` is
        :data:`N_ROLE` (the count is the row's ``n``) or :data:`VALUE_ROLE` (numerator or
        rest). Indicators sharing only their ``n`` are left out: their ``n`` grids are
        equal, so primary and complementary suppression already treat them alike.

    Examples
    --------
    >>> victim = np.array([1, 1, 0, 0, 1], bool)
    >>> everyone = np.ones(5, bool)
    >>> filed = np.array([1, 0, 0, 0, 0], bool)
    >>> shared_counts([count_keys(everyone, victim), count_keys(victim, filed),
    ...                count_keys(everyone, everyone & ~victim)])
    [[(0, 1), (1, 0), (2, 1)], [(0, 1), (2, 1)]]
    """
    members: dict[bytes, list[tuple[int, int]]] = {}
    for i, triple in enumerate(keys):
        for k, role in zip(triple, (N_ROLE, VALUE_ROLE, VALUE_ROLE), strict=True):
            if k is not None:
                members.setdefault(k, []).append((i, role))
    return [m for m in members.values()
            if len({i for i, _ in m}) > 1 and any(r == VALUE_ROLE for _, r in m)]


def suppression_reasons(n: np.ndarray, *, min_n: int, blocks: list[tuple[int, int]],
                        complementary: bool = True,
                        shared: Sequence[Sequence[tuple[int, int]]] = ()) -> np.ndarray:
    """Why each estimate is hidden, as positions in :data:`REASONS` (0 = published).

    Two things can be hidden in a row: its ``n``, and its value (numerator, rest,
    percentage, interval). A hidden ``n`` hides the value too (the interval gives ``n``
    away).

    1. ``n`` is hidden by :func:`suppression_mask` (``small_n``, then ``complementary``).
    2. A count published by several indicators (``shared``, :func:`shared_counts`) and
       hidden in one row is hidden in every row that publishes it, cell by cell: where it
       is a row's ``n``, that row hides its ``n`` (``linked``; even with no respondents,
       whose 0 would give the count away); where it is a row's numerator or rest, that
       row hides its value and keeps ``n`` (``linked_value``).
    3. Complementary suppression runs again on ``n`` and on the values (a value hidden
       so that a ``linked_value`` cannot be worked out is ``complementary_value``), and
       2-3 repeat until nothing changes.

    Parameters
    ----------
    n : ndarray of int, shape (indicators, 1 + areas, columns)
    min_n, blocks, complementary
        As for :func:`suppression_mask`.
    shared : sequence of sequence of (indicator, role)
        Counts published by several indicators (:func:`shared_counts`).

    Returns
    -------
    ndarray of int8
        Same shape as ``n``, positions in :data:`REASONS`.

    Examples
    --------
    Two indicators, city and three areas; the second's ``n`` (23, 10, 3, 10) is the first's
    numerator. The 3 is small and the 10 beside it is hidden so that the city's 23 does
    not give it away; the first indicator hides its numerator in both areas (keeping its
    ``n``, 20).

    >>> n = np.array([[[60], [20], [20], [20]], [[23], [10], [3], [10]]])
    >>> shared = [[(0, VALUE_ROLE), (1, N_ROLE)]]
    >>> reasons = suppression_reasons(n, min_n=10, blocks=[], shared=shared)[:, :, 0]
    >>> [[REASONS[r] for r in row] for row in reasons.tolist()]
    [['', 'linked_value', 'linked_value', ''], ['', 'complementary', 'small_n', '']]
    """
    n = np.asarray(n, dtype=np.int64)
    small = (n > 0) & (n < min_n)
    small |= empty_in_small(n, min_n=min_n)
    # the people in a cell are counted by every indicator: hide the same cells everywhere
    people = n.max(axis=0, keepdims=True)
    shared_hidden = suppression_mask(people, min_n=min_n, blocks=blocks,
                                     complementary=complementary,
                                     initial=empty_in_small(people, min_n=min_n))
    n_hidden = suppression_mask(n, min_n=min_n, blocks=blocks, complementary=complementary,
                                initial=small | (np.broadcast_to(shared_hidden, n.shape)
                                                 if complementary else False))
    v_hidden = n_hidden.copy()
    forced_n = np.zeros_like(n_hidden)
    forced_v = np.zeros_like(n_hidden)
    counts = [(np.array([i for i, _ in m]), np.array([r == N_ROLE for _, r in m]))
              for m in shared]
    while counts:
        nf, vf = n_hidden.copy(), v_hidden.copy()
        for ind, is_n in counts:
            h = np.where(is_n[:, None, None], n_hidden[ind], v_hidden[ind]).any(axis=0)
            nf[ind[is_n]] |= h
            vf[ind] |= h
        nf |= vf & (n == 0)  # a row without respondents publishes its 0 as n
        if (nf == n_hidden).all() and (vf == v_hidden).all():
            break
        forced_n |= nf & ~n_hidden
        forced_v |= vf & ~v_hidden
        n_hidden = suppression_mask(n, min_n=min_n, blocks=blocks, complementary=complementary,
                                    initial=nf)
        v_hidden = suppression_mask(n, min_n=min_n, blocks=blocks, complementary=complementary,
                                    initial=vf | n_hidden)
    reason = np.zeros(n.shape, dtype=np.int8)
    reason[v_hidden] = REASONS.index("complementary_value")
    reason[v_hidden & forced_v] = REASONS.index("linked_value")
    reason[n_hidden] = REASONS.index("complementary")
    reason[n_hidden & forced_n] = REASONS.index("linked")
    reason[small] = REASONS.index("small_n")
    return reason


def _text_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``column`` as text (as ``astype(str)``), by codes: ``(codes, texts)`` with
    ``texts[codes]`` the values; ``texts`` ends with NaN, the text of a missing value
    (code ``len(texts) - 1``). Each distinct value is converted once.

    Examples
    --------
    >>> codes, texts = _text_codes(pd.Series(["ok", None, "ok"], dtype=object))
    >>> codes.tolist(), texts.tolist()
    ([0, 1, 0], ['ok', nan])
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    texts = np.array([*pd.Series(uniques, dtype=object).astype(str).tolist(), np.nan],
                     dtype=object)
    return np.where(codes < 0, len(texts) - 1, codes), texts


def _code_of(texts: np.ndarray, text: str) -> int:
    """The code of ``text`` in the ``texts`` of :func:`_text_codes` (-2: absent)."""
    hit = [k for k, t in enumerate(texts.tolist()) if t == text]
    return hit[0] if hit else -2


def published(estimates: pd.DataFrame, *, min_n: int = 10) -> pd.DataFrame:
    """The estimates as they may be published: the one rule every writer and map follows.

    For a hidden estimate (``status == "suppressed"``) the value is NA (numerator,
    ``p``, interval, ``deff``, ``n_eff``, ``ci_method``), and so is ``n`` unless the row
    only hides its value: a cell's ``n`` is itself a count (of crime victims, when the
    universe is crime victims) and the ``n`` of a line add up like the numerators. An
    estimate without respondents keeps ``n == 0`` and nothing else. The column
    ``suppression`` (appended when absent) says why a row is hidden (``""`` when it is
    not):

    * ``small_n``: ``0 < n < min_n``; ``n`` hidden;
    * ``complementary``: hidden, ``n`` too, so that a small one cannot be worked out from
      the totals;
    * ``linked``: its ``n`` is a count another row hides (the follow-up of a hidden
      numerator); ``n`` hidden;
    * ``linked_value``: its numerator (or the rest) is a count another row hides (the
      ``n`` of a small follow-up); ``n`` published;
    * ``complementary_value``: value hidden so that a ``linked_value`` cannot be worked
      out from the totals; ``n`` published.

    Tables from :func:`~geo4mi.indicators.estimate.estimate` already follow the rule;
    older or hand-made tables without ``suppression`` get it here, the only place where
    ``min_n`` is compared with ``n`` after estimation: a suppressed row is ``small_n``
    when ``n < min_n`` and ``complementary`` otherwise, and an ``ok`` row with
    ``0 < n < min_n`` becomes ``suppressed``.

    Parameters
    ----------
    estimates : DataFrame
        The *estimates* table (``status``, ``n`` and the value columns).
    min_n : int, default 10
        Used only for a table without a ``suppression`` column.

    Returns
    -------
    DataFrame
        A copy, columns in the same order (``suppression`` last when added).

    Examples
    --------
    >>> est = pd.DataFrame({"n": pd.array([40, 4, 25, 0], dtype="Int64"),
    ...                     "p": [0.5, 0.25, 0.4, None],
    ...                     "status": ["ok", "suppressed", "suppressed", "no_data"]})
    >>> out = published(est)
    >>> out["n"].tolist(), out["suppression"].tolist()
    ([40, <NA>, <NA>, 0], ['', 'small_n', 'complementary', ''])
    >>> est["suppression"] = ["", "small_n", "linked_value", ""]
    >>> published(est)["n"].tolist()
    [40, <NA>, 25, 0]
    """
    out = estimates.copy(deep=False)  # copy-on-write: only the columns set below are new
    s_code, s_text = _text_codes(out["status"])
    hidden = s_code == _code_of(s_text, "suppressed")
    empty = s_code == _code_of(s_text, "no_data")
    if "suppression" not in out.columns:
        n = pd.to_numeric(out["n"], errors="coerce").to_numpy(dtype="float64",
                                                              na_value=np.nan)
        low = (n > 0) & (n < min_n)
        status = np.where((s_code == _code_of(s_text, "ok")) & low, "suppressed",
                          s_text[s_code])
        hidden = status == "suppressed"
        reason = np.where(~hidden, "", np.where(low, "small_n", "complementary"))
        out["status"] = pd.array(status, dtype="str")
        out["suppression"] = pd.array(reason.astype(object), dtype="str")
        n_hidden = np.isin(reason, N_HIDDEN)
    else:
        r_code, r_text = _text_codes(out["suppression"])
        bad = sorted(set(r_text[:-1].tolist()
                         + ([r_text[-1]] if (r_code == len(r_text) - 1).any() else []))
                     - set(REASONS))
        if bad:
            raise ValueError(f"estimates: column 'suppression': unknown reason {bad[0]!r}; "
                             f"use one of {', '.join(map(repr, REASONS))}")
        blank = r_code == _code_of(r_text, "")
        # a hidden row without a reason is "complementary"; a shown row has none
        changed = (hidden & blank) | (~hidden & ~blank)
        if changed.any() or out["suppression"].dtype != pd.api.types.pandas_dtype("str"):
            reason = np.where(hidden, np.where(blank, "complementary",
                                               r_text[r_code]), "")
            out["suppression"] = pd.array(reason.astype(object), dtype="str")
        n_hidden = hidden & np.isin(r_code, [_code_of(r_text, r) for r in N_HIDDEN])
        n_hidden |= hidden & blank & ("complementary" in N_HIDDEN)
    for column in HIDDEN_COLUMNS:
        if column not in out.columns:
            continue
        mask = n_hidden if column == "n" else hidden | (empty & (column in EMPTY_COLUMNS))
        if mask.any():
            col = out[column]
            if isinstance(col.dtype, pd.api.extensions.ExtensionDtype):
                if not col.notna().to_numpy()[mask].any():
                    continue  # already NA wherever the rule hides it: kept as it is
            elif col.dtype != object:
                col = col.astype("Float64" if col.dtype.kind == "f" else "Int64")
            out[column] = col.mask(pd.Series(mask, index=out.index))
    return out


__all__ = ["EMPTY_COLUMNS", "HIDDEN_COLUMNS", "N_HIDDEN", "N_ROLE", "REASONS", "VALUE_ROLE",
           "count_keys", "empty_in_small", "published", "shared_counts",
           "suppression_mask", "suppression_reasons"]
