"""Figures: the drawn data are the formulas' predictions and the Natoli fit."""

import sys

import numpy as np
import pytest
import sympy

from formulae.errors import DataError, InvalidParameterError, MissingDependencyError
from formulae.formula import Formula
from formulae.natoli import natoli_fit

pytest.importorskip("matplotlib")

from formulae.plots import (plot_natoli, plot_natoli_families, plot_pareto,  # noqa: E402
                            plot_parity)


def planted_formula(target="y", n_terms=1, cv_score=0.9):
    a, b = sympy.symbols("a b")
    terms = (a, b)[:n_terms]
    return Formula(target=target, terms=terms, coefficients=(0.8, -0.3)[:n_terms], intercept=0.1,
                   feature_means={"a": 1.0, "b": 2.0}, feature_scales={"a": 2.0, "b": 0.5},
                   cv_score=cv_score, score=cv_score + 0.01, target_mean=5.0, target_scale=3.0)


def test_parity_plots_the_formula_predictions(rng, tmp_path):
    columns = {"a": rng.normal(1.0, 2.0, 50), "b": rng.normal(2.0, 0.5, 50)}
    # Closed form of the planted formula in physical units.
    expected = 5.0 + 3.0 * (0.1 + 0.8 * (columns["a"] - 1.0) / 2.0 - 0.3 * (columns["b"] - 2.0) / 0.5)
    columns["y"] = expected + rng.normal(0.0, 0.1, 50)
    formula = planted_formula(n_terms=2)
    fig = plot_parity([formula, formula], columns, path=tmp_path / "parity.png")
    offsets = fig.axes[0].collections[0].get_offsets()
    np.testing.assert_allclose(offsets[:, 0], columns["y"])
    np.testing.assert_allclose(offsets[:, 1], expected, rtol=1e-12)
    assert len(fig.axes) == 2
    assert "CV R² 0.900" in fig.axes[0].get_title()
    assert (tmp_path / "parity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pareto_plots_score_against_size(tmp_path):
    formulas = [planted_formula(n_terms=2, cv_score=0.95), planted_formula(n_terms=1, cv_score=0.8)]
    fig = plot_pareto({"y": formulas, "z": formulas[:1]}, path=tmp_path / "pareto.png")
    line = fig.axes[0].lines[0]
    np.testing.assert_array_equal(line.get_xdata(), [1, 2])
    np.testing.assert_array_equal(line.get_ydata(), [0.8, 0.95])
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["y", "z"]
    assert plot_pareto(formulas).axes[0].lines[0].get_label() == "y"


def test_natoli_plot_draws_the_rule_line(rng, tmp_path):
    r = rng.uniform(1.85, 2.30, 30)
    edge = np.full(30, 7112.0)
    energy = edge + 90.0 / r ** 2 * (1.0 + 0.01 * rng.standard_normal(30))
    fit = natoli_fit(energy, edge, r)
    fig = plot_natoli(fit, energy, edge, r, label="FeO6", path=tmp_path / "natoli.png")
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 0], r ** -2.0)
    rule = ax.lines[0]
    np.testing.assert_allclose(rule.get_ydata() / rule.get_xdata(), fit.C)
    assert "(holds)" in ax.collections[0].get_label()
    free = ax.lines[1]
    np.testing.assert_allclose(free.get_ydata(), fit.prefactor * free.get_xdata() ** (fit.n / 2.0))
    # A second family drawn into the same axes.
    plot_natoli(fit, energy + 1.0, edge, r, label="other", ax=ax)
    assert len(ax.collections) == 2


def test_errors(monkeypatch, rng):
    with pytest.raises(InvalidParameterError, match="plot_parity needs at least one formula"):
        plot_parity([], {})
    with pytest.raises(DataError, match="no column 'b' .*columns are: a, y"):
        plot_parity([planted_formula(n_terms=2)], {"a": np.zeros(3), "y": np.zeros(3)})
    with pytest.raises(InvalidParameterError, match="plot_pareto needs at least one formula"):
        plot_pareto({"y": []})
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingDependencyError,
                       match=r"plot_pareto needs matplotlib: pip install 'formulae\[plot\]'"):
        plot_pareto([planted_formula()])


def test_natoli_plot_checks_the_three_lengths_first(rng):
    r = rng.uniform(1.85, 2.30, 30)
    edge = np.full(30, 7112.0)
    energy = edge + 90.0 / r ** 2
    fit = natoli_fit(energy, edge, r)
    with pytest.raises(DataError, match="same length; got 30, 29 and 30"):
        plot_natoli(fit, energy, edge[:-1], r)
    with pytest.raises(DataError, match="same length; got 29, 30 and 30"):
        plot_natoli(fit, energy[:-1], edge, r)


def test_natoli_families_share_one_axes(rng, tmp_path):
    r = rng.uniform(1.85, 2.30, 30)
    edge = np.full(30, 7112.0)
    families = {}
    for label, c in (("FeO6", 90.0), ("FeO4", 60.0)):
        energy = edge + c / r ** 2 * (1.0 + 0.01 * rng.standard_normal(30))
        families[label] = (natoli_fit(energy, edge, r), energy, edge, r)
    fig = plot_natoli_families(families, path=tmp_path / "families.png")
    (ax,) = fig.axes
    assert [c.get_label().split(":")[0] for c in ax.collections] == ["FeO6", "FeO4"]
    assert tuple(fig.get_size_inches()) == (6.0, 4.2)
    assert (tmp_path / "families.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(InvalidParameterError, match="at least one family"):
        plot_natoli_families({})

