"""Estimate every indicator per area and group: counts, proportions, Wilson intervals.

The result is the *estimates* long table of ``docs/design.md``: one row per indicator ×
area (``"_city"`` first, then each area) × group value (``"all"`` first, then each grouping
variable's values in catalogue/form order). Every area has a row for every indicator and
group value, so an area without interviews is an explicit ``no_data`` row, never 0 %.
Estimates from fewer than ``min_n`` respondents are ``suppressed``: every number of the
row is NA, ``n`` included, and ``suppression`` says why (``small_n``). So that a suppressed
count cannot be worked out as a published total minus the published cells, further
estimates are suppressed too (``complementary``); and when an indicator's universe is
another's numerator (or its complement), the follow-up's ``n`` is that numerator, so a
cell hidden in one is hidden in the other (``linked``). See
:mod:`geo4mi.indicators.suppression` (:func:`~geo4mi.indicators.suppression.published`
is the one rule of what a hidden row shows).

Respondents whose ``area_id`` is NA (unassigned) or not one of ``area_ids`` count in the
city-wide rows only. Respondents with a missing group value count in the ``"all"`` rows
only.

How it is fast: each indicator's denominator and numerator are computed once as boolean
masks over all respondents; every respondent gets one integer cell code combining area and
group values; one :func:`numpy.bincount` per indicator counts all cells, and the area/group
margins are sums over the small count array.

Examples
--------
>>> import pandas as pd
>>> from geo4mi.indicators.catalogue import load_catalogue, bundled_catalogue_path
>>> cat = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
>>> df = pd.DataFrame({"area_id": ["09015"] * 12 + ["09007"] * 3,
...                    "feel_safe": ["yes"] * 9 + ["no"] * 6})
>>> est = estimate(df, cat, area_ids=["09015", "09007", "09002"], groups=[])
>>> est[["area_id", "numerator", "n", "status", "suppression"]]
... # doctest: +NORMALIZE_WHITESPACE
  area_id  numerator     n      status    suppression
0   _city          9    15          ok
1   09002       <NA>     0     no_data
2   09007       <NA>  <NA>  suppressed        small_n
3   09015       <NA>  <NA>  suppressed  complementary

09007 has too few respondents; 09015 is hidden too, or the city's 9 minus its count would
give 09007's away. Neither publishes its ``n``: 15 minus one would give the other.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from geo4mi.errors import CatalogueError, SurveyDataError
from geo4mi.indicators.catalogue import Catalogue, Indicator, columns_needed
from geo4mi.indicators.design import (
    DESIGN_METHOD,
    SRS_METHOD,
    Design,
    Level,
    design_arrays,
    design_interval,
)
from geo4mi.indicators.expressions import EvalContext
from geo4mi.indicators.numeric import Margin, NumericGrid, estimate_numeric
from geo4mi.indicators.suppression import (
    N_HIDDEN,
    REASONS,
    count_keys,
    shared_counts,
    suppression_reasons,
)

log = logging.getLogger(__name__)

#: ``area_id`` of the city-wide rows.
CITY = "_city"
#: 97.5 % standard normal quantile: 95 % two-sided intervals.
Z95 = 1.959963984540054
STATUSES = ("ok", "suppressed", "no_data")
COLUMNS = ("indicator", "area_id", "group_var", "group_value", "numerator", "n", "p",
           "ci_low", "ci_high", "status", "deff", "n_eff", "ci_method", "design",
           "suppression", "stat")
#: ``stat`` of a proportion row; numeric rows say ``mean``, ``median`` or ``ratio``
#: (:mod:`geo4mi.indicators.numeric`) and hold their value in ``p``, ``ci_low``, ``ci_high``.
PROP = "prop"


def proportions(estimates: pd.DataFrame) -> pd.DataFrame:
    """The proportion rows of an estimates table (all rows of a table without ``stat``).

    Percent-only views (maps, figures) draw these and nothing else: a numeric row's ``p``
    is a mean, median or ratio, not a share.

    Examples
    --------
    >>> est = pd.DataFrame({"indicator": ["a", "age_mean"], "stat": ["prop", "mean"]})
    >>> proportions(est)["indicator"].tolist()
    ['a']
    """
    if "stat" not in estimates.columns:
        return estimates
    keep = (estimates["stat"].astype(str) == PROP).to_numpy()
    return estimates if keep.all() else estimates[keep]


def wilson_interval(k: Any, n: Any, z: float = Z95) -> tuple[Any, Any]:
    """Wilson score interval for ``k`` successes out of ``n`` (vectorised).

    Parameters
    ----------
    k, n : int or array-like of int
        Successes and trials, ``0 <= k <= n``.
    z : float, default 1.959963984540054
        Normal quantile (95 % two-sided by default).

    Returns
    -------
    (low, high)
        Floats for scalar input, float arrays otherwise; NaN where ``n == 0``.

    Raises
    ------
    ValueError
        ``k`` is negative or larger than ``n``.

    Examples
    --------
    >>> low, high = wilson_interval(81, 263)   # Newcombe (1998), example (a)
    >>> round(low, 4), round(high, 4)
    (0.2553, 0.3662)
    >>> wilson_interval([0, 5], [10, 5])[1].round(4).tolist()
    [0.2775, 1.0]
    >>> wilson_interval(0, 0)
    (nan, nan)
    """
    k_arr = np.asarray(k, dtype="float64")
    n_arr = np.asarray(n, dtype="float64")
    if np.any(k_arr < 0) or np.any(k_arr > n_arr):
        raise ValueError(f"wilson_interval: need 0 <= k <= n, got k={k!r}, n={n!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_arr / n_arr
        z2 = z * z
        denom = 1.0 + z2 / n_arr
        centre = (p + z2 / (2.0 * n_arr)) / denom
        half = z * np.sqrt(p * (1.0 - p) / n_arr + z2 / (4.0 * n_arr * n_arr)) / denom
        low = np.where(k_arr == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(k_arr == n_arr, 1.0, np.clip(centre + half, 0.0, 1.0))
    empty = n_arr == 0
    low = np.where(empty, np.nan, low)
    high = np.where(empty, np.nan, high)
    if k_arr.ndim == 0 and n_arr.ndim == 0:
        return float(low), float(high)
    return low, high


# -- masks per indicator ------------------------------------------------------------------

def _question_masks(ind: Indicator, ctx: EvalContext) -> tuple[np.ndarray, np.ndarray,
                                                              np.ndarray]:
    """``(yes, answered, excluded)`` masks of a question indicator."""
    q = ind.question
    assert q is not None
    multi = ind.kind == "select_multiple" or (
        ind.kind is None and not ctx.has(q) and bool(ctx.choice_columns(q))) or (
        ind.kind is None and ctx.has(f"{q}/{ind.choices[0]}"))
    n = len(ctx)
    if multi:
        yes = np.zeros(n, bool)
        excluded = np.zeros(n, bool)
        answered: np.ndarray | None = None
        for names, target in ((ind.choices, yes), (ind.exclude, excluded)):
            for c in names:
                name = f"{q}/{c}"
                if not ctx.has(name):
                    raise SurveyDataError(f"indicator {ind.id!r}: column {name!r} is not in "
                                          "the respondents; check the export has every "
                                          "choice column of the select_multiple question")
                col = ctx.column(name)
                if col.kind != "bool":
                    raise SurveyDataError(f"indicator {ind.id!r}: column {name!r} holds "
                                          f"{col.kind}, not yes/no values; read the export "
                                          "with geo4mi.survey.exports.read_export")
                target |= col.values & ~col.na
                if answered is None:
                    answered = ~col.na
        assert answered is not None
        return yes, answered, excluded
    if not ctx.has(q):
        raise SurveyDataError(f"indicator {ind.id!r}: question {q!r} is not in the "
                              f"respondents (nor a choice column such as "
                              f"{q + '/' + ind.choices[0]!r}); check the export (and derived "
                              "variables, added by add_derived)")
    col = ctx.column(q)
    if col.kind != "text":
        raise SurveyDataError(f"indicator {ind.id!r}: question {q!r} holds {col.kind}, not "
                              "choices; use a numerator expression such as 'age >= 18'")
    # per category: any space-separated token in choices (a select_one value is one token)
    yes_cat = np.array([any(t in ind.choices for t in c.split()) for c in col.categories]
                       + [False], dtype=bool)
    excl_cat = np.array([any(t in ind.exclude for t in c.split()) for c in col.categories]
                        + [False], dtype=bool)
    return yes_cat[col.codes], ~col.na, excl_cat[col.codes]


def _masks(ind: Indicator, ctx: EvalContext,
           universes: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(denominator, numerator)`` masks of one indicator."""
    n = len(ctx)
    if ind.universe is None:
        universe = np.ones(n, bool)
    else:
        cached = universes.get(ind.universe.text)
        if cached is None:
            cached = universes[ind.universe.text] = ind.universe.mask(ctx)
        universe = cached
    if ind.numerator is not None:
        true, unknown = ind.numerator.truth(ctx)
        den = universe if ind.not_asked == "no" else universe & ~unknown
        return den, den & true
    yes, answered, excluded = _question_masks(ind, ctx)
    den = universe & ~excluded
    if ind.not_asked != "no":
        den &= answered
    return den, den & yes


