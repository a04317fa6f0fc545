"""A final answer against an assignment's reference, whatever notation the student wrote it in.

A student writes Θ_{ij} (feature i, class j), θ^{(k)} (a weight vector per class) or W (classes ×
features); the assignment writes its own notation. Both are mapped onto canonical variables named
by role and by the kind of each axis (``weights[classes=2,features=1]``,
``input[features=1,samples=1]``), and labels onto one canonical label per sample. The student's
final expression, at every value of its free indices and labels, is then compared exactly with the
derivative of the reference loss by the same canonical variable.

Formulations that are all correct are all accepted: a per-sample loss, a sum over samples, a mean
over samples. A role the student's model does not have (a bias) is zero in the reference.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import sympy as sp

from ..latex import nodes as n
from .decide import Context, Outcome, free_indices
from ..meaning.atoms import format_key, variable
from ..meaning.indices import instances
from ..meaning.values import Unsupported, is_matrix
from .findings import Counterexample
from .identity import is_zero
from ..notation.header import LABEL_ROLES, Family, Notation, load_notation
from ..latex.parse import parse_expression
from .refute import find_difference

#: Roles whose variables are matched across notations.
MATCHED = ("weights", "bias", "input")


@dataclass(frozen=True)
class Reference:
    """The assignment's side: its notation (a header) and the gradients it asks for."""
    header: dict
    targets: tuple[tuple[str, str, bool], ...]      # (loss, variable, optional)
    answers: tuple[str | None, ...] = ()            # the reference answer of each target, if given


@dataclass
class Mapping:
    """One notation's variables and labels, in canonical names."""
    variables: dict[sp.Symbol, sp.Symbol]
    labels: dict[tuple, tuple]                      # label key -> ("label", sample)
    coordinates: dict[sp.Symbol, dict[str, int]]    # canonical variable -> its axes


_CONTEXTS: dict[str, Context] = {}


def reference_context(reference: Reference, student: Notation) -> Context:
    """The reference notation at the student's sizes (classes, features, samples alike)."""
    by_role = {role: student.sizes[name] for name, role in student.size_roles.items()}
    spec = reference.header.get("sizes", {}) if isinstance(reference.header, dict) else {}
    sizes = {str(name): by_role[role] for name, role in spec.items() if role in by_role}
    key = repr((reference.header, sorted(sizes.items())))
    if key not in _CONTEXTS:
        if len(_CONTEXTS) > 16:
            _CONTEXTS.clear()
        _CONTEXTS[key] = Context(load_notation(reference.header, sizes))
    return _CONTEXTS[key]


def role_of(notation: Notation, wrt: n.Node) -> str | None:
    """The role of the symbol a gradient is taken by (weights, bias …)."""
    from ..notation.axes import head_name
    fam = notation.families.get(head_name(wrt) or "")
    return fam.role if fam else None


def compare_with_reference(student: Context, final: n.Node, wrt: n.Node,
                           reference: Reference) -> tuple[int, Outcome]:
    """(which reference target, outcome) for a student's final expression of d(loss)/d(wrt)."""
    ref = reference_context(reference, student.notation)
    role = role_of(student.notation, wrt)
    if role is None:
        raise Unsupported("the variable of this gradient has no role in the notation, so it cannot be "
                          "matched with the reference")
    for index, (loss, ref_wrt, _) in enumerate(reference.targets):
        ref_wrt_node = parse_expression(ref_wrt)
        if role_of(ref.notation, ref_wrt_node) == role:
            answer = reference.answers[index] if index < len(reference.answers) else None
            truth = _Truth(ref, parse_expression(loss), ref_wrt_node,
                           parse_expression(answer) if answer else None)
            return index, _compare(student, final, wrt, truth)
    raise Unsupported(f"the reference asks for no gradient by the {role}")


