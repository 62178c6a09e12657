"""The formula search as scikit-learn estimators.

=====================  ======================================================================
name                   what it does
=====================  ======================================================================
FormulaRegressor       best formula of each size for a continuous target; CV R²
FormulaClassifier      the same for class targets (e.g. oxidation state); CV accuracy
pareto_front           formulas not beaten by a smaller one (size vs CV score)
choose_formula         smallest formula within ``score_tolerance`` of the best CV score
=====================  ======================================================================

The search, step by step (see :mod:`formulae.selection` for the algebra):

1. standardize the features (``ddof=0``; a regression target too);
2. evaluate the sympy basis (:class:`formulae.basis.Basis`) on the standardized features;
3. rank the terms by an elastic net whose penalty and mixing are chosen by cross-validation,
   and refit least squares on the top-1, top-2, ... terms (the reference method's *prefix*);
4. find the least-squares best subset of each size 1..``max_terms`` by exhaustive search on the
   Gram matrix (or a beam search when a size has more than ``max_subsets`` subsets);
5. score the ``n_candidates`` best subsets of each size and the prefixes by cross-validation
   (``KFold(cv, shuffle=True, random_state)``; ``StratifiedKFold`` for classes).

For regression the formula of each size is the exact best subset (smallest residual sum of
squares); for classification it is the best CV accuracy among the ``n_candidates`` subsets that
a least-squares fit of the one-hot class indicators ranks best. The chosen formula is the smallest
size whose CV score is within ``score_tolerance`` of the best size's.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import scipy.sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import NotFittedError as _SklearnNotFittedError
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from . import selection
from ._validation import check_choice, check_int, check_number
from .basis import BASIS_KINDS, Basis
from .data import Standardizer, as_float_matrix, feature_names_of
from .errors import DataError, InvalidParameterError, NotFittedError
from .formula import Formula

__all__ = ["FormulaRegressor", "FormulaClassifier", "pareto_front", "choose_formula"]


def pareto_front(formulas: Sequence[Formula]) -> list[Formula]:
    """Formulas that no formula of the same or smaller size beats in CV score, by size.

    Parameters
    ----------
    formulas : sequence of Formula

    Returns
    -------
    list of Formula
        Increasing size and strictly increasing ``cv_score``.
    """
    front = []
    for formula in sorted(formulas, key=lambda f: (f.n_terms, -f.cv_score)):
        if not front or formula.cv_score > front[-1].cv_score:
            front.append(formula)
    return front


def choose_formula(formulas: Sequence[Formula], score_tolerance: float) -> Formula:
    """The smallest formula whose CV score is within ``score_tolerance`` of the best one.

    Parameters
    ----------
    formulas : sequence of Formula
        Candidates (not empty).
    score_tolerance : float
        Largest accepted loss of CV score (R² or accuracy) relative to the best candidate.

    Returns
    -------
    Formula
        Among the formulas with ``cv_score >= max(cv_score) - score_tolerance``, the one with
        the fewest terms; ties go to the higher ``cv_score``, then to the earlier one.
    """
    best = max(f.cv_score for f in formulas)
    return min((f for f in formulas if f.cv_score >= best - score_tolerance),
               key=lambda f: (f.n_terms, -f.cv_score))


class _NotFittedError(NotFittedError, _SklearnNotFittedError):
    """formulae's NotFittedError that scikit-learn's tools also recognise as theirs."""


def _single_threaded_blas():
    """BLAS limited to one thread: the search multiplies many small matrices, for which
    threads cost more than they give (and oversubscribe a shared machine)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _label(value):
    """A class label as a plain Python value (``3``, not ``np.int64(3)``)."""
    return value.item() if hasattr(value, "item") else value


