"""Readers and writers of formulae.io, checked against hand-parsed values of the same files."""

import json

import numpy as np
import pytest

from formulae.errors import DataError
from formulae.io import (Sample, Table, read_columns, read_fdmnes, read_sample, read_spectrum,
                         read_table, read_xdi, write_sample, write_table)


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- tables
@pytest.mark.parametrize("sep", [",", "\t", ";", "  "])
def test_read_table_delimiters_comments_and_types(tmp_path, sep):
    text = f"# a comment\n{sep.join(['a', 'b', 'name'])}\n" \
           f"{sep.join(['1', '2.5e-3', 'x'])}\n# another\n\n{sep.join(['-4', '7', 'y z' if sep != '  ' else 'yz'])}\n"
    table = read_table(_write(tmp_path / "t.csv", text))
    assert table.columns == ("a", "b", "name")
    assert table.n_rows == 2 and len(table) == 2
    np.testing.assert_array_equal(table.column("a"), [1.0, -4.0])
    np.testing.assert_array_equal(table.column("b"), [0.0025, 7.0])
    assert table.column("name").dtype == object
    assert not table.is_numeric("name")
    np.testing.assert_array_equal(table.numeric(["b", "a"]), [[0.0025, 1.0], [7.0, -4.0]])
    np.testing.assert_array_equal(table.numeric("b"), [[0.0025], [7.0]])  # a name, not letters


def test_empty_numeric_cells_are_nan_and_numeric_names_first_bad_cell(tmp_path):
    path = _write(tmp_path / "t.csv", "CN\tMaxE\n5\t7136.1\n\t7130.0\n6\tnan\n")
    table = read_table(path)
    assert np.isnan(table.column("CN")[1])
    with pytest.raises(DataError, match=r"t\.csv, column 'CN', row 1: nan; expected a finite"):
        table.numeric()
    with pytest.raises(DataError, match=r"column 'MaxE', row 2: nan") as info:
        table.numeric(["MaxE"])
    assert info.value.column == "MaxE" and info.value.row == 2


def test_missing_and_non_numeric_columns_are_named(tmp_path):
    table = read_table(_write(tmp_path / "t.csv", "a,b\n1,x\n"))
    with pytest.raises(DataError, match=r"t\.csv has no column 'X'; columns are: a, b"):
        table.column("X")
    with pytest.raises(DataError, match=r"column 'b' is not numeric \(e\.g\. 'x'\)"):
        table.numeric()


def test_bad_tables(tmp_path):
    with pytest.raises(DataError, match=r"h\.csv has a header row but no data rows"):
        read_table(_write(tmp_path / "h.csv", "# only\na,b\n"))
    with pytest.raises(DataError, match=r"d\.csv, line 1: duplicate column name 'a'"):
        read_table(_write(tmp_path / "d.csv", "a,b,a\n1,2,3\n"))
    with pytest.raises(DataError, match=r"r\.csv, line 4: 1 cells; the header has 2 columns"):
        read_table(_write(tmp_path / "r.csv", "a,b\n1,2\n\n3\n"))
    with pytest.raises(DataError, match=r"e\.csv is empty"):
        read_table(_write(tmp_path / "e.csv", "# nothing\n"))
    with pytest.raises(DataError, match=r"no such file"):
        read_table(tmp_path / "missing.csv")


def test_write_table_round_trips_floats_exactly(tmp_path, rng):
    values = rng.standard_normal(50) * 10.0 ** rng.integers(-12, 12, 50)
    path = tmp_path / "out.csv"
    write_table(path, {"x": values, "label": [f"s,{i}" for i in range(50)],
                       "n": np.arange(50)})
    table = read_table(path)
    assert table.columns == ("x", "label", "n")
    np.testing.assert_array_equal(table.column("x"), values)  # bit for bit
    assert table.column("label")[3] == "s,3"  # quoted comma survives
    np.testing.assert_array_equal(table.column("n"), np.arange(50.0))


