"""What a node is worth: SymPy values, their shapes and arithmetic, the environment a node is
valued in, and the errors that say why a step has no value.

A value is a SymPy scalar or an ImmutableMatrix (a vector is n×1 or 1×n). The arithmetic follows
written math where it differs from linear algebra (``w_j x_i`` with two columns is a dot product).
Every other module of meaning/ builds on this one, and it imports none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp
from sympy import ImmutableMatrix

from ..latex import nodes as n

Value = sp.Expr | ImmutableMatrix


class EvaluationError(Exception):
    """The step cannot be given a meaning; ``kind`` says how to report it."""

    kind = "unsupported"


class Unsupported(EvaluationError):
    """Notation the engine cannot interpret, named precisely."""


class ShapeError(EvaluationError):
    """Sizes that do not fit: a vector added to a scalar, a 2×3 times a 2×3 ..."""


class OutOfRange(EvaluationError):
    """An index value outside its symbol's range at one instantiation (``x_j`` with j = 3 and
    x of length 2, ``w_0`` in a text that counts from 0): the range was guessed, or the text reads
    otherwise; no value, so no counterexample."""


# ----------------------------------------------------------------------------- shapes and arithmetic

def is_matrix(v: Value) -> bool:
    return isinstance(v, ImmutableMatrix)


def scalar(v: Value, what: str = "this") -> sp.Expr:
    if is_matrix(v):
        if v.shape == (1, 1):
            return v[0, 0]
        raise ShapeError(f"{what} must be a scalar but is a {shape_text(v)}")
    return v


def shape_text(v: Value) -> str:
    if not is_matrix(v):
        return "scalar"
    r, c = v.shape
    if c == 1:
        return f"column vector of length {r}"
    if r == 1:
        return f"row vector of length {c}"
    return f"{r}×{c} matrix"


def is_vector(v: Value) -> bool:
    return is_matrix(v) and 1 in v.shape


def _simplify_shape(v: Value) -> Value:
    return v[0, 0] if is_matrix(v) and v.shape == (1, 1) else v


#: ``\mathbf{I}`` written with no size and never defined: the identity matrix as large as the square
#: matrix it is added to (``X^T R X + \lambda I``). It stands for that matrix only inside a sum;
#: anywhere else it is refused (verdict/decide.py).
IDENTITY = sp.Symbol("I(identity)")
#: ``\mathbf{1}`` with nothing beside it in a product to fix its length: the vector of ones as long
#: as the vector it is added to (``\theta - c\mathbf{1}``); refused anywhere else, like IDENTITY.
ONES = sp.Symbol("1(ones)")


def add(a: Value, b: Value) -> Value:
    if is_matrix(a) != is_matrix(b):
        if not is_matrix(a) and a == 0:         # an empty sum is the zero of any shape
            return b
        if not is_matrix(b) and b == 0:
            return a
        a, b = _placeholder_sized(a, b), _placeholder_sized(b, a)
        if is_matrix(a) and is_matrix(b):
            return add(a, b)
        a2, b2 = _simplify_shape(a), _simplify_shape(b)
        if is_matrix(a2) and is_matrix(b2):
            raise ShapeError(f"adding a {shape_text(a)} and a {shape_text(b)}")
        if is_matrix(a2) or is_matrix(b2):
            return broadcast(a2, b2)
        return a2 + b2
    if is_matrix(a):
        if a.shape != b.shape:
            if is_vector(a) and is_vector(b) and len(a) == len(b):
                return ImmutableMatrix(a.shape[0], a.shape[1], [x + y for x, y in zip(a, b)])
            raise ShapeError(f"adding a {shape_text(a)} and a {shape_text(b)}")
        return a + b
    return a + b


def broadcast(a: Value, b: Value) -> Value:
    """A number added to a vector or matrix is added to every entry (``x + c``, ``x - \\mu``), as ML
    writes it; the evaluator notes it where it happens."""
    matrix, number = (a, b) if is_matrix(a) else (b, a)
    return matrix.applyfunc(lambda entry: entry + number)


def _placeholder_sized(value: Value, beside: Value) -> Value:
    """``c I`` as c times the identity shaped like the square matrix ``beside``, ``c 1`` as c times
    the ones shaped like the vector ``beside``; else ``value``."""
    if is_matrix(value) or not is_matrix(beside):
        return value
    if value.has(IDENTITY) and beside.shape[0] == beside.shape[1]:
        placeholder, matrix = IDENTITY, sp.eye(beside.shape[0]).as_immutable()
    elif value.has(ONES) and is_vector(beside):
        placeholder, matrix = ONES, ImmutableMatrix(*beside.shape, [1] * len(beside))
    else:
        return value
    coefficient = sp.expand(value).coeff(placeholder)
    if coefficient.has(placeholder) or sp.expand(value - coefficient * placeholder) != 0:
        return value
    return coefficient * matrix


#: What the evaluator notes where it reads two columns side by side as their dot product (``w_j x_i``).
DOT_OF_COLUMNS = "two columns side by side read as their dot product"


def multiply(a: Value, b: Value, notes: list[str] | None = None) -> Value:
    """Product with the conventions of written math: a column next to a column of the same length is a
    dot product (``w_j x_i``); a row next to a row is refused (see _is_row)."""
    if not is_matrix(a) or not is_matrix(b):
        return _simplify_shape(a * b) if (is_matrix(a) or is_matrix(b)) else a * b
    if a.shape[1] == b.shape[0]:
        return _simplify_shape(a * b)
    if is_vector(a) and is_vector(b) and len(a) == len(b) and not (_is_row(a) and _is_row(b)):
        if notes is not None and a.shape[1] == 1 and b.shape[1] == 1 and DOT_OF_COLUMNS not in notes:
            notes.append(DOT_OF_COLUMNS)
        return sum((x * y for x, y in zip(a, b)), sp.Integer(0))
    raise ShapeError(f"multiplying a {shape_text(a)} by a {shape_text(b)}")


def _is_row(v: Value) -> bool:
    """A row of more than one entry: two of them side by side (``w^T X^T``) are a transpose written by an
    author who takes one of them for a matrix, never a dot product the notation reads."""
    return v.shape[0] == 1 and v.shape[1] > 1


def transpose(v: Value) -> Value:
    return v.T if is_matrix(v) else v


def column(entries: list) -> ImmutableMatrix:
    return ImmutableMatrix(len(entries), 1, entries)


def row(entries: list) -> ImmutableMatrix:
    return ImmutableMatrix(1, len(entries), entries)


# ----------------------------------------------------------------------------- the environment

Env = Mapping[str, object]
#: The key under which an environment carries the example a one-example definition is used for
#: (not a name any LaTeX can produce).
SAMPLE = "(sample)"


@dataclass(frozen=True)
class Bound:
    """A definition parameter bound to a value in the body's environment."""
    value: Value


def hashable(v: object) -> object:
    """An environment value as part of a cache key (a bound vector or matrix as its entries)."""
    if isinstance(v, Bound):
        value = v.value
        return ("bound", tuple(value) if is_matrix(value) else value)
    return v


def node_text(node: n.Node) -> str:
    """A short readable rendering of a node, for messages."""
    from ..latex.render import to_latex
    return to_latex(node)
