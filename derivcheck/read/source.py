"""Markdown with display math -> blocks -> chains of expressions, each with its exact text.

A chain is a run of expressions joined by relations: ``A = B = C`` in one display, the rows of an
``aligned`` environment (``&=``), and displays that start with ``=`` (they continue the display
before). Every piece keeps its character span in the file, so reports quote the author verbatim
and give line numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from ..latex.texscan import depths

#: Relations that join the links of a chain, longest spelling first.
RELATIONS = ("\\leqslant", "\\geqslant", "\\approx", "\\equiv", "\\leq", "\\geq", "\\neq", "\\le", "\\ge",
             "\\ne", ":=", "=", "<", ">")
CANONICAL_RELATION = {"\\le": "\\leq", "\\ge": "\\geq", "\\leqslant": "\\leq", "\\geqslant": "\\geq",
                      "\\ne": "\\neq", ":=": "="}
ALIGN_ENVIRONMENTS = ("aligned", "align", "align*", "split", "gathered", "gather", "gather*", "eqnarray",
                      "eqnarray*", "alignat", "alignat*")
#: ``\\tag{…}`` (also with its ``\\t`` eaten into a tab), or a number in parentheses at the end.
_TAGS = (re.compile(r"(?:\\t|\t)ag\*?\{([^{}]*)\}\s*$"),
         re.compile(r"(?:^|\\q?quad|\\[,;]|~|\s)\s*\(([A-Z]?\d+(?:\.\d+)*[a-z]?)\)\s*$"))
_FORALL = re.compile(r",?\s*\\forall\b.*$", re.S)
_TRAILING_PUNCT = re.compile(r"[\s.,;]+$")


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


@dataclass
class Piece:
    """One expression of a chain, with its exact text and position."""
    text: str
    start: int
    line: int
    block: int
    conditions: tuple[str, ...] = ()    # "i \\neq j" written at the end of its row


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
    empty: list[Block]      # displays with nothing but a tag

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    @property
    def body_line(self) -> int:
        return self.line_of(self.body_start)

    def source_line(self, line: int) -> int:
        return line - self.body_line + 1


# ----------------------------------------------------------------------------- reading

def read_document(path: str, text: str, continues: dict[int, int] | None = None) -> Document:
    """Split a document into header, blocks and chains.

    ``continues`` maps a block index to the block whose chain it continues although it does not
    start with a relation (declared in the header, e.g. "Then equation 6 becomes: …").
    """
    header, body_start = split_header(text)
    blocks = find_blocks(text, body_start)
    chains, lone, empty = build_chains(text, blocks, continues or {})
    return Document(path, text, header, body_start, blocks, chains, lone, empty)


def split_header(text: str) -> tuple[dict | None, int]:
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


def find_blocks(text: str, start: int = 0) -> list[Block]:
    """Display math: ``$$…$$``, ``\\[…\\]`` and top-level ``equation``/``align`` environments,
    outside fenced code."""
    blocks: list[Block] = []
    pos = start
    last_end = start
    fence = re.compile(r"^(```|~~~)", re.M)
    opener = re.compile(r"\$\$|\\\[|\\begin\{(equation\*?|align\*?|gather\*?|multline\*?)\}")
    while True:
        m = opener.search(text, pos)
        f = fence.search(text, pos)
        if f and (not m or f.start() < m.start()):
            close = fence.search(text, f.end())
            pos = close.end() if close else len(text)
            continue
        if not m:
            break
        if m.group(0) == "$$":
            close, content_start = text.find("$$", m.end()), m.end()
            close_len = 2
        elif m.group(0) == "\\[":
            close, content_start = text.find("\\]", m.end()), m.end()
            close_len = 2
        else:
            env = m.group(1)
            end_tag = f"\\end{{{env}}}"
            close = text.find(end_tag, m.end())
            content_start = m.start() if env.startswith(("align", "gather")) else m.end()
            close_len = len(end_tag)
            if close != -1 and content_start == m.start():
                close += len(end_tag)
                close_len = 0
        if close == -1:
            raise SourceError(f"display math opened on line {text.count(chr(10), 0, m.start()) + 1} "
                              "is never closed", text.count("\n", 0, m.start()) + 1)
        content = text[content_start:close]
        blocks.append(Block(len(blocks), content_start, close, text.count("\n", 0, m.start()) + 1,
                            content, _prose(text[last_end:m.start()])))
        pos = last_end = close + close_len
    return blocks


def _prose(text: str) -> str:
    """The paragraph just before a display: its justification label, if it has one."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return re.sub(r"\s+", " ", paragraphs[-1])[:300] if paragraphs else ""


