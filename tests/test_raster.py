"""Raster tools checked against hand computation on tiny rasters built in temp folders."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from shapely.geometry import Point, box

from geo4mi.boundaries import load_areas
from geo4mi.errors import CRSError, InputFileError, OutputError
from geo4mi.sites import BUNDLED_SITES, read_sites
from geo4mi.sites.pixel_runs import pixel_runs
from geo4mi.sites.plan import census_measure
from geo4mi.sites.raster import (
    DISTANCE_NODATA,
    RasterError,
    catchment_coverage,
    distance_to_sites,
    zonal_stats,
)

CRS = "EPSG:6372"
X0, Y0 = 2_800_000.0, 830_000.0  # somewhere in Mexico City, EPSG:6372 metres


def write_raster(path, data, *, crs=CRS, x0=X0, y_top=Y0 + 400, res=100.0, nodata=None):
    data = np.asarray(data)
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0],
                       count=1, dtype=data.dtype, crs=crs, nodata=nodata,
                       transform=Affine(res, 0, x0, 0, -res, y_top)) as dst:
        dst.write(data, 1)
    return path


def two_areas(crs=CRS) -> gpd.GeoDataFrame:
    """Two 200 m x 400 m rectangles side by side: a = columns 0-1, b = columns 2-3."""
    return gpd.GeoDataFrame(
        {"area_id": ["a", "b"], "area_name": ["A", "B"]},
        geometry=[box(X0, Y0, X0 + 200, Y0 + 400), box(X0 + 200, Y0, X0 + 400, Y0 + 400)],
        crs=CRS).to_crs(crs)


GRID = np.arange(1, 17, dtype="float32").reshape(4, 4)  # rows top to bottom: 1-4, 5-8, ...


def test_sums_means_counts_by_hand(tmp_path):
    tif = write_raster(tmp_path / "r.tif", GRID)
    stats = zonal_stats(tif, two_areas())
    # a: columns 0-1 -> 1+2+5+6+9+10+13+14 = 60; b: 3+4+7+8+11+12+15+16 = 76
    assert stats["sum"].tolist() == [60.0, 76.0]
    assert stats["mean"].tolist() == [7.5, 9.5]
    assert stats["count"].tolist() == [8, 8]
    assert stats["pixels"].tolist() == [8, 8]
    assert stats["covered_share"].tolist() == [1.0, 1.0]
    assert stats.columns.tolist() == ["area_id", "area_name", "sum", "mean", "count", "pixels",
                                      "covered_share"]


def test_nodata_value_and_nan_are_skipped(tmp_path):
    data = GRID.copy()
    data[0, 0] = -9999  # in a
    data[3, 3] = np.nan  # in b
    tif = write_raster(tmp_path / "r.tif", data, nodata=-9999)
    stats = zonal_stats(tif, two_areas())
    assert stats["sum"].tolist() == [59.0, 60.0]
    assert stats["count"].tolist() == [7, 7]
    assert stats["pixels"].tolist() == [8, 8]
    assert stats["mean"].tolist() == pytest.approx([59 / 7, 60 / 7])


def test_all_nodata_area_has_no_sum_not_zero(tmp_path):
    data = GRID.copy()
    data[:, :2] = -1
    tif = write_raster(tmp_path / "r.tif", data, nodata=-1)
    stats = zonal_stats(tif, two_areas())
    assert stats["sum"].isna().tolist() == [True, False]
    assert stats["mean"].isna().tolist() == [True, False]
    assert stats["count"].tolist() == [0, 8]


def test_integer_raster_with_nodata(tmp_path):
    tif = write_raster(tmp_path / "r.tif", np.where(GRID > 14, 255, GRID).astype("uint8"),
                       nodata=255)
    stats = zonal_stats(tif, two_areas())
    assert stats["sum"].tolist() == [60.0, 76.0 - 15 - 16]


def test_partial_overlap_counts_only_covered_pixels(tmp_path):
    # raster covers only the left 300 m: b's right column is outside
    tif = write_raster(tmp_path / "r.tif", GRID[:, :3].copy())
    stats = zonal_stats(tif, two_areas())
    assert stats["sum"].tolist() == [60.0, 3 + 7 + 11 + 15]
    assert stats["covered_share"].tolist() == [1.0, 0.5]


def test_area_outside_the_raster(tmp_path):
    tif = write_raster(tmp_path / "r.tif", GRID)
    far = gpd.GeoDataFrame({"area_id": ["z"], "area_name": ["Z"]},
                           geometry=[box(X0 + 10_000, Y0, X0 + 10_200, Y0 + 200)], crs=CRS)
    stats = zonal_stats(tif, far)
    assert stats["count"].tolist() == [0]
    assert stats["sum"].isna().all()
    assert stats["covered_share"].tolist() == [0.0]


def test_pixel_centre_rule(tmp_path):
    tif = write_raster(tmp_path / "r.tif", GRID)
    # covers 60 % of pixel (row 0, col 0) including its centre, and 40 % of (row 0, col 1)
    # without its centre
    poly = box(X0, Y0 + 300, X0 + 140, Y0 + 400)
    one = gpd.GeoDataFrame({"area_id": ["p"], "area_name": ["P"]}, geometry=[poly], crs=CRS)
    stats = zonal_stats(tif, one)
    assert stats["sum"].tolist() == [1.0]
    assert stats["count"].tolist() == [1]


def test_raster_in_another_crs_than_the_areas(tmp_path):
    # raster in UTM 14N; areas defined on its pixel edges, then handed over in EPSG:6372
    utm = "EPSG:32614"
    x0, y_top = 484_000.0, 2_148_400.0
    tif = write_raster(tmp_path / "utm.tif", GRID, crs=utm, x0=x0, y_top=y_top)
    areas_utm = gpd.GeoDataFrame(
        {"area_id": ["a", "b"], "area_name": ["A", "B"]},
        geometry=[box(x0, y_top - 400, x0 + 200, y_top), box(x0 + 200, y_top - 400, x0 + 400,
                                                             y_top)], crs=utm)
    areas = areas_utm.to_crs(CRS)
    assert areas.crs.to_epsg() == 6372
    stats = zonal_stats(tif, areas)
    assert stats["sum"].tolist() == [60.0, 76.0]
    # the areas given to the function are not modified
    assert areas.crs.to_epsg() == 6372


def test_geographic_raster(tmp_path):
    tif = write_raster(tmp_path / "ll.tif", GRID, crs="EPSG:4326", x0=-99.2, y_top=19.44,
                       res=0.01)
    areas = gpd.GeoDataFrame({"area_id": ["a"], "area_name": ["A"]},
                             geometry=[box(-99.2, 19.40, -99.18, 19.44)],
                             crs="EPSG:4326").to_crs(CRS)
    assert zonal_stats(tif, areas, stats=("sum",))["sum"].tolist() == [60.0]


def test_progress_callback_reaches_one(tmp_path):
    tif = write_raster(tmp_path / "r.tif", GRID)
    seen = []
    zonal_stats(tif, two_areas(), progress=seen.append)
    assert seen and seen[-1] == pytest.approx(1.0)


def test_zonal_errors(tmp_path):
    tif = write_raster(tmp_path / "r.tif", GRID)
    with pytest.raises(RasterError, match=r"unknown statistic 'median'; allowed: sum, mean, "
                                          r"count"):
        zonal_stats(tif, two_areas(), stats=("sum", "median"))
    with pytest.raises(RasterError, match=r"band 2 does not exist; the raster has 1 band"):
        zonal_stats(tif, two_areas(), band=2)
    with pytest.raises(InputFileError, match=r"missing.tif: raster not found"):
        zonal_stats(tmp_path / "missing.tif", two_areas())
    no_crs = write_raster(tmp_path / "nocrs.tif", GRID, crs=None)
    with pytest.raises(CRSError, match=r"nocrs.tif: the raster has no CRS"):
        zonal_stats(no_crs, two_areas())


# -- distance to sites ----------------------------------------------------------------------

def square_city() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"area_id": ["a"], "area_name": ["A"]},
                            geometry=[Point(X0 + 500, Y0 + 500).buffer(500, quad_segs=32)],
                            crs=CRS)


def site_at(x, y) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["s"], "type": ["market"]}, geometry=[Point(x, y)],
                            crs=CRS).to_crs("EPSG:4326")


def test_distance_surface_values_and_nodata(tmp_path):
    sites = site_at(X0 + 500, Y0 + 500)
    out = distance_to_sites(square_city(), sites, tmp_path / "d.tif", resolution_m=100)
    with rasterio.open(out) as src:
        grid = src.read(1)
        assert src.res == (100.0, 100.0) and src.nodata == DISTANCE_NODATA
        assert src.crs.to_epsg() == 6372
        assert (src.transform.c, src.transform.f) == (X0, Y0 + 1000)
    assert grid.shape == (10, 10)
    # cell (row 4, col 4) has its centre at (X0 + 450, Y0 + 550): 50*sqrt(2) m from the site
    assert grid[4, 4] == pytest.approx(50 * math.sqrt(2), abs=1e-3)
    # cell (row 0, col 4): centre (X0 + 450, Y0 + 950) -> sqrt(50² + 450²)
    assert grid[0, 4] == pytest.approx(math.hypot(50, 450), abs=1e-3)
    # corner cell's centre lies outside the circular city
    assert grid[0, 0] == DISTANCE_NODATA


def test_distance_uses_the_nearest_of_several_sites(tmp_path):
    sites = gpd.GeoDataFrame({"name": ["s1", "s2"], "type": ["market"] * 2},
                             geometry=[Point(X0 + 50, Y0 + 550), Point(X0 + 950, Y0 + 550)],
                             crs=CRS)
    out = distance_to_sites(square_city(), sites, tmp_path / "d.tif", resolution_m=100)
    with rasterio.open(out) as src:
        grid = src.read(1)
    assert grid[4, 0] == pytest.approx(0.0, abs=1e-3)
    assert grid[4, 9] == pytest.approx(0.0, abs=1e-3)
    assert grid[4, 5] == pytest.approx(400.0, abs=1e-3)


def test_distance_surface_is_byte_identical_and_atomic(tmp_path):
    sites = site_at(X0 + 300, Y0 + 200)
    one = distance_to_sites(square_city(), sites, tmp_path / "one.tif", resolution_m=50)
    two = distance_to_sites(square_city(), sites, tmp_path / "two.tif", resolution_m=50)
    assert one.read_bytes() == two.read_bytes()
    with pytest.raises(OutputError, match=r"one.tif: file exists"):
        distance_to_sites(square_city(), sites, one, resolution_m=50, overwrite=False)
    with pytest.raises(RasterError, match=r"resolution_m = 0 must be a positive number"):
        distance_to_sites(square_city(), sites, tmp_path / "x.tif", resolution_m=0)
    with pytest.raises(RasterError, match=r"no sites given"):
        distance_to_sites(square_city(), sites.iloc[:0], tmp_path / "x.tif")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.tif", "two.tif"]


# -- catchment coverage --------------------------------------------------------------------

def test_catchment_from_raster(tmp_path):
    # population only in two pixels of area a: 100 people near the site, 300 far away
    data = np.zeros((4, 4), dtype="float32")
    data[0, 0] = 100  # centre (X0+50, Y0+350)
    data[3, 1] = 300  # centre (X0+150, Y0+50): 300 m from the site
    data[1, 3] = 40   # area b, centre (X0+350, Y0+250): 304 m from the site
    tif = write_raster(tmp_path / "pop.tif", data)
    sites = site_at(X0 + 50, Y0 + 350)
    cov = catchment_coverage(two_areas(), sites, radius_m=120, population_raster=tif)
    assert cov["population"].tolist() == [400.0, 40.0]
    assert cov["population_covered"].tolist() == [100.0, 0.0]
    assert cov["share"].tolist() == [0.25, 0.0]
    assert cov["method"].tolist() == ["raster", "raster"]


def test_catchment_from_census_is_area_weighted():
    sites = site_at(X0 + 100, Y0 + 200)  # centre of a
    cov = catchment_coverage(two_areas(), sites, radius_m=50,
                             population=pd.Series({"a": 1000, "b": 500}))
    circle = math.pi * 50 ** 2
    # circles are 64-sided polygons: 0.16 % smaller than the true circle
    assert cov["area_share"].iloc[0] == pytest.approx(circle / 80_000, rel=2e-3)
    assert cov["population_covered"].iloc[0] == pytest.approx(1000 * circle / 80_000, rel=2e-3)
    assert cov["share"].tolist()[1] == 0.0
    assert set(cov["method"]) == {"census_area_weighted"}


def test_catchment_needs_population_and_positive_radius():
    sites = site_at(X0 + 100, Y0 + 200)
    with pytest.raises(RasterError, match=r"needs population_raster .* or population"):
        catchment_coverage(two_areas(), sites, radius_m=100)
    with pytest.raises(RasterError, match=r"radius_m = -5 must be a positive number"):
        catchment_coverage(two_areas(), sites, radius_m=-5, population={"a": 1})


def test_catchment_of_bundled_sites_with_census():
    areas = load_areas()
    cov = catchment_coverage(areas, read_sites(BUNDLED_SITES, areas), radius_m=1000,
                             population=census_measure())
    by_name = dict(zip(cov["area_name"], cov["share"], strict=True))
    assert by_name["Milpa Alta"] == 0.0          # no Metro station nearby
    assert 0.2 < by_name["Cuauhtémoc"] < 0.35     # three 3.1 km² circles in 32 km²
    assert cov["population"].sum() == 9_209_944


def test_strips_give_the_same_sums_as_one_pass(tmp_path, monkeypatch):
    import geo4mi.sites.raster as raster

    data = np.random.default_rng(1).random((37, 23)).astype("float32")
    data[5, 5] = np.nan
    tif = write_raster(tmp_path / "r.tif", data, res=20.0, y_top=Y0 + 400, nodata=np.nan)
    areas = gpd.GeoDataFrame({"area_id": ["a", "b"], "area_name": ["A", "B"]},
                             geometry=[Point(X0 + 150, Y0 + 250).buffer(133),
                                       box(X0 + 300, Y0 - 100, X0 + 500, Y0 + 500)], crs=CRS)
    whole = zonal_stats(tif, areas)
    monkeypatch.setattr(raster, "CHUNK_PIXELS", 30)  # one row per strip
    strips = zonal_stats(tif, areas)
    assert strips["count"].tolist() == whole["count"].tolist()
    assert strips["sum"].to_numpy(dtype=float) == pytest.approx(whole["sum"].to_numpy(dtype=float))
    # and both equal a brute-force pixel-centre computation
    cols, rows = np.meshgrid(np.arange(23), np.arange(37))
    cx, cy = X0 + (cols + 0.5) * 20, Y0 + 400 - (rows + 0.5) * 20
    for geom, total in zip(areas.geometry, whole["sum"], strict=True):
        inside = shapely.contains_xy(geom, cx, cy) & ~np.isnan(data)
        assert total == pytest.approx(float(data[inside].astype("float64").sum()))


def test_sums_are_accurate_for_float32_and_exact_for_small_integers(tmp_path):
    square = gpd.GeoDataFrame({"area_id": ["a"], "area_name": ["A"]},
                              geometry=[box(X0, Y0 - 199_600, X0 + 200_000, Y0 + 400)], crs=CRS)
    # 4 million float32 pixels of 0.1: a float32 running sum would be off by percents; blocks
    # of float32 added in float64 stay within 1e-7
    tenth = write_raster(tmp_path / "f.tif", np.full((2000, 2000), 0.1, dtype="float32"))
    total = zonal_stats(tenth, square, stats=("sum",))["sum"].iloc[0]
    assert total == pytest.approx(4_000_000 * float(np.float32(0.1)), rel=1e-7)
    # uint8 pixels of 255: no overflow of the 8-bit type, exact integer sum
    bytes_ = write_raster(tmp_path / "u.tif", np.full((300, 300), 255, dtype="uint8"))
    assert zonal_stats(bytes_, square, stats=("sum",))["sum"].iloc[0] == 255 * 90_000


def _paint(geoms, transform, shape):
    """The owner index (+1) of every pixel according to geo4mi's runs; 0 = no area."""
    rows, starts, ends, codes = pixel_runs(geoms, transform, shape)
    image = np.zeros(shape, dtype="int32")
    for row, start, end, code in zip(rows, starts, ends, codes, strict=True):
        assert not image[row, start:end].any(), "runs must be disjoint"
        image[row, start:end] = code + 1
    return image


