"""Tests of formulae.report: PDG rounding (by hand) and lmfit's section layout."""

from __future__ import annotations

import pytest

from formulae.report import (correlations_section, format_value_error, join_sections,
                             statistics_section, variables_section)


@pytest.mark.parametrize("value,error,expected", [
    (0.9305631461, 0.0391214216, "0.93 +/- 0.04"),        # 391 -> one digit
    (0.008669688, 0.000307847, "0.00867 +/- 0.00031"),    # 308 -> two digits
    (4.357767, 0.5113492, "4.4 +/- 0.5"),
    (12.3456, 0.0962, "12.35 +/- 0.10"),                  # 962 -> rounds up to 100, two digits
    (1234.5, 96.0, "1230 +/- 100"),
    (-0.0060166606, 0.0026133, "-0.0060 +/- 0.0026"),
    (5.0, 0.0, "5"),
    (5.0, None, "5"),
])
def test_pdg_rounding(value, error, expected):
    assert format_value_error(value, error) == expected


def test_sections_layout():
    stats = statistics_section([("# data points", 104), ("chi-square", 112.7441585)])
    assert stats == ["[[Fit Statistics]]", "    # data points = 104",
                     "    chi-square    = 112.744"]
    rows = [{"name": "amp", "value": 0.93056, "stderr": 0.0391, "init": 1.0},
            {"name": "s02", "value": 0.7, "fixed": True},
            {"name": "sig2_p5", "value": 0.00666, "stderr": 0.000334, "expr": "sig2_p4"},
            {"name": "sig2", "value": 0.0, "stderr": None, "bound": "lower", "limit": 0.0}]
    lines = variables_section(rows)
    assert lines[0] == "[[Variables]]"
    assert lines[1] == "    amp:     0.93 +/- 0.04 (4.20%) (init = 1)"
    assert lines[2] == "    s02:     0.7 (fixed)"
    assert lines[3] == "    sig2_p5: 0.00666 +/- 0.00033 (5.02%) == 'sig2_p4'"
    assert lines[4] == ("    sig2:    0 (at lower bound 0; no error bar: the fit is pinned on "
                        "the bound)")
    corr = correlations_section({("a", "b"): 0.05, ("a", "c"): -0.93, ("b", "c"): 0.5}, 0.1)
    assert corr == ["[[Correlations]] (unreported correlations are < 0.100)",
                    "    C(a, c) = -0.9300", "    C(b, c) = +0.5000"]
    assert join_sections(["x"], ["y", "z"]) == "x\ny\nz"
