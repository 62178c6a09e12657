"""Small ``check_*`` helpers that raise :mod:`formulae.errors` classes with precise messages.

Messages follow scikit-learn's wording: "The 'l1_ratio' parameter of FormulaRegressor must be
a float in [0, 1]. Got 1.5 instead." Data errors also say where: file, column, row.

=======================  ================================================================
function                 checks
=======================  ================================================================
check_number             a real scalar, optionally within [low, high] (or open bounds)
check_int                an integer, optionally within [low, high]
check_choice             one of a fixed set of strings
check_array_1d           a finite 1-D float array of at least ``min_size`` points
check_increasing         strictly increasing values; the first bad index is named
check_finite_table       a finite 2-D table; the first bad cell's column and row are named
require                  import an optional dependency or raise MissingDependencyError
=======================  ================================================================
"""

from __future__ import annotations

import importlib
import math
import numbers

import numpy as np

from .errors import DataError, InvalidParameterError, MissingDependencyError

__all__ = [
    "check_number",
    "check_int",
    "check_choice",
    "check_array_1d",
    "check_increasing",
    "check_finite_table",
    "require",
]


def _owner_prefix(name: str, owner: str | None) -> str:
    return f"The '{name}' parameter of {owner}" if owner else f"The '{name}' parameter"


def _bounds_text(low, high, low_open: bool, high_open: bool) -> str:
    if low is None and high is None:
        return ""
    left = "-inf" if low is None else repr(low)
    right = "inf" if high is None else repr(high)
    opening = "(" if low_open or low is None else "["
    closing = ")" if high_open or high is None else "]"
    return f" in {opening}{left}, {right}{closing}"


