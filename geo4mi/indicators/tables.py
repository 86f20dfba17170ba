"""Shareable tables of estimates: labelled CSV, GeoPackage, IMPACT analysistools format.

Every writer reads only the *estimates* table, the *areas* and the labels — never
respondent-level rows — and writes through :func:`geo4mi.io.atomic_write`, with
deterministic bytes for the same inputs. CSV files go through :func:`geo4mi.io.write_csv`:
text cells that a spreadsheet would run as a formula get a leading ``'``. Every writer
first passes the estimates through :func:`geo4mi.indicators.suppression.published`, the one
rule of what a hidden estimate shows: its ``status`` and ``suppression`` (why), never a
numerator, percentage or interval, and no ``n`` when ``n`` itself is a protected count
(``small_n``, ``complementary``, ``linked``). Hidden is always empty (NA), never a code.

Examples
--------
>>> import pandas as pd
>>> from geo4mi.indicators.catalogue import (build_labels, bundled_catalogue_path,
...                                          load_catalogue)
>>> from geo4mi.indicators.estimate import estimate
>>> cat = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
>>> est = estimate(pd.DataFrame({"area_id": ["09015"] * 10, "feel_safe": ["yes"] * 8 + ["no"] * 2}),
...                cat, area_ids=["09015"], groups=[])
>>> areas = pd.DataFrame({"area_id": ["09015"], "area_name": ["Cuauhtémoc"]})
>>> table = estimates_table(est, areas, build_labels(cat, None, []), lang="en", synthetic=True)
>>> print(*table.loc[1, ["area_name", "pct", "n", "data_note"]], sep=" | ")
Cuauhtémoc | 80.0 | 10 | synthetic demonstration data
"""

from __future__ import annotations

import codecs
import itertools
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo4mi.errors import BoundaryError, CatalogueError, OutputError
from geo4mi.i18n import check_language, speaks_study, t
from geo4mi.indicators.catalogue import Catalogue
from geo4mi.indicators.design import SRS_METHOD
from geo4mi.indicators.estimate import CITY, PROP, proportions
from geo4mi.indicators.suppression import published
from geo4mi.io import atomic_write, csv_text, write_csv
from geo4mi.labels import Labels

log = logging.getLogger(__name__)

#: Columns of :func:`estimates_table`, in order.
TABLE_COLUMNS = ("indicator", "indicator_label", "theme", "theme_label", "universe",
                 "area_id", "area_name", "group_var", "group_var_label", "group_value",
                 "group_value_label", "numerator", "n", "pct", "ci_low_pct", "ci_high_pct",
                 "status", "data_note", "deff", "n_eff", "ci_method", "design", "suppression",
                 "stat", "value", "ci_low_value", "ci_high_value")
#: Columns of :func:`to_analysistools`, in order (IMPACT analysistools results table, then
#: ``status`` and the design columns); :data:`geo4mi.indicators.analysistools.COLUMNS`.
ANALYSISTOOLS_COLUMNS = ("analysis_type", "analysis_var", "analysis_var_value", "group_var",
                         "group_var_value", "stat", "stat_low", "stat_upp", "n", "n_total",
                         "n_w", "n_w_total", "analysis_key", "status", "deff", "n_eff",
                         "ci_method", "design")
#: GeoPackage layers written by :func:`write_geopackage`.
GPKG_LAYERS = ("indicators", "estimates", "indicator_labels")
#: Creation date stamped into GeoPackages, fixed so that files are byte-identical.
FIXED_DATE = "2000-01-01T00:00:00Z"
AREA_VAR = "area_id"
#: Estimates above this many rows are labelled and written in slices of it (CSV and the
#: GeoPackage's long layer), so that memory stays bounded; the bytes are the same.
CHUNK_ROWS = 500_000


def data_note(lang: str, synthetic: bool) -> str:
    """The ``data_note`` of every row: says the data are synthetic (empty otherwise).

    >>> data_note("en", False)
    ''
    """
    return t("table.synthetic_note", lang) if synthetic else ""


