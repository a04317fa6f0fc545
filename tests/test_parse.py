"""The grammar and what its pieces mean (parse.py): scoping, derivatives, indicators, vectors."""

from __future__ import annotations

import pytest

from derivcheck.latex import nodes as n
from derivcheck.latex.errors import LatexError, MalformedDerivative
from derivcheck.latex.parse import parse_expression as P


def test_sum_takes_the_rest_of_the_product_only():
    node = P(r"\sum_{k=1}^K a_k b_k + c")
    assert isinstance(node, n.Add)
    assert isinstance(node.terms[0], n.Sum) and isinstance(node.terms[0].body, n.Mul)


def test_derivative_operator_takes_the_bracketed_group_only():
    node = P(r"\frac{\partial}{\partial f_k} \left( e^{a} \right) \frac{1}{b}")
    assert isinstance(node, n.Mul)
    assert isinstance(node.factors[0], n.Deriv) and isinstance(node.factors[1], n.Div)


def test_derivative_operator_without_brackets_takes_the_rest():
    node = P(r"\frac{\partial}{\partial w} \hat{y}_k \log(p_k)")
    assert isinstance(node, n.Deriv) and isinstance(node.body, n.Mul)


def test_leibniz_fraction_and_nabla():
    d = P(r"\frac{\partial \log(g_k(z))}{\partial g_k(z)}")
    assert isinstance(d, n.Deriv) and isinstance(d.wrt, n.Call)
    g = P(r"\nabla_{\theta^{(k)}} J(\theta)")
    assert isinstance(g, n.Deriv) and g.gradient


def test_malformed_derivative_is_an_error():
    with pytest.raises(MalformedDerivative):
        P(r"\frac{\partial f}{\sigma w}")


def test_indicator_forms():
    for text in (r"\mathbf{1}\{y = k\}", r"\mathbf{1} \left\{ y = k \right\}", r"1(k = y_i)", r"\mathbb{1}\{y=k\}"):
        assert isinstance(P(text), n.Indicator), text


def test_substack_and_neq_conditions():
    s = P(r"\sum_{\substack{k=1\\k\neq j}}^{K} y_k")
    assert s.index == "k" and s.conditions[0].op == "\\neq"
    t = P(r"\sum_{k \neq j} y_k")
    assert t.index == "k" and t.lower is None


def test_limits_left_right_and_spacing_are_layout():
    assert P(r"\sum\limits_{j} e^{f_j}") == P(r"\sum_{j} e^{f_j}")
    assert P(r"\left( a \right) \, b") == P(r"(a) b")


def test_single_character_scripts():
    assert P(r"x_12") == n.Mul((n.Scripted(n.Sym("x"), (n.Num("1"),)), n.Num("2")))
    assert P(r"\sum_{k=1}^Ky_k").upper == n.Sym("K")


def test_vector_with_dots_and_matrix():
    v = P(r"\left[ 0, \dots, -\frac{1}{a_y}, \dots, 0 \right]")
    assert isinstance(v, n.Vector) and sum(isinstance(e, n.Dots) for e in v.entries) == 2
    m = P(r"\begin{bmatrix} a & b \\ c & \dots \end{bmatrix}")
    assert isinstance(m, n.Matrix) and len(m.rows) == 2


def test_superscript_index_and_transpose_are_kept_for_the_notation():
    node = P(r"\theta^{(k)\top} x^{(i)}")
    theta = node.factors[0]
    assert isinstance(theta.sup, n.Mul) and isinstance(theta.sup.factors[-1], n.Transpose)


def test_conditional_probability():
    node = P(r"P(y^{(i)} = k | x^{(i)})")
    assert isinstance(node, n.Call) and isinstance(node.args[0], n.Given)


def test_spans_point_into_the_text():
    text = r"(g_j(z) - y_j) \cdot x_j"
    x = [s for s in n.walk(P(text)) if isinstance(s, n.Scripted)][-1]
    assert text[x.span[0]:x.span[1]] == "x_j"


