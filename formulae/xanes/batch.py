"""All descriptors of one spectrum (a frozen dataclass) or of thousands (a dict of columns).

=====================  ===================================================================
name                   what it does
=====================  ===================================================================
XanesDescriptors       frozen result for one spectrum, with units and standard errors
descriptors            descriptors of one spectrum
descriptor_table       descriptors of a stack of spectra, columns named as in the paper
DESCRIPTOR_COLUMNS     the column names, in order
DESCRIPTOR_UNITS       column name -> unit
=====================  ===================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_choice, check_int, check_number
from ..errors import DataError, InvalidParameterError
from ._checks import as_spectra
from .edge import _no_edge_message, fit_edges, step_model
from .extrema import find_maxima, find_minima
from .preedge import preedge_peaks
from .smoothing import smoothing_matrix

__all__ = ["XanesDescriptors", "descriptors", "descriptor_table", "DESCRIPTOR_COLUMNS",
           "DESCRIPTOR_UNITS"]

DESCRIPTOR_UNITS = {
    "EdgeE": "eV", "Edgeslope": "1/eV", "Edgestep": "mu",
    "MaxE": "eV", "Maxint": "mu", "Maxcurv": "mu/eV^2",
    "MinE": "eV", "Minint": "mu", "Mincurv": "mu/eV^2",
    "MinE-MaxE": "eV", "PreedgeE": "eV", "Preedgearea": "mu*eV",
}
DESCRIPTOR_COLUMNS = tuple(DESCRIPTOR_UNITS)
_STDERR_COLUMNS = ("EdgeE_stderr", "Edgeslope_stderr", "Edgestep_stderr")
_PREEDGE_WINDOW = (-15.0, -5.0)  # default pre-edge window, eV relative to EdgeE (plot uses it)


@dataclass(frozen=True)
class XanesDescriptors:
    """Descriptors of one XANES spectrum.

    Parameters
    ----------
    edge_energy, edge_energy_stderr : float
        EdgeE: centre of the fitted step (arctangent plus linear background), eV.
    edge_slope, edge_slope_stderr : float
        Edgeslope: rate ``k`` of the step, 1/eV (step argument ``k (E - EdgeE)``).
    edge_step, edge_step_stderr : float
        Edgestep: fitted step height, units of mu.
    max_energy, max_intensity, max_curvature : float
        MaxE (eV), Maxint (units of mu), Maxcurv (mu/eV^2, negative): main maximum of the
        smoothed spectrum, refined by a local quadratic.
    min_energy, min_intensity, min_curvature : float
        MinE (eV), Minint (units of mu), Mincurv (mu/eV^2, positive): main minimum after the
        maximum, likewise.
    min_minus_max : float
        MinE - MaxE, eV.
    preedge_energy, preedge_area : float
        PreedgeE (centroid, eV) and Preedgearea (mu*eV) above a straight background; NaN
        when the pre-edge window is not inside the data.
    smooth : float
        Gaussian smoothing sigma used for the extrema, eV.
    edge_shape : str
        Step function of the edge fit.
    """

    edge_energy: float
    edge_energy_stderr: float
    edge_slope: float
    edge_slope_stderr: float
    edge_step: float
    edge_step_stderr: float
    max_energy: float
    max_intensity: float
    max_curvature: float
    min_energy: float
    min_intensity: float
    min_curvature: float
    min_minus_max: float
    preedge_energy: float
    preedge_area: float
    smooth: float
    edge_shape: str

    def to_dict(self) -> dict:
        """The values under the paper's column names (:data:`DESCRIPTOR_COLUMNS`).

        Returns
        -------
        dict of str to float
            ``EdgeE`` ... ``Preedgearea``, in that order (standard errors not included).
        """
        return {"EdgeE": self.edge_energy, "Edgeslope": self.edge_slope,
                "Edgestep": self.edge_step, "MaxE": self.max_energy,
                "Maxint": self.max_intensity, "Maxcurv": self.max_curvature,
                "MinE": self.min_energy, "Minint": self.min_intensity,
                "Mincurv": self.min_curvature, "MinE-MaxE": self.min_minus_max,
                "PreedgeE": self.preedge_energy, "Preedgearea": self.preedge_area}


def _window(value, name):
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"The '{name}' parameter must be a pair (low, high) of "
                                    f"floats in eV. Got {value!r} instead.", parameter=name,
                                    value=value) from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise InvalidParameterError(f"The '{name}' parameter must be a pair (low, high) with "
                                    f"low < high. Got {value!r} instead.", parameter=name,
                                    value=value)
    return lo, hi


def descriptor_table(energy, spectra, *, smooth: float = 5.0, edge_shape: str = "arctan",
                     edge_background: str = "linear", smooth_edge: bool = False,
                     max_window=(-5.0, 26.0), min_window=(0.0, 55.0),
                     preedge_window=_PREEDGE_WINDOW, preedge_smooth: float = 0.5,
                     half_width: float = 1.0,
                     energy_range=None, errors: str = "raise", stderr: bool = False,
                     n_jobs: int = 1) -> dict:
    """Descriptors of many spectra at once, as columns named as in the reference paper.

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing energies in eV, common to all spectra.
    spectra : array-like of shape (n_spectra, n_points) or (n_points,)
        Normalized spectra (computed ones as they are; measured ones after
        :func:`~formulae.xanes.normalize`); never modified. One spectrum of shape
        ``(n_points,)`` gives columns of length 1 and messages without "spectrum i".
    smooth : float, default=5.0
        Sigma (eV) of the Gaussian kernel smoothing applied before the extrema and curvatures;
        0 disables it.
    edge_shape : {'arctan', 'logistic'}, default='arctan'
        Step function of the edge fit.
    edge_background : {'linear', 'constant'}, default='linear'
        Background under the step.
    smooth_edge : bool, default=False
        Fit the edge to the smoothed spectrum instead of the raw one.
    max_window : tuple of float, default=(-5.0, 26.0)
        Where the main maximum is sought, eV relative to EdgeE.
    min_window : tuple of float, default=(0.0, 55.0)
        Where the main minimum is sought, eV relative to MaxE.
    preedge_window : tuple of float, default=(-15.0, -5.0)
        Pre-edge window, eV relative to EdgeE.
    preedge_smooth : float, default=0.5
        Sigma (eV) of the lighter smoothing applied before the pre-edge analysis only.
    half_width : float, default=1.0
        Half-width (eV) of the local quadratic fits at the extrema (at least 5 points).
    energy_range : tuple of float, optional
        Keep only energies in ``[low, high]`` eV before anything else.
    errors : {'raise', 'nan'}, default='raise'
        When a spectrum has no edge, maximum or minimum in its window: raise a DataError naming
        it, or put NaN in its row. A pre-edge window outside the data (or holding fewer than 3
        points) only makes that spectrum's PreedgeE and Preedgearea NaN, whatever ``errors``.
    stderr : bool, default=False
        Add columns ``EdgeE_stderr, Edgeslope_stderr, Edgestep_stderr``.
    n_jobs : int, default=1
        Threads over chunks of spectra (numpy releases the GIL in the heavy steps).

    Returns
    -------
    dict of str to ndarray of shape (n_spectra,)
        Columns :data:`DESCRIPTOR_COLUMNS` (and the stderr columns when asked).

    Raises
    ------
    DataError
        Non-increasing energy (index named), NaN or inf (spectrum and point named), fewer than
        10 points, or (``errors='raise'``) a spectrum without an edge or extremum in range.
    """
    smooth = check_number(smooth, "smooth", owner="descriptor_table", low=0.0)
    edge_shape = check_choice(edge_shape, "edge_shape", ("arctan", "logistic"),
                              owner="descriptor_table")
    edge_background = check_choice(edge_background, "edge_background", ("linear", "constant"),
                                   owner="descriptor_table")
    errors = check_choice(errors, "errors", ("raise", "nan"), owner="descriptor_table")
    half_width = check_number(half_width, "half_width", owner="descriptor_table", low=0.0,
                              low_open=True)
    n_jobs = check_int(n_jobs, "n_jobs", owner="descriptor_table", low=1)
    windows = {name: _window(value, name) for name, value in
               (("max_window", max_window), ("min_window", min_window),
                ("preedge_window", preedge_window))}
    energy, y, one = as_spectra(energy, spectra)  # one spectrum of shape (n_points,): no index
    if energy_range is not None:
        lo, hi = _window(energy_range, "energy_range")
        keep = (energy >= lo) & (energy <= hi)
        if keep.sum() < 10:
            raise DataError(f"energy_range {lo!r}-{hi!r} eV keeps {int(keep.sum())} of "
                            f"{energy.size} points (data span {float(energy[0])!r}-{float(energy[-1])!r} eV); "
                            "at least 10 are needed.", column="energy")
        energy, y = energy[keep], y[:, keep]
    preedge_smooth = check_number(preedge_smooth, "preedge_smooth", owner="descriptor_table",
                                  low=0.0)
    matrix = smoothing_matrix(energy, smooth).T
    pre_matrix = smoothing_matrix(energy, preedge_smooth).T
    options = dict(pre_matrix=pre_matrix, edge_shape=edge_shape, edge_background=edge_background,
                   smooth_edge=smooth_edge, half_width=half_width, **windows)
    if n_jobs == 1 or y.shape[0] < 2 * n_jobs:
        out = _table_chunk(energy, y, matrix, **options)
    else:
        from joblib import Parallel, delayed

        chunks = np.array_split(np.arange(y.shape[0]), n_jobs)
        parts = Parallel(n_jobs=n_jobs, prefer="threads")(
            delayed(_table_chunk)(energy, y[idx], matrix, **options) for idx in chunks)
        out = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    problems = out.pop("_problem")
    bad = np.flatnonzero(problems > 0)
    if bad.size and errors == "raise":
        i = int(bad[0])
        where = "" if one else f"spectrum {i}: "
        raise DataError(where + _problem_text(problems[i], energy, out, i, windows), row=i,
                        column="mu")
    if bad.size:
        for key in DESCRIPTOR_COLUMNS + _STDERR_COLUMNS:
            out[key][bad] = np.nan
    if not stderr:
        for key in _STDERR_COLUMNS:
            out.pop(key)
    return out


_NO_EDGE, _NO_MAX, _NO_MIN = 1, 2, 3


def _problem_text(code, energy, out, i, windows):
    if code == _NO_EDGE:
        return _no_edge_message(energy, {"e0": out["EdgeE"], "step": out["Edgestep"]}, i)
    if code == _NO_MAX:
        lo, hi = windows["max_window"]
        return (f"no maximum in the window {out['EdgeE'][i] + lo:.2f}-{out['EdgeE'][i] + hi:.2f}"
                f" eV (max_window={windows['max_window']} around EdgeE = "
                f"{out['EdgeE'][i]:.2f} eV); the smoothed spectrum has no interior peak there.")
    lo, hi = windows["min_window"]
    return (f"no minimum in the window {out['MaxE'][i] + lo:.2f}-{out['MaxE'][i] + hi:.2f} "
            f"eV (min_window={windows['min_window']} after MaxE = {out['MaxE'][i]:.2f} eV) "
            f"within the data range {float(energy[0])!r}-{float(energy[-1])!r} eV.")


def _table_chunk(energy, y, matrix, *, pre_matrix, edge_shape, edge_background, smooth_edge, half_width,
                 max_window, min_window, preedge_window):
    ys = y @ matrix
    edge = fit_edges(energy, ys if smooth_edge else y, shape=edge_shape,
                     background=edge_background, guide=ys)
    e0 = edge["e0"]
    mx = find_maxima(energy, ys, (e0 + max_window[0], e0 + max_window[1]),
                     half_width=half_width)
    mn = find_minima(energy, ys, (mx["energy"] + min_window[0], mx["energy"] + min_window[1]),
                     half_width=half_width)
    model = step_model(energy, e0, edge["slope"], edge["step"], edge["offset"],
                       edge["background_slope"], shape=edge_shape)
    pre = preedge_peaks(energy, y @ pre_matrix, (e0 + preedge_window[0], e0 + preedge_window[1]),
                        baseline=model.reshape(y.shape))
    # a pre-edge window outside the data spoils the pre-edge columns only
    pre_energy = np.where(pre["ok"], pre["energy"], np.nan)
    pre_area = np.where(pre["ok"], pre["area"], np.nan)
    problem = np.zeros(y.shape[0], dtype=int)
    problem[~mn["ok"]] = _NO_MIN
    problem[~mx["ok"]] = _NO_MAX
    problem[~edge["ok"]] = _NO_EDGE
    return {
        "EdgeE": e0, "Edgeslope": edge["slope"], "Edgestep": edge["step"],
        "MaxE": mx["energy"], "Maxint": mx["intensity"], "Maxcurv": mx["curvature"],
        "MinE": mn["energy"], "Minint": mn["intensity"], "Mincurv": mn["curvature"],
        "MinE-MaxE": mn["energy"] - mx["energy"],
        "PreedgeE": pre_energy, "Preedgearea": pre_area,
        "EdgeE_stderr": edge["e0_stderr"], "Edgeslope_stderr": edge["slope_stderr"],
        "Edgestep_stderr": edge["step_stderr"], "_problem": problem,
    }


def descriptors(energy, mu, *, smooth: float = 5.0, **options) -> XanesDescriptors:
    """Descriptors of one spectrum.

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing energies, in eV.
    mu : array-like of shape (n_points,)
        Normalized spectrum; never modified.
    smooth : float, default=5.0
        Gaussian smoothing sigma in eV before the extrema (see :func:`descriptor_table`).
    **options
        ``edge_shape, edge_background, smooth_edge, max_window, min_window, preedge_window,
        preedge_smooth, half_width, energy_range`` as in :func:`descriptor_table`.

    Returns
    -------
    XanesDescriptors

    Raises
    ------
    DataError
        As :func:`descriptor_table` with ``errors='raise'``; the message says what is missing.

    Examples
    --------
    >>> energy = np.linspace(7100.0, 7200.0, 401)
    >>> mu = (0.5 + np.arctan((energy - 7125.0) / 2.0) / np.pi
    ...       + 0.4 * np.exp(-0.5 * ((energy - 7135.0) / 4.0) ** 2)
    ...       - 0.1 * np.exp(-0.5 * ((energy - 7165.0) / 6.0) ** 2))
    >>> d = descriptors(energy, mu, smooth=0.0)
    >>> round(d.max_energy), round(d.min_energy)
    (7135, 7165)
    """
    for key in ("errors", "stderr", "n_jobs"):
        if key in options:
            raise InvalidParameterError(f"descriptors() does not take '{key}'; use "
                                        "descriptor_table.", parameter=key)
    mu_arr = np.asarray(mu)  # checked (numeric, finite) by descriptor_table
    if mu_arr.ndim != 1:
        raise DataError(f"mu must be one spectrum of shape (n_points,); got shape "
                        f"{mu_arr.shape}. Use descriptor_table for many.", column="mu")
    # 1-D mu: descriptor_table's messages name mu[j] or the fault, without "spectrum 0"
    table = descriptor_table(energy, mu_arr, smooth=smooth, errors="raise", stderr=True,
                             **options)
    v = {key: float(values[0]) for key, values in table.items()}
    return XanesDescriptors(
        edge_energy=v["EdgeE"], edge_energy_stderr=v["EdgeE_stderr"],
        edge_slope=v["Edgeslope"], edge_slope_stderr=v["Edgeslope_stderr"],
        edge_step=v["Edgestep"], edge_step_stderr=v["Edgestep_stderr"],
        max_energy=v["MaxE"], max_intensity=v["Maxint"], max_curvature=v["Maxcurv"],
        min_energy=v["MinE"], min_intensity=v["Minint"], min_curvature=v["Mincurv"],
        min_minus_max=v["MinE-MaxE"], preedge_energy=v["PreedgeE"],
        preedge_area=v["Preedgearea"], smooth=float(smooth),
        edge_shape=options.get("edge_shape", "arctan"))
