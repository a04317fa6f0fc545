"""Walks a derivation: every chain, every link, judged in order.

Each link is compared with the expression before it. The walker remembers the last expression
known to be correct (the anchor): a link that is wrong against its predecessor but proved equal to
the anchor has recovered (the error was not carried forward), and a link that follows from a wrong
predecessor carries the error. Damaged LaTeX is reported as ``garbled`` and its repaired reading is
judged beside it.

The walker is a generator: it yields Tasks (tasks.py) and receives Results, so the same code runs
in-process (tests) or against time-limited workers (worker.py).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

from . import nodes as n
from . import rules
from .findings import Counterexample, DerivationResult, Display, FinalResult, Repair, StepResult, TargetResult
from .messages import (CarriesError, Damaged, DefinitionAdopted, LimitReached, Message, NoPrevious, NotProved,
                       NotSupported, Proved, Recovered, Refuted, ShapeMismatch, Unreadable)
from .notation import Notation, NotationError, load_notation
from .parse import LatexError
from .source import Block, Chain, Document, Link, Piece, build_chains
from .tasks import Result, Spec, Task, parses

Walk = Generator[Task, Result, DerivationResult]

#: Task failures that say nothing about the step itself.
LIMITS = ("time", "memory", "crash")


@dataclass
class Reading:
    """How one piece of LaTeX is read: damage repaired, slips applied."""
    original: str
    text: str
    damage: list[rules.Finding]
    slips: list[rules.Finding]
    node: n.Node | None
    error: LatexError | None

    @property
    def readable(self) -> bool:
        return self.node is not None


def read(text: str, notation: Notation | None) -> Reading:
    repaired, damage = rules.apply(text, "damage", notation)
    reading, slips = rules.apply(repaired, "slip", notation)
    node = parses(reading)
    if isinstance(node, LatexError):
        return Reading(text, reading, damage, slips, None, node)
    return Reading(text, reading, damage, slips, node, None)


@dataclass
class Options:
    sizes: dict[str, int] = field(default_factory=dict)
    repairs: bool = True


@dataclass
class _BlockInfo:
    spec: Spec
    notation: Notation
    assume: tuple[str, ...]
    kind: str | None


def check(doc: Document, options: Options) -> Walk:
    """Judge every step of ``doc``; the generator's return value is the result."""
    title = _title(doc)
    header = doc.header or {}
    try:
        base = load_notation(header, options.sizes)
        infos, continues = _block_infos(doc, base, header, options)
    except NotationError as err:
        return DerivationResult(doc.path, str(header.get("source", "")), title, [], FinalResult("none"),
                                error=f"notation: {err}")
    _damaged_displays(doc)
    if continues:
        doc.chains, doc.lone, doc.empty = build_chains(doc.text, doc.blocks, continues)
    ids = _step_ids(doc)
    steps = [_empty_display(doc, block, ids[id(block)]) for block in doc.empty]
    final_pieces: list[tuple[Chain, Reading]] = []
    for chain in sorted(doc.chains, key=lambda c: c.first.start):
        chain_steps, last = yield from _walk_chain(doc, chain, infos, ids, options)
        steps.extend(chain_steps)
        final_pieces.append((chain, last))
    steps.sort(key=lambda s: int(s.id))
    final = yield from _final(doc, base, infos, final_pieces, options)
    displays = [_lone_display(doc, piece, infos) for piece in doc.lone]
    return DerivationResult(doc.path, str(header.get("source", "")), title, steps, final, displays,
                            sizes=dict(base.sizes))


def _step_ids(doc: Document) -> dict[int, str]:
    """Step numbers in reading order: every link of every chain, and every empty display."""
    items = [(lk.piece.start, id(lk)) for chain in doc.chains for lk in chain.links]
    items += [(block.start, id(block)) for block in doc.empty]
    return {key: str(number) for number, (_, key) in enumerate(sorted(items), 1)}


# ----------------------------------------------------------------------------- blocks

