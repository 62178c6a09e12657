"""Tests of formulae.exafs.model: chi(k) against Larch, Jacobian against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from formulae.errors import DataError, InvalidParameterError
from formulae.exafs.feffdat import read_feffdat
from formulae.exafs.model import ETOK, KTOE, PATH_PARAMETERS, chi, chi_and_jacobian

# the five parameter sets of larch_reference/path_chi_feffcu01.txt (its header lists them)
LARCH_SETS = {
    "A": {"s02": 0.85, "e0": 3.1, "deltar": -0.012, "sigma2": 0.0061},
    "B": {"s02": 0.85, "e0": 3.1, "deltar": -0.012, "sigma2": 0.0061, "third": 0.0002},
    "C": {"s02": 0.85, "e0": -2.0, "deltar": 0.03, "sigma2": 0.01, "third": 0.0002,
          "fourth": 5e-05},
    "D": {"s02": 0.85, "e0": 3.1, "deltar": -0.012, "sigma2": 0.0061, "ei": 1.5},
    "E": {"s02": 1.0, "e0": 0.0, "deltar": 0.0, "sigma2": 0.0},
}

# central-difference steps (Richardson-extrapolated below)
STEPS = {"s02": 1e-4, "e0": 1e-4, "deltar": 1e-5, "sigma2": 1e-6, "third": 1e-6,
         "fourth": 1e-7, "ei": 1e-3, "degen": 1e-3}


@pytest.fixture
def cu01(shared_data):
    return read_feffdat(shared_data / "exafs" / "cu" / "feffcu01.dat")


def _all_paths(shared_data):
    root = shared_data / "exafs"
    files = (sorted(root.glob("cu/feff*.dat")) + sorted(root.glob("cu/Feff_Cu_13paths/*.dat"))
             + sorted(root.glob("feo/feff*.dat")) + sorted(root.glob("znse/feff*.dat")))
    assert len(files) == 31
    return [read_feffdat(f) for f in files]


def test_ktoe_from_hbar_c_and_electron_rest_energy():
    # independent route: (hbar c)^2 / (2 m_e c^2), CODATA 2018/2022: hbar c = 1973.269804 eV A,
    # m_e c^2 = 510998.95 eV
    assert KTOE == pytest.approx(1973.269804 ** 2 / (2 * 510998.95), rel=1e-9)
    assert ETOK * KTOE == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize("name", sorted(LARCH_SETS))
def test_chi_equals_larch_ff2chi(shared_data, cu01, name):
    table = np.loadtxt(shared_data / "exafs" / "larch_reference" / "path_chi_feffcu01.txt")
    column = "ABCDE".index(name) + 1
    k, expected = table[:, 0], table[:, column]
    got = chi(k, cu01, **LARCH_SETS[name])
    rel_rms = np.sqrt(np.mean((got - expected) ** 2) / np.mean(expected ** 2))
    assert rel_rms <= 1e-8  # measured: <= 1.7e-13 (the file has 13 significant digits)
    got2, _ = chi_and_jacobian(k, cu01, LARCH_SETS[name])
    np.testing.assert_array_equal(got2, got)


def test_chi_linear_in_s02_and_degen_and_defaults(cu01):
    k = 0.05 * np.arange(300)
    base = chi(k, cu01, sigma2=0.004, e0=1.0)
    np.testing.assert_allclose(chi(k, cu01, sigma2=0.004, e0=1.0, s02=0.5, degen=6.0),
                               0.25 * base, rtol=1e-13, atol=1e-16)
    np.testing.assert_array_equal(chi(k, cu01, sigma2=0.004, e0=1.0, degen=12.0), base)


def test_first_point_only_replaced_on_a_grid_starting_at_zero(cu01):
    k = 0.05 * np.arange(200)
    full = chi(k, cu01, e0=2.0, sigma2=0.003)
    assert full[0] == pytest.approx(2 * full[1] - full[2], rel=1e-14)
    shifted = chi(k[1:], cu01, e0=2.0, sigma2=0.003)
    np.testing.assert_allclose(shifted, full[1:], rtol=1e-14, atol=1e-17)


def _central(k, path, params, name):
    def diff(h):
        up, down = dict(params), dict(params)
        up[name] += h
        down[name] -= h
        return (chi(k, path, **up) - chi(k, path, **down)) / (2 * h)
    h = STEPS[name]
    return (4 * diff(h / 2) - diff(h)) / 3


def test_jacobian_matches_central_differences_on_all_paths(shared_data):
    rng = np.random.default_rng(20261123)
    k = 0.05 * np.arange(401)
    worst = dict.fromkeys(PATH_PARAMETERS, 0.0)
    for path in _all_paths(shared_data):
        for _ in range(4):
            params = {"s02": rng.uniform(0.5, 1.2), "e0": rng.uniform(-10, 10),
                      "deltar": rng.uniform(-0.1, 0.1), "sigma2": rng.uniform(0, 0.02),
                      "third": rng.uniform(-1e-3, 1e-3), "fourth": rng.uniform(-1e-4, 1e-4),
                      "ei": rng.uniform(-2, 3), "degen": rng.uniform(1, 12)}
            values, jac = chi_and_jacobian(k, path, params)
            assert jac.shape == (8, k.size)
            np.testing.assert_array_equal(values, chi(k, path, **params))
            for row, name in enumerate(PATH_PARAMETERS):
                fd = _central(k, path, params, name)
                err = np.linalg.norm(fd - jac[row]) / np.linalg.norm(jac[row])
                worst[name] = max(worst[name], err)
    # measured worst over 124 draws: 8e-9 (e0), <= 2e-10 for the others
    assert max(worst.values()) <= 1e-6, worst


def test_jacobian_at_zero_parameters_and_exact_e0_zero(cu01):
    """At Larch's defaults (all zero, e0 = 0 puts q = 0 at k = 0) the columns stay exact."""
    k = 0.05 * np.arange(401)
    params = {"e0": 0.0}
    _, jac = chi_and_jacobian(k, cu01, params)
    for row, name in enumerate(PATH_PARAMETERS):
        full = {n: 0.0 for n in PATH_PARAMETERS if n != "degen"}
        full["s02"] = 1.0
        full["degen"] = cu01.degen
        fd = _central(k, cu01, full, name)
        err = np.linalg.norm(fd - jac[row]) / np.linalg.norm(jac[row])
        assert err <= 1e-6, (name, err)


