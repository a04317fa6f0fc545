"""A loss the text differentiates and never defines: backpropagation from an upstream gradient.

Backprop notes start from "the gradient of the loss f with respect to the layer's output, ∂f/∂y_i",
and never say what f is. Read as an unknown symbol, ``∂f/∂γ`` and ``Σ_i ∂f/∂y_i x̂_i`` are two unrelated
unknowns and nothing is decided. Read as any function of the layer's output y (meaning/abstract.py), the
chain rule relates them, and a step is proved where it holds for every such function. The output is the
one quantity the text differentiates f by that no definition uses: nothing lies between it and f.
"""

from __future__ import annotations

from ..latex import nodes as n
from .axes import head_name
from .evidence import Evidence


def upstream_losses(ev: Evidence, families: dict[str, dict]) -> dict[str, str]:
    """Each never-defined scalar the text differentiates by defined quantities: the one it is a function of."""
    out: dict[str, str] = {}
    for name, fam in sorted(families.items()):
        if fam["role"] != "unknown" or fam["sub"] or fam["sup"] or fam.get("shape") or name in ev.definitions:
            continue
        # what the definitions use, but δ_i = ∂f/∂y_i (a name for the gradient itself) uses y for nothing
        used = {x.name for d in ev.definitions.values() if not _of(d.rhs, name)
                for x in n.walk(d.rhs) if isinstance(x, n.Sym)}
        outputs = {x for x in _differentiated_by(ev, name) if x in ev.definitions and x not in used}
        if len(outputs) == 1:
            out[name] = outputs.pop()
            ev.note("convention", f"${name}$ is differentiated and never defined: read as any function of "
                                  f"${out[name]}$, the quantity it is differentiated by that nothing else uses")
    return out


def _of(node: n.Node, name: str) -> bool:
    """Whether ``node`` differentiates ``name``."""
    return any(isinstance(x, n.Deriv) and head_name(x.body) == name for x in n.walk(node))


def _differentiated_by(ev: Evidence, name: str) -> set[str]:
    found: set[str] = set()
    for chain in ev.read.chains:
        for e in chain.exprs:
            for x in n.walk(e.node):
                if isinstance(x, n.Deriv) and head_name(x.body) == name and isinstance(n.ungroup(x.body), n.Sym):
                    wrt = head_name(x.wrt)
                    if wrt is not None:
                        found.add(wrt)
    return found