def _block_infos(doc: Document, base: Notation, header: dict, options: Options):
    """Per block: the notation it is read under, its assumptions, and chain continuations."""
    selected: dict[int, list] = {}
    continues: dict[int, int] = {}
    for note in base.blocks:
        index = _select(doc, note.at)
        selected.setdefault(index, []).append(note)
        if note.continues is not None:
            continues[index] = _select(doc, str(note.continues))
    infos: dict[int, _BlockInfo] = {}
    onward: dict = {}
    sizes = tuple(sorted(options.sizes.items()))
    for block in doc.blocks:
        own: dict = {}
        assume: tuple[str, ...] = ()
        kind = None
        for note in selected.get(block.index, []):
            if note.overrides:
                own.update(note.overrides)
                if note.onward:
                    onward.update(note.overrides)
            assume += note.assume
            kind = note.kind or kind
        overrides = {**onward, **own} or None
        spec = Spec(doc.path, header, overrides, sizes)
        notation = base.with_overrides(overrides) if overrides else base
        infos[block.index] = _BlockInfo(spec, notation, assume, kind)
    return infos, continues


def _select(doc: Document, at: str) -> int:
    """A block by equation tag ``(5)``, by ``line N`` of the source, or by a LaTeX snippet."""
    at = at.strip()
    if at.startswith("(") and at.endswith(")"):
        for block in doc.blocks:
            if block.tag == at[1:-1]:
                return block.index
        raise NotationError(f"blocks: no display is tagged {at}")
    if at.startswith("line "):
        line = int(at.split()[1]) + doc.body_line - 1
        for block in doc.blocks:
            if block.line <= line <= doc.line_of(block.end):
                return block.index
        raise NotationError(f"blocks: no display on source {at}")
    for block in doc.blocks:
        if at in block.content:
            return block.index
    raise NotationError(f"blocks: no display contains {at!r}")


def _damaged_displays(doc: Document) -> None:
    """Cut prose out of displays before chains are built (the cut text is reported as damage)."""
    cut = False
    for block in doc.blocks:
        start = rules.prose_in_display(block.content)
        if start is not None and block.content[:start].strip():
            block.damage = block.content[start:].strip()
            block.content = block.content[:start]
            block.end = block.start + start
            cut = True
    if cut:
        doc.chains, doc.lone, doc.empty = build_chains(doc.text, doc.blocks, {})


# ----------------------------------------------------------------------------- chains

@dataclass
class _Track:
    """What the walk knows about the expression it is standing on."""
    reading: Reading
    ok: bool = True                 # known equal to the chain's start
    known: bool = True              # False after a step that could not be decided
    step: str = "the start of the chain"
    anchor: Reading | None = None   # the last expression known correct
    anchor_step: str = "the start of the chain"
    origin: str | None = None       # the step where the current error entered


