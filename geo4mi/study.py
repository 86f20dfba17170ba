"""The study file: one TOML file that says where everything is and how to analyse it.

Paths inside a study file are relative to the study file. Unknown sections and keys are
errors that list the allowed ones, so a typo never passes silently. The bundled Mexico City
study is ``data/mexico_city.toml`` and is the default everywhere.

Examples
--------
>>> study = load_study(bundled_study_path())
>>> study.language, study.min_n, study.synthetic
('es', 10, True)
>>> study.indicators.groups
('nationality_group', 'gender', 'age_group', 'time_in_city')
"""

from __future__ import annotations

import os
import sys
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from pathlib import Path
from typing import Any

from geo4mi.errors import InputFileError, StudyError
from geo4mi.i18n import LANGUAGES, NEUTRAL_PLACE, NEUTRAL_POPULATION, NEUTRAL_UNIT, Wording
from geo4mi.resources import bundled_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

PLACEMENT_POLICIES = ("prefer_declared", "prefer_gps", "flag")
EXPORT_LAYOUTS = ("auto", "names", "labels")


def bundled_study_path() -> Path:
    """Path of the bundled Mexico City study (``data/mexico_city.toml``).

    In the installed package (``geo4mi/bundled/data/``) or the checkout; see
    :mod:`geo4mi.resources`.
    """
    return bundled_path("data", "mexico_city.toml")


#: Metadata of a :class:`Study` field that is not a ``[study]`` key (a section of its own,
#: or made by :func:`load_study`).
_NOT_A_KEY = {"key": False}
#: Metadata of a field read as text in the study's language(s): ``"..."`` or
#: ``{ es = "...", en = "..." }``.
_TEXT_KIND = {"kind": "text"}


@dataclass(frozen=True)
class BoundariesConfig:
    path: Path
    layer: str | None = None
    id_field: str = "CVEGEO"
    name_field: str = "NOMGEO"
    #: CRS declared for a boundary file that has none (e.g. "EPSG:4326").
    crs: str | None = None
    #: Known variants of area names: {variant as typed: official name} (e.g. "GAM").
    aliases: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SurveyConfig:
    export: Path
    form: Path
    #: Column with the declared area: a question of the form or any column of the export
    #: (study key ``area_column``, or its older name ``borough_question``); None (an empty
    #: key): place by GPS only.
    area_column: str | None = "borough"
    gps_question: str | None = "gps"
    placement: str = "prefer_declared"
    encoding: str = "auto"
    sheet: str | None = None
    layout: str = "auto"
    border_tolerance_m: float = 25.0
    #: Submission id for duplicates; None: the first of geo4mi.survey.quality.ID_COLUMNS.
    id_column: str | None = None
    #: build/indicators stop when fewer of the analysed rows than this are placed.
    min_placed_share: float = 0.5
    #: Survey design (None: simple random sampling, as before).
    weight: str | None = None
    cluster: str | None = None
    strata: str | None = None
    #: Population margins the weights are raked to (``[[survey.rake]]``, read by
    #: :func:`geo4mi.indicators.rake.read_margin`); empty: no raking.
    rake: tuple[Any, ...] = field(default=(), metadata={"kind": "tablelist"})
    #: Eligibility rules: a respondent for whom one of these expressions is true is
    #: excluded (check ``exclude``), e.g. "age < 18".
    exclude: tuple[str, ...] = ()

    @property
    def borough_question(self) -> str | None:
        """The older name of :attr:`area_column`."""
        return self.area_column


