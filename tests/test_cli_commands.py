"""What users run: every command of ``geo4mi --help``, once, on the bundled study.

Each test checks the exit code, the files written, the refusal to replace an existing output
without ``--overwrite``, and that bad input is one line on stderr (no traceback). ``demo``,
``build`` and ``check`` (with its default ``quality_<study>.csv``) run end to end in
``tests/test_build.py``, once each; :data:`ELSEWHERE` names them so that the list of commands
below stays complete.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from conftest_survey import copy_bundled_study

from geo4mi.cli import cli, main
from geo4mi.resources import bundled_path
from geo4mi.study import bundled_study_path

STUDY = str(bundled_study_path())
LOA = Path(__file__).parent / "data" / "loa" / "demo_loa.csv"  # as in test_analysistools
ELSEWHERE = {"demo": "test_build.py::test_demo", "build": "test_build.py",
             "check": "test_build.py::test_check_writes_the_report_and_follows_overwrite"}
TESTED_HERE = {"analyse", "audit", "compare", "figures", "indicators", "init", "map", "plan",
               "report", "sites"}


def one_line_error(capsys, *expected: str) -> str:
    """The command's stderr is one ``geo4mi: error:`` line holding each of ``expected``."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("geo4mi: error: "), err
    for text in expected:
        assert text in err, (text, err)
    return err


def refuses_to_overwrite(capsys, argv: list[str], path: Path, named: Path | None = None) -> None:
    """Running ``argv`` again leaves ``path`` as it is, with exit 2 and one line naming
    ``named`` (default: ``path``), the first file in the way."""
    before = path.read_bytes()
    capsys.readouterr()
    assert main(argv) == 2
    one_line_error(capsys, str(named or path), "file exists", "--overwrite")
    assert path.read_bytes() == before


def bad_study(tmp_path: Path) -> Path:
    path = tmp_path / "bad.toml"
    text = bundled_study_path().read_text(encoding="utf-8")
    path.write_text(text.replace("[study]", "[study]\nmin_nn = 3", 1), encoding="utf-8")
    return path


def test_every_command_in_help_is_tested(capsys):
    assert main(["--help"]) == 0
    assert set(cli.commands) == TESTED_HERE | set(ELSEWHERE)
    listed = capsys.readouterr().out.split("Commands:")[1]
    assert {line.split()[0] for line in listed.strip().splitlines()} == set(cli.commands)


def test_indicators(tmp_path, capsys):
    out = tmp_path / "estimates.csv"
    argv = ["indicators", STUDY, "-o", str(out), "--lang", "en"]
    assert main(argv) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("indicator_id,") or "indicator" in header
    refuses_to_overwrite(capsys, argv, out)
    assert main([*argv, "--overwrite"]) == 0
    capsys.readouterr()
    assert main(["indicators", STUDY, "-o", str(tmp_path / "e.xlsx")]) == 2
    one_line_error(capsys, "e.xlsx", "unknown output format")
    assert not (tmp_path / "e.xlsx").exists()


def test_indicators_no_empty(tmp_path, capsys):
    full, lean = tmp_path / "full.csv", tmp_path / "lean.csv"
    assert main(["indicators", STUDY, "-o", str(full)]) == 0
    assert main(["indicators", STUDY, "-o", str(lean), "--no-empty"]) == 0
    capsys.readouterr()
    rows = full.read_text(encoding="utf-8-sig").splitlines()
    status = [cells[list(next(csv.reader(rows[:1]))).index("status")]
              for cells in csv.reader(rows)]
    assert "no_data" in status
    assert lean.read_text(encoding="utf-8-sig").splitlines() == [
        r for r, s in zip(rows, status, strict=True) if s != "no_data"]
    assert main(["indicators", STUDY, "-o", str(tmp_path / "e.analysistools.csv"),
                 "--no-empty"]) == 2
    one_line_error(capsys, "--no-empty", "an analysistools table never has no_data rows")
    assert not (tmp_path / "e.analysistools.csv").exists()


def test_map_both_kinds(tmp_path, capsys):
    for kind in ("choropleth", "sites"):
        out = tmp_path / f"{kind}.html"
        argv = ["map", STUDY, "--kind", kind, "-o", str(out)]
        assert main(argv) == 0
        html = out.read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>") and "<script src=" not in html
        refuses_to_overwrite(capsys, argv, out)
    capsys.readouterr()
    assert main(["map", str(bad_study(tmp_path)), "-o", str(tmp_path / "x.html")]) == 2
    one_line_error(capsys, "min_nn")
    assert not (tmp_path / "x.html").exists()


def test_figures(tmp_path, capsys):
    out = tmp_path / "figs"
    argv = ["figures", STUDY, "--out", str(out), "--format", "png",
            "--indicators", "gender_women"]
    assert main(argv) == 0
    written = sorted(p.name for p in out.iterdir())
    assert "map_gender_women.png" in written and "bars_gender_women.png" in written
    assert all(name.endswith(".png") for name in written)
    refuses_to_overwrite(capsys, argv, out / "map_gender_women.png",
                         named=out / "sample_distribution.png")
    assert main(["figures", STUDY, "--out", str(tmp_path / "f2"), "--indicators", "nope"]) == 2
    one_line_error(capsys, "'nope'")
    assert not (tmp_path / "f2").exists() or not any((tmp_path / "f2").iterdir())


