"""The report's data-quality annex: the summary rows of ``geo4mi check``, in the report's
language.

``check`` writes its summary (:func:`geo4mi.survey.quality.quality_report` and the
disclosure rows of :mod:`geo4mi.pipeline`) in English, for the console and the CSV. The
report restates each aggregate row from the interface catalogue (``check.*`` keys in
``geo4mi/locales``), keeping its data values as they are: the file name, the id column,
the rule, the quasi-identifiers, the counts. The values are taken from the row (``check``,
``value``) and, where the row has them only inside its English reason, read back from it
with one pattern per check (:data:`PATTERNS`). A reason that does not match its pattern is
shown as it is, never dropped (a test checks that the demo's annex has none left).
Only aggregate rows (no row number, no area) are read.

Examples
--------
>>> import pandas as pd
>>> q = pd.DataFrame({"check": ["rows_read", "gps_disagrees"], "area_id": [None, None],
...                   "row": [None, None], "column": [None, None], "value": ["301", "3"],
...                   "reason": ["data rows read from sample.csv",
...                              "analysed rows flagged: gps disagrees"]})
>>> [r["reason"] for r in quality_rows(q, "es")]
['Filas de datos leídas de sample.csv', 'Filas analizadas con la marca «GPS en desacuerdo»']
"""

from __future__ import annotations

import re

import pandas as pd

from geo4mi.i18n import t

#: The English reasons whose data values the report reads back: check -> pattern.
PATTERNS: dict[str, re.Pattern[str]] = {
    "rows_read": re.compile(r"data rows read from (?P<file>.+)$"),
    "duplicate": re.compile(r"rows excluded: duplicate \(same (?P<column>.+)\)$"),
    "exclude": re.compile(r"rows excluded by the rule (?P<rule>.+) \(\[survey\] exclude\)$"),
    "disclosure_k": re.compile(r"respondents whose combination of (?P<keys>.+) fewer than "
                               r"\d+ respondents share"),
    "disclosure_risk": re.compile(r"global re-identification risk on (?P<keys>.+) \(sdcMicro: "
                                  r"(?P<expected>[\d.]+) expected re-identifications among "
                                  r"(?P<n>\d+)\) is (?P<side>below|above) the "
                                  r"(?P<threshold>[\d.]+ %) threshold"),
}
READ_PROBLEMS = "problems found while reading"
#: Checks whose reason says no more than the check's own name.
PLAIN = {"rows_kept": "check.rows_kept", "rows_excluded": "check.rows_excluded",
         "placement_unassigned": "check.placement_unassigned"}
FLAGS = ("unassigned", "gps_disagrees", "gps_outside", "name_fuzzy", "name_unmatched",
         "name_ambiguous", "name_not_choice", "gps_swapped")


def reason_text(check: str, value: str, reason: str, lang: str) -> str:
    """The reason of one summary row of ``check`` in ``lang`` (``reason`` when unknown).

    Examples
    --------
    >>> reason_text("exclude", "0", "rows excluded by the rule 'age < 18' ([survey] exclude)",
    ...             "pt")
    "Linhas excluídas pela regra 'age < 18' ([survey] exclude)"
    >>> reason_text("something_new", "1", "as check wrote it", "es")
    'as check wrote it'
    """
    if check in PLAIN:
        return t(PLAIN[check], lang)
    if check in FLAGS:
        return t("check.flagged", lang,
                 flag=t(f"check.flag.{check}", lang))
    if check == "duplicate" and not value:
        return t("check.duplicate_unchecked", lang)
    if reason == READ_PROBLEMS:  # one count per kind of problem met while reading
        return t("check.read_problems", lang)
    k = re.fullmatch(r"disclosure_k(\d+)", check)
    pattern = PATTERNS.get("disclosure_k" if k else check)
    match = pattern.search(reason) if pattern else None
    if match is None:
        return reason
    fields = match.groupdict()
    if k:
        return t("check.disclosure_k", lang, keys=fields["keys"], k=k.group(1))
    if check == "disclosure_risk":
        key = "check.disclosure_risk" + ("_above" if fields.pop("side") == "above" else "")
        return t(key, lang, **fields)
    return t(f"check.{check}", lang, **fields)


def quality_rows(quality: pd.DataFrame | None, lang: str) -> list[dict[str, str]]:
    """The aggregate rows of the data-quality report (no row number, no area), with
    their reasons in ``lang``."""
    if quality is None or not len(quality):
        return []
    q = quality[quality["area_id"].isna() & quality["row"].isna()]
    rows = []
    for _, r in q.iterrows():
        value = "" if pd.isna(r["value"]) else str(r["value"])
        reason = "" if pd.isna(r["reason"]) else str(r["reason"])
        rows.append({"check": str(r["check"]), "value": value,
                     "reason": reason_text(str(r["check"]), value, reason, lang)})
    return rows


__all__ = ["PATTERNS", "quality_rows", "reason_text"]
