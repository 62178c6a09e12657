"""Selection stability (formulae.stability).

Independent routes: the best-subset selector is compared, resample by resample, with a brute-force
loop of ``numpy.linalg.lstsq`` over all pairs; the resampling scheme is checked on a target that
identifies its rows; planted terms must be selected in every refit of a planted formula.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
import sympy

from formulae.basis import Basis
from formulae.errors import DataError, InvalidParameterError
from formulae.formula import Formula
from formulae.planted import FEATURE_NAMES, PLANTED_FORMULAS, planted_data
from formulae.data import Standardizer
from formulae.stability import (StabilityResult, formula_stability, restrict_terms,
                                selection_frequencies, stable_terms)


def _brute_force_pair(B, y):
    best, best_rss = None, np.inf
    for pair in combinations(range(B.shape[1]), 2):
        design = np.column_stack([np.ones(len(y)), B[:, pair]])
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        rss = float(np.sum((y - design @ beta) ** 2))
        if rss < best_rss:
            best, best_rss = pair, rss
    return best


def test_best_subset_frequencies_match_brute_force(rng):
    # Two nearly collinear pairs so that the winner changes between resamples.
    n = 80
    base = rng.standard_normal((n, 4))
    B = np.column_stack([base, base[:, 0] + 0.15 * rng.standard_normal(n),
                         base[:, 1] + 0.15 * rng.standard_normal(n)])
    y = base[:, 0] + 0.8 * base[:, 1] + 1.0 * rng.standard_normal(n)
    fast = selection_frequencies(B, y, n_terms=2, n_resamples=30, random_state=3)
    brute = selection_frequencies(B, y, selector=_brute_force_pair, n_resamples=30,
                                  random_state=3)
    np.testing.assert_array_equal(fast.frequencies, brute.frequencies)
    assert fast.frequencies.sum() == pytest.approx(2.0)  # exactly two terms per refit
    assert 0.0 < fast.frequencies[1] < 1.0  # the collinear rival wins some refits


def test_half_samples_are_complementary_pairs():
    n = 41
    B = np.arange(n, dtype=float)[:, None] * np.ones((1, 2))
    seen = []

    def record(Bs, ys):
        seen.append(ys.astype(int))
        return [0]

    selection_frequencies(B, np.arange(n, dtype=float), selector=record, n_resamples=6,
                          random_state=1)
    assert [len(s) for s in seen] == [20] * 6
    for first, second in zip(seen[::2], seen[1::2]):
        assert len(set(first) | set(second)) == 40 and not set(first) & set(second)
    assert len({tuple(s) for s in seen}) == 6


def test_bootstrap_draws_n_rows_with_replacement():
    n = 50
    seen = []

    def record(Bs, ys):
        seen.append(ys.astype(int))
        return [0]

    selection_frequencies(np.ones((n, 1)) * np.arange(n)[:, None], np.arange(n, dtype=float),
                          selector=record, n_resamples=5, scheme="bootstrap", random_state=0)
    assert all(len(s) == n for s in seen)
    assert any(len(set(s)) < n for s in seen)  # some row drawn twice


def test_seeded(rng):
    B = rng.standard_normal((60, 5))
    y = B[:, 0] + rng.standard_normal(60)
    a = selection_frequencies(B, y, n_terms=1, n_resamples=10, random_state=7)
    b = selection_frequencies(B, y, n_terms=1, n_resamples=10, random_state=7)
    np.testing.assert_array_equal(a.frequencies, b.frequencies)


@pytest.mark.parametrize("name", ["pair_product", "four_terms"])
def test_planted_terms_are_selected_in_every_refit(name):
    formula = next(f for f in PLANTED_FORMULAS if f.name == name)
    data = planted_data(formula, "hard", seed=0)
    basis = Basis(FEATURE_NAMES)
    result = selection_frequencies(basis.evaluate(data.X), data.y, term_names=basis.term_names,
                                   n_terms=formula.n_terms, n_resamples=20)
    assert set(result.above(1.0)) == formula.support
    assert result.frequencies.sum() == pytest.approx(formula.n_terms)


def test_lasso_selector_keeps_planted_terms_and_screens_the_basis():
    formula = next(f for f in PLANTED_FORMULAS if f.name == "pair_product")
    data = planted_data(formula, "hard", seed=0)
    basis = Basis(FEATURE_NAMES)
    result = selection_frequencies(basis.evaluate(data.X), data.y, term_names=basis.term_names,
                                   selector="lasso", n_resamples=20)
    kept = restrict_terms(basis.terms, result, 0.95)
    assert {sympy.sstr(t) for t in kept} >= formula.support
    assert len(kept) < basis.n_terms / 4


def test_formula_stability_is_invariant_to_physical_units():
    formula = next(f for f in PLANTED_FORMULAS if f.name == "pair_product")
    data = planted_data(formula, "hard", seed=2)
    X_physical = data.X * np.linspace(0.5, 5.0, 10) + np.arange(10) * 100.0
    terms = tuple(sympy.sympify(t) for t in formula.terms)
    fitted = Formula(target="y", terms=terms, coefficients=(0.5, -0.75, 1.0), intercept=0.0,
                     feature_means={}, feature_scales={}, cv_score=0.9, score=0.9)
    report = formula_stability(fitted, X_physical, data.y, feature_names=FEATURE_NAMES,
                               n_resamples=10)
    basis = Basis(FEATURE_NAMES)
    direct = selection_frequencies(basis.evaluate(data.X), data.y,
                                   term_names=basis.term_names, n_terms=3, n_resamples=10)
    assert report["terms"] == {t: direct.frequency(t) for t in formula.terms}
    assert report["min_frequency"] == min(report["terms"].values())
    assert isinstance(report["result"], StabilityResult)


def test_restrict_terms():
    assert restrict_terms(["a", "b", "a*b"], {"a": 0.95, "b": 0.4, "a*b": 0.8}, 0.6) == [
        "a", "a*b"]
    with pytest.raises(DataError, match="the most frequent is 'a' at 0.95"):
        restrict_terms(["a", "b"], {"a": 0.95, "b": 0.4}, 0.99)
    with pytest.raises(DataError, match="term 'c' has no selection frequency"):
        restrict_terms(["c"], {"a": 0.95}, 0.5)


def test_errors(rng):
    B, y = rng.standard_normal((20, 3)), rng.standard_normal(20)
    with pytest.raises(InvalidParameterError, match="'n_terms' parameter of selection_freq"):
        selection_frequencies(B, y)
    with pytest.raises(InvalidParameterError, match="'scheme' parameter .* Got 'jackknife'"):
        selection_frequencies(B, y, n_terms=1, scheme="jackknife")
    with pytest.raises(DataError, match="each refit has 3 rows and needs at least 4"):
        selection_frequencies(B[:6], y[:6], n_terms=2)
    with pytest.raises(DataError, match="shapes"):
        selection_frequencies(B, y[:5], n_terms=1)
    result = selection_frequencies(B, y, n_terms=1, n_resamples=4)
    with pytest.raises(InvalidParameterError, match="'x' is not a basis term"):
        result.frequency("x")


def test_stable_terms_is_the_largest_frequency_over_sizes():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((160, 3)) * [1.0, 3.0, 0.5] + [0.0, 10.0, -2.0]
    z = (X - X.mean(0)) / X.std(0)
    y = z[:, 0] - 0.6 * z[:, 1] * z[:, 2] + 0.4 * rng.standard_normal(160)
    names = ["a", "b", "c"]
    report = stable_terms(X, y, feature_names=names, threshold=0.9, max_terms=3,
                          n_resamples=12, random_state=3)
    basis = Basis(names)
    B = basis.evaluate(Standardizer(names).fit_transform(X))
    per_size = [selection_frequencies(B, y, term_names=basis.term_names, n_terms=k,
                                      n_resamples=12, random_state=3) for k in (1, 2, 3)]
    for k, direct in enumerate(per_size):
        np.testing.assert_array_equal(report["by_size"][k].frequencies, direct.frequencies)
    expected = np.max([d.frequencies for d in per_size], axis=0)
    assert list(report["frequencies"].values()) == expected.tolist()
    assert report["terms"] == [t for t, f in zip(basis.term_names, expected) if f >= 0.9]
    assert report["terms"] == ["a", "b*c"]           # the planted terms, and only they
    with pytest.raises(InvalidParameterError, match="'threshold' parameter of stable_terms"):
        stable_terms(X, y, feature_names=names, threshold=1.5, max_terms=2)
    with pytest.raises(DataError, match="no term reaches the selection-frequency threshold"):
        stable_terms(X, rng.standard_normal(160), feature_names=names, threshold=1.0,
                     max_terms=1, n_resamples=10)


def test_restrict_terms_refuses_frequencies_that_are_not_a_mapping():
    with pytest.raises(InvalidParameterError, match=r"The 'frequencies' parameter of "
                                                    r"restrict_terms must be a StabilityResult "
                                                    r"or a mapping .* Got \[0.9, 0.4\] instead"):
        restrict_terms(["a", "b"], [0.9, 0.4], 0.5)


def test_non_finite_cells_are_named(rng):
    B, y = rng.standard_normal((20, 3)), rng.standard_normal(20)
    B[7, 2] = np.nan
    with pytest.raises(DataError, match=r"column 'c', row 7: nan; expected a finite number"):
        selection_frequencies(B, y, term_names=["a", "b", "c"], n_terms=1)
    B[7, 2] = 0.0
    y[4] = np.inf
    with pytest.raises(DataError, match=r"y\[4\] is inf; expected a finite number"):
        selection_frequencies(B, y, n_terms=1)
    with pytest.raises(DataError, match=r"y\[4\] is inf; expected a finite number"):
        stable_terms(B, y, feature_names=["a", "b", "c"], threshold=0.5, max_terms=1)
    with pytest.raises(DataError, match=r"y must be 1-D with 20 rows \(as X\); got shape \(4,\)"):
        stable_terms(B, y[:4], feature_names=["a", "b", "c"], threshold=0.5, max_terms=1)
