"""Class breaks, palettes and the styling rules shared by web maps and static figures.

The interactive choropleth and the report figures must say the same thing, so both take
their classes, colours, no-data / suppressed styling and the uncertainty rule from here.
Classes are computed in Python (mapclassify); the browser only looks them up.

Rules
-----
* Values are proportions in 0..1.
* ``fixed``: five equal 20-point steps, comparable across indicators.
* ``quantiles``: mapclassify ``Quantiles`` over the values shown (``ok`` estimates).
* ``natural_breaks``: mapclassify ``FisherJenks`` (deterministic, unlike ``NaturalBreaks``).
* "No interviews" (status ``no_data``) is plain grey; "suppressed" (``0 < n < min_n``) is
  white with grey hatching. Neither is ever a colour of the scale.
* Uncertainty: an estimate whose 95 % interval half-width is at least
  :data:`WIDE_HALF_WIDTH` (15 points), i.e. an interval :data:`WIDE_WIDTH_POINTS` (30)
  points wide or more, is drawn with reduced fill opacity
  (:data:`WIDE_OPACITY` instead of :data:`OPACITY`), and its tooltip says so.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from geo4mi.errors import ClassificationError

SCHEMES = ("fixed", "quantiles", "natural_breaks")
K = 5
NO_DATA_COLOR = "#b0b0b0"
SUPPRESSED_COLOR = "#ffffff"
SUPPRESSED_HATCH_COLOR = "#7a7a7a"
EDGE_COLOR = "#404040"
OPACITY = 0.85
WIDE_OPACITY = 0.45
WIDE_HALF_WIDTH = 0.15
#: The same rule in the words of the legends: a 95 % interval this many points wide or more.
WIDE_WIDTH_POINTS = round(200 * WIDE_HALF_WIDTH)

# Sequential ColorBrewer schemes flagged colour-blind safe, as shipped by matplotlib.
_CMAPS = {"higher_worse": "YlOrRd", "higher_better": "YlGnBu", "neutral": "Purples"}


def palette(direction: str = "neutral", k: int = K) -> list[str]:
    """Return ``k`` hex colours, light to dark, for an indicator's direction.

    Darker always means a higher percentage; the hue says whether higher is worse
    (yellow-red), better (yellow-blue) or neither (purples).

    Examples
    --------
    >>> palette("higher_worse", 3)
    ['#fee187', '#fc6631', '#970026']
    """
    import matplotlib
    from matplotlib.colors import to_hex

    if direction not in _CMAPS:
        raise ClassificationError(
            f"direction {direction!r} is unknown; use one of {', '.join(_CMAPS)}")
    cmap = matplotlib.colormaps[_CMAPS[direction]]
    return [to_hex(cmap(x)) for x in np.linspace(0.2, 0.95, k)]


def class_breaks(values: Sequence[float] | np.ndarray, scheme: str = "fixed",
                 *, k: int = K) -> list[float]:
    """Upper bounds of the classes, as proportions (the last bound is >= the maximum).

    Parameters
    ----------
    values : sequence of float
        Proportions of the estimates that will be drawn (NA values are ignored).
    scheme : {"fixed", "quantiles", "natural_breaks"}
    k : int, default 5
        Number of classes; fewer when there are fewer distinct values.

    Examples
    --------
    >>> class_breaks([0.1, 0.5, 0.9], "fixed")
    [0.2, 0.4, 0.6, 0.8, 1.0]
    >>> class_breaks([0.1, 0.2, 0.35, 0.5, 0.7, 0.72, 0.9], "natural_breaks", k=3)
    [0.2, 0.5, 0.9]
    >>> class_breaks([], "quantiles")
    [0.2, 0.4, 0.6, 0.8, 1.0]
    """
    if scheme not in SCHEMES:
        raise ClassificationError(
            f"classification {scheme!r} is unknown; use one of {', '.join(SCHEMES)}")
    y = np.asarray(pd_to_float(values), dtype=float)
    y = y[~np.isnan(y)]
    fixed = [round(float(x), 10) for x in np.linspace(1 / k, 1.0, k)]
    if scheme == "fixed" or y.size == 0:
        return fixed
    distinct = np.unique(y)
    kk = int(min(k, distinct.size))
    if kk < 2:
        return [float(distinct[-1])]
    import mapclassify

    with warnings.catch_warnings():
        # FisherJenks says it falls back to pure Python without numba; that is fine here.
        warnings.simplefilter("ignore", UserWarning)
        if scheme == "quantiles":
            bins = mapclassify.Quantiles(y, k=kk).bins
        else:
            bins = mapclassify.FisherJenks(y, k=kk).bins
    return [round(float(b), 10) for b in np.unique(bins)]


def assign_classes(values: Sequence[float] | np.ndarray, breaks: Sequence[float]) -> np.ndarray:
    """Class index (0-based) of each value given upper ``breaks``; -1 for NA.

    Examples
    --------
    >>> assign_classes([0.05, 0.2, 0.21, None, 1.0], [0.2, 0.4, 0.6, 0.8, 1.0]).tolist()
    [0, 0, 1, -1, 4]
    """
    y = np.asarray(pd_to_float(values), dtype=float)
    idx = np.searchsorted(np.asarray(breaks, dtype=float), y, side="left")
    idx = np.minimum(idx, len(breaks) - 1)
    return np.where(np.isnan(y), -1, idx).astype(int)


def is_wide(ci_low: float, ci_high: float) -> bool:
    """True when a 95 % interval is wide enough to draw the estimate as uncertain.

    Examples
    --------
    >>> is_wide(0.10, 0.45), is_wide(0.30, 0.40)
    (True, False)
    """
    return (ci_high - ci_low) / 2 >= WIDE_HALF_WIDTH - 1e-12


def pd_to_float(values: Sequence[object] | np.ndarray) -> list[float]:
    """Convert values that may hold ``None`` / ``pd.NA`` to floats with NaN."""
    out = []
    for v in values:
        try:
            out.append(float("nan") if v is None or v != v else float(v))
        except TypeError:  # pd.NA != pd.NA raises in boolean context
            out.append(float("nan"))
    return out
