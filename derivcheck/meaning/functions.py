"""Calls and named functions: ``g_k(z)`` applies a definition or a declared function, ``softmax(z)_k``
a built-in one (BUILTIN_FUNCTIONS), ``\\log a`` an elementary one, and ``x (p - y)`` multiplies.
"""

from __future__ import annotations

import sympy as sp
from sympy import ImmutableMatrix

from ..latex import nodes as n
from ..notation.conventions import DIAG, FACTORIAL, SIGMOID, SOFTMAX, TRACE
from .indices import SumsAndIndices, flat_items
from .abstract import abstract, vector_map
from .atoms import variable
from .values import Bound, Env, ShapeError, Unsupported, Value, is_matrix, is_vector, multiply, node_text, scalar, shape_text


class Calls:
    """The Evaluator's calls: whether ``head(args)`` applies a definition, a declared or built-in
    function, or multiplies; and the elementary functions. A part of Evaluator (evaluate.py):
    ``self`` is the whole evaluator."""

    def _apply(self, node: n.Apply, env: Env) -> Value:
        arg = self.value(node.arg, env)
        func = ELEMENTARY.get(node.func)
        if func is None and node.func in ("max", "min"):
            # c = \\max(z), the shift of a stable log-softmax: any function of z's entries, so a step is proved
            # only where it holds for every one, and refuted only where it fails for every one
            self.note(f"\\{node.func} is read as any function of its arguments")
            return vector_map(f"\\{node.func}", 1)(*(list(arg) if is_matrix(arg) else [arg]))
        if func is None:
            raise Unsupported(f"the function \\{node.func}")
        if is_matrix(arg):
            # log ŷ, e^{a}, σ(Xw) of a vector or matrix: entry by entry, as ML writes them
            return arg.applyfunc(func)
        return func(arg)

    def _applies_definition(self, name: str, args: tuple) -> bool:
        """Whether ``name(args)`` uses a definition of name: σ(w^T x) binds σ(a)'s parameter, ``L(W, b)``
        names what L depends on; ``y_k (I_{kj} - y_j)`` beside ``y_k(φ)``, where φ is the document's own
        data and the bracket does not mention it, multiplies."""
        defs = self.notation.definitions_of(name)
        if not defs:
            return False
        if any(d.params is None and isinstance(d.lhs, n.Sym) for d in defs) and _writes_bare(args, name):
            return False    # σ(1 - σ) beside the shorthand σ = σ(w^T x): σ times (1 - σ)
        if any(d.params is not None and _ignores_its_parameters(d) and tuple(map(n.ungroup, args)) != d.params
               and not any(self._is_data(p) for p in d.params) for d in defs):
            return False    # c(R) = (σ^2 + ε)^{-1/2}: c's value at R, which says nothing about c(d) (but
                            # y_k(φ) = e^{a_k}/Σ_j e^{a_j} is y_k of the data φ, whatever sample is put in)
        if _names_dependencies(args, self.notation.sizes):
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
            if self._is_function(name):
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
            function, order = unprimed(name)
            if (self._is_function(function) or self._is_function(name)) and not self.notation.definitions_of(name) \
                    and not (order and self.notation.definitions_of(function)):
                return self._applied(function, order, sub, node.args, env)     # f'(z): f's derivative at z
        if name is not None and name.endswith("'") and len(node.args) == 1 and not self.notation.definitions_of(name) \
                and (self.notation.definitions_of(name[:-1]) or name[:-1] in BUILTIN_FUNCTIONS):
            return self._derivative_at(n.Sym(name[:-1]) if not sub else n.Scripted(n.Sym(name[:-1]), sub=sub),
                                       node.args[0], env)
        if name in BUILTIN_FUNCTIONS and not sup_index and len(node.args) == 1 and not self.notation.declared(name):
            value = BUILTIN_FUNCTIONS[name](self.value(node.args[0], env))
            return self._entry_of(value, sub, env, name) if sub else value     # softmax(z)_k
        if len(node.args) != 1:
            raise Unsupported(f"{node_text(head)} is followed by a list of {len(node.args)} items but is "
                              "not a declared function")
        return multiply(self.value(head, env), self.value(node.args[0], env), self.notes)


    def _is_function(self, name: str) -> bool:
        fam = self.notation.families.get(name)
        return name in self.notation.functions or (fam is not None and fam.role in FUNCTION_ROLES)

    def _applied(self, name: str, order: int, sub: tuple, args: tuple, env: Env) -> Value:
        """A function the notation declares, at ``args``: any function (abstract.py) where it takes one;
        one that may act on a whole vector (a softmax) at an entry of it as entry j of a function of all."""
        fam = self.notation.families.get(name)
        if fam is not None and fam.role == "vector function" and not sub:
            return self._entry_of_map(name, order, args, env)
        full = _function_name(name, sub, self, env)
        if len(args) == 1 and is_matrix(value := self.value(args[0], env)):
            return value.applyfunc(abstract(full, order))     # σ'(z^L) of a vector: entry by entry
        values = [scalar(self.value(a, env), f"an argument of {name}") for a in args]
        if len(values) == 1:
            return abstract(full, order)(*values)
        if order:
            raise Unsupported(f"the derivative of {name}, a function of {len(values)} arguments")
        return sp.Function(full)(*values)

    def _entry_of_map(self, name: str, order: int, args: tuple, env: Env) -> Value:
        arg = n.ungroup(args[0]) if len(args) == 1 else None
        items = flat_items(arg.sub) if isinstance(arg, n.Scripted) and arg.sub else ()
        if len(items) != 1:
            raise Unsupported(f"{name} may act on a whole vector (the text speaks of a softmax), and here it is "
                              "not applied to one entry of one")
        vector = self.value(n.Scripted(arg.base, sup=arg.sup), env)
        if not is_vector(vector):
            raise Unsupported(f"{name} is applied to an entry of {node_text(arg.base)}, which is no vector here")
        entry = self.index(items[0], env)
        return vector_map(name, entry, (entry,) * order)(*list(vector))

    def _derivative_at(self, function: n.Node, arg: n.Node, env: Env) -> Value:
        """``\\sigma'(z)``: the derivative of a function the notation defines, at ``z`` (the function of a
        fresh variable, differentiated, then the argument put in)."""
        point = variable("\\#u")
        inner = {**env, "\\#u": Bound(point)}
        value = self.atoms.expand(self.value(n.Call(function, (n.Sym("\\#u"),)), inner))
        at = scalar(self.value(arg, env), "the argument of a derivative")
        return sp.diff(scalar(value, "a function's value"), point).xreplace({point: at})


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
    if not is_vector(v):
        raise Unsupported(f"the softmax of a {shape_text(v)}: by rows (one example per row) or by columns, "
                          "the text does not say")
    total = sum((sp.exp(e) for e in v), sp.Integer(0))
    return v.applyfunc(lambda e: sp.exp(e) / total)


