"""Nodes -> SymPy values at concrete sizes: the meaning of a step at one instantiation.

A value is a SymPy scalar or an ImmutableMatrix (a vector is n×1 or 1×n). Symbols the notation
declares become real variables (``\\Theta_{1,2}``); a use of a *defined* symbol (``z_j``,
``g_k(z)``, the loss) becomes an *atom*: a symbol whose expansion is kept in an AtomTable. Atoms
let ``∂ log g_k(z) / ∂ g_k(z)`` and ``∂ℓ/∂a`` mean what their authors meant: the derivative with
respect to the intermediate quantity, everything upstream of it held as a variable.

Nothing here decides equality (decide.py does) and nothing reads text (parse.py does).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import sympy as sp
from sympy import ImmutableMatrix

from ..latex import nodes as n
from ..notation.conventions import DIAG, SIGMOID, SOFTMAX
from ..notation.header import LABEL_ROLES, Definition, Family, Notation
from ..latex.nodes import INDICATOR

Value = sp.Expr | ImmutableMatrix

#: Integer powers beyond this are refused: (x+y)^{10^9} would never finish expanding.
MAX_POWER = 1000


class EvaluationError(Exception):
    """The step cannot be given a meaning; ``kind`` says how to report it."""

    kind = "unsupported"


class Unsupported(EvaluationError):
    """Notation the engine cannot interpret, named precisely."""


class ShapeError(EvaluationError):
    """Sizes that do not fit: a vector added to a scalar, a 2×3 times a 2×3 ..."""


class OutOfRange(EvaluationError):
    """An index value outside its symbol's range at one instantiation (``x_j`` with j = 3 and
    x of length 2): the step is wrong there, which is a counterexample, not a notation problem."""

    kind = "invalid"


# ----------------------------------------------------------------------------- variables and atoms

_VARIABLES: dict[tuple[str, bool], sp.Symbol] = {}


def variable(name: str, positive: bool = False) -> sp.Symbol:
    """The variable called ``name``; one object per name.

    Variables are plain symbols (all real by construction): SymPy's assumption queries on
    ``real=True`` symbols cost more than everything they would simplify, and identity.py does
    the exp/log rewriting that matters itself. Only declared-positive variables say so.
    """
    key = (name, positive)
    if key not in _VARIABLES:
        _VARIABLES[key] = sp.Symbol(name, positive=True) if positive else sp.Symbol(name)
    return _VARIABLES[key]


class Share(sp.Symbol):
    """An entry of a distribution (its entries sum to one): positive, and small enough that the
    entry fixed as one minus the others stays positive at every point refute.py tries."""


def share(name: str) -> Share:
    return Share(name, positive=True)


@dataclass
class AtomTable:
    """Defined quantities at one label assignment: atom -> the value of its definition."""
    expansion: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    by_key: dict[tuple, list] = field(default_factory=dict)  # key -> [(labels read, atom)]
    _full: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    _reach: dict[sp.Symbol, frozenset] = field(default_factory=dict)
    _slopes: dict[tuple, sp.Expr] = field(default_factory=dict)
    _derivatives: dict[tuple, sp.Expr] = field(default_factory=dict)
    opaque: dict[sp.Symbol, str] = field(default_factory=dict)  # never-defined symbol -> its name

    def new_atom(self, display: str) -> sp.Symbol:
        name = display
        while variable(name) in self.expansion:
            name += "'"
        return variable(name)

    def expand(self, value: Value, stop: frozenset = frozenset()) -> Value:
        """``value`` with every atom not in ``stop`` replaced by its definition, recursively."""
        if isinstance(value, ImmutableMatrix):
            return value.applyfunc(lambda e: self.expand(e, stop))
        atoms = [a for a in value.free_symbols if a in self.expansion and a not in stop]
        if not atoms:
            return value
        return value.xreplace({a: self._expanded(a, stop) for a in atoms})

    def derivative(self, expr: sp.Expr, v: sp.Symbol) -> sp.Expr:
        """d expr / d v, through the atoms by the chain rule (each atom's slope computed once).

        The same as expanding every atom that depends on v and differentiating, without the
        expansion: the atoms stay in the result and are expanded only when a step is decided.
        One pass over the expression (forward mode), shared sub-expressions differentiated once.
        """
        key = (expr, v)
        hit = self._derivatives.get(key)
        if hit is None:
            hit = self._derivatives[key] = self._d(expr, v)
        return hit

    def _depends(self, expr: sp.Expr, v: sp.Symbol) -> bool:
        for sym in expr.free_symbols:
            if sym == v:
                return True
            if sym in self.expansion:
                reach = self._reachable(sym)
                if v in reach:
                    return True
                self._no_opaque(reach, v)
            elif sym in self.opaque:
                self._no_opaque({sym}, v)
        return False

    def alias_of(self, value: sp.Expr) -> sp.Expr:
        """The variable an atom is only another name for (or the value itself)."""
        seen = 0
        while isinstance(value, sp.Symbol) and value in self.expansion and self.expansion[value].is_Symbol \
                and seen < 50:
            value, seen = self.expansion[value], seen + 1
        return value

    def _no_opaque(self, symbols, v: sp.Symbol) -> None:
        """A symbol the notation knows nothing about may depend on anything: its derivative is
        not zero, it is unknown."""
        if self.opaque:
            for sym in symbols:
                if sym in self.opaque and sym != v:
                    raise Unsupported(f"${self.opaque[sym]}$ is never defined, so its derivative with respect "
                                      f"to ${v}$ is unknown")

    def _d(self, expr: sp.Expr, v: sp.Symbol) -> sp.Expr:
        if expr.is_Symbol:
            if expr == v:
                return sp.Integer(1)
            if expr in self.expansion and v in self._reachable(expr):
                return self._slope(expr, v)
            self._depends(expr, v)
            return sp.Integer(0)
        if expr.is_Number or not self._depends(expr, v):
            return sp.Integer(0)
        if expr.is_Add:
            return sp.Add(*[self.derivative(a, v) for a in expr.args])
        if expr.is_Mul:
            args = expr.args
            terms = []
            for i, a in enumerate(args):
                da = self.derivative(a, v)
                if da != 0:
                    terms.append(sp.Mul(*args[:i], da, *args[i + 1:]))
            return sp.Add(*terms)
        if expr.is_Pow:
            base, power = expr.args
            if not self._depends(power, v):
                return power * base ** (power - 1) * self.derivative(base, v)
            return expr * (self.derivative(power, v) * sp.log(base) + power * self.derivative(base, v) / base)
        if isinstance(expr, sp.exp):
            return expr * self.derivative(expr.args[0], v)
        if isinstance(expr, sp.log):
            return self.derivative(expr.args[0], v) / expr.args[0]
        # anything else (tanh, an undefined g(u)): SymPy, with the chain rule through its atoms
        out = sp.diff(expr, v)
        for atom in expr.free_symbols:
            if atom != v and atom in self.expansion and v in self._reachable(atom):
                out += sp.diff(expr, atom) * self._slope(atom, v)
        return out

    def _slope(self, atom: sp.Symbol, v: sp.Symbol) -> sp.Expr:
        key = (atom, v)
        if key not in self._slopes:
            self._slopes[key] = self.derivative(self.expansion[atom], v)
        return self._slopes[key]

    def _reachable(self, atom: sp.Symbol) -> frozenset:
        """Every symbol (atom or variable) an atom's definition depends on, transitively."""
        if atom not in self._reach:
            direct = self.expansion[atom].free_symbols
            out = set(direct)
            for s in direct:
                if s in self.expansion:
                    out |= self._reachable(s)
            self._reach[atom] = frozenset(out)
        return self._reach[atom]

    def _expanded(self, atom: sp.Symbol, stop: frozenset) -> sp.Expr:
        if not stop:
            if atom not in self._full:
                self._full[atom] = self.expand(self.expansion[atom], stop)
            return self._full[atom]
        return self.expand(self.expansion[atom], stop)


# ----------------------------------------------------------------------------- labels

class Labels:
    """Values of class labels (a one-hot vector is stored as its class).

    Every read is recorded in the open traces, so a cached value knows which labels it depends
    on; with ``default`` set, a label without a value reads as the default, which is how a step
    is asked which labels it needs before they are enumerated.
    """

    def __init__(self, values: Mapping[tuple, int] | None = None, default: int | None = None):
        self.values = dict(values or {})
        self.default = default
        self.classes: dict[tuple, int] = {}
        self._traces: list[set] = []

    def value(self, key: tuple, classes: int) -> int:
        self.classes[key] = classes
        if key in self.values:
            value = self.values[key]
        elif self.default is not None:
            value = self.default
        else:
            raise Unsupported(f"label {format_key(key)} has no value")
        for trace in self._traces:
            trace.add((key, value))
        return value

    def trace(self) -> set:
        trace: set = set()
        self._traces.append(trace)
        return trace

    def end(self, trace: set) -> frozenset:
        """Close the innermost trace (traces nest like the evaluation that opens them)."""
        while self._traces and self._traces.pop() is not trace:
            pass
        return frozenset(trace)

    def matches(self, deps: frozenset) -> bool:
        for key, value in deps:
            current = self.values.get(key, self.default)
            if current != value:
                return False
        return True

    def note(self, deps: frozenset) -> None:
        """A cached value was reused: whatever is being computed around it depends on its labels."""
        for trace in self._traces:
            trace.update(deps)


def format_key(key: tuple) -> str:
    name, *axes = key
    return name + (f"_{{{','.join(map(str, axes))}}}" if axes else "")


# ----------------------------------------------------------------------------- matrices

def is_matrix(v: Value) -> bool:
    return isinstance(v, ImmutableMatrix)


def scalar(v: Value, what: str = "this") -> sp.Expr:
    if is_matrix(v):
        if v.shape == (1, 1):
            return v[0, 0]
        raise ShapeError(f"{what} must be a scalar but is a {shape_text(v)}")
    return v


def shape_text(v: Value) -> str:
    if not is_matrix(v):
        return "scalar"
    r, c = v.shape
    if c == 1:
        return f"column vector of length {r}"
    if r == 1:
        return f"row vector of length {c}"
    return f"{r}×{c} matrix"


def is_vector(v: Value) -> bool:
    return is_matrix(v) and 1 in v.shape


def _simplify_shape(v: Value) -> Value:
    return v[0, 0] if is_matrix(v) and v.shape == (1, 1) else v


#: ``\mathbf{I}`` written with no size and never defined: the identity matrix as large as the square
#: matrix it is added to (``X^T R X + \lambda I``). It stands for that matrix only inside a sum;
#: anywhere else it is refused (Evaluator.top_value).
IDENTITY = sp.Symbol("I(identity)")
#: ``\mathbf{1}`` with nothing beside it in a product to fix its length: the vector of ones as long
#: as the vector it is added to (``\theta - c\mathbf{1}``); refused anywhere else, like IDENTITY.
ONES = sp.Symbol("1(ones)")


def add(a: Value, b: Value) -> Value:
    if is_matrix(a) != is_matrix(b):
        if not is_matrix(a) and a == 0:         # an empty sum is the zero of any shape
            return b
        if not is_matrix(b) and b == 0:
            return a
        a, b = _placeholder_sized(a, b), _placeholder_sized(b, a)
        if is_matrix(a) and is_matrix(b):
            return add(a, b)
        a2, b2 = _simplify_shape(a), _simplify_shape(b)
        if is_matrix(a2) or is_matrix(b2):
            raise ShapeError(f"adding a {shape_text(a)} and a {shape_text(b)}")
        return a2 + b2
    if is_matrix(a):
        if a.shape != b.shape:
            if is_vector(a) and is_vector(b) and len(a) == len(b):
                return ImmutableMatrix(a.shape[0], a.shape[1], [x + y for x, y in zip(a, b)])
            raise ShapeError(f"adding a {shape_text(a)} and a {shape_text(b)}")
        return a + b
    return a + b


def _placeholder_sized(value: Value, beside: Value) -> Value:
    """``c I`` as c times the identity shaped like the square matrix ``beside``, ``c 1`` as c times
    the ones shaped like the vector ``beside``; else ``value``."""
    if is_matrix(value) or not is_matrix(beside):
        return value
    if value.has(IDENTITY) and beside.shape[0] == beside.shape[1]:
        placeholder, matrix = IDENTITY, sp.eye(beside.shape[0]).as_immutable()
    elif value.has(ONES) and is_vector(beside):
        placeholder, matrix = ONES, ImmutableMatrix(*beside.shape, [1] * len(beside))
    else:
        return value
    coefficient = sp.expand(value).coeff(placeholder)
    if coefficient.has(placeholder) or sp.expand(value - coefficient * placeholder) != 0:
        return value
    return coefficient * matrix


def multiply(a: Value, b: Value, notes: list[str] | None = None) -> Value:
    """Product with the conventions of written math: a vector next to a vector of the same
    orientation is a dot product (``w_j x_i`` with both columns)."""
    if not is_matrix(a) or not is_matrix(b):
        return _simplify_shape(a * b) if (is_matrix(a) or is_matrix(b)) else a * b
    if a.shape[1] == b.shape[0]:
        return _simplify_shape(a * b)
    if is_vector(a) and is_vector(b) and len(a) == len(b):
        return sum((x * y for x, y in zip(a, b)), sp.Integer(0))
    raise ShapeError(f"multiplying a {shape_text(a)} by a {shape_text(b)}")


def transpose(v: Value) -> Value:
    return v.T if is_matrix(v) else v


def column(entries: list) -> ImmutableMatrix:
    return ImmutableMatrix(len(entries), 1, entries)


def row(entries: list) -> ImmutableMatrix:
    return ImmutableMatrix(1, len(entries), entries)


# ----------------------------------------------------------------------------- the evaluator

Env = Mapping[str, object]
#: The key under which an environment carries the example a one-example definition is used for
#: (not a name any LaTeX can produce).
SAMPLE = "(sample)"


@dataclass(frozen=True)
class Bound:
    """A definition parameter bound to a value in the body's environment."""
    value: Value


class Evaluator:
    """Gives nodes their value under one notation, one label assignment and one atom table."""

    def __init__(self, notation: Notation, labels: Labels, atoms: AtomTable):
        self.notation = notation
        self.labels = labels
        self.atoms = atoms
        self.notes: list[str] = []
        self._active: list[tuple] = []
        self._memo: dict[tuple, tuple[n.Node, list]] = {}
        self._names: dict[int, tuple[n.Node, tuple[str, ...]]] = {}
        self._contexts: dict[str, set[str]] = {}

    # ---- entry
    def value(self, node: n.Node, env: Env) -> Value:
        """The value of ``node`` here; cached by the node, the part of ``env`` it uses, and the
        labels it read (so one evaluation serves every label assignment it does not depend on)."""
        method = getattr(self, "_" + type(node).__name__.lower())
        key = (id(node), tuple((name, _hashable(env[name])) for name in self._names_in(node) if name in env),
               env.get(SAMPLE))
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

    def index(self, node: n.Node, env: Env) -> int:
        v = self.value(node, env)
        v = scalar(v, "an index")
        if not v.is_Integer:
            raise Unsupported(f"index {node_text(node)} does not evaluate to a whole number")
        return int(v)

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

    def _underbrace(self, node: n.Underbrace, env: Env) -> Value:
        return self.value(node.body, env)

    def _group(self, node: n.Group, env: Env) -> Value:
        if isinstance(node.arg, n.Rel) and node.arg.op in ("=", "\\neq"):
            # [k = y]: Iverson's bracket, 1 where the relation holds and 0 elsewhere
            return sp.Integer(1) if self.holds(node.arg, env) else sp.Integer(0)
        return self.value(node.arg, env)

    # ---- arithmetic
    def _add(self, node: n.Add, env: Env) -> Value:
        total = self.value(node.terms[0], env)
        for term in node.terms[1:]:
            total = add(total, self.value(term, env))
        return total

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

    def _ones(self, factor: n.Node) -> str | None:
        """"column" or "row" for a vector of ones written without its length (``\\mathbf{1}``,
        ``\\mathbf{1}^T``); None for any other factor."""
        if isinstance(factor, n.Sym) and factor.name == INDICATOR:
            return "column"
        if isinstance(factor, n.Scripted) and factor.base == n.Sym(INDICATOR) and not factor.sub:
            sup_index, power, transposed = self.notation.superscript(factor)
            if transposed and power is None and not sup_index:
                return "row"
        return None

    def _ones_beside(self, values: list, i: int, orientation: str) -> Value:
        neighbour = values[i + 1] if orientation == "row" and i + 1 < len(values) else \
            values[i - 1] if orientation == "column" and i > 0 else None
        if not is_matrix(neighbour):
            return ONES      # c\mathbf{1} in θ - c\mathbf{1}: its length comes from the sum (add)
        if orientation == "row":
            return ImmutableMatrix(1, neighbour.shape[0], [1] * neighbour.shape[0])
        return ImmutableMatrix(neighbour.shape[1], 1, [1] * neighbour.shape[1])

    def _hadamard(self, node: n.Hadamard, env: Env) -> Value:
        a, b = self.value(node.left, env), self.value(node.right, env)
        if not (is_matrix(a) and is_matrix(b) and a.shape == b.shape):
            raise ShapeError(f"elementwise product of a {shape_text(a)} and a {shape_text(b)}")
        if node.op == "\\oslash":
            if any(e == 0 for e in b):
                raise Unsupported(f"division by zero in {node_text(node)}")
            return a.multiply_elementwise(b.applyfunc(lambda e: 1 / e))
        return a.multiply_elementwise(b)

    def _div(self, node: n.Div, env: Env) -> Value:
        num = self.value(node.num, env)
        den = scalar(self.value(node.den, env), "a denominator")
        if den == 0:
            raise Unsupported(f"division by zero in {node_text(node)}")
        return num / den if not is_matrix(num) else num.applyfunc(lambda e: e / den)

    def _sqrt(self, node: n.Sqrt, env: Env) -> Value:
        return sp.sqrt(scalar(self.value(node.arg, env), "the argument of \\sqrt"))

    def _norm(self, node: n.Norm, env: Env) -> Value:
        value = self.value(node.arg, env)
        entries = list(value) if is_matrix(value) else [value]
        return sp.sqrt(sum((e ** 2 for e in entries), sp.Integer(0)))

    def _apply(self, node: n.Apply, env: Env) -> Value:
        arg = self.value(node.arg, env)
        func = ELEMENTARY.get(node.func)
        if func is None:
            raise Unsupported(f"the function \\{node.func}")
        if is_matrix(arg):
            raise ShapeError(f"\\{node.func} of a {shape_text(arg)}")
        return func(arg)

    def _indicator(self, node: n.Indicator, env: Env) -> Value:
        return sp.Integer(1) if self.holds(node.condition, env) else sp.Integer(0)

    def _cases(self, node: n.Cases, env: Env) -> Value:
        for value, condition in node.branches:
            if condition is None or self.holds(condition, env):
                return self.value(value, env)
        raise Unsupported("no branch of \\begin{cases} applies here")

    def holds(self, rel: n.Rel, env: Env) -> bool:
        """Whether an index relation such as ``k = y_i`` or ``k \\neq j`` holds here."""
        a, b = self.index(rel.lhs, env), self.index(rel.rhs, env)
        ops = {"=": a == b, "\\neq": a != b, "<": a < b, ">": a > b, "\\leq": a <= b, "\\geq": a >= b}
        if rel.op not in ops:
            raise Unsupported(f"the condition {rel.op}")
        return ops[rel.op]

    # ---- sums
    def _sum(self, node: n.Sum, env: Env) -> Value:
        total: Value | None = None
        for value in self.sum_range(node, env):
            inner = {**env, node.index: value}
            if all(self.holds(c, inner) for c in node.conditions):
                term = self.value(node.body, inner)
                if total is None:
                    total = term
                else:
                    total = multiply(total, term) if node.product else add(total, term)
        if total is None:
            return sp.Integer(1) if node.product else sp.Integer(0)
        return total

    def sum_range(self, node: n.Sum, env: Env) -> range:
        lower = 1 if node.lower is None else self.index(node.lower, env)
        if node.upper is not None:
            upper = self.index(node.upper, env)
        else:
            upper = self.notation.size_of_index(node.index)
            if upper is None:
                raise Unsupported(f"the sum over {node.index} has no upper bound and {node.index} "
                                  "has no declared range")
        if upper - lower > 10_000:
            raise Unsupported(f"a sum of {upper - lower + 1} terms")
        return range(lower, upper + 1)

    # ---- vectors and matrices
    def _vector(self, node: n.Vector, env: Env) -> Value:
        from .dots import resolve_vector
        return resolve_vector(self, node, env)

    def _matrix(self, node: n.Matrix, env: Env) -> Value:
        from .dots import resolve_matrix
        return resolve_matrix(self, node, env)

    # ---- scripts, symbols and calls
    def _scripted(self, node: n.Scripted, env: Env) -> Value:
        base = node.base
        sup_index, power, is_transposed = self.notation.superscript(node)
        if isinstance(base, n.Sym):
            if base.name == "e" and not self.notation.declared("e") and node.sub is None and node.sup is not None:
                return sp.exp(scalar(self.value(node.sup, env), "an exponent"))
            if base.name == "e" and not self.notation.declared("e") and self._unit_vector_letter(node.sub):
                letter = node.sub[0].name       # e_c: the c-th standard basis vector
                size = self.notation.size_of_index(letter) or self._classes()
                value = ImmutableMatrix(size, 1, [int(i + 1 == self.index(node.sub[0], env)) for i in range(size)])
                return self._power(value, power, is_transposed, node, env)
            if base.name == INDICATOR and node.sub and len(node.sub) == 1 and isinstance(_ungroup(node.sub[0]), n.Rel):
                return sp.Integer(1) if self.holds(_ungroup(node.sub[0]), env) else sp.Integer(0)  # 1_{y=k}
            value = self._ones_vector(node) if self._sized_ones(node) else \
                self.symbol(base.name, node.sub or (), sup_index, (), env, node)
        elif isinstance(base, n.Call) and not node.sub and not sup_index and self._is_product(base):
            # x (p - y)^T: the power is the bracket's, since x is no function
            inner = self._power(self.value(base.args[0], env), power, is_transposed, node, env)
            return multiply(self.value(base.head, env), inner, self.notes)
        elif self._sized_ones(node):
            value = self._ones_vector(node)
        else:
            if sup_index:
                raise Unsupported(f"a bracketed superscript on {node_text(base)}")
            value = self.value(base, env)
            if node.sub and not (isinstance(base, n.Norm) and node.sub in ((n.Num("2"),), (n.Sym("F"),))):
                # ‖v‖_2 is ‖v‖, ‖A‖_F is the Frobenius norm (what ‖A‖ means here)
                # (p - y)_k, softmax(z)_k: an entry of a vector or matrix written as an expression
                if not is_matrix(value):
                    raise Unsupported(f"a subscript on {node_text(base)}, which is not a vector or matrix")
                value = self._entry_of(value, node.sub, env, node_text(base))
        return self._power(value, power, is_transposed, node, env)

    def _unit_vector_letter(self, sub: tuple | None) -> bool:
        """``e_k`` (k an index letter) or ``e_c`` (c the class label): a standard basis vector."""
        if not (sub and len(sub) == 1 and isinstance(sub[0], n.Sym)):
            return False
        fam = self.notation.families.get(sub[0].name)
        return sub[0].name in self.notation.indices or (fam is not None and fam.role == "class label" and not fam.axes)

    def _unsized_identity(self) -> bool:
        fam = self.notation.families.get("I")
        return fam is None or (fam.role == "unknown" and not fam.axes and not fam.shape)

    def _ones_vector(self, node: n.Scripted) -> ImmutableMatrix:
        """``1_N``, ``\\mathbf{1}_N``: the column of N ones."""
        size = self.notation.sizes[node.sub[0].name]
        return ImmutableMatrix(size, 1, [1] * size)

    def _sized_ones(self, node: n.Scripted) -> bool:
        return node.base in (n.Num("1"), n.Sym(INDICATOR)) and len(node.sub or ()) == 1 \
            and isinstance(node.sub[0], n.Sym) and node.sub[0].name in self.notation.sizes

    def _power(self, value: Value, power: n.Node | None, transposed: bool, node: n.Node, env: Env) -> Value:
        if transposed:
            value = transpose(value)
        if power is not None:
            exponent = scalar(self.value(power, env), "an exponent")
            if exponent.is_Integer and abs(exponent) > MAX_POWER:
                raise Unsupported(f"the power {exponent} in {node_text(node)} (powers above {MAX_POWER} are "
                                  "not expanded)")
            if is_matrix(value):
                raise ShapeError(f"a power of a {shape_text(value)}")
            value = value ** exponent
        return value

    def _applies_definition(self, name: str, args: tuple) -> bool:
        """Whether ``name(args)`` uses a definition of name: σ(w^T x) binds σ(a)'s parameter, ``L(W, b)``
        names what L depends on; ``y_k (I_{kj} - y_j)`` beside ``y_k(φ)``, where φ is the document's own
        data and the bracket does not mention it, multiplies."""
        defs = self.notation.definitions_of(name)
        if not defs:
            return False
        if _names_dependencies(args):
            return True
        return any(d.params is not None and len(d.params) == len(args) and all(
            not self._is_data(p) or any(isinstance(x, n.Sym) and x.name == p.name for x in n.walk(a))
            for p, a in zip(d.params, args)) for d in defs)

    def _is_data(self, node: n.Node) -> bool:
        """An input or a parameter of the model, declared as such (not a free variable)."""
        fam = self.notation.families.get(node.name) if isinstance(node, n.Sym) else None
        return fam is not None and fam.role in ("input", "weights", "bias")

    def _is_product(self, node: n.Call) -> bool:
        """Whether ``head(arg)`` multiplies (``x (p - y)``) rather than applies a function or
        definition; the same choice as :meth:`_call` makes."""
        name, _, sup_index = _head_parts(node.head)
        if name is not None:
            if self._applies_definition(name, node.args):
                return False
            if name in self.notation.functions or (name in self.notation.families
                                                   and self.notation.families[name].role == "function"):
                return False
        if name in BUILTIN_FUNCTIONS and not sup_index and not self.notation.declared(name):
            return False
        return len(node.args) == 1

    def _call(self, node: n.Call, env: Env) -> Value:
        head = node.head
        name, sub, sup_index = _head_parts(head)
        if name is not None:
            if self._applies_definition(name, node.args):
                return self.symbol(name, sub, sup_index, node.args, env, node)
            if name in self.notation.functions:
                args = [scalar(self.value(a, env), f"an argument of {name}") for a in node.args]
                return sp.Function(_function_name(name, sub, self, env))(*args)
            if name in self.notation.families:
                fam = self.notation.families[name]
                if fam.role == "function":
                    args = [scalar(self.value(a, env), f"an argument of {name}") for a in node.args]
                    return sp.Function(_function_name(name, sub, self, env))(*args)
        if name in BUILTIN_FUNCTIONS and not sup_index and len(node.args) == 1 and not self.notation.declared(name):
            value = BUILTIN_FUNCTIONS[name](self.value(node.args[0], env))
            return self._entry_of(value, sub, env, name) if sub else value     # softmax(z)_k
        if len(node.args) != 1:
            raise Unsupported(f"{node_text(head)} is followed by a list of {len(node.args)} items but is "
                              "not a declared function")
        return multiply(self.value(head, env), self.value(node.args[0], env), self.notes)

    def symbol(self, name: str, sub: tuple, sup_index: tuple, args: tuple, env: Env, node: n.Node) -> Value:
        """The value of ``name`` with its indices and arguments (the heart of the notation)."""
        bound = env.get(name)
        if isinstance(bound, Bound):
            return self._entry_of(bound.value, sub, env, name)
        if isinstance(bound, int) and not sub and not sup_index:
            return sp.Integer(bound)
        if self.notation.definitions_of(name):
            return self._defined_value(name, sub, sup_index, args, env, node)
        if name == "I" and not sub and not sup_index and self._unsized_identity():
            return IDENTITY
        if name in self.notation.families:
            return self._family_value(self.notation.families[name], sub, sup_index, env)
        if name in self.notation.sizes and not sub:
            return sp.Integer(self.notation.sizes[name])
        if name == "e" and not sub:
            return sp.E
        if name == "\\pi" and not sub:
            return sp.pi
        if name == "\\delta" and sub:
            values = self._indices(sub, 2, env, name)
            return sp.Integer(1) if values[0] == values[1] else sp.Integer(0)
        if name in self.notation.indices:
            raise Unsupported(f"the index {name} is used outside any sum and has no value here")
        if name == INDICATOR:
            return ONES
        if name in self.notation.functions:
            raise Unsupported(f"the function {name} is used without an argument")
        values = self._indices(sub, len(_flat_items(sub)), env, name) if sub else ()
        symbol = variable(name + (f"_{{{','.join(map(str, values))}}}" if values else ""))
        if self.notation.raw.get("inferred"):
            # read from the text and still unknown: nothing about it may be assumed
            self.atoms.opaque[symbol] = name
        else:
            self.note(f"{name} is not declared in the notation; read as a free real variable")
        return symbol

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def _entry_of(self, value: Value, sub: tuple, env: Env, name: str) -> Value:
        if not sub:
            return value
        if not is_matrix(value):
            raise ShapeError(f"{name} is a scalar here but has a subscript")
        idx = self._indices(sub, 1 if is_vector(value) else 2, env, name)
        try:
            if is_vector(value):
                return value[idx[0] - 1]
            return value[idx[0] - 1, idx[1] - 1]
        except IndexError:
            raise Unsupported(f"index {idx} is out of range for {name}") from None

    def _indices(self, sub: tuple, count: int, env: Env, name: str) -> list[int]:
        items = _flat_items(sub)
        if len(items) != count:
            if len(items) == 1 and isinstance(items[0], n.Mul) and len(items[0].factors) == count \
                    and all(isinstance(f, n.Sym) for f in items[0].factors):
                items = list(items[0].factors)
            else:
                raise Unsupported(f"{name} takes {count} ind{'ex' if count == 1 else 'ices'} here, "
                                  f"but is written with {len(items)}")
        return [self.index(i, env) for i in items]

    # ---- declared symbols
    def _family_value(self, fam: Family, sub: tuple, sup_index: tuple, env: Env) -> Value:
        sizes = self.notation.sizes
        sup_vals = self._indices(sup_index, len(fam.sup_axes), env, fam.name) if sup_index else \
            self._sample_here(fam.sup_axes, env, fam.name)
        sub_items = _flat_items(sub)
        n_axes = len(fam.sub_axes)
        if sub_items and len(sub_items) < n_axes:
            sub_vals = self._indices(sub, n_axes, env, fam.name)
            entry_vals: list[int] = []
        else:
            sub_vals = [self.index(i, env) for i in sub_items[:n_axes]] if sub_items else \
                self._sample_here(fam.sub_axes, env, fam.name) if fam.shape and not sup_index else None
            entry_vals = [self.index(i, env) for i in sub_items[n_axes:]]
        for letter_vals, axes in ((sup_vals, fam.sup_axes), (sub_vals, fam.sub_axes)):
            if letter_vals is not None:
                for v, a in zip(letter_vals, axes):
                    _check_range(v, sizes[self.notation.indices[a]], fam.name)
        if len(entry_vals) > len(fam.shape):
            raise Unsupported(f"{fam.name} has {len(fam.shape) + n_axes} ind"
                              f"{'ex' if len(fam.shape) + n_axes == 1 else 'ices'}, written with more")
        for v, s in zip(entry_vals, fam.shape):
            _check_range(v, sizes[s], fam.name)
        sup_choices = [sup_vals] if sup_vals is not None else (
            [list(c) for c in itertools.product(*[range(1, sizes[self.notation.indices[a]] + 1)
                                                  for a in fam.sup_axes])])
        sub_choices = [sub_vals] if sub_vals is not None else (
            [list(c) for c in itertools.product(*[range(1, sizes[self.notation.indices[a]] + 1)
                                                  for a in fam.sub_axes])])
        members = [[self._member(fam, sv, bv, entry_vals) for bv in sub_choices] for sv in sup_choices]
        return _stack(members, sup_vals is None and bool(fam.sup_axes), sub_vals is None and bool(fam.sub_axes),
                      self._axis_lengths(fam.sub_axes) if sub_vals is None else ())

    def _member(self, fam: Family, sup_vals: list[int], sub_vals: list[int], entry: list[int]) -> Value:
        sizes = self.notation.sizes
        if fam.role in LABEL_ROLES:
            return self._label_member(fam, sup_vals, sub_vals, entry)
        if fam.role == "distribution":
            return self._distribution_member(fam, sup_vals, sub_vals, entry)
        shape = [sizes[s] for s in fam.shape[len(entry):]]
        prefix = fam.name + (f"^{{({','.join(map(str, sup_vals))})}}" if sup_vals else "") + \
            (f"_{{{','.join(map(str, sub_vals))}}}" if sub_vals else "")
        positive = fam.role == "positive"

        def leaf(extra: tuple[int, ...]) -> sp.Symbol:
            full = list(entry) + list(extra)
            suffix = f"[{','.join(map(str, full))}]" if full else ""
            symbol = variable(prefix + suffix, positive)
            if fam.role == "unknown":
                self.atoms.opaque[symbol] = fam.name
            return symbol

        if not shape:
            return leaf(())
        if len(shape) == 1:
            return column([leaf((i,)) for i in range(1, shape[0] + 1)])
        if len(shape) == 2:
            return ImmutableMatrix(shape[0], shape[1],
                                   [leaf((i, j)) for i in range(1, shape[0] + 1) for j in range(1, shape[1] + 1)])
        raise Unsupported(f"{fam.name}: shapes beyond matrices")

    def _distribution_member(self, fam: Family, sup_vals, sub_vals, entry) -> Value:
        """Entries that sum to one: free variables, but the last is one minus the others (so that
        Σ_i p_i = 1 holds exactly, as the text says)."""
        indices = list(sup_vals or ()) + list(sub_vals or ()) + list(entry)
        if fam.shape:
            size, split = self.notation.sizes[fam.shape[-1]], len(fam.axes)
        else:
            size, split = self.notation.sizes[self.notation.indices[fam.axes[-1]]], len(fam.axes) - 1
        key, position = indices[:split], indices[split:]

        def free(j: int) -> sp.Symbol:
            return share(f"{fam.name}_{{{','.join(map(str, key + [j]))}}}")

        def value(j: int) -> sp.Expr:
            return free(j) if j < size else 1 - sum((free(i) for i in range(1, size)), sp.Integer(0))
        return value(position[0]) if position else column([value(j) for j in range(1, size + 1)])

    def _label_member(self, fam: Family, sup_vals, sub_vals, entry) -> Value:
        sizes = self.notation.sizes
        if fam.role == "class label":
            classes = self._classes()
            return sp.Integer(self.labels.value((fam.name, *sup_vals, *sub_vals), classes))
        # one-hot: the last written index is the entry; the others pick the member
        indices = list(sup_vals) + list(sub_vals) + list(entry)
        if fam.shape:
            n_classes = sizes[fam.shape[-1]]
            key_axes, position = indices[:len(fam.axes)], indices[len(fam.axes):]
        else:
            n_classes = sizes[self.notation.indices[fam.axes[-1]]]
            key_axes, position = indices[:len(fam.axes) - 1], indices[len(fam.axes) - 1:]
        label = self.labels.value((fam.name, *key_axes), n_classes)
        if position:
            return sp.Integer(1) if position[0] == label else sp.Integer(0)
        return column([sp.Integer(1) if c == label else sp.Integer(0) for c in range(1, n_classes + 1)])

    def _classes(self) -> int:
        for name, role in self.notation.size_roles.items():
            if role == "classes":
                return self.notation.sizes[name]
        raise Unsupported("a class label needs a size with role 'classes'")

    # ---- defined symbols
    def _defined_value(self, name: str, sub: tuple, sup_index: tuple, args: tuple, env: Env,
                       node: n.Node) -> Value:
        errors = []
        sample = self._one_example(name, sup_index, env)
        if sample is not None:
            # ŷ^{(i)} beside ŷ = softmax(o): the definition is written for one example; here for example i
            return self._defined_value(name, sub, (), args, {**env, SAMPLE: sample}, node)
        written = (len(_flat_items(sub)), len(sup_index or ()))
        per_example = self._per_example(name, written) if not args else None
        if per_example is not None:
            # a_k = w_k^T φ beside a_{nk} = w_k^T φ_n: a_k is a_{nk} for the example in use
            if SAMPLE not in env:
                self.note(f"{name} is written without its sample index: read as one example, the first")
            return self._use(per_example, sub, (), (), env, lead=env.get(SAMPLE, 1))
        # L beside L_i: the definition written with as many indices as the use comes first
        candidates = sorted(self.notation.definitions_of(name),
                            key=lambda d: (len(d.sub_axes), len(d.sup_axes)) != written)
        for defn in candidates:
            try:
                value = self._use(defn, sub, sup_index, args, env)
            except _NoMatch as why:
                errors.append(str(why))
                continue
            return self._as_entries(value, defn, candidates, args, env) if written == (0, 0) else value
        items = _flat_items(sub)
        # a family declared for the written form (E_k beside E = Σ_j E_j) wins over the whole vector's
        # definition, though not over one with the leading indices (u_{t,c} beside u_t = Θ x_t)
        shorter = sorted((d for d in candidates if not d.sup_axes and len(d.sub_axes) < len(items)
                          and (d.params is None or not d.sub_axes)
                          and (d.sub_axes or name not in self.notation.families)), key=lambda d: -len(d.sub_axes))
        if shorter and not sup_index:
            # z_k beside z = Wx + b, u_{t,c} beside u_t = Θ x_t: an entry of the vector defined
            k = len(shorter[0].sub_axes)
            value = self._use(shorter[0], tuple(items[:k]), (), args, env)
            return self._entry_of(value, tuple(items[k:]), env, name)
        longer = [d for d in candidates if d.params is None and not d.sup_axes and len(d.sub_axes) == len(items) + 1
                  and all(self._same_axis(i, a) for i, a in zip(items, d.sub_axes))]
        fam = self.notation.families.get(name)
        if items and longer and not sup_index and (fam is None or fam.role == "unknown"):
            # \tilde{y}_t beside \tilde{y}_{t,c} = …: example t's vector of entries
            size = self.notation.size_of_index(longer[0].sub_axes[-1])
            return column([self._use(longer[0], tuple(items) + (n.Num(str(c)),), (), args, env)
                           for c in range(1, size + 1)])
        if name in self.notation.families:
            # y_{nc} = 1(y_n = c) is defined, y_n is the declared class label
            return self._family_value(self.notation.families[name], sub, sup_index, env)
        raise Unsupported(f"{node_text(node)} does not match the definition of {name}: {'; '.join(errors)}")

    def _same_axis(self, item: n.Node, letter: str) -> bool:
        return isinstance(item, n.Sym) and item.name in self.notation.indices \
            and self.notation.indices[item.name] == self.notation.indices.get(letter)

    def _per_example(self, name: str, written: tuple[int, int]) -> Definition | None:
        """The definition with the sample index first (``a_{nk}``) that a use without it (``a_k``)
        stands for: where the one written that way is about one example (its body writes a
        per-example symbol such as φ without its index), or where there is none."""
        defs = self.notation.definitions_of(name)
        wider = [d for d in defs if d.params is None and not d.sup_axes and len(d.sub_axes) == written[0] + 1
                 and self._is_sample_letter(d.sub_axes[0])]
        if written[1] or not written[0] or not wider:
            return None     # p written bare beside p_i: the vector of every example's p_i
        same = [d for d in defs if (len(d.sub_axes), len(d.sup_axes)) == written]
        if not same and name in self.notation.families:
            return None     # y_n beside y_{nc} = 1(y_n = c): the declared label itself
        return wider[0] if all(self._about_one_example(d) for d in same) else None

    def _about_one_example(self, defn: Definition) -> bool:
        for x in n.walk(defn.rhs):
            fam = self.notation.families.get(x.name) if isinstance(x, n.Sym) else None
            if fam is not None and len(fam.axes) == 1 and self._is_sample_letter(fam.axes[0]):
                return True
        return False

    def _one_example(self, name: str, sup_index: tuple, env: Env) -> int | None:
        """The example a sample superscript names, where every definition of ``name`` is written
        without one (and so for a single example); None otherwise."""
        if not sup_index or len(sup_index) != 1 or any(d.sup_axes for d in self.notation.definitions_of(name)):
            return None
        item = sup_index[0]
        if not (isinstance(item, n.Sym) and self._is_sample_letter(item.name)):
            return None
        return self.index(item, env)

    def _example_of(self, pattern: n.Node, arg: n.Node, env: Env) -> int | None:
        """The example ``arg`` is, where it is ``pattern`` with a sample index (φ_n for φ, x^{(i)} for x)."""
        if not (isinstance(pattern, n.Sym) and isinstance(arg, n.Scripted) and arg.base == pattern):
            return None
        fam = self.notation.families.get(pattern.name)
        if fam is None:
            return None
        sup_index = self.notation.superscript(arg)[0]
        for items, axes in ((_flat_items(arg.sub), fam.sub_axes), (list(sup_index), fam.sup_axes)):
            if len(items) == 1 and len(axes) == 1 and self._is_sample_letter(axes[0]):
                return self.index(items[0], env)
        return None

    def _is_sample_letter(self, letter: str) -> bool:
        return self.notation.size_roles.get(self.notation.indices.get(letter)) == "samples"

    def _sample_here(self, axes: tuple[str, ...], env: Env, name: str) -> list[int] | None:
        """``x`` written bare beside ``x^{(i)}``: one example, the one in use (example 1 in a step
        about a single example, with a note); None where the superscript is not a sample's."""
        if len(axes) != 1 or not self._is_sample_letter(axes[0]):
            return None
        if SAMPLE not in env:
            self.note(f"{name} is written without its sample superscript: read as one example, {name}^{{(1)}}")
        return [env.get(SAMPLE, 1)]

    def _as_entries(self, value: Value, defn: Definition, candidates: list, args: tuple, env: Env) -> Value:
        """``z = W^T x + b`` beside ``z_c = w_c^T x + b_c`` (or ``S = XW + 1b^T`` beside ``S_{nj} = …``):
        the vector or matrix is made of the entries the rest of the document uses, so that
        derivatives by z and by z_c meet the same quantities."""
        if defn.sub_axes or defn.sup_axes or not is_matrix(value):
            return value
        for entry in candidates:
            if len(entry.sub_axes) in (1, 2) and not entry.sup_axes and entry.params is None:
                try:
                    entries = self._use(entry, (), (), args, env)
                except _NoMatch:
                    continue
                if is_matrix(entries) and entries.shape == value.shape:
                    return entries
        return value

    def _use(self, defn: Definition, sub: tuple, sup_index: tuple, args: tuple, env: Env,
             lead: int | None = None) -> Value:
        """``defn`` at the indices written (``lead``: a value for its first index, not written)."""
        sizes = self.notation.sizes
        sub_items = _flat_items(sub)
        if lead is not None:
            sub_vals = [lead] + [self.index(i, env) for i in sub_items]
        elif sub_items and len(sub_items) != len(defn.sub_axes):
            if len(defn.sub_axes) > 1 and len(sub_items) == 1:
                try:
                    sub_vals = self._indices(sub, len(defn.sub_axes), env, defn.name)
                except Unsupported as why:
                    raise _NoMatch(str(why)) from None
            else:
                raise _NoMatch(f"{len(defn.sub_axes)} subscript ind{'ex' if len(defn.sub_axes) == 1 else 'ices'} expected")
        else:
            sub_vals = [self.index(i, env) for i in sub_items] if sub_items else None
        sup_vals = self._indices(sup_index, len(defn.sup_axes), env, defn.name) if sup_index else \
            self._sample_here(defn.sup_axes, env, defn.name)
        # the example in use matters to a definition about one example, not to one with its own sample index
        own_sample = any(self._is_sample_letter(a) for a in defn.sub_axes + defn.sup_axes)
        binding: dict[str, object] = {SAMPLE: env[SAMPLE]} if SAMPLE in env and not own_sample else {}
        if defn.params is not None and args:
            if len(args) != len(defn.params):
                raise _NoMatch(f"{len(defn.params)} argument{'s' if len(defn.params) != 1 else ''} expected")
            for pattern, arg in zip(defn.params, args):
                self._bind(pattern, _ungroup(arg), env, binding)
                sample = self._example_of(pattern, _ungroup(arg), env)
                if sample is not None:      # y_k(φ_n) beside a_k = w_k^T φ: the body is about example n
                    binding[SAMPLE] = sample
        sub_choices = [sub_vals] if sub_vals is not None else [
            list(c) for c in itertools.product(*[range(1, sizes[self.notation.indices[a]] + 1) for a in defn.sub_axes])]
        sup_choices = [sup_vals] if sup_vals is not None else [
            list(c) for c in itertools.product(*[range(1, sizes[self.notation.indices[a]] + 1) for a in defn.sup_axes])]
        binding.update(self._context_indices(defn, binding, env))
        members = [[self._atom(defn, sv, bv, binding) for bv in sub_choices] for sv in sup_choices]
        return _stack(members, sup_vals is None and bool(defn.sup_axes), sub_vals is None and bool(defn.sub_axes),
                      self._axis_lengths(defn.sub_axes) if sub_vals is None else ())

    def _axis_lengths(self, axes: tuple[str, ...]) -> tuple[int, ...]:
        return tuple(self.notation.size_of_index(a) for a in axes)

    def _bind(self, pattern: n.Node, arg: n.Node, env: Env, binding: dict) -> None:
        """Match one definition parameter against the argument of a use."""
        if pattern == arg:
            return  # J(θ) used as J(θ): nothing to substitute, and θ keeps its own indexing
        if isinstance(pattern, n.Sym):
            if pattern.name in self.notation.indices:
                binding[pattern.name] = self.index(arg, env)
            else:
                binding[pattern.name] = Bound(self.value(arg, env))
            return
        if isinstance(pattern, n.Scripted) and isinstance(pattern.base, n.Sym) and pattern.sub \
                and all(isinstance(i, n.Sym) and i.name in self.notation.indices for i in _flat_items(pattern.sub)):
            if not (isinstance(arg, n.Scripted) and isinstance(arg.base, n.Sym) and arg.base.name == pattern.base.name
                    and arg.sub and len(_flat_items(arg.sub)) == len(_flat_items(pattern.sub))):
                raise _NoMatch(f"argument {node_text(arg)} is not of the form {node_text(pattern)}")
            for letter, item in zip(_flat_items(pattern.sub), _flat_items(arg.sub)):
                binding[letter.name] = self.index(item, env)
            return
        if isinstance(pattern, n.Given) and isinstance(arg, n.Given):
            self._bind(pattern.event, arg.event, env, binding)
            self._bind(pattern.condition, arg.condition, env, binding)
            return
        if isinstance(pattern, n.Rel) and isinstance(arg, n.Rel) and pattern.op == arg.op:
            self._bind(pattern.lhs, arg.lhs, env, binding)
            self._bind(pattern.rhs, arg.rhs, env, binding)
            return
        raise _NoMatch(f"argument {node_text(arg)} does not fit {node_text(pattern)}")

    def _context_indices(self, defn: Definition, binding: dict, env: Env) -> dict[str, int]:
        """Free indices a definition's body uses besides its own (``f_j = w_j x_i`` uses the
        sample index i): their values come from where the definition is used."""
        own = set(defn.sub_axes) | set(defn.sup_axes) | set(binding)
        needed = self._context_letters(defn, ()) - own
        values = {}
        for letter in sorted(needed):
            value = env.get(letter)
            if not isinstance(value, int):
                raise Unsupported(f"the definition of {defn.name} uses the index {letter}, which has no "
                                  "value where it is used")
            values[letter] = value
        return values

    def _context_letters(self, defn: Definition, seen: tuple) -> set[str]:
        """Free index letters of a definition's body and of the definitions it uses, transitively."""
        if defn.text in self._contexts:
            return self._contexts[defn.text]
        if defn.text in seen:
            return set()
        self._contexts[defn.text] = letters = self._context_letters_of(defn, seen)
        return letters

    def _context_letters_of(self, defn: Definition, seen: tuple) -> set[str]:
        own = set(defn.sub_axes) | set(defn.sup_axes)
        letters = n.free_indices(defn.rhs, self.notation.indices)
        for x in n.walk(defn.rhs):
            if isinstance(x, n.Sym) and x.name != defn.name:
                for used in self.notation.definitions_of(x.name):
                    # letters a used definition binds through its arguments come from those
                    # arguments, which this body writes (and binds or leaves free) itself
                    letters |= self._context_letters(used, seen + (defn.text,)) - _parameter_letters(used, self.notation)
        return letters - own

    def _atom(self, defn: Definition, sup_vals: list[int], sub_vals: list[int], binding: dict) -> Value:
        env: dict[str, object] = {}
        for letter, value in zip(defn.sup_axes + defn.sub_axes, list(sup_vals) + list(sub_vals)):
            if env.setdefault(letter, value) != value:
                # R_{nn} = y_n(1 - y_n) says nothing of R_{12}: never read it as R_{22}
                raise Unsupported(f"{defn.text} defines only the entries whose {letter}-indices agree")
        env.update(binding)
        key = (defn.text, tuple(sorted((k, _hashable(v)) for k, v in env.items())))
        for deps, known in self.atoms.by_key.get(key, ()):
            if self.labels.matches(deps):
                self.labels.note(deps)
                return known
        if key in self._active:
            raise Unsupported(f"the definition of {defn.name} refers to itself")
        self._active.append(key)
        trace = self.labels.trace()
        try:
            body = self.value(defn.rhs, env)
        finally:
            self._active.pop()
            deps = self.labels.end(trace)
        self.labels.note(deps)
        display = _atom_display(defn, sup_vals, sub_vals, binding, self)
        if is_matrix(body):
            entries = []
            for pos, entry in enumerate(body):
                atom = self.atoms.new_atom(f"{display}[{pos + 1}]")
                self.atoms.expansion[atom] = entry
                entries.append(atom)
            result: Value = ImmutableMatrix(body.shape[0], body.shape[1], entries)
        else:
            atom = self.atoms.new_atom(display)
            self.atoms.expansion[atom] = body
            result = atom
        self.atoms.by_key.setdefault(key, []).append((deps, result))
        return result

    # ---- derivatives
    def _deriv(self, node: n.Deriv, env: Env) -> Value:
        wrt = self.value(node.wrt, env)
        # Θ_{k,d} = θ_{k,d}: a name for a variable is that variable
        wrt = wrt.applyfunc(self.atoms.alias_of) if is_matrix(wrt) else self.atoms.alias_of(wrt)
        variables = list(wrt) if is_matrix(wrt) else [wrt]
        for v in variables:
            if not isinstance(v, sp.Symbol):
                raise Unsupported(f"a derivative with respect to {node_text(node.wrt)}, which is not a variable")
        body = self.value(node.body, env)
        return differentiate(body, wrt, gradient=node.gradient, layout=self.notation.layout,
                             diff=self.atoms.derivative)


#: Named functions; the hyperbolic ones in exponentials, which the exact procedure decides.
ELEMENTARY = {
    "log": sp.log, "ln": sp.log, "exp": sp.exp, "sin": sp.sin, "cos": sp.cos,
    "tanh": lambda a: (sp.exp(a) - sp.exp(-a)) / (sp.exp(a) + sp.exp(-a)),
    "sinh": lambda a: (sp.exp(a) - sp.exp(-a)) / 2,
    "cosh": lambda a: (sp.exp(a) + sp.exp(-a)) / 2,
}


def _softmax(v: Value) -> Value:
    if not is_matrix(v):
        raise ShapeError("the softmax of a scalar")
    total = sum((sp.exp(e) for e in v), sp.Integer(0))
    return v.applyfunc(lambda e: sp.exp(e) / total)


def _sigmoid(v: Value) -> Value:
    return v.applyfunc(lambda e: 1 / (1 + sp.exp(-e))) if is_matrix(v) else 1 / (1 + sp.exp(-v))


def _diag(v: Value) -> Value:
    if not is_vector(v):
        raise ShapeError(f"diag of a {shape_text(v)}" if is_matrix(v) else "diag of a scalar")
    return ImmutableMatrix(sp.diag(*list(v)))


#: The value of each function written by name (notation/conventions.py lists them).
BUILTIN_FUNCTIONS = {SOFTMAX: _softmax, SIGMOID: _sigmoid, DIAG: _diag}


class _NoMatch(Exception):
    pass


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


# ----------------------------------------------------------------------------- helpers

def _check_range(value: int, size: int, name: str) -> None:
    if not 1 <= value <= size:
        raise OutOfRange(f"{name} has no entry {value}: its index runs over 1..{size}")


def _stack(members: list[list[Value]], over_sup: bool, over_sub: bool, sub_lengths: tuple[int, ...] = ()) -> Value:
    """Members of a family laid out as the whole: a vector over one free axis, a matrix over two
    (``Theta_{ij}`` used as ``Theta`` is the D×K matrix)."""
    if not over_sup and not over_sub:
        return members[0][0]
    if over_sup and not over_sub:
        flat = [m[0] for m in members]
    elif over_sub and not over_sup:
        flat = members[0]
        if len(sub_lengths) == 2 and all(not is_matrix(m) for m in flat):
            return ImmutableMatrix(sub_lengths[0], sub_lengths[1], flat)
    else:
        raise Unsupported("a family indexed both above and below, used without indices")
    if all(not is_matrix(m) for m in flat):
        return column(flat)
    if all(is_vector(m) for m in flat):
        cols = [list(m) for m in flat]
        return ImmutableMatrix(len(cols[0]), len(cols), [cols[c][r] for r in range(len(cols[0])) for c in range(len(cols))])
    raise Unsupported("stacking matrices")


def _parameter_letters(defn: Definition, notation: Notation) -> set[str]:
    """Index letters a definition binds through its parameters (``\\sigma(z_k)`` binds k)."""
    if not defn.params:
        return set()
    return {x.name for p in defn.params for x in n.walk(p) if isinstance(x, n.Sym) and x.name in notation.indices}


def _names_dependencies(args: tuple) -> bool:
    """``L_i(f_k)``, ``\\ell(W, b)``, ``P(y = k | x)``: brackets after a defined symbol that name what
    it depends on; anything else in them (``p_k (\\delta_{kj} - p_j)``, ``\\pi (1^T y)``) is a factor."""
    def named(arg: n.Node) -> bool:
        arg = _ungroup(arg)
        if isinstance(arg, (n.Sym, n.Given, n.Rel)):
            return True
        if isinstance(arg, n.Call):         # L_i(f(w_k)): L_i depends on f, which depends on w_k
            return named(arg.head) and all(named(a) for a in arg.args)
        return isinstance(arg, n.Scripted) and isinstance(arg.base, n.Sym) and (arg.sup is None or isinstance(arg.sup, n.Group))
    return len(args) > 1 or all(named(a) for a in args)


def _flat_items(sub) -> list[n.Node]:
    """The indices of a subscript; a run of letters ``_{ni}`` is two indices, never a product."""
    if not sub:
        return []
    items = list(sub)
    if items[:1] == ["substack"]:
        raise Unsupported("\\substack outside a sum")
    if len(items) == 1 and isinstance(items[0], n.Mul) and all(_index_like(f) for f in items[0].factors):
        return list(items[0].factors)
    return items


def _index_like(node: n.Node) -> bool:
    """One index of a run written without commas: a letter, or an indexed label (``\\pi_{i y_i}``)."""
    if isinstance(node, n.Sym):
        return len(node.name.rstrip("'")) == 1 and node.name[0].isalpha()
    return isinstance(node, n.Scripted) and isinstance(node.base, n.Sym) and node.sup is None and bool(node.sub)


def _head_parts(head: n.Node):
    if isinstance(head, n.Sym):
        return head.name, (), ()
    if isinstance(head, n.Scripted) and isinstance(head.base, n.Sym):
        sup = head.sup
        sup_index = (sup.arg,) if isinstance(sup, n.Group) else ()
        return head.base.name, head.sub or (), sup_index
    return None, (), ()


def _function_name(name: str, sub: tuple, ev: Evaluator, env: Env) -> str:
    if not sub:
        return name
    return name + "_{" + ",".join(str(ev.index(i, env)) for i in _flat_items(sub)) + "}"


def _ungroup(node: n.Node) -> n.Node:
    return node.arg if isinstance(node, n.Group) else node


def _hashable(v: object) -> object:
    if isinstance(v, Bound):
        value = v.value
        return ("bound", tuple(value) if is_matrix(value) else value)
    return v


def _atom_display(defn: Definition, sup_vals, sub_vals, binding: dict, ev: Evaluator) -> str:
    text = defn.name
    if sup_vals:
        text += f"^{{({','.join(map(str, sup_vals))})}}"
    if sub_vals:
        text += f"_{{{','.join(map(str, sub_vals))}}}"
    bound = [k for k, v in binding.items() if isinstance(v, Bound)]
    if bound:
        text += "(" + ",".join(sorted(bound)) + ")"
    return text


def node_text(node: n.Node) -> str:
    """A short readable rendering of a node, for messages."""
    from ..latex.render import to_latex
    return to_latex(node)


def instances(letters: list[str], notation: Notation) -> Iterator[dict[str, int]]:
    """Every assignment of values to free index letters, in a fixed order."""
    ranges = []
    for letter in letters:
        size = notation.size_of_index(letter)
        if size is None:
            raise Unsupported(f"the free index {letter} has no declared range")
        ranges.append(range(1, size + 1))
    for combo in itertools.product(*ranges):
        yield dict(zip(letters, combo))
