"""Tests of the fast paths of formulae.exafs: literal constants, Jacobian rows on demand, the
real-valued model form, the rows a fit asks for, and light imports."""

from __future__ import annotations

import importlib
import subprocess
import sys

import numpy as np
import pytest

from formulae.errors import InvalidParameterError
from formulae.exafs import model
from formulae.exafs.feffdat import read_feffdat
from formulae.exafs.model import PATH_PARAMETERS, chi, chi_and_jacobian

PLAIN_ROWS = ("s02", "e0", "deltar", "sigma2", "degen")


def _all_paths(shared_data):
    root = shared_data / "exafs"
    files = (sorted(root.glob("cu/feff*.dat")) + sorted(root.glob("cu/Feff_Cu_13paths/*.dat"))
             + sorted(root.glob("feo/feff*.dat")) + sorted(root.glob("znse/feff*.dat")))
    assert len(files) == 31
    return [read_feffdat(f) for f in files]


def _draw(rng):
    return {"s02": rng.uniform(0.5, 1.2), "e0": rng.uniform(-10, 10),
            "deltar": rng.uniform(-0.1, 0.1), "sigma2": rng.uniform(0, 0.02),
            "degen": rng.uniform(1, 12)}


@pytest.fixture
def real_form(monkeypatch):
    """Count the calls of the real-valued form that applied (returned the array) and those
    that fell back to the complex form (returned None): a test comparing the two forms must
    see the real one actually run."""
    import threading

    counts = {"taken": 0, "fallback": 0}
    original = model._evaluate_plain
    lock = threading.Lock()                 # the scratch-array test calls it from 4 threads

    def counted(*args, **kwargs):
        out = original(*args, **kwargs)
        with lock:
            counts["taken" if out is not None else "fallback"] += 1
        return out

    monkeypatch.setattr(model, "_evaluate_plain", counted)
    return counts


def test_literal_constants_equal_scipy_constants():
    from scipy import constants as c

    assert model._HBAR == pytest.approx(c.hbar, rel=1e-15)
    assert model._E_CHARGE == c.e
    # CODATA 2018 and 2022 differ by 1.4e-10 in m_e: either scipy passes
    assert model._M_E == pytest.approx(c.m_e, rel=1e-9)
    assert model.KTOE == pytest.approx(1e20 * c.hbar ** 2 / (2 * c.m_e * c.e), rel=1e-9)
    # the value Larch 2026.3 (scipy 1.17, CODATA 2022) uses
    assert model.KTOE == pytest.approx(3.8099821109685847, rel=1e-15)


def test_rows_on_demand_equal_the_full_jacobian(shared_data, real_form):
    """The real-valued form (C3 = C4 = Ei = 0) against the complex form, all 31 paths; the
    k grids include points where k^2 < e0 2m/hbar^2 (q < 0)."""
    rng = np.random.default_rng(5)
    worst = 0.0
    for k in (0.05 * np.arange(1, 401), 0.05 * np.arange(20, 361)):
        for path in _all_paths(shared_data):
            for _ in range(3):
                params = _draw(rng)
                full_chi, full = chi_and_jacobian(k, path, params)
                taken = real_form["taken"]
                part_chi, part = chi_and_jacobian(k, path, params, rows=PLAIN_ROWS)
                assert real_form["taken"] == taken + 1       # the real form did run
                assert part.shape == (len(PLAIN_ROWS), k.size)
                worst = max(worst, np.linalg.norm(part_chi - full_chi) / np.linalg.norm(full_chi))
                for i, name in enumerate(PLAIN_ROWS):
                    row = full[PATH_PARAMETERS.index(name)]
                    worst = max(worst, np.linalg.norm(part[i] - row) / np.linalg.norm(row))
    assert worst <= 1e-12  # measured: 7e-15


def test_real_form_each_row_alone_and_chi_alone_equal_the_complex_form(shared_data, real_form):
    """The real form builds chi and the rows asked for from one coefficient matrix whose
    layout depends on which rows are asked (and chi alone skips the cosine): every single row,
    every pair in reverse order and chi alone against the complex form (``chi`` and the full
    Jacobian), on grids with and without q < 0."""
    rng = np.random.default_rng(7)
    worst = 0.0
    picks = [(name,) for name in PLAIN_ROWS] + [(b, a) for a, b in zip(PLAIN_ROWS,
                                                                       PLAIN_ROWS[1:])]
    for k in (0.05 * np.arange(1, 401), 0.05 * np.arange(40, 361)):
        for path in _all_paths(shared_data)[::2]:
            params = _draw(rng)
            ref_chi, full = chi_and_jacobian(k, path, params)
            taken = real_form["taken"]           # after the reference (complex form)
            alone, none = chi_and_jacobian(k, path, params, rows=())
            assert none is None
            worst = max(worst, np.linalg.norm(alone - ref_chi) / np.linalg.norm(ref_chi))
            for rows in picks:
                values, jac = chi_and_jacobian(k, path, params, rows=rows)
                worst = max(worst, np.linalg.norm(values - ref_chi) / np.linalg.norm(ref_chi))
                for i, name in enumerate(rows):
                    row = full[PATH_PARAMETERS.index(name)]
                    worst = max(worst, np.linalg.norm(jac[i] - row) / np.linalg.norm(row))
            assert real_form["taken"] == taken + 1 + len(picks)   # the real form did run
    assert real_form["fallback"] == 0
    assert worst <= 1e-12  # measured: 1.0e-14


