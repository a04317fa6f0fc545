"""Notation inferred from a document that has no header: what a careful reader takes from the text.

A header (header.py) is what an instructor writes; students do not write one. This module reads
the document the way a reader does and writes the header the document implies, so that every later
stage runs unchanged and a person can read (and correct) what was inferred:

1. every expression is parsed: chains, standalone equations, inline math in the prose;
2. definitions are collected, first one of a symbol wins: equations whose left side names a symbol
   (``p_k = …`` displayed, "where $f_j = w_j x_i$" inline), entry patterns of vector equations, and a
   loss defined by the first step of its own gradient (∂J/∂Θ = -∂/∂Θ (Σ …) defines J);
3. index letters are matched to the axes they index (axes.py) and each kind of axis gets a size and
   a role: classes, features, samples;
4. roles follow from use and from the conventions of the field (CONVENTIONS): what the loss is
   differentiated by is a parameter, a label indexed by class is one-hot, a label used as an index
   is a class label;
5. what the document uses but never defines is completed from the model (logits z = Wx + b,
   softmax, sigmoid) and said so, or declared ``unknown`` and said so.

Every inference is a Note, kept as data; the report shows the notes and the header.
"""

from __future__ import annotations

import itertools

import re
from collections import Counter

from ..latex import nodes as n
from ..latex.macros import expand
from ..latex.render import to_latex
from ..read.source import Document, cut_prose
from .axes import Axes, head_name
from .blocks import display_notes
from .conventions import EINSTEIN, QUANTIFIER, SIZE_DEFAULTS, UPRIGHT_D
from .definitions import (
    announce_definitions,
    entry_definitions,
    explicit_definitions,
    first_step_definitions,
    hidden_dependence,
    named_subexpressions,
    fold_definitions,
    keep_parameters_reachable,
    reaches,
)
from .einstein import occurrences
from .scope import writes_narrow_operator, writes_wide_operator
from .evidence import Evidence, Inferred, family_entry
from .gather import names_used, read_math
from .header import DEFAULT_SIZES, LABEL_ROLES, NotationError, load_notation
from .names import DIFFERENTIALS, NUMBERED, SQUARED
from .model import complete, declare_unknowns
from .upstream import upstream_losses
from .roles import find_roles, find_targets
from .shapes import find_axes, find_families, index_letters


def infer(doc: Document, defaults: dict | None = None) -> Inferred:
    """The header ``doc`` implies, with a note for every inference; ``defaults`` (an assignment's
    notation defaults) fill what the document leaves open. The readers run in the order their
    evidence builds on: definitions before roles, roles before axes, axes before what the model
    completes, and the per-display notes last."""
    cut_prose(doc)
    ev = Evidence(doc, defaults or {})
    scan(ev)
    explicit_definitions(ev)
    _roots_of_squares(ev)
    entry_definitions(ev)
    first_step_definitions(ev)
    named_subexpressions(ev)
    targets = find_targets(ev)
    keep_parameters_reachable(ev, targets)
    fold_definitions(ev)
    announce_definitions(ev)
    _graph_nodes(ev)
    _upright_differential(ev)
    ev.names |= names_used(d.rhs for d in ev.definitions.values())   # S = XW + 1b^T in the prose
    found_roles = find_roles(ev, targets)
    axes = find_axes(ev, found_roles)
    families = find_families(ev, found_roles, axes)
    complete(ev, found_roles, axes, families)
    hidden_dependence(ev, targets, families)
    _indexed_and_transposed(ev, families)
    _labels_without_classes(ev, axes, families)
    ev.notes = [x for x in ev.notes if not any(f"called ${r}$" in x.text for r in axes.renamed)]
    ev.upstream = upstream_losses(ev, families)
    declare_unknowns(ev, found_roles, families)
    indices, overrides = index_letters(ev, axes)
    display_notes(ev, found_roles, axes, families, overrides)
    return Inferred(_usable(ev, header(ev, axes, families, indices, targets)), ev.notes)


def _usable(ev: Evidence, head: dict) -> dict:
    """The header with each definition the notation cannot use set aside, said so (``\\epsilon_{\\mathbf{y}}
    = y - H\\hat x`` beside entries ``\\epsilon_{y1}``: a label read as an index with no range). One unusable
    definition must not refuse the whole document; the steps through that symbol are then undecided."""
    try:
        load_notation(head)
        return head
    except NotationError:
        pass
    kept = []
    for text in head.get("definitions", []):
        try:
            load_notation({**head, "definitions": [text], "readings": [], "blocks": []})
            kept.append(text)
        except NotationError as err:
            ev.note("ignored", f"the definition ${text}$ is not used: {err}")
    return {**head, "definitions": kept}


