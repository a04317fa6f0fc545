"""Lazy products: sums of einsum terms kept unexpanded until an axis is summed.

A product of two factors that share an axis is an einsum not yet run (``Term``); a sum of such
products is a ``Lazy``. Keeping them lazy lets a later sum over samples (or any axis) contract
inside one einsum (BLAS underneath) instead of materialising samples × features × classes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from .arrays import COL, ROW, Arr, LiftError, align, op

_FRESH = itertools.count()


@dataclass(frozen=True)
class Term:
    """coef · Π factors, summed over the axes in ``summed``: an einsum not yet run."""
    coef: float
    factors: tuple[Arr, ...]
    summed: frozenset = frozenset()

    @property
    def free(self) -> tuple[str, ...]:
        seen: list[str] = []
        for f in self.factors:
            seen += [a for a in f.axes if a not in seen and a not in self.summed]
        return tuple(seen)

    def run(self, axes: tuple[str, ...] | None = None) -> Arr:
        out = self.free if axes is None else axes
        if not self.factors:
            return Arr(np.asarray(self.coef, dtype=float), ())
        names: dict[str, str] = {}
        for f in self.factors:
            for a in f.axes:
                names.setdefault(a, chr(ord("a") + len(names)))
        if len(self.factors) == 1 and not self.summed and self.factors[0].axes == out:
            data = self.factors[0].data
        elif not self.summed and len(self.factors) == 2:       # an elementwise product: broadcast
            x, y, axes = align(*self.factors)
            data = op(np.multiply, x, y)
            if axes != tuple(out):
                data = Arr(data, axes).order(tuple(out))
        else:
            spec = ",".join("".join(names[a] for a in f.axes) for f in self.factors) + "->" + \
                "".join(names[a] for a in out if a in names)
            data = run_einsum(spec, [f.data for f in self.factors])
        data = op(np.multiply, data, self.coef) if self.coef != 1.0 else data
        present = tuple(a for a in out if a in names)
        return Arr(data, present)


_PATHS: dict[tuple, list] = {}


def run_einsum(spec: str, arrays: list[np.ndarray]) -> np.ndarray:
    """np.einsum with its contraction path planned once per shape (a pairwise contraction is a
    BLAS matrix product: the same kernel a hand-written X.T @ (P - Y) uses)."""
    key = (spec, tuple(a.shape for a in arrays))
    path = _PATHS.get(key)
    if path is None:
        path = _PATHS[key] = np.einsum_path(spec, *arrays, optimize="greedy")[0]
    return op(np.einsum, spec, *arrays, optimize=path)


@dataclass(frozen=True)
class Lazy:
    """A sum of Terms: products and sums kept unexpanded, so that a later sum over samples (or any
    axis) contracts inside one einsum instead of materialising samples × features × classes."""
    terms: tuple[Term, ...]
    materialised: list = field(default_factory=list, compare=False, repr=False)

    @property
    def axes(self) -> tuple[str, ...]:
        seen: list[str] = []
        for t in self.terms:
            seen += [a for a in t.free if a not in seen]
        return tuple(seen)

    def lengths(self) -> dict[str, int]:
        out = {}
        for t in self.terms:
            for f in t.factors:
                out.update(zip(f.axes, f.data.shape))
        return out


Value = Arr | Lazy


def lazy(v: Value) -> Lazy:
    if isinstance(v, Lazy):
        return v
    return Lazy((Term(1.0, (v,)),))


def dense(v: Value) -> Arr:
    if isinstance(v, Arr):
        return v
    if v.materialised:
        return v.materialised[0]
    v.materialised.append(_dense(v))
    return v.materialised[0]


def elementwise(f, a, b) -> Arr:
    x, y, axes = align(dense(a), dense(b))
    return Arr(op(f, x, y), axes)


def _dense(v: Lazy) -> Arr:
    axes = v.axes
    total = None
    for t in v.terms:
        part = t.run()
        total = part if total is None else Arr(*_added(total, part))
    if total is None:
        return Arr.scalar(0.0)
    return Arr(total.order(axes), axes) if axes else total


def _added(a: Arr, b: Arr):
    x, y, axes = align(a, b)
    return op(np.add, x, y), axes


def plus(a: Value, b: Value) -> Value:
    terms = lazy(a).terms + lazy(b).terms
    if len(terms) > MAX_TERMS:
        return dense(Lazy(terms))
    return Lazy(terms)


def negate(v: Value) -> Value:
    if isinstance(v, Arr):
        return Arr(op(np.negative, v.data), v.axes)
    return Lazy(tuple(Term(-t.coef, t.factors, t.summed) for t in v.terms))


def rename(v: Value, old: str, new: str) -> Value:
    if isinstance(v, Arr):
        return v.rename(old, new)
    return Lazy(tuple(Term(t.coef, tuple(f.rename(old, new) for f in t.factors), t.summed) for t in v.terms))


def _compact(v: Value, other: Value) -> Value:
    """A sum materialised before it is distributed, when it is no bigger than the other factor
    ((g − y)·x: one (n×K) array and one matmul, not two matmuls)."""
    if not isinstance(v, Lazy) or len(v.terms) < 2:
        return v
    lengths = v.lengths()
    size = int(np.prod([lengths[a] for a in v.axes])) if v.axes else 1
    biggest = max((f.data.size for t in lazy(other).terms for f in t.factors), default=1)
    return dense(v) if size <= max(biggest, 1) else v


def times(a: Value, b: Value) -> Value:
    """A product with the checker's conventions for vectors (evaluate.multiply), kept lazy."""
    pa = [x for x in (ROW, COL) if x in _axes(a)]
    pb = [x for x in (ROW, COL) if x in _axes(b)]
    contract = None
    if pa and pb:
        if COL in pa and ROW in pb:                  # (…×n)(n×…): matrix product
            contract = (COL, ROW)
        elif pa == pb and len(pa) == 1:              # two vectors of one orientation: a dot product
            contract = (pa[0], pa[0])
        elif not (pa == [ROW] and pb == [COL]):      # column times row is an outer product
            raise LiftError(f"a product of arrays with axes {_axes(a)} and {_axes(b)}")
    summed: frozenset = frozenset()
    if contract:
        shared = f"#k{next(_FRESH)}"
        a, b = rename(a, contract[0], shared), rename(b, contract[1], shared)
        summed = frozenset({shared})
    a, b = _compact(a, b), _compact(b, a)
    terms = tuple(Term(ta.coef * tb.coef, ta.factors + tb.factors, ta.summed | tb.summed | summed)
                  for ta in lazy(a).terms for tb in lazy(b).terms)
    return dense(Lazy(terms)) if len(terms) > MAX_TERMS else Lazy(terms)


def sum_over(v: Value, axis: str, length: int) -> Lazy:
    """Σ over ``axis`` (pending); terms without the axis are multiplied by its length."""
    out = []
    for t in lazy(v).terms:
        if axis in t.free:
            out.append(Term(t.coef, t.factors, t.summed | {axis}))
        else:
            out.append(Term(t.coef * length, t.factors, t.summed))
    return Lazy(tuple(out))


def _axes(v: Value) -> tuple[str, ...]:
    return v.axes


def where(mask: Arr, yes: Value, no: Value) -> Lazy:
    """mask·yes + (1 − mask)·no with a 0/1 mask, kept lazy (so it still contracts)."""
    return plus(times(mask, yes), plus(no, negate(times(mask, no))))


#: A lazy value with more terms than this is materialised before it grows further.
MAX_TERMS = 12


def transpose(value: Value) -> Value:
    return rename(rename(rename(value, ROW, "#swap"), COL, ROW), "#swap", COL)
