"""Scaffold a study for a new city from its own files (``geo4mi init``).

:func:`scaffold_study` reads the user's boundaries, XLSForm and (optionally) survey export
and writes what it can infer as a commented study file — and, unless the user has one, a
starter indicator catalogue — so that ``geo4mi check`` runs on the result:

* the boundaries' id and name columns (:func:`guess_fields`: a column whose values are all
  present and distinct; "id"/"code"-like names for the id, text with letters for the
  name), with the other candidates listed in comments;
* the area question: the ``select_one`` question whose choices (names or labels in any
  language) match most boundary names through :class:`geo4mi.names.AreaNameMatcher`
  (:func:`find_area_question`);
* the GPS question (the first ``geopoint``), the form's languages, grouping candidates
  (``select_one`` questions with 2 to 8 choices) and a title placeholder;
* a starter catalogue (:func:`starter_catalogue`): one indicator per answer of every
  ``select_one`` and ``select_multiple`` question, labels in every language of the form,
  universes from the form's ``relevant`` column (XLSForm's ``${q} = 'x'`` rewritten as
  ``q == 'x'``; what cannot be rewritten is listed for review).

Each decision is one line of :attr:`Scaffold.decisions`, and what the user must still fill
in is in :attr:`Scaffold.todo`. Nothing is written by :func:`scaffold_study`;
:func:`write_scaffold` writes the files atomically and never replaces one unless asked.

Examples
--------
>>> from geo4mi.resources import bundled_path
>>> s = scaffold_study(bundled_path("boundaries", "cdmx_alcaldias_mg2022.gpkg"),
...                    bundled_path("data", "questionnaire.xlsx"),
...                    study_path=bundled_path("data", "new.toml"))
>>> s.id_field, s.name_field, s.area_question, s.gps_question, s.language
('CVEGEO', 'NOMGEO', 'borough', 'gps', 'es')
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd

from geo4mi.errors import BoundaryError, InputFileError, StudyError
from geo4mi.i18n import LANGUAGES, slug
from geo4mi.names import AreaNameMatcher
from geo4mi.survey.xlsform import Form, read_form

log = logging.getLogger(__name__)

_ID_HINT = re.compile(r"(?i)(^|_)(id|code|cod|codigo|cve\w*|pcode|geocode|clave|key|fid|gid)"
                      r"($|_)|(code|pcode|id)$")
_NAME_HINT = re.compile(r"(?i)name|nom|nombre|nome|label|libelle")
#: Grouping candidates: select_one questions with this many choices.
GROUP_CHOICES = (2, 8)
#: Questions with more choices than this get no starter indicators (listed for review).
MAX_STARTER_CHOICES = 20


@dataclass(frozen=True)
class Scaffold:
    """What :func:`scaffold_study` inferred, and the files it would write."""

    study_path: Path
    study_text: str
    catalogue_path: Path | None  # None: the user's own catalogue is referenced
    catalogue_text: str | None
    id_field: str
    name_field: str
    area_question: str | None
    gps_question: str | None
    language: str
    decisions: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)


# -- boundaries ---------------------------------------------------------------------------

def _code_like(text: pd.Series) -> pd.Series:
    """Values that read as codes: one word holding a digit ("CO05001", "a1")."""
    return text.str.fullmatch(r"\S*\d\S*")


def guess_fields(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Candidate id and name columns of a boundary table, best first.

    A candidate has a value in every row and no value twice. Id candidates with an
    "id"/"code"-like name come first; name candidates are text columns whose values hold
    letters, "name"-like column names first.

    Examples
    --------
    >>> frame = pd.DataFrame({"OBJECTID": [1, 2], "ADM2_PCODE": ["CO05001", "CO05002"],
    ...                       "ADM2_ES": ["Medellín", "Abejorral"], "ADM1_ES": ["A", "A"]})
    >>> guess_fields(frame)
    (['ADM2_PCODE', 'OBJECTID', 'ADM2_ES'], ['ADM2_ES'])
    """
    ids, names = [], []
    for col in frame.columns:
        if col == "geometry" or not isinstance(col, str):
            continue
        values = frame[col]
        if values.isna().any() or values.astype(str).str.strip().eq("").any():
            continue
        text = values.astype(str).str.strip()
        if text.duplicated().any():
            continue
        ids.append(col)
        is_text = values.map(lambda v: isinstance(v, str)).all()
        if (is_text and text.str.contains(r"[^\W\d_]", regex=True).all()
                and _code_like(text).mean() < 0.5):  # names, not codes such as "CO05001"
            names.append(col)

    def id_rank(col: str) -> tuple[int, int, int]:
        is_text = frame[col].map(lambda v: isinstance(v, str)).all()
        codes = frame[col].astype(str).str.contains(r"\d").all()
        return (0 if _ID_HINT.search(col) else 1, 0 if is_text else 1, 0 if codes else 1)

    def name_rank(col: str) -> tuple[int, float]:
        return (0 if _NAME_HINT.search(col) else 1, -frame[col].astype(str).str.len().mean())

    ids.sort(key=id_rank)
    names.sort(key=name_rank)
    ids = [c for c in ids if c not in names[:1]] + [c for c in ids if c in names[:1]]
    return ids, names


