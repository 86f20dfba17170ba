"""The data-quality report: every row read is kept or excluded, and every problem is listed.

:func:`apply_exclusions` splits placed respondents into those analysed and those excluded
(duplicate submissions; people outside the survey universe, by the study's ``[survey]
exclude`` rules such as ``"age < 18"``, written in the catalogue's expression language).
:func:`quality_report` lists, as one table ``check, area_id, row, column, value, reason``,
three kinds of rows:

- **counts** (``row`` and ``column`` empty, ``value`` holds the count): ``rows_read``,
  ``rows_kept``, ``rows_excluded``, one per exclusion and flag kind, one per reading
  problem kind, and ``placement_<method>`` per borough (``area_id``) and method. The
  ``duplicate`` count is empty when no id column was found (the reason says so);
- **column problems** (``row`` empty, ``column`` given): ``missing_column``,
  ``unknown_column``, ``duplicate_column``, ``duplicate_question`` (warnings: the rest of
  the file is read) and the errors of :data:`ERROR_CHECKS`;
- **row problems** (``row`` given): each excluded respondent (``duplicate``, naming both
  rows; ``exclude``, naming the rule), each flagged one (``unassigned``,
  ``gps_disagrees``, ``name_fuzzy``, ``name_unmatched``, ``name_ambiguous``,
  ``name_not_choice``, ``gps_outside``, ``gps_swapped``) and each problem found while
  reading (``unknown_choice``, ``bad_number``, ``bad_value``, ``bad_geopoint``).

Excluded + kept always equals rows read. Rows whose check is in :data:`ERROR_CHECKS` are
problems that stop ``geo4mi build`` and ``geo4mi indicators`` (a column the catalogue needs
is missing, too few respondents placed...); everything else is a warning.

Examples
--------
>>> import pandas as pd
>>> placed = pd.DataFrame({"_uuid": ["a", "b", "a", "c"], "age": [30, 17, 30, 40],
...                        "time_in_city": ["1_2y", "1_2y", "1_2y", "gt_5y"],
...                        "area_id": ["09015"] * 4, "placement": ["declared"] * 4,
...                        "placement_note": [None] * 4, "_row": [1, 2, 3, 4]})
>>> kept, excluded = apply_exclusions(placed, exclude=["age < 18", "time_in_city == 'gt_5y'"])
>>> kept["_row"].tolist(), excluded[["_row", "exclusion_rule"]].to_numpy().tolist()
([1], [[2, 'age < 18'], [3, <NA>], [4, "time_in_city == 'gt_5y'"]])
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo4mi.errors import SurveyDataError
from geo4mi.io import write_csv

log = logging.getLogger(__name__)

REPORT_COLUMNS = ["check", "area_id", "row", "column", "value", "reason"]
#: Submission-id columns, in the order they are looked for: Kobo (``_uuid``, and as R's
#: ``make.names`` writes it), ``uuid``, ODK (``meta/instanceID``, read as ``instanceID``;
#: ODK Central ``KEY``), then Kobo's database ``_id``.
ID_COLUMNS = ("_uuid", "X_uuid", "uuid", "meta/instanceID", "instanceID", "KEY", "_id")
#: Export headers the reader keeps under another name.
_ID_ALIASES = {"meta/instanceID": "instanceID", "meta-instanceID": "instanceID"}
EXCLUSIONS = ("duplicate", "exclude")
#: Counts whose reason is printed by :func:`format_report` (it holds the advice).
_EXPLAINED = ("gps_swapped", "disclosure_k2", "disclosure_k3", "disclosure_k5",
              "disclosure_risk")
#: Checks that stop ``build`` and ``indicators`` (the report lists them first).
ERROR_CHECKS = ("catalogue_column_missing", "duplicate_question_used",
                "duplicate_column_used", "few_placed")


def find_id_column(respondents: pd.DataFrame, id_column: str | None = None) -> str | None:
    """The submission-id column of ``respondents``: ``id_column``, or the first of
    :data:`ID_COLUMNS` present with a value; None when there is none.

    Raises
    ------
    SurveyDataError
        ``id_column`` is given but is not a column.

    Examples
    --------
    >>> import pandas as pd
    >>> find_id_column(pd.DataFrame({"_id": [1], "X_uuid": ["a"], "_uuid": [None]}))
    'X_uuid'
    >>> find_id_column(pd.DataFrame({"instanceID": ["a"]}), "meta/instanceID")
    'instanceID'
    >>> find_id_column(pd.DataFrame({"age": [30]})) is None
    True
    """
    if id_column is not None:
        name = id_column if id_column in respondents.columns else _ID_ALIASES.get(id_column)
        if name not in respondents.columns:
            source = respondents.attrs.get("source", "the export")
            raise SurveyDataError(f"{source}: row 1: id column {id_column!r} is not a column "
                                  "of the export; fix [survey] id_column in the study file "
                                  "or remove it to use the first of "
                                  f"{', '.join(ID_COLUMNS)}")
        return name
    for candidate in ID_COLUMNS:
        name = _ID_ALIASES.get(candidate, candidate)
        if name in respondents.columns and respondents[name].notna().any():
            return name
    return None


def _differences(frame: pd.DataFrame, first: np.ndarray, later: np.ndarray,
                 ignore: Iterable[str]) -> list[str]:
    """Per pair of rows: 'identical answers' or the columns whose answers differ."""
    skip = {*ignore, "area_id", "placement", "placement_note"}
    columns = [c for c in frame.columns  # split q/choice columns repeat their summary q
               if not str(c).startswith("_") and "/" not in str(c) and c not in skip]
    a = frame.iloc[first][columns].astype("string").fillna("\x00").to_numpy(dtype=object)
    b = frame.iloc[later][columns].astype("string").fillna("\x00").to_numpy(dtype=object)
    out = []
    for differ in (a != b):
        names = [c for c, d in zip(columns, differ, strict=True) if d]
        out.append("identical answers" if not names else
                   f"answers differ in {len(names)} column(s): {', '.join(names[:5])}"
                   + (", ..." if len(names) > 5 else ""))
    return out


def apply_exclusions(respondents: pd.DataFrame, *, exclude: Sequence[str] = (),
                     id_column: str | None = None,
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split respondents into those analysed and those excluded (with the reason).

    Checks, in order (a row is excluded for the first that applies):

    1. ``duplicate``: a later row with the same submission id (:func:`find_id_column`);
       the first occurrence is kept, and the reason names both rows and whether their
       answers are identical;
    2. ``exclude``: each rule of ``exclude`` in turn (the study's ``[survey] exclude``),
       an expression of :mod:`geo4mi.indicators.expressions` that is true for the people
       outside the survey universe, e.g. ``"age < 18"``. A rule whose result is unknown
       (a missing answer) does not exclude. A rule naming a question that is not a column
       is skipped with a warning.

    Unassigned respondents are kept (they count in the whole study area) and flagged by
    :func:`quality_report`. The library excludes nobody by itself: the rules are data.

    Parameters
    ----------
    respondents : DataFrame
        Placed respondents.
    exclude : sequence of str
        Eligibility rules (expressions); a respondent for whom one is true is excluded.
    id_column : str, optional
        The submission id; default: the first of :data:`ID_COLUMNS` present.

    Returns
    -------
    kept, excluded : DataFrame
        ``excluded`` has three more columns, ``exclusion`` (the check),
        ``exclusion_rule`` (the rule, for ``exclude``) and ``exclusion_reason``. Both keep
        the original index order; ``kept`` is re-indexed 0..n-1.

    Examples
    --------
    >>> import pandas as pd
    >>> placed = pd.DataFrame({"X_uuid": ["a", "a"], "age": [30, 31], "_row": [1, 2]})
    >>> _, excluded = apply_exclusions(placed)
    >>> excluded["exclusion_reason"].item()
    "same X_uuid 'a' as row 1, which is kept; answers differ in 1 column(s): age"
    """
    from geo4mi.indicators.expressions import EvalContext, parse

    n = len(respondents)
    check = np.full(n, None, dtype=object)
    rule_of = np.full(n, None, dtype=object)
    reason = np.full(n, None, dtype=object)

    def mark(mask: np.ndarray, name: str, text: pd.Series | np.ndarray,
             rule: str | None = None) -> None:
        new = mask & pd.isna(check)
        check[new] = name
        rule_of[new] = rule
        reason[new] = np.asarray(text, dtype=object)[new]

    key = find_id_column(respondents, id_column)
    if key is not None:
        ids = respondents[key].astype("string").str.strip()
        dup = (ids.notna() & ids.duplicated(keep="first")).to_numpy()
        if dup.any():
            rows = (respondents["_row"].to_numpy() if "_row" in respondents.columns
                    else np.arange(1, n + 1))
            values = ids.to_numpy(dtype=object, na_value=None)
            firsts = ids.notna().to_numpy() & ~dup & ids.duplicated(keep=False).to_numpy()
            first_pos = pd.Series(np.flatnonzero(firsts), index=values[firsts])
            later = np.flatnonzero(dup)
            first = first_pos.loc[values[later]].to_numpy(dtype=np.intp)
            diffs = _differences(respondents, first, later, ignore=[key])
            text = np.full(n, None, dtype=object)
            for i, j, d in zip(later, first, diffs, strict=True):
                text[i] = f"same {key} {values[i]!r} as row {rows[j]}, which is kept; {d}"
            mark(dup, "duplicate", text)
    context = EvalContext(respondents)
    for k, rule in enumerate(exclude):
        expr = parse(rule, context=f"[survey] exclude[{k}]")
        absent = sorted(q for q in expr.names if not context.has(q)
                        and not context.choice_columns(q))
        if absent:
            log.warning("exclusion rule %r skipped: %s is not a column of the export",
                        rule, absent[0])
            continue
        hit = np.asarray(expr.evaluate(context).fillna(False), dtype=bool)
        mark(hit, "exclude", np.array([f"excluded by the rule {rule!r} ([survey] exclude): "
                                       "outside the survey universe"] * n, dtype=object),
             rule=rule)
    excluded_mask = pd.notna(check)
    kept = respondents.loc[~excluded_mask].reset_index(drop=True)
    excluded = respondents.loc[excluded_mask].assign(
        exclusion=pd.array(check[excluded_mask], dtype="string"),
        exclusion_rule=pd.array(rule_of[excluded_mask], dtype="string"),
        exclusion_reason=pd.array(reason[excluded_mask], dtype="string"))
    for frame in (kept, excluded):
        frame.attrs.update(respondents.attrs)
    log.info("kept %d of %d respondents; excluded %d", len(kept), n, len(excluded))
    return kept, excluded


