"""LaTeX files: what is never math, blanked out of the text the math is read from.

``%`` starts a comment (``\\%`` is a per-cent sign), the preamble holds no derivation (its macros
are read, see latex/macros.py), and verbatim material is not mathematics. The result has the same
length as the file, with newlines kept, so offsets and lines hold.
"""

from __future__ import annotations

import re

_VERBATIM = re.compile(r"\\begin\{(verbatim\*?|Verbatim|lstlisting|minted|comment)\}.*?(?:\\end\{\1\}|\Z)", re.S)
_VERB = re.compile(r"\\verb\*?([^A-Za-z\s*])[^\n]*?\1")
_DOCUMENT = re.compile(r"\\begin\{document\}")
_END_DOCUMENT = re.compile(r"\\end\{document\}")


def looks_like_latex(text: str) -> bool:
    """A ``.txt`` file that is a LaTeX document rather than Markdown."""
    return bool(re.search(r"\\documentclass\b|\\begin\{document\}", text))


def strip_comments(text: str) -> str:
    """``text`` with each ``%`` comment (to the end of its line) replaced by spaces."""
    out = list(text)
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "%":
            end = text.find("\n", i)
            end = len(text) if end == -1 else end
            out[i:end] = " " * (end - i)
            i = end
            continue
        i += 1
    return "".join(out)


def mask_latex(text: str, start: int = 0) -> str:
    """The file from ``start`` with comments, verbatim material, the preamble and what follows
    ``\\end{document}`` replaced by spaces (same length, newlines kept)."""
    masked = strip_comments(text)
    spans = [(m.start(), m.end()) for pattern in (_VERBATIM, _VERB) for m in pattern.finditer(masked, start)]
    begin = _DOCUMENT.search(masked, start)
    if begin:
        spans.append((start, begin.end()))
        end = _END_DOCUMENT.search(masked, begin.end())
        if end:
            spans.append((end.start(), len(masked)))
    out = list(masked)
    for a, b in spans:
        for i in range(a, b):
            if out[i] != "\n":
                out[i] = " "
    return "".join(out)
