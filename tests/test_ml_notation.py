"""Vectors, sums and statistics as ML texts write them: sums written out with \\dots, functions of
vectors entry by entry, a number added to a vector, a variance that defines its root, quantities the
text differentiates but defines only in words."""

from __future__ import annotations

import textwrap

from conftest import SOFTMAX_HEADER, run_text

from derivcheck.latex.parse import parse_expression
from derivcheck.meaning.elided import INDEX, as_sum
from derivcheck.read.source import read_document
from derivcheck.verdict.checker import Options, check, run_inline

VECTORS = r"""---
sizes: {K: classes}
indices: {k: K, j: K}
symbols:
  'a_k': variable
  'c': variable
---
"""


def checked(text: str):
    return run_inline(check(read_document("doc.md", textwrap.dedent(text)), Options()))


def test_a_sum_written_out_is_the_sum_it_abbreviates():
    r = run_text(SOFTMAX_HEADER + r"""
$$
\sum_{k=1}^{K} y_k x_i = y_1 x_i + y_2 x_i + \dots + y_K x_i = x_i (y_1 + \cdots + y_K) = x_i y_1 + \dots + x_i y_{K-1}
$$
""")
    assert [s.verdict for s in r.steps] == ["valid", "valid", "invalid"]


def test_the_pattern_of_a_written_out_sum_comes_from_its_terms():
    node = parse_expression(r"p_1 q_1 + p_2 q_2 + \dots + p_n q_n")
    summed = as_sum(node)
    assert summed.index == INDEX and summed.lower.text == "1" and summed.upper.name == "n"
    assert as_sum(parse_expression(r"p_1 + q_2 + \dots + p_n")) is None          # no one pattern
    assert as_sum(parse_expression(r"p_1 + p_2 + \dots + (p_i - y_i) + \dots + p_n")) is None


def test_functions_of_vectors_act_entry_by_entry_and_a_number_is_added_to_every_entry():
    r = run_text(VECTORS + r"""
$$
e^{\mathbf{a} + c} = e^{c} e^{\mathbf{a}} = \exp(\mathbf{a}) e^{c} = \exp(\mathbf{a}) + c
$$
""".replace(r"\mathbf{a}", "a"))
    assert [s.verdict for s in r.steps] == ["valid", "valid", "invalid"]
    assert any("added to every entry" in note for note in r.steps[0].notes)


