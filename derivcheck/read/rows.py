"""One display's rows, each cut into equations and each equation into pieces at its relations.

A row is what ``\\\\`` separates (in ``aligned``, ``array{rcl}``, ``eqnarray`` or a bare ``$$``).
What ends a row without being math is blanked, keeping positions: an index condition, a range, a
justification (``\\quad \\text{(since …)}``), a where-clause, numbering. A connective
(``\\Rightarrow``, ``\\therefore``, ``\\iff``) between two equations makes them two, the second a
new chain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..latex.texscan import blank_layout, closing_brace, depths
from .document import Block, Piece

#: Relations that join the links of a chain, longest spelling first.
RELATIONS = ("\\leqslant", "\\geqslant", "\\approx", "\\propto", "\\coloneqq", "\\triangleq", "\\equiv", "\\leftarrow",
             "\\gets", "\\leq", "\\geq", "\\neq", "\\le", "\\ge", "\\ne", ":=", "=", "<", ">")
#: ``:=`` stands for every spelling of an assignment or a definition (``\\coloneqq``, ``\\triangleq``,
#: ``\\leftarrow``, ``\\gets``): it is checked as an equation, and never refuted as one (verdict/tasks.py).
CANONICAL_RELATION = {"\\le": "\\leq", "\\ge": "\\geq", "\\leqslant": "\\leq", "\\geqslant": "\\geq",
                      "\\ne": "\\neq", "\\coloneqq": ":=", "\\triangleq": ":=", "\\leftarrow": ":=", "\\gets": ":=",
                      "\\equiv": ":="}
ALIGN_ENVIRONMENTS = ("aligned", "align", "align*", "split", "gathered", "gather", "gather*", "eqnarray",
                      "eqnarray*", "alignat", "alignat*", "flalign", "flalign*")
#: ``\\tag{…}`` (also with its ``\\t`` eaten into a tab), or a number in parentheses at the end.
_TAGS = (re.compile(r"(?:\\t|\t)ag\*?\{([^{}]*)\}\s*$"),
         re.compile(r"(?:^|\\q?quad|\\[,;]|~|\s)\s*\(([A-Z]?\d+(?:\.\d+)*[a-z]?)\)\s*$"))
_FORALL = re.compile(r",?\s*\\forall\b.*$", re.S)
#: A quantifier that opens the display (``\forall k \in [1,\ C]\backslash\{y_i\},\ \forall j \in [1,\ D] \ …``):
#: each ``\forall x \in S`` with S bracketed, a set, or a blackboard letter, and the separators after it.
_LEADING_FORALL = re.compile(
    r"\s*(?:\\forall\s*[^=<>]*?\\in\s*(?:\[[^\[\]]*\]|\\\{[^{}]*\\\}|\{[^{}]*\}|\\mathbb\s*\{?[A-Za-z]\}?(?:\^\{?[^{}\s]*\}?)?)"
    r"(?:\s*\\(?:backslash|setminus)\s*(?:\\\{[^{}]*\\\}|\{[^{}]*\}))?(?:\s*(?:,|:|\\[ ,;:]|\\q?quad(?![A-Za-z])))*\s*)+")
TRAILING_PUNCT = re.compile(r"(?:[\s.,;]|(?<!\\)\\[;,:! ]|\\q?quad(?![A-Za-z])|\\text\{\s*[.,;]\s*\})+$")   # `… y_i \; .`, `\text{,}`
#: A relation with a note above or below it: ``\\overset{(a)}{=}``, ``\\stackrel{\\text{def}}{=}``.
_ANNOTATED = re.compile(r"\\(?:overset|stackrel|underset)\s*\{")
#: Between two equations: the second follows from (or gives) the first, and starts its own chain.
_CONNECTIVE = re.compile(r"(?:\\q?quad\s*|\\[,;:!]\s*|~\s*)*(?P<core>\\(?:Longrightarrow|Rightarrow|Longleftrightarrow|"
                         r"Leftrightarrow|Longleftarrow|Leftarrow|implies|impliedby|therefore|iff)(?![A-Za-z])|"
                         r"(?<![<>=!\\])=>(?![=>])|"      # ASCII's => for \Rightarrow
                         r"\\text\{\s*(?:hence|thus|so|therefore|which gives|giving|i\.e\.)\s*,?\s*\})"
                         r"(?:\s*\\q?quad|\s*\\[,;:!]|\s*~)*")


@dataclass
class Equation:
    """One equation of a row: its pieces with the relation before each."""
    parts: list[tuple[str | None, Piece]]
    trailing: tuple[str, int] | None = None     # a relation at its end with nothing after it (relation, offset)
    fresh: bool = False                         # written after a connective: a chain of its own


_NEWLINE = re.compile(r"\\newline(?![A-Za-z])")
#: what follows ``\\`` and belongs to it: ``\\*`` and the extra space of ``\\[5pt]``, ``\\[-1ex]``
_ROW_SPACING = re.compile(r"^\s*\*?\s*(?:\[\s*-?[\d.]+\s*(?:pt|mm|cm|em|ex|in|bp|pc|mu|dd|sp)\s*\])?")


def block_rows(text: str, block: Block) -> list[list[tuple[str | None, Piece]]]:
    """The rows of a display, each a list of (relation before it, piece)."""
    return [eq.parts for eq in block_equations(text, block) if eq.parts]


def block_equations(text: str, block: Block) -> list[Equation]:
    """The equations of a display in reading order (rows, and equations side by side in a row)."""
    # \boxed{a = b}, \color{red}{a = b}: the relation inside a box or a colour is a relation of the row
    content, offset = blank_layout(block.content), block.start
    # \newline ends a row as \\ does (same length, so offsets into the file still hold)
    content = _NEWLINE.sub(lambda m: "\\\\" + " " * (len(m.group()) - 2), content)
    content, offset, tag = strip_tag(content, offset)
    block.tag = tag
    if tag is not None and "\t" in block.content[len(content):]:
        block.tag_damage = f"`ag{{{tag}}}` is `\\tag{{{tag}}}` with its backslash escape eaten"
    content, quantifier = _strip_quantifier(content)
    block.quantifier = quantifier
    content = _strip_punctuation(content)
    inner = _unwrap_alignment(content)
    if inner is not None:
        content, offset = content[inner[0]:inner[1]], offset + inner[0]
    equations = []
    block.wheres = []
    for row_start, row_end in split_top_level(content, "\\\\"):
        row_text = _blank_alignment_marks(_blank_row_spacing(content[row_start:row_end]))
        row_text, conditions = _row_condition(row_text)
        row_text, case = _row_case(row_text)
        wheres = len(block.wheres)
        row_text = _blank_annotations(row_text, block)
        restriction = _restriction(row_text, block.wheres[wheres:])
        alternative = bool(_OR.search(row_text))
        for after, seg_start, seg_end, before in _connected(row_text):
            spans = _equations(row_text[seg_start:seg_end])
            for eq_start, eq_end in spans:
                a, b = seg_start + eq_start, seg_start + eq_end
                eq = _split_relations(row_text[a:b], offset + row_start + a, text, block)
                eq.fresh = after is not None and eq_start == spans[0][0]
                joined = after if eq.fresh else before if eq_end == spans[-1][1] else None
                for _, piece in eq.parts:
                    piece.conditions, piece.joined = conditions, joined
                    piece.alternative = alternative
                    piece.restriction = restriction
                    piece.case = case
                if eq.parts or eq.trailing:
                    equations.append(eq)
    return equations


def _restriction(row: str, wheres: list[str]) -> str | None:
    """A where-clause that restricts a sum of the row (``- \\sum_i \\log p_i \\text{ where } y_i = 1``):
    a condition on the summed index, not a definition."""
    for where in wheres:
        m = _INDEX_CONDITION.match(where)
        if m and re.search(r"\\sum\s*(?:\\limits\s*)?_\s*\{?\s*" + m.group(1) + r"\b", row):
            return where
    return None


#: ``y_i = 1``, ``t_{k} \\neq 0``: a condition on one entry, by its index letter.
_INDEX_CONDITION = re.compile(r"\s*\\?[A-Za-z]+_\{?([a-z])\}?\s*(?:=|\\neq|\\ne|>|<)\s*[^=]+$")
#: ``= \\sigma - 1 \\text{ or } -1(-\\sigma)``: a row that lists cases, each holding in one of them.
_OR = re.compile(r"\\text\{\s*or\s*\}", re.I)
#: What can end a row without being part of its math: a range (``, \qquad k = 1, \dots, K``), a
#: remark (``\quad \text{(log of a quotient)}``), or a where-clause (``\quad \text{where } p = …``).
_RANGE = re.compile(r",?\s*(?:\\q?quad\s*|\\text\{\s*(?:for|for all|with)\s*\}\s*|for\s*~\s*)*(?:\\forall\s*)?"
                    r"[a-z]'?\s*(?:=|\\in)\s*(?:1\s*,\s*(?:2\s*,\s*)?(?:\\[lc]?dots|\.\.\.?)\s*,\s*[A-Za-z0-9]+|"
                    r"\\\{\s*1\s*,\s*\\[lc]?dots\s*,\s*[A-Za-z0-9]+\s*\\\})\s*[.,;]?\s*$")
_WHERE = re.compile(r"(?:,\s*)?(?:\\q?quad|\\,|\\;)?\s*\\text\{\s*(?:where|with|since|and where|let|we let)\b[^{}]*\}(.*)$", re.S | re.I)
_REMARK = re.compile(r"(?:\\q?quad|\\,|\\;|\\:|~)\s*\\text\{[^{}]*\}\s*[.,;]?\s*$|\s\\text\{\s*\([^{}]*\)\s*\}\s*[.,;]?\s*$"
                     r"|\\q?quad\s*\\text\{\s*\(.*$|(?:\s|\\[;,:!])\\in\s*(?:\\[;,:!]\s*)?\\mathbb\{R\}(?:\^(?:\{[^{}]*\}|\w))?"
                     r"\s*[.,;]?\s*$"
                     # a justification in words: \quad (\text{since …}), \qquad [\text{by (3)}], \quad \because …,
                     # or words after the last column (&\text{neglecting the terms})
                     r"|\\q?quad\s*(?:\\left)?[(\[]\s*\\(?:text|textrm|mbox)\{.*$|\\q?quad\s*\\(?:textrm|mbox|textit)\{[^{}]*\}"
                     r"\s*[.,;]?\s*$|(?:\s|\\q?quad)\s*\\because(?![A-Za-z]).*$"
                     r"|\s\\text\{\s*[A-Za-z][^{}]*?[A-Za-z]\s+[A-Za-z(][^{}]*\}\s*[.,;]?\s*$", re.S)
_NUMBERING = re.compile(r"\\label\{[^{}]*\}|\\nonumber\b|\\notag\b|\\tag\*?\{[^{}]*\}")
_WORDS_ONLY = re.compile(r"\s*\\(?:text|textrm|mbox|textit)\{[^{}]*\}\s*[.,;]?\s*")
#: Between two equations written side by side in one display.
_BETWEEN = re.compile(r"\x1f|,?\s*\\qquad\s*|,\s*\\quad\s*|\\quad\s*\\text\{\s*(?:and|or)\s*\}\s*\\quad\s*|;\s*\\q?quad\s*")

#: An index condition closing a row: ``\\qquad (i \\neq j)``, ``, \\text{for } i = j``.
_CONDITION = re.compile(r"(?:,\s*|\\q?quad\s*|\\[;,:]\s*)+\(?\s*(?:\\text\{\s*(?:for|if|when)\s*\}\s*)?"
                        r"([a-z](?:_\{?[a-z]\}?)?)\s*(\\neq|\\ne(?![a-z])|=)\s*([a-z](?:_\{?[a-z]\}?)?)\s*\)?\s*[.,;]?\s*$")


#: A size given a value at the end of a row: ``, & \\text{when} C = 2`` (softmax with two classes is the sigmoid).
_SIZE_CONDITION = re.compile(r"(?:,\s*|\\q?quad\s*|\\[;,:]\s*)*\\text\{\s*(?:for|if|when)\s*\}\s*([A-Z])\s*=\s*(\d+)"
                             r"\s*[.,;]?\s*$")


#: An index condition opening a row: ``{\\rm if}~i=j,~\\frac{∂y_i}{∂x_j} = …`` (the steps after it hold under it).
_LEADING_CONDITION = re.compile(r"^\s*(?:\{\s*\\rm\s+if\s*\}|\\(?:text|mathrm|textrm)\{\s*if\s*\})\s*~?\s*"
                                r"([a-z])\s*(=|\\neq|\\ne(?![a-z]))\s*([a-z])\s*,\s*(?:~|\\[,;:]|\\q?quad)?")


def _row_condition(row: str) -> tuple[str, tuple[str, ...]]:
    """The row with a condition blanked (same length), and the condition: an index condition closing the row
    or opening it, or a size's value."""
    m = _LEADING_CONDITION.match(row)
    if m is not None and row[m.end():].strip():
        relation = "=" if m.group(2) == "=" else "\\neq"
        return " " * m.end() + row[m.end():], (f"{m.group(1)} {relation} {m.group(3)}",)
    m = _SIZE_CONDITION.search(row)
    if m is not None and depths(row)[m.start()] == 0 and row[:m.start()].strip():
        return row[:m.start()] + " " * (len(row) - m.start()), (f"{m.group(1)} = {m.group(2)}",)
    m = _CONDITION.search(row)
    if m is None or depths(row)[m.start()] != 0 or not row[:m.start()].strip():
        return row, ()
    relation = "=" if m.group(2) == "=" else "\\neq"
    return row[:m.start()] + " " * (len(row) - m.start()), (f"{m.group(1)} {relation} {m.group(3)}",)


