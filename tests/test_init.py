"""geo4mi init (issue 14, item 4): a study scaffolded from a city's own files checks cleanly.

Run on the made-up city of :mod:`hostile_study` (six squares, plain texts) and on the bundled
Mexico City files; the scaffolded study must place every respondent where the hand-written
study does, and bad inputs must be one line naming the file.
"""

from __future__ import annotations

import sys

import geopandas as gpd
import pytest
import shapely
from hostile_study import hostile_fields, write_hostile_study

from geo4mi.cli import main
from geo4mi.pipeline import check, run
from geo4mi.resources import bundled_path
from geo4mi.scaffold import scaffold_study, write_scaffold, xlsform_expression
from geo4mi.study import bundled_study_path, load_study

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture(scope="module")
def madeup(tmp_path_factory):
    """The made-up city's files (plain texts) and the hand-written study over them."""
    folder = tmp_path_factory.mktemp("madeup")
    return write_hostile_study(folder / "given", text=lambda i: f"Texto {i}")


def _init(tmp_path, study_file, *extra):
    given = study_file.parent
    out = tmp_path / "new" / "study.toml"
    code = main(["init", "--boundaries", str(given / "areas.gpkg"), "--form",
                 str(given / "form.xlsx"), "--export", str(given / "export.csv"),
                 "-o", str(out), *extra])
    return code, out


def test_init_on_a_madeup_city_checks_and_places_as_the_written_study(madeup, tmp_path, capsys):
    code, out = _init(tmp_path, madeup)
    said = capsys.readouterr().out
    assert code == 0
    assert "id_field = 'ID'" in said and "name_field = 'NAME'" in said
    assert "area_column = 'borough': 6 of 6 choices match 6 of 6 areas" in said
    assert f"wrote {out}" in said and "to do: [study] title" in said
    study = load_study(out)
    assert (study.boundaries.id_field, study.boundaries.name_field) == ("ID", "NAME")
    assert (study.survey.area_column, study.survey.gps_question) == ("borough", "gps")
    assert study.indicators.catalogue == out.parent / "indicators.toml"
    ours, theirs = check(study), check(madeup)
    assert ours.errors == []
    assert ours.placed["area_id"].tolist() == theirs.placed["area_id"].tolist()
    # the starter catalogue: one indicator per answer, the relevant column as universe
    results = run(study)
    ids = {ind.id for ind in results.catalogue.indicators}
    assert {"gender_man", "gender_woman", "needs_food", "complaint_filed_yes"} <= ids
    assert "borough_a1" not in ids
    complaint = results.catalogue["complaint_filed_yes"]
    assert complaint.universe.text == "crime_victim == 'yes'"
    f = hostile_fields(text=lambda i: f"Texto {i}")
    assert complaint.universe_label["en"] == (f"{f['form.label.crime_victim.en']}: "
                                              f"{f['choice.label.yes_no.yes.en']}")
    assert len(results.estimates) > 0
    from geo4mi.build import build_outputs  # init -> build with no hand edits

    written = build_outputs(results, tmp_path / "out")
    assert {p.name for p in written} >= {"choropleth.html", "choropleth.en.html"}


def test_init_on_mexico_city_matches_the_bundled_study(tmp_path):
    scaffold = scaffold_study(bundled_path("boundaries", "cdmx_alcaldias_mg2022.gpkg"),
                              bundled_path("data", "questionnaire.xlsx"),
                              export=bundled_path("data", "sample_kobo.csv"),
                              study_path=tmp_path / "cdmx.toml")
    assert (scaffold.id_field, scaffold.name_field) == ("CVEGEO", "NOMGEO")
    assert (scaffold.area_question, scaffold.gps_question, scaffold.language) == (
        "borough", "gps", "es")
    write_scaffold(scaffold)
    ours, bundled = check(tmp_path / "cdmx.toml"), check(bundled_study_path())
    assert ours.errors == []
    assert len(ours.placed) == len(bundled.placed) == 301
    assert ours.placed["area_id"].tolist() == bundled.placed["area_id"].tolist()
    assert ours.placed["placement"].tolist() == bundled.placed["placement"].tolist()


def test_the_study_file_is_commented_and_lists_the_candidates(madeup, tmp_path):
    code, out = _init(tmp_path, madeup)
    text = out.read_text(encoding="utf-8")
    assert code == 0
    assert "# Columns with a distinct value for every area: ID, NAME" in text
    assert "# TODO:" in text and '"gender"' in text  # a grouping candidate, commented
    assert tomllib.loads(text)["indicators"]["groups"] == []


