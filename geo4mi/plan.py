"""Moved to :mod:`geo4mi.sites.plan` (site mapping is one subpackage now).

This module only forwards names, so ``from geo4mi.plan import ...`` keeps working; new code
imports from :mod:`geo4mi.sites.plan`.
"""

from __future__ import annotations

import importlib
from typing import Any

_MOVED = "geo4mi.sites.plan"


def __getattr__(name: str) -> Any:
    return getattr(importlib.import_module(_MOVED), name)
