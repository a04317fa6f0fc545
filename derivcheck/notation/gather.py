"""Everything a document says, parsed once: chains, standalone displays, inline math and where-clauses.

The readers of the inference (definitions.py, roles.py, shapes.py, model.py, conditions.py,
blocks.py) never parse; they walk what is gathered here. Each expression keeps its scope (one per
chain, display or inline fragment), its display and its line.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..latex import nodes as n
from ..latex import rules
from ..latex.errors import LatexError
from ..latex.macros import expand
from ..latex.parse import parse_expression
from ..read.source import Document, Inline, inline_math, split_relations, split_top_level
from .axes import head_name, index_items, split_sup
from .conventions import RESERVED
from .names import DIFFERENTIALS, numbered_layers, relabel, squares_renamed, subscript_letters, writes_differentials


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
    restricted: bool = False        # its sum runs where a condition in words holds (where y_i = 1)

    @property
    def skipped(self) -> bool:
        """Chains that say nothing about the document's own symbols."""
        return self.update or self.generic or self.restricted


def read_math(text: str, macros: dict | None = None) -> tuple[str, n.Node | None]:
    """The reading derivcheck judges (the author's macros expanded, damage repaired, slips applied)
    and its parse, if any."""
    repaired, _ = rules.apply(expand(text, macros), "damage", None)
    reading, _ = rules.apply(repaired, "slip", None)
    try:
        return reading, parse_expression(reading)
    except LatexError:
        return reading, None


def _inline_items(doc: Document) -> list[Inline]:
    """Every piece of inline math and every where-clause, a list of equations cut into one item each
    ("where $g_i = e^{a_i}, h_i = \\sum_k e^{a_k}$": two definitions, not one equation with a comma in it)."""
    out: list[Inline] = []
    for item in inline_math(doc) + _where_clauses(doc):
        pieces = [item.text[a:b].strip() for a, b in split_top_level(item.text, ",")]
        if len(pieces) > 1 and all(len(split_relations(p)) > 1 for p in pieces):
            out += [replace(item, text=p) for p in pieces]
        else:
            out.append(item)
    return out


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
                text, node = read_math(piece.text, doc.macros)
                if node is not None:
                    exprs.append(Expr(node, text, scope, piece.block, piece.line))
                elif piece is chain.first:
                    break           # an unreadable start: nothing below can be tied to it
            restricted = any(p.restriction or p.case for p in pieces)   # Σ_i log p_i where y_i = 1, a row
            # for the case y = 1: no definition
            self.chains.append(ChainExprs(exprs, list(chain.blocks), _is_update(exprs), restricted=restricted))
            scope += 1
        self.names = _capital_labels(self.all_nodes(), doc.text) | variable_labels(self.all_nodes()) | \
            _size_labels(self.all_nodes(), doc.text) | squares_renamed(self.all_nodes(), self._equations(doc)) | \
            numbered_layers(self.all_nodes()) | \
            ({DIFFERENTIALS} if writes_differentials(self.all_nodes()) else frozenset())
        if self.names:
            self._relabel()
        _mark_generic(self.chains)
        for piece in doc.lone:
            text, node = read_math(piece.text, doc.macros)
            if node is not None:
                self.lone.append(Expr(node, text, scope, piece.block, piece.line))
            scope += 1
        for item in _inline_items(doc):
            parts = []
            for rel, part in split_relations(item.text):
                text, node = read_math(part, doc.macros) if part else (part, None)
                if node is not None:
                    node = relabel(node, self.names)
                parts.append((rel, Expr(node, text, scope, None, item.line) if node is not None else None))
            self.inline.append((item, parts))
            scope += 1

    def _equations(self, doc: Document) -> list[tuple[n.Node, n.Node]]:
        """Each chain's first two sides, and each equation in the prose and in a display's where-clauses."""
        out = [(c.exprs[0].node, c.exprs[1].node) for c in self.chains if len(c.exprs) > 1]
        for item in _inline_items(doc):
            parts = split_relations(item.text)
            if len(parts) >= 2 and parts[1][0] == "=" and parts[0][1] and parts[1][1]:
                lhs, rhs = read_math(parts[0][1], doc.macros)[1], read_math(parts[1][1], doc.macros)[1]
                if lhs is not None and rhs is not None:
                    out.append((lhs, rhs))
        return out

    def all_nodes(self) -> list[n.Node]:
        return [e.node for c in self.chains for e in c.exprs] + [e.node for e in self.lone]

    def _relabel(self) -> None:
        for e in [e for chain in self.chains for e in chain.exprs] + self.lone:
            e.node = relabel(e.node, self.names)

    def chain_exprs(self) -> list[Expr]:
        return [e for c in self.chains if not c.skipped for e in c.exprs]

    def words(self) -> str:
        return self.doc.text


