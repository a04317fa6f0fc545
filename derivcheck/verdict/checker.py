"""Walks a derivation: every chain, every link, judged in order.

Each link is compared with the expression before it. The walker remembers the last expression
known to be correct (the anchor): a link that is wrong against its predecessor but proved equal to
the anchor has recovered (the error was not carried forward), and a link that follows from a wrong
predecessor carries the error. Damaged LaTeX is reported as ``garbled`` and its repaired reading is
judged beside it.

The walker works on text only: it applies the rewriting rules (rules.py, regular expressions) and
yields Tasks; parsing and mathematics happen in the worker that runs the task, under its limits.
It is a generator, so the same code runs in-process (tests) or against time-limited workers.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import dataclass, field

from ..latex import rules
from ..latex.errors import LatexError
from ..latex.macros import expand
from ..latex.parse import parse_expression
from .findings import DerivationResult, Display, FinalResult, ReferenceCheck, Repair, StepResult, TargetResult
from ..notation.conventions import point_cue
from .readings import adopt, settled
from .messages import (AcrossUnreadable, AtAPoint, CarriesError, Damaged, DefinitionAdopted, LimitReached, NoPrevious, NotProved, NotSupported, OneCase, OneOfTheCases, Restricted,
                       Proved, Recovered, Refuted, ShapeMismatch, ShapesUnread, Unreadable,
                       UpdateRefuted, Implied, NotImplied, SOLVED)
from ..notation.header import Notation, NotationError, load_notation, with_reading
from ..read.source import Block, Chain, Document, Link, Piece, build_chains, cut_prose
from .antecedents import Given, antecedent, claims_to_follow, point_of
from .tasks import Result, Spec, Task

Walk = Generator[Task, Result, DerivationResult]

#: Task failures that say nothing about the step itself.
LIMITS = ("time", "memory", "crash")


@dataclass
class Reading:
    """How one piece of LaTeX is read: damage repaired, slips applied (text only)."""
    original: str
    text: str
    damage: list[rules.Finding]
    slips: list[rules.Finding]


def _defines_itself(first: str, text: str, notation: Notation) -> bool:
    """Whether the chain's first link is the very definition the notation read from it (``h(x) = \\sum_i θ_i x_i
    = θ^T x``, h defined nowhere else): it says what h is, and proves nothing (the next link is compared
    with it, so what cannot be read in it still shows there)."""
    try:
        lhs, rhs = (notation.relabel(parse_expression(t)) for t in (first, text))
    except LatexError:
        return False
    return any(d.lhs == lhs and d.rhs == rhs for d in notation.definitions)


def read(text: str, notation: Notation | None, macros: dict | None = None) -> Reading:
    repaired, damage = rules.apply(expand(text, macros), "damage", notation)
    reading, slips = rules.apply(repaired, "slip", notation)
    return Reading(text, reading, damage, slips)


@dataclass
class Options:
    sizes: dict[str, int] = field(default_factory=dict)
    repairs: bool = True
    defaults: dict = field(default_factory=dict)   # notation defaults for documents with no header
    reference: object = None                       # an assignment's Reference: final answers are compared with it


@dataclass
class _BlockInfo:
    spec: Spec
    notation: Notation
    assume: tuple[str, ...]
    kind: str | None
    inferred: bool = False          # the notation was read from the text (no header)


def check(doc: Document, options: Options) -> Walk:
    """Judge every step of ``doc``; the generator's return value is the result."""
    title = _title(doc)
    inferred = None
    if doc.header is None:
        # no header: the notation is inferred from the document itself (in a worker: it parses)
        got = yield Task("infer", Spec(doc.path, options.defaults, None, tuple(sorted(options.sizes.items()))),
                         doc.text)
        if got.header is None or got.failure:
            return DerivationResult(doc.path, "", title, [], FinalResult("none"), inferred=got.inferred,
                                    error=f"notation: {got.message or 'could not be inferred'}")
        doc.header, inferred = got.header, got.inferred
    first = yield from _check_as(doc, doc.header, options, title, inferred)
    readings = doc.header.get("readings") if first.error is None else None
    if not readings or settled(first):
        return first
    # the text admits several readings: each is checked, and the one under which most steps hold adopted
    others = []
    for reading in readings:
        result = yield from _check_as(doc, with_reading(doc.header, reading), options, title, inferred)
        others.append((reading, result))
    return adopt(first, others)


