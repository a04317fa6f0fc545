"""Sums written out with ``\\dots``: ``a_1 + a_2 + \\dots + a_n`` is ``\\sum_{k=1}^{n} a_k``.

An author who writes a sum term by term names its pattern by example: the terms before the dots
differ only in one written index (``p_1`` then ``p_2``), and the term after them is the same pattern
at the last value (``p_n``, ``p_K``, ``p_{n-1}``). Such an ``Add`` is rewritten as the ``Sum`` it
abbreviates, and evaluated as one. A sum whose written terms do not follow one pattern (a middle term
written otherwise, two indices that move differently) is not guessed at: it stays unsupported.
"""

from __future__ import annotations

from ..latex import nodes as n

#: The letter the rewritten sum binds (reported nowhere; chosen to clash with no author's letter).
INDEX = "\\#k"


def as_sum(node: n.Add) -> n.Node | None:
    """The ``Sum`` (plus the terms outside the pattern) that ``node`` abbreviates, or None."""
    terms = list(node.terms)
    dots = [i for i, t in enumerate(terms) if isinstance(t, n.Dots)]
    if len(dots) != 1 or dots[0] == 0 or dots[0] == len(terms) - 1:
        return None
    at = dots[0]
    first = terms[at - 2] if at >= 2 else terms[at - 1]
    second = terms[at - 1] if at >= 2 else None
    last = terms[at + 1]
    found = _pattern(first, second, last)
    if found is None:
        return None
    pattern, lower, upper = found
    summed = n.Sum(INDEX, n.Num(str(lower)), upper, (), pattern)
    before = terms[:at - 2] if at >= 2 else terms[:at - 1]
    rest = before + [summed] + terms[at + 2:]
    return rest[0] if len(rest) == 1 else n.Add(tuple(rest))


def _pattern(first: n.Node, second: n.Node | None, last: n.Node) -> tuple[n.Node, int, n.Node] | None:
    """(the general term, its first index value, its last index node) for terms written by example."""
    for start in _numerals(first):
        pattern = _replace_numeral(first, start)
        if second is not None and _instance(pattern, second) != n.Num(str(start + 1)):
            continue
        upper = _instance(pattern, last)
        if upper is None or upper == n.Num(str(start)):
            continue
        return pattern, start, upper
    return None


def _numerals(node: n.Node) -> list[int]:
    """The numerals written as indices (subscripts) in ``node``, in order, each once."""
    out: list[int] = []
    for x in n.walk(node):
        if isinstance(x, n.Scripted) and x.sub:
            for item in x.sub:
                if isinstance(item, n.Num) and item.text.isdigit() and int(item.text) not in out:
                    out.append(int(item.text))
    return out


def _replace_numeral(node: n.Node, value: int) -> n.Node:
    """``node`` with every subscript numeral ``value`` replaced by the sum's index."""
    def swap(x: n.Node) -> n.Node:
        if isinstance(x, n.Scripted) and x.sub and n.Num(str(value)) in x.sub:
            return n.Scripted(x.base, tuple(n.Sym(INDEX) if item == n.Num(str(value)) else item for item in x.sub),
                              x.sup, x.span)
        return x
    return n.rebuild(node, swap)


def _instance(pattern: n.Node, term: n.Node) -> n.Node | None:
    """The one node that stands for the index wherever ``pattern`` has it, if ``term`` is the pattern
    with that node put in (and is otherwise the same); None if it is not."""
    found: list[n.Node] = []
    if not _match(pattern, term, found):
        return None
    return found[0] if found and all(f == found[0] for f in found) else None


def _match(pattern, term, found: list) -> bool:
    if isinstance(pattern, n.Sym) and pattern.name == INDEX:
        found.append(term)
        return True
    if isinstance(pattern, tuple) and isinstance(term, tuple):
        return len(pattern) == len(term) and all(_match(p, t, found) for p, t in zip(pattern, term))
    if not _is_node(pattern) or not _is_node(term):
        return pattern == term
    if type(pattern) is not type(term):
        return False
    return all(_match(getattr(pattern, f), getattr(term, f), found)
               for f in pattern.__dataclass_fields__ if f != "span")


def _is_node(x: object) -> bool:
    return hasattr(x, "__dataclass_fields__")
