"""Derivatives: ``∂f/∂x``, ``\\nabla_θ f`` and ``df/dx`` at concrete sizes, in the notation's layout.

The variables are what ``wrt`` evaluates to (a name for a variable is that variable); the body is
differentiated through its atoms by the chain rule (AtomTable.derivative), so a derivative by an
intermediate quantity holds everything upstream of it as a variable.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy import ImmutableMatrix

from ..latex import nodes as n
from ..notation.conventions import stem
from .values import Env, Unsupported, Value, column, is_matrix, is_vector, node_text, row, scalar, shape_text


#: The letters a symbol's name starts with (``Z`` of ``Z^{(L)}``, ``f`` of ``f_{k}'``): its quantity.
_LETTERS = re.compile(r"\\?[A-Za-z]*")


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
            return body.applyfunc(lambda e: self.atoms.local_derivative(e, base) / slope) if is_matrix(body) \
                else self.atoms.local_derivative(body, base) / slope
        variables = list(wrt) if is_matrix(wrt) else [wrt]
        for v in variables:
            if not isinstance(v, sp.Symbol):
                raise Unsupported(f"a derivative with respect to {node_text(node.wrt)}, which is not a variable")
        if isinstance(node.body, n.Sym) and node.body.name in self.notation.indices:
            # ∂l/∂θ_j where the text writes θ_l elsewhere: l is a quantity here (l = log p), an index there
            raise Unsupported(f"${node.body.name}$ is differentiated here but is an index elsewhere in the text "
                              "(it has two meanings), so its derivative is not taken to be 0")
        body = self.value(node.body, env)
        result = differentiate(body, wrt, gradient=node.gradient, layout=self.notation.layout,
                               diff=self.atoms.local_derivative)
        if _zero(result) and self._stands_apart(node.wrt):
            raise Unsupported(f"${node_text(node.body)}$ as defined does not involve ${node_text(node.wrt)}$, which the "
                              "text never defines: it may be a name the text gives in words (the argument of a "
                              "function, say), so its derivative is not taken to be 0")
        if _zero(result) and (self._defined_elsewhere(node.body, node.wrt) or self._shares_inputs(body, variables)
                              or self._undefined_by_another(node.body, node.wrt)):
            return self._zero_of_two_meanings(result, node)
        return result

    def _shares_inputs(self, body: Value, variables: list) -> bool:
        """∂J/∂Z^{[L]} = 0 where J is computed from what Z^{[L]} is computed from (W, A, b) but, as the text
        writes it (``A^{[L](i)}``, one sample's activation), not through Z: the text means the path through Z,
        which its notation does not spell, so the 0 is not taken as the derivative's value."""
        atoms = [v for v in variables if v in self.atoms.expansion]
        if not atoms:
            return False
        inputs = set().union(*(self.atoms._reachable(a) for a in atoms)) - set(atoms)
        used = set().union(*(e.free_symbols for e in (list(body) if is_matrix(body) else [body])))
        reach = set(used).union(*(self.atoms._reachable(s) for s in used if s in self.atoms.expansion))
        letters = {_LETTERS.match(a.name).group(0) for a in atoms}
        if any(_LETTERS.match(s.name).group(0) in letters for s in used):
            return False        # ∂e^{f_j}/∂f_k: another entry of the same quantity, truly independent of f_k
        return bool(inputs & reach)

    def _zero_of_two_meanings(self, result: Value, node: n.Deriv) -> Value:
        """0, as an atom of two meanings: the body as defined does not involve the variable, but the text
        may mean a form of it that does ("adding the shift b back in"). A step that holds with 0 is proved;
        one that needs it to be something else is not refuted (decide.py, two meanings)."""
        atom = self.atoms.new_atom(f"\\partial {node_text(node.body)} / \\partial {node_text(node.wrt)}")
        self.atoms.expansion[atom] = sp.Integer(0)
        self.atoms.ambiguous.add(atom)
        return result.applyfunc(lambda _: atom) if is_matrix(result) else atom

    def _defined_elsewhere(self, body: n.Node, wrt: n.Node) -> bool:
        """Whether ``body`` is a defined symbol none of whose definitions writes ``wrt``, a symbol with no
        definition of its own, while some other definition of the text (inferred) does: ∂z_k/∂b after
        "adding the shift b back in"."""
        name, by = _name(body), _name(wrt)
        if name is None or by is None or not self.notation.raw.get("inferred"):
            return False
        own = self.notation.definitions_of(name)
        if not own or self.notation.definitions_of(by):
            return False        # ∂L/∂z^{(L-1)}: z of another layer is defined, so the chain says whether L involves it
        return not any(_writes(d.rhs, by) for d in own) and \
            any(_writes(d.rhs, by) for d in self.notation.definitions if d.name != name)

    def _undefined_by_another(self, body: n.Node, wrt: n.Node) -> bool:
        """``\\frac{\\partial \\theta}{\\partial v_c}``, θ never defined (its role guessed: a parameter) and v_c
        another symbol: the text writes the derivative because θ depends on v_c in a way it does not spell
        (θ = U v_c in words), so the 0 of two independent symbols is not taken as its value."""
        name, by = _name(body), _name(wrt)
        if name is None or by is None or name == by or not self.notation.raw.get("inferred"):
            return False
        return not self.notation.definitions_of(name) and name in self.notation.families

    def _stands_apart(self, wrt: n.Node) -> bool:
        """Whether ``wrt`` names a symbol the text never defines nor uses in any definition."""
        name = _name(wrt)
        if name is None or self.notation.definitions_of(name) or not self.notation.raw.get("inferred"):
            return False
        fam = self.notation.families.get(name)
        if fam is not None and fam.role not in ("variable", "unknown"):
            return False
        return not any(_writes(d.rhs, name) for d in self.notation.definitions)


def _name(node: n.Node) -> str | None:
    node = n.ungroup(node)
    return node.name if isinstance(node, n.Sym) else node.base.name if isinstance(node, n.Scripted) and \
        isinstance(node.base, n.Sym) else None


def _writes(node: n.Node, name: str) -> bool:
    """Whether ``node`` writes ``name``, or with a layer label ``name`` lacks (``b^{(l)}`` for ``b``; never
    another layer's: ``z^{(L)}`` is not ``z^{(L-1)}``)."""
    return any(isinstance(x, n.Sym) and name in (x.name, stem(x.name)) for x in n.walk(node))


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
