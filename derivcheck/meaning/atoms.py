"""Variables, atoms and labels: the symbols values are made of, and the class labels they read.

A declared symbol's entries are variables, one object per name. A use of a defined symbol is an
atom: a symbol whose expansion the AtomTable keeps, and through which it differentiates by the
chain rule (``derivative``), everything upstream of the atom held as a variable. A class label is
read through Labels, which records which labels each value depends on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp
from sympy import ImmutableMatrix

from .values import Unsupported, Value

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


class Binary(sp.Symbol):
    """A variable the text says is 0 or 1 (``y^{(i)} \\in \\{0, 1\\}``): a real variable to the identity test,
    so a proof covers 0 and 1 among the rest, and refute.py samples it at 0 and 1 only."""


def binary(name: str) -> Binary:
    return Binary(name)


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
    ambiguous: set[sp.Symbol] = field(default_factory=set)       # symbols of a letter with two meanings
    graph_nodes: set[sp.Symbol] = field(default_factory=set)     # statistics a local derivative may hold fixed
    held: frozenset = frozenset()                                # graph nodes held fixed now (decide.py)

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
        key = (expr, v, self.held)
        hit = self._derivatives.get(key)
        if hit is None:
            hit = self._derivatives[key] = self._d(expr, v)
        return hit

    def local_derivative(self, expr: sp.Expr, v: sp.Symbol) -> sp.Expr:
        """d expr / d v, where a held graph node is held fixed inside ``expr`` but not when it is ``expr``
        itself (``∂μ/∂x_i`` is μ's own slope; in ``∂x̂_i/∂x_i`` μ stays)."""
        if expr in self.held and expr != v:
            return self.derivative(self.expansion[expr], v)
        return self.derivative(expr, v)

    def _depends(self, expr: sp.Expr, v: sp.Symbol) -> bool:
        """Whether ``expr`` may change with ``v``: it holds v, or an atom that reaches v, or a symbol
        the notation knows nothing about (which may depend on anything)."""
        for sym in expr.free_symbols:
            if sym == v or sym in self.opaque:
                return True
            if sym in self.expansion:
                reach = self._reachable(sym)
                if v in reach or any(s in self.opaque and s != v for s in reach):
                    return True
        return False

    def alias_of(self, value: sp.Expr) -> sp.Expr:
        """The variable an atom is only another name for (or the value itself)."""
        seen = 0
        while isinstance(value, sp.Symbol) and value in self.expansion and self.expansion[value].is_Symbol \
                and seen < 50:
            value, seen = self.expansion[value], seen + 1
        return value

    def _unknown_slope(self, sym: sp.Symbol, v: sp.Symbol) -> sp.Symbol:
        """The derivative of a symbol the notation knows nothing about: not zero, an unknown quantity
        of its own. A step that holds whatever it is (∂c/∂θ_j + Σ_l p_l (δ_lj - ∂c/∂θ_j) = p_j) is
        proved; one that needs its value cannot be refuted (decide.py refutes nothing with it on one
        side only)."""
        key = (sym, v)
        if key not in self._slopes:
            slope = variable(f"d{sym.name}/d{v.name}")     # itself unknown: its own slopes are too
            self.opaque[slope] = f"\\partial {self.opaque[sym]} / \\partial {sp.latex(v)}"
            if sym in self.ambiguous:
                self.ambiguous.add(slope)
            self._slopes[key] = slope
        return self._slopes[key]

    def _d(self, expr: sp.Expr, v: sp.Symbol) -> sp.Expr:
        if expr.is_Symbol:
            if expr == v:
                return sp.Integer(1)
            if expr in self.held:
                return sp.Integer(0)
            if expr in self.opaque:
                if v in self.expansion and expr in self._reachable(v):
                    return sp.Integer(0)    # ∂μ/∂y with y defined through μ: μ is upstream of y, held fixed
                return self._unknown_slope(expr, v)
            if expr in self.expansion and self._depends(expr, v):
                return self._slope(expr, v)
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
            if atom != v and ((atom in self.expansion and self._depends(atom, v)) or atom in self.opaque
                              and not (v in self.expansion and atom in self._reachable(v))):
                out += sp.diff(expr, atom) * self.derivative(atom, v)
        return out

    def _slope(self, atom: sp.Symbol, v: sp.Symbol) -> sp.Expr:
        key = (atom, v, self.held)
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
