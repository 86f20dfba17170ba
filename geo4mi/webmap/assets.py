"""Offline assets: render a folium map as ONE self-contained, deterministic HTML file.

folium writes ``<script src>`` / ``<link href>`` tags pointing at CDNs (Leaflet, jQuery,
Bootstrap, Font Awesome, awesome-markers). On a locked-down government network those never
load and the page dies with "L is not defined". :func:`render_offline_html` renders the map,
then

* inlines Leaflet's JS and CSS from the installed ``xstatic-leaflet`` package (its images
  become ``data:`` URIs, so the layer control and default markers work offline);
* drops folium's other defaults (jQuery, Bootstrap, Font Awesome, awesome-markers), which the
  maps do not use;
* refuses any other external resource, naming it, instead of writing a map that breaks
  offline;
* replaces folium's random element ids (``map_<32 hex>``) by stable ones, sets
  ``<html lang>`` and ``<title>``, and allows pinch-zoom (folium's viewport forbids it).

Nothing third-party is copied into the repository: Leaflet is read from the installed package
when a map is written.

Examples
--------
>>> import folium
>>> html = render_offline_html(folium.Map(tiles=None), lang="en", title="Demo")
>>> "<script src=" in html, html.count('<html lang="en">'), "map_1" in html
(False, 1, True)
"""

from __future__ import annotations

import base64
import functools
import html as html_lib
import logging
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import folium

from geo4mi.errors import WebMapError
from geo4mi.i18n import check_language
from geo4mi.io import atomic_write

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")

_INSTALL = "pip install 'xstatic-leaflet>=1.9.3'"

# folium's default resources the geo4mi maps never use: removed from the page.
_DROPPED = re.compile(
    r"jquery|bootstrap|font-?awesome|fortawesome|awesome-markers|awesome\.rotate|glyphicons",
    re.IGNORECASE)
_LEAFLET_JS = re.compile(r"/leaflet(@[\w.\-]+)?/dist/leaflet(-src)?\.js$|^leaflet\.js$")
_LEAFLET_CSS = re.compile(r"/leaflet(@[\w.\-]+)?/dist/leaflet\.css$|^leaflet\.css$")
_SCRIPT_SRC = re.compile(r'[ \t]*<script\s+src="([^"]+)"\s*>\s*</script>[ \t]*\n?', re.IGNORECASE)
_LINK_HREF = re.compile(r'[ \t]*<link\s+rel="stylesheet"\s+href="([^"]+)"\s*/?>[ \t]*\n?',
                        re.IGNORECASE)
_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-zA-Z])")
_VIEWPORT = re.compile(r'<meta\s+name="viewport"[^>]*>', re.IGNORECASE | re.DOTALL)
_ICONS = {"iconUrl": "marker-icon.png", "iconRetinaUrl": "marker-icon-2x.png",
          "shadowUrl": "marker-shadow.png"}


def _leaflet_dir() -> Path:
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ImportError(f"offline maps need Leaflet from xstatic-leaflet; install it with "
                          f"{_INSTALL}") from exc
    return Path(xleaflet.BASE_DIR)


def leaflet_version() -> str:
    """Version of the installed Leaflet that maps inline.

    Examples
    --------
    >>> leaflet_version().split(".")[0]
    '1'
    """
    import xstatic.pkg.leaflet as xleaflet

    return str(xleaflet.VERSION)


