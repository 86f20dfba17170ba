"""Benchmark: costs against the number of areas (issue 18), on INEGI's urban AGEBs.

Areas are the 16 bundled alcaldías (``--boroughs``), the first 1,000 and all 2,431 urban
AGEBs of Mexico City (INEGI Marco Geoestadístico 2022, ``../shared/data/inegi_mg2022_ageb``;
sorted by CVEGEO, so a subset is a few whole boroughs), or ``--voronoi 5000`` Voronoi cells
over the city for 5,000 areas.
The estimates are synthetic, made directly (not from respondents): the demo study's 117
indicators × 20 group values, each area with ``n`` ~ Poisson(``--per-area``) respondents
split over the group values, ``p`` from a beta distribution, Wilson intervals; ``n <
min_n`` is suppressed. Maps, figures and breaks read only estimates + areas + labels, so
this is what they see in a study of that many respondents.

Measured in this run, for each size:

- natural breaks per call over the areas' values: geo4mi (``class_breaks``; exact up to
  ``NATURAL_BREAKS_EXACT`` values, then on that many order statistics), geo4mi's exact
  programme (``fisher_jenks``) and the peer, mapclassify ``FisherJenks`` (pure Python without
  numba, what geo4mi called before) and ``FisherJenksSampled`` (random 10 % sample);
- the choropleth: build + write time (es, then en sharing the cached breaks), HTML size,
  and in headless Chromium (code of ``bench_choropleth.py``) first render and the time to
  switch indicator, painted;
- its peer, the plain ``folium.Choropleth`` a notebook user writes for one indicator (all
  respondents), given geo4mi's own simplified outlines (the same simplification, so only
  the values' encoding differs): its size, build time and first render (Leaflet inlined,
  d3 legend dropped, which can only make it faster), and its size extrapolated to every
  indicator × group map that the geo4mi page holds; geo4mi's page for that one map too;
- label placement (``cartography._solve``) alone, and one indicator's figures: the map and
  the bar chart, in es and en, as PNG (4 files), with their sizes and the peak RSS.

Run: ``.venv/bin/python bench/bench_scale.py [--sizes 1000 2431] [--voronoi 5000]
[--parts choropleth]``
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # this checkout's geo4mi, not an installed one
sys.path.insert(0, str(HERE.parent / "tests"))

from bench_choropleth import GEO4MI_SWITCH_JS, measure, plain_offline_for_timing  # noqa: E402

from geo4mi import classify  # noqa: E402
from geo4mi.figures import cartography as carto  # noqa: E402
from geo4mi.figures.charts import indicator_bar_chart  # noqa: E402
from geo4mi.figures.maps import choropleth_figure  # noqa: E402
from geo4mi.figures.output import save_figure  # noqa: E402
from geo4mi.indicators.estimate import wilson_interval  # noqa: E402
from geo4mi.pipeline import run  # noqa: E402
from geo4mi.study import bundled_study_path  # noqa: E402
from geo4mi.webmap.assets import write_html  # noqa: E402
from geo4mi.webmap.choropleth import web_geometry, write_choropleth  # noqa: E402

AGEB = Path("shared/data/inegi_mg2022_ageb/ageb_urbanas_mg2022_cdmx.gpkg")


def ageb_path() -> Path:
    for root in (HERE.parent.parent, HERE.parent.parent.parent, Path("/work")):
        if (root / AGEB).exists():
            return root / AGEB
    raise SystemExit(f"cannot find {AGEB}; pass --ageb")


def load_units(path: Path, n: int) -> gpd.GeoDataFrame:
    g = gpd.read_file(path).sort_values("CVEGEO").head(n)
    return gpd.GeoDataFrame({"area_id": g["CVEGEO"].astype(str).to_numpy(),
                             "area_name": [f"AGEB {c[-4:]}" for c in g["CVEGEO"]]},
                            geometry=g.geometry.to_numpy(), crs=g.crs)


def voronoi_units(path: Path, n: int, seed: int = 3) -> gpd.GeoDataFrame:
    city = gpd.read_file(path).to_crs(6372)
    outline = shapely.union_all(city.geometry.buffer(0).to_numpy())
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = outline.bounds
    pts = []
    while len(pts) < n:
        xy = rng.uniform((x0, y0), (x1, y1), size=(n, 2))
        pts += [p for p in shapely.points(xy) if outline.contains(p)]
    cells = shapely.voronoi_polygons(shapely.multipoints(pts[:n]), extend_to=outline)
    geoms = [c.intersection(outline) for c in shapely.get_parts(cells)]
    ids = [f"V{k:05d}" for k in range(len(geoms))]
    return gpd.GeoDataFrame({"area_id": ids, "area_name": ids}, geometry=geoms, crs=6372)


def synthetic_estimates(template: pd.DataFrame, area_ids: list[str], per_area: float,
                        min_n: int, seed: int = 11) -> pd.DataFrame:
    """One row per indicator × (city + area) × group value of ``template``'s structure."""
    rng = np.random.default_rng(seed)
    keys = (template[["indicator", "group_var", "group_value"]].drop_duplicates()
            .reset_index(drop=True))
    places = ["_city", *area_ids]
    n_k, n_a = len(keys), len(places)
    n = np.zeros((n_k, n_a), dtype=np.int64)
    k = np.zeros_like(n)
    # each area's "all" cell, split over the values of each grouping variable (so that a
    # group's counts never exceed its area's, as in one estimate run); the city sums areas
    for _, idx in keys.groupby("indicator", sort=False).indices.items():
        sub = keys.iloc[idx]
        n_all = rng.poisson(per_area, n_a - 1)
        p_true = np.clip(rng.beta(2, 3) + rng.normal(0, 0.12, n_a - 1), 0.01, 0.99)
        k_all = rng.binomial(n_all, p_true)
        for row in idx[(sub["group_var"] == "all").to_numpy()]:
            n[row, 1:], k[row, 1:] = n_all, k_all
        for _, vidx in sub[sub["group_var"] != "all"].groupby("group_var").indices.items():
            rows = idx[(sub["group_var"] != "all").to_numpy()][vidx]
            rest_n, rest_k = n_all.copy(), k_all.copy()
            for j, row in enumerate(rows):
                if j == len(rows) - 1:
                    cell_n, cell_k = rest_n.copy(), rest_k.copy()
                else:
                    cell_n = rng.binomial(rest_n, 1 / (len(rows) - j))
                    cell_k = rng.hypergeometric(rest_k, rest_n - rest_k, cell_n)
                n[row, 1:], k[row, 1:] = cell_n, cell_k
                rest_n -= cell_n
                rest_k -= cell_k
    n[:, 0] = n[:, 1:].sum(axis=1)
    k[:, 0] = k[:, 1:].sum(axis=1)
    ok = n >= min_n
    status = np.where(ok, "ok", np.where(n > 0, "suppressed", "no_data"))
    low, high = wilson_interval(k.ravel(), np.maximum(n.ravel(), 1))
    p = np.where(ok.ravel(), k.ravel() / np.maximum(n.ravel(), 1), np.nan)
    return pd.DataFrame({
        "indicator": np.repeat(keys["indicator"].to_numpy(), n_a),
        "area_id": np.tile(np.asarray(places, dtype=object), n_k),
        "group_var": np.repeat(keys["group_var"].to_numpy(), n_a),
        "group_value": np.repeat(keys["group_value"].to_numpy(), n_a),
        "numerator": np.where(ok.ravel(), k.ravel(), np.nan), "n": n.ravel(), "p": p,
        "ci_low": np.where(ok.ravel(), low, np.nan), "ci_high": np.where(ok.ravel(), high, np.nan),
        "status": status.ravel(), "design": "srs"})


def timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def breaks_row(n: int, peer_max: int) -> str:
    import mapclassify

    y = np.random.default_rng(n).beta(2, 3, n)
    classify._cache.clear()
    _, t_g = timed(classify.class_breaks, y, "natural_breaks")
    _, t_x = timed(classify.fisher_jenks, y, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, t_s = timed(mapclassify.FisherJenksSampled, y, k=5)
        t_p = timed(mapclassify.FisherJenks, y, k=5)[1] if n <= peer_max else float("nan")
    return (f"  breaks on {n:>6,} values: geo4mi {t_g * 1000:8.1f} ms, exact {t_x * 1000:8.1f} ms"
            f" | mapclassify FisherJenks {t_p * 1000:9.1f} ms, FisherJenksSampled "
            f"{t_s * 1000:7.1f} ms")


def folium_peer(est: pd.DataFrame, areas: gpd.GeoDataFrame, indicator: str):
    """One folium.Choropleth (one indicator, all respondents) on geo4mi's simplified outlines."""
    import folium

    geojson = web_geometry(areas)
    rows = est[(est["indicator"] == indicator) & (est["group_var"] == "all")
               & (est["status"] == "ok") & (est["area_id"] != "_city")]
    data = pd.DataFrame({"area_id": rows["area_id"].astype(object).to_numpy(),
                         "pct": rows["p"].astype(float).to_numpy() * 100})
    m = folium.Map(location=[19.4, -99.13], zoom_start=10, tiles=None)
    folium.Choropleth(geo_data=geojson, data=data, columns=["area_id", "pct"],
                      key_on="feature.properties.id", fill_color="YlOrRd",
                      nan_fill_color="#b0b0b0", bins=[0, 20, 40, 60, 80, 100],
                      legend_name=f"{indicator} %").add_to(m)
    return m


def choropleth_rows(est: pd.DataFrame, areas: gpd.GeoDataFrame, labels, args,
                    folder: Path) -> None:
    n_units = len(areas)
    classify._cache.clear()
    out = {}
    for lang in ("es", "en"):
        path, t = timed(write_choropleth, est, areas, labels, folder / f"c{n_units}_{lang}.html",
                        lang=lang, min_n=args.min_n, synthetic=True)
        out[lang] = (path, t)
    size = out["es"][0].stat().st_size
    n_maps = len(est[["indicator", "group_var", "group_value"]].drop_duplicates())
    print(f"  geo4mi choropleth, {n_maps:,} indicator x group maps: build+write es "
          f"{out['es'][1]:.1f} s, en {out['en'][1]:.1f} s (cached breaks); "
          f"size {size / 2**20:.2f} MB")
    ind = "discriminated" if "discriminated" in labels.indicators else next(iter(labels.indicators))
    one, t_one = timed(write_choropleth, est, areas, labels, folder / f"c{n_units}_one.html",
                       lang="es", min_n=args.min_n, synthetic=True, indicators=[ind],
                       groups=[])
    peer_path = folder / f"folium{n_units}.html"
    _, t_peer = timed(lambda: folium_peer(est, areas, ind).save(str(peer_path)))
    peer_size = peer_path.stat().st_size
    timing = write_html(plain_offline_for_timing(folium_peer(est, areas, ind)),
                        folder / f"folium{n_units}_timing.html")
    import folium

    empty = folder / "folium_empty.html"
    folium.Map(location=[19.4, -99.13], zoom_start=10, tiles=None).save(str(empty))
    per_map = peer_size - empty.stat().st_size  # one more folium.Choropleth layer
    print(f"  one map ({ind}, all): geo4mi {one.stat().st_size / 2**20:.2f} MB in {t_one:.1f} s"
          f" | folium.Choropleth {peer_size / 2**20:.2f} MB in {t_peer:.1f} s; folium for "
          f"all {n_maps:,} maps (extrapolated, {per_map / 2**20:.2f} MB a layer) "
          f"{(empty.stat().st_size + per_map * n_maps) / 2**30:.2f} GB")
    if not args.no_browser:
        r = measure(out["es"][0], GEO4MI_SWITCH_JS, args.repeat, args.switches)
        print(f"  Chromium, geo4mi all maps: first render {r['first']:.0f} ms, switch "
              f"{r['painted']:.1f} ms painted ({r['script']:.1f} ms script), errors {r['errors']}")
        r = measure(one, GEO4MI_SWITCH_JS, args.repeat, 1)
        print(f"  Chromium, geo4mi one map: first render {r['first']:.0f} ms, errors "
              f"{r['errors']}")
        r = measure(timing, "() => ({script: 0, painted: 0})", args.repeat, 0)
        print(f"  Chromium, folium.Choropleth one map (*): first render {r['first']:.0f} ms, "
              f"errors {r['errors']}")


def one_size(areas: gpd.GeoDataFrame, results, args, folder: Path) -> None:
    n_units = len(areas)
    labels = results.labels
    est, t_est = timed(synthetic_estimates, results.estimates, list(areas["area_id"]),
                       args.per_area, args.min_n)
    n_ok = int((est["status"] == "ok").sum())
    print(f"\n{n_units:,} areas: {len(est):,} estimate rows ({n_ok:,} ok), made in {t_est:.1f} s",
          flush=True)
    if "breaks" in args.parts:
        print(breaks_row(n_units, args.peer_max), flush=True)
    if "choropleth" in args.parts:
        choropleth_rows(est, areas, labels, args, folder)
    if "figures" in args.parts:
        figures_rows(est, areas, labels, args, folder)


def figures_rows(est: pd.DataFrame, areas: gpd.GeoDataFrame, labels, args,
                 folder: Path) -> None:
    n_units = len(areas)
    _base, t_prep = timed(carto.prepare_areas, areas)
    ind = "discriminated" if "discriminated" in labels.indicators else next(iter(labels.indicators))
    import matplotlib.pyplot as plt

    t_fig, sizes = 0.0, []
    cpu = time.process_time()
    load = os.getloadavg()[0]
    for lang in ("es", "en"):
        for kind, fn in (("map", choropleth_figure), ("bars", indicator_bar_chart)):
            t = time.perf_counter()
            fig = fn(est, areas, labels, ind, lang=lang, min_n=args.min_n, synthetic=True,
                     scheme="natural_breaks")
            paths = save_figure(fig, folder / f"{kind}{n_units}_{lang}", "png")
            plt.close(fig)
            t_fig += time.perf_counter() - t
            sizes.append(paths[0].stat().st_size)
            print(f"    {kind} {lang}: {time.perf_counter() - t:.1f} s, "
                  f"{sizes[-1] / 2**20:.2f} MB", flush=True)
    cpu = time.process_time() - cpu
    # label placement alone, on a fresh base (the figures above cached theirs)
    fresh = carto.prepare_areas(areas)
    fig = plt.figure(figsize=(7, 7))
    ax = carto.map_axes(fig, (0.05, 0.05, 0.9, 0.9), fresh)
    _, t_lab = timed(carto.place_labels, ax, fresh, [n[-4:] for n in fresh.names], fontsize=5)
    placed = sum(1 for a in ax.texts)
    plt.close(fig)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  figures: prepare areas {t_prep:.1f} s; one indicator's 4 PNGs (map + bars, es + en) "
          f"{t_fig:.1f} s ({cpu:.1f} s CPU, load {load:.1f} before), "
          f"{max(sizes) / 2**20:.2f} MB largest; label placement {t_lab:.1f} s "
          f"({placed} of {n_units} labels drawn); peak RSS so far {rss:.0f} MiB")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boroughs", action=argparse.BooleanOptionalAction, default=True,
                    help="also the 16 bundled alcaldías (default: yes)")
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 2431])
    ap.add_argument("--voronoi", type=int, nargs="*", default=[5000],
                    help="also this many Voronoi cells over the city (none: skip)")
    ap.add_argument("--ageb", type=Path, default=None)
    ap.add_argument("--per-area", type=float, default=40.0,
                    help="mean respondents per area (default 40: ~100k over 2,431 AGEBs)")
    ap.add_argument("--min-n", type=int, default=10)
    ap.add_argument("--peer-max", type=int, default=2431,
                    help="largest size for the pure-Python mapclassify peer")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--switches", type=int, default=5)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--parts", nargs="+", choices=["breaks", "choropleth", "figures"],
                    default=["breaks", "choropleth", "figures"])
    args = ap.parse_args(argv)
    path = args.ageb or ageb_path()
    results = run(bundled_study_path())
    folder = Path(tempfile.mkdtemp(prefix="bench_scale_"))
    print(f"files in {folder}; {len(results.labels.indicators)} indicators; "
          f"~{args.per_area:g} respondents per area")
    if args.boroughs:
        from geo4mi.boundaries import load_areas

        one_size(load_areas(), results, args, folder)
    for n in args.sizes:
        one_size(load_units(path, n), results, args, folder)
    for n in args.voronoi or []:
        one_size(voronoi_units(path, n), results, args, folder)
    print(f"\nmachine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
    print("goals on 2,431 areas: choropleth <= 3 MB, first render <= 1 s, switch <= 100 ms, "
          "one indicator's figures <= 30 s; 10,000 areas without a memory error")
    return 0


if __name__ == "__main__":
    sys.exit(main())