def _check_as(doc: Document, header: dict, options: Options, title: str, inferred) -> Walk:
    """Every step of ``doc`` judged under ``header``."""
    try:
        base = load_notation(header, options.sizes)
        infos, continues = _block_infos(doc, base, header, options)
    except NotationError as err:
        return DerivationResult(doc.path, str(header.get("source", "")), title, [], FinalResult("none"),
                                error=f"notation: {err}")
    cut_prose(doc)
    if continues:
        doc.chains, doc.lone, doc.empty = build_chains(doc.text, doc.blocks, continues)
    ids = _step_ids(doc)
    targets = tuple((t.of, t.wrt) for t in base.targets)
    steps = [_empty_display(doc, block, ids[id(block)]) for block in doc.empty]
    walked: list[_Walked] = []
    before, point = None, None
    for chain in sorted(doc.chains, key=lambda c: c.first.start):
        given = antecedent(before, chain, point)
        chain_steps, done = yield from _walk_chain(doc, chain, infos, ids, targets, options, given)
        before, point = chain, point_of(doc, chain, infos[chain.first.block].kind, chain_steps)
        steps.extend(chain_steps)
        walked.append(done)
    steps.sort(key=lambda s: int(s.id))
    final = yield from _final(base, infos, walked, options)
    displays = []
    for piece in doc.lone:
        displays.append((yield from _lone_display(piece, infos, doc.macros)))
    return DerivationResult(doc.path, str(header.get("source", "")), title, steps, final, displays,
                            sizes=dict(base.sizes), inferred=inferred, notation=header if inferred is not None else None)


def _step_ids(doc: Document) -> dict[int, str]:
    """Step numbers in reading order: every link of every chain, and every empty display."""
    items = [(lk.piece.start, id(lk)) for chain in doc.chains for lk in chain.links]
    items += [(block.start, id(block)) for block in doc.empty]
    return {key: str(number) for number, (_, key) in enumerate(sorted(items), 1)}


# ----------------------------------------------------------------------------- blocks

def block_notation(doc: Document, block: int, options: Options | None = None) -> Notation:
    """The notation a display is read under (the header with the block's own overrides)."""
    header = doc.header or {}
    options = options or Options()
    infos, _ = _block_infos(doc, load_notation(header, options.sizes), header, options)
    return infos[block].notation


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
        infos[block.index] = _BlockInfo(spec, notation, assume, kind, bool(header.get("inferred")))
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


# ----------------------------------------------------------------------------- chains

@dataclass
class _Track:
    """What the walk knows about the expression it is standing on."""
    reading: Reading
    ok: bool = True                 # known equal to the chain's start
    known: bool = True              # False after a step that could not be decided
    readable: bool = True           # the worker could read it
    step: str = "the start of the chain"
    anchor: Reading | None = None   # the last expression known correct
    anchor_step: str = "the start of the chain"
    origin: str | None = None       # the step where the current error entered
    # the last expression reached by a step that could not be decided, before any error: where the
    # anchor cannot be read (∂E_n/∂a_n with E_n unknown), a later line may still return to it
    unsure: Reading | None = None
    unsure_step: str = ""

    def moved(self, reading: Reading, step: str, **changes) -> "_Track":
        """The track after a step: by default the anchor and the error's origin stay."""
        fields = dict(reading=reading, ok=self.ok, known=self.known, readable=True, step=step,
                      anchor=self.anchor, anchor_step=self.anchor_step, origin=self.origin,
                      unsure=self.unsure, unsure_step=self.unsure_step)
        fields.update(changes)
        return _Track(**fields)

    def references(self, prev: Reading) -> list[tuple[Reading, str, bool]]:
        """What a line that differs from a wrong ``prev`` may have returned to: (expression, step, sure)."""
        out = []
        if self.anchor is not None and self.anchor is not prev:
            out.append((self.anchor, self.anchor_step, True))
        if self.unsure is not None and self.unsure is not prev and self.unsure is not self.anchor:
            out.append((self.unsure, self.unsure_step, False))
        return out