#: A case closing a row, a variable's value in words: ``& \\text{if y = 1}``, ``\\quad \\text{if } y^{(i)} = 0``.
_CASE = re.compile(r"(?:\s|\\q?quad|\\[;,:]|,)\s*\\(?:text|textrm|mbox)\{\s*(?:if|when|for)\s*(?:(?P<inner>[^{}=]*?=[^{}=]+?)\s*\}"
                   r"|\}\s*(?P<after>[^=&]*?(?:=|\\neq)\s*-?\d+))\s*[.,;]?\s*$")


def _row_case(row: str) -> tuple[str, str | None]:
    """The row with a case in words blanked (same length), and the case (``y = 1``): the row holds only in it,
    so it is no definition (``Cost(h, y) = -\\log h \\text{ if } y = 1``), and refuted nowhere else."""
    m = _CASE.search(row)
    if m is None or depths(row)[m.start()] != 0 or not row[:m.start()].strip():
        return row, None
    case = " ".join((m.group("inner") or m.group("after")).split())
    return row[:m.start()] + " " * (len(row) - m.start()), case


def _blank_annotations(row: str, block: Block) -> str:
    """The row with a trailing range, remark or where-clause blanked out (same length, so
    positions hold). A range is the block's quantifier; a where-clause is kept for the notation.
    Labels and numbering commands (``\\label{…}``, ``\\nonumber``, a row's ``\\tag{…}``) go too,
    and so does a row of words alone."""
    row = _NUMBERING.sub(lambda m: " " * len(m.group(0)), row)
    if _WORDS_ONLY.fullmatch(row):
        return " " * len(row)
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