def check_number(value, name: str, *, owner: str | None = None, low=None, high=None,
                 low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a float after checking it is a finite real within bounds.

    Parameters
    ----------
    value : object
        Value to check.
    name : str
        Parameter name used in the message.
    owner : str, optional
        Class or function that owns the parameter.
    low, high : float, optional
        Bounds; ``None`` means unbounded.
    low_open, high_open : bool, default=False
        Whether the bound itself is excluded.

    Returns
    -------
    float

    Raises
    ------
    InvalidParameterError
        If ``value`` is not a finite real number within the bounds.
    """
    bounds = _bounds_text(low, high, low_open, high_open)
    message = f"{_owner_prefix(name, owner)} must be a float{bounds}. Got {value!r} instead."
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(message, parameter=name, value=value)
    try:
        # float() first: np.isfinite refuses Fraction and sympy.Rational, and 10**400 overflows.
        number = float(value)
    except (OverflowError, TypeError, ValueError):
        raise InvalidParameterError(message, parameter=name, value=value) from None
    if not math.isfinite(number):
        raise InvalidParameterError(message, parameter=name, value=value)
    value = number
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        raise InvalidParameterError(message, parameter=name, value=value)
    return value


def check_int(value, name: str, *, owner: str | None = None, low=None, high=None) -> int:
    """Return ``value`` as an int after checking it is an integer within [low, high].

    Parameters
    ----------
    value : object
        Value to check; any ``numbers.Integral`` except bool is accepted.
    name : str
        Parameter name used in the message.
    owner : str, optional
        Class or function that owns the parameter.
    low, high : int, optional
        Inclusive bounds; ``None`` means unbounded.

    Returns
    -------
    int

    Raises
    ------
    InvalidParameterError
        If ``value`` is not an integer (bools are refused) or is out of bounds.
    """
    bounds = _bounds_text(low, high, False, False)
    message = f"{_owner_prefix(name, owner)} must be an int{bounds}. Got {value!r} instead."
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(message, parameter=name, value=value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidParameterError(message, parameter=name, value=value)
    return int(value)


def check_choice(value, name: str, choices, *, owner: str | None = None) -> str:
    """Return ``value`` after checking it is exactly one of ``choices`` (no prefix matching).

    Parameters
    ----------
    value : object
        Value to check (compared with ``in``, so exactly and case-sensitively for strings).
    name : str
        Parameter name used in the message.
    choices : iterable of str
        Allowed values.
    owner : str, optional
        Class or function that owns the parameter.

    Returns
    -------
    str
        ``value`` itself.

    Raises
    ------
    InvalidParameterError
        If ``value`` is not in ``choices``; the allowed values are listed.
    """
    choices = tuple(choices)
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise InvalidParameterError(
            f"{_owner_prefix(name, owner)} must be one of {allowed}. Got {value!r} instead.",
            parameter=name, value=value)
    return value


def check_array_1d(values, name: str, *, min_size: int = 1, where: str | None = None):
    """Return ``values`` as a new finite 1-D float64 array.

    Parameters
    ----------
    values : array-like
        Values to check; never modified.
    name : str
        What the values are ("energy", "chi"), used in the message.
    min_size : int, default=1
        Smallest accepted number of points.
    where : str, optional
        Origin (file name) prefixed to the message.

    Returns
    -------
    ndarray of shape (n_points,)
        A float64 copy of ``values``.

    Raises
    ------
    DataError
        If the values are not numeric, not 1-D, too few, or not finite (index named).
    """
    prefix = f"{where}: " if where else ""
    try:
        array = np.array(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{prefix}{name} must be numeric; {exc}", path=where, column=name) from None
    if array.ndim != 1:
        raise DataError(f"{prefix}{name} must be one-dimensional; got shape {array.shape}.",
                        path=where, column=name)
    if array.size < min_size:
        raise DataError(f"{prefix}{name} has {array.size} points; at least {min_size} are needed.",
                        path=where, column=name)
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        i = int(bad[0])
        raise DataError(f"{prefix}{name}[{i}] is {array[i]}; expected a finite number.",
                        path=where, column=name, row=i, value=array[i])
    return array


def check_increasing(values, name: str, *, where: str | None = None) -> None:
    """Raise unless ``values`` is strictly increasing; the first offending index is named.

    Parameters
    ----------
    values : ndarray of shape (n_points,)
        Values to check (e.g. energies in eV); not modified.
    name : str
        What the values are ("energy", "k"), used in the message.
    where : str, optional
        Origin (file name) prefixed to the message.

    Raises
    ------
    DataError
        If some ``values[i+1] <= values[i]``.
    """
    steps = np.diff(values)
    bad = np.flatnonzero(steps <= 0)
    if bad.size:
        i = int(bad[0]) + 1
        prefix = f"{where}: " if where else ""
        raise DataError(
            f"{prefix}{name} must be strictly increasing; {name}[{i}] = {float(values[i])!r} "
            f"follows {name}[{i - 1}] = {float(values[i - 1])!r}.", path=where, column=name, row=i, value=values[i])


def check_finite_table(table, columns, *, where: str | None = None) -> None:
    """Raise unless every cell of a 2-D float array is finite; names the first bad cell.

    Parameters
    ----------
    table : ndarray of shape (n_rows, n_columns)
    columns : sequence of str
        Column names, in order.
    where : str, optional
        File name used as prefix.

    Raises
    ------
    DataError
        ``"descriptors.csv, column 'MaxE', row 17: nan; expected a finite number"``.
    """
    bad_rows, bad_cols = np.nonzero(~np.isfinite(table))
    if bad_rows.size:
        order = np.lexsort((bad_rows, bad_cols))[0]
        row, col = int(bad_rows[order]), int(bad_cols[order])
        prefix = f"{where}, " if where else ""
        raise DataError(
            f"{prefix}column '{columns[col]}', row {row}: {table[row, col]}; "
            "expected a finite number", path=where, column=columns[col], row=row,
            value=table[row, col])


def require(module: str, feature: str, extra: str):
    """Import an optional dependency, or explain how to install it.

    Parameters
    ----------
    module : str
        Module to import, e.g. ``"matplotlib.pyplot"``.
    feature : str
        What needs it, e.g. ``"plot_parity"``.
    extra : str
        The formulae extra that installs it, e.g. ``"plot"``.

    Returns
    -------
    module

    Raises
    ------
    MissingDependencyError
        ``"plot_parity needs matplotlib: pip install 'formulae[plot]'"``.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        raise MissingDependencyError(
            f"{feature} needs {top}: pip install 'formulae[{extra}]'") from None
