"""A run: read the files, check them on workers, write the reports.

Reading is where untrusted bytes first arrive, so it is strict and says exactly what is wrong:
size, encoding, NUL bytes, an unreadable header; a bad file never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .checker import Options, check
from .findings import DerivationResult
from .report import index, markdown, to_json, write_atomic
from .source import SourceError, read_document
from .worker import Limits, Pool, default_size

MAX_BYTES = 2_000_000


@dataclass
class Outcome:
    results: list[DerivationResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_text(path: Path) -> str:
    """The file as text, or SourceError saying why it is not a readable document."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise SourceError(f"{size:,} bytes is more than the {MAX_BYTES:,} a derivation may have")
    data = path.read_bytes()
    if b"\x00" in data:
        raise SourceError("binary data (NUL bytes), not a text document")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise SourceError(f"not valid UTF-8 (byte {err.start})", line) from None


def check_files(files: list[Path], sizes: dict[str, int], limits: Limits | None = None, jobs: int = 0,
                reports: Path | None = None) -> Outcome:
    outcome = Outcome()
    walks, weights, names = [], [], []
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
        names.append(path)
    if walks:
        # each report is written (atomically) as soon as its derivation is done: a run that is
        # stopped keeps every report it finished
        done = (lambda i, result: write_report(result, reports)) if reports is not None else None
        pool = Pool(size=jobs or default_size(), limits=limits or Limits(), on_result=done)
        outcome.results = pool.run(walks, weights)
    for result in outcome.results:
        if result.error:
            outcome.errors.append(f"{result.file}: {result.error}")
    if reports is not None and outcome.results:
        write_atomic(reports / "index.md", index(outcome.results))
    return outcome


def write_report(result: DerivationResult, folder: Path) -> None:
    stem = Path(result.file).stem
    write_atomic(folder / f"{stem}.md", markdown(result))
    write_atomic(folder / f"{stem}.json", to_json([result]))
