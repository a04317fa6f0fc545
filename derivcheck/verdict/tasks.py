"""The units of work that run under a time limit, and how a worker carries them out.

The checker (checker.py) never evaluates math itself: it sends a Task and gets back a Result. A
worker process (worker.py) runs tasks with a time and memory limit; tests and small jobs can run
them in-process with ``run_task``. Tasks carry text, not parsed nodes, so a killed worker loses
nothing but its caches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from ..latex import nodes as n
from ..latex.braces import splice_underbraces
from .decide import Context, Outcome, compare, not_refuted_because
from .sizes import prove
from .implies import implication
from .updates import update_outcome
from ..notation.conventions import UPRIGHT_D
from ..notation.einstein import matched_sums
from ..notation.scope import extended_sums, inherited_lower_limits, narrowed, widened
from ..meaning.values import EvaluationError
from .findings import Repair
from ..notation.header import ROLE_OF_FLAG, Notation, NotationError, load_notation, parse_condition
from ..latex.errors import LatexError, TooLarge
from ..latex.parse import parse_expression
from ..latex.render import to_latex


@dataclass(frozen=True)
class Spec:
    """Which notation a task runs under: the header, a block's overrides, the sizes asked for."""
    document: str
    header: Any
    overrides: Any
    sizes: tuple[tuple[str, int], ...]

    @property
    def key(self) -> tuple:
        """What a Context depends on: the notation, not the document (proofs written in one
        notation, a class's, share one Context and its caches)."""
        return (repr(self.header), repr(self.overrides), self.sizes)


@dataclass(frozen=True)
class Task:
    """One unit of limited work. Everything here is text: the checker never parses."""
    kind: str                       # "compare" | "repair" | "inspect" | "infer" | "reference"
    spec: Spec
    lhs: str                        # compare: the expression before; repair: the target; inspect: the text;
                                    # infer: the whole document
    rhs: str = ""                   # compare/repair: the step
    relation: str = "="
    assume: tuple[str, ...] = ()
    equation: bool = False          # the step is written as one equation: both sides are its own
    targets: tuple[tuple[str, str], ...] = ()  # (loss, variable) pairs to recognise lhs as a gradient of
    reference: Any = None           # reference: the assignment's Reference (lhs: final expression, rhs: variable)
    start: str = ""                 # compare: the chain's first expression (its free indices are the chain's)
    given: tuple[str, ...] = ()     # implies: the two sides of the equation the step says it follows from


@dataclass
class Result:
    outcome: Outcome | None = None
    repair: Repair | None = None
    failure: str | None = None      # "unsupported" | "garbled" | "time" | "memory" | "crash"
    side: str | None = None         # with "garbled": which text could not be read ("lhs" | "rhs")
    message: str = ""
    notes: list[str] = field(default_factory=list)
    definition: bool = False        # lhs is the pattern of a declared definition
    target: int | None = None       # lhs is d(loss)/d(variable) of this target
    reference: int | None = None    # reference: which of the assignment's gradients was compared
    update: str = ""                # compare: an update rule checked as a step on this loss
    implied: str = ""               # implies: how the equation follows ("rearranged" | "solved")
    shapes_stated: bool = False     # compare: the text states the shape of every symbol of both sides
    in_case: bool = False           # compare: checked in the case its row names (y = 1 put for y)
    header: dict | None = None      # infer: the notation the document implies
    inferred: list = field(default_factory=list)  # infer: the notes saying how
    seconds: float = 0.0


class _Unreadable(Exception):
    def __init__(self, side: str, error: LatexError):
        super().__init__(str(error))
        self.side = side
        self.error = error


_CONTEXTS: dict[tuple, Context] = {}


def notation_for(spec: Spec) -> Notation:
    base = load_notation(spec.header, dict(spec.sizes))
    return base.with_overrides(spec.overrides) if spec.overrides else base


def context_for(spec: Spec) -> Context:
    """One Context per notation, kept for the life of the process (the caches are the point)."""
    key = spec.key
    if key not in _CONTEXTS:
        if len(_CONTEXTS) > 64:
            _CONTEXTS.clear()
        _CONTEXTS[key] = Context(notation_for(spec))
    return _CONTEXTS[key]


def _at_sizes(spec: Spec, notation: Notation, sizes: dict[str, int]) -> Context:
    """The Context of ``spec``'s notation with ``sizes`` (by name; every size with a role is named,
    so the role flags of ``--sizes`` are already in them), keeping what the user fixed by name."""
    kept = {k: v for k, v in spec.sizes if k in notation.sizes and k not in sizes and k not in ROLE_OF_FLAG}
    return context_for(replace(spec, sizes=tuple(sorted({**kept, **sizes}.items()))))


