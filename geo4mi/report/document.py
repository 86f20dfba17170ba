"""The findings report: one self-contained, offline HTML file written from the estimates.

:func:`report_html` builds the document of a run: front page (and the synthetic-data
banner), numbered key findings, the profile of respondents, one section per theme of the
catalogue, methodology, limitations, the data-quality annex, the annex of every indicator
and a one-page handout per area. It reads the *published* estimates
(:func:`geo4mi.indicators.suppression.published`), the areas' names, the labels, the
study's declared settings and the aggregate rows of the data-quality report — never a
respondent row. Every sentence comes from :mod:`geo4mi.report.sentences`; the page is a
Jinja2 template with autoescape; figures are the project's own (:mod:`geo4mi.figures`)
inlined as SVG; maps are links to the choropleth page's views (URL hash).
"""

from __future__ import annotations

import dataclasses
import io
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined

from geo4mi.i18n import use_wording
from geo4mi.indicators.design import design_of_estimates, interval_note
from geo4mi.indicators.estimate import CITY, PROP, proportions
from geo4mi.indicators.suppression import published
from geo4mi.io import atomic_write
from geo4mi.report.annex import quality_rows
from geo4mi.report.findings import ALL, Finding, Writer, headline_indicators, map_hash
from geo4mi.report.sentences import check_report_language, estimate_text, pct, say

log = logging.getLogger(__name__)

_TEMPLATES = PackageLoader("geo4mi.report", "templates")
ENV = Environment(loader=_TEMPLATES, autoescape=True, undefined=StrictUndefined,
                  keep_trailing_newline=True)
#: Significance level and correction of the tested differences.
ALPHA, METHOD = 0.05, "holm"
#: How many tested differences (smallest adjusted p-value first) the key findings state;
#: the others are stated in their theme's section.
KEY_DIFFERENCES = 8
METHOD_NAMES = {"holm": {"es": "Holm", "en": "Holm", "fr": "Holm", "pt": "Holm"}}


@dataclass(frozen=True)
class ReportInputs:
    """What the report reads: aggregates only (build it with :func:`inputs_from_results`)."""

    estimates: pd.DataFrame
    areas: pd.DataFrame          # area_id, area_name
    labels: Any                  # geo4mi.labels.Labels
    catalogue: Any               # geo4mi.indicators.catalogue.Catalogue
    study: Any                   # geo4mi.study.Study (title, settings)
    quality: pd.DataFrame        # the data-quality report (only its aggregate rows are read)


def inputs_from_results(results: Any) -> ReportInputs:
    """The aggregates of a :class:`geo4mi.pipeline.Results` that the report reads."""
    return ReportInputs(estimates=results.estimates,
                        areas=pd.DataFrame(results.areas[["area_id", "area_name"]]),
                        labels=results.labels, catalogue=results.catalogue,
                        study=results.study, quality=results.quality)


def tested_differences(estimates: pd.DataFrame) -> pd.DataFrame | None:
    """The differences table of ``estimates`` (None when the module is not installed)."""
    try:
        from geo4mi.indicators.differences import differences
    except ImportError:  # pragma: no cover - until the differences module is merged
        log.warning("report: geo4mi.indicators.differences is missing; no difference is "
                    "stated")
        return None
    return differences(estimates, alpha=ALPHA, method=METHOD)


# -- figures ------------------------------------------------------------------------------

_ID = re.compile(r'(id="|url\(#|xlink:href="#|href="#)([^")]+)')


def svg_inline(fig: Any, key: str) -> str:
    """``fig`` as an ``<svg>`` element to inline: no XML prolog, ids prefixed with ``key``.

    Text stays text, no dates are stored and ids are salted and prefixed per figure, so
    several figures live in one page and the same figure gives the same bytes.
    """
    from geo4mi.figures.common import style

    buffer = io.StringIO()
    with style(), matplotlib.rc_context({"svg.hashsalt": key}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None},
                    facecolor="white")
    import matplotlib.pyplot as plt

    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = _ID.sub(lambda m: f"{m.group(1)}{key}-{m.group(2)}", text)
    text = _presentation_attributes(text)
    # scale to the column: keep the viewBox, drop the fixed size
    return re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r'<svg\1 class="figure-svg"',
                  text, count=1)


