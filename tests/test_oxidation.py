"""Chemical shift: simulated oxidation states and the edge-versus-state rule."""

import numpy as np
import pytest

from formulae.errors import DataError, InvalidParameterError
from formulae.oxidation import (DEFAULT_SHIFT_PER_CHARGE, chemical_shift_fit, shift_spectra,
                                simulate_oxidation_states)


def arctan_edge(energy, centre):
    return 0.5 + np.arctan((energy - centre) / 1.5) / np.pi


def test_shift_moves_an_arctangent_edge_by_the_shift():
    energy = np.linspace(7080.0, 7180.0, 1001)
    spectra = np.vstack([arctan_edge(energy, 7112.0), arctan_edge(energy, 7115.0)])
    shifted = shift_spectra(energy, spectra, [2.5, -1.0])
    # Closed form: the shifted curve is the arctangent centred at centre + shift.
    inside = (energy >= 7082.5) & (energy <= 7179.0)
    np.testing.assert_allclose(shifted[0][inside], arctan_edge(energy, 7114.5)[inside], atol=2e-5)
    np.testing.assert_allclose(shifted[1][inside], arctan_edge(energy, 7114.0)[inside], atol=2e-5)
    # Beyond the ends of the grid the end values are held.
    assert np.all(shifted[0][energy < 7082.5] == spectra[0][0])
    assert np.all(shifted[1][energy > 7179.0] == spectra[1][-1])


def test_simulated_states_are_seeded_and_shift_by_the_charge(rng):
    energy = np.linspace(7080.0, 7180.0, 501)
    centres = 7112.0 + rng.normal(0.0, 1.0, 60)
    spectra = np.vstack([arctan_edge(energy, c) for c in centres])
    states, shifted = simulate_oxidation_states(energy, spectra, states=(2, 3),
                                                shift_per_charge=4.0, random_state=3)
    again, _ = simulate_oxidation_states(energy, spectra, states=(2, 3),
                                         shift_per_charge=4.0, random_state=3)
    np.testing.assert_array_equal(states, again)
    assert set(states.tolist()) == {2, 3} and 20 < (states == 3).sum() < 40
    # Half-height crossing of each shifted spectrum = its centre + 4 eV per extra charge.
    half = np.array([np.interp(0.5, mu, energy) for mu in shifted])
    np.testing.assert_allclose(half, centres + 4.0 * (states - 2), atol=0.01)
    fit = chemical_shift_fit(half, states)
    assert fit.slope_ci[0] < 4.0 < fit.slope_ci[1]


def test_chemical_shift_fit_separates_distance_from_charge(rng):
    size = 400
    states = rng.integers(2, 4, size)
    # Higher charge, shorter bond, as in real oxides: R = 2.16 Å (2+) or 2.03 Å (3+), +- 0.03.
    r = np.where(states == 2, 2.16, 2.03) + rng.normal(0.0, 0.03, size)
    edge = 7100.0 + 3.5 * states - 8.8 * (r - 2.0) + rng.normal(0.0, 0.2, size)
    fit = chemical_shift_fit(edge, states, r)
    # Independent route: normal equations solved by numpy's polyfit and lstsq.
    apparent = np.polyfit(states, edge, 1)[0]
    assert fit.slope == pytest.approx(apparent, rel=1e-10)
    both = np.linalg.lstsq(np.column_stack([np.ones(size), states, r]), edge, rcond=None)[0]
    assert fit.slope_with_distance == pytest.approx(both[1], rel=1e-10)
    assert fit.distance_coefficient == pytest.approx(both[2], rel=1e-10)
    # The planted truth within 3 standard errors.
    assert abs(fit.slope_with_distance - 3.5) < 3 * fit.slope_with_distance_stderr
    assert abs(fit.distance_coefficient + 8.8) < 3 * fit.distance_coefficient_stderr
    # Apparent shift 3.5 + 8.8 * 0.13 = 4.64 eV, of which 1.14 eV is distance: 25 %.
    assert fit.distance_share == pytest.approx(8.8 * 0.13 / (3.5 + 8.8 * 0.13), abs=0.03)
    assert "distance changes explain" in fit.summary()


def test_default_shift_is_the_documented_value():
    assert DEFAULT_SHIFT_PER_CHARGE == 3.5


def test_errors_name_the_culprit():
    energy = np.linspace(0.0, 10.0, 11)
    with pytest.raises(DataError, match=r"energy\[3\] = 2.0 follows"):
        shift_spectra(np.r_[0.0, 1.0, 2.0, 2.0, 3.0], np.zeros((1, 5)), 1.0)
    with pytest.raises(DataError, match=r"shape \(n_spectra, 11\)"):
        shift_spectra(energy, np.zeros((2, 10)), 1.0)
    bad = np.zeros((2, 11))
    bad[1, 4] = np.nan
    with pytest.raises(DataError, match=r"spectra\[1, 4\] is nan"):
        shift_spectra(energy, bad, 1.0)
    with pytest.raises(InvalidParameterError, match="at least two distinct oxidation states"):
        simulate_oxidation_states(energy, np.zeros((3, 11)), states=(3, 3))
    with pytest.raises(DataError, match=r"all oxidation states are equal \(2\)"):
        chemical_shift_fit([1.0, 2.0, 3.0, 4.0], [2, 2, 2, 2])
    with pytest.raises(DataError, match="edge and distance must have the same length"):
        chemical_shift_fit([1.0, 2.0, 3.0, 4.0], [2, 3, 2, 3], [2.0, 2.1, 2.2, 2.3, 2.4])


def test_classifier_accuracy_matches_the_two_gaussian_closed_form(rng):
    from scipy.stats import norm

    from formulae.oxidation import classify_oxidation_states

    size, sigma, shift = 600, 1.0, 2.0
    states = rng.integers(2, 4, size)
    columns = {"EdgeE": 7112.0 + rng.normal(0.0, sigma, size) + shift * (states - 2),
               "noise": rng.normal(size=size)}
    formula = classify_oxidation_states(columns, states, features=["EdgeE"], max_terms=1,
                                        basis="linear")
    # Two equal Gaussians shift apart, threshold half-way: accuracy Phi(shift / (2 sigma)).
    expected = norm.cdf(shift / (2 * sigma))          # 0.841
    assert formula.cv_score == pytest.approx(expected, abs=0.045)   # 3 binomial sd at n = 600
    assert [str(t) for t in formula.terms] == ["EdgeE"]
    with pytest.raises(DataError, match="no column 'MaxE'; columns are: EdgeE, noise"):
        classify_oxidation_states(columns, states, features=["MaxE"])


def test_chemical_shift_fit_refuses_a_constant_edge_naming_the_column():
    states = np.array([2, 3, 2, 3, 2, 3])
    with pytest.raises(DataError, match="all edge energies are equal") as info:
        chemical_shift_fit(np.full(6, 7120.0), states)
    assert info.value.column == "edge"


@pytest.mark.parametrize("distance, words", [
    (np.full(6, 2.0), "all distances are equal"),
    (1.9 + 0.1 * np.array([2, 3, 2, 3, 2, 3]), "linear function of the oxidation state"),
])
def test_chemical_shift_fit_refuses_an_unusable_distance_naming_the_column(distance, words):
    states = np.array([2, 3, 2, 3, 2, 3])
    edge = 7110.0 + 3.5 * states + np.array([0.1, -0.2, 0.05, 0.0, -0.1, 0.2])
    with pytest.raises(DataError, match=words) as info:
        chemical_shift_fit(edge, states, distance)
    assert info.value.column == "distance"
