"""The constructors the transformer builds nodes with, and the markers of operators still waiting
for their operand.

Prefix operators (``\\sum``, ``\\nabla``, ``\\frac{\\partial}{\\partial x}``, a ``\\log`` without
parentheses) arrive as markers (Prefix, Partial, PartialOf, Over) and are applied to the rest of the
product they start (combine); a marker still pending where its product ends is finished there (done),
or refused when it has nothing to act on. Everything a marker needs is known at parse time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import get_args

from lark import Token

from . import nodes as n
from .errors import LatexError, MalformedDerivative
from .nodes import INDICATOR
from .names import bare_operator, function_word, implicit_index, word

#: The words of a \\text{…} that make a branch of \\begin{cases} the default one.
OTHERWISE = re.compile(r"\s*(otherwise|else|elsewhere|if not|for all other.*)\s*[.,]?\s*", re.I)


# ----------------------------------------------------------------------------- parse-time markers

#: The node classes proper (not the markers below).
NODES = get_args(n.Node)


@dataclass(frozen=True)
class Partial:
    """A bare ``\\partial`` (numerator of the operator form)."""
    span: n.Span


@dataclass(frozen=True)
class PartialOf:
    """``\\partial X`` inside a fraction (``\\partial^2 X`` has order 2)."""
    arg: n.Node
    span: n.Span
    order: int = 1


@dataclass(frozen=True)
class PartialPower:
    """``\\partial^2``: the numerator of a second (or higher) derivative, waiting for what it acts on."""
    order: int
    span: n.Span


@dataclass(frozen=True)
class Partials:
    """``\\partial a \\partial b``: the variables of a mixed derivative's denominator."""
    wrts: tuple
    span: n.Span


@dataclass(frozen=True)
class Prefix:
    """An operator waiting for its operand: a sum, a gradient, d/dx, a paren-less function."""
    kind: str                      # "sum" | "prod" | "nabla" | "deriv" | "func" | "brace"
    name: str = ""
    sub: tuple | None = None
    sup: n.Node | None = None
    wrt: n.Node | None = None
    first: n.Node | None = None    # operand already seen, as in \sum_k (a_k) b_k
    span: n.Span = (0, 0)


@dataclass(frozen=True)
class Script:
    """A braced script or argument: its content, and its span with the braces."""
    value: object
    span: n.Span


def unwrap(script):
    return script.value if isinstance(script, Script) else script


@dataclass(frozen=True)
class Over:
    """``a / \\sum_m`` waiting for the rest of the product: ``a / (\\sum_m …)``; or ``y / \\partial``
    waiting for the variable after it (``\\partial y / \\partial x``)."""
    num: n.Node
    prefix: "Prefix | Partial"
    span: n.Span


@dataclass(frozen=True)
class PartialOver:
    """``y / \\partial x`` (and the rest of its product) waiting for the ``\\partial`` before it."""
    num: n.Node
    wrt: n.Node
    rest: n.Node | None
    span: n.Span


@dataclass(frozen=True)
class Listed:
    """``\\bf{y,\\hat{y}}``: a comma list inside a style, spread into the arguments it stands among."""
    items: tuple
    span: n.Span


@dataclass(frozen=True)
class Primed:
    """``^{'\\top}``: a prime, then the rest of the superscript."""
    rest: object
    span: n.Span


# ----------------------------------------------------------------------------- constructors

def cases(rows: tuple, span: n.Span) -> n.Node:
    """Each row of a ``cases`` environment is a value and its condition (``\\text{if } i = j``, a bare
    ``i \\neq j``, or ``\\text{otherwise}``); a row this cannot read leaves the whole unsupported."""
    branches = []
    for row in rows:
        condition = _case_condition(row[1]) if len(row) == 2 else False
        if condition is False:
            return n.Unknown("\\begin{cases} with a condition other than an index relation or 'otherwise'",
                             span=span)
        branches.append((row[0], condition))
    return n.Cases(tuple(branches), span=span)