def run_task(task: Task) -> Result:
    """Carry out one task here and now; every failure becomes a Result, never an exception."""
    target: list[int | None] = [None]
    result = _run(task, target)
    if result.target is None:
        result.target = target[0]   # a chain start is a gradient whether or not its step could be decided
    return result


def _run(task: Task, target: list) -> Result:
    try:
        if task.kind == "infer":
            return _infer(task)
        ctx = context_for(task.spec)
        before = len(ctx.notes)
        lhs = ctx.notation.relabel(_read(task.lhs, "lhs"))
        target[0] = _target(lhs, task.targets)
        if task.kind == "inspect":
            return Result(notes=scope_notes(lhs, ctx.notation) + index_role_notes(lhs, ctx.notation),
                          definition=is_definition(lhs, ctx.notation))
        rhs = ctx.notation.relabel(_read(task.rhs, "rhs"))
        lhs, rhs = extended_sums(lhs, rhs, ctx.notation.indices)
        lhs, rhs = inherited_lower_limits(lhs, rhs)
        if ctx.notation.einstein:
            chain = _read(task.start, "lhs") if task.start else None
            lhs, rhs = matched_sums(lhs, rhs, ctx.notation.indices, ctx.notation.relabel(chain) if chain else None)
        if ctx.notation.operator_scope == "product":
            lhs, rhs = widened(lhs), widened(rhs)
        elif ctx.notation.operator_scope == "factor":
            lhs, rhs = narrowed(lhs), narrowed(rhs)
        if task.kind == "reference":
            from .reference import compare_with_reference
            index, outcome = compare_with_reference(ctx, lhs, rhs, task.reference)
            return Result(outcome=outcome, reference=index)
        if "d" in ctx.notation.ambiguous and any(UPRIGHT_D.search(t) for t in (task.lhs, task.rhs)):
            return Result(failure="unsupported", message="an upright $\\mathrm{d}$ is the differential here, which "
                                                         "derivcheck reads only as part of a derivative, so the step is not compared")
        letter = _index_as_quantity(lhs, rhs, ctx.notation)
        if letter is not None:
            return Result(failure="unsupported", message=f"${letter}$ is an index elsewhere in the text and a quantity "
                                                         "here (two meanings), so the step is not compared")
        assume = tuple(parse_condition(a) for a in task.assume)
        cases = tuple(a for a in assume if _value_case(a, ctx.notation, lhs, rhs))
        if cases:       # Cost(h, y) = -\log h \text{ if } y = 1: the step is checked with y = 1
            lhs, rhs = _in_cases(lhs, cases), _in_cases(rhs, cases)
            assume = tuple(a for a in assume if a not in cases)
        def at_sizes(sizes: dict[str, int]) -> Context:
            return _at_sizes(task.spec, ctx.notation, sizes)

        def decided(a: n.Node, b: n.Node) -> Outcome | None:
            """``a = b`` decided, or None where the engine cannot evaluate it (another comparison may)."""
            return decided_as(lambda: prove(at_sizes, ctx, a, b, "=", assume))
        if task.kind == "implies":
            given = (ctx.notation.relabel(_read(task.given[0], "lhs")), ctx.notation.relabel(_read(task.given[1], "lhs")))
            found = implication(given, lhs, rhs, decided)
            if found is None:
                return Result(failure="unsupported", message="it is not decided whether it follows from the equation before it")
            return Result(outcome=found[0], implied=found[1])
        if task.kind == "repair":
            from .repair import search
            return Result(repair=search(ctx, lhs, rhs, task.rhs, task.relation, assume,
                                        decide=lambda a, b: prove(at_sizes, ctx, a, b, task.relation, assume)))
        relation = "=" if task.relation == ":=" else task.relation
        outcome = prove(at_sizes, ctx, lhs, rhs, relation, assume)
        spliced = _braces_spliced(lhs, rhs) if outcome.status != "proved" else None
        if spliced is not None:
            again = decided_as(lambda: prove(at_sizes, ctx, *spliced, relation, assume))
            if again is not None and again.status == "proved":
                (lhs, rhs), outcome = spliced, again
                ctx.notes.append(BRACES_SPLICED)
        if outcome.status != "proved" and (task.relation == ":=" or (task.equation and is_update(lhs, rhs))):
            # θ := θ - α∇J, θ ← …, θ = θ - …: an assignment, true by the author's decree, never refuted
            # as an identity; the step it takes is checked against the loss's gradient, where the text has one
            update = update_outcome(ctx.notation, task.lhs, lhs, rhs, decided) \
                if task.equation and is_update(lhs, rhs) else None
            if update is None:
                return Result(failure="unsupported", message=ASSIGNMENT)
            outcome, loss, note = update
            return Result(outcome=outcome, notes=[note], update=loss)
        withdrawn = _withdrawn(task, ctx, at_sizes, lhs, rhs, outcome) if outcome.status == "refuted" else None
        if withdrawn is not None:
            return Result(failure="unsupported", message=withdrawn)
        notes = ctx.notes[before:] + (scope_notes(lhs, ctx.notation) if task.equation else [])
        notes += [f"checked where ${to_latex(c)}$, the case its row names" for c in cases]
        notes += scope_notes(rhs, ctx.notation) + label_claims(ctx, rhs, assume)
        notes += size_notes((lhs, rhs), ctx.notation)
        return Result(outcome=outcome, notes=list(dict.fromkeys(notes)),
                      definition=task.equation and is_definition(lhs, ctx.notation, rhs),
                      shapes_stated=outcome.status == "shape" and ctx.notation.shapes_from_text(lhs, rhs),
                      in_case=bool(cases))
    except _Unreadable as err:
        kind = "unsupported" if isinstance(err.error, TooLarge) else "garbled"
        return Result(failure=kind, side=err.side, message=str(err))
    except EvaluationError as err:
        return Result(failure=err.kind, message=str(err))
    except NotationError as err:
        return Result(failure="unsupported", message=f"notation: {err}")
    except RecursionError:
        return Result(failure="unsupported", message="the expression is nested too deeply to evaluate")
    except ENGINE_ERRORS as err:
        return Result(failure="unsupported", message=f"the engine could not evaluate this step ({type(err).__name__}: {err})")