def _ok(estimates: pd.DataFrame) -> np.ndarray:
    return (estimates["status"] == "ok").to_numpy(dtype=bool, na_value=False)


def design_columns(estimates: pd.DataFrame, ok: np.ndarray) -> dict[str, Any]:
    """``deff, n_eff, ci_method, design`` of the estimates (SRS values for older tables)."""
    n = estimates["n"].to_numpy(dtype="float64", na_value=0)
    deff = (estimates["deff"].to_numpy(dtype="float64", na_value=np.nan)
            if "deff" in estimates else np.ones(len(estimates)))
    n_eff = (estimates["n_eff"].to_numpy(dtype="float64", na_value=np.nan)
             if "n_eff" in estimates else n)
    method = (estimates["ci_method"].to_numpy(dtype=object, na_value=None)
              if "ci_method" in estimates else np.full(len(estimates), SRS_METHOD, object))
    design = (estimates["design"].astype(str).to_numpy(dtype=object)
              if "design" in estimates else np.full(len(estimates), "srs", object))
    return {
        "deff": pd.arrays.FloatingArray(np.where(ok, np.nan_to_num(deff), 0.0),
                                        ~ok | np.isnan(deff)),
        "n_eff": pd.arrays.FloatingArray(np.where(ok, np.nan_to_num(n_eff), 0.0), ~ok),
        "ci_method": pd.array(np.where(ok, method, np.array(None, dtype=object)).astype(object),
                              dtype="str"),
        "design": pd.array(design, dtype="str"),
    }


def _lookup(labels: Labels, kind: str, key: str, lang: str) -> str:
    try:
        if kind == "indicator":
            return labels.indicator_label(key, lang)
        if kind == "theme":
            return labels.theme_label(key, lang)
        if kind == "universe":
            return labels.text(labels.indicators[key].universe, lang)
        return labels.group_var_label(key, lang)
    except KeyError:
        raise CatalogueError(f"{kind} {key!r} of the estimates has no label; build the labels "
                             "from the same catalogue and groups as the estimates") from None


