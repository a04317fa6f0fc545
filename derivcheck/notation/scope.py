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




def narrowed(node: n.Node) -> n.Node:
    """``node`` with each derivative operator written before a product (``\\frac{\\partial}{\\partial z_i}
    e^{z_j} (\\sum_k e^{z_k})``, the quotient rule's first term) taking only the factor right after it."""
    def narrow(x: n.Node) -> n.Node:
        if isinstance(x, n.Deriv) and x.operator and isinstance(x.body, n.Mul) and len(x.body.factors) > 1:
            first, *rest = x.body.factors
            return n.Mul((replace(x, body=first), *rest))
        return x
    return n.rebuild(node, narrow)


def writes_wide_operator(node: n.Node) -> bool:
    """Whether ``node`` has a derivative operator written before a product of several factors."""
    return any(isinstance(x, n.Deriv) and x.operator and isinstance(x.body, n.Mul) and len(x.body.factors) > 1
               for x in n.walk(node))


def writes_narrow_operator(node: n.Node) -> bool:
    """Whether ``node`` has a derivative operator that takes a bracket and stands before more factors."""
    return any(isinstance(x, n.Mul) and any(isinstance(f, n.Deriv) and isinstance(f.body, n.Group)
                                            for f in x.factors[:-1]) for x in n.walk(node))

def inherited_lower_limits(lhs: n.Node, rhs: n.Node) -> tuple[n.Node, n.Node]:
    """``\\sum_{j=0}^n |\\theta_j| = |\\theta_j| + \\sum_{k \\neq j}^n |\\theta_k|``: a sum written with its upper
    limit and no lower one runs from where the step's other sums to that same limit start (one start only)."""
    starts: dict[n.Node, set] = {}
    for side in (lhs, rhs):
        for x in n.walk(side):
            if isinstance(x, n.Sum) and x.lower is not None and x.upper is not None:
                starts.setdefault(x.upper, set()).add(x.lower)

    def inherit(x: n.Node) -> n.Node:
        if isinstance(x, n.Sum) and x.lower is None and len(starts.get(x.upper, ())) == 1:
            return replace(x, lower=next(iter(starts[x.upper])))
        return x
    if not starts:
        return lhs, rhs
    return n.rebuild(lhs, inherit), n.rebuild(rhs, inherit)


def extended_sums(lhs: n.Node, rhs: n.Node, letters) -> tuple[n.Node, n.Node]:
    """``\\ell = \\sum_i y_i \\log h_i + (1 - y_i) \\log(1 - h_i)``: an index free on one side of an
    equation only, after a sum over it in the same run of terms, is summed by that sum: the sum reaches
    over the terms that follow and use its index (no other reading gives both sides the same free indices)."""
    left, right = n.free_indices(lhs, letters), n.free_indices(rhs, letters)
    return _extend(lhs, left - right, letters), _extend(rhs, right - left, letters)


def _extend(side: n.Node, unmatched: set[str], letters) -> n.Node:
    if not unmatched:
        return side

    def fix(x: n.Node) -> n.Node:
        if not isinstance(x, n.Add):
            return x
        terms = list(x.terms)
        for i, term in enumerate(terms):
            if isinstance(term, n.Sum) and term.index in unmatched and i + 1 < len(terms):
                follow = [t for t in terms[i + 1:] if term.index in n.free_indices(t, letters)]
                if follow and len(follow) == len(terms) - i - 1:
                    body = n.Add((term.body, *follow))
                    rest = [*terms[:i], replace(term, body=body)]
                    return rest[0] if len(rest) == 1 else n.Add(tuple(rest), x.span)
        return x
    return n.rebuild(side, fix)
