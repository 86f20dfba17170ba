"""The site map's workshop mode in a real headless Chromium, offline: every action.

Add, move, delete and clear all with undo; keyboard add at the map centre and arrow moves;
candidates in the legend with their catchment; the list panel and its print-out; loading a
GeoJSON back (good, bad and hostile files); one workspace per group; target against
achieved on the map; and no map movement when the add-site form opens.
"""

from __future__ import annotations

import json

import pytest
from hostile import payload
from test_browser_sites import (  # noqa: F401  (fixtures)
    inside,
    map_files,
    open_map,
    screen_point,
    sites,
)

from geo4mi.boundaries import load_areas

pytestmark = pytest.mark.browser

CENTER = """() => { const m = geo4miSites.workshop.map; const c = m.getCenter();
                    return [c.lat, c.lng, m.getZoom()]; }"""
CANDIDATES = """() => geo4miSites.workshop.candidates.map(c => {
    const p = c.marker.getLatLng(); return [c.name, c.type, p.lat, p.lng]; })"""


@pytest.fixture(scope="module")
def areas():
    return load_areas()


def start(page):
    page.get_by_role("button", name="Modo taller").click()


def add_at(page, lat, lon, name, site_type="market"):
    x, y = screen_point(page, lat, lon)
    page.mouse.click(x, y)
    form = page.locator(".g4m-site-form")
    form.locator('input[name="name"]').fill(name)
    form.locator('select[name="type"]').select_option(site_type)
    form.get_by_role("button", name="Guardar").click()
    form.wait_for(state="detached")


def count(page):
    return page.locator(".leaflet-marker-pane .g4m-candidate").count()


def test_workshop_button_is_reached_in_five_tab_presses(open_map, map_files):
    page = open_map(map_files["es"])
    for presses in range(1, 6):  # noqa: B007  (quoted by the assert after the loop)
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "g4m-workshop-toggle":
            break
    assert page.evaluate("document.activeElement.id") == "g4m-workshop-toggle", presses
    # and the skip link, the first Tab stop, jumps there too
    page.reload()
    page.wait_for_selector(".g4m-site")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Ir al modo taller " \
        "(sitios candidatos)"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "g4m-workshop-toggle"


def test_keyboard_add_at_the_centre_and_arrow_moves_with_one_undo(open_map, map_files):
    page = open_map(map_files["es"])
    page.locator(".g4m-workshop-toggle").focus()
    page.keyboard.press("Enter")
    page.locator(".g4m-add-centre").focus()
    page.keyboard.press("Enter")
    page.keyboard.type("Mercado del centro")  # the name field has the focus
    page.keyboard.press("Enter")
    lat0, lon0, _ = page.evaluate(CENTER)
    [(name, kind, lat, lon)] = page.evaluate(CANDIDATES)
    assert name == "Mercado del centro" and kind == "public_office"
    assert (lat, lon) == pytest.approx((lat0, lon0), abs=1e-9)
    # the new candidate has the focus: arrows move it, the map stays
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == \
        "Mercado del centro (sitio candidato)"
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowUp")
    [(_, _, lat1, lon1)] = page.evaluate(CANDIDATES)
    assert lon1 > lon0 and lat1 > lat0
    assert page.evaluate(CENTER)[:2] == pytest.approx([lat0, lon0])
    stored = json.loads(page.evaluate("localStorage.getItem('geo4mi-sites:Prueba')"))
    assert stored["features"][0]["geometry"]["coordinates"][0] == pytest.approx(lon1, abs=1e-6)
    # the four key presses are one step to undo; the next undoes the add
    page.locator(".g4m-undo").click()
    [(_, _, lat2, lon2)] = page.evaluate(CANDIDATES)
    assert (lat2, lon2) == pytest.approx((lat0, lon0), abs=1e-9)
    assert "Deshecho: mover con el teclado" in page.locator(".g4m-workshop-status").inner_text()
    page.locator(".g4m-undo").click()
    assert count(page) == 0 and page.locator(".g4m-undo").is_disabled()
    # Delete removes the focused candidate
    page.locator(".g4m-add-centre").click()
    page.keyboard.type("Otro")
    page.keyboard.press("Enter")
    page.keyboard.press("Delete")
    assert count(page) == 0


