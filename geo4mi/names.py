"""Area-name matching: typed names, accents, prefixes, abbreviations, typos.

Survey exports carry area names as people type them ("Itzapalapa", "Alvaro Obregon",
"Del. Cuauhtémoc", "GAM"). :class:`AreaNameMatcher` maps them to the ``area_id`` of the
boundaries in three steps, and says which step matched:

1. ``exact`` — the normalised name (no accents, case, punctuation or administrative
   prefix such as "Alcaldía", "Delegación", "Del.") equals a normalised official name, or
   the value is the area id itself ("09015", "015", "15");
2. ``alias`` — a known variant given by the study (``[boundaries] aliases`` in the study
   file): official abbreviations (GAM), short forms used in practice ("Magdalena
   Contreras") and spellings seen in real data ("Itzapalapa"). The library knows no
   city's variants;
3. ``fuzzy`` — the closest name by :class:`difflib.SequenceMatcher` ratio, accepted only when
   it is at least ``cutoff`` and clearly ahead of the runner-up; each fuzzy match is reported
   in ``note``. Ties or near-ties are refused as ``ambiguous``.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> areas = gpd.GeoDataFrame({"area_id": ["09007", "09015"],
...                           "area_name": ["Iztapalapa", "Cuauhtémoc"]},
...                          geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
>>> m = AreaNameMatcher(areas, aliases={"Itzapalapa": "Iztapalapa"})
>>> m.match("Alcaldía CUAUHTEMOC")
NameMatch(area_id='09015', method='exact', note='', closest=())
>>> m.match("Itzapalapa").method
'alias'

The administrative prefixes stripped before comparing (:data:`PREFIXES`) are a fixed,
generic list of words that precede an area's name in Spanish-speaking administrations
(alcaldía, delegación, demarcación territorial, municipio, and their abbreviations). They
only widen what matches and never appear in an output, so they stay in the library.
"""

from __future__ import annotations

import difflib
import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo4mi.errors import AreaNameError

log = logging.getLogger(__name__)

#: Administrative words stripped from the start of a name before matching (normalised).
PREFIXES = ("alcaldia", "delegacion", "del", "demarcacion territorial", "demarcacion",
            "municipio", "mpio", "dt")
_PREFIXES = re.compile(r"^(?:" + "|".join(PREFIXES) + r")\s+")


def normalize_name(name: object) -> str:
    """Lower-case, strip accents, punctuation, underscores and administrative prefixes.

    Examples
    --------
    >>> normalize_name("  Del. Álvaro  Obregón ")
    'alvaro obregon'
    >>> normalize_name("gustavo_a_madero")
    'gustavo a madero'
    >>> normalize_name("Alcaldía Gustavo A. Madero")
    'gustavo a madero'
    """
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[\W_]+", " ", text).strip()
    previous = None
    while previous != text:
        previous, text = text, _PREFIXES.sub("", text)
    return text


@dataclass(frozen=True)
class NameMatch:
    """The result of matching one name."""

    area_id: str | None
    method: str  # exact | alias | fuzzy | unmatched | ambiguous | missing
    note: str = ""
    #: Up to three nearest area names (unmatched and ambiguous names).
    closest: tuple[str, ...] = ()


