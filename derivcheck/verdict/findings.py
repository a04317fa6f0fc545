"""What derivcheck found, as data. Formatting happens only in report.py.

The five verdict words and the JSON field names here are a contract read by graders and CI:
extend, never rename.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .messages import Message

VERDICTS = ("valid", "invalid", "garbled", "unsupported", "undecided")


@dataclass(frozen=True)
class Counterexample:
    """Where a step fails: index values, labels, inputs, and both sides' values there."""
    indices: tuple[tuple[str, int], ...]
    labels: tuple[tuple[str, int], ...]
    inputs: tuple[tuple[str, str], ...]
    lhs: str
    rhs: str
    entry: tuple[int, ...] | None = None
    shapes: tuple[str, str] | None = None
    note: str | None = None         # when the failure is not a pair of values (an index out of range)
    sizes: tuple[tuple[str, int], ...] = ()   # the sizes it holds at, when not the derivation's own


@dataclass(frozen=True)
class Repair:
    """A small change that makes the step check (or, for damage, the reading that was meant)."""
    kind: str                       # "index" | "sign" | "factor" | "damage"
    change: str                     # what changed, in the author's notation
    latex: str                      # the whole step with the change made
    verdict: str                    # the verdict of the changed step
    reason: Message | None = None
    counterexample: Counterexample | None = None
    repair: "Repair | None" = None  # after a damage repair: a repair of the repaired step
    alternatives: tuple["Repair", ...] = ()  # other changes of the same kind that also work


@dataclass
class StepResult:
    id: str
    line: int
    latex: str
    verdict: str
    reason: Message
    counterexample: Counterexample | None = None
    repair: Repair | None = None
    notes: list[str] = field(default_factory=list)
    kind: str = "step"              # "step" | "definition"
    relation: str = "="
    lhs_latex: str = ""             # the expression this step is compared with, as written
    equation: bool = False          # ``latex`` holds the whole equation (lhs, relation, rhs)
    tag: str | None = None
    justification: str = ""
    source_line: int | None = None
    compared_with: str | None = None  # id of the step whose expression this one was proved equal to
    location: str = ""              # where a reader finds it: "line 12", or "cell 4, line 2" in a notebook


@dataclass
class Display:
    """A display that is not a step (no relation): kept so nothing is skipped silently."""
    line: int
    latex: str
    reason: str
    notes: list[str] = field(default_factory=list)


@dataclass
class ReferenceCheck:
    """The final expression against an assignment's reference answer (any notation)."""
    verdict: str                    # "correct" | "incorrect" | "undecided" | "unsupported"
    reason: str
    target: int | None = None       # which of the assignment's gradients
    counterexample: Counterexample | None = None


@dataclass
class TargetResult:
    of: str
    wrt: str
    step: str | None
    verdict: str                    # "correct" | "incorrect" | "undecided" | "unsupported"
    reason: str
    counterexample: Counterexample | None = None
    expression: str | None = None   # the final expression, as read (what the trainer compiles)
    block: int | None = None        # the display it stands in (its notation may be the block's own)
    reference: ReferenceCheck | None = None  # when graded: against the assignment's reference


@dataclass
class FinalResult:
    verdict: str                    # "correct" | "incorrect" | "undecided" | "unsupported" | "none"
    targets: list[TargetResult] = field(default_factory=list)


@dataclass
class ReadingChoice:
    """Which reading of a text that admits several the verdicts are under (verdict/readings.py), and,
    for each other reading, the steps whose verdict it would change (step id -> that verdict)."""
    adopted: str
    others: list[tuple[str, dict[str, str]]] = field(default_factory=list)


@dataclass
class DerivationResult:
    file: str
    source: str
    title: str
    steps: list[StepResult]
    final: FinalResult
    displays: list[Display] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)
    error: str | None = None        # the file could not be read at all
    inferred: list | None = None    # notes on a notation inferred from the text (no header)
    notation: dict | None = None    # that notation, as a header
    seconds: float = 0.0            # wall time it took on its worker
    reading: ReadingChoice | None = None  # where the text admits several readings: the one adopted

    def count(self, verdict: str) -> int:
        return sum(1 for s in self.steps if s.verdict == verdict)

    @property
    def failed(self) -> bool:
        return any(s.verdict in ("invalid", "garbled") for s in self.steps)
