"""Best subsets, fold-wise CV and logistic fits (formulae.selection), each checked against a
straightforward computation (lstsq over every subset, scikit-learn's own estimators)."""

import itertools
import warnings
from math import comb

import numpy as np
import pytest
from sklearn.linear_model import ElasticNetCV, LinearRegression, LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

from formulae import selection


def _rss(B, Y, subset):
    A = np.column_stack([np.ones(len(B)), B[:, list(subset)]])
    beta, *_ = np.linalg.lstsq(A, Y, rcond=None)
    return float(np.sum((Y - A @ beta) ** 2))


def _brute(B, Y, k):
    return sorted((_rss(B, Y, s), s) for s in itertools.combinations(range(B.shape[1]), k))


@pytest.fixture
def correlated(rng):
    B = rng.normal(size=(120, 11))
    B[:, 3] = 0.9 * B[:, 1] + 0.3 * B[:, 3]          # a correlated pair
    y = B[:, 1] - B[:, 3] + 0.5 * B[:, 7] + rng.normal(size=120)
    return B, y


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_exhaustive_search_equals_lstsq_over_every_subset(correlated, k):
    B, y = correlated
    level = selection.best_subsets(B, y, k, n_keep=10)[-1]
    brute = _brute(B, y, k)
    assert level.exhaustive and level.n_evaluated == comb(11, k)
    assert [tuple(s) for s in level.subsets] == [s for _, s in brute[:10]]
    np.testing.assert_allclose(level.rss, [r for r, _ in brute[:10]], rtol=1e-9)


def test_beam_search_is_labelled_and_finds_the_best_here(correlated):
    B, y = correlated
    levels = selection.best_subsets(B, y, 4, max_subsets=100, beam_width=20, n_keep=3)
    assert [lv.exhaustive for lv in levels] == [True, True, False, False]
    for lv in levels:
        assert tuple(lv.subsets[0]) == _brute(B, y, lv.size)[0][1]


def test_beam_keeps_the_seed_prefix(correlated):
    B, y = correlated
    seed = [10, 9, 8, 0]                                  # a poor ranking, on purpose
    levels = selection.best_subsets(B, y, 4, max_subsets=10, beam_width=1, n_keep=500,
                                    seed_order=seed)
    for lv in levels[1:]:
        kept = {tuple(s) for s in lv.subsets}
        assert tuple(sorted(seed[:lv.size])) in kept


def test_multi_output_rss_is_the_sum(rng):
    B = rng.normal(size=(60, 7))
    Y = np.column_stack([B[:, 0] + rng.normal(size=60), B[:, 2] - B[:, 5]])
    level = selection.best_subsets(B, Y, 2, n_keep=4)[-1]
    brute = _brute(B, Y, 2)
    assert [tuple(s) for s in level.subsets] == [s for _, s in brute[:4]]


def test_collinear_and_constant_columns_are_skipped(rng):
    B = rng.normal(size=(50, 5))
    B[:, 2] = B[:, 0]                 # duplicate
    B[:, 4] = 1.0                     # constant: no information beyond the intercept
    y = B[:, 0] - B[:, 1] + 0.1 * rng.normal(size=50)
    levels = selection.best_subsets(B, y, 3, n_keep=50)
    for lv in levels:
        assert np.all(np.isfinite(lv.rss))
        for s in lv.subsets:
            assert not {0, 2} <= set(s) and 4 not in s
    assert tuple(levels[1].subsets[0]) in {(0, 1), (1, 2)}


def test_fold_grams_cv_r2_equals_cross_val_score(correlated):
    B, y = correlated
    kfold = KFold(5, shuffle=True, random_state=3)
    grams = selection.FoldGrams(B, y, list(kfold.split(B)))
    subsets = np.array([[1, 3, 7], [0, 2, 4], [5, 6, 10]])
    expected = [cross_val_score(LinearRegression(), B[:, s], y, cv=kfold).mean()
                for s in subsets]
    np.testing.assert_allclose(grams.cv_r2(subsets), expected, rtol=1e-10)


def test_fold_grams_constant_test_fold_follows_r2_score(rng):
    # A fold whose target is constant: sklearn's r2_score gives 0 (not -inf/nan) when the fit
    # is not exact, 1 when it is.
    B = rng.normal(size=(10, 3))
    y = np.array([0.0] * 6 + [1.0] * 4)
    kfold = KFold(5, shuffle=True, random_state=0)
    folds = list(kfold.split(B))
    assert any(np.ptp(y[test]) == 0 for _, test in folds)
    grams = selection.FoldGrams(B, y, folds)
    subsets = np.array([[0, 1], [1, 2], [0, 2]])
    expected = [cross_val_score(LinearRegression(), B[:, s], y, cv=kfold) for s in subsets]
    np.testing.assert_allclose(grams.fold_r2(subsets), expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grams.cv_r2(subsets), np.mean(expected, axis=1), rtol=1e-9)
    # An exact fit of a constant fold scores 1, as r2_score(force_finite=True).
    exact = selection.FoldGrams(np.column_stack([y, B[:, :1]]), y, folds)
    assert np.all(exact.fold_r2([[0]]) == 1.0)


