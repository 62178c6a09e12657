"""Simplest rational in an interval: checked against a brute-force search over denominators."""

from __future__ import annotations

import doctest
import math
from fractions import Fraction

import numpy as np
import pytest

import formulae.rationals
from formulae.errors import InvalidParameterError
from formulae.rationals import simplest_in_interval, simplest_rational


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


def test_docstring_examples():
    assert doctest.testmod(formulae.rationals).failed == 0
