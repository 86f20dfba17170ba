"""IMPACT ``analysistools`` results tables, and runs driven by a list of analyses (LOA).

A key of IMPACT's R package ``analysistools`` names one quantity::

    prop_select_one @/@ feel_safe %/% yes @/@ area_id %/% 09015 -/- gender %/% woman

(type ``@/@`` analysis variable ``%/%`` its value ``@/@`` each group variable ``%/%`` its
value, joined by ``-/-``; ``NA %/% NA`` without groups). geo4mi writes a key only for the
quantity ``analysistools`` computes for it:

* ``prop_select_one @/@ q %/% c``: the share answering ``c`` among the respondents with an
  answer to ``q`` (NA answers are out of ``n_total``); ``prop_select_multiple @/@ q %/% c``:
  the share ticking ``c`` among those with a value in the ``q/c`` column;
* a catalogue indicator that differs from that — a restricted ``universe``, ``exclude``
  answers, or ``not_asked = "no"`` (not asked counted as no) — gets its own analysis
  variable ``<question>__<indicator id>`` (e.g. ``assistance_types__assist_food``);
  a composite or several choices is ``prop_select_one`` of ``<indicator id>`` with value
  ``"1"``; a derived variable (``age_group``) keeps its own name;
* ``mean`` / ``median @/@ q %/% NA``: over the answers of ``q``; when the form's constraint
  or ``missing_codes`` exclude answers the variable is ``q__valid``.

Rows come only from the *estimates* (after :func:`~geo4mi.indicators.suppression.published`):
``status`` is ``ok`` or ``suppressed``; a suppressed row keeps its key and has no number;
an empty cell (``n_total = 0``), which ``analysistools`` never emits, is left out.
``n_w`` and ``n_w_total`` equal ``n`` and ``n_total`` without weights; with weights (a
``weight`` column, raked weights or both) they are the weights summed over the counted
respondents and the cell (the estimates' ``numerator_w`` and ``n_w``; for a mean or median
both are the answers' weights). Groups with an NA value, which
``analysistools`` reports as a group ``NA``, are not rows: geo4mi counts them in ``"all"``
only; nor is the select_multiple ``%/% NA`` row (the count of respondents not asked).

Examples
--------
>>> import pandas as pd
>>> from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
>>> from geo4mi.indicators.estimate import estimate
>>> cat = load_catalogue(bundled_catalogue_path()).subset(["feel_safe", "assist_food"])
>>> df = pd.DataFrame({"area_id": ["09015"] * 10, "feel_safe": ["yes"] * 10,
...                    "assistance_types/food": [True] * 10})
>>> table = to_analysistools(estimate(df, cat, area_ids=["09015", "09002"], groups=[]), cat)
>>> for key in table["analysis_key"]:
...     print(key)
prop_select_one @/@ feel_safe %/% yes @/@ NA %/% NA
prop_select_one @/@ feel_safe %/% yes @/@ area_id %/% 09015
prop_select_one @/@ assistance_types__assist_food %/% food @/@ NA %/% NA
prop_select_one @/@ assistance_types__assist_food %/% food @/@ area_id %/% 09015
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo4mi.errors import AnalysisListError, CatalogueError, DisclosureError, InputFileError
from geo4mi.indicators.catalogue import Catalogue, Indicator
from geo4mi.indicators.design import design_of_estimates
from geo4mi.indicators.estimate import CITY, PROP
from geo4mi.indicators.suppression import published
from geo4mi.indicators.tables import (
    ANALYSISTOOLS_COLUMNS,
    _chunks,
    data_note,
    design_columns,
    write_slices_csv,
    write_table_csv,
)

log = logging.getLogger(__name__)

#: Columns of :func:`to_analysistools`: analysistools' results columns in its order, then
#: ``status`` and the design columns of the estimates.
COLUMNS = ANALYSISTOOLS_COLUMNS
#: Analysis types a list of analyses may ask for.
LOA_TYPES = ("prop_select_one", "prop_select_multiple", "mean", "median")
#: Prefix of the ids of the answer-option indicators :func:`with_options` adds.
OPTION_PREFIX = "opt__"
#: The grouping variable of the areas in keys.
AREA_VAR = "area_id"


@dataclass(frozen=True)
class AnalysisVar:
    """What one indicator is in analysistools terms."""

    type: str
    var: str
    value: str
    #: The question (or derived variable) it reads; None for composites.
    question: str | None = None


def _is_plain(ind: Indicator) -> bool:
    """An indicator that is exactly analysistools' proportion of one answer."""
    return (ind.stat == PROP and ind.question is not None and ind.numerator is None
            and len(ind.choices) == 1 and ind.universe is None and not ind.exclude
            and ind.not_asked != "no")


