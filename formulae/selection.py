"""Term ranking, best-subset search and cross-validated scores on Gram matrices.

=========================  ====================================================================
name                       what it does
=========================  ====================================================================
rank_elastic_net           elastic net (penalty and mixing by CV) -> terms sorted by |coef|
rank_logistic              elastic-net logistic regression, the same for class targets
best_subsets               exhaustive (or beam) search of the least-squares best subsets of
                           each size, on the Gram matrix; the ``n_keep`` best of each size
FoldGrams                  per-fold Gram matrices of ``[1, B]``; exact CV R² of many subsets
                           by batched solves of ``G_total - G_fold``
least_squares              coefficients, intercept and standard errors of one subset
cv_accuracy_logistic       cross-validated accuracy of logistic fits on given subsets
logistic_newton            many small binary L2 logistic fits at once (damped Newton)
logistic_multinomial_newton  the same for more than two classes (multinomial)
fit_logistic               either of the two; predict_logistic: their class predictions
=========================  ====================================================================

Notes
-----
**Exhaustive search.** For a subset ``S`` of basis columns, let ``G = Bc'Bc`` and
``b = Bc'yc`` be the Gram matrix and moment vector of the *centred* basis ``Bc`` and target
``yc`` (centring makes the intercept exact). With the Cholesky factor ``G_SS = L L'``,
``Q_S = L^{-1} G_S,:`` and ``w_S = L^{-1} b_S``, the residual sum of squares of the least-squares
fit with an intercept is ``RSS(S) = yc'yc - |w_S|²``, and adding a column ``d`` gives, for all
``d`` at once,

    RSS(S + d) = RSS(S) - (b_d - Q_S[:, d]·w_S)² / (G_dd - |Q_S[:, d]|²).

Every subset of size ``k`` is reached from its first ``k - 1`` columns (``d`` larger than the
last index of ``S``), so one vectorised pass per size scores all ``C(p, k)`` subsets exactly,
without forming or solving any ``k×k`` system; the factors of size ``k`` are extended from those
of size ``k - 1`` in the same pass. When ``C(p, k)`` exceeds the budget, a beam of the best
``beam_width`` subsets of size ``k - 1`` (plus the elastic-net prefix) is extended by every
column instead; beam results are not guaranteed optimal and are labelled so.

**Cross-validation.** With ``A = [1, B]``, ``M = A'A``, ``t = A'y`` and the same quantities
``M_f``, ``t_f`` on the rows of fold ``f``, the training fit of subset ``S`` (intercept always
included) solves ``(M - M_f)_SS β = (t - t_f)_S`` and the test error is
``y_f'y_f - 2 β't_f,S + β'M_f,SS β``. Many subsets and all folds are solved in one batched
``numpy.linalg.solve``. The CV R² is the mean over folds of
``1 - SSE_f / Σ_f (y - ȳ_f)²`` (for a fold whose target is constant: 1 for an exact fit,
else 0), which is what
``sklearn.model_selection.cross_val_score(LinearRegression(), B[:, S], y, cv=folds)`` returns.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from math import comb

import numpy as np

__all__ = [
    "rank_elastic_net",
    "rank_logistic",
    "best_subsets",
    "SubsetLevel",
    "FoldGrams",
    "least_squares",
    "cv_accuracy_logistic",
    "logistic_newton",
    "logistic_multinomial_newton",
    "fit_logistic",
    "predict_logistic",
]

# A column whose residual norm (after projection on the others) is below this fraction of its
# own norm is treated as collinear with them, and the subset is skipped.
_COLLINEAR = 1e-10
# Largest Cholesky state (subsets x size x terms floats, 120 MB) kept for an exhaustive level;
# beyond it the next size is searched by beam (44 terms: sizes 1-4 exhaustive, 5 by beam).
_MAX_STATE_FLOATS = 15_000_000


def _order_by_magnitude(coef_magnitude, tie_breaker):
    """Indices sorted by decreasing |coef|; zeros ordered by decreasing tie_breaker."""
    return np.lexsort((-tie_breaker, -coef_magnitude))


def _ratio_list(l1_ratio) -> list:
    """``l1_ratio`` as a list: a single number becomes a list of one."""
    return [l1_ratio] if np.ndim(l1_ratio) == 0 else list(l1_ratio)


def rank_elastic_net(B, y, *, l1_ratio, folds, n_alphas=50, eps=1e-3, tol=1e-4,
                     max_iter=5000):
    """Rank basis terms by the magnitude of their elastic-net coefficient.

    The penalty and the mixing are chosen as ``sklearn.linear_model.ElasticNetCV`` chooses
    them (same alpha grids, same objective, least mean test-fold MSE), but each fold's path is
    computed by ``enet_path`` on the fold's centred Gram matrix, without ElasticNetCV's
    per-call overhead.

    Parameters
    ----------
    B : ndarray of shape (n_samples, n_terms)
        Basis evaluated on standardized features.
    y : ndarray of shape (n_samples,)
        Standardized target.
    l1_ratio : float or sequence of float in (0, 1]
        Mixing values tried (1 = lasso).
    folds : list of (train, test) index pairs
    n_alphas : int, default=50
        Penalties per mixing value, log-spaced from the smallest that zeroes every coefficient
        down to ``eps`` times it.
    eps, tol, max_iter :
        As in ``ElasticNetCV``.

    Returns
    -------
    order : ndarray of int of shape (n_terms,)
        Term indices by decreasing |coef| (terms with a zero coefficient follow, by decreasing
        |correlation| with ``y``).
    coef : ndarray of shape (n_terms,)
    alpha : float
    l1_ratio : float
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import enet_path

    ratios = [float(r) for r in _ratio_list(l1_ratio)]
    B = np.asarray(B, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(y)
    Bc = np.asfortranarray(B - B.mean(axis=0))
    yc = y - y.mean()
    Xy = Bc.T @ yc
    # ElasticNetCV's grid: from max|X'y| / (n l1_ratio) down by a factor eps.
    grids = [np.geomspace(np.max(np.abs(Xy)) / (n * r), np.max(np.abs(Xy)) / (n * r) * eps,
                          n_alphas) for r in ratios]
    mse = np.zeros((len(ratios), n_alphas))
    with warnings.catch_warnings():
        # A path point that does not converge only affects the ranking of tiny coefficients.
        warnings.simplefilter("ignore", ConvergenceWarning)
        for train, test in folds:
            mean = B[train].mean(axis=0)
            Xt = np.asfortranarray(B[train] - mean)
            yt_mean = y[train].mean()
            yt = y[train] - yt_mean
            gram, xy = Xt.T @ Xt, Xt.T @ yt
            for i, (ratio, grid) in enumerate(zip(ratios, grids)):
                _, coefs, _ = enet_path(Xt, yt, l1_ratio=ratio, alphas=grid, precompute=gram,
                                        Xy=xy, check_input=False, copy_X=False, tol=tol,
                                        max_iter=max_iter)
                pred = (B[test] - mean) @ coefs + yt_mean
                mse[i] += np.mean((pred - y[test][:, None]) ** 2, axis=0)
        i, j = np.unravel_index(np.argmin(mse), mse.shape)
        _, coefs, _ = enet_path(Bc, yc, l1_ratio=ratios[i], alphas=grids[i][:j + 1],
                                precompute=Bc.T @ Bc, Xy=Xy, check_input=False, copy_X=False,
                                tol=tol, max_iter=max_iter)
    coef = coefs[:, -1]
    corr = np.abs(Xy) / (np.linalg.norm(Bc, axis=0) + 1e-300)
    order = _order_by_magnitude(np.abs(coef), corr)
    return order, coef, float(grids[i][j]), ratios[i]


def rank_logistic(B, y, *, l1_ratio, folds, random_state=0):
    """Rank basis terms by the magnitude of elastic-net logistic coefficients.

    The penalty ``C`` and the mixing are chosen by cross-validated accuracy
    (``LogisticRegressionCV``, solver ``saga``). For more than two classes the magnitude of a
    term is the Euclidean norm of its coefficients over classes.

    Parameters
    ----------
    B : ndarray of shape (n_samples, n_terms)
        Basis evaluated on standardized features.
    y : ndarray of shape (n_samples,)
        Class labels.
    l1_ratio : float or sequence of float in [0, 1]
        Mixing values tried (1 = lasso).
    folds : int, cross-validation splitter or iterable of (train, test) index pairs
        Passed as ``cv`` to ``LogisticRegressionCV``.
    random_state : int, default=0
        Seed of the ``saga`` solver's random order.

    Returns
    -------
    order : ndarray of int of shape (n_terms,)
        Term indices by decreasing coefficient magnitude (terms with a zero coefficient
        follow, by decreasing norm of their correlation with the one-hot classes).
    coef : ndarray of shape (n_classes or 1, n_terms)
        Coefficients of the chosen model (one row for two classes).
    C : float
        Chosen inverse penalty strength.
    l1_ratio : float
        Chosen mixing value.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegressionCV

    ratios = [float(r) for r in _ratio_list(l1_ratio)]
    # A loose tolerance is enough for a ranking, and keeps saga fast (C up to 10).
    model = LogisticRegressionCV(Cs=np.logspace(-2, 1, 4), l1_ratios=ratios, cv=folds,
                                 solver="saga", scoring="accuracy", max_iter=100, tol=1e-2,
                                 random_state=random_state, use_legacy_attributes=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(B, y)
    coef = np.atleast_2d(model.coef_)
    magnitude = np.linalg.norm(coef, axis=0)
    classes = np.unique(y)
    onehot = (y[:, None] == classes[None, :]).astype(float)
    Bc = B - B.mean(0)
    corr = np.linalg.norm(Bc.T @ (onehot - onehot.mean(0)), axis=1) / (
        np.linalg.norm(Bc, axis=0) + 1e-300)
    order = _order_by_magnitude(magnitude, corr)
    C = np.ravel(model.C_)[0]
    ratio = np.ravel(model.l1_ratio_)[0] if model.l1_ratio_ is not None else ratios[0]
    return order, coef, float(C), float(ratio)


@dataclass(frozen=True)
class SubsetLevel:
    """The best subsets of one size.

    Parameters
    ----------
    size : int
        Number of columns in each subset.
    subsets : ndarray of int of shape (n_kept, size)
        Column indices (sorted within a subset), best first.
    rss : ndarray of shape (n_kept,)
        Residual sum of squares of each (least squares with intercept).
    n_evaluated : int
        Number of subsets scored at this size (at a beam level: of (parent, column) pairs,
        so a subset reached from several parents counts several times).
    exhaustive : bool
        True when every subset of this size was scored (then ``subsets[0]`` is the exact best).
    """

    size: int
    subsets: np.ndarray
    rss: np.ndarray
    n_evaluated: int
    exhaustive: bool


class _State:
    """Subsets of one size with their Cholesky quantities (see module Notes)."""

    def __init__(self, subsets, Q, W, rss):
        self.subsets, self.Q, self.W, self.rss = subsets, Q, W, rss

    def take(self, rows):
        return _State(self.subsets[rows], self.Q[rows], self.W[rows], self.rss[rows])


def _top(values, n):
    """Indices of the n smallest finite values, sorted."""
    finite = np.flatnonzero(np.isfinite(values))
    if finite.size > n:
        part = np.argpartition(values[finite], n - 1)[:n]
        finite = finite[part]
    return finite[np.argsort(values[finite], kind="stable")]


def best_subsets(B, Y, max_terms, *, max_subsets=2_000_000, beam_width=500, n_keep=100,
                 seed_order=None):
    """Best least-squares subsets of each size 1..max_terms (intercept always included).

    Parameters
    ----------
    B : ndarray of shape (n_samples, n_terms)
        Basis values.
    Y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Target(s); with several outputs the RSS is summed over them (used as a least-squares
        surrogate with one-hot class indicators).
    max_terms : int
    max_subsets : int, default=2_000_000
        A size is searched exhaustively when it has at most this many subsets (and the
        factors of all subsets of the previous size fit in 15 million floats, 120 MB).
    beam_width : int, default=500
        Subsets of the previous size extended at a beam level.
    n_keep : int, default=100
        Best subsets returned per size.
    seed_order : sequence of int, optional
        Elastic-net ranking; its prefixes are always kept in the beam.

    Returns
    -------
    list of SubsetLevel
        One per size, best first.
    """
    B = np.asarray(B, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    Bc = B - B.mean(axis=0)
    Yc = Y - Y.mean(axis=0)
    G = Bc.T @ Bc
    bvec = Bc.T @ Yc
    yy = float(np.sum(Yc * Yc))
    p = G.shape[0]
    diag = np.diag(G).copy()
    scale_ok = diag > _COLLINEAR * max(diag.max(), 1e-300)

    # Size 1.
    r = np.sqrt(np.where(scale_ok, diag, 1.0))
    state = _State(np.arange(p)[:, None], (G / r[:, None])[:, None, :],
                   (bvec / r[:, None])[:, None, :],
                   np.where(scale_ok, yy - np.sum((bvec / r[:, None]) ** 2, axis=1), np.inf))
    levels = [SubsetLevel(1, state.subsets[_top(state.rss, n_keep)],
                          state.rss[_top(state.rss, n_keep)], p, True)]
    def exhaustive_possible(size):
        # All subsets of this size, and the factors of all subsets of the previous size
        # (needed to reach them) within the memory cap.
        return (comb(p, size) <= max_subsets
                and comb(p, size - 1) * (size - 1) * p <= _MAX_STATE_FLOATS)

    exhaustive = True
    for size in range(2, max_terms + 1):
        last = size == max_terms
        exhaustive = exhaustive and exhaustive_possible(size)
        seed_child = None if seed_order is None else np.sort(np.asarray(seed_order[:size]))
        if exhaustive:
            # If the next size cannot be exhaustive, keep factors for its beam parents only.
            keep = None if last or exhaustive_possible(size + 1) else beam_width
            state, level = _grow(G, bvec, diag, state, size, mode="exhaustive", last=last,
                                 n_keep=n_keep, beam_width=keep, seed=seed_child)
        else:
            parents = _top(state.rss, beam_width)
            if seed_order is not None:
                seed = np.sort(np.asarray(seed_order[:size - 1]))
                hit = np.flatnonzero(np.all(state.subsets == seed, axis=1))
                parents = np.union1d(parents, hit) if hit.size else parents
            state, level = _grow(G, bvec, diag, state.take(parents), size, mode="beam",
                                 last=last, n_keep=n_keep, beam_width=beam_width,
                                 seed=seed_child)
        levels.append(level)
    return levels


def _child_scores(bvec, diag, state):
    """RSS of every (parent, added column) pair; inf where collinear."""
    num = bvec[None, :, :] - np.einsum("nkp,nkm->npm", state.Q, state.W)
    den = diag[None, :] - np.einsum("nkp,nkp->np", state.Q, state.Q)
    ok = den > _COLLINEAR * diag[None, :]
    gain = np.sum(num * num, axis=2) / np.where(ok, den, 1.0)
    return np.where(ok, state.rss[:, None] - gain, np.inf)


def _grow(G, bvec, diag, state, size, *, mode, last, n_keep, beam_width, seed):
    p = G.shape[0]
    n_parents = state.subsets.shape[0]
    # Parents are processed in chunks so that no (chunk, p, ...) array gets large.
    chunk = max(1, 2_000_000 // (p * max(1, state.Q.shape[1])))
    keep_rows, keep_cols, keep_rss = [], [], []
    n_evaluated = 0
    for start in range(0, n_parents, chunk):
        part = state.take(slice(start, start + chunk))
        rss = _child_scores(bvec, diag, part)
        if mode == "exhaustive":
            allowed = np.arange(p)[None, :] > part.subsets[:, -1:]
        else:
            allowed = np.ones_like(rss, dtype=bool)
            np.put_along_axis(allowed, part.subsets, False, axis=1)
        n_evaluated += int(allowed.sum())
        rss = np.where(allowed, rss, np.inf)
        if mode == "exhaustive" and not last:
            rows, cols = np.nonzero(allowed)   # row-major: lexicographic subsets
        else:
            flat = _top(rss.ravel(), (n_keep if last else beam_width) * (size + 1))
            rows, cols = np.unravel_index(flat, rss.shape)
        if seed is not None and mode == "beam":
            # Keep the elastic-net prefix reachable: add its child of every parent inside it.
            inside = np.all(np.isin(part.subsets, seed), axis=1)
            for row in np.flatnonzero(inside):
                missing = np.setdiff1d(seed, part.subsets[row])
                if missing.size == 1 and np.isfinite(rss[row, missing[0]]):
                    rows = np.append(rows, row)
                    cols = np.append(cols, missing[0])
        keep_rows.append(rows + start)
        keep_cols.append(cols)
        keep_rss.append(rss[rows, cols])
    rows = np.concatenate(keep_rows)
    cols = np.concatenate(keep_cols)
    child_rss = np.concatenate(keep_rss)
    subsets = np.concatenate([state.subsets[rows], cols[:, None]], axis=1)
    if mode == "beam":
        subsets = np.sort(subsets, axis=1)
        # The same subset is reached from several parents: keep one copy.
        order = np.lexsort((child_rss,) + tuple(subsets.T[::-1]))
        subsets, rows, cols, child_rss = (subsets[order], rows[order], cols[order],
                                          child_rss[order])
        first = np.ones(len(subsets), dtype=bool)
        first[1:] = np.any(subsets[1:] != subsets[:-1], axis=1)
        subsets, rows, cols, child_rss = (subsets[first], rows[first], cols[first],
                                          child_rss[first])
    best = _top(child_rss, n_keep)
    level = SubsetLevel(size, subsets[best], child_rss[best], n_evaluated, mode == "exhaustive")
    if last:
        return None, level
    if beam_width is not None:          # a beam level, or the last exhaustive one before it
        chosen = _top(child_rss, beam_width)
        if seed is not None:
            hit = np.flatnonzero(np.all(subsets == seed, axis=1))
            chosen = np.union1d(chosen, hit) if hit.size else chosen
    else:
        chosen = np.flatnonzero(np.isfinite(child_rss))
    rows, cols, subsets, child_rss = rows[chosen], cols[chosen], subsets[chosen], child_rss[chosen]
    # Extend the Cholesky quantities of the parents by the added column.
    q = state.Q[rows, :, cols]                          # (n, k) = Q_S[:, d]
    den = diag[cols] - np.sum(q * q, axis=1)
    r = np.sqrt(den)
    new_q = (G[cols] - np.einsum("nk,nkp->np", q, state.Q[rows])) / r[:, None]
    new_w = (bvec[cols] - np.einsum("nk,nkm->nm", q, state.W[rows])) / r[:, None]
    Q = np.concatenate([state.Q[rows], new_q[:, None, :]], axis=1)
    W = np.concatenate([state.W[rows], new_w[:, None, :]], axis=1)
    # (At a beam level the column order inside Q is the insertion order; subsets are sorted.)
    return _State(subsets, Q, W, child_rss), level


class FoldGrams:
    """Per-fold Gram matrices of ``A = [1, B]`` for exact cross-validation of many subsets.

    Parameters
    ----------
    B : ndarray of shape (n_samples, n_terms)
    y : ndarray of shape (n_samples,)
    folds : list of (train, test) index pairs
        Every row must be in exactly one test fold (KFold-style).
    """

    def __init__(self, B, y, folds):
        A = np.column_stack([np.ones(len(y)), np.asarray(B, dtype=float)])
        y = np.asarray(y, dtype=float)
        self.M = A.T @ A
        self.t = A.T @ y
        self.Mf = np.stack([A[test].T @ A[test] for _, test in folds])
        self.tf = np.stack([A[test].T @ y[test] for _, test in folds])
        self.yyf = np.array([y[test] @ y[test] for _, test in folds])
        self.sst = np.array([np.sum((y[test] - y[test].mean()) ** 2) for _, test in folds])
        self.n_folds = len(folds)

    def fold_r2(self, subsets) -> np.ndarray:
        """Test-fold R² of each subset in each fold.

        Parameters
        ----------
        subsets : ndarray of int of shape (n_subsets, k)
            Basis column indices (the intercept is added).

        Returns
        -------
        ndarray of shape (n_subsets, n_folds)
        """
        subsets = np.atleast_2d(np.asarray(subsets, dtype=int))
        n = subsets.shape[0]
        idx = np.concatenate([np.zeros((n, 1), dtype=int), subsets + 1], axis=1)
        Mtr = (self.M[None] - self.Mf)                                  # (F, p+1, p+1)
        ttr = (self.t[None] - self.tf)                                  # (F, p+1)
        Ms = Mtr[:, idx[:, :, None], idx[:, None, :]]                   # (F, n, k+1, k+1)
        ts = ttr[:, idx]                                                # (F, n, k+1)
        beta = _solve_batched(Ms, ts)
        Mf = self.Mf[:, idx[:, :, None], idx[:, None, :]]
        tf = self.tf[:, idx]
        sse = (self.yyf[:, None] - 2 * np.sum(beta * tf, axis=2)
               + np.einsum("fni,fnij,fnj->fn", beta, Mf, beta))
        # A test fold with a constant target has no variance to explain: as sklearn's
        # r2_score (force_finite=True), its R² is 1 for an exact fit (here: up to round-off of
        # the Gram algebra) and 0 otherwise.
        constant = (self.sst == 0)[:, None]
        exact = np.abs(sse) <= 1e-12 * self.yyf[:, None]
        r2 = np.where(constant, np.where(exact, 1.0, 0.0),
                      1.0 - sse / np.where(constant, 1.0, self.sst[:, None]))
        return r2.T

    def cv_r2(self, subsets) -> np.ndarray:
        """Mean over folds of the test-fold R² of each subset, shape (n_subsets,).

        Parameters
        ----------
        subsets : ndarray of int of shape (n_subsets, k)
            Column indices of each subset.

        Returns
        -------
        ndarray of shape (n_subsets,)
        """
        return self.fold_r2(subsets).mean(axis=1)


def _solve_batched(M, t):
    """Solve stacked symmetric systems; singular ones fall back to least squares."""
    try:
        return np.linalg.solve(M, t[..., None])[..., 0]
    except np.linalg.LinAlgError:
        flat_M = M.reshape((-1,) + M.shape[-2:])
        flat_t = t.reshape((-1, t.shape[-1]))
        out = np.array([np.linalg.lstsq(m, v, rcond=None)[0] for m, v in zip(flat_M, flat_t)])
        return out.reshape(t.shape)


def least_squares(B, y, subset):
    """Least-squares fit of ``y`` on ``B[:, subset]`` with an intercept.

    Parameters
    ----------
    B : ndarray of shape (n_samples, n_terms)
        Basis evaluated on standardized features.
    y : array-like of shape (n_samples,)
        Target.
    subset : sequence of int of length k
        Columns of ``B`` used, in the order of the returned coefficients.

    Returns
    -------
    coef : ndarray of shape (k,)
    intercept : float
    stderr : ndarray of shape (k,)
        From ``s² (A'A)⁻¹`` with ``s² = RSS / (n - k - 1)`` (nan when ``n <= k + 1``).
    r2 : float
        In-sample coefficient of determination.
    """
    y = np.asarray(y, dtype=float)
    A = np.column_stack([np.ones(len(y)), B[:, list(subset)]])
    beta, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ beta
    rss = float(resid @ resid)
    dof = len(y) - A.shape[1]
    sst = float(np.sum((y - y.mean()) ** 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = np.linalg.pinv(A.T @ A) * (rss / dof if dof > 0 else np.nan)
        r2 = 1.0 - rss / sst if sst > 0 else np.nan
    return beta[1:], float(beta[0]), np.sqrt(np.clip(np.diag(cov)[1:], 0, None)), float(r2)


def _log1pexp(z):
    return np.logaddexp(0.0, z)


def _backtrack(objective, w, step, current):
    """Damped Newton update ``w - t * step`` of each model (axis 0), halving ``t`` (at most 30
    times) for the models whose objective would rise.

    Returns the new parameters, their objective values and the largest move (with the last
    ``t``), for the convergence test.
    """
    t = np.ones(w.shape[0])
    expand = (slice(None),) + (None,) * (w.ndim - 1)
    for _ in range(30):
        trial = w - t[expand] * step
        value = objective(trial)
        worse = value > current + 1e-12 * np.abs(current)
        if not worse.any():
            break
        t = np.where(worse, 0.5 * t, t)
    return trial, value, np.max(np.abs(t[expand] * step))


def logistic_newton(A, y, C, *, max_iter=50, tol=1e-9):
    """Binary L2 logistic regressions solved together by damped Newton steps.

    Minimises ``C * sum(log(1 + exp(-s_i z_i))) + |w|²/2`` (``s_i = ±1``, ``z = A_0 + A w``,
    intercept unpenalized): the objective of ``sklearn.linear_model.LogisticRegression(C=C)``.

    Parameters
    ----------
    A : ndarray of shape (n_samples, n_models, k)
        Design of each model (without the constant column).
    y : ndarray of shape (n_samples,) of {0, 1}
    C : float
    max_iter : int, default=50
        Newton iterations at most.
    tol : float, default=1e-9
        Stop when no parameter moves by more than this.

    Returns
    -------
    ndarray of shape (n_models, k + 1)
        Intercept first, then the coefficients.
    """
    n, m, k = A.shape
    A1 = np.concatenate([np.ones((n, m, 1)), A], axis=2)
    penalty = np.full(k + 1, 1.0 / C)
    penalty[0] = 0.0
    sign = 2.0 * y - 1.0

    def objective(w):
        z = np.einsum("nmk,mk->nm", A1, w)
        return np.sum(_log1pexp(-sign[:, None] * z), axis=0) + 0.5 * np.sum(penalty * w * w, 1)

    w = np.zeros((m, k + 1))
    current = objective(w)
    for _ in range(max_iter):
        z = np.einsum("nmk,mk->nm", A1, w)
        prob = 0.5 * (1.0 + np.tanh(0.5 * z))        # sigmoid without overflow
        grad = np.einsum("nmk,nm->mk", A1, prob - y[:, None]) + penalty * w
        weight = prob * (1.0 - prob)
        hess = (np.einsum("nmi,nmj->mij", A1 * weight[:, :, None], A1, optimize=True)
                + np.diag(penalty + 1e-12))
        step = np.linalg.solve(hess, grad[..., None])[..., 0]
        w, current, moved = _backtrack(objective, w, step, current)
        if moved < tol:
            break
    return w


def logistic_multinomial_newton(A, y, n_classes, C, *, max_iter=50, tol=1e-9):
    """Multinomial L2 logistic regressions solved together by damped Newton steps.

    Minimises ``C * sum(-log softmax(z)_{y_i}) + |W|²/2`` with ``z_c = b_c + A w_c`` (intercepts
    unpenalized): the objective of ``LogisticRegression(C=C)`` for more than two classes.

    Parameters
    ----------
    A : ndarray of shape (n_samples, n_models, k)
    y : ndarray of int of shape (n_samples,), values 0..n_classes-1
    n_classes : int
    C : float
    max_iter : int, default=50
        Newton iterations at most.
    tol : float, default=1e-9
        Stop when no parameter moves by more than this.

    Returns
    -------
    ndarray of shape (n_models, n_classes, k + 1)
        Intercept first in the last axis.
    """
    n, m, k = A.shape
    K = n_classes
    k1 = k + 1
    # Model-major layout, so that every product below is a batched matrix product.
    A1 = np.concatenate([np.ones((m, n, 1)), np.transpose(A, (1, 0, 2))], axis=2)  # (m, n, k1)
    penalty = np.full(k1, 1.0 / C)
    penalty[0] = 0.0
    onehot = (y[:, None] == np.arange(K)[None, :]).astype(float)       # (n, K)

    def scores(w):                                                    # (m, n, K)
        return A1 @ np.transpose(w, (0, 2, 1))

    def objective(w):
        z = scores(w)
        zmax = z.max(axis=2, keepdims=True)
        logsum = np.log(np.exp(z - zmax).sum(axis=2)) + zmax[..., 0]
        return (np.sum(logsum, axis=1) - np.einsum("mnc,nc->m", z, onehot)
                + 0.5 * np.sum(penalty * w * w, (1, 2)))

    w = np.zeros((m, K, k1))
    current = objective(w)
    size = K * k1
    # The objective does not change when the same constant is added to every intercept (the
    # gradient has no component along that direction); adding n * u u' (u: the intercepts)
    # makes the Hessian definite without moving the solution, whose intercepts sum to zero.
    u = np.zeros((K, k1))
    u[:, 0] = 1.0
    u = u.ravel()
    fix = np.diag(np.tile(penalty, K)) + n * np.outer(u, u) / K
    At = np.transpose(A1, (0, 2, 1))                                  # (m, k1, n)
    for _ in range(max_iter):
        z = scores(w)
        z -= z.max(axis=2, keepdims=True)
        P = np.exp(z)
        P /= P.sum(axis=2, keepdims=True)                             # (m, n, K)
        grad = np.transpose(At @ (P - onehot[None]), (0, 2, 1)) + penalty * w
        PA = (P[:, :, :, None] * A1[:, :, None, :]).reshape(m, n, size)   # (m, n, K*k1)
        hess = -(np.transpose(PA, (0, 2, 1)) @ PA)                    # (m, K*k1, K*k1)
        diag = (np.transpose(PA, (0, 2, 1)) @ A1).reshape(m, K, k1, k1)
        hess = hess.reshape(m, K, k1, K, k1)
        idx = np.arange(K)
        hess[:, idx, :, idx, :] += np.transpose(diag, (1, 0, 2, 3))
        hess = hess.reshape(m, size, size) + fix
        step = np.linalg.solve(hess, grad.reshape(m, size, 1)).reshape(m, K, k1)
        w, current, moved = _backtrack(objective, w, step, current)
        if moved < tol:
            break
    w[:, :, 0] -= w[:, :, 0].mean(axis=1, keepdims=True)
    return w


def fit_logistic(A, y, n_classes, C):
    """Intercepts and coefficients of L2 logistic fits of many designs at once.

    Parameters
    ----------
    A : ndarray of shape (n_samples, n_models, k)
        Design of each model (without the constant column).
    y : ndarray of int of shape (n_samples,)
        Encoded classes ``0 .. n_classes - 1``.
    n_classes : int
        Number of classes; 2 uses :func:`logistic_newton`, more
        :func:`logistic_multinomial_newton`.
    C : float
        Inverse L2 penalty strength, as in ``LogisticRegression(C=C)``.

    Returns
    -------
    intercept : ndarray of shape (n_models, 1 or n_classes)
    coef : ndarray of shape (n_models, 1 or n_classes, k)
        One row (decision function of class 1) for two classes, one per class otherwise.
    """
    if n_classes == 2:
        w = logistic_newton(A, y, C)[:, None, :]
    else:
        w = logistic_multinomial_newton(A, y, n_classes, C)
    return w[:, :, 0], w[:, :, 1:]


def predict_logistic(A, intercept, coef):
    """Encoded class predicted by each model, shape (n_samples, n_models).

    Parameters
    ----------
    A : ndarray of shape (n_samples, n_models, k)
        Design of each model (without the constant column).
    intercept : ndarray of shape (n_models, 1 or n_classes)
        As returned by :func:`fit_logistic`.
    coef : ndarray of shape (n_models, 1 or n_classes, k)
        As returned by :func:`fit_logistic`.

    Returns
    -------
    ndarray of int of shape (n_samples, n_models)
        With one decision function, 1 where it is positive and 0 elsewhere; otherwise the
        class of the largest decision function.
    """
    z = intercept[None] + np.einsum("nmk,mck->nmc", A, coef)
    return (z[:, :, 0] > 0).astype(int) if z.shape[2] == 1 else np.argmax(z, axis=2)


def cv_accuracy_logistic(B, y, subsets, folds, *, C=1.0):
    """Mean test-fold accuracy of an L2 logistic fit on each subset's columns.

    All subsets of one size are fitted together in each fold (:func:`logistic_newton` for two
    classes, :func:`logistic_multinomial_newton` for more), with the objective of
    ``sklearn.linear_model.LogisticRegression(C=C)``.

    Parameters
    ----------
    B : ndarray of shape (n_samples, n_terms)
    y : ndarray of int of shape (n_samples,)
        Encoded classes 0..n_classes-1.
    subsets : sequence of sequences of int (all the same length)
    folds : list of (train, test)
    C : float, default=1.0

    Returns
    -------
    ndarray of shape (n_subsets,)
    """
    subsets = np.atleast_2d(np.asarray(subsets, dtype=int))
    n_classes = int(np.max(y)) + 1
    A = B[:, subsets]                                  # (n, n_subsets, k)
    correct = np.zeros(len(subsets))
    for train, test in folds:
        intercept, coef = fit_logistic(A[train], y[train], n_classes, C)
        correct += np.mean(predict_logistic(A[test], intercept, coef) == y[test][:, None], 0)
    return correct / len(folds)
