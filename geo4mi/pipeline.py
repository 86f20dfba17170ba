"""The whole flow for one study: boundaries + survey -> placed respondents -> estimates.

:func:`run` is the one function the CLI, maps and figures call. What it returns is
everything the outputs need; only ``respondents`` is respondent-level, and no writer in
geo4mi reads it.

:func:`check` is the first half of :func:`run`: it reads and places every row and builds
the data-quality report, and lists in it the problems that would stop :func:`run`
(:data:`geo4mi.survey.quality.ERROR_CHECKS`) instead of raising them, so that
``geo4mi check`` always has a report to show:

- a question the catalogue reads (an indicator's question, numerator or universe, a derived
  variable's source) or a grouping variable has no column in the export;
- a duplicated question name, or two export columns holding one question, where the
  catalogue (or the area, GPS or id column) reads that question — elsewhere they are
  warnings;
- fewer than ``[survey] min_placed_share`` of the analysed respondents are placed in an
  area.

:func:`check` also measures the re-identification risk of the analysed respondents on the
study's quasi-identifiers (:mod:`geo4mi.disclosure`): k-anonymity counts and sdcMicro's
global risk against ``[disclosure] max_global_risk``.
"""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from geo4mi.boundaries import load_areas
from geo4mi.disclosure import microdata_risk
from geo4mi.errors import FormError, Geo4miError, StudyError, SurveyDataError
from geo4mi.indicators.catalogue import (
    Catalogue,
    add_derived,
    add_numeric,
    build_labels,
    columns_needed,
    load_catalogue,
)
from geo4mi.indicators.design import design_from_study, design_labels
from geo4mi.indicators.estimate import estimate, estimate_with_truth
from geo4mi.labels import Labels
from geo4mi.progress import stage
from geo4mi.study import Study, load_study
from geo4mi.survey.exports import read_export
from geo4mi.survey.placement import place_respondents
from geo4mi.survey.quality import (
    ERROR_CHECKS,
    ID_COLUMNS,
    apply_exclusions,
    find_id_column,
    problem,
    quality_report,
)
from geo4mi.survey.xlsform import Form, read_form

if TYPE_CHECKING:  # pragma: no cover
    from geo4mi.outputs import FigureOptions, HtmlMap, MapOptions, SiteMapOptions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checked:
    """A study read and placed, with its data-quality report (:func:`check`).

    ``placed`` holds every row read, ``kept`` those analysed (both respondent-level: never
    written to shared outputs).
    """

    study: Study
    areas: gpd.GeoDataFrame
    form: Form
    catalogue: Catalogue
    placed: pd.DataFrame
    kept: pd.DataFrame
    quality: pd.DataFrame

    @property
    def errors(self) -> list[tuple[str, str]]:
        """``(check, reason)`` of each problem that stops :func:`run`, in report order."""
        rows = self.quality[self.quality["check"].isin(ERROR_CHECKS)]
        return [(str(c), str(r)) for c, r in zip(rows["check"], rows["reason"], strict=True)]


