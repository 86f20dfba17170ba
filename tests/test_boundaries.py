"""Loading and validating boundaries: the bundled INEGI set and user files."""

import warnings

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from geo4mi.boundaries import load_areas, metric_crs, to_crs_checked
from geo4mi.errors import BoundaryError, CRSError, InputFileError


def test_bundled_alcaldias():
    areas = load_areas()
    assert len(areas) == 16
    assert areas["area_id"].tolist() == sorted(areas["area_id"])
    assert areas.crs.to_epsg() == 6372
    assert areas.is_valid.all()
    assert abs(areas.area.sum() / 1e6 - 1486.2) < 1
    assert "Álvaro Obregón" in set(areas["area_name"])
    assert {"CVEGEO", "NOMGEO", "CVE_MUN"} <= set(areas.columns)


@pytest.fixture
def write_areas(tmp_path):
    def write(ids, names, geoms=None, crs="EPSG:32614", name="areas.gpkg"):
        geoms = geoms or [box(i, 0, i + 1, 1) for i in range(len(ids))]
        path = tmp_path / name
        gpd.GeoDataFrame({"code": ids, "label": names}, geometry=geoms, crs=crs).to_file(path)
        return path
    return write


def test_user_file_with_own_fields(write_areas):
    path = write_areas(["b", "a"], ["Beta", "Alfa"])
    areas = load_areas(path, id_field="code", name_field="label")
    assert areas["area_id"].tolist() == ["a", "b"]
    assert areas["area_name"].tolist() == ["Alfa", "Beta"]


def test_missing_file():
    with pytest.raises(InputFileError, match=r"nowhere\.gpkg: boundaries file not found"):
        load_areas("nowhere.gpkg")


def test_missing_id_field_lists_fields(write_areas):
    path = write_areas(["a"], ["Alfa"])
    with pytest.raises(BoundaryError, match=r"id field 'CVEGEO' not found; available fields: "
                                            r"code, label"):
        load_areas(path)


def test_duplicated_id(write_areas):
    path = write_areas(["a", "a"], ["Alfa", "Beta"])
    with pytest.raises(BoundaryError, match=r"duplicated id 'a' \(features 1, 2\)"):
        load_areas(path, id_field="code", name_field="label")


def test_duplicated_name(write_areas):
    path = write_areas(["a", "b"], ["Alfa", "Alfa"])
    with pytest.raises(BoundaryError, match=r"field 'label': duplicated name 'Alfa'"):
        load_areas(path, id_field="code", name_field="label")


def test_invalid_geometry_repaired_or_refused(write_areas):
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    path = write_areas(["a", "b"], ["Alfa", "Beta"], geoms=[bowtie, box(2, 0, 3, 1)])
    with pytest.raises(BoundaryError, match=r"invalid geometry in areas 'a'"):
        load_areas(path, id_field="code", name_field="label", repair=False)
    repaired = load_areas(path, id_field="code", name_field="label")
    assert repaired.is_valid.all()
    assert repaired.geom_type.isin(["Polygon", "MultiPolygon"]).all()


def test_point_layer_refused(write_areas, tmp_path):
    path = tmp_path / "pts.gpkg"
    gpd.GeoDataFrame({"code": ["a"], "label": ["A"]}, geometry=gpd.points_from_xy([0], [0]),
                     crs="EPSG:4326").to_file(path)
    with pytest.raises(BoundaryError, match=r"areas must be polygons"):
        load_areas(path, id_field="code", name_field="label")


def test_reprojection_and_missing_crs():
    areas = load_areas()
    web = to_crs_checked(areas, "EPSG:4326", step="web map")
    assert web.crs.to_epsg() == 4326
    assert to_crs_checked(areas, "EPSG:6372", step="noop") is areas
    assert metric_crs(web).to_epsg() == 6372
    with pytest.raises(CRSError, match=r"web map: the layer has no CRS"):
        to_crs_checked(gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)]), "EPSG:4326", step="web map")


# -- files without a CRS: [boundaries] crs -----------------------------------------------

def _no_crs_file(path, geoms=None):
    """Write areas with no CRS at all (GeoPackage srs 'undefined', shapefile without .prj)."""
    geoms = geoms or [box(-99.2, 19.3, -99.1, 19.4), box(-99.1, 19.3, -99.0, 19.4)]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
        gpd.GeoDataFrame({"code": ["a", "b"], "label": ["A", "B"]}, geometry=geoms).to_file(path)
    return path


@pytest.mark.parametrize("name, hint", [
    ("areas.gpkg", r'declare it in the study file under \[boundaries\], e\.g\. crs = "EPSG:4326"'),
    ("areas.shp", r"add its \.prj file next to the \.shp, or declare the CRS in the study file"),
])
def test_no_crs_message_names_the_study_key(tmp_path, name, hint):
    path = _no_crs_file(tmp_path / name)
    with pytest.raises(CRSError, match=rf"{name}: has no CRS; {hint}"):
        load_areas(path, id_field="code", name_field="label")


def test_declared_crs_is_used_only_for_files_without_one(tmp_path, write_areas):
    path = _no_crs_file(tmp_path / "areas.gpkg")
    areas = load_areas(path, id_field="code", name_field="label", crs="EPSG:4326")
    assert areas.crs.to_epsg() == 4326
    own = write_areas(["a"], ["A"], crs="EPSG:32614", name="own.gpkg")
    assert load_areas(own, id_field="code", name_field="label",
                      crs="EPSG:32614").crs.to_epsg() == 32614
    with pytest.raises(CRSError, match=r"own\.gpkg: the file says its CRS is 'EPSG:32614' but "
                                       r"\[boundaries\] crs = 'EPSG:4326'; remove the crs key"):
        load_areas(own, id_field="code", name_field="label", crs="EPSG:4326")


def test_declared_geographic_crs_refuses_projected_coordinates(tmp_path):
    path = _no_crs_file(tmp_path / "metres.gpkg",
                        [box(480000, 2140000, 490000, 2150000), box(490000, 2140000, 500000,
                                                                     2150000)])
    with pytest.raises(CRSError, match=r"metres\.gpkg: coordinates reach \(480000, 2140000\) - "
                                       r"\(500000, 2150000\), which cannot be degrees of "
                                       r"'EPSG:4326'; declare the projected CRS"):
        load_areas(path, id_field="code", name_field="label", crs="EPSG:4326")
    assert load_areas(path, id_field="code", name_field="label",
                      crs="EPSG:32614").crs.to_epsg() == 32614
