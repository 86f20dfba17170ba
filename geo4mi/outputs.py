"""What a run's results become: maps, figures, tables and the report, with grouped options.

These are the functions behind the methods of :class:`geo4mi.pipeline.Results`
(``results.choropleth()``, ``results.sites_map()``, ``results.figures(...)``,
``results.write_tables(...)``, ``results.report(...)``). Presentation options travel in
small frozen dataclasses (:class:`MapOptions`, :class:`SiteMapOptions`,
:class:`FigureOptions`) instead of long keyword lists; each checks its values when made, so
a typo fails where it is written, not deep inside a renderer.

The map renderers read no file and apply no threshold: :func:`choropleth_inputs` and
:func:`sites_map_inputs` read the sites file, allocate a plan, publish the estimates with
the study's ``min_n`` (once) and resolve every choice into a frozen settings dataclass;
:func:`geo4mi.webmap.choropleth.render_choropleth` and
:func:`geo4mi.webmap.sites.render_sites_map` draw what they are given.

Every output here is what the CLI would publish: before anything is drawn, the estimates
are audited (:func:`geo4mi.indicators.audit.refuse_results`) and a run whose outputs would
let a hidden figure be worked out is refused with a :class:`~geo4mi.errors.DisclosureError`.

Examples
--------
>>> import tempfile, pathlib
>>> import geo4mi
>>> results = geo4mi.run(geo4mi.bundled_study_path())
>>> page = results.choropleth(geo4mi.MapOptions(lang="en"))
>>> "<script src=" in page._repr_html_(), page.lang
(False, 'en')
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> page.save(out / "map.html").name
'map.html'
>>> [p.name for p in results.write_tables(out / "tables")]  # doctest: +NORMALIZE_WHITESPACE
['estimates.csv', 'estimates.gpkg', 'estimates.analysistools.csv', 'differences.csv']
"""

from __future__ import annotations

import html
import os
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from geo4mi.errors import OutputError
from geo4mi.i18n import check_language
from geo4mi.webmap.options import MapChoices, name_tuple

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd

    from geo4mi.figures.inputs import FigureData, FigureSettings
    from geo4mi.pipeline import Results
    from geo4mi.webmap.assets import OfflineMap
    from geo4mi.webmap.choropleth import ChoroplethData, ChoroplethSettings
    from geo4mi.webmap.sites import SiteMapData, SiteMapSettings

__all__ = [
    "TABLES",
    "FigureOptions",
    "HtmlMap",
    "MapOptions",
    "SiteMapOptions",
    "choropleth",
    "choropleth_inputs",
    "figure_inputs",
    "figures",
    "report",
    "sites_map",
    "sites_map_inputs",
    "write_tables",
]

#: The tables :func:`write_tables` writes, in order (the ``tables/`` of ``geo4mi build``).
TABLES = ("estimates.csv", "estimates.gpkg", "estimates.analysistools.csv", "differences.csv")


def _opt_lang(lang: str | None) -> str | None:
    return None if lang is None else check_language(lang)


@dataclass(frozen=True)
class MapOptions(MapChoices):
    """How the choropleth is drawn (all optional; the defaults follow the study).

    The fields are those of :class:`geo4mi.webmap.options.MapChoices`, shared with the
    renderer's resolved :class:`~geo4mi.webmap.choropleth.ChoroplethSettings`.

    Parameters
    ----------
    lang : str, optional
        Page language (default: the study's).
    indicators, groups : sequence of str, optional
        Indicators and grouping variables offered, in this order (default: all).
    selected : str, optional
        Indicator shown first (default: the study's ``[indicators] opening``).
    tiles : str, optional
        A folium tile layer under the boroughs (off by default: a tile layer needs the
        network).
    alternates : mapping of str to str, optional
        The same map in other languages, ``{lang: relative link}``.

    Examples
    --------
    >>> MapOptions(lang="en", indicators=["a", "b"]).indicators
    ('a', 'b')
    >>> MapOptions(lang="xx")
    Traceback (most recent call last):
    ...
    geo4mi.errors.StudyError: language 'xx' is not supported; ...
    """


@dataclass(frozen=True)
class SiteMapOptions:
    """How the site map is drawn.

    Parameters
    ----------
    lang : str, optional
        Page language (default: the study's).
    plan_total : int, optional
        Allocate this many interviews with the study's ``[plan]`` settings and shade the
        boroughs by target (default: by interviews achieved).

    Examples
    --------
    >>> SiteMapOptions(plan_total=0)
    Traceback (most recent call last):
    ...
    ValueError: plan_total: 0 is not a positive number of interviews; give 1 or more, or None
    """

    lang: str | None = None
    plan_total: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lang", _opt_lang(self.lang))
        total = self.plan_total
        if total is not None and (isinstance(total, bool) or not isinstance(total, int)
                                  or total < 1):
            raise ValueError(f"plan_total: {total!r} is not a positive number of interviews; "
                             "give 1 or more, or None")


