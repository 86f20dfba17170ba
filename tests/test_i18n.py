"""The interface-text catalogues: one file per language, each complete, one place, and what the
JS reads."""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
import re
import string
from pathlib import Path

import pytest

import geo4mi
from geo4mi import classify
from geo4mi.errors import StudyError
from geo4mi.i18n import CATALOGUES, LANGUAGES, NEUTRAL, TEXT, Wording, t, template, use_wording
from geo4mi.study import bundled_study_path, load_study

STATIC = Path(geo4mi.__file__).parent / "webmap" / "static"
PREFIXES = ("map.", "sites.", "figure.", "table.", "check.", "check.flag.")
#: Placeholders filled from the study's wording (Spanish articles have no English twin).
STUDY_WORDS = set(NEUTRAL.words("es"))
#: The bundled Mexico City study's wording: the demo's texts.
MEXICO = load_study(bundled_study_path()).wording


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


# -- the catalogue -------------------------------------------------------------------------------

def test_every_catalogue_has_every_key():
    assert LANGUAGES[:2] == ("es", "en") and {"fr", "pt"} <= set(LANGUAGES)
    keys = set(CATALOGUES["es"])
    assert {lang: sorted(set(entries) ^ keys) for lang, entries in CATALOGUES.items()
            if set(entries) != keys} == {}
    assert [key for key, entry in TEXT.items() if set(entry) != set(LANGUAGES)] == []


def test_a_catalogue_is_a_data_file_per_language():
    folder = Path(geo4mi.__file__).parent / "locales"
    assert sorted(p.stem for p in folder.glob("*.toml")) == sorted(LANGUAGES)
    assert all(t("language_name", lang) != t("language_name", "en") for lang in LANGUAGES
               if lang != "en")


def test_no_empty_or_padded_text():
    bad = [(key, lang) for key, entry in TEXT.items() for lang, text in entry.items()
           if not isinstance(text, str) or not text.strip() or text != text.strip()
           or "  " in text]
    assert bad == []


def test_placeholders_are_the_same_in_every_language():
    """The values a caller gives ({min_n}, {value}...) are the same in every catalogue; study
    words ({unit}, {este}...) may differ, since each language has its own grammar."""
    assert [(key, lang) for key, entry in TEXT.items() for lang in LANGUAGES
            if placeholders(entry[lang]) - STUDY_WORDS
            != placeholders(entry["es"]) - STUDY_WORDS] == []
    names = {name for entry in TEXT.values() for text in entry.values()
             for name in placeholders(text)}
    assert names and all(re.fullmatch(r"[a-z_]+", name) for name in names - STUDY_WORDS)
    assert all(re.fullmatch(r"[A-Za-z_]+", name) for name in names)  # never {} or {0}


def test_french_and_portuguese_use_no_spanish_article():
    spanish = {"este", "los", "Los", "la", "una"}
    assert [(key, lang) for key, entry in TEXT.items() for lang in ("fr", "pt")
            if placeholders(entry[lang]) & spanish] == []


def test_keys_are_plain_or_namespaced_by_medium():
    for key in TEXT:
        head, _, rest = key.rpartition(".")
        assert re.fullmatch(r"[a-z0-9_]+", rest), key
        assert head == "" or f"{head}." in PREFIXES, key


def test_no_two_keys_say_the_same_thing():
    seen: dict[tuple[str, ...], str] = {}
    for key, entry in TEXT.items():
        pair = tuple(entry[lang] for lang in LANGUAGES)
        assert pair not in seen, f"{key} repeats {seen.get(pair)}"
        seen[pair] = key


def test_no_module_keeps_its_own_text_catalogue():
    names = ["geo4mi"] + [info.name for info in pkgutil.walk_packages(geo4mi.__path__, "geo4mi.")
                          if info.name != "geo4mi.__main__"]
    owners = sorted(name for name in names
                    for attr in ("TEXT", "_TEXT")
                    if hasattr(importlib.import_module(name), attr))
    assert owners == ["geo4mi.i18n"]


# -- t() and template() --------------------------------------------------------------------------

