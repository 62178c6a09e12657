"""Descriptors: PyFitIt's stored values (seeded subset), measured spectra, bad input."""

import dataclasses

import numpy as np
import pytest

from formulae.errors import DataError, InvalidParameterError
from formulae.io import read_sample, read_spectrum
from formulae.xanes import DESCRIPTOR_COLUMNS, XanesDescriptors, descriptor_table, descriptors

FE2 = ("FeO", "Fe2SiO4")
FE3 = ("Fe2O3_alpha", "NaFeSi2O6")
MEASURED = ("Fe2O3_alpha.dat", "Fe2O3_gamma.dat", "Fe2SiO4.dat", "Fe3O4.dat", "FeO.dat",
            "NaFeSi2O6.dat", "Fe_15620_1.nor", "Fe_2516.nor", "Fe_DB_29.nor", "Fe_G_24_10_34.nor")
RANGE = (7100.0, 7200.0)  # the range of PyFitIt's stored spectra


@pytest.fixture(scope="module")
def sample(shared_data):
    return read_sample(shared_data / "xanes" / "fesio4" / "sampleWithDescriptors")


@pytest.fixture(scope="module")
def measured(shared_data):
    folder = shared_data / "xanes" / "fesio4" / "experiments"
    out = {}
    for name in MEASURED:
        spectrum = read_spectrum(folder / name)
        out[name.rsplit(".", 1)[0]] = (spectrum.energy, spectrum.mu)
    return out


def test_matches_pyfitit_columns_on_a_seeded_subset(sample):
    rows = np.sort(np.random.default_rng(0).choice(2500, 300, replace=False))
    table = descriptor_table(sample.energy, sample.spectra[rows])
    step = np.diff(sample.energy).max()  # coarsest step of the grid used: 1.83 eV at the top
    fine_step = 0.49                     # the step below 7190 eV, where all these lie
    p = sample.params
    for ours, theirs in (("EdgeE", "efermi_e"), ("MaxE", "max_e"), ("MinE", "min_e")):
        diff = np.abs(table[ours] - p.column(theirs)[rows])
        assert np.mean(diff < fine_step) >= 0.95, ours
        assert diff.max() < step, ours
    for ours, theirs in (("Maxint", "max_i"), ("Maxcurv", "max_d2"), ("Minint", "min_i"),
                         ("Mincurv", "min_d2"), ("Edgeslope", "efermi_slope")):
        r = np.corrcoef(table[ours], p.column(theirs)[rows])[0, 1]
        assert r >= 0.95, (ours, r)
    # Same 5-point parabola on the same smoothed curve: the minimum agrees to rounding,
    # which confirms the smoothing (sigma = 5 eV, trapezoid, data range only) independently.
    np.testing.assert_allclose(table["Minint"], p.column("min_i")[rows], atol=1e-9)
    np.testing.assert_allclose(table["Mincurv"], p.column("min_d2")[rows], rtol=1e-6)


def test_logistic_constant_edge_reproduces_efermi_e(sample):
    rows = np.arange(0, 2500, 50)
    table = descriptor_table(sample.energy, sample.spectra[rows], edge_shape="logistic",
                             edge_background="constant")
    np.testing.assert_allclose(table["EdgeE"], sample.params.column("efermi_e")[rows], atol=5e-3)
    np.testing.assert_allclose(table["Edgeslope"], sample.params.column("efermi_slope")[rows],
                               rtol=2e-3)


def test_measured_spectra_are_finite_and_order_by_oxidation_state(measured):
    edges = {}
    for name, (energy, mu) in measured.items():
        d = descriptors(energy, mu, energy_range=RANGE)
        values = d.to_dict()
        assert all(np.isfinite(v) for v in values.values()), (name, values)
        # the stderr includes the model misfit (white line), so it is a few tenths of an eV
        assert 0 < d.edge_energy_stderr < 0.5 and d.max_curvature < 0 < d.min_curvature
        edges[name] = d.edge_energy
    assert max(edges[n] for n in FE2) < min(edges[n] for n in FE3)
    assert min(edges[n] for n in FE3) - max(edges[n] for n in FE2) > 2.0  # a chemical shift


