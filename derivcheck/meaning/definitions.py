"""Definitions: a use of a defined symbol (``z_j``, ``g_k(z)``, the loss) becomes atoms.

The definition written with the use's indices is matched against it, its parameters bound to the
use's arguments, and its body evaluated there, once per label assignment the body reads; the value
is kept in the atom table (atoms.py) and the use stands for it as an atom, so that a derivative by
it means what its author meant. What a use takes from where it stands is context.py's.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

from sympy import ImmutableMatrix

from ..latex import nodes as n
from ..notation.axes import split_sup
from ..notation.header import Definition
from .indices import flat_items
from .matrices import stack
from .values import SAMPLE, Bound, Env, ShapeError, Unsupported, Value, column, hashable, is_matrix, node_text


class Definitions:
    """The Evaluator's defined symbols: which definition a use means (``_defined_value``), the use
    bound to it (``_use``, ``_bind``), and its body evaluated into atoms (``_atom``). A part of
    Evaluator (evaluate.py): ``self`` is the whole evaluator."""

    def _defined_value(self, name: str, sub: tuple, sup_index: tuple, args: tuple, env: Env,
                       node: n.Node) -> Value:
        errors = []
        sample = self._one_example(name, sup_index, env)
        if sample is not None:
            # ŷ^{(i)} beside ŷ = softmax(o): the definition is written for one example; here for example i
            return self._defined_value(name, sub, (), args, {**env, SAMPLE: sample}, node)
        written = (len(flat_items(sub)), len(sup_index or ()))
        per_example = self._per_example(name, written) if not args else None
        if per_example is not None:
            # a_k = w_k^T φ beside a_{nk} = w_k^T φ_n: a_k is a_{nk} for the example in use
            in_use = self.sample_in_use(env)
            if in_use is None:
                self.note(f"{name} is written without its sample index: read as one example, the first")
            return self._use(per_example, sub, (), (), env, lead=in_use or 1)
        # L beside L_i: the definition written with as many indices as the use comes first
        candidates = sorted(self.notation.definitions_of(name),
                            key=lambda d: (len(d.sub_axes), len(d.sup_axes)) != written)
        for defn in candidates:
            try:
                value = self._use_entrywise(defn, sub, sup_index, args, env)
            except _NoMatch as why:
                errors.append(str(why))
                continue
            return self._as_entries(value, defn, candidates, args, env) if written == (0, 0) else value
        items = flat_items(sub)
        # a family declared for the written form (E_k beside E = Σ_j E_j) wins over the whole vector's
        # definition, though not over one with the leading indices (u_{t,c} beside u_t = Θ x_t)
        shorter = sorted((d for d in candidates if not d.sup_axes and len(d.sub_axes) < len(items)
                          and (d.params is None or not d.sub_axes)
                          and (d.sub_axes or name not in self.notation.families)), key=lambda d: -len(d.sub_axes))
        if shorter and not sup_index:
            # z_k beside z = Wx + b, u_{t,c} beside u_t = Θ x_t: an entry of the vector defined
            k = len(shorter[0].sub_axes)
            value = self._use(shorter[0], tuple(items[:k]), (), args, env)
            return self._entry_of(value, tuple(items[k:]), env, name)
        longer = [d for d in candidates if d.params is None and not d.sup_axes and len(d.sub_axes) == len(items) + 1
                  and all(self._same_axis(i, a) for i, a in zip(items, d.sub_axes))]
        fam = self.notation.families.get(name)
        if items and longer and not sup_index and (fam is None or fam.role == "unknown"):
            # \tilde{y}_t beside \tilde{y}_{t,c} = …: example t's vector of entries
            size = self.notation.size_of_index(longer[0].sub_axes[-1])
            return column([self._use(longer[0], tuple(items) + (n.Num(str(c)),), (), args, env)
                           for c in range(1, size + 1)])
        if name in self.notation.families:
            # y_{nc} = 1(y_n = c) is defined, y_n is the declared class label
            return self._family_value(self.notation.families[name], sub, sup_index, env)
        raise Unsupported(f"{node_text(node)} does not match the definition of {name}: {'; '.join(errors)}")

    def _same_axis(self, item: n.Node, letter: str) -> bool:
        return isinstance(item, n.Sym) and item.name in self.notation.indices \
            and self.notation.indices[item.name] == self.notation.indices.get(letter)

    def _as_entries(self, value: Value, defn: Definition, candidates: list, args: tuple, env: Env) -> Value:
        """``z = W^T x + b`` beside ``z_c = w_c^T x + b_c`` (or ``S = XW + 1b^T`` beside ``S_{nj} = …``):
        the vector or matrix is made of the entries the rest of the document uses, so that
        derivatives by z and by z_c meet the same quantities."""
        if defn.sub_axes or defn.sup_axes or not is_matrix(value):
            return value
        for entry in candidates:
            if len(entry.sub_axes) in (1, 2) and not entry.sup_axes and entry.params is None:
                try:
                    entries = self._use(entry, (), (), args, env)
                except _NoMatch:
                    continue
                if is_matrix(entries) and entries.shape == value.shape:
                    return entries
        return value

    def _use_entrywise(self, defn: Definition, sub: tuple, sup_index: tuple, args: tuple, env: Env) -> Value:
        """``defn`` at this use; a function of one number (``\\sigma(a) = \\frac{1}{1 + e^{-a}}``, or written
        ``\\sigma(z_i) = …``) applied to a vector or matrix, or to an expression not of its parameter's form,
        is applied entry by entry, as ML writes it. A body that reads its parameter as a whole (``w^T x``)
        is evaluated with the whole value first, and only its failure leads here."""
        scalar = _of_one_number(defn)
        if scalar is None or len(args) != 1 or sub or sup_index:
            return self._use(defn, sub, sup_index, args, env)
        arg = n.ungroup(args[0])
        if isinstance(defn.params[0], n.Scripted) and not _fits(defn.params[0], arg):
            value = self.value(arg, env)
            return self._entries(scalar, value)
        try:
            return self._use(defn, sub, sup_index, args, env)
        except (Unsupported, ShapeError) as why:
            value = self.value(arg, env)
            if not is_matrix(value):
                raise
            try:
                result = self._entries(scalar, value)
            except (Unsupported, ShapeError):
                raise why from None
            self.note(f"{defn.name} is a function of a number, applied to each entry of its argument")
            return result

    def _entries(self, scalar: Definition, value: Value) -> Value:
        if not is_matrix(value):
            return self._atom(scalar, [], [], {_ARGUMENT: Bound(value)})
        entries = [self._atom(scalar, [], [], {_ARGUMENT: Bound(e)}) for e in value]
        return ImmutableMatrix(value.shape[0], value.shape[1], entries)

    def _use(self, defn: Definition, sub: tuple, sup_index: tuple, args: tuple, env: Env,
             lead: int | None = None) -> Value:
        """``defn`` at the indices written (``lead``: a value for its first index, not written)."""
        sizes = self.notation.sizes
        sub_items = flat_items(sub)
        if lead is not None:
            sub_vals = [lead] + [self.index(i, env) for i in sub_items]
        elif sub_items and len(sub_items) != len(defn.sub_axes):
            if len(defn.sub_axes) > 1 and len(sub_items) == 1:
                try:
                    sub_vals = self._indices(sub, len(defn.sub_axes), env, defn.name)
                except Unsupported as why:
                    raise _NoMatch(str(why)) from None
            else:
                raise _NoMatch(f"{len(defn.sub_axes)} subscript ind{'ex' if len(defn.sub_axes) == 1 else 'ices'} expected")
        else:
            sub_vals = [self.index(i, env) for i in sub_items] if sub_items else None
        sup_vals = self._indices(sup_index, len(defn.sup_axes), env, defn.name) if sup_index else \
            self._sample_here(defn.sup_axes, env, defn.name)
        # the example in use matters to a definition about one example, not to one with its own sample index
        own_sample = any(self._is_sample_letter(a) for a in defn.sub_axes + defn.sup_axes)
        in_use = None if own_sample else self.sample_in_use(env)
        binding: dict[str, object] = {SAMPLE: in_use} if in_use is not None else {}
        if defn.params is not None and args:
            if len(args) != len(defn.params):
                raise _NoMatch(f"{len(defn.params)} argument{'s' if len(defn.params) != 1 else ''} expected")
            for pattern, arg in zip(defn.params, args):
                self._bind(pattern, n.ungroup(arg), env, binding)
                sample = self._example_of(pattern, n.ungroup(arg), env)
                if sample is not None:      # y_k(φ_n) beside a_k = w_k^T φ: the body is about example n
                    binding[SAMPLE] = sample
        sub_choices = [sub_vals] if sub_vals is not None else [
            list(c) for c in itertools.product(*[range(1, sizes[self.notation.indices[a]] + 1) for a in defn.sub_axes])]
        sup_choices = [sup_vals] if sup_vals is not None else [
            list(c) for c in itertools.product(*[range(1, sizes[self.notation.indices[a]] + 1) for a in defn.sup_axes])]
        binding.update(self._context_indices(defn, binding, env))
        members = [[self._atom(defn, sv, bv, binding) for bv in sub_choices] for sv in sup_choices]
        return stack(members, sup_vals is None and bool(defn.sup_axes), sub_vals is None and bool(defn.sub_axes),
                      self._axis_lengths(defn.sub_axes) if sub_vals is None else ())

    def _axis_lengths(self, axes: tuple[str, ...]) -> tuple[int, ...]:
        return tuple(self.notation.size_of_index(a) for a in axes)

    def _bind(self, pattern: n.Node, arg: n.Node, env: Env, binding: dict) -> None:
        """Match one definition parameter against the argument of a use."""
        if pattern == arg and not (isinstance(arg, n.Sym) and isinstance(env.get(arg.name), Bound)):
            return  # J(θ) used as J(θ): nothing to substitute, and θ keeps its own indexing (unless u is
                    # itself a parameter here: s(u) inside h(u) = 1/s(u) is s at h's argument)
        if isinstance(pattern, n.Sym):
            if pattern.name in self.notation.indices:
                binding[pattern.name] = self.index(arg, env)
            else:
                binding[pattern.name] = Bound(self.value(arg, env))
            return
        if isinstance(pattern, n.Scripted) and isinstance(pattern.base, n.Sym) and pattern.sub \
                and all(isinstance(i, n.Sym) and i.name in self.notation.indices for i in flat_items(pattern.sub)):
            if not (isinstance(arg, n.Scripted) and isinstance(arg.base, n.Sym) and arg.base.name == pattern.base.name
                    and arg.sub and len(flat_items(arg.sub)) == len(flat_items(pattern.sub))):
                raise _NoMatch(f"argument {node_text(arg)} is not of the form {node_text(pattern)}")
            for letter, item in zip(flat_items(pattern.sub), flat_items(arg.sub)):
                binding[letter.name] = self.index(item, env)
            return
        if isinstance(pattern, n.Given) and isinstance(arg, n.Given):
            self._bind(pattern.event, arg.event, env, binding)
            self._bind(pattern.condition, arg.condition, env, binding)
            return
        if isinstance(pattern, n.Rel) and isinstance(arg, n.Rel) and pattern.op == arg.op:
            self._bind(pattern.lhs, arg.lhs, env, binding)
            self._bind(pattern.rhs, arg.rhs, env, binding)
            return
        raise _NoMatch(f"argument {node_text(arg)} does not fit {node_text(pattern)}")

    def _atom(self, defn: Definition, sup_vals: list[int], sub_vals: list[int], binding: dict) -> Value:
        env: dict[str, object] = {}
        for letter, value in zip(defn.sup_axes + defn.sub_axes, list(sup_vals) + list(sub_vals)):
            if env.setdefault(letter, value) != value:
                # R_{nn} = y_n(1 - y_n) says nothing of R_{12}: never read it as R_{22}
                raise Unsupported(f"{defn.text} defines only the entries whose {letter}-indices agree")
        env.update(binding)
        key = (defn.text, tuple(sorted((k, hashable(v)) for k, v in env.items())))
        for deps, known in self.atoms.by_key.get(key, ()):
            if self.labels.matches(deps):
                self.labels.note(deps)
                return known
        if key in self._active:
            raise Unsupported(f"the definition of {defn.name} refers to itself")
        self._active.append(key)
        trace = self.labels.trace()
        try:
            body = self.value(defn.rhs, env)
        finally:
            self._active.pop()
            deps = self.labels.end(trace)
        self.labels.note(deps)
        display = _atom_display(defn, sup_vals, sub_vals, binding)
        if is_matrix(body):
            entries = []
            for pos, entry in enumerate(body):
                atom = self.atoms.new_atom(f"{display}[{pos + 1}]")
                self.atoms.expansion[atom] = entry
                entries.append(atom)
            result: Value = ImmutableMatrix(body.shape[0], body.shape[1], entries)
        else:
            atom = self.atoms.new_atom(display)
            self.atoms.expansion[atom] = body
            result = atom
        if defn.name in self.notation.ambiguous:     # σ after "let σ = \sqrt{σ^2 + ε}": never refuted
            self.atoms.ambiguous.update(result if is_matrix(result) else [result])
        if defn.name in self.notation.graph_nodes:   # batch norm's μ: a local derivative may hold it fixed
            self.atoms.graph_nodes.update(result if is_matrix(result) else [result])
        self.atoms.by_key.setdefault(key, []).append((deps, result))
        return result


class _NoMatch(Exception):
    pass


#: The parameter of a function of one number, renamed so that no letter of the text can meet it.
_ARGUMENT = "\\#argument"


def _of_one_number(defn: Definition) -> Definition | None:
    """``defn`` as a function of one number, its parameter renamed ``_ARGUMENT``; None unless its one
    parameter is a name (``a``) or one entry (``z_i``), written in the body only as itself, and the
    definition has no index of its own."""
    if defn.params is None or len(defn.params) != 1 or defn.sub_axes or defn.sup_axes:
        return None
    pattern = defn.params[0]
    if isinstance(pattern, n.Sym):
        base = pattern.name
    elif isinstance(pattern, n.Scripted) and isinstance(pattern.base, n.Sym) and pattern.sub and pattern.sup is None:
        base = pattern.base.name
    else:
        return None
    letters = {i.name for i in flat_items(pattern.sub)} if isinstance(pattern, n.Scripted) else set()
    if isinstance(pattern, n.Sym) and any(isinstance(x, n.Scripted) and x.base == pattern and (x.sub or split_sup(x.sup)[2])
                                          for x in n.walk(defn.rhs)):
        return None         # a_k, a^T: the parameter is a vector
    placeholder = n.Sym(_ARGUMENT)

    def swap(x: n.Node) -> n.Node:
        return placeholder if x == pattern else x
    body = n.rebuild(defn.rhs, swap)
    for x in n.walk(body):
        if isinstance(x, n.Sym) and (x.name == base or x.name in letters) or isinstance(x, n.Sum) and x.index in letters:
            return None     # the parameter read otherwise (z_k, z^T), or its index used on its own
    return replace(defn, text=f"{defn.text} [of one number]", params=(placeholder,), rhs=body)


def _fits(pattern: n.Scripted, arg: n.Node) -> bool:
    """``z_j`` for the parameter ``z_i``: the usual binding, index by index."""
    return isinstance(arg, n.Scripted) and isinstance(arg.base, n.Sym) and arg.base == pattern.base \
        and arg.sub is not None and len(flat_items(arg.sub)) == len(flat_items(pattern.sub))


def _atom_display(defn: Definition, sup_vals, sub_vals, binding: dict) -> str:
    text = defn.name
    if sup_vals:
        text += f"^{{({','.join(map(str, sup_vals))})}}"
    if sub_vals:
        text += f"_{{{','.join(map(str, sub_vals))}}}"
    bound = [k for k, v in binding.items() if isinstance(v, Bound)]
    if bound:
        text += "(" + ",".join(sorted(bound)) + ")"
    return text
