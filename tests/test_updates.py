"""Update rules (issue 12, rule 5): an assignment is never refuted as an identity, but the step it takes is
checked against the gradient of the loss the document differentiates: a wrong gradient inside an update is
found, with the change it makes and the step size times the true gradient, both printed.

The expected values come from NumPy at the counterexample's inputs, never from derivcheck."""

from __future__ import annotations

import textwrap

import numpy as np

from derivcheck.latex.parse import parse_expression
from derivcheck.notation.header import load_notation
from derivcheck.read.source import read_document
from derivcheck.verdict.checker import Options, check, run_inline
from derivcheck.verdict.updates import update_outcome

DESCENT = r"""
# Gradient descent for a line through the origin

The cost is $J(w) = \frac{1}{2} \sum_{i=1}^{m} (w x_i - y_i)^2$. Its derivative:

$$
\frac{\partial J}{\partial w} = \sum_{i=1}^{m} (w x_i - y_i) x_i
$$

Gradient descent repeats

$$
UPDATE
$$
"""


def checked(text: str):
    return run_inline(check(read_document("doc.md", textwrap.dedent(text)), Options()))


def update_step(update: str):
    r = checked(DESCENT.replace("UPDATE", update))
    assert r.steps[0].verdict == "valid"
    return r.steps[1]


def test_an_update_with_the_derived_gradient_is_valid_whichever_way_it_is_written():
    for update in (r"w := w - \alpha \sum_{i=1}^{m} (w x_i - y_i) x_i",
                   r"w \leftarrow w - \alpha \sum_{i=1}^{m} (w x_i - y_i) x_i",
                   r"w = w + \alpha \sum_{i=1}^{m} (y_i - w x_i) x_i"):
        step = update_step(update)
        assert step.verdict == "valid", update
        assert any("checked as a gradient step down $J$" in note for note in step.notes)


def test_a_wrong_gradient_inside_an_update_is_invalid_with_both_values():
    step = update_step(r"w \leftarrow w - \alpha \sum_{i=1}^{m} (w x_i - y_i)")
    assert step.verdict == "invalid"
    assert "not the step size times the gradient of $J$" in str(step.reason)
    cex = step.counterexample
    inputs = {k: float(v) for k, v in cex.inputs}
    m = 1 + max(int(k.split("_{")[1].split("}")[0]) for k in inputs if k.startswith("y_"))
    entries = sorted({int(k.split("[")[1].rstrip("]")) for k in inputs if k.startswith("w[")})
    w = np.array([inputs[f"w[{e}]"] for e in entries])
    x = [np.array([inputs[f"x_{{{i}}}[{e}]"] for e in entries]) for i in range(1, m)]
    y = [inputs[f"y_{{{i}}}"] for i in range(1, m)]
    alpha = inputs["\\alpha"]
    change = alpha * sum(w @ x[i] - y[i] for i in range(m - 1)) * np.ones_like(w)
    truth = alpha * sum((w @ x[i] - y[i]) * x[i] for i in range(m - 1))
    entry = cex.entry[0] - 1
    assert float(cex.lhs) == change[entry] and float(cex.rhs) == truth[entry]
    assert change[entry] != truth[entry]


def test_an_update_in_a_text_that_takes_no_gradient_is_not_checked():
    r = checked(r"""
    The cost is $J(w) = \frac{1}{2} \sum_{i=1}^{m} (w x_i - y_i)^2$, and gradient descent repeats

    $$
    w := w - \alpha \sum_{i=1}^{m} (w x_i - y_i)
    $$
    """)
    assert [s.verdict for s in r.steps] == ["unsupported"]
    assert "an assignment" in str(r.steps[0].reason)


def test_an_update_that_climbs_a_cost_is_invalid():
    step = update_step(r"w := w + \alpha \sum_{i=1}^{m} (w x_i - y_i) x_i")
    assert step.verdict == "invalid"
    assert float(step.counterexample.lhs) == -float(step.counterexample.rhs) != 0


def test_an_update_of_a_likelihood_may_climb_it():
    r = checked(r"""
    The log-likelihood is $\ell(w) = -\frac{1}{2} \sum_{i=1}^{m} (w x_i - y_i)^2$. Its derivative:

    $$
    \frac{\partial \ell}{\partial w} = -\sum_{i=1}^{m} (w x_i - y_i) x_i
    $$

    Gradient ascent repeats

    $$
    w := w + \alpha \sum_{i=1}^{m} (y_i - w x_i) x_i
    $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid"]
    assert any("checked as a gradient step up" in note for note in r.steps[1].notes)


def test_a_step_size_absorbs_a_constant_factor_and_says_so():
    step = update_step(r"w := w - \alpha \frac{1}{m} \sum_{i=1}^{m} (w x_i - y_i) x_i")
    assert step.verdict == "valid"
    assert any(r"times $\frac{1}{m}$ (the step size absorbs that constant)" in note for note in step.notes)


def test_a_step_on_one_sample_is_not_checked_against_the_whole_cost():
    notation = load_notation({"sizes": {"m": "samples"}, "indices": {"i": "m"},
                              "symbols": {"w": "weights", "x_{i}": "input", "y_{i}": "variable"},
                              "gradient": [{"of": "J", "wrt": "w"}]})
    lhs, rhs = parse_expression("w"), parse_expression(r"w - \alpha (w x_i - y_i) x_i")
    asked = []
    assert update_outcome(notation, "w", lhs, rhs, lambda a, b: asked.append((a, b))) is None
    assert asked == []      # nothing compared: the sample index i is free on the right only


def test_a_stochastic_step_in_a_document_is_never_flagged():
    step = update_step(r"w := w - \alpha (w x_i - y_i) x_i")
    # as written it is not checked; read with Einstein's convention (i written twice) it is the full step
    assert step.verdict in ("unsupported", "valid")
    assert step.verdict == "unsupported" or any("Einstein" in note for note in step.notes)