def _connected(row: str) -> list[tuple[str | None, int, int, str | None]]:
    """The row cut at its top-level connectives: (the connective before, start, end, the connective
    after) for each part."""
    levels = depths(row)
    out, start, after = [], 0, None
    for m in _CONNECTIVE.finditer(row):
        if levels[m.start()] != 0 or m.end() == m.start():
            continue
        connective = " ".join(m.group("core").split())
        out.append((after, start, m.start(), connective))
        start, after = m.end(), connective
    out.append((after, start, len(row), None))
    return out


def _equations(row: str) -> list[tuple[int, int]]:
    """Spans of the equations of a row: ``a = b, \\qquad c = d`` is two (each has a relation)."""
    levels = depths(row)
    cuts = [m for m in _BETWEEN.finditer(row) if levels[m.start()] == 0]
    spans, start = [], 0
    for m in cuts:
        left, right = row[start:m.start()], row[m.end():]
        if relation_cuts(left) and relation_cuts(right) and not relation_cuts(left)[0][0] == 0:
            spans.append((start, m.start()))
            start = m.end()
    spans.append((start, len(row)))
    return spans


def _blank_row_spacing(row: str) -> str:
    """``\\\\[5pt]``: the spacing argument of the line break that opened the row is layout (blanked to the
    same length, so positions hold)."""
    end = _ROW_SPACING.match(row).end()
    return " " * end + row[end:]


