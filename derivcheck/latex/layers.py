"""Layer labels: ``W^{(l)}``, ``a^{[L-1]}``, ``z^{(\\ell+1)}`` name one layer's quantity, not an entry
and not a power.

Backprop texts label every quantity with its layer in a bracketed superscript. Read as an index, the
label would range over sizes the text never gives; read as a power, it is nonsense. Folded into the name,
``z^{(L)}`` and ``z^{(L-1)}`` are two quantities, each with its own definition, as the text means. Only
the layer letters (l, L, \\ell), alone or plus or minus a number, are labels, in brackets or, as Nielsen writes
them, without (``a^L_j``: never a power, and never on e), and only where no sum in the same expression binds the letter (``\\sum_l \\|W^{(l)}\\|^2`` sums over layers). A number in brackets is a
layer only on δ (``\\delta^{(2)}_k``): elsewhere it may be an entry (CS229's ``\\theta^{(1)}`` beside
``\\theta^{(k)}`` is class 1's parameters, ``x^{(1)}`` the first sample).
"""

from __future__ import annotations

from . import nodes as n
from .render import to_latex

#: Letters that name a layer.
LAYER_LETTERS = frozenset({"l", "L", "\\ell"})
#: Names whose bracketed number is a layer.
NUMBERED = frozenset({"\\delta"})


def fold_layers(node: n.Node) -> n.Node:
    """``node`` with every layer label folded into its symbol's name."""
    bound = {x.index for x in n.walk(node) if isinstance(x, n.Sum)}
    return n.rebuild(n.rebuild(node, lambda x: _folded(x, bound)), _dependency)


def _dependency(node: n.Node) -> n.Node:
    """``a^l(z^l)``: a layer's quantity written as a function of another of the same layer is that function
    (the label made ``a^l`` look like a power, so the grammar read a product); ``W^{(l)}(a^{(l-1)})``, of
    another layer, stays a product."""
    if not isinstance(node, n.Mul):
        return node
    factors: list[n.Node] = []
    for factor in node.factors:
        head = factors[-1] if factors else None
        if isinstance(head, n.Sym) and isinstance(factor, n.Group) and isinstance(factor.arg, n.Sym) \
                and _layer_of(head) is not None and _layer_of(head) == _layer_of(factor.arg):
            factors[-1] = n.Call(head, (factor.arg,), span=(head.span[0], factor.span[1]))
        else:
            factors.append(factor)
    return factors[0] if len(factors) == 1 else n.Mul(tuple(factors), span=node.span)


def _layer_of(sym: n.Sym) -> str | None:
    name = sym.name
    return name[name.index("^{("):] if "^{(" in name and name.endswith(")}") else None


def _folded(node: n.Node, bound: set[str]) -> n.Node:
    if not isinstance(node, n.Scripted) or not isinstance(node.base, n.Sym):
        return node
    sup, rest = node.sup, None
    if isinstance(sup, n.Mul) and len(sup.factors) == 2:      # W^{(l)T}: the label, then a transpose
        sup, rest = sup.factors
    label = _label(sup, bound, node.base.name in NUMBERED) if node.base.name != "e" else None
    if label is None:
        return node
    name = n.Sym(f"{node.base.name}^{{({label})}}", span=node.base.span)
    if node.sub is None and rest is None:
        return name
    return n.Scripted(name, sub=node.sub, sup=rest, span=node.span)


def _label(sup: n.Node | None, bound: set[str], numbered: bool) -> str | None:
    """The text of a layer label (``L-1``, ``2`` where ``numbered``), or None where ``sup`` is none.
    Nielsen's labels go without brackets (``a^L_j``, ``w^{l+1}``): a layer letter alone, or plus or minus a
    number, is a label there too."""
    if isinstance(sup, (n.Sym, n.Add)):
        return _label(n.Group(sup), bound, False)
    if not isinstance(sup, n.Group):
        return None
    inner = sup.arg
    if numbered and _number(inner):
        return inner.text
    letter = inner
    if isinstance(inner, n.Add) and len(inner.terms) == 2 and _number(inner.terms[1]):
        letter = inner.terms[0]
    if not isinstance(letter, n.Sym) or letter.name not in LAYER_LETTERS or letter.name in bound:
        return None
    return to_latex(inner).replace(" ", "")


def _number(term: n.Node) -> bool:
    term = term.arg if isinstance(term, n.Neg) else term
    return isinstance(term, n.Num) and term.text.isdigit()
