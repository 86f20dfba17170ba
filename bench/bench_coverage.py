"""Benchmark: coverage of the 95 % intervals on clustered samples, with and without the design.

Draws many samples with the bundled demo's own enumerator workloads (the interviews each
enumerator did in ``data/mexico_city.toml``'s sample: 10 enumerators, from 89 interviews
down to 4) and a yes/no answer whose intra-class correlation (ICC) within an enumerator's
interviews is 0, 0.02 or 0.10 (beta-binomial: each enumerator's own rate is drawn from a
Beta distribution with mean ``p`` and ICC ``rho``; every respondent then answers yes with
that rate). The truth is ``p``. For each sample geo4mi estimates

- the whole-sample proportion ("all"), and
- the proportion in a domain that cuts across enumerators (a random half of the
  respondents, as a gender or nationality group would), and
- the proportion in each borough, with the demo's own borough of each interview (most
  boroughs are mostly one enumerator's: 86 of Cuauhtémoc's 96 interviews),

once as today (no design keys: Wilson on ``n``, a simple random sample assumed) and once
with ``cluster = "enumerator"``, and counts how often each 95 % interval covers ``p``.

Each sample is estimated alone, by one :func:`geo4mi.indicators.estimate.estimate` call with
the boroughs as areas, as the pipeline would: a cell with too few clusters of its own models
its design effect from the *whole sample's* (``design.design_interval``), so samples cannot
be stacked into one call.
The goal (issue 13) is 93–97 % coverage with the design keys; the measured table, before
and after the shrunk ICC of ``design.cluster_icc``, is in docs/indicators.md ("Survey
design").

Run: ``.venv/bin/python bench/bench_coverage.py [--samples 2000] [--p 0.3 0.1] [--seed 13]``
"""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any

import numpy as np
import pandas as pd

from geo4mi.indicators.catalogue import bundled_catalogue_path, load_catalogue
from geo4mi.indicators.design import Design
from geo4mi.indicators.estimate import estimate

ICCS = (0.0, 0.02, 0.10)


def demo_layout() -> tuple[np.ndarray, np.ndarray]:
    """Enumerator (0 = busiest) and borough of each respondent of the bundled demo sample."""
    from geo4mi.pipeline import run
    from geo4mi.study import bundled_study_path

    resp = run(bundled_study_path()).respondents
    order = resp["enumerator"].value_counts().index.tolist()
    enumerator = resp["enumerator"].map({e: i for i, e in enumerate(order)})
    keep = resp["area_id"].notna().to_numpy()
    sort = np.argsort(enumerator.to_numpy()[keep], kind="stable")
    return (enumerator.to_numpy(dtype=np.int64)[keep][sort],
            resp["area_id"].to_numpy(dtype=object)[keep][sort])


def samples(enumerator: np.ndarray, borough: np.ndarray, *, n_samples: int, p: float,
            icc: float, rng: np.random.Generator) -> list[pd.DataFrame]:
    """``n_samples`` samples of the demo's layout, each with the boroughs as ``area_id``."""
    k, m = int(enumerator.max()) + 1, enumerator.size
    if icc > 0:
        a, b = p * (1 - icc) / icc, (1 - p) * (1 - icc) / icc
        rate = rng.beta(a, b, size=(n_samples, k))
    else:
        rate = np.full((n_samples, k), p)
    yes = rng.random((n_samples, m)) < rate[:, enumerator]
    half = rng.random((n_samples, m)) < 0.5
    fixed = {"area_id": pd.array(borough, dtype="str"),
             "enumerator": pd.array(np.char.add("e", enumerator.astype(str)).astype(object),
                                    dtype="str")}
    return [pd.DataFrame({
        **fixed,
        "feel_safe": pd.array(np.where(yes[i], "yes", "no").astype(object), dtype="str"),
        "half": pd.array(np.where(half[i], "in", "out").astype(object), dtype="str"),
    }) for i in range(n_samples)]


