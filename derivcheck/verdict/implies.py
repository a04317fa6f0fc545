"""Equations that follow from equations (``A \\Rightarrow B``, ``A \\iff B``): setting a gradient to zero
and solving it, rearranging.

``X^\\top X w - X^\\top y = 0 \\Rightarrow X^\\top X w = X^\\top y \\Rightarrow w = (X^\\top X)^{-1} X^\\top y``:
neither equation holds everywhere, so neither is an identity to prove. What the text claims is that
each follows from the one before. Two ways of following are decided exactly:

- **a rearrangement**: ``B``'s two sides differ by what ``A``'s differ by, or its negative: the same
  equation, terms moved across;
- **a solution**: ``B`` says ``v = e`` for a symbol ``v`` of ``A``; ``e`` put for ``v`` in ``A`` makes it an
  identity. Then ``B`` follows wherever ``A`` has one solution (a linear equation whose matrix is
  invertible, which such texts assume and say); where ``e`` leaves ``A``'s sides different at a point,
  ``B`` names something that does not solve ``A``: refuted there, with both sides printed.

Anything else (multiplying through by a matrix, taking a square root) is not decided here.
"""

from __future__ import annotations

from collections.abc import Callable

from ..latex import nodes as n
from .decide import Outcome


def implication(given: tuple[n.Node, n.Node], lhs: n.Node, rhs: n.Node,
                decide: Callable[[n.Node, n.Node], Outcome | None]) -> tuple[Outcome, str] | None:
    """Whether ``lhs = rhs`` follows from ``given``: (outcome, "rearranged" | "solved"), or None when
    neither way decides it (``decide`` gives None for a comparison the engine cannot make)."""
    before = n.Add((given[0], n.Neg(given[1])))
    now = n.Add((lhs, n.Neg(rhs)))
    for other in (before, n.Neg(before)):
        outcome = decide(now, other)
        if outcome is not None and outcome.status == "proved":
            return outcome, "rearranged"
    variable = _solved_for(lhs, given)
    if variable is None:
        return None
    put = _put(variable, n.Group(rhs))
    outcome = decide(put(given[0]), put(given[1]))
    return (outcome, "solved") if outcome is not None and outcome.status in ("proved", "refuted") else None


def _solved_for(lhs: n.Node, given: tuple[n.Node, n.Node]) -> n.Node | None:
    """The symbol ``lhs`` names when the equation before writes it: ``w``, ``\\theta_j``, or ``\\hat{w}``
    and ``w^*`` for a ``w`` the equation before writes."""
    written = [x for side in given for x in n.walk(side)]
    if isinstance(lhs, (n.Sym, n.Scripted)) and lhs in written:
        return lhs
    plain = _undecorated(lhs)
    return plain if plain is not None and plain in written else None


def _undecorated(node: n.Node) -> n.Node | None:
    """``w`` for ``\\hat{w}``, ``w^*`` or ``w^\\star``, ``\\theta`` for ``\\hat{\\theta}`` (the grammar reads each as
    one symbol)."""
    if not isinstance(node, n.Sym):
        return None
    if node.name.endswith("^*"):
        return n.Sym(node.name[:-2])
    if node.name.startswith("\\hat{") and node.name.endswith("}"):
        return n.Sym(node.name[len("\\hat{"):-1])
    return None


def _put(variable: n.Node, value: n.Node) -> Callable[[n.Node], n.Node]:
    """A function that writes ``value`` for every ``variable`` in a node."""
    def put(node: n.Node) -> n.Node:
        return n.rebuild(node, lambda x: value if x == variable else x)
    return put
