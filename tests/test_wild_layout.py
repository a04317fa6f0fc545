"""Layouts met in public derivations that once made derivcheck flag correct steps: kramdown's inline
``$$…$$``, a display's indented line that markdown-it takes for code, two equations side by side in one
row of an ``align``, and a symbol given an example's numbers.

The identities below were keyed by an independent SymPy script, not by derivcheck."""

from __future__ import annotations

import textwrap

from derivcheck.read.prose import inline_math
from derivcheck.read.source import read_document
from derivcheck.verdict.checker import Options, check, run_inline
from derivcheck.verdict.tasks import GIVEN_VALUE


def checked(text: str):
    return run_inline(check(read_document("doc.md", textwrap.dedent(text)), Options()))


def test_a_text_that_writes_inline_math_with_double_dollars_keeps_its_conditions_out_of_the_steps():
    """A Jekyll post: the sum "over $$k$$" names a symbol inside a sentence, so the author writes inline
    math with $$; "If $$k = y_i$$," is then a condition, not a step refuted at k = 1, y_i = 2."""
    text = textwrap.dedent(r"""
    $$ (x+1)^2 = x^2 + 2x + 1 $$

    The sum over $$k$$ has one term left. If $$k = y_i$$, it is kept; it is zero $$\forall k \ne n$$.
    """)
    doc = read_document("doc.md", text)
    assert len(doc.blocks) == 1
    assert [i.text for i in inline_math(doc)] == ["k", "k = y_i", "\\forall k \\ne n"]
    assert [s.verdict for s in checked(text).steps] == ["valid"]


def test_double_dollars_in_a_sentence_stay_a_display_without_the_authors_evidence():
    """No $$ span names a lone symbol, or the text also writes single-dollar math: a $$…$$ in a line of
    text is a display, as MathJax reads it, and its equation is a step."""
    for text in (r"If $$k + k = 2k$$, then so.", r"With $k$ a class, if $$k + k = 2k$$, then $$k$$ is so."):
        doc = read_document("doc.md", text + "\n")
        assert [b.content.strip() for b in doc.blocks][:1] == ["k + k = 2k"], text


def test_double_dollars_on_lines_of_their_own_stay_a_display():
    r = checked(r"""
    Observe that
    $$ (x+1)^2 = x^2 + 2x + 1 $$
    """)
    assert [s.verdict for s in r.steps] == ["valid"]


