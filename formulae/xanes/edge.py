"""Edge position and slope: a step (arctangent or logistic) plus a linear background, fitted
to many spectra at once by a batched Levenberg-Marquardt.

=====================  ===================================================================
name                   what it does
=====================  ===================================================================
EdgeFit                frozen result of one fit: e0, slope, step, background, their errors
fit_edge               fit one spectrum
fit_edges              fit a stack of spectra (vectorised); arrays of the same quantities
step_model             the model curve for given parameters
=====================  ===================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_choice, check_int
from ..errors import DataError
from ._checks import as_companion, as_spectra

__all__ = ["EdgeFit", "fit_edge", "fit_edges", "step_model"]

_SHAPES = ("arctan", "logistic")
_BACKGROUNDS = ("linear", "constant")


@dataclass(frozen=True)
class EdgeFit:
    """Result of an edge-step fit.

    Parameters
    ----------
    e0, e0_stderr : float
        Centre of the step (where it has risen by half its height), eV.
    slope, slope_stderr : float
        Rate ``k`` of the step, 1/eV: the argument of the step function is ``k (E - e0)``.
        The curve's steepest slope is ``step * k / pi`` (arctan) or ``step * k / 4`` (logistic).
    step, step_stderr : float
        Step height, in the units of mu.
    offset : float
        Background value at the middle of the energy range.
    background_slope : float
        Background slope per eV (0 when ``background='constant'``).
    shape : str
        ``'arctan'`` or ``'logistic'``.
    rms : float
        Root mean square of the residuals.
    n_iter : int
        Levenberg-Marquardt iterations used.
    """

    e0: float
    e0_stderr: float
    slope: float
    slope_stderr: float
    step: float
    step_stderr: float
    offset: float
    background_slope: float
    shape: str
    rms: float
    n_iter: int


def _step(t, shape):
    if shape == "arctan":
        return 0.5 + np.arctan(t) / np.pi, 1.0 / (np.pi * (1.0 + t * t))
    s = 0.5 * (1.0 + np.tanh(0.5 * t))  # logistic, overflow-free
    return s, s * (1.0 - s)


def step_model(energy, e0, slope, step, offset, background_slope=0.0, *, shape="arctan"):
    """Evaluate ``offset + background_slope*(E - Emid) + step * S(slope*(E - e0))``.

    ``Emid`` is the middle of ``energy``'s range; ``S`` is ``1/2 + arctan(t)/pi`` or the
    logistic ``1/(1 + exp(-t))``.

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Energies, eV.
    e0, slope, step, offset, background_slope : float or array-like of shape (n_spectra,)
        Centre (eV), rate k (1/eV), height, background value at the middle of the range and
        background slope (per eV).
    shape : {'arctan', 'logistic'}, default='arctan'
        Step function.

    Returns
    -------
    ndarray of shape (n_points,) or (n_spectra, n_points)
    """
    shape = check_choice(shape, "shape", _SHAPES, owner="step_model")
    energy = np.asarray(energy, dtype=float)
    mid = 0.5 * (energy[0] + energy[-1])
    p = [np.asarray(v, dtype=float)[..., None] for v in (e0, slope, step, offset, background_slope)]
    s, _ = _step(p[1] * (energy - p[0]), shape)
    out = p[3] + p[4] * (energy - mid) + p[2] * s
    return out[0] if out.ndim == 2 and out.shape[0] == 1 and np.ndim(e0) == 0 else out


def _initial(energy, spectra, guide, shape):
    """Starting values from the (smoothed) guide curves."""
    n = spectra.shape[0]
    lo = guide.min(axis=1)
    hi = guide.max(axis=1)
    half = 0.5 * (lo + hi)
    above = guide >= half[:, None]
    # last upward crossing of half height
    crossing = above[:, 1:] & ~above[:, :-1]
    idx = np.where(crossing.any(axis=1),
                   guide.shape[1] - 2 - np.argmax(crossing[:, ::-1], axis=1), 0)
    e_lo, e_hi = energy[idx], energy[idx + 1]
    y_lo, y_hi = guide[np.arange(n), idx], guide[np.arange(n), idx + 1]
    frac = np.where(y_hi > y_lo, (half - y_lo) / np.where(y_hi > y_lo, y_hi - y_lo, 1.0), 0.5)
    e0 = e_lo + np.clip(frac, 0.0, 1.0) * (e_hi - e_lo)
    height = np.maximum(hi - lo, 1e-12)
    dmax = np.max(np.diff(guide, axis=1) / np.diff(energy), axis=1)
    peak = np.pi if shape == "arctan" else 4.0
    k = np.clip(peak * np.maximum(dmax, 1e-12) / height, 1e-3 * 2 / np.ptp(energy), 10.0)
    return e0, np.log(k), height, lo


def fit_edges(energy, spectra, *, shape: str = "arctan", background: str = "linear",
              guide=None, max_iter: int = 100, tol: float = 1e-10):
    """Fit a step plus background to each spectrum, all spectra at once.

    Model: ``mu(E) = c + d (E - Emid) + h S(k (E - e0))`` with ``k > 0`` (fitted as log k),
    unit weights, the whole energy range given. The normal equations of all spectra are built
    and solved together (batched 5x5 solves), with one damping factor per spectrum.

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing energies, in eV.
    spectra : array-like of shape (n_spectra, n_points)
        The curves to fit; never modified.
    shape : {'arctan', 'logistic'}, default='arctan'
        Step function ``S``: ``1/2 + arctan(t)/pi`` or ``1/(1 + exp(-t))``.
    background : {'linear', 'constant'}, default='linear'
        Background under the step.
    guide : array-like of shape (n_spectra, n_points), optional
        Curves used only for the starting values (e.g. smoothed spectra); default ``spectra``.
        Another shape raises InvalidParameterError.
    max_iter : int, default=100
        Levenberg-Marquardt iterations at most.
    tol : float, default=1e-10
        Stop when no spectrum's relative decrease of the sum of squares exceeds ``tol``.

    Returns
    -------
    dict of str to ndarray of shape (n_spectra,)
        ``e0, e0_stderr, slope, slope_stderr, step, step_stderr, offset, background_slope,
        rms, n_iter`` and ``ok`` (False where the step is not rising or its centre falls
        outside the energy range: no edge in range).

    Notes
    -----
    Standard errors are ``sqrt(diag(s^2 (J^T J)^-1))`` with ``s^2 = RSS/(n_points - n_par)``;
    the error of ``slope`` comes from that of ``log k`` by the delta method.
    """
    shape = check_choice(shape, "shape", _SHAPES, owner="fit_edges")
    background = check_choice(background, "background", _BACKGROUNDS, owner="fit_edges")
    max_iter = check_int(max_iter, "max_iter", owner="fit_edges", low=1)
    energy, y, _ = as_spectra(energy, spectra)
    guide = y if guide is None else as_companion(guide, y, "guide", "fit_edges")
    n, m = y.shape
    n_par = 5 if background == "linear" else 4
    mid = 0.5 * (energy[0] + energy[-1])
    span = energy[-1] - energy[0]
    u = (energy - mid) / span  # background variable, dimensionless
    e0, logk, h, c = _initial(energy, y, guide, shape)
    params = np.column_stack([e0, logk, h, c, np.zeros(n)])[:, :n_par]

    f, s, ds, k, t = _eval_subset(params, energy, shape, n_par, u)
    cost = np.sum((y - f) ** 2, axis=1)
    lam = np.full(n, 0.1)
    active = np.ones(n, dtype=bool)
    n_iter = np.zeros(n, dtype=int)
    eye = np.eye(n_par)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        p = params[idx]
        fi, si, dsi, ki, ti = f[idx], s[idx], ds[idx], k[idx], t[idx]
        a, g = _normal_equations(p, si, dsi, ki, ti, y[idx] - fi, n_par, u)
        diag = np.einsum("nii->ni", a)
        damped = a + (lam[idx, None, None] * (diag[:, :, None] * eye + 1e-12 * eye))
        try:
            delta = np.linalg.solve(damped, g[..., None])[..., 0]
        except np.linalg.LinAlgError:
            delta = _safe_solve(damped, g)
        trial = p + delta
        trial[:, 1] = np.clip(trial[:, 1], -20.0, 5.0)
        ft, st, dst, kt, tt = _eval_subset(trial, energy, shape, n_par, u)
        new_cost = np.sum((y[idx] - ft) ** 2, axis=1)
        better = new_cost < cost[idx]
        good = idx[better]
        improvement = (cost[idx] - new_cost) / np.maximum(cost[idx], 1e-300)
        params[good] = trial[better]
        f[good], s[good], ds[good], k[good], t[good] = ft[better], st[better], dst[better], \
            kt[better], tt[better]
        cost[good] = new_cost[better]
        lam[good] = np.maximum(lam[good] / 10.0, 1e-12)
        lam[idx[~better]] = lam[idx[~better]] * 10.0
        n_iter[idx] += 1
        converged = (better & (improvement < tol)) | (~better & (lam[idx] > 1e12))
        step_small = better & (np.abs(delta[:, 0]) < 1e-9 * span)
        active[idx[converged | step_small]] = False

    a, _ = _normal_equations(params, s, ds, k, t, y - f, n_par, u)
    dof = max(m - n_par, 1)
    s2 = cost / dof
    cov = _safe_inverse(a) * s2[:, None, None]
    err = np.sqrt(np.abs(np.einsum("nii->ni", cov)))
    slope = np.exp(params[:, 1])
    ok = (params[:, 2] > 0) & (params[:, 0] > energy[0]) & (params[:, 0] < energy[-1]) \
        & np.all(np.isfinite(params), axis=1)
    return {
        "e0": params[:, 0], "e0_stderr": err[:, 0],
        "slope": slope, "slope_stderr": slope * err[:, 1],
        "step": params[:, 2], "step_stderr": err[:, 2],
        "offset": params[:, 3],
        "background_slope": (params[:, 4] / span) if n_par == 5 else np.zeros(n),
        "rms": np.sqrt(cost / m), "n_iter": n_iter, "ok": ok,
    }


def _eval_subset(p, energy, shape, n_par, u):
    k = np.exp(p[:, 1])[:, None]
    t = k * (energy[None, :] - p[:, 0:1])
    s, ds = _step(t, shape)
    f = p[:, 3:4] + p[:, 2:3] * s
    if n_par == 5:
        f = f + p[:, 4:5] * u[None, :]
    return f, s, ds, k, t


def _normal_equations(p, s, ds, k, t, r, n_par, u):
    """J^T J and J^T r from row sums, using the known structure of the Jacobian.

    Columns: d/de0 = -h k S', d/dlogk = h t S', d/dh = S, d/dc = 1, d/dd = u.
    """
    h = p[:, 2]
    kk = k[:, 0]
    dst = ds * t
    sums = lambda x: x.sum(axis=1)  # noqa: E731
    ds2, ds2t, ds2t2 = sums(ds * ds), sums(ds * dst), sums(dst * dst)
    dss, dsts, ss = sums(ds * s), sums(dst * s), sums(s * s)
    sds, sdst, s1 = sums(ds), sums(dst), sums(s)
    n, m = s.shape
    a = np.empty((n, n_par, n_par))
    a[:, 0, 0] = h * h * kk * kk * ds2
    a[:, 0, 1] = a[:, 1, 0] = -h * h * kk * ds2t
    a[:, 1, 1] = h * h * ds2t2
    a[:, 0, 2] = a[:, 2, 0] = -h * kk * dss
    a[:, 1, 2] = a[:, 2, 1] = h * dsts
    a[:, 2, 2] = ss
    a[:, 0, 3] = a[:, 3, 0] = -h * kk * sds
    a[:, 1, 3] = a[:, 3, 1] = h * sdst
    a[:, 2, 3] = a[:, 3, 2] = s1
    a[:, 3, 3] = m
    g = np.empty((n, n_par))
    g[:, 0] = -h * kk * sums(r * ds)
    g[:, 1] = h * sums(r * dst)
    g[:, 2] = sums(r * s)
    g[:, 3] = sums(r)
    if n_par == 5:
        a[:, 0, 4] = a[:, 4, 0] = -h * kk * sums(ds * u)
        a[:, 1, 4] = a[:, 4, 1] = h * sums(dst * u)
        a[:, 2, 4] = a[:, 4, 2] = sums(s * u)
        a[:, 3, 4] = a[:, 4, 3] = u.sum()
        a[:, 4, 4] = u @ u
        g[:, 4] = sums(r * u)
    return a, g


def _safe_solve(a, b):
    out = np.zeros_like(b)
    for i in range(a.shape[0]):
        out[i] = np.linalg.lstsq(a[i], b[i], rcond=None)[0]
    return out


def _safe_inverse(a):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return np.stack([np.linalg.pinv(block) for block in a])


def fit_edge(energy, mu, *, shape: str = "arctan", background: str = "linear",
             guide=None, max_iter: int = 100) -> EdgeFit:
    """Fit a step plus background to one spectrum; see :func:`fit_edges`.

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing energies, in eV.
    mu : array-like of shape (n_points,)
        The spectrum; never modified.
    shape : {'arctan', 'logistic'}, default='arctan'
        Step function, as in :func:`fit_edges`.
    background : {'linear', 'constant'}, default='linear'
        Background under the step.
    guide : array-like of shape (n_points,), optional
        Curve used only for the starting values (e.g. the smoothed spectrum); another shape
        raises InvalidParameterError.
    max_iter : int, default=100
        Levenberg-Marquardt iterations at most.

    Returns
    -------
    EdgeFit

    Raises
    ------
    DataError
        If the fitted step is not rising or its centre lies outside the energy range
        ("no edge in range").

    Examples
    --------
    >>> energy = np.linspace(7080.0, 7180.0, 501)
    >>> mu = 0.5 + np.arctan((energy - 7112.0) / 1.5) / np.pi
    >>> round(fit_edge(energy, mu).e0, 3)
    7112.0
    """
    energy, y, _ = as_spectra(energy, mu)
    if y.shape[0] != 1:
        raise DataError(f"fit_edge takes one spectrum; got {y.shape[0]}. Use fit_edges.",
                        column="mu")
    res = fit_edges(energy, y, shape=shape, background=background,
                    guide=None if guide is None else as_companion(guide, y, "guide", "fit_edge"),
                    max_iter=max_iter)
    if not res["ok"][0]:
        raise DataError(_no_edge_message(energy, res, 0), column="mu")
    return EdgeFit(e0=float(res["e0"][0]), e0_stderr=float(res["e0_stderr"][0]),
                   slope=float(res["slope"][0]), slope_stderr=float(res["slope_stderr"][0]),
                   step=float(res["step"][0]), step_stderr=float(res["step_stderr"][0]),
                   offset=float(res["offset"][0]),
                   background_slope=float(res["background_slope"][0]), shape=shape,
                   rms=float(res["rms"][0]), n_iter=int(res["n_iter"][0]))


def _no_edge_message(energy, res, i) -> str:
    return (f"no edge in range {float(energy[0])!r}-{float(energy[-1])!r} eV: the fitted step has centre "
            f"{res['e0'][i]:.6g} eV and height {res['step'][i]:.3g}; expected a rising step "
            "inside the range.")
