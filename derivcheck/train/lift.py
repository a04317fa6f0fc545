"""The verified index form, lifted to arrays: ``(g_j(z) - y_j) x_i`` evaluated over whole datasets.

An expression is evaluated the way evaluate.py evaluates it, except that an index letter is not
given one value after another: it is an *axis* of a NumPy array. ``x_i`` over the data is an
array with a sample axis and an ``i`` axis, ``\\sum_k`` reduces an axis, a product of two factors
that share an axis is an ``einsum`` (BLAS underneath). So the author's formula is computed for
every sample and every entry at once, without a Python loop over either, and without generating
code: no symbol name ever reaches ``exec`` or ``lambdify``.

Two rewritings keep the arithmetic stable without changing what is computed:

* a fraction whose denominator is a sum of exponentials is evaluated with numerator and denominator
  multiplied by ``e^{-m}``, m the largest exponent (softmax shifted by its max);
* ``\\log`` of such a fraction is evaluated as log-sum-exp.

Vectors keep positional axes ``#row``/``#col`` so products follow the same rules as in the checker
(row times column is a dot product, column times row an outer product).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from ..latex import nodes as n
from ..notation.header import LABEL_ROLES, Definition, Family, Notation

ROW, COL = "#row", "#col"
SAMPLE = "#n"


class LiftError(ValueError):
    """The expression cannot be evaluated over arrays (a derivative left in it, say)."""


class Tape:
    """The array operations one evaluation ran that depend on ``root`` (the weights), so they can
    be replayed for other weights without interpreting the formula again."""

    def __init__(self, root: np.ndarray):
        self.steps: list[tuple] = []
        self.slots: dict[int, int] = {id(root): 0}
        self.keep: list = [root]   # holds every recorded array, so ids stay unique while recording

    def traced(self, x) -> bool:
        return isinstance(x, (np.ndarray, np.generic)) and id(x) in self.slots

    def record(self, func, args: tuple, kwargs: dict, out) -> None:
        if id(out) in self.slots:
            return
        refs = tuple((True, self.slots[id(a)]) if self.traced(a) else (False, a) for a in args)
        kwrefs = {k: (True, self.slots[id(v)]) if self.traced(v) else (False, v) for k, v in kwargs.items()}
        self.slots[id(out)] = len(self.keep)
        self.keep.append(out)
        self.steps.append((func, refs, kwrefs, self.slots[id(out)]))

    def replay(self, root: np.ndarray, out) -> np.ndarray:
        return self.replay_all(root, [out])[0]

    def replay_all(self, root: np.ndarray, outs: list) -> list[np.ndarray]:
        """Every operation once, for new ``root``; the arrays that stood for ``outs`` when recorded."""
        values: list = [None] * len(self.keep)
        values[0] = root
        for func, refs, kwrefs, slot in self.steps:
            args = [values[v] if is_slot else v for is_slot, v in refs]
            kwargs = {k: values[v] if is_slot else v for k, (is_slot, v) in kwrefs.items()}
            values[slot] = func(*args, **kwargs)
        return [values[self.slots[id(out)]] for out in outs]


_TAPE: Tape | None = None


def recording(tape: Tape | None) -> None:
    """Record onto ``tape`` (None: stop recording)."""
    global _TAPE
    _TAPE = tape


def _op(func, *args, **kwargs):
    """Run an array operation, and put it on the tape if it reads anything recorded."""
    out = func(*args, **kwargs)
    if _TAPE is not None and (any(_TAPE.traced(a) for a in args) or any(_TAPE.traced(v) for v in kwargs.values())):
        _TAPE.record(func, args, kwargs, out)
    return out


def _as_float(a):
    return np.asarray(a, dtype=float)


def _first_of_last(a):
    return a[..., 0]


@dataclass(frozen=True)
class Arr:
    """An array and the name of each of its axes."""
    data: np.ndarray
    axes: tuple[str, ...]

    @staticmethod
    def scalar(value: float) -> "Arr":
        return Arr(np.asarray(value, dtype=float), ())

    def rename(self, old: str, new: str) -> "Arr":
        return Arr(self.data, tuple(new if a == old else a for a in self.axes))

    def sum(self, axis: str) -> "Arr":
        if axis not in self.axes:
            return self
        return Arr(_op(np.sum, self.data, axis=self.axes.index(axis)), tuple(a for a in self.axes if a != axis))

    def order(self, axes: tuple[str, ...]) -> np.ndarray:
        """The data with its axes in the order given (broadcast over missing ones)."""
        missing = [a for a in axes if a not in self.axes]
        full = self.axes + tuple(missing)
        if not missing and full == tuple(axes):
            return self.data
        data = _op(np.reshape, self.data, np.shape(self.data) + (1,) * len(missing)) if missing else self.data
        return _op(np.transpose, data, [full.index(a) for a in axes])


@dataclass(frozen=True)
class Data:
    """What the arrays stand for: inputs (N×D), labels (N, in 0..K-1), weights (D×K)."""
    X: np.ndarray
    y: np.ndarray
    W: np.ndarray
    classes: int

    @property
    def sizes(self) -> dict[str, int]:
        return {"samples": self.X.shape[0], "features": self.X.shape[1], "classes": self.classes}


def _align(a: Arr, b: Arr) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    axes = a.axes + tuple(x for x in b.axes if x not in a.axes)
    return a.order(axes), b.order(axes), axes


def elementwise(f, a, b) -> Arr:
    x, y, axes = _align(dense(a), dense(b))
    return Arr(_op(f, x, y), axes)


# ----------------------------------------------------------------------------- lazy products

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
            x, y, axes = _align(*self.factors)
            data = _op(np.multiply, x, y)
            if axes != tuple(out):
                data = Arr(data, axes).order(tuple(out))
        else:
            spec = ",".join("".join(names[a] for a in f.axes) for f in self.factors) + "->" + \
                "".join(names[a] for a in out if a in names)
            data = run_einsum(spec, [f.data for f in self.factors])
        data = _op(np.multiply, data, self.coef) if self.coef != 1.0 else data
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
    return _op(np.einsum, spec, *arrays, optimize=path)


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
    x, y, axes = _align(a, b)
    return _op(np.add, x, y), axes


def plus(a: Value, b: Value) -> Value:
    terms = lazy(a).terms + lazy(b).terms
    if len(terms) > MAX_TERMS:
        return dense(Lazy(terms))
    return Lazy(terms)


def negate(v: Value) -> Value:
    if isinstance(v, Arr):
        return Arr(_op(np.negative, v.data), v.axes)
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


class Lifter:
    """Evaluates nodes over ``data`` under ``notation``; index letters become axes."""

    def __init__(self, notation: Notation, data: Data, bias: np.ndarray | None = None):
        self.notation = notation
        self.data = data
        self.bias = bias
        self._fresh = itertools.count()
        self._memo: dict[tuple, tuple[n.Node, Value, bool]] = {}
        self._frames: list[list[bool]] = []   # per value being computed: has it read the weights?
        self._names: dict[int, tuple[n.Node, frozenset]] = {}
        self.sizes = {name: data.sizes[role] if role in data.sizes else size
                      for name, size in notation.sizes.items()
                      for role in [notation.size_roles.get(name)]}

    def set_weights(self, W: np.ndarray) -> None:
        """New weights: forget every value that read them; keep everything that did not (the data,
        the labels, the indicators), so each call re-runs only what the weights change."""
        self.data = Data(self.data.X, self.data.y, W, self.data.classes)
        self._memo = {k: v for k, v in self._memo.items() if not v[2]}

    # ---- entry
    def value(self, node: n.Node, env: dict) -> Value:
        """The array value of ``node``, cached. An index bound to its whole range is cached under
        its range, not its axis name, so z_l and z_k reuse one evaluation of the logits."""
        method = getattr(self, "_" + type(node).__name__.lower(), None)
        if method is None:
            raise LiftError(f"{type(node).__name__} cannot be evaluated over arrays")
        used = self._names_in(node)
        return self._cached(id(node), node, {k: v for k, v in env.items() if k in used}, lambda: method(node, env))

    def _cached(self, ident, keep, env: dict, compute) -> Value:
        """``compute()``, cached under ``ident`` and ``env``. An index bound to its whole range is
        keyed by its range, not its axis name, so z_l and z_k share one evaluation of the logits."""
        names: dict[str, str] = {}
        key_env = []
        for k, v in sorted(env.items()):
            if isinstance(v, Arr) and v.data.ndim == 1 and len(v.axes) == 1 \
                    and np.array_equal(v.data, np.arange(1, len(v.data) + 1)):
                canonical = names.setdefault(v.axes[0], f"$axis{len(names)}")
                key_env.append((k, ("range", len(v.data), canonical)))
            else:
                key_env.append((k, _key(v)))
        key = (ident, tuple(key_env))
        hit = self._memo.get(key)
        if hit is None:
            self._frames.append([False])
            try:
                value = compute()
            finally:
                reads_weights = self._frames.pop()[0]
            stored = value
            for axis, canonical in names.items():
                stored = rename(stored, axis, canonical)
            self._memo[key] = hit = (keep, stored, reads_weights)
        if hit[2] and self._frames:
            self._frames[-1][0] = True
        value = hit[1]
        for axis, canonical in names.items():
            value = rename(value, canonical, axis)
        return value

    def _names_in(self, node: n.Node) -> frozenset:
        """The environment names that can change ``node``'s value: its symbols, and the indices the
        definitions it uses take from where they are used (transitively)."""
        hit = self._names.get(id(node))
        if hit is None:
            names = {x.name for x in n.walk(node) if isinstance(x, n.Sym)}
            names |= {x.index for x in n.walk(node) if isinstance(x, n.Sum)}
            for name in list(names):
                for defn in self.notation.definitions_of(name):
                    names |= self._context(defn, ())
            hit = self._names[id(node)] = (node, frozenset(names))
        return hit[1]

    def _context(self, defn: Definition, seen: tuple) -> set[str]:
        if defn.text in seen:
            return set()
        letters = set(n.free_indices(defn.rhs, self.notation.indices)) | \
            {x.name for x in n.walk(defn.rhs) if isinstance(x, n.Sym) and x.name in self.notation.indices}
        for x in n.walk(defn.rhs):
            if isinstance(x, n.Sym):
                for used in self.notation.definitions_of(x.name):
                    letters |= self._context(used, seen + (defn.text,))
        return letters - set(defn.sub_axes) - set(defn.sup_axes)

    def total(self, node: n.Node) -> Arr:
        """``node`` summed over every sample axis it still has (a per-sample loss or gradient).
        Its free index letters become axes of the result."""
        env = {letter: self.index_array(letter) for letter in sorted(n.free_indices(node, self.notation.indices))}
        value = self.value(node, env)
        lengths = lazy(value).lengths()
        for axis in value.axes:
            if axis == SAMPLE or self._role_of_axis(axis) == "samples":
                value = sum_over(value, axis, lengths[axis])
        return dense(value)

    def _role_of_axis(self, axis: str) -> str | None:
        letter = axis.split("#")[0]
        size = self.notation.indices.get(letter)
        return self.notation.size_roles.get(size) if size else None

    def fresh(self, letter: str) -> str:
        return f"{letter}#{next(self._fresh)}"

    def index_array(self, letter: str, axis: str | None = None) -> Arr:
        size = self.size_of_index(letter)
        return Arr(np.arange(1, size + 1), (axis or letter,))

    def size_of_index(self, letter: str) -> int:
        name = self.notation.indices.get(letter)
        if name is None:
            raise LiftError(f"the index {letter} has no declared range")
        return self.sizes[name]

    # ---- leaves
    def _num(self, node: n.Num, env) -> Arr:
        return Arr.scalar(float(node.text))

    def _group(self, node: n.Group, env) -> Arr:
        return self.value(node.arg, env)

    def _underbrace(self, node: n.Underbrace, env) -> Arr:
        return self.value(node.body, env)

    def _sym(self, node: n.Sym, env) -> Arr:
        return self.symbol(node.name, (), (), (), env)

    def _deriv(self, node: n.Deriv, env) -> Arr:
        raise LiftError("the expression still contains a derivative; only explicit formulas are compiled")

    # ---- arithmetic
    def _add(self, node: n.Add, env) -> Value:
        total = self.value(node.terms[0], env)
        for term in node.terms[1:]:
            total = plus(total, self.value(term, env))
        return total

    def _neg(self, node: n.Neg, env) -> Value:
        return negate(self.value(node.arg, env))

    def _mul(self, node: n.Mul, env) -> Value:
        acc = self.value(node.factors[0], env)
        for factor in node.factors[1:]:
            acc = times(acc, self.value(factor, env))
        return acc

    def _div(self, node: n.Div, env) -> Value:
        stable = self._softmax_form(node, env)
        if stable is not None:
            num, den = stable
        else:
            num, den = self.value(node.num, env), dense(self.value(node.den, env))
        return times(num, Arr(_op(np.divide, 1.0, den.data), den.axes))

    def _apply(self, node: n.Apply, env) -> Arr:
        if node.func in ("log", "ln"):
            return self.log_of(node.arg, env)
        arg = dense(self.value(node.arg, env))
        funcs = {"exp": np.exp, "tanh": np.tanh, "sin": np.sin, "cos": np.cos}
        if node.func not in funcs:
            raise LiftError(f"the function \\{node.func}")
        return Arr(_op(funcs[node.func], arg.data), arg.axes)

    def _indicator(self, node: n.Indicator, env) -> Arr:
        rel = node.condition
        a, b = self.value(rel.lhs, env), self.value(rel.rhs, env)
        ops = {"=": np.equal, "\\neq": np.not_equal, "<": np.less, ">": np.greater,
               "\\leq": np.less_equal, "\\geq": np.greater_equal}
        if rel.op not in ops:
            raise LiftError(f"the condition {rel.op}")
        out = elementwise(ops[rel.op], a, b)
        return Arr(_op(_as_float, out.data), out.axes)

    def _sum(self, node: n.Sum, env) -> Arr:
        if node.product:
            raise LiftError("products over an index")
        lower = 1 if node.lower is None else int(self.value(node.lower, env).data)
        upper = self.size_of_index(node.index) if node.upper is None else int(self.value(node.upper, env).data)
        axis = self.fresh(node.index)
        index = Arr(np.arange(lower, upper + 1), (axis,))
        inner = {**env, node.index: index}
        body = self.value(node.body, inner)
        for cond in node.conditions:
            body = times(body, self._indicator(n.Indicator(cond), inner))
        return sum_over(body, axis, upper - lower + 1)

    # ---- written vectors and matrices
    def _vector(self, node: n.Vector, env) -> Arr:
        return self._written((tuple(node.entries),), env, rows_axis=False)

    def _matrix(self, node: n.Matrix, env) -> Arr:
        if len(node.rows[0]) == 1 and all(len(r) == 1 for r in node.rows):   # a column, as in pmatrix
            return _transpose(self._written((tuple(r[0] for r in node.rows),), env, rows_axis=False))
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
            row_value = self.value(row_pattern, position_env)
            at = elementwise(np.equal, r_axis, self.value(n.Sym(symbol), env))
            value = where(Arr(_op(_as_float, at.data), at.axes), row_value, value)
        if not rows_axis:
            value = sum_over(value, "@row", 1) if "@row" in value.axes else value
        return rename(rename(value, "@row", ROW), "@col", COL)

    def _pattern(self, layout: "_Layout", env, r_axis: Arr, c_axis: Arr) -> Arr:
        if layout.diagonal is None:
            return _broadcast_positions(self.value(layout.pattern, env), r_axis, c_axis, layout.rows_axis)
        off = _broadcast_positions(self.value(layout.pattern, env), r_axis, c_axis, layout.rows_axis)
        diag = _broadcast_positions(self.value(layout.diagonal, env), r_axis, c_axis, layout.rows_axis)
        at = elementwise(np.equal, r_axis, c_axis)
        return where(Arr(_op(_as_float, at.data), at.axes), diag, off)

    # ---- stable forms
    def _exponent(self, node: n.Node) -> n.Node | None:
        node = node.arg if isinstance(node, n.Group) else node
        if isinstance(node, n.Apply) and node.func == "exp":
            return node.arg
        if isinstance(node, n.Scripted) and isinstance(node.base, n.Sym) and node.base.name == "e" \
                and node.sub is None and node.sup is not None:
            return node.sup
        return None

    def _softmax_form(self, node: n.Div, env):
        """(numerator, denominator), both scaled by e^{-max}, for exp(a) / Σ exp(b)."""
        den = node.den.arg if isinstance(node.den, n.Group) else node.den
        if not isinstance(den, n.Sum) or den.conditions or self._exponent(den.body) is None:
            return None
        top = self._exponent(node.num)
        lower = 1 if den.lower is None else int(self.value(den.lower, env).data)
        upper = self.size_of_index(den.index) if den.upper is None else int(self.value(den.upper, env).data)
        axis = self.fresh(den.index)
        exponents = dense(self.value(self._exponent(den.body), {**env, den.index: Arr(np.arange(lower, upper + 1), (axis,))}))
        if axis not in exponents.axes:
            return None
        m = Arr(_op(np.max, exponents.data, axis=exponents.axes.index(axis)),
                tuple(a for a in exponents.axes if a != axis))
        shifted = elementwise(np.subtract, exponents, m)
        powers = _op(np.exp, shifted.data)
        denominator = Arr(powers, shifted.axes).sum(axis)
        if top is not None:
            letter = _same_but_index(self._exponent(den.body), top, den.index)
            bound = env.get(letter) if letter else None
            if isinstance(bound, Arr) and len(bound.axes) == 1 and np.array_equal(bound.data, np.arange(lower, upper + 1)):
                # exp(a_k) / Σ_j exp(a_j) with k over the whole range: the same exponentials
                return Arr(powers, shifted.axes).rename(axis, bound.axes[0]), denominator
            top_value = dense(self.value(top, env))
            if top_value.data is exponents.data or (top_value.data.shape == exponents.data.shape
                                                    and np.shares_memory(top_value.data, exponents.data)):
                # the same logits under another index name: reuse the exponentials
                renamed = top_value.axes[exponents.axes.index(axis)]
                return Arr(powers, shifted.axes).rename(axis, renamed), denominator
            numerator = elementwise(np.subtract, top_value, m)
            return Arr(_op(np.exp, numerator.data), numerator.axes), denominator
        scale = Arr(_op(np.exp, _op(np.negative, m.data)), m.axes)
        return times(self.value(node.num, env), scale), denominator

    def log_of(self, node: n.Node, env) -> Arr:
        """log(node), as log-sum-exp where node is (or is defined as) exp(a) / Σ exp(b)."""
        node = node.arg if isinstance(node, n.Group) else node
        defined = self._definition_body(node, env)
        if defined is not None:
            body, body_env = defined
            return self.log_of(body, body_env)
        if isinstance(node, n.Div) and self._exponent(node.num) is not None:
            form = self._softmax_form(node, env)
            if form is not None:
                numerator, denominator = form
                return elementwise(np.subtract, Arr(_op(np.log, numerator.data), numerator.axes),
                                   Arr(_op(np.log, denominator.data), denominator.axes))
        value = dense(self.value(node, env))
        return Arr(_op(np.log, value.data), value.axes)

    def _definition_body(self, node: n.Node, env):
        """(body, env) when ``node`` is a use of a scalar definition at fixed indices."""
        name, sub, sup, args = _parts(node)
        if name is None or not self.notation.definitions_of(name) or name in env:
            return None
        defn = self.notation.definitions_of(name)[0]
        if len(_flat(sub)) != len(defn.sub_axes) or len(sup) != len(defn.sup_axes):
            return None
        return defn.rhs, self._body_env(defn, sub, sup, args, env)

    # ---- symbols
    def _scripted(self, node: n.Scripted, env) -> Arr:
        base = node.base
        if isinstance(base, n.Sym) and base.name == "e" and node.sub is None and node.sup is not None \
                and "e" not in self.notation.families:
            v = self.value(node.sup, env)
            v = dense(v)
            return Arr(_op(np.exp, v.data), v.axes)
        sup_index, power, transposed = self.notation.superscript(node)
        if isinstance(base, n.Sym):
            value = self.symbol(base.name, node.sub or (), sup_index, (), env)
        else:
            if node.sub:
                raise LiftError("a subscript on a compound expression")
            value = self.value(base, env)
        if transposed:
            value = _transpose(value)
        if power is not None:
            value = elementwise(np.power, value, self.value(power, env))
        return value

    def _call(self, node: n.Call, env) -> Arr:
        name, sub, sup, _ = _parts(node.head)
        if name is not None and self.notation.definitions_of(name):
            return self.symbol(name, sub, sup, node.args, env)
        if len(node.args) != 1:
            raise LiftError(f"{name or 'an expression'} applied to {len(node.args)} arguments")
        return times(self.value(node.head, env), self.value(node.args[0], env))

    def symbol(self, name: str, sub, sup, args, env) -> Arr:
        bound = env.get(name)
        if isinstance(bound, Arr):
            return self._select_entries(bound, sub, env, name) if sub else bound
        if self.notation.definitions_of(name):
            return self._defined(self.notation.definitions_of(name)[0], sub, sup, args, env)
        if name in self.notation.families:
            return self._family(self.notation.families[name], sub, sup, env)
        if name in self.sizes and not sub:
            return Arr.scalar(self.sizes[name])
        if name == "e" and not sub:
            return Arr.scalar(np.e)
        if name == "\\delta" and sub:
            a, b = (self._index_value(i, env) for i in _two(sub))
            out = elementwise(np.equal, a, b)
            return Arr(_op(_as_float, out.data), out.axes)
        raise LiftError(f"{name} has no array value")

    def _index_value(self, item: n.Node, env) -> Arr:
        if isinstance(item, n.Sym) and item.name in self.notation.indices and item.name not in env:
            raise LiftError(f"the index {item.name} is free here")
        return dense(self.value(item, env))

    def _select_entries(self, value: Value, sub, env, name: str) -> Arr:
        value = dense(value)
        items = _flat(sub)
        positional = [a for a in value.axes if a in (ROW, COL)]
        if len(items) != len(positional):
            raise LiftError(f"{name} takes {len(positional)} indices here")
        for axis, item in zip(positional, items):
            value = _gather(value, axis, self._index_value(item, env))
        return value

    # ---- declared data
    def _family(self, fam: Family, sub, sup, env) -> Arr:
        slots = self._slots(fam)
        array, axes = self._source(fam)
        items = list(_flat(sup)) + list(_flat(sub))
        value = Arr(array, axes)
        named = [s for s in slots if s[0] == "axis"]
        if len(items) == 1 and len(named) == 2 and isinstance(items[0], n.Mul):
            items = list(items[0].factors)           # \Theta_{ij}
        for (kind, axis, _), item in zip(slots, items):
            value = _gather(value, axis, self._index_value(item, env))
        rest = [s for s in slots[len(items):]]
        positional = [ROW, COL]
        for kind, axis, _ in rest:
            value = value.rename(axis, positional.pop(0))
        return value

    def _slots(self, fam: Family) -> list[tuple[str, str, str]]:
        """(kind, axis name in the source array, role) for the family's written indices, in order."""
        slots = []
        for n_axis, letter in enumerate(fam.axes):
            role = self.notation.size_roles.get(self.notation.indices[letter], "")
            slots.append(("axis", f"@{fam.name}{n_axis}", role))
        for n_shape, size in enumerate(fam.shape):
            role = self.notation.size_roles.get(size, "")
            slots.append(("shape", f"@{fam.name}s{n_shape}", role))
        return slots

    def _source(self, fam: Family) -> tuple[np.ndarray, tuple[str, ...]]:
        """The family's data, with one named axis per slot (and the sample axis if implicit)."""
        slots = self._slots(fam)
        roles = [r for _, _, r in slots]
        if fam.role in LABEL_ROLES:
            return self._labels(fam, slots)
        if fam.role == "input":
            data, data_roles = self.data.X, ["samples", "features"]
        elif fam.role == "weights":
            for frame in self._frames:
                frame[0] = True
            data, data_roles = self.data.W, ["features", "classes"]
        elif fam.role == "bias":
            data = self.bias if self.bias is not None else np.zeros(self.data.classes)
            data_roles = ["classes"]
        else:
            raise LiftError(f"{fam.name} ({fam.role}) has no data")
        axes = []
        for role in data_roles:
            if role in roles:
                axes.append(slots[roles.index(role)][1])
            elif role == "samples":
                axes.append(SAMPLE)
            else:
                raise LiftError(f"{fam.name} has no index for its {role}")
        return data, tuple(axes)

    def _labels(self, fam: Family, slots) -> tuple[np.ndarray, tuple[str, ...]]:
        roles = [r for _, _, r in slots]
        classes = self.data.y + 1                                     # classes are 1..K in the notation
        sample_axis = slots[roles.index("samples")][1] if "samples" in roles else SAMPLE
        if fam.role == "class label":
            return classes, (sample_axis,)
        onehot = np.eye(self.data.classes)[self.data.y]
        class_slot = [s for s in slots if s[2] == "classes"]
        if not class_slot:
            raise LiftError(f"the one-hot label {fam.name} has no class index")
        return onehot, (sample_axis, class_slot[-1][1])

    # ---- defined quantities
    def _body_env(self, defn: Definition, sub, sup, args, env) -> dict:
        body_env = {k: v for k, v in env.items() if isinstance(v, Arr) and k in self.notation.indices}
        sub_items = _flat(sub)
        if len(sub_items) == 1 and len(defn.sub_axes) == 2 and isinstance(sub_items[0], n.Mul):
            sub_items = list(sub_items[0].factors)
        for letter, item in zip(defn.sup_axes, _flat(sup)):
            body_env[letter] = self._index_value(item, env)
        for letter, item in zip(defn.sub_axes, sub_items):
            body_env[letter] = self._index_value(item, env)
        if defn.params is not None and args:
            for pattern, arg in zip(defn.params, args):
                self._bind(pattern, arg.arg if isinstance(arg, n.Group) else arg, env, body_env)
        return body_env

    def _bind(self, pattern: n.Node, arg: n.Node, env, body_env: dict) -> None:
        if pattern == arg:
            return
        if isinstance(pattern, n.Sym):
            body_env[pattern.name] = self._index_value(arg, env) if pattern.name in self.notation.indices \
                else self.value(arg, env)
        elif isinstance(pattern, n.Scripted) and isinstance(arg, n.Scripted) and pattern.sub and arg.sub:
            for p_item, a_item in zip(_flat(pattern.sub), _flat(arg.sub)):
                if isinstance(p_item, n.Sym):
                    body_env[p_item.name] = self._index_value(a_item, env)
        elif isinstance(pattern, (n.Given, n.Rel)) and type(pattern) is type(arg):
            for p, a in ((pattern.event, arg.event), (pattern.condition, arg.condition)) if isinstance(pattern, n.Given) \
                    else ((pattern.lhs, arg.lhs), (pattern.rhs, arg.rhs)):
                self._bind(p, a, env, body_env)

    def _defined(self, defn: Definition, sub, sup, args, env) -> Arr:
        given = len(_flat(sub)) + len(_flat(sup))
        wanted = len(defn.sub_axes) + len(defn.sup_axes)
        if given == 0 and wanted:                     # \boldsymbol{z}: the whole family, as a vector
            letters = defn.sup_axes + defn.sub_axes
            if len(letters) != 1:
                raise LiftError(f"{defn.name} used without indices")
            axis = self.fresh(letters[0])
            body_env = self._body_env(defn, (), (), args, env)
            body_env[letters[0]] = self.index_array(letters[0], axis)
            return rename(self.value(defn.rhs, body_env), axis, ROW)
        body_env = self._body_env(defn, sub, sup, args, env)
        used = self._names_in(defn.rhs)
        # a defined quantity is materialised once (logits, probabilities): its uses are not linear
        return self._cached(("definition", defn.text), defn, {k: v for k, v in body_env.items() if k in used},
                            lambda: dense(self.value(defn.rhs, body_env)))


