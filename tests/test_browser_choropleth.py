"""The choropleth in a real headless Chromium with the network blocked.

Checks what users see: 16 boroughs drawn, no page errors, nothing requested beyond file://,
switching the indicator restyles fills and legend, tooltips give n and the CI, no-data and
suppressed boroughs look exactly like their legend entries, the table and the CSV carry the
same numbers, and the controls work from the keyboard.
"""

from __future__ import annotations

import urllib.parse

import pytest
from browser import offline_page
from test_webmap_choropleth import (
    BENITO_JUAREZ,
    COYOACAN,
    CUAUHTEMOC,
    IZTAPALAPA,
    MIN_N,
    make_inputs,
)

from geo4mi import classify
from geo4mi.webmap.choropleth import write_choropleth

pytestmark = pytest.mark.browser
PATHS = "path.leaflet-interactive:not(.g4o-line):not(.g4o-point)"  # units, not context
NO_INTERVIEWS = "09010"  # Álvaro Obregón: nobody interviewed


@pytest.fixture(scope="module")
def maps(tmp_path_factory):
    est, areas, labels = make_inputs()
    folder = tmp_path_factory.mktemp("browser_choropleth")
    return {
        "es": write_choropleth(est, areas, labels, folder / "es.html", lang="es", min_n=MIN_N,
                               synthetic=True, selected="feel_safe"),
        "en": write_choropleth(est, areas, labels, folder / "en.html", lang="en", min_n=MIN_N,
                               selected="feel_safe"),
        "tiles": write_choropleth(est, areas, labels, folder / "tiles.html", lang="es",
                                  min_n=MIN_N, tiles="OpenStreetMap"),
    }


def area(page, area_id):
    return page.locator(f'{PATHS}[data-area="{area_id}"]')


def fills(page):
    return page.eval_on_selector_all(PATHS, "els => els.map(e => e.getAttribute('fill'))")


def tooltip(page, area_id, name):
    """Hover a borough and return its tooltip's text."""
    page.mouse.move(0, 0)
    area(page, area_id).hover()
    return page.locator(".g4c-tip", has_text=name).inner_text()


def choose_indicator(page, label):
    page.select_option("#g4c-indicator", label=label)


def test_sixteen_boroughs_drawn_offline_without_errors(maps):
    with offline_page(maps["es"]) as (page, report):
        page.wait_for_selector(PATHS)
        assert page.locator(PATHS).count() == 16
        assert page.locator(".g4c-legend li").count() >= 5 + 3
        assert "DATOS SINTÉTICOS" in page.inner_text(".g4c-banner")
        assert page.evaluate("document.documentElement.lang") == "es"
        # one scale bar, in metres or kilometres only (no miles)
        assert page.locator(".leaflet-control-scale-line").count() == 1
        assert page.inner_text(".leaflet-control-scale-line").endswith(("m", "km"))
    report.assert_clean()
    assert report.requests == [maps["es"].resolve().as_uri()]


def test_switching_indicator_changes_fills_and_legend(maps):
    with offline_page(maps["en"]) as (page, report):
        page.wait_for_selector(PATHS)
        before, legend_before = fills(page), page.inner_text(".g4c-legend")
        assert "Feels safe" in legend_before
        choose_indicator(page, "Has been discriminated against")
        after, legend_after = fills(page), page.inner_text(".g4c-legend")
        assert after != before
        assert "Has been discriminated against" in legend_after
        assert "Higher is worse" in legend_after
        # higher-worse uses the yellow-red palette, higher-better the yellow-blue one
        assert set(classify.palette("higher_worse")) & set(after)
        assert set(classify.palette("higher_better")) & set(before)
        assert "Has been discriminated against" in page.inner_text("#g4c-caption")
        assert page.inner_text("#g4c-universe") == ""
        choose_indicator(page, "Has a bank account")
        assert page.inner_text("#g4c-universe") == "People considered: Everyone"
    report.assert_clean()


