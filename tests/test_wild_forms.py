"""Forms met in public derivations nobody tuned derivcheck on, each once read wrongly (a correct step
flagged): a case stated in the prose before a display that goes on with "= …", the log of a likelihood
factor written ``\\log (1-s)^{1-y}``, and powers of positive quantities inside a log."""

from __future__ import annotations

import textwrap

import pytest

from derivcheck.read.source import read_document
from derivcheck.verdict.checker import Options, check, run_inline

CASES = r"""
$$ p_j = \frac{\exp(a_j)}{\sum_k^C \exp(a_k)} $$

$$ \frac{\partial p_j}{\partial a_i} = \frac{\partial}{\partial a_i} \frac{\exp(a_j)}{\sum_k^C \exp(a_k)} $$

If $i=j$,

$$ = \frac{\partial}{\partial a_j} \frac{\exp(a_j)}{\sum_k^C \exp(a_k)} \\ = SAME $$

And if $i \neq j$,

$$ = \exp(a_j) \frac{\partial}{\partial a_i}\left(\sum_k^C \exp(a_k)\right)^{-1} \\ = -p_j p_i $$
"""


def checked(text: str):
    return run_inline(check(read_document("doc.md", textwrap.dedent(text)), Options()))


def test_a_case_in_the_prose_holds_for_a_display_that_goes_on_and_the_next_case_starts_over():
    r = checked(CASES.replace("SAME", "p_j(1-p_j)"))
    assert [s.verdict for s in r.steps] == ["valid"] * 6
    # the second case is compared with the expression before the first case, not with p_j(1 - p_j)
    assert r.steps[4].compared_with == r.steps[1].id


def test_a_wrong_line_in_a_case_is_refuted_inside_that_case():
    r = checked(CASES.replace("SAME", "p_j(1+p_j)"))
    assert [s.verdict for s in r.steps] == ["valid", "valid", "valid", "invalid", "valid", "valid"]
    cex = dict(r.steps[3].counterexample.indices)
    assert cex["i"] == cex["j"]         # the counterexample keeps to the stated case


def test_the_log_of_a_likelihood_factor_is_the_log_of_the_power():
    r = checked(r"""
    Let $s_i = \sigma(w^\top x_i)$ with $\sigma(z) = \frac{1}{1+e^{-z}}$.

    $$ J = \sum_{i=1}^n \left[ \log s_i^{y_i} + \log (1-s_i)^{1-y_i} \right] $$

    $$ = \sum_{i=1}^n \left[ y_i \log s_i + (1-y_i) \log (1-s_i) \right] $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid"]
    assert "proved" in str(r.steps[1].reason)


def test_a_wrong_exponent_inside_the_log_is_still_refuted():
    r = checked(r"""
    Let $s_i = \sigma(w^\top x_i)$ with $\sigma(z) = \frac{1}{1+e^{-z}}$.

    $$ J = \sum_{i=1}^n \log \left( s_i^{y_i} (1-s_i)^{1-y_i} \right) = \sum_{i=1}^n \left[ y_i \log s_i + y_i \log (1-s_i) \right] $$
    """)
    assert r.steps[-1].verdict == "invalid"


def test_d_before_a_symbol_is_one_name_never_a_factor():
    r = checked(r"""
    We write $dy_i$ for $\partial L/\partial y_i$ and $d\hat{x}_i$ for $\partial L/\partial \hat{x}_i$.

    $$y_i = \gamma_i \hat{x}_i + \beta_i$$

    $$d\hat{x}_i = dy_i \cdot \gamma_i$$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "unsupported"]
    assert "never defined" in str(r.steps[1].reason)     # the gradients dx̂ and dy are the text's own


def test_a_lone_d_is_still_a_symbol():
    r = checked(r"""
    Let $x \in \mathbb{R}^d$ and $c = d + 1$.

    $$ \sum_{j=1}^{d} 2 = 2 d $$
    """)
    assert [s.verdict for s in r.steps] == ["valid"]


