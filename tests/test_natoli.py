"""Natoli's rule: planted families with known exponent and constant."""

import numpy as np
import pytest
from scipy import stats

from formulae.errors import DataError, InvalidParameterError
from formulae.natoli import natoli_by_group, natoli_fit

EDGE = 7112.0


def family(rng, n=2.0, c=90.0, size=40, noise=0.005):
    """Structures with R in 1.85-2.30 Å and (E_r - E_0) = c R^-n, times (1 + noise)."""
    r = rng.uniform(1.85, 2.30, size)
    edge = EDGE + rng.normal(0.0, 0.3, size)
    delta = c * r ** (-n) * (1.0 + noise * rng.standard_normal(size))
    return edge + delta, edge, r


@pytest.mark.parametrize("method", ["loglog", "nonlinear"])
def test_planted_inverse_square_family_holds(rng, method):
    energy, edge, r = family(rng)
    fit = natoli_fit(energy, edge, r, method=method)
    assert fit.n_ci[0] < 2.0 < fit.n_ci[1]
    assert fit.C == pytest.approx(90.0, rel=0.01)
    assert fit.C_ci[0] < 90.0 < fit.C_ci[1]
    assert fit.C_spread == pytest.approx(0.005, rel=0.3)     # the planted noise level
    assert fit.verdict == "holds"
    assert fit.holds


def test_exponent_one_and_a_half_does_not_hold(rng):
    energy, edge, r = family(rng, n=1.5, c=60.0)
    fit = natoli_fit(energy, edge, r)
    assert fit.n == pytest.approx(1.5, abs=3 * fit.n_stderr)
    assert fit.verdict == "does not hold"
    assert not fit.holds
    # The products (E_r - E_0) R^2 then grow with R: their spread is far above the noise.
    assert fit.C_spread > 0.03


def test_loglog_fit_matches_scipy_linregress(rng):
    energy, edge, r = family(rng, n=1.8, noise=0.02)
    fit = natoli_fit(energy, edge, r, confidence=0.9)
    line = stats.linregress(np.log(r), np.log(energy - edge))
    assert fit.n == pytest.approx(-line.slope, rel=1e-12)
    assert fit.n_stderr == pytest.approx(line.stderr, rel=1e-10)
    assert fit.prefactor == pytest.approx(np.exp(line.intercept), rel=1e-12)
    assert fit.r2_loglog == pytest.approx(line.rvalue ** 2, rel=1e-12)
    t = stats.t.ppf(0.95, r.size - 2)
    assert fit.n_ci[1] - fit.n == pytest.approx(t * line.stderr, rel=1e-10)


def test_confidence_interval_covers_the_planted_exponent_at_its_level():
    covered = 0
    for seed in range(200):
        energy, edge, r = family(np.random.default_rng(seed), n=2.0, size=15, noise=0.02)
        low, high = natoli_fit(energy, edge, r).n_ci
        covered += low < 2.0 < high
    # 95 % nominal; 200 trials -> binomial sd 1.5 %: accept 89-99 %.
    assert 178 <= covered <= 198


def test_wide_interval_is_inconclusive(rng):
    energy, edge, r = family(rng, size=6, noise=0.05)
    fit = natoli_fit(energy, edge, r, tolerance=0.05)
    assert fit.n_ci[1] - fit.n_ci[0] > 0.1
    assert fit.verdict == "inconclusive"


def test_summary_mentions_numbers_and_verdict(rng):
    fit = natoli_fit(*family(rng))
    text = fit.summary()
    assert f"n = {fit.n:.3f}" in text and "Verdict" in text and "holds" in text


def test_by_group_splits_families(rng):
    parts = [family(rng, n=2.0, c=90.0), family(rng, n=1.5, c=60.0)]
    columns = {
        "MaxE": np.concatenate([p[0] for p in parts]),
        "EdgeE": np.concatenate([p[1] for p in parts]),
        "Dist": np.concatenate([p[2] for p in parts]),
        "CN": np.repeat([6.0, 4.0], 40),
    }
    fits = natoli_by_group(columns, distance="Dist", group="CN")
    assert list(fits) == [4.0, 6.0]
    assert fits[6.0].verdict == "holds" and fits[4.0].verdict == "does not hold"
    single = natoli_by_group(columns, distance="Dist")
    assert list(single) == [None]


