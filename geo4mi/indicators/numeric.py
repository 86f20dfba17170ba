"""Means, medians and ratios of number questions per area and group, with 95 % intervals.

The catalogue's number statistics (:func:`~geo4mi.indicators.catalogue.add_numeric`: a mean
and a median per ``integer``/``decimal`` question, and the study's declared ratios) are
estimated on the same grid as the proportions (city-wide and per area × ``"all"`` and
each group value) and go through the same suppression (:mod:`geo4mi.indicators.
suppression`): ``n``, the number of valid answers, is a count of respondents like any other.

**Which answers count.** A respondent's answer is *valid* when it is a number, is not one
of the study's ``[indicators] missing_codes`` (``-99`` "don't know", ``999`` "refused")
and lies in the range of the form's constraint (``. >= 18 and . <= 100``). Everything else
is excluded from ``n`` and counted, per statistic, by reason (:data:`EXCLUSIONS`:
``missing`` — not asked or not answered, including cells ``read_export`` could not read as
a number, which ``geo4mi check`` lists as ``bad_number``; ``code``; ``out_of_range``): see
:func:`numeric_exclusions`, which ``geo4mi check`` reports. A ratio needs both answers.

**Without design keys** (simple random sample):

* mean: the sample mean; interval ``mean ± t(n-1) s / sqrt(n)`` (Student's t; what
  statsmodels' ``DescrStatsW(y).tconfint_mean()`` gives);
* median: the sample median (mean of the two middle answers when ``n`` is even);
  distribution-free interval from order statistics: ``[y(j), y(n+1-j)]`` with ``j`` the
  largest rank such that ``P(B <= j-1) <= 2.5 %``, ``B ~ Binomial(n, 1/2)`` (coverage at
  least 95 %);
* ratio ``sum(y) / sum(x)``: Taylor-linearised variance
  ``n / (n-1) * sum((y - R x)^2) / sum(x)^2`` and a t(n-1) interval.

**With ``[survey] weight``, ``cluster``, ``strata``** (the linearisation of
:mod:`geo4mi.indicators.design`, :class:`~geo4mi.indicators.design.Level`): the mean is the
ratio ``sum(w y) / sum(w)`` and the ratio ``sum(w y) / sum(w x)``; their variance is the
same domain, with-replacement, bias-reduced linearised variance as a proportion's, the
interval ``± t(df) SE`` with the design's degrees of freedom. The median is the weighted
median (the smallest answer whose weighted cumulative share reaches 1/2, R ``survey``'s
``qrule = "math"``) with Woodruff's interval: the linearised standard error of the
estimated distribution function at the median, ``p = 1/2 ± t(df) SE``, read back through
the weighted quantile function. As for proportions, the interval is never narrower than the
simple-random-sample one (the variance is at least the SRS variance), and a cell whose own
variance cannot be estimated (one cluster) borrows the statistic's city-wide design effect.
``deff`` is the design variance over the SRS variance; ``n_eff = n / max(deff, 1)``.

**Never a single respondent's value.** A minimum or maximum is never published. An
interval bound that would be the smallest or the largest answer of its cell (the
order-statistic interval of fewer than 9 answers, or a Woodruff bound beyond the answers)
is left empty (NA), unless another respondent of the cell gave the same value. A median of
a published cell (``n >= min_n``) is published.

Examples
--------
>>> import pandas as pd
>>> from geo4mi.indicators.catalogue import Indicator
>>> ind = Indicator("age_mean", "profile", {"es": "Edad", "en": "Age"}, "neutral",
...                 question="age", stat="mean", missing_codes=(-99.0,))
>>> df = pd.DataFrame({"age": pd.array([20, 30, -99, None, 40], dtype="Int64")})
>>> numeric_exclusions(df, [ind])[["indicator", "reason", "count"]].values.tolist()
[['age_mean', 'missing', 1], ['age_mean', 'code', 1]]
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from geo4mi.errors import SurveyDataError
from geo4mi.indicators.suppression import count_keys

log = logging.getLogger(__name__)

#: Why an answer is left out of a numeric statistic (position 0: it counts).
EXCLUSIONS = ("", "missing", "code", "out_of_range")
#: ``ci_method`` of each statistic without / with a survey design.
METHODS = {"mean": ("t", "t_design"), "ratio": ("t", "t_design"),
           "median": ("order_statistic", "woodruff")}
_Q = 0.975  # two-sided 95 %


# -- valid answers ----------------------------------------------------------------------

def _reasons(respondents: pd.DataFrame, question: str, codes: Sequence[float],
             bounds: tuple[float | None, float | None], who: str
             ) -> tuple[np.ndarray, np.ndarray]:
    """Float values and exclusion reasons (positions in :data:`EXCLUSIONS`) of a column."""
    if question not in respondents.columns:
        raise SurveyDataError(f"indicator {who!r}: question {question!r} is not in the "
                              "respondents; check the export has this number question")
    raw = respondents[question]
    if raw.dtype == bool or str(raw.dtype) == "boolean":
        raise SurveyDataError(f"indicator {who!r}: question {question!r} holds yes/no values, "
                              "not numbers; name a number question")
    if pd.api.types.is_numeric_dtype(raw.dtype):  # read_export's Int64 / Float64 columns
        values = raw.to_numpy(dtype="float64", na_value=np.nan)
    else:
        values = pd.to_numeric(raw.astype("object"), errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan)
    text = raw.notna().to_numpy() & np.isnan(values)
    if text.any():
        shown = raw[text].iloc[0]
        raise SurveyDataError(f"indicator {who!r}: question {question!r} holds {shown!r}, not "
                              "a number; read the export with geo4mi.survey.exports."
                              "read_export, which sets such cells to missing and lists them")
    reason = np.zeros(len(values), dtype=np.int8)
    reason[np.isnan(values)] = 1
    known = reason == 0
    if codes:
        is_code = known & np.isin(values, np.asarray(codes, dtype="float64"))
        reason[is_code] = 2
        known &= ~is_code
    low, high = bounds
    outside = known & (((values < low) if low is not None else False)
                       | ((values > high) if high is not None else False))
    reason[outside] = 3
    return values, reason


def numeric_values(respondents: pd.DataFrame, ind: Any
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(y, x, reason)`` of a numeric statistic: values, denominators (1 for a mean or
    median) and each respondent's exclusion reason (0: the answer counts).

    Examples
    --------
    >>> from geo4mi.indicators.catalogue import Indicator
    >>> ind = Indicator("r", "t", {"es": "r", "en": "r"}, "neutral", question="a",
    ...                 stat="ratio", denominator="b", valid_range=(0, None))
    >>> y, x, why = numeric_values(pd.DataFrame({"a": [1.0, -2, 3], "b": [2.0, 2, None]}), ind)
    >>> why.tolist()
    [0, 3, 1]
    """
    y, reason = _reasons(respondents, ind.question, ind.missing_codes, ind.valid_range, ind.id)
    if ind.stat == "ratio":
        x, rx = _reasons(respondents, ind.denominator, ind.missing_codes,
                         ind.denominator_range, ind.id)
        reason = np.where(reason > 0, reason, rx).astype(np.int8)
    else:
        x = np.ones(len(y))
    return y, x, reason


