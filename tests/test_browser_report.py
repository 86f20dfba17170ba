"""The findings report in Debian's Chromium, offline: no errors, no requests, prints to A4.

Screenshots of the first screen-pages are saved in the test's temporary folder (the path is
printed with ``-s``) for a person to look at; the PDF is Chromium's print of the page.
"""

from __future__ import annotations

import re

import pytest
from browser import offline_page

from geo4mi.build import write_map
from geo4mi.report import write_report

A4 = {"width": 794, "height": 1123}  # CSS pixels of an A4 page at 96 dpi


@pytest.fixture(scope="module")
def report_page(bundled_results, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    results = bundled_results
    write_map(results, out / "choropleth.html", lang="es")
    path, counts = write_report(results, out / "report.html", lang="es")
    return path, counts, results


@pytest.mark.browser
def test_report_opens_offline_without_errors_and_prints_to_a4(report_page):
    from pypdf import PdfReader

    path, counts, _results = report_page
    shots = path.parent / "screenshots"
    shots.mkdir()
    with offline_page(path, **A4) as (page, report):
        assert page.title().startswith("4Mi")
        assert page.locator(".banner").first.is_visible()
        findings = page.locator("li.finding").count()
        assert findings == counts["findings"]
        svgs = page.locator("svg.figure-svg")
        assert svgs.count() >= 6
        box = svgs.first.bounding_box()
        assert box is not None and 300 < box["width"] <= A4["width"]
        height = page.evaluate("document.documentElement.scrollHeight")
        for i in range(4):  # the first screen-pages, for a person to look at
            page.evaluate(f"window.scrollTo(0, {i * A4['height']})")
            page.screenshot(path=str(shots / f"page{i + 1}.png"))
        assert height > 4 * A4["height"]
        pdf = page.pdf(format="A4", print_background=True)
        report.assert_clean()
        assert all(u.startswith(("file:", "data:")) for u in report.requests)
    (path.parent / "report.pdf").write_bytes(pdf)
    print(f"\nreport screenshots: {shots}  PDF: {path.parent / 'report.pdf'}")
    pages = [p.extract_text() for p in PdfReader(path.parent / "report.pdf").pages]
    assert len(pages) > 10
    assert "DATOS SINTÉTICOS" in pages[0]
    # one handout per printed page: no page holds two areas' titles
    titles = re.compile(r"cifras frente a toda la ciudad")
    assert all(len(titles.findall(p.replace("\n", " "))) <= 1 for p in pages)
    assert sum(len(titles.findall(p.replace("\n", " "))) for p in pages) >= 5


@pytest.mark.browser
def test_finding_links_open_the_map_view(report_page):
    path, _, _ = report_page
    with offline_page(path, **A4) as (page, report):
        href = page.locator("#key-findings a.map-link").first.get_attribute("href")
        assert re.fullmatch(r"choropleth\.html#[^/]+/all%3Aall/fixed", href)
        page.goto((path.parent / href.split("#")[0]).resolve().as_uri() + "#"
                  + href.split("#")[1])
        page.wait_for_selector(".leaflet-interactive")
        indicator = href.split("#")[1].split("/")[0]
        chosen = page.evaluate("geo4miChoropleth.current.state && "
                               "document.querySelector('select').value")
        assert chosen is not None
        assert indicator in page.url
        report.assert_clean()
