"""External validation (formulae.validation): a synthetic pair of tables, one descriptor shifted.

Expected values come from closed forms: the training relations are exact (no noise), the other
table holds the same rows with descriptor ``a`` offset by ``delta``, so a formula using ``a`` has
residual ``-2*delta`` on every row, R² = 1 - 4 delta² / var(y), squared correlation 1, and the
shift of ``a`` is delta / std(a).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy

from formulae.errors import DataError, InvalidParameterError
from formulae.formula import Formula
from formulae.io import Table
from formulae.validation import descriptor_shifts, format_validation, validate_formulas


def _exact_formula(target, weights, columns):
    """Formula for target = sum(w * column) in standardized units (exact, no fit)."""
    y = sum(w * columns[name] for name, w in weights.items())
    means = {name: float(columns[name].mean()) for name in weights}
    scales = {name: float(columns[name].std()) for name in weights}
    y_mean, y_scale = float(y.mean()), float(y.std())
    return Formula(target=target, terms=tuple(sympy.Symbol(n) for n in weights),
                   coefficients=tuple(w * scales[n] / y_scale for n, w in weights.items()),
                   intercept=0.0, feature_means=means, feature_scales=scales,
                   target_mean=y_mean, target_scale=y_scale, cv_score=1.0, score=1.0)


@pytest.fixture
def pair(rng):
    n = 200
    a, b, c = rng.normal(5.0, 2.0, n), rng.normal(-1.0, 0.5, n), rng.normal(0.0, 3.0, n)
    columns = {"a": a, "b": b, "c": c}
    y1, y2 = 2.0 * a + b, b - c
    train = Table.from_columns({**columns, "y1": y1, "y2": y2}, path="train.csv")
    delta = 1.5
    other = Table.from_columns({"a": a + delta, "b": b, "c": c, "y1": y1, "y2": y2},
                               path="other.csv")
    formulas = [_exact_formula("y1", {"a": 2.0, "b": 1.0}, columns),
                _exact_formula("y2", {"b": 1.0, "c": -1.0}, columns)]
    return train, other, formulas, delta


def test_shifted_descriptor_flags_the_formula_that_uses_it(pair):
    train, other, formulas, delta = pair
    first, second = validate_formulas(formulas, train, other, max_drop=0.1)
    a, y1 = train.column("a"), train.column("y1")
    expected_r2 = 1.0 - 4.0 * delta ** 2 / y1.var()
    assert first["r2"] == pytest.approx(expected_r2, abs=1e-10)
    assert first["r2_corr"] == pytest.approx(1.0, abs=1e-12)
    assert first["r2_train"] == pytest.approx(1.0, abs=1e-12)
    assert first["drop"] == pytest.approx(1.0 - expected_r2, abs=1e-10)
    assert first["drop"] > 0.1 and first["flagged"] is True
    assert first["shifts"]["a"] == pytest.approx(delta / a.std(), rel=1e-12)
    assert first["shifts"]["b"] == pytest.approx(0.0, abs=1e-12)
    assert first["largest_shift"] == "a"
    assert "R² drops by" in first["note"] and "a (+" in first["note"]
    # The formula that does not use 'a' survives untouched.
    assert second["r2"] == pytest.approx(1.0, abs=1e-12)
    assert second["flagged"] is False and second["note"] == "ok"
    assert set(second["shifts"]) == {"b", "c"}


def test_scores_agree_with_sklearn_and_scipy(pair):
    from scipy.stats import pearsonr
    from sklearn.metrics import r2_score

    train, other, formulas, _ = pair
    # Add noise to the other table's target so that neither score is trivially 1.
    noisy = other.column("y1") + np.random.default_rng(5).normal(0.0, 2.0, other.n_rows)
    other = Table.from_columns({**other.data, "y1": noisy}, path="other.csv")
    (entry,) = validate_formulas(formulas[:1], train, other)
    prediction = 2.0 * other.column("a") + other.column("b")
    assert entry["r2"] == pytest.approx(r2_score(noisy, prediction), rel=1e-10)
    assert entry["r2_corr"] == pytest.approx(pearsonr(noisy, prediction)[0] ** 2, rel=1e-10)


def test_max_drop_is_the_stated_threshold(pair):
    train, other, formulas, delta = pair
    drop = 4.0 * delta ** 2 / train.column("y1").var()
    assert not validate_formulas(formulas[:1], train, other, max_drop=drop + 1e-6)[0]["flagged"]
    assert validate_formulas(formulas[:1], train, other, max_drop=drop - 1e-6)[0]["flagged"]


def test_output_is_json_ready_and_printable(pair):
    train, other, formulas, _ = pair
    results = validate_formulas(formulas, train, other)
    assert json.loads(json.dumps(results)) == results
    text = format_validation(results)
    lines = text.splitlines()
    assert len(lines) == 4  # header, rule, two formulas
    assert "DROPS" in lines[2] and "DROPS" not in lines[3]


def test_descriptor_shifts_of_all_common_columns(pair):
    train, other, _, delta = pair
    shifts = descriptor_shifts(train, other)
    assert list(shifts) == ["a", "b", "c", "y1", "y2"]
    assert shifts["a"] == pytest.approx(delta / train.column("a").std(), rel=1e-12)


def test_class_formula_is_not_scored(pair):
    train, other, formulas, _ = pair
    f = formulas[0]
    classifier = Formula(target=f.target, terms=f.terms, coefficients=f.coefficients,
                         intercept=0.0, feature_means=f.feature_means,
                         feature_scales=f.feature_scales, cv_score=0.9, score=0.9,
                         score_kind="accuracy")
    (entry,) = validate_formulas([classifier], train, other)
    assert entry["r2"] is None and entry["flagged"] is False
    assert entry["note"].startswith("class target (accuracy)")


def test_missing_column_in_other_table_is_named(pair):
    train, other, formulas, _ = pair
    short = Table.from_columns({k: v for k, v in other.data.items() if k != "b"},
                               path="other.csv")
    with pytest.raises(DataError, match="other.csv has no column 'b'"):
        validate_formulas(formulas, train, short)


def test_nan_cell_in_other_table_is_named(pair):
    train, other, formulas, _ = pair
    a = other.column("a").copy()
    a[7] = np.nan
    bad = Table.from_columns({**other.data, "a": a}, path="other.csv")
    with pytest.raises(DataError, match=r"other.csv, column 'a', row 7: nan"):
        validate_formulas(formulas, train, bad)


def test_bad_max_drop(pair):
    train, other, formulas, _ = pair
    with pytest.raises(InvalidParameterError, match="'max_drop' parameter of validate_formulas"):
        validate_formulas(formulas, train, other, max_drop=-0.5)


def test_descriptor_shifts_computed_once_for_all_formulas(pair, monkeypatch):
    import formulae.validation as validation

    train, other, formulas, _ = pair
    calls = []
    original = validation.descriptor_shifts
    monkeypatch.setattr(validation, "descriptor_shifts",
                        lambda *args: calls.append(args[2]) or original(*args))
    first, second = validate_formulas(formulas, train, other)
    assert len(calls) == 1 and set(calls[0]) == {"a", "b", "c"}
    alone = {n: original(train, other, [n])[n] for n in first["shifts"]}
    assert first["shifts"] == pytest.approx(alone, abs=1e-12)
    assert set(second["shifts"]) == {"b", "c"}
