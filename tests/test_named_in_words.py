"""Names and sizes a text gives in words: "we write $\\sum_K$ for $\\sum_{j=1}^K e^{\\theta_j}$", "$S$ denotes
…", "with $K = 3$" (a size the text fixes), blackboard bold used as bold (``\\mathbb{x}``), a letter that usually
names parameters computed from them (``\\theta = w^T x + b``), and ``e_j = e^{x_j}`` (the text's own e_j)."""

from __future__ import annotations

import textwrap

import pytest

from derivcheck.latex import nodes as n
from derivcheck.latex.parse import parse_expression
from derivcheck.latex.rules import apply
from derivcheck.notation.header import NotationError, load_notation
from derivcheck.notation.infer import infer
from derivcheck.read.source import read_document
from derivcheck.verdict.checker import Options, check, run_inline
from derivcheck.verdict.sizes import size_sets


def document(text: str):
    return read_document("doc.md", textwrap.dedent(text))


def checked(text: str):
    return run_inline(check(document(text), Options()))


NAMED_SUM = r"""
Logits $\theta = w^T x + b$, i.e. $\theta_k = \sum_i w_{ik} x_i + b_k$, and
$\hat{y}_i = \exp(\theta_i)/\sum_{j=1}^3 \exp(\theta_j)$ with $K = 3$ classes. We write $\sum_K$ for
$\sum_{j=1}^{K}\exp(\theta_j)$.

$$ \frac{\partial \hat{y}_i}{\partial \theta_i} = \frac{\partial}{\partial \theta_i} \frac{\exp(\theta_i)}{\sum_K}
   = \frac{\exp(\theta_i)\sum_K - \exp(\theta_i)\exp(\theta_i)}{(\sum_K)^2}
   = \frac{\exp(\theta_i)}{\sum_K} \frac{\sum_K - \exp(\theta_i)}{\sum_K} = LAST $$
"""


def test_a_sum_named_by_a_capital_is_one_symbol():
    node = parse_expression(r"\frac{e^{z_i}}{\sum_K}")
    assert node.den == n.Sym("\\sum_{\\text{K}}")
    assert parse_expression(r"\sum_{\text{K}}") == n.Sym("\\sum_{\\text{K}}")     # as the header writes it
    assert isinstance(parse_expression(r"\sum_k e^{z_k}"), n.Sum)                 # a small letter still runs


def test_a_minus_after_a_named_sum_is_subtraction():
    text = r"\sum_K - e^{z_i}"
    assert apply(text, "slip", None)[0] == text
    assert apply(r"a + \sum_{k \neq i}-p_k y_k", "slip", None)[0] == r"a + \sum_{k \neq i}(-1) p_k y_k"


def test_blackboard_bold_on_a_small_or_greek_letter_is_bold():
    assert parse_expression(r"\mathbb{x}") == n.Sym("x")
    assert parse_expression(r"\mathbb{\theta}") == n.Sym("\\theta")
    assert parse_expression(r"\mathbb{\hat{y_i}}") == parse_expression(r"\hat{y}_i")
    assert parse_expression(r"\mathbb{E}") == n.Sym("\\mathbb{E}")                  # a capital: another name
    assert parse_expression(r"\mathbb{R}") == n.Sym("\\mathbb{R}")


def test_a_name_given_in_words_is_a_definition_and_a_size_given_a_number_is_fixed():
    header = infer(document(NAMED_SUM.replace("LAST", r"\hat{y}_i(1-\hat{y}_i)"))).header
    assert "\\sum_K = \\sum_{j=1}^{K}\\exp(\\theta_j)" in header["definitions"]
    assert header["sizes"]["K"] == {"role": "classes", "value": 3}
    notation = load_notation(header)
    assert "K" in notation.fixed_sizes and notation.sizes["K"] == 3
    first, second = size_sets(notation, set(), False)
    assert "K" not in first and "K" not in second          # only the sizes the text leaves open vary


