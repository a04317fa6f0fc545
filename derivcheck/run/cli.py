"""``derivcheck``: the command line.

Exit codes (a contract read by CI and graders): ``check``: 0 when no step is invalid or garbled, 1
when some step is, 2 on usage or input errors (one line each on stderr, never a traceback; the
readable documents of the same run are still checked). ``grade``: 0 when every submission was
graded, 1 when some could not be read (graded 0, with the reason), 2 on usage errors (a bad
assignment file, no submissions).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .. import __version__

#: Sizes beyond this make steps slow without finding more (an 8-class slip shows at 3).
MAX_SIZE = 8


#: Raised by click 8.2+ for a bare ``derivcheck``: its message is the help, shown as it is.
_NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())


class _DefaultToCheck(click.Group):
    """``derivcheck PATHS`` means ``derivcheck check PATHS``; a usage error is one line."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def main(self, *args, **kwargs):
        """Usage errors (a bad option value, a missing argument) are one line on stderr and exit 2,
        like every other error of derivcheck, instead of click's usage block."""
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except _NO_ARGS as err:
            err.show()
            sys.exit(err.exit_code)
        except click.ClickException as err:
            click.echo(f"derivcheck: {err.format_message()}", err=True)
            sys.exit(err.exit_code)
        except click.Abort:
            click.echo("derivcheck: aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


class _Progress:
    """A progress bar on stderr, drawn only when stderr is a terminal: a log, a pipe or a CI job
    gets nothing. Counts documents (or submissions), and shows the tasks done as they happen, so a
    long document is not a silent one."""

    def __init__(self, total: int, label: str) -> None:
        self.tasks = 0
        self.last = ""
        self.drawn = 0.0
        self.bar = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True,
                                     item_show_func=self._item) if sys.stderr.isatty() else None

    def __enter__(self) -> _Progress:
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def task(self) -> None:
        self.tasks += 1
        if self.bar is not None and time.monotonic() - self.drawn > 0.1:    # at most ten redraws a second
            self.drawn = time.monotonic()
            self.bar.render_progress()

    def done(self, name: str) -> None:
        self.last = name
        if self.bar is not None:
            self.bar.update(1)

    def _item(self, _) -> str:
        return f"{self.tasks} checks" + (f" · {self.last}" if self.last else "")



