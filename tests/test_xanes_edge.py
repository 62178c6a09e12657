"""Edge-step fits: planted truth within standard errors, honest errors, an independent optimizer."""

import numpy as np
import pytest
from scipy.optimize import least_squares

from formulae.errors import DataError, InvalidParameterError
from formulae.xanes import fit_edge, fit_edges, step_model

ENERGY = np.linspace(7080.0, 7180.0, 401)
TRUTH = dict(e0=7112.3, slope=0.8, step=1.0, offset=0.6, background_slope=0.002)


def _clean(shape="arctan"):
    return step_model(ENERGY, shape=shape, **TRUTH)


@pytest.mark.parametrize("shape", ["arctan", "logistic"])
def test_planted_step_within_standard_errors(shape, rng):
    mu = _clean(shape) + 0.01 * rng.standard_normal(ENERGY.size)
    fit = fit_edge(ENERGY, mu, shape=shape)
    assert abs(fit.e0 - TRUTH["e0"]) < 3 * fit.e0_stderr
    assert abs(fit.slope - TRUTH["slope"]) < 3 * fit.slope_stderr
    assert abs(fit.step - TRUTH["step"]) < 3 * fit.step_stderr
    assert fit.e0_stderr < 0.05 and fit.slope_stderr < 0.1  # informative, not huge


def test_standard_errors_are_honest_over_many_realisations():
    rng = np.random.default_rng(42)
    n = 400
    mu = _clean() + 0.01 * rng.standard_normal((n, ENERGY.size))
    res = fit_edges(ENERGY, mu)
    assert res["ok"].all()
    for key, true in (("e0", TRUTH["e0"]), ("slope", TRUTH["slope"]), ("step", TRUTH["step"])):
        z = (res[key] - true) / res[f"{key}_stderr"]
        assert 0.85 < np.std(z) < 1.15, key       # stated errors match the actual scatter
        assert abs(np.mean(z)) < 0.2, key


def test_agrees_with_scipy_least_squares(rng):
    mu = _clean() + 0.02 * rng.standard_normal(ENERGY.size)
    fit = fit_edge(ENERGY, mu)
    mid = 0.5 * (ENERGY[0] + ENERGY[-1])

    def resid(p):
        e0, k, h, c, d = p
        return c + d * (ENERGY - mid) + h * (0.5 + np.arctan(k * (ENERGY - e0)) / np.pi) - mu

    ref = least_squares(resid, [7110.0, 0.5, 0.8, 0.5, 0.0], xtol=1e-14, ftol=1e-14).x
    np.testing.assert_allclose([fit.e0, fit.slope, fit.step, fit.offset, fit.background_slope],
                               ref, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape", ["arctan", "logistic"])
def test_normal_equations_match_finite_differences(shape, rng):
    from formulae.xanes.edge import _eval_subset, _normal_equations

    mid, span = 0.5 * (ENERGY[0] + ENERGY[-1]), ENERGY[-1] - ENERGY[0]
    u = (ENERGY - mid) / span
    p = np.array([[7112.3, np.log(0.8), 1.1, 0.4, 0.07], [7130.0, np.log(0.3), 0.7, 0.2, -0.1]])
    f, s, ds, k, t = _eval_subset(p, ENERGY, shape, 5, u)
    jac = np.empty((2, 5, ENERGY.size))
    for j in range(5):
        h = 1e-5
        up, down = p.copy(), p.copy()
        up[:, j] += h
        down[:, j] -= h
        jac[:, j] = (_eval_subset(up, ENERGY, shape, 5, u)[0]
                     - _eval_subset(down, ENERGY, shape, 5, u)[0]) / (2 * h)
    r = rng.standard_normal((2, ENERGY.size))
    a, g = _normal_equations(p, s, ds, k, t, r, 5, u)
    np.testing.assert_allclose(a, jac @ jac.transpose(0, 2, 1), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(g, (jac @ r[:, :, None])[..., 0], rtol=1e-6, atol=1e-7)


def test_batch_equals_single(rng):
    mu = _clean() + 0.01 * rng.standard_normal((3, ENERGY.size))
    res = fit_edges(ENERGY, mu)
    for i in range(3):
        assert fit_edge(ENERGY, mu[i]).e0 == pytest.approx(res["e0"][i], abs=1e-9)


def test_no_edge_in_range_is_named():
    falling = 1.0 - (0.5 + np.arctan(0.8 * (ENERGY - 7130.0)) / np.pi)
    with pytest.raises(DataError, match=r"no edge in range 7080\.0-7180\.0 eV"):
        fit_edge(ENERGY, falling)


def test_bad_shape_is_named():
    with pytest.raises(InvalidParameterError, match=r"'shape' parameter of fit_edges must be "
                                                    r"one of 'arctan', 'logistic'. Got 'atan'"):
        fit_edges(ENERGY, _clean()[None, :], shape="atan")


def test_wrong_shaped_guide_or_baseline_is_named():
    from formulae.xanes import preedge_peaks

    energy = np.linspace(7100.0, 7200.0, 101)
    mu = 0.5 + np.arctan((energy - 7150.0) / 2.0) / np.pi
    with pytest.raises(InvalidParameterError, match=r"'guide' parameter of fit_edge must be "
                                                    r"curves of the spectra's shape \(1, 101\)\. "
                                                    r"Got shape \(50,\)"):
        fit_edge(energy, mu, guide=mu[:50])
    with pytest.raises(InvalidParameterError, match=r"'guide' parameter of fit_edges .*Got shape "
                                                    r"\(2, 101\)") as info:
        fit_edges(energy, mu[None, :], guide=np.ones((2, 101)))
    assert info.value.parameter == "guide"
    with pytest.raises(InvalidParameterError, match=r"'baseline' parameter of preedge_peaks "
                                                    r"must be curves .*Got shape \(50,\)"):
        preedge_peaks(energy, mu[None, :], (7120.0, 7130.0), baseline=mu[:50])
    assert fit_edge(energy, mu, guide=mu).e0 == pytest.approx(7150.0)
    assert fit_edges(energy, mu[None, :], guide=mu[None, :])["ok"][0]
