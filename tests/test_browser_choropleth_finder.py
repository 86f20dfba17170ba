"""The demo study's choropleth as its readers use it: finding one of 117 indicators, the
question's words, pairs that say nothing, printing on four page setups, a PNG of the view,
numbers in the page's language and axe-core, in a real headless Chromium, offline.
"""

from __future__ import annotations

import re
import struct
import unicodedata

import pytest
from browser import offline_page

from geo4mi.outputs import MapOptions
from geo4mi.webmap.choropleth import MIN_UNITS_FOR_SCHEMES

pytestmark = pytest.mark.browser
PATHS = "path.leaflet-interactive:not(.g4o-line):not(.g4o-point)"  # units, not context
MM = 96 / 25.4  # CSS px per mm
# paper inside the 10 mm margins, in mm (width, height)
PAGES = {"a4-landscape": (277, 190), "a4-portrait": (190, 277),
         "letter-landscape": (259.4, 195.9), "letter-portrait": (195.9, 259.4)}
PAPER_PT = {"a4-landscape": (841.9, 595.3), "a4-portrait": (595.3, 841.9),
            "letter-landscape": (792, 612), "letter-portrait": (612, 792)}


def fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", s.casefold())
                   if unicodedata.category(c) != "Mn")


@pytest.fixture(scope="module")
def study(bundled_results, tmp_path_factory):

    results = bundled_results
    folder = tmp_path_factory.mktemp("finder")
    names = {"es": "choropleth.html", "en": "choropleth.en.html"}
    pages = {lang: results.choropleth(MapOptions(lang=lang, alternates=names))
             .save(folder / name)
             for lang, name in names.items()}
    return results, pages


def options(page):
    return page.eval_on_selector_all("#g4c-indicator option",
                                      "os => os.map(o => [o.value, o.textContent])")


def test_filter_narrows_by_label_and_question_ignoring_accents(study):
    results, pages = study
    labels = results.labels
    with offline_page(pages["es"]) as (page, report):
        page.wait_for_selector(PATHS)
        data = page.evaluate("geo4miChoropleth.current.data")
        total = len(data["indicators"])
        assert len(options(page)) == total > 100
        # a word of a question's wording that its label lacks finds it
        target = word = None
        for ind in data["indicators"]:
            if "q" not in ind:
                continue
            words = [w for w in re.findall(r"\w{7,}", fold(data["questions"][ind["q"]]))
                     if w not in fold(ind["label"])]
            if words:
                target, word = ind, words[0]
                break
        assert target is not None
        page.fill("#g4c-find", word.upper())
        shown = options(page)
        assert 0 < len(shown) < total
        assert target["label"] in [label for _, label in shown]
        count = page.inner_text("#g4c-find-count")
        assert count == f"{len(shown)} de {total} indicadores"
        # accents and case do not matter: a label typed plainly finds itself
        label = next(i["label"] for i in data["indicators"] if fold(i["label"]) != i["label"]
                     and re.search(r"[áéíóúñ]", i["label"]))
        page.fill("#g4c-find", fold(label).upper())
        assert label in [t for _, t in options(page)]
        # every option shown holds every word, in its label, question or theme
        page.fill("#g4c-find", "ESTUDIOS")  # in the education questions' wording only
        shown = options(page)
        assert len(shown) >= 3 and page.inner_text("#g4c-find-count") != ""
        for value, text in shown:
            ind = data["indicators"][int(value)]
            theme = labels.theme_label(labels.indicators[ind["id"]].theme, "es")
            q = data["questions"][ind["q"]] if "q" in ind else ""
            assert "estudios" in fold(f"{text} {q} {theme}")
        # the view follows the first match when the current indicator is filtered out
        assert page.input_value("#g4c-indicator") == shown[0][0]
        assert page.inner_text(".g4c-legend-title") == shown[0][1]
        # nothing matches: the current indicator stays, and the count says so
        page.fill("#g4c-find", "zzqqxx")
        assert len(options(page)) == 1
        assert page.inner_text("#g4c-find-count") == "Ningún indicador contiene esas palabras."
        page.fill("#g4c-find", "")
        assert len(options(page)) == total
    report.assert_clean()


def test_question_wording_shown_under_the_selector(study):
    results, pages = study
    for lang in ("es", "en"):
        with offline_page(pages[lang]) as (page, report):
            page.wait_for_selector(PATHS)
            data = page.evaluate("geo4miChoropleth.current.data")
            k = next(k for k, i in enumerate(data["indicators"]) if i["id"] == "edu_primary_only")
            page.select_option("#g4c-indicator", str(k))
            wording = results.labels.indicators[data["indicators"][k]["id"]].question[lang]
            assert wording and wording in page.inner_text("#g4c-question")
            assert page.inner_text("#g4c-question").startswith(
                "Pregunta: " if lang == "es" else "Question: ")
        report.assert_clean()