def _gdal(geoms, transform, shape):
    from rasterio.features import rasterize

    shapes = [(g, i + 1) for i, g in enumerate(geoms) if g is not None and not g.is_empty]
    return rasterize(shapes, out_shape=shape, transform=transform, fill=0, dtype="int32")


@pytest.mark.parametrize("seed", range(6))
def test_runs_match_gdal_rasterize_on_random_polygons(seed):
    """Holes, multipolygons, concave shapes and overlaps: same pixels as GDAL's rasterize."""
    rng = np.random.default_rng(seed)
    geoms = []
    for _ in range(5):
        cx, cy = rng.uniform(0, 100, 2)
        angles = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(5, 40)))
        radii = rng.uniform(5, 30, angles.size)
        star = shapely.Polygon(np.column_stack([cx + radii * np.cos(angles),
                                                cy + radii * np.sin(angles)])).buffer(0)
        hole = shapely.Point(cx, cy).buffer(3)
        geoms.append(shapely.difference(star, hole))
    geoms.append(shapely.MultiPolygon([box(2, 2, 11.3, 9.7), box(80.2, 70.1, 97.7, 99.9)]))
    geoms.append(None)
    geoms.append(shapely.Polygon())
    transform = Affine(0.73, 0, -3.1, 0, -0.81, 104.2)
    assert (_paint(geoms, transform, (131, 150)) == _gdal(geoms, transform, (131, 150))).all()


