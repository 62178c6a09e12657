"""Plain-text fit reports in lmfit's layout, shared by XANES and EXAFS results.

One small function per section; each returns a list of lines, and :func:`join_sections`
assembles them. Values with errors use one formatter, :func:`format_value_error`, which rounds
the error by the Particle Data Group rule and the value to the same decimal place.

=========================  ===================================================================
function                   returns
=========================  ===================================================================
format_value_error         "0.931 +/- 0.039" by the PDG rounding rule
format_number              a compact number (``%.6g``-like, no trailing noise)
statistics_section         ``[[Fit Statistics]]`` lines
variables_section          ``[[Variables]]`` lines: varied, fixed, constrained, at a bound
correlations_section       ``[[Correlations]]`` lines sorted by |C|
join_sections              the report as one string
=========================  ===================================================================

Reference: Particle Data Group, "Introduction", Rev. Part. Phys. (rounding of errors):
the three leading digits of the error decide - 100–354: two significant digits; 355–949: one;
950–999: round up to 1000 and keep two.
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping, Sequence

__all__ = [
    "format_value_error",
    "format_number",
    "statistics_section",
    "variables_section",
    "correlations_section",
    "join_sections",
]


def _pdg_digits(error: float) -> tuple[float, int]:
    """Return (rounded error, decimal exponent of its last kept digit)."""
    exponent = math.floor(math.log10(error))
    three = int(round(error / 10 ** (exponent - 2)))      # three leading digits, 100..1000
    if three >= 1000:
        three, exponent = 100, exponent + 1
    if three <= 354:
        n_sig = 2
    elif three <= 949:
        n_sig = 1
    else:
        three, exponent, n_sig = 100, exponent + 1, 2
    last = exponent - n_sig + 1
    rounded = round(three / 10 ** (3 - n_sig)) * 10.0 ** last
    return rounded, last


def format_value_error(value: float, error: float | None) -> str:
    """Format ``value +/- error`` with the error rounded by the PDG rule.

    Parameters
    ----------
    value : float
    error : float or None
        Standard error; ``None``, 0 or non-finite prints the value alone with 6 digits.

    Returns
    -------
    str

    Examples
    --------
    >>> format_value_error(0.9305631461, 0.0391214216)
    '0.93 +/- 0.04'
    >>> format_value_error(4.357767, 0.5113492)
    '4.4 +/- 0.5'
    >>> format_value_error(-0.0060166606, 0.0026133)
    '-0.0060 +/- 0.0026'
    >>> format_value_error(1234.5, 96.0)
    '1230 +/- 100'
    """
    if error is None or not math.isfinite(error) or error <= 0:
        return format_number(value)
    rounded, last = _pdg_digits(error)
    decimals = max(0, -last)
    if last > 0:
        v = round(value / 10 ** last) * 10 ** last
        return f"{v:.0f} +/- {rounded:.0f}"
    return f"{value:.{decimals}f} +/- {rounded:.{decimals}f}"


def format_number(value: float, digits: int = 6) -> str:
    """Format a number compactly with ``digits`` significant digits (``%g`` style).

    Parameters
    ----------
    value : float or None
        Number to format.
    digits : int, default=6
        Significant digits.

    Returns
    -------
    str
        ``f"{value:.{digits}g}"``, or ``"None"`` when ``value`` is None.
    """
    if value is None:
        return "None"
    return f"{value:.{digits}g}"


def statistics_section(items: Sequence[tuple[str, object]]) -> list[str]:
    """``[[Fit Statistics]]`` lines: one ``label = value`` per item, labels aligned.

    Parameters
    ----------
    items : sequence of (str, object)
        ``(label, value)`` pairs, in the order to print; float values go through
        :func:`format_number`, others through ``str``.

    Returns
    -------
    list of str
        The header ``[[Fit Statistics]]`` then one indented line per item.
    """
    width = max((len(label) for label, _ in items), default=0)
    lines = ["[[Fit Statistics]]"]
    for label, value in items:
        text = format_number(value) if isinstance(value, float) else str(value)
        lines.append(f"    {label:<{width}} = {text}")
    return lines


def variables_section(rows: Iterable[Mapping]) -> list[str]:
    """``[[Variables]]`` lines in lmfit's layout.

    Parameters
    ----------
    rows : iterable of mapping
        Each with ``name``, ``value`` and optionally ``stderr``, ``init``, ``expr``,
        ``fixed`` (bool) and ``bound`` (``"lower"``/``"upper"`` when pinned on a bound, with
        the bound's value in ``limit``).

    Returns
    -------
    list of str
        ``name:  value +/- error (r%) (init = x)``; ``name:  value (fixed)``;
        ``name:  value +/- error == 'expr'``; for a variable pinned on a bound,
        ``name:  value (at lower bound 0; no error bar: the fit is pinned on the bound)``.
    """
    rows = list(rows)
    width = max((len(r["name"]) for r in rows), default=0) + 1
    lines = ["[[Variables]]"]
    for r in rows:
        label = f"{r['name'] + ':':<{width}}"
        value, err = r["value"], r.get("stderr")
        if r.get("bound"):
            text = (f"{format_number(value)} (at {r['bound']} bound {format_number(r['limit'])}; "
                    f"no error bar: the fit is pinned on the bound)")
        elif r.get("fixed"):
            text = f"{format_number(value)} (fixed)"
        else:
            text = format_value_error(value, err)
            if err is not None and err > 0 and value != 0 and math.isfinite(err):
                text += f" ({abs(err / value) * 100:.2f}%)"
            elif err is None or not math.isfinite(err):
                text += " +/- unknown"
            if r.get("expr") is not None:
                text += f" == '{r['expr']}'"
            elif r.get("init") is not None:
                text += f" (init = {format_number(r['init'])})"
        lines.append(f"    {label} {text}")
    return lines


def correlations_section(correl: Mapping[tuple[str, str], float], min_correl: float = 0.1
                         ) -> list[str]:
    """``[[Correlations]]`` lines sorted by decreasing |C|, those below ``min_correl`` omitted.

    Parameters
    ----------
    correl : mapping of (str, str) to float
        Correlation coefficient of each pair of variable names.
    min_correl : float, default=0.1
        Pairs with ``|C| < min_correl`` are not printed.

    Returns
    -------
    list of str
        The header (which states ``min_correl``) then ``C(a, b) = +0.xxxx`` lines.
    """
    lines = [f"[[Correlations]] (unreported correlations are < {min_correl:.3f})"]
    items = sorted(((a, b, c) for (a, b), c in correl.items() if abs(c) >= min_correl),
                   key=lambda t: -abs(t[2]))
    labels = [f"C({a}, {b})" for a, b, _ in items]
    width = max((len(s) for s in labels), default=0)
    for label, (_, _, c) in zip(labels, items):
        lines.append(f"    {label:<{width}} = {c:+.4f}")
    return lines


def join_sections(*sections: Sequence[str]) -> str:
    """Join sections (lists of lines) into one report string.

    Parameters
    ----------
    *sections : sequence of str
        Sections in order, each a list of lines (as returned by the ``*_section`` helpers).

    Returns
    -------
    str
        All lines joined by newlines, without a trailing newline.
    """
    return "\n".join(line for section in sections for line in section)
