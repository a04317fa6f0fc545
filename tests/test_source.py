"""Reading Markdown: display blocks, chains, verbatim text, tags and line numbers."""

from __future__ import annotations

import pytest

from derivcheck.read.source import SourceError, read_document


def test_chain_across_displays_and_aligned_rows():
    text = "intro\n\n$$a = b$$\n[why]\n$$= c$$\n\n$$\\begin{aligned} d &= e \\\\ &= f \\end{aligned} \\quad (3)$$\n"
    doc = read_document("t.md", text)
    first, second = doc.chains
    assert [lk.latex for lk in first.links] == ["a = b", "c"]
    assert [lk.latex for lk in second.links] == ["d &= e", "f"]
    assert doc.blocks[1].before == "[why]"
    assert doc.blocks[2].tag == "3"
    assert first.links[1].line == 5


def test_a_display_starting_with_a_relation_continues_the_previous_one():
    doc = read_document("t.md", "$$x = y$$\n\n$$&= z$$\n")
    assert len(doc.chains) == 1 and len(doc.chains[0].links) == 2


def test_empty_display_and_expression_only_display():
    doc = read_document("t.md", "$$(7)$$\n\n$$\\frac{a}{b}$$\n")
    assert [b.tag for b in doc.empty] == ["7"]
    assert [p.text for p in doc.lone] == ["\\frac{a}{b}"]


def test_quantifier_and_trailing_punctuation_are_not_part_of_the_step():
    doc = read_document("t.md", "$$s_i = t_i, \\forall i = 1, \\dots, N \\quad (1)$$\n\n$$u = v.$$\n")
    assert doc.chains[0].links[0].piece.text == "t_i"
    assert doc.blocks[0].quantifier.startswith("\\forall")
    assert doc.chains[1].links[0].piece.text == "v"


def test_header_is_read_and_lines_count_from_the_file():
    doc = read_document("t.md", "---\nsizes: {K: classes}\n---\nbody\n$$a=b$$\n")
    assert doc.header == {"sizes": {"K": "classes"}}
    assert doc.chains[0].links[0].line == 5 and doc.source_line(5) == 2


def test_unclosed_header_is_an_error_with_a_line_and_an_unclosed_display_a_broken_block():
    with pytest.raises(SourceError) as err:
        read_document("t.md", "---\nsizes: {}\n")
    assert err.value.line == 1
    doc = read_document("t.md", "text\n\n$$a = b\n")
    assert [(b.line, b.broken) for b in doc.empty] == [(3, "display math opened on line 3 is never closed")]


def test_matrix_ampersands_survive_aligned_rows():
    doc = read_document("t.md", "$$\\begin{aligned} A &= \\begin{bmatrix} 1 & 2 \\end{bmatrix} \\end{aligned}$$")
    assert "1 & 2" in doc.chains[0].links[0].piece.text
