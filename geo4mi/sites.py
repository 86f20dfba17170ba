"""Candidate data-collection sites: read, validate, place in boroughs, merge workshop edits.

A *site* is a public place where interviewers can meet refugees and migrants: a public
office, a square or park, a market, a Metro station, a community centre or an NGO office.
Sites are **public places only**: shelters, homes and any other place where people live are
refused, because publishing their location can put residents at risk.

The *sites* table is a GeoDataFrame in EPSG:4326 with columns ``name, type, lat, lon,
notes, area_id, in_city, geometry``: ``area_id`` is the borough the site lies in (NA when it
lies outside every borough, in which case ``in_city`` is False and the site is reported).

Examples
--------
>>> from geo4mi.boundaries import load_areas
>>> sites = read_sites(BUNDLED_SITES, load_areas())
>>> len(sites), sorted(sites["type"].unique())
(32, ['metro_station'])
>>> sites.loc[sites["name"] == "Metro Balderas", "area_id"].item()
'09015'
>>> type_label("square_park", "en")
'Square or park'
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo4mi.boundaries import load_areas, metric_crs, to_crs_checked
from geo4mi.errors import InputFileError, SitesError
from geo4mi.i18n import check_language
from geo4mi.io import write_csv
from geo4mi.names import normalize_name

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
BUNDLED_SITES = REPO / "data" / "sites.csv"

#: Site types in display order, with their Spanish and English labels.
SITE_TYPES: dict[str, dict[str, str]] = {
    "public_office": {"es": "Oficina pública", "en": "Public office"},
    "square_park": {"es": "Plaza o parque", "en": "Square or park"},
    "market": {"es": "Mercado", "en": "Market"},
    "metro_station": {"es": "Estación de Metro", "en": "Metro station"},
    "community_centre": {"es": "Centro comunitario", "en": "Community centre"},
    "ngo_office": {"es": "Oficina de ONG", "en": "NGO office"},
}

# Other spellings accepted in the type column (compared after normalize_name).
_TYPE_ALIASES = {
    "public square": "square_park", "square": "square_park", "park": "square_park",
    "plaza": "square_park", "parque": "square_park", "metro": "metro_station",
    "estacion metro": "metro_station", "community center": "community_centre",
    "centro comunitario": "community_centre", "ngo": "ngo_office", "ong": "ngo_office",
    "oficina ong": "ngo_office", "mercado": "market", "oficina publica": "public_office",
    "public office": "public_office", "government office": "public_office",
}

# Words that mark a place where people live: never a site.
_LIVING_PLACE_WORDS = (
    "shelter", "albergue", "refugio", "casa hogar", "hogar", "home", "house", "housing",
    "vivienda", "residence", "residencia", "dwelling", "domicilio", "campamento", "camp",
    "casa del migrante", "casa de migrantes", "casa de acogida", "hostel", "hotel",
)
# Names that identify a shelter whatever the declared type.
_LIVING_PLACE_NAMES = ("albergue", "shelter", "casa del migrante", "casa de migrantes",
                       "casa de acogida", "casa refugio")

COLUMNS = ("name", "type", "lat", "lon", "notes")
_COLUMN_ALIASES = {"nombre": "name", "tipo": "type", "latitud": "lat", "latitude": "lat",
                   "longitud": "lon", "longitude": "lon", "lng": "lon", "notas": "notes",
                   "note": "notes", "nota": "notes"}
OUTPUT_COLUMNS = ["name", "type", "lat", "lon", "notes", "area_id", "in_city", "geometry"]


def type_label(site_type: str, lang: str = "es") -> str:
    """The label of a site type in ``lang``.

    Examples
    --------
    >>> type_label("metro_station")
    'Estación de Metro'
    """
    check_language(lang)
    if site_type not in SITE_TYPES:
        raise SitesError(f"unknown site type {site_type!r}; use one of {', '.join(SITE_TYPES)}")
    return SITE_TYPES[site_type][lang]


def _refuse_living_place(where: str, column: str, value: str) -> None:
    raise SitesError(
        f"{where}, column {column!r}: {value!r} looks like a place where people live "
        "(shelter, home); sites must be public places only, because publishing where "
        "refugees and migrants live can put them at risk; remove the row or give a "
        f"public place (types: {', '.join(SITE_TYPES)})")


def parse_type(value: object, where: str = "site") -> str:
    """Turn a type cell (code or label, Spanish or English) into a type code.

    Raises :class:`SitesError` for unknown types and for shelters or homes.

    Examples
    --------
    >>> parse_type("Estación de Metro"), parse_type("public_square"), parse_type("ONG")
    ('metro_station', 'square_park', 'ngo_office')
    >>> parse_type("albergue")
    Traceback (most recent call last):
    ...
    geo4mi.errors.SitesError: site, column 'type': 'albergue' looks like a place where people live ...
    """
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    if text.strip() in SITE_TYPES:
        return text.strip()
    key = normalize_name(text)
    padded = f" {key} "
    if any(f" {w} " in padded for w in _LIVING_PLACE_WORDS):
        _refuse_living_place(where, "type", text)
    for code, labels in SITE_TYPES.items():
        if key in (normalize_name(code), normalize_name(labels["es"]),
                   normalize_name(labels["en"])):
            return code
    if key in _TYPE_ALIASES:
        return _TYPE_ALIASES[key]
    raise SitesError(f"{where}, column 'type': unknown site type {text!r}; use one of "
                     f"{', '.join(SITE_TYPES)} (or their Spanish/English labels)")


def _parse_coordinate(value: object, where: str, column: str, low: float, high: float) -> float:
    text = "" if value is None else str(value).strip()
    try:
        number = float(text.replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise SitesError(f"{where}, column {column!r}: not a number ({text!r}); give decimal "
                         "degrees such as 19.4326 (latitude) or -99.1332 (longitude)")
    if not low <= number <= high:
        hint = (" (latitude and longitude look swapped)" if column == "lat" and abs(number) > 90
                else "")
        raise SitesError(f"{where}, column {column!r}: {number!r} is outside {low}..{high}"
                         f"{hint}; give WGS84 decimal degrees")
    return number


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _clean_records(records: Iterable[tuple[str, Mapping[str, object]]]) -> pd.DataFrame:
    """Validate ``(where, {name, type, lat, lon, notes})`` records into a plain table."""
    rows = []
    for where, rec in records:
        name = " ".join(_text(rec.get("name")).split())
        if not name:
            raise SitesError(f"{where}, column 'name': empty name; every site needs a name")
        lowered = f" {normalize_name(name)} "
        if any(f" {w} " in lowered for w in _LIVING_PLACE_NAMES):
            _refuse_living_place(where, "name", name)
        site_type = parse_type(rec.get("type"), where)
        lat = _parse_coordinate(rec.get("lat"), where, "lat", -90.0, 90.0)
        lon = _parse_coordinate(rec.get("lon"), where, "lon", -180.0, 180.0)
        notes = _text(rec.get("notes"))
        rows.append({"name": name, "type": site_type, "lat": lat, "lon": lon,
                     "notes": " ".join(notes.split())})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def place_sites(table: pd.DataFrame, areas: gpd.GeoDataFrame, *, source: str = "sites"
                ) -> gpd.GeoDataFrame:
    """Place validated sites (``name, type, lat, lon, notes``) in the borough they lie in.

    A site on a shared border goes to the area with the lowest ``area_id``; a site outside
    every area gets ``area_id`` NA and ``in_city`` False and is reported in the log.

    Examples
    --------
    >>> import pandas as pd
    >>> from geo4mi.boundaries import load_areas
    >>> t = pd.DataFrame({"name": ["Zócalo", "Toluca"], "type": ["square_park"] * 2,
    ...                   "lat": [19.4326, 19.2826], "lon": [-99.1332, -99.6557], "notes": ""})
    >>> placed = place_sites(t, load_areas())
    >>> placed["area_id"].iloc[0], placed["in_city"].tolist()
    ('09015', [True, False])
    """
    points = gpd.GeoDataFrame(
        table.reset_index(drop=True),
        geometry=gpd.points_from_xy(table["lon"].astype(float), table["lat"].astype(float)),
        crs="EPSG:4326")
    boundaries = to_crs_checked(areas[["area_id", "geometry"]], metric_crs(areas),
                                step="placing sites")
    local = points.geometry.to_crs(boundaries.crs)
    area_ids = pd.array([pd.NA] * len(points), dtype="string")
    if len(points):
        idx_point, idx_area = boundaries.sindex.query(local, predicate="intersects")
        hits = pd.DataFrame({"point": idx_point,
                             "area_id": boundaries["area_id"].to_numpy()[idx_area]})
        first = hits.sort_values(["point", "area_id"]).drop_duplicates("point")
        area_ids[first["point"].to_numpy()] = first["area_id"].astype(str).to_numpy()
    points["area_id"] = area_ids
    points["in_city"] = points["area_id"].notna().to_numpy(dtype=bool)
    outside = points.loc[~points["in_city"], "name"].tolist()
    if outside:
        log.warning("%s: %d site(s) outside the study area (kept, flagged in_city=False): %s",
                    source, len(outside), ", ".join(repr(n) for n in outside))
    return points[OUTPUT_COLUMNS]


def _read_csv_records(path: Path) -> list[tuple[str, dict[str, object]]]:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="latin-1")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(f"{path}: cannot read as CSV ({exc}); give a comma-separated "
                             f"file with columns {', '.join(COLUMNS)}") from exc
    rename = {}
    for column in raw.columns:
        key = str(column).strip().lower()
        rename[column] = _COLUMN_ALIASES.get(key, key)
    raw = raw.rename(columns=rename)
    missing = [c for c in ("name", "type", "lat", "lon") if c not in raw.columns]
    if missing:
        raise SitesError(f"{path}: row 1, column {missing[0]!r}: missing column; a sites CSV "
                         f"needs columns {', '.join(COLUMNS)} (notes optional); found "
                         f"{', '.join(map(str, raw.columns))}")
    extra = [c for c in raw.columns if c not in COLUMNS]
    if extra:
        log.warning("%s: ignoring columns %s (allowed: %s)", path, ", ".join(map(str, extra)),
                    ", ".join(COLUMNS))
    # Row numbers are the spreadsheet's: the header is row 1, the first site row 2.
    return [(f"{path}: row {i + 2}", rec) for i, rec in enumerate(raw.to_dict("records"))]


def _read_vector_records(path: Path) -> list[tuple[str, dict[str, object]]]:
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several DataSourceError types
        raise InputFileError(f"{path}: cannot read sites ({exc}); give a CSV or a vector "
                             "points file (GeoJSON, GeoPackage, Shapefile)") from exc
    if gdf.crs is None:
        from geo4mi.errors import CRSError
        raise CRSError(f"{path}: has no CRS; add one so the sites can be placed")
    gdf = gdf.rename(columns={c: _COLUMN_ALIASES.get(c.lower(), c.lower())
                              for c in gdf.columns if c != gdf.geometry.name})
    for column in ("name", "type"):
        if column not in gdf.columns:
            raise SitesError(f"{path}: feature 1, column {column!r}: missing attribute; sites "
                             "need attributes name, type (notes optional)")
    lonlat = gdf.geometry.to_crs("EPSG:4326")
    records = []
    for i, (geom, (_, row)) in enumerate(zip(lonlat, gdf.iterrows())):
        where = f"{path}: feature {i + 1}"
        if geom is not None and geom.geom_type == "MultiPoint" and len(geom.geoms) == 1:
            geom = geom.geoms[0]
        if geom is None or geom.is_empty or geom.geom_type != "Point":
            kind = "no geometry" if geom is None or geom.is_empty else geom.geom_type
            raise SitesError(f"{where}, column 'geometry': {kind!r} is not a point; each site "
                             "is one point")
        records.append((where, {"name": row["name"], "type": row["type"], "lat": geom.y,
                                "lon": geom.x, "notes": row.get("notes")}))
    return records


def read_sites(path: str | os.PathLike[str], areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Read a sites file and place each site in its borough.

    Parameters
    ----------
    path : path-like
        A CSV with columns ``name, type, lat, lon`` and optionally ``notes`` (WGS84 decimal
        degrees; Spanish headers ``nombre, tipo, latitud, longitud, notas`` also work), or any
        vector points file GDAL reads, with attributes ``name, type[, notes]``.
    areas : GeoDataFrame
        The *areas* table.

    Returns
    -------
    GeoDataFrame
        ``name, type, lat, lon, notes, area_id, in_city, geometry`` in EPSG:4326, in file
        order. Sites outside every area are kept with ``in_city`` False and logged.

    Raises
    ------
    InputFileError
        The file is missing or unreadable.
    SitesError
        A row has no name, an unknown type, a bad coordinate, or names a shelter or home;
        the message names the file, row and column.

    Examples
    --------
    >>> from geo4mi.boundaries import load_areas
    >>> sites = read_sites(BUNDLED_SITES, load_areas())
    >>> bool(sites["in_city"].all()), sites.crs.to_epsg()
    (True, 4326)
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: sites file not found; check [sites] path in the study "
                             "file (relative to the study file)")
    if path.suffix.lower() in (".csv", ".txt"):
        records = _read_csv_records(path)
    else:
        records = _read_vector_records(path)
    if not records:
        raise SitesError(f"{path}: no sites; add at least one row")
    return place_sites(_clean_records(records), areas, source=str(path))


def read_workshop_geojson(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Validate a GeoJSON of candidate sites downloaded from the site map's workshop mode.

    Returns the validated ``name, type, lat, lon, notes`` table (not yet placed).

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "candidates.geojson"
    >>> _ = f.write_text(json.dumps({"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-99.13, 19.43]},
    ...      "properties": {"name": "Mercado X", "type": "market", "notes": ""}}]}))
    >>> read_workshop_geojson(f)[["name", "type", "lat"]].values.tolist()
    [['Mercado X', 'market', 19.43]]
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: file not found; give the GeoJSON downloaded from the "
                             "site map's workshop mode")
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError(f"{path}: not valid GeoJSON ({exc}); download the file again "
                             "from the site map") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
            doc.get("features"), list):
        raise SitesError(f"{path}: not a GeoJSON FeatureCollection "
                         f"(type {doc.get('type') if isinstance(doc, dict) else doc!r}); "
                         "give the file downloaded from the site map's workshop mode")
    records = []
    for i, feature in enumerate(doc["features"]):
        where = f"{path}: feature {i + 1}"
        geom = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geom, dict) or geom.get("type") != "Point":
            kind = geom.get("type") if isinstance(geom, dict) else geom
            raise SitesError(f"{where}, column 'geometry': {kind!r} is not a Point; each "
                             "candidate site is one point")
        coords = geom.get("coordinates")
        if not isinstance(coords, list) or len(coords) < 2:
            raise SitesError(f"{where}, column 'geometry': coordinates {coords!r} are not "
                             "[longitude, latitude]")
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise SitesError(f"{where}, column 'properties': {props!r} is not an object")
        records.append((where, {"name": props.get("name"), "type": props.get("type"),
                                "lat": coords[1], "lon": coords[0], "notes": props.get("notes")}))
    return _clean_records(records)


def import_sites(geojson_path: str | os.PathLike[str], existing_sites: gpd.GeoDataFrame, *,
                 areas: gpd.GeoDataFrame | None = None, duplicate_radius_m: float = 50.0
                 ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Validate a workshop GeoJSON and merge its sites into ``existing_sites``.

    A candidate closer than ``duplicate_radius_m`` to an existing site (or to a candidate
    earlier in the file) is a duplicate: it is reported and not added.

    Parameters
    ----------
    geojson_path : path-like
        GeoJSON FeatureCollection of points with ``name, type[, notes]`` properties, as the
        site map's workshop mode downloads it.
    existing_sites : GeoDataFrame
        The current *sites* table (from :func:`read_sites`).
    areas : GeoDataFrame, optional
        The *areas* to place new sites in; default: the bundled boroughs.
    duplicate_radius_m : float, default 50
        Distance in metres under which two sites count as the same place.

    Returns
    -------
    merged : GeoDataFrame
        ``existing_sites`` followed by the new, non-duplicate sites.
    report : DataFrame
        One row per candidate: ``name, type, lat, lon, area_id, in_city, status``
        (``added`` or ``duplicate``), ``duplicate_of`` and ``distance_m`` (to the nearest
        site already present).

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from geo4mi.boundaries import load_areas
    >>> areas = load_areas()
    >>> sites = read_sites(BUNDLED_SITES, areas)
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "c.geojson"
    >>> pt = lambda n, lon, lat: {"type": "Feature", "properties": {"name": n, "type":
    ...     "market"}, "geometry": {"type": "Point", "coordinates": [lon, lat]}}
    >>> _ = f.write_text(json.dumps({"type": "FeatureCollection", "features": [
    ...     pt("Mercado de la Merced", -99.1245, 19.4258),
    ...     pt("Balderas again", -99.14881, 19.42692)]}))
    >>> merged, report = import_sites(f, sites, areas=areas)
    >>> len(merged) - len(sites), report["status"].tolist()
    (1, ['added', 'duplicate'])
    """
    if not isinstance(duplicate_radius_m, (int, float)) or duplicate_radius_m < 0:
        raise SitesError(f"duplicate_radius_m = {duplicate_radius_m!r} must be a distance in "
                         "metres (0 or more)")
    areas = load_areas() if areas is None else areas
    new = place_sites(read_workshop_geojson(geojson_path), areas, source=str(geojson_path))
    if not len(new):
        log.warning("%s: no candidate sites in the file", geojson_path)
    crs = metric_crs(areas)
    known = [(str(n), p) for n, p in zip(existing_sites["name"],
                                          existing_sites.geometry.to_crs(crs))]
    keep, status, dup_of, dist = [], [], [], []
    for i, (name, point) in enumerate(zip(new["name"], new.geometry.to_crs(crs))):
        nearest_name, nearest = "", math.inf
        for other_name, other in known:
            d = point.distance(other)
            if d < nearest:
                nearest_name, nearest = other_name, d
        duplicate = nearest <= duplicate_radius_m
        status.append("duplicate" if duplicate else "added")
        dup_of.append(nearest_name if duplicate else "")
        dist.append(round(nearest, 1) if math.isfinite(nearest) else math.nan)
        if not duplicate:
            keep.append(i)
            known.append((str(name), point))
    report = pd.DataFrame(new.drop(columns=["geometry", "notes"]))
    report["status"] = status
    report["duplicate_of"] = dup_of
    report["distance_m"] = dist
    added = new.iloc[keep]
    merged = pd.concat([existing_sites[OUTPUT_COLUMNS], added], ignore_index=True)
    merged = gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326")
    log.info("%s: %d candidate(s), %d added, %d duplicate(s)", geojson_path, len(new),
             len(keep), len(new) - len(keep))
    return merged, report


