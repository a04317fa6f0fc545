"""Conditions, cases and assumptions: where a display holds only under a condition the text states.

"if $i = j$:" before a display, ``## Case 2: $i \\neq j$`` over a section, ``$\\partial S_i/\\partial z_j,
i \\neq j$`` naming a chain's start, "at the stationary point" before an equation (it holds at a
point, not as an identity), "for any $z$" (a free variable there), "continuing (3)".
"""

from __future__ import annotations

import re
from collections import Counter

from ..latex import nodes as n
from ..read.source import headings, split_relations, split_top_level
from .axes import Scanner, split_sup
from .conventions import (
    CONVENTIONS,
    CUES_ARBITRARY,
    CUES_CASES_END,
    CUES_CONDITION,
    CUES_CONDITION_ITEM,
    CUES_CONDITION_SHORT,
    CUES_CONDITION_OPENING,
    CUES_CONDITION_WORDS,
    CUES_CONTINUES,
    CUES_HEADING_CONDITION,
    RESERVED,
    point_cue,
)
from .evidence import Evidence
from .gather import ChainExprs, read_math


def find_conditions(ev: Evidence) -> None:
    """``- if $i = j$:`` before a display, or ``$∂S_i/∂z_j, i \\neq j$`` naming a chain's start."""
    for chain in ev.read.chains:
        if not chain.exprs:
            continue
        for index in dict.fromkeys(chain.blocks):   # "If $i = j$," before a display that goes on with "= …" too
            block = ev.doc.blocks[index]
            before = _governing_prose(ev, index)
            m = CUES_CONDITION.search(before) or CUES_CONDITION_OPENING.search(before) \
                or CUES_CONDITION_ITEM.search(before) or CUES_CONDITION_SHORT.search(before)
            conditions = _index_conditions(m.group(1), ev.scanner) if m else \
                _conditions_in_words(_RELATION_IN_MATH.sub(r" \1 ", before), ev.scanner)
            if conditions:
                free = _free_letters(chain, ev.scanner)
                conditions = [c for c in conditions if {c.split()[0], c.split()[-1]} <= free]
                if conditions:
                    _assume(ev, index, conditions, block.line)
    _heading_conditions(ev)
    for item, _ in ev.read.inline:
        parts = [item.text[a:b].strip() for a, b in split_top_level(item.text, ",")]
        if len(parts) < 2:
            continue
        _, head = read_math(parts[0])
        if head is None:
            continue
        conditions = [c for part in parts[1:] for c in _index_conditions(part, ev.scanner)]
        if not conditions:
            continue
        for chain in ev.read.chains:
            if chain.exprs and chain.exprs[0].node == head:
                _assume(ev, chain.blocks[0], conditions, item.line)


def at_a_point(ev: Evidence) -> None:
    """"The gradient vanishes if and only if $q = \\tilde y$; … for any other class," before an
    equation with no derivative in it: it holds at that point, and is no identity."""
    for chain in ev.read.chains:
        if not chain.exprs or any(isinstance(x, n.Deriv) for e in chain.exprs for x in n.walk(e.node)):
            continue
        block = ev.doc.blocks[chain.blocks[0]]
        cue = point_cue(block.before)
        if cue:
            ev.block_notes[chain.blocks[0]]["kind"] = "conditional"
            ev.note("stated", f"the display on line {ev.doc.source_line(block.line)} holds at a particular "
                      f"point (\"{cue}\"): not read as an identity")


def _heading_conditions(ev: Evidence) -> None:
    """``## Case 2: $i \\neq j$``: the condition holds for the chains under the heading, up to the
    next heading of its level or above, or to prose that joins the cases ("both cases together")."""
    marks = headings(ev.doc)
    for at, heading in enumerate(marks):
        if not CUES_HEADING_CONDITION.search(heading.text):
            continue
        stated = [c for math in re.findall(r"\$([^$]+)\$", heading.text)
                  for c in _index_conditions(math, ev.scanner)]
        if not stated:
            continue
        end = next((h.start for h in marks[at + 1:] if h.level <= heading.level), len(ev.doc.text))
        joined = CUES_CASES_END.search(ev.doc.text, heading.end, end)
        end = joined.start() if joined else end
        for chain in ev.read.chains:
            if not chain.exprs or not heading.end <= ev.doc.blocks[chain.blocks[0]].start < end:
                continue
            free = _free_letters(chain, ev.scanner)
            conditions = [c for c in stated if {c.split()[0], c.split()[-1]} <= free]
            if conditions:
                _assume(ev, chain.blocks[0], conditions, ev.doc.line_of(heading.start))


