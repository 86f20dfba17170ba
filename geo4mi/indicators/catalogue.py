"""The indicator catalogue: which proportions to estimate, among whom, and their labels.

A catalogue is a TOML file (the bundled one is ``data/indicators.toml``; the format is in
``docs/indicators.md``) with three parts:

- ``[themes.<id>]``: bilingual theme labels, in display order;
- ``[derived.<name>]``: grouping variables computed from a question, by ``map`` over a
  select_one or by ``bins`` over a number (:func:`add_derived`);
- ``[[indicator]]``: one proportion each, either "answer in ``choices``" of a select
  ``question`` or a composite ``numerator`` expression, among a ``universe``.

:func:`load_catalogue` checks every key, and, given the XLSForm, every question and choice
name the catalogue refers to, so typos fail at load time with the file and indicator named.

Examples
--------
>>> cat = load_catalogue(bundled_catalogue_path())
>>> cat["feel_safe"].theme, cat["feel_safe"].direction
('life_in_city', 'higher_better')
>>> list(cat.themes)
['profile', 'housing', 'services', 'livelihoods', 'protection', 'life_in_city']
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo4mi import i18n
from geo4mi.errors import CatalogueError, InputFileError
from geo4mi.indicators.expressions import Expression, parse
from geo4mi.labels import IndicatorInfo, Labels
from geo4mi.resources import bundled_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

log = logging.getLogger(__name__)

LangText = dict[str, str]

#: Languages of the bundled catalogue. A catalogue's labels need not have them: a label
#: needs at least one language (a one-language form gives one-language labels), and outputs
#: in a language a label lacks show its first language (:meth:`geo4mi.labels.Labels.text`).
LANGUAGES = ("es", "en")
DIRECTIONS = ("higher_worse", "higher_better", "neutral")
NOT_ASKED = ("exclude", "no")
TOP_KEYS = ("themes", "group_labels", "derived", "indicator")
INDICATOR_KEYS = ("id", "theme", "label", "question", "choices", "numerator", "universe",
                  "universe_label", "exclude", "not_asked", "direction")
DERIVED_KEYS = ("from", "label", "map", "bins", "labels", "values")
SELECT_TYPES = ("select_one", "select_multiple")
NUMBER_TYPES = ("integer", "decimal", "range", "calculate")

#: Universe label used when an indicator has no universe: the interface's own text, in every
#: language geo4mi speaks (``all_respondents`` of ``geo4mi/locales/``).
ALL_RESPONDENTS: LangText = dict(i18n.TEXT["all_respondents"])
#: "Other" (the ``or_other`` choice) in the interface's languages.
_OTHER: LangText = {"es": "Otro", "en": "Other", "fr": "Autre", "pt": "Outro"}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_LANG = re.compile(r"^[a-z]{2,3}$")


def bundled_catalogue_path() -> Path:
    """Path of the bundled catalogue, ``data/indicators.toml``.

    Examples
    --------
    >>> bundled_catalogue_path().name
    'indicators.toml'
    """
    return bundled_path("data", "indicators.toml")


# -- records ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Indicator:
    """One proportion of the catalogue.

    Either ``question`` + ``choices`` (the share answering one of ``choices``; for a
    select_multiple, the share that selected any of them) or ``numerator`` (a composite
    expression), among the respondents in ``universe`` with a valid answer.
    """

    id: str
    theme: str
    label: LangText
    direction: str
    question: str | None = None
    choices: tuple[str, ...] = ()
    numerator: Expression | None = None
    universe: Expression | None = None
    universe_label: LangText = field(default_factory=lambda: dict(ALL_RESPONDENTS))
    exclude: tuple[str, ...] = ()
    not_asked: str = "exclude"
    #: "select_one", "select_multiple" or "derived" when checked against a form, else None;
    #: "integer" or "decimal" (the question's type) for a numeric statistic.
    kind: str | None = None
    #: What the row estimates: "prop" (a proportion, the catalogue's indicators), or for a
    #: number question "mean", "median", or "ratio" (of ``question`` to ``denominator``);
    #: see :func:`add_numeric` and :mod:`geo4mi.indicators.numeric`.
    stat: str = "prop"
    #: The denominator question of a ratio.
    denominator: str | None = None
    #: Answer codes that are not values ("don't know" -99, "refused" 999): excluded.
    missing_codes: tuple[float, ...] = ()
    #: Valid values ``(low, high)`` read from the form's constraint (None: unbounded);
    #: answers outside are excluded (and counted).
    valid_range: tuple[float | None, float | None] = (None, None)
    #: The same for the denominator question of a ratio.
    denominator_range: tuple[float | None, float | None] = (None, None)


@dataclass(frozen=True)
class Derived:
    """A grouping variable computed from a question (``map``) or a number (``bins``)."""

    name: str
    source: str
    label: LangText
    values: dict[str, LangText]  # value name -> labels, in display order
    mapping: dict[str, str] | None = None
    bins: tuple[float, ...] | None = None

    def compute(self, source: pd.Series) -> pd.Series:
        """The derived column for ``source`` values (categorical, NA when unmapped).

        Examples
        --------
        >>> d = Derived("age_group", "age", {"es": "Edad", "en": "Age"},
        ...             {"young": {"es": "Joven", "en": "Young"},
        ...              "older": {"es": "Mayor", "en": "Older"}}, bins=(18, 30, float("inf")))
        >>> d.compute(pd.Series([17, 18, 45, None], dtype="Int64")).tolist()
        [nan, 'young', 'older', nan]
        """
        values = list(self.values)
        if self.bins is not None:
            numbers = pd.to_numeric(source, errors="coerce").astype("float64")
            out = pd.cut(numbers.to_numpy(dtype="float64", na_value=np.nan), list(self.bins),
                         right=False, labels=values)
            return pd.Series(out, index=source.index, name=self.name)
        assert self.mapping is not None
        codes, uniques = pd.factorize(source, use_na_sentinel=True)
        position = {v: i for i, v in enumerate(values)}
        lookup = np.array([-1 if (code := self.mapping.get(str(u))) is None
                           else position.get(code, -1) for u in uniques] + [-1], dtype=np.int64)
        unmapped = sorted({str(u) for u in uniques if str(u) not in self.mapping})
        if unmapped:
            log.warning("derived %r: %s value(s) of %r have no group and are left empty: %s",
                        self.name, len(unmapped), self.source, ", ".join(unmapped[:10]))
        cat = pd.Categorical.from_codes(lookup[codes], categories=values)
        return pd.Series(cat, index=source.index, name=self.name)


@dataclass(frozen=True)
class Catalogue:
    """A loaded, validated indicator catalogue.

    Attributes
    ----------
    path : Path
    themes : dict
        Theme id -> {lang: label}, in display order.
    indicators : tuple of Indicator
        In catalogue order.
    derived : dict
        Derived variable name -> :class:`Derived`, in file order.
    form : Form or None
        The XLSForm the catalogue was checked against.
    group_labels : dict
        Short labels of grouping variables (``[group_labels]``), which override the
        question text of plain-question groups such as ``gender``.
    """

    path: Path
    themes: dict[str, LangText]
    indicators: tuple[Indicator, ...]
    derived: dict[str, Derived]
    form: Any = None
    group_labels: dict[str, LangText] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.indicators)

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators)

    def __getitem__(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(f"{self.path}: no indicator {indicator_id!r}")

    def subset(self, ids: Sequence[str]) -> Catalogue:
        """A catalogue with only the indicators ``ids`` (in catalogue order).

        Examples
        --------
        >>> load_catalogue(bundled_catalogue_path()).subset(["feel_safe"]).ids
        ['feel_safe']
        """
        unknown = [i for i in ids if i not in self.ids]
        if unknown:
            raise CatalogueError(f"{self.path}: no indicator {unknown[0]!r}; "
                                 f"indicators: {', '.join(self.ids[:20])}...")
        keep = tuple(ind for ind in self.indicators if ind.id in set(ids))
        return replace(self, indicators=keep)

    @property
    def ids(self) -> list[str]:
        """Indicator ids in catalogue order."""
        return [ind.id for ind in self.indicators]

    def values_of(self, name: str) -> list[str] | None:
        """Ordered values of a grouping variable (derived or a form select_one), or None.

        Examples
        --------
        >>> load_catalogue(bundled_catalogue_path()).values_of("age_group")
        ['18_24', '25_44', '45_59', '60_plus']
        """
        if name in self.derived:
            return list(self.derived[name].values)
        if self.form is not None:
            info = _FormInfo(self.form)
            if info.type_of(name) in SELECT_TYPES:
                return info.choices_of(name)
        return None


# -- form access (through the design.md DataFrame contract only) ---------------------------

class _FormInfo:
    def __init__(self, form: Any) -> None:
        self.form = form
        q = form.questions
        self.types = dict(zip(q["name"].astype(str), q["type"].astype(str), strict=True))
        self.lists = dict(zip(q["name"].astype(str), q["list_name"].fillna("").astype(str),
                              strict=True))
        self.or_other = (dict(zip(q["name"].astype(str), q["or_other"].astype(bool), strict=True))
                         if "or_other" in q.columns else {})
        self.choices: dict[str, list[str]] = {}
        for ln, name in zip(form.choices["list_name"].astype(str),
                            form.choices["name"].astype(str), strict=True):
            self.choices.setdefault(ln, []).append(name)
        self.path = getattr(form, "path", "the form")

    def type_of(self, name: str) -> str | None:
        return self.types.get(name)

    def choices_of(self, name: str) -> list[str]:
        out = list(self.choices.get(self.lists.get(name, ""), []))
        if self.or_other.get(name) and "other" not in out:
            out.append("other")
        return out

    def labels(self, name: str) -> LangText:
        row = self.form.questions[self.form.questions["name"] == name]
        return _label_columns(row, name)

    def choice_labels(self, question: str, choice: str) -> LangText:
        table = self.form.choices
        row = table[(table["list_name"] == self.lists.get(question, "")) &
                    (table["name"] == choice)]
        if row.empty and choice == "other":
            return dict(_OTHER)
        return _label_columns(row, choice)


def _label_columns(row: pd.DataFrame, fallback: str) -> LangText:
    out: LangText = {}
    if not row.empty:
        rec = row.iloc[0]
        for col in row.columns:
            if isinstance(col, str) and col.startswith("label::"):
                text = rec[col]
                if isinstance(text, str) and text.strip():
                    out[col.split("::", 1)[1]] = text.strip()
    coded = {lang: text for lang, text in out.items() if _LANG.match(lang)}
    if coded:  # the form's languages, and only those
        return coded
    first = next(iter(out.values()), fallback)  # a plain "label" column: any language
    return dict.fromkeys(LANGUAGES, first)


# -- loading ------------------------------------------------------------------------------

class _Loader:
    def __init__(self, path: Path, form: Any) -> None:
        self.path = path
        self.form = _FormInfo(form) if form is not None else None
        self.derived: dict[str, Derived] = {}

    def fail(self, where: str, what: str, hint: str) -> CatalogueError:
        return CatalogueError(f"{self.path}: {where}: {what}; {hint}")

    def check_keys(self, table: Any, allowed: Sequence[str], where: str) -> None:
        if not isinstance(table, dict):
            raise self.fail(where, f"expected a table, found {table!r}",
                            "see docs/indicators.md for the format")
        unknown = [k for k in table if k not in allowed]
        if unknown:
            raise self.fail(where, f"unknown key {unknown[0]!r}",
                            f"allowed keys: {', '.join(allowed)}")

    def text(self, value: Any, where: str, key: str) -> LangText:
        if not isinstance(value, dict):
            raise self.fail(where, f"{key} must be a table of languages, found {value!r}",
                            f'write {key} = {{ es = "...", en = "..." }}')
        for lang, text in value.items():
            if not _LANG.match(str(lang)) or not isinstance(text, str) or not text.strip():
                raise self.fail(where, f"{key}: bad entry {lang!r} = {text!r}",
                                "use language codes (es, en) with non-empty text")
        if not value:
            raise self.fail(where, f"{key} has no text",
                            f'give it in the languages of the form, e.g. {key} = {{ en = "..." }}')
        return {str(k): v.strip() for k, v in value.items()}

    def names(self, value: Any, where: str, key: str, *, required: bool) -> tuple[str, ...]:
        if value is None and not required:
            return ()
        if (not isinstance(value, list) or (required and not value)
                or not all(isinstance(v, str) and v for v in value)):
            raise self.fail(where, f"{key} must be a list of choice names, found {value!r}",
                            f'write {key} = ["yes"]')
        if len(set(value)) != len(value):
            raise self.fail(where, f"{key} repeats a choice ({value!r})", "list each once")
        return tuple(value)

    # -- themes ---------------------------------------------------------------------------
    def themes(self, raw: Any) -> dict[str, LangText]:
        if not isinstance(raw, dict) or not raw:
            raise self.fail("[themes]", "no themes are defined",
                            'add [themes.<id>] tables with label = { es = "...", en = "..." }')
        out: dict[str, LangText] = {}
        for tid, table in raw.items():
            where = f"[themes.{tid}]"
            self.check_keys(table, ("label",), where)
            if "label" not in table:
                raise self.fail(where, "missing key 'label'", "give the theme a label")
            out[tid] = self.text(table["label"], where, "label")
        return out

    # -- derived ----------------------------------------------------------------------------
    def derived_var(self, name: str, table: Any) -> Derived:
        where = f"[derived.{name}]"
        self.check_keys(table, DERIVED_KEYS, where)
        if not _ID.match(name):
            raise self.fail(where, f"bad name {name!r}", "use lower case letters, digits, _")
        for key in ("from", "label", "values"):
            if key not in table:
                raise self.fail(where, f"missing key {key!r}",
                                "a derived variable needs from, label, values and "
                                "either map or bins + labels")
        source = table["from"]
        if not isinstance(source, str):
            raise self.fail(where, f"from must be a question name, found {source!r}",
                            'write from = "nationality"')
        label = self.text(table["label"], where, "label")
        raw_values = table["values"]
        if not isinstance(raw_values, dict) or not raw_values:
            raise self.fail(where, "values must be a table of value labels",
                            'write values.<value> = { es = "...", en = "..." }')
        values = {str(v): self.text(t, where, f"values.{v}") for v, t in raw_values.items()}
        if self.form is not None:
            if self.form.type_of(name) is not None:
                raise self.fail(where, f"{name!r} is also a question of the form",
                                "give the derived variable another name")
            if self.form.type_of(source) is None and source not in self.derived:
                raise self.fail(where, f"from: unknown question {source!r}",
                                f"use a question of {self.form.path}")
        if ("map" in table) == ("bins" in table):
            raise self.fail(where, "give exactly one of 'map' and 'bins'",
                            "map groups choices, bins cuts a number")
        if "map" in table:
            if "labels" in table:
                raise self.fail(where, "'labels' goes with 'bins', not 'map'",
                                "list the groups under values")
            mapping = table["map"]
            if not isinstance(mapping, dict) or not all(isinstance(v, str)
                                                        for v in mapping.values()):
                raise self.fail(where, f"map must be a table of choice = group, found "
                                f"{mapping!r}", 'write map = { colombia = "south_america" }')
            bad = [g for g in mapping.values() if g not in values]
            if bad:
                raise self.fail(where, f"map: group {bad[0]!r} has no entry in values",
                                f"values are {', '.join(values)}")
            self.check_map_source(where, source, mapping)
            return Derived(name, source, label, values, mapping=dict(mapping))
        bins, labels = table["bins"], table.get("labels")
        if (not isinstance(bins, list) or len(bins) < 2
                or not all(isinstance(b, (int, float)) and not isinstance(b, bool)
                           for b in bins)
                or any(b >= c for b, c in itertools.pairwise(bins))):
            raise self.fail(where, f"bins must be increasing numbers, found {bins!r}",
                            "write bins = [18, 25, 45, 60, inf] (each bin is [low, high))")
        if labels != list(values):
            raise self.fail(where, f"labels {labels!r} must name the bins in the order of "
                            f"values ({list(values)!r})", "one label per bin, as in values")
        if len(labels) != len(bins) - 1:
            raise self.fail(where, f"{len(bins)} bin edges need {len(bins) - 1} labels, "
                            f"found {len(labels)}", "give one label per [low, high) bin")
        if self.form is not None and source not in self.derived:
            kind = self.form.type_of(source)
            if kind not in NUMBER_TYPES:
                raise self.fail(where, f"bins need a number question, {source!r} is {kind!r}",
                                "use map for select questions")
        return Derived(name, source, label, values, bins=tuple(float(b) for b in bins))

    def check_map_source(self, where: str, source: str, mapping: dict[str, str]) -> None:
        if self.form is None:
            return
        if source in self.derived:
            known = list(self.derived[source].values)
        elif self.form.type_of(source) == "select_one":
            known = self.form.choices_of(source)
        else:
            raise self.fail(where, f"map needs a select_one question, {source!r} is "
                            f"{self.form.type_of(source)!r}", "use bins for numbers")
        unknown = [k for k in mapping if k not in known]
        if unknown:
            raise self.fail(where, f"map: {unknown[0]!r} is not a choice of {source!r}",
                            f"choices: {', '.join(known)}")
        unmapped = [k for k in known if k not in mapping]
        if unmapped:
            raise self.fail(where, f"map: choice {unmapped[0]!r} of {source!r} has no group",
                            "map every choice (use an 'other' group if needed)")

    # -- indicators -------------------------------------------------------------------------
    def indicator(self, i: int, raw: Any, themes: dict[str, LangText]) -> Indicator:
        rid = raw.get("id") if isinstance(raw, dict) else None
        where = f"[[indicator]] #{i + 1}" + (f" ({rid!r})" if isinstance(rid, str) else "")
        self.check_keys(raw, INDICATOR_KEYS, where)
        for key in ("id", "theme", "label", "direction"):
            if key not in raw:
                raise self.fail(where, f"missing key {key!r}",
                                "every indicator needs id, theme, label and direction")
        iid = raw["id"]
        if not isinstance(iid, str) or not _ID.match(iid):
            raise self.fail(where, f"bad id {iid!r}",
                            "use lower case letters, digits and _, starting with a letter")
        if raw["theme"] not in themes:
            raise self.fail(where, f"unknown theme {raw['theme']!r}",
                            f"themes: {', '.join(themes)}")
        if raw["direction"] not in DIRECTIONS:
            raise self.fail(where, f"bad direction {raw['direction']!r}",
                            f"use one of {', '.join(DIRECTIONS)}")
        not_asked = raw.get("not_asked", "exclude")
        if not_asked not in NOT_ASKED:
            raise self.fail(where, f"bad not_asked {not_asked!r}",
                            f"use one of {', '.join(NOT_ASKED)}")
        label = self.text(raw["label"], where, "label")
        if ("question" in raw) == ("numerator" in raw):
            raise self.fail(where, "give exactly one of 'question' (with choices) and "
                            "'numerator'", "question counts answers, numerator is a "
                            "composite expression")
        universe = None
        if "universe" in raw:
            universe = self.expression(raw["universe"], f"{where}, key 'universe'")
            if "universe_label" not in raw:
                raise self.fail(where, "universe without universe_label",
                                "say in words who the universe is (es and en)")
        ulabel = (self.text(raw["universe_label"], where, "universe_label")
                  if "universe_label" in raw else dict(ALL_RESPONDENTS))
        if "numerator" in raw:
            for key in ("choices", "exclude"):
                if key in raw:
                    raise self.fail(where, f"{key!r} goes with 'question', not 'numerator'",
                                    "put conditions in the numerator or universe expression")
            numerator = self.expression(raw["numerator"], f"{where}, key 'numerator'")
            return Indicator(iid, raw["theme"], label, raw["direction"], numerator=numerator,
                             universe=universe, universe_label=ulabel, not_asked=not_asked)
        question = raw["question"]
        if not isinstance(question, str) or not question:
            raise self.fail(where, f"question must be a question name, found {question!r}",
                            'write question = "feel_safe"')
        if "choices" not in raw:
            raise self.fail(where, "missing key 'choices'",
                            'list the answers counted as yes, e.g. choices = ["yes"]')
        choices = self.names(raw["choices"], where, "choices", required=True)
        exclude = self.names(raw.get("exclude"), where, "exclude", required=False)
        both = set(choices) & set(exclude)
        if both:
            raise self.fail(where, f"{sorted(both)[0]!r} is in both choices and exclude",
                            "an answer is either counted or removed from the denominator")
        kind = self.check_question(where, question, choices + exclude)
        return Indicator(iid, raw["theme"], label, raw["direction"], question=question,
                         choices=choices, universe=universe, universe_label=ulabel,
                         exclude=exclude, not_asked=not_asked, kind=kind)

    def choices_known(self, name: str) -> tuple[str | None, list[str]]:
        """(kind, choices) of a question or derived variable; kind None when unknown."""
        if name in self.derived:
            return "derived", list(self.derived[name].values)
        assert self.form is not None
        kind = self.form.type_of(name)
        if kind in SELECT_TYPES:
            return kind, self.form.choices_of(name)
        return kind, []

    def check_question(self, where: str, question: str, names: Sequence[str]) -> str | None:
        if question in self.derived:
            kind: str | None = "derived"
            known = list(self.derived[question].values)
        elif self.form is None:
            return None
        else:
            kind, known = self.choices_known(question)
            if kind is None:
                raise self.fail(where, f"unknown question {question!r}",
                                f"use a question of {self.form.path} or a derived variable")
            if kind not in SELECT_TYPES:
                raise self.fail(where, f"question {question!r} is {kind!r}",
                                "use a select_one or select_multiple question, or a "
                                "numerator expression")
        unknown = [c for c in names if c not in known]
        if unknown:
            raise self.fail(where, f"{unknown[0]!r} is not a choice of {question!r}",
                            f"choices: {', '.join(known)}")
        return kind

    def expression(self, text: Any, where: str) -> Expression:
        expr = parse(text, context=f"{self.path}: {where}")
        if self.form is not None:
            self.check_expression(expr)
        return expr

    def check_expression(self, expr: Expression) -> None:
        """Check names and choices of ``expr`` against the form and derived variables."""
        assert self.form is not None
        for name, pos in expr.references():
            q, _, choice = name.partition("/")
            kind, known = self.choices_known(q)
            if kind is None:
                raise expr.error(pos, f"unknown question {q!r}",
                                 f"use a question of {self.form.path} or a derived variable")
            if choice:
                if kind != "select_multiple":
                    raise expr.error(pos, f"{name!r}: {q!r} is {kind!r}, not select_multiple",
                                     f"write {q} == '{choice}'")
                if choice not in known:
                    raise expr.error(pos, f"{choice!r} is not a choice of {q!r}",
                                     f"choices: {', '.join(known)}")
        for name, how, value, pos in expr.comparisons():
            if "/" in name:
                continue
            kind, known = self.choices_known(name)
            if how == "compare" and kind == "select_multiple":
                raise expr.error(pos, f"{name!r} is select_multiple",
                                 f"use selected({name}, 'choice') or {name}/choice")
            if kind in ("select_one", "derived") or how == "selected":
                if kind not in (*SELECT_TYPES, "derived"):
                    raise expr.error(pos, f"selected() needs a select question, {name!r} is "
                                     f"{kind!r}", "compare the value instead")
                if value not in known:
                    raise expr.error(pos, f"{value!r} is not a choice of {name!r}",
                                     f"choices: {', '.join(known)}")
            elif kind in NUMBER_TYPES and isinstance(value, str):
                raise expr.error(pos, f"{name!r} is a number ({kind})",
                                 "compare it with a number, e.g. age >= 18")
        for name, pos in expr.bare_names():
            if "/" not in name:
                raise expr.error(pos, f"{name!r} is not a yes/no value",
                                 f"compare it, e.g. {name} == 'yes'")


def load_catalogue(path: str | os.PathLike[str], form: Any = None) -> Catalogue:
    """Read and validate an indicator catalogue.

    Parameters
    ----------
    path : path-like
        The catalogue TOML file.
    form : Form, optional
        The XLSForm (:func:`geo4mi.survey.xlsform.read_form`). When given, every question,
        choice and expression name is checked against it.

    Returns
    -------
    Catalogue

    Raises
    ------
    InputFileError
        The file is missing or not valid TOML.
    CatalogueError
        Unknown key, missing key, bad value, or an unknown question or choice.
    ExpressionError
        A universe or numerator cannot be parsed or refers to an unknown name.

    Examples
    --------
    >>> cat = load_catalogue(bundled_catalogue_path())
    >>> len(cat) >= 30, cat.values_of("nationality_group")[0]
    (True, 'venezuela')
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(f"{path}: catalogue file not found; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot read the catalogue ({exc}); save it as UTF-8 "
                             "text") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    loader = _Loader(path, form)
    loader.check_keys(raw, TOP_KEYS, "top level")
    themes = loader.themes(raw.get("themes"))
    raw_groups = raw.get("group_labels", {})
    if not isinstance(raw_groups, dict):
        raise loader.fail("[group_labels]", f"expected a table, found {raw_groups!r}",
                          'write gender = { es = "Género", en = "Gender" }')
    group_labels = {name: loader.text(text, "[group_labels]", name)
                    for name, text in raw_groups.items()}
    raw_derived = raw.get("derived", {})
    if not isinstance(raw_derived, dict):
        raise loader.fail("[derived]", f"expected tables, found {raw_derived!r}",
                          "write [derived.<name>] tables")
    for name, table in raw_derived.items():
        loader.derived[name] = loader.derived_var(name, table)
    raw_ind = raw.get("indicator")
    if not isinstance(raw_ind, list) or not raw_ind:
        raise loader.fail("[[indicator]]", "no indicators are defined",
                          "add [[indicator]] tables (see docs/indicators.md)")
    indicators: list[Indicator] = []
    seen: set[str] = set()
    for i, item in enumerate(raw_ind):
        ind = loader.indicator(i, item, themes)
        if ind.id in seen:
            raise loader.fail(f"[[indicator]] #{i + 1}", f"duplicate id {ind.id!r}",
                              "give every indicator its own id")
        seen.add(ind.id)
        indicators.append(ind)
    log.info("%s: %d indicators, %d derived variables", path.name, len(indicators),
             len(loader.derived))
    return Catalogue(path=path, themes=themes, indicators=tuple(indicators),
                     derived=dict(loader.derived), form=form, group_labels=group_labels)


