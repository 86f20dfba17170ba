"""Issue 10: hostile text in every field of a study stays inert text in every output.

The study of :mod:`hostile_study` (every text field a payload of :mod:`hostile`) is run
through the pipeline for several offsets, so that across the cases every payload lands in
every field kind (``test_every_payload_reaches_every_field_kind`` checks and records it).
For each case the outputs are written and read back:

- pipeline: labels and area names are the texts of the input files (``strip()``-ed, as
  the readers document), nothing else changed;
- CSV: every cell reads back as the text written; no payload was evaluated;
- GeoPackage: every text attribute reads back equal to the input text;
- SVG: parses as XML; its ``<text>`` holds the payload literally (figures draw user text
  on one line without invisible characters, and cut text longer than the page with "…");
  no bidi control reaches it; the page stays a page;
- PDF: "inert" means: no active content (JavaScript, actions, launch, URI), the title
  metadata and the extracted text are the literal payload text;
- free-text answers (respondent-level) appear in no output at all;
- HTML maps: rendering does not raise and no template was evaluated (the browser checks
  are in test_hostile_maps.py); no CSV cell starts a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyogrio
import pytest
from hostile import FORMULA_STARTS, PAYLOADS, assert_inert, payload
from hostile_study import (
    FREE_TEXT_BASE,
    GROUPS,
    field_names,
    hostile_fields,
    leading,
    write_hostile_study,
)

from geo4mi.build import write_indicator_file, write_map
from geo4mi.figures import choropleth_figure, save_figure, write_figures
from geo4mi.outputs import FigureOptions, figure_inputs
from geo4mi.pipeline import Results, run

#: Offsets of the cases. Every field kind has at least STRIDE consecutive fields, so
#: offsets STRIDE apart put every payload in every kind (checked below).
STRIDE = 5
OFFSETS = tuple(range(0, len(PAYLOADS) + STRIDE - 1, STRIDE))
FREE_TEXT = re.compile(rf"h{FREE_TEXT_BASE // 1000}\d{{3}} ")  # "h1xyz " markers
#: PDF keys that make a document act: open actions, additional actions, named JavaScript,
#: forms and annotations (links).
ACTIVE_PDF = {"/OpenAction", "/AA", "/Names", "/AcroForm", "/URI"}


def kind(name: str) -> str:
    """Field kind of a field name, as issue 10 lists them: ``study`` (title, source, form
    title), ``area`` (boundary names), ``form`` (question labels), ``choice`` (choice
    labels), ``catalogue`` (theme, indicator, universe and group labels), ``site``."""
    return name.split(".")[0]


def flat(text: str) -> str:
    """How a figure shows ``text``: invisible characters dropped, whitespace single spaces."""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                   for c in text if unicodedata.category(c) != "Cf")
    return " ".join(text.split())


def shown(expected: str, blob: str) -> bool:
    """Whether ``blob`` shows ``expected`` whole, or cut after 8+ characters with "…".

    Whitespace is ignored on both sides: figures wrap text into lines.
    """
    e, b = "".join(expected.split()), "".join(blob.split())
    return e in b or any(e[:k] + "\u2026" in b for k in range(min(len(e), 300), 7, -1))


# -- the cases -----------------------------------------------------------------------------

#: How the catalogue names the statistics of a number question (``Mean: <form label>``).
STAT_WORDS = {"mean": {"es": "Media", "en": "Mean"}, "median": {"es": "Mediana", "en": "Median"}}


@dataclass
class Case:
    offset: int
    folder: Path
    fields: dict[str, str]
    results: Results
    lang: str
    group: str
    outputs: dict[str, Path] = field(default_factory=dict)

    def text(self, key: str) -> str:
        """The field as a reader returns it: readers strip surrounding whitespace, and the
        XLSForm (XML inside) stores a carriage return as a line feed."""
        text = self.fields[key]
        if key.startswith(("form.", "choice.", "study.form_title")):
            text = re.sub("\r\n?", "\n", text)
        return text.strip()

    def indicator_label(self, iid: str, lang: str) -> str:
        """An indicator's label as the catalogue reads it; the mean and median of the
        form's number question (``age``) are named after its form label."""
        ind = self.results.catalogue[iid]
        if ind.stat in STAT_WORDS:
            return f"{STAT_WORDS[ind.stat][lang]}: {self.text(f'form.label.{ind.question}.{lang}')}"
        return self.text(f"catalogue.indicator.{iid}.{lang}")


