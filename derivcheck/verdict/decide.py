"""Where a step is decided: two expressions, every instantiation, an exact verdict.

For every value of every free index (restricted by the block's assumptions) and every value of
every class label the step reads, both sides are evaluated (evaluate.py), expanded to the
declared variables, and compared exactly (identity.py). The first instantiation that is not
proved is searched for a counterexample (refute.py). The outcome says which of: proved, refuted
(with the counterexample), shapes differ, or agreed at sampled points without a proof.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import sympy as sp

from ..latex import nodes as n
from ..meaning.atoms import AtomTable, Labels, format_key
from ..meaning.evaluate import Evaluator
from ..meaning.indices import instances
from ..meaning.values import DOT_OF_COLUMNS, IDENTITY, ONES, ShapeError, Unsupported, Value, is_matrix, is_vector, shape_text
from .findings import Counterexample
from .identity import Rationalizer, fails_for_every_function, is_nonnegative, is_zero
from ..notation.conventions import stem
from ..notation.header import Notation
from .refute import Point, sample_difference

#: What follows a family's name in a value's symbol: its entry (``_{2}``, ``[1,2]``).
_FAMILY = re.compile(r"(_\{[^{}]*\})?(\[[^\]]*\])?$")
#: Random points tried per unproved instantiation before calling it undecided.
ATTEMPTS = 4


@dataclass
class Outcome:
    status: str                     # "proved" | "refuted" | "shape" | "unproved"
    instances: str                  # what was covered, in words
    counterexample: Counterexample | None = None
    sampled: bool = True            # "unproved": some sampled point gave both sides real values


class Context:
    """Everything one notation's steps share: one evaluator (its cache and atoms serve every step
    and every label assignment), the exact-arithmetic names, and the notes found on the way."""

    def __init__(self, notation: Notation):
        self.notation = notation
        self.names = Rationalizer()
        self.notes: list[str] = []
        self.labels = Labels()
        self.atoms = AtomTable()
        self.evaluator = Evaluator(notation, self.labels, self.atoms)
        self._expanded: dict[tuple, tuple[n.Node, Value]] = {}
        self._needs: dict[tuple, tuple[n.Node, dict]] = {}
        self._label_free: dict[tuple, tuple[n.Node, Value]] = {}   # evaluated while asking which labels it reads
        self._numbers: dict[tuple, complex | None] = {}
        self.written: dict[tuple, set] = {}           # atoms of two meanings each value was written with
        self.dotted: set[tuple] = set()               # (node, env) read with two columns as their dot product

    def value(self, node: n.Node, env: dict[str, int], labels: tuple) -> Value:
        """The fully expanded value of ``node`` (cached: chains reuse their expressions)."""
        key = (id(node), tuple(sorted(env.items())), labels)
        hit = self._expanded.get(key)
        if hit is not None:
            return hit[1]
        self.labels.values, self.labels.default = dict(labels), None
        done = self._label_free.pop(key[:2], None) if not labels else None
        unexpanded = done[1] if done is not None else self._evaluate(node, env)
        if self.atoms.ambiguous:
            self.written[key] = {s for s in _symbols(unexpanded) & self.atoms.ambiguous if s in self.atoms.expansion}
        value = self.atoms.expand(unexpanded)
        self._expanded[key] = (node, value)
        return value

    def values_holding(self, nodes: tuple[n.Node, ...], env: dict[str, int], labels: tuple, held: set) -> list[Value]:
        """The expanded values of ``nodes`` with the graph nodes ``held`` held fixed in every local derivative
        (never cached: the step's own values are the ones without)."""
        self.labels.values, self.labels.default = dict(labels), None
        self.atoms.held = frozenset(held)
        try:
            return [self.atoms.expand(self._evaluate(node, env)) for node in nodes]
        finally:
            self.atoms.held = frozenset()

    def ambiguous_in(self, node: n.Node, env: dict[str, int], labels: tuple) -> set:
        """The atoms of two meanings ``node`` is written with (gone from its expanded value)."""
        return self.written.get((id(node), tuple(sorted(env.items())), labels), set())

    def holds(self, relation: n.Rel, env: dict[str, int], labels: tuple) -> bool:
        """Whether an assumption that reads labels holds at this label assignment."""
        self.labels.values, self.labels.default = dict(labels), None
        return self.evaluator.holds(relation, env)

    def labels_read(self, node: n.Node, env: dict[str, int]) -> dict[tuple, int]:
        """Which labels ``node`` reads at ``env`` (and how many classes each has)."""
        key = (id(node), tuple(sorted(env.items())))
        hit = self._needs.get(key)
        if hit is not None:
            return hit[1]
        self.labels.values, self.labels.default = {}, 1
        trace = self.labels.trace()
        try:
            unexpanded = self._evaluate(node, env)
        finally:
            read = self.labels.end(trace)
            self.labels.default = None
        if not read:
            # the default was never read, so this is the value at no labels: value() need not compute it again
            self._label_free[key] = (node, unexpanded)
        needs = {k: self.labels.classes[k] for k, _ in read}
        self._needs[key] = (node, needs)
        return needs

    def numeric(self, node: n.Node, env: dict[str, int], labels: tuple, point: dict) -> list | None:
        """Floating values of ``node``'s entries at ``point`` (a screen, not a proof): atoms are
        valued once each instead of expanded, so a candidate costs little beyond its own tree.
        ``point`` maps variables to values and is extended on demand."""
        self.labels.values, self.labels.default = dict(labels), None
        value = self._evaluate(node, env)
        entries = list(value) if is_matrix(value) else [value]
        numbers = [self._number(e, point) for e in entries]
        return None if any(x is None for x in numbers) else numbers

    def _number(self, expr, point: dict):
        subs = {}
        for sym in expr.free_symbols:
            if sym in self.atoms.expansion:
                key = (sym, id(point))
                if key not in self._numbers:
                    self._numbers[key] = self._number(self.atoms.expansion[sym], point)
                subs[sym] = self._numbers[key]
                if subs[sym] is None:
                    return None
            else:
                subs[sym] = point.setdefault(sym, sp.Rational(len(point) % 7 + 2, 3))
        try:
            value = complex(expr.xreplace(subs).evalf(15))
        except (TypeError, ValueError, ZeroDivisionError):
            return None
        return value

    def _evaluate(self, node: n.Node, env: dict[str, int]) -> Value:
        self.evaluator.notes = []
        value = self.evaluator.value(node, env)
        if value.has(IDENTITY):
            raise Unsupported("I (the identity matrix) where no square matrix beside it fixes its size")
        if value.has(ONES):
            raise Unsupported("a vector of ones (\\mathbf{1}) whose length nothing beside it fixes")
        if DOT_OF_COLUMNS in self.evaluator.notes:
            self.dotted.add((id(node), tuple(sorted(env.items()))))
        for note in self.evaluator.notes:
            if note not in self.notes and note != DOT_OF_COLUMNS:
                self.notes.append(note)
        return value


def free_indices(node: n.Node, notation: Notation) -> set[str]:
    """Index letters used in ``node`` and not bound by a sum inside it."""
    return n.free_indices(node, notation.indices)


def shadowed_indices(node: n.Node, free: set[str]) -> set[str]:
    """Sum indices that reuse a letter free in the step (``∇_{θ^{(k)}} Σ_k …``)."""
    return {x.index for x in n.walk(node) if isinstance(x, n.Sum) and x.index in free}


def compare(ctx: Context, lhs: n.Node, rhs: n.Node, relation: str, assumptions: tuple[n.Rel, ...] = (),
            letters: list[str] | None = None) -> Outcome:
    """Decide ``lhs relation rhs`` at every instantiation."""
    notation = ctx.notation
    if letters is None:
        letters = sorted(free_indices(lhs, notation) | free_indices(rhs, notation)
                         | set().union(*(free_indices(a, notation) for a in assumptions)))
    checker = ctx.evaluator
    total = 0
    unproved: list[str] = []
    sampled = False         # some unproved instance had real values on both sides at a sampled point
    label_keys: set[tuple] = set()
    for env in instances(letters, notation):
        # c \neq y_t: an assumption that reads a label is checked at each label assignment
        read = {a: {**ctx.labels_read(a.lhs, env), **ctx.labels_read(a.rhs, env)} for a in assumptions}
        about_labels = [a for a in assumptions if read[a]]
        if not all(checker.holds(a, env) for a in assumptions if not read[a]):
            continue
        needs = {**ctx.labels_read(lhs, env), **ctx.labels_read(rhs, env)}
        for a in about_labels:
            needs.update(read[a])
        label_keys |= set(needs)
        for labels in _label_assignments(needs):
            if not all(ctx.holds(a, env, labels) for a in about_labels):
                continue
            total += 1
            a, b = ctx.value(lhs, env, labels), ctx.value(rhs, env, labels)
            shapes = _shapes_differ(a, b)
            if shapes:
                return Outcome("shape", _describe(letters, notation, label_keys, total),
                               Counterexample(_items(env), _label_items(labels), (), "", "", None, shapes))
            if _holds(a, b, relation, ctx.names):
                continue
            a, b = _as_one_spelling(ctx, a, b, relation, _algebraic(lhs, rhs))
            written = ctx.ambiguous_in(lhs, env, labels) | ctx.ambiguous_in(rhs, env, labels)
            if written and written <= ctx.atoms.graph_nodes:
                _not_held(ctx, lhs, rhs, env, labels, relation, written)
                written = set()     # wrong with the graph nodes held fixed too: wrong under either meaning
            _no_unknowns(ctx, a, b, written)
            _same_data(ctx, a, b)
            point, compared = _refute(a, b, relation)
            sampled = sampled or compared > 0
            if point is not None and point.functions and notation.raw.get("inferred") \
                    and not fails_for_every_function(a, b):
                raise Unsupported(_particular_function(point))
            if point is not None:
                held = _held_elsewhere(ctx, lhs, rhs, relation, env, labels)
                if held is not None:
                    raise Unsupported(f"it holds where {held[0]} = {held[1]} and not for every value: one side "
                                      f"writes no {held[0]}, so the text may mean that one")
                return Outcome("refuted", _describe(letters, notation, label_keys, total),
                               Counterexample(_items(env), _label_items(labels),
                                              point.inputs + tuple((lhs, c) for _, lhs, c in point.functions),
                                              point.lhs, point.rhs, point.entry))
            unproved.append(_instance_text(env, labels))
    covered = _describe(letters, notation, label_keys, total)
    if unproved:
        return Outcome("unproved", covered + f"; not proved at {', '.join(unproved[:3])}"
                       + (" …" if len(unproved) > 3 else ""), sampled=sampled)
    return Outcome("proved", covered)


#: A counterexample's input that is an entry numbered 0: ``\\theta_{0}``, ``x^{(1)}_{0}``.
_ENTRY_ZERO = re.compile(r"^(?P<base>\\?[A-Za-z]+)(?:\^\{\([^)]*\)\})?_\{0\}$")


def not_refuted_because(ctx: Context, lhs: n.Node, rhs: n.Node, cex: Counterexample) -> str | None:
    """Why a refuted step is not called invalid after all: a vector written whole beside a sum counted from 0,
    or two columns read as their dot product with guessed shapes (None: it stands)."""
    whole = _whole_counted_from_zero(cex.inputs, lhs, rhs)
    if whole is not None:
        return (f"the text counts ${whole}$ from 0 (${whole}_0$) and writes ${whole}$ whole: whether the whole has "
                "the entry 0 is not settled, so the step is not refuted")
    if _dotted_columns(ctx, lhs, rhs, dict(cex.indices)):
        return ("it multiplies two columns, read as their dot product (the shapes are the ones guessed from the "
                "text, not stated), so it is not refuted")
    return None


def _whole_counted_from_zero(inputs: tuple, lhs: n.Node, rhs: n.Node) -> str | None:
    """``\\sum_{j=0}^{n} \\theta_j x_j`` beside ``\\theta^T x``: a family with an entry 0 among the inputs and
    written whole in the step (θ, x^{(i)}): the whole vector may or may not hold that entry (the text counts
    from 0, its vectors from wherever the reader guessed), so a difference proves nothing."""
    bases = {m.group("base") for name, _ in inputs if (m := _ENTRY_ZERO.match(str(name)))}
    for x in (y for node in (lhs, rhs) for y in n.walk(node)):
        # θ^T, x^{(i)}: the whole vector, transposed or of one sample (a bare θ may be a label, as in h_θ)
        if isinstance(x, n.Scripted) and not x.sub and x.sup and isinstance(x.base, n.Sym) and x.base.name in bases:
            return x.base.name
    return None


def _dotted_columns(ctx: Context, lhs: n.Node, rhs: n.Node, env: dict[str, int]) -> bool:
    """Whether a side was read with two columns side by side as their dot product, and writes a capital letter
    (a matrix, by convention) whose shape the text does not state (``X^T(X\\theta - y)`` with X guessed a vector,
    where (X^T X)θ is another product). ``\\vec w \\cdot \\vec x`` means the dot product and stays decided."""
    keys = {(id(node), tuple(sorted(env.items()))) for node in (lhs, rhs)}
    capitals = {x.name for node in (lhs, rhs) for x in n.walk(node)
                if isinstance(x, n.Sym) and len(x.name) == 1 and x.name.isupper()}
    return bool(keys & ctx.dotted) and bool(capitals - ctx.notation.shapes_stated)


def _held_elsewhere(ctx: Context, lhs: n.Node, rhs: n.Node, relation: str, env: dict[str, int],
                    labels: tuple) -> tuple[str, int] | None:
    """``\\frac{e^{z_i}}{\\sum_c e^{z_c}} = \\frac{e^{z_1}}{e^{z_1} + e^{z_2}}``: a free index one side writes and
    the other does not, and a value where the step holds (i, 1), when it fails at ``env``: the text
    specialises the index, and the step is not refuted. None when no such value exists."""
    notation = ctx.notation
    left, right = free_indices(lhs, notation), free_indices(rhs, notation)
    for letter in sorted((left ^ right) & set(env)):
        # only where the side without the letter writes numbered entries (z_1, z_2): a specialisation, not
        # a slipped index (x_i for x_j is refuted, with its repair)
        for value in _numbered_entries(rhs if letter in left else lhs):
            if value == env[letter] or value > (notation.size_of_index(letter) or 0):
                continue
            other = {**env, letter: value}
            try:
                if _holds(ctx.value(lhs, other, labels), ctx.value(rhs, other, labels), relation, ctx.names):
                    return letter, value
            except (Unsupported, ShapeError):
                continue
    return None


def _numbered_entries(node: n.Node) -> list[int]:
    """The numbers ``node`` writes as indices (``z_1``, ``z_2``), in order."""
    found = [int(i.text) for x in n.walk(node) if isinstance(x, n.Scripted) and x.sub
             for i in x.sub if isinstance(i, n.Num) and i.text.isdigit()]
    return sorted(set(found))


def _particular_function(point: Point) -> str:
    """Why a difference found with a concrete function in place of one the text never defines refutes
    nothing: the text's own function may be the one for which the step holds."""
    names = ", ".join(f"${name}$" for name, _, _ in point.functions)
    shown = ", ".join(f"${lhs} = {cubic}$" for _, lhs, cubic in point.functions)
    return (f"{names} {'is' if len(point.functions) == 1 else 'are'} never defined: with {shown} the two sides "
            f"differ ({point.lhs} vs {point.rhs}), so the step holds at most for a particular function, which "
            "the text does not give")


def _not_held(ctx: Context, lhs: n.Node, rhs: n.Node, env: dict, labels: tuple, relation: str, held: set) -> None:
    """Raise Unsupported where the step holds with ``held`` (batch norm's μ, σ) held fixed in every local
    derivative, as a computational graph's partial derivatives hold them."""
    a, b = ctx.values_holding((lhs, rhs), env, labels, held)
    if _holds(a, b, relation, ctx.names):
        names = sorted({_FAMILY.sub("", s.name).rstrip("'") for s in held})
        raise Unsupported(f"it holds if ${'$, $'.join(names)}$ {'is' if len(names) == 1 else 'are'} held fixed in the "
                          "derivative (a computational graph's partial derivative), as the text's chain rule through "
                          f"{'it' if len(names) == 1 else 'them'} implies; it fails if not, so it is not refuted")


#: The letters a data symbol's name starts with (``X`` of ``X_{1,2}``, ``x`` of ``x^{(1)}_{2}``): its family.
_DATA_FAMILY = re.compile(r"\\?[A-Za-z]+(?:\{[A-Za-z]+\})?")


def _same_data(ctx: Context, a: Value, b: Value) -> None:
    """Raise Unsupported where the two sides are written in different data, no definition linking them:
    ``X^\\top X\\theta - X^\\top y`` beside a loss in the rows ``x^{(i)}`` of the design matrix X the prose
    describes. Read as unrelated numbers they differ, which refutes nothing the text says."""
    if not ctx.notation.raw.get("inferred"):
        return
    families = ctx.notation.families

    def data(v: Value) -> set[str]:
        names = {m.group(0) for m in (_DATA_FAMILY.match(s.name) for s in _symbols(v)) if m}
        return {x for x in names if x in families and families[x].role == "input"}
    left, right = data(a), data(b)
    if left and right and not left & right:
        raise Unsupported(f"the two sides are written in different data (${'$, $'.join(sorted(left))}$ and "
                          f"${'$, $'.join(sorted(right))}$), which nothing in the text links, so the step is not refuted")


def _no_unknowns(ctx: Context, a: Value, b: Value, written: set = frozenset()) -> None:
    """A difference that involves a symbol the notation knows nothing about refutes nothing when the
    symbol stands on one side only (``h = z`` may be a definition in words). One written on both sides
    is rewritten by the step (``(x - \\mu)/s = (x - \\mu) s^{-1/2}``): the step claims an identity in it,
    and a point where the sides differ refutes that. Where the notation is read from the text, two symbols
    that may be one quantity written two ways refute nothing either (two_spellings)."""
    left, right = _symbols(a), _symbols(b)
    if not ctx.atoms.opaque and not written:
        return
    two_meanings = sorted({ctx.atoms.opaque.get(s, _FAMILY.sub("", s.name))
                           for s in (left | right if ctx.atoms.opaque else set()) | written if s in ctx.atoms.ambiguous})
    if two_meanings:
        raise Unsupported(f"${'$, $'.join(two_meanings)}$ {'has' if len(two_meanings) == 1 else 'have'} two meanings in "
                          "the text, so a step that uses it is not refuted")
    if not ctx.atoms.opaque:
        return
    unknown = sorted({ctx.atoms.opaque[s] for s in left ^ right if s in ctx.atoms.opaque})
    if unknown:
        raise Unsupported(f"${'$, $'.join(unknown)}$ {'is' if len(unknown) == 1 else 'are'} never defined, so the "
                          "two sides cannot be compared")


def _as_one_spelling(ctx: Context, a: Value, b: Value, relation: str, algebraic: bool) -> tuple[Value, Value]:
    """Where two symbols of a step may be one quantity written two ways (two_spellings), the step is read
    with them as one (``AX`` beside ``x^T``: X is x typed in capitals), entry for entry. If it holds so, or
    the entries do not pair up, it is not refuted; if it still fails, it fails under either reading. Only
    in algebra: through a derivative, the definitions may hide a dependence the text means (∂c/∂R of
    c(R) = (σ^2 + ε)^{-1/2}, σ^2 being R^T R / N), and identifying two names does not reveal it."""
    spellings = two_spellings(_symbols(a), _symbols(b)) if ctx.notation.raw.get("inferred") else None
    if not spellings:
        return a, b
    one, other, how = spellings
    refused = Unsupported(f"${one}$ and ${other}$ may be one quantity written two ways ({how}), so the step "
                          "is not refuted")
    if not algebraic:
        raise refused
    symbols = {s.name: s for s in _symbols(a) | _symbols(b)}
    source, target = _FAMILY.sub("", other), _FAMILY.sub("", one)
    mapping = {s: symbols.get(target + s.name[len(source):]) for s in symbols.values()
               if _FAMILY.sub("", s.name) == source}
    if not mapping or any(v is None for v in mapping.values()):
        raise refused
    a, b = a.xreplace(mapping), b.xreplace(mapping)
    if _holds(a, b, relation, ctx.names):
        raise refused
    note = f"${target}$ and ${source}$ read as one quantity ({how}): the step fails either way"
    if note not in ctx.notes:
        ctx.notes.append(note)
    return a, b


def _algebraic(*nodes: n.Node) -> bool:
    return not any(isinstance(x, n.Deriv) for node in nodes for x in n.walk(node))


def two_spellings(left: set, right: set) -> tuple[str, str, str] | None:
    """(a, b, how) where two symbols of a step may be one quantity written two ways: with a layer label on
    one side only and without it on the other (``W^{(2)}`` beside ``W_2``), or one letter in both cases
    anywhere in the step (``x_i`` and ``X``, whose rows they may be): texts switch between the two."""
    def named(symbols: set) -> dict[str, str]:
        return {_FAMILY.sub("", s.name): s.name for s in symbols}
    ones, others = named(left - right), named(right - left)
    for a, b in ((ones, others), (others, ones)):
        for name in a:
            if stem(name) != name and stem(name) in {stem(x) for x in b if stem(x) == x}:
                return a[name], next(b[x] for x in b if x == stem(name)), "with and without its layer label"
    both = named(left | right)
    for name in sorted(both):
        if len(name) == 1 and name.islower() and name.upper() in both:
            return both[name], both[name.upper()], "as the entries and as the whole, in two cases of one letter"
    return None


def _symbols(v: Value) -> set:
    return set().union(*(e.free_symbols for e in (list(v) if is_matrix(v) else [v])))


def _label_assignments(needs: dict[tuple, int]):
    keys = sorted(needs)
    for combo in itertools.product(*[range(1, needs[k] + 1) for k in keys]):
        yield tuple(zip(keys, combo))


def _shapes_differ(a: Value, b: Value) -> tuple[str, str] | None:
    if is_matrix(a) != is_matrix(b):
        return (shape_text(a), shape_text(b))
    if is_matrix(a) and a.shape != b.shape:
        if is_vector(a) and is_vector(b) and len(a) == len(b):
            return None  # a row and a column with the same entries: orientation is not judged
        return (shape_text(a), shape_text(b))
    return None


def _entries(a: Value, b: Value):
    if is_matrix(a):
        return list(zip(list(a), list(b)))
    return [(a, b)]


def _holds(a: Value, b: Value, relation: str, names: Rationalizer) -> bool:
    for x, y in _entries(a, b):
        if relation == "=":
            ok = is_zero(x - y, names)
        elif relation in ("\\leq", "<"):
            ok = is_nonnegative(y - x, names)
        elif relation in ("\\geq", ">"):
            ok = is_nonnegative(x - y, names)
        else:
            raise ShapeError(f"the relation {relation} is not checked")
        if not ok:
            return False
    return True


def _refute(a: Value, b: Value, relation: str) -> tuple[Point | None, int]:
    if relation == "=":
        return sample_difference(a, b, ATTEMPTS)
    flipped = relation in ("\\geq", ">")
    lo, hi = (b, a) if flipped else (a, b)
    return sample_difference(lo, hi, ATTEMPTS, violates=lambda x, y: x > y)


def _items(env: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(env.items()))


def _label_items(labels: tuple) -> tuple[tuple[str, int], ...]:
    return tuple((format_key(k), v) for k, v in labels)


def _instance_text(env: dict[str, int], labels: tuple) -> str:
    parts = [f"{k}={v}" for k, v in sorted(env.items())] + [f"{format_key(k)}={v}" for k, v in labels]
    return "(" + ", ".join(parts) + ")" if parts else "()"


def _describe(letters: list[str], notation: Notation, label_keys: set[tuple], total: int) -> str:
    parts = [f"{x} ∈ 1..{notation.size_of_index(x)}" for x in letters]
    if label_keys:
        parts.append("label" + ("s " if len(label_keys) > 1 else " ")
                     + ", ".join(sorted(format_key(k) for k in label_keys)) + " over every class")
    what = "; ".join(parts) if parts else "no free index"
    return f"{what}: {total} case{'s' if total != 1 else ''}"


def values_equal(a: Value, b: Value, names: Rationalizer) -> bool:
    """Exact equality of two already expanded values (used by the repair search)."""
    if _shapes_differ(a, b):
        return False
    return all(is_zero(x - y, names) for x, y in _entries(a, b))

