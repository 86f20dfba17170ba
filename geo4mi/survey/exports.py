"""Read KoboToolbox and ODK Central exports, in any of their layouts, into canonical respondents.

Real exports arrive in many shapes; :func:`read_export` turns every one of them into the
same *respondents* table (see ``docs/design.md``) and lists every problem it finds as a row
of an *issues* table instead of crashing:

- **files**: CSV with comma, semicolon or tab separators, UTF-8 with or without a BOM,
  cp1252 as Excel saves it, or UTF-8 with a few stray cp1252 bytes (detected and reported,
  or given with ``encoding=``); ODK Central ``.csv.zip`` (the main table); XLSX, XLS or ODS
  (first sheet, or ``sheet=``);
- **R and pandas rewrites**: ``X_`` prefixes, ``X.U.FEFF.`` first headers, ``NA``/``N/A``/
  ``#N/A`` for missing (unless a choice), ``TRUE``/``FALSE`` split cells, repeated headers
  (labels exports: told apart by position in form order);
- **headers**: question names with or without their group path (``profile/age``,
  ``profile-age``, ``age``), or the questions' labels in any language of the form;
- **select_multiple**: a summary column of space-separated choices, one 0/1 column per
  choice (``q/choice``, ``q.choice``, ``q_choice``, ``q-choice``), or both. Split columns
  that ODK Central fills with 0 when the question was not answered count as unanswered
  where the summary is empty; a row with no choice selected counts as unanswered;
- **geopoints**: Kobo's ``_q_latitude``, ``_q_longitude``… ODK Central's ``q-Latitude``,
  ``q-Longitude``…, or the raw ``"lat lon alt accuracy"`` text;
- **values**: choice names, or choice labels (Spanish or English) as "labels" exports write
  them.

Examples
--------
>>> import pathlib, tempfile
>>> from geo4mi.survey.xlsform import example_form_path, read_form
>>> form = read_form(example_form_path())
>>> csv = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
>>> _ = csv.write_text("profile/borough;profile/age;profile/gender\\n"
...                    "cuauhtemoc;34;woman\\nIztapalapa;17;martian\\n", encoding="cp1252")
>>> respondents, issues = read_export(csv, form)
>>> respondents[["borough", "age", "gender", "_row"]]
      borough  age gender  _row
0  cuauhtemoc   34  woman     1
1  iztapalapa   17   <NA>     2
>>> issues.loc[issues["kind"] == "unknown_choice", ["row", "column", "value"]].to_numpy().tolist()
[[2, 'profile/gender', 'martian']]
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import os
import re
import unicodedata
import zipfile
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from geo4mi.errors import InputFileError, SurveyDataError
from geo4mi.indicators.expressions import factorize, head_distinct
from geo4mi.survey.xlsform import Form, read_workbook

log = logging.getLogger(__name__)

LAYOUTS = ("auto", "names", "labels")
ISSUE_COLUMNS = ["kind", "row", "column", "value", "reason"]
#: Submission metadata kept in the respondents table (export header -> column).
META_COLUMNS = {"_id": "_id", "_uuid": "_uuid", "_submission_time": "_submission_time",
                "key": "KEY", "meta/instanceid": "instanceID", "meta-instanceid": "instanceID",
                "instanceid": "instanceID"}
#: Export bookkeeping columns dropped without comment (lower case).
IGNORED_COLUMNS = frozenset({
    "_index", "_validation_status", "_status", "_submitted_by", "__version__", "_version_",
    "_notes", "_tags", "_attachments", "_geolocation", "_parent_index", "_parent_table_name",
    "_xform_id_string", "_duration", "_media_count", "_media_all_received", "formhub/uuid",
    "meta/rootuuid", "meta/deprecatedid", "meta/instancename", "meta-instancename",
    "submissiondate", "submitterid", "submittername", "attachmentspresent",
    "attachmentsexpected", "status", "reviewstate", "deviceid", "edits", "formversion",
    "start", "end", "today", "username", "phonenumber", "simserial", "subscriberid", "audit",
})
_GROUP_SEPS = ("/", "-", ".", ":")
_CHOICE_SEPS = ("/", ".", "_", "-", ":")
_GEO_PARTS = {"latitude": "lat", "longitude": "lon", "altitude": "alt", "precision": "acc",
              "accuracy": "acc", "lat": "lat", "lon": "lon", "lng": "lon"}
_TRUE_TEXT = frozenset({"1", "1.0", "true", "yes", "sí", "si", "verdadero", "x"})
_FALSE_TEXT = frozenset({"0", "0.0", "false", "no", "falso"})
_NUMERIC_TYPES = frozenset({"integer", "decimal", "range"})
#: Cell text that R (``write.csv``), Excel and databases write for a missing value. Read as
#: missing, unless it is a choice of the question's list.
NA_TEXT = frozenset({"NA", "N/A", "n/a", "#N/A", "NULL", "NaN", "<NA>"})
_INT64_LIMIT = 2.0 ** 63
_COMPARE = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less,
            "=": np.equal, "!=": np.not_equal}
_BOUND = re.compile(r"^\s*\.\s*(>=|<=|!=|>|<|=)\s*(-?\d+(?:\.\d+)?)\s*$")


def _constraint_bounds(expr: str) -> list[tuple[str, float]]:
    """The comparisons of a simple XLSForm constraint (``. >= 18 and . <= 120``); [] for
    any other expression, which geo4mi does not check.

    >>> _constraint_bounds(". >= 18 and .<=120"), _constraint_bounds("regex(., '^[0-9]+$')")
    ([('>=', 18.0), ('<=', 120.0)], [])
    """
    if not expr or " or " in f" {expr} ":
        return []
    out = []
    for term in re.split(r"\band\b", expr):
        m = _BOUND.match(term)
        if not m:
            return []
        out.append((m.group(1), float(m.group(2))))
    return out


@dataclass(frozen=True)
class _Target:
    kind: str       # question | split | geo | meta
    question: str   # question name, or meta column
    part: str = ""  # choice name (split) or lat/lon/alt/acc (geo)


def _norm(text: str) -> str:
    """Loose key for headers and labels: NFC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


# -- header index -----------------------------------------------------------------------------