def test_group_and_classification_restyle_too(maps):
    with offline_page(maps["en"]) as (page, report):
        page.wait_for_selector(PATHS)
        fixed = page.inner_text(".g4c-legend ul")
        assert "0–20 %" in fixed and "80–100 %" in fixed
        # 4 boroughs published: quantiles and natural breaks are not offered (fewer than
        # MIN_UNITS_FOR_SCHEMES), and the note under the select says why
        assert page.eval_on_selector_all("#g4c-scheme option:disabled",
                                         "os => os.map(o => o.value)") == ["quantiles",
                                                                            "natural_breaks"]
        assert "at least 10 boroughs" in page.inner_text("#g4c-scheme-note")
        assert "this view has 4" in page.inner_text("#g4c-scheme-note")
        # with a lower threshold the same view offers them, and they restyle
        page.evaluate("() => { const c = geo4miChoropleth.current;"
                      " c.data.min_units = 2; c.update(); }")
        assert page.inner_text("#g4c-scheme-note") == ""
        page.select_option("#g4c-scheme", "quantiles")
        assert page.inner_text(".g4c-legend ul") != fixed
        page.select_option("#g4c-group", label="Man")
        assert "Man" in page.inner_text(".g4c-legend-sub")
        # 6 / 2 = 3 men interviewed in Coyoacán: suppressed for this group only
        assert area(page, COYOACAN).get_attribute("data-status") == "suppressed"
        assert "#" in page.url and "gender%3Aman" in page.url  # view kept in the address
    report.assert_clean()


def test_tooltips_show_value_ci_n_and_city_comparison(maps):
    with offline_page(maps["en"]) as (page, report):
        page.wait_for_selector(PATHS)
        tip = tooltip(page, CUAUHTEMOC, "Cuauhtémoc")
        assert "Cuauhtémoc" in tip and "Value: 75 %" in tip and "95 % CI: 65–83 %" in tip
        assert "n (respondents answering): 80" in tip
        assert "Whole city: 55 % (95 % CI: 47–62 %)" in tip
        assert ("Higher in this borough than in the rest of the city (tested difference, "
                "Holm-corrected)") in tip
        assert "Lower in this borough than in the rest of the city" in tooltip(
            page, IZTAPALAPA, "Iztapalapa")
        tip = tooltip(page, BENITO_JUAREZ, "Benito Juárez")
        assert "Fewer than 10 respondents (suppressed)" in tip and "n (respondents" not in tip
        assert "%" not in tip.split("Whole city")[0]  # no value for a suppressed borough
    report.assert_clean()


def test_no_data_and_suppressed_look_as_the_legend_says(maps):
    with offline_page(maps["es"]) as (page, report):
        page.wait_for_selector(PATHS)
        legend_fill = page.eval_on_selector(
            ".g4c-legend-nodata rect",
            "r => [r.getAttribute('fill'), r.getAttribute('fill-opacity')]")
        hatch_fill = page.get_attribute(".g4c-legend-suppressed rect", "fill")
        nod = area(page, NO_INTERVIEWS)
        assert nod.get_attribute("data-status") == "no_data"
        assert [nod.get_attribute("fill"), nod.get_attribute("fill-opacity")] == legend_fill
        assert legend_fill[0] == "url(#g4c-dots)"  # dots, never a colour of the scale
        sup = area(page, BENITO_JUAREZ)
        assert sup.get_attribute("data-status") == "suppressed"
        assert sup.get_attribute("fill") == hatch_fill == "url(#g4c-hatch)"
        assert page.locator("pattern#g4c-hatch rect").count() == 2
        assert page.locator("pattern#g4c-dots rect").count() == 2
        # the patterns really paint: the paths' computed fills resolve to them
        assert "g4c-hatch" in page.eval_on_selector(
            f'{PATHS}[data-area="{BENITO_JUAREZ}"]', "e => getComputedStyle(e).fill")
        assert "g4c-dots" in page.eval_on_selector(
            f'{PATHS}[data-area="{NO_INTERVIEWS}"]', "e => getComputedStyle(e).fill")
        # an estimated borough takes a scale colour; a wide interval keeps it, fully opaque,
        # and is outlined with the dashes of the legend's wide-interval entry
        coy, cua = area(page, COYOACAN), area(page, CUAUHTEMOC)
        assert coy.get_attribute("fill") in classify.palette("higher_better")
        assert float(coy.get_attribute("fill-opacity")) == classify.OPACITY == 1
        dashes = page.get_attribute(".g4c-legend-wide rect[stroke-dasharray]", "stroke-dasharray")
        assert coy.get_attribute("stroke-dasharray") == dashes == classify.WIDE_OUTLINE[2]
        assert float(cua.get_attribute("fill-opacity")) == classify.OPACITY
        assert cua.get_attribute("stroke-dasharray") is None
        assert "g4c-wide" in coy.get_attribute("class")
        assert "g4c-wide" not in cua.get_attribute("class")
        assert "drop-shadow" in coy.evaluate("e => getComputedStyle(e).filter")  # the halo
        assert page.locator(PATHS + '[data-status="ok"]').count() == 4
        assert page.locator(PATHS + '[data-status="no_data"]').count() == 11
    report.assert_clean()


