"""The charitable reader: where the text admits several readings, adopt the one under which it holds best.

A notation may list other readings of its text (``readings`` in the header: an unstated one-hot label,
an index range that starts at 0, δ as ∂ or as Kronecker's delta, a symbol defined twice). The walker
checks the document under each; this module adopts a reading only where it does better than the text
as written on both counts (as many valid steps or more, as few invalid or garbled ones or fewer, and
better on one): a reading the text never states must not call a step wrong that the text as written
does not. Among those, the one with most valid steps wins. It says which one it adopted and what each
other reading would change, and notes every step that holds only under the adopted one.
"""

from __future__ import annotations

from .findings import DerivationResult, ReadingChoice

#: The name of the reading the header itself gives.
AS_WRITTEN = "as written"


def adopt(first: DerivationResult, others: list[tuple[dict, DerivationResult]]) -> DerivationResult:
    """The result under the best reading, with the choice recorded on it."""
    candidates = [(AS_WRITTEN, {}, first)] + [(reading["name"], reading, result) for reading, result in others]
    better = [i for i, (_, _, result) in enumerate(candidates) if i == 0 or _dominates(result, first)]
    best = max(better, key=lambda i: (_score(candidates[i][2]), -i))
    name, reading, chosen = candidates[best]
    verdicts = {s.id: s.verdict for s in chosen.steps}
    changes = []
    for i, (other_name, _, other) in enumerate(candidates):
        if i != best:
            changes.append((other_name, {s.id: s.verdict for s in other.steps if verdicts.get(s.id) != s.verdict}))
    if best:
        note = reading.get("note") or f"holds under the reading “{name}”"
        before = {s.id: s.verdict for s in first.steps}
        for step in chosen.steps:
            if step.verdict == "valid" and before.get(step.id) != "valid" and note not in step.notes:
                step.notes.append(note)
    chosen.reading = ReadingChoice(name, changes)
    return chosen


def settled(result: DerivationResult) -> bool:
    """Nothing another reading could improve: every step valid, the final answer correct (and equal to
    the reference, when graded)."""
    return all(s.verdict == "valid" for s in result.steps) and result.final.verdict in ("correct", "none") \
        and all(t.reference is None or t.reference.verdict == "correct" for t in result.final.targets)


def _dominates(result: DerivationResult, first: DerivationResult) -> bool:
    """Whether ``result`` flags no step that ``first`` does not, has as many valid steps, and is better in
    some way (fewer flags, more valid steps, a correct final answer, a reference matched)."""
    flagged, flagged0 = _flagged(result), _flagged(first)
    if not flagged <= flagged0:
        return False
    score, score0 = _score(result), _score(first)
    return score[0] >= score0[0] and (flagged < flagged0 or score > score0)


def _flagged(result: DerivationResult) -> set[str]:
    return {s.id for s in result.steps if s.verdict in ("invalid", "garbled")}


def _score(result: DerivationResult) -> tuple[int, int, bool, int]:
    flagged = result.count("invalid") + result.count("garbled")
    matched = sum(t.reference is not None and t.reference.verdict == "correct" for t in result.final.targets)
    return result.count("valid"), -flagged, result.final.verdict == "correct", matched