@dataclass(frozen=True)
class IndicatorsConfig:
    catalogue: Path
    groups: tuple[str, ...] = ()
    #: Indicators the interactive map opens on (the first in the catalogue when empty).
    opening: tuple[str, ...] = ()
    #: Indicators drawn as static figures by build/demo (all when empty).
    figures: tuple[str, ...] = ()
    #: Grouping variables drawn as small multiples by build/demo.
    figure_groups: tuple[str, ...] = ()
    #: Question whose answers the nationality chart counts (None: no chart).
    nationality_question: str | None = None
    #: Number questions that get a mean and a median (None: every integer and decimal
    #: question of the form; empty: none). See geo4mi.indicators.numeric.
    numeric: tuple[str, ...] | None = None
    #: Declared ratios: {id, numerator, denominator[, label, theme]} tables.
    ratios: tuple[dict[str, Any], ...] = ()
    #: Answer codes of number questions that are not values (-99 "don't know").
    missing_codes: tuple[float, ...] = ()


@dataclass(frozen=True)
class SitesConfig:
    path: Path
    catchment_m: float = 1000.0
    max_import: int = 10_000


@dataclass(frozen=True)
class PlanConfig:
    population: Path | None = None
    population_id_field: str = "cvegeo"
    population_field: str = "pob_total_2020"
    raster: Path | None = None
    min_per_area: int = 10


@dataclass(frozen=True)
class DisclosureConfig:
    #: Attributes an intruder could know about a respondent; None: the area plus the
    #: grouping variables of [indicators] groups.
    quasi_identifiers: tuple[str, ...] | None = None
    #: Global re-identification risk above which check says the microdata must not be
    #: shared (the OCHA Centre for Humanitarian Data's 3 %).
    max_global_risk: float = 0.03
    #: Hide further figures until the built-in intruder works none out
    #: (:func:`geo4mi.indicators.protect.protect`); off, ``build`` refuses disclosive outputs.
    protect: bool = True


@dataclass(frozen=True)
class Study:
    """A loaded, validated study file. All paths are absolute."""

    path: Path = field(metadata=_NOT_A_KEY)
    boundaries: BoundariesConfig = field(metadata=_NOT_A_KEY)
    survey: SurveyConfig = field(metadata=_NOT_A_KEY)
    indicators: IndicatorsConfig = field(metadata=_NOT_A_KEY)
    # the [study] keys, in the order error messages list them
    title: dict[str, str] = field(default_factory=dict, metadata=_TEXT_KIND)
    language: str = "es"
    synthetic: bool = False
    min_n: int = 10
    source: dict[str, str] = field(default_factory=dict, metadata=_TEXT_KIND)
    complementary_suppression: bool = True
    sites: SitesConfig | None = field(default=None, metadata=_NOT_A_KEY)
    plan: PlanConfig | None = field(default=None, metadata=_NOT_A_KEY)
    disclosure: DisclosureConfig = field(default_factory=DisclosureConfig, metadata=_NOT_A_KEY)
    #: The study's words in the interface text ([study] place, population; [boundaries]
    #: unit, unit_gender, whole, attribution: :data:`_ELSEWHERE`).
    wording: Wording = field(default_factory=Wording, metadata=_NOT_A_KEY)
    #: Context layers drawn on the maps ([[context]] tables; geo4mi.context).
    context: tuple[Any, ...] = field(default=(), metadata=_NOT_A_KEY)

    @property
    def folder(self) -> Path:
        return self.path.parent

    def title_in(self, lang: str) -> str:
        """The study title in ``lang`` (falls back to any language given)."""
        return self.title.get(lang) or next(iter(self.title.values()), self.path.stem)

    def source_in(self, lang: str) -> str:
        """The survey source line in ``lang``."""
        return self.source.get(lang) or next(iter(self.source.values()), "")


#: Each section of a study file and the dataclass its keys fill: the keys, their kinds and
#: which are required are read from the dataclass fields (:func:`_schema`).
_SECTIONS: dict[str, type] = {
    "study": Study, "boundaries": BoundariesConfig, "survey": SurveyConfig,
    "indicators": IndicatorsConfig, "sites": SitesConfig, "plan": PlanConfig,
    "disclosure": DisclosureConfig,
}
#: Keys whose values land elsewhere than their section's dataclass: the study's words
#: (``Study.wording``) and an older name (``borough_question``, now ``area_column``).
_ELSEWHERE: dict[str, dict[str, str]] = {
    "study": {"place": "text", "population": "text"},
    "boundaries": {"attribution": "text", "unit": "unit", "unit_gender": "str",
                   "whole": "text"},
    "survey": {"borough_question": "str"},
}