# -- numeric questions -------------------------------------------------------------------

#: Statistics of number questions (:func:`add_numeric`); "prop" is every other indicator.
NUMERIC_STATS = ("mean", "median", "ratio")
#: XLSForm types that get a mean and a median.
NUMERIC_TYPES = ("integer", "decimal")
RATIO_KEYS = ("id", "numerator", "denominator", "label", "theme")
_BOUND = re.compile(r"^\s*\.\s*(>=|>|<=|<)\s*(-?\d+(?:\.\d+)?)\s*$")
_STAT_WORDS = {"mean": {"es": "Media", "en": "Mean", "fr": "Moyenne", "pt": "Média"},
               "median": {"es": "Mediana", "en": "Median", "fr": "Médiane", "pt": "Mediana"},
               "ratio": {"es": "Razón", "en": "Ratio", "fr": "Rapport", "pt": "Razão"}}


def constraint_range(constraint: Any) -> tuple[float | None, float | None]:
    """Valid values ``(low, high)`` of a simple XLSForm constraint, else ``(None, None)``.

    Only conjunctions of bounds on ``.`` are read (``. >= 18 and . <= 100``); any other
    constraint leaves the values unbounded. A strict bound (``. > 0``) becomes the next
    float above (below) its number, so that ``low <= value <= high`` reads it exactly.

    Examples
    --------
    >>> constraint_range(". >= 18 and . <= 100")
    (18.0, 100.0)
    >>> constraint_range(". > 0")[0] > 0
    True
    >>> constraint_range("regex(., '^[0-9]+$')")
    (None, None)
    """
    if not isinstance(constraint, str) or not constraint.strip():
        return None, None
    low: float | None = None
    high: float | None = None
    for part in re.split(r"\band\b", constraint):
        m = _BOUND.match(part)
        if m is None:
            return None, None
        value = float(m.group(2))
        if m.group(1) in (">", "<"):
            value = float(np.nextafter(value, np.inf if m.group(1) == ">" else -np.inf))
        if m.group(1).startswith(">"):
            low = value if low is None else max(low, value)
        else:
            high = value if high is None else min(high, value)
    return low, high


