"""`formulae demo`: golden tables, the committed tables/ folder, planted relations, --data."""

import sys
from pathlib import Path

import numpy as np
import pytest

from formulae import cli
from formulae.demo import run_demo, synthetic_table

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "reference" / "demo"
TABLES = ("demo.tex", "demo.md")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One run of `formulae demo --out TMP` (default data, figures off to save time)."""
    out = tmp_path_factory.mktemp("demo")
    code = cli.main(["demo", "--out", str(out), "--quiet", "--no-plots"])
    return code, out


def test_demo_exits_0_and_writes_the_tables(demo_run, capsys):
    code, out = demo_run
    assert code == 0
    for name in TABLES:
        assert (out / name).stat().st_size > 0


@pytest.mark.parametrize("name", TABLES)
def test_demo_tables_match_the_golden_files(demo_run, name):
    _, out = demo_run
    assert (out / name).read_bytes() == (GOLDEN / name).read_bytes(), (
        f"{name} differs from tests/reference/demo/{name}; if the change is intended, run "
        "python tests/reference/demo/regenerate.py")


@pytest.mark.parametrize("name", TABLES)
def test_committed_tables_folder_is_current(demo_run, name):
    _, out = demo_run
    assert (out / name).read_bytes() == (ROOT / "tables" / name).read_bytes(), (
        f"tables/{name} is out of date: run `formulae demo` in the repository root")


def test_synthetic_table_obeys_its_planted_natoli_rule():
    table = synthetic_table(random_state=5)
    again = synthetic_table(random_state=5)
    assert all(np.array_equal(table[k], again[k]) for k in table)
    sweep = table["family"] == "natoli"
    assert sweep.sum() == 40 and np.all(table["stdDist"][sweep] == 0)
    product = (table["MaxE"] - table["EdgeE"])[sweep] * table["avgDist"][sweep] ** 2
    # 90 eV Å² planted; noise 0.5 eV on ~20 eV -> the mean of 40 is within ~0.3 eV Å².
    assert product.mean() == pytest.approx(90.0, abs=1.0)


def test_demo_on_the_synthetic_table_finds_what_was_planted(tmp_path):
    result = run_demo(tmp_path, synthetic=True, plots=False, progress=None)
    fit = result.natoli["Natoli sweep, MaxE"]
    assert fit.verdict == "holds"
    assert fit.C_ci[0] < 90.0 < fit.C_ci[1]
    rows = {r.target: r for r in result.rows}
    # MinE = EdgeE + 140/R^2 with EdgeE falling with R: the distance is the dominant term.
    assert "avgDist" in {s.name for s in rows["MinE"].simplified.expr_standardized.free_symbols}
    assert rows["avgDist"].simplified.cv_score > 0.9
    assert "Natoli sweep, MaxE: n = " in result.summary
    assert sorted(Path(f).name for f in result.files) == ["demo.md", "demo.tex"]


def test_demo_without_matplotlib_says_so(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = run_demo(tmp_path, synthetic=True, progress=None)
    assert any("matplotlib is not installed" in note for note in result.notes)
    assert not list(tmp_path.glob("*.png"))


def test_demo_on_a_sample_folder(shared_data, tmp_path, capsys):
    from formulae.io import Sample, Table, read_sample, write_sample

    sample = read_sample(shared_data / "xanes" / "fesio4" / "sampleWithDescriptors")
    rows = np.random.default_rng(1).choice(2500, size=200, replace=False)
    rows = np.r_[np.sort(rows), 2505]  # one measured spectrum, without labels
    params = Table.from_columns({c: sample.params.column(c)[rows] for c in sample.params.columns})
    small = Sample(params=params, energy=sample.energy, spectra=sample.spectra[rows], meta={})
    write_sample(tmp_path / "small", small)
    code = cli.main(["demo", "--data", str(tmp_path / "small"), "--out", str(tmp_path / "out"),
                     "--quiet", "--no-plots"])
    out = capsys.readouterr().out
    assert code == 0
    assert "sample small, 200 spectra" in out
    assert "1 of 201 spectra have no structure label" in out
    assert "CN = " in out and (tmp_path / "out" / "demo.md").is_file()


def test_demo_with_a_missing_folder_exits_2(tmp_path, capsys):
    code = cli.main(["demo", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path)])
    assert code == 2
    assert "nowhere" in capsys.readouterr().err


def test_demo_on_a_sample_without_distances_skips_natoli_with_a_note(tmp_path, capsys):
    from formulae.fdmnes import load_default_dataset
    from formulae.io import Sample, Table, write_sample

    sample = load_default_dataset()
    rows = np.flatnonzero(np.isfinite(sample.params.column("CN")))[:80]
    params = Table.from_columns({c: sample.params.column(c)[rows]
                                 for c in ("CN", "stdDist", "family")})
    write_sample(tmp_path / "nodist", Sample(params=params, energy=sample.energy,
                                             spectra=sample.spectra[rows], meta={}))
    code = cli.main(["demo", "--data", str(tmp_path / "nodist"), "--out", str(tmp_path / "out"),
                     "--quiet", "--no-plots", "--max-terms", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Note: Natoli's rule not checked: the data have no avgDist column" in out
    assert (tmp_path / "out" / "demo.md").is_file()
