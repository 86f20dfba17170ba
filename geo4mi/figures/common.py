"""Shared pieces of the static figures: page layout, text, formatting and input checks.

Every figure is a :class:`matplotlib.figure.Figure` built without pyplot (no global state),
with the same page furniture: an optional synthetic-data banner, a title and subtitle on
top, the body (map, legend or chart) and a caption with sources, n and the caveat at the
bottom. Sizes are in inches on a 17 cm (A4 text width) page.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import re
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle

from geo4mi.classify import SUPPRESSED_HATCH_COLOR
from geo4mi.errors import FigureError
from geo4mi.i18n import attribution_line, t
from geo4mi.indicators.design import Design, design_of_estimates, interval_note
from geo4mi.labels import Labels

log = logging.getLogger(__name__)

CM = 1 / 2.54
PAGE_WIDTH = 17 * CM  # A4 text width
MARGIN = 0.14  # inches around the page content
FONT = "DejaVu Sans"  # ships with matplotlib: the same glyphs (and accents) everywhere

SIZE_BANNER, SIZE_TITLE, SIZE_SUBTITLE = 8.0, 11.0, 8.0
SIZE_LEGEND, SIZE_LABEL, SIZE_CAPTION, SIZE_SMALL = 7.5, 6.8, 6.5, 6.2
TEXT_COLOR, MUTED_COLOR = "#1a1a1a", "#4d4d4d"
BANNER_FACE, BANNER_TEXT = "#fbe3e1", "#8c1c13"
LINE_SPACING = 1.28

#: Matplotlib settings every figure is built and saved with (deterministic, text as text).
RC: dict[str, Any] = {
    "font.family": FONT,
    "font.size": SIZE_LEGEND,
    "text.color": TEXT_COLOR,
    "axes.edgecolor": MUTED_COLOR,
    "axes.labelcolor": TEXT_COLOR,
    "axes.linewidth": 0.6,
    "xtick.color": MUTED_COLOR,
    "ytick.color": TEXT_COLOR,
    "hatch.linewidth": 0.7,
    "hatch.color": SUPPRESSED_HATCH_COLOR,
    "svg.fonttype": "none",
    "svg.hashsalt": "geo4mi",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "text.parse_math": False,  # "$" in a label is a dollar sign, never mathtext
}

GROUP_ALL = ("all", "all")
CITY = "_city"
ESTIMATE_COLUMNS = ("indicator", "area_id", "group_var", "group_value", "n", "p",
                    "ci_low", "ci_high", "status")

@contextlib.contextmanager
def style() -> Iterator[None]:
    """Build figures with :data:`RC`, whatever the user's matplotlibrc says.

    Characters the figure font lacks are reported once by :func:`clean_text` (in the log),
    so matplotlib's per-glyph warning is silenced here.
    """
    with matplotlib.rc_context(cast(Any, RC)), quiet_glyphs():  # stubs want literal keys
        yield


@contextlib.contextmanager
def quiet_glyphs() -> Iterator[None]:
    """Silence matplotlib's "Glyph ... missing from font" warning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font",
                                category=UserWarning)
        yield


# -- formatting ---------------------------------------------------------------------------

def fmt_number(x: float, lang: str, digits: int = 0) -> str:
    """A number with the language's decimal mark.

    Examples
    --------
    >>> fmt_number(12.5, "es", 1), fmt_number(12.5, "en", 1), fmt_number(1234, "es")
    ('12,5', '12.5', '1234')
    """
    text = f"{x:.{digits}f}"
    return text.replace(".", ",") if lang == "es" else text


def fmt_pct(p: float, lang: str, digits: int = 0) -> str:
    """A proportion (0..1) as a percentage with a non-breaking space before ``%``.

    Examples
    --------
    >>> fmt_pct(0.4236, "es"), fmt_pct(0.4236, "en", 1)
    ('42\\xa0%', '42.4\\xa0%')
    """
    return f"{fmt_number(100 * p, lang, digits)}\u00a0%"


