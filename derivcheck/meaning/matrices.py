"""Vectors and matrices: lists and matrices (dots.py places the entries of those written with
``\\dots``), elementwise products and norms, vectors of ones and standard basis vectors, entries taken
from a vector or matrix, and a family's members stacked into one.

IDENTITY and ONES (values.py) stand for an identity or a vector of ones whose size only a sum fixes;
the ones here have their size from the product they stand in or from the notation.
"""

from __future__ import annotations

import sympy as sp
from sympy import ImmutableMatrix

from ..latex import nodes as n
from ..latex.nodes import INDICATOR
from .dots import resolve_matrix, resolve_vector
from .values import ONES, Env, ShapeError, Unsupported, Value, column, is_matrix, is_vector, node_text, shape_text


class VectorsAndMatrices:
    """The Evaluator's vectors and matrices: written ones, products of them entry by entry, norms,
    ones and basis vectors, and entries of a vector or matrix. A part of Evaluator (evaluate.py):
    ``self`` is the whole evaluator."""

    def _vector(self, node: n.Vector, env: Env) -> Value:
        return resolve_vector(self, node, env)

    def _matrix(self, node: n.Matrix, env: Env) -> Value:
        return resolve_matrix(self, node, env)

    def _hadamard(self, node: n.Hadamard, env: Env) -> Value:
        """``a \\odot b`` entry by entry; ``A : B``, the Frobenius product, is the sum of those entries."""
        a, b = self.value(node.left, env), self.value(node.right, env)
        if node.op in n.SUM_OF_PRODUCTS:
            return sum(self._entrywise(node, a, b), sp.Integer(0)) if is_matrix(a) or is_matrix(b) else a * b
        return self._entrywise(node, a, b)

    def _entrywise(self, node: n.Hadamard, a: Value, b: Value) -> Value:
        if not is_matrix(a) and not is_matrix(b):
            return self._elementwise(node, ImmutableMatrix([a]), ImmutableMatrix([b]))[0]   # of two numbers
        if is_vector(a) and is_vector(b) and len(a) == len(b) and a.shape != b.shape:
            b = b.T                 # a row and a column of one length: entry by entry (orientation is not judged)
        if not (is_matrix(a) and is_matrix(b) and a.shape == b.shape):
            raise ShapeError(f"elementwise product of a {shape_text(a)} and a {shape_text(b)}")
        return self._elementwise(node, a, b)

    def _elementwise(self, node: n.Hadamard, a: ImmutableMatrix, b: ImmutableMatrix) -> ImmutableMatrix:
        if node.op == "\\oslash":
            if any(e == 0 for e in b):
                raise Unsupported(f"division by zero in {node_text(node)}")
            return a.multiply_elementwise(b.applyfunc(lambda e: 1 / e))
        return a.multiply_elementwise(b)

    def _norm(self, node: n.Norm, env: Env) -> Value:
        value = self.value(node.arg, env)
        entries = list(value) if is_matrix(value) else [value]
        return sp.sqrt(sum((e ** 2 for e in entries), sp.Integer(0)))

    def _ones(self, factor: n.Node) -> str | None:
        """"column" or "row" for a vector of ones written without its length (``\\mathbf{1}``,
        ``\\mathbf{1}^T``); None for any other factor."""
        if isinstance(factor, n.Sym) and factor.name == INDICATOR:
            return "column"
        if isinstance(factor, n.Scripted) and factor.base == n.Sym(INDICATOR) and not factor.sub:
            sup_index, power, transposed = self.notation.superscript(factor)
            if transposed and power is None and not sup_index:
                return "row"
        return None

    def _ones_beside(self, values: list, i: int, orientation: str) -> Value:
        neighbour = values[i + 1] if orientation == "row" and i + 1 < len(values) else \
            values[i - 1] if orientation == "column" and i > 0 else None
        if not is_matrix(neighbour):
            return ONES      # c\mathbf{1} in θ - c\mathbf{1}: its length comes from the sum (add)
        if orientation == "row":
            return ImmutableMatrix(1, neighbour.shape[0], [1] * neighbour.shape[0])
        return ImmutableMatrix(neighbour.shape[1], 1, [1] * neighbour.shape[1])

    def _unit_vector_letter(self, sub: tuple | None) -> bool:
        """``e_k`` (k an index letter) or ``e_c`` (c the class label): a standard basis vector."""
        if not (sub and len(sub) == 1 and isinstance(sub[0], n.Sym)):
            return False
        fam = self.notation.families.get(sub[0].name)
        return sub[0].name in self.notation.indices or (fam is not None and fam.role == "class label" and not fam.axes)

    def _unsized_identity(self) -> bool:
        fam = self.notation.families.get("I")
        return fam is None or (fam.role == "unknown" and not fam.axes and not fam.shape)

    def _ones_vector(self, node: n.Scripted) -> ImmutableMatrix:
        """``1_N``, ``\\mathbf{1}_N``: the column of N ones."""
        size = self.notation.sizes[node.sub[0].name]
        return ImmutableMatrix(size, 1, [1] * size)

    def _sized_ones(self, node: n.Scripted) -> bool:
        return node.base in (n.Num("1"), n.Sym(INDICATOR)) and len(node.sub or ()) == 1 \
            and isinstance(node.sub[0], n.Sym) and node.sub[0].name in self.notation.sizes

    def _entry_of(self, value: Value, sub: tuple, env: Env, name: str) -> Value:
        if not sub:
            return value
        if not is_matrix(value):
            raise ShapeError(f"{name} is a scalar here but has a subscript")
        idx = self._indices(sub, 1 if is_vector(value) else 2, env, name)
        try:
            if is_vector(value):
                return value[idx[0] - 1]
            return value[idx[0] - 1, idx[1] - 1]
        except IndexError:
            raise Unsupported(f"index {idx} is out of range for {name}") from None


def stack(members: list[list[Value]], over_sup: bool, over_sub: bool, sub_lengths: tuple[int, ...] = ()) -> Value:
    """Members of a family laid out as the whole: a vector over one free axis, a matrix over two
    (``Theta_{ij}`` used as ``Theta`` is the D×K matrix)."""
    if not over_sup and not over_sub:
        return members[0][0]
    if over_sup and not over_sub:
        flat = [m[0] for m in members]
    elif over_sub and not over_sup:
        flat = members[0]
        if len(sub_lengths) == 2 and all(not is_matrix(m) for m in flat):
            return ImmutableMatrix(sub_lengths[0], sub_lengths[1], flat)
    else:
        raise Unsupported("a family indexed both above and below, used without indices")
    if all(not is_matrix(m) for m in flat):
        return column(flat)
    if all(is_vector(m) for m in flat):
        cols = [list(m) for m in flat]
        return ImmutableMatrix(len(cols[0]), len(cols), [cols[c][r] for r in range(len(cols[0])) for c in range(len(cols))])
    raise Unsupported("stacking matrices")
