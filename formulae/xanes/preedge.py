"""Pre-edge peak: centroid and area above a straight background, for many spectra at once.

=====================  ===================================================================
name                   what it does
=====================  ===================================================================
preedge_peaks          centroid (eV) and area of the pre-edge in a window per spectrum
=====================  ===================================================================
"""

from __future__ import annotations

import numpy as np

from ._checks import as_companion, as_spectra

__all__ = ["preedge_peaks"]


def preedge_peaks(energy, spectra, window, *, baseline=None):
    """Centroid and area of the pre-edge feature of each spectrum.

    The ``baseline`` (e.g. the fitted edge step, whose foot follows the convex rise of the edge)
    is subtracted first. In the window ``[lo, hi]`` what remains still gets a straight line
    through its values at ``lo`` and ``hi`` (linearly interpolated) subtracted. With
    ``r = mu - baseline - line``,
    the area is the trapezoid integral of ``r`` over the window, and the centroid is
    ``sum(E r+ w) / sum(r+ w)`` with ``r+ = max(r, 0)`` and trapezoid weights ``w``.

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing energies, in eV.
    spectra : array-like of shape (n_spectra, n_points)
        Spectra, unsmoothed (a 5 eV smoothing would erase a pre-edge).
    window : tuple of (array-like, array-like)
        Window limits in eV, scalars or one per spectrum.
    baseline : array-like of shape (n_spectra, n_points), optional
        Curve subtracted before the straight line; default zero.

    Returns
    -------
    dict of str to ndarray of shape (n_spectra,)
        ``energy`` (centroid, eV; NaN when nothing rises above the line), ``area`` (units of
        mu times eV) and ``ok`` (False when the window holds fewer than 3 grid points or lies
        outside the data).

    Raises
    ------
    InvalidParameterError
        If ``baseline`` is not shaped like ``spectra``.
    """
    energy, y, _ = as_spectra(energy, spectra, min_points=3)
    if baseline is not None:
        y = y - as_companion(baseline, y, "baseline", "preedge_peaks")
    n = y.shape[0]
    lo = np.broadcast_to(np.asarray(window[0], dtype=float), (n,)).copy()
    hi = np.broadcast_to(np.asarray(window[1], dtype=float), (n,)).copy()
    inside = (lo >= energy[0]) & (hi <= energy[-1]) & (hi > lo)
    lo = np.clip(lo, energy[0], energy[-1])
    hi = np.clip(hi, energy[0], energy[-1])
    rows = np.arange(n)
    y_lo = _interp_rows(energy, y, lo, rows)
    y_hi = _interp_rows(energy, y, hi, rows)
    span = np.where(hi > lo, hi - lo, 1.0)
    line = y_lo[:, None] + (y_hi - y_lo)[:, None] * (energy[None, :] - lo[:, None]) / span[:, None]
    mask = (energy[None, :] >= lo[:, None]) & (energy[None, :] <= hi[:, None])
    # trapezoid weights restricted to the window (half steps at the window's grid ends)
    step_left = np.diff(energy, prepend=energy[0])
    step_right = np.diff(energy, append=energy[-1])
    left_in = np.zeros_like(mask)
    left_in[:, 1:] = mask[:, :-1]
    right_in = np.zeros_like(mask)
    right_in[:, :-1] = mask[:, 1:]
    w = mask * (0.5 * step_left[None, :] * left_in + 0.5 * step_right[None, :] * right_in)
    resid = y - line
    area = np.sum(w * resid, axis=1)
    positive = np.maximum(resid, 0.0) * w
    total = positive.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        centroid = np.where(total > 0, (positive * energy[None, :]).sum(axis=1) / total, np.nan)
    ok = inside & (mask.sum(axis=1) >= 3)
    return {"energy": centroid, "area": area, "ok": ok}


def _interp_rows(energy, y, x, rows):
    j = np.clip(np.searchsorted(energy, x) - 1, 0, energy.size - 2)
    frac = (x - energy[j]) / (energy[j + 1] - energy[j])
    return y[rows, j] + frac * (y[rows, j + 1] - y[rows, j])
