"""Context layers (geo4mi.context) and the orientation data of both maps.

The bundled layers are real public data copied into data/ with their provenance; they must
stay small, deterministic, free of shelters, and declared in the study file, never in code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from geo4mi.boundaries import load_areas
from geo4mi.context import context_layers_data, parse_context_layers
from geo4mi.errors import InputFileError, StudyError
from geo4mi.study import bundled_study_path, load_study
from geo4mi.webmap.assets import script_json
from geo4mi.webmap.orientation import orientation_data

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
STUDY = load_study(bundled_study_path())
LIVING_PLACES = ("albergue", "shelter", "casa del migrante", "refugio", "asistencia social",
                 "hogar", "casa hogar", "dormitorio")


def test_bundled_study_declares_metro_metrobus_and_landmarks():
    labels = [layer.label["es"] for layer in STUDY.context]
    assert labels == ["Líneas del Metro", "Estaciones del Metro", "Metrobús",
                      "Edificios de las alcaldías", "Mercados públicos", "Plazas"]
    assert [layer.kind for layer in STUDY.context] == ["line", "point", "line", "point",
                                                       "point", "point"]
    assert all(layer.path.parent == DATA.resolve() for layer in STUDY.context)


def code_strings(module: str) -> str:
    """The string constants of a module's code (docstrings, whose doctests use the bundled
    study, left out)."""
    import ast

    tree = ast.parse((REPO / "geo4mi" / module).read_text(encoding="utf-8"))
    docs = {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body
            and isinstance(node.body[0], ast.Expr)}
    return " ".join(node.value for node in ast.walk(tree)
                    if isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docs)


def test_library_code_names_no_city():
    texts = [code_strings("context.py"), code_strings("webmap/orientation.py"),
             (REPO / "geo4mi/webmap/static/orientation.js").read_text(encoding="utf-8")]
    for text in texts:
        for word in ("Metro", "México", "Mexico", "CDMX", "alcald", "Cuauht"):
            assert word not in text, word


def test_every_context_file_has_provenance_and_no_shelter():
    provenance = (DATA / "CONTEXT.md").read_text(encoding="utf-8")
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert "context_*.geojson" in readme and "CONTEXT.md" in readme
    files = sorted({layer.path.name for layer in STUDY.context})
    assert files == sorted(p.name for p in DATA.glob("context_*.geojson"))
    for name in files:
        assert f"`{name}`" in provenance, f"{name} has no provenance row"
        text = (DATA / name).read_text(encoding="utf-8").lower()
        for word in LIVING_PLACES:
            assert word not in text, (name, word)
    for needed in ("commit", "INEGI", "Datos Abiertos", "albergue", "Centro de Asistencia Social"):
        assert needed in provenance
    landmarks = json.loads((DATA / "context_landmarks.geojson").read_text(encoding="utf-8"))
    categories = {f["properties"]["category"] for f in landmarks["features"]}
    assert categories == {"market", "plaza", "borough_office"}
    assert all(f["properties"]["name"] not in ("", "Ninguno") for f in landmarks["features"])


def test_context_files_are_small_and_rounded():
    total = 0
    for path in DATA.glob("context_*.geojson"):
        text = path.read_text(encoding="utf-8")
        total += len(text.encode("utf-8"))
        numbers = re.findall(r"-?\d+\.(\d+)", text)
        assert max(len(d) for d in numbers) <= 5, path.name
    assert total < 150_000


def test_layer_data_is_compact_deterministic_and_in_the_study_language():
    es = context_layers_data(STUDY.context, "es")
    again = context_layers_data(STUDY.context, "es")
    assert script_json(es) == script_json(again)
    en = context_layers_data(STUDY.context, "en")
    lines, stations = es[0], es[1]
    assert lines["features"][0][:2] == ["Línea 1", "Observatorio - Pantitlàn"]
    assert en[0]["features"][0][0] == "Line 1" and en[0]["label"] == "Metro lines"
    assert lines["features"][0][2] == "#f94f8e"  # the official colour from the data
    assert len({f[2] for f in lines["features"]}) == 12
    names = [f[0] for f in stations["features"]]
    assert "Pantitlán" in names and len(names) == len(set(names)) == 163
    # no internal ids (station keys such as STC0101, INEGI CVEGEO codes) reach the page
    assert not any(re.search(r"STC\d|\d{5,}", f[0] + " | " + f[1]) for layer in es
                   for f in layer["features"])
    size = len(script_json(es).encode("utf-8"))
    assert size < 80_000, size
    assert [layer["shown"] for layer in es] == [True, True, False, True, False, False]
    # the study shows the stations on the site map only (a per-map ``shown`` table)
    for kind, stations_on in (("choropleth", False), ("sites", True)):
        per_map = context_layers_data(STUDY.context, "es", kind)
        assert [layer["shown"] for layer in per_map] == [True, stations_on, False, True, False,
                                                         False]


def test_orientation_data_labels_every_unit_inside_it():
    import shapely

    areas = load_areas()
    data = orientation_data(areas, STUDY.context, lang="es")
    assert [u["name"] for u in data["units"]] == list(areas["area_name"])
    web = areas.to_crs("EPSG:4326")
    for unit, geom in zip(data["units"], web.geometry, strict=True):
        assert geom.contains(shapely.Point(unit["lon"], unit["lat"])), unit["name"]
    assert data["text"]["matches"] == "{n} resultados"
    assert data["text"]["labels"].startswith("Nombres de ")


def write_geojson(path: Path, features: list[tuple[str, str]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": name, "kind": kind},
         "geometry": {"type": "Point", "coordinates": [-99.13 + i / 100, 19.43]}}
        for i, (name, kind) in enumerate(features)]}), encoding="utf-8")
    return path


def test_where_filters_and_name_falls_back(tmp_path):
    write_geojson(tmp_path / "p.geojson", [("A", "x"), ("B", "y"), ("C", "x")])
    (layer,) = parse_context_layers(tmp_path / "s.toml", [
        {"path": "p.geojson", "kind": "point", "label": {"es": "Equis", "en": "Ex"},
         "name_field": "name", "where": {"kind": "x"}}])
    (data,) = context_layers_data([layer], "en")
    assert data["label"] == "Ex" and [f[0] for f in data["features"]] == ["A", "C"]
    assert data["features"][0][2:] == [19.43, -99.13]


@pytest.mark.parametrize("table, message", [
    ({"path": "p.geojson", "kind": "area", "label": "L", "name_field": "n"},
     "kind = 'area' must be one of line, point"),
    ({"path": "p.geojson", "kind": "point", "label": "L", "name_field": "n", "colour": "red"},
     "colour = 'red' must be a colour"),
    ({"path": "p.geojson", "kind": "point", "label": "L", "name_field": "n", "opacity": 1},
     "unknown key 'opacity'; allowed keys: path, kind"),
    ({"path": "p.geojson", "kind": "point", "name_field": "n"}, "missing key 'label'"),
    ({"path": "p.geojson", "kind": "point", "label": {"xx": "L"}, "name_field": "n"},
     "label = {'xx': 'L'} must be text or a table"),
    ({"path": "p.geojson", "kind": "point", "label": "L", "name_field": "n",
      "shown": {"report": True}}, "shown = {'report': True} must be true, false or a table"),
])
def test_bad_context_tables_are_refused_with_the_key(tmp_path, table, message):
    with pytest.raises(StudyError, match=re.escape(message)) as info:
        parse_context_layers(tmp_path / "s.toml", [table])
    assert "[[context]] 1" in str(info.value)


def test_study_file_with_context_as_a_plain_table_is_refused(tmp_path):
    text = bundled_study_path().read_text(encoding="utf-8")
    text = text.split("[[context]]")[0].replace('"sample_kobo.csv"',
                                                f'"{DATA / "sample_kobo.csv"}"')
    bad = tmp_path / "s.toml"
    bad.write_text(text + '\n[context]\npath = "x"\n', encoding="utf-8")
    with pytest.raises(StudyError, match=r"\[\[context\]\] tables"):
        load_study(bad)


def test_missing_file_and_field_are_named(tmp_path):
    (layer,) = parse_context_layers(tmp_path / "s.toml", [
        {"path": "nope.geojson", "kind": "point", "label": "L", "name_field": "name"}])
    with pytest.raises(InputFileError, match=r"nope\.geojson: context layer file not found"):
        context_layers_data([layer], "es")
    write_geojson(tmp_path / "p.geojson", [("A", "x")])
    (layer,) = parse_context_layers(tmp_path / "s.toml", [
        {"path": "p.geojson", "kind": "point", "label": "L", "name_field": "nombre"}])
    with pytest.raises(InputFileError, match="no field 'nombre'; the fields are name, kind"):
        context_layers_data([layer], "es")


# -- the demo maps: size budget and content ----------------------------------------------

@pytest.fixture(scope="module")
def demo_maps(bundled_results, tmp_path_factory):
    from geo4mi.outputs import SiteMapOptions

    folder = tmp_path_factory.mktemp("demo")
    results = bundled_results
    return {
        "choropleth": results.choropleth().save(folder / "choropleth.html"),
        "sites": results.sites_map(SiteMapOptions(plan_total=301)).save(folder / "sites.html"),
        "sites_again": results.sites_map(SiteMapOptions(plan_total=301))
        .save(folder / "sites2.html"),
    }


def test_demo_maps_stay_within_their_size_budget(demo_maps):
    assert demo_maps["choropleth"].stat().st_size <= 500_000
    assert demo_maps["sites"].stat().st_size <= 600_000
    assert demo_maps["sites"].read_bytes() == demo_maps["sites_again"].read_bytes()


def test_demo_maps_carry_the_layers_and_no_internal_ids(demo_maps):
    for name in ("choropleth", "sites"):
        text = demo_maps[name].read_text(encoding="utf-8")
        assert "geo4miOrientation.init(" in text and 'id="g4o-data"' in text
        assert "Pantitl\\u00e1n" in text or "Pantitlán" in text
        assert "stop_id" not in text and "GTFS" not in text