def _case_condition(cell: n.Node) -> "n.Rel | None | bool":
    """The relation a branch applies under; None for "otherwise"; False when it is neither."""
    if isinstance(cell, n.Text):
        return None if OTHERWISE.fullmatch(cell.text) else False
    if not isinstance(cell, n.Rel):
        return False
    lhs = cell.lhs
    if isinstance(lhs, n.Mul) and isinstance(lhs.factors[0], n.Text):   # \text{if } i = j
        rest = lhs.factors[1:]
        lhs = rest[0] if len(rest) == 1 else n.Mul(rest, span=(rest[0].span[0], rest[-1].span[1]))
    if any(isinstance(x, n.Text) for x in (*n.walk(lhs), *n.walk(cell.rhs))):
        return False
    return n.Rel(cell.op, lhs, cell.rhs, span=cell.span)


def before_semicolon(children: list) -> list:
    """``P(y = k | x; \\theta)``: what follows the semicolon names the parameters it depends on, which
    the notation knows already; it is not an argument."""
    for i, child in enumerate(children):
        if isinstance(child, Token) and child.type == "_SEMI":
            return children[:i]
    return children


def function_head(head: n.Node) -> bool:
    """Only a symbol, possibly with a subscript or a bracketed index, can be applied: g_k(z),
    \\sigma(z_i), P^{(k)}(x). A power, a transpose, or an application is followed by a product."""
    if isinstance(head, n.Sym):
        return True
    if isinstance(head, n.Scripted) and isinstance(head.base, n.Sym):
        return head.sup is None or isinstance(head.sup, n.Group)
    return False


def with_last(mul: n.Mul, last: n.Node) -> n.Node:
    return n.Mul(mul.factors[:-1] + (last,), span=(mul.span[0], last.span[1]))


def flatten_add(left: n.Node, right: n.Node) -> tuple[n.Node, ...]:
    head = left.terms if isinstance(left, n.Add) else (left,)
    return head + (right,)


def single(script, what: str, keep_markers: bool = False) -> n.Node:
    """The one expression of a script or braced argument."""
    script = unwrap(script)
    items = script if isinstance(script, tuple) else (script,)
    if items[:1] == ("substack",):
        raise LatexError(f"\\substack is only understood under \\sum ({what})")
    if len(items) != 1:
        raise LatexError(f"{what}: expected one expression, found {len(items)}")
    return items[0] if keep_markers else done(items[0])


def finished(script) -> tuple:
    """A script as a tuple of finished nodes (a substack keeps its marker)."""
    script = unwrap(script)
    items = script if isinstance(script, tuple) else (script,)
    if items[:1] == ("substack",):
        return items
    return tuple(done(x) for x in items)


def brace_label(script) -> str:
    script = unwrap(script)
    items = script if isinstance(script, tuple) else (script,)
    return " ".join(x.text if isinstance(x, n.Text) else "…" for x in items)


def paren_of(args: tuple, span: n.Span, group: bool = True) -> n.Node:
    if len(args) == 1:
        arg = done(args[0])
        return n.Group(arg, span=span) if group else arg
    return n.Vector(tuple(done(a) for a in args), span=span)