def _text(values: pd.Series | np.ndarray) -> np.ndarray:
    return pd.Series(values).astype("string").to_numpy(dtype=object, na_value=None)


def _rows(check: str, frame: pd.DataFrame, column: str | None, value: pd.Series | None,
          reason: pd.Series | str) -> pd.DataFrame:
    n = len(frame)
    return pd.DataFrame({
        "check": [check] * n,
        "area_id": _text(frame["area_id"]) if "area_id" in frame else [None] * n,
        "row": frame["_row"].to_numpy() if "_row" in frame else np.arange(1, n + 1),
        "column": [column] * n,
        "value": [None] * n if value is None else _text(value),
        "reason": [reason] * n if isinstance(reason, str) else _text(reason),
    })


def _summary(check: str, count: int | None, reason: str, *,
             area_id: str | None = None) -> dict[str, object]:
    return {"check": check, "area_id": area_id, "row": None, "column": None,
            "value": None if count is None else str(int(count)), "reason": reason}


def problem(check: str, reason: str, *, column: str | None = None,
            value: str | None = None) -> dict[str, object]:
    """One report row for a problem of the whole file or of a column.

    Examples
    --------
    >>> problem("duplicate_question", "appears twice", column="note1")["column"]
    'note1'
    """
    return {"check": check, "area_id": None, "row": None, "column": column, "value": value,
            "reason": reason}