def test_add_move_delete_with_undo_and_catchments(open_map, map_files):
    page = open_map(map_files["es"])
    start(page)
    add_at(page, 19.4265, -99.1070, "Mercado de Sonora")
    add_at(page, 19.3900, -99.1000, "Parque por borrar", "square_park")
    assert count(page) == 2
    # each candidate has its catchment, same radius as the sites (800 m in this study)
    assert page.locator("path.g4m-candidate-catchment").count() == 2
    radii = page.evaluate("geo4miSites.workshop.candidates.map(c => c.circle.getRadius())")
    assert radii == [800, 800]
    # drag the market 40 px east: the marker and its circle move
    marker = page.locator(".g4m-candidate.g4m-site-market")
    box = marker.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 20, cy, steps=4)
    page.mouse.move(cx + 40, cy, steps=4)
    page.mouse.up()
    moved = page.evaluate("""() => { const c = geo4miSites.workshop.candidates[0];
        return [c.marker.getLatLng().lng, c.circle.getLatLng().lng]; }""")
    assert moved[0] > -99.1070 + 1e-4 and moved[1] == pytest.approx(moved[0])
    # delete the park from its popup, then undo: it comes back with its circle
    page.locator(".g4m-candidate.g4m-site-square_park").click()
    page.locator(".leaflet-popup-content").get_by_role("button", name="Eliminar").click()
    assert count(page) == 1
    assert "Eliminado: Parque por borrar" in page.locator(".g4m-workshop-status").inner_text()
    page.locator(".g4m-undo").click()
    assert count(page) == 2 and page.locator("path.g4m-candidate-catchment").count() == 2
    assert [c[0] for c in page.evaluate(CANDIDATES)] == ["Mercado de Sonora",
                                                          "Parque por borrar"]
    # undo the drag
    page.locator(".g4m-undo").click()
    assert page.evaluate(CANDIDATES)[0][3] == pytest.approx(-99.1070, abs=2e-4)


def test_undo_keeps_at_least_twenty_actions(open_map, map_files):
    page = open_map(map_files["en"])
    page.get_by_role("button", name="Workshop mode").click()
    for i in range(22):
        page.locator(".g4m-add-centre").click()
        page.keyboard.type(f"Site {i}")
        page.keyboard.press("Enter")
    assert count(page) == 22
    for _ in range(22):
        page.locator(".g4m-undo").click()
    assert count(page) == 0


def test_clear_all_and_undo(open_map, map_files):
    page = open_map(map_files["es"])
    start(page)
    for i, lon in enumerate((-99.15, -99.12, -99.09)):
        add_at(page, 19.30, lon, f"Sitio {i}")
    page.get_by_role("button", name="Borrar todos").click()
    assert count(page) == 0
    assert page.locator("path.g4m-candidate-catchment").count() == 0
    assert page.evaluate("localStorage.getItem('geo4mi-sites:Prueba')") is None
    assert "Se borraron 3 sitios" in page.locator(".g4m-workshop-status").inner_text()
    page.get_by_role("button", name="Deshacer").click()
    assert [c[0] for c in page.evaluate(CANDIDATES)] == ["Sitio 0", "Sitio 1", "Sitio 2"]
    assert len(json.loads(page.evaluate("localStorage.getItem('geo4mi-sites:Prueba')"))
               ["features"]) == 3


def test_candidates_in_the_legend_and_in_the_list_panel(open_map, map_files, areas):
    page = open_map(map_files["es"])
    legend = page.locator('[data-role="legend-candidates"]')
    assert legend.is_hidden()
    start(page)
    add_at(page, *inside(areas, "09003"), "Jardín Centenario", "square_park")
    assert legend.is_visible()
    assert "Sitio candidato del taller (con sombra) (1)" in legend.inner_text()
    assert "Radio de 800 m alrededor de cada candidato" in legend.inner_text()
    items = page.locator('[data-role="candidate-list"] li')
    assert items.count() == 1
    assert items.first.inner_text() == "Jardín Centenario · Plaza o parque · Coyoacán"


