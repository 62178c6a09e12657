"""Peer benchmark: recovering planted formulas, formulae against the tools a scientist would use.

Run::

    python tests/benchmarks/bench_peers.py            # full: 20 seeds x 9 formulas x 2 regimes
    python tests/benchmarks/bench_peers.py --quick    # 2 seeds, a couple of minutes

Every method sees the same seeded tables (``formulae.planted``): ten standardized descriptors in
correlated blocks, 65 quadratic basis terms (linear terms, products, squares), nine planted
formulas with rational coefficients (denominators <= 8), an easy regime (n 700, SNR 20) and a
hard one (n 300, SNR 5). Methods:

* ``formulae``: ``FormulaRegressor(max_terms=4)`` then ``simplify_formula(max_denominator=8,
  units="target")`` with its default rule (joint MAP under a prior favouring small and shared
  denominators): the published formula, exact rationals or floats where it refuses them.
* ``formulae (stated denominators)``: the same search's chosen formula simplified with the
  denominators stated as prior knowledge, ``denominators=(1, 2, 3, 4, 6, 8)`` (alpha 1, gamma 0,
  window 4, level 0.01, the settings chosen on calibration seeds by bench_rationals.py); this uses
  knowledge of the suite that the default does not (its time: the simplification alone).
* ``formulae (rounded)``: the same search's chosen formula, floats rounded like the peers'
  (isolates the search from the simplification).
* ``STLSQ`` (PySINDy, defaults: threshold 0.1, alpha 0.05) and ``STLSQ-CV`` (threshold chosen by
  5-fold CV from 16 values in [0.005, 0.5]); library = the 65 terms plus a constant column.
* ``E-SINDy``: PySINDy ``EnsembleOptimizer(STLSQ(threshold 0.1), bagging=True, n_models=20)``,
  median aggregation (its bootstrap uses ``np.random``, seeded per table here).
* ``abess``: ``abess.LinearRegression(support_size=0..4, cv=5)``.
* ``EN top-k``: the reference paper's method: ``ElasticNetCV`` (l1_ratio 0.1/0.5/0.9/1, 5 seeded
  folds) ranks the terms by |coefficient|, least squares is refitted on the top 1..4 and the
  smallest k whose CV R² is within 0.01 of the best is chosen (formulae's rule).
* ``oracle LS``: least squares on the *true* terms, rounded; the ceiling for rounding.

Scores, per regime and method:

* exact %: the returned formula equals the planted one exactly: same terms, same coefficients and
  intercept. Floats are rounded to the nearest fraction with denominator <= 8 first (a
  coefficient that rounds to 0 drops out, which is generous to thresholding methods); formulae's
  simplified formula is compared as published (a float that was not turned into the planted
  rational counts as wrong).
* support %: the set of terms with non-zero coefficients equals the planted set.
* median R²: against the noise-free signal on a fresh table of 2000 rows (out of sample).
* median s/fit: wall time of the fit (formulae: search plus simplification).

Peers are optional (``pip install 'formulae[peers]'``, i.e. pysindy and abess); a missing one is
reported and skipped. One process, no parallel jobs.
"""

from __future__ import annotations

import os

# One BLAS thread per process: the machine is shared, and multi-threaded BLAS on small matrices
# mostly measures thread contention. Set before numpy is imported; the same for every method.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from fractions import Fraction  # noqa: E402

import numpy as np  # noqa: E402

from formulae.basis import Basis  # noqa: E402
from formulae.planted import (  # noqa: E402
    FEATURE_NAMES, PLANTED_FORMULAS, REGIMES, correlated_features, planted_data,
    round_to_fraction)

MAX_TERMS = 4
MAX_DENOMINATOR = 8
N_TEST = 2000


# ---------------------------------------------------------------------------------------------
# Methods: each takes (B, y, seed) on the basis matrix and returns {term: coefficient}, intercept
# ---------------------------------------------------------------------------------------------
def _folds(seed):
    from sklearn.model_selection import KFold

    return KFold(n_splits=5, shuffle=True, random_state=seed)


def _stlsq_fit(B1, y, threshold, names1):
    import pysindy as ps

    opt = ps.STLSQ(threshold=threshold)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt.fit(B1, y[:, None])
    coef = np.ravel(opt.coef_)
    return {n: c for n, c in zip(names1, coef)}


