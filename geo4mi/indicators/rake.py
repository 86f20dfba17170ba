"""Raking (post-stratification) of survey weights to known population margins.

A study may declare, in its ``[survey]`` table, one or more population margins::

    [[survey.rake]]
    file = "census.csv"                   # relative to the study file
    match = { area_id = "cvegeo" }        # respondent column = column of the file
    columns = { gender = { man = "pob_masculina", woman = "pob_femenina" } }

    [[survey.rake]]                       # a second margin: raked in turn
    file = "age.csv"
    match = { age_group = "age_group" }
    count = "population"

Each ``[[survey.rake]]`` table is one *margin*: a table of population counts whose cells
are the combinations of the ``match`` variables (one row of the file each) and, when
``columns`` is given, of one more variable whose categories are columns of the file (a
"wide" census table such as males and females per borough); otherwise ``count`` names the
population column. The respondents' weights (``[survey] weight``, or 1) are then
calibrated by raking (iterative proportional fitting, Deming and Stephan 1940): each margin
in turn, every respondent's weight is multiplied by ``population of its cell / weighted
sample of its cell``, until no cell of any margin is off by more than ``1e-10`` of its
population (at most 1,000 rounds). One margin crossing every variable (area × sex) is
post-stratification and converges in one round.

A respondent whose category has no cell of a margin (gender ``"other"`` against a census
of men and women) is refused in one line that names the category, its respondents and the
options, unless the margin collapses the category into one it has::

    [[survey.rake]]
    file = "census.csv"
    match = { area_id = "cvegeo" }
    columns = { gender = { man = "pob_masculina", woman = "pob_femenina" } }
    collapse = { gender = { other = "woman" } }   # for the weights only

``collapse`` maps, *for raking only*, a respondent's category to a category of the margin
(cell collapsing, Kalton and Flores-Cervantes 2003, "Weighting methods", J. Off. Stat.
19(2)): the respondents of gender ``"other"`` of a borough are weighted as part of its
census women, and keep their own answer everywhere else (their gender group, their
estimates). The assumption, documented where the design is: the census counts them in that
cell (a census of *sex* counts everyone as a man or a woman; the survey asks gender).
Respondents with no margin are not given their base weight instead: next to raked weights
of hundreds or thousands, a base weight of 1 would erase them from every weighted estimate
while the counts still included them. How many respondents were collapsed is logged.

The raked weights are treated as ordinary weights by the Taylor linearisation of
:mod:`geo4mi.indicators.design`: the variance ignores the reduction calibration brings
(conservative). Raking corrects the sample's mix of the margin variables only; it is an
assumption about the target population (that within a cell the respondents stand for the
others), not a fix for a non-random sample.

Examples
--------
Two areas, 3 and 1 respondents, populations 100 and 300: the lone respondent of area b
weighs 300, those of area a 33.3 each.

>>> import pandas as pd
>>> m = Margin(file="census.csv", variables=("area_id",),
...            cells={("a",): (100.0, 2), ("b",): (300.0, 3)})
>>> rake_weights(pd.DataFrame({"area_id": ["a", "a", "a", "b"]}), [m]).round(4).tolist()
[33.3333, 33.3333, 33.3333, 300.0]
"""

from __future__ import annotations

import csv
import io
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo4mi.errors import StudyError, SurveyDataError

log = logging.getLogger(__name__)

#: Largest relative gap between a margin's population and the raked weights' total.
TOLERANCE = 1e-10
#: Rounds of raking before giving up.
MAX_ROUNDS = 1000


@dataclass(frozen=True)
class Margin:
    """One population margin: cell (values of ``variables``) -> (population, file row)."""

    file: str
    variables: tuple[str, ...]
    cells: Mapping[tuple[str, ...], tuple[float, int]] = field(default_factory=dict,
                                                               compare=False)
    #: ``{variable: {respondent category: margin category}}``, for raking only.
    collapse: Mapping[str, Mapping[str, str]] = field(default_factory=dict, compare=False)

    def describe(self) -> str:
        """``"area_id*gender"``: the margin's variables."""
        return "*".join(self.variables)


