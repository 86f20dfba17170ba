"""geo4mi compare: studies side by side (issue 16, item 4).

The bundled study is compared with made-up studies of six square areas
(:mod:`hostile_study`, plain texts) whose respondents were changed so that the numbers
differ; the table is checked against statsmodels (Newcombe's interval, the pooled z test)
and multipletests (Holm), the notes against catalogues that were made to differ, the page
in Chromium, and hostile labels everywhere.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser import offline_page
from hostile import assert_inert, payload
from hostile_study import hostile_fields, write_hostile_study

from geo4mi.cli import main
from geo4mi.errors import StudyError
from geo4mi.indicators.suppression import published
from geo4mi.pipeline import run
from geo4mi.report.compare import (
    COLUMNS,
    compare,
    require_studies,
    side_from_results,
    write_comparison,
)
from geo4mi.study import bundled_study_path

UNIVERSE = "crime_victim == 'yes'"
NARROWER = "crime_victim == 'yes' and age >= 25"


def made_up(folder: Path, *, seed: int, discriminated_yes: float | None = None,
            victims: int | None = None, universe: str | None = None,
            text=lambda i: f"Texto {i}", offset: int = 0) -> Path:
    """A made-up study (six squares) with its respondents or catalogue changed."""
    path = write_hostile_study(folder, offset, n_seed=seed, text=text)
    export = folder / "export.csv"
    with open(export, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    d, v, c = (head.index(k) for k in ("discriminated", "crime_victim", "complaint_filed"))
    for r, row in enumerate(body):
        if discriminated_yes is not None:
            row[d] = "yes" if (r % 100) < 100 * discriminated_yes else "no"
        if victims is not None and r >= victims:
            row[v], row[c] = "no", ""
        elif victims is not None:
            row[v], row[c] = "yes", "yes" if r % 2 else "no"
    with open(export, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([head, *body])
    if universe is not None:
        cat = folder / "indicators.toml"
        toml = cat.read_text(encoding="utf-8")
        assert f'universe = "{UNIVERSE}"' in toml
        cat.write_text(toml.replace(f'universe = "{UNIVERSE}"', f'universe = "{universe}"'),
                       encoding="utf-8")
    return path


def city(results, indicator: str) -> pd.Series:
    """The published city-wide cell of ``indicator`` (read here, not by the module)."""
    est = published(results.estimates, min_n=results.study.min_n)
    row = est[(est["indicator"] == indicator) & (est["area_id"] == "_city")
              & (est["group_var"] == "all")]
    assert len(row) == 1
    return row.iloc[0]


@pytest.fixture(scope="module")
def bundled_vs_madeup(bundled_results, tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    a = bundled_results
    b = run(made_up(folder / "b", seed=11, discriminated_yes=0.8, universe=NARROWER))
    paths = write_comparison([a, b], folder / "out", lang="en")
    return a, b, paths


def test_table_matches_statsmodels_newcombe_and_holm(bundled_vs_madeup):
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    a, b, (csv_path, _) = bundled_vs_madeup
    table = pd.read_csv(csv_path, encoding="utf-8-sig", keep_default_na=False,
                        na_values=[""])
    assert list(table.columns) == list(COLUMNS)
    assert table["indicator"].tolist() == ["crime_victim", "complaint_filed", "discriminated"]
    assert (table["study_a"] == "mexico_city").all() and (table["study_b"] == "hostile").all()
    pvals = []
    for _, row in table.iterrows():
        ca, cb = city(a, row["indicator"]), city(b, row["indicator"])
        assert row["status_a"] == ca["status"] == "ok" and row["status_b"] == "ok"
        assert row["p_a"] == pytest.approx(ca["p"], rel=1e-5)
        assert row["ci_low_b"] == pytest.approx(cb["ci_low"], rel=1e-5)
        assert row["n_a"] == ca["n"] and row["n_b"] == cb["n"]
        # the bundled study declares clusters: its side uses the effective sample size
        ne_a = float(ca["n_eff"]) if not pd.isna(ca["n_eff"]) else float(ca["n"])
        ne_b = float(cb["n_eff"]) if not pd.isna(cb["n_eff"]) else float(cb["n"])
        k_a, k_b = float(ca["p"]) * ne_a, float(cb["p"]) * ne_b
        low, high = confint_proportions_2indep(k_a, ne_a, k_b, ne_b, method="newcomb",
                                               compare="diff", alpha=0.05)
        assert row["diff"] == pytest.approx(ca["p"] - cb["p"], rel=1e-5)
        assert row["diff_low"] == pytest.approx(low, abs=2e-6)
        assert row["diff_high"] == pytest.approx(high, abs=2e-6)
        _, pv = proportions_ztest(np.array([k_a, k_b]), np.array([ne_a, ne_b]))
        assert row["p_value"] == pytest.approx(pv, rel=1e-4)
        pvals.append(pv)
    reject, adjusted, _, _ = multipletests(pvals, alpha=0.05, method="holm")
    assert table["p_adjusted"].to_numpy() == pytest.approx(adjusted, rel=1e-4)
    assert (table["p_adjusted"] > table["p_value"]).any()  # the correction did something
    expected_sig = reject & ((table["diff_low"] > 0) | (table["diff_high"] < 0)).to_numpy()
    assert table["significant"].astype(bool).tolist() == expected_sig.tolist()
    # 80 % said yes in the made-up city against about a third: tested and stated
    disc = table.set_index("indicator").loc["discriminated"]
    assert bool(disc["significant"]) and disc["direction"] == "lower"
    assert (table["method"] == "newcombe_wilson_neff; z_pooled; holm across 3 comparisons"
            ).all()
    assert (table["data_note"] == "synthetic data: mexico_city, hostile").all()


def test_notes_name_the_universe_and_the_wording_that_differ(bundled_vs_madeup):
    _, _, (csv_path, _) = bundled_vs_madeup
    notes = pd.read_csv(csv_path, encoding="utf-8-sig").set_index("indicator")["note"]
    assert "the universe differs (mexico_city: crime_victim == 'yes'; hostile: " \
        "crime_victim == 'yes' and age >= 25)" in notes["complaint_filed"]
    assert "the universe differs" not in notes["discriminated"]
    # the two forms word each question differently (the made-up form says "Texto k")
    assert all("the form's wording of the question differs" in n for n in notes)
    assert not any(re.search(r"(?<!wording of )the question differs", n)
                   or "choices counted" in n for n in notes)


def test_same_form_only_the_changed_universe_is_noted_and_hidden_cells_stay_hidden(
        tmp_path):
    b = run(made_up(tmp_path / "b", seed=10))
    c = run(made_up(tmp_path / "c", seed=12, victims=6, universe=NARROWER))
    hidden = city(c, "complaint_filed")
    assert hidden["status"] == "suppressed" and pd.isna(hidden["p"])
    sides = [side_from_results(b, "round1"), side_from_results(c, "round2")]
    table = compare(sides, lang="es").set_index("indicator")
    assert table.loc["complaint_filed", "note"] == (
        "el universo difiere (round1: crime_victim == 'yes'; round2: crime_victim == 'yes' "
        "and age >= 25)")
    assert (table.drop(index="complaint_filed")["note"] == "").all()
    row = table.loc["complaint_filed"]
    assert row["status_b"] == "suppressed"
    assert all(pd.isna(row[k]) for k in ("p_b", "ci_low_b", "ci_high_b", "n_b", "diff",
                                         "p_value", "p_adjusted", "significant"))
    assert row["method"] == "" and row["direction"] == ""
    # 6 victims are the n of the hidden follow-up: the publication rule hides them too
    # (linked_value, n published), and so does the comparison
    victims = table.loc["crime_victim"]
    assert city(c, "crime_victim")["suppression"] == "linked_value"
    assert victims["status_b"] == "suppressed" and victims["n_b"] == 200
    assert pd.isna(victims["p_b"]) and pd.isna(victims["diff"])
    assert table["method"].tolist().count(
        "newcombe_wilson; z_pooled; holm across 4 comparisons") == 4
    out = write_comparison([b, c], tmp_path / "out", lang="es")
    html = out[1].read_text(encoding="utf-8")
    block = re.search(r'<div class="indicator" id="ind-complaint_filed".*?</div>', html,
                      re.S).group(0)
    assert 'data-study="B">suprimido</td>' in block
    assert block.count('class="dot"') == 1  # only the published side is drawn
    assert "sin prueba" in block
    # the true hidden value is nowhere: 3 of 6 victims filed a complaint
    assert "50\u00a0%" not in block and "n = 6" not in block


def test_three_studies_every_pair_and_one_holm_family(tmp_path):
    results = [run(made_up(tmp_path / f"s{k}", seed=20 + k, discriminated_yes=0.2 + 0.3 * k))
               for k in range(3)]
    table = compare([side_from_results(r, f"s{k}") for k, r in enumerate(results)])
    pairs = list(dict.fromkeys(zip(table["study_a"], table["study_b"], strict=True)))
    assert pairs == [("s0", "s1"), ("s0", "s2"), ("s1", "s2")]
    assert len(table) == 3 * 6
    m = int(table["p_value"].notna().sum())
    assert (table["method"] == f"newcombe_wilson; z_pooled; holm across {m} comparisons").all()
    disc = table[table["indicator"] == "discriminated"]
    assert disc["direction"].tolist() == ["lower", "lower", "lower"]


def test_output_is_byte_identical(tmp_path, bundled_vs_madeup):
    a, b, paths = bundled_vs_madeup
    again = write_comparison([a, b], tmp_path, lang="en")
    for first, second in zip(paths, again, strict=True):
        assert first.read_bytes() == second.read_bytes()


def test_page_states_banner_caveats_and_designs(bundled_vs_madeup):
    _, _, (_, html_path) = bundled_vs_madeup
    html = html_path.read_text(encoding="utf-8")
    assert html.count('class="banner"') == 1 and "SYNTHETIC DEMONSTRATION DATA" in html
    assert html.count('class="caveat"') == 2
    assert "representative of the whole refugee and migrant population of the city" in html
    assert "(clusters: Enumerator code)" in html
    assert "assume a simple random sample" in html
    assert html.count('class="indicator"') == 3 and "adjusted by Holm across the 3" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.browser
def test_page_opens_offline_without_errors(bundled_vs_madeup):
    _, _, (_, html_path) = bundled_vs_madeup
    with offline_page(html_path) as (page, report):
        assert page.locator(".banner").first.is_visible()
        assert page.locator("svg.dotplot").count() == 3
        assert page.locator("svg.dotplot circle.dot").count() == 6
        box = page.locator("svg.dotplot").first.bounding_box()
        assert box is not None and box["width"] > 200
        report.assert_clean()
        assert all(u.startswith(("file:", "data:")) for u in report.requests)


@pytest.mark.browser
def test_hostile_labels_stay_inert(tmp_path):
    b = run(made_up(tmp_path / "b", seed=10, text=payload, offset=3))
    c = run(made_up(tmp_path / "c", seed=13, text=payload, offset=40))
    csv_path, html_path = write_comparison([b, c], tmp_path / "out", lang="en")
    html = html_path.read_text(encoding="utf-8")
    assert_inert(html)
    assert_inert(csv_path.read_text(encoding="utf-8-sig"))
    assert "<script" not in html.lower() and "<img" not in html.lower()
    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    for row in rows:
        assert not any(cell[:1] in ("=", "+", "-", "@") and not _number(cell)
                       for cell in row)
    with offline_page(html_path) as (page, report):
        assert page.evaluate("document.querySelectorAll('script, img, iframe').length") == 0
        assert page.evaluate("window.G4M_XSS === undefined")
        titles = page.locator("dt").all_inner_texts()
        for offset, title in zip((3, 40), titles, strict=False):  # the payloads shown as text
            assert hostile_fields(offset)["study.title.en"] in title
        report.assert_clean()


def _number(cell: str) -> bool:
    try:
        return not math.isnan(float(cell))
    except ValueError:
        return False


def test_one_study_or_no_shared_indicator_is_one_line(tmp_path, capsys):
    assert main(["compare", str(bundled_study_path()), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "give at least two study files (got 1" in err
    other = made_up(tmp_path / "x", seed=10)
    cat = tmp_path / "x" / "indicators.toml"
    cat.write_text(cat.read_text(encoding="utf-8").replace('id = "', 'id = "x_'),
                   encoding="utf-8")
    assert main(["compare", str(bundled_study_path()), str(other), "--out",
                 str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "shares no indicator id with" in err
    assert not (tmp_path / "o").exists()
    with pytest.raises(StudyError, match="given twice"):
        require_studies([other, other])


def test_cli_writes_both_files(tmp_path, capsys):
    other = made_up(tmp_path / "b", seed=11)
    assert main(["compare", str(bundled_study_path()), str(other), "--out",
                 str(tmp_path / "o"), "--lang", "es"]) == 0
    out = capsys.readouterr().out
    assert "comparison.csv" in out and "comparison.html" in out
    html = (tmp_path / "o" / "comparison.html").read_text(encoding="utf-8")
    assert '<html lang="es">' in html and "Comparación de estudios" in html
