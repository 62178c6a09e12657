"""Normalization of measured spectra, following Athena's conventions.

=====================  ===================================================================
name                   what it does
=====================  ===================================================================
Normalization          frozen result: e0, edge step, pre-edge line, post-edge polynomial
find_e0                E0 as the energy of the largest derivative (Athena's convention)
normalize              pre-edge line + post-edge polynomial -> normalized mu
=====================  ===================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_int, check_number
from ..errors import DataError
from ._checks import as_spectra

__all__ = ["Normalization", "find_e0", "normalize"]


@dataclass(frozen=True)
class Normalization:
    """Result of :func:`normalize`.

    Parameters
    ----------
    e0 : float
        Edge energy (largest derivative), eV.
    edge_step : float
        Post-edge minus pre-edge curve at ``e0``.
    pre_edge : tuple of float
        Pre-edge line coefficients ``(slope, intercept)`` in ``mu = slope*E + intercept``.
    post_edge : tuple of float
        Post-edge polynomial coefficients in powers of ``E - e0``, highest first.
    norm : ndarray of shape (n_points,)
        ``(mu - pre_edge_line) / edge_step``.
    """

    e0: float
    edge_step: float
    pre_edge: tuple
    post_edge: tuple
    norm: np.ndarray


def _one_spectrum(energy, mu, owner):
    energy, y, _ = as_spectra(energy, mu)
    if y.shape[0] != 1:
        raise DataError(f"{owner} takes one spectrum of shape (n_points,); got {y.shape[0]} "
                        "spectra.", column="mu")
    return energy, y[0]


def find_e0(energy, mu) -> float:
    """Energy of the largest finite-difference derivative ``dmu/dE`` (eV).

    The derivative is evaluated at the midpoints of the grid and the midpoint of the largest
    is returned, as Athena does (no smoothing).

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing energies, eV.
    mu : array-like of shape (n_points,)
        Absorption.

    Returns
    -------
    float
        E0 in eV.

    Raises
    ------
    DataError
        If ``mu`` holds more than one spectrum.
    """
    energy, y = _one_spectrum(energy, mu, "find_e0")
    deriv = np.diff(y) / np.diff(energy)
    j = int(np.argmax(deriv))
    return float(0.5 * (energy[j] + energy[j + 1]))


def normalize(energy, mu, *, e0=None, pre1: float = -200.0, pre2: float = -30.0,
              norm1: float = 50.0, norm2: float | None = None, nnorm: int = 2) -> Normalization:
    """Normalize a measured spectrum to unit edge step.

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing energies, in eV.
    mu : array-like of shape (n_points,)
        Raw absorption; never modified.
    e0 : float, optional
        Edge energy in eV; default :func:`find_e0`.
    pre1, pre2 : float, default=-200 and -30
        Pre-edge fitting range relative to ``e0``, eV (a line).
    norm1, norm2 : float, default=50 and the end of the data
        Post-edge fitting range relative to ``e0``, eV.
    nnorm : int, default=2
        Degree of the post-edge polynomial (0-3).

    Returns
    -------
    Normalization

    Raises
    ------
    DataError
        If ``mu`` holds more than one spectrum, a fitting range holds fewer than
        ``nnorm + 2`` (post) or 2 (pre) points, or the edge step is not positive.

    Notes
    -----
    Computed spectra (e.g. FDMNES) are already normalized; do not normalize them again.
    """
    energy, y = _one_spectrum(energy, mu, "normalize")
    nnorm = check_int(nnorm, "nnorm", owner="normalize", low=0, high=3)
    e0 = find_e0(energy, y) if e0 is None else check_number(e0, "e0", owner="normalize")
    pre = (energy >= e0 + pre1) & (energy <= e0 + pre2)
    if pre.sum() < 2:
        raise DataError(f"pre-edge range {e0 + pre1:.1f}-{e0 + pre2:.1f} eV holds {pre.sum()} "
                        "points; at least 2 are needed (adjust pre1/pre2).", column="energy")
    top = energy[-1] if norm2 is None else e0 + norm2
    post = (energy >= e0 + norm1) & (energy <= top)
    if post.sum() < nnorm + 2:
        raise DataError(f"post-edge range {e0 + norm1:.1f}-{top:.1f} eV holds {post.sum()} "
                        f"points; at least {nnorm + 2} are needed (adjust norm1/norm2).",
                        column="energy")
    slope, intercept = np.polyfit(energy[pre], y[pre], 1)
    coef = np.polyfit(energy[post] - e0, y[post], nnorm)
    step = float(np.polyval(coef, 0.0) - (slope * e0 + intercept))
    if not step > 0:
        raise DataError(f"edge step at e0 = {e0:.2f} eV is {step:.3g}; expected a positive "
                        "step (no edge in range?).", column="mu", value=step)
    norm = (y - (slope * energy + intercept)) / step
    return Normalization(e0=float(e0), edge_step=step, pre_edge=(float(slope), float(intercept)),
                         post_edge=tuple(float(c) for c in coef), norm=norm)