def test_an_indented_line_between_double_dollars_is_math_not_code():
    r = checked(r"""
    Observe that
    $$
    \begin{align*}
        (x+1)^2 &= x^2 + 2x + 1
    \end{align*}
    $$
    This shows that
    $$
        (y+1)^2 = y^2 + 2y + 1
    $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid"]


def test_two_equations_side_by_side_in_an_align_row_are_two_equations():
    r = checked(r"""
    In the case where the network has the following starting conditions:

    $$\begin{align*}
    X &= \begin{bmatrix}16 & -6\end{bmatrix} &
    y &= 2 \\
    (x+1)^2 &= x^2 + 2x + 1 & (y+1)^2 &= y^2 + 2y + 1
    \end{align*}$$
    """)
    assert [s.latex.split("&")[0].strip() for s in r.steps] == ["X", "y", "(x+1)^2", "(y+1)^2"]
    assert [s.verdict for s in r.steps] == ["unsupported", "unsupported", "valid", "valid"]
    assert GIVEN_VALUE in str(r.steps[0].reason) and GIVEN_VALUE in str(r.steps[1].reason)


def test_an_eqnarray_row_stays_one_equation():
    r = checked(r"""
    $$\begin{eqnarray}
    (x+1)^2 &=& x^2 + 2x + 1
    \end{eqnarray}$$
    """)
    assert [s.verdict for s in r.steps] == ["valid"]


def test_a_display_set_in_a_line_that_ends_its_sentence_inside_stays_a_display():
    r = checked(r"""
    With our choice we have $$ (x+1)^2 = x^2 + 2x + 1. $$ If we expand again we get the same.
    """)
    assert [s.verdict for s in r.steps] == ["valid"]


def test_an_example_worked_in_rounded_numbers_is_never_refuted_where_it_rounds_right():
    """σ(-2) = 1/(1 + e^2) = 0.1192…: 0.12 to two places (keyed with Python's math, not derivcheck)."""
    from derivcheck.verdict.tasks import ROUNDED
    r = checked(r"""
    $$ \sigma(w^\top x) = \sigma \bigg( \begin{bmatrix} 1 & 1 \end{bmatrix} \cdot \begin{bmatrix} -3 \\ 1 \end{bmatrix} \bigg) $$

    $$ \frac{1}{1+e^{2}} = 0.12 $$

    $$ \frac{1}{1+e^{2}} = 0.13 $$
    """)
    assert [s.verdict for s in r.steps] == ["unsupported", "unsupported", "invalid"]
    assert ROUNDED in str(r.steps[1].reason)


def test_a_pages_own_front_matter_is_skipped_and_the_notation_read_from_the_text(tmp_path):
    """A Jekyll post opens with ``layout: post``: not derivcheck's ``layout`` (numerator or denominator)
    but a page template. The front matter is not math and not a notation header: the notation is
    inferred, the title kept, and the step checked. Written with Windows line endings and a byte-order
    mark, the file reads the same."""
    from derivcheck.run.batch import read_text
    text = "---\nlayout: post\ntitle: Squares\ntags: [algebra]\n---\n\n$$\n(a+b)^2 = a^2 + 2ab + b^2 + 1\n$$\n"
    path = tmp_path / "post.md"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert read_text(path) == text
    doc = read_document("post.md", read_text(path))
    assert doc.header is None and doc.page_title == "Squares" and doc.blocks[0].line == 7
    r = run_inline(check(doc, Options()))
    assert r.error is None and r.title == "Squares"
    assert [s.verdict for s in r.steps] == ["invalid"]


def test_front_matter_with_a_notation_key_is_the_notation_header():
    doc = read_document("doc.md", "---\nlayout: denominator\n---\n$$ a = a $$\n")
    assert doc.header == {"layout": "denominator"}
    doc = read_document("doc.md", "---\ntitle: t\nsizes: {K: 3}\n---\n$$ a = a $$\n")
    assert doc.header == {"title": "t", "sizes": {"K": 3}}


def test_single_dollars_around_an_alignment_on_lines_of_their_own_are_a_display():
    """CS224n write-ups set ``$\\begin{aligned} … \\end{aligned}$`` on lines of its own, which GitHub and
    MathJax show as a display; once the file had "no display math" and was refused."""
    text = "So:\n\n$\\begin{aligned}\n(x+1)^2 &= x^2 + 2x + 1 \\\\\n&= 1 + 2x + x^2\n\\end{aligned}$\n\nDone.\n"
    doc = read_document("doc.md", text)
    assert len(doc.blocks) == 1 and doc.blocks[0].line == 3
    assert [s.verdict for s in checked(text).steps] == ["valid", "valid"]
    # inside a sentence it stays inline math
    doc = read_document("doc.md", "We have $\\begin{aligned} a &= b \\end{aligned}$ here.\n\n$$ c = d $$\n")
    assert len(doc.blocks) == 1


def test_hugo_katex_shortcodes_are_displays():
    """Hugo's Book theme sets math between ``{{< katex >}}`` and ``{{< /katex >}}``; once such a post had
    "no display math" and was refused."""
    text = "Text.\n\n{{< katex >}}\n\\begin{aligned}\n(x+1)^2 &= x^2 + 2x + 1\n\\end{aligned}\n{{< /katex >}}\n\nMore.\n"
    assert [s.verdict for s in checked(text).steps] == ["valid"]


def test_double_dollars_in_a_markdown_table_open_no_display():
    """``|$$|`` in a table's empty cell once opened a display that paired with one far below, and a
    healthy display was reported as never closed."""
    text = ("$$ (x+1)^2 = x^2 + 2x + 1 $$\n\n|name|formula|\n|-|-|\n|SoftMax|$$|\n||$$|$$|\n\n"
            "$$ (y+1)^2 = y^2 + 2y + 1 $$\n")
    r = checked(text)
    assert [s.verdict for s in r.steps] == ["valid", "valid"]


def test_one_unusable_inferred_definition_does_not_refuse_the_document():
    """ε_{\\mathbf{y}} = y - H x̂ beside entries ε_{y1}, ε_{y2}: the label y reads as an index with no range,
    which once made the inferred notation unusable and the whole document an error. The definition is
    set aside, said so, and the rest is checked."""
    r = checked(r"""
    $$ \epsilon_{\mathbf{y}} = \mathbf{y} - \mathbf{H} \hat{\mathbf{x}} $$

    $$ J = \epsilon_{y1}^2 + \epsilon_{y2}^2 $$

    $$ (a+b)^2 = a^2 + 2ab + b^2 $$
    """)
    assert r.error is None
    assert r.steps[-1].verdict == "valid"
    assert any("is not used" in note.text for note in r.inferred)


def test_the_spacing_argument_of_a_line_break_is_layout():
    r"""``\\[5pt]`` (and ``\\*``, ``\\[-1ex]``) opens a row with extra space: the bracket is not math of the
    row. Keyed by expanding both sides with SymPy: rows 1 and 2 hold, row 3 does not ((x-1)^2 = x^2 - 2x + 1)."""
    text = r"""
    $$\begin{align}
    (x+1)^2 &= x^2 + 2x + 1 \\[5pt]
    (x-1)^2 &= x^2 - 2x + 1 \\*
    (x-1)^2 &= x^2 + 2x + 1 \\[-1.5ex]
    \end{align}$$
    """
    steps = checked(text).steps
    assert [s.latex.strip().startswith("(x") for s in steps] == [True, True, True]
    assert [s.verdict for s in steps] == ["valid", "valid", "invalid"]


def test_a_stray_single_dollar_span_does_not_outweigh_a_kramdown_texts_double_dollars():
    """A Jekyll post that names its symbols with $$ (three times) and once writes "the $qj$th output": its
    "gives 1 when $$c=j$$" is still a condition inside a sentence, not a step refuted at c = 1, j = 2."""
    text = textwrap.dedent(r"""
    $$ (x+1)^2 = x^2 + 2x + 1 $$

    Here $$1_{c=j}$$ is the indicator that gives 1 when $$c=j$$, and $$0$$ otherwise, for the $$c$$th
    class of the $$q$$th sample; the $qj$th output is one entry.
    """)
    doc = read_document("doc.md", text)
    assert len(doc.blocks) == 1
    assert [s.verdict for s in checked(text).steps] == ["valid"]


def test_kramdowns_escaped_brackets_are_a_display_and_a_spaced_line_break_in_prose_is_not():
    """In kramdown Markdown ``\\\\[`` is the escaped ``\\[``: a display where ``\\\\]`` closes it."""
    text = "Title\\\\[2pt] and text.\n\n\\\\[ (x+1)^2 = x^2 + 2x + CONST \\\\]\n"
    assert [s.verdict for s in checked(text.replace("CONST", "1")).steps] == ["valid"]
    assert [s.verdict for s in checked(text.replace("CONST", "2")).steps] == ["invalid"]


def test_a_bare_aligned_environment_in_a_notebook_cell_is_a_display():
    """Jupyter sets ``\\begin{aligned}`` with no dollars around it as a display."""
    import json
    cell = "Text\n\n\\begin{aligned}\n(x+1)^2 &= x^2 + 2x + CONST\n\\end{aligned}\n"
    for const, verdict in (("1", "valid"), ("2", "invalid")):
        nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": cell.replace("CONST", const)}],
              "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        doc = read_document("doc.ipynb", json.dumps(nb))
        assert [s.verdict for s in run_inline(check(doc, Options())).steps] == [verdict]