def test_steps_through_a_named_sum_are_proved_at_the_size_the_text_fixes():
    r = checked(NAMED_SUM.replace("LAST", r"\hat{y}_i(1-\hat{y}_i)"))
    assert [s.verdict for s in r.steps] == ["valid"] * 4
    assert "K" not in str(r.steps[3].reason).split("again with")[-1]


def test_a_wrong_step_through_a_named_sum_is_refuted():
    r = checked(NAMED_SUM.replace("LAST", r"\hat{y}_i(1+\hat{y}_i)"))
    assert [s.verdict for s in r.steps] == ["valid", "valid", "valid", "invalid"]
    cex = r.steps[3].counterexample
    assert cex.lhs != cex.rhs


def test_a_parameter_letter_computed_from_parameters_is_defined():
    header = infer(document(NAMED_SUM.replace("LAST", "0"))).header
    assert any(d.startswith("\\theta = ") for d in header["definitions"])
    assert not any(k.startswith("\\theta") for k in header["symbols"])


@pytest.mark.parametrize("words", ["denotes", "stands for", "is short for"])
def test_a_name_given_by_a_verb(words):
    header = infer(document(rf"""
    Let $p_j = e^{{x_j}}/\sum_k e^{{x_k}}$, where $S$ {words} $\sum_k e^{{x_k}}$.

    $$ \frac{{e^{{x_i}}}}{{S}} = p_i $$
    """)).header
    assert "S = \\sum_k e^{x_k}" in header["definitions"]


def test_for_names_only_after_write_or_use():
    header = infer(document(r"""
    Let $p_j = e^{x_j}/\sum_k e^{x_k}$. The bound holds for $S$ for $\sum_k e^{x_k}$ large.

    $$ \frac{e^{x_i}}{S} = p_i $$
    """)).header
    assert not any(d.startswith("S =") for d in header["definitions"])