def test_a_shorthand_for_a_functions_value_is_a_definition_and_its_products_are_products():
    r = checked(r"""
    Let $\sigma(z) = \frac{1}{1+e^{-z}}$ and, for short,

    $$ \sigma = \sigma(w^\top x) $$

    $$ \frac{y}{\sigma} - \frac{1-y}{1-\sigma} = \frac{y(1-\sigma) - (1-y)\sigma}{\sigma(1-\sigma)} $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid"]
    assert r.steps[0].kind == "definition"


def test_a_wrong_step_with_the_shorthand_is_still_refuted():
    r = checked(r"""
    Let $\sigma(z) = \frac{1}{1+e^{-z}}$ and, for short,

    $$ \sigma = \sigma(w^\top x) $$

    $$ \frac{y}{\sigma} - \frac{1-y}{1-\sigma} = \frac{y - \sigma}{\sigma(1+\sigma)} $$
    """)
    assert r.steps[1].verdict == "invalid"


def test_an_alignment_inside_an_equation_or_after_a_size_command_is_read():
    r = checked(r"""
    $$\begin{equation}\begin{split} f &= (x+1)^2 \\ &= x^2+2x+1 \end{split}\end{equation}$$

    $$\Large \begin{array}{rcl} g &=& (x-1)^2 \\ &=& x^2-2x+1 \end{array}$$
    """)
    assert [s.verdict for s in r.steps] == ["valid"] * 4


def test_a_word_in_a_subscript_is_one_edit_never_two():
    r = checked(r"""
    $$ S = \sum_{i=1}^{N_{out}} (\hat{y}_i - y_i) = \sum_{i=1}^{N_{out}} \hat{y}_i - \sum_{i=1}^{N_{out}} y_i $$
    """)
    assert "garbled" not in [s.verdict for s in r.steps]


def test_a_unicode_minus_and_a_minus_after_a_sums_limits_are_read():
    r = checked(r"""
    $$ S = \sum_{k=1}^{n} -a_k = -\sum_{k=1}^{n} a_k = 1 − \left(1 + \sum_{k=1}^{n} a_k\right) $$
    """)
    assert [s.verdict for s in r.steps] == ["valid"] * 3
    assert any("minus sign" in note for s in r.steps for note in s.notes)


def test_a_sum_followed_by_a_minus_and_more_terms_is_left_unread():
    r = checked(r"""
    $$ S = \sum_{k=1}^{n} -a_k + b_k = b_1 $$
    """)
    assert "invalid" not in [s.verdict for s in r.steps]     # where the sum ends is in question


def test_a_condition_that_opens_the_paragraph_before_a_display_holds_there():
    r = checked(r"""
    Let $p_k = \frac{e^{a_k}}{\sum_{j=1}^{K} e^{a_j}}$.

    When $i=k$, using the derivative of the logarithm, we get:

    $$\frac{\partial \log p_k}{\partial a_i} = 1 - p_i$$
    """)
    assert [s.verdict for s in r.steps] == ["valid"]


def test_a_value_solved_for_is_no_definition_of_the_variable():
    r = checked(r"""
    $$\ell(\sigma) = -n \log(\sigma) - \frac{1}{2} \frac{\sum_{i=1}^n (x_i - \mu)^2}{\sigma^2}$$

    Simplifying:

    $$\ell(\sigma) = -n \log(\sigma) - \frac{n}{2}$$

    Setting the derivative to zero gives

    $$\sigma^2 = \frac{\sum_{i=1}^n (x_i - \mu)^2}{n}$$
    """)
    # the middle line holds only at the estimate the last line solves for: it is wrong as written
    assert [s.verdict for s in r.steps] == ["valid", "invalid", "unsupported"]


def test_a_definition_evaluated_at_the_texts_numbers_is_not_refuted():
    r = checked(r"""
    $$\hat{\mu} = \frac{\sum_{i=1}^n x_i}{n}$$

    For the three measurements $1, 2, 3$:

    $$\hat{\mu} = \frac{1+2+3}{3} = 2$$
    """)
    assert r.steps[1].verdict == "unsupported" and "numbers only" in str(r.steps[1].reason)
    assert "invalid" not in [s.verdict for s in r.steps]


def test_a_minus_after_a_sums_body_is_no_minus_after_its_limits():
    from derivcheck.latex import rules
    text = r"a_i \sum_ky_k - y_i"
    assert rules.apply(text, "slip", None) == (text, [])


NAMED = r"""
$$a_i = \frac{e^{s_i}}{\sum_k e^{s_k}} = \frac{e^{s_i}}{Z}$$

$$\frac{\partial a_i}{\partial s_i} = \frac{e^{s_i} \cdot Z - e^{s_i} \cdot e^{s_i}}{Z^2} = \frac{e^{s_i}}{Z} - \frac{e^{2s_i}}{Z^2}$$

$$\frac{\partial a_i}{\partial s_i} = \frac{e^{s_i}}{Z} + \frac{e^{2s_i}}{Z^2}$$
"""


def test_a_step_that_writes_part_of_the_line_before_as_a_new_letter_names_that_part():
    r = checked(NAMED)
    assert [s.verdict for s in r.steps[1:4]] == ["valid", "valid", "valid"]
    assert r.steps[-1].verdict == "invalid"     # the sign of the square term: Z is the sum, not a free letter


def test_backprop_d_names_keep_their_layer_labels_and_bind_before_a_hadamard_product():
    r = checked(r"""
    $$z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$$

    $$dz^{[l]} = dA^{[l]} \odot g'(z^{[l]})$$

    $$dW^{[l]} = \frac{1}{m} dz^{[l]} A^{[l-1]T}$$

    $$dA^{[l-1]} = W^{[l]T} dz^{[l]}$$
    """)
    assert "invalid" not in [s.verdict for s in r.steps]   # never d times W
    assert r.notation["differentials"] is True


def test_d_of_a_bracket_over_dx_is_a_derivative_and_tanh_needs_no_backslash():
    r = checked(r"""
    $$\dfrac{d(tanh(x))}{dx} = \dfrac{(e^x+e^{-x})^2 - (e^x-e^{-x})^2}{(e^x+e^{-x})^2} = 1 - tanh(x)^2$$

    $$\frac{d(x^3)}{dx} = 2x^2$$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid", "invalid"]


def test_math_in_a_tag_is_no_prose():
    r = checked(r"""
    $$\frac{d}{dx} x^2 = 2x \tag*{$\blacksquare$}$$
    """)
    assert [s.verdict for s in r.steps] == ["valid"]


def test_a_letter_in_both_cases_may_be_the_entries_and_the_whole_so_it_refutes_nothing():
    r = checked(r"""
    $$\mu = \frac{1}{N} \sum_i x_i$$

    $$\sigma^2 = \frac{1}{N} \sum_i (x_i - \mu)^2 = \frac{1}{N} (X - \mu)^T (X - \mu)$$
    """)
    step = r.steps[-1]
    assert step.verdict == "unsupported" and "two cases of one letter" in str(step.reason)


def test_an_equation_the_prose_calls_a_form_to_reach_defines_nothing():
    r = checked(r"""
    Rewrite $\hat{X}$ in the form $R = A \cdot X$ for some choice of $A$.
    We choose $$R = X - m$$

    $$\hat{X} = s R = s (X - m)$$
    """)
    assert r.steps[-1].verdict == "valid"


def test_a_function_defined_by_a_value_that_ignores_its_parameter_says_nothing_elsewhere():
    r = checked(r"""
    Let $$c(R) = (\sigma^2 + \epsilon)^{-1/2}$$ be a number.

    For a function $$a(b)$$ where $$b=c(d) \cdot d$$, we have

    $$\frac{\text{d}b}{\text{d}d} = \frac{\text{d}c}{\text{d}d} \cdot d + \frac{\text{d}d}{\text{d}d} \cdot c(d)$$
    """)
    assert r.steps[-1].verdict == "unsupported"     # c(d) is not c(R)'s value: the product rule is not refuted


def test_newline_ends_a_row_of_an_alignment():
    r = checked(r"""
    $$\begin{aligned} f &= (x+1)^2 \newline &= x^2 + 2x + 1 \newline &= x^2 + 1 \end{aligned}$$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid", "invalid"]


def test_a_count_letter_with_a_one_letter_subscript_is_a_size_not_an_index():
    r = checked(r"""
    The weights are $W \in \mathbb{R}^{n_h \times n_x}$.

    $$z_i = \sum_{j=1}^{n_x} W_{ij} x_j$$

    $$\frac{\partial z_i}{\partial x_j} = W_{ij}$$

    $$\frac{\partial z_i}{\partial x_j} = W_{ji}$$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid", "invalid"]
    assert "n_{x}" in r.notation["sizes"]


def test_an_elementwise_product_of_two_numbers_is_their_product():
    r = checked(r"""
    $$\frac{d}{dz} \frac{1}{1+e^{-z}} = \frac{1}{1+e^{-z}} \odot \left(1 - \frac{1}{1+e^{-z}}\right)$$

    $$\frac{d}{dz} \frac{1}{1+e^{-z}} = \frac{1}{1+e^{-z}} \odot \frac{1}{1+e^{-z}}$$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "invalid"]


def test_a_letter_redefined_as_the_root_of_its_own_square_keeps_the_square_as_a_name():
    r = checked(r"""
    The batch mean is $\mu = \frac{1}{m}\sum_{i=1}^m x_i$ and the variance $\sigma^2 = \frac{1}{m}\sum_{i=1}^m (x_i-\mu)^2$.

    $$\hat{x}_j = \frac{x_j - \mu}{\sigma} \quad \text{Let }~ \sigma = \sqrt{\sigma^2 + \epsilon}$$

    $$\frac{\partial \hat{x}_j}{\partial \sigma^2} = -\frac{x_j - \mu}{2 \sigma^3}$$

    $$\frac{\partial \sigma^2}{\partial x_i} = \frac{2}{m} (x_i - \mu)$$

    $$\frac{\partial \sigma^2}{\partial x_i} = 2 (x_i - \mu)$$
    """)
    assert [s.verdict for s in r.steps][-3:] == ["valid", "valid", "invalid"]
    assert "\\sigma^2" in r.notation["names"]


def test_ascii_implication_joins_two_equations():
    r = checked(r"""
    $$2x - 4 = 0 => x = 2$$
    """)
    assert "garbled" not in [s.verdict for s in r.steps]
    assert r.steps[-1].verdict == "valid"       # x = 2 solves 2x - 4 = 0


def test_a_symbol_indexed_and_also_transposed_bare_is_never_refuted():
    r = checked(r"""
    $$J(\theta) = \frac{1}{2} \sum_{i=1}^{m} (h_\theta (x^i) - y^i)^2 + \frac{\alpha}{2}\sum_{i=1}^{n}\theta_i^2$$

    $$\nabla_\theta [\frac{1}{2} (\theta^T X^T X \theta - \theta^T X^T y - y^T X \theta + y^T y)] = \frac{1}{2} [2 X^T X \theta - X^T y - (y^T X)^T]$$
    """)
    assert r.steps[-1].verdict != "invalid"


def test_a_label_in_a_text_that_counts_no_classes_is_any_number():
    r = checked(r"""
    Assuming $P(Y=-1\mid X)$ and $P(Y=1\mid X)$ are defined, the model is

    $$P(Y=y\mid X) = \frac{1}{1+e^{-y w^\top x}}$$

    $$\ell = -\log P(Y=y\mid X) = \log(1 + e^{-y w^\top x})$$

    $$\frac{\partial \ell}{\partial w} = \frac{-y x e^{-y w^\top x}}{1 + e^{-y w^\top x}}$$

    $$\frac{\partial \ell}{\partial w} = \frac{y x e^{-y w^\top x}}{1 + e^{-y w^\top x}}$$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid", "valid", "valid", "invalid"]


def test_membership_in_the_reals_after_an_equation_is_a_remark():
    r = checked(r"""
    $$\frac{d}{dz} z^3 = 3z^2 \in \mathbb{R}$$
    """)
    assert [s.verdict for s in r.steps] == ["valid"]


def test_a_case_stated_in_words_holds_for_the_displays_under_it_until_more_words():
    r = checked(r"""
    $$p_i = \frac{e^{o_i}}{\sum_k e^{o_k}}$$

    In case i $\neq$ j:

    $$\frac{\partial p_i}{\partial o_j} = -\frac{e^{o_i} e^{o_j}}{(\sum_k e^{o_k})^2}$$

    $$\frac{\partial p_i}{\partial o_j} = -p_i p_j$$

    Together:

    $$\frac{\partial p_i}{\partial o_j} = p_i (\delta_{ij} - p_j)$$
    """)
    assert [s.verdict for s in r.steps][1:] == ["valid", "valid", "valid"]


def test_d_before_a_bracket_read_as_a_call_is_still_one_name():
    r = checked(r"""
    $$Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$$

    $$dW^{[l]} = \frac{1}{m} dZ^{[l]} (A^{[l-1]})^T$$

    $$dA^{[l-1]} = (W^{[l]})^T dZ^{[l]}$$
    """)
    assert "invalid" not in [s.verdict for s in r.steps]
    assert r.notation["differentials"] is True


def test_a_derivative_by_a_letter_the_text_never_defines_is_not_zero():
    r = checked(r"""
    $$\hat{y} = \frac{1}{1 + e^{-(w x + b)}}$$

    $$\frac{\partial \hat{y}}{\partial z} = \hat{y}(1-\hat{y})$$
    """)
    step = r.steps[-1]
    assert step.verdict == "unsupported" and "never defines" in str(step.reason)


def test_an_underbrace_under_terms_of_a_sum_is_a_label_when_brackets_would_make_the_step_wrong():
    r = checked(r"""
    Let $a$, $b$ and $c$ be real numbers.

    $$ (a - b)(a - c) = a^2 - \underbrace{ab - ac}_{\text{cross terms}} + bc $$

    $$ (a + b)^2 - 2ab = a^2 + b^2 - \underbrace{2ab - 2ab}_{\text{cancel}} $$

    $$ (a - b)(a - c) = a^2 - \underbrace{ab - ac}_{\text{cross terms}} - bc $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid", "invalid"]
    assert any("underbrace read as a label" in note for note in r.steps[0].notes)
    assert not any("underbrace" in note for note in r.steps[1].notes)     # as brackets, it holds


def test_two_rows_side_by_side_are_no_dot_product():
    r = checked(r"""
    For a data matrix $X$, targets $y$ and weights $w$:

    $$ \nabla_w [w^TX^TXw - 2w^TX^Ty + y^Ty] = 2X^TXw - 2X^Ty $$
    """)
    assert r.steps[0].verdict == "unsupported"
    assert "row vector" in str(r.steps[0].reason)


def test_setting_the_gradient_written_in_math_to_zero_is_a_point():
    r = checked(r"""
    Let $X \in \mathbb{R}^{n \times d}$ have full column rank, $y \in \mathbb{R}^{n}$, $w \in \mathbb{R}^{d}$.
    Setting the gradient $2X^TXw - 2X^Ty$ to zero:

    $$ 2X^Ty = 2X^TXw $$
    """)
    assert r.steps[0].verdict == "unsupported"
    assert "particular point" in str(r.steps[0].reason)


def test_a_row_of_cases_joined_by_or_is_never_refuted_and_the_next_line_goes_on_from_before_it():
    r = checked(r"""
    With $p_k = e^{z_k}/\sum_j e^{z_j}$ and a one-hot label $y$,

    $$ \begin{aligned} \frac{\partial}{\partial z_c}\left(-\sum_k y_k \log p_k\right) &= -\sum_k y_k (\delta_{kc} - p_c) \\
       &= -1(1 - p_c) = p_c - 1 \ \text{or} -1(-p_c) = p_c - 0 \\
       &= p_c - y_c \end{aligned} $$
    """)
    verdicts = [s.verdict for s in r.steps]
    assert verdicts[0] == "valid" and verdicts[-1] == "valid"
    assert "invalid" not in verdicts
    assert any("lists cases joined by" in str(s.reason) for s in r.steps)


def test_a_sum_restricted_in_words_defines_nothing_and_is_never_refuted():
    r = checked(r"""
    Let $p_i = e^{x_i}/\sum_j e^{x_j}$ and $\mathbf{y}$ be one-hot. The loss keeps only the true class:

    $$ L(\mathbf{p}) = - \sum_i \log p_i \text{ where } y_i = 1 $$

    Equivalently,

    $$ L(\mathbf{p}) = - \sum_i y_i \log p_i $$
    """)
    assert r.steps[0].verdict == "unsupported" and "y_i = 1" in str(r.steps[0].reason)
    assert "invalid" not in [s.verdict for s in r.steps]


def test_the_derivative_of_a_function_defined_through_another_is_taken_at_its_argument():
    r = checked(r"""
    Let $s(u) = \frac{1}{1+e^{-u}}$. Put

    $$ h(u) = \frac{1}{s(u)} = 1 + e^{-u} $$

    Then

    $$ h'(u) = \frac{d}{du}\left(1 + e^{-u}\right) = -e^{-u} $$

    $$ h'(u) = e^{-u} $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid", "valid", "valid", "invalid"]


def test_a_count_in_brackets_after_a_symbol_multiplies_it():
    r = checked(r"""
    $$ \mu = \frac{1}{n}\sum_{r=1}^n x_r $$

    $$ \sum_{r=1}^n (x_r - \mu) = n\mu - \mu(n) = 0 $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid", "valid"]


def test_a_derivative_by_a_parameter_the_definition_leaves_out_but_another_writes_is_not_refuted():
    r = checked(r"""
    The layer computes

    $$ Z = a\frac{X-\mu}{\sigma+\epsilon} + b $$

    For now we leave out $a$ and $b$:

    $$ z_k = \frac{x_k-\mu}{\sigma+\epsilon} $$

    Adding the scale $a$ and shift $b$ back in:

    $$ \frac{\partial z_k}{\partial b} = 1 $$

    $$ \frac{\partial z_k}{\partial b} + 1 = 1 $$
    """)
    verdicts = [s.verdict for s in r.steps]
    assert verdicts[-2] == "unsupported" and "two meanings" in str(r.steps[-2].reason)
    assert verdicts[-1] == "valid"          # it holds with the derivative 0, as z_k is defined


def test_a_column_written_with_vdots_is_read_row_by_row():
    text = ("---\nsizes: {n: 2}\nindices: {j: n}\nsymbols: {'b_j': variable}\n---\n"
            "$$ b = \\begin{pmatrix} b_1 \\\\ b_2 \\\\ \\vdots \\\\ b_n \\end{pmatrix} $$\n")
    r = run_inline(check(read_document("doc.md", text), Options()))
    assert r.steps[0].verdict == "valid"      # at n = 2, b_n and b_2 stand at one place and agree


def test_a_large_matrix_of_unknowns_is_not_inverted():
    from derivcheck.latex.parse import parse_expression
    from derivcheck.meaning.values import Unsupported
    from derivcheck.notation.header import load_notation
    from derivcheck.verdict.decide import Context
    shaped = {"sizes": {"N": 5, "D": "features"}, "symbols": {"A": {"role": "variable", "shape": ["N", "D"]}}}
    small = Context(load_notation(shaped, {"D": 3}))
    assert small.value(parse_expression(r"(A^TA)^{-1} A^TA"), {}, ()).shape == (3, 3)
    large = Context(load_notation(shaped, {"D": 4}))
    with pytest.raises(Unsupported, match="inverse of a 4×4"):
        large.value(parse_expression(r"(A^TA)^{-1}"), {}, ())


def test_the_softmax_of_a_matrix_is_not_taken_over_all_its_entries():
    from derivcheck.latex.parse import parse_expression
    from derivcheck.meaning.values import Unsupported
    from derivcheck.notation.header import load_notation
    from derivcheck.verdict.decide import Context
    ctx = Context(load_notation({"sizes": {"N": "samples", "C": "classes"},
                                 "symbols": {"A": {"role": "variable", "shape": ["N", "C"]}}}))
    with pytest.raises(Unsupported, match="by rows"):
        ctx.value(parse_expression(r"\text{softmax}(A)"), {}, ())


def test_a_symbol_defined_bare_stays_defined_where_it_is_also_a_functions_argument_and_indexed():
    """z = w_1x_1 + w_2x_2 + b, σ(z) = 1/(1 + e^{-z}), and z_i later (a blog post on logistic
    regression): z is the argument of σ and is indexed elsewhere, yet its own display defines it, so
    that display is a definition, not an identity refuted with z free."""
    r = checked(r"""
    $$ z = w_1x_1 + w_2x_2 + b $$

    $$ \sigma(z) = \frac{1}{1 + e^{-z}} $$

    $$ J = - \frac{1}{N}\sum_{i=1}^{N}\ln(\sigma(z_i)) $$
    """)
    assert [(s.kind, s.verdict) for s in r.steps[:2]] == [("definition", "valid")] * 2
    assert "invalid" not in [s.verdict for s in r.steps]


POISSON = r"""
$$ \label{eq:Poiss-LL}
\begin{split}
\mathrm{LL}(\lambda) &= \sum_{i=1}^n \log \left[ \frac{\lambda^{y_i} \cdot \exp(-\lambda)}{y_i !} \right] \\
&= \sum_{i=1}^n \left[ y_i \cdot \log(\lambda) SIGN \lambda - \log(y_i !) \right] \\
&= - n \lambda + \log(\lambda) \sum_{i=1}^n y_i - \sum_{i=1}^n \log(y_i !) \; . \\
\end{split}
$$
"""


def test_a_poisson_log_likelihood_with_factorials_under_a_label_is_read_and_proved():
    """The StatProofBook's layout: ``$$ \\label{…}`` before ``\\begin{split}`` (once read as a display
    with no relation), the count's factorial ``y_i !`` (once unreadable), a trailing ``\\; .``. Keyed by
    SymPy: log(λ^y e^{-λ}/y!) - (y log λ - λ - log y!) = 0 for λ > 0, y a count."""
    r = checked(POISSON.replace("SIGN", "-"))
    assert [s.verdict for s in r.steps] == ["valid"] * 3


def test_a_sign_slip_in_the_poisson_log_likelihood_is_refuted_at_a_count():
    """+λ for -λ: the difference is 2λ (SymPy), so any point with λ ≠ 0 refutes the step; the
    factorial has a value there (Γ(y + 1))."""
    r = checked(POISSON.replace("SIGN", "+"))
    # the line after the slip is compared with the last line that held, and holds
    assert [s.verdict for s in r.steps] == ["valid", "invalid", "valid"]
    point = r.steps[1].counterexample
    assert float(point.lhs) != float(point.rhs)


def test_proportional_to_is_a_step_reported_not_a_row_lost():
    r = checked(r"""
    $$ \log p(x) = \log \frac{1}{\sqrt{2\pi}} - \frac{(x - \mu)^2}{2} \propto -(x - \mu)^2 $$
    """)
    assert len(r.steps) == 2 and r.steps[1].verdict == "unsupported"
    assert "\\propto" in str(r.steps[1].reason)


def test_a_quantifier_that_opens_a_display_is_its_range_not_an_empty_display():
    """A hinge-loss post opens its display with ``\\forall k \\in [1,\\ C]\\backslash\\{y_i\\},\\ \\forall j
    \\in [1,\\ D]``: once all of it was cut as a trailing quantifier, leaving "an empty display"."""
    doc = read_document("doc.md", "$$ \\forall k \\in [1,\\ C]\\backslash\\{y_i\\},\\ \\forall j \\in [1,\\ D] \\ "
                                  "(a_k + b_j)^2 = a_k^2 + 2 a_k b_j + b_j^2 $$\n")
    assert [[c.first.text] + [lk.piece.text for lk in c.links] for c in doc.chains] == [["(a_k + b_j)^2", "a_k^2 + 2 a_k b_j + b_j^2"]]
    assert doc.blocks[0].quantifier.startswith("\\forall k \\in [1,\\ C]")
    # a trailing quantifier is cut as before
    doc = read_document("doc.md", "$$ a_i + a_i = 2 a_i, \\quad \\forall i $$\n")
    assert [[c.first.text] + [lk.piece.text for lk in c.links] for c in doc.chains] == [["a_i + a_i", "2 a_i"]]


GLM = r"""
So $\eta = \theta^T x$, and $\lambda = e^{\eta}$.

$$ l = y^{(i)}\log \lambda - \lambda = y^{(i)}\theta^T x^{(i)} SIGN e^{\theta^T x^{(i)}} $$
"""


def test_a_bare_letter_in_a_definition_is_the_example_the_step_is_about():
    """CS229's GLM for a Poisson response: η = θ^T x, λ = e^η, then a line about example i. The bare x of
    the definition is x^{(i)} there (once read as x^{(1)} and refuted at i = 2). Keyed by SymPy:
    y log(e^{t}) - e^{t} = y t - e^{t}."""
    r = checked(GLM.replace("SIGN", "-"))
    assert [s.verdict for s in r.steps] == ["valid", "valid"]


def test_a_wrong_sign_after_the_substitution_is_still_refuted():
    r = checked(GLM.replace("SIGN", "+"))
    assert [s.verdict for s in r.steps] == ["valid", "invalid"]
    point = r.steps[1].counterexample
    assert float(point.lhs) != float(point.rhs)


PRIMES = r"""
I am using ' to denote the transpose, as in Matlab.

$$ (y-Xw)'(y-Xw) = y'y - y'Xw - w'X'y + w'X'Xw = y'y - 2y'Xw + w'X'Xw $$
"""


def test_a_prime_the_prose_calls_the_transpose_is_one():
    """A Math.SE question: "using ' to denote the transpose". w'X'y = y'Xw (a number is its own
    transpose), so the chain holds (SymPy, y, w vectors, X a matrix); with ' a new symbol, y'Xw and
    w'X'y were two free numbers and the second step was refuted."""
    doc = read_document("doc.md", textwrap.dedent(PRIMES))
    assert doc.macros.get("'") is not None
    assert "invalid" not in [s.verdict for s in checked(PRIMES).steps]


def test_a_prime_stays_a_prime_unless_the_prose_says_transpose():
    for text in ("Let's take the transpose of both sides.\n\n$$ x' = 2x $$\n",
                 "Here $f'$ is the derivative.\n\n$$ x' = 2x $$\n"):
        assert "'" not in read_document("doc.md", text).macros, text


def test_a_functions_prime_is_its_derivative_even_where_primes_are_transposes():
    from derivcheck.latex.macros import transposed_primes
    assert transposed_primes(r"f'(w) = 2 (y - X w)'(-X) + x_i'\beta") == r"f'(w) = 2 (y - X w)^{T}(-X) + x_i^{T}\beta"


def test_a_probability_named_in_its_chain_is_defined_by_the_last_side():
    """word2vec notes: ``p(w_j|w_I) = y_j = \\frac{\\exp(u_j)}{\\sum_{j'} \\exp(u_{j'})}`` names the probability
    y_j (not a label, though y is one by habit). Once the name's step was refuted with y_1 = -1. Keyed by
    SymPy: ∂y_j/∂u_j = y_j(1 - y_j) for the softmax."""
    r = checked(r"""
    $$ p(w_j|w_I) = y_j = \frac{\exp(u_j)}{\sum_{k=1}^{V}\exp(u_k)} $$

    $$ \frac{\partial y_j}{\partial u_j} = y_j (1 - y_j) $$
    """)
    assert [s.verdict for s in r.steps][1:] == ["valid", "valid"]


def test_a_one_hot_label_whose_one_the_text_places_holds_the_steps_that_use_it():
    """CS224n's word2vec: "$y$ is a one-hot vector with a 1 for the true outside word $o$", then a sum over
    the vocabulary written as a set. Keyed by SymPy: with y = e_o, -Σ_w y_w log ŷ_w = -log ŷ_o; at a
    label whose 1 is elsewhere the last step would fail, which the text rules out."""
    text = r"""
    The model predicts $\hat{y}_w = \frac{e^{z_w}}{\sum_k e^{z_k}}$ over the $K$ classes, and $y$ is a one-hot
    vector with a 1 for the true outside word $o$.

    $$ -\sum_{w \in \mathcal{V}} y_w \log(\hat{y}_w) = -y_o \log(\hat{y}_o) = -\log(\hat{y}_o) $$
    """
    r = checked(text)
    assert [s.verdict for s in r.steps] == ["valid", "valid"]
    assert any("assumes $y_{o} = 1$" in note.text for note in r.inferred)
    assert [s.verdict for s in checked(text.replace(r"= -\log(\hat{y}_o)", r"= -\log(\hat{y}_w)")).steps] == \
        ["valid", "invalid"]


def test_a_sum_over_a_set_of_numbers_runs_over_them():
    from derivcheck.latex.parse import parse_expression
    assert parse_expression(r"\sum_{k \in \{1, \dots, K\}} a_k") == parse_expression(r"\sum_{k=1}^{K} a_k")


def test_a_function_named_t_leaves_the_transpose_a_transpose():
    """CS229's exponential family writes the sufficient statistic T(y) = y beside θ^T x: T is a function,
    which has no value alone, so ^T stays the transpose (once θ^T x was read as a power and every step
    with it was unsupported). Keyed by SymPy: ∂(θ^T x)/∂θ_1 = x_1."""
    r = checked(r"""
    The sufficient statistic is $T(y) = y$, and $\eta = \theta^T x$ with $\theta, x \in \mathbb{R}^2$.

    $$ \frac{\partial (\theta^T x)}{\partial \theta_k} = x_k $$
    """)
    assert [s.verdict for s in r.steps] == ["valid"]


def test_an_expectation_is_not_read_as_a_symbol_times_a_bracket():
    """g(η) = E[T(y); η] in one problem and the sigmoid g in another: with E a number times a bracket, a
    correct sigmoid step was refuted. An expectation or a variance is not read: unsupported, saying so."""
    r = checked(r"""
    $$ g(\eta) = \mathbb{E}[T(y); \eta] $$

    $$ \frac{\partial g(\eta)}{\partial \eta} = g(\eta)(1 - g(\eta)) $$

    $$ \mathrm{Var}(X) = \mathbb{E}[X^2] - \mathbb{E}[X]^2 $$
    """)
    assert [s.verdict for s in r.steps][1:] == ["unsupported", "unsupported"]
    assert all("expectation" in str(s.reason) for s in r.steps[1:])


def test_a_list_item_that_is_a_condition_holds_for_the_display_under_it():
    """A Chinese post numbers its cases "1. $i \\neq j$" and "2. $i = j$" above the displays. Keyed by
    SymPy: ∂p_i/∂z_j = -p_i p_j for i ≠ j and p_i(1 - p_i) for i = j."""
    r = checked(r"""
    Let $p_i = \frac{e^{z_i}}{\sum_{c=1}^C e^{z_c}}$.

    1. $i \neq j$
    $$ \frac{\partial p_i}{\partial z_j} = - p_i p_j $$

    2. $i = j$
    $$ \frac{\partial p_i}{\partial z_j} = p_i (1 - p_i) $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid"]


def test_a_rows_size_condition_is_the_condition_it_holds_under():
    """"& \\text{when} C = 2" closing an aligned row: softmax over two classes is a sigmoid of the
    difference (SymPy: e^{a}/(e^{a} + e^{b}) = 1/(1 + e^{b - a})). The size's value is a condition, not
    the side "2" of a relation (once refuted against 2.0)."""
    r = checked(r"""
    Let $p_i = \frac{e^{z_i}}{\sum_{c=1}^C e^{z_c}}$.

    $$\begin{aligned}
    p_1 &= \frac{e^{z_1}}{e^{z_1} + e^{z_2}}, & \text{when} C = 2 \\
    &= \frac{1}{1 + e^{z_2 - z_1}}
    \end{aligned}$$
    """)
    assert "invalid" not in [s.verdict for s in r.steps]
    assert r.steps[0].verdict == "valid"


def test_a_case_stated_in_any_language_holds_for_its_display():
    """A Russian answer: "Для случая $k \\neq l$:" and "2. **Если $j \\neq k$:**" above the displays. A
    short line ending with a comparison and a colon is the case, whatever its words. Keyed by SymPy
    (softmax Jacobian): ∂p_k/∂z_l = -p_k p_l for k ≠ l."""
    r = checked(r"""
    Let $p_k = \frac{e^{z_k}}{\sum_{j} e^{z_j}}$.

    Для случая $ k \neq l $:
    $$ \frac{\partial p_k}{\partial z_l} = -p_k p_l $$

    2. **Если $ k = l $:**
    $$ \frac{\partial p_k}{\partial z_l} = p_k (1 - p_k) $$

    #### Когда $ k \neq l $:
    $$ \frac{\partial p_k}{\partial z_l} = -p_k p_l $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid", "valid"]


def test_a_functions_parameter_is_not_the_symbol_of_that_name_defined_elsewhere():
    """Nielsen-style notes define σ(z) = 1/(1 + e^{-z}) and, elsewhere, z = Σ_d w_d x_d + b, with x also the
    index of a cost C_x: σ's parameter z once pulled in the defined z and its index x, and every step
    through σ was "the definition of σ uses the index x". Keyed by SymPy: σ' = σ(1 - σ)."""
    r = checked(r"""
    $$ \sigma(z)=\frac{1}{1+e^{-z}} $$

    $$ z = \sum_d w_d x_d + b $$

    $$ C = \frac{1}{n} \sum_x C_x $$

    $$ \frac{d \sigma(u)}{d u} = \sigma(u)(1 - \sigma(u)) $$
    """)
    assert r.steps[-1].verdict == "valid"


def test_a_side_that_numbers_the_entries_specialises_the_free_index():
    """"Softmax with two classes": e^{z_i}/Σ_c e^{z_c} = e^{z_1}/(e^{z_1} + e^{z_2}) when C = 2 holds at i = 1
    only (SymPy); the author means that entry. Not refuted, and the reason names i = 1. A slipped index
    (x_i for x_j) is still refuted (tests/test_engine.py)."""
    r = checked(r"""
    $$\begin{aligned}
    \frac{e^{z_i}}{\sum_{c=1}^C e^{z_c}} &= \frac{e^{z_1}}{e^{z_1} + e^{z_2}}, & \text{when} C = 2
    \end{aligned}$$
    """)
    assert r.steps[0].verdict == "unsupported" and "i = 1" in str(r.steps[0].reason)


def test_a_physicists_expectation_is_read_and_never_refuted():
    """The StatProofBook's KL divergence of two normals writes ⟨x⟩ = μ and ⟨x^2⟩ = μ^2 + σ^2: once
    ``\\left\\langle … \\right\\rangle`` was called damaged LaTeX, and ⟨x⟩ = μ a definition refuting the next
    line. An expectation is read and not evaluated: unsupported, saying so."""
    r = checked(r"""
    $$ \left\langle x \right\rangle = \mu $$

    $$ \left\langle x^2 \right\rangle = \mu^2 + \sigma^2 $$
    """)
    assert [s.verdict for s in r.steps] == ["unsupported", "unsupported"]
    assert all("expectation" in str(s.reason) for s in r.steps)


def test_a_condition_that_opens_a_row_holds_for_its_steps_and_a_range_written_with_dots_is_cut():
    """A README writes "{\\rm if}~i=j,~\\frac{∂y_i}{∂x_j} = … = y_i(1-y_i)" and "y_i = …, for~i=1,..., C".
    The opening condition holds for the row's steps (once the row was unread and its later steps refuted
    at i ≠ j), and the range is the display's quantifier. Keyed by SymPy (softmax Jacobian)."""
    r = checked(r"""
    $$ y_i = \frac{e^{x_i}}{\sum_k e^{x_k}}, for~i=1,..., C $$

    $$ {\rm if}~i=j,~\frac{\partial y_i}{\partial x_j}=\frac{\partial y_i}{\partial x_i} = y_i \cdot (1-y_i) $$

    $$ {\rm if}~i\ne j,~\frac{\partial y_i}{\partial x_j} = -y_i \cdot y_j $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid", "valid", "valid"]
    assert r.steps[0].kind == "definition"


def test_punctuation_set_as_text_closes_a_row():
    """``X^TX \\hat\\beta = X^Ty \\text{,}``: a comma written in text mode ends the sentence, it is no word."""
    r = checked(r"""
    $$ (a+b)^2 = a^2 + 2ab + b^2 \text{,} $$
    """)
    assert [s.verdict for s in r.steps] == ["valid"]


RIDGE = r"""
Let $X$ be a matrix, $y$ a vector and $\lambda > 0$.

$$ w = (X^T X + \lambda I)^{-1} X^T y $$
"""


def test_a_closed_form_for_the_weights_states_their_solution_and_is_not_refuted():
    """w = (X^T X + λI)^{-1} X^T y on its own: the weights on one side, only data on the other. As an
    identity in a free w it was refuted, correct as it is; it states the solution, and is not refuted."""
    r = checked(RIDGE)
    assert [s.verdict for s in r.steps] == ["unsupported"]
    assert "solution" in str(r.steps[0].reason)



def test_the_entries_of_a_softmax_output_are_the_classes_whatever_letter_indexes_them():
    r"""A network text (no softmax-regression words), ``\hat y = softmax(z)`` and ``C = -\sum_i y_i \log \hat y_i``:
    i runs over the classes, so the one-hot y is a class label, not a sample's number. It once read i as the
    samples and refuted the correct ∂C/∂z_j = ŷ_j - y_j at y_1 = 3. Keyed with SymPy at K = 3, every one-hot y:
    the derivative is ŷ_j - y_j, never y_j - ŷ_j."""
    text = r"""
    A network with one hidden layer of sigmoid units and a softmax output, trained with cross-entropy on a
    one-hot target $y$:

    $$\hat y = {\rm softmax}(z)$$

    $$C = -\sum_i y_i \log \hat y_i$$

    $$\frac{\partial C}{\partial z_j} = \hat y_j - y_j$$

    $$\frac{\partial C}{\partial z_j} = y_j - \hat y_j$$
    """
    assert [s.verdict for s in checked(text).steps] == ["valid", "valid", "valid", "invalid"]


def test_second_derivatives_are_read_and_a_hessian_with_its_sign_lost_is_refuted():
    r"""``\frac{\partial^2 J}{\partial w_j \partial w_k}`` and ``\frac{\partial^2 J}{\partial w_j^2}`` (a Hessian's
    entries) were "a lone \partial" before. Keyed with SymPy (3 samples, 2 features, a random point): the logistic
    loss's Hessian is +Σ σ(1-σ) x_ij x_ik; the minus sign of a batch-15 source's X'SX is refuted."""
    text = r"""
    The logistic sigmoid is $\sigma(z) = \frac{1}{1+e^{-z}}$ and the loss is

    $$J(w) = -\sum_{i=1}^{N} \left[ y_i \log \sigma(w^T x_i) + (1 - y_i) \log(1 - \sigma(w^T x_i)) \right]$$

    $$\frac{\partial^2 J}{\partial w_j \partial w_k} = \sum_{i=1}^{N} \sigma(w^T x_i)(1 - \sigma(w^T x_i)) x_{ij} x_{ik}$$

    $$\frac{\partial^2 J}{\partial w_j \partial w_k} = -\sum_{i=1}^{N} \sigma(w^T x_i)(1 - \sigma(w^T x_i)) x_{ij} x_{ik}$$

    $$\frac{\partial^2 J}{\partial w_j^2} = \sum_{i=1}^{N} \sigma(w^T x_i)(1 - \sigma(w^T x_i)) x_{ij}^2$$
    """
    assert [s.verdict for s in checked(text).steps] == ["valid", "valid", "invalid", "valid"]


R14 = r"""
Let $h_\theta(x) = g(\theta^T x)$ with $g(z) = \frac{1}{1+e^{-z}}$, $m$ examples $(x^{(i)}, y^{(i)})$.

$$J(\theta) = - \frac{1}{m} \sum_{i=1}^m [y^{(i)}\log (h_\theta (x^{(i)})) + (1 - y^{(i)})\log (1 - h_\theta(x^{(i)}))]$$

$$\frac{\partial}{\partial \theta_j} J(\theta) = \frac{1}{m}\sum_{i=1}^m \left [ h_\theta(x^{(i)}) - y^{(i)} \right ] x^{(i)}_j$$

$$\theta_0 := \theta_0 - \alpha \frac{1}{m} \sum_{i=1}^m (h_\theta(x^{(i)}) - y^{(i)})x_0^{(i)}$$

$$\theta_j := \theta_j + \alpha \frac{1}{m} \sum_{i=1}^m (h_\theta(x^{(i)}) - y^{(i)})x_j^{(i)}$$
"""


def test_an_update_of_the_entry_numbered_zero_is_not_refuted_and_a_climbing_update_still_is():
    """θ_0 is the intercept of a text that counts from 0 (x_0 = 1): outside the θ_1..θ_D read, its gradient is
    not the notation's (it was refuted with the change 9.68 against 0). A + on the cost's gradient (keyed: the
    cross-entropy's gradient is (1/m) Σ (h - y) x_j, so θ + α(…) climbs) is still invalid."""
    steps = checked(R14).steps
    assert [s.verdict for s in steps] == ["valid", "valid", "unsupported", "invalid"]


def test_a_probability_whose_right_side_ignores_the_outcome_is_no_definition():
    r""""the probability $P(t|z) = y$" says P(t = 1 | z) loosely: as a definition of P(t | z) for every t it made
    ξ = -log 𝓛 = -log y, and refuted ξ(t, y) = -t log y - (1-t) log(1-y) and its derivative (keyed with SymPy:
    ∂ξ/∂y = -t/y + (1-t)/(1-y))."""
    text = r"""
    With $\sigma(z) = \frac{1}{1+e^{-z}}$, the output $y = \sigma(z)$ is the probability that $z$ belongs to class $(t=1)$.
    We write $\mathcal{L}(\theta|t,z) = P(t|z,\theta)$, and the probability $P(t| z) = y$ is fixed for a given $\theta$.

    $$\xi(t,y) = - \log \mathcal{L}(\theta|t,z)$$

    $$\xi(t,y) = -t \log(y) - (1-t) \log(1-y)$$

    $$\frac{\partial \xi}{\partial y} = -\frac{t}{y} + \frac{1-t}{1-y}$$
    """
    assert "invalid" not in [s.verdict for s in checked(text).steps]


def test_a_row_for_one_case_is_no_definition_and_is_not_refuted():
    r"""``& \text{if y = 1}`` closing a row of an align: the row is one case of the cost, not its definition (the
    first case read as the definition refuted the second, and through J the gradient and the update). Keyed with
    SymPy: -y log h - (1-y) log(1-h) is -log h at y = 1 and -log(1-h) at y = 0."""
    text = r"""
    Let $h_\theta(x) = g(\theta^T x)$ with $g(z) = \frac{1}{1+e^{-z}}$, $m$ examples $(x^{(i)}, y^{(i)})$.

    $$
    \begin{align}
    & J(\theta) = \frac{1}{m} \sum_{i=1}^m \mathrm{Cost}(h_\theta(x^{(i)}),y^{(i)}) \\
    & \mathrm{Cost}(h_\theta(x),y) = -\log(h_\theta(x)) \; & \text{if y = 1} \\
    & \mathrm{Cost}(h_\theta(x),y) = -\log(1-h_\theta(x)) \; & \text{if } y = 0
    \end{align}
    $$
    """
    steps = checked(text).steps
    assert [s.verdict for s in steps][1:] == ["unsupported", "unsupported"]
    assert [s.latex.strip() for s in steps][1:] == [r"\mathrm{Cost}(h_\theta(x),y) = -\log(h_\theta(x))",
                                                    r"\mathrm{Cost}(h_\theta(x),y) = -\log(1-h_\theta(x))"]


def test_a_letter_that_is_an_index_in_one_place_and_a_quantity_in_another_is_not_refuted_as_the_index():
    r"""CS229 notes write θ_l in a Hessian and ``l = \log p(y|x; θ)`` for the log-likelihood further on: as the
    index, l = 1 refuted ``l = …`` (1 vs -1) and made ∂l/∂θ_j = 0, refuting a correct gradient (keyed with SymPy:
    ∂(yθ^T x - e^{θ^T x})/∂θ_j = y x_j - e^{θ^T x} x_j)."""
    text = r"""
    The score is $J(\theta) = \sum_{k=1}^{D} \theta_k x_k$ for data $x$.

    $$\frac{\partial^2 J}{\partial \theta_l \partial \theta_k} = 0$$

    The log-likelihood of one example is

    $$l = y \theta^T x - e^{\theta^T x}$$

    $$\frac{\partial l}{\partial \theta_j} = y x_j - e^{\theta^T x} x_j$$
    """
    assert [s.verdict for s in checked(text).steps] == ["valid", "unsupported", "unsupported"]


def test_a_label_the_text_says_is_0_or_1_is_proved_by_cases_and_refuted_only_at_0_or_1():
    r"""``y \in \{0,1\}`` in the prose: y² log h + (1-y)² log(1-h) = y log h + (1-y) log(1-h) holds at y = 0 and
    y = 1 only (it was refuted at y = 3); y log h + (1-y) log(1-h) = log h fails at y = 0, and the
    counterexample says so. Keyed with SymPy: the first difference vanishes at y ∈ {0, 1}, the second is
    log(1-h) - log h at y = 0."""
    text = r"""
    The label is $y \in \{0,1\}$, the score $z$ is any number and $h = \frac{1}{1+e^{-z}}$.

    $$y^2 \log h + (1 - y)^2 \log(1 - h) = y \log h + (1 - y) \log(1 - h)$$

    $$y \log h + (1 - y) \log(1 - h) = \log h$$
    """
    steps = checked(text).steps
    assert [s.verdict for s in steps] == ["valid", "invalid"]
    assert dict(steps[1].counterexample.inputs)["y"] == "0"


def test_a_row_for_one_case_is_checked_with_the_value_of_its_case():
    r"""With the cost defined (-y log h - (1-y) log(1-h)), a row closing with ``\text{if } y = 0`` is checked with
    y = 0 put in: -log(1-h) holds there, -log h does not (keyed with SymPy at y = 0: the cost is -log(1-h))."""
    text = r"""
    The label is $y \in \{0, 1\}$ and the prediction is $h = \frac{1}{1+e^{-z}}$ for a score $z$.

    $$\mathrm{Cost}(h, y) = - y \log(h) - (1 - y) \log(1 - h)$$

    $$
    \begin{align}
    & \mathrm{Cost}(h,y) = -\log(h) \; & \text{if y = 1} \\
    & \mathrm{Cost}(h,y) = -\log(1-h) \; & \text{if } y = 0 \\
    & \mathrm{Cost}(h,y) = -\log(h) \; & \text{if } y = 0
    \end{align}
    $$
    """
    steps = checked(text).steps
    assert [s.verdict for s in steps] == ["valid", "valid", "valid", "invalid"]
    assert "checked where $y = 0$, the case its row names" in steps[3].notes


def test_a_loss_differentiated_by_a_weight_it_does_not_involve_reads_its_symbols_as_unknowns():
    r"""E = ½ Σ (y^{(i)} - t^{(i)})² differentiated by w, the prose saying y is the network's output: read as data, y
    made every derivative 0 and proved a lost factor 2 (batch 16). Its symbols are unknown quantities now, and
    the factor is found (keyed: ½ Σ 2(y-t) ∂(y-t)/∂w is twice ½ Σ (y-t) ∂(y-t)/∂w wherever it is not 0)."""
    text = r"""
    The output $y^{(i)}$ of the network depends on the weight $w$.

    $$E = \frac{1}{2}\sum_{i=1}^{M}\left(y^{(i)} - t^{(i)}\right)^2$$

    $$\frac{\partial E}{\partial w} = \frac{1}{2}\sum_{i=1}^{M} 2\left(y^{(i)}-t^{(i)}\right)\frac{\partial}{\partial w}\left(y^{(i)}-t^{(i)}\right) = \frac{1}{2}\sum_{i=1}^{M}\left(y^{(i)}-t^{(i)}\right)\frac{\partial}{\partial w}\left(y^{(i)}-t^{(i)}\right)$$
    """
    assert [s.verdict for s in checked(text).steps] == ["valid", "valid", "invalid"]




def test_two_losses_each_led_in_by_what_it_is_for_are_two_definitions():
    """"For cross-entropy: J = … For squared error: J = …" (batch 16): the second is no claim that the two are
    equal (it was refuted); the chain rule after them, ∂J/∂W = ∂J/∂Z · ∂Z/∂W (correct, keyed with NumPy finite
    differences by the batch's key), is not refuted either: one sample's A^{[L](i)} reaches W but not Z as
    written, and the 0 that gave ∂J/∂Z is not taken as its value."""
    text = r"""
    $$Z^{[L]} = W^{[L]} A^{[L-1]} + b^{[L]}$$

    $$A^{[L]} = \sigma(Z^{[L]})$$

    $$\sigma(z) = \frac{1}{1+e^{-z}}$$

    For cross-entropy:

    $$J = -\frac{1}{m} \sum_{i=1}^{m}~[ Y^{(i)} \log(A^{[L] (i)}) + (1-Y^{(i)}) \log(1-A^{[L] (i)})]$$

    For squared error:

    $$J = \frac{1}{2m} \sum_{i=1}^{m} ||A^{[L] (i)} - Y^{(i)}||^2$$

    $$\frac{\partial J}{\partial W^{[L]}} = \frac{\partial J}{\partial Z^{[L]}} \cdot \frac{\partial Z^{[L]}}{\partial W^{[L]}}$$
    """
    steps = checked(text).steps
    assert [s.verdict for s in steps[3:5]] == ["valid", "valid"]
    assert steps[5].verdict == "unsupported"


def test_github_math_fences_are_displays():
    """GitHub renders a ```math block as display math (batch 16's README was refused whole: "no display
    math"); a ```python block stays code. Keyed by expanding: (x+1)² = x²+2x+1, (x-1)² ≠ x²+2x+1."""
    text = "The expansion:\n\n```math\n(x+1)^2 = x^2 + 2x + 1\n```\n\n```python\ny = (x+1)**2\n```\n\n" \
           "```math\n(x-1)^2 = x^2 + 2x + 1\n```\n"
    assert [s.verdict for s in checked(text).steps] == ["valid", "invalid"]


def test_two_columns_read_as_a_dot_product_with_guessed_shapes_refute_nothing():
    r"""``2X^TXθ - 2X^Ty = 2X^T(Xθ - y)`` holds for any matrix X (keyed: distributivity); with X's shape never
    stated and guessed a vector, X^T(Xθ) read Xθ as a dot product and refuted it (-56 vs -54)."""
    text = r"""
    $$2 X^T X \theta - 2 X^T y = 2 X^T (X \theta - y)$$
    """
    assert [s.verdict for s in checked(text).steps] == ["unsupported"]


def test_a_vector_written_whole_beside_a_sum_counted_from_zero_is_not_refuted():
    r"""``\sum_{j=0}^{n} θ_j x_j`` defines J; ``θ^T x^{(i)}`` in the gradient writes θ whole. Whether the whole θ has
    the entry θ_0 is the text's convention (keyed: with θ = (θ_0, …, θ_n) the gradient is correct), not refuted."""
    text = r"""
    $$J = \frac{1}{2m} \sum_{i=1}^{m} (\sum_{j=0}^{n} \theta_j x_j^{(i)} - y^{(i)})^2$$

    $$\frac{\partial}{\partial \theta_k} J = \frac{1}{m} \sum_{i=1}^{m} (\theta^T x^{(i)} - y^{(i)}) x_k^{(i)}$$
    """
    assert [s.verdict for s in checked(text).steps] == ["valid", "unsupported"]