def arbitrary_variables(ev: Evidence) -> None:
    """"For any $z$:" before a display, or ``\\frac{d}{da} \\tanh(a)`` where a is elsewhere always
    indexed (a_j): there the letter is a free variable, whatever it is elsewhere."""
    parameters = CONVENTIONS["weights"] | CONVENTIONS["bias"] | CONVENTIONS["input"] | CONVENTIONS["label"]
    scalar_arguments = _scalar_arguments(ev)
    for chain in ev.read.chains:
        if chain.skipped:
            continue
        bare, indexed, wrts = set(), set(), set()
        for e in chain.exprs:
            for x in n.walk(e.node):
                if isinstance(x, n.Deriv):
                    wrts.add(x.wrt.name if isinstance(x.wrt, n.Sym) else None)
                if isinstance(x, n.Scripted) and isinstance(x.base, n.Sym) and (x.sub or split_sup(x.sup)[0]):
                    indexed.add(x.base.name)
                elif isinstance(x, n.Sym):
                    bare.add(x.name)
        for name in sorted(((wrts | scalar_arguments) & bare) - indexed - parameters - {None}):
            uses = ev.scanner.uses.get(name)
            if uses is not None and uses.indexed and not defined_bare(ev, name) and (name in scalar_arguments
                                                      or not uses.bare - {chain.exprs[0].scope}):
                for block in chain.blocks:
                    ev.block_notes[block].setdefault("symbols", {})[name] = "variable"
    for block in ev.doc.blocks:
        for m in CUES_ARBITRARY.finditer(block.before):
            _, node = read_math(m.group(1))
            if isinstance(node, n.Sym) and node.name not in RESERVED:
                ev.block_notes[block.index].setdefault("symbols", {})[node.name] = "variable"
                ev.note("stated", f"in the display on line {ev.doc.source_line(block.line)}, ${node.name}$ is "
                          "any number (the text says so)")


def defined_bare(ev: Evidence, name: str) -> bool:
    """Whether the text defines the bare symbol (``z = w_1x_1 + w_2x_2 + b``): its definition says what
    it is wherever it is written bare, and reading it as a free variable (or as one sample of ``z_i``)
    would refute the definition itself."""
    d = ev.definitions.get(name)
    return d is not None and isinstance(d.lhs, n.Sym)


def _scalar_arguments(ev: Evidence) -> set[str]:
    """The argument of a function defined on numbers (``\\sigma(a) = \\frac{1}{1 + e^{-a}}``, a
    never indexed in the body): wherever it stands bare, it is that number, even if a_n exists."""
    out = set()
    for d in ev.definitions.values():
        if isinstance(d.lhs, n.Call) and len(d.lhs.args) == 1 and isinstance(d.lhs.args[0], n.Sym):
            name = d.lhs.args[0].name
            if not any(isinstance(x, n.Scripted) and x.base == n.Sym(name) and x.sub for x in n.walk(d.rhs)):
                out.add(name)
    return out


#: A relation alone in math inside words: "In case i $\\neq$ j".
_RELATION_IN_MATH = re.compile(r"\$\s*(\\neq?|=|\\ne)\s*\$")


def _governing_prose(ev: Evidence, index: int) -> str:
    """The prose a display stands under: its own, or, for displays that follow one another with no words
    between ("In case i = j:" and four displays under it), the last words before them."""
    while index > 0 and not ev.doc.blocks[index].before.strip():
        index -= 1
    return ev.doc.blocks[index].before


def _assume(ev: Evidence, block: int, conditions: list[str], line: int) -> None:
    for c in conditions:
        assume(ev, block, c, line)


def assume(ev: Evidence, block: int, c: str, line: int) -> None:
    """A condition the display on ``block`` holds under, with a note saying where the text states it."""
    notes = ev.block_notes[block].setdefault("assume", [])
    if c not in notes:
        notes.append(c)
        ev.note("stated", f"the display on line {ev.doc.source_line(ev.doc.blocks[block].line)} "
                  f"assumes ${c}$ (line {line})", line)


def continuations(ev: Evidence, tags: Counter) -> None:
    """"continuing (3)" before a display: its chain continues the tagged equation."""
    for block in ev.doc.blocks:
        m = CUES_CONTINUES.search(block.before)
        if m and tags.get(m.group(1)) == 1:
            ev.block_notes[block.index]["continues"] = f"({m.group(1)})"
            ev.note("stated", f"the display on line {ev.doc.source_line(block.line)} continues equation "
                      f"({m.group(1)}): \"{m.group(0)}\"")


def _conditions_in_words(text: str, scanner: Scanner) -> list[str]:
    """"[terms j not equal to i]", "when k = l" before a display: index conditions said in words."""
    out = []
    for m in CUES_CONDITION_WORDS.finditer(text):
        left, words, right = m.group(1), m.group(2).lower(), m.group(3)
        if scanner.is_index_letter(left) and scanner.is_index_letter(right) and left != right:
            negated = "not" in words or "different" in words or words in ("!=", "≠") or words.startswith("\\ne")
            relation = "\\neq" if negated else "="
            out.append(f"{left} {relation} {right}")
    return out


def _index_conditions(text: str, scanner: Scanner) -> list[str]:
    """``i = j``, ``i \\neq j`` between index letters, as assumption strings."""
    out = []
    parts = split_relations(text)
    if len(parts) != 2:
        return out
    (_, left), (rel, right) = parts
    left, right = _bare_letter(left), _bare_letter(right)      # i \ne{j}: the braces hold one letter
    if rel in ("=", "\\neq") and re.fullmatch(r"[a-z]", left or "-") and re.fullmatch(r"[a-z]", right or "-"):
        if scanner.is_index_letter(left) and scanner.is_index_letter(right):
            out.append(f"{left} {rel} {right}")
    return out


def _bare_letter(text: str) -> str:
    text = text.strip()
    return text[1:-1].strip() if text.startswith("{") and text.endswith("}") else text


def _free_letters(chain: ChainExprs, scanner: Scanner) -> set[str]:
    letters = {name for name in scanner.letter_scopes}
    out: set[str] = set()
    for e in chain.exprs:
        out |= n.free_indices(e.node, letters)
    return out
