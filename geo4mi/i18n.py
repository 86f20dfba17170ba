"""Interface text of maps, figures and tables: one catalogue per language.

Every user-facing string that is not a survey or catalogue label lives in the catalogue
files ``geo4mi/locales/<code>.toml`` (``es.toml``, ``en.toml``...), one ``"key" = "text"``
per line, so the web maps, the figures and the tables say the same thing in the same words.
A new interface language is one more file with every key of ``es.toml``
(``tests/test_i18n.py`` checks the keys and the ``{placeholders}``). :data:`TEXT` holds them
all by key, :data:`LANGUAGES` lists the languages.

Keys without a prefix are shared by every medium (legend entries, column headings, the
caveat, the attribution...). A prefix marks text that only one medium shows, or that needs a
different wording there:

* ``map.``: the interactive choropleth (:mod:`geo4mi.webmap.choropleth`);
* ``sites.``: the site-mapping map and its workshop mode (:mod:`geo4mi.webmap.sites`);
* ``figure.``: the static figures (:mod:`geo4mi.figures`);
* ``table.``: the output tables (:mod:`geo4mi.indicators.tables`).

Placeholders such as ``{min_n}`` are filled by :func:`t`; :func:`template` returns the text
with its placeholders left in, for the maps' scripts to fill in the browser.

Words that depend on the study — the name of one area (``{unit}``, ``{units}``,
``{Unit}``, ``{Units}``), the place (``{place}``, ``{whole}``, ``{Whole}``), the population
of the caveat and the boundaries' attribution — are never written here: they come from a
:class:`Wording`, built from the study file (:func:`geo4mi.study.load_study`) and carried by
:class:`geo4mi.labels.Labels`. Renderers make it the current wording with
:func:`use_wording`; without one, the neutral :data:`NEUTRAL` wording applies ("área",
"area", no attribution). :func:`t` and :func:`template` fill these placeholders.

Examples
--------
>>> t("no_interviews", "es")
'Sin entrevistas'
>>> t("suppressed", "en", min_n=10)
'Fewer than 10 respondents (suppressed)'
>>> template("sites.candidates", "en")
'Candidate sites: {n}'
>>> t("figure.bars_subtitle", "en")
'By area, with 95 % confidence intervals'
>>> comunas = Wording(unit={"es": ("comuna", "comunas"), "en": ("commune", "communes")},
...                   place={"es": "Medellín", "en": "Medellín"})
>>> with use_wording(comunas):
...     t("figure.bars_subtitle", "es"), t("city_wide", "en")
('Por comuna, con intervalos de confianza al 95 %', 'All of Medellín')
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import functools
import inspect
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any, TypeVar

from geo4mi.errors import StudyError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

F = TypeVar("F", bound=Callable[..., Any])
_T = TypeVar("_T")


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def slug(text: str) -> str:
    """ASCII lower-case ``text`` with every other run of characters as ``_`` (file names,
    CSV headers).

    Examples
    --------
    >>> slug("Alcaldías"), slug("Oblast / region")
    ('alcaldias', 'oblast_region')
    """
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_") or "area"


@dataclass(frozen=True)
class Wording:
    """The study's own words in the interface text, per language.

    Parameters
    ----------
    unit : mapping of language to (singular, plural)
        The name of one area of the boundaries: ``("alcaldía", "alcaldías")``,
        ``("commune", "communes")``. Lower case; capitalised where a text starts with it.
    unit_gender : {"f", "m"}
        Grammatical gender of the Spanish unit, for its articles ("la alcaldía", "el
        municipio", "las comunas", "este municipio"). A feminine unit stressed on an initial
        "á" takes "el" and "un" in the singular ("el área", "un área").
    place : mapping of language to str
        The study area as it reads after "of" / "de": ``"la ciudad"``, ``"the city"``,
        ``"Medellín"``. Used in the caveat and "Outside {place}".
    whole : mapping of language to str
        All areas together, lower case ("toda la ciudad", "whole city"); by default built
        from ``place``: "toda " + place in Spanish ("todo el", "todos los", "todas las"
        before a masculine or plural article), "whole city" for "the city" and "all of X"
        otherwise in English.
    population : mapping of language to str
        Who the sample stands for, as it reads in the caveat "not representative of the
        whole {population} of {place}" / "no son representativos de toda {population} de
        {place}" (Spanish with its article: "la población refugiada y migrante").
    attribution : mapping of language to str
        Source of the boundaries ("INEGI, Marco Geoestadístico 2022"); empty: no
        attribution line is shown.
    """

    unit: Mapping[str, tuple[str, str]] = field(default_factory=lambda: {
        "es": ("área", "áreas"), "en": ("area", "areas")})
    unit_gender: str = "f"
    place: Mapping[str, str] = field(default_factory=lambda: {
        "es": "la zona de estudio", "en": "the study area"})
    whole: Mapping[str, str] = field(default_factory=dict)
    population: Mapping[str, str] = field(default_factory=lambda: {
        "es": "la población", "en": "population"})
    attribution: Mapping[str, str] = field(default_factory=dict)

    def _pick(self, texts: Mapping[str, _T], lang: str, default: Mapping[str, _T]) -> _T:
        return texts.get(lang) or default[lang]  # the defaults cover every language

    def words(self, lang: str) -> dict[str, str]:
        """Every study placeholder of the interface text, filled for ``lang``.

        Examples
        --------
        >>> w = NEUTRAL.words("es")
        >>> w["Units"], w["whole"], w["los"], w["una"], w["la"]
        ('Áreas', 'toda la zona de estudio', 'las', 'un', 'el')
        >>> NEUTRAL.words("en")["a_unit"]
        'an area'
        """
        unit, units = self._pick(self.unit, lang, NEUTRAL_UNIT)
        place = str(self._pick(self.place, lang, NEUTRAL_PLACE))
        whole = self.whole.get(lang) or _whole(place, lang)
        fem = self.unit_gender == "f"
        # Spanish: feminine nouns stressed on an initial "á"/"há" take "el", "un" ("el área").
        stressed_a = bool(re.match(r"(?i)h?á", unit))
        una, la = ("una", "la") if fem and not stressed_a else ("un", "el")
        a = "an" if unit[:1].lower() in "aeiou" else "a"
        return {
            "unit": unit, "units": units, "Unit": _upper_first(unit),
            "Units": _upper_first(units), "unit_slug": slug(unit), "units_slug": slug(units),
            "este": "esta" if fem else "este", "los": "las" if fem else "los",
            "Los": "Las" if fem else "Los", "una": una, "la": la, "a_unit": f"{a} {unit}",
            "place": place, "whole": whole, "Whole": _upper_first(whole),
            "population": str(self._pick(self.population, lang, NEUTRAL_POPULATION)),
            "attribution": self.attribution.get(lang) or next(
                iter(self.attribution.values()), ""),
        }


NEUTRAL_UNIT = {"es": ("área", "áreas"), "en": ("area", "areas"), "fr": ("zone", "zones"),
                "pt": ("área", "áreas")}
NEUTRAL_PLACE = {"es": "la zona de estudio", "en": "the study area",
                 "fr": "la zone d'étude", "pt": "a área de estudo"}
#: Spanish and French with their article ("la población"); English and Portuguese without.
NEUTRAL_POPULATION = {"es": "la población", "en": "population", "fr": "la population",
                      "pt": "população"}
#: The library's own wording: areas, the study area, no attribution claim.
NEUTRAL = Wording()

_CURRENT: contextvars.ContextVar[Wording] = contextvars.ContextVar("geo4mi_wording",
                                                                  default=NEUTRAL)


def _whole(place: str, lang: str) -> str:
    """All areas together, from the place: "toda la ciudad", "whole city", "all of Kyiv"."""
    first = place.split(" ", 1)[0].lower()
    if lang == "es":
        return {"el": "todo ", "los": "todos ", "las": "todas "}.get(first, "toda ") + place
    if lang == "fr":  # "toute la ville", "tout le quartier", "l'ensemble de Dakar"
        rest = place.split(" ", 1)[-1]
        return {"la": "toute " + place, "le": "tout " + place,
                "les": "l'ensemble des " + rest}.get(first, "l'ensemble de " + place)
    if lang == "pt":  # "toda a cidade", "todo o município", "todo o território de Luanda"
        prefix = {"a": "toda ", "o": "todo ", "as": "todas ", "os": "todos "}.get(first)
        return prefix + place if prefix else "todo o território de " + place
    if place.lower().startswith("the "):
        return "whole " + place[4:]
    return "all of " + place


def current_wording() -> Wording:
    """The wording :func:`t` uses now (:data:`NEUTRAL` unless :func:`use_wording` set one)."""
    return _CURRENT.get()


@contextlib.contextmanager
def use_wording(wording: Wording | None) -> Iterator[Wording]:
    """Make ``wording`` the current one inside the ``with`` block (None: leave it as is).

    Examples
    --------
    >>> with use_wording(Wording(unit={"en": ("oblast", "oblasts")})):
    ...     t("unit", "en")
    'Oblast'
    >>> t("unit", "en")
    'Area'
    """
    if wording is None:
        yield current_wording()
        return
    token = _CURRENT.set(wording)
    try:
        yield wording
    finally:
        _CURRENT.reset(token)


def speaks_study(func: F) -> F:
    """Decorate a renderer that takes ``labels``: it runs with ``labels.wording`` current.

    The wording of a :class:`geo4mi.labels.Labels` given as ``labels`` (positional or
    keyword; None leaves the current wording) is made current for the call, so every
    :func:`t` inside it speaks the study's words.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> @speaks_study
    ... def title(labels, lang):
    ...     return t("map.page_title", lang)
    >>> title(SimpleNamespace(wording=Wording(unit={"en": ("comuna", "comunas")})), "en")
    'Indicators by comuna'
    """
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        labels = signature.bind_partial(*args, **kwargs).arguments.get("labels")
        with use_wording(getattr(labels, "wording", None)):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def attribution_line(lang: str) -> str:
    """"Boundaries: <source>" from the current wording, or "" when the study names none.

    Examples
    --------
    >>> attribution_line("en")
    ''
    >>> with use_wording(Wording(attribution={"en": "GADM 4.1"})):
    ...     attribution_line("en")
    'Boundaries: GADM 4.1'
    """
    return t("attribution", lang) if current_wording().words(lang)["attribution"] else ""


#: Folder of the per-language catalogues: ``<code>.toml``, one ``"key" = "text"`` per line.
LOCALES = "locales"


def _read_catalogues() -> dict[str, dict[str, str]]:
    """Every ``geo4mi/locales/<code>.toml``, Spanish and English first, then by code."""
    folder = files("geo4mi") / LOCALES
    codes = sorted((p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")),
                   key=lambda code: (("es", "en").index(code) if code in ("es", "en") else 2,
                                     code))
    return {code: tomllib.loads((folder / f"{code}.toml").read_text(encoding="utf-8"))
            for code in codes}


#: Interface text per language: ``{language: {key: text}}``, read from ``geo4mi/locales/``.
CATALOGUES: dict[str, dict[str, str]] = _read_catalogues()
#: Languages the interface speaks: one catalogue file each.
LANGUAGES: tuple[str, ...] = tuple(CATALOGUES)
#: The same text by key: ``{key: {language: text}}`` (keys in the Spanish catalogue's order).
TEXT: dict[str, dict[str, str]] = {
    key: {lang: CATALOGUES[lang][key] for lang in LANGUAGES if key in CATALOGUES[lang]}
    for key in CATALOGUES["es"]}


def check_language(lang: str) -> str:
    """Return ``lang`` if it is supported, else raise a :class:`StudyError`.

    Examples
    --------
    >>> check_language("en")
    'en'
    """
    if lang not in LANGUAGES:
        raise StudyError(f"language {lang!r} is not supported; use one of {', '.join(LANGUAGES)}")
    return lang


def template(key: str, lang: str) -> str:
    """Interface text ``key`` in ``lang`` with its ``{placeholders}`` left unfilled.

    The study placeholders (:meth:`Wording.words`) are filled from the current wording,
    with their braces doubled (``{{``, ``}}``, as in :meth:`str.format`): a study word such
    as ``"{n}"`` stays text when the maps' scripts fill the rest, since their ``fill``
    reads ``{{`` as ``{`` in the same single pass.
    Raises :class:`KeyError` for a key that is not in :data:`TEXT` (a bug in the caller,
    so the message suggests the nearest keys) and :class:`StudyError` for a language
    other than those in :data:`LANGUAGES`.

    Examples
    --------
    >>> template("city_value", "es")
    'Toda la zona de estudio: {value}'
    >>> template("city_valeu", "es")
    Traceback (most recent call last):
    ...
    KeyError: "interface text 'city_valeu' is unknown; did you mean 'city_value' or ...
    """
    words = {k: v.replace("{", "{{").replace("}", "}}")
             for k, v in current_wording().words(lang).items()}
    return re.sub(r"\{(\w+)\}", lambda m: words.get(m.group(1), m.group(0)), _raw(key, lang))


def _raw(key: str, lang: str) -> str:
    entry = TEXT.get(key)
    if entry is None:
        near = difflib.get_close_matches(key, TEXT, n=3)
        hint = f"did you mean {' or '.join(map(repr, near))}? " if near else ""
        raise KeyError(f"interface text {key!r} is unknown; {hint}(keys are in geo4mi.i18n.TEXT)")
    return entry[check_language(lang)]


def t(key: str, lang: str, **fmt: object) -> str:
    """Interface text ``key`` in ``lang``, with its placeholders filled from ``fmt``.

    Examples
    --------
    >>> t("source_survey", "en", source="4Mi Cities 2021")
    'Survey: 4Mi Cities 2021'
    >>> t("suppressed", "en")
    Traceback (most recent call last):
    ...
    KeyError: "interface text 'suppressed' needs a value for {min_n}"
    """
    text = _raw(key, lang)
    try:  # study words are values, never re-read as placeholders
        return text.format(**{**current_wording().words(lang), **fmt})
    except KeyError as exc:
        raise KeyError(f"interface text {key!r} needs a value for {{{exc.args[0]}}}") from None


#: The counts that take the singular, per language (default: exactly 1).
_SINGULAR: dict[str, tuple[int, ...]] = {"fr": (0, 1)}


def t_count(key: str, lang: str, count: int, **fmt: object) -> str:
    """Interface text ``key`` for ``count`` things, ``{count}`` filled in.

    A catalogue gives the singular as a second key, ``<key>_one``, used when ``count``
    takes the singular in ``lang`` (1; 0 and 1 in French); every other count takes
    ``key``.

    Examples
    --------
    >>> t_count("figure.nationality_note", "en", 1, other="Other", min_n=10, share="1 %",
    ...         names="Peru").split(" with")[0]
    '“Other” groups 1 answer'
    >>> t_count("figure.nationality_note", "es", 2, other="Otros", min_n=10, share="1 %",
    ...         names="Perú, Cuba").split(" con")[0]
    '«Otros» agrupa 2 respuestas'
    """
    singular = count in _SINGULAR.get(lang, (1,)) and f"{key}_one" in TEXT
    return t(f"{key}_one" if singular else key, lang, count=count, **fmt)
