"""How fast the compiled gradients are, and how fast training is, as ratios against baselines.

    .venv/bin/python bench/train_speed.py           # everything (several minutes)
    .venv/bin/python bench/train_speed.py --quick   # the small data sets only

1. Throughput (hand-written time ÷ compiled time; higher is better, goal ≥ 0.9) of each gradient:
   the five seeds (softmax regression) against ``X.T @ (softmax(X W) - Y)``, the logistic fixture
   against ``X.T @ (expit(X w) - y)``, the least-squares fixtures against ``X.T @ (X w - y) / N``
   and ``X.T @ (X w - y) + μ w``; on the small data sets (one BLAS thread on both sides, as in
   training) and on synthetic sets of N = 100 000 samples and 256 features (+ intercept; one BLAS
   thread, then the default threads, as training uses for a set that size). Calls alternate
   between the two sides and the best of each is kept.
2. SymPy's own code generation against the compile pass, on the same gradients: the lifted tape
   as one ``sympy.tensor.array.expressions`` expression, lambdified (bench/sympy_codegen.py).
3. Contractions: the compile pass lowers a pairwise einsum to ``np.dot`` on views; measured
   against ``np.einsum(optimize=path)`` and ``opt_einsum.contract`` (if installed).
4. Training wall time against scikit-learn's lbfgs on the same split and objective.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy.special import expit
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from derivcheck.train.compiled import Model  # noqa: E402
from derivcheck.train.lift import Lifter, Tape, recording  # noqa: E402
from derivcheck.train.train import compile_model, load_data, train, with_intercept  # noqa: E402

SEEDS = sorted((ROOT / "derivations").glob("*.md"))
FIXTURES = ROOT / "tests" / "fixtures" / "train"
LOGISTIC = FIXTURES / "logistic.md"
LEAST_SQUARES = [FIXTURES / "least_squares.md", FIXTURES / "ridge.md"]
MU = 1.0                                           # the ridge fixture's μ (the trainer's --l2)


def softmax_gradient(X: np.ndarray, Y: np.ndarray, W: np.ndarray) -> np.ndarray:
    """The hand-written softmax-regression gradient the seeds are measured against."""
    Z = X @ W
    Z -= Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return X.T @ (E / E.sum(axis=1, keepdims=True) - Y)


def hand_written(path: Path, X: np.ndarray, y: np.ndarray, classes: int):
    """The textbook NumPy gradient of ``path``'s model, as a function of the weights."""
    if path == LOGISTIC:
        return lambda W: X.T @ (expit(X @ W) - y)
    if path == LEAST_SQUARES[0]:
        return lambda W: X.T @ (X @ W - y) / X.shape[0]
    if path == LEAST_SQUARES[1]:
        return lambda W: X.T @ (X @ W - y) + MU * W
    Y = np.eye(classes)[y]
    return lambda W: softmax_gradient(X, Y, W)


def alternate(*functions, repeats: int) -> list[float]:
    """Best wall time of each function, called in turn (so all see the same machine load)."""
    return [min(times) for times in rounds(*functions, repeats=repeats)]


def rounds(*functions, repeats: int) -> list[list[float]]:
    """The wall times of each function over ``repeats`` rounds, the functions called in turn."""
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(repeats):
        for k, f in enumerate(functions):
            start = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - start)
    return times


def ratio_line(t_hand: list[float], t_ours: list[float]) -> str:
    """hand ÷ compiled: of the best times, and the median of the ratios within a round (which a
    passing burst of load on a shared machine moves less)."""
    within = float(np.median(np.asarray(t_hand) / np.asarray(t_ours)))
    return (f"hand {min(t_hand) * 1000:9.3f} ms, compiled {min(t_ours) * 1000:9.3f} ms, throughput "
            f"{min(t_hand) / min(t_ours):5.2f} (median of rounds {within:5.2f})")


def data_for(model: Model, name: str, synthetic: bool):
    """(X with intercept, targets, classes): the model's built-in data set, or a synthetic one."""
    if not synthetic:
        split = load_data(name, model.kind.task)
        return with_intercept(split.X_train), split.y_train, split.classes if model.kind.task == "classes" else 1
    rng = np.random.default_rng(0)
    X = with_intercept(rng.normal(size=(100_000, 256)))
    if model.kind.task == "classes":
        return X, rng.integers(0, 20, len(X)), 20
    if model.kind.task == "binary":
        return X, rng.integers(0, 2, len(X)).astype(float), 1
    return X, X @ rng.normal(size=X.shape[1]) + rng.normal(size=len(X)), 1


DATA = {"classes": "digits", "binary": "breast_cancer", "real": "diabetes"}


def throughput(synthetic: bool, repeats: int, threads: int | None = 1) -> None:
    where = ("synthetic N=100000, D=257" if synthetic else "digits / breast_cancer / diabetes") + \
        (", one BLAS thread" if threads == 1 else ", default BLAS threads")
    print(f"gradient throughput, {where}: hand-written ÷ compiled (best of {repeats} alternating calls)")
    cache: dict = {}
    for path in SEEDS + [LOGISTIC] + LEAST_SQUARES:
        model = compile_model(path)
        model.l2 = MU
        key = model.kind.task
        if key not in cache:
            cache[key] = data_for(model, DATA[key], synthetic)
        X, y, K = cache[key]
        W = np.random.default_rng(0).normal(0, 0.05, model.weight_shape(X.shape[1], K))
        hand = hand_written(path, X, y, K)
        assert np.allclose(hand(W), model.gradient_value(X, y, W, K), rtol=1e-7, atol=1e-7), path.name
        with threadpool_limits(limits=threads, user_api="blas"):
            t_hand, t_ours = rounds(lambda: hand(W), lambda: model.gradient_value(X, y, W, K), repeats=repeats)
        print(f"  {path.stem[:16]:16s} {model.kind.name:20s} {ratio_line(t_hand, t_ours)}")


