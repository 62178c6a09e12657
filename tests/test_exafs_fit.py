"""Tests of formulae.exafs.fit: Larch's 8 reference fits, exact Jacobian, planted truth, errors.

Independent routes: Larch's own numbers (``larch_fits.json``, and the same fits re-run by Larch
with tol=1e-12 in ``tests/reference/larch_tight_fits.json``), central finite differences of
the residual, a planted truth, and a closed form for duplicated datasets.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from formulae.errors import DataError, FormulaeError, InvalidParameterError
from formulae.exafs.fit import Dataset, FitPath, FitProblem, Transform, feffit
from formulae.exafs.spec import spec_from_dict

REFERENCE = Path(__file__).resolve().parent / "reference"
FIT_NAMES = ["cu_1path_r_kaiser", "cu_1path_r_hanning_dk1", "cu_1path_k", "cu_1path_q",
             "cu_3path_c3", "cu150k_13path_kw213", "feo_2path", "znse_1path_bounds"]
STATS = ("chi_square", "chi2_reduced", "n_independent", "rfactor", "aic", "bic")


@pytest.fixture(scope="module")
def exafs_dir(shared_data):
    return shared_data / "exafs"


@pytest.fixture(scope="module")
def larch_fits(exafs_dir):
    return json.loads((exafs_dir / "larch_reference" / "larch_fits.json").read_text())["fits"]


@pytest.fixture(scope="module")
def tight_fits():
    return json.loads((REFERENCE / "larch_tight_fits.json").read_text())["fits"]


def _spec_with_delta_chi(spec):
    """The Larch reference fits used autobk's delta_chi (recorded in tests/reference)."""
    spec = dict(spec)
    spec["delta_chi"] = str(REFERENCE / "larch_delta_chi" / (Path(spec["data"]).stem + ".txt"))
    return spec


_RESULTS = {}


def _fit(name, larch_fits, exafs_dir):
    if name not in _RESULTS:
        problem = spec_from_dict(_spec_with_delta_chi(larch_fits[name]["spec"]),
                                 exafs_dir).problem()
        _RESULTS[name] = (problem, problem.solve())
    return _RESULTS[name]


def _rel(a, b):
    return abs(a / b - 1.0)


@pytest.mark.parametrize("name", FIT_NAMES)
def test_statistics_errors_correlations_match_larch(name, larch_fits, exafs_dir):
    ref = larch_fits[name]["larch_result"]
    _, res = _fit(name, larch_fits, exafs_dir)
    assert res.success
    assert res.ndata == ref["ndata"] and res.nvarys == ref["nvarys"]
    for key in STATS:   # docs/exafs.md section 6: at most 1.0e-8 (feo_2path)
        assert _rel(getattr(res, key), ref[key]) <= 1e-7, key
    for pname, p in ref["params"].items():
        if p["stderr"]:
            assert _rel(res.stderr[pname], p["stderr"]) <= 1e-3, pname
        else:
            assert res.stderr[pname] == 0.0
    for pair, c in ref["correlations"].items():
        a, b = pair.split(",")
        mine = res.correl[(a, b)] if (a, b) in res.correl else res.correl[(b, a)]
        assert abs(mine - c) <= 1e-3 * max(abs(c), 0.1), pair


@pytest.mark.parametrize("name", FIT_NAMES)
def test_values_at_larchs_minimum(name, larch_fits, exafs_dir):
    """Larch's default tol=1e-6 stops short of the minimum by < 1e-3 standard errors."""
    ref = larch_fits[name]["larch_result"]
    problem, res = _fit(name, larch_fits, exafs_dir)
    for pname, p in ref["params"].items():
        tol = 1e-3 * p["stderr"] if p["stderr"] else 1e-12
        assert abs(res.params[pname] - p["value"]) <= tol, pname
    # and our point is at least as low as Larch's point, in the same residual
    x_larch = np.array([ref["params"][n]["value"] for n in problem.var_names])
    r_larch, _ = problem.residual_and_jacobian(x_larch, jacobian=False)
    chisqr_ours = res.chi_square * res.ndata / res.n_independent
    assert chisqr_ours <= float(r_larch @ r_larch) * (1 + 1e-12)


