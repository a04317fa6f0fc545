"""Minimising a derivation's objective with its own gradient: L-BFGS, or plain gradient descent.

The objective is the loss summed over the training samples plus ``(λ/2)‖W‖²`` on every weight but
the intercept's (the last row), unless the loss has an L2 term of its own. Floating-point trouble
is the optimiser's to report, not NumPy's: no raw ``RuntimeWarning`` escapes, every iteration's
value is kept (the plot shows the whole run), and a run whose objective stops being finite, or
grows far above where it started, stops there and says it diverged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

#: A gradient-descent run whose objective grows past this many times its start has diverged.
BLOW_UP = 1e3


@dataclass
class Fit:
    W: np.ndarray
    losses: list[float]
    iterations: int
    seconds: float
    converged: bool
    diverged: bool = False
    message: str = ""


def fit(objective: Callable[[np.ndarray], tuple[float, np.ndarray]], w0: np.ndarray, samples: int,
        optimizer: str = "lbfgs", max_iter: int = 1000, lr: float = 0.5) -> Fit:
    """Minimise ``objective`` (value and gradient of flat weights) from ``w0``."""
    start = time.perf_counter()
    with np.errstate(all="ignore"):
        if optimizer == "lbfgs":
            w, losses, iterations, converged, diverged, message = _lbfgs(objective, w0, max_iter)
        elif optimizer == "gd":
            w, losses, iterations, converged, diverged, message = _descent(objective, w0, lr / samples, max_iter,
                                                                           1e-6 * samples)
        else:
            raise ValueError(f"unknown optimizer {optimizer!r} (lbfgs or gd)")
    return Fit(w.reshape(w0.shape), losses, iterations, time.perf_counter() - start, converged, diverged, message)


def _lbfgs(objective, w0: np.ndarray, max_iter: int):
    from scipy.optimize import minimize
    losses: list[float] = []
    last: dict = {}

    def value_and_gradient(w: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = objective(w.reshape(w0.shape))
        last["w"], last["value"] = w.copy(), value
        return value, np.asarray(grad, dtype=float).ravel()

    def progress(w: np.ndarray) -> None:
        losses.append(last["value"] if np.array_equal(last.get("w"), w) else value_and_gradient(w)[0])

    start_value = value_and_gradient(w0.ravel())[0]
    result = minimize(value_and_gradient, w0.ravel(), jac=True, method="L-BFGS-B", callback=progress,
                      options={"maxiter": max_iter, "gtol": 1e-6, "ftol": 1e-12})
    final = float(result.fun)
    diverged = not np.isfinite(final) or not np.isfinite(start_value)
    message = str(result.message)
    if diverged:
        message = f"L-BFGS diverged: the objective became {final:g} ({message})"
    elif not result.success:
        message = f"L-BFGS stopped without converging: {message}"
    return result.x, [start_value] + losses, int(result.nit), bool(result.success), diverged, message


def _descent(objective, w0: np.ndarray, step: float, max_iter: int, tolerance: float):
    """Fixed-step gradient descent: stops when no entry of the gradient exceeds ``tolerance``, or
    when the objective stops being finite or grows past ``BLOW_UP`` times its start."""
    w, losses = w0.ravel(), []
    for iteration in range(1, max_iter + 1):
        value, grad = objective(w.reshape(w0.shape))
        grad = np.asarray(grad, dtype=float).ravel()
        if not np.isfinite(value) or not np.all(np.isfinite(grad)):
            return w, losses, iteration, False, True, (
                f"gradient descent diverged: the objective became {value:g} at iteration {iteration} "
                f"(step {step:.3g} per unit of gradient)")
        losses.append(float(value))
        if value > BLOW_UP * max(abs(losses[0]), 1e-12):
            return w, losses, iteration, False, True, (
                f"gradient descent diverged: the objective grew from {losses[0]:.4g} to {value:.4g} by iteration "
                f"{iteration} (step {step:.3g} per unit of gradient)")
        if np.max(np.abs(grad)) < tolerance:
            return w, losses, iteration, True, False, "converged: the gradient is below 1e-6 per sample"
        w = w - step * grad
    if losses[-1] > losses[0]:
        return w, losses, max_iter, False, True, (
            f"gradient descent diverged: the objective rose from {losses[0]:.4g} to {losses[-1]:.4g} over "
            f"{max_iter} iterations (step {step:.3g} per unit of gradient)")
    return w, losses, max_iter, False, False, f"stopped after {max_iter} iterations without converging"
