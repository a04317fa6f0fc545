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
    """``node`` with the sums Einstein's convention leaves unwritten written out: outer terms first, so
    a letter repeated in a term binds there, and a bracket inside (``y_i (e^{\\theta_i} \\delta_{ik} - …)``)
    does not sum it again on its own."""
    return _term(node, frozenset(letters), frozenset())


def _term(node: n.Node, letters: frozenset, bound: frozenset) -> n.Node:
    """A term: its repeated free letters summed around it, its brackets read as terms of their own."""
    if isinstance(node, n.Add):
        return n.Add(tuple(_term(t, letters, bound) for t in node.terms), node.span)
    if isinstance(node, n.Neg):
        return n.Neg(_term(node.arg, letters, bound), node.span)
    repeated = sorted(k for k, count in occurrences(node, letters - bound, inner_once=True).items() if count >= 2)
    node = _inside(node, letters, bound | set(repeated))
    for letter in repeated:
        node = n.Sum(letter, None, None, (), node)
    return node


def _inside(node: n.Node, letters: frozenset, bound: frozenset) -> n.Node:
    """``node``'s parts: brackets, function arguments and derivative bodies are terms of their own."""
    if isinstance(node, (n.Group, n.Apply)):
        return _with(node, arg=_term(node.arg, letters, bound))
    if isinstance(node, n.Deriv):
        return _with(node, body=_term(node.body, letters, bound))
    if isinstance(node, n.Call):
        return _with(node, head=_inside(node.head, letters, bound),
                     args=tuple(_term(a, letters, bound) for a in node.args))
    if isinstance(node, n.Sum):
        return _with(node, body=_inside(node.body, letters, bound | {node.index}))
    changes = {}
    for field in node.__dataclass_fields__:
        value = getattr(node, field)
        if field != "span" and _is_node(value):
            changes[field] = _inside(value, letters, bound)
        elif field != "span" and isinstance(value, tuple) and value and all(_is_node(v) for v in value):
            changes[field] = tuple(_inside(v, letters, bound) for v in value)
    return _with(node, **changes) if changes else node


def matched_sums(lhs: n.Node, rhs: n.Node, letters, start: n.Node | None = None) -> tuple[n.Node, n.Node]:
    """Both sides of a step by Einstein's convention, read charitably: an index left free on one side
    only is summed over the smallest expression that writes it (``y_i \\hat{y}_k`` after a distributed
    product: the sum of y_i; ``e^{\\theta_i}/e^{\\theta_m}``: the sum of the exponentials in the denominator)."""
    lhs, rhs = implied_sums(lhs, letters), implied_sums(rhs, letters)
    left, right = n.free_indices(lhs, letters), n.free_indices(rhs, letters)
    if start is not None:           # the chain's own free indices, where the step is one of a chain
        free = n.free_indices(implied_sums(start, letters), letters)
        return _summed_in_terms(lhs, left - free, letters), _summed_in_terms(rhs, right - free, letters)
    return _summed_in_terms(lhs, left - right, letters), _summed_in_terms(rhs, right - left, letters)


def _summed_in_terms(side: n.Node, unmatched: set[str], letters) -> n.Node:
    for letter in sorted(unmatched):
        side = _summed_smallest(side, letter, letters)
    return side


def _summed_smallest(node: n.Node, letter: str, letters) -> n.Node:
    """``node`` with a sum over ``letter`` around each smallest part that holds all its uses there: the
    terms of a sum each on its own, and down through products, brackets, fractions, derivatives and the
    base of a power, never into an exponent or an index."""
    if not _uses(node, letter, letters):
        return node
    if isinstance(node, n.Add):
        return n.Add(tuple(_summed_smallest(t, letter, letters) for t in node.terms), node.span)
    if isinstance(node, n.Mul):
        holders = [i for i, f in enumerate(node.factors) if _uses(f, letter, letters)]
        if len(holders) == 1:
            factors = list(node.factors)
            factors[holders[0]] = _summed_smallest(factors[holders[0]], letter, letters)
            return n.Mul(tuple(factors), node.span)
        return n.Sum(letter, None, None, (), node)
    holding = [f for f in node.__dataclass_fields__ if f != "span" and _uses(getattr(node, f), letter, letters)]
    if len(holding) == 1 and holding[0] in _descend(node):
        return _with(node, **{holding[0]: _summed_smallest(getattr(node, holding[0]), letter, letters)})
    return n.Sum(letter, None, None, (), node)


def _descend(node: n.Node) -> tuple[str, ...]:
    """The parts of ``node`` a sum may be pushed into."""
    if isinstance(node, (n.Neg, n.Group, n.Sqrt, n.Apply)):
        return ("arg",)
    if isinstance(node, n.Div):
        return ("num", "den")
    if isinstance(node, n.Scripted) and not isinstance(node.base, n.Sym):
        return ("base",)
    if isinstance(node, n.Deriv):
        return ("body",)
    if isinstance(node, n.Sum):
        return ("body",)
    return ()


def _uses(value: object, letter: str, letters) -> bool:
    if isinstance(value, tuple):
        return any(_uses(v, letter, letters) for v in value)
    return _is_node(value) and letter in n.free_indices(value, letters)


def _is_node(x: object) -> bool:
    return hasattr(x, "__dataclass_fields__")


def _with(node, **fields):
    from dataclasses import replace
    return replace(node, **fields)


def occurrences(node: n.Node, letters, bound: frozenset = frozenset(), inner_once: bool = False) -> Counter:
    """How often each index letter is written in ``node``, outside the sums that bind it. The terms of
    a sum each write a free index once (``\\delta_{ik} - \\hat{y}_k``): a sum counts as its busiest term;
    with ``inner_once``, as one use at most (a letter repeated inside one term of a bracket is that
    term's own, unless the letter is also written outside the bracket)."""
    if isinstance(node, n.Sum):
        return occurrences(node.body, letters, bound | {node.index}, inner_once)
    if isinstance(node, n.Sym):
        return Counter({node.name: 1}) if node.name in letters and node.name not in bound else Counter()
    if isinstance(node, n.Add):
        out = Counter()
        for term in node.terms:
            out |= occurrences(term, letters, bound, inner_once)
        return Counter({k: 1 for k in out}) if inner_once else out
    out: Counter = Counter()
    for child in n.children(node):
        out += occurrences(child, letters, bound, inner_once)
    return out