def numeric_exclusions(respondents: pd.DataFrame, indicators: Sequence[Any]) -> pd.DataFrame:
    """How many answers each numeric statistic leaves out, by reason.

    Returns
    -------
    DataFrame
        ``indicator, question, reason, count`` (reasons of :data:`EXCLUSIONS`; only counts
        above 0), in catalogue order; proportions are skipped.
    """
    rows = []
    for ind in indicators:
        if getattr(ind, "stat", "prop") == "prop":
            continue
        _, _, reason = numeric_values(respondents, ind)
        counts = np.bincount(reason, minlength=len(EXCLUSIONS))
        question = ind.question + (f" / {ind.denominator}" if ind.denominator else "")
        rows += [(ind.id, question, EXCLUSIONS[k], int(counts[k]))
                 for k in range(1, len(EXCLUSIONS)) if counts[k]]
    return pd.DataFrame(rows, columns=["indicator", "question", "reason", "count"])


# -- the grid ----------------------------------------------------------------------------

@dataclass
class Margin:
    """One margin of the estimate grid: each respondent's cell and where cells go.

    ``cell`` holds ``0..n_cells-1`` for every respondent (respondents outside every area
    or without a group value have cells too, which ``out`` drops); ``out[c]`` is the flat
    position ``row * columns + column`` of cell ``c`` in the output grid, or -1.
    """

    cell: np.ndarray
    n_cells: int
    out: np.ndarray
    level: Any = None  # design.Level of this margin when a design is active


@dataclass
class NumericGrid:
    """Per numeric statistic × area × column: counts, values and intervals."""

    n: np.ndarray  # int64 (I, R, C)
    value: np.ndarray
    low: np.ndarray
    high: np.ndarray
    deff: np.ndarray
    n_eff: np.ndarray
    method: np.ndarray  # object: ci_method where n > 0
    #: Per statistic, the fingerprints of the counts it publishes (only ``n``; see
    #: :func:`~geo4mi.indicators.suppression.count_keys`).
    keys: list[tuple[bytes | None, None, None]] | None = None
    #: Sum of the weights of the answers counted in ``n`` (float64 (I, R, C)); the
    #: weights are 1 without a design.
    w_n: np.ndarray | None = None


