"""Symbols, declared families (inputs, weights, labels) and defined quantities, over arrays.

A symbol bound by the environment is an index array; a declared family is the data it stands for
(the inputs X, the weights W, the labels as class numbers or one-hot rows), with one named axis
per written index; a defined symbol is its definition's body, evaluated once (logits and
probabilities are materialised, as their uses are not linear).
"""

from __future__ import annotations

import numpy as np

from ..latex import nodes as n
from ..notation.conventions import SIGMOID, SOFTMAX
from ..notation.header import LABEL_ROLES, Definition, Family
from .arrays import COL, ROW, SAMPLE, Arr, LiftError, as_float, gather, op
from .terms import Lazy, Term, Value, dense, elementwise, rename, times, transpose


class SymbolsMixin:
    """The lifter's symbols, families and definitions (mixed into lift.Lifter)."""

    def _scripted(self, node: n.Scripted, env) -> Arr:
        base = node.base
        if isinstance(base, n.Sym) and base.name == "e" and node.sub is None and node.sup is not None \
                and "e" not in self.notation.families:
            v = self.value(node.sup, env)
            v = dense(v)
            return Arr(op(np.exp, v.data), v.axes)
        sup_index, power, transposed = self.notation.superscript(node)
        if isinstance(base, n.Sym):
            value = self.symbol(base.name, node.sub or (), sup_index, (), env)
        else:
            value = self.value(base, env)
            if node.sub:                               # (x_i)_d: an entry of the bracketed vector
                value = self._select_entries(value, node.sub, env, "a bracketed expression")
        if transposed:
            value = transpose(value)
        if power is not None and power == n.Num("2"):
            if isinstance(base, n.Norm):               # ‖v‖²: the sum of squares, with no root taken
                return self.squares(base.arg, env)
            square = dense(value)                       # (a − b)² squares the difference: not expanded
            return Lazy((Term(1.0, (square, square)),))
        if power is not None:
            value = elementwise(np.power, value, self.value(power, env))
        return value

    def _call(self, node: n.Call, env) -> Arr:
        name, sub, sup, _ = parts(node.head)
        if name is not None and self.definition_for(name, sub, sup) is not None:
            return self.symbol(name, sub, sup, node.args, env)
        if name in (SOFTMAX, SIGMOID) and len(node.args) == 1:      # named, with one meaning
            arg = dense(self.value(node.args[0], env))
            value = self.softmax(arg) if name == SOFTMAX else self.logistic(arg)
            return self._select_entries(value, sub, env, name) if sub else value
        if len(node.args) != 1:
            raise LiftError(f"{name or 'an expression'} applied to {len(node.args)} arguments")
        return times(self.value(node.head, env), self.value(node.args[0], env))

    def symbol(self, name: str, sub, sup, args, env) -> Arr:
        bound = env.get(name)
        if isinstance(bound, Arr):
            return self._select_entries(bound, sub, env, name) if sub else bound
        defn = self.definition_for(name, sub, sup)
        if defn is not None:
            return self._defined(defn, sub, sup, args, env)
        if name in self.notation.families:
            return self._family(self.notation.families[name], sub, sup, env)
        if name in self.sizes and not sub:
            return Arr.scalar(self.sizes[name])
        if name == "e" and not sub:
            return Arr.scalar(np.e)
        if name == "\\delta" and sub:
            a, b = (self._index_value(i, env) for i in two_indices(sub))
            out = elementwise(np.equal, a, b)
            return Arr(op(as_float, out.data), out.axes)
        raise LiftError(f"{name} has no array value")

    def definition_for(self, name: str, sub, sup) -> Definition | None:
        """The definition a use of ``name`` means: the one written with as many indices as the use
        (E(w) beside E_n); failing that, the declared family of that name (y_n beside
        y_{nc} = 1(y_n = c)); failing that, the first definition (z beside z_k: the whole vector)."""
        defs = self.notation.definitions_of(name)
        written = (_count(sub), len(flat_items(sup)))
        for defn in defs:
            if (len(defn.sub_axes), len(defn.sup_axes)) == written:
                return defn
        if not defs or name in self.notation.families:
            return None
        return defs[0]

    def _index_value(self, item: n.Node, env) -> Arr:
        if isinstance(item, n.Sym) and item.name in self.notation.indices and item.name not in env:
            raise LiftError(f"the index {item.name} is free here")
        return dense(self.value(item, env))

    def _select_entries(self, value: Value, sub, env, name: str) -> Arr:
        value = dense(value)
        items = flat_items(sub)
        positional = [a for a in value.axes if a in (ROW, COL)]
        if len(items) != len(positional):
            raise LiftError(f"{name} takes {len(positional)} indices here")
        for axis, item in zip(positional, items):
            value = gather(value, axis, self._index_value(item, env))
        return value

    # ---- declared data
    def _family(self, fam: Family, sub, sup, env) -> Arr:
        slots = self._slots(fam)
        array, axes = self._source(fam)
        items = list(flat_items(sup)) + list(flat_items(sub))
        value = Arr(array, axes)
        if len(items) == 1 and len(slots) == 2 and isinstance(items[0], n.Mul) and len(items[0].factors) == 2 \
                and all(isinstance(f, n.Sym) and f.name in self.notation.indices for f in items[0].factors):
            items = list(items[0].factors)           # \Theta_{ij}; x_{nj} of x_n ∈ R^D
        for (kind, axis, _), item in zip(slots, items):
            value = gather(value, axis, self._index_value(item, env))
        rest = [s for s in slots[len(items):]]
        positional = [ROW, COL]
        for kind, axis, _ in rest:
            value = value.rename(axis, positional.pop(0))
        return value

    def _slots(self, fam: Family) -> list[tuple[str, str, str]]:
        """(kind, axis name in the source array, role) for the family's written indices, in order."""
        slots = []
        for n_axis, letter in enumerate(fam.axes):
            role = self.notation.size_roles.get(self.notation.indices[letter], "")
            slots.append(("axis", f"@{fam.name}{n_axis}", role))
        for n_shape, size in enumerate(fam.shape):
            role = self.notation.size_roles.get(size, "")
            slots.append(("shape", f"@{fam.name}s{n_shape}", role))
        return slots

    def _source(self, fam: Family) -> tuple[np.ndarray, tuple[str, ...]]:
        """The family's data, with one named axis per slot (and the sample axis if implicit)."""
        slots = self._slots(fam)
        roles = [r for _, _, r in slots]
        if fam.role in LABEL_ROLES:
            return self._labels(fam, slots)
        if fam.role == "input":
            data, data_roles = self.data.X, ["samples", "features"]
        elif fam.role == "weights":
            data, data_roles = self.data.W, ["features", "classes"][:self.data.W.ndim]
        elif fam.role == "bias":
            data_roles = ["classes"] if "classes" in roles else []
            data = self.bias if self.bias is not None else np.zeros((self.data.classes,) * len(data_roles))
        elif fam.role == "variable" and fam.name == self.data.target:
            data, data_roles = self.data.y, ["samples"]
        elif fam.role == "variable" and fam.name in dict(self.data.constants) and not slots:
            return np.asarray(dict(self.data.constants)[fam.name], dtype=float), ()
        else:
            raise LiftError(f"{fam.name} ({fam.role}) has no data")
        axes = []
        for role in data_roles:
            if role in roles:
                axes.append(slots[roles.index(role)][1])
            elif role == "samples":
                axes.append(SAMPLE)
            else:
                raise LiftError(f"{fam.name} has no index for its {role}")
        return data, tuple(axes)

    def _labels(self, fam: Family, slots) -> tuple[np.ndarray, tuple[str, ...]]:
        roles = [r for _, _, r in slots]
        classes = self.data.y + 1                                     # classes are 1..K in the notation
        sample_axis = slots[roles.index("samples")][1] if "samples" in roles else SAMPLE
        if fam.role == "class label":
            return classes, (sample_axis,)
        onehot = np.eye(self.data.classes)[self.data.y]
        class_slot = [s for s in slots if s[2] == "classes"]
        if not class_slot:
            raise LiftError(f"the one-hot label {fam.name} has no class index")
        return onehot, (sample_axis, class_slot[-1][1])

    # ---- defined quantities
    def _body_env(self, defn: Definition, sub, sup, args, env) -> dict:
        body_env = {k: v for k, v in env.items() if isinstance(v, Arr) and k in self.notation.indices}
        sub_items = flat_items(sub)
        if len(sub_items) == 1 and len(defn.sub_axes) == 2 and isinstance(sub_items[0], n.Mul):
            sub_items = list(sub_items[0].factors)
        for letter, item in zip(defn.sup_axes, flat_items(sup)):
            body_env[letter] = self._index_value(item, env)
        for letter, item in zip(defn.sub_axes, sub_items):
            body_env[letter] = self._index_value(item, env)
        if defn.params is not None and args:
            for pattern, arg in zip(defn.params, args):
                self._bind(pattern, arg.arg if isinstance(arg, n.Group) else arg, env, body_env)
        return body_env

    def _bind(self, pattern: n.Node, arg: n.Node, env, body_env: dict) -> None:
        if pattern == arg:
            return
        if isinstance(pattern, n.Sym):
            body_env[pattern.name] = self._index_value(arg, env) if pattern.name in self.notation.indices \
                else dense(self.value(arg, env))
        elif isinstance(pattern, n.Scripted) and isinstance(arg, n.Scripted) and pattern.sub and arg.sub:
            for p_item, a_item in zip(flat_items(pattern.sub), flat_items(arg.sub)):
                if isinstance(p_item, n.Sym):
                    body_env[p_item.name] = self._index_value(a_item, env)
        elif isinstance(pattern, (n.Given, n.Rel)) and type(pattern) is type(arg):
            for p, a in ((pattern.event, arg.event), (pattern.condition, arg.condition)) if isinstance(pattern, n.Given) \
                    else ((pattern.lhs, arg.lhs), (pattern.rhs, arg.rhs)):
                self._bind(p, a, env, body_env)

    def _defined(self, defn: Definition, sub, sup, args, env) -> Arr:
        given = len(flat_items(sub)) + len(flat_items(sup))
        wanted = len(defn.sub_axes) + len(defn.sup_axes)
        if given == 0 and wanted:          # \boldsymbol{z}, X: the whole family, as a vector or matrix
            letters = defn.sup_axes + defn.sub_axes
            if len(letters) > 2:
                raise LiftError(f"{defn.name} used without indices")
            body_env = self._body_env(defn, (), (), args, env)
            axes = [self.fresh(letter) for letter in letters]
            for letter, axis in zip(letters, axes):
                body_env[letter] = self.index_array(letter, axis)
            value = self.value(defn.rhs, body_env)
            for axis, position in zip(axes, (ROW, COL)):
                value = rename(value, axis, position)
            return value
        if given and not wanted:                       # ŷ_k beside ŷ = softmax(z): an entry of it
            return self._select_entries(self._evaluated(defn, self._body_env(defn, (), (), args, env)), sub, env,
                                        defn.name)
        body_env = self._body_env(defn, sub, sup, args, env)
        for letter in defn.sup_axes + defn.sub_axes:
            at = body_env.get(letter)
            if isinstance(at, Arr) and at.axes and not self._whole_range(letter, at):
                # at a label (S_y): the quantity over the whole range of its index, taken at the
                # label, so S_y is an entry of the S every other use computes
                axis = self.fresh(letter)
                whole = self._evaluated(defn, {**body_env, letter: self.index_array(letter, axis)})
                return gather(whole, axis, at)
        return self._evaluated(defn, body_env)

    def _evaluated(self, defn: Definition, body_env: dict) -> Arr:
        """A defined quantity is materialised once (logits, probabilities): its uses are not linear."""
        used = self._names_in(defn.rhs)
        return self._cached(("definition", defn.text), defn, {k: v for k, v in body_env.items() if k in used},
                            lambda: dense(self.value(defn.rhs, body_env)))

    def _whole_range(self, letter: str, at: Arr) -> bool:
        data = np.asarray(at.data)
        return data.ndim == 1 and np.array_equal(data, np.arange(1, self.size_of_index(letter) + 1))


def parts(node: n.Node):
    args = ()
    if isinstance(node, n.Call):
        node, args = node.head, node.args
    if isinstance(node, n.Sym):
        return node.name, (), (), args
    if isinstance(node, n.Scripted) and isinstance(node.base, n.Sym):
        sup = (node.sup.arg,) if isinstance(node.sup, n.Group) else ()
        return node.base.name, node.sub or (), sup, args
    return None, (), (), args


def _count(sub) -> int:
    """How many indices a subscript writes: \\Theta_{ij} writes two."""
    items = flat_items(sub)
    if len(items) == 1 and isinstance(items[0], n.Mul) and all(isinstance(f, n.Sym) for f in items[0].factors):
        return len(items[0].factors)
    return len(items)


def flat_items(items) -> list:
    return [i for i in (items or ()) if i != "substack"]


def two_indices(sub) -> list:
    items = flat_items(sub)
    if len(items) == 1 and isinstance(items[0], n.Mul) and len(items[0].factors) == 2:
        return list(items[0].factors)
    if len(items) != 2:
        raise LiftError("\\delta takes two indices")
    return items
