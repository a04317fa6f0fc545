"""SymPy's own code generation for a derivation's gradient, to measure against derivcheck's compile pass.

The lifter (derivcheck/train/lift.py) records the author's final gradient as array operations on
a tape. Here the same tape becomes one SymPy array expression (``sympy.tensor.array.expressions``:
``ArrayContraction``, ``ArrayDiagonal``, ``ArrayAdd``, ``ArrayElementwiseApplyFunc`` …, built with
``convert_indexed_to_array`` one operation at a time), which ``lambdify`` turns into NumPy code.
No name from the derivation exists in the expression, let alone reaches the generated code: the
arrays are ``ArraySymbol``s named here (``weights``, ``fixed0``, …; SymPy prints a ``Dummy``-named
array symbol under another name than its argument, so a ``Dummy`` cannot name an argument), and
every index is a ``Dummy``.

Two things SymPy lacks are stated where they are filled in: its NumPy printer has no method for an
elementwise function of an array expression (``exp`` of the logits), so one is added here
(``(lambda u: exp(u))(array)``); and array expressions have no maximum over an axis, so the
softmax's shift by its maximum is left out (the same value, unshifted: the digits and synthetic
data here do not overflow).
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from scipy.special import expit
from sympy.printing.numpy import NumPyPrinter
from sympy.tensor.array.expressions import ArrayElementwiseApplyFunc, ArraySymbol, PermuteDims, ZeroArray
from sympy.tensor.array.expressions.from_indexed_to_array import convert_indexed_to_array

from derivcheck.train.arrays import first_of_last


class ArrayPrinter(NumPyPrinter):
    """NumPy's printer, with the one method array expressions of a softmax need."""

    def _print_ArrayElementwiseApplyFunc(self, expr) -> str:
        (variable,), body = expr.function.variables, expr.function.expr
        return f"(lambda {self._print(variable)}: {self._print(body)})({self._print(expr.expr)})"


class Untranslatable(ValueError):
    """A recorded operation with no SymPy array-expression counterpart here."""


_U = sp.Dummy("u")
_UNARY = {np.exp: sp.exp(_U), np.log: sp.log(_U), np.negative: -_U, expit: 1 / (1 + sp.exp(-_U)),
          np.sqrt: sp.sqrt(_U)}
_BINARY = {np.add: lambda a, b: a + b, np.subtract: lambda a, b: a - b, np.multiply: lambda a, b: a * b}
_VIEWS = (np.reshape, np.transpose, np.moveaxis)


def sympy_gradient(tape, output) -> tuple[callable, list[np.ndarray]]:
    """``(f, constants)`` with ``f(W, *constants)`` the tape's ``output`` for weights W."""
    values: dict[int, tuple] = {0: (ArraySymbol("weights", _squeezed(tape.keep[0].shape)), tape.keep[0].shape)}
    arguments: list[ArraySymbol] = [values[0][0]]
    constants: list[np.ndarray] = []

    def operand(is_slot: bool, value):
        if is_slot:
            return values[value]
        if not isinstance(value, (np.ndarray, np.generic, float, int)):
            return value, None                   # an einsum spec, a shape, a permutation
        if np.ndim(value) == 0:
            return sp.Float(float(value)), ()
        symbol = ArraySymbol(f"fixed{len(constants)}", _squeezed(np.shape(value)))
        arguments.append(symbol)
        constants.append(np.asarray(value, dtype=float).reshape(_squeezed(np.shape(value))))
        return symbol, np.shape(value)

    for func, refs, kwrefs, slot in tape.steps:
        args = [operand(*r) for r in refs]
        out_shape = np.shape(tape.keep[slot])
        values[slot] = (_translate(func, refs, args, {k: v for k, (_, v) in kwrefs.items()}, out_shape), out_shape)
    expr = values[tape.slots[id(output)]][0]
    f = sp.lambdify(arguments, expr, modules="numpy", printer=ArrayPrinter, use_imps=False)
    return f, constants


