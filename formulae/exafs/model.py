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

from ..errors import InvalidParameterError
from .feffdat import FeffPath

__all__ = ["chi", "chi_and_jacobian", "PATH_PARAMETERS", "PATH_DEFAULTS", "KTOE", "ETOK"]

# CODATA 2022, the values scipy.constants (1.17) holds; written out because importing
# scipy.constants costs 0.1-0.3 s of start-up (it pulls in scipy's array-API layer).
# tests/test_exafs_speed.py checks them against scipy.constants.
_HBAR = 6.62607015e-34 / (2.0 * math.pi)    # J s (h is exact since 2019)
_M_E = 9.1093837139e-31                     # kg
_E_CHARGE = 1.602176634e-19                 # C (exact)

#: hbar^2 / (2 m_e) in eV Angstrom^2, as Larch's xafsutils.KTOE (which takes scipy.constants):
#: 1e20 * hbar**2 / (2 * m_e * e) = 3.8099821109685847 (CODATA 2022).
KTOE = 1.0e20 * _HBAR ** 2 / (2.0 * _M_E * _E_CHARGE)
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


_ALL_ROWS = tuple(range(len(PATH_PARAMETERS)))
_minimum = np.minimum.reduce          # ndarray.min without its Python-level wrapper
_ROW = {name: i for i, name in enumerate(PATH_PARAMETERS)}


def _evaluate(k, path: FeffPath, values, rows=_ALL_ROWS, k2=None, plain: bool = True):
    """The EXAFS equation and the Jacobian rows ``rows`` (indices into PATH_PARAMETERS).

    ``values`` in PATH_PARAMETERS order; ``k2`` = ``k * k`` when the caller has it. Returns
    ``(chi (n,), jac (len(rows), n))``, ``jac`` None when ``rows`` is empty. With ``plain``,
    a path without C3, C4 and Ei (and no row for them) goes through the real-valued form
    :func:`_evaluate_plain`, which equals the complex form to rounding.
    """
    if plain and values[4] == 0.0 and values[5] == 0.0 and values[6] == 0.0 \
            and not (4 in rows or 5 in rows or 6 in rows):
        out = _evaluate_plain(k, path, values, rows, k2)
        if out is not None:
            return out
    return _evaluate_complex(k, path, values, rows, k2)


