"""The choropleth document: self-contained, deterministic, bilingual, no suppressed values.

Estimates are built by hand (the schema of docs/design.md) so every status, the
wide-interval rule and the comparison with the city-wide value are exercised on purpose.
"""

from __future__ import annotations

import dataclasses
import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo4mi import classify
from geo4mi.boundaries import load_areas
from geo4mi.errors import StudyError
from geo4mi.indicators.estimate import wilson_interval
from geo4mi.labels import IndicatorInfo, Labels
from geo4mi.study import bundled_study_path, load_study
from geo4mi.webmap.choropleth import (
    ChoroplethData,
    ChoroplethError,
    ChoroplethSettings,
    choropleth_map,
    render_choropleth,
    unpack_cells,
    unpack_page_data,
    web_geometry,
    write_choropleth,
)

MIN_N = 10
CUAUHTEMOC, IZTAPALAPA, GAM, COYOACAN, BENITO_JUAREZ = "09015", "09007", "09005", "09003", "09014"
# (n, numerator) per area for each indicator; other areas: no interviews.
PLAN = {
    "feel_safe": {CUAUHTEMOC: (80, 60), IZTAPALAPA: (40, 8), GAM: (30, 15), COYOACAN: (12, 6),
                  BENITO_JUAREZ: (6, 3)},
    "discriminated": {CUAUHTEMOC: (80, 20), IZTAPALAPA: (40, 30), GAM: (30, 12),
                      COYOACAN: (12, 9), BENITO_JUAREZ: (6, 1)},
    "bank_account": {CUAUHTEMOC: (80, 40), IZTAPALAPA: (0, 0), GAM: (30, 3), COYOACAN: (12, 2),
                     BENITO_JUAREZ: (6, 6)},
}
POISON = 0.777  # put in suppressed rows' p columns: it must never reach the page


def _row(ind, area, gv, val, n, k):
    status = "no_data" if n == 0 else "suppressed" if n < MIN_N else "ok"
    low, high = wilson_interval(k, n) if n else (np.nan, np.nan)
    ok = status == "ok"
    return {"indicator": ind, "area_id": area, "group_var": gv, "group_value": val,
            "numerator": k if ok else pd.NA, "n": n,
            "p": k / n if ok else (POISON if status == "suppressed" else pd.NA),
            "ci_low": low if ok else (POISON if status == "suppressed" else pd.NA),
            "ci_high": high if ok else (POISON if status == "suppressed" else pd.NA),
            "status": status}


def make_inputs():
    """Estimates (all + gender), areas and labels for three indicators in two themes."""
    areas = load_areas()
    rows = []
    for ind, plan in PLAN.items():
        for gv, val, share in (("all", "all", None), ("gender", "man", 0), ("gender", "woman", 1)):
            def counts(n, k, share=share):
                if share is None:
                    return n, k
                half_n, half_k = n // 2, k // 2
                return (half_n, half_k) if share == 0 else (n - half_n, k - half_k)
            city = [counts(*plan[a]) for a in plan]
            rows.append(_row(ind, "_city", gv, val, sum(c[0] for c in city),
                             sum(c[1] for c in city)))
            for area in areas["area_id"]:
                n, k = counts(*plan.get(area, (0, 0)))
                rows.append(_row(ind, area, gv, val, n, k))
    est = pd.DataFrame(rows).astype({"numerator": "Int64", "n": "Int64", "p": "Float64",
                                     "ci_low": "Float64", "ci_high": "Float64"})
    labels = Labels(
        themes={"livelihoods": {"es": "Medios de vida", "en": "Livelihoods"},
                "life_in_city": {"es": "Vida en la ciudad", "en": "Life in the city"}},
        indicators={
            "bank_account": IndicatorInfo("bank_account", "livelihoods",
                                          {"es": "Tiene cuenta bancaria",
                                           "en": "Has a bank account"},
                                          "higher_better",
                                          {"es": "Todas las personas", "en": "Everyone"}),
            "feel_safe": IndicatorInfo("feel_safe", "life_in_city",
                                       {"es": "Se siente seguro/a", "en": "Feels safe"},
                                       "higher_better"),
            "discriminated": IndicatorInfo("discriminated", "life_in_city",
                                           {"es": "Ha sufrido discriminación",
                                            "en": "Has been discriminated against"},
                                           "higher_worse")},
        group_vars={"all": {"es": "Todas", "en": "All"},
                    "gender": {"es": "Género", "en": "Gender"}},
        group_values={"all": {"all": {"es": "Todas", "en": "All"}},
                      "gender": {"man": {"es": "Hombre", "en": "Man"},
                                 "woman": {"es": "Mujer", "en": "Woman"}}},
        survey_title={"es": "Encuesta de prueba", "en": "Test survey"},
        wording=load_study(bundled_study_path()).wording)  # over the bundled alcaldías
    return est, areas, labels


