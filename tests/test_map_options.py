"""MapOptions (public) and ChoroplethSettings (resolved) share their choices (issue 17)."""

from dataclasses import fields

import pytest

from geo4mi.errors import StudyError
from geo4mi.outputs import MapOptions
from geo4mi.webmap.choropleth import ChoroplethSettings
from geo4mi.webmap.options import MapChoices


def names(cls):
    return [f.name for f in fields(cls)]


def test_the_shared_choices_are_declared_once():
    shared = names(MapChoices)
    assert shared == ["lang", "indicators", "groups", "selected", "tiles", "alternates"]
    assert names(MapOptions) == shared
    # the renderer's own: the study's title and source, the links of a split page's groups
    assert names(ChoroplethSettings) == [*shared, "title", "source", "pages"]
    for cls in (MapOptions, ChoroplethSettings):
        own = {k for k in vars(cls).get("__annotations__", {})
               if k not in ("title", "source", "pages")}
        assert own <= {"lang"}, f"{cls.__name__} redeclares {own}"


def test_options_keep_their_positional_order_and_checks():
    options = MapOptions("en", ["a", "b"], "gender", "b", None, {"es": "m.html"})
    assert (options.lang, options.indicators, options.groups, options.selected) == (
        "en", ("a", "b"), ("gender",), "b")
    assert MapOptions().lang is None  # left to the study
    with pytest.raises(StudyError, match="language 'xx' is not supported"):
        MapOptions(lang="xx")
    with pytest.raises(TypeError, match="indicators: 3 is not a name"):
        ChoroplethSettings(indicators=["a", 3])


def test_settings_are_resolved_from_the_options():
    options = MapOptions(indicators=["a", "b"], groups=(), tiles="OpenStreetMap",
                         alternates={"en": "map.en.html"})
    settings = ChoroplethSettings.resolve(options, lang="pt", title="T", source="S",
                                          selected="b")
    assert settings == ChoroplethSettings(lang="pt", indicators=("a", "b"), groups=(),
                                          selected="b", tiles="OpenStreetMap",
                                          alternates={"en": "map.en.html"}, title="T",
                                          source="S")
    assert ChoroplethSettings().lang == "es"
    with pytest.raises(TypeError, match="positional"):
        ChoroplethSettings("en", None, None, None, None, {}, "title")  # title is keyword-only
