"""Write every shareable output of a study run: tables, maps and figures.

Each writer reads only the *estimates*, the *areas*, the labels and aggregate counts of a
:class:`geo4mi.pipeline.Results`; respondent-level rows are never passed on. Every file is
written atomically, so an error leaves no half-written output, and :func:`build_outputs`
swaps the whole set in at once, so an output folder never holds a mix of two runs.
"""

from __future__ import annotations

import contextvars
import logging
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from geo4mi import progress
from geo4mi.errors import OutputError
from geo4mi.i18n import LANGUAGES
from geo4mi.io import write_output_set
from geo4mi.pipeline import Results

if TYPE_CHECKING:
    import pandas as pd

    from geo4mi.webmap.choropleth import ChoroplethData

log = logging.getLogger(__name__)

TABLE_SUFFIXES = (".analysistools.csv", ".csv", ".gpkg")


def other_languages(lang: str, form_languages: Sequence[str] = ()) -> list[str]:
    """The languages other than ``lang`` to write maps in, in a fixed order.

    Spanish and English always; another interface language (French, Portuguese...) when
    the form has labels in it.

    Examples
    --------
    >>> other_languages("es")
    ['en']
    >>> other_languages("fr", ["fr", "pt"])
    ['es', 'en', 'pt']
    """
    return [code for code in LANGUAGES if code != lang
            and (code in ("es", "en") or code in form_languages)]


def write_indicator_file(results: Results, path: str | os.PathLike[str], *, lang: str,
                         empty: bool = True) -> Path:
    """Write the estimates to ``path``; the format follows the name.

    ``*.analysistools.csv`` — IMPACT analysistools long format; ``*.csv`` — the labelled
    tidy long table; ``*.gpkg`` — a GeoPackage joined to the boundaries (for QGIS).
    ``empty=False`` leaves the ``no_data`` rows out of the long table (the .csv, the
    .gpkg's ``estimates`` layer); an analysistools table never has them (``empty`` is moot).
    """
    from geo4mi.indicators import tables

    path = Path(path)
    name = path.name.lower()
    synthetic = results.study.synthetic
    if name.endswith(".analysistools.csv"):
        return tables.write_analysistools_csv(results.estimates, results.catalogue, path,
                                              synthetic=synthetic, lang=lang)
    if name.endswith(".csv"):
        return tables.write_estimates_csv(results.estimates, results.areas, results.labels, path,
                                          lang=lang, synthetic=synthetic, empty=empty)
    if name.endswith(".gpkg"):
        return tables.write_geopackage(results.estimates, results.areas, path, results.labels,
                                       lang=lang, synthetic=synthetic, empty=empty)
    raise OutputError(f"{path}: unknown output format; name the file with one of "
                      f"{', '.join(TABLE_SUFFIXES)}")


def write_map(results: Results, path: str | os.PathLike[str], *, kind: str = "choropleth",
              lang: str | None = None, alternates: dict[str, str] | None = None) -> Path:
    """Write the ``kind`` map ("choropleth" or "sites") of a run as one offline HTML file.

    ``alternates`` links the choropleth to its other languages (``{lang: link}``). A
    choropleth above :data:`~geo4mi.webmap.choropleth.SPLIT_ABOVE` cells also gets one page
    per grouping variable next to ``path`` (:func:`write_map_pages`); ``path`` is returned.
    """
    from geo4mi.outputs import SiteMapOptions, sites_map_inputs
    from geo4mi.webmap.assets import render_offline_html, write_html

    lang = lang or results.study.language
    if kind == "choropleth":
        return write_map_pages(results, path, lang=lang, alternates=alternates)[0]
    if kind == "sites":
        from geo4mi.webmap.sites import render_sites_map

        plan_total = len(results.respondents) if results.study.plan is not None else None
        data, settings = sites_map_inputs(results, SiteMapOptions(lang=lang,
                                                                  plan_total=plan_total))
        return write_html(render_offline_html(render_sites_map(data, settings)), path)
    raise OutputError(f"map kind {kind!r} is unknown; use choropleth or sites")