class _HeaderIndex:
    """Every spelling of every export column a form can produce, mapped to its target."""

    def __init__(self, form: Form, *, labels: bool) -> None:
        self.exact: dict[str, list[_Target]] = {}
        self.loose: dict[str, list[_Target]] = {}
        questions = form.data_questions()
        tiers: list[list[tuple[str, _Target]]] = [[], [], []]
        for q in questions.to_dict("records"):
            name, qtype = q["name"], q["type"]
            groups = [g for g in q["group"].split("/") if g]
            paths = {name}
            for sep in _GROUP_SEPS:
                for i in range(len(groups)):
                    paths.add(sep.join([*groups[i:], name]))
            for p in sorted(paths):
                tiers[0].append((p, _Target("question", name)))
                if qtype == "geopoint":
                    for word, part in _GEO_PARTS.items():
                        for key in (f"_{p}_{word}", f"{p}_{word}", f"{p}-{word}", f"{p}/{word}"):
                            tiers[1].append((key, _Target("geo", name, part)))
                if qtype == "select_multiple":
                    for choice in form.choices_of(name):
                        for csep in _CHOICE_SEPS:
                            tiers[2].append((f"{p}{csep}{choice}", _Target("split", name, choice)))
            if labels:
                self._add_labels(form, q, groups, tiers)
        for tier in tiers:
            for key, target in tier:
                self._add(key, target)

    def _add(self, key: str, target: _Target) -> None:
        for table, k in ((self.exact, key), (self.loose, _norm(key))):
            bucket = table.setdefault(k, [])
            if target not in bucket:
                bucket.append(target)

    def _add_labels(self, form: Form, q: dict[str, Any], groups: list[str],
                    tiers: list[list[tuple[str, _Target]]]) -> None:
        name, qtype = q["name"], q["type"]
        for lang in form.languages:
            label = q.get(f"label::{lang}") or ""
            if not label:
                continue
            tiers[0].append((label, _Target("question", name)))
            if qtype == "geopoint":
                for word, part in _GEO_PARTS.items():
                    tiers[1].append((f"_{label}_{word}", _Target("geo", name, part)))
            if qtype == "select_multiple":
                for choice in form.choices_of(name):
                    clabel = form.choice_label(q["list_name"], choice, lang)
                    for sep in ("/", " - ", ".", ": "):
                        tiers[2].append((f"{label}{sep}{clabel}", _Target("split", name, choice)))

    def resolve(self, header: str, used: set[_Target]) -> _Target | None:
        stripped = header.strip()
        for table, key in ((self.exact, stripped), (self.loose, _norm(stripped))):
            bucket = table.get(key)
            if bucket:
                free = [t for t in bucket if t not in used]
                return (free or bucket)[0]
        # Group paths written with labels or unknown groups: drop leading path segments,
        # longest remainder first ("Perfil/Motivos/Económicos" -> "Motivos/Económicos").
        for sep in ("/", "-"):
            parts = stripped.split(sep)
            for i in range(1, len(parts)):
                rest = sep.join(parts[i:])
                bucket = self.exact.get(rest) or self.loose.get(_norm(rest))
                if bucket:
                    free = [t for t in bucket if t not in used]
                    return (free or bucket)[0]
        return None


# -- reading files --------------------------------------------------------------------------

#: Bytes that are not UTF-8 travel through the CSV parser as U+F780..U+F7FF (a private-use
#: range) so that the cell holding each of them is known; they are then decoded as cp1252.
_CARRY = 0xF700
_CARRIED = re.compile("[\uf780-\uf7ff]+")
_CARRY_TABLE = {_CARRY + b: (bytes([b]).decode("cp1252", errors="ignore")
                             or bytes([b]).decode("latin-1")) for b in range(0x80, 0x100)}


