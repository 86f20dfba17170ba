"""Benchmark: the geo4mi site map vs a plain folium map of the same sites and boroughs.

The plain map is what a notebook user writes: the boroughs as one ``folium.GeoJson``, one
``folium.CircleMarker`` per site with its name as a tooltip (folium's popups need jQuery from
a CDN) and one ``folium.Circle`` per site for its catchment. Both come from the bundled demo
study.

Measured in this run, in Debian's headless Chromium with the network blocked:

- HTML bytes of the file as written;
- time to first render: navigation start to the second animation frame after ``load``,
  median of ``--repeat`` loads;
- time to switch a layer: geo4mi = click the first overlay of its layer control; plain = remove
  or add its sites layer through Leaflet directly; then wait two frames, median of
  ``--switches`` toggles per load.

The plain page loads Leaflet from a CDN, so for timing only it is given inlined Leaflet
(as bench_choropleth.py does); folium's layer control needs jQuery from a CDN, so the plain
page has none and is toggled directly, which can only make it faster.

Run: ``.venv/bin/python bench/bench_sites_map.py [--repeat 5] [--switches 10]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import folium

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bench_choropleth import FIRST_RENDER_JS, plain_offline_for_timing
from browser import offline_page

import geo4mi
from geo4mi.sites import read_sites
from geo4mi.study import bundled_study_path, load_study

TOGGLE_JS = """() => new Promise(done => {
    const box = document.querySelector('.leaflet-control-layers-overlays input');
    const t0 = performance.now();
    box.click();
    const t1 = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() =>
        done({script: t1 - t0, painted: performance.now() - t0})));
})"""


PLAIN_TOGGLE_JS = """() => new Promise(done => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    const group = Object.keys(window).filter(k => /^feature_group_[0-9a-f]+$/.test(k))
        .map(k => window[k])[0];
    const t0 = performance.now();
    if (map.hasLayer(group)) { map.removeLayer(group); } else { map.addLayer(group); }
    const t1 = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() =>
        done({script: t1 - t0, painted: performance.now() - t0})));
})"""


def plain_folium(areas, sites, radius_m: float) -> folium.Map:
    """Boroughs, sites and catchments as a notebook user would draw them."""
    m = folium.Map(location=[19.4, -99.13], zoom_start=10, tiles=None)
    folium.GeoJson(areas[["area_id", "area_name", "geometry"]].to_crs("EPSG:4326"),
                   name="boroughs", tooltip=folium.GeoJsonTooltip(["area_name"])).add_to(m)
    points = folium.FeatureGroup(name="sites").add_to(m)
    rings = folium.FeatureGroup(name="catchments").add_to(m)
    for row in sites.to_crs("EPSG:4326").itertuples():
        folium.CircleMarker([row.geometry.y, row.geometry.x], radius=6,
                            tooltip=str(row.name)).add_to(points)
        folium.Circle([row.geometry.y, row.geometry.x], radius=radius_m).add_to(rings)
    return m


def measure(path: Path, toggle_js: str, repeat: int, switches: int) -> dict[str, float]:
    first, script, painted, errors = [], [], [], []
    for _ in range(repeat):
        with offline_page(path, wait="load") as (page, report):
            first.append(page.evaluate(FIRST_RENDER_JS)["t"])
            for _k in range(switches):
                s = page.evaluate(toggle_js)
                script.append(s["script"])
                painted.append(s["painted"])
        errors += report.page_errors + report.external
    if errors:
        print(f"  {path.name}: {errors[:3]}")
    return {"first": statistics.median(first), "script": statistics.median(script),
            "painted": statistics.median(painted), "errors": len(errors)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--switches", type=int, default=10)
    args = ap.parse_args(argv)
    study = load_study(bundled_study_path())
    results = geo4mi.run(study)
    sites = read_sites(study.sites.path, results.areas)
    with tempfile.TemporaryDirectory() as tmp:
        ours = results.sites_map().save(Path(tmp) / "sites.html")
        plain = Path(tmp) / "plain.html"
        plain.write_text(plain_offline_for_timing(plain_folium(results.areas, sites, 800.0)),
                         encoding="utf-8")
        rows = [("geo4mi site map", ours, TOGGLE_JS),
                ("plain folium (Leaflet inlined)", plain, PLAIN_TOGGLE_JS)]
        print(f"{'page':34} {'bytes':>10} {'first render':>13} {'toggle script':>14} "
              f"{'toggle painted':>15}")
        for name, path, toggle_js in rows:
            r = measure(path, toggle_js, args.repeat, args.switches)
            print(f"{name:34} {path.stat().st_size:>10,} {r['first']:>10.0f} ms "
                  f"{r['script']:>11.1f} ms {r['painted']:>12.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
