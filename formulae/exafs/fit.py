"""Fit FEFF paths to χ(k) data in k, R or q space with an exact Jacobian.

The set-up follows Larch's ``feffit`` (``larch/xafs/feffit.py``) step for step - data
resampled onto the FT grid ``k = 0.05 i`` by linear interpolation, window × k^w, FT with
``kstep/√π``, residual of real and imaginary parts of χ(R) in [rmin, rmax) (or Re χ(q) in
[kmin, kmax), or k^w χ(k) in [kmin, kmax)), divided by the noise ε - so that a fit lands on
Larch's minimum. The transforms are linear, so they are precomputed as small dense matrices
restricted to the points where the window is non-zero, and the Jacobian of the residual is
that matrix times the analytic Jacobian of the model, chained through the symbolic gradients
of the path-parameter expressions.

=========================  ===================================================================
name                       what it is
=========================  ===================================================================
Transform                  FT and fit-space settings (Larch's ``feffit_transform``)
FitPath                    one FEFF path with its path-parameter expressions
Dataset                    χ(k) data, its paths, transform and optional ε_k
FitProblem                 compiled datasets + variables; ``solve`` runs Levenberg-Marquardt
FitResult                  frozen result: values, errors, correlations, statistics, report
feffit                     one call: build a FitProblem and solve it
=========================  ===================================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from ..errors import DataError, FitError, InvalidParameterError
from .._validation import check_array_1d, check_choice, check_increasing
from . import stats as _stats
from .params import (PATH_CONSTANTS, BoundTransform, CompiledTargets, ExpressionSet,
                     Variable, check_namespace, parse_expression, simple_term)
from .model import PATH_DEFAULTS, PATH_PARAMETERS
from .model import _evaluate as _evaluate_paths
from .model import _scratch
from .transform import FT_WINDOWS, check_transform_settings, ftwindow

__all__ = ["Transform", "FitPath", "Dataset", "FitProblem", "FitResult", "feffit",
           "WINDOWS", "FITSPACES"]

WINDOWS = FT_WINDOWS
FITSPACES = ("k", "r", "q")


@dataclass(frozen=True)
class Transform:
    """Forward/back-transform and fit-space settings, named as in Larch.

    Parameters
    ----------
    kmin, kmax : float
        k window range, in Å⁻¹.
    kweight : float or sequence of float, default=2
        k-weight(s); several k-weights are fitted at once.
    dk, dk2 : float
        Window tapers, in Å⁻¹ (``dk2`` defaults to ``dk``).
    window : str, default="kaiser"
        One of ``WINDOWS``.
    rmin, rmax : float
        Fit range in R, in Å (also the back-transform window).
    dr, dr2 : float, default=0
        R-window tapers for q space.
    rwindow : str, default="hanning"
    fitspace : {"r", "k", "q"}, default="r"
    nfft : int, default=2048
    kstep : float, default=0.05
    """

    kmin: float = 0.0
    kmax: float = 20.0
    kweight: tuple = (2,)
    dk: float = 4.0
    dk2: float | None = None
    window: str = "kaiser"
    rmin: float = 0.0
    rmax: float = 10.0
    dr: float = 0.0
    dr2: float | None = None
    rwindow: str = "hanning"
    fitspace: str = "r"
    nfft: int = 2048
    kstep: float = 0.05

    def __post_init__(self):
        kw = self.kweight
        kw = (kw,) if np.ndim(kw) == 0 else tuple(kw)
        if not kw:
            raise InvalidParameterError("The 'kweight' parameter of Transform must not be empty.",
                                        parameter="kweight", value=self.kweight)
        for w in kw:
            if isinstance(w, bool) or not isinstance(w, (int, float, np.integer, np.floating)) \
                    or not math.isfinite(w):
                raise InvalidParameterError(
                    f"The 'kweight' parameter of Transform must be a number or a list of "
                    f"numbers. Got {self.kweight!r} instead.", parameter="kweight",
                    value=self.kweight)
        object.__setattr__(self, "kweight", tuple(float(w) for w in kw))
        checked = check_transform_settings(
            "Transform", kmin=self.kmin, kmax=self.kmax, rmin=self.rmin, rmax=self.rmax,
            dk=self.dk, dk2=self.dk2, dr=self.dr, dr2=self.dr2, window=self.window,
            rwindow=self.rwindow, nfft=self.nfft, kstep=self.kstep)
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        check_choice(self.fitspace, "fitspace", FITSPACES, owner="Transform")

    @property
    def rstep(self) -> float:
        """R grid step π/(kstep·nfft), in Å."""
        return math.pi / (self.kstep * self.nfft)

    @property
    def n_independent(self) -> float:
        """1 + 2ΔkΔR/π."""
        return _stats.n_independent(self.kmin, self.kmax, self.rmin, self.rmax)


@dataclass(frozen=True)
class FitPath:
    """One FEFF path and its path parameters.

    Parameters
    ----------
    feffpath : FeffPath
        From :func:`formulae.exafs.feffdat.read_feffdat`.
    params : mapping of str to str or float
        Any of ``s02 e0 deltar sigma2 third fourth ei degen`` as a number or an expression of
        variables, constraints, fixed values and ``reff degen nleg rmass`` of this path.
        Missing ones take Larch's defaults (1 for s02, the file's degen, 0 otherwise).
    label : str, optional
        Name used in messages and reports (default: the file name).
    """

    feffpath: object
    params: Mapping = field(default_factory=dict)
    label: str = ""

    def __post_init__(self):
        unknown = sorted(set(self.params) - set(PATH_PARAMETERS))
        if unknown:
            raise InvalidParameterError(
                f"Unknown path parameter(s) {', '.join(map(repr, unknown))} for path "
                f"{self.name}; expected any of {', '.join(PATH_PARAMETERS)}.",
                parameter=unknown[0])

    @property
    def name(self) -> str:
        """The label, or the path file's name when there is no label."""
        if self.label:
            return self.label
        from pathlib import Path
        return Path(str(getattr(self.feffpath, "filename", "path"))).name

    def constants(self) -> dict:
        """``reff, degen, nleg, rmass`` of the path (usable in expressions).

        Returns
        -------
        dict of str to float
        """
        p = self.feffpath
        return {"reff": float(p.reff), "degen": float(p.degen), "nleg": float(p.nleg),
                "rmass": float(p.rmass)}