def test_analyse(tmp_path, capsys):
    out = tmp_path / "analysis.csv"
    argv = ["analyse", STUDY, "--loa", str(LOA), "-o", str(out)]
    assert main(argv) == 0
    assert out.read_text(encoding="utf-8-sig").startswith("analysis_type,")
    refuses_to_overwrite(capsys, argv, out)
    loa = tmp_path / "loa.csv"
    loa.write_text("analysis_type,analysis_var,group_var\nmean,nope,\n", encoding="utf-8")
    assert main(["analyse", STUDY, "--loa", str(loa), "-o", str(tmp_path / "b.csv")]) == 2
    one_line_error(capsys, "'nope'")
    assert not (tmp_path / "b.csv").exists()


def test_audit(tmp_path, capsys):
    out = tmp_path / "findings.csv"
    argv = ["audit", STUDY, "-o", str(out)]
    assert main(argv) == 0  # the bundled study's estimates disclose nothing
    assert "0 hidden figures can be worked out" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8-sig").count("\n") == 1  # the header only
    refuses_to_overwrite(capsys, argv, out)
    assert main(["audit", str(bad_study(tmp_path))]) == 2
    one_line_error(capsys, "min_nn")


def test_report(tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["report", STUDY, "--out", str(out), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "findings stated" in printed
    names = sorted(p.name for p in out.iterdir())
    assert any(n.startswith("report") and n.endswith(".html") for n in names)
    assert any(n.startswith("choropleth") for n in names)
    # a folder output: a file in the way is refused in one line
    blocker = tmp_path / "a_file"
    blocker.write_text("mine", encoding="utf-8")
    assert main(["report", STUDY, "--out", str(blocker)]) in (2,)
    capsys.readouterr()
    assert blocker.read_text(encoding="utf-8") == "mine"
    assert main(["report", str(bad_study(tmp_path)), "--out", str(tmp_path / "r2")]) == 2
    one_line_error(capsys, "min_nn")


def test_compare(tmp_path, capsys):
    out = tmp_path / "cmp"
    other = copy_bundled_study(tmp_path)  # another file, the same study
    assert main(["compare", STUDY, str(other), "--out", str(out)]) == 0
    capsys.readouterr()
    assert {p.name for p in out.iterdir()} >= {"comparison.csv", "comparison.html"}
    assert main(["compare", STUDY, "--out", str(tmp_path / "c2")]) == 2
    one_line_error(capsys, "at least two")
    assert not (tmp_path / "c2").exists()


def test_plan(tmp_path, capsys):
    out = tmp_path / "plan.csv"
    argv = ["plan", STUDY, "--total", "300", "-o", str(out)]
    assert main(argv) == 0
    assert "300 interviews in" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8-sig").startswith("area_id,area_name,eligible")
    refuses_to_overwrite(capsys, argv, out)
    assert main(["plan", STUDY, "--total", "300", "--measure", "survey", "-o",
                 str(tmp_path / "p2.csv")]) == 2
    one_line_error(capsys, "'survey'")
    assert not (tmp_path / "p2.csv").exists()


def test_sites_import(tmp_path, capsys):
    geojson = tmp_path / "candidates.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [-99.1225, 19.4218]},
        "properties": {"name": "Mercado de Sonora", "type": "market", "notes": ""}}]}),
        encoding="utf-8")
    out = tmp_path / "merged.csv"
    argv = ["sites", "import", str(geojson), "--study", STUDY, "-o", str(out)]
    assert main(argv) == 0
    assert "1 added" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8-sig").count("\n") == 35  # header + 33 + 1
    refuses_to_overwrite(capsys, argv, out)
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    assert main(["sites", "import", str(broken), "-o", str(tmp_path / "m2.csv")]) == 2
    one_line_error(capsys, "broken.geojson")
    assert not (tmp_path / "m2.csv").exists()


def test_init(tmp_path, capsys):
    out = tmp_path / "new" / "study.toml"
    argv = ["init", "--boundaries", str(bundled_path("boundaries",
                                                       "cdmx_alcaldias_mg2022.gpkg")),
            "--form", str(bundled_path("data", "questionnaire.xlsx")),
            "--export", str(bundled_path("data", "sample_kobo.csv")), "-o", str(out)]
    assert main(argv) == 0
    assert f"next: geo4mi check {out}" in capsys.readouterr().out
    assert {p.name for p in out.parent.iterdir()} >= {"study.toml", "indicators.toml"}
    before = out.read_bytes()
    assert main(argv) == 2
    err = one_line_error(capsys)
    assert re.search(r"exists.*--overwrite", err)
    assert out.read_bytes() == before
    not_geo = tmp_path / "areas.gpkg"
    not_geo.write_text("not a geopackage", encoding="utf-8")
    assert main([*argv[:1], "--boundaries", str(not_geo), *argv[3:-1],
                 str(tmp_path / "s2.toml")]) == 2
    one_line_error(capsys, "areas.gpkg")
    assert not (tmp_path / "s2.toml").exists()


def test_verbose_log_is_geo4mi_not_font_subsetting(tmp_path):
    """-v names geo4mi's stages; fontTools' per-table subsetting of every PDF in the
    figure workers (hundreds of INFO lines, most of a build's log) is left for -vv."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "geo4mi", "-v", "figures", STUDY, "--out",
                           str(tmp_path / "figs"), "--format", "pdf", "--indicators",
                           "gender_women", "--jobs", "2"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "figs" / "map_gender_women.pdf").exists()
    lines = done.stderr.splitlines()
    assert any(line.startswith("geo4mi: INFO: figures: wrote") for line in lines)
    assert not [line for line in lines if "glyf" in line or "subset" in line.lower()]
