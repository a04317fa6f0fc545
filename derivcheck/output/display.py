"""LaTeX as a Markdown math block that GitHub (MathJax) and KaTeX render without an error.

An author's display is copied into a report one relation at a time, so what was valid inside the
author's ``align`` (``a &= b``, rows ending in ``\\\\``) is no longer valid on its own: a bare ``&``
outside an alignment environment is a math error. ``display`` puts such text back into an
``aligned`` environment; ``problems`` is the strict check (balanced braces, ``\\begin``/``\\end``,
``\\left``/``\\right``, no bare ``&``), used both here, to fall back to a code block for text no
renderer would accept, and by the tests on every committed report.
"""

from __future__ import annotations

import re

#: Environments inside which ``&`` separates columns and ``\\\\`` ends a row.
ALIGNING = frozenset({
    "aligned", "alignedat", "align", "align*", "alignat", "alignat*", "gathered", "gather", "gather*",
    "split", "array", "darray", "matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix",
    "smallmatrix", "cases", "dcases", "rcases", "eqnarray", "eqnarray*", "CD", "subarray", "substack",
})

_TOKEN = re.compile(r"\\\\|\\begin\s*\{([^{}]*)\}|\\end\s*\{([^{}]*)\}|\\left(?![a-zA-Z])|\\right(?![a-zA-Z])"
                    r"|\\[^a-zA-Z]|\\[a-zA-Z]+|[{}&$]")
_COMMENT = re.compile(r"(?<!\\)%.*")


def display(latex: str) -> str | None:
    """The TeX for a ``$$`` block showing ``latex``, on one line; None when no renderer would read it
    (the caller shows it as code instead)."""
    text = " ".join(_COMMENT.sub("", line) for line in latex.splitlines()).strip()
    text = " ".join(text.split())
    if not text or "$" in text:
        return None         # a dollar, even escaped, could end the Markdown math block early
    found = problems(text)
    if found and all(p.startswith("bare ") for p in found):
        text = f"\\begin{{aligned}} {text} \\end{{aligned}}"
        found = problems(text)
    return None if found else text


def problems(tex: str) -> list[str]:
    """Why ``tex`` would not render as math: unbalanced groups or environments, ``\\left`` without
    ``\\right``, ``&`` or ``\\\\`` outside an alignment environment, a ``$``. Empty when it is sound."""
    found: list[str] = []
    # each frame: (what opened it, how many \left are open in it)
    stack: list[list] = [["top", 0]]
    previous = ""
    for m in _TOKEN.finditer(tex):
        token, before, previous = m.group(0), previous, m.group(0)
        if token == "{":
            # \substack{k=1\\k \neq j}: rows inside a group
            stack.append(["{", 0] if before != "\\substack" else ["env:substack", 0])
        elif token == "}":
            if stack[-1][0] not in ("{", "env:substack"):
                found.append(f"'}}' without '{{' at {m.start()}")
                continue
            _close(stack, found)
        elif m.group(1) is not None:
            stack.append([f"env:{m.group(1).strip()}", 0])
        elif m.group(2) is not None:
            name = m.group(2).strip()
            if stack[-1][0] != f"env:{name}":
                found.append(f"\\end{{{name}}} without a matching \\begin{{{name}}}")
                continue
            _close(stack, found)
        elif token == "\\left":
            stack[-1][1] += 1
        elif token == "\\right":
            if stack[-1][1] == 0:
                found.append("\\right without \\left")
            else:
                stack[-1][1] -= 1
        elif token in ("&", "\\\\") and not _aligning(stack):
            found.append(f"bare {token!r} outside an alignment environment")
        elif token == "$":
            found.append("a '$' inside math")
    while len(stack) > 1:
        what = stack[-1][0]
        found.append("'{' never closed" if what in ("{", "env:substack") else f"\\begin{{{what[4:]}}} never ended")
        _close(stack, found)
    if stack[0][1]:
        found.append("\\left without \\right")
    return found


def _close(stack: list[list], found: list[str]) -> None:
    what, lefts = stack.pop()
    if lefts:
        found.append(f"\\left without \\right inside {what}")


def _aligning(stack: list[list]) -> bool:
    """Whether the innermost environment (not group) is one that aligns."""
    for what, _ in reversed(stack):
        if what.startswith("env:"):
            return what[4:] in ALIGNING
    return False
