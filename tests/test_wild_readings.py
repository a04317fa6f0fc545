"""Readings of public derivations nobody tuned on, each once a correct step flagged: a case stated with
an aside after it ("When $i=j$ (using the quotient rule):"), a case written ``i \\ne{j}``, and the
quotient rule written with the operator before a product (``\\frac{\\partial}{\\partial z_i} e^{z_j}
(\\sum_k e^{z_k})``, the operator taking only the factor after it)."""

from __future__ import annotations

import textwrap

from derivcheck.read.source import read_document
from derivcheck.verdict.checker import Options, check, run_inline


def checked(text: str):
    return run_inline(check(read_document("doc.md", textwrap.dedent(text)), Options()))


SOFTMAX = r"""
The softmax is

$$ \hat{y}_{i} = \frac{e^{z_{i}}}{\sum_{k=1}^{C} e^{z_k}} $$

CONDITION

$$ \frac{\partial \hat{y}_{i}}{\partial z_{j}} = RHS $$
"""


def test_a_case_with_an_aside_after_it_holds_for_its_display():
    doc = SOFTMAX.replace("CONDITION", "When $i=j$ (using the quotient rule):")
    assert [s.verdict for s in checked(doc.replace("RHS", r"\hat{y}_{i} (1 - \hat{y}_{i})")).steps] == ["valid"] * 2
    wrong = checked(doc.replace("RHS", r"\hat{y}_{i} (1 + \hat{y}_{i})")).steps[-1]
    assert wrong.verdict == "invalid"
    cex = dict(wrong.counterexample.indices)
    assert cex["i"] == cex["j"]


def test_a_case_written_with_a_braced_letter_holds_for_its_display():
    doc = SOFTMAX.replace("CONDITION", r"When $i \ne{j}$:")
    assert [s.verdict for s in checked(doc.replace("RHS", r"- \hat{y}_{i} \hat{y}_{j}")).steps] == ["valid"] * 2
    wrong = checked(doc.replace("RHS", r"\hat{y}_{i} \hat{y}_{j}")).steps[-1]
    assert wrong.verdict == "invalid"
    cex = dict(wrong.counterexample.indices)
    assert cex["i"] != cex["j"]


QUOTIENT = r"""
Let $s_j = \frac{e^{z_j}}{\sum_{k=1}^{K} e^{z_k}}$. For $i = j$:

$$ \frac{\partial s_j}{\partial z_i} = \frac{\frac{\partial}{\partial z_i} e^{z_j} (\sum_{k=1}^{K} e^{z_k})
   - e^{z_j} (\frac{\partial}{\partial z_i} \sum_{k=1}^{K} e^{z_k})}{(\sum_{k=1}^{K} e^{z_k})^2}
   = RESULT $$
"""


def test_an_operator_before_a_product_may_take_only_the_factor_after_it():
    r = checked(QUOTIENT.replace("RESULT", r"\frac{e^{z_i} \sum_{k=1}^{K} e^{z_k} - (e^{z_i})^2}{(\sum_{k=1}^{K} e^{z_k})^2}"))
    assert [s.verdict for s in r.steps] == ["valid", "valid"]
    assert r.reading is not None and r.reading.adopted == "each derivative operator applying to the factor right after it"
    assert any("applies only to the factor right after it" in note for note in r.steps[0].notes)


def test_the_narrow_reading_does_not_hide_a_wrong_result():
    r = checked(QUOTIENT.replace("RESULT", r"\frac{e^{z_i} \sum_{k=1}^{K} e^{z_k} + (e^{z_i})^2}{(\sum_{k=1}^{K} e^{z_k})^2}"))
    assert r.steps[-1].verdict == "invalid"


LASSO = r"""
The lasso penalty with features $j = 0, \dots, n$; isolate the $\theta_j$ term:

$$ \lambda \sum_{j=0}^n |\theta_j| = \lambda |\theta_j| + REST $$
"""