def _blank_alignment_marks(row: str) -> str:
    """Replace the alignment ``&`` of an aligned row by a space (same length, so positions hold),
    leaving the ``&`` that separate matrix cells. An ``&`` between two equations side by side
    (``X &= 1 & y &= 2``, align's pairs of columns) becomes a separator of equations (``_BETWEEN``)."""
    out = list(row)
    env = 0
    marks = []
    for i in range(len(row)):
        if row.startswith("\\begin{", i):
            env += 1
        elif row.startswith("\\end{", i):
            env -= 1
        elif row[i] == "&" and env == 0 and (i == 0 or row[i - 1] != "\\"):
            out[i] = " "
            marks.append(i)
    cells = [row[a + 1 if k else 0:b] for k, (a, b) in enumerate(zip([0] + marks, marks + [len(row)]))]
    since = 0
    for k, mark in enumerate(marks):
        if k + 2 < len(cells) and relation_cuts(row[since:mark]) and not _opens_with_relation(cells[k + 1]) \
                and _opens_with_relation(cells[k + 2]):
            out[mark] = "\x1f"
            since = mark + 1
    return "".join(out)


def _opens_with_relation(cell: str) -> bool:
    cuts = relation_cuts(cell)
    return bool(cuts) and not cell[:cuts[0][0]].strip()


