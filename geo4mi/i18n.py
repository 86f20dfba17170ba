"""Bilingual (Spanish / English) interface text of maps, figures and tables: one catalogue.

Spanish is the default for Mexico City. Every user-facing string that is not a survey or
catalogue label lives in :data:`TEXT`, so the web maps, the figures and the tables say the
same thing in the same words.

Keys without a prefix are shared by every medium (legend entries, column headings, the
caveat, the attribution...). A prefix marks text that only one medium shows, or that needs a
different wording there:

* ``map.``: the interactive choropleth (:mod:`geo4mi.webmap.choropleth`);
* ``sites.``: the site-mapping map and its workshop mode (:mod:`geo4mi.webmap.sites`);
* ``figure.``: the static figures (:mod:`geo4mi.figures`);
* ``table.``: the output tables (:mod:`geo4mi.indicators.tables`).

Placeholders such as ``{min_n}`` are filled by :func:`t`; :func:`template` returns the text
with its placeholders left in, for the maps' scripts to fill in the browser.

Examples
--------
>>> t("no_interviews", "es")
'Sin entrevistas'
>>> t("suppressed", "en", min_n=10)
'Fewer than 10 respondents (suppressed)'
>>> template("sites.candidates", "en")
'Candidate sites: {n}'
"""

from __future__ import annotations

import difflib

from geo4mi.errors import StudyError

