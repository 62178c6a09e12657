"""Fit statistics of EXAFS fits, as defined by Stern (1993), the IFEFFIT/Larch convention.

=========================  ===================================================================
name                       what it is
=========================  ===================================================================
n_independent              Nyquist estimate 1 + 2 Δk ΔR / π of one dataset
noise_scales               the ε_k ↔ ε_R factors of Larch's noise estimate and of a given ε_k
FitStatistics              χ², reduced χ², AIC, BIC, R-factor from residuals (frozen dataclass)
fit_statistics             compute FitStatistics
error_scale                factor turning (JᵀJ)⁻¹ into the covariance of the fit
covariance                 scaled covariance, standard errors and correlations from J
=========================  ===================================================================

References
----------
E. A. Stern, Phys. Rev. B 48, 9825 (1993) (number of independent points);
M. Newville, "Fundamentals of XAFS", Rev. Mineral. Geochem. 78, 33 (2014);
Larch, ``larch/xafs/feffit.py::feffit`` and ``propagate_uncertainties`` (same definitions).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import FitError, InvalidParameterError

__all__ = [
    "n_independent",
    "noise_scales",
    "FitStatistics",
    "fit_statistics",
    "error_scale",
    "covariance",
]


def n_independent(kmin: float, kmax: float, rmin: float, rmax: float) -> float:
    r"""Number of independent points of one dataset, :math:`1 + 2\Delta k\,\Delta R/\pi`.

    Parameters
    ----------
    kmin, kmax : float
        k range of the forward-transform window, in Å⁻¹.
    rmin, rmax : float
        R range of the fit, in Å.

    Returns
    -------
    float

    Examples
    --------
    >>> round(n_independent(3, 17, 1.4, 3.0), 6)
    15.260283
    """
    if not kmax > kmin:
        raise InvalidParameterError(f"kmax must exceed kmin. Got kmin={kmin!r}, kmax={kmax!r}.",
                                    parameter="kmax", value=kmax)
    if not rmax > rmin:
        raise InvalidParameterError(f"rmin must be < rmax. Got rmin={rmin!r}, rmax={rmax!r}.",
                                    parameter="rmin", value=rmin)
    return 1.0 + 2.0 * (rmax - rmin) * (kmax - kmin) / math.pi


def noise_scales(kweight: float, kmin: float, kmax: float, kstep: float = 0.05):
    r"""Return ``(estimate, given)``: the factors ε_k/ε_R Larch uses.

    ``estimate`` = :math:`\sqrt{2\pi w/(\delta k\,(k_{max}^w - k_{min}^w))}` converts the
    noise measured in |χ(R)| at 15–30 Å to ε_k (Parseval, ``estimate_noise``);
    ``given`` = :math:`2\sqrt{\pi w/(\delta k\,(k_{max}^w - k_{min}^w))}` converts a given
    ε_k back to ε_R (``set_epsilon_k``), with :math:`w = 2\,k_{weight} + 1`.

    Parameters
    ----------
    kweight : float
        k-weight of the transform.
    kmin, kmax : float
        k range of the window, in Å⁻¹.
    kstep : float, default=0.05
        k grid step, in Å⁻¹.

    Returns
    -------
    estimate, given : float
    """
    w = 2.0 * kweight + 1.0
    base = kstep * (kmax ** w - kmin ** w)
    return math.sqrt(2.0 * math.pi * w / base), 2.0 * math.sqrt(math.pi * w / base)


@dataclass(frozen=True)
class FitStatistics:
    r"""Goodness-of-fit numbers of an EXAFS fit.

    Parameters
    ----------
    ndata : int
        Number of residual values :math:`N_{pts}`.
    nvarys : int
        Number of varied parameters :math:`N_{var}`.
    n_independent : float
        :math:`N_{idp}`, summed over datasets.
    chi_square : float
        :math:`\chi^2 = \frac{N_{idp}}{N_{pts}}\sum_i r_i^2`.
    chi2_reduced : float
        :math:`\chi^2_\nu = \chi^2/(N_{idp} - N_{var})`.
    aic, bic : float
        :math:`N_{idp}\ln(\chi^2/N_{idp}) + 2N_{var}` and
        :math:`N_{idp}\ln(\chi^2/N_{idp}) + N_{var}\ln N_{idp}`.
    rfactor : float
        :math:`\sum r_i^2 / \sum d_i^2`, with :math:`d` the transformed data alone.
    """

    ndata: int
    nvarys: int
    n_independent: float
    chi_square: float
    chi2_reduced: float
    aic: float
    bic: float
    rfactor: float


def fit_statistics(residual, data_residual, n_idp: float, nvarys: int) -> FitStatistics:
    """Compute :class:`FitStatistics` from the scaled residual and the data-only residual.

    Parameters
    ----------
    residual : ndarray of shape (ndata,)
        (data − model) in the fit space, divided by the noise.
    data_residual : ndarray of shape (ndata,)
        The same transform of the data alone.
    n_idp : float
        Number of independent points (all datasets).
    nvarys : int
        Number of varied parameters.

    Returns
    -------
    FitStatistics
    """
    residual = np.asarray(residual, dtype=float)
    npts = residual.size
    chisqr = float(residual @ residual)
    chi_square = chisqr * n_idp / npts
    dof = n_idp - nvarys
    chi2_reduced = chi_square / dof if dof > 0 else math.inf
    neg2_loglikel = n_idp * math.log(chi_square / n_idp) if chi_square > 0 else -math.inf
    d = np.asarray(data_residual, dtype=float)
    return FitStatistics(
        ndata=npts, nvarys=int(nvarys), n_independent=float(n_idp), chi_square=chi_square,
        chi2_reduced=chi2_reduced, aic=neg2_loglikel + 2 * nvarys,
        bic=neg2_loglikel + math.log(n_idp) * nvarys, rfactor=chisqr / float(d @ d))


def error_scale(chisqr: float, n_idp: float, nvarys: int) -> float:
    r"""Factor :math:`\sum r^2/(N_{idp} - N_{var})` that scales :math:`(J^TJ)^{-1}`.

    Equal to :math:`\chi^2_\nu N_{pts}/N_{idp}` (Larch's ``propagate_uncertainties``).

    Parameters
    ----------
    chisqr : float
        Sum of the squared scaled residuals.
    n_idp : float
        Number of independent points.
    nvarys : int
        Number of varied parameters.

    Returns
    -------
    float

    Raises
    ------
    FitError
        When ``nvarys >= n_idp`` (no degrees of freedom).
    """
    dof = n_idp - nvarys
    if dof <= 0:
        raise FitError(f"{nvarys} variables for {n_idp:.3f} independent points: "
                       "no degrees of freedom left, errors cannot be estimated.")
    return chisqr / dof


def covariance(jacobian, scale: float, names=None):
    """Return ``(covar, stderr, correl)`` from the Jacobian of the residual.

    Parameters
    ----------
    jacobian : ndarray of shape (ndata, nvarys)
        d(residual)/d(variables), in external (physical) units.
    scale : float
        :func:`error_scale`.
    names : sequence of str, optional
        Variable names of the columns, used in messages (default: ``column j``).

    Returns
    -------
    covar : ndarray of shape (nvarys, nvarys)
        ``scale * inv(J.T J)``.
    stderr : ndarray of shape (nvarys,)
    correl : ndarray of shape (nvarys, nvarys)

    Raises
    ------
    FitError
        If ``J.T J`` is singular (a variable does not affect the fit, or fewer residuals than
        variables) or ``J`` is not finite (the variables of the bad columns are named).
    """
    jac = np.asarray(jacobian, dtype=float)
    _check_jacobian_finite(jac, names)
    # SVD of the Jacobian with unit columns: keeps the condition number of J (not of J^T J),
    # and the singularity test does not depend on the variables' units
    norms = np.sqrt(np.einsum("ij,ij->j", jac, jac))
    # fewer rows than columns: the thin SVD has fewer singular values than variables
    singular = jac.shape[0] < jac.shape[1] or not norms.all()
    if not singular:
        with np.errstate(invalid="ignore"):
            _, s, vt = _svd(jac / norms)
        singular = s.size < jac.shape[1] or not s[-1] > 1e-14 * s[0]
    if singular:
        raise FitError(f"The Jacobian is singular ({jac.shape[0]} residuals x {jac.shape[1]} "
                       "variables): at least one variable does not change the fit; errors "
                       "cannot be estimated.")
    w = vt.T / s                                      # V S^-1: (J_n^T J_n)^-1 = W W^T
    covar = (w @ w.T) / np.outer(norms, norms)
    covar *= scale
    stderr = np.sqrt(np.diag(covar))
    correl = covar / np.outer(stderr, stderr)
    return covar, stderr, correl


def _check_jacobian_finite(jacobian, names=None, values=None) -> None:
    """Raise FitError unless every entry of the Jacobian is finite (internal helper).

    Parameters
    ----------
    jacobian : ndarray of shape (ndata, nvarys)
    names : sequence of str, optional
        Variable names of the columns (default: ``column j``).
    values : sequence of float, optional
        Values of the variables, named in the message.

    Raises
    ------
    FitError
        Naming the variables of the non-finite columns (and their values, when given).
    """
    jac = np.asarray(jacobian)
    if np.isfinite(jac).all():
        return
    cols = np.flatnonzero(~np.isfinite(jac).all(axis=0)).tolist()
    labels = [repr(names[j]) if names is not None else f"column {j}" for j in cols]
    if values is not None:
        labels = [f"{lab} = {float(values[j])!r}" for lab, j in zip(labels, cols)]
    raise FitError(f"The Jacobian is not finite in the derivative with respect to "
                   f"{', '.join(labels)}: the model has no derivative there (e.g. sqrt or log "
                   "of a variable at 0); start elsewhere or bound the variable.")


def _load_svd_gufunc():
    """numpy's LAPACK gufunc behind ``np.linalg.svd`` (numpy >= 2), or None.

    It is a private numpy name: it is used only if it exists, takes the call made below and
    returns exactly what ``np.linalg.svd`` returns on a probe matrix; otherwise ``_svd``
    uses ``np.linalg.svd`` itself.
    """
    try:
        from numpy.linalg._umath_linalg import svd_s
        probe = np.array([[2.0, 1.0], [1.0, 3.0], [0.5, 1.0]])
        got = svd_s(probe, signature="d->ddd")
        want = np.linalg.svd(probe, full_matrices=False)
        if len(got) == 3 and all(np.array_equal(g, w) for g, w in zip(got, want)):
            return svd_s
    except Exception:  # noqa: BLE001 - any failure of a private API means: do not use it
        pass
    return None  # pragma: no cover - numpy without (or with another) svd_s


_SVD_GUFUNC = _load_svd_gufunc()


def _svd(a):
    """Thin SVD ``(u, s, vt)`` of a float64 matrix, singular values largest first.

    Calls the LAPACK gufunc that ``np.linalg.svd(a, full_matrices=False)`` calls, minus a few
    microseconds of argument checks per call; when LAPACK does not converge (NaN singular
    values), np.linalg.svd itself is called so that it raises its LinAlgError. The gufunc
    flags that case as an invalid operation: call this under
    ``np.errstate(invalid="ignore")`` (the fit's solver runs under ``errstate(all="ignore")``)
    so that no RuntimeWarning comes before the error.
    """
    if _SVD_GUFUNC is not None:
        u, s, vt = _SVD_GUFUNC(a, signature="d->ddd")
        if s.size and math.isfinite(s[0]):
            return u, s, vt
    return np.linalg.svd(a, full_matrices=False)
