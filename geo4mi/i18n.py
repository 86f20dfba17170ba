"""Bilingual (Spanish / English) interface text of maps, figures and tables: one catalogue.

Every user-facing string that is not a survey or catalogue label lives in :data:`TEXT`, so
the web maps, the figures and the tables say the same thing in the same words.

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
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from geo4mi.errors import StudyError

LANGUAGES = ("es", "en")
F = TypeVar("F", bound=Callable[..., Any])


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

    def _pick(self, texts: Mapping[str, object], lang: str, default: Mapping[str, object]
              ) -> object:
        return texts.get(lang) or default.get(lang)

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
        unit, units = self._pick(self.unit, lang, NEUTRAL_UNIT)  # type: ignore[misc]
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


NEUTRAL_UNIT = {"es": ("área", "áreas"), "en": ("area", "areas")}
NEUTRAL_PLACE = {"es": "la zona de estudio", "en": "the study area"}
NEUTRAL_POPULATION = {"es": "la población", "en": "population"}
#: The library's own wording: areas, the study area, no attribution claim.
NEUTRAL = Wording()

_CURRENT: contextvars.ContextVar[Wording] = contextvars.ContextVar("geo4mi_wording",
                                                                  default=NEUTRAL)


def _whole(place: str, lang: str) -> str:
    """All areas together, from the place: "toda la ciudad", "whole city", "all of Kyiv"."""
    if lang == "es":
        first = place.split(" ", 1)[0].lower()
        return {"el": "todo ", "los": "todos ", "las": "todas "}.get(first, "toda ") + place
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


TEXT: dict[str, dict[str, str]] = {
    # -- shared by maps, figures and tables --------------------------------------------------
    "no_interviews": {"es": "Sin entrevistas", "en": "No interviews"},
    "suppressed": {
        "es": "Menos de {min_n} personas encuestadas (suprimido)",
        "en": "Fewer than {min_n} respondents (suppressed)",
    },
    "suppressed_complementary": {
        "es": "Suprimido para que no se deduzca de los totales una cifra pequeña",
        "en": "Suppressed so that a small figure cannot be worked out from the totals",
    },
    "synthetic_banner": {
        "es": "DATOS SINTÉTICOS DE DEMOSTRACIÓN: no son resultados reales de la encuesta 4Mi",
        "en": "SYNTHETIC DEMONSTRATION DATA: not real 4Mi survey results",
    },
    "language_name": {"es": "Español", "en": "English"},
    "map.languages": {"es": "Este mapa en otros idiomas", "en": "This map in other languages"},
    "caveat": {
        "es": ("Muestra no aleatoria: los resultados describen a las personas entrevistadas y no "
               "son representativos de toda {population} de {place}."),
        "en": ("Non-random sample: results describe the people interviewed and are not "
               "representative of the whole {population} of {place}."),
    },
    # shown only when the study names its boundaries' source ([boundaries] attribution)
    "attribution": {
        "es": "Límites: {attribution}",
        "en": "Boundaries: {attribution}",
    },
    "source_survey": {
        "es": "Encuesta: {source}",
        "en": "Survey: {source}",
    },
    "city_wide": {"es": "{Whole}", "en": "{Whole}"},
    "city_value": {"es": "{Whole}: {value}", "en": "{Whole}: {value}"},
    "all_respondents": {"es": "Todas las personas encuestadas", "en": "All respondents"},
    "group": {"es": "Grupo", "en": "Group"},
    "indicator": {"es": "Indicador", "en": "Indicator"},
    "classification": {"es": "Clasificación", "en": "Classification"},
    "fixed": {"es": "Intervalos fijos 0–100 %", "en": "Fixed 0–100 % steps"},
    "quantiles": {"es": "Cuantiles", "en": "Quantiles"},
    "natural_breaks": {"es": "Cortes naturales", "en": "Natural breaks"},
    "unit": {"es": "{Unit}", "en": "{Unit}"},
    "value": {"es": "Valor", "en": "Value"},
    "ci95": {"es": "IC 95 %", "en": "95 % CI"},
    "n": {"es": "n (personas con respuesta)", "en": "n (respondents answering)"},
    "respondents": {"es": "Personas encuestadas", "en": "Respondents"},
    "interviews": {"es": "Entrevistas", "en": "Interviews"},
    # the rule is geo4mi.classify.is_wide: (ci_high - ci_low) / 2 >= WIDE_HALF_WIDTH, that is
    # an interval {width} = 2 * 15 = 30 points wide or more (Wilson intervals are asymmetric)
    "wide_interval": {
        "es": "Intervalo amplio (IC 95 % de {width} puntos o más de ancho): estimación imprecisa",
        "en": "Wide interval (95 % CI {width} points wide or more): imprecise estimate",
    },
    # geo4mi.indicators.differences: versus the rest, significant after the correction
    "differs_above": {
        "es": ("Más alto en {este} {unit} que en el resto de {place} (diferencia probada, "
               "con corrección de {correction})."),
        "en": ("Higher in this {unit} than in the rest of {place} (tested difference, "
               "{correction}-corrected)."),
    },
    "differs_below": {
        "es": ("Más bajo en {este} {unit} que en el resto de {place} (diferencia probada, "
               "con corrección de {correction})."),
        "en": ("Lower in this {unit} than in the rest of {place} (tested difference, "
               "{correction}-corrected)."),
    },
    "download_csv": {"es": "Descargar CSV", "en": "Download CSV"},
    "higher_worse": {"es": "Un valor más alto es peor", "en": "Higher is worse"},
    "higher_better": {"es": "Un valor más alto es mejor", "en": "Higher is better"},
    "neutral": {"es": "Indicador descriptivo", "en": "Descriptive indicator"},
    # -- map.: the interactive choropleth --------------------------------------------------------
    "map.page_title": {"es": "Mapa de indicadores por {unit}", "en": "Indicators by {unit}"},
    "map.controls": {"es": "Qué mostrar", "en": "What to show"},
    "map.universe": {"es": "Personas consideradas: {universe}",
                     "en": "People considered: {universe}"},
    "map.units": {"es": "% de las personas consideradas", "en": "% of the people considered"},
    "map.status": {"es": "Estado", "en": "Status"},
    "map.note": {"es": "Nota", "en": "Note"},
    "map.ok": {"es": "estimado", "en": "estimated"},
    "map.table_caption": {"es": "{indicator} — {group}", "en": "{indicator} — {group}"},
    "map.table_hint": {
        "es": "Los mismos números que el mapa, para la selección actual.",
        "en": "The same numbers as the map, for the current selection.",
    },
    "map.showing": {"es": "Mostrando: {indicator} — {group}",
                    "en": "Showing: {indicator} — {group}"},
    "map.uncertainty_rule": {
        "es": ("Incertidumbre: {interval} "
               "{Los} {units} cuyo intervalo mide {width} puntos o más de ancho se dibujan con "
               "color atenuado. Con menos de {min_n} personas encuestadas el valor se suprime "
               "(rayado), igual que algunos valores mayores que permitirían deducirlo de los "
               "totales; sin entrevistas {la} {unit} queda en gris, nunca como 0 %."),
        "en": ("Uncertainty: {interval} {Units} "
               "whose interval is {width} points wide or more are drawn in faded colour. "
               "With fewer than {min_n} respondents the value is suppressed (hatched), as are "
               "some larger values that would let it be worked out from the totals; "
               "{units} without interviews are grey, never 0 %."),
    },
    "map.fallback_fixed": {
        "es": "Menos de dos valores por {unit}: se usan intervalos fijos.",
        "en": "Fewer than two {unit} values: fixed steps are used.",
    },
    "map.csv_file": {"es": "{units_slug}", "en": "{units_slug}"},
    "map.csv_header": {
        "es": "clave,{unit_slug},valor_pct,ic95_inferior_pct,ic95_superior_pct,n,estado",
        "en": "code,{unit_slug},value_pct,ci95_low_pct,ci95_high_pct,n,status",
    },
    "map.csv_note": {"es": "nota", "en": "note"},
    "map.csv_suppressed": {"es": "suprimido", "en": "suppressed"},
    "map.csv_no_data": {"es": "sin datos", "en": "no data"},
    "map.no_interviews_n": {"es": "Sin entrevistas (n = 0)", "en": "No interviews (n = 0)"},
    "map.city_suppressed": {"es": "{Whole}: suprimido",
                            "en": "{Whole}: suppressed"},
    # -- sites.: the site-mapping map and its workshop mode -------------------------------------
    "sites.page_title": {"es": "Mapa de sitios", "en": "Site map"},
    "sites.layer_boroughs": {"es": "{Units}", "en": "{Units}"},
    "sites.layer_sites": {"es": "Sitios: {type}", "en": "Sites: {type}"},
    "sites.layer_catchment": {"es": "Área de influencia ({radius} m)",
                              "en": "Catchment ({radius} m)"},
    "sites.sites": {"es": "Sitios", "en": "Sites"},
    "sites.achieved": {"es": "Entrevistas realizadas", "en": "Interviews achieved"},
    "sites.target": {"es": "Meta de entrevistas", "en": "Interview target"},
    "sites.progress": {"es": "Avance", "en": "Progress"},
    "sites.remaining": {"es": "Faltan", "en": "Still to do"},
    "sites.not_in_plan": {"es": "Sin sitio: fuera del plan", "en": "No site: not in the plan"},
    "sites.outside_city": {"es": "Fuera de {place}", "en": "Outside {place}"},
    "sites.type": {"es": "Tipo", "en": "Type"},
    "sites.name": {"es": "Nombre", "en": "Name"},
    "sites.notes": {"es": "Notas", "en": "Notes"},
    "sites.catchment_legend": {"es": "Radio de {radius} m alrededor de cada sitio",
                               "en": "{radius} m radius around each site"},
    "sites.counts_note": {
        "es": "Conteos por {unit}; nunca se muestran ubicaciones de las personas encuestadas.",
        "en": "Counts per {unit}; respondents' locations are never shown.",
    },
    "sites.public_only": {"es": "Solo lugares públicos: nunca albergues ni viviendas.",
                          "en": "Public places only: never shelters or homes."},
    "sites.workshop_mode": {"es": "Modo taller", "en": "Workshop mode"},
    "sites.workshop_stop": {"es": "Terminar modo taller", "en": "Leave workshop mode"},
    "sites.workshop_help": {"es": "Haga clic en el mapa para proponer un sitio candidato.",
                            "en": "Click on the map to propose a candidate site."},
    "sites.add_title": {"es": "Nuevo sitio candidato", "en": "New candidate site"},
    "sites.edit_title": {"es": "Editar sitio candidato", "en": "Edit candidate site"},
    "sites.save": {"es": "Guardar", "en": "Save"},
    "sites.cancel": {"es": "Cancelar", "en": "Cancel"},
    "sites.edit": {"es": "Editar", "en": "Edit"},
    "sites.delete": {"es": "Eliminar", "en": "Delete"},
    "sites.candidate": {"es": "candidato", "en": "candidate"},
    "sites.candidates": {"es": "Sitios candidatos: {n}", "en": "Candidate sites: {n}"},
    "sites.download": {"es": "Descargar GeoJSON", "en": "Download GeoJSON"},
    "sites.downloaded": {"es": "Descargado: {file}", "en": "Downloaded: {file}"},
    "sites.name_required": {"es": "Escriba un nombre.", "en": "Type a name."},
    "sites.drag_hint": {"es": "Arrastre el símbolo para moverlo.",
                        "en": "Drag the symbol to move it."},
    "sites.restored": {"es": "Se recuperaron {n} sitios candidatos guardados en este navegador.",
                       "en": "{n} candidate sites saved in this browser were restored."},
    "sites.download_name": {"es": "sitios_candidatos.geojson", "en": "candidate_sites.geojson"},
    # -- figure.: the static figures -------------------------------------------------------------
    "figure.legend_title": {"es": "Porcentaje", "en": "Percentage"},
    "figure.city_summary": {"es": "{Whole}: {value} (IC 95 %: {low}–{high}; n = {n})",
                            "en": "{Whole}: {value} (95 % CI: {low}–{high}; n = {n})"},
    "figure.city_summary_suppressed": {
        "es": "{Whole}: suprimido (menos de {min_n} personas)",
        "en": "{Whole}: suppressed (fewer than {min_n} respondents)",
    },
    "figure.city_summary_complementary": {
        "es": "{Whole}: suprimido para que no se deduzca una cifra pequeña",
        "en": "{Whole}: suppressed so that a small figure cannot be worked out",
    },
    "figure.city_summary_no_data": {"es": "{Whole}: sin personas encuestadas",
                                    "en": "{Whole}: no respondents"},
    "figure.caption_n": {
        "es": "n = {n} personas con respuesta válida en {whole} (universo: {universe}).",
        "en": "n = {n} respondents with a valid answer across the {whole} (universe: {universe}).",
    },
    "figure.caption_method": {
        "es": ("{interval} Se suprimen las estimaciones con menos de {min_n} personas, y las "
               "que permitirían deducirlas de los totales."),
        "en": ("{interval} Estimates from fewer than {min_n} respondents are suppressed, and "
               "so are those that would let them be worked out from the totals."),
    },
    "figure.group_subtitle": {"es": "{var}: {value}", "en": "{var}: {value}"},
    "figure.groups_subtitle": {"es": "Según {var}; una sola escala para todos los mapas",
                               "en": "By {var}; one scale for all maps"},
    "figure.groups_empty": {"es": "Sin personas encuestadas en: {values}.",
                            "en": "No respondents in: {values}."},
    "figure.panel_title": {"es": "{value} · {pct} (n = {n})", "en": "{value} · {pct} (n = {n})"},
    "figure.panel_suppressed": {"es": "{value} · suprimido",
                                "en": "{value} · suppressed"},
    "figure.sample_title": {"es": "Distribución de la muestra: entrevistas por {unit}",
                            "en": "Sample distribution: interviews per {unit}"},
    "figure.sample_subtitle": {"es": "{n} entrevistas en {k} de {m} {units}",
                               "en": "{n} interviews in {k} of {m} {units}"},
    "figure.sample_caption_n": {"es": "n = {n} entrevistas asignadas a {una} {unit}.",
                                "en": "n = {n} interviews placed in {a_unit}."},
    "figure.interviews_legend": {"es": "Entrevistas por {unit}",
                                 "en": "Interviews per {unit}"},
    "figure.nationality_title": {"es": "País de nacionalidad de las personas encuestadas",
                                 "en": "Respondents' country of nationality"},
    "figure.nationality_subtitle": {"es": "Porcentaje de personas encuestadas (n = {n})",
                                    "en": "Percentage of respondents (n = {n})"},
    "figure.nationality_other": {"es": "Otros países", "en": "Other countries"},
    "figure.nationality_note": {
        "es": ("«{other}» agrupa {k} respuestas con menos de {min_n} personas o menos del "
               "{share} de la muestra: {names}."),
        "en": ("“{other}” groups {k} answers with fewer than {min_n} respondents or under "
               "{share} of the sample: {names}."),
    },
    "figure.nationality_axis": {"es": "Porcentaje de personas",
                                "en": "Percentage of respondents"},
    "figure.bars_subtitle": {"es": "Por {unit}, con intervalos de confianza al 95 %",
                             "en": "By {unit}, with 95 % confidence intervals"},
    "figure.axis_pct": {"es": "Porcentaje de personas con respuesta válida",
                        "en": "Percentage of respondents with a valid answer"},
    "figure.bar_suppressed": {"es": "suprimido: menos de {min_n} personas",
                              "en": "suppressed: fewer than {min_n} respondents"},
    "figure.bar_complementary": {"es": "suprimido para proteger una cifra pequeña",
                                 "en": "suppressed to protect a small figure"},
    "figure.n_short": {"es": "n = {n}", "en": "n = {n}"},
    "figure.bars_shown": {
        "es": ("Se muestran {shown} de {total} áreas: {which}; las demás están en la tabla de "
               "estimaciones"),
        "en": ("{shown} of {total} areas shown: {which}; the others are in the estimates "
               "table")},
    "figure.bars_top_bottom": {"es": "las {half} con el valor más alto y las {half} con el más bajo",
                               "en": "the {half} with the highest and the {half} with the lowest value"},
    "figure.bars_estimated": {"es": "las que tienen estimación", "en": "those with an estimate"},
    "figure.bars_gap": {"es": "… {k} áreas más …", "en": "… {k} more areas …"},
    # -- which design the intervals assume (shared; geo4mi.indicators.design.interval_note) --
    "interval_srs": {
        "es": ("Intervalos de confianza de Wilson al 95 % que suponen un muestreo aleatorio "
               "simple (sin ponderar)."),
        "en": "95 % Wilson confidence intervals that assume a simple random sample (unweighted).",
    },
    "interval_design": {
        "es": ("Intervalos de confianza del 95 % según el diseño de la encuesta ({parts}): "
               "varianza por linealización de Taylor e intervalo de Wilson sobre el tamaño "
               "efectivo de muestra."),
        "en": ("95 % confidence intervals that follow the survey design ({parts}): "
               "Taylor-linearised variance and Wilson interval on the effective sample size."),
    },
    "design_weight": {"es": "ponderación: {column}", "en": "weights: {column}"},
    "design_strata": {"es": "estratos: {column}", "en": "strata: {column}"},
    "design_cluster": {"es": "conglomerados: {column}", "en": "clusters: {column}"},
    # -- table.: the output tables ---------------------------------------------------------------
    "table.synthetic_note": {"es": "datos sintéticos de demostración",
                             "en": "synthetic demonstration data"},
}


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

    The study placeholders (:meth:`Wording.words`) are filled from the current wording.
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
    words = current_wording().words(lang)
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