@dataclass(frozen=True)
class Dataset:
    """χ(k) data with the paths that model it.

    Parameters
    ----------
    k : array-like of shape (n,)
        Strictly increasing wavenumbers, Å⁻¹.
    chi : array-like of shape (n,)
        χ(k), finite.
    paths : sequence of FitPath
    transform : Transform
    epsilon_k : float or array-like of shape (n,), optional
        Known noise of χ(k); when absent it is estimated from |χ(R)| at 15–30 Å as Larch does.
    name : str, optional
        Data file or label, used in messages.
    delta_chi : array-like of shape (n,), optional
        Uncertainty of χ(k) from the background removal (Larch's ``autobk`` ``delta_chi``);
        added in quadrature to the estimated noise, as Larch's ``feffit`` does.
    """

    k: np.ndarray
    chi: np.ndarray
    paths: tuple
    transform: Transform = field(default_factory=Transform)
    epsilon_k: object = None
    name: str = "data"
    delta_chi: object = None

    def __post_init__(self):
        where = f"{self.name}: "
        k = check_array_1d(self.k, "k", min_size=4, where=self.name)
        chi = check_array_1d(self.chi, "chi", min_size=4, where=self.name)
        if chi.shape != k.shape:
            raise DataError(f"{where}k and chi must have the same length. Got {k.size} and "
                            f"{chi.size} points.", path=self.name)
        check_increasing(k, "k", where=self.name)
        t = self.transform
        if t.kmax > k[-1] + 1e-9:
            raise DataError(f"{where}kmax={t.kmax!r} is beyond the data, which end at "
                            f"k={float(k[-1])!r}", path=self.name, column="k", value=t.kmax)
        if t.kmin < k[0] - 1e-9:
            raise DataError(f"{where}kmin={t.kmin!r} is below the data, which start at "
                            f"k={float(k[0])!r}", path=self.name, column="k", value=t.kmin)
        # the data are resampled onto kstep * arange(nfft), and k- and q-space fits use the
        # first nfft/2 points: a shorter grid would silently drop the end of the data
        n_grid = int(1.01 + k[-1] / t.kstep)
        if n_grid > t.nfft:
            raise InvalidParameterError(
                f"{where}the k grid needs {n_grid} points (k up to {float(k[-1])!r}) but "
                f"nfft={t.nfft}.", parameter="nfft", value=t.nfft)
        n_fit = int(0.01 + t.kmax / t.kstep)
        if t.fitspace != "r" and n_fit > t.nfft // 2:
            raise InvalidParameterError(
                f"{where}a {t.fitspace}-space fit up to kmax={t.kmax!r} needs {n_fit} points of "
                f"the k grid, more than nfft/2 (nfft={t.nfft}).", parameter="nfft",
                value=t.nfft)
        if not self.paths:
            raise InvalidParameterError(f"{where}a dataset needs at least one path.",
                                        parameter="paths")
        for label in ("epsilon_k", "delta_chi"):
            e = getattr(self, label)
            if e is None:
                continue
            arr = np.asarray(e, dtype=float) if not isinstance(e, bool) else np.array(np.nan)
            if arr.ndim == 1 and arr.shape == k.shape:
                bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
                if bad.size:
                    raise DataError(f"{where}column '{label}', row {bad[0]}: "
                                    f"{float(arr[bad[0]])!r}; expected a finite number >= 0",
                                    path=self.name, column=label, row=int(bad[0]))
                object.__setattr__(self, label, arr)
            elif arr.ndim == 0 and label == "epsilon_k" and np.isfinite(arr) and arr > 0:
                object.__setattr__(self, label, float(arr))
            else:
                raise InvalidParameterError(
                    f"{where}{label} must be a positive number"
                    f"{'' if label == 'delta_chi' else ' or'} an array of the length of k "
                    f"({k.size}). Got {e!r} instead.", parameter=label, value=e)
        object.__setattr__(self, "k", k)
        object.__setattr__(self, "chi", chi)
        object.__setattr__(self, "paths", tuple(self.paths))