def _kind(hint: Any) -> str:
    """The kind of value (checked by :func:`_check_section`) a field's type asks for.

    Examples
    --------
    >>> [_kind(h) for h in (Path | None, str, float, tuple[str, ...], dict[str, str])]
    ['path', 'str', 'number', 'strlist', 'strmap']
    """
    if isinstance(hint, types.UnionType):  # X | None: a key that may be left out
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    simple = {Path: "path", str: "str", bool: "bool", int: "int", float: "number"}
    if hint in simple:
        return simple[hint]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple:
        return {str: "strlist", float: "numlist"}.get(args[0], "tablelist")
    if origin is dict:
        return "strmap"
    raise TypeError(f"no study-file kind for {hint!r}; give the field metadata={{'kind': ...}}")


def _required(f: Field[Any]) -> bool:
    return f.default is MISSING and f.default_factory is MISSING


def _schema() -> dict[str, dict[str, tuple[str, bool]]]:
    """section -> {key: (kind, required)}, from the dataclasses of :data:`_SECTIONS`."""
    schema: dict[str, dict[str, tuple[str, bool]]] = {}
    for name, cls in _SECTIONS.items():
        hints = typing.get_type_hints(cls)
        keys = {f.name: (f.metadata.get("kind") or _kind(hints[f.name]), _required(f))
                for f in fields(cls) if f.metadata.get("key", True)}
        keys.update({key: (kind, False) for key, kind in _ELSEWHERE.get(name, {}).items()})
        schema[name] = keys
    return schema


# section -> {key: (kind, required)}
_SCHEMA = _schema()
_REQUIRED_SECTIONS = ("boundaries", "survey", "indicators")


