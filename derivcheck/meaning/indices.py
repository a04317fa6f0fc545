"""Sums and indices: the whole numbers a step's indices take, the relations between them, and the
sums, products, indicators and cases they drive.

An index is evaluated like any other value and must come out a whole number. ``instances``
enumerates the values of a step's free indices; ``flat_items`` reads the indices of a subscript.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import sympy as sp

from ..latex import nodes as n
from ..notation.header import Notation
from .values import Env, Unsupported, Value, add, multiply, node_text, scalar


class SumsAndIndices:
    """The Evaluator's indices: an index's value, the relations between indices (``holds``), sums and
    products over a range, and the values a relation switches (indicators, cases). A part of
    Evaluator (evaluate.py): ``self`` is the whole evaluator."""

    def index(self, node: n.Node, env: Env) -> int:
        v = self.value(node, env)
        v = scalar(v, "an index")
        if not v.is_Integer:
            raise Unsupported(f"index {node_text(node)} does not evaluate to a whole number")
        return int(v)

    def _indices(self, sub: tuple, count: int, env: Env, name: str) -> list[int]:
        items = flat_items(sub)
        if len(items) != count:
            if len(items) == 1 and isinstance(items[0], n.Mul) and len(items[0].factors) == count \
                    and all(isinstance(f, n.Sym) for f in items[0].factors):
                items = list(items[0].factors)
            else:
                raise Unsupported(f"{name} takes {count} ind{'ex' if count == 1 else 'ices'} here, "
                                  f"but is written with {len(items)}")
        return [self.index(i, env) for i in items]

    def _indicator(self, node: n.Indicator, env: Env) -> Value:
        return sp.Integer(1) if self.holds(node.condition, env) else sp.Integer(0)

    def _cases(self, node: n.Cases, env: Env) -> Value:
        for value, condition in node.branches:
            if condition is None or self.holds(condition, env):
                return self.value(value, env)
        raise Unsupported("no branch of \\begin{cases} applies here")

    def holds(self, rel: n.Rel, env: Env) -> bool:
        """Whether an index relation such as ``k = y_i`` or ``k \\neq j`` holds here."""
        a, b = self.index(rel.lhs, env), self.index(rel.rhs, env)
        ops = {"=": a == b, "\\neq": a != b, "<": a < b, ">": a > b, "\\leq": a <= b, "\\geq": a >= b}
        if rel.op not in ops:
            raise Unsupported(f"the condition {rel.op}")
        return ops[rel.op]

    def _sum(self, node: n.Sum, env: Env) -> Value:
        total: Value | None = None
        for value in self.sum_range(node, env):
            inner = {**env, node.index: value}
            if all(self.holds(c, inner) for c in node.conditions):
                term = self.value(node.body, inner)
                if total is None:
                    total = term
                else:
                    total = multiply(total, term) if node.product else add(total, term)
        if total is None:
            return sp.Integer(1) if node.product else sp.Integer(0)
        return total

    def sum_range(self, node: n.Sum, env: Env) -> range:
        lower = 1 if node.lower is None else self.index(node.lower, env)
        if node.upper is not None:
            upper = self.index(node.upper, env)
        else:
            upper = self.notation.size_of_index(node.index)
            if upper is None:
                raise Unsupported(f"the sum over {node.index} has no upper bound and {node.index} "
                                  "has no declared range")
        if upper - lower > 10_000:
            raise Unsupported(f"a sum of {upper - lower + 1} terms")
        return range(lower, upper + 1)


def flat_items(sub) -> list[n.Node]:
    """The indices of a subscript; a run of letters ``_{ni}`` is two indices, never a product."""
    if not sub:
        return []
    items = list(sub)
    if items[:1] == ["substack"]:
        raise Unsupported("\\substack outside a sum")
    if len(items) == 1 and isinstance(items[0], n.Mul) and all(_index_like(f) for f in items[0].factors):
        return list(items[0].factors)
    return items


def _index_like(node: n.Node) -> bool:
    """One index of a run written without commas: a letter, or an indexed label (``\\pi_{i y_i}``)."""
    if isinstance(node, n.Sym):
        return len(node.name.rstrip("'")) == 1 and node.name[0].isalpha()
    return isinstance(node, n.Scripted) and isinstance(node.base, n.Sym) and node.sup is None and bool(node.sub)


def instances(letters: list[str], notation: Notation) -> Iterator[dict[str, int]]:
    """Every assignment of values to free index letters, in a fixed order."""
    ranges = []
    for letter in letters:
        size = notation.size_of_index(letter)
        if size is None:
            raise Unsupported(f"the free index {letter} has no declared range")
        ranges.append(range(1, size + 1))
    for combo in itertools.product(*ranges):
        yield dict(zip(letters, combo))
