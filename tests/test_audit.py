"""The built-in intruder: what it claims is true, and it catches each attack of issue 11."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from geo4mi.errors import DisclosureError
from geo4mi.indicators import audit as A
from geo4mi.indicators.audit import audit, format_finding, refuse_if_disclosive
from geo4mi.indicators.catalogue import add_derived, bundled_catalogue_path, load_catalogue
from geo4mi.indicators.estimate import estimate
from geo4mi.indicators.protect import protect
from geo4mi.study import bundled_study_path
from geo4mi.survey.xlsform import read_form

IDS = ["gender_men", "gender_women", "gender_other", "hh_with_child", "children_all_permit",
       "children_some_permit", "mental_symptoms", "feel_safe"]
GROUPS = ["gender", "age_group"]


@pytest.fixture(scope="module")
def catalogue():
    form = read_form(bundled_study_path().parent / "questionnaire.xlsx")
    return load_catalogue(bundled_catalogue_path(), form=form).subset(IDS)


def survey(seed: int, *, gaps: bool = True) -> tuple[pd.DataFrame, list[str]]:
    """A random survey: 3-5 areas (some people in none), a rare gender, a follow-up."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(40, 160))
    areas = [f"a{k}" for k in range(int(rng.integers(3, 6)))]
    weights = rng.dirichlet(np.ones(len(areas)) * 0.7)
    area = rng.choice(areas, n, p=weights).astype(object)
    if gaps:
        area[rng.random(n) < 0.05] = None
    kids = rng.choice(["yes", "no"], n, p=[0.3, 0.7]).astype(object)
    permit = np.where(kids == "yes", rng.choice(["all", "some", "none"], n), None)

    def yes_no(p_yes: float, p_na: float) -> np.ndarray:
        out = rng.choice(["yes", "no"], n, p=[p_yes, 1 - p_yes]).astype(object)
        out[rng.random(n) < p_na] = None
        return out

    gender = rng.choice(["man", "woman", "other"], n, p=[0.48, 0.48, 0.04]).astype(object)
    if gaps:
        gender[rng.random(n) < 0.03] = None
    frame = pd.DataFrame({
        "area_id": pd.array(area, dtype="str"),
        "gender": pd.array(gender, dtype="str"),
        "age": pd.array(rng.integers(18, 75, n), dtype="Int64"),
        "nationality": pd.array(["venezuela"] * n, dtype="str"),
        "hh_children": pd.array(kids, dtype="str"),
        "children_permit": pd.array(permit, dtype="str"),
        "mental_symptoms": pd.array(yes_no(0.3, 0.05 if gaps else 0), dtype="str"),
        "feel_safe": pd.array(yes_no(0.6, 0.05 if gaps else 0), dtype="str")})
    return frame, areas


def run(catalogue, seed: int, *, gaps: bool = True, complementary: bool = True,
        min_n: int = 5):
    frame, areas = survey(seed, gaps=gaps)
    frame = add_derived(frame, catalogue)
    published = estimate(frame, catalogue, area_ids=areas, groups=GROUPS, min_n=min_n,
                         complementary=complementary)
    truth = estimate(frame, catalogue, area_ids=areas, groups=GROUPS, min_n=1,
                     complementary=False)
    return published, truth


def check_claims(found: pd.DataFrame, truth: pd.DataFrame) -> None:
    """Every value the intruder claims is the true one."""
    key = ["indicator", "area_id", "group_var", "group_value"]
    merged = found.merge(truth, on=key, how="left", validate="many_to_one")
    assert len(merged) == len(found)
    num = merged["numerator"].fillna(0).astype(int)  # no-data rows: 0
    ok = merged["what"] == "n"
    assert ((merged["low"] <= num) & (num <= merged["high"]) | ok).all()
    n_high = merged["n_high"].astype("float64").fillna(np.inf)
    assert ((merged["n_low"] <= merged["n"]) & (merged["n"] <= n_high)).all()
    exact = merged[(merged["low"] == merged["high"]) & ~ok]
    assert (exact["low"] == exact["numerator"].fillna(0)).all()
    assert (merged.loc[ok, "low"] == merged.loc[ok, "n"]).all()
    small = merged["what"].isin(["all", "none"])
    assert (merged.loc[small, "n"] < 5).all()
    assert (merged.loc[merged["what"] == "none", "numerator"] == 0).all()
    assert (merged.loc[merged["what"] == "all", "numerator"]
            == merged.loc[merged["what"] == "all", "n"]).all()


@pytest.mark.parametrize("seed", range(12))
def test_every_recovery_claimed_is_true(catalogue, seed):
    published, truth = run(catalogue, seed)
    found = audit(published, catalogue, min_n=5, truth=truth)
    check_claims(found, truth)