@dataclass(frozen=True)
class Results:
    """Everything computed for a study.

    ``respondents`` holds the respondents kept for analysis (respondent-level: never
    written to shared outputs); ``quality`` lists every excluded or flagged row.
    """

    study: Study
    areas: gpd.GeoDataFrame
    form: Form
    respondents: pd.DataFrame
    catalogue: Catalogue
    labels: Labels
    estimates: pd.DataFrame
    quality: pd.DataFrame
    #: Figures hidden by disclosure control beyond small-cell suppression
    #: (:func:`geo4mi.indicators.protect.protect`); None when ``[disclosure] protect`` is off.
    protection: pd.DataFrame | None = None
    #: :func:`~geo4mi.indicators.audit.table_digest` of the true estimates (nothing hidden)
    #: disclosure control protected ``estimates`` against; None when it did not run. The
    #: final audit finds protect's last check by it instead of estimating them again.
    truth_key: bytes | None = None

    def interviews_per_area(self) -> pd.Series:
        """Respondents placed in each area (0 where none), indexed by ``area_id``."""
        counts = self.respondents["area_id"].value_counts()
        return (counts.reindex(self.areas["area_id"], fill_value=0)
                .rename("interviews").astype("int64"))

    def published_interviews(self) -> tuple[pd.Series, int | None]:
        """Interviews per area as every map and figure may show them, and the total.

        An area's count is shown only where the protected estimates already publish it
        as the ``n`` of some indicator's whole-area cell (everyone answered that question
        there), or where nobody was interviewed; otherwise it is NA (``Int64``): a small
        area, or one hidden so that a small one cannot be worked out from the total. The
        total likewise (None when hidden). :meth:`interviews_per_area` has the raw counts,
        for the analyst only.

        Examples
        --------
        >>> from geo4mi.study import bundled_study_path
        >>> counts, total = run(bundled_study_path()).published_interviews()
        >>> total, int(counts.isna().sum()), int((counts == 0).sum()), int(counts["09015"])
        (301, 2, 6, 96)
        """
        from geo4mi.indicators.suppression import published

        est = published(self.estimates, min_n=self.study.min_n)
        whole = est[est["group_var"].astype(str) == "all"]
        if "stat" in whole.columns:
            whole = whole[whole["stat"].astype(str) == "prop"]
        shown = (whole.assign(n=pd.to_numeric(whole["n"], errors="coerce"))
                 .dropna(subset=["n"]).groupby(whole["area_id"].astype(str))["n"]
                 .agg(lambda v: set(v.astype(int))))
        raw = self.interviews_per_area()
        raw.index = raw.index.astype(str)
        keep = [n == 0 or n in shown.get(a, set()) for a, n in raw.items()]
        counts = pd.Series(pd.array(raw.where(keep), dtype="Int64"), index=raw.index,
                           name="interviews")
        total = int(raw.sum())
        return counts, total if total in shown.get("_city", set()) else None

    def published_answer_counts(self, question: str) -> pd.Series:
        """Respondents per answer to ``question`` as a figure may show them.

        An answer's count is kept when it is ``min_n`` or more and cannot be used against
        the estimates: when ``question`` feeds a grouping variable of the study (a
        derived ``nationality_group``), the group's city-wide count must be published by
        the estimates and what the kept answers leave of it must be 0 or ``min_n`` or
        more; otherwise the smallest kept answer of the group is dropped, and so on. The
        dropped answers are left out (a chart lumps them into "other"). Without such a
        grouping variable, answers of ``min_n`` or more are kept.

        Examples
        --------
        >>> from geo4mi.study import bundled_study_path
        >>> counts = run(bundled_study_path()).published_answer_counts("nationality")
        >>> counts.to_dict()  # Central America's 96 less 51 + 24 would leave 21; 15 goes
        {'venezuela': 121, 'honduras': 51, 'colombia': 48, 'el_salvador': 24}
        """
        from geo4mi.indicators.suppression import published

        min_n = self.study.min_n
        counts = self.nationality_counts(question)
        kept = counts[counts >= min_n]
        groups = [d for d in self.catalogue.derived.values() if d.source == question
                  and d.mapping and d.name in self.study.indicators.groups]
        if not groups:
            return kept
        est = published(self.estimates, min_n=min_n)
        city = est[(est["area_id"].astype(str) == "_city")]
        out = kept
        for derived in groups:
            rows = city[city["group_var"].astype(str) == derived.name]
            shown = (rows.assign(n=pd.to_numeric(rows["n"], errors="coerce")).dropna(subset=["n"])
                     .groupby(rows["group_value"].astype(str))["n"]
                     .agg(lambda v: set(v.astype(int))))
            group_of = {str(k): str(v) for k, v in (derived.mapping or {}).items()}
            sizes = self.respondents[derived.name].astype("string").value_counts()
            keep = []
            for value in dict.fromkeys(group_of.values()):
                size = int(sizes.get(value, 0))
                members = out[[str(a) in group_of and group_of[str(a)] == value
                               for a in out.index]].sort_values(ascending=False)
                if size not in shown.get(value, set()):
                    continue  # the group's count is hidden: none of its answers is shown
                while len(members) and 0 < size - int(members.sum()) < min_n:
                    members = members.iloc[:-1]
                keep.extend(members.index)
            out = out[out.index.isin(keep)]
        return out

    def nationality_counts(self, question: str) -> pd.Series:
        """Respondents per answer to ``question`` (an aggregate, safe to publish)."""
        return self.respondents[question].value_counts(dropna=True).rename("respondents")

    # -- outputs (geo4mi.outputs holds the code; each refuses a disclosive run first) --

    def choropleth(self, options: MapOptions | None = None) -> HtmlMap:
        """The interactive choropleth (:func:`geo4mi.outputs.choropleth`)."""
        from geo4mi import outputs

        return outputs.choropleth(self, options)

    def sites_map(self, options: SiteMapOptions | None = None, *, plan: pd.DataFrame | None = None,
                  sites: gpd.GeoDataFrame | None = None) -> HtmlMap:
        """The site map (:func:`geo4mi.outputs.sites_map`)."""
        from geo4mi import outputs

        return outputs.sites_map(self, options, plan=plan, sites=sites)

    def figures(self, out_dir: str | os.PathLike[str], options: FigureOptions | None = None, *,
                overwrite: bool = True,
                progress: bool | Callable[[float], None] = False) -> list[Path]:
        """Write the static figures into ``out_dir`` (:func:`geo4mi.outputs.figures`)."""
        from geo4mi import outputs

        return outputs.figures(self, out_dir, options, overwrite=overwrite, progress=progress)

    def write_tables(self, out_dir: str | os.PathLike[str], *, lang: str | None = None,
                     overwrite: bool = False) -> list[Path]:
        """Write the estimates tables into ``out_dir`` (:func:`geo4mi.outputs.write_tables`)."""
        from geo4mi import outputs

        return outputs.write_tables(self, out_dir, lang=lang, overwrite=overwrite)

    def report(self, path: str | os.PathLike[str], *, lang: str | None = None,
               map_page: str | None = None, overwrite: bool = False) -> Path:
        """Write the findings report (:func:`geo4mi.outputs.report`)."""
        from geo4mi import outputs

        return outputs.report(self, path, lang=lang, map_page=map_page, overwrite=overwrite)


