"""The intruder's exact integer ranges, by mixed-integer programming (slow; small tables).

Interval propagation (:func:`geo4mi.indicators.audit.propagate`) is fast and sound but can
leave a range wider than the relations allow. :func:`refine` solves, for each variable
asked for, ``min x_v`` and ``max x_v`` over the integer points of the same system with
:func:`scipy.optimize.milp` (HiGHS), starting from the propagated bounds, and narrows
them. Two programs per variable: about 0.05 s each on a table of a few thousand cells, so
this is for small tables and tests (``audit(..., exact=True)``); on random test surveys it
pins about one more numerator in 250 than propagation does.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp


def refine(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, lo: np.ndarray,
           hi: np.ndarray, variables: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer-exact ``lo``, ``hi`` of ``variables`` under ``A x <= 0`` (copies).

    Examples
    --------
    x + y = 3 with y <= 1 and x <= 2: propagation cannot move x >= 0 at first pass, the
    integer program gives x = 2.

    >>> r = np.repeat([0, 1], 3); c = np.tile([0, 1, 2], 2)
    >>> v = np.array([1., 1, -1, -1, -1, 1])
    >>> lo, hi = refine(r, c, v, np.array([0., 0, 3]), np.array([2., 1, 3]), np.array([0]))
    >>> lo[0], hi[0]
    (np.float64(2.0), np.float64(2.0))
    """
    lo, hi = lo.copy(), hi.copy()
    nv = lo.size
    A = sp.csr_matrix((np.asarray(vals, dtype=float), (rows, cols)),
                      shape=(int(rows.max(initial=-1)) + 1, nv))
    cons = LinearConstraint(A, -np.inf, 0)
    for v in np.asarray(variables).tolist():
        if lo[v] == hi[v]:
            continue
        c = np.zeros(nv)
        c[v] = 1.0
        for sign in (1.0, -1.0):
            res = milp(sign * c, constraints=cons, bounds=Bounds(lo, hi),
                       integrality=np.ones(nv))
            if res.status == 0:
                value = round(sign * res.fun)
                if sign > 0:
                    lo[v] = max(lo[v], value)
                else:
                    hi[v] = min(hi[v], value)
    return lo, hi


__all__ = ["refine"]
