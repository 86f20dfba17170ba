"""Safe output: atomic files, spreadsheet-safe CSV and atomic output sets.

Three rules hold for everything geo4mi writes:

- **Atomic files** (:func:`atomic_write`): a file is written under a temporary name in its
  folder and renamed over the target at the end, so nothing half-written ever reaches it.
- **Spreadsheet-safe CSV** (:func:`write_csv`, :func:`spreadsheet_safe`): every CSV goes
  through one writer that neutralises text cells a spreadsheet would run as a formula.
- **Atomic output sets** (:func:`write_output_set`): ``build`` and ``demo`` write the whole
  set into a hidden staging folder inside the output folder and swap it in at the end, with
  a manifest (``.geo4mi-manifest``) that tells a complete set from an incomplete one.

An :class:`OSError` on output (read-only file system, disk full, a file where a folder
should be) becomes one :class:`~geo4mi.errors.OutputError` naming the path and what to do.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import errno
import hashlib
import io
import logging
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from geo4mi.errors import Geo4miError, OutputError

log = logging.getLogger(__name__)

#: First characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell
#: as a formula or command: the OWASP "CSV injection" list.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: :func:`write_csv` formats and writes this many rows at a time.
CSV_SLICE_ROWS = 500_000
#: Name of the manifest of a complete output set (``sha256sum`` format, sorted by path).
MANIFEST = ".geo4mi-manifest"
#: Prefix of the staging folder an output set is written into, inside the output folder.
STAGING_PREFIX = ".geo4mi-tmp-"
#: In a staging folder: the manifest of the set it replaces, kept to finish a killed swap.
_REPLACES = ".geo4mi-replaces"

_ADVICE = {
    errno.EROFS: "the file system is read-only; choose another output folder",
    errno.ENOSPC: "the disk is full; free some space or choose another output folder",
    errno.EDQUOT: "the disk quota is exceeded; free some space or choose another folder",
    errno.EACCES: "permission denied; choose a folder you can write to",
    errno.EPERM: "permission denied; choose a folder you can write to",
    errno.ENOTDIR: "a part of the path is a file, not a folder; choose another path",
    errno.EISDIR: "it is a folder; give a file name",
    errno.EEXIST: "a file is in the way; remove it or choose another path",
    errno.ENAMETOOLONG: "the name is too long; choose a shorter path",
    errno.ENOENT: "nothing can be created there; choose another output folder",
}


def output_error(path: str | os.PathLike[str], exc: OSError) -> OutputError:
    """One clear :class:`OutputError` for an :class:`OSError` raised while writing ``path``.

    Examples
    --------
    >>> import errno
    >>> print(output_error("maps/a.csv", OSError(errno.ENOSPC, "No space left on device")))
    maps/a.csv: cannot write (No space left on device); the disk is full; free some space or choose another output folder
    """  # noqa: E501  (a doctest shows the one-line error message whole)
    reason = exc.strerror or type(exc).__name__
    advice = _ADVICE.get(exc.errno or 0, "check the path and try again")
    return OutputError(f"{path}: cannot write ({reason}); {advice}")


def refuse_existing(paths: Iterable[str | os.PathLike[str]], overwrite: bool = False) -> None:
    """Refuse (:class:`OutputError`) when one of ``paths`` exists, unless ``overwrite``:
    called before anything of a set is written, so that nothing is.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> refuse_existing([folder / "a.html", folder / "b.html"])
    >>> refuse_existing([folder])
    Traceback (most recent call last):
    ...
    geo4mi.errors.OutputError: ...: file exists; pass --overwrite to replace it
    """
    if overwrite:
        return
    for path in paths:
        if Path(path).exists():
            raise OutputError(f"{path}: file exists; pass --overwrite to replace it")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` on success.

    If the block raises, the temporary file is removed and ``path`` is untouched. An
    :class:`OSError` (read-only folder, disk full...) becomes an :class:`OutputError`.

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
    refuse_existing([target], overwrite)
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give a file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{target.parent}: cannot create the output folder "
                          f"({exc.strerror or type(exc).__name__}); choose a writable folder"
                          ) from exc
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.",
                                        suffix=".tmp" + target.suffix, dir=target.parent)
    except OSError as exc:
        raise output_error(target, exc) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers (GDAL, matplotlib) want to create the file themselves
    try:
        yield tmp
        if not tmp.exists():
            raise OutputError(f"{target}: the writer produced no file")
        os.replace(tmp, target)
    except Geo4miError:
        raise
    except OSError as exc:
        raise output_error(target, exc) from exc
    finally:
        if tmp.exists():
            tmp.unlink()


# -- spreadsheet-safe CSV -------------------------------------------------------------------

def _is_text_column(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series.dtype)
                or pd.api.types.is_bool_dtype(series.dtype)
                or pd.api.types.is_datetime64_any_dtype(series.dtype)
                or pd.api.types.is_timedelta64_dtype(series.dtype))


def _safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unquote_cell(value: object) -> object:
    """Undo :func:`spreadsheet_safe` on one cell read back from a geo4mi CSV.

    A text that starts with ``'`` followed by a formula character loses the ``'`` (the
    marker spreadsheets hide too), so a table written and read again keeps its text.

    Examples
    --------
    >>> unquote_cell("'=SUM(A1)"), unquote_cell("'quoted'"), unquote_cell(3)
    ('=SUM(A1)', "'quoted'", 3)
    """
    if isinstance(value, str) and value.startswith("'") and value[1:2] \
            and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas.

    A text cell (or column name) that begins with ``=``, ``+``, ``-``, ``@``, tab or
    carriage return gets a leading apostrophe ``'``, the OWASP rule against CSV injection:
    spreadsheets then show the text as typed instead of running it. The text after the
    apostrophe is kept unchanged. Numeric, boolean and date columns are never changed, so
    a negative number stays a number; so are missing values and non-text objects.

    Parameters
    ----------
    frame : DataFrame

    Returns
    -------
    DataFrame
        A new frame; ``frame`` is not modified.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"name": ['=HYPERLINK("http://x")', "-2+3", "Tláhuac"],
    ...                   "value": [-0.5, 1.0, 2.0]})
    >>> safe = spreadsheet_safe(t)
    >>> safe["name"].tolist()
    ['\\'=HYPERLINK("http://x")', "'-2+3", 'Tláhuac']
    >>> safe["value"].tolist()
    [-0.5, 1.0, 2.0]
    """
    out = frame.copy()
    for i, _name in enumerate(frame.columns):
        series = frame.iloc[:, i]
        if not _is_text_column(series):
            continue
        if isinstance(series.dtype, pd.CategoricalDtype):
            cats = series.cat.categories
            new = series.cat.rename_categories([_safe_cell(c) for c in cats])
        else:
            distinct = _distinct(series)
            if distinct is None:
                values = [_safe_cell(v) for v in series.tolist()]
            else:  # each distinct text checked once; only the cells that change are replaced
                codes, uniques = distinct
                hit = np.array([isinstance(u, str) and u.startswith(FORMULA_STARTS)
                                for u in uniques] + [False], dtype=bool)[codes]
                if not hit.any():
                    continue
                values = series.to_numpy(dtype=object, copy=True)
                values[hit] = ["'" + v for v in values[hit]]
            new = pd.Series(values, index=series.index, dtype=series.dtype)
        out.isetitem(i, new)
    out.columns = [_safe_cell(c) for c in frame.columns]
    return out


