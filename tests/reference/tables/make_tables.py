"""Write the golden tables checked byte for byte by tests/test_tables.py.

Run from the project root: ``python tests/reference/tables/make_tables.py``. Every number comes
from seeded synthetic data (``numpy.random.default_rng(2024)``) simplified by
:func:`formulae.simplify.simplify_formula`, so the script rewrites identical files.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import sympy

from formulae.formula import Formula
from formulae.simplify import simplify_formula
from formulae.tables import FormulaTable

HERE = Path(__file__).resolve().parent

DESCRIPTIONS = {
    "avgDist": "mean Fe–O distance (Å)",
    "CN": "coordination number",
    "MinE": "energy of the main minimum (eV)",
    "MaxE": "energy of the main maximum (eV)",
    "Maxcurv": "curvature of the main maximum (1/eV²)",
    "Edgeslope": "edge slope (1/eV)",
    "oxidation": "oxidation state",
    "EdgeE": "edge position (eV)",
}
LATEX = {"avgDist": r"\mathrm{Dist}", "CN": "N", "oxidation": r"\mathrm{Ox}"}


def _standardized(rng, n, k):
    Z = rng.normal(size=(n, k))
    return (Z - Z.mean(0)) / Z.std(0)


def _formula(target, names, terms, coefficients, X, score_kind="r2"):
    symbols = {n: sympy.Symbol(n) for n in names}
    terms = tuple(sympy.sympify(t, locals=symbols) for t in terms)
    means = dict(zip(names, X.mean(0)))
    scales = dict(zip(names, X.std(0)))
    latex = {n: LATEX[n] for n in (*names, target) if n in LATEX}
    return Formula(target, terms, tuple(coefficients), 0.0, means, scales, cv_score=0.0,
                   score=0.0, score_kind=score_kind, latex_names=latex)


def formulas():
    """Three simplified formulas (two regressions, one with a grouped pair) and a classifier."""
    rng = np.random.default_rng(2024)
    # avgDist from spectrum descriptors: -0.77 (MinE - MaxE) - 0.40 Maxcurv, physical columns
    names = ["MinE", "MaxE", "Maxcurv"]
    Z = _standardized(rng, 600, 3)
    X = np.array([7130.0, 7120.0, -0.02]) + Z * np.array([4.0, 3.0, 0.005])
    y_std = -0.7713 * (Z[:, 0] - Z[:, 1]) - 0.4021 * Z[:, 2] + 0.002 * rng.normal(size=600)
    y = 2.0 + 0.05 * y_std
    start = _formula("avgDist", names, names, (-0.7, 0.7, -0.4), X)
    start = replace(start, target_mean=float(y.mean()), target_scale=float(y.std()))
    f1 = simplify_formula(start, X, y, feature_names=names)

    # Edgeslope from structure: 3/8 N^2 - 0.26 N + 4/5 Dist (target in its own units)
    names = ["CN", "avgDist"]
    Z = _standardized(rng, 600, 2)
    X = np.array([5.0, 2.0]) + Z * np.array([1.0, 0.08])
    y = 0.375 * Z[:, 0] ** 2 - 0.2613 * Z[:, 0] + 0.8 * Z[:, 1] + 0.01 * rng.normal(size=600)
    start = _formula("Edgeslope", names, ["CN", "CN**2", "avgDist"], (-0.3, 0.4, 0.8), X)
    f2 = simplify_formula(start, X, y, feature_names=names, units="target")

    # a class target, already fitted (decision function), left as is
    names = ["EdgeE", "Maxint"]
    f3 = Formula("oxidation", (sympy.Symbol("EdgeE"), sympy.Symbol("Maxint")), (1.8342, 0.4471),
                 -0.1207, {"EdgeE": 7121.0, "Maxint": 1.3}, {"EdgeE": 1.5, "Maxint": 0.1},
                 cv_score=0.7531, score=0.7702, score_kind="accuracy",
                 latex_names={"oxidation": r"\mathrm{Ox}"})
    return f1, f2, f3


def special_formula():
    """A formula whose column names hold LaTeX special characters and Unicode."""
    names = ["E_0&x", "50%σ", "a#b$c", "{T}~^\\"]
    symbols = [sympy.Symbol(n) for n in names]
    return Formula("Δμ_max", (symbols[0], symbols[1] * symbols[2], symbols[3]),
                   (sympy.Rational(-1, 2), 0.3333, 0.0123), 0.25, {n: 0.0 for n in names},
                   {n: 1.0 for n in names}, cv_score=0.612, score=0.65)


def build_tables() -> dict:
    """File name -> text of every golden table."""
    f1, f2, f3 = formulas()
    table = FormulaTable([("Structure descriptors", [f1]), ("Spectrum descriptors", [f2]),
                          ("Oxidation state", [f3])], descriptions=DESCRIPTIONS,
                         caption="Relations on seeded synthetic data (standardized variables).")
    physical = FormulaTable([("Structure descriptors", [f1]), ("Spectrum descriptors", [f2])],
                            descriptions=DESCRIPTIONS, physical=True)
    special = FormulaTable([("Names with LaTeX specials & Unicode", [special_formula()])],
                           descriptions={"Δμ_max": "jump of μ at 100% & more",
                                         "50%σ": "width σ in %, ± 5 °"},
                           caption="Escaping: _ & % $ # { } ~ ^ \\ Å – σ")
    return {"example.tex": table.to_latex(), "example.md": table.to_markdown(),
            "example_physical.md": physical.to_markdown(),
            "special.tex": special.to_latex(), "special.md": special.to_markdown()}


if __name__ == "__main__":
    for name, text in build_tables().items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"wrote {HERE / name}")
