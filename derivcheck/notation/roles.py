"""Roles: what each symbol is to the model (weights, bias, input, label, variable).

From use (what the loss is differentiated by is a parameter; what the weights multiply is the
input; the factor beside a logarithm in a cross-entropy is the label), from what the text states
($T > 0$, $\\sum_i p_i = 1$), and from the conventions of the field (conventions.py).
"""

from __future__ import annotations

from ..latex import nodes as n
from .axes import head_name, label_value
from .conventions import (CONVENTIONS, NOT_ONE_HOT, ONE_HOT, POSITIVE, RESERVED, SUMS_TO_ONE, conventional,
                          is_conventional, stem)
from .definitions import other_forms
from .evidence import Evidence
from .gather import Expr
from .statements import mentions_log_or_square


def find_targets(ev: Evidence) -> list[tuple[Expr, n.Deriv]]:
    """Chain starts that differentiate the loss by a parameter: the gradients to be derived."""
    out = []
    for chain in ev.read.chains:
        if not chain.exprs or chain.skipped:
            continue
        first = chain.exprs[0]
        node = first.node
        if not isinstance(node, n.Deriv):
            continue
        of, wrt = head_name(node.body), head_name(node.wrt)
        if of is None or wrt is None or not is_loss(ev, of) or not _is_parameter(ev, wrt):
            continue
        out.append((first, node))
    return out


def is_loss(ev: Evidence, name: str) -> bool:
    """A loss by name (J, L, E …), defined by the first step of its gradient, or a named objective."""
    d = ev.definitions.get(name)
    return is_conventional(name, "loss") or (d is not None and (d.how == "first step" or mentions_log_or_square(d.rhs)
                                                              and name.startswith("\\operatorname")))


def _is_parameter(ev: Evidence, name: str) -> bool:
    if name in ev.definitions:
        return False
    if is_conventional(name, "weights", "bias"):
        return True
    return not is_conventional(name, "input", "label", "logits", "prediction", "loss")


def find_roles(ev: Evidence, targets) -> dict[str, str]:
    """Each symbol's role, from use first (what the loss is differentiated by), then from what the
    text states, then from the conventions of the field."""
    roles: dict[str, str] = {}
    for _, node in targets:
        name = head_name(node.wrt)
        roles[name] = "bias" if is_conventional(name, "bias") else "weights"
    if not any(r == "weights" for r in roles.values()):
        for name in sorted(conventional(ev.names, "weights")):
            if name not in ev.definitions:
                roles.setdefault(name, "weights")
    for name in sorted(conventional(ev.names, "bias")):
        # a network's b is a bias where a layer label says whose (b^{(L)}); bare, it may be anything
        if name not in ev.definitions and (ev.model in ("softmax", "logistic", "linear", None) or stem(name) != name):
            roles.setdefault(name, "bias")
    for name in sorted(conventional(ev.names, "input")):
        if name not in ev.definitions:
            roles.setdefault(name, "input")
    if not any(r == "input" for r in roles.values()):
        for name in sorted(_multiplied_by_weights(ev, roles)):
            roles.setdefault(name, "input")     # a_{nc} = w_c^T φ_n: what the weights multiply
    for name in sorted(_counts(ev) - set(roles) - set(ev.definitions)):
        roles[name] = "positive"
        ev.note("stated", f"${name}$ is a count (the text writes ${name}!$): read as a positive number")
    for name in sorted(conventional(ev.names, "label") | _cross_entropy_labels(ev) | ev.stated_labels):
        if (name not in ev.definitions or other_forms(ev, name)) and name not in roles:
            roles[name] = "label"
    for name, role in _stated_roles(ev).items():
        if name in ev.names and name not in ev.definitions and name not in roles:
            roles[name] = role
    for name in ev.names:
        uses = ev.scanner.uses.get(name)
        if name not in roles and uses is not None and uses.wrt and name not in ev.definitions \
                and not uses.differentiated:
            # what a derivative is taken by is a variable; but one the text itself differentiates by
            # something else (∂μ/∂x_i of a batch mean stated in words) depends on that, in a way no
            # formula says: it stays unknown, and steps through its derivative are not decided
            roles[name] = "variable"
    for name in sorted(conventional(ev.names, "logits")):
        if name not in roles and name not in ev.definitions and _feeds_a_softmax(ev, name):
            roles[name] = "variable"    # the softmax of z, z never defined: z is the free input
    return roles


