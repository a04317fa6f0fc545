"""What an equation in a document states, read from its parsed form: definitions and their patterns.

Pure functions on nodes, used by the notation inference (infer.py): whether a left side can name
a symbol (``p_k``, ``g_k(z)``, ``P(y = k | x)``), the pattern of a vector's entries
(``(e^{z_1}, …, e^{z_C})`` is ``e^{z_i}``), the loss a first step differentiates
(``-∂/∂Θ (Σ …)`` is ``-Σ …``), and a definition written out inside another (folded into it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..latex import nodes as n
from .axes import INDEX_LETTER, head_name, index_items, split_sup
from .conventions import RESERVED


@dataclass
class Definition:
    name: str
    lhs: n.Node
    rhs: n.Node
    line: int
    how: str                        # "display" | "inline" | "entries" | "first step" | "convention"
    scope: int
    text: str = ""
    blocks: tuple[int, ...] | None = None   # only in these blocks


def is_pattern(node: n.Node) -> bool:
    """Whether ``node`` can be the left side of a definition: ``p_k``, ``g_k(z)``, ``P(y=k|x)``."""
    if isinstance(node, n.Call):
        return _is_symbol_pattern(node.head) and all(_is_parameter(a) for a in node.args)
    return _is_symbol_pattern(node)


def dependency_head(node: n.Node) -> n.Node | None:
    """``E(w_1, \\dots, w_K)``, ``J(\\theta_0, \\theta_1)``: a symbol followed by the list of what it depends
    on (numbered members, with dots or all of them), which names no parameters; the symbol alone. None for
    anything else."""
    if not (isinstance(node, n.Call) and _is_symbol_pattern(node.head)):
        return None
    listed = [a.arg if isinstance(a, n.Group) else a for a in node.args]
    numbered = [a for a in listed if isinstance(a, n.Scripted) and isinstance(a.base, n.Sym) and a.sub
                and all(isinstance(i, (n.Num, n.Sym)) for i in index_items(a.sub))]
    if any(isinstance(a, n.Dots) for a in listed) and len(numbered) + 1 == len(listed):
        return node.head
    if len(listed) > 1 and len(numbered) == len(listed) and \
            all(isinstance(i, n.Num) for a in numbered for i in index_items(a.sub)):
        return node.head    # J(\theta_0, \theta_1): the numbered parameters it depends on, every one
    return None


def _is_symbol_pattern(node: n.Node) -> bool:
    if isinstance(node, n.Sym):
        return node.name not in RESERVED
    if isinstance(node, n.Scripted) and isinstance(node.base, n.Sym):
        sups, power, transposed = split_sup(node.sup)
        if power is not None or transposed:
            return False
        items = index_items(node.sub) + sups
        if node.base.name in RESERVED and not (node.base.name in ("\\delta", "e") and len(items) == 1):
            return False        # δ_j = ∂L/∂z_j, e_j = e^{x_j}: the text's own, never Kronecker's or a basis vector
        return bool(items) and all(isinstance(i, n.Sym) and INDEX_LETTER.match(i.name) for i in items)
    return False


def _is_parameter(node: n.Node) -> bool:
    if isinstance(node, n.Group):
        node = node.arg
    if isinstance(node, n.Sym):
        return True
    if isinstance(node, n.Scripted):
        return _is_symbol_pattern(node)
    if isinstance(node, n.Given):
        return _is_parameter(node.event) and _is_parameter(node.condition)
    if isinstance(node, n.Rel):
        return node.op == "=" and _is_parameter(node.lhs) and _is_parameter(node.rhs)
    return False


def entries(node: n.Node) -> list[n.Node] | None:
    """The entries of a written vector (a one-column or one-row matrix, or a bracket list)."""
    if isinstance(node, n.Scripted) and node.sub is None and split_sup(node.sup)[2]:
        node = node.base                    # (y_1, …, y_n)^\top
    while isinstance(node, n.Group):
        node = node.arg
    if isinstance(node, n.Vector):
        return list(node.entries)
    if isinstance(node, n.Matrix):
        if all(len(r) == 1 for r in node.rows):
            return [r[0] for r in node.rows]
        if len(node.rows) == 1:
            return list(node.rows[0])
    return None


def entry_pattern(lhs: list[n.Node] | None, rhs: list[n.Node], fresh: str):
    """One entry pattern for both sides: entries 1, 2 (or a lettered one) differ only at the
    position index, and the last entry is the pattern at the size. With ``lhs`` None (the entries
    of a bare symbol, ``a = [e^{z_1}, …, e^{z_C}]``) the result is (letter, entry pattern)."""
    if lhs is None:
        found = entry_pattern(rhs, rhs, fresh)
        if found is None:
            return None
        pattern, _ = found
        position = next((x.name for x in n.walk(pattern) if isinstance(x, n.Sym) and x.name not in
                         _symbol_names(rhs[0])), None)
        return (position, pattern) if position else None
    pairs = [(a, b) for a, b in zip(lhs, rhs) if not isinstance(a, n.Dots) and not isinstance(b, n.Dots)]
    if len(pairs) < 2:
        return None
    first_l, first_r = pairs[0]
    for other_l, other_r in pairs[1:]:
        name = _varying_letter(first_l, other_l) or _varying_letter(first_r, other_r) or fresh
        pattern = _generalize(first_l, other_l, name)
        body = _generalize(first_r, other_r, name)
        if pattern is None or body is None or not mentions(pattern, name):
            continue
        last_l, last_r = pairs[-1]
        size_leaf = _leaf_at(pattern, last_l, name)
        if size_leaf is None or _substitute(pattern, name, size_leaf) != last_l \
                or _substitute(body, name, size_leaf) != last_r:
            continue
        return pattern, body
    return None


def _symbol_names(node: n.Node) -> set[str]:
    return {x.name for x in n.walk(node) if isinstance(x, n.Sym)}


def _varying_letter(a: n.Node, b: n.Node) -> str | None:
    """The index letter an entry is written with (``e^{z_i}`` among ``e^{z_1}``, ``e^{z_C}``)."""
    for x, y in ((a, b), (b, a)):
        diff = _first_difference(x, y)
        if diff is not None and isinstance(diff[1], n.Sym) and INDEX_LETTER.match(diff[1].name):
            return diff[1].name
    return None


def _first_difference(a: n.Node, b: n.Node):
    if type(a) is not type(b):
        return (a, b)
    kids_a, kids_b = n.children(a), n.children(b)
    if not kids_a and not kids_b:
        return None if a == b else (a, b)
    if len(kids_a) != len(kids_b) or shallow(a) != shallow(b):
        return (a, b)
    for x, y in zip(kids_a, kids_b):
        d = _first_difference(x, y)
        if d is not None:
            return d
    return None


def shallow(node: n.Node) -> tuple:
    """The non-node fields of a node (operator, sum index, function name)."""
    return tuple((k, getattr(node, k)) for k in getattr(node, "__dataclass_fields__", {})
                 if k != "span" and isinstance(getattr(node, k), (str, bool)))


def _is_position(node: n.Node) -> bool:
    return isinstance(node, n.Num) and node.text.isdigit() or \
        isinstance(node, n.Sym) and (INDEX_LETTER.match(node.name) is not None or node.name.isupper())


def _generalize(a: n.Node, b: n.Node, name: str) -> n.Node | None:
    """``a`` with the leaves where ``a`` and ``b`` differ (positions) replaced by ``name``."""
    if a == b:
        return a
    if _is_position(a) and _is_position(b):
        return n.Sym(name)
    if type(a) is not type(b) or shallow(a) != shallow(b):
        return None
    kids_a, kids_b = n.children(a), n.children(b)
    if len(kids_a) != len(kids_b):
        return None
    out = []
    for x, y in zip(kids_a, kids_b):
        g = _generalize(x, y, name)
        if g is None:
            return None
        out.append(g)
    mapping = {id(x): g for x, g in zip(kids_a, out)}
    return _replace_children(a, mapping)


def _replace_children(node: n.Node, mapping: dict[int, n.Node]) -> n.Node:
    changes = {}
    for k in getattr(node, "__dataclass_fields__", {}):
        if k == "span":
            continue
        value = getattr(node, k)
        if id(value) in mapping:
            changes[k] = mapping[id(value)]
        elif isinstance(value, tuple):
            changes[k] = tuple(
                tuple(mapping.get(id(x), x) for x in v) if isinstance(v, tuple) else mapping.get(id(v), v)
                for v in value)
    return replace(node, **changes)


def mentions(node: n.Node, name: str) -> bool:
    return any(isinstance(x, n.Sym) and x.name == name for x in n.walk(node))


def _leaf_at(pattern: n.Node, entry: n.Node, name: str) -> n.Node | None:
    """What ``entry`` has where ``pattern`` has the position letter."""
    if isinstance(pattern, n.Sym) and pattern.name == name:
        return entry
    if type(pattern) is not type(entry):
        return None
    for x, y in zip(n.children(pattern), n.children(entry)):
        found = _leaf_at(x, y, name)
        if found is not None:
            return found
    return None


def _substitute(node: n.Node, name: str, value: n.Node) -> n.Node:
    return n.rebuild(node, lambda x: value if isinstance(x, n.Sym) and x.name == name else x)


def strip_derivative(node: n.Node, wrt: n.Node) -> n.Node | None:
    """``-Σ_k ∂/∂X (a_k)`` -> ``-Σ_k a_k`` when every term is a derivative by ``wrt`` times factors
    that do not involve what it differentiates (linearity)."""
    if isinstance(node, n.Deriv):
        return node.body if node.wrt == wrt else None
    if isinstance(node, n.Group):
        inner = strip_derivative(node.arg, wrt)
        return None if inner is None else n.Group(inner)
    if isinstance(node, n.Neg):
        inner = strip_derivative(node.arg, wrt)
        return None if inner is None else n.Neg(inner)
    if isinstance(node, n.Sum):
        inner = strip_derivative(node.body, wrt)
        return None if inner is None else replace(node, body=inner)
    if isinstance(node, n.Add):
        terms = [strip_derivative(t, wrt) for t in node.terms]
        return None if None in terms else n.Add(tuple(terms))
    if isinstance(node, n.Mul):
        stripped = [(i, strip_derivative(f, wrt)) for i, f in enumerate(node.factors)]
        found = [(i, s) for i, s in stripped if s is not None]
        if len(found) != 1 or any(isinstance(x, n.Deriv) for f in node.factors for x in n.walk(f)
                                  if f is not node.factors[found[0][0]]):
            return None
        i, s = found[0]
        inside = {x.name for x in n.walk(s) if isinstance(x, n.Sym)}
        if any(isinstance(x, n.Sym) and x.name in inside for f in node.factors[:i] + node.factors[i + 1:]
               for x in n.walk(f)):
            return None     # Σ t_k (1/y_k) ∂y_k/∂a: a factor that varies with what is differentiated
        return n.Mul(node.factors[:i] + (s,) + node.factors[i + 1:])
    return None


def mentions_log_or_square(node: n.Node) -> bool:
    """A negative log-likelihood or a squared error: what a named objective (NLL, MSE) is made of."""
    return any(isinstance(x, n.Apply) and x.func in ("log", "ln") or isinstance(x, n.Scripted) and x.sup == n.Num("2")
               or isinstance(x, n.Norm) for x in n.walk(node))


def fold(node: n.Node, part: Definition) -> n.Node:
    """``node`` with every occurrence of ``part``'s right side replaced by its left side."""
    letters = {x.name for x in n.walk(part.lhs) if isinstance(x, n.Sym)} - {part.name}

    def visit(x: n.Node) -> n.Node:
        inner = x.arg if isinstance(x, n.Group) else x
        mapping = _match(part.rhs, inner, letters, {}) if x is not node else None   # an alias is not folded
        if mapping is not None:
            return n.rebuild(part.lhs, lambda y: n.Sym(mapping[y.name]) if isinstance(y, n.Sym) and y.name in mapping else y)
        return x
    return n.rebuild(node, visit)


