"""Nodes -> SymPy values at concrete sizes: the meaning of a step at one instantiation.

A value is a SymPy scalar or an ImmutableMatrix (a vector is n×1 or 1×n). Symbols the notation
declares become real variables (``\\Theta_{1,2}``); a use of a *defined* symbol (``z_j``,
``g_k(z)``, the loss) becomes an *atom*: a symbol whose expansion is kept in an AtomTable. Atoms
let ``∂ log g_k(z) / ∂ g_k(z)`` and ``∂ℓ/∂a`` mean what their authors meant: the derivative with
respect to the intermediate quantity, everything upstream of it held as a variable.

The Evaluator dispatches on the kind of node (``value``), caches what it computes, and reads plain
arithmetic itself; each other kind of meaning is a part in its own module: sums and indices
(indices.py), vectors and matrices (matrices.py, dots.py), symbols and families (symbols.py), calls
and named functions (functions.py), definitions (definitions.py) and where they are used
(context.py), derivatives (derivatives.py). Values, their arithmetic and the errors are values.py's;
variables, atoms and labels atoms.py's.

Nothing here decides equality (decide.py does) and nothing reads text (parse.py does).
"""

from __future__ import annotations

import sympy as sp

from ..latex import nodes as n
from ..notation.header import LABEL_ROLES, Notation
from .elided import as_sum
from .atoms import AtomTable, Labels
from .context import UseContext
from .definitions import Definitions
from .derivatives import Derivatives
from .differentials import Differentials
from .functions import Calls
from .indices import SumsAndIndices
from .matrices import VectorsAndMatrices
from .symbols import Symbols
from .values import IDENTITY, ONES, Env, ShapeError, Unsupported, Value, add, hashable, is_matrix, multiply, node_text, scalar


