"""Names the text makes: a subscript that is part of a name (``E_D``, ``f_{w,b}``, ``h_\\theta``) and, in
a text that writes ``d`` only before a symbol, ``dW`` for the gradient by W (backpropagation's custom).
Read before anything else, so a step, a definition and a symbol's pattern all see the same names."""

from __future__ import annotations

from dataclasses import replace

from ..latex import nodes as n


def subscript_letters(node: n.Scripted) -> list[str] | None:
    """The letters of ``node``'s subscript (``_{w,b}``, ``_{xh}``, ``_\\theta``), if it is only letters."""
    if not isinstance(node.base, n.Sym) or not node.sub:
        return None
    letters: list[str] = []
    for item in node.sub:
        parts = item.factors if isinstance(item, n.Mul) else (item,)
        if not all(isinstance(p, n.Sym) for p in parts):
            return None
        letters += [p.name for p in parts]
    return letters


#: Among the names: (σ, SQUARED) where the text says "let σ = \\sqrt{σ^2 + ε}": from then on σ is the root, and
#: σ^2, written as a square, is still the variance, a name of its own (``names: ['\\sigma^2']``).
SQUARED = "^2"
#: Among the names: (W, NUMBERED) where the text numbers its layers with a bare superscript (``W^1``, ``H^1_{ij}``,
#: ``b^2_j``): ``W^2`` is the second layer's W, ``W^{(2)}``, never a power (``names: ['W^{(k)}']``).
NUMBERED = "^(k)"
#: Among the names: the text writes ``dW`` for one name (``differentials: true`` in the header).
DIFFERENTIALS = ("d", "")


def relabel(node: n.Node, names: frozenset) -> n.Node:
    """Write each listed ``E_D`` (``f_{w,b}``, ``h_\\theta``) as one symbol ``E_{D}``: its subscript is part
    of its name."""
    if not names:
        return node
    if DIFFERENTIALS in names:
        node = differential_names(node)

    def one(x: n.Node) -> n.Node:
        if isinstance(x, n.Scripted) and isinstance(x.base, n.Sym) and x.sub is None and x.sup == n.Num("2") \
                and (x.base.name, SQUARED) in names:
            return n.Sym(f"{x.base.name}^{{2}}", span=x.span)      # σ^2 after "let σ = \sqrt{σ^2 + ε}"
        number = x.sup.arg if isinstance(x, n.Scripted) and isinstance(x.sup, n.Group) else \
            x.sup if isinstance(x, n.Scripted) else None
        if isinstance(x, n.Scripted) and isinstance(x.base, n.Sym) and _positive(number) \
                and (x.base.name, NUMBERED) in names:
            layer = n.Sym(f"{x.base.name}^{{({number.text})}}", span=x.base.span)     # W^2: layer 2's W
            return layer if x.sub is None else n.Scripted(layer, sub=x.sub, span=x.span)
        letters = subscript_letters(x) if isinstance(x, n.Scripted) else None
        if letters and (x.base.name, ",".join(letters)) in names:
            named = n.Sym(f"{x.base.name}_{{{','.join(letters)}}}", span=x.span)
            return named if x.sup is None else n.Scripted(named, sup=x.sup, span=x.span)
        return x
    return n.rebuild(node, one)


def _positive(sup: n.Node | None) -> bool:
    return isinstance(sup, n.Num) and sup.text.isdigit() and sup.text != "0"


def numbered_layers(nodes: list[n.Node]) -> frozenset[tuple[str, str]]:
    """(W, NUMBERED) for each letter the text writes with the superscript 1 (``W^1``: never a power in
    practice) and that is a capital or is written with a number over it and an index under it at once
    (``b^2_j``): a layer numbered as the text numbers them. A polynomial's ``x^1`` beside ``x_i^2`` is the
    rare exception, so both marks are needed."""
    ones, entries = set(), set()
    for node in nodes:
        for x in n.walk(node):
            if isinstance(x, n.Scripted) and isinstance(x.base, n.Sym) and _positive(x.sup) and x.base.name != "e":
                if x.sup.text == "1":
                    ones.add(x.base.name)
                if x.sub is not None:
                    entries.add(x.base.name)
    return frozenset((name, NUMBERED) for name in ones if name in entries or name[:1].isupper())


def squares_renamed(nodes: list[n.Node], pieces: list[tuple[n.Node, n.Node]]) -> frozenset[tuple[str, str]]:
    """(σ, SQUARED) for each ``σ = \\sqrt{σ^2 + …}`` among ``pieces`` (a left side and the right side after
    it) where σ stands bare on the left and squared, never bare, on the right."""
    out = set()
    for lhs, rhs in pieces:
        if not isinstance(lhs, n.Sym):
            continue
        squares = [x for x in n.walk(rhs) if isinstance(x, n.Scripted) and x.base == lhs and x.sup == n.Num("2")
                   and x.sub is None]
        bare = [x for x in n.walk(rhs) if x == lhs]
        if squares and len(bare) == len(squares):
            out.add((lhs.name, SQUARED))
    return frozenset(out)


def differential_names(root: n.Node) -> n.Node:
    """``d\\hat{x}_i``, ``dW``: in a text that writes ``d`` only before a symbol (the backprop custom of
    ``dW`` for the gradient of the loss by W), ``d`` and the symbol are one name, ``d\\hat{x}``, never the
    product of a ``d`` with it."""
    def fix(x: n.Node) -> n.Node:
        if not isinstance(x, n.Mul):
            return x
        out: list[n.Node] = []
        for factor in x.factors:
            named = _prefixed(factor) if out and out[-1] == n.Sym("d") else None
            if named is not None:
                out[-1] = named
            else:
                out.append(factor)
        return out[0] if len(out) == 1 else n.Mul(tuple(out), span=x.span)
    return n.rebuild(root, fix)


def _prefixed(x: n.Node) -> n.Node | None:
    """``x`` with ``d`` put before the name it starts with (``W``, ``z_i``, the ``A`` of ``A \\odot g'(z)`` or of
    ``Z (A)^T`` read as a call), or None where it starts with no name."""
    if isinstance(x, n.Sym):
        return n.Sym("d" + x.name, span=x.span) if x.name != "d" else None
    if isinstance(x, n.Scripted):
        base = _prefixed(x.base)
        return replace(x, base=base) if base is not None else None
    if isinstance(x, n.Call):
        head = _prefixed(x.head)
        return replace(x, head=head) if head is not None else None
    if isinstance(x, n.Hadamard):
        left = _prefixed(x.left)
        return replace(x, left=left) if left is not None else None
    return None


def writes_differentials(nodes: list[n.Node]) -> bool:
    """Whether every ``d`` the text writes stands right before a symbol (``dy_i \\cdot \\gamma_i``), and one does."""
    before = alone = 0
    for node in nodes:
        for x in n.walk(node):
            if isinstance(x, n.Mul):
                for first, second in zip(x.factors, x.factors[1:]):
                    before += first == n.Sym("d") and _prefixed(second) is not None
            alone += x == n.Sym("d")
    return before > 0 and before == alone
