"""Train the model a derivation derives, with its own final gradient, next to scikit-learn.

The derivation is checked and compiled (compiled.py); its loss says which model it is (models.py):
softmax regression, logistic regression or least squares. The data set is the model's own kind
(data.py), the intercept a constant feature. A central-difference check of the compiled gradient
against the lifted loss, at the data's real size, says whether the formula is the loss's gradient,
and by how much it is not. The fit (fit.py) minimises the derivation's objective; scikit-learn fits
the same objective on the same split (baseline.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .baseline import fit_baseline, loss_scale, score, standard_loss
from .compiled import Model, TrainError, compile_model
from .data import DataError, load_data, with_intercept
from .fit import fit
from .lift import LiftError
from .models import LEAST_SQUARES, LOGISTIC, SOFTMAX

__all__ = ["TrainError", "TrainResult", "compile_model", "gradient_check", "load_data", "train", "with_intercept"]

GRADIENT_TOLERANCE = 1e-6
#: Below this many (samples × features × classes), BLAS runs on one thread (see train()).
SMALL_PROBLEM = 20_000_000
#: The data set each model trains on when none is named.
DEFAULT_DATA = {SOFTMAX: "iris", LOGISTIC: "breast_cancer", LEAST_SQUARES: "diabetes"}


def gradient_check(model: Model, X: np.ndarray, y: np.ndarray, classes: int, points: int = 3,
                   seed: int = 0, step: float = 1e-5) -> list[float]:
    """Max relative error of the compiled gradient against central differences of the lifted loss,
    at ``points`` random weights: max |g - fd| over the entries, divided by the largest |g| or |fd|."""
    rng = np.random.default_rng(seed)
    errors = []
    for _ in range(points):
        W = rng.normal(0.0, 0.5, size=model.weight_shape(X.shape[1], classes))
        g = model.gradient_value(X, y, W, classes)
        fd = np.zeros_like(W)
        for index in np.ndindex(W.shape):
            plus, minus = W.copy(), W.copy()
            plus[index] += step
            minus[index] -= step
            fd[index] = (model.loss_value(X, y, plus, classes) - model.loss_value(X, y, minus, classes)) / (2 * step)
        scale = max(np.max(np.abs(g)), np.max(np.abs(fd)), 1e-12)
        errors.append(float(np.max(np.abs(g - fd)) / scale))
    return errors


@dataclass
class TrainResult:
    derivation: str
    data: str
    optimizer: str
    l2: float
    final_verdict: str
    gradient_check: list[float]
    gradient_check_passed: bool
    train_accuracy: float | None
    test_accuracy: float | None
    test_log_loss: float | None
    baseline_train_accuracy: float | None
    baseline_test_accuracy: float | None
    baseline_test_log_loss: float | None
    train_seconds: float
    baseline_train_seconds: float
    iterations: int
    converged: bool
    losses: list[float] = field(repr=False, default_factory=list)
    samples: tuple[int, int] = (0, 0)
    features: int = 0
    classes: int = 0
    plot: str | None = None
    model: str = SOFTMAX
    baseline: str = ""
    diverged: bool = False
    optimizer_message: str = ""
    train_r2: float | None = None
    test_r2: float | None = None
    baseline_train_r2: float | None = None
    baseline_test_r2: float | None = None
    closed_form_test_r2: float | None = None
    closed_form_seconds: float | None = None
    compile_seconds: float = 0.0

    @property
    def gradient_check_max_rel_error(self) -> float:
        return max(self.gradient_check)


def train(path: Path, data: str | None = None, optimizer: str = "lbfgs", l2: float = 1.0, check_points: int = 3,
          seed: int = 0) -> TrainResult:
    if l2 <= 0:
        raise TrainError("--l2 must be positive (it is 1/C for scikit-learn's LogisticRegression, alpha for Ridge)")
    if optimizer not in ("lbfgs", "gd"):
        raise TrainError(f"unknown optimizer {optimizer!r} (lbfgs or gd)")
    from threadpoolctl import threadpool_limits
    model = compile_model(path)
    model.l2 = l2
    try:
        split = load_data(data or DEFAULT_DATA[model.kind.name], model.kind.task, seed)
    except DataError as err:
        raise TrainError(f"{model.kind.name}: {err}") from None
    X_train = with_intercept(split.X_train)
    K = split.classes if model.kind.name == SOFTMAX else 1
    # On small problems BLAS threads spin between tiny products and slow everything down; both
    # fits run under the same limit.
    threads = 1 if X_train.size * K < SMALL_PROBLEM else None
    with threadpool_limits(limits=threads, user_api="blas"):
        try:
            with np.errstate(all="ignore"):
                errors = gradient_check(model, X_train, split.y_train, K, check_points, seed)
            w0 = np.zeros(model.weight_shape(X_train.shape[1], K))
            start = time.perf_counter()
            with np.errstate(all="ignore"):
                model.loss_and_gradient(X_train, split.y_train, w0, K)     # compiled once, not timed
            compile_seconds = time.perf_counter() - start
            fitted = fit(_objective(model, X_train, split.y_train, K, l2), w0, X_train.shape[0], optimizer)
            scale = _baseline_strength(model, X_train, split.y_train, K, l2)
        except TrainError:
            raise
        except LiftError as err:
            raise TrainError(f"the final gradient cannot be compiled: {err}") from None
        except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as err:
            raise TrainError(f"the final gradient cannot be compiled ({type(err).__name__}: {err}); derivcheck "
                             f"should have said why: please report it") from None
        baseline = fit_baseline(model.kind, split, scale)
    ours = score(model.kind, fitted.W, split)
    closed = baseline.closed_form
    return TrainResult(
        derivation=model.name, data=split.name, optimizer=optimizer, l2=l2, final_verdict=model.final_verdict,
        gradient_check=errors, gradient_check_passed=max(errors) < GRADIENT_TOLERANCE,
        train_accuracy=ours.train_accuracy, test_accuracy=ours.test_accuracy, test_log_loss=ours.test_log_loss,
        baseline_train_accuracy=baseline.scores.train_accuracy, baseline_test_accuracy=baseline.scores.test_accuracy,
        baseline_test_log_loss=baseline.scores.test_log_loss,
        train_seconds=fitted.seconds, baseline_train_seconds=baseline.seconds, iterations=fitted.iterations,
        converged=fitted.converged, losses=fitted.losses, samples=(len(split.y_train), len(split.y_test)),
        features=split.X_train.shape[1], classes=split.classes, model=model.kind.name, baseline=baseline.name,
        diverged=fitted.diverged, optimizer_message=fitted.message,
        train_r2=ours.train_r2, test_r2=ours.test_r2, baseline_train_r2=baseline.scores.train_r2,
        baseline_test_r2=baseline.scores.test_r2, closed_form_test_r2=closed.test_r2 if closed else None,
        closed_form_seconds=baseline.closed_form_seconds, compile_seconds=compile_seconds)


def _objective(model: Model, X: np.ndarray, y: np.ndarray, classes: int, l2: float):
    """loss + (l2/2)‖W‖² on every weight but the intercept's, unless the loss has its own L2 term."""
    penalty = np.zeros(model.weight_shape(X.shape[1], classes))
    if not model.kind.penalty:
        penalty[:-1] = l2

    def objective(W: np.ndarray) -> tuple[float, np.ndarray]:
        loss, grad = model.loss_and_gradient(X, y, W, classes)
        return loss + 0.5 * float(np.sum(penalty * W * W)), grad + penalty * W
    return objective


