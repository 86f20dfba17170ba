"""Placing respondents: GPS inside, on borders, in INEGI's gaps, outside; names; policies."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from geo4mi.errors import SurveyDataError
from geo4mi.study import bundled_study_path, load_study
from geo4mi.survey.placement import (
    INSIDE,
    NEAREST,
    NO_POINT,
    OUTSIDE,
    AreaLocator,
    place_respondents,
)
from geo4mi.survey.xlsform import example_form_path, read_form

#: Mexico City's name variants: study data ([boundaries] aliases of the bundled study).
MEXICO_ALIASES = load_study(bundled_study_path()).boundaries.aliases

TO_LONLAT = Transformer.from_crs("EPSG:6372", "EPSG:4326", always_xy=True)


@pytest.fixture(scope="module")
def areas():
    from geo4mi.boundaries import load_areas

    return load_areas()


@pytest.fixture(scope="module")
def locator(areas):
    return AreaLocator(areas, tolerance_m=25)


@pytest.fixture(scope="module")
def gaps(areas):
    union = shapely.union_all(areas.geometry.to_numpy())
    holes = [shapely.Polygon(r) for p in getattr(union, "geoms", [union]) for r in p.interiors]
    return [h for h in holes if h.area < 1.0]


def lonlat(x, y):
    lon, lat = TO_LONLAT.transform(np.atleast_1d(x), np.atleast_1d(y))
    return lat, lon


def test_locator_agrees_with_contains_on_random_points(areas, locator):
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = areas.total_bounds
    x = rng.uniform(minx - 2000, maxx + 2000, 20_000)
    y = rng.uniform(miny - 2000, maxy + 2000, 20_000)
    index, how = locator.locate(x, y)
    truth = np.full(len(x), -1)
    for i, geom in enumerate(areas.geometry):
        truth[shapely.contains_xy(geom, x, y) & (truth < 0)] = i
    inside = truth >= 0
    assert (index[inside] == truth[inside]).all()
    assert (how[inside] == INSIDE).all()
    # points in no polygon: nearest within 25 m, else outside
    outside = ~inside
    dist = np.array([min(g.distance(shapely.Point(a, b)) for g in areas.geometry)
                     for a, b in zip(x[outside][:300], y[outside][:300], strict=True)])
    assert ((how[outside][:300] == NEAREST) == (dist <= 25)).all()


def test_gap_points_go_to_the_nearest_borough(areas, locator, gaps):
    assert len(gaps) >= 60  # INEGI 2022 has sub-square-metre gaps between alcaldías
    cx = np.array([g.point_on_surface().x for g in gaps])
    cy = np.array([g.point_on_surface().y for g in gaps])
    index, how = locator.locate(cx, cy)
    assert (how == NEAREST).all()
    for i, g in zip(index, gaps, strict=True):
        dists = areas.geometry.distance(g.point_on_surface()).to_numpy()
        assert dists[i] == pytest.approx(dists.min(), abs=1e-9)


def test_border_vertex_goes_to_lowest_area_id(areas, locator):
    a = areas.geometry.iloc[0]
    shared = [j for j in range(1, len(areas)) if a.touches(areas.geometry.iloc[j])
              or a.intersects(areas.geometry.iloc[j].boundary)]
    assert shared
    line = shapely.intersection(a.boundary, areas.geometry.iloc[shared[0]].boundary)
    pt = shapely.get_coordinates(line)[0]
    index, how = locator.locate([pt[0]], [pt[1]])
    assert how[0] == NEAREST
    assert index[0] == 0  # the lowest area_id among those touching the point


def test_outside_points_and_missing(areas, locator):
    minx, miny, _maxx, _maxy = areas.total_bounds
    index, how = locator.locate([minx - 5000, np.nan], [miny - 5000, np.nan])
    assert index.tolist() == [-1, -1]
    assert how.tolist() == [OUTSIDE, NO_POINT]


def test_locator_on_tiny_boxes_and_tolerance():
    sq = gpd.GeoDataFrame({"area_id": ["a", "b"], "area_name": ["A", "B"]},
                          geometry=[shapely.box(0, 0, 10, 10), shapely.box(10.5, 0, 20, 10)],
                          crs="EPSG:6372")
    loc = AreaLocator(sq, tolerance_m=1, cell_m=1)
    index, how = loc.locate([5, 10.2, 10.4, 25, 21.5], [5, 5, 5, 5, 5])
    assert index.tolist() == [0, 0, 1, -1, -1]
    assert how.tolist() == [INSIDE, NEAREST, NEAREST, OUTSIDE, OUTSIDE]
    with pytest.raises(ValueError, match="tolerance_m must be >= 0"):
        AreaLocator(sq, tolerance_m=-1)


# -- place_respondents -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def points(areas):
    """Lat/lon of a point well inside each area, by area_id."""
    out = {}
    for area_id, geom in zip(areas["area_id"], areas.geometry, strict=True):
        p = geom.buffer(-200).representative_point()
        lat, lon = lonlat(p.x, p.y)
        out[area_id] = (float(lat[0]), float(lon[0]))
    return out


def frame(rows):
    df = pd.DataFrame(rows, columns=["borough", "gps_lat", "gps_lon"])
    return df.astype({"borough": "string", "gps_lat": "Float64", "gps_lon": "Float64"})


def test_declared_names_and_gps(areas, points):
    form = read_form(example_form_path())
    r = frame([
        ("gustavo_a_madero", None, None),          # choice name, matched through its label
        ("Itzapalapa", None, None),                # known misspelling
        (None, *points["09015"]),                  # GPS only
        ("Narnia", None, None),                    # unmatched
        (None, None, None),                        # nothing
        ("cuauhtemoc", *points["09015"]),          # both agree
    ])
    out = place_respondents(r, areas, form=form, aliases=MEXICO_ALIASES)
    assert out["area_id"].tolist()[:3] == ["09005", "09007", "09015"]
    assert out["placement"].tolist() == ["declared", "declared", "gps", "unassigned",
                                         "unassigned", "declared"]
    assert "matches no area; closest:" in out.loc[3, "placement_note"]
    assert out.loc[4, "placement_note"] == "no borough name and no GPS point"
    assert pd.isna(out.loc[5, "placement_note"])
    assert out["_name_match"].tolist()[:2] == ["exact", "alias"]
    assert list(r.columns) == ["borough", "gps_lat", "gps_lon"]  # input untouched


@pytest.mark.parametrize("policy, area, placement, note", [
    ("prefer_declared", "09015", "declared", "kept the declared borough"),
    ("prefer_gps", "09007", "gps", "placed by GPS"),
    ("flag", None, "unassigned", "not placed (policy 'flag')"),
])
def test_disagreement_policies(areas, points, policy, area, placement, note):
    r = frame([("Cuauhtémoc", *points["09007"])])
    out = place_respondents(r, areas, policy=policy)
    got = out.loc[0, "area_id"]
    assert (pd.isna(got) and area is None) or got == area
    assert out.loc[0, "placement"] == placement
    note = out.loc[0, "placement_note"]
    assert "declared 'Cuauhtémoc' but the GPS point is in 'Iztapalapa'" in note
    assert note in out.loc[0, "placement_note"]


def test_gps_outside_the_city_with_and_without_name(areas):
    lat, lon = 20.5, -99.1  # Hidalgo state, far north of the city
    r = frame([("Coyoacán", lat, lon), (None, lat, lon)])
    out = place_respondents(r, areas, policy="prefer_gps")
    assert out["placement"].tolist() == ["declared", "unassigned"]
    assert out["area_id"].tolist()[0] == "09003"
    assert "GPS point outside the city (" in out.loc[0, "placement_note"]
    assert "km from the nearest borough" in out.loc[1, "placement_note"]


def test_gap_respondent_is_gps_nearest(areas, gaps):
    c = gaps[0].point_on_surface()
    lat, lon = lonlat(c.x, c.y)
    out = place_respondents(frame([(None, lat[0], lon[0])]), areas)
    assert out.loc[0, "placement"] == "gps_nearest"
    assert out.loc[0, "area_id"] in set(areas["area_id"])


def test_needs_a_borough_or_gps_column(areas):
    r = pd.DataFrame({"age": [30]})
    r.attrs["source"] = "export.csv"
    with pytest.raises(SurveyDataError, match=r"export\.csv: row 1: no area column "
                                              r"'borough' and no GPS columns"):
        place_respondents(r, areas)


def test_absent_borough_column_counts_as_missing(areas, points):
    r = frame([("", *points["09002"])])
    r.attrs["absent_questions"] = ["borough"]
    out = place_respondents(r, areas)
    assert out.loc[0, "placement"] == "gps"
    assert pd.isna(out.loc[0, "_name_match"])


def test_unknown_policy(areas):
    with pytest.raises(ValueError, match=r"placement policy 'gps_first' is unknown; use one of "
                                         r"prefer_declared, prefer_gps, flag"):
        place_respondents(frame([]), areas, policy="gps_first")


def test_geographic_areas_are_reprojected(areas, points):
    r = frame([(None, *points["09014"])])
    out = place_respondents(r, areas.to_crs("EPSG:4326"))
    assert out.loc[0, "area_id"] == "09014"


# -- answers that are not choices; swapped coordinates -----------------------------------------

def test_values_that_are_not_choices_are_matched_like_text(tmp_path, areas):
    """Hand-cleaned names in a select_one area column are placed by the name matcher; codes
    that name no area are unassigned with the real reason, not 'no borough name'."""
    from geo4mi.survey.exports import read_export

    form = read_form(example_form_path())
    path = tmp_path / "cleaned.csv"
    path.write_text("profile/borough,profile/age\n"
                    "GAM,30\n"                     # abbreviation
                    "Alcaldía Cuauhtémoc,31\n"     # prefix and accents
                    "benito juarez,32\n"           # not in the list, but an area of the city
                    "Itzapalapa,33\n"              # known misspelling
                    "COYOACAN,34\n"                # a choice name in upper case
                    "A2,35\n"                      # an anonymised code
                    ",36\n", encoding="utf-8")
    raw, issues = read_export(path, form)
    out = place_respondents(raw, areas, form=form, read_issues=issues,
                            aliases=MEXICO_ALIASES)
    assert out["area_id"].tolist() == ["09005", "09015", "09014", "09007", "09003", pd.NA,
                                       pd.NA]
    assert out["_area_not_choice"].tolist() == [True, True, True, True, False, True, False]
    assert out["_area_value"].tolist()[:3] == ["GAM", "Alcaldía Cuauhtémoc", "benito juarez"]
    assert out.loc[0, "placement_note"] == ("value 'GAM' is not a choice of list 'alcaldia' of "
                                            "question 'borough'; read as area "
                                            "'Gustavo A. Madero' (known variant)")
    assert out.loc[5, "placement_note"].startswith(
        "value 'A2' is not a choice of list 'alcaldia' of question 'borough' nor an area name "
        "or id (closest: ")
    assert out.loc[6, "placement_note"] == "no borough name"  # and the file has no GPS
    # without the reading issues the values are lost, as before
    blind = place_respondents(raw, areas, form=form)
    assert blind["area_id"].notna().sum() == 1


def test_area_column_outside_the_form(areas, points):
    r = pd.DataFrame({"alcaldia_limpia": pd.array(["Tlalpan", "Narnia"], dtype="string")})
    out = place_respondents(r, areas, area_column="alcaldia_limpia", gps_question=None)
    assert out["area_id"].tolist() == ["09012", pd.NA]
    assert out.loc[1, "placement_note"].startswith("borough name 'Narnia' matches no area")


def test_swapped_coordinates_are_pointed_out(tmp_path, areas, points, caplog):
    """Latitude and longitude swapped: Mexico City's longitudes are out of range as latitudes;
    the points are rejected on reading and placement says why."""
    import logging

    from geo4mi.survey.exports import read_export

    form = read_form(example_form_path())
    rows = ["profile/borough,_gps_latitude,_gps_longitude"]
    for area_id in ("09015", "09007", "09003"):
        lat, lon = points[area_id]
        rows.append(f",{lon},{lat}")               # swapped
    lat, lon = points["09012"]
    rows.append(f",{lat},{lon}")                   # right way round
    rows.append(",-33.45,-70.66")                  # Santiago de Chile: outside, not swapped
    path = tmp_path / "swapped.csv"
    path.write_text("\n".join(rows) + "\n")
    raw, issues = read_export(path, form)
    with caplog.at_level(logging.WARNING, logger="geo4mi.survey.placement"):
        out = place_respondents(raw, areas, form=form, read_issues=issues)
    assert out["_gps_swapped"].tolist() == [True, True, True, False, False]
    assert out["area_id"].tolist() == [pd.NA, pd.NA, pd.NA, "09012", pd.NA]
    assert out.loc[0, "placement_note"] == ("GPS point out of range (latitude and longitude "
                                            "look swapped); no borough name")
    assert "GPS point outside the city (" in out.loc[4, "placement_note"]
    assert "3 of 4 GPS points out of range or outside the city fall in the study area with " \
           "latitude and longitude swapped; swap the latitude and longitude columns" in caplog.text


def test_overlapping_areas_lowest_index_wins_inside():
    """Points inside two overlapping polygons go to the first; the grid cell is big enough
    that they are tested against the polygons (not looked up in the grid)."""
    from shapely.geometry import box

    areas = gpd.GeoDataFrame({"area_id": ["b", "a", "c"], "area_name": ["B", "A", "C"]},
                             geometry=[box(0, 0, 100, 100), box(50, 0, 150, 100),
                                       box(140, 0, 200, 100)], crs="EPSG:6372")
    locator = AreaLocator(areas, tolerance_m=1, cell_m=400)
    index, how = locator.locate([75.0, 25.0, 125.0, 145.0, 175.0, 250.0],
                                [50.0, 50.0, 50.0, 50.0, 50.0, 50.0])
    assert index.tolist() == [0, 0, 1, 1, 2, -1]
    assert how.tolist() == [INSIDE] * 5 + [OUTSIDE]
