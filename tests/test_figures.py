"""Static figures: artists (patches, colours, legend, caption, labels) and the saved files."""

from __future__ import annotations

import dataclasses
import itertools
import re
import struct
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.colors import to_rgba

from geo4mi.boundaries import load_areas
from geo4mi.classify import NO_DATA_COLOR, OPACITY, SUPPRESSED_COLOR, ClassificationError, palette
from geo4mi.errors import CRSError, OutputError, StudyError
from geo4mi.figures import (
    FigureData,
    FigureError,
    FigureSettings,
    choropleth_figure,
    indicator_bar_chart,
    nationality_chart,
    sample_distribution_figure,
    save_figure,
    small_multiples_figure,
    write_figures,
)
from geo4mi.figures import cartography as carto
from geo4mi.figures.charts import nationality_chart_on
from geo4mi.figures.common import split_name
from geo4mi.figures.examples import estimate_row, estimates_frame, tiny_inputs
from geo4mi.figures.inputs import fold_nationalities
from geo4mi.i18n import use_wording
from geo4mi.indicators.estimate import CITY
from geo4mi.outputs import FigureOptions
from geo4mi.study import bundled_study_path, load_study

# -- helpers ------------------------------------------------------------------------------


def flat(text: str) -> str:
    """Text with line breaks and (non-breaking) spaces folded to single spaces."""
    return " ".join(text.split())


def by_gid(fig, prefix: str) -> list:
    return [a for a in fig.findobj() if str(getattr(a, "get_gid", lambda: "")() or "")
            .startswith(prefix)]


def area_patches(fig) -> dict[str, object]:
    return {p.get_gid()[5:]: p for p in fig.axes[0].patches
            if (p.get_gid() or "").startswith("area-")}


def repeated_ids(svg_path) -> list[str]:
    """The ids used more than once in an SVG file (parsed as XML)."""
    ids = [el.get("id") for el in ElementTree.parse(svg_path).iter() if el.get("id")]
    return sorted({i for i in ids if ids.count(i) > 1})


def fig_text(fig, gid: str) -> str:
    hits = [t for t in fig.texts if t.get_gid() == gid]
    return flat(hits[0].get_text()) if hits else ""


def legend_texts(fig) -> list[str]:
    return [flat(t.get_text()) for t in fig.legends[0].get_texts()]


def png_dpi(data: bytes) -> tuple[int, int, int]:
    """(x, y pixels per unit, unit) from the pHYs chunk of a PNG."""
    pos = 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"pHYs":
            return struct.unpack(">IIB", data[pos + 8:pos + 17])
        pos += 12 + length
    raise AssertionError("no pHYs chunk")


def png_chunks(data: bytes) -> list[bytes]:
    out, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        out.append(kind)
        pos += 12 + length
    return out


def overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


# -- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny():
    return tiny_inputs()


@pytest.fixture(scope="module")
def cdmx():
    """The 16 bundled boroughs with hand-made estimates of every status."""
    areas = load_areas()
    statuses = {"09015": (40, 96), "09007": (20, 57), "09005": (10, 68), "09017": (9, 18),
                "09014": (3, 15), "09016": (2, 13), "09010": (6, 12), "09003": (0, 12),
                "09002": (2, 6), "09006": (1, 4)}
    _, _, labels = tiny_inputs()
    labels = dataclasses.replace(labels, wording=load_study(bundled_study_path()).wording)
    rows = [estimate_row("discriminated", CITY, "all", "all", (93, 301))]
    rows += [estimate_row("discriminated", a, "all", "all", statuses.get(a))
             for a in areas["area_id"]]
    return estimates_frame(rows), areas, labels, statuses


@pytest.fixture(scope="module")
def cdmx_map(cdmx):
    est, areas, labels, _ = cdmx
    return choropleth_figure(est, areas, labels, "discriminated", synthetic=True,
                             source="Encuesta 4Mi de prueba")


# -- choropleth ---------------------------------------------------------------------------


def test_one_patch_per_borough(cdmx_map, cdmx):
    patches = area_patches(cdmx_map)
    assert sorted(patches) == sorted(cdmx[1]["area_id"])
    assert len(patches) == 16


def test_no_data_is_dotted_and_suppressed_is_white_hatched(cdmx_map, cdmx):
    _, areas, _, statuses = cdmx
    patches = area_patches(cdmx_map)
    for area_id in areas["area_id"]:
        face = patches[area_id].get_facecolor()
        if area_id not in statuses:  # no interviews
            assert face == pytest.approx(to_rgba(NO_DATA_COLOR))
            assert patches[area_id].get_hatch() == carto.NO_DATA_HATCH  # dots
        elif statuses[area_id][1] < 10:
            assert face == pytest.approx(to_rgba(SUPPRESSED_COLOR))
            assert patches[area_id].get_hatch()
    # 9 of 18 (50 %, 95 % CI about 29-71 %) is wide: class 40-60 %, same colour, dashed edge
    colours = palette("higher_worse", 5)
    assert patches["09017"].get_facecolor() == pytest.approx(to_rgba(colours[2], OPACITY))
    wide = [q for q in cdmx_map.axes[0].patches if q.get_gid() == "wide-09017"]
    assert len(wide) == 1 and wide[0].get_linestyle() == (0, carto.WIDE_OUTLINE[2])
    # 40 of 96 (42 %, CI 32-52 %) is not wide
    assert patches["09015"].get_facecolor() == pytest.approx(to_rgba(colours[2], OPACITY))
    assert not [q for q in cdmx_map.axes[0].patches if q.get_gid() == "wide-09015"]
    # 0 of 12 is an estimate of 0 %, the first class, not "no interviews"
    assert patches["09003"].get_facecolor()[:3] == pytest.approx(to_rgba(colours[0])[:3])


