"""The trainer: the compiled final gradient passes the gradient check, trains to scikit-learn's
optimum (softmax regression on iris, logistic regression on breast_cancer, least squares and ridge on
diabetes), compiles to a couple of matrix products, says in one sentence which models it trains, and
a wrong final gradient fails the check with a clear message; an optimiser that diverges says so."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from derivcheck.train.train import compile_model, gradient_check, load_data, plot_losses, train, with_intercept

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


# ----------------------------------------------------------------------------- the compile pass

def _plan(path: Path, X, y, K, nodes: str = "gradient"):
    model = compile_model(path)
    W = np.random.default_rng(0).normal(0, 0.1, model.weight_shape(X.shape[1], K))
    chosen = {"gradient": (model.gradient,), "both": (model.loss, model.gradient)}[nodes]
    return model, W, model.plan_for(chosen, X, y, W, K)


def _products(plan) -> int:
    return sum(1 for s in plan.steps if getattr(s.func, "__name__", "").startswith("dot"))


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem[:3])
def test_every_seed_compiles_to_two_matrix_products_and_no_label_array(path, iris):
    """The author's own formula, \\dots matrix included, runs as X W, a softmax and Xᵀ P: the label
    terms are contracted once when the plan is recorded, so no N × K label array is read per call."""
    X, y, K = iris
    _, _, plan = _plan(path, X, y, K)
    assert plan is not None and _products(plan) == 2
    assert not [s for s in plan.steps if s.func is np.einsum or s.func is np.take]
    fixed = {a.shape for s in plan.steps for a in s.args if isinstance(a, np.ndarray)}
    label_term = fixed - {X.shape, X.T.shape}
    assert len(label_term) == 1 and label_term <= {(K, X.shape[1]), (X.shape[1], K)}     # Xᵀ Y, hoisted
    assert len(plan.steps) <= 12


def test_loss_and_gradient_share_the_logits_and_run_in_place_without_touching_the_data(iris):
    X, y, K = iris
    before = X.copy()
    model, W, plan = _plan(SEEDS[4], X, y, K, nodes="both")
    assert sum(1 for s in plan.steps if any(getattr(a, "slot", None) == 0 for a in s.args)) == 1
    assert any("out" in s.kwargs for s in plan.steps)
    first = [np.copy(v) for v in plan(W)]
    second = plan(W)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert np.array_equal(X, before)


# ----------------------------------------------------------------------------- every model

FIXTURES = ROOT / "tests" / "fixtures" / "train"
NOHEADER = ROOT / "tests" / "fixtures" / "noheader"


def test_the_fixtures_final_gradients_are_right_by_an_independent_check():
    """SymPy (not derivcheck) differentiates each fixture's loss and equals every line it writes."""
    sys.path.insert(0, str(FIXTURES))
    try:
        import verify
    finally:
        sys.path.remove(str(FIXTURES))
    for name, build in verify.FIXTURES.items():
        assert verify.exact(build), name
        assert verify.numeric(build) < 1e-6, name


@pytest.mark.parametrize("path", [FIXTURES / "logistic.md", NOHEADER / "sigmoid_bce.md"],
                         ids=["header", "no header"])
def test_logistic_regression_trains_like_scikit_learn(path):
    result = train(path)
    assert result.model == "logistic regression" and result.data == "breast_cancer" and result.classes == 2
    assert result.gradient_check_max_rel_error < 1e-6 and result.converged
    assert abs(result.test_accuracy - result.baseline_test_accuracy) <= 0.01
    assert abs(result.test_log_loss - result.baseline_test_log_loss) <= 0.01 * result.baseline_test_log_loss


@pytest.mark.parametrize("path", [FIXTURES / "ridge.md", FIXTURES / "least_squares.md", NOHEADER / "mse_matrix.md"],
                         ids=["own penalty", "a mean", "no header"])
