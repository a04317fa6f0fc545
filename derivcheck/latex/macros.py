"""An author's own LaTeX macros: read from ``\\newcommand``, ``\\renewcommand``, ``\\def`` and
``\\DeclareMathOperator``, and expanded in the text that is parsed.

Authors write ``\\pd{L}{w}`` for a partial derivative and define it once in the preamble (or, in
Markdown, in a ``$\\newcommand…$`` that MathJax reads). The reports quote the author's text; what is
parsed is the text with the macros expanded. Pure text in, text out: the expansion is bounded (depth
and size), so a definition that expands forever leaves the text as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .texscan import PROTECTED

#: How many rounds of expansion (a macro whose body uses another) before giving up.
MAX_ROUNDS = 12
#: An expansion may grow the text this many times over (and at least to MIN_LIMIT characters).
GROWTH = 20
MIN_LIMIT = 20_000

_DEFINITION = re.compile(r"\\(?:(?:re)?newcommand\*?|providecommand\*?|DeclareRobustCommand\*?|def|"
                         r"DeclareMathOperator\*?)(?![A-Za-z])")
_NAME = re.compile(r"\s*(?:\{\s*(\\[A-Za-z]+)\s*\}|(\\[A-Za-z]+))")
_ARGS = re.compile(r"\s*\[\s*(\d)\s*\]")
_DEF_PARAMS = re.compile(r"(?:#\d)*")


@dataclass(frozen=True)
class Macro:
    """``\\name`` taking ``args`` arguments; the first is optional (``[…]``) when ``default`` is set."""
    name: str
    args: int
    body: str
    default: str | None = None


@dataclass(frozen=True)
class Definition:
    """Where a definition stands in the text (``start``, ``end``) and what it defines."""
    start: int
    end: int
    macro: Macro


def definitions(text: str) -> list[Definition]:
    """Every macro definition in ``text``, in order (a later one of the same name wins)."""
    out = []
    for m in _DEFINITION.finditer(text):
        found = _definition(text, m)
        if found is not None:
            out.append(found)
    return out


def read_macros(text: str) -> dict[str, Macro]:
    """The macros ``text`` defines, by name (``\\pd``)."""
    return {d.macro.name: d.macro for d in definitions(text)}


def _definition(text: str, m: re.Match) -> Definition | None:
    command = m.group(0)
    name_match = _NAME.match(text, m.end())
    if name_match is None:
        return None
    name = name_match.group(1) or name_match.group(2)
    pos = name_match.end()
    args, default = 0, None
    if command == "\\def":
        params = _DEF_PARAMS.match(text, pos)
        args, pos = params.group(0).count("#"), params.end()
    elif not command.startswith("\\DeclareMathOperator"):
        count = _ARGS.match(text, pos)
        if count:
            args, pos = int(count.group(1)), count.end()
            if args and (opt := re.match(r"\s*\[", text[pos:])):
                close = _matching(text, pos + opt.end() - 1, "[", "]")
                if close is None:
                    return None
                default, pos = text[pos + opt.end():close], close + 1
    body_open = re.match(r"\s*\{", text[pos:])
    if body_open is None:
        return None
    start = pos + body_open.end() - 1
    close = _matching(text, start, "{", "}")
    if close is None:
        return None
    body = text[start + 1:close]
    if command.startswith("\\DeclareMathOperator"):
        body = f"\\operatorname{{{body}}}"
    return Definition(m.start(), close + 1, Macro(name, args, body, default))


def _matching(text: str, open_pos: int, opener: str, closer: str) -> int | None:
    """The position of the bracket closing the one at ``open_pos`` (escaped ones do not count)."""
    depth = 0
    i = open_pos
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


#: The author's word that a prime is the transpose ("I am using ' to denote the transpose", as Matlab and
#: econometrics write ``x_i'\\beta``): kept with the macros under this name, read as a definition of the
#: character (read/prose.py finds it).
PRIME = "'"
TRANSPOSED_PRIME = Macro(PRIME, 0, "^{T}")
_PRIMED = re.compile(r"(?<![\\^'])'+")
#: ``f'(w)``, ``\\sigma'(z)``: a function's derivative, even where the text's primes are transposes (a Q&A
#: answer differentiates the asker's ``(y-Xw)'(y-Xw)`` as ``f'(w)``).
_DERIVATIVE = re.compile(r"(?:(?<![A-Za-z\\])[fgh]|\\(?:sigma|phi|psi))'+\s*\(")


def expand(text: str, macros: dict[str, Macro] | None) -> str:
    """``text`` with every use of ``macros`` replaced by its body (arguments substituted), until no
    use is left; the text as written when the expansion does not settle within the bounds."""
    if macros and PRIME in macros:
        text = transposed_primes(text)
        macros = {k: v for k, v in macros.items() if k != PRIME}
    if not macros or "\\" not in text:
        return text
    pattern = re.compile("|".join(re.escape(name) + "(?![A-Za-z])" for name in sorted(macros, key=len, reverse=True)))
    limit = max(MIN_LIMIT, GROWTH * len(text))
    current = text
    for _ in range(MAX_ROUNDS):
        expanded = _expand_once(current, macros, pattern)
        if expanded is None or len(expanded) > limit:
            return text
        if expanded == current:
            return current
        current = expanded
    return text


def transposed_primes(text: str) -> str:
    """Each prime written on a symbol or a bracket as the transpose: ``(y-Xw)'(y-Xw)`` is
    ``(y-Xw)^{T}(y-Xw)``, ``x_i'\\beta`` is ``x_i^{T}\\beta``; ``''`` transposes twice. A prime inside
    ``\\text{…}`` is a word's, and one on a function applied (``f'(w)``) its derivative."""
    words = [(m.start(), m.end()) for m in PROTECTED.finditer(text)] + \
        [(m.start(), m.end()) for m in _DERIVATIVE.finditer(text)]

    def transposed(m: re.Match) -> str:
        if any(a <= m.start() < b for a, b in words):
            return m.group(0)
        return "^{T}" if len(m.group(0)) % 2 else ""
    return _PRIMED.sub(transposed, text)


def _expand_once(text: str, macros: dict[str, Macro], pattern: re.Pattern) -> str | None:
    """One round: each use in ``text`` replaced once (None when a use lacks its arguments)."""
    out, pos = [], 0
    for m in pattern.finditer(text):
        if m.start() < pos or _escaped(text, m.start()):
            continue
        macro = macros[m.group(0)]
        args, end = _arguments(text, m.end(), macro)
        if args is None:
            return None
        body = re.sub(r"#(\d)", lambda a: args[int(a.group(1)) - 1] if 0 < int(a.group(1)) <= len(args)
                      else a.group(0), macro.body)
        # braces keep the body one unit (``\\pd{a}{b}^2``), unless it is a bare command or symbol
        spaced = " " if body[-1:].isalpha() and end < len(text) and text[end].isalpha() else ""
        out += [text[pos:m.start()], body + spaced]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _escaped(text: str, pos: int) -> bool:
    """``\\\\name`` is a line break followed by letters, not a use of ``\\name``."""
    backslashes = len(text[:pos]) - len(text[:pos].rstrip("\\"))
    return backslashes % 2 == 1


def _arguments(text: str, pos: int, macro: Macro) -> tuple[list[str] | None, int]:
    """The arguments of a use starting at ``pos``: braced groups or single tokens."""
    args: list[str] = []
    needed = macro.args
    if macro.default is not None:
        opt = re.match(r"\s*\[", text[pos:])
        if opt:
            close = _matching(text, pos + opt.end() - 1, "[", "]")
            if close is None:
                return None, pos
            args.append(text[pos + opt.end():close])
            pos = close + 1
        else:
            args.append(macro.default)
        needed -= 1
    for _ in range(needed):
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return None, pos
        if text[pos] == "{":
            close = _matching(text, pos, "{", "}")
            if close is None:
                return None, pos
            args.append(text[pos + 1:close])
            pos = close + 1
        elif text[pos] == "\\":
            token = re.match(r"\\(?:[A-Za-z]+|.)", text[pos:], re.S)
            if token is None:
                return None, pos
            args.append(token.group(0))
            pos += token.end()
        else:
            args.append(text[pos])
            pos += 1
    return args, pos