BRACES_SPLICED = ("an underbrace read as a label under terms of the sum around it (what it shows), not as "
                  "brackets: read as brackets, the step does not hold")


def _braces_spliced(lhs: n.Node, rhs: n.Node) -> tuple[n.Node, n.Node] | None:
    """Both sides with every underbraced run of terms put back into its sum, where that changes either."""
    spliced = splice_underbraces(lhs), splice_underbraces(rhs)
    return spliced if spliced != (lhs, rhs) else None


def decided_as(attempt) -> Outcome | None:
    """``attempt()``, or None where the engine cannot evaluate it."""
    try:
        return attempt()
    except ENGINE_ERRORS:
        return None


#: What the engine raises on a step it cannot evaluate (a bug it has not met yet, or input it does not read).
ENGINE_ERRORS = (EvaluationError, NotationError, ArithmeticError, ValueError, TypeError, AttributeError, KeyError,
                 IndexError, NotImplementedError)

AT_VALUES = ("one side is numbers only: the other evaluated at values the text gives (its data, an example), "
             "which derivcheck does not bind to the symbols, so it is not refuted")


GIVEN_VALUE = ("a value the text gives a symbol (its example's numbers, a starting point), not an identity: "
               "it is not refuted")


def _given_value(lhs: n.Node, rhs: n.Node) -> bool:
    """``X = [16, -6]``, ``y = 2``: a symbol set to numbers, as an example or a starting point states them."""
    named = isinstance(lhs, n.Sym) or isinstance(lhs, n.Scripted) and isinstance(lhs.base, n.Sym)
    return named and not any(isinstance(x, n.Sym) for x in n.walk(rhs))


ROUNDED = ("a rounded decimal: the exact value agrees with it to the places written, so it is not refuted "
           "(and, not being exact, not proved)")


def _rounded(lhs: n.Node, rhs: n.Node, cex) -> bool:
    """``\\sigma(-2) = 0.12`` (or ``= -0.227``): one side a decimal, the other's exact value within half a unit of
    its last place."""
    for side in (lhs, rhs):
        side = n.ungroup(side)
        side = n.ungroup(side.arg) if isinstance(side, n.Neg) else side
        if isinstance(side, n.Num) and "." in side.text:
            places = len(side.text.split(".")[1])
            try:
                return abs(float(cex.lhs) - float(cex.rhs)) <= 0.5 * 10 ** -places
            except (TypeError, ValueError):
                return False
    return False


