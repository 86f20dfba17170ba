"""Map drawing for the static figures: borough patches, labels, scale bar, north arrow.

Everything is drawn with matplotlib primitives in a projected CRS in metres (EPSG:6372 for
the bundled INEGI boundaries), so a kilometre on the scale bar is a kilometre on the map.
Borough labels are placed greedily without collisions: at the pole of inaccessibility of
the borough when the label fits there, otherwise at the cheapest free spot nearby (in the
borough, or in empty space with a leader line back to the borough).
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Polygon, Rectangle
from matplotlib.path import Path
from pyproj import CRS, Transformer

from geo4mi.boundaries import metric_crs, to_crs_checked
from geo4mi.classify import EDGE_COLOR, NO_DATA_COLOR, SUPPRESSED_COLOR, SUPPRESSED_HATCH_COLOR
from geo4mi.classify import WIDE_OUTLINE as WIDE_OUTLINE_WEB
from geo4mi.errors import CRSError
from geo4mi.figures.common import (
    MAX_NAME,
    SIZE_SMALL,
    TEXT_COLOR,
    FigureError,
    clean_text,
    fmt_number,
)

log = logging.getLogger(__name__)

HATCH = "//////"
#: Above this many areas a map draws each hatch once for all its areas, and a small
#: multiples panel draws its areas as one collection (:func:`draw_areas`).
MANY_AREAS = 100
LABEL_PAD = 0.18  # label box padding, in font sizes
LABEL_BOX = {"boxstyle": f"round,pad={LABEL_PAD}", "facecolor": "white", "edgecolor": "none",
             "alpha": 0.78}
LEADER_COLOR = "#333333"
# matplotlib >= 3.10 colours hatches separately from edges; older versions use the edge colour
HATCH_COLOR: dict[str, Any] = ({"hatchcolor": SUPPRESSED_HATCH_COLOR}
               if hasattr(Patch, "set_hatchcolor") else {})


@dataclass
class MapBase:
    """Areas ready to draw: projected, simplified, one path and one label anchor each."""

    crs: CRS
    ids: list[str]
    names: list[str]
    geoms: list[shapely.Geometry]
    paths: list[Path]
    anchors: list[tuple[float, float]]
    bounds: tuple[float, float, float, float]
    north: tuple[float, float]  # unit vector of true north in map coordinates
    _placements: dict[tuple, list[tuple[float, float, bool]]] = field(default_factory=dict,
                                                                      repr=False)
    _emptiest: dict[tuple[bytes, ...], int] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    @functools.cached_property
    def union(self) -> shapely.Geometry:
        """All areas as one geometry (the city outline)."""
        return shapely.union_all([shapely.buffer(g, 0) for g in self.geoms])

    @functools.cached_property
    def outline(self) -> Path:
        """The city outline as a path, made once for every map of these areas."""
        return geometry_path(self.union)


def prepare_areas(areas: gpd.GeoDataFrame) -> MapBase:
    """Project ``areas`` to metres and build the paths, anchors and north direction.

    Area names are cleaned for drawing (:func:`~geo4mi.figures.common.clean_text`).

    Raises
    ------
    FigureError
        ``areas`` lacks ``area_id`` / ``area_name`` or has no polygons.
    CRSError
        ``areas`` has no CRS.
    """
    for col in ("area_id", "area_name"):
        if col not in areas.columns:
            raise FigureError(f"areas: column {col!r} is missing; load the boundaries with "
                              "geo4mi.boundaries.load_areas")
    if len(areas) == 0:
        raise FigureError("areas: the boundary layer is empty; check the boundaries file")
    if areas.crs is None:
        raise CRSError("figures: the areas have no CRS, so distances and the scale bar "
                       "cannot be drawn; set one with .set_crs(...) first")
    crs = metric_crs(areas)
    gdf = to_crs_checked(areas, crs, step="figures").sort_values("area_id", kind="stable")
    xmin, ymin, xmax, ymax = (float(v) for v in gdf.total_bounds)
    tol = max(xmax - xmin, ymax - ymin) / 5000  # ~0.1 pt on a printed page
    geoms = [shapely.simplify(g, tol, preserve_topology=True) for g in gdf.geometry]
    anchors = [_anchor(g) for g in geoms]
    centre = ((xmin + xmax) / 2, (ymin + ymax) / 2)
    return MapBase(crs=crs, ids=gdf["area_id"].astype(str).tolist(),
                   names=[clean_text(n, MAX_NAME) for n in gdf["area_name"].astype(str)],
                   geoms=geoms,
                   paths=[geometry_path(g) for g in geoms], anchors=anchors,
                   bounds=(xmin, ymin, xmax, ymax), north=_north(crs, centre))


def geometry_path(geom: shapely.Geometry) -> Path:
    """One compound matplotlib path for a (multi)polygon, holes included.

    Examples
    --------
    >>> sq = shapely.box(0, 0, 2, 2).difference(shapely.box(0.5, 0.5, 1.5, 1.5))
    >>> path = geometry_path(sq)
    >>> int((path.codes == Path.MOVETO).sum()), len(path.vertices)  # exterior and hole
    (2, 10)
    """
    verts, codes = [], []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        poly = shapely.geometry.polygon.orient(poly, 1.0)
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            c = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
            c[0], c[-1] = Path.MOVETO, Path.CLOSEPOLY
            verts.append(xy)
            codes.append(c)
    if not verts:
        return Path(np.empty((0, 2)))
    return Path(np.concatenate(verts), np.concatenate(codes))


def _anchor(geom: shapely.Geometry) -> tuple[float, float]:
    """Pole of inaccessibility of the largest part: the best place for a label."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    if not parts:
        return (math.nan, math.nan)
    big = max(parts, key=lambda p: p.area)
    pt = shapely.ops.polylabel(big, tolerance=max(math.sqrt(big.area) / 200, 1e-9))
    return (float(pt.x), float(pt.y))


