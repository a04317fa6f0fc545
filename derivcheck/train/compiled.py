"""A derivation's loss and final weights gradient, compiled to run on whole data sets.

The derivation is checked first; the final expression of its gradient with respect to the weights
(whatever its verdict) and its declared loss are lifted to arrays (lift.py) once per data set,
with a tape recording what depends on the weights, and the tape is compiled (plan.py). Each later
call runs the plan for new weights. The plan is validated before it is trusted: run at other
weights, it must give what interpreting the formulas afresh gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..latex import nodes as n
from ..latex.parse import parse_expression
from ..notation.header import Notation, load_notation
from ..read.source import read_document
from ..verdict.checker import Options, block_notation, check, run_inline
from ..verdict.findings import DerivationResult
from .lift import COL, ROW, Data, Lifter, Tape, recording
from .models import SOFTMAX, Kind, UntrainableError, classify
from .plan import Plan, compile_tape


class TrainError(ValueError):
    """The derivation cannot be trained (no weights target, a formula that cannot be lifted …)."""


@dataclass
class Model:
    """A derivation's loss and final weights gradient, ready to evaluate on arrays.

    ``l2`` is the value the loss's own L2 strength takes (``kind.penalty``), when it has one."""
    name: str
    notation: Notation
    loss: n.Node
    gradient: n.Node
    wrt: n.Node
    check: DerivationResult
    final_verdict: str
    kind: Kind = Kind(SOFTMAX)
    l2: float = 1.0
    _plans: dict = field(default_factory=dict, repr=False)
    _last: dict = field(default_factory=dict, repr=False)

    def weight_shape(self, features: int, classes: int) -> tuple[int, ...]:
        """Features × classes for softmax regression; one weight per feature otherwise."""
        return (features, classes) if self.kind.name == SOFTMAX else (features,)

    def data(self, X: np.ndarray, y: np.ndarray, W: np.ndarray, classes: int) -> Data:
        constants = ((self.kind.penalty, self.l2),) if self.kind.penalty else ()
        return Data(X, y, W, classes, self.kind.target, constants)

    def loss_value(self, X, y, W, classes) -> float:
        return self._hot("loss", X, y, W, classes)(W)[0]

    def gradient_value(self, X, y, W, classes) -> np.ndarray:
        return self._hot("gradient", X, y, W, classes)(W)[0]

    def loss_and_gradient(self, X, y, W, classes) -> tuple[float, np.ndarray]:
        """Both from one plan: the logits and probabilities they share are computed once."""
        loss, gradient = self._hot("both", X, y, W, classes)(W)
        return loss, gradient

    def _hot(self, which: str, X, y, W, classes):
        """The runner used last for ``which`` if the data are the same objects (a call on a small
        data set is a few microseconds: looking the plan up must cost less)."""
        hit = self._last.get(which)
        if hit is not None and hit[0] is X and hit[1] is y and hit[2] == classes and hit[3] == self.l2:
            return hit[4]
        nodes = {"loss": (self.loss,), "gradient": (self.gradient,), "both": (self.loss, self.gradient)}[which]
        run = self._runner(nodes, X, y, W, classes)
        self._last[which] = (X, y, classes, self.l2, run)
        return run

    def plan_for(self, nodes: tuple, X, y, W, classes) -> Plan | None:
        """The compiled plan that evaluates ``nodes`` on this data (None: they are interpreted)."""
        self._runner(nodes, X, y, W, classes)
        return self._plans[self._key(nodes, X, y, classes)][2]

    def _key(self, nodes: tuple, X, y, classes) -> tuple:
        return tuple(id(x) for x in nodes), id(X), id(y), classes, self.l2

    def _runner(self, nodes: tuple, X, y, W, classes):
        """A function of the weights giving ``nodes``' values on this data set, finished (a loss as
        a float, a gradient in the weights' layout): the compiled plan, or interpretation of the
        formulas when no plan could be validated. Built once per data set."""
        key = self._key(nodes, X, y, classes)
        hit = self._plans.get(key)
        if hit is not None and hit[0] is X:
            return hit[1]
        compiled = _record(self.notation, nodes, self.data(X, y, W, classes))
        plan = compiled[0] if compiled else None
        run = self._interpreter(nodes, X, y, classes) if compiled is None else self._planned(nodes, *compiled, W.shape)
        for node, value in zip(nodes, run(W)):
            if node is not self.loss and np.shape(value) != W.shape:
                raise TrainError(f"the final gradient has shape {np.shape(value)}, the weights {W.shape}")
        self._plans[key] = (X, run, plan)
        return run

    def _planned(self, nodes: tuple, plan: Plan, axes: list, shape: tuple):
        finish = [self._finish(node, names, shape) for node, names in zip(nodes, axes)]
        if all(f is _as_is for f in finish):
            return plan

        def planned(weights: np.ndarray) -> list:
            return [f(v) for f, v in zip(finish, plan(weights))]
        return planned

    def _interpreter(self, nodes: tuple, X, y, classes):
        def interpreted(weights: np.ndarray) -> list:
            lifter = Lifter(self.notation, self.data(X, y, weights, classes))
            values = [lifter.total(node) for node in nodes]
            return [self._finish(node, v.axes, weights.shape)(v.data) for node, v in zip(nodes, values)]
        return interpreted

    def _finish(self, node: n.Node, axes: tuple[str, ...], shape: tuple):
        """What turns the raw array of ``node`` into its result: a float for the loss, the
        gradient's axes put in the weights' layout (a transpose worked out once)."""
        if node is self.loss:
            if axes:
                raise TrainError(f"the loss has free indices {axes}")
            return float
        perm = weight_layout(axes, self.wrt, self.notation, shape)
        if perm == tuple(range(len(perm))):
            return _as_is
        return lambda data: np.transpose(data, perm)


