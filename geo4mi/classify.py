"""Class breaks, palettes and the styling rules shared by web maps and static figures.

The interactive choropleth and the report figures must say the same thing, so both take
their classes, colours, no-data / suppressed styling and the uncertainty rule from here.
Classes are computed in Python (mapclassify); the browser only looks them up.

Rules
-----
* Values are proportions in 0..1.
* ``fixed``: five equal 20-point steps, comparable across indicators.
* ``quantiles``: mapclassify ``Quantiles`` over the values shown (``ok`` estimates).
* ``natural_breaks``: Fisher–Jenks optimal breaks (:func:`fisher_jenks`), the same breaks as
  mapclassify ``FisherJenks`` (deterministic, unlike ``NaturalBreaks``) from a vectorised
  numpy programme; over more than :data:`NATURAL_BREAKS_EXACT` values they are computed on
  that many evenly spaced order statistics (minimum and maximum included), the deterministic
  counterpart of mapclassify ``FisherJenksSampled``.
* Breaks are cached by value (:func:`class_breaks`), so the Spanish and English builds of a
  map, and its figures, compute each set once.
* "No interviews" (status ``no_data``) is white with sparse grey dots; "suppressed"
  (``0 < n < min_n``) is white with grey hatching. Neither is ever a colour of the scale:
  every pair of the five class colours and the two patterns (seen as their mean colour) is
  at least 10 apart in CIEDE2000 in colour, grayscale and simulated deuteranopia and
  protanopia (:mod:`geo4mi.webmap.legibility`; tests/test_webmap_colours.py).
* Uncertainty: an estimate whose 95 % interval half-width is at least
  :data:`WIDE_HALF_WIDTH` (15 points), i.e. an interval :data:`WIDE_WIDTH_POINTS` (30)
  points wide or more, keeps its class colour and is outlined with a dashed line on the web
  map (:data:`WIDE_OUTLINE`); its tooltip says so. The static figures still draw it with
  reduced opacity (:data:`WIDE_OPACITY`).
"""

from __future__ import annotations

import hashlib
import warnings
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from geo4mi.errors import ClassificationError

SCHEMES = ("fixed", "quantiles", "natural_breaks")
K = 5
NO_DATA_COLOR = "#ffffff"        # ground of the "no interviews" dots
NO_DATA_DOT_COLOR = "#555555"
#: "No interviews": a square dot of this many px in a tile of this many px (4 % of the area).
NO_DATA_DOTS = (2, 10)
SUPPRESSED_COLOR = "#ffffff"     # ground of the "suppressed" hatching
SUPPRESSED_HATCH_COLOR = "#555555"
#: "Suppressed": diagonal lines this many px wide every this many px (44 % of the area).
SUPPRESSED_HATCH = (4, 9)
#: A wide interval on the web map: the class fill, outlined by a dashed line (colour, width in
#: px, SVG dash array); the dashes have a black halo, so they show on every class colour.
WIDE_OUTLINE = ("#ffffff", 2.5, "5 3")
EDGE_COLOR = "#404040"
OPACITY = 1.0
WIDE_OPACITY = 0.45
WIDE_HALF_WIDTH = 0.15
#: The same rule in the words of the legends: a 95 % interval this many points wide or more.
WIDE_WIDTH_POINTS = round(200 * WIDE_HALF_WIDTH)
#: Class starts for interview counts (achieved or target), shared by the site map and the
#: sample-distribution figure: 1-9, 10-24, 25-49, 50-99, 100+.
COUNT_BREAKS = (1, 10, 25, 50, 100)
#: Natural breaks are exact up to this many values; above, they are computed on this many
#: evenly spaced order statistics (the cost of the exact programme grows as n²).
NATURAL_BREAKS_EXACT = 300
_CACHE_SIZE = 20_000
_cache: OrderedDict[tuple[bytes, str, int], list[float]] = OrderedDict()

# Five steps of the ColorBrewer Reds, YlGnBu and Purples scales (the darkest extended toward
# black), spaced so that each pair, and each against the no-data and suppressed patterns,
# differs by a CIEDE2000 of 10 or more in colour, grayscale, deuteranopia and protanopia.
# Fewer classes take an evenly spread subset, which keeps the distances.
_PALETTES = {
    "higher_worse": ["#fb7353", "#e83429", "#b21218", "#71020e", "#310003"],
    "higher_better": ["#2fa4c2", "#1f7ab5", "#2356a4", "#1a2b7e", "#030f36"],
    "neutral": ["#9793c5", "#7669af", "#61409b", "#470f84", "#1b003d"],
}


def palette(direction: str = "neutral", k: int = K) -> list[str]:
    """Return ``k`` hex colours, light to dark, for an indicator's direction.

    Darker always means a higher percentage; the hue says whether higher is worse
    (reds), better (blues) or neither (purples).

    Examples
    --------
    >>> palette("higher_worse", 3)
    ['#fb7353', '#b21218', '#310003']
    """
    if direction not in _PALETTES:
        raise ClassificationError(
            f"direction {direction!r} is unknown; use one of {', '.join(_PALETTES)}")
    full = _PALETTES[direction]
    if not 1 <= k <= len(full):
        raise ClassificationError(f"{k} classes asked for; use 1 to {len(full)}")
    return [full[int(i)] for i in np.round(np.linspace(0, len(full) - 1, k))]


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
    y = (values.astype(float) if isinstance(values, np.ndarray) and values.dtype.kind in "fiu"
         else np.asarray(pd_to_float(values), dtype=float))
    y = y[~np.isnan(y)]
    fixed = [round(float(x), 10) for x in np.linspace(1 / k, 1.0, k)]
    if scheme == "fixed" or y.size == 0:
        return fixed
    key = (hashlib.blake2b(np.sort(y).tobytes(), digest_size=20).digest(), scheme, int(k))
    if key in _cache:
        _cache.move_to_end(key)
        return list(_cache[key])
    out = _class_breaks(y, scheme, k)
    _cache[key] = out
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return list(out)


