"""Layer labels (latex/layers.py): ``W^{(L)}``, ``a^{[L-1]}``, ``z^{(\\ell+1)}``, ``\\delta^{(2)}`` name one
layer's quantity; a sum over layers keeps its index; a number (``x^{(1)}``, CS229's ``\\theta^{(1)}``) stays an index except on δ; the
role of ``b^{(L)}`` is the role of ``b``; and ``W_2`` beside ``W^{(2)}`` is never refuted as two symbols."""

from __future__ import annotations

import textwrap

import pytest
import sympy as sp

from derivcheck.latex import nodes as n
from derivcheck.latex.parse import parse_expression
from derivcheck.notation.conventions import is_conventional, stem
from derivcheck.read.source import read_document
from derivcheck.verdict.checker import Options, check, run_inline
from derivcheck.verdict.decide import two_spellings


def checked(text: str):
    return run_inline(check(read_document("doc.md", textwrap.dedent(text)), Options()))


@pytest.mark.parametrize("text, name, sub", [
    ("z_j^{(L)}", "z^{(L)}", ("j",)),
    ("W^{(L-1)}_{jk}", "W^{(L-1)}", None),
    ("a^{[l]}", "a^{(l)}", None),
    ("a_k^{(\\ell+1)}", "a^{(\\ell+1)}", ("k",)),
    ("\\delta_k^{(2)}", "\\delta^{(2)}", ("k",)),
])
def test_a_layer_label_is_part_of_the_name(text, name, sub):
    node = parse_expression(text)
    base = node.base if isinstance(node, n.Scripted) else node
    assert isinstance(base, n.Sym) and base.name == name
    if sub is not None:
        assert tuple(x.name for x in node.sub) == sub


def test_a_transpose_after_the_label_stays_a_transpose():
    node = parse_expression("W^{(l)T}")
    assert node.base == n.Sym("W^{(l)}") and node.sup == n.Sym("T")


def test_a_sum_over_layers_keeps_its_index_and_a_samples_number_stays_an_index():
    summed = parse_expression("\\sum_{l=1}^{L} W^{(l)}")
    assert summed.body == n.Scripted(n.Sym("W"), sup=n.Group(n.Sym("l")))
    assert parse_expression("x^{(1)}") == n.Scripted(n.Sym("x"), sup=n.Group(n.Num("1")))
    assert parse_expression("\\theta^{(1)}") == n.Scripted(n.Sym("\\theta"), sup=n.Group(n.Num("1")))
    assert parse_expression("y^{(i)}").sup == n.Group(n.Sym("i"))


def test_a_labelled_name_has_the_role_of_its_letter():
    assert stem("W^{(L-1)}") == "W" and stem("\\hat{y}") == "\\hat{y}"
    assert is_conventional("b^{(2)}", "bias") and not is_conventional("b^{(2)}", "weights")


BACKPROP = r"""
$$z_j^{(L)} = \sum_k W_{jk}^{(L)} a_k^{(L-1)} + b_j^{(L)}$$

$$\frac{\partial z_j^{(L)}}{\partial W_{jk}^{(L)}} = a_k^{(L-1)}$$

$$\frac{\partial z_j^{(L)}}{\partial b_j^{(L)}} = a_j^{(L-1)}$$

$$\frac{\partial z_j^{[L]}}{\partial a_k^{[L-1]}} = W_{jk}^{[L]}$$
"""


def test_labelled_layers_are_proved_and_refuted():
    r = checked(BACKPROP)
    assert [s.verdict for s in r.steps] == ["valid", "valid", "invalid", "valid"]
    bad = r.steps[2].counterexample
    assert bad.lhs == "1.00000" and bad.rhs != bad.lhs      # dz/db is 1, not a_j


