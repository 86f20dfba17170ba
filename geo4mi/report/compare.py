"""Studies side by side: cities (or rounds of one city) on the indicators they share by id.

:func:`compare` reads, for each study, its *published* city-wide cells (``area_id ==
"_city"``, all respondents; :func:`geo4mi.indicators.suppression.published`) of the
proportions that every study's catalogue defines under the same id, and returns one row
per indicator and pair of studies: each side's ``p``, 95 % interval and ``n`` (or its
``status`` when the cell is hidden: a suppressed figure is never shown as a number), the
difference ``p_a - p_b`` with Newcombe's hybrid score interval and the pooled
two-proportion z test (:mod:`geo4mi.indicators.differences`, on the effective sample
sizes when a study declares a design), the p-values adjusted by Holm's step-down method
across *all* the comparisons of the table (one family), and a ``note`` where the two
studies do not ask the same thing: the catalogue entries' question, choices, numerator or
universe differ, or the form's label of the question does.

:func:`comparison_html` renders the same table as one offline page (Jinja2 with
autoescape; an inline SVG dot-plot with intervals per indicator and study; the synthetic
banner when any study is synthetic; each study's non-representative caveat and the design
its intervals assume). Every word of the page and of the notes comes from
:data:`geo4mi.report.sentences.SENTENCES` (``compare.*``).

The two studies are treated as independent samples, which two rounds of one city with
returning respondents are not exactly.

Examples
--------
>>> text("hidden", "en"), text("hidden", "es")
('suppressed', 'suprimido')
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined

from geo4mi.errors import StudyError
from geo4mi.i18n import use_wording
from geo4mi.indicators.design import interval_note
from geo4mi.indicators.differences import (
    adjust_p_values,
    newcombe_interval,
    two_proportion_p_value,
    z_value,
)
from geo4mi.indicators.estimate import CITY, PROP
from geo4mi.indicators.suppression import published
from geo4mi.report.sentences import SENTENCES, check_report_language

log = logging.getLogger(__name__)

ENV = Environment(loader=PackageLoader("geo4mi.report", "templates"), autoescape=True,
                  undefined=StrictUndefined, keep_trailing_newline=True)

#: Columns of the table :func:`compare` returns, in order.
COLUMNS = ("indicator", "label", "study_a", "study_b",
           "p_a", "ci_low_a", "ci_high_a", "n_a", "status_a",
           "p_b", "ci_low_b", "ci_high_b", "n_b", "status_b",
           "diff", "diff_low", "diff_high", "p_value", "p_adjusted", "significant",
           "direction", "method", "note", "data_note")
ALPHA = 0.05



def text(key: str, lang: str, **fields: object) -> str:
    """Text ``compare.<key>`` of the report's sentences
    (:data:`geo4mi.report.sentences.SENTENCES`) in ``lang``, ``fields`` filled in once."""
    return SENTENCES[f"compare.{key}"][lang].format(**fields)


@dataclass(frozen=True)
class Side:
    """One study as the comparison reads it: aggregates only (:func:`side_from_results`)."""

    key: str                 # short name in the table (the study file's stem, made unique)
    study: Any               # geo4mi.study.Study
    catalogue: Any           # geo4mi.indicators.catalogue.Catalogue
    form: Any                # geo4mi.survey.xlsform.Form
    labels: Any              # geo4mi.labels.Labels
    estimates: pd.DataFrame  # the published estimates

    def title(self, lang: str) -> str:
        titles = self.study.title or {}
        return str(titles.get(lang) or next(iter(titles.values()), "") or self.key)


def side_from_results(results: Any, key: str | None = None) -> Side:
    """The published aggregates of a :class:`geo4mi.pipeline.Results` (hidden cells stay
    hidden: the estimates go through :func:`~geo4mi.indicators.suppression.published`)."""
    study = results.study
    return Side(key=key or Path(study.path).stem, study=study, catalogue=results.catalogue,
                form=results.form, labels=results.labels,
                estimates=published(results.estimates, min_n=study.min_n))


def require_studies(paths: Sequence[str | os.PathLike[str]]) -> None:
    """Refuse fewer than two study files, or one given twice, before any is run.

    Examples
    --------
    >>> require_studies(["a.toml"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo4mi.errors.StudyError: compare: give at least two study files (got 1: a.toml); ...
    """
    if len(paths) < 2:
        got = ", ".join(map(str, paths)) or "none"
        raise StudyError(f"compare: give at least two study files (got {len(paths)}: {got}); "
                         "e.g. geo4mi compare city_a.toml city_b.toml --out DIR")
    seen: set[Path] = set()
    for p in paths:
        resolved = Path(p).resolve()
        if resolved in seen:
            raise StudyError(f"compare: {p} is given twice; give each study file once")
        seen.add(resolved)


def _unique_keys(keys: Sequence[str]) -> list[str]:
    """``["a", "a", "b"]`` -> ``["a", "a_2", "b"]``."""
    out: list[str] = []
    for k in keys:
        name, i = k, 2
        while name in out:
            name, i = f"{k}_{i}", i + 1
        out.append(name)
    return out


def _proportions(side: Side) -> dict[str, Any]:
    return {ind.id: ind for ind in side.catalogue.indicators if ind.stat == PROP}


def shared_indicators(sides: Sequence[Side]) -> list[str]:
    """Ids of the proportions every study defines, in the first study's catalogue order.

    Raises
    ------
    StudyError
        Fewer than two studies, or a study that shares no proportion with the first.
    """
    require_studies([s.study.path for s in sides])
    first = _proportions(sides[0])
    ids = list(first)
    for side in sides[1:]:
        own = _proportions(side)
        if not set(first) & set(own):
            raise StudyError(f"compare: {side.study.path} shares no indicator id with "
                             f"{sides[0].study.path}; the catalogues must define the same "
                             "indicators under the same ids")
        ids = [i for i in ids if i in own]
    if not ids:
        raise StudyError("compare: no indicator id is defined in every study ("
                         + ", ".join(str(s.study.path) for s in sides) + "); compare fewer "
                         "studies or give their catalogues common ids")
    return ids


def city_cells(side: Side, ids: Sequence[str]) -> pd.DataFrame:
    """The published city-wide cell (all respondents) of each indicator in ``ids``.

    Columns ``p, ci_low, ci_high, n, n_eff, status`` indexed by indicator; a hidden cell
    has NA values (``n`` only where the publication rule keeps it), ``status``
    ``"suppressed"``; an indicator without a city row is ``"no_data"``.
    """
    est = side.estimates
    rows = est[(est["area_id"].astype(str) == CITY) & (est["group_var"].astype(str) == "all")
               & (est["group_value"].astype(str) == "all")]
    rows = rows.drop_duplicates("indicator").set_index(rows["indicator"].astype(str)
                                                       .drop_duplicates())
    out = pd.DataFrame(index=pd.Index(list(ids), name="indicator"))
    for col in ("p", "ci_low", "ci_high", "n", "n_eff"):
        out[col] = (pd.to_numeric(rows[col], errors="coerce").reindex(out.index)
                    .astype("float64") if col in rows.columns else np.nan)
    out["status"] = rows["status"].astype(str).reindex(out.index).fillna("no_data")
    hidden = out["status"] != "ok"
    out.loc[hidden, ["p", "ci_low", "ci_high", "n_eff"]] = np.nan
    out["n_eff"] = out["n_eff"].fillna(out["n"])
    return out


def _text_of(expr: Any) -> str:
    return "" if expr is None else str(expr.text)


def _label(form: Any, question: str, lang: str) -> str:
    if form is None or not question or not form.has_question(question):
        return ""
    return str(form.label(question, lang if lang in form.languages else None))


def definition_notes(a: Side, b: Side, indicator: str, lang: str) -> list[str]:
    """Where studies ``a`` and ``b`` do not ask the same thing for ``indicator``.

    Compares the catalogue entries' question, choices, numerator and universe, and the
    forms' labels of the question in ``lang``; one text of
    :data:`geo4mi.report.sentences.SENTENCES` (``compare.*``) per difference,
    with both sides' values (``"the universe differs (a: x == 'y'; b: all respondents)"``).
    """
    ia, ib = _proportions(a)[indicator], _proportions(b)[indicator]
    every = text("all_respondents", lang)
    pairs = [("note_question", ia.question or "", ib.question or ""),
             ("note_choices", ", ".join(sorted(ia.choices)), ", ".join(sorted(ib.choices))),
             ("note_numerator", _text_of(ia.numerator), _text_of(ib.numerator)),
             ("note_universe", _text_of(ia.universe) or every, _text_of(ib.universe) or every)]
    if ia.question and ia.question == ib.question:
        pairs.append(("note_label", _label(a.form, ia.question, lang),
                      _label(b.form, ib.question, lang)))
    return [f"{text(key, lang)} ({a.key}: {va or '—'}; {b.key}: {vb or '—'})"
            for key, va, vb in pairs if va.strip() != vb.strip()]


def compare(sides: Sequence[Side], *, lang: str = "en", alpha: float = ALPHA) -> pd.DataFrame:
    """One row per shared indicator and pair of studies, with the tested difference.

    Parameters
    ----------
    sides : sequence of Side
        Two or more studies (:func:`side_from_results`); pairs are taken in this order
        (``study_a`` before ``study_b``).
    lang : {"es", "en", "fr", "pt"}, default "en"
        Language of ``label`` and ``note``.
    alpha : float, default 0.05
        Level of the tests (and of the intervals of the differences).

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`. ``p_adjusted`` is Holm's across every tested row of the
        table; rows where a side is hidden or has no interviews are not tested (NA).

    Raises
    ------
    StudyError
        Fewer than two studies, or no shared indicator (:func:`shared_indicators`).
    """
    lang = check_report_language(lang)
    ids = shared_indicators(sides)
    cells = [city_cells(s, ids) for s in sides]
    pieces = []
    for (i, a), (j, b) in combinations(enumerate(sides), 2):
        ca, cb = cells[i], cells[j]
        frame = pd.DataFrame({"indicator": ids, "study_a": a.key, "study_b": b.key})
        for suffix, c in (("a", ca), ("b", cb)):
            for col in ("p", "ci_low", "ci_high", "n"):
                frame[f"{col}_{suffix}"] = c[col].to_numpy()
            frame[f"status_{suffix}"] = c["status"].to_numpy()
            frame[f"_neff_{suffix}"] = c["n_eff"].to_numpy()
        frame["_design"] = bool((ca["n_eff"] < ca["n"]).any() or (cb["n_eff"] < cb["n"]).any())
        frame["note"] = ["; ".join(definition_notes(a, b, ind, lang)) for ind in ids]
        pieces.append(frame)
    table = pd.concat(pieces, ignore_index=True)
    tested = ((table["status_a"] == "ok") & (table["status_b"] == "ok")
              & table["p_a"].notna() & table["p_b"].notna()
              & (table["_neff_a"] > 0) & (table["_neff_b"] > 0)).to_numpy()
    pa, pb = table["p_a"].to_numpy(), table["p_b"].to_numpy()
    na, nb = table["_neff_a"].to_numpy(), table["_neff_b"].to_numpy()
    low, high, pval, padj = (np.full(len(table), np.nan) for _ in range(4))
    if tested.any():
        low[tested], high[tested] = newcombe_interval(pa[tested], na[tested], pb[tested],
                                                      nb[tested], z=z_value(float(alpha)))
        pval[tested] = two_proportion_p_value(pa[tested], na[tested], pb[tested], nb[tested])
        padj[tested] = adjust_p_values(pval[tested], "holm")
    table["diff"] = np.where(tested, pa - pb, np.nan)
    table["diff_low"], table["diff_high"] = low, high
    table["p_value"], table["p_adjusted"] = pval, padj
    sig = tested & (padj < alpha) & ((low > 0) | (high < 0))
    table["significant"] = pd.array(np.where(tested, sig, pd.NA), dtype="boolean")
    table["direction"] = np.where(sig, np.where(pa > pb, "higher", "lower"), "")
    m = int(tested.sum())
    table["method"] = [
        (f"newcombe_wilson{'_neff' if d else ''}; z_pooled; holm across {m} comparisons"
         if t else "") for t, d in zip(tested, table["_design"], strict=True)]
    labels = sides[0].labels
    table["label"] = [labels.indicator_label(ind, lang) for ind in table["indicator"]]
    synthetic = [s.key for s in sides if s.study.synthetic]
    table["data_note"] = (f"{text('synthetic', lang)}: {', '.join(synthetic)}"
                          if synthetic else "")
    log.info("compare: %d indicators, %d pairs, %d tested, %d significant (Holm, alpha %g)",
             len(ids), len(pieces), m, int(sig.sum()), alpha)
    return table[list(COLUMNS)]


# -- the page -----------------------------------------------------------------------------

def _pct(p: float) -> str:
    return f"{100 * p:.0f}\u00a0%"


def _value(p: float, low: float, high: float, n: float, status: str, lang: str) -> str:
    if status == "ok" and not math.isnan(p):
        return text("value", lang, p=_pct(p), low=f"{100 * low:.0f}", high=_pct(high),
                    n=int(n))
    return text("no_data" if status == "no_data" else "hidden", lang)


def _points(p: float) -> str:
    return f"{100 * p:+.1f}".replace("-", "−")


def comparison_context(sides: Sequence[Side], table: pd.DataFrame, *, lang: str,
                       alpha: float = ALPHA) -> dict[str, Any]:
    """What ``compare.html`` shows (plain strings and numbers; the template escapes)."""
    letters = [chr(ord("A") + k) if k < 26 else f"S{k + 1}" for k in range(len(sides))]
    key_of = {s.key: letter for s, letter in zip(sides, letters, strict=True)}
    studies = []
    for s, letter in zip(sides, letters, strict=True):
        with use_wording(s.labels.wording):
            words = s.labels.wording.words(lang) if s.labels.wording else {}
            caveat = text("caveat", lang, population=words.get("population", ""),
                          place=words.get("place", ""))
            design = interval_note(s.study, lang, names=s.labels.columns)
        studies.append({"letter": letter, "key": s.key, "title": s.title(lang),
                        "synthetic": bool(s.study.synthetic), "caveat": caveat,
                        "design": design})
    first_pair = table[(table["study_a"] == sides[0].key)
                       & (table["study_b"] == sides[1].key)]
    width, row_h, left = 360, 18, 34
    indicators = []
    for ind in dict.fromkeys(table["indicator"]):
        rows = table[table["indicator"] == ind]
        values = []
        for k, s in enumerate(sides):
            if k == 0:
                r, suffix = rows.iloc[0], "a"
            else:
                r = rows[rows["study_b"] == s.key].iloc[0]
                suffix = "b"
            p, lo, hi = (float(r[f"{c}_{suffix}"]) for c in ("p", "ci_low", "ci_high"))
            status = str(r[f"status_{suffix}"])
            shown = status == "ok" and not math.isnan(p)
            values.append({
                "letter": letters[k], "text": _value(p, lo, hi, float(r[f"n_{suffix}"]),
                                                     status, lang),
                "shown": shown, "y": 12 + k * row_h,
                "x": round(left + p * (width - left - 8), 1) if shown else 0,
                "x0": round(left + lo * (width - left - 8), 1) if shown else 0,
                "x1": round(left + hi * (width - left - 8), 1) if shown else 0,
                "hidden_text": "" if shown else _value(p, lo, hi, 0, status, lang)})
        diffs: list[dict[str, Any]] = []
        for _, r in rows.iterrows():
            a, b = key_of[str(r["study_a"])], key_of[str(r["study_b"])]
            if pd.isna(r["significant"]):
                diffs.append({"text": text("untested", lang, a=a, b=b), "verdict": ""})
                continue
            verdict = (text(str(r["direction"]), lang, a=a, b=b) if bool(r["significant"])
                       else text("cannot_tell", lang))
            diffs.append({"text": text("diff", lang, a=a, b=b, d=_points(r["diff"]),
                                       low=_points(r["diff_low"]),
                                       high=_points(r["diff_high"]),
                                       padj=f"{r['p_adjusted']:.3g}"),
                          "verdict": verdict, "significant": bool(r["significant"])})
        notes = [str(n) for n in rows["note"] if str(n)]
        indicators.append({"id": ind, "label": str(rows["label"].iloc[0]), "values": values,
                           "diffs": diffs, "notes": notes,
                           "height": 12 + len(sides) * row_h})
    tested = int(table["significant"].notna().sum())
    ticks = [{"x": round(left + f * (width - left - 8), 1), "label": f"{int(100 * f)}"}
             for f in (0, 0.25, 0.5, 0.75, 1.0)]
    return {"lang": lang, "title": text("title", lang),
            "intro": text("intro", lang, k=len(first_pair), m=len(sides)),
            "synthetic": any(s["synthetic"] for s in studies), "banner": text("banner", lang),
            "studies": studies, "indicators": indicators, "ticks": ticks, "width": width,
            "left": left, "method": text("method", lang, m=tested, alpha=alpha),
            "css": ENV.loader.get_source(ENV, "report.css")[0],  # type: ignore[union-attr]
            "t": {k: text(k, lang) for k in ("studies", "indicators", "method_head",
                                              "col_indicator", "col_study", "col_value",
                                              "col_difference", "col_note", "legend",
                                              "synthetic", "generated_by")}}


def comparison_html(sides: Sequence[Side], table: pd.DataFrame, *, lang: str,
                    alpha: float = ALPHA) -> str:
    """The comparison page: one self-contained offline HTML document."""
    context = comparison_context(sides, table, lang=check_report_language(lang), alpha=alpha)
    return ENV.get_template("compare.html").render(**context)


def write_comparison(results: Sequence[Any], out_dir: str | os.PathLike[str], *,
                     lang: str | None = None, alpha: float = ALPHA) -> list[Path]:
    """Compare the runs ``results`` and write ``comparison.csv`` and ``comparison.html``
    into ``out_dir`` (each atomically, after both are made).

    ``lang`` defaults to the first study's language.

    Raises
    ------
    StudyError
        Fewer than two studies, no shared indicator, or a language the page is not
        written in.
    """
    from geo4mi.io import atomic_write, write_csv

    require_studies([r.study.path for r in results])
    lang = check_report_language(lang or results[0].study.language)
    keys = _unique_keys([Path(r.study.path).stem for r in results])
    sides = [side_from_results(r, k) for r, k in zip(results, keys, strict=True)]
    table = compare(sides, lang=lang, alpha=alpha)
    html = comparison_html(sides, table, lang=lang, alpha=alpha)
    out = Path(out_dir)
    csv_path = write_csv(table, out / "comparison.csv", bom=True, float_format="%.6g")
    html_path = out / "comparison.html"
    with atomic_write(html_path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return [csv_path, html_path]


__all__ = ["COLUMNS", "Side", "city_cells", "compare", "comparison_context",
           "comparison_html", "definition_notes", "require_studies", "shared_indicators",
           "side_from_results", "text", "write_comparison"]
