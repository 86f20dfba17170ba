"""Exceptions raised by geo4mi.

Every error a user can cause derives from :class:`Geo4miError`; each subclass also
derives from the builtin that fits, so ``except ValueError`` keeps working. Messages
quote the bad value, name the file, row and column where there is one, and say what
to do. The CLI prints ``str(error)`` as one line and exits with status 2.
"""

from __future__ import annotations


class Geo4miError(Exception):
    """Base class for every error geo4mi raises on bad input or configuration."""


class StudyError(Geo4miError, ValueError):
    """The study file is missing a key, has an unknown key or a bad value."""


class InputFileError(Geo4miError, OSError):
    """An input file is missing, unreadable, empty or truncated."""


class BoundaryError(Geo4miError, ValueError):
    """Boundaries lack the id/name field, have duplicates or invalid geometry."""


class CRSError(Geo4miError, ValueError):
    """A layer has no CRS, or one that cannot be used for the step."""


class AreaNameError(Geo4miError, LookupError):
    """A borough name cannot be matched, or matches more than one borough."""


class FormError(Geo4miError, ValueError):
    """The XLSForm is malformed (missing sheet, column, list or label)."""


class SurveyDataError(Geo4miError, ValueError):
    """The survey export does not fit the form (missing column, unknown choice...)."""


class CatalogueError(Geo4miError, ValueError):
    """The indicator catalogue is malformed or refers to unknown questions."""


class ExpressionError(Geo4miError, ValueError):
    """A universe or indicator expression cannot be parsed or evaluated."""


class DisclosureError(Geo4miError, ValueError):
    """The outputs would let a hidden figure be worked out (:mod:`geo4mi.indicators.audit`)."""


class OutputError(Geo4miError, OSError):
    """An output cannot be written (exists without --overwrite, bad folder...)."""


class ClassificationError(Geo4miError, ValueError):
    """Raised by :mod:`geo4mi.classify` for an unknown classification scheme or direction."""


class SitesError(Geo4miError, ValueError):
    """Raised by :mod:`geo4mi.sites.reading` when a sites file has a bad row, column or coordinate, an
    unknown site type, or names a place where people live (a site must be public)."""


class RasterError(Geo4miError, ValueError):
    """Raised by :mod:`geo4mi.sites.raster` when a raster or a raster option cannot be used (missing
    band, unknown statistic, bad resolution or radius, no sites or population given)."""


class FigureError(Geo4miError, ValueError):
    """Raised by :mod:`geo4mi.figures` when a figure is asked for an indicator, group, kind,
    format or option that the inputs do not have."""


class PlanError(Geo4miError, ValueError):
    """Raised by :mod:`geo4mi.sites.plan` when an allocation cannot be made (total too small, missing
    or unusable measure, unknown area, bad option) or a plan table is malformed."""


class SiteMapError(Geo4miError, ValueError):
    """Raised by :mod:`geo4mi.webmap.sites` when the site map cannot be drawn from the given
    inputs (no sites section, bad counts, catchment or plan)."""


class WebMapError(Geo4miError, ValueError):
    """Raised by :mod:`geo4mi.webmap.assets` when a map cannot be made self-contained (it needs
    a resource from the network) or a bundled static file is unknown."""


class ChoroplethError(Geo4miError, ValueError):
    """Raised by :mod:`geo4mi.webmap.choropleth` when the estimates, areas or labels cannot be
    drawn as a choropleth (missing column, unknown indicator or group, duplicate rows...)."""


class AnalysisListError(Geo4miError, ValueError):
    """An IMPACT list of analyses (``geo4mi analyse --loa``) has a bad column or line."""
