"""geo4mi: borough indicators, offline maps and figures from 4Mi-style surveys.

The public API is flat, as in rasterstats or pyogrio: run a study, then ask its results for
each output. Names are imported on first use (module ``__getattr__``), so ``import geo4mi``
stays fast and loads neither geopandas nor matplotlib.

Examples
--------
>>> import geo4mi
>>> results = geo4mi.run(geo4mi.bundled_study_path())
>>> int(results.interviews_per_area().sum())
301
>>> sorted(geo4mi.__all__)[:4]
['CRSError', 'Checked', 'DataError', 'FigureOptions']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from geo4mi.errors import (
    CRSError,
    DataError,
    Geo4miError,
    GeometryError,
    InputFileError,
    OutputError,
    StudyFileError,
)

__version__ = "0.1.0"

# public name -> module that defines it (imported lazily, on first access)
_LAZY = {
    "run": "geo4mi.pipeline",
    "check": "geo4mi.pipeline",
    "Results": "geo4mi.pipeline",
    "Checked": "geo4mi.pipeline",
    "Study": "geo4mi.study",
    "load_study": "geo4mi.study",
    "bundled_study_path": "geo4mi.study",
    "build_outputs": "geo4mi.build",
    "MapOptions": "geo4mi.outputs",
    "SiteMapOptions": "geo4mi.outputs",
    "FigureOptions": "geo4mi.outputs",
    "HtmlMap": "geo4mi.outputs",
    "load_areas": "geo4mi.boundaries",
    "read_sites": "geo4mi.sites",
}

# written out (not built from _LAZY) so that linters and type checkers see the exports;
# tests/test_api.py checks that every lazy name is listed
__all__ = [
    "CRSError",
    "Checked",
    "DataError",
    "FigureOptions",
    "Geo4miError",
    "GeometryError",
    "HtmlMap",
    "InputFileError",
    "MapOptions",
    "OutputError",
    "Results",
    "SiteMapOptions",
    "Study",
    "StudyFileError",
    "__version__",
    "build_outputs",
    "bundled_study_path",
    "check",
    "load_areas",
    "load_study",
    "read_sites",
    "run",
]

if TYPE_CHECKING:  # pragma: no cover
    from geo4mi.boundaries import load_areas
    from geo4mi.build import build_outputs
    from geo4mi.outputs import FigureOptions, HtmlMap, MapOptions, SiteMapOptions
    from geo4mi.pipeline import Checked, Results, check, run
    from geo4mi.sites import read_sites
    from geo4mi.study import Study, bundled_study_path, load_study


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'geo4mi' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
