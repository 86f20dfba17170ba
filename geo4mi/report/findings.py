"""Findings written from the protected estimates and the tested differences.

A finding is a sentence key of :mod:`geo4mi.report.sentences`, its data fields and the
estimate cells its numbers come from (so a test can check that every one is published).
The rule for words of comparison: "highest", "lowest", "higher", "lower" appear only where
the tested difference (:func:`geo4mi.indicators.differences.differences`, with its
multiplicity correction) is significant in that direction; otherwise the sentence says the
data cannot tell.

Everything here reads the *published* estimates (:func:`geo4mi.indicators.suppression.
published`): a hidden cell has no value, so it can never be written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

import pandas as pd

from geo4mi.indicators.estimate import CITY, PROP, proportions
from geo4mi.labels import Labels
from geo4mi.report.sentences import difference_text, estimate_text, pct, say

ALL = ("all", "all")
#: Columns a differences table must have (geo4mi.indicators.differences).
DIFF_COLUMNS = ("indicator", "area_id", "group_var", "group_value", "versus", "p", "p_other",
                "diff", "diff_low", "diff_high", "p_value", "p_adjusted", "significant",
                "direction")

Cell = tuple[str, str, str, str]


@dataclass(frozen=True)
class Finding:
    """One sentence of the report with the cells its numbers come from."""

    key: str
    fields: Mapping[str, object]
    indicator: str
    area_id: str = CITY
    group: tuple[str, str] = ALL
    cells: tuple[Cell, ...] = ()
    significant: bool = False
    extra: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        """The sentence in ``lang``."""
        return say(self.key, lang, **self.fields)

    @property
    def map_hash(self) -> str:
        """The choropleth's URL hash of this finding's view (``#ind/var:value/fixed``)."""
        return map_hash(self.indicator, self.group)


def map_hash(indicator: str, group: tuple[str, str] = ALL, scheme: str = "fixed") -> str:
    """The choropleth view as a URL hash, as ``choropleth.js`` writes and reads it.

    Examples
    --------
    >>> map_hash("discriminated", ("nationality_group", "central america"))
    '#discriminated/nationality_group%3Acentral%20america/fixed'
    """
    def enc(text: str) -> str:  # encodeURIComponent
        return quote(text, safe="-_.!~*'()")

    return f"#{enc(indicator)}/{enc(group[0] + ':' + group[1])}/{enc(scheme)}"


def _float(value: object) -> float | None:
    return None if pd.isna(value) else float(value)  # type: ignore[arg-type]


class Table:
    """The published estimates, looked up by cell; only ``ok`` rows have values.

    :attr:`ok` holds the proportions (every finding is about a share, in percent);
    :attr:`numeric` the means, medians and ratios (``stat`` other than ``"prop"``), whose
    interval bounds may be missing (a median of few answers has no order-statistic
    interval).

    Examples
    --------
    >>> est = pd.DataFrame({"indicator": ["a", "age_median"], "area_id": "_city",
    ...                     "group_var": "all", "group_value": "all", "n": [40, 12],
    ...                     "p": [0.25, 36.0], "ci_low": [0.14, None],
    ...                     "ci_high": [0.4, None], "status": "ok", "stat": ["prop", "median"]})
    >>> t = Table(est)
    >>> t.get("a"), t.get("age_median"), t.numeric_value("age_median")
    ((0.25, 0.14, 0.4, 40), None, (36.0, None, None, 12))
    """

    def __init__(self, estimates: pd.DataFrame) -> None:
        self.frame = estimates
        ok = estimates[estimates["status"] == "ok"]
        prop = proportions(ok)
        self.ok: dict[Cell, tuple[float, float, float, int]] = {
            (str(r.indicator), str(r.area_id), str(r.group_var), str(r.group_value)):
                (float(r.p), float(r.ci_low), float(r.ci_high), int(r.n))
            for r in prop.itertuples(index=False)}
        numeric = (ok[(ok["stat"].astype(str) != PROP).to_numpy()] if "stat" in ok.columns
                   else ok[:0])
        self.numeric: dict[Cell, tuple[float, float | None, float | None, int]] = {
            (str(r.indicator), str(r.area_id), str(r.group_var), str(r.group_value)):
                (float(r.p), _float(r.ci_low), _float(r.ci_high), int(r.n))
            for r in numeric.itertuples(index=False) if pd.notna(r.p)}

    def numeric_value(self, indicator: str, area_id: str = CITY,
                      group: tuple[str, str] = ALL
                      ) -> tuple[float, float | None, float | None, int] | None:
        """A published mean, median or ratio: value, interval bounds (or None), n."""
        return self.numeric.get((indicator, area_id, group[0], group[1]))

    def get(self, indicator: str, area_id: str = CITY, group: tuple[str, str] = ALL
            ) -> tuple[float, float, float, int] | None:
        return self.ok.get((indicator, area_id, group[0], group[1]))

    def text(self, indicator: str, lang: str, area_id: str = CITY,
             group: tuple[str, str] = ALL) -> str | None:
        row = self.get(indicator, area_id, group)
        return None if row is None else estimate_text(*row, lang)

    def areas_ok(self, indicator: str, group: tuple[str, str] = ALL) -> list[str]:
        return [a for (i, a, gv, gval) in self.ok
                if i == indicator and a != CITY and (gv, gval) == group]


def check_differences(diffs: pd.DataFrame) -> pd.DataFrame:
    """Check a differences table has the columns the report reads; return it."""
    missing = [c for c in DIFF_COLUMNS if c not in diffs.columns]
    if missing:
        raise ValueError(f"differences table: missing column {missing[0]!r}; expected "
                         f"{', '.join(DIFF_COLUMNS)}")
    return diffs


def _diff_lookup(diffs: pd.DataFrame) -> dict[Cell, pd.Series]:
    return {(str(r["indicator"]), str(r["area_id"]), str(r["group_var"]),
             str(r["group_value"])): r for _, r in diffs.iterrows()}


class Writer:
    """Writes findings for one study: estimates, differences, labels, areas, language."""

    def __init__(self, estimates: pd.DataFrame, diffs: pd.DataFrame | None, labels: Labels,
                 area_names: Mapping[str, str], lang: str) -> None:
        self.table = Table(estimates)
        self.diffs = None if diffs is None else check_differences(diffs)
        self.lookup = {} if diffs is None else _diff_lookup(diffs)
        self.labels, self.names, self.lang = labels, dict(area_names), lang

    def label(self, indicator: str) -> str:
        return self.labels.indicator_label(indicator, self.lang)

    def _rest(self, d: pd.Series) -> str:
        return say("rest_value", self.lang, value=pct(d["p_other"], self.lang))

    def _difference(self, d: pd.Series) -> str:
        return difference_text(d["diff"], d["diff_low"], d["diff_high"], self.lang)

    def city(self, indicator: str) -> Finding | None:
        """The city-wide value of ``indicator`` (None when it is not published)."""
        text = self.table.text(indicator, self.lang)
        if text is None:
            return None
        universe = self.labels.text(self.labels.indicators[indicator].universe, self.lang)
        return Finding("find_city", {"label": self.label(indicator), "estimate": text,
                                     "universe": universe[:1].lower() + universe[1:]},
                       indicator, cells=((indicator, CITY, *ALL),))

    def extremes(self, indicator: str) -> list[Finding]:
        """Highest and lowest area of ``indicator``: stated as such only when tested.

        With fewer than 3 areas published, one sentence says so. A tie at the top (or
        bottom) is never "the highest": that side gets no sentence.
        """
        areas = self.table.areas_ok(indicator)
        k = len(areas)
        label = self.label(indicator)
        if k < 3:
            if k == 0:
                return []
            return [Finding("find_too_few_areas", {"label": label, "k": k}, indicator)]
        values = {a: self.table.ok[(indicator, a, ALL[0], ALL[1])] for a in areas}  # all there
        out = []
        for side, pick in (("max", max), ("min", min)):
            best = pick(values[a][0] for a in areas)
            winners = sorted(a for a in areas if values[a][0] == best)
            if len(winners) > 1:  # a tie (all at 0 %, say): no area is "the highest"
                continue
            area = winners[0]
            d = self.lookup.get((indicator, area, *ALL))
            tested = (d is not None and len(winners) == 1 and bool(d["significant"])
                      and str(d["direction"]) == ("higher" if side == "max" else "lower"))
            fields: dict[str, object] = {
                "label": label, "area": self.names.get(area, area),
                "estimate": estimate_text(*values[area], self.lang),
                "areas_enough": say("n_areas_enough", self.lang, k=k)}
            cells: tuple[Cell, ...] = ((indicator, area, *ALL),)
            if tested:
                key = "find_highest" if side == "max" else "find_lowest"
                fields["difference"] = self._difference(d)
            else:
                key = "find_max_untested" if side == "max" else "find_min_untested"
                fields["rest"] = (self._rest(d) if d is not None and pd.notna(d["p_other"])
                                  else say("cell_not_shown", self.lang))
            out.append(Finding(key, fields, indicator, area_id=area, cells=cells,
                               significant=tested, extra={"side": side, "k": k}))
        return out

    def significant(self) -> pd.DataFrame:
        """The significant rows of the differences table whose cells are published."""
        if self.diffs is None or not len(self.diffs):
            return pd.DataFrame(columns=list(DIFF_COLUMNS))
        d = self.diffs[self.diffs["significant"].fillna(False).astype(bool)]
        area_rest = ((d["area_id"] != CITY) & (d["group_var"] == "all")
                     & (d["versus"] == "rest"))
        group_city = ((d["area_id"] == CITY) & (d["group_var"] != "all")
                      & (d["versus"] == "others"))
        d = d[area_rest | group_city]
        keep = [self.table.get(str(r["indicator"]), str(r["area_id"]),
                               (str(r["group_var"]), str(r["group_value"]))) is not None
                for _, r in d.iterrows()]
        d = d[keep] if len(d) else d
        return d.sort_values(["p_adjusted", "indicator", "area_id", "group_var",
                              "group_value"], kind="stable")

    def difference(self, row: pd.Series) -> Finding:
        """The sentence of one significant difference (an area or a group)."""
        indicator, area = str(row["indicator"]), str(row["area_id"])
        group = (str(row["group_var"]), str(row["group_value"]))
        higher = str(row["direction"]) == "higher"
        fields: dict[str, object] = {
            "label": self.label(indicator),
            "estimate": self.table.text(indicator, self.lang, area, group),
            "rest": self._rest(row), "difference": self._difference(row)}
        if group == ALL:
            key = "find_area_higher" if higher else "find_area_lower"
            fields["area"] = self.names.get(area, area)
        else:
            key = "find_group_higher" if higher else "find_group_lower"
            fields["group"] = self.labels.group_value_label(*group, self.lang)
            fields["group_var"] = self.labels.group_var_label(group[0], self.lang)
        return Finding(key, fields, indicator, area_id=area, group=group,
                       cells=((indicator, area, *group),), significant=True)


def headline_indicators(writer: Writer, indicators: Sequence[str], chosen: Sequence[str],
                        *, per_theme: int = 3) -> list[str]:
    """Headline indicators of one theme: the study's chosen figures first, then those with
    a significant area difference, then the first indicators with a direction; at most
    ``per_theme``, each with a published city-wide value."""
    published = [i for i in indicators if writer.table.get(i) is not None]
    sig = set(writer.significant()["indicator"].astype(str)) if writer.diffs is not None \
        else set()
    order = ([i for i in published if i in chosen]
             + [i for i in published if i in sig and i not in chosen]
             + [i for i in published if writer.labels.indicators[i].direction != "neutral"]
             + published)
    return list(dict.fromkeys(order))[:per_theme]


__all__ = ["Finding", "Table", "Writer", "check_differences", "headline_indicators",
           "map_hash"]