@pytest.fixture(scope="module", params=OFFSETS, ids=[f"offset{o}" for o in OFFSETS])
def case(request, tmp_path_factory) -> Case:
    offset = request.param
    k = OFFSETS.index(offset)
    folder = tmp_path_factory.mktemp(f"hostile{offset}")
    results = run(write_hostile_study(folder / "study", offset=offset))
    lang = ("es", "en")[k % 2]
    c = Case(offset, folder, hostile_fields(offset), results, lang, GROUPS[k % len(GROUPS)])
    out = folder / "out"
    for name in ("estimates.csv", "estimates.gpkg", "estimates.analysistools.csv"):
        c.outputs[name] = write_indicator_file(results, out / name, lang=lang)
    data, settings = figure_inputs(results, FigureOptions(
        formats="svg", indicators=["complaint_filed", "discriminated"],
        kinds=("map", "bars", "groups"), group_vars=[c.group], lang=lang))
    figs = write_figures(data, out / "figures", settings)
    fig = choropleth_figure(results.estimates, results.areas, results.labels,
                            "complaint_filed", lang=lang, synthetic=True,
                            source=results.study.source_in(lang))
    figs += save_figure(fig, out / "pdf" / "map_complaint_filed", "pdf")
    for path in figs:
        c.outputs[f"{path.parent.name}/{path.name}"] = path
    return c


def texts(case: Case) -> dict[str, str]:
    """Every text output of a case as text (PDF: the extracted text and the metadata)."""
    out = {}
    for name, path in case.outputs.items():
        if path.suffix == ".pdf":
            out[name] = pdf_text(path)
        elif path.suffix == ".gpkg":
            out[name] = "\n".join(
                "\n".join(map(str, pyogrio.read_dataframe(path, layer=layer,
                                                          read_geometry=False)
                              .astype(str).to_numpy().ravel()))
                for layer, _ in pyogrio.list_layers(path))
        elif path.suffix != ".png":
            out[name] = path.read_text(encoding="utf-8-sig")
    return out


def pdf_text(path: Path) -> str:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(path)
    return "\n".join([reader.metadata.title or "", *(p.extract_text() for p in reader.pages)])


# -- coverage ------------------------------------------------------------------------------

def test_every_payload_reaches_every_field_kind(record_property):
    names = field_names()
    landed: dict[str, set[int]] = defaultdict(set)
    for offset in OFFSETS:
        for k, name in enumerate(names):
            landed[kind(name)].add((offset + k) % len(PAYLOADS))
    missing = {kd: sorted(set(range(len(PAYLOADS))) - got) for kd, got in landed.items()
               if len(got) < len(PAYLOADS)}
    assert not missing
    placements = len(OFFSETS) * len(names)
    record_property("hostile_placements", placements)
    print(f"\nhostile corpus: {len(PAYLOADS)} payloads x {len(names)} text fields "
          f"({len(landed)} kinds) x {len(OFFSETS)} offsets = {placements} placements, "
          f"plus {len(OFFSETS)} x 200 free-text answers")


# -- the pipeline keeps every text as it was ------------------------------------------------