# -- codes --------------------------------------------------------------------------------

def _codes(ctx: EvalContext, column: str, values: Sequence[str], what: str) -> np.ndarray:
    """Position of each row's value in ``values``; ``len(values)`` when NA or unknown."""
    col = ctx.column(column)
    if col.kind != "text" and column == "area_id" and col.na.all():
        return np.full(len(col.na), len(values), dtype=np.int64)  # nobody placed: all NaN
    if col.kind != "text":
        raise SurveyDataError(f"{what} {column!r} holds {col.kind}; group by a choice "
                              "question or a derived variable (e.g. age_group, not age)")
    position = {v: i for i, v in enumerate(values)}
    lookup = np.array([position.get(c, len(values)) for c in col.categories] + [len(values)],
                      dtype=np.int64)
    unknown = [c for c in col.categories if c not in position]
    if unknown:
        log.warning("%s %r: value(s) %s are not among %s; those respondents count in the "
                    "totals only", what, column, ", ".join(map(repr, unknown[:5])),
                    ", ".join(values[:20]))
    return lookup[col.codes]


def _group_values(catalogue: Catalogue, respondents: pd.DataFrame, group: str) -> list[str]:
    values = catalogue.values_of(group)
    if values is not None:
        return values
    series = respondents[group]
    if isinstance(series.dtype, pd.CategoricalDtype):
        return [str(c) for c in series.cat.categories]
    return sorted({str(v) for v in series.dropna().unique()})


