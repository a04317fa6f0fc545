"""``derivcheck``: the command line.

Exit codes (a contract read by CI and graders): 0 when no step is invalid or garbled, 1 when some
step is, 2 on usage or input errors (one line each on stderr, never a traceback; the readable
documents of the same run are still checked).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__

#: Sizes beyond this make steps slow without finding more (an 8-class slip shows at 3).
MAX_SIZE = 8


class _DefaultToCheck(click.Group):
    """``derivcheck PATHS`` means ``derivcheck check PATHS``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["check", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="derivcheck")
def main() -> None:
    """Check derivations step by step: prove each step, or refute it with a counterexample."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--sizes", default="", metavar="K=3,D=2",
              help="Concrete sizes to check at: K (classes), D (features), N or m (samples), or any size "
                   "symbol a derivation declares.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="text: a table on stdout; json: every finding on stdout.")
@click.option("--reports", "reports_dir", default="reports", show_default=True, metavar="DIR",
              help="Where to write <name>.md, <name>.json and index.md.")
@click.option("--no-reports", is_flag=True, help="Do not write report files.")
@click.option("--timeout", default=20.0, show_default=True, help="Seconds allowed per step.")
@click.option("--memory", default=2048, show_default=True, metavar="MB", help="Memory allowed per worker.")
@click.option("--jobs", default=0, help="Worker processes (default: one per core).")
def check(paths: tuple[str, ...], sizes: str, fmt: str, reports_dir: str, no_reports: bool, timeout: float,
          memory: int, jobs: int) -> None:
    """Check every derivation in PATHS (files, or folders of *.md)."""
    from .run import check_files
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
    outcome = check_files(files, size_map, Limits(seconds=timeout, memory_mb=memory), jobs=jobs,
                          reports=None if no_reports else Path(reports_dir))
    errors += outcome.errors
    for line in errors:
        click.echo(f"derivcheck: {line}", err=True)
    from .report import table, to_json
    if fmt == "json":
        click.echo(to_json(outcome.results, errors))
    elif outcome.results:
        click.echo(table(outcome.results))
        if not no_reports:
            click.echo(f"reports written to {reports_dir}/ (index.md)")
    sys.exit(exit_code(outcome.results, errors))


@main.command()
@click.argument("derivation", type=click.Path(dir_okay=False))
@click.option("--data", default="iris", show_default=True, metavar="iris|wine|digits|PATH.csv",
              help="A dataset shipped with scikit-learn, or a CSV file whose last column is the label.")
@click.option("--optimizer", type=click.Choice(["lbfgs", "gd"]), default="lbfgs", show_default=True)
@click.option("--l2", default=1.0, show_default=True, help="L2 strength λ (scikit-learn's C is 1/λ).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--reports", "reports_dir", default="reports", show_default=True, metavar="DIR")
@click.option("--no-reports", is_flag=True)
@click.option("--check-points", default=3, show_default=True, help="Random weights for the gradient check.")
@click.option("--timeout", default=600.0, show_default=True, help="Seconds allowed for the whole run.")
@click.option("--memory", default=4096, show_default=True, metavar="MB", help="Memory allowed for the run.")
def train(derivation: str, data: str, optimizer: str, l2: float, fmt: str, reports_dir: str, no_reports: bool,
          check_points: int, timeout: float, memory: int) -> None:
    """Train softmax regression with DERIVATION's final gradient, next to scikit-learn.

    Exit status 0 when the compiled gradient passes the gradient check, 1 when it does not,
    2 on usage or input errors."""
    from .report import train_json, train_markdown, train_text
    from .run import read_text
    from .source import SourceError
    from .train import TrainError, train as run_training
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
        from .report import write_atomic
        from .train import plot_losses
        folder = Path(reports_dir)
        result.plot = plot_losses(result, folder / f"train-{result.derivation}.png")
        write_atomic(folder / f"train-{result.derivation}.md", train_markdown(result))
        write_atomic(folder / f"train-{result.derivation}.json", train_json(result))
    click.echo(train_json(result) if fmt == "json" else train_text(result))
    sys.exit(0 if result.gradient_check_passed else 1)


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
            found = sorted(p for p in path.glob("*.md") if p.is_file())
            if not found:
                errors.append(f"{raw}: no derivations (*.md) in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            errors.append(f"{raw}: no such file or folder")
    return files, errors


if __name__ == "__main__":  # pragma: no cover
    main()
