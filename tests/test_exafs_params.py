"""Tests of formulae.exafs.params: expressions, gradients, bounds, sigma2 models.

Independent routes: central finite differences, closed forms, lmfit's published transform,
Larch's own sigma2_debye/sigma2_eins when xraylarch is importable, and their values recorded
in tests/reference/larch_sigma2.json otherwise.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from formulae.errors import InvalidParameterError
from formulae.exafs.params import (EINS_FACTOR, BoundTransform, CompiledTargets, ExpressionSet,
                                   Variable, parse_expression, sigma2_debye, sigma2_eins)


def test_eins_factor_matches_larch_constant():
    # Larch: hbarc^2/(2 k_B amu) = 1973.26938^2/(2 * 8.6173324e-5 * 931.494061e6)
    assert EINS_FACTOR == pytest.approx(1973.26938 ** 2 / (2 * 8.6173324e-5 * 931.494061e6),
                                        rel=1e-6)


def test_sigma2_eins_closed_form_limits():
    # high T: sigma2 -> EINS_FACTOR * 2T / (theta^2 mu); T -> 0: EINS_FACTOR / (theta mu)
    mu = 31.773
    assert sigma2_eins(1e5, 300.0, mu) == pytest.approx(EINS_FACTOR * 2e5 / (300.0 ** 2 * mu),
                                                        rel=1e-6)
    assert sigma2_eins(1.0, 300.0, mu) == pytest.approx(EINS_FACTOR / (300.0 * mu), rel=1e-12)


def test_expressions_and_gradients_match_finite_differences(rng):
    variables = [Variable("alpha", 0.01), Variable("theta", 300.0), Variable("n1", 6.0)]
    ex = ExpressionSet(variables, constraints={"amp": "0.9*n1", "dr": "alpha*reff"},
                       fixed={"temp": 150.0})
    known = ex.known_names()
    texts = ["dr", "amp", "sigma2_eins(temp, theta)", "exp(-alpha)*sqrt(n1) + reff**2",
             "sigma2_eins(temp, theta) + 2*alpha"]
    consts = {"reff": 2.5478, "degen": 12.0, "nleg": 2.0, "rmass": 31.773}
    exprs = [ex.substitute(parse_expression(t, known, owner=t), consts, object())
             for t in texts]
    targets = CompiledTargets(exprs, ex.symbols)
    for _ in range(5):
        x = np.array([rng.uniform(-0.05, 0.05), rng.uniform(150, 450), rng.uniform(2, 12)])
        values, grad = targets(x)
        assert values[0] == pytest.approx(x[0] * 2.5478, rel=1e-14)
        assert values[1] == pytest.approx(0.9 * x[2], rel=1e-14)
        assert values[2] == pytest.approx(sigma2_eins(150.0, x[1], 31.773), rel=1e-12)
        for j in range(3):
            h = 1e-6 * max(abs(x[j]), 1e-2)
            e = np.zeros(3)
            e[j] = h
            fd = (targets(x + e)[0] - targets(x - e)[0]) / (2 * h)
            np.testing.assert_allclose(grad[:, j], fd, rtol=1e-7, atol=1e-12)


def test_constraint_chains_and_cycles():
    ex = ExpressionSet([Variable("a", 1.0)], constraints={"b": "a", "c": "2*b"})
    assert str(ex.constraints["c"]) == "2*a"
    with pytest.raises(InvalidParameterError, match="Circular constraint definition: b -> c -> b"):
        ExpressionSet([Variable("a", 1.0)], constraints={"b": "c", "c": "b"})


def test_unknown_name_message_lists_known_names():
    with pytest.raises(InvalidParameterError,
                       match=r"Unknown name 'aa' in the expression 'aa\*2' of constraint 'x'\. "
                             r"Known names: a, degen, nleg, reff, rmass, x"):
        ExpressionSet([Variable("a", 1.0)], constraints={"x": "aa*2"})
    with pytest.raises(InvalidParameterError, match=r"Unknown name 'foo' in the expression"):
        ExpressionSet([Variable("a", 1.0)], constraints={"x": "foo(a)"})
    with pytest.raises(InvalidParameterError, match="Cannot parse the expression 'a\\*\\*' of"):
        ExpressionSet([Variable("a", 1.0)], constraints={"x": "a**"})


def test_variable_validation_messages():
    with pytest.raises(InvalidParameterError,
                       match=r"Bounds of variable 's' must satisfy min < max\. Got \[1, 0\]"):
        Variable("s", 0.5, min=1, max=0)
    with pytest.raises(InvalidParameterError, match="Variable name 'reff' is reserved"):
        Variable("reff", 1.0)
    with pytest.raises(InvalidParameterError, match="Initial value of variable 's' must be "
                                                     "finite and within its bounds"):
        Variable("s", -1.0, min=0.0)
    with pytest.raises(InvalidParameterError, match="defined more than once"):
        ExpressionSet([Variable("a", 1.0)], fixed={"a": 2.0})


@pytest.mark.parametrize("lower,upper", [(0.0, np.inf), (-np.inf, 5.0), (-20.0, 20.0)])
def test_bound_transform_is_lmfits(lower, upper, rng):
    bt = BoundTransform([lower], [upper])
    for _ in range(20):
        u = rng.uniform(-3, 3, 1)
        x = bt.to_external(u)
        assert lower <= x[0] <= upper
        # lmfit's formulas (Parameter.setup_bounds), written out independently
        if np.isfinite(lower) and np.isfinite(upper):
            expected = lower + (math.sin(u[0]) + 1) * (upper - lower) / 2
        elif np.isfinite(lower):
            expected = lower - 1 + math.sqrt(u[0] ** 2 + 1)
        else:
            expected = upper + 1 - math.sqrt(u[0] ** 2 + 1)
        assert x[0] == pytest.approx(expected, rel=1e-14)
        h = 1e-6
        fd = (bt.to_external(u + h)[0] - bt.to_external(u - h)[0]) / (2 * h)
        assert bt.gradient(u)[0] == pytest.approx(fd, rel=1e-7, abs=1e-10)
        u_back = bt.to_internal(x)
        assert bt.to_external(u_back)[0] == pytest.approx(x[0], rel=1e-12, abs=1e-12)


class _FakePath:
    """A two-atom path (Cu-Cu at 2.5478 A) with FEFF's header Norman radius."""

    geometry = ((0, 0.0, 0.0, 0.0, 29, "Cu"), (1, 1.8016, 1.8016, 0.0, 29, "Cu"))
    rnorman = 2.63