def _progress(progress: bool | Callable[[float], None]) -> Callable[[float], None] | None:
    if callable(progress):
        return progress
    if progress:
        def bar(fraction: float) -> None:
            done = int(fraction * 30)
            sys.stderr.write(f"\r  indicators [{'#' * done}{'.' * (30 - done)}] "
                             f"{fraction:4.0%}")
            if fraction >= 1:
                sys.stderr.write("\n")
            sys.stderr.flush()
        return bar
    return None


# -- estimation ---------------------------------------------------------------------------

@dataclass
class _Layout:
    """The grid: rows (city, then each area), columns ("all", then each group's values),
    and where each respondent counts."""

    areas: list[str]  # sorted; grid row r + 1
    area_code: np.ndarray  # per respondent: position in areas, len(areas) when in none
    groups: list[str]
    values: dict[str, list[str]]  # per grouping variable, its values in order
    gcodes: dict[str, np.ndarray]  # per respondent: position in values[g], len when NA

    @property
    def A(self) -> int:
        return len(self.areas)

    @property
    def n_rows(self) -> int:
        return len(self.areas) + 1

    @property
    def col_var(self) -> list[str]:
        return ["all"] + [g for g in self.groups for _ in self.values[g]]

    @property
    def col_val(self) -> list[str]:
        return ["all"] + [v for g in self.groups for v in self.values[g]]

    @property
    def n_cols(self) -> int:
        return 1 + sum(len(self.values[g]) for g in self.groups)

    @property
    def blocks(self) -> list[tuple[int, int]]:
        """Column range ``(start, stop)`` of each grouping variable's values."""
        starts = np.cumsum([1] + [len(self.values[g]) for g in self.groups]).tolist()
        return list(pairwise(starts))


def estimate(respondents: pd.DataFrame, catalogue: Catalogue, *, area_ids: Sequence[str],
             groups: Sequence[str], min_n: int = 10, complementary: bool = True,
             design: Design | None = None,
             progress: bool | Callable[[float], None] = False) -> pd.DataFrame:
    """Estimate every catalogue indicator city-wide and per area, overall and per group.

    Parameters
    ----------
    respondents : DataFrame
        One row per respondent, with ``area_id`` (NA when unassigned), the questions the
        catalogue uses and its derived variables (:func:`~geo4mi.indicators.catalogue.
        add_derived`).
    catalogue : Catalogue
    area_ids : sequence of str
        Every area of the study (areas without respondents get ``no_data`` rows).
    groups : sequence of str
        Grouping variables (``"all"`` is always included first).
    min_n : int, default 10
        Estimates with ``0 < n < min_n`` are suppressed (and the ones that would give
        them away).
    complementary : bool, default True
        Also suppress the estimates that would let a suppressed numerator be worked out
        from a published total (city-wide row, ``"all"`` column): see
        :mod:`geo4mi.indicators.suppression`. Turn off only for internal analysis.
    design : Design, optional
        Weight, cluster and strata columns (:mod:`geo4mi.indicators.design`). Without
        (or with no key set) every respondent weighs the same and the intervals assume a
        simple random sample. ``numerator`` and ``n`` stay respondent counts either way
        (suppression uses ``n``); ``p`` is the weighted proportion.
    progress : bool or callable, default False
        True draws a bar on stderr; a callable receives the fraction done (0..1).

    Returns
    -------
    DataFrame
        Columns ``indicator, area_id, group_var, group_value, numerator (Int64), n (Int64),
        p, ci_low, ci_high (Float64), status, deff, n_eff (Float64), ci_method, design,
        suppression``; ``numerator``, ``p``, the interval, ``deff``, ``n_eff`` and
        ``ci_method`` are NA unless ``status == "ok"``; ``n`` is NA where the count itself
        is hidden (0 for ``no_data``); ``suppression`` is ``""`` or why the row is hidden
        (:func:`~geo4mi.indicators.suppression.published`). ``deff`` is the design effect
        (1 without a design; NA where it cannot be estimated), ``n_eff`` the sample size
        the Wilson interval uses,
        ``ci_method`` ``"wilson"`` or ``"wilson_neff"``, ``design`` ``"srs"`` or the design
        keys (``"cluster=enumerator"``). A weighted design (``weight`` or ``rake``) adds
        ``numerator_w`` and ``n_w`` (Float64): the weights summed over the numerator and
        the cell, hidden with ``numerator``.

    Raises
    ------
    SurveyDataError
        ``area_id``, a group or a question column is missing or of the wrong kind, or a
        question the catalogue or a group reads had no column in the export
        (``respondents.attrs["absent_questions"]``, set by
        :func:`~geo4mi.survey.exports.read_export`).
    ExpressionError
        A universe or numerator refers to a column the respondents lack.

    Examples
    --------
    >>> from geo4mi.indicators.catalogue import load_catalogue, bundled_catalogue_path
    >>> cat = load_catalogue(bundled_catalogue_path()).subset(["discriminated"])
    >>> df = pd.DataFrame({"area_id": ["09015"] * 20, "gender": ["woman", "man"] * 10,
    ...                    "discriminated": ["yes"] * 5 + ["no"] * 15})
    >>> est = estimate(df, cat, area_ids=["09015"], groups=["gender"])
    >>> row = est[(est.area_id == "_city") & (est.group_value == "all")].iloc[0]
    >>> int(row.numerator), int(row.n), round(float(row.p), 2), row.status
    (5, 20, 0.25, 'ok')
    """
    return _estimate(respondents, catalogue, area_ids=area_ids, groups=groups, min_n=min_n,
                     complementary=complementary, design=design, progress=progress,
                     truth=False)[0]


