"""Read an XLSForm (survey, choices and settings sheets) into a :class:`Form`.

The form is what every later step checks the export against: question names and base
types, the group each question sits in, the choice list of each select question and the
labels in every language. Language columns are normalised to their codes:
``label::Spanish (es)`` becomes ``label::es``; a header without a code
(``label::English``) is mapped through :data:`LANGUAGE_CODES`; a plain ``label`` column
belongs to the default language.

Repeats cannot be analysed per respondent: questions inside ``begin repeat`` … ``end
repeat`` are left out with a logged warning.

Examples
--------
>>> form = read_form(example_form_path())
>>> form.languages, form.default_language
(['es', 'en'], 'es')
>>> form.questions.set_index("name").loc["borough", ["type", "list_name", "group"]].tolist()
['select_one', 'alcaldia', 'profile']
>>> form.label("age", "en"), form.choice_label("alcaldia", "cuauhtemoc")
('Age', 'Cuauhtémoc')
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from geo4mi.errors import FormError, InputFileError

log = logging.getLogger(__name__)

#: Language names (lower case, as XLSForm headers spell them) to ISO 639-1 codes, used when
#: a ``label::<Language>`` header has no ``(code)``.
LANGUAGE_CODES: dict[str, str] = {
    "spanish": "es", "español": "es", "espanol": "es", "english": "en", "inglés": "en",
    "ingles": "en", "french": "fr", "français": "fr", "francais": "fr", "portuguese": "pt",
    "português": "pt", "portugues": "pt", "arabic": "ar", "haitian creole": "ht",
    "kreyòl": "ht", "creole": "ht",
}

#: Base types that hold an answer in the export. Others (note, group markers) do not.
SELECT_TYPES = ("select_one", "select_multiple")
NO_DATA_TYPES = frozenset({"note", "begin_group", "end_group", "begin_repeat", "end_repeat"})

# -- XLSForm spellings, mirrored from pyxform (tests/test_xlsform_pyxform.py compares them) -----

#: Every question type pyxform accepts (``pyxform.question_type_dictionary``), as geo4mi's
#: base type. Types that hold no analysable answer keep pyxform's own name.
TYPE_ALIASES: dict[str, str] = {
    **dict.fromkeys(("int", "integer", "q int", "add integer prompt", "percentage",
                     "number of days in last month", "number of days in last six months",
                     "number of days in last year"), "integer"),
    **dict.fromkeys(("decimal", "q decimal", "add decimal prompt"), "decimal"),
    "range": "range",
    **dict.fromkeys(("text", "string", "q string", "add text prompt", "phone number"), "text"),
    **dict.fromkeys(("geopoint", "gps", "location", "q geopoint", "q location",
                     "add location prompt"), "geopoint"),
    **dict.fromkeys(("geoshape", "q geoshape"), "geoshape"),
    **dict.fromkeys(("geotrace", "q geotrace"), "geotrace"),
    **dict.fromkeys(("select one", "select one using", "q select1",
                     "add select one prompt using"), "select_one"),
    **dict.fromkeys(("select all that apply", "select all that apply from",
                     "select multiple from", "select multiple using", "q select",
                     "add select multiple prompt using"), "select_multiple"),
    "select one external": "select_one_external",
    "rank": "rank",
    **dict.fromkeys(("note", "q note", "add note prompt"), "note"),
    **dict.fromkeys(("acknowledge", "q acknowledge", "add acknowledge prompt", "trigger"),
                    "acknowledge"),
    **dict.fromkeys(("calculate", "q calculate", "add calculate prompt", "hidden"), "calculate"),
    **dict.fromkeys(("date", "q date", "add date prompt"), "date"),
    **dict.fromkeys(("datetime", "date time", "q date time", "q datetime",
                     "add date time prompt", "add datetime prompt"), "dateTime"),
    "time": "time",
    **dict.fromkeys(("barcode", "q barcode", "add barcode prompt"), "barcode"),
    **dict.fromkeys(("photo", "image", "q image", "q picture", "add image prompt",
                     "add photo prompt"), "image"),
    **dict.fromkeys(("audio", "q audio", "add audio prompt"), "audio"),
    **dict.fromkeys(("video", "q video", "add video prompt"), "video"),
    **dict.fromkeys(("file", "add file prompt"), "file"),
    "background-audio": "background-audio", "background-geopoint": "background-geopoint",
    "start-geopoint": "start-geopoint", "audit": "audit", "osm": "osm",
    "csv-external": "csv-external", "xml-external": "xml-external",
    **dict.fromkeys(("start", "start time", "get start time"), "start"),
    **dict.fromkeys(("end", "end time", "get end time"), "end"),
    **dict.fromkeys(("today", "get today"), "today"),
    **dict.fromkeys(("deviceid", "device id", "get device id", "imei", "uri:deviceid"),
                    "deviceid"),
    **dict.fromkeys(("subscriberid", "subscriber id", "get subscriber id", "uri:subscriberid"),
                    "subscriberid"),
    **dict.fromkeys(("simserial", "sim id", "get sim id", "uri:simserial"), "simserial"),
    **dict.fromkeys(("phonenumber", "get phone number", "uri:phonenumber"), "phonenumber"),
    **dict.fromkeys(("username", "uri:username"), "username"),
    **dict.fromkeys(("email", "uri:email"), "email"),
}
#: Select commands followed by a list name (``pyxform.aliases.select``).
SELECT_ALIASES: dict[str, str] = {
    **dict.fromkeys(("select_one", "select one", "select1", "select one from",
                     "add select one prompt using"), "select_one"),
    **dict.fromkeys(("select_multiple", "select all that apply", "select all that apply from",
                     "add select multiple prompt using"), "select_multiple"),
    "select_one_external": "select_one_external",
    **dict.fromkeys(("select_one_from_file", "select one from file"), "select_one_from_file"),
    **dict.fromkeys(("select_multiple_from_file", "select multiple from file"),
                    "select_multiple_from_file"),
    "rank": "rank",
}
#: Group and repeat words after ``begin``/``end`` (``pyxform.aliases.control``).
CONTROL_ALIASES: dict[str, str] = {"group": "group", "lgroup": "repeat", "repeat": "repeat",
                                   "loop": "loop", "looped group": "repeat"}
#: Column headers of the survey sheet that pyxform reads under another name
#: (``pyxform.aliases.survey_header``), restricted to the columns geo4mi reads.
SURVEY_HEADER_ALIASES: dict[str, str] = {"caption": "label", "relevance": "relevant",
                                         "command": "type", "tag": "name", "value": "name",
                                         "calculation": "calculate"}
#: Column headers of the choices sheet (``pyxform.aliases.list_header``).
CHOICES_HEADER_ALIASES: dict[str, str] = {"caption": "label", "list name": "list_name",
                                          "value": "name"}

_HEADER = re.compile(r"^\s*(?P<col>[^:]+?)\s*::\s*(?P<lang>.+?)\s*$")
_CODE = re.compile(r"\(\s*(?P<code>[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?)\s*\)\s*$")
_TRUE = frozenset({"yes", "true", "true()", "1", "y", "sí", "si"})


@dataclass(frozen=True)
class Form:
    """An XLSForm, as tables.

    Attributes
    ----------
    questions : DataFrame
        ``name, type, list_name, group, relevant, required, or_other, label::<lang>...``
        in form order; ``type`` is the base type (``select_one``, ``integer``...),
        ``group`` the ``/``-joined path of group names ("" at the top level).
    choices : DataFrame
        ``list_name, name, label::<lang>...`` in sheet order.
    languages : list of str
        Language codes with labels, default language first.
    default_language : str
    path : Path
    title, form_id, version : str
        From the settings sheet ("" when absent).
    duplicates : dict
        Question names that appear more than once in the survey sheet -> the sheet rows of
        every occurrence. The first data question of that name is read; the others (and
        notes) are dropped. Whether that is acceptable depends on what uses the name, so
        the caller decides (:mod:`geo4mi.pipeline` refuses names the catalogue uses).
    """

    questions: pd.DataFrame
    choices: pd.DataFrame
    languages: list[str]
    default_language: str
    path: Path
    title: str = ""
    form_id: str = ""
    version: str = ""
    duplicates: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False)
    _q: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)
    _lists: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)
    _choice: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict, repr=False,
                                                           compare=False)

    def __post_init__(self) -> None:
        self._q.update({r["name"]: r for r in self.questions.to_dict("records")})
        for rec in self.choices.to_dict("records"):
            self._lists.setdefault(str(rec["list_name"]), []).append(str(rec["name"]))
            self._choice[(str(rec["list_name"]), str(rec["name"]))] = rec

    # -- lookups --------------------------------------------------------------------
    def question(self, name: str) -> dict[str, Any]:
        """The row of question ``name`` as a dict; :class:`FormError` when unknown."""
        try:
            return self._q[name]
        except KeyError:
            raise FormError(f"{self.path}: question {name!r} is not in the survey sheet; "
                            f"check the name (questions: {', '.join(list(self._q)[:12])}...)"
                            ) from None

    def has_question(self, name: str) -> bool:
        """Whether ``name`` is a question of the form."""
        return name in self._q

    def _lang(self, lang: str | None) -> str:
        if lang is None:
            return self.default_language
        if lang not in self.languages:
            raise FormError(f"{self.path}: language {lang!r} has no labels; "
                            f"use one of {', '.join(self.languages)}")
        return lang

    def label(self, question: str, lang: str | None = None) -> str:
        """Label of ``question`` in ``lang`` (default language when None or empty).

        Falls back to the default language, then any language, then the name.

        Examples
        --------
        >>> form = read_form(example_form_path())
        >>> form.label("borough")
        'Alcaldía de residencia'
        """
        row = self.question(question)
        lang = self._lang(lang)
        for code in (lang, self.default_language, *self.languages):
            text = row.get(f"label::{code}")
            if isinstance(text, str) and text:
                return text
        return question

    def choices_of(self, question: str) -> list[str]:
        """Choice names of a select question, in form order (``other`` added for or_other).

        Examples
        --------
        >>> read_form(example_form_path()).choices_of("gender")
        ['man', 'woman', 'other']
        """
        row = self.question(question)
        if row["type"] not in SELECT_TYPES:
            raise FormError(f"{self.path}: question {question!r} is {row['type']!r}, not a "
                            "select question; it has no choices")
        names = list(self._lists.get(row["list_name"], []))
        if row["or_other"] and "other" not in names:
            names.append("other")
        return names

    def choice_label(self, list_name: str, choice: str, lang: str | None = None) -> str:
        """Label of ``choice`` in ``list_name``; falls back to other languages, then the name.

        Examples
        --------
        >>> read_form(example_form_path()).choice_label("gender", "woman", "en")
        'Woman'
        """
        lang = self._lang(lang)
        hit = self._choice.get((list_name, choice))
        if hit is None:
            if choice == "other":
                return {"es": "Otro", "en": "Other"}.get(lang, "other")
            raise FormError(f"{self.path}: choice {choice!r} is not in list {list_name!r}; "
                            f"choices: {', '.join(self._lists.get(list_name, []))}")
        for code in (lang, self.default_language, *self.languages):
            text = hit.get(f"label::{code}")
            if isinstance(text, str) and text:
                return text
        return choice

    def data_questions(self) -> pd.DataFrame:
        """Questions that hold an answer in an export (no notes), in form order."""
        return self.questions[~self.questions["type"].isin(NO_DATA_TYPES)]


# -- reading ----------------------------------------------------------------------------

def language_code(header_language: str) -> str:
    """Code of a language as written in an XLSForm header.

    Examples
    --------
    >>> language_code("Spanish (es)"), language_code("English"), language_code("en")
    ('es', 'en', 'en')
    """
    text = header_language.strip()
    m = _CODE.search(text)
    if m:
        return m.group("code").lower()
    key = text.lower()
    if key in LANGUAGE_CODES:
        return LANGUAGE_CODES[key]
    return key.replace(" ", "_") or "default"


def read_workbook(path: Path, *, what: str = "workbook") -> dict[str, list[list[Any]]]:
    """Every sheet of an Excel (``.xlsx``, ``.xlsm``, ``.xls``) or OpenDocument (``.ods``)
    workbook as rows of cell values, keyed by sheet name (order kept).

    Read with python-calamine, which reads all these formats; empty cells are ``None``.
    """
    try:
        from python_calamine import CalamineWorkbook
    except ImportError as exc:  # pragma: no cover - python-calamine is a dependency
        raise ImportError("reading workbooks needs python-calamine: "
                          "pip install python-calamine") from exc
    if not path.exists():
        raise InputFileError(f"{path}: {what} not found; check the path "
                             "(paths in a study file are relative to the study file)")
    try:
        book = CalamineWorkbook.from_path(str(path))
        try:
            sheets = {}
            for name in book.sheet_names:
                rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                sheets[name] = [[None if v == "" else v for v in row] for row in rows]
        finally:
            book.close()
    except InputFileError:
        raise
    except Exception as exc:  # CalamineError, zip and OLE errors...
        raise InputFileError(f"{path}: cannot read the {what} ({type(exc).__name__}: "
                             f"{str(exc)[:120]}); save it again as .xlsx from Excel or "
                             "LibreOffice") from exc
    return sheets


def _sheet_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    sheets = read_workbook(path, what="XLSForm")
    return {name.strip().lower(): [tuple(r) for r in rows] for name, rows in sheets.items()}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _table(path: Path, sheet: str, rows: list[tuple[Any, ...]], required: tuple[str, ...],
           aliases: dict[str, str] | None = None,
           ) -> tuple[list[dict[str, str]], dict[str, str]]:
    """Rows of a sheet as dicts keyed by normalised header; also header -> original text."""
    if not rows:
        raise FormError(f"{path}: sheet {sheet!r} is empty; it needs a header row with "
                        f"{', '.join(required)}")
    headers: list[str] = []
    original: dict[str, str] = {}
    for raw in rows[0]:
        text = _cell(raw)
        m = _HEADER.match(text)
        if m:
            col = " ".join(m.group("col").lower().split())
            key = f"{(aliases or {}).get(col, col)}::{language_code(m.group('lang'))}"
        else:
            key = " ".join(text.lower().split())
            key = (aliases or {}).get(key, key)
        headers.append(key)
        if key:
            if key in original:
                raise FormError(f"{path}: sheet {sheet!r}, row 1: column {text!r} appears twice; "
                                "delete one of them")
            original[key] = text
    missing = [c for c in required if c not in original]
    if missing:
        raise FormError(f"{path}: sheet {sheet!r}, row 1: column {missing[0]!r} is missing "
                        f"(found: {', '.join(original.values())}); add it")
    records = []
    for number, row in enumerate(rows[1:], start=2):
        rec = {h: _cell(v) for h, v in zip(headers, row, strict=False) if h}
        if any(rec.values()):
            rec["_sheet_row"] = str(number)
            records.append(rec)
    return records, original


def _label_languages(columns: dict[str, str], default: str) -> list[str]:
    langs = []
    for key in columns:
        if key.startswith("label::"):
            code = key.split("::", 1)[1]
            if code not in langs:
                langs.append(code)
    if "label" in columns and default not in langs:
        langs.append(default)
    if default in langs:
        langs.remove(default)
    return [default, *langs]


_CONTROL = re.compile(r"^(?P<edge>begin|end)[ _](?P<kind>"
                      + "|".join(sorted(map(re.escape, CONTROL_ALIASES), key=len, reverse=True))
                      + r")(?: (?:over )?\S+)?$", re.IGNORECASE)
_SELECT = re.compile(r"^(?P<command>"
                     + "|".join(sorted(map(re.escape, SELECT_ALIASES), key=len, reverse=True))
                     + r") (?P<list_name>\S+)(?: (?P<other>or specify other|or_other|or other))?$",
                     re.IGNORECASE)


def _question_type(raw_type: str, where: str) -> tuple[str, str, bool]:
    """(base type, list name, or_other) of a ``type`` cell, with pyxform's spellings.

    Examples
    --------
    >>> _question_type("select all that apply yn or_other", "")
    ('select_multiple', 'yn', True)
    >>> _question_type("select one from file places.csv", "")
    ('select_one', '', False)
    >>> _question_type("q int", ""), _question_type("location", "")
    (('integer', '', False), ('geopoint', '', False))
    """
    m = _SELECT.match(raw_type)
    if m:
        command = SELECT_ALIASES[m.group("command").lower()]
        if command in ("select_one_from_file", "select_multiple_from_file"):
            # choices from an external file: kept as text, not validated
            return command.replace("_from_file", ""), "", False
        if command == "select_one_external":
            return "select_one_external", "", False
        return command, m.group("list_name"), bool(m.group("other"))
    key = raw_type.lower()
    if key in TYPE_ALIASES:
        return TYPE_ALIASES[key], "", False
    first = key.split()[0]
    if first in SELECT_ALIASES or key in SELECT_ALIASES or key.startswith("select"):
        raise FormError(f"{where}, column 'type': {raw_type!r} names no choice list; "
                        f"write '{first} <list_name>'")
    if first in TYPE_ALIASES:  # e.g. "text some-parameter"
        return TYPE_ALIASES[first], "", False
    log.warning("%s: unknown question type %r; its column is read as text", where, raw_type)
    return first, "", False


def read_form(path: str | os.PathLike[str]) -> Form:
    """Read an XLSForm (``.xlsx``) into a :class:`Form`.

    Parameters
    ----------
    path : path-like
        The XLSForm with ``survey``, ``choices`` (when there are select questions) and
        optionally ``settings`` sheets.

    Returns
    -------
    Form

    Raises
    ------
    InputFileError
        The file is missing or not an Excel workbook.
    FormError
        A sheet or column is missing, a select question names an undefined choice list,
        a question name is duplicated or a group is not closed; the message names the
        file, sheet and row.

    Examples
    --------
    >>> form = read_form(example_form_path())
    >>> form.choices_of("borough")[:2]
    ['cuauhtemoc', 'iztapalapa']
    """
    path = Path(path)
    sheets = _sheet_rows(path)
    if "survey" not in sheets:
        raise FormError(f"{path}: no 'survey' sheet (sheets: {', '.join(sheets)}); "
                        "an XLSForm needs sheets named survey and choices")
    settings: dict[str, str] = {}
    if sheets.get("settings"):
        recs, _ = _table(path, "settings", sheets["settings"], ())
        if recs:
            settings = {k: v for k, v in recs[0].items() if not k.startswith("_")}
    default_raw = settings.get("default_language", "")
    default = language_code(default_raw) if default_raw else ""

    survey, survey_cols = _table(path, "survey", sheets["survey"], ("type", "name"),
                                 SURVEY_HEADER_ALIASES)
    choice_recs: list[dict[str, str]] = []
    choice_cols: dict[str, str] = {}
    if "choices" in sheets:
        choice_recs, choice_cols = _table(path, "choices", sheets["choices"],
                                          ("list_name", "name"), CHOICES_HEADER_ALIASES)
    if not default:
        codes = [k.split("::", 1)[1] for k in survey_cols if k.startswith("label::")]
        default = codes[0] if codes else "default"
    languages = _label_languages({**survey_cols, **choice_cols}, default)

    def labels(rec: dict[str, str]) -> dict[str, str]:
        out = {f"label::{code}": rec.get(f"label::{code}", "") for code in languages}
        if rec.get("label") and not out[f"label::{default}"]:
            out[f"label::{default}"] = rec["label"]
        return out

    lists: dict[str, list[dict[str, str]]] = {}
    seen_choice: set[tuple[str, str]] = set()
    for rec in choice_recs:
        where = f"{path}: sheet 'choices', row {rec['_sheet_row']}"
        list_name, name = rec.get("list_name", ""), rec.get("name", "")
        if not list_name or not name:
            raise FormError(f"{where}: empty list_name or name ({list_name!r}, {name!r}); "
                            "fill both or delete the row")
        if (list_name, name) in seen_choice:
            raise FormError(f"{where}, column 'name': choice {name!r} appears twice in list "
                            f"{list_name!r}; choice names must be unique within a list")
        seen_choice.add((list_name, name))
        lists.setdefault(list_name, []).append({"list_name": list_name, "name": name,
                                                **labels(rec)})

    rows: list[dict[str, Any]] = []
    groups: list[tuple[str, str]] = []  # (kind, name)
    names: set[str] = set()
    duplicates: dict[str, list[int]] = {}
    repeat_depth = 0
    skipped: list[str] = []
    other_lists: list[str] = []
    for rec in survey:
        where = f"{path}: sheet 'survey', row {rec['_sheet_row']}"
        raw_type = " ".join(rec.get("type", "").split())
        if not raw_type:
            if rec.get("name"):
                raise FormError(f"{where}, column 'type': question {rec['name']!r} has no type; "
                                "fill it in")
            continue
        control = _CONTROL.match(raw_type)
        if control:
            kind = "group" if CONTROL_ALIASES[control.group("kind").lower()] == "group" \
                else "repeat"
            if control.group("edge").lower() == "begin":
                groups.append((kind, rec.get("name", "")))
                repeat_depth += kind == "repeat"
                continue
            if not groups or groups[-1][0] != kind:
                raise FormError(f"{where}, column 'type': 'end {kind}' without a matching "
                                f"'begin {kind}'; fix the group structure")
            groups.pop()
            repeat_depth -= kind == "repeat"
            continue
        base, list_name, or_other = _question_type(raw_type, where)
        name = rec.get("name", "")
        if not name:
            if base == "note":
                continue
            raise FormError(f"{where}, column 'name': {raw_type!r} question without a name; "
                            "give every question a name")
        if repeat_depth:
            skipped.append(name)
            continue
        if name in names:
            first = next(r for r in rows if r["name"] == name)
            duplicates.setdefault(name, [int(first["_sheet_row"])]).append(int(rec["_sheet_row"]))
            if first["type"] in NO_DATA_TYPES and base not in NO_DATA_TYPES:
                rows.remove(first)  # a question wins over a note of the same name
            else:
                continue
        names.add(name)
        if (list_name or base == "rank") and list_name not in lists:
            raise FormError(f"{where}, column 'type': choice list {list_name!r} of question "
                            f"{name!r} is not defined in the choices sheet; add it")
        group = "/".join(g for _, g in groups if g)
        rows.append({
            "name": name, "type": base, "list_name": list_name, "group": group,
            "relevant": rec.get("relevant", ""),
            "required": rec.get("required", "").lower() in _TRUE,
            "or_other": or_other, "constraint": rec.get("constraint", ""),
            **labels(rec),
            "_sheet_row": rec["_sheet_row"],
        })
        if or_other:
            # pyxform adds "other" to the list and a text question for what was specified
            if list_name not in other_lists:
                other_lists.append(list_name)
            if f"{name}_other" not in names:
                names.add(f"{name}_other")
                rows.append({"name": f"{name}_other", "type": "text", "list_name": "",
                             "group": group, "relevant": f"selected(${{{name}}}, 'other')",
                             "required": False, "or_other": False, "constraint": "",
                             **{f"label::{c}": "Specify other." for c in languages},
                             "_sheet_row": rec["_sheet_row"]})
    for list_name in other_lists:
        if not any(c["name"] == "other" for c in lists[list_name]):
            lists[list_name].append({"list_name": list_name, "name": "other",
                                     **{f"label::{c}": "Other" for c in languages}})
    if groups:
        kind, gname = groups[-1]
        raise FormError(f"{path}: sheet 'survey': 'begin {kind}' {gname!r} is never closed; "
                        f"add an 'end {kind}' row")
    if skipped:
        log.warning("%s: %d question(s) inside repeats are ignored (%s); geo4mi analyses one "
                    "row per respondent", path, len(skipped), ", ".join(skipped[:5]))
    columns = ["name", "type", "list_name", "group", "relevant", "required", "or_other",
               "constraint", *[f"label::{c}" for c in languages]]
    for name, where_rows in duplicates.items():
        log.warning("%s: sheet 'survey': question name %r appears %d times (rows %s); the "
                    "first is read", path, name, len(where_rows),
                    ", ".join(map(str, where_rows)))
    questions = pd.DataFrame(rows, columns=columns)
    choices = pd.DataFrame([c for recs in lists.values() for c in recs],
                           columns=["list_name", "name", *[f"label::{c}" for c in languages]])
    return Form(questions=questions, choices=choices, languages=languages,
                default_language=default, path=path, title=settings.get("form_title", ""),
                form_id=settings.get("form_id", ""), version=settings.get("version", ""),
                duplicates={k: tuple(v) for k, v in duplicates.items()})


# -- a tiny form for examples and tests ----------------------------------------------------

_EXAMPLE_SURVEY = [
    ("type", "name", "label::Spanish (es)", "label::English (en)", "relevant", "required"),
    ("geopoint", "gps", "Ubicación", "Location", None, None),
    ("begin_group", "profile", "Perfil", "Profile", None, None),
    ("select_one alcaldia", "borough", "Alcaldía de residencia", "Borough of residence",
     None, "yes"),
    ("integer", "age", "Edad", "Age", None, "yes"),
    ("select_one gender", "gender", "Género", "Gender", None, None),
    ("select_one time_in_city", "time_in_city", "Tiempo en la ciudad", "Time in the city",
     None, None),
    ("select_multiple leave_reason", "leave_reasons", "Motivos para salir", "Reasons to leave",
     None, None),
    ("end_group", None, None, None, None, None),
    ("begin_group", "life_in_city", "Vida en la ciudad", "Life in the city", None, None),
    ("select_one yes_no", "discriminated", "¿Ha sufrido discriminación?",
     "Have you been discriminated against?", None, None),
    ("select_one yes_no", "crime_victim", "¿Ha sido víctima de un delito?",
     "Have you been a victim of crime?", None, None),
    ("select_one yes_no", "complaint_filed", "¿Presentó una denuncia?", "Did you file a complaint?",
     "${crime_victim} = 'yes'", None),
    ("decimal", "income", "Ingreso mensual", "Monthly income", None, None),
    ("text", "comments", "Comentarios", "Comments", None, None),
    ("end_group", None, None, None, None, None),
]
_EXAMPLE_CHOICES = [
    ("list_name", "name", "label::Spanish (es)", "label::English (en)"),
    ("alcaldia", "cuauhtemoc", "Cuauhtémoc", "Cuauhtémoc"),
    ("alcaldia", "iztapalapa", "Iztapalapa", "Iztapalapa"),
    ("alcaldia", "gustavo_a_madero", "Gustavo A. Madero", "Gustavo A. Madero"),
    ("alcaldia", "coyoacan", "Coyoacán", "Coyoacán"),
    ("gender", "man", "Hombre", "Man"),
    ("gender", "woman", "Mujer", "Woman"),
    ("gender", "other", "Otro", "Other"),
    ("time_in_city", "lt_3m", "Menos de 3 meses", "Less than 3 months"),
    ("time_in_city", "3_12m", "De 3 a 12 meses", "3 to 12 months"),
    ("time_in_city", "1_5y", "De 1 a 5 años", "1 to 5 years"),
    ("time_in_city", "gt_5y", "Más de 5 años", "More than 5 years"),
    ("leave_reason", "economic", "Económicos", "Economic"),
    ("leave_reason", "violence", "Violencia", "Violence"),
    ("leave_reason", "services", "Acceso a servicios", "Access to services"),
    ("leave_reason", "other", "Otro motivo", "Other reason"),
    ("yes_no", "yes", "Sí", "Yes"),
    ("yes_no", "no", "No", "No"),
]
_EXAMPLE_SETTINGS = [("form_title", "form_id", "default_language", "version"),
                     ("Ejemplo geo4mi", "geo4mi_example", "Spanish (es)", "1")]


def write_example_form(path: str | os.PathLike[str]) -> Path:
    """Write a small bilingual XLSForm (used by examples and tests) to ``path``.

    It has a geopoint ``gps``, groups ``profile`` and ``life_in_city``, select_one,
    select_multiple, integer, decimal and text questions, and a ``relevant`` condition.
    """
    import openpyxl

    from geo4mi.io import atomic_write

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in (("survey", _EXAMPLE_SURVEY), ("choices", _EXAMPLE_CHOICES),
                        ("settings", _EXAMPLE_SETTINGS)):
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(list(row))
    with atomic_write(path) as tmp:
        book.save(tmp)
    return Path(path)


_EXAMPLE_PATH: list[Path] = []


def example_form_path() -> Path:
    """Path of the example XLSForm, written once per process to a temporary folder."""
    if not _EXAMPLE_PATH or not _EXAMPLE_PATH[0].exists():
        folder = Path(tempfile.mkdtemp(prefix="geo4mi_form_"))
        atexit.register(shutil.rmtree, folder, True)
        _EXAMPLE_PATH[:] = [write_example_form(folder / "example_form.xlsx")]
    return _EXAMPLE_PATH[0]