@dataclass(frozen=True)
class FigureOptions:
    """Which figures are written, and how.

    Parameters
    ----------
    formats : sequence of {"png", "svg", "pdf"}, default all three
    kinds : sequence of {"map", "bars", "groups"}, default ("map", "bars")
    indicators : sequence of str, optional
        Default: every indicator.
    group_vars : sequence of str, optional
        Grouping variables of the "groups" figures (default: the study's).
    lang : str, optional
        Default: the study's language.
    scheme : {"fixed", "quantiles", "natural_breaks"}, default "fixed"

    Examples
    --------
    >>> FigureOptions(formats="png,svg").formats
    ('png', 'svg')
    >>> FigureOptions(kinds=["pie"])
    Traceback (most recent call last):
    ...
    geo4mi.errors.FigureError: kinds: 'pie' is unknown; use map, bars, groups
    """

    formats: tuple[str, ...] = ("png", "svg", "pdf")
    kinds: tuple[str, ...] = ("map", "bars")
    indicators: tuple[str, ...] | None = None
    group_vars: tuple[str, ...] | None = None
    lang: str | None = None
    scheme: str = "fixed"

    def __post_init__(self) -> None:
        from geo4mi.classify import SCHEMES
        from geo4mi.errors import FigureError
        from geo4mi.figures.inputs import KINDS, parse_formats

        object.__setattr__(self, "formats", parse_formats(self.formats))
        kinds = name_tuple(self.kinds, "kinds") or ()
        wrong = [k for k in kinds if k not in KINDS]
        if wrong:
            raise FigureError(f"kinds: {wrong[0]!r} is unknown; use {', '.join(KINDS)}")
        object.__setattr__(self, "kinds", kinds)
        object.__setattr__(self, "indicators", name_tuple(self.indicators, "indicators"))
        object.__setattr__(self, "group_vars", name_tuple(self.group_vars, "group_vars"))
        object.__setattr__(self, "lang", _opt_lang(self.lang))
        if self.scheme not in SCHEMES:
            raise FigureError(f"scheme: {self.scheme!r} is unknown; use {', '.join(SCHEMES)}")


class HtmlMap:
    """An offline map page: shown inline in a notebook, saved as one self-contained file.

    ``_repr_html_`` gives an ``<iframe srcdoc>`` holding the whole page (Leaflet, the data
    and the project's JS inlined), so showing it loads nothing from the network. The folium
    map is ``.folium`` (add layers before saving, as with any folium map).
    """

    def __init__(self, m: OfflineMap, *, lang: str, height: str = "600px") -> None:
        self.folium = m
        self.lang = lang
        self.height = height

    def html(self) -> str:
        """The page as one offline HTML document (the same bytes :meth:`save` writes)."""
        from geo4mi.webmap.assets import render_offline_html

        return render_offline_html(self.folium)

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html(), quote=True)}" '
                f'style="width:100%;height:{html.escape(self.height)};border:none" '
                f'sandbox="allow-scripts allow-downloads allow-popups"></iframe>')

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
        """Write the page to ``path`` atomically; refuse an existing file unless ``overwrite``."""
        from geo4mi.webmap.assets import write_html

        return write_html(self.html(), path, overwrite=overwrite)

    def __repr__(self) -> str:
        return f"<HtmlMap lang={self.lang!r}>"


_AUDITED: set[int] = set()  # ids of the live Results already audited (results are frozen)


def _publishable(results: Results) -> None:
    """Refuse a run whose outputs would disclose a hidden figure; audit each run once."""
    from geo4mi.indicators.audit import refuse_results

    if id(results) in _AUDITED:
        return
    refuse_results(results)
    _AUDITED.add(id(results))
    weakref.finalize(results, _AUDITED.discard, id(results))


def choropleth_inputs(results: Results, options: MapOptions | None = None, *,
                      data: ChoroplethData | None = None
                      ) -> tuple[ChoroplethData, ChoroplethSettings]:
    """What the choropleth renderer receives for a run: prepared data and settings.

    The estimates are published here, once, with the study's ``min_n``
    (:meth:`~geo4mi.webmap.choropleth.ChoroplethData.prepare`); the settings take the study's
    title, source and language, and open on ``options.selected``, else the study's
    ``[indicators] opening``, else the first indicator that is not a descriptive profile
    share (among ``options.indicators`` when given). ``data`` (from an earlier call on the
    same ``results``) is returned as is instead of being prepared again: the pages of every
    language then share its outlines, tests and values.

    Examples
    --------
    >>> import geo4mi
    >>> data, settings = choropleth_inputs(geo4mi.run(geo4mi.bundled_study_path()))
    >>> data.min_n, settings.lang, settings.selected
    (10, 'es', 'discriminated')
    """
    from geo4mi.webmap.choropleth import ChoroplethData, ChoroplethSettings

    options = options or MapOptions()
    study = results.study
    lang = options.lang or study.language
    if data is None:
        data = ChoroplethData.prepare(results.estimates, results.areas, results.labels,
                                      min_n=study.min_n, synthetic=study.synthetic,
                                      context=study.context)
    settings = ChoroplethSettings.resolve(
        options, lang=lang, title=study.title_in(lang), source=study.source_in(lang) or None,
        selected=options.selected or _opening(results, options.indicators))
    return data, settings


