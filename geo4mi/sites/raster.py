"""Rasters for site planning: zonal statistics, distance to sites, catchment coverage.

Pixel semantics
---------------
A pixel belongs to an area when its **centre** lies inside the area's polygon (GDAL's
rasterize rule without ``all_touched``, the same rule as ``rasterstats``' default), and then
its whole value counts; a pixel whose centre lies outside every area counts nowhere.
``exactextract`` instead weights each pixel by the fraction of it the polygon covers, so its
sums differ from ours by the edge pixels (a fraction of a percent for boroughs that span
thousands of pixels; see ``bench/bench_zonal.py``). Pixels equal to the band's nodata value,
and NaN pixels of float rasters, are skipped. Areas overlapping each other are not expected
(boroughs are a partition); where they do, a pixel goes to the area listed last.

The polygons are reprojected to the raster's CRS (never the raster to the polygons'), so
pixel values are never resampled. A scanline pass over the polygons' edges turns each area
into runs of pixels along rows, with GDAL's own rule (the pixels are the ones
:func:`rasterio.features.rasterize` burns; the tests check it on random polygons and on the
boroughs). Rows are then read in strips of whole blocks, each strip only between the
leftmost and rightmost pixel its runs cover, on several threads; every run is summed with
one :func:`numpy.add.reduceat` over the strip. The cost is one pass over the pixels inside
the areas' outline, whatever the number of areas.

Examples
--------
>>> import tempfile, pathlib, numpy as np, rasterio
>>> from affine import Affine
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> tif = pathlib.Path(tempfile.mkdtemp()) / "pop.tif"
>>> with rasterio.open(tif, "w", driver="GTiff", width=4, height=2, count=1, dtype="float32",
...                    crs="EPSG:6372", transform=Affine(10, 0, 0, 0, -10, 20), nodata=-1) as d:
...     d.write(np.array([[1, 2, 3, 4], [5, 6, -1, 8]], dtype="float32"), 1)
>>> areas = gpd.GeoDataFrame({"area_id": ["a", "b"], "area_name": ["A", "B"]},
...     geometry=[box(0, 0, 20, 20), box(20, 0, 40, 20)], crs="EPSG:6372")
>>> zonal_stats(tif, areas)[["area_id", "sum", "mean", "count"]].values.tolist()
[['a', 14.0, 3.5, 4], ['b', 15.0, 5.0, 3]]
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine

from geo4mi.boundaries import metric_crs, to_crs_checked
from geo4mi.errors import CRSError, InputFileError, RasterError
from geo4mi.io import atomic_write
from geo4mi.sites.pixel_runs import pixel_runs

log = logging.getLogger(__name__)

STATS = ("sum", "mean", "count")
CHUNK_PIXELS = 1 << 22  # pixels per strip of rows: ~16 MB of float32
WORKERS = min(4, os.cpu_count() or 1)  # threads reading and summing strips
FLOAT32_BLOCK = 256  # float32 pixels summed in float32 before going to float64
DISTANCE_NODATA = -9999.0
METHOD_RASTER = "raster"
METHOD_AREA_WEIGHTED = "census_area_weighted"


def _rasterio():
    try:
        import rasterio
        import rasterio.features
        import rasterio.windows
    except ImportError as exc:  # pragma: no cover - rasterio is a dependency
        raise ImportError("geo4mi's raster functions need rasterio: pip install rasterio") from exc
    return rasterio


def _open(path: str | os.PathLike[str]):
    rasterio = _rasterio()
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: raster not found; check the path (study-file paths are "
                             "relative to the study file)")
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise InputFileError(f"{path}: cannot read as a raster ({exc}); give a GeoTIFF") from exc
    if src.crs is None:
        src.close()
        raise CRSError(f"{path}: the raster has no CRS, so areas cannot be matched to its "
                       "pixels; assign one (gdal_edit.py -a_srs EPSG:...)")
    return src


def _zonal_sums(src, geoms: Sequence[shapely.Geometry], *, band: int = 1,
                progress: bool | Callable[[float], None] = False
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per geometry: sum of valid values, valid pixel count, pixel count (centre rule).

    ``geoms`` are in the raster's CRS; empty or None geometries get zeros.
    """
    rasterio = _rasterio()
    k = len(geoms)
    zeros = (np.zeros(k, dtype="float64"), np.zeros(k, dtype="int64"), np.zeros(k, dtype="int64"))
    rows, starts, ends, codes = pixel_runs(geoms, src.transform, (src.height, src.width))
    if rows.size == 0:
        if any(g is not None and not g.is_empty for g in geoms):
            log.warning("%s: the areas do not overlap the raster", src.name)
        return zeros
    nodata = src.nodatavals[band - 1]
    dtype = np.dtype(src.dtypes[band - 1])
    is_float = dtype.kind == "f"
    check_value = nodata is not None and not (is_float and math.isnan(nodata))
    block_rows = max(1, src.block_shapes[band - 1][0])
    # strips of whole rows of blocks, so that no block is decoded twice; each is read only
    # between the leftmost and rightmost pixel its runs cover
    width = src.width
    rows_per_chunk = max(block_rows, (CHUNK_PIXELS // width) // block_rows * block_rows)
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    strips = []
    for r0 in range(top // block_rows * block_rows, bottom, rows_per_chunk):
        r0, r1 = max(r0, top), min(r0 + rows_per_chunk, bottom)
        i0, i1 = np.searchsorted(rows, [r0, r1])
        if i1 > i0:
            strips.append((r0, r1, int(starts[i0:i1].min()), int(ends[i0:i1].max()), i0, i1))
    local = threading.local()
    handles = []
    lock = threading.Lock()

    def work(r0: int, r1: int, c0: int, c1: int, i0: int, i1: int) -> np.ndarray:
        """Read and sum one strip in a worker thread with its own dataset handle."""
        if not hasattr(local, "src"):
            local.src = rasterio.open(src.name)
            local.buffer = np.empty(rows_per_chunk * width, dtype=dtype)
            with lock:
                handles.append(local.src)
        w = c1 - c0
        out = local.buffer[: (r1 - r0) * w].reshape(r1 - r0, w)
        local.src.read(band, window=rasterio.windows.Window(c0, r0, w, r1 - r0), out=out)
        offset = (rows[i0:i1] - r0) * w - c0
        return _accumulate(out.ravel(), offset + starts[i0:i1], offset + ends[i0:i1],
                           codes[i0:i1], nodata if check_value else None, is_float, k)

    report = progress if callable(progress) else None
    sums, valid_counts, pixel_counts = zeros
    # GDAL reads and numpy's loops release the GIL: strips run on WORKERS threads; the
    # per-strip results are added in strip order, so sums do not depend on timing
    try:
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            futures = [pool.submit(work, *strip) for strip in strips]
            for strip, future in zip(strips, futures, strict=True):
                part = future.result()
                sums += part[0]
                valid_counts += part[1].astype("int64")
                pixel_counts += part[2].astype("int64")
                if report:
                    report((strip[1] - top) / (bottom - top))
    finally:
        for handle in handles:
            handle.close()
    return sums, valid_counts, pixel_counts


def _accumulate(data: np.ndarray, starts: np.ndarray, ends: np.ndarray, codes: np.ndarray,
                nodata: float | None, is_float: bool, k: int) -> np.ndarray:
    """Sums, valid counts and pixel counts per code (rows 0, 1, 2) of one flat strip.

    ``starts``/``ends`` are sorted, disjoint runs of ``data`` belonging to ``codes``.
    ``data`` may be overwritten (invalid pixels set to 0).
    """
    out = np.zeros((3, k), dtype="float64")
    if starts.size == 0:
        return out
    bad = []
    if nodata is not None:
        same = data == nodata
        if np.count_nonzero(same):
            where = np.flatnonzero(same)
            data[where] = 0
            bad.append(where)
    # each run is summed with one reduceat over the strip, and its sums added per code in
    # float64. float32 runs are summed in float32 (a float64 conversion would double the
    # time), so they are cut every FLOAT32_BLOCK pixels to keep the rounding error of each
    # partial sum below FLOAT32_BLOCK * 2**-24 (1.5e-5) of it; integers are summed in int64.
    if data.dtype.kind == "f" and data.dtype.itemsize <= 4:
        cuts = (ends - starts - 1) // FLOAT32_BLOCK
        run = np.repeat(np.arange(starts.size), cuts)
        step = np.arange(run.size) - np.repeat(np.cumsum(cuts) - cuts, cuts) + 1
        pieces = [starts, ends, starts[run] + step * FLOAT32_BLOCK]
        run_dtype = "float32"
    else:
        pieces = [starts, ends]
        run_dtype = "float64" if data.dtype.kind == "f" else "int64"
    bounds = np.sort(np.concatenate(pieces))
    distinct = np.empty(bounds.size, dtype=bool)
    distinct[0] = True
    np.not_equal(bounds[1:], bounds[:-1], out=distinct[1:])
    bounds = bounds[distinct & (bounds < data.size)]
    run = np.searchsorted(starts, bounds, side="right") - 1
    inside = (run >= 0) & (bounds < ends[np.maximum(run, 0)])
    sums = np.add.reduceat(data, bounds, dtype=run_dtype)
    if is_float and np.isnan(sums[inside]).any():  # NaN pixels: looked for only when present
        where = np.flatnonzero(np.isnan(data))
        data[where] = 0
        bad.append(where)
        sums = np.add.reduceat(data, bounds, dtype=run_dtype)
    out[0] = np.bincount(codes[run[inside]], weights=sums[inside].astype("float64"),
                         minlength=k)
    out[2] = np.bincount(codes, weights=ends - starts, minlength=k)
    out[1] = out[2]
    for where in bad:
        run = np.searchsorted(starts, where, side="right") - 1
        hit = (run >= 0) & (where < ends[np.maximum(run, 0)])
        out[1] -= np.bincount(codes[run[hit]], minlength=k)
    return out


def zonal_stats(raster_path: str | os.PathLike[str], areas: gpd.GeoDataFrame, *,
                stats: Sequence[str] = STATS, band: int = 1,
                progress: bool | Callable[[float], None] = False) -> pd.DataFrame:
    """Sum, mean and count of a raster's valid pixels per area (pixel-centre rule).

    Parameters
    ----------
    raster_path : path-like
        A single-band (or choose ``band``) raster GDAL reads, in any CRS.
    areas : GeoDataFrame
        The *areas* table, in any CRS; reprojected to the raster's CRS.
    stats : sequence of str, default ("sum", "mean", "count")
        Any of ``sum`` (NA when no valid pixel), ``mean`` (NA when no valid pixel) and
        ``count`` (valid pixels whose centre lies in the area).
    band : int, default 1
    progress : bool or callable, default False
        A callable receives the fraction done (0..1) after each strip of rows.

    Returns
    -------
    DataFrame
        ``area_id, area_name``, the requested stats, ``pixels`` (pixel centres inside the
        area, nodata included) and ``covered_share`` (share of the area's surface inside
        the raster's extent: below 1 means the raster only partly covers the area), in the
        order of ``areas``.

    Raises
    ------
    InputFileError, CRSError, RasterError

    Examples
    --------
    See the module docstring.
    """
    unknown = [s for s in stats if s not in STATS]
    if unknown or not stats:
        raise RasterError(f"zonal_stats: unknown statistic {unknown[0] if unknown else stats!r}; "
                          f"allowed: {', '.join(STATS)}")
    with _open(raster_path) as src:
        if not 1 <= band <= src.count:
            raise RasterError(f"{raster_path}: band {band!r} does not exist; the raster has "
                              f"{src.count} band(s)")
        local = to_crs_checked(areas, src.crs, step=f"zonal statistics of {Path(raster_path).name}")
        geoms = list(local.geometry)
        sums, counts, pixels = _zonal_sums(src, geoms, band=band, progress=progress)
        extent = shapely.box(*src.bounds)
    out = pd.DataFrame({"area_id": areas["area_id"].astype(str).to_numpy(),
                        "area_name": areas["area_name"].astype(str).to_numpy()})
    has = counts > 0
    if "sum" in stats:
        out["sum"] = pd.array(np.where(has, sums, np.nan), dtype="Float64")
        out.loc[~has, "sum"] = pd.NA
    if "mean" in stats:
        out["mean"] = pd.array(np.where(has, sums / np.maximum(counts, 1), np.nan),
                               dtype="Float64")
        out.loc[~has, "mean"] = pd.NA
    if "count" in stats:
        out["count"] = counts
    out["pixels"] = pixels
    area_m = shapely.area(np.array(geoms))
    inside = shapely.area(shapely.intersection(np.array(geoms), extent))
    out["covered_share"] = np.round(np.where(area_m > 0, inside / np.where(area_m > 0, area_m, 1),
                                             0.0), 6)
    partial = out.loc[out["covered_share"] < 0.999, "area_id"].tolist()
    if partial:
        log.warning("%s: the raster covers only part of areas %s; their sums are partial",
                    raster_path, ", ".join(partial))
    return out


def _site_points(sites: gpd.GeoDataFrame, crs) -> np.ndarray:
    if sites is None or len(sites) == 0:
        raise RasterError("no sites given; add sites to the study's sites file")
    pts = to_crs_checked(sites, crs, step="distances to sites").geometry
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


def distance_to_sites(areas: gpd.GeoDataFrame, sites: gpd.GeoDataFrame,
                      path: str | os.PathLike[str], *, resolution_m: float = 100.0,
                      overwrite: bool = True) -> Path:
    """Write a GeoTIFF of the straight-line distance (m) from each cell to the nearest site.

    The grid is in the areas' metric CRS (EPSG:6372 for geographic inputs), aligned to
    multiples of ``resolution_m`` and covering the areas' bounds. Cells whose centre lies
    outside every area are nodata (``-9999``). Every site counts, including sites just
    outside the city. The output is float32, DEFLATE-compressed, with no timestamp, so the
    same inputs give the same bytes.

    Parameters
    ----------
    areas : GeoDataFrame
    sites : GeoDataFrame
        Site points (any CRS), e.g. from :func:`geo4mi.sites.read_sites`.
    path : path-like
        Output ``.tif``; written atomically.
    resolution_m : float, default 100
        Cell size in metres.

    Examples
    --------
    >>> import tempfile, pathlib, rasterio
    >>> from geo4mi.boundaries import load_areas
    >>> from geo4mi.sites import read_sites, BUNDLED_SITES
    >>> areas = load_areas()
    >>> out = distance_to_sites(areas, read_sites(BUNDLED_SITES, areas),
    ...                         pathlib.Path(tempfile.mkdtemp()) / "d.tif", resolution_m=1000)
    >>> with rasterio.open(out) as d:
    ...     d.crs.to_epsg(), d.res, d.nodata
    (6372, (1000.0, 1000.0), -9999.0)
    """
    rasterio = _rasterio()
    if not (isinstance(resolution_m, (int, float)) and math.isfinite(resolution_m)
            and resolution_m > 0):
        raise RasterError(f"resolution_m = {resolution_m!r} must be a positive number of metres")
    crs = metric_crs(areas)
    local = to_crs_checked(areas, crs, step="distance surface")
    xy = _site_points(sites, crs)
    minx, miny, maxx, maxy = local.total_bounds
    res = float(resolution_m)
    x0, y1 = math.floor(minx / res) * res, math.ceil(maxy / res) * res
    width = math.ceil((maxx - x0) / res)
    height = math.ceil((y1 - miny) / res)
    if width * height > 200_000_000:
        raise RasterError(f"resolution_m = {resolution_m!r} gives a {width} x {height} grid; "
                          "choose a coarser resolution")
    transform = Affine(res, 0.0, x0, 0.0, -res, y1)
    inside = rasterio.features.rasterize(
        [(g, 1) for g in local.geometry], out_shape=(height, width), transform=transform,
        fill=0, dtype="uint8")
    out = np.full((height, width), DISTANCE_NODATA, dtype="float32")
    xs = x0 + (np.arange(width) + 0.5) * res
    rows_per_chunk = max(1, (1 << 20) // max(1, width * len(xy)))
    for r0 in range(0, height, rows_per_chunk):
        r1 = min(height, r0 + rows_per_chunk)
        ys = y1 - (np.arange(r0, r1) + 0.5) * res
        gx, gy = np.meshgrid(xs, ys)
        best = np.full(gx.shape, np.inf)
        for sx, sy in xy:
            np.minimum(best, np.hypot(gx - sx, gy - sy), out=best)
        block = out[r0:r1]
        mask = inside[r0:r1] == 1
        block[mask] = best[mask].astype("float32")
    path = Path(path)
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1,
               "dtype": "float32", "crs": crs, "transform": transform,
               "nodata": DISTANCE_NODATA, "compress": "deflate"}
    with atomic_write(path, overwrite=overwrite) as tmp, \
            rasterio.open(tmp, "w", **profile) as dst:
        dst.write(out, 1)
        dst.set_band_description(1, "distance to nearest site (m)")
        dst.update_tags(units="m", sites=str(len(xy)))
    return path


def catchment_coverage(areas: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, *, radius_m: float,
                       population_raster: str | os.PathLike[str] | None = None,
                       population: pd.Series | None = None) -> pd.DataFrame:
    """Per borough, the share of the population within ``radius_m`` of a site.

    With ``population_raster``, population is the raster's values (pixel-centre rule) inside
    the borough and inside the borough's part of the sites' catchment (the union of circles
    of ``radius_m`` around every site). Without it, ``population`` (``area_id`` → people,
    e.g. census totals) is spread evenly over each borough's surface, so the covered
    population is the borough's total times the share of its surface in the catchment.
    Column ``method`` says which (``raster`` or ``census_area_weighted``).

    Parameters
    ----------
    areas, sites : GeoDataFrame
    radius_m : float
        Catchment radius in metres.
    population_raster : path-like, optional
    population : Series, optional
        Used only when no raster is given.

    Returns
    -------
    DataFrame
        ``area_id, area_name, population, population_covered, share, area_share, method``;
        ``share`` is NA where the population is 0 or unknown; ``area_share`` is the share of
        the borough's surface inside the catchment.

    Examples
    --------
    >>> from geo4mi.boundaries import load_areas
    >>> from geo4mi.sites import read_sites, BUNDLED_SITES
    >>> from geo4mi.sites.plan import census_measure, BUNDLED_CENSUS
    >>> areas = load_areas()
    >>> cov = catchment_coverage(areas, read_sites(BUNDLED_SITES, areas), radius_m=1000,
    ...                          population=census_measure(BUNDLED_CENSUS))
    >>> cov.loc[cov.area_id == "09009", ["share", "method"]].values.tolist()  # Milpa Alta
    [[0.0, 'census_area_weighted']]
    """
    if not (isinstance(radius_m, (int, float)) and math.isfinite(radius_m) and radius_m > 0):
        raise RasterError(f"radius_m = {radius_m!r} must be a positive number of metres")
    if population_raster is None and population is None:
        raise RasterError("catchment_coverage needs population_raster (a GeoTIFF) or "
                          "population (area_id -> people, e.g. census totals)")
    crs = metric_crs(areas)
    local = to_crs_checked(areas, crs, step="catchment coverage")
    xy = _site_points(sites, crs)
    catchment = shapely.union_all(shapely.buffer(shapely.points(xy), radius_m, quad_segs=16))
    geoms = np.array(local.geometry)
    covered = shapely.intersection(geoms, catchment)
    area_share = shapely.area(covered) / shapely.area(geoms)
    out = pd.DataFrame({"area_id": areas["area_id"].astype(str).to_numpy(),
                        "area_name": areas["area_name"].astype(str).to_numpy()})
    if population_raster is not None:
        if population is not None:
            log.info("catchment coverage: using the raster %s, not the population table",
                     population_raster)
        with _open(population_raster) as src:
            # two passes: a borough and its catchment part overlap, and a pixel is burnt once
            total, counts, _ = _zonal_sums(src, list(gpd.GeoSeries(geoms, crs=crs)
                                                     .to_crs(src.crs)))
            within, _, _ = _zonal_sums(src, list(gpd.GeoSeries(covered, crs=crs)
                                                 .to_crs(src.crs)))
        out["population"] = pd.array(np.where(counts > 0, total, np.nan), dtype="Float64")
        out["population_covered"] = pd.array(within, dtype="Float64")
        method = METHOD_RASTER
    else:
        values = pd.Series(population)
        values.index = values.index.astype(str)
        pop = values.reindex(out["area_id"]).to_numpy(dtype="float64", na_value=np.nan)
        missing = out.loc[np.isnan(pop), "area_id"].tolist()
        if missing:
            log.warning("catchment coverage: no population for areas %s", ", ".join(missing))
        out["population"] = pd.array(pop, dtype="Float64")
        out["population_covered"] = pd.array(pop * area_share, dtype="Float64")
        method = METHOD_AREA_WEIGHTED
    pop_known = out["population"].fillna(0).to_numpy(dtype="float64") > 0
    share = np.where(pop_known, out["population_covered"].fillna(0).to_numpy(dtype="float64")
                     / np.where(pop_known, out["population"].fillna(1).to_numpy(dtype="float64"),
                                1), np.nan)
    out["share"] = pd.array(np.round(share, 6), dtype="Float64")
    out["area_share"] = np.round(area_share, 6)
    out["method"] = method
    return out