#: Letters that name a count when written with a one-letter subscript: n_x (the inputs' size), d_k.
COUNT_LETTERS = frozenset("nNmMdD")
_REAL_SPACE = re.compile(r"\\mathbb\{R\}\^\{([^{}$]*)\}")


def _size_labels(nodes: list[n.Node], text: str) -> frozenset[tuple[str, str]]:
    """``n_x``, ``n_h`` (Ng's sizes of x and of the hidden layer): a count letter with a one-letter subscript,
    used as a size: inside ``\\mathbb{R}^{n_h \\times n_x}`` or as a sum's upper limit. Its subscript is part
    of its name (the size of x), not an index."""
    found: set[tuple[str, str]] = set()
    for m in _REAL_SPACE.finditer(text):
        found |= {(a, b) for a, b in re.findall(r"(?<![\\A-Za-z])([nNmMdD])_\{?([a-z])\}?", m.group(1))}
    for node in nodes:
        for x in n.walk(node):
            bound = x.upper if isinstance(x, n.Sum) else None
            if isinstance(bound, n.Scripted) and isinstance(bound.base, n.Sym) and bound.base.name in COUNT_LETTERS:
                letters = subscript_letters(bound)
                if letters and len(letters) == 1:
                    found.add((bound.base.name, letters[0]))
    return frozenset(found)


#: Small Greek letters: a statistic written with a capital label (``\\mu_B``, ``\\sigma^2_B``: the batch's) is a name.
_GREEK = frozenset(f"\\{g}" for g in ("alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu",
                                       "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "psi", "omega"))


def _capital_labels(nodes: list[n.Node], text: str) -> frozenset[tuple[str, str]]:
    """``E_D`` (or ``\\mu_B``) beside no size D: the D is part of the name (Bishop's E_D and E_W, a batch's
    mean), not an index."""
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
                        (x.base.name.startswith("\\") and x.base.name[1:2].isupper()) or x.base.name in _GREEK:
                    pairs.add((x.base.name, x.sub[0].name))
                else:
                    sizes.add(x.sub[0].name)     # x_D: the last entry, D is a size
    return frozenset(p for p in pairs if p[1] not in sizes)


def variable_labels(nodes: list[n.Node]) -> frozenset[tuple[str, str]]:
    """``J_x``, ``f_{w,b}``, ``h_\\theta``, ``W_{xh}``: subscripts made of letters the text uses as variables
    elsewhere (a base with its own indices, what a derivative is taken by, an operand, compared with a
    number) and that no sum binds or counts to. Such a subscript names the symbol (the Jacobian by x, a
    function with parameters w and b); it is no index. A base written elsewhere with an ordinary index
    (``p_i`` beside ``p_y``) keeps its subscripts as indices: there ``y`` is a class."""
    bound, variables = set(), set()
    scripted = []
    for node in nodes:
        _variable_uses(node, variables)
        for x in n.walk(node):
            if isinstance(x, n.Sum):
                bound.add(x.index)
                if isinstance(x.upper, n.Sym):
                    bound.add(x.upper.name)
            elif isinstance(x, n.Scripted):
                scripted.append(x)
    def labels(x: n.Scripted) -> list[str] | None:
        letters = subscript_letters(x)
        return letters if letters and all(c in variables and c not in bound for c in letters) else None
    indexed = {x.base.name for x in scripted if isinstance(x.base, n.Sym) and x.sub and labels(x) is None}
    return frozenset((x.base.name, ",".join(labels(x))) for x in scripted
                     if labels(x) and x.base.name not in RESERVED and x.base.name not in indexed)


def _variable_uses(node: n.Node, out: set[str]) -> None:
    """Names ``node`` uses as quantities: bases, operands, derivative variables, sides compared with numbers
    (never what stands in a subscript, or a sum's bounds)."""
    if isinstance(node, n.Sym):
        out.add(node.name)
    elif isinstance(node, n.Scripted):
        if isinstance(node.base, n.Sym):
            out.add(node.base.name)
        else:
            _variable_uses(node.base, out)
        if node.sup is not None and not isinstance(node.sup, n.Group):
            _variable_uses(node.sup, out)
    elif isinstance(node, n.Sum):
        _variable_uses(node.body, out)
    elif isinstance(node, n.Rel):
        if isinstance(node.rhs, n.Num) or isinstance(node.lhs, n.Num):
            for side in (node.lhs, node.rhs):
                _variable_uses(side, out)
    else:
        for child in n.children(node):
            _variable_uses(child, out)


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


def bases(exprs: list[Expr]) -> set[str]:
    """Symbols written with an index or applied: ``t`` in ``t_n`` (a target), not in ``x_t``."""
    return {head_name(x) for e in exprs for x in n.walk(e.node)
            if isinstance(x, (n.Scripted, n.Call))} - {None}


def names_used(nodes: Iterable[n.Node]) -> set[str]:
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
