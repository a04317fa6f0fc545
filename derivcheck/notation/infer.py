"""Notation inferred from a document that has no header: what a careful reader takes from the text.

A header (notation.py) is what an instructor writes; students do not write one. This module reads
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

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..latex import nodes as n
from ..latex import rules
from .axes import (INDEX_LETTER, Axes, Group, Scanner, head_name, index_items, label_value,
                   split_sup, subscript_offsets)
from .conventions import (BINARY, CONSTANTS, CONVENTIONS, CUES_ARBITRARY, CUES_CASES_END, CUES_CONDITION, CUES_CONTINUES,
                          CUES_DIAGONAL, CUES_HEADING_CONDITION, CUES_SOFTMAX_OUTPUT, MEMBER, ONE_HOT, POSITIVE, SHAPE_IN_WORDS, SUMS_TO_ONE,
                          QUANTIFIER, RESERVED, SIZE_DEFAULTS, SIZE_ROLES, TRUE_CLASS, fresh_names, lower_case, point_cue,
                          model_kind)
from .header import DEFAULT_SIZES, relabel
from ..latex.errors import LatexError
from ..latex.parse import parse_expression
from .statements import (Definition, arity, entries, entry_pattern, fold, has_parameters, is_pattern, mentions,
                         dependency_head, mentions_log_or_square, part_names, refers_to_itself, strip_derivative,
                         written_symbols)
from ..latex.render import to_latex
from ..read.source import Document, Inline, cut_prose, headings, inline_math, split_relations, split_top_level

@dataclass(frozen=True)
class Note:
    """One thing inferred, and on what grounds.

    ``kind``: ``stated`` (the document says it), ``convention`` (the field's convention, the
    document does not say it), ``undefined`` (used, never defined), ``ignored`` (a statement the
    notation could not use, and why).
    """
    kind: str
    text: str
    line: int | None = None


@dataclass
class Inferred:
    header: dict
    notes: list[Note]


# ----------------------------------------------------------------------------- gathering

@dataclass
class Expr:
    node: n.Node
    text: str
    scope: int
    block: int | None
    line: int


@dataclass
class ChainExprs:
    exprs: list[Expr]
    blocks: list[int]
    update: bool = False            # W_{t+1} = W_t - …: it defines the next iterate
    generic: bool = False           # a rule stated for generic functions: ∂g(f(x))/∂x = …

    @property
    def skipped(self) -> bool:
        """Chains that say nothing about the document's own symbols."""
        return self.update or self.generic


def read_math(text: str) -> tuple[str, n.Node | None]:
    """The reading derivcheck judges (damage repaired, slips applied) and its parse, if any."""
    repaired, _ = rules.apply(text, "damage", None)
    reading, _ = rules.apply(repaired, "slip", None)
    try:
        return reading, parse_expression(reading)
    except LatexError:
        return reading, None


