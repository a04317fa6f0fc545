"""Equations that follow from equations (issue 11, item 4): after ``\\Rightarrow`` or ``\\iff`` an equation
is checked as following from the one before: the same equation rearranged, or a solution of it that,
put back, makes it hold. One that names no solution is refuted with the other equation's two sides.

The expected values come from NumPy and fractions at the counterexample's inputs, never from derivcheck."""

from __future__ import annotations

import textwrap
from fractions import Fraction

import numpy as np

from derivcheck.read.source import read_document
from derivcheck.verdict.checker import Options, check, run_inline

NORMAL = r"""
# Normal equations

Let $X \in \mathbb{R}^{N \times D}$, $y \in \mathbb{R}^{N}$ and $w \in \mathbb{R}^{D}$, with $X^\top X$ invertible.
The loss is $L = \frac{1}{2}\|X w - y\|^2$.

$$
\nabla_w L = X^\top (X w - y) = X^\top X w - X^\top y
$$

Setting the gradient to zero:

$$
X^\top X w - X^\top y = 0 \Rightarrow X^\top X w = X^\top y \Rightarrow w = SOLUTION
$$
"""

LINE = r"""
# A line through the origin

$$
\sum_{i=1}^{n} (a t_i - s_i) t_i = 0 \iff a \sum_{i=1}^{n} t_i^2 = \sum_{i=1}^{n} t_i s_i \iff SOLVED
$$
"""


def checked(text: str):
    return run_inline(check(read_document("doc.md", textwrap.dedent(text)), Options()))


def test_the_normal_equations_follow_one_from_another():
    r = checked(NORMAL.replace("SOLUTION", r"(X^\top X)^{-1} X^\top y"))
    assert [s.verdict for s in r.steps] == ["valid", "valid", "unsupported", "valid", "valid"]
    assert "rearranged" in str(r.steps[3].reason)
    assert "put into that equation, makes it hold" in str(r.steps[4].reason)


def test_a_solution_with_a_lost_sign_is_refuted_with_the_equation_before_it():
    r = checked(NORMAL.replace("SOLUTION", r"-(X^\top X)^{-1} X^\top y"))
    step = r.steps[4]
    assert step.verdict == "invalid" and "does not follow" in str(step.reason)
    inputs = {k: float(v) for k, v in step.counterexample.inputs}
    n, d = r.sizes["N"], r.sizes["D"]
    X = np.array([[inputs[f"X_{{{i},{j}}}"] for j in range(1, d + 1)] for i in range(1, n + 1)])
    y = np.array([inputs[f"y_{{{i}}}"] for i in range(1, n + 1)])
    w = -np.linalg.solve(X.T @ X, X.T @ y)
    lhs, rhs = X.T @ X @ w, X.T @ y       # the equation before it, at the stated solution
    entry = step.counterexample.entry[0] - 1
    assert np.isclose(float(step.counterexample.lhs), lhs[entry]) and np.isclose(float(step.counterexample.rhs), rhs[entry])
    assert not np.isclose(lhs[entry], rhs[entry])


def test_a_least_squares_slope_follows_and_a_wrong_one_does_not():
    good = checked(LINE.replace("SOLVED", r"\hat{a} = \frac{\sum_{i=1}^{n} t_i s_i}{\sum_{i=1}^{n} t_i^2}"))
    assert [s.verdict for s in good.steps][1:] == ["valid", "valid"]
    bad = checked(LINE.replace("SOLVED", r"\hat{a} = \frac{\sum_{i=1}^{n} t_i s_i}{\sum_{i=1}^{n} t_i}"))
    step = bad.steps[2]
    assert step.verdict == "invalid"
    inputs = {k: Fraction(v) for k, v in step.counterexample.inputs}
    count = dict(step.counterexample.sizes).get("n", bad.sizes["n"])      # the sizes it was refuted at
    t = [inputs[f"t_{{{i}}}"] for i in range(1, count + 1)]
    s = [inputs[f"s_{{{i}}}"] for i in range(1, count + 1)]
    a = sum(ti * si for ti, si in zip(t, s)) / sum(t)
    lhs, rhs = a * sum(ti * ti for ti in t), sum(ti * si for ti, si in zip(t, s))
    assert lhs != rhs
    assert np.isclose(float(step.counterexample.lhs), float(lhs)) and np.isclose(float(step.counterexample.rhs), float(rhs))


def test_a_step_that_follows_another_way_is_not_flagged():
    r = checked(LINE.replace("SOLVED", r"2 a \sum_{i=1}^{n} t_i^2 = 2 \sum_{i=1}^{n} t_i s_i"))
    assert r.steps[2].verdict == "unsupported"       # multiplied through: not decided here, never refuted


def test_the_inverse_of_a_square_matrix_is_exact():
    r = checked(r"""
    Let $X \in \mathbb{R}^{N \times D}$ and $w \in \mathbb{R}^{D}$.

    $$
    (X^\top X)^{-1} X^\top X w = w
    $$
    """)
    assert [s.verdict for s in r.steps] == ["valid"]


POINT = r"""
$$ L = (a w - b)^2 + \lambda w^2 $$

Setting the derivative to zero:

$$ a^2 w - a b + \lambda w = 0 $$

Isolating $w$:

$$ w (a^2 + \lambda) = a b $$

so

$$ w = SOLUTION $$
"""


def test_equations_after_one_that_holds_at_a_point_follow_from_it():
    r = checked(POINT.replace("SOLUTION", r"\frac{a b}{a^2 + \lambda}"))
    assert [s.verdict for s in r.steps] == ["valid", "unsupported", "valid", "valid"]
    assert "Setting the derivative to zero" in str(r.steps[2].reason)


def test_a_wrong_solution_after_a_point_is_refuted_with_the_equation_before_it():
    r = checked(POINT.replace("SOLUTION", r"\frac{a b}{a^2 - \lambda}"))
    step = r.steps[3]
    assert step.verdict == "invalid"
    v = {k: Fraction(x) for k, x in step.counterexample.inputs}
    w = v["a"] * v["b"] / (v["a"] ** 2 - v["\\lambda"])
    assert Fraction(step.counterexample.lhs) == w * (v["a"] ** 2 + v["\\lambda"]) != v["a"] * v["b"] == Fraction(step.counterexample.rhs)