def test_existing_study_is_kept_without_overwrite(madeup, tmp_path, capsys):
    _init(tmp_path, madeup)
    out = tmp_path / "new" / "study.toml"
    out.write_text("# mine\n", encoding="utf-8")
    capsys.readouterr()
    code, _ = _init(tmp_path, madeup)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "file exists; pass --overwrite" in err
    assert out.read_text(encoding="utf-8") == "# mine\n"
    assert _init(tmp_path, madeup, "--overwrite")[0] == 0
    assert load_study(out).boundaries.id_field == "ID"


def test_hostile_form_title_stays_literal(tmp_path):
    """The form title is a payload: the study file is still valid TOML and keeps it as is."""
    study = write_hostile_study(tmp_path / "given", offset=3)
    scaffold = scaffold_study(tmp_path / "given" / "areas.gpkg", tmp_path / "given" / "form.xlsx",
                              export=tmp_path / "given" / "export.csv",
                              study_path=tmp_path / "new.toml")
    write_scaffold(scaffold)
    loaded = load_study(tmp_path / "new.toml")
    assert loaded.title["en"] == hostile_fields(offset=3)["study.form_title"]
    assert scaffold.area_question == "borough"
    assert check(loaded).placed["area_id"].tolist() == check(study).placed["area_id"].tolist()


@pytest.mark.parametrize("case, expected", [
    ("points", "holds Point, not polygons"),
    ("layers", "2 layers (a, b); pass --layer NAME"),
    ("nonames", "no text column has a distinct name for every area"),
    ("language", "--language 'xx' is not supported"),
    ("noarea", "no select_one question has choices that match the names"),
])
def test_bad_inputs_are_one_line(madeup, tmp_path, capsys, case, expected):
    given = madeup.parent
    boundaries, form = given / "areas.gpkg", given / "form.xlsx"
    extra: list[str] = []
    if case == "points":
        boundaries = tmp_path / "points.geojson"
        gpd.GeoDataFrame({"ID": ["a"], "NAME": ["x"]}, geometry=[shapely.Point(0, 0)],
                         crs="EPSG:4326").to_file(boundaries)
    elif case == "layers":
        boundaries = tmp_path / "two.gpkg"
        frame = gpd.read_file(given / "areas.gpkg")
        frame.to_file(boundaries, layer="a")
        frame.to_file(boundaries, layer="b")
    elif case == "nonames":
        boundaries = tmp_path / "codes.shp"
        frame = gpd.read_file(given / "areas.gpkg")
        frame.assign(NAME="same").to_file(boundaries)
    elif case == "language":
        extra = ["--language", "xx"]
    elif case == "noarea":
        boundaries = tmp_path / "elsewhere.gpkg"
        frame = gpd.read_file(given / "areas.gpkg")
        frame.assign(ID=[f"z{i}" for i in range(len(frame))],
                     NAME=[f"Zzyzx Qwerty {i}" for i in range(len(frame))]).to_file(boundaries)
        form = tmp_path / "nogps.xlsx"
        _form_without_gps(given / "form.xlsx", form)
    capsys.readouterr()
    code = main(["init", "--boundaries", str(boundaries), "--form", str(form),
                 "-o", str(tmp_path / "s.toml"), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("geo4mi: error: ")
    assert expected in err
    assert not (tmp_path / "s.toml").exists() and not (tmp_path / "indicators.toml").exists()


def _form_without_gps(source, target) -> None:
    import openpyxl

    book = openpyxl.load_workbook(source)
    sheet = book["survey"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "geopoint":
            row[0].value = "text"
    book.save(target)


def test_xlsform_relevant_is_rewritten_for_the_catalogue():
    from geo4mi.indicators.expressions import parse

    text = xlsform_expression("${a} = 'x' and ${b} != 'y' or ${c} >= 3")
    assert text == "a == 'x' and b != 'y' or c >= 3"
    parse(text)


def test_init_on_a_form_with_one_plain_label_column(madeup, tmp_path):
    """A form with a plain "label" column only: labels and the study language still work."""
    import openpyxl

    given = madeup.parent
    book = openpyxl.load_workbook(given / "form.xlsx")
    for name in ("survey", "choices"):
        for cell in book[name][1]:
            if cell.value == "label::Spanish (es)":
                cell.value = "label"
            elif cell.value == "label::English (en)":
                cell.value = "hint"
    del book["settings"]
    book.save(tmp_path / "plain.xlsx")
    scaffold = scaffold_study(given / "areas.gpkg", tmp_path / "plain.xlsx",
                              export=given / "export.csv", study_path=tmp_path / "s.toml")
    assert (scaffold.area_question, scaffold.language) == ("borough", "en")
    write_scaffold(scaffold)
    checked = check(tmp_path / "s.toml")
    assert checked.errors == []
    assert checked.placed["area_id"].tolist() == check(madeup).placed["area_id"].tolist()
