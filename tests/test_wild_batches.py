"""Forms from the nineteenth and twentieth batches of public derivations (student write-ups; notes in
Chinese, Japanese, Russian, Korean), each once a correct step flagged, a wrong one let through, or the
engine stopped: a value at a point (``\\left. f \\right|_{x=2}``), a negative rounded decimal, the upright
differential before a bracket, the general form of a definition first written as an example, a whole
matrix said again after its entries, and a chain that opens with its own definition."""

from __future__ import annotations

import textwrap

from derivcheck.read.source import read_document
from derivcheck.verdict.checker import Options, check, run_inline


def checked(text: str):
    return run_inline(check(read_document("doc.md", textwrap.dedent(text)), Options()))


def verdicts(text: str) -> list[str]:
    return [s.verdict for s in checked(text).steps]


def test_a_value_at_a_point_is_evaluated_there():
    doc = r"""
    $$ f(x) = x^3 $$

    $$ \left. \frac{d f}{d x} \right|_{x=2} = VALUE $$
    """
    assert verdicts(doc.replace("VALUE", "12")) == ["valid", "valid"]
    assert verdicts(doc.replace("VALUE", "13")) == ["valid", "invalid"]


def test_a_negative_decimal_rounded_to_its_places_is_not_refuted():
    doc = "$$ -2 \\cdot (0.7 - 0.4943) \\cdot 0.552 = VALUE $$\n"
    r = checked(doc.replace("VALUE", "-0.227")).steps[0]
    assert r.verdict == "unsupported" and "rounded" in str(r.reason)
    assert verdicts(doc.replace("VALUE", "-0.237")) == ["invalid"]


def test_the_upright_differential_before_a_bracket_is_not_a_number():
    doc = r"""
    For matrices $A$ and $B$ the differential obeys the product rule:

    $$ \mathrm{d}(AB) = \mathrm{d}A\,B + A\,\mathrm{d}B $$
    """
    assert verdicts(doc) == ["unsupported"]


GENERAL = r"""
The hypothesis is

$$ h_\theta(x)=\theta_0+\theta_1x_1+\theta_2x_2 $$

and with $x_0=1$ we write it as

$$ h_\theta(x)=\sum_{i=0}^n\theta_ix_i $$

$$ \frac{\partial}{\partial\theta_j}\frac{1}{2}\left(h_\theta(x)-y\right)^2 = \left(h_\theta(x)-y\right) RESULT $$
"""


def test_the_general_form_of_a_definition_written_first_as_an_example_is_read_as_its_definition():
    r = checked(GENERAL.replace("RESULT", "x_j"))
    assert [s.verdict for s in r.steps] == ["valid", "valid", "valid"]
    assert r.reading is not None and "defines it" in r.reading.adopted
    assert [s.verdict for s in checked(GENERAL.replace("RESULT", "2 x_j")).steps][-1] == "invalid"


def test_a_restatement_that_is_no_generalisation_stays_a_claim():
    r = checked(r"""
    $$ \hat{x}_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}} $$

    The author rewrites it:

    $$ \hat{x}_i = (x_i - \mu)(\sqrt{\sigma^2 + \epsilon})^{-0.5} $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "invalid"]


def test_a_whole_matrix_said_again_after_its_entries_is_a_claim_not_a_definition():
    """A Hessian given entry by entry with its 1/m, then "H = X^T X" (the factor lost): no second definition."""
    r = checked(r"""
    Let $X \in \mathbb{R}^{m \times n}$ be the data.

    $$ H_{kl} = \frac{1}{m} \sum_{i=1}^m X_{ik} X_{il} $$

    $$ H = X^T X $$
    """)
    assert r.steps[0].kind == "definition"
    assert r.steps[1].kind != "definition" and r.steps[1].verdict != "valid"


def test_a_chain_that_opens_with_its_own_definition_proves_nothing_by_it():
    r = checked(r"""
    Let $\theta, x \in \mathbb{R}^n$.

    $$ h(x)=\sum_{i=1}^n\theta_ix_i=\theta^Tx $$
    """)
    assert [(s.kind, s.verdict) for s in r.steps] == [("definition", "valid"), ("step", "valid")]


def test_a_symbol_the_text_never_defines_differentiated_by_another_is_not_taken_as_constant():
    """θ (the softmax's input, θ = U v_c only in words) differentiated by v_c: not the 0 of two independent
    parameters, so ∂θ/∂v_c = U is not refuted at lhs 0."""
    r = checked(r"""
    The softmax regression $\hat{y} = \text{softmax}(\theta)$ has

    $$ \frac{\partial J}{\partial \theta} = \hat{y}_o - y_o $$

    $$ \frac{\partial \theta}{\partial v_c} = U $$

    $$ \frac{\partial J}{\partial v_c} = \frac{\partial J}{\partial \theta}\frac{\partial \theta}{\partial v_c} = (\hat{y} - y)^T U $$
    """)
    step = next(s for s in r.steps if s.latex.strip() == r"\frac{\partial \theta}{\partial v_c} = U")
    assert step.verdict == "unsupported" and "two meanings" in str(step.reason)


def test_two_sides_written_in_data_nothing_links_refute_nothing():
    """A loss in the rows x^{(i)} and its gradient in the design matrix X that the prose says stacks them:
    read as unrelated numbers they differ, and the final answer was called incorrect."""
    r = checked(r"""
    The hypothesis is $h_\theta(x)=\theta_0+\theta_1x_1+\theta_2x_2$. The cost is

    $$J(\theta)=\frac{1}{2}\sum_{i=1}^m\left(h_\theta\left(x^{(i)}\right)-y^{(i)}\right)^2$$

    The design matrix $X$ has the rows $\left(x^{(i)}\right)^T$, and

    $$\nabla_\theta J(\theta)=\nabla_\theta\frac{1}{2}\left(X\theta-\vec y\right)^T\left(X\theta-\vec y\right)$$
    """)
    assert r.steps[1].verdict == "unsupported" and "different data" in str(r.steps[1].reason)
    assert r.final.verdict != "incorrect"