def test_table_and_csv_carry_the_same_numbers(maps):
    with offline_page(maps["en"]) as (page, report):
        page.wait_for_selector(PATHS)
        rows = page.locator("#g4c-table tbody tr")
        assert rows.count() == 17
        assert rows.nth(0).inner_text().split("\t")[:4] == ["Whole city", "55 %", "47–62 %", "168"]
        cu = page.locator("#g4c-table tbody tr", has_text="Cuauhtémoc").inner_text().split("\t")
        assert cu[1:4] == ["75 %", "65–83 %", "80"]
        bj = page.locator("#g4c-table tbody tr", has_text="Benito Juárez").inner_text()
        assert "Fewer than 10 respondents (suppressed)" in bj and "%" not in bj.split("\t")[1]
        href = page.get_attribute("#g4c-csv", "href")
        csv = urllib.parse.unquote(href.split(",", 1)[1]).lstrip("\ufeff").splitlines()
        assert csv[0] == "code,borough,value_pct,ci95_low_pct,ci95_high_pct,n,status"
        assert "09015,Cuauhtémoc,75,65,83,80,ok" in csv
        assert "09014,Benito Juárez,,,,,suppressed" in csv  # n hidden with the value
        assert "09010,Álvaro Obregón,,,,0,no data" in csv
        assert page.get_attribute("#g4c-csv", "download") == "feel_safe_all_boroughs.csv"
        with page.expect_download() as dl:
            page.click("#g4c-csv")
        assert dl.value.suggested_filename == "feel_safe_all_boroughs.csv"
    report.assert_clean()


def test_csv_of_synthetic_map_says_so(maps):
    with offline_page(maps["es"]) as (page, report):
        page.wait_for_selector(PATHS)
        href = urllib.parse.unquote(page.get_attribute("#g4c-csv", "href"))
        assert href.splitlines()[0].endswith(",nota")
        assert "DATOS SINTÉTICOS" in href.splitlines()[1]
        assert page.get_attribute("#g4c-csv", "download").endswith("_synthetic.csv")
    report.assert_clean()


def test_controls_work_from_the_keyboard(maps):
    with offline_page(maps["en"]) as (page, report):
        page.wait_for_selector(PATHS)
        before = fills(page)
        page.focus("#g4c-indicator")
        page.keyboard.press("ArrowDown")  # next option: Has been discriminated against
        assert page.evaluate("document.activeElement.id") == "g4c-indicator"
        assert fills(page) != before
        assert "Has been discriminated against" in page.inner_text("#g4c-live")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "g4c-group"
    report.assert_clean()


def test_map_stays_usable_when_tiles_fail(maps):
    with offline_page(maps["tiles"]) as (page, report):
        page.wait_for_selector(PATHS)
        page.wait_for_timeout(300)
        assert page.locator(PATHS).count() == 16
        choose_indicator(page, "Tiene cuenta bancaria")
        assert area(page, IZTAPALAPA).get_attribute("data-status") == "no_data"
    assert report.page_errors == []
    assert all("Failed to load resource" in e for e in report.console_errors)
    assert report.external and all("tile.openstreetmap.org" in u for u in report.external)


def test_demo_study_map(bundled_results, tmp_path):
    from geo4mi.indicators.estimate import proportions
    results = bundled_results
    out = results.choropleth().save(tmp_path / "choropleth.html")
    assert out.stat().st_size <= 500_000
    # the map draws percentages: one option per proportion, none for the means and medians
    drawn = proportions(results.estimates)["indicator"].nunique()
    assert drawn < results.estimates["indicator"].nunique()
    with offline_page(out) as (page, report):
        page.wait_for_selector(PATHS)
        assert page.locator(PATHS).count() == 16
        assert page.locator("#g4c-indicator option").count() == drawn
        interviewed = int((results.interviews_per_area() > 0).sum())
        page.select_option("#g4c-indicator", index=0)
        shaded = page.locator(PATHS + ':not([data-status="no_data"])').count()
        assert shaded == interviewed  # "all respondents": every interviewed borough has n > 0
    report.assert_clean()