def _readers(readers: list[str]) -> str:
    shown = ", ".join(readers[:3])
    return shown + (f" and {len(readers) - 3} more" if len(readers) > 3 else "")


def _study_reader(reader: str) -> str | None:
    """The study key (``[indicators]`` groups, numeric, ratios) behind a reader of
    :func:`~geo4mi.indicators.catalogue.columns_needed`; None for the catalogue's."""
    if reader.startswith("group "):
        return "groups"
    found = re.search(r"\(\[indicators\] (numeric|ratios)\)$", reader)
    return found.group(1) if found else None


def _column_problems(study: Study, form: Form, raw: pd.DataFrame, issues: pd.DataFrame,
                     needed: Mapping[str, list[str]]) -> list[dict[str, object]]:
    """Missing, duplicated or doubled columns: errors where something reads them."""
    s = study.survey
    export = Path(s.export).name
    out: list[dict[str, object]] = []
    reads = {k: list(v) for k, v in needed.items()}
    for role, name in (("area column", s.area_column), ("GPS question", s.gps_question)):
        if name:
            reads.setdefault(name, []).append(f"the {role} ([survey] in {study.path.name})")
    absent = set(raw.attrs.get("absent_questions", ()))
    for question, readers in needed.items():
        if question in absent:
            # who reads it: the catalogue, the study's groups, its numeric statistics
            study_keys = [key for key in ("groups", "numeric", "ratios")
                          if any(_study_reader(r) == key for r in readers)]
            where = " and ".join(
                ([f"{study.indicators.catalogue}"] if any(_study_reader(r) is None
                                                           for r in readers) else [])
                + ([f"[indicators] {' / '.join(study_keys)} of {study.path}"]
                   if study_keys else []))
            out.append(problem(
                "catalogue_column_missing", column=question, reason=(
                    f"{export}: no column for question {question!r}, which "
                    f"{_readers(readers)} read; every estimate from it would be 'no data'. "
                    f"Add the column to the export, or remove what reads it from {where}")))
    for name, rows in form.duplicates.items():
        rows_text = ", ".join(map(str, rows))
        if name in reads:
            out.append(problem("duplicate_question_used", column=name, reason=(
                f"{form.path}: sheet 'survey': question name {name!r} appears {len(rows)} "
                f"times (rows {rows_text}) and {_readers(reads[name])} read it; give each "
                "question its own name in the form (and the export)")))
        else:
            out.append(problem("duplicate_question", column=name, reason=(
                f"question name {name!r} appears {len(rows)} times in the survey sheet of "
                f"{form.path.name} (rows {rows_text}); the first is read, the others are "
                "ignored (nothing in the catalogue reads them)")))
    doubled = issues[issues["kind"] == "duplicate_column"] if len(issues) else issues
    columns = raw.attrs.get("columns", {})
    for header, question in zip(doubled.get("column", []), doubled.get("value", []), strict=True):
        specify_other = str(header).casefold().endswith("_other")
        if question in reads and not specify_other:
            out.append(problem("duplicate_column_used", column=str(header), value=question,
                               reason=(
                f"{export}: columns {columns.get(question, question)!r} and {header!r} both "
                f"hold question {question!r}, which {_readers(reads[question])} read; delete "
                "or rename one of them")))
    return out


