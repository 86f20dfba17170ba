"""The report in French and Portuguese, its Spanish data-quality annex, and its PDF.

The bundled study's report is built once for the module; the PDF is printed once (about
15 s with WeasyPrint). PDF tests are skipped, with the reason, when WeasyPrint is missing.
"""

from __future__ import annotations

import contextlib
import html as htmllib
import io
import logging
import re
import string

import pytest
from click.testing import CliRunner

from geo4mi.cli import cli, main
from geo4mi.indicators.differences import differences
from geo4mi.indicators.suppression import published
from geo4mi.report import inputs_from_results, report_html
from geo4mi.report.annex import quality_rows
from geo4mi.report.sentences import REPORT_LANGUAGES, SENTENCES, check_complete
from geo4mi.study import bundled_study_path

FINDING = re.compile(r'<li class="finding[^"]*" id="finding-(\d+)"[^>]*>(.*?)<span '
                     r'class="links">', re.S)


def _plain(fragment: str) -> str:
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


@pytest.fixture(scope="module")
def bundled(bundled_results):
    results = bundled_results
    diffs = differences(published(results.estimates))
    inputs = inputs_from_results(results)
    pages = {lang: report_html(inputs, lang=lang, diffs=diffs)[0]
             for lang in ("es", "fr", "pt")}
    return results, pages


# -- languages ----------------------------------------------------------------------------

def test_every_sentence_key_is_in_every_report_language():
    check_complete()
    assert set(REPORT_LANGUAGES) == {"es", "en", "fr", "pt"}
    missing = [(key, lang) for key, entry in SENTENCES.items()
               for lang in REPORT_LANGUAGES if not entry.get(lang)]
    assert missing == []


def _fragments(lang: str) -> set[str]:
    """The literal pieces of ``lang``'s templates long enough to be language-specific."""
    pieces = set()
    for entry in SENTENCES.values():
        for literal, *_ in string.Formatter().parse(entry[lang]):
            for piece in re.split(r"[().,;:«»“”\"]", literal.replace(" %", " %")):
                piece = piece.strip()
                if len(piece) >= 14 and not any(piece in e.get(other, "")
                                                for e in SENTENCES.values()
                                                for other in ("fr", "pt")):
                    pieces.add(piece)
    return pieces


@pytest.mark.parametrize("lang", ["fr", "pt"])
def test_a_french_or_portuguese_report_has_no_english_or_spanish_template_text(bundled, lang):
    results, pages = bundled
    text = _plain(pages[lang])
    # the study's own labels (its form has es and en only) are data, not template text
    labels = results.labels
    data = " ".join(labels.text(x, "es") + " " + labels.text(x, "en")
                    for ind in labels.indicators.values() for x in (ind.label, ind.universe))
    leaked = sorted(p for other in ("es", "en") for p in _fragments(other)
                    if p in text and p.lower() not in data.lower())
    assert leaked == []
    assert f'<html lang="{lang}"' in pages[lang]
    own = {"fr": "Résumé et principaux constats", "pt": "Resumo e principais constatações"}
    assert own[lang] in text
    assert len(FINDING.findall(pages[lang])) == len(FINDING.findall(pages["es"])) > 20