def _central(k, path, params, name, h):
    def diff(step):
        up, down = dict(params), dict(params)
        up[name] += step
        down[name] -= step
        return (chi_and_jacobian(k, path, up, rows=())[0]
                - chi_and_jacobian(k, path, down, rows=())[0]) / (2 * step)
    return (4 * diff(h / 2) - diff(h)) / 3


def test_real_form_jacobian_matches_central_differences(shared_data, real_form):
    steps = {"s02": 1e-4, "e0": 1e-4, "deltar": 1e-5, "sigma2": 1e-6, "degen": 1e-3}
    rng = np.random.default_rng(11)
    k = 0.05 * np.arange(1, 401)
    worst = 0.0
    for path in _all_paths(shared_data)[::3]:
        params = _draw(rng)
        taken = real_form["taken"]
        _, jac = chi_and_jacobian(k, path, params, rows=PLAIN_ROWS)
        assert real_form["taken"] == taken + 1            # the real form's Jacobian is tested
        for i, name in enumerate(PLAIN_ROWS):
            fd = _central(k, path, params, name, steps[name])
            worst = max(worst, np.linalg.norm(fd - jac[i]) / np.linalg.norm(jac[i]))
    assert worst <= 1e-6  # measured: 1.4e-10 (e0)


def test_rows_order_subset_and_unknown_name(shared_data):
    path = read_feffdat(shared_data / "exafs" / "cu" / "feffcu01.dat")
    k = 0.05 * np.arange(20, 300)
    params = {"s02": 0.9, "e0": 3.0, "sigma2": 0.005, "third": 1e-4}
    _, full = chi_and_jacobian(k, path, params)
    _, two = chi_and_jacobian(k, path, params, rows=["third", "s02"])
    np.testing.assert_array_equal(two[0], full[PATH_PARAMETERS.index("third")])
    np.testing.assert_array_equal(two[1], full[PATH_PARAMETERS.index("s02")])
    values, none = chi_and_jacobian(k, path, params, rows=())
    assert none is None
    np.testing.assert_array_equal(values, chi(k, path, **params))
    with pytest.raises(InvalidParameterError, match=r"Unknown path parameter 'sig2' in 'rows'"):
        chi_and_jacobian(k, path, params, rows=("s02", "sig2"))


def test_floored_energy_falls_back_to_the_complex_form(shared_data):
    """e0 = 0 on a grid starting at k = 0 puts q on Larch's floor: the real form does not apply,
    and the values are those of chi() exactly."""
    path = read_feffdat(shared_data / "exafs" / "cu" / "feffcu01.dat")
    k = 0.05 * np.arange(300)
    params = {"s02": 0.9, "sigma2": 0.004}
    values, jac = chi_and_jacobian(k, path, params, rows=("e0", "sigma2"))
    np.testing.assert_array_equal(values, chi(k, path, **params))
    _, full = chi_and_jacobian(k, path, params)
    np.testing.assert_array_equal(jac[0], full[1])


def test_fit_asks_only_for_the_rows_that_vary(shared_data):
    from formulae.exafs.fit import Dataset, FitPath, FitProblem, Transform

    root = shared_data / "exafs" / "cu"
    path = read_feffdat(root / "feffcu01.dat")
    k, data = np.loadtxt(root / "cu_metal_rt_larch_chi_rbkg1.0.chi", unpack=True)[:2]
    t = Transform(kmin=3, kmax=17, kweight=2, dk=4, rmin=1.4, rmax=3.0)
    plain = FitPath(path, {"s02": "amp", "e0": "de0", "sigma2": "ss", "deltar": "dr"})
    problem = FitProblem(Dataset(k, data, [plain], t),
                         {"amp": 1.0, "de0": 0.0, "ss": 0.003, "dr": 0.0})
    # one path whose parameters are the variables themselves: rows in variable order (amp,
    # de0, ss, dr -> s02, e0, sigma2, deltar), so that no weight matrix is needed
    [(_, _, rows, real_form)] = problem._plans[0].blocks
    assert rows == (0, 1, 3, 2) and real_form
    assert problem._plans[0].weights is None
    cumulant = FitPath(path, {"s02": "amp", "e0": "de0", "sigma2": "ss", "third": "c3",
                              "deltar": "alpha*reff"})
    problem = FitProblem(Dataset(k, data, [cumulant], t),
                         {"amp": 1.0, "de0": 0.0, "ss": 0.003, "c3": 0.0, "alpha": 0.0})
    [(_, _, rows, real_form)] = problem._plans[0].blocks
    assert rows == (0, 1, 2, 3, 4) and not real_form
    # the residual's Jacobian of that problem against central differences (C3 = 0 exactly at
    # the centre: the complex form is used for both)
    x = np.array([0.9, 2.0, 0.004, 0.0, 0.001])
    _, jac = problem.residual_and_jacobian(x)
    def diff(j, h):
        e = np.zeros(x.size)
        e[j] = h
        return (problem.residual_and_jacobian(x + e, jacobian=False)[0]
                - problem.residual_and_jacobian(x - e, jacobian=False)[0]) / (2 * h)

    for j, h in enumerate((1e-4, 1e-4, 1e-5, 1e-6, 1e-5)):
        fd = (4 * diff(j, h / 2) - diff(j, h)) / 3          # Richardson-extrapolated
        err = np.linalg.norm(fd - jac[:, j]) / np.linalg.norm(jac[:, j])
        assert err <= 1e-6, (j, err)  # measured: <= 1.7e-10