def add_numeric(catalogue: Catalogue, form: Any = None, *,
                questions: Sequence[str] | None = None,
                ratios: Sequence[dict[str, Any]] = (),
                missing_codes: Sequence[float] = (), source: str = "the study file"
                ) -> Catalogue:
    """The catalogue with a mean and a median per number question, and declared ratios.

    Parameters
    ----------
    catalogue : Catalogue
    form : Form, optional
        The XLSForm: gives the number questions, their labels, their theme (the form's
        group, when it is a theme of the catalogue; else the first theme) and their valid
        range (a constraint such as ``. >= 18 and . <= 100``).
    questions : sequence of str, optional
        The number questions to summarise (study key ``[indicators] numeric``); None: every
        ``integer`` and ``decimal`` question of the form; empty: none.
    ratios : sequence of dict
        ``{id, numerator, denominator}`` (and optional ``label = {es, en}``, ``theme``):
        the ratio of the two questions' sums (study key ``[indicators] ratios``).
    missing_codes : sequence of float
        Answers that are codes, not values (``-99`` "don't know", ``999`` "refused"),
        excluded from every numeric statistic and counted (``[indicators]
        missing_codes``).
    source : str
        Named in error messages (the study file).

    Returns
    -------
    Catalogue
        The same catalogue, with indicators ``<q>_mean`` and ``<q>_median`` (``stat``
        ``"mean"`` / ``"median"``) and each ratio (``stat = "ratio"``) appended, direction
        ``"neutral"``.

    Raises
    ------
    CatalogueError
        A named question is not a number question of the form, an id is taken, or a ratio
        table has unknown or missing keys.

    Examples
    --------
    >>> from geo4mi.survey.xlsform import read_form
    >>> from geo4mi.resources import bundled_path
    >>> form = read_form(bundled_path("data", "questionnaire.xlsx"))
    >>> cat = add_numeric(load_catalogue(bundled_catalogue_path(), form), form)
    >>> [(i.id, i.stat, i.valid_range) for i in cat.indicators if i.stat != "prop"][:2]
    [('age_mean', 'mean', (18.0, 100.0)), ('age_median', 'median', (18.0, 100.0))]
    """
    info = _FormInfo(form) if form is not None else None
    codes = tuple(float(c) for c in missing_codes)
    first_theme = next(iter(catalogue.themes))

    def fail(what: str, hint: str) -> CatalogueError:
        return CatalogueError(f"{source}: [indicators] {what}; {hint}")

    def number_question(name: Any, key: str) -> tuple[str | None, LangText, str, tuple]:
        if not isinstance(name, str) or not name:
            raise fail(f"{key}: {name!r} is not a question name", 'write e.g. "hh_size"')
        if info is None:
            return None, {"es": name, "en": name}, first_theme, (None, None)
        kind = info.type_of(name)
        if kind not in NUMERIC_TYPES:
            raise fail(f"{key}: {name!r} is {kind!r}, not a number question of {info.path}",
                       f"use one of its integer or decimal questions ({', '.join(numbers)})"
                       if numbers else "the form has no integer or decimal question")
        row = form.questions[form.questions["name"] == name].iloc[0]
        group = str(row.get("group", "") or "")
        theme = group if group in catalogue.themes else first_theme
        return kind, info.labels(name), theme, constraint_range(row.get("constraint"))

    numbers = ([n for n, k in info.types.items() if k in NUMERIC_TYPES] if info is not None
               else [])
    if questions is None:
        questions = numbers
    taken = set(catalogue.ids)
    added: list[Indicator] = []

    def add(ind: Indicator) -> None:
        if ind.id in taken:
            raise fail(f"indicator id {ind.id!r} is taken (catalogue or another numeric "
                       "statistic)", "rename the catalogue indicator or the ratio")
        taken.add(ind.id)
        added.append(ind)

    for q in dict.fromkeys(questions):
        kind, label, theme, bounds = number_question(q, "numeric")
        for stat in ("mean", "median"):
            word = _STAT_WORDS[stat]
            add(Indicator(f"{q}_{stat}", theme, {lang: f"{word.get(lang, word['en'])}: {text}"
                                                   for lang, text in label.items()},
                          "neutral", question=q, kind=kind, stat=stat, missing_codes=codes,
                          valid_range=bounds))
    for i, raw in enumerate(ratios):
        where = f"ratios[{i}]"
        if not isinstance(raw, dict):
            raise fail(f"{where}: expected a table, found {raw!r}",
                       'write { id = "...", numerator = "q1", denominator = "q2" }')
        unknown = [k for k in raw if k not in RATIO_KEYS]
        if unknown:
            raise fail(f"{where}: unknown key {unknown[0]!r}",
                       f"allowed keys: {', '.join(RATIO_KEYS)}")
        missing = [k for k in RATIO_KEYS[:3] if k not in raw]
        if missing:
            raise fail(f"{where}: missing key {missing[0]!r}",
                       "a ratio needs id, numerator and denominator")
        rid = raw["id"]
        if not isinstance(rid, str) or not _ID.match(rid):
            raise fail(f"{where}: bad id {rid!r}",
                       "use lower case letters, digits and _, starting with a letter")
        kind, num_label, theme, bounds = number_question(raw["numerator"], f"{where} numerator")
        _, den_label, _, den_bounds = number_question(raw["denominator"],
                                                      f"{where} denominator")
        if raw["numerator"] == raw["denominator"]:
            raise fail(f"{where}: numerator and denominator are both {rid!r}",
                       "a ratio compares two questions")
        theme = raw.get("theme", theme)
        if theme not in catalogue.themes:
            raise fail(f"{where}: unknown theme {theme!r}",
                       f"themes: {', '.join(catalogue.themes)}")
        if "label" in raw:
            label = _Loader(catalogue.path, None).text(raw["label"], f"{source}: {where}",
                                                       "label")
        else:
            word = _STAT_WORDS["ratio"]
            label = {lang: (f"{word.get(lang, word['en'])}: {text} / "
                            f"{den_label.get(lang) or next(iter(den_label.values()))}")
                     for lang, text in num_label.items()}
        add(Indicator(rid, theme, label, "neutral", question=raw["numerator"], kind=kind,
                      stat="ratio", denominator=raw["denominator"], missing_codes=codes,
                      valid_range=bounds, denominator_range=den_bounds))
    if added:
        log.info("%d numeric statistics added: %s", len(added),
                 ", ".join(ind.id for ind in added))
    return replace(catalogue, indicators=catalogue.indicators + tuple(added))


