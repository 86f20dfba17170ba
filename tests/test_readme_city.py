"""The README's "Your city in five minutes" runs as written (issue 14, item 5).

The made-up city of :mod:`hostile_study` (plain texts) is written into an empty folder as
``areas.gpkg``, ``form.xlsx`` and ``export.csv``; every ``geo4mi`` command of the section is
taken from the README's text and run there in a subprocess, in order. The output shown in the
README's console block must be what ``init`` prints, the study file shown in step 5 replaces
the one ``init`` wrote, and the phrases the README quotes must be in the maps.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from hostile_study import write_hostile_study

ROOT = Path(__file__).resolve().parent.parent


def section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("### Your city in five minutes")
    end = min(i for i in (text.find("\n## ", start), text.find("\n### ", start + 4)) if i > 0)
    return text[start:end]


def steps(text: str) -> list[tuple[str, object]]:
    """The section's actions in order: ("run", argv, shown output) and ("toml", text)."""
    out: list[tuple[str, object]] = []
    blocks = list(re.finditer(r"```(\w+)\n(.*?)```", text, flags=re.S))
    pos = 0
    for block in [*blocks, None]:
        stop = block.start() if block else len(text)
        for cmd in re.findall(r"`(geo4mi [^`]+)`", text[pos:stop]):
            if len(shlex.split(cmd)) > 2:  # a command with its files, not a name in a sentence
                out.append(("run", shlex.split(cmd), []))
        if block is None:
            break
        body = re.sub(r"(?m)^   ", "", block.group(2))  # the list item's indent
        if block.group(1) == "console":
            lines = body.splitlines()
            for i, line in enumerate(lines):
                if line.startswith("$ geo4mi "):
                    shown = []
                    for rest in lines[i + 1:]:
                        if rest.startswith("$ "):
                            break
                        shown.append(rest.strip())
                    out.append(("run", shlex.split(line[2:]), shown))
        elif block.group(1) == "toml":
            out.append(("toml", body))
        pos = block.end()
    return out


def test_every_command_of_the_guide_runs(tmp_path):
    given = write_hostile_study(tmp_path / "given", text=lambda i: f"Texto {i}").parent
    work = tmp_path / "city"
    work.mkdir()
    for name in ("areas.gpkg", "form.xlsx", "export.csv"):
        shutil.copy(given / name, work / name)
    actions = steps(section())
    commands = [a[1][1] for a in actions if a[0] == "run"]
    assert commands[:3] == ["init", "check", "build"] and commands.count("build") == 2
    assert [a[0] for a in actions].count("toml") == 1
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    builds = []
    for action in actions:
        if action[0] == "toml":  # step 5: the filled-in study replaces init's
            (work / "villa.toml").write_text(str(action[1]), encoding="utf-8")
            continue
        _, argv, shown = action
        done = subprocess.run([sys.executable, "-m", *argv], cwd=work, env=env,
                              capture_output=True, text=True, encoding="utf-8")
        assert done.returncode == 0, (argv, done.stderr[-2000:])
        printed = [line.strip() for line in done.stdout.splitlines()]
        missing = [line for line in shown if line not in printed]
        assert missing == [], (argv, missing, printed)
        if argv[1] == "build":
            html = (work / "out" / "choropleth.html").read_text(encoding="utf-8")
            builds.append((html, (work / "out" / "choropleth.en.html").read_text(
                encoding="utf-8")))
    assert "comuna" not in builds[0][0]  # init's study speaks of areas
    es, en = builds[1]
    step6 = section().split("6. **Run**", 1)[1].split("\n\n", 1)[0]
    assert len(re.findall(r'"([^"]+)"', step6)) >= 5
    for phrase in re.findall(r'"([^"]+)"', step6):
        phrase = " ".join(phrase.split())  # the README wraps its lines
        assert phrase in es or phrase in en, phrase
