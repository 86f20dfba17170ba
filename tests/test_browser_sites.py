"""The site map in a real headless Chromium, offline: symbols, catchments, workshop mode.

Also checks on the written document itself (self-contained, deterministic, no respondent
data). Network is blocked: only file:, data: and blob: URLs may load.
"""

from __future__ import annotations

import contextlib
import json
import re

import pandas as pd
import pytest
from browser import offline_page

from geo4mi.boundaries import load_areas
from geo4mi.sites import BUNDLED_SITES, areas_with_sites, import_sites, read_sites
from geo4mi.sites.plan import allocate, census_measure
from geo4mi.study import bundled_study_path, load_study
from geo4mi.webmap.sites import sites_map, write_sites_map

EXTRA = ("name,type,lat,lon,notes\n"
         "Mercado de prueba,market,19.4450,-99.0950,flores\n"
         "Jardín Hidalgo <b>Coyoacán</b>,square_park,19.3500,-99.1620,\n"
         "Oficina de la alcaldía,public_office,19.4260,-99.1460,\n")
ACHIEVED = pd.Series({"09015": 80, "09007": 45, "09005": 30, "09003": 5})

MEXICO = load_study(bundled_study_path()).wording  # the bundled study's words


@pytest.fixture(scope="module")
def areas():
    return load_areas()


@pytest.fixture(scope="module")
def sites(areas, tmp_path_factory):
    extra = tmp_path_factory.mktemp("sites") / "extra.csv"
    extra.write_text(EXTRA, encoding="utf-8")
    both = pd.concat([read_sites(BUNDLED_SITES, areas), read_sites(extra, areas)],
                     ignore_index=True)
    return both.set_geometry("geometry")


@pytest.fixture(scope="module")
def map_files(areas, sites, tmp_path_factory):
    folder = tmp_path_factory.mktemp("maps")
    plan = allocate(areas, census_measure(), total=301, min_per_area=10,
                    eligible_area_ids=areas_with_sites(sites))
    files = {
        "es": write_sites_map(sites_map(areas, sites, achieved=ACHIEVED, catchment_m=800,
                                        synthetic=True, title="Prueba", wording=MEXICO),
                              folder / "es.html"),
        "en": write_sites_map(sites_map(areas, sites, achieved=ACHIEVED, plan=plan, lang="en",
                                        catchment_m=500, title="Plan test"),
                              folder / "en.html"),
    }
    return files


# -- the document ----------------------------------------------------------------------------

def test_document_is_self_contained_and_deterministic(areas, sites, map_files, tmp_path):
    text = map_files["es"].read_text(encoding="utf-8")
    assert "<script src=" not in text and '<link rel="stylesheet" href="http' not in text
    assert "fontawesome" not in text.lower() and "font-awesome" not in text.lower()
    assert "geo4miSites.init(" in text
    again = write_sites_map(sites_map(areas, sites, achieved=ACHIEVED, catchment_m=800,
                                      synthetic=True, title="Prueba", wording=MEXICO),
                            tmp_path / "again.html")
    assert again.read_bytes() == map_files["es"].read_bytes()


def test_document_says_synthetic_and_cites_inegi(map_files):
    es = map_files["es"].read_text(encoding="utf-8")
    assert "DATOS SINTÉTICOS DE DEMOSTRACIÓN" in es
    assert "INEGI, Marco Geoestadístico 2022" in es
    assert "SYNTHETIC" not in map_files["en"].read_text(encoding="utf-8")  # not synthetic


def test_site_names_are_escaped(map_files):
    text = map_files["es"].read_text(encoding="utf-8")
    assert "<b>Coyoacán</b>" not in text


def test_study_map_shows_counts_never_respondent_coordinates(bundled_results, tmp_path):
    from geo4mi.outputs import SiteMapOptions

    results = bundled_results
    out = results.sites_map(SiteMapOptions(lang="es")).save(tmp_path / "sites.html")
    text = out.read_text(encoding="utf-8")
    assert "DATOS SINTÉTICOS DE DEMOSTRACIÓN" in text  # the bundled sample is synthetic
    # Cuauhtémoc's popup gives its count (popup rows are in the page's data block)
    data = json.loads(re.search(r'<script type="application/json" id="g4m-data">(.*?)</script>',
                                text).group(1))
    cuauhtemoc = next(f for f in data["areas"]["features"]
                      if f["properties"]["id"] == "09015")
    assert ["Entrevistas realizadas", "96"] in cuauhtemoc["properties"]["rows"]
    gps = results.respondents[["gps_lat", "gps_lon"]].dropna()
    assert len(gps) > 50
    for lat, lon in gps.itertuples(index=False):
        for pair in (f"[{lat}, {lon}]", f"[{lon}, {lat}]", f"[{lat},{lon}]", f"[{lon},{lat}]"):
            assert pair not in text


