"""Output tables: labelled CSV, analysistools, GeoPackage; determinism and suppression."""

from __future__ import annotations

import csv
import io
import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import box

from geo4mi.errors import BoundaryError, CatalogueError, OutputError
from geo4mi.indicators.catalogue import build_labels
from geo4mi.indicators.estimate import CITY, estimate
from geo4mi.indicators.tables import (
    ANALYSISTOOLS_COLUMNS,
    FIXED_DATE,
    TABLE_COLUMNS,
    _gdal_config,
    append_attribute_rows,
    estimates_table,
    to_analysistools,
    write_analysistools_csv,
    write_estimates_csv,
    write_geopackage,
)

CATALOGUE = """
[themes.life]
label = { es = "Vida en la ciudad", en = "Life in the city" }

[derived.age_group]
from = "age"
label = { es = "Grupo de edad", en = "Age group" }
bins = [18, 40, inf]
labels = ["young", "older"]
values.young = { es = "18 a 39 años", en = "18 to 39" }
values.older = { es = "40 años y más", en = "40 and over" }

[[indicator]]
id = "feel_safe"
theme = "life"
label = { es = "Se sienten seguras", en = "Feel safe" }
question = "feel_safe"
choices = ["yes"]
direction = "higher_better"

[[indicator]]
id = "risk_street"
theme = "life"
label = { es = "Riesgo en la calle", en = "Risk in the street" }
question = "risk_places"
choices = ["street"]
universe = "knew_risks == 'yes'"
universe_label = { es = "Conocen riesgos", en = "Know of risks" }
direction = "higher_worse"

[[indicator]]
id = "safe_or_street"
theme = "life"
label = { es = "Compuesto", en = "Composite" }
numerator = "feel_safe == 'yes' or risk_places/street"
direction = "neutral"
"""

# Borough "a": 12 respondents (ok); borough "b": 7 respondents of whom 6 feel safe
# (suppressed: 6 of 7 = 85.7 %, which must never appear); borough "c": nobody.
SECRET_PCT = "85.7"


@pytest.fixture
def catalogue(make_catalogue):
    return make_catalogue(CATALOGUE)


@pytest.fixture
def respondents(make_respondents) -> pd.DataFrame:
    n_a, n_b = 12, 7
    return make_respondents({
        "area_id": ["a"] * n_a + ["b"] * n_b,
        "feel_safe": ["yes"] * 3 + ["no"] * 9 + ["yes"] * 6 + ["no"],
        "knew_risks": ["yes"] * 19,
        "risk_places/street": [True] * 5 + [False] * 14,
        "age_group": pd.Categorical(["young"] * 10 + ["older"] * 9,
                                    categories=["young", "older"]),
    })


@pytest.fixture
def estimates(respondents, catalogue) -> pd.DataFrame:
    # primary suppression only, so the tables show a mix of ok and suppressed cells to format;
    # complementary suppression is tested in test_suppression.py
    return estimate(respondents, catalogue, area_ids=["a", "b", "c"], groups=["age_group"],
                    complementary=False)


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"area_id": ["c", "a", "b"], "area_name": ["Cé", "Á", "Bé"]},
                            geometry=[box(2, 0, 3, 1), box(0, 0, 1, 1), box(1, 0, 2, 1)],
                            crs="EPSG:6372")


@pytest.fixture
def labels(catalogue):
    return build_labels(catalogue, None, ["age_group"])


def pick(table, indicator, area, value="all"):
    hit = table[(table.indicator == indicator) & (table.area_id == area)
                & (table.group_value == value)]
    assert len(hit) == 1
    return hit.iloc[0]


# -- estimates_table ----------------------------------------------------------------------------