def test_a_layer_written_with_and_without_its_label_is_two_spellings_not_two_symbols():
    w2, w_2, w_1 = sp.Symbol("W^{(2)}"), sp.Symbol("W_{2}"), sp.Symbol("W^{(1)}_{1}")
    assert two_spellings({w2}, {w_2})[:2] == ("W^{(2)}", "W_{2}")
    assert two_spellings({sp.Symbol("W_{1}[2]")}, {w2})[:2] == ("W^{(2)}", "W_{1}[2]")
    x1, big = sp.Symbol("x_{1}"), sp.Symbol("X_{1}")
    assert two_spellings({x1, big}, {big})[:2] == ("x_{1}", "X_{1}")     # x_i may be the rows of X
    assert two_spellings({w_1}, {w2}) is None          # two layers, both labelled: a slip, refutable
    assert two_spellings({sp.Symbol("b")}, {w2}) is None


def test_a_layers_count_is_a_size():
    r = checked(r"""
    $$z_j^{[l]} = \sum_{k=1}^{n^{[l-1]}} W_{jk}^{[l]} a_k^{[l-1]} + b_j^{[l]}$$

    $$\frac{\partial z_j^{[l]}}{\partial a_k^{[l-1]}} = W_{jk}^{[l]}$$

    $$\frac{\partial z_j^{[l]}}{\partial a_k^{[l-1]}} = W_{kj}^{[l]}$$
    """)
    assert [s.verdict for s in r.steps] == ["valid", "valid", "invalid"]
    assert "n^{(l-1)}" in r.notation["sizes"]


def test_a_single_path_network_in_nielsens_labels():
    r = run_inline(check(read_document("doc.md", textwrap.dedent(r"""
    One input, one hidden unit, one output unit, no bias, and the quadratic cost:

    $$C(a) = (a^l-y)^2,$$

    $$a^l(z^l) = \sigma(z^l)$$

    $$z^l(w^l) = a^{(l-1)}\cdot w^l$$

    $$\frac{\partial C}{\partial w^l} = \frac{\partial C}{\partial a^l} \cdot \frac{\partial a^l}{\partial z^l}
      \cdot \frac{\partial z^l}{\partial w^l} = 2(a^l-y)\cdot (\sigma(z^l)\cdot (1-\sigma(z^l)))\cdot a^{l-1}
      = (a^l-y)\cdot \sigma(z^l)\cdot a^{l-1}$$
    """)), Options()))
    assert [s.verdict for s in r.steps] == ["valid", "valid", "valid", "valid", "valid", "invalid"]
    assert r.steps[1].kind == "definition"        # a^l(z^l): a of layer l as a function of z of layer l


def test_layers_numbered_with_a_bare_superscript_are_labels_where_the_text_writes_a_first_layer():
    """``W^1``, ``H^1_{ij}``, ``b^2_j``: a superscript 1 is never a power in practice, so a letter written with
    it, a capital or one with an index under its number, is numbered by layer. A polynomial's ``x^2`` is not."""
    from derivcheck.notation.names import NUMBERED, numbered_layers
    nodes = [parse_expression(t) for t in (r"Y^1 - XW^1 + b^1", r"H^1 W^2 + b^2_j", r"x_i^2 + x^2")]
    assert numbered_layers(nodes) == {("Y", NUMBERED), ("W", NUMBERED), ("H", NUMBERED), ("b", NUMBERED)}
    assert numbered_layers([parse_expression(r"\theta_1 x^1 + \theta_2 x^2")]) == frozenset()


def test_a_polynomials_powers_stay_powers():
    r = checked(r"""
    $$ \frac{d}{dx} (\theta_1 x^1 + \theta_2 x^2) = \theta_1 + 2 \theta_2 x $$
    """)
    assert [s.verdict for s in r.steps] == ["valid"]


def test_a_numbered_layer_is_one_quantity_with_its_own_definition():
    from derivcheck.notation.header import load_notation
    from derivcheck.verdict.decide import Context
    header = {"sizes": {}, "symbols": {"W^{(1)}": "variable", "W^{(2)}": "variable", "x": "variable"},
              "names": ["W^{(k)}", "H^{(k)}"], "definitions": ["H^1 = W^1 x"]}
    notation = load_notation(header)
    ctx = Context(notation)
    value = ctx.value(notation.relabel(parse_expression(r"W^2 H^1")), {}, ())
    assert {s.name for s in value.free_symbols} == {"W^{(2)}", "W^{(1)}", "x"}
    assert sp.Poly(value).total_degree() == 3          # W^2 · W^1 · x, not (W)^2 · …
