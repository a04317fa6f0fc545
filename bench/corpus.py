"""The scoreboard on the corpus of real public derivations (../shared/corpus), and its ratchet baseline.

    .venv/bin/python bench/corpus.py                       # softmax, linear, networks (development)
    .venv/bin/python bench/corpus.py linear --format json
    .venv/bin/python bench/corpus.py holdout --totals      # held back: totals only, once an issue is done
    .venv/bin/python bench/corpus.py --record              # rewrite tests/corpus_baseline.json

The documents have no notation header: each is checked by the installed CLI, as a user would run it
(`derivcheck check FILES... --format json --no-reports`, every file of the part's docs/ named, all parts in
one call), and scored against the part's key.json by bench/corpus_score.py (score.py's rules). A document
the CLI refuses, or reads to no step, is "not read" and counted. The reasons of `unsupported` and
`undecided` steps are bucketed by their wording with the specifics stripped, so the histogram is a roadmap.

The corpus lives beside the repository (`../shared/corpus`), or wherever DERIVCHECK_CORPUS points. It is
data: nothing of it is copied here; the baseline names steps by a hash of their text.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from corpus_score import DocScore, PartScore, find, score_report

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "tests" / "corpus_baseline.json"
DEV_PARTS = ("softmax", "linear", "networks")
HOLDOUT = "holdout"
CLI_TIMEOUT_S = 600
EXCERPT_CHARS = 60
TOP_BUCKETS = 15
UNDECIDED = ("unsupported", "undecided")


def corpus_root() -> Path:
    """DERIVCHECK_CORPUS, else the corpus beside the repository root."""
    override = os.environ.get("DERIVCHECK_CORPUS")
    return Path(override) if override else ROOT.parent / "shared" / "corpus"


def resolve_parts(names: list[str]) -> list[str]:
    """Part names as folders of the corpus; `holdout` stands for each of its parts. The holdout is never a
    default: it is scored only when named."""
    root, parts = corpus_root(), []
    for name in names or DEV_PARTS:
        name = name.strip("/")
        if name == HOLDOUT:
            parts += sorted(f"{HOLDOUT}/{p.parent.name}" for p in (root / HOLDOUT).glob("*/key.json"))
        elif (root / name / "key.json").is_file():
            parts.append(name)
        else:
            raise SystemExit(f"corpus.py: no part {name!r} in {root} (a folder with key.json and docs/)")
    return parts


def part_files(part: str) -> list[Path]:
    """Every document of a part, whatever its format: the CLI decides what it can read."""
    return sorted(p.resolve() for p in (corpus_root() / part / "docs").iterdir() if p.is_file())


def derivcheck_command() -> list[str]:
    """The console script installed beside this interpreter, else ``python -m derivcheck``."""
    script = Path(sys.executable).with_name("derivcheck")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "derivcheck"]


def run_derivcheck(files: list[Path], jobs: int | None) -> tuple[dict, list[str], float]:
    """One CLI call on every file: (report, error lines, seconds). Exit 1 (a step is invalid) and
    2 (a file refused) are expected; anything that does not leave a JSON report on stdout is not."""
    command = derivcheck_command() + ["check", *map(str, files), "--format", "json", "--no-reports"]
    command += ["--jobs", str(jobs)] if jobs else []
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, timeout=CLI_TIMEOUT_S)
    seconds = time.perf_counter() - start
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"derivcheck exited {proc.returncode} with no JSON report:\n{proc.stderr[-2000:]}")
    errors = report.get("errors") or proc.stderr.splitlines()
    return report, errors, seconds


@dataclass
class Doc:
    """A keyed document of a part, its score and the CLI's error lines about it."""

    part: str
    score: DocScore
    errors: list[str]
    verdicts: dict[str, int]

    @property
    def read(self) -> bool:
        """Refused documents are missing from the report; one refused late appears with no step."""
        return self.score.present and (self.score.steps > 0 or not self.errors)

    @property
    def key(self) -> str:
        return f"{self.part}/{self.score.name}"


@dataclass
class Part:
    name: str
    score: PartScore
    docs: list[Doc]
    derivations: list[dict]  # the report's entries for the part's files, as the CLI wrote them

    @property
    def reasons(self) -> list[tuple[str, str]]:
        """(verdict, reason) of every unsupported or undecided step."""
        return [(s["verdict"], s.get("reason") or "") for d in self.derivations for s in d.get("steps", [])
                if s.get("verdict") in UNDECIDED]