def test_estimates_table_labels_and_percentages(estimates, areas, labels):
    table = estimates_table(estimates, areas, labels, lang="es", synthetic=False)
    assert tuple(table.columns) == TABLE_COLUMNS
    r = pick(table, "feel_safe", "a")
    assert (r.area_name, r.indicator_label, r.theme_label, r.numerator, r.n, r.status) == \
        ("Á", "Se sienten seguras", "Vida en la ciudad", 3, 12, "ok")
    assert r.pct == pytest.approx(25.0)
    assert r.ci_low_pct < 25 < r.ci_high_pct
    assert pick(table, "feel_safe", CITY).area_name == "Toda la zona de estudio"  # neutral
    assert pick(table, "risk_street", "a").universe == "Conocen riesgos"
    assert pick(table, "feel_safe", "a", "older").group_value_label == "40 años y más"
    assert set(table.data_note) == {""}
    en = estimates_table(estimates, areas, labels, lang="en", synthetic=True)
    assert pick(en, "feel_safe", CITY).area_name == "Whole study area"
    assert pick(en, "feel_safe", "a").group_var_label == "All respondents"
    assert set(en.data_note) == {"synthetic demonstration data"}
    es = estimates_table(estimates, areas, labels, lang="es", synthetic=True)
    assert set(es.data_note) == {"datos sintéticos de demostración"}


def test_estimates_table_keeps_status_and_reason_but_no_values_when_suppressed(estimates, areas,
                                                                              labels):
    table = estimates_table(estimates, areas, labels, lang="en", synthetic=False)
    assert tuple(table.columns) == TABLE_COLUMNS and table.columns[-5] == "suppression"
    assert set(table.stat) == {"prop"} and table.value.isna().all()  # numeric only
    sup = pick(table, "feel_safe", "b")
    assert (sup.status, sup.suppression) == ("suppressed", "small_n")
    assert pd.isna(sup.n)  # 7 respondents: a count under min_n is hidden like the value
    assert pd.isna(sup.numerator) and pd.isna(sup.pct) and pd.isna(sup.ci_low_pct)
    empty = pick(table, "feel_safe", "c")
    assert (empty.n, empty.status) == (0, "no_data") and pd.isna(empty.pct)


def test_outputs_never_show_values_of_rows_that_are_not_ok(estimates, areas, labels,
                                                          catalogue):
    tampered = estimates.copy()  # a values leak upstream must not reach the outputs
    tampered["p"] = tampered["p"].fillna(0.857)
    tampered["numerator"] = tampered["numerator"].fillna(6)
    table = estimates_table(tampered, areas, labels, lang="en", synthetic=False)
    bad = table[table.status != "ok"]
    assert len(bad) > 0
    assert bad[["numerator", "pct", "ci_low_pct", "ci_high_pct"]].isna().all().all()
    at = to_analysistools(tampered, catalogue)
    assert at.loc[at.n_total < 10, ["stat", "n"]].isna().all().all()


def test_estimates_table_errors(estimates, areas, labels, catalogue):
    with pytest.raises(BoundaryError, match=r"area 'c' is not in the areas"):
        estimates_table(estimates, areas[areas.area_id != "c"], labels, lang="es",
                        synthetic=False)
    with pytest.raises(CatalogueError, match=r"group value age_group='young' of the estimates "
                                             r"has no label"):
        estimates_table(estimates, areas, build_labels(catalogue, None, []), lang="es",
                        synthetic=False)


# -- CSV ----------------------------------------------------------------------------------------

