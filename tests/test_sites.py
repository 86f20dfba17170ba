"""Sites: reading, validation, placement in boroughs, refusal of living places, import."""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hostile import PAYLOADS, assert_inert, payload
from shapely.geometry import LineString, Point

from geo4mi.boundaries import load_areas
from geo4mi.errors import InputFileError
from geo4mi.sites import (
    BUNDLED_SITES,
    SITE_TYPES,
    SitesError,
    areas_with_sites,
    import_lines,
    import_sites,
    import_summary,
    parse_type,
    place_sites,
    read_sites,
    read_workshop_geojson,
    type_label,
    write_sites_csv,
)

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
    assert len(bundled) == 33
    assert set(bundled["type"]) == {"metro_station"}
    assert bundled["in_city"].all()
    assert bundled["name"].is_unique
    assert not bundled["name"].str.contains(r"_\d", regex=True).any()
    # official station points (no internal ids in what the popups show)
    assert not bundled["notes"].str.contains("stop_id|GTFS", regex=True).any()
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
    assert row["lat"] == pytest.approx(19.416334)  # the official point (Line 1)


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
    with pytest.raises(SitesError,
                       match=r"feature 1, column 'geometry': 'LineString' is not a point"):
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


def test_import_refuses_shelter_candidates_and_records_no_location(tmp_path, areas, bundled):
    path = write_geojson(tmp_path, [feature("Punto", "albergue", ZOCALO[1], ZOCALO[0]),
                                    feature("Mercado", "market", COYOACAN[1], COYOACAN[0])])
    merged, report = import_sites(path, bundled, areas=areas)
    assert report["status"].tolist() == ["refused", "added"]
    assert report["reason"].iloc[0] == ("column 'type': 'albergue' looks like a place where "
                                        "people live (shelter, home)")
    assert report[["lat", "lon"]].iloc[0].isna().all()  # a refused place is not recorded
    assert pd.isna(report["area_id"].iloc[0])
    assert "Punto" not in merged["name"].tolist() and len(merged) == len(bundled) + 1
    with pytest.raises(SitesError, match=r"candidates.geojson: feature 1, column 'type': "
                                         r"'albergue' looks like a place where people live"):
        read_workshop_geojson(path)  # the strict reader stops at the first bad feature


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
    assert "  feature 1: 'Mercado de Sonora' (market), added in Venustiano Carranza\n" in out
    assert ("  feature 2: 'Balderas' (metro_station), duplicate: 0 m from 'Metro Balderas', "
            "within 50 m\n") in out
    assert ("candidates.geojson: 2 feature(s) read: 1 added, 1 duplicate, 0 refused, "
            "0 invalid; 34 sites in all") in out
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
    merged = tmp_path / "merged.csv"
    assert main(["sites", "import", str(path), "-o", str(merged)]) == 0
    out = capsys.readouterr().out
    assert "refused, type (not added): 1; a place where people live" in out
    assert "  feature 1: 'Casa', refused: column 'type': 'albergue' looks like" in out
    assert "0 added, 0 duplicate, 1 refused, 0 invalid" in out
    assert "Casa" not in merged.read_text(encoding="utf-8")
    assert merged.read_bytes() == BUNDLED_SITES.read_bytes()


# -- workshop import: duplicates against a plain reference, every feature accounted for ------

def reference_duplicates(known_xy, known_names, new_xy, new_names, radius):
    """The rule written plainly, as the first version did it: each candidate in turn against
    every site present (existing, then candidates added so far), nearest first."""
    xy, names = [tuple(p) for p in known_xy], list(known_names)
    out = []
    for point, name in zip(new_xy, new_names, strict=True):
        if xy:
            d = np.hypot(*(np.asarray(xy) - point).T)
            j = int(np.argmin(d))  # the first of equal minima
            nearest, other = float(d[j]), names[j]
        else:
            nearest, other = math.inf, ""
        if nearest <= radius:
            out.append(("duplicate", other, round(nearest, 1)))
        else:
            out.append(("added", "", round(nearest, 1) if math.isfinite(nearest) else None))
            xy.append(tuple(point))
            names.append(name)
    return out


def metric_xy(lon, lat, areas):
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(areas.crs)
    return np.column_stack([pts.x, pts.y])


