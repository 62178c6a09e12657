"""Readers and writers for tables and spectra.

Every reader names the file (and the line, where there is one) in the :class:`DataError` it
raises, and never modifies or repairs the data silently.

=====================  ==========================================================================
name                   what it does
=====================  ==========================================================================
Table                  named columns read from a text table (float64 or str columns)
read_table             CSV / TSV / whitespace table with a header row; ``#`` comments skipped
write_table            CSV with a header row and repr-exact floats
Sample                 PyFitIt sample: params table + common energy grid + spectra
read_sample            PyFitIt layout: params.csv (tab) + spectra.csv (energy first) + meta.json
write_sample           the same layout, written back (floats repr-exact)
Spectrum               one measured or computed spectrum: energy, mu, metadata
read_spectrum          guess the format (XDI, FDMNES, two-column text) and read it
read_columns           two-column (or more) text: whitespace, comma, semicolon or tab separated,
                       decimal commas detected, comment lines skipped
read_xdi               XDI files (Athena / Larch exports), header metadata kept
read_fdmnes            FDMNES ``*.txt`` and ``*_conv.txt`` output with its header line(s)
=====================  ==========================================================================
"""

from __future__ import annotations

import csv
import inspect
import io as _io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._validation import check_finite_table, check_increasing
from .errors import DataError, InvalidParameterError

__all__ = [
    "Table",
    "read_table",
    "write_table",
    "Sample",
    "read_sample",
    "write_sample",
    "Spectrum",
    "read_spectrum",
    "read_columns",
    "read_xdi",
    "read_fdmnes",
]

_COMMENT_CHARS = ("#", "!", "%", ";")


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Table:
    """Named columns of a text table.

    Parameters
    ----------
    path : str or None
        File the table was read from (used in error messages), or ``None``.
    columns : tuple of str
        Column names, in file order.
    data : dict of str to ndarray
        One 1-D array per column: float64 for numeric columns (empty cells are NaN), an object
        array of str otherwise.
    """

    path: str | None
    columns: tuple[str, ...]
    data: dict = field(repr=False)

    @classmethod
    def from_columns(cls, columns: Mapping[str, object], *, path=None) -> "Table":
        """Build a table from a mapping of column name to 1-D array-like (all the same length).

        Numeric columns become float64; anything else becomes an object array of str.

        Parameters
        ----------
        columns : mapping of str to array-like of shape (n_rows,)
            Columns in order.
        path : str or path-like, optional
            Origin, used in error messages.

        Returns
        -------
        Table

        Raises
        ------
        DataError
            If the columns have different lengths or a column is not 1-D.
        """
        names = tuple(str(name) for name in columns)
        data = {}
        n_rows = None
        for name, values in zip(names, columns.values()):
            array = np.asarray(values)
            if array.ndim != 1:
                raise DataError(f"column '{name}' must be one-dimensional; got shape "
                                f"{array.shape}.", path=path, column=name)
            if array.dtype.kind in "biuf":
                array = array.astype(float)
            else:
                array = np.array([str(v) for v in array], dtype=object)
            if n_rows is None:
                n_rows = array.size
            elif array.size != n_rows:
                raise DataError(f"column '{name}' has {array.size} rows; the first column has "
                                f"{n_rows}.", path=path, column=name)
            data[name] = array
        return cls(path=None if path is None else str(path), columns=names, data=data)

    @property
    def n_rows(self) -> int:
        """Number of data rows."""
        return 0 if not self.columns else int(self.data[self.columns[0]].size)

    def __len__(self) -> int:
        return self.n_rows

    def _where(self) -> str:
        return self.path if self.path else "table"

    def column(self, name: str) -> np.ndarray:
        """Return the column ``name`` (float64 or object array of str).

        Parameters
        ----------
        name : str
            Column name (exact).

        Returns
        -------
        ndarray of shape (n_rows,)
            The stored array itself (not a copy).

        Raises
        ------
        DataError
            ``"t.csv has no column 'X'; columns are: a, b"``.
        """
        if name not in self.data:
            raise DataError(f"{self._where()} has no column '{name}'; columns are: "
                            f"{', '.join(self.columns)}", path=self.path, column=name)
        return self.data[name]

    def is_numeric(self, name: str) -> bool:
        """Whether column ``name`` holds numbers (float64).

        Parameters
        ----------
        name : str
            Column name.

        Returns
        -------
        bool

        Raises
        ------
        DataError
            If there is no such column.
        """
        return self.column(name).dtype.kind == "f"

    def numeric(self, names: Sequence[str] | None = None) -> np.ndarray:
        """Return the columns ``names`` (default: all) as a finite float array.

        Parameters
        ----------
        names : sequence of str, optional
            Columns to stack, in this order; all columns when omitted.

        Returns
        -------
        ndarray of shape (n_rows, len(names))

        Raises
        ------
        DataError
            If a column is missing or not numeric (the column is named), or a cell is NaN or
            infinite: ``"t.csv, column 'MaxE', row 17: nan; expected a finite number"``
            (rows counted from 0, header excluded).
        """
        if isinstance(names, str):  # one name, not its characters
            names = [names]
        names = list(self.columns if names is None else names)
        arrays = []
        for name in names:
            values = self.column(name)
            if values.dtype.kind != "f":
                example = next((v for v in values if _to_float(v) is None), values[0])
                raise DataError(f"{self._where()}, column '{name}' is not numeric (e.g. "
                                f"{example!r}); expected numbers", path=self.path, column=name,
                                value=example)
            arrays.append(values)
        table = np.column_stack(arrays) if arrays else np.empty((self.n_rows, 0))
        check_finite_table(table, names, where=self._where())
        return table