@pytest.mark.parametrize("seed", range(6))
def test_without_the_truth_claims_hold_when_every_total_is_exact(catalogue, seed):
    # no unplaced respondents and no missing answers: the sums are exact
    published, truth = run(catalogue, seed, gaps=False)
    found = audit(published, catalogue, min_n=5)
    check_claims(found, truth)


@pytest.mark.parametrize("seed", range(6))
def test_without_complementary_suppression_differencing_is_caught(catalogue, seed):
    published, truth = run(catalogue, seed, complementary=False)
    found = audit(published, catalogue, min_n=5, truth=truth)
    check_claims(found, truth)
    hidden = published[published["status"] == "suppressed"]
    # a line with exactly one hidden cell and an exact total gives that cell away
    lines = hidden.groupby(["indicator", "group_var", "group_value"]).size()
    assert len(found) > 0 and len(lines) > 0
    assert found["relation"].str.contains("sum to").any()


def test_complementary_suppression_leaves_fewer_findings(catalogue):
    on = off = 0
    for seed in range(6):
        for comp in (True, False):
            published, truth = run(catalogue, seed, complementary=comp)
            k = len(audit(published, catalogue, min_n=5, truth=truth))
            on, off = (on + k, off) if comp else (on, off + k)
    assert on < off


def test_follow_up_n_gives_the_parent_numerator_away(catalogue):
    frame, areas = survey(3)
    frame = add_derived(frame, catalogue)
    truth = estimate(frame, catalogue, area_ids=areas, groups=GROUPS, min_n=1,
                     complementary=False)
    published = truth.copy()
    row = ((published["indicator"] == "hh_with_child") & (published["area_id"] == areas[0])
           & (published["group_var"] == "all"))
    published.loc[row, "numerator"] = pd.NA  # hide one numerator; the follow-up n stays
    published.loc[row, "status"] = "suppressed"
    found = audit(published, catalogue, min_n=5, truth=truth)
    hit = found[(found["indicator"] == "hh_with_child") & (found["area_id"] == areas[0])
                & (found["group_var"] == "all")]
    assert len(hit) == 1
    assert hit["low"].iloc[0] == truth.loc[row, "numerator"].iloc[0]
    assert "follow-up" in hit["relation"].iloc[0] or "sum to" in hit["relation"].iloc[0]
    # with areas and groups also hidden around it, only the follow-up is left
    around = (published["indicator"] == "hh_with_child") & (
        (published["area_id"] == areas[0]) | (published["group_var"] == "all"))
    published.loc[around, "numerator"] = pd.NA
    published.loc[around, "status"] = "suppressed"
    found = audit(published, catalogue, min_n=5, truth=truth)
    hit = found[(found["indicator"] == "hh_with_child") & (found["area_id"] == areas[0])
                & (found["group_var"] == "all")]
    assert hit["relation"].iloc[0].startswith("n of children_")
    assert hit["low"].iloc[0] == truth.loc[row, "numerator"].iloc[0]


def iztapalapa(**extra) -> pd.DataFrame:
    return pd.DataFrame({
        "indicator": "mental_symptoms", "area_id": "09007",
        "group_var": ["all"] + ["nationality_group"] * 5,
        "group_value": ["all", "venezuela", "central_america", "haiti", "caribbean",
                        "other"],
        "numerator": pd.array([44, 12, 13, 14, None, None], dtype="Int64"),
        "n": pd.array([57, 15, 20, 17, 4, 1], dtype="Int64"),
        "status": ["ok", "ok", "ok", "ok", "suppressed", "suppressed"], **extra})


def test_the_issue_example_all_five_had_symptoms():
    found = audit(iztapalapa(), None, min_n=10)
    assert found[["group_value", "what", "low", "high"]].values.tolist() == [
        ["caribbean", "all", 4, 4], ["other", "all", 1, 1]]
    line = format_finding(found.iloc[0])
    assert line.startswith("mental_symptoms, area 09007, nationality_group=caribbean: "
                           "numerator = 4 of n = 4 (all) via values of nationality_group")


def test_hidden_n_are_not_read_and_a_wider_range_is_no_finding():
    table = iztapalapa()
    table["n"] = pd.array([57, 15, 20, 17, None, None], dtype="Int64")
    found = audit(table, None, min_n=10)
    # n of the two hidden cells sum to 5, numerators to 5: each is all of its own group,
    # but neither n is known, so "all of a group smaller than min_n" is still told
    assert set(found["what"]) <= {"all", "n"}
    table["numerator"] = pd.array([44, 12, 13, None, None, None], dtype="Int64")
    table["n"] = pd.array([57, 15, 20, None, None, None], dtype="Int64")
    assert audit(table, None, min_n=10).empty


