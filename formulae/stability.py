"""Selection stability: how often each basis term is selected over seeded refits.

=========================  ====================================================================
name                       what it does
=========================  ====================================================================
selection_frequencies      frequency with which each basis term is selected over half-sample
                           (complementary pairs) or bootstrap refits, on a basis matrix
formula_stability          the same for a fitted Formula's size, from the physical features,
                           returning the frequency of each of the formula's terms
StabilityResult            frozen result: term names, frequencies, scheme, selector, seed
restrict_terms             keep only the candidate terms whose frequency reaches a threshold
stable_terms               the basis terms selected, at some size 1..max_terms, in at least a
                           fraction ``threshold`` of the refits (the CLI's ``--stable-terms``)
=========================  ====================================================================

Notes
-----
Stability selection (Meinshausen & Bühlmann, *J. R. Stat. Soc. B* 72, 417 (2010)) refits a
selection procedure on many random subsamples and reports, for each candidate term, the
fraction of refits that select it. A term of a real relation is selected in almost every
refit; a term that won the full-data search by a hair, among correlated rivals, is not.

* ``scheme="half"``: complementary pairs of half-samples (Shah & Samworth, *J. R. Stat. Soc. B*
  75, 55 (2013)): a seeded permutation of the rows is cut into two disjoint halves of
  ``n // 2`` rows, and both halves are refitted; ``n_resamples`` halves in all.
* ``scheme="bootstrap"``: ``n`` rows drawn with replacement, ``n_resamples`` times.
* The basis is evaluated once on the whole table (standardized with the whole table's mean
  and ``ddof=0`` standard deviation, as in the search); only rows are resampled.
* Selectors: ``"best_subset"`` is the exact least-squares best subset of a given size (with
  intercept), computed by :func:`formulae.selection.best_subsets` (exhaustive up to its budget);
  ``"lasso"`` keeps the non-zero terms of a Lasso on the column-standardized basis whose
  penalty was chosen once by cross-validation on the whole table (seeded ``KFold``); a
  callable ``selector(B, y) -> indices`` is accepted too.

Each resample's generator is ``np.random.default_rng(random_state)``, built once per call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import (check_array_1d, check_choice, check_finite_table, check_int,
                          check_number)
from .errors import DataError, InvalidParameterError

__all__ = [
    "StabilityResult",
    "selection_frequencies",
    "formula_stability",
    "restrict_terms",
    "stable_terms",
    "SCHEMES",
    "SELECTORS",
]

SCHEMES = ("half", "bootstrap")
SELECTORS = ("best_subset", "lasso")


@dataclass(frozen=True, eq=False)
class StabilityResult:
    """Selection frequencies of basis terms.

    Parameters
    ----------
    term_names : tuple of str
        Basis terms as sympy strings, in basis order.
    frequencies : ndarray of shape (n_terms,)
        Fraction of refits that selected each term, in [0, 1].
    n_resamples : int
    scheme : {"half", "bootstrap"}
    selector : str
        ``"best_subset"``, ``"lasso"`` or the callable's name.
    n_terms : int or None
        Subset size for ``"best_subset"``.
    random_state : int
    """

    term_names: tuple[str, ...]
    frequencies: np.ndarray
    n_resamples: int
    scheme: str
    selector: str
    n_terms: int | None
    random_state: int

    def frequency(self, term) -> float:
        """Selection frequency of one term (a sympy string or expression).

        Parameters
        ----------
        term : str or sympy.Expr
            A basis term, e.g. ``"MaxE*MinE"``.

        Returns
        -------
        float
            Fraction of refits, in [0, 1].

        Raises
        ------
        InvalidParameterError
            If ``term`` is not a term of the basis; the basis size is named.
        """
        name = _term_name(term)
        if name not in self.term_names:
            raise InvalidParameterError(
                f"{name!r} is not a basis term; the basis has {len(self.term_names)} terms "
                f"({', '.join(self.term_names[:6])}{', ...' if len(self.term_names) > 6 else ''}).",
                parameter="term", value=term)
        return float(self.frequencies[self.term_names.index(name)])

    def as_dict(self) -> dict[str, float]:
        """Term name -> frequency, in basis order.

        Returns
        -------
        dict of str to float
        """
        return {n: float(f) for n, f in zip(self.term_names, self.frequencies)}

    def above(self, threshold: float) -> tuple[str, ...]:
        """Terms selected in at least a fraction ``threshold`` of refits, in basis order.

        Parameters
        ----------
        threshold : float
            In [0, 1].

        Returns
        -------
        tuple of str

        Raises
        ------
        InvalidParameterError
            If ``threshold`` is not a number in [0, 1].
        """
        threshold = check_number(threshold, "threshold", owner="StabilityResult.above",
                                 low=0.0, high=1.0)
        return tuple(n for n, f in zip(self.term_names, self.frequencies) if f >= threshold)

    def to_dict(self) -> dict:
        """JSON-ready description.

        Returns
        -------
        dict
            ``scheme``, ``n_resamples``, ``selector``, ``n_terms``, ``random_state`` and
            ``frequencies`` (:meth:`as_dict`).
        """
        return {"scheme": self.scheme, "n_resamples": self.n_resamples,
                "selector": self.selector, "n_terms": self.n_terms,
                "random_state": self.random_state, "frequencies": self.as_dict()}


def _term_name(term) -> str:
    import sympy

    return term if isinstance(term, str) else sympy.sstr(term)


def _resample_rows(n_samples: int, n_resamples: int, scheme: str, rng) -> list[np.ndarray]:
    rows = []
    if scheme == "bootstrap":
        for _ in range(n_resamples):
            rows.append(rng.integers(0, n_samples, n_samples))
    else:
        half = n_samples // 2
        while len(rows) < n_resamples:
            order = rng.permutation(n_samples)
            rows.append(np.sort(order[:half]))
            rows.append(np.sort(order[half:2 * half]))
    return rows[:n_resamples]


def _check_resampling(scheme, n_resamples, random_state, owner: str) -> tuple:
    """``scheme``, ``n_resamples`` and ``random_state``, checked."""
    return (check_choice(scheme, "scheme", SCHEMES, owner=owner),
            check_int(n_resamples, "n_resamples", owner=owner, low=2),
            check_int(random_state, "random_state", owner=owner, low=0))


def _check_enough_rows(n_samples: int, scheme: str, needed: int) -> None:
    """Refuse a table whose resamples have fewer than ``needed`` rows."""
    n_rows = n_samples // 2 if scheme == "half" else n_samples
    if n_rows < needed:
        raise DataError(f"{n_samples} rows are too few for {scheme}-sample refits: each refit "
                        f"has {n_rows} rows and needs at least {needed}.")


def _features_and_basis(X, feature_names, basis) -> tuple:
    """The features as a checked float matrix, and the :class:`~formulae.basis.Basis`."""
    from .basis import Basis
    from .data import as_float_matrix

    names = tuple(feature_names)
    return as_float_matrix(X, names), Basis(names, basis)


def _standardized_basis(X, base) -> np.ndarray:
    """The basis evaluated on the features standardized on the whole table (``ddof=0``, as the
    search does)."""
    from .data import Standardizer

    return base.evaluate(Standardizer(base.feature_names).fit_transform(X))


def _best_subset_selector(n_terms: int) -> Callable:
    from .selection import best_subsets

    def select(B, y):
        level = best_subsets(B, y, n_terms, n_keep=1)[-1]
        return level.subsets[0]

    return select


def _lasso_selector(B, y, random_state: int) -> Callable:
    from sklearn.linear_model import Lasso, LassoCV
    from sklearn.model_selection import KFold

    mean, scale = B.mean(axis=0), B.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    folds = KFold(n_splits=5, shuffle=True, random_state=random_state)
    alpha = LassoCV(cv=folds, alphas=50, max_iter=5000).fit((B - mean) / scale, y).alpha_

    def select(Bs, ys):
        model = Lasso(alpha=alpha, max_iter=5000).fit((Bs - mean) / scale, ys)
        return np.flatnonzero(model.coef_ != 0)

    return select


def selection_frequencies(B, y, *, term_names: Sequence[str] | None = None,
                          selector="best_subset", n_terms: int | None = None,
                          n_resamples: int = 50, scheme: str = "half",
                          random_state: int = 0) -> StabilityResult:
    """Selection frequency of every basis term over seeded resampled refits.

    Parameters
    ----------
    B : array-like of shape (n_samples, n_basis)
        Basis values (e.g. ``Basis.evaluate`` of the standardized features).
    y : array-like of shape (n_samples,)
        Target.
    term_names : sequence of str, optional
        Name of each basis column (default ``t0, t1, ...``).
    selector : {"best_subset", "lasso"} or callable, default="best_subset"
        Selection procedure refitted on every resample; a callable takes ``(B_rows, y_rows)``
        and returns the selected column indices.
    n_terms : int, optional
        Subset size; required for ``"best_subset"``.
    n_resamples : int, default=50
        Number of refits (at least 2).
    scheme : {"half", "bootstrap"}, default="half"
        Complementary half-samples or bootstrap samples.
    random_state : int, default=0
        Seed of the row resampling.

    Returns
    -------
    StabilityResult

    Raises
    ------
    DataError
        If ``B`` and ``y`` disagree in length or hold non-finite values, or there are too few
        rows for a half-sample fit.
    InvalidParameterError
        For a bad ``scheme``, ``selector``, ``n_terms`` or ``n_resamples``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> B = rng.standard_normal((200, 6))
    >>> y = B[:, 1] - 0.5 * B[:, 4] + 0.3 * rng.standard_normal(200)
    >>> result = selection_frequencies(B, y, n_terms=2, n_resamples=20)
    >>> result.above(0.9)
    ('t1', 't4')
    """
    owner = "selection_frequencies"
    B = np.asarray(B, dtype=float)
    y = np.asarray(y, dtype=float)
    if B.ndim != 2 or y.ndim != 1 or B.shape[0] != y.shape[0]:
        raise DataError(f"B must be 2-D and y 1-D with as many rows; got shapes {B.shape} and "
                        f"{y.shape}.")
    names = tuple(term_names) if term_names is not None else tuple(
        f"t{i}" for i in range(B.shape[1]))
    if len(names) != B.shape[1]:
        raise DataError(f"{len(names)} term names were given for {B.shape[1]} basis columns.")
    check_finite_table(B, names)
    y = check_array_1d(y, "y")
    scheme, n_resamples, random_state = _check_resampling(scheme, n_resamples, random_state,
                                                          owner)
    if callable(selector):
        select, label = selector, getattr(selector, "__name__", "callable")
    else:
        label = check_choice(selector, "selector", SELECTORS, owner=owner)
        if label == "best_subset":
            if n_terms is None:
                raise InvalidParameterError(
                    "The 'n_terms' parameter of selection_frequencies is required with "
                    "selector='best_subset'. Got None instead.", parameter="n_terms")
            n_terms = check_int(n_terms, "n_terms", owner=owner, low=1, high=B.shape[1])
            select = _best_subset_selector(n_terms)
        else:
            select = _lasso_selector(B, y, random_state)
    _check_enough_rows(B.shape[0], scheme, (n_terms or 1) + 2)
    rng = np.random.default_rng(random_state)
    counts = np.zeros(B.shape[1])
    for rows in _resample_rows(B.shape[0], n_resamples, scheme, rng):
        chosen = np.unique(np.asarray(select(B[rows], y[rows]), dtype=int))
        counts[chosen] += 1
    return StabilityResult(term_names=names, frequencies=counts / n_resamples,
                           n_resamples=n_resamples, scheme=scheme, selector=label,
                           n_terms=n_terms if label == "best_subset" else None,
                           random_state=random_state)


def formula_stability(formula, X, y, *, feature_names: Sequence[str], basis="quadratic",
                      n_resamples: int = 50, scheme: str = "half",
                      random_state: int = 0) -> dict:
    """Selection frequency of each term of a fitted formula (best subsets of its size).

    The features are standardized with the whole table's mean and ``ddof=0`` standard
    deviation (as the search does), the basis is evaluated, and the exact best subset of
    ``formula.n_terms`` terms is refitted on every resample.

    Parameters
    ----------
    formula : Formula
        A fitted formula whose terms belong to ``basis``.
    X : array-like of shape (n_samples, n_features)
        Features in physical units.
    y : array-like of shape (n_samples,)
        Target (physical units; the selection does not depend on its scale).
    feature_names : sequence of str
        Column names of ``X``.
    basis : {"quadratic", "no_squares", "linear"} or sequence, default="quadratic"
        The basis the formula was searched in (see :class:`formulae.basis.Basis`).
    n_resamples, scheme, random_state
        As in :func:`selection_frequencies`.

    Returns
    -------
    dict
        ``{"terms": {term: frequency}, "min_frequency": float, "result": StabilityResult}``;
        the first two are JSON-ready.

    Raises
    ------
    InvalidParameterError
        If a term of the formula is not in the basis.
    """
    X, base = _features_and_basis(X, feature_names, basis)
    result = selection_frequencies(_standardized_basis(X, base), y, term_names=base.term_names,
                                   selector="best_subset", n_terms=formula.n_terms,
                                   n_resamples=n_resamples, scheme=scheme,
                                   random_state=random_state)
    terms = {_term_name(t): result.frequency(t) for t in formula.terms}
    return {"terms": terms, "min_frequency": min(terms.values()) if terms else float("nan"),
            "result": result}


def restrict_terms(terms: Sequence, frequencies, threshold: float) -> list:
    """Keep the candidate terms whose selection frequency reaches ``threshold``.

    Parameters
    ----------
    terms : sequence of str or sympy.Expr
        Candidate terms (e.g. ``Basis.terms``), returned in the same order and type.
    frequencies : StabilityResult or mapping of str to float
        Selection frequencies by term name (sympy string).
    threshold : float in [0, 1]

    Returns
    -------
    list
        The terms with frequency >= ``threshold``; pass them as an explicit basis to the search.

    Raises
    ------
    DataError
        If a term has no frequency, or no term reaches the threshold (the best is named).

    Examples
    --------
    >>> restrict_terms(["a", "b", "a*b"], {"a": 0.95, "b": 0.4, "a*b": 0.8}, 0.6)
    ['a', 'a*b']
    """
    threshold = check_number(threshold, "threshold", owner="restrict_terms", low=0.0, high=1.0)
    if isinstance(frequencies, StabilityResult):
        table = frequencies.as_dict()
    elif isinstance(frequencies, Mapping):
        table = dict(frequencies)
    else:
        raise InvalidParameterError(
            "The 'frequencies' parameter of restrict_terms must be a StabilityResult or a "
            f"mapping of term name to frequency. Got {frequencies!r} instead.",
            parameter="frequencies", value=frequencies)
    kept, best = [], None
    for term in terms:
        name = _term_name(term)
        if name not in table:
            raise DataError(f"term {name!r} has no selection frequency; known terms: "
                            f"{', '.join(list(table)[:6])}{', ...' if len(table) > 6 else ''}",
                            value=name)
        if best is None or table[name] > table[best]:
            best = name
        if table[name] >= threshold:
            kept.append(term)
    if not kept:
        top = "no term was given" if best is None else (
            f"the most frequent is {best!r} at {table[best]:.2f}")
        raise DataError(f"no term reaches the selection-frequency threshold {threshold}; {top}",
                        value=threshold)
    return kept


def stable_terms(X, y, *, feature_names: Sequence[str], threshold: float, max_terms: int,
                 basis="quadratic", n_resamples: int = 50, scheme: str = "half",
                 random_state: int = 0) -> dict:
    """Basis terms selected stably by the exact best subsets of some size 1..``max_terms``.

    The features are standardized on the whole table (``ddof=0``), the basis is evaluated once,
    and on every resample the exact best subsets of all sizes 1..``max_terms`` are found (one
    call of :func:`formulae.selection.best_subsets`). A term's frequency is the largest, over
    the sizes, of the fraction of refits whose best subset of that size holds it; the terms
    whose frequency reaches ``threshold`` are kept. The resamples are those of
    :func:`selection_frequencies` with the same ``scheme``, ``n_resamples`` and
    ``random_state``, so ``by_size[k - 1]`` equals ``selection_frequencies(..., n_terms=k)``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Features in physical units.
    y : array-like of shape (n_samples,)
        Target.
    feature_names : sequence of str
        Column names of ``X``.
    threshold : float in [0, 1]
        Smallest selection frequency of a kept term.
    max_terms : int
        Largest subset size refitted.
    basis : {"quadratic", "no_squares", "linear"} or sequence, default="quadratic"
        Candidate terms (see :class:`formulae.basis.Basis`).
    n_resamples, scheme, random_state
        As in :func:`selection_frequencies`.

    Returns
    -------
    dict
        ``terms``: the kept terms (sympy strings, basis order), to pass as an explicit basis;
        ``frequencies``: every basis term's frequency (largest over the sizes); ``by_size``:
        one :class:`StabilityResult` per size; ``threshold``.

    Raises
    ------
    DataError
        If no term reaches ``threshold`` (the most frequent is named), or the data are unusable.
    InvalidParameterError
        For a bad ``threshold``, ``max_terms``, ``scheme``, ``n_resamples`` or ``random_state``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 3))
    >>> y = X[:, 0] - 0.5 * X[:, 1] * X[:, 2] + 0.2 * rng.standard_normal(300)
    >>> stable_terms(X, y, feature_names=["a", "b", "c"], threshold=0.9, max_terms=2)["terms"]
    ['a', 'b*c']
    """
    from .selection import best_subsets

    owner = "stable_terms"
    threshold = check_number(threshold, "threshold", owner=owner, low=0.0, high=1.0)
    scheme, n_resamples, random_state = _check_resampling(scheme, n_resamples, random_state,
                                                          owner)
    X, base = _features_and_basis(X, feature_names, basis)
    y = check_array_1d(y, "y")
    if y.shape[0] != X.shape[0]:
        raise DataError(f"y must be 1-D with {X.shape[0]} rows (as X); got shape {y.shape}.")
    max_terms = check_int(max_terms, "max_terms", owner=owner, low=1, high=base.n_terms)
    _check_enough_rows(X.shape[0], scheme, max_terms + 2)
    B = _standardized_basis(X, base)
    rng = np.random.default_rng(random_state)
    counts = np.zeros((max_terms, base.n_terms))
    for rows in _resample_rows(B.shape[0], n_resamples, scheme, rng):
        for k, level in enumerate(best_subsets(B[rows], y[rows], max_terms, n_keep=1)):
            counts[k, np.unique(np.asarray(level.subsets[0], dtype=int))] += 1
    by_size = tuple(
        StabilityResult(term_names=base.term_names, frequencies=counts[k] / n_resamples,
                        n_resamples=n_resamples, scheme=scheme, selector="best_subset",
                        n_terms=k + 1, random_state=random_state)
        for k in range(max_terms))
    frequencies = dict(zip(base.term_names, (counts.max(axis=0) / n_resamples).tolist()))
    kept = restrict_terms(list(base.term_names), frequencies, threshold)
    return {"terms": kept, "frequencies": frequencies, "by_size": by_size,
            "threshold": threshold}