def _north(crs: CRS, centre: tuple[float, float]) -> tuple[float, float]:
    """Direction of true north at ``centre`` in map coordinates (grid convergence)."""
    try:
        fwd = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        back = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        lon, lat = fwd.transform(*centre)
        x2, y2 = back.transform(lon, min(lat + 0.05, 89.9))
        dx, dy = x2 - centre[0], y2 - centre[1]
        norm = math.hypot(dx, dy)
        if not norm or not math.isfinite(norm):
            raise ValueError("degenerate")
        return (dx / norm, dy / norm)
    except Exception:  # pragma: no cover - unusual CRS: fall back to grid north
        log.debug("figures: cannot compute true north in %s; using grid north", crs)
        return (0.0, 1.0)


# -- map axes -----------------------------------------------------------------------------

def extent(base: MapBase, aspect: float, pad: float = 0.03) -> tuple[float, float, float, float]:
    """Map limits around the areas with width/height ratio ``aspect`` (padding added)."""
    xmin, ymin, xmax, ymax = base.bounds
    w, h = (xmax - xmin) * (1 + 2 * pad), (ymax - ymin) * (1 + 2 * pad)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def map_axes(fig, rect: tuple[float, float, float, float], base: MapBase, *,
             pad: float = 0.03, gid: str = "map") -> Axes:
    """Axes at ``rect`` (figure fractions) showing ``base`` at equal scale, no frame."""
    w_in, h_in = fig.get_size_inches()
    aspect = (rect[2] * w_in) / (rect[3] * h_in)
    x0, y0, x1, y1 = extent(base, aspect, pad)
    ax = fig.add_axes(rect, gid=gid)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    return ax