@dataclass
class _Walked:
    chain: Chain
    last: Reading
    target: int | None
    decided: bool = True            # its last step got a verdict (valid, invalid or garbled)


def _walk_chain(doc: Document, chain: Chain, infos: dict[int, _BlockInfo], ids: dict[int, str],
                targets: tuple, options: Options, given: Given | None = None):
    first_info = infos[chain.first.block]
    start = read(chain.first.text, first_info.notation, doc.macros)
    track = _Track(start, anchor=start)
    out: list[StepResult] = []
    target = None
    cases: _Track | None = None     # the track where a run of displays, each under its own case, began
    for position, link in enumerate(chain.links):
        info = infos[link.piece.block]
        if position > 0 and link.piece.block != chain.links[position - 1].piece.block:
            track, cases = _case_start(infos, chain.links[position - 1].piece.block, first_info, info, track, cases)
        case = (link.piece.case,) if link.piece.case else ()
        assume = tuple(dict.fromkeys(first_info.assume + info.assume + chain.conditions + case))
        step = _new_step(doc, chain, link, ids[id(link)], track)
        reading = read(link.piece.text, info.notation, doc.macros)
        damage, repaired_text = _damage(doc, chain, link, step, start, reading)
        if position == 0 and (info.kind == "definition"
                              or given is None and not damage and len(chain.links) > 1
                              and _defines_itself(start.text, reading.text, info.notation)):
            step.kind, step.verdict = "definition", "valid"
            step.reason = DefinitionAdopted(chain.first.text, False)
            step.notes.extend(_update_notes(reading.text))
            out.append(step)
            track = _Track(reading, anchor=reading, step=step.id, anchor_step=step.id)
            continue
        verdict, reason, cex, repair, track_next, result = yield from _judge(
            link, reading, track, info, assume, step, options, targets if position == 0 else (), start.text)
        if position == 0 and result is not None:
            target = result.target
        if given is not None and position == 0 and claims_to_follow(verdict, result):
            # A ⟹ B, or B right after an A that holds at a point: B is no identity; what is claimed is
            # that it follows from A
            implied = yield Task("implies", info.spec, start.text, reading.text, "=", assume,
                                 given=(given.lhs, given.rhs))
            if implied.outcome is not None and implied.outcome.status == "proved":
                verdict, reason, cex, repair = "valid", Implied(given.connective, implied.implied, given.cue), None, None
                track_next = track.moved(reading, step.id)
            elif implied.outcome is not None:
                verdict, reason, cex, repair = "invalid", NotImplied(given.connective), \
                    implied.outcome.counterexample, None
            elif given.cue is not None and verdict == "invalid":
                verdict, reason = "unsupported", AtAPoint(given.cue)
                track_next = track.moved(reading, step.id, known=False)
        if damage:
            step.repair = Repair("damage", "; ".join(damage), repaired_text, verdict, reason, cex, repair) \
                if verdict != "garbled" else None
            step.verdict = "garbled"
            step.reason = Damaged("; ".join(damage)) if verdict != "garbled" else \
                Damaged("; ".join(damage) + f"; even so, {reason}")
        elif isinstance(reason, (NotImplied, AtAPoint)):
            step.verdict, step.reason, step.counterexample = verdict, reason, cex
        elif verdict == "invalid" and info.kind == "conditional":
            step.verdict, step.reason = "unsupported", AtAPoint(point_cue(doc.blocks[link.piece.block].before) or SOLVED)
            track_next = track.moved(reading, step.id, known=False)
        elif verdict == "invalid" and (link.piece.restriction or chain.first.restriction):
            step.verdict, step.reason = "unsupported", Restricted(link.piece.restriction or chain.first.restriction)
        elif verdict == "invalid" and (link.piece.case or chain.first.case) and not (result and result.in_case):
            step.verdict, step.reason = "unsupported", OneCase(link.piece.case or chain.first.case)
        elif verdict == "invalid" and link.piece.alternative:
            step.verdict, step.reason = "unsupported", OneOfTheCases()
        elif verdict == "invalid" and link.piece.joined:
            # A ⟹ B states an implication: neither equation is claimed to hold everywhere
            step.verdict, step.reason = "unsupported", NotSupported(
                f"an equation joined to another by `{link.piece.joined}` (an implication), which does not "
                "hold as an identity")
            track_next = track.moved(reading, step.id, known=False)
        else:
            step.verdict, step.reason, step.counterexample, step.repair = verdict, reason, cex, repair
        if position == 0 and len(chain.links) == 1 and step.equation and result is not None \
                and result.definition and step.verdict == "valid" and not isinstance(step.reason, Implied):
            step.kind, step.reason = "definition", DefinitionAdopted(start.original, not (doc.header or {}).get("inferred"))
        out.append(step)
        # a row of cases joined by "or" is passed over: the line after it goes on from the one before it
        track = track if link.piece.alternative else track_next
    decided = bool(out) and out[-1].verdict in ("valid", "invalid", "garbled")
    return out, _Walked(chain, track.reading if track.readable else None, target, decided)


