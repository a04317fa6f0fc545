"""Symbols: a name with its scripts becomes a variable, a member of a declared family, a label, or a
constant (``e``, ``\\pi``, ``\\delta_{ij}``); a use of a defined name is definitions.py's.

Declared symbols become real variables (``\\Theta_{1,2}``), one object per name (atoms.variable); a
family written without its indices is the vector or matrix of its members; a distribution's entries
sum to one exactly; a class label is read from the label assignment (atoms.Labels).
"""

from __future__ import annotations

import itertools

import sympy as sp
from sympy import ImmutableMatrix

from ..latex import nodes as n
from ..latex.nodes import INDICATOR
from ..notation.conventions import EXPECTATIONS
from ..notation.header import LABEL_ROLES, Family
from .atoms import binary, share, variable
from .abstract import vector_map
from .indices import flat_items
from .matrices import stack
from .values import IDENTITY, ONES, Bound, Env, OutOfRange, ShapeError, Unsupported, Value, column, is_matrix, \
    multiply, node_text, scalar, shape_text, transpose

#: Integer powers beyond this are refused: (x+y)^{10^9} would never finish expanding.
MAX_POWER = 1000


class Symbols:
    """The Evaluator's symbols: scripted names (``x_i``, ``θ^{(k)}``, ``e^{z}``, ``(p - y)_k``) and
    powers, and what a name is (``symbol``): a bound parameter, a definition's, a family's member, a
    size, a constant, or an undeclared variable. A part of Evaluator (evaluate.py): ``self``
    is the whole evaluator."""

    def _scripted(self, node: n.Scripted, env: Env) -> Value:
        base = node.base
        sup_index, power, is_transposed = self.notation.superscript(node)
        if isinstance(base, n.Sym) and isinstance(power, n.Group):
            # b^{(2)} where b takes no bracketed index: a layer's b (another symbol), never a power
            labelled = n.Sym(f"{base.name}^{{({node_text(power.arg)})}}")
            node, base, power = n.Scripted(labelled, sub=node.sub), labelled, None
        if isinstance(base, n.Sym):
            if base.name == "e" and not self.notation.declared_bare("e") and node.sub is None and node.sup is not None:
                exponent = self.value(node.sup, env)
                # e^{a} of a vector or matrix: entry by entry, as ML writes it
                return exponent.applyfunc(sp.exp) if is_matrix(exponent) else sp.exp(exponent)
            if base.name == "e" and not self.notation.declared("e") and self._unit_vector_letter(node.sub):
                letter = node.sub[0].name       # e_c: the c-th standard basis vector
                size = self.notation.size_of_index(letter) or self._classes()
                value = ImmutableMatrix(size, 1, [int(i + 1 == self.index(node.sub[0], env)) for i in range(size)])
                return self._power(value, power, is_transposed, node, env)
            if base.name == INDICATOR and node.sub and len(node.sub) == 1 and isinstance(n.ungroup(node.sub[0]), n.Rel):
                return sp.Integer(1) if self.holds(n.ungroup(node.sub[0]), env) else sp.Integer(0)  # 1_{y=k}
            value = self._ones_vector(node) if self._sized_ones(node) else \
                self.symbol(base.name, node.sub or (), sup_index, (), env, node)
        elif isinstance(base, n.Call) and not node.sub and not sup_index and self._is_product(base):
            # x (p - y)^T: the power is the bracket's, since x is no function
            inner = self._power(self.value(base.args[0], env), power, is_transposed, node, env)
            return multiply(self.value(base.head, env), inner, self.notes)
        elif self._sized_ones(node):
            value = self._ones_vector(node)
        else:
            if sup_index:
                raise Unsupported(f"a bracketed superscript on {node_text(base)}")
            value = self.value(base, env)
            if node.sub and not (isinstance(base, n.Norm) and node.sub in ((n.Num("2"),), (n.Sym("F"),))):
                # ‖v‖_2 is ‖v‖, ‖A‖_F is the Frobenius norm (what ‖A‖ means here)
                # (p - y)_k, softmax(z)_k: an entry of a vector or matrix written as an expression
                if not is_matrix(value):
                    raise Unsupported(f"a subscript on {node_text(base)}, which is not a vector or matrix")
                value = self._entry_of(value, node.sub, env, node_text(base))
        return self._power(value, power, is_transposed, node, env)

    def _power(self, value: Value, power: n.Node | None, transposed: bool, node: n.Node, env: Env) -> Value:
        if transposed:
            value = transpose(value)
        if power is not None:
            exponent = scalar(self.value(power, env), "an exponent")
            if exponent.is_Integer and abs(exponent) > MAX_POWER:
                raise Unsupported(f"the power {exponent} in {node_text(node)} (powers above {MAX_POWER} are "
                                  "not expanded)")
            if is_matrix(value):
                return _matrix_power(value, exponent)
            value = value ** exponent
        return value

    def symbol(self, name: str, sub: tuple, sup_index: tuple, args: tuple, env: Env, node: n.Node) -> Value:
        """The value of ``name`` with its indices and arguments (the heart of the notation)."""
        bound = env.get(name)
        if isinstance(bound, Bound):
            return self._entry_of(bound.value, sub, env, name)
        if isinstance(bound, int) and not sub and not sup_index:
            return sp.Integer(bound)
        if name == "\\delta" and sub and len(flat_items(sub)) == 2 \
                and not any(len(d.sub_axes) == 2 for d in self.notation.definitions_of(name)):
            values = self._indices(sub, 2, env, name)       # Kronecker's, beside a δ_j the text defines
            return sp.Integer(1) if values[0] == values[1] else sp.Integer(0)
        if self._is_differential(name):
            return self._differential(name[1:], sub, sup_index, args, env, node)
        if name in EXPECTATIONS:
            raise Unsupported(f"${name}$, an expectation or a variance: a distribution's integral, which "
                              "derivcheck does not read")
        if self.notation.definitions_of(name):
            return self._defined_value(name, sub, sup_index, args, env, node)
        if name == "I" and not sub and not sup_index and self._unsized_identity():
            return IDENTITY
        if name in self.notation.upstream and not sub and not sup_index:
            return self._upstream_loss(name, env)
        if name in self.notation.families:
            return self._family_value(self.notation.families[name], sub, sup_index, env)
        if name in self.notation.sizes and not sub:
            return sp.Integer(self.notation.sizes[name])
        if name == "e" and not sub:
            return sp.E
        if name == "\\pi" and not sub:
            return sp.pi
        if name == "\\delta" and sub:
            values = self._indices(sub, 2, env, name)
            return sp.Integer(1) if values[0] == values[1] else sp.Integer(0)
        if name in self.notation.indices:
            raise Unsupported(f"the index {name} is used outside any sum and has no value here")
        if name == INDICATOR:
            return ONES
        if name in self.notation.functions:
            raise Unsupported(f"the function {name} is used without an argument")
        values = self._indices(sub, len(flat_items(sub)), env, name) if sub else ()
        symbol = variable(name + (f"_{{{','.join(map(str, values))}}}" if values else ""))
        if self.notation.raw.get("inferred"):
            # read from the text and still unknown: nothing about it may be assumed
            self.atoms.opaque[symbol] = name
            if name in self.notation.ambiguous:
                self.atoms.ambiguous.add(symbol)
        else:
            self.note(f"{name} is not declared in the notation; read as a free real variable")
        return symbol

    def _upstream_loss(self, name: str, env: Env) -> Value:
        """A loss the text never defines, differentiated by its layer's output y (notation/upstream.py):
        any function of every entry of y (meaning/abstract.py)."""
        output = self.notation.upstream[name]
        value = self.value(n.Sym(output), env)
        entries = list(value) if is_matrix(value) else [value]
        return vector_map(name, 1)(*entries)

    def _family_value(self, fam: Family, sub: tuple, sup_index: tuple, env: Env) -> Value:
        sizes = self.notation.sizes
        sup_vals = self._indices(sup_index, len(fam.sup_axes), env, fam.name) if sup_index else \
            self._sample_here(fam.sup_axes, env, fam.name)
        sub_items = flat_items(sub)
        n_axes = len(fam.sub_axes)
        if sub_items and len(sub_items) < n_axes:
            sub_vals = self._indices(sub, n_axes, env, fam.name)
            entry_vals: list[int] = []
        else:
            sub_vals = [self.index(i, env) for i in sub_items[:n_axes]] if sub_items else \
                self._sample_here(fam.sub_axes, env, fam.name) if fam.shape and not sup_index else None
            entry_vals = [self.index(i, env) for i in sub_items[n_axes:]]
        for letter_vals, axes in ((sup_vals, fam.sup_axes), (sub_vals, fam.sub_axes)):
            if letter_vals is not None:
                for v, a in zip(letter_vals, axes):
                    _check_range(v, sizes[self.notation.indices[a]], fam.name)
        if len(entry_vals) > len(fam.shape):
            raise Unsupported(f"{fam.name} has {len(fam.shape) + n_axes} ind"
                              f"{'ex' if len(fam.shape) + n_axes == 1 else 'ices'}, written with more")
        for v, s in zip(entry_vals, fam.shape):
            _check_range(v, sizes[s], fam.name)
        sup_choices = [sup_vals] if sup_vals is not None else (
            [list(c) for c in itertools.product(*[range(1, sizes[self.notation.indices[a]] + 1)
                                                  for a in fam.sup_axes])])
        sub_choices = [sub_vals] if sub_vals is not None else (
            [list(c) for c in itertools.product(*[range(1, sizes[self.notation.indices[a]] + 1)
                                                  for a in fam.sub_axes])])
        members = [[self._member(fam, sv, bv, entry_vals) for bv in sub_choices] for sv in sup_choices]
        return stack(members, sup_vals is None and bool(fam.sup_axes), sub_vals is None and bool(fam.sub_axes),
                      self._axis_lengths(fam.sub_axes) if sub_vals is None else ())

    def _member(self, fam: Family, sup_vals: list[int], sub_vals: list[int], entry: list[int]) -> Value:
        sizes = self.notation.sizes
        if fam.role in LABEL_ROLES:
            return self._label_member(fam, sup_vals, sub_vals, entry)
        if fam.role == "distribution":
            return self._distribution_member(fam, sup_vals, sub_vals, entry)
        shape = [sizes[s] for s in fam.shape[len(entry):]]
        prefix = fam.name + (f"^{{({','.join(map(str, sup_vals))})}}" if sup_vals else "") + \
            (f"_{{{','.join(map(str, sub_vals))}}}" if sub_vals else "")
        positive = fam.role == "positive"

        def leaf(extra: tuple[int, ...]) -> sp.Symbol:
            full = list(entry) + list(extra)
            suffix = f"[{','.join(map(str, full))}]" if full else ""
            symbol = binary(prefix + suffix) if fam.name in self.notation.binary else variable(prefix + suffix, positive)
            if fam.role == "unknown":
                self.atoms.opaque[symbol] = fam.name
            if fam.name in self.notation.ambiguous:
                self.atoms.ambiguous.add(symbol)
            return symbol

        if not shape:
            return leaf(())
        if len(shape) == 1:
            return column([leaf((i,)) for i in range(1, shape[0] + 1)])
        if len(shape) == 2:
            return ImmutableMatrix(shape[0], shape[1],
                                   [leaf((i, j)) for i in range(1, shape[0] + 1) for j in range(1, shape[1] + 1)])
        raise Unsupported(f"{fam.name}: shapes beyond matrices")

    def _distribution_member(self, fam: Family, sup_vals, sub_vals, entry) -> Value:
        """Entries that sum to one: free variables, but the last is one minus the others (so that
        Σ_i p_i = 1 holds exactly, as the text says)."""
        indices = list(sup_vals or ()) + list(sub_vals or ()) + list(entry)
        if fam.shape:
            size, split = self.notation.sizes[fam.shape[-1]], len(fam.axes)
        else:
            size, split = self.notation.sizes[self.notation.indices[fam.axes[-1]]], len(fam.axes) - 1
        key, position = indices[:split], indices[split:]

        def free(j: int) -> sp.Symbol:
            return share(f"{fam.name}_{{{','.join(map(str, key + [j]))}}}")

        def value(j: int) -> sp.Expr:
            return free(j) if j < size else 1 - sum((free(i) for i in range(1, size)), sp.Integer(0))
        return value(position[0]) if position else column([value(j) for j in range(1, size + 1)])

    def _label_member(self, fam: Family, sup_vals, sub_vals, entry) -> Value:
        sizes = self.notation.sizes
        if fam.role == "class label":
            classes = self._classes()
            return sp.Integer(self.labels.value((fam.name, *sup_vals, *sub_vals), classes))
        # one-hot: the last written index is the entry; the others pick the member
        indices = list(sup_vals) + list(sub_vals) + list(entry)
        if fam.shape:
            n_classes = sizes[fam.shape[-1]]
            key_axes, position = indices[:len(fam.axes)], indices[len(fam.axes):]
        else:
            n_classes = sizes[self.notation.indices[fam.axes[-1]]]
            key_axes, position = indices[:len(fam.axes) - 1], indices[len(fam.axes) - 1:]
        label = self.labels.value((fam.name, *key_axes), n_classes)
        if position:
            return sp.Integer(1) if position[0] == label else sp.Integer(0)
        return column([sp.Integer(1) if c == label else sp.Integer(0) for c in range(1, n_classes + 1)])

    def _classes(self) -> int:
        for name, role in self.notation.size_roles.items():
            if role == "classes":
                return self.notation.sizes[name]
        raise Unsupported("a class label needs a size with role 'classes'")