def _compare(student: Context, final: n.Node, wrt: n.Node, truth: "_Truth") -> Outcome:
    ref = truth.ref
    letters = sorted(free_indices(final, student.notation) | free_indices(wrt, student.notation))
    smap = canonical(student, sample=1)
    student_roles = {_role(c) for c in smap.variables.values()}
    ref_roles = {_role(c) for c in canonical(ref, 1).variables.values()}
    if (student_roles ^ ref_roles) - {"bias"}:
        raise Unsupported(f"the model has {', '.join(sorted(student_roles))} but the reference has "
                          f"{', '.join(sorted(ref_roles))}")
    # a bias only one side has is zero on the other
    unmatched = {c: sp.Integer(0) for c in smap.variables.values() if _role(c) not in ref_roles}
    total = 0
    for env in instances(letters, student.notation):
        needs = {**student.labels_read(final, env), **student.labels_read(wrt, env)}
        keys = sorted(needs)
        for combo in itertools.product(*[range(1, needs[k] + 1) for k in keys]):
            total += 1
            labels = tuple(zip(keys, combo))
            claimed = student.value(final, env, labels)
            by = student.value(wrt, env, ())
            entries = _pairs(claimed, by)
            canonical_labels = {smap.labels.get(k, k): v for k, v in labels}
            answer = [(c.xreplace(smap.variables).xreplace(unmatched), smap.variables.get(v)) for c, v in entries]
            if any(v is None for _, v in answer):
                raise Unsupported("the gradient is not taken by variables the reference knows")
            samples = _samples(answer, smap, canonical_labels) or {1}
            truth.roles = student_roles
            for claimed_entry, v in answer:
                truth_options = truth.options(v, smap.coordinates.get(v, {}), samples, canonical_labels)
                if not any(is_zero(claimed_entry - t, student.names) for t in truth_options):
                    point = find_difference(claimed_entry, truth_options[0], 4)
                    inputs = point.inputs if point is not None else ()
                    return Outcome("refuted", f"{total} case{'s' if total != 1 else ''} checked",
                                   Counterexample(tuple(sorted(env.items())),
                                                  tuple((format_key(k), v) for k, v in labels), inputs,
                                                  point.lhs if point else str(truth_options[0]),
                                                  point.rhs if point else str(claimed_entry)))
    return Outcome("proved", f"{total} case{'s' if total != 1 else ''}")


def _pairs(claimed, by) -> list[tuple[sp.Expr, sp.Symbol]]:
    """(claimed derivative, variable it is by) for every entry of the gradient."""
    if not is_matrix(by):
        if is_matrix(claimed):
            raise Unsupported("a gradient by one variable written as a vector or matrix")
        return [(claimed, by)]
    if not is_matrix(claimed):
        raise Unsupported(f"a gradient by a {by.shape[0]}×{by.shape[1]} variable written as a scalar")
    if claimed.shape != by.shape:
        if claimed.shape == (by.shape[1], by.shape[0]) and not (1 in by.shape):
            claimed = claimed.T
        elif len(claimed) != len(by):
            raise Unsupported("the final expression and the variable have different numbers of entries")
    return list(zip(list(claimed), list(by)))


def _samples(answer, smap: Mapping, labels: dict) -> set[int]:
    """The samples a claimed derivative is about (those whose inputs or labels it reads)."""
    found = set()
    for claimed, _ in answer:
        for sym in claimed.free_symbols:
            coords = smap.coordinates.get(sym)
            if coords and "samples" in coords:
                found.add(coords["samples"])
    found |= {key[1] for key in labels if isinstance(key, tuple) and key[:1] == ("label",)}
    return found


class _Truth:
    """The reference gradient, entry by entry, summed over the samples a claim is about (and its
    mean over them: both are correct formulations). From the assignment's answer when it gives one
    (an evaluation), else by differentiating its loss; a role the student lacks is zero."""

    def __init__(self, ref: Context, loss: n.Node, wrt: n.Node, answer: n.Node | None):
        from ..notation.axes import index_items, split_sup
        self.ref, self.loss, self.answer = ref, loss, answer
        self.roles: set[str] = set()
        letters = [i for i in index_items(wrt.sub) if isinstance(i, n.Sym)] if isinstance(wrt, n.Scripted) else []
        if isinstance(wrt, n.Scripted):
            letters += [i for i in split_sup(wrt.sup)[0] if isinstance(i, n.Sym)]
        notation = ref.notation
        self.letters = {x.name: notation.size_roles.get(notation.indices.get(x.name, ""), "")
                        for x in letters if x.name in notation.indices}
        if not self.letters or len(set(self.letters.values())) != len(self.letters):
            self.answer = None      # an answer for a whole matrix: differentiate instead
        self._sums: dict[tuple, sp.Expr] = {}

    def options(self, v: sp.Symbol, coords: dict, samples: set[int], labels: dict) -> list[sp.Expr]:
        if self.answer is not None:
            env = {name: coords.get(role) for name, role in self.letters.items()}
            if None not in env.values():
                total = self._summed(self.answer, env, samples, labels)
                return [total, total / len(samples)] if len(samples) > 1 else [total]
        total = sp.diff(self._summed(self.loss, {}, samples, labels), v)
        return [total, total / len(samples)] if len(samples) > 1 else [total]

    def _summed(self, node: n.Node, env: dict, samples: set[int], labels: dict) -> sp.Expr:
        key = (id(node), tuple(sorted(env.items())), tuple(sorted(samples)), tuple(sorted(labels.items())),
               tuple(sorted(self.roles)))
        if key not in self._sums:
            total = sp.Integer(0)
            for sample in sorted(samples):
                rmap = canonical(self.ref, sample)
                values = []
                for k in sorted(self.ref.labels_read(node, env)):
                    value = labels.get(rmap.labels.get(k))
                    if value is None:
                        raise Unsupported("the reference's label cannot be matched with the student's")
                    values.append((k, value))
                unmatched = {c: sp.Integer(0) for c in rmap.variables.values() if _role(c) not in self.roles}
                total += self.ref.value(node, env, tuple(values)).xreplace(rmap.variables).xreplace(unmatched)
            self._sums[key] = total
        return self._sums[key]


