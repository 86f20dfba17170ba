"""Exceptions raised by geo4mi, by kind of failure.

Every error a user can cause derives from :class:`Geo4miError`, and from one of five kinds
of failure, each also deriving from the builtin that fits (as rasterio's
``RasterioIOError(RasterioError, OSError)`` does), so ``except ValueError`` or
``except OSError`` keep working. Messages quote the bad value, name the file, row and column
where there is one, and say what to do. The CLI prints ``str(error)`` as one line and exits
with status 2.

The hierarchy (catch a kind to handle every error of that kind)::

    Geo4miError(Exception)
    ├── InputFileError(OSError)      an input file is missing, unreadable, empty, truncated
    ├── StudyFileError(ValueError)   the study's configuration: study file, catalogue, lists
    │   ├── StudyError                 the study file (key missing/unknown, bad value)
    │   ├── CatalogueError             the indicator catalogue
    │   ├── ExpressionError            a universe or indicator expression
    │   └── AnalysisListError          an IMPACT list of analyses (``--loa``)
    ├── DataError(ValueError)        the data, or what is asked of it, cannot be used
    │   ├── FormError                  the XLSForm
    │   ├── SurveyDataError            the survey export
    │   ├── AreaNameError(LookupError) a borough name matches none or several boroughs
    │   ├── SitesError                 a sites file or workshop GeoJSON
    │   ├── PlanError                  a sample allocation or plan table
    │   ├── RasterError                a raster or a raster option
    │   ├── ClassificationError        a classification scheme or direction
    │   ├── FigureError                a figure's indicator, group, kind or format
    │   ├── ChoroplethError            what a choropleth is asked to draw
    │   └── SiteMapError               what the site map is asked to draw
    ├── GeometryError(ValueError)    boundaries or coordinates cannot be used
    │   ├── BoundaryError              id/name field missing, duplicates, invalid geometry
    │   └── CRSError                   no CRS, or one unusable for the step
    └── OutputError(OSError)         an output is refused or cannot be written
        ├── DisclosureError(ValueError) it would let a hidden figure be worked out
        └── WebMapError(ValueError)      a map cannot be made self-contained

The names under each kind are older (they once mirrored modules); they stay, as subclasses of
their kind, so existing ``except`` clauses and messages do not change.

Examples
--------
>>> issubclass(SitesError, DataError) and issubclass(SitesError, ValueError)
True
>>> issubclass(CRSError, GeometryError), issubclass(OutputError, OSError)
(True, True)
"""

from __future__ import annotations

__all__ = [
    "AnalysisListError",
    "AreaNameError",
    "BoundaryError",
    "CRSError",
    "CatalogueError",
    "ChoroplethError",
    "ClassificationError",
    "DataError",
    "DisclosureError",
    "ExpressionError",
    "FigureError",
    "FormError",
    "Geo4miError",
    "GeometryError",
    "InputFileError",
    "OutputError",
    "PlanError",
    "RasterError",
    "SiteMapError",
    "SitesError",
    "StudyError",
    "StudyFileError",
    "SurveyDataError",
    "WebMapError",
]


class Geo4miError(Exception):
    """Base class for every error geo4mi raises on bad input or configuration."""


# -- the five kinds of failure ------------------------------------------------------------

class InputFileError(Geo4miError, OSError):
    """An input file is missing, unreadable, empty or truncated."""


class StudyFileError(Geo4miError, ValueError):
    """The study's configuration (study file, indicator catalogue, list of analyses) is wrong."""


class DataError(Geo4miError, ValueError):
    """The data (form, survey export, sites, plan, raster), or what is asked of it, cannot be
    used: a missing column, an unknown choice, indicator or option, a bad value in a row."""


class GeometryError(Geo4miError, ValueError):
    """Boundaries or coordinates cannot be used: invalid geometry, duplicate ids, no CRS."""


class OutputError(Geo4miError, OSError):
    """An output cannot be written (exists without --overwrite, bad folder...) or is refused."""


# -- study file ------------------------------------------------------------------------------

class StudyError(StudyFileError):
    """The study file is missing a key, has an unknown key or a bad value."""


class CatalogueError(StudyFileError):
    """The indicator catalogue is malformed or refers to unknown questions."""


class ExpressionError(StudyFileError):
    """A universe or indicator expression cannot be parsed or evaluated."""


class AnalysisListError(StudyFileError):
    """An IMPACT list of analyses (``geo4mi analyse --loa``) has a bad column or line."""


# -- data ------------------------------------------------------------------------------------

class FormError(DataError):
    """The XLSForm is malformed (missing sheet, column, list or label)."""


class SurveyDataError(DataError):
    """The survey export does not fit the form (missing column, unknown choice...)."""


class AreaNameError(DataError, LookupError):
    """A borough name cannot be matched, or matches more than one borough."""


class SitesError(DataError):
    """Raised by :mod:`geo4mi.sites.reading` when a sites file has a bad row, column or
    coordinate, an unknown site type, or names a place where people live (a site must be
    public)."""


class PlanError(DataError):
    """Raised by :mod:`geo4mi.sites.plan` when an allocation cannot be made (total too small,
    missing or unusable measure, unknown area, bad option) or a plan table is malformed."""


class RasterError(DataError):
    """Raised by :mod:`geo4mi.sites.raster` when a raster or a raster option cannot be used
    (missing band, unknown statistic, bad resolution or radius, no sites or population)."""


class ClassificationError(DataError):
    """Raised by :mod:`geo4mi.classify` for an unknown classification scheme or direction."""


class FigureError(DataError):
    """Raised by :mod:`geo4mi.figures` when a figure is asked for an indicator, group, kind,
    format or option that the inputs do not have."""


class ChoroplethError(DataError):
    """Raised by :mod:`geo4mi.webmap.choropleth` when the estimates, areas or labels cannot be
    drawn as a choropleth (missing column, unknown indicator or group, duplicate rows...)."""


class SiteMapError(DataError):
    """Raised by :mod:`geo4mi.webmap.sites` when the site map cannot be drawn from the given
    inputs (no sites section, bad counts, catchment or plan)."""


# -- geometry --------------------------------------------------------------------------------

class BoundaryError(GeometryError):
    """Boundaries lack the id/name field, have duplicates or invalid geometry."""


class CRSError(GeometryError):
    """A layer has no CRS, or one that cannot be used for the step."""


# -- output ----------------------------------------------------------------------------------

class DisclosureError(OutputError, ValueError):
    """The outputs would let a hidden figure be worked out (:mod:`geo4mi.indicators.audit`)."""


class WebMapError(OutputError, ValueError):
    """Raised by :mod:`geo4mi.webmap.assets` when a map cannot be made self-contained (it needs
    a resource from the network) or a bundled static file is unknown."""