def _sigmoid(v: Value) -> Value:
    return v.applyfunc(lambda e: 1 / (1 + sp.exp(-e))) if is_matrix(v) else 1 / (1 + sp.exp(-v))


def _diag(v: Value) -> Value:
    if not is_vector(v):
        raise ShapeError(f"diag of a {shape_text(v)}" if is_matrix(v) else "diag of a scalar")
    return ImmutableMatrix(sp.diag(*list(v)))


def _trace(v: Value) -> Value:
    """The sum of a square matrix's diagonal; a number is its own trace (``\\operatorname{tr}(y^T y)``)."""
    if not is_matrix(v):
        return v
    if v.shape[0] != v.shape[1]:
        raise ShapeError(f"the trace of a {shape_text(v)}")
    return sum((v[i, i] for i in range(v.shape[0])), sp.Integer(0))


def _factorial(v: Value) -> Value:
    """``y!``, entry by entry, as Γ(y + 1): an atom of the identity like any other function value (a
    Poisson log-likelihood's ``\\log(y_i!)`` is carried from line to line, never expanded), and a real
    number at the sampled points that refute a wrong step (``sp.factorial`` of a fraction is not)."""
    return v.applyfunc(lambda e: sp.gamma(e + 1)) if is_matrix(v) else sp.gamma(v + 1)


#: Roles of a function the text applies and never defines (notation/model.py).
FUNCTION_ROLES = frozenset({"function", "vector function"})
#: The value of each function written by name (notation/conventions.py lists them).
BUILTIN_FUNCTIONS = {SOFTMAX: _softmax, SIGMOID: _sigmoid, DIAG: _diag, TRACE: _trace, FACTORIAL: _factorial}


def unprimed(name: str) -> tuple[str, int]:
    """``f'^{(L)}`` is the first derivative of ``f^{(L)}``: (the function's name, the derivative's order)."""
    stem, _, label = name.partition("^")
    order = len(stem) - len(stem.rstrip("'"))
    return stem.rstrip("'") + ("^" + label if label else ""), order


def _head_parts(head: n.Node):
    if isinstance(head, n.Sym):
        return head.name, (), ()
    if isinstance(head, n.Scripted) and isinstance(head.base, n.Sym):
        sup = head.sup
        sup_index = (sup.arg,) if isinstance(sup, n.Group) else ()
        return head.base.name, head.sub or (), sup_index
    return None, (), ()


def _function_name(name: str, sub: tuple, ev: SumsAndIndices, env: Env) -> str:
    if not sub:
        return name
    return name + "_{" + ",".join(str(ev.index(i, env)) for i in flat_items(sub)) + "}"


def _ignores_its_parameters(d) -> bool:
    """Whether a definition ``f(p) = body`` never uses p in its body (the value at p, not a function)."""
    names = {x.name for p in d.params for x in n.walk(p) if isinstance(x, n.Sym)}
    return bool(names) and not any(isinstance(x, n.Sym) and x.name in names for x in n.walk(d.rhs))


def _writes_bare(args: tuple, name: str) -> bool:
    """Whether ``name`` stands alone in ``args`` (not as the head of a call of its own)."""
    def bare(node: n.Node) -> bool:
        if isinstance(node, n.Call):
            return any(bare(a) for a in node.args) or (not isinstance(node.head, n.Sym) and bare(node.head))
        if isinstance(node, n.Sym):
            return node.name == name
        return any(bare(c) for c in n.children(node))
    return any(bare(a) for a in args)


def _names_dependencies(args: tuple, sizes) -> bool:
    """``L_i(f_k)``, ``\\ell(W, b)``, ``P(y = k | x)``: brackets after a defined symbol that name what
    it depends on; anything else in them (``p_k (\\delta_{kj} - p_j)``, ``\\pi (1^T y)``, ``\\mu(n)`` of a
    count n) is a factor."""
    def named(arg: n.Node) -> bool:
        arg = n.ungroup(arg)
        if isinstance(arg, n.Sym) and arg.name in sizes:
            return False
        if isinstance(arg, (n.Sym, n.Given, n.Rel)):
            return True
        if isinstance(arg, n.Call):         # L_i(f(w_k)): L_i depends on f, which depends on w_k
            return named(arg.head) and all(named(a) for a in arg.args)
        return isinstance(arg, n.Scripted) and isinstance(arg.base, n.Sym) and (arg.sup is None or isinstance(arg.sup, n.Group))
    return len(args) > 1 or all(named(a) for a in args)