def cut_prose(doc: Document) -> None:
    """Cut prose out of displays (``$$a = b where $b = c$ (1)$$``) before chains are built; the
    cut text stays on the block, where it is reported as damage."""
    from ..latex.rules import prose_in_display
    cut = False
    for block in doc.blocks:
        start = prose_in_display(block.content)
        if start is not None and block.content[:start].strip():
            block.damage = block.content[start:].strip()
            block.content = block.content[:start]
            block.end = block.start + start
            cut = True
    if cut:
        doc.chains, doc.lone, doc.empty = build_chains(doc.text, doc.blocks, {})


_HEADING = re.compile(r"^[ \t]*(?:(?P<hashes>#{1,6})[ \t]+(?P<md>.+)|\*\*(?P<bold>[^*\n]+)\*\*"
                      r"|\\(?P<sub>(?:sub)*)section\*?\{(?P<sec>[^\n]*)\}|\\paragraph\*?\{(?P<par>[^\n]*?)\})", re.M)


def headings(doc: Document) -> list[Heading]:
    """The body's headings in reading order, outside displays and code."""
    masked = _masked(doc)
    out = []
    for m in _HEADING.finditer(masked, doc.body_start):
        if m.group("hashes"):
            level, group = len(m.group("hashes")), "md"
        elif m.group("bold") is not None:
            level, group = 7, "bold"
        elif m.group("sec") is not None:
            level, group = 2 + len(m.group("sub")) // 3, "sec"
        else:
            level, group = 6, "par"
        out.append(Heading(m.start(), m.end(), level, doc.text[m.start(group):m.end(group)]))
    return out


def _masked(doc: Document) -> str:
    """The document with displays and code blanked out (offsets kept)."""
    masked = list(doc.text)
    for a, b in _masked_spans(doc):
        masked[a:b] = " " * (b - a)
    return "".join(masked)


_INLINE = re.compile(r"(?<![\\$])\$(?!\$)((?:\\.|[^$\\])+?)(?<!\\)\$(?!\$)|\\\((.+?)\\\)", re.S)
_SENTENCE_END = re.compile(r"[.!?:](\s|$)|\n\s*\n")


def inline_math(doc: Document) -> list[Inline]:
    """Every piece of inline math in the body, outside displays and code, in reading order."""
    body = _masked(doc)
    out = []
    starts = [b.start for b in doc.blocks]
    for m in _INLINE.finditer(body, doc.body_start):
        math = m.group(1) if m.group(1) is not None else m.group(2)
        if not math.strip() or "\n\n" in math:
            continue
        end = _SENTENCE_END.search(body, m.end())
        following = next((i for i, s in enumerate(starts) if s > m.start()), None)
        before = body[max(doc.body_start, m.start() - 160):m.start()]
        out.append(Inline(math.strip(), m.start(1) if m.group(1) is not None else m.start(2),
                          doc.line_of(m.start()), " ".join(before.split()),
                          " ".join(body[m.end():end.start() if end else len(body)].split())[:200], following))
    return out


def _masked_spans(doc: Document) -> list[tuple[int, int]]:
    """Displays (with their delimiters) and fenced code: no inline math is looked for there."""
    spans = []
    for block in doc.blocks:
        spans.append((max(doc.body_start, block.start - 2), min(len(doc.text), block.end + 2)))
    for m in re.finditer(r"^(```|~~~).*?(^\1|\Z)", doc.text, re.M | re.S):
        spans.append((m.start(), m.end()))
    return spans


