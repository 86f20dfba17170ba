"""Legend entries stay apart for every reader: CIEDE2000 >= 10 between every pair.

Readers: colour vision, a grayscale print, and deuteranopia / protanopia simulated with the
Machado (2009) matrices (geo4mi.webmap.legibility). Entries: the five class colours and the
two patterns (no interviews: dots; suppressed: hatching), a pattern seen as its mean colour.
The wide-interval entry is not a colour: the class colour outlined with dashes, so it is
checked for keeping the class colour exactly.

Checked twice: from the styling rules (every direction and every number of classes), and on
the pixels of the legend swatches the browser really draws.
"""

from __future__ import annotations

import io
from itertools import combinations

import numpy as np
import pytest
from browser import offline_page
from test_webmap_choropleth import MIN_N, make_inputs

from geo4mi import classify
from geo4mi.webmap.choropleth import write_choropleth
from geo4mi.webmap.legibility import VISIONS, closest_pairs, delta_e, hex_to_linear, mix

MIN_DELTA_E = 10
DIRECTIONS = ("higher_worse", "higher_better", "neutral")


def pattern_colours() -> dict[str, np.ndarray]:
    """Mean colours of the two patterns, from their geometry (as choropleth.js draws them)."""
    dot, tile = classify.NO_DATA_DOTS
    width, size = classify.SUPPRESSED_HATCH
    return {
        "no data": mix([(classify.NO_DATA_DOT_COLOR, dot * dot),
                        (classify.NO_DATA_COLOR, tile * tile - dot * dot)]),
        "suppressed": mix([(classify.SUPPRESSED_HATCH_COLOR, width),
                           (classify.SUPPRESSED_COLOR, size - width)]),
    }


def entries(direction: str, k: int = classify.K) -> dict[str, np.ndarray]:
    out = {f"class {i + 1}": mix([(c, classify.OPACITY), ("#ffffff", 1 - classify.OPACITY)])
           for i, c in enumerate(classify.palette(direction, k))}
    return {**out, **pattern_colours()}


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_every_pair_of_legend_entries_is_apart_for_every_reader(direction, k):
    pairs = closest_pairs(entries(direction, k))
    assert len(pairs) == len(VISIONS) * (k + 2) * (k + 1) // 2
    assert pairs[0][0] >= MIN_DELTA_E, pairs[:3]


def test_the_old_grey_would_fail():
    """The check bites: the former plain grey "no interviews" sat on the 20-40 % class."""
    old = {"no data": mix([("#b0b0b0", 0.85), ("#f4f4f2", 0.15)]),
           "class 2": mix([("#fdbe56", 0.85), ("#f4f4f2", 0.15)])}  # old YlOrRd 20-40 %
    assert closest_pairs(old)[0][0] < 5


def test_classes_darken_with_the_value_for_every_reader():
    for direction in DIRECTIONS:
        colours = [hex_to_linear(c) for c in classify.palette(direction)]
        for vision in VISIONS:
            lightness = [delta_e(c, hex_to_linear("#ffffff"), vision) for c in colours]
            assert lightness == sorted(lightness), (direction, vision)


# -- the swatches the browser draws -------------------------------------------------------

def swatch_colour(png: bytes) -> np.ndarray:
    """Mean linear RGB of a swatch screenshot, its 3-px border left out."""
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)[3:-3, 3:-3]
    s = pixels.reshape(-1, 3) / 255
    lin = np.where(s <= 0.04045, s / 12.92, ((s + 0.055) / 1.055) ** 2.4)
    return lin.mean(axis=0)


@pytest.mark.browser
@pytest.mark.parametrize("indicator", ["feel_safe", "discriminated"])
def test_drawn_swatches_are_apart_for_every_reader(tmp_path, indicator):
    est, areas, labels = make_inputs()
    path = write_choropleth(est, areas, labels, tmp_path / "m.html", lang="en", min_n=MIN_N,
                            selected=indicator)
    with offline_page(path) as (page, report):
        page.wait_for_selector("path.leaflet-interactive")
        items = page.locator(".g4c-legend li")
        drawn = {}
        for i in range(items.count()):
            item = items.nth(i)
            kind = item.get_attribute("class") or f"class {item.get_attribute('data-class')}"
            if kind in ("g4c-legend-wide", "g4c-legend-complementary"):
                continue  # the outline entry; the same hatching as "suppressed"
            drawn[kind] = swatch_colour(item.locator("svg").screenshot())
        # the wide-interval swatch is the dashed outline only (no fill of its own)
        assert page.get_attribute(".g4c-legend-wide rect", "fill") == "#ffffff"
        assert page.get_attribute(".g4c-legend-wide rect[stroke-dasharray]", "fill") == "none"
    report.assert_clean()
    assert {"g4c-legend-nodata", "g4c-legend-suppressed"} <= set(drawn) and len(drawn) == 7
    pairs = closest_pairs(drawn)
    assert pairs[0][0] >= MIN_DELTA_E, pairs[:3]
    # the patterns drawn are the patterns of the rules (mean colour within ΔE 3)
    for name, rule in pattern_colours().items():
        key = "g4c-legend-nodata" if name == "no data" else "g4c-legend-suppressed"
        assert delta_e(drawn[key], rule) < 3, name


def test_pairs_are_all_compared():
    names = list(entries("neutral"))
    assert len(list(combinations(names, 2))) == 21