def _distinct(series: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """``(codes, distinct values)`` of a text column (code -1: missing), None when its
    cells cannot be hashed. A long table repeats few texts: each is then looked at once."""
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists...)
        return None
    return codes, np.asarray(uniques, dtype=object)


def _has_carriage_return(frame: pd.DataFrame) -> bool:
    if any("\r" in str(c) for c in frame.columns):
        return True
    for i in range(frame.shape[1]):
        series = frame.iloc[:, i]
        if not _is_text_column(series):
            continue
        distinct = _distinct(series)
        cells = series.tolist() if distinct is None else distinct[1]
        if any(isinstance(v, str) and "\r" in v for v in cells):
            return True
    return False


def _csv_cell(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str], *, overwrite: bool = True,
              bom: bool = False, float_format: str | None = None) -> Path:
    """Write ``frame`` as spreadsheet-safe UTF-8 CSV, atomically; the one CSV writer.

    Text cells go through :func:`spreadsheet_safe`; the index is not written; lines end
    with ``\\n``; missing values are empty cells; a cell is quoted when it holds a comma, a
    quote, a line feed or a carriage return. The same frame gives identical bytes.

    Parameters
    ----------
    frame : DataFrame
    path : path-like
        Output file (written atomically, folder created when missing).
    overwrite : bool, default True
        When False, refuse to replace an existing file.
    bom : bool, default False
        Start with a UTF-8 byte-order mark, so spreadsheets show accents.
    float_format : str, optional
        ``%``-format of float columns, e.g. ``"%.6f"``.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import csv, tempfile, pathlib, pandas as pd
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = write_csv(pd.DataFrame({"name": ["@SUM(A1:A2)", "ok"], "x": [-1.25, 2.0]}), out,
    ...               float_format="%.1f")
    >>> print(out.read_text(encoding="utf-8"), end="")
    name,x
    '@SUM(A1:A2),-1.2
    ok,2.0
    """
    # a slice of rows at a time (rows are formatted independently: the same bytes), so
    # that the text of a table of millions of rows is never whole in memory
    with atomic_write(path, overwrite=overwrite) as tmp, open(tmp, "wb") as fh:
        if bom:
            fh.write(codecs.BOM_UTF8)
        for start in range(0, max(len(frame), 1), CSV_SLICE_ROWS):
            part = frame.iloc[start:start + CSV_SLICE_ROWS]
            fh.write(csv_text(part, float_format=float_format, header=start == 0)
                     .encode("utf-8"))
    return Path(path)


