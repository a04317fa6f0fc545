"""A loss the text differentiates and never defines (notation/upstream.py): any function of the one quantity
it is differentiated by that nothing else uses, so backprop from an upstream gradient is proved by the chain
rule; a derivative by a square (``∂f/∂σ^2``) is by the square; a bracketed superscript a symbol takes no
index in is another symbol, never a power; an unknown upstream of a defined quantity is held fixed."""

from __future__ import annotations

import textwrap

import sympy as sp

from derivcheck.notation.infer import infer
from derivcheck.read.source import read_document
from derivcheck.verdict.checker import Options, check, run_inline

BATCHNORM = r"""
# batch norm backward

$$y_i = \gamma \hat{x}_i + \beta$$

$$\hat{x}_i = \frac{x_i - \mu}{s}$$

$$\frac{\partial f}{\partial \beta} = \sum_{i=1}^m \frac{\partial f}{\partial y_i}$$

$$\frac{\partial f}{\partial \hat{x}_i} = \frac{\partial f}{\partial y_i} \gamma$$

$$\frac{\partial f}{\partial \gamma} = \sum_{i=1}^m \frac{\partial f}{\partial y_i} \hat{x}_i$$

$$\frac{\partial f}{\partial \gamma} = \sum_{i=1}^m \frac{\partial f}{\partial y_i}$$

$$\frac{\partial f}{\partial s^2} = \sum_{i=1}^m \frac{\partial f}{\partial \hat{x}_i} (x_i - \mu) \cdot \left(-\frac{1}{2}\right) s^{-3}$$
"""


def checked(text: str):
    return run_inline(check(read_document("doc.md", textwrap.dedent(text)), Options()))


def test_the_loss_is_any_function_of_the_layers_output():
    header = infer(read_document("doc.md", BATCHNORM)).header
    assert header["upstream"] == {"f": "y"}


def test_backprop_from_an_upstream_gradient_is_proved_and_a_dropped_factor_is_not():
    verdicts = [s.verdict for s in checked(BATCHNORM).steps]
    assert verdicts[2:5] == ["valid", "valid", "valid"]
    assert verdicts[5] != "valid"           # ∂f/∂γ without the x̂_i
    assert verdicts[6] == "valid"           # by the square s^2


def test_the_derivative_by_a_square_is_the_derivative_by_the_square():
    # independent: x̂ = (x - μ)/sqrt(v), d x̂/dv at v = s^2 is (x - μ)(-1/2) s^{-3}
    x, mu, v, s = sp.symbols("x mu v s", positive=True)
    d = sp.diff((x - mu) / sp.sqrt(v), v).subs(v, s ** 2)
    assert sp.simplify(d - (x - mu) * sp.Rational(-1, 2) * s ** -3) == 0


def test_a_bracketed_superscript_on_a_symbol_without_such_an_index_is_another_symbol():
    r = checked(r"""
    $$z = W h + b^{(2)}$$

    $$\frac{\partial z}{\partial b^{(2)}} = 1$$

    $$z - b^{(2)} = W h + b^{2} - b^{(2)}$$
    """)
    assert r.steps[1].verdict == "valid"
    assert r.steps[2].verdict != "valid"    # b^{(2)} is not b squared