def _read_boundaries(path: Path, layer: str | None) -> tuple[pd.DataFrame, str | None, bool]:
    """The attribute table of the boundaries, the layer read and whether a CRS is declared."""
    import pyogrio

    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # GDAL's errors are not OSErrors
        raise InputFileError(f"{path}: cannot read boundaries ({exc}); give a GeoPackage, "
                             "GeoJSON or shapefile (.shp with its .shx and .dbf)") from None
    if layer is None and len(layers) > 1:
        raise InputFileError(f"{path}: {len(layers)} layers ({', '.join(layers)}); pass "
                             "--layer NAME to pick the boundaries")
    if layer is not None and layer not in layers:
        raise InputFileError(f"{path}: no layer {layer!r}; layers: {', '.join(layers)}")
    chosen = layer if len(layers) > 1 else None
    try:
        info = pyogrio.read_info(path, layer=chosen)
        frame = pyogrio.read_dataframe(path, layer=chosen, read_geometry=False)
    except Exception as exc:
        raise InputFileError(f"{path}: cannot read boundaries ({exc}); give a GeoPackage, "
                             "GeoJSON or shapefile") from None
    if "polygon" not in str(info.get("geometry_type") or "").lower():
        raise BoundaryError(f"{path}: holds {info.get('geometry_type') or 'no geometry'}, not "
                            "polygons; give the areas' boundaries as polygons")
    if len(frame) == 0:
        raise BoundaryError(f"{path}: the boundaries have no features; give the file with "
                            "one polygon per area")
    return frame, chosen, bool(info.get("crs"))


# -- the form -------------------------------------------------------------------------------

def _choice_texts(form: Form, list_name: str, choice: str) -> list[str]:
    """The choice's name and its label in every language of the form."""
    labels = (form.choice_label(list_name, choice, lang) for lang in form.languages)
    return list(dict.fromkeys([choice, *labels]))


def find_area_question(form: Form, areas: pd.DataFrame
                       ) -> tuple[str | None, dict[str, str], list[str]]:
    """The select_one question whose choices name the areas.

    Returns the question (None when no question's choices match at least two areas and half
    of them), ``{choice: area_id}`` of its matched choices, and its unmatched choices.

    Examples
    --------
    >>> from geo4mi.boundaries import load_areas
    >>> from geo4mi.resources import bundled_path
    >>> form = read_form(bundled_path("data", "questionnaire.xlsx"))
    >>> q, matched, unmatched = find_area_question(form, load_areas())
    >>> q, len(matched), unmatched
    ('borough', 16, [])
    """
    matcher = AreaNameMatcher(areas)
    best: tuple[float, str, dict[str, str], list[str]] | None = None
    questions = form.data_questions()
    for rec in questions[questions["type"] == "select_one"].to_dict("records"):
        choices = [c for c in form.choices_of(rec["name"]) if c != "other" or not rec["or_other"]]
        matched: dict[str, str] = {}
        for choice in choices:
            for text in _choice_texts(form, rec["list_name"], choice):
                hit = matcher.lookup(text)
                if hit.area_id is not None:
                    matched[choice] = hit.area_id
                    break
        covered = len(set(matched.values()))
        score = covered / max(len(areas), len(choices), 1)
        if covered >= 2 and score >= 0.5 and (best is None or score > best[0]):
            best = (score, rec["name"], matched,
                    [c for c in choices if c not in matched])
    if best is None:
        return None, {}, []
    return best[1], best[2], best[3]


_SIMPLE = re.compile(r"^\s*\$\{(\w+)\}\s*=\s*'([^']*)'\s*$")


def xlsform_expression(relevant: str) -> str:
    """An XLSForm ``relevant`` expression in the catalogue's expression language.

    ``${q}`` becomes ``q`` and a single ``=`` becomes ``==``; the result is checked by the
    caller (:func:`geo4mi.indicators.expressions.parse`).

    Examples
    --------
    >>> xlsform_expression("${school} = 'some' or selected(${occ}, 'employed')")
    "school == 'some' or selected(occ, 'employed')"
    """
    text = re.sub(r"\$\{(\w+)\}", r"\1", relevant)
    return re.sub(r"(?<![=!<>])=(?!=)", "==", text).strip()


def _toml(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL escaped too)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007F")


def _texts(texts: dict[str, str]) -> str:
    return "{ " + ", ".join(f"{lang} = {_toml(text)}" for lang, text in texts.items()) + " }"


def form_label_languages(form: Form, language: str | None = None) -> list[str]:
    """The languages the starter catalogue labels: every language of the form with a code
    (``label::Français (fr)``), and only those; for a form with a plain ``label`` column
    only, ``language`` (the study's), else English.

    Examples
    --------
    >>> from geo4mi.survey.xlsform import example_form_path
    >>> form_label_languages(read_form(example_form_path()))
    ['es', 'en']
    """
    coded = [lang for lang in form.languages if re.fullmatch(r"[a-z]{2,3}", lang)]
    return coded or [language or "en"]


def _labels(form: Form, getter: Callable[..., str],
            languages: list[str]) -> dict[str, str]:
    """``{lang: getter(lang)}`` for the catalogue's languages (a plain "label" column is the
    form's "default" language, read under the study language)."""
    coded = set(form.languages)
    return {lang: getter(lang if lang in coded else form.default_language) for lang in languages}


def _universe_label(form: Form, relevant: str, universe: str,
                    languages: list[str]) -> dict[str, str]:
    """"<question label>: <choice label>" for ``${q} = 'x'``, else the expression."""
    m = _SIMPLE.match(relevant)
    if m and form.has_question(m.group(1)) and \
            form.question(m.group(1))["type"] in ("select_one", "select_multiple"):
        q, choice = m.groups()
        lst = form.question(q)["list_name"]
        if choice in form.choices_of(q):
            return _labels(form, lambda lang: (f"{form.label(q, lang)}: "
                                               f"{form.choice_label(lst, choice, lang)}"),
                           languages)
    return _labels(form, lambda lang: universe, languages)