def write_sites_csv(sites: pd.DataFrame, path: str | os.PathLike[str], *,
                    overwrite: bool = True) -> Path:
    """Write sites as ``name, type, lat, lon, notes`` CSV (6 decimals), atomically.

    Names and notes that a spreadsheet would run as a formula (``=``, ``+``, ``-``,
    ``@``...) get a leading ``'`` (:func:`geo4mi.io.write_csv`); coordinates stay numbers.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from geo4mi.boundaries import load_areas
    >>> sites = read_sites(BUNDLED_SITES, load_areas())
    >>> out = write_sites_csv(sites, pathlib.Path(tempfile.mkdtemp()) / "s.csv")
    >>> out.read_text(encoding="utf-8") == BUNDLED_SITES.read_text(encoding="utf-8")
    True
    """
    table = pd.DataFrame({
        "name": sites["name"].astype(str),
        "type": sites["type"].astype(str),
        "lat": np.asarray(sites["lat"], dtype=float),
        "lon": np.asarray(sites["lon"], dtype=float),
        "notes": sites["notes"].fillna("").astype(str),
    })
    return write_csv(table, path, overwrite=overwrite, float_format="%.6f")


def areas_with_sites(sites: pd.DataFrame) -> list[str]:
    """Sorted ``area_id`` values that hold at least one site inside the city.

    Examples
    --------
    >>> from geo4mi.boundaries import load_areas
    >>> len(areas_with_sites(read_sites(BUNDLED_SITES, load_areas())))
    11
    """
    return sorted(set(sites.loc[sites["in_city"].astype(bool), "area_id"].astype(str)))
