"""The maps' shared page helpers (``static/common.js``, ``window.geo4miCommon``) called one by
one in a real headless Chromium, offline: numbers in the page's language, folding for search,
templates, and element builders that keep hostile text inert.
"""

from __future__ import annotations

import pytest
from browser import offline_page
from hostile import FORMULA_STARTS, PAYLOADS, assert_inert

from geo4mi.webmap.assets import (
    OfflineMap,
    common_script,
    render_offline_html,
    write_html,
)

pytestmark = pytest.mark.browser

# alert/confirm/prompt record their calls instead of opening a dialog
SPY = """
window.__g4mCalls = [];
["alert", "confirm", "prompt"].forEach(function (name) {
  window[name] = function (message) { window.__g4mCalls.push([name, String(message)]); };
});
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("common")
    out = {}
    for lang in ("es", "en"):
        m = OfflineMap(lang=lang, title="common")
        m.add_child(common_script())
        m.add_child(common_script())  # a second map script asking for it: inlined once
        out[lang] = write_html(render_offline_html(m), folder / f"common.{lang}.html")
    return out


def test_inlined_once_and_exposed(pages):
    assert pages["es"].read_text(encoding="utf-8").count("var geo4miCommon =") == 1
    with offline_page(pages["es"]) as (page, report):
        names = page.evaluate("Object.keys(geo4miCommon).sort()")
        assert {"el", "textEl", "textHtml", "fill", "fold", "numbers", "coordinate",
                "csvCell", "downloadBlob", "readStorage", "writeStorage"} <= set(names)
    report.assert_clean()


@pytest.mark.parametrize(("lang", "expected"), [
    ("es", ["33,5", "33,5 %", "12–34 %", "12.345", "0,0 %", "es"]),
    ("en", ["33.5", "33.5 %", "12–34 %", "12,345", "0.0 %", "en"]),
])
def test_numbers_follow_the_pages_language(pages, lang, expected):
    with offline_page(pages[lang]) as (page, report):
        got = page.evaluate("""() => { const f = geo4miCommon.numbers();  // <html lang>
            return [f.decimal(33.5, 1), f.percent(33.5, 1), f.range(12, 34),
                    f.integer(12345), f.percent(0, 1), f.lang]; }""")
        assert got == expected
        # an explicit language wins over the page's; an invalid tag falls back, never throws
        other = "en" if lang == "es" else "es"
        assert page.evaluate(f"geo4miCommon.numbers('{other}').decimal(33.5, 1)") == (
            "33.5" if other == "en" else "33,5")
        assert page.evaluate("geo4miCommon.numbers('no such tag!').decimal(2.25, 2)") == "2.25"
        # coordinates keep '.' and no grouping in every language (GPS apps read them)
        assert page.evaluate("geo4miCommon.coordinate(-99.1234567, 5)") == "-99.12346"
        assert page.evaluate("geo4miCommon.coordinate(19.4, 5)") == "19.40000"
        # CSV cells are machine numbers whatever the language
        assert page.evaluate("geo4miCommon.csvCell(33.5)") == "33.5"
    report.assert_clean()


def test_fold_ignores_accents_case_and_spacing(pages):
    with offline_page(pages["es"]) as (page, report):
        got = page.evaluate("""() => ["São  Tomé ", "ÁLVARO Obregón", "Educación",
            "Ñuñoa\\tcity"].map(geo4miCommon.fold)""")
        assert got == ["sao tome", "alvaro obregon", "educacion", "nunoa city"]
    report.assert_clean()


def test_fill_is_one_pass(pages):
    with offline_page(pages["en"]) as (page, report):
        got = page.evaluate("""() => {
            const fill = geo4miCommon.fill;
            return [fill("{shown} of {total}", {shown: "3", total: "9"}),
                    fill("{{n}} literal, {n} filled", {n: 2}),
                    fill("{a}", {a: "{b}", b: "no"}),       // a value is never filled again
                    fill("{missing} stays", {}),
                    fill("{toString}", {})];                // only own values
        }""")
        assert got == ["3 of 9", "{n} literal, 2 filled", "{b}", "{missing} stays",
                       "{toString}"]
    report.assert_clean()


def test_builders_keep_hostile_text_inert(pages):
    with offline_page(None) as (page, report):
        page.add_init_script(SPY)
        page.goto(pages["es"].resolve().as_uri())
        got = page.evaluate("""(payloads) => {
            const C = geo4miCommon, out = [];
            const box = C.el("section", {id: "box"});
            document.body.appendChild(box);
            payloads.forEach(function (p) {
              const a = C.el("div", {text: p, title: p, "data-x": p}, [p, C.textEl("b", "k", p)]);
              const s = C.svgEl("rect", {fill: p});
              box.appendChild(a); box.appendChild(s);
              const back = document.createElement("div");
              back.innerHTML = C.textHtml(p);
              out.push([a.textContent === p + p + p, a.getAttribute("title") === p,
                        a.children.length === 1 && a.children[0].tagName === "B",
                        s.getAttribute("fill") === p,
                        // HTML parsing turns a carriage return into a line feed
                        back.textContent === p.replace(/\\r\\n?/g, "\\n"),
                        back.children.length === 0]);
            });
            return out;
        }""", list(PAYLOADS))
        assert got == [[True] * 6] * len(PAYLOADS)
        # nothing became markup: no script, image or svg element, no dialog, no error
        assert page.evaluate("document.querySelectorAll('#box script, #box img, #box svg, "
                             "#box style').length") == 0
        assert page.evaluate("window.__g4mCalls") == []
        assert_inert(page.content())
        cells = page.evaluate("(ps) => ps.map(geo4miCommon.csvCell)", list(PAYLOADS))
        for cell in cells:
            assert not cell.lstrip('"').startswith(FORMULA_STARTS), cell
    report.assert_clean()


def test_storage_round_trip(pages):
    with offline_page(pages["en"]) as (page, report):
        got = page.evaluate("""() => {
            const C = geo4miCommon;
            C.writeStorage("geo4mi-test", "kept");
            const a = C.readStorage("geo4mi-test");
            C.writeStorage("geo4mi-test", null);
            return [a, C.readStorage("geo4mi-test")];
        }""")
        assert got == ["kept", None]
    report.assert_clean()
