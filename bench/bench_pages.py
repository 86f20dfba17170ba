"""Benchmark: the choropleth at 2,431 AGEBs as one page and as one page per grouping variable.

The synthetic estimates of ``bench_scale.py`` (117 indicators × 20 group values over INEGI's
2,431 urban AGEBs, ~40 respondents per area) are written twice in the same session: as
one page (every map; what ``build`` wrote before ``SPLIT_ABOVE``) and split
(:func:`geo4mi.webmap.choropleth.write_choropleth_pages`: everyone's maps in the entry
page, each grouping variable's in its own). Printed: the build CPU seconds and bytes of
each page; in headless Chromium with the network blocked (``bench_choropleth.measure``),
the first render and the indicator switch of the one page, the entry page and the
largest group page, interleaved over ``--rounds``; and opening a group from the entry
page (choosing it until the group's page has drawn).

Run: ``.venv/bin/python bench/bench_pages.py [--areas 2431] [--repeat 3] [--rounds 2]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # this checkout's geo4mi, not an installed one
sys.path.insert(0, str(HERE.parent / "tests"))

from bench_choropleth import FIRST_RENDER_JS, measure  # noqa: E402
from bench_scale import ageb_path, load_units, synthetic_estimates  # noqa: E402
from browser import offline_page  # noqa: E402

from geo4mi import classify  # noqa: E402
from geo4mi.pipeline import run  # noqa: E402
from geo4mi.study import bundled_study_path  # noqa: E402
from geo4mi.webmap.choropleth import (  # noqa: E402
    ChoroplethData,
    ChoroplethSettings,
    write_choropleth_pages,
)

#: ``bench_choropleth.GEO4MI_SWITCH_JS`` over the indicators offered with the page's group
#: (one whose question defines the group would open everyone's page instead)
SWITCH_JS = """(k) => new Promise(done => {
    const data = geo4miChoropleth.current.data;
    const sel = document.getElementById('g4c-indicator');
    const group = data.groups[+document.getElementById('g4c-group').value];
    const offered = data.indicators.map((ind, i) => (ind.skip || []).includes(group.var)
                                        ? -1 : i).filter(i => i >= 0);
    const t0 = performance.now();
    sel.value = String(offered[k % offered.length]);
    sel.dispatchEvent(new Event('change'));
    const t1 = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() =>
        done({script: t1 - t0, painted: performance.now() - t0})));
})"""


def cpu(fn, *args, **kw):
    classify._cache.clear()  # each build computes its breaks
    t = time.process_time()
    out = fn(*args, **kw)
    return out, time.process_time() - t


def open_group(entry: Path, label: str, repeat: int) -> float:
    """Milliseconds from choosing ``label`` in the entry page's group select to its page
    drawn (median of ``repeat``)."""
    times = []
    for _ in range(repeat):
        with offline_page(entry, wait="load") as (page, _report):
            page.evaluate(FIRST_RENDER_JS)
            t0 = page.evaluate("performance.timeOrigin + performance.now()")
            with page.expect_navigation():
                page.select_option("#g4c-group", label=label)
            page.evaluate(FIRST_RENDER_JS)
            times.append(page.evaluate("performance.timeOrigin + performance.now()") - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", type=int, default=2431)
    ap.add_argument("--ageb", type=Path, default=None)
    ap.add_argument("--per-area", type=float, default=40.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--switches", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args(argv)
    results = run(bundled_study_path())
    areas = load_units(args.ageb or ageb_path(), args.areas)
    est = synthetic_estimates(results.estimates, list(areas["area_id"]), args.per_area, 10)
    data = ChoroplethData.prepare(est, areas, results.labels, min_n=10, synthetic=True)
    settings = ChoroplethSettings(lang="es", selected="discriminated",  # as build opens
                                  alternates={"es": "choropleth.html",
                                              "en": "choropleth.en.html"})
    folder = Path(tempfile.mkdtemp(prefix="bench_pages_"))
    print(f"{len(areas):,} areas, {len(est):,} estimate rows; files in {folder}")
    (one_dir, split_dir) = folder / "one", folder / "split"
    one_dir.mkdir()
    split_dir.mkdir()
    [one], t_one = cpu(write_choropleth_pages, data, settings, one_dir / "choropleth.html",
                       above=10**12)
    split, t_split = cpu(write_choropleth_pages, data, settings,
                         split_dir / "choropleth.html")
    mb = 2**20
    print(f"\nbuild (CPU s, es): one page {t_one:.1f} s; split {t_split:.1f} s "
          f"({len(split)} pages)")
    print(f"  one page, all maps: {one.stat().st_size / mb:.2f} MB")
    for p in split:
        print(f"  {p.name:40s} {p.stat().st_size / mb:.2f} MB")
    print(f"  split, all pages together: {sum(p.stat().st_size for p in split) / mb:.2f} MB")
    largest = max(split[1:], key=lambda p: p.stat().st_size)
    pages = {"one page": one, "entry (everyone)": split[0], f"group ({largest.name})": largest}
    found: dict[str, list[dict[str, float]]] = {name: [] for name in pages}
    for _ in range(args.rounds):  # interleaved, so the machine's load hits each alike
        for name, path in pages.items():
            found[name].append(measure(path, SWITCH_JS, args.repeat, args.switches))
    print(f"\nheadless Chromium, offline; medians over {args.rounds} rounds of "
          f"{args.repeat} loads / {args.repeat * args.switches} switches")
    for name, rows in found.items():
        first = statistics.median(r["first"] for r in rows)
        script = statistics.median(r["script"] for r in rows)
        painted = statistics.median(r["painted"] for r in rows)
        errors = sum(r["errors"] for r in rows)
        print(f"  {name:48s} first render {first:6.0f} ms, switch {painted:6.1f} ms painted "
              f"({script:.1f} ms script), errors {errors}")
    label = results.labels.group_value_label("gender", "woman", "es")
    print(f"  choosing {label!r} on the entry page until its page is drawn: "
          f"{open_group(split[0], label, args.repeat):.0f} ms")
    print(f"\nmachine: {os.cpu_count()} cores, load average "
          f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
