"""Oxidation state: the chemical shift of the edge, simulated and measured.

The reference study had no computed spectra for several oxidation states, so it simulated them:
each structure is given an oxidation state at random and its spectrum is shifted in energy by
a chemical shift per unit charge. A classifier then learns the state from the descriptors. This
module makes that procedure explicit and seeded, and fits the chemical-shift rule (edge energy
against oxidation state, with and without the distance as a second regressor).

=============================  ==============================================================
name                           what it is
=============================  ==============================================================
DEFAULT_SHIFT_PER_CHARGE       3.5 eV per unit charge (Fe K-edge; see docs/natoli.md)
shift_spectra                  mu(E) -> mu(E - shift) for each spectrum, by interpolation
simulate_oxidation_states      seeded random states and the correspondingly shifted spectra
chemical_shift_fit             edge energy = a + s * state (+ b * R); returns ChemicalShiftFit
ChemicalShiftFit               frozen result: slope in eV per unit charge, its CI, R² values
classify_oxidation_states      FormulaClassifier on chosen descriptor columns -> Formula
=============================  ==============================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ._validation import check_array_1d, check_increasing, check_int, check_number
from .errors import DataError, InvalidParameterError

__all__ = [
    "DEFAULT_SHIFT_PER_CHARGE",
    "shift_spectra",
    "simulate_oxidation_states",
    "ChemicalShiftFit",
    "chemical_shift_fit",
    "classify_oxidation_states",
]

#: Fe K-edge chemical shift per unit charge, eV. Measured on the reference compounds of the
#: shared data (half-height edge: Fe2+ FeO, Fe2SiO4 at 7119.2 eV on average, Fe3+ alpha-Fe2O3,
#: NaFeSi2O6 at 7124.0 eV: 4.84 eV apart), less the part explained by the shorter Fe-O distance
#: of the Fe3+ compounds (0.135 A times the -9.06 eV/A slope of the edge position against the
#: mean distance in the computed CN = 6 set: 1.22 eV), i.e. 3.6 eV, rounded down to 3.5 eV.
#: docs/natoli.md gives the commands that print these numbers.
DEFAULT_SHIFT_PER_CHARGE = 3.5


def shift_spectra(energy, spectra, shifts):
    """Shift each spectrum in energy: ``mu_new(E) = mu(E - shift)``.

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing common energy grid, eV.
    spectra : array-like of shape (n_spectra, n_points)
        Absorption spectra on that grid.
    shifts : float or array-like of shape (n_spectra,)
        Shift of each spectrum, eV; a positive shift moves features to higher energy.

    Returns
    -------
    ndarray of shape (n_spectra, n_points)
        The shifted spectra on the same grid, by linear interpolation; beyond the ends of the
        grid the end values are held (computed spectra are flat there after normalization).

    Raises
    ------
    DataError
        If the energy is not strictly increasing, the shapes disagree or a value is not finite.
    """
    energy = check_array_1d(energy, "energy", min_size=2)
    check_increasing(energy, "energy")
    spectra = np.asarray(spectra, dtype=float)
    if spectra.ndim != 2 or spectra.shape[1] != energy.size:
        raise DataError(f"spectra must have shape (n_spectra, {energy.size}); got "
                        f"{spectra.shape}.")
    if not np.all(np.isfinite(spectra)):
        i, j = (int(v[0]) for v in np.nonzero(~np.isfinite(spectra)))
        raise DataError(f"spectra[{i}, {j}] is {spectra[i, j]}; expected a finite number.",
                        row=i, value=spectra[i, j])
    shifts = np.broadcast_to(np.asarray(shifts, dtype=float), (spectra.shape[0],))
    if not np.all(np.isfinite(shifts)):
        raise DataError("shifts must be finite numbers.")
    out = np.empty_like(spectra)
    for i, (mu, shift) in enumerate(zip(spectra, shifts)):
        out[i] = np.interp(energy - shift, energy, mu)
    return out


def simulate_oxidation_states(energy, spectra, *, states: Sequence[int] = (2, 3),
                              shift_per_charge: float = DEFAULT_SHIFT_PER_CHARGE,
                              random_state: int = 0):
    """Give each spectrum a random oxidation state and shift it by the chemical shift.

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Common energy grid, eV.
    spectra : array-like of shape (n_spectra, n_points)
        Spectra computed for one oxidation state (taken as ``states[0]``).
    states : sequence of int, default=(2, 3)
        Possible oxidation states, drawn with equal probability.
    shift_per_charge : float, default=DEFAULT_SHIFT_PER_CHARGE
        Edge shift per unit of oxidation state, eV (3.5 eV for the Fe K-edge).
    random_state : int, default=0
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    states : ndarray of int of shape (n_spectra,)
        The state given to each spectrum.
    shifted : ndarray of shape (n_spectra, n_points)
        Each spectrum shifted by ``shift_per_charge * (state - states[0])``.

    Raises
    ------
    InvalidParameterError
        If fewer than two distinct states are given, or the shift is not a finite number.
    """
    states = tuple(states)
    if len(set(states)) < 2:
        raise InvalidParameterError(
            f"The 'states' parameter of simulate_oxidation_states must hold at least two "
            f"distinct oxidation states. Got {states!r} instead.", parameter="states",
            value=states)
    for s in states:
        check_int(s, "states", owner="simulate_oxidation_states")
    shift_per_charge = check_number(shift_per_charge, "shift_per_charge",
                                    owner="simulate_oxidation_states")
    check_int(random_state, "random_state", owner="simulate_oxidation_states", low=0)
    spectra = np.asarray(spectra, dtype=float)
    if spectra.ndim != 2:
        raise DataError(f"spectra must be two-dimensional; got shape {spectra.shape}.")
    rng = np.random.default_rng(random_state)
    assigned = np.asarray(states)[rng.integers(0, len(states), spectra.shape[0])]
    shifts = shift_per_charge * (assigned - states[0])
    return assigned, shift_spectra(energy, spectra, shifts)


@dataclass(frozen=True)
class ChemicalShiftFit:
    """The chemical-shift rule fitted on edge energies of known oxidation state.

    Parameters
    ----------
    slope : float
        Edge shift per unit charge from ``edge = a + slope * state``, eV.
    slope_stderr : float
        Its standard error, eV.
    slope_ci : tuple of float
        Its confidence interval at level ``confidence``.
    intercept : float
        ``a``, eV.
    r2_state : float
        R² of the edge energy explained by the state alone.
    slope_with_distance : float or None
        Shift per unit charge when the distance is a second regressor
        (``edge = a + slope * state + b * R``), eV; None without distances.
    slope_with_distance_stderr : float or None
        Its standard error.
    distance_coefficient : float or None
        ``b``, eV/Å.
    distance_coefficient_stderr : float or None
        Its standard error.
    r2_distance : float or None
        R² of the edge energy explained by the distance alone.
    r2_both : float or None
        R² with both regressors.
    distance_share : float or None
        Fraction of the apparent shift per unit charge that distance changes explain,
        ``1 - slope_with_distance / slope``: 0 when states and distances are unrelated.
    confidence : float
        Level of the confidence interval.
    n_points : int
        Number of spectra.
    """

    slope: float
    slope_stderr: float
    slope_ci: tuple
    intercept: float
    r2_state: float
    slope_with_distance: float | None
    slope_with_distance_stderr: float | None
    distance_coefficient: float | None
    distance_coefficient_stderr: float | None
    r2_distance: float | None
    r2_both: float | None
    distance_share: float | None
    confidence: float
    n_points: int

    def summary(self) -> str:
        """One paragraph of plain text.

        Returns
        -------
        str
            The shift per unit charge with its interval and, when the distance was a second
            regressor, both coefficients and the share of the shift due to distance.
        """
        level = f"{100 * self.confidence:g} %"
        text = (f"Chemical shift on {self.n_points} spectra: {self.slope:.3f} +/- "
                f"{self.slope_stderr:.3f} eV per unit charge ({level} CI {self.slope_ci[0]:.3f} "
                f"to {self.slope_ci[1]:.3f}), R^2 {self.r2_state:.3f} from the state alone.")
        if self.slope_with_distance is not None:
            text += (f" With the distance as a second regressor: {self.slope_with_distance:.3f}"
                     f" +/- {self.slope_with_distance_stderr:.3f} eV per unit charge and "
                     f"{self.distance_coefficient:.2f} +/- {self.distance_coefficient_stderr:.2f}"
                     f" eV/A (R^2 {self.r2_both:.3f}; distance alone {self.r2_distance:.3f}); "
                     f"distance changes explain {100 * self.distance_share:.1f} % of the "
                     "apparent shift.")
        return text


def _ols(design, y, *, collinear: str = "the regressors are collinear", column=None):
    """Least squares: (coefficients, their standard errors, R², degrees of freedom).

    A design of lower rank than its number of columns raises a DataError with the message
    ``collinear`` naming ``column``; R² is NaN when ``y`` is constant.
    """
    coef, _, rank, _ = np.linalg.lstsq(design, y, rcond=None)
    if rank < design.shape[1]:
        raise DataError(collinear, column=column)
    resid = y - design @ coef
    dof = y.size - design.shape[1]
    sigma2 = float(resid @ resid) / dof
    cov = sigma2 * np.linalg.inv(design.T @ design)
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float(resid @ resid) / ss_tot if ss_tot > 0 else float("nan")
    return coef, np.sqrt(np.diag(cov)), r2, dof


def chemical_shift_fit(edge, states, distance=None, *, confidence: float = 0.95) -> ChemicalShiftFit:
    """Fit the edge energy against the oxidation state, and against the distance as well.

    Parameters
    ----------
    edge : array-like of shape (n_spectra,)
        Edge positions (e.g. ``EdgeE``), eV.
    states : array-like of shape (n_spectra,)
        Oxidation state of each spectrum.
    distance : array-like of shape (n_spectra,), optional
        Mean absorber-ligand distance, Å; when given, the shift per unit charge is also fitted
        with the distance as a second regressor.
    confidence : float, default=0.95
        Level of the confidence interval of the slope (Student t).

    Returns
    -------
    ChemicalShiftFit

    Raises
    ------
    DataError
        If the arrays differ in length, hold fewer than 4 values, the states or the edge
        energies are all equal, or the distances are all equal or a linear function of the
        states (the column is named).

    Examples
    --------
    >>> import numpy as np
    >>> states = np.array([2, 2, 3, 3, 2, 3])
    >>> fit = chemical_shift_fit(7110.0 + 3.5 * states, states)
    >>> round(fit.slope, 6)
    3.5
    """
    from scipy import stats

    confidence = check_number(confidence, "confidence", owner="chemical_shift_fit", low=0.0,
                              high=1.0, low_open=True, high_open=True)
    edge = check_array_1d(edge, "edge", min_size=4)
    q = check_array_1d(states, "states", min_size=4)
    if q.size != edge.size:
        raise DataError(f"edge and states must have the same length; got {edge.size} and "
                        f"{q.size}.")
    if np.ptp(q) == 0:
        raise DataError(f"all oxidation states are equal ({q[0]:g}); the shift cannot be fitted.",
                        column="states")
    if np.ptp(edge) == 0:
        raise DataError(f"all edge energies are equal ({edge[0]:g} eV); the shift cannot be "
                        "fitted.", column="edge")
    ones = np.ones_like(edge)
    coef, se, r2_state, dof = _ols(np.column_stack([ones, q]), edge)
    t = float(stats.t.ppf(0.5 + confidence / 2.0, dof))
    fields = dict(slope=float(coef[1]), slope_stderr=float(se[1]),
                  slope_ci=(float(coef[1] - t * se[1]), float(coef[1] + t * se[1])),
                  intercept=float(coef[0]), r2_state=float(r2_state), confidence=confidence,
                  n_points=int(edge.size), slope_with_distance=None,
                  slope_with_distance_stderr=None, distance_coefficient=None,
                  distance_coefficient_stderr=None, r2_distance=None, r2_both=None,
                  distance_share=None)
    if distance is not None:
        r = check_array_1d(distance, "distance", min_size=4)
        if r.size != edge.size:
            raise DataError(f"edge and distance must have the same length; got {edge.size} and "
                            f"{r.size}.")
        _, _, r2_distance, _ = _ols(
            np.column_stack([ones, r]), edge, column="distance",
            collinear=f"all distances are equal ({r[0]:g} A); the distance cannot be a "
                      "second regressor.")
        coef2, se2, r2_both, _ = _ols(
            np.column_stack([ones, q, r]), edge, column="distance",
            collinear="the distance is a linear function of the oxidation state; it cannot "
                      "be a second regressor.")
        fields.update(slope_with_distance=float(coef2[1]),
                      slope_with_distance_stderr=float(se2[1]),
                      distance_coefficient=float(coef2[2]),
                      distance_coefficient_stderr=float(se2[2]), r2_distance=float(r2_distance),
                      r2_both=float(r2_both),
                      distance_share=float(1.0 - coef2[1] / coef[1]))
    return ChemicalShiftFit(**fields)


def classify_oxidation_states(columns: Mapping[str, np.ndarray], states, *,
                              features: Sequence[str] = ("EdgeE",), max_terms: int = 2,
                              basis: str = "quadratic", cv: int = 5, random_state: int = 0,
                              **kwargs):
    """Learn the oxidation state from descriptor columns with :class:`FormulaClassifier`.

    Parameters
    ----------
    columns : mapping of str to array-like of shape (n_spectra,)
        Descriptor table (e.g. from ``formulae.xanes.descriptor_table`` on shifted spectra).
    states : array-like of shape (n_spectra,)
        Oxidation state of each spectrum (the class labels).
    features : sequence of str, default=("EdgeE",)
        Columns the classifier may use.
    max_terms : int, default=2
        Largest formula size searched.
    basis : str, default="quadratic"
        Basis of the formula search.
    cv : int, default=5
        Number of stratified, shuffled folds (seeded by ``random_state``).
    random_state : int, default=0
        Seed of the folds.
    **kwargs
        Passed to :class:`~formulae.search.FormulaClassifier`.

    Returns
    -------
    Formula
        The classifier's ``best_formula_``; its ``cv_score`` is the cross-validated accuracy.

    Raises
    ------
    DataError
        If a feature column is missing (the known columns are listed).
    """
    from .search import FormulaClassifier

    features = list(features)
    for name in features:
        if name not in columns:
            raise DataError(f"the table has no column '{name}'; columns are: "
                            f"{', '.join(columns)}", column=name)
    X = np.column_stack([np.asarray(columns[name], dtype=float) for name in features])
    y = np.asarray(states)
    model = FormulaClassifier(max_terms=max_terms, basis=basis, cv=cv,
                              feature_names=features, target_name="oxidation state",
                              random_state=random_state, **kwargs)
    model.fit(X, y)
    return model.best_formula_
