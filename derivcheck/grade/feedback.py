"""Grades -> what students, instructors and Gradescope read (the report layer for grading).

Per student: Markdown feedback addressed to the student, a Gradescope ``results.json`` and a JSON
grade with the checker's per-step schema. For the class: a CSV gradebook and an index page.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .. import __version__
from .assignment import Assignment
from ..verdict.findings import DerivationResult
from ..verdict.messages import CarriesError, Recovered
from .grade import Grade, grade_data
from ..output.report import CARRIED_MARK, FINAL_MARK, RECOVERED_MARK, derivation_data, step_section

ITEM_MARK = {True: "✅", False: "⚠️"}


def feedback(grade: Grade, result: DerivationResult | None, assignment: Assignment) -> str:
    """Markdown for the student: the score, what each item is worth, and every step that cost points,
    with its counterexample and the repair that would make it right."""
    out = [f"# Feedback: {assignment.title}", "", f"Submission: `{Path(grade.file).name}`", "",
           f"## Your score: {_num(grade.score)} / {_num(grade.max_score)}", ""]
    if grade.error:
        out += [f"Your file could not be checked: {grade.error}", "",
                "Nothing was graded. Please check that it is a text file (Markdown or LaTeX) with the "
                "derivation in display math (`$$ … $$` or `\\[ … \\]`).", ""]
        return "\n".join(out)
    out += ["| | points | |", "|---|---:|---|"]
    for item in grade.items:
        out.append(f"| {ITEM_MARK[item.score >= item.max_score]} {item.title} | {_num(item.score)} / "
                   f"{_num(item.max_score)} | {item.summary} |")
    out.append("")
    if assignment.task:
        out += [f"The task: {assignment.task}", ""]
    final = [d for d in grade.deductions if d.item == "final"]
    if result is not None and result.final.targets:
        out += ["## Your final answer", ""]
        for t in result.final.targets:
            ref = t.reference
            verdict = ref.verdict if ref else t.verdict
            out.append(f"- {FINAL_MARK.get(verdict, '•')} $\\partial {t.of} / \\partial {t.wrt}$ "
                       f"({t.step or 'not found'}): " + (_reference_words(ref) if ref else t.reason))
        out.append("")
    for d in final:
        if d.kind == "missing":
            out += [f"- {d.text}.", ""]
    steps = {d.step: d for d in grade.deductions if d.item == "steps"}
    if steps and result is not None:
        out += ["## Steps to look at", ""]
        for s in result.steps:
            if s.id in steps:
                out += [f"**{_lead(steps[s.id].kind)}** ({_num(steps[s.id].points)} point"
                        f"{'s' if steps[s.id].points != 1 else ''})", ""]
                out += step_section(s)
                out += _after_the_error(s.id, result)
    unstated = [d for d in grade.deductions if d.item == "stated"]
    if unstated:
        out += ["## Say what your symbols mean", "",
                "Your proof uses these without stating them; derivcheck read them by convention. State "
                "them in your text (a definition or a sentence), so a reader does not have to guess:", ""]
        out += [f"- {d.text}" for d in unstated]
        out.append("")
    if grade.review:
        out += ["## Not decided automatically", "", "A person will look at these; they cost you nothing here:", ""]
        out += [f"- {x}" for x in grade.review]
        out.append("")
    out += [f"*Checked by derivcheck {__version__}: every step is proved equal to the one before it, or "
            "refuted with a concrete counterexample.*", ""]
    return "\n".join(out)


def _after_the_error(step: str, result: DerivationResult) -> list[str]:
    """What became of a wrong step's error: the lines that follow from it correctly (they are still
    wrong) and the line that gets back to a correct expression. Neither costs points; both are said,
    so that a ✅ elsewhere is never read as "this line is right"."""
    carried = [s for s in result.steps if isinstance(s.reason, CarriesError) and s.reason.origin == step]
    out = []
    if carried:
        which = ", ".join(f"step {s.id} (line {s.line})" for s in carried)
        verb = "follows" if len(carried) == 1 else "follow"
        out.append(f"- {CARRIED_MARK} **Follows from this error:** {which} {verb} correctly from this step, so "
                   f"{'it is' if len(carried) == 1 else 'they are'} wrong too; correct this step and "
                   f"{'it follows' if len(carried) == 1 else 'they follow'}.")
    for s in result.steps:
        if isinstance(s.reason, Recovered) and s.reason.shown_wrong and s.reason.wrong == step:
            last = "the last correct expression" if s.reason.sure else "the last expression not shown wrong"
            out.append(f"- {RECOVERED_MARK} **Recovers after this error:** step {s.id} (line {s.line}) is equal "
                       f"to {s.reason.anchor}, {last}, so the error stops there.")
    return out + [""] if out else []


def _lead(kind: str) -> str:
    return {"error": "This step is wrong, and the error is carried to the end",
            "slip": "This step is wrong, but you recover from it later",
            "typo": "The LaTeX of this step is damaged (what you meant is right)"}.get(kind, "This step")


def _reference_words(ref) -> str:
    if ref.verdict == "correct":
        return "correct: it equals the reference answer"
    if ref.verdict == "incorrect":
        text = "incorrect: it differs from the reference answer"
        c = ref.counterexample
        if c is not None and c.lhs and c.rhs:
            where = ", ".join(f"{k} = {v}" for k, v in c.indices + c.labels)
            text += f" (for example{' at ' + where if where else ''}: the reference gives {c.lhs}, yours {c.rhs})"
        return text
    return f"not decided: {ref.reason}"


def _num(x: float) -> str:
    return f"{x:g}" if x == int(x) else f"{x:.2f}".rstrip("0")


def gradescope(grade: Grade) -> dict:
    """Gradescope's results.json: a top-level score and one test per rubric item."""
    tests = []
    for item in grade.items:
        lines = [item.summary] + [d.text for d in grade.deductions if d.item == item.name]
        tests.append({"name": item.title, "score": item.score, "max_score": item.max_score,
                      "status": "passed" if item.score >= item.max_score else "failed",
                      "output": "\n".join(lines)})
    out = {"score": grade.score, "tests": tests, "visibility": "visible"}
    if grade.error:
        out["output"] = f"The file could not be checked: {grade.error}"
    return out


