"""Kernel smoothing against explicit trapezoid integrals."""

import numpy as np
import pytest
from scipy.integrate import trapezoid

from formulae.errors import DataError, InvalidParameterError
from formulae.xanes import smooth, smoothing_matrix


def test_rows_equal_explicit_trapezoid_integrals(rng):
    energy = np.sort(rng.uniform(7100.0, 7200.0, 150))
    y = np.sin(energy / 7.0) + rng.standard_normal(150) * 0.1
    out = smooth(energy, y, 5.0)
    for i in (0, 37, 149):
        g = np.exp(-0.5 * ((energy - energy[i]) / 5.0) ** 2)
        assert out[i] == pytest.approx(trapezoid(y * g, energy) / trapezoid(g, energy), rel=1e-12)


def test_constants_kept_stack_shape_and_identity(rng):
    energy = np.linspace(0.0, 10.0, 21)
    stack = np.vstack([np.full(21, 3.0), rng.random(21)])
    out = smooth(energy, stack, 2.0)
    assert out.shape == (2, 21)
    np.testing.assert_allclose(out[0], 3.0, rtol=1e-14)
    np.testing.assert_array_equal(smooth(energy, stack[1], 0.0), stack[1])
    np.testing.assert_allclose(smoothing_matrix(energy, 2.0).sum(axis=1), 1.0, rtol=1e-14)


def test_bad_input():
    with pytest.raises(InvalidParameterError, match=r"'sigma' parameter of smoothing_matrix "
                                                    r"must be a float in \[0\.0, inf\)"):
        smooth([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], -1.0)
    with pytest.raises(DataError, match=r"energy\[2\] = 1\.5 follows energy\[1\] = 2\.0"):
        smooth([1.0, 2.0, 1.5], [1.0, 2.0, 3.0], 1.0)
