"""Build the bundled XLSForm, ``data/questionnaire.xlsx``.

Run from the repository root (any time; the output is byte-identical on every run)::

    .venv/bin/python tools/build_questionnaire.py

The form follows the table "Bundled questionnaire" of ``docs/design.md``: the groups are
the six themes of the 4Mi Cities survey (``profile``, ``livelihoods``, ``services``,
``housing``, ``protection``, ``life_in_city``), question and choice names are the ones the
indicator catalogue refers to, and every label and hint is written in Spanish (the default
language) and English. It is a questionnaire written for geo4mi after the themes and
figures of the 4Mi Cities Mexico City report, not the official 4Mi instrument.

Besides the questions of the design table it has the usual KoboToolbox metadata questions
``start`` and ``end`` and an introductory note. Eligibility (18 or older, 3 months to 5
years in the city) is enforced with constraints, and "none" answers of multiple-choice
questions cannot be combined with other answers.

Determinism: openpyxl stamps the current time into ``docProps/core.xml`` and into every
zip member, so the workbook properties get a fixed date and the archive is rewritten with
fixed member timestamps.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from geo4mi.io import atomic_write  # noqa: E402

OUTPUT = REPO / "data" / "questionnaire.xlsx"
FIXED_DATE = dt.datetime(2021, 6, 1, 0, 0, 0)
_ZIP_DATE = (2021, 6, 1, 0, 0, 0)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")

ES, EN = "Spanish (es)", "English (en)"
SURVEY_COLUMNS = ["type", "name", f"label::{ES}", f"label::{EN}", f"hint::{ES}", f"hint::{EN}",
                  "required", "relevant", "constraint", f"constraint_message::{ES}",
                  f"constraint_message::{EN}", "appearance"]
CHOICE_COLUMNS = ["list_name", "name", f"label::{ES}", f"label::{EN}"]

YES = "yes"
_NONE_ALONE = "not(selected(., 'none') and count-selected(.) > 1)"
_NONE_ALONE_MSG = ("«Ninguno» no puede combinarse con otras respuestas.",
                   "'None' cannot be combined with other answers.")
_WORKS = ("selected(${occupation_now}, 'employed') or selected(${occupation_now}, "
          "'self_employed') or selected(${occupation_now}, 'civil_servant')")


def q(type_: str, name: str, es: str, en: str, *, hint: tuple[str, str] | None = None,
      required: bool = True, relevant: str = "", constraint: str = "",
      message: tuple[str, str] | None = None, appearance: str = "") -> list[str]:
    """One survey row, in the order of :data:`SURVEY_COLUMNS`."""
    hint_es, hint_en = hint or ("", "")
    msg_es, msg_en = message or ("", "")
    data_type = type_.split()[0] not in ("begin_group", "end_group", "note", "start", "end")
    return [type_, name, es, en, hint_es, hint_en, YES if (required and data_type) else "",
            relevant, constraint, msg_es, msg_en, appearance]


def group(name: str, es: str, en: str) -> list[str]:
    return q("begin_group", name, es, en)


END_GROUP = q("end_group", "", "", "")

SURVEY: list[list[str]] = [
    q("start", "start", "", ""),
    q("end", "end", "", ""),
    q("note", "intro", "Gracias por aceptar participar. Esta encuesta es anónima y voluntaria: "
      "puede dejar de responder cuando quiera. Es para personas refugiadas y migrantes de 18 "
      "años o más que viven en la Ciudad de México desde hace entre 3 meses y 5 años.",
      "Thank you for agreeing to take part. This survey is anonymous and voluntary: you can "
      "stop at any time. It is for refugees and migrants aged 18 or over who have lived in "
      "Mexico City for between 3 months and 5 years."),
    q("select_one site", "interview_site", "Tipo de lugar donde se realiza la entrevista",
      "Type of place where the interview takes place"),
    q("select_one enumerator", "enumerator", "Código de la persona encuestadora",
      "Enumerator code"),
    q("geopoint", "gps", "Ubicación aproximada de la entrevista (opcional)",
      "Approximate location of the interview (optional)", required=False,
      hint=("Capture el punto solo si la persona está de acuerdo. Nunca registre la ubicación "
            "de un albergue ni de una vivienda.",
            "Capture the point only if the respondent agrees. Never record the location of a "
            "shelter or a home.")),

    group("profile", "Perfil demográfico y migratorio", "Demographic and migration profile"),
    q("select_one alcaldia", "borough", "¿En qué alcaldía vive actualmente?",
      "In which borough (alcaldía) do you currently live?", appearance="minimal"),
    q("integer", "age", "¿Qué edad tiene? (años cumplidos)", "How old are you? (completed years)",
      constraint=". >= 18 and . <= 100",
      message=("La encuesta es solo para personas de 18 años o más.",
               "The survey is only for people aged 18 or over.")),
    q("select_one gender", "gender", "¿Con qué género se identifica?",
      "Which gender do you identify with?"),
    q("select_one country", "nationality", "¿Cuál es su nacionalidad?",
      "What is your nationality?", appearance="minimal"),
    q("select_one education", "education", "¿Cuál es el nivel de estudios más alto que completó?",
      "What is the highest level of education you have completed?"),
    q("select_one marital", "marital", "¿Cuál es su estado civil?",
      "What is your marital status?"),
    q("select_one migration_status", "migration_status",
      "¿Cuál es su situación migratoria en México?", "What is your immigration status in Mexico?"),
    q("select_one time_in_city", "time_in_city",
      "¿Cuánto tiempo lleva viviendo en la Ciudad de México?",
      "How long have you been living in Mexico City?",
      constraint=". != 'lt_3m' and . != 'gt_5y'",
      message=("La encuesta es para personas que viven en la ciudad desde hace entre 3 meses "
               "y 5 años.",
               "The survey is for people who have lived in the city for between 3 months and "
               "5 years.")),
    q("integer", "hh_size", "¿Cuántas personas, incluyéndole a usted, viven en su hogar?",
      "How many people, including yourself, live in your household?",
      constraint=". >= 1 and . <= 30",
      message=("Escriba un número entre 1 y 30.", "Enter a number between 1 and 30.")),
    q("select_one yes_no", "hh_children",
      "¿Viven niñas, niños o adolescentes (menores de 18 años) en su hogar?",
      "Are there children (under 18) in your household?"),
    q("select_one yes_no", "children_0_5", "¿Hay niñas o niños de 0 a 5 años en su hogar?",
      "Are there children aged 0 to 5 in your household?", relevant="${hh_children} = 'yes'"),
    q("select_one yes_no", "children_over_5",
      "¿Hay niñas, niños o adolescentes de más de 5 años en su hogar?",
      "Are there children over 5 in your household?", relevant="${hh_children} = 'yes'"),
    q("select_one yes_no", "hh_specific_needs",
      "¿Alguna persona de su hogar tiene necesidades específicas?",
      "Does anyone in your household have specific needs?",
      hint=("Por ejemplo: una discapacidad, una enfermedad crónica, una persona mayor de 60 años "
            "a cargo de niñas o niños.",
            "For example: a disability, a chronic illness, a person over 60 caring for "
            "children alone.")),
    q("select_one yes_no", "disabled_member", "¿Alguna persona de su hogar vive con discapacidad?",
      "Does anyone in your household live with a disability?"),
    q("select_one yes_no", "prior_stop",
      "Antes de llegar a la Ciudad de México, ¿vivió o se quedó en otra ciudad del país?",
      "Before arriving in Mexico City, did you live or stay in another Mexican city?"),
    q("select_multiple leave_reason", "leave_reasons",
      "¿Por qué salió de su país de origen? (puede elegir varias)",
      "Why did you leave your country of origin? (select all that apply)"),
    q("select_one city_offered", "city_offered",
      "En general, ¿qué le ha ofrecido la Ciudad de México?",
      "Overall, what has Mexico City offered you?"),
    q("select_one intentions", "intentions", "¿Qué piensa hacer en los próximos meses?",
      "What do you plan to do in the coming months?"),
    q("select_one yes_no", "residence_permit",
      "¿Tiene actualmente un permiso de residencia en México (temporal o permanente)?",
      "Do you currently hold a residence permit in Mexico (temporary or permanent)?"),
    q("select_one children_permit", "children_permit",
      "¿Las niñas, niños y adolescentes de su hogar tienen permiso de residencia?",
      "Do the children in your household have a residence permit?",
      relevant="${hh_children} = 'yes'"),
    q("select_one permit_plans", "permit_plans",
      "¿Cuál es su situación respecto al permiso de residencia?",
      "What is your situation regarding a residence permit?",
      relevant="${residence_permit} = 'no'"),
    q("select_one asylum", "asylum", "¿Ha solicitado la condición de refugiado en México?",
      "Have you applied for refugee status (asylum) in Mexico?"),
    END_GROUP,

    group("livelihoods", "Medios de vida", "Livelihoods"),
    q("select_one occupation", "occupation_now",
      "¿Cuál es su ocupación principal en la Ciudad de México?",
      "What is your main occupation in Mexico City?"),
    q("select_one occupation", "occupation_origin",
      "¿Cuál era su ocupación principal en su país de origen?",
      "What was your main occupation in your country of origin?"),
    q("select_multiple work_barrier", "work_barriers",
      "¿Qué obstáculos ha enfrentado para conseguir un trabajo digno o iniciar un negocio? "
      "(puede elegir varios)",
      "What obstacles have you faced in finding decent work or starting a business? "
      "(select all that apply)", constraint=_NONE_ALONE, message=_NONE_ALONE_MSG),
    q("select_one earners", "earners", "¿Cuántas personas de su hogar generan ingresos?",
      "How many people in your household earn an income?"),
    q("select_one income_enough", "income_enough",
      "¿Los ingresos del hogar alcanzan para cubrir las necesidades básicas?",
      "Is the household income enough to cover basic needs?"),
    q("select_multiple coping", "coping",
      "Cuando los ingresos no alcanzan, ¿qué hace su hogar? (puede elegir varias)",
      "When income is not enough, what does your household do? (select all that apply)",
      constraint=_NONE_ALONE, message=_NONE_ALONE_MSG),
    q("select_one yes_no", "can_save",
      "Después de cubrir las necesidades básicas, ¿su hogar puede ahorrar algo de dinero?",
      "After covering basic needs, can your household save any money?"),
    q("select_one yes_no", "bank_account", "¿Tiene una cuenta bancaria en México?",
      "Do you have a bank account in Mexico?"),
    END_GROUP,

    group("services", "Acceso a servicios", "Access to services"),
    q("select_one childcare", "childcare",
      "¿Quién cuida principalmente a las niñas y los niños de 0 a 5 años de su hogar?",
      "Who mainly looks after the children aged 0 to 5 in your household?",
      relevant="${children_0_5} = 'yes'"),
    q("select_one school", "school",
      "¿Las niñas, niños y adolescentes de más de 5 años de su hogar van a la escuela?",
      "Do the children over 5 in your household attend school?",
      relevant="${children_over_5} = 'yes'"),
    q("select_multiple school_reason", "school_reasons",
      "¿Por qué no están inscritos en la escuela? (puede elegir varias)",
      "Why are they not enrolled in school? (select all that apply)",
      relevant="${school} = 'some' or ${school} = 'none'"),
    q("select_multiple health_access", "health_access",
      "Cuando alguien de su hogar necesita atención médica, ¿dónde la recibe? "
      "(puede elegir varias)",
      "When someone in your household needs health care, where do they get it? "
      "(select all that apply)", constraint=_NONE_ALONE, message=_NONE_ALONE_MSG),
    q("select_one yes_no", "disability_services",
      "¿La persona con discapacidad de su hogar tiene acceso a servicios adecuados?",
      "Does the household member with a disability have access to adequate services?",
      relevant="${disabled_member} = 'yes'"),
    q("select_one yes_no", "mental_symptoms",
      "Desde que llegó a la Ciudad de México, ¿ha tenido síntomas como tristeza profunda, "
      "ansiedad, estrés o cambios de humor?",
      "Since arriving in Mexico City, have you had symptoms such as deep sadness, anxiety, "
      "stress or mood swings?"),
    q("select_one mental_support", "mental_support",
      "¿A quién ha acudido para recibir apoyo emocional o de salud mental?",
      "Whom have you turned to for emotional or mental health support?"),
    q("select_one yes_no", "public_spaces",
      "¿Ha usado espacios públicos gratuitos de la ciudad (parques, bibliotecas, centros "
      "deportivos o culturales)?",
      "Have you used the city's free public spaces (parks, libraries, sports or cultural "
      "centres)?"),
    END_GROUP,

    group("housing", "Vivienda", "Housing"),
    q("select_one accommodation", "accommodation",
      "¿En qué tipo de alojamiento vive actualmente?",
      "What type of accommodation do you currently live in?"),
    q("select_one bathroom", "bathroom", "¿Qué tipo de baño tiene su vivienda?",
      "What kind of bathroom does your home have?"),
    q("select_one internet", "internet_home", "¿Tiene acceso a internet en su vivienda?",
      "Do you have internet access at home?"),
    q("select_one yes_no", "internet_phone",
      "¿Tiene acceso a internet en su teléfono celular (datos móviles)?",
      "Do you have internet access on your mobile phone (mobile data)?"),
    q("select_one rent_payment", "rent_payment", "¿Cómo paga su vivienda?",
      "How do you pay for your housing?"),
    q("select_one lease", "lease", "¿Qué tipo de contrato de arrendamiento tiene?",
      "What kind of lease agreement do you have?"),
    q("select_multiple housing_barrier", "housing_barriers",
      "¿Qué obstáculos ha enfrentado para conseguir vivienda en la ciudad? "
      "(puede elegir varios)",
      "What obstacles have you faced in finding housing in the city? (select all that apply)",
      constraint=_NONE_ALONE, message=_NONE_ALONE_MSG),
    END_GROUP,

    group("protection", "Protección y acceso a la justicia", "Protection and access to justice"),
    q("select_one yes_no", "knew_risks",
      "¿Conoce a personas refugiadas o migrantes que hayan enfrentado riesgos de protección "
      "en la ciudad?",
      "Do you know refugees or migrants who have faced protection risks in the city?",
      hint=("Por ejemplo: robo, acoso, violencia física, detención.",
            "For example: theft, harassment, physical violence, detention.")),
    q("select_one yes_no", "crime_victim",
      "Desde que llegó a la ciudad, ¿usted o alguien de su familia ha sido víctima de un "
      "delito o de un intento de delito?",
      "Since arriving in the city, have you or a family member been the victim of a crime or "
      "an attempted crime?"),
    q("select_multiple risk_place", "risk_places",
      "¿Dónde es más probable que ocurran esos riesgos? (puede elegir varios)",
      "Where are those risks most likely to happen? (select all that apply)",
      relevant="${knew_risks} = 'yes'"),
    q("select_multiple perpetrator", "perpetrators",
      "¿Quiénes suelen ser los responsables? (puede elegir varios)",
      "Who are usually the perpetrators? (select all that apply)",
      relevant="${knew_risks} = 'yes'"),
    q("select_one yes_no", "complaint_filed", "¿Presentó una denuncia ante las autoridades?",
      "Did you file a complaint with the authorities?", relevant="${crime_victim} = 'yes'"),
    q("select_multiple no_complaint", "no_complaint_reasons",
      "¿Por qué no presentó una denuncia? (puede elegir varias)",
      "Why did you not file a complaint? (select all that apply)",
      relevant="${complaint_filed} = 'no'"),
    END_GROUP,

    group("life_in_city", "Vida en la ciudad", "Life in the city"),
    q("select_one yes_no", "discriminated",
      "Desde que llegó a la ciudad, ¿se ha sentido discriminado o discriminada?",
      "Since arriving in the city, have you felt discriminated against?"),
    q("select_one relations", "relations_neighbourhood",
      "¿Cómo describiría su relación con la población local en su colonia?",
      "How would you describe your relations with local people in your neighbourhood?"),
    q("select_one relations", "relations_work",
      "¿Cómo describiría su relación con la población local en su trabajo?",
      "How would you describe your relations with local people at work?", relevant=_WORKS),
    q("select_one yes_no", "belong_community",
      "¿Siente que forma parte de una comunidad en la Ciudad de México?",
      "Do you feel part of a community in Mexico City?"),
    q("select_one yes_no", "feel_safe", "¿Se siente seguro o segura en la zona donde vive?",
      "Do you feel safe in the area where you live?"),
    q("select_one participation", "participation",
      "¿Siente que sus opiniones se toman en cuenta en las decisiones de la ciudad?",
      "Do you feel your opinions are taken into account in the city's decisions?"),
    q("select_one yes_no", "assistance_received",
      "Desde que llegó a la ciudad, ¿ha recibido algún tipo de asistencia?",
      "Since arriving in the city, have you received any kind of assistance?"),
    q("select_multiple assistance", "assistance_types",
      "¿Qué tipo de asistencia ha recibido? (puede elegir varias)",
      "What kind of assistance have you received? (select all that apply)",
      relevant="${assistance_received} = 'yes'"),
    q("select_multiple provider", "providers",
      "¿Quién le brindó esa asistencia? (puede elegir varias)",
      "Who provided that assistance? (select all that apply)",
      relevant="${assistance_received} = 'yes'"),
    q("select_one yes_no_dk", "aware_gov",
      "¿Conoce programas del gobierno dirigidos a personas refugiadas y migrantes?",
      "Are you aware of government programmes for refugees and migrants?"),
    q("select_one yes_no_dk", "aware_un_ngo",
      "¿Conoce programas de la ONU o de organizaciones de la sociedad civil para personas "
      "refugiadas y migrantes?",
      "Are you aware of UN or NGO programmes for refugees and migrants?"),
    q("select_one yes_no_dk", "aware_city",
      "¿Ha oído hablar de programas del Gobierno de la Ciudad de México para personas "
      "refugiadas y migrantes?",
      "Have you heard of Mexico City government programmes for refugees and migrants?"),
    END_GROUP,
]

#: Borough choices: the names of docs/design.md with the INEGI official names as labels.
BOROUGHS = [
    ("azcapotzalco", "Azcapotzalco"), ("coyoacan", "Coyoacán"),
    ("cuajimalpa", "Cuajimalpa de Morelos"), ("gustavo_a_madero", "Gustavo A. Madero"),
    ("iztacalco", "Iztacalco"), ("iztapalapa", "Iztapalapa"),
    ("magdalena_contreras", "La Magdalena Contreras"), ("milpa_alta", "Milpa Alta"),
    ("alvaro_obregon", "Álvaro Obregón"), ("tlahuac", "Tláhuac"), ("tlalpan", "Tlalpan"),
    ("xochimilco", "Xochimilco"), ("benito_juarez", "Benito Juárez"),
    ("cuauhtemoc", "Cuauhtémoc"), ("miguel_hidalgo", "Miguel Hidalgo"),
    ("venustiano_carranza", "Venustiano Carranza"),
]

CHOICES: dict[str, list[tuple[str, str, str]]] = {
    "site": [
        ("public_office", "Oficina pública", "Public office"),
        ("ngo_office", "Oficina de una organización civil", "NGO office"),
        ("public_square", "Plaza pública", "Public square"),
        ("market", "Mercado", "Market"),
        ("metro_station", "Estación del Metro", "Metro station"),
        ("community_centre", "Centro comunitario", "Community centre"),
        ("other", "Otro lugar", "Other place"),
    ],
    "enumerator": [(f"enum_{i:02d}", f"Persona encuestadora {i:02d}", f"Enumerator {i:02d}")
                   for i in range(1, 11)],
    "alcaldia": [(name, label, label) for name, label in BOROUGHS],
    "gender": [("man", "Hombre", "Man"), ("woman", "Mujer", "Woman"),
               ("other", "Otro género", "Another gender")],
    "country": [
        ("venezuela", "Venezuela", "Venezuela"), ("colombia", "Colombia", "Colombia"),
        ("ecuador", "Ecuador", "Ecuador"), ("peru", "Perú", "Peru"),
        ("argentina", "Argentina", "Argentina"), ("brazil", "Brasil", "Brazil"),
        ("bolivia", "Bolivia", "Bolivia"), ("honduras", "Honduras", "Honduras"),
        ("el_salvador", "El Salvador", "El Salvador"),
        ("guatemala", "Guatemala", "Guatemala"), ("nicaragua", "Nicaragua", "Nicaragua"),
        ("panama", "Panamá", "Panama"), ("costa_rica", "Costa Rica", "Costa Rica"),
        ("haiti", "Haití", "Haiti"), ("cuba", "Cuba", "Cuba"),
        ("other", "Otro país", "Another country"),
    ],
    "education": [("none", "Ninguno", "None"), ("primary", "Primaria", "Primary"),
                  ("secondary", "Secundaria o bachillerato", "Secondary"),
                  ("tertiary", "Técnica superior o universitaria",
                   "Tertiary (technical or university)")],
    "marital": [("single", "Soltero/a", "Single"), ("married", "Casado/a", "Married"),
                ("union", "Unión libre", "Cohabiting (civil union)"),
                ("separated", "Separado/a o divorciado/a", "Separated or divorced"),
                ("widowed", "Viudo/a", "Widowed")],
    "migration_status": [
        ("regular", "Regular (documento migratorio vigente o en trámite)",
         "Regular (valid or pending immigration document)"),
        ("irregular", "Irregular (sin documento migratorio)",
         "Irregular (no immigration document)"),
    ],
    "time_in_city": [
        ("lt_3m", "Menos de 3 meses", "Less than 3 months"),
        ("3_6m", "De 3 a 6 meses", "3 to 6 months"),
        ("6_12m", "De 6 meses a 1 año", "6 months to 1 year"),
        ("1_2y", "De 1 a 2 años", "1 to 2 years"),
        ("2_3y", "De 2 a 3 años", "2 to 3 years"),
        ("3_5y", "De 3 a 5 años", "3 to 5 years"),
        ("gt_5y", "Más de 5 años", "More than 5 years"),
    ],
    "yes_no": [("yes", "Sí", "Yes"), ("no", "No", "No")],
    "leave_reason": [
        ("economic", "Razones económicas", "Economic reasons"),
        ("violence", "Violencia, inseguridad o conflicto", "Violence, insecurity or conflict"),
        ("rights", "Falta de derechos y libertades", "Lack of rights and freedoms"),
        ("services", "Falta de acceso a servicios o corrupción",
         "Lack of access to services, or corruption"),
        ("personal", "Razones personales o familiares", "Personal or family reasons"),
        ("environment", "Desastres naturales o factores ambientales",
         "Natural disasters or environmental factors"),
        ("other", "Otra razón", "Other reason"),
    ],
    "city_offered": [("nothing", "Nada", "Nothing"),
                     ("something", "Algo (oportunidades, servicios, seguridad…)",
                      "Something (opportunities, services, safety…)")],
    "intentions": [
        ("stay", "Quedarme en la Ciudad de México", "Stay in Mexico City"),
        ("move_mexico", "Mudarme a otra ciudad de México", "Move to another city in Mexico"),
        ("move_abroad", "Irme a otro país", "Move on to another country"),
        ("return", "Regresar a mi país", "Return to my country"),
        ("dont_know", "No sé", "Don't know"),
    ],
    "children_permit": [("all", "Sí, todas y todos", "Yes, all of them"),
                        ("some", "Solo algunos", "Only some"),
                        ("none", "Ninguno", "None")],
    "permit_plans": [
        ("applied", "Ya lo solicité y está en trámite", "I have applied and it is in process"),
        ("no_info", "Quiero solicitarlo, pero no tengo información",
         "I want to apply but lack the information"),
        ("not_interested", "No me interesa solicitarlo", "I am not interested in applying"),
        ("other", "Otra situación", "Other situation"),
    ],
    "asylum": [
        ("applied", "Sí, la solicité", "Yes, I have applied"),
        ("not_applying", "No, y no pienso solicitarla", "No, and I do not plan to apply"),
        ("denied", "La solicité y me la negaron", "I applied and was denied"),
        ("no_info", "Quiero solicitarla, pero no sé cómo", "I want to apply but do not know how"),
        ("withdrew", "La solicité y desistí del trámite", "I applied and withdrew"),
    ],
    "occupation": [
        ("employed", "Empleado/a", "Employed"),
        ("self_employed", "Trabajo por cuenta propia o negocio propio",
         "Self-employed or own business"),
        ("unemployed", "Desempleado/a", "Unemployed"),
        ("civil_servant", "Servidor/a público/a", "Civil servant"),
        ("student", "Estudiante", "Student"),
        ("other", "Otra (trabajo del hogar, jubilación…)", "Other (home duties, retired…)"),
    ],
    "work_barrier": [
        ("documents", "Falta de documentación adecuada", "Lack of proper documentation"),
        ("opportunities", "Falta de oportunidades de empleo", "Lack of employment opportunities"),
        ("discrimination", "Discriminación por edad o nacionalidad",
         "Discrimination based on age or nationality"),
        ("credentials", "No se reconocen mis estudios o experiencia",
         "My qualifications or experience are not recognised"),
        ("language", "Idioma", "Language"),
        ("other", "Otro obstáculo", "Other obstacle"),
        ("none", "Ninguno", "None"),
    ],
    "earners": [("one", "Una", "One"), ("more_than_one", "Más de una", "More than one"),
                ("none", "Ninguna", "None")],
    "income_enough": [("always", "Siempre", "Always"), ("sometimes", "A veces", "Sometimes"),
                      ("never", "Nunca", "Never"), ("dont_know", "No sé", "Don't know")],
    "coping": [
        ("reduce_expenses", "Reducir gastos menos urgentes o retrasar la renta",
         "Cut less urgent expenses or delay the rent"),
        ("borrow", "Pedir dinero prestado", "Borrow money"),
        ("prioritize_food", "Dar prioridad a la comida de las personas más vulnerables",
         "Prioritise food for the most vulnerable members"),
        ("reduce_portions", "Reducir las porciones de comida de todos",
         "Reduce food portions for everyone"),
        ("sell_assets", "Vender bienes", "Sell belongings"),
        ("none", "Ninguna de estas", "None of these"),
    ],
    "childcare": [
        ("private", "Guardería privada", "Private day care"),
        ("public", "Guardería pública o CADI", "Public day care or CADI centre"),
        ("family", "Familiares", "Family members"),
        ("friends", "Amistades", "Friends"),
        ("none", "No tienen acceso a ningún tipo de cuidado", "No access to any childcare"),
        ("other", "Otro", "Other"),
    ],
    "school": [("all", "Sí, todas y todos", "Yes, all of them"),
               ("some", "Solo algunos", "Only some"), ("none", "Ninguno", "None")],
    "school_reason": [
        ("documents", "Falta de documentos (por ejemplo, certificados escolares)",
         "Lack of documents (for example school records)"),
        ("places", "No hay lugares suficientes en las escuelas", "Not enough places in schools"),
        ("cost", "Costos", "Costs"),
        ("distance", "Distancia", "Distance"),
        ("other", "Otra razón", "Other reason"),
    ],
    "health_access": [
        ("public", "Centro de salud u hospital público", "Public health centre or hospital"),
        ("private", "Consultorio u hospital privado", "Private clinic or hospital"),
        ("pharmacy", "Consultorio de farmacia", "Pharmacy clinic"),
        ("ngo", "Organización de la sociedad civil", "NGO"),
        ("none", "No han recibido atención", "No care received"),
    ],
    "mental_support": [
        ("professional", "Profesional de salud mental", "A mental health professional"),
        ("family_friends", "Familiares o amistades", "Family or friends"),
        ("shelter_staff", "Personal del albergue", "Shelter staff"),
        ("none", "No he buscado apoyo", "I have not sought support"),
    ],
    "accommodation": [
        ("apartment_family", "Casa o departamento solo con mi familia",
         "House or apartment with my family only"),
        ("apartment_shared", "Casa o departamento compartido con otras personas",
         "House or apartment shared with other people"),
        ("rented_room", "Cuarto rentado", "Rented room"),
        ("shelter_group", "Albergue o alojamiento colectivo", "Shelter or group accommodation"),
        ("other", "Otro", "Other"),
    ],
    "bathroom": [
        ("private", "Baño privado", "Private bathroom"),
        ("shared_sewage", "Compartido con otras familias, conectado al drenaje",
         "Shared with other families, connected to the sewer"),
        ("shared_no_sewage", "Compartido, sin conexión al drenaje",
         "Shared, not connected to the sewer"),
        ("none", "No hay baño", "No bathroom"),
    ],
    "internet": [("regular", "Sí, de forma regular", "Yes, regularly"),
                 ("sometimes", "A veces", "Sometimes"), ("never", "No", "No")],
    "rent_payment": [
        ("monthly", "Cada mes", "Monthly"),
        ("other_period", "Con otra periodicidad (diaria, semanal…)",
         "At other intervals (daily, weekly…)"),
        ("no_payment", "No pago por mi vivienda", "I do not pay for my housing"),
    ],
    "lease": [("formal", "Contrato escrito", "Written contract"),
              ("informal", "Acuerdo verbal", "Verbal agreement"),
              ("none", "Ninguno", "None")],
    "housing_barrier": [
        ("none", "Ninguno", "None"),
        ("resources", "Falta de recursos económicos", "Lack of financial resources"),
        ("guarantor", "Falta de aval o fiador", "No guarantor"),
        ("documents", "Falta de documentos", "Lack of documents"),
        ("xenophobia", "Xenofobia o discriminación", "Xenophobia or discrimination"),
        ("other", "Otro obstáculo", "Other obstacle"),
    ],
    "risk_place": [
        ("street", "En la calle o espacios públicos", "In the street or public places"),
        ("transport", "En el transporte público", "On public transport"),
        ("work", "En el lugar de trabajo", "At the workplace"),
        ("home", "En la vivienda", "At home"),
        ("community", "En la comunidad o colonia", "In the community or neighbourhood"),
        ("other", "En otro lugar", "Elsewhere"),
    ],
    "perpetrator": [
        ("strangers", "Personas desconocidas o población local",
         "Strangers or local population"),
        ("criminal_groups", "Grupos criminales", "Criminal groups"),
        ("coworkers", "Compañeros de trabajo o empleadores", "Co-workers or employers"),
        ("law_enforcement", "Policía o militares", "Police or military"),
        ("other", "Otras personas", "Others"),
    ],
    "no_complaint": [
        ("mistrust", "Desconfianza en la policía o las instituciones",
         "Mistrust of the police or institutions"),
        ("fear", "Miedo a la detención o la deportación", "Fear of detention or deportation"),
        ("useless", "Pensé que no serviría de nada", "I thought it would be useless"),
        ("other", "Otra razón", "Other reason"),
    ],
    "relations": [("good", "Buena", "Good"), ("neutral", "Ni buena ni mala",
                                               "Neither good nor bad"), ("bad", "Mala", "Bad")],
    "participation": [
        ("not_participating", "No participo en esos espacios", "I do not take part in them"),
        ("not_considered", "Participo, pero no se toman en cuenta",
         "I take part, but they are not taken into account"),
        ("considered", "Sí, se toman en cuenta", "Yes, they are taken into account"),
    ],
    "assistance": [
        ("food", "Alimentos", "Food"),
        ("legal", "Asesoría y representación legal", "Legal advice and representation"),
        ("housing", "Apoyo para vivienda o albergue", "Housing or shelter support"),
        ("medical", "Atención médica", "Medical care"),
        ("information", "Información general", "General information"),
        ("employment", "Empleo o capacitación laboral", "Employment or vocational training"),
        ("rights", "Orientación sobre sus derechos", "Guidance on their rights"),
        ("school", "Apoyo para acceder a la escuela", "Support to access school"),
        ("cash", "Apoyo económico en efectivo", "Cash assistance"),
        ("other", "Otra", "Other"),
    ],
    "provider": [
        ("government", "Instituciones de gobierno", "Government institutions"),
        ("un", "Agencias de la ONU (ACNUR, OIM…)", "UN agencies (UNHCR, IOM…)"),
        ("ngo", "Organizaciones de la sociedad civil", "NGOs"),
        ("church", "Iglesias u organizaciones religiosas", "Churches or faith-based groups"),
        ("other", "Otros", "Others"),
    ],
    "yes_no_dk": [("yes", "Sí", "Yes"), ("no", "No", "No"), ("dont_know", "No sé", "Don't know")],
}

SETTINGS = {
    "form_title": "4Mi Cities – Ciudad de México (demostración)",
    "form_id": "4mi_cities_cdmx",
    "default_language": ES,
    "version": "2021",
}


def build_workbook():  # -> openpyxl.Workbook
    """The questionnaire as an openpyxl workbook with fixed document dates."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    sheets = (("survey", SURVEY_COLUMNS, SURVEY),
              ("choices", CHOICE_COLUMNS,
               [[ln, *row] for ln, rows in CHOICES.items() for row in rows]),
              ("settings", list(SETTINGS), [list(SETTINGS.values())]))
    for title, header, rows in sheets:
        ws = book.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append([value if value != "" else None for value in row])
        ws.freeze_panes = "A2"
    book.properties.creator = "geo4mi"
    book.properties.title = SETTINGS["form_title"]
    book.properties.created = FIXED_DATE
    book.properties.modified = FIXED_DATE
    book.properties.lastModifiedBy = "geo4mi"
    return book


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite an xlsx archive with fixed member timestamps, keeping member order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            payload = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl sets "modified" to now on save
                payload = _MODIFIED.sub(rb"\g<1>" + FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ")
                                        .encode() + rb"\g<2>", payload)
            dst.writestr(member, payload)
    return out.getvalue()


def write_questionnaire(path: str | Path = OUTPUT) -> Path:
    """Write the questionnaire to ``path`` (atomically); same bytes on every run."""
    buffer = io.BytesIO()
    build_workbook().save(buffer)
    data = _fixed_zip(buffer.getvalue())
    with atomic_write(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"default: {OUTPUT}")
    args = parser.parse_args(argv)
    print(write_questionnaire(args.output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
