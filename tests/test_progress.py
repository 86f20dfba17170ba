"""Stage names and progress bars: on a terminal only, never in logs, pipes or outputs."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from geo4mi import progress
from geo4mi.study import bundled_study_path

pty = pytest.importorskip("pty")
ROOT = Path(__file__).resolve().parent.parent


def run_cli(args: list[str], *, terminal: bool) -> tuple[int, str, str]:
    """Run ``python -m geo4mi ARGS``; stderr on a pseudo-terminal when ``terminal``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "geo4mi", *args]
    if not terminal:
        done = subprocess.run(cmd, capture_output=True, env=env, stdin=subprocess.DEVNULL,
                              cwd=ROOT, timeout=600)
        return done.returncode, done.stdout.decode(), done.stderr.decode()
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=slave, env=env, cwd=ROOT,
                            stdin=subprocess.DEVNULL)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    out = proc.stdout.read().decode()
    proc.stdout.close()
    return proc.wait(timeout=600), out, b"".join(chunks).decode()


@pytest.fixture(scope="module")
def indicators_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    folder = tmp_path_factory.mktemp("progress")
    runs = {}
    for name, terminal in (("tty", True), ("pipe", False)):
        out = folder / f"{name}.csv"
        runs[name] = (*run_cli(["indicators", str(bundled_study_path()), "-o", str(out)],
                               terminal=terminal), out.read_bytes())
    return runs


def test_terminal_names_each_stage_and_counts_estimation(indicators_runs: dict) -> None:
    status, out, err, _ = indicators_runs["tty"]
    assert status == 0
    stages = [line.strip() for line in err.splitlines() if line.startswith("geo4mi: ")]
    assert stages == ["geo4mi: reading the boundaries cdmx_alcaldias_mg2022.gpkg",
                      "geo4mi: reading the export sample_kobo.csv",
                      "geo4mi: placing 301 respondents in 16 areas",
                      "geo4mi: estimating 121 indicators",
                      "geo4mi: disclosure control"]
    assert "estimation: 100%" in err and "117/117" in err  # the bar, with counts
    assert "geo4mi:" not in out and "%|" not in out  # stdout keeps only what was written


def test_no_terminal_shows_nothing_extra_and_writes_the_same_bytes(indicators_runs: dict) -> None:
    status, out, err, data = indicators_runs["pipe"]
    assert status == 0
    assert err == ""
    assert out.replace("pipe.csv", "tty.csv") == indicators_runs["tty"][1]
    assert data == indicators_runs["tty"][3]


def test_quiet_on_a_terminal_shows_nothing(tmp_path: Path) -> None:
    status, _, err = run_cli(["-q", "check", str(bundled_study_path()), "-o",
                              str(tmp_path / "q.csv")], terminal=True)
    assert status == 0
    assert err == ""


def test_figures_bar_counts_files_in_process() -> None:
    stream = io.StringIO()
    with progress.showing(True, stream=stream):
        progress.stage("drawing figures")
        report = progress.bar("figures", unit="figure")
        assert callable(report)
        for k in range(7):
            report((k + 1) / 7)
        progress.stage("next")
    text = stream.getvalue()
    assert text.startswith("geo4mi: drawing figures\n")
    assert "7/7" in text and "figures: 100%" in text
    assert text.rstrip().endswith("geo4mi: next")


def test_outside_showing_bar_is_off_and_stage_silent(capsys: pytest.CaptureFixture) -> None:
    assert progress.bar("figures") is False
    progress.stage("hidden")
    assert capsys.readouterr() == ("", "")