def starter_catalogue(form: Form, *, skip: tuple[str, ...] = (),
                      language: str | None = None) -> tuple[str, list[str]]:
    """A starter catalogue: one indicator per answer of every select question.

    Labels are in every language of the form, and only those
    (:func:`form_label_languages`; ``language`` names a plain ``label`` column's language).
    Returns the TOML text and the lines to review (questions left out, universes that
    could not be rewritten).

    Examples
    --------
    >>> from geo4mi.survey.xlsform import example_form_path
    >>> text, review = starter_catalogue(read_form(example_form_path()), skip=("borough",))
    >>> "question = \\"gender\\"" in text and "universe = \\"crime_victim == 'yes'\\"" in text
    True
    """
    from geo4mi.errors import ExpressionError
    from geo4mi.indicators.expressions import parse

    title = form.title or "Survey"
    languages = form_label_languages(form, language)
    lines = ["# Starter indicator catalogue written by geo4mi init from "
             f"{form.path.name}: one indicator per answer",
             "# of every select question. Review it: drop what you do not need, set each "
             "direction",
             "# (higher_worse, higher_better, neutral) and group indicators into themes. "
             "Format: docs/indicators.md.", "",
             "[themes.survey]", f"label = {_texts(_labels(form, lambda lang: title, languages))}"]
    review: list[str] = []
    used: set[str] = set()
    questions = form.data_questions()
    for rec in questions[questions["type"].isin(["select_one", "select_multiple"])
                         ].to_dict("records"):
        name = rec["name"]
        if name in skip:
            continue
        choices = form.choices_of(name)
        if len(choices) > MAX_STARTER_CHOICES:
            review.append(f"{name}: {len(choices)} choices, no starter indicators (add the "
                          "ones you need, or a [derived] grouping)")
            continue
        universe = None
        relevant = str(rec.get("relevant") or "").strip()
        if relevant:
            candidate = xlsform_expression(relevant)
            try:
                parse(candidate)
                universe = candidate
            except ExpressionError:
                review.append(f"{name}: relevant {relevant!r} could not be rewritten; its "
                              "indicators count everyone: add a universe by hand")
        for choice in choices:
            iid = slug(f"{name}_{choice}")
            if not iid[:1].isalpha():
                iid = "q_" + iid
            base, k = iid, 2
            while iid in used:
                iid, k = f"{base}_{k}", k + 1
            used.add(iid)
            label = _labels(form, lambda lang, name=name, rec=rec, choice=choice: (
                f"{form.label(name, lang)}: "
                f"{form.choice_label(rec['list_name'], choice, lang)}"), languages)
            lines += ["", "[[indicator]]", f"id = {_toml(iid)}", 'theme = "survey"',
                      f"label = {_texts(label)}", f"question = {_toml(name)}",
                      f"choices = [{_toml(choice)}]"]
            if universe:
                lines += [f"universe = {_toml(universe)}",
                          "universe_label = "
                          f"{_texts(_universe_label(form, relevant, universe, languages))}"]
            lines.append('direction = "neutral"')
    notes = ["# TODO: review the starter indicators and their directions.",
             *[f"# REVIEW: {line}" for line in review]]
    lines[3:3] = notes
    return "\n".join(lines) + "\n", review


# -- the export ---------------------------------------------------------------------------------

#: How sure init is of a guess read from the export: the share of rows that bear it out.
SURE, LIKELY = 0.95, 0.8


def _sureness(share: float) -> str:
    return "sure" if share >= SURE else "likely" if share >= LIKELY else "unsure"


def _pct(k: int, n: int, what: str = "") -> str:
    what = f" {what}" if what else ""
    return f"{k} of {n}{what} ({100 * k / n:.0f} %)" if n else f"{k} of {n}{what}"


@dataclass(frozen=True)
class ExportGuess:
    """What :func:`read_export_guesses` found in the export.

    Each ``*_note`` says what was guessed and how sure it is; :attr:`review` lists what the
    user should check (written as ``# REVIEW:`` comments into the study file).
    """

    rows: int
    id_column: str | None
    id_note: str
    area_column: str | None
    area_note: str
    gps_question: str | None
    gps_note: str
    review: list[str] = field(default_factory=list)


def _area_share(values: pd.Series, matcher: AreaNameMatcher, matched: dict[str, str],
                max_distinct: int) -> tuple[int, int, set[str], list[str], list[str]] | None:
    """``(answered, matched rows, areas covered, fuzzy values, unmatched values)`` of a
    column read as area names or ids; None when it has too many distinct values to be one."""
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    counts = text.value_counts(sort=True)
    if len(counts) == 0 or len(counts) > max_distinct:
        return None
    hits, covered, fuzzy, missed = 0, set(), [], []
    for value, count in counts.items():
        area = matched.get(value)
        if area is None:
            hit = matcher.lookup(value)
            area = hit.area_id
            if hit.method == "fuzzy":
                fuzzy.append(value)
        if area is None:
            missed.append(value)
        else:
            hits += int(count)
            covered.add(area)
    return int(counts.sum()), hits, covered, fuzzy, missed


