"""Reading documents as people write them: Markdown through markdown-it, notebooks, LaTeX files.

Each test is a small document written for it, and asserts the displays, chains or verdicts found.
"""

from __future__ import annotations

import json

from conftest import SOFTMAX_HEADER, verdicts

from derivcheck.read.source import read_document
from derivcheck.verdict.checker import Options, check, run_inline


def chains(doc) -> list[list[str]]:
    """Each chain as its pieces' texts."""
    return [[c.first.text] + [lk.piece.text for lk in c.links] for c in doc.chains]


def run(path: str, text: str):
    return run_inline(check(read_document(path, text), Options()))


def notebook(*cells: tuple[str, str]) -> str:
    """A notebook (nbformat 4) with the given (cell type, source) cells."""
    def cell(kind: str, source: str) -> dict:
        out = {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}
        if kind == "code":
            out.update(execution_count=1, outputs=[{"output_type": "stream", "name": "stdout",
                                                    "text": ["$$ q = r + 1 $$\n"]}])
        return out
    return json.dumps({"cells": [cell(k, s) for k, s in cells], "metadata": {}, "nbformat": 4,
                       "nbformat_minor": 5})


# ----------------------------------------------------------------------------- Markdown

def test_a_display_inside_an_html_comment_is_not_math():
    doc = read_document("t.md", "<!-- $$ a = b $$ and $$ -->\n\n$$ c = d $$\n\ntext <!-- $$ --> more\n\n$$ e = f $$\n")
    assert chains(doc) == [["c", "d"], ["e", "f"]]


def test_a_display_inside_fenced_code_is_not_math():
    doc = read_document("t.md", "```latex\n$$ a = b\n```\n\n$$ c = d $$\n\n~~~\n$$\n~~~\n\n$$ e = f $$\n")
    assert chains(doc) == [["c", "d"], ["e", "f"]]


def test_a_display_inside_indented_code_is_not_math():
    doc = read_document("t.md", "Some text.\n\n    $$ a = b $$\n\n$$ c = d $$\n")
    assert chains(doc) == [["c", "d"]]


def test_a_display_inside_inline_code_is_not_math():
    doc = read_document("t.md", "Write `$$` to open a display, or ``$$ x $$``.\n\n$$ c = d $$\n")
    assert chains(doc) == [["c", "d"]]


def test_quote_markers_are_not_part_of_the_math():
    text = "> We have\n> $$ a = b\n> = c $$\n"
    doc = read_document("t.md", text)
    assert chains(doc) == [["a", "b", "c"]]
    link = doc.chains[0].links[1]
    assert link.latex == "c" and link.line == 3
    assert text[link.piece.start:link.piece.start + len(link.piece.text)] == "c"


def test_a_display_in_a_list_item():
    doc = read_document("t.md", "1. first\n\n   $$\n   p = q\n   $$\n2. second $$ r = s $$\n")
    assert chains(doc) == [["p", "q"], ["r", "s"]]


def test_every_kind_of_display_delimiter():
    text = ("\\[ u = v \\]\n\n\\begin{align*}\nx &= y \\\\\n&= z\n\\end{align*}\n\n"
            "$$\\begin{aligned} a &= b \\end{aligned}$$ $$c = d$$\n\ntext $$ g = h $$ text\n\n"
            "\\begin{eqnarray}\nm &=& n \\\\\n&=& o\n\\end{eqnarray}\n")
    doc = read_document("t.md", text)
    assert chains(doc) == [["u", "v"], ["x", "y", "z"], ["a", "b"], ["c", "d"], ["g", "h"], ["m", "n", "o"]]
    assert [b.line for b in doc.blocks] == [1, 3, 8, 8, 10, 12]


def test_an_unclosed_display_is_one_finding_and_the_rest_is_read():
    doc = read_document("t.md", "$$ a = b $$\n\n$$ c = d\n\nsome words\n\n$$ e = f $$\n")
    assert chains(doc) == [["a", "b"], ["e", "f"]]
    assert [(b.line, b.broken) for b in doc.empty] == [(3, "display math opened on line 3 is never closed")]


def test_an_unclosed_display_is_garbled_and_the_others_are_judged():
    result = run("t.md", SOFTMAX_HEADER + "$$x_i + x_i = 2 x_i$$\n\n$$ x_i = \n\nwords\n\n$$x_i + x_i = 3 x_i$$\n")
    assert verdicts(result) == ["valid", "garbled", "invalid"]
    assert str(result.steps[1].reason) == "damaged LaTeX: display math opened on line 17 is never closed"
    assert result.steps[1].location == "line 17"