def _feeds_a_softmax(ev: Evidence, name: str) -> bool:
    return any(isinstance(x, (n.Sym, n.Scripted)) and head_name(x) == name
               for d in ev.definitions.values() for s in n.walk(d.rhs) if n.is_exponential(s)
               for x in n.walk(s))


def _counts(ev: Evidence) -> set[str]:
    """What the text writes a factorial of (a Poisson likelihood's ``y_i!``): a count, never negative,
    so a sampled point that refutes a step never sets it below zero."""
    return {name for chain in ev.read.chains for e in chain.exprs for x in n.walk(e.node)
            if isinstance(x, n.Call) and isinstance(x.head, n.Sym) and x.head.name == n.FACTORIAL
            and len(x.args) == 1 and (name := head_name(x.args[0])) is not None and name in ev.names}


def _stated_roles(ev: Evidence) -> dict[str, str]:
    """"$T > 0$": a positive constant; "$\\sum_i p_i = 1$" of a symbol no convention calls a
    label: a distribution (its entries sum to one)."""
    out: dict[str, str] = {}
    for item, _ in ev.read.inline:
        m = POSITIVE.match(item.text)
        if m:
            out.setdefault(m.group(1), "positive")
            ev.note("stated", f"${m.group(1)}$ is a positive number (the text says so, line {item.line})")
        m = SUMS_TO_ONE.match(item.text)
        if m and m.group(2) not in CONVENTIONS["label"]:
            out[m.group(2)] = "distribution"
            ev.note("stated", f"the entries of ${m.group(2)}$ sum to one (the text says so, line {item.line})")
    return out


def _multiplied_by_weights(ev: Evidence, roles: dict[str, str]) -> set[str]:
    """Undefined symbols a definition multiplies by the weights (the features, however named)."""
    weights = {x for x, r in roles.items() if r == "weights"}
    out: set[str] = set()
    for d in ev.definitions.values():
        for x in n.walk(d.rhs):
            if isinstance(x, n.Mul) and any(head_name(f) in weights for f in x.factors):
                for f in x.factors:
                    name = head_name(f)
                    if name and name not in weights and name not in ev.definitions and name not in roles \
                            and not is_conventional(name, "constant") and name not in RESERVED:
                        out.add(name)
    return out


def _cross_entropy_labels(ev: Evidence) -> set[str]:
    """In ``-Σ_k A_k log B_k`` the factor beside the logarithm is the label (even ``\\hat{y}``)."""
    out = set()
    for d in ev.definitions.values():
        for x in n.walk(d.rhs):
            if isinstance(x, n.Mul) and any(isinstance(f, n.Apply) and f.func in ("log", "ln") for f in x.factors):
                for f in x.factors:
                    name = head_name(f) if isinstance(f, (n.Sym, n.Scripted)) else None
                    if name and name not in ev.definitions and name not in CONVENTIONS["prediction"] - {"\\hat{y}"}:
                        out.add(name)
    return out


def labels_used_as_classes(ev: Evidence, roles: dict[str, str]) -> dict[str, str]:
    """Labels used as an index or compared with one (``a_y``, ``1\\{y^{(i)}=k\\}``) are class labels."""
    out = {}
    for name, role in roles.items():
        if role == "label" and ev.scanner.uf.parent.get(label_value(name)) is not None:
            out[name] = "class label"
    return out


def label_kind(ev: Evidence, name: str, by_class: bool) -> str:
    """A label indexed by class is one-hot where the text says so. Where it does not, it is any numbers
    (a label may be soft, or counts), and one-hot is another reading of the text (ev.unstated_one_hot):
    a step that holds only then says so."""
    if by_class:
        if ONE_HOT.search(ev.doc.text):
            ev.note("stated", f"${name}$ is a one-hot label (the text says so)")
            return "one-hot label"
        if NOT_ONE_HOT.search(ev.doc.text):
            ev.note("stated", f"${name}$ is not one-hot (the text says so): read as any numbers")
            return "variable"
        ev.unstated_one_hot.add(name)
        ev.note("convention", f"${name}$ is indexed by class, and the document never says it is one-hot: read "
                  "as any numbers, and, where a step needs it, as a one-hot label (not stated)")
    return "variable"