@pytest.mark.parametrize("radius", [0.0, 50.0, 400.0])
def test_import_duplicates_match_the_plain_rule(tmp_path, areas, bundled, radius):
    rng = np.random.default_rng(int(radius) + 7)
    lon0, lat0 = bundled["lon"].to_numpy(), bundled["lat"].to_numpy()
    # clusters around existing sites, exact repeats, a dense grid added in shuffled order
    # (nearest earlier site far from most of it) and scattered points
    near = rng.integers(0, len(lon0), 150)
    lon = np.concatenate([lon0[near] + rng.normal(0, 0.0006, 150), lon0[:10],
                          -99.20 + 0.0007 * np.repeat(np.arange(30), 30),
                          rng.uniform(-99.3, -98.95, 200)])
    lat = np.concatenate([lat0[near] + rng.normal(0, 0.0006, 150), lat0[:10],
                          19.30 + 0.0007 * np.tile(np.arange(30), 30),
                          rng.uniform(19.15, 19.55, 200)])
    order = np.concatenate([np.arange(160), 160 + rng.permutation(900), np.arange(1060, 1260)])
    lon, lat = np.round(lon[order], 6), np.round(lat[order], 6)
    lon[500] = lon[499]; lat[500] = lat[499]  # noqa: E702  a repeat inside the grid
    names = [f"c{i}" for i in range(len(lon))]
    path = write_geojson(tmp_path, [feature(n, "market", x, y) for n, x, y in zip(names, lon, lat,
                                                                                  strict=True)])
    merged, report = import_sites(path, bundled, areas=areas, duplicate_radius_m=radius)
    expected = reference_duplicates(metric_xy(lon0, lat0, areas), bundled["name"],
                                    metric_xy(lon, lat, areas), names, radius)
    assert report["status"].tolist() == [e[0] for e in expected]
    assert report["duplicate_of"].tolist() == [e[1] for e in expected]
    got = [None if math.isnan(d) else d for d in report["distance_m"]]
    assert got == pytest.approx([e[2] for e in expected], abs=0.051)
    assert (report["status"] == "duplicate").sum() > (20 if radius else 10)
    assert len(merged) == len(bundled) + (report["status"] == "added").sum()