def test_errors_name_the_culprit(rng):
    energy, edge, r = family(rng, size=5)
    with pytest.raises(DataError, match=r"structure 2: E_r - E_0 = .* is not positive"):
        natoli_fit(np.where(np.arange(5) == 2, edge - 1.0, energy), edge, r)
    with pytest.raises(DataError, match=r"distance\[1\] = -2.0"):
        natoli_fit(energy, edge, np.array([2.0, -2.0, 2.1, 2.2, 2.3]))
    with pytest.raises(DataError, match="same length"):
        natoli_fit(energy, edge, r[:4])
    with pytest.raises(DataError, match="at least 3"):
        natoli_fit(energy[:2], edge[:2], r[:2])
    with pytest.raises(DataError, match="all distances are equal"):
        natoli_fit(energy, edge, np.full(5, 2.0))
    with pytest.raises(InvalidParameterError, match="'method' parameter of natoli_fit"):
        natoli_fit(energy, edge, r, method="lsq")
    with pytest.raises(InvalidParameterError, match="'confidence' parameter"):
        natoli_fit(energy, edge, r, confidence=1.0)
    with pytest.raises(DataError, match="no column 'MinE'; columns are: MaxE, EdgeE"):
        natoli_by_group({"MaxE": energy, "EdgeE": edge}, energy="MinE")
    columns = {"MaxE": energy, "EdgeE": edge, "avgDist": r, "CN": np.array([4, 4, 4, 6, 6])}
    with pytest.raises(DataError, match="family CN = 6: .*at least 3"):
        natoli_by_group(columns, group="CN")


def test_natoli_command(rng, tmp_path, capsys):
    from formulae import cli
    from formulae.io import write_table

    parts = [family(rng, n=2.0, c=90.0), family(rng, n=1.5, c=60.0)]
    dist = np.concatenate([p[2] for p in parts])
    dist[5] = np.nan                                   # one row without a distance
    path = tmp_path / "descriptors.csv"
    write_table(path, {"MaxE": np.concatenate([p[0] for p in parts]),
                       "EdgeE": np.concatenate([p[1] for p in parts]),
                       "Dist": dist, "CN": np.repeat([6.0, 4.0], 40)})
    args = ["natoli", str(path), "--distance", "Dist", "--group", "CN"]
    assert cli.main(args) == 2
    assert "column 'Dist', row 5: nan" in capsys.readouterr().err
    assert cli.main(args + ["--skip-missing", "--plot", str(tmp_path / "n.png")]) == 0
    out = capsys.readouterr().out
    assert "skipped 1 of 80 rows" in out
    assert "CN = 4: " in out and "CN = 6: " in out
    lines = out.splitlines()
    assert "does not hold" in lines[lines.index(next(l for l in lines if l.startswith("CN = 4"))) + 1]
    assert "on 39 structures" in out and "Verdict (tolerance |n - 2| <= 0.2): holds" in out
    assert (tmp_path / "n.png").is_file()
    assert cli.main(args + ["--skip-missing", "--fit-edge"]) == 0
    out = capsys.readouterr().out
    assert "E_0 = fitted" in out and "E_0 fitted = " in out
    assert cli.main(["natoli", str(path), "--energy", "MinE"]) == 2
    assert "has no column 'MinE'" in capsys.readouterr().err


def test_fitted_reference_energy_recovers_a_planted_offset(rng):
    r = rng.uniform(1.85, 2.30, 40)
    energy = 7114.0 + 90.0 / r ** 2 + rng.normal(0.0, 0.05, 40)
    fit = natoli_fit(energy, None, r)
    # Independent route: numpy's least squares on [1, R^-2].
    coef = np.linalg.lstsq(np.column_stack([np.ones(40), r ** -2.0]), energy, rcond=None)[0]
    assert fit.reference_energy == pytest.approx(coef[0], rel=1e-12)
    assert fit.C == pytest.approx(coef[1], rel=1e-10)
    assert abs(fit.reference_energy - 7114.0) < 3 * fit.reference_stderr
    assert fit.C == pytest.approx(90.0, rel=0.01)
    assert fit.n_ci[0] < 2.0 < fit.n_ci[1]
    assert "E_0 fitted = 7114" in fit.summary()
    # A family with n = 1.5 and a free offset is told apart.
    other = 7114.0 + 60.0 / r ** 1.5 + rng.normal(0.0, 0.02, 40)
    assert natoli_fit(other, None, r).verdict == "does not hold"
    with pytest.raises(DataError, match="needs at least 4"):
        natoli_fit(energy[:3], None, r[:3])