def _tq(df: np.ndarray) -> np.ndarray:
    """97.5 % Student quantiles of ``max(df, 1)``, computed once per distinct df (a grid
    of many areas holds few distinct df)."""
    from scipy.stats import t as student
    df = np.maximum(np.asarray(df, dtype="float64"), 1.0)
    distinct, where = np.unique(df, return_inverse=True)
    return student.ppf(_Q, distinct)[where].reshape(df.shape)


def order_statistic_rank(n: np.ndarray) -> np.ndarray:
    """Rank ``j`` (1-based) of the distribution-free 95 % interval of a median.

    The largest ``j`` with ``P(B <= j - 1) <= 0.025`` for ``B ~ Binomial(n, 1/2)``, so
    that ``[y(j), y(n + 1 - j)]`` covers the median with probability at least 95 %; 0 when
    no such rank exists (``n <= 5``).

    Examples
    --------
    >>> order_statistic_rank(np.array([5, 6, 10, 30, 100])).tolist()
    [0, 1, 2, 10, 40]
    """
    from scipy.stats import binom
    n = np.asarray(n, dtype=np.int64)
    k = binom.ppf(1 - _Q, n, 0.5)
    k = np.where(binom.cdf(k, n, 0.5) <= 1 - _Q, k, k - 1)
    return np.where(n > 0, k + 1, 0).astype(np.int64)


