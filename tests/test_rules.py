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