def _split_constant(coefs):
    intercept = coefs.pop("1", 0.0)
    return {t: c for t, c in coefs.items() if c != 0.0}, intercept


def method_stlsq(B, y, names, seed):
    B1 = np.column_stack([np.ones(len(y)), B])
    return _split_constant(_stlsq_fit(B1, y, 0.1, ("1", *names)))


def method_stlsq_cv(B, y, names, seed):
    B1 = np.column_stack([np.ones(len(y)), B])
    names1 = ("1", *names)
    grid = np.geomspace(0.005, 0.5, 16)
    errors = np.zeros(grid.size)
    for train, test in _folds(seed).split(B1):
        for i, threshold in enumerate(grid):
            coefs = _stlsq_fit(B1[train], y[train], threshold, names1)
            w = np.array([coefs[n] for n in names1])
            errors[i] += np.mean((y[test] - B1[test] @ w) ** 2)
    best = grid[int(np.argmin(errors))]
    return _split_constant(_stlsq_fit(B1, y, best, names1))


def method_esindy(B, y, names, seed):
    import pysindy as ps

    B1 = np.column_stack([np.ones(len(y)), B])
    opt = ps.EnsembleOptimizer(opt=ps.STLSQ(threshold=0.1), bagging=True, n_models=20)
    np.random.seed(seed)  # pysindy's bagging draws from the global generator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt.fit(B1, y[:, None])
    return _split_constant(dict(zip(("1", *names), np.ravel(opt.coef_))))


def method_abess(B, y, names, seed):
    import abess

    model = abess.LinearRegression(support_size=range(0, MAX_TERMS + 1), cv=5)
    model.fit(B, y)
    coefs = {n: float(c) for n, c in zip(names, np.ravel(model.coef_)) if c != 0.0}
    return coefs, float(model.intercept_)


def _ls(B, y):
    A = np.column_stack([np.ones(len(y)), B])
    beta, *_ = np.linalg.lstsq(A, y, rcond=None)
    return beta