def split_relations(text: str) -> list[tuple[str | None, str]]:
    """A piece of math cut at its top-level relations: [(relation before, text)]."""
    out: list[tuple[str | None, str]] = []
    prev, rel_before = 0, None
    for start, end, rel in _relation_cuts(text) + [(len(text), len(text), None)]:
        out.append((rel_before, text[prev:start].strip()))
        prev, rel_before = end, rel
    return out


# ----------------------------------------------------------------------------- chains

def build_chains(text: str, blocks: list[Block], continues: dict[int, int]):
    chains: list[Chain] = []
    lone: list[Piece] = []
    empty: list[Block] = []
    chain_of_block: dict[int, Chain] = {}
    for block in blocks:
        rows = block_rows(text, block)
        if not rows:
            empty.append(block)
            continue
        current: Chain | None = None
        if rows[0][0][0] is not None:                # starts with a relation: continues
            current = chains[-1] if chains else None
        elif continues.get(block.index) in chain_of_block:
            current = chain_of_block[continues[block.index]]
            rows[0][0] = ("=", rows[0][0][1])
        for parts in rows:
            for relation, piece in parts:
                if relation is None:
                    current = Chain(piece, blocks=[block.index])
                    chains.append(current)
                elif current is not None:
                    current.links.append(_link(text, current, relation, piece))
                    if block.index not in current.blocks:
                        current.blocks.append(block.index)
                else:
                    lone.append(piece)  # a relation with nothing before it
        if current is not None:
            chain_of_block[block.index] = current
    for chain in list(chains):
        if not chain.links:
            chains.remove(chain)
            lone.append(chain.first)
    return chains, lone, empty


def _link(text: str, chain: Chain, relation: str, piece: Piece) -> Link:
    """A link; its verbatim text is the whole equation for the first link written in the same
    display as the chain's start, and the new side otherwise."""
    end = piece.start + len(piece.text)
    if not chain.links and chain.first.block == piece.block:
        start = chain.first.start
    else:
        start = piece.start
    return Link(relation, piece, text[start:end], start, piece.line)


def block_rows(text: str, block: Block) -> list[list[tuple[str | None, Piece]]]:
    """The rows of a display, each a list of (relation before it, piece)."""
    content, offset = block.content, block.start
    content, offset, tag = strip_tag(content, offset)
    block.tag = tag
    if tag is not None and "\t" in block.content[len(content):]:
        block.tag_damage = f"`ag{{{tag}}}` is `\\tag{{{tag}}}` with its backslash escape eaten"
    content, quantifier = _strip_quantifier(content)
    block.quantifier = quantifier
    content, offset = _strip_punctuation(content, offset)
    inner = _unwrap_alignment(content)
    if inner is not None:
        content, offset = content[inner[0]:inner[1]], offset + inner[0]
    rows = []
    block.wheres = []
    for row_start, row_end in split_top_level(content, "\\\\"):
        row_text = _blank_alignment_marks(content[row_start:row_end])
        row_text, conditions = _row_condition(row_text)
        row_text = _blank_annotations(row_text, block)
        for eq_start, eq_end in _equations(row_text):
            parts = _split_relations(row_text[eq_start:eq_end], offset + row_start + eq_start, text, block.index)
            for _, piece in parts:
                piece.conditions = conditions
            if parts:
                rows.append(parts)
    return rows


#: What can end a row without being part of its math: a range (``, \qquad k = 1, \dots, K``), a
#: remark (``\quad \text{(log of a quotient)}``), or a where-clause (``\quad \text{where } p = …``).
_RANGE = re.compile(r",?\s*(?:\\q?quad\s*|\\text\{\s*(?:for|for all|with)\s*\}\s*)*(?:\\forall\s*)?"
                    r"[a-z]'?\s*(?:=|\\in)\s*(?:1\s*,\s*(?:2\s*,\s*)?\\[lc]?dots\s*,\s*[A-Za-z0-9]+|"
                    r"\\\{\s*1\s*,\s*\\[lc]?dots\s*,\s*[A-Za-z0-9]+\s*\\\})\s*[.,;]?\s*$")
