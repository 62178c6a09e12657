"""The simplest rational inside an interval (Stern–Brocot tree / continued fractions).

=========================  ===================================================================
name                       what it does
=========================  ===================================================================
simplest_rational          the rational with the smallest denominator (then the smallest
                           absolute numerator) in a closed interval, or None beyond a bound
simplest_in_interval       the same for ``estimate ± z·stderr``
rationals_in_interval      every reduced fraction with a bounded denominator in an interval
map_rationals              the most probable rational *vector* given estimates and their full
                           covariance, under a prior favouring small and shared
                           denominators (joint MAP)
=========================  ===================================================================

Notes
-----
"Nearest rational with denominator ≤ D" (``Fraction.limit_denominator``) rounds 0.7 to 5/7
whatever its uncertainty. The rule used here instead looks at the whole confidence interval
``[estimate - z·stderr, estimate + z·stderr]`` and returns its *simplest* member: the one with
the smallest denominator and, among those, the smallest absolute numerator. For 0.73 ± 0.04
that is 3/4, not the nearer 8/11; for 0.4137 ± 0.002 no fraction with denominator ≤ 8 lies
inside, so the answer is ``None`` and nothing is forced.

The simplest fraction in a closed interval ``[a, b]`` with ``0 < a <= b`` is found by walking
the Stern–Brocot tree, which is the continued-fraction recursion

    simplest(a, b) = ceil(a)                              if ceil(a) <= b
                   = q + 1 / simplest(1/(b - q), 1/(a - q))   with q = floor(a), otherwise.

It is unique and has both the smallest denominator and the smallest numerator of all fractions
in the interval (Stern–Brocot: every fraction in the interval descends from it). Negative
intervals use the symmetry ``x -> -x``; an interval holding 0 gives 0. All arithmetic is exact
(``fractions.Fraction`` of the floating-point endpoints), so a bound that is itself a simple
fraction (0.5, 0.75) is inside the interval, as a closed interval requires.

The smallest denominator wins *whatever its distance*: 0.62 ± 0.02 at ``z = 2`` gives 3/5, not
5/8, although 5/8 is nearer. :func:`map_rationals` weighs both instead. With estimates
``θ̂`` of covariance ``Σ`` (Gaussian likelihood) and the prior

    P(r) ∝ Π_j q_j^-alpha · lcm(q_1, …, q_m)^-gamma

on a rational vector ``r = (p_1/q_1, …, p_m/q_m)``, the posterior is, up to a constant,

    -log P(r | θ̂) = ½ (r - θ̂)' Σ⁻¹ (r - θ̂) + alpha · Σ_j log q_j + gamma · log lcm(q).

The first factor of the prior prefers small denominators one coefficient at a time. The
second prefers vectors that share a denominator: a formula is written over one denominator
(``(5·a − 3·b + 6·c)/8`` rather than ``3/5·a − 3/8·b + 3/4·c``), and the cost of writing it
grows with that common denominator ``lcm(q)``. With ``gamma > 0``, a coefficient whose
estimate cannot tell 5/8 from 3/5 is read as 5/8 when its neighbours are in eighths; on
formulas whose coefficients have unrelated denominators (2/5 next to 3/7) it is a wrong bet
and costs accuracy (docs/tables.md measures both). The quadratic form uses the full
covariance (correlated coefficients move together), and for a subset of coefficients it is
taken with the sub-matrix ``Σ_RR`` of that subset, which is the likelihood profiled over the
other coefficients. ``alpha = gamma = 0`` is the jointly nearest vector; a large ``alpha``
tends to the simplest fraction in each window. Candidates are the fractions in
``θ̂_j ± z·SE_j``; a coefficient whose window holds none stays free (``None``), so nothing is
forced on 0.4137 ± 0.002.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

from ._validation import check_int, check_number
from .errors import InvalidParameterError

__all__ = ["simplest_rational", "simplest_in_interval", "rationals_in_interval",
           "map_rationals"]


def _simplest_positive(a: Fraction, b: Fraction) -> Fraction:
    """Simplest fraction in ``[a, b]``, ``0 < a <= b`` (iterative continued fraction)."""
    # Each step writes x = q + 1/x' and maps [a, b] to [1/(b - q), 1/(a - q)]; the partial
    # quotients collected in ``quotients`` are the continued fraction of the answer.
    quotients = []
    while True:
        q = math.floor(a)
        if q == a:                      # an integer endpoint: the interval's smallest integer
            quotients.append(q)
            break
        if q + 1 <= b:                  # an integer strictly above a and inside
            quotients.append(q + 1)
            break
        quotients.append(q)
        a, b = 1 / (b - q), 1 / (a - q)
    value = Fraction(quotients[-1])
    for q in reversed(quotients[:-1]):
        value = q + 1 / value
    return value


def _interval(low, high, owner: str) -> tuple[Fraction, Fraction]:
    """Checked bounds of ``owner``'s interval as exact fractions (``Fraction`` input kept)."""
    a = low if isinstance(low, Fraction) else Fraction(check_number(low, "low", owner=owner))
    b = high if isinstance(high, Fraction) else Fraction(check_number(high, "high", owner=owner))
    if a > b:
        raise InvalidParameterError(
            f"The interval of {owner} must have low <= high. Got low={float(a)!r} > "
            f"high={float(b)!r} instead.", parameter="low", value=float(a))
    return a, b


