"""Each reader of the notation inference, alone: one kind of evidence in, its findings out.

The readers (notation/definitions.py, roles.py, shapes.py, model.py, conditions.py, blocks.py)
share an Evidence (notation/evidence.py); infer.py runs them in order. Each test here builds the
evidence a reader needs, runs that reader, and checks what it found and the note it left.
"""

from __future__ import annotations

import textwrap

from derivcheck.notation import blocks, conditions, definitions, model, roles, shapes
from derivcheck.notation.evidence import Evidence
from derivcheck.notation.infer import scan
from derivcheck.read.source import cut_prose, read_document


def evidence(text: str) -> Evidence:
    doc = read_document("doc.md", textwrap.dedent(text))
    cut_prose(doc)
    ev = Evidence(doc, {})
    scan(ev)
    return ev


def with_definitions(text: str) -> tuple[Evidence, list]:
    """The evidence after the definition readers, and the gradients the document derives."""
    ev = evidence(text)
    definitions.explicit_definitions(ev)
    definitions.entry_definitions(ev)
    definitions.first_step_definitions(ev)
    targets = roles.find_targets(ev)
    definitions.keep_parameters_reachable(ev, targets)
    definitions.fold_definitions(ev)
    definitions.announce_definitions(ev)
    return ev, targets


SOFTMAX = r"""
    The model is $p_k = \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}}$ with $z_k = \sum_{i=1}^{D} w_{ki} x_i$.

    $$
    L = -\sum_{k=1}^{K} y_k \log p_k
    $$

    $$
    \frac{\partial L}{\partial w_{ki}} = (p_k - y_k) x_i
    $$
"""


def test_definitions_in_displays_and_in_prose_are_found_in_reading_order():
    ev, targets = with_definitions(SOFTMAX)
    assert {name: d.how for name, d in ev.definitions.items()} == {"p": "inline", "z": "inline", "L": "display"}
    assert ev.definitions["z"].text == r"z_k = \sum_{i=1}^{D} w_{ki} x_i"
    assert [(t[1].body.name, t[1].wrt.base.name) for t in targets] == [("L", "w")]
    assert any(note.text.startswith("$L$ is defined on line") for note in ev.notes)


def test_a_loss_defined_by_the_first_step_of_its_gradient():
    ev, _ = with_definitions(r"""
        $$
        \frac{\partial F}{\partial w} = \frac{\partial}{\partial w} \left( \frac{1}{2} (w x - t)^2 \right) = (w x - t) x
        $$
    """)
    assert ev.definitions["F"].how == "first step"
    assert ev.definitions["F"].text == r"F = (\frac{1}{2} (w x - t)^{2})"


def test_a_cost_defined_in_prose_with_the_parameters_it_depends_on():
    ev, _ = with_definitions(r"""
        The cost is $J(\theta_0,\theta_1) = \frac{1}{2m}\sum_i (\theta_0 + \theta_1 x_i - y_i)^2$.

        $$
        \frac{\partial}{\partial\theta_0}J(\theta_0,\theta_1) = \frac{1}{m}\sum_{i=1}^m (\theta_0 + \theta_1 x_i - y_i)
        $$
    """)
    assert ev.definitions["J"].how == "inline"
    assert ev.definitions["J"].lhs.name == "J"      # the listed parameters name what J depends on


def test_a_one_index_delta_the_prose_defines_is_kept_though_kroneckers_name():
    ev, _ = with_definitions(r"""
        The output is $y_i = \gamma x_i + \beta$ and the upstream gradient is written
        $\delta_i = \frac{\partial L}{\partial y_i}$.

        $$
        \frac{\partial L}{\partial \beta} = \sum_{i=1}^m \frac{\partial L}{\partial y_i}\frac{\partial y_i}{\partial \beta}
        = \sum_{i=1}^m \delta_i
        $$
    """)
    assert ev.definitions["\\delta"].text == r"\delta_i = \frac{\partial L}{\partial y_i}"


def test_roles_from_use_and_from_the_loss_form():
    ev, targets = with_definitions(SOFTMAX)
    found = roles.find_roles(ev, targets)
    assert found == {"w": "weights", "x": "input", "y": "label"}