def test_group_defined_by_the_indicators_own_question_is_not_offered(study):
    _, pages = study
    # the reported case: "Women" by "Woman" = 100 %
    with offline_page(pages["en"]) as (page, report):
        page.wait_for_selector(PATHS)
        data = page.evaluate("geo4miChoropleth.current.data")
        women = next(k for k, i in enumerate(data["indicators"]) if i["id"] == "gender_women")
        woman = next(k for k, g in enumerate(data["groups"])
                     if g["var"] == "gender" and g["value"] == "woman")
        assert data["indicators"][women]["skip"] == ["gender"]
        page.select_option("#g4c-group", str(woman))  # offered with the opening indicator
        page.select_option("#g4c-indicator", str(women))
        # the group falls back to all respondents; every gender option is greyed out
        assert page.input_value("#g4c-group") == "0"
        disabled = page.eval_on_selector_all(
            "#g4c-group option:disabled", "os => os.map(o => +o.value)")
        assert sorted(disabled) == [k for k, g in enumerate(data["groups"]) if g["var"] == "gender"]
        assert "own question" in page.inner_text("#g4c-group-note")
        # age shares are not split by age group either; other pairs are all offered
        ages = [i for i in data["indicators"] if i["id"].startswith("age_")]
        assert ages and all("age_group" in i.get("skip", []) for i in ages)
        assert sum(1 for i in data["indicators"] if "skip" in i) < 15
    report.assert_clean()
    # a link to the meaningless pair opens on all respondents
    url = pages["en"].resolve().as_uri() + "#gender_women/gender:woman/fixed"
    with offline_page() as (page, report):
        page.goto(url)
        page.wait_for_selector(PATHS)
        assert page.input_value("#g4c-group") == "0"
        assert "Women" in page.inner_text(".g4c-legend-title")
    report.assert_clean()


def test_schemes_need_enough_published_units(study):
    _, pages = study
    with offline_page(pages["en"]) as (page, report):
        page.wait_for_selector(PATHS)
        published = page.evaluate("geo4miChoropleth.current.state.cells"
                                  ".filter(c => typeof c !== 'number').length")
        disabled = page.eval_on_selector_all("#g4c-scheme option:disabled",
                                             "os => os.map(o => o.value)")
        note = page.inner_text("#g4c-scheme-note")
        if published < MIN_UNITS_FOR_SCHEMES:
            assert disabled == ["quantiles", "natural_breaks"]
            assert f"this view has {published}" in note
        else:
            assert disabled == [] and note == ""
    report.assert_clean()


def test_numbers_use_the_pages_decimal_separator(study):
    _, pages = study
    for lang, expected in (("es", "33,5"), ("en", "33.5")):
        with offline_page(pages[lang]) as (page, report):
            page.wait_for_selector(PATHS)
            assert page.evaluate("geo4miChoropleth.current.num(33.5, 1)") == expected
            # quantile breaks with decimals in the legend (threshold lowered for the test)
            page.evaluate("() => { const c = geo4miChoropleth.current;"
                          " c.data.min_units = 2; c.update(); }")
            page.select_option("#g4c-scheme", "quantiles")
            text = page.inner_text(".g4c-legend") + page.inner_text("#g4c-table")
            if lang == "es":
                assert not re.search(r"\d\.\d", text), text
        report.assert_clean()


def test_each_page_links_to_the_other_language(study):
    _, pages = study
    for lang, other, name in (("es", "en", "choropleth.en.html"),
                              ("en", "es", "choropleth.html")):
        with offline_page(pages[lang]) as (page, report):
            page.wait_for_selector(PATHS)
            link = page.locator(f'.g4c-langs a[hreflang="{other}"]')
            assert link.get_attribute("href") == name
            link.click()
            page.wait_for_selector(PATHS)
            assert page.evaluate("document.documentElement.lang") == other
        report.assert_clean()


PRINT_GEOMETRY = """() => {
  const box = (e) => { const r = e.getBoundingClientRect();
                       return [r.left, r.top, r.right, r.bottom]; };
  const one = (s) => box(document.querySelector(s));
  return {
    paths: [...document.querySelectorAll(
      'path.leaflet-interactive:not(.g4o-line):not(.g4o-point)')].map(box),
    map: one('.folium-map'), legend: one('.g4c-legend'), title: one('.g4c-title'),
    caveat: one('.g4c-caveat'), notes: one('.g4c-notes'), banner: one('.g4c-banner'),
    legendItems: [...document.querySelectorAll('.g4c-legend li')].map(box),
  };
}"""


def inside(inner, outer, slack=0.5):
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


