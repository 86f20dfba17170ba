"""Both interactive maps on a phone (390×844, touch), in a real headless Chromium, offline.

What a phone user needs: no control hides more than 15 % of the map, the choropleth's legend
sits under the map and the site map's legend opens from a button, tapping the borough with the
most interviews (Cuauhtémoc) opens its tooltip or popup, the table scrolls inside its own box
(the page never scrolls sideways) and every button, select and link is at least 24 px.
"""

from __future__ import annotations

import re

import pytest
from browser import offline_page
from test_browser_sites import axe_findings, inside, map_files, sites  # noqa: F401  (fixtures)
from test_webmap_choropleth import CUAUHTEMOC, MIN_N, make_inputs

from geo4mi.boundaries import load_areas
from geo4mi.webmap.choropleth import write_choropleth

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
MAX_SHARE = 0.15   # of the map's area, for any one control
MIN_TARGET = 24    # px, WCAG 2.5.8 target size (minimum)
MIN_FIRST_SCREEN = 0.55  # of a phone's first screen, filled by the map

# every box drawn over the map, as [selector, left, top, width, height]
CONTROL_BOXES = """() => {
  const out = [];
  for (const e of document.querySelectorAll(
      '.folium-map .leaflet-control, .folium-map .g4m-title')) {
    const r = e.getBoundingClientRect();
    if (r.width && r.height) { out.push([e.className, r.left, r.top, r.width, r.height]); }
  }
  return out;
}"""

# what the user can press: every visible button, select and control link except the words
# inside a sentence (the attribution and the CSV link are inline text, exempt in WCAG 2.5.8)
TARGETS = """() => {
  const out = [];
  for (const e of document.querySelectorAll(
      'button, select, .leaflet-control-zoom a, .leaflet-control-layers-toggle, .g4c-langs a')) {
    const r = e.getBoundingClientRect();
    if (r.width && r.height) { out.push([e.className || e.tagName, r.width, r.height]); }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def areas():
    return load_areas()


@pytest.fixture(scope="module")
def choropleth(tmp_path_factory):
    est, areas_, labels = make_inputs()
    path = tmp_path_factory.mktemp("layout") / "es.html"
    return write_choropleth(est, areas_, labels, path, lang="es", min_n=MIN_N, synthetic=True,
                            selected="feel_safe", alternates={"es": "es.html", "en": "en.html"})


def map_box(page):
    return page.locator(".folium-map").bounding_box()


def overlap_share(box, control):
    """Share of the map's area under one control's box."""
    _, left, top, width, height = control
    w = max(0.0, min(left + width, box["x"] + box["width"]) - max(left, box["x"]))
    h = max(0.0, min(top + height, box["y"] + box["height"]) - max(top, box["y"]))
    return w * h / (box["width"] * box["height"])


def assert_controls_small(page):
    box = map_box(page)
    controls = page.evaluate(CONTROL_BOXES)
    assert controls, "no control found over the map"
    shares = {c[0]: round(overlap_share(box, c), 3) for c in controls}
    assert max(shares.values()) <= MAX_SHARE, shares


def visible_map_share(page):
    """Share of the first screen (the viewport, unscrolled) that the map fills."""
    box, view = map_box(page), page.viewport_size
    height = max(0.0, min(box["y"] + box["height"], view["height"]) - max(box["y"], 0))
    width = max(0.0, min(box["x"] + box["width"], view["width"]) - max(box["x"], 0))
    return width * height / (view["width"] * view["height"])


def assert_targets_big_enough(page):
    small = [t for t in page.evaluate(TARGETS) if min(t[1], t[2]) < MIN_TARGET]
    assert small == []


def layer_centre(page, area_id):
    """Page pixel of the centre Leaflet gives an area's polygon."""
    return page.evaluate(
        """(id) => {
            const box = document.querySelector('.folium-map');
            const map = window[box.id];
            let c = null;
            map.eachLayer(l => {
              const e = l.getElement && l.getElement();
              if (e && e.getAttribute('data-area') === id) { c = l.getCenter(); }
            });
            const p = map.latLngToContainerPoint(c);
            const r = box.getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""", area_id)


def latlon_point(page, lat, lon):
    return page.evaluate(
        """([lat, lon]) => {
            const box = document.querySelector('.folium-map');
            const p = window[box.id].latLngToContainerPoint([lat, lon]);
            const r = box.getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""", [lat, lon])


