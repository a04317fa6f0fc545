"""One small class per reason a step got its verdict, each with its sentence.

Findings carry these objects; only ``text()`` turns them into words, so the wording lives here and
nowhere else (the pyflakes model).
"""

from __future__ import annotations

from dataclasses import dataclass


class Message:
    def text(self) -> str:
        raise NotImplementedError

    def short(self) -> str:
        """A few words for a table cell."""
        return self.text()

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class Proved(Message):
    relation: str
    instances: str

    def text(self) -> str:
        what = "equal" if self.relation in ("=", ":=") else f"related by ${self.relation}$"
        return f"proved {what} exactly at every instantiation ({self.instances})"

    def short(self) -> str:
        return "proved exactly"


@dataclass(frozen=True)
class DefinitionAdopted(Message):
    name: str
    agrees_with_header: bool

    def text(self) -> str:
        if self.agrees_with_header:
            return f"definition of ${self.name}$; agrees with the notation's definition"
        return f"definition of ${self.name}$"


@dataclass(frozen=True)
class DefinitionDiffers(Message):
    name: str

    def text(self) -> str:
        return f"this definition of ${self.name}$ differs from the one in the notation header"


@dataclass(frozen=True)
class Refuted(Message):
    relation: str
    equation: bool = False

    def text(self) -> str:
        if self.relation != "=":
            return f"the relation ${self.relation}$ fails (see the counterexample)"
        if self.equation:
            return "the two sides are not equal (see the counterexample)"
        return "not equal to the expression before it (see the counterexample)"


@dataclass(frozen=True)
class UpdateRefuted(Message):
    """An update rule whose step is not the step size times the gradient it descends (or climbs)."""
    loss: str

    def text(self) -> str:
        return (f"the step this update takes is not the step size times the gradient of ${self.loss}$ "
                "(see the counterexample: the change it makes, then the step size times the gradient)")


@dataclass(frozen=True)
class ShapeMismatch(Message):
    lhs: str
    rhs: str

    def text(self) -> str:
        return f"the two sides have different shapes: {self.lhs} vs {self.rhs}"


@dataclass(frozen=True)
class ShapesUnread(Message):
    lhs: str
    rhs: str

    def text(self) -> str:
        return (f"under the notation read from the text the two sides have different shapes ({self.lhs} vs "
                f"{self.rhs}); the shapes of its symbols may be misread, so this is not called invalid")

    def short(self) -> str:
        return f"shapes differ under the inferred notation ({self.lhs} vs {self.rhs})"


@dataclass(frozen=True)
class Recovered(Message):
    anchor: str
    wrong: str
    sure: bool = True       # False: the anchor's own step could not be decided
    shown_wrong: bool = True  # False: the previous step was not shown wrong, only not decided

    def text(self) -> str:
        which = "the last correct expression" if self.sure else \
            "the last expression not shown wrong (its own step could not be decided)"
        if not self.shown_wrong:
            return (f"differs from the previous expression (step {self.wrong}, which could not be decided), but "
                    f"is proved equal to {self.anchor}, {which}")
        return (f"differs from the previous expression, which was wrong (step {self.wrong}), but is "
                f"proved equal to {self.anchor}, {which}: the error was not carried forward")

    def short(self) -> str:
        if not self.shown_wrong:
            return f"proved equal to {self.anchor} (step {self.wrong} before it could not be decided)"
        return f"recovers: proved equal to {self.anchor}; the error of step {self.wrong} is not carried forward"


@dataclass(frozen=True)
class CarriesError(Message):
    origin: str

    def text(self) -> str:
        return (f"follows from the previous expression, but that expression is wrong (since step "
                f"{self.origin}): the error is carried forward")

    def short(self) -> str:
        return f"follows, but carries the error of step {self.origin}"


@dataclass(frozen=True)
class Damaged(Message):
    what: str

    def text(self) -> str:
        return f"damaged LaTeX: {self.what}"


@dataclass(frozen=True)
class Unreadable(Message):
    what: str

    def text(self) -> str:
        return f"the LaTeX cannot be read: {self.what}"


@dataclass(frozen=True)
class NotSupported(Message):
    what: str

    def text(self) -> str:
        return f"not supported: {self.what}"


