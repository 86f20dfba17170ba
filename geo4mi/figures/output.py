"""Saving figures (PNG 300 dpi, SVG with text as text, PDF), byte for byte reproducible."""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text

from geo4mi.figures import cartography as carto
from geo4mi.figures.charts import indicator_bar_chart, nationality_chart
from geo4mi.figures.common import FONT, FigureError, check_estimates, style
from geo4mi.figures.maps import choropleth_on, sample_distribution_on, small_multiples_on
from geo4mi.i18n import check_language, speaks_study
from geo4mi.indicators.estimate import proportions
from geo4mi.io import atomic_write
from geo4mi.labels import Labels

log = logging.getLogger(__name__)

FORMATS = ("png", "svg", "pdf")
DPI = 300
KINDS = ("map", "bars", "groups")

_METADATA: dict[str, dict[str, Any]] = {
    # No software versions or dates: the same figure gives the same bytes.
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
}


#: The PDF font: DejaVu Sans cut to Latin text (ASCII, Latin-1, Latin Extended-A, general
#: punctuation and a few signs), registered as its own family; other characters fall back
#: to the full DejaVu Sans. PDFs still embed it (TrueType, text selectable).
PDF_FONT = f"{FONT} Latin"
_LATIN = (*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x2000, 0x2070), 0x20AC, 0x2122,
          0x2212, 0x2264, 0x2265, 0x25A1)
_FACES = ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique")