def _walk_chain(doc: Document, chain: Chain, infos: dict[int, _BlockInfo], ids: dict[int, str], options: Options):
    first_info = infos[chain.first.block]
    start = read(chain.first.text, first_info.notation)
    track = _Track(start, anchor=start, step="the start of the chain")
    out: list[StepResult] = []
    for link in chain.links:
        info = infos[link.piece.block]
        assume = tuple(dict.fromkeys(first_info.assume + info.assume))
        step = _new_step(doc, chain, link, ids[id(link)], track)
        reading = read(link.piece.text, info.notation)
        block = doc.blocks[link.piece.block]
        damage = [d.message for d in reading.damage]
        repaired_text = reading.text
        if step.equation:  # the step is the whole equation: its left side's damage is its own
            damage = [d.message for d in start.damage] + damage
            step.notes.extend(dict.fromkeys(s.message for s in start.slips))
            step.notes.extend(_scope_notes(start.node, first_info.notation))
            repaired_text = f"{start.text} {link.relation} {reading.text}"
        if getattr(block, "damage", None) and link is _last_link_in_block(chain, link.piece.block):
            damage.append(f"prose inside the display: `{' '.join(block.damage.split())}`")
        step.notes.extend(dict.fromkeys(s.message for s in reading.slips))
        step.notes.extend(_scope_notes(reading.node, info.notation))
        if info.kind == "definition" and not chain.links.index(link):
            step.kind, step.verdict = "definition", "valid"
            step.reason = DefinitionAdopted(chain.first.text, False)
            out.append(step)
            track = _Track(reading, anchor=reading, step=step.id, anchor_step=step.id)
            continue
        if reading.error is not None:
            step.verdict, step.reason = "garbled", (Damaged("; ".join(damage)) if damage
                                                    else Unreadable(str(reading.error)))
            out.append(step)
            track.known = False
            continue
        verdict, reason, cex, repair, track_next = yield from _judge(link, reading, track, info, assume, step,
                                                                      options)
        if damage:
            step.repair = Repair("damage", "; ".join(damage), repaired_text, verdict, reason, cex, repair)
            step.verdict, step.reason = "garbled", Damaged("; ".join(damage))
        else:
            step.verdict, step.reason, step.counterexample, step.repair = verdict, reason, cex, repair
        _mark_definition(step, chain, link, track.reading, info.notation)
        out.append(step)
        track = track_next
    return out, track.reading


def _judge(link: Link, reading: Reading, track: _Track, info: _BlockInfo, assume, step: StepResult,
           options: Options):
    """(verdict, reason, counterexample, repair, next track) for one readable link."""
    prev = track.reading
    if not prev.readable:
        if track.anchor is None or not track.anchor.readable:
            return "unsupported", NoPrevious(), None, None, _Track(reading, known=False, step=step.id)
        prev = track.anchor
    result = yield Task("compare", info.spec, prev.text, reading.text, link.relation, assume)
    step.notes.extend(x for x in result.notes if x not in step.notes)
    if result.failure:
        verdict = "garbled" if result.failure == "garbled" else (
            "undecided" if result.failure in LIMITS else "unsupported")
        reason: Message = (Unreadable(result.message) if result.failure == "garbled" else
                           NotSupported(result.message) if verdict == "unsupported" else LimitReached(result.message))
        return verdict, reason, None, None, _Track(reading, ok=track.ok, known=False, step=step.id,
                                                   anchor=track.anchor, anchor_step=track.anchor_step,
                                                   origin=track.origin)
    outcome = result.outcome
    if outcome.status == "proved":
        if track.ok and track.known:
            return "valid", Proved(link.relation, outcome.instances), None, None, _Track(
                reading, step=step.id, anchor=reading if link.relation == "=" else track.anchor,
                anchor_step=step.id if link.relation == "=" else track.anchor_step)
        if not track.ok:
            return "valid", CarriesError(track.origin or "?"), None, None, _Track(
                reading, ok=False, step=step.id, anchor=track.anchor, anchor_step=track.anchor_step,
                origin=track.origin)
        return "valid", Proved(link.relation, outcome.instances), None, None, _Track(
            reading, known=False, step=step.id, anchor=track.anchor, anchor_step=track.anchor_step)
    if outcome.status == "unproved":
        return "undecided", NotProved(outcome.instances), None, None, _Track(
            reading, ok=track.ok, known=False, step=step.id, anchor=track.anchor,
            anchor_step=track.anchor_step, origin=track.origin)
    # refuted, or the shapes differ
    if (not track.ok or not track.known) and track.anchor is not None and track.anchor is not prev \
            and link.relation == "=":
        again = yield Task("compare", info.spec, track.anchor.text, reading.text, "=", assume)
        if again.outcome is not None and again.outcome.status == "proved":
            return "valid", Recovered(_anchor_name(track.anchor_step), track.origin or track.step), None, None, \
                _Track(reading, step=step.id, anchor=reading, anchor_step=step.id)
    reason = ShapeMismatch(*outcome.counterexample.shapes) if outcome.status == "shape" else \
        Refuted(link.relation, step.equation)
    repair = None
    if options.repairs:
        target = prev.text
        fixed = yield Task("repair", info.spec, target, reading.text, link.relation, assume, target=target,
                           rhs_original=reading.text)
        repair = fixed.repair
    return "invalid", reason, outcome.counterexample, repair, _Track(
        reading, ok=False, step=step.id, anchor=track.anchor, anchor_step=track.anchor_step,
        origin=track.origin if not track.ok else step.id)


