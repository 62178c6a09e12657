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
import threading
from typing import Mapping

import numpy as np

from .._validation import check_array_1d
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
    k = check_array_1d(k, "k")
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


def _evaluate(k, path: FeffPath, values, rows=_ALL_ROWS, k2=None, plain: bool = True,
              out=None):
    """The EXAFS equation and the Jacobian rows ``rows`` (indices into PATH_PARAMETERS).

    ``values`` in PATH_PARAMETERS order; ``k2`` = ``k * k`` when the caller has it. Returns
    one array of shape ``(1 + len(rows), n)``: chi, then the Jacobian rows (written into
    ``out`` when given). With ``plain``, a path without C3, C4 and Ei (and no row for them)
    goes through the real-valued form :func:`_evaluate_plain`, which equals the complex form
    to rounding.
    """
    if out is None:
        out = np.empty((1 + len(rows), k.size))
    if plain and values[4] == 0.0 and values[5] == 0.0 and values[6] == 0.0 \
            and not (4 in rows or 5 in rows or 6 in rows):
        if _evaluate_plain(k, path, values, rows, k2, out) is not None:
            return out
    return _evaluate_complex(k, path, values, rows, k2, out)


# Rows of the factor matrix of _evaluate_plain. The spline writes its values and slopes into
# rows 0-7 (amp, pha, a = real[p], lam; their q-derivatives), then lam becomes b = 1/lam and
# dlam becomes m = dlam b^2 = -d(1/lam)/dq in place. Without e0 only rows 0-3 and the
# products after them exist.
_AMP, _PHA, _A, _B, _DAMP, _DPHA, _DA, _M = range(8)
_A_DA, _B_DA, _A_M, _B_M = range(8, 12)                 # e0 only: [da, m] x [a, b]


def _products_start(want_e0: bool) -> int:
    """First row of [1, a^2, b^2, ab, q (, 1/q)] in the factor matrix."""
    return 12 if want_e0 else 4


def _evaluate_plain(k, path: FeffPath, values, rows, k2, out):
    """C3 = C4 = Ei = 0 in real arithmetic, written into ``out``; None when it does not apply
    (|k^2 - e0 2m/hbar^2| below Larch's floor somewhere, or Re p <= 0, where sqrt(p^2) != p).

    With p = a + ib (a = real[p], b = 1/lambda) and shift = deltar - 2 sigma2/reff the
    exponent of :func:`chi` is re + i ph with
    re = -2 (reff + shift) b - 2 sigma2 (a^2 - b^2) and
    ph = 2 reff q + pha - 4 sigma2 a b + 2 shift a, so that
    chi = N S02 amp exp(re) sin(ph) / (q R^2).

    re, ph and every Jacobian row's d re and d ph are linear in a few factor arrays (1, a,
    b, a^2, b^2, ab, q, pha and, for e0, products with the spline's slopes), and each row is
    d re * es + d ph * ec (es, ec: chi per unit N S02, with sin and cos). So one small matrix
    product ``coef @ factors`` gives re, ph and all the d re, d ph at once, instead of one
    chain of numpy calls per row. Intermediates live in per-thread scratch arrays.
    """
    want_e0 = 1 in rows
    first = _products_start(want_e0)          # rows first.. : 1, a^2, b^2, ab, q (, 1/q)
    nf = first + (6 if want_e0 else 5)
    n, nr = k.size, len(rows)
    spline = path.spline
    z, lin, sc, tmp, spline_ws = _scratch(
        ("plain", n, nf, nr, spline.coefficients.shape[2]),
        lambda: [(nf, n), (2 + 2 * nr, n), (2, n), (3, n), spline._scratch_shape(n, want_e0)])
    negative = _factors(k * k if k2 is None else k2, values[1], spline, want_e0, first, z,
                        spline_ws)
    if negative is None:
        return None
    np.matmul(_plain_coefficients(path.reff, values, rows, nf, first), z, out=lin)
    _sines(lin, z, first, want_e0, sc, tmp, rows)
    ns = values[7] * values[0]
    np.multiply(sc[0], ns, out=out[0])
    if rows:
        d = lin[2:].reshape(2, nr, n)        # [d re; d ph] rows
        d *= sc[:, None, :]
        np.add(d[0], d[1], out=out[1:])
        if want_e0:                          # + d amp/dq g sin(ph), times dq/de0
            row = out[1 + rows.index(1)]
            dgs = tmp[2]
            dgs *= ns * (-0.5 * ETOK)
            row += dgs
            inv_q = z[first + 5]
            row *= np.abs(inv_q, out=tmp[0]) if negative else inv_q
    if n >= 3 and k[0] == 0.0:  # Larch: chi[0] = 2 chi[1] - chi[2] (q = 0 is singular)
        out[:, 0] = 2.0 * out[:, 1] - out[:, 2]
    return out


