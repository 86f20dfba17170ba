"""A small, safe expression language for indicator universes and composite numerators.

Expressions are parsed by a tokenizer and a recursive-descent parser written here; nothing
is ever passed to ``eval``, ``exec``, :meth:`pandas.DataFrame.query` or :mod:`ast`. The
parsed :class:`Expression` is evaluated vectorised over a *respondents* DataFrame with
three-valued (Kleene) logic: a missing answer gives an unknown result, ``unknown and
False`` is False, ``unknown or True`` is True, and a universe keeps only the rows whose
result is True.

Grammar (keywords are lower case)::

    expression := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | test
    test       := operand [ ("==" | "!=" | "<" | "<=" | ">" | ">=") operand
                          | ["not"] "in" "(" literal ("," literal)* [","] ")" ]
    operand    := NAME | literal | call | "(" expression ")"
    call       := "selected" "(" NAME "," STRING ")"
                | "is_na" "(" NAME ")" | "answered" "(" NAME ")"
    literal    := STRING | NUMBER | "true" | "false"
    NAME       := question name, or "question/choice" for a select_multiple column

A bare ``NAME`` is a test only when the column holds yes/no values (a select_multiple
``q/choice`` column). Text can be compared with ``==``, ``!=`` and ``in``; ``<``... need
numbers.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"gender": ["woman", "man", None],
...                    "age": pd.array([30, 17, 50], dtype="Int64")})
>>> expr = parse("gender == 'woman' or age >= 18")
>>> expr.evaluate(df).tolist()
[True, False, True]
>>> parse("gender == 'woman' and age >= 18").evaluate(df).tolist()
[True, False, <NA>]
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from geo4mi.errors import ExpressionError

__all__ = ["FUNCTIONS", "KEYWORDS", "EvalContext", "Expression", "parse"]

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})
FUNCTIONS = {"selected": 2, "is_na": 1, "answered": 1}
COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")
_MIRROR = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![A-Za-z_/]))
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z0-9_][A-Za-z0-9_.\-]*)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<op>==|!=|<=|>=|<|>)
  | (?P<punct>[(),])
""", re.VERBOSE)


# -- syntax tree --------------------------------------------------------------------------

@dataclass(frozen=True)
class Name:
    name: str
    pos: int


@dataclass(frozen=True)
class Literal:
    value: str | float | bool
    pos: int


@dataclass(frozen=True)
class Compare:
    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True)
class InList:
    operand: Node
    values: tuple[Literal, ...]
    negate: bool
    pos: int


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True)
class Not:
    operand: Node
    pos: int


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Node, ...]
    pos: int


Node = Name | Literal | Compare | InList | BoolOp | Not | Call


@dataclass(frozen=True)
class _Token:
    kind: str
    value: str
    pos: int


# -- parsing ------------------------------------------------------------------------------

def _fail(text: str, context: str, pos: int | None, what: str, hint: str) -> ExpressionError:
    where = f"{context}: " if context else ""
    at = ""
    if pos is not None:
        at = f" at position {pos + 1}"
        at += f" ({text[pos:pos + 12]!r})" if pos < len(text) else " (end of expression)"
    return ExpressionError(f"{where}expression {text!r}: {what}{at}; {hint}")