def read_margin(spec: Mapping[str, Any], base: Path, *, where: str) -> Margin:
    """Read one ``[[survey.rake]]`` table (see the module docstring).

    Raises
    ------
    StudyError
        A key is unknown or missing, the file cannot be read, a named column is not in
        it, a population is not a number >= 0, or a cell appears twice; one line naming
        the study (``where``), the file and the row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "c.csv").write_text("code,men,women\\nA,10,12\\nB,5,0\\n")
    >>> m = read_margin({"file": "c.csv", "match": {"area_id": "code"},
    ...                  "columns": {"gender": {"man": "men", "woman": "women"}}}, d,
    ...                 where="study.toml")
    >>> m.variables, m.cells[("A", "woman")]
    (('area_id', 'gender'), (12.0, 2))
    """
    allowed = {"file", "match", "columns", "count", "collapse"}
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise StudyError(f"{where}: [[survey.rake]] key {unknown[0]!r} is unknown; use "
                         f"{', '.join(sorted(allowed))}")
    if not isinstance(spec.get("file"), str) or not isinstance(spec.get("match"), dict) \
            or not spec["match"]:
        raise StudyError(f"{where}: [[survey.rake]] needs file = \"margins.csv\" and match = "
                         "{ respondent_column = \"file_column\" }")
    columns = spec.get("columns")
    count = spec.get("count")
    if (columns is None) == (count is None):
        raise StudyError(f"{where}: [[survey.rake]] {spec['file']!r}: give either count = "
                         "\"population column\" or columns = { variable = { category = "
                         "\"column\" } }")
    if columns is not None and (not isinstance(columns, dict) or len(columns) != 1
                                or not isinstance(next(iter(columns.values())), dict)):
        raise StudyError(f"{where}: [[survey.rake]] {spec['file']!r}: columns takes one "
                         "variable: columns = { gender = { man = \"men\", woman = \"women\" } }")
    path = Path(spec["file"])
    path = path if path.is_absolute() else base / path
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise StudyError(f"{where}: [[survey.rake]]: cannot read {str(path)!r} ({exc}); "
                         "give a UTF-8 CSV of population counts") from None
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip() for h in rows[0]] if rows else []
    match = {str(k): str(v) for k, v in spec["match"].items()}
    if columns is not None:
        wide_var, wide = next(iter(columns.items()))
        wide = {str(k): str(v) for k, v in wide.items()}
    else:
        wide_var, wide = None, {"": str(count)}
    for col in [*match.values(), *wide.values()]:
        if col not in header:
            raise StudyError(f"{path}: no column {col!r} (named in {where} [[survey.rake]]); "
                             f"the file has {', '.join(header[:12])}")
    idx = {h: i for i, h in enumerate(header)}
    variables = tuple(match) + ((str(wide_var),) if wide_var else ())
    cells: dict[tuple[str, ...], tuple[float, int]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in row):
            continue
        row = row + [""] * (len(header) - len(row))
        key = tuple(row[idx[c]].strip() for c in match.values())
        for category, col in wide.items():
            raw = row[idx[col]].strip()
            try:
                pop = float(raw)
            except ValueError:
                pop = math.nan
            if not math.isfinite(pop) or pop < 0:
                raise StudyError(f"{path}: row {line}, column {col!r}: population {raw!r} is "
                                 "not a number >= 0; fix the file")
            cell = key + ((category,) if wide_var else ())
            if cell in cells:
                raise StudyError(f"{path}: row {line}: cell {cell!r} of {variables!r} also on "
                                 f"row {cells[cell][1]}; one row per cell")
            cells[cell] = (pop, line)
    if not cells:
        raise StudyError(f"{path}: no population rows (named in {where} [[survey.rake]])")
    collapse = _collapse(spec.get("collapse", {}), variables, cells, where=where,
                         file=spec["file"])
    return Margin(file=str(path), variables=variables, cells=cells, collapse=collapse)


def _collapse(spec: Any, variables: tuple[str, ...], cells: Mapping[tuple[str, ...], Any],
              *, where: str, file: str) -> dict[str, dict[str, str]]:
    """The checked ``collapse`` table of a margin: variable -> {category: margin category}."""
    usage = ("collapse = { gender = { other = \"woman\" } } (respondent category = a "
             "category of the margin)")
    if not isinstance(spec, dict) or not all(isinstance(v, dict) for v in spec.values()):
        raise StudyError(f"{where}: [[survey.rake]] {file!r}: give {usage}")
    out: dict[str, dict[str, str]] = {}
    for variable, mapping in spec.items():
        if variable not in variables:
            raise StudyError(f"{where}: [[survey.rake]] {file!r}: collapse names {variable!r}, "
                             f"which is no variable of the margin; use one of "
                             f"{', '.join(variables)}")
        pos = variables.index(variable)
        have = sorted({cell[pos] for cell in cells})
        for source, target in mapping.items():
            if str(target) not in have:
                raise StudyError(f"{where}: [[survey.rake]] {file!r}: collapse {variable} "
                                 f"{str(source)!r} into {str(target)!r}, which is no category "
                                 f"of the margin; use one of {', '.join(have[:12])}")
        out[str(variable)] = {str(k): str(v) for k, v in mapping.items()}
    return out


