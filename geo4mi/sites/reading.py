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
(33, ['metro_station'])
>>> sites.loc[sites["name"] == "Metro Balderas", "area_id"].item()
'09015'
>>> type_label("square_park", "en")
'Square or park'
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo4mi.boundaries import load_areas, metric_crs, to_crs_checked
from geo4mi.errors import InputFileError, SitesError
from geo4mi.i18n import check_language
from geo4mi.io import unquote_cell, write_csv
from geo4mi.names import normalize_name
from geo4mi.resources import bundled_path

log = logging.getLogger(__name__)

BUNDLED_SITES = bundled_path("data", "sites.csv")

#: Site types in display order, with their labels in every interface language.
SITE_TYPES: dict[str, dict[str, str]] = {
    "public_office": {"es": "Oficina pública", "en": "Public office",
                      "fr": "Bureau public", "pt": "Repartição pública"},
    "square_park": {"es": "Plaza o parque", "en": "Square or park",
                    "fr": "Place ou parc", "pt": "Praça ou parque"},
    "market": {"es": "Mercado", "en": "Market", "fr": "Marché", "pt": "Mercado"},
    "metro_station": {"es": "Estación de Metro", "en": "Metro station",
                      "fr": "Station de métro", "pt": "Estação de metrô"},
    "community_centre": {"es": "Centro comunitario", "en": "Community centre",
                         "fr": "Centre communautaire", "pt": "Centro comunitário"},
    "ngo_office": {"es": "Oficina de ONG", "en": "NGO office",
                   "fr": "Bureau d'ONG", "pt": "Escritório de ONG"},
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

#: Most features ``import_sites`` reads from one file unless told otherwise
#: (``[sites] max_import`` in the study file).
DEFAULT_MAX_IMPORT = 10_000
#: Statuses of the features of an import, in report order.
IMPORT_STATUSES = ("added", "duplicate", "refused", "invalid")
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _blank_end(text: str, at: int) -> int:
    """Index of the first non-blank character at or after ``at`` (JSON blanks)."""
    match = _WS.match(text, at)
    return at if match is None else match.end()  # never None: _WS matches ""


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


#: Longest name and notes accepted (characters, after collapsing whitespace).
NAME_MAX_CHARS = 200
NOTES_MAX_CHARS = 2000
_TYPE_ADVICE = f"use one of {', '.join(SITE_TYPES)} (or their Spanish/English labels)"
_LIVING_ADVICE = ("sites must be public places only, because publishing where refugees and "
                  "migrants live can put them at risk; remove it or give a public place "
                  f"(types: {', '.join(SITE_TYPES)})")


def _lookup_table() -> dict[str, str]:
    table = dict(_TYPE_ALIASES)
    for code, labels in SITE_TYPES.items():  # codes and labels win over aliases
        for text in (code, labels["es"], labels["en"]):
            table[normalize_name(text)] = code
    return table


_TYPE_LOOKUP = _lookup_table()


class _Rejected(Exception):
    """One value that keeps a site out: ``status`` is ``refused`` (a living place) or
    ``invalid``; ``message`` quotes the value; ``advice`` says what to do."""

    def __init__(self, status: str, column: str, message: str, advice: str = "") -> None:
        super().__init__(message)
        self.status, self.column, self.message, self.advice = status, column, message, advice

    def error(self, where: str) -> SitesError:
        tail = f"; {self.advice}" if self.advice else ""
        return SitesError(f"{where}, column {self.column!r}: {self.message}{tail}")


def _show(value: object, limit: int = 60) -> str:
    """``value`` as a short, escaped literal for messages: at most ``limit`` characters,
    quoted with :func:`repr`, so control characters, line separators, bidi and zero-width
    marks are shown as escapes and cannot reorder or hide the rest of a terminal line.

    Examples
    --------
    >>> _show("Mercado")
    "'Mercado'"
    >>> _show("bidi \\u202egnp.exe")
    "'bidi \\\\u202egnp.exe'"
    >>> _show("x" * 100, limit=5)
    "'xxxxx'… (100 characters)"
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def _living_place(column: str, value: str) -> _Rejected:
    return _Rejected("refused", column, f"{_show(value)} looks like a place where people live "
                     "(shelter, home)", _LIVING_ADVICE)


@functools.lru_cache(maxsize=4096)
def _type_verdict(text: str) -> str:
    """The type code of a type cell, ``"living"`` for a place where people live, or ``""``."""
    if text.strip() in SITE_TYPES:
        return text.strip()
    key = normalize_name(text)
    padded = f" {key} "
    if any(f" {w} " in padded for w in _LIVING_PLACE_WORDS):
        return "living"
    return _TYPE_LOOKUP.get(key, "")


def _type_code(text: str) -> str:
    """The type code of a type cell, or :class:`_Rejected` (living place or unknown)."""
    code = _type_verdict(text)
    if code == "living":
        raise _living_place("type", text)
    if not code:
        raise _Rejected("invalid", "type", f"unknown site type {_show(text)}", _TYPE_ADVICE)
    return code


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
    """  # noqa: E501  (a doctest shows the one-line error message whole)
    try:
        return _type_code(_text(value))
    except _Rejected as rejected:
        raise rejected.error(where) from None


def _parse_coordinate(value: object, where: str, column: str, low: float, high: float) -> float:
    text = "" if value is None else str(value).strip()
    try:
        number = (float(text.replace(",", ".")) if isinstance(value, str)
                  else float(value))  # type: ignore[arg-type]  # any cell; TypeError caught
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise SitesError(f"{where}, column {column!r}: not a number ({_show(text)}); give "
                         "decimal degrees such as 19.4326 (latitude) or -99.1332 (longitude)")
    if not low <= number <= high:
        hint = (" (latitude and longitude look swapped)" if column == "lat" and abs(number) > 90
                else "")
        raise SitesError(f"{where}, column {column!r}: {number!r} is outside {low}..{high}"
                         f"{hint}; give WGS84 decimal degrees")
    return number


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _one_line(column: str, text: str, limit: int) -> str:
    """``text`` with runs of whitespace (tabs, line breaks, U+2028...) made one space;
    :class:`_Rejected` when it is too long or holds a control character."""
    text = " ".join(text.split())
    if len(text) > limit:
        raise _Rejected("invalid", column, f"{len(text):,} characters, more than {limit:,}",
                        "shorten it")
    if not text.isprintable():  # fast path: printable text needs no character scan
        for char in text:
            if unicodedata.category(char) in ("Cc", "Cs"):
                raise _Rejected("invalid", column, f"{_show(text)} holds the control character "
                                f"U+{ord(char):04X}", "remove it")
    return text


def _name_is_living_place(name: str) -> bool:
    if name.isascii():  # fast path: ASCII text can only match if a key word is in it
        lowered = name.lower()
        if "albergue" not in lowered and "shelter" not in lowered and "casa" not in lowered:
            return False
    padded = f" {normalize_name(name)} "
    return any(f" {w} " in padded for w in _LIVING_PLACE_NAMES)


def _clean_site(name: str, site_type: str, notes: str, *, pending: _Rejected | None = None
                ) -> tuple[str, str, str]:
    """Check and tidy the text of one site. A shelter or home is refused before any other
    fault (such as ``pending``, found by the caller) is reported."""
    if _name_is_living_place(name):
        raise _living_place("name", " ".join(name.split()))
    if _type_verdict(site_type) == "living":
        raise _living_place("type", site_type)
    if pending is not None:
        raise pending
    code = _type_code(site_type)
    name = _one_line("name", name, NAME_MAX_CHARS)
    if not name:
        raise _Rejected("invalid", "name", "empty name", "every site needs a name")
    return name, code, _one_line("notes", notes, NOTES_MAX_CHARS)


def _clean_records(records: Iterable[tuple[str, Mapping[str, object]]]) -> pd.DataFrame:
    """Validate ``(where, {name, type, lat, lon, notes})`` records into a plain table."""
    rows = []
    for where, rec in records:
        try:
            name, site_type, notes = _clean_site(_text(rec.get("name")), _text(rec.get("type")),
                                                 _text(rec.get("notes")))
        except _Rejected as rejected:
            raise rejected.error(where) from None
        lat = _parse_coordinate(rec.get("lat"), where, "lat", -90.0, 90.0)
        lon = _parse_coordinate(rec.get("lon"), where, "lon", -180.0, 180.0)
        rows.append({"name": name, "type": site_type, "lat": lat, "lon": lon, "notes": notes})
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
    return _place(table, areas, source=source)[0]


def _place(table: pd.DataFrame, areas: gpd.GeoDataFrame, *, source: str
           ) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """:func:`place_sites`, and the sites' ``x, y`` in ``metric_crs(areas)``."""
    points = gpd.GeoDataFrame(
        table.reset_index(drop=True),
        geometry=gpd.points_from_xy(table["lon"].astype(float), table["lat"].astype(float)),
        crs="EPSG:4326")
    boundaries = to_crs_checked(areas[["area_id", "geometry"]], metric_crs(areas),
                                step="placing sites")
    local = shapely.get_coordinates(points.geometry.to_crs(boundaries.crs).to_numpy())
    area_ids = pd.array([pd.NA] * len(points), dtype="string")
    if len(points):
        # Each area, lowest area_id first, takes the points not yet placed that it
        # intersects: one prepared polygon against many points is fast.
        x, y = local.T
        todo = np.ones(len(points), dtype=bool)
        ids = boundaries["area_id"].astype(str).to_numpy()
        for k in np.argsort(ids, kind="stable"):
            polygon = boundaries.geometry.iloc[k]
            if polygon is None or polygon.is_empty:
                continue
            minx, miny, maxx, maxy = polygon.bounds
            near = np.flatnonzero(todo & (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
            if len(near):
                shapely.prepare(polygon)
                hit = near[shapely.intersects_xy(polygon, x[near], y[near])]
                area_ids[hit] = ids[k]
                todo[hit] = False
    points["area_id"] = area_ids
    points["in_city"] = points["area_id"].notna().to_numpy(dtype=bool)
    outside = points.loc[~points["in_city"], "name"]
    if len(outside):
        shown = ", ".join(_show(n) for n in outside.head(5))
        rest = f" and {len(outside) - 5:,} more" if len(outside) > 5 else ""
        log.warning("%s: %s site(s) outside the study area (kept, flagged in_city=False): %s%s",
                    source, f"{len(outside):,}", shown, rest)
    return points[OUTPUT_COLUMNS], local


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
    # Text written by write_sites_csv as "'=..." (spreadsheet-safe) is read back as "=...".
    raw = raw.map(unquote_cell)
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
    for i, (geom, (_, row)) in enumerate(zip(lonlat, gdf.iterrows(), strict=True)):
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
        A row has no name, an unknown type, a bad coordinate, a name or notes too long
        (:data:`NAME_MAX_CHARS`, :data:`NOTES_MAX_CHARS`) or holding a control character,
        or names a shelter or home; the message names the file, row and column.

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


def read_workshop_geojson(path: str | os.PathLike[str], *,
                          max_features: int | None = None) -> pd.DataFrame:
    """Validate a GeoJSON of candidate sites downloaded from the site map's workshop mode.

    Returns the validated ``name, type, lat, lon, notes`` table (not yet placed). Unlike
    :func:`import_sites`, which reports each bad feature and goes on, this stops at the
    first one.

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
    table, excluded = _read_candidates(path, max_features)
    if excluded:
        number, _, _, rejected = excluded[0]
        raise rejected.error(f"{path}: feature {number}")
    return table[list(COLUMNS)]


def _read_candidates(path: Path, max_features: int | None
                     ) -> tuple[pd.DataFrame, list[tuple[int, str, str, _Rejected]]]:
    """Valid candidates (``feature, name, type, lat, lon, notes``) and, for every other
    feature, ``(feature number, name, type, why)``; raises for a bad or too large file."""
    if not path.is_file():
        raise InputFileError(f"{path}: file not found; give the GeoJSON downloaded from the "
                             "site map's workshop mode")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not valid GeoJSON ({exc}); download the file again "
                             "from the site map") from exc
    columns: dict[str, list[object]] = {c: [] for c in ("feature", *COLUMNS)}
    excluded: list[tuple[int, str, str, _Rejected]] = []
    for number, feature in enumerate(_iter_features(text, path), start=1):
        if max_features is not None and number > max_features:
            quick = text.count('"Feature"')  # one per feature in files the site map writes
            count = f"about {quick:,}" if quick > max_features else f"more than {max_features:,}"
            raise SitesError(f"{path}: {count} features, but one import accepts at most "
                             f"{max_features:,}; split the file, or raise [sites] max_import "
                             "in the study file")
        try:
            values = _quick_feature(feature) or _check_feature(feature)
        except _Rejected as rejected:
            props = feature.get("properties") if isinstance(feature, dict) else None
            props = props if isinstance(props, dict) else {}
            texts = [v if isinstance(v := props.get(c), str) else "" for c in ("name", "type")]
            excluded.append((number, texts[0], texts[1], rejected))
            continue
        columns["feature"].append(number)
        for column, value in zip(COLUMNS, values, strict=True):
            columns[column].append(value)
    table = pd.DataFrame(columns)
    table["feature"] = table["feature"].astype("int64")
    table[["lat", "lon"]] = table[["lat", "lon"]].astype(float)
    return table, excluded


def _iter_features(text: str, path: Path) -> Iterator[object]:
    """The members of a FeatureCollection's ``features`` array, decoded one at a time.

    Only one feature is held at a time, so reading can stop at the import limit without
    decoding the rest of a large file. The collection's other members are decoded whole.
    """
    def fail(message: str, at: int) -> InputFileError:
        exc = json.JSONDecodeError(message, text, min(at, len(text)))
        return InputFileError(f"{path}: not valid GeoJSON ({exc}); download the file again "
                              "from the site map")

    def not_collection(kind: object, what: str = "") -> SitesError:
        what = what or (f"type {_show(kind)}" if isinstance(kind, str) else _json_kind(kind))
        return SitesError(f"{path}: not a GeoJSON FeatureCollection ({what}); give the file "
                          "downloaded from the site map's workshop mode")

    def skip(at: int, chars: str) -> int:
        """Index of the next non-blank character, which must be one of ``chars``."""
        at = _blank_end(text, at)
        if not text.startswith(tuple(chars), at):
            raise fail(f"Expecting {' or '.join(map(repr, chars))}", at)
        return at

    def decode(at: int) -> tuple[object, int]:
        at = _blank_end(text, at)
        try:
            return _DECODER.raw_decode(text, at)
        except json.JSONDecodeError as exc:
            raise fail(exc.msg, exc.pos) from None
        except RecursionError:
            raise fail("Nested too deeply", at) from None

    at = _blank_end(text, 0)
    if not text.startswith("{", at):
        first = text[at:at + 1]
        kinds = {"[": "a list", '"': "text", "t": "true", "f": "false", "n": "null"}
        if first and (first in kinds or first in "-0123456789"):
            raise not_collection(None, kinds.get(first, "a number"))
        raise fail("Expecting value", at)
    members: dict[str, object] = {}
    at = _blank_end(text, at + 1)
    if text.startswith("}", at):
        at += 1
    while at < len(text) and text[at - 1] != "}":
        key, at = decode(skip(at, '"'))
        at = _blank_end(text, skip(at, ":") + 1)
        if key == "features" and text.startswith("[", at):
            if "features" in members:
                raise SitesError(f"{path}: two 'features' members; keep one")
            if members.get("type", "FeatureCollection") != "FeatureCollection":
                raise not_collection(members["type"])
            members["features"] = []
            at = _blank_end(text, at + 1)
            if text.startswith("]", at):
                at += 1
            else:
                while True:
                    feature, at = decode(at)
                    yield feature
                    at = skip(at, ",]") + 1
                    if text[at - 1] == "]":
                        break
        else:
            members[str(key)], at = decode(at)
        at = skip(at, ",}") + 1
    if at > len(text) or text[at - 1] != "}":
        raise fail("Expecting '}'", at)
    end = _blank_end(text, at)
    if end != len(text):
        raise fail("Extra data", end)
    if members.get("type") != "FeatureCollection" or not isinstance(members.get("features"),
                                                                    list):
        raise not_collection(members.get("type"))


def _json_kind(value: object) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return {int: "a number", float: "a number", str: "text", list: "a list",
            dict: "an object"}.get(type(value), type(value).__name__)


def _plain(text: str, limit: int) -> bool:
    """True when ``text`` passes the text checks unchanged: printable (so no control
    character, and no whitespace but single spaces inside) and not too long."""
    return (len(text) <= limit and text.isprintable() and "  " not in text
            and not text.startswith(" ") and not text.endswith(" "))


def _quick_feature(feature: object) -> tuple[str, str, float, float, str] | None:
    """:func:`_check_feature` for the usual well-formed feature, with fewer steps; None when
    anything needs a closer look (which :func:`_check_feature` then gives)."""
    if type(feature) is not dict:
        return None
    props, geometry = feature.get("properties"), feature.get("geometry")
    if type(props) is not dict or type(geometry) is not dict or geometry.get("type") != "Point":
        return None
    coords = geometry.get("coordinates")
    if type(coords) is not list or len(coords) != 2:
        return None
    lon, lat = coords
    if (type(lon) not in (float, int) or type(lat) not in (float, int)
            or not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0)):  # NaN fails too
        return None
    name, site_type, notes = props.get("name"), props.get("type"), props.get("notes")
    notes = "" if notes is None else notes
    if (type(name) is not str or type(site_type) is not str or type(notes) is not str
            or not name or not _plain(name, NAME_MAX_CHARS) or not _plain(notes, NOTES_MAX_CHARS)
            or _name_is_living_place(name)):
        return None
    code = _type_verdict(site_type)
    if code in ("", "living"):
        return None
    return name, code, float(lat), float(lon), notes


def _check_feature(feature: object) -> tuple[str, str, float, float, str]:
    """``name, type, lat, lon, notes`` of one GeoJSON feature, or :class:`_Rejected`."""
    if not isinstance(feature, dict):
        raise _Rejected("invalid", "feature", f"{_json_kind(feature)}, not a Feature object",
                        "each candidate site is one GeoJSON Feature")
    props = feature.get("properties")
    props = {} if props is None else props
    if not isinstance(props, dict):
        raise _Rejected("invalid", "properties", f"{_json_kind(props)}, not an object",
                        "give the properties name, type and notes")
    texts, pending = [], None
    for column in ("name", "type", "notes"):
        value = props.get(column)
        if value is not None and not isinstance(value, str):
            pending = pending or _Rejected(
                "invalid", column, f"{_json_kind(value)} ({_show(json.dumps(value))}), not text",
                "give text")
            value = None
        texts.append("" if value is None else value)
    name, site_type, notes = _clean_site(*texts, pending=pending)
    lon, lat = _check_point(feature.get("geometry"))
    return name, site_type, lat, lon, notes


def _check_point(geometry: object) -> tuple[float, float]:
    """``(lon, lat)`` of a GeoJSON Point geometry in WGS84 degrees, or :class:`_Rejected`."""
    def bad(message: str, advice: str = "each candidate site is one point, "
            "[longitude, latitude] in WGS84 degrees") -> _Rejected:
        return _Rejected("invalid", "geometry", message, advice)

    if geometry is None:
        raise bad("no geometry")
    if not isinstance(geometry, dict):
        raise bad(f"{_json_kind(geometry)}, not a geometry object")
    kind = geometry.get("type")
    if kind != "Point":
        raise bad(f"{_show(kind) if isinstance(kind, str) else _json_kind(kind)} is not a Point")
    coords = geometry.get("coordinates")
    if type(coords) is list and len(coords) == 2 and all(type(v) in (int, float)
                                                          for v in coords):
        lon, lat = _finite(coords)
    else:
        shown = _show(json.dumps(coords)) if isinstance(coords, list) else _json_kind(coords)
        if not isinstance(coords, list) or len(coords) < 2:
            raise bad(f"coordinates {shown} are not [longitude, latitude]")
        if len(coords) > 2:
            raise bad(f"coordinates {shown} have {len(coords)} values (a 3-D point?)",
                      "give [longitude, latitude], without altitude")
        raise bad(f"coordinates {shown} are not two numbers")
    if not -90.0 <= lat <= 90.0:
        if abs(lat) <= 180.0 and abs(lon) <= 90.0:
            raise bad(f"latitude {lat!r} is outside -90..90: [{lon!r}, {lat!r}] looks "
                      "swapped (GeoJSON gives [longitude, latitude])", "swap the two numbers")
        raise bad(f"latitude {lat!r} is outside -90..90")
    if not -180.0 <= lon <= 180.0:
        raise bad(f"longitude {lon!r} is outside -180..180")
    return lon, lat


def _finite(coords: list[int | float]) -> tuple[float, float]:
    try:
        lon, lat = float(coords[0]), float(coords[1])
    except OverflowError:  # an integer too large for a float
        lon = lat = math.inf
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise _Rejected("invalid", "geometry", f"coordinates {_show(json.dumps(coords))} are "
                        "not finite numbers", "give [longitude, latitude] in WGS84 degrees")
    return lon, lat


def _duplicates(known: np.ndarray, new: np.ndarray, radius: float) -> np.ndarray:
    """Which of the points ``new`` duplicate a site present at their turn.

    The ``known`` points are present from the start; each new point, in order, is a
    duplicate when a present point lies within ``radius`` (metres), and is present from then
    on otherwise. k-d trees settle most points at once: one with a known point within
    ``radius`` is a duplicate, one with no other point within ``radius`` is not. Only the
    rest, which have new points near them, are walked in order, each against the points
    already added in its 3 x 3 grid cells (cells of ``radius``); added points are more than
    ``radius`` apart, so few share a cell.
    """
    duplicate = np.zeros(len(new), dtype=bool)
    if not len(new):
        return duplicate
    bound = radius * (1 + 1e-9) + 1e-6  # a little wider; the exact test is below
    if len(known):
        _, j = cKDTree(known).query(new, k=1, distance_upper_bound=bound)
        found = j < len(known)
        near = known[np.where(found, j, 0)] - new
        duplicate = found & (np.sqrt(near[:, 0] * near[:, 0] + near[:, 1] * near[:, 1])
                             <= radius)
    if len(new) < 2:
        return duplicate
    second, _ = cKDTree(new).query(new, k=2, distance_upper_bound=bound)
    walk = np.flatnonzero(np.isfinite(second[:, 1]) & ~duplicate)
    cell = max(radius, 1.0)
    gx = np.floor(new[walk, 0] / cell).astype(np.int64).tolist()
    gy = np.floor(new[walk, 1] / cell).astype(np.int64).tolist()
    xs, ys = new[walk, 0].tolist(), new[walk, 1].tolist()
    added: dict[tuple[int, int], list[int]] = {}
    sqrt = math.sqrt
    for w, i in enumerate(walk.tolist()):
        x, y, cx, cy = xs[w], ys[w], gx[w], gy[w]
        hit = False
        for key in ((cx - 1, cy - 1), (cx - 1, cy), (cx - 1, cy + 1), (cx, cy - 1), (cx, cy),
                    (cx, cy + 1), (cx + 1, cy - 1), (cx + 1, cy), (cx + 1, cy + 1)):
            for v in added.get(key, ()):
                dx, dy = xs[v] - x, ys[v] - y
                if sqrt(dx * dx + dy * dy) <= radius:
                    hit = True
                    break
            if hit:
                break
        if hit:
            duplicate[i] = True
        else:
            added.setdefault((cx, cy), []).append(w)
    return duplicate


def _nearest_before(xy: np.ndarray, query: np.ndarray, limit: np.ndarray, *, k: int = 8,
                    chunk: int = 65_536) -> tuple[np.ndarray, np.ndarray]:
    """For each point ``query[i]``, the nearest of the points ``xy[:limit[i]]`` (ties: the
    lowest index) and its distance; -1 and inf when ``limit[i]`` is 0.

    A k-d tree gives the ``k`` nearest points; queries whose nearest allowed point is not
    clearly among them are asked again with ``4 k``, and past 1,024 neighbours checked
    against all allowed points directly.

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [10.0, 0.0], [1.0, 0.0], [4.0, 0.0]])
    >>> _nearest_before(xy, xy, np.arange(4))
    (array([inf, 10.,  1.,  3.]), array([-1,  0,  0,  2]))
    """
    limit = np.asarray(limit, dtype=np.int64)
    distance = np.full(len(query), np.inf)
    nearest = np.full(len(query), -1, dtype=np.int64)
    todo = np.flatnonzero(limit > 0)
    if not len(todo):
        return distance, nearest
    tree = cKDTree(xy)
    while len(todo):
        k = min(k, len(xy))
        if k > 1024:
            for t in todo.tolist():
                allowed = xy[:limit[t]] - query[t]
                d = np.sqrt(allowed[:, 0] * allowed[:, 0] + allowed[:, 1] * allowed[:, 1])
                j = int(np.argmin(d))  # the first of equal minima
                distance[t], nearest[t] = d[j], j
            break
        left = []
        for start in range(0, len(todo), chunk):
            part = todo[start:start + chunk]
            tree_d, idx = tree.query(query[part], k=k)
            tree_d, idx = tree_d.reshape(len(part), -1), idx.reshape(len(part), -1)
            dx = xy[idx, 0] - query[part, 0][:, None]
            dy = xy[idx, 1] - query[part, 1][:, None]
            d = np.where(idx < limit[part, None], np.sqrt(dx * dx + dy * dy), np.inf)
            best = d.min(axis=1)
            pick = np.where(d == best[:, None], idx, len(xy)).min(axis=1)
            done = np.isfinite(best) & (best * (1 + 1e-9) < tree_d[:, -1])
            if k == len(xy):
                done[:] = True
            distance[part[done]] = best[done]
            nearest[part[done]] = np.where(np.isfinite(best[done]), pick[done], -1)
            left.append(part[~done])
        todo = np.concatenate(left)
        k *= 4
    return distance, nearest


def import_sites(geojson_path: str | os.PathLike[str], existing_sites: gpd.GeoDataFrame, *,
                 areas: gpd.GeoDataFrame | None = None, duplicate_radius_m: float = 50.0,
                 max_features: int | None = DEFAULT_MAX_IMPORT
                 ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Validate a workshop GeoJSON and merge its sites into ``existing_sites``.

    Every feature gets a status. A candidate closer than ``duplicate_radius_m`` to an
    existing site (or to a candidate added earlier in the file) is a ``duplicate``; a shelter
    or home (by its type or name) is ``refused``; a feature without a usable name, type or
    point is ``invalid``: none of them is added, each is reported with its reason.

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
    max_features : int or None, default 10,000
        Refuse a file with more features than this before checking any site (the study's
        ``[sites] max_import``); None: no limit.

    Returns
    -------
    merged : GeoDataFrame
        ``existing_sites`` followed by the added sites.
    report : DataFrame
        One row per feature, in file order: ``feature`` (1-based number), ``name, type,
        lat, lon, area_id, in_city``, ``status`` (one of :data:`IMPORT_STATUSES`),
        ``reason`` (why it was not added), ``duplicate_of`` and ``distance_m`` (to the
        nearest site present before it, NaN when none). Excluded features have no
        coordinates in the report: a refused place is not recorded anywhere.

    Raises
    ------
    InputFileError
        The file is missing, not UTF-8 or not JSON.
    SitesError
        It is not a FeatureCollection, has more than ``max_features`` features, or an
        option is out of range.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from geo4mi.boundaries import load_areas
    >>> areas = load_areas()
    >>> sites = read_sites(BUNDLED_SITES, areas)
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "c.geojson"
    >>> pt = lambda n, t, lon, lat: {"type": "Feature", "properties": {"name": n, "type":
    ...     t}, "geometry": {"type": "Point", "coordinates": [lon, lat]}}
    >>> _ = f.write_text(json.dumps({"type": "FeatureCollection", "features": [
    ...     pt("Mercado de la Merced", "market", -99.1245, 19.4258),
    ...     pt("Balderas again", "metro", -99.14942, 19.42705),
    ...     pt("Albergue", "community_centre", -99.13, 19.43),
    ...     pt("Plaza", "square_park", 19.43, -99.13)]}))
    >>> merged, report = import_sites(f, sites, areas=areas)
    >>> len(merged) - len(sites), report["status"].tolist()
    (1, ['added', 'duplicate', 'refused', 'invalid'])
    >>> report["reason"].iloc[3]
    "column 'geometry': latitude -99.13 is outside -90..90: [19.43, -99.13] looks swapped ..."
    """
    if not isinstance(duplicate_radius_m, (int, float)) or not duplicate_radius_m >= 0:
        raise SitesError(f"duplicate_radius_m = {duplicate_radius_m!r} must be a distance in "
                         "metres (0 or more)")
    if max_features is not None and (isinstance(max_features, bool) or not isinstance(
            max_features, int) or max_features < 1):
        raise SitesError(f"max_features = {max_features!r} must be a whole number of at "
                         "least 1, or None for no limit")
    path = Path(geojson_path)
    areas = load_areas() if areas is None else areas
    table, excluded = _read_candidates(path, max_features)
    new, new_xy = _place(table[list(COLUMNS)], areas, source=str(path))
    crs = metric_crs(areas)
    known = existing_sites.geometry.to_crs(crs)
    if known.isna().any() or not known.geom_type.eq("Point").all():
        raise SitesError("existing_sites: every site needs a point geometry; read the sites "
                         "with read_sites")
    xy = np.concatenate([shapely.get_coordinates(known.to_numpy()).reshape(-1, 2), new_xy])
    m = len(known)
    duplicate = _duplicates(xy[:m], xy[m:], float(duplicate_radius_m))
    # The nearest site present at each candidate's turn: the existing sites and the
    # candidates added before it (positions in xy, in that order).
    added = np.flatnonzero(~duplicate)
    present = np.concatenate([np.arange(m), m + added])
    before = np.searchsorted(present, m + np.arange(len(new)))
    distance, j = _nearest_before(xy[present], xy[m:], before)
    nearest = np.where(j >= 0, present[np.maximum(j, 0)], -1)
    names = np.concatenate([existing_sites["name"].astype(str).to_numpy(dtype=object),
                            new["name"].to_numpy(dtype=object)])
    duplicate_of = np.where(duplicate, names[np.maximum(nearest, 0)], "")
    reasons = [f"{d:.0f} m from {_show(other)}, within {duplicate_radius_m:g} m"
               for d, other in zip(distance[duplicate], duplicate_of[duplicate], strict=True)]
    reason = np.full(len(new), "", dtype=object)
    reason[duplicate] = reasons
    kept = pd.DataFrame({
        "feature": table["feature"].to_numpy(), "name": new["name"], "type": new["type"],
        "lat": new["lat"], "lon": new["lon"], "area_id": new["area_id"],
        "in_city": new["in_city"].astype("boolean"),
        "status": np.where(duplicate, "duplicate", "added"), "field": "", "reason": reason,
        "duplicate_of": duplicate_of,
        "distance_m": np.where(np.isfinite(distance), np.round(distance, 1), np.nan)})
    dropped = pd.DataFrame({
        "feature": [e[0] for e in excluded], "name": [e[1] for e in excluded],
        "type": [e[2] for e in excluded], "lat": np.nan, "lon": np.nan,
        "area_id": pd.array([pd.NA] * len(excluded), dtype="string"),
        "in_city": pd.array([pd.NA] * len(excluded), dtype="boolean"),
        "status": [e[3].status for e in excluded], "field": [e[3].column for e in excluded],
        "reason": [_reason(e[3]) for e in excluded], "duplicate_of": "", "distance_m": np.nan})
    report = pd.concat([kept, dropped], ignore_index=True) if len(dropped) else kept
    report = report.sort_values("feature", kind="stable").reset_index(drop=True)
    merged = pd.concat([existing_sites[OUTPUT_COLUMNS], new.iloc[added]], ignore_index=True)
    merged = gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326")
    counts = report["status"].value_counts()
    if not len(report):
        log.warning("%s: no candidate sites in the file", path)
    log.info("%s: %d feature(s): %s", path, len(report),
             ", ".join(f"{counts.get(s, 0)} {s}" for s in IMPORT_STATUSES))
    return merged, report


def _reason(rejected: _Rejected) -> str:
    return f"column {rejected.column!r}: {rejected.message}"


def import_lines(report: pd.DataFrame, *, area_names: Mapping[str, str] | None = None
                 ) -> list[str]:
    """One line per feature of an :func:`import_sites` report, names escaped and shortened.

    Examples
    --------
    >>> report = pd.DataFrame({"feature": [1, 2], "name": ["Mercado", "Casa\\u202e"],
    ...     "type": ["market", "market"], "area_id": ["09015", None], "in_city": [True, None],
    ...     "status": ["added", "refused"], "field": ["", "name"],
    ...     "reason": ["", "column 'name': ..."], "duplicate_of": "", "distance_m": float("nan")})
    >>> for line in import_lines(report, area_names={"09015": "Cuauhtémoc"}):
    ...     print(line)
    feature 1: 'Mercado' (market), added in Cuauhtémoc
    feature 2: 'Casa\\u202e', refused: column 'name': ...
    """
    names = dict(area_names or {})
    lines = []
    for row in report.itertuples(index=False):
        head = f"feature {row.feature}: {_show(row.name) if row.name else '(no name)'}"
        if row.status == "added":
            where = (f"in {names.get(row.area_id, row.area_id)}"
                     if not pd.isna(row.in_city) and row.in_city else "outside the study area")
            lines.append(f"{head} ({row.type}), added {where}")
        elif row.status == "duplicate":
            lines.append(f"{head} ({row.type}), duplicate: {row.reason}")
        else:
            lines.append(f"{head}, {row.status}: {row.reason}")
    return lines


def import_summary(report: pd.DataFrame, *, area_names: Mapping[str, str] | None = None,
                   examples: int = 5, more: str = "") -> list[str]:
    """A short account of an :func:`import_sites` report: per status (and, for excluded
    features, per column at fault) a count and the first ``examples`` features; the counts
    add up to the features read. ``more`` is appended to each "N more" line.

    Examples
    --------
    >>> report = pd.DataFrame({"feature": [1, 2, 3], "name": ["A", "B", "C"],
    ...     "type": "market", "area_id": "09015", "in_city": True,
    ...     "status": ["added", "duplicate", "duplicate"], "field": "", "reason": ["",
    ...     "0 m from 'A'", "1 m from 'A'"], "duplicate_of": ["", "A", "A"],
    ...     "distance_m": [0, 0, 1]})
    >>> print("\\n".join(import_summary(report, examples=1, more=" (see the report)")))
    added: 1
      feature 1: 'A' (market), added in 09015
    duplicate (not added): 2
      feature 2: 'B' (market), duplicate: 0 m from 'A'
      ... and 1 more (see the report)
    3 feature(s) read: 1 added, 2 duplicate, 0 refused, 0 invalid
    """
    lines = []
    for status in IMPORT_STATUSES:
        rows = report[report["status"] == status]
        for key in pd.unique(rows["field"]):
            group = rows[rows["field"] == key]
            label = status if status == "added" else f"{status}{', ' + key if key else ''}"
            advice = _GROUP_ADVICE.get(status, {}).get(key, "")
            if status == "added" and not group["in_city"].fillna(False).all():
                advice = f"{int((~group['in_city'].fillna(False)).sum()):,} outside the study area"
            lines.append(f"{label}{'' if status == 'added' else ' (not added)'}: "
                         f"{len(group):,}{'; ' + advice if advice else ''}")
            lines += ["  " + line for line in import_lines(group.head(examples),
                                                            area_names=area_names)]
            if len(group) > examples:
                lines.append(f"  ... and {len(group) - examples:,} more{more}")
    counts = report["status"].value_counts()
    lines.append(f"{len(report):,} feature(s) read: "
                 + ", ".join(f"{counts.get(s, 0):,} {s}" for s in IMPORT_STATUSES))
    return lines


_REFUSED_ADVICE = ("a place where people live (shelter, home) is never a site: publishing "
                   "where refugees and migrants live can put them at risk")
# What to do, per status and field at fault, said once above the examples.
_GROUP_ADVICE: dict[str, dict[str, str]] = {
    "refused": {"name": _REFUSED_ADVICE, "type": _REFUSED_ADVICE},
    "invalid": {
        "feature": "each candidate site is one GeoJSON Feature",
        "properties": "give the properties name, type and notes",
        "name": f"every site needs a name: one line of text, at most {NAME_MAX_CHARS} characters",
        "type": _TYPE_ADVICE,
        "notes": f"notes are one line of text, at most {NOTES_MAX_CHARS:,} characters",
        "geometry": "each candidate site is one point, [longitude, latitude] in WGS84 degrees",
    },
}


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
