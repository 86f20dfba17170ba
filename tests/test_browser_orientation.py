"""Orientation in a real browser, on both maps: context layers, unit labels, place search.

Both maps are opened offline (tests/browser.py): no request may leave the file, and hostile
names in units and context layers must stay text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser import layout_counter, offline_page
from hostile import assert_inert, payload
from playwright.sync_api import expect

from geo4mi.boundaries import load_areas
from geo4mi.context import parse_context_layers
from geo4mi.sites import BUNDLED_SITES, read_sites
from geo4mi.study import bundled_study_path, load_study
from geo4mi.webmap.assets import render_offline_html
from geo4mi.webmap.choropleth import choropleth_map, example_inputs
from geo4mi.webmap.sites import sites_map, write_sites_map

pytestmark = pytest.mark.browser
STUDY = load_study(bundled_study_path())
RECORD_DIALOGS = """
window.__g4mCalls = [];
["alert", "confirm", "prompt"].forEach(function (name) {
  window[name] = function (message) { window.__g4mCalls.push([name, String(message)]); };
});
"""


@pytest.fixture(scope="module")
def maps(tmp_path_factory):
    folder = tmp_path_factory.mktemp("orientation")
    estimates, areas, labels = example_inputs()
    choropleth = folder / "choropleth.html"
    choropleth.write_text(render_offline_html(choropleth_map(
        estimates, areas, labels, context=STUDY.context)),
        encoding="utf-8")
    areas = load_areas()
    sites = write_sites_map(sites_map(areas, read_sites(BUNDLED_SITES, areas), title="Prueba",
                                      context=STUDY.context, wording=STUDY.wording),
                            folder / "sites.html")
    return {"choropleth": choropleth, "sites": sites}


def overlay(page, label: str):
    """The layer control's checkbox of the layer called ``label``."""
    return page.locator(".leaflet-control-layers-overlays label", has_text=label).locator(
        "input")


@pytest.mark.parametrize("kind", ["choropleth", "sites"])
def test_context_layers_draw_and_toggle(maps, kind):
    with offline_page(maps[kind], width=1280, height=800) as (page, report):
        page.wait_for_selector("[data-g4o=ready]")
        assert page.locator("path.g4o-line").count() == 12  # Metro on, Metrobús off
        stations = page.locator("path.g4o-point").count()
        # stations (on the site map only: the study's per-map default) and borough offices;
        # markets and plazas off
        assert stations == (163 if kind == "sites" else 0) + 17
        overlay(page, "Líneas del Metro").uncheck()
        assert page.locator("path.g4o-line").count() == 0
        overlay(page, "Metrobús").check()
        assert page.locator("path.g4o-line").count() == 7
        overlay(page, "Mercados públicos").check()
        assert page.locator("path.g4o-point").count() == stations + 425
        # a line's colour is the official one from the data (Line 1: #f94f8e)
        overlay(page, "Líneas del Metro").check()
        colours = page.eval_on_selector_all("path.g4o-line", "ps => ps.map(p => "
                                            "p.getAttribute('stroke'))")
        assert "#f94f8e" in colours and "#b0001e" in colours
    report.assert_clean()


@pytest.mark.parametrize("kind", ["choropleth", "sites"])
def test_unit_labels_show_and_toggle(maps, kind):
    with offline_page(maps[kind], width=1280, height=800) as (page, report):
        page.wait_for_selector("[data-g4o=ready]")
        labels = page.locator(".g4o-label")
        assert labels.count() == 16
        # (a name may be shown shortened where the whole one finds no room: "Cuauh.")
        assert page.locator('.g4o-label [data-g4o-name="Cuauhtémoc"]').count() == 1
        assert labels.first.is_visible()
        overlay(page, "Nombres de ").uncheck()
        expect(page.locator(".g4o-label")).to_have_count(0)  # after Leaflet's fade-out
        overlay(page, "Nombres de ").check()
        assert page.locator(".g4o-label").count() == 16
    report.assert_clean()