def test_legend_has_classes_no_interviews_and_suppressed(cdmx_map):
    texts = legend_texts(cdmx_map)
    assert texts[:5] == ["0–20 %", "20–40 %", "40–60 %", "60–80 %", "80–100 %"]
    assert "Sin entrevistas" in texts
    assert "Menos de 10 personas encuestadas (suprimido)" in texts
    # the same words as the web map's legend: the rule is a 95 % interval 30 points wide
    assert ("Intervalo amplio (IC 95 % de 30 puntos o más de ancho): estimación imprecisa"
            in texts)
    handles = cdmx_map.legends[0].legend_handles
    nodata = handles[texts.index("Sin entrevistas")]
    assert nodata.get_facecolor() == pytest.approx(to_rgba(NO_DATA_COLOR))
    assert handles[texts.index("Menos de 10 personas encuestadas (suprimido)")].get_hatch()


def test_caption_names_sources_n_caveat_and_synthetic_note(cdmx_map):
    caption = fig_text(cdmx_map, "caption")
    assert "Límites: INEGI, Marco Geoestadístico 2022." in caption
    assert "Fuente" not in caption
    assert "Encuesta: Encuesta 4Mi de prueba" in caption
    assert "n = 301 personas con respuesta válida" in caption
    assert "Muestra no aleatoria" in caption
    assert "DATOS SINTÉTICOS DE DEMOSTRACIÓN" in caption
    assert fig_text(cdmx_map, "synthetic-banner").startswith("DATOS SINTÉTICOS")
    assert "Toda la ciudad: 31 %" in fig_text(cdmx_map, "subtitle")


def test_real_data_has_no_synthetic_note(tiny):
    est, areas, labels = tiny
    fig = choropleth_figure(est, areas, labels, "discriminated", lang="en")
    assert "SYNTHETIC" not in fig_text(fig, "caption")
    assert not by_gid(fig, "synthetic-banner")
    caption = fig_text(fig, "caption")
    assert "Boundaries" not in caption  # made-up areas: no source claimed
    assert caption.startswith("Survey: Example survey")  # labels' survey title
    assert "across the whole study area" in caption
    assert "No interviews" in legend_texts(fig)


def test_borough_labels_do_not_overlap(cdmx_map, cdmx):
    fig = cdmx_map
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = by_gid(fig, "label-")
    assert len(labels) == 16
    names = {flat(t.get_text()) for t in labels}
    assert names == set(cdmx[1]["area_name"])
    boxes = [t.get_bbox_patch().get_window_extent(renderer) for t in labels]
    for (a, ta), (b, tb) in itertools.combinations(zip(boxes, labels, strict=True), 2):
        assert not overlaps(a, b), (ta.get_text(), tb.get_text())
    frame = fig.axes[0].get_window_extent(renderer)
    for box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1
    for fixed in by_gid(fig, "scale-bar") + by_gid(fig, "north-arrow"):
        for box in boxes:
            assert not overlaps(fixed.get_window_extent(renderer), box)


def test_label_in_its_borough_or_led_there(cdmx_map, cdmx):
    areas = cdmx[1].set_index("area_id")
    ax = cdmx_map.axes[0]
    leaders = {line.get_gid()[7:] for line in ax.lines
               if line.get_gid().startswith("leader-") and "dot" not in line.get_gid()}
    for text in by_gid(cdmx_map, "label-"):
        area_id = text.get_gid()[6:]
        inside = areas.loc[area_id, "geometry"].contains(shapely.Point(text.get_position()))
        assert inside or area_id in leaders, area_id


def test_scale_bar_is_true_to_the_map(cdmx_map):
    bars = by_gid(cdmx_map, "scale-bar")
    rects = [b for b in bars if b.get_gid() in ("scale-bar-0", "scale-bar-1")]
    length_m = sum(r.get_width() for r in rects)
    last = [t for t in bars if t.get_gid() == "scale-bar-label-2"][-1].get_text()
    km = float(last.split()[0].replace(",", "."))
    assert length_m == pytest.approx(km * 1000)
    arrow = next(p for p in by_gid(cdmx_map, "north-arrow") if p.get_gid() == "north-arrow-0")
    tip, _, notch = arrow.get_xy()[:3]
    dx, dy = tip - notch
    # pointing up, within 3 degrees of grid north (true north in EPSG:6372 at Mexico City)
    assert dy > 0 and abs(np.degrees(np.arctan2(dx, dy))) < 3


def test_group_and_scheme(tiny):
    est, areas, labels = tiny
    fig = choropleth_figure(est, areas, labels, "discriminated", group=("gender", "woman"),
                            scheme="quantiles")
    assert "Género: Mujer" in fig_text(fig, "subtitle")
    patches = area_patches(fig)
    assert patches["02"].get_hatch()  # 4 of 7 women: suppressed
    assert legend_texts(fig)[0] == "0–20 %"  # one distinct value: fixed steps, as the web map