def _factors(k2, e0, spline, want_e0, first, z, spline_ws):
    """Fill the factor rows of :func:`_evaluate_plain` into ``z``; return whether some
    k^2 - e0 2m/hbar^2 is negative, or None when the real form does not apply."""
    one, a2, b2, ab, iq = range(first, first + 5)
    en = np.subtract(k2, e0 * ETOK, out=z[one])
    if _minimum(en) >= _SMALL_ENERGY:
        q = np.sqrt(en, out=z[iq])
        negative = False
    else:  # q = sign(en) sqrt|en| (the spline's first piece extrapolates below k = 0)
        absen = np.abs(en, out=z[iq])
        if _minimum(absen) < _SMALL_ENERGY:
            return None
        q = np.copysign(np.sqrt(absen, out=absen), en, out=absen)
        negative = True
    spline._evaluate_into(q, z, want_e0, spline_ws)
    a, b = z[_A], z[_B]
    if _minimum(a) <= 0.0:
        return None
    np.divide(1.0, b, out=b)                                            # 1 / lambda
    np.multiply(z[_A:_B + 1], z[_A:_B + 1], out=z[a2:b2 + 1])          # a^2, b^2
    np.multiply(a, b, out=z[ab])
    z[one].fill(1.0)
    if want_e0:
        np.multiply(z[_M], z[b2], out=z[_M])                    # m = -d(1/lambda)/dq
        np.multiply(z[_DA:_M + 1, None], z[None, _A:_B + 1],
                    out=z[_A_DA:_B_M + 1].reshape(2, 2, -1))    # a da, b da, a m, b m
        np.divide(1.0, q, out=z[iq + 1])
    return negative


def _sines(lin, z, first, want_e0, sc, tmp, rows):
    """[es, ec] = amp exp(re) [sin(ph), cos(ph)] / (q R^2) into ``sc`` (only es without
    ``rows``); with e0, tmp[2] = d amp/dq exp(re) sin(ph) / (q R^2)."""
    g = np.exp(lin[0], out=tmp[0])
    if want_e0:
        g *= z[first + 5]                    # 1/q
    else:
        g /= z[first + 4]                    # exp(re) / (q R^2)
    # sin and cos from t = tan(ph/2): sin = 2t/(1+t^2), cos = (1-t^2)/(1+t^2) (numpy's tan
    # is several times cheaper than its sin and cos; t^2 stays finite for a finite angle)
    t = np.tan(lin[1], out=lin[1])
    w = np.multiply(t, t, out=tmp[1])
    if rows:
        np.subtract(1.0, w, out=sc[1])
    w += 1.0
    u = np.divide(g, w, out=w)               # g / (1 + t^2)
    np.multiply(t, u, out=sc[0])
    sc[0] *= 2.0                             # g sin(ph)
    amp = z[_AMP]
    if rows:
        sc[1] *= u                           # g cos(ph)
        if want_e0:
            np.multiply(z[_DAMP], sc[0], out=tmp[2])
        sc *= amp
    else:
        sc[0] *= amp


