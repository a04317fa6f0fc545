"""What the symbols of a derivation mean: sizes, index letters, symbol roles, definitions.

A notation comes from the YAML header an instructor writes on top of a derivation (see README,
"Derivation format"), or from inference (infer.py) for a document with none. It is data only;
meaning/evaluate.py gives it meaning at concrete sizes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import Any

from ..latex import nodes as n
from ..latex.errors import LatexError
from ..latex.parse import parse_expression
from .einstein import implied_sums
from .names import DIFFERENTIALS, NUMBERED, SQUARED, differential_names, relabel, subscript_letters
from .scope import extended_sums

#: Default value of each size role; `--sizes K=4,D=3` overrides by role name or by symbol.
DEFAULT_SIZES = {"classes": 3, "features": 2, "samples": 2}
ROLE_OF_FLAG = {"K": "classes", "C": "classes", "D": "features", "N": "samples", "M": "samples",
                "m": "samples", "n": "samples"}

#: A header may fix a size (``sizes: {T: 5}``); beyond this it is refused.
MAX_DECLARED_SIZE = 1000

ROLES = {"variable", "weights", "bias", "input", "positive", "one-hot label", "class label", "function", "unknown",
         "distribution", "vector function"}
LABEL_ROLES = {"one-hot label", "class label"}


class NotationError(ValueError):
    """The header is not a valid notation; the message names the key."""


@dataclass(frozen=True)
class Family:
    """A declared symbol: ``base`` indexed by ``sub_axes``/``sup_axes``, each member of ``shape``.

    ``\\Theta_{ij}`` declares a matrix (axes i, j); ``x^{(i)}`` with shape [D] declares one
    D-vector per sample i. For a one-hot label the last axis is the one-hot entry.
    """
    name: str
    sub_axes: tuple[str, ...]
    sup_axes: tuple[str, ...]
    shape: tuple[str, ...]
    role: str

    @property
    def axes(self) -> tuple[str, ...]:
        return self.sup_axes + self.sub_axes


@dataclass(frozen=True)
class Definition:
    """``lhs = rhs`` where lhs is a pattern: head symbol, index letters it binds, parameters."""
    text: str
    name: str
    sub_axes: tuple[str, ...]
    sup_axes: tuple[str, ...]
    params: tuple[n.Node, ...] | None
    rhs: n.Node
    lhs: n.Node


@dataclass(frozen=True)
class Target:
    """A gradient the derivation is meant to arrive at: d(loss)/d(wrt)."""
    of: str
    wrt: str


@dataclass(frozen=True)
class BlockNote:
    """Instructions for one display block, selected by tag, line or LaTeX snippet."""
    at: str
    assume: tuple[str, ...] = ()
    continues: str | None = None
    kind: str | None = None
    onward: bool = False
    overrides: dict[str, Any] | None = None


@dataclass(frozen=True)
class Notation:
    sizes: dict[str, int]
    size_roles: dict[str, str]
    indices: dict[str, str]
    families: dict[str, Family]
    definitions: tuple[Definition, ...]
    functions: frozenset[str]
    layout: str = "numerator"
    targets: tuple[Target, ...] = ()
    assumptions: tuple[str, ...] = ()
    blocks: tuple[BlockNote, ...] = ()
    names: frozenset[tuple[str, str]] = frozenset()   # E_D: a subscript that is part of a name
    readings: tuple[dict[str, Any], ...] = ()          # other readings of the text (with_reading)
    ambiguous: frozenset[str] = frozenset()            # symbols the text gives two meanings: never refuted
    graph_nodes: frozenset[str] = frozenset()          # statistics a local derivative may hold fixed (batch norm's μ)
    fixed_sizes: frozenset[str] = frozenset()          # sizes the text gives a number and a role ({K: {role: classes, value: 3}})
    shapes_stated: frozenset[str] = frozenset()        # symbols whose shape the text states (X ∈ R^{N×D})
    binary: frozenset[str] = frozenset()               # symbols the text says are 0 or 1 (y^{(i)} ∈ {0, 1})
    upstream: dict[str, str] = field(default_factory=dict)  # a loss never defined -> what it is any function of
    einstein: bool = False                             # an index written twice in a term is summed
    operator_scope: str = "bracket"                    # ∂/∂x (A)(B): "bracket" takes (A), "product" (A)(B); "factor": ∂/∂x a b takes a
    differentials: frozenset[str] = frozenset()        # dx is x's differential, for these variables x
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def relabel(self, node: n.Node) -> n.Node:
        """``node`` as the notation reads it: every ``E_D`` it lists as a name written as that one
        symbol, and the summed letter of ``\\sum_{i \\neq j}`` put right (summed_letter)."""
        return summed_letter(sample_calls(relabel(node, self.names) if self.names else node))

    @functools.cached_property
    def indexed_letters(self) -> frozenset[str]:
        """One-letter names written with a subscript (for the slip rules, latex/rules.py)."""
        names = {name for name, fam in self.families.items() if fam.sub_axes}
        names |= {d.name for d in self.definitions if d.sub_axes}
        return frozenset(name for name in names if len(name) == 1)

    @functools.cached_property
    def label_letters(self) -> frozenset[str]:
        """One-letter class labels (for the slip rules, latex/rules.py)."""
        return frozenset(name for name, fam in self.families.items() if fam.role in LABEL_ROLES and len(name) == 1)

    def size_of_index(self, letter: str) -> int | None:
        size = self.indices.get(letter)
        return None if size is None else self.sizes[size]

    def definitions_of(self, name: str) -> list[Definition]:
        return [d for d in self.definitions if d.name == name]

    def shapes_from_text(self, *nodes: n.Node) -> bool:
        """Whether the text states the shape of every symbol ``nodes`` write (through the definitions
        they use): then two sides of different shapes are a finding about the step, not about a reading."""
        names: set[str] = set()
        todo = list(nodes)
        while todo:
            for x in n.walk(todo.pop()):
                if isinstance(x, n.Sym) and x.name not in names:
                    names.add(x.name)
                    todo.extend(d.rhs for d in self.definitions_of(x.name))
        written = {name for name in names if name in self.families}
        return bool(written) and written <= self.shapes_stated and not names & self.ambiguous

    def declared(self, name: str) -> bool:
        return (name in self.families or bool(self.definitions_of(name)) or name in self.sizes
                or name in self.functions)

    def _t_is_a_number(self) -> bool:
        """Whether ``^T`` can be a power: T is a size or a quantity the text declares. A function T (an
        exponential family's sufficient statistic ``T(y) = y``) has no value alone, so ``θ^T`` stays a transpose."""
        if "T" in self.functions or not self.declared("T"):
            return False
        defs = self.definitions_of("T")
        return not defs or any(d.params is None for d in defs)

    def declared_bare(self, name: str) -> bool:
        """Whether ``name`` written with no index is declared (``e`` is a symbol, not Euler's number, only
        then: ``e_j = e^{x_j}`` names the entries and leaves ``e^{x}`` the exponential)."""
        fam = self.families.get(name)
        return (fam is not None and not fam.sub_axes and not fam.sup_axes
                or any(not d.sub_axes and not d.sup_axes for d in self.definitions_of(name))
                or name in self.sizes or name in self.functions)

    def takes_sup_index(self, name: str) -> bool:
        """Whether ``name^{(k)}`` is an index (θ^{(k)}, x^{(i)}) rather than a power."""
        fam = self.families.get(name)
        if fam is not None:
            return bool(fam.sup_axes)
        return any(d.sup_axes for d in self.definitions_of(name))

    def names_sample(self, item: n.Node) -> bool:
        """``(i)`` with i a sample index: ``\\hat{y}^{(i)}`` is example i, whatever else ŷ is."""
        return isinstance(item, n.Sym) and self.size_roles.get(self.indices.get(item.name)) == "samples"

    def superscript(self, node: n.Scripted) -> tuple[tuple[n.Node, ...], n.Node | None, bool]:
        """(indices in parentheses, power, transposed?) that a superscript means here."""
        sup = node.sup
        if sup is None:
            return (), None, False
        if isinstance(sup, n.Transpose) or (isinstance(sup, n.Sym) and sup.name == "T" and not self._t_is_a_number()):
            return (), None, True
        transposed = False
        if isinstance(sup, n.Mul) and isinstance(sup.factors[-1], n.Transpose):
            transposed = True
            rest = sup.factors[:-1]
            sup = rest[0] if len(rest) == 1 else n.Mul(rest)
        if isinstance(sup, n.Group) and isinstance(node.base, n.Sym) and (self.takes_sup_index(node.base.name)
                                                                       or self.names_sample(sup.arg)):
            inner = sup.arg
            return (tuple(inner.entries) if isinstance(inner, n.Vector) else (inner,)), None, transposed
        return (), sup, transposed

    def with_overrides(self, overrides: dict[str, Any]) -> "Notation":
        """This notation with a block's own keys laid over it (later keys win). A symbol a block
        declares is what the block says, not what a definition elsewhere made it."""
        merged = dict(self.raw)
        for key, value in overrides.items():
            if key in ("indices", "symbols", "sizes") and isinstance(value, dict):
                merged[key] = {**merged.get(key, {}), **value}
            elif key in ("definitions", "functions") and isinstance(value, list):
                merged[key] = list(merged.get(key, [])) + list(value)
            else:
                merged[key] = value
        notation = load_notation(merged, self.sizes_override)
        declared = overrides.get("symbols")
        if isinstance(declared, dict) and declared:
            names = {symbol_name(str(k)) for k in declared}
            own = {_definition(t, notation.indices, notation.names).name for t in overrides.get("definitions", []) or []}
            kept = tuple(d for d in notation.definitions if d.name not in names or d.name in own)
            notation = replace(notation, definitions=kept)
        return notation

    sizes_override: dict[str, int] = field(default_factory=dict, compare=False, repr=False)


def load_notation(header: dict[str, Any], sizes_override: dict[str, int] | None = None) -> Notation:
    """Build a Notation from a parsed YAML header; NotationError names what is wrong."""
    if not isinstance(header, dict):
        raise NotationError("the header must be a mapping")
    sizes_override = dict(sizes_override or {})
    sizes, size_roles, fixed_sizes = _sizes(header.get("sizes", {}), sizes_override)
    indices = _indices(header.get("indices", {}), sizes)
    names = frozenset(_label(str(x)) for x in _list(header, "names"))
    differentials = header.get("differentials", False)
    if not isinstance(differentials, (bool, list)):
        raise NotationError("differentials: expected true or false, or the variables whose differentials the text writes")
    names |= {DIFFERENTIALS} if differentials else frozenset()
    varying = frozenset(_names(differentials, "differentials")) if isinstance(differentials, list) else frozenset()
    families = _families(header.get("symbols", {}), sizes, indices, names)
    functions = frozenset(_names(header.get("functions", []), "functions"))
    definitions = tuple(_definition(text, indices, names) for text in _list(header, "definitions"))
    # A symbol declared a generic function (in a block, say) is no longer what it was elsewhere.
    definitions = tuple(d for d in definitions if d.name not in functions)
    families = {k: v for k, v in families.items() if k not in functions}
    targets = tuple(_target(t) for t in _list(header, "gradient"))
    layout = header.get("layout", "numerator")
    if layout not in ("numerator", "denominator"):
        raise NotationError("layout: expected 'numerator' or 'denominator'")
    blocks = tuple(_block_note(b) for b in _list(header, "blocks"))
    assumptions = tuple(str(a) for a in _list(header, "assumptions"))
    readings = tuple(_reading(r) for r in _list(header, "readings"))
    ambiguous = frozenset(_names(_list(header, "ambiguous"), "ambiguous", names))
    graph_nodes = frozenset(_names(_list(header, "graph_nodes"), "graph_nodes", names))
    shapes_stated = frozenset(_names(_list(header, "shapes_stated"), "shapes_stated"))
    binary = frozenset(_names(_list(header, "binary"), "binary"))
    upstream = header.get("upstream", {})
    if not isinstance(upstream, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in upstream.items()):
        raise NotationError("upstream: expected a mapping from a loss to the quantity it is a function of")
    operator_scope = header.get("operator_scope", "bracket")
    if operator_scope not in ("bracket", "product", "factor"):
        raise NotationError("operator_scope: expected 'bracket', 'product' or 'factor'")
    einstein = header.get("einstein", False)
    if not isinstance(einstein, bool):
        raise NotationError("einstein: expected true or false")
    if einstein:
        definitions = tuple(replace(d, rhs=implied_sums(d.rhs, indices)) for d in definitions)
    return Notation(sizes=sizes, size_roles=size_roles, indices=indices, families=families,
                    definitions=definitions, functions=functions, layout=layout, targets=targets,
                    assumptions=assumptions, blocks=blocks, names=names, readings=readings, ambiguous=ambiguous, graph_nodes=graph_nodes,
                    shapes_stated=shapes_stated, binary=binary, upstream=dict(upstream), einstein=einstein, operator_scope=operator_scope,
                    differentials=varying, raw=dict(header), fixed_sizes=fixed_sizes,
                    sizes_override=sizes_override)


#: What a reading may change: the keys it lays over the header's.
READING_KEYS = ("sizes", "indices", "symbols", "definitions", "functions", "assumptions", "blocks", "einstein",
                "operator_scope", "differentials")


def with_reading(header: dict[str, Any], reading: dict[str, Any]) -> dict[str, Any]:
    """The header as ``reading`` reads the document: its mappings laid over the header's (a symbol's
    role, an index's size), its lists in place of the header's (the definitions, all of them)."""
    merged = {k: v for k, v in header.items() if k != "readings"}
    for key in READING_KEYS:
        if key not in reading:
            continue
        value = reading[key]
        merged[key] = {**merged.get(key, {}), **value} if isinstance(value, dict) else value
    return merged


def _reading(spec: Any) -> dict[str, Any]:
    """A reading of the text where it admits several: a name, the note a step that holds only under it
    carries, and the header keys it changes."""
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise NotationError("readings: each reading needs a name, e.g. {name: 'y one-hot', symbols: {y_k: one-hot label}}")
    unknown = set(spec) - set(READING_KEYS) - {"name", "note"}
    if unknown:
        raise NotationError(f"readings.{spec['name']}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    return dict(spec)


def symbol_name(latex: str, names: frozenset = frozenset()) -> str:
    """The canonical name of a symbol written in LaTeX (``\\boldsymbol{\\Theta}`` -> ``\\Theta``; ``\\mu_B`` ->
    ``\\mu_{B}`` where ``names`` lists it)."""
    node = differential_names(_parse(latex, "symbol"))      # a key is one symbol: dz^{(L)} is dz^{(L)}
    if names:
        node = relabel(node, names)
    head = _head(node)
    if head is None:
        raise NotationError(f"{latex!r} is not a symbol")
    return head.name


# ----------------------------------------------------------------------------- pieces

def _list(header: dict, key: str) -> list:
    value = header.get(key, [])
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, list):
        raise NotationError(f"{key}: expected a list")
    return value


def _names(value, key: str, names: frozenset = frozenset()) -> list[str]:
    """Each symbol's name; with ``names``, one listed there (``\\mu_B``) keeps its subscript."""
    if not isinstance(value, list):
        raise NotationError(f"{key}: expected a list of symbols")
    return [symbol_name(str(v), names) for v in value]


def _sizes(spec: dict, override: dict[str, int]) -> tuple[dict[str, int], dict[str, str], frozenset[str]]:
    """Each size's value and role, and which sizes the text fixes: a role is a default value that other size
    sets vary, a number is a fact, and ``{role: classes, value: 3}`` is both (three classes, as the text says)."""
    if not isinstance(spec, dict):
        raise NotationError("sizes: expected a mapping such as {K: classes, D: features}")
    sizes: dict[str, int] = {}
    roles: dict[str, str] = {}
    role_values = dict(DEFAULT_SIZES)
    for flag, value in override.items():
        if flag in ROLE_OF_FLAG and flag not in spec:
            role_values[ROLE_OF_FLAG[flag]] = value
    fixed = set()
    for name, value in spec.items():
        name = str(name)
        if isinstance(value, dict):
            value, role = _fixed_size(name, value)
            roles[name] = role
            fixed.add(name)
        if isinstance(value, str) and value in role_values:
            roles[name] = value
        if name in override:
            sizes[name] = override[name]
        elif isinstance(value, bool):
            raise NotationError(f"sizes.{name}: expected a role or a positive integer")
        elif isinstance(value, int):
            sizes[name] = value
        elif value in role_values:
            sizes[name] = role_values[value]
        else:
            raise NotationError(f"sizes.{name}: {value!r} is neither a role "
                                f"({', '.join(DEFAULT_SIZES)}) nor a positive integer")
        if not 1 <= sizes[name] <= MAX_DECLARED_SIZE:
            raise NotationError(f"sizes.{name}: must be between 1 and {MAX_DECLARED_SIZE}")
    for flag, value in override.items():
        role = ROLE_OF_FLAG.get(flag)
        for name, r in roles.items():
            if r == role and flag not in spec and name not in fixed:
                sizes[name] = value
    return sizes, roles, frozenset(fixed - set(override))


def _fixed_size(name: str, spec: dict) -> tuple[int, str]:
    role, value = spec.get("role"), spec.get("value")
    if set(spec) != {"role", "value"} or role not in DEFAULT_SIZES or isinstance(value, bool) \
            or not isinstance(value, int):
        raise NotationError(f"sizes.{name}: expected {{role: {'|'.join(DEFAULT_SIZES)}, value: a positive integer}}")
    return value, role


def _indices(spec: dict, sizes: dict[str, int]) -> dict[str, str]:
    if not isinstance(spec, dict):
        raise NotationError("indices: expected a mapping such as {i: D, j: K}")
    out = {}
    for letter, size in spec.items():
        letter, size = str(letter), str(size)
        if size not in sizes:
            raise NotationError(f"indices.{letter}: size {size!r} is not declared under sizes")
        out[letter] = size
    return out


def _families(spec: dict, sizes: dict[str, int], indices: dict[str, str],
              names: frozenset = frozenset()) -> dict[str, Family]:
    if not isinstance(spec, dict):
        raise NotationError("symbols: expected a mapping from LaTeX symbol to role")
    out: dict[str, Family] = {}
    for latex, value in spec.items():
        if isinstance(value, str):
            value = {"role": value}
        if not isinstance(value, dict):
            raise NotationError(f"symbols.{latex}: expected a role or a mapping")
        role = value.get("role", "variable")
        if role not in ROLES:
            raise NotationError(f"symbols.{latex}: unknown role {role!r}; roles: {', '.join(sorted(ROLES))}")
        shape = tuple(str(s) for s in value.get("shape", []))
        for s in shape:
            if s not in sizes:
                raise NotationError(f"symbols.{latex}: size {s!r} is not declared under sizes")
        node = relabel(_parse(str(latex), f"symbols.{latex}"), names)
        head = _head(node)
        if head is None:
            raise NotationError(f"symbols.{latex}: not a symbol pattern")
        sub, sup = _axes(node, indices, f"symbols.{latex}")
        if role == "one-hot label" and not shape and not sub:
            raise NotationError(f"symbols.{latex}: a one-hot label needs its entry index (y_k) or a shape")
        out[head.name] = Family(head.name, sub, sup, shape, role)
    return out


def _definition(text, indices: dict[str, str], names: frozenset = frozenset()) -> Definition:
    if not isinstance(text, str) or "=" not in text:
        raise NotationError(f"definitions: {text!r} is not an equation")
    lhs_text, rhs_text = _split_definition(text)
    lhs = relabel(_parse(lhs_text, f"definition {text!r}"), names)
    rhs = summed_letter(sample_calls(relabel(_parse(rhs_text, f"definition {text!r}"), names)))
    head = _head(lhs)
    if head is None:
        raise NotationError(f"definition {text!r}: the left side must name a symbol")
    lhs, rhs = extended_sums(lhs, rhs, indices)
    params = lhs.args if isinstance(lhs, n.Call) else None
    pattern = lhs.head if isinstance(lhs, n.Call) else lhs
    sub, sup = _axes(pattern, indices, f"definition {text!r}")
    if params is not None:
        params = tuple(_ungroup(p) for p in params)
    return Definition(text, head.name, sub, sup, params, rhs, lhs)


def _label(latex: str) -> tuple[str, str]:
    """``E_D``, ``f_{w,b}``, ``W_{xh}`` (a header's ``names`` entry) -> (E, "D"), (f, "w,b"), (W, "x,h")."""
    node = _parse(latex, f"names: {latex!r}")
    if isinstance(node, n.Scripted) and isinstance(node.base, n.Sym) and node.sub is None and node.sup == n.Num("2"):
        return node.base.name, SQUARED      # \sigma^2: the square is a name of its own
    if isinstance(node, n.Scripted) and isinstance(node.base, n.Sym) and node.sub is None \
            and isinstance(node.sup, n.Group) and isinstance(node.sup.arg, n.Sym):
        return node.base.name, NUMBERED     # W^{(k)}: W's numbered superscripts are its layers
    letters = subscript_letters(node) if isinstance(node, n.Scripted) and node.sup is None else None
    if letters:
        return node.base.name, ",".join(letters)
    raise NotationError(f"names: {latex!r} is not a symbol with a subscript of letters, like E_D or f_{{w,b}}")


def sample_calls(root: n.Node) -> n.Node:
    """``h_w(x)^{(i)}``: the value of a call for sample i is the call at sample i, ``h_w(x^{(i)})``."""
    def fix(x: n.Node) -> n.Node:
        if isinstance(x, n.Scripted) and isinstance(x.base, n.Call) and x.sub is None and isinstance(x.sup, n.Group) \
                and isinstance(x.sup.arg, n.Sym) and all(isinstance(a, n.Sym) for a in x.base.args):
            return n.Call(x.base.head, tuple(n.Scripted(a, sup=x.sup) for a in x.base.args), span=x.span)
        return x
    return n.rebuild(root, fix) if any(isinstance(y, n.Scripted) and isinstance(y.base, n.Call)
                                       for y in n.walk(root)) else root


def summed_letter(root: n.Node) -> n.Node:
    """``\\sum_{i \\neq j} t_j`` beside a free ``i`` (``-t_i/y_i - \\sum_{i \\neq j} t_j/y_j``): the letter
    written first is the one excluded, and the sum runs over the other, the one only its body uses."""
    def fix(x: n.Node) -> n.Node:
        if not isinstance(x, n.Sum) or len(x.conditions) != 1 or x.lower is not None:
            return x
        rel = x.conditions[0]
        other = rel.rhs.name if rel.op == "\\neq" and rel.lhs == n.Sym(x.index) and isinstance(rel.rhs, n.Sym) else None
        if other is None or other == x.index:
            return x
        inside = {y.name for y in n.walk(x.body) if isinstance(y, n.Sym)}
        outside = _names_outside(root, x)
        if x.index in outside and other not in outside and other in inside:
            return replace(x, index=other, conditions=(n.Rel("\\neq", n.Sym(other), n.Sym(x.index)),))
        return x
    return n.rebuild(root, fix) if any(isinstance(y, n.Sum) and y.conditions for y in n.walk(root)) else root


def _names_outside(root: n.Node, inner: n.Node) -> set[str]:
    """The symbol names ``root`` writes outside the subtree ``inner`` (compared by identity)."""
    if root is inner:
        return set()
    if isinstance(root, n.Sym):
        return {root.name}
    out: set[str] = set()
    for child in n.children(root):
        out |= _names_outside(child, inner)
    return out


def _split_definition(text: str) -> tuple[str, str]:
    """Split at the first top-level ``=`` (not inside braces or brackets)."""
    depth = 0
    for pos, ch in enumerate(text):
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif ch == "=" and depth == 0:
            return text[:pos], text[pos + 1:]
    raise NotationError(f"definition {text!r}: no top-level '='")


def _target(spec) -> Target:
    if not isinstance(spec, dict) or "of" not in spec or "wrt" not in spec:
        raise NotationError("gradient: each entry needs 'of' (the loss) and 'wrt' (the variable)")
    for key in ("of", "wrt"):
        _parse(str(spec[key]), f"gradient.{key}")
    return Target(str(spec["of"]), str(spec["wrt"]))


def _block_note(spec) -> BlockNote:
    if not isinstance(spec, dict) or "at" not in spec:
        raise NotationError("blocks: each entry needs 'at' (a tag like '(5)', 'line 12' or a LaTeX snippet)")
    assume = spec.get("assume", [])
    assume = (assume,) if isinstance(assume, str) else tuple(str(a) for a in assume)
    for a in assume:
        parse_condition(a)
    overrides = {k: spec[k] for k in ("indices", "symbols", "sizes", "definitions", "functions", "layout")
                 if k in spec}
    kind = spec.get("kind")
    if kind not in (None, "definition", "conditional"):
        raise NotationError(f"blocks: kind {kind!r}: expected definition or conditional")
    return BlockNote(str(spec["at"]), assume, spec.get("continues"), kind, bool(spec.get("onward")),
                     overrides or None)


def parse_condition(text: str) -> n.Rel:
    """An assumption such as ``i = j`` or ``i \\neq j`` as a relation node."""
    for op in ("\\neq", "\\ne", "\\leq", "\\geq", "=", "<", ">"):
        left, sep, right = text.partition(op)
        if sep:
            return n.Rel({"\\ne": "\\neq"}.get(op, op), _parse(left, f"assume {text!r}"),
                         _parse(right, f"assume {text!r}"))
    raise NotationError(f"assume: {text!r} is not a relation such as 'i = j' or 'i \\neq j'")



def _parse(text: str, where: str) -> n.Node:
    try:
        return parse_expression(text)
    except LatexError as err:
        raise NotationError(f"{where}: {err}") from None


def _ungroup(node: n.Node) -> n.Node:
    return node.arg if isinstance(node, n.Group) else node


def _head(node: n.Node) -> n.Sym | None:
    """The symbol a pattern is about: ``x`` in ``x^{(i)}_d``, ``g`` in ``g_k(z)``."""
    if isinstance(node, n.Call):
        node = node.head
    if isinstance(node, n.Scripted):
        node = node.base
    return node if isinstance(node, n.Sym) else None


def _axes(node: n.Node, indices: dict[str, str], where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The index letters a pattern binds in its subscript and its parenthesised superscript."""
    if not isinstance(node, n.Scripted):
        return (), ()
    sub = tuple(_index_letters(node.sub, where)) if node.sub else ()
    sup: tuple[str, ...] = ()
    if node.sup is not None:
        inner = node.sup
        if isinstance(inner, n.Mul) and isinstance(inner.factors[-1], n.Transpose):
            inner = inner.factors[0] if len(inner.factors) == 2 else n.Mul(inner.factors[:-1])
        if not isinstance(inner, n.Group):
            raise NotationError(f"{where}: a superscript in a pattern must be an index in parentheses, like x^{{(i)}}")
        sup = tuple(_index_letters((inner.arg,), where))
    for letter in sub + sup:
        if letter not in indices:
            raise NotationError(f"{where}: index {letter!r} has no range; add it under indices")
    return sub, sup


def _index_letters(items, where: str) -> list[str]:
    letters: list[str] = []
    for item in items:
        if isinstance(item, n.Sym):
            letters.append(item.name)
        elif isinstance(item, n.Mul) and all(isinstance(f, n.Sym) for f in item.factors):
            letters.extend(f.name for f in item.factors)
        else:
            raise NotationError(f"{where}: pattern indices must be letters")
    return letters

