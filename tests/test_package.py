"""The package works outside the checkout: a built wheel carries the bundled study.

Builds the wheel from a copy of the sources (``pip wheel --no-build-isolation --no-index``:
no network), checks it holds every module and every file of ``data/`` and ``boundaries/``
byte for byte (the repository's folders are the one source of truth, the wheel's copies are
made by the build), installs it into a folder outside the checkout and runs the installed
``geo4mi demo`` from a working directory outside the checkout. The test environment's
interpreter provides the dependencies (geopandas etc.); ``PYTHONPATH`` puts the installed
wheel first, and the test checks that ``geo4mi`` and its bundled files were read from there.
The demo takes about half a minute.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

from geo4mi.io import MANIFEST, check_output_set, read_manifest
from geo4mi.resources import BUNDLED_FOLDERS

REPO = Path(__file__).resolve().parent.parent
#: What the build reads: pyproject.toml names these (README.md is the long description).
SOURCES = ("pyproject.toml", "README.md", "geo4mi", *BUNDLED_FOLDERS)


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _checkout_files(folder: Path) -> dict[str, bytes]:
    """Files under ``folder`` of the checkout, minus caches, by path relative to the repo."""
    return {p.relative_to(REPO).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    try:
        have = version("setuptools")
    except PackageNotFoundError:
        have = "missing"
    release = re.match(r"(\d+)\.(\d+)", have)
    if release is None or (int(release[1]), int(release[2])) < (70, 1):
        pytest.fail(f"setuptools {have}: building the wheel offline needs setuptools>=70.1, "
                    "part of the test extra (pip install -e '.[test]')")
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(REPO / name, src / name)
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
          "--no-index", "--wheel-dir", str(dist), str(src)], cwd=src)
    (built,) = dist.glob("geo4mi-*.whl")
    return built


def test_wheel_holds_every_module_and_every_bundled_file(wheel):
    with zipfile.ZipFile(wheel) as zf:
        inside = {name: zf.read(name) for name in zf.namelist() if not name.endswith("/")}
    package = _checkout_files(REPO / "geo4mi")  # modules, templates, catalogues, assets
    assert any(k.endswith(".py") for k in package), "no modules found in the checkout"
    assert {"geo4mi/report/templates/report.html", "geo4mi/locales/fr.toml"} <= set(package)
    for name, data in package.items():
        assert inside.get(name) == data, f"{name}: missing from the wheel or different"
    for folder in BUNDLED_FOLDERS:
        files = _checkout_files(REPO / folder)
        assert files, f"{folder}/ is empty"
        for name, data in files.items():
            assert inside.get(f"geo4mi/bundled/{name}") == data, \
                f"{name}: missing from the wheel (geo4mi/bundled/{name}) or different"
        shipped = {n for n in inside if n.startswith(f"geo4mi/bundled/{folder}/")}
        assert shipped == {f"geo4mi/bundled/{n}" for n in files}
    assert "geo4mi/py.typed" in inside
    assert any(n.startswith("geo4mi/webmap/static/") for n in inside)


def test_installed_wheel_runs_the_demo_outside_the_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    _run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
          "--target", str(site), str(wheel)], cwd=tmp_path)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    where = _run([sys.executable, "-c",
                  "import geo4mi, geo4mi.study as s, geo4mi.resources as r; "
                  "print(geo4mi.__file__); print(r.bundled_root()); "
                  "print(s.bundled_study_path())"], cwd=work, env=env).splitlines()
    assert Path(where[0]).resolve() == (site / "geo4mi" / "__init__.py").resolve()
    assert Path(where[1]).resolve() == (site / "geo4mi" / "bundled").resolve()
    assert Path(where[2]).resolve() == (site / "geo4mi" / "bundled" / "data"
                                        / "mexico_city.toml").resolve()
    if os.name == "nt":  # pragma: no cover - the console script is an .exe launcher there
        command = [sys.executable, "-m", "geo4mi"]
    else:  # the console script the wheel installs, as a user would type it
        script = site / "bin" / "geo4mi"
        assert script.is_file()
        command = [sys.executable, str(script)]
    printed = _run([*command, "demo", "--out", "maps"], cwd=work, env=env)
    assert "SYNTHETIC DEMONSTRATION DATA" in printed
    out = work / "maps"
    assert check_output_set(out) == []
    listed = read_manifest(out / MANIFEST)
    assert {"choropleth.html", "choropleth.en.html", "sites.html", "tables/estimates.csv",
            "tables/estimates.gpkg", "tables/estimates.analysistools.csv"} <= set(listed)
    assert len([n for n in listed if n.startswith("figures/")]) > 30
    assert printed.count("  wrote ") == len(listed)
