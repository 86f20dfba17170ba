"""Bilingual (Spanish / English) interface text shared by maps, figures and tables.

Spanish is the default for Mexico City. Every user-facing string that is not a survey
label lives here, so maps and figures say the same thing in the same words.

Examples
--------
>>> t("no_interviews", "es")
'Sin entrevistas'
>>> t("suppressed", "en", min_n=10)
'Fewer than 10 respondents (suppressed)'
"""

from __future__ import annotations

from geo4mi.errors import StudyError

LANGUAGES = ("es", "en")

TEXT: dict[str, dict[str, str]] = {
    "no_interviews": {"es": "Sin entrevistas", "en": "No interviews"},
    "suppressed": {
        "es": "Menos de {min_n} personas encuestadas (suprimido)",
        "en": "Fewer than {min_n} respondents (suppressed)",
    },
    "synthetic_banner": {
        "es": "DATOS SINTÉTICOS DE DEMOSTRACIÓN: no son resultados reales de la encuesta 4Mi",
        "en": "SYNTHETIC DEMONSTRATION DATA: not real 4Mi survey results",
    },
    "caveat": {
        "es": ("Muestra no aleatoria: los resultados describen a las personas entrevistadas y no "
               "son representativos de toda la población refugiada y migrante de la ciudad."),
        "en": ("Non-random sample: results describe the people interviewed and are not "
               "representative of the whole refugee and migrant population of the city."),
    },
    "attribution_inegi": {
        "es": "Límites: Fuente: INEGI, Marco Geoestadístico 2022",
        "en": "Boundaries: Source: INEGI, Marco Geoestadístico 2022",
    },
    "source_survey": {
        "es": "Encuesta: {source}",
        "en": "Survey: {source}",
    },
    "city_wide": {"es": "Toda la ciudad", "en": "Whole city"},
    "all_respondents": {"es": "Todas las personas encuestadas", "en": "All respondents"},
    "group": {"es": "Grupo", "en": "Group"},
    "indicator": {"es": "Indicador", "en": "Indicator"},
    "classification": {"es": "Clasificación", "en": "Classification"},
    "fixed": {"es": "Intervalos fijos 0–100 %", "en": "Fixed 0–100 % steps"},
    "quantiles": {"es": "Cuantiles", "en": "Quantiles"},
    "natural_breaks": {"es": "Cortes naturales", "en": "Natural breaks"},
    "borough": {"es": "Alcaldía", "en": "Borough"},
    "value": {"es": "Valor", "en": "Value"},
    "ci95": {"es": "IC 95 %", "en": "95 % CI"},
    "n": {"es": "n (personas con respuesta)", "en": "n (respondents answering)"},
    "respondents": {"es": "Personas encuestadas", "en": "Respondents"},
    "interviews": {"es": "Entrevistas", "en": "Interviews"},
    "wide_interval": {
        "es": "Intervalo amplio (±{half_width} puntos o más): estimación imprecisa",
        "en": "Wide interval (±{half_width} points or more): imprecise estimate",
    },
    "differs_above": {
        "es": "El intervalo de esta alcaldía está por encima del valor de toda la ciudad.",
        "en": "This borough's interval lies above the city-wide value.",
    },
    "differs_below": {
        "es": "El intervalo de esta alcaldía está por debajo del valor de toda la ciudad.",
        "en": "This borough's interval lies below the city-wide value.",
    },
    "download_csv": {"es": "Descargar CSV", "en": "Download CSV"},
    "higher_worse": {"es": "Un valor más alto es peor", "en": "Higher is worse"},
    "higher_better": {"es": "Un valor más alto es mejor", "en": "Higher is better"},
    "neutral": {"es": "Indicador descriptivo", "en": "Descriptive indicator"},
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


def t(key: str, lang: str, **fmt: object) -> str:
    """Interface text ``key`` in ``lang``, formatted with ``fmt``."""
    return TEXT[key][check_language(lang)].format(**fmt)