def test_refuse_if_disclosive_names_the_cell_and_relation():
    with pytest.raises(DisclosureError, match=r"caribbean: numerator = 4 of n = 4 \(all\) "
                                              r"via values of nationality_group.* 1 more"):
        refuse_if_disclosive(iztapalapa(), None, min_n=10)


def test_protect_then_audit_finds_nothing(catalogue):
    for seed in range(10):
        published, truth = run(catalogue, seed)
        safe, lost = protect(published, catalogue, min_n=5, truth=truth)
        assert audit(safe, catalogue, min_n=5, truth=truth).empty
        refuse_if_disclosive(safe, catalogue, min_n=5, truth=truth)
        # only hides: every published value is either kept or now NA
        for col in ("numerator", "n"):
            kept = safe[col].notna()
            assert (safe.loc[kept, col] == published.loc[kept, col]).all()
        assert (safe["status"] == "suppressed").sum() >= (published["status"]
                                                          == "suppressed").sum()
        key = ["indicator", "area_id", "group_var", "group_value"]
        now = lost.merge(safe, on=key, suffixes=("_lost", ""))
        assert len(now) == len(lost) and now["numerator"].isna().all()
        assert now.loc[now["what"] == "n", "n"].isna().all()


def _credited_equal(sys_, family_start: str) -> set[str]:
    """Indicators whose ``n`` the intruder is credited as *equal* to another figure by the
    family named ``family_start``: each equality is the family's line and its reverse, so
    a row with coefficient -1 on the first figure's ``n``."""
    size = sys_.grid.exists.size
    fam = np.array([f.name.startswith(family_start) for f in sys_.fams])
    reverse = fam[sys_.fam_of[sys_.rows]] & (sys_.vals == -1) & (sys_.cols >= size)
    i = np.unravel_index(sys_.cols[reverse] % size, sys_.grid.shape)[0]
    return {sys_.grid.indicators[k] for k in np.unique(i)}


def test_a_follow_up_is_not_credited_with_counting_everyone_where_it_happens_to(catalogue):
    """"equal where everyone answered" holds for a question, not for one cell: in an area
    where every respondent has children the follow-up's ``n`` equals the respondents', but
    an intruder who knew that would know who has children (the hidden figure itself)."""
    frame, areas = survey(3, gaps=False)
    frame.loc[frame["area_id"] == areas[0], "hh_children"] = "yes"
    frame.loc[frame["area_id"] == areas[0], "children_permit"] = "all"
    frame = add_derived(frame, catalogue)
    truth = estimate(frame, catalogue, area_ids=areas, groups=GROUPS, min_n=1,
                     complementary=False)
    everyone = truth[(truth["area_id"] == areas[0]) & (truth["group_var"] == "all")]
    n_of = everyone.set_index("indicator")["n"]
    assert n_of["children_all_permit"] == n_of["feel_safe"] > 0  # equal in this cell
    published = estimate(frame, catalogue, area_ids=areas, groups=GROUPS, min_n=5)
    sys_ = A.system(published, catalogue, min_n=5, truth=truth)
    credited = _credited_equal(sys_, "n at most the respondents")
    assert "mental_symptoms" in credited  # asked of everyone, answered by everyone
    assert not credited & {"children_all_permit", "children_some_permit"}
    check_claims(audit(published, catalogue, min_n=5, truth=truth), truth)


def test_choices_meeting_n_in_one_cell_are_not_credited_as_an_equality(catalogue):
    """"choices sum to at most n" is exact in a cell whose few people all gave a listed
    choice; the intruder can know that only where the city-wide cell of the column or the
    area's cell of everyone is exact too (slacks are never negative), not from the cell's
    own hidden figures: crediting it there would say what the hidden figures are."""
    frame, areas = survey(3, gaps=False)
    here, women = frame["area_id"] == areas[0], frame["gender"] == "woman"
    kids = frame["hh_children"] == "yes"
    frame.loc[kids & here & women, "children_permit"] = "some"
    mother = frame.index[here & women][:2]  # two women of the area: listed choices only
    frame.loc[mother, ["hh_children", "children_permit"]] = [["yes", "all"], ["yes", "some"]]
    father = frame.index[here & (frame["gender"] == "man")][0]  # not the area's everyone
    other = frame.index[~here & women][0]  # nor the city's women
    frame.loc[[father, other], ["hh_children", "children_permit"]] = "yes", "none"
    frame = add_derived(frame, catalogue)
    truth = estimate(frame, catalogue, area_ids=areas, groups=GROUPS, min_n=1,
                     complementary=False)
    published = estimate(frame, catalogue, area_ids=areas, groups=GROUPS, min_n=5)
    sys_ = A.system(published, catalogue, min_n=5, truth=truth)
    grid = sys_.grid
    i = grid.indicators.index("children_all_permit")
    col = grid.columns.index(("gender", "woman"))
    fam = np.array([f.name.startswith("choices of children_permit") for f in sys_.fams])

    def rows_with(area: int, column: int) -> int:
        """Relations of the family holding the cell's ``n``: 2 for an equality (a line
        and its reverse), 1 for an inequality."""
        v = grid.var(1, i, area, column)
        return int((fam[sys_.fam_of[sys_.rows]] & (sys_.cols == v)).sum())

    cell = truth.set_index(["indicator", "area_id", "group_var", "group_value"])
    key = (areas[0], "gender", "woman")
    assert cell.loc[("children_all_permit", *key), "numerator"] \
        + cell.loc[("children_some_permit", *key), "numerator"] \
        == cell.loc[("children_all_permit", *key), "n"] > 0  # exact in this cell
    assert rows_with(grid.areas.index(areas[0]), col) == 1
    everyone = frame["children_permit"].notna()
    exact_areas = [a for a in areas if not ((frame["children_permit"] == "none")
                                            & (frame["area_id"] == a)).any()
                   and (everyone & (frame["area_id"] == a)).any()]
    for a in exact_areas:  # an area nobody in which said "none" is exact, all columns
        assert rows_with(grid.areas.index(a), 0) == 2
    check_claims(audit(published, catalogue, min_n=5, truth=truth), truth)


