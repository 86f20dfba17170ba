"""Saving figures (PNG 300 dpi, SVG with text as text, PDF), byte for byte reproducible."""

from __future__ import annotations

import atexit
import concurrent.futures
import contextlib
import functools
import io
import logging
import logging.handlers
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text

from geo4mi.figures import cartography as carto
from geo4mi.figures import common
from geo4mi.figures.charts import bar_chart_on, nationality_chart_on
from geo4mi.figures.common import FONT, FigureError, style
from geo4mi.figures.inputs import (  # noqa: F401  (FORMATS, KINDS: re-exported)
    FORMATS,
    KINDS,
    FigureData,
    FigureSettings,
    NationalityCounts,
    parse_formats,
)
from geo4mi.figures.maps import choropleth_on, sample_distribution_on, small_multiples_on
from geo4mi.i18n import Wording, use_wording
from geo4mi.io import atomic_write, refuse_existing
from geo4mi.labels import Labels

log = logging.getLogger(__name__)

DPI = 300

#: zlib level of the PNGs (0-9). Level 3 with the opaque figures stored as RGB is about
#: twice as fast as matplotlib's RGBA at Pillow's default 6 and gives smaller files
#: (measured on the demo's figures: docs/scale.md, "Figures in bulk").
PNG_COMPRESS_LEVEL = 3

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


_MADE: list[str] = []  # the files of the Latin cut made in this process

#: The Latin cut's files when made by another process (a pool's parent): registered, not
#: made again (:func:`_start_worker`).
_LATIN_FILES: tuple[str, ...] = ()


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
    from matplotlib import font_manager

    if _LATIN_FILES:
        for made in _LATIN_FILES:
            font_manager.fontManager.addfont(made)
        return PDF_FONT
    try:
        from fontTools import subset
        from fontTools.ttLib import TTFont

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
            _MADE.append(str(target))
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
            if fmt == "png":
                _save_png(fig, tmp)
            else:
                fig.savefig(tmp, format=fmt, dpi=DPI, metadata=meta, facecolor="white")
        written.append(target)
    log.debug("figures: wrote %s.{%s}", stem, ",".join(parse_formats(formats)))
    return written


