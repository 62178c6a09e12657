"""The check_* helpers: each error path with its message."""

import numpy as np
import pytest

from formulae._validation import (check_array_1d, check_choice, check_finite_table,
                                  check_increasing, check_int, check_number, require)
from formulae.errors import DataError, InvalidParameterError, MissingDependencyError


def test_check_number_message_names_owner_bounds_and_value():
    with pytest.raises(InvalidParameterError,
                       match=r"The 'l1_ratio' parameter of FormulaRegressor must be a float "
                             r"in \[0, 1\]. Got 1.5 instead."):
        check_number(1.5, "l1_ratio", owner="FormulaRegressor", low=0, high=1)
    assert check_number(0.25, "l1_ratio", low=0, high=1) == 0.25
    with pytest.raises(InvalidParameterError, match=r"in \(0, inf\)"):
        check_number(0.0, "dk", low=0, low_open=True)
    with pytest.raises(InvalidParameterError, match="Got True"):
        check_number(True, "x")


def test_check_number_accepts_exact_rationals_and_refuses_overflow():
    from fractions import Fraction

    import sympy

    assert check_number(Fraction(1, 2), "l1_ratio", low=0, high=1) == 0.5
    value = check_number(sympy.Rational(1, 3), "l1_ratio", low=0, high=1)
    assert type(value) is float and value == 1 / 3
    with pytest.raises(InvalidParameterError, match=r"The 'C' parameter must be a float in "
                                                    r"\(0, inf\). Got 1000+ instead."):
        check_number(10 ** 400, "C", low=0, low_open=True)
    with pytest.raises(InvalidParameterError, match=r"Got -inf instead"):
        check_number(float("-inf"), "C")
    with pytest.raises(InvalidParameterError, match=r"Got nan instead"):
        check_number(float("nan"), "C")


def test_check_int_refuses_floats_and_bools():
    assert check_int(3, "max_terms", low=1) == 3
    for bad in (2.0, True, 0):
        with pytest.raises(InvalidParameterError, match="'max_terms'"):
            check_int(bad, "max_terms", low=1)


def test_check_choice_has_no_prefix_matching():
    assert check_choice("hanning", "window", ("hanning", "kaiser")) == "hanning"
    with pytest.raises(InvalidParameterError, match="'hanning', 'kaiser'. Got 'han'"):
        check_choice("han", "window", ("hanning", "kaiser"))


def test_check_array_1d_names_first_non_finite_index_and_copies():
    values = [1.0, 2.0, np.nan, np.inf]
    with pytest.raises(DataError, match=r"spec.chi: chi\[2\] is nan") as excinfo:
        check_array_1d(values, "chi", where="spec.chi")
    assert excinfo.value.row == 2
    original = np.arange(3.0)
    copy = check_array_1d(original, "k")
    copy[0] = 99.0
    assert original[0] == 0.0
    with pytest.raises(DataError, match="at least 5"):
        check_array_1d([1.0, 2.0], "energy", min_size=5)


def test_check_increasing_names_index():
    with pytest.raises(DataError, match=r"energy\[3\] = 2.0 follows energy\[2\] = 3.0"):
        check_increasing(np.array([0.0, 1.0, 3.0, 2.0]), "energy")
    check_increasing(np.array([0.0, 1.0]), "energy")


def test_check_finite_table_names_column_and_row():
    table = np.ones((5, 3))
    table[4, 0] = np.inf
    table[2, 1] = np.nan
    with pytest.raises(DataError, match=r"d.csv, column 'a', row 4: inf"):
        check_finite_table(table, ["a", "MaxE", "c"], where="d.csv")


def test_require_explains_the_extra():
    with pytest.raises(MissingDependencyError,
                       match=r"plot_parity needs no_such_module_xyz: pip install 'formulae\[plot\]'"):
        require("no_such_module_xyz", "plot_parity", "plot")
