"""Tests of formulae.fdmnes: locating FDMNES, its input, its output, runs and the default set.

Golden files in tests/reference/fdmnes/ were written by generate.py there (input by
formulae.fdmnes.write_input; outputs by the real FDMNES). The runner is tested with a stand-in
executable (fake_fdmnes.py) whose output encodes its input; the integration tests run the real
FDMNES when it is found and skip otherwise.
"""

from __future__ import annotations

import shutil
import stat
import time
from pathlib import Path

import numpy as np
import pytest

from formulae.errors import DataError, InvalidParameterError, MissingDependencyError, SimulationError
from formulae.fdmnes import (Convolution, FdmnesSettings, energy_grid, load_default_dataset,
                             locate_fdmnes, read_output, run_fdmnes, write_input)
from formulae.structures import octahedral, tetrahedral

REF = Path(__file__).parent / "reference" / "fdmnes"
GOLDEN_CLUSTER = dict(r1=1.85, r2=1.95, r3=2.0, r4=2.1, phi=105.0, psi=85.0)
GOLDEN_SETTINGS = FdmnesSettings(radius=3.0, energy_range=(-10.0, 1.0, 30.0),
                                 convolution=Convolution(e_fermi=0.0))


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """The stand-in FDMNES as $FDMNES; ``fake["mode"](name)`` sets its behaviour."""
    return install_fake(tmp_path, monkeypatch)


def install_fake(tmp_path, monkeypatch):
    import json

    exe = tmp_path / "bin" / "fdmnes_fake"
    exe.parent.mkdir()
    shutil.copy(REF / "fake_fdmnes.py", exe)
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    counter = tmp_path / "calls.txt"
    conf = exe.parent / "fake.json"
    monkeypatch.setenv("FDMNES", str(exe))

    def mode(name):
        conf.write_text(json.dumps({"mode": name, "counter": str(counter)}))

    mode("ok")
    return {"exe": exe, "mode": mode,
            "calls": lambda: len(counter.read_text().split()) if counter.exists() else 0}


def _real_fdmnes():
    try:
        path = locate_fdmnes()
    except MissingDependencyError as exc:
        pytest.skip(f"FDMNES not available ({exc})")
    if "fake" in path.name:  # pragma: no cover
        pytest.skip("FDMNES points at the stand-in")
    return path


# ----------------------------------------------------------------------------------------------
# locating
# ----------------------------------------------------------------------------------------------
def test_locate_prefers_environment_variable(fake):
    assert locate_fdmnes() == fake["exe"]


def test_locate_bad_environment_variable_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("FDMNES", str(tmp_path / "nowhere"))
    with pytest.raises(MissingDependencyError, match="FDMNES=.*nowhere is not an executable"):
        locate_fdmnes()