def _save_png(fig: Figure, path: str | os.PathLike[str]) -> None:
    """Write ``fig`` as a PNG at :data:`DPI`: RGB when every pixel is opaque (always, on
    the white page), zlib level :data:`PNG_COMPRESS_LEVEL`, no text chunks.

    The pixels are those of ``fig.savefig(..., format="png")``: the figure is drawn once by
    Agg (``format="rgba"``), and only the PNG encoding differs (no alpha channel, which
    would be 255 everywhere, and a faster zlib level).

    Examples
    --------
    >>> import io, tempfile, pathlib
    >>> from PIL import Image
    >>> fig = Figure(figsize=(1, 0.5))
    >>> _ = fig.text(0.1, 0.5, "Tláhuac")
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.png"
    >>> _save_png(fig, out)
    >>> with Image.open(out) as im:
    ...     im.mode, im.size, [round(d) for d in im.info["dpi"]]
    ('RGB', (300, 150), [300, 300])
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image, PngImagePlugin

    raw = io.BytesIO()
    canvas = FigureCanvasAgg(fig)  # kept: its renderer says the size Agg drew at
    fig.savefig(raw, format="rgba", dpi=DPI, facecolor="white")
    # (not figsize x dpi: a figure may resize itself as it draws, and rounding can differ)
    width, height = int(canvas.renderer.width), int(canvas.renderer.height)
    rgba = np.frombuffer(raw.getbuffer(), dtype=np.uint8).reshape(height, width, 4)
    opaque = bool((rgba[..., 3] == 255).all())
    image = Image.fromarray(np.ascontiguousarray(rgba[..., :3]) if opaque else rgba)
    image.save(path, format="png", dpi=(DPI, DPI), pnginfo=PngImagePlugin.PngInfo(),
               compress_level=PNG_COMPRESS_LEVEL)


def write_figures(data: FigureData, out_dir: str | os.PathLike[str],
                  settings: FigureSettings | None = None, *, overwrite: bool = True,
                  progress: bool | Callable[[float], None] = False,
                  jobs: int | None = 1) -> list[Path]:
    """Write the set of figures of ``data`` drawn with ``settings`` into ``out_dir``.

    Returns the paths written. Files (one per format each)::

        sample_distribution   interviews per borough (when ``data.interviews`` is given)
        nationalities         respondents by nationality (when ``data.nationalities`` is)
        map_<indicator>       choropleth ("map" in ``settings.kinds``)
        bars_<indicator>      bar chart by borough with CIs ("bars" in ``settings.kinds``)
        groups_<indicator>_<group_var>   small multiples ("groups" in ``settings.kinds``,
                                         one per entry of ``settings.group_vars``)

    Reads no file and applies no threshold: ``data`` is drawn as prepared
    (:meth:`FigureData.prepare`; for a run, :func:`geo4mi.outputs.figure_inputs`).

    Parameters
    ----------
    data : FigureData
        Published estimates, areas, labels and aggregate counts.
    out_dir : path-like
    settings : FigureSettings, optional
        Language, source line, formats, kinds, indicators, grouping variables and scheme
        (default: ``FigureSettings()``).
    overwrite : bool, default True
        When False, refuse to replace existing files: every target is checked before any
        figure is drawn, so nothing is written when one exists.
    progress : bool or callable
        True logs progress at INFO level; a callable receives the fraction done.
    jobs : int or None, default 1
        Worker processes drawing figures at the same time; ``None``: one per CPU. With 1 the
        figures are drawn in this process. Each figure is drawn once and saved in every
        format by one worker, so the files are byte-identical whatever the number of
        workers, and the paths come back in the same order. Workers start once (a
        ``forkserver`` where the platform has one, otherwise ``spawn``) and receive the
        inputs once; their log records are passed to this process's loggers.

    Examples
    --------
    >>> import tempfile
    >>> from geo4mi.figures.examples import tiny_inputs
    >>> data = FigureData.prepare(*tiny_inputs(), min_n=10)
    >>> settings = FigureSettings(formats="svg", kinds=("map", "groups"), group_vars=["gender"])
    >>> [p.name for p in write_figures(data, tempfile.mkdtemp(), settings)]
    ['map_discriminated.svg', 'groups_discriminated_gender.svg']
    """
    settings = settings or FigureSettings()
    estimates, areas, labels = data.estimates, data.areas, data.labels
    fmts, kinds, group_vars = settings.formats, settings.kinds, settings.group_vars
    known = list(pd.unique(estimates["indicator"].astype(str)))
    wanted = (list(settings.indicators) if settings.indicators is not None
              else [i for i in known if i in labels.indicators])
    for ind in wanted:
        if ind not in known or ind not in labels.indicators:
            shown = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
            raise FigureError(f"indicator {ind!r} is not in the estimates and catalogue; use "
                              f"one of {shown}")
    have_vars = set(pd.unique(estimates["group_var"].astype(str))) - {"all"}
    for var in group_vars if "groups" in kinds else ():
        if var not in have_vars:
            raise FigureError(f"grouping variable {var!r} is not in the estimates; use one of "
                              f"{', '.join(sorted(have_vars)) or '(none)'}")
    workers = worker_count(jobs)
    out = Path(out_dir)
    tasks: list[_Task] = []
    if data.interviews is not None:
        tasks.append(_Task("sample_distribution", "sample"))
    if data.nationalities is not None:
        tasks.append(_Task("nationalities", "nationalities"))
    for ind in wanted:
        if "map" in kinds:
            tasks.append(_Task(f"map_{ind}", "map", ind))
        if "bars" in kinds:
            tasks.append(_Task(f"bars_{ind}", "bars", ind))
        if "groups" in kinds:
            tasks.extend(_Task(f"groups_{ind}_{var}", "groups", ind, var) for var in group_vars)
    refuse_existing((out / f"{task.stem}.{fmt}" for task in tasks for fmt in fmts),
                    overwrite)  # before drawing anything
    labels = common.clean_labels(labels)  # once for the set, not once per figure
    # only the rows drawn go to the workers (each gets a pickled copy: at thousands of
    # areas the whole table was more than a GiB in this process and in each worker)
    drawn = ["all", *(group_vars if "groups" in kinds else ())]
    keep = (estimates["indicator"].isin(wanted) & estimates["group_var"].isin(drawn))
    if not keep.all():
        estimates = estimates[keep.to_numpy(dtype=bool)]
    shared = _Shared(
        estimates=estimates, base=carto.prepare_areas(areas),
        areas=pd.DataFrame({"area_id": areas["area_id"], "area_name": areas["area_name"]}),
        labels=labels, interviews=data.interviews, interviews_total=data.interviews_total,
        nationalities=data.nationalities,
        common={"lang": settings.lang, "synthetic": data.synthetic, "source": settings.source},
        scheme=settings.scheme, min_n=data.min_n, formats=fmts, out=out, overwrite=overwrite,
        wording=data.labels.wording)  # the study's words (the labels')
    report = _progress(progress)
    if workers > 1 and len(tasks) > 1:
        written = _write_in_pool(shared, tasks, min(workers, len(tasks)), report)
    else:
        written = []
        for k, task in enumerate(tasks):
            written.extend(_write_one(shared, task))
            if report is not None:
                report((k + 1) / len(tasks))
    log.info("figures: wrote %d files into %s", len(written), out)
    return written


# -- drawing the set, in this process or in a pool of workers -----------------------------

@dataclass(frozen=True)
class _Task:
    """One figure of the set: file stem, kind and what it shows."""

    stem: str
    kind: str  # sample, nationalities, map, bars, groups
    indicator: str = ""
    group_var: str = ""


@dataclass(frozen=True)
class _Shared:
    """What every figure of a set is drawn from (sent to each worker once)."""

    estimates: pd.DataFrame
    base: carto.MapBase
    areas: pd.DataFrame  # area_id and area_name, no geometry
    labels: Labels
    interviews: pd.Series | None
    interviews_total: int | None
    nationalities: NationalityCounts | None
    common: dict[str, Any]
    scheme: str
    min_n: int
    formats: tuple[str, ...]
    out: Path
    overwrite: bool
    wording: Wording  # the study's words (a worker does not share this process's context)


def _draw(shared: _Shared, task: _Task) -> Figure:
    s = shared
    opts: dict[str, Any] = {"scheme": s.scheme, "min_n": s.min_n, **s.common}
    if task.kind == "sample":
        assert s.interviews is not None
        return sample_distribution_on(s.interviews, s.base, s.labels, total=s.interviews_total,
                                      **s.common)
    if task.kind == "nationalities":
        assert s.nationalities is not None
        return nationality_chart_on(s.nationalities, s.labels, **s.common)
    if task.kind == "map":
        return choropleth_on(s.estimates, s.base, s.labels, task.indicator, group=("all", "all"),
                             **opts)
    if task.kind == "bars":
        return bar_chart_on(s.estimates, s.areas, s.labels, task.indicator,
                            group=("all", "all"), **opts)
    return small_multiples_on(s.estimates, s.base, s.labels, task.indicator, task.group_var,
                              **opts)


def _write_one(shared: _Shared, task: _Task) -> list[Path]:
    """Draw one figure once and save it in every format."""
    with use_wording(shared.wording):
        return save_figure(_draw(shared, task), shared.out / task.stem, shared.formats,
                           overwrite=shared.overwrite)


def worker_count(jobs: int | None) -> int:
    """The number of worker processes for ``jobs`` (``None``: the CPUs this process may use).

    Examples
    --------
    >>> worker_count(3), worker_count(None) >= 1
    (3, True)
    """
    if jobs is None:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else os.cpu_count() or 1
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise FigureError(f"jobs: {jobs!r} is not a number of worker processes; give 1 or "
                          "more (1: draw in this process), or None for one per CPU")
    return jobs


#: A worker's inputs, set once when it starts (:func:`_start_worker`).
_WORKER: _Shared | None = None


def _start_worker(shared: _Shared, records: Any, levels: tuple[int, int], reported: set[str],
                  fonts: tuple[str, ...]) -> None:
    global _WORKER, _LATIN_FILES
    _WORKER = shared
    _LATIN_FILES = fonts  # the font is cut once, by the parent
    common._REPORTED.update(reported)  # glyphs the parent already named are not named again
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(records)]
    root.setLevel(levels[0])
    logging.getLogger("geo4mi").setLevel(levels[1])


def _work(task: _Task) -> tuple[list[Path], float]:
    """Write one figure in a worker; its paths and the CPU seconds it took."""
    assert _WORKER is not None, "worker not started"
    start = time.process_time()
    return _write_one(_WORKER, task), time.process_time() - start


class _Relay(logging.Handler):
    """Hand a worker's log record to the logger of the same name in this process, when
    that logger takes records of its level (the levels set here govern the workers' too:
    fontTools' subsetting is INFO, shown with ``-vv`` only)."""

    def emit(self, record: logging.LogRecord) -> None:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)


