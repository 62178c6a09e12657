"""Tests of ``formulae exafs fit|chi|batch`` and the spec reader."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from formulae.cli import main
from formulae.errors import DataError, InvalidParameterError
from formulae.exafs.spec import read_spec, spec_from_dict

TOML = """
data = "{data}"
[variables]
amp = 1.0
del_e0 = 0.0
sig2 = 0.0
del_r = 0.0
[[paths]]
file = "{path}"
s02 = "amp"
e0 = "del_e0"
sigma2 = "sig2"
deltar = "del_r"
[transform]
kmin = 3
kmax = 17
kweight = 2
dk = 4
window = "kaiser"
rmin = 1.4
rmax = 3.0
fitspace = "r"
"""


@pytest.fixture()
def cu_spec(tmp_path, shared_data):
    cu = shared_data / "exafs" / "cu"
    # relative names resolve against the spec's folder: copy-free, via a relative path
    text = TOML.format(data=cu / "cu_metal_rt_larch_chi_rbkg1.0.chi", path=cu / "feffcu01.dat")
    spec = tmp_path / "cu.toml"
    spec.write_text(text)
    return spec


def test_fit_toml_prints_report_and_writes_json(cu_spec, tmp_path, capsys, shared_data):
    out = tmp_path / "fit.json"
    assert main(["exafs", "fit", str(cu_spec), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("[[Fit Statistics]]") and "[[Correlations]]" in text
    data = json.loads(out.read_text())
    assert set(data) >= {"params", "correlations", "chi_square", "chi2_reduced",
                         "n_independent", "rfactor", "aic", "bic", "nfev", "nvarys", "ndata",
                         "success"}
    ref = json.loads((shared_data / "exafs" / "larch_reference" / "larch_fits.json")
                     .read_text())["fits"]["cu_1path_r_kaiser"]["larch_result"]
    # no delta_chi here: values are Larch's (the noise only scales chi-square)
    for name, p in ref["params"].items():
        assert abs(data["params"][name]["value"] - p["value"]) <= 1e-3 * p["stderr"]
    assert data["correlations"]["amp,sig2"] == pytest.approx(ref["correlations"]["amp,sig2"],
                                                             abs=1e-4)
    assert data["n_independent"] == pytest.approx(ref["n_independent"], rel=1e-12)


def test_relative_paths_resolve_against_spec_folder(tmp_path, shared_data):
    spec = {"data": "cu/cu_metal_rt_larch_chi_rbkg1.0.chi", "variables": {"amp": 1.0},
            "paths": [{"file": "cu/feffcu01.dat", "s02": "amp"}],
            "transform": {"kmin": 3, "kmax": 17, "rmin": 1.4, "rmax": 3.0}}
    f = shared_data / "exafs" / "spec_does_not_exist.json"
    parsed = spec_from_dict(spec, f.parent)
    assert parsed.datasets[0]["data"] == shared_data / "exafs" / spec["data"]
    assert parsed.datasets[0]["paths"][0]["file"] == shared_data / "exafs" / "cu/feffcu01.dat"


def test_bad_spec_messages(tmp_path, shared_data):
    base = {"data": "x.chi", "variables": {"amp": 1.0}, "paths": [{"file": "p.dat"}],
            "transform": {"kmin": 3, "kmax": 17, "rmin": 1.4, "rmax": 3.0}}
    with pytest.raises(InvalidParameterError, match=r"'bounds.amp' has min > max: \[2, 1\]"):
        spec_from_dict(dict(base, bounds={"amp": [2, 1]}), tmp_path)
    with pytest.raises(InvalidParameterError, match=r"'bounds.amp' must hold numbers or null "
                                                    r"\(not NaN\)"):
        spec_from_dict(dict(base, bounds={"amp": [float("nan"), 1]}), tmp_path)
    with pytest.raises(InvalidParameterError, match="Unknown key\\(s\\) 'windw' in 'transform'"):
        spec_from_dict(dict(base, transform=dict(base["transform"], windw="kaiser")), tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"data": "x.chi",\n "variables": {"amp": 1.0,}}')
    with pytest.raises(DataError, match=r"bad.json, line 2: not valid JSON"):
        read_spec(bad)


def test_cli_error_exit_code_and_message(tmp_path, capsys, shared_data):
    cu = shared_data / "exafs" / "cu"
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({
        "data": str(cu / "cu_metal_rt_larch_chi_rbkg1.0.chi"), "variables": {"amp": 1.0},
        "paths": [{"file": str(cu / "feffcu01.dat"), "s02": "amp"}],
        "transform": {"kmin": 3, "kmax": 17, "rmin": 1.4, "rmax": 3.0, "window": "hann"}}))
    assert main(["exafs", "fit", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "formulae exafs: error: The 'window' parameter of Transform must be one of" in err
    assert "Got 'hann' instead." in err


def test_chi_command(tmp_path, shared_data):
    from formulae.exafs.feffdat import read_feffdat
    from formulae.exafs.model import chi
    f = shared_data / "exafs" / "cu" / "feffcu01.dat"
    out = tmp_path / "chi.txt"
    assert main(["exafs", "chi", str(f), "--sigma2", "0.008", "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    blocks, current = [], []
    for line in lines:
        if line.startswith("#"):
            if current:
                blocks.append(np.array(current))
                current = []
            continue
        current.append([float(v) for v in line.split()])
    blocks.append(np.array(current))
    k, c = blocks[0][:, 0], blocks[0][:, 1]
    np.testing.assert_allclose(c, chi(k, read_feffdat(f), sigma2=0.008), rtol=1e-9, atol=1e-14)
    assert blocks[1].shape[1] == 2 and blocks[1][:, 1].max() > 0


def test_chi_command_r_block_is_xftf_of_each_path_and_sum(tmp_path, shared_data):
    from formulae.exafs.feffdat import read_feffdat
    from formulae.exafs.model import chi
    from formulae.exafs.transform import xftf
    cu = shared_data / "exafs" / "cu"
    files = [cu / "feffcu01.dat", cu / "feff0002.dat"]
    out = tmp_path / "chi.txt"
    assert main(["exafs", "chi", *map(str, files), "--sigma2", "0.005", "--kweight", "1",
                 "--out", str(out)]) == 0
    text = out.read_text()
    head, r_block = text.split("# r ", 1)
    assert r_block.splitlines()[0] == "chir_mag_feffcu01 chir_mag_feff0002 chir_mag_sum"
    got = np.loadtxt(r_block.splitlines()[1:])
    k = 0.05 * np.arange(401)
    chis = np.array([chi(k, read_feffdat(f), sigma2=0.005) for f in files])
    r, chir = xftf(k, np.vstack([chis, chis.sum(0)]), kmin=3.0, kmax=19.0, dk=1.0,
                   window="hanning", kweight=1.0, rmax_out=10.0)
    assert r[-1] <= 10.0 < r[-1] + (r[1] - r[0])
    np.testing.assert_allclose(got[:, 0], r, rtol=1e-9)
    np.testing.assert_allclose(got[:, 1:], np.abs(chir).T, rtol=1e-9, atol=1e-14)


def test_batch_command(tmp_path, shared_data, cu_spec):
    k, chi = np.loadtxt(shared_data / "exafs" / "cu" / "cu_metal_rt_larch_chi_rbkg1.0.chi",
                        unpack=True)
    rng = np.random.default_rng(7)
    files = []
    for i in range(3):
        f = tmp_path / f"s{i}.chi"
        np.savetxt(f, np.column_stack([k, chi + rng.normal(0, 0.001, k.size)]))
        files.append(str(f))
    f = tmp_path / "broken.chi"
    f.write_text("1 2\n3\n")
    files.append(str(f))
    out = tmp_path / "batch.csv"
    assert main(["exafs", "batch", str(cu_spec), *files, "--csv", str(out)]) == 2
    rows = out.read_text().splitlines()
    assert rows[0].startswith("name,success,nfev,ndata,n_independent,chi_square")
    assert len(rows) == 5
    assert "broken.chi, line 2: 1 columns; the first data line has 2" in rows[4]
    # each row equals a single fit of that file
    single = read_spec(cu_spec).problem(data_override=np.loadtxt(files[1], unpack=True))
    res = single.solve()
    header = rows[0].split(",")
    values = dict(zip(header, rows[2].split(",")))
    assert float(values["amp"]) == pytest.approx(res.params["amp"], rel=1e-12)
    assert float(values["amp_stderr"]) == pytest.approx(res.stderr["amp"], rel=1e-12)


def test_import_is_light():
    code = ("import sys, formulae.exafs, formulae.exafs.fit, formulae.exafs.spec; "
            "assert 'sklearn' not in sys.modules, 'sklearn'; "
            "assert 'sympy' not in sys.modules, 'sympy'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_spec_with_several_datasets(shared_data):
    one = {"data": "cu/cu_metal_rt_larch_chi_rbkg1.0.chi",
           "paths": [{"file": "cu/feffcu01.dat", "s02": "amp", "e0": "de0"}]}
    spec = {"variables": {"amp": 1.0, "de0": 0.0},
            "transform": {"kmin": 3, "kmax": 17, "rmin": 1.4, "rmax": 3.0, "dk": 4},
            "datasets": [one, dict(one, transform={"kmin": 3, "kmax": 15, "rmin": 1.4,
                                                   "rmax": 3.0, "dk": 4})]}
    problem = spec_from_dict(spec, shared_data / "exafs").problem()
    assert len(problem.datasets) == 2
    assert problem.datasets[1].transform.kmax == 15.0
    expected = (1 + 2 * 1.6 * 14 / np.pi) + (1 + 2 * 1.6 * 12 / np.pi)
    assert problem.n_independent == pytest.approx(expected, rel=1e-12)
    res = problem.solve()
    assert res.success and res.ndata == 2 * 104


def test_batch_array_serial_parallel_and_warm_start_agree(shared_data, cu_spec):
    from formulae.exafs.batch import fit_batch
    k, chi = np.loadtxt(shared_data / "exafs" / "cu" / "cu_metal_rt_larch_chi_rbkg1.0.chi",
                        unpack=True)
    arr = chi + np.random.default_rng(3).normal(0, 0.002, (6, k.size))
    spec = read_spec(cu_spec)
    a = fit_batch(spec, arr, k=k)
    b = fit_batch(spec, arr, k=k, warm_start=True)
    assert [r.success for r in a.results] == [True] * 6
    for ra, rb in zip(a.results, b.results):
        for name in ra.var_names:
            assert abs(ra.params[name] - rb.params[name]) <= 1e-4 * ra.stderr[name]
    assert sum(r.nfev for r in b.results) < sum(r.nfev for r in a.results)
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter of fit_batch"):
        fit_batch(spec, arr, k=k, n_jobs=0)


@pytest.mark.slow
def test_batch_two_workers_equals_serial(shared_data, cu_spec):
    from formulae.exafs.batch import fit_batch
    k, chi = np.loadtxt(shared_data / "exafs" / "cu" / "cu_metal_rt_larch_chi_rbkg1.0.chi",
                        unpack=True)
    arr = chi + np.random.default_rng(4).normal(0, 0.002, (8, k.size))
    spec = read_spec(cu_spec)
    a = fit_batch(spec, arr, k=k)
    b = fit_batch(spec, arr, k=k, n_jobs=2)
    for ra, rb in zip(a.results, b.results):
        assert ra.params == rb.params