def test_propagation_bounds_contain_the_lp_bounds():
    table = iztapalapa()
    table = pd.concat([table, table.assign(area_id="09005", numerator=pd.array(
        [30, 10, 8, 9, 2, None], dtype="Int64"), n=pd.array([40, 12, 12, 11, 4, 1],
                                                             dtype="Int64"))])
    grid = A.to_grid(table)
    starts, cols, vals, fam = A._rows(A.relations(grid, None), None)
    rows = A.entry_rows(starts)
    known = grid.value.ravel()
    lo, hi, *_ = A.propagate(rows, cols, vals, fam, np.where(np.isnan(known), 0, known),
                             np.where(np.isnan(known), A.BIG, known))
    m = int(rows.max()) + 1
    mat = np.zeros((m, known.size))
    np.add.at(mat, (rows, cols), vals)
    bounds = [(k, k) if not np.isnan(k) else (0, A.BIG) for k in known]
    for v in np.flatnonzero(np.isnan(known)):
        c = np.zeros(known.size)
        c[v] = 1
        low = linprog(c, A_ub=mat, b_ub=np.zeros(m), bounds=bounds, method="highs").fun
        high = -linprog(-c, A_ub=mat, b_ub=np.zeros(m), bounds=bounds, method="highs").fun
        assert lo[v] <= np.ceil(low - 1e-6) and np.floor(high + 1e-6) <= hi[v]


def test_cli_audit_writes_the_findings_and_exits_2_when_disclosive(tmp_path, capsys):
    from conftest_survey import copy_bundled_study

    from geo4mi.cli import main

    study = copy_bundled_study(tmp_path, "\n[disclosure]\nprotect = false\n")
    out = tmp_path / "findings.csv"
    assert main(["audit", str(study), "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert "hidden figures; raise min_n or merge small groups" in captured.err
    assert "hidden figures can be worked out" in captured.out
    findings = pd.read_csv(out)
    assert list(findings.columns) == list(A.FINDING_COLUMNS)
    assert len(findings) > 0 and set(findings["what"]) <= {"numerator", "all", "none", "n"}
    assert main(["audit", str(study), "-o", str(out)]) == 2  # no overwrite without the flag
    assert "file exists; pass --overwrite" in capsys.readouterr().err


def test_without_protection_build_refuses_and_writes_nothing(tmp_path, capsys):
    from conftest_survey import copy_bundled_study

    from geo4mi.cli import main

    study = copy_bundled_study(tmp_path, "\n[disclosure]\nprotect = false\n")
    out = tmp_path / "out"
    assert main(["build", str(study), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "would disclose a hidden figure" in err
    assert " via " in err and "nothing was written" in err  # the cell and the relation
    assert not out.exists() or not any(out.iterdir())
    assert main(["indicators", str(study), "-o", str(tmp_path / "e.csv")]) == 2
    assert not (tmp_path / "e.csv").exists()


@pytest.mark.parametrize("seed", [1, 4])
def test_exact_integer_ranges_are_true_and_at_least_as_tight(catalogue, seed):
    published, truth = run(catalogue, seed)
    fast = audit(published, catalogue, min_n=5, truth=truth)
    exact = audit(published, catalogue, min_n=5, truth=truth, exact=True)
    check_claims(exact, truth)
    key = ["indicator", "area_id", "group_var", "group_value", "what"]
    assert set(map(tuple, fast[key].values)) <= set(map(tuple, exact[key].values))
