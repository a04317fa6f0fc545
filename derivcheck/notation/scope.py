"""How far a derivative operator reaches: ``\\frac{\\partial}{\\partial x}(A)(B)``.

Read literally, the operator takes the bracket after it, and ``(B)`` multiplies the result; many
authors mean the derivative of the whole product (the next line applies the product rule). A text
that writes such an operator is read both ways, as two readings of the whole document (never one
step one way and the next the other), and the one under which it holds best is adopted.
"""

from __future__ import annotations

from dataclasses import replace

from ..latex import nodes as n


def widened(node: n.Node) -> n.Node:
    """``node`` with each derivative operator that took only the first bracket of a product taking the
    whole rest of that product."""
    def widen(x: n.Node) -> n.Node:
        if not isinstance(x, n.Mul):
            return x
        factors = list(x.factors)
        for i, f in enumerate(factors[:-1]):
            if isinstance(f, n.Deriv) and isinstance(f.body, n.Group):
                body = n.Mul((f.body, *factors[i + 1:]))
                return n.Mul((*factors[:i], replace(f, body=body))) if i else replace(f, body=body)
        return x
    return n.rebuild(node, widen)




def writes_narrow_operator(node: n.Node) -> bool:
    """Whether ``node`` has a derivative operator that takes a bracket and stands before more factors."""
    return any(isinstance(x, n.Mul) and any(isinstance(f, n.Deriv) and isinstance(f.body, n.Group)
                                            for f in x.factors[:-1]) for x in n.walk(node))