def test_list_prints_alone_with_names_coordinates_and_unit(open_map, map_files, areas):
    page = open_map(map_files["es"])
    start(page)
    add_at(page, *inside(areas, "09003"), "Jardín Centenario", "square_park")
    add_at(page, 19.4420, -99.1600, "Mercado <b>Juárez</b>")  # Cuauhtémoc, no site
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="Imprimir lista").click()
    assert page.evaluate("window.printed") is True
    page.emulate_media(media="print")
    printed = page.locator('[data-role="print-list"]')
    assert printed.is_visible()
    assert page.locator(".folium-map").is_hidden() and page.locator(".g4m-skip").is_hidden()
    rows = [r.locator("td").all_inner_texts() for r in printed.locator("tbody tr").all()]
    lat, lon = page.evaluate(CANDIDATES)[1][2:]
    assert rows[1] == ["2", "Mercado <b>Juárez</b>", "Mercado", "Cuauhtémoc",
                       f"{lat:.5f}°", f"{lon:.5f}°", ""]
    assert rows[0][1:4] == ["Jardín Centenario", "Plaza o parque", "Coyoacán"]
    assert printed.locator("th").all_inner_texts() == [
        "#", "Nombre", "Tipo", "Alcaldía", "Latitud", "Longitud", "Notas"]
    assert "redondeadas a 5 decimales" in printed.inner_text()
    assert printed.locator("h1").inner_text() == "Prueba"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type/Page") \
        <= 2
    # after the print dialog the page is the map again
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.locator(".folium-map").is_visible()


def write_geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")
    return path


def feature(name, lon=-99.13, lat=19.43, site_type="market", notes=""):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"name": name, "type": site_type, "notes": notes}}


def test_load_geojson_back_good_bad_and_hostile(open_map, map_files, tmp_path):
    page = open_map(map_files["es"])
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.evaluate("() => { window.G4M_XSS = []; window.alert = (m) => G4M_XSS.push(m); }")
    start(page)
    add_at(page, 19.39, -99.10, "Ya estaba")
    status = page.locator(".g4m-workshop-status")
    load = page.locator(".g4m-load-input")
    # good, with hostile names and notes: loaded as text
    names = [payload(k) for k in (6, 7, 8, 9, 13, 14, 0)]
    good = write_geojson(tmp_path / "bueno.geojson",
                         [feature(n, lon=-99.15 + k / 100, notes=payload(k + 10))
                          for k, n in enumerate(names)])
    load.set_input_files(str(good))
    page.wait_for_function("geo4miSites.workshop.candidates.length === 8")
    assert status.inner_text() == "Se cargaron 7 sitios candidatos de bueno.geojson."
    assert [c[0] for c in page.evaluate(CANDIDATES)] == ["Ya estaba", *names]
    texts = page.locator('[data-role="candidate-list"] li b').all_text_contents()
    assert texts == ["Ya estaba", *names]
    assert page.evaluate("document.querySelectorAll('.g4m-workshop script, .g4m-workshop img,"
                         " .g4m-workshop svg[onload]').length") == 0
    page.locator(".g4m-undo").click()  # one undo takes the whole file back out
    assert count(page) == 1
    # bad files: refused with a message, nothing changes
    bad = {
        "roto.geojson": ("{not json", "roto.geojson no se cargó: no es un archivo JSON."),
        "lista.geojson": ("[1, 2]", "no es una FeatureCollection de GeoJSON."),
        "punto.geojson": ([feature("A"), feature("B", lon=200)],
                          "el elemento 2 no es un punto con longitud y latitud válidas."),
        "tipo.geojson": ([feature("A", site_type="shelter")],
                         "el elemento 1 tiene un tipo desconocido"),
        "nombre.geojson": ([feature("   ")], "el elemento 1 no tiene un nombre válido"),
        "control.geojson": ([feature("bell\u0007")], "el elemento 1 no tiene un nombre válido"),
        "largo.geojson": ([feature(payload(30))], "hasta 200 caracteres"),
    }
    for file, (content, message) in bad.items():
        path = tmp_path / file
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            write_geojson(path, content)
        load.set_input_files(str(path))
        page.wait_for_function("(f) => document.querySelector('.g4m-workshop-status')"
                               ".textContent.startsWith(f)", arg=file)
        assert message in status.inner_text() and "No se cambió nada." in status.inner_text()
        assert count(page) == 1
    assert dialogs == [] and page.evaluate("G4M_XSS") == []


