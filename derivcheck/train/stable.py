"""Stable forms: a softmax shifted by its maximum, its logarithm as log-sum-exp, the logistic.

These rewritings keep the arithmetic stable without changing what is computed:

* a fraction whose denominator is a sum of exponentials is evaluated with numerator and denominator
  multiplied by ``e^{-m}``, m the largest exponent (softmax shifted by its max);
* ``\\log`` of such a fraction is evaluated as log-sum-exp, the log of the shifted exponential
  being its exponent;
* ``1 / (1 + e^a)`` is ``expit(−a)``, and its log (or the log of one minus it) is a
  ``logaddexp``: no exponential overflows, no log of zero.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ..latex import nodes as n
from .arrays import COL, ROW, Arr, LiftError, op
from .symbols import flat_items, parts
from .terms import dense, elementwise, negate, times


class StableFormsMixin:
    """The lifter's softmax, log-sum-exp and logistic forms (mixed into lift.Lifter)."""

    _known_logs: dict

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
        """log(node), as log-sum-exp where node is (or is defined as) exp(a) / Σ exp(b), and as
        −log(1 + e^a) where it is a logistic 1 / (1 + e^a) (a − log(1 + e^a) for one minus it)."""
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
        rest = _one_minus(node)
        if rest is not None:
            complement = self._known_log(dense(self.value(rest, env)), complement=True)
            if complement is not None:                     # log(1 − σ(s)) = −log(1 + e^s)
                return complement
        value = dense(self.value(node, env))
        known = self._known_log(value)
        return known if known is not None else Arr(op(np.log, value.data), value.axes)

    def _logistic_form(self, node: n.Div, env) -> Arr | None:
        """c / (1 + e^a) as c · expit(−a), and e^a / (1 + e^a) as expit(a): the same value, with no
        overflow where a is large; the exponent is remembered, so a log of it needs no log."""
        den = node.den.arg if isinstance(node.den, n.Group) else node.den
        if not isinstance(den, n.Add) or len(den.terms) != 2 or n.Num("1") not in den.terms:
            return None
        exponent = self._exponent(den.terms[1] if den.terms[0] == n.Num("1") else den.terms[0])
        if exponent is None:
            return None
        if self._exponent(node.num) == exponent:
            return self.logistic(dense(self.value(exponent, env)))
        p = self.logistic(dense(negate(self.value(exponent, env))))      # e^{-z}: expit(z), no negation
        return p if node.num == n.Num("1") else times(self.value(node.num, env), p)

    def logistic(self, s: Arr) -> Arr:
        """expit(s) = 1 / (1 + e^{−s}); its log is −log(1 + e^{−s}), the log of one minus it
        −log(1 + e^s), each a logaddexp (remembered, computed if a log is taken)."""
        p = Arr(op(expit, s.data), s.axes)

        def log() -> Arr:
            return Arr(op(np.negative, op(np.logaddexp, 0.0, op(np.negative, s.data))), s.axes)

        def log_complement() -> Arr:
            return Arr(op(np.negative, op(np.logaddexp, 0.0, s.data)), s.axes)
        self._known_logs[id(p.data)] = (p, log, log_complement)
        return p

    def softmax(self, v: Arr) -> Arr:
        """softmax of a vector (its one positional axis), shifted by its maximum; its log is the
        shifted vector minus the log of the sum (remembered, computed if a log is taken)."""
        axes = [a for a in v.axes if a in (ROW, COL)]
        if len(axes) != 1:
            raise LiftError("a softmax of something that is not a vector")
        where = v.axes.index(axes[0])
        m = Arr(op(np.max, v.data, axis=where), v.axes[:where] + v.axes[where + 1:])
        shifted = elementwise(np.subtract, v, m)
        powers = Arr(op(np.exp, shifted.data), shifted.axes)
        total = powers.sum(axes[0])
        p = dense(times(powers, Arr(op(np.divide, 1.0, total.data), total.axes)))

        def log() -> Arr:
            return elementwise(np.subtract, shifted, Arr(op(np.log, total.data), total.axes))
        self._known_logs[id(p.data)] = (p, log, None)
        return p

    def _known_log(self, value: Arr, complement: bool = False) -> Arr | None:
        """log(value) (or log(1 − value)), when ``value`` was computed by a form whose log is known,
        under whatever names its axes now have."""
        hit = self._known_logs.get(id(value.data))
        if hit is None or hit[0].data is not value.data or (complement and hit[2] is None):
            return None
        out = (hit[2] if complement else hit[1])()
        names = dict(zip(hit[0].axes, value.axes))
        return Arr(out.order(hit[0].axes), tuple(names[a] for a in hit[0].axes))

    def _definition_body(self, node: n.Node, env):
        """(body, env) when ``node`` is a use of a scalar definition at fixed indices."""
        name, sub, sup, args = parts(node)
        defn = self.definition_for(name, sub, sup) if name is not None and name not in env else None
        if defn is None or len(flat_items(sub)) != len(defn.sub_axes) or len(sup) != len(defn.sup_axes):
            return None
        return defn.rhs, self._body_env(defn, sub, sup, args, env)


def _one_minus(node: n.Node) -> n.Node | None:
    """x, when ``node`` is 1 − x."""
    if isinstance(node, n.Add) and len(node.terms) == 2 and node.terms[0] == n.Num("1") \
            and isinstance(node.terms[1], n.Neg):
        return node.terms[1].arg
    return None


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
