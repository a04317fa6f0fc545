"""The compile pass: a recorded tape becomes a short plan of NumPy calls.

Recording (arrays.Tape) keeps every weight-dependent array operation the lifter ran, in order,
with the fixed arrays it read. Replayed literally, it repeats work: the loss and the gradient each
compute the logits, a softmax is a reciprocal then a product, an einsum pays NumPy's path machinery
on every call. This pass rewrites the tape before it is ever replayed:

* share: identical operations on identical inputs become one (common sub-expressions);
* views: a reshape that adds unit axes followed by a transpose that only moves them is one reshape;
* reciprocals: ``e * (1 / s)`` becomes ``e / s`` (one pass over e, none over 1/s);
* lower: an einsum that is a matrix product becomes ``np.dot`` on transposed views of its
  operands (the BLAS call a hand-written ``X.T @ G`` makes, without einsum's per-call planning);
  a longer one is split along its planned path into such products; what is left runs in NumPy's C
  einsum;
* prune: what no output needs is dropped;
* reuse: an elementwise step writes into an input that dies there (``out=``), so a call allocates
  few arrays of the data's size.

The result is a list of steps that call NumPy functions through closures; no code is generated and
no name from the derivation reaches anything but a dictionary key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from .arrays import Tape


class Ref(NamedTuple):
    """An argument that is the value of another step (slot 0: the weights)."""
    slot: int


@dataclass
class Step:
    func: Callable
    args: list
    kwargs: dict
    out: int

    def refs(self) -> list[int]:
        return [a.slot for a in (*self.args, *self.kwargs.values()) if isinstance(a, Ref)]


@dataclass
class Program:
    """The steps, the recorded result of each slot (its shape, and whether it owns its memory),
    and the slots the caller wants back."""
    steps: list[Step]
    recorded: dict[int, object]
    outputs: list[int]


def compile_tape(tape: Tape, outputs: list) -> "Plan":
    """The plan that computes ``outputs`` (arrays recorded on ``tape``) for new weights."""
    steps = [Step(func, [Ref(v) if is_slot else v for is_slot, v in refs],
                  {k: Ref(v) if is_slot else v for k, (is_slot, v) in kwrefs.items()}, slot)
             for func, refs, kwrefs, slot in tape.steps]
    program = Program(steps, dict(enumerate(tape.keep)), [tape.slots[id(o)] for o in outputs])
    for rewrite in (share, fuse_views, prune, fold_reciprocals, lower, prune, reuse):
        rewrite(program)
    return Plan(program)


# ----------------------------------------------------------------------------- rewrites

def share(p: Program) -> None:
    """One step for each distinct operation: a later duplicate's uses read the first one."""
    seen: dict[tuple, int] = {}
    alias: dict[int, int] = {}
    kept = []
    for step in p.steps:
        _rename(step, alias)
        key = (step.func, tuple(_key(a) for a in step.args),
               tuple(sorted((k, _key(v)) for k, v in step.kwargs.items())))
        if key in seen:
            alias[step.out] = seen[key]
            continue
        seen[key] = step.out
        kept.append(step)
    p.outputs = [alias.get(o, o) for o in p.outputs]
    p.steps = kept


def fuse_views(p: Program) -> None:
    """reshape(x, shape + (1, …)) then transpose(·, perm) that keeps x's axes in order: one reshape."""
    producer = {s.out: s for s in p.steps}
    for step in p.steps:
        if step.func is np.transpose and isinstance(step.args[0], Ref):
            inner = producer.get(step.args[0].slot)
            source = inner.args[0] if inner is not None and inner.func is np.reshape else None
            if isinstance(source, Ref) and _only_adds_unit_axes(p, source.slot, inner.out) \
                    and _keeps_order(np.shape(p.recorded[source.slot]), step.args[1]):
                step.func, step.args, step.kwargs = np.reshape, [source, np.shape(p.recorded[step.out])], {}


def fold_reciprocals(p: Program) -> None:
    """e * view(1 / s), the reciprocal used nowhere else: e / view(s)."""
    producer = {s.out: s for s in p.steps}
    uses = _uses(p)
    for step in p.steps:
        if step.func is not np.multiply or len(step.args) != 2 or step.kwargs:
            continue
        for position in (0, 1):
            chain = _view_chain(step.args[position], producer, uses)
            if chain is None:
                continue
            reciprocal = producer.get(chain[-1])
            if reciprocal is None or reciprocal.func is not np.divide or uses[reciprocal.out] != 1 \
                    or not _is_one(reciprocal.args[0]) or reciprocal.kwargs:
                continue
            first_view = producer[chain[-2]] if len(chain) > 1 else step
            first_view.args[0 if first_view is not step else position] = reciprocal.args[1]
            other = step.args[1 - position]
            step.func, step.args = np.divide, [other, step.args[position]]
            break


