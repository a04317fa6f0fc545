"""Per-display notation: what holds in one display and not elsewhere.

Index letters that mean another size in one chain, definitions that apply to some displays only,
rules stated for generic functions (the chain rule for g(f(x))), quantities written for one sample
where they are elsewhere per sample, and update rules (they define the next iterate, not a step).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from ..latex import nodes as n
from .axes import Axes, head_name, index_items
from .conditions import arbitrary_variables, assume, at_a_point, continuations, defined_bare, find_conditions
from .conventions import CUES_ALTERNATIVE, CUES_ONE_HOT_AT
from .evidence import Evidence, family_entry
from .gather import ChainExprs
from .shapes import memberships


def display_notes(ev: Evidence, roles, axes: "Axes", families: dict[str, dict], overrides: dict[int, dict]) -> None:
    """Everything that holds in some displays only, gathered per display for the header's ``blocks``."""
    doc = ev.doc
    tags = Counter(b.tag for b in doc.blocks if b.tag)
    first_scope = {c.exprs[0].scope: c for c in ev.read.chains if c.exprs}
    for scope, letters in overrides.items():
        chain = first_scope.get(scope)
        if chain is None:
            continue
        for block in chain.blocks:
            ev.block_notes[block].setdefault("indices", {}).update(letters)
    for d in ev.definitions.values():
        if d.blocks is not None:
            for block in d.blocks:
                ev.block_notes[block].setdefault("definitions", []).append(d.text)
    find_conditions(ev)
    _one_hot_at(ev, families)
    at_a_point(ev)
    _solved_for_parameters(ev, roles)
    arbitrary_variables(ev)
    continuations(ev, tags)
    _generic_blocks(ev)
    _one_sample_blocks(ev, axes, families)
    _alternative_definitions(ev)
    for chain in ev.read.chains:
        if chain.update and chain.blocks:
            ev.block_notes[chain.blocks[0]]["kind"] = "definition"
            ev.note("stated", f"line {doc.source_line(doc.blocks[chain.blocks[0]].line)} defines the next "
                      "iterate of an update rule; it is not a step")


def _alternative_definitions(ev: Evidence) -> None:
    """"For cross-entropy: $$J = …$$ … For squared error: $$J = …$$": each display, led in by what it is for,
    defines J for one choice; the second is no claim that the two are equal. It is a definition, and J has two
    meanings: a step that uses it is proved under the first, never refuted."""
    first: dict[str, int] = {}
    for chain in ev.read.chains:
        if len(chain.exprs) != 2 or len(set(chain.blocks)) != 1 or not isinstance(chain.exprs[0].node, n.Sym):
            continue
        name, block = chain.exprs[0].node.name, chain.blocks[0]
        if not CUES_ALTERNATIVE.search(ev.doc.blocks[block].before):
            continue
        if name not in first:
            first[name] = block
            continue
        ev.block_notes[block]["kind"] = "definition"
        ev.ambiguous.add(name)
        ev.note("stated", f"the display on line {ev.doc.source_line(ev.doc.blocks[block].line)} defines ${name}$ for "
                          "another choice the text names; a step that uses it is not refuted")


def _one_hot_at(ev: Evidence, families: dict[str, dict]) -> None:
    """CS224n's word2vec: "$y$ is a one-hot vector with a 1 for the true outside word $o$". Where a
    display writes that index, the label's 1 is there: ``-y_o \\log \\hat y_o = -\\log \\hat y_o`` holds, and
    is not refuted at a label whose class is another."""
    m = CUES_ONE_HOT_AT.search(ev.doc.text)
    labels = [name for name, fam in families.items() if fam["role"] == "one-hot label"]
    if m is None or len(labels) != 1:
        return
    letter, label = m.group(1), labels[0]
    for chain in ev.read.chains:
        if any(isinstance(x, n.Sym) and x.name == letter for e in chain.exprs for x in n.walk(e.node)):
            for block in chain.blocks:
                assume(ev, block, f"{label}_{{{letter}}} = 1", ev.doc.line_of(m.start()))


def _solved_for_parameters(ev: Evidence, roles: dict[str, str]) -> None:
    """``w = (X^T X + \\lambda I)^{-1} X^T y``, ``(X^T X + \\lambda I) w = X^T y`` on a display of their own: the
    weights on one side, nothing but data and numbers on the other. No such equation is an identity (the
    weights are free); it states the solution, or the equation it solves, and is read as holding there."""
    parameters = {name for name, role in roles.items() if role in ("weights", "bias")}
    for chain in ev.read.chains:
        if len(chain.exprs) != 2 or len(set(chain.blocks)) != 1 or "kind" in ev.block_notes.get(chain.blocks[0], {}):
            continue
        sides = [{x.name for x in n.walk(e.node) if isinstance(x, n.Sym)} for e in chain.exprs]
        if any(isinstance(x, n.Deriv) for e in chain.exprs for x in n.walk(e.node)):
            continue
        for mine, other in ((sides[0], sides[1]), (sides[1], sides[0])):
            if mine & parameters and other and not other & (parameters | set(ev.definitions)) \
                    and not _after_an_equation_in(ev, chain.blocks[0], mine & parameters):
                ev.block_notes[chain.blocks[0]]["kind"] = "conditional"
                ev.note("stated", f"the display on line {ev.doc.source_line(ev.doc.blocks[chain.blocks[0]].line)} "
                          "states the weights' solution, or the equation they solve: not read as an identity")
                break


