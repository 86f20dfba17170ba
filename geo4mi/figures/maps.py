"""Choropleth maps: one indicator, small multiples across groups, interviews per borough."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from geo4mi.classify import (
    OPACITY,
    WIDE_WIDTH_POINTS,
    assign_classes,
    class_breaks,
    is_wide,
    palette,
)
from geo4mi.figures import cartography as carto
from geo4mi.figures.common import (
    CITY,
    GROUP_ALL,
    MARGIN,
    PAGE_WIDTH,
    SIZE_LABEL,
    SIZE_LEGEND,
    SIZE_SMALL,
    FigureError,
    caption_text,
    check_estimates,
    check_indicator,
    city_line,
    clean_labels,
    complementary,
    fmt_number,
    fmt_pct,
    group_text,
    line_height,
    map_label,
    new_page,
    plain,
    select_rows,
    style,
    wrap,
)
from geo4mi.figures.inputs import FigureData
from geo4mi.i18n import check_language, speaks_study, t
from geo4mi.labels import Labels

log = logging.getLogger(__name__)

MAP_HEIGHT = 5.7  # inches: the map body of a single-map page
LEGEND_WIDTH = 1.95  # inches: the legend column to the right of the map
GAP = 0.15


# -- styles -------------------------------------------------------------------------------

def class_labels(breaks: Sequence[float], lower: float, lang: str) -> list[str]:
    """Legend text of each class, e.g. ``"20–40 %"``, with a decimal only when needed.

    Examples
    --------
    >>> class_labels([0.2, 0.4, 1.0], 0.0, "es")
    ['0–20\\xa0%', '20–40\\xa0%', '40–100\\xa0%']
    >>> class_labels([0.101, 0.104], 0.1, "en")
    ['10.0–10.1\\xa0%', '10.1–10.4\\xa0%']
    """
    bounds = [lower, *breaks]
    for digits in (0, 1, 2):
        texts = [fmt_number(100 * b, lang, digits) for b in bounds]
        if len(set(texts)) == len(texts):
            break
    return [f"{texts[i]}–{texts[i + 1]}\u00a0%" for i in range(len(breaks))]


def indicator_styles(rows: pd.DataFrame, ids: Sequence[str], breaks: Sequence[float],
                     colours: Sequence[str]) -> tuple[list[dict], bool]:
    """Fill style per area (class colour, no data, suppressed) and whether any is wide."""
    styles, any_wide = [], False
    for area_id in ids:
        if area_id not in rows.index or rows.at[area_id, "status"] == "no_data":
            styles.append(carto.no_data_style())
            continue
        row = rows.loc[area_id]
        if row["status"] != "ok":
            styles.append(carto.suppressed_style())
            continue
        cls = int(assign_classes([row["p"]], breaks)[0])
        wide = is_wide(row["ci_low"], row["ci_high"])
        any_wide |= wide
        styles.append(carto.wide_style(colours[cls]) if wide
                      else {"facecolor": to_rgba(colours[cls], OPACITY), "wide": False})
    return styles, any_wide


def breaks_for(values: Sequence[float] | np.ndarray, scheme: str) -> list[float]:
    """Class upper bounds, as the web map computes them.

    Quantiles and natural breaks need two distinct values; otherwise the fixed 0–100 %
    steps are used (the web map's ``row_breaks`` rule).

    Examples
    --------
    >>> breaks_for([0.3], "quantiles")
    [0.2, 0.4, 0.6, 0.8, 1.0]
    """
    y = np.asarray(values, dtype=float)
    if scheme != "fixed" and np.unique(y[~np.isnan(y)]).size < 2:
        class_breaks([], scheme)  # still rejects an unknown scheme
        return class_breaks([], "fixed")
    return class_breaks(y, scheme)


def _legend(labels: Sequence[str], colours: Sequence[str] | None, *, lang: str,
            min_n: int | None, width_in: float,
            complementary: bool = False) -> tuple[list, list[str]]:
    """Handles and wrapped texts in the web map's order: classes, wide interval (when
    ``min_n`` is given: indicator maps), no interviews, suppressed."""
    colours = list(colours or [])
    handles = [carto.legend_patch({"facecolor": to_rgba(c, OPACITY)}) for c in colours]
    texts = list(labels)
    if min_n is not None:
        wide = colours[min(2, len(colours) - 1)]
        handles.append(carto.legend_patch({**carto.wide_style(wide),
                                           "facecolor": to_rgba("#ffffff", 1.0)}))
        texts.append(t("wide_interval", lang, width=WIDE_WIDTH_POINTS))
    handles.append(carto.legend_patch(carto.no_data_style()))
    texts.append(t("no_interviews", lang))
    if min_n is not None:
        handles.append(carto.legend_patch(carto.suppressed_style()))
        texts.append(t("suppressed", lang, min_n=min_n))
        if complementary:  # hidden only so that a small figure cannot be derived
            handles.append(carto.legend_patch(carto.suppressed_style()))
            texts.append(t("suppressed_complementary", lang))
    text_w = width_in - 0.45
    return handles, ["\n".join(wrap(s, SIZE_LEGEND, text_w)) for s in texts]


def _add_legend(fig: Figure, handles: list, texts: list[str], title: str, *,
                left: float, top: float, width_in: float, ncols: int = 1,
                loc: str = "upper left") -> None:
    w, h = fig.get_size_inches()
    title = "\n".join(line for part in title.split("\n")
                      for line in wrap(part, SIZE_LEGEND, width_in - 0.1, bold=True))
    fig.legend(handles, texts, loc=loc, bbox_to_anchor=(left / w, top / h),
               bbox_transform=fig.transFigure, frameon=False, fontsize=SIZE_LEGEND,
               title=title, title_fontproperties={"size": SIZE_LEGEND, "weight": "bold"},
               alignment="left", handlelength=1.6, handleheight=1.1, labelspacing=0.55,
               borderaxespad=0.0, borderpad=0.0, ncols=ncols, columnspacing=1.2,
               handler_map={carto.WidePatch: carto.WideHandler()}
               )  # type: ignore[call-overload]  # matplotlib's stubs want loc as a Literal


def _map_page(base: carto.MapBase, *, title: str, subtitle: str, caption: str,
              styles: list[dict], texts: Sequence[str | None], handles: list,
              legend_texts: list[str], legend_title: str, lang: str, synthetic: bool,
              label_size: float = SIZE_LABEL) -> Figure:
    """A page with one labelled map on the left and the legend on the right."""
    page = new_page(title=title, subtitle=subtitle, caption=caption, body_height=MAP_HEIGHT,
                    lang=lang, synthetic=synthetic)
    left, bottom, width, height = page.body
    map_w = width - LEGEND_WIDTH - GAP
    ax = carto.map_axes(page.fig, page.rect(left, bottom, map_w, height), base)
    carto.draw_areas(ax, base, styles)
    obstacles = [carto.scale_bar(ax, base, lang=lang), carto.north_arrow(ax, base)]
    carto.place_labels(ax, base, texts, fontsize=label_size, obstacles=obstacles)
    _add_legend(page.fig, handles, legend_texts, legend_title, left=left + map_w + GAP,
                top=bottom + height, width_in=LEGEND_WIDTH)
    return page.fig


# -- choropleth ---------------------------------------------------------------------------

@speaks_study
def choropleth_figure(estimates: pd.DataFrame, areas: gpd.GeoDataFrame, labels: Labels,
                      indicator: str, *, group: tuple[str, str] = GROUP_ALL,
                      scheme: str = "fixed", lang: str = "es", min_n: int = 10,
                      synthetic: bool = False, source: str | None = None) -> Figure:
    """Map one indicator by borough, styled like the web map.

    Classes, palette, "no interviews" (white, grey dots) and "suppressed" (white, grey hatch)
    come from :mod:`geo4mi.classify`; estimates with a wide interval are paler, as on the
    web map. The page has the borough names (placed without collisions), a legend, a
    scale bar, a north arrow, and a caption with the sources, n and the caveat; a banner
    says so when the data are synthetic.

    Parameters
    ----------
    estimates : DataFrame
        The estimates table (design.md), any number of indicators and groups.
    areas : GeoDataFrame
        ``area_id``, ``area_name``, geometry (projected to metres for drawing).
    labels : Labels
        Indicator, group and survey labels.
    indicator : str
        Catalogue id of the indicator to map.
    group : (str, str), default ("all", "all")
        ``(group_var, group_value)`` of the rows to map.
    scheme : {"fixed", "quantiles", "natural_breaks"}
    lang : {"es", "en"}
    min_n : int, default 10
        Suppression threshold: the estimates are published with it once
        (:meth:`~geo4mi.figures.inputs.FigureData.prepare`), then it is only named in the
        legend.
    synthetic : bool
        Add the synthetic-data banner and note.
    source : str, optional
        Survey source line for the caption (default: the survey title of ``labels``).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from geo4mi.figures.examples import tiny_inputs
    >>> est, areas, labels = tiny_inputs()
    >>> fig = choropleth_figure(est, areas, labels, "discriminated", lang="en")
    >>> sorted(p.get_gid() for p in fig.axes[0].patches if p.get_gid().startswith("area-"))
    ['area-01', 'area-02', 'area-03', 'area-04']
    """
    check_language(lang)
    check_estimates(estimates)
    check_indicator(estimates, labels, indicator)
    data = FigureData.prepare(estimates, areas, labels, min_n=min_n)  # published once
    return choropleth_on(data.estimates, carto.prepare_areas(areas), labels, indicator,
                         group=group, scheme=scheme, lang=lang, min_n=data.min_n,
                         synthetic=synthetic, source=source)


def _has_complementary(rows: pd.DataFrame) -> bool:
    """Whether some rows are suppressed only to protect a small figure (``suppression``)."""
    return bool(complementary(rows["status"], rows["suppression"]).any())


def choropleth_on(estimates: pd.DataFrame, base: carto.MapBase, labels: Labels, indicator: str,
                  *, group: tuple[str, str], scheme: str, lang: str, min_n: int,
                  synthetic: bool, source: str | None) -> Figure:
    """:func:`choropleth_figure` of published ``estimates`` (:class:`FigureData`) on areas
    prepared once (``cartography.prepare_areas``), for drawing many figures of one set of
    boroughs; ``min_n`` is only named in the legend and caption."""
    labels = clean_labels(labels)
    info = labels.indicators[indicator]
    rows = select_rows(estimates, indicator, tuple(group))
    areas_rows = rows.drop(index=CITY, errors="ignore")
    shown = areas_rows.loc[areas_rows.index.isin(base.ids) & (areas_rows["status"] == "ok"), "p"]
    breaks = breaks_for(shown.to_numpy(), scheme)
    colours = palette(info.direction, len(breaks))
    styles, _ = indicator_styles(areas_rows, base.ids, breaks, colours)
    handles, texts = _legend(class_labels(breaks, 0.0, lang), colours, lang=lang, min_n=min_n,
                             width_in=LEGEND_WIDTH,
                             complementary=_has_complementary(areas_rows))
    city = rows.loc[CITY] if CITY in rows.index else None
    universe = labels.text(info.universe, lang) if info.universe else t("all_respondents", lang)
    n_city = (city["n"] if city is not None
              else areas_rows["n"].sum(min_count=len(areas_rows)))  # NaN when one is hidden
    caption = caption_text(lang, labels=labels, source=source, min_n=min_n, estimates=estimates,
                           synthetic=synthetic,
                           n_sentence=t("figure.caption_n", lang, n=int(n_city),
                                        universe=universe) if not math.isnan(n_city) else "")
    subtitle = f"{group_text(labels, group, lang)} · {city_line(city, lang, min_n=min_n)}"
    legend_title = f"{t('figure.legend_title', lang)}\n{t(info.direction, lang)}"
    with style():
        return _map_page(base, title=labels.indicator_label(indicator, lang), subtitle=subtitle,
                         caption=caption, styles=styles,
                         texts=[map_label(n) for n in base.names], handles=handles,
                         legend_texts=texts, legend_title=legend_title, lang=lang,
                         synthetic=synthetic)


# -- small multiples ----------------------------------------------------------------------

@speaks_study
def small_multiples_figure(estimates: pd.DataFrame, areas: gpd.GeoDataFrame, labels: Labels,
                           indicator: str, group_var: str, *, scheme: str = "fixed",
                           lang: str = "es", min_n: int = 10, synthetic: bool = False,
                           source: str | None = None) -> Figure:
    """One map per value of ``group_var`` on one page, all on ONE shared scale.

    The classes are computed once over every panel's estimates (for ``quantiles`` and
    ``natural_breaks``; ``fixed`` is shared by construction), so a colour means the same
    percentage in every panel. Values without any respondent city-wide are listed in the
    caption instead of drawing an all-grey panel. Scale bar and north arrow are on the first
    panel; the legend is in a free cell or under the grid.

    Examples
    --------
    >>> from geo4mi.figures.examples import tiny_inputs
    >>> est, areas, labels = tiny_inputs()
    >>> fig = small_multiples_figure(est, areas, labels, "discriminated", "gender")
    >>> [ax.get_gid() for ax in fig.axes]
    ['panel-man', 'panel-woman']
    """
    check_language(lang)
    check_estimates(estimates)
    check_indicator(estimates, labels, indicator)
    data = FigureData.prepare(estimates, areas, labels, min_n=min_n)  # published once
    return small_multiples_on(data.estimates, carto.prepare_areas(areas), labels, indicator,
                              group_var, scheme=scheme, lang=lang, min_n=data.min_n,
                              synthetic=synthetic, source=source)


def _group_values(estimates: pd.DataFrame, labels: Labels, indicator: str,
                  group_var: str) -> list[str]:
    rows = estimates[(estimates["indicator"] == indicator) & (estimates["group_var"] == group_var)]
    present = list(pd.unique(rows["group_value"].astype(str)))
    if group_var == "all" or not present:
        allowed = sorted(set(estimates.loc[estimates["indicator"] == indicator, "group_var"])
                         - {"all"})
        raise FigureError(f"group variable {group_var!r} has no estimates for indicator "
                          f"{indicator!r}; use one of {', '.join(allowed) or '(none)'}")
    order = list(labels.group_values.get(group_var, {}))
    return [v for v in order if v in present] + [v for v in present if v not in order]


def small_multiples_on(estimates: pd.DataFrame, base: carto.MapBase, labels: Labels,
                       indicator: str, group_var: str, *, scheme: str, lang: str, min_n: int,
                       synthetic: bool, source: str | None) -> Figure:
    """:func:`small_multiples_figure` of published ``estimates`` on areas prepared once
    (see :func:`choropleth_on`)."""
    labels = clean_labels(labels)
    info = labels.indicators[indicator]
    values = _group_values(estimates, labels, indicator, group_var)
    panels, empty = [], []
    for value in values:
        rows = select_rows(estimates, indicator, (group_var, value))
        city = rows.loc[CITY] if CITY in rows.index else None
        if city is None or city["status"] == "no_data":
            empty.append(value)
        else:
            panels.append((value, rows, city))
    if not panels:
        raise FigureError(f"indicator {indicator!r} has no respondents in any value of "
                          f"{group_var!r}; choose another grouping variable")
    shown = np.concatenate([r.drop(index=CITY).query("status == 'ok'")["p"].to_numpy()
                            for _, r, _ in panels])
    breaks = breaks_for(shown, scheme)
    colours = palette(info.direction, len(breaks))

    def value_label(v: str) -> str:
        try:
            return labels.group_value_label(group_var, v, lang)
        except KeyError:
            return v

    var_label = labels.group_var_label(group_var, lang) if group_var in labels.group_vars \
        else group_var
    n_total = sum(float(c["n"]) for _, _, c in panels)
    if math.isnan(n_total):  # a panel's n is hidden: the city-wide n of everyone, if shown
        everyone = select_rows(estimates, indicator, GROUP_ALL)
        n_total = float(everyone.loc[CITY, "n"]) if CITY in everyone.index else math.nan
    extra = [t("figure.groups_empty", lang, values=", ".join(value_label(v) for v in empty))] \
        if empty else []
    universe = labels.text(info.universe, lang) if info.universe else t("all_respondents", lang)
    caption = caption_text(lang, labels=labels, source=source, min_n=min_n, estimates=estimates,
                           synthetic=synthetic, extra=extra,
                           n_sentence=t("figure.caption_n", lang, n=int(n_total),
                                        universe=universe) if not math.isnan(n_total) else "")

    ncols = 3 if len(panels) > 4 or len(panels) == 3 else 2
    nrows = math.ceil(len(panels) / ncols)
    free_cell = nrows * ncols > len(panels)
    inner = PAGE_WIDTH - 2 * MARGIN
    gap = 0.12
    panel_w = (inner - (ncols - 1) * gap) / ncols
    aspect = _base_aspect(base)
    map_h = panel_w / aspect
    title_h = line_height(SIZE_LEGEND, 2) + 0.04
    legend_rows = len(breaks) + 3  # classes, wide, no interviews, suppressed
    legend_h = 0.0 if free_cell else line_height(SIZE_LEGEND, math.ceil(legend_rows / 3) * 2
                                                 + 2)
    body_h = nrows * (map_h + title_h) + (nrows - 1) * gap + legend_h
    with style():
        page = new_page(title=labels.indicator_label(indicator, lang),
                        subtitle=t("figure.groups_subtitle", lang, var=_lower_first(var_label)),
                        caption=caption, body_height=body_h, lang=lang, synthetic=synthetic)
        left, bottom, _, height = page.body
        top = bottom + height
        for k, (value, rows, city) in enumerate(panels):
            r, c = divmod(k, ncols)
            x = left + c * (panel_w + gap)
            y = top - (r + 1) * (map_h + title_h) - r * gap
            ax = carto.map_axes(page.fig, page.rect(x, y, panel_w, map_h), base,
                                pad=0.02, gid=f"panel-{value}")
            styles, _ = indicator_styles(rows.drop(index=CITY), base.ids, breaks, colours)
            carto.draw_areas(ax, base, styles, linewidth=0.35, prefix=f"panel-{value}-",
                             collect=True)
            if k == 0:
                carto.scale_bar(ax, base, lang=lang, fontsize=SIZE_SMALL - 0.8)
                carto.north_arrow(ax, base, fontsize=SIZE_SMALL)
            head = (t("figure.panel_title", lang, value=value_label(value),
                      pct=fmt_pct(city["p"], lang), n=int(city["n"]))
                    if city["status"] == "ok"
                    else t("figure.panel_suppressed", lang, value=value_label(value)))
            page.fig.text((x + 0.02) / page.fig.get_size_inches()[0],
                          (y + map_h + title_h - 0.02) / page.fig.get_size_inches()[1],
                          "\n".join(wrap(head, SIZE_LEGEND, panel_w - 0.05, bold=True,
                                         max_lines=2)),
                          ha="left", va="top", fontsize=SIZE_LEGEND, fontweight="bold",
                          linespacing=1.2, gid=f"panel-title-{value}", parse_math=False)
        if free_cell:
            k = len(panels)
            r, c = divmod(k, ncols)
            lx, ltop = left + c * (panel_w + gap) + 0.1, top - r * (map_h + title_h + gap) - 0.05
            width_in, ncol_leg = panel_w - 0.1, 1
        else:
            lx, ltop, width_in, ncol_leg = left, bottom + legend_h, inner / 3, 3
        handles, texts = _legend(class_labels(breaks, 0.0, lang), colours, lang=lang,
                                 min_n=min_n, width_in=width_in,
                                 complementary=any(
                                     _has_complementary(r.drop(index=CITY, errors="ignore"))
                                     for _, r, _ in panels))
        legend_title = f"{t('figure.legend_title', lang)}\n{t(info.direction, lang)}"
        _add_legend(page.fig, handles, texts, legend_title, left=lx, top=ltop,
                    width_in=width_in, ncols=ncol_leg)
        return page.fig


def _lower_first(text: str) -> str:
    """``"Time in the city"`` -> ``"time in the city"``; acronyms and questions unchanged.

    Examples
    --------
    >>> _lower_first("Grupo de edad"), _lower_first("IDP status"), _lower_first("¿Género?")
    ('grupo de edad', 'IDP status', '¿Género?')
    """
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _base_aspect(base: carto.MapBase) -> float:
    xmin, ymin, xmax, ymax = base.bounds
    return (xmax - xmin) / (ymax - ymin)


# -- sample distribution (report Figure 3) ------------------------------------------------

@speaks_study
def sample_distribution_figure(counts: pd.Series, areas: gpd.GeoDataFrame,
                               labels: Labels | None = None, *, lang: str = "es",
                               synthetic: bool = False, source: str | None = None,
                               total: int | None = None) -> Figure:
    """Map of interviews per borough (the report's Figure 3).

    Boroughs without interviews are plain grey and labelled "no interviews" in the legend,
    never a colour of the scale. Classes are the web site map's
    (:data:`geo4mi.classify.COUNT_BREAKS`), so both maps agree.

    Parameters
    ----------
    counts : Series
        Interviews per ``area_id`` (an aggregate; missing areas count as 0; NA: hidden by
        the estimates, drawn like a suppressed cell without a number).
    areas : GeoDataFrame
    labels : Labels, optional
        Only for the survey title in the caption.
    total : int, optional
        All interviews; required when a count is hidden (NA).

    Examples
    --------
    >>> from geo4mi.figures.examples import tiny_inputs
    >>> _, areas, labels = tiny_inputs()
    >>> import pandas as pd
    >>> fig = sample_distribution_figure(pd.Series({"01": 40, "02": 12, "03": 3}), areas)
    >>> [a.get_text() for a in fig.axes[0].texts if a.get_gid().startswith("label-")]
    ['Alpha\\n40', 'Beta\\n12', 'Gamma\\n3', 'Delta']
    """
    check_language(lang)
    return sample_distribution_on(counts, carto.prepare_areas(areas), labels, lang=lang,
                                synthetic=synthetic, source=source, total=total)


def sample_distribution_on(counts: pd.Series, base: carto.MapBase, labels: Labels | None, *,
                           lang: str, synthetic: bool, source: str | None,
                           total: int | None = None) -> Figure:
    """:func:`sample_distribution_figure` on areas prepared once (see :func:`choropleth_on`)."""
    from geo4mi.classify import COUNT_BREAKS

    raw = pd.Series(counts)
    values = pd.to_numeric(raw, errors="coerce").astype("Float64")
    values.index = values.index.astype(str)
    hidden = (raw.isna() & values.isna()).to_numpy(dtype=bool)
    bad = np.flatnonzero(((values.isna() & ~hidden) | (values.fillna(0) < 0))
                         .to_numpy(dtype=bool))
    if bad.size:
        raise FigureError(f"interview counts: area {values.index[bad[0]]!r} has "
                          f"{plain(raw.iloc[bad[0]])!r}; counts must be whole numbers of 0 "
                          "or more")
    if hidden.any() and total is None:
        raise FigureError("interview counts: some are hidden (NA); pass total= (all "
                          "interviews) for the subtitle")
    per_area = [None if a in values.index and pd.isna(values[a]) else int(values.get(a, 0))
                for a in base.ids]
    colours = palette("neutral", len(COUNT_BREAKS))
    styles, texts = [], []
    for name, n in zip(base.names, per_area, strict=True):
        if n is None:
            styles.append(carto.suppressed_style())
            texts.append(map_label(name))
        elif n <= 0:
            styles.append(carto.no_data_style())
            texts.append(map_label(name))
        else:
            cls = int(np.searchsorted(COUNT_BREAKS, n, side="right")) - 1
            styles.append({"facecolor": to_rgba(colours[cls], OPACITY)})
            texts.append(f"{map_label(name)}\n{n}")
    class_texts = [f"{lo}–{COUNT_BREAKS[i + 1] - 1}" if i + 1 < len(COUNT_BREAKS) else f"{lo}+"
                   for i, lo in enumerate(COUNT_BREAKS)]
    handles, legend_texts = _legend(class_texts, colours, lang=lang, min_n=None,
                                    width_in=LEGEND_WIDTH)
    if any(n is None for n in per_area):
        handles.append(carto.legend_patch(carto.suppressed_style()))
        legend_texts.append("\n".join(wrap(t("hidden_count", lang), SIZE_LEGEND,
                                            LEGEND_WIDTH - 0.45)))
    k = sum(1 for n in per_area if n is None or n > 0)
    total = sum(n for n in per_area if n is not None) if total is None else total
    caption = caption_text(lang, labels=labels, source=source, min_n=None, synthetic=synthetic,
                           n_sentence=t("figure.sample_caption_n", lang, n=total))
    with style():
        return _map_page(base, title=t("figure.sample_title", lang),
                         subtitle=t("figure.sample_subtitle", lang, n=total, k=k, m=len(base)),
                         caption=caption, styles=styles, texts=texts, handles=handles,
                         legend_texts=legend_texts,
                         legend_title=t("figure.interviews_legend", lang),
                         lang=lang, synthetic=synthetic)
