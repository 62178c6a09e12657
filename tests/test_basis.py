"""The sympy basis (formulae.basis)."""

import pickle

import numpy as np
import pytest
import sympy

from formulae.basis import Basis
from formulae.errors import InvalidParameterError


@pytest.mark.parametrize("n", [1, 2, 8, 10])
def test_quadratic_term_count(n):
    # n linear terms + n(n+1)/2 products (squares included): 44 for 8, 65 for 10.
    basis = Basis([f"x{i}" for i in range(n)])
    assert basis.n_terms == n + n * (n + 1) // 2
    assert Basis([f"x{i}" for i in range(n)], "no_squares").n_terms == n + n * (n - 1) // 2
    assert Basis([f"x{i}" for i in range(n)], "linear").n_terms == n


def test_terms_are_sympy_products_evaluated_like_numpy(rng):
    basis = Basis(["EdgeE", "MaxE", "MinE"])
    assert basis.term_names == ("EdgeE", "MaxE", "MinE", "EdgeE**2", "EdgeE*MaxE",
                                "EdgeE*MinE", "MaxE**2", "MaxE*MinE", "MinE**2")
    assert basis.terms[4] == sympy.Symbol("EdgeE") * sympy.Symbol("MaxE")
    Z = rng.normal(size=(20, 3))
    a, b, c = Z.T
    by_hand = np.column_stack([a, b, c, a * a, a * b, a * c, b * b, b * c, c * c])
    np.testing.assert_allclose(basis.evaluate(Z), by_hand, rtol=1e-15)


def test_explicit_terms_and_errors(rng):
    basis = Basis(["a", "b"], ["a*b", "b**2", "a"])
    Z = rng.normal(size=(5, 2))
    np.testing.assert_allclose(basis.evaluate(Z), np.column_stack([Z[:, 0] * Z[:, 1],
                                                                   Z[:, 1] ** 2, Z[:, 0]]))
    with pytest.raises(InvalidParameterError, match="uses 'c'; the features are: a, b"):
        Basis(["a", "b"], ["a*c"])
    with pytest.raises(InvalidParameterError, match="'a\\*b' is listed twice"):
        Basis(["a", "b"], ["a*b", "b*a"])
    with pytest.raises(InvalidParameterError, match="must be one of 'quadratic'"):
        Basis(["a"], "cubic")


def test_latex_names_and_pickle(rng):
    basis = Basis(["R2", "MaxE"], latex_names={"R2": "R^2"})
    assert basis.latex_names == {"R2": "R^2", "MaxE": r"\mathrm{MaxE}"}
    Z = rng.normal(size=(4, 2))
    values = basis.evaluate(Z)
    clone = pickle.loads(pickle.dumps(basis))
    np.testing.assert_array_equal(clone.evaluate(Z), values)
