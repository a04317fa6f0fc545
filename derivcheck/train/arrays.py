"""Arrays with named axes, and the tape that records the weight-dependent operations on them.

The lifter (lift.py) gives every index letter of a formula an axis of a NumPy array; ``Arr`` keeps the
name of each axis beside the data. Every array operation goes through ``op``, which puts it on the
current ``Tape`` when it reads anything already recorded (the weights, or what was computed from
them): the tape is the plan train.py replays for new weights. Vectors keep positional axes
``#row``/``#col`` so products follow the same rules as in the checker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ROW, COL = "#row", "#col"
SAMPLE = "#n"


class LiftError(ValueError):
    """The expression cannot be evaluated over arrays (a derivative left in it, say)."""


class Tape:
    """The array operations one evaluation ran that depend on ``root`` (the weights), so they can
    be replayed for other weights without interpreting the formula again."""

    def __init__(self, root: np.ndarray):
        self.steps: list[tuple] = []
        self.slots: dict[int, int] = {id(root): 0}
        self.keep: list = [root]   # holds every recorded array, so ids stay unique while recording

    def traced(self, x) -> bool:
        return isinstance(x, (np.ndarray, np.generic)) and id(x) in self.slots

    def record(self, func, args: tuple, kwargs: dict, out) -> None:
        if id(out) in self.slots:
            return
        refs = tuple((True, self.slots[id(a)]) if self.traced(a) else (False, a) for a in args)
        kwrefs = {k: (True, self.slots[id(v)]) if self.traced(v) else (False, v) for k, v in kwargs.items()}
        self.slots[id(out)] = len(self.keep)
        self.keep.append(out)
        self.steps.append((func, refs, kwrefs, self.slots[id(out)]))

    def replay(self, root: np.ndarray, out) -> np.ndarray:
        return self.replay_all(root, [out])[0]

    def replay_all(self, root: np.ndarray, outs: list) -> list[np.ndarray]:
        """Every operation once, for new ``root``; the arrays that stood for ``outs`` when recorded."""
        values: list = [None] * len(self.keep)
        values[0] = root
        for func, refs, kwrefs, slot in self.steps:
            args = [values[v] if is_slot else v for is_slot, v in refs]
            kwargs = {k: values[v] if is_slot else v for k, (is_slot, v) in kwrefs.items()}
            values[slot] = func(*args, **kwargs)
        return [values[self.slots[id(out)]] for out in outs]


_TAPE: Tape | None = None


def recording(tape: Tape | None) -> None:
    """Record onto ``tape`` (None: stop recording)."""
    global _TAPE
    _TAPE = tape


def is_recording() -> bool:
    return _TAPE is not None


def recorded(x) -> bool | None:
    """Whether ``x`` was computed from the weights (is on the tape); None when nothing is recorded,
    so nothing is known about what stays fixed from one call to the next."""
    return None if _TAPE is None else _TAPE.traced(x)


def op(func, *args, **kwargs):
    """Run an array operation, and put it on the tape if it reads anything recorded."""
    out = func(*args, **kwargs)
    if _TAPE is not None and (any(_TAPE.traced(a) for a in args) or any(_TAPE.traced(v) for v in kwargs.values())):
        _TAPE.record(func, args, kwargs, out)
    return out


def as_float(a):
    return np.asarray(a, dtype=float)


def first_of_last(a):
    return a[..., 0]


@dataclass(frozen=True)
class Arr:
    """An array and the name of each of its axes."""
    data: np.ndarray
    axes: tuple[str, ...]

    @staticmethod
    def scalar(value: float) -> "Arr":
        return Arr(np.asarray(value, dtype=float), ())

    def rename(self, old: str, new: str) -> "Arr":
        return Arr(self.data, tuple(new if a == old else a for a in self.axes))

    def sum(self, axis: str) -> "Arr":
        if axis not in self.axes:
            return self
        return Arr(op(np.sum, self.data, axis=self.axes.index(axis)), tuple(a for a in self.axes if a != axis))

    def order(self, axes: tuple[str, ...]) -> np.ndarray:
        """The data with its axes in the order given (broadcast over missing ones)."""
        missing = [a for a in axes if a not in self.axes]
        full = self.axes + tuple(missing)
        if not missing and full == tuple(axes):
            return self.data
        data = op(np.reshape, self.data, np.shape(self.data) + (1,) * len(missing)) if missing else self.data
        return op(np.transpose, data, [full.index(a) for a in axes])


@dataclass(frozen=True)
class Data:
    """What the arrays stand for: inputs (N×D); targets (N): labels in 0..K-1, or the values of the
    ``target`` family (0/1 for logistic regression, real numbers for least squares); weights (D×K,
    or D for a model with one output); and ``constants``, symbols given a value (the loss's λ)."""
    X: np.ndarray
    y: np.ndarray
    W: np.ndarray
    classes: int
    target: str | None = None
    constants: tuple[tuple[str, float], ...] = ()

    @property
    def sizes(self) -> dict[str, int]:
        return {"samples": self.X.shape[0], "features": self.X.shape[1], "classes": self.classes}


def align(a: Arr, b: Arr) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    axes = a.axes + tuple(x for x in b.axes if x not in a.axes)
    return a.order(axes), b.order(axes), axes


def gather(value: Arr, axis: str, index: Arr) -> Arr:
    """``value`` indexed along ``axis`` by ``index`` (1-based), which may itself be an array."""
    if axis not in value.axes:
        raise LiftError("an index on an axis the value does not have")
    position = value.axes.index(axis)
    size = value.data.shape[position]
    idx = np.asarray(index.data)
    if idx.ndim == 1 and len(index.axes) == 1 and np.array_equal(idx, np.arange(1, size + 1)):
        return value.rename(axis, index.axes[0])     # the whole axis: a rename, no copy
    idx = idx.astype(int) - 1
    if np.any(idx < 0) or np.any(idx >= size):
        raise LiftError("an index out of its range")
    shared = [a for a in index.axes if a in value.axes and a != axis]
    if not shared:
        data = op(np.take, value.data, idx, axis=position)
        axes = value.axes[:position] + index.axes + value.axes[position + 1:]
        return Arr(data, axes)
    # the index varies along an axis the value also has (f_{y_n} with n the sample axis)
    other = tuple(a for a in value.axes if a != axis)
    base = Arr(op(np.moveaxis, value.data, position, -1), other + (axis,))
    extra = tuple(a for a in index.axes if a not in other)
    out_axes = other + extra
    data = base.order(out_axes + (axis,))
    ind = Arr(idx, index.axes).order(out_axes)
    ind = np.broadcast_to(ind, data.shape[:-1])
    picked = op(np.take_along_axis, data, ind[..., None], axis=-1)
    return Arr(op(first_of_last, picked), out_axes)