def test_a_sum_with_no_lower_limit_starts_where_the_steps_other_sum_to_that_limit_starts():
    assert [s.verdict for s in checked(LASSO.replace("REST", r"\lambda \sum_{k\neq j}^n |\theta_k|")).steps] == ["valid"]
    assert [s.verdict for s in checked(LASSO.replace("REST", r"\sum_{k\neq j}^n |\theta_k|")).steps] == ["invalid"]


BATCHNORM = r"""
Recall that BatchNorm is defined as follows:

$$
\begin{align*}
  \mu_B      &= \frac{1}{m} \Sigma^m_{i=1} x_i \\
  \sigma^2_B &= \frac{1}{m} \Sigma^m_{i=1}(x_i - \mu_B)^2 \\
  \hat{x}_i  &= \frac{x_i - \mu_B}{\sqrt{\sigma^2_B + \epsilon}}
\end{align*}
$$

$$
\begin{align*}
\frac{\partial \hat{x}_i}{\partial \mu_B} &= \frac{-1}{\sqrt{\sigma^2_B + \epsilon}} \\
\frac{\partial \hat{x}_i}{\partial \sigma^2_B} &= -\frac{1}{2} (x_i - \mu_B)(\sigma^2_B + \epsilon)^{-3/2} \\
\frac{\partial \sigma^2_B}{\partial \mu_B} &= \frac{2}{m} \Sigma^m_{i=1} (x_i - \mu_B) (-1)
\end{align*}
$$

$$
\begin{align*}
\frac{\partial \hat{x}_i}{\partial x_i} &= \frac{\partial}{\partial x_i} \left[ \frac{x_i - \mu_B}{\sqrt{\sigma^2_B + \epsilon}} \right] \\
&= LOCAL
\end{align*}
$$
"""


def test_a_capital_sigma_with_a_sums_limits_is_a_sum_and_a_batch_label_is_part_of_a_name():
    r = checked(BATCHNORM.replace("LOCAL", r"\frac{1}{\sqrt{\sigma^2_B + \epsilon}}"))
    v = {s.latex.strip(): s.verdict for s in r.steps}
    assert v[r"\sigma^2_B &= \frac{1}{m} \Sigma^m_{i=1}(x_i - \mu_B)^2"] == "valid"
    assert v[r"\frac{\partial \hat{x}_i}{\partial \mu_B} &= \frac{-1}{\sqrt{\sigma^2_B + \epsilon}}"] == "valid"
    assert v[r"\frac{\partial \sigma^2_B}{\partial \mu_B} &= \frac{2}{m} \Sigma^m_{i=1} (x_i - \mu_B) (-1)"] == "valid"


def test_a_local_derivative_that_holds_the_batch_statistics_fixed_is_not_refuted():
    """∂x̂_i/∂x_i = 1/√(σ² + ε) holds with μ and σ² held fixed, as the text's chain rule through them
    means; the total derivative differs. Neither reading is certain, so it is not refuted."""
    r = checked(BATCHNORM.replace("LOCAL", r"\frac{1}{\sqrt{\sigma^2_B + \epsilon}}"))
    step = r.steps[-1]
    assert step.verdict == "unsupported" and "held fixed" in str(step.reason)


def test_a_local_derivative_wrong_under_either_reading_is_refuted():
    r = checked(BATCHNORM.replace("LOCAL", r"\frac{2}{\sqrt{\sigma^2_B + \epsilon}}"))
    assert r.steps[-1].verdict == "invalid"


def test_a_capital_sigma_without_a_sums_limits_is_a_symbol():
    from derivcheck.latex import nodes as n
    from derivcheck.latex.parse import parse_expression
    assert not any(isinstance(x, n.Sum) for x in n.walk(parse_expression(r"\Sigma_i + \Sigma^{-1} x")))
    assert isinstance(parse_expression(r"\Sigma_{k=1}^{K} e^{z_k}"), n.Sum)
