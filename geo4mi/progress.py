"""What the command line shows of long work: each stage's name and progress bars with counts.

The library's functions report to this module and never print: :func:`stage` names a step
as it starts and :func:`bar` gives a ``progress`` callable (the fraction done, as
:func:`geo4mi.pipeline.run` and :func:`geo4mi.figures.write_figures` take it) drawn as a
bar with counts. Both do nothing unless :func:`showing` is active, which the CLI turns on
only when standard error is a terminal and ``-q`` was not given: logs, pipes and tests see
no extra output, and the outputs are the same either way. Bars are drawn by ``tqdm`` on
standard error.

Examples
--------
>>> import io
>>> stream = io.StringIO()
>>> with showing(True, stream=stream):
...     stage("reading the export")
...     report = bar("figures", unit="file")
...     for k in range(4):
...         report((k + 1) / 4)
>>> print(stream.getvalue().splitlines()[0])
geo4mi: reading the export
>>> "figures: 100%" in stream.getvalue() and "4/4" in stream.getvalue()
True
>>> stage("nothing shown outside showing()") is None
True
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO


@dataclass
class _Display:
    stream: TextIO
    bars: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for b in self.bars:
            b.close()
        self.bars.clear()


_current: contextvars.ContextVar[_Display | None] = contextvars.ContextVar(
    "geo4mi_progress", default=None)


@contextmanager
def showing(enabled: bool, *, stream: TextIO | None = None) -> Iterator[None]:
    """Show stages and bars on ``stream`` (default standard error) inside the block.

    With ``enabled`` False the block runs with nothing shown (as outside the block).
    """
    if not enabled:
        yield
        return
    import sys

    display = _Display(stream if stream is not None else sys.stderr)
    token = _current.set(display)
    try:
        yield
    finally:
        display.close()
        _current.reset(token)


def stage(name: str) -> None:
    """Name a stage of the work as it starts (one line ``geo4mi: <name>``), when showing."""
    display = _current.get()
    if display is None:
        return None
    display.close()  # a bar left open by the stage before ends here
    display.stream.write(f"geo4mi: {name}\n")
    display.stream.flush()
    return None


def _size(stream: TextIO) -> tuple[int, int]:
    """The terminal's columns and rows; 80 × 24 where it says 0 (a fresh pty, where tqdm
    would otherwise draw nothing) or is not a terminal."""
    import os

    try:
        size = os.get_terminal_size(stream.fileno())
        columns, rows = size.columns, size.lines
    except (AttributeError, OSError, ValueError):
        columns = rows = 0
    return min(columns, 120) or 80, rows or 24


def bar(name: str, *, unit: str = "it") -> Callable[[float], None] | Literal[False]:
    """A ``progress`` callable drawing a bar named ``name`` with counts; False when not showing.

    The callable receives the fraction done after each item, ``(k + 1) / total``, as geo4mi's
    functions report it; the first call (``1 / total``) gives the total for the counts.
    """
    display = _current.get()
    if display is None:
        return False
    from tqdm import tqdm

    state: dict[str, Any] = {}

    def report(fraction: float) -> None:
        if "bar" not in state:
            total = max(1, round(1 / fraction)) if fraction > 0 else 1
            width, rows = _size(display.stream)
            state["bar"] = tqdm(total=total, desc=name, unit=unit, file=display.stream,
                                leave=True, ncols=width, nrows=rows, mininterval=0.2)
            display.bars.append(state["bar"])
        b = state["bar"]
        done = min(b.total, round(fraction * b.total))
        if done > b.n:
            b.update(done - b.n)
        if done >= b.total:
            b.close()

    return report