def rake_weights(respondents: pd.DataFrame, margins: Sequence[Margin],
                 base: np.ndarray | None = None, *, source: str | None = None) -> np.ndarray:
    """Base weights raked so that every margin's populations are reproduced.

    Parameters
    ----------
    respondents : DataFrame
        One row per respondent with every margin variable as a column.
    margins : sequence of Margin
        The populations (:func:`read_margin`).
    base : ndarray, optional
        Starting weights (the ``[survey] weight`` column); 1 when not given.
    source : str, optional
        The export, named in error messages.

    Returns
    -------
    ndarray
        float64 weights, one per respondent.

    Raises
    ------
    SurveyDataError
        A respondent has no value of a margin variable, or a value that is no cell of the
        margin; a cell with population > 0 has no respondent (or one with population 0
        has some); raking does not converge. One line naming the file and its row.
    """
    n = len(respondents)
    w = np.ones(n) if base is None else np.asarray(base, dtype="float64").copy()
    where = f"{source}: " if source else ""
    codes: list[tuple[np.ndarray, np.ndarray]] = []
    for m in margins:
        missing = [v for v in m.variables if v not in respondents.columns]
        if missing:
            raise SurveyDataError(f"{where}{m.file}: raking variable {missing[0]!r} is not a "
                                  "column of the respondents; match a question or derived "
                                  "variable (or area_id)")
        values = respondents[list(m.variables)].astype("string")
        for variable, mapping in m.collapse.items():
            moved = values[variable].isin(list(mapping)).to_numpy()
            if moved.any():
                values[variable] = values[variable].replace(mapping)
                log.warning("raking to %s: %d respondents of %s %s weighted as %s (collapse)",
                            m.file, int(moved.sum()), variable,
                            "/".join(sorted(mapping)), "/".join(sorted(set(mapping.values()))))
        na = values.isna().any(axis=1).to_numpy()
        if na.any():
            row = int(np.argmax(na))
            col = next(v for v in m.variables if pd.isna(values[v].iloc[row]))
            raise SurveyDataError(f"{where}row {_row(respondents, row)}, column {col!r}: no "
                                  f"value, but weights are raked to {m.file} by {col}; fill "
                                  "it, exclude the respondent ([survey] exclude) or drop the "
                                  "margin")
        keys = list(m.cells)
        index = {k: j for j, k in enumerate(keys)}
        tuples = list(zip(*(values[v].to_numpy(dtype=object) for v in m.variables), strict=True))
        cell = np.array([index.get(t, -1) for t in tuples], dtype=np.int64)
        if (cell < 0).any():
            raise SurveyDataError(_no_cell(respondents, m, tuples, cell < 0, where))
        pop = np.array([m.cells[k][0] for k in keys])
        count = np.bincount(cell, minlength=len(keys))
        bad = ((pop > 0) & (count == 0)) | ((pop == 0) & (count > 0))
        if bad.any():
            j = int(np.argmax(bad))
            what = ("no respondent in the sample" if count[j] == 0
                    else f"{count[j]} respondents but population 0")
            raise SurveyDataError(f"{m.file}: row {m.cells[keys[j]][1]}: cell {keys[j]!r} of "
                                  f"{m.variables!r} has {what}; merge categories or areas, keep "
                                  "only the surveyed areas' rows (the weighted estimates then "
                                  "describe those areas), or drop the margin")
        codes.append((cell, pop))
    if not margins or n == 0:
        return w
    scale = max(float(pop.sum()) for _, pop in codes)
    for rounds in range(1, MAX_ROUNDS + 1):
        for cell, pop in codes:
            got = np.bincount(cell, w, minlength=pop.size)
            w *= np.where(got > 0, pop / np.where(got > 0, got, 1.0), 1.0)[cell]
        gap = max(float(np.abs(np.bincount(cell, w, minlength=pop.size) - pop).max())
                  for cell, pop in codes)
        if gap <= TOLERANCE * scale:
            log.info("raked weights to %s in %d rounds (largest gap %.3g)",
                     ", ".join(m.describe() for m in margins), rounds, gap)
            return w
    totals = {m.file: float(p.sum()) for m, (_, p) in zip(margins, codes, strict=True)}
    raise SurveyDataError(f"{where}raking did not converge in {MAX_ROUNDS} rounds (largest "
                          f"gap {gap:.3g}); the margins' totals disagree ({totals!r}) or their "
                          "cells cannot all be met; make the totals equal or drop a margin")


def _no_cell(respondents: pd.DataFrame, m: Margin, tuples: list[tuple[Any, ...]],
             bad: np.ndarray, where: str) -> str:
    """One line: the category (or cell) of the first respondent without a margin cell,
    how many respondents share it, and what to do."""
    row = int(np.argmax(bad))
    first = tuples[row]
    known = [{cell[i] for cell in m.cells} for i in range(len(m.variables))]
    missing = [i for i, v in enumerate(first) if v not in known[i]]
    if missing:  # a category the margin does not have at all (gender "other")
        i = missing[0]
        var, value = m.variables[i], first[i]
        count = sum(1 for t, b in zip(tuples, bad, strict=True) if b and t[i] == value)
        return (f"{where}row {_row(respondents, row)}, column {var!r}: {count} respondent"
                f"{'s' if count != 1 else ''} of {var} {value!r}, a category {m.file} has no "
                f"population for (it has {', '.join(sorted(known[i])[:8])}); collapse it into "
                f"one of those for the weights ([[survey.rake]] collapse = {{ {var} = {{ "
                f"{value} = \"...\" }} }}), add it to the file, or exclude those "
                "respondents ([survey] exclude)")
    return (f"{where}row {_row(respondents, row)}: {first!r} of {m.variables!r} is no cell "
            f"of {m.file}; add the cell to the file, merge the category or exclude the "
            "respondent")


def _row(respondents: pd.DataFrame, i: int) -> str:
    return str(respondents["_row"].iloc[i]) if "_row" in respondents.columns else str(i + 1)


__all__ = ["MAX_ROUNDS", "TOLERANCE", "Margin", "rake_weights", "read_margin"]
