"""A study on made-up areas says nothing of Mexico City (issue 14, item 1).

The hostile study of :mod:`hostile_study` (six squares, plain texts here) is run through the
pipeline and :func:`geo4mi.build.build_outputs`; every output — HTML, CSV, GeoPackage text,
SVG text, PDF text — is scanned for Mexico City's words. The study's own unit word, place and
attribution must appear instead, and a study without them speaks of neutral "areas".
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hostile_study import write_hostile_study

from geo4mi.build import build_outputs
from geo4mi.pipeline import run

#: Mexico City words, accent- and case-insensitive (matched on folded text).
MEXICO_WORDS = re.compile(r"inegi|alcald|ciudad de mexico|mexico city|cdmx|borough|"
                          r"delegacion|marco geoestadistico")

COMUNA_KEYS = '''attribution = { es = "Oficina de Catastro Inventada", \
en = "Made-up Cadastre Office" }
unit = { es = ["comuna", "comunas"], en = ["commune", "communes"] }
'''
PLACE_KEYS = '''place = { es = "Villa Inventada", en = "Madeup Town" }
population = { es = "la población encuestada", en = "surveyed population" }
'''


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _texts(out: Path) -> dict[str, str]:
    """The text of every output file that holds text (PNG: its SVG twin is scanned)."""
    import pyogrio
    from pypdf import PdfReader

    texts: dict[str, str] = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file() or path.name.startswith(".geo4mi"):
            continue
        rel = str(path.relative_to(out))
        if path.suffix in (".html", ".csv", ".svg"):
            texts[rel] = path.read_text(encoding="utf-8-sig")
        elif path.suffix == ".pdf":
            texts[rel] = "\n".join(page.extract_text() for page in PdfReader(path).pages)
        elif path.suffix == ".gpkg":
            parts = []
            for layer, _ in pyogrio.list_layers(path):
                frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
                parts.append(" ".join(map(str, frame.columns)))
                parts.append(frame.astype(str).to_csv(index=False))
            texts[rel] = "\n".join(parts)
    return texts


def _study(folder: Path, boundaries: str = "", study: str = "") -> Path:
    path = write_hostile_study(folder, text=lambda i: f"Texto {i}")
    toml = path.read_text(encoding="utf-8")
    toml = toml.replace("[boundaries]\n", "[boundaries]\n" + boundaries, 1)
    toml = toml.replace("[study]\n", "[study]\n" + study, 1)
    path.write_text(toml, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def comuna_outputs(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("madeup")
    results = run(_study(folder / "study", COMUNA_KEYS, PLACE_KEYS))
    build_outputs(results, folder / "out")
    return _texts(folder / "out")


def test_no_mexico_city_word_in_any_output(comuna_outputs):
    kinds = {Path(name).suffix for name in comuna_outputs}
    assert {".html", ".csv", ".gpkg", ".svg", ".pdf"} <= kinds
    found = {name: sorted(set(MEXICO_WORDS.findall(_fold(text))))
             for name, text in comuna_outputs.items() if MEXICO_WORDS.search(_fold(text))}
    assert found == {}


def test_the_study_words_appear_instead(comuna_outputs):
    es_map = comuna_outputs["choropleth.html"]
    assert "Mapa de indicadores por comuna" in es_map or "comuna" in es_map
    assert "Límites: Oficina de Catastro Inventada" in es_map
    assert "Boundaries: Made-up Cadastre Office" in comuna_outputs["choropleth.en.html"]
    assert "Communes" in comuna_outputs["sites.html"] or "Comunas" in comuna_outputs["sites.html"]
    assert "toda la población encuestada de Villa Inventada" in es_map
    assert "All of Madeup Town" in comuna_outputs["choropleth.en.html"]
    pdfs = " ".join(text for name, text in comuna_outputs.items() if name.endswith(".pdf"))
    assert "comuna" in _fold(pdfs) and "oficina de catastro inventada" in _fold(pdfs)


def test_a_study_without_words_speaks_of_areas(tmp_path):
    results = run(_study(tmp_path / "study"))
    build_outputs(results, tmp_path / "out")
    texts = _texts(tmp_path / "out")
    html = texts["choropleth.en.html"]
    assert "Indicators by area" in html or "Area" in html
    assert "Boundaries:" not in html and "Límites:" not in texts["choropleth.html"]
    assert not any(MEXICO_WORDS.search(_fold(text)) for text in texts.values())


# -- the study's words are text, never markup -------------------------------------------------

@pytest.mark.browser
def test_hostile_study_words_stay_text_in_the_browser(tmp_path):
    """Unit, place and attribution made of payloads: shown literally, nothing runs."""
    from browser import offline_page
    from hostile import PAYLOADS, assert_inert
    from hostile_study import _toml
    from test_hostile_maps import assert_nothing_ran, open_hostile

    from geo4mi.build import write_map

    unit, units, place, source = (PAYLOADS[i] for i in (6, 7, 8, 9))
    study = _study(tmp_path / "study",
                   f"attribution = {_toml(source)}\nunit = [{_toml(unit)}, {_toml(units)}]\n",
                   f"place = {_toml(place)}\n")
    results = run(study)
    for kind in ("choropleth", "sites"):
        path = write_map(results, tmp_path / f"{kind}.html", kind=kind, lang="en")
        assert_inert(path.read_text(encoding="utf-8"))
        dialogs: list[str] = []
        with offline_page(None) as (page, report):
            open_hostile(page, path, dialogs)
            page.wait_for_selector("path.leaflet-interactive")
            shown = page.inner_text("body")
            assert_nothing_ran(page, dialogs, report)
        if kind == "choropleth":
            assert f"Boundaries: {source}" in shown
            assert units[:1].upper() + units[1:] in shown or units in shown