def quality_report(respondents: pd.DataFrame, kept: pd.DataFrame, excluded: pd.DataFrame,
                   read_issues: pd.DataFrame | None = None, *,
                   areas: gpd.GeoDataFrame | pd.DataFrame | None = None,
                   source: str | os.PathLike[str] | None = None,
                   area_column: str | None = "borough", id_column: str | None = None,
                   problems: Sequence[Mapping[str, object]] = (),
                   exclude: Sequence[str] = ()) -> pd.DataFrame:
    """Build the data-quality report (see the module docstring for its rows).

    Parameters
    ----------
    respondents : DataFrame
        All placed respondents (:func:`geo4mi.survey.placement.place_respondents`).
    kept, excluded : DataFrame
        From :func:`apply_exclusions`.
    read_issues : DataFrame, optional
        The issues table of :func:`geo4mi.survey.exports.read_export`.
    areas : DataFrame, optional
        ``area_id``/``area_name``: placement counts then list every area, 0 included.
    source : path-like, optional
        The export, named in the ``rows_read`` row.
    area_column : str or None
        Column holding the declared area (named in name-matching rows).
    id_column : str, optional
        As given to :func:`apply_exclusions`.
    problems : sequence of dict
        Further rows (:func:`problem`) found by the caller: errors of
        :data:`ERROR_CHECKS` and warnings such as ``duplicate_question``; listed first.

    Returns
    -------
    DataFrame
        ``check, area_id, row, column, value, reason`` (strings; ``row`` Int64).

    Examples
    --------
    >>> import pandas as pd
    >>> placed = pd.DataFrame({"_uuid": ["a", "a"], "area_id": ["09015", "09015"],
    ...                        "placement": ["declared", "declared"],
    ...                        "placement_note": [None, None], "_row": [1, 2]})
    >>> kept, excluded = apply_exclusions(placed)
    >>> report = quality_report(placed, kept, excluded)
    >>> report.loc[report["row"].isna(), ["check", "value"]].to_numpy().tolist()[:4]
    [['rows_read', '2'], ['rows_kept', '1'], ['rows_excluded', '1'], ['duplicate', '1']]
    """
    if len(kept) + len(excluded) != len(respondents):
        raise ValueError(f"kept ({len(kept)}) + excluded ({len(excluded)}) != respondents "
                         f"({len(respondents)}); pass the output of apply_exclusions")
    name = Path(source).name if source else respondents.attrs.get("source", "the export")
    name = Path(str(name)).name
    key = find_id_column(respondents, id_column)
    summary: list[dict[str, object]] = [
        _summary("rows_read", len(respondents), f"data rows read from {name}"),
        _summary("rows_kept", len(kept), "respondents analysed"),
        _summary("rows_excluded", len(excluded), "respondents excluded (listed below)"),
    ]
    detail: list[pd.DataFrame] = []
    rules = list(dict.fromkeys([*exclude, *(
        excluded["exclusion_rule"].dropna().tolist() if "exclusion_rule" in excluded else [])]))
    for check, rule in [("duplicate", None), *(("exclude", r) for r in rules)]:
        rows = excluded[excluded["exclusion"] == check] if len(excluded) else excluded
        if rule is not None and len(rows):
            rows = rows[rows["exclusion_rule"] == rule]
        if check == "duplicate" and key is None:
            summary.append(_summary(check, None, "duplicates not checked: no id column "
                                    f"(looked for {', '.join(ID_COLUMNS)}); name one with "
                                    "[survey] id_column in the study file"))
            continue
        summary.append(_summary(check, len(rows), f"rows excluded: duplicate (same {key})"
                                if rule is None else
                                f"rows excluded by the rule {rule!r} ([survey] exclude)"))
        if len(rows):
            if rule is None:
                column = key
            else:
                from geo4mi.indicators.expressions import parse

                column = min(parse(rule).names, default=None)
            value = rows.get(column, None)
            detail.append(_rows(check, rows, column, value, rows["exclusion_reason"]))

    # Flags on analysed respondents.
    not_choice = (kept["_area_not_choice"].fillna(False).to_numpy(dtype=bool)
                  if "_area_not_choice" in kept else np.zeros(len(kept), dtype=bool))
    if "placement" in kept:
        notes = kept["placement_note"].astype("string") if "placement_note" in kept \
            else pd.Series(pd.NA, index=kept.index, dtype="string")
        declared = (kept["_area_value"] if "_area_value" in kept
                    else kept.get(area_column, None))
        placed = (kept["placement"] != "unassigned").fillna(False)
        flags = {
            "unassigned": kept["placement"] == "unassigned",
            "gps_disagrees": notes.str.contains(" but the GPS point ", regex=False),
            "gps_outside": notes.str.contains("GPS point outside the city", regex=False)
            & placed,
        }
        if "_name_match" in kept:
            for method in ("fuzzy", "unmatched", "ambiguous"):
                flags[f"name_{method}"] = (kept["_name_match"] == method) & placed
        flags["name_not_choice"] = pd.Series(not_choice, index=kept.index) & placed \
            & kept["_name_match"].isin(["exact", "alias"]) if "_name_match" in kept \
            else pd.Series(False, index=kept.index)
        if "_gps_swapped" in kept:
            flags["gps_swapped"] = kept["_gps_swapped"].astype("boolean")
        for check, mask in flags.items():
            mask = mask.fillna(False).to_numpy(dtype=bool)
            text = f"analysed rows flagged: {check.replace('_', ' ')}"
            if check == "gps_swapped" and mask.any():
                text = _swapped_reason(kept, int(mask.sum()))
            summary.append(_summary(check, mask.sum(), text))
            if mask.any():
                rows = kept[mask]
                gps_only = check in ("gps_swapped", "gps_outside")
                column = area_column if declared is not None and not gps_only else None
                value = None if declared is None or gps_only else declared[mask]
                detail.append(_rows(check, rows, column, value, notes[mask]))
    if read_issues is not None and len(read_issues):
        issues = read_issues
        header = respondents.attrs.get("columns", {}).get(area_column)
        if header is not None and not_choice.any() and "_row" in kept:
            # answers placement explained (name_not_choice, unassigned...): listed once
            explained = set(kept.loc[not_choice, "_row"].astype(int))
            issues = issues[~((issues["kind"] == "unknown_choice") & (issues["column"] == header)
                              & issues["row"].isin(explained).fillna(False))]
        for kind in sorted(issues["kind"].unique()):
            part = issues[issues["kind"] == kind]
            summary.append(_summary(kind, len(part), "problems found while reading"))
        with_row = issues["row"].notna()
        area_by_row = (dict(zip(respondents["_row"], _text(respondents["area_id"]), strict=True))
                       if "_row" in respondents and "area_id" in respondents else {})
        detail.append(pd.DataFrame({
            "check": _text(issues["kind"]),
            "area_id": [area_by_row.get(r) if w else None
                        for r, w in zip(issues["row"].fillna(-1).astype(int), with_row,
                                        strict=True)],
            "row": issues["row"].to_numpy(dtype=object, na_value=None),
            "column": _text(issues["column"]),
            "value": _text(issues["value"]),
            "reason": _text(issues["reason"]),
        }))

    # Placement per area and method (analysed respondents).
    if "placement" in kept:
        area_ids = (list(areas["area_id"].astype(str)) if areas is not None
                    else sorted(kept["area_id"].dropna().astype(str).unique()))
        area_names = (dict(zip(areas["area_id"].astype(str), areas["area_name"].astype(str),
                               strict=True))
                      if areas is not None and "area_name" in areas else {})
        counts = kept.groupby([kept["area_id"].astype("string").fillna("_none"),
                               kept["placement"].astype("string")]).size()
        counts = dict(zip(counts.index, counts.to_numpy().tolist(), strict=True))  # O(1) get
        for area_id in [*area_ids, "_none"]:
            for method in ("declared", "gps", "gps_nearest", "unassigned"):
                if (area_id == "_none") != (method == "unassigned"):
                    continue
                count = int(counts.get((area_id, method), 0))
                label = area_names.get(area_id, area_id)
                summary.append(_summary(f"placement_{method}", count,
                                        f"{label}: respondents placed by {method}"
                                        if method != "unassigned" else "respondents not placed",
                                        area_id=None if area_id == "_none" else area_id))
    frames = [pd.DataFrame(list(problems), columns=REPORT_COLUMNS),
              pd.DataFrame(summary, columns=REPORT_COLUMNS), *detail]
    report = pd.concat([f.astype(object) for f in frames if len(f)], ignore_index=True)
    report = report.astype({"check": "string", "area_id": "string", "row": "Int64",
                            "column": "string", "value": "string", "reason": "string"})
    return report[REPORT_COLUMNS]