def _disclosure_rows(study: Study, catalogue: Catalogue, kept: pd.DataFrame, *,
                     area_column: str | None, blocked: bool) -> list[dict[str, object]]:
    """Report rows with the microdata risk on the study's quasi-identifiers."""
    declared = study.disclosure.quasi_identifiers
    keys = list(declared or ("area_id", *study.indicators.groups))
    if blocked:
        return [problem("disclosure_risk", "not measured: fix the errors above first")]
    frame = add_derived(kept, catalogue)
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        if declared is not None:  # the user named it: say so loudly
            return [problem("missing_column", column=missing[0], reason=(
                f"quasi-identifier {missing[0]!r} ([disclosure] quasi_identifiers) is neither "
                "a question of the form nor a derived variable of the catalogue; fix the "
                "name"))]
        keys = [k for k in keys if k in frame.columns]
    summary = microdata_risk(frame, keys, threshold=study.disclosure.max_global_risk)
    on = ", ".join(summary.keys)
    advice = ("" if summary.passes else "; do not share the respondent-level data (published "
              "tables and maps stay protected by suppression)")
    log.info("re-identification risk on %s: %.1f %% (%d unique)", on,
             100 * summary.global_risk, summary.violating[2])
    rows = [problem(f"disclosure_k{k}", value=str(count), reason=(
        f"respondents whose combination of {on} fewer than {k} respondents share (fk < {k}, "
        "k-anonymity; a missing value matches any)")) for k, count in summary.violating.items()]
    rows.append(problem("disclosure_risk", value=f"{100 * summary.global_risk:.1f} %", reason=(
        f"global re-identification risk on {on} (sdcMicro: "
        f"{summary.expected_reidentifications:.1f} expected re-identifications among "
        f"{summary.n}) is {'below' if summary.passes else 'above'} the "
        f"{100 * summary.threshold:g} % threshold of the OCHA Centre for Humanitarian "
        f"Data{advice}")))
    return rows


def _with_numeric(study: Study, catalogue: Catalogue, form: Form) -> Catalogue:
    """The catalogue with the study's numeric statistics ([indicators] numeric, ratios)."""
    ind = study.indicators
    return add_numeric(catalogue, form, questions=ind.numeric, ratios=ind.ratios,
                       missing_codes=ind.missing_codes, source=str(study.path))