LANGUAGES = ("es", "en")

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
    "caveat": {
        "es": ("Muestra no aleatoria: los resultados describen a las personas entrevistadas y no "
               "son representativos de toda la población refugiada y migrante de la ciudad."),
        "en": ("Non-random sample: results describe the people interviewed and are not "
               "representative of the whole refugee and migrant population of the city."),
    },
    "attribution_inegi": {
        "es": "Límites: INEGI, Marco Geoestadístico 2022",
        "en": "Boundaries: INEGI, Marco Geoestadístico 2022",
    },
    "source_survey": {
        "es": "Encuesta: {source}",
        "en": "Survey: {source}",
    },
    "city_wide": {"es": "Toda la ciudad", "en": "Whole city"},
    "city_value": {"es": "Toda la ciudad: {value}", "en": "Whole city: {value}"},
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
    # the rule is geo4mi.classify.is_wide: (ci_high - ci_low) / 2 >= WIDE_HALF_WIDTH, that is
    # an interval {width} = 2 * 15 = 30 points wide or more (Wilson intervals are asymmetric)
    "wide_interval": {
        "es": "Intervalo amplio (IC 95 % de {width} puntos o más de ancho): estimación imprecisa",
        "en": "Wide interval (95 % CI {width} points wide or more): imprecise estimate",
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
    # -- map.: the interactive choropleth --------------------------------------------------------
    "map.page_title": {"es": "Mapa de indicadores por alcaldía", "en": "Indicators by borough"},
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
               "Las alcaldías cuyo intervalo mide {width} puntos o más de ancho se dibujan con "
               "color atenuado. Con menos de {min_n} personas encuestadas el valor se suprime "
               "(rayado), igual que algunos valores mayores que permitirían deducirlo de los "
               "totales; sin entrevistas la alcaldía queda en gris, nunca como 0 %."),
        "en": ("Uncertainty: {interval} Boroughs "
               "whose interval is {width} points wide or more are drawn in faded colour. "
               "With fewer than {min_n} respondents the value is suppressed (hatched), as are "
               "some larger values that would let it be worked out from the totals; "
               "boroughs without interviews are grey, never 0 %."),
    },
    "map.fallback_fixed": {
        "es": "Menos de dos valores por alcaldía: se usan intervalos fijos.",
        "en": "Fewer than two borough values: fixed steps are used.",
    },
    "map.csv_file": {"es": "alcaldias", "en": "boroughs"},
    "map.csv_header": {
        "es": "clave,alcaldia,valor_pct,ic95_inferior_pct,ic95_superior_pct,n,estado",
        "en": "code,borough,value_pct,ci95_low_pct,ci95_high_pct,n,status",
    },
    "map.csv_note": {"es": "nota", "en": "note"},
    "map.csv_suppressed": {"es": "suprimido", "en": "suppressed"},
    "map.csv_no_data": {"es": "sin datos", "en": "no data"},
    "map.no_interviews_n": {"es": "Sin entrevistas (n = 0)", "en": "No interviews (n = 0)"},
    "map.city_suppressed": {"es": "Toda la ciudad: suprimido",
                            "en": "Whole city: suppressed"},
    # -- sites.: the site-mapping map and its workshop mode -------------------------------------
    "sites.page_title": {"es": "Mapa de sitios", "en": "Site map"},
    "sites.layer_boroughs": {"es": "Alcaldías", "en": "Boroughs"},
    "sites.layer_sites": {"es": "Sitios: {type}", "en": "Sites: {type}"},
    "sites.layer_catchment": {"es": "Área de influencia ({radius} m)",
                              "en": "Catchment ({radius} m)"},
    "sites.sites": {"es": "Sitios", "en": "Sites"},
    "sites.achieved": {"es": "Entrevistas realizadas", "en": "Interviews achieved"},
    "sites.target": {"es": "Meta de entrevistas", "en": "Interview target"},
    "sites.progress": {"es": "Avance", "en": "Progress"},
    "sites.remaining": {"es": "Faltan", "en": "Still to do"},
    "sites.not_in_plan": {"es": "Sin sitio: fuera del plan", "en": "No site: not in the plan"},
    "sites.outside_city": {"es": "Fuera de la ciudad", "en": "Outside the city"},
    "sites.type": {"es": "Tipo", "en": "Type"},
    "sites.name": {"es": "Nombre", "en": "Name"},
    "sites.notes": {"es": "Notas", "en": "Notes"},
    "sites.catchment_legend": {"es": "Radio de {radius} m alrededor de cada sitio",
                               "en": "{radius} m radius around each site"},
    "sites.counts_note": {
        "es": "Conteos por alcaldía; nunca se muestran ubicaciones de las personas encuestadas.",
        "en": "Counts per borough; respondents' locations are never shown.",
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
    "figure.city_summary": {"es": "Toda la ciudad: {value} (IC 95 %: {low}–{high}; n = {n})",
                            "en": "Whole city: {value} (95 % CI: {low}–{high}; n = {n})"},
    "figure.city_summary_suppressed": {
        "es": "Toda la ciudad: suprimido (menos de {min_n} personas)",
        "en": "Whole city: suppressed (fewer than {min_n} respondents)",
    },
    "figure.city_summary_complementary": {
        "es": "Toda la ciudad: suprimido para que no se deduzca una cifra pequeña",
        "en": "Whole city: suppressed so that a small figure cannot be worked out",
    },
    "figure.city_summary_no_data": {"es": "Toda la ciudad: sin personas encuestadas",
                                    "en": "Whole city: no respondents"},
    "figure.caption_n": {
        "es": "n = {n} personas con respuesta válida en toda la ciudad (universo: {universe}).",
        "en": "n = {n} respondents with a valid answer city-wide (universe: {universe}).",
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
    "figure.sample_title": {"es": "Distribución de la muestra: entrevistas por alcaldía",
                            "en": "Sample distribution: interviews per borough"},
    "figure.sample_subtitle": {"es": "{n} entrevistas en {k} de {m} alcaldías",
                               "en": "{n} interviews in {k} of {m} boroughs"},
    "figure.sample_caption_n": {"es": "n = {n} entrevistas asignadas a una alcaldía.",
                                "en": "n = {n} interviews placed in a borough."},
    "figure.interviews_legend": {"es": "Entrevistas por alcaldía",
                                 "en": "Interviews per borough"},
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
    "figure.bars_subtitle": {"es": "Por alcaldía, con intervalos de confianza al 95 %",
                             "en": "By borough, with 95 % confidence intervals"},
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

    Raises :class:`KeyError` for a key that is not in :data:`TEXT` (a bug in the caller,
    so the message suggests the nearest keys) and :class:`StudyError` for a language
    other than those in :data:`LANGUAGES`.

    Examples
    --------
    >>> template("city_value", "es")
    'Toda la ciudad: {value}'
    >>> template("city_valeu", "es")
    Traceback (most recent call last):
    ...
    KeyError: "interface text 'city_valeu' is unknown; did you mean 'city_value' or ...
    """
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
    text = template(key, lang)
    try:
        return text.format(**fmt)
    except KeyError as exc:
        raise KeyError(f"interface text {key!r} needs a value for {{{exc.args[0]}}}") from None
