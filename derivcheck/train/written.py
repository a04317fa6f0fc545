"""Written vectors and matrices (``\\dots`` included), lifted as one array.

The entries the author writes agree on a pattern (``x_d S_c``), evaluated over every position at
once; an entry placed by a label (the row of the true class y) is laid over it; a written entry
that differs from the pattern is kept where it stands. Positions follow dots.py's rules, kept
symbolic: anchored at 1, 2, … or at the size, or placed by a label.
"""

from __future__ import annotations

import numpy as np

from ..latex import nodes as n
from ..notation.header import LABEL_ROLES
from .arrays import COL, ROW, Arr, LiftError, as_float, op
from .terms import Value, elementwise, lazy, rename, sum_over, times, transpose, where


class WrittenMixin:
    """The lifter's vectors and matrices (mixed into lift.Lifter)."""

    def _vector(self, node: n.Vector, env) -> Arr:
        return self._written((tuple(node.entries),), env, rows_axis=False)

    def _matrix(self, node: n.Matrix, env) -> Arr:
        if len(node.rows[0]) == 1 and all(len(r) == 1 for r in node.rows):   # a column, as in pmatrix
            return transpose(self._written((tuple(r[0] for r in node.rows),), env, rows_axis=False))
        return self._written(tuple(node.rows), env, rows_axis=True)

    def _written(self, rows, env, rows_axis: bool) -> Arr:
        """A written vector (one row, axis #col) or matrix, \\dots included, as one array: the
        pattern the written entries agree on, evaluated over all positions at once; an entry
        placed by a label (row y) laid over it; a written entry that differs kept where it stands."""
        layout = _Layout(self, rows, rows_axis)
        # positions are plain named axes while the entries are computed (a product of two entries'
        # factors is elementwise), and become the vector's or matrix's axes at the end
        r_axis = Arr(np.arange(1, layout.n_rows + 1), ("@row",))
        c_axis = Arr(np.arange(1, layout.n_cols + 1), ("@col",))
        position_env = {**env, _R: r_axis, _C: c_axis}
        value = self._pattern(layout, position_env, r_axis, c_axis)
        sizes = {name: size for name, size in self.sizes.items()}
        for r0, cells in layout.regular_rows():
            for c0, cell in cells:
                if layout.pattern_at(r0, c0) != _shift(cell, sizes, to_numbers=True):
                    value = _overwrite(value, self.value(cell, env), r0, c0, rows_axis)
        for symbol, cells in layout.special_rows():
            row_pattern = _majority_node([_shift(c, {anchor: _C_SYM}) for anchor, c in cells if not isinstance(anchor, n.Sym)])
            # where the row stands, its label equals the row's position: the row is computed with
            # the position for the label (x_d (S_r - 1), not x_d (S_y - 1)), so its terms and the
            # pattern's share their factors and cancel where they should (mask·x·S − mask·x·S)
            row_value = self.value(row_pattern, {**position_env, symbol: r_axis})
            at = elementwise(np.equal, r_axis, self.value(n.Sym(symbol), env))
            value = where(Arr(op(as_float, at.data), at.axes), row_value, value)
        if not rows_axis:
            value = sum_over(value, "@row", 1) if "@row" in value.axes else value
        return rename(rename(value, "@row", ROW), "@col", COL)

    def _pattern(self, layout: "_Layout", env, r_axis: Arr, c_axis: Arr) -> Arr:
        if layout.diagonal is None:
            return _broadcast_positions(self.value(layout.pattern, env), r_axis, c_axis, layout.rows_axis)
        off = _broadcast_positions(self.value(layout.pattern, env), r_axis, c_axis, layout.rows_axis)
        diag = _broadcast_positions(self.value(layout.diagonal, env), r_axis, c_axis, layout.rows_axis)
        at = elementwise(np.equal, r_axis, c_axis)
        return where(Arr(op(as_float, at.data), at.axes), diag, off)

# ----------------------------------------------------------------------------- written layouts

_R, _C = "#r", "#c"
_R_SYM, _C_SYM = n.Sym(_R), n.Sym(_C)