def read_export_guesses(export: str | os.PathLike[str], form: Form, areas: pd.DataFrame, *,
                        area_question: str | None = None,
                        matched: dict[str, str] | None = None,
                        boundaries: gpd.GeoDataFrame | None = None) -> ExportGuess:
    """Read the export with :func:`geo4mi.survey.exports.read_export` and check the guesses.

    * the id column: the first of :data:`geo4mi.survey.quality.ID_COLUMNS` (then any column
      not in the form) with a value in every row and no value twice;
    * the area column: the share of answers to the form's area question (``area_question``,
      whose choices ``matched`` name areas) that name a boundary area (by name or id, with
      the matcher placement uses); when that question has no column or matches less than
      half the answers, any other select_one question or export column whose values match
      better;
    * the GPS question: the ``geopoint`` questions of the form that have coordinates in the
      export (the most filled one), and how many of them fall inside ``boundaries``.

    Parameters
    ----------
    export : path-like
        The survey export (any format :func:`~geo4mi.survey.exports.read_export` reads).
    form : Form
    areas : DataFrame
        ``area_id, area_name`` of the boundaries.
    area_question : str, optional
        The area question guessed from the form (:func:`find_area_question`).
    matched : dict, optional
        ``{choice: area_id}`` of its choices.
    boundaries : GeoDataFrame, optional
        The areas with geometry and a CRS, to count GPS points inside them.

    Raises
    ------
    InputFileError, SurveyDataError
        The export cannot be read (one line naming the file).

    Examples
    --------
    >>> from geo4mi.boundaries import load_areas
    >>> from geo4mi.resources import bundled_path
    >>> form = read_form(bundled_path("data", "questionnaire.xlsx"))
    >>> areas = load_areas()
    >>> q, matched, _ = find_area_question(form, areas)
    >>> g = read_export_guesses(bundled_path("data", "sample_kobo.csv"), form, areas,
    ...                         area_question=q, matched=matched, boundaries=areas)
    >>> g.rows, g.id_column, g.area_column, g.gps_question
    (301, '_uuid', 'borough', 'gps')
    >>> g.area_note
    "'borough': 301 of 301 answers (100 %) name one of the 16 areas, 10 covered (sure)"
    >>> print(g.gps_note, g.id_note, sep="\\n")
    'gps': coordinates in 181 of 301 rows (60 %), 181 of 181 (100 %) inside the areas (sure)
    '_uuid': a distinct value in every one of 301 rows (sure)
    """
    export = Path(export)
    respondents, extra = _read_with_extra_columns(export, form)
    absent = set(respondents.attrs.get("absent_questions", ()))
    ids = _id_candidates(respondents, extra)
    id_column, id_note, id_review = _guess_id_column(respondents, ids)
    area_column, area_note, area_review = _guess_area_column(
        respondents, form, areas, [*extra, *ids], absent, area_question, matched, export.name)
    gps_question, gps_note, gps_review = _guess_gps_question(respondents, form, absent,
                                                             boundaries, export.name)
    return ExportGuess(rows=len(respondents), id_column=id_column, id_note=id_note,
                       area_column=area_column, area_note=area_note, gps_question=gps_question,
                       gps_note=gps_note, review=[*id_review, *area_review, *gps_review])


def _read_with_extra_columns(export: Path, form: Form) -> tuple[pd.DataFrame, list[str]]:
    """The export read against the form, keeping (as text) up to 200 columns that are not
    in the form; and the names of those columns."""
    from geo4mi.survey.exports import read_export

    respondents, issues = read_export(export, form)
    unknown = issues.loc[issues["kind"] == "unknown_column", "column"].dropna().astype(str)
    extra = list(dict.fromkeys(unknown))[:200]
    if extra:  # the columns that are not in the form, kept as text
        respondents, issues = read_export(export, form, keep=extra)
    return respondents, extra


def _id_candidates(respondents: pd.DataFrame, extra: list[str]) -> list[str]:
    """The usual submission-id columns the export has, then its extra columns named like
    an id."""
    from geo4mi.survey.quality import ID_COLUMNS

    aliases = {"meta/instanceID": "instanceID", "meta-instanceID": "instanceID"}
    ids = [aliases.get(c, c) for c in ID_COLUMNS]
    ids = [c for c in dict.fromkeys(ids) if c in respondents.columns]
    ids += [c for c in extra if c in respondents.columns and c not in ids
            and re.search(r"(?i)(^|_)(uuid|id|key)$", c)]
    return ids


def _guess_id_column(respondents: pd.DataFrame,
                     ids: list[str]) -> tuple[str | None, str, list[str]]:
    """The candidate with the fewest empty or repeated values; its note and review lines."""
    from geo4mi.survey.quality import ID_COLUMNS

    n = len(respondents)
    best: tuple[int, str] | None = None
    for col in ids:
        values = respondents[col].dropna().astype(str).str.strip()
        values = values[values != ""]
        bad = (n - len(values)) + int(values.duplicated().sum())
        if best is None or bad < best[0]:
            best = (bad, col)
    if best is None:
        return (None, f"no id column (one of {', '.join(ID_COLUMNS)}): duplicate submissions "
                "cannot be found",
                ["id_column: the export has no submission id; duplicates cannot be found"])
    bad, id_column = best
    if bad == 0:
        return id_column, f"{id_column!r}: a distinct value in every one of {n} rows (sure)", []
    return (id_column,
            f"{id_column!r}: {bad} of {n} rows empty or repeated (check lists the "
            "duplicates; set id_column if another column identifies submissions)",
            [f"id_column {id_column!r}: {bad} of {n} rows empty or repeated"])


_Scored = tuple[float, int, str, tuple[int, int, set[str], list[str], list[str]]]


