"""Grading: a checked derivation -> a score by the assignment's rubric, and what the student reads.

Scores are fair in the way a careful grader is fair:

* the final answer is compared with the reference whatever notation the student used
  (reference.py), and earns the ``final`` points;
* an invalid step whose error reaches the end of its chain costs ``error`` of the ``steps`` points,
  one that a later line recovers from (not carried forward) costs ``slip``, and damaged LaTeX whose
  intended reading is valid costs ``typo``; steps derivcheck could not decide cost nothing and are
  listed for a person to look at;
* every symbol or assumption the proof relies on without stating it (read by convention, or never
  defined) costs ``unstated`` of the ``stated`` points.

Findings stay data here (Grade, Item, Deduction); report.py words them.
"""

from __future__ import annotations

import hashlib
import functools
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import __version__
from .assignment import Assignment, AssignmentError
from ..verdict.findings import DerivationResult, StepResult
from ..verdict.messages import Recovered

#: Inference notes that are about what the proof states (not, say, what a size is called).
UNSTATED_KINDS = ("convention", "undefined")


@dataclass
class Deduction:
    """One thing that cost points: which step (if any), what kind, how much, and why."""
    item: str                       # "final" | "steps" | "stated"
    kind: str                       # "error" | "slip" | "typo" | "unstated" | "missing" | "incorrect"
    points: float
    text: str
    step: str | None = None


@dataclass
class Item:
    name: str                       # "final" | "steps" | "stated"
    title: str
    score: float
    max_score: float
    summary: str


@dataclass
class Grade:
    file: str
    student: str
    score: float
    max_score: float
    items: list[Item]
    deductions: list[Deduction] = field(default_factory=list)
    review: list[str] = field(default_factory=list)   # what a person should look at (undecided steps …)
    error: str | None = None
    key: str = ""
    seconds: float = 0.0


def verify_reference(assignment: Assignment) -> None:
    """Each reference answer must be the derivative of the reference loss (an instructor's typo
    there would mark every student wrong): AssignmentError, with a counterexample, if not."""
    from ..verdict.tasks import Spec, Task, run_task
    reference = assignment.reference
    spec = Spec(assignment.path, reference.header, None, ())
    for (loss, wrt, _), answer in zip(reference.targets, reference.answers):
        if answer is None:
            continue
        truth = f"\\frac{{\\partial}}{{\\partial {wrt}}} {loss}"
        result = run_task(Task("compare", spec, truth, answer))
        if result.failure:
            raise AssignmentError(f"reference answer for ∂{loss}/∂{wrt} cannot be checked: {result.message}")
        if result.outcome.status != "proved":
            c = result.outcome.counterexample
            where = ", ".join(f"{k} = {v}" for k, v in (c.indices + c.labels)) if c else ""
            raise AssignmentError(f"reference answer {answer!r} is not the derivative of {loss} by {wrt}"
                                  + (f" (at {where}: the derivative is {c.lhs}, the answer {c.rhs})" if c else ""))


@functools.cache
def code_fingerprint() -> bytes:
    """The checker's own source: a grade computed by other code (an upgrade, a local fix without a
    version bump) is not reused."""
    h = hashlib.sha256(__version__.encode())
    package = Path(__file__).parents[1]
    for path in sorted(package.rglob("*.py")) + sorted(package.rglob("*.lark")):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(path.read_bytes())
    return h.digest()


def grade_key(text: bytes, assignment: Assignment, sizes: dict[str, int]) -> str:
    """What a grade was computed from: a rerun reuses a grade whose key is unchanged."""
    h = hashlib.sha256()
    for part in (text, assignment.text.encode(), code_fingerprint(), repr(sorted(sizes.items())).encode()):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()[:32]


def student_name(path: Path, root: Path | None) -> str:
    """A name for the student: the file's path under the folder given, without its suffix."""
    rel = path.relative_to(root) if root is not None and path.is_relative_to(root) else Path(path.name)
    return "__".join(rel.with_suffix("").parts)


def score(result: DerivationResult, assignment: Assignment, student: str, key: str = "") -> Grade:
    rubric = assignment.rubric
    if result.error:
        items = [Item("final", "Final answer", 0.0, rubric.final, "not graded: the file could not be checked"),
                 Item("steps", "Every step valid", 0.0, rubric.steps, "not graded"),
                 Item("stated", "Notation stated", 0.0, rubric.stated, "not graded")]
        return Grade(result.file, student, 0.0, rubric.total, items, error=result.error, key=key)
    deductions: list[Deduction] = []
    review: list[str] = []
    final = _final_item(result, assignment, deductions, review)
    steps = _steps_item(result, assignment, deductions, review)
    stated = _stated_item(result, assignment, deductions)
    items = [final, steps, stated]
    total = round(sum(i.score for i in items), 2)
    return Grade(result.file, student, total, rubric.total, items, deductions, review, key=key)


# ----------------------------------------------------------------------------- items

