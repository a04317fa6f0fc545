"""Finding the displays of a document in its mask (the text with what is never math blanked).

Displays are ``$$…$$``, ``\\[…\\]`` (kramdown's escaped ``\\\\[…\\\\]`` too) and top-level display
environments (``equation``, ``align``, ``gather``, ``multline``, ``eqnarray``, ``flalign``, ``alignat``,
starred or not; ``aligned`` and ``gathered``, which Jupyter sets as displays), searched segment
by segment (the body, or each notebook cell). A display that is never closed is not allowed to
swallow the next one: it ends at the end of its paragraph, as one broken block, and the search
goes on after it.
"""

from __future__ import annotations

import bisect
import re

from ..latex.macros import read_macros
from ..latex.texscan import depths
from .document import Block

_ENVIRONMENTS = r"equation\*?|align\*?|gather\*?|multline\*?|eqnarray\*?|flalign\*?|alignat\*?"
#: ``$\\begin{aligned} … \\end{aligned}$`` on lines of its own: single dollars around an alignment, which
#: GitHub and MathJax set as a display (CS224n write-ups do).
_ALIGNED_IN_DOLLARS = r"(?:aligned|gathered|split|array|eqnarray\*?|align\*?)"
_OPENER = re.compile(r"\$\$|(?<!\\)\\\[|(?<!\\)\\\\\[|\\begin\{(" + _ENVIRONMENTS + r")\}"
                     r"|(?m:^[ \t>]*)\\begin\{(aligned|gathered)\}"   # on a line of its own, as Jupyter sets it
                     r"|(?m:^[ \t>]*)\$(?=\s*\\begin\{" + _ALIGNED_IN_DOLLARS + r"\})"
                     r"|\{\{<\s*katex(?:\s+display)?\s*>\}\}")     # Hugo's shortcode (the Book theme)
_KATEX_CLOSER = re.compile(r"\{\{<\s*/katex\s*>\}\}")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
#: Environments whose content keeps its \\begin…\\end (the rows are unwrapped with it).
_KEEP_ENVIRONMENT = ("align", "gather", "eqnarray", "flalign", "alignat")


def find_blocks(text: str, mask: str, segments: list[tuple[int, int]], relations: dict | None = None) -> list[Block]:
    """The displays of ``mask`` within ``segments``, in order; a display that is never closed is a
    block with ``broken`` set. ``text`` is the document as written (for macro definitions)."""
    blocks: list[Block] = []
    last_end = segments[0][0] if segments else 0
    inline_dollars = writes_inline_math_with_double_dollars(mask, segments)
    newlines = [m.start() for m in re.finditer("\n", mask)]
    for seg_start, seg_end in segments:
        closers = _Closers(mask, seg_start, seg_end)
        pos = seg_start
        while True:
            m = _OPENER.search(mask, pos, seg_end)
            if not m:
                break
            found = closers.close(m)
            if found is None and m.group(0) == "\\\\[":
                pos = m.end()       # a line break with spacing (\\[2pt]) in prose, not kramdown's display
                continue
            line = bisect.bisect_left(newlines, m.start()) + 1
            before = _prose(text, mask, last_end, m.start())
            if found is None:
                cut = _paragraph_end(mask, m.end(), seg_end)
                blocks.append(Block(len(blocks), m.end(), cut, line, mask[m.end():cut], before,
                                    broken=f"display math opened on line {line} is never closed",
                                    outer=(m.start(), cut)))
                pos = last_end = cut
                continue
            start, end, after = found
            if inline_dollars and m.group(0) == "$$" and in_a_sentence(mask, m.start(), after):
                pos = after     # kramdown's "If $$k = y_i$$, …": inline math, read with the prose
                continue
            pos = last_end = after
            if not mask[start:end].strip() and read_macros(text[start:end]):
                continue        # only macro definitions ($$\newcommand…$$): read into the macros
            content = _one_line(mask[start:end]) if (m.group(1) or "").startswith("multline") else mask[start:end]
            blocks.append(Block(len(blocks), start, end, line, content, before, outer=(m.start(), after),
                                relations=relations or {}))
    return blocks


