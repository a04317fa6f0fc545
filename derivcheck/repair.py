"""What the author probably meant: the smallest edit of an invalid step that makes it valid.

Edits are made on the author's text, at the positions the parser recorded, so a repair reads as
their own line with one thing changed: one index (``σ(z_i)`` → ``σ(z_j)``, ``S_1`` → ``S_2``),
one sign, or one factor (dropped, or the whole side divided by it). Each candidate is screened
numerically at one point and then decided exactly (decide.compare); the first exact success wins,
in that order of kinds.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

import sympy as sp

from . import nodes as n
from .decide import Context, compare, free_indices
from .evaluate import EvaluationError, instances, is_matrix
from .findings import Repair
from .messages import Proved
from .parse import LatexError, parse_expression
from .refute import _numeric

#: At most this many candidates are screened per step.
MAX_CANDIDATES = 120


@dataclass(frozen=True)
class Candidate:
    kind: str
    text: str
    change: str


def search(ctx: Context, target: n.Node, step: n.Node, text: str, relation: str,
           assume: tuple[n.Rel, ...]) -> Repair | None:
    """The first candidate edit of ``text`` proved to stand in ``relation`` to ``target``."""
    screen = _Screen(ctx, target, step, assume)
    if not screen.ready:
        return None
    seen = {text}
    for count, cand in enumerate(candidates(ctx, target, step, text)):
        if count >= MAX_CANDIDATES:
            break
        if cand.text in seen:
            continue
        seen.add(cand.text)
        try:
            node = parse_expression(cand.text)
            if not screen.passes(node):
                continue
            outcome = compare(ctx, target, node, relation, assume)
        except (LatexError, EvaluationError, ArithmeticError, ValueError, TypeError):
            continue
        if outcome.status == "proved":
            return Repair(cand.kind, cand.change, cand.text, "valid", Proved(relation, outcome.instances))
    return None


class _Screen:
    """A cheap numeric test at two instantiations before the exact one."""

    def __init__(self, ctx: Context, target: n.Node, step: n.Node, assume):
        self.ctx = ctx
        letters = sorted(free_indices(target, ctx.notation) | free_indices(step, ctx.notation))
        holds = ctx.evaluator.holds
        envs = [e for e in instances(letters, ctx.notation) if all(holds(a, e) for a in assume)]
        self.cases = []
        if not envs:
            self.ready = False
            return
        for env in (envs[0], envs[-1]) if len(envs) > 1 else (envs[0],):
            needs = ctx.labels_read(target, env)
            labels = tuple((k, 1 + (i % v)) for i, (k, v) in enumerate(sorted(needs.items())))
            value = ctx.value(target, env, labels)
            self.cases.append((env, labels, value))
        symbols = set().union(*(_free(v) for _, _, v in self.cases))
        rng = random.Random(7)
        self.point = {s: sp.Rational(rng.randint(1, 9), rng.randint(2, 5)) for s in symbols}
        self.ready = True

    def passes(self, node: n.Node) -> bool:
        for env, labels, want in self.cases:
            got = self.ctx.value(node, env, labels)
            if is_matrix(got) != is_matrix(want):
                return False
            pairs = zip(list(got), list(want)) if is_matrix(got) else [(got, want)]
            for a, b in pairs:
                extra = {s: sp.Rational(1, 3) for s in _free(a) - set(self.point)}
                va, vb = _numeric(a, {**self.point, **extra}), _numeric(b, self.point)
                if va is None or vb is None or abs(va - vb) > sp.Float("1e-9") * max(1, abs(vb)):
                    return False
        return True


def _free(value) -> set:
    return set(value.free_symbols)


# ----------------------------------------------------------------------------- candidates

def candidates(ctx: Context, target: n.Node, step: n.Node, text: str) -> Iterator[Candidate]:
    yield from _index_edits(ctx, target, step, text)
    yield from _sign_edits(step, text)
    yield from _factor_edits(step, text)


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
            options = [x for x in letters if x != item.name]
        else:
            options = [str(v) for v in range(1, largest + 1) if str(v) != item.text]
        for option in options:
            new = text[:start] + option + text[end:]
            o_start, o_end = owner.span
            before = text[o_start:o_end]
            after = new[o_start:o_end + len(option) - (end - start)]
            yield Candidate("index", new, f"{before} → {after}")


def _index_positions(step: n.Node):
    """(the expression an index belongs to, the index) for every written index."""
    owners = [x for x in n.walk(step) if isinstance(x, (n.Call, n.Scripted))]
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
        if isinstance(o, n.Call) and o.span[0] <= scripted.span[0] and scripted.span[1] <= o.span[1]:
            if best is scripted or (o.span[1] - o.span[0]) < (best.span[1] - best.span[0]):
                best = o
    return best


def _item_text(item) -> str:
    return item.name if isinstance(item, n.Sym) else item.text


def _sign_edits(step: n.Node, text: str) -> Iterator[Candidate]:
    yield Candidate("sign", f"-\\left({text}\\right)", "the sign of the whole expression")
    for add in (x for x in n.walk(step) if isinstance(x, n.Add)):
        for pos, term in enumerate(add.terms):
            start = term.span[0]
            if isinstance(term, n.Neg) and text[start:start + 1] == "-":
                repl = "" if pos == 0 else "+"
                yield Candidate("sign", text[:start] + repl + text[start + 1:],
                                f"the sign of {text[term.arg.span[0]:term.arg.span[1]]}")
            elif pos > 0:
                plus = text.rfind("+", add.terms[pos - 1].span[1], start + 1)
                if plus != -1:
                    yield Candidate("sign", text[:plus] + "-" + text[plus + 1:],
                                    f"the sign of {text[term.span[0]:term.span[1]]}")


def _factor_edits(step: n.Node, text: str) -> Iterator[Candidate]:
    factors: list[tuple[int, int]] = []
    for mul in (x for x in n.walk(step) if isinstance(x, n.Mul)):
        for f in mul.factors:
            if f.span[1] > f.span[0]:
                factors.append(f.span)
                start, end = f.span
                rest = re.sub(r"^\s*\\cdot", "", text[end:]) if start == mul.span[0] else text[end:]
                yield Candidate("factor", text[:start] + rest, f"drop the factor {text[start:end]}")
    for start, end in dict.fromkeys(factors):
        piece = text[start:end]
        yield Candidate("factor", f"\\frac{{{text}}}{{{piece}}}", f"divide the whole expression by {piece}")
        yield Candidate("factor", f"{piece} \\left({text}\\right)", f"multiply the whole expression by {piece}")
    for k in ("2", "\\frac{1}{2}"):
        yield Candidate("factor", f"{k} \\left({text}\\right)", f"multiply the whole expression by {k}")