def _case_start(infos: dict[int, _BlockInfo], before: int, first: _BlockInfo, info: _BlockInfo, track: "_Track",
                cases: "_Track | None") -> tuple["_Track", "_Track | None"]:
    """(the track a new display goes on from, where its run of cases began). "If $i = j$, $$= …$$ and if
    $i \\neq j$, $$= …$$": each case goes on from the expression before the first, not from the other case."""
    own = [a for a in info.assume if a not in first.assume]
    if not own:
        return track, None
    if cases is None:
        return track, track
    if infos[before].assume != info.assume:
        return cases, cases     # another case: it goes on from where the cases began
    return track, cases


def _damage(doc: Document, chain: Chain, link: Link, step: StepResult, start: Reading, reading: Reading):
    """The damage a step's text carries, its slips (as notes), and the repaired text of the step."""
    block = doc.blocks[link.piece.block]
    damage = [d.message for d in reading.damage] + ([link.piece.damage] if link.piece.damage else [])
    step.notes.extend(dict.fromkeys(s.message for s in reading.slips))
    repaired = reading.text
    if step.equation:  # the step is the whole equation: its left side's damage is its own
        damage = [d.message for d in start.damage] + damage
        step.notes.extend(dict.fromkeys(s.message for s in start.slips if s.message not in step.notes))
        repaired = f"{start.text} {link.relation} {reading.text}"
    if link is _last_link_in_block(chain, link.piece.block):
        if block.damage:
            damage.append(f"prose inside the display: `{' '.join(block.damage.split())}`")
        if block.tag_damage:
            damage.append(block.tag_damage)
    return damage, repaired


def _judge(link: Link, reading: Reading, track: _Track, info: _BlockInfo, assume, step: StepResult,
           options: Options, targets: tuple, start: str = ""):
    """(verdict, reason, counterexample, repair, next track, compare result) for one link."""
    prev = track.reading if track.readable else track.anchor
    if prev is None:
        return "unsupported", NoPrevious(), None, None, track.moved(reading, step.id, known=False), None
    result = yield Task("compare", info.spec, prev.text, reading.text, link.relation, assume, step.equation, targets,
                        start=start)
    if result.failure == "garbled" and result.side == "lhs" and not step.equation:
        if track.anchor is not None and track.anchor is not prev:
            result = yield Task("compare", info.spec, track.anchor.text, reading.text, link.relation, assume, start=start)
        if result.failure == "garbled" and result.side == "lhs":
            return "unsupported", NoPrevious(), None, None, track.moved(reading, step.id, known=False), result
    step.notes.extend(x for x in result.notes if x not in step.notes)
    if result.failure:
        return _failed(result, reading, track, step) + (result,)
    outcome = result.outcome
    if outcome.status == "proved":
        return _proved(link, reading, track, step, outcome) + (result,)
    if outcome.status == "unproved":
        return "undecided", NotProved(outcome.instances, outcome.sampled), None, None, \
            track.moved(reading, step.id, known=False), result
    # refuted, or the shapes differ
    if (not track.ok or not track.known) and link.relation in ("=", ":="):
        for ref, ref_step, sure in track.references(prev):
            again = yield Task("compare", info.spec, ref.text, reading.text, "=", assume, start=start)
            if again.outcome is not None and again.outcome.status == "proved":
                return "valid", Recovered(_anchor_name(ref_step), track.origin or track.step, sure, not track.ok), \
                    None, None, \
                    _Track(reading, step=step.id, anchor=reading, anchor_step=step.id), result
    if not track.readable:
        # compared across a step that could not be read: the difference may have entered there
        return "undecided", AcrossUnreadable(_anchor_name(track.anchor_step), track.step), None, None, \
            track.moved(reading, step.id, known=False), result
    if outcome.status == "shape" and info.inferred and not result.shapes_stated:
        # with shapes guessed from the text, different shapes say more about the reading than about
        # the step: not a refutation. Shapes the text states (X ∈ R^{N×D}) are the text's own.
        return "unsupported", ShapesUnread(*outcome.counterexample.shapes), None, None, \
            track.moved(reading, step.id, known=False), result
    reason = ShapeMismatch(*outcome.counterexample.shapes) if outcome.status == "shape" else \
        UpdateRefuted(result.update) if result.update else Refuted(link.relation, step.equation)
    repair = None
    if options.repairs:
        fixed = yield Task("repair", info.spec, prev.text, reading.text, link.relation, assume)
        repair = fixed.repair
    origin = track.origin if not track.ok else step.id
    return "invalid", reason, outcome.counterexample, repair, \
        track.moved(reading, step.id, ok=False, origin=origin), result