def _guess_area_column(respondents: pd.DataFrame, form: Form, areas: pd.DataFrame,
                       others: list[str], absent: set[str], area_question: str | None,
                       matched: dict[str, str] | None,
                       name: str) -> tuple[str | None, str, list[str]]:
    """The column whose values name the areas best: the form's guess when at least half
    its answers match, else the best other select_one question or export column (``others``)
    matching half or more; its note and review lines."""
    matcher = AreaNameMatcher(areas)
    max_distinct = max(3 * len(areas), 50)
    scored: list[_Scored] = []
    questions = form.data_questions()
    candidates = [area_question] if area_question else []
    candidates += [q for q in questions.loc[questions["type"] == "select_one", "name"]
                   if q not in candidates]
    candidates += [c for c in respondents.columns if c in others]
    for col in candidates:
        if col not in respondents.columns or col in absent:
            continue
        found = _area_share(respondents[col], matcher,
                            (matched or {}) if col == area_question else {}, max_distinct)
        if found is None or found[1] == 0:
            continue
        scored.append((found[1] / found[0], len(found[2]), col, found))
    scored.sort(key=lambda item: (-item[0], -item[1], candidates.index(item[2])))
    form_guess = next((item for item in scored if item[2] == area_question), None)
    chosen = (form_guess if form_guess is not None and form_guess[0] >= 0.5
              else next((item for item in scored if item[0] >= 0.5 and
                         (item[1] >= 2 or len(areas) == 1)), None))
    if chosen is not None:
        no_column = area_question in absent or area_question not in respondents.columns
        return _area_column_notes(chosen, form_guess, area_question, no_column, len(areas))
    if area_question:
        area_note = (f"{area_question!r} has no column in {name}" if area_question in absent
                     or area_question not in respondents.columns
                     else f"{area_question!r}: its answers in {name} name no area")
        return None, area_note, [f"area_column: {area_note}; respondents are placed by GPS only"]
    return None, f"no question or column of {name} names the areas", []


def _area_column_notes(chosen: _Scored, form_guess: _Scored | None, area_question: str | None,
                       no_column: bool, n_areas: int) -> tuple[str, str, list[str]]:
    """The chosen area column, its note (share of answers naming an area, how sure) and
    what to review (not the form's question, similar spellings, values naming no area)."""
    share, _, area_column, (answered, hits, covered, fuzzy, missed) = chosen
    review = []
    sure = _sureness(share)
    if fuzzy and sure == "sure":
        sure = "likely"
    area_note = (f"{area_column!r}: {_pct(hits, answered, 'answers')} name one of the "
                 f"{n_areas} areas, {len(covered)} covered ({sure})")
    if area_question and area_column != area_question:
        reason = ("has no column in the export" if no_column else
                  f"matches only {form_guess[0]:.0%} of its answers" if form_guess else
                  "has answers that name no area")
        area_note += f"; the form's guess {area_question!r} {reason}"
        review.append(f"area_column {area_column!r}: read from the export's values, not "
                      f"the form ({area_question!r} {reason})")
    elif not area_question:
        review.append(f"area_column {area_column!r}: no question of the form names the "
                      "areas; this column of the export does")
    if fuzzy:
        review.append(f"area_column {area_column!r}: spellings matched by similarity: "
                      f"{', '.join(map(repr, fuzzy[:5]))}; check them (check lists each)")
    if missed:
        review.append(f"area_column {area_column!r}: values that name no area: "
                      f"{', '.join(map(repr, missed[:5]))}"
                      + (f" and {len(missed) - 5} more" if len(missed) > 5 else "")
                      + "; add [boundaries.aliases] or fix the export")
    if sure != "sure" and not missed and not fuzzy:
        review.append(f"area_column {area_column!r}: {area_note}")
    return area_column, area_note, review


def _guess_gps_question(respondents: pd.DataFrame, form: Form, absent: set[str],
                        boundaries: gpd.GeoDataFrame | None,
                        name: str) -> tuple[str | None, str, list[str]]:
    """The geopoint question with the most coordinates, and how many fall inside
    ``boundaries``; its note and review lines."""
    questions = form.data_questions()
    n = len(respondents)
    filled: list[tuple[int, str]] = []
    for q in questions.loc[questions["type"] == "geopoint", "name"]:
        lat, lon = f"{q}_lat", f"{q}_lon"
        if q in absent or lat not in respondents.columns or lon not in respondents.columns:
            continue
        filled.append((int((respondents[lat].notna() & respondents[lon].notna()).sum()), q))
    filled.sort(key=lambda item: -item[0])
    geopoints = list(questions.loc[questions["type"] == "geopoint", "name"])
    if filled and filled[0][0] > 0:
        count, gps_question = filled[0]
        inside = _points_inside(respondents, gps_question, boundaries)
        share = (inside if inside is not None else count) / count
        sure = _sureness(share) if inside is not None else "likely"
        gps_note = (f"{gps_question!r}: coordinates in {_pct(count, n, 'rows')}"
                    + (f", {_pct(inside, count)} inside the areas" if inside is not None
                       else "") + f" ({sure})")
        return (gps_question, gps_note,
                [f"gps_question {gps_question!r}: {gps_note}"] if sure != "sure" else [])
    if geopoints:
        gps_note = (f"the form's geopoint {geopoints[0]!r} has no coordinates in {name}; "
                    "placed by the area question only")
        return None, gps_note, [f"gps_question: {gps_note}"]
    return None, "the form has no geopoint", []


def _points_inside(respondents: pd.DataFrame, gps_question: str,
                   boundaries: gpd.GeoDataFrame | None) -> int | None:
    """How many points of ``gps_question`` fall inside ``boundaries`` (None without them or
    their CRS)."""
    if boundaries is None or boundaries.crs is None:
        return None
    import geopandas as gpd

    has = respondents[f"{gps_question}_lat"].notna() & \
        respondents[f"{gps_question}_lon"].notna()
    points = gpd.GeoSeries(gpd.points_from_xy(
        respondents.loc[has, f"{gps_question}_lon"].astype(float),
        respondents.loc[has, f"{gps_question}_lat"].astype(float)),
        crs="EPSG:4326").to_crs(boundaries.crs)
    return int(points.within(boundaries.geometry.union_all()).sum())


# -- the study --------------------------------------------------------------------------------

def _rel(path: Path, folder: Path) -> str:
    return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()


