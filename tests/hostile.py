"""A corpus of hostile text: every payload must stay inert text in every output.

Names and labels reach geo4mi from people outside the project (boundary files, XLSForms,
catalogues, survey answers, GeoJSON from workshop laptops). Tests place these payloads in each
text field that reaches an output and assert, with :func:`assert_inert`, that none of them
became code: no template was evaluated, no markup was created, no spreadsheet formula is left
in a CSV cell.

Each payload carries a marker that only appears in an output if the payload was *executed*
(``G4M_EVALUATED`` is built by Jinja2 from two halves; ``alert``/``onerror`` handlers record
``G4M_XSS`` calls, which a browser test hooks).

Usage::

    from hostile import PAYLOADS, payload, assert_inert

    name = payload(3)          # one payload, with a unique prefix "h3 " so it can be found
    ...
    assert_inert(html_text)    # no evaluated template in the output
"""

from __future__ import annotations

#: Text that must never be evaluated, rendered as markup or run as a formula.
PAYLOADS: tuple[str, ...] = (
    # Jinja2 / template syntax: evaluated it gives G4M_EVALUATED.
    '{{ "G4M_EVAL" ~ "UATED" }}',
    '{% if true %}G4M_EVAL{{ "UATED" }}{% endif %}',
    '{{ cycler.__init__.__globals__.os.getpid() }} {{ "G4M_EVAL" ~ "UATED" }}',
    "{{ unclosed",
    "{% broken",
    "{# comment",
    # HTML and script.
    "<script>alert('G4M_XSS')</script>",
    "<img src=x onerror=\"alert('G4M_XSS')\">",
    "\"'><svg onload=alert('G4M_XSS')>",
    "</script><script>alert('G4M_XSS')</script>",
    "<!--<script>",
    "</style><b>bold</b>",
    "&amp; &lt;b&gt; &#x3C;",
    # JavaScript strings and template literals.
    "`${alert('G4M_XSS')}`",
    "Iztapalapa ${alert('G4M_XSS')}",
    "'); alert('G4M_XSS'); ('",
    "\"); alert(\"G4M_XSS\"); (\"",
    "back\\slash \\u0041 \\",
    "javascript:alert('G4M_XSS')",
    # Line and paragraph separators, bidi and zero-width characters.
    "line\u2028sep\u2029para",
    "bidi \u202egnp.exe\u202c",
    "zero\u200bwidth\u200d\ufeff",
    # Spreadsheet formulas.
    '=HYPERLINK("http://example.invalid","G4M_FORMULA")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    # matplotlib mathtext and format strings.
    "$\\alpha^{2}$ $unbalanced",
    "%s %d {0} {name}",
    # Very long text.
    "long " + "x" * 3000,
)

#: Markers that appear only when a payload was executed rather than shown.
EXECUTED_MARKERS: tuple[str, ...] = ("G4M_EVALUATED",)

#: Spreadsheet formula starts that must not begin any CSV cell.
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def payload(i: int) -> str:
    """Payload ``i`` (cycling) with a unique prefix ``"h<i> "``, so each can be found again.

    Examples
    --------
    >>> payload(0)
    'h0 {{ "G4M_EVAL" ~ "UATED" }}'
    >>> payload(len(PAYLOADS)).startswith("h31 {{")
    True
    """
    return f"h{i} {PAYLOADS[i % len(PAYLOADS)]}"


def assert_inert(text: str) -> None:
    """Fail when ``text`` (an output file's text) shows that a payload was executed.

    Examples
    --------
    >>> assert_inert('literal {{ "G4M_EVAL" ~ "UATED" }} text')
    >>> assert_inert("G4M_EVALUATED")
    Traceback (most recent call last):
    ...
    AssertionError: a template payload was evaluated: ...G4M_EVALUATED...
    """
    for marker in EXECUTED_MARKERS:
        at = text.find(marker)
        if at >= 0:
            raise AssertionError("a template payload was evaluated: "
                                 f"...{text[max(0, at - 60):at + 60]}...")
