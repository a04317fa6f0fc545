"""Vectors and matrices written with ``\\dots``: which entry stands at which position.

``[e_1, e_2, \\dots, e_y, \\dots, e_C]`` is a claim about positions: the entries before the first
``\\dots`` stand at 1, 2, …; the ones after the last stand at …, C; an entry between two ``\\dots``
stands where the index it is written with (here y) says. An entry placed by its index wins over a
pattern entry at the same position (``[0, …, -1/a_y, …, 0]`` with y = 1). Positions no entry
claims are filled from the pattern of the entries anchored at the ends, found by rewriting one
entry's position subscripts (``S_1 \\cdot S_2`` at (1, 2) gives ``S_3 \\cdot S_2`` at (3, 2)) and
keeping what most entries agree on; a square matrix fills its diagonal only from diagonal entries.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Protocol

import sympy as sp
from sympy import ImmutableMatrix

from ..latex import nodes as n
from ..notation.header import LABEL_ROLES, Notation
from .atoms import AtomTable
from .values import Env, ShapeError, Unsupported, Value, is_matrix, row


class Evaluating(Protocol):
    """What placing entries needs of the evaluator (evaluate.Evaluator): the notation's sizes and
    families, the value of an entry and of an index, and the atom table to compare two entries."""
    notation: Notation
    atoms: AtomTable

    def value(self, node: n.Node, env: Env) -> Value: ...

    def index(self, node: n.Node, env: Env) -> int: ...


@dataclass(frozen=True)
class Placed:
    """An entry and how its position was found: ``anchor`` is the position it was written for
    (an int, or the name of the size for the last entry); None when placed by its own index."""
    node: object
    anchor: object


def resolve_vector(ev: Evaluating, node: n.Vector, env: Env) -> ImmutableMatrix:
    items = list(node.entries)
    if not any(isinstance(i, n.Dots) for i in items):
        return row([_scalar_entry(ev, e, env) for e in items])
    size = _list_size(ev, items, lambda item: [item], env)
    placed = _place(ev, items, size, lambda item: _position_of(ev, [item], env), env)
    values = []
    for pos in range(1, size + 1):
        entry = placed[pos].node if pos in placed else _fill_1d(placed, pos, size)
        values.append(_scalar_entry(ev, entry, env))
    return row(values)


def resolve_matrix(ev: Evaluating, node: n.Matrix, env: Env) -> ImmutableMatrix:
    rows = [r for r in node.rows]
    items = [n.Dots() if all(isinstance(c, n.Dots) for c in r) else r for r in rows]
    has_dots = any(isinstance(c, n.Dots) for r in rows for c in r)
    if not has_dots:
        width = len(rows[0])
        if any(len(r) != width for r in rows):
            raise ShapeError("matrix rows of different lengths")
        return ImmutableMatrix(len(rows), width, [_scalar_entry(ev, c, env) for r in rows for c in r])
    n_rows = _list_size(ev, items, lambda r: list(r), env, common=True)
    real_rows = [r for r in items if not isinstance(r, n.Dots)]
    n_cols = _column_size(ev, real_rows, env)
    placed_rows = _place(ev, items, n_rows, lambda r: _position_of(ev, list(r), env), env)
    square = n_rows == n_cols
    cells: list = []
    for r in range(1, n_rows + 1):
        for c in range(1, n_cols + 1):
            cells.append(_scalar_entry(ev, _cell(ev, placed_rows, r, c, n_rows, n_cols, square, env), env))
    return ImmutableMatrix(n_rows, n_cols, cells)


# ----------------------------------------------------------------------------- placement

def _place(ev: Evaluating, items: list, size: int, special_position, env: Env) -> dict[int, Placed]:
    dots = [i for i, item in enumerate(items) if isinstance(item, n.Dots)]
    first, last = dots[0], dots[-1]
    placed: dict[int, Placed] = {}
    size_name = _size_name(ev, size)

    def put(pos: int, entry: Placed) -> None:
        if not 1 <= pos <= size:
            raise Unsupported(f"an entry stands at position {pos}, outside 1..{size}")
        old = placed.get(pos)
        if old is None or (old.anchor is not None and entry.anchor is None):
            placed[pos] = entry
        elif (old.anchor is None) == (entry.anchor is None) and not _same_value(ev, old.node, entry.node, env):
            raise Unsupported(f"at this size two different entries stand at position {pos}; "
                              "check with larger sizes (--sizes)")

    for i, item in enumerate(items[:first]):
        put(i + 1, Placed(item, i + 1))
    tail = items[last + 1:]
    for i, item in enumerate(tail):
        pos = size - (len(tail) - 1 - i)
        put(pos, Placed(item, size_name if i == len(tail) - 1 and size_name else pos))
    for item in items[first + 1:last]:
        if not isinstance(item, n.Dots):
            put(special_position(item), Placed(item, None))
    return placed


def _position_of(ev: Evaluating, cells: list, env: Env) -> int:
    """The position an entry between two \\dots claims: the one index it is written with."""
    common = None
    for cell in cells:
        if isinstance(cell, n.Dots):
            continue
        names = _position_symbols(ev, cell, env)
        common = names if common is None else common & names
    if not common or len(common) != 1:
        shown = ", ".join(sorted(common)) if common else "none"
        raise Unsupported(f"cannot tell which position an entry between \\dots stands at "
                          f"(index symbols: {shown})")
    return ev.index(n.Sym(next(iter(common))), env)


def _position_symbols(ev: Evaluating, node, env: Env) -> set[str]:
    """Index-valued symbols in subscripts: free index letters and class labels."""
    return {x.name for sub in _subscript_items(node) for x in n.walk(sub) if _is_position(ev, x, env)}


def _is_position(ev: Evaluating, x, env: Env) -> bool:
    if not isinstance(x, n.Sym):
        return False
    fam = ev.notation.families.get(x.name)
    return isinstance(env.get(x.name), int) or (fam is not None and fam.role in LABEL_ROLES)


def _subscript_items(node):
    """Places where an entry's position can be written: subscripts (``a_1``), bracketed
    superscripts (``\theta^{(1)}``) and the value side of an event (``P(y=1|x)``)."""
    for x in n.walk(node):
        if isinstance(x, n.Scripted) and x.sub:
            yield from (i for i in x.sub if i != "substack")
        if isinstance(x, n.Scripted) and x.sup is not None:
            sup = x.sup.factors[0] if isinstance(x.sup, n.Mul) else x.sup
            if isinstance(sup, n.Group):
                yield sup.arg
        if isinstance(x, n.Rel) and x.op == "=":
            yield x.rhs


# ----------------------------------------------------------------------------- sizes

def _size_symbols(ev: Evaluating, node) -> set[str]:
    return {x.name for sub in _subscript_items(node) for x in n.walk(sub)
            if isinstance(x, n.Sym) and x.name in ev.notation.sizes}


def _list_size(ev: Evaluating, items: list, cells_of, env: Env, common: bool = False) -> int:
    """How long a list with \\dots is: the size its last entry is written with."""
    last = items[-1]
    if isinstance(last, n.Dots):
        raise Unsupported("a list that ends with \\dots has no last entry to tell its length")
    sets = [_size_symbols(ev, c) for c in cells_of(last) if not isinstance(c, n.Dots)]
    names = set.intersection(*sets) if (common and sets) else set().union(*sets) if sets else set()
    if len(names) == 1:
        return ev.notation.sizes[next(iter(names))]
    for item in items:
        if isinstance(item, n.Dots):
            continue
        for cell in cells_of(item):
            for sub in _subscript_items(cell):
                size = _axis_size_of(ev, cell, sub)
                if size is not None and any(_is_position(ev, x, env) for x in n.walk(sub)):
                    return size
    raise Unsupported("cannot tell how long a list written with \\dots is")


def _column_size(ev: Evaluating, rows: list, env: Env) -> int:
    if all(not any(isinstance(c, n.Dots) for c in r) for r in rows):
        widths = {len(r) for r in rows}
        if len(widths) == 1:
            return widths.pop()
    sets = [_size_symbols(ev, r[-1]) for r in rows if not isinstance(r[-1], n.Dots)]
    common = set.intersection(*sets) if sets else set()
    if len(common) == 1:
        return ev.notation.sizes[common.pop()]
    raise Unsupported("cannot tell how many columns a matrix written with \\dots has")


def _axis_size_of(ev: Evaluating, cell, sub) -> int | None:
    """The declared range of the family axis that subscript ``sub`` indexes, if known."""
    for x in n.walk(cell):
        if isinstance(x, n.Scripted) and x.sub and sub in x.sub and isinstance(x.base, n.Sym):
            name = x.base.name
            axes = ()
            if name in ev.notation.families:
                fam = ev.notation.families[name]
                axes = fam.sub_axes or ()
                if not axes and fam.shape:
                    return ev.notation.sizes[fam.shape[0]]
            else:
                defs = ev.notation.definitions_of(name)
                axes = defs[0].sub_axes if defs else ()
            if axes:
                return ev.notation.size_of_index(axes[0])
    return None


def _size_name(ev: Evaluating, size: int) -> str | None:
    names = [k for k, v in ev.notation.sizes.items() if v == size]
    return names[0] if len(names) == 1 else None


# ----------------------------------------------------------------------------- filling

def _fill_1d(placed: dict[int, Placed], pos: int, size: int) -> object:
    candidates = [_shifted(p.node, {p.anchor: pos}) for p in placed.values() if p.anchor is not None]
    return _majority(candidates, f"position {pos}")


def _cell(ev: Evaluating, placed_rows, r: int, c: int, n_rows: int, n_cols: int, square: bool, env: Env):
    """The written (or pattern-filled) entry at (r, c).

    A row placed by its own index (row y) is filled from its own cells; any other missing entry
    from every entry written at a pattern position, shifted in both coordinates, by majority. A
    source is skipped when its position numeral could be read as either its row or its column
    (``x_1 S_1`` at (1, 1) says nothing about (3, 1)).
    """
    prow = placed_rows.get(r)
    if prow is not None:
        cells = list(prow.node)
        if not any(isinstance(x, n.Dots) for x in cells):
            if len(cells) != n_cols:
                raise ShapeError(f"row {r} has {len(cells)} entries, not {n_cols}")
            return cells[c - 1]
        placed = _place(ev, cells, n_cols, lambda cell: _position_of(ev, [cell], env), env)
        if c in placed:
            return placed[c].node
        if prow.anchor is None:
            sources = [p for p in placed.values() if _usable(p.anchor, _pos(p.anchor, n_cols), r, c, r, square)]
            return _majority([_shifted(p.node, {p.anchor: c}) for p in sources], f"entry ({r}, {c})")
    candidates = []
    for r0, source_row in placed_rows.items():
        if source_row.anchor is None:
            continue
        for c0, cell in _anchored_cells(ev, source_row.node, n_cols, env):
            if square and (r0 == c0) != (r == c):
                continue
            if isinstance(source_row.anchor, int) and isinstance(cell.anchor, int) \
                    and source_row.anchor == cell.anchor and r != c:
                continue
            candidates.append(_shifted(cell.node, {source_row.anchor: r, cell.anchor: c}))
    return _majority(candidates, f"entry ({r}, {c})")


def _anchored_cells(ev: Evaluating, row, n_cols: int, env: Env) -> list[tuple[int, Placed]]:
    """The cells of a written row that stand at positions given by where they are written."""
    cells = list(row)
    if not any(isinstance(x, n.Dots) for x in cells):
        return [(c + 1, Placed(cell, c + 1)) for c, cell in enumerate(cells)]
    placed = _place(ev, cells, n_cols, lambda cell: _position_of(ev, [cell], env), env)
    return [(c, p) for c, p in placed.items() if p.anchor is not None]


def _usable(anchor, source_pos: int, other: int, target_pos: int, target_other: int, square: bool) -> bool:
    """Whether an entry anchored at ``source_pos`` (with ``other`` the fixed coordinate) can
    serve as the pattern for ``target_pos``."""
    if anchor is None:
        return False
    if square and (source_pos == other) != (target_pos == target_other):
        return False
    return not (isinstance(anchor, int) and anchor == other and target_pos != target_other)


def _pos(anchor, size: int) -> int:
    return size if isinstance(anchor, str) else anchor


def _shifted(node, mapping: dict) -> object:
    """``node`` with its position subscripts moved: numerals and size names per ``mapping``."""
    def move(x):
        if isinstance(x, n.Scripted):
            sub = x.sub
            if sub and sub[:1] != ("substack",):
                sub = tuple(_move_index(i, mapping) for i in sub)
            sup = x.sup
            if isinstance(sup, n.Group):
                sup = n.Group(_move_index(sup.arg, mapping), span=sup.span)
            elif isinstance(sup, n.Mul) and isinstance(sup.factors[0], n.Group):
                first = sup.factors[0]
                sup = n.Mul((n.Group(_move_index(first.arg, mapping), span=first.span),) + sup.factors[1:],
                            span=sup.span)
            return n.Scripted(x.base, sub, sup, span=x.span)
        if isinstance(x, n.Rel) and x.op == "=":
            return n.Rel(x.op, x.lhs, _move_index(x.rhs, mapping), span=x.span)
        return x
    return n.rebuild(node, move)


def _move_index(item, mapping: dict):
    if isinstance(item, n.Num) and item.text.isdigit() and int(item.text) in mapping:
        return n.Num(str(mapping[int(item.text)]), span=item.span)
    if isinstance(item, n.Sym) and item.name in mapping:
        return n.Num(str(mapping[item.name]), span=item.span)
    return item


def _majority(candidates: list, where: str):
    if not candidates:
        raise Unsupported(f"no written entry shows what stands at {where}")
    counts = Counter(candidates)
    (best, k), *rest = counts.most_common()
    if rest and rest[0][1] == k:
        raise Unsupported(f"the written entries disagree on what stands at {where}")
    return best


def _scalar_entry(ev: Evaluating, node, env: Env):
    value = ev.value(node, env)
    if is_matrix(value):
        if value.shape == (1, 1):
            return value[0, 0]
        raise ShapeError("an entry of a vector or matrix is itself a vector or matrix")
    return value


def _same_value(ev: Evaluating, a, b, env: Env) -> bool:
    """Whether two entries (or two rows of a matrix, entry by entry) placed at one position are equal."""
    if a == b:
        return True
    if isinstance(a, tuple) or isinstance(b, tuple):
        return isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) and \
            all(_same_value(ev, x, y, env) for x, y in zip(a, b))
    va, vb = ev.value(a, env), ev.value(b, env)
    return sp.expand(ev.atoms.expand(va) - ev.atoms.expand(vb)) == 0
