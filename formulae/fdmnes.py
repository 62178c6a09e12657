"""Drive the FDMNES program: locate it, write its input, run it, read its output.

FDMNES (Y. Joly, Institut Néel) computes XANES by multiple scattering (Green mode) or finite
differences. It is not bundled with formulae; a statically linked Linux build (revision of
1 March 2022) ships inside the ``pyfitit`` wheel on PyPI (``pyfitit/bin/fdmnes/``).

=======================  ==========================================================================
name                     what it does
=======================  ==========================================================================
locate_fdmnes            $FDMNES, then fdmnes / fdmnes_linux64 on PATH, then installed pyfitit
Convolution              FDMNES convolution block: Gamma_hole, Ecent, Elarg, Gamma_max, Efermi
FdmnesSettings           edge, radius, Green or finite differences, energy range, convolution
write_input              the text of FDMNES's input file for a cluster
energy_grid              the energies a ``Range`` line produces (used to detect truncated output)
read_output              parse ``out.txt`` / ``out*_conv.txt`` (header values, energy, mu)
FdmnesResult             energy (eV, relative), mu, convolved mu, E_edge, the input text
run_fdmnes               run one cluster in a fresh folder with a timeout, optional cache
load_default_dataset     the Fe-O data set shipped with formulae (a formulae.io.Sample)
=======================  ==========================================================================
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import subprocess
import sysconfig
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ._validation import check_choice, check_number
from .errors import DataError, InvalidParameterError, MissingDependencyError, SimulationError
from .io import _parse_fdmnes
from .structures import Cluster

__all__ = [
    "locate_fdmnes",
    "Convolution",
    "FdmnesSettings",
    "write_input",
    "energy_grid",
    "read_output",
    "FdmnesResult",
    "run_fdmnes",
    "input_key",
    "load_default_dataset",
    "DEFAULT_DATASET",
]

_NAMES = ("fdmnes", "fdmnes_linux64")
_PYFITIT_MEMBER = ("bin", "fdmnes", "fdmnes_linux64")
#: Base name (without extension) of the data set shipped in formulae/data.
DEFAULT_DATASET = "fe_o_default"


# --------------------------------------------------------------------------------------------
# locating the executable
# --------------------------------------------------------------------------------------------
def _pyfitit_binary() -> Path | None:
    import importlib.util

    try:
        spec = importlib.util.find_spec("pyfitit")
    except (ImportError, ValueError):
        spec = None
    roots = []
    if spec is not None and spec.submodule_search_locations:
        roots += [Path(p) for p in spec.submodule_search_locations]
    # the package may fail to import (it pulls heavy dependencies): look in site-packages too
    for key in ("purelib", "platlib"):
        roots.append(Path(sysconfig.get_paths()[key]) / "pyfitit")
    for root in roots:
        candidate = root.joinpath(*_PYFITIT_MEMBER)
        if candidate.is_file():
            return candidate
    return None


def locate_fdmnes() -> Path:
    """Return the path of the FDMNES executable.

    Looks, in this order, at the ``FDMNES`` environment variable, at ``fdmnes`` and
    ``fdmnes_linux64`` on ``PATH``, and at ``pyfitit/bin/fdmnes/fdmnes_linux64`` inside an
    installed ``pyfitit`` package. Nothing is downloaded.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    MissingDependencyError
        If ``$FDMNES`` names a missing or non-executable file (the path is named), or nothing
        is found (the three options are listed).
    """
    env = os.environ.get("FDMNES")
    if env:
        path = Path(env)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise MissingDependencyError(
                f"FDMNES={env} is not an executable file; point the FDMNES environment "
                "variable at the FDMNES binary (e.g. fdmnes_linux64).")
        return path
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    binary = _pyfitit_binary()
    if binary is not None and os.access(binary, os.X_OK):
        return binary
    raise MissingDependencyError(
        "FDMNES was not found. Either set the FDMNES environment variable to the executable, "
        "put 'fdmnes' or 'fdmnes_linux64' on PATH, or `pip install pyfitit` (its wheel ships "
        "pyfitit/bin/fdmnes/fdmnes_linux64). FDMNES itself: https://fdmnes.neel.cnrs.fr")


# --------------------------------------------------------------------------------------------
# settings and input
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Convolution:
    """FDMNES's convolution by an energy-dependent Lorentzian (arctangent model).

    The width grows from ``gamma_hole`` at the Fermi level to ``gamma_hole + gamma_max``
    far above it, as Γ(E) = Γ_hole + Γ_max (1/2 + (1/π) arctan(π Γ_max/(3 E_larg) (e - 1/e²))),
    with e = (E - E_F)/E_cent (FDMNES manual, "Convolution").

    Parameters
    ----------
    gamma_hole : float
        Core-hole width Γ_hole, eV (> 0).
    e_cent : float
        Centre of the arctangent E_cent, eV (> 0).
    e_larg : float
        Width of the arctangent E_larg, eV (> 0).
    gamma_max : float
        Maximum extra width Γ_max, eV (≥ 0).
    e_fermi : float or None, default=None
        Fermi level E_F (below it the spectrum is cut), eV on the output scale; ``None`` keeps
        FDMNES's own value.
    """

    gamma_hole: float = 1.25
    e_cent: float = 30.0
    e_larg: float = 30.0
    gamma_max: float = 15.0
    e_fermi: float | None = None

    def width(self, energy) -> np.ndarray:
        """Lorentzian full width Γ(E), eV, at ``energy`` (eV on the output scale).

        Γ_hole at and below the Fermi level (``e_fermi``, 0 when ``None``), then the
        arctangent of the class docstring (:func:`formulae.xanes.fdmnes_width`).

        Parameters
        ----------
        energy : array-like of shape (n_points,)
            Energies on FDMNES's output scale (relative to the edge), in eV.

        Returns
        -------
        ndarray of shape (n_points,)
            Γ(E), in eV.
        """
        from .xanes.broadening import fdmnes_width

        return fdmnes_width(energy, gamma_hole=self.gamma_hole, gamma_max=self.gamma_max,
                            e_cent=self.e_cent, e_larg=self.e_larg,
                            e_fermi=0.0 if self.e_fermi is None else self.e_fermi)

    def lines(self) -> list[str]:
        """The input lines of the block.

        Returns
        -------
        list of str
            ``Convolution``, then each keyword and its value, blocks separated by empty lines
            (``Efermi`` only when ``e_fermi`` is set).
        """
        out = ["Convolution", "", "Gamma_hole", _num(self.gamma_hole), "", "Ecent",
               _num(self.e_cent), "", "Elarg", _num(self.e_larg), "", "Gamma_max",
               _num(self.gamma_max), ""]
        if self.e_fermi is not None:
            out += ["Efermi", _num(self.e_fermi), ""]
        return out

    def validate(self) -> None:
        """Raise InvalidParameterError naming a bad width."""
        owner = "Convolution"
        check_number(self.gamma_hole, "gamma_hole", owner=owner, low=0.0, low_open=True)
        check_number(self.e_cent, "e_cent", owner=owner, low=0.0, low_open=True)
        check_number(self.e_larg, "e_larg", owner=owner, low=0.0, low_open=True)
        check_number(self.gamma_max, "gamma_max", owner=owner, low=0.0)
        if self.e_fermi is not None:
            check_number(self.e_fermi, "e_fermi", owner=owner)


def _num(value) -> str:
    """Shortest text that reads back as the same float (integers without '.0')."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


