"""Einstein's convention: an index written twice in one term is summed over its range.

``y_i \\log \\hat{y}_i`` is ``\\sum_i y_i \\log \\hat{y}_i`` and ``W_{pj} x_j`` is ``\\sum_j W_{pj} x_j`` in a
text that says it writes so (or under that reading of a text that does not say). The rewrite is
made on the nodes before evaluation: each term (the whole expression, a term of a sum, the body of a
derivative, the argument of a function or bracket) gets a ``Sum`` for every index letter it writes
twice and no sum inside it binds; inner terms first, so ``y_i (\\delta_{ik} - \\hat{y}_p \\delta_{pk})``
sums p inside the bracket and i outside it.
"""

from __future__ import annotations

from collections import Counter

from ..latex import nodes as n


def implied_sums(node: n.Node, letters) -> n.Node:
    """``node`` with the sums Einstein's convention leaves unwritten written out."""
    def fix(x: n.Node) -> n.Node:
        if isinstance(x, n.Add):
            return n.Add(tuple(_summed(t, letters) for t in x.terms), x.span)
        if isinstance(x, n.Deriv):
            return _with(x, body=_summed(x.body, letters))
        if isinstance(x, n.Group):
            return _with(x, arg=_summed(x.arg, letters))
        if isinstance(x, n.Apply):
            return _with(x, arg=_summed(x.arg, letters))
        return x
    return _summed(n.rebuild(node, fix), letters)


def matched_sums(lhs: n.Node, rhs: n.Node, letters) -> tuple[n.Node, n.Node]:
    """Both sides of a step by Einstein's convention, read charitably: an index left free on one side
    only (``-y_k + y_i \\hat{y}_k`` after ``-y_i (\\delta_{ik} - \\hat{y}_k)``: the author distributed a
    summed product and wrote the index once) is summed in the terms that write it."""
    lhs, rhs = implied_sums(lhs, letters), implied_sums(rhs, letters)
    left, right = n.free_indices(lhs, letters), n.free_indices(rhs, letters)
    return _summed_in_terms(lhs, left - right, letters), _summed_in_terms(rhs, right - left, letters)


def _summed_in_terms(side: n.Node, unmatched: set[str], letters) -> n.Node:
    if not unmatched:
        return side
    terms = side.terms if isinstance(side, n.Add) else (side,)
    out = []
    for term in terms:
        for letter in sorted(unmatched & n.free_indices(term, letters)):
            term = n.Sum(letter, None, None, (), term)
        out.append(term)
    return n.Add(tuple(out), side.span) if isinstance(side, n.Add) else out[0]


def _with(node, **fields):
    from dataclasses import replace
    return replace(node, **fields)


def _summed(term: n.Node, letters) -> n.Node:
    if isinstance(term, n.Add):
        return term             # its terms are summed each on its own
    if isinstance(term, n.Neg):
        return n.Neg(_summed(term.arg, letters), term.span)
    for letter in sorted(k for k, count in occurrences(term, letters).items() if count >= 2):
        term = n.Sum(letter, None, None, (), term)
    return term


def occurrences(node: n.Node, letters, bound: frozenset = frozenset()) -> Counter:
    """How often each index letter is written in ``node``, outside the sums that bind it. The terms of
    a sum each write a free index once (``\\delta_{ik} - \\hat{y}_k``): a sum counts as its busiest term."""
    if isinstance(node, n.Sum):
        return occurrences(node.body, letters, bound | {node.index})
    if isinstance(node, n.Sym):
        return Counter({node.name: 1}) if node.name in letters and node.name not in bound else Counter()
    if isinstance(node, n.Add):
        out = Counter()
        for term in node.terms:
            out |= occurrences(term, letters, bound)
        return out
    out: Counter = Counter()
    for child in n.children(node):
        out += occurrences(child, letters, bound)
    return out