def scaffold_study(boundaries: str | os.PathLike[str], form: str | os.PathLike[str], *,
                   export: str | os.PathLike[str] | None = None,
                   catalogue: str | os.PathLike[str] | None = None,
                   layer: str | None = None, language: str | None = None,
                   study_path: str | os.PathLike[str] = "study.toml") -> Scaffold:
    """Infer a study file (and a starter catalogue) from a city's own files.

    Parameters
    ----------
    boundaries : path-like
        Any vector file GDAL reads: GeoPackage, GeoJSON, shapefile.
    form : path-like
        The XLSForm.
    export : path-like, optional
        The survey export; without it the study names ``export.csv`` to be filled in.
    catalogue : path-like, optional
        An existing indicator catalogue; without it a starter catalogue
        (``indicators.toml`` next to the study) is written.
    layer : str, optional
        Layer of a multi-layer boundary file.
    language : str, optional
        Main language of the outputs; default: the form's default language if geo4mi speaks
        it, else the first such language of the form, else English.
    study_path : path-like, default "study.toml"
        Where the study file will be; paths inside it are relative to its folder.

    Raises
    ------
    InputFileError, BoundaryError, FormError, StudyError
        An input cannot be read, the boundaries have no usable id or name column, or
        neither an area question nor a GPS question can place respondents.
    """
    study_path = Path(study_path).resolve()
    folder = study_path.parent
    boundaries, form_path = Path(boundaries), Path(form)
    if language is not None and language not in LANGUAGES:
        raise StudyError(f"--language {language!r} is not supported; use one of "
                         f"{', '.join(LANGUAGES)}")
    frame, layer, has_crs = _read_boundaries(boundaries, layer)
    ids, names, id_field, name_field = _boundary_fields(frame, boundaries)
    areas = pd.DataFrame({"area_id": frame[id_field].astype(str).str.strip(),
                          "area_name": frame[name_field].astype(str).str.strip()})
    the_form = read_form(form_path)
    area_q, matched, unmatched, gps, guess = _placement_columns(
        the_form, areas, boundaries, form_path, layer, id_field, name_field, export)
    g = _Guessed(boundaries=boundaries, form_path=form_path, layer=layer, has_crs=has_crs,
                 n_areas=len(areas), ids=ids, names=names, id_field=id_field,
                 name_field=name_field, form=the_form, area_q=area_q, matched=matched,
                 unmatched=unmatched, gps=gps, export=export, guess=guess,
                 language=_output_language(the_form, language),
                 groups=_group_candidates(the_form, area_q))
    decisions, todo = _decisions(g), _todo(g)
    cat_path: Path | None = None
    cat_text: str | None = None
    if catalogue is None:
        cat_path = folder / "indicators.toml"
        cat_text, review = starter_catalogue(the_form, skip=tuple(q for q in (area_q,) if q),
                                             language=g.language)
        decisions.append(f"catalogue: starter {cat_path.name}, "
                         f"{cat_text.count('[[indicator]]')} indicators")
        todo += [f"{cat_path.name}: {line}" for line in review]
        todo.append(f"{cat_path.name}: review the starter indicators and their directions")
        cat_ref = cat_path.name
    else:
        cat_ref = _rel(Path(catalogue), folder)
    lines = [*_study_section(g, study_path), *_boundaries_section(g, folder),
             *_survey_section(g, folder), *_indicators_section(g, cat_ref, cat_text)]
    return Scaffold(study_path=study_path, study_text="\n".join(lines),
                    catalogue_path=cat_path, catalogue_text=cat_text, id_field=id_field,
                    name_field=name_field, area_question=area_q, gps_question=gps,
                    language=g.language, decisions=decisions, todo=todo)


@dataclass(frozen=True)
class _Guessed:
    """What :func:`scaffold_study` inferred, from which the study file and notes are written."""

    boundaries: Path
    form_path: Path
    layer: str | None
    has_crs: bool
    n_areas: int
    ids: list[str]               # id candidates, best first
    names: list[str]             # name candidates, best first
    id_field: str
    name_field: str
    form: Form
    area_q: str | None
    matched: dict[str, str]      # {choice: area_id} of the area question
    unmatched: list[str]         # its choices that match no area
    gps: str | None
    export: str | os.PathLike[str] | None
    guess: ExportGuess | None    # read from the export, when given
    language: str
    groups: list[str]

    @property
    def in_form(self) -> bool:
        """The area question is a question of the form whose choices name areas."""
        return (self.area_q is not None and self.form.has_question(self.area_q)
                and bool(self.matched))


def _boundary_fields(frame: pd.DataFrame,
                     boundaries: Path) -> tuple[list[str], list[str], str, str]:
    """The id and name candidates of the boundaries and the chosen id and name fields."""
    ids, names = guess_fields(frame)
    if not ids:
        raise BoundaryError(f"{boundaries}: no column has a distinct value for every area; "
                            "add an id column to the boundaries")
    if not names:
        raise BoundaryError(f"{boundaries}: no text column has a distinct name for every area; "
                            f"add a name column (columns: {', '.join(map(str, frame.columns))})")
    id_field, name_field = ids[0], names[0]
    if id_field == name_field and len(ids) > 1:
        id_field = ids[1]
    return ids, names, id_field, name_field