def analysis_vars(catalogue: Catalogue) -> dict[str, AnalysisVar]:
    """Indicator id -> :class:`AnalysisVar`; no two indicators share a key.

    Examples
    --------
    >>> from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
    >>> av = analysis_vars(load_catalogue(bundled_catalogue_path()))
    >>> av["feel_safe"].var, av["children_all_permit"].var, av["internet_regular_any"].var
    ('feel_safe', 'children_permit__children_all_permit', 'internet_regular_any')
    """
    out: dict[str, AnalysisVar] = {}
    seen: set[tuple[str, str, str]] = set()
    for ind in catalogue:
        if ind.stat == "ratio":
            av = AnalysisVar("ratio", f"{ind.question} %/% {ind.denominator}", "NA %/% NA",
                             ind.question)
        elif ind.stat != PROP:
            trimmed = bool(ind.missing_codes) or ind.valid_range != (None, None)
            av = AnalysisVar(ind.stat, f"{ind.question}__valid" if trimmed
                             else str(ind.question), "NA", ind.question)
        elif ind.question is None or len(ind.choices) != 1:
            av = AnalysisVar("prop_select_one", ind.id, "1")
        else:
            kind = ("prop_select_multiple" if ind.kind == "select_multiple"
                    else "prop_select_one")
            var = ind.question if _is_plain(ind) else f"{ind.question}__{ind.id}"
            if (kind, var, ind.choices[0]) in seen:  # the same answer twice: keep both apart
                var = f"{ind.question}__{ind.id}"
            av = AnalysisVar(kind, var, ind.choices[0], ind.question)
        seen.add((av.type, av.var, av.value))
        out[ind.id] = av
    return out


def _options(catalogue: Catalogue, question: str) -> tuple[str | None, list[str]]:
    """``(kind, answer options)`` of a select question or derived variable."""
    if question in catalogue.derived:
        return "derived", list(catalogue.derived[question].values)
    form = catalogue.form
    if form is None or not form.has_question(question):
        return None, []
    kind = str(form.question(question)["type"])
    if kind not in ("select_one", "select_multiple"):
        return None, []
    return kind, form.choices_of(question)


def with_options(catalogue: Catalogue, questions: Sequence[str] | None = None) -> Catalogue:
    """The catalogue with one plain indicator per answer option of its select questions.

    For each question a catalogue indicator counts (or each of ``questions``), every answer
    option that no plain indicator (:func:`analysis_vars`) already counts is appended as
    indicator ``opt__<question>__<option>``: all respondents, NA answers out of the
    denominator, as analysistools counts it. Options come from the catalogue's form (or a
    derived variable's values); without a form nothing is added.

    Examples
    --------
    >>> from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
    >>> from geo4mi.resources import bundled_path
    >>> from geo4mi.survey.xlsform import read_form
    >>> form = read_form(bundled_path("data", "questionnaire.xlsx"))
    >>> cat = load_catalogue(bundled_catalogue_path(), form).subset(["feel_safe"])
    >>> with_options(cat).ids
    ['feel_safe', 'opt__feel_safe__no']
    """
    if questions is None:
        questions = [i.question for i in catalogue if i.stat == PROP and i.question]
    plain = {(i.question, i.choices[0]) for i in catalogue if _is_plain(i)}
    themes = {i.question: i.theme for i in catalogue if i.question}
    first_theme = next(iter(catalogue.themes))
    taken = set(catalogue.ids)
    added: list[Indicator] = []
    for q in dict.fromkeys(questions):
        kind, options = _options(catalogue, q)
        for opt in options:
            iid = f"{OPTION_PREFIX}{q}__{opt}"
            if (q, opt) in plain or iid in taken:
                continue
            taken.add(iid)
            added.append(Indicator(id=iid, theme=themes.get(q, first_theme),
                                   label={"es": f"{q}: {opt}", "en": f"{q}: {opt}"},
                                   direction="neutral", question=q, choices=(opt,),
                                   kind=kind))
    return replace(catalogue, indicators=catalogue.indicators + tuple(added))


