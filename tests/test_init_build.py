"""geo4mi init, then geo4mi build, with no hand edits (issue 14, items 2 and 4).

Every study of the tests goes through the command line as a new user would: ``init`` on the
city's boundaries, form and export, then ``build`` on the study file it wrote. Counts are
checked against an independent pandas computation on the export as written, not against
geo4mi's own tables.

The studies: the made-up city of :mod:`hostile_study` (plain texts), the same city with a
French-only form, the bundled Mexico City files, and the real Ona export of
``tests/data/real/``. That export holds no area and no GPS column (SOURCE.md), so its
boundaries are made up here: four squares whose ids are the export's ``_uuid`` values, the
only column of it that can name an area; ``init`` must find that column itself.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from hostile_study import write_hostile_study
from test_madeup_city import MEXICO_WORDS, _fold, _texts
from test_real_exports import REAL, build_form

from geo4mi.cli import main
from geo4mi.resources import bundled_path
from geo4mi.scaffold import review_notes

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def init_and_build(folder: Path, boundaries: Path, form: Path, export: Path, capsys,
                   monkeypatch) -> tuple[str, Path]:
    """Run ``init`` then ``build`` in ``folder``; return init's output and the out folder."""
    monkeypatch.chdir(folder)
    capsys.readouterr()
    assert main(["init", "--boundaries", str(boundaries), "--form", str(form), "--export",
                 str(export), "-o", "study.toml"]) == 0
    said = capsys.readouterr().out
    assert main(["build", "study.toml", "--out", "out"]) == 0
    out = folder / "out"
    assert (out / "choropleth.html").is_file()
    assert (out / "tables" / "estimates.csv").is_file()
    assert (out / "tables" / "estimates.gpkg").is_file()
    assert list((out / "figures").glob("map_*.svg"))
    return said, out


def estimates(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "tables" / "estimates.csv", dtype={"area_id": str},
                       encoding="utf-8-sig")


def _given(folder: Path, french: bool = False) -> Path:
    study = write_hostile_study(folder, text=lambda i: f"Texto {i}")
    if french:  # the same form, labelled in French only
        book = openpyxl.load_workbook(folder / "form.xlsx")
        for name in ("survey", "choices"):
            sheet = book[name]
            english = None
            for cell in sheet[1]:
                if cell.value == "label::Spanish (es)":
                    cell.value = "label::Français (fr)"
                elif cell.value == "label::English (en)":
                    english = cell.column
            sheet.delete_cols(english)
        settings = book["settings"]
        for cell in settings[1]:
            if cell.value == "default_language":
                settings.cell(2, cell.column).value = "Français (fr)"
        book.save(folder / "form.xlsx")
    return study.parent


def test_madeup_city_counts_equal_pandas(tmp_path, capsys, monkeypatch):
    given = _given(tmp_path / "given")
    work = tmp_path / "work"
    work.mkdir()
    said, out = init_and_build(work, given / "areas.gpkg", given / "form.xlsx",
                               given / "export.csv", capsys, monkeypatch)
    assert "area: 'borough': 200 of 200 answers (100 %) name one of the 6 areas" in said
    assert "id: '_uuid': a distinct value in every one of 200 rows (sure)" in said
    # the independent computation: the export's rows by declared area, women among answers
    raw = pd.read_csv(given / "export.csv", dtype=str, keep_default_na=False)
    answered = raw[raw["gender"] != ""]
    expected = answered.groupby("borough")["gender"].agg(
        numerator=lambda g: int((g == "woman").sum()), n="size")
    expected.loc["_city"] = [int((answered["gender"] == "woman").sum()), len(answered)]
    est = estimates(out)
    rows = est[(est["indicator"] == "gender_woman") & (est["group_var"] == "all")
               & (est["status"] == "ok")].set_index("area_id")
    assert len(rows) >= 3 and "_city" in rows.index
    for area, row in rows.iterrows():
        assert (int(row["numerator"]), int(row["n"])) == tuple(expected.loc[area]), area
    # what init asked to review is what check lists
    notes = review_notes(work / "study.toml")
    assert any("indicators.toml: review the starter indicators" in n for n in notes)
    assert any(n.startswith("study.toml: name the place") for n in notes)


def test_french_only_form_gives_a_french_study(tmp_path, capsys, monkeypatch):
    given = _given(tmp_path / "given", french=True)
    work = tmp_path / "work"
    work.mkdir()
    said, out = init_and_build(work, given / "areas.gpkg", given / "form.xlsx",
                               given / "export.csv", capsys, monkeypatch)
    assert "language = 'fr' (form languages: fr)" in said
    catalogue = tomllib.loads((work / "indicators.toml").read_text(encoding="utf-8"))
    languages = {lang for ind in catalogue["indicator"] for key in ("label", "universe_label")
                 for lang in ind.get(key, {})}
    assert languages == {"fr"}  # the form's language, and only it
    assert set(catalogue["themes"]["survey"]["label"]) == {"fr"}
    texts = _texts(out)
    assert '<html lang="fr"' in texts["choropleth.html"]
    est = estimates(out)
    woman = est[(est["indicator"] == "gender_woman") & (est["area_id"] == "_city")
                & (est["group_var"] == "all")].iloc[0]
    assert woman["indicator_label"] == "Texto 17: Texto 41"  # the form's French labels
    assert woman["universe"] == "Toutes les personnes interrogées"  # geo4mi's own French
    assert woman["area_name"] == "Toute la zone d'étude"
    assert not any(MEXICO_WORDS.search(_fold(text)) for text in texts.values())


