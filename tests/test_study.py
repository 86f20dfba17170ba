"""The study file: defaults, relative paths and clear errors for bad keys."""

import pytest

from geo4mi.errors import ExpressionError, InputFileError, StudyError
from geo4mi.study import bundled_study_path, load_study

MINIMAL = """
[boundaries]
path = "b/areas.gpkg"
[survey]
export = "export.csv"
form = "form.xlsx"
[indicators]
catalogue = "cat.toml"
"""


def write(tmp_path, text, name="study.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_study_points_at_bundled_files():
    study = load_study(bundled_study_path())
    assert study.boundaries.path.is_file()
    assert study.boundaries.id_field == "CVEGEO"
    assert study.survey.form.name == "questionnaire.xlsx"
    assert study.synthetic is True
    assert study.title_in("en").startswith("4Mi Cities")
    assert study.sites is not None and study.sites.catchment_m == 1000


def test_defaults_and_relative_paths(tmp_path):
    study = load_study(write(tmp_path, MINIMAL))
    assert study.boundaries.path == (tmp_path / "b" / "areas.gpkg").resolve()
    assert study.language == "es" and study.min_n == 10 and study.synthetic is False
    assert study.survey.placement == "prefer_declared"
    assert study.sites is None and study.plan is None


def test_unknown_key_lists_allowed_keys(tmp_path):
    path = write(tmp_path, MINIMAL + "\n[study]\nmin_nn = 5\n")
    with pytest.raises(StudyError, match=r"\[study\] unknown key 'min_nn'; allowed keys: title, "
                                         r"language, synthetic, min_n, source"):
        load_study(path)


def test_unknown_section(tmp_path):
    with pytest.raises(StudyError, match=r"unknown section \[maps\]; allowed sections: \[study\]"):
        load_study(write(tmp_path, MINIMAL + "\n[maps]\nx = 1\n"))


def test_missing_section_and_key(tmp_path):
    with pytest.raises(StudyError, match=r"missing section \[indicators\]"):
        load_study(write(tmp_path, MINIMAL.split("[indicators]")[0]))
    with pytest.raises(StudyError, match=r"\[survey\] missing key 'form'"):
        load_study(write(tmp_path, MINIMAL.replace('form = "form.xlsx"', "")))


@pytest.mark.parametrize("extra, message", [
    ("[study]\nlanguage = 'xx'", r"language = 'xx' is not supported; use one of es, en, fr, pt"),
    ("[study]\nmin_n = 'ten'", r"min_n = 'ten' must be a whole number"),
    ("[study]\nmin_n = 0", r"min_n = 0 must be at least 1"),
    ("[study]\nsynthetic = 'yes'", r"synthetic = 'yes' must be true or false"),
    ("[study]\ncomplementary_suppression = 1",
     r"complementary_suppression = 1 must be true or false"),
])
def test_bad_values(tmp_path, extra, message):
    with pytest.raises(StudyError, match=message):
        load_study(write(tmp_path, MINIMAL + "\n" + extra + "\n"))


def test_bad_placement_policy(tmp_path):
    text = MINIMAL.replace('form = "form.xlsx"', 'form = "form.xlsx"\nplacement = "gps"')
    with pytest.raises(StudyError, match=r"placement = 'gps' is unknown; use one of "
                                         r"prefer_declared, prefer_gps, flag"):
        load_study(write(tmp_path, text))


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(InputFileError, match=r"nope\.toml: study file not found"):
        load_study(tmp_path / "nope.toml")
    with pytest.raises(InputFileError, match=r"not valid TOML"):
        load_study(write(tmp_path, "[study\n"))


def test_area_id_and_crs_keys(tmp_path):
    study = load_study(write(tmp_path, MINIMAL))
    s = study.survey
    assert (s.area_column, s.id_column, s.min_placed_share) == ("borough", None, 0.5)
    assert study.boundaries.crs is None
    text = MINIMAL.replace('form = "form.xlsx"\n', 'form = "form.xlsx"\nborough_question = "q"\n')
    assert load_study(write(tmp_path, text)).survey.area_column == "q"  # the older name
    text = MINIMAL.replace('form = "form.xlsx"\n',
                           'form = "form.xlsx"\narea_column = "alcaldia_limpia"\n'
                           'id_column = "X_uuid"\nmin_placed_share = 0.8\n')
    text = text.replace('path = "b/areas.gpkg"\n', 'path = "b/areas.gpkg"\ncrs = "EPSG:4326"\n')
    study = load_study(write(tmp_path, text))
    assert (study.survey.area_column, study.survey.id_column) == ("alcaldia_limpia", "X_uuid")
    assert study.survey.borough_question == "alcaldia_limpia"
    assert study.survey.min_placed_share == 0.8 and study.boundaries.crs == "EPSG:4326"
    text = MINIMAL.replace('form = "form.xlsx"\n', 'form = "form.xlsx"\narea_column = ""\n')
    assert load_study(write(tmp_path, text)).survey.area_column is None  # GPS only


@pytest.mark.parametrize("survey, boundaries, message", [
    ('area_column = "a"\nborough_question = "b"\n', "",
     r"\[survey\] give area_column or its older name borough_question, not both"),
    ("min_placed_share = 1.5\n", "",
     r"\[survey\] min_placed_share = 1\.5 must be between 0 and 1"),
    ("", 'crs = "EPSG:999999"\n',
     r"\[boundaries\] crs = 'EPSG:999999' is not a known CRS; write it as \"EPSG:<code>\""),
])
def test_bad_new_keys(tmp_path, survey, boundaries, message):
    text = MINIMAL.replace('form = "form.xlsx"\n', 'form = "form.xlsx"\n' + survey)
    text = text.replace('path = "b/areas.gpkg"\n', 'path = "b/areas.gpkg"\n' + boundaries)
    with pytest.raises(StudyError, match=message):
        load_study(write(tmp_path, text))


def test_study_words_and_choices_default_to_neutral(tmp_path):
    study = load_study(write(tmp_path, MINIMAL))
    words = study.wording.words("en")
    assert (words["unit"], words["Whole"], words["attribution"]) == ("area", "Whole study area",
                                                                     "")
    assert study.survey.exclude == () and study.boundaries.aliases == {}
    assert study.indicators.opening == study.indicators.figures == ()
    assert study.indicators.nationality_question is None


def test_bundled_study_declares_mexico_city(tmp_path):
    study = load_study(bundled_study_path())
    assert study.wording.words("es")["Units"] == "Alcaldías"
    assert study.wording.words("en")["attribution"] == "INEGI, Marco Geoestadístico 2022"
    assert study.boundaries.aliases["GAM"] == "Gustavo A. Madero"
    assert study.survey.exclude == ("age < 18", "time_in_city in ('lt_3m', 'gt_5y')")
    assert study.indicators.opening[0] == "discriminated"
    assert study.indicators.nationality_question == "nationality"


def test_unit_in_one_or_every_language(tmp_path):
    text = MINIMAL.replace('path = "b/areas.gpkg"\n', 'path = "b/areas.gpkg"\n'
                           'unit = ["oblast", "oblasts"]\nunit_gender = "m"\n')
    words = load_study(write(tmp_path, text)).wording.words("es")
    assert (words["Units"], words["los"], words["este"]) == ("Oblasts", "los", "este")


@pytest.mark.parametrize("boundaries, survey, message", [
    ('unit = ["comuna"]\n', "", r"\[boundaries\] unit = \['comuna'\] must be a \[singular, "
     r"plural\] pair"),
    ('unit = { xx = ["commune", "communes"] }\n', "", r"\[boundaries\] unit = .* must be"),
    ('unit_gender = "n"\n', "", r"\[boundaries\] unit_gender = 'n' must be \"f\" or \"m\""),
    ('aliases = { GAM = 3 }\n', "", r"\[boundaries\] aliases = \{'GAM': 3\} must be a table"),
    ("", 'exclude = ["age <"]\n', r"\[survey\] exclude\[0\]"),
])
def test_bad_study_words(tmp_path, boundaries, survey, message):
    text = MINIMAL.replace('form = "form.xlsx"\n', 'form = "form.xlsx"\n' + survey)
    text = text.replace('path = "b/areas.gpkg"\n', 'path = "b/areas.gpkg"\n' + boundaries)
    with pytest.raises((StudyError, ExpressionError), match=message):
        load_study(write(tmp_path, text))


def test_schema_is_read_from_the_dataclasses(tmp_path):
    from dataclasses import fields

    from geo4mi import study as module

    for name, cls in module._SECTIONS.items():
        keys = [f.name for f in fields(cls) if f.metadata.get("key", True)]
        assert list(module._SCHEMA[name]) == keys + list(module._ELSEWHERE.get(name, {}))
    assert module._SCHEMA["sites"] == {"path": ("path", True), "catchment_m": ("number", False),
                                       "max_import": ("int", False)}
    # a default is written once, on the dataclass, and is what a study without the key gets
    text = MINIMAL + '\n[sites]\npath = "sites.csv"\n'
    assert load_study(write(tmp_path, text)).sites.catchment_m == module._default(
        module.SitesConfig, "catchment_m")
    with pytest.raises(StudyError, match=r"\[sites\] max_import = 2\.5 must be a whole number"):
        load_study(write(tmp_path, text + "max_import = 2.5\n"))
