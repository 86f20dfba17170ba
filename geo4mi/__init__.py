"""geo4mi: borough indicators, offline maps and figures from 4Mi-style surveys."""

from geo4mi.errors import Geo4miError

__version__ = "0.1.0"
__all__ = ["Geo4miError", "__version__"]
