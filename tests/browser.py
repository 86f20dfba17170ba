"""Shared helper for browser tests: Debian's headless Chromium, offline, with a report.

Usage in a test module::

    from browser import offline_page

    @pytest.mark.browser
    def test_draws(tmp_path):
        with offline_page(path) as (page, report):
            page.wait_for_selector(".leaflet-interactive")
            ...
        assert report.errors == [] and report.external == []

The network is blocked with ``page.route("**/*")``: only ``file:``, ``data:`` and ``blob:``
URLs load; every other request is aborted and recorded in ``report.external``. Page errors
(uncaught exceptions) and console errors are recorded in ``report.page_errors`` and
``report.console_errors`` (``report.errors`` has both; a blocked request also logs a console
error "Failed to load resource"). One browser is
shared by the whole test session (launching Chromium costs ~1 s on this machine).

Tests are skipped (not failed) only when Chromium or playwright is missing, with the reason;
``make test`` installs Chromium when it can.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
LOCAL_SCHEMES = ("file:", "data:", "blob:")

_state: dict[str, object] = {}


@dataclass
class Report:
    """What happened while a page was open."""

    page_errors: list[str] = field(default_factory=list)     # uncaught exceptions
    console_errors: list[str] = field(default_factory=list)  # console.error messages
    requests: list[str] = field(default_factory=list)   # every URL the page asked for
    external: list[str] = field(default_factory=list)   # requests that would leave file://

    @property
    def errors(self) -> list[str]:
        """Page errors and console errors together."""
        return self.page_errors + self.console_errors

    def assert_clean(self) -> None:
        """Fail with the details when there was an error or an external request."""
        assert self.errors == [], f"page errors: {self.errors}"
        assert self.external == [], f"requests leaving file://: {self.external}"


def chromium_path() -> str | None:
    """Path of Debian's chromium, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def browser():
    """The session's headless Chromium (launched on first use); skips when unavailable."""
    if "browser" not in _state:
        exe = chromium_path()
        if exe is None:
            pytest.skip("Debian's chromium is not installed (make test installs it)")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            pytest.skip("playwright is not installed: pip install -e '.[test]'")
        pw = sync_playwright().start()
        _state["pw"] = pw
        _state["browser"] = pw.chromium.launch(executable_path=exe, args=ARGS, headless=True)
        atexit.register(_close)
    return _state["browser"]


def _close() -> None:
    with contextlib.suppress(Exception):
        _state.pop("browser").close()  # type: ignore[union-attr]
    with contextlib.suppress(Exception):
        _state.pop("pw").stop()  # type: ignore[union-attr]


def block_network(page, report: Report) -> None:
    """Abort every request that is not file:/data:/blob:, recording it."""

    def route(r) -> None:
        url = r.request.url
        if url.startswith(LOCAL_SCHEMES):
            r.continue_()
        else:
            report.external.append(url)
            r.abort()

    page.route("**/*", route)


@contextlib.contextmanager
def offline_page(path: str | Path | None = None, *, width: int = 1200, height: int = 800,
                 wait: str = "load", touch: bool = False) -> Iterator[tuple[object, Report]]:
    """Open ``path`` (an HTML file) in a fresh offline page; yield ``(page, report)``.

    With ``path=None`` the page is blank, so the caller can register handlers (e.g. timing
    scripts) and navigate itself. ``touch=True`` emulates a phone's touch screen
    (``page.touchscreen.tap``).
    """
    report = Report()
    context = browser().new_context(viewport={"width": width, "height": height},
                                    accept_downloads=True, has_touch=touch, is_mobile=touch)
    page = context.new_page()
    page.on("pageerror", lambda exc: report.page_errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: report.console_errors.append(f"console.error: {msg.text}")
            if msg.type == "error" else None)
    page.on("request", lambda req: report.requests.append(req.url))
    block_network(page, report)
    try:
        if path is not None:
            page.goto(Path(path).resolve().as_uri(), wait_until=wait)
        yield page, report
    finally:
        context.close()


def layout_counter(page) -> Callable[[], float]:
    """A function that returns how many times the browser has laid ``page`` out so far
    (the DevTools protocol's ``LayoutCount``): tests count layouts, never time them."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")

    def layouts() -> float:
        metrics = cdp.send("Performance.getMetrics")["metrics"]
        return next(m["value"] for m in metrics if m["name"] == "LayoutCount")

    return layouts