def test_runs_match_gdal_rasterize_on_the_boroughs():
    areas = load_areas()
    minx, _miny, _maxx, maxy = areas.total_bounds
    transform = Affine(97.0, 0, minx - 500, 0, -103.0, maxy + 500)  # the window cuts the south
    geoms = list(areas.geometry)
    assert (_paint(geoms, transform, (400, 560)) == _gdal(geoms, transform, (400, 560))).all()


def test_runs_skip_lines_and_points_of_collections():
    square = box(0, 0, 4, 4)
    collection = shapely.GeometryCollection([square, shapely.LineString([(0, 0), (9, 9)]),
                                             shapely.Point(7.5, 7.5)])
    image = _paint([collection], Affine(1, 0, 0, 0, -1, 10), (10, 10))
    assert image.sum() == 16 and image[6:10, 0:4].all()


def test_overlapping_areas_give_each_pixel_to_the_last_listed(tmp_path):
    tif = write_raster(tmp_path / "r.tif", GRID)
    areas = gpd.GeoDataFrame({"area_id": ["whole", "right"], "area_name": ["W", "R"]},
                             geometry=[box(X0, Y0, X0 + 400, Y0 + 400),
                                       box(X0 + 200, Y0, X0 + 400, Y0 + 400)], crs=CRS)
    stats = zonal_stats(tif, areas)
    assert stats["sum"].tolist() == [60.0, 76.0]
    assert stats["pixels"].tolist() == [8, 8]


def test_runs_match_gdal_rasterize_on_a_rotated_grid():
    geoms = [shapely.Point(50, 50).buffer(30).difference(box(45, 45, 55, 70)),
             box(10, 60, 40, 95)]
    transform = Affine.translation(-5, 110) @ Affine.rotation(17) @ Affine.scale(0.9, -1.1)
    assert (_paint(geoms, transform, (120, 140)) == _gdal(geoms, transform, (120, 140))).all()
    assert _paint(geoms, transform, (120, 140)).astype(bool).sum() > 2000
