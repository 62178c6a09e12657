"""The sympy basis of the formula search: linear terms and pairwise products.

=====================  ======================================================================
name                   what it does
=====================  ======================================================================
Basis                  terms as sympy expressions of ``Symbol(column_name)``, evaluated with
                       ``lambdify``; kinds "quadratic", "no_squares", "linear", or a term list
=====================  ======================================================================

With ``n`` features the quadratic basis has ``n + n(n+1)/2`` terms: ``x_i`` then ``x_i*x_j`` for
``i <= j`` (squares included), in column order. Eight descriptors give 44 terms, ten give 65.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import sympy

from ._validation import check_choice
from .data import check_unique_names
from .errors import DataError, InvalidParameterError

__all__ = ["Basis", "BASIS_KINDS"]

BASIS_KINDS = ("quadratic", "no_squares", "linear")


class Basis:
    """Basis terms built from named features.

    Parameters
    ----------
    feature_names : sequence of str
        Column names; each becomes ``sympy.Symbol(name)``.
    kind : {"quadratic", "no_squares", "linear"} or sequence of str or sympy.Expr,
        default="quadratic"
        ``"quadratic"``: the linear terms and all pairwise products including squares;
        ``"no_squares"``: the same without squares; ``"linear"``: the features alone; a sequence:
        an explicit term list, e.g. ``["MaxE", "MaxE*MinE"]`` (parsed by sympy, in the feature
        names only).
    latex_names : mapping of str to str, optional
        LaTeX name of each feature (default ``\\mathrm{name}``).

    Attributes
    ----------
    symbols : tuple of sympy.Symbol
    terms : tuple of sympy.Expr
    term_names : tuple of str
        ``sympy.sstr`` of each term, e.g. ``"x1*x3"``, ``"x2**2"``.
    n_terms : int

    Examples
    --------
    >>> b = Basis(["a", "b"])
    >>> b.term_names
    ('a', 'b', 'a**2', 'a*b', 'b**2')
    >>> b.evaluate(np.array([[2.0, 3.0]]))
    array([[2., 3., 4., 6., 9.]])
    """

    def __init__(self, feature_names: Sequence[str], kind="quadratic",
                 latex_names: Mapping[str, str] | None = None):
        self.feature_names = check_unique_names(feature_names)
        self.symbols = tuple(sympy.Symbol(name) for name in self.feature_names)
        self.latex_names = {name: (latex_names or {}).get(name, rf"\mathrm{{{name}}}")
                            for name in self.feature_names}
        if isinstance(kind, str):
            check_choice(kind, "basis", BASIS_KINDS)
            terms = list(self.symbols)
            if kind != "linear":
                n = len(self.symbols)
                terms += [self.symbols[i] * self.symbols[j] for i in range(n)
                          for j in range(i, n) if kind == "quadratic" or i != j]
            self.kind = kind
        else:
            terms = [self._parse(term) for term in kind]
            self.kind = "explicit"
            seen = {}
            for i, term in enumerate(terms):
                if term in seen:
                    raise InvalidParameterError(
                        f"The basis term {sympy.sstr(term)!r} is listed twice (positions "
                        f"{seen[term]} and {i}).", parameter="basis", value=kind)
                seen[term] = i
        if not terms:
            raise InvalidParameterError("The basis has no terms.", parameter="basis", value=kind)
        self.terms = tuple(terms)
        self.term_names = tuple(sympy.sstr(t) for t in self.terms)
        self._function = None

    def __getstate__(self):
        # The lambdified function cannot be pickled; it is rebuilt on first use.
        state = self.__dict__.copy()
        state["_function"] = None
        return state

    def _parse(self, term):
        known = {s.name: s for s in self.symbols}
        expr = sympy.sympify(term, locals=known) if isinstance(term, str) else sympy.sympify(term)
        unknown = sorted(s.name for s in expr.free_symbols if s.name not in known)
        if unknown or not expr.free_symbols:
            raise InvalidParameterError(
                f"The basis term {term!r} uses {', '.join(map(repr, unknown)) or 'no feature'}; "
                f"the features are: {', '.join(self.feature_names)}.", parameter="basis",
                value=term)
        # Rebuild in our own symbols (sympify may create symbols with assumptions).
        return expr.xreplace({s: known[s.name] for s in expr.free_symbols})

    @property
    def n_terms(self) -> int:
        """Number of basis terms."""
        return len(self.terms)

    @property
    def n_features(self) -> int:
        """Number of features (symbols)."""
        return len(self.symbols)

    def evaluate(self, Z) -> np.ndarray:
        """Evaluate every term on (standardized) feature values.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_features)
            Feature values, columns in ``feature_names`` order.

        Returns
        -------
        ndarray of shape (n_samples, n_terms)
        """
        Z = np.asarray(Z, dtype=float)
        if Z.ndim != 2 or Z.shape[1] != self.n_features:
            raise DataError(f"expected a table of {self.n_features} columns "
                            f"({', '.join(self.feature_names)}); got shape {Z.shape}")
        if self._function is None:
            self._function = sympy.lambdify(self.symbols, list(self.terms), "numpy")
        values = self._function(*Z.T)
        return np.column_stack([np.broadcast_to(np.asarray(v, dtype=float), (Z.shape[0],))
                                for v in values])

    def __repr__(self) -> str:
        return f"Basis({list(self.feature_names)!r}, kind={self.kind!r}, n_terms={self.n_terms})"
