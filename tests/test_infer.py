"""Zero-config checking: a document with no header is read with the notation inferred from its text.

The seeds, stripped of their headers, must get the verdicts their hand-written headers give; other
notations and other models (sigmoid with binary cross-entropy, least squares in sums and in matrix
form, ridge, a two-layer network) are checked with no header; what cannot be inferred is a finding.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from derivcheck.checker import Options, check, run_inline
from derivcheck.infer import infer
from derivcheck.source import read_document, split_header

from test_seeds import EXPECTED, LETTER

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "noheader"


def body(name: str) -> str:
    """A seed as its author wrote it: the derivation file without its header."""
    text = (ROOT / "derivations" / f"{name}.md").read_text(encoding="utf-8")
    return text[split_header(text)[1]:]


def checked(text: str, path: str = "doc.md"):
    return run_inline(check(read_document(path, text), Options()))


def letters(result) -> str:
    return "".join(LETTER[s.verdict] for s in result.steps)


def inferred(text: str):
    return infer(read_document("doc.md", text))


@pytest.fixture(scope="module")
def seeds():
    return {name: checked(body(name), f"{name}.md") for name in EXPECTED}


def test_the_seeds_with_no_header_get_the_verdicts_of_their_headers(seeds):
    for name, expected in EXPECTED.items():
        assert seeds[name].error is None, name
        assert letters(seeds[name]) == expected, name
        assert seeds[name].final.verdict == "correct", name


def test_the_inferred_header_reproduces_the_verdicts_when_written_into_the_file(seeds):
    for name, expected in EXPECTED.items():
        header = {k: v for k, v in seeds[name].notation.items() if k != "inferred"}
        text = "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True) + "---\n" + body(name)
        assert letters(checked(text)) == expected, name


def test_seed_000_completes_the_logits_and_the_softmax_and_says_so():
    got = inferred(body("000_4fc6b41a1466133b"))
    logits = next(d for d in got.header["definitions"] if d.startswith("z_{"))
    c = logits[3]                               # the class letter it chose
    assert logits == rf"z_{{{c}}} = \sum_{{i=1}}^{{D}} \Theta_{{i,{c}}} x_{{i}}"
    assert any(d.startswith(f"g_{{{c}}}(z) = ") for d in got.header["definitions"])
    assert "one-hot label" in got.header["symbols"].values()
    kinds = {n.kind for n in got.notes if "never defined" in n.text}
    assert kinds == {"convention"}
    assert any("one-hot" in n.text and n.kind == "stated" for n in got.notes)


def test_seed_002_sets_aside_an_inline_definition_that_misses_the_weights():
    got = inferred(body("002_42d0f364dbfc5cc4"))
    ignored = [n for n in got.notes if n.kind == "ignored"]
    assert len(ignored) == 1 and "z_h" in ignored[0].text and "does not involve $w$" in ignored[0].text
    blocks = {b["at"]: b for b in got.header["blocks"]}
    assert blocks["(5)"]["assume"] == ["i = j"] and blocks["(6)"]["assume"] == [r"i \neq j"]
    assert blocks["(8)"]["indices"] == {"j": "D"}      # j counts features from equation (8) on
    assert got.header["sizes"]["N"] == got.header["sizes"]["C"] == "classes"


def test_seed_003_reads_the_chain_rule_for_generic_functions():
    got = inferred(body("003_b83df05ceb37995f"))
    generic = next(b for b in got.header["blocks"] if "functions" in b)
    assert generic["functions"] == ["f", "g"] and generic["definitions"] == ["u = f(x)"]
    assert got.header["indices"]["i"] == "N" and got.header["sizes"]["N"] == "samples"
    assert got.header["symbols"]["y_{i}"] == "class label"


def test_seed_004_follows_the_prose_for_continuations_and_cases():
    got = inferred(body("004_0e9784c09ed11217"))
    blocks = {b["at"]: b for b in got.header["blocks"]}
    assert blocks["(8)"]["continues"] == "(6)"
    assert blocks["(14)"]["assume"] == [r"i \neq j"]
    assert sum(1 for b in got.header["blocks"] if b.get("kind") == "definition") == 2   # the update rules
    assert any(d.startswith("a_{i} = ") for d in got.header["definitions"])            # from equation (5)


def test_seed_001_reads_one_sample_where_x_has_no_index():
    got = inferred(body("001_36c22d76a2383576"))
    first = got.header["blocks"][0]
    assert first["symbols"]["x"] == {"role": "input", "shape": ["D"]}
    weights = {k: v for k, v in got.header["symbols"].items() if isinstance(v, dict) and v["role"] == "weights"}
    assert list(weights.values()) == [{"role": "weights", "shape": ["D"]}]
    assert list(weights)[0].startswith(r"\theta^{(")


#: fixture -> (verdict letters, final verdict)
OTHER_NOTATIONS = {
    "softmax_bishop.md": ("vvvvvv", "correct"),
    "softmax_sigma.md": ("vvv", "correct"),          # σ(z_k), never defined: the softmax by its use
    "softmax_vector.md": ("vvvvv", "correct"),       # z = Wx + b, \hat{y} = softmax(z), then z_k, \hat{y}_k
    "sigmoid_bce.md": ("vvvvvvv", "correct"),
    "mse_scalar.md": ("vvvv", "correct"),
    "mse_matrix.md": ("vvvvv", "correct"),
    "ridge.md": ("vv", "correct"),
    "two_layer.md": ("vvvv", "correct"),
}


@pytest.mark.parametrize("name", sorted(OTHER_NOTATIONS))
def test_other_notations_and_models_with_no_header(name):
    result = checked((FIXTURES / name).read_text(encoding="utf-8"), name)
    assert (letters(result), result.final.verdict) == OTHER_NOTATIONS[name]


#: (fixture, text to replace, replacement, the step that becomes invalid)
MISTAKES = [
    ("sigmoid_bce.md", r"= \hat{y} - y$$", r"= y - \hat{y}$$", "4"),
    ("mse_scalar.md", r"= \frac{1}{N} \sum_{i=1}^{N} (w x_i + b - y_i) x_i", r"= \frac{2}{N} \sum_{i=1}^{N} (w x_i + b - y_i) x_i", "3"),
    ("mse_matrix.md", r"= X^\top (X\mathbf{w} - \mathbf{y})", r"= X (X\mathbf{w} - \mathbf{y})", "5"),
    ("two_layer.md", r"(1 - \sigma(a_j)) x_i", r"x_i", "4"),
    ("softmax_bishop.md", r"&= (y_j - t_j) x_d", r"&= (t_j - y_j) x_d", "6"),
]


@pytest.mark.parametrize("name, old, new, step", MISTAKES)
def test_a_mistake_in_another_notation_is_refuted(name, old, new, step):
    text = (FIXTURES / name).read_text(encoding="utf-8")
    assert old in text
    result = checked(text.replace(old, new, 1), name)
    wrong = next(s for s in result.steps if s.id == step)
    assert wrong.verdict == "invalid" and wrong.counterexample is not None
    assert [s.id for s in result.steps if s.verdict == "invalid"] == [step]


def test_sigma_is_read_by_how_it_is_used():
    softmax = inferred((FIXTURES / "softmax_sigma.md").read_text(encoding="utf-8"))
    assert any(d.startswith(r"\sigma(z_{") and r"\sum" in d for d in softmax.header["definitions"])
    network = inferred((FIXTURES / "two_layer.md").read_text(encoding="utf-8"))
    assert r"\sigma(u) = \frac{1}{1 + e^{-u}}" in network.header["definitions"]


def test_an_assignment_model_and_size_names_are_defaults():
    text = body("003_b83df05ceb37995f")
    assert inferred(text).header["sizes"]["K"] == "classes"
    got = infer(read_document("doc.md", text), {"model": "softmax", "sizes": {"C": "classes", "M": "samples"}})
    assert got.header["sizes"]["C"] == "classes" and got.header["sizes"]["M"] == "samples"


def test_a_symbol_never_defined_is_a_finding_not_a_crash_and_not_a_refutation():
    text = textwrap.dedent(r"""
        The error is $E = \sum_{j=1}^{K} E_j$.

        $$\frac{\partial E}{\partial w_k} = \frac{\partial E_k}{\partial w_k}$$
    """)
    result = checked(text)
    assert result.error is None
    assert [s.verdict for s in result.steps] == ["unsupported"]
    assert "never defined" in str(result.steps[0].reason)
    assert any(n.kind == "undefined" and "E_{·}" in n.text for n in result.inferred)


@pytest.mark.parametrize("text", [
    "$$x$$", "$$a = b$$", "$$\\frac{\\partial}{\\partial} = 0$$", "text $a = $ and $$= 1$$",
    "$$\\sum_{k=1}^{K} = y_k$$", "$$\\frac{\\partial L}{\\partial w} = 1$$ where $L = L$",
])
def test_odd_documents_are_read_without_crashing(text):
    result = checked(text)
    assert all(s.verdict in LETTER for s in result.steps)


UNSEEN = ROOT / "tests" / "fixtures" / "unseen"
#: Fourteen proofs written independently, in notations the inference was not built on, with an
#: answer key (tests/fixtures/unseen-key.md). Letters as in test_seeds (U unsupported). The key's
#: wrong steps are the X; the U are steps whose notation is read honestly as not understood (stacked
#: data matrices, φ(x_n), w^⋆ = (XᵀX)⁻¹…): never a false refutation. In 05 the key also counts the
#: line that returns to the right value (step 9); derivcheck calls it valid, "not carried forward".
UNSEEN_EXPECTED = {
    "01_softmax_bishop.md": "vvvvvvvvvvvvvU",
    "02_softmax_ng.md": "vvvvvvX",
    "03_softmax_cs231n.md": "vvvvvvvvvvv",
    "04_softmax_matrix.md": "vvUUUUUUUUUUUUU",
    "05_softmax_Sk_kronecker.md": "vvvvvvvXvvvvvvv",
    "06_softmax_murphy_nll.md": "vvvvvvvvvvvvvvvvU",
    "07_logistic_scalar.md": "vvvvvvvvvvvvvXvv",
    "08_logistic_vector.md": "vvvvvvvvvvvvvvv",
    "09_logistic_average.md": "vvvvvvvXvvXvX",
    "10_linreg_index.md": "vvvvvvvvvvv",
    "11_linreg_matrix.md": "vvvvvvvXU",
    "12_ridge.md": "vUUvUU",
    "13_twolayer_sigmoid.md": "vvvvvvvXvvvvvXvvvvXX",
    "14_twolayer_tanh.md": "vvvvvvvvvvvvvvvvvvU",
}
#: Files the key calls entirely correct.
UNSEEN_CORRECT = {"01", "03", "06", "08", "10", "12", "14"}


@pytest.mark.parametrize("name", sorted(UNSEEN_EXPECTED))
def test_proofs_in_unseen_notations(name):
    result = checked((UNSEEN / name).read_text(encoding="utf-8"), name)
    got = "".join({"valid": "v", "invalid": "X", "garbled": "G", "unsupported": "U", "undecided": "?"}[s.verdict]
                  for s in result.steps)
    if name[:2] in UNSEEN_CORRECT:
        assert "X" not in got and "G" not in got, f"a correct proof flagged: {got}"
    assert got == UNSEEN_EXPECTED[name]


UNSEEN2 = ROOT / "tests" / "fixtures" / "unseen2"
#: A second independent set (tests/fixtures/unseen2-key.md): twelve softmax-regression proofs in
#: Markdown ($$, \[ \]) and full LaTeX documents (align, equation). Every X is a mistake in the key;
#: the one recovery line of 04 is valid ("not carried forward"); 09's transposed matrix product,
#: which the key counts, is unsupported here (its stacked matrices are read, their shapes doubted).
UNSEEN2_EXPECTED = {
    "01_softmax_grad.md": "vvvvvvvvvvvvv",
    "02_multinomial_logreg.md": "vvvvvvvvX",
    "03_vectorized_gradient.md": "vvvvvvvvvvv",
    "04_cross_entropy_backprop.md": "vvvvvXvvvvvvv",
    "05_logsumexp_derivation.md": "vvvvvvvU",
    "06_softmax_jacobian_notes.md": "vvvvvXvv",
    "07_regularized_softmax.md": "vvvvvXvXvvv",
    "08_softmax_regression.tex": "vvvvvvvvvvvvvvvv",
    "09_softmax_matrix.tex": "vvvvvvvvUUvXU",
    "10_mle_softmax.tex": "vvvvvvvvvvvvvvv",
    "11_messy_softmax_grad.md": "vvvvvvvvXvvv",
    "12_softmax_grad_messy.tex": "vvvvvvvvvvUUUv",
}
UNSEEN2_CORRECT = {"01", "03", "05", "08", "10", "12"}


@pytest.mark.parametrize("name", sorted(UNSEEN2_EXPECTED))
def test_a_second_set_of_proofs_in_unseen_notations(name):
    result = checked((UNSEEN2 / name).read_text(encoding="utf-8"), name)
    got = "".join({"valid": "v", "invalid": "X", "garbled": "G", "unsupported": "U", "undecided": "?"}[s.verdict]
                  for s in result.steps)
    if name[:2] in UNSEEN2_CORRECT:
        assert "X" not in got and "G" not in got, f"a correct proof flagged: {got}"
    assert got == UNSEEN2_EXPECTED[name]