def coverage(est: pd.DataFrame, p: float) -> dict[str, float]:
    rows = est[est["status"] == "ok"]
    city = rows["area_id"] == "_city"
    out = {}
    for name, part in (("all", rows[city & (rows["group_var"] == "all")]),
                       ("domain", rows[city & (rows["group_value"] == "in")]),
                       ("borough", rows[~city & (rows["group_var"] == "all")
                                        & (rows["n"] >= 10)])):
        low = part["ci_low"].to_numpy(dtype="float64")
        high = part["ci_high"].to_numpy(dtype="float64")
        out[name] = float(np.mean((low <= p) & (p <= high)))
        out[name + "_width"] = float(np.mean(high - low))
        out[name + "_deff"] = float(np.nanmean(part["deff"].to_numpy(dtype="float64",
                                                                     na_value=np.nan)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--p", type=float, nargs="+", default=[0.3, 0.1])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--design-only", action="store_true",
                        help="skip the runs without the design (their columns print as -; "
                             "the samples are the same either way)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    enumerator, borough = demo_layout()
    sizes = np.bincount(enumerator)
    catalogue = load_catalogue(bundled_catalogue_path()).subset(["feel_safe"])
    design = Design(cluster="enumerator")
    areas = sorted(set(borough))
    print(f"enumerator workloads of the demo: {sizes.tolist()} (n = {sizes.sum()}, "
          f"{len(set(borough))} boroughs); {args.samples} samples per setting; Monte Carlo "
          f"error of a 95 % coverage ±{1.96 * np.sqrt(0.95 * 0.05 / args.samples) * 100:.1f} "
          "points")
    print(f"\n{'p':>5} {'ICC':>5} | {'coverage, no design':>27} | {'coverage, cluster':>27} "
          f"| {'mean deff':>15} | {'width ratio':>19} | s")
    head = f"{'all':>7} {'domain':>7} {'borough':>7}"
    print(f"{'':>5} {'':>5} | {head}   | {head}   | {'all':>4} {'dom.':>4} {'bor.':>4}  | "
          f"{'all':>5} {'dom.':>5} {'bor.':>5}  |")
    rng = np.random.default_rng(args.seed)
    kinds = ("all", "domain", "borough")
    for p in args.p:
        for icc in ICCS:
            frames = samples(enumerator, borough, n_samples=args.samples, p=p, icc=icc,
                             rng=rng)
            kw: dict[str, Any] = dict(area_ids=areas, groups=["half"], min_n=1, complementary=False)
            t = time.perf_counter()
            srs = None if args.design_only else pd.concat([estimate(f, catalogue, **kw)
                                                            for f in frames])
            t_srs = time.perf_counter() - t
            t = time.perf_counter()
            des = pd.concat([estimate(f, catalogue, design=design, **kw) for f in frames])
            t_des = time.perf_counter() - t
            res = coverage(des, p)
            base = coverage(srs, p) if srs is not None else None
            print(f"{p:5.2f} {icc:5.2f} | "
                  + " ".join(f"{base[k]:7.1%}" if base else f"{'-':>7}" for k in kinds)
                  + " | " + " ".join(f"{res[k]:7.1%}" for k in kinds) + " | "
                  + " ".join(f"{res[k + '_deff']:4.1f}" for k in kinds) + "  | "
                  + " ".join(f"{res[k + '_width'] / base[k + '_width']:5.2f}" if base
                             else f"{'-':>5}" for k in kinds)
                  + f"  | {t_srs:.1f}/{t_des:.1f}", flush=True)
    print("\ncoverage: share of the samples' 95 % intervals that cover the truth (borough: "
          "cells of boroughs with n >= 10, pooled); mean deff: of the cells where it can be "
          "estimated; width ratio: mean design interval width / mean Wilson width; s: "
          "seconds for the estimate calls without / with the design")


if __name__ == "__main__":
    main()