class _Sorted:
    """A margin's valid answers sorted by cell, then value."""

    def __init__(self, y: np.ndarray, w: np.ndarray, by_value: np.ndarray, m: Margin) -> None:
        # by_value is sorted by value (ties in row order): a stable sort by cell keeps that
        # order within each cell (what np.lexsort((y, cell)) gives, one sort of integers)
        cell = m.cell[by_value]
        self.count = np.bincount(cell, minlength=m.n_cells)
        if m.n_cells <= np.iinfo(np.uint16).max:  # radix sort
            cell = cell.astype(np.uint16)
        self._order = by_value[np.argsort(cell, kind="stable")]
        self.c = np.repeat(np.arange(self.count.size), self.count)  # = m.cell[order]
        self.y = y[self._order]
        self.start = np.cumsum(self.count) - self.count
        self._w = w

    @cached_property
    def frac(self) -> np.ndarray:
        """Each answer's cumulative share of its cell's weight (the weighted quantiles'
        scale; only a design's median reads it)."""
        ws = self._w[self._order]
        cw = np.cumsum(ws)
        before = np.where(self.start > 0, cw[np.maximum(self.start - 1, 0)], 0.0) \
            if cw.size else np.zeros(self.count.size)
        total = np.bincount(self.c, ws, minlength=self.count.size)
        return (cw - before[self.c]) / total[self.c] if cw.size else cw

    @cached_property
    def key(self) -> np.ndarray:
        """Increasing: cell, then cumulative share."""
        return self.c + 0.5 * self.frac

    def at(self, rank: np.ndarray, ok: np.ndarray) -> np.ndarray:
        """Value at 0-based within-cell ``rank`` where ``ok``, NA where it is a lone
        smallest or largest answer."""
        n = self.count
        pos = self.start + np.clip(rank, 0, np.maximum(n - 1, 0))
        pos = np.minimum(pos, max(self.y.size - 1, 0))
        out = np.where(ok & (n > 0), self.y[pos] if self.y.size else np.nan, np.nan)
        first, last = rank <= 0, rank >= n - 1
        nxt = self.y[np.minimum(pos + 1, self.y.size - 1)] if self.y.size else out
        prv = self.y[np.maximum(pos - 1, 0)] if self.y.size else out
        alone = (first & ~((n > 1) & (nxt == out))) | (last & ~((n > 1) & (prv == out)))
        return np.where(alone, np.nan, out)

    def quantile_rank(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Within-cell rank of the weighted quantile ``p`` (first cumulative share >= p),
        and whether it exists (``p <= 1``)."""
        cells = np.arange(self.count.size)
        pos = np.searchsorted(self.key, cells + 0.5 * np.clip(p, 0.0, 1.0) - 1e-12,
                              side="left")
        return pos - self.start, (p <= 1.0 + 1e-12) & (self.count > 0)


def estimate_numeric(respondents: pd.DataFrame, indicators: Sequence[Any],
                     margins: Sequence[Margin], shape: tuple[int, int], *,
                     weights: np.ndarray | None = None,
                     psu_in_stratum: np.ndarray | None = None) -> NumericGrid:
    """Estimate numeric statistics on the grid described by ``margins``.

    ``margins[0]`` must be the city-wide ``"all"`` margin (one cell, output position 0):
    cells whose design effect cannot be estimated borrow its. ``weights`` and
    ``psu_in_stratum`` (and each margin's ``level``) are given when a design is active.
    """
    R, C = shape
    I = len(indicators)
    size = R * C
    out = NumericGrid(n=np.zeros((I, size), np.int64), value=np.full((I, size), np.nan),
                      low=np.full((I, size), np.nan), high=np.full((I, size), np.nan),
                      deff=np.full((I, size), np.nan), n_eff=np.full((I, size), np.nan),
                      method=np.full((I, size), None, dtype=object))
    design = weights is not None
    w = weights if weights is not None else np.ones(len(respondents))
    keys: list[tuple[bytes | None, None, None]] = []
    w_n = np.zeros((I, size))
    for i, ind in enumerate(indicators):
        y, x, reason = numeric_values(respondents, ind)
        valid = reason == 0
        keys.append((count_keys(valid, valid)[0], None, None))  # n: the one count published
        excluded = np.bincount(reason, minlength=len(EXCLUSIONS))[1:]
        if excluded.any():
            log.info("%s: %s left out", ind.id, ", ".join(
                f"{k} {EXCLUSIONS[j + 1]}" for j, k in enumerate(excluded.tolist()) if k))
        y0, x0 = np.where(valid, y, 0.0), np.where(valid, x, 0.0)
        city: tuple[float, float] = (np.nan, np.nan)  # deff, df of the city-wide cell
        method = METHODS[ind.stat][int(design)]
        if ind.stat == "median":  # the valid answers by value, for every margin's sort
            idx = np.flatnonzero(valid)
            by_value = idx[np.argsort(y[idx], kind="stable")]
        w_valid = w[valid] if design else None
        for k, m in enumerate(margins):
            cells = m.cell[valid]
            n = np.bincount(cells, minlength=m.n_cells)
            if ind.stat == "median":
                value, low, high, deff, df = _median(y, w, valid, by_value, m, n, design,
                                                     city, psu_in_stratum)
            else:
                value, low, high, deff, df = _ratio(y0, x0, w, valid, m, n, design, city,
                                                    psu_in_stratum)
            if k == 0:
                city = (float(deff[0]), float(df[0]))
            keep = m.out >= 0
            pos = m.out[keep]
            out.n[i, pos] = n[keep]
            # without a design every weight is 1: the weights' sum is the count
            w_n[i, pos] = (np.bincount(cells, w_valid, minlength=m.n_cells)[keep] if design
                           else n[keep])
            for target, src in ((out.value, value), (out.low, low), (out.high, high),
                                (out.deff, deff)):
                target[i, pos] = src[keep]
            out.n_eff[i, pos] = np.where(n[keep] > 0, n[keep] / np.maximum(
                np.nan_to_num(deff[keep], nan=1.0), 1.0), np.nan)
        out.method[i] = np.where(out.n[i] > 0, method, np.array(None, dtype=object))
    return NumericGrid(n=out.n.reshape(I, R, C), value=out.value.reshape(I, R, C),
                       low=out.low.reshape(I, R, C), high=out.high.reshape(I, R, C),
                       deff=out.deff.reshape(I, R, C), n_eff=out.n_eff.reshape(I, R, C),
                       method=out.method.reshape(I, R, C), keys=keys, w_n=w_n.reshape(I, R, C))


def _borrow(own_var: np.ndarray, own_df: np.ndarray, srs_var: np.ndarray,
            city: tuple[float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Design effect (NaN where not estimable), variance used and df used."""
    with np.errstate(divide="ignore", invalid="ignore"):
        own = (own_var > 0) & (own_df >= 1) & (srs_var > 0)
        deff = np.where(own, own_var / srs_var, np.nan)
    city_deff = city[0] if np.isfinite(city[0]) else 1.0
    city_df = city[1] if np.isfinite(city[1]) else 1.0
    var = np.where(own, own_var, city_deff * srs_var)
    df = np.where(own, own_df, city_df)
    return deff, np.maximum(var, srs_var), df  # never narrower than the SRS interval


def _ratio(y: np.ndarray, x: np.ndarray, w: np.ndarray, valid: np.ndarray, m: Margin,
           n: np.ndarray, design: bool, city: tuple[float, float],
           psu_in_stratum: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """Mean (x = 1) or ratio per cell: value, low, high, deff, df."""
    cell = m.cell
    Y = np.bincount(cell, y, minlength=m.n_cells)
    X = np.bincount(cell, x, minlength=m.n_cells)
    with np.errstate(divide="ignore", invalid="ignore"):
        r_srs = np.where(X != 0, Y / X, np.nan)
        resid = np.where(valid, y - np.nan_to_num(r_srs)[cell] * x, 0.0)
        ss = np.bincount(cell, resid * resid, minlength=m.n_cells)
        srs_var = np.where((n > 1) & (X != 0), n / (n - 1.0) * ss / (X * X), np.nan)
    if not design:
        value, var, df = r_srs, srs_var, n - 1.0
        deff = np.where(n > 0, 1.0, np.nan)
    else:
        a, b = m.level.sums(np.where(valid, w * y, 0.0), np.where(valid, w * x, 0.0))
        wy, wx, own_var, own_df = m.level.variance(a, b, psu_in_stratum)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(wx != 0, wy / wx, np.nan)
        deff, var, df = _borrow(own_var, own_df, np.nan_to_num(srs_var), city)
        var = np.where(n > 1, var, np.nan)
    half = _tq(df) * np.sqrt(var)
    ok = (n > 1) & np.isfinite(half) & np.isfinite(value)
    value = np.where(n > 0, value, np.nan)
    return value, np.where(ok, value - half, np.nan), np.where(ok, value + half, np.nan), \
        deff, df


def _median(y: np.ndarray, w: np.ndarray, valid: np.ndarray, by_value: np.ndarray,
            m: Margin, n: np.ndarray, design: bool, city: tuple[float, float],
            psu_in_stratum: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """Median per cell: value, low, high, deff, df (``by_value``: the rows of ``valid``
    sorted by ``y``, ties in row order)."""
    s = _Sorted(y, w, by_value, m)
    has = n > 0
    if not design:
        lo_mid = s.start + np.maximum(n - 1, 0) // 2
        hi_mid = s.start + n // 2
        if s.y.size:
            lo_mid, hi_mid = (np.minimum(p, s.y.size - 1) for p in (lo_mid, hi_mid))
            value = np.where(has, (s.y[lo_mid] + s.y[hi_mid]) / 2.0, np.nan)
        else:
            value = np.full(n.shape, np.nan)
        j = order_statistic_rank(n)
        ok = j >= 1
        low, high = s.at(j - 1, ok), s.at(n - j, ok)
        return value, low, high, np.where(has, 1.0, np.nan), n - 1.0
    rank, _ = s.quantile_rank(np.full(n.shape, 0.5))
    # the median itself is shared by half the cell's weight: never withheld
    value = np.full(n.shape, np.nan)
    if s.y.size:
        pos = np.minimum(s.start + np.clip(rank, 0, np.maximum(n - 1, 0)), s.y.size - 1)
        # a cumulative share of exactly 1/2: the mean of this answer and the next (with
        # equal weights, the usual median of an even number of answers)
        half = (np.abs(s.frac[pos] - 0.5) < 1e-12) & (rank < n - 1)
        nxt = np.minimum(pos + 1, s.y.size - 1)
        value = np.where(has, np.where(half, (s.y[pos] + s.y[nxt]) / 2.0, s.y[pos]), np.nan)
    below = valid & (y <= np.nan_to_num(value)[m.cell])
    a, b = m.level.sums(np.where(below, w, 0.0), np.where(valid, w, 0.0))
    fy, wsum, own_var, own_df = m.level.variance(a, b, psu_in_stratum)
    with np.errstate(divide="ignore", invalid="ignore"):
        F = np.where(wsum > 0, fy / wsum, np.nan)
        srs_var = np.where(n > 0, F * (1 - F) / n, np.nan)
    deff, var, df = _borrow(own_var, own_df, np.nan_to_num(srs_var), city)
    se = np.sqrt(np.where(has, var, np.nan))
    half = _tq(df) * se
    lo_rank, lo_ok = s.quantile_rank(0.5 - half)
    hi_rank, hi_ok = s.quantile_rank(0.5 + half)
    low = np.where(has & (0.5 - half > 0), s.at(lo_rank, lo_ok), np.nan)
    high = np.where(has, s.at(hi_rank, hi_ok), np.nan)
    return value, low, high, deff, df


__all__ = ["EXCLUSIONS", "METHODS", "Margin", "NumericGrid", "estimate_numeric",
           "numeric_exclusions", "numeric_values", "order_statistic_rank"]
