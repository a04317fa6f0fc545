"""Lazy products: sums of einsum terms kept unexpanded until an axis is summed.

A product of two factors that share an axis is an einsum not yet run (``Term``); a sum of such
products is a ``Lazy``. Keeping them lazy lets a later sum over samples (or any axis) contract
inside one einsum (BLAS underneath) instead of materialising samples × features × classes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from .arrays import COL, ROW, Arr, LiftError, align, is_recording, op, recorded

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

    @property
    def fixed(self) -> bool:
        """Nothing in it depends on the weights (known only while a plan is recorded)."""
        return all(recorded(f.data) is False for f in self.factors)

    def key(self) -> tuple:
        """Equal for two terms that differ at most in their coefficient."""
        return tuple(sorted((id(f.data), f.axes) for f in self.factors)), self.summed

    def run(self) -> Arr:
        """The product, summed: one einsum (a BLAS product when two factors share one axis), after
        what does not depend on the weights is contracted once (hoisted; see _hoisted)."""
        term = _hoisted(self) if is_recording() else self
        out = term.free
        if not term.factors:
            return Arr(np.asarray(term.coef, dtype=float), ())
        names: dict[str, str] = {}
        for f in term.factors:
            for a in f.axes:
                names.setdefault(a, chr(ord("a") + len(names)))
        if len(term.factors) == 1 and not term.summed and term.factors[0].axes == out:
            data = term.factors[0].data
        elif not term.summed and len(term.factors) == 2:       # an elementwise product: broadcast
            x, y, axes = align(*term.factors)
            data = op(np.multiply, x, y)
            if axes != tuple(out):
                data = Arr(data, axes).order(tuple(out))
        else:
            spec = ",".join("".join(names[a] for a in f.axes) for f in term.factors) + "->" + \
                "".join(names[a] for a in out if a in names)
            data = run_einsum(spec, [f.data for f in term.factors])
        if term.coef == -1.0:
            data = op(np.negative, data)
        elif term.coef != 1.0:
            data = op(np.multiply, data, term.coef)
        return Arr(data, out)


def _hoisted(term: Term) -> Term:
    """The same product with its fixed part worked out once, while the plan is recorded: an axis
    summed over fixed factors only is summed there (Σ_k ŷ_k), fixed factors that fit inside one
    another are multiplied (a mask and −1), factors that are all ones are dropped, and the
    coefficient goes into a fixed factor no bigger than the result. Exact: nothing is rounded
    differently except the order of additions."""
    factors, summed, coef = list(term.factors), set(term.summed), term.coef
    while True:
        fixed = [i for i, f in enumerate(factors) if recorded(f.data) is False]
        step = _sum_alone(factors, fixed, summed) or _fold_pair(factors, fixed)
        if step is None:
            break
        factors = step
    kept = [f for i, f in enumerate(factors) if not _ones(i, factors)]
    out_size = _size(Term(coef, tuple(kept), frozenset(summed)))
    for i, f in enumerate(kept):
        if coef != 1.0 and recorded(f.data) is False and f.data.size <= out_size:
            kept[i], coef = Arr(np.multiply(f.data, coef), f.axes), 1.0
    return Term(coef, tuple(kept), frozenset(summed))


def _sum_alone(factors: list, fixed: list[int], summed: set) -> list | None:
    """A summed axis that only one fixed factor carries, summed there (and no longer pending)."""
    for axis in sorted(summed):
        holders = [i for i, f in enumerate(factors) if axis in f.axes]
        if len(holders) == 1 and holders[0] in fixed:
            f = factors[holders[0]]
            summed.discard(axis)
            reduced = Arr(np.sum(f.data, axis=f.axes.index(axis)), tuple(a for a in f.axes if a != axis))
            return factors[:holders[0]] + [reduced] + factors[holders[0] + 1:]
    return None


def _fold_pair(factors: list, fixed: list[int]) -> list | None:
    """Two fixed factors, one with no axis the other lacks, as their product."""
    for i, j in itertools.permutations(fixed, 2):
        if set(factors[i].axes) <= set(factors[j].axes):
            x, y, axes = align(factors[j], factors[i])
            out = list(factors)
            out[j] = Arr(np.multiply(x, y), axes)
            return [f for k, f in enumerate(out) if k != i]
    return None


def _ones(i: int, factors: list) -> bool:
    """A fixed factor of ones whose axes other factors carry (or that has none): multiplying by it
    changes nothing."""
    f = factors[i]
    others = {a for k, g in enumerate(factors) if k != i for a in g.axes}
    return recorded(f.data) is False and set(f.axes) <= others and bool(np.all(f.data == 1.0))


def _size(term: Term) -> int:
    lengths = {a: d for f in term.factors for a, d in zip(f.axes, np.shape(f.data))}
    return int(np.prod([lengths[a] for a in term.free])) if term.free else 1


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
    """The sum, run. While a plan is recorded, the terms that do not depend on the weights are
    added up first, once (the label terms, contracted: one fixed array, left out if it is zeros,
    as an untrained bias is); each call adds or subtracts the others, then adds that array."""
    axes = v.axes
    fixed = [t for t in v.terms if t.fixed] if is_recording() else []
    fixed_ids = {id(t) for t in fixed}
    total = _summed([t for t in v.terms if id(t) not in fixed_ids])
    constant = _summed(fixed)
    if constant is not None and (total is None or not set(constant.axes) <= set(total.axes) or np.any(constant.data)):
        total = constant if total is None else Arr(*_added(total, constant))
    if total is None:
        return Arr.scalar(0.0)
    return Arr(total.order(axes), axes) if axes else total


def _summed(terms: list[Term]) -> Arr | None:
    total = None
    for t in terms:
        negative = t.coef == -1.0 and total is not None
        part = (Term(1.0, t.factors, t.summed) if negative else t).run()
        total = part if total is None else Arr(*_added(total, part, np.subtract if negative else np.add))
    return total


def _added(a: Arr, b: Arr, how=np.add):
    x, y, axes = align(a, b)
    return op(how, x, y), axes


def plus(a: Value, b: Value) -> Value:
    terms = _merged(lazy(a).terms + lazy(b).terms)
    if len(terms) > MAX_TERMS:
        return dense(Lazy(terms))
    return Lazy(terms)


def _merged(terms: tuple[Term, ...]) -> tuple[Term, ...]:
    """Like terms (the same factors, summed alike) added: mask·x·S − mask·x·S cancels. A term that
    cancels is dropped unless it alone carries an axis (then it stays, as zeros)."""
    groups: dict[tuple, Term] = {}
    for t in terms:
        key = t.key()
        seen = groups.get(key)
        groups[key] = t if seen is None else Term(seen.coef + t.coef, seen.factors, seen.summed)
    merged = list(groups.values())
    for t in list(merged):
        if t.coef == 0.0:
            rest = {a for u in merged if u is not t and u.coef != 0.0 for a in u.free}
            if set(t.free) <= rest:
                merged.remove(t)
    return tuple(merged)


def negate(v: Value) -> Value:
    """−v, as a coefficient: it reaches the array only where a sum subtracts or a product ends."""
    return Lazy(tuple(Term(-t.coef, t.factors, t.summed) for t in lazy(v).terms))


def rename(v: Value, old: str, new: str) -> Value:
    if isinstance(v, Arr):
        return v.rename(old, new)
    return Lazy(tuple(Term(t.coef, tuple(f.rename(old, new) for f in t.factors), t.summed) for t in v.terms))


def _compact(v: Value, other: Value) -> Value:
    """A sum materialised before it is distributed, when it is no bigger than the other factor
    ((g − y)·x: one (n×K) array and one matmul, not two matmuls). While a plan is recorded and the
    other factor is fixed (the inputs), the part of the sum that is fixed too (the labels) stays
    apart: y·x is then contracted once, and each call computes only g·x."""
    if not isinstance(v, Lazy) or len(v.terms) < 2:
        return v
    fixed = tuple(t for t in v.terms if t.fixed)
    if fixed and len(fixed) < len(v.terms) and all(t.fixed for t in lazy(other).terms):
        moving = _compact(Lazy(tuple(t for t in v.terms if not t.fixed)), other)
        return Lazy(lazy(moving).terms + fixed)
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
    terms = _merged(tuple(Term(ta.coef * tb.coef, ta.factors + tb.factors, ta.summed | tb.summed | summed)
                          for ta in lazy(a).terms for tb in lazy(b).terms))
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
