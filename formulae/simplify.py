"""Publishable coefficients: simplest rationals in their confidence intervals, PSLQ groupings.

=========================  ===================================================================
name                       what it does
=========================  ===================================================================
simplify_formula           the simplified :class:`~formulae.formula.Formula` (rationals,
                           grouped terms), kept only where the tests and the CV guard allow
simplify_report            the same, with every decision: estimate, SE, interval, chosen value,
                           p-values, CV scores, PSLQ relations (a SimplificationReport)
SimplificationReport       frozen result of :func:`simplify_report`
CoefficientChoice          one coefficient's estimate, SE, interval and fate
RelationCheck              one integer relation found by PSLQ and whether it was accepted
find_relation              PSLQ on uncertain coefficients, with the uncertainty and chance checks
=========================  ===================================================================

Notes
-----
The formula's basis columns are rebuilt from the formula itself: every term is compiled once
with ``sympy.lambdify`` and evaluated on ``z = (X - feature_means) / feature_scales``; the target
is standardized with ``target_mean`` and ``target_scale`` (``units="target"`` keeps it in its
own units). Then, with ``A = [1, B]`` and ``θ = (intercept, w_1 .. w_k)``:

1. **Free fit.** Least squares ``θ̂``, ``RSS_f``, covariance ``s² (A'A)⁻¹`` with
   ``s² = RSS_f / (n - k - 1)``; standard errors from its diagonal.
2. **Rational proposals.** By default (``rule="map"``) the jointly most probable rational
   vector: it minimises ``½ (r - θ̂)' Σ_RR⁻¹ (r - θ̂) + alpha·Σ log q_j + gamma·log lcm(q)``
   over fractions ``p_j/q_j`` (``q_j <= max_denominator``) within ``θ̂_j ± window·SE_j``,
   where ``Σ`` is the covariance of step 1 (so ``s²·`` the quadratic form is the RSS increase
   of imposing ``r``), i.e. a Gaussian likelihood and a prior favouring small denominators
   (``q^-alpha`` each) and a small common denominator (``lcm^-gamma``: a formula written over
   one denominator, ``(5a − 3b)/8``) (:func:`formulae.rationals.map_rationals`). ``rule="simplest"`` takes, per coefficient,
   the rational with the smallest denominator (then numerator) inside ``θ̂_j ± z·SE_j``
   (:func:`formulae.rationals.simplest_in_interval`); ``rule="nearest"`` the nearest fraction
   if it lies in that interval. None is proposed when the window holds no fraction with
   denominator ``<= max_denominator``, nor for a term whose ``± z·SE`` interval holds 0
   (not significant; it stays as fitted). Optionally (off by default) ``mpmath.identify`` against
   a few constants, or rounding to ``digits`` significant digits, proposes a value instead.
3. **Joint test.** All proposals are imposed together (equality-constrained least squares, the
   remaining parameters refit) and compared with the free fit by the F-test
   ``F = ((RSS_c - RSS_f)/q) / (RSS_f/(n - k - 1))`` with ``q`` independent constraints, and by
   the cross-validated score (same folds as the search). They are kept if ``p >= level`` and the
   CV score drops by at most ``score_tolerance``; otherwise they are added one at a time, most
   compatible first (smallest ``|θ̂ - r|/SE``), each kept only if the same joint test passes.
4. **PSLQ groupings.** ``mpmath.pslq`` (inside ``mpmath.workdps``) looks for an integer
   relation ``a·w = 0`` (``max |a_i| <= max_relation_coefficient``) among the remaining
   significant coefficients, with a tolerance from their standard errors. A relation is accepted
   only if (a) it holds within ``z`` standard errors, ``|a·ŵ| <= z·sqrt(a' Cov a)``; (b) it is
   unlikely to be a coincidence: with ``N = ((2H+1)^m - 1)/2`` integer vectors of height ``H``
   on ``m`` coefficients, and each coincidence having probability at most
   ``z·sqrt(a' Cov a) / (s·max|a_i|)`` for coefficients spread over ``[-s, s]``
   (``s = max |ŵ_i|`` on the relation), the look-elsewhere bound ``N·z·σ_a/(s·max|a_i|)`` must
   not exceed ``chance_level``; (c) the constrained refit passes the joint test of step 3.
   An accepted relation ``w_p = -(Σ a_i w_i)/a_p`` becomes grouped terms
   ``w_i (t_i - (a_i/a_p) t_p)``, e.g. ``-0.77 (MinE - MaxE)``.

The cross-validated score is the mean over ``KFold(cv, shuffle=True, random_state)`` folds of
the test-fold R² of the (constrained) least-squares fit on the training folds, as
``cross_val_score(LinearRegression(), ...)`` and the formula search compute it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Sequence

import numpy as np

from ._validation import check_choice, check_int, check_number
from .errors import DataError, InvalidParameterError
from .formula import Formula, _terms_function
from .rationals import map_rationals, simplest_in_interval

__all__ = [
    "simplify_formula",
    "simplify_report",
    "SimplificationReport",
    "CoefficientChoice",
    "RelationCheck",
    "find_relation",
]

_OWNER = "simplify_formula"


@dataclass(frozen=True)
class CoefficientChoice:
    """The fate of one coefficient.

    Parameters
    ----------
    name : str
        ``"intercept"`` or the term (``sympy.sstr``), e.g. ``"MaxE*MinE"``.
    estimate, stderr : float
        Free least-squares estimate and its standard error.
    low, high : float
        The interval ``estimate ± z·stderr``.
    candidate : Fraction, sympy.Expr, float or None
        Proposed value: the rational proposed by the rule (or, when asked, a constant from
        ``mpmath.identify`` or a rounded decimal); ``None`` when there is none with a small
        enough denominator, or when the interval of a term holds 0.
    nearest : Fraction
        Nearest rational with denominator ``<= max_denominator``, for the record only.
    value : float or sympy.Rational
        Value in the simplified formula.
    status : str
        ``"rational"``, ``"constant"`` (``mpmath.identify``), ``"rounded"`` (``digits``),
        ``"refused"`` (the joint test or the CV guard rejected it), ``"no rational in
        interval"``, ``"not significant"``, ``"grouped"`` or ``"fitted"``.
    """

    name: str
    estimate: float
    stderr: float
    low: float
    high: float
    candidate: object
    nearest: Fraction
    value: object
    status: str


@dataclass(frozen=True)
class RelationCheck:
    """An integer relation ``Σ a_i w_i = 0`` proposed by PSLQ.

    Parameters
    ----------
    terms : tuple of str
        Terms of the coefficients in the relation.
    integers : tuple of int
        The ``a_i``.
    residual : float
        ``a·ŵ`` at the current estimates.
    stderr : float
        ``sqrt(a' Cov a)``.
    chance : float
        Look-elsewhere bound on the probability of such a coincidence (see Notes of the module).
    p_value : float
        F-test of the constrained refit against the free fit (nan if not reached).
    cv_score : float
        CV score of the constrained refit (nan if not reached).
    accepted : bool
    reason : str
        Why it was accepted or refused, in words.
    relation : tuple of int
        The full integer vector, one entry per coefficient searched (zeros included).
    """

    terms: tuple
    integers: tuple
    residual: float
    stderr: float
    chance: float
    p_value: float
    cv_score: float
    accepted: bool
    reason: str
    relation: tuple = ()


@dataclass(frozen=True)
class SimplificationReport:
    """Everything :func:`simplify_report` decided.

    Parameters
    ----------
    formula : Formula
        The simplified formula (its ``cv_score`` is the simplified model's).
    original : Formula
        The formula given.
    choices : tuple of CoefficientChoice
        Intercept first, then the terms in the formula's order.
    relations : tuple of RelationCheck
        Every relation PSLQ proposed, accepted or not.
    p_value : float
        F-test of all kept constraints (rationals and relations) against the free fit
        (1.0 when nothing was kept).
    level : float
        Level of the tests.
    cv_free : float
        CV score of the free refit.
    cv_simplified : float
        CV score of the simplified formula.
    notes : tuple of str
        The same story in sentences (also stored in ``formula.notes``).
    """

    formula: Formula
    original: Formula
    choices: tuple
    relations: tuple
    p_value: float
    level: float
    cv_free: float
    cv_simplified: float
    notes: tuple = field(default_factory=tuple)

    def table(self) -> str:
        """The coefficient table as plain text (estimate, SE, interval, chosen value, fate).

        Returns
        -------
        str
            One row per coefficient: name, estimate, standard error, interval searched,
            proposed rational (``-`` if none), value kept and status.
        """
        from tabulate import tabulate

        rows = [(c.name, f"{c.estimate:.6g}", f"{c.stderr:.2g}", f"[{c.low:.6g}, {c.high:.6g}]",
                 "-" if c.candidate is None else str(c.candidate), str(c.value)
                 if not isinstance(c.value, float) else f"{c.value:.6g}", c.status)
                for c in self.choices]
        return tabulate(rows, headers=["coefficient", "estimate", "SE", "interval",
                                       "proposed rational", "value", "status"])


# --------------------------------------------------------------------------- least squares
class _Problem:
    """The linear model ``ys ≈ A θ`` of one formula, with its folds.

    ``fit`` on all rows and ``cv_r2`` remember their results per constraint set, so the
    final formula (often the constraints a joint test has just scored) is not refitted.
    """

    def __init__(self, A, ys, folds):
        self.A = A
        self.ys = ys
        self.folds = folds
        self.n, self.p = A.shape
        self._memo = {}

    @staticmethod
    def _key(kind, C, d):
        if C is None or len(C) == 0:
            return kind, None
        C, d = np.asarray(C, dtype=float), np.asarray(d, dtype=float)
        return kind, C.shape, C.tobytes(), d.tobytes()

    def fit(self, C=None, d=None, rows=None):
        """Least squares under ``C θ = d`` on ``rows``: (θ, RSS, covariance, rank of C)."""
        if rows is not None:
            return self._fit(C, d, rows)
        key = self._key("fit", C, d)
        if key not in self._memo:
            self._memo[key] = self._fit(C, d, None)
        return self._memo[key]

    def _fit(self, C, d, rows):
        from scipy.linalg import null_space

        A = self.A if rows is None else self.A[rows]
        y = self.ys if rows is None else self.ys[rows]
        if C is None or len(C) == 0:
            theta, *_ = np.linalg.lstsq(A, y, rcond=None)
            N = np.eye(self.p)
            rank = 0
        else:
            C = np.asarray(C, dtype=float)
            d = np.asarray(d, dtype=float)
            theta0, *_ = np.linalg.lstsq(C, d, rcond=None)
            N = null_space(C)
            rank = self.p - N.shape[1]
            if N.shape[1]:
                phi, *_ = np.linalg.lstsq(A @ N, y - A @ theta0, rcond=None)
                theta = theta0 + N @ phi
            else:
                theta = theta0
        resid = y - A @ theta
        rss = float(resid @ resid)
        dof = len(y) - N.shape[1]
        if N.shape[1] and dof > 0:
            AN = A @ N
            cov = N @ np.linalg.pinv(AN.T @ AN) @ N.T * (rss / dof)
        else:
            cov = np.zeros((self.p, self.p))
        return theta, rss, cov, rank

    def cv_r2(self, C=None, d=None) -> float:
        """Mean R² over the folds of the fit under ``C θ = d`` (remembered per constraint set)."""
        key = self._key("cv", C, d)
        if key not in self._memo:
            self._memo[key] = self._cv_r2(C, d)
        return self._memo[key]

    def _cv_r2(self, C, d) -> float:
        scores = []
        for train, test in self.folds:
            theta, *_ = self.fit(C, d, rows=train)
            yt = self.ys[test]
            sse = float(np.sum((yt - self.A[test] @ theta) ** 2))
            sst = float(np.sum((yt - yt.mean()) ** 2))
            scores.append(1.0 - sse / sst if sst > 0 else np.nan)
        return float(np.mean(scores))

    def f_test(self, rss_c, rank, rss_f) -> float:
        """p-value of the F-test of ``rank`` constraints (1.0 when there are none)."""
        from scipy.stats import f as f_dist

        dof = self.n - self.p
        if rank == 0:
            return 1.0
        if dof <= 0 or rss_f <= 0:
            return 0.0 if rss_c > rss_f * (1 + 1e-12) else 1.0
        statistic = max(rss_c - rss_f, 0.0) / rank / (rss_f / dof)
        return float(f_dist.sf(statistic, rank, dof))


def _constraints(fixed: dict, relations: list, p: int):
    rows, values = [], []
    for j, value in sorted(fixed.items()):
        row = np.zeros(p)
        row[j] = 1.0
        rows.append(row)
        values.append(float(value))
    for relation in relations:
        rows.append(np.asarray(relation, dtype=float))
        values.append(0.0)
    return (np.array(rows), np.array(values)) if rows else (None, None)


# --------------------------------------------------------------------------- inputs
def _design(formula: Formula, X, feature_names):
    names = list(feature_names)
    if len(set(names)) != len(names):
        raise InvalidParameterError(f"The 'feature_names' parameter of {_OWNER} has a repeated "
                                    f"name: {', '.join(names)}.", parameter="feature_names",
                                    value=names)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != len(names):
        raise DataError(f"{_OWNER}: X has shape {X.shape}, but {len(names)} feature names were "
                        f"given ({', '.join(names)}).", value=X.shape)
    used = formula.features
    missing = [name for name in used if name not in names]
    if missing:
        raise DataError(f"{_OWNER}: the formula uses {', '.join(missing)}, which is not among "
                        f"the feature names: {', '.join(names)}.", column=missing[0])
    bad = np.argwhere(~np.isfinite(X[:, [names.index(n) for n in used]]))
    if bad.size:
        row, col = bad[0]
        raise DataError(f"{_OWNER}: column '{used[col]}', row {row}: "
                        f"{X[row, names.index(used[col])]}; expected a finite number",
                        column=used[col], row=int(row))
    Z = [(X[:, names.index(name)] - formula.feature_means[name]) / formula.feature_scales[name]
         for name in used]
    n = X.shape[0]
    function = _terms_function(tuple(used), tuple(formula.terms))   # cached by formula.py
    columns = function(*Z) if used else [np.full(n, float(t)) for t in formula.terms]
    B = np.column_stack([np.broadcast_to(np.asarray(c, dtype=float), (n,)) for c in columns]) \
        if formula.terms else np.empty((n, 0))
    return np.column_stack([np.ones(n), B])


def _check_params(cv, score_tolerance, max_denominator, z, level, max_relation_coefficient,
                  chance_level, units, rule, alpha, window, gamma):
    check_int(cv, "cv", owner=_OWNER, low=2)
    check_number(score_tolerance, "score_tolerance", owner=_OWNER, low=0.0)
    check_int(max_denominator, "max_denominator", owner=_OWNER, low=1)
    check_number(z, "z", owner=_OWNER, low=0.0, low_open=True)
    check_number(level, "level", owner=_OWNER, low=0.0, high=1.0, low_open=True, high_open=True)
    check_int(max_relation_coefficient, "max_relation_coefficient", owner=_OWNER, low=1)
    check_number(chance_level, "chance_level", owner=_OWNER, low=0.0, high=1.0)
    check_choice(units, "units", ("standardized", "target"), owner=_OWNER)
    check_choice(rule, "rule", ("simplest", "nearest", "map"), owner=_OWNER)
    check_number(alpha, "alpha", owner=_OWNER, low=0.0)
    check_number(gamma, "gamma", owner=_OWNER, low=0.0)
    check_number(window, "window", owner=_OWNER, low=0.0, low_open=True)


# --------------------------------------------------------------------------- PSLQ
def _pslq(values, stderr, *, z, max_coefficient, dps=30):
    """Integer relation among ``values`` with height ``<= max_coefficient``, or None."""
    import mpmath

    m = len(values)
    tol = z * max_coefficient * float(np.sqrt(m)) * float(np.max(stderr))
    if tol <= 0 or min(abs(v) for v in values) <= tol / 100:
        return None
    with mpmath.workdps(dps):
        relation = mpmath.pslq([mpmath.mpf(float(v)) for v in values], tol=mpmath.mpf(tol),
                               maxcoeff=int(max_coefficient * np.sqrt(m)) + 1, maxsteps=2000)
    if relation is None or max(abs(a) for a in relation) > max_coefficient:
        return None
    return [int(a) for a in relation]


def _relation_chance(a, values, sigma, z, max_coefficient):
    support = [i for i, ai in enumerate(a) if ai]
    m = len(values)
    n_relations = ((2 * max_coefficient + 1) ** m - 1) / 2
    spread = max(abs(values[i]) for i in support)
    height = max(abs(a[i]) for i in support)
    return float(min(1.0, n_relations * z * sigma / (spread * height)))


def find_relation(values, cov, *, z: float = 2.0, max_coefficient: int = 1,
                  chance_level: float = 0.01, names: Sequence[str] | None = None):
    """Look for an integer relation ``a·w = 0`` among uncertain coefficients with PSLQ.

    Parameters
    ----------
    values : array-like of shape (m,)
        Estimated coefficients (``m >= 2``).
    cov : array-like of shape (m, m)
        Their covariance matrix.
    z : float, default=2.0
        The relation must hold within ``z·sqrt(a' cov a)``; the PSLQ tolerance is
        ``z·max_coefficient·sqrt(m)·max(SE)``.
    max_coefficient : int, default=1
        Largest ``|a_i|``.
    chance_level : float, default=0.01
        Largest accepted look-elsewhere bound on a coincidence (module notes).
    names : sequence of str, optional
        Names of the coefficients, for the message.

    Returns
    -------
    RelationCheck or None
        ``None`` when PSLQ finds no relation of height ``<= max_coefficient``. Otherwise the
        relation, with ``accepted`` telling whether it passes both checks (the refit test is
        the caller's; ``p_value`` and ``cv_score`` are nan here).

    Examples
    --------
    >>> found = find_relation([0.7712, -0.7711, 0.3133], np.diag([1e-4, 1e-4, 1e-4]) ** 2)
    >>> found.integers, found.accepted
    ((1, 1), True)
    """
    values = np.asarray(values, dtype=float)
    cov = np.asarray(cov, dtype=float)
    m = len(values)
    if m < 2 or cov.shape != (m, m):
        raise InvalidParameterError(f"find_relation needs at least 2 values and an (m, m) "
                                    f"covariance; got {m} values and shape {cov.shape}.",
                                    parameter="cov", value=cov.shape)
    names = [f"w{i}" for i in range(m)] if names is None else list(names)
    stderr = np.sqrt(np.clip(np.diag(cov), 0, None))
    a = _pslq(values, stderr, z=z, max_coefficient=max_coefficient)
    if a is None:
        return None
    a = np.array(a)
    residual = float(a @ values)
    sigma = float(np.sqrt(max(a @ cov @ a, 0.0)))
    chance = _relation_chance(a, values, sigma, z, max_coefficient)
    text = " + ".join(f"{ai}·w[{names[i]}]" for i, ai in enumerate(a) if ai)
    if abs(residual) > z * sigma:
        accepted, reason = False, f"{text} = {residual:.3g} exceeds {z:g}·SE = {z * sigma:.3g}"
    elif chance > chance_level:
        accepted, reason = False, (f"{text} = {residual:.3g} ± {sigma:.2g} holds, but a "
                                   f"coincidence this close has a chance up to {chance:.2g} > "
                                   f"{chance_level:g}")
    else:
        accepted, reason = True, f"{text} = {residual:.3g} ± {sigma:.2g} (chance ≤ {chance:.2g})"
    check = RelationCheck(tuple(names[i] for i, ai in enumerate(a) if ai),
                          tuple(int(ai) for ai in a if ai), residual, sigma, chance,
                          float("nan"), float("nan"), accepted, reason,
                          tuple(int(ai) for ai in a))
    return check


# --------------------------------------------------------------------------- main
def simplify_report(formula: Formula, X, y, *, feature_names: Sequence[str], cv: int = 5,
                    score_tolerance: float = 0.01, max_denominator: int = 12, z: float = 2.0,
                    level: float = 0.01, use_pslq: bool = True,
                    max_relation_coefficient: int = 1, chance_level: float = 0.01,
                    units: str = "standardized", rule: str = "map",
                    alpha: float = 2.0, gamma: float = 4.0, window: float = 4.0,
                    denominators=None,
                    constants: Sequence[str] | None = None,
                    digits: int | None = None, classify: bool = False,
                    random_state: int = 0) -> SimplificationReport:
    """Simplify a formula's coefficients and say why each choice was made.

    Parameters
    ----------
    formula : Formula
        A fitted formula (e.g. ``FormulaRegressor.best_formula_``).
    X : array-like of shape (n_samples, n_features)
        Features in physical units, columns named by ``feature_names``.
    y : array-like of shape (n_samples,)
        Target in physical units.
    feature_names : sequence of str
        Names of the columns of ``X`` (a superset of the formula's features).
    cv : int, default=5
        Folds, ``KFold(cv, shuffle=True, random_state=random_state)``, as in the search.
    score_tolerance : float, default=0.01
        Largest accepted drop of the CV score.
    max_denominator : int, default=12
        Largest denominator of a proposed rational.
    z : float, default=2.0
        Half-width of the confidence intervals, in standard errors.
    level : float, default=0.01
        Level of the F-tests: constraints are kept when ``p >= level``. It is the rate at
        which a true rational vector is refused; 0.01 was chosen with ``alpha``, ``gamma`` and
        ``window`` on calibration seeds (docs/tables.md, "Choosing the rule").
    use_pslq : bool, default=True
        Look for integer relations (groupings) with PSLQ.
    max_relation_coefficient : int, default=1
        Largest ``|a_i|`` of a relation (1: groupings ``w_i = ±w_j``, sums, differences).
    chance_level : float, default=0.01
        Largest accepted look-elsewhere bound on a coincidental relation.
    units : {"standardized", "target"}, default="standardized"
        Simplify the coefficients of the standardized target (the paper's convention), or of
        the target in its own units (features standardized either way); with ``"target"`` the
        returned formula has ``target_mean = 0`` and ``target_scale = 1``.
    rule : {"map", "simplest", "nearest"}, default="map"
        Which rationals to propose. "map": the jointly most probable rational vector under
        the prior ``P(r) ∝ Π q_j^-alpha · lcm(q)^-gamma``, with the Gaussian likelihood of the free fit and its
        full covariance (:func:`formulae.rationals.map_rationals`), candidates within
        ``± window·SE``. "simplest": per coefficient, the simplest in ``estimate ± z·SE``
        (smallest denominator, then numerator), which favours small denominators whatever
        their distance (3/5 over 5/8). "nearest": the nearest with denominator
        ``<= max_denominator`` provided it lies in ``estimate ± z·SE``. The default and its
        ``alpha``/``gamma``/``window`` were chosen on calibration seeds and compared on held-out ones
        (docs/tables.md, "Choosing the rule").
    alpha : float, default=2.0
        Exponent of the per-coefficient prior ``q^-alpha`` of ``rule="map"`` (with
        ``gamma=0``, 0 is the jointly nearest vector).
    gamma : float, default=4.0
        Exponent of the common-denominator prior ``lcm(q)^-gamma`` of ``rule="map"``: it reads
        ambiguous coefficients in the denominator their neighbours share (5/8 next to -3/8,
        not 3/5). 0 treats the coefficients as independent, the better choice when they are
        expected to have unrelated denominators (docs/tables.md measures both cases).
    window : float, default=4.0
        Candidate window of ``rule="map"``, in standard errors.
    denominators : iterable of int, optional
        ``rule="map"`` only: restrict candidates to these (reduced) denominators, e.g.
        ``(1, 2, 3, 4, 6, 8)``; a prior statement about the formula (no fifths or sevenths),
        not a property of the data. Default: every denominator ``<= max_denominator``.
    constants : sequence of str, optional
        Off by default. Constants for ``mpmath.identify`` (e.g. ``["pi", "sqrt(2)"]``), tried on
        coefficients whose interval holds no small rational; a proposal must lie in the
        interval and pass the same joint test. Beware coincidences: 0.4137 ± 0.002 is
        "identified" as ``sqrt(2) - 1``.
    digits : int, optional
        Off by default. Propose coefficients that got no rational (nor constant) rounded to
        this many significant digits, subject to the same joint test and CV guard.
    classify : bool, default=False
        The formula is a classifier's decision function. Not simplified in this version: the
        formula is returned unchanged with a note saying so.
    random_state : int, default=0
        Seed of the folds.

    Returns
    -------
    SimplificationReport

    Raises
    ------
    InvalidParameterError
        If a parameter is out of range (the parameter is named).
    DataError
        If ``X`` and ``feature_names`` disagree, the formula uses an unknown feature, a used
        cell is not finite, or there are too few rows for the folds.
    """
    _check_params(cv, score_tolerance, max_denominator, z, level, max_relation_coefficient,
                  chance_level, units, rule, alpha, window, gamma)
    if digits is not None:
        check_int(digits, "digits", owner=_OWNER, low=1, high=15)
    if not isinstance(formula, Formula):
        raise InvalidParameterError(f"The 'formula' parameter of {_OWNER} must be a Formula. "
                                    f"Got {type(formula).__name__} instead.",
                                    parameter="formula", value=formula)
    if classify or formula.score_kind != "r2":
        note = ("not simplified: classification formulas (decision functions) are left as "
                "fitted in this version")
        out = replace(formula, notes=(*formula.notes, note))
        return SimplificationReport(out, formula, (), (), 1.0, level, formula.cv_score,
                                    formula.cv_score, (note,))
    from sklearn.model_selection import KFold

    A = _design(formula, X, feature_names)
    y = np.asarray(y, dtype=float).ravel()
    if y.shape[0] != A.shape[0] or not np.all(np.isfinite(y)):
        raise DataError(f"{_OWNER}: y must hold {A.shape[0]} finite values (one per row of X); "
                        f"got {y.shape[0]} values"
                        + ("" if np.all(np.isfinite(y)) else " with a non-finite one"))
    n, p = A.shape
    if n < max(2 * cv, p + 2):
        raise DataError(f"{_OWNER} needs at least {max(2 * cv, p + 2)} rows for cv={cv} and "
                        f"{p} coefficients; got {n}.", value=n)
    if units == "standardized":
        ys = (y - formula.target_mean) / formula.target_scale
    else:
        ys = y.copy()
    folds = list(KFold(cv, shuffle=True, random_state=random_state).split(A))
    problem = _Problem(A, ys, folds)
    kind = "R²"

    theta, rss_f, cov, _ = problem.fit()
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    cv_free = problem.cv_r2()
    names = ["intercept"] + [_sstr(t) for t in formula.terms]
    notes = [f"free refit: CV {kind} {cv_free:.4f} (search: {formula.cv_score:.4f}); "
             f"intervals are estimate ± {z:g}·SE; tests at level {level:g}"]

    # --- step 2: a rational proposal per coefficient (joint MAP, simplest or nearest)
    def check(fixed, relations):
        C, d = _constraints(fixed, relations, p)
        theta_c, rss_c, cov_c, rank = problem.fit(C, d)
        p_value = problem.f_test(rss_c, rank, rss_f)
        cv_c = problem.cv_r2(C, d)
        ok = p_value >= level and cv_c >= cv_free - score_tolerance
        return ok, p_value, cv_c, theta_c, cov_c

    candidates, status = {}, {}
    significant = [j for j in range(p)
                   if j == 0 or not theta[j] - z * se[j] <= 0 <= theta[j] + z * se[j]]
    if rule == "map" and significant:
        chosen = map_rationals(theta[significant], cov[np.ix_(significant, significant)],
                               alpha=alpha, gamma=gamma, z=window, max_denominator=max_denominator,
                               denominators=denominators,
                               allow_zero=[j == 0 for j in significant])
        map_choice = dict(zip(significant, chosen))
        notes.append(f"rule 'map': jointly most probable rational vector, prior "
                     f"P(r) ∝ Π q^-{alpha:g} · lcm(q)^-{gamma:g}, candidates within "
                     f"±{window:g} SE, full covariance")
    nearest_all = [Fraction(float(t)).limit_denominator(max_denominator) for t in theta]
    for j in range(p):
        low, high = theta[j] - z * se[j], theta[j] + z * se[j]
        if j not in significant:
            status[j] = "not significant"
            notes.append(f"{names[j]}: {theta[j]:.4g} ± {se[j]:.2g}, interval holds 0: "
                         "not significant at this z; left as fitted")
            continue
        if rule == "map":
            r = map_choice[j]
        elif rule == "simplest":
            r = simplest_in_interval(theta[j], se[j], z=z, max_denominator=max_denominator)
        else:
            r = nearest_all[j]
            r = r if abs(float(r) - theta[j]) <= z * se[j] else None
        if r is None:
            status[j] = "no rational in interval"
            nearest = nearest_all[j]
            _, p_near, cv_near, *_ = check({j: nearest}, [])
            if rule == "map":
                low, high = theta[j] - window * se[j], theta[j] + window * se[j]
            notes.append(f"{names[j]}: {theta[j]:.4g} ± {se[j]:.2g}: no rational with "
                         f"denominator ≤ {max_denominator} in [{low:.4g}, {high:.4g}]; left as "
                         f"fitted (forcing the nearest, {nearest}, "
                         f"{abs(theta[j] - float(nearest)) / se[j]:.1f} SE away, would give "
                         f"F-test p = {p_near:.2g}, CV {kind} {cv_free:.4f} -> {cv_near:.4f})")
        else:
            candidates[j] = r
            continue
        if constants:
            found = _identify(theta[j], se[j], z=z, constants=constants,
                              max_coefficient=max_denominator)
            if found is not None:
                candidates[j] = found
                notes.append(f"{names[j]}: mpmath.identify proposes {found} = "
                             f"{float(found):.6g} within the interval")
                continue
        if digits is not None:
            candidates[j] = float(f"{theta[j]:.{digits}g}")
            notes.append(f"{names[j]}: proposed rounded to {digits} significant digits: "
                         f"{candidates[j]!r}")

    fixed = {}
    if candidates:
        ok, p_value, cv_c, *_ = check(candidates, [])
        listing = ", ".join(f"{names[j]} = {r}" for j, r in sorted(candidates.items()))
        if ok:
            fixed = dict(candidates)
            notes.append(f"proposals kept jointly ({listing}): F-test p = {p_value:.3g}, "
                         f"CV {kind} {cv_free:.4f} -> {cv_c:.4f}")
        else:
            notes.append(f"joint proposals refused ({listing}): F-test p = {p_value:.3g}, "
                         f"CV {kind} {cv_free:.4f} -> {cv_c:.4f}; trying one at a time")
            order = sorted(candidates, key=lambda j: (abs(theta[j] - float(candidates[j]))
                                                      / max(se[j], 1e-300), j))
            for j in order:
                trial = {**fixed, j: candidates[j]}
                ok, p_value, cv_c, *_ = check(trial, [])
                verdict = "kept" if ok else "refused"
                notes.append(f"{names[j]} = {candidates[j]} {verdict}: F-test p = "
                             f"{p_value:.3g}, CV {kind} {cv_c:.4f}")
                if ok:
                    fixed = trial
        for j, value in candidates.items():
            status[j] = "refused" if j not in fixed else (
                "rational" if isinstance(value, Fraction) else
                "rounded" if isinstance(value, float) else "constant")

    # --- step 4: PSLQ relations among the remaining significant coefficients
    relations, checks = [], []
    if use_pslq:
        theta_c, _, cov_c, _ = problem.fit(*_constraints(fixed, relations, p))
        while True:
            pool = [j for j in range(1, p) if j not in fixed and status.get(j) != "not significant"
                    and not any(r[j] for r in relations)]
            if len(pool) < 2:
                break
            values = theta_c[pool]
            found = find_relation(values, cov_c[np.ix_(pool, pool)], z=z,
                                  max_coefficient=max_relation_coefficient,
                                  chance_level=chance_level, names=[names[j] for j in pool])
            if found is None:
                notes.append(f"PSLQ: no integer relation of height ≤ {max_relation_coefficient} "
                             f"among {', '.join(names[j] for j in pool)} within their "
                             "uncertainties")
                break
            full = np.zeros(p)
            full[pool] = found.relation
            if found.accepted:
                ok_rel, p_rel, cv_rel, theta_r, cov_r = check(fixed, relations + [full])
                found = replace(found, accepted=ok_rel, p_value=p_rel, cv_score=cv_rel,
                                reason=f"{found.reason}; constrained refit: F-test p = "
                                       f"{p_rel:.3g}, CV {kind} {cv_rel:.4f}")
            checks.append(found)
            notes.append(("PSLQ relation accepted: " if found.accepted
                          else "PSLQ relation refused: ") + found.reason)
            if not found.accepted:
                break
            relations.append(full)
            theta_c, cov_c = theta_r, cov_r

    # --- the simplified formula
    C, d = _constraints(fixed, relations, p)
    theta_c, rss_c, cov_c, rank = problem.fit(C, d)
    p_final = problem.f_test(rss_c, rank, rss_f)
    cv_final = problem.cv_r2(C, d)
    values = [float(v) for v in theta_c]
    groups = []
    import sympy

    for relation in relations:
        support = [j for j in range(p) if relation[j]]
        pivot = support[-1]
        values[pivot] = float(-sum(relation[j] * values[j] for j in support[:-1])
                              / relation[pivot])
        for j in support[:-1]:
            status[j] = "grouped"
            groups.append(formula.terms[j - 1]
                          - sympy.Rational(int(relation[j]), int(relation[pivot]))
                          * formula.terms[pivot - 1])
        status[pivot] = "grouped"

    exact = [_exact(fixed[j]) if j in fixed else values[j] for j in range(p)]
    se_c = np.sqrt(np.clip(np.diag(cov_c), 0, None))
    r2 = 1.0 - rss_c / float(np.sum((ys - ys.mean()) ** 2))
    notes.append(f"simplified: {len(fixed)} fixed value(s), {len(relations)} relation(s); F-test "
                 f"against the free fit p = {p_final:.3g}; CV {kind} {cv_free:.4f} -> "
                 f"{cv_final:.4f}")
    choices = []
    for j in range(p):
        low, high = theta[j] - z * se[j], theta[j] + z * se[j]
        value = exact[j]
        choices.append(CoefficientChoice(
            names[j], float(theta[j]), float(se[j]), float(low), float(high), candidates.get(j),
            nearest_all[j], value,
            status.get(j, "fitted")))
    target_mean, target_scale = ((formula.target_mean, formula.target_scale)
                                 if units == "standardized" else (0.0, 1.0))
    out = replace(formula, coefficients=tuple(exact[1:]), intercept=exact[0],
                  cv_score=float(cv_final), score=float(r2), stderr=tuple(float(s)
                                                                         for s in se_c[1:]),
                  target_mean=float(target_mean), target_scale=float(target_scale),
                  groups=tuple(groups), notes=(*formula.notes, *notes))
    return SimplificationReport(out, formula, tuple(choices), tuple(checks), float(p_final),
                                float(level), float(cv_free), float(cv_final), tuple(notes))


def simplify_formula(formula: Formula, X, y, *, feature_names: Sequence[str], cv: int = 5,
                     score_tolerance: float = 0.01, max_denominator: int = 12, z: float = 2.0,
                     use_pslq: bool = True, classify: bool = False, random_state: int = 0,
                     **options) -> Formula:
    """Return the formula with simple coefficients where the data allow, and say what it cost.

    Each coefficient becomes a rational proposed by ``rule`` (by default the jointly most
    probable rational vector under a prior favouring small denominators), all of them
    jointly if an F-test and the CV score allow, else one at a time; then PSLQ groups terms
    whose coefficients obey a small integer relation. See the module notes for the method.

    Parameters
    ----------
    formula : Formula
        A fitted formula (e.g. ``FormulaRegressor.best_formula_``).
    X : array-like of shape (n_samples, n_features)
        Features in physical units.
    y : array-like of shape (n_samples,)
        Target in physical units.
    feature_names : sequence of str
        Names of the columns of ``X``.
    cv : int, default=5
        Folds, ``KFold(cv, shuffle=True, random_state=random_state)``.
    score_tolerance : float, default=0.01
        Largest accepted drop of the CV score.
    max_denominator : int, default=12
        Largest denominator of a proposed rational.
    z : float, default=2.0
        Half-width of the confidence intervals, in standard errors.
    use_pslq : bool, default=True
        Look for groupings with PSLQ.
    classify : bool, default=False
        The formula is a decision function (returned unchanged, with a note).
    random_state : int, default=0
        Seed of the folds.
    **options
        ``level``, ``max_relation_coefficient``, ``chance_level``, ``units``, ``rule``,
        ``alpha``, ``gamma``, ``window``, ``denominators``, ``constants``, ``digits``: see
        :func:`simplify_report`.

    Returns
    -------
    Formula
        Rational coefficients as ``sympy.Rational``, grouped terms in ``groups``, the story in
        ``notes``, the simplified model's CV score in ``cv_score``.

    Examples
    --------
    >>> import sympy
    >>> rng = np.random.default_rng(1)
    >>> X = rng.normal(size=(400, 2))
    >>> y = 0.5 * X[:, 0] - 0.75 * X[:, 1] + 0.01 * rng.normal(size=400)
    >>> f = Formula("y", (sympy.Symbol("a"), sympy.Symbol("b")), (0.49, -0.74), 0.0,
    ...             {"a": 0.0, "b": 0.0}, {"a": 1.0, "b": 1.0}, cv_score=0.0, score=0.0)
    >>> simplify_formula(f, X, y, feature_names=["a", "b"]).coefficients
    (1/2, -3/4)
    """
    return simplify_report(formula, X, y, feature_names=feature_names, cv=cv,
                           score_tolerance=score_tolerance, max_denominator=max_denominator,
                           z=z, use_pslq=use_pslq, classify=classify, random_state=random_state,
                           **options).formula


def _exact(value):
    """A fixed value as stored in the Formula: Rational, sympy constant or float."""
    import sympy

    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    return value


def _identify(estimate, stderr, *, z, constants, max_coefficient):
    """``mpmath.identify`` within ``estimate ± z·stderr``, as a sympy expression, or None."""
    import mpmath
    import sympy

    tol = z * stderr
    if tol <= 0:
        return None
    with mpmath.workdps(30):
        text = mpmath.identify(mpmath.mpf(float(estimate)), list(constants), tol=tol,
                               maxcoeff=max_coefficient)
    if text is None:
        return None
    value = sympy.nsimplify(sympy.sympify(text), rational=False)
    if abs(float(value) - estimate) > tol:
        return None
    return value


def _sstr(term) -> str:
    import sympy

    return sympy.sstr(term)
