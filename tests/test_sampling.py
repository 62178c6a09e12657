"""Tests of formulae.sampling and ``formulae simulate`` with the stand-in FDMNES."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import qmc

from formulae.cli import main
from formulae.errors import DataError, InvalidParameterError
from formulae.fdmnes import FdmnesSettings
from formulae.io import read_sample
from formulae.sampling import (Family, ParameterRange, latin_hypercube, load_npz, read_config,
                               save_npz, simulate_clusters, simulate_families, sweep)
from formulae.structures import octahedral
from test_fdmnes import install_fake

SETTINGS = FdmnesSettings(energy_range=(-5, 1, 5))
GRID = np.arange(-5.0, 5.5, 1.0)

CONFIG = """
description = "test set"
[fdmnes]
radius = 3.0
energy_range = [-5, 1, 5]
[fdmnes.convolution]
gamma_hole = 1.25
[[family]]
name = "tet"
builder = "tetrahedral"
n = 4
seed = 1
fixed = { metal = "Fe", ligand = "O" }
ranges = { r1 = [1.8, 2.3], r2 = [1.8, 2.3], r3 = [1.8, 2.3], r4 = [1.8, 2.3], phi = [100, 119] }
[[family]]
name = "nat"
builder = "octahedral"
sweep = { name = "r", start = 1.9, stop = 2.2, num = 3 }
"""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    return install_fake(tmp_path, monkeypatch)


def _fake_mu(mean_distance):
    """What the stand-in prints for a cluster: 1e-3 (1 + E/100) d_mean (7 significant digits)."""
    return np.array([float(f"{1e-3 * (1 + e / 100) * mean_distance:.7E}") for e in GRID])


def test_latin_hypercube_is_stratified_and_in_bounds():
    ranges = {"r1": (1.8, 2.3), "phi": (100.0, 120.0), "theta": (0.0, 10.0)}
    n = 25
    sample = latin_hypercube(ranges, n, seed=3)
    for name, (low, high) in ranges.items():
        x = sample[name]
        assert x.shape == (n,) and np.all((x >= low) & (x <= high))
        # one point in each of the n equal strata: the defining property of a Latin hypercube
        strata = np.floor((x - low) / (high - low) * n).astype(int)
        assert sorted(strata.tolist()) == list(range(n))


def test_latin_hypercube_is_seeded_and_optimized():
    a = latin_hypercube({"a": (0, 1), "b": (0, 1)}, 30, seed=7)
    b = latin_hypercube({"a": (0, 1), "b": (0, 1)}, 30, seed=7)
    c = latin_hypercube({"a": (0, 1), "b": (0, 1)}, 30, seed=8)
    np.testing.assert_array_equal(a["a"], b["a"])
    assert not np.array_equal(a["a"], c["a"])
    plain = latin_hypercube({"a": (0, 1), "b": (0, 1)}, 30, seed=7, optimization=None)

    def cd(s):
        return qmc.discrepancy(np.column_stack([s["a"], s["b"]]), method="CD")

    assert cd(a) < cd(plain)


def test_empty_parameter_range_is_named():
    with pytest.raises(InvalidParameterError, match=r"empty parameter range for 'r1': \[2.0, 2.0\]"):
        ParameterRange("r1", 2.0, 2.0)
    with pytest.raises(InvalidParameterError, match="empty parameter range for 'phi'"):
        latin_hypercube({"phi": (120, 100)}, 5)
    with pytest.raises(InvalidParameterError, match="empty parameter range for 'r'"):
        sweep("r", 2.0, 2.0, 5)


def test_sweep_values():
    np.testing.assert_allclose(sweep("r", 1.85, 2.30, 10)["r"], 1.85 + 0.05 * np.arange(10))


def test_simulate_clusters_in_parallel_keeps_order(fake):
    clusters = [octahedral(r=r) for r in (1.9, 2.0, 2.1, 2.2, 2.3)]
    results = simulate_clusters(clusters, SETTINGS, n_jobs=2)
    for r, result in zip((1.9, 2.0, 2.1, 2.2, 2.3), results):
        np.testing.assert_allclose(result.mu, _fake_mu(r), rtol=1e-12)


def test_interrupted_batch_resumes_from_cache(fake, tmp_path, capsys):
    clusters = [octahedral(r=r) for r in (1.9, 2.0, 2.1, 2.2, 2.3)]
    cache = tmp_path / "cache"
    simulate_clusters(clusters[:3], SETTINGS, cache_dir=cache)  # "interrupted" after 3
    results = simulate_clusters(clusters, SETTINGS, cache_dir=cache, progress=True)
    assert fake["calls"]() == 5  # 3 + the 2 missing ones
    assert [r.cached for r in results] == [True, True, True, False, False]
    assert "5/5" in capsys.readouterr().err


def test_families_to_sample_and_npz_round_trip(fake, tmp_path):
    families = [Family("oct", "octahedral", {"r": np.array([1.9, 2.1])}),
                Family("tet", "tetrahedral", {"r1": np.array([1.9]), "r2": np.array([2.0]),
                                              "r3": np.array([2.1]), "r4": np.array([2.2])})]
    sample, raw = simulate_families(families, SETTINGS)
    p = sample.params
    assert p.columns[:4] == ("family", "CN", "avgDist", "stdDist")
    assert list(p.column("family")) == ["oct", "oct", "tet"]
    np.testing.assert_array_equal(p.column("CN"), [6, 6, 4])
    assert np.isnan(p.column("r5")[2]) and p.column("r5")[0] == 1.9
    np.testing.assert_allclose(raw.spectra[2], _fake_mu(2.05), rtol=1e-6)  # 6-decimal coordinates
    np.testing.assert_allclose(sample.spectra, 2 * raw.spectra, rtol=1e-6)
    save_npz(tmp_path / "set", sample, raw)
    back = load_npz(tmp_path / "set")
    np.testing.assert_array_equal(back.spectra, sample.spectra)
    np.testing.assert_array_equal(load_npz(tmp_path / "set", convolved=False).spectra, raw.spectra)
    np.testing.assert_array_equal(back.params.column("r5"), p.column("r5"))
    assert list(back.params.column("family")) == ["oct", "oct", "tet"]


def test_read_config(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(CONFIG)
    config = read_config(path)
    assert config["settings"].radius == 3.0 and config["settings"].convolution.gamma_hole == 1.25
    tet, nat = config["families"]
    assert tet.n_structures == 4 and nat.n_structures == 3
    np.testing.assert_array_equal(tet.rows["r1"], latin_hypercube(
        {"r1": (1.8, 2.3), "r2": (1.8, 2.3), "r3": (1.8, 2.3), "r4": (1.8, 2.3),
         "phi": (100, 119)}, 4, seed=1)["r1"])


@pytest.mark.parametrize("change, error, message", [
    (("tetrahedral", "tetrahedrall"), InvalidParameterError,
     "family 'tet': unknown builder 'tetrahedrall'"),
    (("phi = [100, 119]", "phi = [119, 119]"), InvalidParameterError,
     "family 'tet': empty parameter range for 'phi'"),
    (("seed = 1", "seed = 1\nsamples = 3"), InvalidParameterError,
     "family 'tet': unknown key.*samples"),
    (("[fdmnes]", "[fdmnes"), DataError, "c.toml: not valid TOML"),
])
def test_bad_config_is_named(tmp_path, change, error, message):
    path = tmp_path / "c.toml"
    path.write_text(CONFIG.replace(*change))
    with pytest.raises(error, match=message):
        read_config(path)


def test_cli_simulate_writes_pyfitit_layout_and_npz(fake, tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text(CONFIG)
    out = tmp_path / "out"
    assert main(["simulate", str(config), "--out", str(out), "--n-jobs", "2", "--quiet",
                 "--npz", str(tmp_path / "compact")]) == 0
    assert "7 spectra x 11 energies" in capsys.readouterr().out
    sample = read_sample(out)
    compact = load_npz(tmp_path / "compact")
    np.testing.assert_array_equal(sample.spectra, compact.spectra)
    np.testing.assert_array_equal(sample.params.column("avgDist"),
                                  compact.params.column("avgDist"))
    assert json.loads((out / "meta.json").read_text())["fdmnes"]["radius"] == 3.0
    # rerun: everything from the cache
    assert main(["simulate", str(config), "--out", str(out), "--quiet"]) == 0
    assert "(7 from the cache)" in capsys.readouterr().out and fake["calls"]() == 7


def test_cli_bad_config_exits_2(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text(CONFIG.replace("octahedral", "cubic"))
    assert main(["simulate", str(config), "--out", str(tmp_path / "o")]) == 2
    assert "family 'nat': unknown builder 'cubic'" in capsys.readouterr().err


def test_family_with_second_shell_groups(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(CONFIG + """
[[family]]
name = "FeSiO4"
builder = "octahedral"
n = 3
seed = 2
groups = { center = "Si", d = 1.62 }
fixed = { r = 2.0 }
ranges = { group_angle = [140, 170] }
""")
    family = read_config(path)["families"][2]
    clusters = family.clusters()
    assert [c.n_atoms for c in clusters] == [31, 31, 31]
    angles = sorted(c.labels["groupAngle"] for c in clusters)
    # one Latin-hypercube point per third of [140, 170]
    assert [int((a - 140) // 10) for a in angles] == [0, 1, 2]
    bad = Family("x", "octahedral", {"group_angle": np.array([150.0])}, {"r": 2.0})
    with pytest.raises(InvalidParameterError, match="family 'x', structure 0: group_angle"):
        bad.clusters()


def test_missing_fdmnes_is_reported_before_any_run_even_with_a_cache(tmp_path, monkeypatch):
    import formulae.fdmnes as fdmnes_module
    import formulae.sampling as sampling_module
    from formulae.errors import MissingDependencyError

    def missing():
        raise MissingDependencyError("no FDMNES here")

    runs = []
    monkeypatch.setattr(fdmnes_module, "locate_fdmnes", missing)
    monkeypatch.setattr(sampling_module, "run_fdmnes", lambda *a, **k: runs.append(a))
    with pytest.raises(MissingDependencyError, match="no FDMNES here"):
        simulate_clusters([octahedral(r=2.0)], SETTINGS, cache_dir=tmp_path / "cache")
    assert runs == []


def test_sampling_arguments_are_checked():
    with pytest.raises(InvalidParameterError, match=r"'optimization' parameter of "
                                                    r"latin_hypercube must be one of"):
        latin_hypercube({"a": (0, 1)}, 5, optimization="cd")
    with pytest.raises(InvalidParameterError, match=r"'seed' parameter of latin_hypercube must "
                                                    r"be an int in \[0, inf\)"):
        latin_hypercube({"a": (0, 1)}, 5, seed=-1)
    with pytest.raises(InvalidParameterError, match=r"ranges must be a sequence of "
                                                    r"ParameterRange .*item 0 is \('a', 0, 1\)"):
        latin_hypercube([("a", 0, 1)], 5)
    with pytest.raises(InvalidParameterError, match=r"range of 'a' must be \[low, high\]"):
        latin_hypercube({"a": 1.0}, 5)
    assert latin_hypercube([ParameterRange("a", 0, 1)], 3)["a"].shape == (3,)
    with pytest.raises(InvalidParameterError, match=r"family 'f': .* 'r1' has 2, 'group_angle' "
                                                    r"has 1") as info:
        Family("f", "octahedral", {"r1": [1.9, 2.0], "group_angle": [150.0]})
    assert info.value.parameter == "group_angle"
