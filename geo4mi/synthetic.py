"""Synthetic demonstration sample: 4Mi-style respondents calibrated to the published report.

**Everything this module makes is SYNTHETIC DEMONSTRATION DATA** — no real person's answers.
It exists so that geo4mi can be run, tested and benchmarked end to end without sharing any
respondent-level survey data.

:func:`generate_respondents` draws respondents in the canonical *respondents* form of
``docs/design.md``; :func:`to_kobo_export` lays them out as a KoboToolbox CSV export of the
bundled XLSForm; :func:`write_sample` writes ``data/sample_kobo.csv``
(``python -m geo4mi.synthetic`` regenerates it).

How it is calibrated (``docs/synthetic.md`` has the measured table): every answer is
allocated with *exact counts* — within each stratum (usually the nationality group) exactly
``round(p × n_stratum)`` respondents get an answer, chosen in a weighted random order (keys
``Exp(1) / w``). The weights impose the borough pattern of the report (more perceived
discrimination in Cuauhtémoc, fewer housing barriers in Gustavo A. Madero, less feeling of
safety in Iztapalapa) and a few plausible correlations, without moving any total. Questions
whose ``relevant`` condition is false are left unanswered (NA). Everything is vectorised, so
a million respondents take seconds.

Examples
--------
>>> people = generate_respondents(40, seed=1)
>>> len(people), people["borough"].notna().all()
(40, np.True_)
>>> bool(people.loc[people["crime_victim"] == "no", "complaint_filed"].isna().all())
True
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from shapely.ops import nearest_points

from geo4mi.errors import BoundaryError, FormError, InputFileError
from geo4mi.io import atomic_write

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
FORM_PATH = REPO / "data" / "questionnaire.xlsx"
SAMPLE_PATH = REPO / "data" / "sample_kobo.csv"

#: Nationality → nationality group, as the derived variable ``nationality_group``.
NATIONALITY_GROUP: dict[str, str] = {
    "venezuela": "venezuela",
    **{c: "other_south_america" for c in ("colombia", "ecuador", "peru", "argentina", "brazil",
                                          "bolivia")},
    **{c: "central_america" for c in ("honduras", "el_salvador", "guatemala", "nicaragua",
                                      "panama", "costa_rica")},
    "haiti": "caribbean", "cuba": "caribbean", "other": "other",
}
GROUPS = ("venezuela", "other_south_america", "central_america", "caribbean", "other")
_GROUP_SHARE = (0.40, 0.20, 0.32, 0.06, 0.02)
_COUNTRY_SHARE = {
    "venezuela": {"venezuela": 1.0},
    "other_south_america": {"colombia": 0.80, "ecuador": 0.05, "peru": 0.05, "argentina": 0.035,
                            "brazil": 0.035, "bolivia": 0.03},
    "central_america": {"honduras": 0.53, "el_salvador": 0.25, "guatemala": 0.16,
                        "nicaragua": 0.025, "panama": 0.018, "costa_rica": 0.017},
    "caribbean": {"haiti": 0.5, "cuba": 0.5},
    "other": {"other": 1.0},
}

#: Interviews per borough in the bundled sample of 301 (scaled for other sizes): the
#: report's nine boroughs plus Iztacalco; six boroughs have none.
BOROUGH_COUNTS: dict[str, int] = {
    "cuauhtemoc": 96, "gustavo_a_madero": 68, "iztapalapa": 57, "venustiano_carranza": 18,
    "benito_juarez": 15, "miguel_hidalgo": 13, "coyoacan": 12, "alvaro_obregon": 12,
    "azcapotzalco": 6, "iztacalco": 4,
}
#: Borough choice names of the questionnaire and their INEGI names (``area_name``).
BOROUGH_NAMES: dict[str, str] = {
    "azcapotzalco": "Azcapotzalco", "coyoacan": "Coyoacán",
    "cuajimalpa": "Cuajimalpa de Morelos", "gustavo_a_madero": "Gustavo A. Madero",
    "iztacalco": "Iztacalco", "iztapalapa": "Iztapalapa",
    "magdalena_contreras": "La Magdalena Contreras", "milpa_alta": "Milpa Alta",
    "alvaro_obregon": "Álvaro Obregón", "tlahuac": "Tláhuac", "tlalpan": "Tlalpan",
    "xochimilco": "Xochimilco", "benito_juarez": "Benito Juárez", "cuauhtemoc": "Cuauhtémoc",
    "miguel_hidalgo": "Miguel Hidalgo", "venustiano_carranza": "Venustiano Carranza",
}
GPS_SHARE = 0.60
_INNER_BUFFER_M = 15.0   # ordinary points stay this far inside their borough
_NEAR_BORDER_M = 4.0     # the one deliberate near-border point
_WORKING = ("employed", "self_employed", "civil_servant")


# -- the form's layout (names, groups, choice lists) -------------------------------------------

@dataclass(frozen=True)
class _Question:
    name: str
    type: str
    list_name: str
    group: str


def _form_layout(path: str | os.PathLike[str]) -> tuple[list[_Question], dict[str, list[str]]]:
    """Data questions of an XLSForm in order, and its choice lists (names only)."""
    import openpyxl

    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: XLSForm not found; check the path")
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)]
                  for ws in book.worksheets if ws.title in ("survey", "choices")}
    finally:
        book.close()
    for sheet in ("survey", "choices"):
        if not sheets.get(sheet):
            raise FormError(f"{path}: sheet {sheet!r} is missing or empty; an XLSForm needs "
                            "'survey' and 'choices' sheets")

    def records(rows: list[list[Any]]) -> list[dict[str, str]]:
        head = [str(h).strip() if h is not None else "" for h in rows[0]]
        return [{h: ("" if v is None else str(v).strip()) for h, v in zip(head, row) if h}
                for row in rows[1:]]

    lists: dict[str, list[str]] = {}
    for rec in records(sheets["choices"]):
        if rec.get("list_name") and rec.get("name"):
            lists.setdefault(rec["list_name"], []).append(rec["name"])
    questions: list[_Question] = []
    groups: list[str] = []
    for number, rec in enumerate(records(sheets["survey"]), start=2):
        words = rec.get("type", "").replace("_", " ").split()
        if not words:
            continue
        head = " ".join(words[:2]).lower()
        if head in ("begin group", "begin repeat"):
            groups.append(rec.get("name", ""))
        elif head in ("end group", "end repeat"):
            if not groups:
                raise FormError(f"{path}: sheet 'survey', row {number}, column 'type': "
                                f"{rec['type']!r} without a matching begin; fix the groups")
            groups.pop()
        elif words[0] != "note" and rec.get("name"):
            parts = rec["type"].split()
            base = parts[0]
            list_name = parts[1] if base in ("select_one", "select_multiple") and \
                len(parts) > 1 else ""
            if list_name and list_name not in lists:
                raise FormError(f"{path}: sheet 'survey', row {number}, column 'type': choice "
                                f"list {list_name!r} is not in the choices sheet; add it")
            questions.append(_Question(rec["name"], base, list_name,
                                       "/".join(g for g in groups if g)))
    return questions, lists


# -- exact-count allocation ---------------------------------------------------------------------

def _quota(probs: np.ndarray, m: int) -> np.ndarray:
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


class _Sim:
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
            counts = _quota(np.array(list(d.values())), len(idx))
            left = idx
            for choice, k in zip(d, counts):
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


def _w(condition: np.ndarray, factor: float) -> np.ndarray:
    """Weights: ``factor`` where ``condition`` holds, 1 elsewhere."""
    return np.where(condition, factor, 1.0)


# -- the answers --------------------------------------------------------------------------------

def _simulate(n: int, rng: np.random.Generator) -> _Sim:
    s = _Sim(n, rng)
    everyone = s.all

    # Who: nationality group, country, borough; exact counts.
    group = np.repeat(np.arange(len(GROUPS)), _quota(np.array(_GROUP_SHARE), n))
    group = rng.permutation(group)
    s.codes["_group"], s.choices["_group"] = group.astype(np.int8), GROUPS
    g = {name: i for i, name in enumerate(GROUPS)}
    ve, osa, ca = group == g["venezuela"], group == g["other_south_america"], \
        group == g["central_america"]
    s.one("nationality", {g[k]: v for k, v in _COUNTRY_SHARE.items()}, by=group)
    boroughs = rng.permutation(np.repeat(np.arange(len(BOROUGH_COUNTS)),
                                         _quota(np.array(list(BOROUGH_COUNTS.values())), n)))
    s.codes["borough"], s.choices["borough"] = boroughs.astype(np.int8), tuple(BOROUGH_COUNTS)
    cuau, gam, izt = s.eq("borough", "cuauhtemoc"), s.eq("borough", "gustavo_a_madero"), \
        s.eq("borough", "iztapalapa")

    # Profile.
    s.one("gender", {"man": .49, "woman": .50, "other": .01})
    s.one("_age_group", {"18_24": .17, "25_44": .59, "45_59": .19, "60_plus": .05})
    low, high = np.array([18, 25, 45, 60]), np.array([24, 44, 59, 74])
    ag = s.codes["_age_group"]
    age = low[ag] + np.floor(rng.random(n) * (high[ag] - low[ag] + 1)).astype(np.int64)
    s.codes["_age"] = age
    s.one("education", {
        g["venezuela"]: {"tertiary": .48, "primary": .02, "none": 0, "secondary": .50},
        g["other_south_america"]: {"tertiary": .28, "primary": .05, "none": 0, "secondary": .67},
        g["central_america"]: {"tertiary": .11, "primary": .34, "none": .02, "secondary": .53},
        g["caribbean"]: {"tertiary": .30, "primary": .10, "none": .02, "secondary": .58},
        g["other"]: {"tertiary": .45, "primary": .05, "none": 0, "secondary": .50}}, by=group)
    s.one("marital", {"single": .50, "married": .24, "union": .17, "separated": .07,
                      "widowed": .02})
    s.yes("migration_status", {g["venezuela"]: .05, g["other_south_america"]: .08,
                               g["central_america"]: .26, g["caribbean"]: .15, g["other"]: .10},
          by=group, labels=("irregular", "regular"))
    irregular = s.eq("migration_status", "irregular")

    kids = s.yes("hh_children", .33)
    young = s.yes("children_0_5", .55, universe=kids)
    over5 = kids & ~young
    over5 |= s.flag(.30, kids & young)
    s.codes["children_over_5"] = np.where(kids, np.where(over5, 0, 1), -1).astype(np.int8)
    s.choices["children_over_5"] = ("yes", "no")
    # Time in the city; among households with children over 5 the count of new arrivals is
    # kept even so that "not enrolled among new arrivals" can be exactly one half.
    times = {"3_6m": .16, "6_12m": .20, "1_2y": .28, "2_3y": .18, "3_5y": .18}
    m_over5 = int(over5.sum())
    k_new = 2 * int(np.floor(times["3_6m"] * m_over5 / 2 + 0.5))
    over5_times = {"3_6m": k_new / max(m_over5, 1)} | {
        t: p * (1 - k_new / max(m_over5, 1)) / (1 - times["3_6m"])
        for t, p in times.items() if t != "3_6m"}
    s.one("time_in_city", {1: over5_times, 0: times}, by=over5.astype(np.int8))
    new = s.eq("time_in_city", "3_6m")
    size_alone = rng.choice([1, 2, 3, 4], size=n, p=[.35, .35, .20, .10])
    size_kids = rng.choice([2, 3, 4, 5, 6, 7], size=n, p=[.15, .35, .28, .14, .05, .03])
    s.codes["_hh_size"] = np.where(kids, size_kids, size_alone).astype(np.int64)
    disabled = s.yes("disabled_member", .07)
    s.yes("hh_specific_needs", .25, weight=_w(disabled, 50.0) * _w(s.codes["_age"] >= 60, 3.0))
    s.yes("prior_stop", .36)
    s.many("leave_reasons", {
        "economic": {g["venezuela"]: .78, g["other_south_america"]: .45,
                     g["central_america"]: .41, g["caribbean"]: .60, g["other"]: .50},
        "violence": {g["venezuela"]: .55, g["other_south_america"]: .35,
                     g["central_america"]: .71, g["caribbean"]: .40, g["other"]: .40},
        "rights": {g["venezuela"]: .46, g["other_south_america"]: .22,
                   g["central_america"]: .24, g["caribbean"]: .35, g["other"]: .20},
        "services": {g["venezuela"]: .32, g["other_south_america"]: .10,
                     g["central_america"]: .10, g["caribbean"]: .15, g["other"]: .10},
        "personal": {g["venezuela"]: .12, g["other_south_america"]: .20,
                     g["central_america"]: .19, g["caribbean"]: .15, g["other"]: .20},
        "environment": {g["venezuela"]: .005, g["other_south_america"]: .005,
                        g["central_america"]: .02, g["caribbean"]: .05, g["other"]: 0},
        "other": .03}, by=group, fallback="other")
    s.yes("city_offered", .06, labels=("nothing", "something"))
    s.one("intentions", {"stay": .80, "move_mexico": .12, "move_abroad": .05, "return": .01,
                         "dont_know": .02})
    permit = s.yes("residence_permit", .72, weight=_w(irregular, 0.1) * _w(new, 0.5))
    s.one("children_permit", {"all": .79, "some": .06, "none": .15}, universe=kids)
    s.one("permit_plans", {"applied": .57, "no_info": .29, "not_interested": .09, "other": .05},
          universe=~permit, weights={"no_info": _w(ca, 2.0)})
    s.one("asylum", {"applied": .76, "not_applying": .13, "denied": .04, "no_info": .05,
                     "withdrew": .02},
          weights={"not_applying": _w(osa, 4.0), "no_info": _w(ca, 3.0)})

    # Livelihoods.
    rest_jobs = {"employed": .368, "self_employed": .259, "unemployed": .164,
                 "civil_servant": .025, "student": .049, "other": .135}
    s.one("occupation_now", {
        **{g[k]: rest_jobs for k in GROUPS if k != "central_america"},
        g["central_america"]: {"employed": .28, "self_employed": .20, "unemployed": .37,
                               "civil_servant": .01, "student": .02, "other": .12}},
        by=group, weights={"self_employed": _w(s.codes["_age"] >= 35, 2.5),
                           "student": _w(s.codes["_age"] < 25, 4.0)})
    unemployed = s.eq("occupation_now", "unemployed")
    s.one("occupation_origin", {"employed": .40, "self_employed": .29, "unemployed": .01,
                                "civil_servant": .05, "student": .12, "other": .13})
    haitian = s.eq("nationality", "haiti")
    s.many("work_barriers", {"documents": .63, "opportunities": .44, "discrimination": .29,
                             "credentials": .12, "language": .03, "other": .05},
           weights={"documents": _w(irregular | ~permit, 3.0), "language": _w(haitian, 50.0),
                    "discrimination": _w(ca, 1.5)}, fallback="none")
    s.one("earners", {
        g["venezuela"]: {"more_than_one": .66, "one": .30, "none": .04},
        g["other_south_america"]: {"more_than_one": .50, "one": .45, "none": .05},
        g["central_america"]: {"more_than_one": .37, "one": .57, "none": .06},
        g["caribbean"]: {"more_than_one": .45, "one": .50, "none": .05},
        g["other"]: {"more_than_one": .50, "one": .45, "none": .05}}, by=group,
        weights={"none": _w(unemployed, 5.0)})
    s.one("income_enough", {"never": .22, "sometimes": .40, "always": .33, "dont_know": .05},
          weights={"never": _w(ca | unemployed, 2.0)})
    s.many("coping", {"reduce_expenses": .48, "borrow": .26, "prioritize_food": .24,
                      "reduce_portions": .23, "sell_assets": .05},
           weights={"reduce_portions": _w(s.eq("income_enough", "never"), 2.0)},
           fallback="none")
    s.yes("can_save", .47, weight=_w(s.eq("income_enough", "never"), 0.2))
    s.yes("bank_account", {g["venezuela"]: .50, g["other_south_america"]: .50,
                           g["central_america"]: .25, g["caribbean"]: .50, g["other"]: .50},
          by=group, weight=_w(permit, 2.0))

    # Housing (before services: support and shelters go together).
    s.one("accommodation", {
        g["venezuela"]: {"shelter_group": .01, "apartment_family": .60,
                         "apartment_shared": .20, "rented_room": .16, "other": .03},
        g["other_south_america"]: {"shelter_group": .03, "apartment_family": .55,
                                   "apartment_shared": .22, "rented_room": .17, "other": .03},
        g["central_america"]: {"shelter_group": .30, "apartment_family": .30,
                               "apartment_shared": .15, "rented_room": .22, "other": .03},
        g["caribbean"]: {"shelter_group": .10, "apartment_family": .45,
                         "apartment_shared": .20, "rented_room": .22, "other": .03},
        g["other"]: {"shelter_group": .05, "apartment_family": .55, "apartment_shared": .20,
                     "rented_room": .17, "other": .03}}, by=group,
        weights={"shelter_group": _w(new, 4.0) * _w(unemployed, 2.0)})
    shelter = s.eq("accommodation", "shelter_group")
    s.one("bathroom", {
        g["venezuela"]: {"shared_sewage": .22, "private": .75, "shared_no_sewage": .03,
                         "none": 0},
        g["other_south_america"]: {"shared_sewage": .10, "private": .88,
                                   "shared_no_sewage": .02, "none": 0},
        g["central_america"]: {"shared_sewage": .50, "private": .35, "shared_no_sewage": .10,
                               "none": .05},
        g["caribbean"]: {"shared_sewage": .35, "private": .60, "shared_no_sewage": .05,
                         "none": 0},
        g["other"]: {"shared_sewage": .20, "private": .75, "shared_no_sewage": .05,
                     "none": 0}}, by=group, weights={"shared_sewage": _w(shelter, 5.0)})
    home_rest = {"regular": .935, "sometimes": .065, "never": 0.0}
    s.one("internet_home", {
        **{g[k]: home_rest for k in GROUPS if k != "central_america"},
        g["central_america"]: {"regular": .45, "sometimes": .30, "never": .25}}, by=group)
    home_regular = s.eq("internet_home", "regular")
    phone_stratum = np.where(ca, np.where(home_regular, 2, 1), 0).astype(np.int8)
    s.yes("internet_phone", {0: .75, 1: .164, 2: .70}, by=phone_stratum)
    s.one("rent_payment", {"no_payment": .14, "monthly": .76, "other_period": .10},
          weights={"no_payment": _w(shelter, 30.0)})
    south = {"formal": .65, "informal": .28, "none": .07}
    s.one("lease", {
        g["venezuela"]: south, g["other_south_america"]: south,
        g["central_america"]: {"formal": .15, "informal": .70, "none": .15},
        g["caribbean"]: {"formal": .35, "informal": .50, "none": .15},
        g["other"]: {"formal": .50, "informal": .40, "none": .10}}, by=group,
        weights={"none": _w(shelter, 10.0)})
    s.many("housing_barriers", {"resources": .48, "guarantor": .48, "documents": .33,
                                "xenophobia": .23},
           exclusive=("none", .54), fallback="other",
           weights={"none": _w(gam, 3.5) * _w(ca, 0.7),
                    "xenophobia": _w(ca | s.eq("nationality", "haiti"), 1.5)})

    # Services.
    s.one("childcare", {"public": 0.0, "private": .08, "family": .50, "friends": .05,
                        "none": .32, "other": .05}, universe=young)
    in_school_new = {"none": .5, "some": 0.0, "all": .5}
    m_new = int((over5 & new).sum())
    m_old = m_over5 - m_new
    old_school = {"none": (.20 * m_over5 - .5 * m_new) / max(m_old, 1),
                  "some": .12 * m_over5 / max(m_old, 1)}
    old_school["all"] = 1.0 - old_school["none"] - old_school["some"]
    s.one("school", {1: in_school_new, 0: {k: max(v, 0.0) for k, v in old_school.items()}},
          universe=over5, by=new.astype(np.int8))
    s.many("school_reasons", {"documents": .48, "places": .24, "cost": .15, "distance": .08},
           universe=s.eq("school", "some", "none"), fallback="other")
    s.many("health_access", {"public": .93, "private": .36, "pharmacy": .25, "ngo": .10},
           fallback="none")
    s.yes("disability_services", .47, universe=disabled)
    symptoms = s.yes("mental_symptoms", .79, weight=_w(new | shelter, 1.5))
    s.one("mental_support", {"professional": .05, "shelter_staff": .15, "none": .18,
                             "family_friends": .62},
          weights={"shelter_staff": _w(shelter, 8.0) * _w(new, 3.0),
                   "professional": _w(new, 3.0) * _w(symptoms, 2.0)})
    s.yes("public_spaces", .90)

    # Protection.
    knew = s.yes("knew_risks", .40)
    victim = s.yes("crime_victim", .35, weight=_w(knew, 2.0))
    s.many("risk_places", {"street": .66, "transport": .25, "work": .23, "home": .08,
                           "community": .10, "other": .04}, universe=knew,
           weights={"transport": _w(ca, 1.8), "street": _w(ca, 1.5),
                    "home": _w(osa, 3.0), "community": _w(osa, 3.0)}, fallback="other")
    law = {g[k]: .05 for k in GROUPS} | {g["central_america"]: .18}
    s.many("perpetrators", {"strangers": .64, "criminal_groups": .15, "coworkers": .15,
                            "law_enforcement": law, "other": .05},
           universe=knew, by=group, fallback="other")
    filed = s.yes("complaint_filed", .29, universe=victim, weight=_w(irregular, 0.3))
    s.many("no_complaint_reasons", {"mistrust": .40, "fear": .19, "useless": .30},
           universe=victim & ~filed, weights={"fear": _w(irregular, 4.0)}, fallback="other")

    # Life in the city.
    s.yes("discriminated", {g[k]: .288 for k in GROUPS} | {g["central_america"]: .45},
          by=group, weight=_w(cuau, 3.0))
    s.one("relations_neighbourhood", {"good": .75, "neutral": .20, "bad": .05})
    s.one("relations_work", {"good": .80, "neutral": .15, "bad": .05},
          universe=s.eq("occupation_now", *_WORKING))
    s.yes("belong_community", .12)
    s.yes("feel_safe", .78, weight=_w(izt, 0.3) * _w(victim, 0.6))
    s.one("participation", {"not_participating": .71, "not_considered": .19,
                            "considered": .10})
    helped = s.yes("assistance_received", {g[k]: .6375 for k in GROUPS}
                   | {g["other_south_america"]: .45}, by=group,
                   weight=_w(new | shelter, 3.0))
    share = max(int(helped.sum()), 1) / n
    targets = {"food": .42, "legal": .42, "housing": .27, "medical": .26, "information": .23,
               "employment": .07, "rights": .05, "school": .15, "cash": .08}
    s.many("assistance_types", {k: min(v / share, 1.0) for k, v in targets.items()},
           universe=helped, weights={"housing": _w(new | shelter, 4.0),
                                     "school": _w(kids, 4.0)}, fallback="other")
    s.many("providers", {"government": .59, "un": .42, "ngo": .28, "church": .08},
           universe=helped, fallback="other")
    for name, p, dk in (("aware_gov", .65, .08), ("aware_un_ngo", .59, .08),
                        ("aware_city", .08, .10)):
        s.one(name, {"dont_know": dk, "yes": p * (1 - dk), "no": (1 - p) * (1 - dk)})

    # Interview: site and enumerator (each enumerator works mostly in one borough).
    s.one("interview_site", {"ngo_office": .30, "public_office": .22,
                             "community_centre": .14, "metro_station": .12,
                             "public_square": .10, "market": .08, "other": .04})
    own = boroughs.astype(np.int64)
    other = rng.integers(0, 10, size=n)
    s.codes["enumerator"] = np.where(rng.random(n) < .85, own, other).astype(np.int8)
    s.choices["enumerator"] = tuple(f"enum_{i:02d}" for i in range(1, 11))
    return s


# -- metadata: times, ids, uuids ------------------------------------------------------------------

def _uuid4(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` version-4 UUID strings from ``rng`` (vectorised)."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    nibbles = np.stack([raw >> 4, raw & 0x0F], axis=2).reshape(n, 32)
    text = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    cols = np.r_[0:8, 9:13, 14:18, 19:23, 24:36]
    out[:, cols] = text
    return out.view("S36").ravel().astype(str)


def _times(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kobo ``start``/``end`` (local, -05:00) and ``_submission_time`` (UTC), sorted."""
    first, last = np.datetime64("2021-06-01"), np.datetime64("2021-10-29")
    days = int((last - first) / np.timedelta64(1, "D")) + 1
    start = (first + rng.integers(0, days, n) * np.timedelta64(1, "D")
             + rng.integers(9 * 3600, 18 * 3600, n) * np.timedelta64(1, "s"))
    start = np.sort(start)
    end = start + rng.integers(18 * 60, 50 * 60, n) * np.timedelta64(1, "s")
    delay = np.where(rng.random(n) < .8, rng.integers(30, 3600, n),
                     rng.integers(3600, 36 * 3600, n))
    submitted = end + (5 * 3600 + delay) * np.timedelta64(1, "s")  # CDT is UTC-5

    def local(t: np.ndarray) -> np.ndarray:
        t = t.astype("datetime64[ms]") + rng.integers(0, 1000, n) * np.timedelta64(1, "ms")
        return np.char.add(np.datetime_as_string(t, unit="ms"), "-05:00")

    return local(start), local(end), np.datetime_as_string(submitted, unit="s")