def _final_item(result: DerivationResult, assignment: Assignment, deductions: list, review: list) -> Item:
    points = assignment.rubric.final
    targets = assignment.reference.targets
    matched: dict[int, list] = {}
    for t in result.final.targets:
        if t.reference is not None and t.reference.target is not None:
            matched.setdefault(t.reference.target, []).append(t)
    asked = [i for i, (_, _, optional) in enumerate(targets) if not optional or i in matched]
    if not asked:
        asked = [0]
    passed = 0
    lines = []
    for index in asked:
        of, wrt, _ = targets[index]
        found = matched.get(index, [])
        if not found:
            unmatched = [t for t in result.final.targets if t.reference is not None and t.reference.target is None]
            why = unmatched[0].reference.reason if unmatched else "no chain starts with this gradient"
            deductions.append(Deduction("final", "missing", points / len(asked),
                                        f"the gradient by ${wrt}$ was not found ({why})"))
            lines.append(f"∂{of}/∂{wrt}: not found")
            continue
        # several chains may derive it (per sample, then over the data set): one right answer counts
        best = next((t for t in found if t.reference.verdict == "correct"), found[-1])
        found = [best]
        check = best.reference
        if check.verdict == "correct":
            passed += 1
            lines.append(f"${found[-1].wrt}$: correct")
        elif check.verdict == "incorrect":
            deductions.append(Deduction("final", "incorrect", points / len(asked),
                                        f"your final gradient by ${found[-1].wrt}$ differs from the reference "
                                        f"answer", found[-1].step))
            lines.append(f"${found[-1].wrt}$: incorrect")
        else:
            review.append(f"the final gradient by ${found[-1].wrt}$ could not be compared with the reference: "
                          f"{check.reason}")
            deductions.append(Deduction("final", "undecided", points / len(asked),
                                        f"your final gradient by ${found[-1].wrt}$ could not be compared with "
                                        f"the reference ({check.reason})"))
            lines.append(f"${found[-1].wrt}$: not decided")
    score = round(points * passed / len(asked), 2)
    return Item("final", "Final answer", score, points, "; ".join(lines))


def _steps_item(result: DerivationResult, assignment: Assignment, deductions: list, review: list) -> Item:
    rubric = assignment.rubric
    recovered = _recovered(result.steps)
    lost = 0.0
    counts = {"error": 0, "slip": 0, "typo": 0}
    episodes: set[str] = set()
    for s in result.steps:
        kind = _mistake(s, recovered)
        if kind is None:
            if s.verdict in ("unsupported", "undecided"):
                review.append(f"step {s.id} (line {s.source_line or s.line}) is {s.verdict}: {s.reason}")
            continue
        if kind == "slip":
            if recovered[s.id] in episodes:
                continue
            episodes.add(recovered[s.id])
        cost = {"error": rubric.error, "slip": rubric.slip, "typo": rubric.typo}[kind] * rubric.steps
        lost += cost
        counts[kind] += 1
        deductions.append(Deduction("steps", kind, cost, _mistake_text(s, kind), s.id))
    score = round(max(0.0, rubric.steps - lost), 2)
    parts = [f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in counts.items() if n]
    summary = ", ".join(parts) if parts else "every step checked is valid"
    return Item("steps", "Every step valid", score, rubric.steps, summary)


def _recovered(steps: list[StepResult]) -> dict[str, str]:
    """Steps whose error a later line recovers from (from the error's first step to the recovery),
    each with the step that recovers: one episode is one slip, however many lines it spans."""
    out: dict[str, str] = {}
    for s in steps:
        if isinstance(s.reason, Recovered) and s.reason.shown_wrong:
            first, last = int(s.reason.wrong), int(s.id)
            out.update({t.id: s.id for t in steps if first <= int(t.id) < last})
    return out


def _mistake(s: StepResult, recovered: dict[str, str]) -> str | None:
    """What kind of mistake a step is: an error carried on, a slip later corrected, a typo."""
    if s.verdict == "garbled":
        if s.kind == "display":
            return "typo"       # a display left empty: the equation was lost in transcription
        if s.repair is not None and s.repair.verdict == "valid":
            return "typo"
        return "slip" if s.id in recovered else "error"
    if s.verdict == "invalid":
        return "slip" if s.id in recovered else "error"
    return None


def _mistake_text(s: StepResult, kind: str) -> str:
    where = f"step {s.id} (line {s.source_line or s.line})"
    if kind == "typo":
        return f"{where}: the LaTeX is damaged, but what you meant is right"
    if kind == "slip":
        return f"{where} is wrong, but a later line is right again: the error is not carried forward"
    return f"{where} is wrong, and the error is carried to the end of its derivation"


def _stated_item(result: DerivationResult, assignment: Assignment, deductions: list) -> Item:
    rubric = assignment.rubric
    notes = [x for x in (result.inferred or []) if x.kind in UNSTATED_KINDS and "is never named" not in x.text]
    lost = 0.0
    for note in notes:
        cost = rubric.unstated * rubric.stated
        lost += cost
        deductions.append(Deduction("stated", "unstated", cost, note.text))
    score = round(max(0.0, rubric.stated - lost), 2)
    summary = "everything the proof uses is stated" if not notes else \
        f"{len(notes)} thing{'s' if len(notes) != 1 else ''} used without being stated"
    return Item("stated", "Notation stated", score, rubric.stated, summary)


def grade_data(grade: Grade) -> dict:
    return asdict(grade)


def grade_from_data(data: dict) -> Grade:
    items = [Item(**i) for i in data.get("items", [])]
    deductions = [Deduction(**d) for d in data.get("deductions", [])]
    fields_ = {k: v for k, v in data.items() if k in Grade.__dataclass_fields__ and k not in ("items", "deductions")}
    return Grade(items=items, deductions=deductions, **fields_)