_WHERE = re.compile(r"(?:,\s*)?(?:\\q?quad|\\,|\\;)?\s*\\text\{\s*(?:where|with|since|and where|let|we let)\b[^{}]*\}(.*)$", re.S | re.I)
_REMARK = re.compile(r"(?:\\q?quad|\\,|\\;|\\:|~)\s*\\text\{[^{}]*\}\s*[.,;]?\s*$|\s\\text\{\s*\([^{}]*\)\s*\}\s*[.,;]?\s*$"
                     r"|\\q?quad\s*\\text\{\s*\(.*$|(?:\s|\\[;,:!])\\in\s*(?:\\[;,:!]\s*)?\\mathbb\{R\}\^(?:\{[^{}]*\}|\w)"
                     r"\s*[.,;]?\s*$", re.S)
_NUMBERING = re.compile(r"\\label\{[^{}]*\}|\\nonumber\b|\\notag\b|\\tag\*?\{[^{}]*\}")
#: Between two equations written side by side in one display.
_BETWEEN = re.compile(r",?\s*\\qquad\s*|,\s*\\quad\s*|\\quad\s*\\text\{\s*(?:and|or)\s*\}\s*\\quad\s*|;\s*\\q?quad\s*")


#: An index condition closing a row: ``\\qquad (i \\neq j)``, ``, \\text{for } i = j``.
_CONDITION = re.compile(r"(?:,\s*|\\q?quad\s*|\\[;,:]\s*)+\(?\s*(?:\\text\{\s*(?:for|if|when)\s*\}\s*)?"
                        r"([a-z](?:_\{?[a-z]\}?)?)\s*(\\neq|\\ne(?![a-z])|=)\s*([a-z](?:_\{?[a-z]\}?)?)\s*\)?\s*[.,;]?\s*$")


def _row_condition(row: str) -> tuple[str, tuple[str, ...]]:
    """The row with a closing index condition blanked (same length), and the condition."""
    m = _CONDITION.search(row)
    if m is None or depths(row)[m.start()] != 0 or not row[:m.start()].strip():
        return row, ()
    relation = "=" if m.group(2) == "=" else "\\neq"
    return row[:m.start()] + " " * (len(row) - m.start()), (f"{m.group(1)} {relation} {m.group(3)}",)


def _blank_annotations(row: str, block: Block) -> str:
    """The row with a trailing range, remark or where-clause blanked out (same length, so
    positions hold). A range is the block's quantifier; a where-clause is kept for the notation.
    Labels and numbering commands (``\\label{…}``, ``\\nonumber``, a row's ``\\tag{…}``) go too."""
    row = _NUMBERING.sub(lambda m: " " * len(m.group(0)), row)
    levels = depths(row)
    for pattern, kind in ((_WHERE, "where"), (_RANGE, "range"), (_REMARK, "remark")):
        m = next((m for m in pattern.finditer(row) if levels[m.start()] == 0), None)
        if m is None or not row[:m.start()].strip():
            continue
        if kind == "where" and m.group(1).strip():
            block.wheres.append(m.group(1).strip())
        elif kind == "range":
            block.quantifier = (block.quantifier + "; " if block.quantifier else "") + m.group(0).strip(" ,")
        row = row[:m.start()] + " " * (len(row) - m.start())
    return row


def _equations(row: str) -> list[tuple[int, int]]:
    """Spans of the equations of a row: ``a = b, \\qquad c = d`` is two (each has a relation)."""
    levels = depths(row)
    cuts = [m for m in _BETWEEN.finditer(row) if levels[m.start()] == 0]
    spans, start = [], 0
    for m in cuts:
        left, right = row[start:m.start()], row[m.end():]
        if _relation_cuts(left) and _relation_cuts(right) and not _relation_cuts(left)[0][0] == 0:
            spans.append((start, m.start()))
            start = m.end()
    spans.append((start, len(row)))
    return spans


