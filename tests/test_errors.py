"""Error classes: all defined in geo4mi.errors, each a Geo4miError and a builtin."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import geo4mi
from geo4mi import errors
from geo4mi.errors import Geo4miError


def _package_modules() -> list[str]:
    names = [geo4mi.__name__]
    for info in pkgutil.walk_packages(geo4mi.__path__, prefix=f"{geo4mi.__name__}."):
        if info.name != "geo4mi.__main__":
            names.append(info.name)
    return names


@pytest.fixture(scope="module")
def modules() -> dict[str, object]:
    return {name: importlib.import_module(name) for name in _package_modules()}


def _all_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


def test_walk_finds_the_stage_modules(modules):
    for name in ("geo4mi.sites", "geo4mi.figures.common", "geo4mi.webmap.choropleth",
                 "geo4mi.indicators.tables", "geo4mi.survey.xlsform"):
        assert name in modules


def test_every_error_class_is_defined_in_errors(modules):
    defined_elsewhere = sorted(
        f"{module_name}.{name}"
        for module_name, module in modules.items()
        for name, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, Geo4miError) and obj.__module__ == module_name
        and module_name != "geo4mi.errors")
    assert defined_elsewhere == []
    # also classes not bound to a module-level name (made inside functions, say)
    strays = sorted(c.__qualname__ for c in _all_subclasses(Geo4miError)
                    if c.__module__.startswith("geo4mi") and c.__module__ != "geo4mi.errors")
    assert strays == []


def test_every_error_class_has_a_builtin_base_and_a_docstring():
    classes = [obj for _, obj in inspect.getmembers(errors, inspect.isclass)
               if issubclass(obj, Geo4miError) and obj is not Geo4miError]
    assert len(classes) >= 18
    for cls in classes:
        assert cls.__bases__[0] is Geo4miError or cls.__bases__[0] in KINDS, cls
        assert any(issubclass(cls, b) for b in (ValueError, OSError, LookupError)), cls
        assert cls.__doc__ and cls.__doc__.strip(), cls


KINDS = (errors.InputFileError, errors.StudyFileError, errors.DataError, errors.GeometryError,
          errors.OutputError)


def test_every_error_class_is_one_kind_of_failure():
    classes = [obj for _, obj in inspect.getmembers(errors, inspect.isclass)
               if issubclass(obj, Geo4miError) and obj is not Geo4miError]
    for cls in classes:
        kinds = [kind for kind in KINDS if issubclass(cls, kind)]
        assert len(kinds) == 1, (cls, kinds)
    assert set(errors.__all__) == {c.__name__ for c in classes} | {"Geo4miError"}


@pytest.mark.parametrize("kind, builtin, members", [
    (errors.InputFileError, OSError, ()),
    (errors.StudyFileError, ValueError, ("StudyError", "CatalogueError", "ExpressionError",
                                         "AnalysisListError")),
    (errors.DataError, ValueError, ("FormError", "SurveyDataError", "AreaNameError",
                                    "SitesError", "PlanError", "RasterError", "FigureError",
                                    "ClassificationError", "ChoroplethError", "SiteMapError")),
    (errors.GeometryError, ValueError, ("BoundaryError", "CRSError")),
    (errors.OutputError, OSError, ("DisclosureError", "WebMapError")),
])
def test_kinds_subclass_their_builtin_and_hold_the_old_names(kind, builtin, members):
    assert kind.__bases__ == (Geo4miError, builtin)
    for name in members:
        old = getattr(errors, name)
        assert issubclass(old, kind) and issubclass(old, builtin), name
    # catching the kind catches an old-named error raised deep inside geo4mi
    if members:
        with pytest.raises(kind, match="boom"):
            raise getattr(errors, members[0])("boom")


def test_old_names_keep_their_old_builtins():
    assert issubclass(errors.AreaNameError, LookupError)
    assert issubclass(errors.DisclosureError, ValueError)
    assert issubclass(errors.WebMapError, ValueError)


@pytest.mark.parametrize("module_name, class_name", [
    ("geo4mi.classify", "ClassificationError"),
    ("geo4mi.sites", "SitesError"),
    ("geo4mi.sites.raster", "RasterError"),
    ("geo4mi.figures.common", "FigureError"),
    ("geo4mi.figures", "FigureError"),
    ("geo4mi.sites.plan", "PlanError"),
    ("geo4mi.webmap.sites", "SiteMapError"),
    ("geo4mi.webmap.assets", "WebMapError"),
    ("geo4mi.webmap.choropleth", "ChoroplethError"),
])
def test_old_import_paths_still_work(module_name, class_name):
    cls = getattr(importlib.import_module(module_name), class_name)
    assert cls is getattr(errors, class_name)
    assert issubclass(cls, Geo4miError) and issubclass(cls, ValueError)


def test_a_moved_error_is_still_raised_by_its_module():
    from geo4mi.classify import palette
    with pytest.raises(errors.ClassificationError, match="direction 'sideways' is unknown"):
        palette("sideways")