def lower(p: Program) -> None:
    """einsum → np.dot on views where it is a matrix product; longer einsums split along their path."""
    out: list[Step] = []
    next_slot = max(p.recorded) + 1
    for step in p.steps:
        if step.func is not np.einsum:
            out.append(step)
            continue
        if len(step.args) > 3:
            pieces, next_slot = _split(step, p, next_slot)
            out += [_lowered(piece, p) for piece in pieces]
        else:
            out.append(_lowered(step, p))
    p.steps = out


def prune(p: Program) -> None:
    """Only the steps some output needs."""
    needed = set(p.outputs)
    kept = []
    for step in reversed(p.steps):
        if step.out in needed:
            kept.append(step)
            needed.update(step.refs())
    p.steps = kept[::-1]


def reuse(p: Program) -> None:
    """An elementwise step writes into an input of its own shape and type that its own call
    allocated (not the weights, not a fixed array) and that nothing reads afterwards, through any
    view of it; outputs are never written into."""
    _dry_run(p)
    base: dict[int, int] = {0: 0}              # slot → the slot whose memory it shares
    whole: set[int] = set()                    # slots that hold a whole array of their own
    for step in p.steps:
        rec = p.recorded[step.out]
        first = next((a.slot for a in step.args if isinstance(a, Ref)), None)
        if isinstance(rec, np.ndarray) and rec.flags.owndata:
            base[step.out] = step.out
            whole.add(step.out)
        else:
            base[step.out] = _root(base, first) if isinstance(rec, np.ndarray) and first is not None else step.out
    last_use: dict[int, int] = {}
    for i, step in enumerate(p.steps):
        for r in step.refs():
            last_use[_root(base, r)] = i
    for i, step in enumerate(p.steps):
        if not isinstance(step.func, np.ufunc) or step.func.signature is not None or "out" in step.kwargs \
                or step.func.nout != 1:                 # elementwise only (np.matmul is a ufunc too)
            continue
        rec = p.recorded[step.out]
        ending = {_root(base, o) for o in p.outputs} | {0}
        for arg in step.args:
            if not isinstance(arg, Ref) or arg.slot not in whole:
                continue
            root = _root(base, arg.slot)
            held = p.recorded[arg.slot]
            if root not in ending and last_use.get(root) == i and isinstance(rec, np.ndarray) \
                    and held.shape == rec.shape and held.dtype == rec.dtype:
                step.kwargs = {**step.kwargs, "out": arg}
                last_use[root] = last_use.get(step.out, i)
                base[step.out] = root                  # the same memory, now holding this step
                whole.add(step.out)
                break


def _dry_run(p: Program) -> None:
    """The rewritten steps, run once at the recorded weights: which results own their memory is
    what the steps now do (a lowered einsum allocates; the einsum it replaced returned a view)."""
    values = dict(p.recorded)
    for step in p.steps:
        args = [values[a.slot] if isinstance(a, Ref) else a for a in step.args]
        kwargs = {k: values[v.slot] if isinstance(v, Ref) else v for k, v in step.kwargs.items()}
        values[step.out] = p.recorded[step.out] = step.func(*args, **kwargs)


# ----------------------------------------------------------------------------- the plan

class Plan:
    """The compiled steps, run for new weights: each step a closure over the slots it reads."""

    def __init__(self, program: Program):
        self.size = max([0] + [s.out for s in program.steps] + program.outputs) + 1
        self.outputs = program.outputs
        self.runs = [_closure(step) for step in program.steps]
        self.steps = program.steps

    def __call__(self, root: np.ndarray) -> list:
        values: list = [None] * self.size
        values[0] = root
        for run in self.runs:
            run(values)
        return [values[o] for o in self.outputs]

    def describe(self) -> list[str]:
        """One line per step (for the benchmark and for reading a plan)."""
        def show(a):
            if isinstance(a, Ref):
                return f"#{a.slot}"
            if isinstance(a, np.ndarray):
                return f"fixed{a.shape}"
            return repr(a)
        return [f"#{s.out} = {getattr(s.func, '__name__', s.func)}("
                + ", ".join([show(a) for a in s.args] + [f"{k}={show(v)}" for k, v in s.kwargs.items()]) + ")"
                for s in self.steps]


