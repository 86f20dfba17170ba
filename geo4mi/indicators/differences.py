"""Tested differences: each area against the rest of the city, each group against the others.

:func:`differences` reads the *published* estimates table (hidden values stay hidden: a
comparison needs both of its cells published) and returns one row per comparison:

``versus == "rest"``
    an area's cell (overall or one group value) against the same cell of the rest of the
    city, i.e. the city-wide cell minus this area's. Respondents not placed in any area
    count in the rest.
``versus == "others"``
    one value of a grouping variable within one area (or city-wide) against the other
    respondents of that area, i.e. the area's ``"all"`` cell minus this group's (those
    with another value *or no answer* to the grouping question).

The interval of the difference ``p - p_other`` is Newcombe's (1998) hybrid score interval
("method 10"): it combines the two Wilson score intervals,
``diff - sqrt((p - l)^2 + (u_o - p_o)^2)`` to ``diff + sqrt((u - p)^2 + (p_o - l_o)^2)``.
Its p-value is the two-sided two-proportion z test with the pooled proportion under the
null (the score test); a difference is ``significant`` when the adjusted p-value is below
``alpha`` *and* the interval excludes 0 (the two nearly always agree).

**Multiplicity.** The p-values are adjusted within each *family*: all comparisons of one
indicator and one ``versus`` kind (every area and group value of that indicator, as a map
of the indicator shows them), by Holm's step-down method (``method="holm"``, the default:
the chance of any false flag on the indicator's map is at most ``alpha``) or by
Benjamini–Hochberg (``method="bh"``: the expected share of false flags among the flags is
at most ``alpha``, for independent or positively dependent tests).

**Survey design.** When the estimates carry a design (``n_eff`` below ``n``: clusters or
weights, see :mod:`geo4mi.indicators.design`), the Wilson pieces and the z test use the
effective sample sizes: the published ``n_eff`` of the cell, and for the other side its
count times the effective-to-actual ratio ``n_eff / n`` of the cell it is taken from (the
city's cell for ``"rest"``, the area's ``"all"`` cell for ``"others"``). The two sides are
treated as independent, which they are not exactly when clusters (e.g. enumerators) span
both. With weights, ``p_other`` is worked out from the published proportions weighted by
the respondent counts (``(n_c p_c - n p) / (n_c - n)``), an approximation of the weighted
proportion of the rest; without weights it is exact (the counts).

Examples
--------
>>> import pandas as pd
>>> est = pd.DataFrame({
...     "indicator": "feel_safe", "area_id": ["_city", "09002", "09007"],
...     "group_var": "all", "group_value": "all",
...     "numerator": [120, 30, 60], "n": [300, 100, 150],
...     "p": [0.4, 0.3, 0.4], "status": "ok"})
>>> d = differences(est)
>>> d[["area_id", "versus", "p", "p_other", "significant", "direction"]]
... # doctest: +NORMALIZE_WHITESPACE
  area_id versus    p  p_other  significant direction
0   09002   rest  0.3     0.45         True     lower
1   09007   rest  0.4     0.40        False
>>> d[["diff", "diff_low", "diff_high"]].round(4).iloc[0].tolist()
[-0.15, -0.2566, -0.0328]
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo4mi.errors import SurveyDataError
from geo4mi.indicators.design import design_of_estimates
from geo4mi.indicators.estimate import CITY, wilson_interval
from geo4mi.indicators.suppression import published

log = logging.getLogger(__name__)

#: Columns of the table :func:`differences` returns, in order.
COLUMNS = ("indicator", "area_id", "group_var", "group_value", "versus", "p", "p_other",
           "diff", "diff_low", "diff_high", "p_value", "p_adjusted", "significant",
           "direction")
#: Multiplicity corrections :func:`differences` knows.
METHODS = ("holm", "bh")
#: Human names of the corrections, for notes and captions.
METHOD_NAMES = {"holm": "Holm", "bh": "Benjamini–Hochberg"}
_REQUIRED = ("indicator", "area_id", "group_var", "group_value", "numerator", "n", "p",
             "status")
_KEY = ["indicator", "area_id", "group_var", "group_value"]


# -- statistics -------------------------------------------------------------------------

def _norm_sf(z: np.ndarray) -> np.ndarray:
    """Upper tail of the standard normal (vectorised, no scipy import needed)."""
    from scipy.special import ndtr
    return ndtr(-z)


def z_value(alpha: float) -> float:
    """The two-sided normal quantile for level ``alpha``.

    >>> round(z_value(0.05), 4)
    1.96
    """
    from scipy.special import ndtri
    return float(ndtri(1.0 - alpha / 2.0))


def newcombe_interval(p1: Any, n1: Any, p2: Any, n2: Any, *, z: float = 1.959963984540054
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval (method 10) for ``p1 - p2`` (vectorised).

    ``n1``, ``n2`` may be effective sample sizes (floats); the Wilson pieces use
    ``p * n`` successes out of ``n``.

    Examples
    --------
    Newcombe (1998), table II, example (a): 56/70 against 48/80.

    >>> low, high = newcombe_interval(56 / 70, 70, 48 / 80, 80)
    >>> round(float(low), 4), round(float(high), 4)
    (0.0524, 0.3339)
    """
    p1, n1, p2, n2 = (np.asarray(x, dtype="float64") for x in (p1, n1, p2, n2))
    l1, u1 = wilson_interval(np.clip(p1 * n1, 0, n1), n1, z=z)
    l2, u2 = wilson_interval(np.clip(p2 * n2, 0, n2), n2, z=z)
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