def load_study(path: str | os.PathLike[str]) -> Study:
    """Read and validate a study file.

    Parameters
    ----------
    path : path-like
        The TOML study file.

    Raises
    ------
    InputFileError
        The file does not exist or is not valid TOML.
    StudyError
        A section or key is unknown or missing, or a value has the wrong type; the message
        names the key and lists the allowed ones.
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise InputFileError(f"{path}: study file not found; give the path of a .toml study "
                             "file (the bundled one is data/mexico_city.toml)")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(f"{path}: not valid TOML ({exc}); fix the syntax") from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not UTF-8 text; save the study file as UTF-8") from exc
    from geo4mi.context import parse_context_layers

    context = parse_context_layers(path, raw.pop("context", None))
    unknown = sorted(set(raw) - set(_SCHEMA))
    if unknown:
        raise StudyError(f"{path}: unknown section [{unknown[0]}]; allowed sections: "
                         f"{', '.join('[' + s + ']' for s in _SCHEMA)}, [[context]]")
    for name in _REQUIRED_SECTIONS:
        if name not in raw:
            raise StudyError(f"{path}: missing section [{name}]; see the README's study file "
                             "example")
    sec = {name: _check_section(path, name, raw[name]) if name in raw else {} for name in _SCHEMA}
    s = sec["study"]
    language = s.get("language", _default(Study, "language"))
    if language not in LANGUAGES:
        raise StudyError(f"{path}: [study] language = {language!r} is not supported; "
                         f"use one of {', '.join(LANGUAGES)}")
    min_n = s.get("min_n", _default(Study, "min_n"))
    if min_n < 1:
        raise StudyError(f"{path}: [study] min_n = {min_n!r} must be at least 1")
    return Study(
        path=path,
        title=_text(s.get("title", {})),
        language=language,
        synthetic=bool(s.get("synthetic", _default(Study, "synthetic"))),
        min_n=int(min_n),
        complementary_suppression=bool(s.get("complementary_suppression",
                                              _default(Study, "complementary_suppression"))),
        source=_text(s.get("source", {})),
        boundaries=_boundaries(path, sec["boundaries"]),
        survey=_survey(path, sec["survey"]),
        indicators=_indicators(path, sec["indicators"]),
        sites=_sites(path, sec["sites"]) if "sites" in raw else None,
        plan=_plan(path, sec["plan"]) if "plan" in raw else None,
        disclosure=_disclosure(path, sec["disclosure"]),
        wording=_wording(path, s, sec["boundaries"]),
        context=context,
    )


def _default(cls: type, key: str) -> Any:
    """The default of a key: its dataclass field's (the one place it is written).

    Examples
    --------
    >>> _default(SurveyConfig, "placement"), _default(SitesConfig, "catchment_m")
    ('prefer_declared', 1000.0)
    """
    f = next(f for f in fields(cls) if f.name == key)
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    raise TypeError(f"{cls.__name__}.{key} has no default; the study file must give it")


def _given(values: Mapping[str, Any], cls: type, *keys: str) -> dict[str, Any]:
    """``{key: value}`` for each of ``keys`` given in the section, else its default."""
    return {key: values.get(key, _default(cls, key)) for key in keys}


def _need(path: Path, value: str, key: str) -> Path:
    """A required path, relative to the study file (:func:`_check_section` has checked the key
    is there); an empty one is refused."""
    if not value:
        raise StudyError(f"{path}: {key} is empty; give the file's path, relative to the "
                         "study file")
    return (path.parent / value).resolve()


def _optional(path: Path, value: str | None) -> Path | None:
    """An optional path, relative to the study file; None when empty or left out."""
    return None if value in (None, "") else (path.parent / str(value)).resolve()


def _boundaries(path: Path, b: Mapping[str, Any]) -> BoundariesConfig:
    if b.get("crs"):
        from pyproj import CRS
        from pyproj.exceptions import CRSError as ProjCRSError

        try:
            CRS.from_user_input(b["crs"])
        except ProjCRSError:
            raise StudyError(f"{path}: [boundaries] crs = {b['crs']!r} is not a known CRS; "
                             'write it as "EPSG:<code>", e.g. crs = "EPSG:4326"') from None
    return BoundariesConfig(path=_need(path, b["path"], "[boundaries] path"),
                            layer=b.get("layer") or None, crs=b.get("crs") or None,
                            aliases=dict(b.get("aliases", {})),
                            **_given(b, BoundariesConfig, "id_field", "name_field"))


def _survey(path: Path, sv: Mapping[str, Any]) -> SurveyConfig:
    placement = sv.get("placement", _default(SurveyConfig, "placement"))
    if placement not in PLACEMENT_POLICIES:
        raise StudyError(f"{path}: [survey] placement = {placement!r} is unknown; use one of "
                         f"{', '.join(PLACEMENT_POLICIES)}")
    layout = sv.get("layout", _default(SurveyConfig, "layout"))
    if layout not in EXPORT_LAYOUTS:
        raise StudyError(f"{path}: [survey] layout = {layout!r} is unknown; use one of "
                         f"{', '.join(EXPORT_LAYOUTS)}")
    tolerance = float(sv.get("border_tolerance_m", _default(SurveyConfig, "border_tolerance_m")))
    if tolerance < 0:
        raise StudyError(f"{path}: [survey] border_tolerance_m = {tolerance!r} must be 0 or more")
    if "area_column" in sv and "borough_question" in sv:
        raise StudyError(f"{path}: [survey] give area_column or its older name "
                         "borough_question, not both")
    area_column = sv.get("area_column", sv.get("borough_question",
                                               _default(SurveyConfig, "area_column")))
    share = float(sv.get("min_placed_share", _default(SurveyConfig, "min_placed_share")))
    if not 0 <= share <= 1:
        raise StudyError(f"{path}: [survey] min_placed_share = {share!r} must be between 0 "
                         "and 1 (0.5: stop when fewer than half the rows are placed)")
    design: dict[str, Any] = {key: sv.get(key) or None for key in ("weight", "cluster", "strata")}
    named = [v for v in design.values() if v]
    if len(set(named)) != len(named):
        raise StudyError(f"{path}: [survey] weight, cluster and strata must name different "
                         f"columns, got {design!r}")
    if sv.get("rake"):
        from geo4mi.indicators.rake import read_margin

        design["rake"] = tuple(read_margin(m, path.parent, where=str(path)) for m in sv["rake"])
    exclude = tuple(sv.get("exclude", ()))
    if exclude:
        from geo4mi.indicators.expressions import parse

        for i, rule in enumerate(exclude):
            parse(rule, context=f"{path}: [survey] exclude[{i}]")
    gps = sv.get("gps_question", _default(SurveyConfig, "gps_question"))
    return SurveyConfig(export=_need(path, sv["export"], "[survey] export"),
                        form=_need(path, sv["form"], "[survey] form"),
                        area_column=area_column.strip() or None, gps_question=gps or None,
                        placement=placement, sheet=sv.get("sheet") or None, layout=layout,
                        border_tolerance_m=tolerance,
                        id_column=(sv.get("id_column") or "").strip() or None,
                        min_placed_share=share, exclude=exclude,
                        **_given(sv, SurveyConfig, "encoding"), **design)


def _indicators(path: Path, ind: Mapping[str, Any]) -> IndicatorsConfig:
    return IndicatorsConfig(catalogue=_need(path, ind["catalogue"], "[indicators] catalogue"),
                            groups=tuple(ind.get("groups", ())),
                            opening=tuple(ind.get("opening", ())),
                            figures=tuple(ind.get("figures", ())),
                            figure_groups=tuple(ind.get("figure_groups", ())),
                            nationality_question=(ind.get("nationality_question")
                                                  or "").strip() or None,
                            numeric=tuple(ind["numeric"]) if "numeric" in ind else None,
                            ratios=tuple(dict(r) for r in ind.get("ratios", ())),
                            missing_codes=tuple(float(v) for v in ind.get("missing_codes", ())))


def _sites(path: Path, st: Mapping[str, Any]) -> SitesConfig:
    sites = SitesConfig(path=_need(path, st["path"], "[sites] path"),
                        catchment_m=float(st.get("catchment_m",
                                                 _default(SitesConfig, "catchment_m"))),
                        max_import=st.get("max_import", _default(SitesConfig, "max_import")))
    if sites.catchment_m <= 0:
        raise StudyError(f"{path}: [sites] catchment_m must be positive")
    if sites.max_import < 1:
        raise StudyError(f"{path}: [sites] max_import = {sites.max_import!r} must be at "
                         "least 1 (the most features one `sites import` reads)")
    return sites


def _plan(path: Path, p: Mapping[str, Any]) -> PlanConfig:
    return PlanConfig(population=_optional(path, p.get("population")),
                      raster=_optional(path, p.get("raster")),
                      min_per_area=int(p.get("min_per_area", _default(PlanConfig,
                                                                      "min_per_area"))),
                      **_given(p, PlanConfig, "population_id_field", "population_field"))


def _disclosure(path: Path, d: Mapping[str, Any]) -> DisclosureConfig:
    max_risk = float(d.get("max_global_risk", _default(DisclosureConfig, "max_global_risk")))
    if not 0 < max_risk < 1:
        raise StudyError(f"{path}: [disclosure] max_global_risk = {max_risk!r} must be between "
                         "0 and 1 (0.03: the OCHA Centre for Humanitarian Data's 3 %)")
    keys = d.get("quasi_identifiers")
    if keys is not None and not keys:
        raise StudyError(f"{path}: [disclosure] quasi_identifiers is empty; name the attributes "
                         "an intruder could know (area_id, gender, ...) or leave the key out")
    return DisclosureConfig(quasi_identifiers=None if keys is None else tuple(keys),
                            max_global_risk=max_risk, **_given(d, DisclosureConfig, "protect"))


def _wording(path: Path, s: Mapping[str, Any], b: Mapping[str, Any]) -> Wording:
    """The study's words: [study] place, population; [boundaries] unit, unit_gender, whole,
    attribution (:data:`_ELSEWHERE`)."""
    gender = b.get("unit_gender", _default(Wording, "unit_gender"))
    if gender not in ("f", "m"):
        raise StudyError(f"{path}: [boundaries] unit_gender = {gender!r} must be \"f\" or "
                         "\"m\" (the grammatical gender of the Spanish unit word)")
    return Wording(unit={**NEUTRAL_UNIT, **_unit(b.get("unit", {}))}, unit_gender=gender,
                   place={**NEUTRAL_PLACE, **_text(s.get("place", {}))},
                   whole=_text(b.get("whole", {})),
                   population={**NEUTRAL_POPULATION, **_text(s.get("population", {}))},
                   attribution=_text(b.get("attribution", {})))


def _text(value: str | Mapping[str, str]) -> dict[str, str]:
    return dict.fromkeys(LANGUAGES, value) if isinstance(value, str) else dict(value)


def _unit(value: list[str] | Mapping[str, list[str]]) -> dict[str, tuple[str, str]]:
    """``["comuna", "comunas"]`` (every language) or ``{es = [...], en = [...]}``."""
    if isinstance(value, list):
        return dict.fromkeys(LANGUAGES, (value[0], value[1]))
    return {lang: (words[0], words[1]) for lang, words in value.items()}


def _is_pair(value: object) -> bool:
    return (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, str) and v.strip() for v in value))


def _check_section(path: Path, name: str, section: Any) -> dict[str, Any]:
    schema = _SCHEMA[name]
    if not isinstance(section, dict):
        raise StudyError(f"{path}: [{name}] must be a table of keys; see the README")
    unknown = sorted(set(section) - set(schema))
    if unknown:
        raise StudyError(f"{path}: [{name}] unknown key {unknown[0]!r}; allowed keys: "
                         f"{', '.join(schema)}")
    for key, (kind, required) in schema.items():
        if key not in section:
            if required:
                raise StudyError(f"{path}: [{name}] missing key {key!r}")
            continue
        value = section[key]
        ok = {
            "path": isinstance(value, str),
            "str": isinstance(value, str),
            "bool": isinstance(value, bool),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "strlist": isinstance(value, list) and all(isinstance(v, str) for v in value),
            "numlist": isinstance(value, list) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in value),
            "tablelist": isinstance(value, list) and all(isinstance(v, dict) for v in value),
            "strmap": isinstance(value, dict) and all(
                isinstance(v, str) and v.strip() for v in value.values()),
            "unit": _is_pair(value) or (isinstance(value, dict) and value and all(
                k in LANGUAGES and _is_pair(v) for k, v in value.items())),
            "text": isinstance(value, str) or (
                isinstance(value, dict) and value and all(
                    k in LANGUAGES and isinstance(v, str) for k, v in value.items())),
        }[kind]
        if not ok:
            expected = {"path": "a path (text)", "str": "text", "bool": "true or false",
                        "int": "a whole number", "number": "a number",
                        "strlist": "a list of names",
                        "numlist": "a list of numbers such as [-99, 999]",
                        "tablelist": 'a list of tables such as [{ id = "r", numerator = '
                                     '"q1", denominator = "q2" }]',
                        "strmap": 'a table of names such as { "GAM" = "Gustavo A. Madero" }',
                        "unit": 'a [singular, plural] pair such as ["comuna", "comunas"], or '
                                '{ es = ["comuna", "comunas"], en = ["commune", "communes"] }',
                        "text":
                        'text, or a table such as { es = "...", en = "..." }'}[kind]
            raise StudyError(f"{path}: [{name}] {key} = {value!r} must be {expected}")
    return section