def test_new_group_clears_the_laptop_after_offering_the_download(open_map, map_files):
    page = open_map(map_files["es"])
    start(page)
    add_at(page, 19.39, -99.10, "Del grupo uno")
    assert page.evaluate("localStorage.getItem('geo4mi-sites:Prueba')") is not None
    page.get_by_role("button", name="Nuevo grupo").click()
    form = page.locator(".g4m-group-form")
    assert "Los 1 sitios candidatos del grupo «sin nombre» se borrarán" in form.inner_text()
    with page.expect_download() as info:
        form.get_by_role("button", name="Descargar GeoJSON").click()
    assert info.value.suggested_filename == "sitios_candidatos.geojson"
    form.locator('input[name="group"]').fill("Grupo Tlalpan")
    form.get_by_role("button", name="Empezar el nuevo grupo").click()
    assert count(page) == 0 and page.locator(".g4m-undo").is_disabled()
    assert page.evaluate("localStorage.getItem('geo4mi-sites:Prueba')") is None
    assert page.locator(".g4m-group-name").inner_text() == "Grupo Tlalpan"
    add_at(page, 19.30, -99.15, "Del grupo dos")
    assert page.evaluate("localStorage.getItem('geo4mi-sites:Prueba@Grupo Tlalpan')")
    with page.expect_download() as info:
        page.locator(".g4m-workshop-download").click()
    assert info.value.suggested_filename == "sitios_candidatos_grupo_tlalpan.geojson"
    # the laptop keeps this group and its sites across a reload, not the previous group's
    page.reload()
    page.wait_for_selector(".g4m-candidate")
    assert page.locator(".g4m-group-name").inner_text() == "Grupo Tlalpan"
    assert [c[0] for c in page.evaluate(CANDIDATES)] == ["Del grupo dos"]


@pytest.mark.parametrize("size", [{"width": 1200, "height": 900}, {"width": 390, "height": 844}])
def test_opening_the_add_form_never_moves_the_map(open_map, map_files, areas, size):
    page = open_map(map_files["es"], **size)
    start(page)
    before = page.evaluate(CENTER)
    box = page.locator(".folium-map").bounding_box()
    # the borough point nearest the map's top (under the title), with nothing over it:
    # a popup there would pan the map
    lat, lon = page.evaluate("""([w, h]) => { const m = geo4miSites.workshop.map;
        const r = m.getContainer().getBoundingClientRect();
        for (let y = 120; y < h / 2; y += 10) for (let x = w * 0.3; x < w * 0.9; x += 10) {
          const e = document.elementFromPoint(r.left + x, r.top + y);
          if (e && e.matches('path.leaflet-interactive')) {
            const p = m.containerPointToLatLng([x, y]); return [p.lat, p.lng]; } }
        return null; }""", [box["width"], box["height"]])
    x, y = screen_point(page, lat, lon)
    page.mouse.click(x, y)
    form = page.locator(".g4m-site-form")
    form.wait_for()
    page.wait_for_timeout(300)  # a pan would be animated: give it time to show
    assert page.evaluate(CENTER) == before
    assert page.locator(".leaflet-popup").count() == 0
    assert form.locator('input[name="name"]').is_visible()
    form.locator('input[name="name"]').fill("Junto al borde")
    form.get_by_role("button", name="Guardar").click()
    assert page.evaluate(CANDIDATES)[0][2:] == pytest.approx([lat, lon], abs=1e-6)
    assert page.evaluate(CENTER) == before


def test_target_and_achieved_on_the_map_itself(open_map, map_files, areas):
    page = open_map(map_files["en"])  # with a plan: "achieved / target"
    badges = page.locator(".g4m-badge:not(.g4m-badge-sample)")
    assert badges.count() >= 4
    texts = badges.all_inner_texts()
    assert all("/" in t for t in texts)
    cuauhtemoc = page.locator('.g4m-badge[title^="80 interviews achieved of a target of"]')
    assert cuauhtemoc.is_visible() and cuauhtemoc.inner_text().startswith("80 / ")
    page.get_by_label("Labels: achieved / target").uncheck()
    assert badges.count() == 0
    page = open_map(map_files["es"])  # achieved only
    badge = page.locator('.g4m-badge[title="80 entrevistas realizadas"]')
    assert badge.is_visible() and badge.inner_text() == "80"


def test_candidate_popup_speaks_the_study_language_without_ids(open_map, map_files):
    page = open_map(map_files["en"])
    page.get_by_role("button", name="Workshop mode").click()
    page.locator(".g4m-add-centre").click()
    page.keyboard.type("Town hall square")
    page.keyboard.press("Enter")
    page.locator(".g4m-candidate").click()
    popup = page.locator(".g4m-candidate-popup")
    text = popup.inner_text()
    assert "Town hall square" in text and "Public office · candidate" in text
    assert not any(ch.isdigit() for ch in text)  # no internal id
    assert popup.get_by_role("button", name="Edit").is_visible()