def _masked_float(values: np.ndarray, keep: np.ndarray) -> pd.arrays.FloatingArray:
    keep = keep & ~np.isnan(values)
    return pd.arrays.FloatingArray(np.where(keep, values, 0.0), ~keep)


def _masked_int(values: np.ndarray, keep: np.ndarray) -> pd.arrays.IntegerArray:
    keep = keep & ~np.isnan(values)
    return pd.arrays.IntegerArray(np.where(keep, values, 0).astype(np.int64), ~keep)


def _labels(estimates: pd.DataFrame, avars: dict[str, AnalysisVar]) -> list[np.ndarray]:
    """Per row of ``estimates``: analysis type, variable and value, group variables and
    values (None for none), and the analysis key; each worked out once per indicator and
    once per area × group value, then spread by codes (millions of rows at thousands of
    areas).

    Examples
    --------
    >>> from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
    >>> avars = analysis_vars(load_catalogue(bundled_catalogue_path()).subset(["feel_safe"]))
    >>> est = pd.DataFrame({"indicator": ["feel_safe"] * 2, "area_id": [CITY, "09015"],
    ...                     "group_var": ["all", "gender"], "group_value": ["all", "woman"]})
    >>> for column in _labels(est, avars):
    ...     print(column[1])
    prop_select_one
    feel_safe
    yes
    area_id %/% gender
    09015 %/% woman
    prop_select_one @/@ feel_safe %/% yes @/@ area_id %/% 09015 -/- gender %/% woman
    >>> _labels(est, avars)[3][0] is None, _labels(est, avars)[5][0].endswith("@/@ NA %/% NA")
    (True, True)
    """
    ind_code, ind_ids = pd.factorize(estimates["indicator"].astype(str).to_numpy(dtype=object))
    # a cell is area × group variable × value: each column's codes, combined as integers
    # (no tuple per row)
    parts = [pd.factorize(estimates[c].astype(str).to_numpy(dtype=object),
                          use_na_sentinel=False)
             for c in ("area_id", "group_var", "group_value")]
    dims = tuple(max(len(u), 1) for _, u in parts)
    flat = (np.ravel_multi_index(tuple(c for c, _ in parts), dims) if len(estimates)
            else np.zeros(0, np.int64))
    cell_code, firsts = pd.factorize(flat)
    cells = zip(*(u[c] for (_, u), c in zip(parts, np.unravel_index(firsts, dims),
                                                strict=True)), strict=True)
    per_ind: list[tuple[str, str, str | None, str]] = []
    for iid in ind_ids:
        av = avars[iid]
        if av.type == "ratio":
            num_q, den_q = av.var.split(" %/% ")
            head = f"ratio @/@ {num_q} %/% NA -/- {den_q} %/% NA"
        else:
            head = f"{av.type} @/@ {av.var} %/% {av.value}"
        per_ind.append((av.type, av.var, av.value, head + " @/@ "))
    per_cell: list[tuple[str | None, str | None, str]] = []
    for a, g, v in cells:
        pairs = ([] if a == CITY else [(AREA_VAR, a)]) + ([] if g == "all" else [(g, v)])
        groups = " -/- ".join(f"{p} %/% {x}" for p, x in pairs) if pairs else "NA %/% NA"
        per_cell.append((" %/% ".join(p for p, _ in pairs) if pairs else None,
                         " %/% ".join(x for _, x in pairs) if pairs else None, groups))

    def spread(table: list[tuple[Any, ...]], k: int, code: np.ndarray) -> np.ndarray:
        column = np.empty(len(table), dtype=object)
        column[:] = [row[k] for row in table]
        return column[code]

    key = spread(per_ind, 3, ind_code) + spread(per_cell, 2, cell_code)
    return [spread(per_ind, 0, ind_code), spread(per_ind, 1, ind_code),
            spread(per_ind, 2, ind_code), spread(per_cell, 0, cell_code),
            spread(per_cell, 1, cell_code), key]


