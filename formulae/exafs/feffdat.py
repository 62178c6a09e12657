"""Read FEFF ``feffNNNN.dat`` scattering-path files.

=========================  ===================================================================
name                       what it is
=========================  ===================================================================
read_feffdat               parse a FEFF6 / FEFF6L / FEFF8L path file into a :class:`FeffPath`
FeffPath                   one scattering path: header values, geometry and the seven columns
PathSpline                 not-a-knot cubic spline of (amp, pha, rep, lam), built once per path
atomic_mass                standard atomic weight of element ``Z`` (used for ``rmass``)
=========================  ===================================================================

The columns are those FEFF writes after the path geometry::

    k   real[2*phc]   mag[feff]  phase[feff] red factor   lambda     real[p]@#

From them Larch (``larch/xafs/feffdat.py``) builds ``amp = mag[feff] * red factor`` and
``pha = real[2*phc] + phase[feff]`` and interpolates ``amp, pha, real[p], lambda`` with an
interpolating cubic spline (FITPACK, ``UnivariateSpline(k, y, s=0)``). With ``s=0`` FITPACK
places its interior knots at ``k[2] ... k[-3]``, i.e. it returns the *not-a-knot* interpolating
cubic spline, extrapolated beyond the table with its end pieces. :class:`PathSpline` computes
that same spline directly (one small linear solve per path) and keeps its piecewise-polynomial
coefficients, so that values and first derivatives at any ``q`` cost a few numpy operations.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from ..errors import DataError

__all__ = ["read_feffdat", "FeffPath", "PathSpline", "atomic_mass", "FEFF_COLUMNS"]

#: Names of the seven columns of a feffNNNN.dat table, in file order.
FEFF_COLUMNS = ("k", "real_phc", "mag_feff", "pha_feff", "red_fact", "lam", "rep")

_COLUMN_TITLES = "k, real[2*phc], mag[feff], phase[feff], red factor, lambda, real[p]"

# Element symbols, index = Z.
_SYMBOLS = (
    "X H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge "
    "As Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm "
    "Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U "
    "Np Pu Am Cm Bk Cf").split()

# Standard atomic weights (IUPAC/CIAAW conventional values; mass number of the longest-lived
# isotope for elements without a standard weight), index = Z, in atomic mass units.
_MASSES = (
    0.0, 1.008, 4.002602, 6.94, 9.0121831, 10.81, 12.011, 14.007, 15.999, 18.998403163,
    20.1797, 22.98976928, 24.305, 26.9815385, 28.085, 30.973761998, 32.06, 35.45, 39.948,
    39.0983, 40.078, 44.955908, 47.867, 50.9415, 51.9961, 54.938044, 55.845, 58.933194,
    58.6934, 63.546, 65.38, 69.723, 72.630, 74.921595, 78.971, 79.904, 83.798, 85.4678,
    87.62, 88.90584, 91.224, 92.90637, 95.95, 98.0, 101.07, 102.90550, 106.42, 107.8682,
    112.414, 114.818, 118.710, 121.760, 127.60, 126.90447, 131.293, 132.90545196, 137.327,
    138.90547, 140.116, 140.90766, 144.242, 145.0, 150.36, 151.964, 157.25, 158.92535,
    162.500, 164.93033, 167.259, 168.93422, 173.045, 174.9668, 178.49, 180.94788, 183.84,
    186.207, 190.23, 192.217, 195.084, 196.966569, 200.592, 204.38, 207.2, 208.98040, 209.0,
    210.0, 222.0, 223.0, 226.0, 227.0, 232.0377, 231.03588, 238.02891, 237.0, 244.0, 243.0,
    247.0, 247.0, 251.0)


def atomic_mass(z: int) -> float:
    """Standard atomic weight of element ``z``, in atomic mass units.

    Parameters
    ----------
    z : int
        Atomic number, 1 to 98.

    Returns
    -------
    float
        IUPAC conventional atomic weight (e.g. 63.546 for Cu).

    Raises
    ------
    DataError
        If ``z`` is outside 1..98.

    Examples
    --------
    >>> atomic_mass(29)
    63.546
    """
    if not 1 <= int(z) < len(_MASSES):
        raise DataError(f"No atomic mass for Z={z}; expected 1 <= Z <= {len(_MASSES) - 1}.",
                        value=z)
    return _MASSES[int(z)]


class PathSpline:
    """Not-a-knot cubic spline of ``amp, pha, rep, lam`` against ``k`` for one path.

    Equal (to rounding) to Larch's ``UnivariateSpline(k, y, s=0)`` for each column: same
    interpolant, same extrapolation by the end polynomial pieces.

    Parameters
    ----------
    k : ndarray of shape (n_points,)
        Strictly increasing grid of the FEFF table, in 1/Angstrom (at least 4 points).
    columns : ndarray of shape (n_points, n_columns)
        Tabulated values, one column per interpolated quantity.

    Attributes
    ----------
    breaks : ndarray of shape (n_points,)
        The grid ``k``.
    coefficients : ndarray of shape (n_points - 1, 4, n_columns)
        Polynomial coefficients per interval, highest power first: on
        ``[k[i], k[i+1])`` the value is ``c[i,0] t**3 + c[i,1] t**2 + c[i,2] t + c[i,3]``
        with ``t = q - k[i]``.
    """

    def __init__(self, k, columns):
        x = np.asarray(k, dtype=float)
        y = np.asarray(columns, dtype=float)
        if y.ndim == 1:
            y = y[:, None]
        n = x.size
        if n < 4:
            raise DataError(f"A cubic spline needs at least 4 points; got {n}.")
        h = np.diff(x)
        delta = np.diff(y, axis=0) / h[:, None]
        # Unknowns: the slopes m_i at the nodes. Rows 1..n-2: continuity of y''.
        a = np.zeros((n, n))
        rhs = np.zeros((n, y.shape[1]))
        i = np.arange(1, n - 1)
        a[i, i - 1] = h[1:]
        a[i, i] = 2.0 * (h[:-1] + h[1:])
        a[i, i + 1] = h[:-1]
        rhs[1:-1] = 3.0 * (h[1:, None] * delta[:-1] + h[:-1, None] * delta[1:])
        # Not-a-knot: y''' continuous at k[1] and k[n-2]; on interval i,
        # y''' = 6 (m_i + m_{i+1} - 2 delta_i) / h_i**2.
        a[0, 0] = 1.0 / h[0] ** 2
        a[0, 1] = 1.0 / h[0] ** 2 - 1.0 / h[1] ** 2
        a[0, 2] = -1.0 / h[1] ** 2
        rhs[0] = 2.0 * delta[0] / h[0] ** 2 - 2.0 * delta[1] / h[1] ** 2
        a[-1, -3] = 1.0 / h[-2] ** 2
        a[-1, -2] = 1.0 / h[-2] ** 2 - 1.0 / h[-1] ** 2
        a[-1, -1] = -1.0 / h[-1] ** 2
        rhs[-1] = 2.0 * delta[-2] / h[-2] ** 2 - 2.0 * delta[-1] / h[-1] ** 2
        # Scale rows to unit max before solving (the two end rows carry 1/h**2).
        scale = np.abs(a).max(axis=1)
        m = np.linalg.solve(a / scale[:, None], rhs / scale[:, None])
        hh = h[:, None]
        c3 = (m[:-1] + m[1:] - 2.0 * delta) / hh ** 2
        c2 = (3.0 * delta - 2.0 * m[:-1] - m[1:]) / hh
        coefficients = np.stack([c3, c2, m[:-1], y[:-1]], axis=1)
        self.breaks = x
        self.coefficients = coefficients
        # Evaluation tables, one column per interval (gathering along the last axis gives
        # contiguous rows): the Horner steps of the cubic and of its derivative side by side,
        # [c3 | 3 c3], [c2 | 2 c2], [c1 | c1], [c0], then the interval's left break.
        # _values_table holds the cubic's steps alone.
        start = x[:-1, None]
        self._table = np.ascontiguousarray(np.concatenate(
            [c3, 3.0 * c3, c2, 2.0 * c2, m[:-1], m[:-1], y[:-1], start], axis=1).T)
        self._values_table = np.ascontiguousarray(np.concatenate(
            [c3, c2, m[:-1], y[:-1], start], axis=1).T)
        # interior breaks: searchsorted on them gives the interval index already clipped to
        # [0, n_points - 2] (the end pieces extrapolate)
        self._interior = np.ascontiguousarray(x[1:-1])
        self.breaks.setflags(write=False)
        self.coefficients.setflags(write=False)

    def _scratch_shape(self, n_q: int, derivative: bool):
        """Shape of the scratch array :meth:`_evaluate_into` may be given for ``n_q`` points."""
        nc = self.coefficients.shape[2]
        return ((7 if derivative else 4) * nc + 1 + (2 if derivative else 1) * nc, n_q)

    def _evaluate_into(self, q, out, derivative: bool, scratch=None):
        """Write values (rows ``0:n_columns``) and, with ``derivative``, slopes (rows
        ``n_columns:2 n_columns``) at ``q`` (a float64 1-D array) into ``out``; return ``out``.

        Horner's scheme for the cubic and its derivative at once, in the same order of
        operations as a separate evaluation of each, so that the numbers are the same.
        ``scratch``, of :meth:`_scratch_shape`, holds the intermediates when given.
        """
        idx = self._interior.searchsorted(q, side="right")
        nc = self.coefficients.shape[2]
        rows = 2 * nc if derivative else nc
        table = self._table if derivative else self._values_table
        if scratch is None:
            scratch = np.empty(self._scratch_shape(q.size, derivative))
        g, tt = scratch[:table.shape[0]], scratch[table.shape[0]:]
        table.take(idx, axis=1, out=g, mode="clip")   # (idx is in range; "raise" buffers)
        # t = q - left break, materialised on ``rows`` rows: a same-shape product is about
        # twice as fast as one that broadcasts a row
        np.subtract(q, g[-1], out=tt[0])
        tt[1:] = tt[0]
        x = np.multiply(g[0:rows], tt, out=out[0:rows])
        if derivative:          # x = [value, slope] partial sums, both Horner steps at once
            x += g[rows:2 * rows]
            x *= tt
            x += g[2 * rows:3 * rows]   # slopes done
            v = x[:nc]
            v *= tt[:nc]
            v += g[3 * rows:3 * rows + nc]
        else:
            for step in (1, 2, 3):
                if step > 1:
                    x *= tt
                x += g[step * nc:(step + 1) * nc]
        return out

    def _columns(self, q, derivative: bool):
        """Values (and slopes) with shape (n_columns, n_q); ``q`` a float64 1-D array."""
        nc = self.coefficients.shape[2]
        out = self._evaluate_into(q, np.empty(((2 if derivative else 1) * nc, q.size)),
                                  derivative)
        return out[:nc], (out[nc:] if derivative else None)

    def __call__(self, q):
        """Values at ``q``: ndarray of shape (n_q, n_columns)."""
        q = np.asarray(q, dtype=float).ravel()
        return self._columns(q, False)[0].T

    def evaluate(self, q):
        """Values and first derivatives at ``q``.

        Parameters
        ----------
        q : ndarray of shape (n_q,)
            Wavenumbers, in 1/Angstrom; outside the table the end pieces extrapolate.

        Returns
        -------
        values, derivatives : ndarray of shape (n_q, n_columns)
        """
        q = np.asarray(q, dtype=float).ravel()
        values, slopes = self._columns(q, True)
        return values.T, slopes.T


@dataclass(frozen=True, eq=False)
class FeffPath:
    """One FEFF scattering path, as read from a ``feffNNNN.dat`` file.

    Built by :func:`read_feffdat`; every parameter is also an attribute.

    Parameters
    ----------
    filename : str
        File it was read from.
    title : str
        First header line (up to column 64).
    version : str
        FEFF version text at the end of the first line (may be empty).
    reff : float
        Half path length, in Angstrom.
    degen : float
        Path degeneracy N.
    nleg : int
        Number of legs.
    rmass : float
        Reduced mass of the path atoms, ``1 / sum(1 / max(1, m_i))``, in amu (as Larch).
    geometry : tuple of tuple
        One ``(ipot, x, y, z, Z, label)`` per atom of the path, absorber first; coordinates in
        Angstrom. ``Z`` is the atomic number written by FEFF.
    rnorman : float
        Average Norman radius in bohr (fourth number of the path line).
    edge : float
        Fifth number of the path line (FEFF's energy reference ``edge``, in eV).
    shell : str
        Absorption edge label from the ``Abs`` line ("K"), or "" when absent.
    potentials : tuple of tuple
        ``(ipot, Z, rmt, rnm)`` from the ``Abs``/``Pot`` header lines.
    gam_ch, vmu, kf, vint, rs_int : float or None
        Core-hole width, chemical potential, Fermi wavenumber, interstitial potential and
        interstitial r_s from the header, when present (eV, eV, 1/Angstrom, eV, bohr).
    k, real_phc, mag_feff, pha_feff, red_fact, lam, rep : ndarray of shape (n_points,)
        The seven columns (read-only).
    """

    filename: str
    title: str
    version: str
    reff: float
    degen: float
    nleg: int
    rmass: float
    geometry: tuple
    rnorman: float
    edge: float
    shell: str
    potentials: tuple
    gam_ch: float | None
    vmu: float | None
    kf: float | None
    vint: float | None
    rs_int: float | None
    k: np.ndarray = field(repr=False)
    real_phc: np.ndarray = field(repr=False)
    mag_feff: np.ndarray = field(repr=False)
    pha_feff: np.ndarray = field(repr=False)
    red_fact: np.ndarray = field(repr=False)
    lam: np.ndarray = field(repr=False)
    rep: np.ndarray = field(repr=False)

    @property
    def amp(self) -> np.ndarray:
        """``mag[feff] * red factor``, the amplitude Larch interpolates."""
        return self.mag_feff * self.red_fact

    @property
    def pha(self) -> np.ndarray:
        """``real[2*phc] + phase[feff]``, the phase Larch interpolates (radians)."""
        return self.real_phc + self.pha_feff

    @property
    def label(self) -> str:
        """Short description, e.g. ``"Cu-Cu (reff 2.5478, degen 12)"``."""
        atoms = "-".join(g[5] for g in self.geometry)
        return f"{atoms} (reff {self.reff:.4f}, degen {self.degen:g})"

    @cached_property
    def spline(self) -> PathSpline:
        """Cubic spline of ``amp, pha, rep, lam`` (in that column order), built on first use."""
        return PathSpline(self.k, np.column_stack([self.amp, self.pha, self.rep, self.lam]))

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("spline", None)  # rebuilt on demand; keeps pickles small for joblib
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][-+]?\d+)?"
def _header_value(line: str, key: str):
    match = re.search(rf"\b{key}\s*=\s*({_NUMBER})", line)
    return float(match.group(1).replace("D", "e").replace("d", "e")) if match else None


def _column_table_fast(texts):
    """The column table from its cleaned lines in one numpy conversion; None unless every
    line has 7 numbers, all finite, at least 4 rows and k strictly increasing."""
    words = [t.split() for t in texts if t]
    if len(words) < 4 or any(len(w) != 7 for w in words):
        return None
    try:
        table = np.array(words, dtype=float)
    except ValueError:              # e.g. Fortran D exponents: the slow reader converts them
        return None
    if not (np.isfinite(table).all() and (np.diff(table[:, 0]) > 0).all()):
        return None
    return table


def _column_table(lines, start, clean, fail):
    """The column table read line by line, calling ``fail(line, message, value)`` on the first
    bad line."""
    rows = []
    n = len(lines)
    for j in range(start, n):
        s = clean(lines[j])
        if not s:
            continue
        fields = s.split()
        if len(fields) != 7:
            missing = "missing columns" if len(fields) < 7 else "extra columns"
            fail(j + 1, f"{len(fields)} columns ({missing}); expected 7 ({_COLUMN_TITLES}).", s)
        try:
            row = [float(w.replace("D", "E").replace("d", "e")) for w in fields]
        except ValueError:
            fail(j + 1, f"non-numeric value in the column table: {s!r}.", s)
        if not all(math.isfinite(v) for v in row):
            fail(j + 1, f"non-finite value in the column table: {s!r}.", s)
        rows.append((j + 1, row))
    if len(rows) < 4:
        fail(n, f"only {len(rows)} rows in the column table; at least 4 are needed "
                "(the file is truncated).")
    table = np.array([r for _, r in rows])
    steps = np.diff(table[:, 0])
    bad = np.flatnonzero(steps <= 0)
    if bad.size:
        lineno = rows[int(bad[0]) + 1][0]
        fail(lineno, f"k = {float(table[bad[0] + 1, 0])!r} does not increase (previous row "
                     f"has k = {float(table[bad[0], 0])!r}).", float(table[bad[0] + 1, 0]))
    return table


def read_feffdat(path) -> FeffPath:
    """Read a FEFF ``feffNNNN.dat`` path file (FEFF6, FEFF6L, FEFF8L layouts).

    Parameters
    ----------
    path : str or os.PathLike
        The path file.

    Returns
    -------
    FeffPath
        Header values, geometry and the seven columns.

    Raises
    ------
    DataError
        If the file cannot be read, is truncated (no path line, fewer atoms than legs, no
        column table, fewer than 4 rows), or a row has missing or non-numeric columns, or ``k``
        is not strictly increasing; the message names the file and the 1-based line.

    Notes
    -----
    The layout is: a free-text header (``Abs``/``Pot`` potential lines, ``Gam_ch``, ``Mu``
    lines), a dashed separator line, the path line ``nleg, deg, reff, rnrmav(bohr), edge``,
    a coordinate title line, ``nleg`` atom lines ``x y z ipot Z [label]``, the column title line
    starting with ``k`` and the table of seven columns. Leading ``#`` are ignored. Unlike Larch's
    reader, rows with a wrong number of columns are an error, not silently skipped.

    Examples
    --------
    >>> p = read_feffdat("feffcu01.dat")          # doctest: +SKIP
    >>> p.nleg, p.degen, p.reff                    # doctest: +SKIP
    (2, 12.0, 2.5478)
    """
    filename = str(path)
    try:
        text = Path(path).read_text(errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{filename}: cannot read FEFF path file ({exc}).",
                        path=filename) from None
    lines = text.splitlines()

    def fail(lineno: int, message: str, value=None):
        raise DataError(f"{filename}, line {lineno}: {message}", path=filename, line=lineno,
                        row=lineno, value=value)

    def clean(raw: str) -> str:
        s = raw.strip()
        if s.startswith("#"):
            s = s[1:].strip()
        return s

    if not lines:
        raise DataError(f"{filename}: empty file; expected a FEFF feffNNNN.dat path file.",
                        path=filename)
    first = clean(lines[0])
    title, version = first[:64].strip(), first[64:].strip()

    shell = ""
    potentials = []
    gam_ch = vmu = kf = vint = rs_int = None
    i = 1
    n = len(lines)
    # header up to the dashed separator
    while i < n:
        s = clean(lines[i])
        if re.fullmatch(r"-{10,}", s):
            break
        if re.match(r"^(Abs|Pot\s+\d+)\b", s) and re.search(r"\bZ\s*=", s):
            ipot = 0 if s.startswith("Abs") else int(s.split()[1])
            z, rmt, rnm = (_header_value(s, key) for key in ("Z", "Rmt", "Rnm"))
            potentials.append((ipot, None if z is None else int(z), rmt, rnm))
            if s.startswith("Abs"):
                words = s.split()
                shell = words[-2] if len(words) >= 2 and words[-1].lower() == "shell" else ""
        elif s.startswith("Gam_ch"):
            gam_ch = _header_value(s, "Gam_ch")
        elif s.startswith("Mu"):
            vmu, kf = _header_value(s, "Mu"), _header_value(s, "kf")
            vint, rs_int = _header_value(s, "Vint"), _header_value(s, "Rs_int")
        i += 1
    if i >= n:
        fail(n, "no dashed separator line before the path line; the file is truncated or "
                "is not a FEFF feffNNNN.dat file.")
    i += 1
    if i >= n:
        fail(n, "file ends after the separator; expected the path line "
                "'nleg, deg, reff, rnrmav(bohr), edge'.")
    words = clean(lines[i]).split()
    try:
        nleg = int(words[0])
        degen, reff, rnorman, edge = (float(w) for w in words[1:5])
    except (ValueError, IndexError):
        fail(i + 1, "cannot read the path line; expected 'nleg, deg, reff, rnrmav(bohr), edge'.",
             lines[i].strip())
    if nleg < 2:
        fail(i + 1, f"nleg = {nleg}; a scattering path has at least 2 legs.", nleg)
    if not (math.isfinite(reff) and reff > 0):
        fail(i + 1, f"reff = {reff}; expected a positive half path length.", reff)
    i += 2  # skip the 'x y z pot at#' title line
    geometry = []
    for _ in range(nleg):
        if i >= n:
            fail(n, f"file ends after {len(geometry)} of {nleg} path atoms.")
        words = clean(lines[i]).split()
        try:
            x, y, zc = (float(w) for w in words[:3])
            ipot, iz = int(words[3]), int(words[4])
        except (ValueError, IndexError):
            fail(i + 1, "cannot read a path atom; expected 'x y z ipot Z [label]'.",
                 lines[i].strip())
        label = words[5] if len(words) > 5 else (_SYMBOLS[iz] if 0 < iz < len(_SYMBOLS) else "?")
        geometry.append((ipot, x, y, zc, iz, label))
        i += 1
    # the column title line
    while i < n and not clean(lines[i]):
        i += 1
    if i >= n:
        fail(n, f"file ends before the column table ({_COLUMN_TITLES}).")
    s = clean(lines[i])
    if not (s.startswith("k") and "real[p]" in s):
        fail(i + 1, f"expected the column title line '{_COLUMN_TITLES}'; got {s[:60]!r}.", s)
    table = _column_table_fast([clean(line) for line in lines[i + 1:]])
    if table is None:               # the line-by-line reader finds and names the bad line
        table = _column_table(lines, i + 1, clean, fail)
    columns = {}
    for name, col in zip(FEFF_COLUMNS, table.T):
        col = np.ascontiguousarray(col)
        col.setflags(write=False)
        columns[name] = col
    masses = [atomic_mass(g[4]) if 1 <= g[4] < len(_MASSES) else 1.0 for g in geometry]
    rmass = 1.0 / sum(1.0 / max(1.0, m) for m in masses)
    return FeffPath(filename=filename, title=title, version=version, reff=reff, degen=degen,
                    nleg=nleg, rmass=rmass, geometry=tuple(geometry), rnorman=rnorman,
                    edge=edge, shell=shell, potentials=tuple(potentials), gam_ch=gam_ch,
                    vmu=vmu, kf=kf, vint=vint, rs_int=rs_int, **columns)
