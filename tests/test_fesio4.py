"""Tests of formulae.fesio4: the Fe(SiO4)N clusters rebuilt from the shared set's parameters.

The independent check is the study's own labels: avgDist and stdDist in
``sampleWithDescriptors/params.csv`` were computed by PyFitIt from its clusters; the clusters
built here must give the same numbers for all 2500 structures. The angles are checked against
the definitions of the parameters (closed-form geometry).
"""

import numpy as np
import pytest

from formulae.errors import DataError, InvalidParameterError
from formulae.fesio4 import (PARAMETERS, build_fesio4, first_shell_distances, load_templates,
                             read_params)


@pytest.fixture(scope="module")
def fesio4_dir(request):
    shared = request.getfixturevalue("shared_data")
    folder = shared / "xanes" / "fesio4"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    return folder


@pytest.fixture(scope="module")
def templates(fesio4_dir):
    return load_templates(fesio4_dir / "structures")


def _angle(a, b):
    return np.degrees(np.arccos(np.dot(a, b) / np.linalg.norm(a) / np.linalg.norm(b)))


def _stored_labels(fesio4_dir):
    from formulae.io import read_table

    table = read_table(fesio4_dir / "sampleWithDescriptors" / "params.csv")
    names = [str(v) for v in table.column("name")]
    return {name: (a, s) for name, a, s in zip(names, table.column("avgDist"),
                                                table.column("stdDist"))}


def test_labels_equal_the_stored_ones_for_all_2500_structures(fesio4_dir, templates):
    stored = _stored_labels(fesio4_dir)
    worst, count = 0.0, 0
    for n in PARAMETERS:
        params = read_params(fesio4_dir / "samples" / f"sample{n}" / "params.txt", n)
        rows = len(params[PARAMETERS[n][0]])
        assert rows == 500
        for i in range(rows):
            cluster = build_fesio4(n, {k: v[i] for k, v in params.items()}, templates)
            avg, std = stored[f"cn{n}_{i}"]
            worst = max(worst, abs(cluster.labels["avgDist"] - avg),
                        abs(cluster.labels["stdDist"] - std))
            count += 1
    assert count == 2500
    assert worst < 1e-12


@pytest.mark.parametrize("n", sorted(PARAMETERS))
def test_cluster_is_fe_plus_rigid_sio4_groups(fesio4_dir, templates, n):
    params = read_params(fesio4_dir / "samples" / f"sample{n}" / "params.txt", n)
    p = {k: v[7] for k, v in params.items()}
    cluster = build_fesio4(n, p, templates)
    assert cluster.n_atoms == 1 + 5 * n
    assert cluster.symbols[0] == "Fe" and cluster.symbols.count("Si") == n
    # each group keeps the shape of its template (tetra.xyz, or groups 2-4 of 17_croped.xyz
    # for N=3): its sorted interatomic distances are unchanged
    for g in range(n):
        tetra = templates.tetra[1] if n != 3 else templates.cn3[1][6 + 5 * g:11 + 5 * g]
        ref = np.sort(np.linalg.norm(tetra[:, None] - tetra[None, :], axis=2).ravel())
        block = cluster.positions[1 + 5 * g:6 + 5 * g]
        got = np.sort(np.linalg.norm(block[:, None] - block[None, :], axis=2).ravel())
        np.testing.assert_allclose(got, ref, atol=1e-12)
    # the N shortest Fe-O distances are the ones the parameters define
    d = cluster.distances()
    oxygens = np.sort(d[[i for i, s in enumerate(cluster.symbols) if s == "O"]])[:n]
    np.testing.assert_allclose(oxygens, np.sort(first_shell_distances(n, p)), atol=1e-12)


def _bridging(cluster, n):
    """Positions of the bridging O (the O of each group nearest to Fe)."""
    out = []
    for g in range(n):
        block = cluster.positions[1 + 5 * g:6 + 5 * g]
        symbols = cluster.symbols[1 + 5 * g:6 + 5 * g]
        o = [b for b, s in zip(block, symbols) if s == "O"]
        out.append(min(o, key=np.linalg.norm))
    return out


