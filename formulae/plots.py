"""Figures: parity, Pareto front and Natoli plots (optional ``plot`` extra, matplotlib).

Every function builds a :class:`matplotlib.figure.Figure` without pyplot (no global state, no
display needed), returns it, and writes it as PNG when ``path`` is given.

=======================  ===================================================================
name                     what it draws
=======================  ===================================================================
plot_parity              predicted against true values, one panel per formula
plot_pareto              cross-validated score against the number of terms, per target
plot_natoli              E_r - E_0 against R^-2 with the rule's line and the free-exponent fit
plot_natoli_families     several families' Natoli plots on one set of axes
=======================  ===================================================================
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from ._validation import require
from .errors import DataError, InvalidParameterError

__all__ = ["plot_parity", "plot_pareto", "plot_natoli", "plot_natoli_families"]

# PNG metadata without the matplotlib version, so that the same figure gives the same bytes.
_PNG_METADATA = {"Software": None}


def _figure(feature: str, width: float, height: float):
    require("matplotlib", feature, "plot")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _save(fig, path):
    if path is not None:
        fig.savefig(path, dpi=120, metadata=_PNG_METADATA)
    return fig


def _score_label(formula) -> str:
    kind = "accuracy" if formula.score_kind == "accuracy" else "R²"
    return f"{formula.n_terms} terms, CV {kind} {formula.cv_score:.3f}"


def plot_parity(formulas: Sequence, columns: Mapping[str, np.ndarray], *, path=None,
                n_cols: int = 3, physical: bool = True):
    """Predicted against true values for each formula.

    Parameters
    ----------
    formulas : sequence of Formula
        Fitted formulas; each is evaluated on ``columns`` and compared with
        ``columns[formula.target]``.
    columns : mapping of str to array-like of shape (n_samples,)
        Table holding every feature the formulas use and their targets, physical units.
    path : str or path-like, optional
        Write the figure there as PNG.
    n_cols : int, default=3
        Panels per row.
    physical : bool, default=True
        Plot in physical units of the target (else in standardized units).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    MissingDependencyError
        If matplotlib is not installed.
    InvalidParameterError
        If ``formulas`` is empty.
    DataError
        If a formula's target or feature is not a column (the known columns are listed).
    """
    formulas = list(formulas)
    if not formulas:
        raise InvalidParameterError("plot_parity needs at least one formula; got none.",
                                    parameter="formulas")
    for formula in formulas:
        for name in (formula.target, *formula.features):
            if name not in columns:
                raise DataError(f"plot_parity: the table has no column '{name}' (needed by the "
                                f"formula for {formula.target}); columns are: "
                                f"{', '.join(columns)}", column=name)
    n_cols = max(1, min(n_cols, len(formulas)))
    n_rows = -(-len(formulas) // n_cols)
    fig = _figure("plot_parity", 3.2 * n_cols, 3.2 * n_rows)
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    for ax, formula in zip(axes.flat, formulas):
        true = np.asarray(columns[formula.target], dtype=float)
        predicted = formula.evaluate(columns)
        if not physical:
            true = (true - formula.target_mean) / formula.target_scale
            predicted = (predicted - formula.target_mean) / formula.target_scale
        ax.scatter(true, predicted, s=6, alpha=0.5, color="C0", linewidths=0)
        low = float(min(true.min(), predicted.min()))
        high = float(max(true.max(), predicted.max()))
        ax.plot([low, high], [low, high], color="k", lw=0.8)
        ax.set_xlabel(f"true {formula.target}")
        ax.set_ylabel(f"predicted {formula.target}")
        ax.set_title(_score_label(formula), fontsize=9)
    for ax in list(axes.flat)[len(formulas):]:
        ax.set_visible(False)
    return _save(fig, path)


def plot_pareto(formulas, *, path=None):
    """Cross-validated score against the number of terms.

    Parameters
    ----------
    formulas : sequence of Formula or mapping of str to sequence of Formula
        The formulas of one target (e.g. ``FormulaRegressor.formulas_``), or of several
        targets by name; one line per target.
    path : str or path-like, optional
        Write the figure there as PNG.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    MissingDependencyError
        If matplotlib is not installed.
    InvalidParameterError
        If there are no formulas.
    """
    if not isinstance(formulas, Mapping):
        formulas = list(formulas)
        formulas = {formulas[0].target if formulas else "": formulas}
    if not formulas or not any(len(list(v)) for v in formulas.values()):
        raise InvalidParameterError("plot_pareto needs at least one formula; got none.",
                                    parameter="formulas")
    fig = _figure("plot_pareto", 5.0, 3.6)
    ax = fig.subplots()
    kinds = set()
    for i, (target, group) in enumerate(formulas.items()):
        group = sorted(group, key=lambda f: f.n_terms)
        kinds |= {f.score_kind for f in group}
        ax.plot([f.n_terms for f in group], [f.cv_score for f in group], marker="o",
                color=f"C{i % 10}", label=target)
    ax.set_xlabel("number of terms")
    names = {"accuracy": "accuracy", "r2": "R²"}
    ax.set_ylabel("cross-validated " + (names.get(kinds.pop(), "score") if len(kinds) == 1
                                        else "score"))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_natoli(fit, energy, edge, distance, *, label: str | None = None, ax=None, path=None):
    """Natoli plot: ``E_r - E_0`` against ``R^-exponent``, with the rule and the free fit.

    Parameters
    ----------
    fit : NatoliFit
        Result of :func:`formulae.natoli.natoli_fit` on the same data.
    energy, edge, distance : array-like of shape (n_structures,)
        ``E_r`` (eV), ``E_0`` (eV) and ``R`` (Å) of each structure; ``edge=None`` when the
        fit has a fitted ``reference_energy``.
    label : str, optional
        Name of the family, for the legend.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (several families on one plot); a new figure otherwise.
    path : str or path-like, optional
        Write the figure there as PNG.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    MissingDependencyError
        If matplotlib is not installed.
    DataError
        If the arrays differ in length.
    """
    if ax is None:
        fig = _figure("plot_natoli", 5.0, 3.8)
        ax = fig.subplots()
    else:
        fig = ax.figure
    energy = np.asarray(energy, dtype=float)
    edge = np.asarray(fit.reference_energy if edge is None else edge, dtype=float)
    r = np.asarray(distance, dtype=float)
    if energy.shape != r.shape or (edge.ndim and edge.shape != r.shape):
        raise DataError(f"plot_natoli: energy, edge and distance must have the same length; got "
                        f"{energy.size}, {edge.size} and {r.size}.")
    delta = energy - edge
    x = r ** (-fit.exponent)
    family = label if label else f"{fit.n_points} structures"
    points = ax.scatter(x, delta, s=12, alpha=0.6, linewidths=0,
                        label=f"{family}: n = {fit.n:.2f} ± {fit.n_stderr:.2f}, "
                              f"C = {fit.C:.1f} eV Å² ({fit.verdict})")
    color = points.get_facecolor()[0]
    color = (color[0], color[1], color[2], 1.0)
    grid_r = np.linspace(r.min(), r.max(), 200)
    grid_x = grid_r ** (-fit.exponent)
    ax.plot(grid_x, fit.C * grid_x, color=color, lw=1.4)
    ax.plot(grid_x, fit.prefactor * grid_r ** (-fit.n), color=color, lw=1.2, ls="--")
    ax.set_title(f"solid: C/R$^{{{fit.exponent:g}}}$; dashed: free fit A/R$^n$", fontsize=9)
    ax.set_xlabel(f"R$^{{-{fit.exponent:g}}}$ (Å$^{{-{fit.exponent:g}}}$)")
    ax.set_ylabel("E$_r$ − E$_0$ (eV)")
    if len(ax.collections) > 3:   # many families: the legend goes beside the axes
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        ax.legend(fontsize=7)
    return _save(fig, path)


def plot_natoli_families(families: Mapping, *, path=None):
    """Natoli plots of several families on one set of axes (:func:`plot_natoli` for each).

    Parameters
    ----------
    families : mapping of str to tuple
        ``{label: (fit, energy, edge, distance)}``, each tuple as the arguments of
        :func:`plot_natoli` (``edge=None`` when the fit has a fitted ``reference_energy``).
    path : str or path-like, optional
        Write the figure there as PNG.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    MissingDependencyError
        If matplotlib is not installed.
    InvalidParameterError
        If ``families`` is empty.
    DataError
        If a family's arrays differ in length.
    """
    if not families:
        raise InvalidParameterError("plot_natoli_families needs at least one family; got none.",
                                    parameter="families")
    fig = _figure("plot_natoli_families", 6.0 if len(families) <= 3 else 9.0, 4.2)
    ax = fig.subplots()
    for label, (fit, energy, edge, distance) in families.items():
        plot_natoli(fit, energy, edge, distance, label=label, ax=ax)
    return _save(fig, path)
