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

import numpy as np


def suppression_mask(n: np.ndarray, *, min_n: int, blocks: list[tuple[int, int]],
                     complementary: bool = True) -> np.ndarray:
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

    Returns
    -------
    ndarray of bool
        Same shape as ``n``; True = suppressed. Cells with ``n == 0`` are never True.

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


__all__ = ["suppression_mask"]