def _opening(results: Results, indicators: Sequence[str] | None) -> str | None:
    """The study's headline finding ([indicators] opening), else the first indicator that is
    not a descriptive profile share; among ``indicators`` when given."""
    shown = results.labels.indicators
    if indicators is not None:
        shown = {i: shown[i] for i in indicators if i in shown}
    return next((i for i in results.study.indicators.opening if i in shown), None) or next(
        (i for i, info in shown.items() if info.direction != "neutral"), None)


def choropleth(results: Results, options: MapOptions | None = None) -> HtmlMap:
    """The interactive choropleth of a run (what ``geo4mi map`` writes)."""
    from geo4mi.webmap.choropleth import render_choropleth

    _publishable(results)
    data, settings = choropleth_inputs(results, options)
    return HtmlMap(render_choropleth(data, settings), lang=settings.lang)


def sites_map_inputs(results: Results, options: SiteMapOptions | None = None, *,
                     plan: pd.DataFrame | None = None,
                     sites: gpd.GeoDataFrame | None = None
                     ) -> tuple[SiteMapData, SiteMapSettings]:
    """What the site map renderer receives for a run: every file read, the plan allocated.

    Sites come from the study's ``[sites]`` file (``sites`` overrides it). Boroughs are
    shaded by the interviews achieved (``Results.published_interviews()``), or by the
    targets of ``plan`` (e.g. :func:`geo4mi.sites.plan.read_plan_csv`) when given;
    ``options.plan_total`` instead allocates that many interviews with
    :func:`geo4mi.sites.plan.plan_for_study` (the study's ``[plan]`` settings).

    Examples
    --------
    >>> import geo4mi
    >>> results = geo4mi.run(geo4mi.bundled_study_path())
    >>> data, settings = sites_map_inputs(results, SiteMapOptions(plan_total=301))
    >>> int(data.plan["target"].sum()), settings.catchment_m, len(data.sites) > 0
    (301, 1000.0, True)
    """
    from geo4mi.errors import SiteMapError
    from geo4mi.sites import read_sites
    from geo4mi.sites.plan import plan_for_study
    from geo4mi.webmap.sites import SiteMapData, SiteMapSettings

    options = options or SiteMapOptions()
    study = results.study
    lang = options.lang or study.language
    if sites is None:
        if study.sites is None:
            raise SiteMapError(f"{study.path}: no [sites] section; add one with path = "
                               "\"sites.csv\" to draw the site map")
        sites = read_sites(study.sites.path, results.areas)
    if plan is not None and options.plan_total is not None:
        raise SiteMapError("give plan or plan_total, not both")
    if options.plan_total is not None:
        plan = plan_for_study(study, results.areas, sites, total=options.plan_total)
    data = SiteMapData(results.areas, sites, achieved=results.published_interviews()[0],
                       plan=plan, synthetic=study.synthetic, context=study.context)
    settings = SiteMapSettings(lang=lang, title=study.title_in(lang), wording=study.wording,
                               catchment_m=(study.sites.catchment_m if study.sites is not None
                                            else 1000.0))
    return data, settings


def sites_map(results: Results, options: SiteMapOptions | None = None, *,
              plan: pd.DataFrame | None = None,
              sites: gpd.GeoDataFrame | None = None) -> HtmlMap:
    """The site map of a run (the study's ``[sites]``, or ``sites``; ``plan`` a plan table)."""
    from geo4mi.webmap.sites import render_sites_map

    _publishable(results)
    data, settings = sites_map_inputs(results, options, plan=plan, sites=sites)
    return HtmlMap(render_sites_map(data, settings), lang=settings.lang)