def _blank_alignment_marks(row: str) -> str:
    """Replace the alignment ``&`` of an aligned row by a space (same length, so positions hold),
    leaving the ``&`` that separate matrix cells."""
    out = list(row)
    env = 0
    for i in range(len(row)):
        if row.startswith("\\begin{", i):
            env += 1
        elif row.startswith("\\end{", i):
            env -= 1
        elif row[i] == "&" and env == 0 and (i == 0 or row[i - 1] != "\\"):
            out[i] = " "
    return "".join(out)


def strip_tag(content: str, offset: int) -> tuple[str, int, str | None]:
    """Remove an equation number: ``\\quad (5)``, ``\\tag{3}``, or a bare ``(5)`` at the end."""
    stripped = content.rstrip()
    for pattern in _TAGS:
        m = pattern.search(stripped)
        if m:
            return stripped[:m.start()], offset, m.group(1)
    return content, offset, None


def _strip_quantifier(content: str) -> tuple[str, str | None]:
    m = _FORALL.search(content)
    if not m or depths(content)[m.start()] != 0:
        return content, None
    return content[:m.start()], content[m.start():].lstrip(", ")


def _strip_punctuation(content: str, offset: int) -> tuple[str, int]:
    m = _TRAILING_PUNCT.search(content)
    if m and m.start() > 0:
        content = content[:m.start()]
    return content, offset


def _unwrap_alignment(content: str) -> tuple[int, int] | None:
    m = re.match(r"\s*\\begin\{(" + "|".join(re.escape(e) for e in ALIGN_ENVIRONMENTS) + r")\}(\{[^}]*\})?",
                 content)
    if not m:
        return None
    end = content.rfind(f"\\end{{{m.group(1)}}}")
    if end == -1:
        return None
    return m.end(), end


def split_top_level(text: str, separator: str) -> list[tuple[int, int]]:
    """Spans of ``text`` between top-level separators (not inside brackets or environments)."""
    levels = depths(text)
    spans = []
    start = i = 0
    while i < len(text):
        if levels[i] == 0 and text.startswith(separator, i):
            spans.append((start, i))
            i += len(separator)
            start = i
            continue
        i += 1
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _split_relations(row: str, offset: int, text: str, block: int) -> list[tuple[str | None, Piece]]:
    """Cut a row at its top-level relations: [(relation before, piece)]; the first relation is
    None unless the row starts with one (then the row continues the chain before it)."""
    cuts = _relation_cuts(row)
    parts: list[tuple[str | None, Piece]] = []
    prev_end, prev_rel = 0, None
    for start, end, rel in cuts + [(len(row), len(row), None)]:
        segment = row[prev_end:start]
        if rel is None:
            segment = _TRAILING_PUNCT.sub("", segment) if segment.strip(" .,;\n") else segment
        if segment.strip():
            begin = offset + prev_end + len(segment) - len(segment.lstrip())
            parts.append((prev_rel, Piece(segment.strip(), begin, text.count("\n", 0, begin) + 1, block)))
        elif parts:
            raise SourceError("two relations in a row with nothing between them",
                              text.count("\n", 0, offset + start) + 1)
        prev_end, prev_rel = end, rel
    return parts


def _relation_cuts(row: str) -> list[tuple[int, int, str]]:
    levels = depths(row)
    cuts = []
    i = 0
    while i < len(row):
        if levels[i] == 0:
            rel = next((r for r in RELATIONS if row.startswith(r, i) and not _letter_follows(row, i, r)), None)
            if rel is not None:
                cuts.append((i, i + len(rel), CANONICAL_RELATION.get(rel, rel)))
                i += len(rel)
                continue
        i += 1
    return cuts


def _letter_follows(row: str, i: int, rel: str) -> bool:
    """``\\le`` is not ``\\left``: a named relation must not run on into more letters."""
    end = i + len(rel)
    return rel.startswith("\\") and end < len(row) and row[end].isalpha()
