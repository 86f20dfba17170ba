"""Indicators: the catalogue, the safe expression language, estimation and output tables.

- :mod:`~geo4mi.indicators.catalogue`: :func:`load_catalogue`, :func:`add_derived`,
  :func:`build_labels`;
- :mod:`~geo4mi.indicators.expressions`: :func:`parse` (universes and composite numerators);
- :mod:`~geo4mi.indicators.estimate`: :func:`estimate`, :func:`wilson_interval`, ``CITY``;
- :mod:`~geo4mi.indicators.tables`: labelled CSV, GeoPackage and analysistools writers.

The format of the catalogue and of every output is in ``docs/indicators.md``.
"""

from geo4mi.indicators.catalogue import (
    Catalogue,
    Indicator,
    add_derived,
    build_labels,
    bundled_catalogue_path,
    load_catalogue,
)
from geo4mi.indicators.estimate import CITY, estimate, wilson_interval
from geo4mi.indicators.expressions import Expression, parse

__all__ = ["CITY", "Catalogue", "Expression", "Indicator", "add_derived", "build_labels",
           "bundled_catalogue_path", "estimate", "load_catalogue", "parse",
           "wilson_interval"]
