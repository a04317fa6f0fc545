"""The engine on small derivations written for the tests: one property per derivation."""

from __future__ import annotations

from conftest import SOFTMAX_HEADER, run_text, verdicts


def test_valid_chain_is_proved_and_final_is_correct():
    r = run_text(SOFTMAX_HEADER + r"""
$$\frac{\partial J}{\partial \Theta_{ij}} = -\sum_{k=1}^K y_k \frac{1}{g_k(z)} \frac{\partial g_k(z)}{\partial z_j} x_i$$
$$= (g_j(z) - y_j) x_i$$
""")
    assert verdicts(r) == ["valid", "valid"]
    assert "proved" in str(r.steps[0].reason)
    assert r.final.verdict == "correct"


def test_sign_error_is_refuted_with_values_and_repaired():
    r = run_text(SOFTMAX_HEADER + r"""
$$\frac{\partial J}{\partial \Theta_{ij}} = (g_j(z) - y_j) x_i$$
$$= (y_j - g_j(z)) x_i$$
""")
    assert verdicts(r) == ["valid", "invalid"]
    cex = r.steps[1].counterexample
    assert dict(cex.indices).keys() == {"i", "j"}
    assert cex.inputs and float(cex.lhs) == -float(cex.rhs) != 0
    assert r.steps[1].repair is not None and r.steps[1].repair.kind == "sign"
    assert r.final.verdict == "incorrect"


def test_index_slip_gets_a_one_index_repair():
    r = run_text(SOFTMAX_HEADER + r"""
$$\frac{\partial J}{\partial \Theta_{ij}} = (g_j(z) - y_j) x_i$$
$$= (g_j(z) - y_j) x_j$$
""")
    step = r.steps[1]
    assert step.verdict == "invalid"
    assert step.repair.change == "x_j → x_i"
    assert step.repair.latex == r"(g_j(z) - y_j) x_i"


def test_a_wrong_index_is_refuted_at_a_point_inside_every_range():
    r = run_text(SOFTMAX_HEADER + r"""
$$x_i = x_j$$
""")
    step = r.steps[0]
    assert step.verdict == "invalid"
    cex = step.counterexample
    assert dict(cex.indices) == {"i": 1, "j": 2} and cex.lhs != cex.rhs and cex.note is None


def test_an_index_outside_its_range_is_never_a_refutation():
    """``x_5`` where x is indexed 1..D: the range was guessed, or the text means something else; there
    is no point where both sides have values, so the step is not invalid."""
    r = run_text(SOFTMAX_HEADER + r"""
$$x_5 + x_1 = x_1 + x_5 + 1$$
""")
    step = r.steps[0]
    assert step.verdict == "unsupported"
    assert "x has no entry 5" in str(step.reason) and step.counterexample is None


def test_entry_zero_is_read_for_a_text_that_counts_from_zero():
    """``x_0`` beside ``x_1``: one more entry, so a step about it is decided like any other."""
    r = run_text(SOFTMAX_HEADER + r"""
$$x_0 + \sum_{i=1}^{D} x_i = \sum_{i=0}^{D} x_i = x_0 + x_1 + x_2 + 1$$
""")
    assert [s.verdict for s in r.steps] == ["valid", "invalid"]
    cex = r.steps[1].counterexample
    assert float(cex.lhs) + 1 == float(cex.rhs)


def test_damaged_latex_is_garbled_and_the_repair_is_checked():
    r = run_text(SOFTMAX_HEADER + "$$(g_j(oldsymbol{z}) - y_j) x_i = \\left(g_j(z) - y_j\n ight) x_i$$\n")
    step = r.steps[0]
    assert step.verdict == "garbled"
    assert "oldsymbol" in str(step.reason) and "ight" in str(step.reason)
    assert step.repair.kind == "damage" and step.repair.verdict == "valid"
    assert "\\boldsymbol" in step.repair.latex and "\\right" in step.repair.latex


def test_unreadable_latex_is_garbled_without_repair():
    r = run_text(SOFTMAX_HEADER + "$$x_i = \\frac{x_i}{$$\n")
    assert verdicts(r) == ["garbled"]
    assert r.steps[0].repair is None


def test_one_hot_label_makes_the_sum_of_y_one():
    r = run_text(SOFTMAX_HEADER + r"""
$$\sum_{k=1}^K y_k = 1$$
""")
    assert verdicts(r) == ["valid"]
    assert "label y over every class" in str(r.steps[0].reason)