def test_bad_catchment_radius_is_refused(areas, sites):
    from geo4mi.webmap.sites import SiteMapError

    with pytest.raises(SiteMapError, match=r"catchment_m = -1 must be a distance in metres"):
        sites_map(areas, sites, catchment_m=-1)


# -- in the browser ----------------------------------------------------------------------------

@pytest.fixture
def open_map():
    """Open a map offline (tests/browser.py); fail on page errors or network requests."""
    stack = contextlib.ExitStack()
    reports = []

    def _open(path, **size):
        page, report = stack.enter_context(offline_page(path, **({"height": 900} | size)))
        page.wait_for_selector(".g4m-site")
        reports.append(report)
        return page

    with stack:
        yield _open
    for report in reports:
        report.assert_clean()


def axe_findings(page):
    """axe-core's findings of impact moderate or above, target-size included (site symbols
    that would overlap are drawn as one count symbol, so none is let through)."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright")
    results = axe.Axe().run(page, options={
        "resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}})
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5])
            for v in results.response["violations"]
            if v["impact"] in ("moderate", "serious", "critical") or v["id"] == "target-size"]


SYMBOLS = """() => [...document.querySelectorAll('.leaflet-marker-pane .g4m-site')]
  .map(e => { const r = e.getBoundingClientRect();
              return [e.classList.contains('g4m-group-symbol') ? +e.textContent : 1,
                      r.left, r.top, r.right, r.bottom]; })
  .filter(b => b[3] > b[1])"""


def assert_symbols_apart(page, n_sites):
    """Every site is drawn, alone or in a count symbol, and no two symbols overlap."""
    boxes = page.evaluate(SYMBOLS)
    assert sum(b[0] for b in boxes) == n_sites
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2], (a, b)


def screen_point(page, lat, lon):
    """Container pixel of a lat/lon on the page's Leaflet map."""
    return page.evaluate(
        """([lat, lon]) => {
            const id = document.querySelector('.folium-map').id;
            const p = window[id].latLngToContainerPoint([lat, lon]);
            const r = document.querySelector('.folium-map').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""", [lat, lon])


def close_popup(page):
    page.locator(".leaflet-popup-close-button").click()
    page.locator(".leaflet-popup").wait_for(state="detached")


def inside(areas, area_id):
    """A (lat, lon) point inside an area."""
    point = areas.loc[areas["area_id"] == area_id].to_crs("EPSG:4326").representative_point()
    return point.iloc[0].y, point.iloc[0].x


@pytest.mark.browser
def test_sites_are_drawn_per_type_with_svg_symbols(open_map, map_files, sites):
    page = open_map(map_files["es"])
    for site_type, expected in sites["type"].value_counts().items():
        markers = page.locator(f".leaflet-marker-pane .g4m-site-{site_type}")
        assert markers.count() == expected
        assert markers.first.locator(f'svg[data-type="{site_type}"]').count() == 1
    legend = page.locator('[data-role="legend"]')
    for label in ("Estación de Metro", "Mercado", "Plaza o parque", "Oficina pública"):
        assert label in legend.inner_text()
    # symbols never cover each other: sites that would are one count symbol
    assert_symbols_apart(page, len(sites))
    group = page.locator(".g4m-group-symbol").first
    name = group.get_attribute("aria-label")
    assert re.fullmatch(r"\d+ · (Estación de Metro|Mercado|Plaza o parque|Oficina pública)"
                        r"(, [^,]+)*", name), name
    zoom = page.evaluate("window[document.querySelector('.folium-map').id].getZoom()")
    group.focus()
    page.keyboard.press("Enter")  # zooms in until they stand apart; the focus stays on the map
    assert page.evaluate("window[document.querySelector('.folium-map').id].getZoom()") > zoom
    assert page.evaluate("document.activeElement.closest('.g4m-site') !== null")
    assert_symbols_apart(page, len(sites))
    # the type layers can be switched off
    page.get_by_label("Sitios: Mercado").uncheck()
    assert page.locator(".leaflet-marker-pane .g4m-site-market").count() == 0
    assert page.locator(".leaflet-marker-pane .g4m-site-metro_station").count() == 33


@pytest.mark.browser
def test_catchments_are_drawn_and_toggle(open_map, map_files, sites):
    page = open_map(map_files["es"])
    assert axe_findings(page) == []
    circles = page.locator("path.g4m-catchment")
    assert circles.count() == len(sites)
    page.get_by_label("Área de influencia (800 m)").uncheck()
    assert circles.count() == 0