class _Layout:
    """Where the entries of a written vector or matrix stand (dots.py's rules, with positions kept
    symbolic): rows and columns anchored at 1, 2, … or at the size, or placed by a label."""

    def __init__(self, lifter: WrittenMixin, rows, rows_axis: bool):
        self.lifter = lifter
        self.rows_axis = rows_axis
        items = [n.Dots() if all(isinstance(c, n.Dots) for c in r) else r for r in rows]
        self.row_anchors, self.n_rows = self._anchors(items, lambda r: list(r)) if rows_axis else ([1], 1)
        self.rows = [r for r in items if not isinstance(r, n.Dots)]
        last_cells = [r[-1] for r in self.rows if not isinstance(r[-1], n.Dots)]
        common = set.intersection(*[self._size_names(c) for c in last_cells]) if last_cells else set()
        column_size = common.pop() if len(common) == 1 else None
        columns = [self._anchors(list(r), lambda c: [c], column_size) for r in self.rows]
        self.cols = [anchors for anchors, _ in columns]
        self.n_cols = columns[-1][1] if columns else 0
        self.pattern, self.diagonal = self._patterns()

    def _anchors(self, items: list, cells_of, size_name: str | None = None) -> tuple[list, int]:
        """(anchor per non-dots item, length): an int, a size name (the last item), or a Sym (a label)."""
        if not any(isinstance(i, n.Dots) for i in items):
            return list(range(1, len(items) + 1)), len(items)
        if size_name is None:
            size_names = [self._size_names(c) for c in cells_of(items[-1]) if not isinstance(c, n.Dots)]
            names = set.intersection(*size_names) if size_names else set()
            if len(names) != 1:
                raise LiftError("cannot tell the length of a list written with \\dots")
            size_name = names.pop()
        length = self.lifter.sizes[size_name]
        first = next(i for i, x in enumerate(items) if isinstance(x, n.Dots))
        last = max(i for i, x in enumerate(items) if isinstance(x, n.Dots))
        anchors = []
        for i, item in enumerate(items):
            if isinstance(item, n.Dots):
                continue
            if i < first:
                anchors.append(i + 1)
            elif i > last:
                anchors.append(size_name if i == len(items) - 1 else length - (len(items) - 1 - i))
            else:
                anchors.append(n.Sym(self._position_symbol(cells_of(item))))
        return anchors, length

    def _size_names(self, node) -> set[str]:
        from ..meaning.dots import _subscript_items
        return {x.name for sub in _subscript_items(node) for x in n.walk(sub)
                if isinstance(x, n.Sym) and x.name in self.lifter.notation.sizes}

    def _position_symbol(self, cells) -> str:
        from ..meaning.dots import _subscript_items
        notation = self.lifter.notation
        common = None
        for cell in cells:
            if isinstance(cell, n.Dots):
                continue
            names = {x.name for sub in _subscript_items(cell) for x in n.walk(sub) if isinstance(x, n.Sym)
                     and (x.name in notation.indices or getattr(notation.families.get(x.name), "role", "")
                          in LABEL_ROLES)}
            common = names if common is None else common & names
        if not common or len(common) != 1:
            raise LiftError("cannot tell which position an entry between \\dots stands at")
        return next(iter(common))

    def regular_rows(self):
        for anchor, row, cols in zip(self.row_anchors, self.rows, self.cols):
            if not isinstance(anchor, n.Sym):
                yield self._int(anchor, self.n_rows), [(self._int(c, self.n_cols), cell)
                                                       for c, cell in zip(cols, _cells(row))
                                                       if not isinstance(c, n.Sym)]

    def special_rows(self):
        for anchor, row, cols in zip(self.row_anchors, self.rows, self.cols):
            if isinstance(anchor, n.Sym):
                yield anchor.name, list(zip(cols, _cells(row)))

    def _int(self, anchor, size: int) -> int:
        return size if isinstance(anchor, str) else anchor

    def _patterns(self):
        square = self.rows_axis and self.n_rows == self.n_cols
        diagonal, off = [], []
        for r_anchor, row, cols in zip(self.row_anchors, self.rows, self.cols):
            if isinstance(r_anchor, n.Sym):
                continue
            for c_anchor, cell in zip(cols, _cells(row)):
                if isinstance(c_anchor, n.Sym):
                    continue
                r0, c0 = self._int(r_anchor, self.n_rows), self._int(c_anchor, self.n_cols)
                mapping = {c_anchor: _C_SYM}
                if self.rows_axis:
                    if isinstance(r_anchor, int) and isinstance(c_anchor, int) and r_anchor == c_anchor:
                        if square:
                            diagonal.append(_shift(cell, {r_anchor: _R_SYM}))
                        continue
                    mapping[r_anchor] = _R_SYM
                (diagonal if square and r0 == c0 else off).append(_shift(cell, mapping))
        pattern = _majority_node(off or diagonal)
        diag = _majority_node(diagonal) if diagonal else None
        if diag is not None and diag == pattern:
            diag = None
        if diag is not None and not square:
            diag = None
        if diag is not None and not off:
            pattern, diag = diag, None
        return pattern, diag

    def pattern_at(self, r0: int, c0: int):
        """The pattern at (r0, c0), as the node a written entry there should equal."""
        template = self.diagonal if (self.diagonal is not None and r0 == c0) else self.pattern
        return _shift(template, {_R: r0, _C: c0}, to_numbers=True)