def draw_areas(ax: Axes, base: MapBase, styles: Sequence[dict], *, linewidth: float = 0.5,
               prefix: str = "", collect: bool = False) -> list[PathPatch]:
    """One :class:`PathPatch` per area (``gid="<prefix>area-<id>"``) plus the city outline.

    ``prefix`` keeps the ids unique in a file of several maps (``"panel-<value>-"`` in the
    small multiples). Above :data:`MANY_AREAS` areas the hatches of "suppressed" and "no
    interviews" are drawn as one compound patch per hatch (``gid="<prefix>hatch-<k>"``)
    over the areas' fills instead of one per area: Agg renders a hatch tile for every patch
    that has one (about 1 ms at 300 dpi), so per area it was most of a map's drawing time.
    With ``collect`` (the small multiples' panels) the areas are then drawn as
    PathCollections (``gid="<prefix>areas"``; those with
    a wide interval ``"<prefix>wide-areas"`` and their dashes ``"<prefix>wide"``), same
    fills and edges, no id per area: matplotlib's cost per artist was most of what was
    left. Returns the areas drawn as patches.
    """
    patches = []
    many = len(base.ids) > MANY_AREAS
    hatched: dict[str, list[Path]] = {}
    plain: list[tuple[Path, Any]] = []  # collected (path, fill)
    wide: list[tuple[Path, Any, Any]] = []  # collected (path, fill, outline)
    for area_id, path, st in zip(base.ids, base.paths, styles, strict=True):
        outline = st.get("outline")
        hatch = st.get("hatch")
        if many and hatch:
            hatched.setdefault(hatch, []).append(path)
        if many and collect:
            if outline:
                wide.append((path, st["facecolor"], outline))
            else:
                plain.append((path, st["facecolor"]))
            continue
        patch = PathPatch(path, facecolor=st["facecolor"],
                          edgecolor="#000000" if outline else EDGE_COLOR,
                          linewidth=2 * outline[1] if outline else linewidth,
                          hatch=None if many else hatch, zorder=1.5 if outline else 1,
                          gid=f"{prefix}area-{area_id}", **HATCH_COLOR)
        ax.add_artist(patch)  # not add_patch: the limits are set, and its per-vertex
        patches.append(patch)  # data-limit update is most of the drawing time at 1,000s
        if outline:  # a wide interval: white dashes on a black edge, above the neighbours
            ax.add_artist(PathPatch(path, facecolor="none", edgecolor=outline[0],
                                   linewidth=outline[1], linestyle=(0, outline[2]),
                                   zorder=1.6, gid=f"{prefix}wide-{area_id}"))
    if plain:
        ax.add_collection(PathCollection([p for p, _ in plain], facecolors=[f for _, f in plain],
                                         edgecolors=EDGE_COLOR, linewidths=linewidth, zorder=1,
                                         gid=f"{prefix}areas"), autolim=False)
    if wide:  # as the patches above: a black edge, then white dashes over it
        paths, fills, outline = [w[0] for w in wide], [w[1] for w in wide], wide[0][2]
        ax.add_collection(PathCollection(paths, facecolors=fills, edgecolors="#000000",
                                         linewidths=2 * outline[1], zorder=1.5,
                                         gid=f"{prefix}wide-areas"), autolim=False)
        ax.add_collection(PathCollection(paths, facecolors="none", edgecolors=outline[0],
                                         linewidths=outline[1], linestyles=[(0, outline[2])],
                                         zorder=1.6, gid=f"{prefix}wide"), autolim=False)
    for k, (hatch, hpaths) in enumerate(sorted(hatched.items())):  # one hatch pass per kind
        ax.add_artist(PathPatch(Path.make_compound_path(*hpaths), facecolor="none",
                                edgecolor=SUPPRESSED_HATCH_COLOR, linewidth=0, hatch=hatch,
                                zorder=1.05, gid=f"{prefix}hatch-{k}", **HATCH_COLOR))
    ax.add_artist(PathPatch(base.outline, facecolor="none", edgecolor=EDGE_COLOR,  # limits set
                            linewidth=linewidth * 2, zorder=2, gid=f"{prefix}outline"))
    return patches


#: A wide interval's outline in figures (colour, width in points, dashes), as on the web map.
WIDE_OUTLINE = (WIDE_OUTLINE_WEB[0], 1.2, (3, 2))
NO_DATA_HATCH = ".."  # "no interviews": dots, as on the web map


def no_data_style() -> dict:
    return {"facecolor": to_rgba(NO_DATA_COLOR, 1.0), "hatch": NO_DATA_HATCH}


def wide_style(colour: str) -> dict:
    """A wide interval: the class colour, unchanged, and a dashed outline."""
    return {"facecolor": to_rgba(colour, 1.0), "outline": WIDE_OUTLINE, "wide": True}


def suppressed_style() -> dict:
    return {"facecolor": to_rgba(SUPPRESSED_COLOR, 1.0), "hatch": HATCH}


def legend_patch(style: dict) -> Patch:
    """A legend swatch drawn like the map patches it stands for."""
    outline = style.get("outline")
    if outline:  # white dashes on black, as on the map (handled by WideHandler)
        return WidePatch(facecolor=style["facecolor"], edgecolor="#000000",
                         linewidth=2 * outline[1])
    return Patch(facecolor=style["facecolor"], edgecolor=EDGE_COLOR, linewidth=0.5,
                 hatch=style.get("hatch"), **HATCH_COLOR)


class WidePatch(Patch):
    """The legend's wide-interval swatch; :class:`WideHandler` adds the white dashes."""


