"""What the author probably meant: the smallest edit of an invalid step that makes it valid.

Edits are made on the author's text, at the positions the parser recorded, so a repair reads as
their own line with one thing changed: one index (``σ(z_i)`` → ``σ(z_j)``, ``S_1`` → ``S_2``),
one sign, or one factor (dropped, or the whole side divided by it). Each candidate is built as an
edit of the parsed tree too (unchanged parts are shared, so the evaluator's cache serves them),
screened numerically at two instantiations, and then decided exactly (decide.compare); the first
exact success wins, in that order of kinds.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from ..latex import nodes as n
from .decide import Context, Outcome, compare, free_indices
from ..meaning.indices import instances
from ..meaning.values import EvaluationError
from .findings import Repair
from .messages import Proved
from ..latex.render import to_latex

#: At most this many candidates are screened per step.
MAX_CANDIDATES = 150
SCREEN_TOLERANCE = 1e-8


@dataclass(frozen=True)
class Candidate:
    kind: str
    text: str
    change: str
    node: n.Node


def search(ctx: Context, target: n.Node, step: n.Node, text: str, relation: str,
           assume: tuple[n.Rel, ...], decide: Callable[[n.Node, n.Node], Outcome] | None = None) -> Repair | None:
    """Candidate edits of ``text`` proved to stand in ``relation`` to ``target`` (by ``decide``: at
    two size sets, so that a repair true only at the sizes checked is never offered).

    Every working edit of the first kind that has one is kept: when two one-index changes both
    work (``σ(z_i)(δ_ij − σ(z_i))``: either σ(z_i) may become σ(z_j)), the later one in the text
    is offered first and the others as alternatives, rather than one picked silently.
    """
    screen = _Screen(ctx, target, step, assume)
    if not screen.cases:
        return None
    seen = {text}
    found: list[Repair] = []
    for count, cand in enumerate(candidates(ctx, target, step, text)):
        if count >= MAX_CANDIDATES or (found and cand.kind != found[0].kind):
            break
        if cand.text in seen:
            continue
        seen.add(cand.text)
        try:
            if not screen.passes(cand.node):
                continue
            outcome = decide(target, cand.node) if decide else compare(ctx, target, cand.node, relation, assume)
        except (EvaluationError, ArithmeticError, ValueError, TypeError):
            continue
        if outcome.status == "proved":
            found.append(Repair(cand.kind, cand.change, cand.text, "valid", Proved(relation, outcome.instances)))
    if not found:
        return None
    found.reverse()
    return replace(found[0], alternatives=tuple(found[1:]))


class _Screen:
    """A cheap numeric test at two instantiations before the exact one."""

    def __init__(self, ctx: Context, target: n.Node, step: n.Node, assume):
        self.ctx = ctx
        self.cases: list[tuple] = []
        letters = sorted(free_indices(target, ctx.notation) | free_indices(step, ctx.notation))
        holds = ctx.evaluator.holds
        envs = [e for e in instances(letters, ctx.notation) if all(holds(a, e) for a in assume)]
        rng = random.Random(7)
        for env in (envs[:1] + envs[-1:]) if len(envs) > 1 else envs:
            needs = ctx.labels_read(target, env)
            labels = tuple((k, 1 + rng.randrange(v)) for k, v in sorted(needs.items()))
            point: dict = {}
            want = ctx.numeric(target, env, labels, point)
            if want is not None:
                self.cases.append((env, labels, point, want))

    def passes(self, node: n.Node) -> bool:
        for env, labels, point, want in self.cases:
            got = self.ctx.numeric(node, env, labels, point)
            if got is None:
                return True  # cannot screen (undefined functions): let the exact test decide
            if len(got) != len(want):
                return False
            if any(abs(a - b) > SCREEN_TOLERANCE * max(1.0, abs(b)) for a, b in zip(got, want)):
                return False
        return True


# ----------------------------------------------------------------------------- candidates

def candidates(ctx: Context, target: n.Node, step: n.Node, text: str) -> Iterator[Candidate]:
    yield from _index_edits(ctx, target, step, text)
    yield from _sign_edits(step, text)
    yield from _factor_edits(step, text)
    yield from _lost_factor_edits(target, step, text)
    yield from _scalar_factor_edits(ctx, target, step, text)


def _replace(root: n.Node, old: n.Node, new: n.Node) -> n.Node:
    """``root`` with the node ``old`` (by identity) replaced by ``new``; the rest shared."""
    return n.rebuild(root, lambda x: new if x is old else x)


def _index_edits(ctx: Context, target: n.Node, step: n.Node, text: str) -> Iterator[Candidate]:
    """One written index changed to another letter of the step (or its target), or a numeral."""
    letters = sorted({x.name for node in (target, step) for x in n.walk(node)
                      if isinstance(x, n.Sym) and x.name in ctx.notation.indices}
                     | {x.index for node in (target, step) for x in n.walk(node) if isinstance(x, n.Sum)})
    largest = max(ctx.notation.sizes.values(), default=3)
    for owner, item in _index_positions(step):
        start, end = item.span
        if end <= start or text[start:end] != _item_text(item):
            continue
        if isinstance(item, n.Sym):
            options = [(x, n.Sym(x, span=item.span)) for x in letters if x != item.name]
        else:
            options = [(str(v), n.Num(str(v), span=item.span)) for v in range(1, largest + 1) if str(v) != item.text]
        for option, new in options:
            new_text = text[:start] + option + text[end:]
            o_start, o_end = owner.span
            before = text[o_start:o_end]
            after = new_text[o_start:o_end + len(option) - (end - start)]
            where = _cell_of(step, item, text) or _ordinal(text, before, o_start)
            yield Candidate("index", new_text, f"{where}{before} → {after}", _replace(step, item, new))


def _ordinal(text: str, piece: str, start: int) -> str:
    """"the second " when ``piece`` occurs more than once in ``text`` (so the change is unambiguous)."""
    count = text.count(piece)
    if count < 2:
        return ""
    nth = text[:start].count(piece) + 1
    words = {1: "first", 2: "second", 3: "third", 4: "fourth"}
    return f"the {words.get(nth, f'{nth}th')} "


def _cell_of(step: n.Node, item: n.Node, text: str) -> str:
    """"in the entry `…` (last row, column 2): " when ``item`` sits in a written matrix."""
    for matrix in (x for x in n.walk(step) if isinstance(x, n.Matrix)):
        for r, row in enumerate(matrix.rows):
            for c, cell in enumerate(row):
                if cell.span[0] <= item.span[0] and item.span[1] <= cell.span[1]:
                    row_word = "last row" if r == len(matrix.rows) - 1 else f"row {r + 1}"
                    col_word = "last column" if c == len(row) - 1 else f"column {c + 1}"
                    return f"in the entry `{text[cell.span[0]:cell.span[1]]}` ({row_word}, {col_word}): "
    return ""


def _index_positions(step: n.Node):
    """(the expression an index belongs to, the index) for every written index."""
    owners = [x for x in n.walk(step) if isinstance(x, n.Call)]
    for x in n.walk(step):
        if isinstance(x, n.Scripted):
            items = [i for i in (x.sub or ()) if i != "substack"]
            if isinstance(x.sup, n.Group):
                items.append(x.sup.arg)
            for item in items:
                for leaf in n.walk(item):
                    if isinstance(leaf, (n.Sym, n.Num)):
                        yield _smallest_owner(owners, x), leaf


def _smallest_owner(owners, scripted: n.Scripted):
    """The call around an indexed symbol (``σ(z_i)``), or the symbol itself."""
    best = scripted
    for o in owners:
        if o.span[0] <= scripted.span[0] and scripted.span[1] <= o.span[1]:
            if best is scripted or (o.span[1] - o.span[0]) < (best.span[1] - best.span[0]):
                best = o
    return best


def _item_text(item) -> str:
    return item.name if isinstance(item, n.Sym) else item.text


def _sign_edits(step: n.Node, text: str) -> Iterator[Candidate]:
    yield Candidate("sign", f"-\\left({text}\\right)", "flip the sign of the whole expression", n.Neg(step))
    for add in (x for x in n.walk(step) if isinstance(x, n.Add)):
        for pos, term in enumerate(add.terms):
            start = term.span[0]
            if isinstance(term, n.Neg) and text[start:start + 1] == "-":
                repl = "" if pos == 0 else "+"
                yield Candidate("sign", text[:start] + repl + text[start + 1:],
                                f"flip the sign of ${text[term.arg.span[0]:term.arg.span[1]]}$",
                                _replace(step, term, term.arg))
            elif pos > 0:
                plus = text.rfind("+", add.terms[pos - 1].span[1], start + 1)
                if plus != -1:
                    yield Candidate("sign", text[:plus] + "-" + text[plus + 1:],
                                    f"flip the sign of ${text[term.span[0]:term.span[1]]}$",
                                    _replace(step, term, n.Neg(term)))


def _times(piece: str, factor: n.Node, step: n.Node, text: str, why: str = "") -> Candidate:
    """The whole expression multiplied by ``factor`` (written ``piece``)."""
    return Candidate("factor", f"{piece} \\left({text}\\right)", f"multiply the whole expression by ${piece}${why}",
                     n.Mul((factor, n.Group(step))))


def _over(piece: str, factor: n.Node, step: n.Node, text: str, why: str = "") -> Candidate:
    """The whole expression divided by ``factor`` (written ``piece``)."""
    return Candidate("factor", f"\\frac{{{text}}}{{{piece}}}", f"divide the whole expression by ${piece}${why}",
                     n.Div(step, factor))


def _lost_factor_edits(target: n.Node, step: n.Node, text: str) -> Iterator[Candidate]:
    """A factor of the line before that this line no longer writes (``\\frac{1}{T}``, ``\\lambda``):
    the whole expression multiplied by it, or divided by a denominator it lost."""
    present = set(n.walk(step))
    seen: set[n.Node] = set()
    for x in n.walk(target):
        if isinstance(x, n.Mul):
            for f in x.factors:
                if f not in present and f not in seen:
                    seen.add(f)
                    yield _times(to_latex(f), f, step, text, " (a factor of the line before)")
        elif isinstance(x, n.Div) and x.den not in present and x.den not in seen:
            seen.add(x.den)
            yield _over(to_latex(x.den), x.den, step, text, " (a denominator of the line before)")


def _scalar_factor_edits(ctx: Context, target: n.Node, step: n.Node, text: str) -> Iterator[Candidate]:
    """A lost ``\\frac{1}{N}`` or ``\\frac{1}{T}``: a size or scalar symbol that the two lines write
    (``\\sum_{n=1}^N``). They come last, so they are offered before a number that equals them at
    the size checked (``\\frac{1}{2}`` where N = 2), which stays an alternative."""
    notation = ctx.notation
    written = {x.name for root in (target, step) for x in n.walk(root) if isinstance(x, n.Sym)}
    scalars = sorted(name for name in written if name in notation.sizes or (
        name in notation.families and not notation.families[name].axes and not notation.families[name].shape
        and notation.families[name].role in ("positive", "variable")))
    for name in scalars:
        yield _times(name, n.Sym(name), step, text)
        yield _over(name, n.Sym(name), step, text)


def _factor_edits(step: n.Node, text: str) -> Iterator[Candidate]:
    factors: dict[tuple[int, int], n.Node] = {}
    for mul in (x for x in n.walk(step) if isinstance(x, n.Mul)):
        for f in mul.factors:
            if f.span[1] <= f.span[0]:
                continue
            factors.setdefault(f.span, f)
            rest = tuple(g for g in mul.factors if g is not f)
            shorter = rest[0] if len(rest) == 1 else n.Mul(rest, span=mul.span)
            start, end = f.span
            tail = text[end:]
            if start == mul.span[0]:
                tail = tail.lstrip()
                tail = tail[len("\\cdot"):] if tail.startswith("\\cdot") else tail
            yield Candidate("factor", text[:start] + tail, f"drop the factor ${text[start:end]}$",
                            _replace(step, mul, shorter))
    for (start, end), f in factors.items():
        yield _over(text[start:end], f, step, text)
        yield _times(text[start:end], f, step, text)
    for k, node in (("2", n.Num("2")), ("\\frac{1}{2}", n.Div(n.Num("1"), n.Num("2")))):
        yield _times(k, node, step, text)



