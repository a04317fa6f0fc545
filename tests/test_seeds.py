"""End to end on derivations/: every step's verdict, the repairs, the final results, and that each
derivation carries its source verbatim."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"

#: v valid, X invalid, G garbled — one letter per step, in order.
EXPECTED = {
    "000_4fc6b41a1466133b": "vvvvvvvvvGvv",
    "001_36c22d76a2383576": "vvvvvvvvvvvvv",
    "002_42d0f364dbfc5cc4": "vvvvvvvvvvvvXvGGvv",
    "003_b83df05ceb37995f": "vvGvvvvXXvvvvv",
    "004_0e9784c09ed11217": "vvvvvvGvvXvvvvvvvvXvXvvvvGvvv",
}
LETTER = {"valid": "v", "invalid": "X", "garbled": "G", "unsupported": "U", "undecided": "?"}


@pytest.fixture(scope="module")
def report():
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", "derivations/", "--format", "json",
                          "--no-reports"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 1, out.stderr  # the seeds hold invalid and garbled steps
    data = json.loads(out.stdout)
    return {Path(d["file"]).stem: d for d in data["derivations"]}


def _step(report, name, sid):
    return next(s for s in report[name]["steps"] if s["id"] == sid)


def test_every_step_has_the_expected_verdict(report):
    assert set(report) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        got = "".join(LETTER[s["verdict"]] for s in report[name]["steps"])
        assert got == expected, name


def test_every_final_gradient_is_correct(report):
    for name in EXPECTED:
        assert report[name]["final"]["verdict"] == "correct", name


def test_002_delta_index_slip(report):
    step = _step(report, "002_42d0f364dbfc5cc4", "13")
    assert step["tag"] == "7" and step["verdict"] == "invalid"
    cex = step["counterexample"]
    assert cex["indices"]["i"] != cex["indices"]["j"] and cex["lhs"] != cex["rhs"]
    assert step["repair"]["latex"] == r"\sigma(z_i)(\delta_{ij} - \sigma(z_j))"
    assert step["repair"]["change"].endswith(r"\sigma(z_i) → \sigma(z_j)")


def test_002_damaged_partial_and_the_slip_behind_it(report):
    sigma = _step(report, "002_42d0f364dbfc5cc4", "15")
    assert sigma["verdict"] == "garbled" and sigma["repair"]["verdict"] == "valid"
    stray = _step(report, "002_42d0f364dbfc5cc4", "16")
    assert stray["verdict"] == "garbled" and stray["repair"]["verdict"] == "invalid"
    assert stray["repair"]["repair"]["latex"].endswith(r"\frac{\partial z_h}{\partial w_j^{(i)}}")
    carried = _step(report, "002_42d0f364dbfc5cc4", "17")
    assert carried["verdict"] == "valid" and "carried forward" in carried["reason"]


def test_003_dropped_factor_and_recovery(report):
    step = _step(report, "003_b83df05ceb37995f", "8")
    assert step["repair"]["change"].startswith("divide the whole expression by")
    assert "not carried forward" in _step(report, "003_b83df05ceb37995f", "10")["reason"]
    slips = " ".join(_step(report, "003_b83df05ceb37995f", "4")["notes"])
    assert "fy_{i}" in slips and "log" in slips


def test_004_matrix_entry_typo(report):
    for sid in ("19", "21"):
        step = _step(report, "004_0e9784c09ed11217", sid)
        assert step["verdict"] == "invalid"
        assert step["repair"]["change"].endswith("S_1 → S_2")
    assert _step(report, "004_0e9784c09ed11217", "10")["counterexample"]["rhs"] == "1.00000"


def test_000_damaged_escapes(report):
    step = _step(report, "000_4fc6b41a1466133b", "10")
    assert "oldsymbol" in step["reason"] and "ight" in step["reason"]
    assert step["repair"]["verdict"] == "valid"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")
def test_derivations_carry_their_source_verbatim():
    for name in EXPECTED:
        text = (ROOT / "derivations" / f"{name}.md").read_text()
        body = text.split("\n---\n", 1)[1]
        assert body == (SEEDS / f"{name}.txt").read_text(), name
        assert f"source: {name}.txt" in text
