"""analysistools parity: each key holds the quantity analysistools computes for it; LOA runs."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo4mi import pipeline
from geo4mi.cli import main
from geo4mi.errors import AnalysisListError
from geo4mi.indicators.analysistools import (
    COLUMNS,
    analyse,
    read_loa,
    to_analysistools,
    with_options,
)
from geo4mi.study import bundled_study_path, load_study

LOA = Path(__file__).parent / "data" / "loa" / "demo_loa.csv"
NUMBERS = ["stat", "stat_low", "stat_upp", "n", "n_total", "n_w", "n_w_total"]
PAIR = r"[^ @%/]+ %/% [^ @%/]+"
KEY = re.compile(rf"^(prop_select_one|prop_select_multiple|mean|median) @/@ {PAIR} @/@ "
                 rf"(NA %/% NA|{PAIR}( -/- {PAIR})*)$")


@pytest.fixture(scope="module")
def run():
    """The demo run with every answer option, and its analysistools table.

    Small-cell suppression only: with every option of every question (the 60+ of a
    borough with 6 interviews included) disclosure control cannot protect the demo, and
    ``geo4mi analyse`` without an LOA refuses in one line. These tests are about
    analysistools' conventions; the LOA and CLI tests run the protected path.
    """
    import dataclasses

    from geo4mi.study import load_study

    study = load_study(bundled_study_path())
    study = dataclasses.replace(study, disclosure=dataclasses.replace(study.disclosure,
                                                                      protect=False))
    results = pipeline.run(study, extend=with_options)
    return results, to_analysistools(results.estimates, results.catalogue)


_CELLS: dict[tuple[int, str, str], pd.DataFrame] = {}


def _cell(respondents: pd.DataFrame, row: pd.Series) -> pd.DataFrame:
    """The respondents of the row's groups (independent of geo4mi's cell codes)."""
    key = (id(respondents), str(row.group_var), str(row.group_var_value))
    if key in _CELLS:
        return _CELLS[key]
    sub = respondents
    if pd.notna(row.group_var):
        for var, value in zip(row.group_var.split(" %/% "), row.group_var_value.split(" %/% "),
                              strict=True):
            sub = sub[(sub[var].astype("string") == value).fillna(False).to_numpy(bool)]
    _CELLS[key] = sub
    return sub


def _recompute(results, row: pd.Series) -> tuple[float, int, int]:
    """``(stat, n, n_total)`` of a plain key, as analysistools defines it, with pandas."""
    sub = _cell(results.respondents, row)
    q, value = row.analysis_var, row.analysis_var_value
    if row.analysis_type == "prop_select_one":
        answered = sub[q].dropna().astype(str)
        n, total = int((answered == value).sum()), len(answered)
        return n / total, n, total
    if row.analysis_type == "prop_select_multiple":
        ticked = sub[f"{q}/{value}"].dropna().astype(bool)
        return float(ticked.mean()), int(ticked.sum()), len(ticked)
    ind = next(i for i in results.catalogue if i.stat == row.analysis_type
               and row.analysis_var in (i.question, f"{i.question}__valid"))
    values = pd.to_numeric(sub[ind.question], errors="coerce").dropna().astype(float)
    low, high = ind.valid_range
    values = values[~values.isin(ind.missing_codes)]
    values = values[(values >= (-np.inf if low is None else low))
                    & (values <= (np.inf if high is None else high))]
    stat = values.mean() if row.analysis_type == "mean" else values.median()
    return float(stat), len(values), len(values)


def _plain(results, table: pd.DataFrame) -> pd.DataFrame:
    """Published rows whose analysis variable is a column of the respondents (or numeric)."""
    cols = set(results.respondents.columns)
    plain = table.analysis_var.isin(cols) | table.analysis_type.isin(["mean", "median"])
    return table[(table.status == "ok") & plain]


# -- every key, including restricted universes and composites, recomputed with pandas ----

def _truth(text: str, df: pd.DataFrame) -> pd.Series:
    """A catalogue expression evaluated with pandas' Kleene booleans (NA = unknown).

    Written for the forms the bundled catalogue uses (``==``, ``in``, ``selected``,
    ``answered``, ``and``, ``or``, ``not``), independently of geo4mi's expression engine.
    """
    def text_col(q):
        return df[q].astype("string")

    def eq(q, v):
        return (text_col(q) == v).astype("boolean")

    def isin(q, values):
        s = text_col(q)
        return s.isin(list(values)).astype("boolean").mask(s.isna())

    def sel(q, c):
        return df[f"{q}/{c}"].astype("boolean")

    def answered(q):
        if q in df.columns:
            return df[q].notna().astype("boolean")
        cols = [c for c in df.columns if c.startswith(f"{q}/")]
        return df[cols].notna().any(axis=1).astype("boolean")

    py = re.sub(r"answered\((\w+)\)", r'ANS("\1")', text)
    py = re.sub(r"selected\((\w+),\s*'([^']*)'\)", r'SEL("\1", "\2")', py)
    py = re.sub(r"(\w+)\s+in\s+\(([^)]*)\)", r'IN("\1", (\2,))', py)
    py = re.sub(r"(\w+)\s*==\s*'([^']*)'", r'EQ("\1", "\2")', py)
    py = re.sub(r"\band\b", "&", re.sub(r"\bor\b", "|", re.sub(r"\bnot\s+", "~", py)))
    assert not re.search(r"[<>!]=?|\bis_na\b", py), f"translate {text!r}"
    return eval(py, {"__builtins__": {}},
                {"EQ": eq, "IN": isin, "SEL": sel, "ANS": answered})


def _derived_masks(ind, df: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """``(denominator, numerator)`` of a catalogue indicator, from its definition."""
    universe = (pd.Series(True, index=df.index) if ind.universe is None
                else _truth(ind.universe.text, df).fillna(False).astype(bool))
    if ind.numerator is not None:
        truth = _truth(ind.numerator.text, df)
        den = universe if ind.not_asked == "no" else universe & truth.notna()
        return den, den & truth.fillna(False).astype(bool)
    q = ind.question
    if ind.kind == "select_multiple":
        cols = [df[f"{q}/{c}"].astype("boolean") for c in ind.choices]
        yes = pd.concat(cols, axis=1).fillna(False).any(axis=1)
        answered = cols[0].notna()
        excluded = (pd.concat([df[f"{q}/{c}"].astype("boolean") for c in ind.exclude], axis=1)
                    .fillna(False).any(axis=1) if ind.exclude else ~universe & False)
    else:
        values = df[q].astype("string")
        yes = values.isin(list(ind.choices)).fillna(False).astype(bool)
        answered = values.notna()
        excluded = values.isin(list(ind.exclude)).fillna(False).astype(bool)
    den = universe & ~excluded
    if ind.not_asked != "no":
        den &= answered
    return den.astype(bool), (den & yes).astype(bool)


def _recompute_derived(results, row: pd.Series) -> tuple[float, int, int]:
    """``(stat, n, n_total)`` of a ``<question>__<indicator>`` or composite key."""
    by_id = {i.id: i for i in results.catalogue}
    iid = row.analysis_var.split("__", 1)[1] if "__" in row.analysis_var else row.analysis_var
    ind = by_id[iid]
    assert ind.question is None or row.analysis_var == f"{ind.question}__{iid}"
    sub = _cell(results.respondents, row)
    den, num = _derived_masks(ind, sub)
    n, total = int(num.sum()), int(den.sum())
    return n / total, n, total


def test_every_exported_key_equals_a_pandas_recomputation(run):
    """All published rows: plain keys, restricted universes (``q__id``), exclusions,
    not-asked-as-no, composites (``id %/% 1``), derived variables and numeric keys."""
    results, table = run
    ok = table[table.status == "ok"]
    cols = set(results.respondents.columns)
    seen = {"plain": 0, "derived": 0}
    for row in ok.itertuples(index=False):
        row = pd.Series(row._asdict())
        plain = row.analysis_var in cols or row.analysis_type in ("mean", "median")
        stat, n, total = (_recompute(results, row) if plain
                          else _recompute_derived(results, row))
        seen["plain" if plain else "derived"] += 1
        assert (row.n, row.n_total) == (n, total), row.analysis_key
        assert row.stat == pytest.approx(stat, abs=1e-12), row.analysis_key
        assert (row.n_w, row.n_w_total) == (n, total), row.analysis_key  # unweighted
    assert seen["derived"] > 500 and seen["plain"] > 3000
    # every kind of key of the export is covered, composites and universes included
    assert {"internet_regular_any", "assistance_types__assist_food",
            "children_permit__children_all_permit"} <= set(ok.analysis_var)
    assert set(table.status) == {"ok", "suppressed"}


def test_weighted_counts_n_w(tmp_path):
    """With a weight, ``n_w``/``n_w_total`` are the summed weights (pandas recomputation)."""
    from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
    from geo4mi.indicators.design import Design
    from geo4mi.indicators.estimate import estimate

    rng = np.random.default_rng(3)
    n = 120
    df = pd.DataFrame({"area_id": rng.choice(["A", "B"], n),
                       "feel_safe": rng.choice(["yes", "no", None], n, p=[.5, .4, .1]),
                       "w": rng.uniform(0.5, 3.0, n)})
    cat = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
    est = estimate(df, cat, area_ids=["A", "B"], groups=[], min_n=5,
                   design=Design(weight="w"))
    table = to_analysistools(est, cat)
    assert len(table) == 3 and (table.status == "ok").all()
    for row in table.itertuples(index=False):
        sub = df if pd.isna(row.group_var) else df[df.area_id == row.group_var_value]
        asked = sub[sub.feel_safe.notna()]
        w_yes, w_all = asked.w[asked.feel_safe == "yes"].sum(), asked.w.sum()
        assert row.n_w == pytest.approx(w_yes, rel=1e-12)
        assert row.n_w_total == pytest.approx(w_all, rel=1e-12)
        assert row.stat == pytest.approx(w_yes / w_all, rel=1e-12)
        assert (row.n, row.n_total) == ((asked.feel_safe == "yes").sum(), len(asked))
        assert row.n_w != row.n  # weighted, not the count
    # unweighted: n_w is n
    plain = to_analysistools(estimate(df, cat, area_ids=["A", "B"], groups=[], min_n=5), cat)
    assert (plain.n_w == plain.n).all() and (plain.n_w_total == plain.n_total).all()


def test_restricted_universe_gets_its_own_variable(run):
    results, table = run
    city = table[table.group_var.isna()].set_index("analysis_key")
    plain = city.loc["prop_select_multiple @/@ assistance_types %/% food @/@ NA %/% NA"]
    own = city.loc["prop_select_multiple @/@ assistance_types__assist_food %/% food "
                   "@/@ NA %/% NA"]
    asked = results.respondents["assistance_types/food"].dropna().astype(bool)
    assert plain.stat == pytest.approx(asked.mean())  # analysistools: among those asked
    assert own.n_total > plain.n_total and own.stat < plain.stat  # not asked counted as no
    # a restricted universe has its own variable; the plain key is analysistools' share
    assert "prop_select_one @/@ children_permit__children_all_permit %/% all @/@ NA %/% NA" \
        in city.index


def test_key_format_and_columns(run):
    _, table = run
    assert tuple(table.columns) == COLUMNS
    assert table.analysis_key.is_unique
    for row in table.itertuples(index=False):
        assert KEY.match(row.analysis_key), row.analysis_key
        head = f"{row.analysis_type} @/@ {row.analysis_var} %/% {row.analysis_var_value} @/@ "
        assert row.analysis_key.startswith(head)
        if pd.isna(row.group_var):
            assert row.analysis_key.endswith("@/@ NA %/% NA") and pd.isna(row.group_var_value)
        else:
            pairs = zip(row.group_var.split(" %/% "), row.group_var_value.split(" %/% "),
                        strict=True)
            assert row.analysis_key.endswith(" -/- ".join(f"{a} %/% {b}" for a, b in pairs))
    props = table[table.analysis_type.str.startswith("prop_") & (table.status == "ok")]
    assert props.stat.between(0, 1).all() and (props.stat_low <= props.stat).all()
    assert (props.stat <= props.stat_upp).all() and (props.n <= props.n_total).all()


def test_every_answer_option_is_exported(run):
    results, table = run
    city = set(table.loc[table.group_var.isna(), "analysis_key"])
    for q in ("gender", "education", "feel_safe"):
        for option in results.form.choices_of(q):
            assert f"prop_select_one @/@ {q} %/% {option} @/@ NA %/% NA" in city
    for option in results.form.choices_of("assistance_types"):
        assert f"prop_select_multiple @/@ assistance_types %/% {option} @/@ NA %/% NA" in city
    # the options of one select_one question share n_total and sum to 1 where published
    gender = table[(table.analysis_var == "gender") & table.group_var.isna()]
    assert gender.n_total.nunique() == 1 and gender.stat.sum() == pytest.approx(1)


def test_empty_groups_absent_suppressed_rows_numberless(run):
    results, table = run
    assert (table.n_total.dropna() > 0).all()
    assert len(table) == int((results.estimates.status != "no_data").sum())
    hidden = table[table.status != "ok"]
    assert set(hidden.status) == {"suppressed"} and len(hidden) > 100
    assert hidden[NUMBERS].isna().all().all()
    assert hidden.analysis_key.notna().all()
    # published numbers are read from the estimates, never recomputed for hidden cells
    est = results.estimates
    assert int((est.status == "suppressed").sum()) == len(hidden)


def test_loa_drives_the_run(run):
    results, _ = run
    table = analyse(bundled_study_path(), loa=LOA)
    got = set(zip(table.analysis_type, table.analysis_var, table.group_var.fillna(""), strict=True))
    assert got == {("prop_select_one", "feel_safe", ""),
                   ("prop_select_one", "gender", "area_id"),
                   ("prop_select_multiple", "assistance_types", "area_id %/% gender"),
                   ("prop_select_one", "age_group", ""),
                   ("mean", "age__valid", "area_id"),
                   ("median", "hh_size__valid", "gender")}
    assert set(table.loc[table.analysis_var == "feel_safe", "analysis_var_value"]) == {
        "yes", "no"}
    ok = table[table.status == "ok"]
    assert len(ok) > 20
    for row in ok.itertuples(index=False):
        row = pd.Series(row._asdict())
        stat, n, total = _recompute(results, row)
        assert (row.n, row.n_total, row.stat) == (n, total, pytest.approx(stat))


def _loa(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "loa.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("line", "message"), [
    ("prop_select_one,nope,,0.95", r"line 3, column analysis_var: 'nope' is not a select_one"),
    ("prop_select_multiple,gender,,0.95",
     r"line 3, column analysis_var: 'gender' is not a select_multiple question"),
    ("mean,gender,,0.95", r"line 3, column analysis_var: 'gender' is not an integer"),
    ("ratio,age,,0.95", r"line 3, column analysis_type: 'ratio' is not supported"),
    ("prop_select_one,gender,colour,0.95", r"line 3, column group_var: 'colour' is not a"),
    ("prop_select_one,gender,\"age_group, gender\",0.95",
     r"line 3, column group_var: 'age_group, gender': geo4mi groups by the areas and at most"),
    ("prop_select_one,gender,,0.9", r"line 3, column level: '0.9': geo4mi computes 95 %"),
])
def test_bad_loa_line_is_named(run, tmp_path, line, message):
    results, _ = run
    path = _loa(tmp_path, f"analysis_type,analysis_var,group_var,level\n"
                          f"prop_select_one,feel_safe,,0.95\n{line}\n")
    with pytest.raises(AnalysisListError, match=re.escape(str(path)) + ": " + message):
        read_loa(path, results.catalogue, area_names=("area_id", "borough"))


def test_loa_without_columns_or_lines(run, tmp_path):
    results, _ = run
    with pytest.raises(AnalysisListError, match=r"line 1: no column 'group_var'"):
        read_loa(_loa(tmp_path, "analysis_type,analysis_var\nmean,age\n"), results.catalogue)
    with pytest.raises(AnalysisListError, match=r"has no line"):
        read_loa(_loa(tmp_path, "analysis_type,analysis_var,group_var\n"), results.catalogue)


def test_cli_analyse(tmp_path, capsys):
    out = tmp_path / "at.csv"
    assert main(["analyse", str(bundled_study_path()), "--loa", str(LOA), "-o", str(out)]) == 0
    header = out.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header == [*COLUMNS, "data_note"]
    bad = _loa(tmp_path, "analysis_type,analysis_var,group_var\nmean,nope,\n")
    code = main(["analyse", str(bundled_study_path()), "--loa", str(bad), "-o",
                 str(tmp_path / "b.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "line 2, column analysis_var: 'nope'" in err
    assert not (tmp_path / "b.csv").exists()


def test_analyse_without_loa_refusal_says_what_to_do(monkeypatch):
    """Every option of every question may be unprotectable: the refusal names the fix."""
    from geo4mi.errors import DisclosureError

    ran = []

    def refuse(study, *args, **kwargs):
        ran.append(study.indicators.groups)
        raise DisclosureError("disclosure control cannot protect opt__age_group__60+, area "
                              "09012 (and 3 more): raise min_n")

    monkeypatch.setattr(pipeline, "run", refuse)
    with pytest.raises(DisclosureError, match=r"mexico_city\.toml: analyse without --loa "
                       r"exports every answer option .* and disclosure control cannot protect "
                       r"opt__age_group__60\+.*Run 'geo4mi analyse mexico_city\.toml --loa "
                       r"loa\.csv'") as info:
        analyse(bundled_study_path())
    assert "\n" not in str(info.value)
    with pytest.raises(DisclosureError, match=r"^disclosure control cannot protect"):
        analyse(bundled_study_path(), loa=LOA)  # with an LOA: the error as it is
    assert ran[0] == ()  # without an LOA the study's groups are not crossed with options
    assert ran[1] and set(ran[1]) <= set(load_study(bundled_study_path()).indicators.groups)


def test_cli_analyse_without_loa_runs_by_area_only(tmp_path, capsys, monkeypatch):
    """Without --loa the run has no groups (it once tried for >10 minutes to protect every
    option by every group, then refused); a refusal is one line and writes nothing."""
    from geo4mi.errors import DisclosureError

    seen = []

    def refuse(study, *args, **kwargs):
        seen.append(study.indicators.groups)
        raise DisclosureError("disclosure control cannot protect x, area 1: raise min_n")

    monkeypatch.setattr(pipeline, "run", refuse)
    out = tmp_path / "at.csv"
    assert main(["analyse", str(bundled_study_path()), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "--loa loa.csv" in err
    assert seen == [()] and not out.exists()


def test_labels_of_each_row_whatever_the_order_of_the_cells():
    """_labels codes the cells (area × group variable × value) column by column: every row,
    in any order, gets the keys written out for that row alone."""
    import itertools

    from geo4mi.indicators.analysistools import _labels, analysis_vars
    from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
    from geo4mi.indicators.estimate import CITY

    cat = load_catalogue(bundled_catalogue_path()).subset(["feel_safe", "assist_food"])
    avars = analysis_vars(cat)
    groups = [("all", "all"), ("gender", "man"), ("gender", "woman"), ("age_group", "man")]
    rows = [(i, a, g, v) for i, a, (g, v) in itertools.product(
        ["assist_food", "feel_safe"], [CITY, "09002", "09015"], groups)]
    order = np.random.default_rng(3).permutation(len(rows))
    est = pd.DataFrame([rows[k] for k in order],
                       columns=["indicator", "area_id", "group_var", "group_value"])
    kinds, names, values, gvars, gvals, keys = _labels(est, avars)
    for r, (iid, area, gv, val) in enumerate(est.itertuples(index=False)):
        pairs = ([] if area == CITY else [("area_id", area)]) + (
            [] if gv == "all" else [(gv, val)])
        av = avars[iid]
        assert (kinds[r], names[r], values[r]) == (av.type, av.var, av.value)
        assert gvars[r] == (" %/% ".join(p for p, _ in pairs) or None)
        assert gvals[r] == (" %/% ".join(x for _, x in pairs) or None)
        groups_text = " -/- ".join(f"{p} %/% {x}" for p, x in pairs) or "NA %/% NA"
        assert keys[r] == f"{av.type} @/@ {av.var} %/% {av.value} @/@ {groups_text}"


@pytest.mark.parametrize("synthetic", [True, False])
def test_csv_written_a_slice_at_a_time_is_the_whole_table(run, tmp_path, monkeypatch,
                                                          synthetic):
    """At thousands of areas the table is written a slice of the estimates at a time (it
    was the build's memory peak): the file is byte for byte the whole table's, with slices
    that hold only empty cells or split an indicator."""
    from geo4mi.indicators import analysistools, tables
    from geo4mi.indicators.analysistools import write_analysistools_csv, write_table

    results, _ = run
    # the rows of a few indicators: 7-row slices of the whole run were 9,000 slices (5 min)
    est = results.estimates
    first = list(dict.fromkeys(est["indicator"]))[:6]
    est = est[est["indicator"].isin(first).to_numpy(dtype=bool)]
    table = to_analysistools(est, results.catalogue)
    whole = write_table(table, tmp_path / "whole.csv", synthetic=synthetic, lang="en")
    monkeypatch.setattr(tables, "CHUNK_ROWS", 7)
    seen: list[int] = []

    def published(part):
        seen.append(len(part))
        return tables.published(part)

    monkeypatch.setattr(analysistools, "published", published)
    sliced = write_analysistools_csv(est, results.catalogue, tmp_path / "sliced.csv",
                                     synthetic=synthetic, lang="en")
    assert max(seen) == 7 and sum(seen) == len(est)  # never the whole table
    assert len(seen) > 100  # many slices, some splitting an indicator
    empty = (est.status == "no_data").to_numpy()
    assert any(empty[k:k + 7].all() for k in range(0, len(empty), 7))  # an all-empty slice
    assert sliced.read_bytes() == whole.read_bytes()
    text = sliced.read_text(encoding="utf-8-sig")
    assert text.count("analysis_type,") == 1 and len(text.splitlines()) == len(table) + 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sliced.csv", "whole.csv"]
