"""Switching the choropleth's map on a page of many areas, in a real browser.

At thousands of areas a switch was slow for reasons that no small page shows: the label pass
read every label's box again (two layouts of the whole page) although only the labels'
order changes, and the table under the map (a row per area) was rewritten and laid out at
every change. These tests count what the browser does (layouts, via the DevTools protocol)
and check what the reader gets, never time.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest
from browser import layout_counter, offline_page
from playwright.sync_api import expect

from geo4mi.webmap.assets import render_offline_html
from geo4mi.webmap.choropleth import _example_row, choropleth_map, example_inputs

pytestmark = pytest.mark.browser
N_AREAS = 600  # above the canvas renderer's threshold (choropleth.js, CANVAS_ABOVE)

# the labels in the page (a name with no room is not): name, text, hidden, moved, shortened
LABELS = """() => [...document.querySelectorAll('[data-g4o-rank]')].map(e =>
  [e.getAttribute('data-g4o-name'), e.textContent, e.classList.contains('g4o-clash'),
   e.style.translate, e.hasAttribute('data-g4o-abbr')])"""
MAP = "(() => { const b = document.querySelector('.folium-map'); return window[b.id]; })()"


def counts(indicator: str) -> list[tuple[int, int]]:
    """(n, k) per area: each indicator its own n, so that the labels' order changes."""
    step = 7 if indicator == "feel_safe" else 11
    return [(20 + (k * step) % 23, 5 + k % 11) for k in range(N_AREAS)]


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """A choropleth of 600 small units, two indicators whose n differ per unit (its data
    packed, as on every page of many areas: :data:`~geo4mi.webmap.choropleth.COMPRESS_ABOVE`)."""
    import pandas as pd

    _, _, labels = example_inputs()
    grid, rows = many_inputs()
    page = tmp_path_factory.mktemp("many") / "choropleth.html"
    page.write_text(render_offline_html(choropleth_map(pd.DataFrame(rows), grid, labels,
                                                       lang="en")), encoding="utf-8")
    return page


def many_inputs():
    """The 600 units (a grid over the bundled boroughs) and their estimates rows."""
    import geopandas as gpd
    from shapely.geometry import box

    _, areas, _ = example_inputs()
    x0, y0, x1, y1 = areas.to_crs(4326).total_bounds
    step_x, step_y = (x1 - x0) / 30, (y1 - y0) / 20
    cells = [box(x0 + i * step_x, y0 + j * step_y, x0 + (i + 1) * step_x,
                 y0 + (j + 1) * step_y) for i in range(30) for j in range(20)]
    ids = [f"09{k:011d}" for k in range(N_AREAS)]
    grid = gpd.GeoDataFrame({"area_id": ids, "area_name": [f"Manzana{k:04d}" for k in
                                                           range(N_AREAS)]},
                            geometry=cells, crs=4326).to_crs(areas.crs)
    rows = []
    for ind in ("feel_safe", "discriminated"):
        cells_ = counts(ind)
        city = tuple(sum(c) for c in zip(*cells_, strict=True))
        rows += [_example_row(ind, a, n, k)
                 for a, (n, k) in [("_city", city), *zip(ids, cells_, strict=True)]]
    return grid, rows


@pytest.fixture(scope="module")
def many_plain(many, tmp_path_factory):
    """The same page with its data as plain JSON (not packed: the map is drawn before the
    labels' script runs)."""
    import pandas as pd

    from geo4mi.webmap import choropleth

    _, _, labels = example_inputs()
    page = tmp_path_factory.mktemp("many_plain") / "choropleth.html"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(choropleth, "COMPRESS_ABOVE", 10**12)
        grid, rows = many_inputs()
        page.write_text(render_offline_html(choropleth_map(pd.DataFrame(rows), grid, labels,
                                                           lang="en")), encoding="utf-8")
    assert "z" not in page_data(page) and "z" in page_data(many)
    return page


