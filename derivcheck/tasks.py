"""The units of work that run under a time limit, and how a worker carries them out.

The checker (checker.py) never evaluates math itself: it sends a Task and gets back a Result. A
worker process (worker.py) runs tasks with a time and memory limit; tests and small jobs can run
them in-process with ``run_task``. Tasks carry text, not parsed nodes, so a killed worker loses
nothing but its caches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import nodes as n
from .decide import Context, Outcome, compare
from .evaluate import EvaluationError
from .findings import Repair
from .notation import Notation, NotationError, load_notation, parse_condition
from .parse import LatexError, MalformedDerivative, parse_expression


@dataclass(frozen=True)
class Spec:
    """Which notation a task runs under: the header, a block's overrides, the sizes asked for."""
    document: str
    header: Any
    overrides: Any
    sizes: tuple[tuple[str, int], ...]

    @property
    def key(self) -> tuple:
        return (self.document, repr(self.header), repr(self.overrides), self.sizes)


@dataclass(frozen=True)
class Task:
    kind: str                       # "compare" | "repair"
    spec: Spec
    lhs: str
    rhs: str
    relation: str = "="
    assume: tuple[str, ...] = ()
    target: str | None = None       # for "repair": the expression the step should equal
    rhs_original: str | None = None # for "repair": the text edits are made on


@dataclass
class Result:
    outcome: Outcome | None = None
    repair: Repair | None = None
    failure: str | None = None      # "unsupported" | "garbled" | "time" | "memory"
    message: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


_CONTEXTS: dict[tuple, Context] = {}


def notation_for(spec: Spec) -> Notation:
    base = load_notation(spec.header, dict(spec.sizes))
    return base.with_overrides(spec.overrides) if spec.overrides else base


def context_for(spec: Spec) -> Context:
    """One Context per notation, kept for the life of the process (the caches are the point)."""
    key = spec.key
    if key not in _CONTEXTS:
        if len(_CONTEXTS) > 64:
            _CONTEXTS.clear()
        _CONTEXTS[key] = Context(notation_for(spec))
    return _CONTEXTS[key]


def run_task(task: Task) -> Result:
    """Carry out one task here and now; every failure becomes a Result, never an exception."""
    try:
        ctx = context_for(task.spec)
        before = len(ctx.notes)
        lhs, rhs = parse_expression(task.lhs), parse_expression(task.rhs)
        assume = tuple(parse_condition(a) for a in task.assume)
        if task.kind == "compare":
            result = Result(outcome=compare(ctx, lhs, rhs, task.relation, assume))
            result.notes = ctx.notes[before:] + label_claims(ctx, rhs, assume)
        elif task.kind == "repair":
            from .repair import search
            target = parse_expression(task.target) if task.target else lhs
            result = Result(repair=search(ctx, target, rhs, task.rhs_original or task.rhs, task.relation, assume))
        else:
            raise ValueError(f"unknown task {task.kind}")
        if task.kind != "compare":
            result.notes = ctx.notes[before:]
        return result
    except MalformedDerivative as err:
        return Result(failure="garbled", message=str(err))
    except LatexError as err:
        return Result(failure="garbled", message=str(err))
    except EvaluationError as err:
        return Result(failure=err.kind, message=str(err))
    except NotationError as err:
        return Result(failure="unsupported", message=f"notation: {err}")
    except RecursionError:
        return Result(failure="unsupported", message="the expression is nested too deeply to evaluate")
    except (ArithmeticError, ValueError, TypeError, AttributeError, KeyError, IndexError, NotImplementedError) as err:
        return Result(failure="unsupported", message=f"the engine could not evaluate this step ({type(err).__name__}: {err})")


_CLAIM = re.compile(r"(?:sums? to|equals?|is|=)\s*(-?\d+)\s*$", re.I)


def label_claims(ctx: Context, node: n.Node, assume: tuple) -> list[str]:
    """Notes for ``\\underbrace{…}_{\\text{sums to 1}}`` labels whose expression is not that number."""
    notes = []
    for brace in (x for x in n.walk(node) if isinstance(x, n.Underbrace)):
        claim = _CLAIM.search(brace.label.strip())
        if not claim:
            continue
        try:
            outcome = compare(ctx, brace.body, n.Num(claim.group(1)), "=", assume)
        except (EvaluationError, ValueError, TypeError, ArithmeticError):
            continue
        if outcome.status in ("refuted", "shape"):
            notes.append(f"the label “{brace.label}” stands under an expression that is not "
                         f"{claim.group(1)}: it seems to belong to another term")
    return notes


def parses(text: str) -> n.Node | LatexError:
    """The node for ``text``, or the error that says why it cannot be read."""
    try:
        return parse_expression(text)
    except LatexError as err:
        return err
