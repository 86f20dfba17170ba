"""Borough boundaries: load, validate, and reproject with checks.

The result is the *areas* table every later stage reads: a GeoDataFrame with
``area_id`` (str), ``area_name`` (str) and ``geometry``, plus the source's own columns,
sorted by ``area_id``. The bundled set is INEGI's Marco Geoestadístico 2022 alcaldías of
Ciudad de México (``boundaries/cdmx_alcaldias_mg2022.gpkg``, EPSG:6372).

Examples
--------
>>> areas = load_areas()
>>> len(areas), areas.crs.to_epsg()
(16, 6372)
>>> areas.loc[areas.area_id == "09015", "area_name"].item()
'Cuauhtémoc'
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import CRS

from geo4mi.errors import BoundaryError, CRSError, InputFileError
from geo4mi.resources import bundled_path

log = logging.getLogger(__name__)

BUNDLED_PATH = bundled_path("boundaries", "cdmx_alcaldias_mg2022.gpkg")
BUNDLED_LAYER = "alcaldias"
BUNDLED_ID_FIELD = "CVEGEO"
BUNDLED_NAME_FIELD = "NOMGEO"

#: Metric CRS used for distances and areas when the source is geographic (Mexico LCC).
DEFAULT_METRIC_CRS = "EPSG:6372"
WEB_CRS = "EPSG:4326"


def load_areas(path: str | os.PathLike[str] | None = None, *, layer: str | None = None,
               id_field: str = BUNDLED_ID_FIELD, name_field: str = BUNDLED_NAME_FIELD,
               repair: bool = True, crs: str | CRS | None = None) -> gpd.GeoDataFrame:
    """Load boundaries as the *areas* table and validate them.

    Parameters
    ----------
    path : path-like, optional
        Any vector file GDAL reads (GeoPackage, Shapefile, GeoJSON...). Default: the bundled
        INEGI 2022 alcaldías.
    layer : str, optional
        Layer name for multi-layer files.
    id_field, name_field : str
        Columns holding each unit's unique id and display name.
    repair : bool, default True
        Repair invalid polygons with ``shapely.make_valid`` (logged); when False, invalid
        geometry is an error.
    crs : str or pyproj.CRS, optional
        The CRS of a file that declares none (study key ``[boundaries] crs``). A file that
        declares a different one is an error; coordinates that cannot be in a geographic
        ``crs`` (outside ±180/±90) are an error.

    Returns
    -------
    GeoDataFrame
        ``area_id``, ``area_name``, the source columns and ``geometry``, sorted by ``area_id``.

    Raises
    ------
    InputFileError
        The file is missing or unreadable.
    BoundaryError
        The id or name field is missing, empty or duplicated; geometry is missing, not
        polygonal or invalid (with ``repair=False``).
    CRSError
        The file has no CRS and ``crs`` is not given, or disagrees with ``crs``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "areas.csv"  # geometry as WKT, no CRS
    >>> _ = path.write_text('id,name,WKT\\na,A,"POLYGON ((0 0, 1 0, 1 1, 0 0))"\\n')
    >>> load_areas(path, id_field="id", name_field="name")
    Traceback (most recent call last):
    ...
    geo4mi.errors.CRSError: ...areas.csv: has no CRS; declare it in the study file under [boundaries], e.g. crs = "EPSG:4326" (or the projected CRS the coordinates are in)
    >>> load_areas(path, id_field="id", name_field="name", crs="EPSG:4326").crs.to_epsg()
    4326
    """  # noqa: E501  (a doctest shows the one-line error message whole)
    if path is None:
        path, layer = BUNDLED_PATH, layer or BUNDLED_LAYER
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: boundaries file not found; check the path "
                             "(paths in a study file are relative to the study file)")
    try:
        gdf = gpd.read_file(path, layer=layer)
    except Exception as exc:  # pyogrio raises several DataSourceError types
        raise InputFileError(f"{path}: cannot read boundaries ({exc}); "
                             "give a vector file such as GeoPackage, Shapefile or GeoJSON") from exc
    where = f"{path}" + (f" (layer {layer!r})" if layer else "")
    columns = [c for c in gdf.columns if c != "geometry"]
    for role, field in (("id", id_field), ("name", name_field)):
        if field not in gdf.columns:
            raise BoundaryError(f"{where}: {role} field {field!r} not found; available fields: "
                                f"{', '.join(columns)}; set boundaries.{role}_field in the "
                                "study file")
    if len(gdf) == 0:
        raise BoundaryError(f"{where}: no features; give a file with one polygon per area")
    gdf = _declare_crs(gdf, crs, where=where, shapefile=path.suffix.lower() == ".shp")
    ids = gdf[id_field]
    for role, field in (("id", id_field), ("name", name_field)):
        values = gdf[field]
        blank = values.isna() | (values.astype(str).str.strip() == "")
        if blank.any():
            row = int(blank.to_numpy().nonzero()[0][0]) + 1
            raise BoundaryError(f"{where}: feature {row}, field {field!r}: empty {role}; "
                                "every area needs an id and a name")
    id_text = ids.astype(str).str.strip()
    for role, field, values in (("id", id_field, id_text),
                                ("name", name_field, gdf[name_field].astype(str).str.strip())):
        dup = values[values.duplicated(keep=False)]
        if not dup.empty:
            raise BoundaryError(f"{where}: field {field!r}: duplicated {role} "
                                f"{sorted(set(dup))[0]!r} (features "
                                f"{', '.join(str(i + 1) for i in dup.index[:5])}); "
                                f"each area needs a unique {role}: dissolve or choose another "
                                "field")
    geoms = gdf.geometry
    missing = geoms.isna() | geoms.is_empty
    if missing.any():
        row = int(missing.to_numpy().nonzero()[0][0]) + 1
        raise BoundaryError(f"{where}: feature {row} ({id_text.iloc[row - 1]!r}) has no geometry; "
                            "fix or drop it")
    kinds = set(geoms.geom_type)
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise BoundaryError(f"{where}: geometry types {sorted(kinds)}; areas must be polygons")
    invalid = ~geoms.is_valid
    if invalid.any():
        bad = ", ".join(repr(i) for i in id_text[invalid][:5])
        if not repair:
            raise BoundaryError(f"{where}: invalid geometry in areas {bad}; repair it "
                                "(e.g. QGIS 'Fix geometries') or pass repair=True")
        log.warning("%s: repaired invalid geometry in areas %s", where, bad)
        fixed = shapely.make_valid(geoms[invalid].to_numpy())
        gdf.loc[invalid, gdf.geometry.name] = [_polygonal(g) for g in fixed]
    out = gdf.assign(area_id=id_text.to_numpy(), area_name=gdf[name_field].astype(str).str.strip())
    out = out[["area_id", "area_name", *[c for c in columns if c not in ("area_id", "area_name")],
               gdf.geometry.name]]
    out = out.sort_values("area_id", kind="stable").reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry=gdf.geometry.name, crs=gdf.crs)


def _declare_crs(gdf: gpd.GeoDataFrame, crs: str | CRS | None, *, where: str,
                 shapefile: bool) -> gpd.GeoDataFrame:
    """Check the file's CRS against the declared one; set the declared one when it has none."""
    if crs is None:
        if gdf.crs is None:
            fix = ("add its .prj file next to the .shp, or declare the CRS in the study file "
                   "under [boundaries], e.g. crs = \"EPSG:4326\"" if shapefile else
                   "declare it in the study file under [boundaries], e.g. crs = \"EPSG:4326\" "
                   "(or the projected CRS the coordinates are in)")
            raise CRSError(f"{where}: has no CRS; {fix}")
        return gdf
    declared = CRS.from_user_input(crs)
    if gdf.crs is not None:
        if not CRS.from_user_input(gdf.crs).equals(declared):
            raise CRSError(f"{where}: the file says its CRS is {gdf.crs.to_string()!r} but "
                           f"[boundaries] crs = {declared.to_string()!r}; remove the crs key "
                           "(it is only for files without a CRS) or fix the file")
        return gdf
    if declared.is_geographic:
        minx, miny, maxx, maxy = gdf.total_bounds
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            raise CRSError(f"{where}: coordinates reach ({minx:.0f}, {miny:.0f}) - "
                           f"({maxx:.0f}, {maxy:.0f}), which cannot be degrees of "
                           f"{declared.to_string()!r}; declare the projected CRS they are "
                           "in (crs under [boundaries])")
    log.info("%s: no CRS in the file; using the declared %s", where, declared.to_string())
    return gdf.set_crs(declared)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygonal parts of a repaired geometry."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def to_crs_checked(gdf: gpd.GeoDataFrame, crs: str | CRS, *, step: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` in ``crs``, reprojecting when needed and logging both CRSs.

    Parameters
    ----------
    gdf : GeoDataFrame
    crs : str or pyproj.CRS
        Target CRS.
    step : str
        What the reprojection is for, named in the log and in errors.

    Raises
    ------
    CRSError
        ``gdf`` has no CRS.

    Examples
    --------
    >>> areas = load_areas()
    >>> to_crs_checked(areas, "EPSG:4326", step="web map").crs.to_epsg()
    4326
    """
    target = CRS.from_user_input(crs)
    if gdf.crs is None:
        raise CRSError(f"{step}: the layer has no CRS, so it cannot be brought to "
                       f"{target.to_string()}; set one with .set_crs(...) first")
    if CRS.from_user_input(gdf.crs).equals(target):
        return gdf
    log.debug("%s: reprojecting from %s to %s", step, gdf.crs.to_string(), target.to_string())
    return gdf.to_crs(target)


def metric_crs(gdf: gpd.GeoDataFrame) -> CRS:
    """A projected CRS in metres for distances: the layer's own when projected.

    Examples
    --------
    >>> metric_crs(load_areas()).to_epsg()
    6372
    """
    crs = CRS.from_user_input(gdf.crs)
    if crs.is_projected and crs.axis_info[0].unit_name in ("metre", "meter"):
        return crs
    return CRS.from_user_input(DEFAULT_METRIC_CRS)


def area_table(areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """The attribute part of *areas* (``area_id``, ``area_name``), without geometry."""
    return pd.DataFrame(areas[["area_id", "area_name"]])