def _failed(result: Result, reading: Reading, track: _Track, step: StepResult):
    if result.failure == "garbled" and not rules.looks_damaged(reading.text):
        # well-formed LaTeX the grammar does not read (a set-builder subscript, say): not damage
        verdict, reason = "unsupported", NotSupported(f"derivcheck cannot read this LaTeX: {result.message}")
    elif result.failure == "garbled":
        verdict, reason = "garbled", Unreadable(result.message)
    elif result.failure in LIMITS:
        verdict, reason = "undecided", LimitReached(result.message)
    else:
        verdict, reason = "unsupported", NotSupported(result.message)
    readable = result.failure != "garbled"
    unsure = dict(unsure=reading, unsure_step=step.id) if readable and track.ok else {}
    return verdict, reason, None, None, track.moved(reading, step.id, known=False, readable=readable, **unsure)


def _proved(link: Link, reading: Reading, track: _Track, step: StepResult, outcome):
    if not track.ok:
        return "valid", CarriesError(track.origin or "?"), None, None, track.moved(reading, step.id)
    if not track.known:
        return "valid", Proved(link.relation, outcome.instances), None, None, track.moved(reading, step.id)
    if link.relation in ("=", ":="):
        return "valid", Proved(link.relation, outcome.instances), None, None, \
            track.moved(reading, step.id, anchor=reading, anchor_step=step.id)
    return "valid", Proved(link.relation, outcome.instances), None, None, track.moved(reading, step.id)


def _anchor_name(step: str) -> str:
    return step if step.startswith("the ") else f"step {step}"


_UPDATE = re.compile(r"^\s*(\\mathbf\{|\\boldsymbol\{)?\\?[A-Za-z]+\}?_\{?t\}?\s*-\s*(\\sum|\\frac\s*\{\s*\\partial|\\nabla)")


def _update_notes(text: str) -> list[str]:
    """A gradient step written with no step size (``W_{t+1} = W_t - \\sum …``)."""
    if _UPDATE.search(text):
        return ["an update with no learning rate: the step size is 1"]
    return []


def _last_link_in_block(chain: Chain, block: int) -> Link | None:
    links = [lk for lk in chain.links if lk.piece.block == block]
    return links[-1] if links else None