def page_data(page):
    """The page's data block (``z``: packed)."""
    text = page.read_text(encoding="utf-8")
    return json.loads(text.split('id="g4c-data">')[1].split("</script>")[0])


# counts, from the page's first script on, the label boxes read (one per label and pass) and
# the label placements (each writes the map's data-g4o-shown-labels)
COUNT_LABEL_WORK = """window.g4Work = {reads: 0, placements: 0};
(function () {
  var box = Element.prototype.getBoundingClientRect, set = Element.prototype.setAttribute;
  Element.prototype.getBoundingClientRect = function () {
    if (this.hasAttribute('data-g4o-rank')) { window.g4Work.reads++; }
    return box.call(this);
  };
  Element.prototype.setAttribute = function (name, value) {
    if (name === 'data-g4o-shown-labels') { window.g4Work.placements++; }
    return set.call(this, name, value);
  };
})();"""

# every unit's name shown, whole or shortened, in place (not moved): its box (relative to
# the map) as the browser draws it, and as the last pass worked it out without drawing it
WORKED_BOXES = """(map) => {
  const kept = map.g4oBoxes, origin = map.getContainer().getBoundingClientRect(), out = [];
  kept.items.forEach((it, k) => {
    if (!it.isName || !it.shown) { return; }
    const span = it.icon.firstChild, short = span.hasAttribute('data-g4o-abbr');
    const move = span.style.translate;
    span.style.translate = '';
    const r = span.getBoundingClientRect(), s = short ? kept.shortBoxes[k] : kept.boxes[k];
    span.style.translate = move;
    out.push([[r.left - origin.left, r.right - origin.left, r.top - origin.top,
               r.bottom - origin.top], [s.left, s.right, s.top, s.bottom], short]);
  });
  return out;
}"""


def worked_out_as_drawn(boxes) -> bool:
    """Each worked-out box holds the drawn one, at most 1/16 px wider on each side (names
    are measured on a canvas, which agrees with the page within 0.02 px, and rounded up),
    and as high."""
    return all(w[0] <= d[0] <= w[0] + 1 / 16 and w[1] - 1 / 16 <= d[1] <= w[1]
               and d[2:] == w[2:] for d, w, _ in boxes)


@pytest.mark.parametrize("packed", [True, False], ids=["packed", "plain"])
def test_the_first_render_places_the_labels_once_at_the_view_shown(many, many_plain, packed):
    """A packed page (every page of many areas) draws its map once the data is inflated,
    after the labels' script has run: the labels were placed at the view the map opens
    with, then twice more as the map was fitted to the city (zoomend, moveend) and again
    for the legend, each pass reading every label's box, in full and then shortened (a
    layout of every label each: a third of the first render at 2,431 units). Now they are
    drawn once the map is fitted and placed once, reading no label's box: each is worked
    out from its point and its text's size (on a plain page too), where the browser draws
    it; only the names shown are in the page; and a fresh pass places them the same."""
    with offline_page(None, width=1280, height=800) as (page, report):
        page.add_init_script(COUNT_LABEL_WORK)
        page.goto((many if packed else many_plain).resolve().as_uri())
        page.wait_for_selector("[data-g4o=ready]")
        page.wait_for_function("document.getElementById('g4c-caption').textContent !== ''")
        page.wait_for_timeout(100)
        work = page.evaluate("() => window.g4Work")
        assert work == {"reads": 0, "placements": 1}, work
        after = page.evaluate(LABELS)
        assert sum(1 for a in after if a[4]) > 0  # some labels shortened to fit
        assert 10 <= len(after) < N_AREAS and not any(a[2] for a in after)  # shown only
        page.evaluate(f"() => geo4miOrientation.declutter({MAP})")
        assert page.evaluate(LABELS) == after
        boxes = page.evaluate(f"() => ({WORKED_BOXES})({MAP})")
        assert len(boxes) == len(after) and any(short for _, _, short in boxes)
        assert worked_out_as_drawn(boxes), boxes[:3]
    report.assert_clean()