def test_bad_parameters_are_named(cu01):
    k = 0.05 * np.arange(10)
    with pytest.raises(InvalidParameterError,
                       match=r"Unknown path parameter 'sigma' for .*feffcu01\.dat; known path "
                             r"parameters are s02, e0, deltar, sigma2, third, fourth, ei, degen"):
        chi(k, cu01, sigma=0.01)
    with pytest.raises(InvalidParameterError, match=r"path parameter 'e0' must be finite. Got nan"):
        chi_and_jacobian(k, cu01, {"e0": float("nan")})
    with pytest.raises(InvalidParameterError, match=r"'sigma2' must be a real number. Got 'x'"):
        chi(k, cu01, sigma2="x")
    with pytest.raises(DataError, match=r"k\[3\] is nan; expected a finite number"):
        chi(np.where(np.arange(10) == 3, np.nan, k), cu01)
    with pytest.raises(InvalidParameterError, match=r"'path' parameter must be a FeffPath"):
        chi(k, "feffcu01.dat")
    with pytest.raises(InvalidParameterError, match=r"deltar = -2.5478 makes reff \+ deltar zero"):
        chi(k, cu01, deltar=-2.5478)


def test_package_names_resolve_without_scikit_learn():
    """Every name of formulae.exafs's table loads, and none pulls in scikit-learn."""
    import subprocess
    import sys

    code = ("import sys, formulae.exafs as e\n"
            "[getattr(e, n) for n in e.__all__]\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