#: The largest size a text may fix ("$K = 3$") and still be checked at that size: one-hot labels are
#: enumerated, so ten classes would cost 10^samples cases per step; above it the defaults stand.
LARGEST_STATED_SIZE = 5


def _stated_sizes(ev: Evidence, axes: "Axes") -> dict[str, int]:
    """Sizes the prose gives a number (``$K = 3$``): a fact of the derivation, which its definitions may
    write out (``\\sum_{j=1}^3``), so every step is checked at that size and no other."""
    out: dict[str, int] = {}
    for item, parts in ev.read.inline:
        if len(parts) != 2 or parts[1][0] != "=" or parts[0][1] is None or parts[1][1] is None:
            continue
        lhs, rhs = parts[0][1].node, parts[1][1].node
        if isinstance(lhs, n.Sym) and lhs.name in axes.sizes and isinstance(rhs, n.Num) and rhs.text.isdigit():
            value = int(rhs.text)
            if 2 <= value <= LARGEST_STATED_SIZE and out.setdefault(lhs.name, value) == value:
                ev.note("stated", f"${lhs.name} = {value}$ (the text says so): every step is checked with "
                                  f"{lhs.name} = {value}, at no other size", item.line)
    return out


#: ``y^{(i)} \\in \\{0, 1\\}``: the values a symbol takes, stated in the prose.
_IN_ZERO_ONE = re.compile(r"^\s*(?P<name>.+?)\s*\\in\s*\\\{\s*0\s*,\s*1\s*\\\}\s*[.,;]?\s*$")


def _stated_binary(ev: Evidence, families: dict[str, dict]) -> list[str]:
    """The symbols the text says are 0 or 1 (``y^{(i)} \\in \\{0,1\\}``): a counterexample keeps them there. A
    proof still holds for every real value (a step that holds only because y² = y is not proved, never refuted)."""
    out = []
    for item, _ in ev.read.inline:
        m = _IN_ZERO_ONE.match(item.text)
        node = read_math(m.group("name"))[1] if m else None
        name = head_name(node) if node is not None else None
        if name in families and families[name]["role"] not in LABEL_ROLES and name not in out:
            out.append(name)
            ev.note("stated", f"${name}$ is 0 or 1 (the text says so): a counterexample keeps it there", item.line)
    return sorted(out)


def _roots_of_squares(ev: Evidence) -> None:
    """After "let σ = \\sqrt{σ^2 + ε}", σ^2 is still the variance, a name of its own (names.py). A step like
    ``∂(x_1/σ)/∂x_1 = 1/σ`` may hold σ fixed, as a computational graph's partial derivative does, or not: a step
    that uses σ is proved, never refuted."""
    for name, kind in ev.read.names:
        if kind == SQUARED:
            ev.ambiguous.add(name)
            ev.note("stated", f"${name}$ is given a new meaning through its square: ${name}^2$ is a name of its own; "
                              f"a step that uses ${name}$ itself may hold it fixed, as a computational graph's partial "
                              "derivative does, so it is proved but never refuted")


def _graph_nodes(ev: Evidence) -> None:
    """A defined statistic of a variable the text differentiates by (batch norm's μ = Σ_i x_i / m), itself
    differentiated by, beside a quantity that uses both it and that variable directly (x̂_i = (x_i − μ)/σ).
    There ``∂x̂_i/∂x_i`` may be a computational graph's partial derivative (μ held fixed, as the chain rule
    through μ requires) or the total one: a step that uses the statistic is proved as written, and refuted only
    where it fails with the statistic held fixed too (decide.py)."""
    wrts = {head_name(x.wrt) for node in ev.read.all_nodes() for x in n.walk(node) if isinstance(x, n.Deriv)}
    defined = {d.name: d for d in ev.definitions.values()}
    for d in ev.definitions.values():
        uses = names_used([d.rhs])
        for q in sorted(uses & wrts):
            if q == d.name or q not in defined or q in ev.ambiguous:
                continue
            summed = names_used([x.body for x in n.walk(defined[q].rhs) if isinstance(x, n.Sum)])
            if summed & uses & wrts - set(defined):
                ev.ambiguous.add(q)
                ev.graph_nodes.add(q)
                ev.note("stated", f"${q}$ sums a variable that ${d.name}$ also uses directly, and the text differentiates "
                                  f"by both: a derivative of ${d.name}$ may hold ${q}$ fixed (a computational graph's "
                                  "partial) or not, so a step that uses it is refuted only where it fails either way")


