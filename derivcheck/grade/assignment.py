"""An assignment file: what students are asked to derive, the reference answer, the rubric.

The file is YAML written by an instructor (docs/format.md, "Assignment files"). Its notation is a
derivation header in the assignment's own symbols; students may use any notation, and their final
answers are matched to the reference by the role of each symbol (reference.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

from ..notation.header import NotationError, load_notation
from ..latex.errors import LatexError
from ..latex.parse import parse_expression
from ..verdict.reference import Reference

MODELS = ("softmax", "logistic", "linear", "network")


class AssignmentError(ValueError):
    """The assignment file is not usable; the message names the key."""


@dataclass(frozen=True)
class Rubric:
    """Points per item, and what each kind of mistake costs (a fraction of the item's points)."""
    final: float = 6.0          # the final gradient equals the reference
    steps: float = 3.0          # every step valid
    stated: float = 1.0         # the notation and assumptions the proof relies on are stated in it
    error: float = 0.5          # an invalid step whose error reaches the end of its chain
    slip: float = 0.2           # an invalid step a later line recovers from (not carried forward)
    typo: float = 0.1           # damaged LaTeX whose intended reading is valid
    unstated: float = 0.5       # a symbol or assumption the proof uses and never states

    @property
    def total(self) -> float:
        return self.final + self.steps + self.stated


@dataclass(frozen=True)
class Assignment:
    path: str
    title: str
    task: str
    model: str | None
    reference: Reference
    rubric: Rubric
    defaults: dict = field(default_factory=dict)
    text: str = ""                  # the file, for telling whether a grade is up to date


def load_assignment(path: Path) -> Assignment:
    """Read and validate an assignment file; AssignmentError says what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as err:
        raise AssignmentError(f"cannot read it: {err}") from None
    except yaml.YAMLError as err:
        raise AssignmentError(f"not valid YAML: {getattr(err, 'problem', err)}") from None
    if not isinstance(data, dict) or data.get("derivcheck-assignment") != 1:
        raise AssignmentError("expected a YAML mapping with 'derivcheck-assignment: 1'")
    model = data.get("model")
    if model is not None and model not in MODELS:
        raise AssignmentError(f"model: {model!r} is not one of {', '.join(MODELS)}")
    notation = data.get("notation")
    try:
        load_notation(notation)
    except NotationError as err:
        raise AssignmentError(f"notation: {err}") from None
    targets, answers = _targets(data.get("reference"))
    defaults = dict(data.get("defaults") or {})
    if model and "model" not in defaults:
        defaults["model"] = model
    return Assignment(str(path), str(data.get("title", path.stem)), str(data.get("task", "")).strip(), model,
                      Reference(notation, targets, answers), _rubric(data.get("rubric") or {}), defaults, text)


def _targets(spec) -> tuple[tuple[tuple[str, str, bool], ...], tuple[str | None, ...]]:
    if not isinstance(spec, list) or not spec:
        raise AssignmentError("reference: expected a list of {of, wrt, answer} entries")
    targets, answers = [], []
    for entry in spec:
        if not isinstance(entry, dict) or "of" not in entry or "wrt" not in entry:
            raise AssignmentError("reference: each entry needs 'of' (the loss) and 'wrt' (the variable)")
        for key in ("of", "wrt", "answer"):
            if key in entry:
                try:
                    parse_expression(str(entry[key]))
                except LatexError as err:
                    raise AssignmentError(f"reference.{key}: {entry[key]!r}: {err}") from None
        targets.append((str(entry["of"]), str(entry["wrt"]), bool(entry.get("optional", False))))
        answers.append(str(entry["answer"]) if "answer" in entry else None)
    return tuple(targets), tuple(answers)


def _rubric(spec: dict) -> Rubric:
    if not isinstance(spec, dict):
        raise AssignmentError("rubric: expected a mapping such as {final: 6, steps: 3, stated: 1}")
    known = {f.name for f in fields(Rubric)}
    values = {}
    for key, value in spec.items():
        if key not in known:
            raise AssignmentError(f"rubric: unknown item {key!r}; items: {', '.join(sorted(known))}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise AssignmentError(f"rubric.{key}: expected a number of points (or a fraction) ≥ 0")
        values[key] = float(value)
    return Rubric(**values)
