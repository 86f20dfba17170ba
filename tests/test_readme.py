"""The README's Python examples run, as doctests: what a reader copies works."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"),
                    flags=re.M | re.S)


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 2
    assert all(">>> " in block for block in BLOCKS)  # every block is a doctest


def test_readme_python_blocks_run():
    # the blocks share one namespace, in order, as for a reader running them one by one
    globs: dict = {}
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for i, block in enumerate(BLOCKS):
        test = parser.get_doctest(block, globs, f"README python block {i}", str(README), 0)
        assert test.examples, f"README python block {i} has no example"
        runner.run(test, clear_globs=False)
        globs = test.globs  # DocTest copies its globals: carry them to the next block
    assert runner.summarize(verbose=False).failed == 0  # the failures are printed above
