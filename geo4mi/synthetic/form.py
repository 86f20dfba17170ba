"""The questionnaire's layout, as the synthetic sample needs it: questions, groups, choice lists.

Both ends of the generator follow the XLSForm: :func:`~geo4mi.synthetic.generate_respondents`
makes one column per data question, in form order, and checks every drawn answer against the
form's choice lists; :func:`~geo4mi.synthetic.to_kobo_export` names the export's columns by
the question's group path (``profile/age``). :func:`form_layout` reads just that much (names,
types, groups, choice names; no labels, no logic) from the ``survey`` and ``choices`` sheets.

Examples
--------
>>> questions, lists = form_layout(FORM_PATH)
>>> age = next(q for q in questions if q.name == "age")
>>> age.type, age.group
('integer', 'profile')
>>> lists["yes_no"]
['yes', 'no']
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo4mi.errors import FormError, InputFileError
from geo4mi.resources import bundled_root

#: Folder holding the bundled data/ and boundaries/ (installed package or checkout).
REPO = bundled_root()
#: The bundled questionnaire (XLSForm) the sample is drawn for.
FORM_PATH = REPO / "data" / "questionnaire.xlsx"


@dataclass(frozen=True)
class Question:
    """One data question: XML name, base type, choice list name (or empty), group path."""

    name: str
    type: str
    list_name: str
    group: str


def form_layout(path: str | os.PathLike[str]) -> tuple[list[Question], dict[str, list[str]]]:
    """Data questions of an XLSForm in order, and its choice lists (names only).

    Notes are skipped; ``begin``/``end group`` (and repeat) rows set each question's group
    path (``"profile"``, ``"a/b"``, or ``""`` at the top level).

    Raises
    ------
    InputFileError
        ``path`` does not exist.
    FormError
        A sheet is missing, an ``end group`` has no ``begin``, or a question names a choice
        list that the ``choices`` sheet lacks.
    """
    import openpyxl

    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: XLSForm not found; check the path")
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)]
                  for ws in book.worksheets if ws.title in ("survey", "choices")}
    finally:
        book.close()
    for sheet in ("survey", "choices"):
        if not sheets.get(sheet):
            raise FormError(f"{path}: sheet {sheet!r} is missing or empty; an XLSForm needs "
                            "'survey' and 'choices' sheets")

    def records(rows: list[list[Any]]) -> list[dict[str, str]]:
        head = [str(h).strip() if h is not None else "" for h in rows[0]]
        return [{h: ("" if v is None else str(v).strip()) for h, v in zip(head, row,
                                                                          strict=False) if h}
                for row in rows[1:]]

    lists: dict[str, list[str]] = {}
    for rec in records(sheets["choices"]):
        if rec.get("list_name") and rec.get("name"):
            lists.setdefault(rec["list_name"], []).append(rec["name"])
    questions: list[Question] = []
    groups: list[str] = []
    for number, rec in enumerate(records(sheets["survey"]), start=2):
        words = rec.get("type", "").replace("_", " ").split()
        if not words:
            continue
        head = " ".join(words[:2]).lower()
        if head in ("begin group", "begin repeat"):
            groups.append(rec.get("name", ""))
        elif head in ("end group", "end repeat"):
            if not groups:
                raise FormError(f"{path}: sheet 'survey', row {number}, column 'type': "
                                f"{rec['type']!r} without a matching begin; fix the groups")
            groups.pop()
        elif words[0] != "note" and rec.get("name"):
            parts = rec["type"].split()
            base = parts[0]
            list_name = parts[1] if base in ("select_one", "select_multiple") and \
                len(parts) > 1 else ""
            if list_name and list_name not in lists:
                raise FormError(f"{path}: sheet 'survey', row {number}, column 'type': choice "
                                f"list {list_name!r} is not in the choices sheet; add it")
            questions.append(Question(rec["name"], base, list_name,
                                       "/".join(g for g in groups if g)))
    return questions, lists
