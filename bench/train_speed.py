"""How fast the compiled gradients are, and how fast training is, as ratios against baselines.

    .venv/bin/python bench/train_speed.py           # everything (a few minutes)
    .venv/bin/python bench/train_speed.py --quick   # digits only

1. Throughput of each seed's compiled gradient against a hand-written ``X.T @ (softmax(X W) - Y)``,
   on digits and on a synthetic N=100k, D=256, K=20 set (best of several calls each; goal ≥ 0.9).
2. The two ways to compile the issue names, on iris for derivation 000: lifting the index form to
   arrays (what derivcheck keeps) and ``lambdify(cse=True)`` over sample-shaped arrays (one function
   per class label, symbols renamed to safe names first). Build time and call time.
3. Training wall time against scikit-learn's lbfgs on the same split and objective.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from derivcheck.train.train import compile_model, load_data, softmax_probabilities, train, with_intercept  # noqa: E402

SEEDS = sorted((ROOT / "derivations").glob("*.md"))


def best_of(f, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - start)
    return best


def throughput(name: str, X: np.ndarray, y: np.ndarray, K: int, repeats: int) -> None:
    Y = np.eye(K)[y]
    W = np.random.default_rng(0).normal(0, 0.05, (X.shape[1], K))
    hand = best_of(lambda: X.T @ (softmax_probabilities(X, W) - Y), repeats)
    print(f"{name}: N={X.shape[0]}, D={X.shape[1]}, K={K}; hand-written gradient {hand * 1000:.3f} ms")
    for path in SEEDS:
        model = compile_model(path)
        model.gradient_value(X, y, W, K)                      # records and validates the plan
        ours = best_of(lambda: model.gradient_value(X, y, W + 1e-3, K), repeats)
        print(f"  {path.stem[:3]}: {ours * 1000:9.3f} ms, throughput ratio {hand / ours:.2f}")


def compile_options() -> None:
    """derivcheck's lifted plan against lambdify(cse=True) per class label, for 000 on iris."""
    import sympy as sp
    from derivcheck.verdict.decide import Context
    from derivcheck.notation.header import load_notation
    from derivcheck.latex.parse import parse_expression
    from derivcheck.read.source import read_document
    split = load_data("iris")
    X, y, K = with_intercept(split.X_train), split.y_train, split.classes
    D = X.shape[1]
    path = SEEDS[0]
    W = np.random.default_rng(0).normal(0, 0.5, (D, K))

    start = time.perf_counter()
    model = compile_model(path)
    model.gradient_value(X, y, W, K)
    lift_build = time.perf_counter() - start
    lift_call = best_of(lambda: model.gradient_value(X, y, W + 1e-3, K), 50)

    start = time.perf_counter()
    header = read_document(str(path), path.read_text()).header
    ctx = Context(load_notation(header, {"K": K, "D": D}))
    final = parse_expression(r"(g_j(\boldsymbol{z}) - y_j) \cdot x_i")
    functions = []
    for c in range(1, K + 1):
        entries = [ctx.value(final, {"i": i, "j": j}, ((("y",), c),)) for i in range(1, D + 1) for j in range(1, K + 1)]
        symbols = sorted(set().union(*(e.free_symbols for e in entries)), key=str)
        safe = {s: sp.Symbol(f"v{k}") for k, s in enumerate(symbols)}      # names never come from the text
        functions.append((symbols, sp.lambdify(list(safe.values()), [e.xreplace(safe) for e in entries],
                                               modules="numpy", cse=True)))
    lambdify_build = time.perf_counter() - start

    def lambdified() -> np.ndarray:
        grad = np.zeros((D, K))
        for c, (symbols, f) in enumerate(functions):
            rows = X[y == c]
            args = []
            for s in symbols:
                name = str(s)
                if name.startswith("x_"):
                    args.append(rows[:, int(name[3:-1]) - 1])
                else:
                    i, j = map(int, name[name.index("{") + 1:-1].split(","))
                    args.append(W[i - 1, j - 1])
            values = f(*args)
            grad += np.array([np.sum(v) for v in values]).reshape(D, K)
        return grad

    assert np.allclose(lambdified(), model.gradient_value(X, y, W, K))
    lambdify_call = best_of(lambdified, 20)
    print(f"compiling 000's gradient on iris (D={D}, K={K}):")
    print(f"  lifted to arrays (kept):        build {lift_build:6.2f} s, call {lift_call * 1000:8.3f} ms")
    print(f"  lambdify(cse=True) per label:   build {lambdify_build:6.2f} s, call {lambdify_call * 1000:8.3f} ms "
          f"= {lambdify_call / lift_call:.1f} × slower; its build grows with D×K×K expressions")


def training() -> None:
    print("training on digits (lbfgs, L2 1) against scikit-learn's lbfgs:")
    for path in SEEDS:
        r = train(path, data="digits", check_points=1)
        print(f"  {path.stem[:3]}: {r.train_seconds:.2f} s vs {r.baseline_train_seconds:.2f} s = "
              f"{r.train_seconds / r.baseline_train_seconds:.1f} × scikit-learn's time; test accuracy "
              f"{r.test_accuracy:.4f} vs {r.baseline_test_accuracy:.4f}")


def main() -> None:
    from threadpoolctl import threadpool_limits
    digits = load_data("digits")
    with threadpool_limits(limits=1, user_api="blas"):   # as in training: small products, one thread
        throughput("digits (one BLAS thread, both sides)", with_intercept(digits.X_train), digits.y_train,
                   digits.classes, 200)
    if "--quick" not in sys.argv:
        rng = np.random.default_rng(0)
        N, D, K = 100_000, 256, 20
        throughput("synthetic", with_intercept(rng.normal(size=(N, D))), rng.integers(0, K, N), K, 5)
        compile_options()
        training()


if __name__ == "__main__":
    main()