@functools.lru_cache(maxsize=1)
def leaflet_js() -> str:
    """Leaflet's minified JavaScript, read from the installed ``xstatic-leaflet`` package.

    Raises
    ------
    ImportError
        When ``xstatic-leaflet`` is not installed (the message gives the pip command).

    Examples
    --------
    >>> "L.map" in leaflet_js() or "window.L" in leaflet_js()
    True
    """
    js = (_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    # A source-map comment would make developer tools fetch a file that is not there.
    js = re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", js)
    return _script_safe(js)


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


@functools.lru_cache(maxsize=1)
def leaflet_css() -> str:
    """Leaflet's CSS with its images (layer control, markers) inlined as ``data:`` URIs.

    Examples
    --------
    >>> css = leaflet_css()
    >>> ".leaflet-container" in css, "url(images/" in css
    (True, False)
    """
    folder = _leaflet_dir()
    css = (folder / "leaflet.css").read_text(encoding="utf-8")
    css = _minify_css(css)
    css = re.sub(r"url\(images/([\w\-]+\.png)\)",
                 lambda m: f'url("{_data_uri(folder / "images" / m.group(1))}")', css)
    return _style_safe(css)


def _minify_css(css: str) -> str:
    """Drop comments and layout whitespace (Leaflet's CSS has no strings where it matters)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    css = re.sub(r"\s+", " ", css)
    css = re.sub(r"\s*([{};,>])\s*", r"\1", css)
    return css.strip() + "\n"


def _marker_icons_js() -> str:
    """Point Leaflet's default marker at inlined images (it would look for files)."""
    folder = _leaflet_dir() / "images"
    opts = ", ".join(f'{k}: "{_data_uri(folder / f)}"' for k, f in _ICONS.items())
    return f"L.Icon.Default.imagePath = \"\";\nL.Icon.Default.mergeOptions({{{opts}}});"


def inline_static(name: str) -> str:
    """Text of one of the project's own files in ``geo4mi/webmap/static``, safe to inline.

    Parameters
    ----------
    name : str
        File name such as ``"choropleth.js"``.

    Examples
    --------
    >>> "geo4miChoropleth" in inline_static("choropleth.js")
    True
    >>> inline_static("nope.js")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo4mi.errors.WebMapError: nope.js: no such file in geo4mi/webmap/static; use one of ...
    """
    path = STATIC / name
    if Path(name).name != name or not path.is_file():
        known = ", ".join(sorted(p.name for p in STATIC.iterdir() if p.is_file()))
        raise WebMapError(f"{name}: no such file in geo4mi/webmap/static; use one of {known}")
    text = path.read_text(encoding="utf-8")
    return _style_safe(text) if name.endswith(".css") else _script_safe(text)


def _script_safe(js: str) -> str:
    """Text that cannot end an inline ``<script>`` early."""
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)


def _style_safe(css: str) -> str:
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)


def _stable_ids(text: str) -> str:
    """Replace folium's random 32-hex element ids by 1, 2, ... in order of appearance."""
    order: dict[str, str] = {}

    def repl(match: re.Match[str]) -> str:
        return order.setdefault(match.group(0), str(len(order) + 1))

    return _FOLIUM_ID.sub(repl, text)


