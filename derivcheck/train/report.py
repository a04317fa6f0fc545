"""A training run as text (the terminal), Markdown (reports/train-<name>.md) and JSON.

The JSON fields are a contract: today's stay (accuracy and log-loss fields are null for least
squares), and new ones are only added: ``model``, ``baseline``, ``diverged``,
``optimizer_message``, ``compile_seconds``, and for least squares ``train_r2``, ``test_r2``, ``baseline_train_r2``,
``baseline_test_r2``, ``closed_form_test_r2``, ``closed_form_seconds``.
"""

from __future__ import annotations

import json

from ..output.report import FINAL_MARK
from .models import LEAST_SQUARES
from .train import TrainResult


def train_json(t: TrainResult) -> str:
    out = {
        "derivation": t.derivation, "data": t.data, "optimizer": t.optimizer, "l2": t.l2,
        "final_verdict": t.final_verdict,
        "gradient_check_max_rel_error": t.gradient_check_max_rel_error,
        "gradient_check": t.gradient_check, "gradient_check_passed": t.gradient_check_passed,
        "train_accuracy": t.train_accuracy, "test_accuracy": t.test_accuracy, "test_log_loss": t.test_log_loss,
        "baseline_train_accuracy": t.baseline_train_accuracy, "baseline_test_accuracy": t.baseline_test_accuracy,
        "baseline_test_log_loss": t.baseline_test_log_loss,
        "train_seconds": t.train_seconds, "baseline_train_seconds": t.baseline_train_seconds,
        "iterations": t.iterations, "converged": t.converged,
        "samples": {"train": t.samples[0], "test": t.samples[1]}, "features": t.features, "classes": t.classes,
        "plot": t.plot,
        "model": t.model, "baseline": t.baseline, "diverged": t.diverged, "optimizer_message": t.optimizer_message,
        "compile_seconds": t.compile_seconds,
    }
    if t.model == LEAST_SQUARES:
        out.update({"train_r2": t.train_r2, "test_r2": t.test_r2, "baseline_train_r2": t.baseline_train_r2,
                    "baseline_test_r2": t.baseline_test_r2, "closed_form_test_r2": t.closed_form_test_r2,
                    "closed_form_seconds": t.closed_form_seconds})
    return json.dumps(out, indent=2)


def _gradient_check_line(t: TrainResult) -> str:
    worst = t.gradient_check_max_rel_error
    if t.gradient_check_passed:
        return (f"gradient check passed: max relative error {worst:.1e} against central differences "
                f"at {len(t.gradient_check)} random weights (tolerance 1e-6)")
    return (f"gradient check FAILED: max relative error {worst:.3g} against central differences at "
            f"{len(t.gradient_check)} random weights: the final expression is not the gradient of the loss "
            f"(final result: {t.final_verdict})")


def _scores_line(t: TrainResult) -> str:
    if t.model == LEAST_SQUARES:
        return (f"test R² {t.test_r2:.4f} (scikit-learn {t.baseline_test_r2:.4f}, closed form "
                f"{t.closed_form_test_r2:.4f})")
    return (f"test accuracy {t.test_accuracy:.4f} (scikit-learn {t.baseline_test_accuracy:.4f}); "
            f"test log-loss {t.test_log_loss:.4f} (scikit-learn {t.baseline_test_log_loss:.4f})")


def _optimizer_line(t: TrainResult) -> str:
    state = "diverged" if t.diverged else "" if t.converged else "not converged"
    line = (f"training {t.train_seconds:.2f} s in {t.iterations} iterations{f' ({state})' if state else ''}; "
            f"scikit-learn {t.baseline_train_seconds:.2f} s")
    return line + (f"\n{t.optimizer_message}" if t.diverged else "")


def _what(t: TrainResult) -> str:
    if t.model == LEAST_SQUARES:
        return f"{t.features} features, a real-valued target"
    return f"{t.features} features, {t.classes} classes"


def train_text(t: TrainResult) -> str:
    return "\n".join([
        f"{t.derivation}: {t.model} on {t.data} ({t.samples[0]} train / {t.samples[1]} test, {_what(t)}), "
        f"{t.optimizer}, L2 {t.l2:g}",
        _gradient_check_line(t),
        _scores_line(t),
        _optimizer_line(t),
    ])


def train_markdown(t: TrainResult) -> str:
    mark = "✅" if t.gradient_check_passed else "❌"
    rows = "\n".join(f"| {i + 1} | {e:.2e} |" for i, e in enumerate(t.gradient_check))
    out = [
        f"# Training with {t.derivation}'s gradient on {t.data}", "",
        f"{t.model.capitalize()} trained with the final gradient of [{t.derivation}]({t.derivation}.md) "
        f"(final result {FINAL_MARK.get(t.final_verdict, '')} {t.final_verdict}), compiled to NumPy, "
        f"next to scikit-learn's `{t.baseline}` fitted to the same objective on the same split "
        f"({t.samples[0]} train, {t.samples[1]} test, {t.features} standardised features + intercept, "
        f"{_what(t).split(', ', 1)[1]}), L2 λ = {t.l2:g}, optimizer {t.optimizer}.", "",
        f"## Gradient check {mark}", "", _gradient_check_line(t) + ".", "",
        "| random weights | max relative error |", "|---:|---:|", rows, "",
        "## Results", "",
    ]
    if t.model == LEAST_SQUARES:
        out += ["| | derivcheck | scikit-learn | closed form |", "|---|---:|---:|---:|",
                f"| train R² | {t.train_r2:.4f} | {t.baseline_train_r2:.4f} | |",
                f"| test R² | {t.test_r2:.4f} | {t.baseline_test_r2:.4f} | {t.closed_form_test_r2:.4f} |",
                f"| training time | {t.train_seconds:.3f} s ({t.iterations} iterations) | "
                f"{t.baseline_train_seconds:.3f} s | {t.closed_form_seconds:.3f} s |", ""]
    else:
        out += ["| | derivcheck | scikit-learn |", "|---|---:|---:|",
                f"| train accuracy | {t.train_accuracy:.4f} | {t.baseline_train_accuracy:.4f} |",
                f"| test accuracy | {t.test_accuracy:.4f} | {t.baseline_test_accuracy:.4f} |",
                f"| test log-loss | {t.test_log_loss:.4f} | {t.baseline_test_log_loss:.4f} |",
                f"| training time | {t.train_seconds:.3f} s ({t.iterations} iterations) | "
                f"{t.baseline_train_seconds:.3f} s |", ""]
    if t.diverged or not t.converged:
        out += [f"{t.optimizer_message[:1].upper()}{t.optimizer_message[1:]}.", ""]
    if t.plot:
        out += ["## Loss", "", f"![training loss]({t.plot})", ""]
    return "\n".join(out)