def _evaluate_plain(k, path: FeffPath, values, rows, k2):
    """C3 = C4 = Ei = 0 in real arithmetic; None when it does not apply (|k^2 - e0 2m/hbar^2|
    below Larch's floor somewhere, or Re p <= 0, where sqrt(p^2) != p).

    With p = a + ib (a = real[p], b = 1/lambda) and shift = deltar - 2 sigma2/reff the
    exponent of :func:`chi` is re + i ph with
    re = -2 (reff + shift) b - 2 sigma2 (a^2 - b^2) and
    ph = 2 reff q + pha - 4 sigma2 a b + 2 shift a, so that
    chi = N S02 amp exp(re) sin(ph) / (q R^2).

    re, ph and every Jacobian row's d re and d ph are linear in a few factor arrays (1, a,
    b, a^2 - b^2, ab, q, pha and, for e0, products with the spline's slopes), and each row is
    d re * es + d ph * ec (es, ec: chi per unit N S02, with sin and cos). So one small matrix
    product ``coef @ factors`` gives re, ph and all the d re, d ph at once, instead of one
    chain of numpy calls per row.
    """
    s02, e0, deltar, sigma2, _, _, _, degen = values
    if k2 is None:
        k2 = k * k
    en = k2 - e0 * ETOK
    if _minimum(en) >= _SMALL_ENERGY:
        q = np.sqrt(en)
        negative = False
    else:  # q = sign(en) sqrt|en| (the spline's first piece extrapolates below k = 0)
        absen = np.abs(en)
        if _minimum(absen) < _SMALL_ENERGY:
            return None
        q = np.copysign(np.sqrt(absen), en)
        negative = True
    want_e0 = 1 in rows
    cols, dcols = path.spline._columns(q, want_e0)
    amp, pha, a, lam = cols
    if _minimum(a) <= 0.0:
        return None
    n = k.size
    reff = path.reff
    r = reff + deltar
    shift = deltar - 2.0 * sigma2 / reff
    ns = degen * s02
    # factor rows: 0: 1, 1: a, 2: b, 3: a^2 - b^2, 4: ab, 5: q, 6: pha; with e0 also
    # 7: a da, 8: b da, 9: a m, 10: b m, 11: m, 12: 1/q, 13: da, 14: dpha  (m = dlam b^2)
    nf = 15 if want_e0 else 7
    z = np.empty((nf, n))
    z[0].fill(1.0)
    z[1] = a
    b = np.divide(1.0, lam, out=z[2])
    a2b2 = np.multiply(a, a, out=z[3])
    a2b2 -= b * b
    np.multiply(a, b, out=z[4])
    z[5] = q
    z[6] = pha
    if want_e0:
        _, dpha, da, dlam = dcols
        m = np.multiply(dlam, b, out=z[11])
        m *= b                                                 # -d(1/lambda)/dq
        np.multiply(z[1:3], da, out=z[7:9])
        np.multiply(z[1:3], m, out=z[9:11])
        inv_q = np.divide(1.0, q, out=z[12])
        z[13] = da
        z[14] = dpha
    # coefficients: row 0 the exponent re - ln R^2, row 1 the half phase ph / 2, then per
    # Jacobian row d re (times es) and, nr rows further, d ph (times ec)
    nr = len(rows)
    coef = np.zeros((2 + 2 * nr, nf))
    c = coef[0]
    c[0] = -math.log(r * r)
    c[2] = -2.0 * (reff + shift)
    c[3] = -2.0 * sigma2
    c = coef[1]
    c[1] = shift
    c[4] = -2.0 * sigma2
    c[5] = reff
    c[6] = 0.5
    i_e0 = -1
    for i, row in enumerate(rows):
        c = coef[2 + i]
        cc = coef[2 + nr + i]
        if row == 0:                                           # s02
            c[0] = degen
        elif row == 7:                                         # degen
            c[0] = s02
        elif row == 2:                                         # deltar: re -2b, ph +2a, -2/R
            c[0] = -2.0 * ns / r
            c[2] = -2.0 * ns
            cc[1] = 2.0 * ns
        elif row == 3:                  # sigma2: re -2(a^2-b^2) + 4b/reff, ph -4ab - 4a/reff
            c[3] = -2.0 * ns
            c[2] = 4.0 * ns / reff
            cc[4] = -4.0 * ns
            cc[1] = -4.0 * ns / reff
        elif row == 1:                 # e0, through q; dq/de0 = -ETOK / (2 |q|)
            ce = ns * (-0.5 * ETOK)
            # d re/dq = 2 (reff + shift) m - 4 sigma2 (a da + b m) - 1/q
            c[7] = c[10] = -4.0 * sigma2 * ce
            c[11] = 2.0 * (reff + shift) * ce
            c[12] = -ce
            # d ph/dq = 2 reff + dpha - 4 sigma2 (b da - a m) + 2 shift da
            cc[8] = -4.0 * sigma2 * ce
            cc[9] = 4.0 * sigma2 * ce
            cc[14] = ce
            cc[13] = 2.0 * shift * ce
            cc[0] = 2.0 * reff * ce
            i_e0 = i
        else:  # pragma: no cover - excluded by the caller
            raise AssertionError(row)
    lin = coef @ z
    g = np.exp(lin[0])
    if want_e0:
        g *= inv_q
    else:
        g /= q                               # exp(re) / (q R^2)
    # sin and cos from t = tan(ph/2): sin = 2t/(1+t^2), cos = (1-t^2)/(1+t^2) (numpy's tan
    # is several times cheaper than its sin and cos; t^2 stays finite for a finite angle)
    sc = np.empty((2, n))                    # [es, ec]: chi per unit N S02, and with cos
    t = np.tan(lin[1], out=lin[1])
    w = t * t
    if rows:
        np.subtract(1.0, w, out=sc[1])
    w += 1.0
    u = np.divide(g, w, out=w)               # g / (1 + t^2)
    np.multiply(t, u, out=sc[0])
    sc[0] *= 2.0                             # g sin(ph)
    if rows:
        sc[1] *= u                           # g cos(ph)
        if want_e0:
            dgs = dcols[0] * sc[0]           # d amp/dq * g sin(ph)
        sc *= amp
    else:
        sc[0] *= amp
    chi_k = sc[0] * ns
    fix_first = n >= 3 and k[0] == 0.0
    if fix_first:  # Larch: chi[0] = 2 chi[1] - chi[2] (q = 0 is singular)
        chi_k[0] = 2.0 * chi_k[1] - chi_k[2]
    if not rows:
        return chi_k, None
    d = lin[2:].reshape(2, nr, n)            # [d re; d ph] rows
    d *= sc[:, None, :]
    jac = np.add(d[0], d[1])
    if i_e0 >= 0:
        out = jac[i_e0]
        dgs *= ns * (-0.5 * ETOK)
        out += dgs
        out *= np.abs(inv_q) if negative else inv_q
    if fix_first:
        jac[:, 0] = 2.0 * jac[:, 1] - jac[:, 2]
    return chi_k, jac


