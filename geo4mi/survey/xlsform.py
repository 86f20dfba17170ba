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


def _sheet_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a dependency
        raise ImportError("reading XLSForms needs openpyxl: pip install openpyxl") from exc
    if not path.exists():
        raise InputFileError(f"{path}: XLSForm not found; check the path "
                             "(paths in a study file are relative to the study file)")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException...
        raise InputFileError(f"{path}: cannot read the XLSForm ({type(exc).__name__}: {exc}); "
                             "save it as .xlsx from Excel or LibreOffice") from exc
    try:
        return {ws.title.strip().lower(): [tuple(r) for r in ws.iter_rows(values_only=True)]
                for ws in book.worksheets}
    finally:
        book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _table(path: Path, sheet: str, rows: list[tuple[Any, ...]],
           required: tuple[str, ...]) -> tuple[list[dict[str, str]], dict[str, str]]:
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
            key = f"{m.group('col').strip().lower()}::{language_code(m.group('lang'))}"
        else:
            key = text.lower()
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
        rec = {h: _cell(v) for h, v in zip(headers, row) if h}
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
    if "settings" in sheets and sheets["settings"]:
        recs, _ = _table(path, "settings", sheets["settings"], ())
        if recs:
            settings = {k: v for k, v in recs[0].items() if not k.startswith("_")}
    default_raw = settings.get("default_language", "")
    default = language_code(default_raw) if default_raw else ""

    survey, survey_cols = _table(path, "survey", sheets["survey"], ("type", "name"))
    choice_recs: list[dict[str, str]] = []
    choice_cols: dict[str, str] = {}
    if "choices" in sheets:
        choice_recs, choice_cols = _table(path, "choices", sheets["choices"],
                                          ("list_name", "name"))
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
    for rec in survey:
        where = f"{path}: sheet 'survey', row {rec['_sheet_row']}"
        words = rec.get("type", "").replace("_", " ").split()
        if not words:
            if rec.get("name"):
                raise FormError(f"{where}, column 'type': question {rec['name']!r} has no type; "
                                "fill it in")
            continue
        head = " ".join(words[:2]).lower()
        if head in ("begin group", "begin repeat"):
            kind = head.split()[1]
            groups.append((kind, rec.get("name", "")))
            repeat_depth += kind == "repeat"
            continue
        if head in ("end group", "end repeat"):
            kind = head.split()[1]
            if not groups or groups[-1][0] != kind:
                raise FormError(f"{where}, column 'type': 'end {kind}' without a matching "
                                f"'begin {kind}'; fix the group structure")
            groups.pop()
            repeat_depth -= kind == "repeat"
            continue
        name = rec.get("name", "")
        raw_type = rec["type"].strip()
        base = raw_type.split()[0].lower()
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
        list_name = ""
        or_other = False
        if base in ("select_one", "select_multiple"):
            parts = raw_type.split()
            if len(parts) < 2:
                raise FormError(f"{where}, column 'type': {raw_type!r} names no choice list; "
                                f"write '{base} <list_name>'")
            list_name = parts[1]
            or_other = len(parts) > 2 and parts[2].lower() == "or_other"
            if list_name not in lists:
                raise FormError(f"{where}, column 'type': choice list {list_name!r} of question "
                                f"{name!r} is not defined in the choices sheet; add it")
        elif base.startswith(("select_one_from_file", "select_multiple_from_file")):
            base = base.replace("_from_file", "")
            list_name = ""
        rows.append({
            "name": name, "type": base, "list_name": list_name,
            "group": "/".join(g for _, g in groups if g),
            "relevant": rec.get("relevant", ""),
            "required": rec.get("required", "").lower() in _TRUE,
            "or_other": or_other,
            **labels(rec),
            "_sheet_row": rec["_sheet_row"],
        })
    if groups:
        kind, gname = groups[-1]
        raise FormError(f"{path}: sheet 'survey': 'begin {kind}' {gname!r} is never closed; "
                        f"add an 'end {kind}' row")
    if skipped:
        log.warning("%s: %d question(s) inside repeats are ignored (%s); geo4mi analyses one "
                    "row per respondent", path, len(skipped), ", ".join(skipped[:5]))
    columns = ["name", "type", "list_name", "group", "relevant", "required", "or_other",
               *[f"label::{c}" for c in languages]]
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
