"""Functions a text applies and never defines (``f^{(L)}(z_j)``, ``\\phi'(a_t)``): any function at all.

A backprop text writes "the activation f" and differentiates through it: ``\\partial a_j/\\partial z_j =
f'(z_j)``. SymPy's undefined functions would leave ``Derivative``/``Subs`` objects that break when an atom
is expanded. Here each function is a SymPy ``Function`` class whose derivative is the next one
(``f``, ``f'``, ``f''``): the chain rule gives ``f'(z) \\cdot dz/dw``, and ``f'(z)`` written in the text is
the same application. A step proved with these holds for every function, so for the text's own.

To look for a difference, each is replaced by a concrete polynomial (``concrete``); a difference found
that way shows the step needs a particular f, which the caller reports as such.
"""

from __future__ import annotations

import random
from functools import lru_cache

import sympy as sp

#: The variable a concrete function is written in.
U = sp.Symbol("u")


@lru_cache(maxsize=None)
def abstract(name: str, order: int = 0) -> type:
    """The SymPy function class of ``name``'s ``order``-th derivative, ``name`` acting on each entry alone."""
    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return abstract(name, order + 1)(*self.args)
    return type(name + "'" * order, (sp.Function,), {"fdiff": fdiff, "nargs": 1, "abstract": (name, None, (1,) * order)})


@lru_cache(maxsize=None)
def vector_map(name: str, entry: int, derivatives: tuple[int, ...] = ()) -> type:
    """Entry ``entry`` of a function of a whole vector (``f^{(L)}(z_j)`` where f may be a softmax), as a
    function of every entry, differentiated by the entries in ``derivatives`` (1-based, sorted)."""
    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return vector_map(name, entry, tuple(sorted(derivatives + (argindex,))))(*self.args)
    shown = f"{name}_{{{entry}}}" + (f"'[{','.join(map(str, derivatives))}]" if derivatives else "")
    return type(shown, (sp.Function,), {"fdiff": fdiff, "abstract": (name, entry, derivatives)})


def abstract_applications(expr: sp.Expr) -> set:
    """The applications of abstract functions in ``expr``."""
    return {a for a in expr.atoms(sp.Function) if hasattr(type(a), "abstract")}


def concrete(exprs: list[sp.Expr], rng: random.Random) -> tuple[list[sp.Expr], tuple[tuple[str, str, str], ...]]:
    """``exprs`` with every abstract function replaced by one random cubic (its derivatives by the cubic's),
    and each written out in LaTeX (``("f", "f(u)", "u^{3} + 2 u + 1")``). Entry j of a function of a whole
    vector v is the cubic of v_j plus a multiple of (v_1 + … + v_n)^2, so each entry depends on all."""
    names = sorted({type(a).abstract[0] for e in exprs for a in abstract_applications(e)})
    if not names:
        return exprs, ()
    cubic = {name: sum(sp.Rational(rng.randint(-3, 3) or 1, rng.randint(1, 2)) * U ** k for k in range(4))
             for name in names}
    coupling = {name: sp.Rational(rng.randint(1, 3), 2) for name in names}

    def value(app: sp.Expr) -> sp.Expr:
        name, entry, derivatives = type(app).abstract
        if entry is None:
            return sp.diff(cubic[name], U, len(derivatives)).xreplace({U: app.args[0]})
        us = sp.symbols(f"u1:{len(app.args) + 1}")
        full = cubic[name].xreplace({U: us[entry - 1]}) + coupling[name] * sum(us) ** 2
        for k in derivatives:
            full = sp.diff(full, us[k - 1])
        return full.xreplace(dict(zip(us, app.args)))

    def shown(name: str) -> tuple[str, str, str]:
        entries = {type(a).abstract[1] for e in exprs for a in abstract_applications(e) if type(a).abstract[0] == name}
        if entries == {None}:
            return name, f"{name}(u)", sp.latex(cubic[name])
        u_j = sp.Symbol("u_j")
        return (name, f"{name}_j(u)",
                sp.latex(cubic[name].xreplace({U: u_j})) + f" + {sp.latex(coupling[name])} (\\sum_k u_k)^2")

    out = [e.replace(lambda a: hasattr(type(a), "abstract"), value) for e in exprs]
    return out, tuple(shown(name) for name in names)
