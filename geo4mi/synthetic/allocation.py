"""Exact-count allocation: the drawing machinery of the synthetic sample.

Every answer is allocated with *exact counts*: within each stratum (usually the nationality
group) exactly ``round(p × n_stratum)`` respondents get an answer, chosen in a weighted random
order (keys ``Exp(1) / w``). Weights can favour some respondents (more perceived
discrimination in Cuauhtémoc, say) without moving any total. :class:`Answers` holds what has
been drawn so far as integer codes, one array per question, so everything is vectorised.
:mod:`geo4mi.synthetic.targets` uses it to draw the report's figures.

Examples
--------
>>> quota(np.array([0.5, 0.3, 0.2]), 7).tolist()
[4, 2, 1]
>>> s = Answers(10, np.random.default_rng(0))
>>> yes = s.yes("feel_safe", 0.7)
>>> int(yes.sum()), s.choices["feel_safe"]
(7, ('yes', 'no'))
>>> int(s.yes("complaint_filed", 0.5, universe=yes).sum()), int(s.asked("complaint_filed").sum())
(4, 7)
"""

from __future__ import annotations

import numpy as np


def quota(probs: np.ndarray, m: int) -> np.ndarray:
    """Largest-remainder counts summing to ``m`` for probabilities ``probs``."""
    probs = np.asarray(probs, dtype=float)
    probs = probs / probs.sum()
    raw = probs * m
    counts = np.floor(raw + 1e-9).astype(np.int64)
    short = m - int(counts.sum())
    if short > 0:
        order = np.argsort(-(raw - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


class Answers:
    """Answers drawn so far, as integer codes (-1 = not asked) per question."""

    def __init__(self, n: int, rng: np.random.Generator) -> None:
        self.n = n
        self.rng = rng
        self.codes: dict[str, np.ndarray] = {}
        self.choices: dict[str, tuple[str, ...]] = {}
        self.flags: dict[str, dict[str, np.ndarray]] = {}
        self.all = np.ones(n, dtype=bool)

    # lookups
    def eq(self, name: str, *values: str) -> np.ndarray:
        idx = [self.choices[name].index(v) for v in values]
        return np.isin(self.codes[name], idx)

    def asked(self, name: str) -> np.ndarray:
        return self.codes[name] >= 0

    # allocation
    def _take(self, idx: np.ndarray, k: int, weight: np.ndarray | None) -> np.ndarray:
        """``k`` of ``idx`` in weighted random order (weights 0 are taken last)."""
        if k <= 0:
            return idx[:0]
        if k >= len(idx):
            return idx
        key = self.rng.exponential(size=len(idx))
        if weight is not None:
            with np.errstate(divide="ignore"):
                key = key / weight[idx]
        return idx[np.argpartition(key, k - 1)[:k]]

    def _strata(self, universe: np.ndarray, by: np.ndarray | None,
                dist: dict) -> list[tuple[dict[str, float], np.ndarray]]:
        if by is None or not all(isinstance(d, dict) for d in dist.values()):
            return [(dist, np.flatnonzero(universe))]
        return [(d, np.flatnonzero(universe & (by == s))) for s, d in dist.items()]

    def one(self, name: str, dist: dict, *, universe: np.ndarray | None = None,
            by: np.ndarray | None = None, weights: dict[str, np.ndarray] | None = None,
            ) -> np.ndarray:
        """A select_one question: exact counts per stratum, choices taken in dict order.

        ``dist`` is ``{choice: p}``, or ``{stratum: {choice: p}}`` with ``by`` holding each
        respondent's stratum (an integer array).
        """
        universe = self.all if universe is None else universe
        weights = weights or {}
        strata = self._strata(universe, by, dist)
        choices = tuple(dict.fromkeys(c for d, _ in strata for c in d))
        codes = np.full(self.n, -1, dtype=np.int8)
        for d, idx in strata:
            counts = quota(np.array(list(d.values())), len(idx))
            left = idx
            for choice, k in zip(d, counts, strict=True):
                took = self._take(left, int(k), weights.get(choice))
                codes[took] = choices.index(choice)
                left = left[codes[left] < 0]
        self.codes[name], self.choices[name] = codes, choices
        return codes

    def yes(self, name: str, p: float | dict, *, universe: np.ndarray | None = None,
            by: np.ndarray | None = None, weight: np.ndarray | None = None,
            labels: tuple[str, str] = ("yes", "no")) -> np.ndarray:
        """A yes/no question with exactly ``round(p × n)`` yes per stratum."""
        dist = ({s: {labels[0]: q, labels[1]: 1 - q} for s, q in p.items()}
                if isinstance(p, dict) else {labels[0]: p, labels[1]: 1 - p})
        self.one(name, dist, universe=universe, by=by,
                 weights=None if weight is None else {labels[0]: weight})
        return self.eq(name, labels[0])

    def flag(self, p: float | dict, universe: np.ndarray, *, by: np.ndarray | None = None,
             weight: np.ndarray | None = None) -> np.ndarray:
        """Boolean array with exactly ``round(p × n_stratum)`` True in each stratum."""
        dist: dict = ({s: {"t": q, "f": 1 - q} for s, q in p.items()} if isinstance(p, dict)
                      else {"t": p, "f": 1 - p})
        out = np.zeros(self.n, dtype=bool)
        for d, idx in self._strata(universe, by, dist):
            k = int(np.floor(d["t"] * len(idx) + 0.5))
            out[self._take(idx, k, weight)] = True
        return out

    def many(self, name: str, probs: dict, *, universe: np.ndarray | None = None,
             by: np.ndarray | None = None, weights: dict[str, np.ndarray] | None = None,
             fallback: str, exclusive: tuple[str, float | dict] | None = None) -> None:
        """A select_multiple question: each choice its own exact-count flag.

        Respondents left without any choice get ``fallback``; ``exclusive=(choice, p)`` is
        allocated first and excludes every other choice (e.g. "none").
        """
        universe = self.all if universe is None else universe
        weights = weights or {}
        flags: dict[str, np.ndarray] = {}
        rest = universe
        if exclusive is not None:
            flags[exclusive[0]] = self.flag(exclusive[1], universe, by=by,
                                            weight=weights.get(exclusive[0]))
            rest = universe & ~flags[exclusive[0]]
        for choice, p in probs.items():
            flags[choice] = self.flag(p, rest, by=by, weight=weights.get(choice))
        chosen = np.zeros(self.n, dtype=bool)
        for f in flags.values():
            chosen |= f
        flags[fallback] = flags.get(fallback, np.zeros(self.n, dtype=bool)) | (rest & ~chosen)
        self.flags[name] = flags
        self.codes[name] = np.where(universe, 0, -1).astype(np.int8)
        self.choices[name] = ()