def _tokenize(text: str, context: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            char = text[pos]
            hint = ("use '==' to compare" if char == "=" else
                    "only names, quoted text, numbers, comparisons, 'in (...)', and/or/not, "
                    "parentheses and selected()/is_na()/answered() are allowed")
            raise _fail(text, context, pos, f"unexpected character {char!r}", hint)
        kind = m.lastgroup or ""
        if kind != "ws":
            value = m.group()
            if kind == "name" and value in KEYWORDS:
                kind = "keyword"
            tokens.append(_Token(kind, value, pos))
        pos = m.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _unquote(raw: str) -> str:
    return re.sub(r"\\(.)", r"\1", raw[1:-1])


class _Parser:
    def __init__(self, text: str, context: str) -> None:
        self.text, self.context = text, context
        self.tokens = _tokenize(text, context)
        self.i = 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def error(self, tok: _Token, what: str, hint: str) -> ExpressionError:
        return _fail(self.text, self.context, tok.pos, what, hint)

    def expect(self, value: str, hint: str) -> _Token:
        tok = self.take()
        if tok.value != value or tok.kind in ("string", "end"):
            found = "the end" if tok.kind == "end" else repr(tok.value)
            raise self.error(tok, f"expected {value!r} but found {found}", hint)
        return tok

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.error(self.peek(), "empty expression", "write a test such as "
                             "feel_safe == 'yes', or leave the key out")
        node = self.or_expr()
        tok = self.peek()
        if tok.kind != "end":
            raise self.error(tok, f"unexpected {tok.value!r}",
                             "join tests with 'and' / 'or' and check the parentheses")
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.peek().value == "or" and self.peek().kind == "keyword":
            tok = self.take()
            node = BoolOp("or", node, self.and_expr(), tok.pos)
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.peek().value == "and" and self.peek().kind == "keyword":
            tok = self.take()
            node = BoolOp("and", node, self.not_expr(), tok.pos)
        return node

    def not_expr(self) -> Node:
        tok = self.peek()
        if tok.kind == "keyword" and tok.value == "not":
            self.take()
            return Not(self.not_expr(), tok.pos)
        return self.test()

    def test(self) -> Node:
        left = self.operand()
        tok = self.peek()
        if tok.kind == "op":
            self.take()
            return Compare(tok.value, left, self.operand(), tok.pos)
        if tok.kind == "keyword" and tok.value in ("in", "not"):
            negate = tok.value == "not"
            self.take()
            if negate:
                self.expect("in", "write 'not in (...)', or put 'not' before the whole test")
            return InList(left, self.literal_list(), negate, tok.pos)
        return left

    def literal_list(self) -> tuple[Literal, ...]:
        self.expect("(", "list the values in parentheses, e.g. q in ('a', 'b')")
        values: list[Literal] = []
        while True:
            tok = self.peek()
            if tok.value == ")" and tok.kind == "punct" and values:
                break
            values.append(self.literal("a quoted value or a number"))
            if self.peek().value == ",":
                self.take()
                continue
            break
        self.expect(")", "separate the values with commas and close the list with ')'")
        return tuple(values)

    def literal(self, wanted: str) -> Literal:
        tok = self.take()
        if tok.kind == "string":
            return Literal(_unquote(tok.value), tok.pos)
        if tok.kind == "number":
            return Literal(float(tok.value), tok.pos)
        if tok.kind == "keyword" and tok.value in ("true", "false"):
            return Literal(tok.value == "true", tok.pos)
        found = "the end" if tok.kind == "end" else repr(tok.value)
        raise self.error(tok, f"expected {wanted} but found {found}",
                         "quote text values, e.g. 'yes'")

    def operand(self) -> Node:
        tok = self.peek()
        if tok.kind in ("string", "number") or (tok.kind == "keyword"
                                                and tok.value in ("true", "false")):
            return self.literal("a value")
        if tok.kind == "name":
            self.take()
            if self.peek().value == "(" and self.peek().kind == "punct":
                return self.call(tok)
            return Name(tok.value, tok.pos)
        if tok.value == "(" and tok.kind == "punct":
            self.take()
            node = self.or_expr()
            self.expect(")", "close every '(' with ')'")
            return node
        found = "the end" if tok.kind == "end" else repr(tok.value)
        raise self.error(tok, f"expected a question name, value or '(' but found {found}",
                         "check for a missing operand or a stray operator")

    def call(self, name_tok: _Token) -> Node:
        func = name_tok.value
        if func not in FUNCTIONS:
            raise self.error(name_tok, f"unknown function {func!r}",
                             f"the functions are {', '.join(FUNCTIONS)}")
        self.expect("(", "call functions as name(...)")
        arg = self.take()
        if arg.kind != "name":
            raise self.error(arg, f"{func}() needs a question name as first argument",
                             f"write e.g. {func}(question" + (", 'choice')" if func ==
                                                               "selected" else ")"))
        args: list[Node] = [Name(arg.value, arg.pos)]
        if FUNCTIONS[func] == 2:
            self.expect(",", "write selected(question, 'choice')")
            choice = self.take()
            if choice.kind != "string":
                raise self.error(choice, "selected() needs a quoted choice name",
                                 "write selected(question, 'choice')")
            args.append(Literal(_unquote(choice.value), choice.pos))
        self.expect(")", f"{func}() takes {FUNCTIONS[func]} argument(s); close it with ')'")
        return Call(func, tuple(args), name_tok.pos)


def parse(text: str, *, context: str = "") -> Expression:
    """Parse ``text`` into an :class:`Expression` (parse once, evaluate many times).

    Parameters
    ----------
    text : str
        The expression, e.g. ``"crime_victim == 'yes' and not is_na(complaint_filed)"``.
    context : str, optional
        Where the expression comes from (e.g. ``"indicators.toml: indicator 'x', key
        'universe'"``); it starts every error message.

    Returns
    -------
    Expression

    Raises
    ------
    ExpressionError
        The text is not a valid expression; the message quotes it and gives the position.

    Examples
    --------
    >>> sorted(parse("selected(housing_barriers, 'none') or age < 18").names)
    ['age', 'housing_barriers']
    >>> try:
    ...     parse("age =< 18")
    ... except ExpressionError as exc:
    ...     print(exc)
    expression 'age =< 18': unexpected character '=' at position 5 ('=< 18'); use '==' to compare
    """
    if not isinstance(text, str):
        raise ExpressionError(f"{context + ': ' if context else ''}expression {text!r} is "
                              f"a {type(text).__name__}, not text; quote it in the file")
    return Expression(text, _Parser(text, context).parse(), context)


# -- evaluation ---------------------------------------------------------------------------

@dataclass
class _Column:
    """A respondents column in the form the evaluator works with."""

    kind: str  # "text" | "number" | "bool"
    na: np.ndarray
    codes: np.ndarray | None = None  # text: int codes, -1 where NA
    categories: list[str] = field(default_factory=list)  # text
    index: dict[str, int] = field(default_factory=dict)  # text: category -> code
    values: np.ndarray | None = None  # number: float64; bool: bool (False where NA)

    def text_codes(self) -> np.ndarray:
        """The codes of a text column (its kind was checked by the caller)."""
        if self.codes is None:
            raise TypeError(f"a {self.kind} column has no text codes")
        return self.codes

    def numbers(self) -> np.ndarray:
        """The values of a number or yes/no column (its kind was checked by the caller)."""
        if self.values is None:
            raise TypeError(f"a {self.kind} column has no values")
        return self.values


#: Rows whose distinct values tell a column of answers from one of mostly distinct text.
_HEAD_ROWS = 4096


def head_distinct(values: np.ndarray) -> int | None:
    """How many distinct values the first rows of a long column hold, when they repeat
    (a question's answers: at most one distinct value in 8 rows); None otherwise (ids,
    times, free text, or a column of at most :data:`_HEAD_ROWS` rows).

    >>> head_distinct(np.array(["a", "b"] * 5000, dtype=object)), head_distinct(np.arange(9999))
    (2, None)
    """
    head = values[:_HEAD_ROWS]
    distinct = len(pd.unique(head))
    return distinct if len(values) > len(head) and distinct * 8 <= len(head) else None


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, use_na_sentinel=True)`` of a 1-D array, faster on answers.

    pandas sizes its hash table for one distinct value per row: at a million rows that is
    tens of MB allocated and cleared per column, more than hashing a question's few
    answers costs. Here a column whose first rows repeat a few values gets a table sized
    for those (it grows if more come). The codes and the distinct values are the same
    either way (code -1: missing; distinct values in order of first appearance).

    >>> codes, uniques = factorize(np.array(["b", None, "a", "b"], dtype=object))
    >>> codes.tolist(), uniques.tolist()
    ([0, -1, 1, 0], ['b', 'a'])
    """
    distinct = head_distinct(values)
    return pd.factorize(values, use_na_sentinel=True,
                        size_hint=None if distinct is None else 4 * distinct)


def _to_column(series: pd.Series) -> _Column:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        na = series.isna().to_numpy()
        values = series.to_numpy(dtype=bool, na_value=False)
        return _Column("bool", na, values=values)
    if isinstance(dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int32)
        cats = [str(c) for c in series.cat.categories]
    elif pd.api.types.is_numeric_dtype(dtype):
        na = series.isna().to_numpy()
        return _Column("number", na, values=series.to_numpy(dtype="float64", na_value=np.nan))
    else:
        if series.dtype == object or isinstance(dtype, pd.StringDtype):
            # as an object array: pandas' StringArray compares every cell with pd.NA
            raw_codes, uniques = factorize(series.to_numpy(dtype=object))
        else:
            raw_codes, uniques = pd.factorize(series, use_na_sentinel=True)
        codes = raw_codes.astype(np.int32)
        cats = [str(u) for u in uniques]
    index: dict[str, int] = {}
    for i, c in enumerate(cats):
        index.setdefault(c, i)
    return _Column("text", codes < 0, codes=codes, categories=cats, index=index)


class EvalContext:
    """Respondents prepared for evaluation; converted columns are cached.

    Evaluating many expressions over the same respondents through one context converts
    each column only once.

    Examples
    --------
    >>> ctx = EvalContext(pd.DataFrame({"q": ["a", "b"]}))
    >>> parse("q == 'a'").evaluate(ctx).tolist(), len(ctx)
    ([True, False], 2)
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._columns: dict[str, _Column] = {}
        self._prefixes: dict[str, list[str]] | None = None

    def __len__(self) -> int:
        return len(self.frame)

    def has(self, name: str) -> bool:
        return name in self.frame.columns

    def column(self, name: str) -> _Column:
        col = self._columns.get(name)
        if col is None:
            col = self._columns[name] = _to_column(self.frame[name])
        return col

    def choice_columns(self, question: str) -> list[str]:
        """The ``question/choice`` columns of a select_multiple question."""
        if self._prefixes is None:
            prefixes: dict[str, list[str]] = {}
            for c in self.frame.columns:
                if isinstance(c, str) and "/" in c:
                    prefixes.setdefault(c.split("/", 1)[0], []).append(c)
            self._prefixes = prefixes
        return self._prefixes.get(question, [])