def combine(left, right, span: n.Span) -> n.Node:
    """``left right`` inside one product: apply a pending operator to everything after it."""
    if isinstance(left, Over) and isinstance(left.prefix, Partial):
        wrt, rest = _first_factor(done(right))     # y / ∂x z: the derivative by x, times z
        return PartialOver(left.num, n.ungroup(wrt), rest, span)
    if isinstance(left, Over):
        return n.Div(left.num, combine(left.prefix, right, span), span=span)
    if isinstance(left, Partial) and isinstance(right, PartialOver):
        deriv = n.Deriv(n.ungroup(right.num), right.wrt, span=span)
        return deriv if right.rest is None else times(deriv, right.rest, span)
    if isinstance(left, Partial) and isinstance(right, Partials):
        return right                                # ∂ [a ∂b]: a product groups to the right
    if isinstance(right, PartialOf) and right.order == 1 and isinstance(left, NODES):
        return Partials((left, right.arg), span)    # a ∂b, after ∂: a mixed derivative's variables
    if isinstance(right, Partials) and isinstance(left, NODES):
        return Partials((left,) + right.wrts, span)
    if isinstance(left, Partial):
        return PartialOf(done(right), span)
    if isinstance(left, PartialPower):
        return PartialOf(done(right), span, left.order)
    if isinstance(left, Prefix) and left.kind == "brace":
        return times(done(left), done(right), span)
    if isinstance(left, Prefix) and left.kind in ("deriv", "nabla"):
        # d/dx (a) b: the operator acts on the bracketed group right after it, like a function
        right = done(right)
        if left.first is not None:
            return times(_apply_prefix(left, left.first, left.span), right, span)
        if isinstance(right, n.Mul) and isinstance(right.factors[0], n.Group):
            head, rest = right.factors[0], right.factors[1:]
            applied = _apply_prefix(left, head, (left.span[0], head.span[1]))
            return times(applied, rest[0] if len(rest) == 1
                         else n.Mul(rest, span=(rest[0].span[0], rest[-1].span[1])), span)
        return _apply_prefix(left, right, span)
    if isinstance(left, Prefix):
        operand = done(right) if left.first is None else times(left.first, done(right), span)
        return _apply_prefix(left, operand, span)
    left = done(left)
    if function_word(left) is not None:               # \mathrm{log} x, \text{exp} x: the function
        return _apply_prefix(Prefix("func", name=function_word(left), span=left.span), done(right), span)
    if isinstance(left, n.Sym) and left.name == INDICATOR and isinstance(right, n.Group) \
            and isinstance(right.arg, n.Rel):
        return n.Indicator(right.arg, span=span)
    if isinstance(left, n.Sym) and left.name == INDICATOR and isinstance(right, n.Mul) \
            and isinstance(right.factors[0], n.Group) and isinstance(right.factors[0].arg, n.Rel):
        ind = n.Indicator(right.factors[0].arg, span=(left.span[0], right.factors[0].span[1]))
        return times(ind, n.Mul(right.factors[1:]) if len(right.factors) > 2 else right.factors[1], span)
    return times(left, done(right), span)


def times(left: n.Node, right: n.Node, span: n.Span) -> n.Node:
    factors = (left.factors if isinstance(left, n.Mul) else (left,)) + \
              (right.factors if isinstance(right, n.Mul) else (right,))
    return n.Mul(factors, span=span)


def done(x) -> n.Node:
    """Finish a pending operator at the end of its product (or complain that it has no operand), and a
    word of text where it stands as an operand (``\\text{CE}``: a name; a subscript reads it first)."""
    if isinstance(x, n.Text):
        return word(x)
    if isinstance(x, Over):
        what = "\\partial" if isinstance(x.prefix, Partial) else x.prefix.name
        raise LatexError(f"{what} after a slash has nothing to act on", x.span[0])
    if isinstance(x, PartialOver):
        raise LatexError("a derivative written with a slash needs \\partial before its numerator", x.span[0])
    if isinstance(x, Listed):
        raise LatexError("a comma list inside a style outside a function's arguments", x.span[0])
    if isinstance(x, Primed):
        raise LatexError("a prime in a superscript with nothing under it", x.span[0])
    if isinstance(x, Prefix):
        if x.kind == "brace":
            return n.Underbrace(x.first, "", span=x.span)
        if x.first is None and x.kind in ("sum", "prod") and (x.sub is None or _size_label(x.sub)):
            return bare_operator(x.name, x.sub, x.sup, x.span)   # \sum, \sum_K alone: a name for a sum
        if x.first is None:
            raise LatexError(f"{x.name or x.kind} has nothing to act on", x.span[0])
        return _apply_prefix(x, x.first, x.span)
    if isinstance(x, Partial):
        raise LatexError("a lone \\partial outside a derivative", x.span[0])
    if isinstance(x, (PartialOf, Partials, PartialPower)):
        raise LatexError("\\partial outside a fraction", x.span[0])
    return x


def _size_label(sub: tuple) -> bool:
    """``\\sum_K`` with nothing after it: a capital names the sum (over K), no index runs (the name is
    written back as ``\\sum_{\\text{K}}``, so the capital is never read as an index)."""
    label = sub[0].name if len(sub) == 1 and isinstance(sub[0], n.Sym) else \
        sub[0].text if len(sub) == 1 and isinstance(sub[0], n.Text) else ""
    return len(label) == 1 and label.isupper()