def _cells(row) -> list:
    return [c for c in row if not isinstance(c, n.Dots)]


def _shift(node, mapping: dict, to_numbers: bool = False):
    """``node`` with position subscripts replaced: numerals and size names by the position
    symbols (or, with ``to_numbers``, the position symbols by numerals)."""
    if to_numbers:
        from ..meaning.dots import _shifted
        return _shifted(node, mapping)
    return _shifted_to_symbols(node, mapping)


def _shifted_to_symbols(node, mapping: dict):
    def move(item):
        if isinstance(item, n.Num) and item.text.isdigit() and int(item.text) in mapping:
            return mapping[int(item.text)]
        if isinstance(item, n.Sym) and item.name in mapping:
            return mapping[item.name]
        return item

    def visit(x):
        if isinstance(x, n.Scripted):
            sub = tuple(move(i) for i in x.sub) if x.sub and x.sub[:1] != ("substack",) else x.sub
            sup = x.sup
            if isinstance(sup, n.Group):
                sup = n.Group(move(sup.arg), span=sup.span)
            return n.Scripted(x.base, sub, sup, span=x.span)
        if isinstance(x, n.Rel) and x.op == "=":
            return n.Rel(x.op, x.lhs, move(x.rhs), span=x.span)
        return x
    return n.rebuild(node, visit)


def _majority_node(candidates: list):
    from collections import Counter
    if not candidates:
        raise LiftError("no written entry shows the pattern of the elided entries")
    (best, count), *rest = Counter(candidates).most_common()
    if rest and rest[0][1] == count:
        raise LiftError("the written entries disagree on the pattern of the elided entries")
    return best


def _broadcast_positions(value: Value, r_axis: Arr, c_axis: Arr, rows_axis: bool) -> Value:
    """Make sure the value spans every position (a constant pattern such as 0 does not mention them)."""
    if "@col" not in value.axes:
        value = times(value, Arr(np.ones(len(c_axis.data)), c_axis.axes))
    if rows_axis and "@row" not in value.axes:
        value = times(value, Arr(np.ones(len(r_axis.data)), r_axis.axes))
    return value


def _overwrite(value: Value, cell: Value, r0: int, c0: int, rows_axis: bool) -> Value:
    lengths = lazy(value).lengths()
    rows = Arr((np.arange(1, lengths["@row"] + 1) == r0).astype(float), ("@row",)) if rows_axis else Arr.scalar(1.0)
    cols = Arr((np.arange(1, lengths["@col"] + 1) == c0).astype(float), ("@col",))
    return where(elementwise(np.multiply, rows, cols), cell, value)