class _FormulaSearchBase(BaseEstimator):
    """Parameters and checks shared by the regressor and the classifier."""

    _kind = "r2"

    def __init__(self, *, max_terms=3, basis="quadratic", l1_ratio=(0.1, 0.5, 0.9, 1.0), cv=5,
                 score_tolerance=0.01, feature_names=None, latex_names=None, target_name="y",
                 random_state=0, max_subsets=2_000_000, beam_width=500, n_candidates=100):
        self.max_terms = max_terms
        self.basis = basis
        self.l1_ratio = l1_ratio
        self.cv = cv
        self.score_tolerance = score_tolerance
        self.feature_names = feature_names
        self.latex_names = latex_names
        self.target_name = target_name
        self.random_state = random_state
        self.max_subsets = max_subsets
        self.beam_width = beam_width
        self.n_candidates = n_candidates

    # ------------------------------------------------------------------ checks
    def _check_params(self):
        owner = type(self).__name__
        check_int(self.max_terms, "max_terms", owner=owner, low=1)
        if isinstance(self.basis, str):
            check_choice(self.basis, "basis", BASIS_KINDS, owner=owner)
        elif not isinstance(self.basis, Sequence) or not self.basis:
            raise InvalidParameterError(
                f"The 'basis' parameter of {owner} must be one of "
                f"{', '.join(map(repr, BASIS_KINDS))} or a non-empty list of terms. "
                f"Got {self.basis!r} instead.", parameter="basis", value=self.basis)
        ratios = (selection._ratio_list(self.l1_ratio)
                  if isinstance(self.l1_ratio, (numbers.Real, Sequence))
                  and not isinstance(self.l1_ratio, str) else [])
        if not ratios:
            raise InvalidParameterError(
                f"The 'l1_ratio' parameter of {owner} must be a float in (0, 1] or a list of "
                f"them. Got {self.l1_ratio!r} instead.", parameter="l1_ratio",
                value=self.l1_ratio)
        for ratio in ratios:
            check_number(ratio, "l1_ratio", owner=owner, low=0, high=1, low_open=True)
        check_int(self.cv, "cv", owner=owner, low=2)
        check_number(self.score_tolerance, "score_tolerance", owner=owner, low=0.0)
        check_int(self.random_state, "random_state", owner=owner, low=0)
        check_int(self.max_subsets, "max_subsets", owner=owner, low=1)
        check_int(self.beam_width, "beam_width", owner=owner, low=1)
        check_int(self.n_candidates, "n_candidates", owner=owner, low=1)
        if not isinstance(self.target_name, str):
            raise InvalidParameterError(
                f"The 'target_name' parameter of {owner} must be a str. Got "
                f"{self.target_name!r} instead.", parameter="target_name",
                value=self.target_name)

    def _validate_X(self, X, *, reset, y=None):
        """Name-aware checks (non-numeric column, NaN/inf cell), then sklearn's bookkeeping."""
        names = None
        if not scipy.sparse.issparse(X) and not hasattr(X, "columns"):
            X = np.asarray(X)
        if not scipy.sparse.issparse(X) and np.ndim(X) == 2:
            if hasattr(X, "columns") or np.asarray(X).dtype.kind != "c":
                names = (feature_names_of(X, self.feature_names) if reset
                         else self.feature_names_)
                if len(names) == np.shape(X)[1]:
                    as_float_matrix(X, names)
        if reset:
            X, y = validate_data(self, X, y, y_numeric=self._kind == "r2")
            self.feature_names_ = names if names is not None else tuple(
                f"x{i}" for i in range(X.shape[1]))
            return X, y
        return validate_data(self, X, reset=False)

    def _check_rows(self, n_samples, owner):
        cv, k = self.cv, self.max_terms
        needed = max(2 * cv, -(-(k + 2) * cv // (cv - 1)))
        if n_samples < needed:
            raise DataError(
                f"{owner} needs at least {needed} rows for cv={cv} folds and max_terms={k} "
                f"(each training fold must exceed the {k + 1} coefficients, each test fold "
                f"needs 2 rows); got n_samples = {n_samples}.", value=n_samples)

    def _prepare(self, X, y):
        owner = type(self).__name__
        self._check_params()
        X, y = self._validate_X(X, reset=True, y=y)
        self._check_rows(X.shape[0], owner)
        names = self.feature_names_
        self.standardizer_ = Standardizer(names).fit(X)
        Z = self.standardizer_.transform(X)
        latex = dict(self.latex_names or {})
        self.basis_ = Basis(names, self.basis, latex)
        p = self.basis_.n_terms
        if self.max_terms > p:
            raise InvalidParameterError(
                f"The 'max_terms' parameter of {owner} must be at most {p}, the number of "
                f"{self.basis_.kind} basis terms from {len(names)} feature(s) "
                f"(n_features = {len(names)}). Got {self.max_terms} instead.",
                parameter="max_terms", value=self.max_terms)
        B = self.basis_.evaluate(Z)
        return X, y, B

    def _formula(self, subset, coef, intercept, cv_score, score, *, stderr=None, notes=(),
                 target=None, target_mean=0.0, target_scale=1.0):
        terms = tuple(self.basis_.terms[i] for i in subset)
        used = sorted({s.name for t in terms for s in t.free_symbols})
        index = {name: j for j, name in enumerate(self.feature_names_)}
        latex = {name: self.basis_.latex_names[name] for name in used}
        target = self.target_name if target is None else target
        if self.latex_names and target in self.latex_names:
            latex[target] = self.latex_names[target]
        return Formula(
            target=target, terms=terms, coefficients=tuple(float(c) for c in coef),
            intercept=float(intercept),
            feature_means={n: float(self.standardizer_.mean_[index[n]]) for n in used},
            feature_scales={n: float(self.standardizer_.scale_[index[n]]) for n in used},
            cv_score=float(cv_score), score=float(score), score_kind=self._kind,
            target_mean=float(target_mean), target_scale=float(target_scale),
            stderr=None if stderr is None else tuple(float(s) for s in stderr),
            latex_names=latex, notes=tuple(notes))

    def _choose(self):
        """Set ``cv_scores_``, ``pareto_`` and ``best_formula_`` from the fitted formulas."""
        self.cv_scores_ = np.array([f.cv_score for f in self.formulas_])
        self.pareto_ = pareto_front(self.formulas_ + self.prefix_formulas_)
        self.best_formula_ = choose_formula(self.formulas_, self.score_tolerance)

    def _subset_note(self, level, prefix=False):
        if prefix:
            return ("reference method: least-squares refit on the top terms of the elastic-net "
                    "ranking")
        if level.exhaustive:
            return f"exact best subset: all {level.n_evaluated} subsets of this size scored"
        return (f"beam search (width {self.beam_width}): {level.n_evaluated} candidates scored; "
                "not guaranteed optimal")

    def _design(self, X):
        if not hasattr(self, "best_formula_"):
            raise _NotFittedError(f"This {type(self).__name__} instance is not fitted yet; call "
                                 "'fit' with appropriate arguments before using this estimator.")
        X = self._validate_X(X, reset=False)
        return self.basis_.evaluate(self.standardizer_.transform(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


class FormulaRegressor(RegressorMixin, _FormulaSearchBase):
    """Find short formulas for a continuous target: exact best subsets of a sympy basis.

    Parameters
    ----------
    max_terms : int, default=3
        Largest formula size (terms, intercept excluded).
    basis : {"quadratic", "no_squares", "linear"} or list of str, default="quadratic"
        Basis terms (see :class:`formulae.basis.Basis`).
    l1_ratio : float or sequence of float, default=(0.1, 0.5, 0.9, 1.0)
        Elastic-net mixing values tried for the ranking; chosen by CV with the penalty.
    cv : int, default=5
        Number of folds, ``KFold(cv, shuffle=True, random_state=random_state)``.
    score_tolerance : float, default=0.01
        The chosen formula is the smallest whose CV R² is within this of the best.
    feature_names : sequence of str, optional
        Column names (default: the DataFrame's, else ``x0, x1, ...``).
    latex_names : mapping of str to str, optional
        LaTeX names of features and target.
    target_name : str, default="y"
        Name of the target in the formulas.
    random_state : int, default=0
        Seed of the folds (and of the elastic net).
    max_subsets : int, default=2_000_000
        A size with at most this many subsets is searched exhaustively; else by beam search.
    beam_width : int, default=500
        Subsets kept per size by the beam search.
    n_candidates : int, default=100
        Best subsets per size (by in-sample residual) whose CV R² is computed
        (kept in ``candidates_``).

    Attributes
    ----------
    formulas_ : list of Formula
        The exact best subset (least residual sum of squares) of each size 1..max_terms.
    prefix_formulas_ : list of Formula
        The reference method's top-k refits, same sizes.
    pareto_ : list of Formula
        Formulas (of both lists) not beaten in CV R² by a smaller one.
    best_formula_ : Formula
        The chosen formula.
    cv_scores_ : ndarray of shape (max_terms,)
        CV R² of ``formulas_``.
    candidates_ : list of (ndarray, ndarray, ndarray)
        Per size: subsets (basis column indices), their in-sample RSS (standardized target) and
        CV R², best RSS first.
    ranking_ : ndarray of int
        Basis terms by decreasing |elastic-net coefficient|.
    enet_alpha_, enet_l1_ratio_ : float
        Penalty and mixing chosen by CV for the ranking.
    basis_ : Basis
    standardizer_ : Standardizer
    target_mean_, target_scale_ : float
        Standardization of the target (ddof=0).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 4))
    >>> y = 2.0 * X[:, 0] - X[:, 1] * X[:, 2] + 0.1 * rng.normal(size=300)
    >>> model = FormulaRegressor(max_terms=3).fit(X, y)
    >>> [str(t) for t in model.best_formula_.terms]
    ['x0', 'x1*x2']
    """

    _kind = "r2"

    def fit(self, X, y):
        """Search the formulas.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
            The fitted estimator.
        """
        with _single_threaded_blas():
            return self._fit(X, y)

    def _fit(self, X, y):
        X, y, B = self._prepare(X, y)
        target_scaler = Standardizer((self.target_name,))
        try:
            ys = target_scaler.fit_transform(np.asarray(y, dtype=float)[:, None])[:, 0]
        except DataError:
            raise DataError(f"target '{self.target_name}' is constant (every value is "
                            f"{float(y[0])!r}); there is nothing to explain",
                            column=self.target_name, value=float(y[0])) from None
        self.target_mean_ = float(target_scaler.mean_[0])
        self.target_scale_ = float(target_scaler.scale_[0])
        folds = list(KFold(self.cv, shuffle=True, random_state=self.random_state).split(B))
        self.ranking_, self.enet_coef_, self.enet_alpha_, self.enet_l1_ratio_ = (
            selection.rank_elastic_net(B, ys, l1_ratio=self.l1_ratio, folds=folds))
        levels = selection.best_subsets(
            B, ys, self.max_terms, max_subsets=self.max_subsets, beam_width=self.beam_width,
            n_keep=self.n_candidates, seed_order=self.ranking_)
        grams = selection.FoldGrams(B, ys, folds)
        self.formulas_, self.prefix_formulas_, self.candidates_ = [], [], []
        for level in levels:
            k = level.size
            prefix = np.sort(self.ranking_[:k])
            cv_all = grams.cv_r2(np.vstack([level.subsets, prefix[None]]))
            self.candidates_.append((level.subsets, level.rss, cv_all[:-1]))
            for subset, cv_score, target, note in (
                    (level.subsets[0], cv_all[0], self.formulas_, self._subset_note(level)),
                    (prefix, cv_all[-1], self.prefix_formulas_,
                     self._subset_note(level, prefix=True))):
                coef, intercept, stderr, r2 = selection.least_squares(B, ys, subset)
                target.append(self._formula(subset, coef, intercept, cv_score, r2,
                                            stderr=stderr, notes=(note,),
                                            target_mean=self.target_mean_,
                                            target_scale=self.target_scale_))
        self._choose()
        self._best_subset = [self.basis_.terms.index(t) for t in self.best_formula_.terms]
        return self

    def predict(self, X):
        """Predict with ``best_formula_`` (physical units of the target).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        B = self._design(X)
        f = self.best_formula_
        ys = f.intercept + B[:, self._best_subset] @ np.asarray(f.coefficients, dtype=float)
        return self.target_mean_ + self.target_scale_ * ys


class FormulaClassifier(ClassifierMixin, _FormulaSearchBase):
    """Find short formulas whose sign (or largest value) gives the class.

    Same parameters as :class:`FormulaRegressor`, plus ``C``. Terms are ranked by an elastic-net
    logistic regression (``C`` and mixing by CV accuracy); the subsets of each size are
    preselected by a least-squares surrogate (one-hot class indicators, exhaustive on the Gram
    matrix), and the ``n_candidates`` best are scored by the CV accuracy of an L2 logistic
    regression with inverse penalty ``C``; the most accurate becomes the formula of that size.

    Parameters
    ----------
    max_terms : int, default=3
        Largest formula size (terms, intercept excluded).
    basis : {"quadratic", "no_squares", "linear"} or list of str, default="quadratic"
        Basis terms (see :class:`formulae.basis.Basis`).
    l1_ratio : float or sequence of float, default=(0.1, 0.5, 0.9, 1.0)
        Elastic-net mixing values tried for the logistic ranking; chosen by CV with ``C``.
    cv : int, default=5
        Number of folds, ``StratifiedKFold(cv, shuffle=True, random_state=random_state)``.
    score_tolerance : float, default=0.01
        The chosen formula is the smallest whose CV accuracy is within this of the best.
    feature_names : sequence of str, optional
        Column names (default: the DataFrame's, else ``x0, x1, ...``).
    latex_names : mapping of str to str, optional
        LaTeX names of features and target.
    target_name : str, default="y"
        Name of the target in the formulas.
    random_state : int, default=0
        Seed of the folds (and of the saga solver of the ranking).
    max_subsets : int, default=2_000_000
        A size with at most this many subsets is searched exhaustively (surrogate); else by beam.
    beam_width : int, default=500
        Subsets kept per size by the beam search.
    n_candidates : int, default=20
        Surrogate-best subsets per size scored by logistic CV accuracy.
    C : float, default=1.0
        Inverse L2 penalty of the logistic fits of each subset (standardized terms), as in
        ``LogisticRegression(C=C)``.

    Attributes
    ----------
    classes_ : ndarray
    formulas_ : list of Formula
        Best formula of each size. With two classes it is the decision function (positive means
        ``classes_[1]``); with more, it is the decision function of ``classes_[-1]`` and
        ``class_formulas_`` holds every class's.
    class_formulas_ : list of dict
        Per size: class -> Formula (multinomial decision functions; the class with the largest
        value is predicted).
    prefix_formulas_, pareto_, best_formula_, cv_scores_, ranking_ :
        As :class:`FormulaRegressor`, with CV accuracy as the score.
    """

    _kind = "accuracy"

    def __init__(self, *, max_terms=3, basis="quadratic", l1_ratio=(0.1, 0.5, 0.9, 1.0), cv=5,
                 score_tolerance=0.01, feature_names=None, latex_names=None, target_name="y",
                 random_state=0, max_subsets=2_000_000, beam_width=500, n_candidates=20,
                 C=1.0):
        super().__init__(max_terms=max_terms, basis=basis, l1_ratio=l1_ratio, cv=cv,
                         score_tolerance=score_tolerance, feature_names=feature_names,
                         latex_names=latex_names, target_name=target_name,
                         random_state=random_state, max_subsets=max_subsets,
                         beam_width=beam_width, n_candidates=n_candidates)
        self.C = C

    def fit(self, X, y):
        """Search the formulas.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self
            The fitted estimator.
        """
        with _single_threaded_blas():
            return self._fit(X, y)

    def _check_params(self):
        super()._check_params()
        check_number(self.C, "C", owner=type(self).__name__, low=0.0, low_open=True)

    def _fit(self, X, y):
        X, y, B = self._prepare(X, y)
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        labels = [_label(c) for c in self.classes_]
        if len(labels) < 2:
            raise DataError(f"target '{self.target_name}' has only one class ({labels[0]!r}); "
                            "a classifier needs at least two (1 class given)",
                            column=self.target_name, value=labels[0])
        counts = np.bincount(encoded)
        if counts.min() < self.cv:
            rare = labels[int(np.argmin(counts))]
            raise DataError(f"class {rare!r} of target '{self.target_name}' has "
                            f"{counts.min()} rows; cv={self.cv} stratified folds need at least "
                            f"{self.cv}", column=self.target_name, value=rare)
        folds = list(StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
                     .split(B, encoded))
        self.ranking_, self.logistic_coef_, self.logistic_C_, self.logistic_l1_ratio_ = (
            selection.rank_logistic(B, encoded, l1_ratio=self.l1_ratio, folds=folds,
                                    random_state=self.random_state))
        onehot = (encoded[:, None] == np.arange(len(self.classes_))[None, :]).astype(float)
        levels = selection.best_subsets(
            B, onehot, self.max_terms, max_subsets=self.max_subsets,
            beam_width=self.beam_width, n_keep=self.n_candidates, seed_order=self.ranking_)
        self.formulas_, self.prefix_formulas_, self.class_formulas_ = [], [], []
        self._models = {}
        for level in levels:
            k = level.size
            prefix = np.sort(self.ranking_[:k])
            scores = selection.cv_accuracy_logistic(B, encoded, level.subsets, folds, C=self.C)
            best = int(np.argmax(scores))          # ties: the better surrogate rank
            prefix_score = selection.cv_accuracy_logistic(B, encoded, [prefix], folds,
                                                          C=self.C)[0]
            note = (f"best CV accuracy among the {len(level.subsets)} subsets that a "
                    "least-squares surrogate ranks best; " + self._subset_note(level))
            formula, per_class = self._fit_subset(B, encoded, level.subsets[best],
                                                  scores[best], note)
            self.formulas_.append(formula)
            self.class_formulas_.append(per_class)
            prefix_formula, _ = self._fit_subset(B, encoded, prefix, prefix_score,
                                                 self._subset_note(level, prefix=True))
            self.prefix_formulas_.append(prefix_formula)
        self._choose()
        self._best_model = self._models[id(self.best_formula_)]
        del self._models
        return self

    def _fit_subset(self, B, encoded, subset, cv_score, note):
        X = B[:, list(subset)]
        intercept, coef = selection.fit_logistic(X[:, None, :], encoded, len(self.classes_),
                                                 self.C)
        intercept, coef = intercept[0], coef[0]
        predicted = selection.predict_logistic(X[:, None, :], intercept[None], coef[None])[:, 0]
        accuracy = float(np.mean(predicted == encoded))
        if len(self.classes_) == 2:
            formula = self._formula(subset, coef[0], intercept[0], cv_score, accuracy,
                                    notes=(note, "decision function: > 0 means class "
                                                 f"{_label(self.classes_[1])!r}"))
            per_class = {self.classes_[1]: formula}
        else:
            per_class = {c: self._formula(subset, coef[i], intercept[i], cv_score, accuracy,
                                          notes=(note, "decision function of class "
                                                       f"{_label(c)!r}; the largest one is "
                                                       "predicted"),
                                          target=f"{self.target_name}={_label(c)}")
                         for i, c in enumerate(self.classes_)}
            formula = per_class[self.classes_[-1]]
        self._models[id(formula)] = (np.asarray(subset), coef, intercept)
        return formula, per_class

    def decision_function(self, X):
        """Decision values of ``best_formula_`` (and of the other classes' formulas).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features, in the columns seen by ``fit``.

        Returns
        -------
        ndarray of shape (n_samples,) for two classes, else (n_samples, n_classes)
        """
        B = self._design(X)
        subset, coef, intercept = self._best_model
        values = B[:, subset] @ coef.T + intercept
        return values[:, 0] if values.shape[1] == 1 else values

    def predict(self, X):
        """Predict class labels with the chosen formula.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features, in the columns seen by ``fit``.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        values = self.decision_function(X)
        if values.ndim == 1:
            return self.classes_[(values > 0).astype(int)]
        return self.classes_[np.argmax(values, axis=1)]