@pytest.mark.parametrize("name", FIT_NAMES)
def test_values_match_converged_larch(name, larch_fits, tight_fits, exafs_dir):
    """Against Larch re-run with tol=1e-12 (generate_larch_tight.py): 1e-5 relative."""
    ref = tight_fits[name]
    _, res = _fit(name, larch_fits, exafs_dir)
    for pname, p in ref["params"].items():
        v = p["value"]
        if abs(v) < 1e-3:
            assert abs(res.params[pname] - v) <= 1e-7, pname
        else:
            assert _rel(res.params[pname], v) <= 1e-5, pname
    for key in STATS:
        assert _rel(getattr(res, key), ref[key]) <= 1e-6, key


def test_report_layout(larch_fits, exafs_dir):
    _, res = _fit("cu150k_13path_kw213", larch_fits, exafs_dir)
    text = res.report()
    assert text.splitlines()[0] == "[[Fit Statistics]]"
    assert "[[Variables]]" in text and "[[Correlations]]" in text
    assert "sig2_p5:" in text and "== 'sig2_p4'" in text
    assert "(init = 0.002)" in text
    line = next(s for s in text.splitlines() if s.strip().startswith("s02:"))
    assert "0.933 +/- 0.030" in line


def _cu_problem(exafs_dir, fitspace="r", **kws):
    from formulae.exafs.feffdat import read_feffdat
    k, chi = np.loadtxt(exafs_dir / "cu" / "cu_metal_rt_larch_chi_rbkg1.0.chi", unpack=True)
    path = FitPath(read_feffdat(exafs_dir / "cu" / "feffcu01.dat"),
                   dict(s02="amp", e0="del_e0", sigma2="sig2", deltar="del_r"))
    t = Transform(kmin=3, kmax=17, kweight=kws.pop("kweight", 2), dk=4, window="kaiser",
                  rmin=1.4, rmax=3.0, fitspace=fitspace)
    return FitProblem(Dataset(k, chi, [path], t), dict(amp=1.0, del_e0=0.0, sig2=0.0,
                                                       del_r=0.0), **kws), k, chi, path, t