def test_pipeline_keeps_texts(case):
    r, lab = case.results, case.results.labels
    assert dict(zip(r.areas["area_id"], r.areas["area_name"], strict=True)) == {
        n.split(".")[2]: case.text(n) for n in case.fields if n.startswith("area.name.")}
    assert r.interviews_per_area().to_dict() == {"a1": 64, "a2": 52, "a3": 44, "a4": 34,
                                                 "a5": 6, "a6": 0}
    for lang in ("es", "en"):
        assert r.study.title[lang] == case.fields[f"study.title.{lang}"]  # TOML: exact
        assert r.study.source[lang] == case.fields[f"study.source.{lang}"]
        assert lab.survey_title[lang] == case.text("study.form_title")
        for iid, info in lab.indicators.items():
            assert info.label[lang] == case.indicator_label(iid, lang)
        assert lab.indicators["complaint_filed"].universe[lang] == \
            case.text(f"catalogue.universe.complaint_filed.{lang}")
        for theme, text in lab.themes.items():
            assert text[lang] == case.text(f"catalogue.theme.{theme}.{lang}")
        assert lab.group_vars["gender"][lang] == case.text(f"form.label.gender.{lang}")
        assert lab.group_vars["time_in_city"][lang] == \
            case.text(f"catalogue.group_label.time_in_city.{lang}")
        assert lab.group_vars["age_group"][lang] == \
            case.text(f"catalogue.derived.age_group.{lang}")
        for var, prefix in (("gender", "choice.label.gender"),
                            ("time_in_city", "choice.label.time_in_city"),
                            ("age_group", "catalogue.derived.age_group")):
            for value, text in lab.group_values[var].items():
                assert text[lang] == case.text(f"{prefix}.{value}.{lang}")
        for choice in ("venezuela", "honduras", "haiti", "other"):
            assert r.form.choice_label("nationality", choice, lang) == \
                case.text(f"choice.label.nationality.{choice}.{lang}")
    comments = r.respondents["comments"].dropna()
    assert len(comments) == 200 and comments.iloc[0] == \
        payload(case.offset + FREE_TEXT_BASE + 1).strip()


# -- CSV and GeoPackage --------------------------------------------------------------------

def _expected_labels(case: Case) -> dict[str, set[str]]:
    lang = case.lang
    return {
        "area_name": {case.text(f"area.name.a{k}") for k in range(1, 7)},
        "indicator_label": {case.indicator_label(i, lang) for i in case.results.labels.indicators},
        "theme_label": {case.text(f"catalogue.theme.{t}.{lang}") for t in ("profile",
                                                                            "protection")},
        "group_var_label": {case.text(f"form.label.gender.{lang}"),
                            case.text(f"catalogue.group_label.time_in_city.{lang}"),
                            case.text(f"catalogue.derived.age_group.{lang}")},
    }


def _csv_rows(path: Path) -> list[dict[str, str]]:
    # read the bytes: read_text() would turn a quoted "\r" into "\n"
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_csv_cells_round_trip(case):
    text = case.outputs["estimates.csv"].read_text(encoding="utf-8-sig")
    assert_inert(text)
    rows = _csv_rows(case.outputs["estimates.csv"])
    for column, expected in _expected_labels(case).items():
        assert expected <= {row[column] for row in rows}, column
    lang = case.lang
    before = [case.text(f"catalogue.{key}.{lang}") for key in (
        "universe.complaint_filed", "indicator.complaint_filed", "theme.protection")]
    universe = before[0]
    assert universe in {row["universe"] for row in rows if row["indicator"] == "complaint_filed"}
    assert_inert(case.outputs["estimates.analysistools.csv"].read_text(encoding="utf-8-sig"))


def test_csv_cells_with_carriage_return_round_trip(case):
    rows = _csv_rows(case.outputs["estimates.csv"])
    for column, expected in _expected_labels(case).items():
        assert expected <= {row.get(column) for row in rows}, column