_LOCAL = threading.local()


def _scratch(key, shapes):
    """Per-thread scratch arrays, the same ones for every call with ``key`` (which must fix
    their shapes): an evaluation's intermediates then reuse memory that is still in cache
    (fresh arrays of this size land on cold memory whenever other work ran in between).
    ``shapes`` is a list of shapes, or a function returning it (called once per key). Never
    returned to a caller."""
    cache = getattr(_LOCAL, "arrays", None)
    if cache is None:
        cache = _LOCAL.arrays = {}
    arrays = cache.get(key)
    if arrays is None:
        if len(cache) >= 64:
            cache.clear()
        arrays = cache[key] = [np.empty(shape)
                               for shape in (shapes() if callable(shapes) else shapes)]
    return arrays


# Scalars of _plain_coefficients, computed per call; every coefficient is one of them times a
# constant (a power of two or 1/2, so that the product is exact).
_F_LOG_R2, _F_REFF_SHIFT, _F_SIGMA2, _F_SHIFT, _F_REFF, _F_ONE, _F_DEGEN, _F_S02, _F_NS_R, \
    _F_NS, _F_NS_REFF, _F_CE, _F_SIGMA2_CE, _F_REFF_SHIFT_CE, _F_SHIFT_CE, _F_REFF_CE = range(16)
_COEFFICIENT_TEMPLATES: dict = {}


def _plain_coefficients(reff, values, rows, n_factors, first):
    """Coefficient matrix of :func:`_evaluate_plain`: row 0 the exponent re - ln R^2, row 1
    the half phase ph / 2, then per Jacobian row d re (times es) and, len(rows) rows
    further, d ph (times ec); columns are the factor rows.

    Each entry is one of a few scalars times a constant: a template (cached per ``rows``)
    lists the entries, their scalars and constants.
    """
    s02, _, deltar, sigma2, _, _, _, degen = values
    r = reff + deltar
    shift = deltar - 2.0 * sigma2 / reff
    ns = degen * s02
    ce = ns * (-0.5 * ETOK)                  # dq/de0 = -ETOK / (2 |q|), times N S02
    scalars = np.array([-math.log(r * r), reff + shift, sigma2, shift, reff, 1.0, degen, s02,
                        ns / r, ns, ns / reff, ce, sigma2 * ce, (reff + shift) * ce,
                        shift * ce, reff * ce])
    key = (rows, n_factors, first)
    template = _COEFFICIENT_TEMPLATES.get(key)
    if template is None:
        template = _COEFFICIENT_TEMPLATES[key] = _coefficient_template(rows, n_factors, first)
    entries, which, times = template
    coef = np.zeros((2 + 2 * len(rows), n_factors))
    coef.flat[entries] = scalars[which] * times
    return coef


