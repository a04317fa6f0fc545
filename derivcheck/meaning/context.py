"""Where a defined symbol is used: the example in use, and the free indices its body borrows.

``a_k`` beside ``a_{nk} = w_k^T φ_n`` is example n's a_{nk}; ``ŷ^{(i)}`` beside ``ŷ = softmax(o)`` is
the one-example definition at example i; ``f_j = w_j x_i`` takes its i from where it is used. This
is settled before definitions.py evaluates the body.
"""

from __future__ import annotations

from ..latex import nodes as n
from ..notation.header import Definition, Notation
from .indices import flat_items
from .values import SAMPLE, Env, Unsupported


class UseContext:
    """The Evaluator's reading of a use's surroundings: the example a use is about (a sample index
    written, left out, or in use around it) and the index letters a definition's body needs from
    where it is used. A part of Evaluator (evaluate.py): ``self`` is the whole evaluator."""

    def _one_example(self, name: str, sup_index: tuple, env: Env) -> int | None:
        """The example a sample superscript names, where every definition of ``name`` is written
        without one (and so for a single example); None otherwise."""
        if not sup_index or len(sup_index) != 1 or any(d.sup_axes for d in self.notation.definitions_of(name)):
            return None
        item = sup_index[0]
        if not (isinstance(item, n.Sym) and self._is_sample_letter(item.name)):
            return None
        return self.index(item, env)

    def _per_example(self, name: str, written: tuple[int, int]) -> Definition | None:
        """The definition with the sample index first (``a_{nk}``) that a use without it (``a_k``)
        stands for: where the one written that way is about one example (its body writes a
        per-example symbol such as φ without its index), or where there is none."""
        defs = self.notation.definitions_of(name)
        wider = [d for d in defs if d.params is None and not d.sup_axes and len(d.sub_axes) == written[0] + 1
                 and self._is_sample_letter(d.sub_axes[0])]
        if written[1] or not written[0] or not wider:
            return None     # p written bare beside p_i: the vector of every example's p_i
        same = [d for d in defs if (len(d.sub_axes), len(d.sup_axes)) == written]
        if not same and name in self.notation.families:
            return None     # y_n beside y_{nc} = 1(y_n = c): the declared label itself
        return wider[0] if all(self._about_one_example(d) for d in same) else None

    def _about_one_example(self, defn: Definition) -> bool:
        for x in n.walk(defn.rhs):
            fam = self.notation.families.get(x.name) if isinstance(x, n.Sym) else None
            if fam is not None and len(fam.axes) == 1 and self._is_sample_letter(fam.axes[0]):
                return True
        return False

    def _example_of(self, pattern: n.Node, arg: n.Node, env: Env) -> int | None:
        """The example ``arg`` is, where it is ``pattern`` with a sample index (φ_n for φ, x^{(i)} for x)."""
        if not (isinstance(pattern, n.Sym) and isinstance(arg, n.Scripted) and arg.base == pattern):
            return None
        fam = self.notation.families.get(pattern.name)
        if fam is None:
            return None
        sup_index = self.notation.superscript(arg)[0]
        for items, axes in ((flat_items(arg.sub), fam.sub_axes), (list(sup_index), fam.sup_axes)):
            if len(items) == 1 and len(axes) == 1 and self._is_sample_letter(axes[0]):
                return self.index(items[0], env)
        return None

    def _is_sample_letter(self, letter: str) -> bool:
        return self.notation.size_roles.get(self.notation.indices.get(letter)) == "samples"

    def _sample_here(self, axes: tuple[str, ...], env: Env, name: str) -> list[int] | None:
        """``x`` written bare beside ``x^{(i)}``: one example, the one in use (example 1 in a step
        about a single example, with a note); None where the superscript is not a sample's."""
        if len(axes) != 1 or not self._is_sample_letter(axes[0]):
            return None
        in_use = self.sample_in_use(env)
        if in_use is None:
            self.note(f"{name} is written without its sample superscript: read as one example, {name}^{{(1)}}")
        return [in_use or 1]

    def sample_in_use(self, env: Env) -> int | None:
        """The example a step or a sum is about: the one a definition was used for, or else the value of
        the one sample index the step leaves free or a sum binds (``y^{(i)}\\log\\lambda`` with
        ``λ = e^{θ^T x}``: that x is x^{(i)}, as the text means). None where nothing tells."""
        if SAMPLE in env:
            return env[SAMPLE]
        values = {v for k, v in env.items() if isinstance(v, int) and k != SAMPLE and self._is_sample_letter(k)}
        return values.pop() if len(values) == 1 else None

    def _context_indices(self, defn: Definition, binding: dict, env: Env) -> dict[str, int]:
        """Free indices a definition's body uses besides its own (``f_j = w_j x_i`` uses the
        sample index i): their values come from where the definition is used."""
        own = set(defn.sub_axes) | set(defn.sup_axes) | set(binding)
        needed = self._context_letters(defn, ()) - own
        values = {}
        for letter in sorted(needed):
            value = env.get(letter)
            if not isinstance(value, int):
                raise Unsupported(f"the definition of {defn.name} uses the index {letter}, which has no "
                                  "value where it is used")
            values[letter] = value
        return values

    def _context_letters(self, defn: Definition, seen: tuple) -> set[str]:
        """Free index letters of a definition's body and of the definitions it uses, transitively."""
        if defn.text in self._contexts:
            return self._contexts[defn.text]
        if defn.text in seen:
            return set()
        self._contexts[defn.text] = letters = self._context_letters_of(defn, seen)
        return letters

    def _context_letters_of(self, defn: Definition, seen: tuple) -> set[str]:
        own = set(defn.sub_axes) | set(defn.sup_axes)
        letters = n.free_indices(defn.rhs, self.notation.indices)
        # σ(z) = 1/(1 + e^{-z}): its parameter z is not the z the text defines elsewhere (z = Σ_d w_d x_d + b)
        params = {x.name for p in defn.params or () for x in n.walk(p) if isinstance(x, n.Sym)}
        for x in n.walk(defn.rhs):
            if isinstance(x, n.Sym) and x.name != defn.name and x.name not in params:
                for used in self.notation.definitions_of(x.name):
                    # letters a used definition binds through its arguments come from those
                    # arguments, which this body writes (and binds or leaves free) itself
                    letters |= self._context_letters(used, seen + (defn.text,)) - _parameter_letters(used, self.notation)
        return letters - own


def _parameter_letters(defn: Definition, notation: Notation) -> set[str]:
    """Index letters a definition binds through its parameters (``\\sigma(z_k)`` binds k)."""
    if not defn.params:
        return set()
    return {x.name for p in defn.params for x in n.walk(p) if isinstance(x, n.Sym) and x.name in notation.indices}