def _upright_differential(ev: Evidence) -> None:
    """``\\mathrm{d}(AB) = \\mathrm{d}A\\,B + A\\,\\mathrm{d}B``: an upright d the text never defines is the
    differential operator, not a number d; where the differentials are not read as names (``dx``), a step
    that uses it is proved, never refuted (at d = 1 the product rule fails)."""
    text = expand(ev.doc.text, ev.doc.macros) if ev.doc.macros else ev.doc.text
    if "d" in ev.definitions or not UPRIGHT_D.search(_FRACTIONS_OUT.sub(" ", text)):
        return
    ev.ambiguous.add("d")
    ev.note("stated", "an upright $\\mathrm{d}$ is the differential: a step that uses it is proved but never refuted")


#: ``\\frac{\\mathrm d f}{\\mathrm d x}``: a derivative, whose upright d's are read with it.
_FRACTIONS_OUT = re.compile(r"\\frac\s*\{[^{}]*\}\s*\{[^{}]*\}")


def _labels_without_classes(ev: Evidence, axes: "Axes", families: dict[str, dict]) -> None:
    """A label used as a class (``P(y_i)``) in a text that counts no classes (a binary y_i ∈ {0, 1}): its
    values are any numbers, as a binary label's are in every identity it takes part in."""
    if "classes" in axes.sizes.values():
        return
    for name, fam in families.items():
        if fam["role"] == "class label":
            fam["role"] = "variable"
            ev.note("convention", f"${name}$ is a label, and the text counts no classes: read as any numbers")


def _indexed_and_transposed(ev: Evidence, families: dict[str, dict]) -> None:
    """θ_i read as one vector per i, while the text also writes θ^T bare (θ^T X^T y): θ_i may be the entries of
    the vector θ instead. Neither reading is the text's for sure, so a step that uses θ is never refuted."""
    for name, fam in families.items():
        uses = ev.scanner.uses.get(name)
        if fam["sub"] and fam.get("shape") and uses is not None and uses.bare_transposed and name not in ev.shaped:
            ev.ambiguous.add(name)
            ev.note("ignored", f"${name}$ is written with an index and, bare, transposed: its entries or one vector per "
                               "index, which the text does not settle; no step that uses it is refuted")


def scan(ev: Evidence) -> None:
    """Every index letter of every chain (and quantifier such as ``\\forall i``) into the Scanner's axes."""
    for chain in ev.read.chains:
        if chain.skipped:
            continue
        for expr in chain.exprs:
            ev.scanner.scan(expr.node, expr.scope)
        for block in chain.blocks:
            quant = ev.doc.blocks[block].quantifier or ""
            for m in QUANTIFIER.finditer(quant):
                ev.scanner.quantifier(chain.exprs[0].scope if chain.exprs else 0, m.group(1), m.group(2))


