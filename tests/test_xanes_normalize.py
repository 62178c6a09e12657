"""Normalization recovers a planted pre-edge line, edge step and E0."""

import numpy as np
import pytest

from formulae.errors import DataError
from formulae.xanes import find_e0, normalize


def test_planted_normalization(rng):
    energy = np.linspace(6900.0, 7700.0, 1601)
    e0, step = 7120.0, 0.8
    pre = 0.3 - 2e-5 * (energy - 7000.0)
    post_shape = 1.0 - 5e-4 * (energy - e0)                 # post-edge drift
    edge = 0.5 * (1.0 + np.tanh((energy - e0) / 2.0))    # no long tail: exact planted lines
    mu = pre + step * edge * post_shape + 1e-4 * rng.standard_normal(energy.size)
    res = normalize(energy, mu, nnorm=2)
    assert res.e0 == pytest.approx(e0, abs=0.5)
    assert find_e0(energy, mu) == res.e0
    assert res.pre_edge[0] == pytest.approx(-2e-5, rel=0.05)
    # edge step at e0: the post curve extrapolates to step * edge(inf) * post_shape(e0) = 0.8
    # the step is evaluated at the found e0 (a grid midpoint), where post_shape is not exactly 1
    expected = step * (1.0 - 5e-4 * (res.e0 - e0))
    assert res.edge_step == pytest.approx(expected, rel=1e-4)
    tail = energy > 7300
    np.testing.assert_allclose(res.norm[tail], (edge * post_shape)[tail], atol=0.02)


def test_too_short_pre_edge_is_named():
    energy = np.linspace(7100.0, 7200.0, 201)
    mu = 0.5 + np.arctan(energy - 7120.0) / np.pi
    with pytest.raises(DataError, match=r"pre-edge range .* holds 0 points"):
        normalize(energy, mu)


def test_a_stack_of_spectra_is_refused():
    energy = np.linspace(6900.0, 7400.0, 501)
    mu = 0.5 + np.arctan((energy - 7112.0) / 2.0) / np.pi
    stack = np.vstack([mu, np.roll(mu, 40)])  # the second spectrum was once silently ignored
    with pytest.raises(DataError, match=r"find_e0 takes one spectrum of shape \(n_points,\); "
                                        r"got 2 spectra"):
        find_e0(energy, stack)
    with pytest.raises(DataError, match=r"normalize takes one spectrum .*got 2 spectra"):
        normalize(energy, stack)
    assert find_e0(energy, mu[None, :]) == find_e0(energy, mu)