def test_geopackage_text_round_trips(case):
    path = case.outputs["estimates.gpkg"]
    expected = _expected_labels(case)
    areas = pyogrio.read_dataframe(path, layer="indicators", read_geometry=False)
    assert set(areas["area_name"]) == expected["area_name"]
    long = pyogrio.read_dataframe(path, layer="estimates")
    for column, values in expected.items():
        assert values <= set(long[column]), column
    info = pyogrio.read_dataframe(path, layer="indicator_labels")
    assert set(info["label"]) == expected["indicator_label"]
    assert set(info["theme_label"]) == expected["theme_label"]


# -- figures -------------------------------------------------------------------------------

def _svg(path: Path) -> tuple[ET.Element, str]:
    root = ET.parse(path).getroot()  # well-formed XML whatever the labels
    ns = "{http://www.w3.org/2000/svg}"
    blob = " ".join(" ".join("".join(t.itertext()).split()) for t in root.iter(f"{ns}text"))
    return root, blob


def test_svg_text_is_the_literal_payload(case):
    lang, f = case.lang, case.text
    areas = [f(f"area.name.a{k}") for k in range(1, 7)]
    value_prefix = {"gender": "choice.label.gender", "time_in_city": "choice.label.time_in_city",
                    "age_group": "catalogue.derived.age_group"}[case.group]
    expect = {
        "map_complaint_filed": [*areas, f(f"catalogue.indicator.complaint_filed.{lang}"),
                                f(f"catalogue.universe.complaint_filed.{lang}"),
                                case.fields[f"study.source.{lang}"]],
        "bars_discriminated": [*areas, f(f"catalogue.indicator.discriminated.{lang}")],
        "sample_distribution": areas,
        "nationalities": [f(f"choice.label.nationality.{c}.{lang}")
                          for c in ("venezuela", "honduras", "haiti", "other")],
        f"groups_complaint_filed_{case.group}": [
            f(f"{value_prefix}.{v}.{lang}")
            for v in case.results.labels.group_values[case.group]]
        + [f(f"catalogue.universe.complaint_filed.{lang}")],
    }
    for stem, wanted in expect.items():
        root, blob = _svg(case.outputs[f"figures/{stem}.svg"])
        assert_inert(blob)
        assert not any(unicodedata.category(c) in ("Cf", "Cc") for c in blob), stem
        for text in wanted:
            assert shown(flat(text), blob), (stem, text[:80])
        height_pt = float(root.get("height").removesuffix("pt"))
        assert height_pt < 30 / 2.54 * 72, stem  # a page, whatever the label lengths
    title = case.outputs["figures/map_complaint_filed.svg"].read_text(encoding="utf-8")
    label = flat(f(f"catalogue.indicator.complaint_filed.{lang}"))
    metadata = ET.fromstring(title).find(".//{http://purl.org/dc/elements/1.1/}title").text
    assert shown(label, metadata)


def test_pdf_is_inert_and_holds_the_literal_text(case):
    pypdf = pytest.importorskip("pypdf")
    path = case.outputs["pdf/map_complaint_filed.pdf"]
    reader = pypdf.PdfReader(path)
    assert not ACTIVE_PDF & set(reader.trailer["/Root"].keys())
    for page in reader.pages:
        assert not ACTIVE_PDF & set(page.keys())
        annots = page.get("/Annots")  # matplotlib writes an empty list: no links
        assert annots is None or not annots.get_object()
    assert b"JavaScript" not in path.read_bytes()
    text = pdf_text(path)
    assert_inert(text)
    squeezed = "".join(text.split())
    label = flat(case.text(f"catalogue.indicator.complaint_filed.{case.lang}"))
    assert shown("".join(label.split())[:60], squeezed)
    for k in range(1, 7):
        name = flat(case.text(f"area.name.a{k}"))
        assert shown("".join(name.split())[:12], squeezed), name[:40]


def test_free_text_answers_reach_no_output(case):
    for name, text in texts(case).items():
        assert not FREE_TEXT.search(text), name