def test_a_display_ending_with_a_relation_is_continued_by_the_next():
    doc = read_document("t.md", "$$ a = b =$$\n\nwords\n\n$$= c$$\n\n$$ d = e =$$\n\n$$ f $$\n")
    assert chains(doc) == [["a", "b", "c"], ["d", "e", "f"]]
    assert [lk.relation for lk in doc.chains[0].links] == ["=", "="]
    assert doc.empty == []


def test_a_relation_with_nothing_after_it_is_garbled():
    doc = read_document("t.md", "$$ a = b $$\n\n$$ c = d =$$\n")
    assert chains(doc) == [["a", "b"], ["c", "d"]]
    assert [(b.line, b.broken) for b in doc.empty] == [
        (3, "the relation `=` at the end of the display has nothing after it")]


def test_two_relations_in_a_row_are_read_as_one_and_garbled():
    result = run("t.md", SOFTMAX_HEADER + "$$x_i + x_i = = 2 x_i$$\n")
    assert verdicts(result) == ["garbled"]
    assert "two relations in a row" in str(result.steps[0].reason)
    assert result.steps[0].repair.verdict == "valid"


def test_array_rows_with_aligned_relations_are_a_chain():
    doc = read_document("t.md", "$$\\begin{array}{rcl} a &=& b + 0 \\\\ &=& b \\end{array}$$\n\n"
                                "$$\\begin{array}{cc} 1 & 2 \\\\ 3 & 4 \\end{array}$$\n")
    assert chains(doc) == [["a", "b + 0", "b"]]
    assert [p.text for p in doc.lone] == ["\\begin{array}{cc} 1 & 2 \\\\ 3 & 4 \\end{array}"]


def test_line_breaks_in_a_bare_display_are_rows_of_a_chain_and_in_a_multline_are_not():
    doc = read_document("t.md", "$$ a = b \\\\ = c \\\\ = d $$\n\n\\begin{multline} e = f \\\\ + g \\end{multline}\n")
    assert chains(doc) == [["a", "b", "c", "d"], ["e", "f    + g"]]


def test_a_connective_joins_two_equations_not_one_chain():
    doc = read_document("t.md", "$$ a = b \\Rightarrow c = d $$\n\n$$ \\therefore e = f $$\n\n"
                                "$$ g = h \\iff k = m \\implies n = p $$\n")
    assert chains(doc) == [["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"], ["k", "m"], ["n", "p"]]


def test_a_justification_inside_a_display_is_not_math():
    doc = read_document("t.md", "$$ a = b \\quad \\text{(since $b = a$)} \\\\ = c \\quad (\\text{by the rule}) \\\\ "
                                "= d \\qquad \\because d = c $$\n")
    assert chains(doc) == [["a", "b", "c", "d"]]


def test_annotated_relations_and_macro_relations_cut_a_chain():
    doc = read_document("t.md", "$\\newcommand{\\byeq}[1]{\\overset{(#1)}{=}}$\n\n"
                                "$$ a \\overset{(1)}{=} b \\byeq{2} c \\stackrel{\\text{def}}{\\leq} d $$\n")
    assert chains(doc) == [["a", "b", "c", "d"]]
    assert [lk.relation for lk in doc.chains[0].links] == ["=", "=", "\\leq"]


def test_markdown_macros_are_read_and_expanded_where_the_math_is_parsed():
    text = SOFTMAX_HEADER + "$$\\newcommand{\\twice}[1]{2 #1}$$\n\n$$x_i + x_i = \\twice{x_i}$$\n"
    doc = read_document("t.md", text)
    assert list(doc.macros) == ["\\twice"] and len(doc.blocks) == 1
    result = run("t.md", text)
    assert verdicts(result) == ["valid"] and result.steps[0].latex == "x_i + x_i = \\twice{x_i}"


# ----------------------------------------------------------------------------- notebooks

def test_a_notebook_reads_its_markdown_cells_in_order_with_cell_locations():
    text = notebook(("markdown", "# Title\n\n$$ a = b $$"), ("code", "x = '$$ not = math $$'"),
                    ("markdown", "Then\n$$ = c $$"), ("markdown", "$$ d = e\n\nwords"))
    doc = read_document("nb.ipynb", text)
    assert chains(doc) == [["a", "b", "c"]]
    assert doc.location(doc.chains[0].links[0].latex_start) == "cell 1, line 3"
    assert doc.location(doc.chains[0].links[1].latex_start) == "cell 3, line 2"
    assert [doc.location(b.start) for b in doc.empty] == ["cell 4, line 1"]
    assert "not = math" not in doc.text and "q = r" not in doc.text


