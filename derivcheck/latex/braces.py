"""An underbrace is an annotation, and an author may mean it two ways: ``a^2 - \\underbrace{ab - ac}_{\\text{cross
terms}} + bc`` shows ``a^2 - ab - ac + bc`` with a label under two of its terms, while ``a^2 + b^2 -
\\underbrace{2ab - 2ab}_{\\text{cancel}}`` brackets what cancels. The grammar reads a brace as brackets; this
is the other reading, which the checker tries when the first does not hold (verdict/tasks.py). A brace
around terms of a sum is spliced into that sum (the sign before it is the sign of its first term); a brace
anywhere else (a factor, a whole side) keeps its content whole either way.
"""

from __future__ import annotations

from . import nodes as n


def splice_underbraces(node: n.Node) -> n.Node:
    """``node`` with every underbraced run of terms put back into the sum around it."""
    return n.rebuild(node, _spliced)


def _spliced(node: n.Node) -> n.Node:
    if not isinstance(node, n.Add) or not any(_braced_terms(t) for t in node.terms):
        return node
    terms: list[n.Node] = []
    for term in node.terms:
        inner = _braced_terms(term)
        if inner is None:
            terms.append(term)
        elif isinstance(term, n.Neg):
            terms += [_negated(inner[0]), *inner[1:]]
        else:
            terms += list(inner)
    return n.Add(tuple(terms), span=node.span)


def _braced_terms(term: n.Node) -> tuple[n.Node, ...] | None:
    """The terms under a brace standing as a term (``+ \\underbrace{b - c}``, ``- \\underbrace{b - c}``)."""
    brace = term.arg if isinstance(term, n.Neg) else term
    if isinstance(brace, n.Underbrace) and isinstance(brace.body, n.Add):
        return brace.body.terms
    return None


def _negated(term: n.Node) -> n.Node:
    return term.arg if isinstance(term, n.Neg) else n.Neg(term, span=term.span)
