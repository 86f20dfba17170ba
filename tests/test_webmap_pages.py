"""A choropleth too big for one page: one page per grouping variable, linked to each other.

Above ``SPLIT_ABOVE`` cells (thousands of areas), ``choropleth.html`` holds everyone's maps
and ``choropleth.by-<var>.html`` each variable's; every page offers every group value and
opens the page that holds it on the same indicator (in Chromium, network blocked). The
bundled study stays one page. The threshold is lowered here so that the bundled study
(16 boroughs, 4 grouping variables) is split.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import replace

import pytest
from browser import offline_page
from test_build import small_study
from test_webmap_choropleth import page_data

import geo4mi.webmap.choropleth as choropleth
from geo4mi.cli import main
from geo4mi.io import MANIFEST, check_output_set, read_manifest
from geo4mi.outputs import MapOptions, choropleth_inputs
from geo4mi.webmap.assets import render_offline_html
from geo4mi.webmap.choropleth import (
    group_page_names,
    render_choropleth,
    split_pages,
    unpack_cells,
    write_choropleth_pages,
)

NAMES = {"es": "choropleth.html", "en": "choropleth.en.html"}
VARS = ["nationality_group", "gender", "age_group", "time_in_city"]
PATHS = "path.leaflet-interactive:not(.g4o-line):not(.g4o-point)"


def inputs(results, lang):
    return choropleth_inputs(results, MapOptions(lang=lang, alternates=NAMES))


@pytest.fixture(scope="module")
def split(bundled_results, tmp_path_factory):
    """The bundled study written as split pages in both languages (threshold 0)."""
    folder = tmp_path_factory.mktemp("pages")
    written = {code: write_choropleth_pages(*inputs(bundled_results, code), folder / name,
                                            above=0)
               for code, name in NAMES.items()}
    return folder, written


@pytest.fixture(scope="module")
def whole(bundled_results):
    """The page data of the bundled study in one page (as written by default)."""
    data, settings = inputs(bundled_results, "es")
    return page_data(render_offline_html(render_choropleth(data, settings)))


def views(data):
    """Every map a page holds: {(indicator, group_var, group_value): {area or city: cell}}."""
    out = {}
    areas = [a["id"] for a in data["areas"]]
    for ind, rows in zip(data["indicators"], data["v"], strict=True):
        for group, row in zip(data["groups"], rows, strict=True):
            if row is None:
                continue
            cells = unpack_cells(row[1], len(data["cols"]))
            by_area = dict.fromkeys(areas, 0)  # never interviewed on this page: 0
            by_area.update({areas[c]: cell for c, cell in zip(data["cols"], cells, strict=True)})
            out[ind["id"], group["var"], group["value"]] = {"_city": row[0], **by_area,
                                                            "breaks": row[2:]}
    return out


# -- which pages, holding what ------------------------------------------------------------

def test_the_bundled_study_stays_one_page_byte_for_byte(bundled_results, tmp_path):
    data, settings = inputs(bundled_results, "es")
    cells = len(data.areas) * 117 * 20
    assert cells < choropleth.SPLIT_ABOVE  # 16 boroughs x 2,340 maps
    assert split_pages(data, settings, "choropleth.html") == [("choropleth.html", settings)]
    [path] = write_choropleth_pages(data, settings, tmp_path / "choropleth.html")
    assert path.read_text(encoding="utf-8") == render_offline_html(
        render_choropleth(data, settings))
    data = page_data(path.read_text(encoding="utf-8"))
    assert not any("href" in g for g in data["groups"])
    assert all(row is not None for rows in data["v"] for row in rows)


def test_split_writes_one_page_per_grouping_variable(split):
    folder, written = split
    assert [p.name for p in written["es"]] == [
        "choropleth.html", *(f"choropleth.by-{v}.html" for v in VARS)]
    assert [p.name for p in written["en"]] == [
        "choropleth.en.html", *(f"choropleth.en.by-{v}.html" for v in VARS)]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        p.name for paths in written.values() for p in paths)


def test_each_page_holds_only_its_maps_with_the_values_of_the_single_page(split, whole):
    _, written = split
    everything = views(whole)
    seen = {}
    for path in written["es"]:
        data = page_data(path.read_text(encoding="utf-8"))
        # every group value is offered; those of other pages link there
        assert [(g["var"], g["value"]) for g in data["groups"]] == \
            [(g["var"], g["value"]) for g in whole["groups"]]
        held = {key[1] for key in views(data)}
        assert len(held) == 1
        [var] = held
        expected = "choropleth.html" if var == "all" else f"choropleth.by-{var}.html"
        assert path.name == expected
        for g in data["groups"]:
            if g["var"] == var:
                assert "href" not in g
            else:
                assert g["href"] == ("choropleth.html" if g["var"] == "all"
                                     else f"choropleth.by-{g['var']}.html")
        for key, cells in views(data).items():
            assert cells == everything[key], key
            seen[key] = True
    assert set(seen) == set(everything)  # every map is on exactly one page


def test_a_groups_page_opens_on_an_indicator_offered_with_its_group(bundled_results):
    data, settings = inputs(bundled_results, "es")
    opening = replace(settings, selected="gender_women", groups=("gender", "age_group"))
    pages = dict(split_pages(data, opening, "choropleth.html", above=0))
    shown, offered = {}, []
    for name, page in pages.items():
        html = render_offline_html(render_choropleth(data, page))
        index = int(re.search(r'<option value="(\d+)" selected>', html).group(1))
        indicators = page_data(html)["indicators"]
        shown[name] = indicators[index]["id"]
        offered = [i["id"] for i in indicators if "gender" not in i.get("skip", ())]
    # gender_women reads the gender question: its page opens on the first indicator offered
    # with gender instead (choosing it there would open everyone's page)
    assert shown == {"choropleth.html": "gender_women",
                     "choropleth.by-gender.html": offered[0],
                     "choropleth.by-age_group.html": "gender_women"}
    assert offered[0] != "gender_women"


def test_split_pages_are_deterministic(bundled_results, split, tmp_path):
    _, written = split
    again = write_choropleth_pages(*inputs(bundled_results, "es"), tmp_path / "choropleth.html",
                                   above=0)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in written["es"]]


def test_page_names_are_safe_and_never_a_language(bundled_results):
    names = group_page_names("choropleth.en.html", ["en", "Año/área", "AÑO área", "..", ""])
    assert names == {"all": "choropleth.en.html", "en": "choropleth.en.by-en.html",
                     "Año/área": "choropleth.en.by-A-o-rea.html",  # same name ignoring case:
                     "AÑO área": "choropleth.en.by-A-O-rea-2.html",  # numbered
                     "..": "choropleth.en.by-group.html", "": "choropleth.en.by-group-2.html"}
    assert group_page_names("out/my map.html", ["gender"])["gender"] == \
        "out/my map.by-gender.html"
    # a file name with a space is linked URL-encoded
    data, settings = inputs(bundled_results, "es")
    [_, (_, gender)] = split_pages(data, replace(settings, groups=("gender",)),
                                   "my map.html", above=0)
    assert gender.pages == {"all": "my%20map.html"}


def test_the_language_links_go_to_the_same_split_page(split):
    _, written = split
    for path in written["en"]:
        page = path.read_text(encoding="utf-8")
        assert page.count('hreflang="es"') == 1
        spanish = path.name.replace("choropleth.en", "choropleth")
        assert f'href="{spanish}" hreflang="es"' in page


# -- build and map ---------------------------------------------------------------------------

def test_build_lists_every_page_in_the_manifest(tmp_path, monkeypatch):
    (tmp_path / "study").mkdir()
    study = small_study(tmp_path / "study")
    out = tmp_path / "out"
    monkeypatch.setattr(choropleth, "SPLIT_ABOVE", 0)
    assert main(["build", str(study), "--out", str(out), "--jobs", "1"]) == 0
    listed = set(read_manifest(out / MANIFEST))
    pages = {p.name for p in out.glob("choropleth*.html")}
    assert {"choropleth.html", "choropleth.en.html"} < pages <= listed
    assert len(pages) > 2 and all(".by-" in p for p in pages - set(NAMES.values()))
    assert check_output_set(out) == []
    # the next build, one page again, removes the pages it no longer writes
    monkeypatch.setattr(choropleth, "SPLIT_ABOVE", 10**12)
    assert main(["build", str(study), "--out", str(out), "--jobs", "1"]) == 0
    assert {p.name for p in out.glob("choropleth*.html")} == set(NAMES.values())
    assert check_output_set(out) == []


def test_map_command_writes_and_names_every_page(tmp_path, monkeypatch, capsys):
    (tmp_path / "study").mkdir()
    study = small_study(tmp_path / "study")
    monkeypatch.setattr(choropleth, "SPLIT_ABOVE", 0)
    assert main(["map", str(study), "-o", str(tmp_path / "m.html")]) == 0
    said = capsys.readouterr().out
    pages = sorted(p.name for p in tmp_path.glob("m*.html"))
    assert "m.html" in pages and len(pages) > 1
    assert all(f"wrote {tmp_path / name}" in said for name in pages)


def test_map_command_refuses_before_writing_when_a_group_page_exists(tmp_path, monkeypatch,
                                                                      capsys):
    """Without --overwrite, an existing group page stops the command before any page is
    written (the entry page included), and the existing page is left as it was."""
    (tmp_path / "study").mkdir()
    study = small_study(tmp_path / "study")
    monkeypatch.setattr(choropleth, "SPLIT_ABOVE", 0)
    assert main(["map", str(study), "-o", str(tmp_path / "first.html")]) == 0
    group_page = sorted(p.name for p in tmp_path.glob("first.by-*.html"))[0]
    (tmp_path / group_page.replace("first", "m", 1)).write_text("mine", encoding="utf-8")
    capsys.readouterr()
    assert main(["map", str(study), "-o", str(tmp_path / "m.html")]) != 0
    said = capsys.readouterr()
    assert "file exists; pass --overwrite" in said.err + said.out
    assert sorted(p.name for p in tmp_path.glob("m*.html")) == [group_page.replace("first", "m", 1)]
    assert (tmp_path / group_page.replace("first", "m", 1)).read_text(encoding="utf-8") == "mine"
    assert main(["map", str(study), "-o", str(tmp_path / "m.html"), "--overwrite"]) == 0
    assert len(list(tmp_path.glob("m*.html"))) == len(list(tmp_path.glob("first*.html")))


def test_report_command_writes_names_and_guards_every_page(tmp_path, monkeypatch, capsys):
    """``geo4mi report`` writes the split pages its findings link to, names each, and without
    --overwrite an existing group page stops it before the report or any page is written."""
    (tmp_path / "study").mkdir()
    study = small_study(tmp_path / "study")
    monkeypatch.setattr(choropleth, "SPLIT_ABOVE", 0)
    first, second = tmp_path / "first", tmp_path / "second"
    assert main(["report", str(study), "--out", str(first)]) == 0
    said = capsys.readouterr().out
    pages = sorted(p.name for p in first.glob("choropleth*.html"))
    assert "choropleth.html" in pages and any(".by-" in p for p in pages)
    assert all(f"wrote {first / name}" in said for name in [*pages, "report.html"])
    second.mkdir()
    mine = second / next(p for p in pages if ".by-" in p)
    mine.write_text("mine", encoding="utf-8")
    assert main(["report", str(study), "--out", str(second)]) != 0
    said = capsys.readouterr()
    assert "file exists; pass --overwrite" in said.err + said.out
    assert [p.name for p in second.iterdir()] == [mine.name]
    assert mine.read_text(encoding="utf-8") == "mine"


# -- in the browser ---------------------------------------------------------------------------

def drawn(page):
    """Wait until the page has drawn its map (the caption under it is filled)."""
    page.wait_for_selector(PATHS)
    page.wait_for_function("document.getElementById('g4c-caption').textContent !== ''")


def view(page):
    return [urllib.parse.unquote(p) for p in page.evaluate("location.hash")[1:].split("/")]


@pytest.mark.browser
def test_choosing_a_group_opens_its_page_on_the_same_view(split):
    folder, _ = split
    wanted = "#feel_safe/all%3Aall/natural_breaks"  # too few boroughs: fixed steps shown
    with offline_page() as (page, report):
        page.goto((folder / "choropleth.html").as_uri() + wanted)
        drawn(page)
        page.select_option("#g4c-indicator", value=page.evaluate(
            "String(geo4miChoropleth.current.data.indicators.findIndex("
            "i => i.id === 'bank_account'))"))
        with page.expect_navigation():
            page.select_option("#g4c-group", label="Mujer")
        drawn(page)
        assert page.url.split("#")[0].endswith("/choropleth.by-gender.html")
        assert view(page) == ["bank_account", "gender:woman", "fixed"]
        assert page.locator("#g4c-group option:checked").inner_text() == "Mujer"
        assert page.locator("#g4c-indicator option:checked").inner_text() == \
            "Tienen cuenta bancaria"
        assert "Mujer" in page.inner_text(".g4c-legend")
        # the classification asked for travels too, shown where enough boroughs publish
        assert page.evaluate("geo4miChoropleth.current.state.wanted") == "natural_breaks"
        # the language link goes to the same group's page, keeping the view
        with page.expect_navigation():
            page.locator(".g4c-langs a").click()
        drawn(page)
        assert page.url.split("#")[0].endswith("/choropleth.en.by-gender.html")
        assert view(page) == ["bank_account", "gender:woman", "fixed"]
        assert "Woman" in page.inner_text(".g4c-legend")
        # another variable's value, then everyone: back to the entry page
        with page.expect_navigation():
            page.select_option("#g4c-group", label="18 to 24")
        drawn(page)
        assert page.url.split("#")[0].endswith("/choropleth.en.by-age_group.html")
        assert view(page)[:2] == ["bank_account", "age_group:18_24"]
        with page.expect_navigation():
            page.select_option("#g4c-group", index=0)
        drawn(page)
        assert page.url.split("#")[0].endswith("/choropleth.en.html")
        assert view(page) == ["bank_account", "all:all", "fixed"]
    report.assert_clean()


@pytest.mark.browser
def test_a_link_to_another_pages_view_lands_there(split):
    """The report links to ``choropleth.html#indicator/group/scheme``; a group held by
    another page opens that page; an indicator that the group's question defines opens
    everyone's page, as one page switches to everyone."""
    folder, _ = split
    url = (folder / "choropleth.html").as_uri() + "#feel_safe/gender%3Aman/fixed"
    with offline_page() as (page, report):
        page.goto(url)
        page.wait_for_url("**/choropleth.by-gender.html#feel_safe/gender%3Aman/fixed")
        drawn(page)
        assert page.locator("#g4c-group option:checked").inner_text() == "Hombre"
        assert page.locator("#g4c-indicator option:checked").inner_text() == \
            "Se sienten seguras o seguros donde viven"
        # the blank tab, then this page: the entry page was replaced (Back does not loop)
        assert page.evaluate("history.length") == 2
        with page.expect_navigation():
            page.select_option("#g4c-indicator", value=page.evaluate(
                "String(geo4miChoropleth.current.data.indicators.findIndex("
                "i => i.id === 'gender_women'))"))
        drawn(page)
        assert page.url.split("#")[0].endswith("/choropleth.html")
        assert view(page)[:2] == ["gender_women", "all:all"]
    report.assert_clean()


def test_one_prepared_data_for_every_language_writes_the_same_pages(bundled_results, split,
                                                                    tmp_path):
    """build prepares the choropleth once for all languages, with the tests of
    differences.csv: each page is byte-identical to its language prepared on its own, and
    each page's values are laid out once for both languages."""
    from geo4mi.build import _tested

    _, written = split
    shared = replace(inputs(bundled_results, "es")[0], differences=_tested(bundled_results))
    for code, name in NAMES.items():
        again = write_choropleth_pages(shared, inputs(bundled_results, code)[1],
                                       tmp_path / name, above=0)
        assert [p.name for p in again] == [p.name for p in written[code]]
        for old, new in zip(written[code], again, strict=True):
            assert new.read_bytes() == old.read_bytes(), new.name
    assert len(shared._values) == 1 + len(VARS)  # everyone's page and one per variable
    assert shared.tested is not None  # read from the given tests