def test_least_squares_trains_like_ridge_and_the_closed_form(path):
    result = train(path)
    assert result.model == "least squares" and result.data == "diabetes"
    assert result.gradient_check_max_rel_error < 1e-6 and result.converged
    assert result.test_accuracy is None and result.test_r2 is not None
    assert abs(result.test_r2 - result.baseline_test_r2) <= 0.01 * abs(result.baseline_test_r2)
    assert abs(result.closed_form_test_r2 - result.baseline_test_r2) <= 1e-6


def test_a_mean_loss_gets_a_baseline_fitted_to_the_same_objective():
    """½·mean is 1/N of scikit-learn's ½·sum: Ridge gets alpha = λN, so both fit the same function."""
    result = train(FIXTURES / "least_squares.md", l2=0.5)
    assert result.baseline == f"Ridge(alpha={0.5 * result.samples[0]:.4g})"
    assert abs(result.test_r2 - result.baseline_test_r2) <= 1e-4


@pytest.mark.parametrize("path", [FIXTURES / "exponential_loss.md", NOHEADER / "two_layer.md"],
                         ids=["exponential loss", "two layers"])
def test_an_untrainable_model_gets_one_sentence_naming_the_trainable_ones(path):
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", "train", str(path), "--no-reports"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and out.stdout == ""
    line = out.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert ("derivcheck trains softmax regression, logistic regression (a sigmoid with binary cross-entropy) and "
            "least squares or ridge regression") in line


def test_a_data_set_of_the_wrong_kind_is_refused_with_one_line():
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", "train", str(FIXTURES / "logistic.md"),
                          "--data", "digits", "--no-reports"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and "digits has 10 classes; logistic regression needs two" in out.stderr


def test_json_of_least_squares_keeps_the_fields_and_adds_r2():
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", "train", str(FIXTURES / "ridge.md"),
                          "--format", "json", "--no-reports"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    data = json.loads(out.stdout)
    assert out.returncode == 0 and data["model"] == "least squares"
    for name in ("test_r2", "baseline_test_r2", "closed_form_test_r2", "gradient_check_max_rel_error",
                 "train_seconds", "baseline_train_seconds"):
        assert isinstance(data[name], float), name
    for name in ("test_accuracy", "baseline_test_accuracy", "test_log_loss", "train_accuracy"):
        assert name in data and data[name] is None, name
    assert data["diverged"] is False


# ----------------------------------------------------------------------------- optimisers

def test_gradient_descent_that_diverges_says_so_with_no_raw_warnings(tmp_path):
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", "train", str(FIXTURES / "ridge.md"),
                          "--optimizer", "gd", "--reports", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert "Warning" not in out.stderr and out.stderr == ""
    assert "(diverged)" in out.stdout and "gradient descent diverged: the objective grew from" in out.stdout
    data = json.loads((tmp_path / "train-ridge.json").read_text())
    assert data["diverged"] is True and data["converged"] is False
    assert "diverged" in data["optimizer_message"]
    assert "Gradient descent diverged" in (tmp_path / "train-ridge.md").read_text()
    assert (tmp_path / "train-ridge.png").stat().st_size > 1000


def test_gradient_descent_uphill_is_divergence_and_every_iteration_is_plotted(tmp_path):
    """A gradient of the wrong sign climbs: no overflow warning escapes, the run is called diverged,
    and the loss curve has a finite point for every iteration it ran."""
    text = (ROOT / "tests" / "fixtures" / "wrong_gradient.md").read_text().replace("2 (g_j(z) - y_j) x_i",
                                                                                 "(y_j - g_j(z)) x_i")
    path = tmp_path / "uphill.md"
    path.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = train(path, data="iris", optimizer="gd", check_points=1)
    assert result.diverged and not result.gradient_check_passed
    assert "rose from" in result.optimizer_message
    assert len(result.losses) == result.iterations and np.all(np.isfinite(result.losses))
    assert plot_losses(result, tmp_path / "uphill.png") == "uphill.png"


def test_lbfgs_records_the_start_and_every_iteration():
    result = train(SEEDS[0], data="iris", check_points=1)
    assert result.converged and not result.diverged
    assert len(result.losses) == result.iterations + 1
    assert result.losses[0] > result.losses[-1]
