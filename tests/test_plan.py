"""Sample allocation: proportional targets with a minimum, exact totals, measures."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import box

from geo4mi.boundaries import load_areas
from geo4mi.errors import InputFileError, OutputError
from geo4mi.sites import BUNDLED_SITES, read_sites
from geo4mi.sites.plan import (
    BUNDLED_CENSUS,
    PlanError,
    allocate,
    census_measure,
    csv_measure,
    load_measure,
    plan_for_study,
    raster_measure,
    read_plan_csv,
    write_plan_csv,
)
from geo4mi.study import bundled_study_path, load_study

#: Mexico City's name variants: study data ([boundaries] aliases of the bundled study).
MEXICO_ALIASES = load_study(bundled_study_path()).boundaries.aliases


def toy_areas(n: int) -> pd.DataFrame:
    ids = [chr(ord("a") + i) for i in range(n)]
    return pd.DataFrame({"area_id": ids, "area_name": [i.upper() for i in ids]})


@pytest.fixture(scope="module")
def areas() -> gpd.GeoDataFrame:
    return load_areas()


# -- allocate --------------------------------------------------------------------------------

def test_plain_proportional_allocation():
    plan = allocate(toy_areas(3), pd.Series({"a": 500, "b": 300, "c": 200}), total=100)
    assert plan["target"].tolist() == [50, 30, 20]
    assert plan["share"].tolist() == pytest.approx([0.5, 0.3, 0.2])
    assert plan.columns.tolist() == ["area_id", "area_name", "eligible", "measure", "share",
                                     "target"]


def test_largest_remainder_rounding_sums_exactly():
    # quotas 33.3.., 33.3.., 33.3..: one extra interview, to the lowest area_id on a tie
    plan = allocate(toy_areas(3), pd.Series({"a": 1, "b": 1, "c": 1}), total=100)
    assert plan["target"].tolist() == [34, 33, 33]
    # quotas 4.6, 3.3, 2.1 -> floors 4, 3, 2, leftover 1 to the largest remainder (a: 0.6)
    plan = allocate(toy_areas(3), pd.Series({"a": 46, "b": 33, "c": 21}), total=10)
    assert plan["target"].tolist() == [5, 3, 2]


def test_minimum_is_applied_and_the_rest_shared_again():
    # proportional: a 90.9, b 9.09, c 0.0 -> b and c raised to 10, a gets 100 - 20 = 80
    plan = allocate(toy_areas(3), pd.Series({"a": 1000, "b": 100, "c": 0}), total=100,
                    min_per_area=10)
    assert plan["target"].tolist() == [80, 10, 10]
    assert plan["target"].sum() == 100


def test_minimum_applies_iteratively():
    # pass 1: quotas 24, 10, 6 -> c raised to 10; pass 2: 30 left over a, b: 21.2, 8.8 -> b
    # raised to 10; pass 3: a gets the remaining 20
    measure = pd.Series({"a": 60, "b": 25, "c": 15})
    plan = allocate(toy_areas(3), measure, total=40, min_per_area=10)
    assert plan["target"].tolist() == [20, 10, 10]


def test_only_eligible_areas_get_interviews():
    plan = allocate(toy_areas(4), pd.Series({"a": 10, "b": 10, "c": 1000, "d": 10}), total=30,
                    min_per_area=5, eligible_area_ids=["a", "b", "d"])
    assert plan["target"].tolist() == [10, 10, 0, 10]
    assert plan["eligible"].tolist() == [True, True, False, True]
    assert pd.isna(plan["share"].iloc[2])
    assert plan["measure"].iloc[2] == 1000


def test_total_smaller_than_minimum_times_areas_is_an_error():
    with pytest.raises(PlanError, match=r"total = 29 interviews cannot give min_per_area = 10 to "
                                        r"each of the 3 selected boroughs \(needs 30\)"):
        allocate(toy_areas(3), pd.Series({"a": 1, "b": 1, "c": 1}), total=29, min_per_area=10)


def test_total_equal_to_minimum_times_areas_gives_the_minimum():
    plan = allocate(toy_areas(3), pd.Series({"a": 9, "b": 1, "c": 0}), total=30,
                    min_per_area=10)
    assert plan["target"].tolist() == [10, 10, 10]


@pytest.mark.parametrize("measure, message", [
    (pd.Series({"a": 1, "b": np.nan}), r"area 'b' has no usable value"),
    (pd.Series({"a": 1}), r"area 'b' has no usable value"),
    (pd.Series({"a": 1, "b": -3}), r"area 'b' has no usable value \(-3.0\)"),
    (pd.Series({"a": 0, "b": 0}), r"every selected borough has measure 0"),
])
def test_bad_measures(measure, message):
    with pytest.raises(PlanError, match=message):
        allocate(toy_areas(2), measure, total=10)


@pytest.mark.parametrize("kwargs, message", [
    ({"total": 0}, r"total = 0 must be a whole number of at least 1"),
    ({"total": 10.5}, r"total = 10.5 must be a whole number"),
    ({"total": 10, "min_per_area": -1}, r"min_per_area = -1 must be"),
    ({"total": 10, "eligible_area_ids": ["zz"]}, r"eligible area 'zz' is not among the areas"),
    ({"total": 10, "eligible_area_ids": []}, r"no borough is selected for fieldwork"),
])
def test_bad_options(kwargs, message):
    with pytest.raises(PlanError, match=message):
        allocate(toy_areas(2), pd.Series({"a": 1, "b": 1}), **kwargs)


def test_allocation_is_deterministic_and_order_follows_areas():
    measure = pd.Series({"c": 7, "a": 3, "b": 5})
    one = allocate(toy_areas(3), measure, total=23, min_per_area=2)
    two = allocate(toy_areas(3), measure.sort_index(ascending=False), total=23, min_per_area=2)
    pd.testing.assert_frame_equal(one, two)
    assert one["area_id"].tolist() == ["a", "b", "c"]


# -- measures ----------------------------------------------------------------------------------

def test_census_measure_bundled_totals():
    pop = census_measure(BUNDLED_CENSUS)
    assert len(pop) == 16 and pop.sum() == 9_209_944  # the total the 4Mi report quotes
    assert pop["09005"] == 1_173_351  # Gustavo A. Madero


def test_census_measure_errors(tmp_path):
    path = tmp_path / "pop.csv"
    path.write_text("cvegeo,pob\n09002,100\n09003,mucha\n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"pop.csv: row 3, column 'pob': 'mucha' is not a number"):
        census_measure(path, value_field="pob")
    with pytest.raises(PlanError, match=r"column 'pob_total_2020': missing column; available: "
                                        r"cvegeo, pob"):
        census_measure(path)
    path.write_text("cvegeo,pob\n09002,100\n09002,5\n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"row 3, column 'cvegeo': duplicated id '09002'"):
        census_measure(path, value_field="pob")
    with pytest.raises(InputFileError, match=r"missing.csv: population table not found"):
        census_measure(tmp_path / "missing.csv")


def test_csv_measure_by_borough_name_with_variants(tmp_path, areas):
    path = tmp_path / "migrantes.csv"
    path.write_text("alcaldía,estimado\nCuauhtémoc,\"12,000\"\nGAM,1500\n"
                    "Alcaldía Iztapalapa,800\n", encoding="utf-8")
    measure = csv_measure(path, areas, aliases=MEXICO_ALIASES)
    assert measure.to_dict() == {"09005": 1500.0, "09007": 800.0, "09015": 12000.0}


def test_csv_measure_by_id_and_errors(tmp_path, areas):
    path = tmp_path / "m.csv"
    path.write_text("area_id,migrants,year\n09015,10,2021\n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"cannot tell which column holds the measure \(numeric "
                                        r"columns: migrants, year\)"):
        csv_measure(path, areas)
    assert csv_measure(path, areas, value_field="migrants").to_dict() == {"09015": 10.0}
    path.write_text("area_id,migrants\n99999,10\n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"row 2, column 'area_id': unknown area id '99999'"):
        csv_measure(path, areas)
    path.write_text("borough,migrants\nNarnia,10\n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"row 2, column 'borough': borough name 'Narnia' "
                                        r"matches no area"):
        csv_measure(path, areas)


def test_user_measure_drives_allocation(tmp_path, areas):
    path = tmp_path / "m.csv"
    path.write_text("borough,migrants\nCuauhtémoc,300\nTlalpan,100\n", encoding="utf-8")
    plan = allocate(areas, csv_measure(path, areas), total=40,
                    eligible_area_ids=["09015", "09012"])
    assert dict(zip(plan["area_id"], plan["target"], strict=True))["09015"] == 30
    assert dict(zip(plan["area_id"], plan["target"], strict=True))["09012"] == 10


def test_raster_measure_sums_pixels(tmp_path):
    tif = tmp_path / "pop.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=3, height=1, count=1, dtype="int32",
                       crs="EPSG:6372", transform=Affine(100, 0, 0, 0, -100, 100)) as dst:
        dst.write(np.array([[10, 20, 30]], dtype="int32"), 1)
    two = gpd.GeoDataFrame({"area_id": ["a", "b"], "area_name": ["A", "B"]},
                           geometry=[box(0, 0, 200, 100), box(200, 0, 300, 100)],
                           crs="EPSG:6372")
    measure = raster_measure(tif, two)
    assert measure.to_dict() == {"a": 30.0, "b": 30.0}
    assert load_measure(f"raster:{tif}", two).to_dict() == {"a": 30.0, "b": 30.0}


def test_unknown_measure_spec_lists_allowed(areas):
    with pytest.raises(PlanError, match=r"measure 'csv' is unknown; use one of census, "
                                        r"csv:PATH, raster:PATH"):
        load_measure("csv", areas)


# -- study-level plan and CSV -----------------------------------------------------------------

def test_plan_for_bundled_study_uses_boroughs_with_sites(areas):
    study = load_study(bundled_study_path())
    sites = read_sites(BUNDLED_SITES, areas)
    plan = plan_for_study(study, areas, sites, total=301)
    assert plan["target"].sum() == 301
    eligible = plan[plan["eligible"]]
    assert set(eligible["area_id"]) == set(sites["area_id"])
    assert (eligible["target"] >= 10).all()
    assert (plan.loc[~plan["eligible"], "target"] == 0).all()
    # Iztapalapa is the most populous borough with a site: it gets the most interviews
    assert plan.loc[plan["target"].idxmax(), "area_name"] == "Iztapalapa"
    with pytest.raises(PlanError, match=r"needs 110"):
        plan_for_study(study, areas, sites, total=100)


def test_write_plan_csv_is_deterministic_and_atomic(tmp_path, areas):
    plan = allocate(areas, census_measure(), total=301, min_per_area=10)
    one = write_plan_csv(plan, tmp_path / "plan.csv")
    first = one.read_bytes()
    write_plan_csv(plan, tmp_path / "plan.csv")
    assert one.read_bytes() == first
    lines = first.decode("utf-8").splitlines()
    assert lines[0] == "area_id,area_name,eligible,measure,share,target"
    assert lines[1].startswith("09002,Azcapotzalco,yes,432205,0.046928,")
    with pytest.raises(OutputError, match=r"plan.csv: file exists"):
        write_plan_csv(plan, tmp_path / "plan.csv", overwrite=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.csv"]


# -- command line ------------------------------------------------------------------------------

def test_plan_command_writes_csv_and_refuses_overwrite(tmp_path, capsys):
    from geo4mi.cli import main

    out = tmp_path / "plan.csv"
    assert main(["plan", str(bundled_study_path()), "--total", "301", "-o", str(out)]) == 0
    assert "301 interviews in 11 boroughs with a site" in capsys.readouterr().out
    plan = pd.read_csv(out, dtype={"area_id": str})
    assert plan["target"].sum() == 301 and len(plan) == 16
    assert main(["plan", str(bundled_study_path()), "--total", "301", "-o", str(out)]) == 2
    assert "file exists; pass --overwrite" in capsys.readouterr().err


def test_plan_command_with_user_measure_and_too_small_total(tmp_path, capsys):
    from geo4mi.cli import main

    measure = tmp_path / "migrants.csv"
    measure.write_text("borough,migrants\n" + "".join(
        f"{name},{100 if name == 'Cuauhtémoc' else 10}\n"
        for name in load_areas()["area_name"]), encoding="utf-8")
    out = tmp_path / "plan.csv"
    assert main(["plan", str(bundled_study_path()), "--total", "200", "--min-per-area", "5",
                 "--measure", f"csv:{measure}", "-o", str(out)]) == 0
    plan = read_plan_csv(out)
    assert plan.loc[plan["area_id"] == "09015", "target"].item() == max(plan["target"])
    capsys.readouterr()
    assert main(["plan", str(bundled_study_path()), "--total", "50",
                 "-o", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("geo4mi: error: total = 50 interviews cannot give min_per_area = 10")
    assert not (tmp_path / "x.csv").exists()


def test_read_plan_csv_errors(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("area_id,target\n09015,diez\n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"plan.csv: row 2, column 'target': 'diez' is not a "
                                        r"whole number"):
        read_plan_csv(path)
