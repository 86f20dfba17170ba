"""One rendering path for offline maps, in which text from outside can never become code.

Names and labels reach the maps from people outside the project (boundary files, XLSForms,
catalogues, workshop GeoJSON). folium/branca render every element's output as a Jinja2
template a *second* time (``MacroElement`` wraps it in ``Element(...)``), and folium writes
tooltips into JavaScript strings. So in geo4mi:

* **folium never receives user text.** It draws the map shell (:class:`OfflineMap`, a
  ``folium.Map`` subclass); every layer, tooltip, popup and legend that shows user text is
  built by the project's own JS (``static/*.js``) from data, with DOM nodes and
  ``textContent``.
* **All user text travels in one JSON block per page**, written by :func:`script_json`,
  which escapes ``<``, ``>`` and ``&`` as ``\\u003c``, ``\\u003e``, ``\\u0026`` and the
  line separators U+2028/U+2029, so no text can end, comment out or re-open a ``<script>``.
* **Page HTML comes from autoescaped templates** (``templates/*.html``, one Jinja2
  ``Environment(autoescape=True)``, :func:`render_fragment`): the document itself
  (:class:`OfflineFigure`: ``<html lang>``, ``<title>``), headers, notes and legends. Their
  output is added to the page with :class:`Verbatim`, an element that branca never parses
  as a template.
* Leaflet's JS and CSS are inlined from the installed ``xstatic-leaflet`` package (its
  images as ``data:`` URIs); :class:`OfflineMap` has no CDN resources (``default_js = []``,
  ``default_css = []``), and a plugin that needs one is refused with its URL.
* Element ids are numbered in tree order when the page is rendered, so the same map gives
  the same bytes.

Nothing third-party is copied into the repository: Leaflet is read from the installed package
when a map is written. The only regular expressions left edit Leaflet's own files (drop its
source-map comment, minify its CSS, inline its images) and the project's inlined code (so it
cannot close its ``<script>``); none runs over a rendered page.

Examples
--------
>>> m = OfflineMap(lang="en", title="Demo <1>")
>>> html = render_offline_html(m)
>>> "<script src=" in html, '<html lang="en">' in html, 'id="map_1"' in html
(False, True, True)
>>> "<title>Demo &lt;1&gt;</title>" in html
True
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import folium
from branca.element import CssLink, Element, Figure, JavascriptLink
from jinja2 import Environment, PackageLoader, StrictUndefined

from geo4mi.errors import WebMapError
from geo4mi.i18n import check_language
from geo4mi.io import atomic_write

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")

_INSTALL = "pip install 'xstatic-leaflet>=1.9.3'"

#: The one template environment of the maps: every value is HTML-escaped unless the
#: template marks it ``|safe`` (done only for markup geo4mi itself produced).
ENV = Environment(loader=PackageLoader("geo4mi.webmap", "templates"), autoescape=True,
                  undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                  keep_trailing_newline=True)

ENV.filters["script_json"] = lambda obj: script_json(obj)  # data.html: the page's data

_LEAFLET_URL = re.compile(r"/leaflet(@[\w.\-]+)?/dist/leaflet(-src)?\.(js|css)$")
_ICONS = {"iconUrl": "marker-icon.png", "iconRetinaUrl": "marker-icon-2x.png",
          "shadowUrl": "marker-shadow.png"}
# In the project's own code and Leaflet's: sequences that would end or re-open the <script>
# (or <style>) they are inlined in. Written \x3C instead (same character in JS strings and
# regular expressions; inert in comments).
_SCRIPT_BREAKS = re.compile(r"<(?=/script|!--|script)", re.IGNORECASE)
_STYLE_BREAKS = re.compile(r"<(?=/style)", re.IGNORECASE)
_SEPARATORS = {"\u2028": "\\u2028", "\u2029": "\\u2029"}


# -- text as data -----------------------------------------------------------------------------

def script_json(obj: Any) -> str:
    """JSON that stays data inside an inline ``<script>``: the only serialiser of page data.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026`` (so no text can
    close the element, open a comment or start a character reference), and U+2028/U+2029
    are escaped. The result parses back to ``obj`` with ``JSON.parse`` or :func:`json.loads`.

    Examples
    --------
    >>> script_json({"name": "</script><!--&\\u2028"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003c!--\\\\u0026\\\\u2028"}'
    >>> json.loads(script_json(["a<b"])) == ["a<b"]
    True
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    for raw, escaped in _SEPARATORS.items():
        text = text.replace(raw, escaped)
    return text


def render_fragment(name: str, /, **context: Any) -> str:
    """Render one of the page templates in ``geo4mi/webmap/templates`` (autoescaped).

    Examples
    --------
    >>> render_fragment("data.html", element_id="x", data={"a": "<b>"})
    '<script type="application/json" id="x">{"a":"\\\\u003cb\\\\u003e"}</script>\\n'
    """
    return ENV.get_template(name).render(**context)


class Verbatim(Element):
    """Page text added as it is: branca never parses it as a Jinja2 template.

    Parameters
    ----------
    text : str
        HTML produced by geo4mi (an autoescaped template, a data block, inlined code).
    part : {"header", "html", "script"}, optional
        When the element is a child of a map, where its text goes in the page when the map
        is rendered (the way folium's ``MacroElement`` works, without the second template
        pass). Without ``part``, the element renders where it is placed.
    key : str, optional
        With ``part``: the name of the text in that part, so that several elements adding
        the same shared code (:func:`common_script`) put it in the page once.

    Examples
    --------
    >>> Verbatim("{{ 7 * 7 }} {% if %}").render()
    '{{ 7 * 7 }} {% if %}'
    """

    def __init__(self, text: str, *, part: str | None = None, key: str | None = None) -> None:
        super().__init__()
        if part not in (None, "header", "html", "script"):
            raise WebMapError(f"Verbatim: part {part!r} is not header, html or script")
        self._name = "Verbatim"
        self.text = str(text)
        self.part = part
        self.key = key

    def render(self, **kwargs: Any) -> str:
        if self.part is None:
            return self.text
        figure = self.get_root()
        # a shared part (key) goes in once, where the first element that needs it put it
        getattr(figure, self.part).add_child(Verbatim(self.text),
                                             name=self.key or self.get_name())
        return ""

    @classmethod
    def script(cls, js: str, *, part: str | None = None, key: str | None = None) -> Verbatim:
        """Inline code (geo4mi's or Leaflet's, never data) as a ``<script>`` element."""
        return cls(f"<script>{_script_safe(js)}</script>\n", part=part, key=key)

    @classmethod
    def style(cls, css: str, *, part: str | None = None) -> Verbatim:
        """An inline style sheet as a ``<style>`` element."""
        return cls(f"<style>{_style_safe(css)}</style>\n", part=part)


def data_block(element_id: str, data: Any, *, part: str | None = "html") -> Verbatim:
    """The page's data as ``<script type="application/json" id=...>`` (:func:`script_json`).

    The project's JS reads it with ``JSON.parse(document.getElementById(id).textContent)``.
    """
    return Verbatim(render_fragment("data.html", element_id=element_id, data=data), part=part)


# -- Leaflet and the project's own files --------------------------------------------------------

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


def common_script() -> Verbatim:
    """``static/common.js`` (the helpers the maps' scripts share, ``window.geo4miCommon``) for
    the page's header: once per page, before the first script that needs it.

    It also starts the page's one namespace, ``window.geo4mi``, to which each map script
    (inlined after it with :meth:`Verbatim.script` and :func:`inline_static`) adds its
    modules: ``geo4mi.common``, ``geo4mi.choropleth.*``, ``geo4mi.sites.*``,
    ``geo4mi.orientation``.

    Every element that inlines one of the maps' scripts adds it as its first child.

    Examples
    --------
    >>> m = OfflineMap(title="x")
    >>> _ = m.add_child(common_script()); _ = m.add_child(common_script())
    >>> render_offline_html(m).count("var geo4miCommon =")
    1
    """
    return Verbatim.script(inline_static("common.js"), part="header", key="geo4mi_common_js")


def _script_safe(js: str) -> str:
    """Code that cannot end its inline ``<script>`` early nor open a comment in it."""
    return _SCRIPT_BREAKS.sub(r"\\x3C", js)


def _style_safe(css: str) -> str:
    return _STYLE_BREAKS.sub(r"\\3C ", css)


# -- the page and the map ---------------------------------------------------------------------

_PARTS = ("header", "html", "script")


def _descendants(element: Element) -> Iterator[Element]:
    for child in element._children.values():
        yield child
        yield from _descendants(child)


class OfflineFigure(Figure):
    """The HTML document of an offline map, from the autoescaped ``templates/page.html``.

    It sets ``<html lang>`` and ``<title>`` (escaped), inlines Leaflet, numbers element ids
    in tree order (stable bytes) and refuses any resource that would come from the network.
    """

    _template = ENV.get_template("page.html")

    def __init__(self, *, lang: str = "es", title: str = "geo4mi") -> None:
        super().__init__()
        self._name = "OfflineFigure"
        self.lang = check_language(lang)
        self.title = str(title)
        self.header._children.pop("meta_http", None)  # page.html says utf-8 itself
        self._numbered = 0
        self._rendered: dict[str, set[str]] = {}

    def _number_ids(self) -> None:
        """Give elements ids 1, 2, ... in tree order (kept across renders)."""
        for element in _descendants(self):
            if getattr(element, "_geo4mi_numbered", False):
                continue
            old = element._id
            self._numbered += 1
            element._id = str(self._numbered)
            element._geo4mi_numbered = True  # type: ignore[attr-defined]  # our own mark on folium's elements
            layer_name = getattr(element, "layer_name", None)  # an unnamed layer's: its id
            if isinstance(layer_name, str) and layer_name.endswith("_" + old):
                element.layer_name = element.get_name()  # type: ignore[attr-defined]  # checked just above

    def render(self, **kwargs: Any) -> str:
        # Rendering adds the elements' parts to header/html/script; drop those of a previous
        # render first, so rendering twice gives the same page (folium would repeat some).
        for part, keys in self._rendered.items():
            for key in keys:
                getattr(self, part)._children.pop(key, None)
        before = {part: set(getattr(self, part)._children) for part in _PARTS}
        try:
            return self._render(**kwargs)
        finally:
            self._rendered = {part: set(getattr(self, part)._children) - before[part]
                              for part in _PARTS}

    def _render(self, **kwargs: Any) -> str:
        self._number_ids()
        header = self.header
        header.add_child(Verbatim.style(leaflet_css()), name="leaflet_css", index=0)
        header.add_child(Verbatim.script(leaflet_js()), name="leaflet_js", index=1)
        for child in self._children.values():
            child.render(**kwargs)
        unknown = []
        for name, child in list(header._children.items()):
            if isinstance(child, (JavascriptLink, CssLink)):
                if _LEAFLET_URL.search(child.url):
                    del header._children[name]  # a plugin asking for Leaflet: it is inlined
                else:
                    unknown.append(child.url)
        if unknown:
            raise WebMapError(
                f"the map needs {', '.join(map(repr, unknown))} from the network, which an "
                "offline map cannot load; remove the layer or plugin that adds it")
        elements = list(_descendants(self))
        if any(isinstance(e, folium.Icon) for e in elements):
            raise WebMapError("the map uses folium.Icon (awesome-markers), which needs fonts "
                              "from the network; use folium.Marker without icon=, or "
                              "folium.CircleMarker")
        if any(isinstance(e, folium.Marker) for e in elements):
            header.add_child(Verbatim.script(_marker_icons_js()), name="leaflet_icons",
                             index=2)
        return self._template.render(this=self, kwargs=kwargs)


class OfflineMap(folium.Map):
    """A ``folium.Map`` that renders as one self-contained, deterministic HTML page.

    No CDN resources (``default_js = []``, ``default_css = []``): Leaflet is inlined by its
    :class:`OfflineFigure`. The map's own ``<head>`` part comes from
    ``templates/map_head.html`` (folium's forbids pinch-zoom). Add layers as to any folium
    map, but never give folium text from outside: put it in a :func:`data_block` and draw it
    with the project's JS.

    Parameters
    ----------
    location : sequence of float, optional
        ``[lat, lon]`` of the centre.
    lang : {"es", "en"}, default "es"
        ``<html lang>``.
    title : str, default "geo4mi"
        ``<title>`` (escaped).
    tiles : str, optional
        A folium tile layer; none by default, so the map requests nothing.
    **options
        Other ``folium.Map`` options.

    Examples
    --------
    >>> m = OfflineMap([19.4, -99.1], zoom_start=10, title="x")
    >>> isinstance(m, folium.Map), m.get_root().lang
    (True, 'es')
    """

    # No CDN links. Not ClassVar: folium's Map declares both as instance attributes.
    default_js: list[tuple[str, str]] = []  # noqa: RUF012
    default_css: list[tuple[str, str]] = []  # noqa: RUF012

    def __init__(self, location: Any = None, *, lang: str = "es", title: str = "geo4mi",
                 tiles: Any = None, **options: Any) -> None:
        super().__init__(location, tiles=tiles, **options)
        OfflineFigure(lang=lang, title=title).add_child(self)

    # folium's Map.render returns None; branca annotates Element.render as returning str
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # see the line above
        super().render(**kwargs)
        figure = cast(Figure, self.get_root())  # __init__ put the map in an OfflineFigure
        # replaces folium's header part (same name, same place): sizes, no viewport lock
        figure.header.add_child(Verbatim(render_fragment("map_head.html", map=self)),
                                name=self.get_name())


def render_offline_html(m: OfflineMap) -> str:
    """Render an :class:`OfflineMap` as one self-contained, deterministic HTML document.

    Parameters
    ----------
    m : OfflineMap
        The map (:func:`geo4mi.webmap.choropleth.choropleth_map`,
        :func:`geo4mi.webmap.sites.sites_map`, or your own).

    Returns
    -------
    str
        The page. It loads nothing from the network unless the map has a tile layer.

    Raises
    ------
    WebMapError
        When ``m`` is not an :class:`OfflineMap`, or a layer needs a script or style sheet
        that geo4mi cannot inline (a folium plugin loading code from a CDN, or
        awesome-markers icons).

    Examples
    --------
    >>> a = render_offline_html(OfflineMap([19.4, -99.1], zoom_start=10))
    >>> a == render_offline_html(OfflineMap([19.4, -99.1], zoom_start=10)), "cdn." in a
    (True, False)
    >>> render_offline_html(folium.Map())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo4mi.errors.WebMapError: render_offline_html needs a geo4mi.webmap.assets.OfflineMap ...
    """
    if not isinstance(m, OfflineMap) or not isinstance(m.get_root(), OfflineFigure):
        raise WebMapError(f"render_offline_html needs a geo4mi.webmap.assets.OfflineMap (a "
                          f"folium.Map subclass), not {type(m).__name__}; build the map with "
                          "OfflineMap(...) instead of folium.Map(...)")
    return m.get_root().render()


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
    with atomic_write(path, overwrite=overwrite) as tmp, \
            open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(html)
    log.info("wrote %s (%d KB)", path, len(html.encode("utf-8")) // 1024)
    return path