@pytest.mark.parametrize("text", ["", "{", r"\frac{a}", "a +", "(" * 100 + "a" + ")" * 100])
def test_bad_input_raises_latex_error(text):
    with pytest.raises(LatexError):
        P(text)


@pytest.mark.parametrize("text, expected", [
    (r"\sum_{i=1}^{N} (a_i - y_i)^2", r"\sum_{i=1}^{N} (a_{i} - y_{i})^{2}"),   # the power is the bracket's
    (r"\partial_{z_k} L", r"\frac{\partial L}{\partial z_{k}}"),
    (r"\text{softmax}(z)_k", r"\operatorname{softmax}_{k}(z)"),     # the k-th entry of softmax(z)
    (r"\frac{1}{2}\|X w - y\|^2", r"\frac{1}{2} \|X w - y\|^{2}"),
    (r"\lVert w \rVert_2^2", r"\|w\|_{2}^{2}"),
])
def test_forms_met_in_proofs_with_no_header(text, expected):
    from derivcheck.latex.render import to_latex
    assert to_latex(P(text)) == expected


def test_a_script_span_includes_its_braces():
    text = r"e^{f_{y_{i}}}"
    node = P(text)
    assert node.span == (0, len(text))


# ----------------------------------------------------------------------------- notation in the wild
# (docs/notation.md lists every form with its example; these pin the node shapes the evaluator reads)

def test_evaluation_at_a_point_is_an_at_node():
    node = P(r"g \left. \frac{df}{dx} \right|_{x=0}")
    at = node.factors[1]
    assert isinstance(at, n.At) and isinstance(at.body, n.Deriv)
    assert at.point == (n.Rel("=", n.Sym("x"), n.Num("0")),)
    bare = P(r"\frac{d}{dx} f(x) \Big|_{x=a, y=1}")
    assert isinstance(bare, n.At) and isinstance(bare.body, n.Deriv) and len(bare.point) == 2
    with pytest.raises(LatexError, match="not a point"):
        P(r"f(x)|_{2}")


def test_a_bar_is_a_norm_a_condition_or_a_point_by_where_it_stands():
    assert P(r"|a - b|^2") == n.Scripted(n.Norm(n.Add((n.Sym("a"), n.Neg(n.Sym("b"))))), sup=n.Num("2"))
    assert P(r"|a| |b|") == n.Mul((n.Norm(n.Sym("a")), n.Norm(n.Sym("b"))))
    assert isinstance(P(r"P(y | x)").args[0], n.Given)
    assert isinstance(P(r"P(y \mid |x|)").args[0], n.Given)
    assert P(r"\left| x \right|_2") == n.Scripted(n.Norm(n.Sym("x")), sub=(n.Num("2"),))


def test_a_sum_with_its_index_left_implicit():
    s = P(r"\frac{e^{x_i}}{\sum e^{x_k}}").den
    assert isinstance(s, n.Sum) and s.index == "k" and s.lower is None and s.upper is None
    assert P(r"\sum^C x_c") == P(r"\sum_{c}^{C} x_c")
    assert P(r"\sum \sum_j w_{ij} x_j") == P(r"\sum_i \sum_j w_{ij} x_j")     # j is bound inside
    with pytest.raises(LatexError, match="indexed by i, j"):
        P(r"\sum w_{ij} x_j")
    with pytest.raises(LatexError, match="nothing in its body is indexed"):
        P(r"\sum e^k")


def test_a_bare_sum_is_a_name():
    node = P(r"\frac{e_j' \sum - e_j \sum'}{\sum^2}")
    assert node.den == n.Scripted(n.Sym("\\sum"), sup=n.Num("2"))
    first, second = node.num.terms
    assert first.factors == (n.Scripted(n.Sym("e'"), sub=(n.Sym("j"),)), n.Sym("\\sum"))
    assert second.arg.factors[1] == n.Sym("\\sum'")
    with pytest.raises(LatexError, match="nothing to act on"):
        P(r"\frac{a}{\sum_k}")              # a sum with an index but no body is still refused


