"""Planted formulas: seeded synthetic tables whose true formula is known exactly.

Used by the peer benchmark (``tests/benchmarks/bench_peers.py``) and by tests that must recover a
planted truth term for term.

=====================  ======================================================================
name                   what it is
=====================  ======================================================================
PlantedFormula         a sparse quadratic formula with exact rational coefficients
Regime                 number of rows and signal-to-noise ratio of a table
PlantedData            one seeded table: standardized features, noisy target, noise-free signal
PLANTED_FORMULAS       nine formulas of different kinds (pairs, products, squares, ...)
REGIMES                ``"easy"`` (n 700, SNR 20) and ``"hard"`` (n 300, SNR 5)
FEATURE_NAMES          ``x1 ... x10``
correlated_features    ten features in correlated blocks, standardized exactly (ddof=0)
planted_data           the table of one formula in one regime for one seed
planted_suite          every (regime, formula, seed) table, in a fixed order
round_to_fraction      nearest fraction with a bounded denominator (how peers' floats are read)
=====================  ======================================================================

Conventions
-----------
* Features come in correlated blocks: ``x1, x2, x3`` (pairwise correlation 0.7), ``x4, x5``
  (0.7), ``x6, x7, x8`` (0.5); ``x9`` and ``x10`` are independent. After drawing, every column
  is standardized **in sample** (mean 0, population standard deviation 1, ``ddof=0``), so that
  the formula search's own standardization is the identity and the planted coefficients are the
  coefficients of the standardized basis terms exactly.
* The target is ``y = signal + noise`` with ``signal = intercept + sum(c_i * term_i)`` and
  Gaussian noise of standard deviation ``std(signal) / snr``: the SNR is a ratio of standard
  deviations (amplitudes), measured on the drawn table (``ddof=0``).
* Every random step is seeded: the generator of a table is
  ``np.random.default_rng([seed, crc32(formula.name), crc32(regime.name)])``, so a table does
  not depend on which other tables were drawn before it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ._validation import check_choice, check_int, check_number
from .errors import InvalidParameterError

__all__ = [
    "PlantedFormula",
    "Regime",
    "PlantedData",
    "PLANTED_FORMULAS",
    "REGIMES",
    "FEATURE_NAMES",
    "BLOCKS",
    "correlated_features",
    "planted_data",
    "planted_suite",
    "round_to_fraction",
]

FEATURE_NAMES: tuple[str, ...] = tuple(f"x{i}" for i in range(1, 11))

#: Correlated blocks (feature names, pairwise correlation); features not listed are independent.
BLOCKS: tuple[tuple[tuple[str, ...], float], ...] = (
    (("x1", "x2", "x3"), 0.7),
    (("x4", "x5"), 0.7),
    (("x6", "x7", "x8"), 0.5),
)


def _canonical_term(term: str) -> str:
    """``"x3*x1"`` -> ``"x1*x3"``, ``"x2*x2"`` -> ``"x2**2"`` (sympy's printing, as in Basis)."""
    import sympy

    symbols = {name: sympy.Symbol(name) for name in FEATURE_NAMES}
    expr = sympy.sympify(term, locals=symbols)
    unknown = sorted(s.name for s in expr.free_symbols if s.name not in symbols)
    if unknown or not expr.free_symbols:
        raise InvalidParameterError(f"The planted term {term!r} uses {unknown or 'no feature'}; "
                                    f"the features are: {', '.join(FEATURE_NAMES)}.",
                                    parameter="terms", value=term)
    return sympy.sstr(expr)


@dataclass(frozen=True)
class PlantedFormula:
    """A sparse quadratic formula in the standardized features, with rational coefficients.

    Parameters
    ----------
    name : str
        Short identifier, e.g. ``"pair"``.
    kind : str
        What the formula tests, in words.
    terms : tuple of str
        Basis terms as sympy strings in the feature names (``"x1"``, ``"x1*x3"``, ``"x2**2"``).
    coefficients : tuple of Fraction
        One per term.
    intercept : Fraction, default=Fraction(0)
        Constant term.
    """

    name: str
    kind: str
    terms: tuple[str, ...]
    coefficients: tuple[Fraction, ...]
    intercept: Fraction = Fraction(0)

    def __post_init__(self):
        if len(self.terms) != len(self.coefficients):
            raise InvalidParameterError(
                f"Planted formula {self.name!r} has {len(self.terms)} terms but "
                f"{len(self.coefficients)} coefficients.", parameter="coefficients",
                value=self.coefficients)
        object.__setattr__(self, "terms", tuple(_canonical_term(t) for t in self.terms))
        object.__setattr__(self, "coefficients", tuple(Fraction(c) for c in self.coefficients))
        object.__setattr__(self, "intercept", Fraction(self.intercept))

    @property
    def n_terms(self) -> int:
        """Number of terms (the intercept not counted)."""
        return len(self.terms)

    @property
    def support(self) -> frozenset[str]:
        """The set of planted terms (canonical sympy strings)."""
        return frozenset(self.terms)

    @property
    def exact(self) -> dict[str, Fraction]:
        """Term -> coefficient, plus ``"1"`` -> intercept when it is not zero."""
        out = dict(zip(self.terms, self.coefficients))
        if self.intercept:
            out["1"] = self.intercept
        return out

    def signal(self, X: np.ndarray, feature_names: Sequence[str] = FEATURE_NAMES) -> np.ndarray:
        """Noise-free value of the formula on the (standardized) feature table ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Feature values, columns in the order of ``feature_names``.
        feature_names : sequence of str, default=FEATURE_NAMES
            Names of the columns of ``X``.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        from .basis import Basis

        columns = Basis(feature_names, kind=self.terms).evaluate(X)   # one lambdify, all terms
        y = np.full(columns.shape[0], float(self.intercept))
        for column, coefficient in zip(columns.T, self.coefficients):
            y = y + float(coefficient) * column
        return y

    def __str__(self) -> str:
        parts = [str(self.intercept)] if self.intercept else []
        for term, c in zip(self.terms, self.coefficients):
            parts.append(f"{'-' if c < 0 else '+'} {abs(c)}*{term}")
        text = " ".join(parts)
        return text[2:] if text.startswith("+ ") else text


#: Nine planted formulas, each testing something different.
PLANTED_FORMULAS: tuple[PlantedFormula, ...] = (
    PlantedFormula("pair", "correlated pair (x1, x2: r 0.7) with opposite signs",
                   ("x1", "x2"), (Fraction("1/2"), Fraction("-3/4"))),
    PlantedFormula("pair_product", "correlated pair plus a product (issue 2's example)",
                   ("x1", "x2", "x1*x3"), (Fraction("1/2"), Fraction("-3/4"), Fraction("1"))),
    PlantedFormula("product", "product of two blocks plus an independent term",
                   ("x4*x6", "x9"), (Fraction("3/4"), Fraction("-1/2"))),
    PlantedFormula("square", "a square of a correlated feature plus a linear term",
                   ("x3**2", "x5"), (Fraction("2/3"), Fraction("1/4"))),
    PlantedFormula("squares", "two squares and a linear term",
                   ("x1**2", "x8**2", "x10"), (Fraction("1/2"), Fraction("-1/4"), Fraction("1"))),
    PlantedFormula("four_terms", "four terms over three blocks",
                   ("x1", "x4", "x2*x5", "x8"), (Fraction("1/2"), Fraction("-1/4"), Fraction("2/3"), Fraction("3/4"))),
    PlantedFormula("intercept", "a non-zero intercept",
                   ("x5", "x10"), (Fraction("2/3"), Fraction("-1/4")), Fraction("3/2")),
    PlantedFormula("eighth", "a coefficient of 1/8 (below a typical fixed threshold's reach)",
                   ("x2", "x9"), (Fraction("1"), Fraction("-1/8"))),
    PlantedFormula("eighths", "fractions in eighths on a correlated pair and a product",
                   ("x6", "x7", "x3*x9"), (Fraction("5/8"), Fraction("-3/8"), Fraction("3/4"))),
)


@dataclass(frozen=True)
class Regime:
    """Size and noise of a planted table.

    Parameters
    ----------
    name : str
    n_samples : int
        Number of rows.
    snr : float
        ``std(signal) / std(noise)`` (a ratio of amplitudes, not of powers).
    """

    name: str
    n_samples: int
    snr: float


REGIMES: dict[str, Regime] = {
    "easy": Regime("easy", 700, 20.0),
    "hard": Regime("hard", 300, 5.0),
}


@dataclass(frozen=True, eq=False)
class PlantedData:
    """One seeded planted table.

    Parameters
    ----------
    formula : PlantedFormula
    regime : Regime
    seed : int
    feature_names : tuple of str
    X : ndarray of shape (n_samples, 10)
        Features, standardized in sample (mean 0, ``ddof=0`` standard deviation 1).
    y : ndarray of shape (n_samples,)
        Noisy target.
    signal : ndarray of shape (n_samples,)
        Noise-free target (``y - noise``).
    noise_sd : float
        Standard deviation of the Gaussian noise that was added.
    """

    formula: PlantedFormula
    regime: Regime
    seed: int
    feature_names: tuple[str, ...]
    X: np.ndarray
    y: np.ndarray
    signal: np.ndarray
    noise_sd: float


def _covariance(feature_names: Sequence[str], blocks) -> np.ndarray:
    index = {name: i for i, name in enumerate(feature_names)}
    cov = np.eye(len(feature_names))
    for names, rho in blocks:
        for a in names:
            for b in names:
                if a != b:
                    cov[index[a], index[b]] = rho
    return cov


def correlated_features(n_samples: int, *, seed=0, blocks=BLOCKS,
                        feature_names: Sequence[str] = FEATURE_NAMES) -> np.ndarray:
    """Draw Gaussian features in correlated blocks and standardize them exactly.

    Parameters
    ----------
    n_samples : int
        Number of rows (at least 3).
    seed : int or sequence of int or numpy.random.Generator, default=0
        Seed of ``np.random.default_rng``, or a generator (which is advanced).
    blocks : sequence of (tuple of str, float), default=BLOCKS
        Groups of features and their pairwise correlation.
    feature_names : sequence of str, default=FEATURE_NAMES

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        Every column has sample mean 0 and population standard deviation 1 (``ddof=0``).

    Examples
    --------
    >>> X = correlated_features(2000, seed=1)
    >>> bool(abs(np.corrcoef(X[:, 0], X[:, 1])[0, 1] - 0.7) < 0.05)
    True
    """
    n_samples = check_int(n_samples, "n_samples", owner="correlated_features", low=3)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    cov = _covariance(feature_names, blocks)
    chol = np.linalg.cholesky(cov)
    X = rng.standard_normal((n_samples, len(feature_names))) @ chol.T
    X = X - X.mean(axis=0)
    return X / X.std(axis=0)


def _table_rng(seed: int, formula: PlantedFormula, regime: Regime) -> np.random.Generator:
    return np.random.default_rng([int(seed), zlib.crc32(formula.name.encode()),
                                  zlib.crc32(regime.name.encode())])


def planted_data(formula: PlantedFormula, regime: Regime | str, seed: int = 0) -> PlantedData:
    """The seeded table of ``formula`` in ``regime``.

    Parameters
    ----------
    formula : PlantedFormula
    regime : Regime or {"easy", "hard"}
    seed : int, default=0

    Returns
    -------
    PlantedData

    Examples
    --------
    >>> data = planted_data(PLANTED_FORMULAS[0], "hard", seed=3)
    >>> data.X.shape, round(float(np.std(data.signal) / data.noise_sd), 6)
    ((300, 10), 5.0)
    """
    if isinstance(regime, str):
        regime = REGIMES[check_choice(regime, "regime", REGIMES, owner="planted_data")]
    check_number(regime.snr, "snr", owner="Regime", low=0.0, low_open=True)
    seed = check_int(seed, "seed", owner="planted_data", low=0)
    rng = _table_rng(seed, formula, regime)
    X = correlated_features(regime.n_samples, seed=rng)
    signal = formula.signal(X)
    noise_sd = float(np.std(signal)) / regime.snr
    y = signal + noise_sd * rng.standard_normal(regime.n_samples)
    return PlantedData(formula=formula, regime=regime, seed=seed, feature_names=FEATURE_NAMES,
                       X=X, y=y, signal=signal, noise_sd=noise_sd)


def planted_suite(regimes: Iterable[str] = tuple(REGIMES), *, seeds: Iterable[int] = range(10),
                  formulas: Sequence[PlantedFormula] = PLANTED_FORMULAS) -> Iterator[PlantedData]:
    """Yield every planted table: for each regime, for each formula, for each seed.

    Parameters
    ----------
    regimes : iterable of str, default=("easy", "hard")
        Keys of :data:`REGIMES`.
    seeds : iterable of int, default=range(10)
    formulas : sequence of PlantedFormula, default=PLANTED_FORMULAS

    Yields
    ------
    PlantedData
    """
    seeds = tuple(seeds)
    for regime in regimes:
        for formula in formulas:
            for seed in seeds:
                yield planted_data(formula, regime, seed)


def round_to_fraction(value: float, max_denominator: int = 8) -> Fraction:
    """Nearest fraction to ``value`` whose denominator is at most ``max_denominator``.

    This is how the benchmark reads a peer's floating-point coefficient (``Fraction``'s
    ``limit_denominator``, which returns the closest such fraction).

    Parameters
    ----------
    value : float
    max_denominator : int, default=8

    Returns
    -------
    Fraction

    Examples
    --------
    >>> round_to_fraction(0.7), round_to_fraction(-0.13)
    (Fraction(5, 7), Fraction(-1, 8))
    """
    max_denominator = check_int(max_denominator, "max_denominator", owner="round_to_fraction",
                                low=1)
    return Fraction(float(value)).limit_denominator(max_denominator)
