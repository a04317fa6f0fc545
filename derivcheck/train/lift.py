"""The verified index form, lifted to arrays: ``(g_j(z) - y_j) x_i`` evaluated over whole datasets.

An expression is evaluated the way evaluate.py evaluates it, except that an index letter is not
given one value after another: it is an *axis* of a NumPy array. ``x_i`` over the data is an
array with a sample axis and an ``i`` axis, ``\\sum_k`` reduces an axis, a product of two factors
that share an axis is an ``einsum`` (BLAS underneath). So the author's formula is computed for
every sample and every entry at once, without a Python loop over either, and without generating
code: no symbol name ever reaches ``exec`` or ``lambdify``.

The pieces: named-axis arrays and the tape (arrays.py), lazy einsum terms (terms.py), symbols,
families and definitions (symbols.py), the stable softmax and log-sum-exp forms (stable.py), and
written vectors and matrices with ``\\dots`` (written.py). This module is the dispatch: one method
per kind of node, and the cache that lets z_l and z_k share one evaluation of the logits.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..latex import nodes as n
from ..notation.header import Definition, Notation
from .arrays import COL, ROW, SAMPLE, Arr, Data, LiftError, Tape, as_float, op, recording
from .stable import StableFormsMixin
from .symbols import SymbolsMixin
from .terms import Lazy, Term, Value, dense, elementwise, lazy, negate, plus, rename, sum_over, times
from .written import WrittenMixin

__all__ = ["COL", "ROW", "SAMPLE", "Arr", "Data", "LiftError", "Lifter", "Tape", "recording"]


class Lifter(SymbolsMixin, StableFormsMixin, WrittenMixin):
    """Evaluates nodes over ``data`` under ``notation``; index letters become axes."""

    def __init__(self, notation: Notation, data: Data, bias: np.ndarray | None = None):
        self.notation = notation
        self.data = data
        self.bias = bias
        self._fresh = itertools.count()
        self._memo: dict[tuple, tuple] = {}
        self._names: dict[int, tuple[n.Node, frozenset]] = {}
        self._known_logs: dict[int, tuple] = {}    # id of a value → (it, its log, its log(1 − ·))
        self.sizes = {name: data.sizes[role] if role in data.sizes else size
                      for name, size in notation.sizes.items()
                      for role in [notation.size_roles.get(name)]}

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
            stored = compute()
            for axis, canonical in names.items():
                stored = rename(stored, axis, canonical)
            # keep the node and the environment alive, so the ids in the key stay theirs
            self._memo[key] = hit = (keep, stored, tuple(env.values()))
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
        logistic = self._logistic_form(node, env)
        if logistic is not None:
            return logistic
        stable = self._softmax_form(node, env)
        if stable is not None:
            num, den, _ = stable
        else:
            num, den = self.value(node.num, env), dense(self.value(node.den, env))
        return times(num, Arr(op(np.divide, 1.0, den.data), den.axes))

    def _hadamard(self, node: n.Hadamard, env) -> Value:
        """a ⊙ b (or a ⊘ b): entry by entry, the axes of both kept apart from any contraction."""
        if node.op in n.SUM_OF_PRODUCTS:
            raise LiftError("the Frobenius product A : B (or an inner product written with angle brackets)")
        a, b = dense(self.value(node.left, env)), dense(self.value(node.right, env))
        if node.op != "\\odot":
            b = Arr(op(np.divide, 1.0, b.data), b.axes)
        return Lazy((Term(1.0, (a, b)),))

    def _sqrt(self, node: n.Sqrt, env) -> Arr:
        arg = dense(self.value(node.arg, env))
        return Arr(op(np.sqrt, arg.data), arg.axes)

    def _norm(self, node: n.Norm, env) -> Arr:
        squares = dense(self.squares(node.arg, env))
        return Arr(op(np.sqrt, squares.data), squares.axes)

    def squares(self, node: n.Node, env) -> Value:
        """‖v‖²: the sum of the squared entries over the vector's (or matrix's) own axes; a sample
        axis stays (‖x‖² of each sample)."""
        v = dense(self.value(node, env))
        return Lazy((Term(1.0, (v, v), frozenset(a for a in v.axes if a in (ROW, COL))),))

    def _apply(self, node: n.Apply, env) -> Arr:
        if node.func in ("log", "ln"):
            return self.log_of(node.arg, env)
        arg = dense(self.value(node.arg, env))
        funcs = {"exp": np.exp, "tanh": np.tanh, "sin": np.sin, "cos": np.cos}
        if node.func not in funcs:
            raise LiftError(f"the function \\{node.func}")
        return Arr(op(funcs[node.func], arg.data), arg.axes)

    def _indicator(self, node: n.Indicator, env) -> Arr:
        rel = node.condition
        a, b = self.value(rel.lhs, env), self.value(rel.rhs, env)
        ops = {"=": np.equal, "\\neq": np.not_equal, "<": np.less, ">": np.greater,
               "\\leq": np.less_equal, "\\geq": np.greater_equal}
        if rel.op not in ops:
            raise LiftError(f"the condition {rel.op}")
        out = elementwise(ops[rel.op], a, b)
        return Arr(op(as_float, out.data), out.axes)

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


def _key(value) -> object:
    if isinstance(value, Arr):
        return ("arr", id(value.data), value.axes)
    return value