def test_write_table_rejects_ragged_columns(tmp_path):
    with pytest.raises(DataError, match=r"column 'b' has 2 rows; the first column has 3"):
        write_table(tmp_path / "t.csv", {"a": [1, 2, 3], "b": [1, 2]})


# ---------------------------------------------------------------- PyFitIt sample
def test_read_shared_sample_matches_the_text(shared_data):
    folder = shared_data / "xanes" / "fesio4" / "sampleWithDescriptors"
    sample = read_sample(folder)
    assert sample.spectra.shape == (2510, 199) and sample.n_spectra == 2510
    first = (folder / "spectra.csv").read_text().splitlines()[0].split("\t")
    assert sample.energy[0] == float(first[0]) == 7100.133
    assert sample.spectra[0, 0] == float(first[1])
    assert sample.spectra[2509, 0] == float(first[2510])
    header = (folder / "params.csv").read_text().splitlines()[0].split("\t")
    assert sample.params.columns == tuple(header)
    assert sample.params.column("name")[0] == "cn5_0"
    assert np.isnan(sample.params.column("CN")[-1])  # experimental rows have empty labels
    assert sample.meta == {"defaultSpType": "default"}


def test_sample_round_trip(tmp_path, rng):
    params = Table.from_columns({"CN": [4.0, 6.0, 5.0], "name": ["a", "b", "c"]})
    energy = np.cumsum(rng.uniform(0.1, 2.0, 30)) + 7100.0
    sample = Sample(params=params, energy=energy, spectra=rng.random((3, 30)),
                    meta={"source": "test"})
    write_sample(tmp_path / "s", sample)
    back = read_sample(tmp_path / "s")
    np.testing.assert_array_equal(back.energy, energy)
    np.testing.assert_array_equal(back.spectra, sample.spectra)
    assert list(back.params.column("name")) == ["a", "b", "c"]
    assert back.meta == {"source": "test"}
    assert json.loads((tmp_path / "s" / "meta.json").read_text()) == {"source": "test"}


def test_sample_mismatch_and_bad_cells(tmp_path):
    params = Table.from_columns({"CN": [4.0, 6.0]})
    with pytest.raises(DataError, match=r"1 spectra but 2 rows of parameters"):
        Sample(params=params, energy=[1.0, 2.0, 3.0], spectra=np.ones((1, 3)))
    folder = tmp_path / "bad"
    folder.mkdir()
    _write(folder / "params.csv", "CN\n4\n")
    _write(folder / "spectra.csv", "7100\t0.1\n7101\tx\n")
    with pytest.raises(DataError, match=r"spectra\.csv, line 2, column 2: 'x' is not a number"):
        read_sample(folder)
    _write(folder / "spectra.csv", "7100\t0.1\n7099\t0.2\n")
    with pytest.raises(DataError, match=r"energy\[1\] = 7099\.0 follows energy\[0\] = 7100\.0"):
        read_sample(folder)
    with pytest.raises(DataError, match=r"has no params\.csv"):
        read_sample(tmp_path)


def test_read_sample_checks_energy_and_rows_once(tmp_path, monkeypatch):
    import formulae.io as io_module

    folder = tmp_path / "two_rows"
    folder.mkdir()
    _write(folder / "params.csv", "CN\n4\n6\n")
    _write(folder / "spectra.csv", "7100\t0.1\n7101\t0.2\n")
    with pytest.raises(DataError, match=r"two_rows: 1 spectra but 2 rows of parameters") as info:
        read_sample(folder)
    assert info.value.path == str(folder)
    _write(folder / "spectra.csv", "7100\t0.1\t0.3\n7101\t0.2\t0.4\n")
    calls = []
    original = io_module.check_increasing
    monkeypatch.setattr(io_module, "check_increasing",
                        lambda *args, **kwargs: calls.append(kwargs) or original(*args, **kwargs))
    assert read_sample(folder).n_spectra == 2
    assert calls == [{"where": str(folder)}]