def _new_step(doc: Document, chain: Chain, link: Link, sid: str, track: _Track) -> StepResult:
    block = doc.blocks[link.piece.block]
    first_in_block = next(lk for lk in chain.links if lk.piece.block == link.piece.block) is link
    # after a step that could not be read, a step is compared with the last expression known correct
    skipped = not track.readable and track.anchor is not None
    compared, compared_step = (track.anchor, track.anchor_step) if skipped else (track.reading, track.step)
    return StepResult(id=sid, line=doc.line_of(link.latex_start), latex=link.latex, verdict="undecided",
                      reason=NotProved("not judged"), relation=link.relation, lhs_latex=compared.original,
                      equation=link.latex_start != link.piece.start,
                      tag=block.tag, justification=block.before if first_in_block else "",
                      source_line=doc.source_line(doc.line_of(link.latex_start)),
                      compared_with=compared_step,
                      location=doc.location(link.latex_start))


def _empty_display(doc: Document, block: Block, sid: str) -> StepResult:
    line = block.line
    what = block.broken or (f"an empty display: only the equation number ({block.tag}) is left, split off "
                            "its equation or with the equation lost" if block.tag else "an empty display")
    return StepResult(id=sid, line=line, latex=block.content.strip(), verdict="garbled", reason=Damaged(what),
                      kind="display", tag=block.tag, source_line=doc.source_line(line),
                      justification=block.before, location=doc.location(block.start))


def _lone_display(piece: Piece, infos: dict[int, _BlockInfo], macros: dict):
    info = infos[piece.block]
    reading = read(piece.text, info.notation, macros)
    result = yield Task("inspect", info.spec, reading.text)
    notes = [s.message for s in reading.slips] + result.notes
    reason = "an expression with no relation: nothing to check"
    if result.failure == "garbled":
        reason = f"an expression with no relation, and it cannot be read: {result.message}"
    return Display(piece.line, piece.text, reason, notes)


# ----------------------------------------------------------------------------- the final result

def _final(base: Notation, infos, walked: list[_Walked], options: Options):
    targets = []
    for index, target in enumerate(base.targets):
        found = [w for w in walked if w.target == index]
        found = [w for w in found if w.decided] or found   # the last one that could be read
        if not found:
            targets.append(TargetResult(target.of, target.wrt, None, "unsupported",
                                        "no chain starts with this derivative"))
            continue
        done = found[-1]
        last_link = done.chain.links[-1]
        info = infos[last_link.piece.block]
        if done.last is None:
            targets.append(TargetResult(target.of, target.wrt, None, "unsupported",
                                        "the final expression cannot be read"))
            continue
        truth = f"\\frac{{\\partial}}{{\\partial {target.wrt}}} {target.of}"
        result = yield Task("compare", info.spec, truth, done.last.text, "=", info.assume)
        found_target = _target_result(target, result, last_link.line, info.inferred)
        found_target.expression = done.last.text
        found_target.block = last_link.piece.block
        if options.reference is not None:
            check = yield Task("reference", info.spec, done.last.text, target.wrt, reference=options.reference)
            found_target.reference = _reference_check(check)
        targets.append(found_target)
    if not targets:
        return FinalResult("none")
    verdicts = {t.verdict for t in targets}
    for word in ("incorrect", "unsupported", "undecided"):
        if word in verdicts:
            return FinalResult(word, targets)
    return FinalResult("correct", targets)


def _reference_check(result: Result) -> ReferenceCheck:
    if result.failure:
        return ReferenceCheck("undecided" if result.failure in LIMITS else "unsupported", result.message)
    outcome = result.outcome
    if outcome.status == "proved":
        return ReferenceCheck("correct", f"equals the reference answer ({outcome.instances})", result.reference)
    if outcome.status == "unproved":
        return ReferenceCheck("undecided", outcome.instances, result.reference)
    return ReferenceCheck("incorrect", "differs from the reference answer", result.reference, outcome.counterexample)


def _target_result(target, result: Result, line: int, inferred: bool = False) -> TargetResult:
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
    if status == "shape" and inferred and not result.shapes_stated:
        return TargetResult(target.of, target.wrt, where, "unsupported",
                            str(ShapesUnread(*result.outcome.counterexample.shapes)))
    return TargetResult(target.of, target.wrt, where, "incorrect",
                        f"the final expression differs from SymPy's derivative of ${target.of}$",
                        result.outcome.counterexample)


def _title(doc: Document) -> str:
    header = doc.header or {}
    if header.get("title") or doc.page_title:
        return str(header.get("title") or doc.page_title)
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
