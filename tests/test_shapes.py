"""Shapes (issue 12, rule 7): where the text states the shape of every symbol of a step, two sides of
different shapes are `invalid` with both shapes; where the shapes are guessed, they refute nothing.

The expected shapes come from NumPy on arrays of the sizes the report names, never from derivcheck."""

from __future__ import annotations

import textwrap

import numpy as np

from derivcheck.read.source import read_document
from derivcheck.verdict.checker import Options, check, run_inline

OUTER = r"""
# A linear layer

Let $x \in \mathbb{R}^{D}$ be the input, $y \in \mathbb{R}^{K}$ the target and $W \in \mathbb{R}^{K \times D}$
the weights.

$$
L = \frac{1}{2} \| W x - y \|^2
$$

$$
\nabla_W L = GRADIENT
$$
"""

SEVERAL = r"""
# Least squares with several outputs

STATED The loss is

$$
L = \frac{1}{2} \| X W - Y \|_F^2
$$

$$
\nabla_W L = GRADIENT
$$
"""
SHAPES = r"Let $X \in \mathbb{R}^{N \times D}$ hold the inputs, $Y \in \mathbb{R}^{N \times K}$ the targets and " \
         r"$W \in \mathbb{R}^{D \times K}$ the weights."


def checked(text: str):
    return run_inline(check(read_document("doc.md", textwrap.dedent(text)), Options()))


def shape_words(shape: tuple[int, int]) -> str:
    return f"{shape[0]}×{shape[1]} matrix"


def test_an_outer_product_in_the_wrong_order_is_invalid_with_both_shapes():
    r = checked(OUTER.replace("GRADIENT", r"x (W x - y)^\top"))
    D, K = r.sizes["D"], r.sizes["K"]
    x, y, W = np.ones((D, 1)), np.ones((K, 1)), np.ones((K, D))
    truth, written = W.shape, (x @ (W @ x - y).T).shape       # the gradient has W's shape
    assert truth != written
    assert [s.verdict for s in r.steps] == ["valid", "invalid"]
    assert r.steps[1].counterexample.shapes == (shape_words(truth), shape_words(written))
    assert r.final.verdict == "incorrect"


def test_the_outer_product_in_the_right_order_is_proved():
    r = checked(OUTER.replace("GRADIENT", r"(W x - y) x^\top"))
    assert [s.verdict for s in r.steps] == ["valid", "valid"]
    assert r.final.verdict == "correct"


def test_a_missing_transpose_is_invalid_where_the_shapes_are_stated():
    r = checked(SEVERAL.replace("STATED", SHAPES).replace("GRADIENT", r"(X W - Y)^\top X"))
    N, D, K = r.sizes["N"], r.sizes["D"], r.sizes["K"]
    X, Y, W = np.ones((N, D)), np.ones((N, K)), np.ones((D, K))
    truth, written = W.shape, ((X @ W - Y).T @ X).shape
    assert truth != written
    assert [s.verdict for s in r.steps] == ["valid", "invalid"]
    assert r.steps[1].counterexample.shapes == (shape_words(truth), shape_words(written))


def test_the_same_step_with_shapes_left_to_guess_refutes_nothing():
    r = checked(SEVERAL.replace("STATED", "").replace("GRADIENT", r"(X W - Y)^\top X"))
    assert "invalid" not in [s.verdict for s in r.steps]
    assert r.final.verdict != "incorrect"
