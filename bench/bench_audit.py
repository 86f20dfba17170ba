"""Benchmark: the built-in intruder (``geo4mi.indicators.audit``) on the bundled study.

Times building the relations and the integer bound propagation over every published cell
of the Mexico City study (117 indicators x city + 17 areas x 20 columns), with and without
the true counts, and prints the findings by kind. With ``--protect`` also times
``geo4mi.indicators.protect.protect`` and counts the cells it hides.

Run: ``.venv/bin/python bench/bench_audit.py [--protect]``
"""

from __future__ import annotations

import argparse
import time

from geo4mi import pipeline
from geo4mi.indicators.audit import audit, true_estimates
from geo4mi.study import bundled_study_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protect", action="store_true")
    args = parser.parse_args()
    results = pipeline.run(bundled_study_path())
    t0 = time.perf_counter()
    truth = true_estimates(results)
    t1 = time.perf_counter()
    found = audit(results.estimates, results.catalogue, min_n=results.study.min_n, truth=truth)
    t2 = time.perf_counter()
    blind = audit(results.estimates, results.catalogue, min_n=results.study.min_n)
    t3 = time.perf_counter()
    print(f"{len(results.estimates):,} published cells")
    print(f"true counts (estimate, nothing hidden): {t1 - t0:.2f} s")
    print(f"audit with the truth:    {t2 - t1:.2f} s, {len(found):,} findings "
          f"{found['what'].value_counts().to_dict()}")
    print(f"audit without the truth: {t3 - t2:.2f} s, {len(blind):,} findings")
    if args.protect:
        from geo4mi.indicators.protect import protect
        t4 = time.perf_counter()
        safe, lost = protect(results.estimates, results.catalogue,
                             min_n=results.study.min_n, truth=truth)
        print(f"protect: {time.perf_counter() - t4:.1f} s, {len(lost):,} more figures hidden "
              f"in {int(lost['round'].max()) if len(lost) else 0} rounds "
              f"{lost['what'].value_counts().to_dict()}")


if __name__ == "__main__":
    main()