@pytest.fixture(scope="module")
def inputs():
    return make_inputs()


@pytest.fixture(scope="module")
def pages(inputs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("choropleth")
    est, areas, labels = inputs
    es = write_choropleth(est, areas, labels, folder / "es.html", lang="es", min_n=MIN_N,
                          synthetic=True, source="Encuesta 4Mi <2021>")
    en = write_choropleth(est, areas, labels, folder / "en.html", lang="en", min_n=MIN_N)
    return {"es": es.read_text(encoding="utf-8"), "en": en.read_text(encoding="utf-8"),
            "es_path": es}


def page_data(page: str) -> dict:
    block = re.search(r'<script type="application/json" id="g4c-data">(.*?)</script>', page,
                      re.DOTALL)
    assert block, "the values table is missing"
    return unpack_page_data(json.loads(block.group(1)))


def cell_of(data, indicator, group, area_id):
    ii = [i["id"] for i in data["indicators"]].index(indicator)
    gi = [(g["var"], g["value"]) for g in data["groups"]].index(group)
    row = data["v"][ii][gi]
    if area_id == "_city":
        return row[0]
    pos = [a["id"] for a in data["areas"]].index(area_id)
    if pos not in data["cols"]:
        return 0
    return unpack_cells(row[1], len(data["cols"]))[data["cols"].index(pos)]


# -- self-contained, deterministic ------------------------------------------------------------

def test_page_loads_nothing_from_the_network(pages):
    for lang in ("es", "en"):
        page = pages[lang]
        assert not re.search(r"<(script|img|iframe)[^>]+src=", page)
        assert "<link" not in page
        assert not re.search(r"url\(\s*['\"]?https?:", page)
        assert "tile.openstreetmap" not in page  # no basemap unless asked for


def test_two_writes_are_byte_identical(inputs, pages, tmp_path):
    est, areas, labels = inputs
    again = write_choropleth(est, areas, labels, tmp_path / "again.html", lang="es",
                             min_n=MIN_N, synthetic=True, source="Encuesta 4Mi <2021>")
    assert again.read_bytes() == pages["es_path"].read_bytes()


def test_one_copy_of_the_geometry(pages, inputs):
    data = page_data(pages["es"])
    coords = [xy for f in data["geometry"]["features"] for ring in f["geometry"]["coordinates"]
              for xy in ring]
    assert len(re.findall(r"\[-9[89]\.\d+,19\.\d+\]", pages["es"])) == len(coords)
    assert len(data["geometry"]["features"]) == 16
    assert [f["properties"]["id"] for f in data["geometry"]["features"]] == \
        list(inputs[1]["area_id"])


def test_simplified_outlines_keep_a_clean_coverage():
    areas = load_areas()
    gj = web_geometry(areas)
    shapes = gpd.GeoDataFrame.from_features(gj["features"], crs="EPSG:4326")
    geoms = np.asarray(shapes.geometry.values)
    assert bool(shapely.coverage_is_valid(geoms))  # no overlaps between boroughs
    original = areas.to_crs("EPSG:4326").union_all()
    merged = shapely.union_all(geoms)
    assert merged.geom_type == "Polygon" and len(merged.interiors) == 0  # no gaps
    assert abs(merged.area - original.area) / original.area < 0.002
    n_coords = sum(shapely.get_num_coordinates(geoms))
    assert n_coords < 0.35 * sum(shapely.get_num_coordinates(areas.geometry.values))
    text = json.dumps(gj)
    assert not re.search(r"\d\.\d{5,}", text)  # 4 decimals: ~11 m, under the 25 m tolerance


# -- privacy and statuses -----------------------------------------------------------------------

def test_suppressed_values_never_reach_the_page(pages):
    for lang in ("es", "en"):
        data = page_data(pages[lang])
        # why only (-1: fewer than min_n), never n: 6 respondents is itself a small count
        assert cell_of(data, "feel_safe", ("all", "all"), BENITO_JUAREZ) == -1
        assert cell_of(data, "bank_account", ("gender", "man"), COYOACAN) == -1
        # POISON would be 78 (percent) or 777 (per mille): no cell of a non-ok area has it.
        for per_ind in data["v"]:
            for row in per_ind:
                for cell in [row[0], *unpack_cells(row[1], len(data["cols"]))]:
                    if isinstance(cell, list):
                        assert 78 not in cell[:3]
                for breaks in row[2:]:
                    assert breaks == 0 or 777 not in breaks
        assert "0.777" not in pages[lang]


def test_no_interviews_is_never_zero_percent(pages):
    data = page_data(pages["es"])
    assert cell_of(data, "feel_safe", ("all", "all"), "09010") == 0  # Álvaro Obregón: nobody
    assert cell_of(data, "bank_account", ("all", "all"), IZTAPALAPA) == 0
    # areas never interviewed are left out of every row
    positions = [a["id"] for a in data["areas"]]
    assert [positions[c] for c in data["cols"]] == sorted(
        [CUAUHTEMOC, IZTAPALAPA, GAM, COYOACAN, BENITO_JUAREZ])


def test_values_classes_and_flags_come_from_classify(pages, inputs):
    est = inputs[0]
    data = page_data(pages["es"])
    city = cell_of(data, "feel_safe", ("all", "all"), "_city")
    assert city == [55, 47, 62, 168]  # 92 / 168 with its Wilson interval, whole percents
    cu = cell_of(data, "feel_safe", ("all", "all"), CUAUHTEMOC)
    iz = cell_of(data, "feel_safe", ("all", "all"), IZTAPALAPA)
    gam = cell_of(data, "feel_safe", ("all", "all"), GAM)
    co = cell_of(data, "feel_safe", ("all", "all"), COYOACAN)
    assert cu[:4] == [75, 65, 83, 80] and cu[4] // 1000 == 2          # above the city
    assert iz[:4] == [20, 10, 35, 40] and iz[4] // 1000 == 4          # below the city
    assert gam[4] // 1000 == 1        # includes the city value; ±17 points: wide
    assert co[4] // 1000 == 1         # 6 / 12: ±25 points, wide
    assert classify.is_wide(0.33, 0.67) and not classify.is_wide(0.65, 0.83)
    ok = est[(est.indicator == "feel_safe") & (est.group_var == "all") & (est.status == "ok")
             & (est.area_id != "_city")].sort_values("area_id")
    p = ok["p"].astype(float).to_numpy()
    for scheme, digit in (("fixed", 100), ("quantiles", 10), ("natural_breaks", 1)):
        breaks = (classify.class_breaks(p, scheme) if len(set(p)) >= 2
                  else classify.class_breaks([], "fixed"))
        expected = classify.assign_classes(p, breaks)
        cells = [cell_of(data, "feel_safe", ("all", "all"), a) for a in ok["area_id"]]
        assert [(c[4] // digit) % 10 for c in cells] == expected.tolist(), scheme
    row = data["v"][1][0]  # feel_safe, all
    assert row[2] == [round(b * 1000) for b in classify.class_breaks(p, "quantiles")]


# -- language, notes, controls ------------------------------------------------------------------

def test_spanish_page(pages):
    page = pages["es"]
    assert '<html lang="es">' in page
    for text in ("Sin entrevistas", "Menos de 10 personas encuestadas (suprimido)",
                 "Clasificación", "Indicador", "Muestra no aleatoria", "Descargar CSV",
                 "INEGI, Marco Geoestadístico 2022", "DATOS SINTÉTICOS DE DEMOSTRACIÓN",
                 "Encuesta: Encuesta 4Mi &lt;2021&gt;", "Cortes naturales"):
        assert text in page, text
    assert "No interviews" not in page and "Classification" not in page


def test_english_page(pages):
    page = pages["en"]
    assert '<html lang="en">' in page
    for text in ("No interviews", "Fewer than 10 respondents (suppressed)", "Classification",
                 "Non-random sample", "Download CSV", "INEGI, Marco Geoestadístico 2022",
                 "Natural breaks", "Has a bank account", "<title>Test survey</title>"):
        assert text in page, text
    assert "Sin entrevistas" not in page and "SYNTHETIC" not in page  # not synthetic


def test_indicator_select_groups_by_theme_with_labels(pages):
    page = pages["en"]
    select = re.search(r'<select id="g4c-indicator"[^>]*>(.*?)</select>', page, re.DOTALL).group(1)
    assert re.findall(r'<optgroup label="([^"]+)">', select) == ["Livelihoods", "Life in the city"]
    assert '<label for="g4c-indicator">' in page and '<label for="g4c-group">' in page
    assert '<label for="g4c-scheme">' in page
    groups = re.search(r'<select id="g4c-group">(.*?)</select>', page, re.DOTALL).group(1)
    assert re.findall(r">([^<>]+)</option>", groups) == ["All respondents", "Man", "Woman"]
    assert '<optgroup label="Gender">' in groups


def test_selected_indicator_and_subset(inputs, tmp_path):
    est, areas, labels = inputs
    m = choropleth_map(est, areas, labels, indicators=["discriminated"], groups=[],
                       selected="discriminated", lang="en")
    page = m.get_root().render()
    data = page_data(page)
    assert [i["id"] for i in data["indicators"]] == ["discriminated"]
    assert [g["var"] for g in data["groups"]] == ["all"]
    assert '<option value="0" selected>Has been discriminated against</option>' in page


def test_renderer_draws_the_prepared_table_as_given(inputs):
    """min_n applies once, when the data is prepared; the renderer only names it."""
    est, areas, labels = inputs
    data = ChoroplethData.prepare(est, areas, labels, min_n=MIN_N)
    hidden = data.estimates[data.estimates["status"] == "suppressed"]
    assert len(hidden) and hidden["p"].isna().all()  # published: POISON is gone already
    settings = ChoroplethSettings(lang="en", indicators=["discriminated"], groups=())
    drawn = page_data(render_choropleth(dataclasses.replace(data, min_n=50),
                                        settings).get_root().render())
    assert drawn["min_n"] == 50 and "50" in drawn["text"]["suppressed"]
    # Iztapalapa (n = 40, under 50) stays as published with min_n = 10: nothing re-hidden
    assert cell_of(drawn, "discriminated", ("all", "all"), IZTAPALAPA)[3] == 40
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.lang = "es"  # type: ignore[misc]


def test_optional_tile_layer(inputs):
    est, areas, labels = inputs
    page = choropleth_map(est, areas, labels, tiles="OpenStreetMap").get_root().render()
    assert "tile.openstreetmap.org" in page


# -- refusals ------------------------------------------------------------------------------------

def test_missing_area_row_is_refused(inputs):
    est, areas, labels = inputs
    broken = est[~((est.area_id == "09010") & (est.indicator == "feel_safe")
                   & (est.group_var == "all"))]
    with pytest.raises(ChoroplethError, match="no row for indicator 'feel_safe', area '09010'"):
        choropleth_map(broken, areas, labels)


def test_duplicate_row_is_refused(inputs):
    est, areas, labels = inputs
    with pytest.raises(ChoroplethError, match="duplicate row for indicator"):
        choropleth_map(pd.concat([est, est.iloc[:1]]), areas, labels)


def test_interval_outside_p_is_refused(inputs):
    est, areas, labels = inputs
    broken = est.copy()
    row = broken.index[(broken.area_id == CUAUHTEMOC) & (broken.indicator == "feel_safe")
                       & (broken.group_var == "all")][0]
    broken.loc[row, "ci_low"] = float(broken.loc[row, "p"]) + 0.1
    with pytest.raises(ChoroplethError, match=f"feel_safe', area '{CUAUHTEMOC}'.*does not "
                                              "contain p"):
        choropleth_map(broken, areas, labels)


def test_packed_cells_round_trip():
    """Random rows (n up to a million: varints of 1-3 bytes) unpack to what was packed."""
    from geo4mi.webmap.choropleth import HIDDEN_BYTE, NO_DATA_BYTE, SMALL_BYTE, pack_cells

    rng = np.random.default_rng(4)
    for size in (0, 1, 7, 300):
        status = rng.choice([-1, NO_DATA_BYTE, SMALL_BYTE, HIDDEN_BYTE], size=size,
                            p=[0.6, 0.2, 0.1, 0.1])
        ok = status == -1
        p = rng.integers(0, 101, size)
        lo = np.maximum(p - rng.integers(0, 40, size), 0)
        hi = np.minimum(p + rng.integers(0, 40, size), 100)
        n = rng.choice([0, 10, 127, 128, 16_383, 16_384, 1_000_000], size=size)
        flags, classes = rng.integers(0, 8, size), rng.integers(0, 125, size)
        head = np.where(ok, p, status)
        packed = pack_cells(head, np.stack([p, lo, hi])[:, ok], flags[ok], classes[ok], n[ok])
        codes = {NO_DATA_BYTE: 0, SMALL_BYTE: -1, HIDDEN_BYTE: -2}
        expected = [[int(p[k]), int(lo[k]), int(hi[k]), int(n[k]),
                     int(flags[k] * 1000 + classes[k] // 25 * 100 + classes[k] // 5 % 5 * 10
                         + classes[k] % 5)] if ok[k] else codes[int(status[k])]
                    for k in range(size)]
        assert unpack_cells(packed, size) == expected


def test_missing_column_is_refused(inputs):
    est, areas, labels = inputs
    with pytest.raises(ChoroplethError, match="column 'status' is missing"):
        choropleth_map(est.drop(columns="status"), areas, labels)


def test_unlabelled_indicator_is_refused(inputs):
    est, areas, labels = inputs
    other = est.assign(indicator=est["indicator"].replace({"feel_safe": "mystery"}))
    with pytest.raises(ChoroplethError, match="'mystery' has no label in the catalogue"):
        choropleth_map(other, areas, labels)


def test_unknown_options_are_refused(inputs, tmp_path):
    est, areas, labels = inputs
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        write_choropleth(est, areas, labels, tmp_path / "x.html", colour="red")  # type: ignore
    with pytest.raises(ChoroplethError, match="groups: 'age' is not a grouping variable"):
        choropleth_map(est, areas, labels, groups=["age"])
    with pytest.raises(ChoroplethError, match="selected: 'nope' is not one of the indicators"):
        choropleth_map(est, areas, labels, selected="nope")
    with pytest.raises(StudyError, match="language 'xx' is not supported"):
        choropleth_map(est, areas, labels, lang="xx")
    assert not (tmp_path / "x.html").exists()
