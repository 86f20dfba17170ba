"""Charts: respondents' nationalities (report Figure 4) and one indicator by borough."""

from __future__ import annotations

import logging
import math
import unicodedata
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure

from geo4mi.classify import (
    OPACITY,
    WIDE_OUTLINE,
    WIDE_WIDTH_POINTS,
    assign_classes,
    is_wide,
    palette,
)
from geo4mi.figures.common import (
    CITY,
    GROUP_ALL,
    MAX_NAME,
    MUTED_COLOR,
    SIZE_LEGEND,
    SIZE_SMALL,
    TEXT_COLOR,
    caption_text,
    check_estimates,
    check_indicator,
    city_line,
    clean_labels,
    clean_text,
    complementary,
    fit_width,
    fmt_pct,
    group_text,
    new_page,
    select_rows,
    style,
    text_width,
)
from geo4mi.figures.inputs import FigureData, NationalityCounts, fold_nationalities
from geo4mi.figures.maps import breaks_for
from geo4mi.i18n import check_language, speaks_study, t, t_count
from geo4mi.labels import Labels

log = logging.getLogger(__name__)

ROW_HEIGHT = 0.25  # inches per bar
#: The indicator bar chart draws at most this many areas: above, only the areas with an
#: estimate, and of those the MAX_BARS // 2 highest and lowest, with a note in the caption
#: (a page of thousands of bars is unreadable and weighs megabytes).
MAX_BARS = 40
#: The maps' wide-interval dashes (classify.WIDE_OUTLINE, "on off" in px) in points.
WIDE_DASHES = tuple(float(x) * 0.6 for x in WIDE_OUTLINE[2].split())
MAX_LABEL_WIDTH = 2.4  # inches: the widest bar label; longer names end with "…"
BAR_COLOUR = palette("neutral", 5)[3]
OTHER_COLOUR = palette("neutral", 5)[1]