@pytest.mark.parametrize("kind", ["choropleth", "sites"])
def test_search_ignores_accents_and_case_and_zooms(maps, kind):
    with offline_page(maps[kind], width=1280, height=800) as (page, report):
        page.wait_for_selector("[data-g4o=ready]")
        box = page.locator("input.g4o-search-input")
        box.focus()
        page.keyboard.type("CUAUHTEMOC")
        options = page.locator(".g4o-result")
        assert options.first.inner_text().startswith("Cuauhtémoc")
        assert options.first.get_attribute("aria-selected") == "true"
        cuauhtemoc = page.locator('.g4o-label [data-g4o-name="Cuauhtémoc"]')
        before = cuauhtemoc.bounding_box()
        page.keyboard.press("Enter")
        container = page.locator("[data-g4o]")
        assert container.get_attribute("data-g4o-found") == "Cuauhtémoc"
        after = cuauhtemoc.bounding_box()
        assert abs(after["x"] - before["x"]) > 20 or abs(after["y"] - before["y"]) > 20
        # a station, with the keyboard only: arrows choose, Enter goes, its popup opens
        box.fill("")
        page.keyboard.type("pantitlan")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowUp")
        page.keyboard.press("Enter")
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert "Pantitlán" in popup.inner_text() and "1, 5, 9, A" in popup.inner_text()
        box.fill("")
        page.keyboard.type("zzzz nowhere")
        assert page.locator(".g4o-none").inner_text() == "Sin resultados"
        page.keyboard.press("Escape")
        assert page.locator(".g4o-results").is_hidden()
    report.assert_clean()


def test_site_map_layers_box_does_not_touch_the_title(maps):
    with offline_page(maps["sites"], width=1000, height=800) as (page, report):
        page.wait_for_selector("[data-g4o=ready]")
        title = page.locator(".g4m-title").bounding_box()
        layers = page.locator(".leaflet-control-layers").bounding_box()
        apart_x = title["x"] + title["width"] + 8 <= layers["x"]
        apart_y = title["y"] + title["height"] + 8 <= layers["y"]
        assert apart_x or apart_y, (title, layers)
    report.assert_clean()


def test_hostile_names_stay_text(tmp_path):
    estimates, areas, labels = example_inputs()
    areas = areas.copy()
    names = [payload(i) for i in range(len(areas))]
    areas["area_name"] = names
    places = tmp_path / "places.geojson"
    place_names = [payload(20 + i) for i in range(6)]
    places.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": n, "d": payload(40 + i)},
         "geometry": {"type": "Point", "coordinates": [-99.15 + i / 100, 19.42]}}
        for i, n in enumerate(place_names)]}), encoding="utf-8")
    context = parse_context_layers(tmp_path / "s.toml", [
        {"path": "places.geojson", "kind": "point", "label": payload(60), "name_field": "name",
         "detail_field": "d"}])
    html = render_offline_html(choropleth_map(estimates, areas, labels, context=context))
    assert_inert(html)
    path = tmp_path / "hostile.html"
    path.write_text(html, encoding="utf-8")
    dialogs: list[str] = []
    with offline_page(None, width=1280, height=800) as (page, report):
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.add_init_script(RECORD_DIALOGS)
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        page.wait_for_selector("[data-g4o=ready]")
        # the names shown (a name without room is not in the page), whole or shortened,
        # are the names as text
        shown = page.evaluate("() => [...document.querySelectorAll('.g4o-label span')]"
                              ".map(e => [e.getAttribute('data-g4o-name'), e.textContent])")
        assert len(shown) == int(page.get_attribute("[data-g4o]", "data-g4o-shown-labels"))
        assert len(shown) >= 8 and {name for name, _ in shown} <= set(names)
        short = page.evaluate("ns => ns.map(n => geo4miOrientation.abbreviation(n))",
                              [name for name, _ in shown])
        assert all(text in (name, abbr) for (name, text), abbr in zip(shown, short,
                                                                      strict=True))
        assert payload(60) in page.locator(".leaflet-control-layers").inner_text()
        box = page.locator("input.g4o-search-input")
        box.fill(place_names[0][:6])
        assert page.locator(".g4o-result").first.inner_text().startswith(place_names[0])
        page.keyboard.press("Enter")
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert place_names[0] in popup.inner_text() and payload(40) in popup.inner_text()
        assert dialogs == []
        assert page.evaluate("window.__g4mCalls") == []
        assert page.locator("img").count() == 0
        assert page.locator("script:not([type])").count() == page.evaluate(
            "document.scripts.length - document.querySelectorAll("
            "'script[type=\"application/json\"]').length")
    report.assert_clean()


# every label drawn on the map (unit names, achieved / target badges) that is shown, as boxes
SHOWN_LABELS = """() => [...document.querySelectorAll('[data-g4o-rank]')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width && r.height && getComputedStyle(e).visibility !== 'hidden'; })
  .map(e => { const r = e.getBoundingClientRect();
              return [e.textContent, r.left, r.top, r.right, r.bottom]; })"""


# what a label must stay clear of: the site symbols and every control over the map
IN_THE_WAY = """() => [...document.querySelectorAll(
    '.leaflet-marker-pane .leaflet-marker-icon, .folium-map .leaflet-control, .g4m-title')]
  .map(e => { const r = e.getBoundingClientRect();
              return [e.className, r.left, r.top, r.right, r.bottom]; })
  .filter(b => b[3] > b[1] && b[4] > b[2])"""