def _evaluate_complex(k, path: FeffPath, values, rows, k2):
    """The EXAFS equation in complex arithmetic (any C3, C4, Ei); Jacobian rows ``rows``."""
    s02, e0, deltar, sigma2, third, fourth, ei, degen = values
    reff = path.reff
    # e0-shifted energy (in k^2 units), floored near zero as Larch does
    en = (k * k if k2 is None else k2) - e0 * ETOK
    absen = np.abs(en)
    clamped = None
    if absen.min() < _SMALL_ENERGY:
        clamped = absen < 1.5 * _SMALL_ENERGY
        en = np.where(clamped, _SMALL_ENERGY, en)
        absen = np.abs(en)
    sqrt_absen = np.sqrt(absen)
    q = np.sign(en) * sqrt_absen

    cols, dcols = path.spline._columns(q, 1 in rows)
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
    if not rows:
        return chi_k, None

    # Im(C z) for the complex chi C: rows written with Im(i w) = Re(w) to save work
    jac = np.empty((len(rows), k.size))
    want = set(rows)
    cp = cchi * p if want & {2, 3, 4} else None
    cpp = cchi * pp if want & {3, 5} else None
    if want & {1, 6}:
        # d arg for a change dpp of p^2 (p = sqrt(pp), dp = dpp / (2p)), with the
        # non-holomorphic -2 reff Im(p) handled on its own.
        inv2p = 0.5 / p
        slope_pp = (-2.0 * damping + (2.0 * fourth / 3.0) * pp if fourth != 0.0
                    else -2.0 * sigma2)
        # coefficient of dpp in the holomorphic part: slope_pp + i shift/p - 4i third p/3
        hol = slope_pp + 1j * (shift * 2.0 * inv2p)
        if third != 0.0:
            hol = hol - (4j * third / 3.0) * p
    for i, row in enumerate(rows):
        if row == 0:
            jac[i] = degen * a_unit.imag                                  # s02
        elif row == 7:
            jac[i] = s02 * a_unit.imag                                    # degen
        elif row == 2:
            jac[i] = 2.0 * cp.real - (2.0 / r) * cchi.imag                # deltar: C (2ip - 2/r)
        elif row == 3:
            jac[i] = -2.0 * cpp.imag - (4.0 / reff) * cp.real             # sigma2
        elif row == 4:
            jac[i] = (-4.0 / 3.0) * (cp * pp).real                        # third: C(-4i p pp/3)
        elif row == 5:
            jac[i] = (2.0 / 3.0) * (cpp * pp).imag                        # fourth: C(2 pp^2/3)
        elif row == 6:                                                    # ei: dpp = i ETOK
            dp_ei = (1j * ETOK) * inv2p
            jac[i] = (cchi * ((1j * ETOK) * hol - 2.0 * reff * dp_ei.imag)).imag
        else:
            # e0: q moves by dq/de0 = -ETOK / (2 |q|) (zero where Larch floors |en|)
            dq = -ETOK / (2.0 * sqrt_absen)
            if clamped is not None:
                dq = np.where(clamped, 0.0, dq)
            damp, dpha, drep, dlam = dcols
            dpp_q = 2.0 * base * (drep - 1j * dlam / (lam * lam))
            darg_q = (dpp_q * hol - 2.0 * reff * (dpp_q * inv2p).imag
                      + 1j * (2.0 * reff + dpha))
            jac[i] = ((ns * damp) * unit + cchi * (darg_q - 1.0 / q)).imag * dq   # e0
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
    return _evaluate(k, path, values, (), plain=False)[0]


def chi_and_jacobian(k, path: FeffPath, params: Mapping[str, float], rows=None):
    """Compute chi(k) of one path and its exact derivatives for the path parameters.

    Parameters
    ----------
    k : array-like of shape (n_k,)
        Wavenumbers, in 1/Angstrom.
    path : FeffPath
        The path.
    params : mapping of str to float
        Path parameters by name (missing ones take the defaults of :func:`chi`).
    rows : sequence of str, optional
        Parameters to differentiate, by name, in the order wanted (default: all of
        ``PATH_PARAMETERS``). A fit asks only for the parameters that vary, which saves work.
        When ``third``, ``fourth`` and ``ei`` are zero and not among ``rows``, chi and its
        derivatives come from an equivalent real-valued form of the equation (cheaper; equal
        to :func:`chi` to rounding, about 1e-15 relative).

    Returns
    -------
    chi : ndarray of shape (n_k,)
        As :func:`chi`.
    jacobian : ndarray of shape (len(rows), n_k)
        ``jacobian[i] = d chi / d rows[i]``, computed with the same intermediates
        (``e0`` through the spline's derivative; exactly zero where ``|k^2 - e0 2m/hbar^2|``
        is floored).

    Raises
    ------
    InvalidParameterError
        As :func:`chi`; also for an unknown name in ``rows``.
    """
    k, values = _check_inputs(k, path, params)
    if rows is None:
        return _evaluate(k, path, values, _ALL_ROWS, plain=False)
    if isinstance(rows, str):
        rows = (rows,)
    index = []
    for name in rows:
        if name not in _ROW:
            raise InvalidParameterError(
                f"Unknown path parameter {name!r} in 'rows'; known path parameters are "
                f"{', '.join(PATH_PARAMETERS)}.", parameter="rows", value=name)
        index.append(_ROW[name])
    return _evaluate(k, path, values, tuple(index))
