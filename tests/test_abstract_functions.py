"""Functions a text applies and never defines (meaning/abstract.py): a step through them is proved where
it holds for every function, refuted only where it fails for every function (a concrete cubic then gives
the numbers), and otherwise left unsupported with the function that breaks it; in a text that speaks of a
softmax, a function written at one entry may act on the whole vector."""

from __future__ import annotations

import textwrap

import sympy as sp

from derivcheck.meaning.abstract import abstract, vector_map
from derivcheck.read.source import read_document
from derivcheck.verdict.checker import Options, check, run_inline
from derivcheck.verdict.identity import fails_for_every_function


def checked(text: str):
    return run_inline(check(read_document("doc.md", textwrap.dedent(text)), Options()))


LAYER = r"""
$$z_j = \sum_k W_{jk} x_k$$

$$a_j = f(z_j)$$

$$\frac{\partial a_j}{\partial W_{jk}} = f'(z_j) x_k$$

$$\frac{\partial a_j}{\partial W_{jk}} = f(z_j) x_k$$

$$L = -\sum_j y_j \log a_j$$

$$\frac{\partial L}{\partial a_j} = a_j - y_j$$
"""


def test_the_chain_rule_through_any_function_is_proved():
    r = checked(LAYER)
    assert r.steps[2].verdict == "valid"
    assert any("read as any function" in x.text for x in r.inferred)


def test_a_step_that_holds_for_some_function_is_not_refuted():
    step = checked(LAYER).steps[3]          # f = exp would make it true
    assert step.verdict == "unsupported"
    assert "holds at most for a particular function" in str(step.reason)


def test_a_step_wrong_for_every_function_is_refuted_with_numbers():
    step = checked(LAYER).steps[-1]
    assert step.verdict == "invalid"
    c = step.counterexample
    assert c.lhs != c.rhs and any(name == "f(u)" for name, _ in c.inputs)
    # independent check: -y/a = a - y for every y forces 1/a = 1 and a = 0 at once
    a, y = sp.symbols("a y")
    assert sp.solve(sp.Poly(sp.numer(sp.together(-y / a - (a - y))), y).coeffs(), a) == []


def test_in_a_text_about_a_softmax_the_one_entry_chain_rule_is_not_proved():
    text = "The output layer uses a softmax.\n" + textwrap.dedent(r"""
    $$a_j = f(z_j)$$

    $$L = -\sum_j y_j \log a_j$$

    $$\frac{\partial L}{\partial z_j} = \frac{\partial L}{\partial a_j} \frac{\partial a_j}{\partial z_j}$$
    """)
    r = checked(text)
    assert r.steps[-1].verdict == "unsupported"       # true for an activation entry by entry, not a softmax
    assert any("whole vector" in x.text for x in r.inferred)


def test_fails_for_every_function_decides_by_the_coefficients():
    f, f1 = abstract("f"), abstract("f", 1)
    z, y = sp.symbols("z y")
    assert fails_for_every_function(-y / f(z), f(z) - y)
    assert fails_for_every_function(f(z) + 1, f(z))
    assert not fails_for_every_function(-y / f(z) * f1(z), f(z) - y)    # f(z) = 0 … or none at all: not shown
    assert not fails_for_every_function(f(z), z)                         # f the identity
    assert not fails_for_every_function(sp.exp(y) * f(z), f(z))          # f = 0


def test_a_function_of_a_whole_vector_depends_on_every_entry():
    z1, z2 = sp.symbols("z1 z2")
    a1 = vector_map("f", 1)(z1, z2)
    assert sp.diff(a1, z2) != 0 and sp.diff(a1, z2) != sp.diff(a1, z1)
    assert sp.diff(abstract("f")(z1), z1) == abstract("f", 1)(z1)


def test_a_function_never_defined_acts_on_a_vector_entry_by_entry():
    r = run_inline(check(read_document("doc.md", textwrap.dedent(r"""
    The output is $a = \sigma(z)$, entry by entry, for a vector $z \in \mathbb{R}^n$ and a target
    $y \in \mathbb{R}^n$, with the cost $C = \frac{1}{2}\|a - y\|^2$:

    $$ \nabla_z C = (a - y) \odot \sigma'(z) $$
    """)), Options()))
    assert [s.verdict for s in r.steps] == ["valid"]


def test_a_greek_letter_applied_is_a_function_not_a_constant():
    r = run_inline(check(read_document("doc.md", textwrap.dedent(r"""
    With $a_j = \sigma(z_j)$ for each unit $j$ and a cost $C = \frac{1}{2}\sum_j (a_j - y_j)^2$:

    $$ \frac{\partial C}{\partial z_j} = (a_j - y_j) \sigma'(z_j) $$
    """)), Options()))
    assert [s.verdict for s in r.steps] == ["valid"]