def test_mexico_city_files_init_and_build(tmp_path, capsys, monkeypatch):
    said, out = init_and_build(tmp_path, bundled_path("boundaries", "cdmx_alcaldias_mg2022.gpkg"),
                               bundled_path("data", "questionnaire.xlsx"),
                               bundled_path("data", "sample_kobo.csv"), capsys, monkeypatch)
    assert "area: 'borough': 301 of 301 answers (100 %)" in said
    assert "GPS: 'gps': coordinates in 181 of 301 rows (60 %)" in said
    raw = pd.read_csv(bundled_path("data", "sample_kobo.csv"), sep=";", dtype=str,
                      keep_default_na=False)
    est = estimates(out)
    city = est[(est["indicator"] == "gender_woman") & (est["area_id"] == "_city")
               & (est["group_var"] == "all")].iloc[0]
    answered = raw["profile/gender"][raw["profile/gender"] != ""]
    assert (int(city["numerator"]), int(city["n"])) == (int((answered == "woman").sum()),
                                                        len(answered))


@pytest.fixture(scope="module")
def ona_files(tmp_path_factory):
    """The Ona export as handed over, its form, and four made-up areas named by ``_uuid``."""
    folder = tmp_path_factory.mktemp("ona")
    source = REAL / "ona_transportation"
    shutil.copy(source / "export.csv", folder / "export.csv")
    build_form(source, folder / "form.xlsx")
    uuids = pd.read_csv(source / "export.csv", dtype=str)["_uuid"].tolist()
    gpd.GeoDataFrame({"code": uuids, "name": [f"Made-up area {i}" for i in range(1, 5)]},
                     geometry=[shapely.box(i, 0, i + 1, 1) for i in range(4)],
                     crs="EPSG:4326").to_file(folder / "areas.gpkg")
    return folder


def test_real_ona_export_init_and_build(ona_files, tmp_path, capsys, monkeypatch):
    f = ona_files
    said, out = init_and_build(tmp_path, f / "areas.gpkg", f / "form.xlsx", f / "export.csv",
                               capsys, monkeypatch)
    assert "area_column = '_uuid': a column of the export" in said
    assert "area: '_uuid': 4 of 4 answers (100 %) name one of the 4 areas" in said
    assert "GPS: the form has no geopoint" in said
    text = (tmp_path / "study.toml").read_text(encoding="utf-8")
    assert "# REVIEW: area_column '_uuid': no question of the form names the areas" in text
    assert any("area_column '_uuid'" in n for n in review_notes(tmp_path / "study.toml"))
    # pandas: a row with no transport type ticked did not answer (test_real_exports)
    raw = pd.read_csv(f / "export.csv", dtype=str, keep_default_na=False)
    prefix = "transport/available_transportation_types_to_referral_facility/"
    ticks = raw[[c for c in raw.columns if c.startswith(prefix)]].eq("True")
    answered = dict(zip(raw["_uuid"], ticks.any(axis=1), strict=True))
    est = estimates(out)
    rows = est[(est["indicator"] ==
                "available_transportation_types_to_referral_facility_ambulance")
               & (est["group_var"] == "all")].set_index("area_id")
    assert set(rows.index) == {*answered, "_city"}
    for area, asked in answered.items():
        if asked:  # one respondent: fewer than min_n = 10, hidden
            assert rows.loc[area, "status"] == "suppressed"
        else:
            assert (rows.loc[area, "status"], int(rows.loc[area, "n"])) == ("no_data", 0)
    assert sum(answered.values()) == 3 and rows.loc["_city", "status"] == "suppressed"


def test_init_without_an_area_or_gps_in_the_export_is_one_line(ona_files, tmp_path, capsys):
    """Boundaries that nothing in the export names: init says so, writes nothing."""
    f = ona_files
    other = tmp_path / "elsewhere.gpkg"
    gpd.read_file(f / "areas.gpkg").assign(code=list("abcd"),
                                           name=["Qwerty", "Zxcvb", "Yuiop", "Hjkl"]
                                           ).to_file(other)
    capsys.readouterr()
    code = main(["init", "--boundaries", str(other), "--form", str(f / "form.xlsx"),
                 "--export", str(f / "export.csv"), "-o", str(tmp_path / "s.toml")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "no column names the areas of elsewhere.gpkg" in err
    assert not (tmp_path / "s.toml").exists()
