"""Benchmark: estimate every catalogue indicator per borough and group, geo4mi vs pandas.

For each size (default 100,000 and 1,000,000 respondents) the script draws respondents with
``geo4mi.synthetic.generate_respondents`` (a stand-in generator over the bundled XLSForm
is used if that module is missing or fails), places them in the 16 alcaldías from the
declared borough, adds the derived variables, then times

- ``geo4mi.indicators.estimate.estimate`` (all indicators × city + 16 boroughs × "all" +
  4 grouping variables), timed without tracing; its peak traced memory (tracemalloc)
  is measured in a second, separate call, and the process's peak resident memory
  (getrusage) is printed too, and
- the peer: a straightforward pandas implementation (per indicator, boolean Series and
  ``DataFrame.groupby([...]).sum()`` per grouping variable), on the same frame.

Both results are compared cell by cell (numerator and n must agree exactly).

With ``--clusters K`` (default 1,000) the design-based path (a weight and K clusters,
:mod:`geo4mi.indicators.design`) is timed on the same frame too.

Run: ``.venv/bin/python bench/bench_indicators.py [--sizes 100000 1000000] [--no-peer]
[--clusters 1000]``
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's geo4mi

from geo4mi.indicators.catalogue import add_derived, bundled_catalogue_path, load_catalogue
from geo4mi.indicators.estimate import CITY, estimate
from geo4mi.survey.xlsform import read_form

REPO_FORM = bundled_catalogue_path().parent / "questionnaire.xlsx"
GROUPS = ["nationality_group", "gender", "age_group", "time_in_city"]


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower())
                   if not unicodedata.combining(c))


def stand_in_respondents(n: int, form, *, seed: int = 7) -> pd.DataFrame:
    """Random answers for every question of the form (used when geo4mi.synthetic fails)."""
    rng = np.random.default_rng(seed)
    q = form.questions
    cols: dict[str, object] = {}
    for rec in q.to_dict("records"):
        name, kind = rec["name"], rec["type"]
        asked = rng.random(n) < (0.6 if rec["relevant"] else 1.0)
        if kind == "select_one":
            choices = np.array(form.choices_of(name), dtype=object)
            values = choices[rng.integers(0, len(choices), n)]
            values[~asked] = None
            cols[name] = pd.array(values, dtype="str")
        elif kind == "select_multiple":
            for c in form.choices_of(name):
                values = rng.random(n) < 0.3
                cols[f"{name}/{c}"] = pd.arrays.BooleanArray(values, ~asked)
        elif kind == "integer":
            cols[name] = pd.arrays.IntegerArray(rng.integers(16, 75, n), ~asked)
    return pd.DataFrame(cols)


def respondents(n: int, form, areas_by_name: dict[str, str]) -> tuple[pd.DataFrame, str]:
    try:
        from geo4mi.synthetic import generate_respondents
        frame, source = generate_respondents(n), "geo4mi.synthetic.generate_respondents"
    except Exception as exc:  # the generator is developed in parallel
        frame = stand_in_respondents(n, form)
        source = f"stand-in generator (geo4mi.synthetic unavailable: {type(exc).__name__})"
    labels = {c: areas_by_name.get(_plain(form.choice_label("alcaldia", c, "es")))
              for c in form.choices_of("borough")}
    area = frame["borough"].map(labels)
    # 2 % unassigned, as placement leaves some respondents without a borough
    area[np.random.default_rng(1).random(n) < 0.02] = None
    frame["area_id"] = pd.array(area.to_numpy(dtype=object), dtype="str")
    return frame, source


def naive(frame: pd.DataFrame, catalogue, area_ids: list[str]) -> dict[tuple, tuple]:
    """Peer: per indicator, pandas masks and one groupby per grouping variable."""
    out: dict[tuple, tuple] = {}
    known = frame["area_id"].where(frame["area_id"].isin(area_ids))
    for ind in catalogue:
        universe = (pd.Series(True, index=frame.index) if ind.universe is None
                    else pd.Series(ind.universe.mask(frame), index=frame.index))
        if ind.numerator is not None:
            value = pd.Series(ind.numerator.evaluate(frame), index=frame.index)
            valid = value.notna() | (ind.not_asked == "no")
            yes = value.fillna(False).astype(bool)
            excluded = pd.Series(False, index=frame.index)
        elif f"{ind.question}/{ind.choices[0]}" in frame.columns:
            cols = [frame[f"{ind.question}/{c}"] for c in ind.choices]
            valid = cols[0].notna() | (ind.not_asked == "no")
            yes = pd.concat(cols, axis=1).fillna(False).any(axis=1)
            excl = [frame[f"{ind.question}/{c}"].fillna(False) for c in ind.exclude]
            excluded = (pd.concat(excl, axis=1).any(axis=1) if excl
                        else pd.Series(False, index=frame.index))
        else:
            col = frame[ind.question].astype("object")
            valid = col.notna() | (ind.not_asked == "no")
            yes = col.isin(ind.choices)
            excluded = col.isin(ind.exclude)
        den = universe & valid & ~excluded
        num = den & yes
        work = pd.DataFrame({"den": den.astype(int), "num": num.astype(int), "area": known})
        for g in GROUPS:
            work[g] = frame[g].astype("object")
        total = work[["num", "den"]].sum()
        out[(ind.id, CITY, "all", "all")] = (int(total["num"]), int(total["den"]))
        for a, row in work.groupby("area")[["num", "den"]].sum().iterrows():
            out[(ind.id, a, "all", "all")] = (int(row["num"]), int(row["den"]))
        for g in GROUPS:
            for v, row in work.groupby(g, observed=True)[["num", "den"]].sum().iterrows():
                out[(ind.id, CITY, g, v)] = (int(row["num"]), int(row["den"]))
            cells = work.groupby(["area", g], observed=True)[["num", "den"]].sum()
            for (a, v), row in cells.iterrows():
                out[(ind.id, a, g, v)] = (int(row["num"]), int(row["den"]))
    return out


def check(est: pd.DataFrame, peer: dict[tuple, tuple]) -> int:
    """Number of published cells where geo4mi and the peer disagree (0 expected).

    Only what geo4mi publishes is compared: a hidden ``n`` (suppressed cells, counts shared
    with a hidden one) is NA and cannot be checked here.
    """
    bad = 0
    keys = zip(est["indicator"], est["area_id"], est["group_var"], est["group_value"],
               strict=True)
    numer = est["numerator"].to_numpy(dtype="float64", na_value=np.nan)
    sizes = est["n"].to_numpy(dtype="float64", na_value=np.nan)
    for key, n, k, status in zip(keys, sizes, numer, est["status"], strict=True):
        pk, pn = peer.get(key, (0, 0))
        if (not np.isnan(n) and pn != n) or (status == "ok" and pk != k):
            bad += 1
    return bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--no-peer", action="store_true", help="skip the pandas peer")
    parser.add_argument("--clusters", type=int, default=1000,
                        help="also time the design-based path with respondents spread over "
                             "this many clusters (0: skip)")
    args = parser.parse_args()
    import geopandas as gpd

    from geo4mi.boundaries import BUNDLED_LAYER, BUNDLED_PATH
    areas = gpd.read_file(BUNDLED_PATH, layer=BUNDLED_LAYER)
    area_ids = sorted(areas["CVEGEO"].astype(str))
    by_name = {_plain(n): i for n, i in zip(areas["NOMGEO"], areas["CVEGEO"].astype(str),
                                                  strict=True)}
    form = read_form(REPO_FORM)
    catalogue = load_catalogue(bundled_catalogue_path(), form=form)
    print(f"{len(catalogue)} indicators x ({len(area_ids)} boroughs + city) x "
          f"('all' + {', '.join(GROUPS)})")
    for n in args.sizes:
        t = time.perf_counter()
        frame, source = respondents(n, form, by_name)
        frame = add_derived(frame, catalogue)
        prep = time.perf_counter() - t
        print(f"\n{n:,} respondents from {source} ({prep:.1f} s to make)")
        # timed without tracing (tracemalloc slows numpy-heavy code ~3x); memory in a
        # second, separate pass
        t = time.perf_counter()
        est = estimate(frame, catalogue, area_ids=area_ids, groups=GROUPS)
        wall = time.perf_counter() - t
        tracemalloc.start()
        estimate(frame, catalogue, area_ids=area_ids, groups=GROUPS)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  geo4mi estimate : {wall:7.2f} s untraced; peak traced memory "
              f"{peak / 2**20:7.0f} MiB in a separate pass (process peak RSS so far "
              f"{rss:.0f} MiB), {len(est):,} rows")
        if args.clusters:
            from geo4mi.indicators.design import Design
            rng = np.random.default_rng(5)
            frame["_psu"] = pd.array(rng.integers(0, args.clusters, n).astype(str),
                                     dtype="str")
            frame["_w"] = rng.uniform(0.5, 2.0, n)
            t = time.perf_counter()
            est_d = estimate(frame, catalogue, area_ids=area_ids, groups=GROUPS,
                             design=Design(weight="_w", cluster="_psu"))
            wall_d = time.perf_counter() - t
            same = bool((est_d["n"] == est["n"]).all())
            print(f"  with design     : {wall_d:7.2f} s (weight + {args.clusters:,} clusters; "
                  f"{wall_d / wall:.1f}x the no-design time; same n: {same})")
        if args.no_peer:
            continue
        t = time.perf_counter()
        peer = naive(frame, catalogue, area_ids)
        peer_wall = time.perf_counter() - t
        bad = check(est, peer)
        print(f"  pandas groupby  : {peer_wall:7.2f} s  (peer; {peer_wall / wall:.1f}x slower); "
              f"cells that differ: {bad}")


if __name__ == "__main__":
    main()