def simplest_rational(low: float, high: float, max_denominator: int | None = None):
    """The simplest rational in the closed interval ``[low, high]``.

    Parameters
    ----------
    low, high : float
        Interval bounds, ``low <= high``; they may be ``Fraction`` for exact input.
    max_denominator : int, optional
        Largest accepted denominator; ``None`` accepts any.

    Returns
    -------
    Fraction or None
        The fraction with the smallest denominator in the interval (among those, the smallest
        absolute numerator); ``None`` when that denominator exceeds ``max_denominator``, which
        means no fraction with a denominator ``<= max_denominator`` lies in the interval.

    Raises
    ------
    InvalidParameterError
        If a bound is not finite, ``low > high`` or ``max_denominator < 1``.

    Examples
    --------
    >>> simplest_rational(0.69, 0.77)
    Fraction(3, 4)
    >>> simplest_rational(0.4097, 0.4177, max_denominator=8) is None
    True
    >>> simplest_rational(-0.2, 0.1)
    Fraction(0, 1)
    """
    a, b = _interval(low, high, "simplest_rational")
    if max_denominator is not None:
        max_denominator = check_int(max_denominator, "max_denominator",
                                    owner="simplest_rational", low=1)
    if a <= 0 <= b:
        best = Fraction(0)
    elif a > 0:
        best = _simplest_positive(a, b)
    else:
        best = -_simplest_positive(-b, -a)
    if max_denominator is not None and best.denominator > max_denominator:
        return None
    return best


def simplest_in_interval(estimate: float, stderr: float, *, z: float = 2.0,
                         max_denominator: int = 12):
    """The simplest rational in ``estimate ± z·stderr`` with a bounded denominator.

    Parameters
    ----------
    estimate : float
        The fitted value.
    stderr : float
        Its standard error (``>= 0``).
    z : float, default=2.0
        Half-width of the interval in standard errors.
    max_denominator : int, default=12
        Largest accepted denominator.

    Returns
    -------
    Fraction or None
        ``None`` when the interval holds no fraction with a denominator ``<= max_denominator``.

    Examples
    --------
    >>> simplest_in_interval(0.73, 0.02)
    Fraction(3, 4)
    >>> simplest_in_interval(0.4137, 0.002, max_denominator=8) is None
    True
    """
    estimate = check_number(estimate, "estimate", owner="simplest_in_interval")
    stderr = check_number(stderr, "stderr", owner="simplest_in_interval", low=0.0)
    z = check_number(z, "z", owner="simplest_in_interval", low=0.0)
    half = Fraction(z) * Fraction(stderr)
    centre = Fraction(estimate)
    return simplest_rational(centre - half, centre + half, max_denominator)