def test_t_fills_placeholders_and_template_keeps_them():
    assert t("suppressed", "es", min_n=10) == "Menos de 10 personas encuestadas (suprimido)"
    assert t("sites.candidates", "en", n=3) == "Candidate sites: 3"
    assert template("sites.candidates", "en") == "Candidate sites: {n}"
    assert template("no_interviews", "es") == t("no_interviews", "es") == "Sin entrevistas"


def test_unknown_key_is_rejected_with_the_nearest_keys():
    with pytest.raises(KeyError, match=r"interface text 'supressed' is unknown; did you mean "
                                       r"'suppressed'"):
        t("supressed", "es")


def test_unknown_key_without_a_near_match_points_to_the_catalogue():
    with pytest.raises(KeyError, match=r"interface text 'zzz' is unknown; \(keys are in "
                                       r"geo4mi\.i18n\.TEXT\)"):
        template("zzz", "en")


def test_unknown_language_is_rejected():
    with pytest.raises(StudyError, match=r"language 'xx' is not supported; use one of es, en, fr"):
        t("no_interviews", "xx")


def test_missing_placeholder_value_is_named():
    with pytest.raises(KeyError, match=r"interface text 'suppressed' needs a value for \{min_n\}"):
        t("suppressed", "en")


# -- the wordings this catalogue fixes -----------------------------------------------------------

def test_attribution_comes_from_the_study_once_without_a_second_label():
    with use_wording(MEXICO):
        assert t("attribution", "es") == "Límites: INEGI, Marco Geoestadístico 2022"
        assert t("attribution", "en") == "Boundaries: INEGI, Marco Geoestadístico 2022"


def test_the_bundled_study_keeps_the_demo_wording():
    with use_wording(MEXICO):
        assert t("caveat", "en").endswith("not representative of the whole refugee and "
                                          "migrant population of the city.")
        assert t("caveat", "es").endswith("toda la población refugiada y migrante de la "
                                          "ciudad.")
        assert t("map.page_title", "es") == "Mapa de indicadores por alcaldía"
        assert t("sites.layer_boroughs", "en") == "Boroughs"
        assert t("map.csv_header", "es").startswith("clave,alcaldia,")
        assert t("differs_above", "es", correction="Holm") == (
            "Más alto en esta alcaldía que en el resto de la ciudad (diferencia probada, con "
            "corrección de Holm).")
        assert t("figure.sample_caption_n", "es", n=3) == ("n = 3 entrevistas asignadas a "
                                                           "una alcaldía.")


def test_neutral_wording_speaks_of_areas_and_claims_no_source():
    assert t("map.page_title", "en") == "Indicators by area"
    assert t("city_wide", "es") == "Toda la zona de estudio"
    assert t("figure.sample_caption_n", "es", n=3) == "n = 3 entrevistas asignadas a un área."
    assert t("figure.sample_caption_n", "en", n=3) == "n = 3 interviews placed in an area."
    assert t("attribution", "en") == "Boundaries: "  # callers use attribution_line: ""


@pytest.mark.parametrize("gender, plural, this", [("m", "Los municipios", "este municipio"),
                                                  ("f", "Las comunas", "esta comuna")])
def test_spanish_articles_follow_the_unit_gender(gender, plural, this):
    word = "municipio" if gender == "m" else "comuna"
    with use_wording(Wording(unit={"es": (word, word + "s")}, unit_gender=gender)):
        rule = t("map.uncertainty_rule", "es", width=30, min_n=10, interval="")
        assert plural + " cuyo intervalo" in rule
        assert this in t("differs_below", "es", correction="Holm")


def test_study_words_are_never_read_as_placeholders():
    with use_wording(Wording(unit={"en": ("{min_n}", "{0}")})):
        assert t("suppressed", "en", min_n=5) == "Fewer than 5 respondents (suppressed)"
        assert t("figure.bars_subtitle", "en") == "By {min_n}, with 95 % confidence intervals"


def test_wide_interval_wording_states_classify_rule():
    # is_wide: half-width >= 15 points, i.e. the whole interval is 30 points wide or more
    assert classify.WIDE_WIDTH_POINTS == 30
    assert classify.is_wide(0.10, 0.40) and not classify.is_wide(0.10, 0.39)
    es = t("wide_interval", "es", width=classify.WIDE_WIDTH_POINTS)
    en = t("wide_interval", "en", width=classify.WIDE_WIDTH_POINTS)
    assert es == "Intervalo amplio (IC 95 % de 30 puntos o más de ancho): estimación imprecisa"
    assert en == "Wide interval (95 % CI 30 points wide or more): imprecise estimate"
    assert "±" not in es + en
    rule = t("map.uncertainty_rule", "en", width=classify.WIDE_WIDTH_POINTS, min_n=10,
             interval=t("interval_srs", "en"))
    assert "whose interval is 30 points wide or more keep their colour and are outlined" in rule
    assert "assume a simple random sample" in rule