def clashes(boxes, others=None):
    pairs = ([(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]] if others is None
             else [(a, b) for a in boxes for b in others])
    return [(a[0], b[0]) for a, b in pairs
            if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]


def assert_clear(page, labels, kind):
    """No shown label meets a control, and no unit name a site symbol."""
    in_the_way = page.evaluate(IN_THE_WAY)
    symbols = [b for b in in_the_way if "leaflet-marker-icon" in b[0]]
    assert clashes(labels, [b for b in in_the_way if b not in symbols]) == []
    names = set(page.evaluate("() => [...document.querySelectorAll('[data-g4o-name]')]"
                              ".map(e => e.textContent)"))
    assert clashes([b for b in labels if b[0] in names], symbols) == []
    assert (len(symbols) > 5) == (kind != "choropleth")  # sites that overlap: one symbol


@pytest.fixture(scope="module")
def badge_map(tmp_path_factory):
    import pandas as pd
    areas = load_areas()
    achieved = pd.Series({a: 10 + i for i, a in enumerate(areas["area_id"].astype(str))})
    return write_sites_map(sites_map(areas, read_sites(BUNDLED_SITES, areas), title="Prueba",
                                     achieved=achieved, context=STUDY.context,
                                     wording=STUDY.wording),
                           tmp_path_factory.mktemp("badges") / "sites.html")


@pytest.mark.parametrize("kind", ["choropleth", "sites", "badges"])
@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_no_two_shown_labels_overlap_at_the_initial_view(maps, badge_map, kind, size):
    path = badge_map if kind == "badges" else maps[kind]
    with offline_page(path, width=size[0], height=size[1]) as (page, report):
        page.wait_for_selector("[data-g4o=ready]")
        boxes = page.evaluate(SHOWN_LABELS)
        assert clashes(boxes) == []
        # no label under a control (the search box, the legend, the title), and no unit name
        # under a site symbol (the badges are drawn above the symbols)
        assert_clear(page, boxes, kind)
        names = [b[0] for b in boxes]
        assert len(names) >= (8 if size[0] > 600 else 4), names  # most still there
        if kind == "badges":
            assert any("/" not in n and n.isdigit() for n in names)  # some badges shown
        # the pass runs again after a zoom: still no overlap, and labels still shown
        page.evaluate("() => { const b = document.querySelector('.folium-map');"
                      " window[b.id].setZoom(window[b.id].getZoom() + 1, {animate: false}); }")
        page.wait_for_timeout(300)
        closer = page.evaluate(SHOWN_LABELS)
        # (a label that would stick out of the map is not shown: fewer fit on a phone)
        assert clashes(closer) == [] and len(closer) >= (8 if size[0] > 600 else 4)
        assert_clear(page, closer, kind)
    report.assert_clean()