def test_angles_follow_the_parameters(templates):
    c = build_fesio4(2, {"d12": 0.1, "phi1": 137.0, "psi": 33.0, "r1": 2.0}, templates)
    o1, o2 = _bridging(c, 2)
    assert _angle(o1, o2) == pytest.approx(137.0, abs=1e-9)
    assert np.linalg.norm(o2) == pytest.approx(2.1, abs=1e-12)
    # psi tilts the group about its bridging O: Fe-O-Si angle = 180 - psi
    si = c.positions[[i for i, s in enumerate(c.symbols) if s == "Si"][0]]
    assert _angle(-o1, si - o1) == pytest.approx(180.0 - 33.0, abs=1e-9)

    c = build_fesio4(4, {"phi1": 100.0, "phi2": 150.0, "r1": 1.9, "r2": 2.1}, templates)
    o = _bridging(c, 4)
    assert _angle(o[0], o[1]) == pytest.approx(100.0, abs=1e-9)
    assert _angle(o[2], o[3]) == pytest.approx(150.0, abs=1e-9)
    assert [round(float(np.linalg.norm(v)), 12) for v in o] == [1.9, 1.9, 2.1, 2.1]

    c = build_fesio4(6, {"d2": 0.2, "r1": 2.0, "r2": 1.9}, templates)
    o = np.array(_bridging(c, 6))
    gram = o @ o.T / np.outer(np.linalg.norm(o, axis=1), np.linalg.norm(o, axis=1))
    off = gram[~np.eye(6, dtype=bool)]
    assert np.all(np.isclose(off, 0.0, atol=1e-12) | np.isclose(off, -1.0, atol=1e-12))


def test_three_coordinated_angle_to_the_removed_group(templates):
    top = templates.cn3[1][2]                 # bridging O of the group that is removed
    c = build_fesio4(3, {"phi": 97.5, "r1": 2.2, "r2": 1.85}, templates)
    o = _bridging(c, 3)
    for v in o:
        assert _angle(top, v) == pytest.approx(97.5, abs=1e-9)
    assert sorted(round(float(np.linalg.norm(v)), 12) for v in o) == [1.85, 1.85, 2.2]


def test_first_shell_distances_closed_form():
    np.testing.assert_allclose(first_shell_distances(2, {"d12": 0.2, "phi1": 150, "psi": 0,
                                                         "r1": 1.9}), [1.9, 2.1])
    np.testing.assert_allclose(first_shell_distances(6, {"d2": 0.1, "r1": 2.0, "r2": 1.9}),
                               [2.0, 1.9, 2.0, 1.9, 2.0, 2.0])


def test_errors(tmp_path, templates):
    with pytest.raises(InvalidParameterError, match=r"N=5 takes the parameters d2, r1, r2; "
                                                    r"missing d2"):
        build_fesio4(5, {"r1": 2.0, "r2": 2.0}, templates)
    with pytest.raises(InvalidParameterError, match=r"unknown psi"):
        build_fesio4(5, {"d2": 0.1, "r1": 2.0, "r2": 2.0, "psi": 3}, templates)
    with pytest.raises(InvalidParameterError, match=r"'n' parameter"):
        build_fesio4(7, {}, templates)
    bad = tmp_path / "params.txt"
    bad.write_text("r1 r2 d2\n2 2 0.1\n")
    with pytest.raises(DataError, match=r"line 1: expected the header 'd2 r1 r2' for N=5"):
        read_params(bad, 5)
    bad.write_text("d2 r1 r2\n0.1 2 x\n")
    with pytest.raises(DataError, match=r"line 2: expected 3 finite numbers"):
        read_params(bad, 5)
    (tmp_path / "Fe.xyz").write_text("1\n\nFe 0 0 0\n")
    (tmp_path / "tetra.xyz").write_text("5\n\nSi 1.6 0 0\nO 2 1 0\nO 2 -1 0\nO 2 0 1\nO 0.1 0 0\n")
    (tmp_path / "17_croped.xyz").write_text("1\n\nFe 0 0 0\n")
    with pytest.raises(DataError, match=r"tetra.xyz: expected Si and four O, the last O "
                                        r"\(bridging\) at the origin"):
        load_templates(tmp_path)


def _stored_raw(fesio4_dir, n):
    lines = (fesio4_dir / "samples" / f"sample{n}" / "spectra.txt").read_text().splitlines()
    energy = np.array([float(h[2:]) for h in lines[0].split()])
    return energy, np.array([[float(v) for v in line.split()] for line in lines[1:]])


