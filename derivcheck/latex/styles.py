"""What a style, a font or a word token builds: ``\\mathbf{x}`` is x (bold is only style), ``\\hat{y}``
names another symbol, ``\\text{CE}`` is a word, and a bar with a point under it evaluates there.

The tables say which style does what; docs/notation.md lists every form with an example.
"""

from __future__ import annotations

import re
from dataclasses import replace

from lark import Token

from . import nodes as n
from .build import Listed, Prefix, finished, single, unwrap
from .commands import PROSE_WORDS
from .errors import LatexError
from .names import WORD
from .nodes import INDICATOR

#: Styles that change only how a name looks: ``\\mathbf{w}`` is w. Font switches (``\\bf``) too.
STYLE_TRANSPARENT = frozenset({"\\mathbf", "\\boldsymbol", "\\bm", "\\mathit", "\\vec", "\\mathsf",
                               "\\overrightarrow", "\\mathord", "\\pmb", "\\mathbfit", "\\bf", "\\it", "\\sf",
                               "\\tt"})
#: Styles that make another name: ``\\hat{y}`` is not y.
STYLE_NAMING = frozenset({"\\mathcal", "\\mathbb", "\\mathscr", "\\mathfrak", "\\hat", "\\widehat", "\\bar",
                          "\\overline", "\\tilde", "\\widetilde", "\\cal"})
#: Blackboard bold exists only for capitals (\\mathbb{R}, \\mathbb{E}): around a small letter, a Greek letter
#: or a decorated name (``\\mathbb{x}``, ``\\mathbb{\\theta}``, ``\\mathbb{\\hat{y}}``) an author uses it as bold.
BOLD_UNLESS_CAPITAL = frozenset({"\\mathbb"})
#: One spelling for each naming style, so ``\\widehat{y}`` and ``\\hat{y}`` are one name.
CANONICAL_STYLE = {"\\widehat": "\\hat", "\\overline": "\\bar", "\\widetilde": "\\tilde", "\\cal": "\\mathcal"}
#: Words that name a function even in ``\\text{…}``.
NAMED_FUNCTIONS = frozenset({"softmax", "sigmoid", "diag", "tr"})
#: Other spellings of a named function: the trace is ``\\operatorname{Tr}`` or ``\\text{trace}`` as often as ``tr``.
FUNCTION_SPELLINGS = {"Tr": "tr", "trace": "tr", "Trace": "tr"}
#: Commands whose content is upright math: a word in them is a name (``\\mathrm{net}``).
UPRIGHT = frozenset({"mathrm", "operatorname", "rm"})
_TEXT_TOKEN = re.compile(r"\\([a-z]+)\s*(?:\{([^{}]*)\}|(.+))\Z", re.S)


def text_token(tok: Token, span: n.Span) -> n.Node:
    """``\\text{…}``, ``\\mathrm{…}``, ``\\mathrm d``, ``{\\rm softmax}``: upright math is a name (a
    letter, or ``\\operatorname{word}``); text stays text until it is used (build.done: a word is a name
    as an operand, a label in a subscript, prose in a case)."""
    m = _TEXT_TOKEN.match(tok.value)
    command = m.group(1)
    content = (m.group(2) if m.group(2) is not None else m.group(3)).strip()
    content = FUNCTION_SPELLINGS.get(content, content)
    upright = command in UPRIGHT and not (len(content) > 1 and content.lower() in PROSE_WORDS)
    if (upright or content in NAMED_FUNCTIONS) and content.isalpha():
        return n.Sym(content if len(content) == 1 else f"\\operatorname{{{content}}}", span=span)
    return n.Text(content, span=span)


def styled(style: str, script, span: n.Span):
    """A style around its argument: transparent styles leave it (``\\mathbf{1}`` is the indicator
    symbol), naming styles make a new name of a letter, and of a letter with an index they decorate the
    letter (``\\hat{y_i}`` is ``\\hat{y}_i``)."""
    items = unwrap(script)
    if style in STYLE_TRANSPARENT and isinstance(items, tuple) and len(items) > 1 and items[0] != "substack":
        return Listed(items, span)
    inner = single(script, style)
    if style in STYLE_TRANSPARENT or style in BOLD_UNLESS_CAPITAL and _not_capital(inner):
        if isinstance(inner, n.Num) and inner.text == "1":
            return n.Sym(INDICATOR, span=span)
        return replace(inner, span=span)
    if style in STYLE_NAMING and isinstance(inner, n.Sym):
        if style == "\\mathbb" and inner.name in ("1", "I"):
            return n.Sym(INDICATOR, span=span)
        return n.Sym(f"{CANONICAL_STYLE.get(style, style)}{{{inner.name}}}", span=span)
    if style in STYLE_NAMING and _indexed_letter(inner):
        return replace(inner, base=styled(style, inner.base, inner.base.span), span=span)
    if style == "\\mathbb" and isinstance(inner, n.Num) and inner.text == "1":
        return n.Sym(INDICATOR, span=span)
    word = _spelled_word(inner)
    if word is not None:            # \mathcal{Softmax}(z_i), \mathbf{NLL}: a word in a font is a name
        word = word.lower() if word.lower() in NAMED_FUNCTIONS else FUNCTION_SPELLINGS.get(word, word)
        return n.Sym(f"\\operatorname{{{word}}}", span=span)
    raise LatexError(f"{style}{{...}} around a compound expression is not understood", span[0])


def _spelled_word(node: n.Node) -> str | None:
    """The word three letters or more spell side by side (``S o f t m a x``), if that is all ``node`` is."""
    letters = node.factors if isinstance(node, n.Mul) else ()
    if len(letters) >= 3 and all(isinstance(x, n.Sym) and len(x.name) == 1 and x.name.isalpha() for x in letters):
        return "".join(x.name for x in letters)
    return None


def _not_capital(node: n.Node) -> bool:
    """Whether a name is not one capital Latin letter or the digit 1 (which blackboard bold is for)."""
    base = node.base if isinstance(node, n.Scripted) else node
    return isinstance(base, n.Sym) and not re.fullmatch(r"[A-Z1]", base.name)


def _indexed_letter(node: n.Node) -> bool:
    """``y_i``, ``x^{(i)}``: a name with an index and no power, whose decoration is the name's."""
    return isinstance(node, n.Scripted) and isinstance(node.base, n.Sym) and \
        (node.sup is None and bool(node.sub) or isinstance(node.sup, n.Group))


def word_over(inner) -> str | None:
    """``a^{\\max}``, ``w^{\\text{new}}``: a word written over a symbol, which names another symbol
    (the superscript that makes the name, or None where the superscript is no word)."""
    if isinstance(inner, Prefix) and inner.kind == "func":
        return f"^{{\\{inner.name}}}"
    if isinstance(inner, n.Text) and WORD.fullmatch(inner.text.strip()):
        return f"^{{\\text{{{inner.text.strip()}}}}}"
    return None


def evaluated_at(body: n.Node, script, span: n.Span) -> n.At:
    """``\\left. f \\right|_{x=a}``: ``f`` with each variable of the subscript set to its value."""
    point = finished(script)
    if not point or not all(isinstance(r, n.Rel) and r.op == "=" and isinstance(r.lhs, (n.Sym, n.Scripted))
                            for r in point):
        raise LatexError("a bar with a subscript that is not a point (x = a)", span[0])
    return n.At(body, tuple(point), span=span)