def _as_is(data):
    return data


def _record(notation: Notation, nodes: tuple, data: Data) -> tuple[Plan, list] | None:
    """The compiled plan of the weight-dependent array operations, or None if it cannot be trusted.

    The lifter runs once with a tape recording what depends on the weights; the tape is compiled
    (plan.py). The plan is validated: run twice at other weights, it must give what interpreting
    the formulas afresh gives. A plan that disagrees (an operation that escaped the tape) is not used."""
    tape = Tape(data.W)
    recording(tape)
    try:
        lifter = Lifter(notation, data)
        values = [lifter.total(node) for node in nodes]
    finally:
        recording(None)
    if not all(tape.traced(v.data) for v in values):
        return None
    plan = compile_tape(tape, [v.data for v in values])
    rng = np.random.default_rng(1)
    for _ in range(2):
        other = data.W + rng.normal(0.0, 0.1, data.W.shape)
        fresh = Lifter(notation, replace(data, W=other))
        for value, again, node in zip(values, plan(other), nodes):
            if not np.allclose(again, fresh.total(node).order(value.axes), rtol=1e-9, atol=1e-12):
                return None
    return plan, [v.axes for v in values]


def compile_model(path: Path) -> Model:
    """Check the derivation, take its weights gradient and loss, and say which model they train."""
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
            loss = parse_expression(target.of)
            try:
                kind = classify(notation, loss, family)
            except UntrainableError as err:
                raise TrainError(str(err)) from None
            return Model(Path(path).stem, notation, loss, parse_expression(target.expression), wrt, result,
                         target.verdict, kind)
    raise TrainError("the notation declares no gradient with respect to weights (symbols with role: weights)")


def _wrt_family(node: n.Node, notation: Notation) -> str | None:
    base = node.base if isinstance(node, n.Scripted) else node
    return base.name if isinstance(base, n.Sym) and base.name in notation.families else None


def weight_layout(axes: tuple[str, ...], wrt: n.Node, notation: Notation, shape: tuple[int, ...]) -> tuple:
    """The transpose that puts a gradient with these axes (named by the letters of ``wrt``, or
    positional) in the weights' layout: features × classes, or one entry per feature."""
    fam = notation.families[_wrt_family(wrt, notation)]
    letters: list[str] = []
    if isinstance(wrt, n.Scripted):
        sup = wrt.sup.arg if isinstance(wrt.sup, n.Group) else None
        items = ([sup] if sup is not None else []) + list(wrt.sub or ())
        for item in items:
            letters += [f.name for f in item.factors] if isinstance(item, n.Mul) else [getattr(item, "name", "?")]
    roles = [notation.size_roles.get(notation.indices[a], "") for a in fam.axes]
    roles += [notation.size_roles.get(s, "") for s in fam.shape]
    wanted = letters + [ROW, COL][:len(roles) - len(letters)]
    expected = ["features", "classes"][:len(shape)]
    if sorted(axes) != sorted(wanted) or sorted(roles) != sorted(expected):
        raise TrainError(f"the final gradient has axes {axes}, expected {tuple(wanted)} for {fam.name}")
    order = [wanted[roles.index(role)] for role in expected]
    return tuple(axes.index(a) for a in order)