def test_choropleth_on_a_phone(choropleth):
    with offline_page(choropleth, touch=True, **PHONE) as (page, report):
        page.wait_for_selector("path.leaflet-interactive")
        # the legend is under the map, not over it, and still lists every class
        assert page.locator(".folium-map .g4c-legend").count() == 0
        legend = page.locator(".g4c-legend-below .g4c-legend")
        assert legend.is_visible() and legend.locator("li").count() >= 8
        assert legend.bounding_box()["y"] >= map_box(page)["y"] + map_box(page)["height"] - 1
        # the controls fold under one button naming the view: the map keeps most of the
        # first screen; the button opens them in place
        assert visible_map_share(page) >= MIN_FIRST_SCREEN
        more = page.locator("button.g4c-more")
        assert more.get_attribute("aria-expanded") == "false"
        assert more.inner_text().split("\n") == [
            "Qué mostrar", "Se siente seguro/a — Todas las personas encuestadas"]
        assert page.locator("#g4c-indicator").is_hidden()
        more.tap()
        assert more.get_attribute("aria-expanded") == "true"
        assert page.locator("#g4c-indicator").is_visible()
        assert page.locator("#g4c-png").is_visible()
        more.tap()
        assert page.locator("#g4c-indicator").is_hidden()
        assert_controls_small(page)
        assert_targets_big_enough(page)
        # the page never scrolls sideways; the table scrolls inside its own box
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        wrap = page.evaluate("""() => { const w = document.querySelector('.g4c-table-wrap');
                                w.scrollIntoView(); return [w.scrollWidth, w.clientWidth]; }""")
        assert wrap[0] > wrap[1]
        # tapping the middle of Cuauhtémoc (most interviews) opens its tooltip
        page.locator(".folium-map").scroll_into_view_if_needed()
        x, y = layer_centre(page, CUAUHTEMOC)
        hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y).getAttribute("
                            "'data-area')", [x, y])
        assert hit == CUAUHTEMOC  # nothing lies over it
        page.touchscreen.tap(x, y)
        tip = page.locator(".g4c-tip", has_text="Cuauhtémoc")
        tip.wait_for()
        assert "Valor: 75 %" in tip.inner_text()
        # a wider window puts the legend back in the map's corner
        page.set_viewport_size({"width": 1000, "height": 800})
        page.locator(".folium-map .g4c-legend").wait_for()
        assert page.locator(".g4c-legend-below").is_hidden()
    report.assert_clean()


def test_site_map_on_a_phone(map_files, areas):
    with offline_page(map_files["es"], touch=True, **PHONE) as (page, report):
        page.wait_for_selector(".g4m-site")
        # the layers box is a button, the legend opens from a button
        assert page.locator(".leaflet-control-layers-toggle").is_visible()
        assert page.locator("#g4m-legend").is_hidden()
        assert_controls_small(page)
        assert_targets_big_enough(page)
        assert axe_findings(page) == []
        # the title does not cover the zoom, layers or workshop buttons
        title = page.locator(".g4m-title").bounding_box()
        for selector in (".leaflet-control-zoom", ".leaflet-control-layers",
                         ".g4m-workshop", ".g4m-legend-toggle", ".g4o-search"):
            other = page.locator(selector).bounding_box()
            apart = (other["x"] >= title["x"] + title["width"]
                     or other["x"] + other["width"] <= title["x"]
                     or other["y"] >= title["y"] + title["height"]
                     or other["y"] + other["height"] <= title["y"])
            assert apart, selector
        toggle = page.locator(".g4m-legend-toggle")
        assert toggle.inner_text() == "Leyenda" and toggle.get_attribute("aria-expanded") == "false"
        toggle.tap()
        assert page.locator("#g4m-legend").is_visible()
        assert toggle.get_attribute("aria-expanded") == "true"
        toggle.tap()
        assert page.locator("#g4m-legend").is_hidden()
        # tapping inside Cuauhtémoc opens its popup
        x, y = latlon_point(page, *inside(areas, CUAUHTEMOC))
        assert page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest("
                             "'.leaflet-control, .g4m-title') === null", [x, y])
        page.touchscreen.tap(x, y)
        popup = page.locator(".leaflet-popup")
        popup.wait_for()
        assert "Cuauhtémoc" in popup.inner_text()
    report.assert_clean()


# -- print -------------------------------------------------------------------------------------

A4_LANDSCAPE_PX = (277 * 96 / 25.4, 190 * 96 / 25.4)  # inside 10 mm margins, CSS px