# -- user text ----------------------------------------------------------------------------
# Names and labels come from boundary files, XLSForms, catalogues and study files written by
# people outside the project. They are drawn as plain text: never mathtext ("$"), never on
# several lines (line breaks and separators become spaces), without invisible characters
# (bidi overrides, zero-width marks, BOM), and capped in length.

#: Longest user text drawn (titles, universes, source lines); longer text ends with "…".
MAX_TEXT = 240
#: Longest name drawn (areas, group values, nationalities, grouping variables).
MAX_NAME = 60
ELLIPSIS = "\u2026"
#: Most lines a title or subtitle takes (the rest is cut with "…").
MAX_TITLE_LINES = 4


def ellipsize(text: str, max_chars: int) -> str:
    """``text`` cut to at most ``max_chars`` characters, ending with "…" when cut.

    Examples
    --------
    >>> ellipsize("Iztapalapa", 20), ellipsize("Iztapalapa", 6)
    ('Iztapalapa', 'Iztap…')
    """
    if len(text) <= max_chars:
        return text
    return text[:max(max_chars - 1, 0)].rstrip() + ELLIPSIS


@functools.lru_cache(maxsize=1)
def _font_chars() -> frozenset[int]:
    """Code points that both the regular and the bold figure font can draw."""
    from matplotlib import font_manager

    maps = [font_manager.get_font(font_manager.findfont(
        FontProperties(family=FONT, weight=w))).get_charmap() for w in ("normal", "bold")]
    return frozenset(maps[0]) & frozenset(maps[1])


_REPORTED: set[str] = set()


def clean_text(text: object, max_chars: int = MAX_TEXT) -> str:
    """User text as one line of figure text.

    Control characters, line and paragraph separators and other whitespace become single
    spaces; invisible format characters (bidi embeddings and overrides, zero-width spaces
    and joiners, the BOM, soft hyphens) are removed, so the drawn text reads as it is
    stored; lone surrogates become U+FFFD; text longer than ``max_chars`` is cut with "…".
    Characters the figure font cannot draw are kept (SVG keeps them as text) and named
    once in the log.

    Examples
    --------
    >>> clean_text("bidi \\u202egnp.exe\\u202c  line\\u2028two\\ttab")
    'bidi gnp.exe line two tab'
    >>> clean_text("$x$ {{ y }} <b>"), clean_text("x" * 300, 8)
    ('$x$ {{ y }} <b>', 'xxxxxxx…')
    """
    chars = []
    for ch in str(text):
        cat = unicodedata.category(ch)
        if ch.isspace() or cat in ("Cc", "Zl", "Zp"):
            chars.append(" ")
        elif cat == "Cs":
            chars.append("\ufffd")
        elif cat != "Cf":
            chars.append(ch)
    out = ellipsize(" ".join("".join(chars).split()), max_chars)
    missing = sorted({c for c in out if ord(c) not in _font_chars()} - _REPORTED)
    if missing:
        _REPORTED.update(missing)
        log.warning("figures: the font %s has no glyph for %s; PNG and PDF show a box "
                    "instead (SVG keeps the text)", FONT,
                    ", ".join(f"U+{ord(c):04X}" for c in missing[:10]))
    return out


def clean_labels(labels: Labels) -> Labels:
    """A copy of ``labels`` with every text passed through :func:`clean_text`.

    Names (grouping variables and their values) are capped at :data:`MAX_NAME`
    characters, other labels at :data:`MAX_TEXT`. Labels this function returned are
    returned as they are (a figure set cleans its labels once, not once per figure).
    """
    if getattr(labels, "_geo4mi_clean", False):
        return labels  # made by this function: cleaning again gives the same labels

    def texts(d: dict[str, str], n: int = MAX_TEXT) -> dict[str, str]:
        return {k: clean_text(v, n) for k, v in d.items()}

    cleaned = Labels(
        themes={k: texts(v) for k, v in labels.themes.items()},
        indicators={k: replace(i, label=texts(i.label), universe=texts(i.universe))
                    for k, i in labels.indicators.items()},
        group_vars={k: texts(v, MAX_NAME) for k, v in labels.group_vars.items()},
        group_values={g: {v: texts(x, MAX_NAME) for v, x in values.items()}
                      for g, values in labels.group_values.items()},
        survey_title=texts(labels.survey_title), wording=labels.wording,
        columns={k: texts(v, MAX_NAME) for k, v in labels.columns.items()})
    object.__setattr__(cleaned, "_geo4mi_clean", True)  # a set of figures cleans once
    return cleaned