@speaks_study
def estimates_table(estimates: pd.DataFrame, areas: pd.DataFrame, labels: Labels, *,
                    lang: str, synthetic: bool) -> pd.DataFrame:
    """The estimates with names and labels, percentages, and the synthetic-data note.

    Parameters
    ----------
    estimates : DataFrame
        The *estimates* table (:func:`geo4mi.indicators.estimate.estimate`).
    areas : DataFrame
        ``area_id`` and ``area_name`` (a GeoDataFrame is fine; geometry is ignored).
    labels : Labels
    lang : {"es", "en"}
    synthetic : bool
        When True, every row's ``data_note`` says the data are synthetic.

    Returns
    -------
    DataFrame
        Columns :data:`TABLE_COLUMNS`; ``pct``, ``ci_low_pct``, ``ci_high_pct`` are
        percentages (0-100) and, like ``numerator``, NA unless ``status`` is ``ok``; ``n``
        is NA where it is hidden too (:func:`~geo4mi.indicators.suppression.published`)
        and ``suppression`` says why a row is hidden. The four before it say which
        design the interval assumes: ``deff`` (design effect, 1 for a simple random
        sample), ``n_eff`` (the sample size the Wilson interval uses),
        ``ci_method`` (``wilson`` or ``wilson_neff``) and ``design`` (``srs`` or the
        study's design keys, e.g. ``cluster=enumerator``); see
        :mod:`geo4mi.indicators.design`.

    Raises
    ------
    BoundaryError
        An ``area_id`` of the estimates is not in ``areas``.
    CatalogueError
        An indicator or group has no label.
    """
    lang = check_language(lang)
    names = dict(zip(areas["area_id"].astype(str), areas["area_name"].astype(str), strict=True))
    names[CITY] = t("city_wide", lang)
    missing = sorted(set(estimates["area_id"]) - set(names))
    if missing:
        raise BoundaryError(f"estimates: area {missing[0]!r} is not in the areas; use the "
                            "boundaries the estimates were computed for")
    estimates = published(estimates)
    ok = _ok(estimates)
    # every text column is labelled once per distinct value (first-seen order, so the
    # first missing label named is the same as row by row), then spread by integer codes
    var_codes, var_ids = _factorize(estimates["group_var"])
    val_codes, val_ids = _factorize(estimates["group_value"])
    pair_codes, pair_ids = pd.factorize(var_codes * max(len(val_ids), 1) + val_codes)
    value_labels: list[str] = []
    for pair in pair_ids.tolist():
        a, b = var_ids[pair // max(len(val_ids), 1)], val_ids[pair % max(len(val_ids), 1)]
        try:
            value_labels.append(labels.group_value_label(a, b, lang))
        except KeyError:
            raise CatalogueError(f"group value {a}={b!r} of the estimates has no label; "
                                 "build the labels from the same groups") from None
    ind_codes, ind_ids = _factorize(estimates["indicator"])
    ind_labels = [_lookup(labels, "indicator", i, lang) for i in ind_ids]
    themes = {i: labels.indicators[i].theme for i in ind_ids if i in labels.indicators}
    ind_themes = [themes.get(i, "") for i in ind_ids]
    theme_labels = [_lookup(labels, "theme", x, lang) for x in ind_themes]
    universes = [_lookup(labels, "universe", i, lang) for i in ind_ids]
    area_codes, area_ids = _factorize(estimates["area_id"])
    var_labels = [_lookup(labels, "group", g, lang) for g in var_ids]

    stat = (estimates["stat"].astype(str).to_numpy(dtype=object) if "stat" in estimates
            else np.full(len(estimates), PROP, dtype=object))
    prop = stat == PROP

    def pct(column: str, scale: float = 100.0, rows: Any = prop) -> pd.arrays.FloatingArray:
        values = estimates[column].to_numpy(dtype="float64", na_value=np.nan) * scale
        keep = ok & rows & ~np.isnan(values)
        return pd.arrays.FloatingArray(np.where(keep, values, 0.0), ~keep)

    numer = estimates["numerator"].to_numpy(dtype="float64", na_value=np.nan)
    out = pd.DataFrame({
        "indicator": _spread(ind_ids, ind_codes),
        "indicator_label": _spread(ind_labels, ind_codes),
        "theme": _spread(ind_themes, ind_codes),
        "theme_label": _spread(theme_labels, ind_codes),
        "universe": _spread(universes, ind_codes),
        "area_id": _spread(area_ids, area_codes),
        "area_name": _spread([names[a] for a in area_ids], area_codes),
        "group_var": _spread(var_ids, var_codes),
        "group_var_label": _spread(var_labels, var_codes),
        "group_value": _spread(val_ids, val_codes),
        "group_value_label": _spread(value_labels, pair_codes),
        "numerator": pd.arrays.IntegerArray(np.where(ok, np.nan_to_num(numer), 0)
                                            .astype(np.int64), ~ok),
        "n": _counts(estimates["n"]),
        "pct": pct("p"),
        "ci_low_pct": pct("ci_low"),
        "ci_high_pct": pct("ci_high"),
        "status": pd.array(estimates["status"].astype(str).to_numpy(dtype=object), dtype="str"),
        "data_note": _spread([data_note(lang, synthetic)], np.zeros(len(estimates), np.intp)),
        **design_columns(estimates, ok),
        "suppression": pd.array(estimates["suppression"].astype(str).to_numpy(dtype=object),
                                dtype="str"),
        # numeric statistics (mean, median, ratio) in their own unit, never as percent
        "stat": pd.array(stat, dtype="str"),
        "value": pct("p", 1.0, ~prop),
        "ci_low_value": pct("ci_low", 1.0, ~prop),
        "ci_high_value": pct("ci_high", 1.0, ~prop),
    })
    return out


def _factorize(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes and distinct values (as ``str``, first-seen order) of a text column."""
    codes, uniques = pd.factorize(values.astype(str), use_na_sentinel=False)
    return codes, [str(u) for u in uniques]


def _spread(texts: list[str], codes: np.ndarray) -> pd.arrays.StringArray:
    """``texts[codes]`` as a ``str`` array (one Python object per distinct text)."""
    return pd.array(np.array(texts, dtype=object)[codes], dtype="str")


def _counts(values: pd.Series) -> pd.arrays.IntegerArray:
    """A count column as Int64, NA kept (a hidden count stays hidden)."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return pd.arrays.IntegerArray(np.nan_to_num(x).astype(np.int64), np.isnan(x))


@speaks_study
def write_estimates_csv(estimates: pd.DataFrame, areas: pd.DataFrame, labels: Labels,
                        path: str | os.PathLike[str], *, lang: str, synthetic: bool,
                        decimals: int = 1, empty: bool = True) -> Path:
    """Write :func:`estimates_table` as UTF-8 CSV (with BOM, so spreadsheets show accents).

    Percentages have ``decimals`` fixed decimals; suppressed and no-data rows have empty
    numerator, percentage and interval cells, and a suppressed row an empty ``n`` unless
    only its value is hidden. The same inputs give identical bytes.

    With many areas most rows are ``no_data`` (an area × group value without
    respondents); ``empty=False`` leaves them out (the log says how many). Every other row
    is written as it would be with them.

    Parameters
    ----------
    estimates, areas, labels, lang, synthetic
        As for :func:`estimates_table`.
    path : path-like
        Output file (written atomically).
    decimals : int, default 1
        Decimals of the percentage columns.
    empty : bool, default True
        Write the ``no_data`` rows too (``status == "no_data"``: no respondent in the
        area and group).

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from geo4mi.indicators.catalogue import (build_labels, bundled_catalogue_path,
    ...                                          load_catalogue)
    >>> from geo4mi.indicators.estimate import estimate
    >>> cat = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
    >>> est = estimate(pd.DataFrame({"area_id": ["09015"] * 3, "feel_safe": ["yes"] * 3}),
    ...                cat, area_ids=["09015"], groups=[])
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "est.csv"
    >>> _ = write_estimates_csv(est, pd.DataFrame({"area_id": ["09015"], "area_name": ["X"]}),
    ...                         build_labels(cat, None, []), out, lang="es", synthetic=False)
    >>> row = out.read_text(encoding="utf-8-sig").splitlines()[1].split(",")
    >>> row[11:17], row[-5:]
    (['', '', '', '', '', 'suppressed'], ['small_n', 'prop', '', '', ''])

    Without the empty rows (the second area has nobody):

    >>> areas = pd.DataFrame({"area_id": ["09015", "09016"], "area_name": ["X", "Y"]})
    >>> est = estimate(pd.DataFrame({"area_id": ["09015"] * 12, "feel_safe": ["yes"] * 12}),
    ...                cat, area_ids=["09015", "09016"], groups=[])
    >>> _ = write_estimates_csv(est, areas, build_labels(cat, None, []), out, lang="es",
    ...                         synthetic=False, empty=False)
    >>> [line.split(",")[5] for line in out.read_text(encoding="utf-8-sig").splitlines()]
    ['area_id', '_city', '09015']
    """
    if not empty:
        estimates = _without_empty(estimates, path)
    if len(estimates) <= CHUNK_ROWS:
        table = estimates_table(estimates, areas, labels, lang=lang, synthetic=synthetic)
        return write_table_csv(table, path, decimals=decimals)
    write_slices_csv((estimates_table(part, areas, labels, lang=lang, synthetic=synthetic)
                      for part in _chunks(estimates)), path, decimals=decimals)
    log.info("wrote %s (%d rows, in chunks of %d)", path, len(estimates), CHUNK_ROWS)
    return Path(path)


def write_slices_csv(parts: Iterable[pd.DataFrame], path: str | os.PathLike[str], *,
                     decimals: int) -> Path:
    """Write consecutive slices of one table as one CSV (UTF-8 with BOM, the header once),
    each slice made as it is written: a table of millions of rows is never whole."""
    _check_decimals(decimals)
    with atomic_write(path) as tmp, open(tmp, "wb") as fh:
        fh.write(codecs.BOM_UTF8)
        for k, part in enumerate(parts):
            fh.write(csv_text(part, float_format=f"%.{decimals}f", header=k == 0)
                     .encode("utf-8"))
    return Path(path)


def _without_empty(estimates: pd.DataFrame, path: str | os.PathLike[str]) -> pd.DataFrame:
    """The rows whose ``status`` is not ``no_data``, numbered 0.. again."""
    empty = (estimates["status"] == "no_data").to_numpy(dtype=bool, na_value=False)
    if not empty.any():
        return estimates
    log.info("%s: %d of %d rows are no_data (no respondents) and left out", path,
             int(empty.sum()), len(estimates))
    return estimates[~empty].reset_index(drop=True)


def _chunks(estimates: pd.DataFrame) -> Iterator[pd.DataFrame]:
    """Consecutive slices of at most :data:`CHUNK_ROWS` rows (a small table whole)."""
    if len(estimates) <= CHUNK_ROWS:
        yield estimates
        return
    for start in range(0, len(estimates), CHUNK_ROWS):
        yield estimates.iloc[start:start + CHUNK_ROWS]


def _check_decimals(decimals: int) -> None:
    if not isinstance(decimals, int) or not 0 <= decimals <= 12:
        raise ValueError(f"decimals must be an integer 0..12, got {decimals!r}")


def write_table_csv(table: pd.DataFrame, path: str | os.PathLike[str], *, decimals: int) -> Path:
    """Write a finished table as CSV (UTF-8 with BOM, spreadsheet-safe) with ``decimals``
    (:func:`~geo4mi.io.write_csv`: a slice of rows at a time)."""
    _check_decimals(decimals)
    write_csv(table, path, bom=True, float_format=f"%.{decimals}f")
    log.info("wrote %s (%d rows)", path, len(table))
    return Path(path)


# -- IMPACT analysistools ---------------------------------------------------------------

def to_analysistools(estimates: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """The estimates in IMPACT's ``analysistools`` results format.

    See :func:`geo4mi.indicators.analysistools.to_analysistools` (the same function).
    """
    from geo4mi.indicators import analysistools

    return analysistools.to_analysistools(estimates, catalogue)


def write_analysistools_csv(estimates: pd.DataFrame, catalogue: Catalogue,
                            path: str | os.PathLike[str], *, synthetic: bool,
                            lang: str = "es", decimals: int = 6) -> Path:
    """Write :func:`to_analysistools` as CSV.

    See :func:`geo4mi.indicators.analysistools.write_analysistools_csv` (the same function).
    """
    from geo4mi.indicators import analysistools

    return analysistools.write_analysistools_csv(estimates, catalogue, path,
                                                 synthetic=synthetic, lang=lang,
                                                 decimals=decimals)


# -- GeoPackage ---------------------------------------------------------------------------

@contextmanager
def _gdal_config(**options: str) -> Iterator[None]:
    import pyogrio

    old = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(old)


def wide_table(estimates: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """One row per area of ``areas``: ``<id>_pct, _low, _upp, _n, _status`` per indicator.

    Uses the ``"all"`` group; percentages are NA unless the status is ``ok``, ``_n`` where
    it is hidden (:func:`~geo4mi.indicators.suppression.published`).

    Examples
    --------
    >>> import pandas as pd
    >>> from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
    >>> from geo4mi.indicators.estimate import estimate
    >>> cat = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
    >>> est = estimate(pd.DataFrame({"area_id": ["09015"] * 4, "feel_safe": ["yes"] * 4}),
    ...                cat, area_ids=["09015", "09002"], groups=[])
    >>> wide_table(est, pd.DataFrame({"area_id": ["09002", "09015"]})).iloc[:, 1:].values.tolist()
    [[<NA>, <NA>, <NA>, 0, 'no_data'], [<NA>, <NA>, <NA>, <NA>, 'suppressed']]
    """
    # the areas' whole-group rows first, then published (a copy of those rows only)
    sel = published(estimates[((estimates["group_var"] == "all")
                               & (estimates["area_id"] != CITY)).to_numpy(dtype=bool)])
    ok = _ok(sel)
    order = pd.Index(areas["area_id"].astype(str))
    columns: dict[str, Any] = {"area_id": pd.array(order.to_numpy(dtype=object), dtype="str")}
    for iid, part in sel.groupby("indicator", sort=False):
        part_ok = ok[sel.index.get_indexer(part.index)]
        pos = pd.Index(part["area_id"].astype(str)).get_indexer(order)
        if (pos < 0).any():
            raise BoundaryError(f"estimates: indicator {iid!r} has no row for area "
                                f"{order[int(np.argmax(pos < 0))]!r}; estimate with these areas")
        good = part_ok[pos]
        for suffix, column in (("pct", "p"), ("low", "ci_low"), ("upp", "ci_high")):
            values = part[column].to_numpy(dtype="float64", na_value=np.nan)[pos] * 100.0
            columns[f"{iid}_{suffix}"] = pd.arrays.FloatingArray(np.where(good, values, 0.0),
                                                                 ~good)
        columns[f"{iid}_n"] = _counts(part["n"].iloc[pos])
        columns[f"{iid}_status"] = pd.array(part["status"].astype(str)
                                            .to_numpy(dtype=object)[pos], dtype="str")
    return pd.DataFrame(columns)


@speaks_study
def write_geopackage(estimates: pd.DataFrame, areas: Any, path: str | os.PathLike[str],
                     labels: Labels, *, lang: str, synthetic: bool = False,
                     empty: bool = True) -> Path:
    """Write the estimates as a GeoPackage, byte-identical for the same inputs.

    Layers: ``indicators`` (one polygon per area, ``area_id``, ``area_name`` and, for the
    group "all", ``<id>_pct``, ``<id>_low``, ``<id>_upp`` (percent), ``<id>_n``,
    ``<id>_status`` per indicator), ``estimates`` (the labelled long table of
    :func:`estimates_table`, no geometry) and ``indicator_labels`` (id, theme, label,
    universe, direction; no geometry). When ``synthetic``, every row has a ``data_note``.
    ``empty=False`` leaves the ``no_data`` rows (no respondents) out of the ``estimates``
    layer (most of it at thousands of areas); ``indicators`` keeps every area.

    Parameters
    ----------
    estimates : DataFrame
    areas : GeoDataFrame
        ``area_id``, ``area_name``, ``geometry`` (written in its own CRS).
    path : path-like
    labels : Labels
    lang : {"es", "en"}
    synthetic : bool, default False
    empty : bool, default True

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd, geopandas as gpd, pyogrio
    >>> from shapely.geometry import box
    >>> from geo4mi.indicators.catalogue import (build_labels, bundled_catalogue_path,
    ...                                          load_catalogue)
    >>> from geo4mi.indicators.estimate import estimate
    >>> cat = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
    >>> est = estimate(pd.DataFrame({"area_id": ["a"] * 10, "feel_safe": ["yes"] * 10}),
    ...                cat, area_ids=["a"], groups=[])
    >>> areas = gpd.GeoDataFrame({"area_id": ["a"], "area_name": ["A"]},
    ...                          geometry=[box(0, 0, 1, 1)], crs="EPSG:6372")
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "est.gpkg"
    >>> _ = write_geopackage(est, areas, out, build_labels(cat, None, []), lang="es")
    >>> [name for name, _ in pyogrio.list_layers(out)]
    ['indicators', 'estimates', 'indicator_labels']
    """
    import geopandas as gpd
    import pyogrio

    lang = check_language(lang)
    base = areas[["area_id", "area_name", "geometry"]].copy()
    base["area_id"] = base["area_id"].astype(str)
    base = base.sort_values("area_id", kind="stable").reset_index(drop=True)
    whole = (estimates["group_var"] == "all").to_numpy(dtype=bool)  # all wide_table reads
    wide = wide_table(proportions(estimates[whole]), base)  # percent columns: proportions only
    spatial = pd.concat([base[["area_id", "area_name"]].reset_index(drop=True),
                         wide.drop(columns="area_id")], axis=1)
    if synthetic:
        spatial["data_note"] = data_note(lang, True)
    layer = gpd.GeoDataFrame(spatial, geometry=base.geometry.to_numpy(), crs=areas.crs)

    long_rows = estimates if empty else _without_empty(estimates, path)

    def long_parts() -> Iterator[pd.DataFrame]:  # the labelled long table, in slices
        for part in _chunks(long_rows):
            long = estimates_table(part, base, labels, lang=lang, synthetic=synthetic)
            yield long if synthetic else long.drop(columns="data_note")

    info = pd.DataFrame({
        "indicator": list(labels.indicators),
        "theme": [i.theme for i in labels.indicators.values()],
        "theme_label": [labels.theme_label(i.theme, lang) for i in labels.indicators.values()],
        "label": [labels.text(i.label, lang) for i in labels.indicators.values()],
        "universe": [labels.text(i.universe, lang) for i in labels.indicators.values()],
        "direction": [i.direction for i in labels.indicators.values()],
    })
    parts = long_parts()
    first = next(parts)
    with atomic_write(path) as tmp, _gdal_config(OGR_CURRENT_DATE=FIXED_DATE):
        pyogrio.write_dataframe(layer, tmp, layer="indicators", driver="GPKG")
        # GDAL makes the layer (schema, gpkg_contents, triggers), SQLite adds the rows
        pyogrio.write_dataframe(first.iloc[:0], tmp, layer="estimates", driver="GPKG")
        append_attribute_rows(tmp, "estimates", itertools.chain([first], parts))
        pyogrio.write_dataframe(info, tmp, layer="indicator_labels", driver="GPKG")
    log.info("wrote %s (%d areas, %d estimates)", path, len(layer), len(estimates))
    return Path(path)


def append_attribute_rows(path: str | os.PathLike[str], layer: str,
                          parts: Iterable[pd.DataFrame]) -> int:
    """Append the rows of ``parts`` to the attribute ``layer`` (a table without geometry)
    of the GeoPackage ``path``, with SQLite directly; return the number of rows added.

    The same rows as :func:`pyogrio.write_dataframe` with ``append=True`` would write, in
    order and with the next feature ids, read back equal; GDAL writes feature by feature
    (``OGR_L_CreateFeature``), this inserts whole slices in one transaction, several times
    faster for millions of rows. GDAL still makes the layer, so its schema, the file's
    metadata tables and its triggers are GDAL's own; like GDAL, the feature-count triggers
    are dropped while the rows go in, ``gpkg_ogr_contents.feature_count`` is set once and
    the triggers are made again with the same SQL. Missing values (NA, NaN) are NULL; text
    is UTF-8, integers ``INTEGER``, floats ``REAL``, booleans 0 or 1; the bytes are not
    GDAL's (SQLite's page layout differs), the values read back are.

    Parameters
    ----------
    path : path-like
        A GeoPackage written by GDAL (e.g. :func:`pyogrio.write_dataframe`).
    layer : str
        An attribute table of it whose columns (other than ``fid``) are those of ``parts``.
    parts : iterable of DataFrame
        Slices of the rows, each with the layer's columns; text, integer, float or boolean
        dtypes.

    Returns
    -------
    int

    Raises
    ------
    OutputError
        ``layer`` is not an attribute table of ``path``, or SQLite cannot write the file
        (disk full...). A failed call adds no row.
    TypeError
        A column has a dtype that GDAL would write otherwise (dates, objects that are not
        text...); write those with pyogrio.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd, pyogrio
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.gpkg"
    >>> rows = pd.DataFrame({"name": pd.array(["a", None], dtype="str"), "x": [1.5, None]})
    >>> pyogrio.write_dataframe(rows.iloc[:0], out, layer="t", driver="GPKG")
    >>> append_attribute_rows(out, "t", [rows, rows])
    4
    >>> back = pyogrio.read_dataframe(out, layer="t", fid_as_index=True)
    >>> back.index.tolist(), back["name"].tolist(), back["x"].tolist()
    ([1, 2, 3, 4], ['a', nan, 'a', nan], [1.5, nan, 1.5, nan])
    >>> pyogrio.read_info(out, layer="t")["features"]
    4
    """
    added = 0
    try:
        con = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise OutputError(f"{path}: cannot open the GeoPackage ({exc}); check the path"
                          ) from exc
    try:
        kind = con.execute("SELECT data_type FROM gpkg_contents WHERE table_name = ?",
                           (layer,)).fetchone()
        if kind is None or kind[0] != "attributes":
            raise OutputError(f"{path}: {layer!r} is not an attribute table of the "
                              "GeoPackage; make it with pyogrio first (without geometry)")
        columns = [row[1] for row in con.execute(f"PRAGMA table_info({_quote(layer)})")
                   if row[1] != "fid"]
        counters = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
            "AND (name LIKE 'trigger_insert_feature_count_%' "
            "OR name LIKE 'trigger_delete_feature_count_%') ORDER BY rowid", (layer,)
        ).fetchall()
        insert = (f"INSERT INTO {_quote(layer)} ({', '.join(map(_quote, columns))}) "
                  f"VALUES ({', '.join('?' * len(columns))})")
        con.execute("PRAGMA synchronous = OFF")  # the file is a temporary one until renamed
        con.execute("BEGIN IMMEDIATE")
        for name, _ in counters:
            con.execute(f"DROP TRIGGER {_quote(name)}")
        for part in parts:
            if list(part.columns) != columns:
                raise OutputError(f"{path}: the rows' columns {list(part.columns)} are not "
                                  f"those of layer {layer!r} ({columns}); write the same "
                                  "columns as the layer was made with")
            con.executemany(insert, zip(*(_sql_values(part[c]) for c in columns),
                                        strict=True))
            added += len(part)
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_ogr_contents'"
                       ).fetchone():
            con.execute("UPDATE gpkg_ogr_contents SET feature_count = "
                        f"(SELECT count(*) FROM {_quote(layer)}) "
                        "WHERE lower(table_name) = lower(?)", (layer,))
        for _, sql in counters:
            con.execute(sql)
        con.execute("COMMIT")
    except sqlite3.Error as exc:
        raise OutputError(f"{path}: cannot write layer {layer!r} ({exc}); check the free "
                          "space and try again") from exc
    finally:
        if con.in_transaction:
            con.execute("ROLLBACK")
        con.close()
    return added


#: Bound for a missing value: SQLite stores NaN as NULL (see :func:`_sql_values`).
_NULL = float("nan")


def _quote(name: str) -> str:
    """``name`` as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _sql_values(column: pd.Series) -> np.ndarray:
    """The values of ``column`` as Python objects for SQLite; NaN where missing.

    SQLite stores a bound NaN as NULL (``sqlite3_bind_double``), whatever the column's
    type, and binds it about five times faster than ``None``, which Python's :mod:`sqlite3`
    first tries to adapt; most cells of a long table at thousands of areas are missing.
    """
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):  # 0 or 1
        missing = column.isna().to_numpy(dtype=bool)
        values = column.to_numpy(dtype="int64", na_value=0).astype(object)
    elif pd.api.types.is_float_dtype(dtype):
        values = column.to_numpy(dtype="float64", na_value=np.nan)
        return values.astype(object)  # NaN and NA alike are NULL
    elif pd.api.types.is_string_dtype(dtype):
        values = column.to_numpy(dtype=object, na_value=None)
        missing = column.isna().to_numpy(dtype=bool)
        if (not isinstance(dtype, pd.StringDtype)
                and pd.api.types.infer_dtype(values[~missing]) not in ("string", "empty")):
            raise TypeError(f"column {column.name!r} holds values that are not text; "
                            "write it with pyogrio")
    else:
        raise TypeError(f"column {column.name!r} has dtype {dtype}, which "
                        "append_attribute_rows does not write; write it with pyogrio")
    values[missing] = _NULL
    return values


__all__ = [
    "ANALYSISTOOLS_COLUMNS",
    "GPKG_LAYERS",
    "TABLE_COLUMNS",
    "append_attribute_rows",
    "estimates_table",
    "to_analysistools",
    "wide_table",
    "write_analysistools_csv",
    "write_estimates_csv",
    "write_geopackage",
]