def _after_an_equation_in(ev: Evidence, block: int, names: set[str]) -> bool:
    """Whether the display before ``block`` is an equation in ``names``: "isolating β" after
    ``X^T X β - X^T Y + λβ = 0`` is checked as following from it (verdict/antecedents.py)."""
    return any(len(c.exprs) >= 2 and block - 1 in c.blocks
               and any(isinstance(x, n.Sym) and x.name in names for e in c.exprs for x in n.walk(e.node))
               for c in ev.read.chains)


def _generic_blocks(ev: Evidence) -> None:
    """A rule stated for generic functions (the chain rule for g(f(x))): its letters are
    functions and placeholders there, whatever they are elsewhere."""
    for chain in ev.read.chains:
        if not chain.generic:
            continue
        calls = {x.head.name for e in chain.exprs for x in n.walk(e.node)
                 if isinstance(x, n.Call) and isinstance(x.head, n.Sym) and len(x.head.name) == 1}
        wrts = {head_name(x.wrt) for e in chain.exprs for x in n.walk(e.node) if isinstance(x, n.Deriv)}
        local = _local_definitions(ev, chain, wrts)
        functions = sorted(calls)
        variables = sorted(v for v in wrts if v and v not in local)
        for block in chain.blocks:
            notes = ev.block_notes[block]
            notes["functions"] = functions
            # placeholders (C in dB(C)/dC): what they stand for may be said in words, so a difference in
            # them refutes nothing
            notes.setdefault("symbols", {}).update({v: "unknown" for v in variables})
            if local:
                notes.setdefault("definitions", []).extend(local.values())
        ev.note("stated", f"line {ev.doc.source_line(ev.doc.blocks[chain.blocks[0]].line)} states a rule "
                  f"for generic functions ${'$, $'.join(functions)}$; there they are not the document's symbols")


def _local_definitions(ev: Evidence, chain: ChainExprs, wrts: set) -> dict[str, str]:
    """Inline definitions right after a generic block (``where $u = f(x)$``) belong to it."""
    out = {}
    last = chain.blocks[-1]
    for item, parts in ev.read.inline:
        if item.next_block != last + 1 and not (item.next_block is None and last == len(ev.doc.blocks) - 1):
            continue
        if len(parts) == 2 and parts[1][0] == "=" and parts[0][1] is not None and parts[1][1] is not None:
            name = head_name(parts[0][1].node)
            if name in wrts:
                out[name] = f"{parts[0][1].text} = {parts[1][1].text}"
                if name in ev.definitions and ev.definitions[name].how == "inline":
                    del ev.definitions[name]
    return out


def _one_sample_blocks(ev: Evidence, axes: "Axes", families: dict[str, dict]) -> None:
    """``P(y=1|x)`` where x is elsewhere ``x^{(i)}`` (or y is elsewhere ``y_n``): in that display it is
    one sample. A bare ``Y`` that is elsewhere ``Y_{nk}`` is the whole matrix (``(P - Y)/N``), and so is a bare
    symbol the text declares a vector over the samples (``y \\in \\mathbb{R}^n``: ``X^\\top(p - y)``)."""
    stated = memberships(ev)
    sampled = {name: fam for name, fam in families.items()
               if (any(axes.role_of_slot(s) == "samples" for s in fam["sup"])
                   or [axes.role_of_slot(s) for s in fam["sub"]] == ["samples"])
               and ev.scanner.uses[name].indexed
               and not [axes.sizes.get(d) for d in stated.get(name, ())] == ["samples"]}
    whole = _sample_matrices(ev, axes, families, stated)
    for chain in ev.read.chains:
        if chain.skipped:
            continue
        used = defaultdict(set)
        for e in chain.exprs:
            indexed = {id(x.base) for x in n.walk(e.node) if isinstance(x, n.Scripted) and x.sub}
            for x in n.walk(e.node):
                if isinstance(x, n.Sym) and x.name in whole and id(x) not in indexed:
                    used[x.name].add("whole")
                if isinstance(x, n.Sym) and x.name in sampled:
                    used[x.name].add("bare")
                elif isinstance(x, n.Scripted) and isinstance(x.base, n.Sym) and x.base.name in sampled:
                    used[x.base.name].add("indexed")
        if any("whole" in how for how in used.values()):
            continue
        for name, how in used.items():
            if how == {"bare"} and not defined_bare(ev, name):
                fam = sampled[name]
                entry = family_entry(name, fam, axes, drop="samples")
                for block in chain.blocks:
                    ev.block_notes[block].setdefault("symbols", {}).update(entry)


def _sample_matrices(ev: Evidence, axes: "Axes", families: dict[str, dict], stated: dict[str, list[str]]) -> set[str]:
    """``X \\in \\mathbb{R}^{n \\times d}``, ``X_{ij}`` with i a sample, or X defined as the matrix whose rows are
    the samples' ``x_i``: a display that writes it whole is about every sample at once."""
    size_of_letter = {letter: size for size, letter in axes.canonical.items()}
    out = {name for name, dims in stated.items() if len(dims) == 2 and "samples" in map(axes.sizes.get, dims)}
    out |= {name for name, fam in families.items() if len(fam["sub"]) == 2
            and "samples" in {axes.role_of_slot(s) for s in fam["sub"]}}
    for d in ev.definitions.values():
        head = d.lhs.head if isinstance(d.lhs, n.Call) else d.lhs
        items = index_items(head.sub) if isinstance(head, n.Scripted) and head.sub else []
        if len(items) == 2 and any(isinstance(i, n.Sym) and axes.sizes.get(size_of_letter.get(i.name)) == "samples"
                                   for i in items):
            out.add(d.name)
    return out