@pytest.mark.parametrize("kwargs, error, match", [
    ({"indicator": "nope"}, FigureError, "indicator 'nope' is not in the estimates"),
    ({"group": ("gender", "robot")}, FigureError, r"group gender='robot'.*use one of"),
    ({"scheme": "jenks"}, ClassificationError, "classification 'jenks' is unknown"),
    ({"lang": "xx"}, StudyError, "language 'xx' is not supported"),
])
def test_bad_options_are_rejected(tiny, kwargs, error, match):
    est, areas, labels = tiny
    kwargs = {"indicator": "discriminated", **kwargs}
    with pytest.raises(error, match=match):
        choropleth_figure(est, areas, labels, kwargs.pop("indicator"), **kwargs)


def test_missing_columns_are_named(tiny):
    est, areas, labels = tiny
    with pytest.raises(FigureError, match="column 'status' is missing"):
        choropleth_figure(est.drop(columns="status"), areas, labels, "discriminated")
    with pytest.raises(FigureError, match="column 'area_name' is missing"):
        choropleth_figure(est, areas.drop(columns="area_name"), labels, "discriminated")


def test_ok_rows_below_min_n_are_suppressed_too(tiny):
    est, areas, labels = tiny
    fig = choropleth_figure(est, areas, labels, "discriminated", min_n=20)
    assert area_patches(fig)["02"].get_hatch()  # n = 12 < 20
    assert "Menos de 20 personas encuestadas (suprimido)" in legend_texts(fig)


def test_rendered_colours(tiny):
    """Text-free pixel check: white with sparse grey dots for no interviews, white and grey
    hatch for suppressed (the web map's patterns)."""
    est, areas, labels = tiny
    fig = choropleth_figure(est, areas, labels, "discriminated")
    for t in by_gid(fig, "label-"):
        t.set_visible(False)
    fig.canvas.draw()
    img = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    ax = fig.axes[0]

    def pixels(area_id: str, inset: float = 2500) -> np.ndarray:
        g = areas.set_index("area_id").loc[area_id, "geometry"].buffer(-inset)
        x0, y0, x1, y1 = g.bounds
        (px0, py0), (px1, py1) = ax.transData.transform([(x0, y0), (x1, y1)])
        h = img.shape[0]
        return img[int(h - py1):int(h - py0), int(px0):int(px1)].reshape(-1, 3)

    assert NO_DATA_COLOR == "#ffffff"
    dotted = (pixels("04") >= 250).all(axis=1).mean()
    assert 0.8 < dotted < 0.99  # nearly all white, with grey dots
    hatched = (pixels("03") >= 250).all(axis=1).mean()
    assert 0.4 < hatched < dotted  # mostly white, with denser grey hatch lines


def test_many_areas_draw_each_hatch_once_with_the_same_pixels(tiny, monkeypatch):
    """Above MANY_AREAS areas the hatches are one compound patch per kind (Agg
    renders a hatch tile per patch: most of a 2,431-area map's time), drawn over the same
    areas: the picture is the same to within antialiasing, every area keeps its own id."""
    est, areas, labels = tiny

    def drawn() -> tuple[object, np.ndarray]:
        fig = choropleth_figure(est, areas, labels, "discriminated")
        fig.canvas.draw()
        return fig, np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)

    apart, apart_px = drawn()
    monkeypatch.setattr(carto, "MANY_AREAS", 3)  # the four tiny areas are "many"
    together, together_px = drawn()
    assert set(area_patches(together)) == {"01", "02", "03", "04"}
    assert not any(p.get_hatch() for p in area_patches(together).values())
    hatches = {p.get_hatch() for p in by_gid(together, "hatch-")}
    assert hatches == {carto.HATCH, carto.NO_DATA_HATCH}  # suppressed 03, no interviews 04
    assert {area_patches(apart)[a].get_hatch() for a in ("03", "04")} == hatches
    differ = np.abs(apart_px - together_px).max(axis=2)
    assert (differ > 0).mean() < 0.01 and differ.max() < 128  # edges' antialiasing only


def test_small_multiples_of_many_areas_draw_each_panel_as_collections(tiny, monkeypatch):
    """Above MANY_AREAS a panel's areas are collections (matplotlib's cost per artist was
    most of a 2,431-area page), with the same fills, edges and wide-interval dashes."""
    est, areas, labels = tiny

    def drawn() -> tuple[object, np.ndarray]:
        fig = small_multiples_figure(est, areas, labels, "discriminated", "gender")
        fig.canvas.draw()
        return fig, np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)

    _, apart_px = drawn()
    monkeypatch.setattr(carto, "MANY_AREAS", 3)
    together, together_px = drawn()
    panel = together.axes[0]
    assert not [p for p in panel.patches if (p.get_gid() or "").startswith("panel-man-area-")]
    gids = {c.get_gid() for c in panel.collections}
    assert "panel-man-areas" in gids
    drawn_areas = sum(len(c.get_paths()) for c in panel.collections
                      if c.get_gid() in ("panel-man-areas", "panel-man-wide-areas"))
    assert drawn_areas == len(areas)
    differ = np.abs(apart_px - together_px).max(axis=2)
    assert (differ > 0).mean() < 0.01


# -- small multiples ----------------------------------------------------------------------