def _to_float(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _column_array(cells: list[str]) -> np.ndarray:
    """float64 when every non-empty cell is a number (empty -> NaN), else object array of str."""
    stripped = [c.strip() for c in cells]
    if any(stripped):
        try:
            return np.array([float(c) if c else np.nan for c in stripped], dtype=float)
        except ValueError:
            pass
    return np.array(stripped, dtype=object)


def _sniff_delimiter(header: str) -> str | None:
    if "\t" in header:
        return "\t"
    if "," in header:
        return ","
    if ";" in header:
        return ";"
    return None  # whitespace


def read_table(path) -> Table:
    """Read a text table with a header row.

    The delimiter is taken from the header line: tab, else comma, else semicolon, else runs of
    whitespace. Lines starting with ``#`` and blank lines are skipped.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    Table
        A column is float64 when each of its non-empty cells is a number (empty cells become
        NaN); otherwise it holds strings.

    Raises
    ------
    DataError
        If the file is missing or empty, has a header only, repeats a column name, or a row has
        a different number of cells than the header (its line is named).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w").write("a,b\\n1,x\\n2.5,y\\n")
    >>> read_table(p).column("a")
    array([1. , 2.5])
    """
    path = str(path)
    lines = _read_lines(path)
    numbered = [(i + 1, line) for i, line in enumerate(lines)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise DataError(f"{path} is empty (no header row and no data).", path=path)
    header_line, header = numbered[0]
    delimiter = _sniff_delimiter(header)
    rows = _split_rows(numbered, delimiter)
    names = [name.strip() for name in rows[0]]
    seen = set()
    for name in names:
        if name in seen:
            raise DataError(f"{path}, line {header_line}: duplicate column name '{name}'.",
                            path=path, line=header_line, column=name)
        seen.add(name)
    body = rows[1:]
    if not body:
        raise DataError(f"{path} has a header row but no data rows.", path=path)
    for (line_no, _), cells in zip(numbered[1:], body):
        if len(cells) != len(names):
            raise DataError(f"{path}, line {line_no}: {len(cells)} cells; the header has "
                            f"{len(names)} columns.", path=path, line=line_no)
    data = {name: _column_array([row[j] for row in body]) for j, name in enumerate(names)}
    return Table(path=path, columns=tuple(names), data=data)


def _read_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file.", path=path) from None
    except IsADirectoryError:
        raise DataError(f"{path} is a directory; expected a file.", path=path) from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not a UTF-8 text file ({exc.reason} at byte {exc.start}).",
                        path=path) from None
    return text.splitlines()


def _split_rows(numbered, delimiter):
    if delimiter is None:
        return [line.split() for _, line in numbered]
    reader = csv.reader([line for _, line in numbered], delimiter=delimiter)
    return list(reader)


def _format_cell(value) -> str:
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    return str(value)


def write_table(path, columns: Mapping[str, object], *, delimiter: str = ",") -> None:
    """Write named columns as a text table with a header row.

    Floats are written with ``repr`` so that reading them back gives the same float64 values.

    Parameters
    ----------
    path : str or path-like
        Output file (overwritten).
    columns : mapping of str to array-like of shape (n_rows,)
        Column name -> values; all columns must have the same length.
    delimiter : str, default=","
        Cell separator (``"\\t"`` for the PyFitIt layout).

    Raises
    ------
    DataError
        If the columns have different lengths or a name is repeated.
    """
    path = str(path)
    table = Table.from_columns(columns, path=path)
    if len(set(table.columns)) != len(table.columns):
        raise DataError(f"{path}: duplicate column names in {list(table.columns)}.", path=path)
    buffer = _io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(table.columns)
    arrays = [table.data[name] for name in table.columns]
    for i in range(table.n_rows):
        writer.writerow([_format_cell(a[i]) if not (a.dtype.kind == "f" and np.isnan(a[i]))
                         else ("nan" if a.dtype.kind == "f" else "") for a in arrays])
    Path(path).write_text(buffer.getvalue(), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# PyFitIt sample layout
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Sample:
    """A set of spectra on one energy grid with one row of parameters per spectrum.

    Parameters
    ----------
    params : Table
        One row per spectrum: geometry parameters, labels, stored descriptors.
    energy : ndarray of shape (n_points,)
        Photon energies in eV, strictly increasing, common to all spectra.
    spectra : ndarray of shape (n_spectra, n_points)
        Absorption mu(E) of each spectrum, in the order of ``params``' rows.
    meta : dict
        Free-form metadata (FDMNES settings, source, PyFitIt's meta.json).
    path : str or None, default=None
        Folder the sample was read from.
    """

    params: Table
    energy: np.ndarray
    spectra: np.ndarray
    meta: dict = field(default_factory=dict)
    path: str | None = None

    def __post_init__(self):
        where = self.path or "sample"  # read_sample: the folder
        energy = np.asarray(self.energy, dtype=float)
        spectra = np.asarray(self.spectra, dtype=float)
        if energy.ndim != 1:
            raise DataError(f"{where}: energy must be one-dimensional; got shape {energy.shape}.",
                            path=self.path)
        if spectra.ndim != 2 or spectra.shape[1] != energy.size:
            raise DataError(f"{where}: spectra must have shape (n_spectra, {energy.size}); got "
                            f"{spectra.shape}.", path=self.path)
        if spectra.shape[0] != self.params.n_rows:
            raise DataError(f"{where}: {spectra.shape[0]} spectra but {self.params.n_rows} rows "
                            "of parameters.", path=self.path)
        check_increasing(energy, "energy", where=where)
        object.__setattr__(self, "energy", energy)
        object.__setattr__(self, "spectra", spectra)

    @property
    def n_spectra(self) -> int:
        """Number of spectra."""
        return int(self.spectra.shape[0])


def read_sample(directory) -> Sample:
    """Read a sample in PyFitIt's folder layout.

    Parameters
    ----------
    directory : str or path-like
        Folder holding ``params.csv`` (tab separated, header row, one row per spectrum),
        ``spectra.csv`` (or ``default_spectra.csv``; tab separated, energies in eV in the first
        column, one further column per spectrum, optional header row) and optionally
        ``meta.json``.

    Returns
    -------
    Sample

    Raises
    ------
    DataError
        If a file is missing, a cell of ``spectra.csv`` is not a finite number (its line and
        column are named), the energies are not strictly increasing, or the number of spectra
        differs from the number of parameter rows.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory}: no such folder (expected PyFitIt's params.csv + "
                        "spectra.csv layout).", path=str(directory))
    params_path = directory / "params.csv"
    if not params_path.is_file():
        raise DataError(f"{directory} has no params.csv.", path=str(directory))
    spectra_path = directory / "spectra.csv"
    if not spectra_path.is_file():
        candidates = sorted(directory.glob("*_spectra.csv"))
        if not candidates:
            raise DataError(f"{directory} has no spectra.csv.", path=str(directory))
        spectra_path = candidates[0]
    params = read_table(params_path)
    energy, spectra = _read_spectra_matrix(str(spectra_path))
    meta = {}
    meta_path = directory / "meta.json"
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError(f"{meta_path}, line {exc.lineno}: invalid JSON ({exc.msg}).",
                            path=str(meta_path), line=exc.lineno) from None
    # Sample checks the energies and the row count, naming the folder
    return Sample(params=params, energy=energy, spectra=spectra, meta=meta, path=str(directory))


def _read_spectra_matrix(path: str):
    """energy (n_points,), spectra (n_spectra, n_points) from a PyFitIt spectra table."""
    lines = _read_lines(path)
    numbered = [(i + 1, line) for i, line in enumerate(lines)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise DataError(f"{path} is empty.", path=path)
    delimiter = _sniff_delimiter(numbered[0][1])
    rows = _split_rows(numbered, delimiter)
    if _to_float(rows[0][0]) is None:  # header row
        numbered, rows = numbered[1:], rows[1:]
        if not rows:
            raise DataError(f"{path} has a header row but no data rows.", path=path)
    width = len(rows[0])
    values = np.empty((len(rows), width))
    for r, ((line_no, _), cells) in enumerate(zip(numbered, rows)):
        if len(cells) != width:
            raise DataError(f"{path}, line {line_no}: {len(cells)} cells; the first data line has "
                            f"{width}.", path=path, line=line_no)
        try:
            values[r] = [float(c) for c in cells]
        except ValueError:
            bad = next(j for j, c in enumerate(cells) if _to_float(c) is None)
            raise DataError(f"{path}, line {line_no}, column {bad + 1}: {cells[bad]!r} is not a "
                            "number.", path=path, line=line_no, value=cells[bad]) from None
        bad = np.flatnonzero(~np.isfinite(values[r]))
        if bad.size:
            j = int(bad[0])
            raise DataError(f"{path}, line {line_no}, column {j + 1}: {cells[j]}; expected a "
                            "finite number", path=path, line=line_no, value=cells[j])
    if width < 2:
        raise DataError(f"{path} has one column; expected energies then spectra.", path=path)
    return values[:, 0].copy(), np.ascontiguousarray(values[:, 1:].T)


def write_sample(directory, sample: Sample) -> None:
    """Write ``sample`` in PyFitIt's layout (params.csv, spectra.csv, meta.json), tab separated.

    ``spectra.csv`` has no header row: energies in the first column, one column per spectrum,
    as in the shared FeSiO4 data. Floats are repr-exact, so :func:`read_sample` round-trips.

    Parameters
    ----------
    directory : str or path-like
        Output folder; created (with its parents) if absent. Existing files of the same names
        are overwritten.
    sample : Sample
        Parameters, energies (eV), spectra and metadata to write.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    write_table(directory / "params.csv", sample.params.data, delimiter="\t")
    block = np.column_stack([sample.energy, sample.spectra.T])
    text = "\n".join("\t".join(repr(float(v)) for v in row) for row in block) + "\n"
    (directory / "spectra.csv").write_text(text, encoding="utf-8")
    (directory / "meta.json").write_text(json.dumps(sample.meta, indent=1, default=str),
                                         encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Single spectra
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Spectrum:
    """One spectrum read from a file.

    Parameters
    ----------
    energy : ndarray of shape (n_points,)
        Photon energies in eV, strictly increasing.
    mu : ndarray of shape (n_points,)
        Absorption (normalized or not, as in the file).
    path : str or None
        The file.
    format : str
        ``"columns"``, ``"xdi"`` or ``"fdmnes"``.
    columns : dict of str to ndarray
        Every column of the file by name (``col1``, ``col2``, ... when the file has no names).
    meta : dict
        Header metadata (XDI ``Family.key: value`` fields, FDMNES header values).
    """

    energy: np.ndarray
    mu: np.ndarray
    path: str | None
    format: str
    columns: dict = field(default_factory=dict, repr=False)
    meta: dict = field(default_factory=dict, repr=False)


_DECIMAL_COMMA_NUMBER = re.compile(r"^[+-]?\d+,\d*(?:[eE][+-]?\d+)?$")


def _comment(line: str) -> bool:
    return line.lstrip().startswith(_COMMENT_CHARS)


def _parse_numeric_lines(path, numbered):
    """Split numeric lines, detecting the separator and decimal commas once for the file.

    Returns (names or None, values (n_rows, n_cols), decimal_comma).
    """
    first = numbered[0][1]
    if "\t" in first:
        delimiter = "\t"
    elif ";" in first:
        delimiter = ";"
    elif len(first.split()) >= 2:
        delimiter = None
    elif "," in first:
        delimiter = ","
    else:
        delimiter = None

    def split(line):
        return line.split() if delimiter is None else [c.strip() for c in line.split(delimiter)]

    split_rows = [split(line) for _, line in numbered]
    names = None
    if all(_to_float(c.replace(",", ".")) is None for c in split_rows[0] if c):
        names = split_rows[0]
        numbered, split_rows = numbered[1:], split_rows[1:]
        if not split_rows:
            raise DataError(f"{path} has a header line but no data lines.", path=path)
    decimal_comma = False
    if delimiter != ",":  # the first line with a decimal mark decides for the whole file
        for row in split_rows:
            if any(_DECIMAL_COMMA_NUMBER.match(c) for c in row):
                decimal_comma = True
                break
            if any("." in c for c in row):
                break
    width = len(split_rows[0])
    values = np.empty((len(split_rows), width))
    for r, ((line_no, _), cells) in enumerate(zip(numbered, split_rows)):
        if len(cells) != width:
            raise DataError(f"{path}, line {line_no}: {len(cells)} columns; the first data line "
                            f"has {width}.", path=path, line=line_no)
        if decimal_comma:
            if any("." in c for c in cells):
                raise DataError(f"{path}, line {line_no}: mixed decimal separators ('.' here, "
                                "',' elsewhere in the file).", path=path, line=line_no,
                                value=numbered[r][1])
            cells = [c.replace(",", ".") for c in cells]
        elif delimiter is None and any("," in c for c in cells):
            raise DataError(f"{path}, line {line_no}: mixed decimal separators (',' here, '.' "
                            "elsewhere in the file).", path=path, line=line_no,
                            value=numbered[r][1])
        for j, cell in enumerate(cells):
            number = _to_float(cell)
            if number is None:
                raise DataError(f"{path}, line {line_no}: {cell!r} is not a number.", path=path,
                                line=line_no, value=cell)
            values[r, j] = number
    return names, values, decimal_comma


def _finish(path, energy, mu, fmt, columns, meta, *, check=True):
    where = path
    bad = np.flatnonzero(~np.isfinite(mu))
    if bad.size:
        i = int(bad[0])
        raise DataError(f"{where}: mu[{i}] is {mu[i]}; expected a finite number.", path=path,
                        row=i, value=mu[i])
    if check:
        check_increasing(energy, "energy", where=where)
    return Spectrum(energy=energy, mu=mu, path=path, format=fmt, columns=columns, meta=meta)


def read_columns(path, *, energy_column: int | str = 0, mu_column: int | str = 1) -> Spectrum:
    """Read a spectrum from a text file of columns.

    Blank lines and lines starting with ``# ! % ;`` are skipped. The separator is detected from
    the first data line (tab, semicolon, whitespace, or comma when there is no whitespace), and
    decimal commas (``6862,267 -0,0012602885``) are detected and converted. An optional first
    line of column names is kept.

    Parameters
    ----------
    path : str or path-like
        The file.
    energy_column, mu_column : int or str, default=0 and 1
        Columns holding the energies (eV) and mu, by 0-based index or name.

    Returns
    -------
    Spectrum

    Raises
    ------
    DataError
        If the file has no data (or a header only), a cell is not a number, decimal separators
        are mixed, or the energies are not strictly increasing; the line or index is named.
    """
    path = str(path)
    return _parse_columns(path, _read_lines(path), energy_column, mu_column)


def _parse_columns(path: str, lines: list[str], energy_column, mu_column) -> Spectrum:
    """:func:`read_columns` on the lines already read from ``path``."""
    numbered = [(i + 1, line) for i, line in enumerate(lines) if line.strip() and not _comment(line)]
    if not numbered:
        raise DataError(f"{path} has no data lines.", path=path)
    names, values, decimal_comma = _parse_numeric_lines(path, numbered)
    if names is None or len(names) != values.shape[1]:
        names = [f"col{j + 1}" for j in range(values.shape[1])]
    columns = {name: values[:, j] for j, name in enumerate(names)}
    e = _pick_column(path, names, values, energy_column, "energy_column")
    m = _pick_column(path, names, values, mu_column, "mu_column")
    return _finish(path, e, m, "columns", columns, {"decimal_comma": decimal_comma})


def _pick_column(path, names, values, which, parameter):
    if isinstance(which, str):
        if which not in names:
            raise DataError(f"{path} has no column '{which}'; columns are: {', '.join(names)}",
                            path=path, column=which)
        return values[:, names.index(which)].copy()
    if not 0 <= which < values.shape[1]:
        raise InvalidParameterError(
            f"The '{parameter}' parameter must be an int in [0, {values.shape[1] - 1}] for "
            f"{path}. Got {which!r} instead.", parameter=parameter, value=which)
    return values[:, which].copy()


def read_xdi(path, *, mu_column: str | None = None) -> Spectrum:
    """Read an XDI file (e.g. an Athena or Larch export).

    Header lines ``# Family.key: value`` are kept in ``meta``; ``# Column.N: name [unit]`` give
    the column names; data start after the ``# ///`` and ``#---`` lines.

    Parameters
    ----------
    path : str or path-like
        The file.
    mu_column : str, optional
        Column to use as mu; default: the first of ``norm``, ``flat``, ``mu``, ``mutrans``,
        ``mufluor`` present, else the second column.

    Returns
    -------
    Spectrum

    Raises
    ------
    DataError
        If the first line is not ``# XDI/...``, there are no data lines, a cell is not a number
        (line named), or the energies are not strictly increasing (index named).
    """
    path = str(path)
    return _parse_xdi(path, _read_lines(path), mu_column)


def _parse_xdi(path: str, lines: list[str], mu_column) -> Spectrum:
    """:func:`read_xdi` on the lines already read from ``path``."""
    if not lines or not lines[0].lstrip("# ").upper().startswith("XDI"):
        raise DataError(f"{path}, line 1: not an XDI file (expected '# XDI/1.0 ...').", path=path,
                        line=1)
    meta: dict = {"version": lines[0].strip("# ").strip()}
    names: dict[int, str] = {}
    data_lines = []
    for i, line in enumerate(lines[1:], start=2):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            body = stripped.lstrip("#").strip()
            match = re.match(r"^([A-Za-z_][\w]*\.[\w.]+)\s*:\s*(.*)$", body)
            if match:
                key, value = match.group(1), match.group(2).strip()
                meta[key] = value
                if key.lower().startswith("column."):
                    try:
                        names[int(key.split(".", 1)[1])] = value.split()[0] if value else key
                    except ValueError:
                        pass
            continue
        data_lines.append((i, line))
    if not data_lines:
        raise DataError(f"{path} has a header but no data lines.", path=path)
    _, values, _ = _parse_numeric_lines(path, data_lines)
    col_names = [names.get(j + 1, f"col{j + 1}") for j in range(values.shape[1])]
    columns = {name: values[:, j] for j, name in enumerate(col_names)}
    if mu_column is None:
        mu_column = next((c for c in ("norm", "flat", "mu", "mutrans", "mufluor")
                          if c in col_names), col_names[1] if len(col_names) > 1 else None)
    if mu_column is None:
        raise DataError(f"{path} has one column; expected energy and mu.", path=path)
    mu = _pick_column(path, col_names, values, mu_column, "mu_column")
    return _finish(path, values[:, 0].copy(), mu, "xdi", columns, meta)


def read_fdmnes(path, *, mu_column: int | str = 1) -> Spectrum:
    """Read FDMNES output: ``name.txt`` (unconvoluted) or ``name_conv.txt``.

    The optional first line ``values = name1, name2, ...`` (E_edge, Z, ...) is parsed into
    ``meta``; the column-name line starting with ``Energy`` is required; numeric lines follow.
    Energies are returned as in the file (in ``name.txt`` FDMNES may write them relative to
    the edge; ``meta['E_edge']`` then holds the edge energy in eV).

    Parameters
    ----------
    path : str or path-like
        The file.
    mu_column : int or str, default=1
        Column used as mu (``<xanes>`` is column 1).

    Returns
    -------
    Spectrum

    Raises
    ------
    DataError
        If no ``Energy`` header line is found, there are no data lines after it, a cell is not
        a number (line named), the last line was cut short (fewer cells, or a value no longer
        in FDMNES's ``d.dddddddE+xx`` format: "truncated FDMNES output", line named), or the
        energies are not strictly increasing.
    """
    path = str(path)
    return _parse_fdmnes(path, _read_lines(path), mu_column)


def _parse_fdmnes(path: str, lines: list[str], mu_column) -> Spectrum:
    """:func:`read_fdmnes` on the lines already read from ``path``."""
    meta: dict = {}
    header_index = None
    for i, line in enumerate(lines[:10]):
        stripped = line.strip()
        if "=" in stripped and header_index is None:
            left, right = stripped.split("=", 1)
            numbers = [_to_float(v) for v in left.split()]
            keys = [k.strip() for k in right.split(",")]
            for key, number in zip(keys, numbers):
                if key and number is not None:
                    meta[key] = number
            continue
        if stripped.split() and stripped.split()[0].lower() == "energy":
            header_index = i
            break
    if header_index is None:
        raise DataError(f"{path}: truncated or not an FDMNES output file (no FDMNES header line "
                        "starting with 'Energy' in the first 10 lines).", path=path)
    names = lines[header_index].split()
    numbered = [(i + 1, line) for i, line in enumerate(lines) if i > header_index and line.strip()]
    if not numbered:
        raise DataError(f"{path} has a header line but no data lines.", path=path)
    _check_not_cut(path, numbered)
    _, values, _ = _parse_numeric_lines(path, numbered)
    if len(names) != values.shape[1]:
        names = names[:1] + [f"col{j + 1}" for j in range(1, values.shape[1])] \
            if len(names) < values.shape[1] else names[:values.shape[1]]
    columns = {name: values[:, j] for j, name in enumerate(names)}
    mu = _pick_column(path, names, values, mu_column, "mu_column")
    return _finish(path, values[:, 0].copy(), mu, "fdmnes", columns, meta)


# FDMNES writes every value after the energy as d.dddddddE+xx
_FDMNES_CELL = re.compile(r"^[-+]?\d\.\d{7}E[-+]\d{2}$")


def _check_not_cut(path, numbered):
    """Raise if the last data line of an FDMNES file was cut: fewer cells than the first data
    line, or a last cell no longer in FDMNES's ``d.dddddddE+xx`` format when the first line's
    is (a cut ``3.8570818E-0`` would otherwise be read as 3.857)."""
    first = numbered[0][1].split()
    line_no, last_line = numbered[-1]
    last = last_line.split()
    if len(numbered) < 2 or not last:
        return
    if len(last) < len(first):
        raise DataError(f"{path}, line {line_no}: {len(last)} columns, the first data line has "
                        f"{len(first)}; truncated FDMNES output.", path=path, line=line_no,
                        value=last_line)
    if len(last) == len(first) and _FDMNES_CELL.match(first[-1]) \
            and not _FDMNES_CELL.match(last[-1]):
        raise DataError(f"{path}, line {line_no}: {last[-1]!r} is cut short; truncated FDMNES "
                        "output.", path=path, line=line_no, value=last_line)


def read_spectrum(path, **kwargs) -> Spectrum:
    """Read one spectrum, choosing the reader from the file's first line.

    ``# XDI`` -> :func:`read_xdi`; an ``Energy`` header or ``= E_edge`` line within the first
    lines -> :func:`read_fdmnes`; anything else -> :func:`read_columns`. Keyword arguments go to
    the chosen reader.

    Parameters
    ----------
    path : str or path-like
        The file.
    **kwargs
        Passed to the chosen reader (e.g. ``mu_column``).

    Returns
    -------
    Spectrum
    """
    path = str(path)
    lines = _read_lines(path)
    first = next((line for line in lines if line.strip()), "")
    if first.lstrip("# ").upper().startswith("XDI"):
        reader, parse = read_xdi, _parse_xdi
    elif any(words and words[0].lower() == "energy" for words in
             (line.split() for line in lines[:3])) or (first and "=" in first and "E_edge" in first):
        reader, parse = read_fdmnes, _parse_fdmnes
    else:
        reader, parse = read_columns, _parse_columns
    try:
        bound = inspect.signature(reader).bind(path, **kwargs)
    except TypeError as exc:
        raise InvalidParameterError(f"read_spectrum chose {reader.__name__} for {path}, which "
                                    f"does not take these options: {exc}.",
                                    parameter=", ".join(kwargs), value=kwargs) from None
    bound.apply_defaults()
    return parse(path, lines, *list(bound.arguments.values())[1:])
