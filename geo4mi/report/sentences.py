"""The report's sentence templates, per language: every word of the report comes from here.

Each entry of :data:`SENTENCES` is one sentence (or heading) in every language of
:data:`REPORT_LANGUAGES` (Spanish and English here; French and Portuguese in
:mod:`geo4mi.report.sentences_fr_pt`, merged below; :func:`check_complete` checks that none
is missing). Placeholders are of two kinds:

* the study's words (``{unit}``, ``{units}``, ``{Units}``, ``{place}``, ``{whole}``,
  ``{Whole}``, ``{population}``, ``{los}``...), filled from the current
  :class:`geo4mi.i18n.Wording` — the library names no place;
* the data of one sentence (``{label}``, ``{value}``, ``{area}``...), passed to :func:`say`
  already formatted (:func:`estimate_text`).

Values are inserted once with :meth:`str.format`: a label or an area name that contains
braces is never read as a placeholder, and the HTML template escapes everything.

Examples
--------
>>> say("n_areas_enough", "en", k=8)
'8 areas with published figures'
>>> estimate_text(0.4521, 0.35, 0.553, 96, "en")
'45\\xa0% (95\\xa0% CI 35–55\\xa0%, n\\xa0=\\xa096)'
>>> estimate_text(0.4521, 0.35, 0.553, 96, "es")
'45\\xa0% (IC 95\\xa0%: 35–55\\xa0%, n\\xa0=\\xa096)'
"""

from __future__ import annotations

import difflib

from geo4mi.errors import StudyError
from geo4mi.i18n import check_language, current_wording
from geo4mi.report.sentences_fr_pt import FRENCH, PORTUGUESE

NBSP = "\u00a0"
#: Languages the report is written in: every entry of :data:`SENTENCES` has these.
REPORT_LANGUAGES: tuple[str, ...] = ("es", "en", "fr", "pt")

