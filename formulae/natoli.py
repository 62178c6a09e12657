"""Natoli's rule: the distance of a resonance above the edge scales as the inverse square distance.

For a family of structures that differ by one absorber-ligand distance ``R``, a resonance of
the XANES spectrum (a maximum or a minimum above the edge, at energy ``E_r``) moves with ``R``
as (Natoli 1984; Bianconi, Dell'Ariccia, Durham & Pendry 1982)

.. math:: (E_r - E_0)\\,R^2 = C,

where ``E_0`` is the edge position. This module checks the rule on data, without assuming it:
it fits the free exponent ``n`` of ``E_r - E_0 = A R^{-n}`` with a confidence interval, the
constant ``C`` of the rule with ``n`` fixed at 2 and its spread across the family, and gives a
verdict with an explicit tolerance on ``n``.

=======================  ===================================================================
name                     what it is
=======================  ===================================================================
natoli_fit               fit n (free) and C (n fixed) for one family; returns NatoliFit
natoli_by_group          the same for every value of a grouping column (e.g. CN)
NatoliFit                frozen result: n, its CI, C, its CI and spread, the verdict
=======================  ===================================================================

Which feature is ``E_r`` and which is ``E_0`` are parameters (``energy`` and ``edge``): any
maximum or minimum energy from the descriptors against the edge position (``EdgeE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ._validation import check_array_1d, check_choice, check_number
from .errors import DataError, FitError
from .oxidation import _ols

__all__ = ["NatoliFit", "natoli_fit", "natoli_by_group"]

VERDICTS = ("holds", "does not hold", "inconclusive")
_METHOD_WORDS = {"loglog": "log-log fit", "nonlinear": "nonlinear fit"}


@dataclass(frozen=True)
class NatoliFit:
    """Result of a Natoli's-rule check on one family of structures.

    Parameters
    ----------
    n : float
        Fitted exponent of ``E_r - E_0 = A R^{-n}`` (``n = 2`` is Natoli's rule).
    n_stderr : float
        Standard error of ``n``.
    n_ci : tuple of float
        Confidence interval of ``n`` at level ``confidence`` (Student t).
    prefactor : float
        ``A`` of the free fit, in eV·Å^n.
    C : float
        Constant of the rule with the exponent fixed at ``exponent``: the mean of
        ``(E_r - E_0) R^exponent`` over the family, in eV·Å².
    C_stderr : float
        Standard error of that mean.
    C_ci : tuple of float
        Its confidence interval at level ``confidence``.
    C_spread : float
        Relative spread of the products ``(E_r - E_0) R^exponent``: their standard deviation
        (ddof=1) divided by their mean. 0 for a family that obeys the rule exactly.
    r2_loglog : float
        R² of the straight line ``ln(E_r - E_0)`` against ``ln R``.
    exponent : float
        The exponent the rule states (2).
    tolerance : float
        Half-width of the band ``[exponent - tolerance, exponent + tolerance]`` used by the verdict.
    confidence : float
        Level of the confidence intervals.
    method : str
        How ``n`` was fitted: "loglog", "nonlinear", or "nonlinear fit with E_0 free".
    n_points : int
        Number of structures in the family.
    verdict : {"holds", "does not hold", "inconclusive"}
        "holds" when the whole confidence interval of ``n`` lies inside the tolerance band,
        "does not hold" when it lies wholly outside, "inconclusive" when it straddles a limit.
    distance_range : tuple of float
        Smallest and largest ``R`` in the family, Å.
    reference_energy : float or None
        ``E_0`` fitted as one free constant for the family (when no edge energies were
        given), eV; None when ``E_0`` is each structure's edge position.
    reference_stderr : float or None
        Its standard error (from the fit with the exponent fixed), eV.

    Notes
    -----
    The verdict is an equivalence test (two one-sided tests at level ``1 - confidence``): the
    rule is accepted only when the data exclude exponents further than ``tolerance`` from 2,
    and rejected only when they exclude every exponent within it.
    """

    n: float
    n_stderr: float
    n_ci: tuple
    prefactor: float
    C: float
    C_stderr: float
    C_ci: tuple
    C_spread: float
    r2_loglog: float
    exponent: float
    tolerance: float
    confidence: float
    method: str
    n_points: int
    verdict: str
    distance_range: tuple
    reference_energy: float | None = None
    reference_stderr: float | None = None

    @property
    def holds(self) -> bool:
        """True when the verdict is "holds"."""
        return self.verdict == "holds"

    def summary(self) -> str:
        """One paragraph of plain text describing the fit and the verdict.

        Returns
        -------
        str
            Exponent with its confidence interval, C with its interval and spread, verdict.
        """
        low, high = self.n_ci
        c_low, c_high = self.C_ci
        level = f"{100 * self.confidence:g} %"
        reference = ("" if self.reference_energy is None else
                     f"E_0 fitted = {self.reference_energy:.2f} +/- {self.reference_stderr:.2f}"
                     " eV, ")
        return (
            f"Natoli's rule (E_r - E_0) R^{self.exponent:g} = C on {self.n_points} structures, "
            f"{reference}"
            f"R = {self.distance_range[0]:.3f}-{self.distance_range[1]:.3f} A: "
            f"free exponent n = {self.n:.3f} +/- {self.n_stderr:.3f} ({level} CI {low:.3f} to "
            f"{high:.3f}, {_METHOD_WORDS.get(self.method, self.method)}; R^2 of the log-log "
            f"line {self.r2_loglog:.4f}); "
            f"C = {self.C:.3f} eV A^2 ({level} CI {c_low:.3f} to {c_high:.3f}), relative spread "
            f"{100 * self.C_spread:.1f} %. Verdict (tolerance |n - {self.exponent:g}| <= "
            f"{self.tolerance:g}): {self.verdict}.")


def _t_quantile(confidence: float, dof: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + confidence / 2.0, dof))


def _verdict(ci: tuple, exponent: float, tolerance: float) -> str:
    low, high = ci
    band_low, band_high = exponent - tolerance, exponent + tolerance
    if band_low <= low and high <= band_high:
        return "holds"
    if high < band_low or low > band_high:
        return "does not hold"
    return "inconclusive"


def natoli_fit(energy, edge, distance, *, exponent: float = 2.0, tolerance: float = 0.2,
               confidence: float = 0.95, method: str = "loglog") -> NatoliFit:
    """Check Natoli's rule ``(E_r - E_0) R^2 = C`` on one family of structures.

    Parameters
    ----------
    energy : array-like of shape (n_structures,)
        Resonance energy ``E_r`` of each structure (a maximum or minimum above the edge), eV.
    edge : array-like of shape (n_structures,) or None
        Edge position ``E_0`` of each structure, eV. None fits ``E_0`` as one constant of
        the family instead (``E_r = E_0 + C R^-2`` by linear least squares for ``C``, and
        ``E_r = E_0 + A R^-n`` by nonlinear least squares for ``n``; ``method`` is then
        ignored): the form to use when the edge itself moves with ``R``.
    distance : array-like of shape (n_structures,)
        Absorber-ligand distance ``R`` of each structure (e.g. the mean Fe-O distance), Å.
    exponent : float, default=2.0
        Exponent stated by the rule; ``C`` is computed with it and the verdict compares the
        free exponent with it.
    tolerance : float, default=0.2
        Half-width of the accepted band of exponents, ``|n - exponent| <= tolerance``.
    confidence : float, default=0.95
        Level of the confidence intervals (Student t).
    method : {"loglog", "nonlinear"}, default="loglog"
        "loglog": least squares of ``ln(E_r - E_0)`` on ``ln R`` (multiplicative errors);
        "nonlinear": least squares of ``E_r - E_0 = A R^{-n}`` in eV (additive errors),
        started from the log-log fit, standard errors from the Jacobian.

    Returns
    -------
    NatoliFit

    Raises
    ------
    DataError
        If the arrays differ in length, hold fewer than 3 structures, a distance is not
        positive, ``E_r - E_0`` is not positive (the structure is named), or all distances
        are equal.
    InvalidParameterError
        For a bad ``exponent``, ``tolerance``, ``confidence`` or ``method``.
    FitError
        If the nonlinear fit does not converge.

    Examples
    --------
    >>> import numpy as np
    >>> R = np.linspace(1.85, 2.30, 10)
    >>> fit = natoli_fit(7112.0 + 90.0 / R**2, np.full(10, 7112.0), R)
    >>> round(fit.n, 6), round(fit.C, 6), fit.verdict
    (2.0, 90.0, 'holds')
    >>> fit = natoli_fit(7114.0 + 90.0 / R**2, None, R)
    >>> round(fit.reference_energy, 6), round(fit.C, 6)
    (7114.0, 90.0)
    """
    exponent = check_number(exponent, "exponent", owner="natoli_fit", low=0.0, low_open=True)
    tolerance = check_number(tolerance, "tolerance", owner="natoli_fit", low=0.0)
    confidence = check_number(confidence, "confidence", owner="natoli_fit", low=0.0, high=1.0,
                              low_open=True, high_open=True)
    method = check_choice(method, "method", ("loglog", "nonlinear"), owner="natoli_fit")
    e_r = check_array_1d(energy, "energy", min_size=3)
    r = check_array_1d(distance, "distance", min_size=3)
    if edge is None:
        return _fit_reference(e_r, r, exponent=exponent, tolerance=tolerance,
                              confidence=confidence)
    e_0 = check_array_1d(edge, "edge", min_size=3)
    if not (e_r.size == e_0.size == r.size):
        raise DataError(f"energy, edge and distance must have the same length; got "
                        f"{e_r.size}, {e_0.size} and {r.size}.")
    _check_distances(e_r, r)
    delta = e_r - e_0
    bad = np.flatnonzero(delta <= 0)
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"structure {i}: E_r - E_0 = {float(e_r[i])!r} - {float(e_0[i])!r} = {float(delta[i])!r} eV is not "
            "positive; Natoli's rule needs a resonance above the edge.", row=i, value=delta[i])
    log_r = np.log(r)
    m = r.size
    dof = m - 2
    t = _t_quantile(confidence, dof)

    slope, intercept, r2, ss_res, sxx = _loglog(log_r, np.log(delta))
    n, prefactor = -slope, float(np.exp(intercept))
    n_stderr = float(np.sqrt(ss_res / dof / sxx)) if dof > 0 else float("inf")

    if method == "nonlinear":
        from scipy.optimize import curve_fit

        def model(rr, a, nn):
            return a * rr ** (-nn)

        try:
            popt, pcov = curve_fit(model, r, delta, p0=(prefactor, n), maxfev=10000)
        except RuntimeError as exc:
            raise FitError(f"natoli_fit: the nonlinear fit of E_r - E_0 = A R^-n failed: {exc}") \
                from None
        prefactor, n = float(popt[0]), float(popt[1])
        n_stderr = float(np.sqrt(pcov[1, 1])) if np.isfinite(pcov[1, 1]) else float("inf")

    n_ci = (n - t * n_stderr, n + t * n_stderr)

    products = delta * r ** exponent
    c_mean = float(products.mean())
    c_std = float(products.std(ddof=1))
    c_stderr = c_std / np.sqrt(m)
    return NatoliFit(
        n=float(n), n_stderr=n_stderr, n_ci=tuple(float(v) for v in n_ci), prefactor=prefactor,
        C=c_mean, C_stderr=float(c_stderr),
        C_ci=(float(c_mean - t * c_stderr), float(c_mean + t * c_stderr)),
        C_spread=float(c_std / c_mean), r2_loglog=float(r2), exponent=exponent,
        tolerance=tolerance, confidence=confidence, method=method, n_points=int(m),
        verdict=_verdict(n_ci, exponent, tolerance),
        distance_range=(float(r.min()), float(r.max())))


def _loglog(log_r, log_d):
    """Least squares ``ln(delta) = ln(A) - n ln(R)``: (slope, intercept, R², RSS, Sxx)."""
    x = log_r - log_r.mean()
    sxx = float(x @ x)
    slope = float(x @ (log_d - log_d.mean())) / sxx
    intercept = float(log_d.mean() - slope * log_r.mean())
    resid = log_d - (intercept + slope * log_r)
    ss_res = float(resid @ resid)
    ss_tot = float(((log_d - log_d.mean()) ** 2).sum())
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    return slope, intercept, r2, ss_res, sxx


def _check_positive(r):
    """Refuse the first distance that is not positive (named by its index)."""
    bad = np.flatnonzero(r <= 0)
    if bad.size:
        i = int(bad[0])
        raise DataError(f"distance[{i}] = {float(r[i])!r}; expected a positive distance in Å.",
                        column="distance", row=i, value=r[i])


def _check_distances(e_r, r):
    if e_r.size != r.size:
        raise DataError(f"energy and distance must have the same length; got {e_r.size} and "
                        f"{r.size}.")
    _check_positive(r)
    if np.ptp(r) == 0:
        raise DataError("all distances are equal; the exponent cannot be fitted.",
                        column="distance")


def _fit_reference(e_r, r, *, exponent, tolerance, confidence) -> NatoliFit:
    """Natoli fit with E_0 one free constant of the family."""
    from scipy.optimize import curve_fit

    _check_distances(e_r, r)
    m = r.size
    if m < 4:
        raise DataError(f"{m} structures; fitting E_0 as well needs at least 4.")
    # C with the exponent fixed: linear least squares E_r = E_0 + C x, x = R^-exponent.
    x = r ** (-exponent)
    coef, se, _, dof = _ols(np.column_stack([np.ones(m), x]), e_r, column="distance",
                            collinear="all distances are equal; the exponent cannot be fitted.")
    e_ref, c = float(coef[0]), float(coef[1])
    e_ref_se, c_se = float(se[0]), float(se[1])
    t2 = _t_quantile(confidence, dof)
    delta = e_r - e_ref
    products = delta * r ** exponent
    spread = float(products.std(ddof=1) / products.mean())
    # Free exponent: E_r = E_0 + A R^-n, started from the fixed-exponent fit.
    def model(rr, e0, a, nn):
        return e0 + a * rr ** (-nn)

    try:
        popt, pcov = curve_fit(model, r, e_r, p0=(e_ref, c, exponent), maxfev=20000)
    except RuntimeError as exc:
        raise FitError(f"natoli_fit: the fit of E_r = E_0 + A R^-n failed: {exc}") from None
    n = float(popt[2])
    n_se = float(np.sqrt(pcov[2, 2])) if np.isfinite(pcov[2, 2]) else float("inf")
    t3 = _t_quantile(confidence, m - 3)
    n_ci = (n - t3 * n_se, n + t3 * n_se)
    positive = delta > 0
    r2 = float("nan")
    if positive.sum() >= 3 and np.ptp(r[positive]) > 0:
        r2 = _loglog(np.log(r[positive]), np.log(delta[positive]))[2]
    return NatoliFit(
        n=n, n_stderr=n_se, n_ci=tuple(float(v) for v in n_ci), prefactor=float(popt[1]),
        C=c, C_stderr=c_se, C_ci=(c - t2 * c_se, c + t2 * c_se), C_spread=spread,
        r2_loglog=r2, exponent=exponent, tolerance=tolerance, confidence=confidence,
        method="nonlinear fit with E_0 free", n_points=int(m),
        verdict=_verdict(n_ci, exponent, tolerance),
        distance_range=(float(r.min()), float(r.max())), reference_energy=e_ref,
        reference_stderr=e_ref_se)


def natoli_by_group(columns: Mapping[str, np.ndarray], *, energy: str = "MaxE",
                    edge: str = "EdgeE", distance: str = "avgDist", group: str | None = None,
                    **kwargs) -> dict:
    """Run :func:`natoli_fit` on a table, once per value of a grouping column.

    Parameters
    ----------
    columns : mapping of str to array-like
        The table, by column name (e.g. ``Table.data`` or a descriptor table).
    energy, edge, distance : str, default="MaxE", "EdgeE", "avgDist"
        Columns holding ``E_r`` (eV), ``E_0`` (eV) and ``R`` (Å); ``edge=None`` fits ``E_0``
        as one constant per family (see :func:`natoli_fit`).
    group : str, optional
        Column whose distinct values define the families (e.g. ``"CN"``); one family when
        omitted.
    **kwargs
        Passed to :func:`natoli_fit` (``exponent``, ``tolerance``, ``confidence``, ``method``).

    Returns
    -------
    dict
        ``{group value: NatoliFit}`` in increasing order of the group value; the key is
        ``None`` when ``group`` is omitted.

    Raises
    ------
    DataError
        If a column is missing (the known columns are listed), or a family is unusable
        (see :func:`natoli_fit`; the family is named).
    """
    names = [energy, distance] + ([edge] if edge is not None else []) + \
        ([group] if group is not None else [])
    for name in names:
        if name not in columns:
            known = ", ".join(columns)
            raise DataError(f"the table has no column '{name}'; columns are: {known}",
                            column=name)
    values = {name: np.asarray(columns[name]) for name in names}
    edges = values[edge] if edge is not None else None
    if group is None:
        return {None: natoli_fit(values[energy], edges, values[distance], **kwargs)}
    keys = values[group]
    results = {}
    for key in sorted(set(keys.tolist())):
        mask = keys == key
        try:
            results[key] = natoli_fit(values[energy][mask],
                                      None if edges is None else edges[mask],
                                      values[distance][mask], **kwargs)
        except DataError as exc:
            raise DataError(f"family {group} = {key!r}: {exc}", column=exc.column,
                            row=exc.row, value=exc.value) from None
    return results
