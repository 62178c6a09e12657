"""Tests of formulae.exafs.transform against Larch's arrays and a direct DFT."""

from __future__ import annotations

import numpy as np
import pytest

from formulae.errors import DataError, InvalidParameterError
from formulae.exafs.transform import FT_WINDOWS, FourierTransform, ftwindow, xftf, xftr

# columns of larch_reference/ft_windows.txt (its header lists them)
WINDOW_COLUMNS = [("hanning", 3, 17, 1), ("hanning", 2.5, 13, 2), ("kaiser", 3, 17, 4),
                  ("kaiser", 2, 13.5, 3), ("parzen", 3, 17, 1), ("welch", 3, 17, 1),
                  ("sine", 3, 17, 1), ("gaussian", 3, 17, 1)]


@pytest.fixture
def ref_dir(shared_data):
    return shared_data / "exafs" / "larch_reference"


@pytest.fixture
def cu_chi(shared_data):
    data = np.loadtxt(shared_data / "exafs" / "cu" / "cu_metal_rt_larch_chi_rbkg1.0.chi")
    return data[:, 0], data[:, 1]


@pytest.mark.parametrize("column", range(len(WINDOW_COLUMNS)))
def test_windows_equal_larch(ref_dir, column):
    table = np.loadtxt(ref_dir / "ft_windows.txt")
    window, xmin, xmax, dx = WINDOW_COLUMNS[column]
    k = 0.05 * np.arange(2048)
    got = ftwindow(k, xmin, xmax, dx, window=window)[: table.shape[0]]
    expected = table[:, column + 1]
    # measured: <= 5e-14 absolute, <= 5e-13 relative (the file has 13 significant digits)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-13)


def test_hanning_window_closed_form():
    """Independent route: plateau 1 on [xmin + dx/2, xmax - dx/2], sin^2 taper, zero outside."""
    x = 0.05 * np.arange(400)
    w = ftwindow(x, 3.0, 17.0, 2.0, window="hanning")
    plateau = (x > 4.0 + 1e-9) & (x < 16.0 - 1e-9)
    assert np.all(w[plateau] == 1.0)
    assert np.all(w[(x < 2.0 - 1e-9) | (x > 18.0 + 1e-9)] == 0.0)
    ramp = (x >= 2.0 - 1e-9) & (x <= 4.0 + 1e-9)
    np.testing.assert_allclose(w[ramp], np.sin(np.pi / 2 * (x[ramp] - 2.0) / 2.0) ** 2,
                               atol=1e-12)


def test_xftf_equals_larch(ref_dir, cu_chi):
    table = np.loadtxt(ref_dir / "cu_xftf_kaiser_dk4_kw2.txt")
    k, chi = cu_chi
    r, chir = xftf(k, chi, kmin=3, kmax=17, dk=4, window="kaiser", kweight=2, rmax_out=10)
    assert r.shape == (table.shape[0],)
    np.testing.assert_allclose(r, table[:, 0], rtol=1e-12, atol=1e-15)
    scale = np.abs(table[:, 3]).max()
    # measured: max |difference| = 1.6e-13 of max |chi(R)|
    assert np.abs(chir.real - table[:, 1]).max() <= 1e-10 * scale
    assert np.abs(chir.imag - table[:, 2]).max() <= 1e-10 * scale


def test_xftr_equals_larch(ref_dir, cu_chi):
    k, chi = cu_chi
    r, chir = xftf(k, chi, kmin=3, kmax=17, dk=4, window="kaiser", kweight=2, rmax_out=10)
    q, chiq = xftr(r, chir, rmin=1.4, rmax=3.0, dr=0, window="hanning")
    assert q.shape == (601,) and q[-1] == 30.0
    table = np.loadtxt(ref_dir / "cu_xftr_hanning_r1.4_3.0.txt")
    n = table.shape[0]
    np.testing.assert_allclose(q[:n], table[:, 0], rtol=0, atol=1e-13)
    expected = table[:, 1] + 1j * table[:, 2]
    # measured: max |difference| = 3.2e-13 of max |chi(q)|
    assert np.abs(chiq[:n] - expected).max() <= 1e-10 * np.abs(expected).max()


def test_forward_equals_direct_dft_sum():
    """Independent route: the transform written as an explicit sum over k."""
    rng = np.random.default_rng(7)
    ft = FourierTransform(kmin=2.0, kmax=12.0, dk=2.0, window="hanning", kweight=1, nfft=256)
    chi = rng.normal(size=250)
    out = ft.forward(chi)
    n = np.arange(250)
    j = np.arange(128)[:, None]
    direct = (ft.kstep / np.sqrt(np.pi)) * np.sum(
        chi * ft.kwin[:250] * ft.k[:250] * np.exp(-2j * np.pi * n * j / 256), axis=1)
    np.testing.assert_allclose(out, direct, rtol=0, atol=1e-12 * np.abs(direct).max())
    assert ft.r[1] == pytest.approx(np.pi / (0.05 * 256))
    # reverse: explicit inverse sum, 4 sqrt(pi)/kstep * (1/N) sum_j chir_j rwin_j e^{+2 pi i j n/N}
    ftr = FourierTransform(kmin=2.0, kmax=12.0, dk=2.0, rmin=1.0, rmax=3.0, dr=0.5, nfft=256)
    back = ftr.reverse(out)
    m = np.arange(128)
    direct_back = (4 * np.sqrt(np.pi) / ftr.kstep) / 256 * np.sum(
        out * ftr.rwin[:128] * np.exp(2j * np.pi * m * np.arange(128)[:, None] / 256), axis=1)
    np.testing.assert_allclose(back, direct_back, rtol=0, atol=1e-12 * np.abs(direct_back).max())


