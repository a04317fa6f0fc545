"""Train softmax regression with a derivation's own final gradient, next to scikit-learn.

The derivation is checked first; the final expression of its weights gradient (whatever its
verdict) and its declared loss are lifted to arrays (lift.py) and handed to SciPy's L-BFGS (or
plain gradient descent). The model is the derivation's: inputs get a constant feature so the
weights carry the intercept (excluded from the L2 term, as in scikit-learn). A central-difference
check of the compiled gradient against the lifted loss, at the data's real size, says whether the
formula is the loss's gradient, and by how much it is not.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..latex import nodes as n
from ..verdict.checker import Options, block_notation, check, run_inline
from ..verdict.findings import DerivationResult
from .lift import COL, ROW, Arr, Data, Lifter, LiftError, Tape, recording
from .plan import Plan, compile_tape
from ..notation.header import Notation, load_notation
from ..latex.parse import parse_expression
from ..read.source import read_document

DATASETS = ("iris", "wine", "digits")
GRADIENT_TOLERANCE = 1e-6
#: Below this many (samples × features × classes), BLAS runs on one thread (see train()).
SMALL_PROBLEM = 20_000_000


class TrainError(ValueError):
    """The derivation cannot be trained (no weights target, a formula that cannot be lifted …)."""


@dataclass
class Split:
    name: str
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    classes: int


def load_data(spec: str, seed: int = 0) -> Split:
    """iris, wine, digits (shipped with scikit-learn) or a CSV whose last column is the label.
    Features are standardised on the training part; the split is stratified with a fixed seed."""
    from sklearn import datasets
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import LabelEncoder, StandardScaler
    if spec in DATASETS:
        bunch = getattr(datasets, f"load_{spec}")()
        X, labels, name = bunch.data.astype(float), bunch.target, spec
    else:
        path = Path(spec)
        if not path.is_file():
            raise TrainError(f"--data {spec}: not a dataset ({', '.join(DATASETS)}) nor a CSV file")
        X, labels = _read_csv(path)
        name = path.name
    y = LabelEncoder().fit_transform(labels)
    classes = int(y.max()) + 1
    if classes < 2:
        raise TrainError(f"{name}: at least two classes are needed")
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return Split(name, scaler.transform(X_train), scaler.transform(X_test), y_train, y_test, classes)


def _read_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    import csv
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle) if r]
    if rows and not _numeric(rows[0][:-1]):
        rows = rows[1:]  # a header line
    if not rows or any(len(r) != len(rows[0]) for r in rows) or len(rows[0]) < 2:
        raise TrainError(f"{path}: expected rows of numbers with the label in the last column")
    try:
        X = np.array([[float(v) for v in r[:-1]] for r in rows])
    except ValueError as err:
        raise TrainError(f"{path}: {err}") from None
    return X, np.array([r[-1] for r in rows])


def _numeric(values: list[str]) -> bool:
    try:
        [float(v) for v in values]
        return True
    except ValueError:
        return False


def with_intercept(X: np.ndarray) -> np.ndarray:
    return np.hstack([X, np.ones((X.shape[0], 1))])


# ----------------------------------------------------------------------------- the compiled model

@dataclass
class Model:
    """A derivation's loss and final weights gradient, ready to evaluate on arrays."""
    name: str
    notation: Notation
    loss: n.Node
    gradient: n.Node
    wrt: n.Node
    check: DerivationResult
    final_verdict: str
    _plans: dict = field(default_factory=dict, repr=False)

    def loss_value(self, X, y, W, classes) -> float:
        return self._scalar(self._evaluate((self.loss,), X, y, W, classes)[0])

    def gradient_value(self, X, y, W, classes) -> np.ndarray:
        value = self._evaluate((self.gradient,), X, y, W, classes)[0]
        return to_weight_layout(value, self.wrt, self.notation, W.shape)

    def loss_and_gradient(self, X, y, W, classes) -> tuple[float, np.ndarray]:
        """Both from one plan: the logits and probabilities they share are computed once."""
        loss, gradient = self._evaluate((self.loss, self.gradient), X, y, W, classes)
        return self._scalar(loss), to_weight_layout(gradient, self.wrt, self.notation, W.shape)

    @staticmethod
    def _scalar(value: Arr) -> float:
        if value.axes:
            raise TrainError(f"the loss has free indices {value.axes}")
        return float(value.data)

    def _evaluate(self, nodes: tuple, X, y, W, classes) -> list[Arr]:
        """The lifted values at weights W: by running the compiled plan for this dataset, or by
        interpreting the formulas when no plan could be validated."""
        key = (tuple(id(x) for x in nodes), id(X), id(y), classes)
        plan = self._plans.get(key)
        if plan is None or plan[0] is not X:
            plan = self._plans[key] = (X, _record(self.notation, nodes, X, y, W, classes))
        compiled = plan[1]
        if compiled is None:
            lifter = Lifter(self.notation, Data(X, y, W, classes))
            return [lifter.total(node) for node in nodes]
        run, axes = compiled
        return [Arr(data, names) for data, names in zip(run(W), axes)]