def fit_width(text: str, size: float, width_in: float, *, bold: bool = False) -> str:
    """``text`` ellipsized so that it is at most ``width_in`` inches wide.

    Examples
    --------
    >>> fit_width("Iztapalapa", 8, 2.0), fit_width("Iztapalapa", 8, 0.3)
    ('Iztapalapa', 'Izt…')
    """
    limit = width_in * 72
    if text_width(text, size, bold=bold) <= limit:
        return text
    for cut in range(len(text) - 1, 0, -1):
        trial = text[:cut].rstrip() + ELLIPSIS
        if text_width(trial, size, bold=bold) <= limit:
            return trial
    return ELLIPSIS


def map_label(name: str, max_line: int = 24) -> str:
    """An area name as a map label: at most two lines of at most ``max_line`` characters.

    Examples
    --------
    >>> map_label("Cuajimalpa de Morelos")
    'Cuajimalpa\\nde Morelos'
    >>> map_label("x" * 40)
    'xxxxxxxxxxxxxxxxxxxxxxx…'
    """
    return "\n".join(ellipsize(line, max_line) for line in split_name(name).split("\n")[:2])


# -- text measurement and wrapping --------------------------------------------------------

_OVERSAMPLE = 20
#: Hinting at screen resolutions widens text by up to ~6 % over its print width, so lines
#: are filled to this fraction of the available width: they fit at any dpi from 100 up.
WRAP_SAFETY = 0.93


@functools.lru_cache(maxsize=1)
def _renderer() -> RendererAgg:
    return RendererAgg(8, 8, 72 * _OVERSAMPLE)  # widths in 1/_OVERSAMPLE points


