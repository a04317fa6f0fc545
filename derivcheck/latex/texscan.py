"""Nesting depth of LaTeX source text, character by character.

Splitting a display at its top-level relations, splitting aligned rows at ``\\\\``, and finding
the closing brace of ``\\frac{…}`` all need the same thing: how deep each position sits in braces,
brackets, parentheses (``\\{ \\}`` included) and environments. One scan serves them all. Layout wrappers
(``\\boxed{…}``, ``\\color{red}{…}``) are blanked here too, so a relation inside one can be split.
"""

from __future__ import annotations

import re

OPEN = "{(["
CLOSE = "})]"


#: Spans whose characters are words, not math: ``\\text{…}`` and its kin, environment names, labels (no slip
#: rule looks inside them, and a prime in them is an apostrophe).
PROTECTED = re.compile(r"\\(text\w*|mathrm|operatorname\*?|mbox|rm|begin|end|label|tag|textcolor|color)\s*"
                       r"\{[^{}]*\}|\\rm\s+[A-Za-z]+")


def depths(text: str) -> list[int]:
    """The nesting depth before each character of ``text`` (and one more entry for the end)."""
    out = []
    depth = 0
    i = 0
    while i < len(text):
        out.append(depth)
        if text.startswith("\\begin{", i):
            depth += 1
        elif text.startswith("\\end{", i):
            depth -= 1
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "{}":
            out.append(depth)
            depth += 1 if text[i + 1] == "{" else -1
            i += 2
            continue
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth -= 1
        i += 1
    out.append(depth)
    return out


def closing_brace(text: str, open_pos: int) -> int | None:
    """The position of the ``}`` that closes the ``{`` at ``open_pos``."""
    levels = depths(text)
    inside = levels[open_pos] + 1
    for i in range(open_pos + 1, len(text)):
        if text[i] == "}" and levels[i] == inside and (i == 0 or text[i - 1] != "\\"):
            return i
    return None


#: Wrappers whose braced argument is the content (``\\boxed{a = b}``): the command and its braces are
#: layout. ``\\color{red}{…}``/``\\textcolor{red}{…}`` drop their first argument with the command.
_WRAPPER = re.compile(r"\\(boxed|cancel|bcancel|xcancel)\s*(?=\{)|\\(textcolor|color)\s*\{[^{}]*\}\s*(?=\{)?")


def blank_layout(text: str) -> str:
    """``text`` with layout wrappers blanked to spaces, the same length so positions hold:
    ``\\boxed{a = b}`` becomes ``       a = b ``, so a relation inside a box or a colour is found
    where the display is split. (Inside one side the grammar drops the same commands.)"""
    out = list(text)
    for m in _WRAPPER.finditer(text):
        out[m.start():m.end()] = " " * (m.end() - m.start())
        if m.end() < len(text) and text[m.end()] == "{":
            close = closing_brace(text, m.end())
            if close is not None:
                out[m.end()] = out[close] = " "
    return "".join(out)
