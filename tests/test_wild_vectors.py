"""Vectors as ML notes write them, each form once left unread in a public derivation nobody tuned on:
one feature vector per sample (``x_i \\in \\mathbb{R}^d``), a function of one number applied to a
vector (``p = \\sigma(Xw + b\\mathbf{1})``), and a bare label vector the text declares over the samples
(``y \\in \\mathbb{R}^n`` in ``X^\\top(p - y)``)."""

from __future__ import annotations

import textwrap

from derivcheck.read.source import read_document
from derivcheck.verdict.checker import Options, check, run_inline


def checked(text: str):
    return run_inline(check(read_document("doc.md", textwrap.dedent(text)), Options()))


LOGISTIC = r"""
We have $\{(x_i, y_i)\}_{i=1}^n$ where $x_i \in \mathbb{R}^d$ is a feature vector, $y_i \in \{0,1\}$ its label,
$w \in \mathbb{R}^d$ the weights and $b \in \mathbb{R}$ the bias.

$$ z_i = w^\top x_i + b, \qquad p_i = \sigma(z_i) = \frac{1}{1 + e^{-z_i}} $$

$$ J(w,b) = - \sum_{i=1}^n \Big[ y_i \log p_i + (1 - y_i) \log(1 - p_i) \Big] $$

$$ \frac{\partial z_i}{\partial w} = DZDW $$

$$ \nabla_w J = \sum_{i=1}^n (p_i - y_i) x_i $$

Let $X \in \mathbb{R}^{n \times d}$ be the design matrix (rows $x_i^\top$), $y \in \mathbb{R}^n$ the label vector and
$p = \sigma(Xw + b\mathbf{1})$. Then

$$ \nabla_w J = VECTORISED $$
"""


def verdicts(r) -> dict[str, str]:
    return {s.latex.strip(): s.verdict for s in r.steps}


def test_each_sample_has_a_feature_vector_and_the_vectorised_gradient_is_proved():
    r = checked(LOGISTIC.replace("DZDW", "x_i").replace("VECTORISED", r"X^\top (p - y)"))
    v = verdicts(r)
    assert v[r"\frac{\partial z_i}{\partial w} = x_i"] == "valid"
    assert v[r"\nabla_w J = \sum_{i=1}^n (p_i - y_i) x_i"] == "valid"
    assert v[r"\nabla_w J = X^\top (p - y)"] == "valid"


def test_a_sign_slip_in_the_vectorised_gradient_is_refuted_with_numbers():
    r = checked(LOGISTIC.replace("DZDW", "x_i").replace("VECTORISED", r"X^\top (y - p)"))
    step = next(s for s in r.steps if s.latex.strip() == r"\nabla_w J = X^\top (y - p)")
    assert step.verdict == "invalid"
    cex = step.counterexample
    assert cex.lhs and cex.rhs and cex.lhs != cex.rhs


def test_a_lost_feature_vector_is_refuted():
    r = checked(LOGISTIC.replace("DZDW", "2 x_i").replace("VECTORISED", r"X^\top (p - y)"))
    assert verdicts(r)[r"\frac{\partial z_i}{\partial w} = 2 x_i"] == "invalid"


def test_a_function_defined_at_one_entry_is_a_function_of_one_number():
    doc = r"""
    $$ p_i = \sigma(z_i) = \frac{1}{1 + e^{-z_i}} $$

    $$ \frac{d\sigma(z)}{dz} = RHS $$
    """
    assert [s.verdict for s in checked(doc.replace("RHS", r"\sigma(z)(1 - \sigma(z))")).steps][-1] == "valid"
    assert [s.verdict for s in checked(doc.replace("RHS", r"\sigma(z)(1 + \sigma(z))")).steps][-1] == "invalid"


def test_a_function_that_reads_its_argument_as_a_vector_is_not_applied_entry_by_entry():
    r = checked(r"""
    Let $w \in \mathbb{R}^d$ and $f(v) = w^\top v$.

    $$ f(w) = \sum_{j=1}^d w_j^2 $$
    """)
    assert [s.verdict for s in r.steps] == ["valid"]
    assert not any("applied to each entry" in note for note in r.notes)


REGULARISED = r"""
There are $n$ instances $\mathbf{x}_i\in\mathbb{R}^p$ with labels $y_i\in\{0,1\}$; $\mathbf{X}$ is the feature
matrix (rows $\mathbf{x}_i^\top$), $\mathbf{y}$ the label vector and $\sigma$ the logistic map.

$$ \mathcal{L}(\mathbf{w})=-\sum_{i=1}^n[y_i\log(\sigma(\mathbf{w}^\top\mathbf{x}_i))
   +(1-y_i)\log(1-\sigma(\mathbf{w}^\top\mathbf{x}_i))] +\lambda \mathbf{w}^\top\mathbf{w} $$

$$ \nabla \mathcal{L}(\mathbf{w}) = GRADIENT $$
"""


def test_a_bare_label_beside_the_whole_data_matrix_is_the_label_vector():
    right = checked(REGULARISED.replace("GRADIENT", r"-\mathbf{X}^\top \mathbf{y} +\mathbf{X}^\top\sigma(\mathbf{X}\mathbf{w}) + 2\lambda \mathbf{w}"))
    assert [s.verdict for s in right.steps] == ["valid", "valid"]
    wrong = checked(REGULARISED.replace("GRADIENT", r"\mathbf{X}^\top \mathbf{y} -\mathbf{X}^\top\sigma(\mathbf{X}\mathbf{w}) + 2\lambda \mathbf{w}"))
    assert [s.verdict for s in wrong.steps] == ["valid", "invalid"]
