"""What the static figures receive: published data and frozen settings, every choice made.

The figures draw and decide nothing about disclosure. :meth:`FigureData.prepare` (for a run,
:func:`geo4mi.outputs.figure_inputs`) is the one place where the study's ``min_n`` applies
to them: it keeps the percent rows of the estimates, publishes them once
(:func:`~geo4mi.indicators.suppression.published`) and folds the nationality answers too
small to show into one "other" bar (:func:`fold_nationalities`). :class:`FigureSettings`
holds how the set is drawn (language, formats, kinds, scheme...), resolved. After that,
``min_n`` is only a number named in legends and captions, never compared with ``n`` again.

Examples
--------
>>> from geo4mi.figures.examples import tiny_inputs
>>> data = FigureData.prepare(*tiny_inputs(), min_n=10)
>>> sorted(set(data.estimates["suppression"]))
['', 'small_n']
>>> FigureSettings(lang="en", formats="svg,png").formats
('svg', 'png')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geo4mi.classify import SCHEMES
from geo4mi.errors import FigureError
from geo4mi.figures.common import check_estimates
from geo4mi.i18n import check_language
from geo4mi.indicators.estimate import proportions
from geo4mi.indicators.suppression import published
from geo4mi.labels import Labels

FORMATS = ("png", "svg", "pdf")
KINDS = ("map", "bars", "groups")

def parse_formats(formats: str | Iterable[str]) -> tuple[str, ...]:
    """Check output formats; a comma-separated string is accepted.

    Examples
    --------
    >>> parse_formats("png, pdf")
    ('png', 'pdf')
    """
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    out = tuple(dict.fromkeys(str(f).strip().lower().lstrip(".") for f in items
                              if str(f).strip()))
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise FigureError(f"figure format {bad[0] if bad else formats!r} is unknown; use one "
                          f"or more of {', '.join(FORMATS)}")
    return out


def _names(value: Sequence[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value)


@dataclass(frozen=True)
class FigureSettings:
    """How a set of figures is drawn, every choice made (see :func:`write_figures`).

    Parameters
    ----------
    lang : str, default "es"
    source : str, optional
        Survey source line of the captions (default: the survey title of the labels).
    formats : sequence of {"png", "svg", "pdf"}, default all three
    kinds : sequence of {"map", "bars", "groups"}, default ("map", "bars")
    indicators : sequence of str, optional
        Catalogue ids; default every indicator of the estimates, in their order.
    group_vars : sequence of str, default ()
        Grouping variables of the small multiples ("groups" in ``kinds``).
    scheme : {"fixed", "quantiles", "natural_breaks"}, default "fixed"

    Examples
    --------
    >>> FigureSettings(kinds=["map"], group_vars="gender").group_vars
    ('gender',)
    >>> FigureSettings(kinds=["pie"])
    Traceback (most recent call last):
    ...
    geo4mi.errors.FigureError: figure kind 'pie' is unknown; use one or more of map, bars, groups
    """

    lang: str = "es"
    source: str | None = None
    formats: tuple[str, ...] = FORMATS
    kinds: tuple[str, ...] = ("map", "bars")
    indicators: tuple[str, ...] | None = None
    group_vars: tuple[str, ...] = ()
    scheme: str = "fixed"

    def __post_init__(self) -> None:
        object.__setattr__(self, "lang", check_language(self.lang))
        object.__setattr__(self, "formats", parse_formats(self.formats))
        kinds = _names(self.kinds) or ()
        bad = [k for k in kinds if k not in KINDS]
        if bad:
            raise FigureError(f"figure kind {bad[0]!r} is unknown; use one or more of "
                              f"{', '.join(KINDS)}")
        object.__setattr__(self, "kinds", kinds)
        object.__setattr__(self, "indicators", _names(self.indicators))
        object.__setattr__(self, "group_vars", _names(self.group_vars) or ())
        if self.scheme not in SCHEMES:
            raise FigureError(f"scheme: {self.scheme!r} is unknown; use {', '.join(SCHEMES)}")


@dataclass(frozen=True)
class NationalityCounts:
    """Respondents per nationality answer as the chart may show them (:func:`fold_nationalities`).

    ``kept`` are the answers drawn as their own bar (answer -> respondents, in the order
    given); ``folded`` the answers lumped into one "other" bar of ``other_count``
    respondents (``other_hidden``: fewer than ``min_n``, drawn without a bar); ``names`` the
    display names. ``min_n`` and ``min_share`` are the rule that was applied, named in the
    caption.
    """

    kept: pd.Series
    folded: tuple[str, ...]
    other_count: int
    other_hidden: bool
    total: int
    names: Mapping[str, str] = field(default_factory=dict)
    min_n: int = 10
    min_share: float = 0.01
    other: str = "other"


def fold_nationalities(counts: pd.Series, *, names: Mapping[str, str] | None = None,
                       min_n: int = 10, min_share: float = 0.01,
                       other: str = "other") -> NationalityCounts:
    """Fold the answers too small to show into one "other" group (a disclosure decision).

    Answers with fewer than ``min_n`` respondents or under ``min_share`` of the sample,
    and the questionnaire's own ``other`` answer, go into "other"; when that group itself
    has fewer than ``min_n`` respondents its count is hidden.

    Examples
    --------
    >>> folded = fold_nationalities(pd.Series({"venezuela": 60, "honduras": 30, "peru": 4,
    ...                                        "cuba": 6}))
    >>> folded.kept.to_dict(), folded.folded, folded.other_count, folded.other_hidden
    ({'venezuela': 60, 'honduras': 30}, ('peru', 'cuba'), 10, False)
    """
    values = pd.to_numeric(pd.Series(counts), errors="coerce")
    if values.isna().any() or (values < 0).any():
        bad = values.index[values.isna() | (values < 0)][0]
        shown = pd.Series(counts)[bad]
        raise FigureError(f"nationality counts: {bad!r} has "
                          f"{shown.item() if hasattr(shown, 'item') else shown!r}; counts "
                          "must be whole numbers of 0 or more")
    values = values[values > 0].astype(int)
    values.index = values.index.astype(str)
    total = int(values.sum())
    if total == 0:
        raise FigureError("nationality counts: no respondents; nothing to chart")
    small = (values < min_n) | (values / total < min_share) | (values.index == other)
    grouped = values[small]
    rest = int(grouped.sum())
    return NationalityCounts(kept=values[~small], folded=tuple(grouped.index), other_count=rest,
                             other_hidden=bool(len(grouped)) and rest < min_n, total=total,
                             names=dict(names or {}), min_n=int(min_n),
                             min_share=float(min_share), other=other)


@dataclass(frozen=True)
class FigureData:
    """What the figures draw: published estimates, areas, labels and aggregate counts.

    Made by :meth:`prepare` (for a run, by :func:`geo4mi.outputs.figure_inputs`). ``min_n``
    is the threshold the estimates were published at, named in legends and captions and
    never compared with ``n`` again; ``synthetic`` shows the synthetic-data banner.
    ``interviews`` are interviews per ``area_id`` (NA where the estimates hide them;
    ``interviews_total`` is then needed), ``nationalities`` the folded respondents per
    nationality answer.
    """

    estimates: pd.DataFrame
    areas: gpd.GeoDataFrame
    labels: Labels
    min_n: int = 10
    synthetic: bool = False
    interviews: pd.Series | None = None
    interviews_total: int | None = None
    nationalities: NationalityCounts | None = None

    @classmethod
    def prepare(cls, estimates: pd.DataFrame, areas: gpd.GeoDataFrame, labels: Labels, *,
                min_n: int = 10, synthetic: bool = False,
                interviews: pd.Series | None = None, interviews_total: int | None = None,
                nationalities: pd.Series | None = None,
                nationality_names: Mapping[str, str] | None = None) -> FigureData:
        """Check the tables, publish the estimates and fold the nationalities (the one
        place ``min_n`` applies to the figures)."""
        check_estimates(estimates)
        for col in ("area_id", "area_name"):
            if col not in areas.columns:
                raise FigureError(f"areas: column {col!r} is missing; load the boundaries "
                                  "with geo4mi.boundaries.load_areas")
        folded = (fold_nationalities(nationalities, names=nationality_names, min_n=min_n)
                  if nationalities is not None else None)
        # figures draw percentages only; published once, here
        return cls(published(proportions(estimates), min_n=min_n), areas, labels,
                   min_n=int(min_n), synthetic=bool(synthetic), interviews=interviews,
                   interviews_total=interviews_total, nationalities=folded)
