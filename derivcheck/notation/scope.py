"""How far a derivative operator reaches: ``\\frac{\\partial}{\\partial x}(A)(B)``.

Read literally, the operator takes the bracket after it, and ``(B)`` multiplies the result; most
authors mean the derivative of the whole product (the next line applies the product rule). Where the
literal reading makes a step fail, the step is read again with every such operator taking the rest of
its product; if that proves it, the step holds under that reading, and says so.
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


NOTE = "read with the derivative operator applying to the whole product after it"