@dataclass
class Board:
    parts: list[Part]
    seconds: float
    files: int
    jobs: int | None


def score_part(part: str, report: dict, errors: list[str]) -> Part:
    """A part's key against the derivations of the report that are its files."""
    files = {str(p) for p in part_files(part)}
    derivations = [d for d in report.get("derivations", []) if str(Path(d.get("file", "")).resolve()) in files]
    key = json.loads((corpus_root() / part / "key.json").read_text(encoding="utf-8"))
    scored = score_report(key, {"derivations": derivations})
    docs = []
    for doc in scored.docs:
        path = next((f for f in files if Path(f).stem == doc.name), "")
        steps = (find(doc.name, derivations) or {}).get("steps", [])
        doc_errors = [e for e in errors if path and path in e]
        docs.append(Doc(part, doc, doc_errors, dict(Counter(s.get("verdict") for s in steps))))
    return Part(part, scored, docs, derivations)


def build_board(parts: list[str], jobs: int | None) -> Board:
    """Check every document of the parts in one CLI call and score each part."""
    files = [f for part in parts for f in part_files(part)]
    report, errors, seconds = run_derivcheck(files, jobs)
    return Board([score_part(p, report, errors) for p in parts], seconds, len(files), jobs)


def totals(parts: list[Part]) -> dict:
    """The totals line: score.py's numbers, and how many documents were not read."""
    steps = sum(p.score.steps for p in parts)
    decided = sum(p.score.decided for p in parts)
    return {
        "docs": sum(len(p.docs) for p in parts), "steps": steps, "decided": decided,
        "decided_pct": round(100 * decided / steps, 1) if steps else None,
        "found": sum(p.score.found for p in parts), "keyed": sum(p.score.keyed for p in parts),
        "false_flags": sum(p.score.false_flags for p in parts),
        "wrong_valid": sum(p.score.wrong_valid for p in parts),
        "missing": sum(p.score.missing for p in parts),
        "unread": sum(not d.read for p in parts for d in p.docs),
    }


def bucket(reason: str) -> str:
    """A reason's category: its wording with the specifics (LaTeX, quoted names, symbols, shapes,
    numbers) replaced, so that `\\th` and `\\bf` unknown, or `$L$` and `$f$` never defined, count together."""
    text = re.sub(r"^not supported: ", "", reason)
    text = re.sub(r"\$[^$]*\$|`[^`]*`|\"[^\"]*\"|(?<!\w)'[^']*'", "X", text)
    text = re.sub(r"\b(?:an? )?(?:scalar|(?:column|row) vector of length \d+|\d+×\d+ matrix)\b", "<shape>", text)
    words = []
    for word in text.split(" "):
        core, punct = re.match(r"(.*?)([,.;:]*)$", word).groups()
        symbolic = re.search(r"[\\_^{}]", core) or (len(core) == 1 and core.isalpha() and core != "a")
        words.append(("X" if symbolic else core) + punct)
    text = re.sub(r"\d+", "N", " ".join(words))
    return re.sub(r"X(?:,? X)+", "X", text).replace("X are ", "X is ")


def histogram(parts: list[Part]) -> list[dict]:
    """Unsupported and undecided steps by bucket, most frequent first, each with one raw reason."""
    counts: Counter = Counter()
    examples: dict[tuple[str, str], str] = {}
    for part in parts:
        for verdict, reason in part.reasons:
            key = (verdict, bucket(reason))
            counts[key] += 1
            examples.setdefault(key, reason)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"verdict": v, "bucket": b, "count": n, "example": examples[(v, b)]} for (v, b), n in ranked]


def doc_json(doc: Doc) -> dict:
    s = doc.score
    return {"part": doc.part, "doc": s.name, "read": doc.read, "errors": doc.errors, "steps": s.steps,
            "decided": s.decided, "verdicts": doc.verdicts, "found": len(s.best.found), "keyed": s.best.keyed,
            "false_flags": list(s.best.false_flags), "wrong_valid": list(s.best.wrong_valid),
            "missed": list(s.best.missed), "caught": list(s.caught)}