def switch_to(page, indicator: str) -> str | None:
    """Show ``indicator``; the table's aria-busy right after (same task)."""
    return page.evaluate("""(id) => { const sel = document.getElementById('g4c-indicator');
        const data = geo4miChoropleth.current.data;
        sel.value = String(data.indicators.findIndex(i => i.id === id));
        sel.dispatchEvent(new Event('change'));
        return document.getElementById('g4c-table').getAttribute('aria-busy'); }""", indicator)


def test_a_switch_lays_the_page_out_once_and_places_the_labels_as_a_fresh_pass(many):
    """The labels' boxes are kept from the last pass of the same view: a switch reads only
    the controls' boxes (one layout, and perhaps one more for a frame drawn before the
    count is read; before, two for the labels' boxes and one for the address), and places
    the labels exactly as a pass that reads every box again."""
    with offline_page(many, width=1280, height=800) as (page, report):
        page.wait_for_selector("[data-g4o=ready]")
        page.wait_for_function("document.getElementById('g4c-caption').textContent !== ''")
        before = page.evaluate(LABELS)
        layouts = layout_counter(page)

        start = layouts()
        switch_to(page, "discriminated")
        forced = layouts() - start  # those forced in the switch, perhaps a frame's
        after = page.evaluate(LABELS)
        page.evaluate(f"() => geo4miOrientation.declutter({MAP})")
        assert page.evaluate(LABELS) == after  # a fresh pass places them the same
        assert forced <= 2, forced
        assert 10 <= len(after) < N_AREAS and not any(a[2] for a in after)  # shown only
        assert after != before  # another n per unit: another order, other labels shown
    report.assert_clean()


def table_values(page) -> dict[str, str]:
    return dict(page.evaluate("""() => [...document.querySelectorAll('#g4c-table tbody tr')]
        .map(r => [r.cells[0].textContent, r.cells[1].textContent])"""))


def test_the_table_of_many_areas_catches_up_in_view_and_the_csv_at_once(many):
    """Above 500 areas the table's rows are rewritten when they matter (in view, printing,
    a pause): until then the table says it is busy, and its caption and the CSV link
    already carry the map shown."""
    with offline_page(many, width=1280, height=500) as (page, report):
        page.wait_for_selector("[data-g4o=ready]")
        page.wait_for_function("document.getElementById('g4c-caption').textContent !== ''")
        assert page.evaluate("""() => document.querySelector('.g4c-table-wrap')
            .getBoundingClientRect().top > innerHeight + 200""")  # off screen, not near
        table = page.locator("#g4c-table")
        expect(table).not_to_have_attribute("aria-busy", "true", timeout=10_000)
        first = table_values(page)
        assert len(first) == N_AREAS + 1
        assert switch_to(page, "discriminated") == "true"  # off screen: later
        assert "discriminated" in page.inner_text("#g4c-caption").lower()
        href = urllib.parse.unquote(page.get_attribute("#g4c-csv", "href"))
        csv = {line.split(",")[1]: line.split(",")[2] for line in href.splitlines()[1:]}
        page.locator(".g4c-table-wrap").scroll_into_view_if_needed()
        expect(table).not_to_have_attribute("aria-busy", "true", timeout=10_000)
        now = table_values(page)
        assert now != first
        for name, shown in now.items():  # the table and the CSV: the same map
            if name != "Whole city":
                assert shown == (csv[name] + " %" if csv[name] else "—"), name
        assert switch_to(page, "feel_safe") is None  # in view: rewritten at once
        assert table_values(page) == first
        page.evaluate("() => window.scrollTo(0, 0)")
        page.wait_for_timeout(200)  # the observer hears the table left the screen
        assert switch_to(page, "discriminated") == "true"
        page.emulate_media(media="print")
        expect(table).not_to_have_attribute("aria-busy", "true", timeout=10_000)
        assert table_values(page) == now
    report.assert_clean()
