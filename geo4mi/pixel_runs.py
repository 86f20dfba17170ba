"""Moved to :mod:`geo4mi.sites.pixel_runs` (site mapping is one subpackage now).

This module only forwards names, so ``from geo4mi.pixel_runs import ...`` keeps working; new code
imports from :mod:`geo4mi.sites.pixel_runs`.
"""

from __future__ import annotations

import importlib
from typing import Any

_MOVED = "geo4mi.sites.pixel_runs"


def __getattr__(name: str) -> Any:
    return getattr(importlib.import_module(_MOVED), name)