def board_json(board: Board, totals_only: bool) -> dict:
    """The machine-readable scoreboard; with totals_only, nothing per document or per step."""
    out: dict = {"corpus": str(corpus_root()), "seconds": round(board.seconds, 2), "jobs": board.jobs,
                 "parts": [{"part": p.name, "totals": totals([p])} for p in board.parts],
                 "totals": totals(board.parts)}
    if not totals_only:
        for entry, part in zip(out["parts"], board.parts):
            entry["docs"] = [doc_json(d) for d in part.docs]
        out["reasons"] = histogram(board.parts)
    return out


def pct(decided: int, steps: int) -> str:
    return f"{100 * decided / steps:.0f}%" if steps else "-"


ROW = "{:<44} {:>6} {:>8} {:>7} {:>6} {:>6}  {}"


def total_row(label: str, t: dict) -> str:
    return ROW.format(label, t["steps"], pct(t["decided"], t["steps"]), f"{t['found']}/{t['keyed']}",
                      t["false_flags"], t["wrong_valid"], f"{t['unread']} of {t['docs']} not read")


def doc_lines(doc: Doc) -> list[str]:
    """A document's row, then what a developer looks at: false flags, wrong steps called valid, refusals."""
    s = doc.score
    lines = [ROW.format("  " + s.name, s.steps, pct(s.decided, s.steps), f"{len(s.best.found)}/{s.best.keyed}",
                        len(s.best.false_flags), len(s.best.wrong_valid), "read" if doc.read else "NOT READ")]
    lines += [f"      false flag: {excerpt(latex)}" for latex in s.best.false_flags]
    lines += [f"      wrong step called valid: {sub[:EXCERPT_CHARS]}" for sub in s.best.wrong_valid]
    lines += [f"      error: {e}" for e in doc.errors]
    return lines


def board_text(board: Board, totals_only: bool) -> str:
    """The table: per document (unless totals_only), per part and overall, the reason histogram, the time."""
    lines = [ROW.format("part / document", "steps", "decided", "found", "false", "wrong", ""),
             ROW.format("", "", "", "/keyed", "flags", "valid", "")]
    for part in board.parts:
        if not totals_only:
            lines += [line for doc in part.docs for line in doc_lines(doc)]
        lines.append(total_row(f"{part.name} total", totals([part])))
    lines.append(total_row("all parts", totals(board.parts)))
    if not totals_only:
        hist = histogram(board.parts)
        lines += ["", f"unsupported / undecided reasons (top {min(TOP_BUCKETS, len(hist))} of {len(hist)} buckets):"]
        lines += [f"{h['count']:>5}  {h['verdict']:<11} {h['bucket'][:90]}\n{'':18}e.g. {h['example'][:100]}"
                  for h in hist[:TOP_BUCKETS]]
    lines += ["", f"wall time {board.seconds:.1f} s (one derivcheck call on {board.files} documents, "
                  f"--jobs {board.jobs or 'one per core'})"]
    return "\n".join(lines)


def excerpt(latex: str) -> str:
    """How a message shows a step: its latex, whitespace collapsed, truncated."""
    return " ".join(latex.split())[:EXCERPT_CHARS]


def digest(latex: str) -> str:
    """How the baseline names a step or a key excerpt: a hash of its text (whitespace collapsed), so that
    no corpus text is copied into the repository."""
    return hashlib.sha256(" ".join(latex.split()).encode("utf-8")).hexdigest()[:12]


def snapshot(board: Board) -> dict:
    """What the ratchet holds per document: read or not, the keyed mistakes found (under any reading), the
    false flags and the wrong steps called valid known today, each by digest."""
    return {d.key: {"read": d.read, "found": sorted(map(digest, d.score.caught)),
                    "false_flags": sorted(map(digest, d.score.best.false_flags)),
                    "wrong_valid": sorted(map(digest, d.score.best.wrong_valid))}
            for p in board.parts for d in p.docs}


def texts(board: Board) -> dict[str, str]:
    """Digest -> excerpt for every key excerpt and step of a run, so messages can show text."""
    out = {}
    for part in board.parts:
        key = json.loads((corpus_root() / part.name / "key.json").read_text(encoding="utf-8"))["docs"]
        subs = [m["sub"] for k in key.values() for r in [k] + k.get("readings", []) for m in r.get("must", [])]
        subs += [step.get("latex") or "" for d in part.derivations for step in d.get("steps", [])]
        out.update({digest(sub): excerpt(sub) for sub in subs})
    return out