def _anchor_name(step: str) -> str:
    return step if step.startswith("the ") else f"step {step}"


def _last_link_in_block(chain: Chain, block: int) -> Link | None:
    links = [lk for lk in chain.links if lk.piece.block == block]
    return links[-1] if links else None


def _new_step(doc: Document, chain: Chain, link: Link, sid: str, track: _Track) -> StepResult:
    block = doc.blocks[link.piece.block]
    first_in_block = next(lk for lk in chain.links if lk.piece.block == link.piece.block) is link
    return StepResult(id=sid, line=doc.line_of(link.latex_start), latex=link.latex, verdict="undecided",
                      reason=NotProved("not judged"), relation=link.relation, lhs_latex=track.reading.original,
                      equation=link.latex_start != link.piece.start,
                      tag=block.tag, justification=block.before if first_in_block else "",
                      source_line=doc.source_line(doc.line_of(link.latex_start)),
                      compared_with=track.step)


def _mark_definition(step: StepResult, chain: Chain, link: Link, lhs: Reading, notation: Notation) -> None:
    """A one-link chain whose left side is a definition's pattern is a definition display."""
    if len(chain.links) != 1 or lhs.node is None:
        return
    node = lhs.node
    head = node.head if isinstance(node, n.Call) else node
    base = head.base if isinstance(head, n.Scripted) else head
    if isinstance(base, n.Sym) and notation.definitions_of(base.name) and step.verdict == "valid":
        step.kind = "definition"
        step.reason = DefinitionAdopted(lhs.original, True)


def _empty_display(doc: Document, block: Block, sid: str) -> StepResult:
    line = block.line
    return StepResult(id=sid, line=line, latex=block.content.strip(), verdict="garbled",
                      reason=Damaged(f"an empty display: only the equation number ({block.tag}) is left; "
                                     "the equation itself was lost" if block.tag else "an empty display"),
                      kind="display", tag=block.tag, source_line=doc.source_line(line),
                      justification=block.before)


def _lone_display(doc: Document, piece: Piece, infos: dict[int, _BlockInfo]) -> Display:
    notation = infos[piece.block].notation
    reading = read(piece.text, notation)
    notes = [s.message for s in reading.slips] + _index_role_notes(reading.node, notation)
    reason = "an expression with no relation: nothing to check"
    if reading.error is not None:
        reason = f"an expression with no relation, and it cannot be read: {reading.error}"
    return Display(piece.line, piece.text, reason, notes)


def _scope_notes(node: n.Node | None, notation: Notation) -> list[str]:
    """A sum whose index letter is also free in the same expression (``∇_{θ^{(k)}} Σ_k …``): read
    with the usual scoping, but worth saying."""
    if node is None:
        return []
    free = n.free_indices(node, notation.indices)
    shadowed = sorted({x.index for x in n.walk(node) if isinstance(x, n.Sum) and x.index in free})
    return [f"the sum over ${k}$ reuses the letter ${k}$ that is free outside it; inside the sum, ${k}$ is "
            "the summation index" for k in shadowed]