class Reader:
    """Everything parsed once: chains, standalone displays and inline fragments, each a scope."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.chains: list[ChainExprs] = []
        self.lone: list[Expr] = []
        self.inline: list[tuple[Inline, list[tuple[str | None, Expr | None]]]] = []
        scope = 0
        for chain in doc.chains:
            pieces = [chain.first] + [link.piece for link in chain.links]
            exprs = []
            for piece in pieces:
                text, node = read_math(piece.text)
                if node is not None:
                    exprs.append(Expr(node, text, scope, piece.block, piece.line))
                elif piece is chain.first:
                    break           # an unreadable start: nothing below can be tied to it
            self.chains.append(ChainExprs(exprs, list(chain.blocks), _is_update(exprs)))
            scope += 1
        self.names = _capital_labels(self.all_nodes(), doc.text)
        if self.names:
            self._relabel()
        _mark_generic(self.chains)
        for piece in doc.lone:
            text, node = read_math(piece.text)
            if node is not None:
                self.lone.append(Expr(node, text, scope, piece.block, piece.line))
            scope += 1
        for item in inline_math(doc) + _where_clauses(doc):
            parts = []
            for rel, part in split_relations(item.text):
                text, node = read_math(part) if part else (part, None)
                if node is not None:
                    node = relabel(node, self.names)
                parts.append((rel, Expr(node, text, scope, None, item.line) if node is not None else None))
            self.inline.append((item, parts))
            scope += 1

    def all_nodes(self) -> list[n.Node]:
        return [e.node for c in self.chains for e in c.exprs] + [e.node for e in self.lone]

    def _relabel(self) -> None:
        for chain in self.chains:
            for e in chain.exprs:
                e.node = relabel(e.node, self.names)
        for e in self.lone:
            e.node = relabel(e.node, self.names)

    def chain_exprs(self) -> list[Expr]:
        return [e for c in self.chains if not c.skipped for e in c.exprs]

    def words(self) -> str:
        return self.doc.text


def _entry_form(lhs: n.Node, rhs: n.Node) -> tuple[n.Node, n.Node] | None:
    """``\\mathbf{Y} = (y_{nk})``: a bare symbol equal to one indexed entry names the matrix of them."""
    inner = rhs.arg if isinstance(rhs, n.Group) else None
    if not isinstance(lhs, n.Sym) or not isinstance(inner, n.Scripted) or not isinstance(inner.base, n.Sym) \
            or inner.base.name == lhs.name or inner.sup is not None:
        return None
    items = index_items(inner.sub) if inner.sub else []
    if not items or not all(isinstance(i, n.Sym) and INDEX_LETTER.match(i.name) for i in items):
        return None
    return n.Scripted(lhs, sub=tuple(items)), inner


def _capital_labels(nodes: list[n.Node], text: str) -> frozenset[tuple[str, str]]:
    """``E_D`` beside no size D: the D is part of the name (Bishop's E_D and E_W), not an index."""
    sizes = set(re.findall(r"\\mathbb\{R\}\^\{?([^}$]*)", text))
    sizes = {c for group in sizes for c in re.findall(r"[A-Z]", group)}
    pairs = set()
    for node in nodes:
        for x in n.walk(node):
            if isinstance(x, n.Sum) and isinstance(x.upper, n.Sym):
                sizes.add(x.upper.name)
            if isinstance(x, n.Scripted) and isinstance(x.base, n.Sym) and x.sub and len(x.sub) == 1 \
                    and isinstance(x.sub[0], n.Sym) and len(x.sub[0].name) == 1 and x.sub[0].name.isupper():
                if x.base.name[-1:].isupper() or x.base.name.startswith("\\mathcal") or \
                        (x.base.name.startswith("\\") and x.base.name[1:2].isupper()):
                    pairs.add((x.base.name, x.sub[0].name))
                else:
                    sizes.add(x.sub[0].name)     # x_D: the last entry, D is a size
    return frozenset(p for p in pairs if p[1] not in sizes)


def _where_clauses(doc: Document) -> list[Inline]:
    """``\\quad \\text{where } p_{i,j} = …`` at the end of a display: read like inline math."""
    return [Inline(text, block.start, block.line, "where", "", block.index + 1)
            for block in doc.blocks for text in block.wheres]


def _mark_generic(chains: list[ChainExprs]) -> None:
    """A chain that applies a one-letter function written nowhere else (``g(f(x))``) states a
    rule for generic functions."""
    heads: dict[str, set[int]] = defaultdict(set)
    for i, chain in enumerate(chains):
        for e in chain.exprs:
            for x in n.walk(e.node):
                name = head_name(x) if isinstance(x, (n.Scripted, n.Call)) else x.name if isinstance(x, n.Sym) else None
                if name:
                    heads[name].add(i)
    for i, chain in enumerate(chains):
        nodes = [x for e in chain.exprs for x in n.walk(e.node)]
        calls = {x.head.name for x in nodes if isinstance(x, n.Call) and isinstance(x.head, n.Sym)
                 and len(x.head.name) == 1 and all(isinstance(a, (n.Sym, n.Call)) for a in x.args)}
        chain.generic = any(isinstance(x, n.Deriv) for x in nodes) and any(heads[c] == {i} for c in calls)


def _is_update(exprs: list[Expr]) -> bool:
    """``W_{t+1} = …``: the left side is a symbol at a computed index (the next iterate)."""
    if not exprs:
        return False
    first = exprs[0].node
    if not (isinstance(first, n.Scripted) and isinstance(first.base, n.Sym)):
        return False
    items = index_items(first.sub) + split_sup(first.sup)[0]
    return any(isinstance(i, n.Add) and any(isinstance(t, n.Num) for t in i.terms) for i in items)


# ----------------------------------------------------------------------------- the inference

def infer(doc: Document, defaults: dict | None = None) -> Inferred:
    """The header ``doc`` implies, with a note for every inference; ``defaults`` (an assignment's
    notation defaults) fill what the document leaves open."""
    cut_prose(doc)
    return _Inference(doc, defaults or {}).run()


class _Inference:
    def __init__(self, doc: Document, defaults: dict):
        self.doc = doc
        self.defaults = defaults
        self.read = Reader(doc)
        self.notes: list[Note] = []
        # an assignment's model wins over what the words suggest ("the softmax generalises the sigmoid")
        self.model = defaults.get("model") or model_kind(doc.text, [e.node for e in self.read.chain_exprs()])
        self.fresh = fresh_names(defaults.get("sizes"))
        self.names = _names_used(e.node for e in self.read.chain_exprs())
        bases = _bases(self.read.chain_exprs())
        self.stated_labels = {m.group(1) or m.group(2) for m in TRUE_CLASS.finditer(doc.text)} & self.names
        labels = {x for x in CONVENTIONS["label"] if x in self.names and (x != "t" or x in bases)}
        self.scanner = Scanner(frozenset(labels | self.stated_labels),
                               subscript_offsets(e.node for e in self.read.chain_exprs()))
        self.definitions: dict[str, Definition] = {}
        self.later: dict[str, list[Definition]] = defaultdict(list)   # other definitions of a symbol, in order
        self.shaped: set[str] = set()       # symbols whose shape the text states (X ∈ R^{N×D})
        self.block_notes: dict[int, dict] = defaultdict(dict)

    def note(self, kind: str, text: str, line: int | None = None) -> None:
        if not any(x.text == text for x in self.notes):
            self.notes.append(Note(kind, text, line))

    def run(self) -> Inferred:
        self._scan()
        self._explicit_definitions()
        self._entry_definitions()
        self._first_step_definitions()
        targets = self._targets()
        self._keep_parameters_reachable(targets)
        self._fold_definitions()
        self._announce_definitions()
        self.names |= _names_used(d.rhs for d in self.definitions.values())   # S = XW + 1b^T in the prose
        roles = self._roles(targets)
        axes = self._axes(roles)
        families = self._families(roles, axes)
        self._complete(roles, axes, families)
        self.notes = [x for x in self.notes if not any(f"called ${r}$" in x.text for r in axes.renamed)]
        self._unknowns(roles, families)
        indices, overrides = self._letters(axes)
        self._block_notes(roles, axes, families, overrides)
        header = self._header(axes, families, indices, targets)
        return Inferred(header, self.notes)

    # ---- 1. indices
    def _scan(self) -> None:
        for chain in self.read.chains:
            if chain.skipped:
                continue
            for expr in chain.exprs:
                self.scanner.scan(expr.node, expr.scope)
            for block in chain.blocks:
                quant = self.doc.blocks[block].quantifier or ""
                for m in QUANTIFIER.finditer(quant):
                    self.scanner.quantifier(chain.exprs[0].scope if chain.exprs else 0, m.group(1), m.group(2))


    # ---- 2. definitions
    def _define(self, d: Definition) -> bool:
        if d.name in self.definitions or not self._definable(d):
            return False
        self.definitions[d.name] = d
        return True

    def _definable(self, d: Definition) -> bool:
        if isinstance(d.rhs, n.Num) or isinstance(d.rhs, n.Sym) and self.scanner.is_index_letter(d.rhs.name):
            return False        # y_i = k, i = 1: a condition or a value, not what a symbol means
        if any(isinstance(x, n.Unknown) for x in n.walk(d.rhs)):
            return False        # a^{max} = \max_j a_j: derivcheck cannot say what it is
        if d.name in RESERVED or d.name in self.scanner.letter_scopes and INDEX_LETTER.match(d.name):
            return False
        if d.name in CONVENTIONS["weights"] | CONVENTIONS["bias"] | CONVENTIONS["input"] and d.how != "convention":
            return False  # parameters and data are not defined by equations
        return not refers_to_itself(d)

    def _explicit_definitions(self) -> None:
        """Equations whose left side names a symbol: standalone displays and inline math, in
        reading order (the first definition of a symbol is the one that counts)."""
        found: list[tuple[int, Definition]] = []
        for chain in self.read.chains:
            if chain.skipped or len(chain.exprs) < 2:
                continue
            first, second = chain.exprs[0], chain.exprs[1]
            named = dependency_head(first.node)
            if named is not None:       # E(w_1, …, w_K) = …: E, with what it depends on listed
                first = replace(first, node=named, text=to_latex(named))
            if is_pattern(first.node):
                if len(chain.exprs) > 2 and is_pattern(second.node) and head_name(second.node) != head_name(first.node):
                    # μ_{nc} = p(y_n = c | x_n) = \frac{…}{…}: both name what the last side says
                    third = chain.exprs[2]
                    found.append((second.line, Definition(head_name(second.node), second.node, third.node,
                                                           second.line, "display", first.scope,
                                                           f"{second.text} = {third.text}")))
                    second = third
                elif len(chain.exprs) > 2 and _data_likelihood(second.node):
                    second = chain.exprs[2]     # E = -ln p(T | w) = -Σ_n Σ_k t_nk ln y_nk: the sums say it
                found.append((first.line, Definition(head_name(first.node), first.node, second.node, first.line,
                                                      "display", first.scope, f"{first.text} = {second.text}")))
        for item, parts in self.read.inline:
            if len(parts) < 2 or parts[1][0] != "=" or parts[0][1] is None or parts[1][1] is None:
                continue
            lhs, rhs = parts[0][1], parts[1][1]
            entry = _entry_form(lhs.node, rhs.node)
            if entry is not None:       # \mathbf{Y} = (y_{nk}): the matrix of those entries
                pattern, body = entry
                found.append((item.line, Definition(head_name(pattern), pattern, body, item.line, "inline",
                                                    lhs.scope, f"{to_latex(pattern)} = {to_latex(body)}")))
            elif is_pattern(lhs.node):
                d = Definition(head_name(lhs.node), lhs.node, rhs.node, item.line, "inline", lhs.scope,
                               f"{lhs.text} = {rhs.text}")
                found.append((item.line, _diagonal(d) if CUES_DIAGONAL.search(item.before + item.after) else d))
        for _, d in sorted(found, key=lambda f: f[0]):
            if not self._definable(d):
                continue
            if d.name not in self.definitions:
                self.definitions[d.name] = d
            elif d.how == "inline" and arity(d.lhs) == arity(self.definitions[d.name].lhs):
                self.later[d.name].append(d)     # tried if the first is set aside
            elif arity(d.lhs) != arity(self.definitions[d.name].lhs):
                # p_j and, later, p_{i,j}: a second pattern of the same symbol
                self.definitions.setdefault(f"{d.name}@{arity(d.lhs)}", d)

    def _keep_parameters_reachable(self, targets) -> None:
        """A definition from the prose that would cut the loss off from the parameter it is
        differentiated by, written with another parameter instead (``z_h = Σ W_t^{(h)} x_i`` where the
        derivation differentiates by w), is not the one the derivation uses: it is set aside, and
        said so."""
        params = {head_name(node.wrt) for _, node in targets}
        for _, node in targets:
            loss, param = head_name(node.body), head_name(node.wrt)
            changed = True
            while changed and not self._reaches(loss, param, frozenset()):
                changed = False
                for name in sorted(self._closure(loss)):
                    d = self.definitions.get(name)
                    if d is None or d.how != "inline" or has_parameters(d.lhs) or self._reaches(name, param, frozenset()) \
                            or name in CONVENTIONS["label"] | CONVENTIONS["input"] | CONVENTIONS["constant"]:
                        continue        # data and labels do not depend on the parameters anyway
                    foreign = written_symbols(d.rhs) & CONVENTIONS["weights"] - params
                    if not foreign:
                        continue        # written with the derivation's own parameters: it is theirs
                    self.note("ignored", f"${d.text}$ (line {d.line}) is not used as the definition of ${name}$: "
                              f"it does not involve ${param}$, which the derivation differentiates by", d.line)
                    del self.definitions[name]
                    if self.later[name]:
                        self.definitions[name] = self.later[name].pop(0)
                    changed = True

    def _reaches(self, name: str, param: str, seen: frozenset) -> bool:
        if name == param:
            return True
        d = self.definitions.get(name)
        if d is None or name in seen:
            return False
        return any(self._reaches(s, param, seen | {name}) for s in written_symbols(d.rhs))

    def _closure(self, name: str) -> set[str]:
        out, todo = set(), [name]
        while todo:
            x = todo.pop()
            if x in out:
                continue
            out.add(x)
            d = self.definitions.get(x)
            if d is not None:
                todo.extend(written_symbols(d.rhs))
        return out

    def _fold_definitions(self) -> None:
        """``p_i = \\sigma(w^\\top x_i + b)`` beside ``z_i = w^\\top x_i + b``: p_i is σ(z_i). A definition
        written out again inside another is read as the defined symbol, so that a derivative by the
        intermediate quantity (∂ℓ/∂z_i) means what its author means."""
        parts = [d for d in self.definitions.values() if d.how != "convention" and not has_parameters(d.lhs)
                 and isinstance(d.rhs, (n.Add, n.Mul, n.Div)) and len(list(n.walk(d.rhs))) >= 4]
        for key, d in list(self.definitions.items()):
            rhs = d.rhs
            for part in parts:
                if part is d or part.name == d.name or d.name in self._closure(part.name):
                    continue
                rhs = fold(rhs, part)
            if rhs is not d.rhs:
                text = f"{d.text.partition(' = ')[0]} = {to_latex(rhs)}"
                self.definitions[key] = replace(d, rhs=rhs, text=text)
                self.note("stated", f"${d.name}$ is read through ${part_names(d.rhs, rhs)}$: ${text}$", d.line)

    def _announce_definitions(self) -> None:
        """Keep the definitions the derivation needs (its symbols, and what their definitions use)."""
        needed: set[str] = set()
        for name in self.names:
            needed |= self._closure(name)
        self.definitions = {k: d for k, d in self.definitions.items() if d.name in needed}
        for d in sorted(self.definitions.values(), key=lambda d: d.line):
            if d.how in ("inline", "entries", "first step"):
                self._scan_definition(d)
            how = {"display": "", "inline": "", "entries": " entry by entry",
                   "first step": " by the first step of its derivative"}.get(d.how)
            if how is not None:
                self.note("stated", f"${d.name}$ is defined{how} on line {d.line}: ${d.text}$", d.line)

    def _entry_definitions(self) -> None:
        """``(P(y=1|x), …, P(y=K|x)) = (…)``: the pattern of the entries defines the symbol."""
        for chain in self.read.chains:
            if len(chain.exprs) != 2 or chain.skipped:
                continue
            lhs, rhs = (entries(e.node) for e in chain.exprs)
            if not lhs or not rhs or len(lhs) != len(rhs):
                continue
            found = entry_pattern(lhs, rhs, self._fresh_letter_for(chain.exprs))
            if found is None:
                continue
            pattern, body = found
            name = head_name(pattern)
            d = Definition(name, pattern, body, chain.exprs[0].line, "entries", chain.exprs[0].scope,
                           f"{to_latex(pattern)} = {to_latex(body)}")
            if is_pattern(pattern):
                self._define(d)

    def _first_step_definitions(self) -> None:
        """``∂F/∂X = -∂/∂X (E)`` with F defined nowhere: the first step says what F is."""
        for chain in self.read.chains:
            if len(chain.exprs) < 2 or chain.skipped:
                continue
            first = chain.exprs[0].node
            if not isinstance(first, n.Deriv) or not is_pattern(first.body):
                continue
            name = head_name(first.body)
            if name in self.definitions or name in RESERVED:
                continue
            body = strip_derivative(chain.exprs[1].node, first.wrt)
            if body is None:
                continue
            listed = entries(body)
            if listed:
                if not isinstance(first.body, n.Sym):
                    continue
                found = entry_pattern(None, listed, self._fresh_letter_for(chain.exprs))
                if found is None:
                    continue
                position, body = found
                pattern = n.Scripted(first.body, sub=(n.Sym(position),))
            else:
                pattern = first.body
            d = Definition(name, pattern, body, chain.exprs[0].line, "first step", chain.exprs[0].scope,
                           f"{to_latex(pattern)} = {to_latex(body)}")
            self._define(d)

    def _scan_definition(self, d: Definition) -> None:
        self.scanner.scan(d.lhs, d.scope)
        self.scanner.scan(d.rhs, d.scope)

    def _fresh_letter_for(self, exprs: list[Expr]) -> str:
        used = {x.name for e in exprs for x in n.walk(e.node) if isinstance(x, n.Sym)}
        used |= {x.index for e in exprs for x in n.walk(e.node) if isinstance(x, n.Sum)}
        return next(c for c in "kcjlhqmnrstuv" if c not in used)

    # ---- 3. targets and roles
    def _targets(self) -> list[tuple[Expr, n.Deriv]]:
        """Chain starts that differentiate the loss by a parameter: the gradients to be derived."""
        out = []
        for chain in self.read.chains:
            if not chain.exprs or chain.skipped:
                continue
            first = chain.exprs[0]
            node = first.node
            if not isinstance(node, n.Deriv):
                continue
            of, wrt = head_name(node.body), head_name(node.wrt)
            if of is None or wrt is None or not self._is_loss(of) or not self._is_parameter(wrt):
                continue
            out.append((first, node))
        return out

    def _is_loss(self, name: str) -> bool:
        d = self.definitions.get(name)
        return name in CONVENTIONS["loss"] or (d is not None and (d.how == "first step" or mentions_log_or_square(d.rhs)
                                                                  and name.startswith("\\operatorname")))

    def _is_parameter(self, name: str) -> bool:
        if name in self.definitions:
            return False
        if name in CONVENTIONS["weights"] | CONVENTIONS["bias"]:
            return True
        others = CONVENTIONS["input"] | CONVENTIONS["label"] | CONVENTIONS["logits"] | CONVENTIONS["prediction"]
        return name not in others and name not in CONVENTIONS["loss"]

    def _roles(self, targets) -> dict[str, str]:
        roles: dict[str, str] = {}
        for _, node in targets:
            name = head_name(node.wrt)
            roles[name] = "bias" if name in CONVENTIONS["bias"] else "weights"
        if not any(r == "weights" for r in roles.values()):
            for name in sorted(self.names & CONVENTIONS["weights"]):
                if name not in self.definitions:
                    roles.setdefault(name, "weights")
        for name in sorted(self.names & CONVENTIONS["bias"]):
            if name not in self.definitions and self.model in ("softmax", "logistic", "linear", None):
                roles.setdefault(name, "bias")
        for name in sorted(self.names & CONVENTIONS["input"]):
            if name not in self.definitions:
                roles.setdefault(name, "input")
        if not any(r == "input" for r in roles.values()):
            for name in sorted(self._multiplied_by_weights(roles)):
                roles.setdefault(name, "input")     # a_{nc} = w_c^T φ_n: what the weights multiply
        for name in sorted((self.names & CONVENTIONS["label"]) | self._cross_entropy_labels() | self.stated_labels):
            if (name not in self.definitions or self._other_forms(name)) and name not in roles:
                roles[name] = "label"
        for name, role in self._stated_roles().items():
            if name in self.names and name not in self.definitions and name not in roles:
                roles[name] = role
        for name in self.names:
            uses = self.scanner.uses.get(name)
            if name not in roles and uses is not None and uses.wrt and name not in self.definitions:
                roles[name] = "variable"
        for name in sorted(self.names & CONVENTIONS["logits"]):
            if name not in roles and name not in self.definitions and self._feeds_a_softmax(name):
                roles[name] = "variable"    # the softmax of z, z never defined: z is the free input
        return roles

    def _feeds_a_softmax(self, name: str) -> bool:
        return any(isinstance(x, (n.Sym, n.Scripted)) and head_name(x) == name
                   for d in self.definitions.values() for s in n.walk(d.rhs) if n.is_exponential(s)
                   for x in n.walk(s))

    def _stated_roles(self) -> dict[str, str]:
        """"$T > 0$": a positive constant; "$\\sum_i p_i = 1$" of a symbol no convention calls a
        label: a distribution (its entries sum to one)."""
        out: dict[str, str] = {}
        for item, _ in self.read.inline:
            m = POSITIVE.match(item.text)
            if m:
                out.setdefault(m.group(1), "positive")
                self.note("stated", f"${m.group(1)}$ is a positive number (the text says so, line {item.line})")
            m = SUMS_TO_ONE.match(item.text)
            if m and m.group(2) not in CONVENTIONS["label"]:
                out[m.group(2)] = "distribution"
                self.note("stated", f"the entries of ${m.group(2)}$ sum to one (the text says so, line {item.line})")
        return out

    def _multiplied_by_weights(self, roles: dict[str, str]) -> set[str]:
        """Undefined symbols a definition multiplies by the weights (the features, however named)."""
        weights = {x for x, r in roles.items() if r == "weights"}
        out: set[str] = set()
        for d in self.definitions.values():
            for x in n.walk(d.rhs):
                if isinstance(x, n.Mul) and any(head_name(f) in weights for f in x.factors):
                    for f in x.factors:
                        name = head_name(f)
                        if name and name not in weights and name not in self.definitions and name not in roles \
                                and name not in CONVENTIONS["constant"] and name not in RESERVED:
                            out.add(name)
        return out

    def _cross_entropy_labels(self) -> set[str]:
        """In ``-Σ_k A_k log B_k`` the factor beside the logarithm is the label (even ``\\hat{y}``)."""
        out = set()
        for d in self.definitions.values():
            for x in n.walk(d.rhs):
                if isinstance(x, n.Mul) and any(isinstance(f, n.Apply) and f.func in ("log", "ln") for f in x.factors):
                    for f in x.factors:
                        name = head_name(f) if isinstance(f, (n.Sym, n.Scripted)) else None
                        if name and name not in self.definitions and name not in CONVENTIONS["prediction"] - {"\\hat{y}"}:
                            out.add(name)
        return out

    # ---- 4. axes, sizes
    def _axes(self, roles: dict[str, str]) -> "Axes":
        groups = self.scanner.groups()
        label_kinds = self._class_labels(roles)
        axes = Axes(self.scanner, self.fresh)
        taken: set[str] = set(self.names) | set(self.scanner.letter_scopes)
        named = self._membership_roles(roles)       # x ∈ R^d: the features are called d
        for g in groups:
            if not g.slots and not g.letters:
                continue
            role = self._group_role(g, roles, label_kinds)
            names = [s for s, _ in g.sizes.most_common()]
            if names:
                primary = names[0]
                if len(names) > 1:
                    self.note("stated", f"${'$ and $'.join(names)}$ count the same thing (they index the same "
                              "symbols); read as one size")
            elif role in named:
                primary = named[role]
            else:
                primary = next(c for c in self.fresh[role] + "RQUVZ" if c not in taken and c not in axes.sizes)
                if g.slots:
                    what = f"the {role}" if role else "an axis"
                    self.note("convention", f"the size of {what} (indexed by "
                              f"{_slot_list(g)}) is never named; called ${primary}$ here")
            taken.add(primary)
            for name in names or [primary]:
                axes.sizes[name] = role
            axes.add(g, primary, role)
        for dims in self._memberships().values():          # X ∈ R^{N×D} names N and D as sizes
            for d in dims:
                axes.sizes.setdefault(d, {v: k for k, v in named.items()}.get(d, SIZE_ROLES.get(d)))
        return axes

    def _membership_roles(self, roles: dict[str, str]) -> dict[str, str]:
        """Role -> the size name the text gives it: ``x ∈ R^d`` (an input vector: features),
        ``W ∈ R^{K×d}`` (weights: classes × features), ``X ∈ R^{N×D}`` (inputs: samples × features)."""
        layouts = {("input", 1): ("features",), ("input", 2): ("samples", "features"),
                   ("weights", 1): ("features",), ("weights", 2): ("classes", "features")}
        out: dict[str, str] = {}
        for name, dims in self._memberships().items():
            kinds = layouts.get((roles.get(name), len(dims)))
            if kinds == ("classes", "features") and (SIZE_ROLES.get(dims[1]) == "classes"
                                                     or SIZE_ROLES.get(dims[0]) == "features"):
                kinds = ("features", "classes")     # W ∈ R^{D×C}: the weights stored features-first
            for kind, dim in zip(kinds or (), dims):
                if self.model in ("softmax", None) or kind != "classes":
                    out.setdefault(kind, dim)
        return out

    def _class_labels(self, roles: dict[str, str]) -> dict[str, str]:
        """Labels used as an index or compared with one (``a_y``, ``1\\{y^{(i)}=k\\}``) are class labels."""
        out = {}
        for name, role in roles.items():
            if role == "label" and self.scanner.uf.parent.get(label_value(name)) is not None:
                out[name] = "class label"
        return out

    def _group_role(self, g: Group, roles: dict[str, str], class_labels: dict[str, str]) -> str | None:
        names = {s[0] for s in g.slots}
        kinds = {roles.get(x) for x in names}
        if g.labels or g.exp_summed:
            return "classes"
        if any(class_labels.get(x) for x in names) or any(self._is_loss(x) for x in names):
            return "samples"
        if "weights" in kinds and "input" in kinds:
            return "features"       # whatever its size is called (n counts features in some texts)
        by_name = Counter(SIZE_ROLES[s] for s in g.sizes if s in SIZE_ROLES)
        if by_name:
            return by_name.most_common(1)[0][0]
        multiclass = self.model == "softmax"
        if "label" in kinds:
            return "classes" if multiclass else "samples"
        if multiclass and names & (CONVENTIONS["logits"] | CONVENTIONS["prediction"]):
            return "classes"
        if "input" in kinds:
            return "samples"
        if "weights" in kinds:
            return "features"
        return None

    # ---- 5. families
    def _families(self, roles: dict[str, str], axes: "Axes") -> dict[str, dict]:
        """Every symbol with a role, or indexed and never defined: its axes, shape and role."""
        class_labels = self._class_labels(roles)
        families: dict[str, dict] = {}
        for name in sorted(self.names):
            if name in RESERVED or name in axes.sizes or (name in self.definitions and not self._other_forms(name)):
                continue
            if name in self.scanner.letter_scopes and INDEX_LETTER.match(name):
                continue
            uses = self.scanner.uses.get(name)
            role = roles.get(name)
            if role is None and (uses is None or not (uses.indexed or uses.bare or uses.called)):
                continue
            if name in CONSTANTS and not (uses and uses.indexed):
                continue        # π alone is the number; π_{ik} is a symbol
            sub, sup = axes.slots_of(name)
            shape = []
            defined = {arity(d.lhs) for d in self.definitions.values() if d.name == name}
            if defined and uses is not None:
                # y_n beside a defined y_{nc}: the family is the forms no definition covers
                usual = min(a for a in uses.sub_arity if a not in defined)
                sub = sub[:usual]
            elif uses is not None and len(uses.sub_arity) > 1:
                # x_n beside x_{nj}: one vector per sample, entries by j
                own = min(uses.sub_arity)
                shape = [axes.size_of_slot(s) for s in sub[own:]]
                sub = sub[:own]
            role_word = role
            if role == "label":
                role_word = class_labels.get(name) or self._label_kind(name, sub + sup, axes)
            families[name] = {"role": role_word or "unknown", "sub": sub, "sup": sup, "shape": shape}
        self._implicit_dimensions(families, axes)
        return families

    def _other_forms(self, name: str) -> bool:
        """Whether ``name`` is also written with an arity none of its definitions has."""
        uses = self.scanner.uses.get(name)
        defs = [d for d in self.definitions.values() if d.name == name]
        defined = {arity(d.lhs) for d in defs}
        written = set(uses.sub_arity) if uses else set()
        if not written - defined:
            return False
        # z = Wx + b is a vector whose entries are z_k; E = Σ_j E_j is made of other quantities E_j
        return 0 not in defined or any(arity(d.lhs) == 0 and mentions(d.rhs, name) for d in defs)

    def _label_kind(self, name: str, slots: list, axes: "Axes") -> str:
        if any(axes.role_of_slot(s) == "classes" for s in slots):
            if ONE_HOT.search(self.doc.text):
                self.note("stated", f"${name}$ is a one-hot label (the text says so)")
            else:
                self.note("convention", f"${name}$ is read as a one-hot label (it is indexed by class); the "
                          "document never says so")
            return "one-hot label"
        if self.model == "logistic" or BINARY.search(self.doc.text):
            return "variable"
        return "variable"

    def _implicit_dimensions(self, families: dict[str, dict], axes: "Axes") -> None:
        """Axes a symbol has but never shows: a weight vector per class (w_j x_i), a bare W."""
        declared = self._declared_shapes(families, axes)
        stated = self._memberships()
        weights = [f for f in families.values() if f["role"] == "weights"]
        classify = self.model in ("softmax", "logistic", None)
        for name, fam in families.items():
            if name in declared or (len(stated.get(name, ())) == len(fam["sub"]) > 0 and not fam["sup"]
                                    and all(axes.role_of_slot(s) != "samples" for s in fam["sub"])):
                continue        # θ ∈ R^M written θ_l: its entries are numbers, whatever θ usually is
            roles = {axes.role_of_slot(s) for s in fam["sub"] + fam["sup"]}
            uses = self.scanner.uses.get(name)
            bare_only = not fam["sub"] and not fam["sup"]
            vector_hint = bool(uses and uses.transposed) or name.isupper()
            if fam["role"] == "weights" and "features" not in roles and (classify or vector_hint):
                if bare_only and self.model in ("softmax", None) and axes.has("classes") and \
                        (name[-1:].isupper() or name.startswith("\\") and name[1:2].isupper()):
                    # W x: classes × features; written W^T x, features × classes
                    order = [axes.axis("classes"), axes.axis("features")]
                    fam["sub"] = order[::-1] if uses and uses.transposed else order
                else:
                    fam["shape"] = [axes.size_named("features")]
            elif fam["role"] == "input" and "features" not in roles and \
                    (any(w["shape"] or len(w["sub"] + w["sup"]) > 1 for w in weights) or vector_hint):
                if bare_only:
                    fam["sub"] = [axes.axis("features")]
                else:
                    fam["shape"] = [axes.size_named("features")]
            elif fam["role"] == "bias" and bare_only and self.model in ("softmax", None) and axes.has("classes") \
                    and weights and any(axes.role_of_slot(s) == "classes" for w in weights for s in w["sub"] + w["sup"]):
                fam["sub"] = [axes.axis("classes")]

    def _memberships(self) -> dict[str, list[str]]:
        """``X \\in \\mathbb{R}^{N \\times D}``: the sizes a symbol is declared with, by name."""
        out: dict[str, list[str]] = {}
        stated = [(m.group(1), m.group(2)) for item, _ in self.read.inline for m in MEMBER.finditer(item.text)]
        stated += [(m.group(1), m.group(2)) for m in SHAPE_IN_WORDS.finditer(self.doc.text, self.doc.body_start)]
        for name, shape in stated:
            dims = [d.strip() for d in re.split(r"\\times|×|,|\*", shape) if d.strip()]
            if dims and all(re.fullmatch(r"[A-Za-z]", d) for d in dims):
                out.setdefault(_canonical(name), dims)
        return out

    def _declared_shapes(self, families: dict[str, dict], axes: "Axes") -> set[str]:
        """Apply the memberships to symbols written with no index; return the names done."""
        done = set()
        for name, dims in self._memberships().items():
            fam = families.get(name)
            if fam is None or fam["sub"] or fam["sup"]:
                continue
            for d in dims:
                axes.sizes.setdefault(d, SIZE_ROLES.get(d))
            fam["sub"] = [("size", d) for d in dims]
            self.shaped.add(name)
            done.add(name)
            self.note("stated", f"${name}$ has the shape {' × '.join(dims)} (the text says so)")
        return done

    # ---- 6. what the document never defines
    def _complete(self, roles: dict[str, str], axes: "Axes", families: dict[str, dict]) -> None:
        """Logits and probabilities the document uses and never defines, from its model."""
        self._complete_dropped_samples(families, axes)
        self._complete_terms_of_sums(families, axes)
        self._complete_named_parts(families)
        self._complete_identity(families, axes)
        self._complete_sigmoid(families)
        self._complete_matrix_of_vectors(families, axes)
        self._complete_named_softmax(families, axes)
        weights = [x for x, f in families.items() if f["role"] == "weights"]
        inputs = [x for x, f in families.items() if f["role"] == "input"]
        if self.model not in ("softmax", "logistic", None) or len(weights) != 1 or len(inputs) != 1:
            return
        w, x = weights[0], inputs[0]
        bias = next((b for b, f in families.items() if f["role"] == "bias"), None)
        logits = next((z for z in sorted(CONVENTIONS["logits"]) if z in families and z not in self.definitions
                       and families[z]["role"] in ("unknown", "variable")), None)
        if logits is not None:
            text = self._logits_text(logits, w, x, bias, families, axes)
            if text is not None:
                blocks = self._blocks_mentioning({w} | ({bias} if bias else set()))
                if set(blocks) >= {b for c in self.read.chains for b in c.blocks}:
                    blocks = None       # every display involves the weights: one definition for all
                d = _definition_from_text(text, logits, "convention", blocks)
                if d is not None:
                    self.definitions[logits] = d
                    if blocks is None:
                        del families[logits]
                    where = f" (in the displays that involve ${w}$)" if blocks is not None else ""
                    self.note("convention", f"${logits}$ is never defined; read as the logits of the model, "
                              f"${text}${where}")
        for name in sorted(families):
            fam = families[name]
            if fam["role"] not in ("unknown", "variable") or name not in CONVENTIONS["prediction"] | {"g", "h"}:
                continue
            z = logits or next((c for c in sorted(CONVENTIONS["logits"]) if c in self.names), None)
            if z is None:
                continue
            text = self._prediction_text(name, z, fam, families, axes)
            d = _definition_from_text(text, name, "convention", None) if text else None
            if d is not None:
                self.definitions[name] = d
                del families[name]
                kind = "softmax" if "sum" in text else "logistic sigmoid"
                self.note("convention", f"${name}$ is never defined; read as the {kind} of ${z}$: ${text}$")

    def _complete_named_softmax(self, families: dict[str, dict], axes: "Axes") -> None:
        """"A softmax that produces the vector $s$", with no formula: s is the softmax of the
        document's defined logits."""
        logits = [z for z in sorted(CONVENTIONS["logits"]) if z in self.definitions]
        for item, _ in self.read.inline:
            _, node = read_math(item.text)
            name = node.name if isinstance(node, n.Sym) else None
            if name is None or not CUES_SOFTMAX_OUTPUT.search(item.before) or name not in families \
                    or name in self.definitions:
                continue
            z = next((c for c in logits if c != name), None)
            text = self._prediction_text(name, z, families[name], families, axes) if z else None
            d = _definition_from_text(text, name, "convention", None) if text else None
            if d is not None:
                self.definitions[name] = d
                del families[name]
                self.note("stated", f"${name}$ is the softmax of ${z}$ (the text says so, line {item.line}): ${text}$")

    def _complete_dropped_samples(self, families: dict[str, dict], axes: "Axes") -> None:
        """``p_k`` where the text defines ``p^{(i)}_k`` ("dropping the superscript (i)"): the same
        quantity for one sample, read at sample 1 (every sample is alike in a per-sample step)."""
        for name, fam in list(families.items()):
            if fam["shape"] or fam["role"] not in ("unknown", "variable"):
                continue
            for d in [d for d in self.definitions.values() if d.name == name]:
                head = d.lhs.head if isinstance(d.lhs, n.Call) else d.lhs
                sups = split_sup(head.sup)[0] if isinstance(head, n.Scripted) else []
                subs = index_items(head.sub) if isinstance(head, n.Scripted) and head.sub else []
                if len(sups) != 1 or len(subs) != len(fam["sub"]) or not isinstance(sups[0], n.Sym) \
                        or axes.sizes.get(axes.letters.get((d.scope, sups[0].name))) != "samples":
                    continue
                letters = [axes.canonical_letter(axes.size_of_slot(x)) for x in fam["sub"]]
                entry = ("_{" + ",".join(letters) + "}") if letters else ""
                text = f"{name}{entry} = {name}^{{(1)}}{entry}"
                alias = _definition_from_text(text, name, "convention", None)
                if alias is not None:
                    self.definitions[f"{name}@dropped"] = alias
                    del families[name]
                    self.note("stated", f"${name}{entry}$ is ${name}^{{(i)}}{entry}$ with the sample index dropped; "
                              f"read for one sample: ${text}$")
                break

    def _complete_matrix_of_vectors(self, families: dict[str, dict], axes: "Axes") -> None:
        """``W`` beside weight vectors ``w_j`` (one per class): W is made of them, its rows unless the
        text says columns (``W = [w_1, …, w_C]``)."""
        for name, fam in list(families.items()):
            lower = lower_case(name)
            bare = (not fam["sub"] or name in self.shaped) and not fam["sup"]
            if lower and bare and self._entries_of(name, lower, families, axes):
                continue
            vectors = families.get(lower) if lower else None
            if fam["role"] not in ("unknown", "input", "weights") or vectors is None \
                    or vectors["role"] not in ("weights", "input") or len(vectors["sub"]) != 1 or not vectors["shape"]:
                continue
            class_size, feature_size = axes.size_of_slot(vectors["sub"][0]), vectors["shape"][0]
            stated = self._memberships().get(name, [])
            if len(stated) == 2 and class_size in stated:       # W ∈ R^{D×C}: the class axis says which
                columns = stated[1] == class_size and stated[0] != class_size
                feature_size = vectors["shape"][0] = stated[0] if columns else stated[1]
            else:
                columns = re.search(rf"{re.escape(name)}\s*=\s*\[\s*{re.escape(lower)}_1|columns? of \$?{re.escape(name)}",
                                    self.doc.text) is not None
            own = [(name, "sub", 0), (name, "sub", 1)] if len(fam["sub"]) == 2 else []
            for slot_, size_name in zip(own, (feature_size, class_size) if columns else (class_size, feature_size)):
                axes.resize(slot_, size_name)       # W_{k,l}: its axes are the classes and the features
            cls = axes.canonical_letter(class_size)
            feat = axes.canonical_letter(feature_size)
            if feat == cls:
                feat = axes.second_letter(feature_size)
            pattern = f"{name}_{{{feat},{cls}}}" if columns else f"{name}_{{{cls},{feat}}}"
            text = f"{pattern} = ({lower}_{{{cls}}})_{{{feat}}}"
            d = _definition_from_text(text, name, "convention", None)
            if d is not None:
                self.definitions[name] = d
                del families[name]
                where = "columns" if columns else "rows"
                self.note("convention", f"${name}$ is read as the matrix whose {where} are the ${lower}_{{{cls}}}$: ${text}$")

    def _entries_of(self, name: str, lower: str, families: dict[str, dict], axes: "Axes") -> bool:
        """``X`` beside entries ``x_{nd}``, ``\\hat{Y}`` beside ``\\hat{y}_{nk}``: the matrix of those
        entries. Defined so (and said so); whether it was."""
        entry = families.get(lower)
        slots = entry["sub"] if entry is not None and not entry["shape"] else None
        if slots is None:
            defined = [d for d in self.definitions.values() if d.name == lower and arity(d.lhs) == 2]
            uses = self.scanner.uses.get(lower)
            slots = [(lower, "sub", 0), (lower, "sub", 1)] if defined and uses and 2 in uses.sub_arity else None
        if not slots or len(slots) != 2:
            return False
        first = axes.canonical_letter(axes.size_of_slot(slots[0]))
        second = axes.canonical_letter(axes.size_of_slot(slots[1]))
        if second == first:
            second = axes.second_letter(axes.size_of_slot(slots[1]))
        text = f"{name}_{{{first},{second}}} = {lower}_{{{first},{second}}}"
        d = _definition_from_text(text, name, "convention", None)
        if d is None:
            return False
        self.definitions[name] = d
        del families[name]
        self.note("convention", f"${name}$ is read as the matrix of the entries ${lower}_{{{first},{second}}}$: ${text}$")
        return True

    def _complete_identity(self, families: dict[str, dict], axes: "Axes") -> None:
        """``I_{ck}`` in a text that speaks of the identity matrix: the Kronecker delta."""
        fam = families.get("I")
        if fam is None or len(fam["sub"]) != 2 or not re.search(r"identity", self.doc.text, re.I):
            return
        size = axes.size_of_slot(fam["sub"][0])
        a, b = axes.canonical_letter(size), axes.second_letter(size)
        text = f"I_{{{a},{b}}} = \\delta_{{{a},{b}}}"
        d = _definition_from_text(text, "I", "convention", None)
        if d is not None:
            self.definitions["I"] = d
            del families["I"]
            self.note("stated", f"$I$ is the identity matrix: ${text}$")

    def _complete_terms_of_sums(self, families: dict[str, dict], axes: "Axes") -> None:
        """``E_n`` where only ``E = -\\sum_{n=1}^N \\{…\\}`` is defined ("write $E = \\sum_n E_n$"): the
        n-th term of that sum over the samples."""
        for name, d in list(self.definitions.items()):
            uses = self.scanner.uses.get(name)
            if "@" in name or arity(d.lhs) or uses is None or not uses.sub_arity.get(1) \
                    or f"{name}@1" in self.definitions:
                continue
            body, sign = (d.rhs.arg, "-") if isinstance(d.rhs, n.Neg) else (d.rhs, "")
            if not isinstance(body, n.Sum) or body.product or body.conditions \
                    or not (isinstance(body.upper, n.Sym) and axes.sizes.get(body.upper.name) == "samples"):
                continue    # L = -Σ_k y_k log s_k beside a batch's L_n: L_n is not a term of that sum
            term = body.body.arg if isinstance(body.body, n.Group) else body.body
            if mentions(term, name):
                continue    # E = Σ_j E_j: the sum names its terms, and says nothing of them
            text = f"{name}_{{{body.index}}} = {sign}\\left({to_latex(term)}\\right)"
            term_def = _definition_from_text(text, name, "convention", None)
            if term_def is not None:
                self.definitions[f"{name}@1"] = term_def
                families.pop(name, None)
                self.note("convention", f"${name}_{{{body.index}}}$ is the {body.index}-th term of the sum that "
                          f"defines ${name}$: ${text}$")

    def _complete_named_parts(self, families: dict[str, dict]) -> None:
        """"We write $J = J_{\\text{data}} + J_{\\text{reg}}$" of a J defined as a sum of as many terms:
        each name is its term, in order."""
        for item, parts in self.read.inline:
            if len(parts) != 2 or parts[1][0] != "=" or parts[0][1] is None or parts[1][1] is None:
                continue
            whole, split = parts[0][1].node, parts[1][1].node
            d = self.definitions.get(head_name(whole) or "")
            if d is None or not isinstance(split, n.Add) or not isinstance(d.rhs, n.Add) \
                    or len(split.terms) != len(d.rhs.terms):
                continue
            names = [head_name(t) for t in split.terms]
            if not all(isinstance(t, n.Sym) and t.name not in self.definitions for t in split.terms):
                continue
            for name, term in zip(names, d.rhs.terms):
                text = f"{name} = {to_latex(term)}"
                part = _definition_from_text(text, name, "inline", None)
                if part is not None:
                    self.definitions[name] = part
                    families.pop(name, None)
                    self.note("stated", f"${name}$ is a term of ${d.name}$ (line {item.line}): ${text}$")

    def _complete_sigmoid(self, families: dict[str, dict]) -> None:
        """``\\sigma(a_j)`` applied to a scalar and never defined, in a document that speaks of the
        sigmoid (or of a binary model or a network): the logistic sigmoid."""
        if not re.search(r"sigmoid|logistic", self.doc.text, re.I) and self.model not in ("logistic", "network"):
            return
        for name in ("\\sigma", "g", "h", "\\phi"):
            fam = families.get(name)
            uses = self.scanner.uses.get(name)
            if fam is None or fam["sub"] or fam["sup"] or uses is None or not uses.called or \
                    any(len(args) != 1 for args in uses.call_args):
                continue
            text = f"{name}(u) = \\frac{{1}}{{1 + e^{{-u}}}}"
            d = _definition_from_text(text, name, "convention", None)
            if d is not None:
                self.definitions[name] = d
                del families[name]
                self.note("convention", f"${name}$ is never defined; read as the logistic sigmoid, ${text}$")

    def _logits_text(self, z: str, w: str, x: str, bias: str | None, families, axes: "Axes") -> str | None:
        zf, wf, xf = families[z], families[w], families[x]
        feature = axes.letter_for("features")
        if self.model == "logistic" or not axes.has("classes"):
            w_term = _entry_text(w, wf, axes, {"features": feature})
            x_term = _entry_text(x, xf, axes, {"features": feature})
            if w_term is None or x_term is None:
                return None
            total = f"\\sum_{{{feature}=1}}^{{{axes.size_named('features')}}} {w_term} {x_term}"
            return f"{z} = {total}" + (f" + {bias}" if bias else "")
        cls = axes.letter_for("classes")
        z_axes = [axes.role_of_slot(s) for s in zf["sub"]]
        if z_axes != ["classes"]:
            return None
        letters = {"classes": cls, "features": feature}
        w_term = _entry_text(w, wf, axes, letters)
        x_term = _entry_text(x, xf, axes, letters)
        if w_term is None or x_term is None:
            return None
        out = f"{z}_{{{cls}}} = \\sum_{{{feature}=1}}^{{{axes.size_named('features')}}} {w_term} {x_term}"
        if bias:
            b_term = _entry_text(bias, families[bias], axes, letters)
            if b_term is not None:
                out += f" + {b_term}"
        return out

    def _prediction_text(self, name: str, z: str, fam: dict, families, axes: "Axes") -> str | None:
        uses = self.scanner.uses.get(name)
        args = ""
        if uses and uses.call_args:
            first = uses.call_args[0]
            if all(isinstance(a, n.Sym) for a in first):
                args = "(" + ", ".join(a.name for a in first) + ")"
        if self.model in ("softmax", None) and axes.has("classes") and len(fam["sub"]) == 1 \
                and axes.role_of_slot(fam["sub"][0]) == "classes":
            cls = axes.letter_for("classes")
            size_name = axes.size_named("classes")
            other = axes.second_letter(size_name)
            return (f"{name}_{{{cls}}}{args} = \\frac{{e^{{{z}_{{{cls}}}}}}}{{\\sum_{{{other}=1}}^{{{size_name}}} "
                    f"e^{{{z}_{{{other}}}}}}}")
        if self.model in ("softmax", None) and axes.has("classes") and not fam["sub"] and uses and uses.call_args \
                and all(len(a) == 1 and head_name(a[0]) == z and isinstance(a[0], n.Scripted) for a in uses.call_args):
            # σ(z_i): applied to one logit, the softmax of it
            cls = axes.letter_for("classes")
            other = axes.second_letter(axes.size_named("classes"))
            return (f"{name}({z}_{{{cls}}}) = \\frac{{e^{{{z}_{{{cls}}}}}}}{{\\sum_{{{other}=1}}^"
                    f"{{{axes.size_named('classes')}}} e^{{{z}_{{{other}}}}}}}")
        if not fam["sub"] and not fam["sup"] and name in ("\\sigma", "g", "h"):
            return f"{name}(u) = \\frac{{1}}{{1 + e^{{-u}}}}"
        return None

    def _blocks_mentioning(self, names: set[str]) -> tuple[int, ...]:
        blocks: set[int] = set()
        for chain in self.read.chains:
            if any(isinstance(x, n.Sym) and x.name in names for e in chain.exprs for x in n.walk(e.node)):
                blocks.update(chain.blocks)
        return tuple(sorted(blocks))

    def _unknowns(self, roles: dict[str, str], families: dict[str, dict]) -> None:
        for name, fam in sorted(families.items()):
            if fam["role"] != "unknown":
                continue
            if name in CONVENTIONS["constant"] or (name.startswith("\\") and name[1:].isalpha()
                                                    and name[1:].islower() and not fam["sub"]):
                fam["role"] = "variable"
                self.note("convention", f"${name}$ is never defined; read as a constant")
                continue
            shown = name + ("_{" + ",".join("·" for _ in fam["sub"]) + "}" if fam["sub"] else "")
            self.note("undefined", f"${shown}$ is never defined: steps that differentiate through it are "
                      "not decided")

    # ---- 7. letters
    def _letters(self, axes: "Axes") -> tuple[dict[str, str], dict[int, dict[str, str]]]:
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
        for d in self.definitions.values():
            if d.how == "convention":
                continue
            own = per_scope.get(d.scope, {})
            clash = {k: v for k, v in own.items() if indices.get(k) != v}
            if clash:
                d.text = _renamed(d, {k: axes.canonical_letter(v) for k, v in clash.items()})
        return indices, overrides

    # ---- 8. blocks
    def _block_notes(self, roles, axes: "Axes", families: dict[str, dict], overrides: dict[int, dict]) -> None:
        doc = self.doc
        tags = Counter(b.tag for b in doc.blocks if b.tag)
        first_scope = {c.exprs[0].scope: c for c in self.read.chains if c.exprs}
        for scope, letters in overrides.items():
            chain = first_scope.get(scope)
            if chain is None:
                continue
            for block in chain.blocks:
                self.block_notes[block].setdefault("indices", {}).update(letters)
        for d in self.definitions.values():
            if d.blocks is not None:
                for block in d.blocks:
                    self.block_notes[block].setdefault("definitions", []).append(d.text)
        self._conditions()
        self._at_a_point()
        self._arbitrary_variables()
        self._continuations(tags)
        self._generic_blocks()
        self._one_sample_blocks(axes, families)
        for chain in self.read.chains:
            if chain.update and chain.blocks:
                self.block_notes[chain.blocks[0]]["kind"] = "definition"
                self.note("stated", f"line {doc.source_line(doc.blocks[chain.blocks[0]].line)} defines the next "
                          "iterate of an update rule; it is not a step")

    def _conditions(self) -> None:
        """``- if $i = j$:`` before a display, or ``$∂S_i/∂z_j, i \\neq j$`` naming a chain's start."""
        for chain in self.read.chains:
            if not chain.exprs:
                continue
            block = self.doc.blocks[chain.blocks[0]]
            m = CUES_CONDITION.search(block.before)
            if m:
                conditions = _index_conditions(m.group(1), self.scanner)
                free = _free_letters(chain, self.scanner)
                conditions = [c for c in conditions if {c.split()[0], c.split()[-1]} <= free]
                if conditions:
                    self._assume(chain.blocks[0], conditions, block.line)
        self._heading_conditions()
        for item, _ in self.read.inline:
            parts = [item.text[a:b].strip() for a, b in split_top_level(item.text, ",")]
            if len(parts) < 2:
                continue
            _, head = read_math(parts[0])
            if head is None:
                continue
            conditions = [c for part in parts[1:] for c in _index_conditions(part, self.scanner)]
            if not conditions:
                continue
            for chain in self.read.chains:
                if chain.exprs and chain.exprs[0].node == head:
                    self._assume(chain.blocks[0], conditions, item.line)

    def _at_a_point(self) -> None:
        """"The gradient vanishes if and only if $q = \\tilde y$; … for any other class," before an
        equation with no derivative in it: it holds at that point, and is no identity."""
        for chain in self.read.chains:
            if not chain.exprs or any(isinstance(x, n.Deriv) for e in chain.exprs for x in n.walk(e.node)):
                continue
            block = self.doc.blocks[chain.blocks[0]]
            cue = point_cue(block.before)
            if cue:
                self.block_notes[chain.blocks[0]]["kind"] = "conditional"
                self.note("stated", f"the display on line {self.doc.source_line(block.line)} holds at a particular "
                          f"point (\"{cue}\"): not read as an identity")

    def _heading_conditions(self) -> None:
        """``## Case 2: $i \\neq j$``: the condition holds for the chains under the heading, up to the
        next heading of its level or above, or to prose that joins the cases ("both cases together")."""
        marks = headings(self.doc)
        for at, heading in enumerate(marks):
            if not CUES_HEADING_CONDITION.search(heading.text):
                continue
            stated = [c for math in re.findall(r"\$([^$]+)\$", heading.text)
                      for c in _index_conditions(math, self.scanner)]
            if not stated:
                continue
            end = next((h.start for h in marks[at + 1:] if h.level <= heading.level), len(self.doc.text))
            joined = CUES_CASES_END.search(self.doc.text, heading.end, end)
            end = joined.start() if joined else end
            for chain in self.read.chains:
                if not chain.exprs or not heading.end <= self.doc.blocks[chain.blocks[0]].start < end:
                    continue
                free = _free_letters(chain, self.scanner)
                conditions = [c for c in stated if {c.split()[0], c.split()[-1]} <= free]
                if conditions:
                    self._assume(chain.blocks[0], conditions, self.doc.line_of(heading.start))

    def _arbitrary_variables(self) -> None:
        """"For any $z$:" before a display, or ``\\frac{d}{da} \\tanh(a)`` where a is elsewhere always
        indexed (a_j): there the letter is a free variable, whatever it is elsewhere."""
        parameters = CONVENTIONS["weights"] | CONVENTIONS["bias"] | CONVENTIONS["input"] | CONVENTIONS["label"]
        scalar_arguments = self._scalar_arguments()
        for chain in self.read.chains:
            if chain.skipped:
                continue
            bare, indexed, wrts = set(), set(), set()
            for e in chain.exprs:
                for x in n.walk(e.node):
                    if isinstance(x, n.Deriv):
                        wrts.add(x.wrt.name if isinstance(x.wrt, n.Sym) else None)
                    if isinstance(x, n.Scripted) and isinstance(x.base, n.Sym) and (x.sub or split_sup(x.sup)[0]):
                        indexed.add(x.base.name)
                    elif isinstance(x, n.Sym):
                        bare.add(x.name)
            for name in sorted(((wrts | scalar_arguments) & bare) - indexed - parameters - {None}):
                uses = self.scanner.uses.get(name)
                if uses is not None and uses.indexed and (name in scalar_arguments
                                                          or not uses.bare - {chain.exprs[0].scope}):
                    for block in chain.blocks:
                        self.block_notes[block].setdefault("symbols", {})[name] = "variable"
        for block in self.doc.blocks:
            for m in CUES_ARBITRARY.finditer(block.before):
                _, node = read_math(m.group(1))
                if isinstance(node, n.Sym) and node.name not in RESERVED:
                    self.block_notes[block.index].setdefault("symbols", {})[node.name] = "variable"
                    self.note("stated", f"in the display on line {self.doc.source_line(block.line)}, ${node.name}$ is "
                              "any number (the text says so)")

    def _scalar_arguments(self) -> set[str]:
        """The argument of a function defined on numbers (``\\sigma(a) = \\frac{1}{1 + e^{-a}}``, a
        never indexed in the body): wherever it stands bare, it is that number, even if a_n exists."""
        out = set()
        for d in self.definitions.values():
            if isinstance(d.lhs, n.Call) and len(d.lhs.args) == 1 and isinstance(d.lhs.args[0], n.Sym):
                name = d.lhs.args[0].name
                if not any(isinstance(x, n.Scripted) and x.base == n.Sym(name) and x.sub for x in n.walk(d.rhs)):
                    out.add(name)
        return out

    def _assume(self, block: int, conditions: list[str], line: int) -> None:
        notes = self.block_notes[block].setdefault("assume", [])
        for c in conditions:
            if c not in notes:
                notes.append(c)
                self.note("stated", f"the display on line {self.doc.source_line(self.doc.blocks[block].line)} "
                          f"assumes ${c}$ (line {line})", line)

    def _continuations(self, tags: Counter) -> None:
        for block in self.doc.blocks:
            m = CUES_CONTINUES.search(block.before)
            if m and tags.get(m.group(1)) == 1:
                self.block_notes[block.index]["continues"] = f"({m.group(1)})"
                self.note("stated", f"the display on line {self.doc.source_line(block.line)} continues equation "
                          f"({m.group(1)}): \"{m.group(0)}\"")

    def _generic_blocks(self) -> None:
        """A rule stated for generic functions (the chain rule for g(f(x))): its letters are
        functions and variables there, whatever they are elsewhere."""
        for chain in self.read.chains:
            if not chain.generic:
                continue
            calls = {x.head.name for e in chain.exprs for x in n.walk(e.node)
                     if isinstance(x, n.Call) and isinstance(x.head, n.Sym) and len(x.head.name) == 1}
            wrts = {head_name(x.wrt) for e in chain.exprs for x in n.walk(e.node) if isinstance(x, n.Deriv)}
            local = self._local_definitions(chain, wrts)
            functions = sorted(calls)
            variables = sorted(v for v in wrts if v and v not in local)
            for block in chain.blocks:
                notes = self.block_notes[block]
                notes["functions"] = functions
                notes.setdefault("symbols", {}).update({v: "variable" for v in variables})
                if local:
                    notes.setdefault("definitions", []).extend(local.values())
            self.note("stated", f"line {self.doc.source_line(self.doc.blocks[chain.blocks[0]].line)} states a rule "
                      f"for generic functions ${'$, $'.join(functions)}$; there they are not the document's symbols")

    def _local_definitions(self, chain: ChainExprs, wrts: set) -> dict[str, str]:
        """Inline definitions right after a generic block (``where $u = f(x)$``) belong to it."""
        out = {}
        last = chain.blocks[-1]
        for item, parts in self.read.inline:
            if item.next_block != last + 1 and not (item.next_block is None and last == len(self.doc.blocks) - 1):
                continue
            if len(parts) == 2 and parts[1][0] == "=" and parts[0][1] is not None and parts[1][1] is not None:
                name = head_name(parts[0][1].node)
                if name in wrts:
                    out[name] = f"{parts[0][1].text} = {parts[1][1].text}"
                    if name in self.definitions and self.definitions[name].how == "inline":
                        del self.definitions[name]
        return out

    def _one_sample_blocks(self, axes: "Axes", families: dict[str, dict]) -> None:
        """``P(y=1|x)`` where x is elsewhere ``x^{(i)}`` (or y is elsewhere ``y_n``): in that display it is
        one sample. A bare ``Y`` that is elsewhere ``Y_{nk}`` is the whole matrix (``(P - Y)/N``)."""
        sampled = {name: fam for name, fam in families.items()
                   if (any(axes.role_of_slot(s) == "samples" for s in fam["sup"])
                       or [axes.role_of_slot(s) for s in fam["sub"]] == ["samples"])
                   and self.scanner.uses[name].indexed}
        for chain in self.read.chains:
            if chain.skipped:
                continue
            used = defaultdict(set)
            for e in chain.exprs:
                for x in n.walk(e.node):
                    if isinstance(x, n.Sym) and x.name in sampled:
                        used[x.name].add("bare")
                    elif isinstance(x, n.Scripted) and isinstance(x.base, n.Sym) and x.base.name in sampled:
                        used[x.base.name].add("indexed")
            for name, how in used.items():
                if how == {"bare"}:
                    fam = sampled[name]
                    entry = _family_entry(name, fam, axes, drop="samples")
                    for block in chain.blocks:
                        self.block_notes[block].setdefault("symbols", {}).update(entry)

    # ---- 9. the header
    def _header(self, axes: "Axes", families: dict[str, dict], indices: dict[str, str], targets) -> dict:
        sizes = {}
        for name, role in axes.sizes.items():
            sizes[name] = role if role in SIZE_DEFAULTS and role in DEFAULT_SIZES else SIZE_DEFAULTS.get(role, 2)
        symbols = {}
        for name, fam in sorted(families.items()):
            symbols.update(_family_entry(name, fam, axes))
        indices = dict(indices)
        indices.update({l: s for s, l in axes.canonical.items() if l not in indices})
        indices.update({l: s for l, s in axes.extra.items() if l not in indices})
        definitions = [d.text for d in sorted(self.definitions.values(), key=lambda d: d.line)
                       if d.blocks is None]
        header: dict = {"derivcheck": 1, "inferred": True, "sizes": sizes, "indices": dict(sorted(indices.items())),
                        "symbols": symbols, "definitions": definitions}
        if self.read.names:
            header["names"] = sorted(f"{a}_{b}" for a, b in self.read.names)
        functions = sorted({name for name, fam in families.items() if fam["role"] == "function"})
        if functions:
            header["functions"] = functions
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
        assumptions = [x.text for x in self.notes if x.kind == "stated" and "one-hot" in x.text]
        if assumptions:
            header["assumptions"] = assumptions
        blocks = []
        tags = Counter(b.tag for b in self.doc.blocks if b.tag)
        for index, note in sorted(self.block_notes.items()):
            block = self.doc.blocks[index]
            at = f"({block.tag})" if block.tag and tags[block.tag] == 1 else f"line {self.doc.source_line(block.line)}"
            blocks.append({"at": at, **note})
        if blocks:
            header["blocks"] = blocks
        return header



def _bases(exprs: list[Expr]) -> set[str]:
    """Symbols written with an index or applied: ``t`` in ``t_n`` (a target), not in ``x_t``."""
    return {head_name(x) for e in exprs for x in n.walk(e.node)
            if isinstance(x, (n.Scripted, n.Call))} - {None}


def _diagonal(d: Definition) -> Definition:
    """``R_{nn} = y_n(1 - y_n)`` of "the diagonal matrix R": ``R_{nn'} = \\delta_{nn'} (y_n(1 - y_n))``.
    (Read as written, it defines the diagonal only, and the evaluator refuses the other entries.)"""
    items = index_items(d.lhs.sub) if isinstance(d.lhs, n.Scripted) and d.lhs.sub else []
    if not (len(items) == 2 and isinstance(items[0], n.Sym) and items[0] == items[1]):
        return d
    letter = items[0].name
    lhs, rhs = f"{to_latex(d.lhs.base)}_{{{letter} {letter}'}}", f"\\delta_{{{letter} {letter}'}} \\left({to_latex(d.rhs)}\\right)"
    return replace(d, lhs=parse_expression(lhs), rhs=parse_expression(rhs), text=f"{lhs} = {rhs}")


def _names_used(nodes: Iterable[n.Node]) -> set[str]:
    """Every symbol written in the derivation's displays (bases, calls, bare letters). ``T`` is a
    symbol (a target matrix) only in a text that writes its transposes ``^\\top``, never ``^T``."""
    out: set[str] = set()
    transposes_by_t = False
    for node in nodes:
        for x in n.walk(node):
            if isinstance(x, n.Scripted) and isinstance(x.base, n.Sym):
                out.add(x.base.name)
            elif isinstance(x, n.Sym):
                out.add(x.name)
            if isinstance(x, n.Scripted) and x.sup == n.Sym("T"):
                transposes_by_t = True
    if transposes_by_t:
        out.discard("T")
    return out - RESERVED


def _index_conditions(text: str, scanner: Scanner) -> list[str]:
    """``i = j``, ``i \\neq j`` between index letters, as assumption strings."""
    out = []
    parts = split_relations(text)
    if len(parts) != 2:
        return out
    (_, left), (rel, right) = parts
    if rel in ("=", "\\neq") and re.fullmatch(r"[a-z]", left.strip() or "-") and re.fullmatch(r"[a-z]", right.strip() or "-"):
        if scanner.is_index_letter(left.strip()) and scanner.is_index_letter(right.strip()):
            out.append(f"{left.strip()} {rel} {right.strip()}")
    return out


def _free_letters(chain: ChainExprs, scanner: Scanner) -> set[str]:
    letters = {name for name in scanner.letter_scopes}
    out: set[str] = set()
    for e in chain.exprs:
        out |= n.free_indices(e.node, letters)
    return out


def _slot_list(g: Group) -> str:
    names = sorted({s[0] for s in g.slots})
    return ", ".join(f"${x}$" for x in names[:4])


def _canonical(latex: str) -> str:
    _, node = read_math(latex)
    return head_name(node) if node is not None else latex


def _entry_text(name: str, fam: dict, axes: Axes, letters: dict[str, str]) -> str | None:
    """``\\Theta_{d,k}``: a family's entry at the axes' letters (by role), in its own layout."""
    try:
        sub = [letters[axes.role_of_slot(s)] for s in fam["sub"]] + [letters[axes.sizes.get(x)] for x in fam["shape"]]
        sup = [letters[axes.role_of_slot(s)] for s in fam["sup"]]
    except KeyError:
        return None
    return _pattern_text(name, sub, sup)


def _family_entry(name: str, fam: dict, axes: Axes, drop: str | None = None) -> dict:
    """The header's ``symbols`` entry for a family: pattern -> role (and shape)."""
    sub = [axes.canonical_letter(axes.size_of_slot(s)) for s in fam["sub"] if axes.role_of_slot(s) != drop]
    sup = [axes.canonical_letter(axes.size_of_slot(s)) for s in fam["sup"] if axes.role_of_slot(s) != drop]
    pattern = _pattern_text(name, sub, sup)
    if fam["shape"]:
        return {pattern: {"role": fam["role"], "shape": list(fam["shape"])}}
    return {pattern: fam["role"]}


def _pattern_text(name: str, sub: list[str], sup: list[str]) -> str:
    return name + ("_{" + ",".join(sub) + "}" if sub else "") + ("^{(" + ",".join(sup) + ")}" if sup else "")


def _data_likelihood(node: n.Node) -> bool:
    """``p(\\mathbf{T} \\mid \\mathbf{w}_1, \\dots, \\mathbf{w}_K)``: the likelihood of a whole data set (a
    capital event, or a list of parameters), which no per-example definition says how to compute."""
    for x in n.walk(node):
        if isinstance(x, n.Given):
            event = head_name(x.event) if is_pattern(x.event) else None
            if event is not None and event[:1].isupper() or any(isinstance(y, n.Dots) for y in n.walk(x.condition)):
                return True
    return False


def _definition_from_text(text: str, name: str, how: str, blocks) -> Definition | None:
    lhs_text, _, rhs_text = text.partition(" = ")
    _, lhs = read_math(lhs_text)
    _, rhs = read_math(rhs_text)
    if lhs is None or rhs is None:
        return None
    return Definition(name, lhs, rhs, 0, how, -1, text, tuple(blocks) if blocks is not None else None)


def _renamed(d: Definition, mapping: dict[str, str]) -> str:
    """A definition's text with its own index letters renamed (they mean other sizes elsewhere)."""
    def rename(x: n.Node) -> n.Node:
        if isinstance(x, n.Sym) and x.name in mapping:
            return n.Sym(mapping[x.name])
        if isinstance(x, n.Sum) and x.index in mapping:
            return replace(x, index=mapping[x.index])
        return x
    return f"{to_latex(n.rebuild(d.lhs, rename))} = {to_latex(n.rebuild(d.rhs, rename))}"


def _slice(text: str, node: n.Node) -> str:
    """The author's own text for ``node``."""
    a, b = node.span
    return text[a:b].strip() if b > a else to_latex(node)
