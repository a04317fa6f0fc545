"""Matrix calculus as answers on Q&A sites write it: the Frobenius product ``A : B``, the trace, and
differentials (``dy = A\\,dx``, ``df = 2y : dy``), read from the text with no header.

The verdicts below were keyed by an independent SymPy script (entrywise sums and Jacobians at
N = 3, D = 2), not by derivcheck."""

from __future__ import annotations

import textwrap

from derivcheck.read.source import read_document
from derivcheck.verdict.checker import Options, check, run_inline

SETTING = "Setting: $A$ is a matrix, $x$ the unknown vector, $b$ the data vector.\n\n"


def checked(text: str):
    return run_inline(check(read_document("doc.md", SETTING + textwrap.dedent(text)), Options()))


def verdicts(result) -> list[str]:
    return [s.verdict for s in result.steps]


def test_the_frobenius_product_and_the_trace_are_read_and_a_wrong_transpose_refuted():
    r = checked(r"""
    $$ \|Ax - b\|^2 = (Ax-b):(Ax-b) = \operatorname{tr}((Ax-b)^T(Ax-b)) = \text{Tr}((Ax-b)(Ax-b)^T) $$

    $$ (Ax-b):Ax = A^T(Ax-b):x $$

    $$ \mathrm{tr}(A^T A) = A:A $$

    $$ (Ax-b):Ax = (Ax-b):A^Tx $$
    """)
    assert verdicts(r)[:5] == ["valid"] * 5
    wrong = r.steps[5]
    assert wrong.verdict == "invalid"
    assert wrong.counterexample.lhs != wrong.counterexample.rhs


def test_differentials_are_read_as_matrix_calculus_writes_them():
    r = checked(r"""
    $$ y = Ax-b $$

    $$ dy = A\,dx $$

    $$ f = \|y\|^2 $$

    $$ df = dy:y + y:dy = 2y:dy = 2y:A\,dx = 2A^Ty:dx $$

    $$ \frac{df}{dx} = 2A^Ty = 2A^T(Ax -b) $$
    """)
    assert verdicts(r) == ["valid"] * 9
    assert any("differential of $x$" in note.text for note in r.inferred)


def test_a_factor_lost_in_a_differential_is_refuted_with_the_change_of_x():
    r = checked(r"""
    $$ y = Ax-b $$

    $$ f = \|y\|^2 $$

    $$ df = 2y:dy = 2A^Ty:dx $$

    $$ df = y:dy $$
    """)
    wrong = r.steps[-1]
    assert wrong.verdict == "invalid"
    assert any(name.startswith("dx") for name, _ in wrong.counterexample.inputs)


def test_only_the_variables_the_text_writes_a_differential_of_vary():
    r = checked(r"""
    The penalty $\lambda$ is fixed.

    $$ g = \|Ax - b\|^2 + \lambda \|x\|^2 $$

    $$ dg = 2(Ax-b):A\,dx + 2\lambda x:dx $$
    """)
    assert verdicts(r) == ["valid", "valid"]


def test_backpropagations_d_names_stay_gradients():
    """``dW = dZ X^T`` after Z = WX gives the gradient by W through the one by Z, which is computed from W:
    backpropagation's names, which a differential reading would refute."""
    r = checked(r"""
    $$ Z = W X $$

    $$ dW = dZ X^T $$
    """)
    assert not any("differential" in note.text for note in r.inferred)
    assert r.steps[-1].verdict != "invalid"


def test_inner_products_in_angle_brackets_are_read_and_a_lost_weight_refuted():
    """⟨u, v⟩ is the sum of the entrywise products (u^T v), ⟨u, v⟩_W is u^T W v, and ⟨A, B⟩_F the
    Frobenius product (CS229 notes write the weighted least squares so). Keyed by SymPy: with W = [[1, 2],
    [3, 4]], u = (1, 0), v = (0, 1): u^T W v = 2 while u^T v = 0."""
    r = checked(r"""
    $$ \langle Ax - b, Ax - b \rangle = (Ax - b)^T (Ax - b) = \left\langle Ax - b, Ax - b \right\rangle_F $$

    Here $W$ is a matrix.

    $$ \langle Ax, b \rangle_W = x^T A^T W b $$

    $$ \langle Ax, b \rangle_W = x^T A^T b $$
    """)
    assert verdicts(r)[:3] == ["valid"] * 3
    wrong = r.steps[3]
    assert wrong.verdict == "invalid" and wrong.counterexample.lhs != wrong.counterexample.rhs