def test_measured_spectra_stable_under_noise(measured):
    rng = np.random.default_rng(7)
    n_pairs = 20
    for name, (energy, mu) in measured.items():
        keep = (energy >= RANGE[0]) & (energy <= RANGE[1])
        energy, mu = energy[keep], mu[keep]
        step = descriptors(energy, mu).edge_step
        noisy = [mu + 0.005 * step * rng.standard_normal((n_pairs, mu.size)) for _ in range(2)]
        a, b = (descriptor_table(energy, x) for x in noisy)
        for key in DESCRIPTOR_COLUMNS:
            if key == "PreedgeE":  # NaN when nothing rises above the background: the weak
                continue           # Fe2SiO4 pre-edge does so in some noisy copies (docs)
            assert np.isfinite(a[key]).all() and np.isfinite(b[key]).all(), (name, key)
        for key in ("EdgeE", "MaxE"):
            assert np.abs(a[key] - b[key]).max() < 0.3, (name, key)
        # the minimum after the white line is flat (curvature ~1e-3 per eV^2): single pairs
        # can exceed 0.3 eV; their root mean square stays below (docs/xanes.md)
        rms = np.sqrt(np.mean((a["MinE"] - b["MinE"]) ** 2))
        assert rms < 0.3, (name, rms)


def test_descriptors_dataclass_is_frozen_and_matches_the_table(sample):
    d = descriptors(sample.energy, sample.spectra[0])
    assert isinstance(d, XanesDescriptors)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.edge_energy = 0.0
    row = descriptor_table(sample.energy, sample.spectra[:1])
    assert list(d.to_dict()) == list(row)
    np.testing.assert_array_equal(list(d.to_dict().values()), [v[0] for v in row.values()])
    assert d.min_minus_max == pytest.approx(d.min_energy - d.max_energy)


def test_planted_synthetic_spectrum():
    energy = np.linspace(7100.0, 7200.0, 401)
    base = (0.5 + np.arctan((energy - 7125.0) / 2.0) / np.pi
            + 0.4 * np.exp(-0.5 * ((energy - 7135.0) / 4.0) ** 2)
            - 0.1 * np.exp(-0.5 * ((energy - 7165.0) / 6.0) ** 2))
    peak = 0.05 * np.exp(-0.5 * ((energy - 7113.0) / 1.0) ** 2)
    without, d = descriptors(energy, base, smooth=0.0), descriptors(energy, base + peak, smooth=0.0)
    assert d.preedge_energy == pytest.approx(7113.0, abs=0.3)
    # the background (edge-fit foot + chord) misses part of the peak: about -11 % here
    added = d.preedge_area - without.preedge_area
    assert added == pytest.approx(0.05 * np.sqrt(2 * np.pi), rel=0.15)
    assert abs(d.max_energy - 7135.0) < 1.0 and abs(d.min_energy - 7165.0) < 1.5


def test_input_arrays_are_not_modified(sample):
    energy, spectra = sample.energy.copy(), sample.spectra[:5].copy()
    descriptor_table(energy, spectra, n_jobs=2)
    np.testing.assert_array_equal(energy, sample.energy)
    np.testing.assert_array_equal(spectra, sample.spectra[:5])


def test_threads_give_the_same_table(sample):
    one = descriptor_table(sample.energy, sample.spectra[:40])
    two = descriptor_table(sample.energy, sample.spectra[:40], n_jobs=2)
    for key in one:
        np.testing.assert_array_equal(one[key], two[key])


# ---------------------------------------------------------------- bad input
ENERGY = np.linspace(7100.0, 7200.0, 201)
GOOD = 0.5 + np.arctan((ENERGY - 7125.0) / 2.0) / np.pi \
    + 0.3 * np.exp(-0.5 * ((ENERGY - 7135.0) / 4.0) ** 2) \
    - 0.1 * np.exp(-0.5 * ((ENERGY - 7165.0) / 6.0) ** 2)


def test_non_increasing_energy_names_the_index():
    energy = ENERGY.copy()
    energy[57] = energy[56]
    with pytest.raises(DataError, match=r"energy must be strictly increasing; energy\[57\]"):
        descriptors(energy, GOOD)


def test_nan_names_spectrum_and_point():
    spectra = np.vstack([GOOD, GOOD])
    spectra[1, 12] = np.nan
    with pytest.raises(DataError, match=r"spectrum 1, mu\[12\] is nan \(at 7106\.0 eV\)"):
        descriptor_table(ENERGY, spectra)
    with pytest.raises(DataError, match=r"mu\[12\] is nan"):
        descriptors(ENERGY, spectra[1])


