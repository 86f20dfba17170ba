"""Synthetic respondents in canonical *respondents* form (``docs/design.md``).

:func:`generate_respondents` puts the pieces together: it reads the form's layout
(:mod:`~geo4mi.synthetic.form`), draws the answers (:mod:`~geo4mi.synthetic.targets`) and
the GPS points (:mod:`~geo4mi.synthetic.gps`), adds Kobo's metadata (interview times,
submission ids, UUIDs) and lays everything out as one typed column per question, in form
order. SYNTHETIC DEMONSTRATION DATA: no real person's answers.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo4mi.errors import FormError
from geo4mi.synthetic.allocation import Answers
from geo4mi.synthetic.form import FORM_PATH, Question, form_layout
from geo4mi.synthetic.gps import gps_points
from geo4mi.synthetic.targets import draw_answers

if TYPE_CHECKING:
    import geopandas as gpd


def generate_respondents(n: int = 301, *, seed: int = 4,
                         areas: gpd.GeoDataFrame | None = None,
                         form_path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Draw ``n`` synthetic respondents in canonical *respondents* form.

    SYNTHETIC DEMONSTRATION DATA, calibrated to the 4Mi Cities Mexico City report (see
    ``docs/synthetic.md``). Same ``n`` and ``seed`` give an identical frame.

    Parameters
    ----------
    n : int, default 301
        Number of respondents (the report interviewed 301).
    seed : int, default 4
        Seed of the random generator.
    areas : GeoDataFrame, optional
        Boundaries with ``area_name`` holding the INEGI names of the 16 alcaldías; GPS
        points are drawn inside them. Default: the bundled INEGI 2022 alcaldías.
    form_path : path-like, optional
        XLSForm giving column order and choice lists. Default: the bundled questionnaire.

    Returns
    -------
    DataFrame
        One row per respondent: one column per question name (select_one as ``"string"``,
        integers ``Int64``), select_multiple as the summary column ``q`` plus ``"q/choice"``
        ``"boolean"`` columns, the geopoint as ``gps_lat``/``gps_lon`` (``Float64``), Kobo
        metadata ``start``, ``end``, ``_id``, ``_uuid``, ``_submission_time``. Questions not
        asked (``relevant`` false) are NA.

    Raises
    ------
    ValueError
        ``n`` is not a positive integer.
    BoundaryError
        ``areas`` lacks one of the 16 alcaldías.

    Examples
    --------
    >>> people = generate_respondents(30, seed=2)
    >>> [str(people[c].dtype) for c in ("borough", "age", "housing_barriers/none", "gps_lat")]
    ['string', 'Int64', 'boolean', 'Float64']
    >>> generate_respondents(30, seed=2).equals(people)
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    n = int(n)
    rng = np.random.default_rng(seed)
    questions, lists = form_layout(FORM_PATH if form_path is None else form_path)
    s = draw_answers(n, rng)
    lat, lon = gps_points(s, areas, rng)
    start, end, submitted = _times(rng, n)
    uuids = _uuid4(rng, n)
    ids = np.empty(n, dtype=np.int64)  # Kobo numbers submissions in order of arrival
    ids[np.argsort(submitted, kind="stable")] = 150_000_000 + np.cumsum(
        rng.integers(1, 4, size=n))

    columns: dict[str, Any] = {}
    extra = {"age": s.codes.get("_age"), "hh_size": s.codes.get("_hh_size")}
    for q in questions:
        if q.type == "start":
            columns[q.name] = pd.array(start, dtype="string")
        elif q.type == "end":
            columns[q.name] = pd.array(end, dtype="string")
        elif q.type == "geopoint":
            columns[f"{q.name}_lat"] = pd.array(lat, dtype="Float64")
            columns[f"{q.name}_lon"] = pd.array(lon, dtype="Float64")
        elif q.type == "integer" and extra.get(q.name) is not None:
            columns[q.name] = pd.array(extra[q.name], dtype="Int64")
        elif q.type == "select_one" and q.name in s.codes:
            columns[q.name] = _select_one_column(s, q, lists)
        elif q.type == "select_multiple" and q.name in s.flags:
            columns.update(_select_multiple_columns(s, q, lists))
        else:
            raise FormError(f"{q.name}: the synthetic sample has no answers for this "
                            f"{q.type!r} question; use the bundled questionnaire")
    columns["_id"] = pd.array(ids, dtype="Int64")
    columns["_uuid"] = pd.array(uuids, dtype="string")
    columns["_submission_time"] = pd.array(submitted, dtype="string")
    return pd.DataFrame(columns, copy=False)


def _select_one_column(s: Answers, q: Question,
                       lists: dict[str, list[str]]) -> pd.arrays.StringArray:
    choices = s.choices[q.name]
    unknown = [c for c in choices if c not in lists[q.list_name]]
    if unknown:
        raise FormError(f"{q.name}: choices {unknown!r} are not in list {q.list_name!r} of the "
                        "form; rebuild the questionnaire")
    table = np.array([*choices, None], dtype=object)
    codes = s.codes[q.name].astype(np.int64)
    return pd.array(table[np.where(codes < 0, len(choices), codes)], dtype="string")


def _select_multiple_columns(s: Answers, q: Question,
                             lists: dict[str, list[str]]) -> dict[str, Any]:
    flags = s.flags[q.name]
    names = lists[q.list_name]
    unknown = [c for c in flags if c not in names]
    if unknown:
        raise FormError(f"{q.name}: choices {unknown!r} are not in list {q.list_name!r} of the "
                        "form; rebuild the questionnaire")
    asked = s.asked(q.name)
    bits = np.zeros(s.n, dtype=np.int64)
    for i, choice in enumerate(names):
        if choice in flags:
            bits |= flags[choice].astype(np.int64) << i
    uniq, inverse = np.unique(bits, return_inverse=True)
    text = np.array([" ".join(c for i, c in enumerate(names) if u >> i & 1) for u in uniq]
                    + [None], dtype=object)
    out: dict[str, Any] = {q.name: pd.array(text[np.where(asked, inverse, len(uniq))],
                                            dtype="string")}
    for choice in names:
        values = pd.array(flags.get(choice, np.zeros(s.n, dtype=bool)), dtype="boolean")
        values[~asked] = pd.NA
        out[f"{q.name}/{choice}"] = values
    return out


# -- Kobo metadata: interview times and UUIDs ----------------------------------------------

def _uuid4(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` version-4 UUID strings from ``rng`` (vectorised)."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    nibbles = np.stack([raw >> 4, raw & 0x0F], axis=2).reshape(n, 32)
    text = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    cols = np.r_[0:8, 9:13, 14:18, 19:23, 24:36]
    out[:, cols] = text
    return out.view("S36").ravel().astype(str)


def _times(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kobo ``start``/``end`` (local, -05:00) and ``_submission_time`` (UTC), sorted."""
    first, last = np.datetime64("2021-06-01"), np.datetime64("2021-10-29")
    days = int((last - first) / np.timedelta64(1, "D")) + 1
    start = (first + rng.integers(0, days, n) * np.timedelta64(1, "D")
             + rng.integers(9 * 3600, 18 * 3600, n) * np.timedelta64(1, "s"))
    start = np.sort(start)
    end = start + rng.integers(18 * 60, 50 * 60, n) * np.timedelta64(1, "s")
    delay = np.where(rng.random(n) < .8, rng.integers(30, 3600, n),
                     rng.integers(3600, 36 * 3600, n))
    submitted = end + (5 * 3600 + delay) * np.timedelta64(1, "s")  # CDT is UTC-5

    def local(t: np.ndarray) -> np.ndarray:
        t = t.astype("datetime64[ms]") + rng.integers(0, 1000, n) * np.timedelta64(1, "ms")
        return np.char.add(np.datetime_as_string(t, unit="ms"), "-05:00")

    return local(start), local(end), np.datetime_as_string(submitted, unit="s")
