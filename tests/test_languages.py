"""Interface languages from data (issue 14, item 2): French and Portuguese studies.

A study whose XLSForm has ``label::Français (fr)`` and ``label::Português (pt)`` columns, and
whose language is French, builds its maps and figures in French (and a Portuguese map), with
the library's own French and Portuguese catalogues. Study words stay text in the maps'
templates: a place named ``"{value} town"`` is shown as written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_study import write_hostile_study

from geo4mi.build import build_outputs
from geo4mi.i18n import Wording, t, template, use_wording
from geo4mi.pipeline import run

FR_PT = '''unit = { fr = ["commune", "communes"], pt = ["comuna", "comunas"] }
attribution = { fr = "Cadastre inventé", pt = "Cadastro inventado" }
'''


def _relabel_form(path: Path) -> None:
    """Spanish labels become French, English ones Portuguese (headers without a code)."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for cell in sheet[1]:
            if cell.value == "label::Spanish (es)":
                cell.value = "label::Français"
            elif cell.value == "label::English (en)":
                cell.value = "label::Português"
    settings = book["settings"]
    for cell in settings[2]:
        if cell.value == "Spanish (es)":
            cell.value = "Français"
    book.save(path)


@pytest.fixture(scope="module")
def french_outputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fr")
    study = write_hostile_study(folder / "study", text=lambda i: f"Texte {i}")
    _relabel_form(folder / "study" / "form.xlsx")
    toml = study.read_text(encoding="utf-8")
    toml = toml.replace('language = "es"', 'language = "fr"')
    toml = toml.replace("[boundaries]\n", "[boundaries]\n" + FR_PT, 1)
    study.write_text(toml, encoding="utf-8")
    results = run(study)
    assert results.form.languages == ["fr", "pt"]
    build_outputs(results, folder / "out")
    return folder / "out"


def test_a_french_study_builds_its_maps_in_french_and_portuguese(french_outputs):
    names = {p.name for p in french_outputs.iterdir()}
    assert {"choropleth.html", "choropleth.pt.html", "choropleth.es.html",
            "choropleth.en.html"} <= names
    fr = (french_outputs / "choropleth.html").read_text(encoding="utf-8")
    pt = (french_outputs / "choropleth.pt.html").read_text(encoding="utf-8")
    assert '<html lang="fr"' in fr and '<html lang="pt"' in pt
    assert "Que montrer" in fr and "Incertitude :" in fr and "Toute la zone d" in fr
    assert "Limites : Cadastre inventé" in fr
    assert "O que mostrar" in pt and "Limites: Cadastro inventado" in pt
    assert "Cette carte dans d" in fr and "autres langues" in fr
    assert "Português" in fr and "Français" in pt
    # labels from the form's French column (was the Spanish one of the hostile study)
    assert "Texte" in fr


def test_a_french_study_draws_its_figures_in_french(french_outputs):
    svgs = " ".join(p.read_text(encoding="utf-8")
                    for p in (french_outputs / "figures").rglob("*.svg"))
    assert svgs
    assert "Par commune, avec intervalles de confiance à 95 %" in svgs or \
        "intervalles de confiance" in svgs
    assert "Por comuna" not in svgs and "By commune" not in svgs


@pytest.mark.parametrize("lang, whole", [
    ("fr", "Toute la zone d'étude"), ("pt", "Toda a área de estudo")])
def test_neutral_wording_in_french_and_portuguese(lang, whole):
    assert t("city_wide", lang) == whole
    with use_wording(Wording(place={"fr": "Dakar", "pt": "Luanda"})):
        assert t("city_wide", lang) == {"fr": "L'ensemble de Dakar",
                                        "pt": "Todo o território de Luanda"}[lang]


def test_study_words_are_escaped_in_templates():
    with use_wording(Wording(place={"en": "{value} town"})):
        assert template("city_value", "en") == "All of {{value}} town: {value}"
        assert t("city_value", "en", value="45 %") == "All of {value} town: 45 %"


@pytest.mark.browser
def test_a_study_word_with_braces_stays_literal_in_the_browser(tmp_path):
    """The place is "{value} town" and the unit "{n}": the script fills {value} of the
    template, never the study's words."""
    from browser import offline_page
    from test_hostile_maps import assert_nothing_ran, open_hostile

    from geo4mi.build import write_map

    study = write_hostile_study(tmp_path / "study", text=lambda i: f"Text {i}")
    toml = study.read_text(encoding="utf-8").replace(
        "[study]\n", '[study]\nplace = { es = "{value} pueblo", en = "{value} town" }\n', 1)
    study.write_text(toml, encoding="utf-8")
    path = write_map(run(study), tmp_path / "map.html", kind="choropleth", lang="en")
    dialogs: list[str] = []
    with offline_page(None) as (page, report):
        open_hostile(page, path, dialogs)
        page.wait_for_selector("path.leaflet-interactive")
        page.locator("path.leaflet-interactive").first.hover()
        shown = page.inner_text(".g4c-tip-city")
        assert_nothing_ran(page, dialogs, report)
    assert shown.startswith("All of {value} town: ")
    assert "All of {value} town: {value}" not in shown  # the template's own {value} is filled
