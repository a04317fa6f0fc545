"""A function defined at expressions, as texts write it: ``\\text{Cost}(h_\\theta(x^{(i)}), y^{(i)}) = -y^{(i)}
\\log h_\\theta(x^{(i)}) - …`` defines Cost of two arguments. The definition is rewritten with a plain
parameter for each argument (an expression becomes a fresh letter, one example's ``y^{(i)}`` becomes y), so
that every use binds it.

A definition whose arguments are all symbols, indexed or not, is left as it is (``\\sigma(z_i) = …`` binds i
from its use; ``h_\\theta(x^{(i)}) = …`` beside a bare ``h_\\theta`` may mean the value at x^{(i)}, which a plain
parameter would lose).
"""

from __future__ import annotations

from ..latex import nodes as n
from .statements import is_pattern

#: Parameter names for arguments that are expressions, in the order tried.
FRESH = ("u", "v", "s", "q", "r", "t")


def generalized(lhs: n.Node, rhs: n.Node, taken: set[str]) -> tuple[n.Node, n.Node] | None:
    """``(lhs, rhs)`` with each argument of ``lhs`` made a plain parameter, where some argument is an
    expression; None where ``lhs`` is no such definition."""
    if not isinstance(lhs, n.Call) or not is_pattern(lhs.head) or is_pattern(lhs):
        return None
    fresh = [x for x in FRESH if x not in taken]
    params: list[n.Node] = []
    for arg in (n.ungroup(a) for a in lhs.args):
        if isinstance(arg, n.Sym):
            params.append(arg)
            continue
        plain = _example_symbol(arg)
        if plain is not None and plain not in params and not _letters_outside(rhs, arg):
            param = plain
        elif fresh:
            param = n.Sym(fresh.pop(0))
        else:
            return None
        replaced = n.rebuild(rhs, lambda x, a=arg, p=param: p if x == a else x)
        if replaced == rhs:
            return None     # P(y_i \; θ_i) = θ_i^{y_i} …: the body never writes the argument, so it is no parameter
        rhs = replaced
        params.append(param)
    return n.Call(lhs.head, tuple(params), span=lhs.span), rhs


def _example_symbol(arg: n.Node) -> n.Sym | None:
    """``x`` of ``x^{(i)}``: one example's symbol, written with its bracketed sample index only."""
    if isinstance(arg, n.Scripted) and isinstance(arg.base, n.Sym) and arg.sub is None \
            and isinstance(arg.sup, n.Group) and isinstance(arg.sup.arg, n.Sym):
        return arg.base
    return None


def _letters_outside(rhs: n.Node, arg: n.Scripted) -> bool:
    """Whether the body uses ``arg``'s index letter anywhere but inside ``arg`` itself."""
    letter = arg.sup.arg
    stripped = n.rebuild(rhs, lambda x: n.Sym("\u2022") if x == arg else x)
    return any(x == letter for x in n.walk(stripped))