# ----------------------------------------------------------------------------- written layouts

_R, _C = "#r", "#c"
_R_SYM, _C_SYM = n.Sym(_R), n.Sym(_C)


class _Layout:
    """Where the entries of a written vector or matrix stand (dots.py's rules, with positions kept
    symbolic): rows and columns anchored at 1, 2, … or at the size, or placed by a label."""

    def __init__(self, lifter: Lifter, rows, rows_axis: bool):
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


def where(mask: Arr, yes: Value, no: Value) -> Lazy:
    """mask·yes + (1 − mask)·no with a 0/1 mask, kept lazy (so it still contracts)."""
    return plus(times(mask, yes), plus(no, negate(times(mask, no))))


#: A lazy value with more terms than this is materialised before it grows further.
MAX_TERMS = 12


def _overwrite(value: Value, cell: Value, r0: int, c0: int, rows_axis: bool) -> Value:
    lengths = lazy(value).lengths()
    rows = Arr((np.arange(1, lengths["@row"] + 1) == r0).astype(float), ("@row",)) if rows_axis else Arr.scalar(1.0)
    cols = Arr((np.arange(1, lengths["@col"] + 1) == c0).astype(float), ("@col",))
    return where(elementwise(np.multiply, rows, cols), cell, value)


# ----------------------------------------------------------------------------- helpers

