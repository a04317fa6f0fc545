"""The trainer: the compiled final gradient passes the gradient check, trains to scikit-learn's
optimum on iris, and a wrong final gradient fails the check with a clear message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from derivcheck.train.train import compile_model, gradient_check, load_data, train, with_intercept

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "derivations").glob("*.md"))


@pytest.fixture(scope="module")
def iris():
    split = load_data("iris")
    return with_intercept(split.X_train), split.y_train, split.classes


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem[:3])
def test_every_seed_gradient_passes_the_gradient_check(path, iris):
    X, y, K = iris
    errors = gradient_check(compile_model(path), X, y, K, points=2)
    assert max(errors) < 1e-6


@pytest.mark.parametrize("path", [SEEDS[0], SEEDS[4]], ids=["index form", "written matrix"])
def test_training_on_iris_matches_scikit_learn(path):
    result = train(path, data="iris")
    assert result.gradient_check_passed and result.converged
    assert abs(result.test_accuracy - result.baseline_test_accuracy) <= 0.01
    assert abs(result.test_log_loss - result.baseline_test_log_loss) <= 0.02 * result.baseline_test_log_loss


def test_the_compiled_gradient_is_the_hand_written_one(iris):
    X, y, K = iris
    W = np.random.default_rng(3).normal(size=(X.shape[1], K))
    Z = X @ W
    P = np.exp(Z - Z.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    expected = X.T @ (P - np.eye(K)[y])
    for path in SEEDS:
        assert np.allclose(compile_model(path).gradient_value(X, y, W, K), expected, rtol=1e-10, atol=1e-10)


def test_a_wrong_final_gradient_fails_the_check_with_a_clear_message(tmp_path):
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", "train", "tests/fixtures/wrong_gradient.md",
                          "--data", "iris", "--reports", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 1
    assert "gradient check FAILED: max relative error" in out.stdout
    assert "not the gradient of the loss" in out.stdout
    data = json.loads((tmp_path / "train-wrong_gradient.json").read_text())
    assert 0.3 < data["gradient_check_max_rel_error"] < 0.7   # a factor of 2: relative error 1/2
    assert data["final_verdict"] == "incorrect"
    assert (tmp_path / "train-wrong_gradient.png").stat().st_size > 1000


def test_json_carries_the_contract_fields(tmp_path):
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", "train", str(SEEDS[3]), "--data", "iris",
                          "--format", "json", "--no-reports"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    data = json.loads(out.stdout)
    for field in ("gradient_check_max_rel_error", "test_accuracy", "baseline_test_accuracy", "train_seconds",
                  "baseline_train_seconds"):
        assert isinstance(data[field], float)
    assert out.returncode == 0


def test_csv_with_a_header_and_named_labels(tmp_path):
    rng = np.random.default_rng(0)
    centres = {"red": (0, 0), "green": (3, 3), "blue": (0, 4)}
    lines = ["a,b,colour"]
    for name, (cx, cy) in centres.items():
        lines += [f"{cx + rng.normal():.3f},{cy + rng.normal():.3f},{name}" for _ in range(40)]
    csv = tmp_path / "points.csv"
    csv.write_text("\n".join(lines) + "\n")
    result = train(SEEDS[0], data=str(csv))
    assert result.classes == 3 and result.features == 2
    assert result.test_accuracy > 0.9 and result.gradient_check_passed


def test_hostile_symbol_names_train_and_never_reach_code(tmp_path):
    """Symbols named like Python builtins become array axes and dictionary keys, never code."""
    text = (ROOT / "tests" / "fixtures" / "wrong_gradient.md").read_text()
    text = text.replace("2 (g_j(z) - y_j) x_i", "(\\operatorname{exec}_j(z) - y_j) \\mathrm{os}_i")
    text = text.replace("'x_i': input", "'\\mathrm{os}_i': input").replace("\\Theta_{ij} x_i", "\\Theta_{ij} \\mathrm{os}_i")
    text = text.replace("g_k(z)", "\\operatorname{exec}_k(z)").replace("\\log(g_k(z))", "\\log(\\operatorname{exec}_k(z))")
    path = tmp_path / "hostile.md"
    path.write_text(text)
    result = train(path, data="iris")
    assert result.gradient_check_passed
    source = "".join(path.read_text() for path in (ROOT / "derivcheck" / "train").glob("*.py"))
    for call in ("exec(", "eval(", "lambdify(", "compile("):
        assert f" {call}" not in source and f".{call}" not in source


def test_unusable_inputs_exit_2(tmp_path):
    for args in (["train", "nope.md"], ["train", str(SEEDS[0]), "--data", "mnist"],
                 ["train", str(SEEDS[0]), "--l2", "0"]):
        out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", *args, "--no-reports"], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 2 and "Traceback" not in out.stderr, args


def test_training_past_its_time_limit_exits_2_with_one_line():
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", "train", str(SEEDS[0]), "--data", "digits",
                          "--timeout", "0.5", "--no-reports"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "time limit of 0.5 s reached" in out.stderr


def test_run_limited_returns_results_and_reports_memory_and_errors():
    from derivcheck.run.worker import LimitError, Limits, run_limited
    assert run_limited(sum, ([1, 2, 3],), Limits(seconds=30, memory_mb=0)) == 6
    with pytest.raises(LimitError, match="memory limit of 300 MB"):
        run_limited(bytearray, (2 * 1024 ** 3,), Limits(seconds=30, memory_mb=300))
    with pytest.raises(ValueError):
        run_limited(int, ("not a number",), Limits(seconds=30, memory_mb=0))