def _first_factor(node: n.Node) -> tuple[n.Node, n.Node | None]:
    """The first factor of a product and the rest of it (None when there is no rest)."""
    if not isinstance(node, n.Mul):
        return node, None
    rest = node.factors[1:]
    return node.factors[0], rest[0] if len(rest) == 1 else n.Mul(rest, span=(rest[0].span[0], rest[-1].span[1]))


def done_or_none(x):
    try:
        return done(x)
    except LatexError:
        return None


def name_label(base, script) -> str | None:
    """``L_{\\text{CE}}``, ``J_{\\mathrm{reg}}``: a subscript that is a word names a symbol rather than
    indexing it (``E_D`` is decided where the sizes are known: notation inference)."""
    if not isinstance(base, n.Sym):
        return None
    items = script if isinstance(script, tuple) else (script,)
    if len(items) != 1:
        return None
    item = items[0]
    if isinstance(item, n.Text) and item.text.replace(" ", "").replace("-", "").isalnum():
        return f"{base.name}_{{\\text{{{item.text}}}}}"
    if isinstance(item, n.Sym) and item.name.startswith("\\operatorname{"):
        return f"{base.name}_{{{item.name}}}"
    return None


def weighted_inner(inner: n.Hadamard, script: tuple, span: n.Span) -> n.Node:
    """``⟨a, b⟩_W``: the inner product weighted by W, ``a^T W b`` (for a matrix A, ``A^T W b`` by columns);
    ``⟨A, B⟩_F`` is the Frobenius product the brackets already mean."""
    if len(script) != 1:
        raise LatexError("an inner product with more than one subscript", span[0])
    weight = script[0]
    if isinstance(weight, n.Sym) and weight.name == "F":
        return inner
    left = n.Scripted(inner.left, sup=n.Transpose(span=span), span=inner.left.span)
    return n.Mul((left, weight, inner.right), span=span)


def powered(op: Prefix, applied: n.Node) -> n.Node:
    return n.Scripted(applied, sup=op.sup, span=applied.span) if op.sup is not None else applied


def _apply_prefix(op: Prefix, operand: n.Node, span: n.Span) -> n.Node:
    if op.kind == "func":
        return powered(op, n.Apply(op.name, operand, span=span))
    if op.kind == "nabla":
        wrt = op.wrt
        if wrt is None and isinstance(operand, n.Call) and len(operand.args) == 1:
            wrt = n.ungroup(operand.args[0])      # \nabla E(\mathbf{w}): by the function's argument
        if wrt is None and isinstance(operand, n.Deriv) and operand.gradient:
            wrt = operand.wrt                       # \nabla \nabla E(\mathbf{w}): the Hessian
        if wrt is None:
            raise LatexError("\\nabla without a subscript: with respect to what?", span[0])
        if op.sup is not None:
            operand = n.Deriv(operand, wrt, gradient=True, span=span)
        return n.Deriv(operand, wrt, gradient=True, span=span)
    if op.kind == "deriv":
        return n.Deriv(operand, op.wrt, span=span, operator=True)
    return _sum(op, operand, span)


def _sum(op: Prefix, body: n.Node, span: n.Span) -> n.Node:
    product = op.kind == "prod"
    items = op.sub or ()
    if items[:1] == ("substack",):
        items = items[1:]
    if not items:
        return n.Sum(implicit_index(op.name, body, span), None, op.sup, (), body, product, span)
    first, conditions = items[0], tuple(items[1:])
    if any(not isinstance(c, n.Rel) for c in conditions):
        if all(isinstance(c, n.Sym) for c in items):  # \sum_{i,j}: one sum per index
            inner = body
            for sym in reversed(items):
                inner = n.Sum(sym.name, None, op.sup if sym is items[-1] else None, (), inner, product, span)
            return inner
        raise LatexError(f"the range of {op.name} is not understood", span[0])
    if isinstance(first, n.Sym):
        return n.Sum(first.name, None, op.sup, conditions, body, product, span)
    if isinstance(first, n.Rel) and isinstance(first.lhs, n.Sym):
        if first.op == "=":
            return n.Sum(first.lhs.name, first.rhs, op.sup, conditions, body, product, span)
        if first.op in ("\\neq",):
            return n.Sum(first.lhs.name, None, op.sup, (first,) + conditions, body, product, span)
        if first.op == "\\in" and op.sup is None:
            return _sum_over_set(op, first, conditions, body, span)
    raise LatexError(f"the index of {op.name} is not understood", span[0])


