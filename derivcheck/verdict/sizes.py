"""Sizes never prove a coincidence: a step is proved at two sets of sizes that differ in every size.

At one set of concrete sizes a wrong step can be true by accident: with two samples a dropped factor
``2/m`` is 1, and ``\\sum_{k=1}^{K} 1 = 3`` holds when K is 3. So a step proved at the first set is
proved again at a second set in which every size the text leaves open takes another value, and no
size, in either set, equals a number the step itself writes (the 2 of ``2/m``). Sizes the text fixes
(``sizes: {T: 5}``) are facts of the derivation and keep their value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..latex import nodes as n
from ..notation.header import Notation
from .decide import Context, Outcome, compare

#: A size takes no value below this: with one class or one sample most wrong steps hold.
SMALLEST = 2


def written_numbers(*nodes: n.Node) -> set[int]:
    """The whole numbers a step writes as numbers (coefficients, powers, bounds), not as indices."""
    out: set[int] = set()
    for node in nodes:
        out |= _numbers(node)
    return out


def _numbers(node: n.Node) -> set[int]:
    """Numbers in arithmetic: factors, terms, powers. Not the numbers that name an entry or a class
    (``x_3``, ``P(y = 1 | x)``, ``\\mathbf{1}\\{y = 2\\}``, a cases condition) or a sum's bounds."""
    if isinstance(node, n.Num):
        return {int(node.text)} if node.text.isdigit() else set()
    if isinstance(node, (n.Rel, n.Indicator, n.Given)):
        return set()
    if isinstance(node, n.Scripted):
        return _numbers(node.base) | (_numbers(node.sup) if _is_power(node.sup) else set())
    if isinstance(node, n.Sum):
        return _numbers(node.body)
    if isinstance(node, n.Cases):
        return set().union(*(_numbers(value) for value, _ in node.branches))
    out: set[int] = set()
    for child in n.children(node):
        out |= _numbers(child)
    return out


def _is_power(sup: n.Node | None) -> bool:
    """``x^2``, ``e^{-2z}``; not ``x^{(2)}``, ``W^{[2]}``, ``\\theta^{(2)\\top}`` (a layer, a sample, a class)."""
    head = sup.factors[0] if isinstance(sup, n.Mul) else sup
    return sup is not None and not isinstance(head, n.Group)


def size_sets(notation: Notation, written: set[int], elided: bool) -> tuple[dict[str, int], dict[str, int]]:
    """Two assignments of the sizes the text leaves open (those with a role), as overrides by name:
    the first as close to the notation's own as the written numbers allow, the second different in
    every size. The second goes down where it can (3 classes, then 2: no dearer to decide), but not
    in a step with ``\\dots`` (its written entries need their room) and never below 2."""
    first: dict[str, int] = {}
    second: dict[str, int] = {}
    for name, value in sorted(notation.sizes.items()):
        if name not in notation.size_roles or name in notation.fixed_sizes:
            continue
        options = [v for v in _candidates(value, elided) if v not in written]
        first[name], second[name] = options[0], options[1]
    return first, second


def _candidates(value: int, elided: bool) -> list[int]:
    below = [value - 1] if value - 1 >= SMALLEST and not elided else []
    return [value] + below + list(range(value + 1, value + 40))


def _elides(*nodes: n.Node) -> bool:
    return any(isinstance(x, n.Dots) for node in nodes for x in n.walk(node))


def prove(contexts: Callable[[dict[str, int]], Context], base: Context, lhs: n.Node, rhs: n.Node, relation: str,
          assumptions: tuple[n.Rel, ...] = ()) -> Outcome:
    """``lhs relation rhs`` decided at the first size set and, once proved, at the second: proved only
    if proved at both; refuted if either gives a counterexample (the outcome names sizes that are
    not the notation's own). ``contexts`` gives the Context of the notation at other sizes."""
    first, second = size_sets(base.notation, written_numbers(lhs, rhs, *assumptions), _elides(lhs, rhs))
    own = all(base.notation.sizes[name] == value for name, value in first.items())
    outcome = compare(base if own else contexts(first), lhs, rhs, relation, assumptions)
    if not own:
        outcome = _named(outcome, first)
    if outcome.status != "proved" or not second:
        return outcome
    again = compare(contexts(second), lhs, rhs, relation, assumptions)
    if again.status != "proved":
        return _named(again, second)
    cases = again.instances.rsplit(": ", 1)[-1]
    return replace(outcome, instances=f"{outcome.instances}; again with {_sizes_text(second)}: {cases}")


def _named(outcome: Outcome, sizes: dict[str, int]) -> Outcome:
    """An outcome at sizes that are not the notation's own says so (its counterexample too)."""
    cex = outcome.counterexample
    if cex is not None:
        cex = replace(cex, sizes=tuple(sorted(sizes.items())))
    return replace(outcome, instances=f"with {_sizes_text(sizes)}, {outcome.instances}", counterexample=cex)


def _sizes_text(sizes: dict[str, int]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in sorted(sizes.items()))