class WideHandler:
    """Legend handler drawing a black-edged box with white dashes over the edge."""

    def legend_artist(self, legend, orig_handle, fontsize, handlebox):
        from matplotlib.patches import Rectangle

        x0, y0 = handlebox.xdescent, handlebox.ydescent
        w, h = handlebox.width, handlebox.height
        box = Rectangle((x0, y0), w, h, facecolor=orig_handle.get_facecolor(),
                        edgecolor="#000000", linewidth=2 * WIDE_OUTLINE[1],
                        transform=handlebox.get_transform())
        dashes = Rectangle((x0, y0), w, h, facecolor="none", edgecolor=WIDE_OUTLINE[0],
                           linewidth=WIDE_OUTLINE[1], linestyle=(0, WIDE_OUTLINE[2]),
                           transform=handlebox.get_transform())
        handlebox.add_artist(box)
        handlebox.add_artist(dashes)
        return box


# -- scale bar and north arrow ------------------------------------------------------------

def nice_length(max_m: float) -> float:
    """Largest 1-2-5 × 10^k metres not above ``max_m``.

    Examples
    --------
    >>> nice_length(11_000), nice_length(4_900), nice_length(230)
    (10000.0, 2000.0, 200.0)
    """
    k = math.floor(math.log10(max_m))
    for m in (5, 2, 1):
        if m * 10 ** k <= max_m:
            return float(m * 10 ** k)
    return float(10 ** k)


def _emptiest(base: MapBase, boxes: Sequence[shapely.Geometry]) -> int:
    """Index of the box that overlaps the areas least (first on ties); kept on ``base``, as
    every map of a set asks about the same corners."""
    key = tuple(b.wkb for b in boxes)
    if key not in base._emptiest:
        base._emptiest[key] = int(np.argmin([round(b.intersection(base.union).area / b.area, 3)
                                             for b in boxes]))
    return base._emptiest[key]


def scale_bar(ax: Axes, base: MapBase, *, lang: str, fontsize: float = SIZE_SMALL
              ) -> shapely.Geometry:
    """Draw a two-segment scale bar in km in the emptier bottom corner; return its box.

    Ids: ``scale-bar-0`` and ``scale-bar-1`` (the dark and light segments),
    ``scale-bar-label-0`` to ``-2`` (0, half, the length in km).
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    w, h = x1 - x0, y1 - y0
    length = nice_length(0.22 * w)
    bar_h = 0.012 * h
    text_h = fontsize / 72 * _units_per_inch(ax) * 1.4
    corners = [x0 + 0.03 * w, x1 - 0.03 * w - length]
    boxes = [shapely.box(c - 0.01 * w, y0 + 0.02 * h, c + length + 0.06 * w,
                         y0 + 0.03 * h + bar_h + text_h) for c in corners]
    i = _emptiest(base, boxes)
    left, bottom = corners[i], y0 + 0.03 * h + text_h
    half = length / 2
    for k, colour in enumerate(("#1a1a1a", "white")):
        ax.add_patch(Rectangle((left + k * half, bottom), half, bar_h, facecolor=colour,
                               edgecolor="#1a1a1a", linewidth=0.6, zorder=6,
                               gid=f"scale-bar-{k}"))
    km = length / 1000
    for k, value in enumerate((0.0, km / 2, km)):
        text = fmt_number(value, lang, 0 if float(value).is_integer() else 1)
        if k == 2:
            text += "\u00a0km"
        x = left + k * half
        ax.text(x, bottom - 0.004 * h, text, ha="center", va="top", fontsize=fontsize,
                color=TEXT_COLOR, zorder=6, gid=f"scale-bar-label-{k}", parse_math=False)
    return boxes[i]


def north_arrow(ax: Axes, base: MapBase, *, fontsize: float = 8.0) -> shapely.Geometry:
    """Draw a north arrow pointing to true north in the emptier top corner; return its box.

    Ids: ``north-arrow-0`` (the light half, whose first vertex is the tip),
    ``north-arrow-1`` (the dark half) and ``north-arrow-label``.
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    w, h = x1 - x0, y1 - y0
    size = 0.07 * h
    centres = [(x0 + 0.06 * w, y1 - 0.09 * h), (x1 - 0.06 * w, y1 - 0.09 * h)]
    boxes = [shapely.box(cx - 0.5 * size, cy - 0.7 * size, cx + 0.5 * size, cy + 0.95 * size)
             for cx, cy in centres]
    cx, cy = centres[_emptiest(base, boxes)]
    nx, ny = base.north
    px, py = ny, -nx  # perpendicular (to the right of north)
    tip = (cx + nx * size / 2, cy + ny * size / 2)
    tail = (cx - nx * size / 2, cy - ny * size / 2)
    notch = (cx - nx * size * 0.25, cy - ny * size * 0.25)
    left = (tail[0] - px * size * 0.3, tail[1] - py * size * 0.3)
    right = (tail[0] + px * size * 0.3, tail[1] + py * size * 0.3)
    ax.add_patch(Polygon([tip, left, notch], closed=True, facecolor="white",
                         edgecolor="#1a1a1a", linewidth=0.6, zorder=6, gid="north-arrow-0"))
    ax.add_patch(Polygon([tip, notch, right], closed=True, facecolor="#1a1a1a",
                         edgecolor="#1a1a1a", linewidth=0.6, zorder=6, gid="north-arrow-1"))
    ax.text(tip[0] + nx * size * 0.12, tip[1] + ny * size * 0.12, "N", ha="center",
            va="bottom", fontsize=fontsize, fontweight="bold", zorder=6, gid="north-arrow-label")
    return boxes[centres.index((cx, cy))]


