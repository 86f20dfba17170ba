"""The findings report (geo4mi report): what it says, what it never shows, how it links.

The bundled study's report is built once per module (English and Spanish). Hidden values
are checked against the *true* values of the hidden cells, computed here without any
suppression, so a leak of any of them is caught wherever it sits in the page.
"""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import pandas as pd
import pytest

from geo4mi.indicators.catalogue import add_derived
from geo4mi.indicators.differences import differences
from geo4mi.indicators.estimate import CITY, estimate, proportions
from geo4mi.indicators.suppression import published
from geo4mi.pipeline import run
from geo4mi.report import inputs_from_results, report_html
from geo4mi.report.sentences import SENTENCES, check_complete, estimate_text
from geo4mi.study import bundled_study_path

FIGURES = pd.read_csv(Path(__file__).parent / "data" / "report_figures.csv", dtype=str)
FINDING = re.compile(r'<li class="finding[^"]*" id="finding-(\d+)" value="\d+" '
                     r'data-key="([^"]+)" data-cells="([^"]*)">(.*?)</li>', re.S)


def _text(fragment: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", "", fragment)).replace("\u00a0", " ")


@pytest.fixture(scope="module")
def bundled(bundled_results):
    results = bundled_results
    diffs = differences(published(results.estimates))
    inputs = inputs_from_results(results)
    html_en, counts = report_html(inputs, lang="en", diffs=diffs)
    html_es, _ = report_html(inputs, lang="es", diffs=diffs)
    return results, diffs, html_en, html_es, counts


def _findings(html: str) -> list[tuple[int, str, str, str]]:
    return [(int(n), key, cells, _text(body)) for n, key, cells, body in FINDING.findall(html)]


def test_sentence_catalogue_is_complete_in_both_languages():
    check_complete()
    assert {"es", "en"} <= set(SENTENCES["find_highest"])


# -- the seed's borough findings, as the tested-difference rule allows -------------------

def _area_id(results, name: str) -> str:
    areas = results.areas
    return str(areas.loc[areas["area_name"] == name, "area_id"].iloc[0])


@pytest.mark.parametrize("indicator, name, side", [
    ("discriminated", "Cuauhtémoc", "highest"),        # seed: higher in Cuauhtémoc
    ("housing_no_barriers", "Gustavo A. Madero", "highest"),  # seed: fewest barriers
    ("feel_safe", "Iztapalapa", "lowest"),             # seed: feel least safe
])
def test_seed_borough_findings(bundled, indicator, name, side):
    """The seed's area is the extreme of the published figures; whether the report may say
    "highest"/"lowest" is the differences table's call. On the bundled synthetic data
    (intervals that follow the enumerator clusters) none of the three survives Holm's
    correction, so the report must say that the data cannot tell, and must not claim it."""
    results, diffs, html_en, html_es, _ = bundled
    area = _area_id(results, name)
    est = published(results.estimates)
    rows = est[(est["indicator"] == indicator) & (est["group_var"] == "all")
               & (est["area_id"] != CITY) & (est["status"] == "ok")]
    p = rows.set_index("area_id")["p"].astype(float)
    extreme = p.idxmax() if side == "highest" else p.idxmin()
    assert extreme == area  # the seed's borough is the extreme in the published table
    row = diffs[(diffs["indicator"] == indicator) & (diffs["area_id"] == area)
                & (diffs["group_var"] == "all")].iloc[0]
    assert not bool(row["significant"])  # what the rule says on these data
    r = rows.set_index("area_id").loc[area]
    value = estimate_text(r["p"], r["ci_low"], r["ci_high"], int(r["n"]), "en")
    label = results.labels.indicator_label(indicator, "en")
    k = len(rows)
    expected = (f"{label}: the {side} value of the {k} boroughs with published figures is in "
                f"{name}, {value}, but the data cannot tell whether it differs from the "
                f"other boroughs").replace("\u00a0", " ")
    texts = [t for _, key, _, t in _findings(html_en)]
    assert any(t.startswith(expected) for t in texts), expected
    claims = [t for _, key, cells, t in _findings(html_en)
              if key in ("find_highest", "find_lowest") and cells.startswith(indicator + "|")]
    assert claims == []
    assert "los datos no permiten afirmar que difiera" in _text(html_es)


def test_headline_city_figures_within_the_calibration_tolerance(bundled):
    results, _, html_en, _, _ = bundled
    texts = {cells: t for _, key, cells, t in _findings(html_en) if key == "find_city"}
    for ind in results.study.indicators.figures:
        target = float(FIGURES.loc[FIGURES["id"] == ind, "value_pct"].iloc[0])
        text = texts[f"{ind}|{CITY}|all|all"]
        value = float(re.search(r": (\d+) %", text).group(1))
        if ind == "housing_no_barriers":  # the seed says "more than half"
            assert value >= 50
        else:
            assert abs(value - target) <= 3, (ind, value, target)


# -- comparisons only where tested -----------------------------------------------------------

def test_every_comparison_is_a_significant_tested_difference(bundled):
    results, diffs, html_en, _, counts = bundled
    sig = {(str(r.indicator), str(r.area_id), str(r.group_var), str(r.group_value)):
           str(r.direction) for r in diffs[diffs["significant"]].itertuples()}
    said = 0
    for _, key, cells, text in _findings(html_en):
        cell = tuple(cells.split(" ")[0].split("|"))
        if key in ("find_highest", "find_area_higher", "find_group_higher"):
            assert sig.get(cell) == "higher", (key, cell, text)
            said += 1
        elif key in ("find_lowest", "find_area_lower", "find_group_lower"):
            assert sig.get(cell) == "lower", (key, cell, text)
            said += 1
        else:
            assert not re.search(r"\b(highest of|lowest of|higher than|lower than)\b", text)
    assert said > 0  # some group differences do survive on the bundled data
    assert counts["findings"] == len(_findings(html_en))
    from geo4mi.report.document import definitional

    tested = diffs[[not definitional(results.catalogue, str(i), str(g))
                    for i, g in zip(diffs["indicator"], diffs["group_var"], strict=True)]]
    assert counts["tested"] == len(tested) > counts["rejected"]
    assert counts["rejected"] == len(tested) - int(tested["significant"].sum())
    closing = re.search(r'<p class="closing">(.*?)</p>', html_en).group(1)
    assert f"states {counts['findings']} numbered findings" in _text(closing)
    assert f"rejected {counts['rejected']} of {counts['tested']}" in _text(closing)


# -- nothing suppressed appears ---------------------------------------------------------

@pytest.fixture(scope="module")
def true_values(bundled):
    """Every cell estimated with no suppression at all: the truth a leak would show."""
    results = bundled[0]
    study = results.study
    from geo4mi.indicators.design import design_from_study

    kept = add_derived(results.respondents, results.catalogue)
    return estimate(kept, results.catalogue, area_ids=results.areas["area_id"].tolist(),
                    groups=list(study.indicators.groups), min_n=1, complementary=False,
                    design=design_from_study(study))


def test_no_hidden_value_appears(bundled, true_values):
    results, _, html_en, html_es, _ = bundled
    est = published(results.estimates)
    hidden = est["status"] == "suppressed"
    truth = true_values.set_index(["indicator", "area_id", "group_var", "group_value"])
    cells = est[hidden].set_index(["indicator", "area_id", "group_var", "group_value"]).index
    true_hidden = truth.loc[cells]
    # percentages here; the numeric statistics (shown only city-wide, in the annex) are
    # checked in test_numeric_statistics_in_the_annex_only_as_published
    true_hidden = proportions(true_hidden[true_hidden["status"] == "ok"])
    assert len(true_hidden) > 10000
    names = dict(zip(results.areas["area_id"], results.areas["area_name"], strict=True))
    ok = proportions(est[est["status"] == "ok"])
    for lang, page in (("en", html_en), ("es", html_es)):
        text = _text(page)
        shown = {estimate_text(r.p, r.ci_low, r.ci_high, int(r.n), lang)
                 for r in ok.itertuples()}
        clashes = 0
        for key, r in true_hidden.iterrows():
            value = estimate_text(r["p"], r["ci_low"], r["ci_high"], int(r["n"]), lang)
            if value in shown:  # the same text as a published cell: checked by context below
                clashes += 1
                continue
            assert value.replace("\u00a0", " ") not in text, (key, value)
        assert clashes < len(true_hidden) / 10
        # in context: each finding's figures are those of the cells it cites
        for _, _key, cited, body in _findings(page):
            for cell in filter(None, cited.split(" ")):
                i, a, gv, gval = cell.split("|")
                r = ok[(ok["indicator"] == i) & (ok["area_id"] == a) & (ok["group_var"] == gv)
                       & (ok["group_value"] == gval)].iloc[0]
                assert estimate_text(r["p"], r["ci_low"], r["ci_high"], int(r["n"]),
                                     lang).replace("\u00a0", " ") in body
        # every cell a sentence or a row cites is published
        for cited in re.findall(r'data-cells="([^"]*)"', page):
            for cell in filter(None, cited.split(" ")):
                assert tuple(cell.split("|")) not in set(cells), cell
        # hidden interview counts never stand next to their area
        ref = truth.xs(("all", "all"), level=("group_var", "group_value"))
        for area, name in names.items():
            shown = re.search(rf"<td>{re.escape(htmllib.escape(name))}</td><td class=\"num\">"
                              r"([^<]*)</td>", page)
            if shown and shown.group(1).isdigit():
                pub = est[(est["area_id"] == area) & (est["group_var"] == "all")
                          & (est["status"] == "ok")]
                assert int(shown.group(1)) in set(pub["n"].astype(int))
        assert ref is not None


def test_quality_annex_holds_no_row_or_area_detail(bundled):
    _results, _, html_en, _, _ = bundled
    annex = html_en[html_en.index('id="annex-quality"'):html_en.index('id="annex-indicators"')]
    assert "rows_read" in annex and "disclosure_risk" in annex
    assert "placement_declared" not in annex  # per-area counts would show small areas


def test_annex_lists_every_indicator_and_the_banner_says_synthetic(bundled):
    results, _, html_en, html_es, _ = bundled
    for ind in results.catalogue.ids:
        assert f'id="ind-{ind}"' in html_en
    assert html_en.count("SYNTHETIC DEMONSTRATION DATA") >= 2  # front page and handouts
    assert "DATOS SINTÉTICOS DE DEMOSTRACIÓN" in html_es
    assert "Taylor" in _text(html_en)  # the interval note of the declared design
    assert "clusters: Enumerator code, column “enumerator”" in _text(html_en)  # declared design


def test_numeric_statistics_in_the_annex_only_as_published(bundled):
    """Means and medians are numbers in the question's unit: the annex shows their
    published city-wide value (no percent sign, no map link); no finding cites them."""
    results, _, html_en, html_es, _ = bundled
    est = published(results.estimates)
    numeric = est[est["stat"] != "prop"]
    ids = sorted(set(numeric["indicator"]))
    assert ids == ["age_mean", "age_median", "hh_size_mean", "hh_size_median"]
    for page in (html_en, html_es):
        for ind in ids:
            row = re.search(rf'<tr id="ind-{ind}" data-cells="([^"]*)">(.*?)</tr>', page).groups()
            city = numeric[(numeric["indicator"] == ind) & (numeric["area_id"] == CITY)
                           & (numeric["group_var"] == "all")].iloc[0]
            assert city["status"] == "ok" and row[0] == f"{ind}|{CITY}|all|all"
            cells = re.findall(r'<td class="num">([^<]*)</td>', row[1])
            assert float(cells[0]) == pytest.approx(float(city["p"]), abs=0.005)
            assert int(cells[2]) == int(city["n"]) and "%" not in row[1] and "href" not in row[1]
        for _, _key, cited, _ in _findings(page):
            assert not set(ids) & {c.split("|")[0] for c in cited.split(" ") if c}


def test_other_languages_are_refused_in_one_line(bundled):
    from geo4mi.errors import StudyError

    with pytest.raises(StudyError, match=r"language 'de' is not supported; use one of es, en, "
                                         r"fr, pt"):
        report_html(inputs_from_results(bundled[0]), lang="de")


def test_links_go_to_map_views_and_figures(bundled):
    results, _, html_en, html_es, _ = bundled
    ids = set(re.findall(r'id="([^"]+)"', html_en))
    hashes = re.findall(r'href="choropleth\.en\.html#([^"]+)"', html_en)
    assert hashes and all(re.fullmatch(r"[^/]+/[^/:]+%3A[^/]+/fixed", h) for h in hashes)
    assert {h.split("/")[0] for h in hashes} <= set(results.catalogue.ids)
    for target in re.findall(r'href="#([^"]+)"', html_en):
        assert target in ids, target
    assert 'href="choropleth.html#discriminated/all%3Aall/fixed"' in html_es
    for _n, _key, _cells, text in _findings(html_en):
        assert "map" in text and "table" in text


def test_handouts_one_per_area_with_published_figures(bundled):
    results, _, html_en, _, _ = bundled
    handouts = re.findall(r'<article class="handout" id="area-([^"]+)">', html_en)
    est = published(results.estimates)
    with_figures = sorted(set(est[(est["area_id"] != CITY) & (est["status"] == "ok")
                                  & (est["group_var"] == "all")]["area_id"]))
    assert sorted(handouts) == with_figures
    assert "Cuauhtémoc: figures against the whole city" in _text(html_en)


# -- any study: its words, hostile text, the CLI ---------------------------------------------

def test_madeup_city_report_speaks_its_words_and_never_mexico_city(tmp_path):
    from test_madeup_city import COMUNA_KEYS, MEXICO_WORDS, PLACE_KEYS, _fold, _study

    results = run(_study(tmp_path / "study", COMUNA_KEYS, PLACE_KEYS))
    for lang in ("es", "en"):
        page, _ = report_html(inputs_from_results(results), lang=lang)
        # the test study's own area column is named "borough": the study's word, quoted
        column = results.study.survey.area_column
        words = _fold(page.replace(f"«{column}»", "").replace(f"“{column}”", ""))
        assert not MEXICO_WORDS.search(words), MEXICO_WORDS.findall(words)
        assert ("comuna" if lang == "es" else "commune") in page
    assert "Madeup Town" in page


def test_hostile_study_text_stays_text_and_report_is_deterministic(tmp_path):
    from hostile import assert_inert
    from hostile_study import write_hostile_study

    results = run(write_hostile_study(tmp_path / "study"))
    first, _ = report_html(inputs_from_results(results), lang="en")
    again, _ = report_html(inputs_from_results(results), lang="en")
    assert first == again
    assert_inert(first)
    outside_svg = re.sub(r"<svg.*?</svg>", "", first, flags=re.S)
    assert "<script" not in outside_svg.lower()


def test_cli_report_writes_the_report_and_its_map(tmp_path):
    from hostile_study import write_hostile_study

    from geo4mi.cli import main
    from geo4mi.study import load_study

    study = write_hostile_study(tmp_path / "study", text=lambda i: f"Texto {i}")
    out = tmp_path / "out"
    out.mkdir()
    name = "report.html" if load_study(study).language == "en" else "report.en.html"
    (out / name).write_text("earlier", encoding="utf-8")  # --overwrite replaces it
    assert main(["-q", "report", str(study), "--out", str(out), "--lang", "en",
                 "--overwrite"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert name in names and (out / name).read_text(encoding="utf-8").startswith("<!")
    assert any(n.startswith("choropleth") for n in names)


def test_cli_report_and_compare_refuse_to_replace_without_overwrite(tmp_path, capsys):
    from geo4mi.cli import main

    study = str(bundled_study_path())  # refused before the run: nothing is computed
    other = tmp_path / "other.toml"
    other.write_text(Path(study).read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    for command, name in ((["report", study], "choropleth.html"),
                          (["compare", study, str(other)], "comparison.csv")):
        (out / name).write_text("earlier", encoding="utf-8")
        assert main([*command, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"{name}: file exists; pass --overwrite" in err
        assert (out / name).read_text(encoding="utf-8") == "earlier"
        assert sorted(p.name for p in out.iterdir()) == sorted(
            [*(["choropleth.html"] if command[0] == "compare" else []), name])


def _section(page: str, section: str) -> str:
    start = page.index(f'<section id="{section}"')
    return page[start:page.index("</section>", start)]


def test_profile_counts_are_published_ones_and_say_why_a_count_is_hidden(bundled):
    results, _, html_en, _, _ = bundled
    est = published(results.estimates)
    props = proportions(est)
    areas = props[(props["group_var"] == "all") & props["n"].notna()]
    published_n = {a: set(g["n"].astype(int)) - {0} for a, g in areas.groupby("area_id")}
    names = dict(zip(results.areas["area_name"], results.areas["area_id"], strict=True))
    profile = _section(html_en, "profile")
    rows = dict(re.findall(r'<tr><td>([^<]*)</td><td class="num">([^<]*)</td></tr>',
                           profile[:profile.index("</table>")]))
    assert len(rows) == len(names)
    shown = 0
    for name, text in rows.items():
        counts = published_n.get(names[htmllib.unescape(name)], set())
        if text.isdigit():  # a count is one the table publishes for that area
            shown += 1
            assert int(text) in counts
        else:  # and an area whose count is published somewhere shows it
            assert not counts and text in {"fewer than 10", "no interviews",
                                           "hidden to protect a small figure"}, (name, text)
    assert f"{shown} of {len(names)} boroughs have enough interviews" in profile
    gender = profile[profile.index("Respondents by gender"):]
    gender = gender[:gender.index("</table>")]
    # a large group hidden only to protect a small one is not called small
    assert re.search(r"<td>Man</td><td class=\"num\">hidden to protect a small figure", gender)
    assert re.search(r"<td>Another gender</td><td class=\"num\">fewer than 10", gender)


@pytest.mark.parametrize("lang, words", [
    ("en", ["(clusters: Enumerator code, column “enumerator”)", "clusters: Enumerator code",
            "do not correct the bias of a non-random sample", "non-response",
            "modelled from the intra-class correlation"]),
    ("es", ["(conglomerados: Código de la persona encuestadora, columna «enumerator»)",
            "no corrigen el sesgo de una muestra no aleatoria", "falta de respuesta",
            "se modela con la correlación intraclase"])])
def test_methodology_says_which_design_the_intervals_assume_and_what_they_ignore(
        bundled, lang, words):
    page = bundled[2] if lang == "en" else bundled[3]
    method = _text(_section(page, "methodology"))
    for w in words:
        assert w in method, w
    assert "cluster=enumerator" not in method


def test_a_tie_is_never_the_highest_or_the_lowest(bundled):
    """All boroughs at 0 %: no borough is "the highest" (nor "the lowest") of them."""
    results, _, html_en, _, _ = bundled
    est = published(results.estimates)
    ok = proportions(est[(est["status"] == "ok") & (est["group_var"] == "all")
                         & (est["area_id"] != CITY)])
    tied = [i for i, g in ok.groupby("indicator") if len(g) >= 3
            and (g["p"] == g["p"].max()).sum() > 1 and (g["p"] == g["p"].min()).sum() > 1]
    assert tied  # the bundled data have such indicators (day care at 0 % everywhere)
    for _, key, cells, _body in _findings(html_en):
        if key in ("find_highest", "find_lowest", "find_max_untested", "find_min_untested"):
            assert cells.split("|")[0] not in tied, (key, cells)