def render_offline_html(m: folium.Map, *, extra_css: Iterable[str] = (),
                        extra_js: Iterable[str] = (), lang: str | None = None,
                        title: str | None = None) -> str:
    """Render a folium map as one self-contained, deterministic HTML document.

    Parameters
    ----------
    m : folium.Map
        The map; it is rendered, not modified.
    extra_css, extra_js : iterable of str
        Style sheets / scripts (their text, not URLs) inlined in ``<head>`` after Leaflet,
        so code in the map's own script can call them.
    lang : {"es", "en"}, optional
        Value of ``<html lang>``; default: the map's ``geo4mi_lang`` attribute (set by the
        geo4mi map builders), else "es".
    title : str, optional
        Page title (``<title>``); default: the map's ``geo4mi_title`` attribute, the folium
        figure's ``title``, else "geo4mi".

    Returns
    -------
    str
        The page. It loads nothing from the network unless the map has a tile layer.

    Raises
    ------
    WebMapError
        When a layer needs a script or style sheet that geo4mi cannot inline (a folium plugin
        loading code from a CDN, or awesome-markers icons).

    Examples
    --------
    >>> import folium
    >>> m = folium.Map(location=[19.4, -99.1], zoom_start=10, tiles=None)
    >>> a, b = render_offline_html(m), render_offline_html(folium.Map([19.4, -99.1], tiles=None,
    ...                                                               zoom_start=10))
    >>> a == b, "cdn." in a, "<title>geo4mi</title>" in a
    (True, False, True)
    """
    lang = check_language(lang or getattr(m, "geo4mi_lang", None) or "es")
    figure = m.get_root()
    title = title or getattr(m, "geo4mi_title", None) or getattr(figure, "title", None) or "geo4mi"
    text = figure.render()
    # folium writes the figure's own <title> after <html><head>; ours replaces it.
    text = re.sub(r"(<head>\s*)<title>.*?</title>", r"\1", text, count=1, flags=re.DOTALL)
    unknown: list[str] = []
    state = {"js": False, "css": False}

    def inliner(leaflet: re.Pattern[str], kind: str, first: Callable[[], str],
                extras: list[str]) -> Callable[[re.Match[str]], str]:
        """Replace folium's first Leaflet <script>/<link> by inline blocks, drop the rest."""
        tag = "script" if kind == "js" else "style"

        def replace(match: re.Match[str]) -> str:
            url = match.group(1)
            if leaflet.search(url):
                if state[kind]:
                    return ""
                state[kind] = True
                blocks = [f"<{tag}>{body}</{tag}>" for body in (first(), *extras)]
                return "    " + "\n    ".join(blocks) + "\n"
            if not _DROPPED.search(url):
                unknown.append(url)
            return ""

        return replace

    script = inliner(_LEAFLET_JS, "js", leaflet_js, [_script_safe(js) for js in extra_js])
    link = inliner(_LEAFLET_CSS, "css", leaflet_css, [_style_safe(css) for css in extra_css])

    text = _SCRIPT_SRC.sub(script, text)
    text = _LINK_HREF.sub(link, text)
    if unknown:
        raise WebMapError(
            f"the map needs {', '.join(map(repr, unknown))} from the network, which an offline "
            "map cannot load; remove the layer or plugin that adds it")
    if "L.AwesomeMarkers" in text:
        raise WebMapError("the map uses folium.Icon (awesome-markers), which needs fonts from "
                          "the network; use folium.Marker without icon=, or folium.CircleMarker")
    if not (state["js"] and state["css"]):  # pragma: no cover - folium always links Leaflet
        raise WebMapError("the rendered map does not load Leaflet; is this a folium.Map?")
    if "L.marker(" in text:
        text = text.replace("<script>" + leaflet_js() + "</script>",
                            f"<script>{leaflet_js()}\n{_marker_icons_js()}</script>", 1)
    text = _stable_ids(text)
    text = _VIEWPORT.sub('<meta name="viewport" content="width=device-width, initial-scale=1.0">',
                         text, count=1)
    head = (f'<html lang="{lang}">\n<head>\n    <meta charset="utf-8">\n'
            f"    <title>{html_lib.escape(title)}</title>")
    text, count = re.subn(r"<html>\s*<head>", lambda _: head, text, count=1)
    if not count:  # pragma: no cover - folium's Figure template
        raise WebMapError("unexpected folium page layout (no <html><head>); update geo4mi")
    text = re.sub(r'[ \t]*<meta http-equiv="content-type"[^>]*>\n', "", text, count=1,
                  flags=re.IGNORECASE)
    text = re.sub(r"[ \t]+\n", "\n", text)  # trailing spaces from folium's templates
    return text


def write_html(html: str, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Write an HTML page atomically (UTF-8, ``\\n`` line ends); return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = write_html("<p>hola</p>", pathlib.Path(tempfile.mkdtemp()) / "x.html")
    >>> out.read_text(encoding="utf-8")
    '<p>hola</p>'
    """
    path = Path(path)
    with atomic_write(path, overwrite=overwrite) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(html)
    log.info("wrote %s (%d KB)", path, len(html.encode("utf-8")) // 1024)
    return path
