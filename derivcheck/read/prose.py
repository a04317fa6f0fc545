"""The prose around the displays: headings, inline math, and prose that slipped into a display.

All of it is read from the document's mask with the displays blanked too, so a ``$x$`` in a code
span or a ``# comment`` in a code block is never taken for the author's words.
"""

from __future__ import annotations

import re

from .chains import build_chains
from .document import Document, Heading, Inline


def cut_prose(doc: Document) -> None:
    """Cut prose out of displays (``$$a = b where $b = c$ (1)$$``) before chains are built; the
    cut text stays on the block, where it is reported as damage."""
    from ..latex.rules import prose_in_display
    cut = False
    for block in doc.blocks:
        if block.broken:
            continue
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
    """The document's mask with the displays blanked out too (offsets kept)."""
    masked = list(doc.mask or doc.text)
    for block in doc.blocks:
        a, b = block.outer or (block.start - 2, block.end + 2)
        a, b = max(doc.body_start, a), min(len(masked), b)
        masked[a:b] = " " * (b - a)
    return "".join(masked)


#: Single dollars, ``\(…\)``, and ``$$…$$`` left in a line of text (kramdown's inline math: the displays
#: are blanked before this runs, so only those the reader did not take for a display remain).
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)((?:\\.|[^$\\])+?)(?<!\\)\$(?!\$)|\\\((.+?)\\\)|\$\$([^$\n]+?)\$\$", re.S)
_SENTENCE_END = re.compile(r"[.!?:](\s|$)|\n\s*\n")


_TRANSPOSE_WORD = re.compile(r"transpos", re.I)
#: A prime the prose points at: inside inline math (``$x_i'$``), standing alone (``using ' to denote``),
#: or named (``a prime``); an apostrophe inside a word (``let's``) is not one.
_PRIME_MENTION = re.compile(r"\$[^$\n]*'[^$\n]*\$|(?<![A-Za-z])['′](?![A-Za-z])|\bprimes?\b", re.I)


def primes_are_transposes(doc: Document) -> bool:
    """Whether the prose says a prime is the transpose, in the sentence that names the transpose: "I am
    using ' to denote the transpose as in Matlab", "$x_i'$ is a transposed vector"."""
    body = _masked(doc)
    for m in _TRANSPOSE_WORD.finditer(body, doc.body_start):
        start = max(body.rfind(". ", 0, m.start()), body.rfind("\n\n", 0, m.start()), doc.body_start)
        ends = [e for e in (body.find(". ", m.end()), body.find("\n\n", m.end())) if e != -1]
        if _PRIME_MENTION.search(body, start, min(ends) if ends else len(body)):
            return True
    return False


def inline_math(doc: Document) -> list[Inline]:
    """Every piece of inline math in the body, outside displays and code, in reading order."""
    body = _masked(doc)
    out = []
    starts = [b.start for b in doc.blocks]
    for m in _INLINE.finditer(body, doc.body_start):
        group = next(g for g in (1, 2, 3) if m.group(g) is not None)
        math = m.group(group)
        if not math.strip() or "\n\n" in math:
            continue
        end = _SENTENCE_END.search(body, m.end())
        following = next((i for i, s in enumerate(starts) if s > m.start()), None)
        before = body[max(doc.body_start, m.start() - 160):m.start()]
        out.append(Inline(math.strip(), m.start(group),
                          doc.line_of(m.start()), " ".join(before.split()),
                          " ".join(body[m.end():end.start() if end else len(body)].split())[:200], following))
    return out