#: SVG-only properties (not CSS properties of HTML): matplotlib writes them in ``style``
#: attributes, which the HTML's CSS (WeasyPrint's, for one) reads as unknown properties.
_SVG_PROPERTIES = frozenset({
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
    "stroke-linejoin", "stroke-linecap", "stroke-miterlimit", "stroke-dasharray",
    "stroke-dashoffset", "text-anchor", "dominant-baseline", "clip-rule"})
_STYLE_ATTR = re.compile(r' style="([^"]*)"')
_SVG_DEFAULTS = re.compile(r'<style type="text/css">\*\{([^{}<]*)\}</style>\s*')


def _declarations(style: str) -> list[tuple[str, str]]:
    pairs = (d.split(":", 1) for d in style.split(";") if ":" in d)
    return [(k.strip(), v.strip()) for k, v in pairs]


def _presentation_attributes(svg: str) -> str:
    """``svg`` with its SVG-only style properties as presentation attributes.

    Each element's ``style`` keeps its CSS properties (fonts) and gives the SVG-only ones
    (fill, stroke...) as attributes; matplotlib's ``*{stroke-linejoin: round; ...}`` style
    sheet, which would apply to the whole page, becomes attributes of the root ``<svg>``
    that its elements inherit. Drawn the same; no unknown CSS property left for the page.

    Examples
    --------
    >>> _presentation_attributes('<svg x="1"><defs><style type="text/css">*{stroke-linecap:'
    ...                          ' butt}</style></defs><path style="fill: #fff; '
    ...                          'stroke-width: 0.8"/><text style="font: 10px sans-serif; '
    ...                          'text-anchor: end">a</text></svg>')
    '<svg stroke-linecap="butt" x="1"><defs></defs><path fill="#fff" stroke-width="0.8"/><text text-anchor="end" style="font: 10px sans-serif">a</text></svg>'
    """  # noqa: E501  (a doctest shows the one-line SVG whole)
    def element(match: re.Match[str]) -> str:
        decls = _declarations(match.group(1))
        attrs = "".join(f' {k}="{v}"' for k, v in decls if k in _SVG_PROPERTIES)
        rest = "; ".join(f"{k}: {v}" for k, v in decls if k not in _SVG_PROPERTIES)
        return attrs + (f' style="{rest}"' if rest else "")

    defaults = _SVG_DEFAULTS.search(svg)
    if defaults is not None and all(k in _SVG_PROPERTIES
                                    for k, _ in _declarations(defaults.group(1))):
        root = "".join(f' {k}="{v}"' for k, v in _declarations(defaults.group(1)))
        svg = svg[:defaults.start()] + svg[defaults.end():]
        svg = svg.replace("<svg", "<svg" + root, 1)
    return _STYLE_ATTR.sub(element, svg)


def _bar_svg(inputs: ReportInputs, est: pd.DataFrame, indicator: str, lang: str) -> str:
    from geo4mi.figures.charts import indicator_bar_chart

    s = inputs.study
    fig = indicator_bar_chart(est, inputs.areas, inputs.labels, indicator, lang=lang,
                              min_n=s.min_n, synthetic=s.synthetic,
                              source=s.source.get(lang) if s.source else None)
    return svg_inline(fig, f"fig-{_slug(indicator)}")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text)


# -- the document --------------------------------------------------------------------------

def _root(catalogue: Any, name: str) -> str:
    seen = set()
    while name in catalogue.derived and name not in seen:
        seen.add(name)
        name = catalogue.derived[name].source
    return name


def definitional(catalogue: Any, indicator: str, group_var: str) -> bool:
    """True when ``indicator`` is read from the question the groups are made of
    (gender by gender, region by nationality group): its differences say nothing.

    Examples
    --------
    >>> from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
    >>> cat = load_catalogue(bundled_catalogue_path())
    >>> definitional(cat, "region_south_america", "nationality_group")
    True
    >>> definitional(cat, "discriminated", "nationality_group")
    False
    """
    if group_var == "all":
        return False
    ind = catalogue[indicator]
    names = set()
    if ind.question:
        names.add(ind.question)
    if ind.numerator is not None:
        names |= set(ind.numerator.names)
    return _root(catalogue, group_var) in {_root(catalogue, n) for n in names}