@pytest.mark.parametrize("setup", list(PAGES))
def test_print_fits_city_legend_caveat_and_source_on_each_page_setup(study, setup, tmp_path):
    _, pages = study
    width, height = PAGES[setup]
    with offline_page(pages["en"], width=1280, height=900) as (page, report):
        page.wait_for_selector(PATHS)
        page.select_option("#g4c-page", setup)
        page.emulate_media(media="print")
        page.wait_for_function("document.querySelector('.folium-map').style.width !== ''")
        g = page.evaluate(PRINT_GEOMETRY)
        page_one = [0, 0, width * MM, height * MM]
        assert len(g["paths"]) == 16
        for key in ("map", "legend", "title", "caveat", "notes", "banner"):
            assert inside(g[key], page_one), (setup, key, g[key], page_one)
        for p in g["paths"]:
            assert inside(p, g["map"]), p
        for li in g["legendItems"]:
            assert inside(li, page_one), li
        if "portrait" in setup:
            assert g["legend"][1] >= g["map"][3]  # under the map
        else:
            assert g["legend"][0] >= g["map"][2]  # beside it
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        boxes = re.findall(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf)
        w, h = PAPER_PT[setup]
        assert boxes and all(abs(float(a) - w) < 1 and abs(float(b) - h) < 1 for a, b in boxes)
        from pypdf import PdfReader

        (tmp_path / "p.pdf").write_bytes(pdf)
        first = PdfReader(tmp_path / "p.pdf").pages[0].extract_text()
        assert "SYNTHETIC" in first and "Survey:" in first  # banner and source on page 1
        page.emulate_media(media="screen")
        page.wait_for_function("document.querySelector('.folium-map').style.width === ''")
    report.assert_clean()


def png_size(blob: bytes) -> tuple[int, int]:
    assert blob[:8] == b"\x89PNG\r\n\x1a\n" and blob[12:16] == b"IHDR"
    return struct.unpack(">II", blob[16:24])


def test_png_download_is_a_picture_of_the_current_view(study, tmp_path):
    _, pages = study
    with offline_page(pages["en"]) as (page, report):
        page.wait_for_selector(PATHS)
        palette = page.evaluate("geo4miChoropleth.current.state.palette")
        with page.expect_download() as info:
            page.click("#g4c-png")
        path = tmp_path / "view.png"
        info.value.save_as(path)
        assert info.value.suggested_filename.endswith("_map.png")
    report.assert_clean()
    blob = path.read_bytes()
    w, h = png_size(blob)
    assert w == 2400 and 800 < h < 3000
    assert 30_000 < len(blob) < 3_000_000
    from PIL import Image

    colours = {"#{:02x}{:02x}{:02x}".format(*px[:3])
               for _, px in Image.open(path).convert("RGB").getcolors(1 << 24)}
    # the map's class colours are in the picture (map and legend), not just text
    assert len(set(palette) & colours) >= 2


# every unit label shown, with the unit it names and whether it is shortened
NAMED_UNITS = """() => [...document.querySelectorAll('[data-g4o-name]')]
  .filter(e => e.getBoundingClientRect().width && !e.classList.contains('g4o-clash'))
  .map(e => [e.getAttribute('data-g4o-name'), e.textContent])"""


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_axe_clean_and_every_published_unit_named(study, lang, viewport):
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    _, pages = study
    with offline_page(pages[lang], width=viewport[0], height=viewport[1],
                      touch=viewport[0] < 600) as (page, report):
        page.wait_for_selector("[data-g4o=ready]")
        results = axe_module.Axe().run(page, options={
            "resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}})
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5])
               for v in results.response["violations"]
               if v["impact"] in ("moderate", "serious", "critical") or v["id"] == "target-size"]
        assert bad == []
        if viewport[0] > 600:
            # at the default view every published unit has its name (perhaps shortened), the
            # small central ones with the most interviews included
            names = page.evaluate(NAMED_UNITS)
            published = page.eval_on_selector_all(
                PATHS + '[data-status="ok"]', "ps => ps.map(p => p.getAttribute('data-area'))")
            areas = {a["id"]: a["name"]
                     for a in page.evaluate("geo4miChoropleth.current.data.areas")}
            assert len(published) >= 8
            assert {areas[a] for a in published} <= {name for name, _ in names}
            assert {"Cuauhtémoc", "Benito Juárez"} <= {name for name, _ in names}
            for name, text in names:
                assert text == name or text == page.evaluate(
                    "n => geo4miOrientation.abbreviation(n)", name)
    report.assert_clean()


def test_dark_classes_keep_visible_edges(study):
    """A fill too dark for the grey edge (contrast under 3:1) gets the light edge."""
    _, pages = study
    with offline_page(pages["en"]) as (page, report):
        page.wait_for_selector(PATHS)
        found = page.evaluate("""() => {
          const c = geo4miChoropleth.current, sel = document.getElementById('g4c-indicator');
          for (let i = 0; i < c.data.indicators.length; i++) {
            sel.value = String(i); c.update();
            const out = [...document.querySelectorAll('path.leaflet-interactive[data-class]')]
              .filter(p => !p.classList.contains('g4c-wide'))  // those keep their dashes
              .map(p => [p.getAttribute('fill'), p.getAttribute('stroke')]);
            if (out.some(([f]) => f === c.state.palette[c.state.palette.length - 1])) {
              return {cells: out, palette: c.state.palette, edge: c.data.style.edge,
                      light: c.data.style.edge_light};
            }
          }
          return null;
        }""")
        assert found is not None  # some indicator reaches the darkest class
        darkest, lightest = found["palette"][-1], found["palette"][0]
        strokes = dict(found["cells"])
        assert strokes[darkest] == found["light"]
        if lightest in strokes:
            assert strokes[lightest] == found["edge"]
    report.assert_clean()
