"""Broadening by Gaussian, Lorentzian and FDMNES-style energy-dependent Lorentzian kernels,
on non-uniform energy grids.

=====================  ===================================================================
name                   what it does
=====================  ===================================================================
gaussian_kernel        unit-area Gaussian of a given FWHM, evaluated at given offsets
lorentzian_kernel      unit-area Lorentzian of a given FWHM, evaluated at given offsets
fdmnes_width           FDMNES's arctangent law for the energy-dependent width Gamma(E)
broaden                convolve with a Gaussian or Lorentzian of fixed width
broaden_fdmnes         convolve with a Lorentzian whose width follows fdmnes_width
=====================  ===================================================================

Integrals use the trapezoid rule on the input grid:
``out(E_i) = sum_j K_i(E_i - E_j) mu(E_j) w_j``, with trapezoid weights ``w_j``.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_choice, check_number
from ._checks import as_spectra, trapezoid_weights

__all__ = ["gaussian_kernel", "lorentzian_kernel", "fdmnes_width", "broaden", "broaden_fdmnes"]

_FWHM_TO_SIGMA = 1.0 / (2.0 * np.sqrt(2.0 * np.log(2.0)))


def gaussian_kernel(offset, fwhm):
    """Unit-area Gaussian ``exp(-x^2/2s^2)/(s sqrt(2 pi))`` with ``s = fwhm/(2 sqrt(2 ln 2))``.

    Parameters
    ----------
    offset : array-like
        Energy offsets x, eV.
    fwhm : float or array-like
        Full width at half maximum, eV (broadcast against ``offset``).

    Returns
    -------
    ndarray
        Kernel values, 1/eV.
    """
    sigma = np.asarray(fwhm, dtype=float) * _FWHM_TO_SIGMA
    x = np.asarray(offset, dtype=float)
    return np.exp(-0.5 * (x / sigma) ** 2) / (sigma * np.sqrt(2.0 * np.pi))


def lorentzian_kernel(offset, fwhm):
    """Unit-area Lorentzian ``(G/2pi) / (x^2 + G^2/4)`` of full width ``G = fwhm``.

    Parameters
    ----------
    offset : array-like
        Energy offsets x, eV.
    fwhm : float or array-like
        Full width at half maximum, eV (broadcast against ``offset``).

    Returns
    -------
    ndarray
        Kernel values, 1/eV.
    """
    gamma = np.asarray(fwhm, dtype=float)
    x = np.asarray(offset, dtype=float)
    return (gamma / (2.0 * np.pi)) / (x * x + 0.25 * gamma * gamma)


def fdmnes_width(energy, *, gamma_hole: float, gamma_max: float, e_cent: float,
                 e_larg: float, e_fermi: float):
    """Energy-dependent Lorentzian FWHM of FDMNES's convolution, in eV.

    Parameters
    ----------
    energy : array-like
        Energies, eV.
    gamma_hole : float
        Core-hole width, eV (the width at and below ``e_fermi``).
    gamma_max : float
        Width added far above the edge, eV.
    e_cent, e_larg : float
        Centre and extent of the arctangent rise, eV.
    e_fermi : float
        Fermi energy, eV.

    Returns
    -------
    ndarray
        ``Gamma_hole + Gamma_max (1/2 + (1/pi) arctan((pi/3)(Gamma_max/E_larg)(e - 1/e^2)))``
        with ``e = (E - E_F)/E_cent`` for ``E > E_F``, and ``Gamma_hole`` for ``E <= E_F``.
    """
    energy = np.asarray(energy, dtype=float)
    e = (energy - e_fermi) / e_cent
    with np.errstate(divide="ignore", invalid="ignore"):
        arg = (np.pi / 3.0) * (gamma_max / e_larg) * (e - 1.0 / (e * e))
        width = gamma_hole + gamma_max * (0.5 + np.arctan(arg) / np.pi)
    return np.where(e > 0, width, gamma_hole)


def broaden(energy, mu, fwhm: float, *, kind: str = "gaussian", normalize: bool = False):
    """Convolve spectra with a Gaussian or Lorentzian of fixed full width ``fwhm`` (eV).

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing energies (any spacing), eV.
    mu : array-like of shape (n_points,) or (n_spectra, n_points)
        Spectra; never modified.
    fwhm : float
        Full width at half maximum, eV (> 0).
    kind : {'gaussian', 'lorentzian'}, default='gaussian'
    normalize : bool, default=False
        Divide each output point by the kernel's integral over the data range, so that a
        constant stays constant at the ends (otherwise the ends lose the part of the kernel
        falling outside the data).

    Returns
    -------
    ndarray of the shape of ``mu``

    Examples
    --------
    >>> energy = np.linspace(-20.0, 20.0, 801)
    >>> delta = np.where(energy == 0.0, 1.0 / 0.05, 0.0)   # unit area on the grid
    >>> out = broaden(energy, delta, 2.0)
    >>> round(float(np.sum(0.5 * (out[1:] + out[:-1]) * np.diff(energy))), 6)  # trapezoid
    1.0
    """
    fwhm = check_number(fwhm, "fwhm", owner="broaden", low=0.0, low_open=True)
    kind = check_choice(kind, "kind", ("gaussian", "lorentzian"), owner="broaden")
    energy, y, was_1d = as_spectra(energy, mu, min_points=2)
    kernel_fn = gaussian_kernel if kind == "gaussian" else lorentzian_kernel
    out = _convolve(energy, y, kernel_fn(energy[:, None] - energy[None, :], fwhm), normalize)
    return out[0] if was_1d else out


def broaden_fdmnes(energy, mu, *, gamma_hole: float, gamma_max: float, e_cent: float,
                   e_larg: float, e_fermi: float, width_at: str = "output",
                   normalize: bool = False):
    """Convolve with a Lorentzian whose FWHM follows :func:`fdmnes_width`.

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing energies, eV.
    mu : array-like of shape (n_points,) or (n_spectra, n_points)
        Spectra; never modified.
    gamma_hole, gamma_max, e_cent, e_larg, e_fermi : float
        See :func:`fdmnes_width` (all in eV).
    width_at : {'output', 'input'}, default='output'
        Evaluate the width at the output energy ``E_i`` or at the input energy ``E_j``.
    normalize : bool, default=False
        As in :func:`broaden`.

    Returns
    -------
    ndarray of the shape of ``mu``
    """
    params = {name: check_number(value, name, owner="broaden_fdmnes") for name, value in
              (("gamma_hole", gamma_hole), ("gamma_max", gamma_max), ("e_cent", e_cent),
               ("e_larg", e_larg), ("e_fermi", e_fermi))}
    for name in ("gamma_hole", "e_cent", "e_larg"):
        check_number(params[name], name, owner="broaden_fdmnes", low=0.0, low_open=True)
    width_at = check_choice(width_at, "width_at", ("output", "input"), owner="broaden_fdmnes")
    energy, y, was_1d = as_spectra(energy, mu, min_points=2)
    width = fdmnes_width(energy, **params)
    widths = width[:, None] if width_at == "output" else width[None, :]
    out = _convolve(energy, y, lorentzian_kernel(energy[:, None] - energy[None, :], widths),
                    normalize)
    return out[0] if was_1d else out


def _convolve(energy, y, kernel, normalize):
    weighted = kernel * trapezoid_weights(energy)[None, :]
    if normalize:
        weighted = weighted / weighted.sum(axis=1, keepdims=True)
    return y @ weighted.T