@dataclass(frozen=True)
class FdmnesSettings:
    """What FDMNES computes, apart from the cluster.

    Parameters
    ----------
    edge : str, default="K"
        Absorption edge: K, L1, L2, L3, L23, M1...
    radius : float, default=4.5
        Cluster radius used in the calculation, Å.
    mode : {"green", "fdm"}, default="green"
        Multiple scattering (Green, fast) or the finite-difference method (slow, no muffin-tin).
    energy_range : tuple of float, default=(-15.0, 0.5, 60.0)
        FDMNES ``Range``: E_start, step, E_1, [step, E_2, ...], eV relative to the edge.
    convolution : Convolution or None, default=Convolution()
        Convolution done by FDMNES in the same run (``None``: raw spectrum only).
    extra : tuple of str, default=()
        Further input lines written verbatim before ``End`` (e.g. ``("Quadrupole",)``).
    timeout : float, default=600.0
        Seconds before a run is stopped and reported as failed.
    """

    edge: str = "K"
    radius: float = 4.5
    mode: str = "green"
    energy_range: tuple = (-15.0, 0.5, 60.0)
    convolution: Convolution | None = field(default_factory=Convolution)
    extra: tuple = ()
    timeout: float = 600.0

    def validate(self) -> None:
        """Raise InvalidParameterError naming the first bad setting."""
        owner = "FdmnesSettings"
        check_choice(self.mode, "mode", ("green", "fdm"), owner=owner)
        check_choice(self.edge, "edge", ("K", "L1", "L2", "L3", "L23", "M1", "M2", "M3", "M23",
                                         "M4", "M5", "M45", "N1", "N2", "N3", "N23"), owner=owner)
        check_number(self.radius, "radius", owner=owner, low=0.0, low_open=True)
        check_number(self.timeout, "timeout", owner=owner, low=0.0, low_open=True)
        energy_grid(self.energy_range)
        if self.convolution is not None:
            self.convolution.validate()

    def to_dict(self) -> dict:
        """Plain-JSON form (the inverse of :meth:`from_dict`).

        Returns
        -------
        dict
            Every field; tuples as lists, ``convolution`` as a dict (or None).
        """
        d = asdict(self)
        d["energy_range"] = list(self.energy_range)
        d["extra"] = list(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "FdmnesSettings":
        """Build settings from a mapping (e.g. the ``[fdmnes]`` table of a configuration file).

        Parameters
        ----------
        d : mapping
            Keys among ``edge``, ``radius``, ``mode``, ``energy_range``, ``convolution`` (a
            mapping of :class:`Convolution` keywords, a Convolution, or None), ``extra``,
            ``timeout``; missing keys take the defaults.

        Returns
        -------
        FdmnesSettings
            Validated settings.

        Raises
        ------
        InvalidParameterError
            For an unknown key (the known ones are listed).
        """
        d = dict(d)
        known = {"edge", "radius", "mode", "energy_range", "convolution", "extra", "timeout"}
        unknown = sorted(set(d) - known)
        if unknown:
            raise InvalidParameterError(f"unknown FDMNES setting(s) {', '.join(unknown)}; known: "
                                        f"{', '.join(sorted(known))}.", parameter=unknown[0])
        conv = d.get("convolution", {})
        if conv is not None and not isinstance(conv, Convolution):
            conv_known = {"gamma_hole", "e_cent", "e_larg", "gamma_max", "e_fermi"}
            bad = sorted(set(conv) - conv_known)
            if bad:
                raise InvalidParameterError(
                    f"unknown convolution setting(s) {', '.join(bad)}; known: "
                    f"{', '.join(sorted(conv_known))}.", parameter=bad[0])
            conv = Convolution(**conv)
        d["convolution"] = conv
        if "energy_range" in d:
            d["energy_range"] = tuple(float(v) for v in d["energy_range"])
        if "extra" in d:
            d["extra"] = tuple(d["extra"])
        settings = cls(**d)
        settings.validate()
        return settings


def energy_grid(energy_range) -> np.ndarray:
    """Energies (eV) produced by an FDMNES ``Range`` (E_start, step, E_1, step, E_2, ...).

    Parameters
    ----------
    energy_range : sequence of float
        ``E_start, step, E_1[, step, E_2, ...]`` in eV, as written after FDMNES's ``Range``
        keyword (an odd number, at least 3, of finite values).

    Returns
    -------
    ndarray of shape (n_points,)
        ``E_start``, then, for each segment, every step strictly below its limit and the limit
        itself (also when the steps do not land on it); the next segment steps from that
        limit. This is what the FDMNES build in the pyfitit 3.1.7 wheel writes (measured:
        ``-5 0.35 1 1 5`` gives ..., 0.6, 0.95, 1, 2, 3, 4, 5).

    Raises
    ------
    InvalidParameterError
        If the range does not have an odd number (≥ 3) of values, a step is not positive, or
        the limits do not increase.
    """
    values = [float(v) for v in energy_range]
    if len(values) < 3 or len(values) % 2 == 0 or not all(map(math.isfinite, values)):
        raise InvalidParameterError(
            f"energy_range must be E_start, step, E_1[, step, E_2 ...] (an odd number ≥ 3 of "
            f"finite values); got {energy_range!r}.", parameter="energy_range", value=energy_range)
    points = [values[0]]
    for k in range(1, len(values), 2):
        step, stop = values[k], values[k + 1]
        if step <= 0 or stop <= points[-1]:
            raise InvalidParameterError(
                f"energy_range {energy_range!r}: step {step} up to {stop} is empty (steps must "
                "be positive and limits increasing).", parameter="energy_range",
                value=energy_range)
        start = points[-1]
        n_below = int(math.ceil((stop - start) / step - 1e-6)) - 1
        points += [start + step * i for i in range(1, n_below + 1)]
        points.append(stop)
    return np.array(points)


def write_input(cluster: Cluster, settings: FdmnesSettings | None = None) -> str:
    """Return the text of the FDMNES input file for ``cluster``.

    Coordinates are written in Å with 6 decimals in a ``Molecule`` block (cubic cell of
    1 Å, so Cartesian = fractional); the absorber is given by its 1-based index. ``Filout``
    is ``out``: FDMNES writes ``out.txt`` and ``out*_conv.txt``, which :func:`run_fdmnes`
    reads.

    Parameters
    ----------
    cluster : Cluster
    settings : FdmnesSettings, optional
        Defaults to ``FdmnesSettings()``.

    Returns
    -------
    str
    """
    settings = FdmnesSettings() if settings is None else settings
    settings.validate()
    lines = ["Filout", "out", "", "Range", " ".join(_num(v) for v in settings.energy_range),
             "", "Radius", _num(settings.radius), ""]
    if settings.mode == "green":
        lines += ["Green", ""]
    lines += ["Edge", settings.edge, "", "Absorber", str(cluster.absorber + 1), ""]
    lines += ["Molecule", "1.0 1.0 1.0 90 90 90"]
    for z, (x, y, zz), symbol in zip(cluster.numbers, cluster.positions, cluster.symbols):
        lines.append(f"{z:3d} {x:12.6f} {y:12.6f} {zz:12.6f}   ! {symbol}")
    lines.append("")
    if settings.convolution is not None:
        lines += settings.convolution.lines()
    for line in settings.extra:
        lines += [str(line)]
    if settings.extra:
        lines.append("")
    lines.append("End")
    return "\n".join(lines) + "\n"


def input_key(text: str, executable=None) -> str:
    """Cache key of a run: SHA-256 of the input text (and the executable's size, if given).

    Parameters
    ----------
    text : str
        FDMNES input file text, as returned by :func:`write_input`.
    executable : str or path-like, optional
        FDMNES executable; its size in bytes is hashed too, so a different build gives a
        different key.

    Returns
    -------
    str
        The first 32 hexadecimal digits (128 bits) of the SHA-256 digest.
    """
    h = hashlib.sha256(text.encode())
    if executable is not None:
        h.update(str(Path(executable).stat().st_size).encode())
    return h.hexdigest()[:32]


# --------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------
def read_output(path, *, expected=None) -> dict:
    """Read an FDMNES output file (``out.txt`` or ``out*_conv.txt``) with
    :func:`formulae.io.read_fdmnes`'s parser.

    Parameters
    ----------
    path : str or path-like
    expected : int, optional
        Number of energies the ``Range`` produces; fewer data lines means a truncated file.

    Returns
    -------
    dict
        ``energy`` (eV, as printed), ``mu`` (the ``<xanes>`` column), ``header`` (name -> value
        from the ``... = E_edge, Z, ...`` line, empty for convolved files), ``text`` (the file).

    Raises
    ------
    DataError
        If the file is missing, has no ``Energy`` line, a data line is malformed or cut short
        (line named), or has fewer points than ``expected`` ("truncated FDMNES output").
    """
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise DataError(f"{path}: no such FDMNES output file.", path=str(path)) from None
    spectrum = _parse_fdmnes(str(path), text.splitlines(), 1)
    if expected is not None and spectrum.energy.size != expected:
        raise DataError(f"{path}: truncated FDMNES output: {spectrum.energy.size} energies, the "
                        f"Range gives {expected}.", path=str(path), value=spectrum.energy.size)
    return {"energy": spectrum.energy, "mu": spectrum.mu, "header": spectrum.meta, "text": text}


@dataclass(frozen=True, eq=False)
class FdmnesResult:
    """One FDMNES calculation.

    Parameters
    ----------
    energy : ndarray of shape (n_points,)
        Energies as printed by FDMNES, eV relative to the edge (``e_edge``).
    mu : ndarray of shape (n_points,)
        Unconvoluted cross-section (``out.txt``, column ``<xanes>``).
    mu_conv : ndarray of shape (n_points,) or None
        Convolved spectrum (``out*_conv.txt``) on the same energies, when a convolution was asked.
    e_edge : float
        Tabulated edge energy, eV (first value of the header line).
    input_text : str
        The input file.
    raw : str
        Text of ``out.txt``.
    raw_conv : str or None
        Text of the convolved output file.
    folder : str or None
        Working folder when kept, else ``None``.
    cached : bool
        Whether the result came from the cache.
    """

    energy: np.ndarray
    mu: np.ndarray
    mu_conv: np.ndarray | None
    e_edge: float
    input_text: str
    raw: str
    raw_conv: str | None = None
    folder: str | None = None
    cached: bool = False


def _tail(path: Path, n: int = 12) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    lines = [line.rstrip() for line in lines if line.strip()]
    return "\n".join(lines[-n:]) if lines else "(empty log)"


def _result_from_files(out: Path, conv: Path | None, input_text, expected, *, folder=None,
                       cached=False) -> FdmnesResult:
    main = read_output(out, expected=expected)
    mu_conv = raw_conv = None
    if conv is not None:
        c = read_output(conv, expected=expected)
        if not np.array_equal(c["energy"], main["energy"]):
            raise DataError(f"{conv}: energies differ from those of {out}.", path=str(conv))
        mu_conv, raw_conv = c["mu"], c["text"]
    return FdmnesResult(energy=main["energy"], mu=main["mu"], mu_conv=mu_conv,
                        e_edge=float(main["header"].get("E_edge", np.nan)), input_text=input_text,
                        raw=main["text"], raw_conv=raw_conv, folder=folder, cached=cached)


def run_fdmnes(cluster: Cluster, settings: FdmnesSettings | None = None, *, executable=None,
               cache_dir=None, keep: bool = False, workdir=None) -> FdmnesResult:
    """Run FDMNES for one cluster in a fresh temporary folder.

    Parameters
    ----------
    cluster : Cluster
    settings : FdmnesSettings, optional
    executable : path-like, optional
        The FDMNES binary; :func:`locate_fdmnes` by default.
    cache_dir : path-like, optional
        Folder of finished runs keyed by the input text and the executable's size
        (:func:`input_key`): a run found there is read instead of recomputed, and a new run is
        stored there, so an interrupted batch resumes where it stopped; another FDMNES build
        does not reuse it.
    keep : bool, default=False
        Keep the working folder (its path is in ``result.folder``). A failed run's folder is
        always kept.
    workdir : path-like, optional
        Parent of the temporary folder (default: the system's temporary directory).

    Returns
    -------
    FdmnesResult

    Raises
    ------
    SimulationError
        If FDMNES times out, exits with an error, writes ``fdmnes_error.txt`` or no output; the
        message names the folder and quotes the last lines of its log.
    DataError
        If an output file is truncated (the file and line are named).
    """
    settings = FdmnesSettings() if settings is None else settings
    text = write_input(cluster, settings)
    expected = len(energy_grid(settings.energy_range))
    conv_wanted = settings.convolution is not None
    executable = Path(executable) if executable is not None else locate_fdmnes()
    key = input_key(text, executable)
    if cache_dir is not None:
        cache_dir = Path(cache_dir)
        out, conv = cache_dir / f"{key}.out.txt", cache_dir / f"{key}.conv.txt"
        if out.is_file() and (conv.is_file() or not conv_wanted):
            return _result_from_files(out, conv if conv_wanted else None, text, expected,
                                      cached=True)
    if workdir is not None:
        Path(workdir).mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="fdmnes_", dir=workdir))
    (folder / "in.txt").write_text(text)
    (folder / "fdmfile.txt").write_text("1\nin.txt\n")
    log = folder / "log.txt"
    try:
        with open(log, "wb") as handle:
            proc = subprocess.run([str(executable)], cwd=folder, stdout=handle,
                                  stderr=subprocess.STDOUT, timeout=settings.timeout)
    except subprocess.TimeoutExpired:
        raise SimulationError(f"FDMNES timed out after {settings.timeout:g} s in {folder}; last "
                              f"lines of its log:\n{_tail(log)}", folder=folder) from None
    except OSError as exc:
        raise SimulationError(f"FDMNES could not be started ({executable}): {exc}; folder "
                              f"{folder}", folder=folder) from None
    error_file = folder / "fdmnes_error.txt"
    out = folder / "out.txt"
    if proc.returncode != 0 or error_file.exists() or not out.exists():
        why = (f"exit code {proc.returncode}" if proc.returncode != 0 else
               "it wrote fdmnes_error.txt" if error_file.exists() else "it wrote no out.txt")
        details = f"last lines of its log:\n{_tail(log)}"
        if error_file.exists():
            details += f"\nfdmnes_error.txt:\n{_tail(error_file)}"
        raise SimulationError(f"FDMNES failed in {folder} ({why}); {details}", folder=folder)
    conv = None
    if conv_wanted:
        found = sorted(folder.glob("out*_conv.txt"))
        if len(found) != 1:
            raise SimulationError(f"FDMNES wrote {len(found)} convolved files (out*_conv.txt) in "
                                  f"{folder}; expected 1. Last lines of its log:\n{_tail(log)}",
                                  folder=folder)
        conv = found[0]
    result = _result_from_files(out, conv, text, expected, folder=str(folder) if keep else None)
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # write the conv file first and out last: out's presence marks a complete entry
        if conv is not None:
            _atomic_write(cache_dir / f"{key}.conv.txt", result.raw_conv)
        _atomic_write(cache_dir / f"{key}.in.txt", text)
        _atomic_write(cache_dir / f"{key}.out.txt", result.raw)
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return result


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------------
# the shipped data set
# --------------------------------------------------------------------------------------------
def load_default_dataset(*, convolved: bool = True):
    """Load the Fe-O XANES set computed with FDMNES and shipped with formulae.

    FeO_N clusters (N = 4 tetrahedral, 5 square-pyramidal, 6 octahedral) with individually
    varied Fe-O distances and angles, sampled by an optimized Latin hypercube, plus a Natoli
    series of regular FeO6 octahedra; see ``docs/data.md`` for the settings and the command
    that regenerates it.

    Parameters
    ----------
    convolved : bool, default=True
        Return FDMNES's convolved spectra (``out*_conv.txt``); ``False`` returns the raw
        cross-sections (``out.txt``).

    Returns
    -------
    formulae.io.Sample
        ``params`` holds ``family``, ``CN``, ``avgDist``, ``stdDist`` and the geometry
        parameters (NaN where a family has no such parameter); ``energy`` is in eV relative to
        the edge (``meta["e_edge"]`` = 7112 eV for Fe K); ``meta`` holds the FDMNES settings.
    """
    from .sampling import load_npz

    base = Path(__file__).with_name("data") / DEFAULT_DATASET
    if not base.with_suffix(".npz").is_file() or not base.with_suffix(".json").is_file():
        raise DataError(f"{base}.npz: the default data set is missing from this installation.",
                        path=f"{base}.npz")
    return load_npz(base, convolved=convolved)
