"""Tests of formulae.exafs.stats against closed forms and Larch's reference numbers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from formulae.errors import FitError, InvalidParameterError
from formulae.exafs import stats
from formulae.exafs.stats import (covariance, error_scale, fit_statistics, n_independent,
                                  noise_scales)


def test_n_independent_matches_larch_reference(shared_data):
    fits = json.loads((shared_data / "exafs" / "larch_reference" / "larch_fits.json")
                      .read_text())["fits"]
    for entry in fits.values():
        t = entry["spec"]["transform"]
        assert n_independent(t["kmin"], t["kmax"], t["rmin"], t["rmax"]) == pytest.approx(
            entry["larch_result"]["n_independent"], rel=1e-12)


def test_n_independent_rejects_empty_ranges():
    with pytest.raises(InvalidParameterError, match="rmin must be < rmax. Got rmin=3, rmax=3"):
        n_independent(3, 17, 3, 3)
    with pytest.raises(InvalidParameterError, match="kmax must exceed kmin"):
        n_independent(17, 3, 1, 3)


def test_noise_scales_reproduce_larch_epsilon_r(shared_data):
    """Larch's eps_r = eps_k / (2 sqrt(pi w / (kstep (kmax^w - kmin^w))))."""
    fits = json.loads((shared_data / "exafs" / "larch_reference" / "larch_fits.json")
                      .read_text())["fits"]
    ref = fits["cu150k_13path_kw213"]["larch_result"]
    t = fits["cu150k_13path_kw213"]["spec"]["transform"]
    for kw, ek, er in zip(t["kweight"], ref["epsilon_k"], ref["epsilon_r"]):
        assert ek / noise_scales(kw, t["kmin"], t["kmax"])[1] == pytest.approx(er, rel=1e-12)
    est, given = noise_scales(2, 3, 17)
    assert given / est == pytest.approx(math.sqrt(2), rel=1e-15)


def test_fit_statistics_closed_form():
    r = np.array([1.0, -2.0, 2.0, 0.0])                 # sum r^2 = 9
    d = np.array([3.0, 1.0, 0.0, 0.0])                  # sum d^2 = 10 (not 9: order shows)
    st = fit_statistics(r, d, n_idp=8.0, nvarys=2)
    assert st.chi_square == pytest.approx(9 * 8 / 4)
    assert st.chi2_reduced == pytest.approx(18 / 6)
    assert st.rfactor == pytest.approx(0.9)
    assert st.aic == pytest.approx(8 * math.log(18 / 8) + 4)
    assert st.bic == pytest.approx(8 * math.log(18 / 8) + 2 * math.log(8))


def test_covariance_of_a_linear_model_is_exact(rng):
    """For y = X b + e, stderr = sqrt(diag((X^T X)^-1) * s) with s = error_scale."""
    x = rng.normal(size=(50, 3))
    cov, err, corr = covariance(x, 2.5)
    expected = np.linalg.inv(x.T @ x) * 2.5
    np.testing.assert_allclose(cov, expected, rtol=1e-12)
    np.testing.assert_allclose(err, np.sqrt(np.diag(expected)), rtol=1e-12)
    np.testing.assert_allclose(np.diag(corr), 1.0, rtol=1e-12)
    assert error_scale(10.0, 12.0, 2) == pytest.approx(1.0)


def test_covariance_singular_and_no_dof():
    x = np.ones((10, 2))
    with pytest.raises(FitError, match="Jacobian is singular"):
        covariance(x, 1.0)
    with pytest.raises(FitError, match="5 variables for 4.000 independent points"):
        error_scale(1.0, 4.0, 5)


def test_covariance_with_columns_of_very_different_scales(rng):
    """Units spread the columns over 12 decades (S02 ~ 1, sigma2 ~ 1e-3 A^2 ...): the
    covariance is still inv(J^T J), and a column that repeats another one, scaled by 1e8,
    is still found singular."""
    x = rng.normal(size=(80, 4)) * np.array([1e-6, 1.0, 1e3, 1e6])
    cov, err, corr = covariance(x, 1.7)
    q, r = np.linalg.qr(x)                         # independent route: R^-1 R^-T
    rinv = np.linalg.inv(r)
    np.testing.assert_allclose(cov, 1.7 * rinv @ rinv.T, rtol=1e-10)
    np.testing.assert_allclose(corr, cov / np.outer(err, err), rtol=1e-12)
    x[:, 3] = 1e8 * x[:, 0]
    with pytest.raises(FitError, match="Jacobian is singular"):
        covariance(x, 1.0)


def test_thin_svd_helper_equals_numpy_svd(rng, monkeypatch):
    """The direct LAPACK call gives np.linalg.svd's numbers bit for bit; without it (numpy
    1.x) the helper is np.linalg.svd; a NaN raises np.linalg.svd's LinAlgError, silently."""
    import warnings

    for shape in ((104, 4), (30, 7), (5, 5)):
        a = rng.normal(size=shape)
        expected = np.linalg.svd(a, full_matrices=False)
        for got, want in zip(stats._svd(a), expected):
            np.testing.assert_array_equal(got, want)
    a[2, 1] = np.nan
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("error")
        with pytest.raises(np.linalg.LinAlgError, match="SVD did not converge"):
            stats._svd(a)
    monkeypatch.setattr(stats, "_SVD_GUFUNC", None)
    b = rng.normal(size=(20, 3))
    for got, want in zip(stats._svd(b), np.linalg.svd(b, full_matrices=False)):
        np.testing.assert_array_equal(got, want)