class _Closers:
    """Where each closing delimiter stands in one segment, found once (so that a hostile text of
    many openers is read in one pass, not one scan per opener)."""

    def __init__(self, mask: str, start: int, end: int):
        self.mask, self.end = mask, end
        self.start = start
        self.found: dict[str, list[int]] = {}

    def _at(self, delimiter: str) -> list[int]:
        if delimiter not in self.found:
            self.found[delimiter] = [m.start() for m in re.finditer(re.escape(delimiter), self.mask[self.start:self.end])]
        return self.found[delimiter]

    def _next(self, delimiter: str, after: int) -> tuple[int, int]:
        """The first ``delimiter`` at or after ``after`` (-1 if none), and how many there are from there."""
        positions = self._at(delimiter)
        k = bisect.bisect_left(positions, after - self.start)
        return (positions[k] + self.start if k < len(positions) else -1), len(positions) - k

    def _aligned_in_dollars(self, m: re.Match) -> tuple[int, int, int] | None:
        """``$\\begin{aligned} … \\end{aligned}$``: the alignment, closed by its ``\\end`` and a single dollar."""
        env = re.match(r"\s*\\begin\{([a-z]+\*?)\}", self.mask[m.end():self.end]).group(1)
        end_tag = f"\\end{{{env}}}"
        close, _ = self._next(end_tag, m.end())
        after = close + len(end_tag)
        dollar = re.match(r"\s*\$(?!\$)", self.mask[after:self.end]) if close != -1 else None
        if dollar is None:
            return None
        return m.end(), after, after + dollar.end()

    def close(self, m: re.Match) -> tuple[int, int, int] | None:
        """(content start, content end, end of the closing delimiter) of the display opened by
        ``m``, or None when it is never closed."""
        opener, mask = m.group(0), self.mask
        if opener == "$$":
            close, left = self._next("$$", m.end())
            # an opener whose pairing crosses a paragraph while it is the odd one out is the unclosed one
            if close == -1 or (_BLANK_LINE.search(mask, m.end(), close) and left % 2 == 0):
                return None
            return m.end(), close, close + 2
        if opener.startswith("{{"):
            close = _KATEX_CLOSER.search(mask, m.end(), self.end)
            return (m.end(), close.start(), close.end()) if close else None
        if opener.endswith("$") and not opener.endswith("$$"):
            return self._aligned_in_dollars(m)
        if opener == "\\\\[":
            # kramdown's escaped \[ (Markdown reads \\ as \): a display only where its escaped \] closes it
            close, _ = self._next("\\\\]", m.end())
            if close == -1 or _BLANK_LINE.search(mask, m.end(), close):
                return None
            return m.end(), close, close + 3
        if opener == "\\[":
            close, _ = self._next("\\]", m.end())
            if close == -1 or (_BLANK_LINE.search(mask, m.end(), close) and _OPENER.search(mask, m.end(), close)):
                return None
            return m.end(), close, close + 2
        env = m.group(1) or m.group(2)
        begin, end_tag = f"\\begin{{{env}}}", f"\\end{{{env}}}"
        close, _ = self._next(end_tag, m.end())
        again, _ = self._next(begin, m.end())
        if close == -1 or -1 < again < close:
            return None
        if env.startswith(_KEEP_ENVIRONMENT):
            return m.end() - len(begin), close + len(end_tag), close + len(end_tag)
        return m.end(), close, close + len(end_tag)


_WORD = re.compile(r"[A-Za-z]{2}")
_SINGLE_DOLLAR = re.compile(r"(?<![\\$])\$(?!\$)[^$\n]+?(?<![\\$])\$(?!\$)")
_DOUBLE_DOLLARS = re.compile(r"\$\$([^$\n]+?)\$\$")
_ANY_DOUBLE_DOLLARS = re.compile(r"\$\$.*?\$\$", re.S)
_RELATION = re.compile(r"=|<|>|\\(?:le|ge|leq|geq|ne|neq|approx|equiv|propto|sim|to|in|mid)(?![A-Za-z])")


def writes_inline_math_with_double_dollars(mask: str, segments: list[tuple[int, int]]) -> bool:
    """Whether the document writes its inline math as ``$$…$$``, as Jekyll's kramdown wants: it never
    writes single-dollar math, and it names a symbol or an expression with no relation in ``$$…$$``
    inside a sentence ("the sum over $$k$$ is zero"). Nobody sets a lone symbol as a display in the
    middle of a line, so such a span is the author's evidence; without it a ``$$…$$`` in a line of
    text stays a display, as MathJax reads it. A stray single-dollar span ("the $qj$th output") does not
    outweigh more such ``$$`` spans."""
    text = "".join(mask[a:b] for a, b in segments)
    singles = len(_SINGLE_DOLLAR.findall(_ANY_DOUBLE_DOLLARS.sub(" ", text)))     # ($ in a display's \text is not)
    named = sum(1 for m in _DOUBLE_DOLLARS.finditer(text)
                if not _RELATION.search(m.group(1)) and in_a_sentence(text, m.start(), m.end()))
    return named > singles


def in_a_sentence(mask: str, start: int, end: int) -> bool:
    """Whether the ``$$…$$`` at ``start:end`` stands inside a line of prose, a word before or after it on
    its own line ("If $$k = y_i$$, then …"). One that ends its sentence inside the delimiters ("we have
    $$ f'(w) = 2(y - Xw)^T(-X). $$ If …") is a display set in a line, as Q&A sites write them."""
    inside = mask[start:end].strip("$ \t")
    if "\n" in mask[start:end] or inside.endswith((".", ",", ";")):
        return False
    line_start = mask.rfind("\n", 0, start) + 1
    line_end = mask.find("\n", end)
    after = mask[end:line_end if line_end != -1 else len(mask)]
    return bool(_WORD.search(mask[line_start:start]) or _WORD.search(after))


def _one_line(content: str) -> str:
    """A ``multline`` is one equation broken over lines: its ``\\\\`` are not rows (blanked, so
    positions hold)."""
    levels = depths(content)
    out = list(content)
    i = 0
    while i < len(content) - 1:
        if levels[i] == 0 and content.startswith("\\\\", i):
            out[i:i + 2] = "  "
            i += 2
            continue
        i += 1
    return "".join(out)


def _paragraph_end(mask: str, start: int, limit: int) -> int:
    """Where the paragraph holding ``start`` ends: its first blank line, or ``limit``."""
    blank = _BLANK_LINE.search(mask, start, limit)
    return blank.start() + 1 if blank else limit


def _prose(text: str, mask: str, start: int, end: int) -> str:
    """The last paragraph between ``start`` and a display, as written: its justification label, if
    it has one (a paragraph that is all comment or code is none)."""
    bounds = [start] + [start + m.end() for m in _PARAGRAPH_BREAK.finditer(mask[start:end])] + [end]
    for a, b in reversed(list(zip(bounds, bounds[1:]))):
        if mask[a:b].strip():
            return re.sub(r"\s+", " ", text[a:b].strip())[:300]
    return ""
