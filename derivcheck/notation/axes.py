"""Which index letters index which axes: the part of notation inference that is about indices.

Every use of an indexed symbol puts letters, numbers, size names or class labels into the axes
(slots) of that symbol: ``\\Theta_{ij}`` puts i in Θ's first subscript slot and j in its second.
A letter is local to its scope (a chain, a display, an inline fragment): ``j`` may count classes in
one chain and features in the next. Slots, letters and sizes are joined in a union-find; each
group that results is one kind of axis (the classes, the features, the samples), and gets one size.

Evidence is recorded as it is found, so the roles can be decided afterwards (infer.py):
a letter summed over an exponential (a softmax denominator), a class label used as an index, the
numbers and size names written in a slot.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..latex import nodes as n
from ..latex.layers import LAYER_LETTERS
from .conventions import FRESH_LETTERS, FRESH_SIZES, free_letter

Key = tuple

#: Letters that are never index letters: e is Euler's number, and these name labels.
NOT_INDICES = frozenset("e")
INDEX_LETTER = re.compile(r"^[a-z]'*$")
SIZE_NAME = re.compile(r"^(?:[A-Z]|[nNmMdD]_\{[a-z]\}|[nNmMdD]\^\{\([^{}]*\)\})$")   # K, n_{x}, n^{(l)}: a size


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Key, Key] = {}

    def add(self, key: Key) -> Key:
        self.parent.setdefault(key, key)
        return key

    def find(self, key: Key) -> Key:
        self.add(key)
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: Key, b: Key) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra

    def groups(self) -> dict[Key, set[Key]]:
        out: dict[Key, set[Key]] = defaultdict(set)
        for key in self.parent:
            out[self.find(key)].add(key)
        return out


def slot(name: str, kind: str, pos: int) -> Key:
    return ("slot", name, kind, pos)


def letter(scope: int, name: str) -> Key:
    return ("letter", scope, name)


def size(name: str) -> Key:
    return ("size", name)


def label_value(name: str) -> Key:
    return ("label", name)


@dataclass
class Uses:
    """How one symbol is written across the document."""
    sub_arity: Counter = field(default_factory=Counter)
    sup_arity: Counter = field(default_factory=Counter)
    bare: set[int] = field(default_factory=set)          # scopes where it stands with no index
    indexed: set[int] = field(default_factory=set)       # scopes where it has an index
    called: set[int] = field(default_factory=set)        # scopes where it is applied: g(…)
    call_args: list[tuple[n.Node, ...]] = field(default_factory=list)
    wrt: set[int] = field(default_factory=set)           # scopes where something is differentiated by it
    differentiated: set[int] = field(default_factory=set)  # scopes where it is differentiated by something else
    transposed: bool = False
    bare_transposed: bool = False                        # written θ^T, with no index: a vector or matrix
    outer: int = 0                                       # uses with an axis the usual form does not have
    numbers: dict[tuple[str, int], set[int]] = field(default_factory=lambda: defaultdict(set))
    count: int = 0


@dataclass
class Group:
    """One union-find group: an axis kind, with everything that was put into it."""
    slots: set[tuple[str, str, int]]
    letters: set[tuple[int, str]]
    sizes: Counter
    labels: set[str]
    exp_summed: bool


class Scanner:
    """Records the indexing of every expression it is shown."""

    def __init__(self, labels: frozenset[str], offsets: dict[str, dict[int, int]] | None = None):
        self.uf = UnionFind()
        self.offsets = offsets or {}        # name -> {written arity: shift to its usual positions}
        self.labels = labels                 # names read as labels, never as index letters
        self.uses: dict[str, Uses] = defaultdict(Uses)
        self.size_counts: Counter = Counter()
        self.exp_summed: set[Key] = set()
        self.letter_scopes: dict[str, set[int]] = defaultdict(set)
        self.bound: set[tuple[int, str]] = set()
        self.counts: set[str] = set()       # size names written as the upper bound of a sum

    # ---- entry points
    def scan(self, node: n.Node, scope: int) -> None:
        self._walk(node, scope)

    def quantifier(self, scope: int, index: str, size_name: str) -> None:
        """``\\forall i = 1, …, N``: the letter ranges over the size."""
        self.uf.union(self._letter(scope, index), self._size(size_name))

    def same_axis(self, a: Key, b: Key) -> None:
        self.uf.union(a, b)

    def groups(self) -> list[Group]:
        out = []
        for members in self.uf.groups().values():
            slots = {k[1:] for k in members if k[0] == "slot"}
            letters = {k[1:] for k in members if k[0] == "letter"}
            sizes = Counter({k[1]: self.size_counts[k[1]] for k in members if k[0] == "size"})
            labels = {k[1] for k in members if k[0] == "label"}
            out.append(Group(slots, letters, sizes, labels, any(k in self.exp_summed for k in members)))
        return out

    def group_of(self, key: Key) -> Key:
        return self.uf.find(key)

    # ---- walking
    def _walk(self, node: n.Node, scope: int) -> None:
        if isinstance(node, n.Sum):
            self._sum(node, scope)
            return
        if isinstance(node, n.Indicator):
            self._relation(node.condition, scope)
            return
        if isinstance(node, n.At):
            self._walk(node.body, scope)      # f|_{x=2}: x takes a value there, it is no index
            for rel in node.point:
                self._walk(rel.rhs, scope)
            return
        if isinstance(node, n.Rel):
            self._relation(node, scope)
            return
        if isinstance(node, n.Scripted) and isinstance(node.base, n.Sym):
            self._scripted(node, scope)
            return
        if isinstance(node, n.Scripted) and isinstance(node.base, n.Norm):
            self._walk(node.base, scope)        # ‖A‖_F: F names the norm, it is not a symbol
            if node.sup is not None:
                self._walk(node.sup, scope)
            return
        if isinstance(node, n.Call):
            self._call(node, scope)
            return
        if isinstance(node, n.Deriv):
            self._walk(node.body, scope)
            self._walk(node.wrt, scope)
            head = head_name(node.wrt)
            if head is not None:
                self.uses[head].wrt.add(scope)
            body = head_name(node.body)
            if body is not None and body != head:
                self.uses[body].differentiated.add(scope)
            return
        if isinstance(node, n.Sym):
            self._bare(node.name, scope)
            return
        for child in n.children(node):
            self._walk(child, scope)

    def _bare(self, name: str, scope: int) -> None:
        if name in ("e", "\\pi") or name.startswith("\\mathbb{1}"):
            return
        uses = self.uses[name]
        uses.bare.add(scope)
        uses.count += 1

    def _sum(self, node: n.Sum, scope: int) -> None:
        key = self._letter(scope, node.index)
        self.bound.add((scope, node.index))
        if node.upper is not None:
            bound = _size_name(node.upper)
            if bound is not None:
                self.uf.union(key, self._size(bound))
                self.counts.add(bound)
            else:
                self._walk(node.upper, scope)
        if n.is_exponential(node.body):
            self.exp_summed.add(key)
        for cond in node.conditions:
            self._relation(cond, scope)
        self._walk(node.body, scope)

    def _relation(self, rel: n.Rel, scope: int) -> None:
        """``k = y_i``, ``k \\neq j``, ``y = k``: both sides range over the same values."""
        sides = [self._value_key(side, scope) for side in (rel.lhs, rel.rhs)]
        if sides[0] is not None and sides[1] is not None:
            self.uf.union(sides[0], sides[1])
        for side, key in zip((rel.lhs, rel.rhs), sides):
            if key is None or key[0] == "label":
                self._walk(side, scope)

    def _value_key(self, node: n.Node, scope: int) -> Key | None:
        """The union-find key of something used as an index value, if it is one."""
        if isinstance(node, n.Group):
            node = node.arg
        if isinstance(node, n.Sym):
            if node.name in self.labels:
                return label_value(node.name)
            if self.is_index_letter(node.name):
                return self._letter(scope, node.name)
            if SIZE_NAME.match(node.name):
                return self._size(node.name)
            return None
        if isinstance(node, n.Scripted) and isinstance(node.base, n.Sym) and node.base.name in self.labels:
            return label_value(node.base.name)
        return None

    def _scripted(self, node: n.Scripted, scope: int) -> None:
        name = node.base.name
        if name == "\\delta" and node.sub:
            items = index_items(node.sub)
            keys = [self._value_key(i, scope) for i in items]
            if len(keys) == 2 and None not in keys:
                self.uf.union(keys[0], keys[1])
            return
        if name == "e" and node.sub is None:
            if node.sup is not None:
                self._walk(node.sup, scope)
            return
        if name.startswith("\\mathbb{1}") and node.sub is not None:
            items = index_items(node.sub)
            if len(items) == 1 and isinstance(items[0], n.Sym):
                self._size(items[0].name)    # \mathbf{1}_m: the vector of m ones; m is a size
                return
        if name == "e" and node.sup is None and self._basis_letter(node.sub):
            return      # e_c: the c-th standard basis vector, as long as c's range (no axis of its own)
        uses = self.uses[name]
        uses.count += 1
        sup_items, power, transposed = split_sup(node.sup)
        if transposed:
            uses.transposed = True
        sub_items = index_items(node.sub) if node.sub else []
        shift = self.offsets.get(name, {}).get(len(sub_items), 0)
        if sub_items:
            # t_{nk} beside the usual t_k: the usual axis is the last one, n is an axis outside it;
            # y_k beside the usual y_{nk}: k is the usual last axis, the outer one left unwritten
            uses.sub_arity[len(sub_items) - max(shift, 0)] += 1
            if shift > 0:
                uses.outer += 1
        if sup_items:
            uses.sup_arity[len(sup_items)] += 1
        if sub_items or sup_items:
            uses.indexed.add(scope)
        else:
            uses.bare.add(scope)
            uses.bare_transposed |= transposed
        for kind, items in (("sub", sub_items), ("sup", sup_items)):
            for pos, item in enumerate(items):
                pos -= shift if kind == "sub" else 0
                self._item(name, kind if pos >= 0 else "outer", pos, item, scope)
        if power is not None:
            self._walk(power, scope)

    def _item(self, name: str, kind: str, pos: int, item: n.Node, scope: int) -> None:
        key = slot(name, kind, pos)
        self.uf.add(key)
        if isinstance(item, n.Num) and item.text.isdigit():
            self.uses[name].numbers[(kind, pos)].add(int(item.text))
            return
        value = self._value_key(item, scope)
        if value is not None:
            self.uf.union(key, value)
        if value is None or value[0] == "label":
            self._walk(item, scope)

    def _call(self, node: n.Call, scope: int) -> None:
        head = node.head
        if isinstance(head, n.Scripted) and isinstance(head.base, n.Sym):
            self._scripted(head, scope)
            name = head.base.name
        elif isinstance(head, n.Sym):
            name = head.name
            self.uses[name].count += 1
        else:
            self._walk(head, scope)
            name = None
        if name is not None:
            self.uses[name].called.add(scope)
            self.uses[name].call_args.append(node.args)
        for arg in node.args:
            self._walk(arg, scope)

    # ---- keys
    def _basis_letter(self, sub: n.Node | None) -> bool:
        items = index_items(sub) if sub else []
        return len(items) == 1 and isinstance(items[0], n.Sym) \
            and (self.is_index_letter(items[0].name) or items[0].name in self.labels)

    def is_index_letter(self, name: str) -> bool:
        return bool(INDEX_LETTER.match(name)) and name not in NOT_INDICES and name not in self.labels

    def _letter(self, scope: int, name: str) -> Key:
        self.letter_scopes[name].add(scope)
        return self.uf.add(letter(scope, name))

    def _size(self, name: str) -> Key:
        self.size_counts[name] += 1
        return self.uf.add(size(name))


# ----------------------------------------------------------------------------- helpers

def head_name(node: n.Node) -> str | None:
    """The symbol an expression is about: ``x`` of ``x^{(i)}_d``, ``g`` of ``g_k(z)``."""
    while True:
        if isinstance(node, n.Call):
            node = node.head
        elif isinstance(node, n.Scripted):
            node = node.base
        elif isinstance(node, n.Group):
            node = node.arg
        else:
            break
    return node.name if isinstance(node, n.Sym) else None


def index_items(sub) -> list[n.Node]:
    """The items of a subscript, a run of letters split (``_{ij}`` is i, j)."""
    if not sub:
        return []
    items = [x for x in sub if x != "substack"]
    if len(items) == 1 and isinstance(items[0], n.Mul) and all(_index_like(f) for f in items[0].factors):
        return list(items[0].factors)
    return items


def _index_like(node: n.Node) -> bool:
    """A letter, or a letter's label (``y_i`` in ``\\pi_{i y_i}``): one index of a run."""
    if isinstance(node, n.Sym):
        return bool(INDEX_LETTER.match(node.name))
    return isinstance(node, n.Scripted) and isinstance(node.base, n.Sym) and node.sup is None and bool(node.sub)


