"""Weighted counts and disclosure: when ``n_w`` would give away how a cell splits.

A weighted design publishes, for every ``ok`` cell, the respondent count ``n`` and the
weighted count ``n_w`` (and ``numerator`` with ``numerator_w``). When the weights take a
few values only (raked or post-stratified to ``area × sex``: one weight per area and
sex), the two counts are two equations: with weights ``w_1 … w_K`` of the cell's *weight
classes* (respondents sharing one weight) and ``c_k`` respondents of class ``k``::

    n   = c_1 + … + c_K
    n_w = c_1 w_1 + … + c_K w_K

An intruder who knows the weights (they follow from the published census margins and
counts, or from any cell within one class, where ``n_w / n`` *is* the weight) solves them:
with two classes exactly, with more usually still (the ``c_k`` are whole numbers and the
weights are not commensurable). The cell's split across the classes (how many of a
borough's 12 Honduran respondents are women) is a count of a finer table that geo4mi
never publishes, and it may be 1 … ``min_n - 1``: the small count suppression hides. With
the cell's parent (the whole area for a group cell, the city for an area) the same goes
for the rest of the parent, ``C_k - c_k``.

The rule (:func:`withhold_weighted`): a cell's ``n_w`` and ``numerator_w`` are published
only where every weight class of the cell, and of the rest of its parent, holds 0 or at
least ``min_n`` respondents; elsewhere both are withheld (NA) and the cell's ``weighted``
column says ``withheld_small_class`` (``""`` where they are published). ``n``, ``p`` and
its interval are not touched. Guarantee: no class count between 1 and ``min_n - 1`` can be
read off one published ``(n, n_w)`` pair, nor off a cell and its parent together. Not
covered (docs/disclosure.md): sums of several cells of a line against their parent, and
the weighted ``p`` itself (with ``numerator`` and ``n`` it is one more equation in the
class counts; it is a ratio of two unknown sums and does not pin them alone).

Continuous weights (every respondent their own class) withhold ``n_w`` everywhere but in
cells where no class is small, which with ``min_n > 1`` is none: such weights identify
respondents, not classes. Designs without weights have no ``n_w``: nothing changes.

Examples
--------
Two classes in area A (weights 2 and 5): the area's 12 are 10 + 2, and ``n_w = 30`` says
so (``10 * 2 + 2 * 5``); it is withheld. Area B's 20 are 10 + 10, but the city's ``n_w``
minus B's is A's: B's is withheld too, and so is the city's (two respondents weigh 5).

>>> import pandas as pd
>>> from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
>>> from geo4mi.indicators.estimate import estimate
>>> cat = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
>>> resp = pd.DataFrame({"area_id": ["A"] * 12 + ["B"] * 20, "feel_safe": "yes",
...                      "w": [2.0] * 10 + [5.0] * 2 + [3.0] * 10 + [4.0] * 10})
>>> est = estimate(resp, cat, area_ids=["A", "B"], groups=[], min_n=10,
...                design=Design(weight="w"))
>>> safe = withhold_weighted(est, resp, resp["w"].to_numpy(), cat, area_ids=["A", "B"],
...                          min_n=10)
>>> safe[safe.group_var == "all"][["area_id", "n", "n_w", "weighted"]].values.tolist()
... # doctest: +NORMALIZE_WHITESPACE
[['_city', 32, <NA>, 'withheld_small_class'], ['A', 12, <NA>, 'withheld_small_class'],
 ['B', 20, <NA>, 'withheld_small_class']]
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from geo4mi.indicators.design import Design  # noqa: F401  (doctest)

log = logging.getLogger(__name__)

#: The ``weighted`` column of a cell whose ``n_w`` and ``numerator_w`` are withheld.
WITHHELD = "withheld_small_class"
#: More weight classes than this: every ``n_w`` is withheld (the weights are close to
#: continuous; a class count per cell would be a table as large as the sample).
MAX_CLASSES = 64

_CITY = "_city"
_ALL = "all"
_CLASS = "_weight_class"
_CROSS = "_weight_class_x_"
_SEP = "\x1f"


def weight_classes(weights: np.ndarray) -> np.ndarray:
    """Class code ``0..K-1`` of each respondent: equal weights (to 12 significant digits)
    are one class.

    Examples
    --------
    >>> weight_classes(np.array([2.0, 5.0, 2.0 + 1e-14, 3.0])).tolist()
    [0, 2, 0, 1]
    """
    rounded = np.array([float(f"{w:.12g}") for w in np.asarray(weights, dtype="float64")])
    return pd.factorize(rounded, sort=True)[0].astype(np.int64)


def class_counts(respondents: pd.DataFrame, weights: np.ndarray, catalogue: Any, *,
                 area_ids: Sequence[str], groups: Sequence[str] = ()) -> pd.DataFrame:
    """Each estimate's ``n`` split by weight class: one :func:`estimate` of the respondents
    with every group crossed with the class (so each indicator's universe, skip logic
    and answers count exactly as in its ``n``).

    Returns
    -------
    DataFrame
        Index ``(indicator, area_id, group_var, group_value)`` as in the estimates
        (``"_city"``, ``"all"``), one column per weight class ``0..K-1``: respondents.

    Examples
    --------
    >>> from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
    >>> cat = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
    >>> resp = pd.DataFrame({"area_id": ["A"] * 12 + ["B"] * 20, "feel_safe": "yes"})
    >>> w = np.array([2.0] * 10 + [5.0] * 2 + [3.0] * 10 + [4.0] * 10)
    >>> counts = class_counts(resp, w, cat, area_ids=["A", "B"])
    >>> counts.loc[("feel_safe", "A", "all", "all")].tolist()  # classes: weights 2, 3, 4, 5
    [10, 0, 0, 2]
    >>> counts.loc[("feel_safe", "_city", "all", "all")].tolist()
    [10, 10, 10, 2]
    """
    from geo4mi.indicators.estimate import estimate

    classes = weight_classes(weights)
    k = int(classes.max(initial=-1)) + 1
    crossed = respondents.copy()
    crossed[_CLASS] = pd.array(classes.astype(str).astype(object), dtype="str")
    names = {_CLASS: _ALL}
    for g in groups:
        value = respondents[g].astype("object")
        text = np.where(value.notna(), value.astype(str) + _SEP + crossed[_CLASS].astype(str),
                        None)
        crossed[_CROSS + g] = pd.array(text, dtype="str")
        names[_CROSS + g] = g
    est = estimate(crossed, catalogue, area_ids=area_ids, groups=list(names), min_n=1,
                   complementary=False)
    est = est[est["group_var"] != _ALL]
    value = est["group_value"].astype(str)
    split = value.str.rsplit(_SEP, n=1)
    is_all = (est["group_var"] == _CLASS).to_numpy()
    cls = np.where(is_all, value, split.str[-1]).astype(np.int64)
    frame = pd.DataFrame({
        "indicator": est["indicator"].astype(str).to_numpy(),
        "area_id": est["area_id"].astype(str).to_numpy(),
        "group_var": est["group_var"].astype(str).map(names).to_numpy(),
        "group_value": np.where(is_all, _ALL, split.str[0]),
        "cls": cls,
        "n": est["n"].fillna(0).astype("int64").to_numpy(),
    })
    table = frame.pivot_table(index=["indicator", "area_id", "group_var", "group_value"],
                              columns="cls", values="n", aggfunc="sum", fill_value=0)
    return table.reindex(columns=range(k), fill_value=0)


def _unsafe(counts: np.ndarray, parent: np.ndarray, min_n: int) -> np.ndarray:
    """Per row: a class of the cell or of the rest of its parent holds 1..min_n-1."""
    rest = parent - counts
    small = ((counts > 0) & (counts < min_n)) | ((rest > 0) & (rest < min_n))
    return np.asarray(small.any(axis=1))


def withhold_weighted(estimates: pd.DataFrame, respondents: pd.DataFrame,
                      weights: np.ndarray, catalogue: Any, *, area_ids: Sequence[str],
                      min_n: int, groups: Sequence[str] = ()) -> pd.DataFrame:
    """Withhold ``n_w`` and ``numerator_w`` where they would give away a small class count.

    Parameters
    ----------
    estimates : DataFrame
        A weighted design's estimates (with ``n_w``); returned as is without it.
    respondents : DataFrame
        The estimated respondents, as given to :func:`~geo4mi.indicators.estimate.estimate`.
    weights : ndarray
        Each respondent's weight (:func:`geo4mi.indicators.design.design_arrays`).
    catalogue : Catalogue
        The estimated catalogue.
    area_ids, groups
        As given to :func:`~geo4mi.indicators.estimate.estimate`.
    min_n : int
        The study's minimum cell size.

    Returns
    -------
    DataFrame
        A copy with ``n_w``/``numerator_w`` NA where the rule (module docstring) withholds
        them, and a ``weighted`` column saying so (``withheld_small_class`` or ``""``).
    """
    if "n_w" not in estimates.columns:
        return estimates
    out = estimates.copy()
    w = np.asarray(weights, dtype="float64")
    n_classes = int(weight_classes(w).max(initial=-1)) + 1
    published = out["n_w"].notna().to_numpy()
    if n_classes > MAX_CLASSES:
        log.info("weighted counts: %d weight classes (more than %d): every n_w withheld",
                 n_classes, MAX_CLASSES)
        withheld = published.copy()
    elif n_classes <= 1:
        withheld = np.zeros(len(out), dtype=bool)
    else:
        counts = class_counts(respondents, w, catalogue, area_ids=area_ids, groups=groups)
        key = ["indicator", "area_id", "group_var", "group_value"]
        here = pd.MultiIndex.from_frame(out[key].astype(str))
        own = counts.reindex(here, fill_value=0).to_numpy()
        parent = pd.MultiIndex.from_arrays([
            here.get_level_values(0),
            np.where(here.get_level_values(2) == _ALL, _CITY, here.get_level_values(1)),
            np.full(len(here), _ALL, dtype=object), np.full(len(here), _ALL, dtype=object)])
        up = counts.reindex(parent, fill_value=0).to_numpy().copy()
        city_all = np.asarray((here.get_level_values(1) == _CITY)
                              & (here.get_level_values(2) == _ALL))
        up[city_all] = own[city_all]  # the city has no parent: its rest is empty
        withheld = published & _unsafe(own, up, min_n)
    for col in ("n_w", "numerator_w"):
        if col in out.columns:
            out[col] = out[col].mask(pd.Series(withheld, index=out.index))
    out["weighted"] = pd.array(np.where(withheld, WITHHELD, "").astype(object), dtype="str")
    if withheld.any():
        log.info("weighted counts: n_w withheld in %d cells (a weight class of the cell or "
                 "of the rest of its parent holds 1-%d respondents)", int(withheld.sum()),
                 min_n - 1)
    return out




def withhold_design_weighted(estimates: pd.DataFrame, respondents: pd.DataFrame,
                             catalogue: Any, study: Any, areas: pd.DataFrame) -> pd.DataFrame:
    """:func:`withhold_weighted` for a pipeline run: the study's design, groups and
    ``min_n`` (the one call :func:`geo4mi.pipeline.run` makes)."""
    from geo4mi.indicators.design import design_arrays, design_from_study

    weights = design_arrays(respondents, design_from_study(study))[0]
    return withhold_weighted(estimates, respondents, weights, catalogue,
                             area_ids=areas["area_id"].tolist(), min_n=study.min_n,
                             groups=list(study.indicators.groups))


__all__ = ["MAX_CLASSES", "WITHHELD", "class_counts", "weight_classes",
           "withhold_design_weighted", "withhold_weighted"]
