"""Every normalisation rule, one by one, on its own example (rules.py keeps them in one list)."""

from __future__ import annotations

import pytest

from derivcheck.latex import rules
from derivcheck.notation.header import load_notation

NOTATION = load_notation({
    "sizes": {"K": "classes", "D": "features"},
    "indices": {"i": "D", "j": "K"},
    "symbols": {"y_i": "class label", "x_i": "input"},
    "definitions": ["f_j = x_1"],
})


def _apply(rule: rules.Rule, text: str) -> str:
    for edit, _ in sorted(rule.find(text, NOTATION), key=lambda f: -f[0].start):
        text = text[:edit.start] + edit.replacement + text[edit.end:]
    return text


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda r: r.name)
def test_rule_turns_its_example_into_the_expected_text(rule):
    assert _apply(rule, rule.example) == rule.expected


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda r: r.name)
def test_rule_leaves_clean_latex_alone(rule):
    clean = r"\frac{\partial}{\partial z_j} \log\left(g_j(\boldsymbol{z})\right) + \sigma(z_i) \cdot x_i - \right"
    assert rule.find(clean.replace(r" - \right", ""), NOTATION) == []


def test_eaten_right_needs_a_delimiter_after_it():
    # "ight" in an ordinary product of letters stays as written
    assert rules._eaten_escapes("l ight x", None) == []
    assert rules._eaten_escapes("y\n ight)", None)


def test_damage_and_slip_are_reported_separately():
    text, damage = rules.apply("-log(oldsymbol{x})", "damage", NOTATION)
    assert [d.rule for d in damage] == ["eaten-escape"]
    text, slips = rules.apply(text, "slip", NOTATION)
    assert text == r"-\log(\boldsymbol{x})"
    assert [s.rule for s in slips] == ["bare-function"]


def test_stray_command_in_derivative_denominator():
    text, found = rules.apply(r"\frac{\partial \sigma(z_k)}{\partial \sigma z_h}", "damage", None)
    assert text == r"\frac{\partial \sigma(z_k)}{\partial  z_h}"
    assert "stray" in found[0].message


def test_prose_inside_a_display_is_found():
    assert rules.prose_in_display("a = b \nwhere  $b = c$ \n(1)") == 6
    assert rules.prose_in_display(r"a = \text{where} b") is None


@pytest.mark.parametrize("text", [r"0.5 x + 2.5", r"a = b.", r"x^T. Correct", "logreg.md", r"1 + ... + n",
                                  r"\left.(x^2)\right|_{x=1}", r"x \text{e.g. y}", r"a. b"])
def test_a_period_that_may_be_a_decimal_point_or_a_full_stop_is_left_alone(text):
    assert rules._period_products(text, None) == []


def test_periods_between_factors_are_one_slip_for_the_step():
    text, found = rules.apply(r"2.x^{(i)}.(w_0 + w_1) + w_{1}.x_1 + \rgroup.y", "slip", None)
    assert text == r"2 \cdot x^{(i)} \cdot (w_0 + w_1) + w_{1} \cdot x_1 + \rgroup \cdot y"
    assert [f.message for f in found] == ["a period between two factors read as a product (4 in this step)"]


def test_names_are_not_rewritten_inside_text_commands():
    text = r"\mathrm{net}_1 + \text{softmax}(x) + \operatorname{NLL} + E_{\text{train}} + \text{log x}"
    for rule in rules.RULES:
        assert rule.find(text, NOTATION) == [], rule.name


def test_delta_is_a_partial_only_when_bare_in_both_places():
    assert rules._delta_derivative(r"\frac{\delta_j}{\delta w} + \frac{\delta L}{w}", None) == []
    text, found = rules.apply(r"\dfrac{\delta{E}}{\delta y}", "slip", None)
    assert text == r"\dfrac{\partial{E}}{\partial y}" and len(found) == 1


def test_layout_wrappers_are_blanked_in_place():
    from derivcheck.latex.texscan import blank_layout
    for text, kept in [(r"\boxed{\frac{a}{b} = c}", r"\frac{a}{b} = c"), (r"\color{red}{x = y} + 1", "x = y  + 1"),
                       (r"\textcolor{red}{a}=b", "a =b"), (r"\color{blue} x = y", "x = y")]:
        blanked = blank_layout(text)
        assert len(blanked) == len(text) and blanked.strip() == kept