def test_single_spectrum_errors_keep_value_and_row():
    spectrum = GOOD.copy()
    spectrum[12] = np.nan
    with pytest.raises(DataError, match=r"^mu\[12\] is nan \(at 7106\.0 eV\)") as info:
        descriptors(ENERGY, spectrum)
    assert np.isnan(info.value.value) and info.value.row == 0 and info.value.column == "mu"
    falling = 0.5 - np.arctan((ENERGY - 7150.0) / 2.0) / np.pi
    with pytest.raises(DataError, match=r"^no edge in range") as info:
        descriptors(ENERGY, falling)
    assert info.value.row == 0 and info.value.column == "mu"


def test_preedge_window_outside_the_data_spoils_only_the_preedge():
    energy = np.linspace(7115.0, 7215.0, 201)  # edge at 7125 eV: window 7110-7120 eV not inside
    mu = 0.5 + np.arctan((energy - 7125.0) / 2.0) / np.pi \
        + 0.3 * np.exp(-0.5 * ((energy - 7135.0) / 4.0) ** 2) \
        - 0.1 * np.exp(-0.5 * ((energy - 7165.0) / 6.0) ** 2)
    d = descriptors(energy, mu, smooth=0.0)
    assert np.isnan(d.preedge_energy) and np.isnan(d.preedge_area)
    assert d.edge_energy == pytest.approx(7125.0, abs=0.5)
    assert abs(d.max_energy - 7135.0) < 1.0 and abs(d.min_energy - 7165.0) < 1.5
    for errors in ("raise", "nan"):
        table = descriptor_table(energy, np.vstack([mu, mu]), errors=errors)
        for key in DESCRIPTOR_COLUMNS:
            assert np.all(np.isnan(table[key]) == (key in ("PreedgeE", "Preedgearea"))), key


def test_too_few_points():
    with pytest.raises(DataError, match=r"energy has 5 points; at least 10 are needed"):
        descriptors(ENERGY[:5], GOOD[:5])
    with pytest.raises(DataError, match=r"energy_range 7100\.0-7103\.0 eV keeps 7 of 201"):
        descriptors(ENERGY, GOOD, energy_range=(7100.0, 7103.0))


def test_no_edge_in_range():
    falling = 0.5 - np.arctan((ENERGY - 7150.0) / 2.0) / np.pi
    with pytest.raises(DataError, match=r"no edge in range 7100\.0-7200\.0 eV"):
        descriptors(ENERGY, falling)
    table = descriptor_table(ENERGY, np.vstack([GOOD, falling]), errors="nan")
    assert np.isfinite(table["EdgeE"][0]) and np.isnan(table["EdgeE"][1])
    with pytest.raises(DataError, match=r"spectrum 1: no edge in range"):
        descriptor_table(ENERGY, np.vstack([GOOD, falling]))


def test_no_maximum_or_minimum_in_window():
    plain = 0.5 + np.arctan((ENERGY - 7125.0) / 2.0) / np.pi
    with pytest.raises(DataError, match=r"no maximum in the window .*max_window=\(-5\.0, 26\.0\)"):
        descriptors(ENERGY, plain)
    no_min = 0.5 + np.arctan((ENERGY - 7125.0) / 2.0) / np.pi \
        + 0.3 * np.exp(-0.5 * ((ENERGY - 7135.0) / 4.0) ** 2) - 0.002 * (ENERGY - 7100.0)
    with pytest.raises(DataError, match=r"no minimum in the window"):
        descriptors(ENERGY, no_min)


def test_bad_parameters():
    with pytest.raises(InvalidParameterError, match=r"'smooth' parameter of descriptor_table "
                                                    r"must be a float in \[0\.0, inf\)"):
        descriptors(ENERGY, GOOD, smooth=-1)
    with pytest.raises(InvalidParameterError, match=r"'max_window' parameter must be a pair "
                                                    r"\(low, high\) with low < high"):
        descriptors(ENERGY, GOOD, max_window=(5.0, -5.0))
    with pytest.raises(InvalidParameterError, match=r"'errors' parameter of descriptor_table "
                                                    r"must be one of 'raise', 'nan'"):
        descriptor_table(ENERGY, GOOD[None, :], errors="ignore")
