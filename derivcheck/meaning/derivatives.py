"""Derivatives: ``∂f/∂x``, ``\\nabla_θ f`` and ``df/dx`` at concrete sizes, in the notation's layout.

The variables are what ``wrt`` evaluates to (a name for a variable is that variable); the body is
differentiated through its atoms by the chain rule (AtomTable.derivative), so a derivative by an
intermediate quantity holds everything upstream of it as a variable.
"""

from __future__ import annotations

import sympy as sp
from sympy import ImmutableMatrix

from ..latex import nodes as n
from .values import Env, Unsupported, Value, column, is_matrix, is_vector, node_text, row, scalar, shape_text


class Derivatives:
    """The Evaluator's derivative nodes: the variables, the body, and the derivative through the
    atoms. A part of Evaluator (evaluate.py): ``self`` is the whole evaluator."""

    def _deriv(self, node: n.Deriv, env: Env) -> Value:
        wrt = self.value(node.wrt, env)
        # Θ_{k,d} = θ_{k,d}: a name for a variable is that variable
        wrt = wrt.applyfunc(self.atoms.alias_of) if is_matrix(wrt) else self.atoms.alias_of(wrt)
        if not is_matrix(wrt) and _power_of_symbol(wrt):
            # ∂f/∂σ^2 (batch norm's variance): by σ, over dσ^2/dσ, as the text holds σ^2 for a variable
            base, power = wrt.args
            body = self.value(node.body, env)
            slope = power * base ** (power - 1)
            return body.applyfunc(lambda e: self.atoms.derivative(e, base) / slope) if is_matrix(body) \
                else self.atoms.derivative(body, base) / slope
        variables = list(wrt) if is_matrix(wrt) else [wrt]
        for v in variables:
            if not isinstance(v, sp.Symbol):
                raise Unsupported(f"a derivative with respect to {node_text(node.wrt)}, which is not a variable")
        body = self.value(node.body, env)
        result = differentiate(body, wrt, gradient=node.gradient, layout=self.notation.layout,
                               diff=self.atoms.derivative)
        if _zero(result) and self._stands_apart(node.wrt):
            raise Unsupported(f"${node_text(node.body)}$ as defined does not involve ${node_text(node.wrt)}$, which the "
                              "text never defines: it may be a name the text gives in words (the argument of a "
                              "function, say), so its derivative is not taken to be 0")
        return result

    def _stands_apart(self, wrt: n.Node) -> bool:
        """Whether ``wrt`` names a symbol the text never defines nor uses in any definition."""
        name = wrt.name if isinstance(wrt, n.Sym) else wrt.base.name if isinstance(wrt, n.Scripted) and \
            isinstance(wrt.base, n.Sym) else None
        if name is None or self.notation.definitions_of(name) or not self.notation.raw.get("inferred"):
            return False
        fam = self.notation.families.get(name)
        if fam is not None and fam.role not in ("variable", "unknown"):
            return False
        return not any(isinstance(x, n.Sym) and x.name == name
                       for d in self.notation.definitions for x in n.walk(d.rhs))


def _zero(value: Value) -> bool:
    return all(e == 0 for e in (list(value) if is_matrix(value) else [value]))


def _power_of_symbol(value: sp.Expr) -> bool:
    return isinstance(value, sp.Pow) and isinstance(value.args[0], sp.Symbol) and value.args[1].is_Rational \
        and value.args[1] != 0


def differentiate(body: Value, wrt: Value, gradient: bool, layout: str, diff=sp.diff) -> Value:
    """d body / d wrt with the layout conventions of the notation.

    Scalar by vector: a column for ∇ and in denominator layout, a row in numerator layout.
    Scalar by matrix: the shape of the matrix. Vector by vector: the Jacobian, rows following
    the numerator in numerator layout.
    """
    if not is_matrix(wrt):
        if is_matrix(body):
            return body.applyfunc(lambda e: diff(e, wrt))
        return diff(body, wrt)
    if not is_matrix(body) or body.shape == (1, 1):
        f = scalar(body)
        if is_vector(wrt):
            entries = [diff(f, v) for v in wrt]
            return column(entries) if (gradient or layout == "denominator") else row(entries)
        return wrt.applyfunc(lambda v: diff(f, v))
    if is_vector(body) and is_vector(wrt):
        jac = ImmutableMatrix(len(body), len(wrt), [diff(f, v) for f in body for v in wrt])
        return jac.T if (gradient or layout == "denominator") else jac
    raise Unsupported(f"the derivative of a {shape_text(body)} with respect to a {shape_text(wrt)}")