EMPTY = {"read": False, "found": [], "false_flags": [], "wrong_valid": []}


def regressions(old: dict, new: dict, shown: dict[str, str] | None = None) -> list[str]:
    """What got worse from the recorded snapshot to the current one: a document no longer read, a keyed
    mistake no longer found, a new false flag, a new wrong step called valid (``shown``: digest -> text)."""
    def sub(h: str) -> str:
        return (shown or {}).get(h, h)
    out = []
    for key in sorted(old.keys() | new.keys()):
        was, now = old.get(key, EMPTY), new.get(key)
        if now is None:
            out.append(f"{key}: recorded, but no longer in the corpus")
            continue
        if was["read"] and not now["read"]:
            out.append(f"{key}: no longer read")
        out += [f"{key}: keyed mistake no longer found: {sub(h)}" for h in was["found"] if h not in now["found"]]
        out += [f"{key}: new false flag: {sub(h)}"
                for h in (Counter(now["false_flags"]) - Counter(was["false_flags"])).elements()]
        out += [f"{key}: new wrong step called valid: {sub(h)}" for h in now["wrong_valid"] if h not in was["wrong_valid"]]
    return out


def improvements(old: dict, new: dict, shown: dict[str, str] | None = None) -> list[str]:
    """What got better: worth recording (`--record`) so the ratchet holds it from now on."""
    def sub(h: str) -> str:
        return (shown or {}).get(h, h)
    out = []
    for key in sorted(new.keys()):
        was, now = old.get(key, EMPTY), new[key]
        if now["read"] and not was["read"]:
            out.append(f"{key}: now read")
        out += [f"{key}: now found: {sub(h)}" for h in now["found"] if h not in was["found"]]
        out += [f"{key}: false flag gone: {sub(h)}"
                for h in (Counter(was["false_flags"]) - Counter(now["false_flags"])).elements()]
        out += [f"{key}: no longer called valid: {sub(h)}" for h in was["wrong_valid"] if h not in now["wrong_valid"]]
    return out


def load_baseline(path: Path = BASELINE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["docs"] if path.is_file() else {}


def record(new: dict, allow_regress: bool, path: Path = BASELINE, shown: dict[str, str] | None = None) -> int:
    """Rewrite the baseline with a run's snapshot; refuse to record anything worse than a baseline already
    there unless allow_regress."""
    old = load_baseline(path)
    worse = regressions(old, new, shown) if path.is_file() else []
    if worse and not allow_regress:
        print("not recorded: worse than the baseline (--allow-regress records it anyway):", *worse, sep="\n  ", file=sys.stderr)
        return 1
    note = ("written by `python bench/corpus.py --record` from the development parts of the corpus; "
            "tests/test_corpus.py fails when a document is read no longer, a mistake found is lost, or a "
            "false flag or wrong step called valid appears that is not listed here")
    path.write_text(json.dumps({"about": note, "docs": new}, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                    encoding="utf-8")
    print(f"recorded {path}", *improvements(old, new, shown), *worse, sep="\n  ", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("parts", nargs="*", help="softmax, linear, networks (default: all three); holdout or holdout/PART")
    ap.add_argument("--format", choices=("text", "json"), default="text")
    ap.add_argument("--jobs", type=int, default=None, help="derivcheck's worker processes (default: one per core)")
    ap.add_argument("--totals", action="store_true", help="only the totals lines (what the holdout may show)")
    ap.add_argument("--record", action="store_true", help=f"rewrite {BASELINE.relative_to(ROOT)} from this run")
    ap.add_argument("--allow-regress", action="store_true", help="with --record: record even what got worse")
    args = ap.parse_args(argv)
    if not corpus_root().is_dir():
        raise SystemExit(f"corpus.py: no corpus at {corpus_root()} (set DERIVCHECK_CORPUS)")
    parts = resolve_parts(args.parts)
    if args.record and parts != list(DEV_PARTS):
        raise SystemExit("corpus.py: --record covers exactly the development parts; name no part")
    board = build_board(parts, args.jobs)
    if args.format == "json":
        print(json.dumps(board_json(board, args.totals), indent=1, ensure_ascii=False))
    else:
        print(board_text(board, args.totals))
    return record(snapshot(board), args.allow_regress, shown=texts(board)) if args.record else 0


if __name__ == "__main__":
    sys.exit(main())