def figure_inputs(results: Results, options: FigureOptions | None = None
                  ) -> tuple[FigureData, FigureSettings]:
    """What the figures receive for a run: published data and settings, every choice made.

    The one place the study's ``min_n`` applies to the figures
    (:meth:`~geo4mi.figures.inputs.FigureData.prepare`): the estimates are published once;
    interviews per area are those the estimates publish (``Results.published_interviews``,
    no sample map when the total is hidden); respondents per answer to the study's
    ``[indicators] nationality_question`` are those ``Results.published_answer_counts``
    keeps, the rest lumped into "other" (no nationality chart without the question). The
    settings take the study's language, source line and grouping variables unless
    ``options`` says otherwise.

    Examples
    --------
    >>> import geo4mi
    >>> data, settings = figure_inputs(geo4mi.run(geo4mi.bundled_study_path()))
    >>> data.min_n, settings.lang, data.nationalities.other_count
    (10, 'es', 57)
    """
    import pandas as pd

    from geo4mi.figures.inputs import FigureData, FigureSettings

    options = options or FigureOptions()
    study = results.study
    lang = options.lang or study.language
    nationalities = names = None
    form = results.form
    question = study.indicators.nationality_question
    if form is not None and question and form.has_question(question):
        every = results.nationality_counts(question)
        kept = results.published_answer_counts(question)  # the rest goes into "other"
        rest = int(every.sum() - kept.sum())
        nationalities = pd.concat([kept, pd.Series({"other": rest})]) if rest else kept
        list_name = str(form.question(question).get("list_name") or "")
        names = {c: form.choice_label(list_name, c, lang) for c in nationalities.index}
    interviews, total = results.published_interviews()
    estimates = results.estimates
    if options.indicators is not None:  # only those drawn are published for the figures
        keep = estimates["indicator"].isin(options.indicators).to_numpy(dtype=bool)
        found = set(pd.unique(estimates["indicator"].to_numpy(dtype=object)[keep]))
        if found == set(options.indicators):  # else the figures name what is missing
            estimates = estimates[keep]
    data = FigureData.prepare(estimates, results.areas, results.labels,
                              min_n=study.min_n, synthetic=study.synthetic,
                              interviews=interviews if total is not None else None,
                              interviews_total=total, nationalities=nationalities,
                              nationality_names=names)
    group_vars = study.indicators.groups if options.group_vars is None else options.group_vars
    settings = FigureSettings(lang=lang, source=study.source.get(lang) if study.source else None,
                              formats=options.formats, kinds=options.kinds,
                              indicators=options.indicators,
                              group_vars=tuple(group_vars) if "groups" in options.kinds else (),
                              scheme=options.scheme)
    return data, settings


def figures(results: Results, out_dir: str | os.PathLike[str],
            options: FigureOptions | None = None, *, overwrite: bool = True,
            progress: bool | Callable[[float], None] = False,
            jobs: int | None = 1) -> list[Path]:
    """Write the static figures of a run into ``out_dir``; return the paths written.

    What ``geo4mi figures`` and ``geo4mi build`` write: the inputs come from
    :func:`figure_inputs`, the files from :func:`geo4mi.figures.write_figures` (``jobs``
    worker processes; ``None``: one per CPU).
    """
    from geo4mi.figures.output import write_figures

    _publishable(results)
    data, settings = figure_inputs(results, options)
    return write_figures(data, out_dir, settings, overwrite=overwrite, progress=progress,
                         jobs=jobs)


def write_tables(results: Results, out_dir: str | os.PathLike[str], *,
                 lang: str | None = None, overwrite: bool = False) -> list[Path]:
    """Write the :data:`TABLES` of a run into ``out_dir``; return their paths.

    An existing table is refused (:class:`~geo4mi.errors.OutputError`, nothing written)
    unless ``overwrite``.
    """
    from geo4mi.build import write_indicator_file
    from geo4mi.indicators.differences import write_differences_csv
    from geo4mi.io import check_output_folder

    lang = check_language(lang or results.study.language)
    out = check_output_folder(out_dir)
    paths = [out / name for name in TABLES]
    existing = [p for p in paths if p.exists()]
    if existing and not overwrite:
        raise OutputError(f"{existing[0]}: file exists; pass overwrite=True to replace it")
    _publishable(results)
    written = [write_indicator_file(results, p, lang=lang) for p in paths[:-1]]
    written.append(write_differences_csv(results.estimates, paths[-1], lang=lang,
                                         synthetic=results.study.synthetic))
    return written


def report(results: Results, path: str | os.PathLike[str], *, lang: str | None = None,
           map_page: str | None = None, overwrite: bool = False) -> Path:
    """Write the findings report of a run to ``path`` (one offline HTML file).

    ``map_page`` is the relative link of the choropleth its findings point to.
    """
    from geo4mi.report import write_report

    target = Path(path)
    if target.exists() and not overwrite:
        raise OutputError(f"{target}: file exists; pass overwrite=True to replace it")
    lang = check_language(lang or results.study.language)
    _publishable(results)
    return write_report(results, target, lang=lang, map_page=map_page)[0]

