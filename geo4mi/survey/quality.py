"""The data-quality report: every row read is kept or excluded, and every problem is listed.

:func:`apply_exclusions` splits placed respondents into those analysed and those excluded
(duplicate submissions; people outside the 4Mi universe: under 18, or in the city for
less than 3 months or more than 5 years). :func:`quality_report` lists, as one table
``check, area_id, row, column, value, reason``:

- summary rows (``row`` is NA, ``value`` holds the count): ``rows_read``, ``rows_kept``,
  ``rows_excluded``, one per exclusion and flag kind, and ``placement_<method>`` per
  borough (``area_id``) and method;
- one row per excluded respondent (``duplicate``, ``under_age``, ``time_in_city``);
- one row per flagged respondent or cell: ``unassigned``, ``gps_disagrees``,
  ``name_fuzzy``, ``name_unmatched``, ``name_ambiguous``, ``gps_outside``, and each
  problem found while reading (``unknown_choice``, ``bad_number``, ``bad_value``,
  ``bad_geopoint``, ``missing_column``, ``unknown_column``).

Excluded + kept always equals rows read.

Examples
--------
>>> import pandas as pd
>>> placed = pd.DataFrame({"_uuid": ["a", "b", "a", "c"], "age": [30, 17, 30, 40],
...                        "time_in_city": ["1_2y", "1_2y", "1_2y", "gt_5y"],
...                        "area_id": ["09015"] * 4, "placement": ["declared"] * 4,
...                        "placement_note": [None] * 4, "_row": [1, 2, 3, 4]})
>>> kept, excluded = apply_exclusions(placed)
>>> kept["_row"].tolist(), excluded[["_row", "exclusion"]].to_numpy().tolist()
([1], [[2, 'under_age'], [3, 'duplicate'], [4, 'time_in_city']])
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo4mi.io import write_csv

log = logging.getLogger(__name__)

REPORT_COLUMNS = ["check", "area_id", "row", "column", "value", "reason"]
#: time_in_city answers outside the 4Mi universe (in the city 3 months to 5 years).
OUT_OF_UNIVERSE_TIME = ("lt_3m", "gt_5y")
DUPLICATE_KEYS = ("_uuid", "KEY", "instanceID")
EXCLUSIONS = ("duplicate", "under_age", "time_in_city")


def apply_exclusions(respondents: pd.DataFrame, *, min_age: int | None = 18,
                     age_question: str = "age", time_question: str = "time_in_city",
                     excluded_times: Sequence[str] = OUT_OF_UNIVERSE_TIME,
                     duplicate_keys: Sequence[str] = DUPLICATE_KEYS,
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split respondents into those analysed and those excluded (with the reason).

    Checks, in order (a row is excluded for the first that applies):

    1. ``duplicate``: a later row with the same submission id (the first column of
       ``duplicate_keys`` the export has: Kobo ``_uuid``, ODK Central ``KEY``); the first
       occurrence is kept;
    2. ``under_age``: ``age`` below ``min_age`` (a missing age is not excluded);
    3. ``time_in_city``: ``time_in_city`` is one of ``excluded_times``.

    Checks whose column is absent are skipped. Unassigned respondents are kept (they count
    city-wide) and flagged by :func:`quality_report`.

    Parameters
    ----------
    respondents : DataFrame
        Placed respondents.
    min_age : int or None, default 18
        None disables the age check.
    age_question, time_question : str
    excluded_times : sequence of str
        Choice names of ``time_question`` outside the universe.
    duplicate_keys : sequence of str
        Candidate submission-id columns.

    Returns
    -------
    kept, excluded : DataFrame
        ``excluded`` has two more columns, ``exclusion`` (the check) and
        ``exclusion_reason``. Both keep the original index order; ``kept`` is re-indexed
        0..n-1.
    """
    n = len(respondents)
    check = np.full(n, None, dtype=object)
    reason = np.full(n, None, dtype=object)

    def mark(mask: np.ndarray, name: str, text: pd.Series | np.ndarray) -> None:
        new = mask & pd.isna(check)
        check[new] = name
        reason[new] = np.asarray(text, dtype=object)[new]

    key = next((k for k in duplicate_keys if k in respondents.columns), None)
    if key is not None:
        ids = respondents[key].astype("string")
        dup = (ids.notna() & ids.duplicated(keep="first")).to_numpy()
        rows = (respondents["_row"].to_numpy() if "_row" in respondents.columns
                else np.arange(1, n + 1))
        first: dict[object, object] = {}
        for k, r in zip(ids.to_numpy(dtype=object, na_value=None), rows):
            if k is not None:
                first.setdefault(k, r)
        text = [f"same {key} as row {first.get(k)}; kept once"
                for k in ids.to_numpy(dtype=object, na_value=None)]
        mark(dup, "duplicate", np.array(text, dtype=object))
    if min_age is not None and age_question in respondents.columns:
        age = pd.to_numeric(respondents[age_question], errors="coerce")
        young = (age < min_age).fillna(False).to_numpy(dtype=bool)
        mark(young, "under_age",
             np.array([f"age under {min_age}: outside the survey universe"] * n, dtype=object))
    if time_question in respondents.columns and excluded_times:
        t = respondents[time_question].astype("string")
        out = t.isin(list(excluded_times)).fillna(False).to_numpy(dtype=bool)
        mark(out, "time_in_city", np.array(
            ["in the city for less than 3 months or more than 5 years: outside the survey "
             "universe"] * n, dtype=object))
    excluded_mask = pd.notna(check)
    kept = respondents.loc[~excluded_mask].reset_index(drop=True)
    excluded = respondents.loc[excluded_mask].assign(
        exclusion=pd.array(check[excluded_mask], dtype="string"),
        exclusion_reason=pd.array(reason[excluded_mask], dtype="string"))
    for frame in (kept, excluded):
        frame.attrs.update(respondents.attrs)
    log.info("kept %d of %d respondents; excluded %d", len(kept), n, len(excluded))
    return kept, excluded


