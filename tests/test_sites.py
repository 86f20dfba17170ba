"""Sites: reading, validation, placement in boroughs, refusal of living places, import."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from geo4mi.boundaries import load_areas
from geo4mi.errors import InputFileError
from geo4mi.sites import (BUNDLED_SITES, SITE_TYPES, SitesError, areas_with_sites,
                          import_sites, parse_type, read_sites, read_workshop_geojson,
                          type_label, write_sites_csv)

ZOCALO = (19.4326, -99.1332)        # Plaza de la Constitución, Cuauhtémoc (09015)
COYOACAN = (19.3500, -99.1620)      # Jardín Centenario area, Coyoacán (09003)
TOLUCA = (19.2826, -99.6557)        # outside Mexico City


@pytest.fixture(scope="module")
def areas() -> gpd.GeoDataFrame:
    return load_areas()


@pytest.fixture(scope="module")
def bundled(areas) -> gpd.GeoDataFrame:
    return read_sites(BUNDLED_SITES, areas)


def write_csv(tmp_path: Path, text: str, name: str = "sites.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def feature(name, site_type, lon, lat, notes=""):
    return {"type": "Feature", "properties": {"name": name, "type": site_type, "notes": notes},
            "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def write_geojson(tmp_path: Path, features, name="candidates.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


# -- the bundled example sites ------------------------------------------------------------

def test_bundled_sites_are_public_metro_stations_spread_over_boroughs(bundled):
    assert len(bundled) == 32
    assert set(bundled["type"]) == {"metro_station"}
    assert bundled["in_city"].all()
    assert bundled["name"].is_unique
    assert not bundled["name"].str.contains(r"_\d", regex=True).any()  # GTFS suffixes stripped
    per_area = bundled["area_id"].value_counts()
    assert len(per_area) == 11 and per_area.max() == 3
    assert bundled.crs.to_epsg() == 4326


def test_bundled_sites_never_name_living_places():
    text = BUNDLED_SITES.read_text(encoding="utf-8").lower()
    for word in ("albergue", "shelter", "casa del migrante", "refugio", "hogar"):
        assert word not in text


def test_known_station_is_in_its_borough(bundled):
    row = bundled.loc[bundled["name"] == "Metro Pantitlán"].iloc[0]
    assert row["area_id"] == "09017"  # Venustiano Carranza
    assert row["lat"] == pytest.approx(19.415288)


# -- reading ---------------------------------------------------------------------------

def test_csv_with_spanish_headers_and_labels(tmp_path, areas):
    path = write_csv(tmp_path, "nombre,tipo,latitud,longitud,notas\n"
                     f"Zócalo,Plaza o parque,{ZOCALO[0]},{ZOCALO[1]},plaza pública\n"
                     f"Mercado,mercado,{COYOACAN[0]},{COYOACAN[1]},\n")
    sites = read_sites(path, areas)
    assert sites["type"].tolist() == ["square_park", "market"]
    assert sites["area_id"].tolist() == ["09015", "09003"]
    assert sites["notes"].tolist() == ["plaza pública", ""]


def test_site_outside_city_is_flagged_and_reported(tmp_path, areas, caplog):
    path = write_csv(tmp_path, "name,type,lat,lon\n"
                     f"Zócalo,square_park,{ZOCALO[0]},{ZOCALO[1]}\n"
                     f"Toluca centro,public_office,{TOLUCA[0]},{TOLUCA[1]}\n")
    with caplog.at_level(logging.WARNING, logger="geo4mi.sites"):
        sites = read_sites(path, areas)
    assert sites["in_city"].tolist() == [True, False]
    assert pd.isna(sites["area_id"].iloc[1])
    assert "Toluca centro" in caplog.text and "outside" in caplog.text
    assert areas_with_sites(sites) == ["09015"]


def test_vector_points_file_in_projected_crs(tmp_path, areas):
    pts = gpd.GeoDataFrame({"name": ["Zócalo"], "type": ["square_park"]},
                           geometry=[Point(ZOCALO[1], ZOCALO[0])], crs="EPSG:4326")
    path = tmp_path / "sites.gpkg"
    pts.to_crs("EPSG:6372").to_file(path)
    sites = read_sites(path, areas)
    assert sites["area_id"].tolist() == ["09015"]
    assert sites["lat"].iloc[0] == pytest.approx(ZOCALO[0], abs=1e-7)


def test_vector_file_with_lines_is_refused(tmp_path, areas):
    lines = gpd.GeoDataFrame({"name": ["calle"], "type": ["market"]},
                             geometry=[LineString([(-99.13, 19.43), (-99.12, 19.44)])],
                             crs="EPSG:4326")
    path = tmp_path / "lines.geojson"
    lines.to_file(path)
    with pytest.raises(SitesError, match=r"feature 1, column 'geometry': 'LineString' is not a point"):
        read_sites(path, areas)


@pytest.mark.parametrize("row, message", [
    (",market,19.43,-99.13", r"sites.csv: row 3, column 'name': empty name"),
    ("Plaza,stadium,19.43,-99.13", r"row 3, column 'type': unknown site type 'stadium'; use one of "
                                   r"public_office, square_park, market"),
    ("Plaza,market,norte,-99.13", r"row 3, column 'lat': not a number \('norte'\)"),
    ("Plaza,market,-99.13,19.43", r"row 3, column 'lat': -99.13 is outside .*swapped"),
    ("Plaza,market,19.43,", r"row 3, column 'lon': not a number \(''\)"),
])
def test_bad_rows_name_file_row_and_column(tmp_path, areas, row, message):
    path = write_csv(tmp_path, f"name,type,lat,lon\nZócalo,square_park,{ZOCALO[0]},{ZOCALO[1]}\n"
                     f"{row}\n")
    with pytest.raises(SitesError, match=message):
        read_sites(path, areas)


def test_missing_column_lists_expected_columns(tmp_path, areas):
    path = write_csv(tmp_path, "name,type,latitude\nZócalo,square_park,19.43\n")
    with pytest.raises(SitesError, match=r"column 'lon': missing column; a sites CSV needs "
                                         r"columns name, type, lat, lon, notes"):
        read_sites(path, areas)


@pytest.mark.parametrize("site_type", ["shelter", "Albergue", "casa hogar", "vivienda",
                                       "home", "Campamento"])
def test_living_places_are_refused_as_types(tmp_path, areas, site_type):
    path = write_csv(tmp_path, f"name,type,lat,lon\nX,{site_type},{ZOCALO[0]},{ZOCALO[1]}\n")
    with pytest.raises(SitesError, match=r"row 2, column 'type': .*looks like a place where "
                                         r"people live .*public places only"):
        read_sites(path, areas)


def test_shelter_name_is_refused_whatever_the_type(tmp_path, areas):
    path = write_csv(tmp_path, "name,type,lat,lon\n"
                     f"Casa del Migrante San Juan,community_centre,{ZOCALO[0]},{ZOCALO[1]}\n")
    with pytest.raises(SitesError, match=r"column 'name': 'Casa del Migrante San Juan' looks "
                                         r"like a place where people live"):
        read_sites(path, areas)


def test_public_place_named_refugio_is_not_mistaken(tmp_path, areas):
    # "refugio" as a type is refused, but a park's proper name may contain it
    path = write_csv(tmp_path, f"name,type,lat,lon\nParque El Refugio,square_park,"
                     f"{ZOCALO[0]},{ZOCALO[1]}\n")
    assert read_sites(path, areas)["type"].tolist() == ["square_park"]


def test_missing_file_and_empty_file(tmp_path, areas):
    with pytest.raises(InputFileError, match=r"nope.csv: sites file not found"):
        read_sites(tmp_path / "nope.csv", areas)
    path = write_csv(tmp_path, "name,type,lat,lon\n")
    with pytest.raises(SitesError, match=r"no sites; add at least one row"):
        read_sites(path, areas)


def test_input_file_is_not_modified(tmp_path, areas):
    text = f"name,type,lat,lon\nZócalo,plaza,{ZOCALO[0]},{ZOCALO[1]}\n"
    path = write_csv(tmp_path, text)
    read_sites(path, areas)
    assert path.read_text(encoding="utf-8") == text


def test_type_labels_are_bilingual():
    for code in SITE_TYPES:
        assert type_label(code, "es") != type_label(code, "en")
    assert parse_type("Community centre") == "community_centre"
    with pytest.raises(SitesError, match=r"unknown site type 'bar'"):
        type_label("bar", "es")


# -- write / round trip -------------------------------------------------------------------

def test_write_sites_csv_round_trips_bundled_file_byte_for_byte(tmp_path, bundled):
    out = write_sites_csv(bundled, tmp_path / "copy.csv")
    assert out.read_bytes() == BUNDLED_SITES.read_bytes()


# -- workshop import -------------------------------------------------------------------------

def test_import_adds_new_and_reports_duplicates_by_proximity(tmp_path, areas, bundled):
    balderas = bundled.loc[bundled["name"] == "Metro Balderas"].iloc[0]
    path = write_geojson(tmp_path, [
        feature("Mercado de Coyoacán", "market", COYOACAN[1], COYOACAN[0], "martes"),
        feature("Balderas salida", "metro_station", balderas["lon"] + 0.0002, balderas["lat"]),
        feature("Mercado de Coyoacán (otra vez)", "market", COYOACAN[1] + 0.0001, COYOACAN[0]),
    ])
    merged, report = import_sites(path, bundled, areas=areas, duplicate_radius_m=50)
    assert len(merged) == len(bundled) + 1
    assert merged["name"].iloc[-1] == "Mercado de Coyoacán"
    assert merged["area_id"].iloc[-1] == "09003"
    assert merged["notes"].iloc[-1] == "martes"
    assert report["status"].tolist() == ["added", "duplicate", "duplicate"]
    assert report["duplicate_of"].tolist() == ["", "Metro Balderas", "Mercado de Coyoacán"]
    assert 15 < report["distance_m"].iloc[1] < 30  # 0.0002° of longitude ≈ 21 m


def test_import_radius_zero_keeps_near_sites(tmp_path, areas, bundled):
    balderas = bundled.loc[bundled["name"] == "Metro Balderas"].iloc[0]
    path = write_geojson(tmp_path, [feature("Balderas salida", "metro_station",
                                            balderas["lon"] + 0.0002, balderas["lat"])])
    merged, report = import_sites(path, bundled, areas=areas, duplicate_radius_m=0)
    assert report["status"].tolist() == ["added"]
    assert len(merged) == len(bundled) + 1


def test_import_refuses_shelter_candidates(tmp_path, areas, bundled):
    path = write_geojson(tmp_path, [feature("Punto", "albergue", ZOCALO[1], ZOCALO[0])])
    with pytest.raises(SitesError, match=r"candidates.geojson: feature 1, column 'type': "
                                         r"'albergue' looks like a place where people live"):
        import_sites(path, bundled, areas=areas)


@pytest.mark.parametrize("doc, message", [
    ({"type": "Feature"}, r"not a GeoJSON FeatureCollection"),
    ({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "a", "type": "market"},
         "geometry": {"type": "Polygon", "coordinates": []}}]},
     r"feature 1, column 'geometry': 'Polygon' is not a Point"),
    ({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "", "type": "market"},
         "geometry": {"type": "Point", "coordinates": [-99.1, 19.4]}}]},
     r"feature 1, column 'name': empty name"),
])
def test_invalid_workshop_files(tmp_path, doc, message):
    path = tmp_path / "candidates.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SitesError, match=message):
        read_workshop_geojson(path)


def test_not_json_is_an_input_error(tmp_path):
    path = tmp_path / "candidates.geojson"
    path.write_text("<html>", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"candidates.geojson: not valid GeoJSON"):
        read_workshop_geojson(path)


def test_negative_duplicate_radius_is_refused(tmp_path, areas, bundled):
    path = write_geojson(tmp_path, [feature("a", "market", ZOCALO[1], ZOCALO[0])])
    with pytest.raises(SitesError, match=r"duplicate_radius_m = -1 must be a distance"):
        import_sites(path, bundled, areas=areas, duplicate_radius_m=-1)


# -- command line ------------------------------------------------------------------------------

def test_sites_import_command_reports_and_writes_merged_csv(tmp_path, bundled, capsys):
    from geo4mi.cli import main
    from geo4mi.study import bundled_study_path

    balderas = bundled.loc[bundled["name"] == "Metro Balderas"].iloc[0]
    path = write_geojson(tmp_path, [
        feature("Mercado de Sonora", "market", -99.1225, 19.4218),
        feature("Balderas", "metro_station", balderas["lon"], balderas["lat"]),
    ])
    before = BUNDLED_SITES.read_bytes()
    assert main(["sites", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "added      Mercado de Sonora (market), Venustiano Carranza" in out
    assert "duplicate  Balderas (metro_station): 0 m from 'Metro Balderas'; not added" in out
    assert "nothing written" in out
    merged = tmp_path / "merged.csv"
    assert main(["sites", "import", str(path), "--study", str(bundled_study_path()),
                 "-o", str(merged)]) == 0
    text = merged.read_text(encoding="utf-8")
    assert text.startswith(BUNDLED_SITES.read_text(encoding="utf-8"))
    assert text.endswith("Mercado de Sonora,market,19.421800,-99.122500,\n")
    assert BUNDLED_SITES.read_bytes() == before  # the study's sites file is never modified


def test_sites_import_command_refuses_shelters(tmp_path, capsys):
    from geo4mi.cli import main

    path = write_geojson(tmp_path, [feature("Casa", "albergue", ZOCALO[1], ZOCALO[0])])
    assert main(["sites", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "looks like a place where people live" in err
