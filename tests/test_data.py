"""Standardizer and checked float matrices (formulae.data)."""

import re

import numpy as np
import pandas as pd
import pytest

from formulae.data import Standardizer, as_float_matrix, check_unique_names, feature_names_of
from formulae.errors import DataError, NotFittedError


def test_standardizer_uses_population_deviation(rng):
    X = rng.normal(3.0, 2.0, size=(40, 3))
    s = Standardizer().fit(X)
    n = X.shape[0]
    by_hand = np.sqrt(((X - X.sum(0) / n) ** 2).sum(0) / n)      # ddof = 0
    np.testing.assert_allclose(s.mean_, X.sum(0) / n, rtol=1e-14)
    np.testing.assert_allclose(s.scale_, by_hand, rtol=1e-14)
    Z = s.transform(X)
    np.testing.assert_allclose(Z.mean(0), 0.0, atol=1e-14)
    np.testing.assert_allclose((Z ** 2).mean(0), 1.0, rtol=1e-13)
    np.testing.assert_allclose(s.inverse_transform(Z), X, rtol=1e-14)


def test_constant_column_is_named():
    X = np.column_stack([np.arange(5.0), np.full(5, 4.0)])
    with pytest.raises(DataError, match=r"column 'CN' is constant \(every value is 4.0\)"):
        Standardizer(["avgDist", "CN"]).fit(X)


def test_transform_before_fit():
    with pytest.raises(NotFittedError, match="not fitted"):
        Standardizer().transform(np.ones((2, 2)))


def test_nan_and_inf_cells_are_named():
    X = np.ones((4, 3))
    X[2, 1] = np.nan
    with pytest.raises(DataError, match=r"column 'MaxE', row 2: NaN; expected a finite number"):
        as_float_matrix(X, ["EdgeE", "MaxE", "MinE"])
    X[2, 1] = 1.0
    X[3, 2] = -np.inf
    with pytest.raises(DataError, match=r"t.csv, column 'MinE', row 3: -inf") as info:
        as_float_matrix(X, ["EdgeE", "MaxE", "MinE"], where="t.csv")
    assert (info.value.column, info.value.row, info.value.path) == ("MinE", 3, "t.csv")


def test_non_numeric_column_is_named():
    frame = pd.DataFrame({"a": [1.0, 2.0], "family": ["olivine", "spinel"]})
    with pytest.raises(DataError, match=r"column 'family' is not numeric \(e.g. 'olivine'\)"):
        as_float_matrix(frame, feature_names_of(frame))


def test_duplicate_names_refused():
    with pytest.raises(DataError, match=r"duplicate column name 'MaxE' \(columns 0 and 2"):
        check_unique_names(["MaxE", "MinE", "MaxE"])
    frame = pd.DataFrame(np.ones((2, 2)), columns=["a", "a"])
    with pytest.raises(DataError, match="duplicate column name 'a'"):
        feature_names_of(frame)


def test_names_from_frame_given_or_default():
    frame = pd.DataFrame(np.ones((2, 2)), columns=["EdgeE", "MaxE"])
    assert feature_names_of(frame) == ("EdgeE", "MaxE")
    assert feature_names_of(frame, ["p", "q"]) == ("p", "q")
    assert feature_names_of(np.ones((2, 3))) == ("x0", "x1", "x2")
    with pytest.raises(DataError, match="2 feature names were given for 3 columns"):
        feature_names_of(np.ones((2, 3)), ["a", "b"])


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4)])
def test_as_float_matrix_refuses_arrays_that_are_not_tables(shape):
    with pytest.raises(DataError, match=r"t.csv, expected a table of shape \(n_samples, "
                                        r"n_features\); got shape " + re.escape(str(shape))):
        as_float_matrix(np.ones(shape), ["a", "b", "c"], where="t.csv")


def test_standardizer_fit_refuses_non_finite_cells():
    X = np.column_stack([np.arange(5.0), np.arange(5.0) ** 2])
    X[3, 1] = np.nan
    with pytest.raises(DataError, match=r"column 'CN', row 3: NaN; expected a finite number"):
        Standardizer(["avgDist", "CN"]).fit(X)
    with pytest.raises(DataError, match=r"column 'x0', row 0: inf"):
        Standardizer().fit(np.array([np.inf, 1.0, 2.0]))


def test_standardizer_checks_the_number_of_columns(rng):
    s = Standardizer(["a", "b"]).fit(rng.normal(size=(6, 2)))
    message = r"the Standardizer was fitted on 2 column\(s\) \(a, b\); got an array of shape "
    with pytest.raises(DataError, match=message + r"\(6, 3\)"):
        s.transform(rng.normal(size=(6, 3)))
    with pytest.raises(DataError, match=message + r"\(6, 1\)"):
        s.inverse_transform(rng.normal(size=(6, 1)))
    with pytest.raises(DataError, match=message + r"\(5,\)"):
        s.transform(rng.normal(size=5))
    # A 1-D array is one row here (and one column for a one-column fit).
    np.testing.assert_allclose(s.transform(s.mean_), [0.0, 0.0])
    one = Standardizer().fit(np.array([1.0, 3.0]))
    np.testing.assert_allclose(one.transform(np.array([1.0, 3.0, 5.0])), [-1.0, 1.0, 3.0])