@pytest.mark.parametrize("fitspace", ["r", "k", "q"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_residual_jacobian_matches_central_differences(fitspace, seed, exafs_dir):
    problem, *_ = _cu_problem(exafs_dir, fitspace, kweight=[2, 1, 3])
    rng = np.random.default_rng(seed)
    x = np.array([rng.uniform(0.7, 1.1), rng.uniform(-5, 8), rng.uniform(0.002, 0.012),
                  rng.uniform(-0.03, 0.03)])
    _, jac = problem.residual_and_jacobian(x)
    for i, h in enumerate([1e-6, 1e-5, 1e-8, 1e-7]):
        e = np.zeros(4)
        e[i] = h
        fd = (problem.residual_and_jacobian(x + e, jacobian=False)[0]
              - problem.residual_and_jacobian(x - e, jacobian=False)[0]) / (2 * h)
        assert np.max(np.abs(fd - jac[:, i])) <= 1e-6 * np.max(np.abs(jac[:, i]))


def test_jacobian_through_expressions(larch_fits, exafs_dir):
    """alpha*reff, shared e0, c3: chain rule through the symbolic gradients."""
    problem, _ = _fit("cu_3path_c3", larch_fits, exafs_dir)
    x = problem.x0 + np.array([-0.05, 1.0, 1e-4, 0.003, 0.004, 0.002, 0.004])
    _, jac = problem.residual_and_jacobian(x)
    for i in range(x.size):
        h = 1e-6 * max(abs(x[i]), 1e-3)
        e = np.zeros(x.size)
        e[i] = h
        fd = (problem.residual_and_jacobian(x + e, jacobian=False)[0]
              - problem.residual_and_jacobian(x - e, jacobian=False)[0]) / (2 * h)
        assert np.max(np.abs(fd - jac[:, i])) <= 1e-6 * np.max(np.abs(jac[:, i])), i


def test_planted_truth_recovered(exafs_dir):
    from formulae.exafs.model import chi as path_chi
    problem, k, chi, path, t = _cu_problem(exafs_dir)
    truth = dict(amp=0.88, del_e0=3.1, sig2=0.0075, del_r=0.012)
    model = path_chi(k, path.feffpath, s02=truth["amp"], e0=truth["del_e0"],
                     sigma2=truth["sig2"], deltar=truth["del_r"])
    rng = np.random.default_rng(42)
    noisy = model + rng.normal(0.0, 0.002, k.size)
    res = feffit(Dataset(k, noisy, [path], t, epsilon_k=0.002),
                 dict(amp=1.0, del_e0=0.0, sig2=0.003, del_r=0.0))
    for name, v in truth.items():
        assert abs(res.params[name] - v) <= 3 * res.stderr[name], name
    assert res.stderr["amp"] < 0.05


def test_two_identical_datasets_closed_form(exafs_dir):
    problem, k, chi, path, t = _cu_problem(exafs_dir)
    one = problem.solve()
    two = feffit([Dataset(k, chi, [path], t), Dataset(k, chi, [path], t, name="copy")],
                 dict(amp=1.0, del_e0=0.0, sig2=0.0, del_r=0.0))
    n, nv = one.n_independent, one.nvarys
    assert two.n_independent == pytest.approx(2 * n, rel=1e-12)
    assert two.chi_square == pytest.approx(2 * one.chi_square, rel=1e-8)
    for name in ("amp", "del_e0", "sig2", "del_r"):
        assert two.params[name] == pytest.approx(one.params[name], rel=1e-7, abs=1e-10)
        ratio = math.sqrt((n - nv) / (2 * n - nv))
        assert two.stderr[name] == pytest.approx(one.stderr[name] * ratio, rel=1e-6)


@pytest.mark.parametrize("name,bounds,start,side,limit", [
    ("sig2", (0.0095, None), 0.012, "lower", 0.0095),
    ("sig2", (None, 0.008), 0.005, "upper", 0.008),
    ("del_e0", (-20.0, 3.0), 0.0, "upper", 3.0),
])
def test_pinned_on_bound_is_reported(name, bounds, start, side, limit, exafs_dir):
    _, k, chi, path, t = _cu_problem(exafs_dir)
    init = dict(amp=1.0, del_e0=0.0, sig2=0.003, del_r=0.0)
    init[name] = start
    res = feffit(Dataset(k, chi, [path], t), init, bounds={name: bounds})
    assert res.at_bound == {name: side}
    assert res.params[name] == limit
    assert res.stderr[name] is None
    # the others are the optimum with the pinned variable held (independent fit)
    held = _cu_problem(exafs_dir)[0].solve(hold={name: limit})
    for other in ("amp", "del_e0", "sig2", "del_r"):
        if other != name:
            assert res.params[other] == pytest.approx(held.params[other], rel=1e-6, abs=1e-9)
    line = next(s for s in res.report().splitlines() if s.strip().startswith(f"{name}:"))
    assert f"at {side} bound {limit:g}" in line and "no error bar" in line


def test_constraint_errors_propagated(larch_fits, exafs_dir):
    _, res = _fit("cu150k_13path_kw213", larch_fits, exafs_dir)
    assert res.stderr["sig2_p5"] == pytest.approx(res.stderr["sig2_p3"], rel=1e-12)
    path = next(p for p in res.path_params if p["label"] == "feff0003.dat")
    value, err = path["deltar"]
    assert value == pytest.approx(res.params["alpha"] * path["reff"], rel=1e-12)
    assert err == pytest.approx(res.stderr["alpha"] * path["reff"], rel=1e-10)


# ----------------------------------------------------------------------- bad input
def test_bad_input_messages(exafs_dir):
    _, k, chi, path, t = _cu_problem(exafs_dir)
    k_bad = k.copy()
    k_bad[10], k_bad[11] = k_bad[11], k_bad[10]
    with pytest.raises(DataError, match=r"data: k must be strictly increasing; k\[11\] = 0.5 "
                                        r"follows k\[10\] = 0.55"):
        Dataset(k_bad, chi, [path], t)
    chi_bad = chi.copy()
    chi_bad[7] = np.nan
    with pytest.raises(DataError, match=r"data: chi\[7\] is nan; expected a finite number"):
        Dataset(k, chi_bad, [path], t)
    with pytest.raises(DataError, match=r"kmax=19.0 is beyond the data, which end at k=17.45"):
        Dataset(k, chi, [path], Transform(kmin=3, kmax=19, rmin=1, rmax=3))
    with pytest.raises(InvalidParameterError, match=r"rmin < rmax. Got rmin=3.0, rmax=3.0"):
        Transform(kmin=3, kmax=17, rmin=3.0, rmax=3.0)
    with pytest.raises(InvalidParameterError, match="'window' parameter of Transform must be "
                                                     "one of 'hanning'.*Got 'hann'"):
        Transform(kmin=3, kmax=17, rmin=1, rmax=3, window="hann")
    for bad, match in ((dict(dk=-1.0), r"'dk' parameter of Transform must be a float in \[0.0"),
                       (dict(dr2=np.nan), r"'dr2' parameter of Transform must be a float"),
                       (dict(kstep=0.0), r"'kstep' parameter of Transform must be a float in "
                                         r"\(0.0"),
                       (dict(nfft=4), r"'nfft' parameter of Transform must be an int in \[8")):
        with pytest.raises(InvalidParameterError, match=match):
            Transform(kmin=3, kmax=17, rmin=1, rmax=3, **bad)
    ds = Dataset(k, chi, [path], t)
    with pytest.raises(InvalidParameterError, match=r"Bounds of variable 'sig2' must satisfy "
                                                     r"min < max. Got \[0.02, 0.01\]"):
        FitProblem(ds, dict(amp=1.0, del_e0=0.0, sig2=0.015, del_r=0.0),
                   bounds={"sig2": (0.02, 0.01)})
    bad_path = FitPath(path.feffpath, dict(s02="amp", e0="del_e0", sigma2="sig2",
                                           deltar="aa*reff"))
    with pytest.raises(InvalidParameterError,
                       match=r"Unknown name 'aa' in the expression 'aa\*reff' of path parameter "
                             r"'deltar' of feffcu01.dat. Known names: amp, degen, del_e0, "
                             r"del_r, nleg, reff, rmass, sig2"):
        FitProblem(Dataset(k, chi, [bad_path], t), dict(amp=1.0, del_e0=0.0, sig2=0.0,
                                                        del_r=0.0))


def test_bad_path_file_in_spec(tmp_path, exafs_dir):
    lines = (exafs_dir / "cu" / "feffcu01.dat").read_text().splitlines()
    start = next(i for i, s in enumerate(lines) if s.strip().startswith("k ") or
                 s.strip().startswith("k   real"))
    lines[start + 5] = " ".join(lines[start + 5].split()[:4])       # drop three columns
    broken = tmp_path / "feffbad.dat"
    broken.write_text("\n".join(lines) + "\n")
    spec = {"data": str(exafs_dir / "cu" / "cu_metal_rt_larch_chi_rbkg1.0.chi"),
            "variables": {"amp": 1.0}, "paths": [{"file": str(broken), "s02": "amp"}],
            "transform": {"kmin": 3, "kmax": 17, "rmin": 1.4, "rmax": 3.0}}
    with pytest.raises(FormulaeError, match=rf"feffbad.dat.*line {start + 6}"):
        spec_from_dict(spec, tmp_path).problem()


def test_unused_variable_is_refused(exafs_dir):
    _, k, chi, path, t = _cu_problem(exafs_dir)
    with pytest.raises(InvalidParameterError, match="Variable.*'extra' change no path"):
        FitProblem(Dataset(k, chi, [path], t), dict(amp=1.0, del_e0=0.0, sig2=0.0, del_r=0.0,
                                                    extra=1.0))


# ----------------------------------------------------------------------- confidence
def test_multistart_finds_one_minimum(exafs_dir):
    from formulae.exafs.confidence import multistart
    problem, *_ = _cu_problem(exafs_dir)
    out = multistart(problem, 6, spread=0.5, random_state=3)
    assert out.converged_to_one and out.n_distinct == 1
    assert np.ptp(out.chi_square) <= 1e-8 * out.chi_square.min()
    again = multistart(problem, 6, spread=0.5, random_state=3)
    np.testing.assert_array_equal(out.starts, again.starts)       # seeded


def test_multistart_detects_two_minima(exafs_dir):
    """del_e0 and del_r trade off with the phase: far starts in e0 fall in other minima."""
    from formulae.exafs.confidence import multistart
    problem, *_ = _cu_problem(exafs_dir)
    out = multistart(problem, 12, spread=40.0, random_state=0)
    assert not out.converged_to_one and out.n_distinct >= 2
    assert out.best.chi_square == pytest.approx(out.chi_square.min())


def test_chi2_scan_interval_equals_stderr_for_a_near_linear_fit(exafs_dir):
    """Profile chi^2 rises by chi2_reduced at +/- one standard error (Larch's scaling)."""
    from formulae.exafs.confidence import chi2_scan
    problem, *_ = _cu_problem(exafs_dir)
    res = problem.solve()
    scan = chi2_scan(problem, "sig2", n_points=13, n_sigma=1.5, result=res)
    lo, hi = scan.interval
    s = res.stderr["sig2"]
    assert lo == pytest.approx(res.params["sig2"] - s, rel=0, abs=0.05 * s)
    assert hi == pytest.approx(res.params["sig2"] + s, rel=0, abs=0.05 * s)
    assert scan.sigma.min() <= 1e-3
    with pytest.raises(InvalidParameterError, match="'n_points' parameter of chi2_scan.*Got 1"):
        chi2_scan(problem, "sig2", n_points=1, result=res)
    with pytest.raises(InvalidParameterError, match="'n_sigma' parameter of chi2_scan.*Got -1"):
        chi2_scan(problem, "sig2", n_sigma=-1.0, result=res)


@pytest.mark.parametrize("name", ["cu_1path_k", "cu_3path_c3", "znse_1path_bounds"])
def test_numpy_lm_and_minpack_land_on_the_same_minimum(name, larch_fits, exafs_dir):
    spec = spec_from_dict(_spec_with_delta_chi(larch_fits[name]["spec"]), exafs_dir)
    ours = spec.problem().solve()
    problem = spec.problem()
    problem.solver = "minpack"
    ref = problem.solve()
    for pname in ref.var_names:
        assert abs(ours.params[pname] - ref.params[pname]) <= 1e-4 * ref.stderr[pname], pname
    assert ours.chi_square == pytest.approx(ref.chi_square, rel=1e-9)


def test_two_temperatures_share_an_einstein_temperature(exafs_dir):
    """Planted truth: spectra at 50 K and 300 K made with sigma2_eins(T, 280 K) + noise."""
    from formulae.exafs.feffdat import read_feffdat
    from formulae.exafs.model import chi as path_chi
    from formulae.exafs.params import sigma2_eins
    feff = read_feffdat(exafs_dir / "cu" / "feffcu01.dat")
    k = 0.05 * np.arange(360)
    rng = np.random.default_rng(5)
    t = Transform(kmin=3, kmax=16, kweight=2, dk=1, window="hanning", rmin=1.5, rmax=3.0)
    datasets = []
    for temp in (50.0, 300.0):
        s2 = sigma2_eins(temp, 280.0, feff.rmass)
        chi = path_chi(k, feff, s02=0.9, e0=2.0, sigma2=s2) + rng.normal(0, 5e-4, k.size)
        path = FitPath(feff, {"s02": "amp", "e0": "de0", "sigma2": f"sigma2_eins({temp}, theta)"})
        datasets.append(Dataset(k, chi, [path], t, epsilon_k=5e-4, name=f"{temp} K"))
    res = feffit(datasets, dict(amp=1.0, de0=0.0, theta=200.0))
    assert abs(res.params["theta"] - 280.0) <= 3 * res.stderr["theta"]
    assert res.stderr["theta"] < 10.0
    sig = [p["sigma2"] for p in res.path_params]
    assert sig[0][0] == pytest.approx(sigma2_eins(50.0, res.params["theta"], feff.rmass))
    assert sig[1][1] > 0            # propagated through d sigma2_eins / d theta


@pytest.mark.parametrize("fitspace,kweight,epsilon_k", [("r", 2, 0.001), ("k", [2, 3], None),
                                                         ("q", 1, None)])
def test_live_larch_same_fit(fitspace, kweight, epsilon_k, exafs_dir):
    """Same fit through Larch (tol=1e-12) when xraylarch is importable: given and estimated
    noise, several k-weights."""
    pytest.importorskip("larch")
    from larch import Group
    from larch.fitting import param, param_group
    from larch.xafs import feffit, feffit_dataset, feffit_transform, feffpath
    k, chi = np.loadtxt(exafs_dir / "cu" / "cu_metal_rt_larch_chi_rbkg1.0.chi", unpack=True)
    names = dict(s02="amp", e0="del_e0", sigma2="sig2", deltar="del_r")
    tr = dict(kmin=3, kmax=17, kweight=kweight, dk=4, window="kaiser", rmin=1.4, rmax=3.0,
              fitspace=fitspace)
    pars = param_group(**{n: param(0.0 if n != "amp" else 1.0, vary=True) for n in names.values()})
    ds = feffit_dataset(data=Group(k=k, chi=chi), epsilon_k=epsilon_k,
                        pathlist=[feffpath(str(exafs_dir / "cu" / "feffcu01.dat"), **names)],
                        transform=feffit_transform(**tr))
    out = feffit(pars, ds, tol=1e-12)
    spec = {"data": "cu/cu_metal_rt_larch_chi_rbkg1.0.chi",
            "variables": {"amp": 1.0, "del_e0": 0.0, "sig2": 0.0, "del_r": 0.0},
            "paths": [dict(file="cu/feffcu01.dat", **names)], "transform": tr}
    if epsilon_k is not None:
        spec["epsilon_k"] = epsilon_k
    res = spec_from_dict(spec, exafs_dir).problem().solve()
    assert res.chi_square == pytest.approx(out.chi_square, rel=1e-9)
    for name in names.values():
        assert res.params[name] == pytest.approx(out.params[name].value, rel=1e-6, abs=1e-8)
        assert res.stderr[name] == pytest.approx(out.params[name].stderr, rel=1e-3)


# ----------------------------------------------------------------------- review fixes
@pytest.mark.parametrize("nfft,fitspace,match", [
    (256, "r", r"the k grid needs 350 points \(k up to 17.45\) but nfft=256"),
    (64, "r", r"the k grid needs 350 points \(k up to 17.45\) but nfft=64"),
    (512, "k", r"a k-space fit up to kmax=17.0 needs 340 points .* \(nfft=512\)"),
    (512, "q", r"a q-space fit up to kmax=17.0 needs 340 points .* \(nfft=512\)"),
])
def test_nfft_too_short_for_the_data_is_refused(nfft, fitspace, match, exafs_dir):
    """A k grid of nfft points shorter than the data used to fit only k <= 12.7 (nfft=256,
    values moved silently) or fail with a bare IndexError (nfft=64)."""
    _, k, chi, path, _ = _cu_problem(exafs_dir)
    t = Transform(kmin=3, kmax=17, dk=4, rmin=1.4, rmax=3.0, nfft=nfft, fitspace=fitspace)
    with pytest.raises(InvalidParameterError, match=match) as info:
        Dataset(k, chi, [path], t)
    assert info.value.parameter == "nfft"
    # an R-space fit with nfft=512 covers the data: accepted
    Dataset(k, chi, [path], Transform(kmin=3, kmax=17, dk=4, rmin=1.4, rmax=3.0, nfft=512))


def test_fewer_data_points_than_variables(exafs_dir):
    from formulae.errors import FitError
    from formulae.exafs.stats import covariance
    with pytest.raises(FitError, match=r"Jacobian is singular \(2 residuals x 3 variables\)"):
        covariance(np.random.default_rng(0).normal(size=(2, 3)), 1.0)
    _, k, chi, path, _ = _cu_problem(exafs_dir)
    keep = k <= 6.3
    path5 = FitPath(path.feffpath, dict(s02="amp", e0="del_e0", sigma2="sig2", deltar="del_r",
                                        third="c3"))
    t = Transform(kmin=3, kmax=6, dk=1, rmin=1.4, rmax=2.0, nfft=128)
    with pytest.raises(InvalidParameterError, match="The fit range holds 4 data points for 5 "
                                                     "varied variables"):
        FitProblem(Dataset(k[keep], chi[keep], [path5], t),
                   dict(amp=1.0, del_e0=0.0, sig2=0.0, del_r=0.0, c3=0.0))


@pytest.mark.parametrize("solver", ["lm", "minpack"])
@pytest.mark.parametrize("bounds", [None, {"ss": (0.0, 1.0)}])
def test_non_finite_jacobian_names_the_variable(solver, bounds, exafs_dir):
    """sigma2 = sqrt(ss) started at ss = 0: finite residual, infinite d/d ss (the SVD used to
    fail with a bare LinAlgError)."""
    from formulae.errors import FitError
    from formulae.exafs.stats import covariance
    _, k, chi, path, t = _cu_problem(exafs_dir)
    root = FitPath(path.feffpath, dict(s02="amp", e0="del_e0", sigma2="sqrt(ss)",
                                       deltar="del_r"))
    problem = FitProblem(Dataset(k, chi, [root], t), dict(amp=1.0, del_e0=0.0, ss=0.0,
                                                          del_r=0.0),
                         bounds=bounds, solver=solver)
    with pytest.raises(FitError, match=r"not finite in the derivative with respect to "
                                       r"'ss' = 0.0"):
        problem.solve()
    jac = np.ones((5, 3))
    jac[2, 1] = np.inf
    with pytest.raises(FitError, match=r"with respect to 'b'"):
        covariance(jac, 1.0, ["a", "b", "c"])
    with pytest.raises(FitError, match=r"with respect to column 1"):
        covariance(jac, 1.0)


def test_set_data_stores_the_new_dataset(exafs_dir):
    problem, k, chi, path, t = _cu_problem(exafs_dir)
    problem.set_data(0, k, 0.5 * chi, name="half")
    assert problem.datasets[0].name == "half"
    np.testing.assert_array_equal(problem.datasets[0].chi, 0.5 * chi)
    assert problem._compiled[0].dataset is problem.datasets[0]
    # a shorter spectrum rebuilds the compiled part: it holds the new dataset too
    keep = k <= 17.2
    problem.set_data(-1, k[keep], chi[keep])
    assert problem.datasets[0].name == "half" and problem.datasets[0].k.size == keep.sum()
    assert problem._compiled[0].dataset is problem.datasets[0]
    assert len(problem.datasets) == 1


def test_lm_statuses_are_scipys(exafs_dir):
    """Statuses numbered as scipy.optimize.least_squares (1 gtol, 2 ftol, 3 xtol, 4 both)."""
    problem, *_ = _cu_problem(exafs_dir)
    from formulae.exafs.fit import _trust_region_lm
    counter = {"f": 0, "j": 0}
    check = lambda jac, u: None    # noqa: E731
    sol = _trust_region_lm(problem.residual_and_jacobian, problem.x0, counter, check,
                           ftol=0.0, xtol=0.0, gtol=1e-3, max_nfev=400)
    assert sol.status == 1 and "gtol" in sol.message
    sol = _trust_region_lm(problem.residual_and_jacobian, problem.x0, counter, check,
                           ftol=1e-6, xtol=0.0, gtol=0.0, max_nfev=400)
    assert sol.status == 2 and "ftol" in sol.message
    sol = _trust_region_lm(problem.residual_and_jacobian, problem.x0, counter, check,
                           ftol=0.0, xtol=1e-4, gtol=0.0, max_nfev=400)
    assert sol.status == 3 and "xtol" in sol.message
    sol = _trust_region_lm(problem.residual_and_jacobian, problem.x0, counter, check,
                           ftol=1e-3, xtol=1e-3, gtol=0.0, max_nfev=400)
    assert sol.status == 4 and "Both ftol and xtol" in sol.message


def test_read_chi_file_refuses_ragged_lines(tmp_path):
    """Lines of 3, 1, 5, 3 and 3 words hold 15 numbers = 5 x 3: the fast path used to re-wrap
    them into a 5 x 3 table without a word."""
    from formulae.exafs.spec import read_chi_file
    path = tmp_path / "ragged.chi"
    path.write_text("# k chi\n0.1 2.0 0.15\n3.0\n0.2 2.1 0.3 0.4 0.5\n0.3 2.2 0.2\n"
                    "0.4 2.3 0.1\n")
    with pytest.raises(DataError, match=r"ragged.chi, line 3: 1 columns; the first data line "
                                        r"has 3") as info:
        read_chi_file(path)
    assert info.value.line == 3
    good = tmp_path / "good.chi"
    good.write_text("# k chi\n0.1 2.0 0.15\n\n0.2 2.1 0.3\n0.3 2.2 0.2\n0.4 2.3 0.1\n")
    k, chi = read_chi_file(good)
    np.testing.assert_array_equal(k, [0.1, 0.2, 0.3, 0.4])
    np.testing.assert_array_equal(chi, [2.0, 2.1, 2.2, 2.3])
    for text, match in (("k chi\n" + "0.1 2.0\n" * 4, r"line 1: 'k chi' is not numeric"),
                        ("0.1\n" * 4, r"line 1: 1 column\(s\), expected at least 2"),
                        ("0.1 2.0\n" * 3, r"3 data line\(s\); expected at least 4"),
                        ("0.1 2.0\n" * 3 + "0.4 x\n", r"line 4: 'x' is not a number")):
        path.write_text(text)
        with pytest.raises(DataError, match=match):
            read_chi_file(path)
    with pytest.raises(DataError, match="no such file"):
        read_chi_file(tmp_path / "absent.chi")