def _class_breaks(y: np.ndarray, scheme: str, k: int) -> list[float]:
    distinct = np.unique(y)
    kk = int(min(k, distinct.size))
    if kk < 2:
        return [float(distinct[-1])]
    if scheme == "quantiles":
        import mapclassify

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            bins = mapclassify.Quantiles(y, k=kk).bins
    else:
        sample = np.sort(y)
        if sample.size > NATURAL_BREAKS_EXACT:
            pos = np.round(np.linspace(0, sample.size - 1, NATURAL_BREAKS_EXACT))
            sample = sample[pos.astype(np.int64)]
        bins = fisher_jenks(sample, kk)
    return [round(float(b), 10) for b in np.unique(bins)]


def fisher_jenks(values: Sequence[float] | np.ndarray, k: int, *,
                 max_cells: int = 2_000_000) -> np.ndarray:
    """Fisher–Jenks natural breaks: the upper bound of each of ``k`` classes.

    The same dynamic programme as mapclassify's ``FisherJenks`` (Jenks' algorithm, its
    float32 sums and its tie rule, so the breaks are identical), vectorised with numpy:
    O(k·n²) arithmetic in O(n) numpy calls instead of O(n²) Python steps, in blocks of at
    most ``max_cells`` cells of memory.

    Parameters
    ----------
    values : sequence of float
        Finite values (any order); at least ``k`` of them.
    k : int
        Number of classes, at least 2.

    Examples
    --------
    >>> fisher_jenks([0.1, 0.2, 0.35, 0.5, 0.7, 0.72, 0.9], 3).tolist()
    [0.2, 0.5, 0.9]
    """
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    if k < 2 or n < k:
        raise ClassificationError(f"natural breaks: {k} classes need at least {k} values "
                                  f"and k >= 2; got {n} values")
    val = x.astype(np.float32)
    # cost[l, j]: least within-class variance of the first l values in j classes, and
    # start[l, j]: where its last class starts (1-based), as mapclassify's mat2 / mat1.
    cost = np.zeros((n + 1, k + 1), dtype=np.float32)
    start = np.zeros((n + 1, k + 1), dtype=np.int64)
    start[1, 1:] = 1
    block = max(1, max_cells // n)
    for a in range(2, n + 1, block):
        ls = np.arange(a, min(n + 1, a + block))
        width = int(ls[-1])
        m = np.arange(1, width + 1)
        lm = ls[:, None] - m[None, :]  # the last class holds values lm .. l-1
        seq = np.where(lm >= 0, val[np.clip(lm, 0, None)], np.float32(0))
        # sums from the top value down, in float32 and in that order (cumsum is sequential)
        s1 = np.cumsum(seq, axis=1, dtype=np.float32)
        s2 = np.cumsum(seq * seq, axis=1, dtype=np.float32)
        var = s2 - (s1 * s1) / m.astype(np.float32)
        rows = np.arange(ls.size)
        cost[ls, 1] = var[rows, ls - 1]
        start[ls, 1] = 1
        before = np.clip(lm, 0, None)
        for j in range(2, k + 1):
            cand = np.where(lm >= 1, var + cost[before, j - 1], np.float32(np.inf))
            # the last m reaching the minimum wins, as with mapclassify's ">=" update
            last = width - 1 - np.argmin(cand[:, ::-1], axis=1)
            cost[ls, j] = cand[rows, last]
            start[ls, j] = ls - last
    bounds = np.zeros(k + 1, dtype=np.float64)
    bounds[k], bounds[0] = x[-1], x[0]
    row = n
    for j in range(k, 1, -1):
        pivot = int(start[row, j])
        bounds[j - 1] = x[pivot - 2]
        row = pivot - 1
    return bounds[1:]


def assign_classes(values: Sequence[float] | np.ndarray, breaks: Sequence[float]) -> np.ndarray:
    """Class index (0-based) of each value given upper ``breaks``; -1 for NA.

    Examples
    --------
    >>> assign_classes([0.05, 0.2, 0.21, None, 1.0], [0.2, 0.4, 0.6, 0.8, 1.0]).tolist()
    [0, 0, 1, -1, 4]
    """
    y = (values.astype(float) if isinstance(values, np.ndarray) and values.dtype.kind == "f"
         else np.asarray(pd_to_float(values), dtype=float))
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
    """Convert values that may hold ``None`` / ``pd.NA`` to floats with NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> pd_to_float([0.5, None, pd.NA, float("nan"), 1])
    [0.5, nan, nan, nan, 1.0]
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        return values.astype(float).tolist()  # a number array: nothing to look at one by one
    out = []
    for v in values:
        try:
            out.append(float("nan") if v is None or v != v
                       else float(v))  # type: ignore[arg-type]  # what float() refuses is caught
        except TypeError:  # pd.NA != pd.NA raises in boolean context
            out.append(float("nan"))
    return out