def test_public_names_of_the_fit_modules_are_in_the_lazy_table():
    import formulae.exafs as exafs

    for name in ("fit", "batch", "confidence", "spec", "transform", "model"):
        module = importlib.import_module(f"formulae.exafs.{name}")
        for public in module.__all__:
            if public in ("PATH_DEFAULTS",):   # model's internal default table
                continue
            assert public in exafs.__all__, (name, public)
            assert getattr(exafs, public) is getattr(module, public)


def test_cli_fit_imports_no_scipy_sympy_or_sklearn():
    from pathlib import Path

    spec = Path(__file__).resolve().parents[1] / "docs" / "examples" / "cu1.toml"
    if not spec.is_file():
        pytest.skip("docs/examples/cu1.toml is absent")
    code = ("import sys, io, contextlib\n"
            "from formulae.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    code = main(['exafs', 'fit', {str(spec)!r}])\n"
            "print(code, sorted({m.split('.')[0] for m in sys.modules} "
            "& {'scipy', 'sympy', 'sklearn'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if "no such file" in out.stderr.lower():
        pytest.skip("shared data absent")
    assert out.stdout.strip() == "0 []", out.stderr


def test_scratch_arrays_are_per_thread(shared_data, real_form):
    """The real form keeps its intermediates in per-thread scratch arrays: 4 threads
    evaluating different paths and parameters at once get the serial results exactly."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(11)
    k = 0.05 * np.arange(20, 349)
    jobs = [(path, _draw(rng)) for path in _all_paths(shared_data) for _ in range(4)]
    serial = [chi_and_jacobian(k, path, params, rows=PLAIN_ROWS) for path, params in jobs]

    def run(job):
        return chi_and_jacobian(k, job[0], job[1], rows=PLAIN_ROWS)

    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(run, jobs * 3))
    assert real_form == {"taken": 4 * len(jobs), "fallback": 0}  # its scratch arrays are used
    for i, (values, jac) in enumerate(parallel):
        np.testing.assert_array_equal(values, serial[i % len(jobs)][0])
        np.testing.assert_array_equal(jac, serial[i % len(jobs)][1])


def _cu_problem(shared_data, variables, params):
    from formulae.exafs.fit import Dataset, FitPath, FitProblem, Transform

    root = shared_data / "exafs" / "cu"
    k, data = np.loadtxt(root / "cu_metal_rt_larch_chi_rbkg1.0.chi", unpack=True)[:2]
    path = FitPath(read_feffdat(root / "feffcu01.dat"), params)
    t = Transform(kmin=3, kmax=17, kweight=2, dk=4, rmin=1.4, rmax=3.0)
    return FitProblem(Dataset(k, data, [path], t), variables)


def test_stack_weights_skipped_or_applied_give_the_same_jacobian(shared_data):
    """One path whose parameters are the variables: the weight matrix (the identity) is
    skipped; applied explicitly, the residual and Jacobian are the same bit for bit. With a
    variable shared by two path parameters the constant weights are applied, and the
    Jacobian matches central differences."""
    params = {"s02": "amp", "e0": "de0", "sigma2": "ss", "deltar": "dr"}
    problem = _cu_problem(shared_data, {"amp": 0.9, "de0": 1.0, "ss": 0.004, "dr": 0.01},
                          params)
    plan = problem._plans[0]
    assert plan.weights is None
    x = problem.x0
    r, jac = problem.residual_and_jacobian(x)
    plan.weights = np.eye(5)
    problem._last = problem._previous = None
    r2, jac2 = problem.residual_and_jacobian(x)
    np.testing.assert_array_equal(r2, r)
    np.testing.assert_array_equal(jac2, jac)

    shared = _cu_problem(shared_data, {"amp": 0.9, "u": 0.004},
                         {"s02": "amp", "sigma2": "u", "deltar": "u"})
    assert shared._plans[0].weights is not None
    x = shared.x0
    _, jac = shared.residual_and_jacobian(x)
    for j, h in enumerate((1e-5, 1e-7)):
        e = np.zeros(x.size)
        e[j] = h
        fd = (shared.residual_and_jacobian(x + e, jacobian=False)[0]
              - shared.residual_and_jacobian(x - e, jacobian=False)[0]) / (2 * h)
        assert np.linalg.norm(fd - jac[:, j]) <= 1e-6 * np.linalg.norm(jac[:, j]), j
