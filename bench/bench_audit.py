"""Benchmark: disclosure control on the bundled study (``geo4mi.indicators.audit``, ``protect``).

Runs the Mexico City study with ``[disclosure] protect`` off, then times

- the simple peer: estimation's own suppression alone (small cells, complementary cells
  in every line, linked counts: the classic rule of statistical offices),
- the true counts (estimation with nothing hidden, kept in memory),
- the built-in intruder on the peer's table, with and without the true counts,
- ``protect`` (the audited iterative protection) and the final audit of its table,

and prints the findings and the cells published before and after.

Run: ``.venv/bin/python bench/bench_audit.py``
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's geo4mi

from geo4mi import pipeline
from geo4mi.indicators.audit import audit, true_estimates
from geo4mi.indicators.estimate import estimate
from geo4mi.indicators.protect import protect
from geo4mi.study import bundled_study_path, load_study


def main() -> None:
    study = load_study(bundled_study_path())
    study = dataclasses.replace(study, disclosure=dataclasses.replace(study.disclosure,
                                                                      protect=False))
    results = pipeline.run(study)
    kept, cat, min_n = results.respondents, results.catalogue, study.min_n
    areas = results.areas["area_id"].tolist()
    groups = list(study.indicators.groups)
    t0 = time.perf_counter()
    peer = estimate(kept, cat, area_ids=areas, groups=groups, min_n=min_n)
    t1 = time.perf_counter()
    truth = true_estimates(results)
    t2 = time.perf_counter()
    found = audit(peer, cat, min_n=min_n, truth=truth)
    t3 = time.perf_counter()
    blind = audit(peer, cat, min_n=min_n)
    t4 = time.perf_counter()
    safe, lost = protect(peer, cat, min_n=min_n, truth=truth)
    t5 = time.perf_counter()
    after = audit(safe, cat, min_n=min_n, truth=truth)
    t6 = time.perf_counter()
    ok = {name: int((t["status"] == "ok").sum()) for name, t in (("peer", peer), ("safe", safe))}
    print(f"{len(peer):,} estimates ({len(cat.ids)} indicators)")
    print(f"peer, suppression when estimating: {t1 - t0:.2f} s, "
          f"{ok['peer']:,} published, {len(found):,} figures worked out "
          f"{found['what'].value_counts().to_dict()}")
    print(f"true counts: {t2 - t1:.2f} s")
    print(f"audit with the truth: {t3 - t2:.2f} s; without: {t4 - t3:.2f} s "
          f"({len(blind):,} findings)")
    rounds = int(lost["round"].max()) if len(lost) else 0
    print(f"protect: {t5 - t4:.2f} s, {rounds} rounds, {len(lost):,} more figures hidden "
          f"{lost['what'].value_counts().to_dict()}; {ok['safe']:,} published")
    print(f"final audit: {t6 - t5:.2f} s, {len(after):,} figures worked out")


if __name__ == "__main__":
    main()
