"""Markdown through markdown-it-py: what is never math, blanked out of the text the math is read from.

A ``$$`` inside an HTML comment, a fenced or indented code block, or an inline code span is not a
display; a ``> `` in front of a quoted display's lines is not part of its math. markdown-it-py (with
the dollarmath and amsmath plugins, so the inside of a display is never taken for Markdown) says
where those are; the result is the text with them replaced by spaces. Every character keeps its
offset and every newline stays, so what is read from the mask quotes the author verbatim at the
right line.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

#: HTML blocks whose inside the browser (and so MathJax) never renders as math.
_RAW_HTML = re.compile(r"\s*<(?:pre|script|style|textarea)\b", re.I)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
#: The container prefix of a quoted line: list markers, then ``>`` markers (nested quotes too).
_QUOTE_PREFIX = re.compile(r"[ \t]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)?(?:>[ \t]?)+(?:[ \t]*>[ \t]?)*")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return (MarkdownIt("commonmark")
            .use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)
            .use(amsmath_plugin))


def mask_markdown(segment: str) -> str:
    """``segment`` with code, raw HTML, comments and quote markers replaced by spaces (same
    length, newlines kept)."""
    # markdown-it reads a lone carriage return as a line break: a space keeps lines and offsets aligned
    tokens = _parser().parse(segment.replace("\r", " "))
    starts = _line_starts(segment)
    out = list(segment)

    def blank(a: int, b: int) -> None:
        for i in range(a, b):
            if out[i] != "\n":
                out[i] = " "

    def lines(token: Token) -> tuple[int, int]:
        first, last = token.map
        return starts[first], starts[min(max(last, first + 1), len(starts) - 1)]

    for token in tokens:
        if token.map is None:
            continue
        a, b = lines(token)
        if token.type == "fence" and token.info.strip().lower() == "math":
            _math_fence(segment, starts, token.map, out)
        elif token.type == "fence" or token.type == "code_block" and not _indented_math(segment, starts, token.map):
            blank(a, b)
        elif token.type == "html_block":
            _mask_html(segment, a, b, blank)
        elif token.type == "blockquote_open":
            _mask_quote_markers(segment, starts, token.map, out)
        elif token.type == "inline" and token.children:
            codes = sum(1 for c in token.children if c.type == "code_inline")
            for x, y in _code_spans("".join(out[a:b]), codes):
                blank(a + x, a + y)
    masked = "".join(out)
    return _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), masked)


_FENCE_LINE = re.compile(r"[ \t]*(?:`{3,}|~{3,})[ \t]*(?:math)?[ \t]*(?=\n|$)", re.I)


def _math_fence(segment: str, starts: list[int], span: list[int], out: list[str]) -> None:
    """GitHub's fenced ```` ```math ```` block is display math: its fence lines become ``$$`` (same length),
    so the display reader reads what is between them. An unclosed fence runs to the end, as a ``$$`` would."""
    first, last = span
    for line in (first, last - 1) if last - 1 > first else (first,):
        m = _FENCE_LINE.match(segment, starts[line])
        if m is None:
            continue
        for i in range(m.start(), m.end()):
            out[i] = " "
        out[m.start()], out[m.start() + 1] = "$", "$"


def _indented_math(segment: str, starts: list[int], span: list[int]) -> bool:
    """Whether an indented "code block" is the indented inside of a display: a ``$$`` line right before it and
    right after it. markdown-it pairs ``$$`` by its block rules (a ``$$`` that continues a paragraph opens
    nothing), MathJax in text order; an author who indents a display's line means math."""
    first, last = span
    if first == 0 or last >= len(starts) - 1:
        return False
    before = segment[starts[first - 1]:starts[first]].strip()
    after = segment[starts[last]:starts[last + 1] if last + 1 < len(starts) else len(segment)].strip()
    return before.endswith("$$") and after.startswith("$$")


def _line_starts(text: str) -> list[int]:
    """The offset of each line (and one past the end, for a block that runs to the end)."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    if starts[-1] != len(text):
        starts.append(len(text))
    return starts


def _mask_html(segment: str, a: int, b: int, blank) -> None:
    """A comment, ``<pre>``, ``<script>``: never math. Other HTML (a ``<div>``) is rendered with
    its math, so it is read."""
    if _RAW_HTML.match(segment, a):
        blank(a, b)
        return
    for m in _COMMENT.finditer(segment, a, b):
        blank(m.start(), m.end())


def _mask_quote_markers(segment: str, starts: list[int], span: list[int], out: list[str]) -> None:
    """The ``>`` of each quoted line become spaces (lazy continuation lines have none)."""
    first, last = span
    for line in range(first, min(last, len(starts) - 1)):
        m = _QUOTE_PREFIX.match(segment, starts[line])
        if m and ">" in m.group(0):
            for i in range(m.start(), m.end()):
                if segment[i] == ">":
                    out[i] = " "


def _code_spans(text: str, limit: int) -> list[tuple[int, int]]:
    """The first ``limit`` inline code spans of ``text`` by CommonMark's rule: a run of backticks
    opens a span closed by the next run of the same length (a run with no such partner is text)."""
    spans: list[tuple[int, int]] = []
    runs = [(m.start(), m.end()) for m in re.finditer(r"`+", text)]
    i = 0
    while i < len(runs) and len(spans) < limit:
        start, end = runs[i]
        if _escaped(text, start):
            start += 1
            if start == end:
                i += 1
                continue
        length = end - start
        close = next((j for j in range(i + 1, len(runs)) if runs[j][1] - runs[j][0] == length), None)
        if close is None:
            i += 1
            continue
        spans.append((start, runs[close][1]))
        i = close + 1
    return spans


def _escaped(text: str, pos: int) -> bool:
    backslashes = len(text[:pos]) - len(text[:pos].rstrip("\\"))
    return backslashes % 2 == 1
