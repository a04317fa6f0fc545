"""Differentials as matrix calculus writes them: ``dy = A\\,dx``, ``df = 2y : dy``.

A text that names its variables' differentials (``differentials: [x]`` in the header, one reading the
notation infers where ``d`` stands before a symbol) means by ``dX`` the first-order change of X when
each listed variable v moves by its own dv: ``dX = Σ_v ∂X/∂v dv``, through every definition X rests on.
Everything else (A, b, λ) is held fixed: a text writes the differential only of what varies. ``dv`` of a
listed variable is a variable of its own, entry by entry (``dx[1]``), so a step is an identity in x and
dx together and is decided like any other.
"""

from __future__ import annotations

import re

import sympy as sp

from ..latex import nodes as n
from .atoms import variable
from .values import Env, Value, is_matrix

#: What follows a family's name in a variable's symbol: its entry (``_{2}``, ``[1,2]``).
_ENTRY = re.compile(r"(\^\{\([^{}]*\)\})?(_\{[^{}]*\})?(\[[^\]]*\])?$")


class Differentials:
    """The Evaluator's differentials. A part of Evaluator (evaluate.py): ``self`` is the whole evaluator."""

    def _is_differential(self, name: str) -> bool:
        """Whether ``name`` is ``d`` before a quantity that varies with the listed variables (``dx``, ``dy``
        of y = Ax - b), and not a name the text gives a meaning of its own (one it never defines is unknown)."""
        varying = self.notation.differentials
        if not varying or len(name) < 2 or not name.startswith("d") or self.notation.definitions_of(name):
            return False
        family = self.notation.families.get(name)
        if family is not None and family.role != "unknown":
            return False
        base = name[1:]
        return base in varying or bool(self.notation.definitions_of(base))

    def _differential(self, base: str, sub: tuple, sup_index: tuple, args: tuple, env: Env, node: n.Node) -> Value:
        value = self.atoms.expand(self.symbol(base, sub, sup_index, args, env, node))
        if is_matrix(value):
            return value.applyfunc(self._change)
        return self._change(value)

    def _change(self, expr: sp.Expr) -> sp.Expr:
        """Σ_v ∂expr/∂v dv over the entries v of the listed variables that ``expr`` depends on."""
        varying = self.notation.differentials
        moving = sorted((s for s in expr.free_symbols if _ENTRY.sub("", s.name) in varying), key=lambda s: s.name)
        return sp.Add(*(sp.diff(expr, s) * variable("d" + s.name) for s in moving))