def _sum_over_set(op: Prefix, member: n.Rel, conditions: tuple, body: n.Node, span: n.Span) -> n.Node:
    """``\\sum_{k \\in \\{1, \\dots, K\\}}`` is ``\\sum_{k=1}^{K}``; ``\\sum_{w \\in V}`` over a set the text names
    (the vocabulary, the classes) is a sum over its index, whose range the notation gives, as for ``\\sum_w``."""
    index, where = member.lhs.name, n.ungroup(member.rhs)
    if isinstance(where, n.Vector) and len(where.entries) == 3 and isinstance(where.entries[1], n.Dots):
        return n.Sum(index, where.entries[0], where.entries[2], conditions, body, op.kind == "prod", span)
    if isinstance(where, (n.Vector, n.Matrix, n.Num)):
        raise LatexError(f"the set {op.name} runs over is not understood", span[0])
    return n.Sum(index, None, None, conditions, body, op.kind == "prod", span)


def fraction(num, den, span: n.Span) -> n.Node:
    """A fraction, or a derivative when it is written in Leibniz form."""
    if isinstance(num, PartialOf) and num.order > 1:
        return _higher_derivative(num, den, span)
    if isinstance(num, (Partial, PartialOf)):
        if not isinstance(den, PartialOf) or den.order != 1:
            raise MalformedDerivative("the numerator is a derivative (∂…) but the denominator is "
                                      "not ∂ of a variable", span[0])
        if isinstance(num, Partial):
            return Prefix("deriv", name="∂", wrt=n.ungroup(den.arg), span=span)
        return n.Deriv(n.ungroup(num.arg), n.ungroup(den.arg), span=span)
    num, den = done(num), done(den)
    d_num, d_den = _d_form(num), _d_form(den)
    if d_den is not None and d_num is not None:
        body, wrt = d_num, d_den
        if body == ():
            return Prefix("deriv", name="d", wrt=wrt, span=span)
        return n.Deriv(body, wrt, span=span)
    return n.Div(num, den, span=span)


def _higher_derivative(num: PartialOf, den, span: n.Span) -> n.Node:
    """``\\frac{\\partial^2 f}{\\partial a \\partial b}`` is ∂/∂a (∂f/∂b), ``\\frac{\\partial^2 f}{\\partial a^2}`` is
    ∂/∂a (∂f/∂a): the denominator names as many variables as the numerator's order."""
    wrts: tuple = ()
    if isinstance(den, Partials):
        wrts = den.wrts
    elif isinstance(den, PartialOf) and den.order == 1:
        arg = n.ungroup(den.arg)
        power = arg.sup if isinstance(arg, n.Scripted) else None
        if isinstance(power, n.Num) and power.text.isdigit():
            wrts = (replace(arg, sup=None) if arg.sub else arg.base,) * int(power.text)
        else:
            wrts = (arg,)
    if len(wrts) != num.order:
        raise MalformedDerivative(f"a derivative of order {num.order} whose denominator names {len(wrts)} "
                                  "variable" + ("" if len(wrts) == 1 else "s"), span[0])
    out = n.ungroup(num.arg)
    for wrt in reversed(wrts):
        out = n.Deriv(out, n.ungroup(wrt), span=span)
    return out


def _d_form(node: n.Node):
    """``d`` -> (); ``d X`` -> X; anything else -> None (for d/dx notation)."""
    if isinstance(node, n.Sym) and node.name == "d":
        return ()
    if isinstance(node, n.Mul) and isinstance(node.factors[0], n.Sym) and node.factors[0].name == "d":
        rest = node.factors[1:]
        return n.ungroup(rest[0] if len(rest) == 1 else n.Mul(rest, span=(rest[0].span[0], rest[-1].span[1])))
    if isinstance(node, n.Call) and node.head == n.Sym("d") and len(node.args) == 1:
        return n.ungroup(node.args[0])      # d(\tanh x): d of the bracket, as in \frac{d(\tanh x)}{dx}
    return None