def header(ev: Evidence, axes: "Axes", families: dict[str, dict], indices: dict[str, str], targets) -> dict:
    """The header the evidence amounts to: sizes, indices, symbols, definitions, gradients, blocks."""
    sizes: dict = {}
    stated = _stated_sizes(ev, axes)
    for name, role in axes.sizes.items():
        sizes[name] = role if role in SIZE_DEFAULTS and role in DEFAULT_SIZES else SIZE_DEFAULTS.get(role, 2)
        if name in stated:
            sizes[name] = {"role": role, "value": stated[name]} if role in DEFAULT_SIZES else stated[name]
    symbols = {}
    for name, fam in sorted(families.items()):
        symbols.update(family_entry(name, fam, axes))
    indices = dict(indices)
    indices.update({l: s for s, l in axes.canonical.items() if l not in indices})
    indices.update({l: s for l, s in axes.extra.items() if l not in indices})
    # n in \sum_{j=1}^{n} and p_n is the count (p_n the last entry), not an index: no sum binds it, and
    # no definition's or symbol's pattern (X_{i,d} = (x_i)_d, W_{j,d}) uses it as the letter of an entry
    bound = {letter for _, letter in ev.scanner.bound}
    bound |= {x.name for d in ev.definitions.values() for x in n.walk(d.lhs) if isinstance(x, n.Sym)}
    bound |= {letter for key in symbols for letter in _script_letters(key)}
    indices = {letter: size for letter, size in indices.items() if letter not in ev.scanner.counts or letter in bound}
    definitions = [d.text for d in sorted(ev.definitions.values(), key=lambda d: d.line)
                   if d.blocks is None]
    header: dict = {"derivcheck": 1, "inferred": True, "sizes": sizes, "indices": dict(sorted(indices.items())),
                    "symbols": symbols, "definitions": definitions}
    named = ev.read.names - {DIFFERENTIALS}
    if named:
        header["names"] = sorted(f"{a}^2" if b == SQUARED else f"{a}^{{(k)}}" if b == NUMBERED else f"{a}_{{{b}}}" if "," in b or len(b) > 1 else f"{a}_{b}"
                                 for a, b in named)
    functions = sorted({name for name, fam in families.items() if fam["role"] == "function"})
    if functions:
        header["functions"] = functions
    other_differentials: list[dict] = []
    if DIFFERENTIALS in ev.read.names:
        header["differentials"], other_differentials = _differentials(ev, families)
    if ev.ambiguous:
        header["ambiguous"] = sorted(ev.ambiguous)
    if ev.graph_nodes:
        header["graph_nodes"] = sorted(ev.graph_nodes)
    if ev.upstream:
        header["upstream"] = dict(sorted(ev.upstream.items()))
    if ev.shaped:
        header["shapes_stated"] = sorted(ev.shaped)
    binary = _stated_binary(ev, families)
    if binary:
        header["binary"] = binary
    readings = _one_hot_readings(ev, families, axes) + _stated_values(ev, definitions) + other_differentials \
        + _restated_definitions(ev, definitions)
    if any(writes_narrow_operator(e.node) for e in ev.read.chain_exprs()):
        readings.append({"name": "each derivative operator applying to the whole product after it",
                         "operator_scope": "product",
                         "note": "holds if the derivative operator applies to the whole product after it"})
    if any(writes_wide_operator(e.node) for e in ev.read.chain_exprs()):
        readings.append({"name": "each derivative operator applying to the factor right after it",
                         "operator_scope": "factor",
                         "note": "holds if the derivative operator applies only to the factor right after it"})
    if EINSTEIN.search(ev.doc.text):
        header["einstein"] = True
        ev.note("stated", "an index written twice in one term is summed (Einstein's convention, the text says so)")
        readings.append({"name": "no implied sums", "einstein": False,
                         "note": "holds if an index written twice is not summed (the text says it would be)"})
    elif _repeats_an_index(ev, set(indices)):
        readings.append({"name": "Einstein's convention", "einstein": True,
                         "note": "holds if an index written twice is summed (Einstein's convention, not stated)"})
    if readings:
        header["readings"] = _with_combination(readings)
    seen = set()
    gradient = []
    for expr, node in targets:
        of = _slice(expr.text, node.body)
        wrt = _slice(expr.text, node.wrt)
        key = (of, wrt)
        if key not in seen:
            seen.add(key)
            gradient.append({"of": of, "wrt": wrt})
    if gradient:
        header["gradient"] = gradient
    assumptions = [x.text for x in ev.notes if x.kind == "stated" and "one-hot" in x.text]
    if assumptions:
        header["assumptions"] = assumptions
    blocks = []
    tags = Counter(b.tag for b in ev.doc.blocks if b.tag)
    for index, note in sorted(ev.block_notes.items()):
        block = ev.doc.blocks[index]
        at = f"({block.tag})" if block.tag and tags[block.tag] == 1 else f"line {ev.doc.source_line(block.line)}"
        blocks.append({"at": at, **note})
    if blocks:
        header["blocks"] = blocks
    for reading in header.get("readings", []):
        if "blocks" in reading:     # a reading's own notes come on top of the document's
            reading["blocks"] = blocks + reading["blocks"]
    return header


def _one_hot_readings(ev: Evidence, families: dict[str, dict], axes: Axes) -> list[dict]:
    """A label indexed by class that the text never calls one-hot: one-hot is a reading of the text."""
    out = []
    for name in sorted(ev.unstated_one_hot & set(families)):
        entry = family_entry(name, {**families[name], "role": "one-hot label"}, axes)
        out.append({"name": f"${name}$ one-hot", "note": f"holds if ${name}$ is one-hot (not stated)",
                    "symbols": entry})
    return out