class AreaNameMatcher:
    """Match typed borough names to ``area_id`` values of an *areas* GeoDataFrame.

    Parameters
    ----------
    areas : GeoDataFrame or DataFrame
        Must have ``area_id`` and ``area_name``.
    aliases : mapping, optional
        ``{variant: official name}`` (the study's ``[boundaries] aliases``); both sides are
        compared normalised. Aliases whose official name is not among ``areas`` are left
        out with a warning.
    cutoff : float, default 0.8
        Minimum similarity (0..1) for a fuzzy match.
    margin : float, default 0.08
        How far the best fuzzy candidate must be ahead of the runner-up.
    """

    def __init__(self, areas: pd.DataFrame, *, aliases: Mapping[str, str] | None = None,
                 cutoff: float = 0.8, margin: float = 0.08) -> None:
        self.cutoff = cutoff
        self.margin = margin
        self._names = dict(zip(areas["area_id"].astype(str), areas["area_name"].astype(str),
                               strict=True))
        self._lookup: dict[str, tuple[str, str]] = {}
        for area_id, name in self._names.items():
            self._lookup[normalize_name(name)] = (area_id, "exact")
            self._lookup[normalize_name(area_id)] = (area_id, "exact")
            digits = area_id.lstrip("0")
            if area_id.isdigit() and len(area_id) == 5:  # INEGI CVEGEO: state + municipality
                self._lookup.setdefault(area_id[2:], (area_id, "exact"))
                self._lookup.setdefault(area_id[2:].lstrip("0"), (area_id, "exact"))
            elif digits:
                self._lookup.setdefault(digits, (area_id, "exact"))
        by_norm = {normalize_name(n): i for i, n in self._names.items()}
        for variant, official in (aliases or {}).items():
            area_id = by_norm.get(normalize_name(official))
            if area_id is None:
                log.warning("alias %r: official name %r is not an area name of the boundaries; "
                            "alias left out", variant, official)
                continue
            self._lookup.setdefault(normalize_name(variant), (area_id, "alias"))
        self._candidates = sorted(self._lookup)
        self._counts: np.ndarray | None = None  # character counts, for _bounds
        self._alphabet: dict[str, int] = {}
        self._lengths = np.zeros(0, dtype=np.int64)

    def name_of(self, area_id: str) -> str:
        """The official name of ``area_id``."""
        return self._names[area_id]

    def match(self, name: object) -> NameMatch:
        """Match one name; raise :class:`AreaNameError` when it cannot be matched safely.

        Examples
        --------
        >>> import pandas as pd
        >>> m = AreaNameMatcher(pd.DataFrame({"area_id": ["1", "2"],
        ...                                   "area_name": ["Coyoacán", "Cuauhtémoc"]}))
        >>> m.match("Coyoacan").area_id
        '1'
        >>> m.match("Narnia")
        Traceback (most recent call last):
        ...
        geo4mi.errors.AreaNameError: borough name 'Narnia' matches no area; ...
        """
        result = self.lookup(name)
        if result.area_id is None:
            raise AreaNameError(result.note)
        return result

    def lookup(self, name: object) -> NameMatch:
        """Match one name without raising; unmatched results carry the reason in ``note``."""
        if name is None or (not isinstance(name, str) and pd.isna(name)) or not str(name).strip():
            return NameMatch(None, "missing", "no borough name given")
        key = normalize_name(name)
        if key in self._lookup:
            area_id, method = self._lookup[key]
            note = "" if method == "exact" else (
                f"{name!r} read as {self._names[area_id]!r} (known variant)")
            return NameMatch(area_id, method, note)
        scored = self._ranked(key)
        best_score, best = scored[0]
        best_id = self._lookup[best][0]
        runner = next(((s, c) for s, c in scored[1:] if self._lookup[c][0] != best_id), (0.0, ""))
        closest = tuple(dict.fromkeys(self._names[self._lookup[c][0]] for _, c in scored))[:3]
        suggestions = ", ".join(map(repr, closest))
        if best_score >= self.cutoff and best_score - runner[0] >= self.margin:
            note = (f"{name!r} fuzzy-matched to {self._names[best_id]!r} "
                    f"(similarity {best_score:.2f}); check it")
            log.info(note)
            return NameMatch(best_id, "fuzzy", note)
        if best_score >= self.cutoff:
            return NameMatch(None, "ambiguous",
                             f"borough name {name!r} is ambiguous between "
                             f"{self._names[best_id]!r} and "
                             f"{self._names[self._lookup[runner[1]][0]]!r}; "
                             "correct it in the export", closest)
        return NameMatch(None, "unmatched",
                         f"borough name {name!r} matches no area; closest: {suggestions}; "
                         "correct it in the export or add an alias", closest)

    def _ranked(self, key: str) -> list[tuple[float, str]]:
        """The candidates by descending ``(ratio, candidate)``, as far as :meth:`lookup`
        reads them: the best, the first of another area and three distinct names.

        Exactly the head of the fully sorted list, without scoring every candidate: each
        candidate's ratio is bounded by :meth:`difflib.SequenceMatcher.quick_ratio` (shared
        characters, computed for all candidates at once), candidates are scored in
        descending bound, and scoring stops once no unscored bound can reach the head.
        """
        bound = self._bounds(key)
        order = sorted(zip(bound.tolist(), self._candidates, strict=True), reverse=True)
        scored: list[tuple[float, str]] = []
        done = 0
        while done < len(order):
            batch, done = order[done:done + 32], done + 32
            scored.extend((difflib.SequenceMatcher(None, key, c).ratio(), c) for _, c in batch)
            scored.sort(reverse=True)
            end = self._head(scored)
            if end and (done >= len(order) or order[done] < scored[end - 1]):
                return scored[:end]
        return scored

    def _head(self, scored: list[tuple[float, str]]) -> int:
        """Length of the head of ``scored`` that :meth:`lookup` reads (0: not there yet)."""
        best_id = self._lookup[scored[0][1]][0]
        runner = next((j for j, (_, c) in enumerate(scored) if self._lookup[c][0] != best_id),
                      None)
        names: set[str] = set()
        third = None
        for j, (_, c) in enumerate(scored):
            names.add(self._names[self._lookup[c][0]])
            if len(names) == 3:
                third = j
                break
        if runner is None or third is None:
            return 0
        return max(runner, third) + 1

    def _bounds(self, key: str) -> np.ndarray:
        """:meth:`difflib.SequenceMatcher.quick_ratio` of ``key`` with every candidate."""
        if self._counts is None:
            alphabet = sorted({ch for c in self._candidates for ch in c})
            self._alphabet = {ch: i for i, ch in enumerate(alphabet)}
            counts = np.zeros((len(self._candidates), len(alphabet)), dtype=np.int32)
            for i, c in enumerate(self._candidates):
                for ch in c:
                    counts[i, self._alphabet[ch]] += 1
            self._counts = counts
            self._lengths = np.array([len(c) for c in self._candidates], dtype=np.int64)
        mine = np.zeros(self._counts.shape[1], dtype=np.int32)
        for ch in key:
            if ch in self._alphabet:
                mine[self._alphabet[ch]] += 1
        shared = np.minimum(self._counts, mine).sum(axis=1)
        length = self._lengths + len(key)
        with np.errstate(invalid="ignore", divide="ignore"):  # as difflib: 1.0 when both empty
            return np.where(length > 0, 2.0 * shared / length, 1.0)

    def match_many(self, values: pd.Series) -> pd.DataFrame:
        """Match a column of names; returns ``area_id, method, note`` aligned to ``values``.

        Each distinct value is matched once.

        Examples
        --------
        >>> m = AreaNameMatcher(pd.DataFrame({"area_id": ["09005"],
        ...                                   "area_name": ["Gustavo A. Madero"]}),
        ...                     aliases={"GAM": "Gustavo A. Madero"})
        >>> m.match_many(pd.Series(["GAM", "Gustavo A Madero", None]))["method"].tolist()
        ['alias', 'exact', 'missing']
        """
        keys = values.astype(object).where(values.notna(), None).to_numpy()
        codes, uniques = pd.factorize(keys, use_na_sentinel=True)  # each distinct name once
        found = [self.lookup(v) for v in [*uniques, None]]  # code -1 (missing): the last

        def per_row(field: str) -> list[Any]:
            return np.array([getattr(m, field) for m in found], dtype=object)[codes].tolist()

        return pd.DataFrame({
            "area_id": pd.array(per_row("area_id"), dtype="string"),
            "method": per_row("method"),
            "note": per_row("note"),
        }, index=values.index)