def test_study_spectrum_reproduces_the_stored_processed_spectra(fesio4_dir):
    from formulae.fesio4 import study_spectrum
    from formulae.io import read_sample

    sample = read_sample(fesio4_dir / "sampleWithDescriptors")
    names = [str(v) for v in sample.params.column("name")]
    worst = 0.0
    for n in PARAMETERS:
        energy, raw = _stored_raw(fesio4_dir, n)
        for i in (0, 123, 499):
            stored = sample.spectra[names.index(f"cn{n}_{i}")]
            got = study_spectrum(energy, raw[i], n, sample.energy)
            worst = max(worst, np.max(np.abs(got - stored)) / np.max(stored))
    assert worst < 1e-12


def test_study_spectrum_of_a_constant_closed_form():
    # a constant 1 above E_F (0 below, the Fermi cut) continued past the end: the output is the
    # Lorentzian's weight above E_F over its weight on the whole continued range (arctan CDF)
    from formulae.fesio4 import CONVOLUTION, NORMALISATION, SHIFTS, study_spectrum
    from formulae.xanes import fdmnes_width

    shifted = np.linspace(6918.0, 7518.0, 3001)
    out_e = np.array([7130.0, 7300.0, 7350.0])
    out = study_spectrum(shifted - SHIFTS[6], np.ones_like(shifted), 6, out_e)
    w = fdmnes_width(out_e, **CONVOLUTION)

    def cdf(x):
        return np.arctan(2.0 * (x - out_e) / w) / np.pi

    span = shifted[-1] - shifted[0]
    # the trapezoid rule sees the cut at E_F as a ramp over one 0.2 eV step: half a step lower
    expected = (cdf(shifted[-1] + span) - cdf(CONVOLUTION["e_fermi"] - 0.1)) / \
        (cdf(shifted[-1] + span) - cdf(shifted[0] - span))
    np.testing.assert_allclose(out * NORMALISATION, expected, rtol=2e-5)
    assert expected[0] < 0.93 and expected[2] > 0.95     # the cut matters near the edge only
    with pytest.raises(InvalidParameterError, match=r"same length"):
        study_spectrum(shifted, np.ones(5), 6, [7300.0])


def test_rotations_come_from_structures(monkeypatch):
    # one rotation formula (structures._rotation, radians) behind fesio4's degree-based helper
    import formulae.fesio4 as fesio4
    from formulae.structures import _rotation

    calls = []
    monkeypatch.setattr(fesio4, "_rotation",
                        lambda axis, angle: calls.append(angle) or _rotation(axis, angle))
    np.testing.assert_array_equal(fesio4._rot([0, 0, 2], 90.0),
                                  _rotation(np.array([0.0, 0.0, 1.0]), np.pi / 2))
    assert calls == [pytest.approx(np.pi / 2)]
    np.testing.assert_allclose(fesio4._rot([0, 0, 1], 90.0) @ [1.0, 0.0, 0.0], [0, 1, 0],
                               atol=1e-15)


def test_study_spectrum_runs_on_numpy_1(monkeypatch):
    # pyproject allows numpy>=1.24, which has no np.trapezoid
    from formulae.fesio4 import study_spectrum

    energy = np.linspace(-10.0, 80.0, 451)
    mu = 1.0 + np.arctan(energy / 2.0)
    before = study_spectrum(energy, mu, 6, [7130.0, 7150.0])
    monkeypatch.delattr(np, "trapezoid", raising=False)
    np.testing.assert_allclose(study_spectrum(energy, mu, 6, [7130.0, 7150.0]), before,
                               rtol=1e-14)


def test_stored_green_sample_matches_its_structures(fesio4_dir):
    # tests/reference/green/sample (docs/green_validation.md): Green-mode spectra of structures
    # of the shared set. Their labels must be the study's labels of the structures they name,
    # and each spectrum must resemble the stored finite-difference one of the same structure.
    from pathlib import Path

    from formulae.io import read_sample

    folder = Path(__file__).parent / "reference" / "green" / "sample"
    if not (folder / "spectra.csv").is_file():
        pytest.skip(f"{folder} is absent (made by tests/reference/green/make_green.py)")
    green = read_sample(folder)
    stored = read_sample(fesio4_dir / "sampleWithDescriptors")
    names = [str(v) for v in stored.params.column("name")]
    assert green.n_spectra >= 30
    np.testing.assert_array_equal(green.energy, stored.energy)
    for k, name in enumerate(green.params.column("name")):
        j = names.index(str(name))
        for label in ("CN", "avgDist", "stdDist"):
            assert green.params.column(label)[k] == pytest.approx(
                stored.params.column(label)[j], abs=1e-12)
        r = np.corrcoef(green.spectra[k], stored.spectra[j])[0, 1]
        assert r > 0.95, (name, r)