SENTENCES: dict[str, dict[str, str]] = {
    # -- headings --------------------------------------------------------------------------
    "title_suffix": {"es": "Informe de resultados", "en": "Findings report"},
    "contents": {"es": "Contenido", "en": "Contents"},
    "key_findings": {"es": "Resumen y hallazgos principales", "en": "Summary and key findings"},
    "profile": {"es": "Las personas encuestadas", "en": "The respondents"},
    "methodology": {"es": "Metodología", "en": "Methodology"},
    "limitations": {"es": "Limitaciones", "en": "Limitations"},
    "annex_quality": {"es": "Anexo A. Calidad de los datos",
                      "en": "Annex A. Data quality"},
    "annex_indicators": {"es": "Anexo B. Todos los indicadores de {whole}",
                         "en": "Annex B. Every indicator, {whole}"},
    "handouts": {"es": "Fichas por {unit}", "en": "One page per {unit}"},
    "closing": {"es": "Nota final", "en": "Closing note"},
    "groups_differ": {"es": "Grupos que difieren", "en": "Groups that differ"},
    "areas_differ": {"es": "{Units} que difieren", "en": "{Units} that differ"},
    "headline": {"es": "Indicadores principales", "en": "Headline indicators"},
    # -- table headings -------------------------------------------------------------------
    "col_unit": {"es": "{Unit}", "en": "{Unit}"},
    "col_respondents": {"es": "Personas encuestadas", "en": "Respondents"},
    "col_share": {"es": "% de la muestra", "en": "% of the sample"},
    "col_indicator": {"es": "Indicador", "en": "Indicator"},
    "col_theme": {"es": "Tema", "en": "Theme"},
    "col_value": {"es": "Valor", "en": "Value"},
    "col_ci": {"es": "IC 95 %", "en": "95 % CI"},
    "col_n": {"es": "n", "en": "n"},
    "col_universe": {"es": "Universo", "en": "Universe"},
    "col_area_value": {"es": "{Este} {unit}", "en": "This {unit}"},
    "col_city_value": {"es": "{Whole}", "en": "{Whole}"},
    "col_difference": {"es": "Diferencia probada", "en": "Tested difference"},
    "col_check": {"es": "Control", "en": "Check"},
    "col_count": {"es": "Cantidad", "en": "Count"},
    "col_note": {"es": "Detalle", "en": "Detail"},
    "col_group": {"es": "Grupo", "en": "Group"},
    # -- cells ----------------------------------------------------------------------------
    "cell_hidden": {"es": "suprimido", "en": "suppressed"},
    "cell_hidden_n": {"es": "menos de {min_n} o suprimido",
                      "en": "fewer than {min_n} or suppressed"},
    "cell_small_n": {"es": "menos de {min_n}", "en": "fewer than {min_n}"},
    "cell_protected": {"es": "oculto para proteger una cifra pequeña",
                       "en": "hidden to protect a small figure"},
    "cell_no_data": {"es": "sin entrevistas", "en": "no interviews"},
    "cell_higher": {"es": "más alto que en el resto", "en": "higher than the rest"},
    "cell_lower": {"es": "más bajo que en el resto", "en": "lower than the rest"},
    "cell_not_shown": {"es": "no se puede afirmar", "en": "cannot tell"},
    "link_map": {"es": "mapa", "en": "map"},
    "link_figure": {"es": "figura", "en": "figure"},
    "link_table": {"es": "tabla", "en": "table"},
    # -- numbers --------------------------------------------------------------------------
    "estimate": {"es": "{value} (IC 95 %: {low}–{high}, n = {n})",
                 "en": "{value} (95 % CI {low}–{high}, n = {n})"},
    "difference": {"es": "{diff} puntos, IC 95 %: {low} a {high}",
                   "en": "{diff} points, 95 % CI {low} to {high}"},
    "n_areas_enough": {"es": "{k} {units} con cifras publicadas",
                       "en": "{k} {units} with published figures"},
    # -- the front page -------------------------------------------------------------------
    "synthetic_banner": {
        "es": "DATOS SINTÉTICOS DE DEMOSTRACIÓN: estas cifras no son resultados reales de una "
              "encuesta.",
        "en": "SYNTHETIC DEMONSTRATION DATA: these figures are not real survey results."},
    "about": {
        "es": "Este informe resume las respuestas de {n} personas encuestadas en {place}. "
              "Cada cifra lleva su intervalo de confianza del 95 % y el número de personas "
              "con respuesta (n). Los hallazgos están numerados para poder citarlos en el "
              "taller de validación.",
        "en": "This report summarises the answers of {n} respondents in {place}. Every figure "
              "carries its 95 % confidence interval and the number of respondents answering "
              "(n). Findings are numbered so that workshop participants can refer to them."},
    "source": {"es": "Encuesta: {source}", "en": "Survey: {source}"},
    "attribution": {"es": "Límites: {attribution}", "en": "Boundaries: {attribution}"},
    "caveat": {
        "es": "Muestra no aleatoria: los resultados describen a las personas entrevistadas y "
              "no son representativos de toda {population} de {place}.",
        "en": "Non-random sample: results describe the people interviewed and are not "
              "representative of the whole {population} of {place}."},
    # -- findings -------------------------------------------------------------------------
    "find_city": {
        "es": "{label}: {estimate} en {whole} (universo: {universe}).",
        "en": "{label}: {estimate} in the {whole} (universe: {universe})."},
    "find_highest": {
        "es": "{label}: {estimate} de las personas entrevistadas en {area}, el valor más alto "
              "de {los} {areas_enough}; la diferencia con el resto es significativa "
              "({difference}).",
        "en": "{label}: {estimate} of the people interviewed in {area}, the highest of the "
              "{areas_enough}; the difference from the rest is significant: {difference}."},
    "find_lowest": {
        "es": "{label}: {estimate} de las personas entrevistadas en {area}, el valor más bajo "
              "de {los} {areas_enough}; la diferencia con el resto es significativa "
              "({difference}).",
        "en": "{label}: {estimate} of the people interviewed in {area}, the lowest of the "
              "{areas_enough}; the difference from the rest is significant: {difference}."},
    "find_max_untested": {
        "es": "{label}: el valor más alto de {los} {areas_enough} es el de {area}, "
              "{estimate}, pero los datos no permiten afirmar que difiera del resto de "
              "{los} {units} ({rest}).",
        "en": "{label}: the highest value of the {areas_enough} is in {area}, {estimate}, "
              "but the data cannot tell whether it differs from the other {units} ({rest})."},
    "find_min_untested": {
        "es": "{label}: el valor más bajo de {los} {areas_enough} es el de {area}, "
              "{estimate}, pero los datos no permiten afirmar que difiera del resto de "
              "{los} {units} ({rest}).",
        "en": "{label}: the lowest value of the {areas_enough} is in {area}, {estimate}, "
              "but the data cannot tell whether it differs from the other {units} ({rest})."},
    "find_area_higher": {
        "es": "{label}: {estimate} en {area}, más alto que en el resto de {los} {units} "
              "({rest}; {difference}).",
        "en": "{label}: {estimate} in {area}, higher than in the other {units} ({rest}; "
              "{difference})."},
    "find_area_lower": {
        "es": "{label}: {estimate} en {area}, más bajo que en el resto de {los} {units} "
              "({rest}; {difference}).",
        "en": "{label}: {estimate} in {area}, lower than in the other {units} ({rest}; "
              "{difference})."},
    "find_group_higher": {
        "es": "{label}: {estimate} en el grupo «{group}» ({group_var}), más alto que en los "
              "demás grupos ({rest}; {difference}).",
        "en": "{label}: {estimate} in the group “{group}” ({group_var}), higher than in the "
              "other groups ({rest}; {difference})."},
    "find_group_lower": {
        "es": "{label}: {estimate} en el grupo «{group}» ({group_var}), más bajo que en los "
              "demás grupos ({rest}; {difference}).",
        "en": "{label}: {estimate} in the group “{group}” ({group_var}), lower than in the "
              "other groups ({rest}; {difference})."},
    "rest_value": {"es": "resto: {value}", "en": "rest: {value}"},
    "find_too_few_areas": {
        "es": "{label}: solo {k} {units} tienen suficientes entrevistas para comparar.",
        "en": "{label}: only {k} {units} have enough interviews to compare."},
    "no_group_differences": {
        "es": "Ninguna diferencia entre grupos de este tema resiste la prueba con corrección "
              "por comparaciones múltiples.",
        "en": "No difference between groups on this theme survives the test with its "
              "correction for multiple comparisons."},
    "no_area_differences": {
        "es": "Ninguna diferencia entre {units} de este tema resiste la prueba con corrección "
              "por comparaciones múltiples.",
        "en": "No difference between {units} on this theme survives the test with its "
              "correction for multiple comparisons."},
    "no_differences_available": {
        "es": "No se probaron diferencias (el módulo de diferencias no está disponible).",
        "en": "No differences were tested (the differences module is not available)."},
    # -- profile --------------------------------------------------------------------------
    "profile_intro": {
        "es": "{n} personas encuestadas analizadas; {k} de {m} {units} tienen "
              "suficientes entrevistas para publicar cifras.",
        "en": "{n} respondents analysed; {k} of {m} {units} have enough interviews for "
              "figures to be published."},
    "profile_by": {"es": "Personas encuestadas por {what}", "en": "Respondents by {what}"},
    "profile_unit": {"es": "{unit}", "en": "{unit}"},
    "profile_hidden_note": {
        "es": "«{small}»: una cifra de menos de {min_n} personas no se publica; «{protected}»: "
              "una cifra mayor que, con los totales, permitiría deducir otra pequeña.",
        "en": "“{small}”: a figure of fewer than {min_n} respondents is not published; "
              "“{protected}”: a larger figure from which, with the totals, a small one could "
              "be worked out."},
    # -- methodology ----------------------------------------------------------------------
    "method_sample": {
        "es": "Se analizaron {n} personas encuestadas. El archivo de estudio declara el "
              "diseño de la muestra ({design}).",
        "en": "{n} respondents were analysed. The study file declares the sample design "
              "({design})."},
    "method_design_srs": {"es": "ninguno: se supone muestreo aleatorio simple",
                          "en": "none: simple random sampling assumed"},
    "method_design_keys": {"es": "{keys}", "en": "{keys}"},
    "method_ignore_design": {
        "es": "Estos intervalos miden solo el error de muestreo bajo ese diseño: tienen en "
              "cuenta que las entrevistas se agrupan en conglomerados, pero no corrigen el sesgo "
              "de una muestra no aleatoria (quién fue entrevistado, dónde y por quién), la falta "
              "de respuesta ni los errores de declaración o de ubicación. Donde {una} {unit} "
              "tiene pocos conglomerados propios, su efecto de diseño se modela con la "
              "correlación intraclase de {whole}.",
        "en": "These intervals measure sampling error under that design only: they allow for "
              "interviews being grouped in clusters, but they do not correct the bias of a "
              "non-random sample (who was interviewed, where and by whom), non-response or "
              "errors of self-report or placement. Where {a_unit} has few clusters of its own, "
              "its design effect is modelled from the intra-class correlation of the {whole}."},
    "method_ignore_srs": {
        "es": "Estos intervalos suponen un muestreo aleatorio simple: ignoran que las "
              "entrevistas se agrupan (por persona encuestadora o por sitio), por lo que pueden "
              "ser demasiado estrechos, y no corrigen el sesgo de una muestra no aleatoria, la "
              "falta de respuesta ni los errores de declaración o de ubicación.",
        "en": "These intervals assume a simple random sample: they ignore that interviews are "
              "grouped (by enumerator or by site), so they may be too narrow, and they do not "
              "correct the bias of a non-random sample, non-response or errors of self-report "
              "or placement."},
    "method_universe": {
        "es": "Se excluyeron del análisis las personas que cumplen alguna de estas reglas: "
              "{rules}.",
        "en": "Respondents matching any of these rules were excluded from the analysis: "
              "{rules}."},
    "method_placement": {
        "es": "Cada persona se ubica en {una} {unit} según {placement}; la política ante "
              "un desacuerdo entre el nombre declarado y el GPS es «{policy}».",
        "en": "Each respondent is placed in {a_unit} by {placement}; when the declared name "
              "and the GPS disagree the policy is “{policy}”."},
    "method_placement_declared": {"es": "el nombre declarado de {la} {unit} (columna «{column}»)",
                                  "en": "the declared {unit} (column “{column}”)"},
    "method_placement_gps": {"es": "su punto GPS (pregunta «{column}»)",
                             "en": "its GPS point (question “{column}”)"},
    "method_and": {"es": " y ", "en": " and "},
    "method_column": {"es": "{label}, columna «{column}»", "en": "{label}, column “{column}”"},
    "method_intervals": {
        "es": "Cada porcentaje es la proporción de las personas del universo del indicador "
              "con una respuesta válida (n).",
        "en": "Every percentage is the share of the respondents in the indicator's universe "
              "with a valid answer (n)."},
    "method_differences": {
        "es": "Una diferencia entre {una} {unit} y el resto, o entre un grupo y los demás, se "
              "afirma solo si resiste la prueba con la corrección de {method} por "
              "comparaciones múltiples (α = {alpha}); en los demás casos el informe dice que "
              "los datos no permiten afirmarla. Se probaron {tested} comparaciones; "
              "{significant} resisten la corrección.",
        "en": "A difference between {a_unit} and the rest, or between a group and the others, "
              "is stated only where it survives the test with the {method} correction for "
              "multiple comparisons (α = {alpha}); otherwise the report says the data cannot "
              "tell. {tested} comparisons were tested; {significant} survive the correction."},
    "method_suppression": {
        "es": "Control de divulgación: no se publica ninguna cifra basada en menos de {min_n} "
              "personas, ni las cifras que permitirían deducirla a partir de los totales "
              "(supresión complementaria) o del n de otro indicador. {hidden} de {cells} "
              "celdas con entrevistas están suprimidas; ninguna aparece en este informe.",
        "en": "Disclosure control: no figure based on fewer than {min_n} respondents is "
              "published, nor any figure from which one could be worked out from the totals "
              "(complementary suppression) or from another indicator's n. {hidden} of {cells} "
              "cells with interviews are suppressed; none of them appears in this report."},
    "method_no_data": {
        "es": "{Units} sin entrevistas aparecen como «sin entrevistas», nunca como 0 %.",
        "en": "{Units} without interviews are shown as “no interviews”, never as 0 %."},
    # -- limitations ----------------------------------------------------------------------
    "limit_sample": {
        "es": "La muestra no es aleatoria: los resultados describen a las personas "
              "entrevistadas y no son representativos de toda {population} de {place}. Las "
              "{units} con más entrevistas pesan más en las cifras de {whole}.",
        "en": "The sample is not random: results describe the people interviewed and are not "
              "representative of the whole {population} of {place}. {Units} with more "
              "interviews weigh more in the figures for the {whole}."},
    "limit_self_report": {
        "es": "Las respuestas son declaraciones de las personas encuestadas y no pueden "
              "verificarse de forma independiente; puede haber sesgo de respuesta.",
        "en": "Answers are self-reported and cannot be verified independently; there may be "
              "response bias."},
    "limit_wide": {
        "es": "Con pocas entrevistas por {unit}, los intervalos son amplios: que una "
              "diferencia no resista la prueba no significa que no exista.",
        "en": "With few interviews per {unit}, intervals are wide: a difference that does not "
              "survive the test is not shown to be absent."},
    "limit_synthetic": {
        "es": "Los datos de este informe son sintéticos: sirven para demostrar el método y no "
              "describen a ninguna persona real.",
        "en": "The data of this report are synthetic: they demonstrate the method and describe "
              "no real person."},
    # -- annexes --------------------------------------------------------------------------
    "quality_intro": {
        "es": "Resumen del control de calidad de los datos (geo4mi check). El informe "
              "completo, con detalle por fila, se guarda con los datos originales.",
        "en": "Summary of the data-quality check (geo4mi check). The full report, with "
              "row-level detail, stays with the raw data."},
    "annex_intro": {
        "es": "Valor de {whole} de cada indicador, con su intervalo de confianza del 95 % y "
              "n. {interval_note}",
        "en": "The {whole} value of every indicator, with its 95 % confidence interval and n. "
              "{interval_note}"},
    # -- handouts -------------------------------------------------------------------------
    "handout_title": {"es": "{area}: cifras frente a {whole}",
                      "en": "{area}: figures against the {whole}"},
    "handout_intro": {
        "es": "{n} personas entrevistadas en {area}. «Diferencia probada» dice si la "
              "diferencia con el resto de {los} {units} resiste la prueba.",
        "en": "{n} people interviewed in {area}. “Tested difference” says whether the "
              "difference from the other {units} survives the test."},
    "handout_intro_hidden": {
        "es": "Número de entrevistas en {area} suprimido.",
        "en": "The number of interviews in {area} is suppressed."},
    # -- closing --------------------------------------------------------------------------
    "closing_counts": {
        "es": "Este informe enuncia {findings} hallazgos numerados. La regla de diferencias "
              "probadas rechazó {rejected} de {tested} comparaciones candidatas.",
        "en": "This report states {findings} numbered findings. The tested-difference rule "
              "rejected {rejected} of {tested} candidate comparisons."},
    "generated_by": {"es": "Generado por geo4mi a partir de la tabla de estimaciones "
                           "protegida.",
                     "en": "Generated by geo4mi from the protected estimates table."},
    # -- geo4mi compare (geo4mi.report.compare) ----------------------------------------------
    "compare.title": {"es": "Comparación de estudios", "en": "Studies compared"},
    "compare.intro": {"es": "{k} indicadores comunes a {m} estudios, comparados en el conjunto de "
                    "cada estudio (todas las personas encuestadas).",
              "en": "{k} indicators shared by {m} studies, compared study-wide (all "
                    "respondents)."},
    "compare.banner": {"es": "DATOS SINTÉTICOS DE DEMOSTRACIÓN: al menos un estudio comparado no "
                     "contiene resultados reales de una encuesta.",
               "en": "SYNTHETIC DEMONSTRATION DATA: at least one study compared holds no real "
                     "survey results."},
    "compare.synthetic": {"es": "datos sintéticos", "en": "synthetic data"},
    "compare.caveat": {"es": "Muestra no aleatoria: los resultados describen a las personas "
                     "entrevistadas y no son representativos de toda {population} de {place}.",
               "en": "Non-random sample: results describe the people interviewed and are "
                     "not representative of the whole {population} of {place}."},
    "compare.studies": {"es": "Estudios", "en": "Studies"},
    "compare.indicators": {"es": "Indicadores", "en": "Indicators"},
    "compare.method_head": {"es": "Método", "en": "Method"},
    "compare.method": {"es": "Diferencia p(A) − p(B) con el intervalo híbrido de Newcombe "
                     "(puntuación "
                     "de Wilson) y la prueba z de dos proporciones; valores p ajustados por "
                     "Holm en las {m} comparaciones de la tabla; una diferencia se afirma solo "
                     "cuando el valor p ajustado es menor que {alpha} y el intervalo excluye "
                     "0. Los estudios se tratan como muestras independientes.",
               "en": "Difference p(A) − p(B) with Newcombe's hybrid (Wilson score) interval "
                     "and the two-proportion z test; p-values adjusted by Holm across the "
                     "{m} comparisons of the table; a difference is stated only when the "
                     "adjusted p-value is below {alpha} and the interval excludes 0. The "
                     "studies are treated as independent samples."},
    "compare.col_indicator": {"es": "Indicador", "en": "Indicator"},
    "compare.col_study": {"es": "Estudio", "en": "Study"},
    "compare.col_value": {"es": "Valor (IC 95 %, n)", "en": "Value (95 % CI, n)"},
    "compare.col_difference": {"es": "Diferencia probada", "en": "Tested difference"},
    "compare.col_note": {"es": "Nota", "en": "Note"},
    "compare.value": {"es": "{p} (IC 95 %: {low}–{high}, n = {n})",
              "en": "{p} (95 % CI {low}–{high}, n = {n})"},
    "compare.hidden": {"es": "suprimido", "en": "suppressed"},
    "compare.no_data": {"es": "sin entrevistas", "en": "no interviews"},
    "compare.diff": {"es": "{a} − {b}: {d} puntos (IC 95 % {low} a {high}; p ajustado {padj})",
             "en": "{a} − {b}: {d} points (95 % CI {low} to {high}; adjusted p {padj})"},
    "compare.higher": {"es": "{a} más alto que {b}", "en": "{a} higher than {b}"},
    "compare.lower": {"es": "{a} más bajo que {b}", "en": "{a} lower than {b}"},
    "compare.cannot_tell": {"es": "los datos no permiten afirmar una diferencia",
                    "en": "the data cannot tell a difference"},
    "compare.untested": {"es": "{a} − {b}: sin prueba (una cifra suprimida o sin entrevistas)",
                 "en": "{a} − {b}: not tested (a figure is suppressed or has no interviews)"},
    "compare.note_question": {"es": "la pregunta difiere", "en": "the question differs"},
    "compare.note_choices": {"es": "las opciones contadas difieren",
                     "en": "the choices counted differ"},
    "compare.note_numerator": {"es": "la definición difiere", "en": "the definition differs"},
    "compare.note_universe": {"es": "el universo difiere", "en": "the universe differs"},
    "compare.note_label": {"es": "el texto de la pregunta en el formulario difiere",
                   "en": "the form's wording of the question differs"},
    "compare.all_respondents": {"es": "todas las personas", "en": "all respondents"},
    "compare.legend": {"es": "Punto: valor; línea: intervalo de confianza del 95 %. Una cifra "
                     "suprimida no se dibuja.",
               "en": "Dot: value; line: 95 % confidence interval. A suppressed figure is not "
                     "drawn."},
    "compare.generated_by": {"es": "Generado por geo4mi compare.", "en": "Made by geo4mi compare."},
}
for _lang, _texts in (("fr", FRENCH), ("pt", PORTUGUESE)):
    for _key, _text in _texts.items():
        SENTENCES[_key][_lang] = _text  # an unknown key is a KeyError at import


