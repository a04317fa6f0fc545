"""Exact identity testing for the expressions derivations produce.

After instantiation a step is an expression in real variables, ``exp`` and ``log``. We make it a
rational function: ``exp`` of a sum becomes a product of ``exp`` of monomials, each named by a
positive symbol; ``log`` of a product of such symbols folds back to the monomials; ``log`` of a
factor with positive coefficients in positive symbols becomes a symbol of its own (splitting
``log(a b) = log a + log b`` only where a factor is provably positive, so the rewriting is an
identity of functions). Then ``a = b`` holds if the numerator of ``together(a - b)`` expands to
0: a rational function is zero exactly when its numerator is (no gcd needed, which is where
``cancel`` spends its time). That is a proof: every rewrite is exact. The converse can fail (two generators with a relation we do not see), which
is why a non-zero result is only "not proved" and refute.py looks for a counterexample.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import sympy as sp

from ..meaning.abstract import abstract_applications
from ..meaning.atoms import Binary
from ..meaning.values import Value, is_matrix


@dataclass
class Rationalizer:
    """Names exp(monomial), log(positive factor) and anything opaque, consistently."""
    exp_names: dict[sp.Expr, sp.Symbol] = field(default_factory=dict)
    log_names: dict[sp.Expr, sp.Symbol] = field(default_factory=dict)
    opaque_names: dict[sp.Expr, sp.Symbol] = field(default_factory=dict)
    monomial_of: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    factor_of: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    logs: dict[sp.Expr, sp.Expr] = field(default_factory=dict)    # log's argument -> its rewriting
    rationals: dict[sp.Expr, sp.Expr] = field(default_factory=dict)  # shared sub-expressions, rewritten once

    # ---- naming
    def _exp_symbol(self, monomial: sp.Expr) -> sp.Symbol:
        if monomial not in self.exp_names:
            sym = sp.Symbol(f"E{len(self.exp_names)}", positive=True)
            self.exp_names[monomial] = sym
            self.monomial_of[sym] = monomial
        return self.exp_names[monomial]

    def _log_symbol(self, factor: sp.Expr) -> sp.Symbol:
        if factor not in self.log_names:
            sym = sp.Symbol(f"L{len(self.log_names)}", real=True)
            self.log_names[factor] = sym
            self.factor_of[sym] = factor
        return self.log_names[factor]

    def _opaque(self, expr: sp.Expr) -> sp.Symbol:
        if expr not in self.opaque_names:
            # Γ(y + 1) is y!, the factorial of a count, so positive: log(λ^y e^{-λ} / y!) splits
            positive = isinstance(expr, (sp.gamma, sp.factorial)) or None
            self.opaque_names[expr] = sp.Symbol(f"Q{len(self.opaque_names)}", positive=positive)
        return self.opaque_names[expr]

    # ---- rewriting
    def rational(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` as a rational expression in variables and named generators."""
        hit = self.rationals.get(expr)
        if hit is None:
            hit = self.rationals[expr] = self._rational(expr)
        return hit

    def _rational(self, expr: sp.Expr) -> sp.Expr:
        if expr.is_Atom:
            if expr is sp.E:
                return self._exp_symbol(sp.Integer(1))
            if expr.is_Symbol or expr.is_Rational:
                return expr
            return self._opaque(expr)
        if isinstance(expr, sp.exp):
            return self._exp(self.rational(expr.args[0]))
        if isinstance(expr, sp.log):
            return self._log(self.rational(expr.args[0]))
        if expr.is_Add:
            return sp.Add(*[self.rational(a) for a in expr.args])
        if expr.is_Mul:
            return sp.Mul(*[self.rational(a) for a in expr.args])
        if expr.is_Pow:
            base, power = expr.args
            if power.is_Integer:
                return self.rational(base) ** power
            if base is sp.E:
                return self._exp(self.rational(power))
            inner = self.rational(base)
            if _positive_rational(inner) or not power.is_number:
                # b^p = exp(p log b) (SymPy's own definition of a power, on the principal branch; log b is
                # split only where b's factors are positive): so log(s^y (1-s)^{1-y}) folds to
                # y log s + (1-y) log(1-s), and log(λ^y e^{-λ}) to y log λ - λ
                return self._exp(sp.expand(self.rational(power) * self._log(inner)))
            return self._opaque(sp.Pow(inner, self.rational(power)))
        return self._opaque(expr)

    def _exp(self, arg: sp.Expr) -> sp.Expr:
        out = sp.Integer(1)
        for term in sp.Add.make_args(sp.expand(arg)):
            coeff, monomial = term.as_coeff_Mul()
            if monomial in self.factor_of and coeff.is_Integer:
                out *= self.factor_of[monomial] ** coeff          # exp(k log f) = f^k
                continue
            if not coeff.is_Rational:
                out *= self._exp_symbol(term)
                continue
            if coeff.is_Integer:
                out *= self._exp_symbol(monomial) ** coeff
            else:
                out *= self._exp_symbol(monomial / coeff.q) ** coeff.p
        return out

    def _log(self, arg: sp.Expr) -> sp.Expr:
        # the same log(Σ exp) comes back at every instantiation and step: factor it once
        hit = self.logs.get(arg)
        if hit is None:
            hit = self.logs[arg] = self._log_of(arg)
        return hit

    def _log_of(self, arg: sp.Expr) -> sp.Expr:
        arg = sp.cancel(sp.together(arg))
        if arg.is_Rational:
            return self._log_number(arg)
        num, den = sp.fraction(arg)
        num_coeff, num_factors = sp.factor_list(num)
        den_coeff, den_factors = sp.factor_list(den)
        coeff = num_coeff / den_coeff
        factors = num_factors + [(f, -k) for f, k in den_factors]
        out = sp.Integer(0)
        rest = sp.Integer(1)
        if coeff > 0:
            out += self._log_number(coeff)
        else:
            rest *= coeff
        for factor, power in factors:
            if factor in self.monomial_of:
                out += power * self.monomial_of[factor]            # log exp(m) = m
            elif _positive(factor):
                out += power * self._log_symbol(sp.expand(factor))
            else:
                rest *= factor ** power
        if rest != 1:
            out += self._log_symbol(sp.expand(rest))
        return out

    def _log_number(self, q: sp.Rational) -> sp.Expr:
        if q <= 0:
            return self._log_symbol(q)
        out = sp.Integer(0)
        for prime, power in sp.factorint(q.p).items():
            out += power * self._log_symbol(sp.Integer(prime))
        for prime, power in sp.factorint(q.q).items():
            out -= power * self._log_symbol(sp.Integer(prime))
        return out