def _units_per_inch(ax: Axes) -> float:
    """Map units (metres) per inch of the axes (equal aspect)."""
    x0, x1 = ax.get_xlim()
    return (x1 - x0) / (ax.get_position().width * cast(Figure, ax.figure).get_size_inches()[0])


# -- labels -------------------------------------------------------------------------------

def place_labels(ax: Axes, base: MapBase, texts: Sequence[str | None], *, fontsize: float,
                 obstacles: Sequence[shapely.Geometry] = ()) -> list:
    """Draw one label per area without collisions; return the text artists.

    Labels go, in order of borough size (smallest first, they have the fewest options), to
    the cheapest free candidate position: the borough's pole of inaccessibility, spots
    around it, or empty space with a thin leader line back to the borough. Candidates that
    would overlap a placed label, an obstacle (scale bar, north arrow) or leave the map are
    never used. ``None`` texts are skipped.

    With more than :data:`MAX_LABELS` labels a page cannot show them all, so they are
    thinned: largest area first, a label is drawn only where it fits free inside its own
    area (no leader lines), at most :data:`MAX_LABELS` of them, and the others are left out
    (the tables name every area). A label whose box is more than twice its area's is left
    out without being tried, so the cost stays linear in the number of areas.
    """
    # the figures are drawn on matplotlib's Agg canvas, which has get_renderer (the base
    # canvas class that the stubs name does not)
    renderer = cast(Any, ax.figure).canvas.get_renderer()
    upi = _units_per_inch(ax)
    dpi = ax.figure.dpi
    pad_in = 2 * LABEL_PAD * fontsize / 72 + 1.5 / 72  # box padding + 1.5 pt clearance
    active = [text is not None and all(map(math.isfinite, anchor))
              for text, anchor in zip(texts, base.anchors, strict=True)]
    thin = sum(active) > MAX_LABELS

    def label(i: int):
        return ax.text(*base.anchors[i], texts[i] or "", ha="center", va="center",
                       fontsize=fontsize, color=TEXT_COLOR, linespacing=1.05, zorder=5,
                       bbox=LABEL_BOX, gid=f"label-{base.ids[i]}", parse_math=False)

    def measure(art) -> tuple[float, float]:
        bb = art.get_window_extent(renderer)
        return ((bb.width / dpi + pad_in) * upi, (bb.height / dpi + pad_in) * upi)

    artists: list = [label(i) if active[i] and not thin else None for i in range(len(base))]
    sizes: list[tuple[float, float]] = [measure(a) if a is not None else (0.0, 0.0)
                                        for a in artists]

    def size_of(i: int) -> tuple[float, float]:
        if not thin:
            return sizes[i]
        art = label(i)  # measured, then drawn again below only if it is kept
        size = measure(art)
        art.remove()
        return size

    key = (tuple(texts), fontsize, ax.get_xlim(), ax.get_ylim(), round(upi, 6),
           tuple(o.wkb for o in obstacles))
    if key not in base._placements:
        # a label box is at least one line of text (0.9 em) and the padding tall, and as wide
        min_side = (0.9 * fontsize / 72 + pad_in) * upi
        base._placements[key] = _solve(base, size_of, active, ax.get_xlim(), ax.get_ylim(),
                                       obstacles, min_area=min_side ** 2)
    kept = []
    for i, (x, y, leader) in enumerate(base._placements[key]):
        if not active[i]:
            continue
        if not math.isfinite(x):  # thinned out
            if artists[i] is not None:
                artists[i].remove()
            continue
        art = artists[i] if artists[i] is not None else label(i)
        art.set_position((x, y))
        if leader:
            _leader(ax, base.anchors[i], (x, y), size_of(i) if thin else sizes[i],
                    base.ids[i])
        kept.append(art)
    return kept


