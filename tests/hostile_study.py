"""A complete small study whose every text field holds a hostile payload (issue 10).

:func:`write_hostile_study` writes a study file, a boundary GeoPackage, an XLSForm, a Kobo
export, an indicator catalogue and a sites CSV into a folder, modelled on the bundled Mexico
City study but small (six square areas, 200 respondents, six indicators, three grouping
variables), so a whole pipeline run and its outputs take seconds. Every text that a person
outside the project writes holds a distinct payload of :mod:`hostile`; identifiers
(question, choice, indicator, theme and area ids, file names) stay plain.

Payload ``offset + k`` goes to the ``k``-th text field (:func:`hostile_fields` lists them
in order), so different offsets rotate the payloads through the fields. Free-text answers
use ``offset + FREE_TEXT_BASE + row``: they are respondent-level and must reach no output.

Usage::

    from hostile_study import write_hostile_study, hostile_fields

    study_path = write_hostile_study(tmp_path, offset=7)
    results = geo4mi.pipeline.run(study_path)
    fields = hostile_fields(offset=7)     # {"study.title.es": "h7 ...", ...}

With ``text=leading``, each field holds the bare payload first and its number after it
(``'=HYPERLINK(...) #22'``), so spreadsheet formula payloads start their cell.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from hostile import PAYLOADS, payload
from pyproj import Transformer

from geo4mi.sites import NAME_MAX_CHARS, NOTES_MAX_CHARS

#: Areas: (id, respondents, ...). Area "a6" has no interviews, "a5" fewer than min_n.
AREAS = (("a1", 64), ("a2", 52), ("a3", 44), ("a4", 34), ("a5", 6), ("a6", 0))
CRS = "EPSG:6372"  # INEGI's Mexico LCC, metres: the squares lie over Mexico City
_X0, _Y0, _SIDE = 2_790_000.0, 810_000.0, 4_000.0
#: Free-text answer of data row r (1-based) holds payload ``offset + FREE_TEXT_BASE + r``.
FREE_TEXT_BASE = 1000
LANGS = ("es", "en")

QUESTIONS = (  # (type, name) of the XLSForm, in order; each has an es and an en label
    ("geopoint", "gps"),
    ("select_one borough", "borough"),
    ("integer", "age"),
    ("select_one gender", "gender"),
    ("select_one nationality", "nationality"),
    ("select_one time_in_city", "time_in_city"),
    ("select_one yes_no", "discriminated"),
    ("select_one yes_no", "crime_victim"),
    ("select_one yes_no", "complaint_filed"),
    ("select_multiple need", "needs"),
    ("text", "comments"),
)
CHOICES = {  # list -> choice names (borough labels are the area names, for placement)
    "gender": ("man", "woman", "other"),
    "nationality": ("venezuela", "honduras", "haiti", "other"),
    "time_in_city": ("3_12m", "1_5y"),
    "yes_no": ("yes", "no"),
    "need": ("food", "housing", "work", "none"),
}
THEMES = ("profile", "protection")
AGE_GROUPS = ("18_29", "30_44", "45_plus")
INDICATORS = (  # id, theme, definition (TOML lines), direction
    ("men", "profile", 'question = "gender"\nchoices = ["man"]', "neutral"),
    ("discriminated", "protection", 'question = "discriminated"\nchoices = ["yes"]',
     "higher_worse"),
    ("crime_victim", "protection", 'question = "crime_victim"\nchoices = ["yes"]',
     "higher_worse"),
    ("complaint_filed", "protection",
     'question = "complaint_filed"\nchoices = ["yes"]\nuniverse = "crime_victim == \'yes\'"',
     "higher_better"),
    ("needs_food", "profile", 'question = "needs"\nchoices = ["food"]', "higher_worse"),
    ("needs_basic", "profile",
     "numerator = \"selected(needs, 'food') or selected(needs, 'housing')\"", "higher_worse"),
)
GROUPS = ("gender", "age_group", "time_in_city")
SITES = (("metro_station", 0), ("market", 1), ("square_park", 2), ("public_office", 3))


def leading(i: int) -> str:
    """Payload ``i`` first, then its number: ``'+1+1 #23'`` (formula payloads lead their cell).

    Examples
    --------
    >>> leading(23)
    '+1+1 #23'
    """
    return f"{PAYLOADS[i % len(PAYLOADS)]} #{i}"


def field_names() -> list[str]:
    """Every text field of the study, in the order payloads are given to them.

    Names are ``"<file part>.<what>[.<lang>]"``; the first part is the field *kind*
    (``study``, ``area``, ``form``, ``choice``, ``catalogue``, ``site``).

    Examples
    --------
    >>> names = field_names()
    >>> names[:3], len(names) == len(set(names))
    (['study.title.es', 'study.title.en', 'study.source.es'], True)
    """
    names = [f"study.{key}.{lang}" for key in ("title", "source") for lang in LANGS]
    names.append("study.form_title")  # the XLSForm's settings form_title
    names += [f"area.name.{area_id}" for area_id, _ in AREAS]
    names += [f"form.label.{q}.{lang}" for _, q in QUESTIONS for lang in LANGS]
    # Borough choice labels are the area names in the form language (es), as in a real form.
    names += [f"choice.label.borough.{a}.en" for a, _ in AREAS]
    names += [f"choice.label.{lst}.{c}.{lang}" for lst, cs in CHOICES.items() for c in cs
              for lang in LANGS]
    names += [f"catalogue.theme.{th}.{lang}" for th in THEMES for lang in LANGS]
    names += [f"catalogue.group_label.time_in_city.{lang}" for lang in LANGS]
    names += [f"catalogue.derived.age_group.{lang}" for lang in LANGS]
    names += [f"catalogue.derived.age_group.{v}.{lang}" for v in AGE_GROUPS for lang in LANGS]
    names += [f"catalogue.indicator.{i[0]}.{lang}" for i in INDICATORS for lang in LANGS]
    names += [f"catalogue.universe.complaint_filed.{lang}" for lang in LANGS]
    names += [f"site.{what}.{k}" for k in range(len(SITES)) for what in ("name", "notes")]
    return names


def hostile_fields(offset: int = 0, text: Callable[[int], str] = payload) -> dict[str, str]:
    """Field name -> the text :func:`write_hostile_study` writes there (before any reading).

    Examples
    --------
    >>> f = hostile_fields(offset=3)
    >>> f["study.title.es"], f["study.title.en"]
    ('h3 {{ unclosed', 'h4 {% broken')
    """
    fields = {name: text(offset + k) for k, name in enumerate(field_names())}
    # A site name or note longer than geo4mi accepts is refused with a clear line (tested in
    # test_hostile_outputs); the study keeps such texts to the allowed length.
    for name, value in fields.items():
        if name.startswith("site."):
            limit = NAME_MAX_CHARS if ".name." in name else NOTES_MAX_CHARS
            fields[name] = value[:limit]
    return fields


def free_text(offset: int, row: int, text: Callable[[int], str] = payload) -> str:
    """The free-text answer of data row ``row`` (1-based)."""
    return text(offset + FREE_TEXT_BASE + row)


def _toml(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _langs(f: dict[str, str], key: str) -> str:
    return "{ " + ", ".join(f"{lang} = {_toml(f[f'{key}.{lang}'])}" for lang in LANGS) + " }"


def _squares() -> list[shapely.Polygon]:
    out = []
    for k in range(len(AREAS)):
        r, c = divmod(k, 3)
        x, y = _X0 + c * _SIDE, _Y0 - r * _SIDE
        out.append(shapely.box(x, y - _SIDE, x + _SIDE, y))
    return out


def _write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # "=..." is text here, never a formula
    book.save(path)


def write_hostile_study(folder: str | Path, offset: int = 0, *, n_seed: int = 10,
                        text: Callable[[int], str] = payload) -> Path:
    """Write the hostile study into ``folder``; return the path of its study file.

    Parameters
    ----------
    folder : path-like
        Created if missing. Files: ``hostile.toml``, ``areas.gpkg``, ``form.xlsx``,
        ``export.csv``, ``indicators.toml``, ``sites.csv``.
    offset : int, default 0
        Payload number of the first text field (see :func:`field_names`).
    n_seed : int, default 10
        Seed of the generated answers (the same seed gives the same files).
    text : callable, default :func:`hostile.payload`
        Text of payload ``i``; :func:`leading` puts the bare payload first.

    Examples
    --------
    >>> import tempfile
    >>> from geo4mi.study import load_study
    >>> study = load_study(write_hostile_study(tempfile.mkdtemp(), offset=1))
    >>> study.title["es"], study.min_n
    ('h1 {% if true %}G4M_EVAL{{ "UATED" }}{% endif %}', 10)
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    f = hostile_fields(offset, text)
    rng = np.random.default_rng(n_seed)

    # -- boundaries: six squares, ids plain, names hostile
    areas = gpd.GeoDataFrame({"ID": [a for a, _ in AREAS],
                              "NAME": [f[f"area.name.{a}"] for a, _ in AREAS]},
                             geometry=_squares(), crs=CRS)
    areas.to_file(folder / "areas.gpkg", layer="areas", driver="GPKG")

    # -- XLSForm
    survey: list[list[object]] = [["type", "name", "label::Spanish (es)", "label::English (en)",
                                   "relevant"]]
    for qtype, name in QUESTIONS:
        relevant = "${crime_victim} = 'yes'" if name == "complaint_filed" else None
        survey.append([qtype, name, f[f"form.label.{name}.es"], f[f"form.label.{name}.en"],
                       relevant])
    choices: list[list[object]] = [["list_name", "name", "label::Spanish (es)",
                                    "label::English (en)"]]
    for a, _ in AREAS:
        choices.append(["borough", a, f[f"area.name.{a}"], f[f"choice.label.borough.{a}.en"]])
    for lst, names in CHOICES.items():
        for c in names:
            choices.append([lst, c, f[f"choice.label.{lst}.{c}.es"],
                            f[f"choice.label.{lst}.{c}.en"]])
    settings = [["form_title", "form_id", "default_language", "version"],
                [f["study.form_title"], "hostile", "Spanish (es)", "1"]]
    _write_xlsx(folder / "form.xlsx", {"survey": survey, "choices": choices,
                                       "settings": settings})

    # -- export: names layout, raw geopoints, select_multiple as summary + split columns
    to_wgs = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    needs = CHOICES["need"]
    header = ["gps", "borough", "age", "gender", "nationality", "time_in_city",
              "discriminated", "crime_victim", "complaint_filed", "needs",
              *[f"needs/{c}" for c in needs], "comments", "_id", "_uuid", "_submission_time",
              "_index"]
    rows = []
    squares = _squares()
    for (area_id, count), square in zip(AREAS, squares, strict=True):
        x0, y0, x1, y1 = square.bounds
        for _ in range(count):
            x = x0 + (0.1 + 0.8 * rng.random()) * (x1 - x0)
            y = y0 + (0.1 + 0.8 * rng.random()) * (y1 - y0)
            lon, lat = to_wgs.transform(x, y)
            victim = rng.choice(["yes", "no"], p=[0.4, 0.6])
            picked = [c for c in needs[:3] if rng.random() < 0.4] or ["none"]
            rows.append([
                f"{lat:.6f} {lon:.6f} 2240 5", area_id, str(int(rng.integers(18, 70))),
                rng.choice(CHOICES["gender"], p=[0.48, 0.48, 0.04]),
                rng.choice(CHOICES["nationality"]), rng.choice(CHOICES["time_in_city"]),
                rng.choice(["yes", "no"]), victim,
                rng.choice(["yes", "no"]) if victim == "yes" else "",
                " ".join(picked), *["1" if c in picked else "0" for c in needs]])
    with open(folder / "export.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)  # "\r\n" rows: values with "\r" are quoted
        writer.writerow(header)
        for r, row in enumerate(rows, start=1):
            writer.writerow([*row, free_text(offset, r, text), str(5000 + r),
                             f"uuid-{r:04d}", "2021-06-01T10:00:00", str(r)])

    # -- catalogue
    lines = ["# Indicator catalogue of the hostile test study (tests/hostile_study.py)", ""]
    for th in THEMES:
        lines += [f"[themes.{th}]", f"label = {_langs(f, f'catalogue.theme.{th}')}", ""]
    lines += ["[group_labels]",
              f"time_in_city = {_langs(f, 'catalogue.group_label.time_in_city')}", "",
              "[derived.age_group]", 'from = "age"',
              f"label = {_langs(f, 'catalogue.derived.age_group')}",
              "bins = [18, 30, 45, inf]",
              "labels = [" + ", ".join(f'"{v}"' for v in AGE_GROUPS) + "]", "",
              "[derived.age_group.values]"]
    lines += [f"{v} = {_langs(f, f'catalogue.derived.age_group.{v}')}" for v in AGE_GROUPS]
    for iid, theme, definition, direction in INDICATORS:
        lines += ["", "[[indicator]]", f'id = "{iid}"', f'theme = "{theme}"',
                  f"label = {_langs(f, f'catalogue.indicator.{iid}')}", definition]
        if "universe" in definition:
            lines.append(f"universe_label = {_langs(f, f'catalogue.universe.{iid}')}")
        lines.append(f'direction = "{direction}"')
    (folder / "indicators.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # -- sites: public places inside the first areas, names and notes hostile
    with open(folder / "sites.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)  # "\r\n" rows: values with "\r" are quoted
        writer.writerow(["name", "type", "lat", "lon", "notes"])
        for k, (site_type, area) in enumerate(SITES):
            centre = squares[area].centroid
            lon, lat = to_wgs.transform(centre.x, centre.y)
            writer.writerow([f[f"site.name.{k}"], site_type, f"{lat:.6f}", f"{lon:.6f}",
                             f[f"site.notes.{k}"]])

    # -- the study file
    study = folder / "hostile.toml"
    study.write_text("\n".join([
        "# A study whose every text field is hostile (tests/hostile_study.py).",
        "[study]",
        f"title = {_langs(f, 'study.title')}",
        'language = "es"',
        "synthetic = true",
        "min_n = 10",
        f"source = {_langs(f, 'study.source')}",
        "",
        "[boundaries]",
        'path = "areas.gpkg"', 'layer = "areas"', 'id_field = "ID"', 'name_field = "NAME"',
        "",
        "[survey]",
        'export = "export.csv"', 'form = "form.xlsx"', 'borough_question = "borough"',
        'gps_question = "gps"', 'placement = "prefer_declared"',
        "",
        "[indicators]",
        'catalogue = "indicators.toml"',
        "groups = [" + ", ".join(f'"{g}"' for g in GROUPS) + "]",
        'nationality_question = "nationality"',
        "",
        "[sites]",
        'path = "sites.csv"', "catchment_m = 500", ""]), encoding="utf-8")
    return study


def respondents_per_area() -> dict[str, int]:
    """Rows of the export per area id (every row is in universe and placed)."""
    return dict(AREAS)


__all__ = ["AREAS", "FREE_TEXT_BASE", "field_names", "free_text", "hostile_fields",
           "leading", "respondents_per_area", "write_hostile_study"]