def write_map_pages(results: Results, path: str | os.PathLike[str], *,
                    lang: str | None = None, alternates: dict[str, str] | None = None,
                    overwrite: bool = True, data: ChoroplethData | None = None
                    ) -> list[Path]:
    """Write a run's choropleth: ``path``, and above
    :data:`~geo4mi.webmap.choropleth.SPLIT_ABOVE` cells one page per grouping variable next
    to it (``choropleth.by-gender.html``...; :func:`geo4mi.webmap.choropleth.split_pages`).
    Returns the files written, ``path`` first. With ``overwrite=False`` nothing is written
    when one of the pages exists. ``data`` (:func:`geo4mi.outputs.choropleth_inputs` of
    ``results``) is drawn instead of preparing the estimates again: give every language
    the same to test and lay out the values once."""
    from geo4mi.outputs import MapOptions, choropleth_inputs
    from geo4mi.webmap.choropleth import write_choropleth_pages

    options = MapOptions(lang=lang or results.study.language, alternates=alternates or {})
    return write_choropleth_pages(*choropleth_inputs(results, options, data=data), path,
                                  overwrite=overwrite)


def build_outputs(results: Results, out_dir: str | os.PathLike[str], *,
                  report: bool = False, pdf: bool = False,
                  jobs: int | None = None, empty: bool = True) -> list[Path]:
    """Write the full set of outputs of a run into ``out_dir``; return the paths written.

    Layout::

        choropleth.html          the study language
        choropleth.<lang>.html   the other language
        choropleth[.<lang>].by-<var>.html
                                 above SPLIT_ABOVE cells (thousands of areas): the maps of
                                 each grouping variable, linked from the pages above,
                                 which then hold everyone's maps
        sites.html               site-mapping map (when the study has [sites])
        figures/                 static figures (PNG, SVG, PDF): the study's
                                 [indicators] figures (all when empty), figure_groups
        tables/estimates.csv, tables/estimates.gpkg, tables/estimates.analysistools.csv
        tables/differences.csv   tested differences (each area against the rest of the
                                 city, each group against the others; Holm-corrected)
        report.html              the findings report (only with ``report=True``)
        report.pdf               the same report printed to A4 (only with ``pdf=True`` too;
                                 needs WeasyPrint, :mod:`geo4mi.report.pdf`)
        .geo4mi-manifest         SHA-256 and path of each file above: the set is complete

    The set is written into a hidden staging folder inside ``out_dir`` and swapped in at
    the end (:func:`geo4mi.io.write_output_set`): an interrupted or failed run leaves the
    previous complete set, never a mix of old and new files. Other files in ``out_dir``
    are left alone.

    ``jobs`` worker processes draw the figures (default ``None``: one per CPU; 1: in this
    process); the files are byte-identical whatever the number
    (:func:`geo4mi.figures.write_figures`). ``empty=False`` leaves the ``no_data`` rows
    (areas and groups without respondents: most rows at thousands of areas) out of
    ``estimates.csv`` and ``estimates.gpkg``'s long layer.
    """
    from geo4mi.indicators.audit import refuse_results

    refuse_results(results)  # before anything is written
    return write_output_set(out_dir, lambda staging: _write_all(results, staging, report, pdf,
                                                                   jobs, empty))


def _tested(results: Results) -> pd.DataFrame | None:
    """:func:`~geo4mi.indicators.differences.differences` of a run's estimates (Holm,
    alpha 0.05: what ``differences.csv`` publishes), tested once for the table and the
    maps' flags; None when the estimates lack a ``numerator`` (nothing to test) or a
    ``suppression`` column (the map publishes such a table with the study's ``min_n``,
    so it tests its own)."""
    from geo4mi.indicators.differences import differences

    columns = results.estimates.columns
    if "numerator" not in columns or "suppression" not in columns:
        return None
    with _stage("testing differences", show=False):
        return differences(results.estimates)


@contextmanager
def _stage(what: str, *, show: bool = True) -> Iterator[None]:
    """Log a build step as it starts and ends, with its seconds (shown with ``-v``); name
    it on the terminal too (:func:`geo4mi.progress.stage`) unless ``show`` is False."""
    if show:
        progress.stage(what)
    log.info("%s ...", what)
    start = time.perf_counter()
    yield
    log.info("%s: done in %.1f s", what, time.perf_counter() - start)


