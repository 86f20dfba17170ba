"""A big choropleth page carries its values and outlines gzipped; the browser inflates them.

The bundled study's pages are below :data:`~geo4mi.webmap.choropleth.COMPRESS_ABOVE` and
stay plain JSON; here the threshold is lowered so that the small test page is packed, and
the packed page must draw exactly what the plain one draws.
"""

from __future__ import annotations

import json
import re

import pytest
from browser import offline_page
from test_webmap_choropleth import MIN_N, make_inputs

from geo4mi.webmap import choropleth
from geo4mi.webmap.choropleth import unpack_page_data, write_choropleth

pytestmark = pytest.mark.browser
PATHS = "path.leaflet-interactive"


def page_data(path):
    block = re.search(r'<script type="application/json" id="g4c-data">(.*?)</script>',
                      path.read_text(encoding="utf-8"), re.S)
    return json.loads(block.group(1))


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    est, areas, labels = make_inputs()
    folder = tmp_path_factory.mktemp("packed")
    plain = write_choropleth(est, areas, labels, folder / "plain.html", lang="en",
                             min_n=MIN_N, selected="feel_safe")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(choropleth, "COMPRESS_ABOVE", 0)
        packed = write_choropleth(est, areas, labels, folder / "packed.html", lang="en",
                                  min_n=MIN_N, selected="feel_safe")
        again = write_choropleth(est, areas, labels, folder / "again.html", lang="en",
                                 min_n=MIN_N, selected="feel_safe")
    return {"plain": plain, "packed": packed, "again": again}


def test_packed_page_holds_the_same_data_and_is_deterministic(pages):
    plain, packed = page_data(pages["plain"]), page_data(pages["packed"])
    assert "z" not in plain and "v" in plain and "geometry" in plain
    assert "v" not in packed and "geometry" not in packed and isinstance(packed["z"], str)
    assert unpack_page_data(packed) == plain
    assert pages["packed"].read_bytes() == pages["again"].read_bytes()


def drawn(page):
    """Wait for the first draw; return each area's fill, the caption and the data rows."""
    page.wait_for_function("document.getElementById('g4c-caption').textContent !== ''")
    page.wait_for_selector(PATHS)
    fills = page.eval_on_selector_all(
        PATHS, "els => els.map(e => [e.getAttribute('data-area'), e.getAttribute('fill')])")
    return sorted(fills), page.inner_text("#g4c-caption"), page.inner_text("#g4c-table")


# a browser without Uint8Array.fromBase64 (Chromium before 140, Firefox before 133): the
# page decodes the base64 itself
NO_FROM_BASE64 = "delete Uint8Array.fromBase64;"


@pytest.mark.parametrize("decoder", ["fromBase64", "atob"])
def test_packed_page_draws_and_switches_as_the_plain_one(pages, decoder):
    seen = {}
    for name in ("plain", "packed"):
        with offline_page(None) as (page, report):
            if decoder == "atob":
                page.add_init_script(NO_FROM_BASE64)
            page.goto(pages[name].resolve().as_uri())
            assert page.evaluate("typeof Uint8Array.fromBase64") == (
                "undefined" if decoder == "atob" else "function")
            first = drawn(page)
            page.select_option("#g4c-indicator", index=0)
            page.select_option("#g4c-group", index=1)
            switched = drawn(page)
        report.assert_clean()
        assert report.requests == [pages[name].resolve().as_uri()]  # nothing fetched
        seen[name] = (first, switched)
    assert seen["packed"] == seen["plain"]
    assert len(seen["plain"][0][0]) == 16 and seen["plain"][0] != seen["plain"][1]