def _record(notation: Notation, nodes: tuple, X, y, W, classes) -> tuple[Plan, list] | None:
    """The compiled plan of the weight-dependent array operations, or None if it cannot be trusted.

    The lifter runs once with a tape recording what depends on the weights; the tape is compiled
    (plan.py). The plan is validated: run twice at other weights, it must give what interpreting
    the formulas afresh gives. A plan that disagrees (an operation that escaped the tape) is not used."""
    tape = Tape(W)
    recording(tape)
    try:
        lifter = Lifter(notation, Data(X, y, W, classes))
        values = [lifter.total(node) for node in nodes]
    finally:
        recording(None)
    if not all(tape.traced(v.data) for v in values):
        return None
    plan = compile_tape(tape, [v.data for v in values])
    rng = np.random.default_rng(1)
    for _ in range(2):
        other = W + rng.normal(0.0, 0.1, W.shape)
        fresh = Lifter(notation, Data(X, y, other, classes))
        for value, again, node in zip(values, plan(other), nodes):
            if not np.allclose(again, fresh.total(node).order(value.axes), rtol=1e-9, atol=1e-12):
                return None
    return plan, [v.axes for v in values]


def compile_model(path: Path) -> Model:
    """Check the derivation and take its weights gradient and loss."""
    doc = read_document(str(path), path.read_text(encoding="utf-8"))
    result = run_inline(check(doc, Options()))
    if result.error:
        raise TrainError(result.error)
    for target in result.final.targets:
        notation = block_notation(doc, target.block) if target.block is not None else load_notation(doc.header or {})
        wrt = parse_expression(target.wrt)
        family = _wrt_family(wrt, notation)
        if family is not None and notation.families[family].role == "weights":
            if target.expression is None:
                raise TrainError(f"the gradient with respect to {target.wrt} has no final expression to compile")
            return Model(Path(path).stem, notation, parse_expression(target.of),
                         parse_expression(target.expression), wrt, result, target.verdict)
    raise TrainError("the notation declares no gradient with respect to weights (symbols with role: weights)")


def _wrt_family(node: n.Node, notation: Notation) -> str | None:
    base = node.base if isinstance(node, n.Scripted) else node
    return base.name if isinstance(base, n.Sym) and base.name in notation.families else None


def to_weight_layout(value: Arr, wrt: n.Node, notation: Notation, shape: tuple[int, int]) -> np.ndarray:
    """The gradient's axes (named by the letters of ``wrt``, or positional) as a features × classes array."""
    fam = notation.families[_wrt_family(wrt, notation)]
    letters: list[str] = []
    if isinstance(wrt, n.Scripted):
        sup = wrt.sup.arg if isinstance(wrt.sup, n.Group) else None
        items = ([sup] if sup is not None else []) + list(wrt.sub or ())
        for item in items:
            letters += [f.name for f in item.factors] if isinstance(item, n.Mul) else [getattr(item, "name", "?")]
    roles = [notation.size_roles.get(notation.indices[a], "") for a in fam.axes]
    roles += [notation.size_roles.get(s, "") for s in fam.shape]
    axes = letters + [ROW, COL][:len(roles) - len(letters)]
    if sorted(value.axes) != sorted(axes) or sorted(roles) != ["classes", "features"]:
        raise TrainError(f"the final gradient has axes {value.axes}, expected {tuple(axes)} for {fam.name}")
    ordered = value.order(tuple(axes))
    grad = ordered if roles == ["features", "classes"] else ordered.T
    if grad.shape != shape:
        raise TrainError(f"the final gradient has shape {grad.shape}, the weights {shape}")
    return grad


# ----------------------------------------------------------------------------- training

@dataclass
class Fit:
    W: np.ndarray
    losses: list[float]
    iterations: int
    seconds: float
    converged: bool


def fit(model: Model, X: np.ndarray, y: np.ndarray, classes: int, l2: float, optimizer: str = "lbfgs",
        max_iter: int = 1000, lr: float = 0.5) -> Fit:
    """Minimise Σ loss + (l2/2)‖W‖² (the intercept row not penalised) with the derivation's gradient."""
    D = X.shape[1]
    penalty = np.ones((D, classes))
    penalty[-1] = 0.0
    losses: list[float] = []

    last: dict = {}

    def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
        W = w.reshape(D, classes)
        loss, grad = model.loss_and_gradient(X, y, W, classes)
        value = loss + 0.5 * l2 * float(np.sum(penalty * W * W))
        last["w"], last["value"] = w, value
        return value, (grad + l2 * penalty * W).ravel()

    def progress(w: np.ndarray) -> None:
        losses.append(last["value"] if np.array_equal(last.get("w"), w) else objective(w)[0])

    start = time.perf_counter()
    w0 = np.zeros(D * classes)
    if optimizer == "lbfgs":
        from scipy.optimize import minimize
        result = minimize(objective, w0, jac=True, method="L-BFGS-B", callback=progress,
                          options={"maxiter": max_iter, "gtol": 1e-6, "ftol": 1e-12})
        w, iterations, converged = result.x, result.nit, bool(result.success)
    elif optimizer == "gd":
        w, iterations, converged = w0, 0, False
        step = lr / X.shape[0]
        for iterations in range(1, max_iter + 1):
            value, grad = objective(w)
            losses.append(value)
            w = w - step * grad
            if np.max(np.abs(grad)) < 1e-6 * X.shape[0]:
                converged = True
                break
    else:
        raise TrainError(f"unknown optimizer {optimizer!r} (lbfgs or gd)")
    return Fit(w.reshape(D, classes), losses, iterations, time.perf_counter() - start, converged)