def rationals_in_interval(low: float, high: float, max_denominator: int) -> list:
    """Every reduced fraction ``p/q`` with ``q <= max_denominator`` in ``[low, high]``.

    Parameters
    ----------
    low, high : float
        Interval bounds, ``low <= high`` (``Fraction`` accepted for exact input).
    max_denominator : int
        Largest denominator.

    Returns
    -------
    list of Fraction
        Sorted by value; empty when there is none.

    Raises
    ------
    InvalidParameterError
        If a bound is not finite, ``low > high`` or ``max_denominator < 1``.

    Examples
    --------
    >>> [str(r) for r in rationals_in_interval(0.55, 0.7, 8)]
    ['4/7', '3/5', '5/8', '2/3']
    """
    a, b = _interval(low, high, "rationals_in_interval")
    max_denominator = check_int(max_denominator, "max_denominator",
                                owner="rationals_in_interval", low=1)
    found = set()
    for q in range(1, max_denominator + 1):
        for p in range(math.ceil(a * q), math.floor(b * q) + 1):
            found.add(Fraction(p, q))           # reduced automatically; duplicates collapse
    return sorted(found)


def map_rationals(estimates, cov, *, alpha: float = 2.0, gamma: float = 0.0, z: float = 3.0,
                  max_denominator: int = 8, denominators=None, allow_zero=None,
                  max_candidates: int = 8, max_vectors: int = 200_000):
    """The most probable rational vector given estimates, their covariance and a prior.

    Minimises ``½ (r - θ̂)' Σ_RR⁻¹ (r - θ̂) + alpha·Σ log q_j + gamma·log lcm(q)`` over the
    vectors ``r`` whose
    ``j``-th entry is a fraction ``p_j/q_j`` (``q_j <= max_denominator``) in
    ``θ̂_j ± z·SE_j``, jointly over all coefficients that have at least one candidate (the
    set ``R``; see the module notes).

    Parameters
    ----------
    estimates : array-like of shape (m,)
        Estimated coefficients ``θ̂``.
    cov : array-like of shape (m, m)
        Their covariance ``Σ`` (symmetric, positive definite on the candidates).
    alpha : float, default=2.0
        Exponent of the per-coefficient prior ``P(p/q) ∝ q^-alpha`` (``>= 0``).
    gamma : float, default=0.0
        Exponent of the common-denominator prior ``lcm(q_1, …, q_m)^-gamma`` (``>= 0``; 0:
        coefficients independent a priori).
    z : float, default=3.0
        Candidate window in standard errors.
    max_denominator : int, default=8
        Largest denominator.
    denominators : iterable of int, optional
        If given, only fractions whose reduced denominator is in this set are candidates (a
        prior that gives the others probability 0, e.g. ``(1, 2, 3, 4, 6, 8)`` for halves,
        thirds, quarters, sixths and eighths). Default: every ``q <= max_denominator``.
    allow_zero : array-like of bool of shape (m,), optional
        Whether 0 may be chosen for each coefficient (default: yes for all). A selected term's
        coefficient is not 0 by construction, so callers pass ``False`` for terms.
    max_candidates : int, default=8
        At most this many candidates per coefficient are kept, the most probable on their own
        (marginal score ``½ ((r - θ̂_j)/SE_j)² + alpha·log q``).
    max_vectors : int, default=200000
        Bound on the enumerated vectors; ``max_candidates`` is lowered until the product of
        the candidate counts fits.

    Returns
    -------
    list of Fraction or None
        One entry per coefficient; ``None`` where the window holds no candidate.

    Raises
    ------
    InvalidParameterError
        If the shapes disagree or a parameter is out of range.

    Examples
    --------
    0.615 ± 0.02 holds 3/5 and 5/8; the nearer 5/8 wins only while ``alpha`` is small:

    >>> [str(r) for r in map_rationals([0.615], [[0.02 ** 2]], alpha=0.0)]
    ['5/8']
    >>> [str(r) for r in map_rationals([0.615], [[0.02 ** 2]], alpha=2.0)]
    ['3/5']
    >>> map_rationals([0.4137], [[0.002 ** 2]])
    [None]

    Estimates of 5/8, -3/8 and 3/4 at a noise level where each, alone, reads as a fifth: a
    prior on the common denominator makes the vector (5/8, -3/8, 3/4), over 8 instead of 20:

    >>> cov = [[0.013 ** 2, 0, 0], [0, 0.013 ** 2, 0], [0, 0, 0.011 ** 2]]
    >>> [str(r) for r in map_rationals([0.611, -0.3825, 0.765], cov, alpha=2.0)]
    ['3/5', '-2/5', '3/4']
    >>> [str(r) for r in map_rationals([0.611, -0.3825, 0.765], cov, alpha=2.0, gamma=4.0)]
    ['5/8', '-3/8', '3/4']
    """
    import numpy as np

    owner = "map_rationals"
    theta = np.asarray(estimates, dtype=float).ravel()
    cov = np.asarray(cov, dtype=float)
    m = theta.size
    if cov.shape != (m, m) or not np.all(np.isfinite(cov)) or not np.all(np.isfinite(theta)):
        raise InvalidParameterError(f"{owner} needs finite estimates of shape (m,) and a "
                                    f"finite covariance of shape (m, m); got {theta.shape} and "
                                    f"{cov.shape}.", parameter="cov", value=cov.shape)
    alpha = check_number(alpha, "alpha", owner=owner, low=0.0)
    gamma = check_number(gamma, "gamma", owner=owner, low=0.0)
    z = check_number(z, "z", owner=owner, low=0.0, low_open=True)
    max_denominator = check_int(max_denominator, "max_denominator", owner=owner, low=1)
    max_candidates = check_int(max_candidates, "max_candidates", owner=owner, low=1)
    max_vectors = check_int(max_vectors, "max_vectors", owner=owner, low=1)
    allow = np.ones(m, bool) if allow_zero is None else np.asarray(allow_zero, bool).ravel()
    if allow.shape != (m,):
        raise InvalidParameterError(f"The 'allow_zero' parameter of {owner} must have {m} "
                                    f"entries. Got {allow.shape[0]} instead.",
                                    parameter="allow_zero", value=allow.shape)
    if denominators is not None:
        denominators = {check_int(q, "denominators", owner=owner, low=1) for q in denominators}
        if not denominators:
            raise InvalidParameterError(f"The 'denominators' parameter of {owner} must hold at "
                                        "least one denominator. Got an empty set instead.",
                                        parameter="denominators", value=denominators)
        max_denominator = max(max_denominator, max(denominators))
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    pools = {}
    for j in range(m):
        half = Fraction(z) * Fraction(float(se[j]))
        centre = Fraction(float(theta[j]))
        pool = [r for r in rationals_in_interval(centre - half, centre + half, max_denominator)
                if (allow[j] or r != 0)
                and (denominators is None or r == 0 or r.denominator in denominators)]
        if pool:
            def marginal(r, j=j):
                d = (float(r) - theta[j]) / se[j] if se[j] > 0 else 0.0
                return 0.5 * d * d + alpha * math.log(r.denominator)
            pools[j] = sorted(pool, key=marginal)
    out = [None] * m
    if not pools:
        return out
    keep = max_candidates
    while keep > 1 and math.prod(min(len(p), keep) for p in pools.values()) > max_vectors:
        keep -= 1
    index = sorted(pools)
    lists = [pools[j][:keep] for j in index]
    sub = cov[np.ix_(index, index)]
    precision = np.linalg.pinv(sub)
    combos = np.array(list(itertools.product(*[range(len(c)) for c in lists])), dtype=int)
    values = np.column_stack([np.array([float(r) for r in c])[combos[:, i]]
                              for i, c in enumerate(lists)])
    q = np.column_stack([np.array([r.denominator for r in c])[combos[:, i]]
                         for i, c in enumerate(lists)])
    delta = values - theta[index]
    score = (0.5 * np.einsum("ij,jk,ik->i", delta, precision, delta)
             + alpha * np.log(q).sum(axis=1) + gamma * np.log(np.lcm.reduce(q, axis=1)))
    best = combos[int(np.argmin(score))]
    for i, j in enumerate(index):
        out[j] = lists[i][best[i]]
    return out
