"""The parsed meaning of one side of a step, before the notation says what its symbols are.

Nodes are frozen and compare by content; ``span`` (the characters of the parsed text a node came
from) is left out of comparison so equal sub-expressions are equal wherever they stand. Spans let a
repair be written as an edit of the author's own text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

Span = tuple[int, int]


@dataclass(frozen=True)
class Num:
    text: str
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Sym:
    """A named symbol: a letter, ``\\theta``, ``\\hat{y}``, ``\\mathcal{J}``. Bold is only style."""
    name: str
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Scripted:
    """``base_{sub}^{sup}``; ``sub`` is the comma list inside the subscript."""
    base: "Node"
    sub: tuple["Node", ...] | None = None
    sup: "Node | None" = None
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Call:
    """``head(args)``: function application or multiplication, decided by the notation."""
    head: "Node"
    args: tuple["Node", ...]
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Add:
    terms: tuple["Node", ...]
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Neg:
    arg: "Node"
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Mul:
    factors: tuple["Node", ...]
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Hadamard:
    """Elementwise ``\\odot`` (or ``\\oslash``, elementwise division)."""
    left: "Node"
    right: "Node"
    op: str = "\\odot"
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Div:
    num: "Node"
    den: "Node"
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Sqrt:
    arg: "Node"
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Norm:
    """``\\|v\\|``: the Euclidean norm of a vector (Frobenius for a matrix)."""
    arg: "Node"
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Group:
    """Parentheses, brackets or braces around one expression."""
    arg: "Node"
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Vector:
    """A written list ``[a, b, \\dots, c]``: a row vector whose entries may include Dots."""
    entries: tuple["Node", ...]
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Matrix:
    """A matrix environment; rows of cells, cells may be Dots."""
    rows: tuple[tuple["Node", ...], ...]
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Dots:
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Rel:
    op: str
    lhs: "Node"
    rhs: "Node"
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Given:
    """``A | B`` inside ``P(A | B)``."""
    event: "Node"
    condition: "Node"
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Indicator:
    """``\\mathbf{1}\\{y = k\\}`` or ``1(k = y_i)``."""
    condition: Rel
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Cases:
    """``\\begin{cases} a & \\text{if } i = j \\\\ b & \\text{otherwise} \\end{cases}``: the value of
    the first branch whose condition holds; a condition of None is "otherwise"."""
    branches: tuple[tuple["Node", "Rel | None"], ...]
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Sum:
    """``\\sum`` (or ``\\prod``) binding ``index``; bounds may be None (range from the notation)."""
    index: str
    lower: "Node | None"
    upper: "Node | None"
    conditions: tuple[Rel, ...]
    body: "Node"
    product: bool = False
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Deriv:
    """Derivative of ``body`` with respect to ``wrt``; ``gradient`` for ``\\nabla``."""
    body: "Node"
    wrt: "Node"
    gradient: bool = False
    span: Span = field(default=(0, 0), compare=False, repr=False)
    #: written as an operator before its operand (``\\frac{\\partial}{\\partial x} a b``), not as a fraction
    operator: bool = field(default=False, compare=False, repr=False)


@dataclass(frozen=True)
class Apply:
    """A named elementary function: log, exp, ln, tanh ..."""
    func: str
    arg: "Node"
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Text:
    text: str
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Transpose:
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Underbrace:
    body: "Node"
    label: str
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class At:
    """``\\left. f \\right|_{x=a}`` (or ``f(x)\\big|_{x=a}``): ``body`` evaluated where the left side
    of each relation of ``point`` (a variable) takes the value of its right side."""
    body: "Node"
    point: tuple[Rel, ...]
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Unknown:
    """A command derivcheck does not know; evaluating it is reported as unsupported."""
    name: str
    span: Span = field(default=(0, 0), compare=False, repr=False)


Node = Union[Num, Sym, Scripted, Call, Add, Neg, Mul, Hadamard, Div, Sqrt, Norm, Group, Vector, Matrix, Dots,
             Rel, Given, Indicator, Cases, Sum, Deriv, Apply, Text, Transpose, Underbrace, At, Unknown]

#: The symbol used for an indicator function (``\\mathbf{1}``, ``\\mathbb{1}``, ``\\mathbb{I}``).
INDICATOR = "\\mathbb{1}"
#: ``⟨a, b⟩``: an inner product, read as the sum of the entrywise products (a Hadamard node with this op).
INNER = "\\langle"
#: The ops of a Hadamard node that sum the entrywise products: the Frobenius ``A : B`` and ``⟨a, b⟩``.
SUM_OF_PRODUCTS = frozenset({":", INNER})
#: The factorial ``y!``: a function by name (meaning/functions.py gives its value).
FACTORIAL = "\\operatorname{factorial}"


_FIELDS: dict[type, tuple[str, ...]] = {}


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of ``node``, for walks that do not care about node kinds."""
    cls = type(node)
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = tuple(f for f in getattr(cls, "__dataclass_fields__", {}) if f != "span")
    out: list[Node] = []
    for name in fields:
        value = getattr(node, name)
        if isinstance(value, tuple):
            for item in value:
                if isinstance(item, tuple):
                    out.extend(x for x in item if _is_node(x))
                elif _is_node(item):
                    out.append(item)
        elif _is_node(value):
            out.append(value)
    return tuple(out)


def walk(node: Node):
    """Pre-order traversal of ``node`` and everything below it."""
    yield node
    for child in children(node):
        yield from walk(child)


def ungroup(node: Node) -> Node:
    """What a bracket holds (``node`` itself where it is no bracket)."""
    return node.arg if isinstance(node, Group) else node


def _is_node(value: object) -> bool:
    return hasattr(value, "__dataclass_fields__") and hasattr(value, "span")


def rebuild(node: Node, fn) -> Node:
    """``node`` with ``fn`` applied bottom-up to every node (``fn`` returns a node)."""
    changes = {}
    for name in getattr(node, "__dataclass_fields__", {}):
        if name == "span":
            continue
        value = getattr(node, name)
        new = _rebuild_value(value, fn)
        if new is not value:
            changes[name] = new
    if changes:
        from dataclasses import replace
        node = replace(node, **changes)
    return fn(node)


def _rebuild_value(value, fn):
    if _is_node(value):
        return rebuild(value, fn)
    if isinstance(value, tuple):
        items = tuple(_rebuild_value(v, fn) for v in value)
        return items if any(a is not b for a, b in zip(items, value)) else value
    return value


def free_indices(node: Node, letters, bound: frozenset = frozenset()) -> set[str]:
    """Names in ``letters`` used in ``node`` and not bound by a sum inside it."""
    if isinstance(node, Sum):
        out = set()
        for part in (node.lower, node.upper):
            if part is not None:
                out |= free_indices(part, letters, bound)
        inner = bound | {node.index}
        for cond in node.conditions:
            out |= free_indices(cond, letters, inner)
        return out | free_indices(node.body, letters, inner)
    if isinstance(node, Sym):
        return {node.name} if node.name in letters and node.name not in bound else set()
    out = set()
    for child in children(node):
        out |= free_indices(child, letters, bound)
    return out


def is_exponential(node: Node) -> bool:
    """``e^{…}``, ``\\exp(…)``, possibly in brackets: the body of a softmax denominator."""
    while isinstance(node, Group):
        node = node.arg
    if isinstance(node, Apply) and node.func == "exp":
        return True
    return isinstance(node, Scripted) and isinstance(node.base, Sym) and node.base.name == "e" \
        and node.sub is None and node.sup is not None