def _withdrawn(task: Task, ctx: Context, at_sizes, lhs: n.Node, rhs: n.Node, outcome: Outcome) -> str | None:
    """Why a refuted step is not called invalid after all (None: the refutation stands). Each reason is the
    text's, not the step's: it lists data, gives a value, rounds, or the reading of its notation is a guess."""
    cex = outcome.counterexample
    if cex.inputs and (_data(lhs) or _data(rhs)):
        return AT_VALUES        # μ̂ = (1 + 2 + 3)/3: the defined quantity evaluated at data the text lists
    if task.equation and _given_value(lhs, rhs):
        return GIVEN_VALUE
    if _rounded(lhs, rhs, cex):
        return ROUNDED
    return not_refuted_because(at_sizes(dict(cex.sizes)) if cex.sizes else ctx, lhs, rhs, cex)


def _value_case(rel: n.Rel, notation: Notation, *nodes: n.Node) -> bool:
    """``y = 1`` for a symbol that is no index, no size, and written bare (never ``y_i``) in the step: a case
    the row names, checked by putting the number in."""
    name = rel.lhs.name if isinstance(rel.lhs, n.Sym) else None
    if rel.op != "=" or not isinstance(rel.rhs, n.Num) or name is None or name in notation.indices \
            or name in notation.sizes:
        return False
    written = [x for node in nodes for x in n.walk(node)]
    return any(x == rel.lhs for x in written) and not any(isinstance(x, n.Scripted) and x.base == rel.lhs
                                                          for x in written)


def _in_cases(node: n.Node, cases: tuple[n.Rel, ...]) -> n.Node:
    values = {c.lhs.name: c.rhs for c in cases}
    return n.rebuild(node, lambda x: values.get(x.name, x) if isinstance(x, n.Sym) else x)


def _index_as_quantity(lhs: n.Node, rhs: n.Node, notation: Notation) -> str | None:
    """``l = y\\theta^T x - e^{\\theta^T x}`` where the text writes θ_l elsewhere: the letter the equation names is
    an index there and a quantity here. Compared as the index, the step would be refuted at l = 1."""
    for side, other in ((lhs, rhs), (rhs, lhs)):
        if isinstance(side, n.Sym) and side.name in notation.indices and not _index_valued(other, notation):
            return side.name
    return None


def _index_valued(node: n.Node, notation: Notation) -> bool:
    """Numbers and index letters, added or negated (``j + 1``): what an index can equal."""
    return all(isinstance(x, (n.Num, n.Add, n.Neg, n.Group)) or isinstance(x, n.Sym) and x.name in notation.indices
               for x in n.walk(node))


def _data(node: n.Node) -> bool:
    """Arithmetic on numbers only, more than one of them (``\\frac{1+2+3}{3}``, ``\\sigma([1\\ 1] \\cdot [-3\\ 1])``,
    a function applied to them allowed), or a rounded decimal (``= 0.88``): a value computed from data. A single
    whole number (``= 0``) is a claim to check."""
    walked = list(n.walk(node))
    heads = {id(x.head) for x in walked if isinstance(x, n.Call)}
    if any(isinstance(x, n.Sym) and id(x) not in heads for x in walked):
        return False
    numbers = [x for x in walked if isinstance(x, n.Num)]
    return len(numbers) > 2 or any("." in x.text for x in numbers)


ASSIGNMENT = ("an assignment (an update rule or a definition with :=, \\leftarrow, or the same symbol on both "
              "sides): it is not an identity, and the gradient step it takes cannot be checked here (the text takes "
              "no gradient of a loss with respect to it, it writes no one step size, or that gradient cannot be "
              "evaluated)")


def is_update(lhs: n.Node, rhs: n.Node) -> bool:
    """``\\theta = \\theta - \\alpha \\nabla J``, ``w_1 = w_1 - …``: the left side stands again as a term of the right."""
    terms = rhs.terms if isinstance(rhs, n.Add) else ()
    return any(t == lhs for t in terms)


def _infer(task: Task) -> Result:
    """The header a document with no header implies (parsing happens here, under the limits)."""
    from ..notation.infer import infer
    from ..read.source import read_document
    try:
        got = infer(read_document(task.spec.document, task.lhs), task.spec.header or {})
    except (MemoryError, RecursionError):
        raise
    except Exception as err:  # noqa: BLE001 - a heuristic reading untrusted text: a finding, never a crash
        return Result(failure="unsupported", message=f"the notation could not be inferred from the text "
                                                     f"({type(err).__name__}: {err})")
    try:
        load_notation(got.header, dict(task.spec.sizes))
    except NotationError as err:
        return Result(failure="unsupported", message=f"the notation inferred from the document is not usable: {err}",
                      header=got.header, inferred=got.notes)
    return Result(header=got.header, inferred=got.notes)


