"""Extrema and curvature against closed forms (Lorentzian on a slope, exact parabolas)."""

import numpy as np
import pytest
from scipy.optimize import brentq

from formulae.xanes import find_maxima, find_minima, local_quadratic

E0, G, A, SLOPE = 7135.0, 4.0, 1.0, 0.01
ENERGY = np.arange(7100.0, 7200.0 + 1e-9, 0.05)


def _lorentz(e, sign=1.0):
    return SLOPE * (e - 7100.0) + sign * A / (1.0 + ((e - E0) / G) ** 2)


def _d1(e, sign=1.0):
    x = (e - E0) / G
    return SLOPE - sign * A * 2 * x / (G * (1 + x * x) ** 2)


def _d2(e, sign=1.0):
    x = (e - E0) / G
    return sign * A * (6 * x * x - 2) / (G * G * (1 + x * x) ** 3)


def test_lorentzian_peak_on_a_slope():
    true_e = brentq(_d1, E0 - 2.0, E0 + 2.0)          # the slope moves the maximum
    assert true_e > E0 + 0.05
    res = find_maxima(ENERGY, _lorentz(ENERGY)[None, :], (7120.0, 7150.0), half_width=0.5)
    assert res["ok"][0]
    assert abs(res["energy"][0] - true_e) <= 0.05
    assert abs(res["curvature"][0] / _d2(true_e) - 1.0) <= 0.02
    assert res["intensity"][0] == pytest.approx(_lorentz(true_e), abs=1e-3)


def test_lorentzian_dip_on_a_slope():
    true_e = brentq(lambda e: _d1(e, -1.0), E0 - 2.0, E0 + 2.0)
    res = find_minima(ENERGY, _lorentz(ENERGY, -1.0)[None, :], (7120.0, 7150.0), half_width=0.5)
    assert res["ok"][0]
    assert abs(res["energy"][0] - true_e) <= 0.05
    assert abs(res["curvature"][0] / _d2(true_e, -1.0) - 1.0) <= 0.02


def test_curvature_bias_follows_the_stated_formula():
    # Notes of local_quadratic: relative bias -(6/7)(w/g)^2 for a dense, symmetric Lorentzian
    energy = np.arange(-30.0, 30.0 + 1e-9, 0.001)
    y = 1.0 / (1.0 + (energy / G) ** 2)
    w = 0.8
    _, _, curv = local_quadratic(energy, y[None, :], [np.argmax(y)], half_width=w)
    bias = curv[0] / (-2.0 / G**2) - 1.0
    assert bias == pytest.approx(-(6 / 7) * (w / G) ** 2, rel=0.05)


def test_exact_parabolas_on_a_non_uniform_grid(rng):
    energy = np.cumsum(rng.uniform(0.2, 1.0, 120)) + 7100.0
    a = np.array([-0.01, 0.02, -0.3])
    v = energy[[40, 60, 80]] + np.array([0.13, -0.2, 0.05])
    y = a[:, None] * (energy[None, :] - v[:, None]) ** 2 + 1.5
    vertex, value, curv = local_quadratic(energy, y, [40, 60, 80], half_width=2.0)
    np.testing.assert_allclose(vertex, v, atol=1e-8)
    np.testing.assert_allclose(value, 1.5, atol=1e-10)
    np.testing.assert_allclose(curv, 2 * a, rtol=1e-9)


def test_monotonic_spectrum_has_no_maximum():
    res = find_maxima(ENERGY, (ENERGY - 7100.0)[None, :], (7120.0, 7150.0))
    assert not res["ok"][0]


def test_local_quadratic_arguments_are_named():
    from formulae.errors import InvalidParameterError

    energy = np.linspace(0.0, 5.0, 6)
    y = (energy - 2.5) ** 2
    with pytest.raises(InvalidParameterError, match=r"'min_points' parameter of local_quadratic "
                                                    r"must be an int in \[3, 6\]\. Got 8"):
        local_quadratic(energy, y[None, :], [3], min_points=8)
    with pytest.raises(InvalidParameterError, match=r"'centre_index' parameter of local_quadratic "
                                                    r"must hold grid indices in \[0, 5\]"):
        local_quadratic(energy, y[None, :], [6])
    vertex, value, curvature = local_quadratic(energy, y[None, :], [3], min_points=6)
    assert vertex[0] == pytest.approx(2.5) and curvature[0] == pytest.approx(2.0)
