"""The calibration targets: the 4Mi Cities Mexico City report's figures, drawn as answers.

:func:`draw_answers` is the one place that says what the synthetic sample looks like: who
the respondents are (nationality group and country, borough, profile) and how they answer
each question, section by section, in the order of the questionnaire. Shares are the
report's published figures (``docs/synthetic.md`` has the measured table); every one is
allocated with exact counts by :class:`~geo4mi.synthetic.allocation.Answers`. The weights
impose the borough pattern of the report (more perceived discrimination in Cuauhtémoc, fewer
housing barriers in Gustavo A. Madero, less feeling of safety in Iztapalapa) and a few
plausible correlations, without moving any total. Questions whose ``relevant`` condition is
false are left unanswered (code -1, NA in the frame).

Examples
--------
>>> s = draw_answers(301, np.random.default_rng(4))
>>> int(s.eq("borough", "cuauhtemoc").sum()), int(s.eq("nationality", "venezuela").sum())
(96, 121)
>>> bool((s.asked("complaint_filed") <= s.eq("crime_victim", "yes")).all())
True
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from geo4mi.synthetic.allocation import Answers, quota

#: Nationality → nationality group, as the derived variable ``nationality_group``.
NATIONALITY_GROUP: dict[str, str] = {
    "venezuela": "venezuela",
    **dict.fromkeys(("colombia", "ecuador", "peru", "argentina", "brazil", "bolivia"),
                    "other_south_america"),
    **dict.fromkeys(("honduras", "el_salvador", "guatemala", "nicaragua", "panama", "costa_rica"),
                    "central_america"),
    "haiti": "caribbean", "cuba": "caribbean", "other": "other",
}
GROUPS = ("venezuela", "other_south_america", "central_america", "caribbean", "other")
_G = {name: i for i, name in enumerate(GROUPS)}
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
#: Occupations whose respondents are asked about relations at work.
_WORKING = ("employed", "self_employed", "civil_servant")


def _w(condition: np.ndarray, factor: float) -> np.ndarray:
    """Weights: ``factor`` where ``condition`` holds, 1 elsewhere."""
    return np.where(condition, factor, 1.0)


def draw_answers(n: int, rng: np.random.Generator) -> Answers:
    """Draw every answer of ``n`` respondents, calibrated to the report.

    Besides the questions, ``codes`` holds the helper draws ``_group`` (nationality group)
    and ``_age_group`` (codes), and ``_age`` and ``_hh_size`` (plain integers).

    Parameters
    ----------
    n : int
        Number of respondents.
    rng : numpy.random.Generator
        The sample's generator; the draws happen in a fixed order, so one seed gives one sample.

    Returns
    -------
    Answers
        Codes and choices of each select_one, flags of each select_multiple.
    """
    s = Answers(n, rng)
    who = _who(s, n, rng)
    situation = _profile(s, who, n, rng)
    unemployed = _livelihoods(s, who, situation)
    shelter = _housing(s, who, situation, unemployed)
    _services(s, situation, shelter)
    victim = _protection(s, who, situation)
    _life_in_the_city(s, who, situation, shelter, victim)
    _interview(s, who, n, rng)
    return s


class _Who(NamedTuple):
    """Who the respondents are: nationality group and borough, and the masks the later
    sections weight by."""

    group: np.ndarray      # nationality group (index into GROUPS)
    osa: np.ndarray        # other South America
    ca: np.ndarray         # Central America
    boroughs: np.ndarray   # index into BOROUGH_COUNTS
    cuau: np.ndarray       # Cuauhtémoc
    gam: np.ndarray        # Gustavo A. Madero
    izt: np.ndarray        # Iztapalapa


class _Situation(NamedTuple):
    """What the profile section draws that later sections depend on."""

    irregular: np.ndarray  # irregular migration status
    kids: np.ndarray       # children in the household
    young: np.ndarray      # children aged 0-5
    over5: np.ndarray      # children over 5
    m_over5: int           # households with children over 5
    new: np.ndarray        # 3 to 6 months in the city
    disabled: np.ndarray   # a member with a disability
    permit: np.ndarray     # residence permit


def _who(s: Answers, n: int, rng: np.random.Generator) -> _Who:
    """Nationality group, country, borough; exact counts."""
    group = np.repeat(np.arange(len(GROUPS)), quota(np.array(_GROUP_SHARE), n))
    group = rng.permutation(group)
    s.codes["_group"], s.choices["_group"] = group.astype(np.int8), GROUPS
    g = _G
    _, osa, ca = group == g["venezuela"], group == g["other_south_america"], \
        group == g["central_america"]
    s.one("nationality", {g[k]: v for k, v in _COUNTRY_SHARE.items()}, by=group)
    boroughs = rng.permutation(np.repeat(np.arange(len(BOROUGH_COUNTS)),
                                         quota(np.array(list(BOROUGH_COUNTS.values())), n)))
    s.codes["borough"], s.choices["borough"] = boroughs.astype(np.int8), tuple(BOROUGH_COUNTS)
    cuau, gam, izt = s.eq("borough", "cuauhtemoc"), s.eq("borough", "gustavo_a_madero"), \
        s.eq("borough", "iztapalapa")
    return _Who(group, osa, ca, boroughs, cuau, gam, izt)


def _profile(s: Answers, who: _Who, n: int, rng: np.random.Generator) -> _Situation:
    """Gender, age, education, migration status, household, time in the city, reasons
    for leaving, intentions, permits and asylum."""
    g, group, osa, ca = _G, who.group, who.osa, who.ca
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
    return _Situation(irregular, kids, young, over5, m_over5, new, disabled, permit)


def _livelihoods(s: Answers, who: _Who, situation: _Situation) -> np.ndarray:
    """Occupation, work barriers, earners, income, coping, savings; returns who is
    unemployed."""
    g, group, ca = _G, who.group, who.ca
    irregular, permit = situation.irregular, situation.permit
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
    return unemployed


def _housing(s: Answers, who: _Who, situation: _Situation,
             unemployed: np.ndarray) -> np.ndarray:
    """Accommodation, bathroom, internet, rent, lease and housing barriers (before the
    services: support and shelters go together); returns who lives in a shelter."""
    g, group, ca, gam, new = _G, who.group, who.ca, who.gam, situation.new
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
    return shelter


def _services(s: Answers, situation: _Situation, shelter: np.ndarray) -> None:
    """Childcare, school, health, disability services and mental health."""
    young, over5, new = situation.young, situation.over5, situation.new
    m_over5, disabled = situation.m_over5, situation.disabled
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


def _protection(s: Answers, who: _Who, situation: _Situation) -> np.ndarray:
    """Risks, perpetrators and complaints; returns who was a victim of a crime."""
    g, group, osa, ca, irregular = _G, who.group, who.osa, who.ca, situation.irregular
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
    return victim


def _life_in_the_city(s: Answers, who: _Who, situation: _Situation, shelter: np.ndarray,
                      victim: np.ndarray) -> None:
    """Discrimination, relations, belonging, safety, participation and assistance."""
    g, group, cuau, izt, n = _G, who.group, who.cuau, who.izt, s.n
    kids, new = situation.kids, situation.new
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


def _interview(s: Answers, who: _Who, n: int, rng: np.random.Generator) -> None:
    """Interview site and enumerator (each enumerator works mostly in one borough)."""
    boroughs = who.boroughs
    s.one("interview_site", {"ngo_office": .30, "public_office": .22,
                             "community_centre": .14, "metro_station": .12,
                             "public_square": .10, "market": .08, "other": .04})
    own = boroughs.astype(np.int64)
    other = rng.integers(0, 10, size=n)
    s.codes["enumerator"] = np.where(rng.random(n) < .85, own, other).astype(np.int8)
    s.choices["enumerator"] = tuple(f"enum_{i:02d}" for i in range(1, 11))