def _sort_key(text: str) -> str:
    """Accent-insensitive sort key (``Álvaro`` sorts with ``A``)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold())
                   if not unicodedata.combining(c))


def _bar_axes(page, label_width: float, n_rows: int, *, top_pad: float = 0.0,
              right_pad: float = 0.1) -> Axes:
    """Axes for horizontal bars right of ``label_width`` inches of tick labels."""
    left, bottom, width, height = page.body
    ax = page.fig.add_axes(page.rect(left + label_width, bottom + 0.4,
                                     width - label_width - right_pad,
                                     height - 0.4 - top_pad), gid="chart")
    ax.set_ylim(max(n_rows, 1) - 0.5, -0.5)  # no row (no area published): one empty row
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0, labelsize=SIZE_LEGEND, pad=4)
    ax.tick_params(axis="x", labelsize=SIZE_SMALL, length=2, width=0.5)
    return ax


# -- nationalities (report Figure 4) ------------------------------------------------------

@speaks_study
def nationality_chart(counts: pd.Series, labels: Labels | None = None, *,
                      names: Mapping[str, str] | None = None, lang: str = "es",
                      min_n: int = 10, min_share: float = 0.01, other: str = "other",
                      synthetic: bool = False, source: str | None = None) -> Figure:
    """Horizontal bar chart of respondents by nationality: percentage and count.

    Answers with fewer than ``min_n`` respondents or under ``min_share`` of the sample,
    and the questionnaire's own ``other`` answer, are grouped as "other countries" (as the
    report does); the caption lists them. If that group itself has fewer than ``min_n``
    respondents it is shown as suppressed, without a bar.

    Parameters
    ----------
    counts : Series
        Respondents per nationality answer (an aggregate), e.g.
        :meth:`geo4mi.pipeline.Results.nationality_counts`.
    labels : Labels, optional
        Only for the survey title in the caption.
    names : mapping, optional
        Display name of each answer (e.g. the form's choice labels); default the answer.

    Examples
    --------
    >>> import pandas as pd
    >>> fig = nationality_chart(pd.Series({"venezuela": 60, "honduras": 30, "peru": 4,
    ...                                    "cuba": 6}), names={"peru": "Perú"}, lang="en")
    >>> [tick.get_text() for tick in fig.axes[0].get_yticklabels()]
    ['venezuela', 'honduras', 'Other countries']
    """
    check_language(lang)
    folded = fold_nationalities(counts, names=names, min_n=min_n, min_share=min_share,
                                other=other)  # the disclosure decision, made once
    return nationality_chart_on(folded, labels, lang=lang, synthetic=synthetic, source=source)


@speaks_study
def nationality_chart_on(folded: NationalityCounts, labels: Labels | None = None, *,
                         lang: str = "es", synthetic: bool = False,
                         source: str | None = None) -> Figure:
    """:func:`nationality_chart` of counts already folded (:func:`fold_nationalities`).

    Draws what ``folded`` says: its kept answers by count, then one "other" bar (no bar,
    the suppressed note, when ``folded.other_hidden``); ``folded.min_n`` is only named.

    Examples
    --------
    >>> import pandas as pd
    >>> folded = fold_nationalities(pd.Series({"venezuela": 60, "peru": 1}))
    >>> fig = nationality_chart_on(folded, lang="en")
    >>> caption = next(x for x in fig.texts if x.get_gid() == "caption").get_text()
    >>> "groups 1 answer with" in " ".join(caption.split())
    True
    """
    check_language(lang)
    names, other, min_n = dict(folded.names), folded.other, folded.min_n
    total = folded.total

    def name(key: str) -> str:
        return fit_width(clean_text(names.get(key, key), MAX_NAME), SIZE_LEGEND,
                         MAX_LABEL_WIDTH)

    kept = folded.kept
    kept = kept.iloc[sorted(range(len(kept)), key=lambda i: (-kept.iloc[i],
                                                             _sort_key(name(kept.index[i]))))]
    grouped = list(folded.folded)
    rows = [(name(k), int(v), False) for k, v in kept.items()]
    other_label = t("figure.nationality_other", lang)
    if grouped:
        rows.append((other_label, folded.other_count, True))
    listed = sorted((name(k) for k in grouped if k != other), key=_sort_key)
    if other in grouped:
        listed.append(name(other))
    extra = [t_count("figure.nationality_note", lang, len(grouped), other=other_label,
                     min_n=min_n, share=fmt_pct(folded.min_share, lang),
                     names=", ".join(listed))] if grouped else []
    caption = caption_text(lang, labels=labels, source=source, min_n=None,
                           synthetic=synthetic, extra=extra)
    label_w = max(text_width(r[0], SIZE_LEGEND) for r in rows) / 72 + 0.15
    with style():
        page = new_page(title=t("figure.nationality_title", lang),
                        subtitle=t("figure.nationality_subtitle", lang, n=total), caption=caption,
                        body_height=len(rows) * ROW_HEIGHT + 0.5, lang=lang,
                        synthetic=synthetic)
        ax = _bar_axes(page, label_w, len(rows))
        shares = [n / total for _, n, _ in rows]
        top = max(shares)
        for i, ((_label, n, is_other), share) in enumerate(zip(rows, shares, strict=True)):
            if is_other and folded.other_hidden:
                ax.text(0.005, i, t("suppressed", lang, min_n=min_n), va="center",
                        fontsize=SIZE_SMALL, style="italic", color=MUTED_COLOR,
                        gid="bar-suppressed", parse_math=False)
                continue
            ax.barh(i, share, height=0.68, color=OTHER_COLOUR if is_other else BAR_COLOUR,
                    edgecolor="none", gid=f"bar-{i}")
            ax.text(share + top * 0.015, i, f"{fmt_pct(share, lang)} ({n})", va="center",
                    fontsize=SIZE_SMALL, color=TEXT_COLOR, gid=f"bar-value-{i}",
                    parse_math=False)
        ax.set_yticks(range(len(rows)), [r[0] for r in rows])
        ax.set_xlim(0, top * 1.22)
        ax.xaxis.set_major_formatter(lambda x, _: fmt_pct(x, lang))
        ax.set_xlabel(t("figure.nationality_axis", lang), fontsize=SIZE_SMALL,
                      color=MUTED_COLOR)
        return page.fig


# -- one indicator by borough -------------------------------------------------------------

@speaks_study
def indicator_bar_chart(estimates: pd.DataFrame, areas: pd.DataFrame, labels: Labels,
                        indicator: str, *, group: tuple[str, str] = GROUP_ALL,
                        scheme: str = "fixed", lang: str = "es", min_n: int = 10,
                        synthetic: bool = False, source: str | None = None) -> Figure:
    """Bar chart of one indicator by borough with 95 % CI error bars.

    Bars take the map's class colours; a wide interval keeps its class colour and gets the
    maps' outline (white dashes on a black edge, never a paler fill), the city-wide
    value is a dashed reference line, and suppressed boroughs and boroughs without
    interviews are marked in words, never drawn as 0 % bars.

    Parameters
    ----------
    estimates : DataFrame
    areas : DataFrame or GeoDataFrame
        ``area_id`` and ``area_name`` (geometry is not used).
    labels : Labels
    indicator : str
    group : (str, str), default ("all", "all")

    Examples
    --------
    >>> from geo4mi.figures.examples import tiny_inputs
    >>> est, areas, labels = tiny_inputs()
    >>> fig = indicator_bar_chart(est, areas, labels, "discriminated", lang="en")
    >>> [tick.get_text() for tick in fig.axes[0].get_yticklabels()]
    ['Alpha (n = 60)', 'Beta (n = 12)', 'Gamma', 'Delta']
    """
    check_language(lang)
    check_estimates(estimates)
    check_indicator(estimates, labels, indicator)
    data = FigureData.prepare(estimates, areas, labels, min_n=min_n)  # published once
    return bar_chart_on(data.estimates, areas, labels, indicator, group=(group[0], group[1]),
                        scheme=scheme, lang=lang, min_n=data.min_n, synthetic=synthetic,
                        source=source)


def bar_chart_on(estimates: pd.DataFrame, areas: pd.DataFrame, labels: Labels, indicator: str,
                 *, group: tuple[str, str], scheme: str, lang: str, min_n: int,
                 synthetic: bool, source: str | None) -> Figure:
    """:func:`indicator_bar_chart` of published ``estimates``
    (:class:`~geo4mi.figures.inputs.FigureData`); ``min_n`` is only named in the text."""
    labels = clean_labels(labels)
    info = labels.indicators[indicator]
    rows = select_rows(estimates, indicator, tuple(group))
    city = rows.loc[CITY] if CITY in rows.index else None
    table = pd.DataFrame({"area_id": areas["area_id"].astype(str).to_numpy(),
                          "name": [clean_text(n, MAX_NAME)
                                   for n in areas["area_name"].astype(str)]})
    table = table.join(rows, on="area_id")
    unknown = table["status"].isna()  # an area without a row: no interviews
    table["status"] = table["status"].fillna("no_data")
    table["suppression"] = table["suppression"].fillna("")
    table.loc[unknown, "n"] = 0.0  # a hidden n stays NaN
    rank = table["status"].map({"ok": 0, "suppressed": 1, "no_data": 2})
    table = table.assign(_rank=rank, _neg=-table["p"].fillna(0), _key=table["name"].map(_sort_key))
    table = table.sort_values(["_rank", "_neg", "_key"], kind="stable").reset_index(drop=True)
    ok = table["status"] == "ok"
    breaks = breaks_for(table.loc[ok, "p"].to_numpy(dtype=float), scheme)
    colours = palette(info.direction, len(breaks))
    n_city = (float(city["n"]) if city is not None
              else table["n"].sum(min_count=len(table)))  # NaN when one is hidden
    table, gap, shown_note = _thin_bars(table, lang)
    ok = table["status"] == "ok"

    def tick(name: str, suffix: str) -> str:
        room = MAX_LABEL_WIDTH - text_width(suffix, SIZE_LEGEND) / 72
        return fit_width(name, SIZE_LEGEND, room) + suffix

    ticks = [tick(r.name, f" ({t('figure.n_short', lang, n=int(r.n))})"
                  if r.status != "no_data" and not math.isnan(r.n) else "")
             for r in table.itertuples()]
    any_wide = bool(any(is_wide(r.ci_low, r.ci_high) for r in table[ok].itertuples()))
    extra = [f"{t('wide_interval', lang, width=WIDE_WIDTH_POINTS)}."] \
        if any_wide else []
    extra += [shown_note] if shown_note else []
    universe = labels.text(info.universe, lang) if info.universe else t("all_respondents", lang)
    caption = caption_text(lang, labels=labels, source=source, min_n=min_n, estimates=estimates,
                           synthetic=synthetic, extra=extra,
                           n_sentence=t("figure.caption_n", lang, n=int(n_city),
                                        universe=universe) if not math.isnan(n_city) else "")
    subtitle = (f"{t('figure.bars_subtitle', lang)} · {group_text(labels, group, lang)} · "
                f"{city_line(city, lang, min_n=min_n)}")
    label_w = max((text_width(s, SIZE_LEGEND) for s in ticks), default=0.0) / 72 + 0.15
    with style():
        page = new_page(title=labels.indicator_label(indicator, lang), subtitle=subtitle,
                        caption=caption, body_height=len(table) * ROW_HEIGHT + 0.75,
                        lang=lang, synthetic=synthetic)
        ax = _bar_axes(page, label_w, len(table), top_pad=0.2, right_pad=0.4)  # "100 %" fits
        for i, r in enumerate(table.itertuples()):
            if r.status == "gap":
                continue
            if r.status == "ok":
                cls = int(assign_classes([r.p], breaks)[0])
                wide = is_wide(r.ci_low, r.ci_high)
                ax.barh(i, r.p, height=0.66, color=to_rgba(colours[cls], OPACITY),
                        edgecolor="#000000" if wide else "none", linewidth=1.6 if wide else 0,
                        gid=f"bar-{r.area_id}")
                if wide:  # as on the maps: white dashes over the black edge, same hue
                    ax.barh(i, r.p, height=0.66, fill=False, edgecolor=WIDE_OUTLINE[0],
                            linewidth=0.8, linestyle=(0, WIDE_DASHES),
                            gid=f"wide-{r.area_id}")
                ci = ax.errorbar(r.p, i, xerr=[[r.p - r.ci_low], [r.ci_high - r.p]],
                                 fmt="none", ecolor="#333333", elinewidth=0.8, capsize=2.2,
                                 capthick=0.8)
                _name_interval(ci, r.area_id)
                ax.text(r.ci_high + 0.012, i, fmt_pct(r.p, lang), va="center",
                        fontsize=SIZE_SMALL, gid=f"value-{r.area_id}", parse_math=False)
            else:
                text = (t("no_interviews", lang) if r.status == "no_data"
                        else t("figure.bar_complementary", lang)
                        if complementary(r.status, r.suppression)
                        else t("figure.bar_suppressed", lang, min_n=min_n))
                ax.text(0.006, i, text, va="center", fontsize=SIZE_SMALL, style="italic",
                        color=MUTED_COLOR, zorder=4, gid=f"{r.status}-{r.area_id}",
                        bbox={"boxstyle": "square,pad=0.1", "facecolor": "white",
                              "edgecolor": "none"}, parse_math=False)
        if gap is not None:
            ticks[gap] = ""
            ax.text(0.5, gap, t("figure.bars_gap", lang, k=len(table.attrs["hidden"])),
                    ha="center", va="center", fontsize=SIZE_SMALL, style="italic",
                    color=MUTED_COLOR, gid="bars-gap", parse_math=False)
        ax.set_yticks(range(len(table)), ticks)
        ax.set_xlim(0, 1.0)
        ax.set_xticks(np.linspace(0, 1, 6))
        ax.xaxis.set_major_formatter(lambda x, _: fmt_pct(x, lang))
        ax.grid(axis="x", color="#e0e0e0", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.set_xlabel(t("figure.axis_pct", lang), fontsize=SIZE_SMALL, color=MUTED_COLOR)
        if city is not None and city["status"] == "ok":
            ax.axvline(city["p"], color="#1a1a1a", linestyle=(0, (4, 2)), linewidth=0.9,
                       zorder=3, gid="city-line")
            ax.text(city["p"], -0.62, t("city_value", lang, value=fmt_pct(city["p"], lang)),
                    ha="center", va="bottom", fontsize=SIZE_SMALL, fontweight="bold",
                    gid="city-label", parse_math=False, clip_on=False)
        return page.fig


def _name_interval(ci: ErrorbarContainer, area_id: str) -> None:
    """Give the parts of an error bar ids unique in the figure: ``ci-<area>`` for the
    interval line, ``ci-low-<area>`` and ``ci-high-<area>`` for its caps (one ``gid`` on
    :meth:`~matplotlib.axes.Axes.errorbar` would repeat on all three, an invalid SVG)."""
    _, caps, lines = ci
    for artist in lines:
        artist.set_gid(f"ci-{area_id}")
    for cap, end in zip(caps, ("low", "high"), strict=False):
        cap.set_gid(f"ci-{end}-{area_id}")


def _thin_bars(table: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, int | None, str]:
    """At most :data:`MAX_BARS` rows of the sorted bar table, the gap row and a note.

    Up to ``MAX_BARS`` areas every area is drawn. Above, only the areas with an estimate;
    if those are still more than ``MAX_BARS``, the ``MAX_BARS // 2`` highest and lowest,
    around one "… k more areas …" row (``status == "gap"``).

    Examples
    --------
    >>> rows = pd.DataFrame({"area_id": [f"a{i:02d}" for i in range(50)], "name": "x",
    ...                      "status": ["ok"] * 45 + ["no_data"] * 5, "n": 20,
    ...                      "p": 0.5, "ci_low": 0.4, "ci_high": 0.6})
    >>> thin, gap, note = _thin_bars(rows, "en")
    >>> len(thin), gap, thin.attrs["hidden"][:2], note.split(":")[0]
    (41, 20, ['a20', 'a21'], '40 of 50 areas shown')
    """
    if len(table) <= MAX_BARS:
        return table, None, ""
    ok = table[table["status"] == "ok"]
    if len(ok) <= MAX_BARS:
        shown, gap, hidden = ok.reset_index(drop=True), None, []
        which = t("figure.bars_estimated", lang)
    else:
        half = MAX_BARS // 2
        hidden = ok["area_id"].iloc[half:len(ok) - half].tolist()
        gap_row = pd.DataFrame({"area_id": [""], "name": [""], "status": ["gap"], "n": [0]})
        shown = pd.concat([ok.iloc[:half], gap_row, ok.iloc[len(ok) - half:]],
                          ignore_index=True)
        gap = half
        which = t("figure.bars_top_bottom", lang, half=half)
    shown.attrs["hidden"] = hidden
    note = t("figure.bars_shown", lang, shown=int((shown["status"] == "ok").sum()),
             total=len(table), which=which)
    return shown, gap, f"{note}."