# -- respondents and labels --------------------------------------------------------------

def columns_needed(catalogue: Catalogue, groups: Sequence[str] = ()) -> dict[str, list[str]]:
    """The questions the catalogue and the grouping variables read, each with who reads it.

    Derived variables are replaced by their source question.

    Parameters
    ----------
    catalogue : Catalogue
    groups : sequence of str
        The study's grouping variables (``[indicators] groups``).

    Returns
    -------
    dict
        Question name -> readers: the catalogue's in its order (``"indicator
        'feel_safe'"``, ``"indicator 'complaint_filed' (universe)"``,
        ``"[derived.age_group]"``), then the groups (``"group 'gender'"``), then the
        statistics of :func:`add_numeric`, which the study file declares (``"statistics
        'age_mean' and 'age_median' ([indicators] numeric)"``, ``"ratio 'id' ([indicators]
        ratios)"``).

    Examples
    --------
    >>> cat = load_catalogue(bundled_catalogue_path())
    >>> needed = columns_needed(cat, ["gender", "age_group"])
    >>> needed["gender"][-1]
    "group 'gender'"
    >>> needed["crime_victim"][:2]
    ["indicator 'crime_victim'", "indicator 'complaint_filed' (universe)"]
    >>> needed["age"][:2]
    ['[derived.age_group]', "group 'age_group' (derived from 'age')"]
    """
    needed: dict[str, list[str]] = {}

    def add(name: str, who: str) -> None:
        question = name.partition("/")[0]
        if question in catalogue.derived:
            source = catalogue.derived[question].source
            needed.setdefault(source, [])
            if f"[derived.{question}]" not in needed[source]:
                needed[source].append(f"[derived.{question}]")
            if who.startswith("group"):
                needed[source].append(f"{who} (derived from {source!r})")
            return
        readers = needed.setdefault(question, [])
        if who not in readers:
            readers.append(who)

    numeric = [ind for ind in catalogue.indicators if ind.stat != "prop"]
    for ind in catalogue.indicators:
        if ind.stat != "prop":
            continue
        if ind.question:
            add(ind.question, f"indicator {ind.id!r}")
        if ind.denominator:
            add(ind.denominator, f"indicator {ind.id!r} (denominator)")
        for part, expr in (("numerator", ind.numerator), ("universe", ind.universe)):
            if expr is not None:
                for name, _ in expr.references():
                    add(name, f"indicator {ind.id!r} ({part})")
    for g in groups:
        if g != "all":
            add(g, f"group {g!r}")
    stats: dict[str, list[str]] = {}  # the study file's statistics (add_numeric), last
    for ind in numeric:
        if ind.stat == "ratio":
            for ref in (ind.question, ind.denominator):
                add(str(ref), f"ratio {ind.id!r} ([indicators] ratios)")
        else:
            stats.setdefault(str(ind.question), []).append(repr(ind.id))
    for question, ids in stats.items():  # one reader for a question's mean and median
        add(question, f"statistics {' and '.join(ids)} ([indicators] numeric)")
    return needed



