"""Survey data: the XLSForm, export layouts, placing respondents, and the quality report.

- :func:`read_form` (``xlsform.py``): the XLSForm as tables;
- :func:`read_export` (``exports.py``): any KoboToolbox / ODK Central export layout to
  canonical respondents plus an issues table;
- :func:`place_respondents` (``placement.py``): a borough for every respondent, by declared
  name and/or GPS, or unassigned with a reason;
- :func:`apply_exclusions`, :func:`quality_report` (``quality.py``): who is analysed, who
  is excluded and why, and every problem found.
"""

from geo4mi.survey.exports import read_export
from geo4mi.survey.placement import AreaLocator, place_respondents
from geo4mi.survey.quality import apply_exclusions, format_report, quality_report, write_report
from geo4mi.survey.xlsform import Form, read_form

__all__ = ["AreaLocator", "Form", "apply_exclusions", "format_report", "place_respondents",
           "quality_report", "read_export", "read_form", "write_report"]
