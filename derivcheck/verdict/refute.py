"""Counterexamples: concrete inputs at which two sides of a step differ.

Values are exact rationals substituted into the instantiated expressions and evaluated to 30
digits with SymPy's own arithmetic (no generated code: symbol names come from student text).
A point counts as a counterexample only when the difference is far above that precision.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy as sp

from ..meaning.abstract import concrete
from ..meaning.atoms import Binary, Share
from ..meaning.values import Value, is_matrix

DIGITS = 30
#: |a - b| must exceed this (relative to the sides' size) to count as a difference.
TOLERANCE = sp.Float("1e-12", DIGITS)


@dataclass(frozen=True)
class Point:
    """Input values at which the sides differ, and the sides' values there."""
    inputs: tuple[tuple[str, str], ...]
    lhs: str
    rhs: str
    entry: tuple[int, ...] | None
    functions: tuple[tuple[str, str, str], ...] = ()   # a function never defined: (name, f(u), the cubic put)


def find_difference(lhs: Value, rhs: Value, attempts: int = 4, seed: int = 0, violates=None) -> Point | None:
    """A point where ``lhs`` and ``rhs`` (fully expanded) differ, or None if none was found.

    ``violates(a, b)`` replaces "differ" for inequalities (a claimed ``a <= b`` fails when a > b).
    """
    return sample_difference(lhs, rhs, attempts, seed, violates)[0]


#: The functions with values at a point (Γ is the factorial ``y!``).
_WITH_VALUES = (sp.exp, sp.log, sp.tanh, sp.sin, sp.cos, sp.gamma)


def sample_difference(lhs: Value, rhs: Value, attempts: int = 4, seed: int = 0,
                      violates=None) -> tuple[Point | None, int]:
    """find_difference, and how many entry comparisons had real values on both sides (zero means
    the sampling says nothing: "equal at every sampled point" would be untrue)."""
    rng = random.Random(seed)
    pairs, functions = _concrete_pairs(_entry_pairs(lhs, rhs), rng)
    variables = sorted(set().union(*(a.free_symbols | b.free_symbols for _, a, b in pairs)), key=str)
    if any(a.atoms(sp.Function) - a.atoms(*_WITH_VALUES) or b.atoms(sp.Function) - b.atoms(*_WITH_VALUES)
           for _, a, b in pairs):
        return None, 0  # undefined functions have no values
    compared = 0
    shares = sum(isinstance(v, Share) for v in variables)
    for attempt in range(attempts):
        point = {v: _share(rng, shares) if isinstance(v, Share) else _value(v, rng, attempt) for v in variables}
        for entry, a, b in pairs:
            va, vb = _numeric(a, point), _numeric(b, point)
            if va is None or vb is None:
                continue
            compared += 1
            scale = max(sp.Float(1, DIGITS), abs(va), abs(vb))
            margin = TOLERANCE * scale
            bad = violates(va - margin, vb) if violates else abs(va - vb) > margin
            if bad:
                inputs = tuple((str(v), str(point[v])) for v in variables)
                return Point(inputs, _show(va), _show(vb), entry, functions), compared
    return None, compared


def _concrete_pairs(pairs: list, rng: random.Random) -> tuple[list, tuple[tuple[str, str, str], ...]]:
    """The pairs with each function the text never defines replaced by one concrete cubic."""
    flat, functions = concrete([x for _, a, b in pairs for x in (a, b)], rng)
    return [(entry, flat[2 * i], flat[2 * i + 1]) for i, (entry, _, _) in enumerate(pairs)], functions


def _entry_pairs(lhs: Value, rhs: Value):
    if is_matrix(lhs) and is_matrix(rhs):
        if lhs.shape == rhs.shape:
            rows, cols = lhs.shape
            return [((r + 1, c + 1) if min(rows, cols) > 1 else (r * cols + c + 1,), lhs[r, c], rhs[r, c])
                    for r in range(rows) for c in range(cols)]
        return [((i + 1,), a, b) for i, (a, b) in enumerate(zip(lhs, rhs))]
    return [(None, lhs, rhs)]


def _value(v: sp.Symbol, rng: random.Random, attempt: int) -> sp.Rational:
    """Small, readable values first (non-zero integers), then fractions; 0 or 1 for what the text says is."""
    if isinstance(v, Binary):       # every one 0, then every one 1, then mixed
        return sp.Integer(attempt if attempt < 2 else rng.randint(0, 1))
    if attempt == 0:
        value = rng.choice([1, 2, -1, 3, -2])
    else:
        value = sp.Rational(rng.randint(-9, 9), rng.randint(1, 4))
        if value == 0:
            value = sp.Rational(1, 2)
    if v.is_positive and value <= 0:
        value = -value + 1
    return sp.Rational(value)


def _share(rng: random.Random, shares: int) -> sp.Rational:
    """At most 3/4 for all the free shares together, so the last entry of each distribution
    (one minus the others) stays positive."""
    return sp.Rational(rng.randint(1, 3), 4 * shares)


def _numeric(expr: sp.Expr, point: dict) -> sp.Expr | None:
    try:
        value = expr.xreplace(point).evalf(DIGITS)
    except (ZeroDivisionError, ValueError, TypeError):
        return None
    if not value.is_number or value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not value.is_real:
        return None
    return value


def _show(value: sp.Expr) -> str:
    """Six significant digits; a value far below the working precision is shown as 0."""
    if abs(value) < sp.Float("1e-25"):
        return "0"
    return str(sp.Float(value, 6))