def two_proportion_p_value(p1: Any, n1: Any, p2: Any, n2: Any) -> np.ndarray:
    """Two-sided p-value of the pooled two-proportion z (score) test (vectorised).

    1 where both proportions are 0 or both are 1 (no variance, no difference).

    Examples
    --------
    >>> round(float(two_proportion_p_value(0.3, 100, 0.45, 200)), 4)
    0.0124
    """
    p1, n1, p2, n2 = (np.asarray(x, dtype="float64") for x in (p1, n1, p2, n2))
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(p1 - p2) / se
    return np.where(se > 0, np.minimum(1.0, 2.0 * _norm_sf(z)), 1.0)


def adjust_p_values(p_values: Any, method: str = "holm") -> np.ndarray:
    """Holm (step-down, family-wise) or Benjamini–Hochberg (false discovery rate) adjusted
    p-values of one family.

    Examples
    --------
    >>> adjust_p_values([0.01, 0.04, 0.03], "holm").round(3).tolist()
    [0.03, 0.06, 0.06]
    >>> adjust_p_values([0.01, 0.04, 0.03], "bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p_values, dtype="float64")
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if method == "holm":
        adj = np.maximum.accumulate((m - np.arange(m)) * ranked)
    elif method == "bh":
        adj = np.minimum.accumulate((m / np.arange(1, m + 1) * ranked)[::-1])[::-1]
    else:
        raise SurveyDataError(f"method {method!r} is unknown; use one of "
                              f"{', '.join(map(repr, METHODS))}")
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out


# -- the comparisons --------------------------------------------------------------------

def _numbers(table: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(table[column], errors="coerce").to_numpy(dtype="float64",
                                                                  na_value=np.nan)


def differences(estimates: pd.DataFrame, *, alpha: float = 0.05,
                method: str = "holm") -> pd.DataFrame:
    """Test each area against the rest of the city and each group against the others.

    Parameters
    ----------
    estimates : DataFrame
        The estimates table (:func:`~geo4mi.indicators.estimate.estimate`, or as
        published): ``indicator, area_id, group_var, group_value, numerator, n, p,
        status`` and, from a survey design, ``n_eff``. The city-wide rows have
        ``area_id == "_city"``. Only cells with ``status == "ok"`` and a published
        numerator, ``n`` and ``p`` are compared (the table goes through
        :func:`~geo4mi.indicators.suppression.published` first): where one side is
        hidden, there is no comparison, and no row.
    alpha : float, default 0.05
        Level of the tests; the intervals are ``100 (1 - alpha) %`` intervals.
    method : {"holm", "bh"}, default "holm"
        Multiplicity correction within each family (one indicator, one ``versus`` kind):
        Holm's step-down family-wise correction or Benjamini–Hochberg's false discovery
        rate.

    Returns
    -------
    DataFrame
        One row per comparison, columns :data:`COLUMNS`: the cell compared (``indicator,
        area_id, group_var, group_value``), ``versus`` (``"rest"``: the rest of the city;
        ``"others"``: the rest of the area, i.e. its ``"all"`` cell minus this group), its
        proportion ``p`` and the other side's ``p_other``, ``diff = p - p_other`` with
        Newcombe's hybrid score interval ``diff_low, diff_high`` (Wilson pieces on the
        effective sample sizes when the table has ``n_eff``), the two-sided ``p_value`` of
        the pooled two-proportion z test (on the same sample sizes), ``p_adjusted`` within
        the family, ``significant`` (``p_adjusted < alpha`` and the interval excludes 0)
        and ``direction`` (``"higher"``, ``"lower"`` or ``""`` when not significant).
        Rows: indicators in table order, ``"rest"`` before ``"others"``, then the cells in
        table order. A comparison whose other side has no respondents (an area holding
        all of the city's, a group holding all of the area's) has no row.

    Raises
    ------
    SurveyDataError
        A required column is missing, ``alpha`` is not between 0 and 1, ``method`` is
        unknown, or an area's cell counts more than the city's (the table is not one
        estimate run).

    Examples
    --------
    A group against the others in its area: men 40 of 60, the area's other 40
    respondents 10 of 40.

    >>> import pandas as pd
    >>> est = pd.DataFrame({
    ...     "indicator": "worried", "area_id": "_city",
    ...     "group_var": ["all", "gender"], "group_value": ["all", "man"],
    ...     "numerator": [50, 40], "n": [100, 60], "p": [0.5, 40 / 60], "status": "ok"})
    >>> row = differences(est, method="bh").iloc[0]
    >>> row.versus, round(float(row.p_other), 2), row.direction, bool(row.p_value < 0.001)
    ('others', 0.25, 'higher', True)
    """
    if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) \
            or not 0.0 < float(alpha) < 1.0:
        raise SurveyDataError(f"alpha must be a number between 0 and 1, got {alpha!r}; "
                              "use e.g. alpha=0.05")
    if method not in METHODS:
        raise SurveyDataError(f"method {method!r} is unknown; use one of "
                              f"{', '.join(map(repr, METHODS))}")
    missing = [c for c in _REQUIRED if c not in estimates.columns]
    if missing:
        raise SurveyDataError(f"estimates: column {missing[0]!r} is missing; pass the table "
                              "from geo4mi.indicators.estimate.estimate (columns "
                              f"{', '.join(_REQUIRED)})")
    table = published(estimates).reset_index(drop=True)
    weighted = design_of_estimates(table).weighted
    k, n, p = (_numbers(table, c) for c in ("numerator", "n", "p"))
    n_eff = _numbers(table, "n_eff") if "n_eff" in table.columns else n.copy()
    n_eff = np.where(np.isnan(n_eff), n, n_eff)
    ok = ((table["status"].astype(str) == "ok").to_numpy() & ~np.isnan(k) & ~np.isnan(n)
          & ~np.isnan(p) & (n > 0))
    # the cells as integer codes (each distinct label read once), one code per cell
    labels = [pd.factorize(table[c].astype(str), use_na_sentinel=False) for c in _KEY]
    dims = tuple(max(len(u), 1) for _, u in labels)
    code = np.ravel_multi_index(tuple(c for c, _ in labels), dims) if len(table) else \
        np.zeros(0, np.int64)
    dup = pd.Index(code).duplicated()
    if dup.any():
        r = int(np.argmax(dup))
        cell = [str(u[c[r]]) for c, u in labels]
        raise SurveyDataError(f"estimates: duplicate row for indicator {cell[0]!r}, area "
                              f"{cell[1]!r}, group {cell[2]}={cell[3]!r}; each indicator × area "
                              "× group appears once")
    rows_ok = np.flatnonzero(ok)  # only a published cell is compared, or compared with
    row_of = pd.Index(code[rows_ok])

    def label_code(level: int, text: str) -> int:
        found = np.flatnonzero(np.asarray(labels[level][1], dtype=object) == text)
        return int(found[0]) if found.size else -1

    def parent_rows(*levels: np.ndarray) -> np.ndarray:
        """The row of the cell with these codes per level; -1 where it is not ``ok``."""
        at = row_of.get_indexer(np.ravel_multi_index(levels, dims))
        return np.where(at >= 0, rows_ok[np.maximum(at, 0)], -1).astype(np.int64)

    ind_c, area_c, gvar_c, gval_c = (c for c, _ in labels)
    city, everyone = label_code(1, CITY), (label_code(2, "all"), label_code(3, "all"))
    rest_parent = np.full(len(table), -1, np.int64)
    others_parent = np.full(len(table), -1, np.int64)
    sel = rows_ok[area_c[rows_ok] != city]
    if city >= 0:
        rest_parent[sel] = parent_rows(ind_c[sel], np.full(len(sel), city), gvar_c[sel],
                                       gval_c[sel])
    sel = rows_ok[gvar_c[rows_ok] != everyone[0]]
    if min(everyone) >= 0:
        others_parent[sel] = parent_rows(ind_c[sel], area_c[sel],
                                         np.full(len(sel), everyone[0]),
                                         np.full(len(sel), everyone[1]))

    z = z_value(float(alpha))
    pieces = []
    for versus, parent in (("rest", rest_parent), ("others", others_parent)):
        has = ok & (parent >= 0)
        has[has] &= ok[parent[has]]
        rows = np.flatnonzero(has)
        par = parent[rows]
        n_o = n[par] - n[rows]
        k_o = k[par] - k[rows]
        bad = (n_o < 0) | (k_o < 0) | (k_o > n_o)
        if bad.any():
            r = rows[int(np.argmax(bad))]
            cell = [str(u[c[r]]) for c, u in labels]
            raise SurveyDataError(
                f"estimates: indicator {cell[0]!r}, area {cell[1]!r}, group "
                f"{cell[2]}={cell[3]!r} counts {int(k[r])} of {int(n[r])}, more "
                f"than the {int(k[par[np.argmax(bad)]])} of {int(n[par[np.argmax(bad)]])} of "
                "the cell it is part of; pass the table of one estimate run")
        keep = n_o > 0
        rows, par, n_o, k_o = rows[keep], par[keep], n_o[keep], k_o[keep]
        if weighted:
            p_o = np.clip((n[par] * p[par] - n[rows] * p[rows]) / n_o, 0.0, 1.0)
        else:
            p_o = k_o / n_o
        ne = n_eff[rows]
        ne_o = n_o * n_eff[par] / n[par]
        low, high = newcombe_interval(p[rows], ne, p_o, ne_o, z=z)
        pieces.append(pd.DataFrame({
            "_row": rows, "_versus": 0 if versus == "rest" else 1,
            "versus": versus, "p": p[rows], "p_other": p_o, "diff": p[rows] - p_o,
            "diff_low": low, "diff_high": high,
            "p_value": two_proportion_p_value(p[rows], ne, p_o, ne_o)}))
    out = pd.concat(pieces, ignore_index=True)
    out["_ind_pos"] = ind_c[out["_row"].to_numpy()]  # codes: order of first appearance
    out = out.sort_values(["_ind_pos", "_versus", "_row"], kind="stable",
                          ignore_index=True)
    adjusted = np.empty(len(out))
    for _, idx in out.groupby(["_ind_pos", "_versus"], sort=True).indices.items():
        adjusted[idx] = adjust_p_values(out["p_value"].to_numpy()[idx], method)
    out["p_adjusted"] = adjusted
    out["significant"] = ((adjusted < alpha) & ((out["diff_low"] > 0)
                                                | (out["diff_high"] < 0))).to_numpy()
    out["direction"] = np.where(out["significant"],
                                np.where(out["diff"] > 0, "higher", "lower"), "")
    cells = table[_KEY].iloc[out["_row"].to_numpy()].astype(str).reset_index(drop=True)
    result = pd.concat([cells, out.drop(columns=["_row", "_versus", "_ind_pos"])],
                       axis=1)[list(COLUMNS)]
    for col in ("indicator", "area_id", "group_var", "group_value", "versus", "direction"):
        result[col] = result[col].astype(object)
    result["significant"] = result["significant"].astype(bool)
    log.info("differences: %d comparisons, %d significant (%s, alpha %g)", len(result),
             int(result["significant"].sum()), METHOD_NAMES[method], alpha)
    return result


def correction_name(method: str) -> str:
    """The human name of a correction (``"Holm"``, ``"Benjamini–Hochberg"``).

    Examples
    --------
    >>> correction_name("bh")
    'Benjamini–Hochberg'
    """
    if method not in METHOD_NAMES:
        raise SurveyDataError(f"method {method!r} is unknown; use one of "
                              f"{', '.join(map(repr, METHODS))}")
    return METHOD_NAMES[method]


def differences_table(estimates: pd.DataFrame, *, lang: str, synthetic: bool,
                      alpha: float = 0.05, method: str = "holm",
                      tested: pd.DataFrame | None = None) -> pd.DataFrame:
    """The published comparisons: :func:`differences` plus ``method`` (how each row was
    computed) and ``data_note`` (the synthetic-data note, or empty).

    ``tested``: ``differences(estimates, alpha=alpha, method=method)`` already computed
    (e.g. for the map's flags), used instead of testing again; it is not changed.

    ``method`` reads e.g. ``"newcombe_wilson; z_pooled; holm per indicator"``, with
    ``newcombe_wilson_neff`` when the Wilson pieces use effective sample sizes.

    Examples
    --------
    >>> import pandas as pd
    >>> est = pd.DataFrame({"indicator": "x", "area_id": ["_city", "01"],
    ...     "group_var": "all", "group_value": "all", "numerator": [50, 10],
    ...     "n": [100, 40], "p": [0.5, 0.25], "status": "ok"})
    >>> differences_table(est, lang="en", synthetic=False)["method"].iloc[0]
    'newcombe_wilson; z_pooled; holm per indicator'
    """
    from geo4mi.i18n import t

    table = (differences(estimates, alpha=alpha, method=method) if tested is None
             else tested.copy())
    effective = "n_eff" in estimates.columns and bool(
        (_numbers(estimates, "n_eff") < _numbers(estimates, "n")).any())
    table["method"] = (f"newcombe_wilson{'_neff' if effective else ''}; z_pooled; "
                       f"{method} per indicator")
    table["data_note"] = t("table.synthetic_note", lang) if synthetic else ""
    return table


def write_differences_csv(estimates: pd.DataFrame, path: str | os.PathLike[str], *,
                          lang: str, synthetic: bool, alpha: float = 0.05,
                          method: str = "holm", tested: pd.DataFrame | None = None) -> Path:
    """Write :func:`differences_table` as UTF-8 CSV (with BOM), atomically; proportions
    and p-values with 6 significant digits. The same inputs give identical bytes.
    ``tested`` as in :func:`differences_table`."""
    from geo4mi.io import write_csv

    table = differences_table(estimates, lang=lang, synthetic=synthetic, alpha=alpha,
                              method=method, tested=tested)
    write_csv(table, path, bom=True, float_format="%.6g")
    log.info("wrote %s (%d comparisons)", path, len(table))
    return Path(path)


__all__ = ["COLUMNS", "METHODS", "adjust_p_values", "correction_name", "differences",
           "differences_table", "newcombe_interval", "two_proportion_p_value",
           "write_differences_csv"]
