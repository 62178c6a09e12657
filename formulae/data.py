"""Descriptor tables as numeric matrices, and the :class:`Standardizer`.

=====================  ======================================================================
name                   what it does
=====================  ======================================================================
Standardizer           zero mean, unit standard deviation (ddof=0); ``mean_`` and ``scale_``
feature_names_of       column names of a DataFrame-like ``X``, else the given names, else x0..
as_float_matrix        a 2-D float array; a non-numeric column or a NaN/inf cell is named
check_unique_names     refuse duplicate column names
=====================  ======================================================================

Reading files is :func:`formulae.io.read_table`'s job; this module turns what it returns (or any
array / DataFrame) into the checked float matrices that the formula search works on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import DataError, NotFittedError

__all__ = ["Standardizer", "feature_names_of", "as_float_matrix", "check_unique_names"]


def check_unique_names(names: Sequence[str], *, where: str | None = None) -> tuple[str, ...]:
    """Return ``names`` as a tuple of str after checking that no name repeats.

    Parameters
    ----------
    names : sequence of str
        Column names, in order; each is converted with ``str``.
    where : str, optional
        Origin (file name) prefixed to the message.

    Returns
    -------
    tuple of str
        The names, in the given order.

    Raises
    ------
    DataError
        ``"duplicate column name 'MaxE' (columns 2 and 5)"``.
    """
    names = tuple(str(n) for n in names)
    first = {}
    for i, name in enumerate(names):
        if name in first:
            prefix = f"{where}: " if where else ""
            raise DataError(f"{prefix}duplicate column name '{name}' (columns {first[name]} "
                            f"and {i}, counted from 0)", path=where, column=name)
        first[name] = i
    return names


def feature_names_of(X, feature_names: Sequence[str] | None = None) -> tuple[str, ...]:
    """Names of the columns of ``X``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or DataFrame
        The data; a DataFrame-like object's ``columns`` are used when ``feature_names`` is None.
    feature_names : sequence of str, optional
        Explicit names; they win over the DataFrame's.

    Returns
    -------
    tuple of str
        ``feature_names``, else the DataFrame's column names, else ``x0, x1, ...``.

    Raises
    ------
    DataError
        If there are as many names as columns but one repeats, or the count differs.
    """
    n_features = np.shape(X)[1] if np.ndim(X) == 2 else None
    if feature_names is not None:
        names = check_unique_names(feature_names)
    elif hasattr(X, "columns"):
        names = check_unique_names(X.columns)
    else:
        names = tuple(f"x{i}" for i in range(n_features or 0))
    if n_features is not None and len(names) != n_features:
        raise DataError(f"{len(names)} feature names were given for {n_features} columns: "
                        f"{', '.join(names)}")
    return names


def as_float_matrix(X, names: Sequence[str], *, where: str | None = None) -> np.ndarray:
    """Return ``X`` as a new finite 2-D float64 array, naming the first bad column or cell.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Table of numbers (a DataFrame, a nested list or an array).
    names : sequence of str
        Column names used in messages.
    where : str, optional
        Origin (a file name) prefixed to messages.

    Returns
    -------
    ndarray of shape (n_samples, n_features)

    Raises
    ------
    DataError
        ``"column 'family' is not numeric (e.g. 'olivine'); expected numbers"`` or
        ``"column 'MaxE', row 17: NaN; expected a finite number"`` (rows counted from 0), or
        for an array that is not 2-D, ``"expected a table of shape (n_samples, n_features);
        got shape (5,)"``.
    """
    prefix = f"{where}, " if where else ""
    columns = [np.asarray(X[c]) for c in X.columns] if hasattr(X, "columns") else None
    array = np.asarray(X) if columns is None else None
    if array is not None and array.ndim != 2:
        raise DataError(f"{prefix}expected a table of shape (n_samples, n_features); got shape "
                        f"{array.shape}", path=where)
    n_columns = len(columns) if columns is not None else array.shape[1]
    out = []
    for j in range(n_columns):
        values = columns[j] if columns is not None else array[:, j]
        try:
            out.append(np.asarray(values, dtype=float))
        except (TypeError, ValueError):
            example = next((v for v in values if not _is_number(v)), values[0])
            raise DataError(f"{prefix}column '{names[j]}' is not numeric (e.g. {example!r}); "
                            "expected numbers", path=where, column=names[j],
                            value=example) from None
    matrix = np.column_stack(out) if out else np.asarray(X, dtype=float)
    bad_rows, bad_cols = np.nonzero(~np.isfinite(matrix))
    if bad_rows.size:
        order = np.lexsort((bad_rows, bad_cols))[0]
        row, col = int(bad_rows[order]), int(bad_cols[order])
        value = matrix[row, col]
        # "NaN", not numpy's "nan": scikit-learn's estimator checks look for "NaN" or "inf".
        text = "NaN" if np.isnan(value) else ("inf" if value > 0 else "-inf")
        raise DataError(f"{prefix}column '{names[col]}', row {row}: {text}; expected a finite "
                        "number", path=where, column=names[col], row=row, value=value)
    return matrix


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


class Standardizer:
    """Scale each column to zero mean and unit standard deviation.

    The standard deviation is the population one (``ddof=0``):
    :math:`s_j = \\sqrt{\\frac{1}{n}\\sum_i (x_{ij} - \\bar x_j)^2}`, as in the reference method
    and in ``sklearn.preprocessing.StandardScaler``. A constant column is refused (StandardScaler
    would silently give it the scale 1).

    Parameters
    ----------
    names : sequence of str, optional
        Column names, used in error messages.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Column means.
    scale_ : ndarray of shape (n_features,)
        Column standard deviations (ddof=0).

    Examples
    --------
    >>> s = Standardizer().fit(np.array([[1.0], [3.0]]))
    >>> s.mean_, s.scale_
    (array([2.]), array([1.]))
    >>> s.transform(np.array([[5.0]]))
    array([[3.]])
    """

    ddof = 0

    def __init__(self, names: Sequence[str] | None = None):
        self.names = None if names is None else tuple(names)

    def fit(self, X) -> "Standardizer":
        """Compute ``mean_`` and ``scale_`` of the columns of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,)
            Values; a 1-D array is one column.

        Returns
        -------
        Standardizer
            ``self``, fitted.

        Raises
        ------
        DataError
            ``"column 'CN' is constant (every value is 4.0); it cannot be standardized"``, or
            ``"column 'CN', row 3: NaN; expected a finite number"`` (as
            :func:`as_float_matrix`).
        """
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            X = X[:, None]
        names = self.names or tuple(f"x{i}" for i in range(X.shape[1]))
        X = as_float_matrix(X, names)
        mean = X.mean(axis=0)
        scale = X.std(axis=0, ddof=self.ddof)
        # A column whose spread is at round-off level of its magnitude is constant.
        tiny = scale <= 1e-12 * np.maximum(np.abs(mean), 1e-300)
        if tiny.any():
            j = int(np.flatnonzero(tiny)[0])
            value = float(X[0, j])
            raise DataError(f"column '{names[j]}' is constant (every value is {value!r}); it "
                            "cannot be standardized", column=names[j], value=value)
        self.mean_ = mean
        self.scale_ = scale
        return self

    def _checked(self, X) -> np.ndarray:
        """``X`` as floats, after checking the fit and the number of columns."""
        if not hasattr(self, "mean_"):
            raise NotFittedError("This Standardizer is not fitted yet; call fit first.")
        X = np.asarray(X, dtype=float)
        n = len(self.mean_)
        # 1-D: one column (as in fit) or one row.
        if not ((X.ndim == 2 and X.shape[1] == n) or (X.ndim == 1 and (n == 1 or len(X) == n))):
            names = self.names or tuple(f"x{i}" for i in range(n))
            raise DataError(f"the Standardizer was fitted on {n} column(s) ({', '.join(names)}); "
                            f"got an array of shape {X.shape}")
        return X

    def transform(self, X) -> np.ndarray:
        """Return ``(X - mean_) / scale_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Values in the units of the fitted columns.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
            Standardized values (a new array).

        Raises
        ------
        NotFittedError
            If :meth:`fit` has not been called.
        DataError
            If ``X`` does not have the fitted number of columns.
        """
        return (self._checked(X) - self.mean_) / self.scale_

    def fit_transform(self, X) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,)
            Values; a 1-D array is one column.

        Returns
        -------
        ndarray
            ``(X - mean_) / scale_``, of the shape of ``X``.
        """
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        """Return ``Z * scale_ + mean_``.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_features)
            Standardized values.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
            Values in the units of the fitted columns (a new array).

        Raises
        ------
        NotFittedError
            If :meth:`fit` has not been called.
        DataError
            If ``Z`` does not have the fitted number of columns.
        """
        return self._checked(Z) * self.scale_ + self.mean_