def _positive_rational(expr: sp.Expr) -> bool:
    """A quotient of polynomials with positive coefficients in positive symbols (or a positive number)."""
    if expr.is_Rational:
        return expr > 0
    num, den = sp.fraction(sp.cancel(sp.together(expr)))
    return all(part.is_Rational and part > 0 or not part.is_Rational and _positive(part) for part in (num, den))


def _positive(poly: sp.Expr) -> bool:
    """A polynomial with positive coefficients in positive symbols is positive."""
    if not all(s.is_positive for s in poly.free_symbols):
        return False
    return all(c.is_positive for c in sp.Poly(poly, *sorted(poly.free_symbols, key=str)).coeffs())


def is_zero(expr: sp.Expr, names: Rationalizer) -> bool:
    """Exactly zero as a function (a proof), after the exp/log rewriting."""
    rational = names.rational(expr)
    if rational.is_Rational:
        return rational == 0
    parts = _independent_parts(rational)
    if len(parts) > 1 and all(_numerator_is_zero(part) for part in parts):
        return True
    return _numerator_is_zero(rational) or _zero_at_every_bit(expr, names)


#: At most this many variables that are 0 or 1 are tried value by value (2^n cases).
MAX_BINARY = 4


def _zero_at_every_bit(expr: sp.Expr, names: Rationalizer) -> bool:
    """Zero at every value of the variables the text says are 0 or 1 (``y^2 = y``): a proof by cases, where
    the identity in real variables fails. A case whose value is undefined (``\\log y`` at 0) proves nothing."""
    bits = sorted((s for s in expr.free_symbols if isinstance(s, Binary)), key=str)
    if not bits or len(bits) > MAX_BINARY:
        return False
    for values in itertools.product((sp.Integer(0), sp.Integer(1)), repeat=len(bits)):
        case = expr.xreplace(dict(zip(bits, values)))
        if case.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not is_zero(case, names):
            return False
    return True