def test_city_fills_the_map_when_it_opens(maps):
    with offline_page(maps["es"]) as (page, report):
        page.wait_for_selector(PATHS)
        ratio = page.evaluate("""() => {
            const box = document.querySelector('.leaflet-container').getBoundingClientRect();
            const rects = [...document.querySelectorAll('path.leaflet-interactive')]
                .map(e => e.getBoundingClientRect());
            const w = Math.max(...rects.map(r => r.right)) - Math.min(...rects.map(r => r.left));
            const h = Math.max(...rects.map(r => r.bottom)) - Math.min(...rects.map(r => r.top));
            return Math.max(w / box.width, h / box.height);
        }""")
        # fractional zoom: the limiting side is filled to within one quarter zoom step
        assert 0.8 <= ratio <= 1.0
    report.assert_clean()


def _tab_to(page, area_id, limit=40):
    """Press Tab until the borough ``area_id`` has the focus; the areas passed on the way."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.getAttribute('data-area')")
        if focused:
            seen.append(focused)
        if focused == area_id:
            return seen
    raise AssertionError(f"Tab never reached borough {area_id}; reached {seen}")


def test_boroughs_are_reachable_and_read_out_from_the_keyboard(maps):
    with offline_page(maps["en"]) as (page, report):
        page.wait_for_selector(PATHS)
        page.focus("#g4c-scheme")
        seen = _tab_to(page, CUAUHTEMOC)
        tip = page.locator(".leaflet-tooltip .g4c-tip", has_text="Cuauhtémoc").inner_text()
        # readable lines, not one word per line (an absolutely placed box shrinks otherwise)
        assert page.locator(".leaflet-tooltip", has_text="Cuauhtémoc").bounding_box()["width"] \
            >= 200
        assert "Cuauhtémoc" in tip and "Value: 75 %" in tip and "95 % CI: 65–83 %" in tip
        label = page.evaluate("document.activeElement.getAttribute('aria-label')")
        assert label == ("Cuauhtémoc: Value: 75 %; 95 % CI: 65–83 %; "
                         "n (respondents answering): 80")
        assert seen[-1] == CUAUHTEMOC
        # every borough is on the Tab path, once each
        page.focus("#g4c-scheme")
        order = []
        for _ in range(20):
            page.keyboard.press("Tab")
            focused = page.evaluate("document.activeElement.getAttribute('data-area')")
            if focused:
                order.append(focused)
            elif order:
                break  # past the last borough
        assert len(order) == len(set(order)) == 16
        # explicit, for browsers that do not focus SVG shapes by themselves (Firefox)
        assert page.eval_on_selector_all(
            PATHS, "els => els.map(e => e.getAttribute('tabindex'))") == ["0"] * 16
        page.wait_for_timeout(400)  # Leaflet fades a closed tooltip out for 200 ms
        assert page.locator(".leaflet-tooltip").count() <= 1  # each closes on blur
        labels = page.eval_on_selector_all(
            PATHS, "els => els.map(e => e.getAttribute('aria-label'))")
        assert any(lab.endswith(": No interviews") for lab in labels)
        assert any(lab.endswith("Benito Juárez: Fewer than 10 respondents (suppressed)")
                   for lab in labels)
    report.assert_clean()


def test_complementary_suppression_is_explained_not_called_small(bundled_results, tmp_path):
    """A borough hidden only to protect a small one says so, in tooltip, label and legend."""
    from geo4mi.outputs import MapOptions

    results = bundled_results
    est = results.estimates
    extra = est[(est["suppression"] == "complementary") & (est["area_id"] != "_city")]
    offered = [g not in results.labels.same_question(i)  # pairs the page offers
               for i, g in zip(extra["indicator"], extra["group_var"], strict=True)]
    extra = extra[offered]
    row = extra.sort_values(["indicator", "group_var", "group_value", "area_id"]).iloc[0]
    out = results.choropleth(MapOptions(lang="en")).save(tmp_path / "c.html")
    with offline_page(out) as (page, report):
        page.wait_for_selector(PATHS)
        data = "geo4miChoropleth.current.data"
        ind = page.evaluate(f"{data}.indicators.findIndex(i => i.id === {row['indicator']!r})")
        grp = page.evaluate(f"{data}.groups.findIndex(g => g.var === {row['group_var']!r} "
                            f"&& g.value === {row['group_value']!r})")
        page.select_option("#g4c-indicator", str(ind))
        page.select_option("#g4c-group", str(grp))
        label = area(page, row["area_id"]).get_attribute("aria-label")
        assert label.endswith("cannot be worked out from the totals")  # and no n
        assert "Fewer than" not in label
        legend = page.inner_text(".g4c-legend")
        assert "Suppressed so that a small figure cannot be worked out" in legend
        page.select_option("#g4c-group", index=0)  # all respondents: the legend line only
        whole = est[(est["indicator"] == row["indicator"]) & (est["group_var"] == "all")
                    & (est["area_id"] != "_city")]  # where a whole-area figure is one
        expected = int(whole["suppression"].isin(["complementary",
                                                  "complementary_value"]).any())
        assert page.locator(".g4c-legend-complementary").count() == expected
    report.assert_clean()


def test_focusing_a_borough_brings_it_into_view(maps):
    with offline_page(maps["en"]) as (page, report):
        page.wait_for_selector(PATHS)
        # zoom in far on the north, so the southern boroughs are off screen
        page.evaluate("""() => { const api = geo4miChoropleth.current;
            api.layer._map.setView(api.layer.getLayers()[0].getCenter(), 14,
                                   {animate: false}); }""")

        def centre_on_screen(area_id):
            return page.evaluate("""(id) => { const api = geo4miChoropleth.current;
                const i = api.data.areas.findIndex(a => a.id === id);
                const l = api.layer.getLayers()[i];
                const p = l._map.latLngToContainerPoint(l.getCenter());
                const s = l._map.getSize();
                return p.x >= 0 && p.y >= 0 && p.x <= s.x && p.y <= s.y; }""",
                                 area_id)

        assert not centre_on_screen(IZTAPALAPA)
        page.focus("#g4c-scheme")
        _tab_to(page, IZTAPALAPA)
        assert centre_on_screen(IZTAPALAPA)
    report.assert_clean()


def test_language_links_keep_the_view(tmp_path):
    est, areas, labels = make_inputs()
    names = {"es": "choropleth.html", "en": "choropleth.en.html"}
    for code, name in names.items():
        write_choropleth(est, areas, labels, tmp_path / name, lang=code, min_n=MIN_N,
                         selected="feel_safe", alternates=names)
    with offline_page(tmp_path / "choropleth.html") as (page, report):
        page.wait_for_selector(PATHS)
        link = page.locator(".g4c-langs a")
        assert link.count() == 1 and link.inner_text() == "English"
        assert link.get_attribute("hreflang") == "en"
        choose_indicator(page, "Ha sufrido discriminación")
        view = page.evaluate("location.hash")
        with page.expect_navigation():
            link.click()
        assert page.url.split("#")[0].endswith("/choropleth.en.html")
        page.wait_for_selector(PATHS)
        assert page.evaluate("location.hash") == view
        assert page.evaluate("document.documentElement.lang") == "en"
        assert "Has been discriminated against" in page.inner_text(".g4c-legend")
        assert page.locator(".g4c-langs a").inner_text() == "Español"
    report.assert_clean()


def test_page_script_unpacks_cells_as_python_does(maps):
    """The page's unpack() and unpack_cells() read the same bytes the same way (varint n of
    one to three bytes, every status)."""
    import numpy as np

    from geo4mi.webmap.choropleth import (
        HIDDEN_BYTE,
        NO_DATA_BYTE,
        SMALL_BYTE,
        pack_cells,
        unpack_cells,
    )

    rng = np.random.default_rng(8)
    size = 200
    status = rng.choice([-1, NO_DATA_BYTE, SMALL_BYTE, HIDDEN_BYTE], size=size)
    ok = status == -1
    p = rng.integers(0, 101, size)
    pct = np.stack([p, np.maximum(p - 7, 0), np.minimum(p + 9, 100)])[:, ok]
    n = rng.choice([10, 127, 128, 20_000, 3_000_000], size=size)[ok]
    packed = pack_cells(np.where(ok, p, status), pct, rng.integers(0, 8, size)[ok],
                        rng.integers(0, 125, size)[ok], n)
    with offline_page(maps["es"]) as (page, report):
        page.wait_for_selector(PATHS)
        cells = page.evaluate("([s, k]) => geo4miChoropleth.unpack(s, k)", [packed, size])
    assert cells == unpack_cells(packed, size)
    assert any(isinstance(c, list) and c[3] == 3_000_000 for c in cells)
    report.assert_clean()