def test_fourier_transform_matches_xftf_and_transforms_rows(cu_chi):
    k, chi = cu_chi
    ft = FourierTransform(kmin=3, kmax=17, dk=4, window="kaiser", kweight=2, rmin=1.4, rmax=3.0)
    n = int(1.01 + k[-1] / 0.05)
    on_grid = np.interp(ft.k[:n], k, chi)
    r, chir = xftf(k, chi, kmin=3, kmax=17, dk=4, window="kaiser", kweight=2)
    np.testing.assert_allclose(ft.forward(on_grid), chir, rtol=0, atol=1e-14)
    # 2-D input: rows transformed independently, also through xftf
    rows = np.vstack([on_grid, 2 * on_grid, np.sin(ft.k[:n])])
    out = ft.forward(rows, kweight=1)
    for i in range(3):
        np.testing.assert_array_equal(out[i], ft.forward(rows[i], kweight=1))
    _, chir2 = xftf(ft.k[:n], rows, kmin=3, kmax=17, dk=4, window="kaiser", kweight=2)
    np.testing.assert_allclose(chir2[0], chir, rtol=0, atol=1e-14)
    # Larch's R-fit slice: irmin = int(0.01 + rmin/rstep), irmax = int(0.01 + rmax/rstep)
    assert ft.r_slice == slice(int(0.01 + 1.4 / ft.rstep), int(0.01 + 3.0 / ft.rstep))
    assert ft.q_slice == slice(60, 340)


def test_xftf_interpolates_like_numpy_interp_on_irregular_k():
    k = np.sort(np.random.default_rng(3).uniform(0.0, 15.0, 200))
    chi = np.sin(2 * 2.2 * k) * np.exp(-0.01 * k * k)
    _, a = xftf(k, chi, kmin=2, kmax=13, dk=1, window="hanning", kweight=3)
    _, b = xftf(k, np.vstack([chi, chi]), kmin=2, kmax=13, dk=1, window="hanning", kweight=3)
    np.testing.assert_allclose(b[1], a, rtol=0, atol=1e-14 * np.abs(a).max())


def test_single_shell_peaks_at_its_distance():
    """A pure sin(2kR) shell with R = 2.5 A peaks in |chi(R)| near R (phase-free)."""
    k = 0.05 * np.arange(400)
    r, chir = xftf(k, np.sin(2 * 2.5 * k), kmin=3, kmax=17, dk=1, window="hanning", kweight=0)
    assert abs(r[np.argmax(np.abs(chir))] - 2.5) <= r[1]


# ----------------------------------------------------------------- bad input


def test_unknown_window_lists_allowed_names():
    allowed = ", ".join(repr(w) for w in FT_WINDOWS)
    k = 0.05 * np.arange(100)
    with pytest.raises(InvalidParameterError,
                       match=rf"'window' parameter must be one of {allowed}\. Got 'han'"):
        ftwindow(k, 1, 3, 1, window="han")
    with pytest.raises(InvalidParameterError, match=r"'rwindow' parameter of FourierTransform must be one of"):
        FourierTransform(kmin=1, kmax=3, dk=1, rwindow="Hanning")
    with pytest.raises(InvalidParameterError, match=r"Got 'kaiser-bessel'"):
        xftf(k, np.sin(k), kmin=1, kmax=3, dk=1, window="kaiser-bessel")


def test_bad_ranges_are_named(cu_chi):
    k, chi = cu_chi
    with pytest.raises(InvalidParameterError, match=r"must satisfy 0 <= rmin < rmax. Got rmin=3.0, rmax=1.4"):
        FourierTransform(kmin=3, kmax=17, dk=4, rmin=3.0, rmax=1.4)
    with pytest.raises(InvalidParameterError, match=r"must satisfy 0 <= rmin < rmax. Got rmin=2.0, rmax=2.0"):
        xftr(np.pi / (0.05 * 2048) * np.arange(10), np.ones(10),
             rmin=2.0, rmax=2.0)
    with pytest.raises(InvalidParameterError, match=r"The k range of FourierTransform must satisfy 0 <= kmin < kmax. Got kmin=17.0, kmax=3"):
        xftf(k, chi, kmin=17.0, kmax=3, dk=4)
    with pytest.raises(DataError, match=r"xftf: kmax=18.0 is beyond the data, which end at "
                                        r"k=17.45"):
        xftf(k, chi, kmin=3, kmax=18.0, dk=4)
    with pytest.raises(InvalidParameterError, match=r"'dk' parameter of FourierTransform must "
                                                    r"be a float in \[0.0, inf\)"):
        FourierTransform(kmin=3, kmax=17, dk=-1)


def test_bad_data_are_named(cu_chi):
    k, chi = cu_chi
    bad = chi.copy()
    bad[40] = np.nan
    with pytest.raises(DataError, match=r"xftf: chi\[40\] is nan \(at k = 2.0\)"):
        xftf(k, bad, kmin=3, kmax=17, dk=4)
    kk = k.copy()
    kk[[10, 11]] = kk[[11, 10]]
    with pytest.raises(DataError, match=r"k must be strictly increasing; k\[11\] = 0.5 follows "
                                        r"k\[10\] = 0.55"):
        xftf(kk, chi, kmin=3, kmax=17, dk=4)
    with pytest.raises(DataError, match=r"its last axis must match the 350 points of k"):
        xftf(k, chi[:-1], kmin=3, kmax=17, dk=4)
    with pytest.raises(DataError, match=r"xftr: r must be the grid rstep \* arange\(n\)"):
        xftr(0.1 * np.arange(10), np.ones(10), rmin=1, rmax=2)
