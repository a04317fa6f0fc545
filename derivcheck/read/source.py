"""A document as its author wrote it -> blocks -> chains of expressions, each with its exact text.

The format is chosen by the path's suffix: ``.ipynb`` a Jupyter notebook (its markdown cells),
``.tex`` LaTeX, ``.txt`` LaTeX when it looks like a LaTeX document, anything else Markdown. Each
format's reader says what is never math (code, comments, a preamble); the displays are then found,
cut into rows, equations and pieces, and joined into chains (rows.py, chains.py). A document that
can be read is never dropped whole: a display never closed, or a relation with nothing after it,
is one broken block (a ``garbled`` finding at its line), and the rest is read.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from ..latex.macros import PRIME, TRANSPOSED_PRIME, Macro, definitions, expand, read_macros
from .chains import build_chains
from .displays import find_blocks
from .document import (Block, Chain, Document, Heading, Inline, Link, Piece, SourceError, front_matter,
                       notation_header, split_header)
from .latex_file import looks_like_latex, mask_latex, strip_comments
from .markdown import mask_markdown
from .notebook import looks_like_notebook, notebook_cells
from .prose import cut_prose, headings, inline_math, primes_are_transposes
from .rows import (ALIGN_ENVIRONMENTS, CANONICAL_RELATION, RELATIONS, block_rows, relation_of, split_relations,
                   split_top_level, strip_tag)

__all__ = ["ALIGN_ENVIRONMENTS", "CANONICAL_RELATION", "RELATIONS", "Block", "Chain", "Document", "Heading",
           "Inline", "Link", "Piece", "SourceError", "block_rows", "build_chains", "cut_prose", "document_kind",
           "headings", "inline_math", "read_document", "split_header", "split_relations", "split_top_level",
           "strip_tag"]

#: What ``check`` and ``grade`` read from a folder.
SUFFIXES = (".md", ".markdown", ".txt", ".tex", ".ipynb")


def document_kind(path: str, text: str) -> str:
    """"notebook", "latex" or "markdown": by the suffix, and by the content where it is ambiguous."""
    suffix = PurePath(path).suffix.lower()
    if suffix == ".ipynb" and looks_like_notebook(text):
        return "notebook"
    if suffix == ".tex" or (suffix == ".txt" and looks_like_latex(text)):
        return "latex"
    return "markdown"


def read_document(path: str, text: str, continues: dict[int, int] | None = None) -> Document:
    """Split a document into header, blocks and chains.

    ``continues`` maps a block index to the block whose chain it continues although it does not
    start with a relation (declared in the header, e.g. "Then equation 6 becomes: …").
    """
    kind = document_kind(path, text)
    cells: list[tuple[int, int]] = []
    if kind == "notebook":
        text, cells = notebook_cells(text)
    front, body_start = front_matter(text)
    header = notation_header(front)
    segments = _segments(text, cells, body_start)
    if kind == "latex":
        mask = mask_latex(text, body_start)
        macros = read_macros(strip_comments(text))
    else:
        mask = _blank_table_dollars(_mask_markdown(text, segments, body_start))
        macros = read_macros(mask)
    mask = _blank_definitions(mask)
    blocks = find_blocks(text, mask, segments, _relation_macros(macros))
    chains, lone, empty = build_chains(text, blocks, continues or {})
    page_title = str((front or {}).get("title") or "")
    doc = Document(path, text, header, body_start, blocks, chains, lone, empty, mask, macros, cells, page_title)
    if primes_are_transposes(doc):
        doc.macros[PRIME] = TRANSPOSED_PRIME
    return doc


def _segments(text: str, cells: list[tuple[int, int]], body_start: int) -> list[tuple[int, int]]:
    """The spans read on their own: the body, or each notebook cell."""
    if not cells:
        return [(body_start, len(text))]
    ends = [start for start, _ in cells[1:]] + [len(text) + 2]
    return [(max(start, body_start), max(end - 2, body_start)) for (start, _), end in zip(cells, ends)
            if end - 2 > body_start]


def _mask_markdown(text: str, segments: list[tuple[int, int]], body_start: int) -> str:
    """The mask of a Markdown text (or a notebook's cells): each segment parsed on its own."""
    out = ["".join(c if c == "\n" else " " for c in text[:body_start])]     # the header is not math
    pos = body_start
    for a, b in segments:
        out += [text[pos:a], mask_markdown(text[a:b])]
        pos = b
    out.append(text[pos:])
    return "".join(out)


_TABLE_ROW = re.compile(r"(?m)^[ \t]*\|.*\|[ \t]*$")


def _blank_table_dollars(mask: str) -> str:
    """A Markdown table's row is one line of cells: a ``$$`` in it (``|$$|`` in an empty cell, or
    ``|$$x$$|``) opens no display, and, left in, would pair with a display's ``$$`` far below."""
    return _TABLE_ROW.sub(lambda m: m.group(0).replace("$$", "  "), mask)


def _blank_definitions(mask: str) -> str:
    """Macro definitions are not math: they are read into ``Document.macros``."""
    found = definitions(mask)
    if not found:
        return mask
    out = list(mask)
    for d in found:
        for i in range(d.start, d.end):
            if out[i] != "\n":
                out[i] = " "
    return "".join(out)


def _relation_macros(macros: dict[str, Macro]) -> dict[str, tuple[int, str]]:
    """The macros that stand for a relation (``\\req{eq}`` for ``\\overset{\\eqref{eq}}{=}``): name ->
    (number of arguments, the relation), so a chain is cut where one is used."""
    out = {}
    for name, macro in macros.items():
        relation = relation_of(expand(name + "{x}" * macro.args, macros))
        if relation is not None:
            out[name] = (macro.args, relation)
    return out