def test_choropleth_opens_without_stations_and_the_site_map_with(maps):
    counts = {}
    for kind in ("choropleth", "sites"):
        with offline_page(maps[kind], width=1280, height=800) as (page, report):
            page.wait_for_selector("[data-g4o=ready]")
            counts[kind] = page.locator("path.g4o-point").count()
            if kind == "choropleth":
                line = page.locator("path.g4o-line").first
                assert float(line.get_attribute("stroke-width")) < 3
                overlay(page, "Estaciones del Metro").check()
                assert page.locator("path.g4o-point").count() == counts[kind] + 163
        report.assert_clean()
    assert counts == {"choropleth": 17, "sites": 163 + 17}


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    """A choropleth of 600 small units with long one-word names (shortened when they do
    not fit): most labels compete for room."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    from geo4mi.webmap.choropleth import _example_row

    _, areas, labels = example_inputs()
    x0, y0, x1, y1 = areas.to_crs(4326).total_bounds
    step_x, step_y = (x1 - x0) / 30, (y1 - y0) / 20
    cells = [box(x0 + i * step_x, y0 + j * step_y, x0 + (i + 1) * step_x,
                 y0 + (j + 1) * step_y) for i in range(30) for j in range(20)]
    ids = [f"09{k:011d}" for k in range(len(cells))]
    grid = gpd.GeoDataFrame({"area_id": ids, "area_name": [f"Manzana{k:04d}" for k in
                                                           range(len(cells))]},
                            geometry=cells, crs=4326).to_crs(areas.crs)
    counts = [(20 + k % 7, 5 + k % 11) for k in range(len(ids))]
    city = tuple(sum(c) for c in zip(*counts, strict=True))
    rows = [_example_row(ind, a, n, k) for ind in ("feel_safe", "discriminated")
            for a, (n, k) in [("_city", city), *zip(ids, counts, strict=True)]]
    page = tmp_path_factory.mktemp("crowded") / "choropleth.html"
    page.write_text(render_offline_html(choropleth_map(pd.DataFrame(rows), grid, labels)),
                    encoding="utf-8")
    return page


def test_label_pass_lays_the_page_out_a_few_times_not_once_per_label(crowded):
    """Reading a label's box after moving another made the browser lay the page out again
    for every label (38 s to open the 2,431 AGEBs of Mexico City); the pass reads every box
    first and writes the moves at the end."""
    with offline_page(crowded, width=1280, height=800) as (page, report):
        page.wait_for_selector("[data-g4o=ready]")
        layouts = layout_counter(page)

        before = layouts()
        page.evaluate("() => { const b = document.querySelector('.folium-map');"
                      " window[b.id].setZoom(window[b.id].getZoom() + 1, {animate: false}); }")
        page.wait_for_timeout(500)
        # (a name without room is not in the page: every label there is shown)
        shown = page.evaluate(SHOWN_LABELS)
        assert page.locator("[data-g4o-rank]").count() == len(shown)
        assert len(shown) == int(page.get_attribute("[data-g4o]", "data-g4o-shown-labels"))
        assert 10 <= len(shown) < 600
        assert page.locator("[data-g4o-abbr]").count() > 0  # some shortened to fit
        assert clashes(shown) == []
        assert layouts() - before < 20, (before, layouts())
    report.assert_clean()


def composited_layers(page) -> int:
    """How many layers the browser composites the page from (DevTools' LayerTree)."""
    cdp = page.context.new_cdp_session(page)
    trees = []
    cdp.on("LayerTree.layerTreeDidChange", lambda tree: trees.append(tree.get("layers")))
    cdp.send("LayerTree.enable")
    page.evaluate("() => { document.body.style.outline = '0 solid transparent'; }")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return len([t for t in trees if t][-1])


# each shown label that sits on its point: its box's centre and its unit's point, both
# relative to the map's top left corner, after the view changed
ON_THEIR_POINTS = """() => {
  const map = window[document.querySelector('.folium-map').id];
  const units = JSON.parse(document.getElementById('g4o-data').textContent).units;
  const at = Object.fromEntries(units.map(u => [u.name, [u.lat, u.lon]]));
  const origin = map.getContainer().getBoundingClientRect();
  return [...document.querySelectorAll('[data-g4o-name]')]
    .filter(e => !e.classList.contains('g4o-clash') && !e.style.translate)
    .map(e => { const r = e.getBoundingClientRect(), p = map.latLngToContainerPoint(
                  at[e.getAttribute('data-g4o-name')]);
                return [(r.left + r.right) / 2 - origin.left, (r.top + r.bottom) / 2 - origin.top,
                        p.x, p.y]; });
}"""


def test_labels_are_not_composited_one_by_one_and_follow_the_map(crowded):
    """The labels were Leaflet markers, placed with translate3d, which made the browser
    composite each of the 600 as a layer of its own (thousands at 2,431 units, every one
    pushed to the compositor on each frame that changed a label); they are one layer now,
    placed by a 2D translation, in the same place, and still follow a zoom and a pan, and
    an animated zoom. The map listens to its zoom once for them, not once per label."""
    with offline_page(crowded, width=1280, height=800) as (page, report):
        page.wait_for_selector("[data-g4o=ready]")
        page.wait_for_function("document.getElementById('g4c-caption').textContent !== ''")
        assert composited_layers(page) < 50
        assert page.evaluate("() => window[document.querySelector('.folium-map').id]"
                             "._events.zoom.length") < 10
        before = page.evaluate(ON_THEIR_POINTS)
        page.evaluate("() => { const m = window[document.querySelector('.folium-map').id];"
                      " m.setZoom(m.getZoom() + 1, {animate: false}); m.panBy([37, -21],"
                      " {animate: false}); }")
        page.wait_for_timeout(300)
        after = page.evaluate(ON_THEIR_POINTS)
        page.evaluate("() => { window[document.querySelector('.folium-map').id].zoomOut(0.5); }")
        page.wait_for_timeout(800)  # Leaflet's zoom animation (0.25 s)
        after += page.evaluate(ON_THEIR_POINTS)
        assert len(before) >= 10 and len(after) >= 20
        # every label as far from its point, at the first view and after the zoom and pan
        offsets = {(round(x - px, 3), round(y - py, 3)) for x, y, px, py in before + after}
        assert len(offsets) == 1 and all(abs(d) <= 1 for d in offsets.pop()), offsets
    report.assert_clean()