def _closure(step: Step) -> Callable[[list], None]:
    """``values[out] = func(args…)`` with the slots read from ``values``: a closure specialised to
    one or two arguments (and an ``out=``), since a plan on a small dataset is a few hundred
    microseconds and a generic call would add a tenth to it."""
    func, out = step.func, step.out
    kw = {k: v for k, v in step.kwargs.items() if k != "out"}
    into = step.kwargs.get("out")
    w = into.slot if isinstance(into, Ref) else None
    if any(isinstance(v, Ref) for v in kw.values()) or len(step.args) > 2 or not step.args:
        return _general(step)
    if len(step.args) == 1:
        a = step.args[0]
        if not isinstance(a, Ref):
            return _general(step)
        if w is None:
            def unary(v, f=func, a=a.slot, o=out, kw=kw):
                v[o] = f(v[a], **kw)
            return unary

        def unary_into(v, f=func, a=a.slot, o=out, w=w, kw=kw):
            v[o] = f(v[a], out=v[w], **kw)
        return unary_into
    x, y = step.args
    if isinstance(x, Ref) and isinstance(y, Ref):
        if w is None:
            def both(v, f=func, x=x.slot, y=y.slot, o=out, kw=kw):
                v[o] = f(v[x], v[y], **kw)
            return both

        def both_into(v, f=func, x=x.slot, y=y.slot, o=out, w=w, kw=kw):
            v[o] = f(v[x], v[y], out=v[w], **kw)
        return both_into
    if isinstance(x, Ref):
        if w is None:
            def first(v, f=func, x=x.slot, c=y, o=out, kw=kw):
                v[o] = f(v[x], c, **kw)
            return first

        def first_into(v, f=func, x=x.slot, c=y, o=out, w=w, kw=kw):
            v[o] = f(v[x], c, out=v[w], **kw)
        return first_into
    if isinstance(y, Ref):
        if w is None:
            def second(v, f=func, c=x, y=y.slot, o=out, kw=kw):
                v[o] = f(c, v[y], **kw)
            return second

        def second_into(v, f=func, c=x, y=y.slot, o=out, w=w, kw=kw):
            v[o] = f(c, v[y], out=v[w], **kw)
        return second_into
    return _general(step)


def _general(step: Step) -> Callable[[list], None]:
    func, out, template = step.func, step.out, list(step.args)
    refs = [(i, a.slot) for i, a in enumerate(step.args) if isinstance(a, Ref)]
    kwrefs = {k: v.slot for k, v in step.kwargs.items() if isinstance(v, Ref)}
    fixed = {k: v for k, v in step.kwargs.items() if not isinstance(v, Ref)}

    def general(v, f=func, t=template, refs=refs, kwrefs=kwrefs, o=out, kw=fixed):
        args = list(t)
        for i, s in refs:
            args[i] = v[s]
        v[o] = f(*args, **kw, **{k: v[s] for k, s in kwrefs.items()})
    return general


# ----------------------------------------------------------------------------- einsum lowering

def _lowered(step: Step, p: Program) -> Step:
    """A two-operand einsum that is a matrix (or matrix-vector, or dot) product, as ``np.dot`` on
    transposed views; otherwise NumPy's C einsum, without the path machinery."""
    spec, operands = step.args[0], step.args[1:]
    plan = _as_matmul(spec) if len(operands) == 2 else None
    if plan is None:
        return Step(np.einsum, [spec, *operands], {}, step.out)
    swap, ta, tb = plan
    a, b = operands if not swap else operands[::-1]
    a, b = _t(a, ta), _t(b, tb)
    ta, tb = ta and isinstance(a, Ref), tb and isinstance(b, Ref)
    return Step(_matmul_views(ta, tb) if ta or tb else np.dot, [a, b], {}, step.out)


def _t(arg, flag: bool):
    """A fixed operand is transposed once, here; a step's value is transposed at each call."""
    return arg.T if flag and isinstance(arg, np.ndarray) else arg


def _matmul_views(ta: bool, tb: bool) -> Callable:
    """A matrix product of views (``np.dot``: for operands of at most two axes it is ``np.matmul``,
    with less overhead per call)."""
    if ta and tb:
        def dot_tt(a, b):
            return np.dot(a.T, b.T)
        return dot_tt
    if ta:
        def dot_t_(a, b):
            return np.dot(a.T, b)
        return dot_t_

    def dot__t(a, b):
        return np.dot(a, b.T)
    return dot__t


