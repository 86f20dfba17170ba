"""Survey design: weights, clusters and strata, and the design-based interval of a proportion.

Without design keys every estimate assumes a simple random sample: unweighted proportions
with 95 % Wilson intervals on the respondent count ``n`` (what geo4mi always did, unchanged).
With ``[survey] weight``, ``cluster`` and/or ``strata`` in the study file:

* the proportion is the weighted ratio ``p = sum(w y) / sum(w)`` over the cell's respondents;
* its variance is the Taylor-linearised (first-order) variance of that ratio under a
  with-replacement draw of primary sampling units (PSUs = clusters; every respondent is its
  own PSU when no cluster is given) within strata::

      z_j = sum over the cell's respondents i of PSU j of  w_i (y_i - p) / sum(w)
      V   = sum_h  sum_j (z_hj - mean_h z)^2 / (1 - h_hj)

  where the mean runs over *all* PSUs of stratum ``h`` in the sample (PSUs without
  respondents in the cell have ``z = 0``: the standard domain estimator, as in R's
  ``survey`` package or Stata's ``svy: proportion``) and ``h_hj`` is PSU ``j``'s share of
  the cell's weight in its stratum. With PSUs of equal size ``1 / (1 - h)`` is the usual
  ``n_h / (n_h - 1)``; with unequal ones it is the bias-reduced linearisation of Bell and
  McCaffrey (2002, "CR2"), which the coverage benchmark showed to be needed with a few
  large enumerator workloads (the usual factor covered 87.5 % instead of 95 % at ICC 0.1).
  A stratum with a single PSU contributes its deviation from the overall mean of ``z``
  (which is 0): R's ``options(survey.lonely.psu = "adjust")``, conservative; such strata
  are logged;
* the design effect is ``deff = V / (p (1 - p) / n)`` (``n`` = respondents in the cell);
* the interval is Wilson's on the effective sample size
  ``n_eff = n / deff * (z / t_df)^2``, where ``df`` sums, over the strata, the effective
  number of the cell's PSUs minus one, ``(sum_j B_j)^2 / sum_j B_j^2 - 1`` with ``B_j``
  the cell's weight in PSU ``j`` (PSUs minus strata when the PSUs weigh the same; one
  enumerator doing 86 of a borough's 96 interviews counts as little more than one), at
  least 1. This is the Korn–Graubard (1998) construction with Wilson's interval in place
  of Clopper–Pearson's, so that without a design it is exactly today's interval; it stays
  inside [0, 1]. An estimated design effect below 1 is *not* truncated (as R's
  ``svyciprop(method = "beta")``; Dean and Pagano 2015 make truncation an option): with it
  the coverage benchmark over-covered (97.5-98 % at ICC 0), without it 95-96 %;
* a cell with too few clusters of its own (a borough whose interviews are mostly one
  enumerator's) still carries the enumerator's effect in full, but its own variance cannot
  see it. Its design effect is modelled, Kish's ``1 + (m - 1) rho`` with the cell's
  effective cluster size ``m = n sum_j B_j^2 / (sum_j B_j)^2`` and the intra-class
  correlation ``rho = theta / (M - 1)`` implied by the indicator's whole-sample design
  effect ``deff_all = 1 + theta`` and cluster size ``M``, its excess ``theta`` shrunk
  toward 0 by its own noise: ``theta * max(0, 1 - v / theta^2)`` with ``v = 2 / df_all``
  (0 for ``theta <= 0``), the empirical-Bayes posterior mean of Efron and Morris (1973)
  under a normal prior centred on "no cluster effect", ``v`` the scatter of a design
  effect estimated on ``df_all`` degrees of freedom where the true one is 1
  (:func:`cluster_icc`). Truncating ``rho`` at 0 alone, as before, is biased upward where
  the true ICC is 0: about 40 % of the whole-sample estimates are positive and none
  negative, so one-enumerator boroughs got a design effect of 1.09-1.12 on average and
  their intervals covered 97.4 % at ``p = 0.1`` (Wilson: 96.3 %); the shrinkage brings
  that mean to 1.035-1.05 (96.9 %) and leaves a clear effect nearly whole
  (``deff_all = 6`` on 4.5 df loses 2 % of its excess). ``rho`` stays >= 0: a modelled
  interval is never narrower than Wilson's on ``n``. Of the modelled variance
  ``p (1 - p) / n (1 + c)``, ``c = (m - 1) rho``, the binomial part is known (infinite
  df) and only the cluster part ``c`` rests on ``rho``, estimated on the whole sample's
  ``df_all``. The interval is Wilson's on ``n_eff = n / (1 + c) * (z / t_df)^2`` with
  Welch-Satterthwaite's df for that sum, ``df = df_all (1 + c)^2 / c^2``: ``df_all``
  where the cluster part dominates, unbounded as ``c`` goes to 0, where nothing estimated
  is left to widen. (Widening the cluster part by ``(t_df_all / z)^2`` whatever its
  share, as before, over-widened where ``rho`` is near 0: ``rho`` is truncated at 0, so
  at a true 0 its noise only ever widens, and at ``p = 0.1`` the binomial's few possible
  counts turn a little widening into a covered count more: the one-enumerator boroughs
  covered 98 %, all boroughs 97.5 %. An earlier Satterthwaite df that counted the
  binomial part as estimated on ``df_all`` too covered 99-100 %.) A cell uses this modelled
  variance where its own cannot be estimated (``p`` is 0 or 1, a variance of 0, fewer
  than two effective PSUs) or where its own df are under half the whole sample's (its
  effective PSUs far fewer than the sample's); a domain cutting across the clusters (a
  gender, a nationality) keeps its own variance, which covered 94.3-96.8 % in the
  benchmark where the model, on the whole sample's noisy ``rho``, covered 92.8-97.5 %.
  The ``deff`` column keeps the cell's own estimate (empty where there is none) and
  ``n_eff`` says what the interval used. Assumptions: one intra-class correlation per
  indicator across the city, and weights roughly constant within a cluster for such
  cells. Designs without a cluster key always use their own variance where it exists.

The linearisation is geo4mi's own (a few array operations over the estimate grid, vectorised
like the counts) rather than a survey library's, so that it runs over every indicator ×
area × group cell at once; the tests compare it with statsmodels' cluster-robust variance
and with a direct, loop-by-loop computation of the formula above.

Examples
--------
>>> design = Design(cluster="enumerator")
>>> design.active, design.describe()
(True, 'cluster=enumerator')
>>> interval_note(Design(), "en")
'95 % Wilson confidence intervals that assume a simple random sample (unweighted).'
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from geo4mi.errors import SurveyDataError
from geo4mi.i18n import t

log = logging.getLogger(__name__)

#: ``ci_method`` of estimates that assume a simple random sample.
SRS_METHOD = "wilson"
#: ``ci_method`` of design-based estimates (Wilson on the effective sample size).
DESIGN_METHOD = "wilson_neff"


@dataclass(frozen=True)
class Design:
    """Which respondent columns carry the survey design (all optional).

    Parameters
    ----------
    weight : str or None
        Column of positive sampling weights.
    cluster : str or None
        Column of primary sampling units (e.g. enumerator, site, interview day).
    strata : str or None
        Column of strata; clusters are nested in strata (the same cluster name in two
        strata is two clusters).
    source : str or None
        The export file, named in error messages.
    rake : tuple of Margin
        Population margins the weights are raked to (:mod:`geo4mi.indicators.rake`).
    raked : str or None
        What the weights were raked on (``"area_id*gender"``); set from ``rake`` when not
        given (a table's ``design`` column gives it without the margins).
    """

    weight: str | None = None
    cluster: str | None = None
    strata: str | None = None
    source: str | None = None
    rake: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    raked: str | None = None

    def __post_init__(self) -> None:
        if self.rake and self.raked is None:
            object.__setattr__(self, "raked", ",".join(m.describe() for m in self.rake))

    @property
    def active(self) -> bool:
        """True when any design key is set (otherwise: simple random sample)."""
        return any((self.weight, self.cluster, self.strata, self.raked))

    @property
    def weighted(self) -> bool:
        """True when respondents have unequal weights (a weight column or raking)."""
        return bool(self.weight or self.raked)

    def describe(self) -> str:
        """Compact text for the ``design`` column: ``"srs"`` or ``"weight=w; cluster=c"``.

        Examples
        --------
        >>> Design(weight="w", strata="region", cluster="site").describe()
        'weight=w; strata=region; cluster=site'
        >>> Design().describe()
        'srs'
        >>> Design(raked="area_id*gender").describe()
        'raked=area_id*gender'
        """
        parts = [f"{k}={v}" for k, v in (("weight", self.weight), ("raked", self.raked),
                                           ("strata", self.strata),
                                           ("cluster", self.cluster)) if v]
        return "; ".join(parts) if parts else "srs"


def design_of_estimates(estimates: pd.DataFrame) -> Design:
    """The :class:`Design` an estimates table says its intervals assume (its ``design``
    column; a table without it is from simple random sampling).

    Renderers call this so that captions describe the numbers they draw, read from the
    table and nothing else.

    Examples
    --------
    >>> import pandas as pd
    >>> design_of_estimates(pd.DataFrame({"design": ["weight=w; cluster=site"]})).describe()
    'weight=w; cluster=site'
    >>> design_of_estimates(pd.DataFrame({"p": [0.5]})).active
    False
    """
    if "design" not in estimates.columns or not len(estimates):
        return Design()
    values = sorted({str(v) for v in estimates["design"].dropna().unique()})
    if len(values) != 1:
        raise SurveyDataError(f"estimates: the design column holds {values!r}; one table "
                             "holds the estimates of one design")
    if values[0] == "srs":
        return Design()
    keys = dict(part.strip().split("=", 1) for part in values[0].split(";"))
    unknown = sorted(set(keys) - {"weight", "raked", "strata", "cluster"})
    if unknown:
        raise SurveyDataError(f"estimates: unknown design key {unknown[0]!r} in the design "
                             "column; use weight, raked, strata and cluster")
    return Design(weight=keys.get("weight"), strata=keys.get("strata"),
                  cluster=keys.get("cluster"), raked=keys.get("raked"))


def design_from_study(study: Any) -> Design:
    """The :class:`Design` of a loaded study (its ``[survey]`` weight, cluster, strata and
    raking margins)."""
    s = study.survey
    return Design(weight=getattr(s, "weight", None), cluster=getattr(s, "cluster", None),
                  strata=getattr(s, "strata", None), source=str(s.export),
                  rake=tuple(getattr(s, "rake", ()) or ()))


def design_labels(form: Any, design: Design) -> dict[str, dict[str, str]]:
    """The form's labels of the design columns, ``{column: {lang: label}}``.

    Columns that are not questions of the form (or have no label) are left out: notes
    then name the column itself.

    Examples
    --------
    >>> from geo4mi.study import bundled_study_path
    >>> from geo4mi.survey.xlsform import read_form
    >>> form = read_form(bundled_study_path().parent / "questionnaire.xlsx")
    >>> design_labels(form, Design(cluster="enumerator", weight="not_in_form"))
    {'enumerator': {'es': 'Código de la persona encuestadora', 'en': 'Enumerator code'}}
    """
    out: dict[str, dict[str, str]] = {}
    for column in (design.weight, design.strata, design.cluster):
        if not column or form is None or not form.has_question(column):
            continue
        texts = {lang: form.label(column, lang) for lang in form.languages}
        texts = {lang: text for lang, text in texts.items() if text and text != column}
        if texts:
            out[column] = texts
    return out


def interval_note(design: Design | Any, lang: str, *,
                  names: dict[str, dict[str, str]] | None = None) -> str:
    """One sentence saying which design the 95 % intervals assume, in ``lang``.

    For captions, footers and table notes. ``design`` is a :class:`Design` or a loaded
    study (its ``[survey]`` design keys are used). ``names`` gives the design columns'
    labels (:func:`design_labels`, ``Labels.columns``): the note names the question's
    label in ``lang`` (or another language), and the column where there is none.

    Examples
    --------
    >>> interval_note(Design(cluster="enumerator"), "es")  # doctest: +NORMALIZE_WHITESPACE
    'Intervalos de confianza del 95 % según el diseño de la encuesta (conglomerados:
    enumerator): varianza por linealización de Taylor e intervalo de Wilson sobre el tamaño
    efectivo de muestra.'
    >>> interval_note(Design(weight="w"), "en")  # doctest: +NORMALIZE_WHITESPACE
    '95 % confidence intervals that follow the survey design (weights: w): Taylor-linearised
    variance and Wilson interval on the effective sample size.'
    >>> interval_note(Design(cluster="enumerator"), "en",
    ...               names={"enumerator": {"es": "Encuestador"}})  # doctest: +ELLIPSIS
    '95 % confidence intervals that follow the survey design (clusters: Encuestador): ...'
    """
    if not isinstance(design, Design):
        design = design_from_study(design)
    if not design.active:
        return t("interval_srs", lang)

    def name(column: str) -> str:
        texts = (names or {}).get(column) or {}
        return texts.get(lang) or next(iter(texts.values()), "") or column

    parts = [t(f"design_{key}", lang, column=name(value))
             for key, value in (("weight", design.weight), ("raked", design.raked),
                                ("strata", design.strata),
                                ("cluster", design.cluster)) if value]
    return t("interval_design", lang, parts="; ".join(parts))


# -- validated design arrays ------------------------------------------------------------

def _rows(respondents: pd.DataFrame, bad: np.ndarray) -> str:
    rows = (respondents["_row"].to_numpy()[bad] if "_row" in respondents.columns
            else np.flatnonzero(bad) + 1)
    shown = ", ".join(str(r) for r in rows[:5])
    return f"row {shown}" + (f" and {bad.sum() - 5} more" if bad.sum() > 5 else "")


def _where(design: Design) -> str:
    return f"{design.source}: " if design.source else ""


def design_arrays(respondents: pd.DataFrame,
                  design: Design) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights, PSU codes and stratum codes of every respondent, checked.

    Returns
    -------
    (weights, psu, stratum)
        float64 weights (1 without a weight column; raked to the design's margins when it
        has some); int64 PSU codes ``0..P-1``, unique
        across strata (each respondent its own PSU without a cluster column); int64 stratum
        codes ``0..H-1`` (all 0 without strata), the stratum of each PSU being
        ``stratum[psu == j]``.

    Raises
    ------
    SurveyDataError
        A design column is missing, or a weight is missing, not a number, not finite or
        not positive, or a cluster or stratum is missing; the message names the file, the
        rows and the column.

    Examples
    --------
    >>> df = pd.DataFrame({"w": [1.0, 2.0, 1.0], "e": ["a", "b", "a"]})
    >>> w, psu, h = design_arrays(df, Design(weight="w", cluster="e"))
    >>> w.tolist(), psu.tolist(), h.tolist()
    ([1.0, 2.0, 1.0], [0, 1, 0], [0, 0, 0])
    >>> design_arrays(df.assign(w=[1, -1, 1]), Design(weight="w"))
    Traceback (most recent call last):
    ...
    geo4mi.errors.SurveyDataError: row 2, column 'w': weight -1 is not a positive number; ...
    """
    n = len(respondents)
    where = _where(design)
    for key, column in (("weight", design.weight), ("cluster", design.cluster),
                        ("strata", design.strata)):
        if column and column not in respondents.columns:
            raise SurveyDataError(f"{where}[survey] {key} = {column!r} is not a column of the "
                                  "export; name the column (question) that holds the "
                                  f"{key}, or remove the key")
    if design.weight:
        raw = respondents[design.weight]
        values = pd.to_numeric(raw.astype("object"), errors="coerce").astype("float64")
        w = values.to_numpy(dtype="float64", na_value=np.nan)
        bad = ~np.isfinite(w) | (w <= 0)
        if bad.any():
            first = int(np.argmax(bad))
            shown = raw.iloc[first]
            shown = shown.item() if isinstance(shown, np.generic) else shown
            what = "is missing" if pd.isna(shown) else f"{shown!r} is not a positive number"
            raise SurveyDataError(f"{where}{_rows(respondents, bad)}, column "
                                  f"{design.weight!r}: weight {what}; every respondent needs "
                                  "a weight > 0 (fix the export, or drop the weight key)")
    else:
        w = np.ones(n)
    if design.rake:
        from geo4mi.indicators.rake import rake_weights

        w = rake_weights(respondents, design.rake, w, source=design.source)

    def codes(column: str | None, key: str) -> np.ndarray:
        if not column:
            return np.zeros(n, dtype=np.int64)
        series = respondents[column]
        missing = series.isna().to_numpy()
        if missing.any():
            raise SurveyDataError(f"{where}{_rows(respondents, missing)}, column {column!r}: "
                                  f"the {key} is missing; every respondent needs one (fill "
                                  "it in the export)")
        return pd.factorize(series.astype(str), sort=True)[0].astype(np.int64)

    stratum = codes(design.strata, "strata")
    if design.cluster:
        cluster = codes(design.cluster, "cluster")
        psu = pd.factorize(stratum * (int(cluster.max(initial=0)) + 1) + cluster,
                           sort=True)[0].astype(np.int64)
    else:
        psu = np.arange(n, dtype=np.int64)
    return w, psu, stratum