# ---------------------------------------------------------------- single spectra
def test_decimal_commas_on_the_measured_file(shared_data):
    path = shared_data / "xanes" / "fesio4" / "experiments" / "FeO.dat"
    spectrum = read_spectrum(path)
    assert spectrum.format == "columns" and spectrum.meta["decimal_comma"]
    lines = path.read_text().split("\n")
    assert spectrum.energy.size == len([ln for ln in lines if ln.strip()])
    e, m = lines[0].replace(",", ".").split()
    assert (spectrum.energy[0], spectrum.mu[0]) == (float(e), float(m)) == (6862.267, -0.0012602885)
    sci = read_spectrum(shared_data / "xanes" / "fesio4" / "experiments" / "Fe2SiO4.dat")
    assert sci.mu[2] == -4.24292332736109e-4  # "-4,24292332736109E-4"


@pytest.mark.parametrize("text, expected", [
    ("# E mu\n7100.5,0.25\n7101.0,0.5\n7102,1\n", [0.25, 0.5, 1.0]),
    ("energy\tmu\n7100,5\t0,25\n7101,0\t0,5\n7102\t1\n", [0.25, 0.5, 1.0]),
    ("7100,5; 0,25\n7101,0; 0,5\n7102; 1\n", [0.25, 0.5, 1.0]),
    ("! c\n7100.5 0.25\n7101.0 0.5\n7102 1\n", [0.25, 0.5, 1.0]),
])
def test_two_column_separators(tmp_path, text, expected):
    spectrum = read_columns(_write(tmp_path / "s.dat", text))
    np.testing.assert_array_equal(spectrum.energy, [7100.5, 7101.0, 7102.0])
    np.testing.assert_array_equal(spectrum.mu, expected)


def test_two_column_errors_name_the_line(tmp_path):
    with pytest.raises(DataError, match=r"m\.dat, line 3: mixed decimal separators"):
        read_columns(_write(tmp_path / "m.dat", "7100,5 0,25\n7101,0 0,5\n7102.0 1.0\n"))
    with pytest.raises(DataError, match=r"m2\.dat, line 2: mixed decimal separators"):
        read_columns(_write(tmp_path / "m2.dat", "7100.5 0.25\n7101,0 0,5\n"))
    with pytest.raises(DataError, match=r"h\.dat has a header line but no data lines"):
        read_columns(_write(tmp_path / "h.dat", "energy mu\n"))
    with pytest.raises(DataError, match=r"n\.dat, line 2: 'abc' is not a number"):
        read_columns(_write(tmp_path / "n.dat", "1 2\nabc 3\n"))
    with pytest.raises(DataError, match=r"i\.dat: energy must be strictly increasing; "
                                        r"energy\[2\] = 1\.5 follows energy\[1\] = 2\.0"):
        read_columns(_write(tmp_path / "i.dat", "1 2\n2 3\n1.5 4\n"))
    with pytest.raises(DataError, match=r"w\.dat, line 2: 3 columns; the first data line has 2"):
        read_columns(_write(tmp_path / "w.dat", "1 2\n2 3 4\n"))


def test_xdi_from_athena(shared_data):
    path = shared_data / "xanes" / "fesio4" / "experiments" / "Fe_2516.nor"
    spectrum = read_xdi(path)
    assert spectrum.meta["Athena.e0"] == "7120.140"
    assert spectrum.meta["Element.symbol"] == "Fe"
    assert list(spectrum.columns) == ["energy", "norm", "nbkg", "flat", "fbkg", "nder", "nsec"]
    first = next(ln for ln in path.read_text().splitlines() if not ln.startswith("#")).split()
    assert spectrum.energy[0] == float(first[0]) == 6860.3
    assert spectrum.mu[0] == float(first[1])  # the 'norm' column
    assert read_spectrum(path).format == "xdi"


def test_xdi_errors(tmp_path):
    with pytest.raises(DataError, match=r"x\.nor, line 1: not an XDI file"):
        read_xdi(_write(tmp_path / "x.nor", "1 2\n"))
    with pytest.raises(DataError, match=r"y\.nor has a header but no data lines"):
        read_xdi(_write(tmp_path / "y.nor", "# XDI/1.0\n# Column.1: energy eV\n# ///\n"))