@functools.cache
def _pdf_font() -> str | None:
    """Make and register the Latin cut of DejaVu Sans (once per process); its family name.

    matplotlib subsets the embedded font of every PDF with fontTools, which on the full
    DejaVu Sans (6,000 glyphs, 760 KB) took about 40 % of writing the demo's figures; on
    the Latin cut (about 500 glyphs, no OpenType layout tables, which matplotlib does not
    use) it takes a fraction. Glyph outlines, advances and kerning are the full font's, so
    the PDF lays text out exactly as before. The files go to a temporary folder removed at
    exit; the same fontTools gives the same bytes (no timestamps are recomputed). ``None``
    (and the full font) if the cut cannot be made.
    """
    try:
        from fontTools import subset
        from fontTools.ttLib import TTFont
        from matplotlib import font_manager

        folder = Path(tempfile.mkdtemp(prefix="geo4mi-font-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        source = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        for face in _FACES:
            font = TTFont(source / f"{face}.ttf", recalcTimestamp=False)
            options = subset.Options(layout_features=[], legacy_kern=True, hinting=False,
                                     name_IDs=["*"], notdef_outline=True, glyph_names=True)
            options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM"]
            cutter = subset.Subsetter(options)
            cutter.populate(unicodes=_LATIN)
            cutter.subset(font)
            for record in font["name"].names:
                if record.nameID in (1, 3, 4, 6, 16):
                    record.string = (record.toUnicode().replace(FONT, PDF_FONT)
                                     .replace(FONT.replace(" ", ""), PDF_FONT.replace(" ", "")))
            target = folder / f"{face}-Latin.ttf"
            font.save(target)
            font_manager.fontManager.addfont(str(target))
        return PDF_FONT
    except Exception as exc:  # pragma: no cover - unusual fontTools
        log.debug("figures: no Latin cut of %s (%s); PDFs embed the full font", FONT, exc)
        return None


@contextlib.contextmanager
def _pdf_text(fig: Figure) -> Iterator[None]:
    """Draw the figure's text in :data:`PDF_FONT` (full DejaVu Sans as fallback) meanwhile."""
    family = _pdf_font()
    changed = []
    if family is not None:
        for text in fig.findobj(Text):
            old = text.get_fontproperties().get_family()
            if old == [FONT]:
                changed.append((text, old))
                text.set_fontfamily([family, FONT])
    try:
        yield
    finally:
        for text, old in changed:
            text.set_fontfamily(old)


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


def _title(fig: Figure) -> str | None:
    for text in fig.texts:
        if text.get_gid() == "title":
            return " ".join(text.get_text().split())
    return None


def save_figure(fig: Figure, path_stem: str | os.PathLike[str],
                formats: str | Sequence[str] = FORMATS, *, overwrite: bool = True
                ) -> list[Path]:
    """Write ``fig`` as ``<path_stem>.<format>`` for each format; return the paths.

    PNG at 300 dpi (stored in the pHYs chunk), SVG with text kept as ``<text>`` elements,
    PDF with embedded TrueType fonts (text stays selectable; the Latin cut of DejaVu Sans,
    :data:`PDF_FONT`, with the full font for other characters). No dates or software
    versions are stored and SVG ids are salted with a fixed value, so saving the same
    figure twice gives byte-identical files. Each file is written atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.text(0.5, 0.5, "Coyoacán")
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "demo"
    >>> [p.name for p in save_figure(fig, out)]
    ['demo.png', 'demo.svg', 'demo.pdf']
    >>> "Coyoacán" in (out.parent / "demo.svg").read_text(encoding="utf-8")
    True
    """
    stem = Path(path_stem)
    written = []
    title = _title(fig)
    for fmt in parse_formats(formats):
        target = stem.with_name(f"{stem.name}.{fmt}")
        meta = dict(_METADATA[fmt])
        if title and fmt in ("svg", "pdf"):
            meta["Title"] = title
        with style(), matplotlib.rc_context({"savefig.dpi": DPI}), \
                (_pdf_text(fig) if fmt == "pdf" else contextlib.nullcontext()), \
                atomic_write(target, overwrite=overwrite) as tmp:
            fig.savefig(tmp, format=fmt, dpi=DPI, metadata=meta, facecolor="white")
        written.append(target)
    log.debug("figures: wrote %s.{%s}", stem, ",".join(parse_formats(formats)))
    return written


@speaks_study
def write_figures(estimates: pd.DataFrame, areas: gpd.GeoDataFrame, labels: Labels,
                  out_dir: str | os.PathLike[str], *, interviews: pd.Series | None = None,
                  interviews_total: int | None = None,
                  nationalities: pd.Series | None = None,
                  nationality_names: Mapping[str, str] | None = None,
                  formats: str | Sequence[str] = FORMATS, indicators: Sequence[str] | None = None,
                  kinds: Sequence[str] = ("map", "bars"), group_vars: Sequence[str] = (),
                  lang: str = "es", min_n: int = 10, synthetic: bool = False,
                  source: str | None = None, scheme: str = "fixed", overwrite: bool = True,
                  progress: bool | Callable[[float], None] = False) -> list[Path]:
    """Write the set of figures of a study into ``out_dir``; return the paths written.

    Files (one per format each)::

        sample_distribution   interviews per borough (when ``interviews`` is given)
        nationalities         respondents by nationality (when ``nationalities`` is given)
        map_<indicator>       choropleth ("map" in ``kinds``)
        bars_<indicator>      bar chart by borough with CIs ("bars" in ``kinds``)
        groups_<indicator>_<group_var>   small multiples ("groups" in ``kinds``, one per
                                         entry of ``group_vars``)

    Parameters
    ----------
    estimates, areas, labels
        The estimates table, the boundaries and the labels (design.md contracts).
    out_dir : path-like
    interviews : Series, optional
        Interviews per ``area_id`` (aggregate) for the sample-distribution map; NA where
        the estimates hide it (:meth:`geo4mi.pipeline.Results.published_interviews`).
    interviews_total : int, optional
        All interviews (needed when ``interviews`` has NA).
    nationalities : Series, optional
        Respondents per nationality answer (aggregate); ``nationality_names`` gives their
        display names.
    formats : str or sequence of str, default ("png", "svg", "pdf")
    indicators : sequence of str, optional
        Catalogue ids; default every indicator of the estimates, in their order.
    kinds : sequence of {"map", "bars", "groups"}, default ("map", "bars")
    group_vars : sequence of str, default ()
        Grouping variables for the small multiples.
    lang, min_n, synthetic, source, scheme
        As in :func:`~geo4mi.figures.choropleth_figure`.
    overwrite : bool, default True
        When False, refuse to replace existing files.
    progress : bool or callable
        True logs progress at INFO level; a callable receives the fraction done.

    Examples
    --------
    >>> import tempfile
    >>> from geo4mi.figures.examples import tiny_inputs
    >>> est, areas, labels = tiny_inputs()
    >>> paths = write_figures(est, areas, labels, tempfile.mkdtemp(), formats="svg",
    ...                       kinds=("map", "groups"), group_vars=["gender"])
    >>> [p.name for p in paths]
    ['map_discriminated.svg', 'groups_discriminated_gender.svg']
    """
    check_language(lang)
    check_estimates(estimates)
    fmts = parse_formats(formats)
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise FigureError(f"figure kind {bad[0]!r} is unknown; use one or more of "
                          f"{', '.join(KINDS)}")
    estimates = proportions(estimates)  # figures draw percentages only
    known = list(pd.unique(estimates["indicator"].astype(str)))
    wanted = list(indicators) if indicators is not None else [i for i in known
                                                             if i in labels.indicators]
    for ind in wanted:
        if ind not in known or ind not in labels.indicators:
            shown = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
            raise FigureError(f"indicator {ind!r} is not in the estimates and catalogue; use "
                              f"one of {shown}")
    have_vars = set(estimates["group_var"].astype(str)) - {"all"}
    for var in group_vars:
        if var not in have_vars:
            raise FigureError(f"grouping variable {var!r} is not in the estimates; use one of "
                              f"{', '.join(sorted(have_vars)) or '(none)'}")
    out = Path(out_dir)
    base = carto.prepare_areas(areas)
    common: dict[str, Any] = {"lang": lang, "synthetic": synthetic, "source": source}
    jobs: list[tuple[str, Callable[[], Figure]]] = []
    if interviews is not None:
        jobs.append(("sample_distribution", lambda: sample_distribution_on(
            interviews, base, labels, total=interviews_total, **common)))
    if nationalities is not None:
        jobs.append(("nationalities", lambda: nationality_chart(
            nationalities, labels, names=nationality_names, min_n=min_n, **common)))
    opts: dict[str, Any] = {"scheme": scheme, "min_n": min_n, **common}
    for ind in wanted:
        if "map" in kinds:
            jobs.append((f"map_{ind}", functools.partial(
                choropleth_on, estimates, base, labels, ind, group=("all", "all"), **opts)))
        if "bars" in kinds:
            jobs.append((f"bars_{ind}", functools.partial(
                indicator_bar_chart, estimates, areas, labels, ind, **opts)))
        if "groups" in kinds:
            for var in group_vars:
                jobs.append((f"groups_{ind}_{var}", functools.partial(
                    small_multiples_on, estimates, base, labels, ind, var, **opts)))
    report = _progress(progress)
    written: list[Path] = []
    for k, (stem, build) in enumerate(jobs):
        written.extend(save_figure(build(), out / stem, fmts, overwrite=overwrite))
        if report is not None:
            report((k + 1) / len(jobs))
    log.info("figures: wrote %d files into %s", len(written), out)
    return written


def _progress(progress: bool | Callable[[float], None]) -> Callable[[float], None] | None:
    if callable(progress):
        return progress
    if progress:
        return lambda f: log.info("figures: %3.0f %%", 100 * f)
    return None


def write_figures_for_results(results: Any, out_dir: str | os.PathLike[str], *,
                              formats: str | Sequence[str] = FORMATS,
                              indicators: Sequence[str] | None = None,
                              kinds: Sequence[str] = ("map", "bars"),
                              group_vars: Sequence[str] | None = None, lang: str | None = None,
                              scheme: str = "fixed", overwrite: bool = True,
                              progress: bool | Callable[[float], None] = False) -> list[Path]:
    """Write the figures of a :class:`geo4mi.pipeline.Results` (what the CLI calls).

    Only aggregates leave ``results``: the estimates, the areas, the labels, interviews per
    area as the estimates publish them and respondents per answer to the study's
    ``[indicators] nationality_question``
    (no nationality chart without one). ``group_vars`` defaults to the study's grouping
    variables (used when ``"groups"`` is in ``kinds``); ``lang`` to the study's language.
    """
    study = results.study
    lang = lang or study.language
    check_language(lang)
    nationalities = names = None
    form = results.form
    question = study.indicators.nationality_question
    if form is not None and question and form.has_question(question):
        every = results.nationality_counts(question)
        kept = results.published_answer_counts(question)  # the rest goes into "other"
        rest = int(every.sum() - kept.sum())
        nationalities = pd.concat([kept, pd.Series({"other": rest})]) if rest else kept
        list_name = form.question(question).get("list_name")
        names = {c: form.choice_label(list_name, c, lang) for c in nationalities.index}
    interviews, total = results.published_interviews()
    return write_figures(results.estimates, results.areas, results.labels, out_dir,
                         interviews=interviews if total is not None else None,
                         interviews_total=total,
                         nationalities=nationalities,
                         nationality_names=names, formats=formats, indicators=indicators,
                         kinds=kinds,
                         group_vars=list(study.indicators.groups if group_vars is None
                                         else group_vars) if "groups" in kinds else (),
                         lang=lang, min_n=study.min_n, synthetic=study.synthetic,
                         source=study.source.get(lang) if study.source else None,
                         scheme=scheme, overwrite=overwrite, progress=progress)