def split_sup(sup: n.Node | None) -> tuple[list[n.Node], n.Node | None, bool]:
    """(bracketed indices, power, transposed) of a superscript: ``^{(k)\\top}``, ``^{2}``, ``^T``."""
    if sup is None:
        return [], None, False
    if isinstance(sup, n.Transpose) or (isinstance(sup, n.Sym) and sup.name == "T"):
        return [], None, True
    transposed = False
    if isinstance(sup, n.Mul) and isinstance(sup.factors[-1], n.Transpose):
        transposed = True
        rest = sup.factors[:-1]
        sup = rest[0] if len(rest) == 1 else n.Mul(rest)
    if isinstance(sup, n.Group):
        inner = sup.arg
        items = list(inner.entries) if isinstance(inner, n.Vector) else [inner]
        return items, None, transposed
    return [], (None if transposed else sup), transposed


def _size_name(node: n.Node) -> str | None:
    if isinstance(node, n.Sym) and (re.match(r"^[A-Za-z]$", node.name) or SIZE_NAME.match(node.name)):
        return node.name
    return None


def subscript_offsets(nodes) -> dict[str, dict[int, int]]:
    """For symbols written with subscripts of different lengths (``t_k`` and ``t_{nk}``, ``x_n`` and
    ``x_{nj}``): how far each length is shifted against the usual one, judged by where the usual
    letters reappear (at the head: extra inner axes; at the tail: extra outer axes)."""
    letters: dict[str, dict[int, list[Counter]]] = defaultdict(dict)
    counts: dict[str, Counter] = defaultdict(Counter)
    for node in nodes:
        for x in n.walk(node):
            if isinstance(x, n.Scripted) and isinstance(x.base, n.Sym) and x.sub:
                items = index_items(x.sub)
                counts[x.base.name][len(items)] += 1
                slots = letters[x.base.name].setdefault(len(items), [Counter() for _ in items])
                for pos, item in enumerate(items):
                    if isinstance(item, n.Sym):
                        slots[pos][item.name] += 1
    out: dict[str, dict[int, int]] = {}
    for name, arities in counts.items():
        if len(arities) < 2:
            continue
        usual = max(sorted(arities), key=lambda a: arities[a])
        for arity in arities:
            if arity == usual:
                continue
            # the shorter subscript against the longer one: does it match its head or its tail?
            short, long_ = (usual, arity) if arity > usual else (arity, usual)
            extra = long_ - short
            shorter, longer = letters[name][short], letters[name][long_]
            head = sum(sum((shorter[p] & longer[p]).values()) for p in range(short))
            tail = sum(sum((shorter[p] & longer[p + extra]).values()) for p in range(short))
            if tail > head:     # t_{nk} beside t_k: n is outside; y_k beside the usual y_{nk}: n is dropped
                out.setdefault(name, {})[arity] = extra if arity > usual else -extra
    return out