def _numeric_problems(study: Study, catalogue: Catalogue,
                      kept: pd.DataFrame) -> list[dict[str, object]]:
    """One report row per numeric statistic and reason of answers left out."""
    from geo4mi.indicators.numeric import numeric_exclusions

    why = {"missing": "not asked or not answered (or not a number: see bad_number)",
           "code": f"a code, not a value ([indicators] missing_codes in {study.path.name})",
           "out_of_range": "outside the range of the form's constraint"}
    table = numeric_exclusions(kept, catalogue.indicators)
    return [problem("numeric_excluded", column=str(q), value=str(count), reason=(
        f"{count} answer(s) left out of {iid!r}: {why[reason]}"))
        for iid, q, reason, count in table.itertuples(index=False)]


def _placed_problem(study: Study, kept: pd.DataFrame) -> dict[str, object] | None:
    """Too few analysed respondents placed in an area (``min_placed_share``)."""
    s = study.survey
    n = len(kept)
    unplaced = (kept["placement"] == "unassigned").fillna(True).to_numpy(dtype=bool) \
        if n else []
    placed = n - int(sum(unplaced))
    if n and placed:
        log_unplaced = n - placed
        if log_unplaced:
            log.warning("%s: %d of %d analysed respondents are not placed in any area; they "
                        "count in city-wide estimates only (geo4mi check lists them)",
                        Path(s.export).name, log_unplaced, n)
    if n and placed >= s.min_placed_share * n:
        return None
    if not n:
        reason = (f"{Path(s.export).name}: no respondent is analysed (every row read was "
                  "excluded; geo4mi check lists why)")
        return problem("few_placed", reason=reason, value="0")
    values = (kept.loc[unplaced, "_area_value"] if "_area_value" in kept
              else pd.Series([pd.NA] * int(sum(unplaced)), dtype="string"))
    common = Counter("(no value)" if pd.isna(v) else str(v) for v in values).most_common(3)
    shown = ", ".join(f"{v!r} ({c})" if v != "(no value)" else f"{v} ({c})"
                      for v, c in common)
    reason = (f"{study.path}: only {placed} of {n} analysed respondents ({placed / n:.0%}) are "
              f"placed in an area, fewer than [survey] min_placed_share = "
              f"{s.min_placed_share:g}; most common values of {s.area_column!r} among the "
              f"others: {shown}. Check that area_column names the right column and that its "
              "values are area names or ids of the boundaries (or lower min_placed_share)")
    if not s.area_column:
        reason = (f"{study.path}: only {placed} of {n} analysed respondents ({placed / n:.0%}) "
                  "are placed in an area by GPS, and the study has no area_column, fewer "
                  f"than [survey] min_placed_share = {s.min_placed_share:g}; name the area "
                  "column in the study file (or lower min_placed_share)")
    return problem("few_placed", reason=reason, value=str(placed))


_PROTECTED: dict[bytes, tuple[pd.DataFrame, pd.DataFrame]] = {}