def _as_matmul(spec: str) -> tuple[bool, bool, bool] | None:
    """(swap the operands, transpose the first, transpose the second) when ``spec`` is a matrix
    product of two operands of at most two axes each, contracting exactly one; else None."""
    inputs, output = spec.split("->")
    a, b = inputs.split(",")
    if len(set(a)) != len(a) or len(set(b)) != len(b) or len(set(output)) != len(output):
        return None
    contracted = (set(a) & set(b)) - set(output)
    if len(contracted) != 1 or set(a) & set(b) & set(output) or (set(a) ^ set(b)) - set(output) \
            or len(a) > 2 or len(b) > 2:
        return None
    c = contracted.pop()
    fa, fb = a.replace(c, ""), b.replace(c, "")
    ways = []
    if output == fa + fb:
        ways.append((False, a != fa + c, b != c + fb))      # (fa c) @ (c fb)
    if output == fb + fa:
        ways.append((True, b != fb + c, a != c + fa))       # (fb c) @ (c fa)
    # with a vector both orders hold: the one that reads its matrix as it is stored
    return min(ways, key=lambda way: way[1] + way[2]) if ways else None


def _split(step: Step, p: Program, next_slot: int) -> tuple[list[Step], int]:
    """An einsum of three or more operands as the pairwise einsums of its planned path."""
    spec, operands = step.args[0], list(step.args[1:])
    arrays = [p.recorded[a.slot] if isinstance(a, Ref) else a for a in operands]
    path = step.kwargs.get("optimize")
    if not isinstance(path, list):
        path = np.einsum_path(spec, *arrays, optimize="greedy")[0]
    inputs, output = spec.split("->")
    terms = inputs.split(",")
    pieces = []
    for n_contraction, pair in enumerate(path[1:]):
        last = n_contraction == len(path) - 2
        picked = sorted(pair, reverse=True)
        sub = [terms.pop(i) for i in picked]
        ops = [operands.pop(i) for i in picked]
        vals = [arrays.pop(i) for i in picked]
        rest = set("".join(terms)) | set(output)
        keep = "".join(dict.fromkeys(ch for s in sub for ch in s if ch in rest))
        out_spec = output if last else keep
        piece_spec = ",".join(sub) + "->" + out_spec
        value = np.einsum(piece_spec, *vals)
        terms.append(out_spec)
        arrays.append(value)
        if not last and not any(isinstance(o, Ref) for o in ops):
            operands.append(value)                     # fixed operands only: contracted once, here
            continue
        slot = step.out if last else next_slot
        if not last:
            next_slot += 1
            p.recorded[slot] = value
        pieces.append(Step(np.einsum, [piece_spec, *ops], {}, slot))
        operands.append(Ref(slot))
    return pieces, next_slot


# ----------------------------------------------------------------------------- helpers

def _key(a) -> tuple:
    if isinstance(a, Ref):
        return ("ref", a.slot)
    if isinstance(a, np.ndarray):
        return ("fixed", id(a))
    return ("value", type(a).__name__, repr(a))


def _rename(step: Step, alias: dict[int, int]) -> None:
    step.args = [Ref(alias.get(a.slot, a.slot)) if isinstance(a, Ref) else a for a in step.args]
    step.kwargs = {k: Ref(alias.get(v.slot, v.slot)) if isinstance(v, Ref) else v for k, v in step.kwargs.items()}


def _uses(p: Program) -> dict[int, int]:
    uses: dict[int, int] = {o: 1 for o in p.outputs}
    for step in p.steps:
        for r in step.refs():
            uses[r] = uses.get(r, 0) + 1
    return uses


def _view_chain(arg, producer: dict, uses: dict) -> list[int] | None:
    """The slots from ``arg`` back through views used once each, to the first non-view."""
    if not isinstance(arg, Ref):
        return None
    chain = [arg.slot]
    while True:
        step = producer.get(chain[-1])
        if step is None or uses.get(chain[-1]) != 1:
            return None
        if step.func not in (np.reshape, np.transpose) or not isinstance(step.args[0], Ref):
            return chain
        chain.append(step.args[0].slot)


def _only_adds_unit_axes(p: Program, source: int, reshaped: int) -> bool:
    before, after = np.shape(p.recorded[source]), np.shape(p.recorded[reshaped])
    return after[:len(before)] == before and all(d == 1 for d in after[len(before):])


def _keeps_order(shape: tuple, perm) -> bool:
    """A transpose of ``shape`` + unit axes that leaves the axes of ``shape`` in their order."""
    order = [a for a in perm if a < len(shape) and shape[a] != 1]
    return order == sorted(order)


def _is_one(a) -> bool:
    return not isinstance(a, Ref) and np.ndim(a) == 0 and float(a) == 1.0


def _root(base: dict[int, int], slot: int) -> int:
    while base.get(slot, slot) != slot:
        slot = base[slot]
    return slot


def _owns(recorded, shape: tuple) -> bool:
    return isinstance(recorded, np.ndarray) and recorded.flags.owndata and recorded.shape == shape \
        and recorded.dtype == np.float64
