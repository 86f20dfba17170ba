"""Re-identification risk of the survey microdata, measured as sdcMicro does.

Respondents are refugees and migrants; geo4mi never writes their rows. Still, the analyst
holding the export should know how exposed each person is: someone who is the only woman of
"other" nationality in a borough can be recognised from any table that shows that cell. This
module measures that risk on the *quasi-identifiers* (the attributes an intruder could know
about a person: area, gender, nationality, age group...), following sdcMicro's
``freqCalc``/``indivRisk``/``measure_risk`` (Templ, Kowarik and Meindl 2015):

- ``fk``: for each respondent, how many respondents share their combination of
  quasi-identifiers. A missing value matches any value (sdcMicro's rule), so a respondent
  with a missing gender counts with every gender of their other keys.
- k-anonymity: a respondent violates k-anonymity when ``fk < k`` (reported for k = 2, 3, 5).
- individual risk ``rk``: the probability of a correct re-identification. Without weights the
  sample is its own population and ``rk = 1 / fk``. With sampling weights, ``Fk`` (the
  weighted count) estimates the population frequency and ``rk`` follows the
  Benedetti–Franconi negative-binomial model in sdcMicro's "approx" form.
- global risk: ``sum(rk) / n``, the expected share of respondents re-identified. The OCHA
  Centre for Humanitarian Data's rule for sharing microdata is a global risk below 3 %.

This is a report on data the analyst already holds, not a release: the result carries counts
and percentages only, never rows.

Examples
--------
>>> import pandas as pd
>>> people = pd.DataFrame({"area": ["a", "a", "a", "b"], "gender": ["f", "f", "m", "f"]})
>>> risk = microdata_risk(people, ["area", "gender"])
>>> risk.n, risk.violating[2], round(risk.global_risk, 3), risk.passes
(4, 2, 0.75, False)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo4mi.errors import StudyError

log = logging.getLogger(__name__)

#: The OCHA Centre for Humanitarian Data's threshold: share microdata only below 3 % risk.
GLOBAL_RISK_THRESHOLD = 0.03
#: The k of the k-anonymity counts reported.
K_LEVELS = (2, 3, 5)


@dataclass(frozen=True)
class RiskSummary:
    """Re-identification risk of a set of respondents on some quasi-identifiers.

    Attributes
    ----------
    keys : tuple of str
        The quasi-identifiers.
    n : int
        Respondents measured.
    violating : dict of int to int
        For each k of :data:`K_LEVELS`, respondents with ``fk < k``.
    expected_reidentifications : float
        ``sum(rk)``.
    global_risk : float
        ``sum(rk) / n`` (0 when n is 0).
    threshold : float
        The global-risk threshold the data are judged against.
    high_risk : int
        Respondents whose individual risk is 0.5 or more (unique or in a pair).
    """

    keys: tuple[str, ...]
    n: int
    violating: Mapping[int, int] = field(default_factory=dict)
    expected_reidentifications: float = 0.0
    global_risk: float = 0.0
    threshold: float = GLOBAL_RISK_THRESHOLD
    high_risk: int = 0

    @property
    def passes(self) -> bool:
        """True when the global risk is below the threshold."""
        return self.global_risk < self.threshold


def _codes(frame: pd.DataFrame, keys: Sequence[str]) -> np.ndarray:
    """Integer codes per key column (-1 for missing), one column per key."""
    out = np.empty((len(frame), len(keys)), dtype=np.int64)
    for j, key in enumerate(keys):
        values = frame[key].astype("string")
        codes, _ = pd.factorize(values, sort=True, use_na_sentinel=True)
        out[:, j] = codes
    return out


def _row_keys(codes: np.ndarray) -> np.ndarray:
    """One int64 per row, equal exactly when the rows of ``codes`` (non-negative) are."""
    key = np.zeros(len(codes), dtype=np.int64)
    size = 1
    for j in range(codes.shape[1]):
        card = int(codes[:, j].max()) + 1 if len(codes) else 1
        if size * card >= 2**62:  # compact what is combined so far before it overflows
            _, key = np.unique(key, return_inverse=True)
            key = key.reshape(-1).astype(np.int64)
            size = int(key.max()) + 1
        key = key * card + codes[:, j]
        size *= card
    return key


def key_frequencies(frame: pd.DataFrame, keys: Sequence[str],
                    weights: pd.Series | np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Sample frequency ``fk`` and weighted frequency ``Fk`` of each row's key combination.

    A missing value in a key matches every value of that key (sdcMicro's ``freqCalc``).

    Rows are grouped by which keys they miss (at most ``2 ** len(keys)`` patterns, a few in
    practice): two rows match when they agree on the keys both know, so for each pair of
    patterns the rows of one are counted by their values on those keys and looked up by the
    rows of the other. The cost is linear in the rows for each pair of patterns, not
    quadratic in the rows with a missing key.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent.
    keys : sequence of str
        Quasi-identifier columns.
    weights : array-like, optional
        Sampling weights; without them ``Fk == fk``.

    Returns
    -------
    fk : ndarray of int
    Fk : ndarray of float

    Examples
    --------
    >>> df = pd.DataFrame({"a": ["x", "x", None, "y"], "b": ["p", "q", "p", "p"]})
    >>> fk, Fk = key_frequencies(df, ["a", "b"])
    >>> fk.tolist(), Fk.tolist()
    ([2, 1, 3, 2], [2.0, 1.0, 3.0, 2.0])
    """
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise StudyError(f"quasi-identifier {missing[0]!r} is not a column of the respondents; "
                         "name questions or derived variables of the study in "
                         "[disclosure] quasi_identifiers")
    n = len(frame)
    w = (np.ones(n) if weights is None
         else np.asarray(pd.to_numeric(pd.Series(weights), errors="coerce"), dtype=float))
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    codes = _codes(frame, keys)
    known = codes >= 0
    # Missingness pattern of each row, as a bit mask of the keys it knows.
    bits = (known.astype(np.int64) << np.arange(codes.shape[1], dtype=np.int64)).sum(axis=1)
    patterns, pattern_of = np.unique(bits, return_inverse=True)
    pattern_of = pattern_of.reshape(-1)
    rows_of = [np.flatnonzero(pattern_of == i) for i in range(len(patterns))]
    fk = np.zeros(n, dtype=np.int64)
    Fk = np.zeros(n)
    for target, t_rows in zip(patterns, rows_of, strict=True):
        for source, s_rows in zip(patterns, rows_of, strict=True):
            shared = [j for j in range(codes.shape[1]) if (target & source) >> j & 1]
            if not shared:  # nothing known on both sides: every source row matches
                fk[t_rows] += len(s_rows)
                Fk[t_rows] += w[s_rows].sum()
                continue
            both = _row_keys(np.concatenate([codes[s_rows][:, shared],
                                             codes[t_rows][:, shared]]))
            uniq, inverse = np.unique(both, return_inverse=True)
            inverse = inverse.reshape(-1)
            s_inv, t_inv = inverse[:len(s_rows)], inverse[len(s_rows):]
            fk[t_rows] += np.bincount(s_inv, minlength=len(uniq))[t_inv]
            Fk[t_rows] += np.bincount(s_inv, weights=w[s_rows], minlength=len(uniq))[t_inv]
    return fk, Fk


