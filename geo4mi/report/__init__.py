"""The findings report of a study: one offline HTML file written from the estimates.

See :mod:`geo4mi.report.document` (the document), :mod:`geo4mi.report.findings` (what is
said, and when a comparison may be stated) and :mod:`geo4mi.report.sentences` (every
sentence, per language).
"""

from geo4mi.report.document import ReportInputs, inputs_from_results, report_html, write_report

__all__ = ["ReportInputs", "inputs_from_results", "report_html", "write_report"]
