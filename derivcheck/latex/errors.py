"""What goes wrong reading LaTeX: text that is not math derivcheck reads, a malformed derivative,
and text beyond the limits. Raised while the transformer builds nodes and by parse.py's checks
before parsing; each carries the position of the problem where it is known."""

from __future__ import annotations


class LatexError(ValueError):
    """The text is not well-formed math in the subset derivcheck reads."""

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.position = position


class MalformedDerivative(LatexError):
    """A Leibniz fraction whose numerator is a derivative and whose denominator is not ``∂v``."""


class TooLarge(LatexError):
    """Well-formed perhaps, but beyond the limits: refused by name, not called damaged."""