def _script_letters(pattern: str) -> set[str]:
    """The index letters of a symbol pattern of the header: ``W_{j,d}`` -> {j, d}, ``x^{(n)}`` -> {n}."""
    scripts = re.findall(r"[_^]\{\(?([^{}()]*)\)?\}|[_^]([A-Za-z])", pattern)
    return {c for groups in scripts for text in groups for c in re.findall(r"[A-Za-z]", text)}


def _with_combination(readings: list[dict]) -> list[dict]:
    """The readings, and, where there are several, each largest set of them that can hold at once (a text
    may need two: its scalars set as the prose says and its operators read over the whole product).
    Two readings that set one thing two ways (an operator over the whole product, over one factor)
    are never combined."""
    if len(readings) < 2 or len(readings) > 4:
        return readings
    sets = [c for size in range(len(readings), 1, -1) for c in itertools.combinations(readings, size)
            if all(_compatible(a, b) for a, b in itertools.combinations(c, 2))]
    largest = [c for c in sets if not any(set(map(id, c)) < set(map(id, other)) for other in sets)]
    return readings + [_together(c) for c in largest]


def _compatible(a: dict, b: dict) -> bool:
    return all(a[key] == b[key] or isinstance(a[key], (dict, list)) for key in a.keys() & b.keys()
               if key not in ("name", "note"))


def _together(readings: tuple[dict, ...]) -> dict:
    together: dict = {"name": " and ".join(r["name"] for r in readings),
                      "note": "; ".join(r["note"] for r in readings if r.get("note"))}
    for r in readings:
        for key, value in r.items():
            if key in ("name", "note"):
                continue
            if isinstance(value, dict):
                together[key] = {**together.get(key, {}), **value}
            elif key == "definitions":
                together[key] = list(dict.fromkeys(together.get(key, []) + value))
            else:
                together[key] = value
    return together


def _differentials(ev: Evidence, families: dict) -> tuple[bool | list[str], list[dict]]:
    """Where ``d`` stands only before a symbol, ``dx`` is backpropagation's name for the gradient by x or x's
    differential, as matrix calculus writes ``dy = A\\,dx`` and ``df = 2y : dy``. The header's value (true, or
    the variables whose differentials the text writes) and the other reading. Differentials are read as
    written where the text gives them away (_as_calculus); otherwise they are the other reading."""
    written = {x.name[1:] for node in ev.read.all_nodes() for x in n.walk(node)
               if isinstance(x, n.Sym) and _d_name(x.name)}
    varying = sorted(name for name in written if name in families and name not in ev.definitions)
    gradients = "$d$ is written only before a symbol ($dW$): each is one name, the gradient of the loss by that " \
                "symbol as backpropagation writes it, never $d$ times the symbol"
    direction = _direction(ev) if varying else "gradients"
    if direction == "gradients":
        ev.note("convention", gradients)
        return True, []
    differential = f"$d{varying[0]}$ is the differential of ${varying[0]}$ (matrix calculus), not the gradient by it"
    if direction == "differentials":
        ev.note("convention", differential + ": the text writes the change of a quantity through the change of what "
                              "it is computed from")
        return varying, [{"name": "d names a gradient", "differentials": True, "note": "holds if " + gradients}]
    ev.note("convention", gradients)
    return True, [{"name": "d as the differential", "differentials": varying, "note": "holds if " + differential}]


def _direction(ev: Evidence) -> str:
    """What the text's d-names are: "differentials" where an equation gives ``dP`` through ``dQ`` of a Q that P
    is computed from (``dy = A\\,dx`` after y = Ax - b) or a Frobenius product takes one (``2y : dy``);
    "gradients" where it goes the other way, as backpropagation does (``dW = dZ X^T`` after Z = WX); "either"
    where nothing tells."""
    upstream = downstream = 0
    for chain in ev.read.chains:
        head = chain.exprs[0].node if chain.exprs else None
        if not (isinstance(head, n.Sym) and _d_name(head.name)):
            continue
        for expr in chain.exprs[1:]:
            for q in {x.name[1:] for x in n.walk(expr.node) if isinstance(x, n.Sym) and _d_name(x.name)}:
                upstream += q != head.name[1:] and reaches(ev, head.name[1:], q)
                downstream += q != head.name[1:] and reaches(ev, q, head.name[1:])
    frobenius = any(isinstance(x, n.Hadamard) and x.op in n.SUM_OF_PRODUCTS and any(
        isinstance(y, n.Sym) and _d_name(y.name) for y in n.walk(x)) for node in ev.read.all_nodes() for x in n.walk(node))
    if downstream:
        return "gradients"
    return "differentials" if upstream or frobenius else "either"