def individual_risk(fk: np.ndarray, Fk: np.ndarray) -> np.ndarray:
    """Individual re-identification risk from sample and population frequencies.

    ``1 / fk`` where the sample is the population (``Fk == fk``); otherwise
    sdcMicro's "approx" negative-binomial formulas with ``p = fk / Fk``:
    ``p/(1-p)·log(1/p)`` for ``fk = 1``, ``p/(1-p) − (p/(1-p))²·log(1/p)`` for ``fk = 2``,
    ``p/(fk − (1−p))`` above.

    Examples
    --------
    >>> individual_risk(np.array([1, 2, 4]), np.array([1.0, 2.0, 4.0])).tolist()
    [1.0, 0.5, 0.25]
    >>> round(float(individual_risk(np.array([1]), np.array([10.0]))[0]), 4)
    0.2558
    """
    fk = np.asarray(fk, dtype=float)
    Fk = np.asarray(Fk, dtype=float)
    rk = np.zeros(fk.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(Fk > 0, fk / Fk, 1.0)
        p = np.clip(p, 0.0, 1.0)
        odds = p / (1 - p)
        log_inv = np.log(1 / p)
        one = odds * log_inv
        two = odds - odds ** 2 * log_inv
        more = p / (fk - (1 - p))
    rk = np.where(fk == 1, one, np.where(fk == 2, two, more))
    population = (p >= 1.0) | np.isclose(fk, Fk)
    rk = np.where(population, 1.0 / np.maximum(fk, 1), rk)
    rk = np.where(fk <= 0, 0.0, rk)
    return rk


def microdata_risk(frame: pd.DataFrame, keys: Sequence[str], *,
                   weights: pd.Series | np.ndarray | None = None,
                   threshold: float = GLOBAL_RISK_THRESHOLD) -> RiskSummary:
    """k-anonymity and sdcMicro's individual and global risk on ``keys``.

    Parameters
    ----------
    frame : DataFrame
        The respondents analysed (one row each).
    keys : sequence of str
        Quasi-identifier columns (area, gender, nationality group, age group...).
    weights : array-like, optional
        Sampling weights (sdcMicro's ``w``).
    threshold : float, default 0.03
        Global-risk threshold (the OCHA Centre for Humanitarian Data's 3 %).

    Returns
    -------
    RiskSummary

    Examples
    --------
    >>> df = pd.DataFrame({"area": ["a"] * 5 + ["b"] * 5, "g": ["f"] * 10})
    >>> r = microdata_risk(df, ["area", "g"])
    >>> r.violating, r.global_risk, r.passes
    ({2: 0, 3: 0, 5: 0}, 0.2, False)
    """
    keys = tuple(keys)
    if not keys:
        raise StudyError("no quasi-identifiers to measure disclosure risk on; name at least one "
                         "in [disclosure] quasi_identifiers")
    fk, Fk = key_frequencies(frame, keys, weights)
    rk = individual_risk(fk, Fk)
    n = len(frame)
    total = float(rk.sum())
    return RiskSummary(
        keys=keys, n=n, violating={k: int((fk < k).sum()) for k in K_LEVELS},
        expected_reidentifications=total, global_risk=total / n if n else 0.0,
        threshold=threshold, high_risk=int((rk >= 0.5).sum()))


def risk_lines(summary: RiskSummary) -> list[str]:
    """Plain-language lines for the check report and the log.

    Examples
    --------
    >>> df = pd.DataFrame({"area": ["a", "a", "b"], "g": ["f", "f", "m"]})
    >>> for line in risk_lines(microdata_risk(df, ["area", "g"])):
    ...     print(line)
    quasi-identifiers: area, g (3 respondents)
    k-anonymity: respondents with fk < 2 (unique): 1; fk < 3: 3; fk < 5: 3
    global re-identification risk 66.7 % (2.0 expected re-identifications): above the 3 % threshold
    """
    v = summary.violating
    verdict = "below" if summary.passes else "above"
    return [
        f"quasi-identifiers: {', '.join(summary.keys)} ({summary.n} respondents)",
        f"k-anonymity: respondents with fk < 2 (unique): {v.get(2, 0)}; fk < 3: {v.get(3, 0)}; "
        f"fk < 5: {v.get(5, 0)}",
        f"global re-identification risk {100 * summary.global_risk:.1f} % "
        f"({summary.expected_reidentifications:.1f} expected re-identifications): "
        f"{verdict} the {100 * summary.threshold:g} % threshold",
    ]