def test_least_squares_stderr_matches_closed_form_for_one_variable(rng):
    x = rng.normal(size=30)
    y = 2.0 + 3.0 * x + rng.normal(size=30)
    coef, intercept, stderr, r2 = selection.least_squares(x[:, None], y, [0])
    # Textbook simple regression: se(b) = sqrt(RSS/(n-2) / sum((x - mean)^2)).
    slope = np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2)
    resid = y - (y.mean() + slope * (x - x.mean()))
    se = np.sqrt(resid @ resid / 28 / np.sum((x - x.mean()) ** 2))
    assert coef[0] == pytest.approx(slope, rel=1e-12)
    assert intercept == pytest.approx(y.mean() - slope * x.mean(), rel=1e-12)
    assert stderr[0] == pytest.approx(se, rel=1e-10)
    assert r2 == pytest.approx(np.corrcoef(x, y)[0, 1] ** 2, rel=1e-12)


def test_elastic_net_ranking_matches_elastic_net_cv(correlated):
    B, y = correlated
    folds = list(KFold(5, shuffle=True, random_state=0).split(B))
    order, coef, alpha, ratio = selection.rank_elastic_net(B, y, l1_ratio=[0.2, 0.7, 1.0],
                                                           folds=folds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ElasticNetCV(l1_ratio=[0.2, 0.7, 1.0], cv=folds, alphas=50).fit(B, y)
    assert alpha == pytest.approx(ref.alpha_, rel=1e-12)
    assert ratio == ref.l1_ratio_
    np.testing.assert_allclose(coef, ref.coef_, atol=1e-3)
    assert list(order[:3]) == list(np.argsort(-np.abs(ref.coef_))[:3])


def test_binary_logistic_newton_matches_sklearn(rng):
    A = rng.normal(size=(200, 3))
    y = (A[:, 0] - 0.5 * A[:, 2] + 0.7 * rng.normal(size=200) > 0).astype(int)
    w = selection.logistic_newton(np.stack([A[:, :2], A[:, 1:]], axis=1), y, 0.3)
    for j, cols in enumerate([[0, 1], [1, 2]]):
        ref = LogisticRegression(C=0.3, tol=1e-12, max_iter=10_000).fit(A[:, cols], y)
        np.testing.assert_allclose(w[j], np.r_[ref.intercept_, ref.coef_[0]], atol=1e-7)


def test_multinomial_newton_matches_sklearn(rng):
    A = rng.normal(size=(300, 2))
    y = np.digitize(A[:, 0] + 0.5 * A[:, 1] + 0.5 * rng.normal(size=300), [-0.5, 0.5])
    intercept, coef = selection.fit_logistic(A[:, None, :], y, 3, 2.0)
    ref = LogisticRegression(C=2.0, tol=1e-12, max_iter=10_000).fit(A, y)
    np.testing.assert_allclose(coef[0], ref.coef_, atol=1e-7)
    np.testing.assert_allclose(intercept[0], ref.intercept_, atol=1e-7)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_cv_accuracy_equals_cross_val_score(rng, n_classes):
    B = rng.normal(size=(150, 5))
    score = B[:, 0] - B[:, 1] * B[:, 2] + 0.5 * rng.normal(size=150)
    y = (score > 0).astype(int) if n_classes == 2 else np.digitize(score, [-0.5, 0.5])
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(B, y))
    subsets = [[0, 1], [2, 4], [0, 3]]
    ours = selection.cv_accuracy_logistic(B, y, subsets, folds, C=1.0)
    ref = [cross_val_score(LogisticRegression(tol=1e-12, max_iter=10_000), B[:, s], y,
                           cv=folds).mean() for s in subsets]
    np.testing.assert_allclose(ours, ref, atol=1e-12)


def test_memory_cap_switches_to_beam_after_an_exhaustive_size(correlated, monkeypatch):
    B, y = correlated
    # 11 terms: the factors of all 55 pairs (55 x 2 x 11 floats) exceed this cap, so size 3
    # is searched by beam from the best pairs, while sizes 1-2 stay exhaustive.
    monkeypatch.setattr(selection, "_MAX_STATE_FLOATS", 1000)
    levels = selection.best_subsets(B, y, 3, beam_width=20, n_keep=3)
    assert [lv.exhaustive for lv in levels] == [True, True, False]
    for lv in levels:
        assert tuple(lv.subsets[0]) == _brute(B, y, lv.size)[0][1]