# -- the linearised variance over the estimate grid -------------------------------------

def _unique_inverse(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, return_inverse=True)`` of keys in ``0..size-1``: by counting (no
    sort) when ``size`` is not much larger than the keys (areas × values × clusters).

    >>> [a.tolist() for a in _unique_inverse(np.array([5, 2, 5, 0]), 8)]
    [[0, 2, 5], [2, 1, 2, 0]]
    """
    if size > 4 * key.size + 4096:  # sparse (e.g. every respondent its own PSU): sort
        uniq, inverse = np.unique(key, return_inverse=True)
        return uniq, inverse.reshape(-1)
    present = np.bincount(key, minlength=size) > 0
    return np.flatnonzero(present).astype(key.dtype, copy=False), \
        (np.cumsum(present) - 1)[key]


class Level:
    """Respondents × PSU pairs of one margin of the grid (cells × PSUs, sparse).

    ``cell`` gives each respondent's cell (``0..n_cells-1``). Pairs are the (cell, PSU)
    combinations that occur; per indicator, sums over a pair are one bincount.
    """

    def __init__(self, cell: np.ndarray, n_cells: int, psu: np.ndarray, psu_stratum: np.ndarray,
                 n_psu: int) -> None:
        self._pairs(cell * n_psu + psu, n_cells, psu_stratum, n_psu)

    def _pairs(self, key: np.ndarray, n_cells: int, psu_stratum: np.ndarray,
               n_psu: int) -> None:
        """Set the (cell, PSU) pairs from their keys ``cell * n_psu + psu``."""
        uniq, self.inverse = _unique_inverse(key, n_cells * n_psu)
        self._inverse3: np.ndarray | None = None  # inverse * 3, made by counts()
        self.n_pairs = uniq.size
        self.pair_cell = uniq // n_psu
        self.pair_psu = uniq % n_psu
        self.n_cells = n_cells
        self._strata(psu_stratum)

    @classmethod
    def from_pairs(cls, parent: Level, pair_cell: np.ndarray, n_cells: int,
                   psu_stratum: np.ndarray, n_psu: int) -> Level:
        """A coarser margin of ``parent``: its pairs mapped to ``pair_cell`` cells."""
        self = cls.__new__(cls)
        self._pairs(pair_cell * n_psu + parent.pair_psu, n_cells, psu_stratum, n_psu)
        return self

    def _strata(self, psu_stratum: np.ndarray) -> None:
        n_strata = int(psu_stratum.max(initial=0)) + 1
        cs = self.pair_cell * n_strata + psu_stratum[self.pair_psu]
        uniq, self.pair_cs = _unique_inverse(cs, self.n_cells * n_strata)
        self.cs_cell = uniq // n_strata
        self.cs_stratum = uniq % n_strata

    def sums(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-pair sums of the respondent values ``a`` and ``b``."""
        return (np.bincount(self.inverse, a, minlength=self.n_pairs),
                np.bincount(self.inverse, b, minlength=self.n_pairs))

    def counts(self, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`sums` of 0/1 values ``a <= b`` given as ``state = a + b`` per respondent:
        one bincount of integers instead of two of floats (the same float64 sums)."""
        if self._inverse3 is None:
            self._inverse3 = self.inverse * 3
        per = np.bincount(self._inverse3 + state, minlength=3 * self.n_pairs).reshape(-1, 3)
        return per[:, 2].astype(np.float64), (per[:, 1] + per[:, 2]).astype(np.float64)

    def concentration(self, b: np.ndarray) -> np.ndarray:
        """Per cell, ``sum_j B_j**2 / (sum_j B_j)**2`` of its per-PSU weights ``b``
        (``1 / number of PSUs`` when they weigh the same; NaN for an empty cell)."""
        total = np.bincount(self.pair_cell, b, minlength=self.n_cells)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.bincount(self.pair_cell, b * b, minlength=self.n_cells) / (total * total)

    def variance(self, a: np.ndarray, b: np.ndarray, psu_in_stratum: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Weighted numerator, denominator, variance of the ratio and df, per cell.

        ``a`` and ``b`` are per-pair sums of ``w * numerator`` and ``w * denominator``.
        """
        y = np.bincount(self.pair_cell, a, minlength=self.n_cells)
        w = np.bincount(self.pair_cell, b, minlength=self.n_cells)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(w > 0, y / w, 0.0)
        r = a - p[self.pair_cell] * b
        n_cs = self.cs_cell.size
        s1 = np.bincount(self.pair_cs, r, minlength=n_cs)
        sb = np.bincount(self.pair_cs, b, minlength=n_cs)
        nh = psu_in_stratum[self.cs_stratum].astype("float64")
        mean = s1 / nh  # mean z of the stratum's PSUs (those without the cell's: 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            h = np.where(sb[self.pair_cs] > 0, b / sb[self.pair_cs], 0.0)  # PSU's share
            dev = r - mean[self.pair_cs]
            # bias-reduced: 1 / (1 - h); a PSU holding all the cell's weight adds nothing
            contrib = np.where(h < 1, dev * dev / (1.0 - h), 0.0)
        absent = nh - np.bincount(self.pair_cs, minlength=n_cs)  # PSUs with z = 0
        centred = np.bincount(self.pair_cs, contrib, minlength=n_cs) + absent * mean * mean
        lonely = np.bincount(self.pair_cs, r * r, minlength=n_cs)  # deviation from 0
        term = np.where(nh > 1, centred, lonely)
        total = np.bincount(self.cs_cell, term, minlength=self.n_cells)
        with np.errstate(divide="ignore", invalid="ignore"):
            var = np.where(w > 0, total / (w * w), np.nan)
        # degrees of freedom: per stratum, the effective number of the cell's PSUs
        # (sum B)^2 / sum B^2 (= the number of PSUs when they weigh the same), minus 1
        sbb = np.bincount(self.pair_cs, b * b, minlength=n_cs)
        with np.errstate(divide="ignore", invalid="ignore"):
            g_eff = np.where(sbb > 0, sb * sb / sbb - 1.0, 0.0)
        df = np.bincount(self.cs_cell, g_eff, minlength=self.n_cells)
        return y, w, var, df


def cluster_icc(deff: np.ndarray, size: np.ndarray,
                df: np.ndarray | None = None) -> np.ndarray:
    """Intra-class correlation implied by a design effect and an effective cluster size.

    Kish's design effect of a cluster sample, ``deff = 1 + (m - 1) rho``, solved for
    ``rho`` and truncated at 0 (an enumerator or site does not make answers *less* alike
    than chance; a negative estimate is noise). 0 where ``deff`` is NaN or ``m <= 1``.

    With ``df`` (the degrees of freedom ``deff`` was estimated on), its excess
    ``theta = deff - 1`` is first shrunk toward 0 by the empirical-Bayes rule of Efron and
    Morris (1973, "Stein's estimation rule and its competitors -- an empirical Bayes
    approach", JASA 68): under a prior ``theta ~ N(0, tau^2)`` and an estimate whose
    sampling variance where there is no cluster effect is ``v = 2 / df`` (a variance
    estimated on ``df`` degrees of freedom scatters as ``chi^2_df / df``), the posterior
    mean with the moment estimate ``tau^2 = max(0, theta^2 - v)`` is
    ``theta * max(0, 1 - v / theta^2)`` (the positive-part James-Stein form). Truncation
    alone is biased upward where the true ICC is 0 (half the estimates are positive, none
    negative); the shrinkage removes most of that bias and leaves a clear cluster effect
    almost as estimated (``deff = 6`` on 4.5 df loses 2 % of its excess).

    Examples
    --------
    >>> cluster_icc(np.array([5.0, 0.4, np.nan]), np.array([41.0, 30.0, 10.0])).tolist()
    [0.1, 0.0, 0.0]

    Shrunk, on 4 df (``v = 0.5``): an excess of 0.5 is noise (0), one of 4 loses
    ``0.5 / 4``.

    >>> cluster_icc(np.array([1.5, 5.0]), np.array([41.0, 41.0]), df=np.array([4.0, 4.0])
    ...             ).round(6).tolist()
    [0.0, 0.096875]
    """
    theta = np.asarray(deff, dtype="float64") - 1.0
    if df is not None:
        v = 2.0 / np.maximum(np.nan_to_num(np.asarray(df, dtype="float64"), nan=1.0), 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            theta = np.where(theta > 0, theta * np.maximum(0.0, 1.0 - v / (theta * theta)),
                             theta)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(size > 1, theta / (size - 1.0), 0.0)
    return np.maximum(np.nan_to_num(rho, nan=0.0), 0.0)


def design_interval(p: np.ndarray, n: np.ndarray, var: np.ndarray, df: np.ndarray,
                    size: np.ndarray, city_deff: np.ndarray, city_df: np.ndarray,
                    city_size: np.ndarray, *, z: float, clustered: bool = True
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Design effect, effective sample size and Wilson interval on it (vectorised).

    Each cell uses one of two variances:

    * its own linearised variance ``var``, with ``df`` degrees of freedom (the effective
      number of its PSUs minus one per stratum);
    * the modelled one, Kish's ``deff = 1 + (m - 1) rho`` with the cell's own effective
      cluster size ``m`` (``size``) and the intra-class correlation ``rho`` implied by the
      indicator's whole-sample design effect, shrunk toward 0 by its noise on
      ``city_df`` (:func:`cluster_icc`, empirical Bayes); it is never below 1, so the
      modelled interval is never narrower than Wilson's on ``n``; its binomial part
      ``p (1 - p) / n`` is known, its cluster part ``c p (1 - p) / n``, ``c = (m - 1)
      rho``, rests on ``rho``, estimated on the whole sample's ``city_df``; the t quantile
      uses Welch-Satterthwaite's df of the sum, ``city_df * (1 + c)**2 / c**2``.

    The own variance is used where it can be estimated (``p`` not 0 or 1, ``var > 0``,
    ``df >= 1``) and the cell spans PSUs like the whole sample (``df >= city_df / 2``: a
    domain cutting across the clusters); otherwise the modelled one (a borough whose
    interviews are mostly one enumerator's: one PSU, yet the enumerator's effect is fully
    there). For the whole sample both are the same.

    Parameters
    ----------
    p, n, var, df : ndarray
        Weighted proportion, respondents, linearised variance and degrees of freedom per
        cell (``n > 0``).
    size : ndarray
        The cell's effective cluster size ``m = n * sum_j B_j**2 / (sum_j B_j)**2``
        (``B_j`` the cell's weight in PSU ``j``; without weights ``sum_j n_j**2 / n``).
    city_deff, city_df, city_size : ndarray
        The indicator's whole-sample design effect (NaN where it cannot be estimated),
        degrees of freedom and effective cluster size, per cell.
    z : float
        Normal quantile of the interval.
    clustered : bool
        False for a design without a cluster key: there is no cluster effect to model,
        the own variance is used wherever it can be estimated.

    Returns
    -------
    (deff, n_eff, low, high)
        ``deff`` is the cell's own design effect, NaN where it cannot be estimated;
        ``n_eff = n / d * (z / t_df)**2`` is the sample size the Wilson interval uses,
        ``d`` and ``df`` the own or the modelled ones. ``n_eff`` may exceed ``n`` (an
        estimated design effect below 1 is not truncated).

    Examples
    --------
    A design effect of 4 and many PSUs: the interval is Wilson's on a quarter of ``n``.

    >>> m = np.array([101.0])  # the whole sample: the modelled deff is its own
    >>> deff, n_eff, low, high = design_interval(np.array([0.3]), np.array([400]),
    ...     np.array([4 * 0.3 * 0.7 / 400]), np.array([10**6]), m,
    ...     np.array([4.0]), np.array([10**6]), m, z=1.96)
    >>> round(float(deff[0]), 6), round(float(n_eff[0]), 1)
    (4.0, 100.0)

    A cell of 50 interviews by a single enumerator, where the whole sample (clusters of
    41 on average, 9 df) has a design effect of 5: its own variance cannot be estimated.
    The excess 4 shrinks to ``4 * (1 - (2 / 9) / 16) = 3.944`` (:func:`cluster_icc`),
    ``rho = 3.944 / 40 = 0.0986``; the modelled design effect is
    ``1 + 49 * 0.0986 = 5.83`` on ``9 * (5.83 / 4.83)**2 = 13.1`` df:
    ``n_eff = 50 / 5.83 * (1.96 / 2.159)**2``.

    >>> deff, n_eff, low, high = design_interval(np.array([0.3]), np.array([50]),
    ...     np.array([0.0]), np.array([0.0]), np.array([50.0]), np.array([5.0]),
    ...     np.array([9.0]), np.array([41.0]), z=1.96)
    >>> bool(np.isnan(deff[0])), round(float(50 / n_eff[0]), 2)
    (True, 7.07)
    """
    from scipy.stats import t as student

    from geo4mi.indicators.estimate import wilson_interval

    n = n.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        srs = p * (1.0 - p) / n
        own = (srs > 0) & (var > 0) & (df >= 1)
        deff = np.where(own, var / srs, np.nan)
    base_df = np.maximum(np.nan_to_num(city_df, nan=1.0), 1.0)
    rho = cluster_icc(city_deff, city_size, df=base_df)  # shrunk toward 0 (empirical Bayes)
    size = np.maximum(np.nan_to_num(size, nan=1.0), 1.0)
    # the own variance wherever the cell spans enough PSUs: a domain that cuts across the
    # clusters (a gender, a nationality) keeps it; the model only for cells whose own
    # effective PSUs are far fewer than the whole sample's (under half its df)
    spans = df >= base_df / 2.0
    use_own = own & spans if clustered else own
    with np.errstate(divide="ignore", invalid="ignore"):
        own_n_eff = n / deff * (z / student.ppf(_normal_cdf(z), np.minimum(df, 1e9))) ** 2
    # the modelled variance p (1 - p) / n * (1 + c), c = (m - 1) rho: its binomial part
    # is known (infinite df), its cluster part c rests on rho, estimated on the whole
    # sample's df. Welch-Satterthwaite df of the sum: df_all (1 + c)^2 / c^2 (infinite
    # when c = 0: nothing estimated, nothing to widen; df_all when c dominates)
    clu = (size - 1.0) * rho
    with np.errstate(divide="ignore", invalid="ignore"):
        model_df = np.where(clu > 0, base_df * ((1.0 + clu) / clu) ** 2, np.inf)
    model_t = student.ppf(_normal_cdf(z), np.minimum(model_df, 1e9))
    model_n_eff = n / (1.0 + clu) * (z / model_t) ** 2
    n_eff = np.where(use_own, own_n_eff, model_n_eff)
    k = np.clip(p, 0.0, 1.0) * n_eff
    low, high = wilson_interval(np.minimum(k, n_eff), n_eff, z=z)
    return deff, n_eff, low, high


def _normal_cdf(z: float) -> float:
    from math import erf, sqrt
    return 0.5 * (1.0 + erf(z / sqrt(2.0)))


__all__ = [
    "DESIGN_METHOD",
    "SRS_METHOD",
    "Design",
    "cluster_icc",
    "design_arrays",
    "design_from_study",
    "design_interval",
    "design_labels",
    "interval_note",
]
