"""What a chain says it follows from: the equation before a connective (``A \\Rightarrow B``), or one that
holds at a particular point ("setting the gradient to zero", then "isolating w"). The chain walker
asks here; the deciding is verdict/implies.py's."""

from __future__ import annotations

from dataclasses import dataclass

from ..notation.conventions import point_cue
from ..read.source import Chain, Document
from .findings import StepResult
from .messages import SOLVED, AtAPoint, Implied
from .tasks import Result


@dataclass(frozen=True)
class Given:
    """The equation a chain says it follows from: its two sides, the connective (``\\Rightarrow``), or
    none when it comes right after an equation that holds at a particular point (``cue``)."""
    lhs: str
    rhs: str
    connective: str | None
    cue: str | None = None


def antecedent(before: Chain | None, chain: Chain, point: str | None) -> Given | None:
    """What ``chain`` follows from: the equation before a connective (``A \\Rightarrow B``: A's first and
    last sides), or, for one equation right after an equation that holds at a point ("setting the
    gradient to zero", then "isolating w"), that equation."""
    if before is None or not before.links:
        return None
    sides = before.first.text, before.links[-1].piece.text
    if chain.first.joined and before.first.block == chain.first.block:
        return Given(*sides, chain.first.joined)
    if point is not None and len(chain.links) == 1 and not chain.first.joined:
        return Given(*sides, None, point)
    return None


def point_of(doc: Document, chain: Chain, kind: str | None, steps: list[StepResult]) -> str | None:
    """The cue ("setting the gradient to zero") when ``chain`` holds only at a particular point: said so
    before it, or following from an equation that does."""
    for step in steps:
        if isinstance(step.reason, AtAPoint):
            return step.reason.cue
        if isinstance(step.reason, Implied) and step.reason.cue:
            return step.reason.cue
    if kind == "conditional":
        return point_cue(doc.blocks[chain.first.block].before) or SOLVED
    return None


def claims_to_follow(verdict: str, result: Result | None) -> bool:
    """After ``\\Rightarrow``: an equation not proved as an identity of its own (refuted, beyond the engine,
    or naming a new symbol, ``\\hat{w} = …``) is checked as following from the one before."""
    if result is None:
        return False
    return verdict == "invalid" or result.definition or (verdict == "unsupported" and result.failure == "unsupported")