def _carry_bad_bytes(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(chr(_CARRY + b) for b in exc.object[exc.start:exc.end]), exc.end


codecs.register_error("geo4mi-carry", _carry_bad_bytes)


@dataclass
class _Decoded:
    text: str
    encoding: str            # what the text was decoded as ("utf-8", "cp1252"...)
    carried: str = ""        # "", "cp1252" (the whole file) or "mixed" (a few cells)
    first_line: int = 0      # line of the first byte that is not UTF-8
    partial: bool = False    # text is only the beginning (a valid UTF-8 file, parsed as bytes)


#: Bytes of a valid UTF-8 file decoded to text for the header, separator and last row; the
#: rest is only checked (a 1 GB export is never held as a second, decoded copy).
_HEAD_BYTES = 2_000_000


def _is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8, checked in slices (no decoded copy is kept).

    >>> _is_utf8("año".encode()), _is_utf8("año".encode("cp1252"))
    (True, False)
    """
    if data.isascii():  # ASCII is UTF-8; checked 8 bytes at a time, 10x faster than decoding
        return True
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), 1 << 24):
            decoder.decode(view[start:start + (1 << 24)], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _text_end(data: bytes, encoding: str) -> str:
    """The last bytes of a valid UTF-8 file as text, whole lines only."""
    if len(data) <= _HEAD_BYTES:
        return data.decode(encoding).removeprefix("\ufeff")
    tail = data[-_HEAD_BYTES:].decode("utf-8", errors="ignore")  # a cut first character
    return tail[tail.find("\n") + 1:]


def _decode(path: Path, data: bytes, encoding: str) -> _Decoded:
    """Decode a CSV.

    ``auto``: UTF-16 with a BOM; else UTF-8 (with or without BOM) when the bytes are UTF-8.
    Otherwise the file is read as cp1252 if none of its non-ASCII text is UTF-8 (an Excel
    export), and as UTF-8 with the few invalid bytes decoded as cp1252 if the rest is UTF-8
    (a file edited in two programs); either way the cells are reported (see
    :func:`_carried_issues`). A given encoding is applied strictly.
    """
    if encoding != "auto":
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise SurveyDataError(f"{path}: encoding {encoding!r} is unknown; use auto, utf-8, "
                                  "cp1252 or latin-1") from None
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            raise InputFileError(f"{path}: line {line}: text cannot be decoded as {encoding} "
                                 f"({data[exc.start:exc.start + 4]!r}); save the file as UTF-8, "
                                 "or pass the right encoding (e.g. --encoding cp1252)") from None
        return _Decoded(text.removeprefix("\ufeff"), encoding)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _Decoded(data.decode("utf-16", errors="replace").removeprefix("\ufeff"), "utf-16")
    name = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    if len(data) > _HEAD_BYTES and _is_utf8(data):
        head = data[:_HEAD_BYTES].decode(name, errors="ignore")  # a cut last character
        return _Decoded(head.removeprefix("\ufeff"), name, partial=True)
    try:
        return _Decoded(data.decode(name).removeprefix("\ufeff"), name)
    except UnicodeDecodeError as exc:
        first = data[:exc.start].count(b"\n") + 1
    text = data.decode(name, errors="geo4mi-carry").removeprefix("\ufeff")
    utf8_text = re.search("[^\x00-\x7f\uf780-\uf7ff]", text) is not None
    mode = "mixed" if utf8_text else "cp1252"
    log.debug("%s: not UTF-8 from line %d; read as %s", path, first,
              "UTF-8 with cp1252 cells" if utf8_text else "cp1252")
    return _Decoded(text, name if utf8_text else "cp1252", mode, first)


def _uncarry(values: pd.Series) -> pd.Series:
    return values.str.translate(_CARRY_TABLE)


def _carried_issues(path: Path, decoded: _Decoded, frame: pd.DataFrame,
                    ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Decode carried bytes as cp1252 in every cell and list the cells (see :func:`_decode`)."""
    found: list[dict[str, Any]] = []
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            if not values.cat.categories.astype("string").str.contains(_CARRIED).any():
                continue
            values = values.astype(object)
        elif values.dtype != object:
            continue
        hit = values.astype("string").str.contains(_CARRIED, na=False).to_numpy(dtype=bool)
        if not hit.any():
            continue
        fixed = values.copy()
        fixed[hit] = _uncarry(values[hit].astype(str))
        frame[column] = fixed
        for i in np.flatnonzero(hit):
            found.append({"row": int(i) + 1, "column": column, "raw": str(values.iloc[i]),
                          "value": str(fixed.iloc[i])})
    found.sort(key=lambda f: f["row"])
    if decoded.carried == "cp1252":
        where = (f"row {found[0]['row']}, column {found[0]['column']!r} ({found[0]['value']!r})"
                 if found else f"line {decoded.first_line}")
        issues = [{"kind": "encoding", "row": found[0]["row"] if found else None,
                   "column": found[0]["column"] if found else "", "value": "cp1252",
                   "reason": f"the file is not UTF-8 (first at {where}); read as cp1252, as "
                             f"Excel writes it ({len(found)} cells with such text); check a "
                             "few accented names, or give the encoding"}]
    else:
        issues = [{"kind": "bad_encoding", "row": f["row"], "column": f["column"],
                   "value": f["value"],
                   "reason": "bytes that are not UTF-8 in a UTF-8 file; read as cp1252 "
                             f"({_bad_bytes(f['raw'])}); check this cell"} for f in found]
    return frame, issues


def _bad_bytes(raw: str) -> str:
    return " ".join(f"0x{ord(c) - _CARRY:02X}" for c in "".join(_CARRIED.findall(raw)))


def _has_lone_cr(text: str) -> bool:
    r"""Whether lines end in ``\n`` and some cell holds a carriage return of its own.

    Such a ``\r`` is text typed in an answer, not the end of a row.

    >>> _has_lone_cr("a,b\r\nx,y\rz\r\n"), _has_lone_cr("a,b\r\nx,y\r\n"), _has_lone_cr("a\rb")
    (True, False, False)
    """
    return "\n" in text and _LONE_CR.search(text) is not None


_LONE_CR = re.compile("\r(?!\n)")


def _sniff_delimiter(path: Path, text: str) -> str:
    """The separator giving the widest header that most of the first rows agree with."""
    sample = text[:200_000]
    if _has_lone_cr(sample):  # only fields are counted here
        sample = _LONE_CR.sub(" ", sample.replace("\r\n", "\n"))
    scores = []
    for rank, delim in enumerate((",", ";", "\t")):
        try:
            counts = [len(r) for _, r in zip(range(50), csv.reader(
                io.StringIO(sample, newline=""), delimiter=delim), strict=False)]
        except csv.Error:
            continue
        if not counts:
            continue
        agree = sum(c == counts[0] for c in counts) / len(counts)
        scores.append((agree >= 0.5, counts[0], -rank, delim))
    best_score, best = 0, ","
    if scores:
        _, best_score, _, best = max(scores)
    if best_score <= 1:
        header = text[:1000].split("\n", 1)[0][:80]
        raise SurveyDataError(f"{path}: row 1: the header has a single column ({header!r}); the "
                              "separator is not a comma, semicolon or tab; save the export as "
                              "CSV with commas or semicolons")
    return best


def _unique_header(header: Sequence[str]) -> list[str]:
    """Column keys: the header text, with ``(column N)`` added to a repeated header.

    Labels exports repeat labels ("If other, please specify"); such columns are told apart
    by position (see :func:`_map_headers`).

    >>> _unique_header(["a", "b", "a", " a "])
    ['a', 'b', 'a (column 3)', 'a (column 4)']
    """
    seen: set[str] = set()
    keys = []
    for i, h in enumerate(header, start=1):
        key = str(h).strip()
        if key and key in seen:
            key = f"{key} (column {i})"
        seen.add(str(h).strip())
        keys.append(key)
    return keys


def _read_csv(path: Path, data: bytes, encoding: str, dtypes: Any,
              ) -> tuple[pd.DataFrame, str, list[dict[str, Any]]]:
    decoded = _decode(path, data, encoding)
    text = decoded.text
    if "\x00" in text[:10_000]:
        raise InputFileError(f"{path}: contains binary data, not CSV text; export the data "
                             "again as CSV or XLSX")
    if decoded.partial and (not text.strip() or "\n" not in text):  # not worth the care
        text, decoded.partial = data.decode(decoded.encoding).removeprefix("\ufeff"), False
    if not text.strip():
        raise InputFileError(f"{path}: the file is empty; export the data again")
    delim = _sniff_delimiter(path, text)
    # "\r" is never part of a longer UTF-8 sequence: the bytes tell as well as the text
    lone_cr = (b"\n" in data and b"\r" in data and re.search(rb"\r(?!\n)", data) is not None
               if decoded.partial else _has_lone_cr(text))
    if lone_cr and decoded.partial:
        text, decoded.partial = data.decode(decoded.encoding).removeprefix("\ufeff"), False
    if lone_cr:  # rows end at "\n" only: pandas would also end one at the cell's "\r"
        text = text.replace("\r\n", "\n")
    header = next(csv.reader(io.StringIO(_LONE_CR.sub(" ", text) if lone_cr else text,
                                         newline=""), delimiter=delim))
    if decoded.carried:
        header = [h.translate(_CARRY_TABLE) for h in header]
    keys = _unique_header(header)
    usecols, dtype = dtypes(header, keys, delim)
    used = decoded.encoding
    try:
        # pandas parses bytes faster than a Python string; the text was validated above
        source = (io.BytesIO(data) if not decoded.carried and not lone_cr
                  and used in ("utf-8", "utf-8-sig", "cp1252", "latin-1", "iso8859-1",
                               "windows-1252")
                  else io.StringIO(text))
        options = dict(sep=delim, usecols=usecols, header=0, names=keys,
                       lineterminator="\n" if lone_cr else None,
                       encoding=used if isinstance(source, io.BytesIO) else None,
                       keep_default_na=False, na_values=[""], engine="c",
                       skip_blank_lines=True)
        try:
            # fast path: every column typed (the number-like ones as float64), so the
            # parser can work in chunks with nothing left to infer
            frame = pd.read_csv(source, dtype={k: dtype.get(k, "float64") for k in usecols},
                                low_memory=True, **options)
            # column by column: no 2-D copy of the number-like columns (500 MB at 1M rows)
            for k in usecols:
                column = frame[k].to_numpy()
                if column.dtype == np.float64 and (np.abs(column) >= 2.0 ** 53).any():
                    raise ValueError("whole numbers beyond float64: keep their text")
        except ValueError:  # text in a number-like column, or a broken file: as before
            source.seek(0)
            frame = pd.read_csv(source, dtype=dtype, low_memory=False, **options)
    except pd.errors.ParserError as exc:
        msg = str(exc)
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
        if m:
            raise InputFileError(f"{path}: line {m.group(2)}: {m.group(3)} fields where the "
                                 f"header has {m.group(1)}; a value holds an unquoted "
                                 f"{delim!r} or the row is broken; fix that row") from None
        if "EOF inside string" in msg:
            m = re.search(r"row (\d+)", msg)
            where = f"line {int(m.group(1)) + 1}" if m else "the end"
            raise InputFileError(f"{path}: {where}: a quoted value never ends; the file looks "
                                 "truncated; export it again") from None
        raise InputFileError(f"{path}: cannot parse the CSV ({msg.strip()}); export it "
                             "again") from None
    if len(frame) and len(header) > 1:
        _check_truncated(path, _text_end(data, decoded.encoding) if decoded.partial else text,
                         delim, len(header), len(frame))
    notes: list[dict[str, Any]] = []
    if decoded.carried:
        frame, notes = _carried_issues(path, decoded, frame)
    return frame, delim, notes


def _check_truncated(path: Path, text: str, delim: str, ncols: int, nrows: int) -> None:
    """Refuse a file whose last row stops before the last column (an interrupted download)."""
    end = len(text)
    while end and text[end - 1] in "\r\n":  # the last row, without copying the text
        end -= 1
    last = text[text.rfind("\n", 0, end) + 1:end]
    try:
        fields = next(csv.reader([last], delimiter=delim))
    except (csv.Error, StopIteration):
        return
    if len(fields) < ncols and not last.count('"') % 2:
        raise InputFileError(f"{path}: row {nrows} (the last): {len(fields)} of {ncols} columns "
                             f"({last[-40:]!r}); the file looks truncated; export it again")


def _read_workbook(path: Path, sheet: str | None,
                   ) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The data sheet of an .xlsx/.xls/.ods export, its header text, and the other sheets
    (repeats...) when the sheet was not chosen."""
    sheets = read_workbook(path, what="workbook")
    names = list(sheets)
    if sheet and sheet not in names:
        raise InputFileError(f"{path}: no sheet {sheet!r} (sheets: {', '.join(names)}); "
                             "set survey.sheet to one of them")
    title = sheet or names[0]
    rows = sheets[title]
    while rows and all(v is None or str(v).strip() == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        raise InputFileError(f"{path}: sheet {title!r} is empty; export the data again")
    header = ["" if v is None else _as_text(v) for v in rows[0]]
    while header and not header[-1]:
        header.pop()
    keys = _unique_header(header)
    body = [list(r[:len(keys)]) + [None] * (len(keys) - len(r)) for r in rows[1:]]
    frame = pd.DataFrame(body, columns=keys, dtype=object)
    others = [n for n in names if n != title] if not sheet else []
    return frame.loc[:, [k != "" for k in keys]], header, others


def _zip_member(path: Path, data: bytes) -> tuple[str, bytes, list[str]] | None:
    """(name, bytes, other tables) of the main CSV of an ODK Central ``.csv.zip``, or None
    when the zip is a workbook (.xlsx)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = [m for m in z.namelist() if not m.endswith("/")]
            if any(m.startswith("xl/") or m == "content.xml" for m in members):
                return None
            tables = sorted(m for m in members if m.lower().endswith(".csv")
                            and not m.startswith(("media/", "__MACOSX")))
            if not tables:
                raise InputFileError(f"{path}: a zip without a CSV table ({len(members)} "
                                     "files); give the .csv.zip of an ODK Central export, or "
                                     "the CSV itself")
            stem = path.name.removesuffix(".zip").removesuffix(".csv").casefold()
            stems = {m: PurePosixPath(m).stem for m in tables}
            # ODK Central: <form>.csv, <form>-<repeat>.csv ...
            main = next((m for m in tables if stems[m].casefold() == stem), None)
            if main is None:
                main = min(tables, key=lambda m: (sum(not stems[o].startswith(stems[m] + "-")
                                                      for o in tables), len(m), m))
            return main, z.read(main), [m for m in tables if m != main]
    except zipfile.BadZipFile as exc:
        raise InputFileError(f"{path}: a broken zip file ({exc}); download the export "
                             "again") from None


# -- column conversion -------------------------------------------------------------------------

def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _clean_text(series: pd.Series, factorized: tuple[np.ndarray, Any] | None = None,
                ) -> np.ndarray:
    """Stripped text per cell (integral floats without ".0"), None when empty; each distinct
    value is converted once (``factorized``: ``pd.factorize(series)`` if already made)."""
    if factorized is None and series.dtype == object and len(series) > 1:
        cells = series.to_numpy(dtype=object)
        if pd.api.types.infer_dtype(cells, skipna=True) == "string":
            # text as a CSV gives it (ids, times, free text: most cells distinct): stripped
            # cell by cell, nothing hashed
            return _stripped(cells)
    codes, uniques = factorized or _factorize(series)
    uniques = np.asarray(uniques, dtype=object)
    if pd.api.types.infer_dtype(uniques, skipna=True) == "string":
        table = np.array([*_stripped(uniques), None], dtype=object)
    else:
        table = np.array([*(t if (t := _as_text(u)) else None for u in uniques), None],
                         dtype=object)
    return table[codes]


def _factorize(series: pd.Series) -> tuple[np.ndarray, Any]:
    """``pd.factorize(series)``; an object column by :func:`factorize` (its distinct values
    as an array, not an Index)."""
    if series.dtype == object:
        return factorize(series.to_numpy())
    return pd.factorize(series, use_na_sentinel=True)


def _stripped(cells: np.ndarray) -> np.ndarray:
    """Text cells stripped, None for a missing or blank one (what :func:`_as_text` gives).

    >>> _stripped(np.array([" a ", None, "  ", "b"], dtype=object)).tolist()
    ['a', None, None, 'b']
    """
    # the cells are text or missing (infer_dtype "string"): one pass, 2x pandas' str.strip
    out = np.empty(len(cells), dtype=object)
    out[:] = [(v.strip() or None) if isinstance(v, str) else None for v in cells.tolist()]
    return out


def _map_distinct(uniques: Any, lookup: dict[str, Any], *, fallback: dict[str, Any],
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The mapped value and bad flag of each distinct value, then of a missing one (last)."""
    mapped: list[Any] = []
    bad_unique: list[bool] = []
    for u in uniques:
        text = _as_text(u)
        if text == "":
            mapped.append(pd.NA)
            bad_unique.append(False)
            continue
        hit = lookup.get(text, lookup.get(text.casefold()))
        if hit is None:
            hit = fallback.get(_norm(text))
        mapped.append(pd.NA if hit is None else hit)
        bad_unique.append(hit is None)
    return (np.array([*mapped, pd.NA], dtype=object),
            np.array([*bad_unique, False], dtype=bool))


class _Converter:
    """Turns the raw columns of one export into canonical respondents."""

    def __init__(self, form: Form, raw: pd.DataFrame, columns: dict[_Target, str], *,
                 source: Path, labels: bool, decimal_comma: bool) -> None:
        self.form, self.raw, self.columns, self.source = form, raw, columns, source
        self.labels, self.decimal_comma = labels, decimal_comma
        self.n = len(raw)
        self.rows = np.arange(1, self.n + 1)
        self.out: dict[str, Any] = {}
        self.issues: list[pd.DataFrame] = []
        self.absent: list[str] = []
        self._last: tuple[pd.Series, np.ndarray, Any] | None = None

    def factorized(self, series: pd.Series) -> tuple[np.ndarray, Any]:
        """``pd.factorize(series)``, kept for the last column asked: reading a column
        (:meth:`get`) and converting it then hash its 100k cells once, not two or three
        times."""
        if self._last is None or self._last[0] is not series:
            if isinstance(series.dtype, pd.CategoricalDtype):  # factorized as it was read
                self._last = (series, series.cat.codes.to_numpy(),
                              np.asarray(series.cat.categories, dtype=object))
            else:
                self._last = (series, *_factorize(series))
        return self._last[1], self._last[2]

    def issue(self, kind: str, column: str, mask: np.ndarray | None, values: Any,
              reason: str) -> None:
        if kind == "bad_geopoint":  # respondents' coordinates never leave in a report
            values = "(coordinates withheld)"
        if mask is None:
            self.issues.append(pd.DataFrame({"kind": [kind], "row": [pd.NA], "column": [column],
                                             "value": [values], "reason": [reason]}))
            return
        idx = np.flatnonzero(mask)
        if idx.size:
            if isinstance(values, (pd.Series, np.ndarray, pd.api.extensions.ExtensionArray)):
                vals = pd.Series(values).iloc[idx].map(_as_text).to_numpy(dtype=object)
            else:
                vals = np.full(idx.size, _as_text(values), dtype=object)
            self.issues.append(pd.DataFrame({"kind": kind, "row": self.rows[idx], "column": column,
                                             "value": vals, "reason": reason}))

    def get(self, target: _Target, *, hashed: bool = True) -> pd.Series | None:
        """The raw column of ``target``, with R's and Excel's missing-value text (``NA``,
        ``N/A``, ``#N/A``...) as missing unless it is a choice of the question's list.

        ``hashed=False``: the cells are looked up one by one instead of through the
        column's distinct values (:meth:`factorized`), for text that is mostly distinct
        (times, raw geopoints), which costs more to hash than to look up."""
        header = self.columns.get(target)
        if header is None:
            return None
        series = self.raw[header]
        if (target.kind == "meta" or pd.api.types.is_numeric_dtype(series.dtype)
                or pd.api.types.is_bool_dtype(series.dtype)):
            return series
        if hashed:
            codes, uniques = self.factorized(series)
            distinct = pd.Series(np.asarray(uniques, dtype=object), dtype=object)

            def isin(texts: Collection[str]) -> np.ndarray:
                return np.append(distinct.isin(texts).to_numpy(dtype=bool), False)[codes]
        else:
            def isin(texts: Collection[str]) -> np.ndarray:
                return series.isin(texts).to_numpy(dtype=bool)
        na = isin(NA_TEXT)
        if not na.any():
            return series
        keep: set[str] = set()
        if target.kind == "question" and self.form.question(target.question)["type"] in \
                ("select_one", "select_multiple") and self.form.question(
                    target.question)["list_name"]:
            exact, labels = self.choice_lookup(target.question)
            keep = {t for t in NA_TEXT if t in exact or t.casefold() in exact
                    or _norm(t) in labels}
        if keep:
            na &= ~isin(keep)
        series = series.copy()
        series[na] = None
        return series

    # choice lookups ---------------------------------------------------------------------------
    def choice_lookup(self, question: str) -> tuple[dict[str, str], dict[str, str]]:
        names = self.form.choices_of(question)
        exact = {n: n for n in names}
        exact.update({n.casefold(): n for n in names})
        labels: dict[str, str] = {}
        if self.labels:
            list_name = self.form.question(question)["list_name"]
            for lang in self.form.languages:
                for n in names:
                    labels.setdefault(_norm(self.form.choice_label(list_name, n, lang)), n)
        return exact, labels

    def numbers(self, series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Float values and a mask of cells that are not numbers."""
        if pd.api.types.is_numeric_dtype(series.dtype) and series.dtype != bool:
            return (np.array(series.to_numpy(dtype="float64", na_value=np.nan)),
                    np.zeros(self.n, bool))
        # pandas parses the text (surrounding spaces allowed); only the cells it cannot read
        # are looked at again, to tell an empty cell from one that is not a number
        # each distinct text is parsed once (ages, counts: a few dozen values in 100k rows);
        # mostly distinct text (ids, coordinates) cell by cell, which costs less than hashing
        codes: np.ndarray | None = None
        if series.dtype == object and head_distinct(series.to_numpy()) is None:
            text = pd.Series(series.to_numpy(), dtype=object)
        else:
            codes, uniques = (self.factorized(series) if series.dtype == object
                              or isinstance(series.dtype, pd.CategoricalDtype)
                              else pd.factorize(series.astype(object), use_na_sentinel=True))
            text = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
        parsed = np.array(pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64",
                                                                          na_value=np.nan))
        if self.decimal_comma:
            # a text with a comma is never a number to pandas: only the cells it could not
            # read are read again with the comma as the decimal point
            again = np.flatnonzero(np.isnan(parsed) & text.notna().to_numpy())
            if again.size:
                parsed[again] = pd.to_numeric(
                    text.iloc[again].str.replace(",", ".", regex=False),
                    errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        # code -1 (missing) -> the last: NaN
        values = parsed if codes is None else np.append(parsed, np.nan)[codes]
        bad = np.zeros(self.n, dtype=bool)
        missing = np.isnan(values)
        if missing.any():
            left = _clean_text(series[missing])  # few cells: no shared factorization
            bad[missing] = np.array([v is not None for v in left], dtype=bool)
        return values, bad

    # per type ---------------------------------------------------------------------------------
    def select_one(self, q: dict[str, Any]) -> None:
        name = q["name"]
        raw = self.get(_Target("question", name))
        if raw is None:
            self.missing(q, pd.array([pd.NA] * self.n, dtype="string"))
            return
        exact, labels = self.choice_lookup(name)
        codes, uniques = self.factorized(raw)
        table, bad = _map_distinct(uniques, exact, fallback=labels)
        self.issue("unknown_choice", self.columns[_Target("question", name)], bad[codes], raw,
                   f"not a choice of list {q['list_name']!r} of question {name!r}; set to missing")
        # built from the distinct values (checked once each), then indexed: code -1 -> NA
        self.out[name] = pd.arrays.StringArray(table)[codes]

    def select_multiple(self, q: dict[str, Any]) -> None:
        name = q["name"]
        choices = self.form.choices_of(name)
        summary = self.get(_Target("question", name))
        splits = {c: self.get(_Target("split", name, c)) for c in choices}
        present = {c: s for c, s in splits.items() if s is not None}
        if summary is None and not present:
            self.missing(q, pd.array([pd.NA] * self.n, dtype="string"))
            for c in choices:
                self.out[f"{name}/{c}"] = pd.array([pd.NA] * self.n, dtype="boolean")
            return
        selected: dict[str, np.ndarray] = {}
        if summary is not None:
            header = self.columns[_Target("question", name)]
            from_summary, unknown_only, given = self.parse_summary(q, summary, header)
            answered = given & ~unknown_only
        else:
            from_summary, answered = {}, np.ones(self.n, dtype=bool)
        for c in choices:
            s = present.get(c)
            if s is not None:
                header = self.columns[_Target("split", name, c)]
                flag, bad = self.booleans(s, name, c)
                self.issue("bad_value", header, bad, s,
                           f"not 0/1 for choice {c!r} of {name!r}; set to missing")
                selected[c] = flag
            elif summary is not None:
                selected[c] = from_summary[c]
            else:
                selected[c] = np.zeros(self.n, dtype=np.int8)
                self.issue("missing_column", f"{name}/{c}", None, pd.NA,
                           f"no column for choice {c!r} of {name!r}; counted as not selected")
        any_selected = np.any([selected[c] == 1 for c in choices], axis=0)
        # ODK fills split columns with 0 even when the question was not asked: the summary
        # decides; a row with nothing selected counts as unanswered.
        answered = any_selected if summary is None else answered & any_selected
        # the summary, rebuilt in choice order: one string per distinct selection pattern
        bits = np.stack([selected[c] == 1 for c in choices], axis=1)
        if len(choices) <= 62:
            key = bits.astype(np.int64) @ (np.int64(1) << np.arange(len(choices), dtype=np.int64))
            codes, _ = factorize(key)
            # factorize numbers patterns in order of first appearance: a pattern's first
            # row is where the running maximum of the codes grows (no sort)
            top = np.maximum.accumulate(codes)
            first = np.flatnonzero(np.diff(top, prepend=-1) > 0)
            patterns = bits[first]
        else:
            packed, codes = np.unique(np.packbits(bits, axis=1), axis=0, return_inverse=True)
            patterns = np.unpackbits(packed, axis=1, count=len(choices)).astype(bool)
        words = np.array([" ".join(c for c, b in zip(choices, row,
                                                     strict=True) if b) for row in patterns],
                         dtype=object)
        text = words[codes.ravel()]
        text[~answered] = pd.NA
        self.out[name] = pd.arrays.StringArray(text)
        for c in choices:
            arr = pd.array(selected[c] == 1, dtype="boolean")
            arr[~answered] = pd.NA
            self.out[f"{name}/{c}"] = arr

    def parse_summary(self, q: dict[str, Any], summary: pd.Series, header: str,
                      ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """Choices selected per row (0/1 by choice), rows with only unknown choices, and
        rows with a non-empty summary."""
        name = q["name"]
        choices = self.form.choices_of(name)
        exact, labels = self.choice_lookup(name)
        codes, uniques = self.factorized(summary)
        table = np.zeros((len(uniques) + 1, len(choices)), dtype=np.int8)
        unknown_only = np.zeros(len(uniques) + 1, dtype=bool)
        given = np.zeros(len(uniques) + 1, dtype=bool)
        unknown_tokens: dict[int, list[str]] = {}
        by_label = sorted(labels.items(), key=lambda kv: -len(kv[0]))
        for i, u in enumerate(uniques):
            text = _as_text(u)
            given[i] = text != ""
            tokens = text.split()
            picked = [exact.get(t, exact.get(t.casefold())) for t in tokens]
            if tokens and None in picked and labels:
                rest, found = _norm(text), []
                for lab, choice in by_label:
                    if lab and lab in rest:
                        found.append(choice)
                        rest = rest.replace(lab, " ")
                if not rest.strip(" ,;"):
                    tokens, picked = found, [*found]
            bad = [t for t, p in zip(tokens, picked, strict=True) if p is None]
            for p in picked:
                if p is not None:
                    table[i, choices.index(p)] = 1
            if bad:
                unknown_tokens[i] = bad
                unknown_only[i] = all(p is None for p in picked)
        for i, bad in unknown_tokens.items():
            mask = codes == i
            for token in bad:
                self.issue("unknown_choice", header, mask, token,
                           f"not a choice of list {q['list_name']!r} of question {name!r}; "
                           "ignored")
        rows = table[codes]  # codes == -1 picks the all-zero last row
        return ({c: rows[:, j] for j, c in enumerate(choices)}, unknown_only[codes],
                given[codes])

    def booleans(self, series: pd.Series, question: str, choice: str,
                 ) -> tuple[np.ndarray, np.ndarray]:
        """1 / 0 / -1 (missing) per row, and a mask of unreadable cells."""
        if pd.api.types.is_numeric_dtype(series.dtype) and series.dtype != bool:
            arr = series.to_numpy(dtype="float64", na_value=np.nan)
            out = np.full(self.n, -1, dtype=np.int8)
            out[arr == 1] = 1
            out[arr == 0] = 0
            return out, ~np.isnan(arr) & (arr != 0) & (arr != 1)
        yes = dict.fromkeys(_TRUE_TEXT, 1) | {choice: 1, choice.casefold(): 1}
        no = dict.fromkeys(_FALSE_TEXT, 0)
        labels: dict[str, int] = {}
        if self.labels:
            list_name = self.form.question(question)["list_name"]
            for lang in self.form.languages:
                labels[_norm(self.form.choice_label(list_name, choice, lang))] = 1
        codes, uniques = self.factorized(series)
        table, bad = _map_distinct(uniques, {**yes, **no}, fallback=labels)
        flags = np.where(pd.isna(table), -1, table).astype(np.int8)  # once per distinct value
        return flags[codes], bad[codes]

    def number(self, q: dict[str, Any]) -> None:
        name = q["name"]
        raw = self.get(_Target("question", name))
        dtype = "Int64" if q["type"] == "integer" else "Float64"
        if raw is None:
            self.missing(q, pd.array([pd.NA] * self.n, dtype=dtype))
            return
        header = self.columns[_Target("question", name)]
        values, bad = self.numbers(raw)
        self.issue("bad_number", header, bad, raw, f"{name!r} needs a number; set to missing")
        # checked before any conversion, so that nothing wraps around (1e308 -> -2**63)
        infinite = np.isinf(values)
        self.issue("bad_number", header, infinite, raw,
                   f"{name!r} is not a finite number; set to missing")
        values[infinite] = np.nan
        if dtype == "Int64":
            huge = np.abs(np.nan_to_num(values)) >= _INT64_LIMIT
            self.issue("bad_number", header, huge, raw,
                       f"{name!r} is beyond what a whole number can hold; set to missing")
            values[huge] = np.nan
            frac = ~np.isnan(values) & (values != np.round(values))
            self.issue("bad_number", header, frac, raw,
                       f"{name!r} needs a whole number; set to missing")
            values[frac] = np.nan
        bounds = _constraint_bounds(q.get("constraint", ""))
        if bounds:
            with np.errstate(invalid="ignore"):
                broken = np.zeros(self.n, dtype=bool)
                for op, limit in bounds:
                    broken |= ~np.isnan(values) & ~_COMPARE[op](values, limit)
            self.issue("constraint", header, broken, raw,
                       f"breaks the form's constraint {q['constraint']!r} of {name!r}; kept, so "
                       "that exclusion rules still see it; check it")
        self.out[name] = pd.array(values, dtype="Float64").astype(dtype) if dtype == "Int64" \
            else pd.array(values, dtype="Float64")

    def geopoint(self, q: dict[str, Any]) -> None:
        name = q["name"]
        parts = {p: self.get(_Target("geo", name, p), hashed=False) for p in ("lat", "lon")}
        raw = self.get(_Target("question", name), hashed=False)  # read only where needed
        lat = np.full(self.n, np.nan)
        lon = np.full(self.n, np.nan)
        if parts["lat"] is not None and parts["lon"] is not None:
            for part, arr in (("lat", lat), ("lon", lon)):
                values, bad = self.numbers(parts[part])
                self.issue("bad_geopoint", self.columns[_Target("geo", name, part)], bad,
                           parts[part], "not a coordinate; point set to missing")
                arr[:] = values
        if raw is not None:
            header = self.columns[_Target("question", name)]
            fill = np.isnan(lat) | np.isnan(lon)  # parse the raw text only where needed
            r_lat = np.full(self.n, np.nan)
            r_lon = np.full(self.n, np.nan)
            text = pd.Series(_clean_text(raw[fill]) if fill.any() else [], dtype=object)
            if text.notna().any():
                split = text.str.split(expand=True)
                if split.shape[1] >= 2:
                    r_lat[fill] = pd.to_numeric(split[0], errors="coerce").to_numpy(
                        "float64", na_value=np.nan)
                    r_lon[fill] = pd.to_numeric(split[1], errors="coerce").to_numpy(
                        "float64", na_value=np.nan)
            given = np.zeros(self.n, dtype=bool)
            given[fill] = text.notna().to_numpy()
            bad = given & (np.isnan(r_lat) | np.isnan(r_lon))
            self.issue("bad_geopoint", header, bad, raw,
                       "not 'latitude longitude altitude accuracy'; point set to missing")
            fill = np.isnan(lat) | np.isnan(lon)
            lat[fill], lon[fill] = r_lat[fill], r_lon[fill]
        elif parts["lat"] is None or parts["lon"] is None:
            self.absent.append(name)
            self.issue("missing_column", name, None, pd.NA,
                       f"no column for geopoint {name!r} (nor its latitude/longitude)")
        out_of_range = (np.abs(lat) > 90) | (np.abs(lon) > 180)
        if out_of_range.any():
            self.issue("bad_geopoint", name, out_of_range,
                       pd.Series([f"{a} {b}" for a, b in zip(lat, lon, strict=True)]),
                       "latitude or longitude out of range; point set to missing")
        half = np.isnan(lat) != np.isnan(lon)
        if out_of_range.any():  # kept apart so placement can tell swapped lat/lon
            self.out[f"_{name}_rejected_lat"] = pd.array(np.where(out_of_range, lat, np.nan),
                                                         dtype="Float64")
            self.out[f"_{name}_rejected_lon"] = pd.array(np.where(out_of_range, lon, np.nan),
                                                         dtype="Float64")
        lat[out_of_range | half] = np.nan
        lon[out_of_range | half] = np.nan
        self.out[f"{name}_lat"] = pd.array(lat, dtype="Float64")
        self.out[f"{name}_lon"] = pd.array(lon, dtype="Float64")

    def text(self, q: dict[str, Any]) -> None:
        name = q["name"]
        header = self.columns.get(_Target("question", name))
        # times and free text are mostly distinct: stripped cell by cell, not hashed
        few = header is not None and head_distinct(self.raw[header].to_numpy()) is not None
        raw = self.get(_Target("question", name), hashed=few)
        if raw is None:
            self.missing(q, pd.array([pd.NA] * self.n, dtype="string"))
            return
        values = _clean_text(raw, self.factorized(raw) if few else None)
        values[values == None] = pd.NA  # noqa: E711 (elementwise on an object array; `is` would not be)
        self.out[name] = pd.arrays.StringArray(values)

    def missing(self, q: dict[str, Any], empty: Any) -> None:
        self.absent.append(q["name"])
        self.issue("missing_column", q["name"], None, pd.NA,
                   f"question {q['name']!r} ({q['type']}) has no column in the export; "
                   "treated as not asked")
        self.out[q["name"]] = empty

    def meta(self) -> None:
        for column in ("_id", "_uuid", "_submission_time", "KEY", "instanceID"):
            raw = self.get(_Target("meta", column))
            if raw is None:
                continue
            if column == "_id":
                values, bad = self.numbers(raw)
                if not bad.any():
                    self.out[column] = pd.array(values, dtype="Float64").astype("Int64")
                    continue
            # ids and times are mostly distinct: stripped cell by cell, not hashed, unless
            # reading them (_id as numbers) hashed them already
            known = self._last[1:] if self._last is not None and self._last[0] is raw else None
            values = _clean_text(raw, known)
            values[values == None] = pd.NA  # noqa: E711 (elementwise on an object array; `is` would not be)
            self.out[column] = pd.arrays.StringArray(values)

    def run(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        for q in self.form.data_questions().to_dict("records"):
            kind = q["type"]
            if kind in ("select_one", "select_multiple") and not q["list_name"]:
                kind = "text"  # choices from an external file: kept as text, not validated
            if kind == "select_one":
                self.select_one(q)
            elif kind == "select_multiple":
                self.select_multiple(q)
            elif kind in _NUMERIC_TYPES:
                self.number(q)
            elif kind == "geopoint":
                self.geopoint(q)
            else:
                self.text(q)
        self.meta()
        self.out["_row"] = self.rows
        respondents = pd.DataFrame(self.out, index=pd.RangeIndex(self.n), copy=False)
        respondents.attrs["source"] = str(self.source)
        respondents.attrs["absent_questions"] = list(self.absent)
        respondents.attrs["columns"] = {t.question: str(h) for t, h in self.columns.items()
                                        if t.kind == "question"}
        issues = _issue_frame(self.issues)
        return respondents, issues


def _issue_frame(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        frame = pd.DataFrame({c: [] for c in ISSUE_COLUMNS})
    else:
        frame = pd.concat(parts, ignore_index=True)
    frame = frame.astype({"kind": "string", "row": "Int64", "column": "string",
                          "value": "string", "reason": "string"})
    order = frame["row"].fillna(0).to_numpy()
    return frame.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


_R_PREFIXES = ("\ufeff", "X.U.FEFF.", "\u00ef..", "\u00ef\u00bb\u00bf")


def _header_spellings(header: str) -> list[str]:
    """The header, then what it was before R or pandas rewrote it.

    R's ``make.names`` writes ``X_uuid`` for ``_uuid`` and ``X.U.FEFF.start`` (or
    ``ï..start``) for a first column read with its byte-order mark; pandas writes ``q.1``
    for a second ``q``.

    >>> _header_spellings("X.U.FEFF.start"), _header_spellings("X_gps_latitude")
    (['X.U.FEFF.start', 'start'], ['X_gps_latitude', '_gps_latitude'])
    """
    out = [header]
    text = header
    for prefix in _R_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
            out.append(text)
            break
    if re.match(r"^X[_\d]", text):
        out.append(text[1:])
    m = re.match(r"^(.+)\.(\d+)$", text)
    if m:
        out.append(m.group(1))
    return out


def _map_headers(form: Form, header: Sequence[str], keys: Sequence[str], *, layout: str,
                 source: Path, keep: Collection[str] = (),
                 ) -> tuple[dict[_Target, str], list[str], list[tuple[str, str, _Target]]]:
    """Match export headers to form targets.

    ``header`` is the header text, ``keys`` the column keys (:func:`_unique_header`).
    Returns ``({target: column key}, unknown column keys, [(ignored key, kept key, target)])``.
    A header repeated in a labels export holds the next question of the form with that
    label, in form order. A second column for one target (a copy that cannot be told
    apart, or ``profile/age`` next to ``age``) is ignored and returned, not refused; the
    first is kept, except that a Kobo "specify other" text ``q_other`` never displaces the
    split column ``q/other``. A header named in ``keep`` (and not a question) is matched as
    written, not as what R rewrote it from (``X_uuid`` stays unknown, for the caller to keep).
    """
    index = _HeaderIndex(form, labels=layout != "names")
    used: dict[_Target, str] = {}
    unknown: list[str] = []
    ignored: list[tuple[str, str, _Target]] = []
    for original, key in zip(header, keys, strict=True):
        original = str(original)
        if not key:
            continue
        target = None
        spellings = _header_spellings(original.strip())
        if original.strip() in keep and not form.has_question(original.strip()):
            spellings = spellings[:1]
        for text in spellings:
            low = text.casefold()
            if low in META_COLUMNS or text == "KEY":
                target = _Target("meta", META_COLUMNS.get(low, "KEY"))
            elif low in IGNORED_COLUMNS and not form.has_question(text):
                target = _Target("ignored", low)
            else:
                target = index.resolve(text, set(used))
            if target is not None:
                break
        if target is None:
            unknown.append(key)
            continue
        if target.kind == "ignored":
            continue
        if target in used:
            first = str(used[target])
            copy = original.strip() != key or original.strip() == first.strip()
            if (not copy and target.kind == "split" and _split_by_underscore(first, target)
                    and not _split_by_underscore(key, target)):
                # "q_other" (a text column) against "q/other" or "q.other" (the choice)
                used[target], key, first = key, first, key
            ignored.append((key, first, target))
            continue
        used[target] = key
    if not any(t.kind != "meta" for t in used):
        shown = ", ".join(repr(str(h)) for h in header[:5])
        raise SurveyDataError(f"{source}: row 1: no column matches a question of the form "
                              f"{form.path.name!r} (first headers: {shown}); check that the "
                              "export and the XLSForm belong together")
    return used, unknown, ignored


def _split_by_underscore(header: str, target: _Target) -> bool:
    return header.strip().endswith(f"_{target.part}") and not re.search(
        rf"[/.:-]{re.escape(target.part)}$", header.strip())


def read_export(path: str | os.PathLike[str], form: Form, *, encoding: str = "auto",
                sheet: str | None = None, layout: str = "auto",
                required: Sequence[str] = (), keep: Sequence[str] = (),
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a KoboToolbox / ODK Central export into canonical respondents and an issues table.

    Parameters
    ----------
    path : path-like
        The export: ``.csv`` (comma, semicolon or tab separated), ODK Central ``.csv.zip``,
        ``.xlsx``, ``.xls`` or ``.ods``.
    form : Form
        The XLSForm the data was collected with (:func:`geo4mi.survey.xlsform.read_form`).
    encoding : str, default "auto"
        Text encoding of a CSV; ``"auto"`` detects UTF-8 (with or without BOM) or cp1252.
    sheet : str, optional
        Sheet of an XLSX export; the first sheet when None or empty.
    layout : {"auto", "names", "labels"}
        ``"names"`` accepts only question and choice names; ``"auto"`` and ``"labels"`` also
        map labels (headers and values, any language of the form) back to names.
    required : sequence of str
        Questions whose column must be present (else :class:`SurveyDataError`).
    keep : sequence of str
        Headers that are not in the form but are kept, as text columns under their own
        name (a submission id such as ``X_uuid``, an area column the analysts added).

    Returns
    -------
    respondents : DataFrame
        One row per data row, columns as in ``docs/design.md``; ``_row`` is the 1-based data
        row (row 1 is the first row under the header). ``attrs["source"]`` is the file and
        ``attrs["absent_questions"]`` lists questions without a column;
        ``attrs["columns"]`` maps each question read to its export header. Out-of-range
        coordinates of a geopoint ``q`` (set to NA) are kept in ``_q_rejected_lat`` and
        ``_q_rejected_lon`` so that placement can tell swapped latitude and longitude.
    issues : DataFrame
        ``kind, row, column, value, reason``: one row per problem (``unknown_choice``,
        ``bad_number``, ``bad_value``, ``bad_geopoint``, ``missing_column``,
        ``unknown_column``, ``duplicate_column`` (a second column holding the same question
        or choice, ignored; its ``value`` is the question), ``constraint``, ``encoding``,
        ``bad_encoding``, ``ignored_table``). ``row`` is NA for problems of a whole column.

    Raises
    ------
    InputFileError
        Missing, empty, undecodable, binary or truncated file; a broken row.
    SurveyDataError
        Wrong separator, no column matching the form, a ``required`` question without a
        column, an unknown ``layout`` or ``encoding``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from geo4mi.survey.xlsform import example_form_path, read_form
    >>> form = read_form(example_form_path())
    >>> csv = pathlib.Path(tempfile.mkdtemp()) / "odk.csv"
    >>> _ = csv.write_text("profile-borough,gps-Latitude,gps-Longitude,profile-leave_reasons,"
    ...                    "profile-leave_reasons/economic,profile-leave_reasons/violence\\n"
    ...                    "coyoacan,19.35,-99.16,economic violence,1,1\\n"
    ...                    "coyoacan,,,,0,0\\n")
    >>> r, _ = read_export(csv, form)
    >>> print(r[["gps_lat", "leave_reasons", "leave_reasons/economic"]].to_csv(index=False))
    gps_lat,leave_reasons,leave_reasons/economic
    19.35,economic violence,True
    ,,
    <BLANKLINE>
    """
    path = Path(path)
    if layout not in LAYOUTS:
        raise SurveyDataError(f"{path}: layout {layout!r} is unknown; use one of "
                              f"{', '.join(LAYOUTS)}")
    if not path.exists():
        raise InputFileError(f"{path}: survey export not found; check the path (paths in a "
                             "study file are relative to the study file)")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder; give the export file")
    data = path.read_bytes()
    if not data or data.isspace():  # (not data.strip(): no copy of a big file)
        raise InputFileError(f"{path}: the file is empty; export the data again")
    mapping: dict[_Target, str] = {}
    unknown: list[str] = []
    ignored: list[tuple[str, str, _Target]] = []
    notes: list[dict[str, Any]] = []
    extra: dict[str, str] = {}  # key of a kept column -> its name in respondents
    decimal_comma = False

    def plan(header: Sequence[str], keys: Sequence[str],
             delim: str) -> tuple[list[str], dict[str, Any]]:
        nonlocal mapping, unknown, ignored
        mapping, unknown, ignored = _map_headers(form, header, keys, layout=layout, source=path,
                                                 keep=set(keep))
        extra.clear()
        extra.update({k: str(h).strip() for h, k in zip(header, keys, strict=True)
                      if str(h).strip() in set(keep) and k in unknown})
        unknown = [u for u in unknown if u not in extra]
        dtype: dict[str, Any] = {}
        for target, h in mapping.items():
            # answers to number questions are read as text, so that a report quotes them
            # as written and nothing is converted before it is checked (1e308, inf...);
            # split columns (0/1) and, with a comma separator, coordinates are number-like
            # (read as float64 when every cell is a number, see _read_csv). Answers are not
            # read as categories: pandas' parser already shares one string object per
            # distinct text in a chunk, and categories made it 2x slower (bench_indicators)
            if target.kind == "split" or (target.kind == "geo" and delim != ";"):
                continue
            dtype[h] = object
        dtype.update(dict.fromkeys(extra, object))
        return [*mapping.values(), *extra], dtype

    member = _zip_member(path, data) if data.startswith(b"PK\x03\x04") else None
    if member is not None:  # ODK Central .csv.zip: the main table; repeats are listed
        name, data, others = member
        for other in others:
            notes.append({"kind": "ignored_table", "row": None, "column": other,
                          "value": name, "reason": "a repeat table of the .csv.zip; geo4mi "
                          "analyses one row per respondent (the main table); ignored"})
        raw, delim, found = _read_csv(path, data, encoding, plan)
        notes += found
        decimal_comma = delim == ";"
    elif (data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))
          or path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")):
        raw, header, others = _read_workbook(path, sheet or None)
        keys = [str(c) for c in raw.columns]
        plan([h for h in header if h != ""], keys, ",")
        raw = raw[[*mapping.values(), *extra]]
        for other in others:
            notes.append({"kind": "ignored_table", "row": None, "column": other, "value": "",
                          "reason": "another sheet of the workbook (a repeat or notes); "
                          "geo4mi reads the first sheet (set survey.sheet to choose)"})
    else:
        raw, delim, notes = _read_csv(path, data, encoding, plan)
        decimal_comma = delim == ";"
    if len(raw) == 0:
        raise InputFileError(f"{path}: has a header but no data rows; export the data again")
    for q in required:
        if not any(t.question == q and t.kind != "meta" for t in mapping):
            raise SurveyDataError(f"{path}: row 1: no column for the required question {q!r}; "
                                  "add it to the export or fix the study file")
    raw = raw.reset_index(drop=True)
    conv = _Converter(form, raw, mapping, source=path, labels=layout != "names",
                      decimal_comma=decimal_comma)
    for h in unknown:
        conv.issue("unknown_column", h, None, pd.NA, "column is not in the form; ignored")
    for h, kept, target in ignored:
        what = target.question + (f" / {target.part}" if target.part else "")
        conv.issue("duplicate_column", h, None, target.question,
                   f"holds {what!r} like column {kept!r}, which is read; this one is ignored")
    conv.issues.append(pd.DataFrame(notes, columns=ISSUE_COLUMNS))
    respondents, issues = conv.run()
    for h, name in extra.items():
        values = _clean_text(raw[h])
        values[values == None] = pd.NA  # noqa: E711 (elementwise on an object array; `is` would not be)
        respondents[name] = pd.arrays.StringArray(values)
    log.info("%s: %d rows, %d columns matched, %d issues", path.name, len(respondents),
             len(mapping), len(issues))
    return respondents, issues
