"""Sample allocation: how many interviews to plan in each borough.

Interviews are allocated in proportion to a *measure* of each borough (census population,
an estimate of the migrant population, or the sum of a population raster), among the
boroughs selected for fieldwork (by default those that have a site), with a minimum per
selected borough.

Algorithm
---------
1. Boroughs whose proportional share of the interviews would fall below the minimum get
   exactly the minimum; the rest of the interviews is shared again, in proportion, among the
   others; this repeats until every remaining share reaches the minimum.
2. The remaining shares are rounded with the largest-remainder (Hamilton) method: each gets
   the whole part of its share, and the interviews left over go one each to the largest
   fractional parts (ties: larger measure, then lower ``area_id``). Targets therefore sum
   exactly to the total. Arithmetic is exact (fractions), so results do not depend on
   floating-point rounding.

Examples
--------
>>> import pandas as pd
>>> areas = pd.DataFrame({"area_id": ["a", "b", "c"], "area_name": ["A", "B", "C"]})
>>> measure = pd.Series({"a": 700, "b": 250, "c": 50})
>>> allocate(areas, measure, total=100, min_per_area=10)["target"].tolist()
[66, 24, 10]
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable, Mapping
from fractions import Fraction
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo4mi.errors import InputFileError, PlanError
from geo4mi.io import write_csv
from geo4mi.names import AreaNameMatcher
from geo4mi.resources import bundled_path

log = logging.getLogger(__name__)

BUNDLED_CENSUS = bundled_path("data", "census2020_population.csv")
PLAN_COLUMNS = ["area_id", "area_name", "eligible", "measure", "share", "target"]
MEASURE_KINDS = ("census", "csv:PATH", "raster:PATH")


def _read_table(path: Path, what: str) -> pd.DataFrame:
    if not path.is_file():
        raise InputFileError(f"{path}: {what} not found; check the path")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="latin-1")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(f"{path}: cannot read {what} as CSV ({exc})") from exc


def _numbers(table: pd.DataFrame, column: str, path: Path) -> pd.Series:
    values = []
    for i, text in enumerate(table[column]):
        cleaned = str(text).strip().replace(",", "").replace(" ", "")
        try:
            value = float(cleaned)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0:
            raise PlanError(f"{path}: row {i + 2}, column {column!r}: {text!r} is not a "
                            "number of people (0 or more); fix the value")
        values.append(value)
    return pd.Series(values, dtype="float64")


def census_measure(path: str | os.PathLike[str] = BUNDLED_CENSUS, *, id_field: str = "cvegeo",
                   value_field: str = "pob_total_2020") -> pd.Series:
    """Population per area from a census CSV (``area_id`` → people).

    Examples
    --------
    >>> pop = census_measure()
    >>> len(pop), int(pop.sum()), int(pop["09007"])  # Iztapalapa
    (16, 9209944, 1835486)
    """
    path = Path(path)
    table = _read_table(path, "population table")
    for field in (id_field, value_field):
        if field not in table.columns:
            raise PlanError(f"{path}: row 1, column {field!r}: missing column; available: "
                            f"{', '.join(table.columns)}; set [plan] population_id_field / "
                            "population_field in the study file")
    ids = table[id_field].astype(str).str.strip()
    dup = ids[ids.duplicated()]
    if not dup.empty:
        raise PlanError(f"{path}: row {dup.index[0] + 2}, column {id_field!r}: duplicated id "
                        f"{dup.iloc[0]!r}; give one row per area")
    values = _numbers(table, value_field, path)
    values.index = pd.Index(ids.to_numpy(), name="area_id")
    return values.rename(value_field)


def csv_measure(path: str | os.PathLike[str], areas: pd.DataFrame, *,
                id_field: str | None = None, value_field: str | None = None,
                aliases: Mapping[str, str] | None = None) -> pd.Series:
    """A user's measure per area (e.g. estimated migrant population) from a CSV.

    Rows are matched to areas by id (``area_id``/``cvegeo`` column) or by borough name
    (``borough``/``alcaldia``/``area_name``/``name`` column; accents, prefixes and the
    study's ``aliases`` — ``{variant: official name}`` — are tolerated). The value column is
    ``value_field`` or, if not given, the one other column that holds numbers.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from geo4mi.boundaries import load_areas
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "migrants.csv"
    >>> _ = f.write_text("alcaldia,migrantes\\nCuauhtemoc,5000\\nGAM,1200\\n")
    >>> csv_measure(f, load_areas(), aliases={"GAM": "Gustavo A. Madero"}).to_dict()
    {'09005': 1200.0, '09015': 5000.0}
    """
    path = Path(path)
    table = _read_table(path, "measure table")
    lower = {c.strip().lower(): c for c in table.columns}
    id_col = name_col = None
    if id_field is not None:
        if id_field not in table.columns:
            raise PlanError(f"{path}: row 1, column {id_field!r}: missing column; available: "
                            f"{', '.join(table.columns)}")
        id_col = id_field
    else:
        id_col = next((lower[c] for c in ("area_id", "cvegeo") if c in lower), None)
        if id_col is None:
            name_col = next((lower[c] for c in ("borough", "alcaldia", "alcaldía", "area_name",
                                                "name", "nombre", "nomgeo") if c in lower), None)
        if id_col is None and name_col is None:
            raise PlanError(f"{path}: row 1: no area column; add 'area_id' (e.g. 09015) or "
                            f"'borough' (name) — found {', '.join(table.columns)}")
    key_col = id_col or name_col
    if value_field is None:
        numeric = []
        for c in table.columns:
            if c == key_col:
                continue
            cleaned = table[c].astype(str).str.strip().str.replace(",", "", regex=False)
            if len(cleaned) and pd.to_numeric(cleaned, errors="coerce").notna().all():
                numeric.append(c)
        if len(numeric) != 1:
            raise PlanError(f"{path}: cannot tell which column holds the measure (numeric "
                            f"columns: {', '.join(numeric) or 'none'}); pass value_field")
        value_field = numeric[0]
    elif value_field not in table.columns:
        raise PlanError(f"{path}: row 1, column {value_field!r}: missing column; available: "
                        f"{', '.join(table.columns)}")
    values = _numbers(table, value_field, path)
    if id_col is not None:
        ids = table[id_col].astype(str).str.strip().tolist()
        known = set(areas["area_id"].astype(str))
        for i, area_id in enumerate(ids):
            if area_id not in known:
                raise PlanError(f"{path}: row {i + 2}, column {id_col!r}: unknown area id "
                                f"{area_id!r}; use ids of the boundaries such as "
                                f"{sorted(known)[0]!r}")
    else:
        matcher = AreaNameMatcher(areas, aliases=aliases)
        ids = []
        for i, name in enumerate(table[name_col]):
            found = matcher.lookup(name)
            if found.area_id is None:
                raise PlanError(f"{path}: row {i + 2}, column {name_col!r}: {found.note}")
            ids.append(found.area_id)
    series = pd.Series(values.to_numpy(), index=pd.Index(ids, name="area_id"), name=value_field)
    if series.index.duplicated().any():
        dup = series.index[series.index.duplicated()][0]
        raise PlanError(f"{path}: column {key_col!r}: area {dup!r} appears twice; give one "
                        "row per area")
    return series.sort_index()


def raster_measure(path: str | os.PathLike[str], areas: gpd.GeoDataFrame) -> pd.Series:
    """Sum of a population raster per area (pixel-centre rule; see :mod:`geo4mi.sites.raster`).

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, rasterio, geopandas as gpd
    >>> from affine import Affine
    >>> from shapely.geometry import box
    >>> tif = pathlib.Path(tempfile.mkdtemp()) / "p.tif"
    >>> with rasterio.open(tif, "w", driver="GTiff", width=2, height=1, count=1,
    ...         dtype="float32", crs="EPSG:6372", transform=Affine(1, 0, 0, 0, -1, 1)) as d:
    ...     d.write(np.array([[3, 4]], dtype="float32"), 1)
    >>> areas = gpd.GeoDataFrame({"area_id": ["a"], "area_name": ["A"]},
    ...                          geometry=[box(0, 0, 2, 1)], crs="EPSG:6372")
    >>> raster_measure(tif, areas).to_dict()
    {'a': 7.0}
    """
    from geo4mi.sites.raster import zonal_stats

    stats = zonal_stats(path, areas, stats=("sum",))
    return pd.Series(stats["sum"].to_numpy(dtype="float64", na_value=np.nan),
                     index=pd.Index(stats["area_id"], name="area_id"), name="raster_sum")


def allocate(areas: pd.DataFrame, measure: pd.Series, *, total: int, min_per_area: int = 0,
             eligible_area_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Allocate ``total`` interviews to areas in proportion to ``measure``.

    Parameters
    ----------
    areas : DataFrame or GeoDataFrame
        With ``area_id`` and ``area_name``.
    measure : Series
        ``area_id`` → measure (people, estimated migrants...), 0 or more.
    total : int
        Interviews to plan.
    min_per_area : int, default 0
        Minimum interviews in each eligible area.
    eligible_area_ids : iterable of str, optional
        Areas selected for fieldwork (e.g. :func:`geo4mi.sites.areas_with_sites`); default:
        every area.

    Returns
    -------
    DataFrame
        One row per area of ``areas``, in its order: ``area_id, area_name, eligible,
        measure, share`` (of the eligible areas' measure; NA when not eligible) and
        ``target`` (0 when not eligible). Targets sum to ``total``.

    Raises
    ------
    PlanError
        ``total`` is smaller than ``min_per_area`` times the number of eligible areas, an
        eligible area has no measure, or the measure is 0 everywhere.

    Examples
    --------
    >>> import pandas as pd
    >>> areas = pd.DataFrame({"area_id": ["a", "b", "c"], "area_name": ["A", "B", "C"]})
    >>> plan = allocate(areas, pd.Series({"a": 1, "b": 1, "c": 1}), total=10,
    ...                 eligible_area_ids=["a", "b"])
    >>> plan[["area_id", "eligible", "target"]].values.tolist()
    [['a', True, 5], ['b', True, 5], ['c', False, 0]]
    >>> allocate(areas, pd.Series({"a": 1, "b": 1, "c": 1}), total=20, min_per_area=10)
    Traceback (most recent call last):
    ...
    geo4mi.errors.PlanError: total = 20 interviews cannot give min_per_area = 10 to each of the 3 selected boroughs (needs 30); raise the total or lower the minimum
    """  # noqa: E501  (a doctest shows the one-line error message whole)
    for name, value, low in (("total", total, 1), ("min_per_area", min_per_area, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise PlanError(f"{name} = {value!r} must be a whole number of at least {low}")
    total, min_per_area = int(total), int(min_per_area)
    ids = areas["area_id"].astype(str).tolist()
    if eligible_area_ids is None:
        eligible = list(ids)
    else:
        eligible = sorted({str(a) for a in eligible_area_ids})
        unknown = [a for a in eligible if a not in ids]
        if unknown:
            raise PlanError(f"eligible area {unknown[0]!r} is not among the areas "
                            f"({', '.join(ids[:5])}...); use their area_id values")
    if not eligible:
        raise PlanError("no borough is selected for fieldwork (no borough has a site); add "
                        "sites or list eligible boroughs")
    values = pd.Series(measure)
    values.index = values.index.astype(str)
    if values.index.duplicated().any():
        raise PlanError(f"measure: area {values.index[values.index.duplicated()][0]!r} appears "
                        "twice; give one value per area")
    m: dict[str, Fraction] = {}
    for area_id in eligible:
        raw = values.get(area_id, np.nan)
        number = np.nan if raw is None or raw is pd.NA else float(raw)
        if not math.isfinite(number) or number < 0:
            raise PlanError(f"measure: area {area_id!r} has no usable value ({number!r}); "
                            "every selected borough needs a measure of 0 or more")
        m[area_id] = Fraction(number)
    if sum(m.values()) == 0:
        raise PlanError("measure: every selected borough has measure 0; give a measure with "
                        "some positive values")
    k = len(eligible)
    if total < min_per_area * k:
        raise PlanError(f"total = {total} interviews cannot give min_per_area = {min_per_area} "
                        f"to each of the {k} selected boroughs (needs {min_per_area * k}); "
                        "raise the total or lower the minimum")
    fixed: set[str] = set()
    while True:
        free = [a for a in eligible if a not in fixed]
        budget = total - min_per_area * len(fixed)
        weight = sum(m[a] for a in free)
        quota = {a: (budget * m[a] / weight if weight else Fraction(budget, len(free)))
                 for a in free}
        below = {a for a in free if quota[a] < min_per_area}
        if not below:
            break
        fixed |= below
    target = dict.fromkeys(fixed, min_per_area)
    floors = {a: math.floor(q) for a, q in quota.items()}
    left = budget - sum(floors.values())
    order = sorted(free, key=lambda a: (-(quota[a] - floors[a]), -m[a], a))
    for a in order[:left]:
        floors[a] += 1
    target.update(floors)
    grand = sum(m.values())
    out = pd.DataFrame({"area_id": ids, "area_name": areas["area_name"].astype(str).tolist()})
    out["eligible"] = [a in m for a in ids]
    out["measure"] = pd.array([float(values[a]) if a in values.index and pd.notna(values[a])
                               else None for a in ids], dtype="Float64")
    out["share"] = pd.array([float(m[a] / grand) if a in m else None for a in ids],
                            dtype="Float64")
    out["target"] = [int(target.get(a, 0)) for a in ids]
    log.info("allocated %d interviews to %d boroughs (minimum %d, %d raised to the minimum)",
             total, k, min_per_area, len(fixed))
    return out


def load_measure(spec: str, areas: gpd.GeoDataFrame, *, population: str | os.PathLike[str] |
                 None = None, id_field: str = "cvegeo", value_field: str = "pob_total_2020",
                 aliases: Mapping[str, str] | None = None) -> pd.Series:
    """The measure named by a CLI-style spec: ``census``, ``csv:PATH`` or ``raster:PATH``.

    ``census`` reads ``population`` (default: the bundled INEGI 2020 table) with
    ``id_field``/``value_field``.

    Examples
    --------
    >>> from geo4mi.boundaries import load_areas
    >>> int(load_measure("census", load_areas()).sum())
    9209944
    >>> load_measure("survey", load_areas())
    Traceback (most recent call last):
    ...
    geo4mi.errors.PlanError: measure 'survey' is unknown; use one of census, csv:PATH, raster:PATH
    """
    if spec == "census":
        return census_measure(population or BUNDLED_CENSUS, id_field=id_field,
                              value_field=value_field)
    kind, _, rest = spec.partition(":")
    if kind == "csv" and rest:
        return csv_measure(rest, areas, aliases=aliases)
    if kind == "raster" and rest:
        return raster_measure(rest, areas)
    raise PlanError(f"measure {spec!r} is unknown; use one of {', '.join(MEASURE_KINDS)}")


def plan_for_study(study, areas: gpd.GeoDataFrame, sites: gpd.GeoDataFrame | None, *,
                   total: int, measure: str | None = None,
                   min_per_area: int | None = None) -> pd.DataFrame:
    """Allocate ``total`` interviews for a loaded study (what ``geo4mi plan`` runs).

    The measure defaults to the study's ``[plan] raster`` when set, else its census table;
    the minimum defaults to ``[plan] min_per_area`` (10 without a ``[plan]`` section); the
    eligible boroughs are those with a site (all boroughs when ``sites`` is None).

    Examples
    --------
    >>> from geo4mi.study import load_study, bundled_study_path
    >>> from geo4mi.boundaries import load_areas
    >>> from geo4mi.sites import read_sites
    >>> study = load_study(bundled_study_path())
    >>> areas = load_areas()
    >>> plan = plan_for_study(study, areas, read_sites(study.sites.path, areas), total=301)
    >>> int(plan["target"].sum()), int(plan["eligible"].sum()), int(plan["target"].min())
    (301, 11, 0)
    """
    from geo4mi.sites.reading import areas_with_sites

    cfg = study.plan
    if measure is None:
        measure = f"raster:{cfg.raster}" if cfg is not None and cfg.raster else "census"
    values = load_measure(measure, areas, population=cfg.population if cfg else None,
                          id_field=cfg.population_id_field if cfg else "cvegeo",
                          value_field=cfg.population_field if cfg else "pob_total_2020",
                          aliases=study.boundaries.aliases)
    if min_per_area is None:
        min_per_area = cfg.min_per_area if cfg is not None else 10
    eligible = areas_with_sites(sites) if sites is not None else None
    return allocate(areas, values, total=total, min_per_area=min_per_area,
                    eligible_area_ids=eligible)


def _format_number(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    number = float(value)  # type: ignore[arg-type]  # a plan cell: a number once missing is out
    return str(int(number)) if number.is_integer() else f"{number:.3f}"


def write_plan_csv(plan: pd.DataFrame, path: str | os.PathLike[str], *,
                   overwrite: bool = True) -> Path:
    """Write an allocation as CSV, atomically, with fixed number formatting.

    Columns: ``area_id, area_name, eligible, measure, share`` (6 decimals) ``, target`` and
    ``achieved`` when the table has it. Text cells that a spreadsheet would run as a
    formula get a leading ``'`` (:func:`geo4mi.io.write_csv`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> areas = pd.DataFrame({"area_id": ["a", "b"], "area_name": ["A", "B"]})
    >>> plan = allocate(areas, pd.Series({"a": 3, "b": 1}), total=8)
    >>> out = write_plan_csv(plan, pathlib.Path(tempfile.mkdtemp()) / "plan.csv")
    >>> print(out.read_text(encoding="utf-8"), end="")
    area_id,area_name,eligible,measure,share,target
    a,A,yes,3,0.750000,6
    b,B,yes,1,0.250000,2
    """
    columns = PLAN_COLUMNS + (["achieved"] if "achieved" in plan.columns else [])
    missing = [c for c in columns if c not in plan.columns]
    if missing:
        raise PlanError(f"plan table lacks column {missing[0]!r}; build it with allocate()")
    table = pd.DataFrame({
        "area_id": plan["area_id"].astype(str),
        "area_name": plan["area_name"].astype(str),
        "eligible": ["yes" if bool(v) else "no" for v in plan["eligible"]],
        "measure": [_format_number(v) for v in plan["measure"]],
        "share": ["" if pd.isna(v) else f"{float(v):.6f}" for v in plan["share"]],
        "target": [str(int(v)) for v in plan["target"]],
    })
    if "achieved" in plan.columns:
        table["achieved"] = [str(int(v)) for v in plan["achieved"]]
    return write_csv(table, path, overwrite=overwrite)


def read_plan_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a plan written by :func:`write_plan_csv` (e.g. to show it on the site map).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> areas = pd.DataFrame({"area_id": ["a", "b"], "area_name": ["A", "B"]})
    >>> plan = allocate(areas, pd.Series({"a": 3, "b": 1}), total=8)
    >>> back = read_plan_csv(write_plan_csv(plan, pathlib.Path(tempfile.mkdtemp()) / "p.csv"))
    >>> back[["area_id", "eligible", "target"]].values.tolist()
    [['a', True, 6], ['b', True, 2]]
    """
    path = Path(path)
    table = _read_table(path, "plan")
    missing = [c for c in ("area_id", "target") if c not in table.columns]
    if missing:
        raise PlanError(f"{path}: row 1, column {missing[0]!r}: missing column; give a plan "
                        "written by 'geo4mi plan'")
    targets = []
    for i, text in enumerate(table["target"]):
        if not str(text).strip().isdigit():
            raise PlanError(f"{path}: row {i + 2}, column 'target': {text!r} is not a whole "
                            "number of interviews")
        targets.append(int(text))
    out = pd.DataFrame({"area_id": table["area_id"].astype(str).str.strip(),
                        "area_name": table.get("area_name", table["area_id"]).astype(str)})
    eligible = table.get("eligible")
    out["eligible"] = ([str(v).strip().lower() in ("yes", "true", "1", "sí", "si")
                        for v in eligible] if eligible is not None else [t > 0 for t in targets])
    for column in ("measure", "share"):
        values = table[column] if column in table.columns else [""] * len(table)
        out[column] = pd.array([_optional_number(v, path, i, column)
                                for i, v in enumerate(values)], dtype="Float64")
    out["target"] = targets
    return out


def _optional_number(text: object, path: Path, i: int, column: str) -> float | None:
    if not str(text).strip():
        return None
    try:
        return float(str(text))
    except ValueError:
        raise PlanError(f"{path}: row {i + 2}, column {column!r}: {text!r} is not a number"
                        ) from None
