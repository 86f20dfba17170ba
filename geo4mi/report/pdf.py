"""The findings report as a PDF: the same HTML document, printed to A4 by WeasyPrint.

Why WeasyPrint and not Chromium's print: WeasyPrint is a Python library (``pip install
'geo4mi[pdf]'``; on Debian it uses the system's Pango, which the ``weasyprint`` wheel loads)
that lays out the report's own print stylesheet (``@page`` A4, ``break-inside: avoid`` on
every finding) and writes the same bytes for the same report — no date, no random id —
as every geo4mi output. Chromium's print needs a browser and a driver (playwright is only a
test dependency), stamps the creation time in the file, and is not a library a city
analyst's Python installation can count on. Measured on the demo report (44 A4 pages):
WeasyPrint 15 s, byte-identical across runs; Chromium 6 s, differing bytes every run.

The PDF reads nothing but the HTML string: no file, no network (every URL other than
``data:`` is refused by WeasyPrint's fetcher), so it holds what the HTML holds and nothing more.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from geo4mi.errors import OutputError
from geo4mi.io import atomic_write

log = logging.getLogger(__name__)

#: What to do when the engine is missing (the one line the CLI prints).
INSTALL_HINT = ("the PDF needs WeasyPrint: pip install 'geo4mi[pdf]' "
                "(on Debian/Ubuntu also: apt install libpango-1.0-0 libpangoft2-1.0-0)")


def pdf_engine() -> Any:
    """The ``weasyprint`` module, or an :class:`~geo4mi.errors.OutputError` in one line
    saying how to install it (WeasyPrint missing, or its Pango libraries missing).

    Examples
    --------
    >>> pdf_engine().__name__  # doctest: +SKIP
    'weasyprint'
    """
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the wheel is there, Pango is not
        raise OutputError(f"report.pdf not written: {INSTALL_HINT} ({exc.__class__.__name__}: "
                          f"{str(exc).splitlines()[0] if str(exc) else 'no detail'})") from None
    return weasyprint


def pdf_available() -> bool:
    """True when :func:`pdf_engine` would work (``geo4mi demo`` writes the PDF then).

    Examples
    --------
    >>> isinstance(pdf_available(), bool)
    True
    """
    try:
        pdf_engine()
    except OutputError:
        return False
    return True


def pdf_bytes(html: str) -> bytes:
    """``html`` (the report) printed to A4 with its print stylesheet, as PDF bytes.

    Raises :class:`~geo4mi.errors.OutputError` when WeasyPrint is missing.
    """
    weasyprint = pdf_engine()
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})  # the report inlines everything
    document = weasyprint.HTML(string=html, url_fetcher=fetcher).render()
    return bytes(document.write_pdf())


def write_pdf(html: str, path: str | os.PathLike[str]) -> Path:
    """Write the PDF of ``html`` to ``path`` atomically: all of it, or nothing.

    The engine is checked first, so a missing engine leaves no file (and any previous
    ``path`` as it was).
    """
    pdf_engine()
    data = pdf_bytes(html)
    path = Path(path)
    with atomic_write(path) as tmp:
        tmp.write_bytes(data)
    log.info("report: %s: %d bytes", path.name, len(data))
    return path


__all__ = ["INSTALL_HINT", "pdf_available", "pdf_bytes", "pdf_engine", "write_pdf"]