def _d_name(name: str) -> bool:
    return name.startswith("d") and len(name) > 1


def _stated_values(ev: Evidence, definitions: list[str]) -> list[dict]:
    """"For most of the derivation the scalars are dropped ($a = 1$, $b = 0$)": values the prose gives
    symbols the displays keep writing. Whether a step uses them cannot be told, so they are a reading."""
    values = []
    for item, parts in ev.read.inline:
        if len(parts) == 2 and parts[1][0] == "=" and parts[0][1] is not None and parts[1][1] is not None:
            lhs, rhs = parts[0][1].node, parts[1][1].node
            uses = ev.scanner.uses.get(lhs.name) if isinstance(lhs, n.Sym) else None
            if uses is not None and uses.bare and isinstance(rhs, n.Num) and lhs.name not in ev.definitions:
                values.append(f"{lhs.name} = {rhs.text}")
    if not values:
        return []
    said = ", ".join(dict.fromkeys(values))
    return [{"name": f"${said}$ (as the text sets them)", "definitions": definitions + list(dict.fromkeys(values)),
             "note": f"holds with ${said}$, as the text sets them"}]


def _restated_definitions(ev: Evidence, definitions: list[str]) -> list[dict]:
    """``h_\\theta(x) = \\sum_{i=0}^n \\theta_i x_i`` after ``h_\\theta(x) = \\theta_0 + \\theta_1 x_1 + \\theta_2 x_2``: a display
    that says again what a defined symbol is in its general form, a sum, after an example written term by term.
    Read as a claim it is checked against the example; the other reading takes it for the definition (one, at
    most). A restatement that is no generalisation (``\\hat{x}_i = (x_i - \\mu)(\\sqrt{σ^2 + ε})^{-0.5}`` after its
    first form) stays a claim: absorbing it would hide the slip it may hold."""
    for chain in ev.read.chains:
        if chain.skipped or len(chain.exprs) != 2:
            continue
        lhs, rhs = chain.exprs[0].node, chain.exprs[1].node
        first = ev.definitions.get(head_name(lhs) or "")
        if first is None or first.lhs != lhs or first.rhs == rhs or first.line == chain.exprs[0].line \
                or first.text not in definitions or _sums(first.rhs) or not _sums(rhs):
            continue
        text = f"{chain.exprs[0].text.strip()} = {chain.exprs[1].text.strip()}"
        line = ev.doc.source_line(chain.exprs[0].line)
        # the first display stays what it was, a definition (an example's), not a claim about the second
        shown = [c.blocks[0] for c in ev.read.chains if c.exprs and c.exprs[0].line == first.line and c.blocks]
        blocks = [{"at": f"line {ev.doc.source_line(ev.doc.blocks[shown[0]].line)}", "kind": "definition"}] if shown else []
        return [{"name": f"${head_name(lhs)}$ as line {line} defines it",
                 "definitions": [text if d == first.text else d for d in definitions], "blocks": blocks,
                 "note": f"holds with ${head_name(lhs)}$ as line {line} defines it (the text defines it twice)"}]
    return []


def _sums(node: n.Node) -> bool:
    return any(isinstance(x, n.Sum) for x in n.walk(node))


def _repeats_an_index(ev: Evidence, letters: set[str]) -> bool:
    """Whether some step has an index free on one side only that a term of that side writes twice
    (``\\partial CE/\\partial \\theta_k = -y_i \\log \\hat{y}_i``): the mark of a text that sums by Einstein's
    convention without saying so. An index written twice alone is no such mark (``y_i (1 - y_i)``)."""
    for chain in ev.read.chains:
        for a, b in zip(chain.exprs, chain.exprs[1:]):
            free_a, free_b = (n.free_indices(e.node, letters) for e in (a, b))
            for side, extra in ((a.node, free_a - free_b), (b.node, free_b - free_a)):
                terms = side.terms if isinstance(side, n.Add) else (side,)
                if any(occurrences(t, letters)[x] >= 2 for t in terms for x in extra):
                    return True
    return False


def _slice(text: str, node: n.Node) -> str:
    """The author's own text for ``node``."""
    a, b = node.span
    return text[a:b].strip() if b > a else to_latex(node)