def test_the_cli_writes_a_portuguese_report(tmp_path):
    result = CliRunner().invoke(cli, ["report", str(bundled_study_path()), "--out",
                                      str(tmp_path), "--lang", "pt"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "report.pt.html").read_text(encoding="utf-8")
    assert "Relatório de resultados" in page and "Findings report" not in page
    assert (tmp_path / "choropleth.pt.html").exists()


# -- the data-quality annex ------------------------------------------------------------------

def test_the_spanish_annex_is_spanish_and_keeps_the_data_values(bundled):
    results, pages = bundled
    rows = quality_rows(results.quality, "es")
    english = quality_rows(results.quality, "en")
    assert len(rows) == len(english) > 10
    raw = results.quality[results.quality["area_id"].isna() & results.quality["row"].isna()]
    for row, _en, original in zip(rows, english, raw["reason"].astype(str), strict=True):
        assert row["reason"] != original, f"untranslated: {original}"
        assert not re.search(r"\b(rows|respondents|flagged|excluded by|threshold)\b",
                             row["reason"]), row["reason"]
        # data values (file, rule, quasi-identifiers, numbers) are carried unchanged
        for value in re.findall(r"sample_kobo\.csv|'age < 18'|area_id, [a-z_, ]+_city|"
                                r"\d+\.\d", original):
            assert value in row["reason"], (value, row["reason"])
    annex = pages["es"][pages["es"].index('id="annex-quality"'):]
    annex = annex[:annex.index("</section>")]
    assert "Filas de datos leídas de sample_kobo.csv" in _plain(annex)
    assert "rows read" not in annex and "respondents analysed" not in annex


# -- the PDF --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pdf(bundled):
    pytest.importorskip("weasyprint", reason="geo4mi[pdf] (WeasyPrint) is not installed")
    pypdf = pytest.importorskip("pypdf")
    from geo4mi.report.pdf import pdf_bytes

    _, pages = bundled
    with weasyprint_log() as records:
        data = pdf_bytes(pages["es"])
    reader = pypdf.PdfReader(io.BytesIO(data))
    return pages["es"], data, reader, records


@contextlib.contextmanager
def weasyprint_log():
    """The records WeasyPrint logs (warnings and above), while the block runs."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def test_the_report_gives_weasyprint_no_warning(pdf):
    """pdf.py no longer silences WeasyPrint: the report's own HTML and CSS (the figures'
    SVG included) must print without one warning (an unknown CSS property, say)."""
    *_, records = pdf
    assert [r.getMessage() for r in records] == []


def test_weasyprint_warnings_are_not_silenced():
    """What WeasyPrint says about a document reaches the log (the report test above could
    otherwise pass by silencing)."""
    pytest.importorskip("weasyprint", reason="geo4mi[pdf] (WeasyPrint) is not installed")
    from geo4mi.report.pdf import pdf_bytes

    with weasyprint_log() as records:
        pdf_bytes('<p style="colour: red">x</p>')
    assert any("colour" in r.getMessage() for r in records)


def test_inline_figures_carry_no_svg_only_css(bundled):
    """matplotlib's style attributes (fill, stroke...) are SVG presentation attributes in
    the report, and its page-wide ``*{stroke-linejoin...}`` style sheet is gone."""
    _, pages = bundled
    page = pages["es"]
    svgs = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    assert len(svgs) >= 5
    styles = " ".join(re.findall(r' style="([^"]*)"', " ".join(svgs)))
    for prop in ("fill:", "stroke:", "stroke-width:", "text-anchor:", "stroke-linejoin:"):
        assert prop not in styles
    assert "*{stroke-linejoin" not in page
    assert all('stroke-linejoin="round"' in svg.split(">", 1)[0] for svg in svgs)
    assert 'fill="#ffffff"' in page and "font-family:" in styles  # fonts stay CSS


def _norm(text: str) -> str:
    """Text with runs of white space as one space; a line broken after the dash of a range
    ("32–" / "70 %") reads as the range."""
    return re.sub(r"–\s+", "–", re.sub(r"\s+", " ", text.replace("\u00a0", " "))).strip()


def test_the_pdf_holds_every_finding_each_on_one_page(pdf):
    page_html, _, reader, _ = pdf
    pages = [_norm(p.extract_text()) for p in reader.pages]
    findings = [(n, _plain(body)) for n, body in FINDING.findall(page_html)]
    assert len(findings) > 20
    placed = {n: [i for i, text in enumerate(pages) if body in text] for n, body in findings}
    split = {n: where for n, where in placed.items() if len(where) != 1}
    assert split == {}, f"findings not whole on exactly one page: {split}"
    assert "Resumen y hallazgos principales" in " ".join(pages[:4])


def test_the_pdf_is_a4_and_its_figures_fit_the_page(pdf):
    import weasyprint

    page_html, _data, reader, _ = pdf
    a4 = (595.28, 841.89)  # points
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - a4[0]) < 1 and abs(float(box.height) - a4[1]) < 1
    from weasyprint.urls import URLFetcher

    document = weasyprint.HTML(string=page_html,
                               url_fetcher=URLFetcher(allowed_protocols={"data"})).render()
    svgs = 0
    for page in document.pages:
        box = page._page_box  # the content area of the A4 page, in CSS px
        for child in box.descendants():
            if str(getattr(child, "element_tag", "")).endswith("svg"):  # {namespace}svg
                svgs += 1
                assert child.margin_width() <= box.width + 0.5
                assert child.margin_height() <= box.height + 0.5
    assert svgs >= 5


def test_the_pdf_is_byte_identical_across_runs(pdf):
    from geo4mi.report.pdf import pdf_bytes

    page_html, data, *_ = pdf
    assert data.startswith(b"%PDF-") and pdf_bytes(page_html) == data


def test_report_pdf_without_the_engine_is_one_line_and_writes_nothing(tmp_path, monkeypatch,
                                                                      capsys):
    import builtins

    real = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise ImportError("No module named 'weasyprint'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    out = tmp_path / "out"
    assert main(["report", str(bundled_study_path()), "--out", str(out), "--pdf"]) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "pip install 'geo4mi[pdf]'" in lines[0], captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert not out.exists() or list(out.iterdir()) == []


def test_the_stylesheet_is_inlined_unescaped(bundled):
    """An escaped quote (&#34;) inside <style> voids the font declaration in every engine."""
    _, pages = bundled
    style = pages["es"][pages["es"].index("<style"):pages["es"].index("</style>")]
    assert '"DejaVu Sans"' in style and "&#34;" not in style and "&quot;" not in style
