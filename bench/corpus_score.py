"""Score a derivcheck JSON report against a corpus key (``key.json``) exactly as the corpus's score.py does.

score.py reads sys.argv and prints at import, so it cannot be imported; these are its rules as functions
that return data. tests/test_corpus.py runs the real score.py on the same reports and asserts the same
numbers, so the two cannot drift apart silently.

The rules (see the corpus README): a step matches a key excerpt when the normalised excerpt occurs in the
normalised step latex; a `must` is found when a matching step has an accepted verdict, and is a wrong step
called valid when it is not found and a matching step is `valid`; an `invalid` or `garbled` step that no
`must` matches and no `allow` (with its `count`) covers is a false flag; a document with several readings
is scored against its best one (most found, then fewest false flags; the first on a tie).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# score.py trims these from both ends of an excerpt and of a step, repeatedly
LEAD = ("$$", "=", "\\begin{align}", "\\begin{aligned}")
TAIL = ("$$", "\\\\", "\\end{align}", "\\end{aligned}", ".", ",")
FLAGS = ("invalid", "garbled")
DECIDED = ("valid", "invalid")
UNLIMITED = 10**9


def norm(text: str | None) -> str:
    """Whitespace and `&` removed, then `$$`, `=`, `\\\\`, alignment environments and trailing punctuation
    trimmed from both ends until nothing changes (a key excerpt may carry what a report leaves out)."""
    s = re.sub(r"\s+", "", text or "").replace("&", "")
    changed = True
    while changed and s:
        changed = False
        for t in LEAD:
            if s.startswith(t):
                s, changed = s[len(t):], True
        for t in TAIL:
            if s.endswith(t):
                s, changed = s[: -len(t)], True
    return s


@dataclass(frozen=True)
class ReadingScore:
    """One reading of one document: which keyed mistakes were found, and which steps were flagged wrongly."""

    keyed: int
    found: tuple[str, ...]
    missed: tuple[str, ...]
    false_flags: tuple[str, ...]  # the latex of each falsely flagged step, as the report wrote it
    wrong_valid: tuple[str, ...]  # the excerpts of keyed mistakes called valid

    @property
    def rank(self) -> tuple[int, int]:
        """score.py's order of readings: fewest mistakes missed, then fewest false flags."""
        return (len(self.found) - self.keyed, -len(self.false_flags))


@dataclass
class DocScore:
    """One keyed document scored against its best reading; `present` is False when the report lacks it."""

    name: str
    present: bool
    steps: int = 0
    decided: int = 0
    best: ReadingScore = field(default_factory=lambda: ReadingScore(0, (), (), (), ()))
    caught: tuple[str, ...] = ()  # keyed excerpts found under any reading: what a ratchet can hold on to


@dataclass
class PartScore:
    """A key scored against a report: score.py's per-document lines and its totals line."""

    docs: list[DocScore]
    steps: int
    decided: int

    @property
    def found(self) -> int:
        return sum(len(d.best.found) for d in self.docs)

    @property
    def keyed(self) -> int:
        return sum(d.best.keyed for d in self.docs)

    @property
    def false_flags(self) -> int:
        return sum(len(d.best.false_flags) for d in self.docs)

    @property
    def wrong_valid(self) -> int:
        return sum(len(d.best.wrong_valid) for d in self.docs)

    @property
    def missing(self) -> int:
        return sum(not d.present for d in self.docs)


def matching_verdicts(steps: list[dict], excerpt: str) -> list[str | None]:
    """The verdicts of the steps an excerpt names."""
    sub = norm(excerpt)
    return [s.get("verdict") for s in steps if sub in norm(s.get("latex"))]


def is_found(steps: list[dict], must: dict) -> bool:
    """A keyed mistake is found when some step it names has an accepted verdict."""
    return any(v in must["accept"] for v in matching_verdicts(steps, must["sub"]))


def false_flags(steps: list[dict], must: list[dict], allow: list[dict]) -> list[str]:
    """Flagged steps that no `must` names and no `allow` excuses; each allowance covers at most `count` steps."""
    musts = [norm(m["sub"]) for m in must]
    allows = [[norm(a["sub"]), a["verdicts"], a.get("count", UNLIMITED)] for a in allow]
    out = []
    for s in steps:
        verdict, latex = s.get("verdict"), norm(s.get("latex"))
        if verdict not in FLAGS or any(m in latex for m in musts):
            continue
        cover = next((a for a in allows if a[0] in latex and verdict in a[1] and a[2] > 0), None)
        if cover is None:
            out.append(s.get("latex") or "")
        else:
            cover[2] -= 1
    return out


def score_reading(steps: list[dict], must: list[dict], allow: list[dict]) -> ReadingScore:
    """score.py's score(): found, missed, wrong steps called valid and false flags for one reading."""
    found, missed, wrong = [], [], []
    for m in must:
        if is_found(steps, m):
            found.append(m["sub"])
        else:
            missed.append(m["sub"])
            if "valid" in matching_verdicts(steps, m["sub"]):
                wrong.append(m["sub"])
    return ReadingScore(len(must), tuple(found), tuple(missed), tuple(false_flags(steps, must, allow)), tuple(wrong))


def readings(entry: dict) -> list[dict]:
    """Each reading's must and allow; the document's own allow list holds under every reading."""
    listed = entry.get("readings") or [{"must": entry.get("must", []), "allow": []}]
    return [{"must": r.get("must", []), "allow": r.get("allow", []) + entry.get("allow", [])} for r in listed]


def find(name: str, derivations: list[dict]) -> dict | None:
    """score.py's match of a key name to a report entry: the first whose source or file contains it."""
    for d in derivations:
        if name in (d.get("source") or "") + " " + (d.get("file") or ""):
            return d
    return None


def score_doc(name: str, entry: dict, derivation: dict | None) -> DocScore:
    """A document against its best reading (a missing one counts the largest reading's mistakes as keyed)."""
    options = readings(entry)
    if derivation is None:
        keyed = max(len(r["must"]) for r in options)
        return DocScore(name, False, best=ReadingScore(keyed, (), (), (), ()))
    steps = derivation.get("steps", [])
    best = None
    for r in options:
        scored = score_reading(steps, r["must"], r["allow"])
        if best is None or scored.rank > best.rank:
            best = scored
    caught = dict.fromkeys(m["sub"] for r in options for m in r["must"] if is_found(steps, m))
    decided = sum(s.get("verdict") in DECIDED for s in steps)
    return DocScore(name, True, len(steps), decided, best, tuple(caught))


def score_report(key: dict, report: dict) -> PartScore:
    """Every document of a key against a report; steps and decided count every step of the report, as
    score.py does."""
    derivations = report.get("derivations", report.get("submissions", []))
    entries = key.get("seeds") or key.get("docs")
    docs = [score_doc(name, entry, find(name, derivations)) for name, entry in entries.items()]
    steps = [s for d in derivations for s in d.get("steps", [])]
    return PartScore(docs, len(steps), sum(s.get("verdict") in DECIDED for s in steps))