def _swapped_reason(kept: pd.DataFrame, count: int) -> str:
    odd = kept["placement_note"].astype("string").str.contains(
        "GPS point out", regex=False).fillna(False).sum() if "placement_note" in kept else 0
    if 2 * count >= odd:
        return (f"{count} of {odd} GPS points out of range or outside the city fall in the "
                "study area with latitude and longitude swapped: swap the latitude and "
                "longitude columns of the export (or fix the tool that wrote them) and run "
                "again")
    return (f"{count} of {odd} GPS points out of range or outside the city fall in the study "
            "area with latitude and longitude swapped; check those points")


def report_errors(report: pd.DataFrame) -> list[str]:
    """The reasons of the report's error rows (:data:`ERROR_CHECKS`), in report order.

    Examples
    --------
    >>> import pandas as pd
    >>> report = pd.DataFrame([problem("few_placed", "2 of 10 placed")], columns=REPORT_COLUMNS)
    >>> report_errors(report)
    ['2 of 10 placed']
    """
    errors = report[report["check"].isin(ERROR_CHECKS)]
    return [str(r) for r in errors["reason"]]


def format_report(report: pd.DataFrame, *, max_rows: int = 20) -> str:
    """Readable text of the report: errors, counts, placement, then up to ``max_rows``
    listed rows per check.

    Examples
    --------
    >>> import pandas as pd
    >>> placed = pd.DataFrame({"_uuid": ["a", "a"], "area_id": ["09015", "09015"],
    ...                        "placement": ["declared", "declared"],
    ...                        "placement_note": [None, None], "_row": [1, 2]})
    >>> kept, excluded = apply_exclusions(placed)
    >>> print(format_report(quality_report(placed, kept, excluded)).splitlines()[0])
    Data-quality report / Reporte de calidad de datos
    """
    lines = ["Data-quality report / Reporte de calidad de datos"]
    errors = report[report["check"].isin(ERROR_CHECKS)]
    if len(errors):
        lines.append(f"ERRORS / ERRORES ({len(errors)}): build and indicators stop until "
                     "these are fixed")
        lines.extend(f"  {rec.check}: {rec.reason}" for rec in errors.itertuples(index=False))
    rest = report[~report["check"].isin(ERROR_CHECKS)]
    summary = rest[rest["row"].isna() & rest["column"].isna()]
    counts: dict[str, str] = {}
    for check, value, area_id, reason in zip(summary["check"], summary["value"],
                                             summary["area_id"], summary["reason"], strict=True):
        if pd.isna(area_id) and not str(check).startswith("placement_"):
            value = f"not checked ({reason})" if pd.isna(value) else str(value)
            if check == "exclude":  # one count per rule, which the reason names
                if value == "0":
                    continue
                value = f"{value} ({reason})"
                check = f"exclude {len([c for c in counts if c.startswith('exclude')])}"
            counts[str(check)] = value
    lines.append(f"  rows read / filas leídas: {counts.get('rows_read', '?')}; "
                 f"kept / analizadas: {counts.get('rows_kept', '?')}; "
                 f"excluded / excluidas: {counts.get('rows_excluded', '?')}")
    reasons = dict(zip(summary["check"], summary["reason"], strict=True))
    for check, value in counts.items():
        if check not in ("rows_read", "rows_kept", "rows_excluded") and value != "0":
            lines.append(f"  {check.split(' ')[0]}: {value}" + (
                f" ({reasons[check]})" if check in _EXPLAINED else ""))
    placed = summary[summary["check"].str.startswith("placement_").fillna(False)]
    if len(placed):
        name = placed["reason"].str.split(":").str[0].where(placed["area_id"].notna(),
                                                            "(not placed)")
        table = placed.assign(n=placed["value"].fillna("0").astype(int),
                              method=placed["check"].str.removeprefix("placement_"),
                              area=placed["area_id"].fillna("") + " " + name)
        table = table[table["area_id"].notna() | (table["n"] > 0)]
        if len(table):
            wide = table.pivot_table(index="area", columns="method", values="n",
                                     aggfunc="sum", fill_value=0, sort=True)
            wide = wide.reindex(columns=[m for m in ("declared", "gps", "gps_nearest",
                                                     "unassigned") if m in wide.columns])
            wide.index.name = None
            wide.columns.name = None
            lines.append("Placement per area / Ubicación por área:")
            lines.extend("  " + line for line in wide.to_string().splitlines())
    listed = rest[rest["row"].notna() | rest["column"].notna()]
    for check, part in listed.groupby("check", sort=False):
        lines.append(f"{check} ({len(part)}):")
        for rec in part.head(max_rows).itertuples(index=False):
            where = ", ".join(([] if pd.isna(rec.row) else [f"row {rec.row}"])
                              + ([] if pd.isna(rec.column) else [f"column {rec.column!s}"]))
            val = f" ({rec.value!s})" if not pd.isna(rec.value) else ""
            lines.append(f"  {where}{val}: {rec.reason}")
        if len(part) > max_rows:
            lines.append(f"  ... and {len(part) - max_rows} more (write the CSV with -o)")
    return "\n".join(lines)


def write_report(report: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the report as UTF-8 CSV, atomically; returns the path.

    Text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``...)
    get a leading ``'`` (:func:`geo4mi.io.write_csv`).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> report = pd.DataFrame({c: ["x"] for c in REPORT_COLUMNS})
    >>> out = write_report(report, pathlib.Path(tempfile.mkdtemp()) / "q.csv")
    >>> out.read_text().splitlines()[0]
    'check,area_id,row,column,value,reason'
    """
    return write_csv(report[REPORT_COLUMNS], path)
