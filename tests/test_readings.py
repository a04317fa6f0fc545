"""The charitable reader: where the text admits several readings, each is checked and the one under which
most steps hold is adopted; a step that holds only under an assumption the text never makes says so."""

from __future__ import annotations

import textwrap

from derivcheck.notation.header import load_notation, with_reading
from derivcheck.read.source import read_document
from derivcheck.verdict.checker import Options, check, run_inline

SOFTMAX_CE = r"""
The softmax $p_j = \frac{e^{z_j}}{\sum_{k=1}^{K} e^{z_k}}$ of the logits $z$ and the cross-entropy loss
$L = -\sum_{k=1}^{K} y_k \log p_k$ {labels}.

$$
\frac{\partial L}{\partial z_j} = -\sum_{k=1}^{K} y_k (\delta_{jk} - p_j) = p_j \sum_{k=1}^{K} y_k - y_j = p_j - y_j
$$
"""


def checked(text: str):
    return run_inline(check(read_document("doc.md", textwrap.dedent(text)), Options()))


def test_a_step_that_needs_an_unstated_one_hot_label_holds_with_a_note():
    r = checked(SOFTMAX_CE.replace("{labels}", "with labels $y$"))
    assert [s.verdict for s in r.steps] == ["valid", "valid", "valid"]
    assert r.reading.adopted == "$y$ one-hot"
    assert r.steps[2].notes == ["holds if $y$ is one-hot (not stated)"]
    assert r.steps[0].notes == [] and r.steps[1].notes == []
    assert r.reading.others == [("as written", {"3": "invalid"})]


def test_labels_the_text_calls_counts_are_never_read_as_one_hot():
    r = checked(SOFTMAX_CE.replace("{labels}", "where the targets are counts of each class"))
    assert [s.verdict for s in r.steps] == ["valid", "valid", "invalid"]
    assert r.reading is None
    cex = r.steps[2].counterexample
    assert cex.lhs != cex.rhs


def test_a_stated_one_hot_label_needs_no_reading():
    r = checked(SOFTMAX_CE.replace("{labels}", "with one-hot labels $y$"))
    assert [s.verdict for s in r.steps] == ["valid", "valid", "valid"]
    assert r.reading is None and r.steps[2].notes == []


def test_a_reading_lays_its_keys_over_the_header():
    header = {"sizes": {"K": "classes"}, "indices": {"k": "K"}, "symbols": {"y_k": "variable", "p_k": "variable"},
              "readings": [{"name": "y one-hot", "symbols": {"y_k": "one-hot label"}}]}
    read = load_notation(with_reading(header, load_notation(header).readings[0]))
    assert read.families["y"].role == "one-hot label" and read.families["p"].role == "variable"
    assert read.readings == ()
