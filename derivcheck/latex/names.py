"""Names the grammar reads that are not single letters: a word of text (``\\text{CE}``), a function
written as a word (``\\mathrm{log}``), a bare ``\\sum`` used as a name for a sum, and the index a sum
leaves implicit (``\\sum e^{x_k}``).

Each is decided from the text alone; what a name means is the notation's.
"""

from __future__ import annotations

import re

from . import nodes as n
from .commands import KINDS, PROSE_WORDS
from .errors import LatexError

#: A word that can be a name: letters, then letters or digits (``CE``, ``NLL``, ``net``, ``h2``).
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
#: Functions the grammar applies by name (``\\log``, ``\\exp`` …), also when written as a word.
FUNCTION_WORDS = frozenset(name for name, kind in KINDS.items() if kind == "FUNC")
#: Letters that may name a summation index.
INDEX_LETTER = re.compile(r"[a-z]")


def word(text: n.Text) -> n.Node:
    """A ``\\text{…}`` where it stands as an operand: one word that is not prose is a name (one letter
    is that letter, several are ``\\operatorname{…}``, as ``\\mathrm{…}`` reads); anything else stays
    text (``\\text{if }``, ``\\text{otherwise}``, a sentence), which only a case or a label reads."""
    content = text.text.strip()
    if not WORD.fullmatch(content) or content.lower() in PROSE_WORDS:
        return text
    return n.Sym(content if len(content) == 1 else f"\\operatorname{{{content}}}", span=text.span)


def function_word(node: n.Node) -> str | None:
    """``\\operatorname{log}`` (``\\mathrm{log}``, ``\\text{log}``): the function ``\\log`` by name."""
    if isinstance(node, n.Sym) and node.name.startswith("\\operatorname{"):
        name = node.name[len("\\operatorname{"):-1]
        return name if name in FUNCTION_WORDS else None
    return None


def bare_operator(name: str, sub: tuple | None, sup: n.Node | None, span: n.Span) -> n.Node:
    """``\\sum`` with no index and nothing after it, ``\\sum^2``, ``\\sum_K``: the author's name for a sum
    written elsewhere (``\\frac{e_j}{\\sum}``), a symbol like any other."""
    label = None if sub is None else sub[0].name if isinstance(sub[0], n.Sym) else sub[0].text
    sym = n.Sym(name if label is None else f"{name}_{{\\text{{{label}}}}}", span=span)
    return sym if sup is None else n.Scripted(sym, sup=sup, span=span)


def primed_operator(name: str, span: n.Span) -> n.Sym:
    """``\\sum'``: the derivative of the quantity a bare ``\\sum`` names, itself a name."""
    return n.Sym(name + "'", span=span)


def implicit_index(op: str, body: n.Node, span: n.Span) -> str:
    """The index of ``\\sum x_i`` (no subscript): the one letter the body uses as an index and no sum
    inside it binds. A letter counts where it is a subscript (``x_i``, ``w_{ij}``) or a bracketed
    superscript (``x^{(i)}``). None or several: the sum cannot be read."""
    found = sorted(_index_letters(body, frozenset()))
    if len(found) == 1:
        return found[0]
    if not found:
        raise LatexError(f"{op} without an index, and nothing in its body is indexed", span[0])
    raise LatexError(f"{op} without an index, and its body is indexed by {', '.join(found)}: "
                     "which one does it sum over?", span[0])


def _index_letters(node: n.Node, bound: frozenset) -> set[str]:
    if isinstance(node, n.Sum):
        return _index_letters(node.body, bound | {node.index})
    out: set[str] = set()
    if isinstance(node, n.Scripted):
        for item in node.sub or ():
            out |= _letters(item) - bound
        if isinstance(node.sup, n.Group):
            out |= _letters(node.sup.arg) - bound
    for child in n.children(node):
        out |= _index_letters(child, bound)
    return out


def _letters(item) -> set[str]:
    """The index letters of one subscript item: ``i``, or each letter of ``ij``."""
    if isinstance(item, n.Sym) and INDEX_LETTER.fullmatch(item.name):
        return {item.name}
    if isinstance(item, n.Mul) and all(isinstance(f, n.Sym) and INDEX_LETTER.fullmatch(f.name)
                                       for f in item.factors):
        return {f.name for f in item.factors}
    return set()
