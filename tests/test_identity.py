"""The exact procedure: exp/log rewriting, then a rational-function identity."""

from __future__ import annotations

import sympy as sp

from derivcheck.verdict.identity import Rationalizer, is_nonnegative, is_zero

z1, z2, z3, t, x = sp.symbols("z1 z2 z3 t x")
S = sp.exp(z1) + sp.exp(z2) + sp.exp(z3)


def test_softmax_derivative_identity_is_proved():
    s1, s2 = sp.exp(z1) / S, sp.exp(z2) / S
    assert is_zero(sp.diff(s1, z2) + s1 * s2, Rationalizer())
    assert not is_zero(sp.diff(s1, z2) + s1 * s1, Rationalizer())


def test_exp_of_a_sum_splits_and_log_folds():
    assert is_zero(sp.exp(t * x + 2 * z1) - sp.exp(t * x) * sp.exp(z1) ** 2, Rationalizer())
    assert is_zero(sp.log(sp.exp(z1) / S) - (z1 - sp.log(S)), Rationalizer())
    assert is_zero(sp.log(6) - sp.log(2) - sp.log(3), Rationalizer())


def test_log_of_a_factor_that_may_be_negative_is_not_split():
    # log(x*x) = 2 log|x|, not 2 log x: the procedure must not prove a false split
    assert not is_zero(sp.log(x * x) - 2 * sp.log(x), Rationalizer())


def test_bound_of_softmax():
    assert is_nonnegative(1 - sp.exp(z1) / S, Rationalizer())
    assert not is_nonnegative(sp.exp(z1) / S - 1, Rationalizer())


def test_a_sum_over_samples_is_proved_sample_by_sample_and_only_when_the_whole_is_zero():
    a, b, u, v = sp.symbols("a b u v")
    per_sample = [sp.exp(a) / (sp.exp(a) + sp.exp(b)), sp.exp(u) / (sp.exp(u) + sp.exp(v))]
    # each sample's softmax pair sums to one: zero group by group
    assert is_zero(sum(p + sp.exp(w) / (sp.exp(k) + sp.exp(w)) - 1
                       for p, k, w in zip(per_sample, (a, u), (b, v))), Rationalizer())
    # groups that are constants cancelling across samples: no group is zero, the whole is
    assert is_zero(per_sample[0] + sp.exp(b) / (sp.exp(a) + sp.exp(b))
                   - per_sample[1] - sp.exp(v) / (sp.exp(u) + sp.exp(v)), Rationalizer())
    # and a sum that is not zero is not proved by any grouping
    assert not is_zero(per_sample[0] + per_sample[1] - 1, Rationalizer())
