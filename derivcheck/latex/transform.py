"""The transformer: what each rule of latex.lark builds, one method per rule.

ToNodes puts together three parts: operators; scripts, calls and the lists inside them; primaries.
The constructors and markers they share are build.py's. What needs the notation (function or
product? transpose or power?) is left to the evaluator (meaning/evaluate.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from lark import Token, Transformer

from . import nodes as n
from .build import Listed, Over, Partial, PartialOf, PartialPower, Prefix, Primed, Script, before_semicolon, brace_label, cases, \
    combine, done, done_or_none, finished, flatten_add, fraction, function_head, name_label, paren_of, \
    powered, single, times, unwrap, weighted_inner, with_last
from .errors import LatexError
from .names import function_word, primed_operator
from .nodes import FACTORIAL, INDICATOR, INNER
from .styles import evaluated_at, styled, text_token, word_over

CASES_ENVIRONMENTS = {"cases", "dcases", "rcases"}
MATRIX_ENVIRONMENTS = {"matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "smallmatrix", "array"}


def _span(meta) -> n.Span:
    return (meta.start_pos, meta.end_pos)


def _tok_span(tok: Token) -> n.Span:
    return (tok.start_pos, tok.end_pos)


#: Tokens that only delimit: kept by the parser so spans include them, dropped before the rules see them.
PUNCTUATION = frozenset("_SUB _SUP _LPAR _RPAR _LBRK _RBRK _LBR _RBR _COMMA _COLON _AMP _DBLBS _LSET _RSET _LEVAL "
                        "_REVAL".split())


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


@dataclass(frozen=True)
class _Meta:
    start_pos: int
    end_pos: int
    empty: bool = False


# ----------------------------------------------------------------------------- the rules

class _Operators:
    """Sums, differences, products (juxtaposed or with an operator, elementwise too) and quotients."""

    @_rule
    def add(self, meta, c):
        return n.Add(flatten_add(done(c[0]), done(c[2])), span=_span(meta))

    @_rule
    def sub(self, meta, c):
        return n.Add(flatten_add(done(c[0]), n.Neg(done(c[2]), span=c[2].span)), span=_span(meta))

    @_rule
    def neg(self, meta, c):
        return n.Neg(done(c[1]), span=_span(meta))

    @_rule
    def pos(self, meta, c):
        return done(c[1])

    @_rule
    def plusminus(self, meta, c):
        raise LatexError("± (\\pm) has two values; derivcheck checks single-valued steps", _span(meta)[0])

    plusminus_prefix = plusminus

    @_rule
    def mul(self, meta, c):
        if c[1] == n.Text(""):        # a{}: an empty group is nothing
            return done(c[0])
        if c[0] == n.Text(""):
            return c[1]
        return combine(c[0], c[1], _span(meta))

    @_rule
    def frobenius(self, meta, c):
        return n.Hadamard(done(c[0]), done(c[1]), ":", span=_span(meta))

    @_rule
    def expectation(self, meta, c):
        arg = next(x for x in c if not isinstance(x, Token))
        return n.Call(n.Sym("\\mathbb{E}", span=_span(meta)), (done(arg),), span=_span(meta))

    @_rule
    def inner(self, meta, c):
        # ⟨a, b⟩: the sum of the entrywise products (a^T b for vectors, the Frobenius product for matrices)
        left, right = [x for x in c if not isinstance(x, Token)]
        return n.Hadamard(done(left), done(right), INNER, span=_span(meta))

    @_rule
    def mulop(self, meta, c):
        if c[1].value in ("\\odot", "\\circ", "\\oslash"):
            op = "\\oslash" if c[1].value == "\\oslash" else "\\odot"
            return n.Hadamard(done(c[0]), done(c[2]), op, span=_span(meta))
        return combine(c[0], c[2], _span(meta))

    @_rule
    def div(self, meta, c):
        if isinstance(c[2], Prefix) and c[2].first is None and c[2].kind in ("sum", "prod", "func"):
            return Over(done(c[0]), c[2], _span(meta))    # 1/\sum_m e^{s_m}: the sum takes what follows
        if isinstance(c[2], Partial):
            return Over(done(c[0]), c[2], _span(meta))    # \partial y / \partial x: by what follows
        return n.Div(done(c[0]), done(c[2]), span=_span(meta))


class _Scripts:
    """Subscripts, superscripts, primes and calls, and the lists inside scripts and brackets:
    where a script belongs (an operand, a name, an operator's range) is decided here."""

    @_rule
    def subscript(self, meta, c):
        base, script = c
        span = _span(meta)
        if isinstance(base, n.Mul):  # x^2 (a+b)_k: the script belongs to the last factor
            return with_last(base, self.subscript([base.factors[-1], script]))
        if isinstance(base, Partial):  # \partial_{x} f: the derivative by x
            return Prefix("deriv", name="∂", wrt=n.ungroup(single(script, "\\partial subscript")), span=span)
        if isinstance(base, Prefix) and base.first is not None and base.kind != "brace":
            # \sum_k (a)_j: the script belongs to the operand
            return replace(base, first=self.subscript([base.first, script]), span=span)
        if isinstance(base, Prefix):
            if base.kind in ("sum", "prod"):
                return replace(base, sub=finished(script), span=span)
            if base.kind == "nabla":
                return replace(base, wrt=single(script, "\\nabla subscript"), span=span)
            if base.kind == "brace":
                return n.Underbrace(base.first, brace_label(script), span=span)
            if base.kind == "func" and base.name in ("max", "min"):
                # \max_j a_j: a reduction derivcheck reads but does not decide
                return n.Unknown(f"\\{base.name}_{{…}}", span=span)
            raise LatexError(f"a subscript on {base.name or base.kind} is not understood", span[0])
        if isinstance(base, n.Hadamard) and base.op == INNER:
            return weighted_inner(base, finished(script), span)     # ⟨a, b⟩_W = a^T W b; ⟨A, B⟩_F
        label = name_label(base, unwrap(script))
        if label is not None:                       # E_D, L_{\text{CE}}: part of the name, not an index
            return n.Sym(label, span=span)
        sub = finished(script)
        if isinstance(base, n.Call) and isinstance(base.head, n.Sym):
            # \sigma(s)_c is \sigma_c(s): the c-th entry of a function of the vector s
            return n.Call(n.Scripted(base.head, sub=sub, span=base.head.span), base.args, span=span)
        if isinstance(base, n.Scripted) and base.sub is None:
            return replace(base, sub=sub, span=span)
        return n.Scripted(done(base), sub=sub, span=span)

    @_rule
    def superscript(self, meta, c):
        base, script = c
        span = _span(meta)
        if isinstance(base, n.Mul):  # x^{1000} (x+y)^{300}: the power belongs to the last factor
            last = base.factors[-1]
            return with_last(base, self.superscript([last, script]))
        inner = unwrap(script)
        if isinstance(inner, Primed):               # w^{'\top}: w', then the rest of the superscript
            primed = self.prime([base, inner])
            return primed if inner.rest is None else self.superscript([primed, inner.rest])
        if isinstance(inner, tuple) and len(inner) == 1:
            inner = inner[0]
        if inner == n.Text("T"):                    # x^{\text{T}}: an upright T is a transpose
            inner = script = n.Transpose(span=inner.span)
        word = word_over(inner)
        if word is not None and isinstance(done_or_none(base), (n.Sym, n.Scripted)):
            # a_n^{\max}, w^{\text{new}}: a word over a symbol names another symbol
            target = done(base)
            if isinstance(target, n.Sym):
                return n.Sym(target.name + word, span=span)
            if isinstance(target.base, n.Sym) and target.sup is None:
                return replace(target, base=n.Sym(target.base.name + word), span=span)
        sup = single(script, "superscript")
        if isinstance(base, Partial) and isinstance(sup, n.Num) and sup.text in ("2", "3"):
            return PartialPower(int(sup.text), span)     # \partial^2 f: a second derivative's numerator
        if isinstance(base, Prefix) and base.first is not None and base.kind != "brace":
            # \sum_k (a_k - b)^2: the power belongs to the operand
            return replace(base, first=self.superscript([base.first, script]), span=span)
        if isinstance(base, Prefix):
            if base.kind in ("sum", "prod"):
                return replace(base, sup=sup, span=span)
            if base.kind == "func":
                return replace(base, sup=sup, span=span)     # \tanh^2(a) is (\tanh a)^2
            if base.kind == "brace":
                return n.Underbrace(base.first, brace_label(script), span=span)
            if base.kind == "nabla" and sup == n.Num("2"):
                return replace(base, sup=sup, span=span)     # \nabla^2_\theta f: the Hessian
            raise LatexError(f"a superscript on {base.kind} is not understood", span[0])
        if isinstance(base, n.Sym) and isinstance(sup, n.Sym) and sup.name in ("*", "\\star"):
            return n.Sym(base.name + "^*", span=span)
        if isinstance(sup, n.Sym) and sup.name == "'" and isinstance(done_or_none(base), (n.Sym, n.Scripted)):
            return self.prime([base, sup])          # f^\prime is f'
        if isinstance(base, n.Scripted) and base.sup is None:
            return replace(base, sup=sup, span=span)
        applied = done(base)
        if isinstance(applied, n.Apply) and applied.func in ("log", "ln") and not isinstance(sup, n.Num):
            # \log (1-s)^{1-y}: the log of a likelihood's factor, log((1-s)^{1-y}); a power of the log is
            # written \log^2 x, and a numeric power after the bracket stays ambiguous (left as it was)
            return replace(applied, arg=n.Scripted(n.Group(applied.arg), sup=sup, span=span), span=span)
        return n.Scripted(applied, sup=sup, span=span)

    @_rule
    def prime(self, meta, c):
        span = _span(meta)
        op = c[0]
        if isinstance(op, Prefix) and op.kind in ("sum", "prod") and op.sub is op.sup is op.first is None:
            return primed_operator(op.name, span)     # \sum': the derivative of what \sum names
        base = done(c[0])
        if isinstance(base, n.Sym):
            return n.Sym(base.name + "'", span=span)
        if isinstance(base, n.Scripted) and isinstance(base.base, n.Sym) and base.sup is None:
            return replace(base, base=n.Sym(base.base.name + "'", span=base.base.span), span=span)  # e_j' is e'_j
        raise LatexError("a prime is only understood on a single symbol", span[0])

    @_rule
    def call(self, meta, c):
        head, args = c
        span = _span(meta)
        if isinstance(head, Partial):
            return PartialOf(paren_of(args, span), span)
        if isinstance(head, Prefix):
            if head.kind == "func":
                return powered(head, n.Apply(head.name, paren_of(args, span, group=False), span=span))
            if head.first is None:
                return replace(head, first=paren_of(args, span), span=span)
            return combine(head, paren_of(args, span), span)
        if len(args) == 1 and isinstance(args[0], n.Rel) and (
                isinstance(head, n.Num) and head.text == "1" or isinstance(head, n.Sym) and head.name == INDICATOR):
            return n.Indicator(args[0], span=span)      # 1(k = y_i), \mathbf{1}(j = y_i)
        head = done(head)
        if function_word(head) is not None:        # \mathrm{log}(x), \text{exp}(x): the function
            return n.Apply(function_word(head), paren_of(args, span, group=False), span=span)
        if not function_head(head):
            # x^2 (a+b), σ(z)(1 - σ(z)), (a)(b): a product, not an application
            return times(head, paren_of(args, (args[0].span[0] - 1, span[1])), span)
        return n.Call(head, tuple(args), span=span)

    @_rule
    def script(self, meta, c):
        # {…}: the braces only delimit, but they belong to the span of what the script is on
        return Script(c[0], _span(meta))

    @_rule
    def script_body(self, meta, c):
        if len(c) == 1 and isinstance(c[0], tuple) and c[0][:1] == ("substack",):
            return c[0]
        return such_that(c[0]) + tuple(c[1:]) if c else tuple(c)

    @_rule
    def substack(self, meta, c):
        return ("substack",) + tuple(done(x) for x in c[1:])

    @_rule
    def empty_script(self, meta, c):
        return ()

    @_rule
    def primed_script(self, meta, c):
        return Primed(Script(c[1], _span(meta)), _span(meta))    # ^{'\top}

    @_rule
    def evaluated(self, meta, c):
        return evaluated_at(done(c[0]), c[-1], _span(meta))     # \left. f \right|_{x=a}, f(x)|_{x=a}

    @_rule
    def args(self, meta, c):
        out: list[n.Node] = []
        for x in before_semicolon(c):
            if isinstance(x, Listed):       # CE(\bf{y, \hat y}): a styled list is the arguments it lists
                out.extend(done(i) for i in x.items)
            else:
                out.append(done(x))
        return tuple(out)

    @_rule
    def given(self, meta, c):
        # P(y = k | x, θ), P(y = k | x; θ): what follows the condition names parameters, not arguments
        c = before_semicolon(c)
        return (n.Given(done(c[0]), done(c[2]), span=_span(meta)),)

    @_rule
    def relation(self, meta, c):
        if len(c) != 3:
            raise LatexError("chained relations inside an expression are not supported", _span(meta)[0])
        return n.Rel(c[1].value, done(c[0]), done(c[2]), span=_span(meta))


class _Primaries:
    """Letters, numbers, words and styles, brackets and norms, fractions and roots, the operators
    that start a product, and environments (matrices, cases)."""

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
        return text_token(c[0], _tok_span(c[0]))

    @_rule
    def styled(self, meta, c):
        return styled(c[0].value, c[1], _span(meta))

    @_rule
    def group(self, meta, c):
        return done(c[0])

    @_rule
    def over(self, meta, c):
        return fraction(c[0], c[2], _span(meta))    # {a \over b}

    @_rule
    def empty_group(self, meta, c):
        return n.Text("", span=_span(meta))

    @_rule
    def paren(self, meta, c):
        return paren_of(c[0], _span(meta))

    bracket = paren

    @_rule
    def set_braces(self, meta, c):
        return paren_of(c[0], _span(meta))

    @_rule
    def norm(self, meta, c):
        return n.Norm(done(c[1]), span=_span(meta))

    @_rule
    def frac(self, meta, c):
        span = _span(meta)
        num = single(c[1], "numerator", keep_markers=True)
        den = single(c[2], "denominator", keep_markers=True)
        return fraction(num, den, span)

    @_rule
    def factorial(self, meta, c):
        return n.Call(n.Sym(FACTORIAL, span=_tok_span(c[1])), (done(c[0]),), span=_span(meta))

    @_rule
    def sqrt(self, meta, c):
        return n.Sqrt(single(c[1], "\\sqrt"), span=_span(meta))

    @_rule
    def bigop(self, meta, c):
        kind = "prod" if c[0].value == "\\prod" else "sum"
        return Prefix(kind, name=c[0].value, span=_tok_span(c[0]))

    @_rule
    def nabla(self, meta, c):
        return Prefix("nabla", name="\\nabla", span=_tok_span(c[0]))

    @_rule
    def partial(self, meta, c):
        return Partial(_tok_span(c[0]))

    @_rule
    def func(self, meta, c):
        return Prefix("func", name=c[0].value.lstrip("\\"), span=_tok_span(c[0]))

    @_rule
    def dots(self, meta, c):
        return n.Dots(span=_tok_span(c[0]))

    @_rule
    def brace(self, meta, c):
        return Prefix("brace", name=c[0].value, first=single(c[1], c[0].value), span=_span(meta))

    @_rule
    def environment(self, meta, c):
        begin, rows, end = c
        name = begin.value[len("\\begin{"):-1]
        if name != end.value[len("\\end{"):-1]:
            raise LatexError(f"\\begin{{{name}}} closed by {end.value}", _span(meta)[0])
        if name.rstrip("*") in CASES_ENVIRONMENTS:
            return cases(rows, _span(meta))
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
        return done(c[0])


class ToNodes(_Operators, _Scripts, _Primaries, Transformer):
    """Builds nodes bottom-up (its parts above); every rule that ends a product finishes pending
    operators."""


def such_that(item) -> tuple:
    """``\\sum_{i : y_i = k}``: the index, then the condition it must meet. The grammar reads the colon
    as the Frobenius product, so the first relation of a script whose left side is ``letter : x`` is
    split back into the index and ``x = k``; any other item is itself."""
    if isinstance(item, n.Rel) and isinstance(item.lhs, n.Hadamard) and item.lhs.op == ":" \
            and isinstance(item.lhs.left, n.Sym):
        return (item.lhs.left, replace(item, lhs=item.lhs.right))
    return (item,)