class Evaluator(SumsAndIndices, VectorsAndMatrices, Symbols, Calls, Definitions, UseContext, Derivatives,
                Differentials):
    """Gives nodes their value under one notation, one label assignment and one atom table.

    Each base is one kind of meaning, in its own module; their methods reach one another, the
    notation, labels and atoms, and the caches set up here through ``self``. ``value`` picks the
    method for a node by its kind (``_sum`` for a Sum) and caches what it returns."""

    def __init__(self, notation: Notation, labels: Labels, atoms: AtomTable):
        self.notation = notation
        self.labels = labels
        self.atoms = atoms
        self.notes: list[str] = []
        self._active: list[tuple] = []
        self._memo: dict[tuple, tuple[n.Node, list]] = {}
        self._names: dict[int, tuple[n.Node, tuple[str, ...]]] = {}
        self._contexts: dict[str, set[str]] = {}

    def value(self, node: n.Node, env: Env) -> Value:
        """The value of ``node`` here; cached by the node, the part of ``env`` it uses, and the
        labels it read (so one evaluation serves every label assignment it does not depend on)."""
        method = getattr(self, "_" + type(node).__name__.lower(), None)
        if method is None:
            raise Unsupported(f"{node_text(node)}: a form derivcheck reads but does not evaluate")
        key = (id(node), tuple((name, hashable(env[name])) for name in self._names_in(node) if name in env),
               self.sample_in_use(env), self.atoms.held)     # a bare x (x^{(i)} elsewhere) is the example in use
        entry = self._memo.get(key)
        if entry is not None:
            for deps, value, notes in entry[1]:
                if self.labels.matches(deps):
                    self.labels.note(deps)
                    for text in notes:       # a cached value says again what it said the first time
                        self.note(text)
                    return value
        trace = self.labels.trace()
        before = len(self.notes)
        try:
            value = method(node, env)
        finally:
            deps = self.labels.end(trace)
        self.labels.note(deps)
        self._memo.setdefault(key, (node, []))[1].append((deps, value, tuple(self.notes[before:])))
        return value

    def _names_in(self, node: n.Node) -> tuple[str, ...]:
        """Names whose value in the environment can change the value of ``node``."""
        hit = self._names.get(id(node))
        if hit is None:
            names = {x.name for x in n.walk(node) if isinstance(x, n.Sym)}
            for name in list(names):
                for defn in self.notation.definitions_of(name):
                    names |= self._context_letters(defn, ())
            hit = (node, tuple(sorted(names)))
            self._names[id(node)] = hit
        return hit[1]

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # ---- leaves
    def _num(self, node: n.Num, env: Env) -> Value:
        return sp.Rational(node.text)

    def _sym(self, node: n.Sym, env: Env) -> Value:
        return self.symbol(node.name, (), None, (), env, node)

    def _text(self, node: n.Text, env: Env) -> Value:
        raise Unsupported(f"text inside the math: '\\text{{{node.text}}}'")

    def _unknown(self, node: n.Unknown, env: Env) -> Value:
        if node.name in ("\\max_{…}", "\\min_{…}"):
            raise Unsupported(f"{node.name}: a maximum or minimum over an index is read but not decided "
                              "(it has no derivative where two entries tie)")
        raise Unsupported(f"unknown LaTeX command {node.name}")

    def _dots(self, node: n.Dots, env: Env) -> Value:
        raise Unsupported("\\dots outside a vector or matrix (an elided sum or product)")

    def _transpose(self, node: n.Transpose, env: Env) -> Value:
        raise Unsupported("a transpose sign on its own")

    def _rel(self, node: n.Rel, env: Env) -> Value:
        raise Unsupported(f"a relation ({node.op}) inside an expression")

    def _given(self, node: n.Given, env: Env) -> Value:
        raise Unsupported("a conditional bar '|' outside P(…|…)")

    def _at(self, node: n.At, env: Env) -> Value:
        """``\\left. f \\right|_{x=a}``: the value of f with each variable of the point put to its value (the
        defined quantities in f expanded first, so that what depends on x changes with it)."""
        subs = {}
        for rel in node.point:
            var = self.value(rel.lhs, env) if rel.op == "=" else None
            if not isinstance(var, sp.Symbol) or var in self.atoms.expansion:
                raise Unsupported(f"evaluation at {node_text(rel)}: only a variable can be given a value")
            subs[var] = scalar(self.value(rel.rhs, env), "a value at a point")
        body = self.atoms.expand(self.value(node.body, env))
        return body.applyfunc(lambda e: e.xreplace(subs)) if is_matrix(body) else body.xreplace(subs)

    def _underbrace(self, node: n.Underbrace, env: Env) -> Value:
        return self.value(node.body, env)

    def _group(self, node: n.Group, env: Env) -> Value:
        if isinstance(node.arg, n.Rel) and node.arg.op in ("=", "\\neq"):
            # [k = y]: Iverson's bracket, 1 where the relation holds and 0 elsewhere
            return sp.Integer(1) if self.holds(node.arg, env) else sp.Integer(0)
        return self.value(node.arg, env)

    # ---- arithmetic
    def _add(self, node: n.Add, env: Env) -> Value:
        if any(isinstance(t, n.Dots) for t in node.terms):
            summed = as_sum(node)
            if summed is None:
                raise Unsupported("a sum written with \\dots whose written terms follow no one pattern")
            return self.value(summed, env)
        total = self.value(node.terms[0], env)
        for before, term in zip(node.terms, node.terms[1:]):
            value = self.value(term, env)
            number, written = (total, before) if is_matrix(value) else (value, term)
            if is_matrix(value) != is_matrix(total) and number != 0 and not number.has(IDENTITY, ONES):
                if self._reads_a_label(written):
                    # y_n - μ_n with y_n a class label: the vector of its one-hot entries is meant,
                    # not the class number added to every entry
                    raise ShapeError(f"adding a vector and the class label in ${node_text(written)}$")
                self.note(f"a number is added to every entry of a vector or matrix in ${node_text(node)}$")
            total = add(total, value)
        return total

    def _reads_a_label(self, node: n.Node) -> bool:
        """Whether ``node`` writes a class or one-hot label (a number that is no quantity to add)."""
        for x in n.walk(node):
            name = x.base.name if isinstance(x, n.Scripted) and isinstance(x.base, n.Sym) else \
                x.name if isinstance(x, n.Sym) else None
            fam = self.notation.families.get(name) if name else None
            if fam is not None and fam.role in LABEL_ROLES:
                return True
        return False

    def _neg(self, node: n.Neg, env: Env) -> Value:
        return -self.value(node.arg, env)

    def _mul(self, node: n.Mul, env: Env) -> Value:
        ones = [self._ones(f) for f in node.factors]
        values = [None if o else self.value(f, env) for f, o in zip(node.factors, ones)]
        acc = None
        for i, value in enumerate(values):
            if value is None:       # 1^T y, A 1: a vector of ones as long as its neighbour needs
                value = self._ones_beside(values, i, ones[i])
            acc = value if acc is None else multiply(acc, value, self.notes)
        return acc

    def _div(self, node: n.Div, env: Env) -> Value:
        num = self.value(node.num, env)
        den = scalar(self.value(node.den, env), "a denominator")
        if den == 0:
            raise Unsupported(f"division by zero in {node_text(node)}")
        return num / den if not is_matrix(num) else num.applyfunc(lambda e: e / den)

    def _sqrt(self, node: n.Sqrt, env: Env) -> Value:
        return sp.sqrt(scalar(self.value(node.arg, env), "the argument of \\sqrt"))