@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="derivcheck")
def main() -> None:
    """Check derivations step by step: prove each step, or refute it with a counterexample."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--sizes", default="", metavar="K=3,D=2",
              help="Concrete sizes to check at: K or C (classes), D (features), N, M, m or n (samples), or a "
                   "size a derivation declares; any other name is an error.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="text: a table on stdout; json: every finding on stdout.")
@click.option("--reports", "reports_dir", default="reports", show_default=True, metavar="DIR",
              help="Where to write <name>.md, <name>.json and index.md.")
@click.option("--no-reports", is_flag=True, help="Do not write report files.")
@click.option("--timeout", default=20.0, show_default=True, help="Seconds allowed per step.")
@click.option("--memory", default=2048, show_default=True, metavar="MB", help="Memory allowed per worker.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes, at least 1 (default: one per core).")
def check(paths: tuple[str, ...], sizes: str, fmt: str, reports_dir: str, no_reports: bool, timeout: float,
          memory: int, jobs: int | None) -> None:
    """Check every derivation in PATHS (files, or folders of .md/.markdown/.txt/.tex/.ipynb)."""
    from .batch import check_files
    from .worker import Limits
    try:
        size_map = parse_sizes(sizes)
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    if timeout <= 0:
        raise click.UsageError("--timeout must be positive")
    if memory < 256:
        raise click.UsageError("--memory must be at least 256 (MB)")
    files, errors = collect(paths)
    with _Progress(len(files), "checking") as progress:
        outcome = check_files(files, size_map, Limits(seconds=timeout, memory_mb=memory), jobs=jobs or 0,
                              reports=None if no_reports else Path(reports_dir), progress=progress)
    errors += outcome.errors
    for line in errors:
        click.echo(f"derivcheck: {line}", err=True)
    from ..output.report import table, to_json
    if fmt == "json":
        click.echo(to_json(outcome.results, errors))
    elif outcome.results:
        click.echo(table(outcome.results))
        if not no_reports:
            click.echo(f"reports written to {reports_dir}/ (index.md)")
    sys.exit(exit_code(outcome.results, errors))


@main.command()
@click.argument("derivation", type=click.Path(dir_okay=False))
@click.option("--data", default=None, metavar="iris|wine|digits|breast_cancer|diabetes|PATH.csv",
              help="A data set shipped with scikit-learn, or a CSV file whose last column is the target "
                   "[default: iris, breast_cancer or diabetes, by the model]")
@click.option("--optimizer", type=click.Choice(["lbfgs", "gd"]), default="lbfgs", show_default=True)
@click.option("--l2", default=1.0, show_default=True, help="L2 strength λ (scikit-learn's C is 1/λ, Ridge's alpha λ).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--reports", "reports_dir", default="reports", show_default=True, metavar="DIR")
@click.option("--no-reports", is_flag=True)
@click.option("--check-points", default=3, show_default=True, help="Random weights for the gradient check.")
@click.option("--timeout", default=600.0, show_default=True, help="Seconds allowed for the whole run.")
@click.option("--memory", default=4096, show_default=True, metavar="MB", help="Memory allowed for the run.")
def train(derivation: str, data: str, optimizer: str, l2: float, fmt: str, reports_dir: str, no_reports: bool,
          check_points: int, timeout: float, memory: int) -> None:
    """Train the model DERIVATION derives with its final gradient, next to scikit-learn.

    Exit status 0 when the compiled gradient passes the gradient check, 1 when it does not,
    2 on usage or input errors."""
    from ..train.report import train_json, train_markdown, train_text
    from .batch import read_text
    from ..read.source import SourceError
    from ..train.train import TrainError, train as run_training
    from .worker import LimitError, Limits, run_limited
    path = Path(derivation)
    try:
        read_text(path)
        # the derivation's mathematics runs in a killable process, under the same kind of limits
        # as every checked step
        result = run_limited(run_training, (path, data, optimizer, l2, check_points),
                             Limits(seconds=timeout, memory_mb=memory))
    except (TrainError, SourceError, OSError, LimitError) as err:
        click.echo(f"derivcheck: {derivation}: {err}", err=True)
        sys.exit(2)
    if not no_reports:
        from ..output.report import write_atomic
        from ..train.train import plot_losses
        folder = Path(reports_dir)
        result.plot = plot_losses(result, folder / f"train-{result.derivation}.png")
        write_atomic(folder / f"train-{result.derivation}.md", train_markdown(result))
        write_atomic(folder / f"train-{result.derivation}.json", train_json(result))
    click.echo(train_json(result) if fmt == "json" else train_text(result))
    sys.exit(0 if result.gradient_check_passed else 1)


@main.command()
@click.argument("submissions", nargs=-1, required=True)
@click.option("--assignment", "assignment_path", required=True, type=click.Path(dir_okay=False),
              help="The assignment file (YAML): the task, the reference answer, the rubric.")
@click.option("--out", "out_dir", default="grades", show_default=True, metavar="DIR",
              help="Where to write each student's feedback and the class gradebook.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="text: a table on stdout; json: every grade with its steps on stdout.")
@click.option("--sizes", default="", metavar="K=3,D=2", help="Concrete sizes to check at.")
@click.option("--timeout", default=20.0, show_default=True, help="Seconds allowed per step.")
@click.option("--memory", default=2048, show_default=True, metavar="MB", help="Memory allowed per worker.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes, at least 1 (default: one per core).")
@click.option("--force", is_flag=True, help="Grade again submissions that are already graded.")
@click.option("--cluster", default=None, metavar="ADDRESS|local:N",
              help="Grade on a Dask cluster: its scheduler's address (tcp://host:8786), or local:N for N worker "
                   "processes here. Needs derivcheck[cluster].")
def grade(submissions: tuple[str, ...], assignment_path: str, out_dir: str, fmt: str, sizes: str, timeout: float,
          memory: int, jobs: int | None, force: bool, cluster: str | None) -> None:
    """Grade SUBMISSIONS (files, or folders of .md/.markdown/.txt/.tex/.ipynb) against an assignment.

    Writes DIR/<student>/feedback.md (for the student), DIR/<student>/results.json (Gradescope),
    DIR/<student>/grade.json, DIR/gradebook.csv and DIR/index.md. A rerun skips submissions already
    graded."""
    from ..grade.assignment import AssignmentError, load_assignment
    from .batch import SUBMISSION_SUFFIXES, grade_files, unknown_sizes
    from .worker import Limits
    from ..grade.grade import verify_reference
    from .worker import LimitError, run_limited
    try:
        size_map = parse_sizes(sizes)
        assignment = load_assignment(Path(assignment_path))
        run_limited(verify_reference, (assignment,), Limits(seconds=120, memory_mb=memory))
    except LimitError as err:
        raise click.UsageError(f"{assignment_path}: the reference answers could not be checked: {err}") from None
    except (ValueError, AssignmentError) as err:
        raise click.UsageError(f"{assignment_path}: {err}" if isinstance(err, AssignmentError) else str(err)) \
            from None
    if timeout <= 0 or memory < 256:
        raise click.UsageError("--timeout must be positive and --memory at least 256 (MB)")
    if cluster is not None:
        _check_cluster(cluster, jobs)
    found, errors = collect_submissions(submissions, SUBMISSION_SUFFIXES)
    for line in errors:
        click.echo(f"derivcheck: {line}", err=True)
    if not found:
        sys.exit(2)
    out = Path(out_dir)
    with _Progress(len(found), "grading") as progress:
        run = grade_files(found, assignment, out, size_map, Limits(seconds=timeout, memory_mb=memory),
                          jobs=jobs or 0, force=force, progress=progress.done, cluster=cluster)
    # a size name no graded proof declares was ignored: a usage error, said once the proofs are read
    wrong = unknown_sizes(size_map, [r.sizes for r in run.results.values()]) if run.results else []
    if fmt == "json":
        from ..grade.feedback import dumps
        click.echo(dumps({"derivcheck": __version__, "assignment": assignment.title,
                          "derivations": [_grade_record(out, g) for g in run.grades]}))
    else:
        click.echo(grade_table(run.grades))
        click.echo(f"graded {len(run.grades) - run.reused}, already graded {run.reused}; "
                   f"feedback and gradebook in {out_dir}/ (index.md, gradebook.csv)")
    for line in [f"{g.file}: {g.error}" for g in run.grades if g.error] + wrong:
        click.echo(f"derivcheck: {line}", err=True)
    sys.exit(2 if wrong else 1 if run.unreadable or any(g.error for g in run.grades) else 0)


def _check_cluster(cluster: str, jobs: int | None) -> None:
    """A --cluster value that cannot work is a usage error before anything is graded (cluster.py)."""
    from .cluster import check_spec
    if jobs:
        raise click.UsageError("--jobs is for this machine's pool; with --cluster, the cluster's workers do the work "
                               "(local:N starts N)")
    check_spec(cluster)


def _grade_record(out: Path, g) -> dict:
    import json
    try:
        return json.loads((out / g.student / "grade.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"student": g.student, "file": g.file, "score": g.score, "max_score": g.max_score, "error": g.error}


def grade_table(grades) -> str:
    rows = [("student", "score", "final", "steps", "stated", "review")]
    for g in grades:
        items = {i.name: i.score for i in g.items}
        rows.append((g.student, f"{g.score:g}/{g.max_score:g}", f"{items.get('final', 0):g}",
                     f"{items.get('steps', 0):g}", f"{items.get('stated', 0):g}",
                     "error" if g.error else str(len(g.review))))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                     for r in rows)


@main.command()
@click.argument("document", type=click.Path(dir_okay=False))
@click.option("--assignment", "assignment_path", type=click.Path(dir_okay=False), default=None,
              help="Use an assignment's notation defaults (its model).")
def notation(document: str, assignment_path: str | None) -> None:
    """Print the notation header DOCUMENT implies (inferred from its text), with the reasons.

    Paste the header at the top of the file to fix or change what was inferred."""
    import yaml
    from ..grade.assignment import AssignmentError, load_assignment
    from .batch import read_text
    from ..read.source import SourceError, read_document
    from ..verdict.tasks import Spec, Task, run_task
    from .worker import LimitError, Limits, run_limited
    try:
        defaults = load_assignment(Path(assignment_path)).defaults if assignment_path else {}
        doc = read_document(document, read_text(Path(document)))
        if doc.header is not None:
            click.echo(f"derivcheck: {document}: this file has a notation header; nothing to infer", err=True)
            sys.exit(2)
        result = run_limited(run_task, (Task("infer", Spec(document, defaults, None, ()), doc.text),),
                             Limits(seconds=60, memory_mb=2048))
    except (SourceError, OSError, AssignmentError, LimitError) as err:
        click.echo(f"derivcheck: {document}: {err}", err=True)
        sys.exit(2)
    if result.header is None:
        click.echo(f"derivcheck: {document}: {result.message}", err=True)
        sys.exit(2)
    header = {k: v for k, v in result.header.items() if k != "inferred"}
    click.echo("---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=100) + "---")
    for note in result.inferred:
        click.echo(f"# {note.kind}: {note.text}")


def exit_code(results, errors: list[str]) -> int:
    if errors or any(r.error for r in results):
        return 2
    return 1 if any(r.failed for r in results) else 0


def parse_sizes(text: str) -> dict[str, int]:
    """``K=4,D=3`` -> {"K": 4, "D": 3}."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or not name.strip().isidentifier() or not value.strip().isdigit():
            raise ValueError(f"--sizes: {part!r} is not NAME=NUMBER (for example K=4,D=3)")
        number = int(value)
        if not 1 <= number <= MAX_SIZE:
            raise ValueError(f"--sizes: {name.strip()}={number} is outside 1..{MAX_SIZE}")
        out[name.strip()] = number
    return out