def _shallow_copy(obj):
    """copy.copy for a plain instance (its __dict__ copied), without copy's reduce protocol."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


_ROOTS = {}
_TRANSFORM_CACHE: dict = {}


def _roots(nfft):
    """exp(2 pi i m / nfft) for m = 0..nfft-1 (cached): the DFT matrix by table look-up."""
    if nfft not in _ROOTS:
        _ROOTS[nfft] = np.exp(2j * np.pi * np.arange(nfft) / nfft)
    return _ROOTS[nfft]


class _CompiledDataset:
    """Precomputed transform matrices of one dataset (internal)."""

    def __init__(self, ds: Dataset):
        t = ds.transform
        self.dataset = ds
        ikmax = int(1.01 + ds.k[-1] / t.kstep)
        # the transform part depends only on (transform, ikmax): shared between datasets,
        # batch spectra and repeated builds (read-only arrays)
        key = (t, ikmax)
        if key not in _TRANSFORM_CACHE:
            if len(_TRANSFORM_CACHE) > 64:
                _TRANSFORM_CACHE.clear()
            _TRANSFORM_CACHE[key] = self._transform_part(t, ikmax)
        (self.k_model, self.kwin, self.used, self.k_used, self.k2_used,
         self._bases) = _TRANSFORM_CACHE[key]
        self.n_idp = t.n_independent
        self.set_data(ds.k, ds.chi, ds.epsilon_k, ds.delta_chi)

    def _transform_part(self, t, ikmax):
        nfft, kstep = t.nfft, t.kstep
        kgrid = kstep * np.arange(nfft)
        self.k_model = kgrid[:ikmax]
        self.kwin = ftwindow(kgrid, t.kmin, t.kmax, t.dk, t.dk2, window=t.window)
        # indices where the model is needed
        if t.fitspace == "k":
            iqmin = int(max(0, 0.01 + t.kmin / kstep))
            iqmax = int(min(nfft / 2, 0.01 + t.kmax / kstep))
            used = np.arange(iqmin, min(iqmax, ikmax))
        else:
            used = np.flatnonzero(self.kwin[:ikmax] != 0.0)
        self.used = used
        self.k_used = self.k_model[used]
        # base matrices per k-weight, without the noise scaling
        bases = [self._base_matrix(w) for w in t.kweight]
        out = (self.k_model, self.kwin, self.used, self.k_used, self.k_used * self.k_used,
               bases)
        for arr in out[:5] + tuple(bases):
            arr.flags.writeable = False
        return out

    def _base_matrix(self, kweight):
        t = self.dataset.transform
        nfft, kstep = t.nfft, t.kstep
        n = self.used
        kw = self.k_used ** kweight
        if t.fitspace == "k":
            return np.diag(kw)
        col = self.kwin[n] * kw * (kstep / math.sqrt(math.pi))
        if t.fitspace == "r":
            irmin = int(max(0, 0.01 + t.rmin / t.rstep))
            irmax = int(min(nfft / 2, 0.01 + t.rmax / t.rstep))
            j = np.arange(irmin, irmax)
            phase = _roots(nfft)[np.outer(j, n) % nfft].conj() * col
            out = np.empty((2 * j.size, n.size))
            out[0::2] = phase.real
            out[1::2] = phase.imag
            return out
        # q space: chi(q) = 4 sqrt(pi)/kstep * ifft(rwin * chi(R))[iq], real part
        rgrid = t.rstep * np.arange(nfft)
        rwin = ftwindow(rgrid, t.rmin, t.rmax, t.dr, t.dr2, window=t.rwindow)
        jr = np.flatnonzero(rwin[: nfft // 2] != 0.0)
        roots = _roots(nfft)                                              # exp(2 pi i m/N)
        fwd = roots[np.outer(jr, n) % nfft].conj() * col                  # (nr, nk)
        iqmin = int(max(0, 0.01 + t.kmin / kstep))
        iqmax = int(min(nfft / 2, 0.01 + t.kmax / kstep))
        m = np.arange(iqmin, iqmax)
        back = roots[np.outer(m, jr) % nfft] * (rwin[jr] * 4 * math.sqrt(math.pi)
                                                 / (kstep * nfft))
        return (back @ fwd).real

    def set_data(self, k, chi, epsilon_k=None, delta_chi=None):
        """(Re)compute the data part: resampled χ, noise, scaled matrices and data vector."""
        t = self.dataset.transform
        self.chi_model_grid = np.interp(self.k_model, k, chi)
        eps_k, self.epsilon_r = self._noise(k, epsilon_k, delta_chi)
        # reported epsilon_k: the mean when it varies with k (as Larch's report)
        self.epsilon_k = [float(np.mean(e)) for e in eps_k]
        # -M (M: transform divided by the noise), so that -M @ [chi; d chi/dx] gives the
        # residual's model part and its Jacobian with their signs (negation is exact)
        mats = []
        for i, base in enumerate(self._bases):
            if t.fitspace == "k":
                e = eps_k[i]
                if np.ndim(e):
                    e = np.maximum(e[self.used], 1e-12)[:, None]
                mats.append(base / -e)
            else:
                mats.append(base / -self.epsilon_r[i])
        self.neg_matrix = np.vstack(mats) if len(mats) > 1 else mats[0]
        self.data_vector = -(self.neg_matrix @ self.chi_model_grid[self.used])

    def _noise(self, k, epsilon_k, delta_chi):
        """Larch's ε_k and ε_R (``prepare_fit``: ``estimate_noise``, ``set_epsilon_k``).

        Returns a list (one per k-weight) of ε_k, each a float or an array on the model k
        grid, and a list of ε_R floats.
        """
        t = self.dataset.transform
        given = lambda eps: (  # noqa: E731  (set_epsilon_k)
            [eps] * len(t.kweight),
            [float(np.mean(eps / _stats.noise_scales(w, t.kmin, t.kmax, t.kstep)[1]))
             for w in t.kweight])
        if epsilon_k is not None:
            if np.ndim(epsilon_k):
                epsilon_k = np.interp(self.k_model, k, np.asarray(epsilon_k, dtype=float))
            return given(epsilon_k)
        nfft, kstep = t.nfft, t.kstep
        n = self.k_model.size
        irmin = int(0.01 + 15.0 / t.rstep)
        irmax = int(min(nfft / 2, 1.01 + 30.0 / t.rstep))
        kwin_ave = self.kwin.sum() * kstep / (t.kmax - t.kmin)
        est_k, est_r = [], []
        for w in t.kweight:
            cx = np.zeros(nfft)
            cx[:n] = self.chi_model_grid * self.kwin[:n] * self.k_model ** w
            chir = (kstep / math.sqrt(math.pi)) * np.fft.rfft(cx)[irmin:irmax]
            eps_r = math.sqrt((chir.real @ chir.real + chir.imag @ chir.imag)
                              / (2 * chir.size)) / kwin_ave
            est_r.append(eps_r)
            est_k.append(_stats.noise_scales(w, t.kmin, t.kmax, kstep)[0] * eps_r)
        if delta_chi is None:
            return est_k, est_r
        dchi = np.interp(self.k_model, k, np.asarray(delta_chi, dtype=float))
        return given(np.sqrt(dchi ** 2 + float(np.mean(est_k)) ** 2))


@dataclass(frozen=True)
class FitResult:
    r"""Result of an EXAFS fit; names as in Larch's ``feffit`` output.

    Parameters
    ----------
    params : dict of str to float
        Best values of all named parameters (variables, fixed values, constraints).
    stderr : dict of str to float or None
        Standard errors :math:`\sqrt{C_{ii}}` with
        :math:`C = (J^TJ)^{-1}\sum r^2/(N_{idp} - N_{var})`; propagated through each
        constraint's gradient; 0 for fixed values; ``None`` for a variable pinned on a bound.
    correl : dict of (str, str) to float
        Correlations of the varied variables.
    covar : ndarray of shape (nvarys, nvarys)
        Scaled covariance of ``var_names``.
    var_names : tuple of str
    init_values : dict of str to float
    exprs : dict of str to str
        Constraint expressions.
    at_bound : dict of str to str
        Variables pinned on a bound -> ``"lower"`` or ``"upper"``.
    bounds : dict of str to tuple
        (min, max) of each variable.
    path_params : tuple of dict
        Per path: ``label``, ``dataset`` and for each path parameter ``(value, stderr)``.
    ndata, nvarys : int
    n_independent, chi_square, chi2_reduced, aic, bic, rfactor : float
        See :class:`formulae.exafs.stats.FitStatistics`.
    nfev, njev : int
        Model evaluations for residuals and for Jacobians.
    success : bool
    message : str
    epsilon_k, epsilon_r : tuple of tuple of float
        Noise per dataset and k-weight.
    """

    params: dict
    stderr: dict
    correl: dict
    covar: np.ndarray
    var_names: tuple
    init_values: dict
    exprs: dict
    at_bound: dict
    bounds: dict
    path_params: tuple
    ndata: int
    nvarys: int
    n_independent: float
    chi_square: float
    chi2_reduced: float
    aic: float
    bic: float
    rfactor: float
    nfev: int
    njev: int
    success: bool
    message: str
    epsilon_k: tuple
    epsilon_r: tuple

    def report(self, min_correl: float = 0.1) -> str:
        """Fit report in lmfit's layout: statistics, variables, correlations, paths.

        Parameters
        ----------
        min_correl : float, default=0.1
            Smallest absolute correlation listed.

        Returns
        -------
        str
        """
        from ..report import (correlations_section, format_value_error, join_sections,
                              statistics_section, variables_section)
        stats = [("# function evals", self.nfev), ("# jacobian evals", self.njev),
                 ("# data points", self.ndata), ("# variables", self.nvarys),
                 ("n_independent", self.n_independent), ("chi-square", self.chi_square),
                 ("reduced chi-square", self.chi2_reduced), ("r-factor", self.rfactor),
                 ("Akaike info crit", self.aic), ("Bayesian info crit", self.bic)]
        for i, (ek, er) in enumerate(zip(self.epsilon_k, self.epsilon_r)):
            tag = f" (dataset {i + 1})" if len(self.epsilon_k) > 1 else ""
            stats.append((f"epsilon_k{tag}", ", ".join(f"{e:.6g}" for e in ek)))
            stats.append((f"epsilon_r{tag}", ", ".join(f"{e:.6g}" for e in er)))
        rows = []
        for name, value in self.params.items():
            row = {"name": name, "value": value, "stderr": self.stderr.get(name)}
            if name in self.at_bound:
                side = self.at_bound[name]
                row.update(bound=side, limit=self.bounds[name][0 if side == "lower" else 1])
            elif name in self.exprs:
                row["expr"] = self.exprs[name]
            elif name in self.var_names:
                row["init"] = self.init_values.get(name)
            else:
                row["fixed"] = True
            rows.append(row)
        sections = [statistics_section(stats), variables_section(rows),
                    correlations_section(self.correl, min_correl)]
        lines = ["[[Paths]]"]
        for p in self.path_params:
            parts = []
            for pname in ("degen", "s02", "e0", "deltar", "sigma2", "third", "fourth", "ei"):
                v, e = p[pname]
                if pname in ("third", "fourth", "ei") and v == 0 and not e:
                    continue
                parts.append(f"{pname}={format_value_error(v, e)}")
            tag = f"dataset {p['dataset'] + 1}: " if len(self.epsilon_k) > 1 else ""
            lines.append(f"    {tag}{p['label']} (reff={p['reff']:.4f}): " + ", ".join(parts))
        sections.append(lines)
        return join_sections(*sections)

    def to_dict(self) -> dict:
        """JSON-ready summary (the ``--json`` output of ``formulae exafs fit``).

        Returns
        -------
        dict
            ``params`` (name -> ``value``, ``stderr``), ``correlations`` ("a,b" -> value) and
            the statistics.
        """
        return {
            "params": {n: {"value": v, "stderr": self.stderr.get(n)}
                       for n, v in self.params.items()},
            "correlations": {f"{a},{b}": c for (a, b), c in self.correl.items()},
            "chi_square": self.chi_square, "chi2_reduced": self.chi2_reduced,
            "n_independent": self.n_independent, "rfactor": self.rfactor, "aic": self.aic,
            "bic": self.bic, "nfev": self.nfev, "njev": self.njev, "nvarys": self.nvarys,
            "ndata": self.ndata, "success": self.success, "message": self.message,
            "at_bound": dict(self.at_bound),
            "epsilon_k": [list(e) for e in self.epsilon_k],
            "epsilon_r": [list(e) for e in self.epsilon_r],
        }


def _as_variables(variables, bounds=None):
    bounds = dict(bounds or {})
    out = []
    if isinstance(variables, Mapping):
        items = list(variables.items())
    else:
        items = [(v.name, v) for v in variables]
    for name, v in items:
        if isinstance(v, Variable):
            out.append(v)
            continue
        lo, hi = bounds.pop(name, (None, None)) if name in bounds else (None, None)
        lo = -math.inf if lo is None else lo
        hi = math.inf if hi is None else hi
        out.append(Variable(name, v, True, lo, hi))
    if bounds:
        raise InvalidParameterError(
            f"Bounds given for {', '.join(map(repr, sorted(bounds)))}, which "
            f"{'is' if len(bounds) == 1 else 'are'} not a variable.", parameter=sorted(bounds)[0])
    return out


class _Namespace:
    """The parts of ExpressionSet a result needs, for sympy-free problems."""

    def __init__(self, variables, fixed_values, varying, constraints):
        self.variables = tuple(variables)
        self.fixed = dict(fixed_values)
        self.varying = tuple(varying)
        self.var_names = tuple(v.name for v in varying)
        self.constraint_text = {n: str(t) for n, t in constraints.items()}
        self.init_values = {v.name: float(v.value) for v in self.variables}


class FitProblem:
    """Datasets, paths and parameters compiled once; :meth:`solve` fits them.

    Parameters
    ----------
    datasets : Dataset or sequence of Dataset
        Share the variables.
    variables : mapping of str to float, or sequence of Variable
        Varied parameters and initial values.
    constraints : mapping of str to str, optional
        Named parameters defined by expressions.
    fixed : mapping of str to float, optional
    bounds : mapping of str to (min, max), optional
        ``None`` for no bound; applies to variables given as numbers.
    solver : {"lm", "minpack"}, default="lm"
        ``"lm"``: MINPACK's Levenberg-Marquardt algorithm (Moré's trust region) written in
        numpy, so that a fit does not import scipy.optimize; ``"minpack"``: MINPACK's lmder
        itself via ``scipy.optimize.least_squares(method="lm")``. Both use the exact
        Jacobian and land on the same minimum (tested).

    Raises
    ------
    InvalidParameterError
        Unknown names in expressions, bad bounds, a variable used by no path parameter.
    """

    def __init__(self, datasets, variables, *, constraints=None, fixed=None, bounds=None,
                 solver: str = "lm"):
        self.solver = check_choice(solver, "solver", ("lm", "minpack"), owner="FitProblem")
        if isinstance(datasets, Dataset):
            datasets = [datasets]
        self.datasets = tuple(datasets)
        if not self.datasets:
            raise InvalidParameterError("FitProblem needs at least one dataset.",
                                        parameter="datasets")
        self._pp_names = PATH_PARAMETERS
        variables = _as_variables(variables, bounds)
        constraints = dict(constraints or {})
        fixed = dict(fixed or {})
        fixed_values, varying, names = check_namespace(variables, constraints, fixed)
        self.var_names = tuple(v.name for v in varying)
        if not self.var_names:
            raise InvalidParameterError("FitProblem needs at least one varied variable.",
                                        parameter="variables")
        self._path_info = []
        for di, ds in enumerate(self.datasets):
            for path in ds.paths:
                self._path_info.append({"dataset": di, "label": path.name,
                                        "reff": path.constants()["reff"]})
        plan = self._simple_plan(varying, constraints, fixed_values, names)
        if plan is not None:
            # plain names and numbers only: no sympy needed
            targets, self._constraint_plan = plan
            self.expressions = _Namespace(variables, fixed_values, varying, constraints)
            used = {self.var_names[j] for kind, j in targets if kind == "var"}
            self.targets = CompiledTargets.from_plan(targets, len(self.var_names))
        else:
            self._constraint_plan = None
            self.expressions = ExpressionSet(variables, constraints, fixed)
            ex = self.expressions
            known = ex.known_names()
            exprs = []
            for ds in self.datasets:
                for path in ds.paths:
                    consts = path.constants()
                    for pname in PATH_PARAMETERS:
                        if pname in path.params:
                            e = parse_expression(
                                path.params[pname], known,
                                owner=f"path parameter '{pname}' of {path.name}")
                        elif pname == "degen":
                            e = parse_expression(consts["degen"], known, owner="degen")
                        else:
                            e = parse_expression(PATH_DEFAULTS[pname], known, owner=pname)
                        exprs.append(ex.substitute(e, consts, path.feffpath))
            used = set()
            for e in exprs:
                used |= {sym.name for sym in e.free_symbols}
            self.targets = CompiledTargets(exprs, ex.symbols)
        unused = [n for n in self.var_names if n not in used]
        if unused:
            raise InvalidParameterError(
                f"Variable(s) {', '.join(map(repr, unused))} change no path parameter; "
                "remove them or use them in an expression.", parameter=unused[0])
        ex = self.expressions
        self._compiled = [_CompiledDataset(ds) for ds in self.datasets]
        ndata = sum(c.neg_matrix.shape[0] for c in self._compiled)
        if ndata < len(self.var_names):
            raise InvalidParameterError(
                f"The fit range holds {ndata} data points for {len(self.var_names)} varied "
                "variables: widen the k or R range, or vary fewer variables.",
                parameter="variables")
        self.n_independent = sum(c.n_idp for c in self._compiled)
        self.x0 = np.array([v.value for v in ex.varying], dtype=float)
        self.lower = np.array([v.min for v in ex.varying])
        self.upper = np.array([v.max for v in ex.varying])
        self.bound_transform = BoundTransform(self.lower, self.upper)
        self._constraint_funcs = None
        self._last = None
        self._previous = None
        self._plans = self._stack_plans()
        self.nfev = 0
        self.njev = 0

    def _fresh_copy(self):
        """A copy sharing the read-only compiled parts, with its own mutable state (internal).

        Used by :meth:`~formulae.exafs.spec.FitSpec.problem` to hand out a cached build: the
        copy's ``set_data``, ``solve`` and evaluation caches do not touch the original.
        """
        new = _shallow_copy(self)
        new._compiled = [_shallow_copy(c) for c in self._compiled]
        new._path_info = [dict(info) for info in self._path_info]
        new.x0, new.lower, new.upper = self.x0.copy(), self.lower.copy(), self.upper.copy()
        new._last = new._previous = None
        new.nfev = new.njev = 0
        return new

    def _freeze(self):
        """Make the arrays shared by :meth:`_fresh_copy` read-only (internal)."""
        for ds in self.datasets:
            for arr in (ds.k, ds.chi, ds.epsilon_k, ds.delta_chi):
                if isinstance(arr, np.ndarray):
                    arr.flags.writeable = False
        for c in self._compiled:
            for arr in (c.chi_model_grid, c.neg_matrix, c.data_vector):
                arr.flags.writeable = False
        return self

    def _simple_plan(self, varying, constraints, fixed_values, names):
        """Targets as ("num", v)/("var", j) when every expression is a number or a bare name
        (resolved through alias constraints); None when sympy is needed."""
        var_index = {v.name: j for j, v in enumerate(varying)}
        known = list(names) + list(PATH_CONSTANTS)

        def resolve(text, consts, stack=()):
            term = simple_term(text, known)
            if term is None:
                return None
            kind, v = term
            if kind == "num":
                return ("num", v)
            if v in var_index:
                return ("var", var_index[v])
            if v in fixed_values:
                return ("num", fixed_values[v])
            if v in constraints:
                if v in stack:
                    return None
                return resolve(constraints[v], consts, stack + (v,))
            if v in PATH_CONSTANTS and consts is not None:
                return ("num", consts[v])
            return None

        cplan = {}
        for name, text in constraints.items():
            r = resolve(text, None, (name,))
            if r is None:
                return None
            cplan[name] = r
        targets = []
        for ds in self.datasets:
            for path in ds.paths:
                consts = path.constants()
                for pname in self._pp_names:
                    if pname in path.params:
                        r = resolve(path.params[pname], consts)
                    elif pname == "degen":
                        r = ("num", consts["degen"])
                    else:
                        r = ("num", PATH_DEFAULTS[pname])
                    if r is None:
                        return None
                    targets.append(r)
        return targets, cplan

    def _stack_plans(self):
        """Per dataset, how its paths' model stacks combine into [chi; d chi/dx] (internal).

        Each path writes chi and the Jacobian rows that some variable moves into its block of
        one stack (rows of :func:`~formulae.exafs.model._evaluate`); the weight matrix W, with
        W[0] = 1 on every chi row and W[1:] = (d path parameter/dx)^T on the Jacobian rows,
        turns the stack into [chi; d chi/dx], and the (negated) transform matrix then gives
        the residual's model part and its Jacobian in one product. When the path parameters
        are plain variables and numbers, W is constant; when it is also the identity (one
        path, each variable one path parameter, rows put in variable order), the product
        W @ stack is skipped.
        """
        dep = self.targets.dependence.reshape(len(self._path_info), 8, -1)
        n_vars = len(self.var_names)
        constant = self.targets.is_linear
        plans, ip = [], 0
        for ds in self.datasets:
            blocks, offset, jac_cols, target_rows = [], 0, [], []
            for path in ds.paths:
                rows = [int(j) for j in np.flatnonzero(dep[ip].any(axis=1))]
                if constant and len(ds.paths) == 1:     # variable order where possible
                    order = [int(np.flatnonzero(dep[ip, j])[0]) if dep[ip, j].sum() == 1
                             else n_vars + j for j in rows]
                    rows = [j for _, j in sorted(zip(order, rows))]
                rows = tuple(rows)
                blocks.append((path, offset, rows,
                               not (4 in rows or 5 in rows or 6 in rows)))
                jac_cols.extend(offset + 1 + np.arange(len(rows)))
                target_rows.extend(8 * ip + np.array(rows, dtype=int))
                offset += 1 + len(rows)
                ip += 1
            plan = _StackPlan(blocks, offset, n_vars, np.array(jac_cols, dtype=int),
                              np.array(target_rows, dtype=int))
            if constant:
                plan.fix_weights(self.targets(self.x0)[1])
            plans.append(plan)
        return plans

    # ------------------------------------------------------------------ model
    def set_data(self, index: int, k, chi, epsilon_k=None, delta_chi=None, name=None) -> None:
        """Replace the χ(k) of dataset ``index`` (same paths and transform); for batches.

        Parameters
        ----------
        index : int
            Dataset to replace.
        k, chi : array-like of shape (n,)
            The new data (validated as in :class:`Dataset`).
        epsilon_k : float or array-like of shape (n,), optional
            Known noise; estimated when absent.
        delta_chi : array-like of shape (n,), optional
            Background-removal uncertainty of the new χ(k).
        name : str, optional
            Label used in messages (default: the dataset's).
        """
        ds = self.datasets[index]
        new = Dataset(k, chi, ds.paths, ds.transform, epsilon_k, name or ds.name, delta_chi)
        comp = self._compiled[index]
        self._last = self._previous = None
        datasets = list(self.datasets)
        datasets[index] = new
        self.datasets = tuple(datasets)
        if int(1.01 + new.k[-1] / ds.transform.kstep) != comp.k_model.size:
            comp = _CompiledDataset(new)
            self._compiled[index] = comp
        else:
            comp.dataset = new
            comp.set_data(new.k, new.chi, new.epsilon_k, new.delta_chi)

    def path_values(self, x):
        """Path-parameter values and their gradients with respect to the variables.

        Parameters
        ----------
        x : array-like of shape (n_vars,)
            Values of the varied variables.

        Returns
        -------
        values : ndarray of shape (n_paths, 8)
            In the order of ``model.PATH_PARAMETERS``.
        gradients : ndarray of shape (n_paths, 8, n_vars)
        """
        values, grad = self.targets(np.asarray(x, dtype=float))
        n = len(self._path_info)
        return values.reshape(n, 8), grad.reshape(n, 8, -1)

    def residual_and_jacobian(self, x, *, jacobian: bool = True):
        """Residual and its exact Jacobian at the variables' values ``x``.

        Parameters
        ----------
        x : array-like of shape (n_vars,)
            Values of the varied variables (external, i.e. physical, units).
        jacobian : bool, default=True
            When False, only the residual is computed.

        Returns
        -------
        residual : ndarray of shape (ndata,)
        jacobian : ndarray of shape (ndata, n_vars) or None
        """
        x = np.asarray(x, dtype=float)
        key = x.tobytes()
        # the last two evaluations are kept: the fit's final statistics need the accepted
        # point, which is often the one before the last (rejected) trial step
        for cached in (self._last, self._previous):
            if cached is not None and cached[0] == key:
                return cached[1], cached[2]
        r, jac = self._residual_and_jacobian(x, jacobian)
        if jacobian:
            self._previous = self._last
            self._last = (key, r, jac)
        return r, jac

    def _residual_and_jacobian(self, x, jacobian):
        values, grad = self.targets(x)
        values = values.tolist()
        res, jacs = [], []
        ip = 0
        for comp, plan in zip(self._compiled, self._plans):
            stack = plan.evaluate(comp.k_used, comp.k2_used, values, ip, jacobian)
            ip += len(plan.blocks)
            if not jacobian:
                chi = stack[0] if stack.shape[0] == 1 else stack.sum(axis=0)
                res.append(comp.data_vector + comp.neg_matrix @ chi)
                continue
            prod = comp.neg_matrix @ plan.combine(stack, grad).T     # [-M chi, -M d chi/dx]
            res.append(comp.data_vector + prod[:, 0])
            jacs.append(prod[:, 1:])
        r = np.concatenate(res) if len(res) > 1 else res[0]
        if not jacobian:
            return r, None
        return r, (np.vstack(jacs) if len(jacs) > 1 else jacs[0])

    def data_residual(self):
        """The transformed data alone (denominator of the R-factor).

        Returns
        -------
        ndarray of shape (ndata,)
        """
        return np.concatenate([c.data_vector for c in self._compiled])

    # ------------------------------------------------------------------ solve
    def solve(self, x0=None, *, hold: Mapping[str, float] | None = None, ftol: float = 1e-10,
              xtol: float = 1e-10, gtol: float = 1e-10, max_nfev: int | None = None,
              statistics: bool = True):
        """Fit by Levenberg-Marquardt with the exact Jacobian; bounds by lmfit's internal
        transform.

        The solver is the one chosen by ``FitProblem(solver=...)``: by default (``"lm"``)
        MINPACK's algorithm written in numpy, or (``"minpack"``) MINPACK's lmder itself via
        ``scipy.optimize.least_squares(method="lm")``.

        Parameters
        ----------
        x0 : array-like of shape (n_vars,), optional
            Start (default: the variables' initial values).
        hold : mapping of str to float, optional
            Variables held at a value (for χ² scans).
        ftol, xtol, gtol : float, default=1e-10
            Tighter than Larch's 1e-6 so that the minimum itself is reproducible.
        max_nfev : int, optional
            Limit on residual evaluations (default: 200·(n_vars+1)).
        statistics : bool, default=True
            When False, return only ``(x, chisqr, nfev, success)`` (fast path for scans).

        Returns
        -------
        FitResult
        """
        x_full = (self.x0 if x0 is None else np.asarray(x0, dtype=float)).copy()
        free = np.ones(x_full.size, dtype=bool)
        for name, value in (hold or {}).items():
            if name not in self.var_names:
                raise InvalidParameterError(f"Cannot hold {name!r}: not a varied variable "
                                            f"({', '.join(self.var_names)}).", parameter=name)
            i = self.var_names.index(name)
            x_full[i] = value
            free[i] = False
        n_free = int(free.sum())
        if max_nfev is None:
            max_nfev = 200 * (n_free + 1)
        counter = {"f": 0, "j": 0}
        tols = dict(ftol=ftol, xtol=xtol, gtol=gtol, max_nfev=max_nfev)
        first = dict(tols, max_nfev=min(max_nfev, 25 * (n_free + 1)))
        x_best, sol, u_best = self._run_lm(x_full, free, counter, first)
        pinned = self._near_bound(u_best, free)
        if sol.status == 0 and not pinned.any() and max_nfev > first["max_nfev"]:
            rest = dict(tols, max_nfev=max_nfev - first["max_nfev"])
            x_best, sol, u_best = self._run_lm(x_best, free, counter, rest)
            pinned = self._near_bound(u_best, free)
        if pinned.any():
            # the optimum sits on a bound: hold those variables there and check (KKT) that
            # chi^2 rises inward; otherwise keep the unconstrained answer
            x_pin = x_best.copy()
            for i in np.flatnonzero(pinned):
                lo_side = abs(x_best[i] - self.lower[i]) <= abs(x_best[i] - self.upper[i])
                x_pin[i] = self.lower[i] if lo_side else self.upper[i]
            free_pin = free & ~pinned
            if free_pin.any():
                x2, sol2, _ = self._run_lm(x_pin, free_pin, counter, tols)
            else:
                x2, sol2 = x_pin, sol
            r, jac = self.residual_and_jacobian(x2)
            grad = jac.T @ r                                      # half d(chi^2)/dx
            ok = True
            for i in np.flatnonzero(pinned):
                at_lower = x2[i] == self.lower[i]
                ok &= bool(grad[i] >= 0) if at_lower else bool(grad[i] <= 0)
            if ok and float(r @ r) <= float(sol.fun @ sol.fun) * (1 + 1e-9):
                x_best, sol = x2, sol2
        self.nfev, self.njev = counter["f"], counter["j"]
        if not statistics:
            r, _ = self.residual_and_jacobian(x_best, jacobian=False)
            return x_best, float(r @ r), counter["f"], sol.status > 0
        return self._result(x_best, free, sol, counter)

    def _near_bound(self, u, free):
        """Variables whose bound transform is flat (dx/du ~ 0): candidates for a pinned bound."""
        bt = self.bound_transform
        if not bt.any:
            return np.zeros(free.size, dtype=bool)
        uu = np.zeros(free.size)
        uu[free] = u
        g = np.abs(bt.gradient(uu))
        half = np.where(bt.both, (self.upper - self.lower) / 2.0, 1.0)
        bounded = bt.both | bt.lo_only | bt.up_only
        return free & bounded & (g / half < 1e-2)

    def _run_lm(self, x_full, free, counter, tols):
        lo, hi = self.lower[free], self.upper[free]
        bt = self.bound_transform if free.all() else BoundTransform(lo, hi)
        x_start = np.clip(x_full[free], lo, hi) if bt.any else x_full[free]
        u0 = bt.to_internal(x_start)

        if free.all() and not bt.any:
            fun_jac = self.residual_and_jacobian        # internal = external values
        elif not bt.any:
            def fun_jac(u):
                x = x_full.copy()
                x[free] = u
                r, jac = self.residual_and_jacobian(x)
                return r, jac[:, free]
        else:
            def fun_jac(u):
                x = x_full.copy()
                x[free] = bt.to_external(u)
                r, jac = self.residual_and_jacobian(x)
                return r, jac[:, free] * bt.gradient(u)

        names = [n for n, f in zip(self.var_names, free.tolist()) if f]

        def check(jac, u):
            """FitError naming the variables of non-finite Jacobian columns (SVD would fail)."""
            _stats._check_jacobian_finite(jac, names, bt.to_external(u))

        work = sum(c.neg_matrix.size for c in self._compiled) * len(self.var_names)
        with np.errstate(all="ignore"), _single_threaded_blas(work > 500_000):
            solver = _minpack if self.solver == "minpack" else _trust_region_lm
            sol = solver(fun_jac, u0, counter, check, **tols)
        if not np.isfinite(sol.fun).all():
            raise FitError("The fit produced a non-finite residual; check the starting values "
                           f"({dict(zip(np.array(self.var_names)[free], x_start))}).")
        x_best = x_full.copy()
        x_best[free] = bt.to_external(sol.x)
        return x_best, sol, sol.x

    def _constraint_gradients(self):
        """name -> callable(x) returning (value, gradient), or None (needs a path)."""
        if self._constraint_funcs is not None:
            return self._constraint_funcs
        funcs = {}
        n = len(self.var_names)
        if self._constraint_plan is not None:
            for name, (kind, v) in self._constraint_plan.items():
                if kind == "num":
                    funcs[name] = (lambda x, v=v: (v, np.zeros(n)))
                else:
                    g = np.zeros(n)
                    g[v] = 1.0
                    funcs[name] = (lambda x, j=v, g=g: (float(x[j]), g))
        else:
            import sympy
            ex = self.expressions
            for name, expr in ex.constraints.items():
                try:
                    e = ex.substitute(expr, None)
                except InvalidParameterError:   # uses path constants: no single value
                    funcs[name] = None
                    continue
                f = sympy.lambdify([list(ex.symbols)],
                                   [e] + [sympy.diff(e, sym) for sym in ex.symbols],
                                   modules="numpy")
                funcs[name] = (lambda x, f=f: (lambda out: (float(out[0]), np.asarray(
                    out[1:], dtype=float)))(f(list(x))))
        self._constraint_funcs = funcs
        return funcs

    def _result(self, x, free, sol, counter) -> FitResult:
        r, jac = self.residual_and_jacobian(x)
        pinned = free & ((x == self.lower) | (x == self.upper))
        est = free & ~pinned
        nvarys = int(free.sum())
        st = _stats.fit_statistics(r, self.data_residual(), self.n_independent, nvarys)
        covar, correl = self._covariance(jac, est, float(r @ r), nvarys)
        params, stderr = self._parameter_errors(x, covar, est, pinned)
        ex = self.expressions
        ordered = {v.name: params[v.name] for v in ex.variables}
        for n in params:
            ordered.setdefault(n, params[n])
        return FitResult(
            params=ordered, stderr=stderr, correl=correl, covar=covar, var_names=self.var_names,
            init_values=dict(ex.init_values), exprs=dict(ex.constraint_text),
            at_bound=self._at_bound(x, pinned),
            bounds={v.name: (v.min, v.max) for v in ex.variables},
            path_params=self._path_errors(x, covar),
            ndata=st.ndata, nvarys=st.nvarys, n_independent=st.n_independent,
            chi_square=st.chi_square, chi2_reduced=st.chi2_reduced, aic=st.aic, bic=st.bic,
            rfactor=st.rfactor, nfev=counter["f"], njev=counter["j"], success=sol.status > 0,
            message=str(sol.message),
            epsilon_k=tuple(tuple(c.epsilon_k) for c in self._compiled),
            epsilon_r=tuple(tuple(c.epsilon_r) for c in self._compiled))

    def _at_bound(self, x, pinned) -> dict:
        """Variables pinned on a bound -> "lower" or "upper"."""
        out = {}
        if pinned.any():
            for i in np.flatnonzero(pinned):
                out[self.var_names[i]] = ("lower" if abs(x[i] - self.lower[i])
                                          <= abs(x[i] - self.upper[i]) else "upper")
        return out

    def _covariance(self, jac, est, chisqr, nvarys):
        """Scaled covariance of all variables (zero rows for those not estimated) and the
        correlations of the estimated ones, keyed by name pairs."""
        scale = _stats.error_scale(chisqr, self.n_independent, nvarys)
        idx = np.flatnonzero(est)
        nv = len(self.var_names)
        names = [self.var_names[i] for i in idx]
        if idx.size == nv:
            covar, _, correl_e = _stats.covariance(jac, scale, names)
        else:
            covar_e, _, correl_e = _stats.covariance(jac[:, idx], scale, names)
            covar = np.zeros((nv, nv))
            covar[np.ix_(idx, idx)] = covar_e
        rows = correl_e.tolist()
        correl = {(names[a], names[b]): rows[a][b]
                  for a in range(len(names)) for b in range(a + 1, len(names))}
        return covar, correl

    def _parameter_errors(self, x, covar, est, pinned):
        """Values and standard errors of variables, fixed values and constraints."""
        errors = np.sqrt(np.diag(covar)).tolist()
        est, pinned = est.tolist(), pinned.tolist()
        params, stderr = {}, {}
        for i, (name, value) in enumerate(zip(self.var_names, x.tolist())):
            params[name] = value
            stderr[name] = errors[i] if est[i] else (None if pinned[i] else 0.0)
        for name, value in self.expressions.fixed.items():
            params[name] = value
            stderr[name] = 0.0
        for name, f in self._constraint_gradients().items():
            if f is None:
                params[name], stderr[name] = math.nan, None
                continue
            value, g = f(x)
            params[name] = float(value)
            stderr[name] = float(np.sqrt(max(g @ covar @ g, 0.0)))
        return params, stderr

    def _path_errors(self, x, covar) -> tuple:
        """Per path: label, dataset, reff and (value, stderr) of every path parameter."""
        values, grads = self.path_values(x)
        g = grads.reshape(-1, grads.shape[2])
        variances = np.einsum("ij,ij->i", g @ covar, g)          # g C g^T of every gradient g
        errors = np.sqrt(np.maximum(variances, 0.0)).reshape(values.shape).tolist()
        values = values.tolist()
        out = []
        for ip, info in enumerate(self._path_info):
            entry = {"label": info["label"], "dataset": info["dataset"], "reff": info["reff"]}
            entry.update(zip(self._pp_names, zip(values[ip], errors[ip])))
            out.append(entry)
        return tuple(out)


class _StackPlan:
    """Where each path of one dataset writes its chi and Jacobian rows, and the weights that
    combine them (internal; see :meth:`FitProblem._stack_plans`).

    Parameters
    ----------
    blocks : list of tuple
        Per path: ``(FitPath, first stack row, Jacobian rows (indices into
        PATH_PARAMETERS), real form allowed)``.
    n_rows : int
        Rows of the stack: one chi row per path plus its Jacobian rows.
    n_vars : int
        Number of varied variables.
    jac_cols : ndarray of int
        Stack rows holding Jacobian rows, in block order.
    target_rows : ndarray of int
        For each of them, the row of the path-parameter gradient (8 per path).
    """

    def __init__(self, blocks, n_rows, n_vars, jac_cols, target_rows):
        self.blocks = blocks
        self.n_rows = n_rows
        self.jac_cols = jac_cols
        self.target_rows = target_rows
        chi_cols = [offset for _, offset, _, _ in blocks]
        self.base = np.zeros((1 + n_vars, n_rows))
        self.base[0, chi_cols] = 1.0
        self.weights = self.base                   # replaced by fix_weights or per call
        self._variable = True

    def fix_weights(self, grad):
        """Freeze W for a constant gradient; None when W is the identity (skipped)."""
        w = self.weights_for(grad)
        n = w.shape[0]
        self.weights = None if w.shape == (n, n) and np.array_equal(w, np.eye(n)) else w
        self._variable = False

    def weights_for(self, grad):
        """W for the path-parameter gradient ``grad`` (n_targets, n_vars)."""
        w = self.base.copy()
        w[1:, self.jac_cols] = grad[self.target_rows].T
        return w

    def evaluate(self, k, k2, values, first_path, jacobian):
        """The stack of all paths at path-parameter values ``values`` (flat list), or only
        their chi rows without ``jacobian``; a per-thread scratch array, consumed at once."""
        n_rows = self.n_rows if jacobian else len(self.blocks)
        [stack] = _scratch(("stack", n_rows, k.size), [(n_rows, k.size)])
        for i, (path, offset, rows, plain) in enumerate(self.blocks):
            ip = first_path + i
            if not jacobian:
                offset, rows = i, ()
            _evaluate_paths(k, path.feffpath, values[8 * ip:8 * ip + 8], rows, k2, plain,
                            stack[offset:offset + 1 + len(rows)])
        return stack

    def combine(self, stack, grad):
        """[chi; d chi/dx] of the dataset from the paths' stack."""
        if self.weights is None:
            return stack
        w = self.weights_for(grad) if self._variable else self.weights
        return w @ stack


_BLAS = {}


class _single_threaded_blas:
    """Run BLAS on one thread: the matrices here are small (at most a few hundred rows), and
    a multi-threaded GEMM on them is slower by 10-20x on a loaded machine."""

    def __init__(self, active: bool = True):
        self.active = active
        self._limit = None

    def __enter__(self):
        if not self.active:
            return self
        if "controller" not in _BLAS:
            try:
                from threadpoolctl import ThreadpoolController
                _BLAS["controller"] = ThreadpoolController()
            except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
                _BLAS["controller"] = None
        c = _BLAS["controller"]
        self._limit = c.limit(limits=1, user_api="blas") if c is not None else None
        return self

    def __exit__(self, *exc):
        if self._limit is not None:
            self._limit.restore_original_limits()
        return False


class _Solution:
    """Outcome of a least-squares run (the fields of scipy's OptimizeResult that are used)."""

    def __init__(self, x, fun, status, message):
        self.x, self.fun, self.status, self.message = x, fun, status, message


def _norm(v) -> float:
    """Euclidean norm of a 1-D array (what np.linalg.norm computes, without its overhead)."""
    return math.sqrt(float(v @ v))


def _lm_step(u_svd, s_svd, vt_svd, r, delta):
    """Moré's Levenberg-Marquardt step in scaled variables: p = -(A^T A + lam I)^-1 A^T r with
    the smallest lam >= 0 such that |p| <= delta (A = U S V^T given). Returns (p, lam, |p|)."""
    beta = r @ u_svd
    v = vt_svd.T
    # singular values come sorted, largest first: all are usable when the last one is
    if s_svd.size and s_svd[-1] > s_svd[0] * 1e-15:
        p = -(v @ (beta / s_svd))
        norm = _norm(p)
        if norm <= 1.1 * delta:
            return p, 0.0, norm
    sb = s_svd * beta
    s2 = s_svd * s_svd
    # |p(lam)| decreases with lam: bracket then Newton-bisection on phi = |p| - delta
    lo, hi = 0.0, max(_norm(sb) / delta, 1e-300)
    lam = hi / 10.0
    sb2 = sb * sb
    for _ in range(60):
        p = -(v @ (sb / (s2 + lam)))
        norm = _norm(p)
        if abs(norm - delta) <= 0.1 * delta:
            return p, lam, norm
        if norm > delta:
            lo = lam
        else:
            hi = lam
        # Newton on 1/|p| (Moré's secular-equation update), kept inside the bracket
        dnorm = -float(np.sum(sb2 / (s2 + lam) ** 3)) / norm
        new = lam - (norm - delta) / dnorm * norm / delta if dnorm != 0 else 0.5 * (lo + hi)
        lam = new if lo < new < hi else 0.5 * (lo + hi)
    p = -(v @ (sb / (s2 + lam)))
    return p, lam, _norm(p)


def _gradient_cosine(g, colnorm) -> float:
    """max_j |g_j| / |J_j| (|J_j| = 1 for a zero column): MINPACK's gradient test, divided by
    |r| by the caller. Plain floats: a handful of variables."""
    return max([abs(gj) / (cj if cj > 0 else 1.0)
                for gj, cj in zip(g.tolist(), colnorm.tolist())])


def _column_norms(jac):
    return np.sqrt(np.einsum("ij,ij->j", jac, jac))


def _trust_region_lm(fun_jac, u0, counter, check, *, ftol, xtol, gtol, max_nfev, factor=100.0):
    """Levenberg-Marquardt with Moré's trust region and column scaling (MINPACK lmder's
    algorithm: J. J. Moré, "The Levenberg-Marquardt algorithm: implementation and theory",
    Lecture Notes in Mathematics 630, 1978), the step found from an SVD. Pure numpy, so a fit
    does not import scipy.optimize (about 0.2 s of start-up).

    ``check(jac, u)`` is called on each Jacobian before its SVD (it raises on a non-finite
    one). Statuses are numbered as ``scipy.optimize.least_squares``'s: -1 non-finite
    residual, 0 too many evaluations, 1 gtol (or a zero residual, as MINPACK), 2 ftol,
    3 xtol, 4 both ftol and xtol."""
    u = np.asarray(u0, dtype=float).copy()
    start = counter["f"]
    r, jac = fun_jac(u)
    counter["f"] += 1
    counter["j"] += 1
    cost = float(r @ r)
    colnorm = _column_norms(jac)
    diag = colnorm.copy()
    diag[diag == 0] = 1.0
    xnorm = _norm(diag * u)
    delta = factor * xnorm if xnorm > 0 else factor
    status, message = 0, "The maximum number of function evaluations is exceeded."
    while True:
        if not math.isfinite(cost):
            status, message = -1, "Non-finite residual."
            break
        if colnorm is None:
            colnorm = _column_norms(jac)
        diag = np.maximum(diag, colnorm)
        rnorm = math.sqrt(cost)
        if rnorm == 0.0:
            status, message = 1, "Zero residual."
            break
        gnorm = _gradient_cosine(r @ jac, colnorm) / rnorm
        colnorm = None
        if gnorm <= gtol:
            status, message = 1, "The cosine of the angle between residual and Jacobian " \
                                 "columns is below gtol."
            break
        check(jac, u)
        a = jac / diag
        u_svd, s_svd, vt_svd = _stats._svd(a)
        while True:
            if counter["f"] - start >= max_nfev:
                break
            p, lam, pnorm = _lm_step(u_svd, s_svd, vt_svd, r, delta)
            step = p / diag
            if counter["f"] - start == 1:
                delta = min(delta, pnorm)
            u_new = u + step
            r_new, jac_new = fun_jac(u_new)
            counter["f"] += 1
            cost_new = float(r_new @ r_new)
            finite = math.isfinite(cost_new)
            actred = 1.0 - cost_new / cost if finite else -1.0
            jp = a @ p
            temp1 = float(jp @ jp) / cost
            temp2 = lam * pnorm * pnorm / cost
            prered = temp1 + 2.0 * temp2
            dirder = -(temp1 + temp2)
            ratio = actred / prered if prered != 0 else 0.0
            if ratio <= 0.25:
                temp = 0.5 if actred >= 0 else 0.5 * dirder / (dirder + 0.5 * actred)
                if 0.1 * math.sqrt(cost_new / cost if finite else 100) >= 1 or temp < 0.1:
                    temp = 0.1
                delta = temp * min(delta, pnorm / 0.1)
            elif lam == 0.0 or ratio >= 0.75:
                delta = pnorm / 0.5
            accepted = ratio >= 1e-4
            if accepted:
                u, r, jac, cost = u_new, r_new, jac_new, cost_new
                counter["j"] += 1
                xnorm = _norm(diag * u)
            if abs(actred) <= ftol and prered <= ftol and 0.5 * ratio <= 1.0:
                status, message = 2, "Both actual and predicted relative reductions in " \
                                     "the sum of squares are at most ftol."
            if delta <= xtol * xnorm:
                if status == 2:
                    status, message = 4, "Both ftol and xtol termination conditions are " \
                                         "satisfied."
                else:
                    status, message = 3, "The relative error between two consecutive " \
                                         "iterates is at most xtol."
            if status or accepted:
                break
        if status or counter["f"] - start >= max_nfev:
            break
    return _Solution(u, r, status, message)


def _minpack(fun_jac, u0, counter, check, *, ftol, xtol, gtol, max_nfev):
    """MINPACK's lmder through scipy.optimize.least_squares(method="lm")."""
    from scipy.optimize import least_squares
    cache = {}

    def evaluate(u):
        key = u.tobytes()
        if key not in cache:
            cache.clear()
            cache[key] = fun_jac(u)
        return cache[key]

    def fun(u):
        counter["f"] += 1
        return evaluate(u)[0]

    def jac(u):
        counter["j"] += 1
        out = evaluate(u)[1]
        check(out, u)
        return out

    sol = least_squares(fun, u0, jac=jac, method="lm", x_scale=1.0, ftol=ftol, xtol=xtol,
                        gtol=gtol, max_nfev=max_nfev)
    return _Solution(sol.x, sol.fun, sol.status, str(sol.message))


def feffit(datasets, variables, *, constraints=None, fixed=None, bounds=None,
           **solve_kws) -> FitResult:
    """Fit FEFF paths to one or several datasets sharing ``variables``.

    Parameters
    ----------
    datasets : Dataset or sequence of Dataset
    variables : mapping of str to float, or sequence of Variable
    constraints, fixed, bounds : mapping, optional
        See :class:`FitProblem`.
    **solve_kws
        Passed to :meth:`FitProblem.solve`.

    Returns
    -------
    FitResult
    """
    problem = FitProblem(datasets, variables, constraints=constraints, fixed=fixed,
                         bounds=bounds)
    return problem.solve(**solve_kws)