def test_sigma2_debye_high_temperature_limit_and_derivatives():
    path = _FakePath()
    # high T: sigma2 ~ proportional to T (classical limit) -> doubling T doubles it
    s1 = sigma2_debye(3000.0, 315.0, path)
    s2 = sigma2_debye(6000.0, 315.0, path)
    assert s2 / s1 == pytest.approx(2.0, rel=2e-3)
    value, d_t, d_theta = sigma2_debye(300.0, 315.0, path, derivatives=True)
    h = 1e-3
    fd_t = (sigma2_debye(300.0 + h, 315.0, path) - sigma2_debye(300.0 - h, 315.0, path)) / (2 * h)
    fd_th = (sigma2_debye(300.0, 315.0 + h, path) - sigma2_debye(300.0, 315.0 - h, path)) / (2 * h)
    assert d_t == pytest.approx(fd_t, rel=1e-5)
    assert d_theta == pytest.approx(fd_th, rel=1e-5)
    assert 0.005 < value < 0.012      # Cu at room temperature: about 0.0085 A^2 (Larch docs)


def test_sigma2_models_match_larch(shared_data):
    larch_sigma2 = pytest.importorskip("larch.xafs.sigma2_models")
    from larch.xafs import feffpath

    from formulae.exafs.feffdat import read_feffdat
    for name in ("cu/feff0001.dat", "cu/feff0003.dat"):
        f = shared_data / "exafs" / name
        ours, theirs = read_feffdat(f), feffpath(str(f))
        assert sigma2_debye(300.0, 315.0, ours) == pytest.approx(
            larch_sigma2.sigma2_debye(300.0, 315.0, theirs), rel=1e-6)
        assert sigma2_eins(300.0, 250.0, ours.rmass) == pytest.approx(
            larch_sigma2.sigma2_eins(300.0, 250.0, theirs), rel=1e-9)


def test_sigma2_models_match_recorded_larch(shared_data):
    """Larch's values recorded by tests/reference/generate_larch_sigma2.py (no Larch needed):
    a constant-factor error in either model cannot pass, unlike the range check above."""
    import json
    from pathlib import Path

    from formulae.exafs.feffdat import read_feffdat
    ref = json.loads((Path(__file__).resolve().parent / "reference" / "larch_sigma2.json")
                     .read_text())
    assert len(ref["paths"]) == 4
    for name, points in ref["paths"].items():
        path = read_feffdat(shared_data / "exafs" / name)
        assert len(points) == 5
        for p in points:
            assert sigma2_debye(p["t"], p["theta"], path) == pytest.approx(
                p["sigma2_debye"], rel=1e-6), (name, p)
            assert sigma2_eins(p["t"], p["theta"], path.rmass) == pytest.approx(
                p["sigma2_eins"], rel=1e-9), (name, p)


def test_constants_are_scipys():
    from scipy import constants as c

    from formulae.exafs import params
    assert params._HBAR == c.hbar and params._K_BOLTZMANN == c.k
    assert params._AMU == c.atomic_mass and params._BOHR == c.physical_constants["Bohr radius"][0]


def test_debye_path_table_is_keyed_by_content(shared_data):
    """sigma2_debye in an expression names its path by a key; re-reading the same file (a new
    object each time, as every batch spectrum or rebuilt problem does) reuses that key, so the
    table does not grow with every build."""
    from formulae.exafs import params
    from formulae.exafs.feffdat import read_feffdat
    f = shared_data / "exafs" / "cu" / "feffcu01.dat"
    first = params._debye_key(read_feffdat(f))
    size = len(params._DEBYE_PATHS)
    for _ in range(3):
        assert params._debye_key(read_feffdat(f)) == first
    assert len(params._DEBYE_PATHS) == size
    other = params._debye_key(read_feffdat(shared_data / "exafs" / "cu" / "feff0003.dat"))
    assert other != first
    path = params._DEBYE_PATHS[other]
    assert params._debye_value(300.0, 315.0, other) == sigma2_debye(300.0, 315.0, path)