def _rows(check: str, frame: pd.DataFrame, column: str | None, value: pd.Series | None,
          reason: pd.Series | str) -> pd.DataFrame:
    n = len(frame)
    return pd.DataFrame({
        "check": [check] * n,
        "area_id": frame["area_id"].to_numpy(dtype=object) if "area_id" in frame else [None] * n,
        "row": frame["_row"].to_numpy() if "_row" in frame else np.arange(1, n + 1),
        "column": [column] * n,
        "value": ([None] * n if value is None
                  else value.astype("string").to_numpy(dtype=object, na_value=None)),
        "reason": ([reason] * n if isinstance(reason, str)
                   else reason.astype("string").to_numpy(dtype=object, na_value=None)),
    })


def _summary(check: str, count: int, reason: str, *, area_id: str | None = None,
             column: str | None = None) -> dict[str, object]:
    return {"check": check, "area_id": area_id, "row": None, "column": column,
            "value": str(int(count)), "reason": reason}


def quality_report(respondents: pd.DataFrame, kept: pd.DataFrame, excluded: pd.DataFrame,
                   read_issues: pd.DataFrame | None = None, *,
                   areas: gpd.GeoDataFrame | pd.DataFrame | None = None,
                   source: str | os.PathLike[str] | None = None,
                   borough_question: str = "borough") -> pd.DataFrame:
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
    borough_question : str
        Column holding the declared borough (named in name-matching rows).

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
    summary: list[dict[str, object]] = [
        _summary("rows_read", len(respondents), f"data rows read from {name}"),
        _summary("rows_kept", len(kept), "respondents analysed"),
        _summary("rows_excluded", len(excluded), "respondents excluded (listed below)"),
    ]
    detail: list[pd.DataFrame] = []
    for check in EXCLUSIONS:
        rows = excluded[excluded["exclusion"] == check] if len(excluded) else excluded
        summary.append(_summary(check, len(rows), f"rows excluded: {check.replace('_', ' ')}"))
        if len(rows):
            column = {"duplicate": next((k for k in DUPLICATE_KEYS if k in rows), None),
                      "under_age": "age", "time_in_city": "time_in_city"}[check]
            value = rows[column] if column in rows else None
            detail.append(_rows(check, rows, column, value, rows["exclusion_reason"]))

    # Flags on analysed respondents.
    if "placement" in kept:
        notes = kept["placement_note"].astype("string") if "placement_note" in kept \
            else pd.Series(pd.NA, index=kept.index, dtype="string")
        declared = kept[borough_question] if borough_question in kept else None
        flags = {
            "unassigned": kept["placement"] == "unassigned",
            "gps_disagrees": notes.str.contains(" but the GPS point ", regex=False),
            "gps_outside": notes.str.contains("GPS point outside the city", regex=False)
            & (kept["placement"] != "unassigned"),
        }
        if "_name_match" in kept:
            for method in ("fuzzy", "unmatched", "ambiguous"):
                flags[f"name_{method}"] = (kept["_name_match"] == method) \
                    & (kept["placement"] != "unassigned")
        for check, mask in flags.items():
            mask = mask.fillna(False).to_numpy(dtype=bool)
            summary.append(_summary(check, mask.sum(), f"analysed rows flagged: "
                                    f"{check.replace('_', ' ')}"))
            if mask.any():
                rows = kept[mask]
                detail.append(_rows(check, rows, borough_question if declared is not None
                                    else None,
                                    None if declared is None else declared[mask], notes[mask]))
    if read_issues is not None and len(read_issues):
        issues = read_issues
        for kind in sorted(issues["kind"].unique()):
            part = issues[issues["kind"] == kind]
            summary.append(_summary(kind, len(part), "problems found while reading"))
        with_row = issues["row"].notna()
        area_by_row = (dict(zip(respondents["_row"], respondents["area_id"]))
                       if "_row" in respondents and "area_id" in respondents else {})
        detail.append(pd.DataFrame({
            "check": issues["kind"].to_numpy(dtype=object),
            "area_id": [area_by_row.get(r) if w else None
                        for r, w in zip(issues["row"].fillna(-1).astype(int), with_row)],
            "row": issues["row"].to_numpy(dtype=object, na_value=None),
            "column": issues["column"].to_numpy(dtype=object, na_value=None),
            "value": issues["value"].to_numpy(dtype=object, na_value=None),
            "reason": issues["reason"].to_numpy(dtype=object, na_value=None),
        }))

    # Placement per area and method (analysed respondents).
    if "placement" in kept:
        area_ids = (list(areas["area_id"].astype(str)) if areas is not None
                    else sorted(kept["area_id"].dropna().astype(str).unique()))
        area_names = (dict(zip(areas["area_id"].astype(str), areas["area_name"].astype(str)))
                      if areas is not None and "area_name" in areas else {})
        counts = kept.groupby([kept["area_id"].astype("string").fillna("_none"),
                               kept["placement"].astype("string")]).size()
        for area_id in [*area_ids, "_none"]:
            for method in ("declared", "gps", "gps_nearest", "unassigned"):
                count = int(counts.get((area_id, method), 0))
                if area_id == "_none" and method != "unassigned":
                    continue
                if area_id != "_none" and method == "unassigned":
                    continue
                label = area_names.get(area_id, "not placed" if area_id == "_none" else area_id)
                summary.append(_summary(f"placement_{method}", count,
                                        f"{label}: respondents placed by {method}"
                                        if method != "unassigned" else "respondents not placed",
                                        area_id=None if area_id == "_none" else area_id,
                                        column="placement"))
    frames = [pd.DataFrame(summary, columns=REPORT_COLUMNS), *detail]
    report = pd.concat([f for f in frames if len(f)], ignore_index=True)
    report = report.astype({"check": "string", "area_id": "string", "row": "Int64",
                            "column": "string", "value": "string", "reason": "string"})
    return report[REPORT_COLUMNS]