class _Numbering:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, finding: Finding, lang: str, figure: str | None, table: str) -> dict[str, Any]:
        item = {"number": len(self.items) + 1, "text": finding.text(lang),
                "map": finding.map_hash, "figure": figure, "table": table,
                "significant": finding.significant, "key": finding.key,
                "cells": " ".join("|".join(c) for c in finding.cells)}
        self.items.append(item)
        return item


@dataclass
class _Page:
    """What the sections share while the document is written: the language, the writer of
    the sentences, the running numbering of the findings and the inlined figures."""

    lang: str
    writer: Writer
    map_page: str
    numbering: _Numbering = field(default_factory=_Numbering)
    figures: dict[str, str] = field(default_factory=dict)

    def figure_of(self, indicator: str) -> str | None:
        return f"fig-{_slug(indicator)}" if indicator in self.figures else None

    def add(self, finding: Finding, indicator: str) -> dict[str, Any]:
        """Number ``finding`` (about ``indicator``) and link it to its figure and table."""
        return self.numbering.add(finding, self.lang, self.figure_of(indicator),
                                  f"ind-{indicator}")


@dataclass(frozen=True)
class _Profile:
    """The profile of respondents, from the published n of the reference indicator."""

    total: int
    hidden: dict[str, str]                               # why a count is hidden, in words
    respondents: dict[tuple[str, str, str], int | str]   # see _respondents
    area_rows: list[dict[str, str]]
    k_areas: int                                         # areas with a published count
    group_tables: list[dict[str, Any]]


#: The headings and column titles the template shows (each a sentence key).
_HEADINGS = (
    "contents", "key_findings", "profile", "methodology", "limitations",
    "annex_quality", "annex_indicators", "handouts", "closing", "groups_differ",
    "areas_differ", "headline", "col_unit", "col_respondents", "col_share",
    "col_indicator", "col_theme", "col_value", "col_ci", "col_n", "col_universe",
    "col_area_value", "col_city_value", "col_difference", "col_check",
    "col_count", "col_note", "col_group", "link_map", "link_figure", "link_table",
    "no_group_differences", "no_area_differences", "quality_intro",
    "generated_by")


def report_context(inputs: ReportInputs, *, lang: str, diffs: pd.DataFrame | None,
                   map_page: str) -> dict[str, Any]:
    """Everything the template shows, as text and numbers already formatted.

    The steps follow the document: the themes (which choose the headline indicators and
    draw their figures), the key findings, each theme's section, the profile of
    respondents, the methodology and limitations, the annexes and the handouts. Findings
    are numbered in that order.
    """
    study, labels, catalogue = inputs.study, inputs.labels, inputs.catalogue
    est = published(inputs.estimates, min_n=study.min_n)
    names = dict(zip(inputs.areas["area_id"].astype(str), inputs.areas["area_name"].astype(str),
                     strict=True))
    page = _Page(lang, _writer(est, diffs, catalogue, labels, names, lang), map_page)
    writer, numbering = page.writer, page.numbering
    significant = writer.significant()

    themes = _themes(inputs, est, page)
    headlines = [ind for theme in themes for ind in theme["heads"]]
    key_items = _key_findings(themes, significant, page)
    stated = {i["cells"] for i in key_items if i["significant"]}
    for theme in themes:
        theme.update(_theme_section(theme, significant, stated, labels, page))
    profile = _profile(inputs, est, writer, names, lang)
    design = design_of_estimates(est)
    tested, n_sig = _test_counts(writer)
    methodology = _methodology(study, est, labels, design, profile.total, tested, n_sig,
                               writer.diffs is not None, lang)
    annex = _indicator_annex(themes, catalogue, labels, page)
    handouts = _handouts(names, headlines, labels, profile.respondents, page)

    total, hidden = profile.total, profile.hidden
    title = study.title.get(lang) if getattr(study, "title", None) else ""
    wording = labels.wording.words(lang) if labels.wording else {}
    return {
        "lang": lang, "title": title or say("title_suffix", lang),
        "subtitle": say("title_suffix", lang), "synthetic": bool(study.synthetic),
        "banner": say("synthetic_banner", lang), "about": say("about", lang, n=total),
        "source": say("source", lang, source=study.source.get(lang)) if study.source else "",
        "attribution": (say("attribution", lang) if wording.get("attribution") else ""),
        "caveat": say("caveat", lang), "h": {k: say(k, lang) for k in _HEADINGS},
        "key_findings": key_items,
        "themes": [t for t in themes if any(catalogue[i].stat == PROP for i in t["ids"])],
        "profile_intro": say("profile_intro", lang, n=total, k=profile.k_areas, m=len(names)),
        "area_rows": profile.area_rows, "group_tables": profile.group_tables,
        "hidden_note": say("profile_hidden_note", lang, small=hidden["small_n"],
                           protected=hidden["protected"], min_n=study.min_n),
        "methodology": methodology, "limitations": _limitations(study, lang),
        "quality": quality_rows(inputs.quality, lang),
        "annex_intro": say("annex_intro", lang, interval_note=interval_note(design, lang)),
        "annex": annex, "handouts": handouts, "map_page": map_page,
        "closing": say("closing_counts", lang, findings=len(numbering.items),
                       rejected=tested - n_sig, tested=tested),
        "counts": {"findings": len(numbering.items), "tested": tested,
                   "rejected": tested - n_sig,
                   "cannot_tell": sum(1 for i in numbering.items if "untested" in i["key"])},
        "css": _TEMPLATES.get_source(ENV, "report.css")[0],
    }