@pytest.mark.browser
def test_site_popup_and_borough_popup_with_target_and_achieved(open_map, map_files, areas):
    page = open_map(map_files["en"])
    page.locator(".g4m-site-market").first.click()
    popup = page.locator(".leaflet-popup-content")
    assert "Mercado de prueba" in popup.inner_text()
    assert "flores" in popup.inner_text()
    close_popup(page)
    # Milpa Alta: no site, so not in the plan, and no interviews
    x, y = screen_point(page, *inside(areas, "09009"))
    page.mouse.click(x, y)
    text = page.locator(".leaflet-popup-content").inner_text()
    assert "Milpa Alta" in text and "Interview target" in text and "not in the plan" in text
    assert "0 (No interviews)" in text
    close_popup(page)
    # Cuauhtémoc: target and achieved, with progress
    lat, lon = 19.4420, -99.1600  # inside Cuauhtémoc, away from its stations
    x, y = screen_point(page, lat, lon)
    page.mouse.click(x, y)
    text = page.locator(".leaflet-popup-content").inner_text()
    assert "Cuauhtémoc" in text and "Interviews achieved\t80" in text
    assert "Progress" in text and "Still to do" in text


@pytest.mark.browser
def test_workshop_add_move_delete_and_export_imports(open_map, map_files, areas, sites,
                                                    tmp_path):
    page = open_map(map_files["es"])
    page.get_by_role("button", name="Modo taller").click()
    download = page.locator(".g4m-workshop-download")
    assert download.is_disabled()

    def add(lat, lon, name, site_type, notes=""):
        x, y = screen_point(page, lat, lon)
        page.mouse.click(x, y)
        form = page.locator(".g4m-site-form")
        form.locator('input[name="name"]').fill(name)
        form.locator('select[name="type"]').select_option(site_type)
        form.locator('textarea[name="notes"]').fill(notes)
        form.get_by_role("button", name="Guardar").click()
        form.wait_for(state="detached")

    # an empty name is refused with a message
    x, y = screen_point(page, 19.4300, -99.1000)
    page.mouse.click(x, y)
    page.locator(".g4m-site-form").get_by_role("button", name="Guardar").click()
    assert "Escriba un nombre" in page.locator(".g4m-form-error").inner_text()
    page.locator(".g4m-site-form").get_by_role("button", name="Cancelar").click()
    page.locator(".g4m-site-form").wait_for(state="detached")
    assert page.locator(".g4m-candidate").count() == 0

    add(19.4265, -99.1070, "Mercado de Sonora", "market", "martes y jueves")
    add(19.3900, -99.1000, "Parque por borrar", "square_park")
    assert page.locator(".g4m-candidate").count() == 2
    assert "Sitios candidatos: 2" in page.locator(".g4m-workshop-count").inner_text()

    # delete the second one from its popup
    page.locator(".g4m-candidate.g4m-site-square_park").click()
    page.locator(".leaflet-popup-content").get_by_role("button", name="Eliminar").click()
    page.locator(".leaflet-popup").wait_for(state="detached")
    assert page.locator(".g4m-candidate").count() == 1

    # move the first one by dragging it 40 px to the right
    marker = page.locator(".g4m-candidate.g4m-site-market")
    box = marker.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 20, cy, steps=4)
    page.mouse.move(cx + 40, cy, steps=4)
    page.mouse.up()

    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename == "sitios_candidatos.geojson"
    path = tmp_path / "sitios_candidatos.geojson"
    info.value.save_as(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 1
    feature = doc["features"][0]
    assert feature["properties"] == {"name": "Mercado de Sonora", "type": "market",
                                     "notes": "martes y jueves"}
    lon, lat = feature["geometry"]["coordinates"]
    assert lat == pytest.approx(19.4265, abs=2e-4)
    assert lon > -99.1070 + 1e-4  # moved east by the drag

    merged, report = import_sites(path, sites, areas=areas)
    assert report["status"].tolist() == ["added"]
    assert len(merged) == len(sites) + 1
    assert merged["name"].iloc[-1] == "Mercado de Sonora"
    assert merged["area_id"].iloc[-1] in ("09015", "09017")  # Centro / Merced area


@pytest.mark.browser
def test_workshop_in_english_and_candidates_survive_reload(open_map, map_files):
    page = open_map(map_files["en"])
    page.get_by_role("button", name="Workshop mode").click()
    x, y = screen_point(page, 19.3000, -99.1500)
    page.mouse.click(x, y)
    form = page.locator(".g4m-site-form")
    assert "New candidate site" in form.inner_text()
    assert "Public places only" in form.inner_text()
    options = form.locator('select[name="type"] option').all_inner_texts()
    assert options == ["Public office", "Square or park", "Market", "Metro station",
                       "Community centre", "NGO office"]
    form.locator('input[name="name"]').fill("Community hall")
    form.locator('select[name="type"]').select_option("community_centre")
    form.get_by_role("button", name="Save").click()
    page.reload()
    page.wait_for_selector(".g4m-candidate")
    assert page.locator(".g4m-candidate.g4m-site-community_centre").count() == 1
    assert "restored" in page.locator(".g4m-workshop-status").inner_text()


@pytest.mark.browser
@pytest.mark.parametrize("width, height", [(1200, 900), (1280, 800), (1000, 700)])
def test_city_fills_the_map_when_it_opens(open_map, map_files, areas, width, height):
    page = open_map(map_files["es"])
    page.set_viewport_size({"width": width, "height": height})
    page.reload()
    page.wait_for_selector(".g4m-site")
    assert page.locator(".leaflet-control-scale-line").count() == 1  # metric only
    minx, miny, maxx, maxy = areas.to_crs("EPSG:4326").total_bounds
    left, top = screen_point(page, maxy, minx)
    right, bottom = screen_point(page, miny, maxx)
    box = page.locator(".folium-map").bounding_box()
    ratio = max((right - left) / box["width"], (bottom - top) / box["height"])
    # fractional zoom: the limiting side is filled to within one quarter zoom step
    assert 0.8 <= ratio <= 1.0


# -- the bundled study's map at a laptop's size: every area's name, the count symbol's legend

LABELS = """() => [...document.querySelectorAll('[data-g4o-name]')].map(e => {
  const r = e.getBoundingClientRect();
  return [e.getAttribute('data-g4o-name'), e.textContent, e.classList.contains('g4o-clash'),
          r.left, r.top, r.right, r.bottom]; })"""
GROUP_LEGEND = {"es": "Sitios cercanos que a esta escala se superpondrían",
                "en": "Nearby sites that would overlap at this scale",
                "pt": "Locais próximos que se sobreporiam nesta escala"}


@pytest.fixture(scope="module")
def study_maps(bundled_results, tmp_path_factory):
    from geo4mi.build import write_map

    folder = tmp_path_factory.mktemp("study_sites")
    return {lang: write_map(bundled_results, folder / f"sites.{lang}.html", kind="sites",
                            lang=lang) for lang in GROUP_LEGEND}


@pytest.mark.browser
@pytest.mark.parametrize("lang", list(GROUP_LEGEND))
def test_every_area_name_shows_beside_the_count_symbols(open_map, study_maps, areas, lang):
    page = open_map(study_maps[lang], width=1280, height=800)
    labels = page.evaluate(LABELS)
    assert sorted(row[0] for row in labels) == sorted(areas["area_name"])
    hidden = [row[0] for row in labels if row[2]]
    assert hidden == [], f"names given way at 1280x800: {hidden}"
    assert "Cuauhtémoc" in [row[0] for row in labels]
    # a shown name (whole or shortened) meets no site symbol nor count symbol
    symbols = page.evaluate(SYMBOLS)
    for name, text, _, left, top, right, bottom in labels:
        assert text == name or text.endswith(".") or ". " in text, (name, text)
        for _, sl, st, sr, sb in symbols:
            assert right <= sl or sr <= left or bottom <= st or sb <= top, (name, text)
    assert page.locator(".g4m-group-symbol").count() > 0  # the demo has count symbols


@pytest.mark.browser
@pytest.mark.parametrize("lang", list(GROUP_LEGEND))
def test_count_symbol_has_a_legend_entry_in_the_page_language(open_map, study_maps, lang):
    page = open_map(study_maps[lang], width=1280, height=800)
    entry = page.locator('[data-role="legend-groups"]')
    assert page.locator(".g4m-group-symbol").count() > 0
    assert entry.is_visible()
    assert GROUP_LEGEND[lang] in entry.inner_text()
    sample = entry.locator(".g4m-group-count")
    assert sample.inner_text() == "3" and sample.get_attribute("aria-hidden") == "true"
    # the sample is drawn as the map's count symbols are (a round ring), legend-sized
    style = sample.evaluate("e => { const s = getComputedStyle(e);"
                            " return [s.borderRadius, s.borderTopStyle, e.offsetWidth]; }")
    assert style[:2] == ["50%", "solid"] and style[2] == 20
    # zoomed in on one site, no count symbol is left: the entry goes with them
    page.evaluate("""() => { const m = window[document.querySelector('.folium-map').id];
                             m.setView([19.4326, -99.1332], 18, {animate: false}); }""")
    page.wait_for_function("document.querySelectorAll('.g4m-group-symbol').length === 0")
    assert entry.is_hidden()