def test_sizes_named_by_a_stated_shape():
    ev, targets = with_definitions(r"""
        Let $X \in \mathbb{R}^{N \times D}$ and $w \in \mathbb{R}^{D}$.

        $$
        J = \frac{1}{2} \sum_{n=1}^{N} (\sum_{d=1}^{D} X_{nd} w_d - t_n)^2
        $$

        $$
        \frac{\partial J}{\partial w_d} = \sum_{n=1}^{N} (\sum_{e=1}^{D} X_{ne} w_e - t_n) X_{nd}
        $$
    """)
    axes = shapes.find_axes(ev, roles.find_roles(ev, targets))
    assert axes.sizes == {"N": "samples", "D": "features"}


def test_undefined_logits_are_completed_from_the_model_and_said_so():
    ev, targets = with_definitions(r"""
        Softmax regression with weights $W$ and input $x$.

        $$
        L = -\sum_{k=1}^{K} y_k \log \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}}
        $$

        $$
        \frac{\partial L}{\partial W_{kd}} = \left( \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}} - y_k \right) x_d
        $$
    """)
    found = roles.find_roles(ev, targets)
    axes = shapes.find_axes(ev, found)
    families = shapes.find_families(ev, found, axes)
    assert "z" not in ev.definitions
    model.complete(ev, found, axes, families)
    assert ev.definitions["z"].how == "convention"
    assert any("read as the logits of the model" in note.text for note in ev.notes)


def test_a_condition_before_a_display_is_assumed_for_its_chain():
    ev, _ = with_definitions(r"""
        With $s_i = \frac{e^{z_i}}{\sum_{k=1}^{K} e^{z_k}}$:

        - if $i \neq j$:

        $$
        \frac{\partial s_i}{\partial z_j} = -s_i s_j
        $$
    """)
    conditions.find_conditions(ev)
    assert ev.block_notes[0]["assume"] == [r"i \neq j"]
    assert any("assumes $i \\neq j$" in note.text for note in ev.notes)


def test_an_equation_at_a_stationary_point_is_not_an_identity():
    ev, _ = with_definitions(r"""
        The gradient vanishes at the stationary point, where

        $$
        \sum_{n=1}^{N} (y_n - t_n) x_n = 0
        $$
    """)
    conditions.at_a_point(ev)
    assert ev.block_notes[0]["kind"] == "conditional"


def test_an_update_rule_defines_the_next_iterate_and_is_no_step():
    ev, targets = with_definitions(r"""
        $$
        w_{t+1} = w_t - \eta \sum_{n=1}^{N} (w_t x_n - y_n) x_n
        $$
    """)
    found = roles.find_roles(ev, targets)
    axes = shapes.find_axes(ev, found)
    families = shapes.find_families(ev, found, axes)
    blocks.display_notes(ev, found, axes, families, {})
    assert ev.block_notes[0]["kind"] == "definition"
    assert any("defines the next iterate of an update rule" in note.text for note in ev.notes)


def test_a_rule_for_generic_functions_keeps_its_letters_to_itself():
    ev, targets = with_definitions(r"""
        The chain rule:

        $$
        \frac{\partial g(f(x))}{\partial x} = g'(f(x)) f'(x)
        $$
    """)
    found = roles.find_roles(ev, targets)
    axes = shapes.find_axes(ev, found)
    blocks.display_notes(ev, found, axes, shapes.find_families(ev, found, axes), {})
    assert ev.block_notes[0]["functions"] == ["f", "g"]


def test_many_unnamed_axes_never_run_out_of_size_names():
    """Six axes whose sizes the text never names (and a text that uses Q, V, Z itself)."""
    text = "$$Q = V + Z$$\n\n" + "\n\n".join(f"$${a}_{i} = {b}_{i} + 1$$" for a, b, i in
                                           zip("acegpr", "bdfhqs", "ijklmn"))
    ev, targets = with_definitions(text)
    found = roles.find_roles(ev, targets)
    axes = shapes.find_axes(ev, found)
    assert len(set(axes.sizes)) >= 6 and not set(axes.sizes) & {"Q", "V", "Z"}