def _writer(est: pd.DataFrame, diffs: pd.DataFrame | None, catalogue: Any, labels: Any,
            names: dict[str, str], lang: str) -> Writer:
    """The writer of the sentences, without the definitional differences (gender by
    gender): they say nothing."""
    writer = Writer(est, diffs, labels, names, lang)
    if diffs is not None and len(diffs):
        keep = [not definitional(catalogue, str(i), str(g))
                for i, g in zip(diffs["indicator"], diffs["group_var"], strict=True)]
        writer.diffs = diffs[keep]
    return writer


def _themes(inputs: ReportInputs, est: pd.DataFrame, page: _Page) -> list[dict[str, Any]]:
    """One entry per theme of the catalogue (in its order) with its indicators and its
    headline indicators, whose bar charts are drawn into ``page.figures``."""
    catalogue, labels = inputs.catalogue, inputs.labels
    chosen = [i for i in inputs.study.indicators.figures if i in catalogue.ids]
    by_theme: dict[str, list[str]] = {}
    for ind in catalogue:
        by_theme.setdefault(ind.theme, []).append(ind.id)
    themes: list[dict[str, Any]] = []
    for theme_id, ids in by_theme.items():
        heads = headline_indicators(page.writer, ids, chosen)
        for ind in heads:
            page.figures[ind] = _bar_svg(inputs, est, ind, page.lang)
        themes.append({"id": theme_id, "title": labels.theme_label(theme_id, page.lang),
                       "heads": heads, "ids": ids})
    return themes


def _key_findings(themes: list[dict[str, Any]], significant: pd.DataFrame,
                  page: _Page) -> list[dict[str, Any]]:
    """Each headline's city value and tested extremes, then the strongest differences
    (smallest adjusted p-value first) not already stated."""
    writer = page.writer
    key_items = []
    for theme in themes:
        for ind in theme["heads"]:
            city = writer.city(ind)
            if city is not None:
                key_items.append(page.add(city, ind))
            for f in writer.extremes(ind):
                if f.significant:
                    key_items.append(page.add(f, ind))
    for _, row in significant.head(KEY_DIFFERENCES).iterrows():
        f = writer.difference(row)
        if "|".join(f.cells[0]) not in {i["cells"] for i in key_items if i["significant"]}:
            key_items.append(page.add(f, f.indicator))
    return key_items


