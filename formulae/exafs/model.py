"""chi(k) of one FEFF path and its exact Jacobian, side by side, stateless.

=========================  ===================================================================
name                       what it is
=========================  ===================================================================
chi                        chi(k) of one path for given path parameters (Larch's convention)
chi_and_jacobian           chi(k) and d chi / d(parameter) for all path parameters at once
PATH_PARAMETERS            names of the path parameters, in the Jacobian's row order
PATH_DEFAULTS              default value of each path parameter (degen: the file's)
KTOE, ETOK                 hbar^2/(2 m_e) in eV Angstrom^2, and its inverse
=========================  ===================================================================

The EXAFS equation is Larch's ``FeffPathGroup._calc_chi`` (``larch/xafs/feffdat.py``), the
FEFF/IFEFFIT convention, term by term (see :func:`chi` for the formula). Derivatives with
respect to ``e0`` go through the derivative of the cubic spline of the FEFF columns.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
from scipy import constants as _const

from ..errors import InvalidParameterError
from .feffdat import FeffPath

__all__ = ["chi", "chi_and_jacobian", "PATH_PARAMETERS", "PATH_DEFAULTS", "KTOE", "ETOK"]

#: hbar^2 / (2 m_e) in eV Angstrom^2, from scipy.constants as Larch's xafsutils.KTOE:
#: 1e20 * hbar**2 / (2 * m_e * e) = 3.8099821109685847 with scipy 1.17 (CODATA 2022).
KTOE = 1.0e20 * _const.hbar ** 2 / (2.0 * _const.m_e * _const.e)
#: 2 m_e / hbar^2 in 1/(eV Angstrom^2): converts an energy shift in eV to a shift in k**2.
ETOK = 1.0 / KTOE

#: Path parameters, in the row order of :func:`chi_and_jacobian`'s Jacobian.
PATH_PARAMETERS = ("s02", "e0", "deltar", "sigma2", "third", "fourth", "ei", "degen")

#: Default values; ``degen=None`` means the path file's degeneracy.
PATH_DEFAULTS = {"s02": 1.0, "e0": 0.0, "deltar": 0.0, "sigma2": 0.0, "third": 0.0,
                 "fourth": 0.0, "ei": 0.0, "degen": None}

# Larch's floor on |k^2 - e0*ETOK| (SMALL_ENERGY in larch/xafs/feffdat.py).
_SMALL_ENERGY = 1.0e-6


def _check_inputs(k, path, params: Mapping[str, float]):
    if not isinstance(path, FeffPath):
        raise InvalidParameterError(
            f"The 'path' parameter must be a FeffPath (from read_feffdat). Got "
            f"{type(path).__name__} instead.", parameter="path", value=path)
    k = np.asarray(k, dtype=float)
    if k.ndim != 1 or k.size == 0:
        raise InvalidParameterError(
            f"The 'k' parameter must be a non-empty 1-D array. Got shape {k.shape} instead.",
            parameter="k", value=k)
    if not np.all(np.isfinite(k)):
        i = int(np.flatnonzero(~np.isfinite(k))[0])
        raise InvalidParameterError(f"The 'k' parameter holds {k[i]} at index {i}; expected "
                                    "finite wavenumbers.", parameter="k", value=k[i])
    values = []
    unknown = [name for name in params if name not in PATH_DEFAULTS]
    if unknown:
        raise InvalidParameterError(
            f"Unknown path parameter {unknown[0]!r} for {path.filename}; known path parameters "
            f"are {', '.join(PATH_PARAMETERS)}.", parameter=unknown[0])
    for name in PATH_PARAMETERS:
        value = params.get(name, PATH_DEFAULTS[name])
        if value is None:
            value = path.degen
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise InvalidParameterError(
                f"The path parameter {name!r} must be a real number. Got {value!r} instead.",
                parameter=name, value=value) from None
        if not math.isfinite(value):
            raise InvalidParameterError(
                f"The path parameter {name!r} must be finite. Got {value!r} instead.",
                parameter=name, value=value)
        values.append(value)
    if path.reff + values[2] == 0.0:
        raise InvalidParameterError(
            f"deltar = {values[2]!r} makes reff + deltar zero for {path.filename}.",
            parameter="deltar", value=values[2])
    return k, values


def _evaluate(k, path: FeffPath, values, jacobian: bool):
    """The EXAFS equation; optionally its derivatives. ``values`` in PATH_PARAMETERS order."""
    s02, e0, deltar, sigma2, third, fourth, ei, degen = values
    reff = path.reff
    # e0-shifted energy (in k^2 units), floored near zero as Larch does
    en = k * k - e0 * ETOK
    absen = np.abs(en)
    clamped = None
    if absen.min() < _SMALL_ENERGY:
        clamped = absen < 1.5 * _SMALL_ENERGY
        en = np.where(clamped, _SMALL_ENERGY, en)
        absen = np.abs(en)
    sqrt_absen = np.sqrt(absen)
    q = np.sign(en) * sqrt_absen

    cols, dcols = path.spline._columns(q, jacobian)
    amp, pha, rep, lam = cols

    # complex wavenumber and its square
    base = rep + 1j / lam
    pp = base * base
    if ei != 0.0:
        pp += 1j * (ei * ETOK)
    p = np.sqrt(pp)
    r = reff + deltar
    shift = deltar - 2.0 * sigma2 / reff          # + third-cumulant term below
    if third != 0.0:
        shift = shift - (2.0 * third / 3.0) * pp
    damping = sigma2 if fourth == 0.0 else sigma2 - (fourth / 3.0) * pp
    arg = (-2.0 * reff) * p.imag - 2.0 * pp * damping
    arg += 1j * (2.0 * reff * q + pha)
    arg += 2j * p * shift
    unit = np.exp(arg)
    unit /= q * (r * r)                    # exp(...)/(q (reff+deltar)^2)
    a_unit = amp * unit                    # chi per unit N*S02, complex
    ns = degen * s02
    cchi = ns * a_unit
    chi_k = cchi.imag.copy()
    fix_first = k.size >= 3 and k[0] == 0.0
    if fix_first:  # Larch: chi[0] = 2 chi[1] - chi[2] (q = 0 is singular)
        chi_k[0] = 2.0 * chi_k[1] - chi_k[2]
    if not jacobian:
        return chi_k, None

    # Im(C z) for the complex chi C: rows written with Im(i w) = Re(w) to save work
    jac = np.empty((len(PATH_PARAMETERS), k.size))
    cp = cchi * p
    cpp = cchi * pp
    jac[0] = degen * a_unit.imag                                   # s02
    jac[7] = s02 * a_unit.imag                                     # degen
    jac[2] = 2.0 * cp.real - (2.0 / r) * cchi.imag                 # deltar: C (2ip - 2/r)
    jac[3] = -2.0 * cpp.imag - (4.0 / reff) * cp.real              # sigma2: C (-2pp - 4ip/reff)
    cppp = cp * pp
    jac[4] = (-4.0 / 3.0) * cppp.real                              # third: C (-4i p pp/3)
    jac[5] = (2.0 / 3.0) * (cpp * pp).imag                         # fourth: C (2 pp^2/3)

    # d arg for a change dpp of p^2 (p = sqrt(pp), dp = dpp / (2p)), with the
    # non-holomorphic -2 reff Im(p) handled on its own.
    inv2p = 0.5 / p
    slope_pp = -2.0 * damping + (2.0 * fourth / 3.0) * pp if fourth != 0.0 else -2.0 * sigma2
    # coefficient of dpp in the holomorphic part: slope_pp + i shift/p - 4i third p/3
    hol = slope_pp + 1j * (shift * 2.0 * inv2p)
    if third != 0.0:
        hol = hol - (4j * third / 3.0) * p

    # ei: dpp = i ETOK
    dp_ei = (1j * ETOK) * inv2p
    jac[6] = (cchi * ((1j * ETOK) * hol - 2.0 * reff * dp_ei.imag)).imag    # ei

    # e0: q moves by dq/de0 = -ETOK / (2 |q|) (zero where Larch floors |en|)
    dq = -ETOK / (2.0 * sqrt_absen)
    if clamped is not None:
        dq = np.where(clamped, 0.0, dq)
    damp, dpha, drep, dlam = dcols
    dpp_q = 2.0 * base * (drep - 1j * dlam / (lam * lam))
    darg_q = dpp_q * hol - 2.0 * reff * (dpp_q * inv2p).imag + 1j * (2.0 * reff + dpha)
    jac[1] = ((ns * damp) * unit + cchi * (darg_q - 1.0 / q)).imag * dq    # e0
    if fix_first:
        jac[:, 0] = 2.0 * jac[:, 1] - jac[:, 2]
    return chi_k, jac


def chi(k, path: FeffPath, **params) -> np.ndarray:
    r"""Compute chi(k) of one FEFF path in the FEFF/IFEFFIT convention used by Larch.

    Parameters
    ----------
    k : array-like of shape (n_k,)
        Photo-electron wavenumbers, in 1/Angstrom (usually ``0.05 * arange(n)``).
    path : FeffPath
        The path, from :func:`~formulae.exafs.feffdat.read_feffdat`.
    **params : float
        Path parameters (Larch's names): ``s02`` (default 1), ``e0`` (eV, 0), ``deltar``
        (Angstrom, 0), ``sigma2`` (Angstrom^2, 0), ``third`` (C3, Angstrom^3, 0), ``fourth``
        (C4, Angstrom^4, 0), ``ei`` (eV, 0), ``degen`` (default: the file's degeneracy).

    Returns
    -------
    ndarray of shape (n_k,)

    Raises
    ------
    InvalidParameterError
        For an unknown parameter name (the known names are listed), a non-finite value, or a
        ``k`` that is not a finite 1-D array.

    Notes
    -----
    With :math:`q = \operatorname{sign}(\epsilon)\sqrt{|\epsilon|}`,
    :math:`\epsilon = k^2 - E_0\,2m/\hbar^2` (floored at :math:`10^{-6}` near zero), the FEFF
    columns interpolated at :math:`q` by a cubic spline, :math:`p^2 = (\mathrm{Re}\,p +
    i/\lambda)^2 + i E_i\,2m/\hbar^2` and :math:`R = R_\mathrm{eff} + \Delta R`,

    .. math::

        \chi = \mathrm{Im}\Big\{\frac{N S_0^2 A(q)}{q R^2}
        \exp\big[-2R_\mathrm{eff}\mathrm{Im}\,p - 2p^2(\sigma^2 - p^2C_4/3)
        + i\big(2qR_\mathrm{eff} + \phi(q) + 2p(\Delta R - 2\sigma^2/R_\mathrm{eff}
        - 2p^2C_3/3)\big)\big]\Big\}

    with :math:`A = |F|\cdot` (red factor) and :math:`\phi = 2\delta_c + \arg F`. When
    ``k[0] == 0`` the first value is replaced by ``2 chi[1] - chi[2]``, as Larch does.
    References: Newville, *Fundamentals of XAFS* (2014); Larch ``xafs/feffdat.py``.
    """
    k, values = _check_inputs(k, path, params)
    return _evaluate(k, path, values, jacobian=False)[0]


def chi_and_jacobian(k, path: FeffPath, params: Mapping[str, float]):
    """Compute chi(k) of one path and its exact derivatives for every path parameter.

    Parameters
    ----------
    k : array-like of shape (n_k,)
        Wavenumbers, in 1/Angstrom.
    path : FeffPath
        The path.
    params : mapping of str to float
        Path parameters by name (missing ones take the defaults of :func:`chi`).

    Returns
    -------
    chi : ndarray of shape (n_k,)
        As :func:`chi`.
    jacobian : ndarray of shape (len(PATH_PARAMETERS), n_k)
        ``jacobian[i] = d chi / d PATH_PARAMETERS[i]``, computed with the same intermediates
        (``e0`` through the spline's derivative; exactly zero where ``|k^2 - e0 2m/hbar^2|``
        is floored).

    Raises
    ------
    InvalidParameterError
        As :func:`chi`.
    """
    k, values = _check_inputs(k, path, params)
    return _evaluate(k, path, values, jacobian=True)
