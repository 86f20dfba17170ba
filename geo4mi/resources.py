"""Where the bundled Mexico City study's files are: in the installed package or the checkout.

The files have one home, the top-level ``data/`` and ``boundaries/`` folders of the
repository (provenance in ``data/README.md`` and ``boundaries/SOURCE.md``). A built wheel
carries the same two folders inside the package, as ``geo4mi/bundled/data/`` and
``geo4mi/bundled/boundaries/`` (see ``pyproject.toml``), found here with
:mod:`importlib.resources` — the way mapclassify ships its example data. Running from a
checkout (or an editable install) there is no ``geo4mi/bundled/``, and the repository's own
folders are used. Both layouts keep ``data/`` next to ``boundaries/``, so the study's
relative path ``../boundaries/...`` resolves in either.

Examples
--------
>>> bundled_path("data", "mexico_city.toml").is_file()
True
>>> bundled_path("boundaries", "cdmx_alcaldias_mg2022.gpkg").parent.name
'boundaries'
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

#: The folders a wheel carries under ``geo4mi/bundled/``.
BUNDLED_FOLDERS = ("data", "boundaries")


def bundled_root() -> Path:
    """Folder holding the bundled ``data/`` and ``boundaries/``.

    ``geo4mi/bundled`` of an installed package when it exists, otherwise the repository
    checkout this module was imported from. Always a real filesystem path, so GDAL, pandas
    and the study's relative paths can use it directly.

    Examples
    --------
    >>> sorted(p.name for p in bundled_root().iterdir() if p.name in BUNDLED_FOLDERS)
    ['boundaries', 'data']
    """
    installed = files("geo4mi") / "bundled"
    if isinstance(installed, Path) and installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent


def bundled_path(*parts: str) -> Path:
    """Path of one bundled file, e.g. ``bundled_path("data", "sites.csv")``.

    Examples
    --------
    >>> bundled_path("data", "sites.csv").name
    'sites.csv'
    """
    return bundled_root().joinpath(*parts)