def _theme_section(theme: dict[str, Any], significant: pd.DataFrame, stated: set[str],
                   labels: Any, page: _Page) -> dict[str, Any]:
    """A theme's blocks (one per headline indicator, with its untested extremes) and its
    significant differences not already in the key findings, by area and by group."""
    writer, lang = page.writer, page.lang
    blocks = []
    for ind in theme["heads"]:
        sentences = [page.add(f, ind) for f in writer.extremes(ind) if not f.significant]
        blocks.append({"indicator": ind, "label": labels.indicator_label(ind, lang),
                       "universe": labels.text(labels.indicators[ind].universe, lang),
                       "city": writer.table.text(ind, lang) or say("cell_hidden", lang),
                       "svg": page.figures[ind], "figure": page.figure_of(ind),
                       "map": page.map_page + map_hash(ind), "sentences": sentences})
    rows = significant[significant["indicator"].isin(theme["ids"])]
    area_items: list[dict[str, Any]] = []
    group_items: list[dict[str, Any]] = []
    for _, row in rows.iterrows():
        f = writer.difference(row)
        if "|".join(f.cells[0]) in stated:
            continue
        item = page.add(f, f.indicator)
        (area_items if f.group == ALL else group_items).append(item)
    return {"blocks": blocks, "area_items": area_items, "group_items": group_items}


def _profile(inputs: ReportInputs, est: pd.DataFrame, writer: Writer, names: dict[str, str],
             lang: str) -> _Profile:
    """Respondents by area and by each grouping variable, from the published n."""
    min_n = inputs.study.min_n
    reference = _reference_indicator(est)
    city_row = writer.table.get(reference) if reference else None  # published when chosen
    total = city_row[3] if city_row is not None else 0
    hidden = {"small_n": say("cell_small_n", lang, min_n=min_n),
              "protected": say("cell_protected", lang)}
    respondents = _respondents(est, reference)
    area_rows, k_areas = [], 0
    for area_id, name in names.items():
        got = respondents.get((area_id, *ALL), 0)
        if isinstance(got, str):
            text = hidden[got]
        elif got > 0:
            text, k_areas = str(got), k_areas + 1
        else:
            text = say("cell_no_data", lang)
        area_rows.append({"name": name, "n": text})
    group_tables = [_group_table(inputs, gv, respondents, total, hidden, lang)
                    for gv in inputs.study.indicators.groups]
    return _Profile(total, hidden, respondents, area_rows, k_areas, group_tables)


def _group_table(inputs: ReportInputs, gv: str,
                 respondents: dict[tuple[str, str, str], int | str], total: int,
                 hidden: dict[str, str], lang: str) -> dict[str, Any]:
    """Respondents by the values of the grouping variable ``gv`` (and, for the nationality
    question, a chart)."""
    study, labels = inputs.study, inputs.labels
    values = labels.group_values.get(gv, {})
    rows = []
    counts: dict[str, int] = {}
    for value in values:
        count = respondents.get((CITY, gv, value))
        if count is None or count == 0:
            continue
        if isinstance(count, int):
            counts[value] = count
            rows.append({"name": labels.group_value_label(gv, value, lang),
                         "n": str(count), "share": pct(count / total, lang) if total else ""})
        else:
            rows.append({"name": labels.group_value_label(gv, value, lang),
                         "n": hidden[count], "share": ""})
    svg = None
    question = study.indicators.nationality_question
    if counts and question and _root(inputs.catalogue, gv) == question:
        svg = _nationality_svg(inputs, gv, values, counts, respondents, total, lang)
    return {"title": say("profile_by", lang, what=labels.group_var_label(gv, lang).lower()),
            "rows": rows, "svg": svg}


def _nationality_svg(inputs: ReportInputs, gv: str, values: Any, counts: dict[str, int],
                     respondents: dict[tuple[str, str, str], int | str], total: int,
                     lang: str) -> str:
    """The chart of respondents by nationality group: the published counts, and an
    "other" bar that holds the published total minus the published groups."""
    from geo4mi.figures.charts import nationality_chart_on
    from geo4mi.figures.inputs import fold_nationalities

    study, labels = inputs.study, inputs.labels
    rest = total - sum(counts.values())  # published total minus published groups
    folded = [v for v in values
              if v == "other" or (v not in counts and respondents.get((CITY, gv, v)))]
    if rest > 0:
        counts = {**counts, "other": counts.get("other", 0) + rest}
    shown = {v: labels.group_value_label(gv, v, lang) for v in [*counts, *folded]}
    chart = fold_nationalities(pd.Series(counts), names=shown, min_n=study.min_n)
    if folded:  # the "other" bar holds the groups whose count is hidden: the caption
        # counts and names them (not the one bar)
        chart = dataclasses.replace(chart, folded=(
            *(k for k in chart.folded if k != "other" and k not in folded), *folded))
    else:
        chart = dataclasses.replace(chart, names={**shown, "other": say("cell_hidden", lang)})
    return svg_inline(nationality_chart_on(
        chart, lang=lang, synthetic=study.synthetic,
        source=study.source.get(lang) if study.source else None), f"fig-{gv}")