def estimate_with_truth(respondents: pd.DataFrame, catalogue: Catalogue, *,
                        area_ids: Sequence[str], groups: Sequence[str], min_n: int = 10,
                        complementary: bool = True, design: Design | None = None,
                        progress: bool | Callable[[float], None] = False
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`estimate`, and the true estimates (nothing hidden) from the same counts.

    What disclosure control needs: the published table and the one it must not give away.
    The respondents are read and counted once; each table is what its own call returns.

    Parameters
    ----------
    respondents, catalogue, area_ids, groups, min_n, complementary, design, progress
        As for :func:`estimate`.

    Returns
    -------
    estimates : DataFrame
        ``estimate(respondents, catalogue, area_ids=..., groups=..., min_n=min_n,
        complementary=complementary, design=design, progress=progress)``.
    truth : DataFrame
        ``estimate(respondents, catalogue, area_ids=..., groups=..., min_n=1,
        complementary=False)``: simple-random-sample intervals, every count shown (in
        memory only: never write it).

    Examples
    --------
    >>> from geo4mi.indicators.catalogue import load_catalogue, bundled_catalogue_path
    >>> cat = load_catalogue(bundled_catalogue_path()).subset(["discriminated"])
    >>> df = pd.DataFrame({"area_id": ["09015"] * 12 + ["09007"] * 3,
    ...                    "discriminated": ["yes"] * 5 + ["no"] * 10})
    >>> est, truth = estimate_with_truth(df, cat, area_ids=["09015", "09007"], groups=[])
    >>> est["n"].tolist(), truth["n"].tolist()
    ([15, <NA>, <NA>], [15, 3, 12])
    """
    first, second = _estimate(respondents, catalogue, area_ids=area_ids, groups=groups,
                              min_n=min_n, complementary=complementary, design=design,
                              progress=progress, truth=True)
    return first, second


def _estimate(respondents: pd.DataFrame, catalogue: Catalogue, *, area_ids: Sequence[str],
              groups: Sequence[str], min_n: int, complementary: bool, design: Design | None,
              progress: bool | Callable[[float], None], truth: bool) -> list[pd.DataFrame]:
    """The estimates table; with ``truth``, also the true one (``min_n=1``, no
    complementary suppression, no design) from the same masks and counts."""
    areas, group_list = _check_arguments(respondents, catalogue, area_ids, groups, min_n)
    ctx = EvalContext(respondents)
    layout = _layout(ctx, catalogue, respondents, areas, group_list)
    indicators = tuple(ind for ind in catalogue.indicators if ind.stat == PROP)
    numerics = tuple(ind for ind in catalogue.indicators if ind.stat != PROP)
    active = bool(design and design.active)
    grid = _DesignGrid(respondents, design, layout.area_code, layout.A, group_list,
                       layout.values, layout.gcodes,
                       (len(indicators), layout.n_rows, layout.n_cols)) \
        if design and design.active else None
    # the numeric statistics (and, with a design, their plain truth) are estimated in a
    # second thread while this one counts the proportions: both spend most of their time
    # in numpy, which lets the other run; neither reads what the other writes
    with ThreadPoolExecutor(max_workers=1) as pool:
        numeric_job = pool.submit(_numeric, respondents, numerics, layout, grid)
        plain_job = (pool.submit(_numeric, respondents, numerics, layout, None)
                     if truth and active else None)
        # the counts, and what each indicator publishes, do not depend on the design
        num_out, den_out, keys = _count(indicators, ctx, layout, grid, _progress(progress))
        numeric = numeric_job.result()
        plain = numeric if plain_job is None else plain_job.result()
    tables = [_finish(indicators, numerics, layout, num_out, den_out, keys, numeric, grid,
                      min_n=min_n, complementary=complementary,
                      design_text=design.describe() if design else "srs",
                      weighted=bool(active and design is not None and design.weighted),
                      n_respondents=len(respondents))]
    del grid
    if truth:
        tables.append(_finish(indicators, numerics, layout, num_out, den_out, keys, plain,
                              None, min_n=1, complementary=False, design_text="srs",
                              weighted=False, n_respondents=len(respondents)))
    return tables


def _numeric(respondents: pd.DataFrame, numerics: Sequence[Indicator], layout: _Layout,
             grid: _DesignGrid | None) -> NumericGrid | None:
    """The numeric statistics on the grid (their n are counts, suppressed with the
    others); None without any."""
    if not numerics:
        return None
    numeric = estimate_numeric(
        respondents, numerics, _margins(layout.area_code, layout.A, layout.groups,
                                        layout.values, layout.gcodes, layout.n_cols, grid),
        (layout.n_rows, layout.n_cols), weights=grid.w if grid is not None else None,
        psu_in_stratum=grid.psu_in_stratum if grid is not None else None)
    assert numeric.keys is not None  # estimate_numeric always fills them
    return numeric


def _finish(indicators: Sequence[Indicator], numerics: Sequence[Indicator], layout: _Layout,
            num_out: np.ndarray, den_out: np.ndarray, keys: list[tuple[bytes | None, ...]],
            numeric: NumericGrid | None, grid: _DesignGrid | None, *, min_n: int,
            complementary: bool, design_text: str, weighted: bool,
            n_respondents: int) -> pd.DataFrame:
    """Suppress and assemble one table from the counts (none of the arrays is changed)."""
    every_key = list(keys)
    if numeric is not None:
        assert numeric.keys is not None
        every_key += numeric.keys[:len(numerics)]
    den_all = den_out if numeric is None else np.concatenate([den_out, numeric.n])
    reason = _suppress(den_all, tuple(indicators) + tuple(numerics), every_key, layout,
                       min_n=min_n, complementary=complementary)
    del den_all
    area_labels = [CITY, *layout.areas]
    parts = [_assemble(indicators, area_labels, layout.col_var, layout.col_val, num_out,
                       den_out, reason[:len(indicators)], grid, design_text)]
    if numeric is not None:
        parts.append(_assemble_numeric(numerics, area_labels, layout.col_var, layout.col_val,
                                       numeric, reason[len(indicators):], design_text,
                                       weighted=weighted))
    table = _table(parts)
    unassigned = int((layout.area_code == layout.A).sum())
    log.info("estimated %d indicators and %d numeric statistics x %d areas x %d group values "
             "from %d respondents (%d counted city-wide only)", len(indicators), len(numerics),
             layout.A, layout.n_cols, n_respondents, unassigned)
    return table


def _check_arguments(respondents: pd.DataFrame, catalogue: Catalogue, area_ids: Sequence[str],
                     groups: Sequence[str], min_n: int) -> tuple[list[str], list[str]]:
    """The sorted area ids and the grouping variables; raises on bad arguments."""
    if not isinstance(min_n, int) or isinstance(min_n, bool) or min_n < 1:
        raise CatalogueError(f"min_n must be a whole number >= 1, got {min_n!r}; "
                             "set min_n = 10 in the study file")
    if "area_id" not in respondents.columns:
        raise SurveyDataError("respondents have no 'area_id' column; place them in areas "
                              "first (geo4mi.survey.placement.place_respondents)")
    areas = [str(a) for a in area_ids]
    if len(set(areas)) != len(areas) or CITY in areas:
        dup = next((a for a in areas if areas.count(a) > 1 or a == CITY), "")
        raise SurveyDataError(f"area ids must be unique and not {CITY!r}; got {dup!r} twice "
                              "or reserved; check the boundaries' id field")
    group_list = [g for g in dict.fromkeys(groups) if g != "all"]
    missing = [g for g in group_list if g not in respondents.columns]
    if missing:
        raise SurveyDataError(f"grouping variable {missing[0]!r} is not a column of the "
                              "respondents; use a question name or a derived variable of the "
                              "catalogue (run add_derived first)")
    absent = set(respondents.attrs.get("absent_questions", ()))
    if absent:  # read_export filled them with NA: every estimate from them would be no data
        needed = columns_needed(catalogue, group_list)
        hit = next(((q, r) for q, r in needed.items() if q in absent), None)
        if hit is not None:
            source = respondents.attrs.get("source", "the export")
            raise SurveyDataError(f"{source}: no column for question {hit[0]!r}, which "
                                  f"{', '.join(hit[1][:3])} read; add the column to the "
                                  f"export, or remove what reads it from {catalogue.path} "
                                  "(or from the groups)")
    return sorted(areas), group_list


def _layout(ctx: EvalContext, catalogue: Catalogue, respondents: pd.DataFrame,
            areas: list[str], group_list: list[str]) -> _Layout:
    """Each respondent's area and group value codes."""
    values = {g: _group_values(catalogue, respondents, g) for g in group_list}
    return _Layout(areas=areas, area_code=_codes(ctx, "area_id", areas, "area id"),
                   groups=group_list, values=values,
                   gcodes={g: _codes(ctx, g, values[g], "grouping variable")
                           for g in group_list})


def _count(indicators: Sequence[Indicator], ctx: EvalContext, layout: _Layout,
           grid: _DesignGrid | None, report: Callable[[float], None] | None
           ) -> tuple[np.ndarray, np.ndarray, list[tuple[bytes | None, ...]]]:
    """Numerators and denominators per indicator × row × column, and the fingerprints of
    the counts each indicator publishes.

    One bincount per indicator and grouping variable over the cells area × value (with a
    slot for respondents in no area and one for a missing value): its cost grows with the
    respondents plus the cells, never with their product.
    """
    A = layout.A
    shape = (len(indicators), layout.n_rows, layout.n_cols)
    num_out = np.zeros(shape, dtype=np.int64)
    den_out = np.zeros_like(num_out)
    # each respondent's cell, times 3 for its state (0 out, 1 denominator only, 2 numerator)
    axes = [(layout.area_code * (len(layout.values[g]) + 1) + layout.gcodes[g]) * 3
            for g in layout.groups] or [layout.area_code * 3]
    spans = layout.blocks or [(1, 1)]
    universes: dict[str, np.ndarray] = {}
    keys: list[tuple[bytes | None, ...]] = []
    for i, ind in enumerate(indicators):
        den, num = _masks(ind, ctx, universes)
        keys.append(count_keys(den, num))
        if grid is not None:
            grid.add(i, num, den)
        state = den.astype(np.int64)
        state += num
        for k, (cell3, (start, stop)) in enumerate(zip(axes, spans, strict=True)):
            ng = stop - start
            counts = np.bincount(cell3 + state, minlength=(A + 1) * (ng + 1) * 3)
            counts = counts.reshape(A + 1, ng + 1, 3)
            yes = counts[..., 2]
            d = counts[..., 1] + yes
            if k == 0:  # "all": every value of the first grouping variable, NA included
                _put(num_out[i, :, 0], yes.sum(axis=1))
                _put(den_out[i, :, 0], d.sum(axis=1))
            if ng:
                num_out[i, 1:, start:stop] = yes[:A, :ng]
                den_out[i, 1:, start:stop] = d[:A, :ng]
                num_out[i, 0, start:stop] = yes[:, :ng].sum(axis=0)
                den_out[i, 0, start:stop] = d[:, :ng].sum(axis=0)
        if report is not None:
            report((i + 1) / len(indicators))
    if report is not None and not indicators:
        report(1.0)
    return num_out, den_out, keys


def _suppress(den: np.ndarray, every: Sequence[Indicator], keys: list[tuple[bytes | None, ...]],
              layout: _Layout, *, min_n: int, complementary: bool) -> np.ndarray:
    """Why each cell is hidden (:func:`~geo4mi.indicators.suppression.suppression_reasons`),
    logging what complementary and linked suppression cost."""
    shared = shared_counts(keys)
    if shared:
        log.info("counts published by several indicators (one's universe is another's "
                 "numerator or the rest of it), hidden together: %s",
                 "; ".join(" = ".join(f"{every[i].id}.{'n' if r == 0 else 'count'}"
                                      for i, r in m) for m in shared))
    reason = suppression_reasons(den, min_n=min_n, complementary=complementary,
                                 blocks=layout.blocks, shared=shared)
    extra = (reason > 0) & (den >= min_n)
    if extra.any():
        col_var, col_val = layout.col_var, layout.col_val
        city = extra[:, 0, 1:].sum(axis=0)  # city-wide figures lost, per group value
        lost = ", ".join(f"{col_var[c + 1]}={col_val[c + 1]} ({k} indicators)"
                         for c, k in sorted(enumerate(city.tolist()), key=lambda x: -x[1]) if k)
        log.info("complementary suppression: %d more estimates suppressed so that no small "
                 "cell can be worked out from the totals%s", int(extra.sum()),
                 f"; city-wide figures hidden: {lost} (merging the smallest value of a "
                 "grouping into another keeps them)" if lost else "")
    return reason


def _put(target: np.ndarray, per_area: np.ndarray) -> None:
    """Write per-area counts (last slot = unassigned) as city + areas."""
    target[0] = per_area.sum()
    target[1:] = per_area[:-1]


class _DesignGrid:
    """Weighted sums, linearised variances and df per indicator × area × column."""

    def __init__(self, respondents: pd.DataFrame, design: Design, area_code: np.ndarray,
                 A: int, group_list: list[str], values: dict[str, list[str]],
                 gcodes: dict[str, np.ndarray], shape: tuple[int, int, int]) -> None:
        self.w, psu, stratum = design_arrays(respondents, design)
        n_psu = int(psu.max(initial=-1)) + 1
        psu_stratum = np.zeros(n_psu, dtype=np.int64)
        psu_stratum[psu] = stratum
        self.psu_in_stratum = np.bincount(psu_stratum)
        lonely = int((self.psu_in_stratum == 1).sum())
        if design.cluster and n_psu < 2 and len(respondents):
            raise SurveyDataError(f"{design.source or 'the export'}: [survey] cluster = "
                                  f"{design.cluster!r} has a single value; a design-based "
                                  "variance needs at least 2 clusters (drop the cluster key "
                                  "or name a column that varies)")
        if lonely:
            log.warning("survey design: %d of %d strata have a single cluster; their "
                        "variance is centred on the overall mean (conservative)", lonely,
                        self.psu_in_stratum.size)
        log.info("survey design %s: %d respondents in %d clusters and %d strata",
                 design.describe(), len(respondents), n_psu, self.psu_in_stratum.size)
        self.weighted = design.weighted
        self.unit = bool(np.all(self.w == 1.0))  # every weight 1: sums are counts
        self.clustered = bool(design.cluster)
        self.psu, self.psu_stratum, self.n_psu = psu, psu_stratum, n_psu
        self.A = A
        self.levels: list[tuple[Level, Level, int, int]] = []  # fine, city, first col, ng
        col = 1
        for g in group_list:
            ng = len(values[g])
            fine = Level(area_code * (ng + 1) + gcodes[g], (A + 1) * (ng + 1), psu,
                         psu_stratum, n_psu)
            city = Level.from_pairs(fine, fine.pair_cell % (ng + 1), ng + 1, psu_stratum,
                                    n_psu)
            self.levels.append((fine, city, col, ng))
            col += ng
        if self.levels:
            fine0, _, _, ng0 = self.levels[0]
            self.all_area = Level.from_pairs(fine0, fine0.pair_cell // (ng0 + 1), A + 1,
                                             psu_stratum, n_psu)
        else:
            self.all_area = Level(area_code, A + 1, psu, psu_stratum, n_psu)
        self.all_city = Level.from_pairs(self.all_area, np.zeros(self.all_area.n_pairs,
                                                                 np.int64), 1, psu_stratum,
                                         n_psu)
        self.wy, self.wd, self.var, self.df = (np.zeros(shape) for _ in range(4))
        self.conc = np.full(shape, np.nan)  # sum_j B_j^2 / (sum_j B_j)^2 per cell

    def add(self, i: int, num: np.ndarray, den: np.ndarray) -> None:
        """Fill indicator ``i`` from its numerator and denominator masks (``num`` within
        ``den``)."""
        if self.unit:
            state = num.astype(np.int8)
            state += den
        else:
            a_rows = np.where(num, self.w, 0.0)
            b_rows = np.where(den, self.w, 0.0)
        A = self.A
        out = (self.wy[i], self.wd[i], self.var[i], self.df[i], self.conc[i])

        def results(level: Level, a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
            return [*level.variance(a, b, self.psu_in_stratum), level.concentration(b)]

        fine_sums = None
        for fine, city, col, ng in self.levels:
            a, b = fine.counts(state) if self.unit else fine.sums(a_rows, b_rows)
            if fine_sums is None:
                fine_sums = (a, b)
            for target, value in zip(out, results(fine, a, b), strict=True):
                target[1:, col:col + ng] = value.reshape(A + 1, ng + 1)[:A, :ng]
            for target, value in zip(out, results(city, *city.sums(a, b)), strict=True):
                target[0, col:col + ng] = value[:ng]
        if fine_sums is not None:
            a, b = self.all_area.sums(*fine_sums)
        else:
            a, b = (self.all_area.counts(state) if self.unit
                    else self.all_area.sums(a_rows, b_rows))
        for target, value in zip(out, results(self.all_area, a, b), strict=True):
            target[1:, 0] = value[:A]
        whole = results(self.all_city, *self.all_city.sums(a, b))
        for target, value in zip(out, whole, strict=True):
            target[0, 0] = value[0]




#: One part of the estimates table (:func:`_table`): per column, an object array of text
#: (NA as the ``str`` dtype's NA) or ``(values, mask)`` for Int64 / Float64.
_Part = dict[str, Any]


def _assemble(indicators: Sequence[Indicator], area_labels: list[str], col_var: list[str],
              col_val: list[str], num: np.ndarray, den: np.ndarray,
              reason: np.ndarray, grid: _DesignGrid | None = None,
              design_text: str = "srs") -> _Part:
    """The proportion rows: values and intervals computed for the published cells only."""
    n_ind, n_rows, n_cols = num.shape
    per_ind = n_rows * n_cols
    num_f, den_f = num.reshape(-1), den.reshape(-1)
    reason_f = reason.reshape(-1)
    # a linked cell may have no respondents: its 0 would give another's count away
    status_code = np.where(reason_f > 0, 1, np.where(den_f == 0, 2, 0)).astype(np.int8)
    ok = status_code == 0
    # values only for the published cells (often a small share of the grid: most
    # area x group cells have nobody), then spread over the grid with NA elsewhere
    at = np.flatnonzero(ok)
    k_ok, n_ok = num_f[at], den_f[at]
    if grid is None:
        p_ok = k_ok / n_ok
        low, high = wilson_interval(k_ok, n_ok)
        deff = np.ones(at.size)
        n_eff = n_ok.astype("float64")
        method = SRS_METHOD
    else:
        p_ok = grid.wy.reshape(-1)[at] / grid.wd.reshape(-1)[at]
        # the indicator's whole-sample design effect and df, for cells without their own
        wd0 = grid.wd[:, 0, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            p0 = grid.wy[:, 0, 0] / wd0
            srs0 = p0 * (1 - p0) / den[:, 0, 0]
            good = (srs0 > 0) & (grid.var[:, 0, 0] > 0) & (grid.df[:, 0, 0] >= 1)
            city_deff = np.where(good, grid.var[:, 0, 0] / srs0, np.nan)
        which = at // per_ind
        size = den.reshape(-1)[at] * grid.conc.reshape(-1)[at]  # n * sum B^2 / (sum B)^2
        city_size = den[:, 0, 0] * grid.conc[:, 0, 0]
        deff, n_eff, low, high = design_interval(
            p_ok, n_ok, grid.var.reshape(-1)[at], grid.df.reshape(-1)[at],
            size, city_deff[which], np.where(good, grid.df[:, 0, 0], np.nan)[which],
            city_size[which], z=Z95, clustered=grid.clustered)
        method = DESIGN_METHOD

    def spread(values: np.ndarray, na: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        out = np.zeros(num_f.shape)
        mask = ~ok
        if na is None:
            out[at] = values
        else:
            out[at] = np.where(na, 0.0, values)
            mask[at[na]] = True
        return out, mask

    n_hidden = np.isin(reason_f, [REASONS.index(r) for r in N_HIDDEN])
    part: _Part = {
        "indicator": np.repeat(_objects([ind.id for ind in indicators]), per_ind),
        "area_id": np.tile(np.repeat(_objects(area_labels), n_cols), n_ind),
        "group_var": np.tile(_objects(col_var), n_ind * n_rows),
        "group_value": np.tile(_objects(col_val), n_ind * n_rows),
        "numerator": (np.where(ok, num_f, 0), ~ok),
        "n": (np.where(n_hidden, 0, den_f), n_hidden),
        "p": spread(p_ok),
        "ci_low": spread(low),
        "ci_high": spread(high),
        "status": _objects(STATUSES)[status_code],
        "deff": spread(np.nan_to_num(deff), np.isnan(deff)),
        "n_eff": spread(n_eff),
        "ci_method": _objects([method, None])[(~ok).astype(np.int8)],
        "design": np.repeat(_objects([design_text]), num_f.size),
        "suppression": _objects(REASONS)[reason_f],
        "stat": np.repeat(_objects([PROP]), num_f.size),
    }
    if grid is not None and grid.weighted:  # weighted counts, as analysistools' n_w
        part["numerator_w"] = (np.where(ok, grid.wy.reshape(-1), 0.0), ~ok)
        hidden = status_code == 1
        part["n_w"] = (np.where(hidden, 0.0, grid.wd.reshape(-1)), hidden)
    return part


def _objects(values: Sequence[str | None]) -> np.ndarray:
    """``values`` as an object array, ``None`` as the ``str`` dtype's NA."""
    na = _STR.na_value
    out = np.empty(len(values), dtype=object)
    out[:] = [na if v is None else v for v in values]
    return out


#: The dtype of the table's text columns (``"str"``).
_STR = pd.array([], dtype="str").dtype


def _strings(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """An object array of ``str`` (NA: ``_STR.na_value``) as a ``str`` array, without
    checking each element again when the dtype is stored as Python objects."""
    if getattr(_STR, "storage", None) == "python":
        return pd.arrays.StringArray._simple_new(values, _STR)
    return pd.array(values, dtype=_STR)


def _table(parts: list[_Part]) -> pd.DataFrame:
    """The estimates table of the parts, one after the other (each column built once)."""
    columns: dict[str, Any] = {}
    for name in list(parts[0]):
        pieces = [part.pop(name) for part in parts]
        if isinstance(pieces[0], tuple):
            values = pieces[0][0] if len(pieces) == 1 else np.concatenate([v for v, _ in pieces])
            mask = pieces[0][1] if len(pieces) == 1 else np.concatenate([m for _, m in pieces])
            columns[name] = (pd.arrays.IntegerArray if values.dtype.kind in "iu"
                             else pd.arrays.FloatingArray)(values, mask)
        else:
            columns[name] = _strings(pieces[0] if len(pieces) == 1 else np.concatenate(pieces))
        del pieces
    return pd.DataFrame(columns, copy=False)


def _margins(area_code: np.ndarray, A: int, group_list: list[str],
             values: dict[str, list[str]], gcodes: dict[str, np.ndarray], n_cols: int,
             grid: _DesignGrid | None) -> list[Margin]:
    """The grid's margins for :func:`~geo4mi.indicators.numeric.estimate_numeric`:
    city-wide "all" first, then areas × "all", then per group city-wide and per area."""
    from geo4mi.indicators.design import Level

    area_out = np.r_[(np.arange(A) + 1) * n_cols, -1]
    specs = [(np.zeros(area_code.size, np.int64), 1, np.array([0])),
             (area_code, A + 1, area_out)]
    col = 1
    for g in group_list:
        ng = len(values[g])
        group_out = np.r_[np.arange(ng) + col, -1]
        specs.append((gcodes[g], ng + 1, group_out))
        fine_out = np.where((area_out[:, None] >= 0) & (group_out[None, :] >= 0),
                            area_out[:, None] + group_out[None, :], -1).reshape(-1)
        specs.append((area_code * (ng + 1) + gcodes[g], (A + 1) * (ng + 1), fine_out))
        col += ng
    return [Margin(cell, n_cells, out, None if grid is None else
                   Level(cell, n_cells, grid.psu, grid.psu_stratum, grid.n_psu))
            for cell, n_cells, out in specs]




def _assemble_numeric(indicators: Sequence[Indicator], area_labels: list[str],
                      col_var: list[str], col_val: list[str], grid: NumericGrid,
                      reason: np.ndarray, design_text: str, *,
                      weighted: bool = False) -> _Part:
    """Rows of the numeric statistics, in the shape of :func:`_assemble`'s (``numerator``
    always NA; ``p``, ``ci_low``, ``ci_high`` hold the value and its interval)."""
    n_ind, n_rows, n_cols = grid.n.shape
    per_ind = n_rows * n_cols
    den_f = grid.n.reshape(-1)
    reason_f = reason.reshape(-1)
    status_code = np.where(reason_f > 0, 1, np.where(den_f == 0, 2, 0)).astype(np.int8)
    ok = status_code == 0
    hidden = status_code == 1
    n_hidden = np.isin(reason_f, [REASONS.index(r) for r in N_HIDDEN])

    def floats(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        v = values.reshape(-1)
        bad = ~ok | np.isnan(v)
        return np.where(bad, 0.0, v), bad

    method = grid.method.reshape(-1)
    part: _Part = {
        "indicator": np.repeat(_objects([ind.id for ind in indicators]), per_ind),
        "area_id": np.tile(np.repeat(_objects(area_labels), n_cols), n_ind),
        "group_var": np.tile(_objects(col_var), n_ind * n_rows),
        "group_value": np.tile(_objects(col_val), n_ind * n_rows),
        "numerator": (np.zeros(den_f.shape, np.int64), np.ones(den_f.shape, bool)),
        "n": (np.where(n_hidden, 0, den_f), n_hidden),
        "p": floats(grid.value),
        "ci_low": floats(grid.low),
        "ci_high": floats(grid.high),
        "status": _objects(STATUSES)[status_code],
        "deff": floats(grid.deff),
        "n_eff": floats(grid.n_eff),
        "ci_method": np.where(ok & (method != None), method,  # noqa: E711 (elementwise)
                              _STR.na_value).astype(object),
        "design": np.repeat(_objects([design_text]), den_f.size),
        "suppression": _objects(REASONS)[reason_f],
        "stat": np.repeat(_objects([ind.stat for ind in indicators]), per_ind),
    }
    if weighted:
        part["numerator_w"] = (np.zeros(den_f.shape), np.ones(den_f.shape, bool))
        w_n = (grid.w_n if grid.w_n is not None else np.full(grid.n.shape, np.nan)).reshape(-1)
        part["n_w"] = (np.nan_to_num(w_n), np.isnan(w_n) | hidden)
    return part


__all__ = ["CITY", "COLUMNS", "PROP", "STATUSES", "Z95", "estimate", "estimate_with_truth",
           "proportions", "wilson_interval"]
