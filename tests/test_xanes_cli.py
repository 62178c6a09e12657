"""`formulae xanes descriptors` and `formulae xanes plot`."""

import numpy as np
import pytest

from formulae import cli
from formulae.io import Sample, Table, read_sample, read_table, write_sample
from formulae.xanes import DESCRIPTOR_COLUMNS, descriptor_table, descriptors


def test_files_give_one_row_each(shared_data, tmp_path):
    folder = shared_data / "xanes" / "fesio4" / "experiments"
    files = [str(folder / "FeO.dat"), str(folder / "Fe_2516.nor")]
    out = tmp_path / "d.csv"
    assert cli.main(["xanes", "descriptors", *files, "--range", "7100", "7200",
                     "--csv", str(out)]) == 0
    table = read_table(out)
    assert table.columns == ("file", *DESCRIPTOR_COLUMNS)
    assert list(table.column("file")) == files
    from formulae.io import read_spectrum
    sp = read_spectrum(files[1])
    expected = descriptors(sp.energy, sp.mu, energy_range=(7100.0, 7200.0))
    assert table.column("EdgeE")[1] == expected.edge_energy  # repr-exact CSV


def test_sample_keeps_labels_and_order(shared_data, tmp_path):
    full = read_sample(shared_data / "xanes" / "fesio4" / "sampleWithDescriptors")
    rows = [7, 3, 2000]
    small = Sample(params=Table.from_columns({"CN": full.params.column("CN")[rows],
                                              "name": full.params.column("name")[rows]}),
                   energy=full.energy, spectra=full.spectra[rows])
    write_sample(tmp_path / "s", small)
    out = tmp_path / "s.csv"
    assert cli.main(["xanes", "descriptors", "--sample", str(tmp_path / "s"), "--stderr",
                     "--csv", str(out)]) == 0
    table = read_table(out)
    assert table.columns[:3] == ("CN", "name", "EdgeE")
    assert "EdgeE_stderr" in table.columns
    assert list(table.column("name")) == list(full.params.column("name")[rows])
    expected = descriptor_table(full.energy, full.spectra[rows])
    np.testing.assert_array_equal(table.column("MaxE"), expected["MaxE"])


def test_cli_errors(tmp_path, capsys):
    assert cli.main(["xanes", "descriptors", "--csv", str(tmp_path / "x.csv")]) == 2
    assert "either FILE arguments or --sample DIR" in capsys.readouterr().err
    bad = tmp_path / "header_only.dat"
    bad.write_text("energy mu\n")
    assert cli.main(["xanes", "descriptors", str(bad), "--csv", str(tmp_path / "x.csv")]) == 2
    assert "header_only.dat has a header line but no data lines" in capsys.readouterr().err
    flat = tmp_path / "flat.dat"
    energy = np.linspace(7100, 7200, 50)
    flat.write_text("".join(f"{e} {0.5 - np.arctan((e - 7150) / 2) / np.pi}\n" for e in energy))
    assert cli.main(["xanes", "descriptors", str(flat), "--csv", str(tmp_path / "x.csv")]) == 2
    assert "flat.dat: no edge in range" in capsys.readouterr().err


def test_plot_writes_a_png(shared_data, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "f.png"
    path = shared_data / "xanes" / "fesio4" / "experiments" / "Fe2O3_alpha.dat"
    assert cli.main(["xanes", "plot", str(path), "--range", "7100", "7200",
                     "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_png_is_deterministic(shared_data, tmp_path):
    pytest.importorskip("matplotlib")
    path = shared_data / "xanes" / "fesio4" / "experiments" / "FeO.dat"
    pngs = [tmp_path / "a.png", tmp_path / "b.png"]
    for out in pngs:
        assert cli.main(["xanes", "plot", str(path), "--out", str(out)]) == 0
    first = pngs[0].read_bytes()
    assert b"Software" not in first and b"Matplotlib" not in first    # plots._save metadata
    assert first == pngs[1].read_bytes()


def test_missing_action_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["xanes"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: formulae xanes") and "required: ACTION" in err


def test_n_jobs_help_says_it_applies_to_sample():
    parser = cli.build_parser()
    xanes = parser._subparsers._group_actions[0].choices["xanes"]
    desc = xanes._subparsers._group_actions[0].choices["descriptors"]
    help_text = " ".join(desc.format_help().split())
    assert "--n-jobs N_JOBS threads for --sample (default 1); FILE arguments are read and " \
           "described one after the other" in help_text