def _coefficient_template(rows, n_factors, first):
    """``(entries, scalars, constants)`` of :func:`_plain_coefficients` for Jacobian rows
    ``rows``: flat indices into the coefficient matrix, the scalar of each, its constant."""
    one, a2, b2, ab, iq = range(first, first + 5)
    nr = len(rows)
    template = np.zeros((2 + 2 * nr, n_factors, 16))

    def put(row, factor, scalar, times):
        template[row, factor, scalar] = times

    # re - ln R^2 = -ln R^2 - 2 (reff + shift) b - 2 sigma2 (a^2 - b^2)
    put(0, one, _F_LOG_R2, 1.0)
    put(0, _B, _F_REFF_SHIFT, -2.0)
    put(0, a2, _F_SIGMA2, -2.0)
    put(0, b2, _F_SIGMA2, 2.0)
    # ph / 2 = shift a - 2 sigma2 ab + reff q + pha / 2
    put(1, _A, _F_SHIFT, 1.0)
    put(1, ab, _F_SIGMA2, -2.0)
    put(1, iq, _F_REFF, 1.0)
    put(1, _PHA, _F_ONE, 0.5)
    for i, row in enumerate(rows):
        c, cc = 2 + i, 2 + nr + i                              # d re, d ph rows
        if row == 0:                                           # s02
            put(c, one, _F_DEGEN, 1.0)
        elif row == 7:                                         # degen
            put(c, one, _F_S02, 1.0)
        elif row == 2:                                         # deltar: re -2b, ph +2a, -2/R
            put(c, one, _F_NS_R, -2.0)
            put(c, _B, _F_NS, -2.0)
            put(cc, _A, _F_NS, 2.0)
        elif row == 3:                  # sigma2: re -2(a^2-b^2) + 4b/reff, ph -4ab - 4a/reff
            put(c, a2, _F_NS, -2.0)
            put(c, b2, _F_NS, 2.0)
            put(c, _B, _F_NS_REFF, 4.0)
            put(cc, ab, _F_NS, -4.0)
            put(cc, _A, _F_NS_REFF, -4.0)
        elif row == 1:                 # e0, through q (times ce = -N S02 ETOK / 2)
            # d re/dq = 2 (reff + shift) m - 4 sigma2 (a da + b m) - 1/q
            put(c, _A_DA, _F_SIGMA2_CE, -4.0)
            put(c, _B_M, _F_SIGMA2_CE, -4.0)
            put(c, _M, _F_REFF_SHIFT_CE, 2.0)
            put(c, iq + 1, _F_CE, -1.0)
            # d ph/dq = 2 reff + dpha - 4 sigma2 (b da - a m) + 2 shift da
            put(cc, _B_DA, _F_SIGMA2_CE, -4.0)
            put(cc, _A_M, _F_SIGMA2_CE, 4.0)
            put(cc, _DPHA, _F_CE, 1.0)
            put(cc, _DA, _F_SHIFT_CE, 2.0)
            put(cc, one, _F_REFF_CE, 2.0)
        else:  # pragma: no cover - excluded by the caller
            raise AssertionError(row)
    template = template.reshape(-1, 16)
    entries = np.flatnonzero(template.any(axis=1))
    which = np.abs(template[entries]).argmax(axis=1)
    out = (entries, which, template[entries, which])
    for arr in out:
        arr.flags.writeable = False
    return out


def _evaluate_complex(k, path: FeffPath, values, rows, k2, out):
    """The EXAFS equation in complex arithmetic (any C3, C4, Ei); chi and the Jacobian rows
    ``rows`` written into ``out``."""
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
    out[0] = cchi.imag
    fix_first = k.size >= 3 and k[0] == 0.0
    if not rows:
        if fix_first:  # Larch: chi[0] = 2 chi[1] - chi[2] (q = 0 is singular)
            out[0, 0] = 2.0 * out[0, 1] - out[0, 2]
        return out

    # Im(C z) for the complex chi C: rows written with Im(i w) = Re(w) to save work
    jac = out[1:]
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
    if fix_first:  # Larch: chi[0] = 2 chi[1] - chi[2] (q = 0 is singular)
        out[:, 0] = 2.0 * out[:, 1] - out[:, 2]
    return out


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
        For an unknown parameter name (the known names are listed) or a non-finite value.
    DataError
        For a ``k`` that is not a finite 1-D array (the first bad index is named).

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
    DataError
        As :func:`chi`.
    """
    k, values = _check_inputs(k, path, params)
    if rows is None:
        out = _evaluate(k, path, values, _ALL_ROWS, plain=False)
        return out[0], out[1:]
    if isinstance(rows, str):
        rows = (rows,)
    index = []
    for name in rows:
        if name not in _ROW:
            raise InvalidParameterError(
                f"Unknown path parameter {name!r} in 'rows'; known path parameters are "
                f"{', '.join(PATH_PARAMETERS)}.", parameter="rows", value=name)
        index.append(_ROW[name])
    out = _evaluate(k, path, values, tuple(index))
    return out[0], (out[1:] if index else None)