def say(key: str, lang: str, **fields: object) -> str:
    """Sentence ``key`` in ``lang``, with the study's words and ``fields`` filled in.

    Raises :class:`KeyError` for an unknown key (a bug: the message names the nearest)
    or a missing field.

    Examples
    --------
    >>> from geo4mi.i18n import Wording, use_wording
    >>> with use_wording(Wording(unit={"en": ("commune", "communes")})):
    ...     say("no_area_differences", "en")[:40]
    'No difference between communes on this t'
    >>> say("no_such", "en")
    Traceback (most recent call last):
    ...
    KeyError: "report sentence 'no_such' is unknown; (keys are in geo4mi.report.sentences)"
    """
    entry = SENTENCES.get(key)
    if entry is None:
        near = difflib.get_close_matches(key, SENTENCES, n=2)
        hint = f"did you mean {' or '.join(map(repr, near))}? " if near else ""
        raise KeyError(f"report sentence {key!r} is unknown; {hint}(keys are in "
                       "geo4mi.report.sentences)")
    words = current_wording().words(check_report_language(lang))
    words["Este"] = words["este"].capitalize()
    try:
        text = entry[lang].format(**{**words, **fields})
    except KeyError as exc:
        raise KeyError(f"report sentence {key!r} needs {{{exc.args[0]}}}") from None
    return text.replace(" %", NBSP + "%").replace("n = ", f"n{NBSP}={NBSP}")


