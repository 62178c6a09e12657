"""Benchmark of the formula search (issue 2 and issue 9 targets).

Run: ``python tests/benchmarks/bench_search.py`` (add ``--full`` to time the scikit-learn
reference loop over every subset of one target instead of extrapolating from a sample).

1. 3500 rows x 8 descriptors (44 quadratic terms), exhaustive best subsets up to 4 terms,
   5-fold CV, 10 targets: total time of ``FormulaRegressor(max_terms=4).fit`` (elastic-net
   ranking, exhaustive search, CV, formulas), and the ratio against a straightforward loop of
   ``sklearn.linear_model.LinearRegression`` fits over the same 149,985 subsets (in-sample fits
   only, no CV: the reference is favoured).
2. The same with 10 descriptors (65 terms, 722,865 subsets up to size 4): time per target.

The data are seeded and synthetic: descriptors with pairwise correlations of 0.3-0.8 (a common
latent factor), targets = sparse quadratic formulas + noise (SNR 20).
"""

from __future__ import annotations

import argparse
import itertools
import time
from math import comb

import numpy as np


def make_data(n_rows, n_features, n_targets, seed=0):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n_rows, 2))
    loadings = rng.uniform(0.3, 0.9, size=(2, n_features)) * rng.choice([-1, 1], (2, n_features))
    X = latent @ loadings + rng.normal(size=(n_rows, n_features)) * 0.6
    X = X * rng.uniform(0.5, 50, n_features) + rng.uniform(-10, 7000, n_features)
    Z = (X - X.mean(0)) / X.std(0)
    targets = []
    for _ in range(n_targets):
        i, j, k = rng.choice(n_features, 3, replace=False)
        signal = rng.uniform(0.5, 1.5) * Z[:, i] - rng.uniform(0.5, 1.5) * Z[:, j] * Z[:, k]
        targets.append(signal + rng.normal(size=n_rows) * np.sqrt(signal.var() / 20))
    return X, targets


def time_search(X, targets, max_terms):
    from formulae.search import FormulaRegressor

    times, models = [], []
    for y in targets:
        start = time.perf_counter()
        models.append(FormulaRegressor(max_terms=max_terms).fit(X, y))
        times.append(time.perf_counter() - start)
    return np.array(times), models


def time_reference(B, y, max_terms, *, sample, seed=0):
    """Seconds for LinearRegression fits over all subsets (timed on ``sample`` per size)."""
    from sklearn.linear_model import LinearRegression
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)
    total, n_timed, best = 0.0, 0, {}
    p = B.shape[1]
    for k in range(1, max_terms + 1):
        n_subsets = comb(p, k)
        if sample is None or n_subsets <= sample:
            subsets = list(itertools.combinations(range(p), k))
        else:
            subsets = [tuple(sorted(rng.choice(p, k, replace=False))) for _ in range(sample)]
        rss = np.empty(len(subsets))
        start = time.perf_counter()
        with threadpool_limits(limits=1, user_api="blas"):   # as the search itself
            for i, subset in enumerate(subsets):
                model = LinearRegression().fit(B[:, subset], y)
                rss[i] = np.sum((y - model.predict(B[:, subset])) ** 2)
        elapsed = time.perf_counter() - start
        if len(subsets) == n_subsets:
            best[k] = subsets[int(np.argmin(rss))]
        total += elapsed * n_subsets / len(subsets)
        n_timed += len(subsets)
    return total, n_timed, best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true",
                        help="time the reference loop over every subset (slow: minutes)")
    parser.add_argument("--sample", type=int, default=2000,
                        help="subsets per size timed for the reference (default 2000)")
    args = parser.parse_args(argv)

    from formulae.basis import Basis

    X, targets = make_data(3500, 8, 10)
    time_search(X[:200], [targets[0][:200]], 2)          # imports and caches, not timed
    times, models = time_search(X, targets, 4)
    n_subsets = sum(comb(44, k) for k in range(1, 5))
    print(f"[1] 3500 rows x 8 descriptors = 44 terms, sizes 1-4 exhaustive "
          f"({n_subsets:,} subsets per target), 5-fold CV, 10 targets")
    print(f"    formulae total: {times.sum():.2f} s  (per target: median {np.median(times):.3f} s,"
          f" max {times.max():.3f} s)")
    m = models[0]
    B = Basis(m.feature_names_).evaluate(m.standardizer_.transform(X))
    ys = (targets[0] - targets[0].mean()) / targets[0].std()
    ref, n_timed, best = time_reference(B, ys, 4, sample=None if args.full else args.sample)
    how = "all subsets" if args.full else f"{n_timed:,} subsets timed, extrapolated"
    print(f"    sklearn LinearRegression loop, one target: {ref:.1f} s ({how}); "
          f"10 targets: {10 * ref:.0f} s")
    print(f"    ratio (reference loop / formulae, 10 targets): {10 * ref / times.sum():.0f}x "
          "(the reference does no CV)")
    ours = {f.n_terms: tuple(sorted(m.basis_.terms.index(t) for t in f.terms))
            for f in m.formulas_}
    agree = [k for k in best if ours[k] == tuple(best[k])]
    print(f"    sizes enumerated in full by the reference: {sorted(best)}; same best subset as "
          f"formulae for sizes {agree}")
    exact = sum(all(f.notes[0].startswith("exact") for f in mm.formulas_) for mm in models)
    print(f"    targets whose every size was exhaustive: {exact}/10")

    X10, targets10 = make_data(3500, 10, 3, seed=1)
    times10, models10 = time_search(X10, targets10, 4)
    n_subsets = sum(comb(65, k) for k in range(1, 5))
    print(f"[2] 3500 rows x 10 descriptors = 65 terms, sizes 1-4 exhaustive "
          f"({n_subsets:,} subsets), 5-fold CV: per target "
          + ", ".join(f"{t:.2f}" for t in times10) + " s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
