"""LaTeX text -> nodes: the grammar in latex.lark, the semantics of its pieces here.

Prefix operators (``\\sum``, ``\\nabla``, ``\\frac{\\partial}{\\partial x}``, a ``\\log`` without
parentheses) arrive as markers and are applied to the rest of the product they start. Everything a
marker needs is known at parse time; what needs the notation (function or product? transpose or
power?) is left to evaluate.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

from . import nodes as n
from .commands import CommandPostLexer

#: Nesting deeper than this is refused before parsing: LALR itself is iterative, but the
#: transformer and every later tree walk recurse.
MAX_NESTING = 60
#: Longer expressions are refused before parsing (the longest seed expression is under 2,000).
MAX_LENGTH = 200_000

STYLE_TRANSPARENT = {"\\mathbf", "\\boldsymbol", "\\bm", "\\mathit", "\\vec", "\\mathsf"}
STYLE_NAMING = {"\\mathcal", "\\mathbb", "\\mathscr", "\\mathfrak", "\\hat", "\\widehat", "\\bar",
                "\\overline", "\\tilde", "\\widetilde"}
CASES_ENVIRONMENTS = {"cases", "dcases", "rcases"}
#: The words of a \\text{…} that make a branch of \\begin{cases} the default one.
OTHERWISE = re.compile(r"\s*(otherwise|else|elsewhere|if not|for all other.*)\s*[.,]?\s*", re.I)
MATRIX_ENVIRONMENTS = {"matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "smallmatrix", "array"}
#: Symbols whose numbered superscript after a subscript is a layer (``\\delta_k^{(2)}``), not an index.
LAYERED = frozenset({"\\delta"})
#: Words that name a function even in ``\\text{…}``.
NAMED_FUNCTIONS = frozenset({"softmax", "sigmoid", "diag"})
#: The symbol used for an indicator function (``\\mathbf{1}``, ``\\mathbb{1}``, ``\\mathbb{I}``).
INDICATOR = "\\mathbb{1}"


class LatexError(ValueError):
    """The text is not well-formed math in the subset derivcheck reads."""

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.position = position


class MalformedDerivative(LatexError):
    """A Leibniz fraction whose numerator is a derivative and whose denominator is not ``∂v``."""


class TooLarge(LatexError):
    """Well-formed perhaps, but beyond the limits: refused by name, not called damaged."""


# ----------------------------------------------------------------------------- parse-time markers

@dataclass(frozen=True)
class _Partial:
    """A bare ``\\partial`` (numerator of the operator form)."""
    span: n.Span


@dataclass(frozen=True)
class _PartialOf:
    """``\\partial X`` inside a fraction."""
    arg: n.Node
    span: n.Span


@dataclass(frozen=True)
class _Prefix:
    """An operator waiting for its operand: a sum, a gradient, d/dx, a paren-less function."""
    kind: str                      # "sum" | "prod" | "nabla" | "deriv" | "func" | "brace"
    name: str = ""
    sub: tuple | None = None
    sup: n.Node | None = None
    wrt: n.Node | None = None
    first: n.Node | None = None    # operand already seen, as in \sum_k (a_k) b_k
    span: n.Span = (0, 0)


@dataclass(frozen=True)
class _Script:
    """A braced script or argument: its content, and its span with the braces."""
    value: object
    span: n.Span


def _unwrap(script):
    return script.value if isinstance(script, _Script) else script


@dataclass(frozen=True)
class _Over:
    """``a / \\sum_m`` waiting for the rest of the product: ``a / (\\sum_m …)``."""
    num: n.Node
    prefix: "_Prefix"
    span: n.Span


_MARKERS = (_Partial, _PartialOf, _Prefix, _Over)


def _span(meta) -> n.Span:
    return (meta.start_pos, meta.end_pos)


def _tok_span(tok: Token) -> n.Span:
    return (tok.start_pos, tok.end_pos)


#: Tokens that only delimit: kept by the parser so spans include them, dropped before the rules see them.
PUNCTUATION = frozenset("_SUB _SUP _LPAR _RPAR _LBRK _RBRK _LBR _RBR _COMMA _COLON _AMP _DBLBS _LSET _RSET".split())


def _cover(children) -> n.Span:
    """The span of everything a rule matched, punctuation included."""
    starts, ends = [], []
    for child in children:
        if isinstance(child, Token):
            starts.append(child.start_pos)
            ends.append(child.end_pos)
        elif isinstance(child, tuple):
            span = _cover([x for x in child if not isinstance(x, str)])
            if span != (0, 0):
                starts.append(span[0])
                ends.append(span[1])
        elif getattr(child, "span", (0, 0)) != (0, 0):
            starts.append(child.span[0])
            ends.append(child.span[1])
    return (min(starts), max(ends)) if starts else (0, 0)


def _rule(method):
    """Runs a rule on its meaningful children, with the span of all of them.

    The rules run inside the LALR parse (Lark's ``transformer=`` option): no tree is built, so
    nothing recurses on the length of the input, and positions come from the children.
    """
    def wrapper(self, children):
        kept = [x for x in children if not (isinstance(x, Token) and x.type in PUNCTUATION)]
        return method(self, _Meta(*_cover(children)), kept)
    wrapper.__name__ = method.__name__
    return wrapper


class _ToNodes(Transformer):
    """Builds nodes bottom-up; every rule that ends a product finishes pending operators."""

    # ---- sums and products
    @_rule
    def add(self, meta, c):
        return n.Add(_flatten_add(_done(c[0]), _done(c[2])), span=_span(meta))

    @_rule
    def sub(self, meta, c):
        return n.Add(_flatten_add(_done(c[0]), n.Neg(_done(c[2]), span=c[2].span)), span=_span(meta))

    @_rule
    def neg(self, meta, c):
        return n.Neg(_done(c[1]), span=_span(meta))

    @_rule
    def pos(self, meta, c):
        return _done(c[1])

    @_rule
    def plusminus(self, meta, c):
        raise LatexError("± (\\pm) has two values; derivcheck checks single-valued steps", _span(meta)[0])

    plusminus_prefix = plusminus

    @_rule
    def mul(self, meta, c):
        return _combine(c[0], c[1], _span(meta))

    @_rule
    def mulop(self, meta, c):
        if c[1].value in ("\\odot", "\\circ", "\\oslash"):
            op = "\\oslash" if c[1].value == "\\oslash" else "\\odot"
            return n.Hadamard(_done(c[0]), _done(c[2]), op, span=_span(meta))
        return _combine(c[0], c[2], _span(meta))

    @_rule
    def div(self, meta, c):
        if isinstance(c[2], _Prefix) and c[2].first is None and c[2].kind in ("sum", "prod", "func"):
            return _Over(_done(c[0]), c[2], _span(meta))    # 1/\sum_m e^{s_m}: the sum takes what follows
        return n.Div(_done(c[0]), _done(c[2]), span=_span(meta))

    # ---- scripts and calls
    @_rule
    def subscript(self, meta, c):
        base, script = c
        span = _span(meta)
        if isinstance(base, n.Mul):  # x^2 (a+b)_k: the script belongs to the last factor
            return _with_last(base, self.subscript([base.factors[-1], script]))
        if isinstance(base, _Partial):  # \partial_{x} f: the derivative by x
            return _Prefix("deriv", name="∂", wrt=_ungroup(_single(script, "\\partial subscript")), span=span)
        if isinstance(base, _Prefix) and base.first is not None and base.kind != "brace":
            # \sum_k (a)_j: the script belongs to the operand
            return replace(base, first=self.subscript([base.first, script]), span=span)
        if isinstance(base, _Prefix):
            if base.kind in ("sum", "prod"):
                return replace(base, sub=_finished(script), span=span)
            if base.kind == "nabla":
                return replace(base, wrt=_single(script, "\\nabla subscript"), span=span)
            if base.kind == "brace":
                return n.Underbrace(base.first, _label(script), span=span)
            if base.kind == "func" and base.name in ("max", "min"):
                # \max_j a_j: a reduction derivcheck reads but does not decide
                return n.Unknown(f"\\{base.name}_{{…}}", span=span)
            raise LatexError(f"a subscript on {base.name or base.kind} is not understood", span[0])
        label = _name_label(base, _unwrap(script))
        if label is not None:                       # E_D, L_{\text{CE}}: part of the name, not an index
            return n.Sym(label, span=span)
        sub = _finished(script)
        if isinstance(base, n.Call) and isinstance(base.head, n.Sym):
            # \sigma(s)_c is \sigma_c(s): the c-th entry of a function of the vector s
            return n.Call(n.Scripted(base.head, sub=sub, span=base.head.span), base.args, span=span)
        if isinstance(base, n.Scripted) and base.sub is None:
            if isinstance(base.base, n.Sym) and base.base.name in LAYERED and _layer(base.sup):
                return n.Scripted(n.Sym(f"{base.base.name}^{{{_layer(base.sup)}}}"), sub=sub, span=span)
            return replace(base, sub=sub, span=span)
        return n.Scripted(_done(base), sub=sub, span=span)

    @_rule
    def superscript(self, meta, c):
        base, script = c
        span = _span(meta)
        if isinstance(base, n.Mul):  # x^{1000} (x+y)^{300}: the power belongs to the last factor
            last = base.factors[-1]
            return _with_last(base, self.superscript([last, script]))
        inner = _unwrap(script)
        if isinstance(inner, tuple) and len(inner) == 1:
            inner = inner[0]
        if isinstance(inner, _Prefix) and inner.kind == "func" and isinstance(_done_or_none(base), (n.Sym, n.Scripted)):
            # a_n^{\max}: a word over a symbol names another symbol
            target = _done(base)
            word = f"^{{\\{inner.name}}}"
            if isinstance(target, n.Sym):
                return n.Sym(target.name + word, span=span)
            if isinstance(target.base, n.Sym) and target.sup is None:
                return replace(target, base=n.Sym(target.base.name + word), span=span)
        sup = _single(script, "superscript")
        if isinstance(base, _Prefix) and base.first is not None and base.kind != "brace":
            # \sum_k (a_k - b)^2: the power belongs to the operand
            return replace(base, first=self.superscript([base.first, script]), span=span)
        if isinstance(base, _Prefix):
            if base.kind in ("sum", "prod"):
                return replace(base, sup=sup, span=span)
            if base.kind == "func":
                return replace(base, sup=sup, span=span)     # \tanh^2(a) is (\tanh a)^2
            if base.kind == "brace":
                return n.Underbrace(base.first, _label(script), span=span)
            if base.kind == "nabla" and sup == n.Num("2"):
                return replace(base, sup=sup, span=span)     # \nabla^2_\theta f: the Hessian
            raise LatexError(f"a superscript on {base.kind} is not understood", span[0])
        if isinstance(base, n.Sym) and isinstance(sup, n.Sym) and sup.name in ("*", "\\star"):
            return n.Sym(base.name + "^*", span=span)
        if isinstance(base, n.Scripted) and isinstance(base.base, n.Sym) and base.base.name in LAYERED \
                and base.sup is None and _layer(sup):
            return replace(base, base=n.Sym(f"{base.base.name}^{{{_layer(sup)}}}"), span=span)
        if isinstance(base, n.Scripted) and base.sup is None:
            return replace(base, sup=sup, span=span)
        return n.Scripted(_done(base), sup=sup, span=span)

    @_rule
    def prime(self, meta, c):
        base = _done(c[0])
        if isinstance(base, n.Sym):
            return n.Sym(base.name + "'", span=_span(meta))
        raise LatexError("a prime is only understood on a single symbol", _span(meta)[0])

    @_rule
    def call(self, meta, c):
        head, args = c
        span = _span(meta)
        if isinstance(head, _Partial):
            return _PartialOf(_paren_of(args, span), span)
        if isinstance(head, _Prefix):
            if head.kind == "func":
                return _powered(head, n.Apply(head.name, _paren_of(args, span, group=False), span=span))
            if head.first is None:
                return replace(head, first=_paren_of(args, span), span=span)
            return _combine(head, _paren_of(args, span), span)
        if len(args) == 1 and isinstance(args[0], n.Rel) and (
                isinstance(head, n.Num) and head.text == "1" or isinstance(head, n.Sym) and head.name == INDICATOR):
            return n.Indicator(args[0], span=span)      # 1(k = y_i), \mathbf{1}(j = y_i)
        head = _done(head)
        if not _function_head(head):
            # x^2 (a+b), σ(z)(1 - σ(z)), (a)(b): a product, not an application
            return _mul(head, _paren_of(args, (args[0].span[0] - 1, span[1])), span)
        return n.Call(head, tuple(args), span=span)

    # ---- script and argument lists
    @_rule
    def script(self, meta, c):
        # {…}: the braces only delimit, but they belong to the span of what the script is on
        return _Script(c[0], _span(meta))

    @_rule
    def script_body(self, meta, c):
        if len(c) == 1 and isinstance(c[0], tuple) and c[0][:1] == ("substack",):
            return c[0]
        return tuple(c)

    @_rule
    def such_that(self, meta, c):
        return tuple(c)     # \sum_{i : y_i = k}: the index, then the conditions it must meet

    @_rule
    def substack(self, meta, c):
        return ("substack",) + tuple(_done(x) for x in c[1:])

    @_rule
    def empty_script(self, meta, c):
        return ()

    @_rule
    def args(self, meta, c):
        return tuple(_done(x) for x in _before_semicolon(c))

    @_rule
    def given(self, meta, c):
        # P(y = k | x, θ), P(y = k | x; θ): what follows the condition names parameters, not arguments
        c = _before_semicolon(c)
        return (n.Given(_done(c[0]), _done(c[2]), span=_span(meta)),)

    @_rule
    def relation(self, meta, c):
        if len(c) != 3:
            raise LatexError("chained relations inside an expression are not supported", _span(meta)[0])
        return n.Rel(c[1].value, _done(c[0]), _done(c[2]), span=_span(meta))

    # ---- primaries
    @_rule
    def letter(self, meta, c):
        return n.Sym(c[0].value, span=_tok_span(c[0]))

    @_rule
    def number(self, meta, c):
        return n.Num(c[0].value, span=_tok_span(c[0]))

    @_rule
    def greek(self, meta, c):
        return n.Sym(c[0].value, span=_tok_span(c[0]))

    @_rule
    def unknown(self, meta, c):
        return n.Unknown(c[0].value, span=_tok_span(c[0]))

    @_rule
    def star(self, meta, c):
        return n.Sym("*", span=_tok_span(c[0]))

    @_rule
    def prime_script(self, meta, c):
        return n.Sym("'", span=_tok_span(c[0]))

    @_rule
    def top(self, meta, c):
        return n.Transpose(span=_tok_span(c[0]))

    @_rule
    def text(self, meta, c):
        tok = c[0]
        command, _, rest = tok.value.partition("{")
        content = rest[:-1].strip()
        if (command.strip() in ("\\mathrm", "\\operatorname") or content in NAMED_FUNCTIONS) and content.isalpha():
            return n.Sym(content if len(content) == 1 else f"\\operatorname{{{content}}}", span=_tok_span(tok))
        return n.Text(content, span=_tok_span(tok))

    @_rule
    def styled(self, meta, c):
        style, inner = c[0].value, _single(c[1], c[0].value)
        span = _span(meta)
        if style in STYLE_TRANSPARENT:
            if isinstance(inner, n.Num) and inner.text == "1":
                return n.Sym(INDICATOR, span=span)
            return _respan(inner, span)
        if style in STYLE_NAMING and isinstance(inner, n.Sym):
            if style == "\\mathbb" and inner.name in ("1", "I"):
                return n.Sym(INDICATOR, span=span)
            canonical = {"\\widehat": "\\hat", "\\overline": "\\bar", "\\widetilde": "\\tilde"}.get(style, style)
            return n.Sym(f"{canonical}{{{inner.name}}}", span=span)
        if style == "\\mathbb" and isinstance(inner, n.Num) and inner.text == "1":
            return n.Sym(INDICATOR, span=span)
        raise LatexError(f"{style}{{...}} around a compound expression is not understood", span[0])

    @_rule
    def group(self, meta, c):
        return _done(c[0])

    @_rule
    def empty_group(self, meta, c):
        return n.Text("", span=_span(meta))

    @_rule
    def paren(self, meta, c):
        return _paren_of(c[0], _span(meta))

    bracket = paren

    @_rule
    def set_braces(self, meta, c):
        return _paren_of(c[0], _span(meta))

    @_rule
    def norm(self, meta, c):
        return n.Norm(_done(c[1]), span=_span(meta))

    @_rule
    def frac(self, meta, c):
        span = _span(meta)
        num = _single(c[1], "numerator", keep_markers=True)
        den = _single(c[2], "denominator", keep_markers=True)
        return _fraction(num, den, span)

    @_rule
    def sqrt(self, meta, c):
        return n.Sqrt(_single(c[1], "\\sqrt"), span=_span(meta))

    @_rule
    def bigop(self, meta, c):
        kind = "prod" if c[0].value == "\\prod" else "sum"
        return _Prefix(kind, name=c[0].value, span=_tok_span(c[0]))

    @_rule
    def nabla(self, meta, c):
        return _Prefix("nabla", name="\\nabla", span=_tok_span(c[0]))

    @_rule
    def partial(self, meta, c):
        return _Partial(_tok_span(c[0]))

    @_rule
    def func(self, meta, c):
        return _Prefix("func", name=c[0].value.lstrip("\\"), span=_tok_span(c[0]))

    @_rule
    def dots(self, meta, c):
        return n.Dots(span=_tok_span(c[0]))

    @_rule
    def brace(self, meta, c):
        return _Prefix("brace", name=c[0].value, first=_single(c[1], c[0].value), span=_span(meta))

    @_rule
    def environment(self, meta, c):
        begin, rows, end = c
        name = begin.value[len("\\begin{"):-1]
        if name != end.value[len("\\end{"):-1]:
            raise LatexError(f"\\begin{{{name}}} closed by {end.value}", _span(meta)[0])
        if name.rstrip("*") in CASES_ENVIRONMENTS:
            return _cases(rows, _span(meta))
        if name.rstrip("*") not in MATRIX_ENVIRONMENTS:
            return n.Unknown(f"\\begin{{{name}}}", span=_span(meta))
        return n.Matrix(rows, span=_span(meta))

    @_rule
    def rows(self, meta, c):
        return tuple(r for r in c if r)

    @_rule
    def row(self, meta, c):
        return tuple(c)

    @_rule
    def cell(self, meta, c):
        return _done(c[0])


# ----------------------------------------------------------------------------- helpers

@dataclass(frozen=True)
class _Meta:
    start_pos: int
    end_pos: int
    empty: bool = False


def _cases(rows: tuple, span: n.Span) -> n.Node:
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


def _before_semicolon(children: list) -> list:
    """``P(y = k | x; \\theta)``: what follows the semicolon names the parameters it depends on, which
    the notation knows already; it is not an argument."""
    for i, child in enumerate(children):
        if isinstance(child, Token) and child.type == "_SEMI":
            return children[:i]
    return children


def _function_head(head: n.Node) -> bool:
    """Only a symbol, possibly with a subscript or a bracketed index, can be applied: g_k(z),
    \\sigma(z_i), P^{(k)}(x). A power, a transpose, or an application is followed by a product."""
    if isinstance(head, n.Sym):
        return True
    if isinstance(head, n.Scripted) and isinstance(head.base, n.Sym):
        return head.sup is None or isinstance(head.sup, n.Group)
    return False


def _with_last(mul: n.Mul, last: n.Node) -> n.Node:
    return n.Mul(mul.factors[:-1] + (last,), span=(mul.span[0], last.span[1]))


def _flatten_add(left: n.Node, right: n.Node) -> tuple[n.Node, ...]:
    head = left.terms if isinstance(left, n.Add) else (left,)
    return head + (right,)


def _respan(node: n.Node, span: n.Span) -> n.Node:
    return replace(node, span=span)


def _single(script, what: str, keep_markers: bool = False) -> n.Node:
    """The one expression of a script or braced argument."""
    script = _unwrap(script)
    items = script if isinstance(script, tuple) else (script,)
    if items[:1] == ("substack",):
        raise LatexError(f"\\substack is only understood under \\sum ({what})")
    if len(items) != 1:
        raise LatexError(f"{what}: expected one expression, found {len(items)}")
    return items[0] if keep_markers else _done(items[0])


def _finished(script) -> tuple:
    """A script as a tuple of finished nodes (a substack keeps its marker)."""
    script = _unwrap(script)
    items = script if isinstance(script, tuple) else (script,)
    if items[:1] == ("substack",):
        return items
    return tuple(_done(x) for x in items)


def _label(script) -> str:
    script = _unwrap(script)
    items = script if isinstance(script, tuple) else (script,)
    return " ".join(x.text if isinstance(x, n.Text) else "…" for x in items)


def _paren_of(args: tuple, span: n.Span, group: bool = True) -> n.Node:
    if len(args) == 1:
        arg = _done(args[0])
        return n.Group(arg, span=span) if group else arg
    return n.Vector(tuple(_done(a) for a in args), span=span)


def _combine(left, right, span: n.Span) -> n.Node:
    """``left right`` inside one product: apply a pending operator to everything after it."""
    if isinstance(left, _Over):
        return n.Div(left.num, _combine(left.prefix, right, span), span=span)
    if isinstance(left, _Partial):
        return _PartialOf(_done(right), span)
    if isinstance(left, _Prefix) and left.kind == "brace":
        return _mul(_done(left), _done(right), span)
    if isinstance(left, _Prefix) and left.kind in ("deriv", "nabla"):
        # d/dx (a) b: the operator acts on the bracketed group right after it, like a function
        right = _done(right)
        if left.first is not None:
            return _mul(_apply_prefix(left, left.first, left.span), right, span)
        if isinstance(right, n.Mul) and isinstance(right.factors[0], n.Group):
            head, rest = right.factors[0], right.factors[1:]
            applied = _apply_prefix(left, head, (left.span[0], head.span[1]))
            return _mul(applied, rest[0] if len(rest) == 1 else n.Mul(rest, span=(rest[0].span[0], rest[-1].span[1])), span)
        return _apply_prefix(left, right, span)
    if isinstance(left, _Prefix):
        operand = _done(right) if left.first is None else _mul(left.first, _done(right), span)
        return _apply_prefix(left, operand, span)
    left = _done(left)
    if isinstance(left, n.Sym) and left.name == INDICATOR and isinstance(right, n.Group) \
            and isinstance(right.arg, n.Rel):
        return n.Indicator(right.arg, span=span)
    if isinstance(left, n.Sym) and left.name == INDICATOR and isinstance(right, n.Mul) \
            and isinstance(right.factors[0], n.Group) and isinstance(right.factors[0].arg, n.Rel):
        ind = n.Indicator(right.factors[0].arg, span=(left.span[0], right.factors[0].span[1]))
        return _mul(ind, n.Mul(right.factors[1:]) if len(right.factors) > 2 else right.factors[1], span)
    return _mul(left, _done(right), span)


def _mul(left: n.Node, right: n.Node, span: n.Span) -> n.Node:
    factors = (left.factors if isinstance(left, n.Mul) else (left,)) + \
              (right.factors if isinstance(right, n.Mul) else (right,))
    return n.Mul(factors, span=span)


def _done(x) -> n.Node:
    """Finish a pending operator at the end of its product (or complain that it has no operand)."""
    if isinstance(x, _Over):
        raise LatexError(f"{x.prefix.name} after a slash has nothing to act on", x.span[0])
    if isinstance(x, _Prefix):
        if x.kind == "brace":
            return n.Underbrace(x.first, "", span=x.span)
        if x.first is None:
            raise LatexError(f"{x.name or x.kind} has nothing to act on", x.span[0])
        return _apply_prefix(x, x.first, x.span)
    if isinstance(x, _Partial):
        raise LatexError("a lone \\partial outside a derivative", x.span[0])
    if isinstance(x, _PartialOf):
        raise LatexError("\\partial outside a fraction", x.span[0])
    return x


def _done_or_none(x):
    try:
        return _done(x)
    except LatexError:
        return None


def _name_label(base, script) -> str | None:
    """``L_{\\text{CE}}``, ``J_{\\mathrm{reg}}``: a subscript that is a word names a symbol rather than
    indexing it (``E_D`` is decided where the sizes are known: notation inference)."""
    if not isinstance(base, n.Sym):
        return None
    items = script if isinstance(script, tuple) else (script,)
    if len(items) != 1:
        return None
    item = items[0]
    if isinstance(item, n.Text) and item.text.replace(" ", "").isalnum():
        return f"{base.name}_{{\\text{{{item.text}}}}}"
    if isinstance(item, n.Sym) and item.name.startswith("\\operatorname{"):
        return f"{base.name}_{{{item.name}}}"
    return None


def _layer(sup: n.Node) -> str | None:
    """``(2)`` or ``[2]`` as a superscript: a layer's number, part of a symbol's name."""
    if isinstance(sup, n.Group) and isinstance(sup.arg, n.Num) and sup.arg.text.isdigit():
        return f"({sup.arg.text})"
    return None


def _powered(op: _Prefix, applied: n.Node) -> n.Node:
    return n.Scripted(applied, sup=op.sup, span=applied.span) if op.sup is not None else applied


def _apply_prefix(op: _Prefix, operand: n.Node, span: n.Span) -> n.Node:
    if op.kind == "func":
        return _powered(op, n.Apply(op.name, operand, span=span))
    if op.kind == "nabla":
        wrt = op.wrt
        if wrt is None and isinstance(operand, n.Call) and len(operand.args) == 1:
            wrt = _ungroup(operand.args[0])      # \nabla E(\mathbf{w}): by the function's argument
        if wrt is None and isinstance(operand, n.Deriv) and operand.gradient:
            wrt = operand.wrt                       # \nabla \nabla E(\mathbf{w}): the Hessian
        if wrt is None:
            raise LatexError("\\nabla without a subscript: with respect to what?", span[0])
        if op.sup is not None:
            operand = n.Deriv(operand, wrt, gradient=True, span=span)
        return n.Deriv(operand, wrt, gradient=True, span=span)
    if op.kind == "deriv":
        return n.Deriv(operand, op.wrt, span=span)
    return _sum(op, operand, span)


def _sum(op: _Prefix, body: n.Node, span: n.Span) -> n.Node:
    product = op.kind == "prod"
    items = op.sub or ()
    if items[:1] == ("substack",):
        items = items[1:]
    if not items:
        raise LatexError(f"{op.name} without an index", span[0])
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
    raise LatexError(f"the index of {op.name} is not understood", span[0])


def _fraction(num, den, span: n.Span) -> n.Node:
    """A fraction, or a derivative when it is written in Leibniz form."""
    if isinstance(num, (_Partial, _PartialOf)):
        if not isinstance(den, _PartialOf):
            raise MalformedDerivative("the numerator is a derivative (∂…) but the denominator is "
                                      "not ∂ of a variable", span[0])
        if isinstance(num, _Partial):
            return _Prefix("deriv", name="∂", wrt=_ungroup(den.arg), span=span)
        return n.Deriv(_ungroup(num.arg), _ungroup(den.arg), span=span)
    num, den = _done(num), _done(den)
    d_num, d_den = _d_form(num), _d_form(den)
    if d_den is not None and d_num is not None:
        body, wrt = d_num, d_den
        if body == ():
            return _Prefix("deriv", name="d", wrt=wrt, span=span)
        return n.Deriv(body, wrt, span=span)
    return n.Div(num, den, span=span)


def _d_form(node: n.Node):
    """``d`` -> (); ``d X`` -> X; anything else -> None (for d/dx notation)."""
    if isinstance(node, n.Sym) and node.name == "d":
        return ()
    if isinstance(node, n.Mul) and isinstance(node.factors[0], n.Sym) and node.factors[0].name == "d":
        rest = node.factors[1:]
        return _ungroup(rest[0] if len(rest) == 1 else n.Mul(rest, span=(rest[0].span[0], rest[-1].span[1])))
    return None


def _ungroup(node: n.Node) -> n.Node:
    return node.arg if isinstance(node, n.Group) else node


# ----------------------------------------------------------------------------- entry point

@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = (Path(__file__).with_name("latex.lark")).read_text()
    return Lark(grammar, parser="lalr", postlex=CommandPostLexer(), keep_all_tokens=True,
                maybe_placeholders=False, transformer=_ToNodes())


def nesting_depth(text: str) -> int:
    """Deepest bracket nesting in ``text``; refusing deep input keeps every tree walk bounded."""
    depth = best = 0
    for ch in text:
        if ch in "({[":
            depth += 1
            best = max(best, depth)
        elif ch in ")}]":
            depth -= 1
    return best


@lru_cache(maxsize=4096)
def parse_expression(text: str) -> n.Node:
    """Parse one side of a relation; raise LatexError with the position of the problem."""
    if not text.strip():
        raise LatexError("empty expression")
    if nesting_depth(text) > MAX_NESTING:
        raise TooLarge(f"brackets nested more than {MAX_NESTING} deep")
    if len(text) > MAX_LENGTH:
        raise TooLarge(f"an expression of {len(text):,} characters (at most {MAX_LENGTH:,} are read)")
    parser = _parser()
    try:
        return _done(parser.parse(text))
    except VisitError as err:
        inner = err.orig_exc
        if isinstance(inner, LatexError):
            raise inner from None
        raise LatexError(f"cannot read this expression: {inner}") from None
    except UnexpectedCharacters as err:
        raise LatexError(f"unexpected character {text[err.pos_in_stream]!r}", err.pos_in_stream) from None
    except UnexpectedEOF:
        raise LatexError("the expression ends too early (an unclosed brace or bracket?)") from None
    except UnexpectedInput as err:
        tok = getattr(err, "token", None)
        where = getattr(tok, "start_pos", None)
        shown = getattr(tok, "value", "?")
        raise LatexError(f"unexpected {shown!r}", where) from None
    except LarkError as err:
        raise LatexError(f"cannot read this expression: {err}") from None
    except RecursionError:
        raise TooLarge("the expression is nested too deeply") from None
