"""Sizes never prove a coincidence: `valid` is proved at two size sets that differ in every size the
text leaves open, and no size equals a number the step writes."""

from __future__ import annotations

from conftest import SOFTMAX_HEADER, run_text

from derivcheck.latex.parse import parse_expression
from derivcheck.notation.header import load_notation
from derivcheck.verdict.sizes import size_sets, written_numbers

REGRESSION = r"""---
sizes: {m: samples}
indices: {i: m}
symbols:
  'x_i': input
  'y_i': variable
  'w': weights
---
"""


def test_a_dropped_factor_two_over_m_is_not_proved_by_two_samples():
    """2/m is 1 when m = 2: the step writes 2, so m is never 2, and the dropped factor is refuted."""
    r = run_text(REGRESSION + r"""
$$
\frac{2}{m} \sum_{i=1}^{m} (w x_i - y_i) x_i = \sum_{i=1}^{m} (w x_i - y_i) x_i
$$
""")
    step = r.steps[0]
    assert step.verdict == "invalid"
    assert dict(step.counterexample.sizes) == {"m": 3}
    assert step.counterexample.lhs != step.counterexample.rhs


def test_a_step_true_only_at_the_first_sizes_is_refuted_at_the_second():
    """x_1 + x_2 is the whole sum only when m = 2; the second size set (m = 3) refutes it, with numbers."""
    r = run_text(REGRESSION + r"""
$$
\sum_{i=1}^{m} x_i = x_1 + x_2
$$
""")
    step = r.steps[0]
    assert step.verdict == "invalid"
    assert dict(step.counterexample.sizes) == {"m": 3}
    assert step.counterexample.lhs != step.counterexample.rhs


def test_a_true_step_is_proved_at_both_size_sets_and_says_so():
    r = run_text(SOFTMAX_HEADER + r"""
$$
\sum_{k=1}^{K} y_k x_i = x_i \sum_{k=1}^{K} y_k
$$
""")
    step = r.steps[0]
    assert step.verdict == "valid"
    assert "again with D = 3, K = 2" in str(step.reason)


def test_the_size_sets_avoid_the_numbers_a_step_writes_and_differ_in_every_size():
    notation = load_notation({"sizes": {"K": "classes", "D": "features", "N": "samples", "T": 5}})
    first, second = size_sets(notation, {2}, elided=False)
    assert first == {"K": 3, "D": 3, "N": 3} and second == {"K": 4, "D": 4, "N": 4}
    first, second = size_sets(notation, set(), elided=False)
    assert first == {"K": 3, "D": 2, "N": 2} and second == {"K": 2, "D": 3, "N": 3}
    assert size_sets(notation, set(), elided=True)[1] == {"K": 4, "D": 3, "N": 3}


def test_written_numbers_are_numbers_in_arithmetic_not_indices_or_classes():
    node = parse_expression(r"\frac{2}{m} x_3^{4} + P(y = 5 | x) + \theta^{(6)} + \mathbf{1}\{y = 7\} + e^{-8 z}")
    assert written_numbers(node) == {2, 4, 8}
