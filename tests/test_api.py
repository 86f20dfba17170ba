"""The flat public API: ``geo4mi.run(study)`` and the methods of its results."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import geo4mi
from geo4mi.errors import FigureError, OutputError, SiteMapError, StudyError
from geo4mi.outputs import HtmlMap, choropleth_inputs, sites_map_inputs


@pytest.fixture(scope="module")
def results(bundled_results):
    return bundled_results


def test_import_is_light_and_exports_resolve():
    code = ("import sys, geo4mi; light = 'geopandas' not in sys.modules; "
            "print(light, geo4mi.run.__module__, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "geo4mi.pipeline", "False"]
    for name in geo4mi.__all__:
        assert getattr(geo4mi, name) is not None, name
    assert set(geo4mi._LAZY) <= set(geo4mi.__all__)
    assert geo4mi.__all__ == sorted(geo4mi.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        geo4mi.nope  # noqa: B018


def test_run_takes_a_path_or_a_study(results):
    study = geo4mi.load_study(geo4mi.bundled_study_path())
    again = geo4mi.run(study)
    assert isinstance(again, geo4mi.Results)
    assert again.estimates.equals(results.estimates)


def test_choropleth_shows_inline_without_the_network(results, tmp_path):
    page = results.choropleth()
    assert isinstance(page, HtmlMap) and page.lang == results.study.language
    shown = page._repr_html_()
    assert shown.startswith("<iframe srcdoc=")
    # nothing is loaded: no src= or stylesheet link to another host, inside the iframe or out
    inner = re.sub(r"&quot;", '"', shown)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", inner.replace(
        'href="https://leafletjs.com"', "")), "a resource from the network"
    assert "@import" not in inner
    out = page.save(tmp_path / "c.html")
    assert out.read_text(encoding="utf-8") == page.html()
    with pytest.raises(OutputError, match="file exists"):
        page.save(out, overwrite=False)


def test_choropleth_options(results):
    ids = list(results.labels.indicators)[:2]
    page = results.choropleth(geo4mi.MapOptions(lang="en", indicators=ids, selected=ids[1]))
    html = page.html()
    assert '<html lang="en">' in html
    with pytest.raises(StudyError, match="'xx' is not supported"):
        geo4mi.MapOptions(lang="xx")
    with pytest.raises(Exception, match="selected"):
        results.choropleth(geo4mi.MapOptions(indicators=ids[:1], selected=ids[1]))


def test_choropleth_inputs_open_on_the_study_opening_among_those_asked(results):
    data, settings = choropleth_inputs(results)
    opening = results.study.indicators.opening
    assert settings.selected == opening[0] and data.min_n == results.study.min_n
    assert data.estimates["suppression"].notna().all()  # published once, here
    others = [i for i, info in results.labels.indicators.items()
              if i not in opening and info.direction != "neutral"][:2]
    data, settings = choropleth_inputs(results, geo4mi.MapOptions(indicators=others))
    assert settings.selected == others[0] and settings.indicators == tuple(others)
    assert data.context == tuple(results.study.context)  # a subset keeps the context layers


def test_site_map_inputs_are_read_and_allocated_before_drawing(results):
    data, settings = sites_map_inputs(results, geo4mi.SiteMapOptions(plan_total=301))
    assert data.plan is not None and int(data.plan["target"].sum()) == 301
    assert len(data.sites) and settings.catchment_m == results.study.sites.catchment_m
    assert data.achieved is not None and settings.wording == results.study.wording
    with pytest.raises(SiteMapError, match="give plan or plan_total, not both"):
        sites_map_inputs(results, geo4mi.SiteMapOptions(plan_total=301), plan=data.plan)


def test_options_are_frozen_and_checked():
    options = geo4mi.FigureOptions(formats="png", kinds=("map",))
    assert options.formats == ("png",) and options.kinds == ("map",)
    with pytest.raises(AttributeError):
        options.scheme = "quantiles"  # type: ignore[misc]
    with pytest.raises(FigureError, match="'pie' is unknown"):
        geo4mi.FigureOptions(kinds=["pie"])
    with pytest.raises(FigureError, match="scheme: 'jenks' is unknown"):
        geo4mi.FigureOptions(scheme="jenks")
    with pytest.raises(ValueError, match="plan_total: 0"):
        geo4mi.SiteMapOptions(plan_total=0)


def test_sites_map(results):
    page = results.sites_map(geo4mi.SiteMapOptions(lang="en", plan_total=301))
    html = page.html()
    assert "geo4miSites.init(" in html and "<script src=" not in html


def test_figures_tables_report(results, tmp_path):
    figs = results.figures(tmp_path / "figs", geo4mi.FigureOptions(
        formats="png", kinds=("map",), indicators=[next(iter(results.labels.indicators))]))
    assert [p.suffix for p in figs] and all(p.suffix == ".png" for p in figs)
    tables = results.write_tables(tmp_path / "tables")
    assert [p.name for p in tables] == list(geo4mi.outputs.TABLES)
    before = tables[0].read_bytes()
    with pytest.raises(OutputError, match=r"estimates\.csv: file exists; pass overwrite=True"):
        results.write_tables(tmp_path / "tables")
    assert results.write_tables(tmp_path / "tables", overwrite=True)[0].read_bytes() == before
    report = results.report(tmp_path / "report.html", lang="en")
    assert report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(OutputError, match=r"report\.html: file exists"):
        results.report(tmp_path / "report.html")
