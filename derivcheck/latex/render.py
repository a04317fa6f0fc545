"""Nodes back to LaTeX, for messages ("σ(z_i) does not match …") and nothing else.

Reports quote the author's own text wherever they can; this is only for pieces that have no text
of their own (a sub-expression in an error, a pattern in the notation).
"""

from __future__ import annotations

from . import nodes as n


def to_latex(node: n.Node) -> str:
    method = globals().get("_" + type(node).__name__.lower())
    return method(node) if method else "?"


def _num(x: n.Num) -> str:
    return x.text


def _sym(x: n.Sym) -> str:
    return x.name


def _scripts(sub, sup) -> str:
    out = ""
    if sub:
        out += "_{" + ",".join(to_latex(i) for i in sub if i != "substack") + "}"
    if sup is not None:
        out += "^{" + to_latex(sup) + "}"
    return out


def _scripted(x: n.Scripted) -> str:
    base = _atomic(x.base)
    if x.sup is not None and isinstance(x.base, n.Sym) and "^" in x.base.name:
        base = "{" + base + "}"     # W^{(l)} transposed: {W^{(l)}}^{T}, never a double superscript
    return base + _scripts(x.sub, x.sup)


def _call(x: n.Call) -> str:
    if isinstance(x.head, n.Sym) and x.head.name == n.FACTORIAL and len(x.args) == 1:
        arg = x.args[0]
        return (to_latex(arg) if isinstance(arg, (n.Sym, n.Scripted, n.Num, n.Group)) else f"({to_latex(arg)})") + "!"
    return to_latex(x.head) + "(" + ", ".join(to_latex(a) for a in x.args) + ")"


def _add(x: n.Add) -> str:
    out = to_latex(x.terms[0])
    for t in x.terms[1:]:
        out += " - " + _atomic(t.arg, add=False) if isinstance(t, n.Neg) else " + " + to_latex(t)
    return out


def _neg(x: n.Neg) -> str:
    return "-" + _atomic(x.arg, add=False)


def _mul(x: n.Mul) -> str:
    return " ".join(_atomic(f) for f in x.factors)


def _hadamard(x: n.Hadamard) -> str:
    if x.op == n.INNER:
        return f"\\langle {to_latex(x.left)}, {to_latex(x.right)} \\rangle"
    return f"{_atomic(x.left)} {x.op} {_atomic(x.right)}"


def _div(x: n.Div) -> str:
    return f"\\frac{{{to_latex(x.num)}}}{{{to_latex(x.den)}}}"


def _sqrt(x: n.Sqrt) -> str:
    return f"\\sqrt{{{to_latex(x.arg)}}}"


def _norm(x: n.Norm) -> str:
    return f"\\|{to_latex(x.arg)}\\|"


def _group(x: n.Group) -> str:
    return f"({to_latex(x.arg)})"


def _vector(x: n.Vector) -> str:
    return "[" + ", ".join(to_latex(e) for e in x.entries) + "]"


def _matrix(x: n.Matrix) -> str:
    rows = " \\\\ ".join(" & ".join(to_latex(c) for c in r) for r in x.rows)
    return f"\\begin{{bmatrix}} {rows} \\end{{bmatrix}}"


def _cases(x: n.Cases) -> str:
    rows = " \\\\ ".join(f"{to_latex(v)} & " + (f"\\text{{if }} {to_latex(c)}" if c else "\\text{otherwise}")
                         for v, c in x.branches)
    return f"\\begin{{cases}} {rows} \\end{{cases}}"


def _dots(x: n.Dots) -> str:
    return "\\dots"


def _rel(x: n.Rel) -> str:
    return f"{to_latex(x.lhs)} {x.op} {to_latex(x.rhs)}"


def _given(x: n.Given) -> str:
    return f"{to_latex(x.event)} \\mid {to_latex(x.condition)}"


def _indicator(x: n.Indicator) -> str:
    return f"\\mathbf{{1}}\\{{{to_latex(x.condition)}\\}}"


def _sum(x: n.Sum) -> str:
    op = "\\prod" if x.product else "\\sum"
    lower = f"{x.index}={to_latex(x.lower)}" if x.lower is not None else x.index
    conds = "".join(", " + to_latex(c) for c in x.conditions if not (isinstance(c.lhs, n.Sym) and c.lhs.name == x.index and c.op == "="))
    upper = f"^{{{to_latex(x.upper)}}}" if x.upper is not None else ""
    return f"{op}_{{{lower}{conds}}}{upper} {_atomic(x.body)}"


def _deriv(x: n.Deriv) -> str:
    if x.gradient:
        return f"\\nabla_{{{to_latex(x.wrt)}}} {_atomic(x.body)}"
    return f"\\frac{{\\partial {_atomic(x.body)}}}{{\\partial {to_latex(x.wrt)}}}"


def _apply(x: n.Apply) -> str:
    return f"\\{x.func}({to_latex(x.arg)})"


def _text(x: n.Text) -> str:
    return f"\\text{{{x.text}}}"


def _transpose(x: n.Transpose) -> str:
    return "\\top"


def _underbrace(x: n.Underbrace) -> str:
    return f"\\underbrace{{{to_latex(x.body)}}}_{{\\text{{{x.label}}}}}"


def _at(x: n.At) -> str:
    point = ", ".join(to_latex(r) for r in x.point)
    return f"\\left. {to_latex(x.body)} \\right|_{{{point}}}"


def _unknown(x: n.Unknown) -> str:
    return x.name


def _atomic(x: n.Node, add: bool = True) -> str:
    """``x`` wrapped in parentheses where juxtaposition would change its meaning."""
    text = to_latex(x)
    if isinstance(x, (n.Add, n.Neg)) and (add or isinstance(x, n.Add)):
        return f"({text})"
    return text