def _test_counts(writer: Writer) -> tuple[int, int]:
    """How many differences were tested, and how many of them are significant."""
    if writer.diffs is None:
        return 0, 0
    return len(writer.diffs), int(writer.diffs["significant"].fillna(False).astype(bool).sum())


def _methodology(study: Any, est: pd.DataFrame, labels: Any, design: Any, total: int,
                 tested: int, n_sig: int, has_diffs: bool, lang: str) -> list[str]:
    """The methodology paragraphs: sample and design, universe, placement, intervals,
    differences, suppression and missing data."""
    keys = design.describe()
    names_of = {c: dict(v) for c, v in (getattr(labels, "columns", None) or {}).items()}
    s = study.survey
    placement = []
    if s.area_column:
        placement.append(say("method_placement_declared", lang, column=s.area_column))
    if s.gps_question:
        placement.append(say("method_placement_gps", lang, column=s.gps_question))
    status = est["status"].astype(str)
    return [
        say("method_sample", lang, n=total,
            design=say("method_design_srs", lang) if keys == "srs"
            else say("method_design_keys", lang, keys=_design_words(design, lang, names_of))),
        *([say("method_universe", lang, rules="; ".join(s.exclude))] if s.exclude else []),
        *([say("method_placement", lang, placement=say("method_and", lang).join(placement),
               policy=s.placement)] if placement else []),
        " ".join([say("method_intervals", lang), interval_note(design, lang, names=names_of),
                  say("method_ignore_design" if design.cluster else "method_ignore_srs", lang)
                  if design.active else say("method_ignore_srs", lang)]),
        (say("method_differences", lang, method=METHOD_NAMES[METHOD][lang], alpha=ALPHA,
             tested=tested, significant=n_sig) if has_diffs
         else say("no_differences_available", lang)),
        say("method_suppression", lang, min_n=study.min_n,
            hidden=int((status == "suppressed").sum()), cells=int((status != "no_data").sum())),
        say("method_no_data", lang),
    ]


def _limitations(study: Any, lang: str) -> list[str]:
    limitations = [say("limit_sample", lang), say("limit_self_report", lang),
                   say("limit_wide", lang)]
    if study.synthetic:
        limitations.append(say("limit_synthetic", lang))
    return limitations


def _indicator_annex(themes: list[dict[str, Any]], catalogue: Any, labels: Any,
                     page: _Page) -> list[dict[str, str]]:
    """One annex row per indicator, theme by theme: its published city-wide value."""
    writer, lang, map_page = page.writer, page.lang, page.map_page
    annex = []
    for theme in themes:
        for ind in theme["ids"]:
            if catalogue[ind].stat != PROP:  # a mean, median or ratio: a number, no map
                annex.append(_numeric_annex_row(writer, ind, theme["title"], lang))
                continue
            row = writer.table.get(ind)
            annex.append({"id": f"ind-{ind}", "theme": theme["title"],
                          "label": labels.indicator_label(ind, lang),
                          "universe": labels.text(labels.indicators[ind].universe, lang),
                          "value": pct(row[0], lang) if row else say("cell_hidden", lang),
                          "ci": f"{100 * row[1]:.0f}–{pct(row[2], lang)}" if row else "",
                          "n": str(row[3]) if row else "",
                          "cells": f"{ind}|{CITY}|all|all" if row else "",
                          "map": map_page + map_hash(ind)})
    return annex


