"""The :class:`Formula`: one fitted relation, in standardized and in physical units.

A formula predicts a target from basis terms (products of standardized descriptors)::

    y_std = intercept + sum_i coefficients[i] * terms[i](z),   z_j = (x_j - mean_j) / scale_j
    y     = target_mean + target_scale * y_std

For a regression target both sides are standardized, as in the reference paper; for a class
target ``target_mean = 0``, ``target_scale = 1`` and the formula is the decision function.
The physical-units expression is derived exactly from the standardized one by substitution in
sympy (no refit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping

import numpy as np
import sympy

from .errors import DataError

__all__ = ["Formula"]


def _rounded(expr, decimals: int):
    """Round every float of ``expr`` to ``decimals`` decimals; a nonzero coefficient that would
    round to zero keeps two significant digits instead, so that no term silently disappears
    (the additive constant is rounded plainly)."""
    def one(value):
        value = float(value)
        r = round(value, decimals)
        return float(f"{value:.2g}") if r == 0 and value != 0 else r

    constant, rest = sympy.sympify(expr).as_coeff_Add()
    if isinstance(constant, sympy.Float):
        constant = sympy.Float(round(float(constant), decimals), 15)   # may vanish: no term lost
    return constant + rest.xreplace({f: sympy.Float(one(f), 15) for f in rest.atoms(sympy.Float)})


@lru_cache(maxsize=256)
def _terms_function(names: tuple, terms: tuple):
    """One numpy function of the features ``names`` returning the list of ``terms``, lambdified
    once per (names, terms) pair and shared by every call of :meth:`Formula.evaluate`."""
    return sympy.lambdify([sympy.Symbol(n) for n in names], list(terms), "numpy")


def _exact_text(value) -> str:
    """A rational as sympy text ("1/2"); a float as its shortest exact repr (17 digits at most,
    so that the JSON round trip gives back the same float)."""
    value = sympy.sympify(value)
    return sympy.sstr(value) if isinstance(value, sympy.Rational) else repr(float(value))


@dataclass(frozen=True)
class Formula:
    """A fitted formula.

    Parameters
    ----------
    target : str
        Name of the predicted column.
    terms : tuple of sympy.Expr
        Basis terms in the feature symbols (standardized variables), e.g. ``x1``, ``x1*x3``.
    coefficients : tuple of float or sympy.Rational
        One per term, in standardized units.
    intercept : float or sympy.Rational
        Constant term in standardized units.
    feature_means, feature_scales : mapping of str to float
        ``Standardizer.mean_`` and ``scale_`` of every feature a term uses.
    target_mean, target_scale : float, default=0.0, 1.0
        Standardization of the target (0 and 1 for class targets).
    cv_score : float
        Cross-validated score (R² or accuracy, see ``score_kind``).
    score : float
        Score on the whole training set.
    score_kind : {"r2", "accuracy"}
        What the scores are.
    stderr : tuple of float, optional
        Standard errors of the coefficients (standardized units).
    latex_names : mapping of str to str, optional
        LaTeX name of every feature and of the target; defaults to ``\\mathrm{name}``.
    groups : tuple of sympy.Expr, optional
        Grouped terms found by simplification (e.g. ``MinE - MaxE``), for presentation.
    notes : tuple of str, optional
        What simplification tried, kept, and why (score before and after).

    Attributes
    ----------
    expr_standardized : sympy.Expr
        ``intercept + sum(c * t)`` in the standardized variables.
    expr_physical : sympy.Expr
        The same relation in physical units of target and features, expanded.
    n_terms : int
        Number of terms, intercept excluded.
    """

    target: str
    terms: tuple
    coefficients: tuple
    intercept: float
    feature_means: Mapping[str, float]
    feature_scales: Mapping[str, float]
    cv_score: float
    score: float
    score_kind: str = "r2"
    target_mean: float = 0.0
    target_scale: float = 1.0
    stderr: tuple | None = None
    latex_names: Mapping[str, str] = field(default_factory=dict)
    groups: tuple = ()
    notes: tuple = ()

    @property
    def n_terms(self) -> int:
        """Number of terms (the intercept not counted)."""
        return len(self.terms)

    @property
    def features(self) -> tuple[str, ...]:
        """Names of the features the formula uses, sorted."""
        names = set()
        for term in self.terms:
            names |= {s.name for s in term.free_symbols}
        return tuple(sorted(names))

    @property
    def expr_standardized(self) -> sympy.Expr:
        """``intercept + sum(coefficient * term)`` in the standardized feature symbols."""
        total = sympy.sympify(self.intercept)
        for coefficient, term in zip(self.coefficients, self.terms):
            total += sympy.sympify(coefficient) * term
        return total

    @property
    def expr_physical(self) -> sympy.Expr:
        """The formula in physical units, expanded.

        Each feature symbol ``x`` is replaced by ``(x - mean) / scale``
        (``feature_means``/``feature_scales``) and the result becomes
        ``target_mean + target_scale * (...)``; no refit.
        """
        substitution = {
            sympy.Symbol(name): (sympy.Symbol(name) - sympy.Float(self.feature_means[name]))
            / sympy.Float(self.feature_scales[name])
            for name in self.features
        }
        scaled = self.expr_standardized.xreplace(substitution)
        return sympy.expand(sympy.Float(self.target_mean) + sympy.Float(self.target_scale) * scaled)

    def evaluate(self, columns: Mapping[str, np.ndarray], *, standardized: bool = False):
        """Evaluate the formula on physical feature values.

        Parameters
        ----------
        columns : mapping of str to array-like of shape (n_samples,), or DataFrame
            Feature values in physical units, by name (extra names are ignored).
        standardized : bool, default=False
            Return the prediction in standardized target units instead of physical ones.

        Returns
        -------
        ndarray of shape (n_samples,)

        Raises
        ------
        DataError
            If a feature of the formula is missing from ``columns`` (the available names are
            listed), or the features used have different lengths.
        """
        features = self.features
        missing = [name for name in features if name not in columns]
        if missing:
            raise DataError(f"no column '{missing[0]}' for the formula of '{self.target}'; "
                            f"available columns: {', '.join(map(str, columns))}",
                            column=missing[0])
        values = {name: np.asarray(columns[name], dtype=float) for name in features}
        lengths = {name: len(v) for name, v in values.items()}
        if len(set(lengths.values())) > 1:
            raise DataError(f"the columns used by the formula of '{self.target}' differ in "
                            "length: " + ", ".join(f"'{n}' has {k} rows"
                                                    for n, k in lengths.items()))
        z = [(values[name] - self.feature_means[name]) / self.feature_scales[name]
             for name in features]
        # Without features (a constant formula) the length is that of any given column.
        n_samples = (next(iter(lengths.values())) if lengths
                     else len(columns[next(iter(columns))]))
        y = np.full(n_samples, float(self.intercept))
        values = _terms_function(features, tuple(self.terms))(*z)
        for coefficient, value in zip(self.coefficients, values):
            y = y + float(coefficient) * np.broadcast_to(value, (n_samples,))
        return y if standardized else self.target_mean + self.target_scale * y

    def _symbol_names(self) -> dict:
        names = {sympy.Symbol(n): self.latex_names.get(n, rf"\mathrm{{{n}}}")
                 for n in self.features}
        return names

    def _rounded_expr(self, physical: bool, decimals: int):
        """:attr:`expr_physical` or :attr:`expr_standardized`, rounded for printing."""
        return _rounded(self.expr_physical if physical else self.expr_standardized, decimals)

    def to_latex(self, *, physical: bool = False, decimals: int = 2) -> str:
        """Right-hand side as LaTeX, coefficients rounded to ``decimals`` (rationals kept).

        Parameters
        ----------
        physical : bool, default=False
            Print :attr:`expr_physical` instead of :attr:`expr_standardized`.
        decimals : int, default=2
            Decimals of floating-point coefficients.

        Returns
        -------
        str
            ``sympy.latex`` of the rounded expression, with the ``latex_names``.
        """
        rounded = self._rounded_expr(physical, decimals)
        return sympy.latex(rounded, symbol_names=self._symbol_names(), full_prec=False,
                           min=-(decimals + 3), max=decimals + 6, order="none")

    def to_markdown(self, *, physical: bool = False, decimals: int = 2) -> str:
        """Right-hand side as plain text for a Markdown table.

        Parameters
        ----------
        physical : bool, default=False
            Print :attr:`expr_physical` instead of :attr:`expr_standardized`.
        decimals : int, default=2
            Decimals of floating-point coefficients.

        Returns
        -------
        str
            ``sympy.sstr`` of the rounded expression, ``**`` written ``^``.
        """
        rounded = self._rounded_expr(physical, decimals)
        return sympy.sstr(rounded, full_prec=False, order="none").replace("**", "^")

    def to_dict(self) -> dict:
        """JSON-ready description (terms and formulas as sympy strings in the column names).

        Returns
        -------
        dict
            Every field as floats, strings and lists, plus ``formula``, ``formula_physical``,
            ``n_terms`` and the exact (rational) coefficients as text; :meth:`from_dict` reads it.
        """
        return {
            "target": self.target,
            "terms": [sympy.sstr(t) for t in self.terms],
            "coefficients": [float(c) for c in self.coefficients],
            "stderr": None if self.stderr is None else [float(s) for s in self.stderr],
            "intercept": float(self.intercept),
            "formula": sympy.sstr(self.expr_standardized),
            "formula_physical": sympy.sstr(self.expr_physical),
            "cv_score": float(self.cv_score),
            "score": float(self.score),
            "score_kind": self.score_kind,
            "n_terms": self.n_terms,
            "target_mean": float(self.target_mean),
            "target_scale": float(self.target_scale),
            "feature_means": {k: float(v) for k, v in self.feature_means.items()},
            "feature_scales": {k: float(v) for k, v in self.feature_scales.items()},
            "latex_names": dict(self.latex_names),
            "exact_coefficients": [_exact_text(c) for c in self.coefficients],
            "exact_intercept": _exact_text(self.intercept),
            "groups": [sympy.sstr(g) for g in self.groups],
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> "Formula":
        """Rebuild a formula written by :meth:`to_dict` (rational coefficients are kept exact).

        Parameters
        ----------
        data : mapping
            As returned by :meth:`to_dict` (or read back from its JSON).

        Returns
        -------
        Formula
        """
        def exact(text, fallback):
            if text is None:
                return float(fallback)
            value = sympy.sympify(text)
            # float(text), not float(sympy.Float): the repr's 17 digits give sympy too few bits
            # (0.01202655411799334 would come back one unit in the last place off).
            return value if isinstance(value, sympy.Rational) else float(text)

        coefficients = data.get("exact_coefficients") or [None] * len(data["coefficients"])
        return cls(
            target=data["target"],
            terms=tuple(sympy.sympify(t) for t in data["terms"]),
            coefficients=tuple(exact(e, c) for e, c in zip(coefficients, data["coefficients"])),
            intercept=exact(data.get("exact_intercept"), data["intercept"]),
            feature_means=dict(data["feature_means"]),
            feature_scales=dict(data["feature_scales"]),
            cv_score=data["cv_score"],
            score=data["score"],
            score_kind=data.get("score_kind", "r2"),
            target_mean=data.get("target_mean", 0.0),
            target_scale=data.get("target_scale", 1.0),
            stderr=None if data.get("stderr") is None else tuple(data["stderr"]),
            latex_names=dict(data.get("latex_names", {})),
            groups=tuple(sympy.sympify(g) for g in data.get("groups", [])),
            notes=tuple(data.get("notes", [])),
        )