Truth = tuple[np.ndarray, np.ndarray]  # (known True, unknown)
Value = _Column | Literal


@dataclass(frozen=True)
class Expression:
    """A parsed expression; evaluate it with :meth:`evaluate` or :meth:`mask`.

    Attributes
    ----------
    text : str
        The source text.
    tree : Node
        The syntax tree.
    context : str
        Where the expression comes from; starts every error message.
    """

    text: str
    tree: Node
    context: str = ""

    # -- static information (used by catalogue validation) ------------------------------
    @property
    def names(self) -> frozenset[str]:
        """Question names referred to (``q`` for ``q/choice`` and ``selected(q, ..)``)."""
        return frozenset(n.split("/", 1)[0] for n, _ in self.references())

    def references(self) -> list[tuple[str, int]]:
        """Every name (as written, e.g. ``q/choice``) with its position."""
        out: list[tuple[str, int]] = []
        for node in self._walk(self.tree):
            if isinstance(node, Name):
                out.append((node.name, node.pos))
        return out

    def comparisons(self) -> list[tuple[str, str, object, int]]:
        """``(name, kind, value, pos)`` for every name compared with a literal.

        ``kind`` is ``"compare"`` for ``==``-style tests and ``in`` lists (one tuple per
        value) and ``"selected"`` for ``selected(name, value)``.
        """
        out: list[tuple[str, str, object, int]] = []
        for node in self._walk(self.tree):
            if isinstance(node, Compare):
                for a, b in ((node.left, node.right), (node.right, node.left)):
                    if isinstance(a, Name) and isinstance(b, Literal):
                        out.append((a.name, "compare", b.value, b.pos))
            elif isinstance(node, InList) and isinstance(node.operand, Name):
                out.extend((node.operand.name, "compare", v.value, v.pos) for v in node.values)
            elif isinstance(node, Call) and node.func == "selected":
                name, choice = node.args
                assert isinstance(name, Name) and isinstance(choice, Literal)
                out.append((name.name, "selected", choice.value, choice.pos))
        return out

    def calls(self) -> list[tuple[str, str, int]]:
        """``(function, name, pos)`` of every function call."""
        return [(n.func, n.args[0].name, n.pos)  # type: ignore[union-attr]
                for n in self._walk(self.tree) if isinstance(n, Call)]

    def bare_names(self) -> list[tuple[str, int]]:
        """Names used directly as yes/no tests (not compared, not in a call)."""
        out: list[tuple[str, int]] = []

        def visit(node: Node) -> None:
            if isinstance(node, Name):
                out.append((node.name, node.pos))
            elif isinstance(node, BoolOp):
                visit(node.left)
                visit(node.right)
            elif isinstance(node, Not):
                visit(node.operand)
        visit(self.tree)
        return out

    @staticmethod
    def _walk(node: Node) -> Iterable[Node]:
        stack = [node]
        while stack:
            n = stack.pop()
            yield n
            if isinstance(n, (Compare, BoolOp)):
                stack.extend((n.right, n.left))
            elif isinstance(n, (InList, Not)):
                stack.append(n.operand)
            elif isinstance(n, Call):
                stack.extend(reversed(n.args))

    def error(self, pos: int | None, what: str, hint: str) -> ExpressionError:
        """An :class:`ExpressionError` about this expression."""
        return _fail(self.text, self.context, pos, what, hint)

    # -- evaluation ---------------------------------------------------------------------
    def evaluate(self, data: pd.DataFrame | EvalContext) -> pd.arrays.BooleanArray:
        """Evaluate over respondents with three-valued logic.

        Parameters
        ----------
        data : DataFrame or EvalContext
            Respondents (one row each).

        Returns
        -------
        pandas.arrays.BooleanArray
            True, False or NA (unknown because an answer is missing) per row.

        Examples
        --------
        >>> df = pd.DataFrame({"q/a": pd.array([True, False, None], dtype="boolean")})
        >>> parse("not q/a").evaluate(df).tolist()
        [False, True, <NA>]
        """
        true, unknown = self.truth(data)
        return pd.arrays.BooleanArray(true, unknown.copy())

    def mask(self, data: pd.DataFrame | EvalContext) -> np.ndarray:
        """Boolean NumPy mask of the rows where the expression is True (a universe).

        Examples
        --------
        >>> df = pd.DataFrame({"q": ["yes", None, "no"]})
        >>> parse("q != 'no'").mask(df).tolist()
        [True, False, False]
        """
        return self.truth(data)[0]

    def truth(self, data: pd.DataFrame | EvalContext) -> Truth:
        """``(true, unknown)`` NumPy masks; rows in neither are False."""
        ctx = data if isinstance(data, EvalContext) else EvalContext(data)
        true, unknown = self._test(self.tree, ctx)
        return true, unknown

    def _test(self, node: Node, ctx: EvalContext) -> Truth:
        n = len(ctx)
        if isinstance(node, BoolOp):
            lt, lu = self._test(node.left, ctx)
            rt, ru = self._test(node.right, ctx)
            lf, rf = ~(lt | lu), ~(rt | ru)
            if node.op == "and":
                true = lt & rt
                false = lf | rf
            else:
                true = lt | rt
                false = lf & rf
            return true, ~(true | false)
        if isinstance(node, Not):
            t, u = self._test(node.operand, ctx)
            return ~(t | u), u
        if isinstance(node, Compare):
            return self._compare(node, ctx)
        if isinstance(node, InList):
            return self._in(node, ctx)
        if isinstance(node, Call):
            return self._call(node, ctx)
        if isinstance(node, Literal):
            if isinstance(node.value, bool):
                return np.full(n, node.value), np.zeros(n, bool)
            raise self.error(node.pos, f"the value {node.value!r} is not a test",
                             "compare it with a question, e.g. q == 'yes'")
        col = self._column(node, ctx)
        if col.kind != "bool":
            raise self.error(node.pos, f"{node.name!r} holds {col.kind}, not yes/no values",
                             f"compare it, e.g. {node.name} == 'yes'")
        return col.values & ~col.na, col.na

    def _column(self, node: Name, ctx: EvalContext) -> _Column:
        if not ctx.has(node.name):
            known = [str(c) for c in ctx.frame.columns]
            close = difflib.get_close_matches(node.name, known, n=3)
            hint = (f"did you mean {', '.join(map(repr, close))}?" if close else
                    "use a question name of the form (or q/choice for a select_multiple "
                    "choice) or a derived variable of the catalogue")
            raise self.error(node.pos, f"unknown question {node.name!r}", hint)
        return ctx.column(node.name)

    def _value(self, node: Node, ctx: EvalContext) -> Value:
        if isinstance(node, Literal):
            return node
        if isinstance(node, Name):
            return self._column(node, ctx)
        raise self.error(node.pos, "a comparison needs a question name or a value on each "
                         "side", "compare a question with a value, e.g. age >= 18")

    def _compare(self, node: Compare, ctx: EvalContext) -> Truth:
        left, right = self._value(node.left, ctx), self._value(node.right, ctx)
        op = node.op
        if isinstance(left, Literal) and isinstance(right, Literal):
            raise self.error(node.pos, "both sides are constant values",
                             "compare a question with a value")
        if isinstance(left, Literal):
            left, right, op = right, left, _MIRROR[op]
        assert isinstance(left, _Column)
        if isinstance(right, Literal):
            return self._compare_literal(left, op, right, node)
        return self._compare_columns(left, op, right, node)

    def _kind_error(self, col: _Column, lit: Literal, node: Node) -> ExpressionError:
        return self.error(lit.pos, f"compares a {col.kind} question with {lit.value!r}",
                          {"text": "quote the choice name, e.g. q == 'yes'",
                           "number": "compare with a number, e.g. age >= 18",
                           "bool": "use the column alone as a test, or compare it with "
                                   "true/false"}[col.kind])

    def _compare_literal(self, col: _Column, op: str, lit: Literal, node: Compare) -> Truth:
        value = lit.value
        if col.kind == "text":
            if not isinstance(value, str):
                raise self._kind_error(col, lit, node)
            if op not in ("==", "!="):
                raise self.error(node.pos, f"{op!r} needs numbers, not text",
                                 "use ==, != or in (...) with text answers")
            code = col.index.get(value)
            eq = (col.text_codes() == code if code is not None
                  else np.zeros(len(col.na), bool))
            return (eq if op == "==" else ~eq & ~col.na), col.na
        if col.kind == "number":
            if isinstance(value, bool) or not isinstance(value, float):
                raise self._kind_error(col, lit, node)
            with np.errstate(invalid="ignore"):
                res = _OPS[op](col.values, value)
            return res & ~col.na, col.na
        if not isinstance(value, bool) or op not in ("==", "!="):
            raise self._kind_error(col, lit, node)
        eq = col.values == value
        return (eq if op == "==" else ~eq) & ~col.na, col.na

    def _compare_columns(self, left: _Column, op: str, right: _Column, node: Compare) -> Truth:
        if left.kind != right.kind:
            raise self.error(node.pos, f"compares a {left.kind} question with a {right.kind} "
                             "question", "compare questions of the same type")
        unknown = left.na | right.na
        if left.kind == "text":
            if op not in ("==", "!="):
                raise self.error(node.pos, f"{op!r} needs numbers, not text",
                                 "use == or != with text answers")
            # translate right codes into left's code space (unseen values never match)
            lookup = np.array([left.index.get(c, -2) for c in right.categories] + [-3],
                              dtype=np.int64)
            eq = left.codes == lookup[right.codes]  # code -1 picks the -3 sentinel
            res = eq if op == "==" else ~eq
        elif left.kind == "bool" and op not in ("==", "!="):
            raise self.error(node.pos, f"{op!r} cannot order yes/no values",
                             "use == or !=")
        else:
            with np.errstate(invalid="ignore"):
                res = _OPS[op](left.values, right.values)
        return res & ~unknown, unknown

    def _in(self, node: InList, ctx: EvalContext) -> Truth:
        col = self._value(node.operand, ctx)
        if not isinstance(col, _Column):
            raise self.error(node.pos, "'in' needs a question name on its left",
                             "write e.g. q in ('a', 'b')")
        for lit in node.values:
            if isinstance(lit.value, bool) or (col.kind == "text") != isinstance(lit.value, str):
                raise self._kind_error(col, lit, node)
        if col.kind == "text":
            codes = [col.index[v.value] for v in node.values if v.value in col.index]
            hit = np.isin(col.text_codes(), np.array(codes, dtype=np.int32))
        elif col.kind == "number":
            hit = np.isin(col.numbers(), np.array([v.value for v in node.values], dtype=float))
        else:
            raise self.error(node.pos, "'in' cannot test yes/no values",
                             "use the column alone as a test")
        if node.negate:
            hit = ~hit
        return hit & ~col.na, col.na

    def _call(self, node: Call, ctx: EvalContext) -> Truth:
        name = node.args[0]
        assert isinstance(name, Name)
        n = len(ctx)
        if node.func == "selected":
            choice = node.args[1]
            assert isinstance(choice, Literal) and isinstance(choice.value, str)
            column = f"{name.name}/{choice.value}"
            if ctx.has(column):
                return self._test(Name(column, name.pos), ctx)
            if (ctx.has(name.name) and ctx.column(name.name).kind == "text"
                    and not ctx.choice_columns(name.name)):
                col = ctx.column(name.name)
                per_cat = np.array([choice.value in c.split() for c in col.categories] +
                                   [False], dtype=bool)
                return per_cat[col.codes], col.na
            if ctx.has(name.name) or ctx.choice_columns(name.name):
                raise self.error(choice.pos, f"{choice.value!r} is not a choice of "
                                 f"{name.name!r} in the data",
                                 "check the choice name against the form")
            return self._test(Name(name.name, name.pos), ctx)  # raises "unknown question"
        if ctx.has(name.name):
            na = ctx.column(name.name).na
        elif ctx.choice_columns(name.name):
            na = ctx.column(ctx.choice_columns(name.name)[0]).na
        else:
            self._column(name, ctx)  # raises "unknown question"
            raise AssertionError("unreachable")
        res = na.copy() if node.func == "is_na" else ~na
        return res, np.zeros(n, bool)

    def __str__(self) -> str:
        return self.text


_OPS: dict[str, Any] = {
    "==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
    ">": np.greater, ">=": np.greater_equal,
}
