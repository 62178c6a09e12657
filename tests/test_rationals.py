"""Simplest rational in an interval: checked against a brute-force search over denominators."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from formulae.errors import InvalidParameterError
from formulae.rationals import (map_rationals, rationals_in_interval, simplest_in_interval,
                                simplest_rational)


def brute_force(low: Fraction, high: Fraction, max_denominator: int):
    """Independent route: try q = 1, 2, ...; the first q with a p/q inside wins, smallest |p|."""
    for q in range(1, max_denominator + 1):
        p_low, p_high = math.ceil(low * q), math.floor(high * q)
        if p_low <= p_high:
            p = 0 if p_low <= 0 <= p_high else (p_low if p_low > 0 else p_high)
            return Fraction(p, q)
    return None


def test_matches_brute_force_on_random_intervals():
    rng = np.random.default_rng(7)
    centres = rng.uniform(-3, 3, size=3000)
    widths = 10 ** rng.uniform(-4, 0, size=3000)
    for centre, width in zip(centres, widths):
        low, high = Fraction(centre - width / 2), Fraction(centre + width / 2)
        expected = brute_force(low, high, 200)
        assert simplest_rational(low, high, max_denominator=200) == expected, (centre, width)


def test_closed_interval_and_exact_endpoints():
    assert simplest_rational(0.5, 0.6) == Fraction(1, 2)       # endpoint included
    assert simplest_rational(0.75, 0.75) == Fraction(3, 4)     # a point interval
    assert simplest_rational(0.51, 0.74) == Fraction(2, 3)
    assert simplest_rational(1.2, 2.5) == 2                    # smallest integer inside
    assert simplest_rational(-2.5, -1.2) == -2                 # symmetric for negatives
    assert simplest_rational(-0.2, 0.1) == 0                   # zero is the simplest


def test_simplest_beats_nearest_when_the_interval_is_wide():
    # 0.73 ± 0.04: nearest fraction with q <= 12 is 8/11, but 3/4 is inside and simpler
    assert Fraction(0.73).limit_denominator(12) == Fraction(8, 11)
    assert simplest_in_interval(0.73, 0.02) == Fraction(3, 4)


def test_no_rational_is_forced():
    # 0.4137 ± 2·0.002 = [0.4097, 0.4177] holds 5/12 = 0.41667 but nothing with q <= 8
    assert simplest_in_interval(0.4137, 0.002, max_denominator=8) is None
    assert simplest_in_interval(0.4137, 0.002, max_denominator=12) == Fraction(5, 12)
    assert brute_force(Fraction(0.4137 - 0.004), Fraction(0.4137 + 0.004), 8) is None


def test_bad_input():
    with pytest.raises(InvalidParameterError, match="low <= high"):
        simplest_rational(0.6, 0.5)
    with pytest.raises(InvalidParameterError, match="'max_denominator'.*Got 0"):
        simplest_rational(0.1, 0.2, max_denominator=0)
    with pytest.raises(InvalidParameterError, match="'low'.*Got nan"):
        simplest_rational(float("nan"), 0.2)
    with pytest.raises(InvalidParameterError, match="'stderr'.*Got -1"):
        simplest_in_interval(0.5, -1.0)



# --------------------------------------------------------------------------- joint MAP
def brute_force_in_interval(low, high, max_denominator):
    """Independent route: every p/q with q <= D and p in a generous range, kept if inside."""
    out = set()
    for q in range(1, max_denominator + 1):
        for p in range(-10 * q, 10 * q + 1):
            if low <= Fraction(p, q) <= high:
                out.add(Fraction(p, q))
    return sorted(out)


def test_rationals_in_interval_matches_brute_force():
    rng = np.random.default_rng(3)
    for _ in range(300):
        centre, width = rng.uniform(-3, 3), 10 ** rng.uniform(-3, 0)
        low, high = Fraction(centre - width), Fraction(centre + width)
        d = int(rng.integers(1, 13))
        assert rationals_in_interval(low, high, d) == brute_force_in_interval(low, high, d)
    assert rationals_in_interval(0.5, 0.5, 8) == [Fraction(1, 2)]      # closed interval
    assert rationals_in_interval(0.41, 0.416, 8) == []


def brute_force_map(theta, cov, alpha, z, max_denominator, allow_zero, gamma=0.0):
    """Independent route: every vector of candidates, scored with np.linalg.solve."""
    import itertools

    se = np.sqrt(np.diag(cov))
    pools = []
    for j in range(len(theta)):
        pool = brute_force_in_interval(Fraction(theta[j] - z * se[j]),
                                       Fraction(theta[j] + z * se[j]), max_denominator)
        pools.append([r for r in pool if allow_zero[j] or r != 0])
    index = [j for j in range(len(theta)) if pools[j]]
    sub = cov[np.ix_(index, index)]
    best, best_score = None, np.inf
    for vector in itertools.product(*[pools[j] for j in index]):
        delta = np.array([float(r) for r in vector]) - theta[index]
        common = math.lcm(*(r.denominator for r in vector))
        score = 0.5 * delta @ np.linalg.solve(sub, delta) + alpha * sum(
            np.log(r.denominator) for r in vector) + gamma * np.log(common)
        if score < best_score:
            best, best_score = vector, score
    out = [None] * len(theta)
    for j, r in zip(index, best or ()):
        out[j] = r
    return out


def test_map_rationals_matches_brute_force_with_correlated_covariance():
    rng = np.random.default_rng(11)
    differs_from_independent = 0
    for case in range(60):
        m = int(rng.integers(1, 4))
        L = rng.normal(size=(m, m))
        corr = L @ L.T + 0.3 * np.eye(m)
        d = np.sqrt(np.diag(corr))
        se = rng.uniform(0.01, 0.06, size=m)
        cov = corr / np.outer(d, d) * np.outer(se, se)
        theta = rng.uniform(-1.2, 1.2, size=m)
        alpha = float(rng.choice([0.0, 1.0, 3.0]))
        gamma = float(rng.choice([0.0, 2.0, 4.0]))
        allow = rng.random(m) < 0.5
        got = map_rationals(theta, cov, alpha=alpha, gamma=gamma, z=3.0, max_denominator=8,
                            allow_zero=allow, max_candidates=100)
        assert got == brute_force_map(theta, cov, alpha, 3.0, 8, allow, gamma), case
        independent = map_rationals(theta, np.diag(se ** 2), alpha=alpha, gamma=gamma, z=3.0,
                                    max_denominator=8, allow_zero=allow, max_candidates=100)
        differs_from_independent += got != independent
    assert differs_from_independent >= 3      # the correlations change the choice


def test_map_rationals_threshold_in_closed_form():
    # 0.615 ± 0.02: 3/5 is 0.75 SE away, 5/8 0.5 SE away; 5/8 wins while
    # alpha·log(8/5) < ½ (0.75² - 0.5²), i.e. alpha < 0.3125 / log(1.6) = 0.665
    threshold = 0.5 * (0.75 ** 2 - 0.5 ** 2) / math.log(8 / 5)
    assert map_rationals([0.615], [[0.02 ** 2]], alpha=threshold - 0.01) == [Fraction(5, 8)]
    assert map_rationals([0.615], [[0.02 ** 2]], alpha=threshold + 0.01) == [Fraction(3, 5)]
    # a prior that excludes fifths keeps 5/8 at alpha 1 (3/5 without it), until 2/3 (2.6 SE
    # away, q = 3) wins: ½ 2.58² + alpha log 3 < ½ 0.5² + alpha log 8, i.e. alpha > 3.18
    assert map_rationals([0.615], [[0.02 ** 2]], alpha=1.0) == [Fraction(3, 5)]
    assert map_rationals([0.615], [[0.02 ** 2]], alpha=1.0,
                         denominators=(1, 2, 3, 4, 6, 8)) == [Fraction(5, 8)]
    d = (2 / 3 - 0.615) / 0.02
    switch = 0.5 * (d ** 2 - 0.5 ** 2) / math.log(8 / 3)
    for alpha, expected in ((switch - 0.01, Fraction(5, 8)), (switch + 0.01, Fraction(2, 3))):
        assert map_rationals([0.615], [[0.02 ** 2]], alpha=alpha,
                             denominators=(1, 2, 3, 4, 6, 8)) == [expected]


def test_map_rationals_common_denominator_threshold_in_closed_form():
    # 0.615 ± 0.02 next to -0.375 ± 0.005 (independent; only -3/8 within 3 SE of the second):
    # 3/5 (0.75 SE) or 5/8 (0.5 SE). Costs, alpha = 1:
    #   3/5 -> ½ 0.75² + log 5 + log 8 + gamma log 40;   5/8 -> ½ 0.5² + 2 log 8 + gamma log 8;
    # 3/5 wins at gamma 0 (alpha > 0.665, see above); 5/8 once gamma > switch:
    cov = np.diag([0.02 ** 2, 0.005 ** 2])
    switch = (math.log(5 / 8) + 0.5 * (0.75 ** 2 - 0.5 ** 2)) / math.log(8 / 40)
    assert 0 < switch < 1
    for gamma, expected in ((0.0, Fraction(3, 5)), (switch - 0.01, Fraction(3, 5)),
                            (switch + 0.01, Fraction(5, 8))):
        got = map_rationals([0.615, -0.375], cov, alpha=1.0, gamma=gamma, z=3.0)
        assert got == [expected, Fraction(-3, 8)], gamma
    # a lone coefficient: lcm(q) = q, so gamma acts as more alpha
    for gamma in (0.0, 1.0, 4.0):
        assert (map_rationals([0.615], [[0.02 ** 2]], alpha=0.3, gamma=gamma)
                == map_rationals([0.615], [[0.02 ** 2]], alpha=0.3 + gamma))


def test_map_rationals_forces_nothing_on_0_4137():
    assert map_rationals([0.4137], [[0.002 ** 2]], z=2.5, max_denominator=8) == [None]
    # independent: the nearest fractions with q <= 8 are 2/5 and 3/7, both > 6 SE away
    assert min(abs(0.4137 - p / q) for q in range(1, 9) for p in range(9)) > 6 * 0.002
    # a precise estimate next to an imprecise one: only the latter gets a candidate
    got = map_rationals([0.4137, 0.26], np.diag([0.002, 0.02]) ** 2, max_denominator=8)
    assert got == [None, Fraction(1, 4)]


def test_map_rationals_bad_input():
    with pytest.raises(InvalidParameterError, match="covariance of shape"):
        map_rationals([0.5, 0.2], [[1.0]])
    with pytest.raises(InvalidParameterError, match="'alpha' parameter.*Got -1"):
        map_rationals([0.5], [[0.01]], alpha=-1)
    with pytest.raises(InvalidParameterError, match="'gamma' parameter.*Got -2"):
        map_rationals([0.5], [[0.01]], gamma=-2)
    with pytest.raises(InvalidParameterError, match="'denominators' parameter.*empty"):
        map_rationals([0.5], [[0.01]], denominators=())
    with pytest.raises(InvalidParameterError, match="'allow_zero' parameter.*2 entries"):
        map_rationals([0.5, 0.2], np.eye(2), allow_zero=[True])
    with pytest.raises(InvalidParameterError, match="low <= high"):
        rationals_in_interval(0.6, 0.5, 8)