def _check_range(value: int, size: int, name: str) -> None:
    """Entries run over 1..size; entry 0 is read too, for a text that counts from 0 (``w_0`` beside ``w_1``,
    a bias written as the 0th weight, ``\\sum_{i=0}^{n-1}``): it is one more entry, never a wrapped-around one."""
    if not 0 <= value <= size:
        raise OutOfRange(f"{name} has no entry {value}: its index runs over 1..{size} (and 0, for a text that "
                         "counts from 0)")


#: The largest whole power of a square matrix multiplied out (``A^2``, ``(X^\top X)^{-1}``).
MAX_MATRIX_POWER = 4
#: The largest matrix of unknowns inverted (adjugate over determinant): a 4×4 ``(A^\top A)^{-1}`` takes
#: half a minute to decide.
MAX_INVERTED = 3


def _matrix_power(value: Value, exponent) -> Value:
    """``A^k`` and ``A^{-1}`` of a square matrix: the product, or the inverse as adjugate over determinant
    (exact, entry by entry; a matrix whose determinant is zero everywhere has no inverse and says so)."""
    rows, cols = value.shape
    if rows != cols or rows == 1 or not exponent.is_Integer or exponent == 0 or abs(exponent) > MAX_MATRIX_POWER:
        raise ShapeError(f"a power of a {shape_text(value)}")
    if exponent < 0 and rows > MAX_INVERTED and value.free_symbols:
        raise Unsupported(f"the inverse of a {shape_text(value)} of unknowns (at most {MAX_INVERTED}×{MAX_INVERTED} "
                          "is inverted exactly: a larger one takes too long to decide)")
    if exponent < 0:
        det = sp.cancel(sp.together(value.det(method="berkowitz")))
        if det == 0:
            raise Unsupported(f"the inverse of a {shape_text(value)} whose determinant is zero")
        value = value.adjugate(method="berkowitz").applyfunc(lambda e: sp.together(e / det))
        exponent = -exponent
    out = value
    for _ in range(int(exponent) - 1):
        out = out * value
    return out
