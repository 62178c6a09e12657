"""Tests of formulae.exafs.feffdat: FEFF path files and their cubic spline."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from formulae.errors import DataError
from formulae.exafs import feffdat
from formulae.exafs.feffdat import FeffPath, PathSpline, atomic_mass, read_feffdat


def _all_path_files(shared_data):
    root = shared_data / "exafs"
    files = (sorted(root.glob("cu/feff*.dat")) + sorted(root.glob("cu/Feff_Cu_13paths/*.dat"))
             + sorted(root.glob("feo/feff*.dat")) + sorted(root.glob("znse/feff*.dat")))
    assert len(files) == 31
    return files


@pytest.fixture
def cu01(shared_data):
    return shared_data / "exafs" / "cu" / "feffcu01.dat"


def test_read_cu_first_shell_header_and_geometry(cu01):
    p = read_feffdat(cu01)
    assert isinstance(p, FeffPath)
    assert (p.nleg, p.degen, p.reff) == (2, 12.0, 2.5478)
    assert p.rnorman == 2.63 and p.edge == -5.53502
    assert p.shell == "K"
    assert p.geometry == ((0, 0.0, 0.0, 0.0, 29, "Cu"), (1, 0.0, -1.8016, 1.8016, 29, "Cu"))
    # the Cu-Cu distance from the coordinates is reff for a single-scattering path
    a, b = (np.array(g[1:4]) for g in p.geometry)
    assert np.linalg.norm(b - a) == pytest.approx(p.reff, abs=1e-4)
    # two Cu atoms: reduced mass m/2
    assert p.rmass == pytest.approx(63.546 / 2, rel=1e-12)
    assert p.potentials[0] == (0, 29, 1.289, 1.424)
    assert (p.gam_ch, p.vmu, p.kf, p.vint, p.rs_int) == (1.761, -5.535, 1.806, -17.96, 2.008)
    assert p.version == "Feff XX 6.10"


def test_columns_match_the_file_rows(cu01):
    p = read_feffdat(cu01)
    lines = cu01.read_text().splitlines()
    start = next(i for i, s in enumerate(lines) if s.strip().startswith("k ")) + 1
    rows = [s.split() for s in lines[start:] if s.strip()]
    assert p.k.size == len(rows)
    assert p.k[0] == 0.0 and p.k[-1] == 20.0
    # row 3 of the table, column by column, as text in the file
    assert [p.k[2], p.real_phc[2], p.mag_feff[2], p.pha_feff[2], p.red_fact[2], p.lam[2],
            p.rep[2]] == [float(x) for x in rows[2]]
    np.testing.assert_array_equal(p.amp, p.mag_feff * p.red_fact)
    np.testing.assert_array_equal(p.pha, p.real_phc + p.pha_feff)
    with pytest.raises(ValueError):
        p.k[0] = 1.0  # read-only


def test_rmass_of_mixed_path(shared_data):
    p = read_feffdat(shared_data / "exafs" / "feo" / "feff_feo03.dat")  # Fe-O-O triangle
    assert p.nleg == 3 and [g[5] for g in p.geometry] == ["Fe", "O", "O"]
    expected = 1.0 / (1 / atomic_mass(26) + 2 / atomic_mass(8))
    assert p.rmass == pytest.approx(expected, rel=1e-12)
    assert atomic_mass(26) == 55.845 and atomic_mass(8) == 15.999


def test_spline_equals_fitpack_interpolating_spline(shared_data):
    """Larch uses UnivariateSpline(k, y, s=0); ours must be the same curve (values, slopes)."""
    from scipy.interpolate import UnivariateSpline

    q = np.linspace(-0.7, 21.3, 2203)  # includes extrapolation on both sides
    for f in _all_path_files(shared_data):
        p = read_feffdat(f)
        values, slopes = p.spline.evaluate(q)
        np.testing.assert_array_equal(values, p.spline(q))
        for j, y in enumerate((p.amp, p.pha, p.rep, p.lam)):
            ref = UnivariateSpline(p.k, y, s=0)
            scale = np.abs(y).max()
            assert np.abs(values[:, j] - ref(q)).max() <= 1e-11 * scale, (f.name, j)
            dref = ref.derivative()(q)
            assert np.abs(slopes[:, j] - dref).max() <= 1e-10 * np.abs(dref).max(), (f.name, j)


def test_spline_reproduces_a_cubic_exactly():
    """A not-a-knot spline through samples of a cubic is that cubic, even off the grid."""
    x = np.array([0.0, 0.3, 0.5, 1.1, 1.2, 2.0, 2.9])
    y = 2.0 * x ** 3 - x ** 2 + 0.5 * x - 3.0
    s = PathSpline(x, y)
    t = np.linspace(-1.0, 4.0, 101)
    values, slopes = s.evaluate(t)
    np.testing.assert_allclose(values[:, 0], 2 * t ** 3 - t ** 2 + 0.5 * t - 3, atol=1e-11)
    np.testing.assert_allclose(slopes[:, 0], 6 * t ** 2 - 2 * t + 0.5, atol=1e-10)


def test_pickle_round_trip_rebuilds_spline(cu01):
    p = read_feffdat(cu01)
    q = np.linspace(1, 15, 7)
    before = p.spline(q)
    assert "spline" in p.__dict__  # cached on first use
    clone = pickle.loads(pickle.dumps(p))
    assert "spline" not in clone.__dict__  # not pickled: rebuilt on demand
    np.testing.assert_array_equal(clone.spline(q), before)
    assert clone.reff == p.reff and clone.geometry == p.geometry


# ---------------------------------------------------------------- bad files


def _write(tmp_path, lines, name="feffbad.dat"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_truncated_file_names_file_and_line(cu01, tmp_path):
    lines = cu01.read_text().splitlines()
    bad = _write(tmp_path, lines[:10])  # stops inside the path atoms
    with pytest.raises(DataError, match=r"feffbad\.dat, line 10: file ends after 1 of 2 path "
                                        r"atoms"):
        read_feffdat(bad)
    bad = _write(tmp_path, lines[:5])  # no separator
    with pytest.raises(DataError, match=r"feffbad\.dat, line 5: no dashed separator"):
        read_feffdat(bad)
    bad = _write(tmp_path, lines[:14])  # column title, 2 rows only
    with pytest.raises(DataError, match=r"line 14: only 2 rows in the column table"):
        read_feffdat(bad)


def test_missing_column_names_line(cu01, tmp_path):
    lines = cu01.read_text().splitlines()
    lines[20] = " ".join(lines[20].split()[:6])  # drop real[p] on line 21
    with pytest.raises(DataError, match=r"feffbad\.dat, line 21: 6 columns \(missing columns\); "
                                        r"expected 7 \(k, real\[2\*phc\]") as info:
        read_feffdat(_write(tmp_path, lines))
    assert info.value.line == 21 and info.value.path.endswith("feffbad.dat")


def test_corrupted_value_and_order(cu01, tmp_path):
    lines = cu01.read_text().splitlines()
    bad = list(lines)
    bad[15] = bad[15].replace("E+00", "E+0x", 1)
    with pytest.raises(DataError, match=r"line 16: non-numeric value"):
        read_feffdat(_write(tmp_path, bad))
    bad = list(lines)
    bad[15], bad[16] = bad[16], bad[15]
    with pytest.raises(DataError, match=r"line 17: k = 0.3 does not increase"):
        read_feffdat(_write(tmp_path, bad))
    bad = list(lines)
    bad[7] = "   2  12.000   oops    2.6300   -5.53502 nleg, deg, reff, rnrmav(bohr), edge"
    with pytest.raises(DataError, match=r"line 8: cannot read the path line"):
        read_feffdat(_write(tmp_path, bad))


def test_not_a_feff_file_and_missing_file(shared_data, tmp_path):
    chi_file = shared_data / "exafs" / "cu" / "cu.chi"
    with pytest.raises(DataError, match=r"cu\.chi, line 3: cannot read the path line"):
        read_feffdat(chi_file)
    with pytest.raises(DataError, match=r"nothere\.dat: cannot read FEFF path file"):
        read_feffdat(tmp_path / "nothere.dat")
    with pytest.raises(DataError, match=r"No atomic mass for Z=120"):
        atomic_mass(120)


def test_feff8l_header_lines_and_hash_prefix(cu01, tmp_path):
    """FEFF8L adds header lines (POT, PATH Rmax=, '# sites'); some tools prefix '#'."""
    lines = cu01.read_text().splitlines()
    feff8 = (lines[:1] + [" Formula:    Cu", " # sites:    1",
                          " POT  Non-SCF, core-hole, AFOLP (folp(0)= 1.150)"]
             + [s.replace("K shell", "K  shell") for s in lines[1:5]]
             + [" PATH  Rmax= 7.000,  Keep_limit= 0.00, Heap_limit 0.00  Pwcrit= 2.50%"]
             + lines[5:])
    hashed = ["# " + s if i < 12 else s for i, s in enumerate(lines)]
    ref = read_feffdat(cu01)
    for variant in (feff8, hashed):
        p = read_feffdat(_write(tmp_path, variant))
        assert (p.nleg, p.degen, p.reff, p.shell) == (2, 12.0, 2.5478, "K")
        assert p.geometry == ref.geometry and p.potentials == ref.potentials
        np.testing.assert_array_equal(p.rep, ref.rep)
        np.testing.assert_array_equal(p.k, ref.k)


def test_one_conversion_table_reader_equals_the_line_reader(shared_data, cu01, tmp_path,
                                                            monkeypatch):
    """The column table is read by one numpy conversion when every line is clean; the
    line-by-line reader (which names a bad line) gives the same numbers, and takes over for
    Fortran D exponents, which numpy does not read."""
    def fail(*args):
        raise AssertionError(args)

    for f in _all_path_files(shared_data):
        lines = f.read_text().splitlines()
        start = next(i for i, ln in enumerate(lines) if "real[p]" in ln) + 1
        clean = lambda s: s.strip().lstrip("#").strip()   # noqa: E731
        slow = feffdat._column_table(lines, start, clean, fail)
        fast = feffdat._column_table_fast([clean(ln) for ln in lines[start:]])
        np.testing.assert_array_equal(fast, slow)
    lines = cu01.read_text().splitlines()
    start = next(i for i, ln in enumerate(lines) if "real[p]" in ln) + 1
    fortran = lines[:start] + [ln.replace("E", "D") for ln in lines[start:]]
    assert feffdat._column_table_fast(fortran[start:]) is None
    ref = read_feffdat(cu01)
    p = read_feffdat(_write(tmp_path, fortran))
    for name in feffdat.FEFF_COLUMNS:
        np.testing.assert_array_equal(getattr(p, name), getattr(ref, name))
    # a clean file never reaches the line reader
    monkeypatch.setattr(feffdat, "_column_table", fail)
    np.testing.assert_array_equal(read_feffdat(cu01).lam, ref.lam)


def test_spline_values_and_slopes_at_once_equal_separate_horner_sums(cu01):
    """_evaluate_into runs the cubic's and its derivative's Horner steps side by side; the
    numbers are those of the two sums done separately, bit for bit, and the slopes match
    central differences of the values."""
    s = read_feffdat(cu01).spline
    q = np.linspace(-0.4, 21.0, 500)
    both = s._evaluate_into(q, np.empty((8, q.size)), True)
    idx = s._interior.searchsorted(q, side="right")
    t = q - s.breaks[idx]
    c = s.coefficients[idx]                                      # (n_q, power, column)
    dc = np.stack([3.0 * c[:, 0], 2.0 * c[:, 1], c[:, 2]], axis=1)   # the derivative's
    values = ((c[:, 0] * t[:, None] + c[:, 1]) * t[:, None] + c[:, 2]) * t[:, None] + c[:, 3]
    slopes = (dc[:, 0] * t[:, None] + dc[:, 1]) * t[:, None] + dc[:, 2]
    np.testing.assert_array_equal(both[:4], values.T)
    np.testing.assert_array_equal(both[4:], slopes.T)
    np.testing.assert_array_equal(s._evaluate_into(q, np.empty((4, q.size)), False), values.T)
    h = 1e-6
    inner = (q > 0.05) & (q < 20.9) & (np.abs(q[:, None] - s.breaks).min(axis=1) > 2 * h)
    fd = (s(q + h) - s(q - h)).T / (2 * h)
    np.testing.assert_allclose(both[4:, inner], fd[:, inner], rtol=1e-6, atol=1e-8)
