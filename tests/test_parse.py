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