def _translate(func, refs, args, kwargs, out_shape):
    """One recorded operation as an array expression over its operands' expressions."""
    if func is np.einsum:
        return _einsum(refs[0][1], args[1:])
    if func in _VIEWS or func is first_of_last:
        return _view(func, refs, args, out_shape)
    if func is np.max:                           # the softmax's shift: left out (see the docstring)
        return ZeroArray(*_squeezed(out_shape)) if _squeezed(out_shape) else sp.Integer(0)
    if func is np.sum:
        return _reduce(args[0], kwargs["axis"])
    if func in _UNARY and len(args) == 1:
        expr, shape = args[0]
        return ArrayElementwiseApplyFunc(sp.Lambda(_U, _UNARY[func]), expr) if _squeezed(shape) \
            else _UNARY[func].subs(_U, expr)
    if func in _BINARY:
        return _elementwise(lambda a, b: _BINARY[func](a, b), args, out_shape)
    if func is np.divide:                        # a · (1/b): convert_indexed_to_array reads no quotient
        (b, shape), reciprocal = args[1], sp.Lambda(_U, 1 / _U)
        inverse = ArrayElementwiseApplyFunc(reciprocal, b) if shape else 1 / b
        return _elementwise(lambda x, y: x * y, [args[0], (inverse, shape)], out_shape)
    raise Untranslatable(f"{getattr(func, '__name__', func)} has no array-expression counterpart here")


def _einsum(spec: str, args) -> object:
    inputs, output = spec.split("->")
    letters = {ch: sp.Dummy(ch) for ch in spec if ch.isalpha()}
    factors = []
    for term, (expr, shape) in zip(inputs.split(","), args):
        if any(d == 1 for d in shape):
            raise Untranslatable("an einsum operand with unit axes")
        factors.append(_indexed(expr, [letters[ch] for ch in term]))
    body = sp.Mul(*factors)
    summed = [ch for ch in dict.fromkeys(inputs.replace(",", "")) if ch not in output]
    sizes = {ch: d for term, (_, shape) in zip(inputs.split(","), args) for ch, d in zip(term, shape)}
    for ch in summed:
        body = sp.Sum(body, (letters[ch], 0, sizes[ch] - 1))
    return _convert(body, [letters[ch] for ch in output])


def _elementwise(f, args, out_shape):
    """f applied entry by entry, with NumPy's broadcasting (unit axes are not in the expressions)."""
    out_index = [sp.Dummy(f"i{k}") for k in range(len(out_shape))]
    entries = []
    for expr, shape in args:
        if not isinstance(expr, sp.Basic) or not shape:
            entries.append(expr)
            continue
        offset = len(out_shape) - len(shape)
        entries.append(_indexed(expr, [out_index[offset + p] for p, d in enumerate(shape) if d != 1]))
    if not out_shape or all(d == 1 for d in out_shape):
        return f(*entries)
    return _convert(f(*entries), [s for s, d in zip(out_index, out_shape) if d != 1])


def _reduce(arg, axis: int):
    expr, shape = arg
    if shape[axis] == 1:
        return expr
    index = [sp.Dummy(f"r{k}") for k in range(len(shape))]
    body = sp.Sum(_indexed(expr, [s for s, d in zip(index, shape) if d != 1]), (index[axis], 0, shape[axis] - 1))
    kept = [s for k, (s, d) in enumerate(zip(index, shape)) if d != 1 and k != axis]
    return _convert(body, kept) if kept else body


def _view(func, refs, args, out_shape):
    """A reshape that adds or drops unit axes is the same expression; a transpose permutes."""
    expr, shape = args[0]
    if func is np.transpose:
        perm = [p for p in refs[1][1] if shape[p] != 1]
        order = [sorted(perm).index(p) for p in perm]
        return expr if order == sorted(order) else PermuteDims(expr, order)
    if _squeezed(shape) != _squeezed(out_shape):
        raise Untranslatable(f"{getattr(func, '__name__', func)} that is not a reshape of unit axes")
    return expr


def _indexed(expr, index: list):
    """expr[index…] as something convert_indexed_to_array reads."""
    if not index:
        return expr
    if isinstance(expr, ArraySymbol):
        return sp.IndexedBase(expr.name, shape=expr.shape)[tuple(index)]
    base = ArraySymbol(sp.Dummy("t"), expr.shape)
    _PENDING[base.name] = expr
    return sp.IndexedBase(base.name, shape=expr.shape)[tuple(index)]


_PENDING: dict = {}


def _convert(body, first_indices: list):
    """convert_indexed_to_array, then the placeholders put back to the expressions they stand for."""
    out = convert_indexed_to_array(body, first_indices=first_indices)
    replace = {}
    for atom in out.atoms(sp.IndexedBase, ArraySymbol):
        name = atom.name if isinstance(atom, ArraySymbol) else atom.label
        if name in _PENDING:
            replace[atom] = _PENDING[name]
        elif isinstance(atom, sp.IndexedBase):
            replace[atom] = ArraySymbol(atom.label, atom.shape)
    return out.xreplace(replace)


def _squeezed(shape) -> tuple[int, ...]:
    return tuple(d for d in shape if d != 1)
