"""Offline rendering of folium maps: nothing from the network, stable bytes, clear refusals,
and text that stays text (autoescaped templates, script-safe JSON, no second template pass)."""

from __future__ import annotations

import json
import re

import folium
import pytest
from folium.plugins import MarkerCluster

from geo4mi.errors import StudyError
from geo4mi.webmap.assets import (
    OfflineMap,
    Verbatim,
    WebMapError,
    data_block,
    inline_static,
    leaflet_css,
    leaflet_js,
    leaflet_version,
    render_offline_html,
    script_json,
    write_html,
)


def _map(**options) -> OfflineMap:
    m = OfflineMap(location=[19.4, -99.1], zoom_start=10, **options)
    folium.GeoJson({"type": "Point", "coordinates": [-99.1, 19.4]}, name="p").add_to(m)
    folium.LayerControl().add_to(m)
    return m


def test_leaflet_is_inlined_and_no_cdn_resource_remains():
    page = render_offline_html(_map())
    assert f"Leaflet {leaflet_version()}" in page
    assert leaflet_version() == "1.9.3"
    assert not re.search(r"<script[^>]+src=", page)
    assert "<link" not in page
    for cdn in ("cdn.jsdelivr", "code.jquery", "cdnjs", "netdna", "bootstrap", "fontawesome"):
        assert cdn not in page
    assert "url(images/" not in page and "sourceMappingURL" not in page


def test_leaflet_css_images_become_data_uris():
    css = leaflet_css()
    assert css.count("data:image/png;base64,") == 3  # layers, layers-2x, default marker
    assert ".leaflet-control-layers-toggle" in css


def test_inlined_code_cannot_close_its_element():
    assert "</script" not in leaflet_js().lower()
    m = _map()
    Verbatim.script("var s = '</script><!--<script>';", part="header").add_to(m)
    Verbatim.style("/* </style> */", part="header").add_to(m)
    page = render_offline_html(m)
    assert "var s = '\\x3C/script>\\x3C!--\\x3Cscript>';" in page
    assert "/* \\3C /style> */" in page


def test_page_data_is_json_that_cannot_leave_its_script():
    text = "</script><!--<script>&amp;\u2028\u2029 {{ 7 * 7 }}"
    assert json.loads(script_json({"t": text})) == {"t": text}
    for raw in "<>&\u2028\u2029":
        assert raw not in script_json({"t": text})
    m = _map()
    data_block("d", {"t": text}).add_to(m)
    page = render_offline_html(m)
    block = re.search(r'<script type="application/json" id="d">(.*?)</script>', page).group(1)
    assert json.loads(block) == {"t": text}  # not evaluated as a template either


def test_verbatim_text_is_never_a_template():
    m = _map(title="{{ 'T_EVAL' ~ 'UATED' }} {% broken")
    Verbatim("<p>{{ 'P_EVAL' ~ 'UATED' }} {% if %}</p>", part="html").add_to(m)
    page = render_offline_html(m)
    assert "<p>{{ 'P_EVAL' ~ 'UATED' }} {% if %}</p>" in page
    assert "<title>{{ &#39;T_EVAL&#39; ~ &#39;UATED&#39; }} {% broken</title>" in page
    assert "EVALUATED" not in page


def test_plain_folium_maps_are_refused():
    with pytest.raises(WebMapError, match=r"needs a geo4mi\.webmap\.assets\.OfflineMap"):
        render_offline_html(folium.Map(tiles=None))


def test_rendering_twice_gives_the_same_page():
    m = _map()
    assert render_offline_html(m) == render_offline_html(m)


def test_same_map_twice_gives_identical_bytes_with_stable_ids():
    a, b = render_offline_html(_map()), render_offline_html(_map())
    assert a == b
    assert not re.search(r"_[0-9a-f]{32}", a)
    assert 'id="map_1"' in a


def test_lang_title_and_accessible_viewport():
    page = render_offline_html(_map(lang="en", title="Mapa <de> prueba"))
    assert page.count("<html") == 1 and '<html lang="en">' in page
    assert "<title>Mapa &lt;de&gt; prueba</title>" in page
    assert "user-scalable=no" not in page and "maximum-scale" not in page
    assert page.count("charset") == 1


def test_lang_and_title_default_to_spanish_and_geo4mi():
    page = render_offline_html(_map())
    assert '<html lang="es">' in page and "<title>geo4mi</title>" in page


def test_unknown_language_is_refused():
    with pytest.raises(StudyError, match="language 'xx' is not supported; use one of es, en, fr"):
        _map(lang="xx")


def test_plugin_needing_the_network_is_refused_with_its_url():
    m = _map()
    MarkerCluster().add_to(m)
    with pytest.raises(WebMapError, match=r"leaflet\.markercluster.*offline map cannot load"):
        render_offline_html(m)


def test_awesome_marker_icons_are_refused():
    m = _map()
    folium.Marker([19.4, -99.1], icon=folium.Icon(icon="info-sign")).add_to(m)
    with pytest.raises(WebMapError, match=r"folium\.Icon .awesome-markers."):
        render_offline_html(m)


def test_default_markers_get_inlined_icons_only_when_used():
    plain = render_offline_html(_map())
    assert "L.Icon.Default.imagePath" not in plain
    m = _map()
    folium.Marker([19.4, -99.1]).add_to(m)
    page = render_offline_html(m)
    assert 'L.Icon.Default.imagePath = "";' in page
    assert page.count("data:image/png;base64,") == 3 + 3


def test_inline_static_refuses_paths_and_unknown_files():
    assert "geo4miChoropleth" in inline_static("choropleth.js")
    with pytest.raises(WebMapError, match="no such file in geo4mi/webmap/static"):
        inline_static("../assets.py")
    with pytest.raises(WebMapError, match=r"^nope\.css: no such file"):
        inline_static("nope.css")


def test_write_html_is_utf8_and_keeps_newlines(tmp_path):
    out = write_html("<p>Cuauhtémoc</p>\n", tmp_path / "sub" / "m.html")
    assert out.read_bytes() == "<p>Cuauhtémoc</p>\n".encode()
    assert [p.name for p in out.parent.iterdir()] == ["m.html"]  # no temporary left behind


@pytest.mark.parametrize("name", ["common.js", "choropleth.js", "sites.js", "orientation.js"])
def test_project_js_never_parses_text_as_html(name):
    js = inline_static(name)
    # one innerHTML read, in common.js's textHtml(): the browser escaping text for Leaflet's
    # HTML-only APIs; the maps' scripts call that one
    assert js.count("innerHTML") == (name == "common.js")
    if name == "common.js":
        assert "return box.innerHTML;" in js
    for sink in ("insertAdjacentHTML", "outerHTML", "document.write", "eval(", "new Function"):
        assert sink not in js, sink
