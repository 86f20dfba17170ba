"""The whole flow for one study: boundaries + survey -> placed respondents -> estimates.

:func:`run` is the one function the CLI, maps and figures call. What it returns is
everything the outputs need; only ``respondents`` is respondent-level, and no writer in
geo4mi reads it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo4mi.boundaries import load_areas
from geo4mi.errors import StudyError
from geo4mi.indicators.catalogue import Catalogue, add_derived, build_labels, load_catalogue
from geo4mi.indicators.design import design_from_study
from geo4mi.indicators.estimate import estimate
from geo4mi.labels import Labels
from geo4mi.study import Study, load_study
from geo4mi.survey.exports import read_export
from geo4mi.survey.placement import place_respondents
from geo4mi.survey.quality import apply_exclusions, quality_report
from geo4mi.survey.xlsform import Form, read_form

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Results:
    """Everything computed for a study.

    ``respondents`` holds the respondents kept for analysis (respondent-level: never
    written to shared outputs); ``quality`` lists every excluded or flagged row.
    """

    study: Study
    areas: gpd.GeoDataFrame
    form: Form
    respondents: pd.DataFrame
    catalogue: Catalogue
    labels: Labels
    estimates: pd.DataFrame
    quality: pd.DataFrame

    def interviews_per_area(self) -> pd.Series:
        """Respondents placed in each area (0 where none), indexed by ``area_id``."""
        counts = self.respondents["area_id"].value_counts()
        return (counts.reindex(self.areas["area_id"], fill_value=0)
                .rename("interviews").astype("int64"))

    def nationality_counts(self, question: str = "nationality") -> pd.Series:
        """Respondents per answer to ``question`` (an aggregate, safe to publish)."""
        return self.respondents[question].value_counts(dropna=True).rename("respondents")


def run(study: Study | str | os.PathLike[str], *,
        progress: bool | Callable[[float], None] = False) -> Results:
    """Run the study: load, read, place, exclude, estimate.

    Parameters
    ----------
    study : Study or path-like
        A loaded study or the path of a study file.
    progress : bool or callable, default False
        Passed to :func:`geo4mi.indicators.estimate.estimate`.

    Examples
    --------
    >>> from geo4mi.study import bundled_study_path
    >>> results = run(bundled_study_path())
    >>> int(results.interviews_per_area().sum())
    301
    >>> sorted(results.estimates["status"].unique())
    ['no_data', 'ok', 'suppressed']
    """
    if not isinstance(study, Study):
        study = load_study(study)
    b, s = study.boundaries, study.survey
    areas = load_areas(b.path, layer=b.layer, id_field=b.id_field, name_field=b.name_field)
    form = read_form(s.form)
    catalogue = load_catalogue(study.indicators.catalogue, form=form)
    raw, read_issues = read_export(s.export, form, encoding=s.encoding, sheet=s.sheet,
                                   layout=s.layout)
    placed = place_respondents(raw, areas, borough_question=s.borough_question,
                               gps_question=s.gps_question, policy=s.placement,
                               border_tolerance_m=s.border_tolerance_m, form=form)
    kept, excluded = apply_exclusions(placed)
    quality = quality_report(placed, kept, excluded, read_issues, areas=areas,
                             source=Path(s.export), borough_question=s.borough_question)
    kept = add_derived(kept, catalogue)
    missing = [g for g in study.indicators.groups if g not in kept.columns]
    if missing:
        raise StudyError(f"{study.path}: [indicators] groups: {missing[0]!r} is neither a "
                         "question of the form nor a derived variable of the catalogue; "
                         "fix the name or define it under [derived] in the catalogue")
    estimates = estimate(kept, catalogue, area_ids=areas["area_id"].tolist(),
                         groups=list(study.indicators.groups), min_n=study.min_n,
                         complementary=study.complementary_suppression,
                         design=design_from_study(study), progress=progress)
    labels = build_labels(catalogue, form, list(study.indicators.groups))
    log.info("%s: %d respondents read, %d kept, %d estimates", study.path.name, len(placed),
             len(kept), len(estimates))
    return Results(study=study, areas=areas, form=form, respondents=kept, catalogue=catalogue,
                   labels=labels, estimates=estimates, quality=quality)
