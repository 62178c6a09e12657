"""Input checks shared by the XANES modules (private)."""

from __future__ import annotations

import numpy as np

from .._validation import check_array_1d, check_increasing
from ..errors import DataError, InvalidParameterError

MIN_POINTS = 10


def as_energy(energy, *, min_points: int = MIN_POINTS) -> np.ndarray:
    """A new finite, strictly increasing float64 copy of ``energy``."""
    energy = check_array_1d(energy, "energy", min_size=min_points)
    check_increasing(energy, "energy")
    return energy


def as_spectra(energy, spectra, *, min_points: int = MIN_POINTS):
    """Return ``(energy, spectra_2d, was_1d)``; copies, never views of the caller's arrays.

    Raises
    ------
    DataError
        Non-increasing energy (index named), too few points, shape mismatch, or a NaN/inf
        cell (spectrum and point named).
    """
    energy = as_energy(energy, min_points=min_points)
    try:
        spectra = np.array(spectra, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"mu must be numeric; {exc}", column="mu") from None
    was_1d = spectra.ndim == 1
    if was_1d:
        spectra = spectra[None, :]
    if spectra.ndim != 2 or spectra.shape[1] != energy.size:
        raise DataError(f"mu has shape {spectra.shape if not was_1d else spectra.shape[1:]}; "
                        f"expected ({energy.size},) or (n_spectra, {energy.size}) to match "
                        "energy.", column="mu")
    bad = np.argwhere(~np.isfinite(spectra))
    if bad.size:
        i, j = (int(v) for v in bad[0])
        where = f"mu[{j}]" if was_1d else f"spectrum {i}, mu[{j}]"
        raise DataError(f"{where} is {spectra[i, j]} (at {float(energy[j])!r} eV); expected a finite "
                        "number.", column="mu", row=i, value=spectra[i, j])
    return energy, spectra, was_1d


def as_companion(value, spectra: np.ndarray, name: str, owner: str) -> np.ndarray:
    """``value`` (a float copy) shaped like ``spectra`` (n_spectra, n_points); for a single
    spectrum a curve of shape (n_points,) is accepted too."""
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        arr = None
    if arr is not None and (arr.shape == spectra.shape
                            or (spectra.shape[0] == 1 and arr.shape == spectra.shape[1:])):
        return arr.reshape(spectra.shape)
    got = "non-numeric values" if arr is None else f"shape {arr.shape}"
    raise InvalidParameterError(f"The '{name}' parameter of {owner} must be curves of the "
                                f"spectra's shape {spectra.shape}. Got {got} instead.",
                                parameter=name, value=None if arr is None else arr.shape)


def trapezoid_weights(energy: np.ndarray) -> np.ndarray:
    """Weights w such that ``w @ y`` is the trapezoid integral of y over ``energy``."""
    steps = np.diff(energy)
    weights = np.zeros_like(energy)
    weights[:-1] += steps / 2
    weights[1:] += steps / 2
    return weights
