"""The planted-formula generator (formulae.planted).

Checks by independent routes: the signal against hand-written numpy expressions, the SNR and
noise level against their definitions, least squares on the true terms against the planted
coefficients (z-scores over 40 seeds), and ``round_to_fraction`` against a brute-force search.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from formulae.errors import InvalidParameterError
from formulae.planted import (BLOCKS, FEATURE_NAMES, PLANTED_FORMULAS, REGIMES, PlantedFormula,
                              correlated_features, planted_data, planted_suite,
                              round_to_fraction)

BY_NAME = {f.name: f for f in PLANTED_FORMULAS}


def test_formula_set_covers_the_required_kinds():
    assert len(PLANTED_FORMULAS) >= 8
    assert len(BY_NAME) == len(PLANTED_FORMULAS)
    terms = [t for f in PLANTED_FORMULAS for t in f.terms]
    assert any("**2" in t for t in terms)                       # squares
    assert any("*" in t and "**" not in t for t in terms)       # products
    assert any(f.n_terms == 4 for f in PLANTED_FORMULAS)        # four terms
    assert any(f.intercept != 0 for f in PLANTED_FORMULAS)      # an intercept
    coefficients = {abs(c) for f in PLANTED_FORMULAS for c in f.coefficients}
    assert Fraction(1, 8) in coefficients
    assert all(c.denominator <= 8 for c in coefficients)
    assert any(c.denominator > 1 for c in coefficients)
    # A correlated pair: both linear terms of one formula in the same block.
    block = set(BLOCKS[0][0])
    assert {"x1", "x2"} <= set(BY_NAME["pair"].terms) and {"x1", "x2"} <= block


def test_regimes():
    assert (REGIMES["easy"].n_samples, REGIMES["easy"].snr) == (700, 20.0)
    assert (REGIMES["hard"].n_samples, REGIMES["hard"].snr) == (300, 5.0)


def test_features_are_standardized_exactly_and_correlated_by_block():
    X = correlated_features(50_000, seed=2)
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1.0, rtol=1e-12)
    corr = np.corrcoef(X.T)
    index = {n: i for i, n in enumerate(FEATURE_NAMES)}
    # Sampling error of a correlation is about (1 - rho²)/sqrt(n) < 0.005 here.
    assert corr[index["x1"], index["x2"]] == pytest.approx(0.7, abs=0.02)
    assert corr[index["x4"], index["x5"]] == pytest.approx(0.7, abs=0.02)
    assert corr[index["x6"], index["x8"]] == pytest.approx(0.5, abs=0.02)
    assert corr[index["x1"], index["x4"]] == pytest.approx(0.0, abs=0.02)
    assert corr[index["x9"], index["x10"]] == pytest.approx(0.0, abs=0.02)


def test_signal_matches_hand_written_expressions():
    X = correlated_features(100, seed=4)
    x = {n: X[:, i] for i, n in enumerate(FEATURE_NAMES)}
    expected = {
        "pair_product": 0.5 * x["x1"] - 0.75 * x["x2"] + x["x1"] * x["x3"],
        "squares": 0.5 * x["x1"] ** 2 - 0.25 * x["x8"] ** 2 + x["x10"],
        "intercept": 1.5 + 2 / 3 * x["x5"] - 0.25 * x["x10"],
        "eighth": x["x2"] - 0.125 * x["x9"],
    }
    for name, values in expected.items():
        np.testing.assert_allclose(BY_NAME[name].signal(X), values, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("regime", ["easy", "hard"])
def test_noise_level_follows_the_snr_definition(regime):
    data = planted_data(BY_NAME["four_terms"], regime, seed=1)
    n = REGIMES[regime].n_samples
    assert data.X.shape == (n, 10) and data.y.shape == (n,)
    # The added noise's sample sd is within 4 standard errors (sd / sqrt(2n)) of noise_sd,
    # and the signal-to-noise ratio measured on that noise is the regime's, as closely.
    residual_sd = np.std(data.y - data.signal)
    assert abs(residual_sd - data.noise_sd) < 4 * data.noise_sd / np.sqrt(2 * n)
    snr = REGIMES[regime].snr
    assert np.std(data.signal) / residual_sd == pytest.approx(snr, rel=5 / np.sqrt(2 * n))


def test_tables_are_seeded_and_independent_of_drawing_order():
    formula = BY_NAME["product"]
    a = planted_data(formula, "hard", seed=3)
    b = planted_data(formula, "hard", seed=3)
    c = planted_data(formula, "hard", seed=4)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.allclose(a.y, c.y)
    suite = list(planted_suite(["hard"], seeds=[3, 4], formulas=[BY_NAME["pair"], formula]))
    assert [(d.formula.name, d.seed) for d in suite] == [("pair", 3), ("pair", 4),
                                                        ("product", 3), ("product", 4)]
    np.testing.assert_array_equal(suite[2].y, a.y)


@pytest.mark.parametrize("formula", PLANTED_FORMULAS, ids=lambda f: f.name)
def test_least_squares_on_true_terms_recovers_planted_coefficients(formula):
    # Over 40 seeds the z-scores (estimate - truth) / SE of least squares on the true terms
    # must look standard normal: mean within 0.75 (4.7 standard errors of a mean of 40) and
    # spread between 0.6 and 1.5. A wrong signal, noise level or scaling would bias them.
    z = []
    for seed in range(40):
        data = planted_data(formula, "hard", seed=seed)
        design = np.column_stack([np.ones(len(data.y))]
                                 + [PlantedFormula("t", "", (t,), (1,)).signal(data.X)
                                    for t in formula.terms])
        beta, *_ = np.linalg.lstsq(design, data.y, rcond=None)
        residual = data.y - design @ beta
        sigma2 = residual @ residual / (len(data.y) - design.shape[1])
        se = np.sqrt(np.diag(sigma2 * np.linalg.inv(design.T @ design)))
        truth = np.array([float(formula.intercept)] + [float(c) for c in formula.coefficients])
        z.append((beta - truth) / se)
    z = np.array(z)
    assert np.all(np.abs(z.mean(axis=0)) < 0.75), z.mean(axis=0)
    assert np.all((z.std(axis=0) > 0.6) & (z.std(axis=0) < 1.5)), z.std(axis=0)


def test_round_to_fraction_is_the_nearest_small_fraction():
    candidates = {Fraction(p, q) for q in range(1, 9) for p in range(-20, 21)}
    for value in np.linspace(-1.3, 1.3, 261):
        best = min(candidates, key=lambda f: (abs(float(f) - value), f.denominator))
        got = round_to_fraction(value, 8)
        assert abs(float(got) - value) == pytest.approx(abs(float(best) - value), abs=1e-15)
    assert round_to_fraction(0.74) == Fraction(3, 4)
    assert round_to_fraction(0.72) == Fraction(5, 7)


def test_terms_are_canonical_and_checked():
    f = PlantedFormula("t", "test", ("x3*x1", "x2*x2"), (1, "1/2"))
    assert f.terms == ("x1*x3", "x2**2") and f.coefficients == (1, Fraction(1, 2))
    with pytest.raises(InvalidParameterError, match="'x11'"):
        PlantedFormula("t", "test", ("x11",), (1,))
    with pytest.raises(InvalidParameterError, match="2 terms but 1 coefficients"):
        PlantedFormula("t", "test", ("x1", "x2"), (1,))


def test_unknown_regime():
    with pytest.raises(InvalidParameterError, match="'regime' parameter of planted_data must be "
                                                    "one of 'easy', 'hard'. Got 'medium'"):
        planted_data(PLANTED_FORMULAS[0], "medium")