def test_words_are_names_prose_stays_text_and_function_words_apply():
    assert P(r"\text{CE}(y, p)") == n.Call(n.Sym("\\operatorname{CE}"), (n.Sym("y"), n.Sym("p")))
    assert P(r"\text{CE}") == P(r"\mathrm{CE}") == P(r"{\rm CE}")
    assert P(r"\mathrm{log} x") == P(r"\text{log}(x)") == P(r"\log x") == n.Apply("log", n.Sym("x"))
    assert P(r"L_{\text{CE}}") == n.Sym("L_{\\text{CE}}")          # a label, spelled as before
    assert P(r"J_{\mathrm{reg}}") == n.Sym("J_{\\operatorname{reg}}")
    assert P(r"\text{otherwise}") == n.Text("otherwise")
    case = P(r"\begin{cases} a & {\rm if}~i=j \\ b & {\rm otherwise} \end{cases}")
    assert case.branches == ((n.Sym("a"), n.Rel("=", n.Sym("i"), n.Sym("j"))), (n.Sym("b"), None))


def test_transposes_and_primes():
    top = n.Scripted(n.Sym("x"), sup=n.Transpose())
    assert P(r"x^\top") == P(r"x^\intercal") == P(r"x^\text{T}") == P(r"x^{\text{T}}") == top
    assert P(r"x^{\mathrm{T}}") == P(r"x^T") == n.Scripted(n.Sym("x"), sup=n.Sym("T"))   # the notation decides
    assert P(r"w^{'\top}") == n.Scripted(n.Sym("w'"), sup=n.Transpose())
    assert P(r"\frac{dL}{dw^{'}}").wrt == n.Sym("w'")
    assert P(r"f^\prime(x)") == P(r"f'(x)") == n.Call(n.Sym("f'"), (n.Sym("x"),))
    assert P(r"e_j'") == P(r"e'_j")


def test_products_and_fractions_written_other_ways():
    assert P(r"(h - y) * x") == P(r"(h - y) \cdot x") == P(r"(h - y) x")
    assert P(r"x^{*} y") == n.Mul((n.Sym("x^*"), n.Sym("y")))         # a star as a superscript is a name
    assert P(r"{a \over b}") == P(r"a \over b") == P(r"\frac{a}{b}")
    assert P(r"\frac12") == P(r"\frac{1}{2}")
    assert P(r"\frac{x_12}{3}") == P(r"\frac{x_1 2}{3}")          # one-character arguments, nested
    assert P(r"\partial y / \partial x z") == n.Mul((n.Deriv(n.Sym("y"), n.Sym("x")), n.Sym("z")))
    assert P(r"{\partial L \over \partial w}") == n.Deriv(n.Sym("L"), n.Sym("w"))
    with pytest.raises(LatexError, match="needs \\\\partial"):
        P(r"y / \partial x")


def test_styles_around_an_indexed_letter_or_a_list():
    assert P(r"\hat{y_i}") == P(r"\hat{y}_i")
    assert P(r"\hat{x^{(i)}}") == P(r"\hat{x}^{(i)}")
    assert P(r"\text{CE}(\bf{y,\hat{y}})").args == (n.Sym("y"), n.Sym("\\hat{y}"))
    assert P(r"h_\mathbf{w}(x)") == P(r"h_w(x)")
    with pytest.raises(LatexError, match="comma list"):
        P(r"a + \bf{y, z}")


def test_layout_wrappers_keep_their_content():
    assert P(r"\boxed{x + 1} y") == P(r"{x + 1} y")
    assert P(r"\cancel{x} y") == P(r"x y")
    assert P(r"\textcolor{red}{a} b") == P(r"\color{red}{a} b") == P(r"a b")
    assert P(r"\Large \displaystyle \left. a \right. + b") == P(r"a + b")


def test_spans_of_the_new_forms_point_into_the_text():
    text = r"c + \left. f(x) \right|_{x=0}"
    at = P(text).terms[1]
    assert text[at.span[0]:at.span[1]] == r"\left. f(x) \right|_{x=0}"
    text = r"2 |a - b|"
    norm = P(text).factors[1]
    assert text[norm.span[0]:norm.span[1]] == "|a - b|"