def _match(pattern: n.Node, node: n.Node, letters: set[str], mapping: dict) -> dict | None:
    """``node`` as an instance of ``pattern`` whose index ``letters`` may stand for other letters."""
    if isinstance(pattern, n.Sym) and pattern.name in letters:
        if not isinstance(node, n.Sym) or mapping.setdefault(pattern.name, node.name) != node.name:
            return None
        return mapping
    if type(pattern) is not type(node) or shallow(pattern) != shallow(node):
        return None
    kids_p, kids_n = n.children(pattern), n.children(node)
    if len(kids_p) != len(kids_n):
        return None
    if not kids_p:
        return mapping if pattern == node else None
    for a, b in zip(kids_p, kids_n):
        if _match(a, b, letters, mapping) is None:
            return None
    return mapping


def part_names(before: n.Node, after: n.Node) -> str:
    """The symbols a folded definition now goes through (for its note)."""
    names = {head_name(x) for x in n.walk(after) if isinstance(x, (n.Scripted, n.Sym))} - \
        {head_name(x) for x in n.walk(before) if isinstance(x, (n.Scripted, n.Sym))}
    return "$, $".join(sorted(x for x in names if x))


def refers_to_itself(d: Definition) -> bool:
    """``z = (z_1, …, z_C)`` does; ``y_{nc} = \\mathbb{I}(y_n = c)`` does not (y_n is another form)."""
    own = arity(d.lhs)
    if entries(d.rhs) is not None and mentions(d.rhs, d.name):
        return True         # y = (y_1, …, y_n): a vector of its own entries says its shape, not what it is
    bases = set()
    for x in n.walk(d.rhs):
        if isinstance(x, n.Scripted) and isinstance(x.base, n.Sym) and x.base.name == d.name:
            bases.add(id(x.base))
            if arity(x) == own:
                return True
        elif isinstance(x, n.Sym) and x.name == d.name and id(x) not in bases:
            return True
    return False


def arity(pattern: n.Node) -> int:
    """How many indices a definition's left side binds."""
    head = pattern.head if isinstance(pattern, n.Call) else pattern
    if not isinstance(head, n.Scripted):
        return 0
    return len(index_items(head.sub) if head.sub else []) + len(split_sup(head.sup)[0])


def has_parameters(lhs: n.Node) -> bool:
    return isinstance(lhs, n.Call)


def written_symbols(node: n.Node) -> set[str]:
    """The symbols an expression is written with, leaving out its indices and bounds."""
    out: set[str] = set()
    if isinstance(node, n.Sum):
        return written_symbols(node.body) - {node.index}
    if isinstance(node, n.Scripted):
        return written_symbols(node.base) | (written_symbols(node.sup) if node.sup is not None
                                              and not split_sup(node.sup)[0] else set())
    if isinstance(node, n.Sym):
        return {node.name} if not node.name.startswith("\\mathbb{1}") else set()
    for child in n.children(node):
        out |= written_symbols(child)
    return out