def add_derived(respondents: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Return a copy of ``respondents`` with the catalogue's derived variables added.

    Derived columns are categorical (categories in the catalogue's value order), NA when
    the source is missing, out of every bin or not in the map (logged).

    Raises
    ------
    CatalogueError
        A derived variable's source column is not in the respondents.

    Examples
    --------
    >>> cat = load_catalogue(bundled_catalogue_path())
    >>> df = pd.DataFrame({"nationality": ["haiti", "peru"],
    ...                    "age": pd.array([19, 61], dtype="Int64")})
    >>> out = add_derived(df, cat)
    >>> out["nationality_group"].tolist(), out["age_group"].tolist()
    (['caribbean', 'other_south_america'], ['18_24', '60_plus'])
    """
    out = respondents.copy(deep=False)  # copy-on-write: a copy, sharing the columns
    for name, d in catalogue.derived.items():
        if d.source not in out.columns:
            raise CatalogueError(f"{catalogue.path}: [derived.{name}]: from: column "
                                 f"{d.source!r} is not in the respondents; check that the "
                                 "export has this question")
        if name in respondents.columns:
            log.info("derived %r replaces the column of the same name", name)
        out[name] = d.compute(out[d.source])
    return out


def build_labels(catalogue: Catalogue, form: Any, groups: Sequence[str]) -> Labels:
    """Bilingual labels for outputs: themes, indicators, grouping variables and values.

    Parameters
    ----------
    catalogue : Catalogue
    form : Form or None
        Labels of plain-question groups (e.g. ``gender``) come from its choice labels.
    groups : sequence of str
        Grouping variables; ``"all"`` is always added first.

    Returns
    -------
    Labels

    Raises
    ------
    CatalogueError
        A group is neither derived nor a select question of the form.

    Examples
    --------
    >>> labels = build_labels(load_catalogue(bundled_catalogue_path()), None, ["age_group"])
    >>> labels.group_value_label("age_group", "60_plus", "en")
    '60 and over'
    >>> labels.group_var_label("all", "es")
    'Todas las personas encuestadas'
    """
    info = _FormInfo(form) if form is not None else None
    group_vars: dict[str, LangText] = {"all": dict(ALL_RESPONDENTS)}
    group_values: dict[str, dict[str, LangText]] = {"all": {"all": dict(ALL_RESPONDENTS)}}
    for g in groups:
        if g == "all":
            continue
        if g in catalogue.derived:
            d = catalogue.derived[g]
            group_vars[g] = dict(d.label)
            group_values[g] = {v: dict(t) for v, t in d.values.items()}
        elif info is not None and info.type_of(g) == "select_one":
            group_vars[g] = info.labels(g)
            group_values[g] = {c: info.choice_labels(g, c) for c in info.choices_of(g)}
        else:
            raise CatalogueError(f"{catalogue.path}: grouping variable {g!r} is neither a "
                                 "derived variable of the catalogue nor a select_one question"
                                 " of the form; define it under [derived] or fix the name")
    group_sources = {g: _sources(catalogue, g) for g in group_vars if g != "all"}
    indicators = {ind.id: IndicatorInfo(id=ind.id, theme=ind.theme, label=dict(ind.label),
                                        direction=ind.direction,
                                        universe=dict(ind.universe_label),
                                        question=_wording(catalogue, ind, info),
                                        reads=_reads(catalogue, ind))
                  for ind in catalogue.indicators}
    for g, text in catalogue.group_labels.items():
        if g in group_vars:
            group_vars[g] = dict(text)
    title = getattr(form, "title", "") if form is not None else ""
    return Labels(themes={k: dict(v) for k, v in catalogue.themes.items()},
                  indicators=indicators, group_vars=group_vars, group_values=group_values,
                  survey_title={lang: title
                                for lang in (*LANGUAGES, *getattr(form, "languages", ()))
                                if _LANG.match(lang)} if title else {},
                  group_sources=group_sources)


def _sources(catalogue: Catalogue, name: str) -> tuple[str, ...]:
    """The form questions behind a name: a derived variable's source, else the name."""
    seen: list[str] = []
    while name in catalogue.derived and name not in seen:
        seen.append(name)
        name = catalogue.derived[name].source
    return (name,)


def _reads(catalogue: Catalogue, ind: Indicator) -> tuple[str, ...]:
    """The form questions an indicator's answer is read from (not its universe)."""
    names = [ind.question] if ind.question else []
    if ind.numerator is not None:
        names += sorted(ind.numerator.names)
    return tuple(dict.fromkeys(q for n in names for q in _sources(catalogue, n)))


def _wording(catalogue: Catalogue, ind: Indicator, info: _FormInfo | None) -> LangText:
    """The form's wording of the question(s) an indicator counts, per language."""
    if info is None:
        return {}
    names = _reads(catalogue, ind)
    texts = [info.labels(n) for n in names if info.type_of(n) is not None]
    if not texts:
        return {}
    return {lang: " / ".join(dict.fromkeys(t[lang] for t in texts if t.get(lang)))
            for lang in texts[0]}