PRINT_GEOMETRY = """() => {
  const box = (e) => { const r = e.getBoundingClientRect();
                       return [r.left, r.top + scrollY, r.right, r.bottom + scrollY]; };
  const one = (s) => box(document.querySelector(s));
  return {
    paths: [...document.querySelectorAll('path.leaflet-interactive')].map(box),
    map: one('.folium-map'), legend: one('.g4c-legend'), title: one('.g4c-title'),
    banner: one('.g4c-banner'), caveat: one('.g4c-caveat'), notes: one('.g4c-notes'),
    table: one('.g4c-table-wrap'),
    legendInMap: document.querySelector('.folium-map .g4c-legend') !== null,
    controls: getComputedStyle(document.querySelector('.g4c-controls')).display,
  };
}"""


def inside_box(inner, outer, slack=0.5):
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


@pytest.mark.parametrize("width", [1280, 1920, 800])
def test_printed_page_one_holds_the_city_legend_title_caveat_and_source(choropleth, width):
    with offline_page(choropleth, width=width, height=900) as (page, report):
        page.wait_for_selector("path.leaflet-interactive")
        page.emulate_media(media="print")
        # media-query listeners run at the next frame (a real print fires beforeprint first)
        page.wait_for_function("document.querySelector('.folium-map').style.width !== ''")
        g = page.evaluate(PRINT_GEOMETRY)
        page_one = [0, 0, *A4_LANDSCAPE_PX]
        assert len(g["paths"]) == 16
        for key in ("map", "legend", "title", "banner", "caveat", "notes"):
            assert inside_box(g[key], page_one), (key, g[key])
        for p in g["paths"]:  # every unit inside the map frame, so on the page
            assert inside_box(p, g["map"]), p
        # the legend beside the map, not over it; the controls are not printed
        assert not g["legendInMap"] and g["legend"][0] >= g["map"][2]
        assert g["controls"] == "none"
        # the city fills the frame on its limiting side
        xs = [min(p[0] for p in g["paths"]), max(p[2] for p in g["paths"])]
        ys = [min(p[1] for p in g["paths"]), max(p[3] for p in g["paths"])]
        fill = max((xs[1] - xs[0]) / (g["map"][2] - g["map"][0]),
                   (ys[1] - ys[0]) / (g["map"][3] - g["map"][1]))
        assert fill >= 0.8
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        # A4 landscape pages (points); the map page, then the table from page 2
        boxes = re.findall(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf)
        assert boxes and all(abs(float(w) - 841.9) < 1 and abs(float(h) - 595.3) < 1
                             for w, h in boxes)
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2
        # back on screen: the legend returns to the map's corner and the map to its size
        page.emulate_media(media="screen")
        page.locator(".folium-map .g4c-legend").wait_for()
        page.wait_for_function("document.querySelector('.folium-map').style.width === ''")
    report.assert_clean()


def free_point(page, x, y):
    """The nearest point to (x, y) where a tap reaches a borough (not a site or a control)."""
    return page.evaluate("""([x, y]) => {
        for (let d = 0; d < 80; d += 4) {
          for (const [dx, dy] of [[d, 0], [-d, 0], [0, d], [0, -d]]) {
            const e = document.elementFromPoint(x + dx, y + dy);
            if (e && e.matches('path.leaflet-interactive') && !e.closest('.g4o-point')
                && !e.classList.contains('g4o-point') && !e.classList.contains('g4o-line')) {
              return [x + dx, y + dy]; }
          }
        }
        return [x, y]; }""", [x, y])


def workshop_share(page):
    box = map_box(page)
    r = page.locator(".g4m-workshop").bounding_box()
    return overlap_share(box, ["workshop", r["x"], r["y"], r["width"], r["height"]])


def test_workshop_panel_folds_on_a_phone_and_still_adds_a_site(map_files, areas):
    with offline_page(map_files["es"], touch=True, **PHONE) as (page, report):
        page.wait_for_selector(".g4m-site")
        page.get_by_role("button", name="Modo taller").tap()
        fold = page.locator(".g4m-workshop-fold")
        # folded from the start: one line, a small share of the map
        assert fold.get_attribute("aria-expanded") == "false"
        assert fold.get_attribute("aria-label") == "Mostrar el panel"
        assert page.locator(".g4m-add-centre").is_hidden()
        assert workshop_share(page) <= MAX_SHARE
        assert_controls_small(page)
        assert_targets_big_enough(page)
        # opened on demand from the keyboard, its state announced; folded again
        fold.focus()
        page.keyboard.press("Enter")
        assert fold.get_attribute("aria-expanded") == "true"
        assert fold.get_attribute("aria-label") == "Ocultar el panel"
        assert page.locator(".g4m-add-centre").is_visible()
        assert workshop_share(page) > MAX_SHARE  # why it starts folded
        page.keyboard.press("Space")
        assert fold.get_attribute("aria-expanded") == "false"
        assert workshop_share(page) <= MAX_SHARE
        # a tap on the map adds a site there: the form opens the panel, saving folds it back
        x, y = free_point(page, *latlon_point(page, *inside(areas, CUAUHTEMOC)))
        page.touchscreen.tap(x, y)
        form = page.locator(".g4m-site-form")
        form.wait_for()
        assert fold.get_attribute("aria-expanded") == "true"
        form.locator('input[name="name"]').fill("Mercado en el teléfono")
        form.get_by_role("button", name="Guardar").tap()
        form.wait_for(state="detached")
        assert page.locator(".leaflet-marker-pane .g4m-candidate").count() == 1
        assert fold.get_attribute("aria-expanded") == "false"
        assert workshop_share(page) <= MAX_SHARE
        stored = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('geo4mi-"
                               "sites')).map(k => localStorage.getItem(k))")
        assert any("Mercado en el teléfono" in s for s in stored)
    report.assert_clean()