# -- what the maps' scripts read -----------------------------------------------------------------

def _js_keys(script: str, pattern: str) -> set[str]:
    return set(re.findall(pattern, (STATIC / script).read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def choropleth_text() -> dict[str, dict[str, str]]:
    from geo4mi.webmap.choropleth import choropleth_map, example_inputs

    estimates, areas, labels = example_inputs()
    labels = dataclasses.replace(labels, wording=MEXICO)  # the bundled study's words
    out = {}
    for lang in LANGUAGES:
        page = choropleth_map(estimates, areas, labels, lang=lang, synthetic=True).get_root()
        block = re.search(r'<script type="application/json" id="g4c-data">(.*?)</script>',
                          page.render(), re.S)
        out[lang] = json.loads(block.group(1))["text"]
    return out


@pytest.fixture(scope="module")
def sites_config() -> dict[str, dict]:
    from geo4mi.boundaries import load_areas
    from geo4mi.sites import BUNDLED_SITES, read_sites
    from geo4mi.webmap.sites import sites_map

    areas = load_areas()
    sites = read_sites(BUNDLED_SITES, areas)
    out = {}
    for lang in LANGUAGES:
        with use_wording(MEXICO):
            page = sites_map(areas, sites, lang=lang, catchment_m=800).get_root().render()
        block = re.search(r'<script type="application/json" id="g4m-data">(.*?)</script>',
                          page, re.S)
        out[lang] = json.loads(block.group(1))
    return out


def test_choropleth_page_carries_every_text_its_script_reads(choropleth_text):
    wanted = _js_keys("choropleth.js", r"\bT\.([a-z_0-9]+)")
    wanted |= {"higher_worse", "higher_better", "neutral"}  # T[ind.direction]
    assert {"legend_wide", "wide_interval", "city_value", "caption"} <= wanted
    for lang, text in choropleth_text.items():
        assert wanted <= set(text), (lang, sorted(wanted - set(text)))
        assert all(isinstance(v, str) and v for v in text.values()), lang


def test_choropleth_templates_reach_the_script_unfilled(choropleth_text):
    es, en = choropleth_text["es"], choropleth_text["en"]
    assert es["city_value"] == "Toda la ciudad: {value}"
    assert en["city_suppressed"] == "Whole city: suppressed"
    assert en["showing"] == "Showing: {indicator} — {group}"
    assert en["caption"] == "{indicator} — {group}"
    assert es["universe"] == "Personas consideradas: {universe}"
    assert es["suppressed"] == "Menos de 10 personas encuestadas (suprimido)"  # filled in Python


def test_choropleth_legend_and_tooltip_say_what_the_figures_say(choropleth_text):
    for lang, text in choropleth_text.items():
        figure_legend = t("wide_interval", lang, width=classify.WIDE_WIDTH_POINTS)
        assert text["legend_wide"] == text["wide_interval"] == figure_legend
        with use_wording(MEXICO):
            assert text["attribution"] == t("attribution", lang)


def test_site_map_carries_every_text_its_script_reads(sites_config):
    wanted = _js_keys("sites.js", r"\btext\.([a-z_0-9]+)")
    assert {"workshop_mode", "candidates", "restored", "type", "notes"} <= wanted
    for lang, config in sites_config.items():
        assert wanted <= set(config["text"]), (lang, sorted(wanted - set(config["text"])))
        with use_wording(MEXICO):
            assert config["attribution"] == t("attribution", lang)
        assert config["download_name"] == t("sites.download_name", lang)
    assert sites_config["en"]["text"]["candidates"] == "Candidate sites: {n}"  # sites.js fills
    assert sites_config["es"]["text"]["downloaded"] == "Descargado: {file}"
    assert sites_config["es"]["text"]["type"] == "Tipo"
