"""Tiny hand-made inputs for the figure doctests: four square boroughs, one indicator.

They follow the *estimates* / *areas* / :class:`~geo4mi.labels.Labels` contracts of
design.md and need no survey, so examples stay fast and independent of the pipeline.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from geo4mi.indicators.estimate import CITY, wilson_interval
from geo4mi.labels import IndicatorInfo, Labels

#: (area_id, name, (numerator, n) for all, for man, for woman); None = no interviews.
TINY_AREAS: tuple[tuple[str, str, tuple[int, int] | None, tuple[int, int] | None,
                        tuple[int, int] | None], ...] = (
    ("01", "Alpha", (30, 60), (12, 30), (18, 30)),
    ("02", "Beta", (6, 12), (2, 5), (4, 7)),
    ("03", "Gamma", (2, 6), (1, 3), (1, 3)),
    ("04", "Delta", None, None, None),
)


def _counts(area: tuple, g: int) -> tuple[int, int] | None:
    """``(numerator, n)`` of :data:`TINY_AREAS` row ``area`` for group ``g`` (0 = all)."""
    counts: tuple[int, int] | None = area[2 + g]
    return counts


def estimate_row(indicator: str, area_id: str, group_var: str, group_value: str,
                 counts: tuple[int, int] | None, *, min_n: int = 10) -> dict:
    """One row of the estimates table from ``(numerator, n)``, status by the contract."""
    k, n = counts if counts is not None else (0, 0)
    row = {"indicator": indicator, "area_id": area_id, "group_var": group_var,
           "group_value": group_value, "numerator": pd.NA, "n": n, "p": pd.NA,
           "ci_low": pd.NA, "ci_high": pd.NA,
           "status": "no_data" if n == 0 else "suppressed" if n < min_n else "ok"}
    if row["status"] == "ok":
        low, high = wilson_interval(k, n)
        row.update(numerator=k, p=k / n, ci_low=low, ci_high=high)
    return row


def estimates_frame(rows: list[dict]) -> pd.DataFrame:
    """Give hand-made rows the dtypes of the estimates table."""
    df = pd.DataFrame(rows)
    for col in ("numerator", "n"):
        df[col] = df[col].astype("Int64")
    for col in ("p", "ci_low", "ci_high"):
        df[col] = df[col].astype("Float64")
    return df


def tiny_inputs() -> tuple[pd.DataFrame, gpd.GeoDataFrame, Labels]:
    """Estimates, areas and labels of four 10 km squares (EPSG:6372).

    Alpha is ``ok``, Beta ``ok`` with a wide interval, Gamma ``suppressed`` and Delta has
    no interviews. Groups: all respondents and ``gender`` (man, woman).

    Examples
    --------
    >>> est, areas, labels = tiny_inputs()
    >>> est.query("group_var == 'all'")[["area_id", "status"]].to_numpy().tolist()
    [['_city', 'ok'], ['01', 'ok'], ['02', 'ok'], ['03', 'suppressed'], ['04', 'no_data']]
    """
    x0, y0, side = 2_790_000.0, 810_000.0, 10_000.0
    geoms = [shapely.box(x0 + c * side, y0 - r * side, x0 + (c + 1) * side, y0 - (r - 1) * side)
             for r, c in ((0, 0), (0, 1), (1, 0), (1, 1))]
    areas = gpd.GeoDataFrame({"area_id": [a[0] for a in TINY_AREAS],
                              "area_name": [a[1] for a in TINY_AREAS]},
                             geometry=geoms, crs="EPSG:6372")
    groups = (("all", "all"), ("gender", "man"), ("gender", "woman"))
    rows = []
    for g, (var, value) in enumerate(groups):  # city-wide rows first
        city = [c for a in TINY_AREAS if (c := _counts(a, g)) is not None]
        rows.append(estimate_row("discriminated", CITY, var, value,
                                 (sum(c[0] for c in city), sum(c[1] for c in city))))
    for a in TINY_AREAS:
        rows.extend(estimate_row("discriminated", a[0], var, value, _counts(a, g))
                    for g, (var, value) in enumerate(groups))
    est = estimates_frame(rows)
    labels = Labels(
        themes={"life_in_city": {"es": "Vida en la ciudad", "en": "Life in the city"}},
        indicators={"discriminated": IndicatorInfo(
            id="discriminated", theme="life_in_city",
            label={"es": "Se han sentido discriminadas o discriminados",
                   "en": "Felt discriminated against"},
            direction="higher_worse",
            universe={"es": "Todas las personas encuestadas", "en": "All respondents"})},
        group_vars={"all": {"es": "Todas las personas encuestadas", "en": "All respondents"},
                    "gender": {"es": "Género", "en": "Gender"}},
        group_values={"all": {"all": {"es": "Todas las personas encuestadas",
                                      "en": "All respondents"}},
                      "gender": {"man": {"es": "Hombre", "en": "Man"},
                                 "woman": {"es": "Mujer", "en": "Woman"}}},
        survey_title={"es": "Encuesta de ejemplo", "en": "Example survey"})
    return est, areas, labels
