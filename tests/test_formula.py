"""Formula: physical-units expression, evaluation and JSON round trip."""

import json

import numpy as np
import pytest
import sympy

from formulae.errors import DataError
from formulae.formula import Formula


def _planted():
    x1, x3 = sympy.symbols("x1 x3")
    return Formula("y", (x1, x1 * x3), (sympy.Rational(1, 2), -0.75), 0.1,
                   {"x1": 1.0, "x3": 2.0}, {"x1": 2.0, "x3": 0.5}, cv_score=0.9, score=0.91,
                   target_mean=3.0, target_scale=2.0)


def test_physical_expression_equals_standardized_one_on_random_points(rng):
    formula = _planted()
    columns = {"x1": rng.normal(size=50), "x3": rng.normal(size=50)}
    physical = sympy.lambdify(sympy.symbols("x1 x3"), formula.expr_physical)(
        columns["x1"], columns["x3"])
    z1, z3 = (columns["x1"] - 1.0) / 2.0, (columns["x3"] - 2.0) / 0.5
    by_hand = 3.0 + 2.0 * (0.1 + 0.5 * z1 - 0.75 * z1 * z3)
    np.testing.assert_allclose(physical, by_hand, rtol=1e-12)
    np.testing.assert_allclose(formula.evaluate(columns), by_hand, rtol=1e-12)


def test_json_round_trip_keeps_rationals():
    formula = _planted()
    back = Formula.from_dict(json.loads(json.dumps(formula.to_dict())))
    assert back.coefficients[0] == sympy.Rational(1, 2)
    assert back.expr_standardized == formula.expr_standardized
    assert back.to_dict() == formula.to_dict()


def test_rounding_never_drops_a_term():
    x1, x3 = sympy.symbols("x1 x3")
    f = Formula("y", (x1, x3), (0.5, 0.0012), 1e-13, {"x1": 0.0, "x3": 0.0},
                {"x1": 1.0, "x3": 1.0}, cv_score=0.9, score=0.9)
    assert f.to_markdown() == "0.5*x1 + 0.0012*x3"             # intercept 1e-13 rounds away
    assert f.to_latex() == r"0.5 \mathrm{x1} + 0.0012 \mathrm{x3}"


def test_evaluate_accepts_a_data_frame(rng):
    pd = pytest.importorskip("pandas")
    formula = _planted()
    frame = pd.DataFrame({"x1": rng.normal(size=5), "x3": rng.normal(size=5)})
    np.testing.assert_allclose(formula.evaluate(frame),
                               formula.evaluate({c: frame[c].to_numpy() for c in frame}))


def test_evaluate_lambdifies_once_for_all_terms_and_calls(rng, monkeypatch):
    from formulae import formula as formula_module

    calls = []
    real = sympy.lambdify
    monkeypatch.setattr(sympy, "lambdify", lambda *a, **k: calls.append(a) or real(*a, **k))
    formula_module._terms_function.cache_clear()
    formula = _planted()
    columns = {"x1": rng.normal(size=7), "x3": rng.normal(size=7)}
    first = formula.evaluate(columns)
    np.testing.assert_array_equal(Formula.from_dict(formula.to_dict()).evaluate(columns), first)
    assert len(calls) == 1


def test_evaluate_length_comes_from_the_formulas_own_columns(rng):
    formula = _planted()
    columns = {"other": np.ones(3), "x1": rng.normal(size=6), "x3": rng.normal(size=6)}
    assert formula.evaluate(columns).shape == (6,)


def test_evaluate_missing_column_is_named(rng):
    formula = _planted()
    with pytest.raises(DataError, match=r"no column 'x3' for the formula of 'y'; available "
                                        r"columns: x1, x2") as info:
        formula.evaluate({"x1": rng.normal(size=4), "x2": rng.normal(size=4)})
    assert info.value.column == "x3"


def test_evaluate_columns_of_different_lengths(rng):
    formula = _planted()
    with pytest.raises(DataError, match=r"the columns used by the formula of 'y' differ in "
                                        r"length: 'x1' has 4 rows, 'x3' has 5 rows"):
        formula.evaluate({"x1": rng.normal(size=4), "x3": rng.normal(size=5)})


def test_json_round_trip_is_exact_for_every_float():
    x1 = sympy.Symbol("x1")
    formula = Formula("y", (x1,), (-0.1486725975454572,), 0.01202655411799334, {"x1": 0.0},
                      {"x1": 1.0}, cv_score=0.9, score=0.9)
    back = Formula.from_dict(json.loads(json.dumps(formula.to_dict())))
    assert back.intercept == 0.01202655411799334
    assert back.coefficients == formula.coefficients
