"""Gaussian kernel smoothing on non-uniform energy grids, as one matrix product.

=====================  ===================================================================
name                   what it does
=====================  ===================================================================
smoothing_matrix       the (n_points, n_points) matrix W with ``smoothed = mu @ W.T``
smooth                 smooth one spectrum or a stack of spectra (sigma in eV)
=====================  ===================================================================
"""

from __future__ import annotations

import numpy as np

from .._validation import check_number
from ._checks import as_energy, as_spectra, trapezoid_weights

__all__ = ["smoothing_matrix", "smooth"]


def smoothing_matrix(energy, sigma: float) -> np.ndarray:
    """Return the Gaussian kernel-regression matrix for ``energy`` and width ``sigma``.

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing energies, in eV; the grid may be non-uniform.
    sigma : float
        Standard deviation of the Gaussian, in eV (not a FWHM). ``0`` gives the identity.

    Returns
    -------
    ndarray of shape (n_points, n_points)
        Row i holds the weights of the smoothed value at ``energy[i]``; each row sums to 1.

    Notes
    -----
    .. math:: y_s(E_i) = \\frac{\\int y(E)\\,G(E-E_i)\\,dE}{\\int G(E-E_i)\\,dE},
              \\quad G(x) = e^{-x^2/2\\sigma^2},

    both integrals by the trapezoid rule over the data range only (no padding), so the ends
    are not pulled towards zero and a constant stays constant.
    """
    energy = as_energy(energy, min_points=2)
    sigma = check_number(sigma, "sigma", owner="smoothing_matrix", low=0.0)
    if sigma == 0.0:
        return np.eye(energy.size)
    weights = trapezoid_weights(energy)
    kernel = np.exp(-0.5 * ((energy[None, :] - energy[:, None]) / sigma) ** 2) * weights[None, :]
    return kernel / kernel.sum(axis=1, keepdims=True)


def smooth(energy, mu, sigma: float = 5.0) -> np.ndarray:
    """Smooth ``mu`` by Gaussian kernel regression of width ``sigma`` (eV).

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing energies, in eV.
    mu : array-like of shape (n_points,) or (n_spectra, n_points)
        One spectrum or a stack of spectra on ``energy``; never modified.
    sigma : float, default=5.0
        Gaussian standard deviation in eV; 0 returns a copy.

    Returns
    -------
    ndarray of the same shape as ``mu``

    Examples
    --------
    >>> energy = np.linspace(0.0, 50.0, 101)
    >>> np.allclose(smooth(energy, 2.0 + 0.0 * energy), 2.0)
    True
    """
    energy, spectra, was_1d = as_spectra(energy, mu, min_points=2)
    out = spectra @ smoothing_matrix(energy, sigma).T
    return out[0] if was_1d else out