def format_report(report: pd.DataFrame, *, max_rows: int = 20) -> str:
    """Readable text of the report: counts, then up to ``max_rows`` listed rows per check.

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
    summary = report[report["row"].isna()]
    counts = {c: v for c, v, a in zip(summary["check"], summary["value"], summary["area_id"])
              if pd.isna(a) and not str(c).startswith("placement_")}
    lines.append(f"  rows read / filas leídas: {counts.get('rows_read', '?')}; "
                 f"kept / analizadas: {counts.get('rows_kept', '?')}; "
                 f"excluded / excluidas: {counts.get('rows_excluded', '?')}")
    for check, value in counts.items():
        if check not in ("rows_read", "rows_kept", "rows_excluded") and value != "0":
            lines.append(f"  {check}: {value}")
    placed = summary[summary["check"].str.startswith("placement_")]
    if len(placed):
        name = placed["reason"].str.split(":").str[0].where(placed["area_id"].notna(),
                                                            "(not placed)")
        table = placed.assign(n=placed["value"].astype(int),
                              method=placed["check"].str.removeprefix("placement_"),
                              area=placed["area_id"].fillna("") + " " + name)
        table = table[table["area_id"].notna() | (table["n"] > 0)]
        wide = table.pivot_table(index="area", columns="method", values="n", aggfunc="sum",
                                 fill_value=0, sort=True)
        wide = wide.reindex(columns=[m for m in ("declared", "gps", "gps_nearest",
                                                 "unassigned") if m in wide.columns])
        wide.index.name = None
        wide.columns.name = None
        lines.append("Placement per borough / Ubicación por alcaldía:")
        lines.extend("  " + line for line in wide.to_string().splitlines())
    listed = report[report["row"].notna() | (report["check"] == "missing_column")
                    | (report["check"] == "unknown_column")]
    for check, part in listed.groupby("check", sort=False):
        lines.append(f"{check} ({len(part)}):")
        for rec in part.head(max_rows).itertuples(index=False):
            where = f"row {rec.row}" if not pd.isna(rec.row) else "column"
            col = f", column {rec.column!s}" if not pd.isna(rec.column) else ""
            val = f" ({rec.value!s})" if not pd.isna(rec.value) else ""
            lines.append(f"  {where}{col}{val}: {rec.reason}")
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