@functools.lru_cache(maxsize=4096)
def _word_width(word: str, size: float, bold: bool) -> float:
    prop = FontProperties(family=FONT, size=size, weight="bold" if bold else "normal")
    with quiet_glyphs():
        w, _, _ = _renderer().get_text_width_height_descent(word, prop, ismath=False)
    return float(w) / _OVERSAMPLE


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Width in points of one line of ``text`` in the figure font (words measured once)."""
    words = text.split(" ")
    space = _word_width("a a", size, bold) - 2 * _word_width("a", size, bold)
    return sum(_word_width(w, size, bold) for w in words if w) + (len(words) - 1) * space


def glue(text: str) -> str:
    """Join what must not be broken across lines with non-breaking spaces.

    Examples
    --------
    >>> glue("IC 95 %: 29 %–39 %; n = 301")
    'IC\xa095\xa0%: 29\xa0%–39\xa0%; n\xa0=\xa0301'
    """
    text = re.sub(r"(\d) %", "\\1\u00a0%", text)
    text = re.sub(r"\bn = (\d)", "n\u00a0=\u00a0\\1", text)
    return re.sub(r"\b(IC|CI) (\d)", "\\1\u00a0\\2", text)


def wrap(text: str, size: float, width_in: float, *, bold: bool = False,
         max_lines: int | None = None) -> list[str]:
    """Break ``text`` into lines no wider than ``width_in`` inches.

    Words are kept whole and glued phrases (``"95 %"``, ``"n = 301"``) stay on one line; a
    word wider than a line is broken between characters. With ``max_lines``, the last
    line kept ends with "…" when text was left out.

    Examples
    --------
    >>> wrap("uno dos tres cuatro", 8, 0.5)
    ['uno dos', 'tres', 'cuatro']
    >>> wrap("uno dos tres cuatro", 8, 0.5, max_lines=2)
    ['uno dos', 'tres…']
    >>> wrap("x" * 12, 8, 0.3)
    ['xxxx', 'xxxx', 'xxxx']
    """
    limit = width_in * 72 * WRAP_SAFETY
    lines: list[str] = []
    for paragraph in glue(text).split("\n"):
        current = ""
        for word in paragraph.split(" "):
            if not word:
                continue
            trial = f"{current} {word}" if current else word
            if text_width(trial, size, bold=bold) <= limit:
                current = trial
                continue
            if current:
                lines.append(current)
            pieces = _break_word(word, size, limit, bold)
            lines.extend(pieces[:-1])
            current = pieces[-1]
        lines.append(current)
    if max_lines is not None and len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + ELLIPSIS, size, bold=bold) > limit:
            last = last[:-1]
        lines = [*lines[:max_lines - 1], last.rstrip() + ELLIPSIS]
    return lines


def _break_word(word: str, size: float, limit: float, bold: bool) -> list[str]:
    """``word`` in pieces no wider than ``limit`` points (at least one character each)."""
    if text_width(word, size, bold=bold) <= limit:
        return [word]
    pieces, current, width = [], "", 0.0
    for ch in word:
        w = _word_width(ch, size, bold)
        if current and width + w > limit:
            pieces.append(current)
            current, width = "", 0.0
        current += ch
        width += w
    pieces.append(current)
    return pieces


def line_height(size: float, n_lines: int = 1) -> float:
    """Height in inches of ``n_lines`` lines of text at ``size`` points."""
    return n_lines * size * LINE_SPACING / 72


def split_name(name: str, max_chars: int = 11) -> str:
    """Put a long multi-word place name on two balanced lines.

    Examples
    --------
    >>> split_name("Venustiano Carranza")
    'Venustiano\\nCarranza'
    >>> split_name("Cuajimalpa de Morelos")
    'Cuajimalpa\\nde Morelos'
    >>> split_name("Tlalpan")
    'Tlalpan'
    """
    words = name.split()
    if len(name) <= max_chars or len(words) < 2:
        return name
    best = min(range(1, len(words)),
               key=lambda i: (max(len(" ".join(words[:i])), len(" ".join(words[i:]))), i))
    return " ".join(words[:best]) + "\n" + " ".join(words[best:])


# -- the page -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    """A figure with its header and caption drawn; ``body`` is the free rectangle.

    ``body`` is ``(left, bottom, width, height)`` in inches from the figure's lower left.
    """

    fig: Figure
    body: tuple[float, float, float, float]

    def rect(self, left: float, bottom: float, width: float, height: float
             ) -> tuple[float, float, float, float]:
        """Convert a rectangle in inches to figure fractions."""
        w, h = self.fig.get_size_inches()
        return (left / w, bottom / h, width / w, height / h)


def new_page(*, title: str, subtitle: str, caption: str, body_height: float, lang: str,
             synthetic: bool, width: float = PAGE_WIDTH) -> Page:
    """Create a figure of ``width`` inches whose height fits the header, body and caption."""
    inner = width - 2 * MARGIN
    banner = wrap(t("synthetic_banner", lang), SIZE_BANNER, inner - 0.2, bold=True) \
        if synthetic else []
    title_lines = wrap(title, SIZE_TITLE, inner, bold=True, max_lines=MAX_TITLE_LINES)
    sub_lines = wrap(subtitle, SIZE_SUBTITLE, inner, max_lines=MAX_TITLE_LINES) \
        if subtitle else []
    cap_lines = wrap(caption, SIZE_CAPTION, inner)
    h_banner = line_height(SIZE_BANNER, len(banner)) + 0.12 if banner else 0.0
    h_title = line_height(SIZE_TITLE, len(title_lines))
    h_sub = line_height(SIZE_SUBTITLE, len(sub_lines)) + 0.03 if sub_lines else 0.0
    h_cap = line_height(SIZE_CAPTION, len(cap_lines))
    gap = 0.12
    height = (MARGIN + h_banner + (gap if banner else 0) + h_title + h_sub + gap
              + body_height + gap + h_cap + MARGIN)
    fig = Figure(figsize=(width, height), dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    y = height - MARGIN
    if banner:
        fig.add_artist(Rectangle((0, (y - h_banner) / height), 1, h_banner / height,
                                 transform=fig.transFigure, facecolor=BANNER_FACE,
                                 edgecolor=BANNER_TEXT, linewidth=0.8, zorder=0,
                                 gid="synthetic-banner-box"))
        fig.text(0.5, (y - h_banner / 2) / height, "\n".join(banner), ha="center", va="center",
                 fontsize=SIZE_BANNER, fontweight="bold", color=BANNER_TEXT,
                 linespacing=LINE_SPACING, gid="synthetic-banner", parse_math=False)
        y -= h_banner + gap
    fig.text(MARGIN / width, y / height, "\n".join(title_lines), ha="left", va="top",
             fontsize=SIZE_TITLE, fontweight="bold", linespacing=LINE_SPACING, gid="title",
             parse_math=False)
    y -= h_title
    if sub_lines:
        fig.text(MARGIN / width, (y - 0.03) / height, "\n".join(sub_lines), ha="left",
                 va="top", fontsize=SIZE_SUBTITLE, color=MUTED_COLOR,
                 linespacing=LINE_SPACING, gid="subtitle", parse_math=False)
        y -= h_sub
    fig.text(MARGIN / width, MARGIN / height, "\n".join(cap_lines), ha="left", va="bottom",
             fontsize=SIZE_CAPTION, color=MUTED_COLOR, linespacing=LINE_SPACING, gid="caption",
             parse_math=False)
    return Page(fig=fig, body=(MARGIN, MARGIN + h_cap + gap, inner, body_height))


def caption_text(lang: str, *, labels: Labels | None, source: str | None, min_n: int | None,
                 synthetic: bool, n_sentence: str = "", extra: Sequence[str] = (),
                 estimates: pd.DataFrame | None = None) -> str:
    """The caption: sources (boundaries, the survey), n, method, caveat, synthetic note.

    The method sentence says which design the intervals assume, read from the ``design``
    column of ``estimates`` (simple random sampling when it is not given).
    """
    survey = clean_text(source or (labels.text(labels.survey_title, lang)
                                   if labels is not None and labels.survey_title else "4Mi"))
    boundaries = attribution_line(lang)
    parts = [boundaries + "." if boundaries else "", t("source_survey", lang, source=survey)
             .rstrip(".") + "."]
    if n_sentence:
        parts.append(n_sentence)
    parts.extend(extra)
    if min_n is not None:
        design = design_of_estimates(estimates) if estimates is not None else Design()
        parts.append(t("figure.caption_method", lang, min_n=min_n,
                       interval=interval_note(
                           design, lang, names=labels.columns if labels is not None else None)))
    parts.append(t("caveat", lang))
    if synthetic:
        parts.append(t("synthetic_banner", lang) + ".")
    return " ".join(p for p in parts if p)


# -- inputs -------------------------------------------------------------------------------

def check_estimates(estimates: pd.DataFrame) -> None:
    """Raise :class:`FigureError` unless ``estimates`` has the design.md columns."""
    missing = [c for c in ESTIMATE_COLUMNS if c not in estimates.columns]
    if missing:
        raise FigureError(f"estimates: column {missing[0]!r} is missing; pass the estimates "
                          f"table of geo4mi.indicators.estimate (columns: "
                          f"{', '.join(ESTIMATE_COLUMNS)})")


def check_indicator(estimates: pd.DataFrame, labels: Labels, indicator: str) -> None:
    """Raise :class:`FigureError` when ``indicator`` is not in the estimates or labels."""
    if "stat" in estimates.columns:
        stat = estimates.loc[estimates["indicator"] == indicator, "stat"].astype(str)
        if len(stat) and (stat != "prop").any():
            raise FigureError(f"indicator {indicator!r} is a {stat.iloc[0]}, not a "
                              "percentage; figures draw proportions (the tables hold the "
                              "numeric statistics)")
    known = pd.unique(estimates["indicator"])
    if indicator not in set(known) or indicator not in labels.indicators:
        shown = ", ".join(map(str, known[:8])) + (", ..." if len(known) > 8 else "")
        raise FigureError(f"indicator {indicator!r} is not in the estimates and catalogue; "
                          f"use one of {shown}")


def plain(value: object) -> object:
    """A numpy scalar as the Python value (for ``!r`` in messages)."""
    return value.item() if hasattr(value, "item") else value


def to_float(values: pd.Series) -> np.ndarray:
    """A numeric column (Int64/Float64 with NA) as floats with NaN."""
    return pd.to_numeric(values, errors="coerce").astype("Float64").to_numpy(
        dtype=float, na_value=np.nan)


def _equals(values: pd.Series, text: str) -> np.ndarray:
    """``values == text`` as a boolean array (missing is not equal), compared in numpy:
    pandas compares its string arrays element by element in Python."""
    return np.asarray(values.to_numpy(dtype=object, na_value=None) == text, dtype=bool)


def select_rows(estimates: pd.DataFrame, indicator: str, group: Sequence[str]
                ) -> pd.DataFrame:
    """Rows of one indicator and group of published estimates, indexed by ``area_id``.

    ``estimates`` are as :func:`~geo4mi.indicators.suppression.published` gives them
    (:meth:`geo4mi.figures.inputs.FigureData.prepare`); nothing is compared with ``min_n``
    here. Columns ``n`` (float, NaN where hidden), ``p``, ``ci_low``, ``ci_high`` (float,
    NaN unless ok), ``status`` and ``suppression``; ``"_city"`` is included.
    """
    if "suppression" not in estimates.columns:
        raise FigureError("estimates: column 'suppression' is missing; figures draw published "
                          "estimates (geo4mi.figures.inputs.FigureData.prepare)")
    group_var, group_value = group
    rows = estimates.iloc[np.flatnonzero(_equals(estimates["indicator"], indicator))]
    rows = rows[_equals(rows["group_var"], group_var) & _equals(rows["group_value"], group_value)]
    if rows.empty:
        have = estimates.loc[estimates["indicator"] == indicator, ["group_var", "group_value"]]
        pairs = sorted({f"{a}={b}" for a, b in have.itertuples(index=False)})
        raise FigureError(f"group {group_var}={group_value!r} has no estimates for indicator "
                          f"{indicator!r}; use one of {', '.join(pairs[:12])}")
    out = pd.DataFrame({
        "n": to_float(rows["n"]),
        "p": to_float(rows["p"]),
        "ci_low": to_float(rows["ci_low"]),
        "ci_high": to_float(rows["ci_high"]),
        "status": rows["status"].astype(str).to_numpy(),
        "suppression": rows["suppression"].astype(str).to_numpy(),
    }, index=pd.Index(rows["area_id"].astype(str).to_numpy(), name="area_id"))
    out = out[~out.index.duplicated(keep="first")]
    out.loc[out["status"] != "ok", ["p", "ci_low", "ci_high"]] = math.nan
    return out


def complementary(status: Any, suppression: Any) -> Any:
    """Suppressed so that a small figure cannot be worked out, not for being small itself.

    Reads the estimates' ``suppression`` column; works on scalars and on Series alike.

    Examples
    --------
    >>> complementary("suppressed", "complementary"), complementary("suppressed", "small_n")
    (True, False)
    """
    return (status == "suppressed") & (suppression != "small_n")


def city_line(row: pd.Series | None, lang: str, *, min_n: int) -> str:
    """The city-wide value of one indicator and group, in words."""
    if row is None or row["status"] == "no_data":
        return t("figure.city_summary_no_data", lang)
    if complementary(row["status"], row["suppression"]):
        return t("figure.city_summary_complementary", lang)
    if row["status"] != "ok":
        return t("figure.city_summary_suppressed", lang, min_n=min_n)
    return t("figure.city_summary", lang, value=fmt_pct(row["p"], lang),
             low=fmt_pct(row["ci_low"], lang), high=fmt_pct(row["ci_high"], lang),
             n=int(row["n"]))


def group_text(labels: Labels, group: tuple[str, str], lang: str) -> str:
    """``"all respondents"`` or ``"<group variable>: <value>"`` in ``lang``."""
    if tuple(group) == GROUP_ALL:
        return t("all_respondents", lang)
    var, value = group
    var_label = labels.group_var_label(var, lang) if var in labels.group_vars else var
    try:
        value_label = labels.group_value_label(var, value, lang)
    except KeyError:
        value_label = value
    return t("figure.group_subtitle", lang, var=var_label, value=value_label)