@dataclass(frozen=True)
class Implied(Message):
    """An equation that follows from the one before it (``A \\Rightarrow B``, or right after an equation
    that holds at a point): rearranged, or solved."""
    connective: str | None
    how: str                # "rearranged" | "solved"
    cue: str | None = None  # the point the equation before it holds at ("setting the gradient to zero")

    def text(self) -> str:
        joined = f" (`{self.connective}`)" if self.connective else ""
        at = f", at the point that one holds at (\"{self.cue}\")" if self.cue else ""
        if self.how == "rearranged":
            return f"follows from the equation before it{joined}: the same equation, rearranged{at}"
        return (f"follows from the equation before it{joined}: what it states, put into that equation, makes "
                "it hold everywhere (so it is that equation's solution where it has one, e.g. where the matrix "
                f"that multiplies the unknown is invertible){at}")


@dataclass(frozen=True)
class NotImplied(Message):
    """An equation that says it follows from the one before it, and names what does not solve it."""
    connective: str | None

    def text(self) -> str:
        joined = f" (`{self.connective}`)" if self.connective else ""
        return (f"does not follow from the equation before it{joined}: what it states, put into that equation, "
                "leaves two different sides (see the counterexample: that equation's two sides)")


#: The cue of an equation no prose marks, but that has the weights on one side and only data on the other.
SOLVED = "an equation the weights solve"


@dataclass(frozen=True)
class AtAPoint(Message):
    """A refuted equation the text says holds only somewhere (at an optimum): not an identity."""
    cue: str

    def text(self) -> str:
        if self.cue == SOLVED:
            return ("not an identity: the weights on one side, only data on the other, so it states their solution "
                    "or the equation they solve, which holds at a particular point; it is neither proved nor refuted")
        return (f"not an identity: the text says it holds at a particular point (\"{self.cue}\"), a condition "
                "derivcheck cannot read; it is not equal everywhere, so it is neither proved nor refuted")


@dataclass(frozen=True)
class OneOfTheCases(Message):
    """A refuted expression in a row that lists cases with "or": it may hold in the case it is written for."""

    def text(self) -> str:
        return ("its row lists cases joined by \"or\" (each holding in one of them), and the text does not say "
                "which case this one is: it is neither proved nor refuted")


@dataclass(frozen=True)
class OneCase(Message):
    """A refuted row that names the case it holds in (``& \\text{if } y = 1``)."""
    condition: str

    def text(self) -> str:
        return (f"its row holds only where ${self.condition}$, a case derivcheck does not check separately: it is "
                "neither proved nor refuted")


@dataclass(frozen=True)
class Restricted(Message):
    """A refuted equation whose sum the text restricts in words (``\\text{ where } y_i = 1``)."""
    condition: str

    def text(self) -> str:
        return (f"its sum runs only where ${self.condition}$, a condition in words that derivcheck does not "
                "read: it is neither proved nor refuted")


@dataclass(frozen=True)
class NotProved(Message):
    instances: str
    sampled: bool = True

    def text(self) -> str:
        if not self.sampled:
            return (f"neither proved nor refuted ({self.instances}): the exact procedure could not reduce the "
                    "difference to zero, and at no sampled point were both sides real numbers")
        return (f"equal at every sampled point ({self.instances}) but not proved: the exact "
                "procedure could not reduce the difference to zero")


@dataclass(frozen=True)
class LimitReached(Message):
    """The step ran out of time or memory, or its worker died: nothing is known about it."""
    what: str

    def text(self) -> str:
        return f"undecided: {self.what}"


@dataclass(frozen=True)
class AcrossUnreadable(Message):
    """A step that differs from the last expression read, with a step in between that could not be read:
    the difference may have entered in the unread step, so this one is not refuted."""
    compared: str
    unread: str

    def text(self) -> str:
        return (f"differs from {self.compared}, but step {self.unread} in between could not be read, and the "
                "difference may have entered there: neither proved nor refuted")


@dataclass(frozen=True)
class NoPrevious(Message):
    def text(self) -> str:
        return "the chain this step continues could not be read, so there is nothing to compare with"
