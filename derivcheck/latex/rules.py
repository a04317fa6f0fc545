"""Every rewriting derivcheck does to an author's LaTeX before parsing, in one list.

Two kinds, and they are reported differently:

* **damage** — the text is not what any author wrote: escapes eaten in transcription (``\\b`` of
  ``\\boldsymbol``, ``\\r`` of ``\\right``), a command standing where ``\\partial`` belongs, prose
  inside a display. A step with damage is ``garbled``; the repaired reading is checked and reported
  beside it.
* **slip** — the author's own habit, with one clear reading (``log`` without a backslash, ``fy_i``
  for ``f_{y_i}``). The step is judged on that reading and the slip is noted.

Layout-only normalisation (``\\left``, spacing, ``\\limits``, ``\\boxed``, colours) is not here: the
post-lexer drops those commands (commands.py LAYOUT, lexer.py). docs/notation.md lists every form read.

Each rule carries an example and the text it must become; tests/test_rules.py checks them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .texscan import PROTECTED, closing_brace


class Letters(Protocol):
    """What the slip rules need to know of a notation (notation/header.py's Notation is one): the
    one-letter names written with a subscript, and the one-letter class labels."""

    @property
    def indexed_letters(self) -> frozenset[str]: ...

    @property
    def label_letters(self) -> frozenset[str]: ...

#: Command remnants left when a transcription ate ``\b``, ``\r``, ``\t``, ``\f``, ``\n``, ``\a``
#: (the backslash and the letter became a control character, or vanished). Only remnants that
#: cannot be ordinary letters in math are listed.
EATEN = {
    "oldsymbol": "\\boldsymbol", "egin{": "\\begin{", "inom{": "\\binom{",
    "ight": "\\right", "angle": "\\rangle",
    "ext{": "\\text{", "imes": "\\times", "heta": "\\theta", "ilde": "\\tilde",
    "rac{": "\\frac{",
    "abla": "\\nabla", "eq ": "\\neq ",
    "lpha": "\\alpha", "pprox": "\\approx", "orall": "\\forall",
    **{f"ig{size}{side}": f"\\big{size}{side}" for size in ("", "l", "r", "g", "gl", "gr")
       for side in ("(", ")", "[", "]", "|", "\\{", "\\}")},
}
#: ``\big(`` remnants: found only in pairs, since one ``ig(`` alone may be i·g(…).
_BIG = frozenset(r for r in EATEN if EATEN[r].startswith("\\big"))
#: Remnants that are ordinary letters unless a tab (what ``\t`` became) stands just before them,
#: inside a line: ``^\top`` became ``^<TAB>op``.
EATEN_AFTER_TAB = {"op": "\\top", "ag{": "\\tag{", "au": "\\tau"}
_EATEN_RE = re.compile(r"[\x00-\x1f\x7f]?(?<![\\A-Za-z])(" + "|".join(map(re.escape, EATEN)) + r")"
                       r"|(?<=[^\n\t])\t(" + "|".join(re.escape(r) + ("" if r.endswith("{") else "(?![A-Za-z])")
                                                   for r in EATEN_AFTER_TAB) + r")")
#: ``\right`` must be followed by a delimiter, or the remnant is just a word.
_DELIMITER_AFTER = re.compile(r"\s*(\)|\]|\\\}|\.|\||\\rangle|\\rvert|\\\|)")


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str                       # "damage" | "slip"
    description: str
    find: Callable[[str, Letters | None], list[tuple[Edit, str]]]
    example: str
    expected: str


# ----------------------------------------------------------------------------- damage

def _eaten_escapes(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    out = []
    found = list(_EATEN_RE.finditer(text))
    bigs = sum(1 for m in found if m.group(1) in _BIG)
    for m in found:
        remnant = m.group(1) or m.group(2)
        if remnant == "ight" and not _DELIMITER_AFTER.match(text, m.end()):
            continue
        if remnant in _BIG and bigs < 2:
            continue
        full = EATEN.get(remnant) or EATEN_AFTER_TAB[remnant]
        out.append((Edit(m.start(), m.end(), full),
                    f"`{remnant.strip()}` is `{full.strip()}` with its backslash escape eaten"))
    return out


def _control_characters(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    return [(Edit(m.start(), m.end(), " "), f"a control character (U+{ord(m.group()):04X}) in the math")
            for m in re.finditer(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
            if not _EATEN_RE.match(text, m.start())]


def _command_for_partial(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    """``\\frac{\\partial f}{\\sigma w}``: the denominator needs ``\\partial`` where another
    command stands; ``\\frac{\\partial \\sigma(z)}{\\partial \\sigma z_h}``: a stray copy of the
    numerator's function in the denominator."""
    out = []
    for num, den, den_start in _fractions(text):
        num_s = num.strip()
        if not num_s.startswith("\\partial"):
            continue
        den_s = den.lstrip()
        lead = den_start + len(den) - len(den_s)
        m = re.match(r"\\([A-Za-z]+)\s*", den_s)
        if m and m.group(1) not in ("partial", "mathrm", "mathbf", "boldsymbol", "bm") and den_s[m.end():].strip():
            out.append((Edit(lead, lead + len(m.group(1)) + 1, "\\partial"),
                        f"`\\{m.group(1)}` stands where `\\partial` belongs in the denominator of a derivative"))
            continue
        stray = re.match(r"\\partial\s*\\([A-Za-z]+)\s+(?!\()", den_s)
        head = re.match(r"\\partial\s*\\([A-Za-z]+)\s*\(", num_s)
        if stray and head and stray.group(1) == head.group(1):
            start = lead + den_s.index("\\" + stray.group(1), 8)
            out.append((Edit(start, start + len(stray.group(1)) + 1, ""),
                        f"a stray `\\{stray.group(1)}` after `\\partial` in the denominator of a derivative"))
    return out


def _fractions(text: str):
    """(numerator, denominator, denominator offset) of every ``\\frac{…}{…}``."""
    for m in re.finditer(r"\\[dtc]?frac\s*\{", text):
        num_end = closing_brace(text, m.end() - 1)
        if num_end is None or num_end + 1 >= len(text) or text[num_end + 1] != "{":
            continue
        den_end = closing_brace(text, num_end + 1)
        if den_end is None:
            continue
        yield text[m.end():num_end], text[num_end + 2:den_end], num_end + 2


# ----------------------------------------------------------------------------- slips

_BARE_FUNCTION = re.compile(r"(?<![\\A-Za-z])(log|ln|exp|tanh|sinh|cosh)(?=\s*(\(|\\left|\\big|\{|\\frac|\\sum)|\s+[A-Za-z\\])")


def _bare_functions(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    """``log(p)``, ``log p_i``: a function's name without its backslash, before its argument."""
    return [(Edit(m.start(), m.end(), "\\" + m.group(1)),
             f"`{m.group(1)}` written without a backslash; read as `\\{m.group(1)}`")
            for m in _unprotected(text, _BARE_FUNCTION)]


def _delta_derivative(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    """``\\frac{\\delta L}{\\delta w}``: a bare ``\\delta`` (no index) opening both the numerator and the
    denominator is the derivative's ``\\partial`` (an indexed ``\\delta_j`` is a quantity)."""
    out = []
    bare = re.compile(r"\s*\\delta(?![A-Za-z_^'])\s*(?=\S)")
    for num, den, den_start in _fractions(text):
        num_start = den_start - 2 - len(num)
        m, d = bare.match(num), bare.match(den)
        if m and d and num[m.end():].strip() and den[d.end():].strip():
            for start, found in ((num_start, m), (den_start, d)):
                at = start + found.group(0).index("\\delta")
                out.append((Edit(at, at + len("\\delta"), "\\partial"), ""))
            out[-2] = (out[-2][0], "`\\delta` read as `\\partial` in a derivative written with it")
    return out


def _lost_subscript(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    """``e^{fy_{i}}`` where ``f`` is always indexed and ``y_i`` is a class label: ``f_{y_{i}}``."""
    if notation is None:
        return []
    out = []
    for f in sorted(notation.indexed_letters):
        for y in sorted(notation.label_letters):
            pattern = rf"(?<![\\A-Za-z_]){f}\s*({y}_(\{{[^{{}}]*\}}|[A-Za-z0-9]))"
            for m in re.finditer(pattern, text):
                out.append((Edit(m.start(), m.end(), f"{f}_{{{m.group(1)}}}"),
                            f"`{m.group(0)}` read as ${f}_{{{m.group(1)}}}$ (a subscript lost)"))
    return out


#: Multi-letter names written without ``\\text``/``\\mathrm``; each letter alone would be a product.
BARE_NAMES = ("net", "out", "NLL", "CE", "BCE", "MSE", "SSE", "RSS", "KL", "ReLU", "relu", "softmax", "sigmoid",
              "diag", "trace", "Tr", "tr")
#: Words written as a subscript without ``\\text``: ``E_{train}`` names a symbol, it is not E_{t r a i n}.
SUBSCRIPT_WORDS = ("train", "test", "val", "valid", "reg", "new", "old", "max", "min", "data", "true", "pred",
                   "total", "init", "out", "hidden", "gt", "hinge", "target")
#: A period between two factors (``2.x``, ``).(``, ``w_{1}.x_1``, ``\\rgroup.x``, ``a . (b)``): never before a
#: digit (a decimal point), the end, a line break, a relation or prose; never a letter, then a period and a
#: letter (``logreg.md``) or a space and a letter (the end of a sentence: ``x^T. Correct``); not ``\\left.``.
_PERIOD = re.compile(r"(?<!\.)[ \t]*\.(?!\.)[ \t]*")
_FACTOR_START = re.compile(r"[(\[{]|\\(?!\\|q?quad\b|text|right|end\b|[,;:! ])")
_BEFORE_PERIOD = re.compile(r"(\\[A-Za-z]+|[A-Za-z0-9})\]])\Z")


def _unprotected(text: str, pattern: re.Pattern) -> list[re.Match]:
    """Matches of ``pattern`` outside text commands and labels."""
    guarded = [m.span() for m in PROTECTED.finditer(text)]
    return [m for m in pattern.finditer(text) if not any(a <= m.start() < b for a, b in guarded)]


def _period_products(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    """One finding says it for every period of the step (the edits after the first carry no message)."""
    found = [m for m in _unprotected(text, _PERIOD) if _is_product(text, m)]
    return [(Edit(m.start(), m.end(), " \\cdot "), "" if i else
             f"a period between two factors read as a product ({len(found)} in this step)" if len(found) > 1 else
             "a period between two factors read as a product")
            for i, m in enumerate(found)]


def _is_product(text: str, m: re.Match) -> bool:
    before = _BEFORE_PERIOD.search(text[max(0, m.start() - 30):m.start()])
    if before is None or before.group(1) in ("\\left", "\\right", "\\middle"):
        return False
    after = text[m.end():]
    if _FACTOR_START.match(after):
        return True
    letter_before = len(before.group(1)) == 1 and before.group(1).isalpha()
    return bool(re.match(r"[A-Za-z]", after)) and not letter_before and not m.group(0).endswith((" ", "\t"))


def _bare_names(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    names = re.compile(r"(?<![\\A-Za-z])(" + "|".join(BARE_NAMES) + r")(?![A-Za-z])")
    # E_{train}, and CS224n's J_{naive-softmax}: words of three letters or more joined by hyphens (an index
    # difference is single letters or numbers: x_{k-1})
    words = re.compile(r"(?<=_)\{\s*(" + "|".join(SUBSCRIPT_WORDS) + r"|[A-Za-z]{3,}(?:-[A-Za-z]{3,})+)\s*\}"
                       r"|(?<=\^)\{\s*(" + "|".join(SUBSCRIPT_WORDS) + r"|[A-Za-z]{4,})\s*\}")   # W^{corrected}
    subscripts = [(Edit(m.start(), m.end(), f"{{\\text{{{w}}}}}"),
                   f"the {'subscript' if m.group(1) else 'superscript'} `{w}` read as a word, $\\text{{{w}}}$")
                  for m in _unprotected(text, words) for w in [m.group(1) or m.group(2)]]
    inside = [(e.start, e.end) for e, _ in subscripts]
    return [(Edit(m.start(), m.end(), f"\\mathrm{{{m.group(1)}}}"),
             f"`{m.group(1)}` read as one name, $\\mathrm{{{m.group(1)}}}$") for m in _unprotected(text, names)
            if not any(a <= m.start() < b for a, b in inside)] + subscripts


def _kronecker_without_underscore(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    """``\\delta{ik}``: two index letters in braces right after ``\\delta``, its underscore lost."""
    return [(Edit(m.start(), m.end(), f"\\delta_{{{m.group(1)}}}"),
             f"`\\delta{{{m.group(1)}}}` read as $\\delta_{{{m.group(1)}}}$ (a subscript's underscore lost)")
            for m in re.finditer(r"(?<![_^])\\delta\s*\{\s*([a-z]\s*,?\s*[a-z])\s*\}", text)]


def _detached_subscript(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    """``\\theta{_k}``, ``\\theta{^T}``: a script braced on its own after a symbol, which TeX sets as that symbol's."""
    return [(Edit(m.start(), m.end(), f"{m.group(1)}{m.group(2)}"),
             f"`{m.group(0).strip()}` read as the {'subscript' if m.group(1) == '_' else 'superscript'} "
             f"`{m.group(1)}{m.group(2)}` of the symbol before it")
            for m in re.finditer(r"(?<=[A-Za-z}])\s*\{\s*([_^])\s*(\{[^{}]*\}|[A-Za-z0-9]|\\[A-Za-z]+)\s*\}", text)]


#: Math symbols pasted as characters (a web page, a note app) and the commands they are.
UNICODE_COMMANDS = {"∑": "\\sum", "∏": "\\prod", "∂": "\\partial", "∇": "\\nabla", "√": "\\sqrt", "×": "\\times",
                    "·": "\\cdot", "⋅": "\\cdot", "⊙": "\\odot", "∘": "\\circ", "≤": "\\leq", "≥": "\\geq",
                    "≠": "\\neq", "∈": "\\in", "α": "\\alpha", "β": "\\beta", "γ": "\\gamma", "δ": "\\delta",
                    "ε": "\\epsilon", "η": "\\eta", "θ": "\\theta", "λ": "\\lambda", "μ": "\\mu", "π": "\\pi",
                    "σ": "\\sigma", "ϕ": "\\phi", "φ": "\\phi", "ω": "\\omega", "Σ": "\\Sigma", "Δ": "\\Delta",
                    "ᵀ": "^{T}", "²": "^{2}", "…": "\\dots", "⋯": "\\cdots", "∀": "\\forall"}
_UNICODE = re.compile("|".join(map(re.escape, UNICODE_COMMANDS)))


def _unicode_symbols(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    """``∑_j``, ``∂C/∂a``, ``σ′``: symbols pasted as characters, for the commands that write them (a space
    after a command, so ``∂C`` stays ``\\partial C``)."""
    out = []
    for m in _UNICODE.finditer(text):
        command = UNICODE_COMMANDS[m.group()]
        space = " " if command[-1].isalpha() else ""
        out.append((Edit(m.start(), m.end(), command + space), f"`{m.group()}` read as `{command}`"))
    return out


def _unicode_minus(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    """``–`` or ``−`` (an en dash or Unicode's minus sign, as a web page or a copy leaves them) for ``-``."""
    found = list(re.finditer("[\u2013\u2212]", text))
    return [(Edit(m.start(), m.end(), "-"), "" if i else f"`{m.group(0)}` read as a minus sign")
            for i, m in enumerate(found)]


_SUM_FORALL = re.compile(r"\\sum(?:\\limits)?\s*_\s*\{\s*(\\forall\s*)[a-z]\s*\}")
#: ``\\sum_K``: a sum named by a capital, a quantity (``\\sum_K - e^{z_i}``), not a sum over the terms after it.
_NAMED_SUM = re.compile(r"\\sum\s*_\s*(?:\{\s*[A-Z]\s*\}|[A-Z])\s*")
_SUM_MINUS = re.compile(r"(\\sum(?:\\limits)?\s*_\s*(?:\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z0-9])\s*"
                        r"(?:\^\s*(?:\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z0-9])\s*)?)-")


_ESCAPED_UNDERSCORE = re.compile(r"\\_")
_BARE_NEGATIVE_POWER = re.compile(r"\^-(\\[A-Za-z]+|[A-Za-z0-9])")


_MINUS_AFTER_PRODUCT = re.compile(r"(\\cdot|\\times|\*)\s*-(?=\s*[\\A-Za-z0-9({])")


def _minus_after_products(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    """``a \\cdot -b``: a minus right after a product sign negates the next factor."""
    return [(Edit(m.start(), m.end(), f"{m.group(1)} (-1) "), "a minus right after a product sign read as "
             "negating the next factor") for m in _MINUS_AFTER_PRODUCT.finditer(text)]


def _escaped_underscores(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    """``x\\_i``: Markdown's escape of an underscore (so it starts no emphasis), a subscript in the math."""
    return [(Edit(m.start(), m.end(), "_"), "`\\_` (Markdown's escaped underscore) read as a subscript")
            for m in _ESCAPED_UNDERSCORE.finditer(text)]


def _bare_negative_powers(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    """``e^-x``: a minus and one token after ``^`` without braces, the negative power ``e^{-x}``."""
    return [(Edit(m.start(), m.end(), f"^{{-{m.group(1)}}}"), f"`{m.group()}` read as `^{{-{m.group(1)}}}`")
            for m in _BARE_NEGATIVE_POWER.finditer(text)]


def _sum_over_all(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    """``\\sum_{\\forall x} C_x``: a sum over every x, which is the sum over x."""
    return [(Edit(m.start(1), m.end(1), ""), "`\\forall` in a sum's subscript read as the sum over that index")
            for m in _SUM_FORALL.finditer(text)]


def _minus_after_sum(text: str, notation: Letters | None) -> list[tuple[Edit, str]]:
    """``\\sum_{k \\neq i} -p_k y_k``: a minus sign right after a sum's limits, the sum of the negated terms,
    which is the negated sum."""
    return [(Edit(m.start(), m.end(), f"{m.group(1)}(-1) "), "a minus sign right after a sum's limits read as the "
             "sum of the negated terms") for m in _SUM_MINUS.finditer(text)
            if _one_term(text, m.end()) and not _NAMED_SUM.fullmatch(m.group(1))]


def _one_term(text: str, start: int) -> bool:
    """Whether one product runs from ``start`` to the end of its bracket (or of the text): then where the
    sum ends is not in question (``\\sum_k -a_k b_k + c`` would be, and is left unread)."""
    depth = 0
    for ch in text[start:]:
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
            if depth < 0:
                return True
        elif ch in "+-=" and depth == 0:
            return False
    return True


RULES: tuple[Rule, ...] = (
    Rule("eaten-escape", "damage", "a backslash escape eaten in transcription (\\b, \\r, \\t, \\f, \\n, \\a)",
         _eaten_escapes, "g_j(oldsymbol{z})\\cdot y\night)", "g_j(\\boldsymbol{z})\\cdot y\\right)"),
    Rule("control-character", "damage", "a control character inside the math",
         _control_characters, "a\x0cb", "a b"),
    Rule("partial-denominator", "damage", "a command where \\partial belongs in a derivative's denominator",
         _command_for_partial, "\\frac{\\partial \\sigma(z_k)}{\\sigma w_j}", "\\frac{\\partial \\sigma(z_k)}{\\partial w_j}"),
    Rule("bare-function", "slip", "log, ln, exp, tanh, sinh or cosh written without a backslash",
         _bare_functions, "-log\\left(p\\right)", "-\\log\\left(p\\right)"),
    Rule("lost-subscript", "slip", "an index family written without its subscript, before a class label",
         _lost_subscript, "e^{fy_{i}}", "e^{f_{y_{i}}}"),
    Rule("delta-derivative", "slip", "\\frac{\\delta L}{\\delta w}: \\delta standing for \\partial",
         _delta_derivative, "\\frac{\\delta L}{\\delta w_j} + \\delta_j", "\\frac{\\partial L}{\\partial w_j} + \\delta_j"),
    Rule("period-product", "slip", "a period between two factors, for a product (never a decimal point)",
         _period_products, "2.x^{(i)}.(w_0 + 0.5) = a", "2 \\cdot x^{(i)} \\cdot (w_0 + 0.5) = a"),
    Rule("bare-name", "slip", "a multi-letter name written without \\text or \\mathrm, in a formula or a subscript",
         _bare_names, "NLL = E_{train} + net_1", "\\mathrm{NLL} = E_{\\text{train}} + \\mathrm{net}_1"),
    Rule("kronecker-underscore", "slip", "\\delta{ik}: a Kronecker delta whose subscript lost its underscore",
         _kronecker_without_underscore, "-y_i \\delta{ik}", "-y_i \\delta_{ik}"),
    Rule("unicode-minus", "slip", "an en dash or Unicode's minus sign for the minus sign",
         _unicode_minus, "a \u2013 b \u2212 c", "a - b - c"),
    Rule("unicode-symbol", "slip", "a math symbol pasted as a character (∑, ∂, σ, ×)",
         _unicode_symbols, "\\frac{∂C}{∂a_j} = ∑_j σ(z_j)×2", "\\frac{\\partial C}{\\partial a_j} = \\sum _j \\sigma (z_j)\\times 2"),
    Rule("sum-over-all", "slip", "\\sum_{\\forall x}: a sum over every x",
         _sum_over_all, "\\frac{1}{n}\\sum_{\\forall x} C_x", "\\frac{1}{n}\\sum_{x} C_x"),
    Rule("minus-after-sum", "slip", "a minus sign right after a sum's limits",
         _minus_after_sum, "a + \\sum_{k \\neq i}-p_k y_k", "a + \\sum_{k \\neq i}(-1) p_k y_k"),
    Rule("minus-after-product", "slip", "a \\cdot -b: a minus right after a product sign",
         _minus_after_products, "a \\cdot -\\sigma(z)", "a \\cdot (-1) \\sigma(z)"),
    Rule("escaped-underscore", "slip", "x\\_i: Markdown's escaped underscore, a subscript",
         _escaped_underscores, "x\\_i + w\\_{ij}", "x_i + w_{ij}"),
    Rule("bare-negative-power", "slip", "e^-x: a negative power without braces",
         _bare_negative_powers, "e^-x + A^-1", "e^{-x} + A^{-1}"),
    Rule("detached-subscript", "slip", "x{_k}: a subscript braced on its own after its symbol",
         _detached_subscript, "\\partial \\theta{_k}", "\\partial \\theta_k"),
)


def _apart(found: list[tuple[Edit, str]]) -> list[tuple[Edit, str]]:
    """The edits of one rule that do not overlap one before them (``N_{out}``: the subscript read as a
    word, not also ``out`` as a name inside it): two edits of the same text would garble it."""
    kept: list[tuple[Edit, str]] = []
    for edit, message in sorted(found, key=lambda f: (f[0].start, -f[0].end)):
        if not kept or edit.start >= kept[-1][0].end:
            kept.append((edit, message))
    return kept


def apply(text: str, kind: str, notation: Letters | None) -> tuple[str, list[Finding]]:
    """``text`` with every rule of ``kind`` applied, and what each changed."""
    findings: list[Finding] = []
    for rule in RULES:
        if rule.kind != kind:
            continue
        found = _apart(rule.find(text, notation))
        if not found:
            continue
        for edit, message in sorted(found, key=lambda f: -f[0].start):
            text = text[:edit.start] + edit.replacement + text[edit.end:]
        findings.extend(Finding(rule.name, message) for _, message in found if message)
    return text, findings


# ----------------------------------------------------------------------------- display-level damage

_TEXT_MODE = re.compile(r"\\tag\*?\{[^{}]*\}|\\(?:text|mbox)\{[^{}]*\}")
_PROSE = re.compile(r"(?:^|\n)\s*(where|with|for|if|and|since|then)\s+(?=[$A-Za-z])|(?<!\\)\$", re.I)


def prose_in_display(content: str) -> int | None:
    """Where prose starts inside a display (a line of words, or inline ``$…$`` math), if it does. Math in
    a ``\\tag*{$\\blacksquare$}`` or a ``\\text{…}`` is the author's LaTeX, not prose."""
    m = _PROSE.search(_TEXT_MODE.sub(lambda t: " " * len(t.group()), content))
    return m.start() if m else None


def looks_damaged(text: str) -> bool:
    """Whether LaTeX the grammar cannot read looks damaged (brackets that do not balance, control
    characters, a command left without its backslash) rather than merely beyond the grammar."""
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text) or _eaten_escapes(text, None):
        return True
    # a sized delimiter first, whatever it is (\\left\\langle, \\right[), then a delimiter command alone
    stripped = re.sub(r"\\(left|right|big|Big|bigg|Bigg)[lr]?\s*(?:\\[{}|]|\\[lr]?[Vv]ert|\\[lr]angle|[.()\[\]|])",
                      "", text)
    stripped = re.sub(r"\\[{}|]|\\[lr]?[Vv]ert|\\[lr]angle", "", stripped)
    for open_, close in ("{}", "()", "[]"):
        if stripped.count(open_) != stripped.count(close):
            return True
    return False