def test_a_variance_defines_its_root():
    r = checked(r"""
    The batch has mean $\mu = \frac{1}{m} \sum_{i=1}^{m} x_i$ and variance
    $\sigma^2 = \frac{1}{m} \sum_{i=1}^{m} (x_i - \mu)^2$.

    $$
    \sigma^2 = \frac{1}{m} \sum_{i=1}^{m} x_i^2 - \mu^2 = \frac{1}{m} \sum_{i=1}^{m} x_i^2 - 2 \mu^2
    $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "invalid"]


def test_a_quantity_differentiated_but_defined_only_in_words_is_never_refuted():
    """μ is "the batch mean" in words; ∂μ/∂x_i = 1/m is right, and without a formula for μ it is
    not decided (a free constant μ would make it 0, and the step a false flag)."""
    r = checked(r"""
    Here $\mu$ is the batch mean of $x_1, \dots, x_m$ and $\hat{x}_i = x_i - \mu$.

    $$
    \frac{\partial \mu}{\partial x_i} = \frac{1}{m}
    $$
    """)
    assert [s.verdict for s in r.steps] == ["unsupported"]
    assert "never defined" in str(r.steps[0].reason)


def test_a_letter_given_a_new_meaning_in_terms_of_itself_has_no_definition_used():
    r = checked(r"""
    The variance is $\sigma^2 = \frac{1}{m} \sum_{i=1}^{m} (x_i - \mu)^2$; below, let $\sigma = \sqrt{\sigma^2 + \epsilon}$.

    $$
    \frac{\partial}{\partial x_1} \frac{x_1}{\sigma} = \frac{1}{\sigma}
    $$
    """)
    assert r.steps[0].verdict != "invalid"      # it may hold σ fixed: σ^2 is the variance, σ never refuted
    assert any("new meaning through its square" in note.text for note in r.inferred)


def test_einstein_convention_sums_an_index_written_twice_where_the_text_says_so():
    r = checked(r"""
    Repeated indices are summed (Einstein convention). The loss is $L = -y_i \log p_i$ with
    $p_i = \frac{e^{z_i}}{\sum_{j=1}^{K} e^{z_j}}$.

    $$
    \frac{\partial L}{\partial z_k} = -y_i (\delta_{ik} - p_k) = -y_k + y_i p_k = p_k y_i - y_k
    $$
    """)
    assert r.notation["einstein"] is True
    assert [s.verdict for s in r.steps][:2] == ["valid", "valid"]


def test_the_terms_of_a_bracket_write_a_free_index_once():
    from derivcheck.notation.einstein import implied_sums
    node = implied_sums(parse_expression(r"y_i (\delta_{ik} - \hat{y}_p \delta_{pk})"), {"i", "k", "p"})
    assert node.index == "i" and "Sum(index='p'" in repr(node.body) and "index='k'" not in repr(node)


def test_a_primed_function_is_the_derivative_of_the_defined_one():
    r = checked(r"""
    The logistic function is $\sigma(u) = \frac{1}{1 + e^{-u}}$.

    $$
    \sigma'(z) = \frac{e^{-z}}{(1 + e^{-z})^2} = \sigma(z) (1 - \sigma(z)) = \sigma(z)^2
    $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid", "invalid"]


def test_a_primed_name_is_never_defined_by_the_first_equation_that_writes_it():
    """Σ' = … is a claim about a derivative the text named in words, not a definition of Σ'."""
    r = checked(r"""
    Write $S = \sum_{k=1}^{K} e^{x_k}$ and $S'$ for its derivative by $x_i$.

    $$
    S' = \frac{\partial e^{x_1}}{\partial x_j} + \frac{\partial e^{x_2}}{\partial x_j}
    $$
    """)
    assert r.steps[0].verdict != "valid" or r.steps[0].kind != "definition"


def test_an_update_rule_is_an_assignment_never_refuted():
    r = checked(r"""
    The cost is $J(w) = \frac{1}{2} \sum_{i=1}^{m} (w x_i - y_i)^2$, and gradient descent repeats

    $$
    w := w - \alpha \sum_{i=1}^{m} (w x_i - y_i) x_i
    $$

    $$
    w \leftarrow w - \alpha \sum_{i=1}^{m} (w x_i - y_i) x_i
    $$

    $$
    w = w - \alpha \sum_{i=1}^{m} (w x_i - y_i) x_i
    $$
    """)
    assert [s.verdict for s in r.steps] == ["unsupported"] * 3
    assert all("an assignment" in str(s.reason) for s in r.steps)


def test_a_definition_written_with_coloneqq_is_checked_as_an_equation():
    r = checked(r"""
    $$
    \operatorname{softmax}(z)_k \coloneqq \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}} = \frac{e^{z_k - c}}{\sum_{j=1}^{K} e^{z_j - c}}
    $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid"]


def test_a_derivative_operator_before_a_product_of_brackets_is_read_one_way_for_the_whole_document():
    """``∂/∂x (A)(B)``: the bracket alone, or the whole product, as a reading of the document; the
    second step holds under neither reading with the first, so one of them is wrong, whichever."""
    r = checked(r"""
    $$
    \frac{\partial}{\partial x} (x + 1)(x - 1) = 2 x
    $$

    $$
    \frac{\partial}{\partial y} (y + 1)(y - 1) = y - 1
    $$
    """)
    assert sorted(s.verdict for s in r.steps) == ["invalid", "valid"]
    assert r.reading is not None


def test_values_the_prose_gives_a_symbol_are_a_reading():
    r = checked(r"""
    The layer is $z = a x + b$; below the scalars are dropped ($a=1$, $b=0$).

    $$
    \frac{\partial z}{\partial x} = 1
    $$
    """)
    assert r.steps[0].verdict == "valid"
    assert r.reading.adopted == "$a = 1, b = 0$ (as the text sets them)"
    assert r.steps[0].notes == ["holds with $a = 1, b = 0$, as the text sets them"]


def test_a_subscript_of_variables_names_the_symbol():
    """``h_\\theta(x)`` and ``f_{w,b}``: θ, w and b are variables elsewhere and no sum binds them, so
    the subscript is part of the name (a function with parameters), not an index."""
    from derivcheck.notation.gather import variable_labels
    nodes = [parse_expression(t) for t in (r"h_\theta(x)", r"\frac{1}{1 + e^{-\theta x}}", r"f_{w,b}(x)", r"w x + b",
                                           r"\sum_{i=1}^{n} p_i y_i", r"p_y")]
    assert variable_labels(nodes) == {("h", "\\theta"), ("f", "w,b")}


def test_the_value_of_a_call_for_a_sample_is_the_call_at_that_sample():
    from derivcheck.notation.header import sample_calls
    node = sample_calls(parse_expression(r"h(x)^{(i)} - y^{(i)}"))
    assert node == parse_expression(r"h(x^{(i)}) - y^{(i)}")


def test_a_sum_reaches_over_the_terms_that_use_its_index_when_the_other_side_has_none():
    r = checked(r"""
    $$
    \ell = \sum_{i=1}^{N} y_i a_i + (1 - y_i) b_i = \sum_{i=1}^{N} \left( b_i + y_i (a_i - b_i) \right)
    $$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid"]


def test_a_reading_never_flags_a_step_the_text_as_written_does_not():
    from derivcheck.verdict.findings import DerivationResult, FinalResult, StepResult
    from derivcheck.verdict.messages import NotProved
    from derivcheck.verdict.readings import adopt

    def result(*verdicts):
        return DerivationResult("d", "", "", [StepResult(str(i), 1, "", v, NotProved("")) for i, v in
                                              enumerate(verdicts, 1)], FinalResult("none"))
    written = result("valid", "invalid", "unsupported")
    swapped = result("invalid", "valid", "valid")           # more valid, but flags step 1
    better = result("valid", "valid", "unsupported")
    assert adopt(written, [({"name": "swap"}, swapped)]).reading.adopted == "as written"
    assert adopt(written, [({"name": "swap"}, swapped), ({"name": "better"}, better)]).reading.adopted == "better"