def test_nearest_earlier_site_found_far_beyond_the_first_neighbours(tmp_path, areas):
    # 1,500 candidates 60 m apart: for the first of them, the nearest site present before is
    # the only existing site, 3 km away, behind every other candidate
    existing = read_sites(write_csv(tmp_path, "name,type,lat,lon\n"
                                    f"Far,market,{ZOCALO[0] + 0.03},{ZOCALO[1]}\n"), areas)
    grid = [(ZOCALO[1] + 0.0006 * (i % 40), ZOCALO[0] + 0.0006 * (i // 40)) for i in range(1500)]
    path = write_geojson(tmp_path, [feature(f"g{i}", "market", x, y)
                                    for i, (x, y) in enumerate(grid)])
    _, report = import_sites(path, existing, areas=areas, max_features=None)
    assert (report["status"] == "added").all()
    expected = reference_duplicates(metric_xy([ZOCALO[1]], [ZOCALO[0] + 0.03], areas), ["Far"],
                                    metric_xy(*zip(*grid, strict=True), areas), range(1500), 50)
    assert report["distance_m"].tolist() == pytest.approx([e[2] for e in expected], abs=0.051)
    assert report["distance_m"].iloc[0] > 3000


def test_every_feature_is_accounted_for_in_file_order(tmp_path, areas, bundled):
    balderas = bundled.loc[bundled["name"] == "Metro Balderas"].iloc[0]
    path = write_geojson(tmp_path, [
        feature("Albergue Juárez", "market", ZOCALO[1], ZOCALO[0]),
        feature("Mercado", "market", COYOACAN[1], COYOACAN[0]),
        {"type": "Feature", "properties": {"name": "Sin punto", "type": "market"}},
        feature("Balderas", "metro", balderas["lon"], balderas["lat"]),
        feature("Toluca", "market", TOLUCA[1], TOLUCA[0]),
    ])
    merged, report = import_sites(path, bundled, areas=areas)
    assert report["feature"].tolist() == [1, 2, 3, 4, 5]
    assert report["status"].tolist() == ["refused", "added", "invalid", "duplicate", "added"]
    assert report["field"].tolist() == ["name", "", "geometry", "", ""]
    assert report["in_city"].tolist()[1::3] == [True, False]
    assert merged["name"].tolist()[-2:] == ["Mercado", "Toluca"]
    summary = import_summary(report)
    assert summary[-1] == "5 feature(s) read: 2 added, 1 duplicate, 1 refused, 1 invalid"


def test_outside_sites_warning_is_summarised(tmp_path, areas, caplog):
    rows = "".join(f"Fuera {i},market,{TOLUCA[0]},{TOLUCA[1] + i * 0.001}\n" for i in range(40))
    with caplog.at_level(logging.WARNING, logger="geo4mi.sites"):
        read_sites(write_csv(tmp_path, "name,type,lat,lon\n" + rows), areas)
    assert caplog.messages == ["sites.csv".join(caplog.messages[0].split("sites.csv")[:1])
                               + "sites.csv: 40 site(s) outside the study area (kept, flagged "
                               "in_city=False): 'Fuera 0', 'Fuera 1', 'Fuera 2', 'Fuera 3', "
                               "'Fuera 4' and 35 more"]


# -- workshop import: one reason per bad feature ----------------------------------------------

def raw_feature(properties=None, geometry=None):
    return {"type": "Feature", "properties": properties, "geometry": geometry}


MARKET = {"name": "Mercado", "type": "market"}
POINT = {"type": "Point", "coordinates": [ZOCALO[1], ZOCALO[0]]}


@pytest.mark.parametrize("item, field, reason", [
    (5, "feature", r"a number, not a Feature object"),
    (raw_feature(["Mercado"], POINT), "properties", r"a list, not an object"),
    (raw_feature({"name": 42, "type": "market"}, POINT), "name", r"a number \('42'\), not text"),
    (raw_feature({"name": ["a"], "type": "market"}, POINT), "name", r"a list .*not text"),
    (raw_feature({"name": True, "type": "market"}, POINT), "name", r"true \('true'\), not text"),
    (raw_feature({"name": None, "type": "market"}, POINT), "name", r"empty name"),
    (raw_feature({"name": "   ", "type": "market"}, POINT), "name", r"empty name"),
    (raw_feature({"name": "Mercado", "type": {"a": 1}}, POINT), "type", r"an object .*not text"),
    (raw_feature({**MARKET, "notes": 3.5}, POINT), "notes", r"a number \('3.5'\), not text"),
    (raw_feature({"name": "Mercado", "type": "bar"}, POINT), "type", r"unknown site type 'bar'"),
    (raw_feature({"name": "Mer\x1b[2Jcado", "type": "market"}, POINT), "name",
     r"'Mer\\x1b\[2Jcado' holds the control character U\+001B"),
    (raw_feature({"name": "Mer\ud800cado", "type": "market"}, POINT), "name",
     r"holds the control character U\+D800"),
    (raw_feature({"name": "x" * 201, "type": "market"}, POINT), "name",
     r"201 characters, more than 200"),
    (raw_feature({**MARKET, "notes": "n" * 2001}, POINT), "notes", r"2,001 characters"),
    (raw_feature(MARKET, None), "geometry", r"^column 'geometry': no geometry$"),
    ({"type": "Feature", "properties": MARKET}, "geometry", r"no geometry"),
    (raw_feature(MARKET, "POINT(1 2)"), "geometry", r"text, not a geometry object"),
    (raw_feature(MARKET, {"type": "MultiPoint", "coordinates": [[-99.1, 19.4]]}), "geometry",
     r"'MultiPoint' is not a Point"),
    (raw_feature(MARKET, {"type": "Point"}), "geometry", r"coordinates null are not \[longitude"),
    (raw_feature(MARKET, {"type": "Point", "coordinates": [-99.1]}), "geometry",
     r"coordinates '\[-99.1\]' are not \[longitude, latitude\]"),
    (raw_feature(MARKET, {"type": "Point", "coordinates": [-99.1, 19.4, 2240.0]}), "geometry",
     r"have 3 values \(a 3-D point\?\)"),
    (raw_feature(MARKET, {"type": "Point", "coordinates": ["-99.1", "19.4"]}), "geometry",
     r"are not two numbers"),
    (raw_feature(MARKET, {"type": "Point", "coordinates": [True, 19.4]}), "geometry",
     r"are not two numbers"),
    (raw_feature(MARKET, {"type": "Point", "coordinates": [math.nan, 19.4]}), "geometry",
     r"'\[NaN, 19.4\]' are not finite numbers"),
    (raw_feature(MARKET, {"type": "Point", "coordinates": [-99.1, math.inf]}), "geometry",
     r"are not finite numbers"),
    (raw_feature(MARKET, {"type": "Point", "coordinates": [-99.1, 10 ** 400]}), "geometry",
     r"are not finite numbers"),
    (raw_feature(MARKET, {"type": "Point", "coordinates": [19.43, -99.13]}), "geometry",
     r"latitude -99.13 is outside -90..90: \[19.43, -99.13\] looks swapped \(GeoJSON gives "
     r"\[longitude, latitude\]\)"),
    (raw_feature(MARKET, {"type": "Point", "coordinates": [-99.1, 190.0]}), "geometry",
     r"latitude 190.0 is outside -90..90$"),
    (raw_feature(MARKET, {"type": "Point", "coordinates": [-199.1, 19.4]}), "geometry",
     r"longitude -199.1 is outside -180..180"),
])
def test_bad_feature_gets_its_own_reason(tmp_path, areas, bundled, item, field, reason):
    good = feature("Mercado bueno", "market", COYOACAN[1], COYOACAN[0])
    path = tmp_path / "candidates.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [good, item]}),
                    encoding="utf-8")
    merged, report = import_sites(path, bundled, areas=areas)
    assert report["status"].tolist() == ["added", "invalid"]
    assert report["field"].iloc[1] == field
    assert re.search(reason, report["reason"].iloc[1]), report["reason"].iloc[1]
    assert report["reason"].iloc[1].startswith(f"column {field!r}: ")
    assert merged["name"].iloc[-1] == "Mercado bueno" and len(merged) == len(bundled) + 1
    with pytest.raises(SitesError, match=rf"candidates.geojson: feature 2, column '{field}': "):
        read_workshop_geojson(path)


def test_a_shelter_is_refused_whatever_else_is_wrong(tmp_path, areas, bundled):
    path = write_geojson(tmp_path, [
        raw_feature({"name": 7, "type": "Albergue temporal"}, None),
        raw_feature({"name": "Casa de acogida Norte", "type": "bar"}, {"type": "Polygon"}),
    ])
    _, report = import_sites(path, bundled, areas=areas)
    assert report["status"].tolist() == ["refused", "refused"]
    assert report["field"].tolist() == ["type", "name"]


def test_hostile_text_is_kept_literally_or_refused_with_a_reason(tmp_path, areas, bundled):
    feats = []
    for i, text in enumerate(PAYLOADS):
        lon, lat = ZOCALO[1] + 0.001 * (i % 10), ZOCALO[0] + 0.001 * (i // 10)
        feats += [feature(payload(i), "market", lon, lat, notes=text),
                  feature(f"t{i}", text, lon, lat - 0.05)]
    path = write_geojson(tmp_path, feats)
    merged, report = import_sites(path, bundled, areas=areas)
    assert len(report) == 2 * len(PAYLOADS)
    for i, text in enumerate(PAYLOADS):
        name_row, type_row = report.iloc[2 * i], report.iloc[2 * i + 1]
        assert type_row["status"] == "invalid" and type_row["field"] == "type"
        assert type_row["reason"].startswith("column 'type': unknown site type ")
        if len(text) > 200:
            assert name_row["status"] == "invalid" and name_row["field"] == "name"
            assert re.search(r"\d,\d{3} characters, more than 200", name_row["reason"])
            continue
        assert name_row["status"] == "added", name_row["reason"]
        site = merged.loc[merged["name"] == " ".join(payload(i).split())]
        assert len(site) == 1  # stored as given (whitespace runs made one space)
        assert site["notes"].item() == " ".join(text.split())
    lines = import_summary(report) + import_lines(report)
    for line in lines:
        assert line.isprintable(), line  # no raw control, bidi or zero-width character
        assert_inert(line)
        assert len(line) < 400
    assert "'h20 bidi \\u202egnp.exe\\u202c'" in "\n".join(lines)


def test_import_stops_reading_at_the_limit(tmp_path, areas, bundled):
    feats = [feature(f"s{i}", "market", ZOCALO[1] + i * 0.001, ZOCALO[0]) for i in range(30)]
    text = json.dumps({"type": "FeatureCollection", "features": feats})
    path = tmp_path / "big.geojson"
    # what follows the 11th feature is not JSON: the limit is hit before it is read
    path.write_text(text[:text.index('{"type": "Feature"', text.index("s10"))] + "garbage",
                    encoding="utf-8")
    with pytest.raises(SitesError, match=r"big.geojson: about 11 features, but one import "
                                         r"accepts at most 10; split the file, or raise "
                                         r"\[sites\] max_import in the study file"):
        import_sites(path, bundled, areas=areas, max_features=10)
    with pytest.raises(InputFileError, match=r"big.geojson: not valid GeoJSON"):
        import_sites(path, bundled, areas=areas, max_features=20)
    path.write_text(text, encoding="utf-8")
    _, report = import_sites(path, bundled, areas=areas, max_features=30)
    assert len(report) == 30
    with pytest.raises(SitesError, match=r"max_features = 0 must be a whole number"):
        import_sites(path, bundled, areas=areas, max_features=0)


@pytest.mark.parametrize("text, error, message", [
    ('\ufeff{"features": [], "type": "FeatureCollection"}', None, None),
    ('{\n  "type" : "FeatureCollection" ,\n  "name": {"x": [1, {"y": 2}]},\n  "features" :'
     ' [\n  ]\n}\n', None, None),
    ('[]', SitesError, r"not a GeoJSON FeatureCollection \(a list\)"),
    ('"x"', SitesError, r"not a GeoJSON FeatureCollection \(text\)"),
    ('{}', SitesError, r"not a GeoJSON FeatureCollection \(null\)"),
    ('{"type": "Feature", "features": []}', SitesError, r"\(type 'Feature'\)"),
    ('{"type": "FeatureCollection", "features": {}}', SitesError, r"\(type 'FeatureCollection'\)"),
    ('{"type": "FeatureCollection", "features": [], "features": []}', SitesError,
     r"two 'features' members; keep one"),
    ('{"type": "FeatureCollection", "features": []} x', InputFileError, r"Extra data: line 1"),
    ('{"type": "FeatureCollection", "features": [1,]}', InputFileError, r"Expecting value"),
    ('{"type": "FeatureCollection", "features": [1 2]}', InputFileError, r"Expecting ','"),
    ('{"type": "FeatureCollection", "features": [', InputFileError, r"Expecting value"),
    ('{"type" "FeatureCollection"}', InputFileError, r"Expecting ':'"),
    ('{"type": "FeatureCollection" "features": []}', InputFileError, r"Expecting ',' or '}'"),
    ('{"type": "FeatureCollection", }', InputFileError, r"Expecting '\"'"),
    ('', InputFileError, r"Expecting value: line 1 column 1"),
])
def test_geojson_is_read_as_json(tmp_path, areas, bundled, text, error, message):
    path = tmp_path / "c.geojson"
    path.write_text(text, encoding="utf-8")
    if error is None:
        merged, report = import_sites(path, bundled, areas=areas)
        assert len(report) == 0 and len(merged) == len(bundled)
    else:
        with pytest.raises(error, match=message):
            import_sites(path, bundled, areas=areas)


def test_deeply_nested_json_is_an_input_error(tmp_path, areas, bundled):
    path = tmp_path / "c.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"properties": {"name": '
                    + "[" * 100_000 + "]" * 100_000 + "}}]}", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"not valid GeoJSON \(Nested too deeply: line 1 "
                                             r"column 44"):
        import_sites(path, bundled, areas=areas)


def test_not_utf8_is_an_input_error(tmp_path, areas, bundled):
    path = tmp_path / "c.geojson"
    path.write_bytes(b'{"type": "FeatureCollection", "features": [\xff]}')
    with pytest.raises(InputFileError, match=r"c.geojson: not valid GeoJSON \('utf-8' codec"):
        import_sites(path, bundled, areas=areas)


def test_nan_radius_is_refused(tmp_path, areas, bundled):
    path = write_geojson(tmp_path, [feature("a", "market", ZOCALO[1], ZOCALO[0])])
    with pytest.raises(SitesError, match=r"duplicate_radius_m = nan must be a distance"):
        import_sites(path, bundled, areas=areas, duplicate_radius_m=math.nan)


# -- the study key and the command --------------------------------------------------------------

def study_with_sites(tmp_path, extra=""):
    from geo4mi.study import bundled_study_path, load_study

    bundled_study = load_study(bundled_study_path())
    text = bundled_study.path.read_text(encoding="utf-8")
    folder = bundled_study.folder.as_posix()
    text = text.replace('path = "', f'path = "{folder}/').replace('export = "',
                                                                   f'export = "{folder}/')
    text = text.replace('form = "', f'form = "{folder}/').replace('catalogue = "',
                                                                   f'catalogue = "{folder}/')
    text = text.replace('population = "', f'population = "{folder}/')
    text = text.replace("[sites]\n", f"[sites]\n{extra}\n")
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_max_import_study_key(tmp_path):
    from geo4mi.errors import StudyError
    from geo4mi.study import bundled_study_path, load_study

    assert load_study(bundled_study_path()).sites.max_import == 10_000
    assert load_study(study_with_sites(tmp_path, "max_import = 3")).sites.max_import == 3
    with pytest.raises(StudyError, match=r"\[sites\] max_import = 0 must be at least 1"):
        load_study(study_with_sites(tmp_path, "max_import = 0"))
    with pytest.raises(StudyError, match=r"\[sites\] max_import = 2.5 must be a whole number"):
        load_study(study_with_sites(tmp_path, "max_import = 2.5"))


def test_sites_import_command_applies_the_limit_in_one_line(tmp_path, capsys):
    from geo4mi.cli import main

    study = study_with_sites(tmp_path, "max_import = 2")
    path = write_geojson(tmp_path, [feature(f"s{i}", "market", ZOCALO[1] + i * 0.001,
                                            ZOCALO[0]) for i in range(3)])
    out = tmp_path / "merged.csv"
    assert main(["sites", "import", str(path), "--study", str(study), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "candidates.geojson: about 3 features, but one import accepts at most 2" in err
    assert "[sites] max_import" in err and not out.exists()


def test_sites_import_command_summarises_and_writes_the_full_report(tmp_path, capsys):
    from geo4mi.cli import main

    feats = [feature(f"Mercado {i}", "market", ZOCALO[1] + 0.01 * (i % 20),
                     ZOCALO[0] + 0.01 * (i // 20)) for i in range(40)]
    feats += [feature(f"Raro {i}", "bar", COYOACAN[1], COYOACAN[0]) for i in range(12)]
    path = write_geojson(tmp_path, feats)
    report = tmp_path / "report.txt"
    assert main(["sites", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "added: 40; 22 outside the study area\n" in out
    assert "invalid, type (not added): 12; use one of" in out
    assert "  ... and 35 more (--report FILE lists them all)\n" in out
    assert "  ... and 7 more (--report FILE lists them all)\n" in out
    assert out.count("  feature ") == 10
    assert main(["sites", "import", str(path), "--report", str(report)]) == 0
    assert f"... and 35 more (all in {report})" in capsys.readouterr().out
    lines = report.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 52
    assert lines[0].startswith("feature 1: 'Mercado 0' (market), added in ")
    assert lines[-1] == "feature 52: 'Raro 11', invalid: column 'type': unknown site type 'bar'"
    assert main(["sites", "import", str(path), "--report", str(report)]) == 2
    assert "report.txt: file exists; pass --overwrite" in capsys.readouterr().err


def test_placement_matches_a_spatial_join_on_borders(areas):
    rng = np.random.default_rng(3)
    border = shapely.get_coordinates(shapely.boundary(areas.geometry.to_numpy()))
    pick = border[rng.integers(0, len(border), 300)]
    minx, miny, maxx, maxy = areas.total_bounds
    xy = np.concatenate([pick, np.column_stack([rng.uniform(minx, maxx, 700),
                                                rng.uniform(miny, maxy, 700)])])
    lonlat = gpd.GeoSeries(gpd.points_from_xy(*xy.T), crs=areas.crs).to_crs("EPSG:4326")
    table = pd.DataFrame({"name": [f"p{i}" for i in range(len(xy))], "type": "market",
                          "lat": lonlat.y, "lon": lonlat.x, "notes": ""})
    placed = place_sites(table, areas)
    points = gpd.GeoDataFrame(geometry=lonlat.to_crs(areas.crs))
    joined = gpd.sjoin(points, areas[["area_id", "geometry"]], how="left", predicate="intersects")
    expected = joined.groupby(level=0)["area_id"].min()  # shared border: lowest area_id
    assert placed["area_id"].isna().sum() > 100 and expected.isna().sum() > 100
    assert placed["area_id"].fillna("-").tolist() == expected.fillna("-").tolist()


@pytest.mark.parametrize("words", ["albergue", "shelter", "casa del migrante",
                                   "casa de migrantes", "casa de acogida", "casa refugio"])
@pytest.mark.parametrize("spelling", [str.title, str.upper, lambda w: f"  {w}\t"])
def test_every_shelter_name_is_refused_however_written(tmp_path, areas, bundled, words,
                                                       spelling):
    path = write_geojson(tmp_path, [feature(f"Gran {spelling(words)} Norte", "market",
                                            ZOCALO[1], ZOCALO[0])])
    _, report = import_sites(path, bundled, areas=areas)
    assert report["status"].tolist() == ["refused"] and report["field"].tolist() == ["name"]
