"""Raking survey weights to population margins ([[survey.rake]])."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo4mi.errors import StudyError, SurveyDataError
from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
from geo4mi.indicators.design import Design, design_of_estimates, interval_note
from geo4mi.indicators.estimate import CITY, estimate
from geo4mi.indicators.rake import Margin, rake_weights, read_margin
from geo4mi.study import bundled_study_path, load_study

CENSUS = Path(bundled_study_path()).parent / "census2020_population.csv"


def _margin(variables, cells, file="m.csv"):
    return Margin(file=file, variables=tuple(variables),
                  cells={tuple(k): (float(v), i + 2) for i, (k, v) in enumerate(cells.items())})


@pytest.fixture
def frame():
    rng = np.random.default_rng(11)
    n = 400
    return pd.DataFrame({"area_id": rng.choice(["A", "B", "C"], n, p=[.5, .3, .2]),
                         "gender": rng.choice(["man", "woman"], n, p=[.3, .7]),
                         "age_group": rng.choice(["18-29", "30-44", "45+"], n),
                         "feel_safe": rng.choice(["yes", "no"], n),
                         "w": rng.uniform(0.5, 2.0, n)})


def test_raked_weights_reproduce_every_margin(frame):
    area = _margin(["area_id"], {("A",): 5000, ("B",): 3000, ("C",): 2000})
    sex = _margin(["gender"], {("man",): 4900, ("woman",): 5100})
    age = _margin(["age_group"], {("18-29",): 4000, ("30-44",): 3500, ("45+",): 2500})
    w = rake_weights(frame, [area, sex, age], frame.w.to_numpy())
    for m in (area, sex, age):
        got = pd.Series(w).groupby(frame[m.variables[0]].to_numpy()).sum()
        for (value,), (pop, _) in m.cells.items():
            assert abs(got[value] - pop) / pop < 1e-8
    assert (w > 0).all()
    # a joint margin (area x sex) is post-stratification: weight = pop / count in cell
    joint = _margin(["area_id", "gender"], {(a, g): 1000 + 100 * i
                                            for i, (a, g) in enumerate(
                                                [(a, g) for a in "ABC"
                                                 for g in ("man", "woman")])})
    w = rake_weights(frame, [joint])
    count = frame.groupby(["area_id", "gender"]).size()
    expect = [joint.cells[(a, g)][0] / count[(a, g)] for a, g in zip(frame.area_id,
                                                                     frame.gender, strict=True)]
    np.testing.assert_allclose(w, expect, rtol=1e-12)


def test_post_stratified_mean_by_hand():
    """Area a: 2 of 3 feel safe, population 100; area b: 1 of 2, population 300.
    Post-stratified share = (100 * 2/3 + 300 * 1/2) / 400 = 0.541666..."""
    df = pd.DataFrame({"area_id": ["a", "a", "a", "b", "b"],
                       "feel_safe": ["yes", "no", "yes", "yes", "no"]})
    cat = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
    design = Design(rake=(_margin(["area_id"], {("a",): 100, ("b",): 300}, "census.csv"),))
    est = estimate(df, cat, area_ids=["a", "b"], groups=[], min_n=1, design=design)
    city = est[(est.area_id == CITY) & (est.group_var == "all")].iloc[0]
    assert city.p == pytest.approx((100 * 2 / 3 + 300 * 0.5) / 400, abs=1e-12)
    assert city.n == 5 and city.n_w == pytest.approx(400) and city.numerator_w == \
        pytest.approx(100 * 2 / 3 + 150)
    # within an area the raked share is the sample's (one weight per area)
    area_a = est[(est.area_id == "a") & (est.group_var == "all")].iloc[0]
    assert area_a.p == pytest.approx(2 / 3)
    # the design says so, in the table and in the notes
    assert city.design == "raked=area_id"
    assert design_of_estimates(est).weighted
    assert "raked to population margins: area_id" in interval_note(design_of_estimates(est),
                                                                   "en")
    assert "calibrados (raking)" in interval_note(design, "es")


def test_without_rake_the_estimates_are_unchanged(frame):
    cat = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
    kwargs = dict(area_ids=["A", "B", "C"], groups=["gender"], min_n=5)
    plain = estimate(frame, cat, **kwargs)
    pd.testing.assert_frame_equal(plain, estimate(frame, cat, design=Design(), **kwargs))
    assert "n_w" not in plain.columns and set(plain.design) == {"srs"}
    cl = estimate(frame.assign(e=frame.index % 7), cat, design=Design(cluster="e"), **kwargs)
    assert "n_w" not in cl.columns  # only a weighted design adds weighted counts


def test_empty_margin_cell_is_named(frame):
    m = _margin(["area_id"], {("A",): 10, ("B",): 10, ("C",): 10, ("D",): 5}, "census.csv")
    with pytest.raises(SurveyDataError,
                       match=r"^census\.csv: row 5: cell \('D',\) of \('area_id',\) has no "
                             r"respondent in the sample; merge categories"):
        rake_weights(frame, [m])
    zero = _margin(["area_id"], {("A",): 10, ("B",): 0, ("C",): 10}, "census.csv")
    with pytest.raises(SurveyDataError, match=r"row 3: cell \('B',\) .* but population 0"):
        rake_weights(frame, [zero])


def test_category_missing_from_the_margins_is_named(frame):
    m = _margin(["gender"], {("woman",): 10}, "census.csv")
    men = int((frame.gender == "man").sum())
    first = int(np.argmax(frame.gender.to_numpy() == "man")) + 2
    with pytest.raises(SurveyDataError,
                       match=rf"^row {first}, column 'gender': {men} respondents of gender "
                             r"'man', a category census\.csv has no population for \(it has "
                             r"woman\); collapse it into one of those for the weights "
                             r"\(\[\[survey\.rake\]\] collapse = \{ gender = \{ man = "
                             r"\"\.\.\.\" \} \}\), add it to the file, or exclude those "
                             r"respondents \(\[survey\] exclude\)$"):
        rake_weights(frame.assign(_row=np.arange(len(frame)) + 2), [m])
    # every category known, the combination missing: the cell is named
    joint = _margin(["area_id", "gender"], {("A", "man"): 5, ("A", "woman"): 5,
                                            ("B", "woman"): 5, ("C", "woman"): 5})
    with pytest.raises(SurveyDataError,
                       match=r"row \d+: \('[BC]', 'man'\) of \('area_id', 'gender'\) is no "
                             r"cell of m\.csv"):
        rake_weights(frame, [joint])
    with pytest.raises(SurveyDataError, match=r"column 'gender': no value, but weights are "
                                              r"raked to census\.csv"):
        rake_weights(frame.assign(gender=frame.gender.where(frame.index != 3)), [m])


def test_inconsistent_margins_do_not_converge(frame):
    a = _margin(["area_id"], {("A",): 50, ("B",): 30, ("C",): 20})
    b = _margin(["gender"], {("man",): 500, ("woman",): 500})
    with pytest.raises(SurveyDataError, match=r"raking did not converge in 1000 rounds"):
        rake_weights(frame, [a, b])


def test_study_key_reads_the_bundled_census_wide_by_sex(tmp_path):
    m = read_margin({"file": str(CENSUS), "match": {"area_id": "cvegeo"},
                     "columns": {"gender": {"man": "pob_masculina",
                                            "woman": "pob_femenina"}}},
                    tmp_path, where="study.toml")
    census = pd.read_csv(CENSUS, dtype={"cvegeo": str})
    assert m.variables == ("area_id", "gender") and len(m.cells) == 2 * len(census)
    assert m.cells[("09015", "woman")] == (float(census.set_index("cvegeo")
                                                 .loc["09015", "pob_femenina"]), 15)
    assert sum(p for p, _ in m.cells.values()) == census.pob_total_2020.sum()


@pytest.mark.parametrize(("spec", "message"), [
    ({"file": "c.csv", "match": {"area_id": "code"}, "count": "pop", "by": 1},
     r"study\.toml: \[\[survey\.rake\]\] key 'by' is unknown; use collapse, columns, count, "
     r"file, match"),
    ({"file": "c.csv", "match": {"area_id": "code"}},
     r"give either count = \"population column\" or columns"),
    ({"file": "c.csv", "match": {"area_id": "nope"}, "count": "pop"},
     r"c\.csv: no column 'nope' \(named in study\.toml \[\[survey\.rake\]\]\)"),
    ({"file": "missing.csv", "match": {"area_id": "code"}, "count": "pop"},
     r"cannot read .*missing\.csv"),
])
def test_bad_rake_table_is_one_line(tmp_path, spec, message):
    (tmp_path / "c.csv").write_text("code,pop\nA,10\n", encoding="utf-8")
    with pytest.raises(StudyError, match=message):
        read_margin(spec, tmp_path, where="study.toml")


@pytest.mark.parametrize(("body", "message"), [
    ("code,pop\nA,10\nA,3\n", r"c\.csv: row 3: cell \('A',\) of \('area_id',\) also on row 2"),
    ("code,pop\nA,-1\n", r"c\.csv: row 2, column 'pop': population '-1' is not a number >= 0"),
    ("code,pop\nA,many\n", r"row 2, column 'pop': population 'many'"),
])
def test_bad_margin_rows_are_named(tmp_path, body, message):
    (tmp_path / "c.csv").write_text(body, encoding="utf-8")
    with pytest.raises(StudyError, match=message):
        read_margin({"file": "c.csv", "match": {"area_id": "code"}, "count": "pop"}, tmp_path,
                    where="study.toml")


def test_study_file_rake_key(tmp_path):
    text = Path(bundled_study_path()).read_text(encoding="utf-8")
    folder = Path(bundled_study_path()).parent
    text = re.sub(r'"([^"]+\.(?:csv|xlsx|toml|gpkg))"',
                  lambda m: '"' + (folder / m.group(1)).resolve().as_posix() + '"', text)
    text = text.replace('cluster = "enumerator"\n',
                        'cluster = "enumerator"\n'
                        f'rake = [{{ file = "{CENSUS.as_posix()}", match = {{ area_id = '
                        '"cvegeo" }, count = "pob_total_2020" }]\n')
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    study = load_study(path)
    assert [m.describe() for m in study.survey.rake] == ["area_id"]
    from geo4mi.indicators.design import design_from_study
    assert design_from_study(study).describe() == "raked=area_id; cluster=enumerator"
    assert load_study(bundled_study_path()).survey.rake == ()


def test_collapse_weights_a_category_as_another(frame, caplog):
    """gender "other" against a census of men and women: refused in one line naming the
    category, or collapsed for the weights only by the margin's ``collapse``."""
    other = frame.assign(gender=np.where(frame.index % 40 == 0, "other", frame.gender))
    cells = {(a, g): 100.0 + 10 * i for i, (a, g) in enumerate(
        (a, g) for a in "ABC" for g in ("man", "woman"))}
    plain = _margin(["area_id", "gender"], cells, "census.csv")
    with pytest.raises(SurveyDataError, match=r"10 respondents of gender 'other', a category "
                                              r"census\.csv has no population for"):
        rake_weights(other, [plain])
    collapsed = Margin(file="census.csv", variables=("area_id", "gender"),
                       cells=plain.cells, collapse={"gender": {"other": "woman"}})
    with caplog.at_level("WARNING", logger="geo4mi.indicators.rake"):
        w = rake_weights(other, [collapsed])
    assert "10 respondents of gender other weighted as woman (collapse)" in caplog.text
    as_women = other.assign(gender=other.gender.replace({"other": "woman"}))
    np.testing.assert_allclose(w, rake_weights(as_women, [plain]), rtol=1e-12)
    # the weights only: the respondents stay "other" in the gender groups
    cat = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
    est = estimate(other, cat, area_ids=["A", "B", "C"], groups=["gender"], min_n=1,
                   design=Design(rake=(collapsed,)))
    city = est[(est.area_id == CITY) & (est.group_var == "gender")].set_index("group_value")
    assert int(city.loc["other", "n"]) == 10
    yes = (other.feel_safe == "yes").to_numpy()
    is_other = (other.gender == "other").to_numpy()
    assert float(city.loc["other", "p"]) == pytest.approx(
        w[is_other & yes].sum() / w[is_other].sum())


@pytest.mark.parametrize(("collapse", "message"), [
    ({"sex": {"other": "woman"}}, r"collapse names 'sex', which is no variable of the margin; "
                                  r"use one of area_id, gender"),
    ({"gender": {"other": "nonbinary"}}, r"collapse gender 'other' into 'nonbinary', which is "
                                         r"no category of the margin; use one of man, woman"),
    ({"gender": "woman"}, r"give collapse = \{ gender = \{ other = \"woman\" \} \}"),
])
def test_bad_collapse_is_one_line(tmp_path, collapse, message):
    (tmp_path / "c.csv").write_text("code,men,women\nA,10,12\n", encoding="utf-8")
    spec = {"file": "c.csv", "match": {"area_id": "code"},
            "columns": {"gender": {"man": "men", "woman": "women"}}, "collapse": collapse}
    with pytest.raises(StudyError, match=message):
        read_margin(spec, tmp_path, where="study.toml")