def csv_text(frame: pd.DataFrame, *, float_format: str | None = None,
             header: bool = True) -> str:
    """The text :func:`write_csv` writes for ``frame`` (without the BOM).

    Rows are formatted independently, so the text of a frame is the header and the
    texts (``header=False``) of consecutive slices of it: large tables can be written
    in chunks.

    The text is that of pandas' ``to_csv`` (``index=False``, ``na_rep=""``, lines
    ending with ``\\n``), except that a cell holding a carriage return is quoted too. Each
    distinct value of a column is formatted once, by pandas itself for numbers, and the
    cells are quoted and joined here; a column of another kind (dates, mixed objects...)
    makes the whole frame go through pandas.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"a": ["x\\ry", "=1"], "b": [1.5, None]})
    >>> whole = csv_text(t, float_format="%.1f")
    >>> whole == csv_text(t[:1], float_format="%.1f") + csv_text(t[1:], float_format="%.1f",
    ...                                                         header=False)
    True
    >>> print(whole, end="")
    a,b
    "x\ry",1.5
    '=1,
    """
    fast = _joined_csv_text(frame, float_format=float_format, header=header)
    if fast is not None:
        return fast
    return _pandas_csv_text(spreadsheet_safe(frame), float_format=float_format, header=header)


def _pandas_csv_text(safe: pd.DataFrame, *, float_format: str | None, header: bool) -> str:
    """:func:`csv_text` of a spreadsheet-safe frame by pandas' ``to_csv`` (any dtype)."""
    options = {"index": False, "lineterminator": "\n", "na_rep": "",
               "float_format": float_format, "header": header}
    if not _has_carriage_return(safe):
        return safe.to_csv(**options)
    # pandas and the csv module leave a carriage return unquoted when lines end with
    # "\n"; a bare CR splits the row in spreadsheets and readers (and the next "row"
    # could start with a formula). So: let pandas format every cell, quoted, read the
    # cells back, and quote them as pandas would, counting CR as a line break.
    quoted = safe.to_csv(**options, quoting=csv.QUOTE_ALL)
    return "".join(",".join(map(_csv_cell, row)) + "\n" if row != [""] else '""\n'
                   for row in csv.reader(io.StringIO(quoted, newline="")))