def _role(sym: sp.Symbol) -> str:
    return sym.name.split("[", 1)[0]


def canonical(ctx: Context, sample: int) -> Mapping:
    """Every variable of a weights, bias or input symbol, and every label, in canonical names."""
    notation = ctx.notation
    variables: dict[sp.Symbol, sp.Symbol] = {}
    coordinates: dict[sp.Symbol, dict[str, int]] = {}
    labels: dict[tuple, tuple] = {}
    for fam in notation.families.values():
        if fam.role not in MATCHED and fam.role not in LABEL_ROLES:
            continue
        kinds = _axis_kinds(notation, fam)
        if fam.role in LABEL_ROLES:
            labels.update(_label_keys(notation, fam, kinds, sample))
            continue
        for values in itertools.product(*[range(1, size + 1) for _, size in kinds]):
            leaf = _leaf(ctx, fam, values)
            coords = {kind: v for (kind, _), v in zip(kinds, values)}
            if fam.role == "input":
                coords.setdefault("samples", sample)
            name = fam.role + "[" + ",".join(f"{k}={coords[k]}" for k in sorted(coords)) + "]"
            target = variable(name)
            variables[leaf] = target
            coordinates[target] = coords
    return Mapping(variables, labels, coordinates)


def _axis_kinds(notation: Notation, fam: Family) -> list[tuple[str, int]]:
    """(kind, size) of each axis of a family: its bracketed, subscript and shape axes in order."""
    kinds = []
    for letter in fam.sup_axes + fam.sub_axes:
        size = notation.indices[letter]
        kinds.append((notation.size_roles.get(size, size), notation.sizes[size]))
    for size in fam.shape:
        kinds.append((notation.size_roles.get(size, size), notation.sizes[size]))
    seen = [k for k, _ in kinds]
    if len(set(seen)) != len(seen):
        raise Unsupported(f"{fam.name} has two axes of the same kind ({', '.join(seen)}); it cannot be "
                          "matched with the reference")
    return kinds


def _leaf(ctx: Context, fam: Family, values: tuple[int, ...]) -> sp.Symbol:
    n_sup = len(fam.sup_axes)
    sup = tuple(n.Num(str(v)) for v in values[:n_sup])
    sub = tuple(n.Num(str(v)) for v in values[n_sup:])
    value = ctx.evaluator._family_value(fam, sub, sup, {})
    if is_matrix(value) or not isinstance(value, sp.Symbol):
        raise Unsupported(f"{fam.name} does not resolve to one variable per entry")
    return value


def _label_keys(notation: Notation, fam: Family, kinds: list[tuple[str, int]], sample: int) -> dict:
    """A label family's keys (as evaluate.Labels stores them) -> the canonical label of a sample."""
    out = {}
    if fam.role == "class label":
        key_kinds = kinds
    else:  # one-hot: the class axis is the entry, the others pick the label
        key_kinds = [k for k in kinds if k[0] != "classes"]
    for values in itertools.product(*[range(1, size + 1) for _, size in key_kinds]):
        coords = {kind: v for (kind, _), v in zip(key_kinds, values)}
        out[(fam.name, *values)] = ("label", coords.get("samples", sample))
    return out