def test_small_multiples_share_one_scale(tiny):
    est, areas, labels = tiny
    fig = small_multiples_figure(est, areas, labels, "discriminated", "gender",
                                 scheme="natural_breaks")
    assert [ax.get_gid() for ax in fig.axes] == ["panel-man", "panel-woman"]
    assert len(fig.legends) == 1
    man = {p.get_gid(): p.get_facecolor()[:3] for p in fig.axes[0].patches}
    woman = {p.get_gid(): p.get_facecolor()[:3] for p in fig.axes[1].patches}
    # Alpha: men 12/30 = 40 %, women 18/30 = 60 % (the only unsuppressed values): the
    # breaks come from both panels together, and each panel uses them
    assert legend_texts(fig)[:2] == ["0–40 %", "40–60 %"]
    colours = palette("higher_worse", 2)
    assert man["panel-man-area-01"] == pytest.approx(to_rgba(colours[0])[:3])
    assert woman["panel-woman-area-01"] == pytest.approx(to_rgba(colours[1])[:3])
    titles = [flat(t.get_text()) for t in fig.texts if t.get_gid().startswith("panel-title")]
    assert titles == ["Hombre · 39 % (n = 38)", "Mujer · 57 % (n = 40)"]


def test_small_multiples_skip_empty_groups_and_say_so(tiny):
    est, areas, labels = tiny
    extra = [estimate_row("discriminated", a, "gender", "other", None)
             for a in [CITY, "01", "02", "03", "04"]]
    est2 = estimates_frame(est.to_dict("records") + extra)
    fig = small_multiples_figure(est2, areas, labels, "discriminated", "gender", lang="en")
    assert len(fig.axes) == 2
    assert "No respondents in: other." in fig_text(fig, "caption")
    with pytest.raises(FigureError, match=r"group variable 'age' has no estimates.*gender"):
        small_multiples_figure(est, areas, labels, "discriminated", "age")


# -- sample distribution ------------------------------------------------------------------


def test_sample_distribution_zero_is_no_interviews(tiny):
    _, areas, labels = tiny
    fig = sample_distribution_figure(pd.Series({"01": 120, "02": 12, "03": 3}), areas, labels,
                                     synthetic=True)
    patches = area_patches(fig)
    assert patches["04"].get_facecolor() == pytest.approx(to_rgba(NO_DATA_COLOR))
    colours = palette("neutral", 5)
    assert patches["03"].get_facecolor()[:3] == pytest.approx(to_rgba(colours[0])[:3])
    assert patches["01"].get_facecolor()[:3] == pytest.approx(to_rgba(colours[4])[:3])
    texts = legend_texts(fig)
    assert texts == ["1–9", "10–24", "25–49", "50–99", "100+", "Sin entrevistas"]
    assert "135 entrevistas en 3 de 4 áreas" in fig_text(fig, "subtitle")  # neutral words
    assert "n = 135 entrevistas" in fig_text(fig, "caption")
    assert "DATOS SINTÉTICOS" in fig_text(fig, "caption")
    with pytest.raises(FigureError, match="area '02' has -1"):
        sample_distribution_figure(pd.Series({"01": 5, "02": -1}), areas)


# -- nationality chart --------------------------------------------------------------------


def test_nationality_chart_groups_small_answers():
    counts = pd.Series({"venezuela": 121, "honduras": 51, "colombia": 48, "haiti": 9,
                        "peru": 3, "other": 6, "cuba": 0})
    names = {"venezuela": "Venezuela", "honduras": "Honduras", "colombia": "Colombia",
             "haiti": "Haití", "peru": "Perú", "other": "Otro país"}
    fig = nationality_chart(counts, names=names, synthetic=True)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Venezuela", "Honduras", "Colombia", "Otros países"]
    values = [t.get_text() for t in ax.texts if t.get_gid().startswith("bar-value")]
    assert values == ["51\xa0% (121)", "21\xa0% (51)", "20\xa0% (48)", "8\xa0% (18)"]
    bars = [p for p in ax.patches if (p.get_gid() or "").startswith("bar-")]
    assert [round(b.get_width(), 3) for b in bars] == [round(v / 238, 3)
                                                       for v in (121, 51, 48, 18)]
    caption = fig_text(fig, "caption")
    assert "«Otros países» agrupa 3 respuestas" in caption
    assert "Haití, Perú, Otro país" in caption
    assert "n = 238" in fig_text(fig, "subtitle")


def test_nationality_other_group_below_min_n_is_suppressed():
    fig = nationality_chart(pd.Series({"venezuela": 50, "peru": 3}), lang="en")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["venezuela", "Other countries"]
    assert len([p for p in ax.patches if (p.get_gid() or "").startswith("bar-")]) == 1
    assert [t.get_text() for t in ax.texts if t.get_gid() == "bar-suppressed"] == [
        "Fewer than 10 respondents (suppressed)"]
    with pytest.raises(FigureError, match="'peru' has -3"):
        nationality_chart(pd.Series({"venezuela": 50, "peru": -3}))


@pytest.mark.parametrize(("lang", "one", "two"), [
    ("es", "«Otros países» agrupa 1 respuesta con", "«Otros países» agrupa 2 respuestas con"),
    ("en", "“Other countries” groups 1 answer with", "“Other countries” groups 2 answers with"),
    ("pt", "“Outros países” agrupa 1 resposta com", "“Outros países” agrupa 2 respostas com"),
])
def test_the_other_group_note_agrees_with_its_count(lang, one, two):
    single = nationality_chart(pd.Series({"venezuela": 50, "peru": 12}), lang=lang,
                               min_share=0.25)
    double = nationality_chart(pd.Series({"venezuela": 50, "peru": 12, "cuba": 11}),
                               lang=lang, min_share=0.25)
    assert one in fig_text(single, "caption")
    assert two in fig_text(double, "caption")