def _joined_csv_text(frame: pd.DataFrame, *, float_format: str | None,
                     header: bool) -> str | None:
    """:func:`csv_text` with each column's distinct values made safe, formatted and quoted
    once, and adjacent columns with few distinct pairs joined once per pair; None when a
    column (or a column name) is of a kind this does not format."""
    if frame.shape[1] == 0 or (float_format is not None and "\r" in float_format):
        return None
    names = list(frame.columns)
    if not all(type(c) is str for c in names):
        return None
    lone = frame.shape[1] == 1  # the csv module writes a row of one empty cell as ""
    runs: list[tuple[np.ndarray, list[str]]] = []
    for i in range(frame.shape[1]):
        found = _distinct_cells(frame.iloc[:, i], float_format)
        if found is None:
            return None
        codes, cells = found
        texts = _csv_cells(cells, lone)
        texts.append('""' if lone else "")  # code -1: a missing value
        _add_run(runs, np.where(codes < 0, len(texts) - 1, codes), texts, len(frame))
    lines = []
    if header:
        cells = [_csv_cell(str(_safe_cell(c))) for c in names]
        lines.append(",".join(cells) if not lone or cells[0] else '""')
    if len(frame):
        columns = [np.array(texts, dtype=object)[codes] for codes, texts in runs]
        lines.append("\n".join(columns[0].tolist() if len(columns) == 1
                               else map(",".join, zip(*columns, strict=True))))
    return "".join(line + "\n" for line in lines)


def _csv_cells(cells: list[str], lone: bool) -> list[str]:
    """:func:`_csv_cell` of each cell (an empty one ``""`` when it is alone on its row)."""
    if lone:
        return [_csv_cell(c) if c else '""' for c in cells]
    joined = "\0".join(cells)
    if not any(c in joined for c in ',"\r\n'):  # numbers, codes: nothing to quote
        return cells
    return [_csv_cell(c) for c in cells]


#: Adjacent columns with at most this many possible pairs of texts are joined pair by pair.
_DENSE_PAIRS = 4096