def test_locate_finds_name_on_path(monkeypatch, tmp_path):
    exe = tmp_path / "fdmnes_linux64"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.delenv("FDMNES", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert locate_fdmnes() == exe


def test_locate_missing_lists_the_options(monkeypatch, tmp_path):
    import formulae.fdmnes as fd

    monkeypatch.delenv("FDMNES", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(fd, "_pyfitit_binary", lambda: None)
    with pytest.raises(MissingDependencyError, match="FDMNES environment variable.*PATH.*pyfitit"):
        locate_fdmnes()


# ----------------------------------------------------------------------------------------------
# input
# ----------------------------------------------------------------------------------------------
def test_write_input_matches_golden_file():
    text = write_input(tetrahedral(**GOLDEN_CLUSTER), GOLDEN_SETTINGS)
    assert text == (REF / "feo4_in.txt").read_text()


def test_input_coordinates_read_back_to_the_cluster():
    cluster = tetrahedral(**GOLDEN_CLUSTER)
    lines = write_input(cluster, GOLDEN_SETTINGS).splitlines()
    start = lines.index("Molecule") + 2
    rows = [line.split("!")[0].split() for line in lines[start:start + cluster.n_atoms]]
    z = [int(r[0]) for r in rows]
    xyz = np.array([[float(v) for v in r[1:]] for r in rows])
    assert z == [26, 8, 8, 8, 8]
    # distances from Fe, by an independent route: the requested r1..r4
    np.testing.assert_allclose(np.linalg.norm(xyz[1:], axis=1), [1.85, 1.95, 2.0, 2.1], atol=2e-6)
    assert lines[lines.index("Absorber") + 1] == "1"
    assert "Green" in lines and lines[lines.index("Range") + 1] == "-10 1 30"


def test_write_input_has_no_output_name_option():
    # run_fdmnes reads out.txt / out*_conv.txt, so another Filout would break every run
    with pytest.raises(TypeError):
        write_input(octahedral(r=2.0), GOLDEN_SETTINGS, output_name="other")
    assert write_input(octahedral(r=2.0), GOLDEN_SETTINGS).splitlines()[:2] == ["Filout", "out"]


def test_input_without_convolution_and_fdm_mode():
    text = write_input(octahedral(r=2.0), FdmnesSettings(mode="fdm", convolution=None))
    assert "Convolution" not in text and "Green" not in text and text.endswith("End\n")


def test_bad_settings_are_named():
    with pytest.raises(InvalidParameterError, match="'mode' parameter of FdmnesSettings"):
        write_input(octahedral(r=2.0), FdmnesSettings(mode="multiple"))
    with pytest.raises(InvalidParameterError, match="'gamma_hole' parameter of Convolution"):
        write_input(octahedral(r=2.0), FdmnesSettings(convolution=Convolution(gamma_hole=-1)))
    with pytest.raises(InvalidParameterError, match="unknown FDMNES setting.*radious"):
        FdmnesSettings.from_dict({"radious": 4.5})


def test_convolution_width_matches_fdmnes_log():
    # the width table FDMNES printed in its log for Gamma_hole 1.3, Gamma_max 15, Ecent 30,
    # Elarg 30 (this build, revision of 1 March 2022)
    printed = {-15.0: 1.300, 0.0: 1.300, 0.5: 1.303, 1.0: 1.310, 5.0: 1.554, 10.0: 2.336,
               20.0: 5.495, 30.0: 8.800, 45.0: 11.211, 60.0: 12.342}
    conv = Convolution(gamma_hole=1.3, gamma_max=15.0, e_cent=30.0, e_larg=30.0)
    np.testing.assert_allclose(conv.width(list(printed)), list(printed.values()), atol=6e-4)


def test_convolution_width_is_the_one_width_law(monkeypatch):
    # Convolution.width and broaden_fdmnes share xanes.fdmnes_width (no second copy of the law)
    import formulae.xanes.broadening as broadening

    calls, original = [], broadening.fdmnes_width
    monkeypatch.setattr(broadening, "fdmnes_width",
                        lambda *args, **kwargs: calls.append(kwargs) or original(*args, **kwargs))
    conv = Convolution(gamma_hole=1.3, e_fermi=-2.0)
    width = conv.width([-5.0, 10.0])
    assert calls == [dict(gamma_hole=1.3, gamma_max=15.0, e_cent=30.0, e_larg=30.0, e_fermi=-2.0)]
    np.testing.assert_array_equal(width, original([-5.0, 10.0], **calls[0]))
    assert Convolution().width([0.0])[0] == 1.25          # e_fermi None: the Fermi level at 0


# Counts measured by running the FDMNES build of the pyfitit 3.1.7 wheel (Green, FeO6) on
# each Range: it writes every limit, also when the steps do not land on it. (The out.txt that
# pyfitit ships for its Feterpy example, from an older FDMNES, has 287 energies ending at 249.)
@pytest.mark.parametrize("energy_range, n, last", [
    ((-15, 0.5, 60), 151, 60.0),
    ((0, 0.1, 18, 0.5, 30, 1, 40, 2, 54, 3, 250), 288, 250.0),
    ((-5, 0.1, 18, 0.5, 30, 2, 54, 3, 130), 293, 130.0),   # the Fe(SiO4)N study's Range
    ((-10, 1, 30), 41, 30.0),
])
def test_energy_grid_counts(energy_range, n, last):
    grid = energy_grid(energy_range)
    assert grid.size == n and grid[-1] == pytest.approx(last)


def test_energy_grid_steps_from_each_limit():
    # FDMNES output for Range -5 0.35 1 1 5 (measured): ... 0.6, 0.95, 1, 2, 3, 4, 5
    grid = energy_grid((-5, 0.35, 1, 1, 5))
    np.testing.assert_allclose(grid[-7:], [0.6, 0.95, 1.0, 2.0, 3.0, 4.0, 5.0], atol=1e-12)
    assert grid.size == 23


def test_energy_grid_rejects_empty_step():
    with pytest.raises(InvalidParameterError, match="step 1.0 up to -20.0 is empty"):
        energy_grid((-10, 1, -20))
    with pytest.raises(InvalidParameterError, match="odd number"):
        energy_grid((-10, 1))


# ----------------------------------------------------------------------------------------------
# output
# ----------------------------------------------------------------------------------------------
def test_read_golden_output():
    out = read_output(REF / "feo4_out.txt", expected=41)
    # values copied by eye from the file's first, second and last data lines
    assert out["header"]["E_edge"] == 7112.0 and out["header"]["Z"] == 26.0
    assert out["energy"][0] == -10.0 and out["mu"][0] == 2.1061185e-05
    assert out["mu"][1] == 2.1899486e-05
    np.testing.assert_array_equal(out["energy"], energy_grid((-10, 1, 30)))
    conv = read_output(REF / "feo4_conv.txt", expected=41)
    assert conv["header"] == {} and conv["mu"][-1] == 3.8570818e-02


def test_truncated_output_mid_line_is_named(tmp_path):
    text = (REF / "feo4_out.txt").read_text()
    cut = tmp_path / "out.txt"
    cut.write_text(text[:-8])  # the last mu loses its exponent
    with pytest.raises(DataError, match=r"out.txt, line 43: .* truncated FDMNES output"):
        read_output(cut)


def test_truncated_output_missing_lines_is_named(tmp_path):
    lines = (REF / "feo4_out.txt").read_text().splitlines(keepends=True)
    cut = tmp_path / "out.txt"
    cut.write_text("".join(lines[:30]))
    with pytest.raises(DataError, match="out.txt: truncated FDMNES output: 28 energies, the "
                                        "Range gives 41"):
        read_output(cut, expected=41)
    cut.write_text("".join(lines[:1]))
    with pytest.raises(DataError, match="truncated or not an FDMNES output file"):
        read_output(cut)


# ----------------------------------------------------------------------------------------------
# running (stand-in executable)
# ----------------------------------------------------------------------------------------------
def test_run_reads_both_outputs_and_cleans_up(fake, tmp_path):
    cluster = octahedral(r=2.0)
    result = run_fdmnes(cluster, FdmnesSettings(energy_range=(-5, 1, 5)), workdir=tmp_path / "w")
    grid = np.arange(-5.0, 5.5, 1.0)
    np.testing.assert_allclose(result.mu, 1e-3 * (1 + grid / 100) * 2.0, rtol=1e-7)
    np.testing.assert_allclose(result.mu_conv, 2 * result.mu, rtol=1e-7)
    assert result.e_edge == 7112.0 and result.folder is None
    assert list((tmp_path / "w").iterdir()) == []


def test_run_keeps_folder_when_asked(fake, tmp_path):
    result = run_fdmnes(octahedral(r=2.0), FdmnesSettings(energy_range=(-5, 1, 5)), keep=True,
                        workdir=tmp_path)
    assert (Path(result.folder) / "in.txt").read_text() == result.input_text


@pytest.mark.parametrize("mode, message", [
    ("error", r"(?s)FDMNES failed in .*fdmnes_.* \(it wrote fdmnes_error.txt\).*Error in the input.*fdmnes_error.txt:\nError in the input file: keyword 'Foo'"),
    ("crash", r"(?s)FDMNES failed in .* \(exit code 3\).*Segmentation fault"),
])
def test_failed_run_names_folder_and_log(fake, monkeypatch, tmp_path, mode, message):
    fake["mode"](mode)
    with pytest.raises(SimulationError, match=message) as info:
        run_fdmnes(octahedral(r=2.0), FdmnesSettings(energy_range=(-5, 1, 5)), workdir=tmp_path)
    assert Path(info.value.folder).is_dir()  # kept for inspection


def test_timeout_names_folder(fake, monkeypatch, tmp_path):
    fake["mode"]("hang")
    start = time.perf_counter()
    with pytest.raises(SimulationError, match=r"(?s)timed out after 1 s in .*FDMNES stand-in"):
        run_fdmnes(octahedral(r=2.0), FdmnesSettings(energy_range=(-5, 1, 5), timeout=1.0),
                   workdir=tmp_path)
    assert time.perf_counter() - start < 20


def test_truncated_run_output_is_named(fake, monkeypatch, tmp_path):
    fake["mode"]("truncate")
    with pytest.raises(DataError, match=r"out.txt, line 13: .*truncated FDMNES output"):
        run_fdmnes(octahedral(r=2.0), FdmnesSettings(energy_range=(-5, 1, 5)), workdir=tmp_path)


def test_cache_skips_finished_runs(fake, tmp_path):
    settings = FdmnesSettings(energy_range=(-5, 1, 5))
    first = run_fdmnes(octahedral(r=2.0), settings, cache_dir=tmp_path / "cache")
    again = run_fdmnes(octahedral(r=2.0), settings, cache_dir=tmp_path / "cache")
    other = run_fdmnes(octahedral(r=2.1), settings, cache_dir=tmp_path / "cache")
    assert fake["calls"]() == 2
    assert again.cached and not first.cached and not other.cached
    np.testing.assert_array_equal(again.mu_conv, first.mu_conv)
    # another build (a different binary size) does not reuse the runs of the first
    build = fake["exe"].with_name("fdmnes_fake_other_build")
    build.write_bytes(fake["exe"].read_bytes() + b"\n# another build\n")
    build.chmod(fake["exe"].stat().st_mode)
    rebuilt = run_fdmnes(octahedral(r=2.0), settings, cache_dir=tmp_path / "cache",
                         executable=build)
    assert not rebuilt.cached and fake["calls"]() == 3
    assert run_fdmnes(octahedral(r=2.0), settings, cache_dir=tmp_path / "cache",
                      executable=build).cached


# ----------------------------------------------------------------------------------------------
# the real FDMNES
# ----------------------------------------------------------------------------------------------
def test_real_fdmnes_reproduces_golden_output(tmp_path):
    exe = _real_fdmnes()
    result = run_fdmnes(tetrahedral(**GOLDEN_CLUSTER), GOLDEN_SETTINGS, executable=exe,
                        workdir=tmp_path)
    assert result.raw == (REF / "feo4_out.txt").read_text()
    assert result.raw_conv == (REF / "feo4_conv.txt").read_text()


def test_real_fdmnes_white_line_moves_down_with_distance(tmp_path):
    """Natoli's rule, qualitatively: a longer Fe-O bond brings the main peak to lower energy."""
    exe = _real_fdmnes()
    settings = FdmnesSettings(radius=3.0, energy_range=(-5.0, 0.5, 40.0))
    peaks = []
    for r in (1.9, 2.2):
        result = run_fdmnes(octahedral(r=r), settings, executable=exe, workdir=tmp_path)
        peaks.append(result.energy[np.argmax(result.mu_conv)])
    assert peaks[1] < peaks[0] - 2.0
    # and roughly as Natoli's (E - E_0) R^2 = const (measured: 18.5 eV at 1.9 Å, 14.0 at 2.2)
    assert peaks[0] * 1.9**2 == pytest.approx(peaks[1] * 2.2**2, rel=0.1)


# ----------------------------------------------------------------------------------------------
# the shipped data set
# ----------------------------------------------------------------------------------------------
def test_default_dataset_loads_fast_and_is_consistent():
    load_default_dataset()  # warm the imports
    times = []
    for _ in range(3):
        start = time.perf_counter()
        sample = load_default_dataset()
        times.append(time.perf_counter() - start)
    assert min(times) <= 0.2
    p = sample.params
    assert set(np.unique(p.column("CN"))) == {4.0, 5.0, 6.0}
    assert set(p.column("family")) == {"FeO4", "FeO5", "FeO6", "natoli"}
    # labels recomputed from the geometry parameters: mean and std (ddof 0) of r1..rCN
    r = np.column_stack([p.column(f"r{i}") for i in range(1, 7)])
    for row in range(p.n_rows):
        d = r[row, : int(p.column("CN")[row])]
        assert p.column("avgDist")[row] == pytest.approx(d.mean(), abs=1e-12)
        assert p.column("stdDist")[row] == pytest.approx(d.std(), abs=1e-12)
    natoli = p.column("family") == "natoli"
    np.testing.assert_allclose(p.column("avgDist")[natoli], np.linspace(1.85, 2.30, 30))
    np.testing.assert_array_equal(sample.energy,
                                  energy_grid(sample.meta["fdmnes"]["energy_range"]))
    assert np.all(np.isfinite(sample.spectra)) and sample.spectra.shape == (p.n_rows, 151)
    raw = load_default_dataset(convolved=False)
    assert not np.array_equal(raw.spectra, sample.spectra)


def test_default_dataset_regenerates_exactly(tmp_path):
    """Two stored structures recomputed from their stored parameters and settings."""
    from formulae.structures import build

    exe = _real_fdmnes()
    sample = load_default_dataset()
    settings = FdmnesSettings.from_dict(sample.meta["fdmnes"])
    p = sample.params
    for family, builder, names in [("natoli", "octahedral", ["r"]),
                                   ("FeO4", "tetrahedral", ["r1", "r2", "r3", "r4", "phi", "psi"])]:
        row = int(np.flatnonzero(p.column("family") == family)[0])
        params = {n: float(p.column("r1" if n == "r" else n)[row]) for n in names}
        if family == "natoli":
            params["theta"] = 0.0
        result = run_fdmnes(build(builder, params), settings, executable=exe, workdir=tmp_path)
        np.testing.assert_array_equal(result.mu_conv, sample.spectra[row])