def sympy_against_plan(repeats: int) -> None:
    """lambdify of the same lifted gradient as one SymPy array expression, against the plan."""
    from sympy_codegen import Untranslatable, sympy_gradient
    print("SymPy's code generation (lambdify of a sympy.tensor.array.expressions expression) against the "
          "compile pass, same gradients, one BLAS thread:")
    for path in SEEDS + [LOGISTIC] + LEAST_SQUARES:
        model = compile_model(path)
        model.l2 = MU
        X, y, K = data_for(model, DATA[model.kind.task], synthetic=False)
        W = np.random.default_rng(0).normal(0, 0.05, model.weight_shape(X.shape[1], K))
        start = time.perf_counter()
        model.gradient_value(X, y, W, K)                    # lift, record, compile, validate
        plan_build = time.perf_counter() - start
        tape = Tape(W)
        recording(tape)
        try:
            value = Lifter(model.notation, model.data(X, y, W, K)).total(model.gradient)
        finally:
            recording(None)
        start = time.perf_counter()
        try:
            f, fixed = sympy_gradient(tape, value.data)
        except Untranslatable as why:
            print(f"  {path.stem[:16]:16s} not translated: {why}")
            continue
        sympy_build = time.perf_counter() - start
        plan = model.plan_for((model.gradient,), X, y, W, K)
        squeezed = W.reshape([d for d in W.shape if d != 1])
        assert np.allclose(np.asarray(f(squeezed, *fixed)).reshape(np.shape(plan(W)[0])), plan(W)[0],
                           rtol=1e-7, atol=1e-7), path.name
        with threadpool_limits(limits=1, user_api="blas"):
            t_sympy, t_plan = alternate(lambda: f(squeezed, *fixed), lambda: plan(W), repeats=repeats)
        print(f"  {path.stem[:16]:16s} lambdify: build {sympy_build:5.2f} s, call {t_sympy * 1000:8.3f} ms; "
              f"compile pass: build {plan_build:5.2f} s (with the lifting), call {t_plan * 1000:8.3f} ms; "
              f"lambdify takes {t_sympy / t_plan:5.2f} × as long")


def contractions(repeats: int) -> None:
    """The gradient's contraction X.T @ G, three ways, on digits' shapes and on the synthetic ones."""
    try:
        import opt_einsum
    except ImportError:
        opt_einsum = None
    rng = np.random.default_rng(0)
    print("the gradient's contraction Σ_n x_nd g_nk (spec 'nd,kn->kd', as the lifter writes it):")
    for N, D, K, threads in ((1347, 65, 10, 1), (100_000, 257, 20, 1), (100_000, 257, 20, None)):
        X, G = rng.normal(size=(N, D)), rng.normal(size=(K, N))
        path = np.einsum_path("nd,kn->kd", X, G, optimize="greedy")[0]
        ways = {"np.dot on views (kept)": lambda: np.dot(G, X),
                "np.einsum(optimize=path)": lambda: np.einsum("nd,kn->kd", X, G, optimize=path)}
        if opt_einsum is not None:
            expression = opt_einsum.contract_expression("nd,kn->kd", X.shape, G.shape)
            ways["opt_einsum.contract_expression"] = lambda: expression(X, G)
        with threadpool_limits(limits=threads, user_api="blas"):
            times = dict(zip(ways, alternate(*ways.values(), repeats=repeats if N < 10_000 else 20)))
        print(f"  N={N}, D={D}, K={K}, {'one BLAS thread' if threads else 'default BLAS threads'}: "
              + ", ".join(f"{name} {t * 1000:.3f} ms" for name, t in times.items()))
    if opt_einsum is None:
        print("  (opt_einsum is not installed: pip install opt_einsum to measure it)")


def training(runs: int = 3) -> None:
    print(f"training (lbfgs, L2 1) against scikit-learn's lbfgs (Ridge's solver for least squares), best of "
          f"{runs} runs each:")
    for path in SEEDS + [LOGISTIC] + LEAST_SQUARES:
        results = [train(path, check_points=1, data="digits" if path in SEEDS else None) for _ in range(runs)]
        r = results[0]
        ours, theirs = min(x.train_seconds for x in results), min(x.baseline_train_seconds for x in results)
        scores = (f"test R² {r.test_r2:.4f} vs {r.baseline_test_r2:.4f}" if r.test_r2 is not None
                  else f"test accuracy {r.test_accuracy:.4f} vs {r.baseline_test_accuracy:.4f}")
        print(f"  {path.stem[:16]:16s} on {r.data:13s} {ours:.4f} s vs {theirs:.4f} s = {ours / theirs:5.2f} × "
              f"scikit-learn's time ({r.iterations} iterations, compiled once in {r.compile_seconds:.3f} s); {scores}")


def main() -> None:
    quick = "--quick" in sys.argv
    throughput(synthetic=False, repeats=300)
    sympy_against_plan(repeats=100)
    contractions(repeats=50 if quick else 200)
    if not quick:
        throughput(synthetic=True, repeats=15, threads=1)
        throughput(synthetic=True, repeats=15, threads=None)
    training()


if __name__ == "__main__":
    main()
