"""Update rules are assignments, checked against the gradient (issue 12, rule 5).

``\\theta_j := \\theta_j - \\alpha \\frac{1}{m} \\sum_i (h_\\theta(x^{(i)}) - y^{(i)}) x_j^{(i)}`` is not an
identity: it is true by the author's decree, so it is never refuted as one. What it does claim is that
the step it takes is the learning rate times the gradient of the document's loss. So the change it
makes, ``\\theta_j - (\\text{right side})``, is compared with ``\\alpha \\frac{\\partial J}{\\partial \\theta_j}``
for the loss the document takes gradients of; a wrong gradient inside an update is found this way.

A cost, a loss or an error (``J``, ``L``, ``E``, ``C``, ``\\mathcal{L}``) is minimised: its update must go
down. Any other name (``\\ell`` is a log-likelihood as often as a loss) is read charitably: ``\\theta + \\alpha
\\nabla \\ell`` climbs, ``\\theta - \\alpha \\nabla \\ell`` descends, and the update is `valid` if it is either.
`invalid` only at a point where the change differs from the step it must be, both printed.
"""

from __future__ import annotations

from collections.abc import Callable
from ..latex import nodes as n
from ..latex.errors import LatexError
from ..latex.parse import parse_expression
from ..latex.render import to_latex
from ..notation.header import Notation
from .decide import Outcome

#: The names of what is minimised (a cost, a loss, an error): an update of them goes down, never up.
MINIMISED = frozenset({"J", "L", "E", "C", "\\mathcal{L}", "\\mathcal{J}", "\\mathcal{E}", "\\mathcal{C}"})

#: The letters a step size is written with.
STEP_SIZES = ("\\alpha", "\\eta", "\\epsilon", "\\gamma", "\\rho", "\\mu", "\\lambda", "lr")


def update_outcome(notation: Notation, lhs_text: str, lhs: n.Node, rhs: n.Node,
                   decide: Callable[[n.Node, n.Node], Outcome | None]) -> tuple[Outcome, str, str] | None:
    """``lhs := rhs`` checked as a gradient step on the document's loss: (outcome, the loss, a note saying
    what was compared), or None when the text names no loss for this variable or no one step size, the
    step is taken on one sample (its gradient is of a loss the text does not write), or the gradient
    cannot be evaluated (``decide`` gives None)."""
    loss = _loss_of(notation, lhs)
    rate = _step_size(notation, lhs, rhs)
    if loss is None or rate is None or _one_sample(notation, lhs, rhs) or _unread_entry_zero(notation, lhs):
        return None
    try:
        gradient = parse_expression(f"{rate} \\frac{{\\partial}}{{\\partial {lhs_text}}} {loss}")
    except LatexError:
        return None
    change = n.Add((lhs, n.Neg(rhs)))
    ways = [("down", change)] if _minimised(loss) else [("down", change), ("up", n.Neg(change))]
    written, meant = None, "up" if not _minimised(loss) and _climbs(lhs, rhs, rate) else "down"
    for way, moved in ways:
        for factor in _factors(notation):
            outcome = decide(moved, gradient if factor is None else n.Mul((factor, gradient)))
            if outcome is None:
                return None
            if outcome.status == "proved":
                return outcome, loss, _note(lhs_text, rate, loss, way, factor)
            if factor is None and way == meant:
                written = (outcome, way)
    if written is None or written[0].status == "shape":
        return None
    return written[0], loss, _note(lhs_text, rate, loss, written[1], None)