# -- GPS points ------------------------------------------------------------------------------------

def _bundled_areas() -> gpd.GeoDataFrame:
    from geo4mi.boundaries import load_areas
    return load_areas()


def _borough_geometries(areas: gpd.GeoDataFrame) -> tuple[list[shapely.Geometry], Any]:
    """Geometry of each borough choice (in :data:`BOROUGH_NAMES` order), metric CRS."""
    from geo4mi.boundaries import metric_crs, to_crs_checked

    for column in ("area_name", "geometry"):
        if column not in areas.columns:
            raise BoundaryError(f"areas: column {column!r} is missing; pass the areas table "
                                "of geo4mi.boundaries.load_areas")
    metric = to_crs_checked(areas, metric_crs(areas), step="synthetic GPS points")
    by_name = dict(zip(metric["area_name"], metric.geometry))
    missing = [label for label in BOROUGH_NAMES.values() if label not in by_name]
    if missing:
        raise BoundaryError(f"areas: no area named {', '.join(map(repr, missing))}; the "
                            "synthetic sample needs the 16 alcaldías of Mexico City "
                            "(geo4mi.boundaries.load_areas())")
    return [by_name[label] for label in BOROUGH_NAMES.values()], metric.crs


def _points_in(geom: shapely.Geometry, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` uniform random points inside ``geom`` as an (k, 2) array (rejection sampling)."""
    shapely.prepare(geom)
    x0, y0, x1, y1 = geom.bounds
    out = np.empty((0, 2))
    while len(out) < k:
        m = max(64, 3 * (k - len(out)))
        xy = np.column_stack([x0 + rng.random(m) * (x1 - x0), y0 + rng.random(m) * (y1 - y0)])
        out = np.vstack([out, xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]])
    return out[:k]


def _near_border_point(geom: shapely.Geometry, others: shapely.Geometry,
                       rng: np.random.Generator) -> np.ndarray:
    """A point ``_NEAR_BORDER_M`` inside ``geom``, next to its border with ``others``."""
    shared = shapely.intersection(geom.boundary, others.buffer(1.0))
    inner = geom.buffer(-_NEAR_BORDER_M).boundary
    for _ in range(50):
        on_border = shapely.line_interpolate_point(shared, rng.random(), normalized=True)
        point = nearest_points(inner, on_border)[0]
        if others.distance(point) < 2 * _NEAR_BORDER_M + 1:
            return np.array([[point.x, point.y]])
    raise BoundaryError("areas: no point near the border between neighbouring boroughs "
                        "could be placed; check that the boundaries share their borders")


def _gps(s: _Sim, areas: gpd.GeoDataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude (NaN when missing) for about 60 % of respondents."""
    from pyproj import Transformer

    n = s.n
    geoms, crs = _borough_geometries(areas)
    order = list(BOROUGH_NAMES)
    declared = np.array([order.index(b) for b in s.choices["borough"]])[s.codes["borough"]]
    has = np.zeros(n, dtype=bool)
    has[rng.choice(n, size=int(np.floor(GPS_SHARE * n + 0.5)), replace=False)] = True
    idx = np.flatnonzero(has)
    target = declared.copy()
    # A few points fall in a neighbouring borough, one lies a few metres from a border.
    neighbours = [[j for j in range(len(geoms)) if j != i and geoms[i].distance(geoms[j]) < 5]
                  for i in range(len(geoms))]
    special = rng.permutation(idx)
    near, moved = special[:1], special[1:1 + max(3, len(idx) // 100)]
    if len(idx) < 4:
        near, moved = special[:0], special[:0]
    for i in moved:
        target[i] = neighbours[declared[i]][rng.integers(len(neighbours[declared[i]]))]
    xy = np.full((n, 2), np.nan)
    ordinary = np.setdiff1d(idx, near)
    for b in np.unique(target[ordinary]):
        rows = ordinary[target[ordinary] == b]
        xy[rows] = _points_in(geoms[b].buffer(-_INNER_BUFFER_M), len(rows), rng)
    for i in near:
        b = declared[i]
        xy[i] = _near_border_point(geoms[b], shapely.union_all([geoms[j] for j in neighbours[b]]),
                                   rng)
    to_wgs = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(xy[:, 0], xy[:, 1])
    return np.round(lat, 5), np.round(lon, 5)


# -- public API ---------------------------------------------------------------------------------

def generate_respondents(n: int = 301, *, seed: int = 4,
                         areas: gpd.GeoDataFrame | None = None,
                         form_path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Draw ``n`` synthetic respondents in canonical *respondents* form.

    SYNTHETIC DEMONSTRATION DATA, calibrated to the 4Mi Cities Mexico City report (see
    ``docs/synthetic.md``). Same ``n`` and ``seed`` give an identical frame.

    Parameters
    ----------
    n : int, default 301
        Number of respondents (the report interviewed 301).
    seed : int, default 4
        Seed of the random generator.
    areas : GeoDataFrame, optional
        Boundaries with ``area_name`` holding the INEGI names of the 16 alcaldías; GPS
        points are drawn inside them. Default: the bundled INEGI 2022 alcaldías.
    form_path : path-like, optional
        XLSForm giving column order and choice lists. Default: the bundled questionnaire.

    Returns
    -------
    DataFrame
        One row per respondent: one column per question name (select_one as ``"string"``,
        integers ``Int64``), select_multiple as the summary column ``q`` plus ``"q/choice"``
        ``"boolean"`` columns, the geopoint as ``gps_lat``/``gps_lon`` (``Float64``), Kobo
        metadata ``start``, ``end``, ``_id``, ``_uuid``, ``_submission_time``. Questions not
        asked (``relevant`` false) are NA.

    Raises
    ------
    ValueError
        ``n`` is not a positive integer.
    BoundaryError
        ``areas`` lacks one of the 16 alcaldías.

    Examples
    --------
    >>> people = generate_respondents(30, seed=2)
    >>> [str(people[c].dtype) for c in ("borough", "age", "housing_barriers/none", "gps_lat")]
    ['string', 'Int64', 'boolean', 'Float64']
    >>> generate_respondents(30, seed=2).equals(people)
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    n = int(n)
    rng = np.random.default_rng(seed)
    questions, lists = _form_layout(FORM_PATH if form_path is None else form_path)
    s = _simulate(n, rng)
    lat, lon = _gps(s, _bundled_areas() if areas is None else areas, rng)
    start, end, submitted = _times(rng, n)
    uuids = _uuid4(rng, n)
    ids = np.empty(n, dtype=np.int64)  # Kobo numbers submissions in order of arrival
    ids[np.argsort(submitted, kind="stable")] = 150_000_000 + np.cumsum(
        rng.integers(1, 4, size=n))

    columns: dict[str, Any] = {}
    extra = {"age": s.codes.get("_age"), "hh_size": s.codes.get("_hh_size")}
    for q in questions:
        if q.type == "start":
            columns[q.name] = pd.array(start, dtype="string")
        elif q.type == "end":
            columns[q.name] = pd.array(end, dtype="string")
        elif q.type == "geopoint":
            columns[f"{q.name}_lat"] = pd.array(lat, dtype="Float64")
            columns[f"{q.name}_lon"] = pd.array(lon, dtype="Float64")
        elif q.type == "integer" and extra.get(q.name) is not None:
            columns[q.name] = pd.array(extra[q.name], dtype="Int64")
        elif q.type == "select_one" and q.name in s.codes:
            columns[q.name] = _select_one_column(s, q, lists)
        elif q.type == "select_multiple" and q.name in s.flags:
            columns.update(_select_multiple_columns(s, q, lists))
        else:
            raise FormError(f"{q.name}: the synthetic sample has no answers for this "
                            f"{q.type!r} question; use the bundled questionnaire")
    columns["_id"] = pd.array(ids, dtype="Int64")
    columns["_uuid"] = pd.array(uuids, dtype="string")
    columns["_submission_time"] = pd.array(submitted, dtype="string")
    return pd.DataFrame(columns, copy=False)


def _select_one_column(s: _Sim, q: _Question, lists: dict[str, list[str]]) -> pd.arrays.StringArray:
    choices = s.choices[q.name]
    unknown = [c for c in choices if c not in lists[q.list_name]]
    if unknown:
        raise FormError(f"{q.name}: choices {unknown!r} are not in list {q.list_name!r} of the "
                        "form; rebuild the questionnaire")
    table = np.array([*choices, None], dtype=object)
    codes = s.codes[q.name].astype(np.int64)
    return pd.array(table[np.where(codes < 0, len(choices), codes)], dtype="string")


def _select_multiple_columns(s: _Sim, q: _Question,
                             lists: dict[str, list[str]]) -> dict[str, Any]:
    flags = s.flags[q.name]
    names = lists[q.list_name]
    unknown = [c for c in flags if c not in names]
    if unknown:
        raise FormError(f"{q.name}: choices {unknown!r} are not in list {q.list_name!r} of the "
                        "form; rebuild the questionnaire")
    asked = s.asked(q.name)
    bits = np.zeros(s.n, dtype=np.int64)
    for i, choice in enumerate(names):
        if choice in flags:
            bits |= flags[choice].astype(np.int64) << i
    uniq, inverse = np.unique(bits, return_inverse=True)
    text = np.array([" ".join(c for i, c in enumerate(names) if u >> i & 1) for u in uniq]
                    + [None], dtype=object)
    out: dict[str, Any] = {q.name: pd.array(text[np.where(asked, inverse, len(uniq))],
                                            dtype="string")}
    for choice in names:
        values = pd.array(flags.get(choice, np.zeros(s.n, dtype=bool)), dtype="boolean")
        values[~asked] = pd.NA
        out[f"{q.name}/{choice}"] = values
    return out


def to_kobo_export(respondents: pd.DataFrame,
                   form_path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Lay out canonical respondents as a KoboToolbox CSV export of ``form_path``.

    Headers are XML names with ``/`` group paths (``profile/age``); top-level questions have
    no prefix. A select_multiple gives its summary column (space-separated names) and one
    ``group/q/choice`` column of ``1``/``0``, empty when the question was not asked. A
    geopoint gives ``gps`` (``"lat lon altitude precision"``) and ``_gps_latitude``,
    ``_gps_longitude``, ``_gps_altitude``, ``_gps_precision``. Kobo's metadata columns
    (``_id``, ``_uuid``, ``_submission_time``, ... ``_index``) close the table.

    Parameters
    ----------
    respondents : DataFrame
        Canonical respondents, e.g. from :func:`generate_respondents`.
    form_path : path-like, optional
        The XLSForm. Default: the bundled questionnaire.

    Returns
    -------
    DataFrame
        All cells as strings (``"string"`` dtype), NA where the CSV cell is empty.

    Examples
    --------
    >>> export = to_kobo_export(generate_respondents(20, seed=3))
    >>> list(export.columns[:4]), "profile/age" in export, "_gps_latitude" in export
    (['start', 'end', 'interview_site', 'enumerator'], True, True)
    """
    questions, lists = _form_layout(FORM_PATH if form_path is None else form_path)
    n = len(respondents)
    out: dict[str, Any] = {}

    def text(values: Any) -> pd.arrays.StringArray:
        return pd.array(np.asarray(values, dtype=object), dtype="string")

    def need(column: str) -> pd.Series:
        if column not in respondents.columns:
            raise FormError(f"respondents: column {column!r} of the form is missing; pass "
                            "respondents made for this form")
        return respondents[column]

    for q in questions:
        path = f"{q.group}/{q.name}" if q.group else q.name
        if q.type == "geopoint":
            lat = need(f"{q.name}_lat").astype("Float64")
            lon = need(f"{q.name}_lon").astype("Float64")
            missing = lat.isna().to_numpy() | lon.isna().to_numpy()
            ids = respondents["_id"].fillna(0).to_numpy(dtype=np.int64) if "_id" in \
                respondents else np.arange(n, dtype=np.int64)
            alt = 2230.0 + ((ids * 40503) % 251) / 5.0          # stable per respondent
            prec = 3.0 + ((ids * 2654435761) % 4096) / 4096 * 17.0
            fields = {"latitude": np.char.mod("%.5f", lat.fillna(0).to_numpy(float)),
                      "longitude": np.char.mod("%.5f", lon.fillna(0).to_numpy(float)),
                      "altitude": np.char.mod("%.1f", alt), "precision": np.char.mod("%.1f", prec)}
            raw = fields["latitude"].astype(object)
            for key in ("longitude", "altitude", "precision"):
                raw = raw + " " + fields[key].astype(object)
            prefix = f"{q.group}/_" if q.group else "_"
            out[path] = text(np.where(missing, None, raw))
            for key, values in fields.items():
                out[f"{prefix}{q.name}_{key}"] = text(np.where(missing, None,
                                                               values.astype(object)))
        elif q.type == "select_multiple":
            out[path] = text(need(q.name).to_numpy(dtype=object, na_value=None))
            for choice in lists[q.list_name]:
                flags = need(f"{q.name}/{choice}").astype("boolean")
                out[f"{path}/{choice}"] = text(flags.map({True: "1", False: "0"},
                                                         na_action="ignore")
                                               .to_numpy(dtype=object, na_value=None))
        else:
            column = need(q.name)
            if pd.api.types.is_integer_dtype(column.dtype):
                values = column.astype("Int64").astype("string")
            else:
                values = column.astype("string")
            out[path] = text(values.to_numpy(dtype=object, na_value=None))
    meta = {"_id": respondents["_id"].astype("string") if "_id" in respondents
            else pd.Series(np.arange(1, n + 1)).astype("string"),
            "_uuid": respondents.get("_uuid"), "_submission_time": respondents.get(
                "_submission_time"), "_validation_status": None, "_notes": None,
            "_status": "submitted_via_web", "_submitted_by": None,
            "__version__": "v4MiCdmxDemo2021", "_tags": None,
            "_index": np.arange(1, n + 1).astype(str)}
    for key, value in meta.items():
        if value is None or isinstance(value, str):
            out[key] = text(np.full(n, value, dtype=object))
        else:
            out[key] = text(np.asarray(value, dtype=object))
    return pd.DataFrame(out)


def write_sample(path: str | os.PathLike[str] = SAMPLE_PATH, *, n: int = 301,
                 seed: int = 4) -> Path:
    """Write the synthetic sample as a KoboToolbox CSV export (atomically, same bytes each run).

    Like KoboToolbox's CSV exports: ``;``-separated, every cell quoted, UTF-8, XML names with
    ``/`` group paths.

    Parameters
    ----------
    path : path-like, default ``data/sample_kobo.csv``
    n : int, default 301
    seed : int, default 4

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = write_sample(pathlib.Path(tempfile.mkdtemp()) / "s.csv", n=12, seed=1)
    >>> out.read_text(encoding="utf-8").splitlines()[0][:32]
    '"start";"end";"interview_site";"'
    """
    export = to_kobo_export(generate_respondents(n, seed=seed))
    with atomic_write(path) as tmp:
        export.to_csv(tmp, sep=";", index=False, quoting=csv.QUOTE_ALL, na_rep="",
                      lineterminator="\n", encoding="utf-8")
    log.info("wrote %d synthetic respondents to %s", n, path)
    return Path(path)


def main(argv: list[str] | None = None) -> int:
    """``python -m geo4mi.synthetic``: regenerate ``data/sample_kobo.csv``."""
    parser = argparse.ArgumentParser(
        prog="python -m geo4mi.synthetic",
        description="Write the SYNTHETIC demonstration sample as a KoboToolbox CSV export.")
    parser.add_argument("--output", type=Path, default=SAMPLE_PATH)
    parser.add_argument("-n", type=int, default=301, help="respondents (default 301)")
    parser.add_argument("--seed", type=int, default=4, help="random seed (default 4)")
    args = parser.parse_args(argv)
    print(write_sample(args.output, n=args.n, seed=args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
