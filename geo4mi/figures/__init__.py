"""Publication-ready static figures: maps and charts that say what the web map says.

Figures read only the *estimates* table, the *areas* GeoDataFrame, the
:class:`~geo4mi.labels.Labels` and aggregate counts (interviews per borough, respondents
per nationality); respondent-level rows never reach them. Classes, palettes and the
"no interviews" / "suppressed" / wide-interval styling come from :mod:`geo4mi.classify`,
the same rules as the web map. Figures are built on :class:`matplotlib.figure.Figure`
(no pyplot, Agg canvas), 17 cm wide, and saved as 300 dpi PNG, SVG (text as text) and PDF,
byte-identical from run to run.

Modules: :mod:`~geo4mi.figures.common` (page, captions, text),
:mod:`~geo4mi.figures.cartography` (patches, labels, scale bar, north arrow),
:mod:`~geo4mi.figures.maps`, :mod:`~geo4mi.figures.charts`,
:mod:`~geo4mi.figures.inputs` (published data and settings: the one place ``min_n``
applies), :mod:`~geo4mi.figures.output` (saving and the full set).
"""

from geo4mi.figures.charts import indicator_bar_chart, nationality_chart
from geo4mi.figures.common import FigureError
from geo4mi.figures.inputs import FigureData, FigureSettings, fold_nationalities
from geo4mi.figures.maps import (
                                 choropleth_figure,
                                 sample_distribution_figure,
                                 small_multiples_figure,
)
from geo4mi.figures.output import FORMATS, save_figure, write_figures

__all__ = [
    "FORMATS",
    "FigureData",
    "FigureError",
    "FigureSettings",
    "choropleth_figure",
    "fold_nationalities",
    "indicator_bar_chart",
    "nationality_chart",
    "sample_distribution_figure",
    "save_figure",
    "small_multiples_figure",
    "write_figures",
]