SITES_PRINT_GEOMETRY = """() => {
  const box = (e) => { const r = e.getBoundingClientRect();
                       return [r.left, r.top + scrollY, r.right, r.bottom + scrollY]; };
  const one = (s) => box(document.querySelector(s));
  return {
    paths: [...document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive')]
      .filter(e => !e.closest('.g4o-point') && !e.classList.contains('g4o-point')
                   && !e.classList.contains('g4o-line') && !e.classList.contains('g4m-catchment'))
      .map(box),
    map: one('.folium-map'), legend: one('.g4m-legend'), title: one('.g4m-title'),
    source: one('.g4m-print-source'),
    controls: ['.leaflet-control-zoom', '.leaflet-control-layers', '.g4m-workshop']
      .map(s => getComputedStyle(document.querySelector(s)).display),
  };
}"""


def overlap(a, b):
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])


@pytest.mark.parametrize("landscape", [True, False])
def test_site_map_prints_the_whole_city_with_title_legend_and_source(map_files, areas,
                                                                     landscape):
    from io import BytesIO

    pypdf = pytest.importorskip("pypdf")
    # a window of the page's size inside 10 mm margins, as Chromium lays out for print
    width, height = A4_LANDSCAPE_PX if landscape else A4_LANDSCAPE_PX[::-1]
    with offline_page(map_files["es"], width=1280, height=800) as (page, report):
        page.wait_for_selector(".g4m-site")
        page.set_viewport_size({"width": int(width), "height": int(height)})
        page.emulate_media(media="print")
        page.wait_for_function("document.querySelector('.folium-map').style.width !== ''")
        g = page.evaluate(SITES_PRINT_GEOMETRY)
        page_one = [0, 0, width, height]
        assert len(g["paths"]) == len(areas)
        for key in ("map", "legend", "title", "source"):
            assert inside_box(g[key], page_one), (key, g[key])
        for p in g["paths"]:  # every unit inside the map frame, so on the page
            assert inside_box(p, g["map"]), p
        # the title above the map, the legend beside (landscape) or under it (portrait)
        assert g["title"][3] <= g["map"][1]
        assert not overlap(g["legend"], g["map"]) and not overlap(g["legend"], g["title"])
        assert (g["legend"][0] >= g["map"][2]) if landscape else (g["legend"][1] >= g["map"][3])
        assert g["controls"] == ["none", "none", "none"]
        xs = [min(p[0] for p in g["paths"]), max(p[2] for p in g["paths"])]
        ys = [min(p[1] for p in g["paths"]), max(p[3] for p in g["paths"])]
        fill = max((xs[1] - xs[0]) / (g["map"][2] - g["map"][0]),
                   (ys[1] - ys[0]) / (g["map"][3] - g["map"][1]))
        assert fill >= 0.8
        # printed: one A4 page with the title, the legend and the source on it
        pdf = page.pdf(format="A4", landscape=landscape, print_background=True,
                       margin=dict.fromkeys(("top", "bottom", "left", "right"), "10mm"))
        pages = pypdf.PdfReader(BytesIO(pdf)).pages
        assert len(pages) == 1
        w, h = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
        assert abs(max(w, h) - 842) < 2 and abs(min(w, h) - 595) < 2 and (w > h) == landscape
        text = " ".join(pages[0].extract_text().split())
        for words in ("Prueba", "Estación de Metro", "INEGI, Marco Geoestadístico 2022"):
            assert words in text
        # back on screen: the legend in the map's corner, the map its own size
        page.emulate_media(media="screen")
        page.locator(".folium-map #g4m-legend").wait_for()
        page.wait_for_function("document.querySelector('.folium-map').style.width === ''")
    report.assert_clean()