def _index_role_notes(node: n.Node | None, notation: Notation) -> list[str]:
    """An index letter used where the symbol's declared axis has another range (``w_i`` where w
    is indexed by class and i is the sample index)."""
    if node is None:
        return []
    notes = []
    for x in n.walk(node):
        if isinstance(x, n.Scripted) and isinstance(x.base, n.Sym) and x.sub:
            fam = notation.families.get(x.base.name)
            axes = fam.sub_axes if fam else next((d.sub_axes for d in notation.definitions_of(x.base.name)), ())
            for axis, item in zip(axes, x.sub):
                if isinstance(item, n.Sym) and item.name in notation.indices and \
                        notation.indices[item.name] != notation.indices.get(axis):
                    notes.append(f"${x.base.name}_{item.name}$: ${x.base.name}$ is indexed over "
                                 f"1..{notation.indices.get(axis)} but ${item.name}$ runs over "
                                 f"1..{notation.indices[item.name]} (a slipped index?)")
    return notes


# ----------------------------------------------------------------------------- the final result

def _final(doc: Document, base: Notation, infos, chains: list[tuple[Chain, Reading]], options: Options):
    targets = []
    for target in base.targets:
        found = _target_chain(target, chains, infos)
        if found is None:
            targets.append(TargetResult(target.of, target.wrt, None, "unsupported",
                                        "no chain starts with this derivative"))
            continue
        chain, last = found
        info = infos[chain.links[-1].piece.block]
        if not last.readable:
            targets.append(TargetResult(target.of, target.wrt, None, "unsupported", "the final expression cannot be read"))
            continue
        truth = f"\\frac{{\\partial}}{{\\partial {target.wrt}}} {target.of}"
        result = yield Task("compare", info.spec, truth, last.text, "=", info.assume)
        line = doc.line_of(chain.links[-1].latex_start)
        targets.append(_target_result(target, result, line))
    if not targets:
        return FinalResult("none")
    verdicts = {t.verdict for t in targets}
    for word in ("incorrect", "unsupported", "undecided"):
        if word in verdicts:
            return FinalResult(word, targets)
    return FinalResult("correct", targets)


def _target_chain(target, chains, infos):
    wrt = parses(target.wrt)
    of = parses(target.of)
    if isinstance(wrt, LatexError) or isinstance(of, LatexError):
        return None
    of_head = _head_name(of)
    found = None
    for chain, last in chains:
        node = read(chain.first.text, infos[chain.first.block].notation).node
        while isinstance(node, n.Neg):
            node = node.arg
        if isinstance(node, n.Deriv) and node.wrt == wrt and _head_name(node.body) == of_head:
            found = (chain, last)
    return found


def _head_name(node) -> str | None:
    while isinstance(node, (n.Call, n.Scripted, n.Group)):
        node = node.head if isinstance(node, n.Call) else node.base if isinstance(node, n.Scripted) else node.arg
    return node.name if isinstance(node, n.Sym) else None


def _target_result(target, result: Result, line: int) -> TargetResult:
    where = f"line {line}"
    if result.failure:
        return TargetResult(target.of, target.wrt, where, "undecided" if result.failure in LIMITS
                            else "unsupported", result.message)
    status = result.outcome.status
    if status == "proved":
        return TargetResult(target.of, target.wrt, where, "correct",
                            f"the final expression equals SymPy's derivative of ${target.of}$ "
                            f"({result.outcome.instances})")
    if status == "unproved":
        return TargetResult(target.of, target.wrt, where, "undecided", result.outcome.instances)
    return TargetResult(target.of, target.wrt, where, "incorrect",
                        f"the final expression differs from SymPy's derivative of ${target.of}$",
                        result.outcome.counterexample)


def _title(doc: Document) -> str:
    header = doc.header or {}
    if header.get("title"):
        return str(header["title"])
    for line in doc.text[doc.body_start:].splitlines():
        stripped = line.strip().lstrip("#").strip().strip("*").strip()
        if stripped and not stripped.startswith("$"):
            return stripped[:100]
    return doc.path


def run_inline(walk: Walk) -> DerivationResult:
    """Drive a walk in this process, with no time limit (tests, small jobs)."""
    from .tasks import run_task
    try:
        task = next(walk)
        while True:
            task = walk.send(run_task(task))
    except StopIteration as stop:
        return stop.value


__all__ = ["Counterexample", "Options", "check", "read", "run_inline"]