def test_figures_render_png_of_long_labels(tmp_path):
    """The longest payload in every field: PNG pages stay pages (and nothing raises)."""
    long = PAYLOADS.index(max(PAYLOADS, key=len))
    results = run(write_hostile_study(tmp_path / "study",
                                      text=lambda i: payload(long) + f" #{i}"))
    data, settings = figure_inputs(results, FigureOptions(
        formats="png", indicators=["complaint_filed"], kinds=("map", "bars")))
    paths = write_figures(data, tmp_path / "png", settings)
    import struct

    for path in paths:
        width, height = struct.unpack(">II", path.read_bytes()[16:24])
        assert width <= 17 / 2.54 * 300 + 1 and height < 30 / 2.54 * 300, path.name


# -- HTML maps ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind_", ["choropleth", "sites"])
def test_html_maps_render_inert(case, kind_):
    path = write_map(case.results, case.folder / "out" / f"{kind_}.html", kind=kind_,
                     lang=case.lang)
    text = path.read_text(encoding="utf-8")
    assert_inert(text)
    assert not FREE_TEXT.search(text)


# -- CSV formula neutralisation -----------------------------------------------------------

@pytest.fixture(scope="module")
def leading_outputs(tmp_path_factory) -> list[Path]:
    """Tables of studies whose fields start with the bare payloads (formulas lead cells)."""
    formulas = [i for i, p in enumerate(PAYLOADS) if p.startswith(FORMULA_STARTS)]
    paths = []
    starts = [field_names().index(f) for f in ("area.name.a1", "catalogue.indicator.men.es")]
    for offset in (formulas[0] - k for k in starts):  # formulas lead area names; labels
        folder = tmp_path_factory.mktemp(f"leading{offset % 100}")
        results = run(write_hostile_study(folder / "study", offset=offset, text=leading))
        for name in ("estimates.csv", "estimates.analysistools.csv"):
            paths.append(write_indicator_file(results, folder / name,
                                              lang=results.study.language))
    return paths


def test_leading_payloads_pass_through_the_pipeline(leading_outputs):
    for path in leading_outputs:
        assert_inert(path.read_text(encoding="utf-8-sig"))


def test_no_csv_cell_starts_a_formula(leading_outputs):
    for path in leading_outputs:
        rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
        bad = [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]
        assert not bad, f"{path.name}: {bad[:3]!r}"


# -- imported GeoJSON properties -----------------------------------------------------------

def test_workshop_geojson_properties_round_trip(tmp_path):
    import json

    from geo4mi.errors import SitesError
    from geo4mi.sites import NAME_MAX_CHARS, NOTES_MAX_CHARS, read_workshop_geojson, write_sites_csv

    def collection(indices):
        return json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-99.13, 19.43]},
             "properties": {"name": payload(i), "type": "market", "notes": payload(i + 1)}}
            for i in indices]})

    def fits(i):
        return len(payload(i)) <= NAME_MAX_CHARS and len(payload(i + 1)) <= NOTES_MAX_CHARS

    kept = [i for i in range(len(PAYLOADS)) if fits(i)]
    refused = [i for i in range(len(PAYLOADS)) if not fits(i)]
    assert refused, "the corpus has a text longer than a site name may be"
    src = tmp_path / "long.geojson"
    src.write_text(collection(refused[:1]), encoding="utf-8")
    with pytest.raises(SitesError, match="characters, more than"):
        read_workshop_geojson(src)
    src = tmp_path / "candidates.geojson"
    src.write_text(collection(kept), encoding="utf-8")
    table = read_workshop_geojson(src)
    one_line = {i: " ".join(payload(i).split()) for i in range(len(PAYLOADS) + 1)}
    assert table["name"].tolist() == [one_line[i] for i in kept]  # names on one line
    assert table["notes"].tolist() == [one_line[i + 1] for i in kept]
    text = write_sites_csv(table, tmp_path / "sites.csv").read_text(encoding="utf-8")
    assert_inert(text)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["name"] for r in rows] == [one_line[i] for i in kept]