def method_en_topk(B, y, names, seed):
    from sklearn.linear_model import ElasticNetCV

    folds = _folds(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = ElasticNetCV(l1_ratio=[0.1, 0.5, 0.9, 1.0], cv=folds, max_iter=5000,
                           random_state=seed).fit(B, y)
    order = np.argsort(-np.abs(net.coef_), kind="stable")
    scores = []
    for k in range(1, MAX_TERMS + 1):
        cols = order[:k]
        fold_r2 = []
        for train, test in folds.split(B):
            beta = _ls(B[train][:, cols], y[train])
            pred = beta[0] + B[test][:, cols] @ beta[1:]
            fold_r2.append(1 - np.sum((y[test] - pred) ** 2)
                           / np.sum((y[test] - y[test].mean()) ** 2))
        scores.append(np.mean(fold_r2))
    best = max(scores)
    k = next(k for k, s in enumerate(scores, start=1) if s >= best - 0.01)
    cols = order[:k]
    beta = _ls(B[:, cols], y)
    return {names[c]: float(b) for c, b in zip(cols, beta[1:])}, float(beta[0])


STATED_DENOMINATORS = (1, 2, 3, 4, 6, 8)


def make_formulae_methods():
    from formulae.search import FormulaRegressor

    try:
        from formulae.simplify import simplify_formula
    except ImportError:  # pragma: no cover - until the simplification lands
        simplify_formula = None
    state = {}

    def search(B, y, names, seed, X):
        reg = FormulaRegressor(max_terms=MAX_TERMS, feature_names=list(FEATURE_NAMES),
                               random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reg.fit(X, y)
        return reg.best_formula_

    def physical(formula):
        scale, mean = float(formula.target_scale), float(formula.target_mean)
        coefs = {_sstr(t): float(c) * scale for t, c in zip(formula.terms, formula.coefficients)}
        return coefs, mean + scale * float(formula.intercept)

    def simplified(best, X, y, seed, **options):
        simple = simplify_formula(best, X, y, feature_names=list(FEATURE_NAMES),
                                  max_denominator=MAX_DENOMINATOR, units="target",
                                  random_state=seed, **options)
        scale, mean = simple.target_scale, simple.target_mean
        if scale != 1 or mean != 0:
            coefs = {_sstr(t): float(c) * float(scale) for t, c in
                     zip(simple.terms, simple.coefficients)}
            return coefs, float(mean) + float(scale) * float(simple.intercept)
        return ({_sstr(t): _exact(c) for t, c in zip(simple.terms, simple.coefficients)},
                _exact(simple.intercept))

    def formulae(B, y, names, seed, X):
        best = search(B, y, names, seed, X)
        state["best"] = best
        state["rounded"] = physical(best)
        if simplify_formula is None:
            return physical(best)
        return simplified(best, X, y, seed)

    def formulae_stated(B, y, names, seed, X):
        return simplified(state["best"], X, y, seed, rule="map", alpha=1.0, gamma=0.0,
                          window=4.0, level=0.01, denominators=STATED_DENOMINATORS)

    def formulae_rounded(B, y, names, seed, X):
        return state.pop("rounded")

    return formulae, formulae_stated, formulae_rounded, simplify_formula is not None


def _sstr(term):
    import sympy

    return sympy.sstr(term)


def _exact(value):
    """A sympy Rational/Integer -> Fraction (exact); a float stays a float."""
    import sympy

    value = sympy.sympify(value)
    if isinstance(value, sympy.Rational):
        return Fraction(int(value.p), int(value.q))
    return float(value)


def method_oracle(B, y, names, seed, formula):
    cols = [names.index(t) for t in formula.terms]
    beta = _ls(B[:, cols], y)
    return {t: float(b) for t, b in zip(formula.terms, beta[1:])}, float(beta[0])


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------
def _as_fraction(value, rounded: bool):
    if isinstance(value, Fraction):
        return value
    return round_to_fraction(value, MAX_DENOMINATOR) if rounded else None


def is_exact(coefs, intercept, formula, *, rounded: bool) -> bool:
    got = {t: _as_fraction(c, rounded) for t, c in coefs.items()}
    got = {t: c for t, c in got.items() if c != 0}
    b = _as_fraction(intercept, rounded)
    return got == dict(zip(formula.terms, formula.coefficients)) and b == formula.intercept


def support_ok(coefs, formula) -> bool:
    return {t for t, c in coefs.items() if float(c) != 0.0} == formula.support


def r2_noise_free(coefs, intercept, formula, basis, X_test, B_test) -> float:
    index = {n: i for i, n in enumerate(basis.term_names)}
    pred = np.full(len(X_test), float(intercept))
    for t, c in coefs.items():
        pred += float(c) * B_test[:, index[t]]
    signal = formula.signal(X_test)
    return 1.0 - np.sum((pred - signal) ** 2) / np.sum((signal - signal.mean()) ** 2)


# ---------------------------------------------------------------------------------------------
def available_methods(selected):
    methods, missing = {}, []
    formulae, formulae_stated, formulae_rounded, has_simplify = make_formulae_methods()
    methods["formulae"] = (formulae, False if has_simplify else True)
    if has_simplify:
        methods["formulae (stated denominators)"] = (formulae_stated, False)
    methods["formulae (rounded)"] = (formulae_rounded, True)
    if not has_simplify:
        missing.append("formulae.simplify (formulae row rounds floats instead)")
    try:
        import pysindy  # noqa: F401
        methods["STLSQ"] = (method_stlsq, True)
        methods["STLSQ-CV"] = (method_stlsq_cv, True)
        methods["E-SINDy"] = (method_esindy, True)
    except ImportError:
        missing.append("pysindy (pip install pysindy)")
    try:
        import abess  # noqa: F401
        methods["abess"] = (method_abess, True)
    except ImportError:
        missing.append("abess (pip install abess)")
    methods["EN top-k"] = (method_en_topk, True)
    methods["oracle LS"] = (method_oracle, True)
    if selected:
        methods = {k: v for k, v in methods.items()
                   if k in selected or k in ("formulae", "formulae (rounded)")}
    return methods, missing


def run(regimes, seeds, formulas, selected=None, *, verbose=False):
    methods, missing = available_methods(selected)
    basis = Basis(FEATURE_NAMES)
    names = basis.term_names
    records = []
    for regime in regimes:
        for formula in formulas:
            for seed in seeds:
                data = planted_data(formula, regime, seed)
                B = basis.evaluate(data.X)
                X_test = correlated_features(N_TEST, seed=[10_000 + seed, len(formula.name)])
                B_test = basis.evaluate(X_test)
                for name, (method, rounded) in methods.items():
                    start = time.perf_counter()
                    if name.startswith("formulae"):
                        coefs, intercept = method(B, data.y, names, seed, data.X)
                    elif name == "oracle LS":
                        coefs, intercept = method(B, data.y, names, seed, formula)
                    else:
                        coefs, intercept = method(B, data.y, names, seed)
                    seconds = time.perf_counter() - start
                    records.append({
                        "regime": regime, "formula": formula.name, "seed": seed,
                        "method": name,
                        "exact": is_exact(coefs, intercept, formula, rounded=rounded),
                        "support": support_ok(coefs, formula),
                        "r2": float(r2_noise_free(coefs, intercept, formula, basis, X_test,
                                                  B_test)),
                        "seconds": seconds,
                        "found": {t: str(c) for t, c in coefs.items()},
                        "intercept": str(intercept),
                    })
                if verbose:
                    done = [r for r in records if r["regime"] == regime
                            and r["formula"] == formula.name and r["seed"] == seed]
                    print(f"  {regime} {formula.name} seed {seed}: " + ", ".join(
                        f"{r['method']} {'E' if r['exact'] else ('s' if r['support'] else '-')}"
                        for r in done), file=sys.stderr, flush=True)
    # The other formulae rows re-use formulae's search: their time is not a fit's.
    for r in records:
        if r["method"] == "formulae (rounded)":
            r["seconds"] = float("nan")
    return records, list(methods), missing


def summary_tables(records, methods, regimes):
    from tabulate import tabulate

    out = []
    for regime in regimes:
        rows = []
        for m in methods:
            rs = [r for r in records if r["regime"] == regime and r["method"] == m]
            if not rs:
                continue
            secs = [r["seconds"] for r in rs if np.isfinite(r["seconds"])]
            rows.append([m, 100 * np.mean([r["exact"] for r in rs]),
                         100 * np.mean([r["support"] for r in rs]),
                         np.median([r["r2"] for r in rs]),
                         f"{np.median(secs):.3f}" if secs else "(shared)", len(rs)])
        reg = REGIMES[regime]
        out.append(f"\nRegime {regime}: n {reg.n_samples}, SNR {reg.snr:g}\n" + tabulate(
            rows, headers=["method", "exact %", "support %", "median R2 (noise-free)",
                           "median s/fit", "fits"], floatfmt=("", ".1f", ".1f", ".5f")))
        formulas = sorted({r["formula"] for r in records if r["regime"] == regime},
                          key=[f.name for f in PLANTED_FORMULAS].index)
        rows = []
        for m in methods:
            rs = [r for r in records if r["regime"] == regime and r["method"] == m]
            rows.append([m] + [100 * np.mean([r["exact"] for r in rs if r["formula"] == f])
                               for f in formulas])
        out.append(f"\nExact % by formula, regime {regime}\n"
                   + tabulate(rows, headers=["method", *formulas], floatfmt=".0f"))
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 seeds instead of 20")
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds per formula")
    parser.add_argument("--regimes", nargs="+", default=list(REGIMES), choices=list(REGIMES))
    parser.add_argument("--formulas", nargs="+", default=None,
                        choices=[f.name for f in PLANTED_FORMULAS])
    parser.add_argument("--methods", nargs="+", default=None, help="subset of methods")
    parser.add_argument("--json", default=None, help="write every fit's record here")
    parser.add_argument("--verbose", action="store_true", help="one line per table on stderr")
    args = parser.parse_args(argv)
    n_seeds = args.seeds or (2 if args.quick else 20)
    formulas = [f for f in PLANTED_FORMULAS if args.formulas is None or f.name in args.formulas]
    start = time.perf_counter()
    records, methods, missing = run(args.regimes, range(n_seeds), formulas, args.methods,
                                    verbose=args.verbose)
    print(f"bench_peers: {len(formulas)} formulas x {n_seeds} seeds x {len(args.regimes)} "
          f"regimes; Python {platform.python_version()}; "
          f"{time.perf_counter() - start:.0f} s in all")
    for item in missing:
        print(f"skipped: {item}")
    print(summary_tables(records, methods, args.regimes))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(records, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