def _placement_columns(form: Form, areas: pd.DataFrame, boundaries: Path, form_path: Path,
                       layer: str | None, id_field: str, name_field: str,
                       export: str | os.PathLike[str] | None,
                       ) -> tuple[str | None, dict[str, str], list[str], str | None,
                                  ExportGuess | None]:
    """The area question (with its matched and unmatched choices) and the GPS question:
    from the form, or from the export's values when it is given."""
    area_q, matched, unmatched = find_area_question(form, areas)
    questions = form.data_questions()
    gps = next(iter(questions.loc[questions["type"] == "geopoint", "name"]), None)
    guess: ExportGuess | None = None
    if export is not None:
        guess = read_export_guesses(export, form, areas, area_question=area_q,
                                    matched=matched,
                                    boundaries=_geometries(boundaries, layer, id_field,
                                                           name_field))
        if guess.area_column != area_q:
            matched, unmatched = {}, []
        area_q, gps = guess.area_column, guess.gps_question
        if area_q is None and gps is None:
            raise StudyError(f"{export}: no column names the areas of {boundaries.name} "
                             f"({name_field}) and no GPS question has coordinates; give the "
                             "export with the area question or the GPS question of the form")
    if area_q is None and gps is None:
        raise StudyError(f"{form_path}: no select_one question has choices that match the "
                         f"names in {boundaries.name} ({name_field}), and no geopoint "
                         "question; add the area question or a GPS question to the form")
    return area_q, matched, unmatched, gps, guess


def _output_language(form: Form, language: str | None) -> str:
    """``language``, else the form's default language if geo4mi speaks it, else the first
    such language of the form, else English."""
    if language is not None:
        return language
    spoken = [lang for lang in form.languages if lang in LANGUAGES]
    return (form.default_language if form.default_language in LANGUAGES
            else (spoken or ["en"])[0])


def _group_candidates(form: Form, area_q: str | None) -> list[str]:
    """select_one questions asked of everyone with a few choices (not the area question)."""
    questions = form.data_questions()
    return [r["name"] for r in questions.to_dict("records")
            if r["type"] == "select_one" and r["name"] != area_q and not r["relevant"]
            and GROUP_CHOICES[0] <= len(form.choices_of(r["name"])) <= GROUP_CHOICES[1]]


def _decisions(g: _Guessed) -> list[str]:
    """What was chosen and from which candidates (``geo4mi init`` prints them)."""
    area_q, matched, unmatched, groups = g.area_q, g.matched, g.unmatched, g.groups
    decisions = [
        f"boundaries: {g.boundaries.name}" + (f", layer {g.layer!r}" if g.layer else "")
        + f", {g.n_areas} areas",
        f"id_field = {g.id_field!r} (candidates: {', '.join(g.ids)})",
        f"name_field = {g.name_field!r} (candidates: {', '.join(g.names)})",
        (f"area_column = {area_q!r}: {len(matched)} of {len(matched) + len(unmatched)} "
         f"choices match {len(set(matched.values()))} of {g.n_areas} areas" if g.in_form else
         f"area_column = {area_q!r}: a column of the export" if area_q else
         "area_column = \"\": no question names the areas; placed by GPS only"),
        f"gps_question = {g.gps!r}" if g.gps else "gps_question = \"\": the form has no geopoint"
        + (" with coordinates in the export" if g.export is not None else ""),
        f"language = {g.language!r} (form languages: {', '.join(g.form.languages)})",
        f"grouping candidates: {', '.join(groups[:8]) or 'none'}"
        + (f" and {len(groups) - 8} more" if len(groups) > 8 else "") + " (listed in comments)",
    ]
    if g.guess is not None and g.export is not None:  # a guess is read from the export
        decisions += [f"export: {Path(g.export).name}, {g.guess.rows} rows",
                      f"  area: {g.guess.area_note}", f"  GPS: {g.guess.gps_note}",
                      f"  id: {g.guess.id_note}"]
    return decisions


def _todo(g: _Guessed) -> list[str]:
    """What the user still has to fill in or review."""
    todo = ["[study] title, place, population; [boundaries] unit and attribution"]
    if g.unmatched:
        todo.append(f"[boundaries.aliases]: choices of {g.area_q!r} that match no area: "
                    f"{', '.join(g.unmatched)}")
    if not g.has_crs:
        todo.append(f"[boundaries] crs: {g.boundaries.name} declares no CRS; give it "
                    '(e.g. crs = "EPSG:4326")')
    if g.export is None:
        todo.append("[survey] export: give the path of the survey export")
    if g.guess is not None and g.export is not None:  # a guess is read from the export
        todo += [f"review: {line}" for line in g.guess.review]
    return todo


def _study_section(g: _Guessed, study_path: Path) -> list[str]:
    """The header comments and the ``[study]`` table."""
    form = g.form
    title = form.title or "TODO: title of the study"
    return [
        f"# Study file written by geo4mi init from {g.boundaries.name} and "
        f"{g.form_path.name}.",
        "# Paths are relative to this file. Every key: README, \"The study file\". Check it "
        "with",
        f"#   geo4mi check {study_path.name}",
        "",
        "[study]",
        ("# TODO: check the title shown on every map and figure (the form's title)."
         if form.title else "# TODO: write the title shown on every map and figure."),
        f"title = {_toml(title)}",
        f"# Main language of the outputs; the form has labels in: "
        f"{', '.join(form.languages)}.",
        f"language = {_toml(g.language)}",
        "synthetic = false",
        "min_n = 10",
        "# TODO: name the place and the population the caveat speaks of (example below).",
        '# place = { es = "la ciudad", en = "the city" }',
        '# population = { es = "la población refugiada y migrante", '
        'en = "refugee and migrant population" }',
        "",
    ]


def _boundaries_section(g: _Guessed, folder: Path) -> list[str]:
    """The ``[boundaries]`` table, with the id and name candidates as comments."""
    lines = ["[boundaries]", f"path = {_toml(_rel(g.boundaries, folder))}"]
    if g.layer:
        lines.append(f"layer = {_toml(g.layer)}")
    lines += [
        f"# Columns with a distinct value for every area: {', '.join(g.ids)}",
        f"id_field = {_toml(g.id_field)}",
        f"# Text columns with a distinct name for every area: {', '.join(g.names)}",
        f"name_field = {_toml(g.name_field)}",
    ]
    if not g.has_crs:
        lines.append('# TODO: the file declares no CRS: crs = "EPSG:4326"')
    return [
        *lines,
        "# TODO: give the source of the boundaries and the name of one area (example below).",
        '# attribution = "National Statistics Office, 2022"',
        '# unit = { es = ["comuna", "comunas"], en = ["commune", "communes"] }',
        "",
    ]