def _read(text: str, side: str) -> n.Node:
    try:
        return parse_expression(text)
    except LatexError as err:
        raise _Unreadable(side, err) from None


def _target(node: n.Node, targets: tuple[tuple[str, str], ...]) -> int | None:
    """Which declared gradient ``node`` is (``\\frac{\\partial}{\\partial \\Theta_{ij}} J``), if any."""
    while isinstance(node, n.Neg):
        node = node.arg
    if not isinstance(node, n.Deriv):
        return None
    for index, (of, wrt) in enumerate(targets):
        try:
            loss = parse_expression(of)
            if node.wrt == parse_expression(wrt) and _head_name(node.body) == _head_name(loss) \
                    and _indices_of(node.body) == _indices_of(loss):
                return index
        except LatexError:
            continue
    return None


def _indices_of(node) -> tuple:
    """How a loss is indexed (L_i is not L), whatever it is applied to (J(θ) is J)."""
    while isinstance(node, (n.Call, n.Group)):
        node = node.head if isinstance(node, n.Call) else node.arg
    return (node.sub, node.sup) if isinstance(node, n.Scripted) else ()


def _head_name(node) -> str | None:
    while isinstance(node, (n.Call, n.Scripted, n.Group)):
        node = node.head if isinstance(node, n.Call) else node.base if isinstance(node, n.Scripted) else node.arg
    return node.name if isinstance(node, n.Sym) else None


def is_definition(node: n.Node, notation: Notation, rhs: n.Node | None = None) -> bool:
    """Whether ``node`` names a defined symbol the way its definition's left side does (and, in a
    notation read from the text, ``node = rhs`` is that definition, not a later claim about it)."""
    head = node.head if isinstance(node, n.Call) else node
    base = head.base if isinstance(head, n.Scripted) else head
    if not isinstance(base, n.Sym):
        return False
    defs = notation.definitions_of(base.name)
    if rhs is not None and notation.raw.get("inferred"):
        return any(d.rhs == rhs for d in defs)
    return bool(defs)


def scope_notes(node: n.Node, notation: Notation) -> list[str]:
    """A sum whose index letter is also free in the same expression (``∇_{θ^{(k)}} Σ_k …``): read
    with the usual scoping, but worth saying."""
    free = n.free_indices(node, notation.indices)
    shadowed = sorted({x.index for x in n.walk(node) if isinstance(x, n.Sum) and x.index in free})
    return [f"the sum over ${k}$ reuses the letter ${k}$ that is free outside it; inside the sum, ${k}$ is "
            "the summation index" for k in shadowed]


def size_notes(nodes, notation: Notation) -> list[str]:
    """Two size symbols for the same thing in one step (a sum to N beside a sum to C, both classes)."""
    used = {x.name for node in nodes for x in n.walk(node) if isinstance(x, n.Sym) and x.name in notation.sizes}
    by_role: dict[str, list[str]] = {}
    for name in sorted(used):
        role = notation.size_roles.get(name)
        if role:
            by_role.setdefault(role, []).append(name)
    return [f"${' and $'.join(names)}$ both count the {role} here; the notation treats them as one size"
            .replace(" and $", "$ and $") for role, names in by_role.items() if len(names) > 1]


def index_role_notes(node: n.Node, notation: Notation) -> list[str]:
    """An index letter used where the symbol's declared axis has another range (``w_i`` where w
    is indexed by class and i is the sample index)."""
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


_CLAIM = re.compile(r"(?:sums? to|equals?|is|=)\s*(-?\d+)\s*$", re.I)


def label_claims(ctx: Context, node: n.Node, assume: tuple) -> list[str]:
    """Notes for ``\\underbrace{…}_{\\text{sums to 1}}`` labels whose expression is not that number."""
    notes = []
    for brace in (x for x in n.walk(node) if isinstance(x, n.Underbrace)):
        claim = _CLAIM.search(brace.label.strip())
        if not claim:
            continue
        try:
            outcome = compare(ctx, brace.body, n.Num(claim.group(1)), "=", assume)
        except (EvaluationError, ValueError, TypeError, ArithmeticError):
            continue
        if outcome.status in ("refuted", "shape"):
            notes.append(f"the label “{brace.label}” stands under an expression that is not "
                         f"{claim.group(1)}: it seems to belong to another term")
    return notes