def _handouts(names: dict[str, str], headlines: list[str], labels: Any,
              respondents: dict[tuple[str, str, str], int | str],
              page: _Page) -> list[dict[str, Any]]:
    """One handout per area with published headline figures: the area's value, the city's
    and whether they differ."""
    writer, lang, map_page = page.writer, page.lang, page.map_page
    handouts = []
    for area_id, name in names.items():
        rows = []
        for ind in headlines:
            here = writer.table.get(ind, area_id)
            if here is None:
                continue
            d = writer.lookup.get((ind, area_id, *ALL))
            if d is not None and bool(d["significant"]) and str(d["direction"]) in (
                    "higher", "lower"):
                verdict = say(f"cell_{d['direction']}", lang)
            else:
                verdict = say("cell_not_shown", lang)
            rows.append({"label": labels.indicator_label(ind, lang),
                         "area": estimate_text(*here, lang),
                         "city": writer.table.text(ind, lang) or say("cell_hidden", lang),
                         "verdict": verdict,
                         "cells": f"{ind}|{area_id}|all|all {ind}|{CITY}|all|all",
                         "map": map_page + map_hash(ind)})
        if not rows:
            continue
        n_here = respondents.get((area_id, *ALL))
        intro = (say("handout_intro", lang, n=n_here, area=name)
                 if isinstance(n_here, int) and n_here > 0
                 else say("handout_intro_hidden", lang, area=name))
        handouts.append({"id": f"area-{_slug(area_id)}", "name": name,
                         "title": say("handout_title", lang, area=name), "intro": intro,
                         "rows": rows})
    return handouts


def number(value: float) -> str:
    """A mean, median or ratio as the annex shows it: at most two decimals, no trailing
    zeros (the value is in the question's own unit, not a percentage).

    Examples
    --------
    >>> number(36.0), number(2.4567), number(0.5)
    ('36', '2.46', '0.5')
    """
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _numeric_annex_row(writer: Writer, ind: str, theme: str, lang: str) -> dict[str, str]:
    """The annex row of a numeric statistic: its published city-wide value, interval
    (when it has one) and n; it has no map view (the maps draw proportions)."""
    labels = writer.labels
    row = writer.table.numeric_value(ind)
    ci = "" if row is None or row[1] is None or row[2] is None else \
        f"{number(row[1])}–{number(row[2])}"
    return {"id": f"ind-{ind}", "theme": theme, "label": labels.indicator_label(ind, lang),
            "universe": labels.text(labels.indicators[ind].universe, lang),
            "value": number(row[0]) if row else say("cell_hidden", lang), "ci": ci,
            "n": str(row[3]) if row else "", "cells": f"{ind}|{CITY}|all|all" if row else "",
            "map": ""}


def _reference_indicator(est: pd.DataFrame) -> str | None:
    """The proportion whose city-wide n is largest (first in table order): everyone
    answered it, so its n per area and group counts respondents."""
    est = proportions(est)
    city = est[(est["area_id"] == CITY) & (est["group_var"] == "all") & (est["status"] == "ok")]
    if not len(city):
        return None
    n = pd.to_numeric(city["n"]).to_numpy()
    return str(city["indicator"].iloc[int(n.argmax())])


def _respondents(est: pd.DataFrame, reference: str | None) -> dict[tuple[str, str, str],
                                                                  int | str]:
    """Respondents per (area, group var, group value), as the published table states them.

    Every proportion whose city-wide n is the reference's (everyone answered it) counts the
    same respondents in each cell; a cell's count is the first such published ``n`` (an
    ``n`` published anywhere is public). Where none publishes it, the value says why:
    ``"small_n"`` (fewer than the threshold) or ``"protected"`` (hidden so that a small
    count cannot be worked out). Cells without interviews count 0.
    """
    if reference is None:
        return {}
    props = proportions(est)
    ref = props[(props["indicator"] == reference) & (props["area_id"] == CITY)
                & (props["group_var"] == "all")]
    full_n = ref["n"].iloc[0]
    city = props[(props["area_id"] == CITY) & (props["group_var"] == "all")
                 & (props["n"] == full_n) & (props["status"] == "ok")]
    full = [reference, *sorted(set(city["indicator"].astype(str)) - {reference})]
    rows = props[props["indicator"].isin(full)].copy()
    rows["order"] = rows["indicator"].map({ind: i for i, ind in enumerate(full)})
    rows = rows.sort_values("order", kind="stable")
    out: dict[tuple[str, str, str], int | str] = {}
    for (area, group_var, group_value), cell in rows.groupby(
            ["area_id", "group_var", "group_value"], sort=False):
        key = (str(area), str(group_var), str(group_value))
        n = pd.to_numeric(cell["n"], errors="coerce").dropna()
        status = cell["status"].astype(str)
        if (status == "no_data").all():
            out[key] = 0
        elif len(n):
            out[key] = int(n.iloc[0])
        else:
            small = (cell["suppression"].astype(str) == "small_n").any()
            out[key] = "small_n" if small else "protected"
    return out