def test_a_notebook_is_checked_with_cell_locations_in_the_findings():
    text = notebook(("markdown", SOFTMAX_HEADER), ("code", "1"), ("markdown", "text\n\n$$x_i + x_i = 3 x_i$$"))
    result = run("nb.ipynb", text)
    assert verdicts(result) == ["invalid"]
    assert result.steps[0].location == "cell 3, line 3"


def test_a_notebook_read_again_from_its_joined_cells_is_the_same_document():
    """A worker re-reads the document from ``Document.text`` (the inference does)."""
    doc = read_document("nb.ipynb", notebook(("markdown", "$$ a = b $$"), ("markdown", "$$ = c $$")))
    again = read_document("nb.ipynb", doc.text)
    assert chains(again) == chains(doc) == [["a", "b", "c"]]


def test_a_broken_notebook_is_an_input_error():
    import pytest
    from derivcheck.read.source import SourceError
    with pytest.raises(SourceError, match="not a readable Jupyter notebook"):
        read_document("nb.ipynb", '{"cells": [')


# ----------------------------------------------------------------------------- LaTeX files

TEX = r"""\documentclass{article}
\newcommand{\pd}[2]{\frac{\partial #1}{\partial #2}}
\def\sq#1{#1^{2}}
\begin{document}
% $$ commented = out $$
The rate is 5\% here. % \begin{equation} a = b \end{equation}
\begin{equation}
\pd{x_i}{x_i} = 1 \label{eq:one}
\end{equation}
\begin{align}
x_i + x_i &= 2 x_i \nonumber \\
&= 3 x_i \tag{2}
\end{align}
\[ \sq{x_i} = x_i x_i \]
\begin{verbatim}
$$ verbatim = text $$
\end{verbatim}
\end{document}
$$ after = end $$
"""


def test_tex_comments_preamble_and_verbatim_are_not_math():
    doc = read_document("t.tex", TEX)
    assert chains(doc) == [["\\pd{x_i}{x_i}", "1"], ["x_i + x_i", "2 x_i", "3 x_i"], ["\\sq{x_i}", "x_i x_i"]]
    assert set(doc.macros) == {"\\pd", "\\sq"}


def test_tex_macros_are_expanded_where_the_math_is_parsed():
    result = run("t.tex", SOFTMAX_HEADER + TEX)
    assert verdicts(result) == ["valid", "valid", "invalid", "valid"]
    assert result.steps[0].latex == "\\pd{x_i}{x_i} = 1"


def test_a_txt_file_is_read_as_latex_when_it_is_a_latex_document():
    doc = read_document("t.txt", TEX)
    assert len(doc.chains) == 3 and doc.cells == []
    doc = read_document("t.txt", "% not a comment in Markdown: $$ a = b $$\n")
    assert chains(doc) == [["a", "b"]]


# ----------------------------------------------------------------------------- the command line

def test_check_and_grade_read_every_format_and_say_what_they_skip(tmp_path, capsys):
    from derivcheck.run.cli import collect, collect_submissions
    from derivcheck.run.batch import SUBMISSION_SUFFIXES
    for name in ("a.md", "b.markdown", "c.txt", "d.tex", "e.ipynb", "notes.py", ".hidden.md", "sub/f.md"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("$$ a = b $$\n")
    files, errors = collect((str(tmp_path),))
    assert [p.name for p in files] == ["a.md", "b.markdown", "c.txt", "d.tex", "e.ipynb"] and errors == []
    said = capsys.readouterr().err.splitlines()
    assert said == [f"derivcheck: skipped {tmp_path / '.hidden.md'}: hidden",
                    f"derivcheck: skipped {tmp_path / 'notes.py'}: a .py file is not read "
                    "(derivations are .md, .markdown, .txt, .tex, .ipynb)"]
    found, errors = collect_submissions((str(tmp_path),), SUBMISSION_SUFFIXES)
    assert [student for _, student in found] == ["a", "b", "c", "d", "e", "sub__f"] and errors == []


def test_a_relation_inside_a_box_or_a_colour_is_a_step():
    from derivcheck.read.source import read_document
    doc = read_document("doc.md", "$$\\boxed{a = b}$$\n\n$$\\color{red}{c = d + e}$$\n")
    assert [(c.first.text, [lk.piece.text for lk in c.links]) for c in doc.chains] == [("a", ["b"]), ("c", ["d + e"])]