def test_without_one_hot_the_same_step_is_refuted():
    header = SOFTMAX_HEADER.replace("'y_k': one-hot label", "'y_k': variable")
    r = run_text(header + r"""
$$\sum_{k=1}^K y_k = 1$$
""")
    assert verdicts(r) == ["invalid"]


def test_error_not_carried_forward_is_recognised():
    r = run_text(SOFTMAX_HEADER + r"""
$$\frac{\partial J}{\partial \Theta_{ij}} = (g_j(z) - y_j) x_i$$
$$= (g_j(z) + y_j) x_i$$
$$= (g_j(z) - y_j) x_i$$
""")
    assert verdicts(r) == ["valid", "invalid", "valid"]
    assert "not carried forward" in str(r.steps[2].reason)


def test_error_carried_forward_is_said():
    r = run_text(SOFTMAX_HEADER + r"""
$$\frac{\partial J}{\partial \Theta_{ij}} = (g_j(z) - y_j) x_i$$
$$= (g_j(z) + y_j) x_i$$
$$= g_j(z) x_i + y_j x_i$$
""")
    assert verdicts(r) == ["valid", "invalid", "valid"]
    assert "carried forward" in str(r.steps[2].reason) and "not" not in str(r.steps[2].reason)


def test_softmax_derivative_cases_need_their_assumption():
    text = r"""---
sizes: {K: classes}
indices: {i: K, j: K, k: K}
symbols: {'z_i': variable}
definitions: ['\sigma(z_i) = \frac{e^{z_i}}{\sum_{k=1}^{K} e^{z_k}}']
blocks:
  - {at: '(1)', assume: 'i = j'}
---
$$\frac{\partial \sigma(z_i)}{\partial z_j} = \sigma(z_i)(1 - \sigma(z_j)) \quad (1)$$

$$\frac{\partial \sigma(z_i)}{\partial z_j} = \sigma(z_i)(1 - \sigma(z_j)) \quad (2)$$
"""
    r = run_text(text)
    assert verdicts(r) == ["valid", "invalid"]
    assert "3 cases" in str(r.steps[0].reason)


def test_inequality_is_proved_or_refuted():
    text = r"""---
sizes: {K: classes}
indices: {i: K, k: K}
symbols: {'z_i': variable}
---
$$\frac{e^{z_i}}{\sum_{k=1}^K e^{z_k}} \leq 1$$

$$\frac{e^{z_i}}{\sum_{k=1}^K e^{z_k}} \geq 1$$
"""
    assert verdicts(run_text(text)) == ["valid", "invalid"]


def test_vector_with_dots_and_symbolic_position():
    text = r"""---
sizes: {C: classes}
indices: {i: C, l: C}
symbols: {'z_i': variable, y: class label}
definitions: ['a_i = \frac{e^{z_i}}{\sum_{l=1}^{C} e^{z_l}}', '\ell = -\log a_y']
layout: numerator
---
$$\frac{\partial \ell}{\partial \mathbf{a}} = \left[ 0, \dots, -\frac{1}{a_y}, \dots, 0 \right]$$

$$\frac{\partial \ell}{\partial \mathbf{a}} = \left[ 0, \dots, \frac{1}{a_y}, \dots, 0 \right]$$
"""
    r = run_text(text)
    assert verdicts(r) == ["valid", "invalid"]
    assert verdicts(run_text(text, {"K": 5})) == ["valid", "invalid"]


def test_undeclared_symbol_is_noted_not_a_crash():
    r = run_text(SOFTMAX_HEADER + r"""
$$q x_i = x_i q$$
""")
    assert verdicts(r) == ["valid"]
    assert any("not declared" in n for n in r.steps[0].notes)


def test_unknown_command_is_unsupported_by_name():
    r = run_text(SOFTMAX_HEADER + r"""
$$\zeta(x_i) = \foo{x_i}$$
""")
    assert r.steps[0].verdict in ("unsupported", "garbled")
    assert "\\foo" in str(r.steps[0].reason) or "foo" in str(r.steps[0].reason)


def test_a_step_after_an_unreadable_one_is_refuted_only_if_nothing_in_between_could_explain_it():
    """x_i y_k = [unreadable] = 2 x_i y_k: the difference may have entered in the unread step, so the
    last step is undecided; a step that returns to the start is proved across it (a chain of equalities)."""
    r = run_text(SOFTMAX_HEADER + r"""
$$
x_i y_k = \sqrt[1]{x_i} y_k = 2 x_i y_k = x_i y_k
$$
""")
    assert [s.verdict for s in r.steps] == ["unsupported", "undecided", "valid"]
    assert "step 1 in between could not be read" in str(r.steps[1].reason)
    assert r.steps[1].compared_with == "the start of the chain"