def _add_run(runs: list[tuple[np.ndarray, list[str]]], codes: np.ndarray, texts: list[str],
             rows: int) -> None:
    """Append a column (``texts[codes]``) to ``runs``, joined with the last run when the
    two have few distinct pairs of cells (a label and its code, an area and its name):
    then each pair is joined once, not on every row."""
    few = max(rows // 8, 1)
    if runs and len(texts) <= few and len(runs[-1][1]) <= few:
        last_codes, last_texts = runs[-1]
        k = len(texts)
        joint = last_codes.astype(np.int64) * k + codes
        if len(last_texts) * k <= _DENSE_PAIRS:
            runs[-1] = (joint, [a + "," + b for a in last_texts for b in texts])
            return
        pair_codes, pairs = pd.factorize(joint)
        if len(pairs) <= few:
            runs[-1] = (pair_codes, [last_texts[p // k] + "," + texts[p % k]
                                     for p in pairs.tolist()])
            return
    runs.append((codes, texts))


def _distinct_cells(series: pd.Series, float_format: str | None
                    ) -> tuple[np.ndarray, list[str]] | None:
    """``(codes, cells)``: each row's code (-1: missing, an empty cell) and the unquoted
    text pandas writes for each code (text made :func:`spreadsheet_safe`); None for a
    column of another kind."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = series.cat.categories
        if not all(type(c) is str for c in cats):
            return None
        safe = [str(_safe_cell(c)) for c in cats]
        if len(set(safe)) < len(safe):  # spreadsheet_safe refuses them
            return None
        return series.cat.codes.to_numpy(dtype=np.intp), safe
    if isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype):
        distinct = _distinct(series)
        if distinct is None or not all(type(u) is str for u in distinct[1]):
            return None
        return distinct[0].astype(np.intp, copy=False), [str(_safe_cell(u))
                                                         for u in distinct[1]]
    masked = (pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)
    if dtype.kind not in "biuf" or not (isinstance(dtype, np.dtype)
                                        or isinstance(series.array, masked)):
        return None
    # numbers and booleans (numpy or nullable): distinct by bit pattern (so -0.0 is not
    # 0.0), formatted by pandas itself, a value at a time as to_csv does
    if isinstance(dtype, np.dtype):
        values = series.to_numpy()
    else:
        values = series.array.to_numpy(dtype=dtype.numpy_dtype,
                                       na_value=dtype.numpy_dtype.type(0))
    missing = series.isna().to_numpy(dtype=bool)
    keys = values.view(f"u{values.dtype.itemsize}") if values.dtype.kind in "fb" else values
    codes, uniques = pd.factorize(np.where(missing, 0, keys))
    codes = np.where(missing, -1, codes).astype(np.intp, copy=False)
    uniques = np.asarray(uniques).view(values.dtype)
    if float_format is not None and values.dtype.kind == "f":  # pandas: "%f" % x, NaN: ""
        return codes, ["" if np.isnan(x) else float_format % x for x in uniques.tolist()]
    reps = pd.array(uniques, dtype=dtype)
    probe = pd.DataFrame({"k": np.zeros(len(reps), np.int8), "v": reps})
    text = probe.to_csv(index=False, header=False, lineterminator="\n", na_rep="",
                        float_format=float_format)
    cells = [row[1] for row in csv.reader(io.StringIO(text, newline=""))]
    if len(cells) != len(reps):
        return None
    return codes, cells


# -- atomic output sets ---------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(path: str | os.PathLike[str]) -> dict[str, str]:
    """``relative path -> sha256`` of a manifest file; empty when there is none.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> m = pathlib.Path(tempfile.mkdtemp()) / MANIFEST
    >>> _ = m.write_text("ab12  tables/estimates.csv\\n")
    >>> read_manifest(m)
    {'tables/estimates.csv': 'ab12'}
    """
    path = Path(path)
    if not path.is_file():
        return {}
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, sep, name = line.partition("  ")
        if sep and name and ".." not in Path(name).parts and not Path(name).is_absolute():
            out[name] = digest
    return out


def check_output_set(out_dir: str | os.PathLike[str]) -> list[str]:
    """Problems that make ``out_dir`` not hold one complete output set; empty when it does.

    A set is complete when its manifest is present, every file it lists exists with the
    listed SHA-256, and no staging folder of an unfinished run is left. (From a shell:
    ``cd out_dir && sha256sum -c .geo4mi-manifest``.)

    Examples
    --------
    >>> import tempfile
    >>> check_output_set(tempfile.mkdtemp())
    ['no .geo4mi-manifest: not a complete geo4mi output set']
    """
    out = Path(out_dir)
    listed = read_manifest(out / MANIFEST)
    if not listed:
        return [f"no {MANIFEST}: not a complete geo4mi output set"]
    problems = []
    for name, digest in listed.items():
        file = out / name
        if not file.is_file():
            problems.append(f"{name}: missing")
        elif _sha256(file) != digest:
            problems.append(f"{name}: changed since it was written")
    problems.extend(f"{p.name}: staging folder of an unfinished run"
                    for p in sorted(out.glob(STAGING_PREFIX + "*")))
    return problems


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then deliver them (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    signums = [s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None]
    old = {s: signal.getsignal(s) for s in signums}
    for s in signums:
        signal.signal(s, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        for s in dict.fromkeys(received):
            signal.raise_signal(s)


def _swap(out: Path, staging: Path) -> None:
    """Move the complete set in ``staging`` into ``out``; safe to run again after a kill.

    Steps: remove the old manifest (``out`` is now marked incomplete), rename every new file
    over its target, delete files of the old set that the new one lacks, move the new
    manifest in (``out`` is marked complete), remove ``staging``. Each step is skipped when
    it was already done, so a swap killed half-way is finished by running it again.
    """
    new = read_manifest(staging / MANIFEST)
    old = read_manifest(staging / _REPLACES)
    with contextlib.suppress(FileNotFoundError):
        (out / MANIFEST).unlink()
    for name in new:
        source = staging / name
        if source.exists():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, out / name)
    for name in sorted(set(old) - set(new)):
        stale = out / name
        if stale.is_file() or stale.is_symlink():
            stale.unlink()
        for parent in stale.parents:  # folders the old set emptied
            if parent == out or not parent.is_relative_to(out):
                break
            with contextlib.suppress(OSError):
                parent.rmdir()
    os.replace(staging / MANIFEST, out / MANIFEST)
    shutil.rmtree(staging, ignore_errors=True)


def recover_output_folder(out_dir: str | os.PathLike[str]) -> list[str]:
    """Finish or remove what a killed run left in ``out_dir``; return what was done.

    A staging folder with a manifest was complete when its run was killed during the swap:
    the swap is finished. A staging folder without one was still being written: it is
    removed, and ``out_dir`` keeps its previous set.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> (out / (STAGING_PREFIX + "x1")).mkdir()
    >>> recover_output_folder(out)
    ['removed .geo4mi-tmp-x1, left unfinished by an interrupted run']
    """
    out = Path(out_dir)
    done = []
    for staging in sorted(out.glob(STAGING_PREFIX + "*")):
        if not staging.is_dir():
            continue
        if (staging / MANIFEST).is_file():
            _swap(out, staging)
            done.append(f"finished swapping in the complete set of {staging.name}, "
                        "interrupted during its swap")
        else:
            shutil.rmtree(staging)
            done.append(f"removed {staging.name}, left unfinished by an interrupted run")
    for line in done:
        log.warning("%s: %s", out, line)
    return done


@contextlib.contextmanager
def _folder_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on the folder (POSIX ``flock``; released if the run dies)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    fd = os.open(out, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"{out}: another geo4mi run is writing into this folder; wait "
                              "for it to finish or choose another folder") from None
        except OSError as exc:  # e.g. ENOLCK on some network file systems: go on unlocked
            log.debug("%s: no lock (%s)", out, exc)
        yield
    finally:
        os.close(fd)


def check_output_folder(out_dir: str | os.PathLike[str]) -> Path:
    """Refuse an output folder that is a file or lies under one, before any work is done.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> _ = f.write_text("x")
    >>> check_output_folder(f / "maps")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo4mi.errors.OutputError: .../notes.txt: is a file, not a folder; choose another output folder
    """
    out = Path(out_dir)
    for folder in (out, *out.parents):
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                raise OutputError(f"{folder}: is a file, not a folder; choose another output "
                                  "folder")
            break
    return out


def write_output_set(out_dir: str | os.PathLike[str],
                     write: Callable[[Path], Iterable[str | os.PathLike[str]]]) -> list[Path]:
    """Write a set of files into ``out_dir`` all at once: the old set or the new, never a mix.

    ``write(staging)`` writes every file of the set under ``staging`` (a fresh hidden folder
    ``.geo4mi-tmp-*`` inside ``out_dir``, so on the same file system) and returns their
    paths. Then the manifest ``.geo4mi-manifest`` (SHA-256 and path of each file, sorted;
    no dates) is written, and the set is swapped in: the old manifest is removed, each new
    file is renamed over its target, files of the old set that the new one lacks are
    deleted and the new manifest is moved in. Ctrl-C (SIGINT, SIGTERM) during the swap,
    which takes milliseconds, is held until it ends.

    Only the set's own files are touched: other files in ``out_dir`` (and in its
    subfolders) stay. The old set is the one its manifest lists; a folder without a
    manifest has only the files the new set replaces by name.

    If ``write`` fails or is interrupted, the staging folder is removed and ``out_dir`` is
    as before. What a killed run (SIGKILL, power cut) left is finished or removed by the
    next run (:func:`recover_output_folder`).

    Parameters
    ----------
    out_dir : path-like
        Output folder, created when missing.
    write : callable
        ``write(staging) -> paths written`` (all inside ``staging``).

    Returns
    -------
    list of Path
        The files of the set, in ``out_dir``, in the order ``write`` returned them.

    Raises
    ------
    OutputError
        ``out_dir`` is a file, cannot be created or written, or another run writes into it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> def write(staging):
    ...     (staging / "tables").mkdir()
    ...     (staging / "tables" / "a.csv").write_text("x\\n")
    ...     return [staging / "tables" / "a.csv"]
    >>> [p.relative_to(out).as_posix() for p in write_output_set(out, write)]
    ['tables/a.csv']
    >>> print((out / MANIFEST).read_text(), end="")
    73cb3858a687a8494ca3323053016282f3dad39d42cf62ca4e79dda2aac7d9ac  tables/a.csv
    >>> check_output_set(out)
    []
    """
    out = check_output_folder(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(out, exc) from exc
    try:
        with _folder_lock(out):
            return _write_set_locked(out, write)
    except Geo4miError:
        raise
    except OSError as exc:
        raise output_error(exc.filename or out, exc) from exc


def _write_set_locked(out: Path,
                      write: Callable[[Path], Iterable[str | os.PathLike[str]]]) -> list[Path]:
    recover_output_folder(out)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    swapping = False
    try:
        names: list[str] = []
        for p in write(staging):
            path = Path(p).resolve()
            if not path.is_relative_to(staging.resolve()) or not path.is_file():
                raise OutputError(f"{p}: not a file written into {staging}")
            name = path.relative_to(staging.resolve()).as_posix()
            if name not in names:
                names.append(name)
        for name in names:
            target = out / name
            if target.is_dir() and not target.is_symlink():
                raise OutputError(f"{target}: a folder is in the way of an output file; "
                                  "move it away or choose another output folder")
            for parent in Path(name).parents:
                if parent != Path(".") and (out / parent).exists() \
                        and not (out / parent).is_dir():
                    raise OutputError(f"{out / parent}: a file is in the way of an output "
                                      "folder; move it away or choose another output folder")
        old = out / MANIFEST
        if old.is_file():
            shutil.copyfile(old, staging / _REPLACES)
        manifest = "".join(f"{_sha256(staging / n)}  {n}\n" for n in sorted(names))
        with atomic_write(staging / MANIFEST) as tmp:  # its presence marks the set complete
            tmp.write_text(manifest, encoding="utf-8")
        with _interrupts_deferred():
            swapping = True
            _swap(out, staging)
    except BaseException as exc:
        if not swapping:
            shutil.rmtree(staging, ignore_errors=True)
        elif isinstance(exc, OSError) and staging.exists():
            raise OutputError(f"{out}: the new output set could not be moved in "
                              f"({exc.strerror or exc}); it is kept in {staging.name}: fix the "
                              "cause and run again to finish") from exc
        raise
    log.info("wrote %d files into %s", len(names), out)
    return [out / n for n in names]


__all__ = [
    "FORMULA_STARTS",
    "MANIFEST",
    "STAGING_PREFIX",
    "atomic_write",
    "check_output_folder",
    "check_output_set",
    "output_error",
    "read_manifest",
    "recover_output_folder",
    "spreadsheet_safe",
    "unquote_cell",
    "write_csv",
    "write_output_set",
]