#: Above this many labels, labels are thinned (see :func:`place_labels`).
MAX_LABELS = 60


class _PlacedBoxes:
    """Axis-aligned label boxes in a uniform grid: which candidates touch a placed box."""

    def __init__(self, cell: float) -> None:
        self.cell = cell if cell > 0 and math.isfinite(cell) else 1.0
        self.grid: dict[tuple[int, int], list[int]] = {}
        self.bounds: list[tuple[float, float, float, float]] = []

    def _cells(self, x0: float, y0: float, x1: float, y1: float) -> list[tuple[int, int]]:
        c = self.cell
        return [(cx, cy) for cx in range(math.floor(x0 / c), math.floor(x1 / c) + 1)
                for cy in range(math.floor(y0 / c), math.floor(y1 / c) + 1)]

    def add(self, x0: float, y0: float, x1: float, y1: float) -> None:
        k = len(self.bounds)
        self.bounds.append((x0, y0, x1, y1))
        for cell in self._cells(x0, y0, x1, y1):
            self.grid.setdefault(cell, []).append(k)

    def hits(self, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray
             ) -> np.ndarray:
        """True for each candidate box that intersects (or touches) a placed box."""
        near: set[int] = set()
        if len(x0):
            for cell in self._cells(x0.min(), y0.min(), x1.max(), y1.max()):
                near.update(self.grid.get(cell, ()))
        if not near:
            return np.zeros(len(x0), dtype=bool)
        b = np.array([self.bounds[k] for k in sorted(near)])
        return np.asarray(((x0[:, None] <= b[:, 2]) & (x1[:, None] >= b[:, 0])
                           & (y0[:, None] <= b[:, 3]) & (y1[:, None] >= b[:, 1])).any(axis=1))


