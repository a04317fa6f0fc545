"""Stable forms: a softmax shifted by its maximum, and its logarithm as log-sum-exp.

Two rewritings keep the arithmetic stable without changing what is computed:

* a fraction whose denominator is a sum of exponentials is evaluated with numerator and denominator
  multiplied by ``e^{-m}``, m the largest exponent (softmax shifted by its max);
* ``\\log`` of such a fraction is evaluated as log-sum-exp.
"""

from __future__ import annotations

import numpy as np

from ..latex import nodes as n
from .arrays import Arr, op
from .symbols import flat_items, parts
from .terms import dense, elementwise, times


class StableFormsMixin:
    """The lifter's softmax and log-sum-exp forms (mixed into lift.Lifter)."""

    def _exponent(self, node: n.Node) -> n.Node | None:
        node = node.arg if isinstance(node, n.Group) else node
        if isinstance(node, n.Apply) and node.func == "exp":
            return node.arg
        if isinstance(node, n.Scripted) and isinstance(node.base, n.Sym) and node.base.name == "e" \
                and node.sub is None and node.sup is not None:
            return node.sup
        return None

    def _softmax_form(self, node: n.Div, env):
        """(numerator, denominator, log numerator), the first two scaled by e^{-max}, for
        exp(a) / Σ exp(b); the log of the numerator is a − max (None when the numerator is not an
        exponential), so a log of the fraction never takes the log of an exponential that underflowed."""
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
        m = Arr(op(np.max, exponents.data, axis=exponents.axes.index(axis)),
                tuple(a for a in exponents.axes if a != axis))
        shifted = elementwise(np.subtract, exponents, m)
        powers = op(np.exp, shifted.data)
        denominator = Arr(powers, shifted.axes).sum(axis)
        if top is not None:
            letter = _same_but_index(self._exponent(den.body), top, den.index)
            bound = env.get(letter) if letter else None
            if isinstance(bound, Arr) and len(bound.axes) == 1 and np.array_equal(bound.data, np.arange(lower, upper + 1)):
                # exp(a_k) / Σ_j exp(a_j) with k over the whole range: the same exponentials
                return Arr(powers, shifted.axes).rename(axis, bound.axes[0]), denominator, \
                    shifted.rename(axis, bound.axes[0])
            top_value = dense(self.value(top, env))
            if top_value.data is exponents.data or (top_value.data.shape == exponents.data.shape
                                                    and np.shares_memory(top_value.data, exponents.data)):
                # the same logits under another index name: reuse the exponentials
                renamed = top_value.axes[exponents.axes.index(axis)]
                return Arr(powers, shifted.axes).rename(axis, renamed), denominator, shifted.rename(axis, renamed)
            numerator = elementwise(np.subtract, top_value, m)
            return Arr(op(np.exp, numerator.data), numerator.axes), denominator, numerator
        scale = Arr(op(np.exp, op(np.negative, m.data)), m.axes)
        return times(self.value(node.num, env), scale), denominator, None

    def log_of(self, node: n.Node, env) -> Arr:
        """log(node), as log-sum-exp where node is (or is defined as) exp(a) / Σ exp(b)."""
        node = node.arg if isinstance(node, n.Group) else node
        defined = self._definition_body(node, env)
        if defined is not None:
            body, body_env = defined
            return self.log_of(body, body_env)
        if isinstance(node, n.Div) and self._exponent(node.num) is not None:
            form = self._softmax_form(node, env)
            if form is not None and form[2] is not None:
                _, denominator, log_numerator = form
                return elementwise(np.subtract, log_numerator, Arr(op(np.log, denominator.data), denominator.axes))
        value = dense(self.value(node, env))
        return Arr(op(np.log, value.data), value.axes)

    def _definition_body(self, node: n.Node, env):
        """(body, env) when ``node`` is a use of a scalar definition at fixed indices."""
        name, sub, sup, args = parts(node)
        if name is None or not self.notation.definitions_of(name) or name in env:
            return None
        defn = self.notation.definitions_of(name)[0]
        if len(flat_items(sub)) != len(defn.sub_axes) or len(sup) != len(defn.sup_axes):
            return None
        return defn.rhs, self._body_env(defn, sub, sup, args, env)


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