def strip_tag(content: str, offset: int) -> tuple[str, int, str | None]:
    """Remove an equation number: ``\\quad (5)``, ``\\tag{3}``, or a bare ``(5)`` at the end."""
    stripped = content.rstrip()
    for pattern in _TAGS:
        m = pattern.search(stripped)
        if m:
            return stripped[:m.start()], offset, m.group(1)
    return content, offset, None


def _strip_quantifier(content: str) -> tuple[str, str | None]:
    """A quantifier after the equation (``a_i = b_i, \\forall i``) is cut off; one before it is blanked
    (same length, so positions hold). Either way it is the block's quantifier, not a side."""
    lead = _LEADING_FORALL.match(content)
    if lead and lead.group(0).strip() and "=" in content[lead.end():]:
        return " " * lead.end() + content[lead.end():], lead.group(0).strip().rstrip(",:\\ ")
    m = _FORALL.search(content)
    if not m or depths(content)[m.start()] != 0:
        return content, None
    return content[:m.start()], content[m.start():].lstrip(", ")


def _strip_punctuation(content: str) -> str:
    m = TRAILING_PUNCT.search(content)
    return content[:m.start()] if m and m.start() > 0 else content


#: Size and style commands that may stand before a display's environment (``\\Large \\begin{array}…``).
_STYLE = re.compile(r"\s*(?:\\(?:displaystyle|textstyle|tiny|scriptsize|footnotesize|small|normalsize|large|"
                    r"Large|LARGE|huge|Huge)(?![A-Za-z])\s*|\\require\{[^{}]*\}\s*"      # MathJax's \require{cancel}
                    r"|\\label\{[^{}]*\}\s*|\\(?:nonumber|notag)(?![A-Za-z])\s*)*")       # $$ \label{eq:…} \begin{split}


def _unwrap_alignment(content: str) -> tuple[int, int] | None:
    """The inside of an alignment that is the whole display, through size commands and a label before it and one
    environment inside another (``equation`` around ``split``); an ``array`` only when its rows are
    equations (``\\begin{array}{rcl} a &=& b``), not a matrix."""
    names = ALIGN_ENVIRONMENTS + ("array", "equation", "equation*")
    m = re.compile(r"\\begin\{(" + "|".join(re.escape(e) for e in names) + r")\}(\{[^}]*\})?").match(
        content, _STYLE.match(content).end())
    if not m:
        return None
    end = content.rfind(f"\\end{{{m.group(1)}}}")
    if end == -1:
        return None
    inner = content[m.end():end]
    if m.group(1) == "array" and not any(relation_cuts(_blank_alignment_marks(inner[a:b]))
                                         for a, b in split_top_level(inner, "\\\\")):
        return None
    deeper = _unwrap_alignment(inner)
    return (m.end() + deeper[0], m.end() + deeper[1]) if deeper is not None else (m.end(), end)


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


def split_relations(text: str) -> list[tuple[str | None, str]]:
    """A piece of math cut at its top-level relations: [(relation before, text)]."""
    out: list[tuple[str | None, str]] = []
    prev, rel_before = 0, None
    for start, end, rel in relation_cuts(text) + [(len(text), len(text), None)]:
        out.append((rel_before, text[prev:start].strip()))
        prev, rel_before = end, rel
    return out