def test_csv_is_deterministic_and_hides_suppressed_values(estimates, areas, labels, tmp_path):
    one = write_estimates_csv(estimates, areas, labels, tmp_path / "one.csv", lang="es",
                              synthetic=True)
    two = write_estimates_csv(estimates, areas, labels, tmp_path / "two.csv", lang="es",
                              synthetic=True)
    assert one.read_bytes() == two.read_bytes()
    data = one.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(TABLE_COLUMNS)
    assert len(rows) == len(estimates)
    by_key = {(r["indicator"], r["area_id"], r["group_value"]): r for r in rows}
    ok = by_key[("feel_safe", "a", "all")]
    assert (ok["numerator"], ok["n"], ok["pct"]) == ("3", "12", "25.0")
    sup = by_key[("feel_safe", "b", "all")]
    assert (sup["numerator"], sup["n"], sup["pct"], sup["ci_low_pct"], sup["ci_high_pct"],
            sup["status"], sup["suppression"]) == ("", "", "", "", "", "suppressed", "small_n")
    assert SECRET_PCT not in data.decode("utf-8-sig")
    nod = by_key[("feel_safe", "c", "all")]
    assert (nod["n"], nod["pct"], nod["status"]) == ("0", "", "no_data")
    assert {r["data_note"] for r in rows} == {"datos sintéticos de demostración"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files


def test_csv_decimals(estimates, areas, labels, tmp_path):
    path = write_estimates_csv(estimates, areas, labels, tmp_path / "e.csv", lang="en",
                               synthetic=False, decimals=3)
    assert ",25.000," in path.read_text(encoding="utf-8-sig")
    with pytest.raises(ValueError, match=r"decimals must be an integer 0..12, got -1"):
        write_estimates_csv(estimates, areas, labels, tmp_path / "f.csv", lang="en",
                            synthetic=False, decimals=-1)
    assert not (tmp_path / "f.csv").exists()


# -- analysistools ------------------------------------------------------------------------------

def test_analysistools_columns_and_keys(estimates, catalogue):
    at = to_analysistools(estimates, catalogue)
    assert tuple(at.columns) == ANALYSISTOOLS_COLUMNS
    # analysistools never emits an empty group (n_total = 0): no_data rows are left out
    assert len(at) == int((estimates.status != "no_data").sum()) < len(estimates)
    assert set(at.status) <= {"ok", "suppressed"}
    keys = at.analysis_key.tolist()
    assert "prop_select_one @/@ feel_safe %/% yes @/@ NA %/% NA" in keys
    assert "prop_select_one @/@ feel_safe %/% yes @/@ area_id %/% a" in keys
    assert ("prop_select_one @/@ feel_safe %/% yes @/@ area_id %/% a -/- age_group %/% older"
            in keys)
    assert "prop_select_one @/@ feel_safe %/% yes @/@ age_group %/% young" in keys
    # composite: a 0/1 variable named after the indicator
    assert "prop_select_one @/@ safe_or_street %/% 1 @/@ NA %/% NA" in keys
    assert len(set(keys)) == len(keys)
    r = at[at.analysis_key == "prop_select_one @/@ feel_safe %/% yes @/@ area_id %/% a "
                              "-/- age_group %/% young"].iloc[0]
    assert (r.group_var, r.group_var_value) == ("area_id %/% age_group", "a %/% young")
    city = at[at.analysis_key == "prop_select_one @/@ feel_safe %/% yes @/@ NA %/% NA"].iloc[0]
    assert pd.isna(city.group_var) and pd.isna(city.group_var_value)
    assert (city.n, city.n_total) == (9, 19)
    assert city.stat == pytest.approx(9 / 19)
    assert city.stat_low < city.stat < city.stat_upp


def test_analysistools_hides_suppressed_values(estimates, catalogue):
    at = to_analysistools(estimates, catalogue)
    sup = at[at.analysis_key == "prop_select_one @/@ feel_safe %/% yes @/@ area_id %/% b"]
    assert sup[["stat", "stat_low", "stat_upp", "n", "n_total", "n_w", "n_w_total"]
               ].isna().all().all()
    assert sup.status.tolist() == ["suppressed"]


def test_analysistools_select_multiple_type_with_form(make_catalogue, make_form,
                                                     make_respondents):
    form = make_form({"name": ["risk_places"], "type": ["select_multiple"],
                      "list_name": ["rp"], "label::es": ["L"], "label::en": ["P"]},
                     {"list_name": ["rp", "rp"], "name": ["street", "home"],
                      "label::es": ["C", "H"], "label::en": ["S", "H"]})
    cat = make_catalogue("""
        [themes.t]
        label = { es = "T", en = "T" }
        [[indicator]]
        id = "street"
        theme = "t"
        label = { es = "C", en = "S" }
        question = "risk_places"
        choices = ["street"]
        direction = "neutral"
        [[indicator]]
        id = "street_all"
        theme = "t"
        label = { es = "C", en = "S" }
        question = "risk_places"
        choices = ["street"]
        not_asked = "no"
        direction = "neutral"
        [[indicator]]
        id = "home"
        theme = "t"
        label = { es = "H", en = "H" }
        question = "risk_places"
        choices = ["home"]
        direction = "neutral"
    """, form=form, name="c.toml")
    df = make_respondents({"area_id": ["a"] * 10, "risk_places/street": [True] * 10,
                           "risk_places/home": [False] * 10})
    at = to_analysistools(estimate(df, cat, area_ids=["a"], groups=[]), cat)
    city = at[at.group_var.isna()]
    # not asked counted as "no" is not analysistools' quantity: its own analysis variable
    assert city.analysis_key.tolist() == [
        "prop_select_multiple @/@ risk_places %/% street @/@ NA %/% NA",
        "prop_select_multiple @/@ risk_places__street_all %/% street @/@ NA %/% NA",
        "prop_select_multiple @/@ risk_places %/% home @/@ NA %/% NA"]


def test_analysistools_csv(estimates, catalogue, tmp_path):
    one = write_analysistools_csv(estimates, catalogue, tmp_path / "1.csv", synthetic=True)
    two = write_analysistools_csv(estimates, catalogue, tmp_path / "2.csv", synthetic=True)
    assert one.read_bytes() == two.read_bytes()
    text = one.read_text(encoding="utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert header == [*ANALYSISTOOLS_COLUMNS, "data_note"]
    assert "0.857143" not in text and "datos sintéticos de demostración" in text
    plain = write_analysistools_csv(estimates, catalogue, tmp_path / "3.csv", synthetic=False)
    assert plain.read_text(encoding="utf-8-sig").splitlines()[0].split(",") == \
        list(ANALYSISTOOLS_COLUMNS)


def test_analysistools_unknown_indicator(estimates, catalogue):
    with pytest.raises(CatalogueError, match=r"indicator 'risk_street' of the estimates is not "
                                             r"in the catalogue"):
        to_analysistools(estimates, catalogue.subset(["feel_safe", "safe_or_street"]))


# -- GeoPackage ---------------------------------------------------------------------------------

def test_geopackage_layers_and_values(estimates, areas, labels, tmp_path):
    path = write_geopackage(estimates, areas, tmp_path / "e.gpkg", labels, lang="es",
                            synthetic=True)
    assert [name for name, _ in pyogrio.list_layers(path)] == ["indicators", "estimates",
                                                               "indicator_labels"]
    spatial = gpd.read_file(path, layer="indicators")
    assert spatial.crs.to_epsg() == 6372
    assert spatial.area_id.tolist() == ["a", "b", "c"]
    assert spatial.area_name.tolist() == ["Á", "Bé", "Cé"]
    assert spatial.geometry.bounds.minx.tolist() == [0, 1, 2]
    for iid in ("feel_safe", "risk_street", "safe_or_street"):
        for suffix in ("pct", "low", "upp", "n", "status"):
            assert f"{iid}_{suffix}" in spatial.columns
    a, b, c = (spatial.iloc[i] for i in range(3))
    assert a.feel_safe_pct == pytest.approx(25.0) and a.feel_safe_n == 12
    assert pd.isna(b.feel_safe_n) and b.feel_safe_status == "suppressed"
    assert pd.isna(b.feel_safe_pct) and pd.isna(b.feel_safe_low) and pd.isna(b.feel_safe_upp)
    assert (c.feel_safe_n, c.feel_safe_status) == (0, "no_data") and pd.isna(c.feel_safe_pct)
    assert set(spatial.data_note) == {"datos sintéticos de demostración"}
    long = pyogrio.read_dataframe(path, layer="estimates")
    assert len(long) == len(estimates)
    sup = long[(long.indicator == "feel_safe") & (long.area_id == "b")
               & (long.group_value == "all")].iloc[0]
    assert pd.isna(sup.n) and pd.isna(sup.pct) and pd.isna(sup.numerator)
    assert sup.suppression == "small_n"
    info = pyogrio.read_dataframe(path, layer="indicator_labels")
    assert info.indicator.tolist() == ["feel_safe", "risk_street", "safe_or_street"]
    assert info.universe.tolist()[1] == "Conocen riesgos"


def test_geopackage_hides_every_suppressed_value(respondents, catalogue, areas, labels,
                                                 tmp_path):
    est = estimate(respondents, catalogue, area_ids=["a", "b", "c"], groups=["age_group"],
                   min_n=10)
    path = write_geopackage(est, areas, tmp_path / "e.gpkg", labels, lang="en")
    long = pyogrio.read_dataframe(path, layer="estimates")
    bad = long[long.status != "ok"]
    assert len(bad) > 0
    assert bad[["numerator", "pct", "ci_low_pct", "ci_high_pct"]].isna().all().all()
    assert "data_note" not in long.columns  # only when synthetic


def test_geopackage_is_byte_identical(estimates, areas, labels, tmp_path):
    one = write_geopackage(estimates, areas, tmp_path / "1.gpkg", labels, lang="en")
    two = write_geopackage(estimates, areas, tmp_path / "2.gpkg", labels, lang="en")
    assert one.read_bytes() == two.read_bytes()
    # overwriting an existing file works and gives the same bytes
    again = write_geopackage(estimates, areas, tmp_path / "1.gpkg", labels, lang="en")
    assert again.read_bytes() == two.read_bytes()
    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None  # restored


def test_geopackage_needs_every_area(estimates, areas, labels, tmp_path):
    extra = pd.concat([areas, gpd.GeoDataFrame({"area_id": ["d"], "area_name": ["D"]},
                                               geometry=[box(5, 5, 6, 6)], crs="EPSG:6372")])
    with pytest.raises(BoundaryError, match=r"indicator 'feel_safe' has no row for area 'd'"):
        write_geopackage(estimates, extra, tmp_path / "x.gpkg", labels, lang="en")
    assert not (tmp_path / "x.gpkg").exists()


def test_large_tables_are_written_in_chunks_with_the_same_content(estimates, areas, labels,
                                                                   catalogue, tmp_path,
                                                                   monkeypatch):
    from geo4mi.indicators import tables

    whole = write_estimates_csv(estimates, areas, labels, tmp_path / "whole.csv", lang="es",
                                synthetic=True).read_bytes()
    impact = write_analysistools_csv(estimates, catalogue, tmp_path / "whole.at.csv",
                                     synthetic=True).read_bytes()
    gpkg = write_geopackage(estimates, areas, tmp_path / "whole.gpkg", labels, lang="en")
    monkeypatch.setattr(tables, "CHUNK_ROWS", 7)  # slices that split areas and indicators
    assert len(estimates) > 3 * 7 and len(estimates) % 7
    parts = write_estimates_csv(estimates, areas, labels, tmp_path / "parts.csv", lang="es",
                                synthetic=True).read_bytes()
    assert parts == whole
    assert len(impact.splitlines()) > 3 * 7
    assert write_analysistools_csv(estimates, catalogue, tmp_path / "parts.at.csv",
                                   synthetic=True).read_bytes() == impact
    chunked = write_geopackage(estimates, areas, tmp_path / "parts.gpkg", labels, lang="en")
    for layer in ("indicators", "estimates", "indicator_labels"):
        pd.testing.assert_frame_equal(pyogrio.read_dataframe(chunked, layer=layer),
                                      pyogrio.read_dataframe(gpkg, layer=layer))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]



def _every_kind() -> pd.DataFrame:
    """Rows with every column kind a layer of ours holds, and the awkward values of each."""
    return pd.DataFrame({
        "text": pd.array(['plain', "it's \"quoted\"", "Ñuñoa · 東京 · 🙂", "", None,
                          "x; DROP TABLE t; --"], dtype="str"),
        "objects": np.array(["a", None, "b", "c", "", "d"], dtype=object),
        "count": pd.array([0, None, -3, 2**40, 7, None], dtype="Int64"),
        "plain_int": np.array([1, 2, 3, 4, 5, -6], dtype="int64"),
        "share": pd.array([0.5, None, -1e-300, 1e300, 2.0, 0.1], dtype="Float64"),
        "plain_float": np.array([np.nan, 1.25, -0.0, np.inf, 3.0, 1 / 3]),
        "flag": np.array([True, False, True, True, False, False]),
    })


def _sqlite_dump(path, query: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def _two_files(tmp_path, frame: pd.DataFrame, parts: list[pd.DataFrame]):
    """The same layers written by plain pyogrio (appending ``parts``) and by GDAL for the
    layers and SQLite for the rows."""
    spatial = gpd.GeoDataFrame({"area_id": ["a", "b"]}, geometry=[box(0, 0, 1, 1),
                                                                 box(1, 0, 2, 1)],
                               crs="EPSG:6372")
    files = {}
    for how in ("pyogrio", "sqlite"):
        path = files[how] = tmp_path / f"{how}.gpkg"
        with _gdal_config(OGR_CURRENT_DATE=FIXED_DATE):
            pyogrio.write_dataframe(spatial, path, layer="spatial", driver="GPKG")
            if how == "pyogrio":
                for k, part in enumerate(parts):
                    pyogrio.write_dataframe(part, path, layer="rows", driver="GPKG",
                                            append=k > 0)
            else:
                pyogrio.write_dataframe(frame.iloc[:0], path, layer="rows", driver="GPKG")
                assert append_attribute_rows(path, "rows", parts) == len(frame)
            pyogrio.write_dataframe(frame.head(2), path, layer="after", driver="GPKG")
    return files["pyogrio"], files["sqlite"]


def test_appended_rows_read_back_as_pyogrio_writes_them(tmp_path):
    frame = _every_kind()
    old, new = _two_files(tmp_path, frame, [frame.iloc[:4], frame.iloc[4:]])
    for layer in ("spatial", "rows", "after"):
        pd.testing.assert_frame_equal(
            pyogrio.read_dataframe(new, layer=layer, fid_as_index=True),
            pyogrio.read_dataframe(old, layer=layer, fid_as_index=True))
        assert pyogrio.read_info(new, layer=layer)["features"] == \
            pyogrio.read_info(old, layer=layer)["features"]
    assert pyogrio.read_info(new, layer="rows")["features"] == 6
    back = pyogrio.read_dataframe(new, layer="rows", fid_as_index=True)
    assert back.index.tolist() == [1, 2, 3, 4, 5, 6]
    assert back.text.tolist()[:4] == ["plain", 'it\'s "quoted"', "Ñuñoa · 東京 · 🙂", ""]
    assert pd.isna(back.text[5]) and pd.isna(back["count"][2]) and pd.isna(back.share[2])
    assert back.flag.tolist() == frame.flag.tolist()
    # the very values and SQLite types (NULL, not NaN; 0/1 for booleans) are GDAL's
    values = ("SELECT fid, text, typeof(text), objects, count, typeof(count), plain_int, share, "
              "typeof(share), plain_float, typeof(plain_float), flag, typeof(flag) FROM rows")
    assert _sqlite_dump(new, values) == _sqlite_dump(old, values)
    # the same schema, metadata and triggers (the feature counts kept by them included)
    for query in ("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name",
                  "SELECT * FROM gpkg_contents ORDER BY table_name",
                  "SELECT * FROM gpkg_ogr_contents ORDER BY table_name",
                  "SELECT * FROM sqlite_sequence ORDER BY name",
                  "PRAGMA integrity_check", "PRAGMA foreign_key_check"):
        assert _sqlite_dump(new, query) == _sqlite_dump(old, query), query
    assert _sqlite_dump(new, "PRAGMA integrity_check") == [("ok",)]
    # the feature-count triggers work again after the bulk insert
    for path in (old, new):
        con = sqlite3.connect(path)
        with con:
            con.execute("DELETE FROM rows WHERE fid = 2")
        con.close()
    assert pyogrio.read_info(new, layer="rows")["features"] == 5
    assert _sqlite_dump(new, "SELECT * FROM gpkg_ogr_contents") == \
        _sqlite_dump(old, "SELECT * FROM gpkg_ogr_contents")


def test_appending_rows_is_byte_identical_and_all_or_nothing(tmp_path):
    frame = _every_kind()
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one = _two_files(tmp_path / "one", frame, [frame])[1]
    assert one.read_bytes() == _two_files(tmp_path / "two", frame, [frame])[1].read_bytes()
    before = one.read_bytes()
    dated = frame.iloc[3:].assign(flag=pd.Timestamp("2020-01-01"))  # after 3 good rows
    with pytest.raises(TypeError, match=r"column 'flag' has dtype datetime64"):
        append_attribute_rows(one, "rows", [frame.iloc[:3], dated])
    numbers = frame.assign(objects=np.array([1, None, 2, 3, 4, 5], dtype=object))
    with pytest.raises(TypeError, match=r"column 'objects' holds values that are not text"):
        append_attribute_rows(one, "rows", [frame, numbers])
    with pytest.raises(OutputError, match=r"the rows' columns .* are not those of layer 'rows'"):
        append_attribute_rows(one, "rows", [frame.iloc[:3], frame.iloc[3:, :2]])
    with pytest.raises(OutputError, match=r"'spatial' is not an attribute table"):
        append_attribute_rows(one, "spatial", [frame])
    # the calls that failed added nothing and left the counting triggers in place
    assert one.read_bytes() == before
    assert _sqlite_dump(one, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                             "AND tbl_name = 'rows'") == [(2,)]
    assert not list(tmp_path.glob("one/*-journal"))


def test_geopackage_long_layer_equals_the_pyogrio_write(estimates, areas, labels, tmp_path,
                                                         monkeypatch):
    from geo4mi.indicators import tables

    monkeypatch.setattr(tables, "CHUNK_ROWS", 7)  # several slices, as at thousands of areas
    new = write_geopackage(estimates, areas, tmp_path / "new.gpkg", labels, lang="es",
                           synthetic=True)

    def plain(path, layer, parts):  # the former path: pyogrio appends every slice
        with _gdal_config(OGR_CURRENT_DATE=FIXED_DATE):
            for part in parts:
                pyogrio.write_dataframe(part, path, layer=layer, driver="GPKG", append=True)
        return 0

    with monkeypatch.context() as patch:
        patch.setattr(tables, "append_attribute_rows", plain)
        old = write_geopackage(estimates, areas, tmp_path / "old.gpkg", labels, lang="es",
                               synthetic=True)
    assert [n for n, _ in pyogrio.list_layers(new)] == [n for n, _ in pyogrio.list_layers(old)]
    for layer in ("indicators", "estimates", "indicator_labels"):
        pd.testing.assert_frame_equal(pyogrio.read_dataframe(new, layer=layer, fid_as_index=True),
                                      pyogrio.read_dataframe(old, layer=layer, fid_as_index=True))
        assert pyogrio.read_info(new, layer=layer)["features"] == \
            pyogrio.read_info(old, layer=layer)["features"]
    assert pyogrio.read_info(new, layer="estimates")["features"] == len(estimates)
    assert _sqlite_dump(new, "PRAGMA integrity_check") == [("ok",)]
    assert _sqlite_dump(new, "SELECT * FROM gpkg_contents ORDER BY table_name") == \
        _sqlite_dump(old, "SELECT * FROM gpkg_contents ORDER BY table_name")
    again = write_geopackage(estimates, areas, tmp_path / "again.gpkg", labels, lang="es",
                             synthetic=True)
    assert again.read_bytes() == new.read_bytes()


def test_csv_without_empty_rows_keeps_every_other_row_byte_for_byte(estimates, areas, labels,
                                                                    tmp_path, monkeypatch):
    from geo4mi.indicators import tables

    whole = write_estimates_csv(estimates, areas, labels, tmp_path / "whole.csv", lang="es",
                                synthetic=True).read_text(encoding="utf-8-sig").splitlines()
    lean = write_estimates_csv(estimates, areas, labels, tmp_path / "lean.csv", lang="es",
                               synthetic=True, empty=False).read_bytes()
    column = whole[0].split(",").index("status")
    kept = [line for line, cells in zip(whole[1:], csv.reader(whole[1:]), strict=True)
            if cells[column] != "no_data"]
    assert len(kept) < len(whole) - 1  # area "c" has nobody: its rows are gone
    assert lean.decode("utf-8-sig").splitlines() == [whole[0], *kept]
    assert lean.startswith(b"\xef\xbb\xbf")
    assert ",c," not in lean.decode("utf-8-sig")
    monkeypatch.setattr(tables, "CHUNK_ROWS", 5)  # the chunked writer drops the same rows
    assert write_estimates_csv(estimates, areas, labels, tmp_path / "parts.csv", lang="es",
                               synthetic=True, empty=False).read_bytes() == lean
    assert len(estimates) == len(whole) - 1  # the estimates are not modified


def test_geopackage_failing_in_the_rows_leaves_no_file(estimates, areas, labels, tmp_path,
                                                       monkeypatch):
    from geo4mi.indicators import tables

    calls = []

    def fail_late(column):  # the second slice fails, after rows went in
        calls.append(column.name)
        if len(calls) > len(TABLE_COLUMNS):
            raise sqlite3.OperationalError("database or disk is full")
        return real(column)

    real = tables._sql_values
    monkeypatch.setattr(tables, "CHUNK_ROWS", 7)
    monkeypatch.setattr(tables, "_sql_values", fail_late)
    with pytest.raises(OutputError, match=r"cannot write layer 'estimates' \(database or disk "
                                          r"is full\); check the free space"):
        write_geopackage(estimates, areas, tmp_path / "out" / "e.gpkg", labels, lang="es",
                         synthetic=True)
    assert list((tmp_path / "out").iterdir()) == []  # nor a temporary file or journal
