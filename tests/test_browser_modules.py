"""The maps' JavaScript modules (``geo4mi.choropleth.*``, ``geo4mi.sites.*``,
``geo4mi.orientation``, ``geo4mi.common``) called one function at a time in headless Chromium.

The page inlines the three map scripts without drawing a map, so each pure helper is tested
alone: numbers in the page's language, the packed values decoded against the Python
encoder's input, class lookup and labels, CSV rows, the address, label shortening, the
workshop's GeoJSON checks and the overlap grouping. Expected values are written here, not
taken from the code under test.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from browser import offline_page
from hostile import FORMULA_STARTS

from geo4mi.webmap.assets import (
    STATIC,
    OfflineMap,
    Verbatim,
    common_script,
    inline_static,
    render_offline_html,
    write_html,
)
from geo4mi.webmap.choropleth import HIDDEN_BYTE, NO_DATA_BYTE, SMALL_BYTE, pack_cells

MODULES = {
    "choropleth": ["data", "style", "words", "legend", "table", "finder", "print", "png",
                   "view", "controls"],
    "sites": ["geojson", "layers", "groups", "candidates", "print"],
}


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("modules")
    out = {}
    for lang in ("es", "en"):
        m = OfflineMap(lang=lang, title="modules")
        m.add_child(common_script())
        for name in ("choropleth.js", "sites.js", "orientation.js"):
            m.add_child(Verbatim.script(inline_static(name), part="header"))
        out[lang] = write_html(render_offline_html(m), folder / f"modules.{lang}.html")
    return out


@pytest.mark.browser
def test_one_namespace_with_every_module(pages):
    with offline_page(pages["en"]) as (page, report):
        got = page.evaluate("""() => ({
            top: Object.keys(geo4mi).sort(),
            choropleth: Object.keys(geo4mi.choropleth).sort(),
            sites: Object.keys(geo4mi.sites).sort(),
            same: [geo4mi.common === geo4miCommon, geo4mi.choropleth === geo4miChoropleth,
                   geo4mi.sites === geo4miSites, geo4mi.orientation === geo4miOrientation]
        })""")
    report.assert_clean()
    assert got["top"] == ["choropleth", "common", "orientation", "sites"]
    assert set(MODULES["choropleth"]) | {"init", "decode", "unpack"} <= set(got["choropleth"])
    assert set(MODULES["sites"]) | {"init"} <= set(got["sites"])
    assert got["same"] == [True] * 4


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "expected"), [
    ("es", ["0 %", "100 %", "0,0 %", "100,0 %", "0–100 %", "12.345,5", "7"]),
    ("en", ["0 %", "100 %", "0.0 %", "100.0 %", "0–100 %", "12,345.5", "7"]),
])
def test_numbers_in_the_pages_language_at_the_edges(pages, lang, expected):
    with offline_page(pages[lang]) as (page, report):
        got = page.evaluate("""() => { const f = geo4mi.common.numbers();
            return [f.percent(0), f.percent(100), f.percent(0, 1), f.percent(100, 1),
                    f.range(0, 100), f.decimal(12345.5, 1), f.integer(6.5)]; }""")
    report.assert_clean()
    assert got == expected


# One row as the Python encoder receives it: six area columns, three of them published.
# ok cells: (p, ci_low, ci_high, n, flags, (fixed, quantiles, natural_breaks) classes)
OK_CELLS = [(0, 0, 4, 12, 0, (0, 0, 0)),
            (100, 88, 100, 300, 2, (4, 4, 3)),
            (37, 30, 45, 130_000, 7, (1, 2, 3))]
HEAD = [0, NO_DATA_BYTE, 100, SMALL_BYTE, HIDDEN_BYTE, 37]


def packed_row():
    pct = np.array([[c[0] for c in OK_CELLS], [c[1] for c in OK_CELLS],
                    [c[2] for c in OK_CELLS]])
    flags = np.array([c[4] for c in OK_CELLS])
    classes = np.array([f * 25 + q * 5 + nb for f, q, nb in (c[5] for c in OK_CELLS)])
    n = np.array([c[3] for c in OK_CELLS])
    return pack_cells(np.array(HEAD), pct, flags, classes, n)


def expected_cell(cell, scheme):
    p, lo, hi, n, flags, classes = cell
    cls = classes[["fixed", "quantiles", "natural_breaks"].index(scheme)]
    return {"status": "ok", "p": p, "lo": lo, "hi": hi, "n": n, "cls": cls,
            "wide": bool(flags & 1), "above": bool(flags & 2), "below": bool(flags & 4)}


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["fixed", "quantiles", "natural_breaks"])
def test_a_packed_row_decodes_to_the_encoders_input(pages, scheme):
    with offline_page(pages["en"]) as (page, report):
        got = page.evaluate("""([packed, n, scheme]) => {
            const D = geo4mi.choropleth.data;
            return D.unpack(packed, n).map(function (c) { return D.decode(c, scheme); });
        }""", [packed_row(), len(HEAD), scheme])
    report.assert_clean()
    ok = iter(OK_CELLS)
    expected = [expected_cell(next(ok), scheme), {"status": "no_data", "n": 0},
                expected_cell(next(ok), scheme), {"status": "suppressed", "small": True},
                {"status": "suppressed", "small": False}, expected_cell(next(ok), scheme)]
    assert got == expected


@pytest.mark.browser
def test_class_lookup_breaks_and_labels(pages):
    with offline_page(pages["es"]) as (page, report):
        got = page.evaluate("""() => {
            const ch = geo4mi.choropleth, D = ch.data, fmt = geo4mi.common.numbers();
            const data = { fixed: [200, 400, 600, 800, 1000] };
            const row = [0, "", [100, 500, 1000], 0];
            return {
              classes: [D.classOf(7123, "fixed"), D.classOf(7123, "quantiles"),
                        D.classOf(7123, "natural_breaks"), D.classOf(0, "fixed")],
              breaks: [D.breaksOf(data, row, "fixed"), D.breaksOf(data, row, "quantiles"),
                       D.breaksOf(data, row, "natural_breaks")],
              fellBack: [D.fellBack(row, "fixed"), D.fellBack(row, "quantiles"),
                         D.fellBack(row, "natural_breaks")],
              whole: ch.legend.classLabels([200, 400, 600, 800, 1000], fmt),
              close: ch.legend.classLabels([5, 10, 1000], fmt),
              edges: [ch.style.edgeOn("#ffffcc", {edge: "#222222", edge_light: "#fafafa"}),
                      ch.style.edgeOn("#08306b", {edge: "#222222", edge_light: "#fafafa"}),
                      ch.style.edgeOn(null, {edge: "#222222", edge_light: "#fafafa"})]
            };
        }""")
    report.assert_clean()
    assert got["classes"] == [1, 2, 3, 0]
    # a scheme without breaks of its own (0: too few distinct values) falls back to fixed
    assert got["breaks"] == [[200, 400, 600, 800, 1000], [100, 500, 1000],
                             [200, 400, 600, 800, 1000]]
    assert got["fellBack"] == [False, False, True]
    assert got["whole"] == ["0–20 %", "20–40 %", "40–60 %", "60–80 %", "80–100 %"]
    # 0.5 % and 1 % would both round to "1": one decimal for every bound after the first
    assert got["close"] == ["0–0,5 %", "0,5–1,0 %", "1,0–100,0 %"]
    assert got["edges"] == ["#222222", "#fafafa", "#222222"]


T = {"no_interviews_n": "no interviews", "suppressed": "too few",
     "suppressed_complementary": "hidden to protect another", "differs_above": "above",
     "differs_below": "below", "wide_interval": "wide", "csv_suppressed": "suppressed",
     "csv_no_data": "no data", "synthetic": "SYNTHETIC", "csv_file": "table"}


@pytest.mark.browser
def test_words_and_csv_rows_for_every_status(pages):
    with offline_page(pages["es"]) as (page, report):
        got = page.evaluate("""(T) => {
            const ch = geo4mi.choropleth;
            const ok = {status: "ok", p: 33.5, lo: 0, hi: 100, n: 1234, wide: true, above: true};
            const cells = [ok, {status: "no_data", n: 0}, {status: "suppressed", small: true},
                           {status: "suppressed", small: false}];
            return {
              notes: cells.map(function (c) { return ch.words.notes(T, c); }),
              rows: [ch.table.csvRow(T, {id: "a1", name: "=SUM(A1)", c: ok}, false),
                     ch.table.csvRow(T, {city: true, name: "Ciudad", c: cells[1]}, true),
                     ch.table.csvRow(T, {id: "b", name: "B; c", c: cells[2]}, false)],
              names: [ch.table.csvName(T, {id: "safe"}, {var: "all", value: ""}, false),
                      ch.table.csvName(T, {id: "safe"}, {var: "sex", value: "f"}, true)]
            };
        }""", T)
    report.assert_clean()
    assert got["notes"] == [["above", "wide"], ["no interviews"], ["too few"],
                            ["hidden to protect another"]]
    # machine numbers in a Spanish page, a formula-like name made text, n never for hidden
    assert got["rows"] == ["a1,'=SUM(A1),33.5,0,100,1234,ok",
                           "_city,Ciudad,,,,0,no data,SYNTHETIC",
                           'b,"B; c",,,,,suppressed']
    assert not got["rows"][0].split(",")[1].startswith(FORMULA_STARTS)
    assert got["names"] == ["safe_all_table.csv", "safe_sex-f_table_synthetic.csv"]


@pytest.mark.browser
def test_address_and_label_shortening(pages):
    with offline_page(pages["en"]) as (page, report):
        got = page.evaluate("""() => {
            const V = geo4mi.choropleth.view, O = geo4mi.orientation;
            return {
              hash: [V.parseHash("#a%2Fb/sex%3Af/quantiles"), V.parseHash("#x/y"),
                     V.parseHash("#bad%/x/y"), V.parseHash("")],
              short: ["Villa Nueva", "Northumberland", "Roma", "San  Pedro de  los Pinos",
                      "Tlalpan"].map(O.abbreviation),
              meets: [O.meets({left: 0, right: 10, top: 0, bottom: 10},
                              {left: 11, right: 20, top: 0, bottom: 10}, 2),
                      O.meets({left: 0, right: 10, top: 0, bottom: 10},
                              {left: 13, right: 20, top: 0, bottom: 10}, 2)]
            };
        }""")
    report.assert_clean()
    assert got["hash"] == [["a/b", "sex:f", "quantiles"], None, None, None]
    assert got["short"] == ["V. Nueva", "North.", "Roma", "S. P. d. l. Pinos", "Tlalp."]
    assert got["meets"] == [True, False]


CONFIG = {"types": {"school": {}, "clinic": {}}, "type_order": ["school", "clinic"],
          "name_max": 10, "notes_max": 12}
TEXT = {"bad_json": "not JSON", "bad_collection": "not a FeatureCollection",
        "too_many": "more than {max}", "bad_point": "feature {i}: not a point",
        "bad_name": "feature {i}: name (at most {max})", "bad_type": "feature {i}: {types}",
        "bad_notes": "feature {i}: notes (at most {max})"}


def feature(name="Sala", type_="school", notes=None, coords=(-99.1, 19.4)):
    props = {"name": name, "type": type_}
    if notes is not None:
        props["notes"] = notes
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Point", "coordinates": list(coords)}}


@pytest.mark.browser
def test_workshop_geojson_is_checked_as_sites_import_does(pages):
    import json

    def doc(*features):
        return json.dumps({"type": "FeatureCollection", "features": list(features)})

    cases = [
        "\ufeff" + doc(feature("  Sala\u00a0 azul ", notes="a\tb"), feature(type_="clinic")),
        "{nope", json.dumps({"type": "Feature"}),
        doc(feature(), feature(coords=(200, 0))),
        doc(feature(name="x" * 11)), doc(feature(name="bell\u0007")),
        doc(feature(type_="house")), doc(feature(notes="n" * 13)), doc(feature(notes=5)),
    ]
    with offline_page(pages["es"]) as (page, report):
        got = page.evaluate("""([cases, config, text]) => {
            const G = geo4mi.sites.geojson, fmt = geo4mi.common.numbers();
            return {
              parsed: cases.map(function (raw) { return G.parseSites(raw, config, text, fmt); }),
              out: G.featureCollection([{name: "A", type: "school", notes: "",
                                         lat: 19.123456789, lng: -99.987654321}]),
              files: [G.fileName("sites.geojson", ""), G.fileName("sites.geojson", "Grupo Ñandú 2"),
                      G.fileName("candidatos", "  ")],
              inside: [[0.5, 0.5], [2.5, 2.5], [5, 5]].map(function (p) {
                return G.inGeometry({type: "Polygon", coordinates: [
                  [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]],
                  [[2, 2], [3, 2], [3, 3], [2, 3], [2, 2]]]}, p[0], p[1]);
              })
            };
        }""", [cases, CONFIG, TEXT])
    report.assert_clean()
    assert got["parsed"] == [
        [{"name": "Sala azul", "type": "school", "notes": "a b", "lat": 19.4, "lng": -99.1},
         {"name": "Sala", "type": "clinic", "notes": "", "lat": 19.4, "lng": -99.1}],
        "not JSON", "not a FeatureCollection", "feature 2: not a point",
        "feature 1: name (at most 10)", "feature 1: name (at most 10)",
        "feature 1: school, clinic", "feature 1: notes (at most 12)",
        "feature 1: notes (at most 12)"]
    assert got["out"]["features"][0]["geometry"]["coordinates"] == [-99.987654, 19.123457]
    assert got["out"]["features"][0]["properties"] == {"name": "A", "type": "school",
                                                       "notes": ""}
    assert got["files"] == ["sites.geojson", "sites_grupo_nandu_2.geojson", "candidatos"]
    assert got["inside"] == [True, False, False]  # in the ring, in the hole, outside


@pytest.mark.browser
def test_symbols_that_overlap_merge_in_order(pages):
    with offline_page(pages["en"]) as (page, report):
        got = page.evaluate("""() => geo4mi.sites.groups.mergeOverlaps([
            {x: 0, y: 0, size: 24, members: ["a"]}, {x: 100, y: 0, size: 24, members: ["b"]},
            {x: 20, y: 10, size: 24, members: ["c"]}, {x: 126, y: 0, size: 24, members: ["d"]}
        ])""")
    report.assert_clean()
    # a and c stand 20 px apart (< 24 + 2): one symbol at their mean; b and d 26 px: apart
    assert got == [{"x": 10, "y": 5, "size": 30, "members": ["a", "c"]},
                   {"x": 100, "y": 0, "size": 24, "members": ["b"]},
                   {"x": 126, "y": 0, "size": 24, "members": ["d"]}]


# -- the code's shape (no browser) ---------------------------------------------------------

_HEAD = re.compile(r"(?:function\s+([A-Za-z_$][\w$]*)\s*\(|"
                   r"([A-Za-z_$][\w$.]*)\s*[:=]\s*function\s*\w*\s*\()")


def function_lengths(text: str) -> dict[str, int]:
    """Lines of each named function (brace matching; strings, comments, regexes skipped)."""
    out = {}
    for m in _HEAD.finditer(text):
        j, depth = text.index("{", m.end()), 0
        while True:
            c = text[j]
            if c in "\"'":
                j += 1
                while text[j] != c:
                    j += 2 if text[j] == "\\" else 1
            elif text.startswith("//", j):
                j = text.index("\n", j)
            elif text.startswith("/*", j):
                j = text.index("*/", j) + 1
            elif c == "/" and re.search(r"(?:[(,=:\[!&|?{};]|return)\s*$", text[j - 12:j]):
                j += 1
                while text[j] != "/":
                    if text[j] == "[":
                        j = text.index("]", j)
                    j += 2 if text[j] == "\\" else 1
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        name = m.group(1) or m.group(2)
        out[name] = text.count("\n", m.start(), j) + 1
    return out


def test_no_function_is_long():
    lengths = {}
    for path in sorted(Path(STATIC).glob("*.js")):
        for name, n in function_lengths(path.read_text(encoding="utf-8")).items():
            lengths[f"{path.name}:{name}"] = n
    assert len(lengths) > 150  # the measure found the functions
    assert max(lengths.values()) <= 60, sorted(lengths.items(), key=lambda kv: -kv[1])[:3]
    assert function_lengths("function a() {\n  var s = '}';\n  return /}/;\n}\n") == {"a": 4}