def _numerator_is_zero(rational: sp.Expr) -> bool:
    gens = sorted(rational.free_symbols, key=str)
    numerator, _ = _Fractions(sp.polys.rings.PolyRing(gens, sp.QQ)).of(rational)
    return not numerator


def _independent_parts(rational: sp.Expr) -> list[sp.Expr]:
    """The terms of a sum grouped so that no two groups share a variable (one group per sample of a
    batch loss, say). If every group is zero, so is the sum: a proof over small common denominators
    instead of one over the product of every sample's denominator. (A group that is not zero proves
    nothing: it may be a constant another group cancels, so the caller then tests the whole.)"""
    _, body = rational.as_coeff_Mul()
    if not body.is_Add:
        return [rational]
    groups: list[tuple[set, list]] = []
    for term in body.args:
        symbols, terms = set(term.free_symbols), [term]
        for group in [g for g in groups if g[0] & symbols]:
            groups.remove(group)
            symbols |= group[0]
            terms += group[1]
        groups.append((symbols, terms))
    return [sp.Add(*terms) for _, terms in groups]


class _Fractions:
    """Numerators and factored denominators, built without gcds.

    ``together``/``cancel`` spend their time on gcds we do not need: an expression is zero exactly
    when the numerator over any non-zero common denominator is the zero polynomial. Denominators
    are kept as products of factors so that sums over the same denominator stay small. A step's
    difference repeats its sub-expressions (the same softmax denominator in every term), so each is
    built once per expression.
    """

    def __init__(self, ring) -> None:
        self.ring = ring
        self.gens = dict(zip(ring.symbols, ring.gens))
        self.built: dict[sp.Expr, tuple] = {}

    def of(self, expr: sp.Expr) -> tuple:
        """(numerator polynomial, {factor key: (factor, power)}) for a rational expression."""
        hit = self.built.get(expr)
        if hit is None:
            hit = self.built[expr] = self._of(expr)
        return hit

    def _of(self, expr: sp.Expr) -> tuple:
        if expr.is_Add:
            return self._sum(expr.args)
        if expr.is_Mul:
            num, den = self.of(expr.args[0])
            for arg in expr.args[1:]:
                n2, d2 = self.of(arg)
                num = num * n2
                den = _merge(den, d2) if d2 else den
            return num, den
        if expr.is_Pow and expr.exp.is_Integer:
            num, den = self.of(expr.base)
            k = int(expr.exp)
            if k >= 0:
                return num ** k, {key: (f, e * k) for key, (f, e) in den.items()}
            inv_num = self.ring.one
            for f, e in den.values():
                inv_num = inv_num * f ** (e * -k)
            return inv_num, _factor_dict(num, -k)
        gen = self.gens.get(expr)
        return (gen if gen is not None else self.ring(expr)), {}

    def _sum(self, terms: tuple) -> tuple:
        """Terms over the same denominator are added first: their numerators need no multiplying, and the
        terms of a true step often cancel there, before any common denominator is formed."""
        groups: dict[frozenset, tuple] = {}
        for term in terms:
            num, den = self.of(term)
            key = frozenset((k, e) for k, (_, e) in den.items())
            groups[key] = (groups[key][0] + num, den) if key in groups else (num, den)
        parts = [part for part in groups.values() if part[0]]
        if not parts:
            return self.ring.zero, {}
        num, den = parts[0]
        for part in parts[1:]:
            num, den = _add((num, den), part)
        return num, den


