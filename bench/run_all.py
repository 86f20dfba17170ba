"""Run every benchmark in this folder, one process each, and print their figures.

Benchmarks are run on demand (``make bench``), never as part of the test suite. Each
script prints geo4mi's figures and its peer's (sjoin, pandas, rasterstats, exactextract,
a plain folium build) measured in the same run.

Run: ``.venv/bin/python bench/run_all.py [NAME ...]`` (names like ``indicators``, ``zonal``,
``sites_import``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in argv]
    failed = []
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        if subprocess.call([sys.executable, str(script)]) != 0:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
