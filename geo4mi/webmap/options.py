"""The map choices a user makes, defined once for the public options and the renderer.

:class:`MapChoices` holds the fields shared by :class:`geo4mi.outputs.MapOptions` (what a
user passes; the language may be left to the study) and
:class:`geo4mi.webmap.choropleth.ChoroplethSettings` (what the renderer receives, every
choice resolved): language, the indicators and groups offered, the indicator shown first,
a tile layer and the same map in other languages. Both subclass it, so a new choice is
added in one place; the settings are built from the options by
:meth:`~geo4mi.webmap.choropleth.ChoroplethSettings.resolve`.

Examples
--------
>>> MapChoices(lang="en", indicators="a").indicators
('a',)
>>> MapChoices(groups=["gender", 3])
Traceback (most recent call last):
...
TypeError: groups: 3 is not a name; give a list of names
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from geo4mi.i18n import check_language

__all__ = ["MapChoices", "name_tuple"]


def name_tuple(value: Sequence[str] | None, what: str) -> tuple[str, ...] | None:
    """``value`` as a tuple of names (one name alone as a 1-tuple; None stays None).

    Examples
    --------
    >>> name_tuple("a", "indicators"), name_tuple(["a", "b"], "groups"), name_tuple(None, "x")
    (('a',), ('a', 'b'), None)
    """
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    items = tuple(value)
    bad = [v for v in items if not isinstance(v, str)]
    if bad:
        raise TypeError(f"{what}: {bad[0]!r} is not a name; give a list of names")
    return items


@dataclass(frozen=True)
class MapChoices:
    """How a choropleth is drawn: the choices shared by options and settings.

    Parameters
    ----------
    lang : str, optional
        Page language (checked when given).
    indicators, groups : sequence of str, optional
        Indicators and grouping variables offered, in this order (default: all).
    selected : str, optional
        Indicator shown first.
    tiles : str, optional
        A folium tile layer under the areas (off by default: a tile layer needs the
        network).
    alternates : mapping of str to str, optional
        The same map in other languages, ``{lang: relative link}``.
    """

    lang: str | None = None
    indicators: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None
    selected: str | None = None
    tiles: str | None = None
    alternates: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.lang is not None:
            object.__setattr__(self, "lang", check_language(self.lang))
        object.__setattr__(self, "indicators", name_tuple(self.indicators, "indicators"))
        object.__setattr__(self, "groups", name_tuple(self.groups, "groups"))
        object.__setattr__(self, "alternates", dict(self.alternates or {}))