def test_e_with_an_index_is_the_texts_own_and_e_with_a_power_stays_the_exponential():
    r = checked(r"""
    With $p_j = e^{x_j}/\sum_k e^{x_k}$, abbreviate $e_j = e^{x_j}$ and write $\sum$ for $\sum_k e^{x_k}$.

    $$ -\frac{e_i e_j}{\sum^2} = -\frac{e_i}{\sum} \frac{e_j}{\sum} = -p_i p_j $$

    $$ \frac{e_i}{\sum} = p_j $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid", "invalid"]


def test_a_fixed_size_in_a_header():
    notation = load_notation({"sizes": {"K": {"role": "classes", "value": 4}, "D": "features"}},
                             {"C": 5})
    assert notation.sizes == {"K": 4, "D": 2} and notation.size_roles["K"] == "classes"
    assert notation.fixed_sizes == {"K"}
    assert load_notation({"sizes": {"K": {"role": "classes", "value": 4}}}, {"K": 2}).sizes["K"] == 2
    with pytest.raises(NotationError, match="sizes.K"):
        load_notation({"sizes": {"K": {"role": "classes"}}})
    with pytest.raises(NotationError, match="sizes.K"):
        load_notation({"sizes": {"K": {"role": "colours", "value": 3}}})


LEAST_SQUARES = r"""
Here $A$ is a matrix, $x$ the unknown vector and $b$ the data vector.

$$ |Ax-b|^2 = (Ax-b)^T(Ax-b) = (x^TA^T-b^T)(AX-b) = x^TA^TAx-x^TA^Tb-b^TAx+LAST $$
"""


def test_a_matrix_and_vectors_named_in_words_take_the_shapes_their_products_imply():
    header = infer(document(LEAST_SQUARES.replace("LAST", "b^Tb"))).header
    symbols = header["symbols"]
    assert symbols["A_{n,d}"] == "variable" and symbols["b_{n}"] == "variable"
    assert header["sizes"]["N"] == "samples" and header["indices"]["d"] == "D"


def test_the_capital_typed_for_the_small_letter_is_read_as_it_when_the_step_fails_either_way():
    r = checked(LEAST_SQUARES.replace("LAST", "b^Tb"))
    assert [s.verdict for s in r.steps] == ["valid", "unsupported", "unsupported"]
    assert all("one quantity written two ways" in str(s.reason) for s in r.steps[1:])   # holds if X is x
    r = checked(LEAST_SQUARES.replace("LAST", "(-b^Tb)"))
    assert [s.verdict for s in r.steps] == ["valid", "unsupported", "invalid"]
    cex = r.steps[2].counterexample
    assert not any(name.startswith("X") for name, _ in cex.inputs)     # the point is one of x alone
    assert cex.lhs != cex.rhs


def test_a_list_of_equations_in_one_piece_of_prose_math_is_one_definition_each():
    r = checked(r"""
    By the quotient rule, where $g_i = e^{a_i}, h_i = \sum_{k=1}^K e^{a_k}$ and $K$ classes,

    $$ \frac{\partial}{\partial a_j} h_i = e^{a_j} $$

    $$ \frac{\partial}{\partial a_j} g_i = 1_{i=j} e^{a_i} $$

    $$ \frac{\partial}{\partial a_j} g_i = e^{a_j} $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid", "invalid"]


def test_a_one_with_a_condition_under_it_is_the_indicator():
    assert parse_expression(r"1_{i=j}") == parse_expression(r"\mathbb{1}_{i=j}")
    assert parse_expression(r"1_{2}") == n.Scripted(n.Num("1"), sub=(n.Num("2"),))    # no condition: as written


def test_an_examples_values_are_no_definition():
    header = infer(document(r"""
    For example, take $Y = [1, 0, 0]$ and $A = [2, 1, -1]$, with $p_c = e^{A_c}/\sum_j e^{A_j}$.

    $$ \frac{\partial}{\partial A_c}\left(-\sum_k Y_k \log p_k\right) = p_c - Y_c $$
    """)).header
    assert not any(d.startswith(("Y =", "A =")) for d in header["definitions"])


def test_symbols_pasted_as_characters_are_read_as_their_commands():
    r = checked("""
    $$ C = \\frac{1}{2}∑_j (y_j − a_j)^2 $$

    $$ \\frac{∂C}{∂a_j} = a_j − y_j $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid"]
    assert any("read as `\\partial`" in note for note in r.steps[1].notes)


def test_a_function_defined_at_expressions_takes_plain_parameters():
    r = checked(r"""
    The model is $h_\theta(x) = \sigma(\theta x)$ with $\sigma(z) = \frac{1}{1+e^{-z}}$, and

    $$ \require{cancel} \begin{equation} \text{Cost}(h_{\theta}(x^{(i)}), y^{(i)}) = -y^{(i)} \log( h_{\theta}(x^{(i)}) )
       - (1-y^{(i)}) \log(1-h_{\theta}(x^{(i)})) \end{equation} $$

    $$ J(\theta) = \frac{1}{m} \sum_{i=1}^{m} \text{Cost}(h_{\theta}(x^{(i)}), y^{(i)})
       = -\frac{1}{m} \sum_{i=1}^{m} \left( y^{(i)} \log h_{\theta}(x^{(i)}) + (1-y^{(i)}) \log(1 - h_{\theta}(x^{(i)})) \right)
       = -\frac{1}{m} \sum_{i=1}^{m} \left( y^{(i)} \log h_{\theta}(x^{(i)}) + y^{(i)} \log(1 - h_{\theta}(x^{(i)})) \right) $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid", "valid", "invalid"]
    assert "Cost" in r.steps[0].latex           # the display after \require{cancel} is read, not dropped


def test_linear_algebras_spaces_state_shapes():
    r = checked(r"""
    Consider $A \in M_{mn}(\mathbb{R})$, $x \in F^n(\mathbb{R})$ and $b \in F^m(\mathbb{R})$, $m \ge n$.

    $$ (Ax-b)^T(Ax-b) = (x^TA^T-b^T)(Ax-b) = x^TA^TAx -x^TA^Tb -b^TAx -b^Tb $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "invalid"]     # b^Tb with the wrong sign