def to_analysistools(estimates: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """The estimates as an analysistools results table (see the module docstring).

    Parameters
    ----------
    estimates : DataFrame
        The *estimates* table of a run (``results.estimates``).
    catalogue : Catalogue
        The catalogue they were computed with (``results.catalogue``).

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`, one row per estimate with respondents, in the estimates'
        order. ``stat`` is 0-1 for proportions; ``n`` the respondents counted (for a mean
        or median, its answers: ``n = n_total``); ``status`` ``ok`` or ``suppressed`` (no
        number at all).

    Raises
    ------
    CatalogueError
        An indicator of the estimates is not in the catalogue.
    """
    avars, weighted = _setup(estimates, catalogue)
    return _rows(estimates, avars, weighted)


def _setup(estimates: pd.DataFrame,
           catalogue: Catalogue) -> tuple[dict[str, AnalysisVar], bool]:
    """What every row of :func:`to_analysistools` needs: the analysis variables of the
    catalogue (checked to cover the estimates) and whether the estimates are weighted."""
    avars = analysis_vars(catalogue)
    # each distinct indicator once (iterating millions of rows of a pandas string column
    # took seconds)
    unknown = sorted(set(pd.unique(estimates["indicator"].to_numpy(dtype=object)))
                     - set(avars))
    if unknown:
        raise CatalogueError(f"{catalogue.path}: indicator {unknown[0]!r} of the estimates is "
                             "not in the catalogue; use the catalogue they were computed with")
    return avars, len(estimates) > 0 and design_of_estimates(estimates).weighted


def _rows(estimates: pd.DataFrame, avars: dict[str, AnalysisVar],
          weighted: bool) -> pd.DataFrame:
    """:func:`to_analysistools` of some rows of the estimates (each row on its own: a
    table is the concatenation of its slices' tables)."""
    estimates = published(estimates)
    estimates = estimates[(estimates["status"] != "no_data").to_numpy(dtype=bool)]
    estimates = estimates.reset_index(drop=True)
    ok = (estimates["status"] == "ok").to_numpy(dtype=bool, na_value=False)
    cols = _labels(estimates, avars)

    def num(column: str) -> np.ndarray:
        return estimates[column].to_numpy(dtype="float64", na_value=np.nan)

    n_total = num("n")
    counted = num("numerator")
    numeric = np.zeros(len(estimates), bool)
    if "stat" in estimates.columns:  # a mean's n is its answers (analysistools: n = n_total)
        numeric = (estimates["stat"].astype(str) != PROP).to_numpy()
        counted = np.where(numeric, n_total, counted)
    if weighted and "n_w" in estimates.columns:
        w_total = num("n_w")
        w_counted = num("numerator_w") if "numerator_w" in estimates.columns else w_total
        if "stat" in estimates.columns:
            w_counted = np.where(numeric, w_total, w_counted)
        w_ok = ok
    else:  # unweighted: the counts; a weighted table without weighted totals: empty
        w_total, w_counted, w_ok = n_total, counted, ok & (not weighted)
    design = design_columns(estimates, ok)
    return pd.DataFrame({
        "analysis_type": pd.array(cols[0], dtype="str"),
        "analysis_var": pd.array(cols[1], dtype="str"),
        "analysis_var_value": pd.array(cols[2], dtype="str"),
        "group_var": pd.array(cols[3], dtype="str"),
        "group_var_value": pd.array(cols[4], dtype="str"),
        "stat": _masked_float(num("p"), ok),
        "stat_low": _masked_float(num("ci_low"), ok),
        "stat_upp": _masked_float(num("ci_high"), ok),
        "n": _masked_int(counted, ok),
        "n_total": _masked_int(n_total, ok),
        "n_w": _masked_float(w_counted, w_ok),
        "n_w_total": _masked_float(w_total, w_ok),
        "analysis_key": pd.array(cols[5], dtype="str"),
        "status": pd.array(estimates["status"].astype(str).to_numpy(dtype=object), dtype="str"),
        **design,
    }, columns=list(COLUMNS))


def write_analysistools_csv(estimates: pd.DataFrame, catalogue: Catalogue,
                            path: str | os.PathLike[str], *, synthetic: bool,
                            lang: str = "es", decimals: int = 6) -> Path:
    """Write :func:`to_analysistools` as CSV (UTF-8 with BOM, numbers with ``decimals``).

    When ``synthetic`` is True a last column ``data_note`` says so on every row.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
    >>> from geo4mi.indicators.estimate import estimate
    >>> cat = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
    >>> est = estimate(pd.DataFrame({"area_id": ["09015"] * 10, "feel_safe": ["yes"] * 10}),
    ...                cat, area_ids=["09015"], groups=[])
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "at.csv"
    >>> _ = write_analysistools_csv(est, cat, out, synthetic=True, lang="en")
    >>> out.read_text(encoding="utf-8-sig").splitlines()[1].split(",")
    ... # doctest: +NORMALIZE_WHITESPACE
    ['prop_select_one', 'feel_safe', 'yes', '', '', '1.000000', '0.722467', '1.000000', '10',
     '10', '10.000000', '10.000000', 'prop_select_one @/@ feel_safe %/% yes @/@ NA %/% NA',
     'ok', '1.000000', '10.000000', 'wilson', 'srs', 'synthetic demonstration data']
    """
    avars, weighted = _setup(estimates, catalogue)
    # a slice of the estimates at a time (the same bytes): the table of millions of rows
    # is never whole in memory (it was the build's peak at thousands of areas)
    note = _note(synthetic, lang)

    def noted(table: pd.DataFrame) -> pd.DataFrame:
        if note is not None:
            table["data_note"] = pd.array([note] * len(table), dtype="str")
        return table

    write_slices_csv((noted(_rows(part, avars, weighted)) for part in _chunks(estimates)),
                     path, decimals=decimals)
    log.info("wrote %s (from %d estimates)", path, len(estimates))
    return Path(path)


def _note(synthetic: bool, lang: str) -> str | None:
    """The ``data_note`` of a synthetic table's rows (None: no such column)."""
    from geo4mi.i18n import check_language

    lang = check_language(lang)
    return data_note(lang, True) if synthetic else None


def write_table(table: pd.DataFrame, path: str | os.PathLike[str], *, synthetic: bool,
                lang: str = "es", decimals: int = 6) -> Path:
    """Write an analysistools table (atomic, spreadsheet-safe, byte-identical)."""
    note = _note(synthetic, lang)
    table = table.copy()
    if note is not None:
        table["data_note"] = pd.array([note] * len(table), dtype="str")
    return write_table_csv(table, path, decimals=decimals)


# -- lists of analyses ------------------------------------------------------------------

@dataclass(frozen=True)
class LoaRow:
    """One line of a list of analyses: what to estimate and by which groups."""

    line: int
    analysis_type: str
    analysis_var: str
    #: ``area_id`` first when the areas are a group, then at most one other group.
    group_vars: tuple[str, ...]


def _kind_of(catalogue: Catalogue, name: str) -> str | None:
    if name in catalogue.derived:
        return "derived"
    form = catalogue.form
    if form is None or not form.has_question(name):
        return None
    return str(form.question(name)["type"])


_WANTS = {"prop_select_one": ("select_one", "derived"),
          "prop_select_multiple": ("select_multiple",),
          "mean": ("integer", "decimal"), "median": ("integer", "decimal")}
_WHAT = {"prop_select_one": "a select_one question of the form nor a derived variable",
         "prop_select_multiple": "a select_multiple question of the form",
         "mean": "an integer or decimal question of the form",
         "median": "an integer or decimal question of the form"}


def read_loa(path: str | os.PathLike[str], catalogue: Catalogue, *,
             area_names: Sequence[str] = (AREA_VAR,)) -> list[LoaRow]:
    """Read and check an IMPACT list of analyses (CSV).

    Columns ``analysis_type``, ``analysis_var``, ``group_var`` (several comma-separated,
    empty or ``NA`` for none) and optional ``level`` (only ``0.95``); others are ignored.
    A group is one of ``area_names`` (the areas) or a select_one question or derived
    variable; at most the areas and one other group per line.

    Raises
    ------
    AnalysisListError
        One line naming the file, line and column of the first bad value.
    InputFileError
        The file cannot be read.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
    >>> from geo4mi.resources import bundled_path
    >>> from geo4mi.survey.xlsform import read_form
    >>> cat = load_catalogue(bundled_catalogue_path(), read_form(bundled_path("data",
    ...                      "questionnaire.xlsx")))
    >>> loa = pathlib.Path(tempfile.mkdtemp()) / "loa.csv"
    >>> _ = loa.write_text("analysis_type,analysis_var,group_var,level\\n"
    ...                    "prop_select_one,feel_safe,\\"gender, area_id\\",0.95\\n")
    >>> read_loa(loa, cat)[0].group_vars
    ('area_id', 'gender')
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot read the list of analyses ({exc}); save it as "
                             "UTF-8 CSV") from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in ("analysis_type", "analysis_var", "group_var") if c not in header]
    if missing:
        raise AnalysisListError(f"{path}: line 1: no column {missing[0]!r}; a list of analyses "
                                "has analysis_type, analysis_var, group_var (and level)")
    col = {name: header.index(name) for name in header}
    rows: list[LoaRow] = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        values = values + [""] * (len(header) - len(values))

        def get(name: str) -> str:
            # called only within this iteration, so the late binding is harmless
            return values[col[name]].strip() if name in col else ""  # noqa: B023

        def fail(column: str, what: str) -> AnalysisListError:
            # called only within this iteration, so the late binding is harmless
            return AnalysisListError(f"{path}: line {line}, column {column}: {what}")  # noqa: B023

        kind = get("analysis_type")
        if kind not in LOA_TYPES:
            raise fail("analysis_type", f"{kind!r} is not supported; use one of "
                       f"{', '.join(LOA_TYPES)}")
        var = get("analysis_var")
        if _kind_of(catalogue, var) not in _WANTS[kind]:
            raise fail("analysis_var", f"{var!r} is not {_WHAT[kind]}; fix the name or the "
                       "analysis_type")
        level = get("level")
        if level not in ("", "NA"):
            try:
                good = abs(float(level) - 0.95) < 1e-9
            except ValueError:
                good = False
            if not good:
                raise fail("level", f"{level!r}: geo4mi computes 95 % intervals; write 0.95")
        names = [g.strip() for g in get("group_var").split(",")]
        names = [] if names in ([""], ["NA"]) else names
        areas = [g for g in names if g in area_names]
        others = [g for g in names if g not in area_names]
        for g in others:
            if g == "" or _kind_of(catalogue, g) not in ("select_one", "derived"):
                raise fail("group_var", f"{g!r} is not a select_one question of the form, a "
                           "derived variable nor the areas "
                           f"({', '.join(dict.fromkeys(area_names))}); fix the name")
        if len(areas) > 1 or len(others) > 1 or var in others:
            raise fail("group_var", f"{get('group_var')!r}: geo4mi groups by the areas and at "
                       "most one other variable (not the analysis variable); split the line")
        rows.append(LoaRow(line, kind, var, ((AREA_VAR,) if areas else ()) + tuple(others)))
    if not rows:
        raise AnalysisListError(f"{path}: the list of analyses has no line; add one per "
                                "analysis (analysis_type, analysis_var, group_var)")
    return rows


def _loa_mask(estimates: pd.DataFrame, catalogue: Catalogue,
              rows: Sequence[LoaRow]) -> np.ndarray:
    """Which estimates the LOA asks for (plain keys of its variables, its groupings)."""
    avars = analysis_vars(catalogue)
    by_id = {i.id: i for i in catalogue}
    ind = estimates["indicator"].astype(str).to_numpy(dtype=object)
    city = (estimates["area_id"].astype(str) == CITY).to_numpy()
    gvar = estimates["group_var"].astype(str).to_numpy(dtype=object)
    keep = np.zeros(len(estimates), bool)
    for row in rows:
        ids = [iid for iid, av in avars.items() if av.question == row.analysis_var
               and (av.type == row.analysis_type if row.analysis_type in ("mean", "median")
                    else av.type == row.analysis_type and av.var == row.analysis_var)]
        if row.analysis_type == "prop_select_one":  # derived variables are select_one too
            ids = [i for i in ids if by_id[i].kind != "select_multiple"]
        others = [g for g in row.group_vars if g != AREA_VAR]
        where = np.isin(ind, ids) & (city != (AREA_VAR in row.group_vars))
        where &= gvar == (others[0] if others else "all")
        keep |= where
    return keep


def analyse(study: Any, *, loa: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Run ``study`` and return its analysistools table, every answer option included.

    Without ``loa``: every estimate of the study's catalogue and numeric statistics, and
    every other answer option of its select questions, city-wide and by area, *without*
    the study's ``[indicators] groups`` (analysistools' own default, ``group_var =
    NULL``, groups nothing): every option by every group is thousands of small cells that
    disclosure control cannot protect (on the demo it tried for over ten minutes before
    refusing); an LOA names the groups an analysis needs. With ``loa``
    (:func:`read_loa`): the rows its lines ask for, grouped as they say. The options are
    estimated inside :func:`geo4mi.pipeline.run` (``extend``), so they are suppressed and
    protected with the rest; every number comes from the run's published estimates.

    Raises
    ------
    AnalysisListError
        A bad line of ``loa``.
    Geo4miError
        Anything :func:`geo4mi.pipeline.run` refuses.
    """
    from geo4mi import pipeline
    from geo4mi.indicators.catalogue import load_catalogue
    from geo4mi.study import Study, load_study
    from geo4mi.survey.xlsform import read_form

    if not isinstance(study, Study):
        study = load_study(study)
    rows: list[LoaRow] | None = None
    questions: list[str] | None = None
    if loa is not None:
        catalogue = load_catalogue(study.indicators.catalogue, form=read_form(study.survey.form))
        names = tuple(n for n in (AREA_VAR, study.survey.area_column) if n)
        rows = read_loa(loa, catalogue, area_names=names)
        groups = [g for r in rows for g in r.group_vars if g != AREA_VAR]
        numeric = [r.analysis_var for r in rows if r.analysis_type in ("mean", "median")]
        questions = [r.analysis_var for r in rows if r.analysis_type.startswith("prop_")]
        settings = replace(study.indicators, groups=tuple(dict.fromkeys(groups)),
                           numeric=tuple(dict.fromkeys(numeric)))
        study = replace(study, indicators=settings)
    elif study.indicators.groups:
        log.info("%s: analyse without --loa: every answer option city-wide and by area; "
                 "the groups %s need a list of analyses (--loa)", study.path.name,
                 ", ".join(study.indicators.groups))
        study = replace(study, indicators=replace(study.indicators, groups=()))
    from geo4mi.indicators.audit import refuse_results

    try:
        results = pipeline.run(study, extend=lambda cat: with_options(cat, questions))
        refuse_results(results)  # nothing written that discloses a hidden figure
    except DisclosureError as exc:
        if loa is not None:
            raise
        # every option of every question by area: more small cells than build's
        raise DisclosureError(
            f"{study.path}: analyse without --loa exports every answer option of every "
            f"catalogued question by area, and {exc}. Run 'geo4mi analyse "
            f"{study.path.name} --loa loa.csv' with a list of analyses naming only the "
            "questions you need (CSV columns analysis_type, analysis_var, group_var; see "
            "docs/indicators.md)") from None
    estimates = results.estimates
    if rows is not None:
        estimates = estimates[_loa_mask(estimates, results.catalogue, rows)]
    table = to_analysistools(estimates, results.catalogue)
    log.info("%s: %d analysistools rows", study.path.name, len(table))
    return table


__all__ = ["COLUMNS", "LOA_TYPES", "AnalysisVar", "LoaRow", "analyse", "analysis_vars",
           "read_loa", "to_analysistools", "with_options", "write_analysistools_csv",
           "write_table"]
