"""False minima and confidence intervals of EXAFS fits.

=========================  ===================================================================
name                       what it is
=========================  ===================================================================
MultistartResult           fits from several starting points and whether they agree
multistart                 refit from seeded random starts around the initial values
ScanResult                 χ² profile of one parameter and its confidence interval
chi2_scan                  scan one parameter, re-optimising all others at each value
=========================  ===================================================================

The χ² scan is the "brute force" check of the error bars: at each value of the scanned
parameter the others are re-fitted, and the interval is where
:math:`\\chi^2(p) - \\chi^2_{min} \\le \\chi^2_\\nu` (one standard error in Larch's scaling,
``feffit_conf_map``: :math:`\\sigma = \\sqrt{(\\chi^2 - \\chi^2_{min})/\\chi^2_\\nu}`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_int, check_number
from ..errors import FitError, InvalidParameterError

__all__ = ["MultistartResult", "multistart", "ScanResult", "chi2_scan"]


@dataclass(frozen=True)
class MultistartResult:
    """Fits from several starts.

    Parameters
    ----------
    starts : ndarray of shape (n_starts, n_vars)
    values : ndarray of shape (n_starts, n_vars)
        Best values of each fit.
    chi_square : ndarray of shape (n_starts,)
    best : FitResult
        The fit with the lowest χ².
    converged_to_one : bool
        True when every fit ends within ``tol_sigma`` standard errors of the best one.
    n_distinct : int
        Number of distinct minima found (clusters of endpoints at ``tol_sigma``).
    """

    starts: np.ndarray
    values: np.ndarray
    chi_square: np.ndarray
    best: object
    converged_to_one: bool
    n_distinct: int

    def summary(self) -> str:
        """One line: number of starts, of distinct minima, and the lowest χ².

        Returns
        -------
        str
        """
        return (f"{len(self.chi_square)} starts, {self.n_distinct} distinct minim"
                f"{'um' if self.n_distinct == 1 else 'a'}; lowest chi-square "
                f"{float(np.min(self.chi_square)):.6g}")


def multistart(problem, n_starts: int = 10, *, spread: float = 0.5, random_state=0,
               tol_sigma: float = 0.01, **solve_kws) -> MultistartResult:
    """Refit ``problem`` from ``n_starts`` seeded random starting points.

    Each start draws every variable uniformly in ``x0 ± spread·max(|x0|, 10 s)`` where ``s``
    is the standard error of the fit from ``x0`` (clipped to the bounds); the first start is
    ``x0`` itself.

    Parameters
    ----------
    problem : FitProblem
    n_starts : int, default=10
    spread : float, default=0.5
    random_state : int, default=0
        Seed of ``numpy.random.default_rng``.
    tol_sigma : float, default=0.01
        Two endpoints are the same minimum when every value differs by less than this many
        standard errors.
    **solve_kws
        Passed to :meth:`FitProblem.solve` for every start.

    Returns
    -------
    MultistartResult
    """
    n_starts = check_int(n_starts, "n_starts", owner="multistart", low=1)
    rng = np.random.default_rng(random_state)
    first = problem.solve(**solve_kws)
    sig = np.array([first.stderr[n] or 0.0 for n in problem.var_names])
    x0 = problem.x0
    half = spread * np.maximum(np.abs(x0), 10 * sig)
    half = np.where(half > 0, half, spread)
    starts = [x0.copy()]
    for _ in range(n_starts - 1):
        s = x0 + rng.uniform(-1.0, 1.0, x0.size) * half
        starts.append(np.clip(s, problem.lower, problem.upper))
    starts = np.array(starts)
    results = [first]
    for s in starts[1:]:
        try:
            results.append(problem.solve(s, **solve_kws))
        except FitError:
            results.append(None)
    values = np.array([[r.params[n] for n in problem.var_names] if r is not None
                       else [np.nan] * x0.size for r in results])
    chi2 = np.array([r.chi_square if r is not None else np.inf for r in results])
    ibest = int(np.argmin(chi2))
    best = results[ibest]
    scale = np.array([best.stderr[n] or 0.0 for n in problem.var_names])
    scale = np.where(scale > 0, scale, np.maximum(np.abs(values[ibest]) * 1e-6, 1e-12))
    centers = []
    for v in values:
        if not np.all(np.isfinite(v)):
            continue
        if not any(np.all(np.abs(v - c) <= tol_sigma * scale) for c in centers):
            centers.append(v)
    ok = np.all(np.isfinite(values)) and len(centers) == 1
    return MultistartResult(starts=starts, values=values, chi_square=chi2, best=best,
                            converged_to_one=bool(ok), n_distinct=len(centers))


@dataclass(frozen=True)
class ScanResult:
    """χ² profile of one parameter.

    Parameters
    ----------
    name : str
    grid : ndarray of shape (n,)
        Scanned values.
    chi_square : ndarray of shape (n,)
        χ² (Larch's scaling) with the other variables re-optimised.
    sigma : ndarray of shape (n,)
        :math:`\\sqrt{(\\chi^2 - \\chi^2_{min})/\\chi^2_\\nu}`.
    best, stderr : float
        Value and standard error from the fit's covariance.
    interval : tuple of float
        Where ``sigma <= 1`` (linear interpolation between grid points); ``nan`` for an end
        that the grid did not reach.
    """

    name: str
    grid: np.ndarray
    chi_square: np.ndarray
    sigma: np.ndarray
    best: float
    stderr: float
    interval: tuple


def chi2_scan(problem, name: str, *, n_points: int = 21, n_sigma: float = 3.0,
              result=None, **solve_kws) -> ScanResult:
    """Scan ``name`` over ``best ± n_sigma·stderr``, re-fitting all other variables.

    Parameters
    ----------
    problem : FitProblem
    name : str
        A varied variable.
    n_points : int, default=21
        Grid points (at least 3).
    n_sigma : float, default=3.0
        Half-width of the grid in standard errors (finite, > 0).
    result : FitResult, optional
        The fit at the minimum (computed when absent).
    **solve_kws
        Passed to :meth:`FitProblem.solve` at every grid point.

    Returns
    -------
    ScanResult
    """
    if name not in problem.var_names:
        raise InvalidParameterError(f"Cannot scan {name!r}: the varied variables are "
                                    f"{', '.join(problem.var_names)}.", parameter=name)
    if problem.var_names == (name,):
        raise InvalidParameterError("A chi-square scan needs at least one other variable to "
                                    "re-optimise.", parameter=name)
    n_points = check_int(n_points, "n_points", owner="chi2_scan", low=3)
    n_sigma = check_number(n_sigma, "n_sigma", owner="chi2_scan", low=0.0, low_open=True)
    res = result if result is not None else problem.solve(**solve_kws)
    best, err = res.params[name], res.stderr[name]
    if not err:
        raise FitError(f"{name!r} has no standard error (pinned on a bound?); choose the grid "
                       "by hand.")
    i = problem.var_names.index(name)
    grid = best + np.linspace(-n_sigma, n_sigma, n_points) * err
    grid = grid[(grid >= problem.lower[i]) & (grid <= problem.upper[i])]
    x_best = np.array([res.params[n] for n in problem.var_names])
    n_to_chi = res.n_independent / res.ndata
    chi2 = np.empty(grid.size)
    # walk outwards from the minimum so that each fit starts next to its solution
    order = np.argsort(np.abs(grid - best))
    starts = {}
    for j in order:
        left = [g for g in starts if (g - best) * (grid[j] - best) > 0]
        start = starts[min(left, key=lambda g: abs(g - grid[j]))] if left else x_best
        x, chisqr, _, _ = problem.solve(start, hold={name: grid[j]}, statistics=False,
                                        **solve_kws)
        starts[grid[j]] = x
        chi2[j] = chisqr * n_to_chi
    chi_min = min(res.chi_square, chi2.min())
    sigma = np.sqrt(np.maximum(chi2 - chi_min, 0.0) / res.chi2_reduced)
    interval = (_crossing(grid, sigma, best, -1), _crossing(grid, sigma, best, +1))
    return ScanResult(name=name, grid=grid, chi_square=chi2, sigma=sigma, best=best,
                      stderr=err, interval=interval)


def _crossing(grid, sigma, best, side):
    idx = np.flatnonzero((grid - best) * side >= 0)
    idx = idx[np.argsort(np.abs(grid[idx] - best))]
    for a, b in zip(idx[:-1], idx[1:]):
        if sigma[a] <= 1.0 < sigma[b]:
            return float(grid[a] + (1.0 - sigma[a]) * (grid[b] - grid[a]) / (sigma[b] - sigma[a]))
    return float("nan")