# ----------------------------------------------------------------------------- axis kinds
class Axes:
    """The kinds of axis the document has: each union-find group with its size and role."""

    def __init__(self, scanner: Scanner, fresh: dict | None = None):
        self.scanner = scanner
        self.fresh = fresh or FRESH_SIZES
        self.sizes: dict[str, str | None] = {}          # size name -> role
        self.group_size: dict[tuple, str] = {}          # group root -> primary size name
        self.letters: dict[tuple[int, str], str] = {}   # (scope, letter) -> size name
        self.canonical: dict[str, str] = {}            # size name -> its letter in patterns
        self.extra: dict[str, str] = {}                # letter -> size, for completed definitions
        self.renamed: set[str] = set()                 # sizes found to be other sizes after all
        self._slot_counts: dict[str, Counter] = defaultdict(Counter)

    def add(self, g: Group, primary: str, role: str | None) -> None:
        root = None
        for s in g.slots:
            root = self.scanner.group_of(slot(*s))
        for scope, name in sorted(g.letters):
            root = self.scanner.group_of(letter(scope, name))
            self.letters[(scope, name)] = primary
            if g.slots:
                self._slot_counts[primary][name] += 1
        if root is not None:
            self.group_size[root] = primary

    def has(self, role: str) -> bool:
        return any(r == role for r in self.sizes.values())

    def size_named(self, role: str) -> str:
        """The size of a role (a fresh one if the document has none)."""
        for name, r in self.sizes.items():
            if r == role:
                return name
        taken = set(self.sizes) | set(self.scanner.uses) | set(self.scanner.letter_scopes)
        name = free_letter(self.fresh[role] + "RQUVZ", taken, upper=True)
        self.sizes[name] = role
        return name

    def axis(self, role: str) -> tuple:
        """A pseudo-slot for an axis a symbol never shows."""
        return ("size", self.size_named(role))

    def role_of_slot(self, s: tuple) -> str | None:
        return self.sizes.get(self.size_of_slot(s))

    def size_of_slot(self, s: tuple) -> str | None:
        if s[0] == "size":
            return s[1]
        return self.group_size.get(self.scanner.group_of(slot(*s)))

    def letter_for(self, role: str) -> str:
        return self.canonical_letter(self.size_named(role))

    def canonical_letter(self, size_name: str) -> str:
        """A letter for this size that means it everywhere in the document (or a fresh one)."""
        if size_name in self.canonical:
            return self.canonical[size_name]
        by_letter: dict[str, set] = defaultdict(set)
        for (_, name), s in self.letters.items():
            by_letter[name].add(s)
        for name, _ in sorted(self._slot_counts[size_name].items(), key=lambda kv: (-kv[1], kv[0])):
            # never a layer's letter: \theta^{(l)} in a pattern would read as layer l's θ (latex/layers.py)
            if by_letter[name] == {size_name} and name not in self.canonical.values() and name not in LAYER_LETTERS:
                self.canonical[size_name] = name
                return name
        role = self.sizes.get(size_name)
        taken = set(by_letter) | set(self.scanner.uses) | set(self.canonical.values()) | LAYER_LETTERS
        name = free_letter(FRESH_LETTERS.get(role, "") + "uvqrstabcfg", taken, upper=False)
        self.canonical[size_name] = name
        return name

    def resize(self, s: tuple, size_name: str) -> None:
        """The axis kind holding slot ``s`` is the size ``size_name`` after all (its letters too)."""
        root = self.scanner.group_of(slot(*s))
        old = self.group_size.get(root)
        if old is None or old == size_name:
            return
        self.group_size[root] = size_name
        for key, value in list(self.letters.items()):
            if value == old and self.scanner.group_of(letter(*key)) == root:
                self.letters[key] = size_name
        if old not in self.group_size.values():
            self.sizes.pop(old, None)
            self.canonical.pop(old, None)
            self.renamed.add(old)

    def second_letter(self, size_name: str) -> str:
        """Another letter for this size (a summation index in a completed definition)."""
        first = self.canonical_letter(size_name)
        by_letter = {name for (_, name) in self.letters}
        for name, s in self.extra.items():
            if s == size_name:
                return name
        taken = by_letter | set(self.scanner.uses) | set(self.canonical.values()) | {first}
        name = free_letter("ljmqrsuv", taken, upper=False)
        self.extra[name] = size_name
        return name

    def slots_of(self, name: str) -> tuple[list, list]:
        uses = self.scanner.uses.get(name)
        if uses is None:
            return [], []
        subs = max(uses.sub_arity) if uses.sub_arity else 0
        sups = max(uses.sup_arity) if uses.sup_arity else 0
        return [(name, "sub", i) for i in range(subs)], [(name, "sup", i) for i in range(sups)]