def _factors(notation: Notation) -> list[n.Node | None]:
    """What a step size may absorb: nothing, then 2 and 1/2, and a count of samples N, 1/N, 2N, 1/(2N)
    (``\\theta - \\alpha \\sum_i …`` for a cost with ``\\frac{1}{m}``: the same direction, the step
    rescaled). Only constants: a factor that depends on the data or the parameters is another direction."""
    out: list[n.Node | None] = [None, n.Num("2"), n.Div(n.Num("1"), n.Num("2"))]
    for size, role in sorted(notation.size_roles.items()):
        if role == "samples":
            count = n.Sym(size)
            out += [count, n.Div(n.Num("1"), count), n.Mul((n.Num("2"), count)),
                    n.Div(n.Num("1"), n.Mul((n.Num("2"), count)))]
    return out


def _unread_entry_zero(notation: Notation, lhs: n.Node) -> bool:
    """``\\theta_0 := \\theta_0 - …`` where no definition writes θ_0: the intercept of a text that counts from 0
    (its feature x_0 = 1), outside the range read for θ, so the notation's gradient by it (zero) is not the text's.
    Where a definition writes it (``J(\\theta_0, \\theta_1)``, ``h = \\theta_0 + \\theta_1 x``) it is checked."""
    if not (isinstance(lhs, n.Scripted) and any(isinstance(i, n.Num) and i.text == "0" for i in lhs.sub or ())):
        return False
    return not any(x == lhs for d in notation.definitions for side in (d.lhs, d.rhs) for x in n.walk(side))


def _one_sample(notation: Notation, lhs: n.Node, rhs: n.Node) -> bool:
    """``\\theta \\leftarrow \\theta - \\alpha (h(x^{(i)}) - y^{(i)}) x^{(i)}``: an index free on the right
    and not on the left, a step on one sample (stochastic gradient descent)."""
    return bool(n.free_indices(rhs, notation.indices) - n.free_indices(lhs, notation.indices))


def _minimised(loss: str) -> bool:
    try:
        node = parse_expression(loss)
    except LatexError:
        return False
    return _head(node.head if isinstance(node, n.Call) else node) in MINIMISED


def _note(variable: str, rate: str, loss: str, way: str, factor: n.Node | None) -> str:
    change = f"(right side) - {variable}" if way == "up" else f"{variable} - (right side)"
    why = " (a cost is minimised)" if _minimised(loss) else ""
    scaled = "" if factor is None else f" times ${to_latex(factor)}$ (the step size absorbs that constant)"
    return (f"an update rule, checked as a gradient step {way} ${loss}${why}: the change ${change}$ is compared with "
            f"${rate} \\frac{{\\partial {loss}}}{{\\partial {variable}}}${scaled}")


def _loss_of(notation: Notation, lhs: n.Node) -> str | None:
    """The loss whose gradient the document takes with respect to ``lhs``'s symbol."""
    head = _head(lhs)
    losses = []
    for target in notation.targets:
        try:
            wrt = parse_expression(target.wrt)
        except LatexError:
            continue
        if _head(wrt) == head and target.of not in losses:
            losses.append(target.of)
    return losses[0] if len(losses) == 1 else None


def _step_size(notation: Notation, lhs: n.Node, rhs: n.Node) -> str | None:
    """The one step-size letter the right side writes and the variable does not."""
    written = {x.name for x in n.walk(rhs) if isinstance(x, n.Sym)} - {x.name for x in n.walk(lhs)
                                                                      if isinstance(x, n.Sym)}
    rates = [r for r in STEP_SIZES if r in written and r not in notation.indices and not notation.definitions_of(r)]
    return rates[0] if len(rates) == 1 else None


def _climbs(lhs: n.Node, rhs: n.Node, rate: str) -> bool:
    """Whether the term with the step size is added (``\\theta + \\alpha …``), not subtracted."""
    terms = rhs.terms if isinstance(rhs, n.Add) else (rhs,)
    for term in terms:
        if term != lhs and any(isinstance(x, n.Sym) and x.name == rate for x in n.walk(term)):
            return not isinstance(term, n.Neg)
    return False


def _head(node: n.Node) -> str | None:
    while isinstance(node, n.Scripted):
        node = node.base
    return node.name if isinstance(node, n.Sym) else None