def _add(a: tuple, b: tuple) -> tuple:
    (na, da), (nb, db) = a, b
    if not db:
        return (na + nb * _missing(da, db) if da else na + nb), da
    common = dict(da)
    for key, (f, e) in db.items():
        if key not in common or common[key][1] < e:
            common[key] = (f, e)
    return na * _missing(common, da) + nb * _missing(common, db), common


def _key(poly) -> tuple:
    return tuple(sorted(poly.items()))


def _factor_dict(poly, power: int) -> dict:
    if poly.is_ground:
        return {("const", poly.LC): (poly, power)} if poly != 1 else {}
    return {_key(poly): (poly, power)}


def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for key, (f, e) in b.items():
        out[key] = (f, out[key][1] + e) if key in out else (f, e)
    return out


def _missing(common: dict, have: dict):
    """The product of the factors in ``common`` beyond those in ``have``."""
    out = None
    for key, (f, e) in common.items():
        extra = e - (have[key][1] if key in have else 0)
        if extra:
            term = f ** extra
            out = term if out is None else out * term
    return out if out is not None else 1


def is_nonnegative(expr: sp.Expr, names: Rationalizer) -> bool:
    """Provably >= 0: numerator and denominator with non-negative coefficients in positive
    symbols (a sufficient condition, enough for bounds such as softmax <= 1)."""
    rational = sp.cancel(sp.together(names.rational(expr)))
    if rational == 0:
        return True
    num, den = sp.fraction(rational)
    return _nonnegative_poly(num) and _nonnegative_poly(den) and den != 0


def _nonnegative_poly(p: sp.Expr) -> bool:
    if p.is_Number:
        return p >= 0
    if not all(s.is_positive for s in p.free_symbols):
        return False
    return all(c >= 0 for c in sp.Poly(sp.expand(p), *sorted(p.free_symbols, key=str)).coeffs())


def fails_for_every_function(a: Value, b: Value) -> bool:
    """Whether ``a = b`` fails whatever the functions the text never defines are (meaning/abstract.py).

    Each application ``f(z)``, ``f'(z)``, and everything inside its argument, is held as a parameter; the
    other variables (a label y, say) stay free. The step could hold for some function only if every
    coefficient of the difference's numerator, as a polynomial in the free variables, vanished for some
    values of the parameters. Where a Groebner basis of those coefficients is {1}, no values do (not even
    complex ones): the step is wrong for every function, and a difference at one concrete function
    refutes it. Anything this cannot rewrite so answers False (only "not shown")."""
    pairs = list(zip(a, b)) if is_matrix(a) else [(a, b)]
    return any(_fails_for_every_function(x - y) for x, y in pairs)


def _fails_for_every_function(difference: sp.Expr) -> bool:
    apps = abstract_applications(difference)
    names = Rationalizer()
    numerator = sp.fraction(sp.together(names.rational(difference)))[0]
    held = set().union(*(app.free_symbols for app in apps))
    values = {v for k, v in names.opaque_names.items() if k in apps}
    free = set()
    for s in numerator.free_symbols - values:
        origin = _origin(names, s)
        if origin is None or (origin & held and origin - held):
            return False        # opaque, or a generator that mixes held and free variables: not separable
        if not origin & held:
            free.add(s)
    try:
        coeffs = sp.Poly(sp.expand(numerator), *sorted(free, key=str)).coeffs() if free else [sp.expand(numerator)]
        if any(c.is_number and c != 0 for c in coeffs):
            return True
        if not any(c != 0 for c in coeffs):
            return False
        basis = sp.groebner(coeffs, *sorted(set().union(*(c.free_symbols for c in coeffs)), key=str))
    except (sp.PolynomialError, sp.GeneratorsNeeded, sp.CoercionFailed):
        return False
    return list(basis.exprs) == [1]


def _origin(names: Rationalizer, s: sp.Symbol) -> set | None:
    """The variables a symbol of the rationalized difference stands for; None for an opaque generator."""
    if s in names.monomial_of:
        return set(names.monomial_of[s].free_symbols)
    if s in names.factor_of:
        return set(names.factor_of[s].free_symbols)
    if s in names.opaque_names.values():
        return None
    return {s}