#: Imported once by the fork server, so that workers start without importing them again.
#: Third-party only: the server does not take this process's ``sys.path`` (Python < 3.13),
#: so geo4mi itself is imported by each worker, from where this process found it.
_PRELOAD = ["numpy", "pandas", "shapely", "pyproj", "geopandas", "matplotlib.figure",
            "matplotlib.backends.backend_agg", "matplotlib.backends.backend_pdf",
            "matplotlib.backends.backend_svg"]


def _pool_context() -> multiprocessing.context.BaseContext:
    """``forkserver`` where the platform has it, else ``spawn``; never a plain ``fork`` of
    a process that may run threads (a progress bar, a web server)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def _write_in_pool(shared: _Shared, tasks: Sequence[_Task], workers: int,
                   report: Callable[[float], None] | None) -> list[Path]:
    """Draw ``tasks`` in ``workers`` processes; the paths in the order of ``tasks``.

    When a task fails, the tasks not started are cancelled and the error of the first
    failed task (in the order of ``tasks``) is raised here.
    """
    ctx = _pool_context()
    records = ctx.Queue()
    relay = logging.handlers.QueueListener(records, _Relay())
    relay.start()
    levels = (logging.getLogger().getEffectiveLevel(),
              logging.getLogger("geo4mi").getEffectiveLevel())
    fonts = tuple(_MADE) if "pdf" in shared.formats and _pdf_font() is not None else ()
    results: list[list[Path] | None] = [None] * len(tasks)
    failed: dict[int, BaseException] = {}
    cpu_workers = 0.0
    try:
        with concurrent.futures.ProcessPoolExecutor(
                max_workers=workers, mp_context=ctx, initializer=_start_worker,
                initargs=(shared, records, levels, set(common._REPORTED),
                          fonts)) as pool:
            futures = {pool.submit(_work, task): k for k, task in enumerate(tasks)}
            done = 0
            try:
                for future in concurrent.futures.as_completed(futures):
                    k = futures[future]
                    if future.cancelled():
                        continue
                    error = future.exception()
                    if error is not None:
                        failed[k] = error
                        for other in futures:
                            other.cancel()
                        continue
                    results[k], cpu = future.result()
                    cpu_workers += cpu
                    done += 1
                    if report is not None and not failed:
                        report(done / len(tasks))
            except BaseException:  # Ctrl-C: do not wait for the figures not started
                for other in futures:
                    other.cancel()
                raise
    finally:
        relay.stop()
        records.close()
    if failed:
        raise failed[min(failed)]
    log.info("figures: %d workers drew %d figures in %.1f s of CPU", workers, len(tasks),
             cpu_workers, extra={"worker_cpu": cpu_workers})
    return [path for paths in results if paths is not None for path in paths]


def _progress(progress: bool | Callable[[float], None]) -> Callable[[float], None] | None:
    if callable(progress):
        return progress
    if progress:
        return lambda f: log.info("figures: %3.0f %%", 100 * f)
    return None