def _solve(base: MapBase, size_of: Callable[[int], tuple[float, float]],
           active: Sequence[bool], xlim: tuple[float, float], ylim: tuple[float, float],
           obstacles: Sequence[shapely.Geometry], *, min_area: float = 0.0
           ) -> list[tuple[float, float, bool]]:
    """Greedy placement: per label, every candidate scored at once (shapely, numpy).

    The areas covered by other boroughs come from one spatial index of the areas (their
    intersections with a candidate box, summed), and placed boxes from a grid, so the cost
    grows as n log n in the number of areas instead of the n unions of n - 1 areas of a
    direct approach.
    """
    n_active = sum(bool(a) for a in active)
    thin = n_active > MAX_LABELS
    out: list[tuple[float, float, bool]] = [(math.nan, math.nan, False)] * len(base)
    order = sorted((i for i in range(len(base)) if active[i]),
                   key=lambda i: (-base.geoms[i].area if thin else base.geoms[i].area,
                                  base.ids[i]))
    if not order:
        return out
    geoms = np.asarray(base.geoms, dtype=object)
    tree = shapely.STRtree(geoms)
    shapely.prepare(geoms)
    obstacles = list(obstacles)
    sizes: dict[int, tuple[float, float]] = {}
    if thin:  # labels measured one by one, only when they may still be drawn
        sizes[order[0]] = size_of(order[0])
        cell = max(sizes[order[0]])
    else:
        sizes = {i: size_of(i) for i in order}
        cell = max(max(sizes[i]) for i in order)
    placed = _PlacedBoxes(cell)
    dropped = 0
    for i in order:
        own = base.geoms[i]
        if thin and (len(placed.bounds) >= MAX_LABELS or min_area > 2 * own.area):
            dropped += 1  # enough labels drawn, or the area is too small for any label
            continue
        if i not in sizes:
            sizes[i] = size_of(i)
        w, h = sizes[i]
        if thin and w * h > 2 * own.area:
            dropped += 1  # the label cannot lie half in its own area
            continue
        ax_, ay_ = base.anchors[i]
        step = max(h, 0.35 * w)
        xy = np.array(_candidates(ax_, ay_, step))
        xs, ys = xy[:, 0], xy[:, 1]
        x0, y0, x1, y1 = xs - w / 2, ys - h / 2, xs + w / 2, ys + h / 2
        in_frame = (x0 >= xlim[0]) & (x1 <= xlim[1]) & (y0 >= ylim[0]) & (y1 <= ylim[1])
        if thin:  # only free spots inside the own area count: score just those
            sel = np.flatnonzero(in_frame & shapely.contains_xy(own, xs, ys)
                                 & ~placed.hits(x0, y0, x1, y1))
            xs, ys, x0, y0, x1, y1 = (a[sel] for a in (xs, ys, x0, y0, x1, y1))
            in_frame = in_frame[sel]
        boxes = shapely.box(x0, y0, x1, y1)
        box_area = shapely.area(boxes)
        f_own = shapely.area(shapely.intersection(boxes, own)) / box_area
        if thin:
            keep = np.flatnonzero(f_own >= 0.5)
            xs, ys, x0, y0, x1, y1, box_area, f_own = (
                a[keep] for a in (xs, ys, x0, y0, x1, y1, box_area, f_own))
            in_frame, boxes = in_frame[keep], boxes[keep]
        pairs = tree.query(boxes, predicate="intersects")
        pairs = pairs[:, pairs[1] != i]
        covered = np.bincount(pairs[0], minlength=len(xs),
                              weights=shapely.area(shapely.intersection(
                                  boxes[pairs[0]], geoms[pairs[1]])))
        f_other = np.minimum(covered / box_area, 1.0)  # overlapping areas counted once
        inside = shapely.contains_xy(own, xs, ys) & (f_own >= 0.5)
        dist = np.hypot(xs - ax_, ys - ay_) / step
        cost = 3.0 * f_other + 0.15 * dist + np.where(inside, 0.0, 2.0)
        hit = placed.hits(x0, y0, x1, y1)
        for obstacle in obstacles:
            hit |= shapely.intersects(boxes, obstacle)
        free = in_frame & ~hit
        if thin:
            free &= inside
        if free.any():
            k = int(np.flatnonzero(free)[np.argmin(cost[free])])
        elif thin:
            dropped += 1
            continue
        else:
            log.warning("figures: no free place for the label of %s; it may overlap another",
                        base.names[i])
            blocked = in_frame & hit
            if blocked.any():
                fallback = cost + 100
                k = int(np.flatnonzero(blocked)[np.argmin(fallback[blocked])])
            else:
                k = -1
        if k < 0:
            x, y, leader = ax_, ay_, False
        else:
            x, y, leader = float(xs[k]), float(ys[k]), not bool(inside[k])
        placed.add(x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        out[i] = (x, y, leader)
    if dropped:
        log.info("figures: %d of %d labels left out (above %d labels, at most %d are drawn, "
                 "largest area first, each only where it fits inside its area)", dropped,
                 n_active, MAX_LABELS, MAX_LABELS)
    return out


def _candidates(x: float, y: float, step: float) -> list[tuple[float, float]]:
    """The anchor, then rings of 16 positions at growing distances."""
    pts = [(x, y)]
    for r in (0.5, 1.0, 1.6, 2.3, 3.2, 4.2, 5.4, 7.0, 9.0):
        for k in range(16):
            a = 2 * math.pi * k / 16
            pts.append((x + r * step * math.cos(a), y + r * step * math.sin(a)))
    return pts


def _leader(ax: Axes, anchor: tuple[float, float], centre: tuple[float, float],
            size: tuple[float, float], area_id: str) -> None:
    """A thin line from the label box edge to the anchor, with a dot at the anchor."""
    w, h = size
    box = shapely.box(centre[0] - w / 2, centre[1] - h / 2, centre[0] + w / 2,
                      centre[1] + h / 2)
    start = shapely.ops.nearest_points(box.exterior, shapely.Point(anchor))[0]
    ax.add_line(Line2D([start.x, anchor[0]], [start.y, anchor[1]], color=LEADER_COLOR,
                       linewidth=0.5, zorder=4, gid=f"leader-{area_id}"))
    ax.add_line(Line2D([anchor[0]], [anchor[1]], marker="o", markersize=1.8, linestyle="none",
                       color=LEADER_COLOR, zorder=4, gid=f"leader-dot-{area_id}"))

