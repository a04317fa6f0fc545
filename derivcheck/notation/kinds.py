"""What kind of thing a letter is, said in words: "$A$ is a matrix, $x$ the unknown vector, $b$ the data
vector". One kind of evidence: the prose names the kind and the products say the sizes. A matrix
written before a vector (``Ax``) has as many columns as the vector has entries, and a vector added to
that product (``Ax - b``) as many entries as the matrix has rows; the rows are a size of their own.
"""

from __future__ import annotations

from ..latex import nodes as n
from .axes import Axes, head_name
from .conventions import KIND_AFTER, KIND_BEFORE
from .evidence import Evidence


def kinds_in_words(ev: Evidence) -> dict[str, str]:
    """Letter -> "matrix" or "vector", where the prose says which (the first statement counts)."""
    text = ev.doc.text[ev.doc.body_start:]
    found = [(m.start(), m.group("name"), m.group("kind").lower()) for pattern in (KIND_AFTER, KIND_BEFORE)
             for m in pattern.finditer(text)]
    out: dict[str, str] = {}
    for _, name, kind in sorted(found):
        out.setdefault(name, kind)
    return out


def shape_by_kind(ev: Evidence, families: dict[str, dict], axes: Axes, done: set[str]) -> set[str]:
    """Give each letter the prose calls a matrix or a vector, written with no index, the shape its
    products imply; return the names shaped."""
    kinds = {name: kind for name, kind in kinds_in_words(ev).items()
             if name in families and name not in done and not families[name]["sub"] and not families[name]["sup"]
             and not families[name]["shape"]}
    if not kinds:
        return set()
    nodes = [e.node for e in ev.read.chain_exprs()] + [d.rhs for d in ev.definitions.values()]
    columns = {m: v for m, v in _matrix_times_vector(nodes, kinds, families)}
    shaped: set[str] = set()
    for name, kind in sorted(kinds.items()):
        fam = families[name]
        if kind == "matrix" and name in columns:
            fam["sub"] = [axes.axis("samples"), _length(families[columns[name]], axes)]
        elif kind == "vector":
            rows = _added_to_product(nodes, name, {m for m in columns})
            fam["sub"] = [axes.axis("samples") if rows else axes.axis("features")]
        else:
            continue
        if fam["role"] in ("unknown", "bias"):
            fam["role"] = "variable"
        ev.shaped.add(name)
        shaped.add(name)
        ev.note("stated", f"${name}$ is a {kind} (the text says so): "
                          f"{' × '.join(axes.size_of_slot(s) or '?' for s in fam['sub'])}")
    return shaped


def _length(vector: dict, axes: Axes) -> tuple:
    """The axis a vector's entries run over: its one index, or the features."""
    slots = vector["sub"] or vector["shape"]
    if len(slots) == 1 and isinstance(slots[0], tuple):
        return slots[0]
    if len(slots) == 1:
        return ("size", slots[0])
    return axes.axis("features")


def _matrix_times_vector(nodes, kinds: dict[str, str], families: dict[str, dict]):
    """(matrix, vector) for each product that writes a matrix the prose names right before a vector."""
    for node in nodes:
        for x in n.walk(node):
            if not isinstance(x, n.Mul):
                continue
            heads = [head_name(f) for f in x.factors]
            for a, b in zip(heads, heads[1:]):
                if kinds.get(a) == "matrix" and b in families and (kinds.get(b) == "vector" or _is_vector(families[b])):
                    yield a, b


def _is_vector(fam: dict) -> bool:
    return len(fam["sub"]) + len(fam["shape"]) == 1 and not fam["sup"]


def _added_to_product(nodes, name: str, matrices: set[str]) -> bool:
    """Whether ``name`` is added to (or subtracted from) a product that starts with one of ``matrices``."""
    for node in nodes:
        for x in n.walk(node):
            if not isinstance(x, n.Add):
                continue
            terms = [t.arg if isinstance(t, n.Neg) else t for t in x.terms]
            if any(head_name(t) == name for t in terms) and \
                    any(isinstance(t, n.Mul) and head_name(t.factors[0]) in matrices for t in terms):
                return True
    return False
