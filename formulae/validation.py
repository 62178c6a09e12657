"""External validation: score fitted formulas on a second table with the same columns.

A formula that scores well in cross-validation may still fail on data of another kind (spectra
computed in another mode, or measured), because the descriptors it rests on drift between the
two sets. This module reports, for every formula, its scores on the other table and how far each
descriptor it uses has moved.

=========================  ====================================================================
name                       what it does
=========================  ====================================================================
validate_formulas          one JSON-ready dict per formula (the value of its ``validation`` key)
descriptor_shifts          mean shift of columns between two tables, in training standard
                           deviations
format_validation          a plain-text table of validate_formulas' output
=========================  ====================================================================

Notes
-----
For a formula ``f`` with target ``y`` and the other table's rows ``i = 1..m``:

* ``r2`` is the coefficient of determination on the other table,
  :math:`R^2 = 1 - \\sum_i (y_i - f_i)^2 / \\sum_i (y_i - \\bar y)^2` with :math:`\\bar y` the
  other table's mean; it is negative when the formula does worse than that mean.
* ``r2_corr`` is the squared Pearson correlation of ``f`` and ``y``: the share of variance a
  formula would explain after a linear recalibration (offset and slope) on the other set.
  ``r2_corr`` high and ``r2`` low means the formula still ranks the samples but is offset or
  scaled: a drift of the descriptors rather than a wrong relation.
* ``shift`` of a descriptor is :math:`(\\bar x_{other} - \\bar x_{train}) / s_{train}` with the
  training standard deviation :math:`s_{train}` (``ddof=0``, as the standardizer).
* ``drop = reference - r2`` with ``reference`` the formula's cross-validated R² on the training
  set (its honest estimate of accuracy on new data); a formula is ``flagged`` when
  ``drop > max_drop``.

Class targets (``score_kind="accuracy"``) are not scored here: the formula is a decision
function, and its R² on class labels would mean nothing. Their entry says so (``r2`` is None).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import check_number
from .errors import DataError

__all__ = ["validate_formulas", "descriptor_shifts", "format_validation"]


def _where(table) -> str:
    return table.path if getattr(table, "path", None) else "table"


def descriptor_shifts(table_train, table_other, names: Sequence[str] | None = None) -> dict:
    """Mean shift of each column between two tables, in training standard deviations.

    Parameters
    ----------
    table_train, table_other : formulae.io.Table
        The training table and the other one.
    names : sequence of str, optional
        Columns to compare; default: every numeric column of ``table_train`` that
        ``table_other`` also has.

    Returns
    -------
    dict of str to float
        ``(mean_other - mean_train) / std_train`` (``ddof=0``).

    Raises
    ------
    DataError
        If a column is missing from either table, not numeric, holds a NaN or inf (the cell is
        named), or is constant in the training table.
    """
    if names is None:
        names = [n for n in table_train.columns
                 if table_train.is_numeric(n) and n in table_other.columns]
    names = list(names)
    train = table_train.numeric(names)
    other = table_other.numeric(names)
    mean, std = train.mean(axis=0), train.std(axis=0)
    shifts = {}
    for j, name in enumerate(names):
        if not std[j] > 1e-12 * max(abs(mean[j]), 1e-300):
            raise DataError(f"{_where(table_train)}, column '{name}' is constant (every value is "
                            f"{train[0, j]!r}); its shift cannot be expressed in standard "
                            "deviations", path=table_train.path, column=name)
        shifts[name] = float((other[:, j].mean() - mean[j]) / std[j])
    return shifts


def _r2(y, prediction) -> float:
    total = float(np.sum((y - y.mean()) ** 2))
    if total == 0.0:
        return float("nan")
    return 1.0 - float(np.sum((y - prediction) ** 2)) / total


def _r2_corr(y, prediction) -> float:
    if np.std(y) == 0.0 or np.std(prediction) == 0.0:
        return float("nan")
    return float(np.corrcoef(y, prediction)[0, 1] ** 2)


def _none_if_nan(value):
    return None if value is None or not np.isfinite(value) else float(value)


def validate_formulas(formulas: Sequence, table_train, table_other, *,
                      max_drop: float = 0.1) -> list[dict]:
    """Score every formula on a second table with the same columns.

    Parameters
    ----------
    formulas : sequence of Formula
        E.g. a search's ``pareto_``; each predicts its ``target`` column from its features.
    table_train : formulae.io.Table
        The table the formulas were fitted on (for ``r2_train`` and the descriptor shifts).
    table_other : formulae.io.Table
        The external table: the same target and feature columns (others are ignored).
    max_drop : float, default=0.1
        A formula is flagged when its cross-validated R² minus its R² on ``table_other``
        exceeds this.

    Returns
    -------
    list of dict
        One JSON-ready dict per formula, in order, to store under its ``validation`` key:
        ``target``, ``formula`` (sympy string, standardized), ``n_terms``, ``n_train``,
        ``n_other``, ``other`` (file), ``cv_score``, ``r2_train``, ``r2``, ``r2_corr``,
        ``drop``, ``max_drop``, ``flagged``, ``shifts`` (descriptor -> shift in training
        standard deviations), ``largest_shift`` (descriptor with the largest ``|shift|``),
        ``note``.

    Raises
    ------
    DataError
        If the other table lacks a column, or a cell used is non-numeric, NaN or inf (file,
        column and row named).
    InvalidParameterError
        If ``max_drop`` is not a finite number >= 0.

    Examples
    --------
    See ``docs/validation.md``; a shifted descriptor: ``tests/test_external_validation.py``.
    """
    import sympy

    max_drop = check_number(max_drop, "max_drop", owner="validate_formulas", low=0.0)
    formulas = list(formulas)
    used = list(dict.fromkeys(name for formula in formulas for name in formula.features))
    all_shifts = descriptor_shifts(table_train, table_other, used) if used else {}   # once
    results = []
    for formula in formulas:
        features = list(formula.features)
        columns = [formula.target, *features]
        train = table_train.numeric(columns)
        other = table_other.numeric(columns)
        shifts = {name: all_shifts[name] for name in features}
        entry = {
            "target": formula.target,
            "formula": sympy.sstr(formula.expr_standardized),
            "n_terms": formula.n_terms,
            "n_train": int(train.shape[0]),
            "n_other": int(other.shape[0]),
            "other": table_other.path,
            "cv_score": _none_if_nan(formula.cv_score),
            "max_drop": max_drop,
            "shifts": shifts,
            "largest_shift": max(shifts, key=lambda n: abs(shifts[n])) if shifts else None,
        }
        if formula.score_kind != "r2":
            entry.update(r2_train=None, r2=None, r2_corr=None, drop=None, flagged=False,
                         note=f"class target ({formula.score_kind}): not scored; only the "
                              "descriptor shifts are reported")
            results.append(entry)
            continue
        pred_train = formula.evaluate(dict(zip(features, train[:, 1:].T)) if features
                                      else {formula.target: train[:, 0]})
        pred_other = formula.evaluate(dict(zip(features, other[:, 1:].T)) if features
                                      else {formula.target: other[:, 0]})
        r2_train = _r2(train[:, 0], pred_train)
        r2 = _r2(other[:, 0], pred_other)
        r2_corr = _r2_corr(other[:, 0], pred_other)
        reference = formula.cv_score if np.isfinite(formula.cv_score) else r2_train
        drop = reference - r2 if np.isfinite(r2) else float("nan")
        flagged = bool(np.isfinite(drop) and drop > max_drop)
        if not np.isfinite(r2):
            note = f"the target is constant in {_where(table_other)}; R² is undefined"
        elif flagged:
            note = (f"R² drops by {drop:.3f} (> {max_drop}); largest descriptor shift: "
                    f"{entry['largest_shift']} ({shifts[entry['largest_shift']]:+.2f} sd)"
                    if shifts else f"R² drops by {drop:.3f} (> {max_drop})")
        else:
            note = "ok"
        entry.update(r2_train=_none_if_nan(r2_train), r2=_none_if_nan(r2),
                     r2_corr=_none_if_nan(r2_corr), drop=_none_if_nan(drop), flagged=flagged,
                     note=note)
        results.append(entry)
    return results


def format_validation(results: Sequence[dict], *, decimals: int = 3) -> str:
    """Plain-text table of :func:`validate_formulas` output, one row per formula.

    Columns: target, number of terms, CV R², R² and squared correlation on the other table,
    drop, flag, and the descriptor with the largest shift (in training standard deviations).

    Parameters
    ----------
    results : sequence of dict
        Output of :func:`validate_formulas`.
    decimals : int, default=3
        Decimals of the scores.

    Returns
    -------
    str
    """
    from tabulate import tabulate

    def number(value):
        return None if value is None else float(value)

    rows = []
    for r in results:
        largest = r.get("largest_shift")
        shift = "" if largest is None else f"{largest} {r['shifts'][largest]:+.2f}"
        rows.append([r["target"], r["n_terms"], number(r["cv_score"]), number(r["r2"]),
                     number(r["r2_corr"]), number(r["drop"]),
                     "DROPS" if r["flagged"] else "", shift])
    return tabulate(rows, headers=["target", "terms", "CV R2", "R2 other", "corr2 other",
                                   "drop", "flag", "largest shift (sd)"],
                    floatfmt=f".{decimals}f", missingval="n/a")
