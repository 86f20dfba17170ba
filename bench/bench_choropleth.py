"""Benchmark: the geo4mi choropleth vs a plain folium build of the same data.

The plain build is what a notebook user writes: one ``folium.Choropleth`` per indicator ×
group value, each carrying the borough GeoDataFrame (WGS 84) and its values, with a layer
control; only the first layer is shown. Both are built from the bundled demo study.

Measured in this run, in Debian's headless Chromium with the network blocked:

- HTML bytes of the file as written (the plain build as ``Map.save`` writes it);
- time to first render: navigation start to the second animation frame after ``load``
  (HTML parsed, scripts run, boroughs drawn and painted), median of ``--repeat`` loads;
- time to switch indicator: geo4mi = change the indicator ``<select>`` and wait two frames;
  plain = hide the shown layer, show the next one and wait two frames; median.

The plain page cannot render offline as written (Leaflet, jQuery, Bootstrap and d3 come
from CDNs: "L is not defined"), so for timing only it is given inlined Leaflet and its
d3 legends are dropped, which can only make it faster. Building every indicator × group
layer (2,340) would write gigabytes, so the plain build covers ``--plain-indicators``
indicators (default 20, as in issue 4) × every group value; its full size is extrapolated
per layer and printed as such. geo4mi is measured both on the same subset and in full.

Run: ``.venv/bin/python bench/bench_choropleth.py [--repeat 5] [--plain-indicators 20]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import folium

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from browser import offline_page

from geo4mi.outputs import choropleth_inputs
from geo4mi.pipeline import run
from geo4mi.study import bundled_study_path
from geo4mi.webmap.assets import leaflet_css, leaflet_js, write_html
from geo4mi.webmap.choropleth import choropleth_map, render_choropleth, render_offline_html

FIRST_RENDER_JS = """() => new Promise(done => {
    // a geo4mi page fills its caption when drawn (after inflating packed data, big pages);
    // other pages (folium) draw on load
    const drawn = () => !document.getElementById('g4c-caption')
        || document.getElementById('g4c-caption').textContent !== '';
    const wait = () => drawn() ? requestAnimationFrame(() => requestAnimationFrame(() =>
        done({t: performance.now(),
              paths: document.querySelectorAll('path.leaflet-interactive').length})))
        : requestAnimationFrame(wait);
    wait();
})"""

GEO4MI_SWITCH_JS = """(index) => new Promise(done => {
    const sel = document.getElementById('g4c-indicator');
    const t0 = performance.now();
    sel.value = String(index);
    sel.dispatchEvent(new Event('change'));
    const t1 = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() =>
        done({script: t1 - t0, painted: performance.now() - t0})));
})"""

PLAIN_SWITCH_JS = """(index) => new Promise(done => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    // one feature group per folium.Choropleth, in the order they were declared
    const layers = Object.keys(window).filter(k => /^choropleth_[0-9a-f]+$/.test(k))
        .map(k => window[k]).filter(v => v instanceof L.FeatureGroup);
    const t0 = performance.now();
    layers.forEach(l => { if (map.hasLayer(l)) map.removeLayer(l); });
    map.addLayer(layers[index % layers.length]);
    const t1 = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() =>
        done({script: t1 - t0, painted: performance.now() - t0, n: layers.length})));
})"""


def plain_folium(results, indicators: list[str], *, every_group: bool) -> folium.Map:
    """One folium.Choropleth per indicator × group value, as a notebook user would write."""
    areas = results.areas.to_crs("EPSG:4326")
    est = results.estimates
    if not every_group:
        est = est[est["group_var"] == "all"]
    m = folium.Map(location=[19.4, -99.13], zoom_start=10, tiles=None)
    first = True
    for ind in indicators:
        sub = est[(est["indicator"] == ind) & (est["area_id"] != "_city")]
        for (gv, val), rows in sub.groupby(["group_var", "group_value"], sort=False):
            data = rows[rows["status"] == "ok"].assign(pct=lambda d: d["p"].astype(float) * 100)
            folium.Choropleth(
                geo_data=areas[["area_id", "area_name", "geometry"]],
                data=data[["area_id", "pct"]], columns=["area_id", "pct"],
                key_on="feature.properties.area_id", fill_color="YlOrRd",
                nan_fill_color="#b0b0b0", bins=[0, 20, 40, 60, 80, 100],
                name=f"{ind} – {gv}={val}", legend_name=f"{ind} ({gv}={val}) %",
                show=first, overlay=True,
            ).add_to(m)
            first = False
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def plain_offline_for_timing(m: folium.Map) -> str:
    """The plain page with Leaflet inlined and its d3 legends dropped (timing only)."""
    for child in list(m._children.values()):
        if isinstance(child, folium.Choropleth) and child.color_scale is not None:
            child._children.pop(child.color_scale.get_name(), None)
            child.color_scale = None
    html = m.get_root().render()
    import re

    html = re.sub(r'<script src="[^"]*leaflet[^"]*\.js"></script>',
                  lambda _: f"<script>{leaflet_js()}</script>", html, count=1)
    html = re.sub(r'<link rel="stylesheet" href="[^"]*leaflet\.css"/>',
                  lambda _: f"<style>{leaflet_css()}</style>", html, count=1)
    html = re.sub(r'<script src="[^"]*"></script>|<link rel="stylesheet" href="[^"]*"/>', "",
                  html)
    return html


def measure(path: Path, switch_js: str, repeat: int, switches: int) -> dict[str, float]:
    first, script, painted, paths, errors = [], [], [], 0, []
    for _ in range(repeat):
        with offline_page(path, wait="load") as (page, report):
            r = page.evaluate(FIRST_RENDER_JS)
            first.append(r["t"])
            paths = r["paths"]
            for k in range(1, switches + 1):
                s = page.evaluate(switch_js, k)
                script.append(s["script"])
                painted.append(s["painted"])
        errors += report.page_errors + report.external
    if errors:
        print(f"  {path.name}: {errors[:3]}")
    return {"first": statistics.median(first),
            "script": statistics.median(script) if script else float("nan"),
            "painted": statistics.median(painted) if painted else float("nan"),
            "paths": paths, "errors": len(errors)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--switches", type=int, default=10)
    ap.add_argument("--plain-indicators", type=int, default=20)
    ap.add_argument("--plain-groups", choices=["all", "every"], default="all",
                    help="plain build: 'all respondents' only (issue 4's 20-layer build, "
                         "default) or every group value (slow: ~0.7 MB per layer)")
    args = ap.parse_args(argv)

    results = run(bundled_study_path())
    est = results.estimates
    indicators = list(dict.fromkeys(est["indicator"]))
    n_groups = est[["group_var", "group_value"]].drop_duplicates().shape[0]
    subset = indicators[:args.plain_indicators]
    folder = Path(tempfile.mkdtemp(prefix="bench_choropleth_"))

    t0 = time.perf_counter()
    full = write_html(render_offline_html(render_choropleth(*choropleth_inputs(results))),
                      folder / "geo4mi_full.html")
    t_full = time.perf_counter() - t0
    study = results.study
    sub_map = choropleth_map(est, results.areas, results.labels, lang=study.language,
                             min_n=study.min_n, synthetic=study.synthetic, indicators=subset,
                             groups=None if args.plain_groups == "every" else [])
    sub = write_html(render_offline_html(sub_map), folder / "geo4mi_subset.html")

    t0 = time.perf_counter()
    plain = plain_folium(results, subset, every_group=args.plain_groups == "every")
    plain_path = folder / "plain_subset.html"
    plain.save(str(plain_path))
    t_plain = time.perf_counter() - t0
    plain_groups = n_groups if args.plain_groups == "every" else 1
    plain_layers = len(subset) * plain_groups
    per_layer = plain_path.stat().st_size / plain_layers
    # a fresh build: rendering once (save) leaves the legends in the figure
    plain_timing = write_html(plain_offline_for_timing(
        plain_folium(results, subset, every_group=args.plain_groups == "every")),
        folder / "plain_timing.html")

    print(f"demo study: {len(indicators)} indicators x {n_groups} group values "
          f"= {len(indicators) * n_groups} indicator-group maps, 16 boroughs; files in {folder}")
    print(f"build time: geo4mi full {t_full:.2f} s; plain folium subset "
          f"({plain_layers} layers) {t_plain:.2f} s")
    kb = 1024
    print("\nHTML bytes")
    print(f"  geo4mi, all {len(indicators)} indicators x {n_groups} groups : "
          f"{full.stat().st_size / kb:10.0f} KB  (goal <= 500 KB)")
    print(f"  geo4mi, {len(subset)} indicators x {plain_groups} groups        : "
          f"{sub.stat().st_size / kb:10.0f} KB")
    print(f"  plain folium, {len(subset)} indicators x {plain_groups} groups  : "
          f"{plain_path.stat().st_size / kb:10.0f} KB  "
          f"({plain_path.stat().st_size / sub.stat().st_size:.0f}x geo4mi on the same data)")
    print(f"  plain folium, all (extrapolated, {per_layer / kb:.0f} KB/layer): "
          f"{per_layer * len(indicators) * n_groups / kb / kb:10.0f} MB  "
          f"({per_layer * len(indicators) * n_groups / full.stat().st_size:.0f}x geo4mi full)")

    print(f"\nheadless Chromium, offline, median of {args.repeat} loads / "
          f"{args.switches * args.repeat} switches")
    print(f"  {'':38s} {'first render':>13s} {'switch (script)':>16s} {'switch (painted)':>17s}")
    rows = [("geo4mi full", measure(full, GEO4MI_SWITCH_JS, args.repeat, args.switches)),
            (f"geo4mi {len(subset)} indicators", measure(sub, GEO4MI_SWITCH_JS, args.repeat,
                                                          args.switches)),
            (f"plain folium {len(subset)} indicators (*)",
             measure(plain_timing, PLAIN_SWITCH_JS, args.repeat, args.switches))]
    for name, r in rows:
        print(f"  {name:38s} {r['first']:10.0f} ms {r['script']:13.1f} ms {r['painted']:14.1f} ms"
              f"   paths={r['paths']} errors={r['errors']}")
    print("  (*) the plain page as written draws nothing offline (CDN scripts); timed with "
          "Leaflet inlined and legends dropped")
    g = rows[0][1]
    print(f"\ngoals: first render {g['first']:.0f} ms (<= 500), switch {g['painted']:.1f} ms "
          f"(<= 50), size {full.stat().st_size / kb:.0f} KB (<= 500), "
          f"{per_layer * len(indicators) * n_groups / full.stat().st_size:.0f}x smaller (>= 20)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