def _design_words(design: Any, lang: str, names: dict[str, dict[str, str]]) -> str:
    """The declared design in words ("clusters: Enumerator code, column “enumerator”"), from
    the same interface texts as the interval notes."""
    from geo4mi.i18n import t

    def name(column: str) -> str:
        texts = names.get(column) or {}
        label = texts.get(lang) or next(iter(texts.values()), "")
        return (say("method_column", lang, label=label, column=column)
                if label and label != column else column)

    return "; ".join(t(f"design_{key}", lang, column=name(value))
                     for key, value in (("weight", design.weight), ("raked", design.raked),
                                        ("strata", design.strata), ("cluster", design.cluster))
                     if value)


def report_html(inputs: ReportInputs, *, lang: str | None = None,
                diffs: pd.DataFrame | None = None, map_page: str | None = None,
                compute_differences: bool = True) -> tuple[str, dict[str, int]]:
    """The report of a run as one HTML document, and its counts (findings, tested,
    rejected, cannot_tell).

    Parameters
    ----------
    inputs : ReportInputs
        :func:`inputs_from_results` of a run.
    lang : {"es", "en", "fr", "pt"}, optional
        Default: the study's language. The report is written in
        :data:`~geo4mi.report.sentences.REPORT_LANGUAGES` only: another language raises a
        :class:`~geo4mi.errors.StudyError` that says to pass ``--lang``.
    diffs : DataFrame, optional
        The differences table; by default computed from the estimates.
    map_page : str, optional
        The choropleth page the findings link to (default ``choropleth.html`` for the
        study language, ``choropleth.<lang>.html`` otherwise, as ``build`` names them).
    """
    lang = check_report_language(lang or inputs.study.language)
    if diffs is None and compute_differences:
        diffs = tested_differences(published(inputs.estimates, min_n=inputs.study.min_n))
    if map_page is None:
        map_page = map_page_name(inputs.study.language, lang)
    with use_wording(inputs.labels.wording):
        context = report_context(inputs, lang=lang, diffs=diffs, map_page=map_page)
        html = ENV.get_template("report.html").render(**context)
    return html, context["counts"]


def map_page_name(study_lang: str, lang: str) -> str:
    """The choropleth file ``build`` writes for ``lang``.

    Examples
    --------
    >>> map_page_name("es", "es"), map_page_name("es", "en")
    ('choropleth.html', 'choropleth.en.html')
    """
    return "choropleth.html" if lang == study_lang else f"choropleth.{lang}.html"


def write_report(results: Any, path: str | os.PathLike[str], *, lang: str | None = None,
                 diffs: pd.DataFrame | None = None, map_page: str | None = None,
                 pdf: str | os.PathLike[str] | None = None) -> tuple[Path, dict[str, int]]:
    """Write the report of a :class:`geo4mi.pipeline.Results` to ``path`` (atomically).

    With ``pdf``, also print the same document to that PDF file
    (:func:`geo4mi.report.pdf.write_pdf`); the PDF engine is checked before anything is
    written, so a missing engine leaves neither file.
    """
    if pdf is not None:
        from geo4mi.report.pdf import pdf_engine

        pdf_engine()
    html, counts = report_html(inputs_from_results(results), lang=lang, diffs=diffs,
                               map_page=map_page)
    path = Path(path)
    if pdf is not None:
        from geo4mi.report.pdf import write_pdf

        write_pdf(html, pdf)
    with atomic_write(path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    log.info("report: %s: %d findings, %d of %d comparisons rejected", path.name,
             counts["findings"], counts["rejected"], counts["tested"])
    return path, counts


__all__ = ["ReportInputs", "definitional", "inputs_from_results", "map_page_name",
           "report_context", "report_html", "svg_inline", "tested_differences",
           "write_report"]
