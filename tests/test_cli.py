"""The command line: one clear line per error, no traceback unless --debug, exit codes."""

import shutil

import pytest
from conftest_survey import copy_bundled_study

from geo4mi.cli import main
from geo4mi.errors import StudyError
from geo4mi.study import bundled_study_path


@pytest.fixture
def study_copy(tmp_path):
    """A copy of the bundled study whose paths still point at the bundled files."""
    return copy_bundled_study(tmp_path)


def test_bad_study_key_is_one_line(study_copy, capsys):
    study_copy.write_text(study_copy.read_text(encoding="utf-8").replace("min_n", "minimum_n"),
                          encoding="utf-8")
    code = main(["check", str(study_copy)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("geo4mi: error: ")
    assert "unknown key 'minimum_n'; allowed keys: title, language" in err
    assert "Traceback" not in err


def test_debug_shows_the_exception(study_copy):
    study_copy.write_text(study_copy.read_text(encoding="utf-8").replace("min_n", "minimum_n"),
                          encoding="utf-8")
    with pytest.raises(StudyError, match=r"unknown key 'minimum_n'"):
        main(["--debug", "check", str(study_copy)])


def test_missing_study_file(tmp_path, capsys):
    code = main(["check", str(tmp_path / "missing.toml")])
    err = capsys.readouterr().err
    assert code == 2
    assert "missing.toml" in err and "does not exist" in err


def test_missing_survey_file_names_it(study_copy, tmp_path, capsys):
    export = tmp_path / "export.csv"
    text = study_copy.read_text(encoding="utf-8")
    study_copy.write_text(text.replace(str(bundled_study_path().parent / "sample_kobo.csv"),
                                       str(export)), encoding="utf-8")
    code = main(["indicators", str(study_copy), "-o", str(tmp_path / "est.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert str(export) in err
    assert not (tmp_path / "est.csv").exists()


def test_output_exists_needs_overwrite(study_copy, tmp_path, capsys):
    target = tmp_path / "est.csv"
    target.write_text("keep me", encoding="utf-8")
    code = main(["indicators", str(study_copy), "-o", str(target)])
    assert code == 2
    assert "file exists; pass --overwrite" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "keep me"


def test_help_lists_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("demo", "build", "check", "indicators", "map"):
        assert command in out


def test_input_files_are_never_modified(study_copy, tmp_path):
    shutil.copy(bundled_study_path().parent / "sample_kobo.csv", tmp_path / "orig.csv")
    main(["indicators", str(study_copy), "-o", str(tmp_path / "est.csv")])
    assert (tmp_path / "orig.csv").read_bytes() == \
        (bundled_study_path().parent / "sample_kobo.csv").read_bytes()