def collect(paths: tuple[str, ...]) -> tuple[list[Path], list[str]]:
    """The derivation files named by ``paths``, and one error line per path that names none."""
    files: list[Path] = []
    errors: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            from ..read.source import SUFFIXES
            found = folder_files(path, SUFFIXES, recursive=False)
            if not found:
                errors.append(f"{raw}: no derivations ({', '.join('*' + s for s in SUFFIXES)}) in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            errors.append(f"{raw}: no such file or folder")
    # a file named twice (``derivcheck a.md .``) is checked once, with one report
    unique: dict[Path, Path] = {}
    for path in files:
        unique.setdefault(path.resolve(), path)
    return list(unique.values()), errors


def folder_files(folder: Path, suffixes: tuple[str, ...], recursive: bool) -> list[Path]:
    """The documents in ``folder`` (below it, when ``recursive``) with one of ``suffixes``; every
    other file, and every hidden file or folder, is named on stderr with why it is skipped."""
    found: list[Path] = []
    for p in sorted(folder.rglob("*") if recursive else folder.iterdir()):
        parts = p.relative_to(folder).parts
        hidden = next((i for i, part in enumerate(parts) if part.startswith(".")), None)
        if hidden is not None:
            if hidden == len(parts) - 1:    # named once, not each file inside a hidden folder
                click.echo(f"derivcheck: skipped {p}: hidden", err=True)
        elif p.is_file() and p.suffix.lower() in suffixes:
            found.append(p)
        elif p.is_file():
            what = f"a {p.suffix} file" if p.suffix else "a file with no suffix"
            click.echo(f"derivcheck: skipped {p}: {what} is not read (derivations are {', '.join(suffixes)})",
                       err=True)
    return found


def collect_submissions(paths: tuple[str, ...], suffixes: tuple[str, ...]) -> tuple[list[tuple[Path, str]], list[str]]:
    """(file, student name) for every submission under ``paths``; a student is named by the
    file's path under the folder given (``alice/proof.md`` -> ``alice__proof``)."""
    from ..grade.grade import student_name
    found: list[tuple[Path, str]] = []
    errors: list[str] = []
    seen: set[str] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = folder_files(path, suffixes, recursive=True)
            if not files:
                errors.append(f"{raw}: no submissions ({', '.join('*' + s for s in suffixes)}) in this folder")
            pairs = [(p, student_name(p, path)) for p in files]
        elif path.is_file():
            pairs = [(path, student_name(path, None))]
        else:
            errors.append(f"{raw}: no such file or folder")
            continue
        for p, name in pairs:
            base, k = name, 2
            while name in seen:
                name, k = f"{base}-{k}", k + 1
            seen.add(name)
            found.append((p, name))
    return found, errors


if __name__ == "__main__":  # pragma: no cover
    main()