FDMNES_TXT = """  7112.00000  26  1  1  1  1  -5.12 = E_edge, Z, n_edge, j_initl, ninitl, ninitlv, Epsii
    Energy    <xanes>
   -5.00000  1.0E-03
   -4.90000  2.5E-03
   -4.80000  4.0E-03
"""
FDMNES_CONV = """    Energy    <xanes>
  7107.0000  0.0123
  7107.5000  0.0150
"""


def test_fdmnes_outputs(tmp_path):
    raw = read_spectrum(_write(tmp_path / "out.txt", FDMNES_TXT))
    assert raw.format == "fdmnes"
    assert raw.meta["E_edge"] == 7112.0 and raw.meta["Z"] == 26.0 and raw.meta["Epsii"] == -5.12
    np.testing.assert_array_equal(raw.energy, [-5.0, -4.9, -4.8])
    np.testing.assert_array_equal(raw.mu, [1.0e-3, 2.5e-3, 4.0e-3])
    conv = read_fdmnes(_write(tmp_path / "out_conv.txt", FDMNES_CONV))
    np.testing.assert_array_equal(conv.mu, [0.0123, 0.0150])
    assert list(conv.columns) == ["Energy", "<xanes>"]
    with pytest.raises(DataError, match=r"c\.txt has a header line but no data lines"):
        read_fdmnes(_write(tmp_path / "c.txt", "  Energy  <xanes>\n"))
    with pytest.raises(DataError, match=r"no FDMNES header line starting with 'Energy'"):
        read_fdmnes(_write(tmp_path / "d.txt", "1 2\n3 4\n"))


@pytest.mark.parametrize("cut", [2, 3, 4, 5, 8])
def test_fdmnes_output_cut_at_the_end_is_refused(tmp_path, cut):
    """feo4_conv.txt cut by 2 or 5 characters once read as mu[-1] = 3.857 (100x too large)."""
    from pathlib import Path

    text = (Path(__file__).parent / "reference" / "fdmnes" / "feo4_conv.txt").read_text()
    assert read_spectrum(_write(tmp_path / "whole_conv.txt", text)).mu[-1] == 3.8570818e-02
    path = _write(tmp_path / "cut_conv.txt", text[:-cut])
    with pytest.raises(DataError, match=r"cut_conv\.txt, line 42: .*truncated FDMNES output"):
        read_spectrum(path)
    lines = text.splitlines(keepends=True)  # the mu cell lost entirely
    path = _write(tmp_path / "short_conv.txt", "".join(lines[:-1]) + "   30.0000  \n")
    with pytest.raises(DataError, match=r"line 42: 1 columns, the first data line has 2; "
                                        "truncated FDMNES output"):
        read_spectrum(path)


def test_read_spectrum_reads_once_and_passes_options(tmp_path, monkeypatch):
    import formulae.io as io_module
    from formulae.errors import InvalidParameterError

    path = _write(tmp_path / "three.txt", "# e mu ref\n7100 0.1 5\n7101 0.2 6\n")
    calls = []
    original = io_module._read_lines
    monkeypatch.setattr(io_module, "_read_lines", lambda p: calls.append(p) or original(p))
    chosen = read_spectrum(path, mu_column=2)
    assert calls == [str(path)]                          # one read, shared with the parser
    np.testing.assert_array_equal(chosen.mu, [5.0, 6.0])
    direct = read_columns(path, mu_column=2)
    np.testing.assert_array_equal(direct.mu, chosen.mu)
    fdmnes = read_spectrum(_write(tmp_path / "out.txt", FDMNES_TXT))
    assert fdmnes.format == "fdmnes" and len(calls) == 3     # read_columns above read once
    with pytest.raises(InvalidParameterError, match="chose read_columns for .*three.txt"):
        read_spectrum(path, energy_unit="keV")
