"""What reading a document produces: its displays (blocks), their chains of expressions, and where
each piece stands in the file.

Every piece keeps its character offset in ``Document.text`` (the file as written; for a notebook,
its markdown cells joined), so reports quote the author verbatim and give line numbers. The math is
read from ``Document.mask``: the same text with what is never math (code, comments, quote markers,
a LaTeX preamble, macro definitions) replaced by spaces, offsets and newlines kept.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import yaml


class SourceError(ValueError):
    """The document cannot be read (encoding, header); the message names the line."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


@dataclass
class Block:
    """One display: its raw content and where it stands."""
    index: int
    start: int              # offset of the content in the file
    end: int
    line: int               # line of the opening delimiter
    content: str
    before: str             # prose since the previous display
    tag: str | None = None
    quantifier: str | None = None
    damage: str | None = None       # prose cut out of the display (reported as damage)
    tag_damage: str | None = None   # an equation number whose \\tag lost its backslash escape
    wheres: list[str] = field(default_factory=list)  # math of "\\text{where } …" clauses in the display
    broken: str | None = None       # why this is no display (never closed, a dangling relation): a garbled finding
    outer: tuple[int, int] | None = None            # the display with its delimiters
    relations: dict = field(default_factory=dict)   # the author's macros that are relations (\\req{…}): name -> args


@dataclass
class Piece:
    """One expression of a chain, with its exact text and position."""
    text: str
    start: int
    line: int
    block: int
    conditions: tuple[str, ...] = ()    # "i \\neq j" written at the end of its row
    damage: str | None = None           # what is wrong with the relation written before it
    joined: str | None = None           # its equation is joined to another by this connective (\\Rightarrow)
    alternative: bool = False           # its row lists cases joined by "or" (``= a \\text{ or } b``)
    restriction: str | None = None      # its row's sum is restricted in words (``\\text{ where } y_i = 1``)
    case: str | None = None             # its row holds in one case (``& \\text{if } y = 1``)


@dataclass
class Link:
    """``relation`` between the previous piece of the chain and ``piece``."""
    relation: str
    piece: Piece
    latex: str              # the text a report shows for this step (verbatim)
    latex_start: int
    line: int


@dataclass
class Chain:
    first: Piece
    links: list[Link] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)

    @property
    def conditions(self) -> tuple[str, ...]:
        """The index conditions written beside its rows (``\\qquad (i \\neq j)``)."""
        pieces = [self.first] + [link.piece for link in self.links]
        return tuple(dict.fromkeys(c for p in pieces for c in p.conditions))


@dataclass
class Inline:
    """Math inside the prose (``$…$`` or ``\\(…\\)``): where definitions and conditions are stated."""
    text: str
    start: int
    line: int
    before: str             # the prose just before it (up to 160 characters)
    after: str              # the prose after it, to the end of its sentence
    next_block: int | None  # the display that follows it, if any


@dataclass
class Heading:
    """A section heading (``## Case 2: $i \\neq j$``, a bold lead-in, ``\\subsection{…}``)."""
    start: int
    end: int
    level: int              # 1-6 for Markdown and LaTeX sectioning, 7 for a bold lead-in
    text: str


@dataclass
class Document:
    path: str
    text: str
    header: dict | None
    body_start: int
    blocks: list[Block]
    chains: list[Chain]
    lone: list[Piece]       # displays with no relation
    empty: list[Block]      # displays with nothing but a tag, and displays that are broken
    mask: str = ""          # ``text`` with what is never math blanked (same length)
    macros: dict = field(default_factory=dict)       # the author's macros (latex.macros.Macro by name)
    cells: list[tuple[int, int]] = field(default_factory=list)  # a notebook's (offset, cell number)
    page_title: str = ""    # the title a page's own front matter gives (Jekyll's ``title:``)

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    @property
    def body_line(self) -> int:
        return self.line_of(self.body_start)

    def source_line(self, line: int) -> int:
        return line - self.body_line + 1

    def location(self, offset: int) -> str:
        """Where ``offset`` is, as a reader finds it: "line 12", or "cell 4, line 2" in a notebook."""
        if not self.cells:
            return f"line {self.line_of(offset)}"
        at = max(bisect.bisect_right([start for start, _ in self.cells], offset) - 1, 0)
        start, number = self.cells[at]
        return f"cell {number}, line {self.text.count(chr(10), start, max(offset, start)) + 1}"


#: The keys of a notation header (docs/format.md): front matter with none of them is a page's own
#: (Jekyll's ``layout: post``, ``title``, ``date``, ``tags``), and the notation is read from the text.
NOTATION_KEYS = frozenset({
    "sizes", "indices", "symbols", "definitions", "functions", "gradient", "names", "differentials",
    "assumptions", "blocks", "readings", "ambiguous", "graph_nodes", "shapes_stated", "binary", "upstream", "operator_scope",
    "einstein", "inferred"})
#: ``layout`` is ours only with one of our values: a blog's ``layout: post`` names a page template.
_OUR_LAYOUTS = ("numerator", "denominator")


def split_header(text: str) -> tuple[dict | None, int]:
    """The notation header (YAML front matter with a notation key) and where the body starts; None
    for a text with no front matter, or with a page's front matter (which is skipped, not read as
    math)."""
    front, body_start = front_matter(text)
    return notation_header(front), body_start


def notation_header(front: dict | None) -> dict | None:
    """The front matter when it is a derivcheck notation header (see NOTATION_KEYS), else None."""
    if front is None or not (NOTATION_KEYS & set(front) or front.get("layout") in _OUR_LAYOUTS):
        return None
    return front


def front_matter(text: str) -> tuple[dict | None, int]:
    """The YAML front matter (``---`` … ``---`` at the top) and where the body starts."""
    if not text.startswith("---"):
        return None, 0
    match = re.match(r"---[ \t]*\n(.*?\n)---[ \t]*(\n|$)", text, re.S)
    if not match:
        raise SourceError("the header starting with '---' on line 1 is never closed", 1)
    try:
        header = yaml.safe_load(match.group(1))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        raise SourceError(f"the header is not valid YAML: {getattr(err, 'problem', err)}", line) from None
    if header is None:
        header = {}
    if not isinstance(header, dict):
        raise SourceError("the header must be a YAML mapping", 2)
    return header, match.end()
