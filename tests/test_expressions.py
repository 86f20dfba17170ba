"""The universe / numerator expression language: parsing, three-valued logic, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo4mi.errors import ExpressionError, Geo4miError
from geo4mi.indicators.expressions import EvalContext, factorize, parse

NA = "NA"  # pd.NA, compared safely


@pytest.fixture
def people() -> pd.DataFrame:
    return pd.DataFrame({
        "gender": pd.array(["woman", "man", "woman", None, "other"], dtype="str"),
        "age": pd.array([17, 25, 45, 60, None], dtype="Int64"),
        "feel_safe": pd.array(["yes", "no", None, "yes", "no"], dtype="str"),
        "risk_places/street": pd.array([True, False, None, True, False], dtype="boolean"),
        "risk_places/work": pd.array([False, False, None, True, True], dtype="boolean"),
        "risk_places": pd.array(["street", "", None, "street work", "work"], dtype="str"),
        "hh_size": pd.array([1.0, 2.5, 3.0, None, 5.0], dtype="Float64"),
        "hh_children": pd.array([3, 2, 3, 1, None], dtype="Int64"),
    })


def values(text: str, frame: pd.DataFrame) -> list:
    return [NA if v is pd.NA else v for v in parse(text).evaluate(frame).tolist()]


# -- operators ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("age == 25", [False, True, False, False, NA]),
    ("age != 25", [True, False, True, True, NA]),
    ("age < 25", [True, False, False, False, NA]),
    ("age <= 25", [True, True, False, False, NA]),
    ("age > 45", [False, False, False, True, NA]),
    ("age >= 45", [False, False, True, True, NA]),
    ("25 < age", [False, False, True, True, NA]),   # literal on the left is mirrored
    ("hh_size >= 2.5", [False, True, True, NA, True]),
    ("hh_size > -1", [True, True, True, NA, True]),
])
def test_number_comparisons(people, text, expected):
    assert values(text, people) == expected


@pytest.mark.parametrize("text, expected", [
    ("gender == 'woman'", [True, False, True, NA, False]),
    ('gender == "woman"', [True, False, True, NA, False]),
    ("gender != 'woman'", [False, True, False, NA, True]),
    ("'woman' == gender", [True, False, True, NA, False]),
    ("gender == 'nobody'", [False, False, False, NA, False]),  # a choice nobody chose
    ("gender in ('man', 'other')", [False, True, False, NA, True]),
    ("gender not in ('man', 'other')", [True, False, True, NA, False]),
    ("gender in ('man',)", [False, True, False, NA, False]),
    ("age in (17, 60)", [True, False, False, True, NA]),
    ("age not in (17, 60)", [False, True, True, False, NA]),
])
def test_text_comparisons_and_lists(people, text, expected):
    assert values(text, people) == expected


def test_column_against_column(people):
    assert values("age == hh_children", people) == [False, False, False, False, NA]
    assert values("gender != feel_safe", people) == [True, True, NA, NA, True]
    assert values("hh_size < age", people) == [True, True, True, NA, NA]


def test_boolean_columns_and_literals(people):
    assert values("risk_places/street", people) == [True, False, NA, True, False]
    assert values("risk_places/street == true", people) == [True, False, NA, True, False]
    assert values("risk_places/street != true", people) == [False, True, NA, False, True]
    assert values("true", people) == [True] * 5
    assert values("not false", people) == [True] * 5


def test_functions(people):
    assert values("selected(risk_places, 'work')", people) == [False, False, NA, True, True]
    # select_one: selected() is equality
    assert values("selected(gender, 'man')", people) == [False, True, False, NA, False]
    assert values("is_na(feel_safe)", people) == [False, False, True, False, False]
    assert values("answered(feel_safe)", people) == [True, True, False, True, True]
    assert values("answered(age)", people) == [True, True, True, True, False]


def test_selected_on_a_summary_column_without_choice_columns():
    frame = pd.DataFrame({"coping": pd.array(["borrow none", "borrow", "none", None],
                                             dtype="str")})
    assert values("selected(coping, 'borrow')", frame) == [True, True, False, NA]


def test_is_na_of_a_select_multiple_without_summary_column():
    frame = pd.DataFrame({"q/a": pd.array([True, None], dtype="boolean"),
                          "q/b": pd.array([False, None], dtype="boolean")})
    assert values("is_na(q)", frame) == [False, True]


# -- logic and precedence ---------------------------------------------------------------------

def test_kleene_truth_tables():
    t, f = True, False
    frame = pd.DataFrame({
        "a/x": pd.array([t, t, t, f, f, f, None, None, None], dtype="boolean"),
        "b/x": pd.array([t, f, None, t, f, None, t, f, None], dtype="boolean"),
    })
    assert values("a/x and b/x", frame) == [t, f, NA, f, f, f, NA, f, NA]
    assert values("a/x or b/x", frame) == [t, t, t, t, f, NA, t, NA, NA]
    assert values("not a/x", frame) == [f, f, f, t, t, t, NA, NA, NA]


def test_and_binds_tighter_than_or(people):
    # gender == 'other' or (age < 18 and feel_safe == 'yes')
    assert values("gender == 'other' or age < 18 and feel_safe == 'yes'", people) == \
        [True, False, False, NA, True]
    assert values("(gender == 'other' or age < 18) and feel_safe == 'yes'", people) == \
        [True, False, False, NA, False]


def test_not_binds_tighter_than_and(people):
    # (not gender == 'woman') and age > 20
    assert values("not gender == 'woman' and age > 20", people) == \
        [False, True, False, NA, NA]
    assert values("not (gender == 'woman' and age > 20)", people) == \
        [True, True, False, NA, True]
    assert values("not not gender == 'man'", people) == [False, True, False, NA, False]


def test_universe_mask_keeps_only_true_rows(people):
    expr = parse("feel_safe == 'yes' or age > 50")
    assert values("feel_safe == 'yes' or age > 50", people) == [True, False, NA, True, NA]
    assert expr.mask(people).tolist() == [True, False, False, True, False]


def test_parse_once_evaluate_on_many_frames(people):
    expr = parse("gender == 'woman'")
    other = pd.DataFrame({"gender": pd.array(["woman"] * 3, dtype="str")})
    assert expr.evaluate(people).tolist()[:3] == [True, False, True]
    assert expr.evaluate(other).tolist() == [True, True, True]
    ctx = EvalContext(people)
    assert expr.mask(ctx).tolist() == expr.mask(people).tolist()


def test_categorical_and_object_columns():
    frame = pd.DataFrame({"g": pd.Categorical(["a", None, "b"], categories=["b", "a"]),
                          "h": pd.Series(["a", None, "b"], dtype=object)})
    assert values("g == 'a'", frame) == [True, NA, False]
    assert values("h == g", frame) == [True, NA, True]


def test_names_and_references():
    expr = parse("selected(housing_barriers, 'none') or risk_places/street and age < 18")
    assert expr.names == frozenset({"housing_barriers", "risk_places", "age"})
    assert [n for n, _ in expr.references()] == ["housing_barriers", "risk_places/street",
                                                 "age"]


# -- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("age = 18", r"unexpected character '=' at position 5 .*use '==' to compare"),
    ("age >= ", r"expected a question name, value or '\(' but found the end"),
    ("(age >= 18", r"expected '\)' but found the end"),
    ("age >= 18)", r"unexpected '\)' at position 10"),
    ("age >= 18 feel_safe", r"unexpected 'feel_safe' at position 11"),
    ("", r"empty expression"),
    ("gender in 'a'", r"expected '\(' but found \"'a'\""),
    ("gender in ()", r"expected a quoted value or a number but found '\)'"),
    ("gender not 'a'", r"expected 'in' but found \"'a'\""),
    ("selected(gender)", r"expected ',' but found '\)'"),
    ("selected(gender, man)", r"selected\(\) needs a quoted choice name"),
    ("answered('x')", r"answered\(\) needs a question name"),
    ("gender == 'woman", r"unexpected character \"'\" at position 11"),
    ("age and and age", r"expected a question name, value or '\(' but found 'and'"),
])
def test_syntax_errors_quote_expression_and_position(text, message):
    with pytest.raises(ExpressionError, match=message):
        parse(text)


@pytest.mark.parametrize("text", [
    "__import__('os').system('touch /tmp/geo4mi_pwned')",
    "exec('import os')",
    "eval('1')",
    "open('/etc/passwd')",
    "gender.__class__",
    "[x for x in gender]",
    "lambda: 1",
    "gender == 'a'; import os",
    "1 + 1 == 2",
    "age @ 2",
    "getattr(gender, 'upper')",
])
def test_code_injection_is_rejected_at_parse_time(text, tmp_path):
    with pytest.raises(ExpressionError, match=r"expression .*(unknown function|unexpected)"):
        parse(text)


def test_injected_name_is_just_an_unknown_question(people):
    expr = parse("__import__ == 'os'")
    with pytest.raises(ExpressionError, match=r"unknown question '__import__'"):
        expr.evaluate(people)


def test_errors_name_the_context_and_suggest_close_names(people):
    expr = parse("feel_saf == 'yes'", context="indicators.toml: indicator 'feel_safe', key "
                 "'universe'")
    with pytest.raises(ExpressionError,
                       match=r"^indicators\.toml: indicator 'feel_safe', key 'universe': "
                             r"expression \"feel_saf == 'yes'\": unknown question 'feel_saf' "
                             r"at position 1 .*did you mean 'feel_safe'"):
        expr.evaluate(people)


@pytest.mark.parametrize("text, message", [
    ("gender == 1", r"compares a text question with 1\.0 .*quote the choice name"),
    ("age == 'old'", r"compares a number question with 'old'.*compare with a number"),
    ("gender < 'm'", r"'<' needs numbers, not text"),
    ("gender", r"'gender' holds text, not yes/no values"),
    ("age", r"'age' holds number, not yes/no values"),
    ("'yes'", r"the value 'yes' is not a test"),
    ("1 == 1", r"both sides are constant values"),
    ("gender == age", r"compares a text question with a number question"),
    ("risk_places/street < true", r"compares a bool question with True"),
    ("selected(gender, 'woman') == 'x'", r"needs a question name or a value on each side"),
    ("selected(risk_places, 'home')", r"'home' is not a choice of 'risk_places' in the data"),
    ("selected(nowhere, 'x')", r"unknown question 'nowhere'"),
    ("is_na(nowhere)", r"unknown question 'nowhere'"),
    ("gender in (1, 2)", r"compares a text question with 1\.0"),
])
def test_evaluation_errors(people, text, message):
    expr = parse(text)
    with pytest.raises(ExpressionError, match=message):
        expr.evaluate(people)


def test_expression_error_is_a_geo4mi_value_error():
    with pytest.raises(Geo4miError, match="unexpected character"):
        parse("a ! b")
    with pytest.raises(ValueError, match="unexpected character"):
        parse("a ! b")


def test_non_text_expression_is_rejected():
    with pytest.raises(ExpressionError, match=r"expression 3 is a int, not text; quote it"):
        parse(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("values", [
    np.array(["b", None, "a", "b", np.nan] * 2000, dtype=object),       # answers, long
    np.array([f"id{i}" for i in range(9000)] + [None], dtype=object),   # mostly distinct
    np.array(["x", pd.NA, "y"], dtype=object),                          # short
    np.array([3, 1, 3, 2] * 3000, dtype=np.int64),                       # patterns (int keys)
], ids=["answers", "ids", "short", "ints"])
def test_factorize_is_pandas_factorize(values):
    """The sized hash table changes nothing: same codes (-1 missing), same distinct values
    in order of first appearance."""
    codes, uniques = factorize(values)
    want_codes, want_uniques = pd.factorize(values, use_na_sentinel=True)
    assert codes.tolist() == want_codes.tolist()
    assert list(uniques) == list(want_uniques)


def test_text_column_with_missing_values_evaluates_like_object_text():
    """A StringArray column (what read_export gives) and the same answers as objects."""
    answers = ["woman", None, "man", "woman"] * 2000
    for column in (pd.array(answers, dtype="string"), pd.Series(answers, dtype=object),
                   pd.Series(answers, dtype="str")):
        mask = parse("gender == 'woman'").evaluate(pd.DataFrame({"gender": column}))
        assert mask[:4].tolist() == [True, pd.NA, False, True]
        assert int(mask.sum()) == 4000
