"""Which model a derivation trains, read from its loss: softmax, logistic, or least squares.

The loss says it. A loss that reads a label (a one-hot label or a class label) over classes is
softmax regression. Otherwise the target is the symbol of role ``variable`` that appears beside the
inputs in one of the loss's additive terms (``t_n`` in ``½ Σ_n (wᵀx_n − t_n)²``); a variable that
appears only beside the weights (``λ`` in ``(λ/2) Σ_j w_j²``) is the loss's own L2 strength, given
the value of ``--l2``. A loss with a logarithm is then the binary cross-entropy of logistic
regression; a loss with no logarithm and no exponential is the squared error of least squares
(ridge, with its own penalty). Anything else is named in one sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..latex import nodes as n
from ..notation.header import LABEL_ROLES, Notation

SOFTMAX, LOGISTIC, LEAST_SQUARES = "softmax regression", "logistic regression", "least squares"
TRAINABLE = ("derivcheck trains softmax regression, logistic regression (a sigmoid with binary cross-entropy) "
             "and least squares or ridge regression")


class UntrainableError(ValueError):
    """The derivation's model is none of the trainable ones; the message says which are."""


@dataclass(frozen=True)
class Kind:
    """The model, the family the data's targets stand for, and the loss's own L2 strength."""
    name: str
    target: str | None = None         # a variable family (None: the label roles carry the targets)
    penalty: str | None = None        # a variable family that is λ

    @property
    def task(self) -> str:
        """The kind of target the model learns: classes, two classes, or real numbers."""
        return {SOFTMAX: "classes", LOGISTIC: "binary", LEAST_SQUARES: "real"}[self.name]


def classify(notation: Notation, loss: n.Node, weights: str) -> Kind:
    """The model of a derivation whose loss is ``loss`` and whose trained weights are ``weights``."""
    used = uses(notation, loss)
    other_weights = sorted(f for f in used if notation.families[f].role == "weights" and f != weights)
    if other_weights:
        raise UntrainableError(f"{TRAINABLE}; this loss has weights besides {weights} ({', '.join(other_weights)}): "
                               f"a model with more than one layer")
    roles = [_role_of_size(notation, s) for s in _sizes_of(notation, weights)]
    if "features" not in roles:
        raise UntrainableError(f"{TRAINABLE}, with one weight per feature; {weights} has no index over the "
                               f"features")
    has_classes = "classes" in roles
    if any(notation.families[f].role in LABEL_ROLES for f in used):
        if not has_classes:
            raise UntrainableError(f"{TRAINABLE}; this loss reads a label over classes, but {weights} has no "
                                   f"index that counts the classes")
        return Kind(SOFTMAX)
    target, penalty = _target_and_penalty(notation, loss, used)
    if has_classes:
        raise UntrainableError(f"{TRAINABLE}; {weights} has an index over classes, but the loss reads no label")
    functions = {x.func for x in _expanded_nodes(notation, loss) if isinstance(x, n.Apply)}
    exponentials = any(n.is_exponential(x) for x in _expanded_nodes(notation, loss))
    if functions & {"log", "ln"}:
        return Kind(LOGISTIC, target, penalty)
    if not functions and not exponentials:
        return Kind(LEAST_SQUARES, target, penalty)
    raise UntrainableError(f"{TRAINABLE}; this loss is none of these: it applies "
                           f"{', '.join(sorted(functions)) or 'exp'} to its target {target} and takes no "
                           f"logarithm of a probability")


def _target_and_penalty(notation: Notation, loss: n.Node, used: set[str]) -> tuple[str, str | None]:
    """The variable beside the inputs, and the variable beside the weights alone (if any)."""
    beside_inputs: set[str] = set()
    beside_weights: set[str] = set()
    for term in additive_terms(notation, loss):
        names = uses(notation, term)
        roles = {notation.families[f].role for f in names}
        variables = {f for f in names if notation.families[f].role == "variable"}
        if "input" in roles:
            beside_inputs |= variables
        elif "weights" in roles:
            beside_weights |= variables
    if len(beside_inputs) != 1:
        found = ", ".join(sorted(beside_inputs)) or "none"
        raise UntrainableError(f"{TRAINABLE}; this loss has no single target beside its inputs (variables found: "
                               f"{found})")
    penalty = beside_weights - beside_inputs
    if len(penalty) > 1:
        raise UntrainableError(f"{TRAINABLE}; this loss has several constants beside its weights "
                               f"({', '.join(sorted(penalty))}), not one L2 strength")
    return beside_inputs.pop(), penalty.pop() if penalty else None


def uses(notation: Notation, node: n.Node, seen: frozenset = frozenset()) -> set[str]:
    """The declared families ``node`` reads, through the definitions it uses."""
    out: set[str] = set()
    for x in n.walk(node):
        if not isinstance(x, n.Sym):
            continue
        if x.name in notation.families:
            out.add(x.name)
        for defn in notation.definitions_of(x.name):
            if defn.text not in seen:
                out |= uses(notation, defn.rhs, seen | {defn.text})
    return out


def additive_terms(notation: Notation, node: n.Node, seen: frozenset = frozenset()) -> list[n.Node]:
    """The terms a loss adds up: through brackets, negations, sums and the definitions of the
    symbols it is (L = E_D + λE_W is two terms)."""
    if isinstance(node, (n.Group, n.Neg)):
        return additive_terms(notation, node.arg, seen)
    if isinstance(node, n.Add):
        return [t for term in node.terms for t in additive_terms(notation, term, seen)]
    if isinstance(node, n.Sum) and not node.product:
        return additive_terms(notation, node.body, seen)
    head = node.head if isinstance(node, n.Call) else node
    base = head.base if isinstance(head, n.Scripted) else head
    if isinstance(base, n.Sym) and base.name not in notation.families:
        for defn in notation.definitions_of(base.name)[:1]:
            if defn.text not in seen:
                return additive_terms(notation, defn.rhs, seen | {defn.text})
    return [node]


def _expanded_nodes(notation: Notation, node: n.Node, seen: frozenset = frozenset()):
    """Every node of ``node`` and of the definitions it uses."""
    for x in n.walk(node):
        yield x
        if isinstance(x, n.Sym):
            for defn in notation.definitions_of(x.name):
                if defn.text not in seen:
                    seen = seen | {defn.text}
                    yield from _expanded_nodes(notation, defn.rhs, seen)


def _sizes_of(notation: Notation, family: str) -> list[str]:
    fam = notation.families[family]
    return [notation.indices[a] for a in fam.axes if a in notation.indices] + list(fam.shape)


def _role_of_size(notation: Notation, size: str) -> str:
    return notation.size_roles.get(size, "")