def _survey_section(g: _Guessed, folder: Path) -> list[str]:
    """The ``[survey]`` table, with how sure each guess read from the export is."""
    area_q, matched, unmatched, guess, export = g.area_q, g.matched, g.unmatched, g.guess, \
        g.export
    lines = [
        "[survey]",
        f"export = {_toml(_rel(Path(export), folder) if export else 'export.csv')}",
        f"form = {_toml(_rel(g.form_path, folder))}",
    ]
    if area_q and g.in_form:
        lines.append(f"# The area question: {len(matched)} of {len(matched) + len(unmatched)} "
                     f"choices match {len(set(matched.values()))} of {g.n_areas} areas.")
    if unmatched:
        lines.append(f"# Unmatched choices (add [boundaries.aliases]): {', '.join(unmatched)}")
    if guess is not None and export is not None:  # a guess is read from the export
        lines += [f"# Read from {Path(export).name} ({guess.rows} rows); how sure each guess is:",
                  f"#   area: {guess.area_note}",
                  f"#   GPS: {guess.gps_note}",
                  f"#   id: {guess.id_note}",
                  *[f"# REVIEW: {line}" for line in guess.review]]
    lines += [
        f"area_column = {_toml(area_q or '')}",
        f"gps_question = {_toml(g.gps or '')}",
        f"placement = {_toml('prefer_declared' if area_q else 'prefer_gps')}",
    ]
    if guess is not None and guess.id_column:
        lines.append(f"id_column = {_toml(guess.id_column)}")
    lines.append("")
    return lines


def _indicators_section(g: _Guessed, cat_ref: str, cat_text: str | None) -> list[str]:
    """The ``[indicators]`` table: the catalogue, the grouping candidates as comments and
    (with a starter catalogue) the first indicators to draw."""
    lines = [
        "[indicators]",
        f"catalogue = {_toml(cat_ref)}",
        f"# Grouping candidates (select_one questions asked of everyone, with "
        f"{GROUP_CHOICES[0]} to {GROUP_CHOICES[1]} choices):",
        *[f"#   {line}" for line in textwrap.wrap(", ".join(_toml(x) for x in g.groups), 86)],
        "groups = []",
    ]
    if cat_text is not None:
        first = re.findall(r'^id = "([^"]+)"$', cat_text, flags=re.M)[:3]
        lines += ["# Figures drawn by build (all indicators when empty: slow for a starter "
                  "catalogue).",
                  f"figures = [{', '.join(_toml(i) for i in first)}]"]
    lines.append("")
    return lines


def _geometries(path: Path, layer: str | None, id_field: str,
                name_field: str) -> gpd.GeoDataFrame | None:
    """The boundaries with geometry, to count GPS points inside; None without a CRS."""
    from geo4mi.boundaries import load_areas
    from geo4mi.errors import Geo4miError

    try:
        return load_areas(path, layer=layer, id_field=id_field, name_field=name_field)
    except Geo4miError as exc:
        log.info("%s: GPS points not checked against the areas (%s)", path.name, exc)
        return None


#: Comment lines of a study file or starter catalogue that ``check`` lists.
_REVIEW = re.compile(r"^#\s*(REVIEW|TODO):\s*(.*\S)\s*$")


def review_notes(study_path: str | os.PathLike[str]) -> list[str]:
    """What ``geo4mi init`` asked the user to review, still in the files.

    The ``# REVIEW:`` and ``# TODO:`` comments of the study file and of its catalogue, as
    ``"<file>: <text>"``; deleting a comment takes it off the list.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> study = pathlib.Path(tempfile.mkdtemp()) / "s.toml"
    >>> _ = study.write_text("# REVIEW: area_column 'x': 80 %\\n[study]\\n", encoding="utf-8")
    >>> review_notes(study)
    ["s.toml: area_column 'x': 80 %"]
    """
    study_path = Path(study_path)
    files = [study_path]
    try:
        text = study_path.read_text(encoding="utf-8")
        raw = _tomllib().loads(text)
        catalogue = raw.get("indicators", {}).get("catalogue")
        if isinstance(catalogue, str) and catalogue:
            files.append(study_path.parent / catalogue)
    except (OSError, UnicodeDecodeError, ValueError):
        return []  # load_study says what is wrong with the file
    notes = []
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        notes += [f"{path.name}: {m.group(2)}" for m in map(_REVIEW.match, lines) if m]
    return notes


def _tomllib() -> ModuleType:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib


def write_scaffold(scaffold: Scaffold, *, overwrite: bool = False) -> list[Path]:
    """Write the study file (and starter catalogue) atomically; return the paths written.

    Raises :class:`OutputError` before writing anything when a file exists and
    ``overwrite`` is False.
    """
    from geo4mi.io import atomic_write, refuse_existing

    files = [(scaffold.study_path, scaffold.study_text)]
    if scaffold.catalogue_path is not None and scaffold.catalogue_text is not None:
        files.insert(0, (scaffold.catalogue_path, scaffold.catalogue_text))
    refuse_existing((path for path, _ in files), overwrite)
    for path, text in files:
        with atomic_write(path, overwrite=True) as tmp:
            tmp.write_bytes(text.encode("utf-8"))
    return [path for path, _ in files]
