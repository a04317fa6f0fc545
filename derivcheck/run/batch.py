"""A run: read the files, check them on workers, write the reports.

Reading is where untrusted bytes first arrive, so it is strict and says exactly what is wrong:
size, encoding, NUL bytes, an unreadable header; a bad file never stops the others.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..grade.assignment import Assignment
from ..notation.header import ROLE_OF_FLAG
from ..verdict.checker import Options, check
from ..verdict.findings import DerivationResult, FinalResult
from ..output.names import report_names
from ..output.report import index, markdown, to_json, write_atomic
from ..read.source import SUFFIXES, SourceError, read_document
from .worker import Limits, Pool, default_size

MAX_BYTES = 2_000_000
#: A notebook also holds its code cells' outputs (images): more bytes for the same derivation.
MAX_NOTEBOOK_BYTES = 20_000_000


@dataclass
class Outcome:
    results: list[DerivationResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Progress(Protocol):
    """What a long run tells whoever watches it (the command line draws a bar on a terminal)."""

    def task(self) -> None:
        """One task (a step decided, a repair tried) is done."""

    def done(self, name: str) -> None:
        """One document (or submission) is done."""


def read_text(path: Path) -> str:
    """The file as text, or SourceError saying why it is not a readable document. Line endings are
    read as an editor reads them (Windows' CRLF and old Macs' CR are newlines, so "---\\r" closes a
    header and line numbers are the editor's) and a UTF-8 byte-order mark is not text; nothing else
    is changed."""
    size = path.stat().st_size
    limit = MAX_NOTEBOOK_BYTES if path.suffix.lower() == ".ipynb" else MAX_BYTES
    if size > limit:
        raise SourceError(f"{size:,} bytes is more than the {limit:,} a derivation may have")
    data = path.read_bytes()
    if b"\x00" in data:
        raise SourceError("binary data (NUL bytes), not a text document")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise SourceError(f"not valid UTF-8 (byte {err.start})", line) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_files(files: list[Path], sizes: dict[str, int], limits: Limits | None = None, jobs: int = 0,
                reports: Path | None = None, progress: Progress | None = None) -> Outcome:
    outcome = Outcome()
    walks, weights, names, headers = [], [], [], []
    # a report already in the folder keeps its name for its own file, and is not taken over by another
    owners = {name: os.path.abspath(data["file"]) for name, data in present_reports(reports).items()
              if os.path.exists(data["file"])} if reports is not None else {}
    name_of = dict(zip(files, report_names(files, owners)))
    for path in files:
        try:
            text = read_text(path)
            doc = read_document(str(path), text)
        except SourceError as err:
            where = f"{path}:{err.line}" if err.line else str(path)
            outcome.errors.append(f"{where}: {err}")
            continue
        except OSError as err:
            outcome.errors.append(f"{path}: {err.strerror or err}")
            continue
        if not doc.blocks:
            outcome.errors.append(f"{path}:1: no display math ($$…$$, \\[…\\]) in this file: nothing to check")
            continue
        walks.append(check(doc, Options(sizes=sizes)))
        weights.append(len(text))
        names.append(name_of[path])
        headers.append(doc.header)
    if all(h is not None for h in headers):
        # every size a derivation declares is known before anything runs: a misspelt name stops here
        declared = [h.get("sizes") if isinstance(h.get("sizes"), dict) else {} for h in headers]
        wrong = unknown_sizes(sizes, declared)
        if wrong:
            outcome.errors += wrong
            return outcome
    if walks:
        def done(i: int, result: DerivationResult) -> None:
            # each report is written (atomically) as soon as its derivation is done: a run that is
            # stopped keeps every report it finished
            if reports is not None:
                write_report(result, reports, names[i])
            if progress is not None:
                progress.done(names[i])
        pool = Pool(size=jobs or default_size(), limits=limits or Limits(), on_result=done,
                    on_task=progress.task if progress is not None else None)
        outcome.results = pool.run(walks, weights)
    for result in outcome.results:
        if result.error:
            outcome.errors.append(f"{result.file}: {result.error}")
    outcome.errors += unknown_sizes(sizes, [r.sizes for r in outcome.results]) if outcome.results else []
    if reports is not None and outcome.results:
        write_atomic(reports / "index.md", index(present_reports(reports)))
    return outcome


def unknown_sizes(requested: dict[str, int], declared: list[dict]) -> list[str]:
    """One line per name in ``--sizes`` that is neither a role flag (K, D, N, …) nor a size any of the
    derivations declares: a misspelt size must not be ignored silently."""
    known = set(ROLE_OF_FLAG).union(*(map(str, d) for d in declared))
    return [f"--sizes: {name} is not a size of any derivation checked (known here: "
            f"{', '.join(sorted(known))})" for name in requested if name not in known]


def write_report(result: DerivationResult, folder: Path, name: str) -> None:
    write_atomic(folder / f"{name}.md", markdown(result, name, folder))
    write_atomic(folder / f"{name}.json", to_json([result]))


def present_reports(folder: Path) -> dict[str, dict]:
    """Every derivation report in ``folder`` (name -> its derivation's data), whichever run wrote it;
    other JSON there (training, grades) is not a derivation report and is passed over."""
    found: dict[str, dict] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        derivations = data.get("derivations") if isinstance(data, dict) and "derivcheck" in data else None
        if isinstance(derivations, list) and len(derivations) == 1 and isinstance(derivations[0], dict) \
                and isinstance(derivations[0].get("file"), str):
            found[path.stem] = derivations[0]
    return found


# ----------------------------------------------------------------------------- grading

#: What a folder of submissions may hold (what a folder to check may hold, too).
SUBMISSION_SUFFIXES = SUFFIXES


@dataclass
class GradeRun:
    grades: list = field(default_factory=list)
    results: dict = field(default_factory=dict)      # student -> DerivationResult (None if reused)
    reused: int = 0
    unreadable: int = 0


def grade_files(submissions: list[tuple[Path, str]], assignment: Assignment, out: Path, sizes: dict[str, int],
                limits: Limits | None = None, jobs: int = 0, force: bool = False, progress=None,
                cluster: str | None = None) -> GradeRun:
    """Grade every submission (path, student name) into ``out``: each student's files are written,
    atomically, as soon as they are graded, and a rerun skips those already graded from the same
    submission, assignment and derivcheck version. ``cluster`` (an address, or ``local:N``) grades
    on Dask instead of this machine's pool (cluster.py)."""
    from ..grade.feedback import class_index, dumps, gradebook
    from ..grade.grade import grade_key

    run = GradeRun()
    graded: dict[str, object] = {}
    walks, weights, pending = [], [], []
    options = Options(sizes=sizes, defaults=assignment.defaults, reference=assignment.reference)
    for path, student in submissions:
        try:
            data = path.read_bytes() if path.stat().st_size <= MAX_BYTES else b""
        except OSError:
            data = b""      # reading it again below says why
        key = grade_key(data, assignment, sizes)
        previous = _previous(out / student / "grade.json", key) if not force else None
        if previous is not None:
            graded[student] = previous
            run.reused += 1
            if progress:
                progress(student)
            continue
        try:
            doc = read_document(str(path), read_text(path))
            if not doc.blocks:
                raise SourceError("no display math ($$…$$, \\[…\\]) in this file: nothing to check", 1)
        except (SourceError, OSError) as err:
            where = f"line {err.line}: " if getattr(err, "line", None) else ""
            result = DerivationResult(str(path), "", "", [], FinalResult("none"),
                                      error=where + (str(err) if isinstance(err, SourceError) else
                                                     (err.strerror or str(err))))
            graded[student] = _finish_grade(result, assignment, student, key, out)
            run.unreadable += 1
            if progress:
                progress(student)
            continue
        walks.append(check(doc, options))
        weights.append(len(data))
        pending.append((student, key, doc))

    def done(index: int, result: DerivationResult, reusable: bool = True) -> None:
        student, key, _ = pending[index]
        # a result that is not a grade (its cluster workers died) is written without its key: a rerun grades it
        graded[student] = _finish_grade(result, assignment, student, key if reusable else "", out)
        run.results[student] = result
        if progress:
            progress(student)

    if walks and cluster:
        from .cluster import run_on_cluster
        run_on_cluster(cluster, [doc for *_, doc in pending], options, [key for _, key, _ in pending], weights,
                       limits or Limits(), done)
    elif walks:
        Pool(size=jobs or default_size(), limits=limits or Limits(), on_result=done).run(walks, weights)
    run.grades = [graded[student] for _, student in submissions if student in graded]
    counts = {g.student: _counts(out / g.student / "grade.json") for g in run.grades}
    write_atomic(out / "gradebook.csv", gradebook(run.grades, counts))
    write_atomic(out / "index.md", class_index(run.grades, assignment))
    if len(run.grades) == 1:
        from ..grade.feedback import gradescope
        write_atomic(out / "results.json", dumps(gradescope(run.grades[0])))
    return run


def _finish_grade(result: DerivationResult, assignment: Assignment, student: str, key: str, out: Path):
    from ..grade.feedback import dumps, feedback, grade_json, gradescope
    from ..grade.grade import score
    grade = score(result, assignment, student, key)
    grade.seconds = round(result.seconds, 3)
    folder = out / student
    write_atomic(folder / "feedback.md", feedback(grade, result, assignment))
    write_atomic(folder / "results.json", dumps(gradescope(grade)))
    write_atomic(folder / "grade.json", dumps(grade_json(grade, result)))   # last: it marks the grade done
    return grade


def _previous(path: Path, key: str):
    """The grade already written for this key, if there is one (a rerun does not grade it again)."""
    import json
    from ..grade.grade import grade_from_data
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    grade = data.get("grade") if isinstance(data, dict) else None
    if not isinstance(grade, dict) or grade.get("key") != key:
        return None
    try:
        return grade_from_data(grade)
    except (TypeError, KeyError):
        return None


def _counts(path: Path) -> dict:
    import json
    try:
        summary = json.loads(path.read_text(encoding="utf-8")).get("summary") or {}
    except (OSError, ValueError, AttributeError):
        return {}
    return {"invalid": summary.get("invalid", 0), "garbled": summary.get("garbled", 0)}