def test_fold_nationalities_decides_what_the_chart_shows():
    folded = fold_nationalities(pd.Series({"venezuela": 50, "peru": 3, "other": 4}))
    assert folded.kept.to_dict() == {"venezuela": 50}
    assert folded.folded == ("peru", "other") and folded.other_count == 7
    assert folded.other_hidden  # 7 < min_n: drawn without a bar
    fig = nationality_chart_on(folded, lang="en")
    assert [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "bar-suppressed"] == [
        "Fewer than 10 respondents (suppressed)"]
    assert "groups 2 answers" in fig_text(fig, "caption")


# -- bar chart ----------------------------------------------------------------------------


def test_bar_chart_marks_suppressed_and_no_data_in_words(tiny):
    est, areas, labels = tiny
    fig = indicator_bar_chart(est, areas, labels, "discriminated", synthetic=True)
    ax = fig.axes[0]
    bars = {p.get_gid() for p in ax.patches if (p.get_gid() or "").startswith("bar-")}
    assert bars == {"bar-01", "bar-02"}  # no zero-length bars for Gamma and Delta
    words = {t.get_gid(): t.get_text() for t in ax.texts}
    assert words["suppressed-03"] == "suprimido: menos de 10 personas"
    assert words["no_data-04"] == "Sin entrevistas"
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["Alpha (n = 60)", "Beta (n = 12)", "Gamma", "Delta"]  # 6 < 10: hidden
    row = est[(est.area_id == "01") & (est.group_var == "all")].iloc[0]
    segments = np.concatenate([np.asarray(seg) for c in ax.collections
                               for seg in c.get_segments()])
    ends = {round(float(x), 6) for x in segments[:, 0]}
    assert {round(float(row.ci_low), 6), round(float(row.ci_high), 6)} <= ends
    city = next(line for line in ax.lines if line.get_gid() == "city-line")
    assert city.get_xdata()[0] == pytest.approx(38 / 78)
    assert "Toda la zona de estudio: 49 %" in flat(words["city-label"])
    assert "Intervalo amplio" in fig_text(fig, "caption")  # Beta's interval is wide


def test_bar_chart_svg_ids_are_unique(tiny, tmp_path):
    est, areas, labels = tiny
    fig = indicator_bar_chart(est, areas, labels, "discriminated")
    svg = save_figure(fig, tmp_path / "bars", "svg")[0].read_text(encoding="utf-8")
    ids = re.findall(r' id="([^"]+)"', svg)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert {"ci-01", "ci-low-01", "ci-high-01", "ci-02"} <= set(ids)  # line and its caps


def test_bar_chart_shows_a_wide_interval_without_changing_the_class_hue(tiny):
    est, areas, labels = tiny
    ax = indicator_bar_chart(est, areas, labels, "discriminated").axes[0]
    patches = {p.get_gid(): p for p in ax.patches}
    # Beta (n = 12) has a wide interval, Alpha (n = 60) not: both bars fully opaque
    assert patches["bar-02"].get_facecolor()[3] == 1 == patches["bar-01"].get_facecolor()[3]
    assert patches["bar-02"].get_edgecolor()[:3] == (0, 0, 0)  # the maps' black edge ...
    dashes = patches["wide-02"]  # ... with white dashes over it, no fill
    assert not dashes.get_fill() and dashes.get_edgecolor()[:3] == (1, 1, 1)
    assert dashes.get_linestyle() != "solid"
    assert "wide-01" not in patches


# -- files --------------------------------------------------------------------------------


