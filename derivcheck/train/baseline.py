"""What a trained model is compared with, and how it is scored.

The baselines are scikit-learn's, fitted on the same split to the same objective:
``LogisticRegression`` (lbfgs) for softmax and logistic regression, ``Ridge`` for least squares,
and for least squares also the closed form ``(XᵀX + λI)⁻¹ Xᵀy`` (the intercept not penalised).
scikit-learn writes the objective one way (a sum over samples, ½ of the squared error); a
derivation may write a mean, or drop the ½. The factor between the two is measured on the lifted
loss at random weights, and the baseline's regularisation divided by it, so both minimise the
same function. The textbook formulas here only score and configure the baselines: training uses
nothing but the derivation's own loss and gradient.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logsumexp

from .data import Split, with_intercept
from .models import LEAST_SQUARES, LOGISTIC, Kind


@dataclass
class Scores:
    """Test (and train) scores of one fitted model: accuracy and log-loss, or R²."""
    train_accuracy: float | None = None
    test_accuracy: float | None = None
    test_log_loss: float | None = None
    train_r2: float | None = None
    test_r2: float | None = None


@dataclass
class Baseline:
    scores: Scores
    seconds: float
    name: str
    closed_form: Scores | None = None
    closed_form_seconds: float | None = None


def standard_loss(kind: Kind, X: np.ndarray, y: np.ndarray, W: np.ndarray) -> float:
    """scikit-learn's data term at W: summed cross-entropy, or half the summed squared error."""
    Z = X @ W
    if kind.name == LEAST_SQUARES:
        return 0.5 * float(np.sum((Z - y) ** 2))
    if kind.name == LOGISTIC:
        return float(np.sum(np.logaddexp(0.0, Z) - y * Z))
    return float(np.sum(logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]))


def score(kind: Kind, W: np.ndarray, split: Split) -> Scores:
    """The scores of weights W (the last row the intercept's) on the split."""
    from sklearn.metrics import accuracy_score, log_loss, r2_score
    X_train, X_test = with_intercept(split.X_train), with_intercept(split.X_test)
    if kind.name == LEAST_SQUARES:
        return Scores(train_r2=float(r2_score(split.y_train, X_train @ W)),
                      test_r2=float(r2_score(split.y_test, X_test @ W)))
    p_train, p_test = probabilities(kind, X_train, W), probabilities(kind, X_test, W)
    labels = range(p_test.shape[1])
    return Scores(train_accuracy=float(accuracy_score(split.y_train, p_train.argmax(1))),
                  test_accuracy=float(accuracy_score(split.y_test, p_test.argmax(1))),
                  test_log_loss=float(log_loss(split.y_test, p_test, labels=labels)))


def probabilities(kind: Kind, X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Class probabilities, one column per class (two for logistic regression)."""
    if kind.name == LOGISTIC:
        p = expit(X @ W)
        return np.column_stack([1.0 - p, p])
    Z = X @ W
    return np.exp(Z - logsumexp(Z, axis=1, keepdims=True))


def fit_baseline(kind: Kind, split: Split, l2: float) -> Baseline:
    """scikit-learn on the same split, regularised by ``l2`` in scikit-learn's own terms."""
    if kind.name == LEAST_SQUARES:
        return _ridge(split, l2)
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, log_loss
    model = LogisticRegression(C=1.0 / l2, max_iter=5000, tol=1e-8)
    start = time.perf_counter()
    model.fit(split.X_train, split.y_train)
    seconds = time.perf_counter() - start
    p_test = model.predict_proba(split.X_test)
    scores = Scores(train_accuracy=float(model.score(split.X_train, split.y_train)),
                    test_accuracy=float(accuracy_score(split.y_test, p_test.argmax(1))),
                    test_log_loss=float(log_loss(split.y_test, p_test, labels=range(p_test.shape[1]))))
    return Baseline(scores, seconds, f"LogisticRegression(C={1.0 / l2:.4g})")


def _ridge(split: Split, l2: float) -> Baseline:
    from sklearn.linear_model import Ridge
    from sklearn.metrics import r2_score
    model = Ridge(alpha=l2)
    start = time.perf_counter()
    model.fit(split.X_train, split.y_train)
    seconds = time.perf_counter() - start
    scores = Scores(train_r2=float(r2_score(split.y_train, model.predict(split.X_train))),
                    test_r2=float(r2_score(split.y_test, model.predict(split.X_test))))
    start = time.perf_counter()
    W = closed_form(with_intercept(split.X_train), split.y_train, l2)
    closed_seconds = time.perf_counter() - start
    return Baseline(scores, seconds, f"Ridge(alpha={l2:.4g})", score(Kind(LEAST_SQUARES), W, split), closed_seconds)


def closed_form(X: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """(XᵀX + λI)⁻¹ Xᵀy with the intercept (the last column) not penalised, by a linear solve."""
    penalty = np.full(X.shape[1], l2)
    penalty[-1] = 0.0
    return np.linalg.solve(X.T @ X + np.diag(penalty), X.T @ y)


def loss_scale(values: list[float], standards: list[float]) -> float:
    """The factor c with loss = c · scikit-learn's data term, from values at a few weights; 1 when
    the ratios disagree (the loss is not a multiple of it, and the baseline is left as it is)."""
    ratios = [v / s for v, s in zip(values, standards) if s != 0.0]
    if not ratios or not all(np.isfinite(ratios)) or max(ratios) - min(ratios) > 1e-6 * abs(ratios[0]):
        return 1.0
    return float(np.mean(ratios))
