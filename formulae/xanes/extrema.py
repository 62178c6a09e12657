"""Main maximum (white line) and main minimum after it, with curvature from a local quadratic.

All functions work on stacks of spectra at once: the extremum is found by a vectorised search
on the grid, and the quadratic is fitted in closed form (3x3 normal equations per spectrum,
solved as one batch).

=====================  ===================================================================
name                   what it does
=====================  ===================================================================
local_quadratic        fit ``a t^2 + b t + c`` around given points: vertex, value, 2a
find_maxima            main maximum in an energy window: energy, intensity, curvature
find_minima            lowest interior local minimum in a window: energy, intensity, curvature
=====================  ===================================================================
"""

from __future__ import annotations

import numpy as np

from .._validation import check_int, check_number
from ..errors import InvalidParameterError
from ._checks import as_spectra

__all__ = ["local_quadratic", "find_maxima", "find_minima"]


def local_quadratic(energy, spectra, centre_index, *, half_width: float = 1.0,
                    min_points: int = 5):
    """Least-squares parabola around ``energy[centre_index]`` of each spectrum.

    The points used are those within ``half_width`` eV of the centre point, or the
    ``min_points`` nearest ones when the window holds fewer.

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing energies, in eV.
    spectra : array-like of shape (n_spectra, n_points)
        Curves (usually smoothed).
    centre_index : array-like of int, shape (n_spectra,)
        Grid index of each spectrum's extremum.
    half_width : float, default=1.0
        Half-width of the fitting window, in eV.
    min_points : int, default=5
        Fewest points in a fit (at least 3).

    Returns
    -------
    vertex : ndarray of shape (n_spectra,)
        Energy of the parabola's vertex, eV (NaN for a straight line).
    value : ndarray of shape (n_spectra,)
        Parabola value at the vertex.
    curvature : ndarray of shape (n_spectra,)
        Second derivative ``2a``, per eV squared (negative at a maximum).

    Raises
    ------
    InvalidParameterError
        If ``min_points`` is not in [3, n_points] or a centre index is off the grid.

    Notes
    -----
    With ``t = E - E_c`` scaled by ``half_width``, the normal equations use the sums
    ``S_k = sum w t^k`` (k = 0..4) and ``T_k = sum w t^k y`` (k = 0..2) with 0/1 weights w.
    For a Lorentzian of half width g sampled densely, the curvature is biased by
    ``-(6/7)(half_width/g)^2`` relative (the t^4 term projected on t^2).
    """
    half_width = check_number(half_width, "half_width", owner="local_quadratic", low=0.0,
                              low_open=True)
    energy = np.asarray(energy, dtype=float)
    min_points = check_int(min_points, "min_points", owner="local_quadratic", low=3,
                           high=max(energy.size, 3))
    y = np.asarray(spectra, dtype=float)
    centre = np.asarray(centre_index, dtype=int)
    if centre.size and not (0 <= centre.min() and centre.max() < energy.size):
        raise InvalidParameterError(
            f"The 'centre_index' parameter of local_quadratic must hold grid indices in "
            f"[0, {energy.size - 1}]. Got {centre.tolist()!r} instead.", parameter="centre_index",
            value=centre.tolist())
    ec = energy[centre]
    t = (energy[None, :] - ec[:, None]) / half_width
    dist = np.abs(t)
    kth = np.partition(dist, min(min_points, dist.shape[1]) - 1, axis=1)[:, min_points - 1]
    w = (dist <= np.maximum(1.0, kth)[:, None] + 1e-12).astype(float)
    t2 = t * t
    s0 = w.sum(axis=1)
    s1 = (w * t).sum(axis=1)
    s2 = (w * t2).sum(axis=1)
    s3 = (w * t2 * t).sum(axis=1)
    s4 = (w * t2 * t2).sum(axis=1)
    wy = w * y
    r0 = wy.sum(axis=1)
    r1 = (wy * t).sum(axis=1)
    r2 = (wy * t2).sum(axis=1)
    mat = np.stack([np.stack([s4, s3, s2], -1), np.stack([s3, s2, s1], -1),
                    np.stack([s2, s1, s0], -1)], -2)
    rhs = np.stack([r2, r1, r0], -1)
    a, b, c = np.linalg.solve(mat, rhs[..., None])[..., 0].T
    with np.errstate(divide="ignore", invalid="ignore"):
        tv = np.where(a != 0, -b / (2 * a), np.nan)
    vertex = ec + tv * half_width
    value = c - np.where(a != 0, b * b / (4 * np.where(a != 0, a, 1.0)), np.nan)
    curvature = 2 * a / half_width**2
    return vertex, value, curvature