def _baseline_strength(model: Model, X: np.ndarray, y: np.ndarray, classes: int, l2: float) -> float:
    """The regularisation scikit-learn needs to minimise the same function: λ (times the scale of
    the loss's own L2 term) over the factor c between the loss and scikit-learn's data term."""
    rng = np.random.default_rng(7)
    points = [rng.normal(0.0, 0.1, model.weight_shape(X.shape[1], classes)) for _ in range(2)]
    own = model.l2
    with np.errstate(all="ignore"):
        if model.kind.penalty:
            model.l2 = 0.0
        data_terms = [model.loss_value(X, y, W, classes) for W in points]
        strength = l2
        if model.kind.penalty:
            model.l2 = 1.0
            per_unit = [(model.loss_value(X, y, W, classes) - v) / (0.5 * float(np.sum(W * W)))
                        for W, v in zip(points, data_terms)]
            strength = l2 * float(np.mean(per_unit))
        model.l2 = own
    c = loss_scale(data_terms, [standard_loss(model.kind, X, y, W) for W in points])
    return strength / c


def plot_losses(result: TrainResult, path: Path) -> str | None:
    """The objective at every iteration as a PNG (matplotlib, no display needed); its file name,
    or None when there is nothing to plot. A log scale when every value is positive; a run that
    diverged is marked where it stopped."""
    if not result.losses:
        return None
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    # A font cache written by another matplotlib install can lack the bundled mathtext fonts; the
    # log axis's labels then fall back to DejaVu Sans with one "findfont" line per font on stderr,
    # which the person training can do nothing about and which would bury the run's own messages.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    values = np.asarray(result.losses, dtype=float)
    fig, ax = plt.subplots(figsize=(6, 3.4), dpi=100)
    steps = np.arange(len(values))
    ax.plot(steps, values, color="#1f77b4", marker="." if len(values) < 30 else None)
    if result.diverged:
        ax.plot(steps[-1:], values[-1:], "x", color="#d62728", markersize=10, label="diverged")
        ax.legend(loc="best")
    ax.set_xlabel("iteration")
    ax.set_ylabel("training objective (loss + L2)")
    ax.set_title(f"{result.derivation} on {result.data} ({result.optimizer})")
    if np.all(values > 0):
        ax.set_yscale("log")
    ax.set_xlim(0, max(len(values) - 1, 1))
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(path)
    return path.name
