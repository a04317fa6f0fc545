"""Axes and sizes: which size each index letter runs over, and each symbol's shape.

Index letters are grouped into axes by the Scanner (axes.py); each axis gets a role (classes,
features, samples) and a size name, from the text where it names one (``x \\in \\mathbb{R}^d``) or
from convention. Every symbol with a role, or indexed and never defined, becomes a family: its axes,
shape and role.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace

from ..latex import nodes as n
from ..latex.render import to_latex
from .axes import INDEX_LETTER, Axes, Group, head_name
from .conventions import CONSTANTS, CONVENTIONS, MATRIX_SPACE, MEMBER, MEMBER_EACH, RESERVED, SHAPE_IN_WORDS, VECTOR_SPACE, SIZE_ROLES, SOFTMAX, free_letter, stem
from .definitions import other_forms
from .evidence import Evidence
from .gather import read_math
from .kinds import shape_by_kind
from .roles import is_loss, label_kind, labels_used_as_classes
from .statements import Definition, arity


def find_axes(ev: Evidence, roles: dict[str, str]) -> "Axes":
    """Each group of index slots becomes an axis with a role and a size name (the text's, or a fresh one)."""
    groups = ev.scanner.groups()
    label_kinds = labels_used_as_classes(ev, roles)
    axes = Axes(ev.scanner, ev.fresh)
    taken: set[str] = set(ev.names) | set(ev.scanner.letter_scopes)
    named = _membership_roles(ev, roles)       # x ∈ R^d: the features are called d
    for g in groups:
        if not g.slots and not g.letters:
            continue
        role = _group_role(ev, g, roles, label_kinds)
        names = [s for s, _ in g.sizes.most_common()]
        if names:
            primary = names[0]
            if len(names) > 1:
                ev.note("stated", f"${'$ and $'.join(names)}$ count the same thing (they index the same "
                          "symbols); read as one size")
        elif role in named:
            primary = named[role]
        else:
            primary = free_letter(ev.fresh[role] + "RQUVZ", taken | set(axes.sizes), upper=True)
            if g.slots:
                what = f"the {role}" if role else "an axis"
                ev.note("convention", f"the size of {what} (indexed by "
                          f"{_slot_list(g)}) is never named; called ${primary}$ here")
        taken.add(primary)
        for name in names or [primary]:
            axes.sizes[name] = role
        axes.add(g, primary, role)
    for dims in memberships(ev).values():          # X ∈ R^{N×D} names N and D as sizes
        for d in dims:
            axes.sizes.setdefault(d, {v: k for k, v in named.items()}.get(d, SIZE_ROLES.get(d)))
    return axes


def _membership_roles(ev: Evidence, roles: dict[str, str]) -> dict[str, str]:
    """Role -> the size name the text gives it: ``x ∈ R^d`` (an input vector: features),
    ``W ∈ R^{K×d}`` (weights: classes × features), ``X ∈ R^{N×D}`` (inputs: samples × features)."""
    layouts = {("input", 1): ("features",), ("input", 2): ("samples", "features"),
               ("weights", 1): ("features",), ("weights", 2): ("classes", "features")}
    out: dict[str, str] = {}
    for name, dims in [*memberships(ev).items(), *each_memberships(ev).items()]:
        kinds = layouts.get((roles.get(name), len(dims)))
        if kinds == ("classes", "features") and (SIZE_ROLES.get(dims[1]) == "classes"
                                                 or SIZE_ROLES.get(dims[0]) == "features"):
            kinds = ("features", "classes")     # W ∈ R^{D×C}: the weights stored features-first
        for kind, dim in zip(kinds or (), dims):
            if ev.model in ("softmax", None) or kind != "classes":
                out.setdefault(kind, dim)
    return out


def _group_role(ev: Evidence, g: Group, roles: dict[str, str], class_labels: dict[str, str]) -> str | None:
    names = {s[0] for s in g.slots}
    kinds = {roles.get(x) for x in names}
    if g.labels or g.exp_summed or any(_a_softmax(ev, name) for name, kind, _ in g.slots if kind == "sub"):
        return "classes"
    if any(class_labels.get(x) for x in names) or any(is_loss(ev, x) for x in names):
        return "samples"
    if "weights" in kinds and "input" in kinds:
        return "features"       # whatever its size is called (n counts features in some texts)
    by_name: Counter = Counter()
    for size, uses in g.sizes.items():      # the size names the axis is written with, weighed by use
        if size in SIZE_ROLES:
            by_name[SIZE_ROLES[size]] += uses
    if by_name:
        return max(sorted(by_name), key=lambda role: by_name[role])
    multiclass = ev.model == "softmax"
    if "label" in kinds:
        return "classes" if multiclass else "samples"
    if multiclass and names & (CONVENTIONS["logits"] | CONVENTIONS["prediction"]):
        return "classes"
    if "input" in kinds:
        return "samples"
    if "weights" in kinds:
        return "features"
    return None


def _a_softmax(ev: Evidence, name: str) -> bool:
    """``\\hat y = \\operatorname{softmax}(z)``: its entries (its subscripts; a superscript ``(n)`` counts samples)
    are the classes, whatever letter indexes them."""
    d = ev.definitions.get(name)
    return d is not None and isinstance(d.rhs, n.Call) and head_name(d.rhs.head) == SOFTMAX


def find_families(ev: Evidence, roles: dict[str, str], axes: "Axes") -> dict[str, dict]:
    """Every symbol with a role, or indexed and never defined: its axes, shape and role."""
    class_labels = labels_used_as_classes(ev, roles)
    families: dict[str, dict] = {}
    for name in sorted(ev.names):
        if name in RESERVED or name in axes.sizes or (name in ev.definitions and not other_forms(ev, name)):
            continue
        if name in ev.scanner.letter_scopes and INDEX_LETTER.match(name):
            continue
        if name.endswith("'") and name[:-1] in ev.definitions:
            continue        # σ'(z): the derivative of the defined σ, no symbol of its own
        uses = ev.scanner.uses.get(name)
        role = roles.get(name)
        if role is None and (uses is None or not (uses.indexed or uses.bare or uses.called)):
            continue
        if name in CONSTANTS and not (uses and uses.indexed):
            continue        # π alone is the number; π_{ik} is a symbol
        sub, sup = axes.slots_of(name)
        shape = []
        defined = {arity(d.lhs) for d in ev.definitions.values() if d.name == name}
        if defined and uses is not None:
            # y_n beside a defined y_{nc}: the family is the forms no definition covers
            uncovered = [a for a in uses.sub_arity if a not in defined]
            function = any(isinstance(d.lhs, n.Call) for d in ev.definitions.values() if d.name == name)
            if not uncovered and (function or not uses.called):
                continue        # σ(z) and the shorthand σ = σ(w^T x): every form is defined
            sub = sub[:min(uncovered, default=0)]   # σ = σ(w^T x) alone: σ, the function, is still open
        elif uses is not None and len(uses.sub_arity) > 1:
            # x_n beside x_{nj}: one vector per sample, entries by j
            own = min(uses.sub_arity)
            shape = [axes.size_of_slot(s) for s in sub[own:]]
            sub = sub[:own]
        role_word = role
        if role == "label":
            by_class = any(axes.role_of_slot(s) == "classes" for s in sub + sup)
            role_word = class_labels.get(name) or (label_kind(ev, name, by_class) if by_class else "variable")
        families[name] = {"role": role_word or "unknown", "sub": sub, "sup": sup, "shape": shape,
                          "label": role == "label"}
    _implicit_dimensions(ev, families, axes)
    for name, fam in families.items():
        if fam["label"] and fam["role"] == "variable" and any(axes.sizes.get(s) == "classes" for s in fam["shape"]):
            fam["role"] = label_kind(ev, name, True)     # y^{(n)} ∈ {0,1}^K: a vector over the classes
    return families


def _implicit_dimensions(ev: Evidence, families: dict[str, dict], axes: "Axes") -> None:
    """Axes a symbol has but never shows: a weight vector per class (w_j x_i), a bare W."""
    declared = _declared_shapes(ev, families, axes)
    declared |= shape_by_kind(ev, families, axes, declared)
    stated = memberships(ev)
    weights = [f for f in families.values() if f["role"] == "weights"]
    classify = ev.model in ("softmax", "logistic", None)
    by_role = {role: {x for x, f in families.items() if f["role"] == role} for role in ("weights", "input")}
    for name, fam in families.items():
        if name in declared or (len(stated.get(name, ())) == len(fam["sub"]) > 0 and not fam["sup"]
                                and all(axes.role_of_slot(s) != "samples" for s in fam["sub"])):
            continue        # θ ∈ R^M written θ_l: its entries are numbers, whatever θ usually is
        roles = {axes.role_of_slot(s) for s in fam["sub"] + fam["sup"]}
        uses = ev.scanner.uses.get(name)
        bare_only = not fam["sub"] and not fam["sup"]
        vector_hint = bool(uses and uses.transposed) or name.isupper()
        if _one_layers_number(name, fam, vector_hint):
            continue        # w^l beside a^{l-1}, never indexed nor transposed: one number of one layer
        if fam["role"] == "weights" and "features" not in roles and (classify or vector_hint) \
                and not _logits(ev, name, by_role["input"]):
            if bare_only and ev.model in ("softmax", None) and axes.has("classes") and \
                    (name[-1:].isupper() or name.startswith("\\") and name[1:2].isupper()):
                # W x: classes × features; written W^T x, features × classes
                order = [axes.axis("classes"), axes.axis("features")]
                fam["sub"] = order[::-1] if uses and uses.transposed else order
            else:
                fam["shape"] = [axes.size_named("features")]
        elif fam["role"] == "input" and "features" not in roles and \
                (any(w["shape"] or len(w["sub"] + w["sup"]) > 1 for w in weights) or vector_hint) \
                and not _logits(ev, name, by_role["weights"]):
            if bare_only:
                fam["sub"] = [axes.axis("features")]
            else:
                fam["shape"] = [axes.size_named("features")]
        elif fam["role"] == "bias" and bare_only and ev.model in ("softmax", None) and axes.has("classes") \
                and weights and any(axes.role_of_slot(s) == "classes" for w in weights for s in w["sub"] + w["sup"]):
            fam["sub"] = [axes.axis("classes")]


def _one_layers_number(name: str, fam: dict, vector_hint: bool) -> bool:
    """A small letter with a layer label, never written with an index or transposed (``w^l``, ``b^{(2)}``):
    a network of one unit per layer, whose weights are numbers. Layers of many units index them
    (``w^l_{jk}``) or write them as matrices (``W^{(l)}``)."""
    return stem(name) != name and not fam["sub"] and not fam["sup"] and not vector_hint and stem(name)[-1:].islower()


def _logits(ev: Evidence, name: str, others: set[str]) -> bool:
    """Whether ``name`` is written as logits (``e^{\\theta_i}``, ``\\operatorname{softmax}(x)``) and never multiplied
    with one of ``others`` (w_j x_j, θ^T x): then it has no feature axis, whatever its letter suggests."""
    nodes = [e.node for e in ev.read.chain_exprs()] + [d.rhs for d in ev.definitions.values()]
    exponent = multiplied = False
    for node in nodes:
        for x in n.walk(node):
            if isinstance(x, n.Mul):
                heads = {head_name(f) for f in x.factors}
                multiplied = multiplied or (name in heads and bool(heads & others))
            inner = x.sup if isinstance(x, n.Scripted) and n.is_exponential(x) else \
                x.arg if isinstance(x, n.Apply) and x.func == "exp" else \
                x.args[0] if isinstance(x, n.Call) and head_name(x.head) == SOFTMAX and x.args else None
            if inner is not None and any(head_name(y) == name for y in n.walk(inner)
                                         if isinstance(y, (n.Sym, n.Scripted))):
                exponent = True
    return exponent and not multiplied


def memberships(ev: Evidence) -> dict[str, list[str]]:
    """``X \\in \\mathbb{R}^{N \\times D}``: the sizes a symbol is declared with, by name."""
    out: dict[str, list[str]] = {}
    stated = [(m.group(1), m.group(2)) for item, _ in ev.read.inline for m in MEMBER.finditer(item.text)]
    stated += [(m.group(1), m.group(2)) for m in SHAPE_IN_WORDS.finditer(ev.doc.text, ev.doc.body_start)]
    texts = [item.text for item, _ in ev.read.inline] + [b.content for b in ev.doc.blocks]
    stated += [(m.group(1), f"{m.group(2)} \\times {m.group(3)}") for t in texts for m in MATRIX_SPACE.finditer(t)]
    stated += [(m.group(1), m.group(2)) for t in texts for m in VECTOR_SPACE.finditer(t)]
    for name, shape in stated:
        dims = [d.strip() for d in re.split(r"\\times|×|,|\*", shape) if d.strip()]
        if dims and all(re.fullmatch(r"[A-Za-z]", d) for d in dims):
            out.setdefault(_canonical(name), dims)
    return out


def each_memberships(ev: Evidence) -> dict[str, list[str]]:
    """``x_i \\in \\mathbb{R}^d``: the one size each entry of a family is declared with (a vector per sample)."""
    out: dict[str, list[str]] = {}
    for item, _ in ev.read.inline:
        for m in MEMBER_EACH.finditer(item.text):
            if re.fullmatch(r"[A-Za-z]", m.group(3).strip()):
                out.setdefault(_canonical(m.group(1)), [m.group(3).strip()])
    return out


def _declared_shapes(ev: Evidence, families: dict[str, dict], axes: "Axes") -> set[str]:
    """Apply the memberships to symbols written with no index; return the names done. One written
    per sample (``\\mathbf{y}^{(n)} \\in \\{0,1\\}^K``) is a vector of that shape for each sample."""
    done = set()
    for name, dims in memberships(ev).items():
        fam = families.get(name)
        if fam is not None and fam["sup"] and not fam["sub"] and not fam["shape"] and len(dims) == 1 \
                and all(axes.role_of_slot(s) == "samples" for s in fam["sup"]):
            axes.sizes.setdefault(dims[0], SIZE_ROLES.get(dims[0]))
            fam["shape"] = list(dims)
            ev.note("stated", f"each ${name}$ is a vector of length {dims[0]} (the text says so)")
            continue
        if fam is None or fam["sub"] or fam["sup"]:
            continue
        for d in dims:
            axes.sizes.setdefault(d, SIZE_ROLES.get(d))
        fam["sub"] = [("size", d) for d in dims]
        ev.shaped.add(name)
        done.add(name)
        ev.note("stated", f"${name}$ has the shape {' × '.join(dims)} (the text says so)")
    for name, dims in each_memberships(ev).items():
        fam = families.get(name)
        if fam is None or name in done or len(fam["sub"]) != 1 or fam["sup"] or fam["shape"] \
                or dims[0] not in axes.sizes:
            continue        # x_i ∈ R^d beside w ∈ R^{d+1} (x_i with a 1 appended): the size is no axis's
        fam["shape"] = list(dims)
        done.add(name)
        ev.note("stated", f"each entry of ${name}$ is a vector of length {dims[0]} (the text says so)")
    return done


def index_letters(ev: Evidence, axes: "Axes") -> tuple[dict[str, str], dict[int, dict[str, str]]]:
    """Each letter's size in the document (the most frequent) and, per chain, where it differs."""
    by_letter: dict[str, Counter] = defaultdict(Counter)
    per_scope: dict[int, dict[str, str]] = defaultdict(dict)
    for (scope, name), size_name in axes.letters.items():
        by_letter[name][size_name] += 1
        per_scope[scope][name] = size_name
    indices = {name: counts.most_common(1)[0][0] for name, counts in by_letter.items()}
    indices.update({l: s for s, l in axes.canonical.items() if l not in indices})
    indices.update({l: s for l, s in axes.extra.items() if l not in indices})
    overrides: dict[int, dict[str, str]] = {}
    for scope, letters in per_scope.items():
        own = {k: v for k, v in letters.items() if indices.get(k) != v}
        if own:
            overrides[scope] = own
    for d in ev.definitions.values():
        if d.how == "convention":
            continue
        own = per_scope.get(d.scope, {})
        clash = {k: v for k, v in own.items() if indices.get(k) != v}
        if clash:
            d.text = _renamed(d, {k: axes.canonical_letter(v) for k, v in clash.items()})
    return indices, overrides


def _slot_list(g: Group) -> str:
    names = sorted({s[0] for s in g.slots})
    return ", ".join(f"${x}$" for x in names[:4])


def _canonical(latex: str) -> str:
    _, node = read_math(latex)
    return head_name(node) if node is not None else latex


def _renamed(d: Definition, mapping: dict[str, str]) -> str:
    """A definition's text with its own index letters renamed (they mean other sizes elsewhere)."""
    def rename(x: n.Node) -> n.Node:
        if isinstance(x, n.Sym) and x.name in mapping:
            return n.Sym(mapping[x.name])
        if isinstance(x, n.Sum) and x.index in mapping:
            return replace(x, index=mapping[x.index])
        return x
    return f"{to_latex(n.rebuild(d.lhs, rename))} = {to_latex(n.rebuild(d.rhs, rename))}"