def gradient_check(model: Model, X: np.ndarray, y: np.ndarray, classes: int, points: int = 3,
                   seed: int = 0, step: float = 1e-5) -> list[float]:
    """Max relative error of the compiled gradient against central differences of the lifted loss,
    at ``points`` random weights: max |g - fd| over the entries, divided by the largest |g| or |fd|."""
    rng = np.random.default_rng(seed)
    errors = []
    for _ in range(points):
        W = rng.normal(0.0, 0.5, size=(X.shape[1], classes))
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


def softmax_probabilities(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    Z = X @ W
    Z -= Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


# ----------------------------------------------------------------------------- a run

@dataclass
class TrainResult:
    derivation: str
    data: str
    optimizer: str
    l2: float
    final_verdict: str
    gradient_check: list[float]
    gradient_check_passed: bool
    train_accuracy: float
    test_accuracy: float
    test_log_loss: float
    baseline_train_accuracy: float
    baseline_test_accuracy: float
    baseline_test_log_loss: float
    train_seconds: float
    baseline_train_seconds: float
    iterations: int
    converged: bool
    losses: list[float] = field(repr=False, default_factory=list)
    samples: tuple[int, int] = (0, 0)
    features: int = 0
    classes: int = 0
    plot: str | None = None

    @property
    def gradient_check_max_rel_error(self) -> float:
        return max(self.gradient_check)


def train(path: Path, data: str = "iris", optimizer: str = "lbfgs", l2: float = 1.0, check_points: int = 3,
          seed: int = 0) -> TrainResult:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, log_loss
    if l2 <= 0:
        raise TrainError("--l2 must be positive (it is 1/C for scikit-learn's LogisticRegression)")
    from threadpoolctl import threadpool_limits
    model = compile_model(path)
    split = load_data(data, seed)
    X_train, X_test = with_intercept(split.X_train), with_intercept(split.X_test)
    K = split.classes
    # On small problems BLAS threads spin between tiny products and slow everything down; both
    # fits run under the same limit.
    threads = 1 if X_train.size * K < SMALL_PROBLEM else None
    with threadpool_limits(limits=threads, user_api="blas"):
        try:
            errors = gradient_check(model, X_train, split.y_train, K, check_points, seed)
            fitted = fit(model, X_train, split.y_train, K, l2, optimizer)
        except LiftError as err:
            raise TrainError(f"the final gradient cannot be compiled: {err}") from None
        baseline = LogisticRegression(C=1.0 / l2, max_iter=5000, tol=1e-8)
        start = time.perf_counter()
        baseline.fit(split.X_train, split.y_train)
        baseline_seconds = time.perf_counter() - start
    p_train, p_test = softmax_probabilities(X_train, fitted.W), softmax_probabilities(X_test, fitted.W)
    return TrainResult(
        derivation=model.name, data=split.name, optimizer=optimizer, l2=l2, final_verdict=model.final_verdict,
        gradient_check=errors, gradient_check_passed=max(errors) < GRADIENT_TOLERANCE,
        train_accuracy=float(accuracy_score(split.y_train, p_train.argmax(1))),
        test_accuracy=float(accuracy_score(split.y_test, p_test.argmax(1))),
        test_log_loss=float(log_loss(split.y_test, p_test, labels=range(K))),
        baseline_train_accuracy=float(baseline.score(split.X_train, split.y_train)),
        baseline_test_accuracy=float(baseline.score(split.X_test, split.y_test)),
        baseline_test_log_loss=float(log_loss(split.y_test, baseline.predict_proba(split.X_test), labels=range(K))),
        train_seconds=fitted.seconds, baseline_train_seconds=baseline_seconds, iterations=fitted.iterations,
        converged=fitted.converged, losses=fitted.losses,
        samples=(len(split.y_train), len(split.y_test)), features=split.X_train.shape[1], classes=K)


def plot_losses(result: TrainResult, path: Path) -> str | None:
    """The training loss curve as a PNG (matplotlib, no display needed); its file name, or None."""
    if not result.losses:
        return None
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.4), dpi=100)
    ax.plot(range(1, len(result.losses) + 1), result.losses, color="#1f77b4")
    ax.set_xlabel("iteration")
    ax.set_ylabel("training loss (sum) + L2")
    ax.set_title(f"{result.derivation} on {result.data} ({result.optimizer})")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(path)
    return path.name