def _write_all(results: Results, out: Path, report: bool = False,
               pdf: bool = False, jobs: int | None = None, empty: bool = True
               ) -> list[Path]:
    lang = results.study.language
    written: list[Path] = []
    names = {lang: "choropleth.html", **{o: f"choropleth.{o}.html"
                                         for o in other_languages(lang, results.form.languages)}}
    pages = [(name, "choropleth", code) for code, name in names.items()]
    if results.study.sites is not None:
        pages.append(("sites.html", "sites", lang))
    progress.stage(f"writing {len(pages)} maps")
    tick = progress.bar("maps", unit="map")
    tested = _tested(results)  # once for differences.csv and every map's flags
    shared: ChoroplethData | None = None  # prepared once: every language draws the same
    for k, (name, kind, code) in enumerate(pages):  # each choropleth links to the others
        with _stage(f"map {name}", show=False):
            if kind == "choropleth":
                if shared is None:
                    from geo4mi.outputs import choropleth_inputs
                    from geo4mi.webmap.choropleth import FLAG_METHOD

                    shared = choropleth_inputs(results)[0]
                    if tested is not None and FLAG_METHOD == "holm":  # differences.csv's
                        shared = replace(shared, differences=tested)
                written.extend(write_map_pages(results, out / name, lang=code,
                                               alternates=names, data=shared))
            else:
                written.append(write_map(results, out / name, kind=kind, lang=code))
        if tick:
            tick((k + 1) / len(pages))
    shared = None  # the maps' data (values of every page) is not needed past here
    from geo4mi.figures import write_figures
    from geo4mi.figures.output import worker_count
    from geo4mi.outputs import FigureOptions, figure_inputs

    chosen = results.study.indicators  # [indicators] figures, figure_groups: the study's
    options = FigureOptions(kinds=("map", "bars", "groups"),
                            indicators=tuple(i for i in chosen.figures
                                             if i in results.catalogue.ids) or None,
                            group_vars=tuple(g for g in chosen.figure_groups
                                             if g in chosen.groups))
    # figures drawn by worker processes leave this process waiting: a second thread waits
    # for them and then writes the CSV of the estimates and differences.csv, while this one
    # writes the GeoPackage (its SQLite inserts let the other thread run) and the
    # analysistools CSV; drawn here, all in turn
    background = worker_count(jobs) > 1
    if background:
        progress.stage("drawing figures and writing tables")
    with _stage("preparing figures", show=False):
        data, settings = figure_inputs(results, options)  # audited above

    def draw() -> list[Path]:
        with _stage("drawing figures", show=not background):
            return write_figures(data, out / "figures", settings,
                                 progress=progress.bar("figures", unit="figure"), jobs=jobs)

    def table(name: str) -> Path:
        with _stage(f"writing table {name}", show=not background):
            if name == "differences.csv":
                from geo4mi.indicators.differences import write_differences_csv

                return write_differences_csv(results.estimates, out / "tables" / name,
                                             lang=lang, synthetic=results.study.synthetic,
                                             tested=tested)
            return write_indicator_file(results, out / "tables" / name, lang=lang,
                                        empty=empty)

    table_names = ("estimates.csv", "estimates.gpkg", "estimates.analysistools.csv",
                   "differences.csv")
    if not background:
        written.extend(draw())
        written.extend(table(name) for name in table_names)
    else:
        after_figures = ("estimates.csv", "differences.csv")  # the waiting thread's
        with ThreadPoolExecutor(max_workers=1) as waiter:
            other = waiter.submit(contextvars.copy_context().run, lambda: (
                draw(), {name: table(name) for name in after_figures}))
            done = {name: table(name) for name in table_names if name not in after_figures}
            drawn, theirs = other.result()
        written.extend(drawn)
        written.extend({**done, **theirs}[name] for name in table_names)  # usual order
    if report:
        from geo4mi.report import write_report

        with _stage("writing report.html" + (" and report.pdf" if pdf else "")):
            written.append(write_report(results, out / "report.html", lang=lang,
                                        map_page=names[lang],
                                        pdf=out / "report.pdf" if pdf else None)[0])
        if pdf:
            written.append(out / "report.pdf")
    return written