def _split_relations(row: str, offset: int, text: str, block: Block) -> Equation:
    """Cut a row at its top-level relations: [(relation before, piece)]; the first relation is
    None unless the row starts with one (then the row continues the chain before it). Two
    relations with nothing between them are read as one, and the piece after them says so; a
    relation with nothing after it is the equation's ``trailing`` relation."""
    cuts = relation_cuts(row, block.relations)
    eq = Equation([])
    prev_end, prev_rel, doubled = 0, None, []
    for start, end, rel in cuts + [(len(row), len(row), None)]:
        segment = row[prev_end:start]
        if rel is None:
            segment = TRAILING_PUNCT.sub("", segment) if segment.strip(" .,;\n") else segment
        if segment.strip():
            begin = offset + prev_end + len(segment) - len(segment.lstrip())
            piece = Piece(segment.strip(), begin, line_at(text, block, begin), block.index)
            relation = prev_rel
            if doubled:
                relation = merge_relations(doubled[0], prev_rel)
                piece.damage = (f"two relations in a row with nothing between them "
                                f"(`{' '.join(doubled + [prev_rel])}`), read as one")
            eq.parts.append((relation, piece))
            doubled = []
        elif rel is None and prev_rel is not None:
            eq.trailing = (merge_relations(doubled[0], prev_rel) if doubled else prev_rel, offset + prev_end)
        elif prev_rel is not None:
            doubled.append(prev_rel)
        prev_end, prev_rel = end, rel
    return eq


def line_at(text: str, block: Block, offset: int) -> int:
    """The line of ``offset`` within ``block`` (counted from the display's opening line)."""
    if block.outer is None:
        return text.count("\n", 0, offset) + 1
    return block.line + text.count("\n", block.outer[0], offset)


def merge_relations(first: str, second: str | None) -> str:
    """One relation for two written in a row (``=`` then ``\\leq`` is ``\\leq``)."""
    if second is None or second == first:
        return first
    return second if first == "=" else first


def relation_cuts(row: str, macros: dict | None = None) -> list[tuple[int, int, str]]:
    """(start, end, canonical relation) of each top-level relation of ``row``, including relations
    with a note (``\\overset{(a)}{=}``) and the author's macros that stand for one (``\\req{…}``)."""
    levels = depths(row)
    cuts = []
    i = 0
    while i < len(row):
        if levels[i] == 0:
            found = (_annotated(row, i) or _macro_relation(row, i, macros)) if row[i] == "\\" else None
            if found is None:
                rel = next((r for r in RELATIONS if row.startswith(r, i) and not _letter_follows(row, i, r)), None)
                found = (i + len(rel), CANONICAL_RELATION.get(rel, rel)) if rel is not None else None
            if found is not None:
                cuts.append((i, found[0], found[1]))
                i = found[0]
                continue
        i += 1
    return cuts


def relation_of(latex: str) -> str | None:
    """The relation ``latex`` is, if it is nothing but one (``=``, ``\\overset{(1)}{=}``)."""
    stripped = latex.strip()
    cuts = relation_cuts(stripped)
    return cuts[0][2] if len(cuts) == 1 and cuts[0][:2] == (0, len(stripped)) else None


def _annotated(row: str, i: int) -> tuple[int, str] | None:
    """``\\overset{note}{=}`` at ``i``: (its end, the relation)."""
    m = _ANNOTATED.match(row, i)
    if m is None:
        return None
    close = closing_brace(row[m.end() - 1:], 0)
    if close is None:
        return None
    base = re.match(r"\s*\{\s*(" + "|".join(re.escape(r) for r in RELATIONS) + r")\s*\}", row[m.end() + close:])
    if base is None:
        return None
    rel = base.group(1)
    return m.end() + close + base.end(), CANONICAL_RELATION.get(rel, rel)


def _macro_relation(row: str, i: int, macros: dict | None) -> tuple[int, str] | None:
    """A use at ``i`` of an author's macro that is a relation: (its end, the relation)."""
    if not macros:
        return None
    m = re.match(r"\\[A-Za-z]+", row[i:])
    if m is None or m.group(0) not in macros:
        return None
    args, relation = macros[m.group(0)]
    end = i + m.end()
    for _ in range(args):
        arg = re.match(r"\s*(\{)?", row[end:])
        end += arg.end()
        if arg.group(1):
            close = closing_brace(row[end - 1:], 0)
            if close is None:
                return None
            end += close
        elif end < len(row):
            end += 1
    return end, relation


def _letter_follows(row: str, i: int, rel: str) -> bool:
    """``\\le`` is not ``\\left``: a named relation must not run on into more letters."""
    end = i + len(rel)
    return rel.startswith("\\") and end < len(row) and row[end].isalpha()