def pct(p: float, lang: str) -> str:
    """A proportion as a whole percentage with the language's conventions.

    Examples
    --------
    >>> pct(0.456, "en"), pct(0.0049, "es")
    ('46\\xa0%', '0\\xa0%')
    """
    return f"{100 * float(p):.0f}{NBSP}%"


def points(d: float, lang: str) -> str:
    """A difference of proportions in percentage points, signed.

    Examples
    --------
    >>> points(0.123, "en"), points(-0.05, "es")
    ('+12', '−5')
    """
    value = round(100 * float(d))
    return ("+" if value > 0 else "−" if value < 0 else "") + str(abs(value))


def estimate_text(p: float, low: float, high: float, n: int, lang: str) -> str:
    """"45 % (95 % CI 35–55 %, n = 96)" in ``lang`` (values 0..1)."""
    return say("estimate", lang, value=pct(p, lang), low=f"{100 * float(low):.0f}",
               high=pct(high, lang), n=int(n))


def difference_text(diff: float, low: float, high: float, lang: str) -> str:
    """"+12 points, 95 % CI +3 to +21" in ``lang``."""
    return say("difference", lang, diff=points(diff, lang), low=points(low, lang),
               high=points(high, lang))


def check_report_language(lang: str) -> str:
    """Return ``lang`` if the report is written in it, else raise a :class:`StudyError`.

    Examples
    --------
    >>> check_report_language("es")
    'es'
    >>> check_report_language("pt")
    'pt'
    >>> check_report_language("de")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo4mi.errors.StudyError: language 'de' is not supported; ...
    """
    check_language(lang)
    if lang not in REPORT_LANGUAGES:
        raise StudyError(f"the findings report is written in {' or '.join(REPORT_LANGUAGES)}, "
                         f"not {lang!r}; pass "
                         f"{' or '.join('--lang ' + code for code in REPORT_LANGUAGES)}")
    return lang


def check_complete() -> None:
    """Raise if a sentence lacks a language or the languages use different placeholders.

    Examples
    --------
    >>> check_complete()
    """
    import string

    study = set(current_wording().words("en")) | {"Este"}
    for key, entry in SENTENCES.items():
        missing = [lang for lang in REPORT_LANGUAGES if not entry.get(lang)]
        if missing:
            raise KeyError(f"report sentence {key!r} has no {missing[0]!r} text")
        fields = {lang: {f for _, f, _, _ in string.Formatter().parse(entry[lang])
                         if f and f not in study} for lang in REPORT_LANGUAGES}
        if len({frozenset(v) for v in fields.values()}) != 1:
            raise KeyError(f"report sentence {key!r}: languages use different placeholders "
                           f"{fields}")