def _protect_cached(estimates: pd.DataFrame, catalogue: Catalogue, min_n: int,
                    truth: pd.DataFrame, truth_key: bytes | None = None
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`~geo4mi.indicators.protect.protect`, remembered for the same tables within
    one process (a notebook or a test session running a study again gets copies).
    ``truth_key``: ``truth``'s :func:`~geo4mi.indicators.audit.table_digest`, if known."""
    from geo4mi.indicators.audit import fingerprint
    from geo4mi.indicators.protect import protect

    key = fingerprint(estimates, catalogue, min_n=min_n,  # what protect reads
                      truth=truth if truth_key is None else truth_key)
    if key not in _PROTECTED:
        if len(_PROTECTED) >= 8:
            _PROTECTED.pop(next(iter(_PROTECTED)))
        _PROTECTED[key] = protect(estimates, catalogue, min_n=min_n, truth=truth,
                                  truth_key=truth_key)
    safe, lost = _PROTECTED[key]
    return safe.copy(deep=False), lost.copy()  # copy-on-write: no second table in memory


def check(study: Study | str | os.PathLike[str]) -> Checked:
    """Read, place and exclude; build the data-quality report with every problem in it.

    Problems in the data that :func:`run` refuses are rows of the report (their ``check``
    is in :data:`~geo4mi.survey.quality.ERROR_CHECKS`). Files that cannot be read at all
    still raise a :class:`~geo4mi.errors.Geo4miError`.

    Examples
    --------
    >>> from geo4mi.study import bundled_study_path
    >>> checked = check(bundled_study_path())
    >>> len(checked.placed), checked.errors
    (301, [])
    """
    if not isinstance(study, Study):
        study = load_study(study)
    b, s = study.boundaries, study.survey
    stage(f"reading the boundaries {Path(b.path).name}")
    areas = load_areas(b.path, layer=b.layer, id_field=b.id_field, name_field=b.name_field,
                       crs=b.crs)
    form = read_form(s.form)
    catalogue = _with_numeric(study, load_catalogue(study.indicators.catalogue, form=form),
                              form)
    keep = [c for c in (s.area_column, *([s.id_column] if s.id_column else ID_COLUMNS))
            if c and not form.has_question(c)]
    stage(f"reading the export {Path(s.export).name}")
    raw, read_issues = read_export(s.export, form, encoding=s.encoding, sheet=s.sheet,
                                   layout=s.layout, keep=keep)
    problems = []
    if s.area_column and not form.has_question(s.area_column) \
            and s.area_column not in raw.columns:
        log.warning("%s: area column %r is neither a question of %s nor a column of the "
                    "export; placing by GPS only", Path(s.export).name, s.area_column,
                    form.path.name)
        problems.append(problem("missing_column", column=s.area_column, reason=(
            f"area column {s.area_column!r} ([survey] area_column) is neither a question of "
            f"the form nor a column of the export; respondents are placed by GPS only")))
    stage(f"placing {len(raw):,} respondents in {len(areas):,} areas")
    placed = place_respondents(raw, areas, area_column=s.area_column,
                               gps_question=s.gps_question, policy=s.placement,
                               border_tolerance_m=s.border_tolerance_m, form=form,
                               read_issues=read_issues, aliases=b.aliases)
    id_column = find_id_column(placed, s.id_column)
    kept, excluded = apply_exclusions(placed, exclude=s.exclude, id_column=id_column)
    needed = columns_needed(catalogue, study.indicators.groups)
    problems += _column_problems(study, form, raw, read_issues, needed)
    if not any(p["check"] == "catalogue_column_missing" for p in problems):
        problems += _numeric_problems(study, catalogue, kept)
    few = _placed_problem(study, kept)
    if few is not None:
        problems.append(few)
    problems.sort(key=lambda p: p["check"] not in ERROR_CHECKS)  # errors first (stable)
    problems += _disclosure_rows(study, catalogue, kept, area_column=s.area_column,
                                 blocked=any(p["check"] in ERROR_CHECKS for p in problems))
    quality = quality_report(placed, kept, excluded, read_issues, areas=areas,
                             source=Path(s.export), area_column=s.area_column,
                             id_column=id_column, problems=problems, exclude=s.exclude)
    return Checked(study=study, areas=areas, form=form, catalogue=catalogue, placed=placed,
                   kept=kept, quality=quality)


def raise_errors(checked: Checked) -> None:
    """Raise the first problem of the report that stops :func:`run`, as one line.

    Raises
    ------
    FormError
        A question name the catalogue reads is duplicated in the form.
    SurveyDataError
        Any other error of :data:`~geo4mi.survey.quality.ERROR_CHECKS`.
    """
    errors = checked.errors
    if errors:
        check_name, reason = errors[0]
        more = (f" ({len(errors) - 1} more problem(s) of this kind: run geo4mi check)"
                if len(errors) > 1 else "")
        kind: type[Geo4miError] = FormError if check_name == "duplicate_question_used" \
            else SurveyDataError
        raise kind(reason + more)


def run(study: Study | str | os.PathLike[str], *,
        progress: bool | Callable[[float], None] = False,
        extend: Callable[[Catalogue], Catalogue] | None = None) -> Results:
    """Run the study: load, read, place, exclude, estimate.

    Parameters
    ----------
    study : Study or path-like
        A loaded study or the path of a study file.
    progress : bool or callable, default False
        Passed to :func:`geo4mi.indicators.estimate.estimate`.
    extend : callable, optional
        Returns the catalogue to estimate from the study's (e.g. with every answer option
        of its questions, :func:`geo4mi.indicators.analysistools.with_options`); the
        added indicators are estimated and protected with the others.

    Raises
    ------
    Geo4miError
        Any problem :func:`check` lists as an error (see the module docstring), or a file
        that cannot be read.

    Examples
    --------
    >>> from geo4mi.study import bundled_study_path
    >>> results = run(bundled_study_path())
    >>> int(results.interviews_per_area().sum())
    301
    >>> sorted(results.estimates["status"].unique())
    ['no_data', 'ok', 'suppressed']
    """
    checked = check(study)
    raise_errors(checked)
    study, areas, form, catalogue = checked.study, checked.areas, checked.form, checked.catalogue
    if extend is not None:
        catalogue = extend(catalogue)
    kept = add_derived(checked.kept, catalogue)
    missing = [g for g in study.indicators.groups if g not in kept.columns]
    if missing:
        raise StudyError(f"{study.path}: [indicators] groups: {missing[0]!r} is neither a "
                         "question of the form nor a derived variable of the catalogue; "
                         "fix the name or define it under [derived] in the catalogue")
    stage(f"estimating {len(catalogue.indicators)} indicators")
    area_ids, groups = areas["area_id"].tolist(), list(study.indicators.groups)
    design = design_from_study(study)
    protection = truth_key = None
    if not (study.disclosure.protect and study.complementary_suppression):
        estimates = estimate(kept, catalogue, area_ids=area_ids, groups=groups,
                             min_n=study.min_n, complementary=study.complementary_suppression,
                             design=design, progress=progress)
    else:  # the true counts, which disclosure control must not give away, in the same pass
        estimates, truth = estimate_with_truth(kept, catalogue, area_ids=area_ids,
                                               groups=groups, min_n=study.min_n,
                                               design=design, progress=progress)
        stage("disclosure control")
        from geo4mi.indicators.audit import table_digest, true_counts

        # the build's final audit finds protect's last check by it (no third estimate):
        # the digest is of the whole true table, taken before it is trimmed
        truth_key = table_digest(truth)
        # protect reads only the cells' counts: the rest of the true table is freed here
        truth = true_counts(truth, like=estimates)
        estimates, protection = _protect_cached(estimates, catalogue, study.min_n, truth,
                                                truth_key)
        del truth
        log.info("%s: disclosure control hid %d more figures (%d whole cells) so that no "
                 "hidden figure can be worked out", study.path.name, len(protection),
                 int((protection["what"] == "n").sum()))
        for row in protection.itertuples():
            log.debug("disclosure control hid the %s of %s, area %s%s (n = %s, round %d)",
                      "value and n" if row.what == "n" else "value", row.indicator,
                      row.area_id, "" if row.group_var == "all" else
                      f", {row.group_var}={row.group_value}", row.n, row.round)
    if design_from_study(study).weighted:  # n_w only where it splits into no small class
        from geo4mi.indicators.weighted import withhold_design_weighted
        estimates = withhold_design_weighted(estimates, kept, catalogue, study, areas)
    labels = replace(build_labels(catalogue, form, list(study.indicators.groups)),
                     wording=study.wording,
                     columns=design_labels(form, design_from_study(study)))
    log.info("%s: %d respondents read, %d kept, %d estimates", study.path.name,
             len(checked.placed), len(kept), len(estimates))
    return Results(study=study, areas=areas, form=form, respondents=kept, catalogue=catalogue,
                   labels=labels, estimates=estimates, quality=checked.quality,
                   protection=protection, truth_key=truth_key)