def grade_json(grade: Grade, result: DerivationResult | None) -> dict:
    """The checker's per-derivation JSON (same per-step schema) with the score on top."""
    data = derivation_data(result) if result is not None else {"file": grade.file, "steps": [], "error": grade.error}
    data.update({"student": grade.student, "score": grade.score, "max_score": grade.max_score,
                 "grade": grade_data(grade)})
    return data


GRADEBOOK_COLUMNS = ("student", "file", "score", "max_score", "final", "steps", "stated", "invalid", "garbled",
                     "to_review", "seconds", "error")


def gradebook(grades: list[Grade], steps: dict[str, dict]) -> str:
    """The class gradebook as CSV, one row per student."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(GRADEBOOK_COLUMNS)
    for g in grades:
        items = {i.name: i.score for i in g.items}
        counts = steps.get(g.student, {})
        writer.writerow([g.student, g.file, _num(g.score), _num(g.max_score), _num(items.get("final", 0)),
                         _num(items.get("steps", 0)), _num(items.get("stated", 0)), counts.get("invalid", 0),
                         counts.get("garbled", 0), len(g.review), f"{g.seconds:.2f}", g.error or ""])
    return buffer.getvalue()


def class_index(grades: list[Grade], assignment: Assignment) -> str:
    out = [f"# Grades: {assignment.title}", "", f"derivcheck {__version__}, {len(grades)} submission"
           f"{'s' if len(grades) != 1 else ''}. Each row links to the feedback the student reads.", "",
           "| student | score | final | steps | stated | to review |", "|---|---:|---:|---:|---:|---:|"]
    for g in grades:
        items = {i.name: i for i in g.items}
        if g.error:
            out.append(f"| [{g.student}]({g.student}/feedback.md) | 0 | — | — | — | could not be read |")
            continue
        out.append(f"| [{g.student}]({g.student}/feedback.md) | {_num(g.score)} / {_num(g.max_score)} | "
                   f"{_num(items['final'].score)} | {_num(items['steps'].score)} | {_num(items['stated'].score)} | "
                   f"{len(g.review)} |")
    if grades:
        mean = sum(g.score for g in grades) / len(grades)
        out += ["", f"Mean score: {_num(round(mean, 2))} / {_num(grades[0].max_score)}."]
    return "\n".join(out) + "\n"


def dumps(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