def _window_mask(energy, lo, hi):
    return (energy[None, :] >= lo[:, None]) & (energy[None, :] <= hi[:, None])


def _windowed(energy, spectra, window):
    """Checked grid, curves and the (n_spectra, n_points) mask of each spectrum's window."""
    energy, y, _ = as_spectra(energy, spectra, min_points=5)
    n = y.shape[0]
    lo = np.broadcast_to(np.asarray(window[0], dtype=float), (n,))
    hi = np.broadcast_to(np.asarray(window[1], dtype=float), (n,))
    return energy, y, _window_mask(energy, lo, hi)


def _refined(energy, y, idx, ok, *, half_width, sign):
    """Refine grid extrema ``idx`` by :func:`local_quadratic`; ``sign`` of the curvature
    required (-1 for a maximum, +1 for a minimum) is added to ``ok``."""
    vertex, value, curv = local_quadratic(energy, y, idx, half_width=half_width)
    ok = ok & np.isfinite(vertex) & (sign * curv > 0)
    return {"energy": vertex, "intensity": value, "curvature": curv, "index": idx, "ok": ok}


def find_maxima(energy, spectra, window, *, half_width: float = 1.0):
    """Main maximum of each spectrum within an energy window.

    The highest grid point inside the window is taken; it must be a local maximum of the grid
    values (higher than both neighbours and not at the window's ends), else ``ok`` is False.
    It is refined by :func:`local_quadratic`.

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing energies, in eV.
    spectra : array-like of shape (n_spectra, n_points)
        Curves (usually smoothed).
    window : tuple of (array-like, array-like)
        Lower and upper window limits in eV, scalars or one per spectrum.
    half_width : float, default=1.0
        Half-width of the quadratic fit, eV.

    Returns
    -------
    dict of str to ndarray of shape (n_spectra,)
        ``energy, intensity, curvature, index, ok``.
    """
    energy, y, mask = _windowed(energy, spectra, window)
    values = np.where(mask, y, -np.inf)
    idx = np.argmax(values, axis=1)
    rows = np.arange(y.shape[0])
    inner = (idx > 0) & (idx < energy.size - 1)
    safe = np.clip(idx, 1, energy.size - 2)
    ok = mask.any(axis=1) & inner & mask[rows, safe - 1] & mask[rows, safe + 1] \
        & (y[rows, safe] > y[rows, safe - 1]) & (y[rows, safe] >= y[rows, safe + 1])
    return _refined(energy, y, idx, ok, half_width=half_width, sign=-1)


def find_minima(energy, spectra, window, *, half_width: float = 1.0):
    """Main minimum of each spectrum within an energy window.

    Among the interior local minima of the grid values inside the window (lower than the left
    neighbour, not higher than the right one, neighbours inside the window) the lowest is
    taken; without one, ``ok`` is False. It is refined by :func:`local_quadratic`.

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing energies, in eV.
    spectra : array-like of shape (n_spectra, n_points)
        Curves (usually smoothed).
    window : tuple of (array-like, array-like)
        Lower and upper window limits in eV, scalars or one per spectrum.
    half_width : float, default=1.0
        Half-width of the quadratic fit, eV.

    Returns
    -------
    dict of str to ndarray of shape (n_spectra,)
        ``energy, intensity, curvature, index, ok``.
    """
    energy, y, mask = _windowed(energy, spectra, window)
    local = np.zeros_like(mask)
    local[:, 1:-1] = (y[:, 1:-1] < y[:, :-2]) & (y[:, 1:-1] <= y[:, 2:]) \
        & mask[:, :-2] & mask[:, 2:] & mask[:, 1:-1]
    values = np.where(local, y, np.inf)
    idx = np.argmin(values, axis=1)
    ok = local.any(axis=1)
    return _refined(energy, y, idx, ok, half_width=half_width, sign=1)