def _same_but_index(summed: n.Node, top: n.Node, index: str) -> str | None:
    """The letter ``top`` uses where ``summed`` uses the sum's ``index``, if they differ in nothing
    else (θ^{(k)ᵀ}x against θ^{(j)ᵀ}x)."""
    found: set[str] = set()

    def same(a, b) -> bool:
        if isinstance(a, n.Sym) and a.name == index and isinstance(b, n.Sym):
            found.add(b.name)
            return True
        if type(a) is not type(b):
            return False
        if isinstance(a, tuple):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        if not hasattr(a, "__dataclass_fields__"):
            return a == b
        return all(same(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__ if f != "span")

    return found.pop() if same(summed, top) and len(found) == 1 else None


def _transpose(value: Value) -> Value:
    return rename(rename(rename(value, ROW, "#swap"), COL, ROW), "#swap", COL)


def _gather(value: Arr, axis: str, index: Arr) -> Arr:
    """``value`` indexed along ``axis`` by ``index`` (1-based), which may itself be an array."""
    if axis not in value.axes:
        raise LiftError("an index on an axis the value does not have")
    position = value.axes.index(axis)
    size = value.data.shape[position]
    idx = np.asarray(index.data)
    if idx.ndim == 1 and len(index.axes) == 1 and np.array_equal(idx, np.arange(1, size + 1)):
        return value.rename(axis, index.axes[0])     # the whole axis: a rename, no copy
    idx = idx.astype(int) - 1
    if np.any(idx < 0) or np.any(idx >= size):
        raise LiftError("an index out of its range")
    shared = [a for a in index.axes if a in value.axes and a != axis]
    if not shared:
        data = _op(np.take, value.data, idx, axis=position)
        axes = value.axes[:position] + index.axes + value.axes[position + 1:]
        return Arr(data, axes)
    # the index varies along an axis the value also has (f_{y_n} with n the sample axis)
    other = tuple(a for a in value.axes if a != axis)
    base = Arr(_op(np.moveaxis, value.data, position, -1), other + (axis,))
    extra = tuple(a for a in index.axes if a not in other)
    out_axes = other + extra
    data = base.order(out_axes + (axis,))
    ind = Arr(idx, index.axes).order(out_axes)
    ind = np.broadcast_to(ind, data.shape[:-1])
    picked = _op(np.take_along_axis, data, ind[..., None], axis=-1)
    return Arr(_op(_first_of_last, picked), out_axes)


def _parts(node: n.Node):
    args = ()
    if isinstance(node, n.Call):
        node, args = node.head, node.args
    if isinstance(node, n.Sym):
        return node.name, (), (), args
    if isinstance(node, n.Scripted) and isinstance(node.base, n.Sym):
        sup = (node.sup.arg,) if isinstance(node.sup, n.Group) else ()
        return node.base.name, node.sub or (), sup, args
    return None, (), (), args


def _flat(items) -> list:
    return [i for i in (items or ()) if i != "substack"]


def _two(sub) -> list:
    items = _flat(sub)
    if len(items) == 1 and isinstance(items[0], n.Mul) and len(items[0].factors) == 2:
        return list(items[0].factors)
    if len(items) != 2:
        raise LiftError("\\delta takes two indices")
    return items


def _key(value) -> object:
    if isinstance(value, Arr):
        return ("arr", id(value.data), value.axes)
    return value
