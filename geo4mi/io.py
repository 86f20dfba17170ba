"""Atomic file output: nothing half-written ever reaches the target path."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from geo4mi.errors import OutputError


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` on success.

    If the block raises, the temporary file is removed and ``path`` is untouched.

    Parameters
    ----------
    path : path-like
        Final file path. Its folder is created when missing.
    overwrite : bool, default True
        When False, refuse to replace an existing file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_write(target) as tmp:
    ...     _ = tmp.write_text("hola")
    >>> target.read_text()
    'hola'
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise OutputError(f"{target}: file exists; pass --overwrite to replace it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{target.parent}: cannot create the output folder ({exc.strerror}); "
                          "choose a writable folder") from exc
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + target.suffix,
                                    dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers (GDAL, matplotlib) want to create the file themselves
    try:
        yield tmp
        if not tmp.exists():
            raise OutputError(f"{target}: the writer produced no file")
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
