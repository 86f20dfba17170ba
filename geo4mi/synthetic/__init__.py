"""Synthetic demonstration sample: 4Mi-style respondents calibrated to the published report.

**Everything this package makes is SYNTHETIC DEMONSTRATION DATA** — no real person's answers.
It exists so that geo4mi can be run, tested and benchmarked end to end without sharing any
respondent-level survey data.

:func:`generate_respondents` draws respondents in the canonical *respondents* form of
``docs/design.md``; :func:`to_kobo_export` lays them out as a KoboToolbox CSV export of the
bundled XLSForm; :func:`write_sample` writes ``data/sample_kobo.csv``
(``python -m geo4mi.synthetic`` regenerates it).

How it is calibrated (``docs/synthetic.md`` has the measured table): every answer is
allocated with *exact counts* — within each stratum (usually the nationality group) exactly
``round(p × n_stratum)`` respondents get an answer, chosen in a weighted random order (keys
``Exp(1) / w``). The weights impose the borough pattern of the report (more perceived
discrimination in Cuauhtémoc, fewer housing barriers in Gustavo A. Madero, less feeling of
safety in Iztapalapa) and a few plausible correlations, without moving any total. Questions
whose ``relevant`` condition is false are left unanswered (NA). Everything is vectorised, so
a million respondents take seconds.

The modules, in the order the data flows:

- :mod:`~geo4mi.synthetic.form`: the questionnaire's layout (questions, groups, choice lists);
- :mod:`~geo4mi.synthetic.allocation`: exact-count allocation
  (:class:`~geo4mi.synthetic.allocation.Answers`);
- :mod:`~geo4mi.synthetic.targets`: the report's figures, drawn as answers;
- :mod:`~geo4mi.synthetic.gps`: GPS points inside the declared boroughs;
- :mod:`~geo4mi.synthetic.respondents`: :func:`generate_respondents`, the canonical frame;
- :mod:`~geo4mi.synthetic.export`: :func:`to_kobo_export`, :func:`write_sample` and the
  ``python -m geo4mi.synthetic`` command (:func:`main`).

Examples
--------
>>> people = generate_respondents(40, seed=1)
>>> len(people), people["borough"].notna().all()
(40, np.True_)
>>> bool(people.loc[people["crime_victim"] == "no", "complaint_filed"].isna().all())
True
"""

from __future__ import annotations

from geo4mi.synthetic.export import SAMPLE_PATH, main, to_kobo_export, write_sample
from geo4mi.synthetic.form import FORM_PATH, REPO
from geo4mi.synthetic.gps import BOROUGH_NAMES, GPS_SHARE
from geo4mi.synthetic.respondents import generate_respondents
from geo4mi.synthetic.targets import BOROUGH_COUNTS, GROUPS, NATIONALITY_GROUP

__all__ = ["BOROUGH_COUNTS", "BOROUGH_NAMES", "FORM_PATH", "GPS_SHARE", "GROUPS",
           "NATIONALITY_GROUP", "REPO", "SAMPLE_PATH", "generate_respondents", "main",
           "to_kobo_export", "write_sample"]
