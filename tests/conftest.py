"""Fixtures shared by the test modules: tiny catalogues, forms and respondents made by hand.

Each fixture returns a small factory, so a test module states only its own data (its
catalogue text, its columns) and gets objects with the contracts of ``docs/design.md``.
Plain helpers that tests import by name (writers for every export layout) live in
``conftest_survey.py``.
"""

from __future__ import annotations

import copy
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import pytest

from geo4mi.indicators.catalogue import Catalogue, load_catalogue


@dataclass
class MiniForm:
    """A form with the design.md table contract only (questions, choices, path)."""

    questions: pd.DataFrame
    choices: pd.DataFrame
    path: str = "mini_form.xlsx"


@pytest.fixture
def make_catalogue(tmp_path) -> Callable[..., Catalogue]:
    """``make_catalogue(text, form=None, name="cat.toml")``: load catalogue TOML text.

    The text is dedented and written to ``tmp_path / name``, so error messages name that
    file.
    """
    def make(text: str, *, form: object = None, name: str = "cat.toml") -> Catalogue:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return load_catalogue(path, form=form)

    return make


@pytest.fixture
def make_form() -> Callable[..., MiniForm]:
    """``make_form(questions, choices)``: a :class:`MiniForm` from column -> list mappings."""
    def make(questions: Mapping[str, Sequence[object]],
             choices: Mapping[str, Sequence[object]]) -> MiniForm:
        return MiniForm(pd.DataFrame(dict(questions)), pd.DataFrame(dict(choices)))

    return make


def _canonical(name: str, values: object, integers: Iterable[str]) -> object:
    if isinstance(values, (pd.Categorical, pd.api.extensions.ExtensionArray, pd.Series)):
        return values  # the test chose the dtype (a categorical group, say)
    values = list(values)
    if "/" in name:  # select_multiple choice column
        return pd.array(values, dtype="boolean")
    if name in integers:
        return pd.array(values, dtype="Int64")
    return pd.array(values, dtype="str")


@pytest.fixture
def make_respondents() -> Callable[..., pd.DataFrame]:
    """``make_respondents(columns, *, unanswered=(), integers=())``: a respondents frame.

    ``columns`` maps column names to plain lists (``None`` = not asked / unanswered), in
    the dtypes of design.md: ``"q/choice"`` columns boolean, the ``integers`` columns
    ``Int64``, other lists ``str``; categoricals and pandas arrays are kept as given.
    Names in ``unanswered`` that ``columns`` lacks are added as all-missing columns; the
    frame has the ``unanswered`` names first, in their order, then the other given ones.
    """
    def make(columns: Mapping[str, object], *, unanswered: Sequence[str] = (),
             integers: Iterable[str] = ()) -> pd.DataFrame:
        integers = set(integers)
        n = len(next(iter(columns.values()))) if columns else 0
        order = dict.fromkeys([*unanswered, *columns])  # unanswered names keep their place
        return pd.DataFrame({c: _canonical(c, columns[c] if c in columns else [None] * n,
                                           integers) for c in order})

    return make


@pytest.fixture(scope="session")
def _bundled_run():
    """The bundled study run once per test session (``pipeline.run`` takes seconds)."""
    from geo4mi.pipeline import run
    from geo4mi.study import bundled_study_path

    return run(bundled_study_path())


@pytest.fixture(scope="module")
def bundled_results(_bundled_run):
    """``pipeline.run`` of the bundled study: each test module gets its own deep copy.

    The copy keeps a test that edits a frame from changing what another module sees, at a
    fraction of a second instead of a fresh run.
    """
    return copy.deepcopy(_bundled_run)


@pytest.fixture
def default_sigint():
    """Ctrl-C (SIGINT) handled as Python does by default, for the test, then as it was.

    Under ``make test`` (pytest-xdist) a worker has been seen with SIGINT ignored by the
    time the Ctrl-C tests run (left so by an earlier test or library, not found; not by
    geo4mi: ``test_build_leaves_ctrl_c_as_it_was``); a child process inherits an ignored
    SIGINT and would never see the Ctrl-C these tests send.
    """
    import signal

    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before if before is not None else signal.SIG_DFL)
