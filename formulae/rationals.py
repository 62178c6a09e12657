"""The simplest rational inside an interval (Stern–Brocot tree / continued fractions).

=========================  ===================================================================
name                       what it does
=========================  ===================================================================
simplest_rational          the rational with the smallest denominator (then the smallest
                           absolute numerator) in a closed interval, or None beyond a bound
simplest_in_interval       the same for ``estimate ± z·stderr``
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
"""

from __future__ import annotations

import math
from fractions import Fraction

from ._validation import check_int, check_number
from .errors import InvalidParameterError

__all__ = ["simplest_rational", "simplest_in_interval"]


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
    a = low if isinstance(low, Fraction) else Fraction(check_number(low, "low",
                                                                   owner="simplest_rational"))
    b = high if isinstance(high, Fraction) else Fraction(check_number(high, "high",
                                                                     owner="simplest_rational"))
    if a > b:
        raise InvalidParameterError(
            f"The interval of simplest_rational must have low <= high. Got low={float(a)!r} > "
            f"high={float(b)!r} instead.", parameter="low", value=float(a))
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
