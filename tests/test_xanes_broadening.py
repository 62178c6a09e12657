"""Broadening kernels against closed forms."""

import numpy as np
import pytest

from formulae.errors import InvalidParameterError
from formulae.xanes import (broaden, broaden_fdmnes, fdmnes_width, gaussian_kernel,
                            lorentzian_kernel)
from formulae.xanes._checks import trapezoid_weights


def _delta(energy, at):
    """Unit-area spike on a (possibly non-uniform) grid: 1 / trapezoid weight."""
    j = int(np.argmin(np.abs(energy - at)))
    w = 0.5 * (energy[min(j + 1, energy.size - 1)] - energy[max(j - 1, 0)])
    out = np.zeros_like(energy)
    out[j] = 1.0 / w
    return out, energy[j]


def test_delta_gives_unit_area_gaussian():
    energy = np.linspace(-30.0, 30.0, 1201)
    delta, at = _delta(energy, 0.0)
    out = broaden(energy, delta, 2.5)
    np.testing.assert_allclose(out, gaussian_kernel(energy - at, 2.5), rtol=1e-12)
    assert trapezoid_weights(energy) @ out == pytest.approx(1.0, abs=1e-9)
    half = out.max() / 2                     # FWHM read off the curve
    above = energy[out >= half]
    assert above[-1] - above[0] == pytest.approx(2.5, abs=0.05)


def test_delta_gives_lorentzian_with_closed_form_area():
    energy = np.linspace(-40.0, 40.0, 4001)
    delta, at = _delta(energy, 0.0)
    out = broaden(energy, delta, 3.0, kind="lorentzian")
    np.testing.assert_allclose(out, lorentzian_kernel(energy - at, 3.0), rtol=1e-12)
    # area of a Lorentzian of FWHM G over [-L, L] is (2/pi) arctan(2L/G)
    area = trapezoid_weights(energy) @ out
    assert area == pytest.approx(2 / np.pi * np.arctan(80.0 / 3.0), rel=1e-5)


def test_gaussian_of_gaussian_on_a_non_uniform_grid(rng):
    energy = np.sort(np.concatenate([np.linspace(-60, 60, 900), rng.uniform(-60, 60, 300)]))
    energy = np.unique(energy)
    out = broaden(energy, gaussian_kernel(energy, 3.0), 4.0)
    np.testing.assert_allclose(out, gaussian_kernel(energy, 5.0), atol=2e-4)  # sqrt(9+16)


def test_normalize_keeps_constants():
    energy = np.linspace(0.0, 20.0, 201)
    out = broaden(energy, np.ones(201), 3.0, kind="lorentzian", normalize=True)
    np.testing.assert_allclose(out, 1.0, rtol=1e-12)


def test_fdmnes_width_closed_form_points():
    kw = dict(gamma_hole=3.47, gamma_max=21.4, e_cent=28.72, e_larg=56.44, e_fermi=7118.0)
    w = fdmnes_width(np.array([7100.0, 7118.0 + 28.72, 1e7]), **kw)
    assert w[0] == 3.47                                   # below E_F: the core hole only
    assert w[1] == pytest.approx(3.47 + 21.4 / 2, rel=1e-12)  # e = 1: e - 1/e^2 = 0
    assert w[2] == pytest.approx(3.47 + 21.4, rel=1e-3)   # far above: Gamma_hole + Gamma_max


def test_fdmnes_constant_width_equals_plain_lorentzian():
    energy = np.linspace(7080.0, 7200.0, 601)
    mu = 0.5 + np.arctan((energy - 7120.0) / 2.0) / np.pi
    a = broaden_fdmnes(energy, mu, gamma_hole=2.0, gamma_max=0.0, e_cent=30.0, e_larg=50.0,
                       e_fermi=7000.0)
    b = broaden(energy, mu, 2.0, kind="lorentzian")
    np.testing.assert_allclose(a, b, rtol=1e-12)


def test_bad_width():
    with pytest.raises(InvalidParameterError, match=r"'fwhm' parameter of broaden must be a "
                                                    r"float in \(0\.0, inf\)\. Got 0"):
        broaden([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 0)


def test_broaden_example_runs_on_numpy_1(monkeypatch):
    # pyproject allows numpy>=1.24, which has no np.trapezoid
    import doctest

    import formulae.xanes.broadening as module

    monkeypatch.delattr(np, "trapezoid", raising=False)
    finder = doctest.DocTestFinder()
    [test] = [t for t in finder.find(module.broaden, "broaden", globs=dict(vars(module)))
              if t.examples]
    result = doctest.DocTestRunner().run(test, out=lambda text: None)
    assert result.attempted > 0 and result.failed == 0