def test_saved_files(cdmx_map, cdmx, tmp_path):
    paths = save_figure(cdmx_map, tmp_path / "mapa")
    assert [p.name for p in paths] == ["mapa.png", "mapa.svg", "mapa.pdf"]
    png = paths[0].read_bytes()
    x, y, unit = png_dpi(png)
    assert unit == 1 and round(x * 0.0254) == 300 and x == y
    assert b"tEXt" not in png_chunks(png) and b"tIME" not in png_chunks(png)
    svg = paths[1].read_text(encoding="utf-8")
    texts = [flat(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    for name in cdmx[1]["area_name"]:
        for part in split_name(name).split("\n"):  # long names are on two lines
            assert any(part in t for t in texts), part
    assert "Cuauhtémoc" in texts and "Sin entrevistas" in texts
    assert "<dc:date>" not in svg and 'id="area-09015"' in svg
    pdf = paths[2].read_bytes()
    assert pdf.startswith(b"%PDF") and b"CreationDate" not in pdf and b"ModDate" not in pdf


def test_saving_is_deterministic(tiny, tmp_path):
    est, areas, labels = tiny
    first = save_figure(choropleth_figure(est, areas, labels, "discriminated", synthetic=True),
                        tmp_path / "a")
    second = save_figure(choropleth_figure(est, areas, labels, "discriminated", synthetic=True),
                         tmp_path / "b")
    for p, q in zip(first, second, strict=True):
        assert p.read_bytes() == q.read_bytes(), p.name


def test_save_refuses_to_overwrite_and_bad_formats(tiny, tmp_path):
    est, areas, labels = tiny
    fig = indicator_bar_chart(est, areas, labels, "discriminated")
    save_figure(fig, tmp_path / "bars", "png")
    with pytest.raises(OutputError, match="file exists; pass --overwrite"):
        save_figure(fig, tmp_path / "bars", "png", overwrite=False)
    with pytest.raises(FigureError, match="figure format 'jpg' is unknown; use one or more"):
        save_figure(fig, tmp_path / "bars", ["png", "jpg"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bars.png"]


def test_write_figures_set(tiny, tmp_path):
    est, areas, labels = tiny
    data = FigureData.prepare(est, areas, labels,
                              interviews=pd.Series({"01": 60, "02": 12, "03": 6}),
                              nationalities=pd.Series({"venezuela": 50, "honduras": 28}))
    paths = write_figures(data, tmp_path, FigureSettings(formats="png,pdf",
                                                         kinds=("map", "bars", "groups"),
                                                         group_vars=["gender"]))
    assert [p.name for p in paths] == [
        "sample_distribution.png", "sample_distribution.pdf", "nationalities.png",
        "nationalities.pdf", "map_discriminated.png", "map_discriminated.pdf",
        "bars_discriminated.png", "bars_discriminated.pdf", "groups_discriminated_gender.png",
        "groups_discriminated_gender.pdf"]
    assert all(p.exists() and p.stat().st_size > 1000 for p in paths)
    with pytest.raises(FigureError, match="figure kind 'pie' is unknown"):
        FigureSettings(kinds=["pie"])
    with pytest.raises(FigureError, match="grouping variable 'age' is not in the estimates"):
        write_figures(data, tmp_path, FigureSettings(kinds=["groups"], group_vars=["age"]))
    with pytest.raises(FigureError, match="indicator 'nope' is not in the estimates"):
        write_figures(data, tmp_path, FigureSettings(indicators=["nope"]))


def test_figure_data_is_published_once_and_drawn_as_given(tiny):
    """FigureData.prepare applies min_n; the drawing code never compares n with it again."""
    est, areas, labels = tiny
    data = FigureData.prepare(est, areas, labels, min_n=20)
    beta = data.estimates[(data.estimates["area_id"] == "02")
                          & (data.estimates["group_var"] == "all")]
    assert beta["status"].tolist() == ["suppressed"] and beta["suppression"].tolist() == ["small_n"]
    assert data.min_n == 20
    unpublished = FigureData(est, areas, labels)  # not prepared: the drawing code refuses it
    with pytest.raises(FigureError, match="column 'suppression' is missing"):
        write_figures(unpublished, "unused", FigureSettings(formats="svg", kinds=("map",)))


def test_a_pool_of_workers_writes_the_same_files(tiny, tmp_path):
    est, areas, labels = tiny
    labels = dataclasses.replace(labels, wording=load_study(bundled_study_path()).wording)
    done: list[float] = []
    data = FigureData.prepare(est, areas, labels, interviews=pd.Series({"01": 60, "02": 12}))
    settings = FigureSettings(formats="svg,pdf", kinds=("bars",))
    alone = write_figures(data, tmp_path / "one", settings, jobs=1)
    pooled = write_figures(data, tmp_path / "two", settings, jobs=2, progress=done.append)
    assert [p.name for p in pooled] == [p.name for p in alone] == [
        "sample_distribution.svg", "sample_distribution.pdf", "bars_discriminated.svg",
        "bars_discriminated.pdf"]
    for p, q in zip(alone, pooled, strict=True):
        assert p.read_bytes() == q.read_bytes(), p.name  # PDFs too: the same Latin cut
    assert "Toda la ciudad" in flat(pooled[2].read_text(encoding="utf-8"))  # study's words
    assert sorted(done) == done and done[-1] == 1.0
    with pytest.raises(FigureError, match="jobs: 0 is not a number of worker processes"):
        write_figures(data, tmp_path / "three", jobs=0)


def test_no_figure_is_drawn_when_one_file_exists(tiny, tmp_path):
    est, areas, labels = tiny
    (tmp_path / "bars_discriminated.png").write_bytes(b"mine")
    with pytest.raises(OutputError, match=r"bars_discriminated\.png: file exists"):
        write_figures(FigureData.prepare(est, areas, labels), tmp_path,
                      FigureSettings(formats="png"), overwrite=False)
    assert [p.name for p in tmp_path.iterdir()] == ["bars_discriminated.png"]
    assert (tmp_path / "bars_discriminated.png").read_bytes() == b"mine"


# -- the bundled study --------------------------------------------------------------------


def test_bundled_study(bundled_results, tmp_path):

    results = bundled_results
    paths = results.figures(tmp_path, FigureOptions(formats="svg", indicators=["discriminated"],
                                                    kinds=("map", "bars", "groups"),
                                                    group_vars=["nationality_group"]))
    assert [p.name for p in paths] == ["sample_distribution.svg", "nationalities.svg",
                                       "map_discriminated.svg", "bars_discriminated.svg",
                                       "groups_discriminated_nationality_group.svg"]
    # every id of a file is unique: the maps' scale bar, north arrow and panels too
    assert {p.name: repeated_ids(p) for p in paths} == {p.name: [] for p in paths}
    groups = paths[-1].read_text(encoding="utf-8")
    assert 'id="panel-venezuela-area-09015"' in groups and 'id="area-09015"' not in groups
    for path in paths:
        svg = path.read_text(encoding="utf-8")
        assert "DATOS SINTÉTICOS DE DEMOSTRACIÓN" in svg  # the bundled sample is synthetic
        assert "INEGI, Marco Geoestadístico 2022" in svg
    sample = paths[0].read_text(encoding="utf-8")
    assert "301 entrevistas en 10 de 16 alcaldías" in flat(sample)
    nat = paths[1].read_text(encoding="utf-8")
    assert "Venezuela" in nat and "Otros países" in nat
    # no respondent-level detail: no ids, no coordinates of the GPS question
    uuids = results.respondents["_uuid"].dropna().astype(str).head(20) \
        if "_uuid" in results.respondents else []
    # singular: the "other" bar holds only the form's own "other" (text across <text> lines)
    assert "agrupa 1 respuesta con" in flat(re.sub(r"<[^>]+>", " ", nat))
    for text in (sample, nat, paths[2].read_text(encoding="utf-8")):
        assert not any(u in text for u in uuids)


def test_every_text_is_inside_the_page(tiny, cdmx_map):
    est, areas, labels = tiny
    full = est.copy()
    alpha_all = (full["area_id"] == "01") & (full["group_var"] == "all")
    full.loc[alpha_all, ["numerator", "p", "ci_high"]] = [60, 1.0, 1.0]  # 100 % bar + label
    figures = [
        cdmx_map,
        indicator_bar_chart(full, areas, labels, "discriminated", synthetic=True),
        small_multiples_figure(est, areas, labels, "discriminated", "gender", lang="en"),
        sample_distribution_figure(pd.Series({"01": 3}), areas),
        nationality_chart(pd.Series({"venezuela": 300, "honduras": 10}), synthetic=True),
    ]
    for fig in figures:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        page = fig.bbox
        texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_text")
                                        and hasattr(a, "get_window_extent"))
                 if t.get_visible() and t.get_text() and t.figure is fig]
        assert len(texts) > 10
        for text in texts:
            box = text.get_window_extent(renderer)
            assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1, text.get_text()
            assert page.y0 - 1 <= box.y0 and box.y1 <= page.y1 + 1, text.get_text()


def test_lon_lat_areas_are_drawn_in_metres(tiny):
    est, areas, labels = tiny
    fig = choropleth_figure(est, areas.to_crs("EPSG:4326"), labels, "discriminated")
    ax = fig.axes[0]
    x0, x1 = ax.get_xlim()
    assert 20_000 < x1 - x0 < 40_000  # two 10 km squares plus margins, in metres
    rects = [p for p in ax.patches if p.get_gid() in ("scale-bar-0", "scale-bar-1")]
    last = [t for t in ax.texts if t.get_gid() == "scale-bar-label-2"][-1].get_text()
    assert sum(r.get_width() for r in rects) == pytest.approx(
        float(last.split()[0].replace(",", ".")) * 1000)
    with pytest.raises(CRSError, match="the areas have no CRS"):
        choropleth_figure(est, areas.set_crs(None, allow_override=True), labels,
                          "discriminated")


def test_complementary_suppression_is_named_as_such(tiny):
    """A borough hidden only to protect a small one (n >= min_n) is not called small."""
    est, areas, labels = tiny
    est = est.copy()
    beta = (est.area_id == "02") & (est.group_var == "all")  # n = 12: hidden to protect Gamma
    est.loc[beta, ["numerator", "p", "ci_low", "ci_high"]] = pd.NA
    est.loc[beta, "status"] = "suppressed"
    words = {t.get_gid(): t.get_text()
             for t in indicator_bar_chart(est, areas, labels, "discriminated").axes[0].texts}
    assert words["suppressed-02"] == "suprimido para proteger una cifra pequeña"
    assert words["suppressed-03"] == "suprimido: menos de 10 personas"
    texts = legend_texts(choropleth_figure(est, areas, labels, "discriminated"))
    assert "Suprimido para que no se deduzca de los totales una cifra pequeña" in texts
    assert "Suprimido para que no se deduzca de los totales una cifra pequeña" not in \
        legend_texts(choropleth_figure(tiny[0], areas, labels, "discriminated"))
    from geo4mi.figures.common import city_line

    # the words follow the table's suppression column, never n (hidden either way)
    city = pd.Series({"status": "suppressed", "n": np.nan, "p": np.nan, "ci_low": np.nan,
                      "ci_high": np.nan, "suppression": "complementary"})
    with use_wording(load_study(bundled_study_path()).wording):
        assert city_line(city, "en", min_n=10) == ("Whole city: suppressed so that a small "
                                                   "figure cannot be worked out")
    assert city_line(city.replace({"complementary": "small_n"}), "en", min_n=10) == \
        "Whole study area: suppressed (fewer than 10 respondents)"


# -- many areas: labels thinned, bars cut to the top and bottom (issue 18) ------------------

def many_areas(n_side: int = 12, big: int = 3):
    """``n_side``² squares of 1 km (EPSG:6372) and ``big`` 12 km squares beside them."""
    from geo4mi.figures.examples import estimates_frame

    x0, y0 = 2_790_000.0, 810_000.0
    geoms = [shapely.box(x0 + c * 1000, y0 + r * 1000, x0 + (c + 1) * 1000,
                         y0 + (r + 1) * 1000) for r in range(n_side) for c in range(n_side)]
    geoms += [shapely.box(x0 + (n_side + 12 * k) * 1000, y0, x0 + (n_side + 12 * k + 12) * 1000,
                          y0 + 12_000) for k in range(big)]
    ids = [f"a{k:03d}" for k in range(len(geoms))]
    import geopandas as gpd

    areas = gpd.GeoDataFrame({"area_id": ids, "area_name": [f"Area {k}" for k in ids]},
                             geometry=geoms, crs="EPSG:6372")
    rows = [estimate_row("discriminated", CITY, "all", "all", (30 * len(ids), 100 * len(ids)))]
    rows += [estimate_row("discriminated", a, "all", "all", (k % 97, 100))
             for k, a in enumerate(ids)]
    return estimates_frame(rows), areas


def test_labels_above_max_labels_are_thinned_largest_first(tiny, monkeypatch):
    est, areas = many_areas()
    _, _, labels = tiny
    fig = choropleth_figure(est, areas, labels, "discriminated")
    drawn = {t.get_gid()[6:]: t for t in by_gid(fig, "label-")}
    assert len(areas) > carto.MAX_LABELS
    # the 1 km squares are far smaller than a label: only the three 12 km squares get one,
    # inside their own square (no leader lines)
    assert sorted(drawn) == ["a144", "a145", "a146"]
    assert not by_gid(fig, "leader-")
    geom = dict(zip(areas["area_id"], areas.geometry, strict=True))
    for area_id, text in drawn.items():
        assert geom[area_id].contains(shapely.Point(text.get_position()))
    # and never more than MAX_LABELS of them, largest area first
    monkeypatch.setattr(carto, "MAX_LABELS", 2)
    fig = choropleth_figure(est, areas, labels, "discriminated")
    assert len(by_gid(fig, "label-")) == 2


def test_labels_up_to_max_labels_are_all_placed(tiny):
    est, areas = many_areas(n_side=3, big=0)  # 9 areas: every label, with leaders if needed
    _, _, labels = tiny
    fig = choropleth_figure(est, areas, labels, "discriminated")
    assert len(by_gid(fig, "label-")) == 9


def test_bar_chart_above_max_bars_shows_top_and_bottom(tiny):
    from geo4mi.figures.charts import MAX_BARS

    est, areas = many_areas()
    _, _, labels = tiny
    fig = indicator_bar_chart(est, areas, labels, "discriminated", lang="en")
    bars = [b for b in by_gid(fig, "bar-") if not b.get_gid().startswith("bar-value")]
    assert len({b.get_gid() for b in bars}) == MAX_BARS
    assert len(by_gid(fig, "bars-gap")) == 1
    assert f"{MAX_BARS} of {len(areas)} areas shown" in fig_text(fig, "caption")
    # highest first: the top bars are the largest values, the bottom ones the smallest
    values = [float(v.get_text().rstrip("% \u00a0")) for v in by_gid(fig, "value-")]
    assert values[:MAX_BARS // 2] == sorted(values[:MAX_BARS // 2], reverse=True)
    assert min(values[:MAX_BARS // 2]) >= max(values[MAX_BARS // 2:])


def test_bar_chart_above_max_bars_with_no_published_area_says_so(tiny):
    """Thousands of small areas (2,431 AGEBs, 3,000 respondents): none is published, so
    the chart has no bar and says how many of the areas it shows (it crashed before)."""
    from geo4mi.figures.examples import estimates_frame

    _, areas = many_areas()
    _, _, labels = tiny
    rows = [estimate_row("discriminated", CITY, "all", "all", (30, 100))]
    rows += [estimate_row("discriminated", a, "all", "all", (1, 4)) for a in areas["area_id"]]
    fig = indicator_bar_chart(estimates_frame(rows), areas, labels, "discriminated", lang="en")
    assert not [b for b in by_gid(fig, "bar-") if not b.get_gid().startswith("bar-value")]
    assert f"0 of {len(areas)} areas shown" in fig_text(fig, "caption")


def test_thinned_map_is_deterministic(tiny, tmp_path):
    est, areas = many_areas()
    _, _, labels = tiny
    paths = [save_figure(choropleth_figure(est, areas, labels, "discriminated"),
                         tmp_path / name, ("png", "svg", "pdf")) for name in ("a", "b")]
    for p, q in zip(*paths, strict=True):
        assert p.read_bytes() == q.read_bytes(), p.name


def test_pdf_embeds_the_latin_cut_and_keeps_the_text(tiny, tmp_path):
    import pypdf

    from geo4mi.figures.output import PDF_FONT

    est, areas, labels = tiny
    areas = areas.assign(area_name=["Álvaro Obregón", "Beta", "Москва", "Delta"])
    fig = choropleth_figure(est, areas, labels, "discriminated", lang="es")
    png, svg, pdf = save_figure(fig, tmp_path / "a", ("png", "svg", "pdf"))
    fonts = set()
    reader = pypdf.PdfReader(pdf)
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
            assert "/FontFile2" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"] \
                or "/FontDescriptor" in font  # embedded TrueType
    assert PDF_FONT.replace(" ", "") in {f.lstrip("/") for f in fonts}
    assert "DejaVuSans" in {f.lstrip("/") for f in fonts}  # Cyrillic: the full font
    text = flat(reader.pages[0].extract_text())
    assert "Álvaro" in text and "Москва" in text
    # the PDF's font is set only while the PDF is written: PNG and SVG are as before
    again = save_figure(fig, tmp_path / "b", ("png", "svg"))
    assert again[0].read_bytes() == png.read_bytes()
    assert again[1].read_bytes() == svg.read_bytes()
    assert f"'{PDF_FONT}'" not in svg.read_text(encoding="utf-8")
