"""Fe(SiO4)N clusters of the reference study, rebuilt from their geometry parameters.

The shared Fe(SiO4)N set (``xanes/fesio4``) stores each structure as a few geometry parameters
(``samples/sampleN/params.txt``), not as coordinates. This module turns them back into the
clusters: an Fe absorber with N SiO4 tetrahedra, each bonded to Fe through one bridging O,
built from the three coordinate templates stored beside the set (``structures/Fe.xyz``,
``tetra.xyz``: an SiO4 group with its bridging O at the origin and Si on +x, and
``17_croped.xyz``: Fe with four SiO4 groups, the template of the three-coordinated clusters).

Geometry (distances in Å, angles in degrees; rotations right-handed about axes through Fe):

=====  ====================  ==============================================================
N      parameters            cluster
=====  ====================  ==============================================================
2      ``d12 phi1 psi r1``   both groups turned by ``psi`` about y (about their bridging O);
                             one O at ``r1`` on +x, the other at ``r1 + d12``, turned by
                             ``phi1`` about z (O-Fe-O angle ``phi1``)
3      ``phi r1 r2``         from ``17_croped.xyz``: groups 2, 3, 4 moved along their Fe-O
                             bond to ``r1``, ``r2``, ``r2`` and turned in the plane of that
                             bond and the bond of group 1 until the angle to it is ``phi``;
                             group 1 is then removed
4      ``phi1 phi2 r1 r2``   two O at ``r1`` in the xz plane (O-Fe-O angle ``phi1``), two at
                             ``r2`` on the -x side in the xy plane (angle ``phi2``), groups
                             pointing away from Fe
5      ``d2 r1 r2``          square pyramid: O at ``r1`` on -z; on the equator +y and -y at
                             ``r2``, -x and +x at ``r2 + d2``
6      ``d2 r1 r2``          the same plus a second apical O at ``r1`` on +z
=====  ====================  ==============================================================

This is the mapping of the study's PyFitIt project, re-implemented from its description; the
labels it implies (mean and standard deviation of the N shortest Fe-O distances) are checked
against the stored ``avgDist``/``stdDist`` of all 2500 structures in the tests.

=======================  ==========================================================================
name                     what it is
=======================  ==========================================================================
PARAMETERS               N -> names of the geometry parameters, in ``params.txt`` order
SHIFTS                   N -> energy shift (eV) applied to that N's computed spectra in the study
Templates                the three coordinate templates (frozen dataclass)
load_templates           read them from the ``structures`` folder of the shared set
read_params              the parameter table ``samples/sampleN/params.txt`` as a dict of arrays
build_fesio4             the :class:`~formulae.structures.Cluster` of one structure
first_shell_distances    the N Fe-O bond lengths implied by the parameters (no coordinates)
CONVOLUTION              the study's FDMNES-style broadening parameters (eV)
NORMALISATION            the study's divisor of the broadened spectra (0.0301)
study_spectrum           a raw FDMNES spectrum processed exactly as the stored ones
=======================  ==========================================================================

:func:`study_spectrum` reproduces the columns of ``sampleWithDescriptors/spectra.csv`` from the
raw spectra of ``samples/sampleN/spectra.txt`` to about 2e-15 (relative), which the tests check;
it is how spectra computed otherwise (e.g. FDMNES in Green mode) are put on the same footing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._validation import check_array_1d, check_choice, check_increasing, check_number
from .errors import DataError, InvalidParameterError
from .io import _read_lines
from .structures import Cluster, _rotation, geometry_labels, make_cluster, read_xyz

__all__ = [
    "PARAMETERS",
    "SHIFTS",
    "Templates",
    "load_templates",
    "read_params",
    "build_fesio4",
    "first_shell_distances",
    "CONVOLUTION",
    "NORMALISATION",
    "study_spectrum",
]

#: Geometry parameters of each coordination number, in the column order of ``params.txt``.
PARAMETERS = {
    2: ("d12", "phi1", "psi", "r1"),
    3: ("phi", "r1", "r2"),
    4: ("phi1", "phi2", "r1", "r2"),
    5: ("d2", "r1", "r2"),
    6: ("d2", "r1", "r2"),
}

#: Energy shift (eV) the study applied to the computed spectra of each N (PROVENANCE.md).
SHIFTS = {2: -150.0, 3: -150.0, 4: -148.6, 5: -148.0, 6: -148.0}

#: The study's broadening (FDMNES's arctangent width law, :func:`formulae.xanes.fdmnes_width`).
CONVOLUTION = {"gamma_hole": 3.47, "e_cent": 28.72, "e_larg": 56.44, "gamma_max": 21.4,
               "e_fermi": 7118.0}

#: The study divided the broadened spectra by this number.
NORMALISATION = 0.0301

_TEMPLATE_FILES = ("Fe.xyz", "tetra.xyz", "17_croped.xyz")


@dataclass(frozen=True, eq=False)
class Templates:
    """Coordinate templates of the Fe(SiO4)N clusters (Å).

    Parameters
    ----------
    fe : tuple of (tuple of str, ndarray of shape (1, 3))
        The absorber alone, at the origin.
    tetra : tuple of (tuple of str, ndarray of shape (5, 3))
        An SiO4 group with its bridging O at the origin and Si on +x.
    cn3 : tuple of (tuple of str, ndarray of shape (21, 3))
        Fe at the origin followed by four SiO4 groups (Si first, then its bridging O, then
        three terminal O): the template of the three-coordinated clusters.
    """

    fe: tuple
    tetra: tuple
    cn3: tuple


def load_templates(folder) -> Templates:
    """Read the three templates from the ``structures`` folder of the shared Fe(SiO4)N set.

    Parameters
    ----------
    folder : path-like
        Folder holding ``Fe.xyz``, ``tetra.xyz`` and ``17_croped.xyz``.

    Returns
    -------
    Templates

    Raises
    ------
    DataError
        If a file is missing or malformed, or its content is not the expected template (e.g.
        the bridging O of ``tetra.xyz`` not at the origin); the file is named.
    """
    folder = Path(folder)
    fe, tetra, cn3 = (read_xyz(folder / name) for name in _TEMPLATE_FILES)
    checks = (
        (fe, "Fe.xyz", fe[0] == ("Fe",) and np.allclose(fe[1], 0.0),
         "one Fe atom at the origin"),
        (tetra, "tetra.xyz", len(tetra[0]) == 5 and sorted(tetra[0]) == ["O"] * 4 + ["Si"]
         and tetra[0][4] == "O" and np.allclose(tetra[1][4], 0.0),
         "Si and four O, the last O (bridging) at the origin"),
        (cn3, "17_croped.xyz", len(cn3[0]) == 21 and cn3[0][0] == "Fe"
         and np.allclose(cn3[1][0], 0.0)
         and all(cn3[0][1 + 5 * g:6 + 5 * g] == ("Si", "O", "O", "O", "O") for g in range(4)),
         "Fe at the origin, then four groups Si O O O O"),
    )
    for _, name, ok, what in checks:
        if not ok:
            raise DataError(f"{folder / name}: expected {what}.", path=str(folder / name))
    return Templates(fe=fe, tetra=tetra, cn3=cn3)


def read_params(path, n: int) -> dict:
    """Read ``samples/sampleN/params.txt``: a header of parameter names, one row per structure.

    Parameters
    ----------
    path : path-like
        The file.
    n : int
        Coordination number (2..6); the header must list :data:`PARAMETERS` ``[n]``.

    Returns
    -------
    dict of str -> ndarray
        One float array per parameter.

    Raises
    ------
    DataError
        If the header is not the expected one or a row is not numeric (line named).
    """
    n = check_choice(n, "n", tuple(PARAMETERS), owner="read_params")
    path = str(path)
    lines = _read_lines(path)  # DataError naming a missing, directory or non-UTF-8 file
    header = tuple(lines[0].split()) if lines else ()
    if header != PARAMETERS[n]:
        raise DataError(f"{path}, line 1: expected the header {' '.join(PARAMETERS[n])!r} for "
                        f"N={n}; got {' '.join(header)!r}.", path=path, line=1)
    rows = []
    for line_no, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            values = [float(v) for v in line.split()]
        except ValueError:
            values = []
        if len(values) != len(header) or not np.all(np.isfinite(values)):
            raise DataError(f"{path}, line {line_no}: expected {len(header)} finite numbers; "
                            f"got {line!r}.", path=path, line=line_no, value=line)
        rows.append(values)
    table = np.array(rows, dtype=float).reshape(-1, len(header))
    return {name: table[:, k] for k, name in enumerate(header)}


def _rot(axis, degrees):
    """Right-handed rotation matrix about ``axis`` (through the origin) by ``degrees``."""
    return _rotation(np.asarray(axis, dtype=float), np.radians(degrees))


def _checked(n: int, params: dict) -> dict:
    names = PARAMETERS[n]
    missing = [p for p in names if p not in params]
    unknown = sorted(set(params) - set(names))
    if missing or unknown:
        raise InvalidParameterError(
            f"N={n} takes the parameters {', '.join(names)}; "
            + (f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}")
            + ".", parameter=(missing or unknown)[0])
    out = {}
    for p in names:
        if p.startswith("r"):
            out[p] = check_number(params[p], p, owner="build_fesio4", low=0.5)
        elif p.startswith("d"):
            out[p] = check_number(params[p], p, owner="build_fesio4", low=0.0)
        else:
            out[p] = check_number(params[p], p, owner="build_fesio4", low=-360.0, high=360.0)
    return out


def first_shell_distances(n: int, params: dict) -> np.ndarray:
    """The N Fe-O bond lengths (Å) implied by the parameters, without building coordinates.

    Parameters
    ----------
    n : int
        Coordination number, 2..6.
    params : dict
        The parameters :data:`PARAMETERS` ``[n]`` (extra keys are refused).

    Returns
    -------
    ndarray of shape (n,)

    Examples
    --------
    >>> first_shell_distances(5, {"d2": 0.1, "r1": 2.0, "r2": 1.9}).round(3).tolist()
    [2.0, 1.9, 2.0, 1.9, 2.0]
    """
    n = check_choice(n, "n", tuple(PARAMETERS), owner="first_shell_distances")
    p = _checked(n, params)
    if n == 2:
        d = [p["r1"], p["r1"] + p["d12"]]
    elif n == 3:
        d = [p["r1"], p["r2"], p["r2"]]
    elif n == 4:
        d = [p["r1"], p["r1"], p["r2"], p["r2"]]
    else:
        far = p["r2"] + p["d2"]
        d = [p["r1"], p["r2"], far, p["r2"], far] + ([p["r1"]] if n == 6 else [])
    return np.array(d)


def _group(templates: Templates, before, shift: float, after) -> tuple:
    """The SiO4 group rotated by ``before`` (about its bridging O, at the origin), moved by
    ``shift`` along x, then rotated by ``after`` (about Fe)."""
    symbols, positions = templates.tetra
    for matrix in before:
        positions = positions @ matrix.T
    positions = positions + np.array([shift, 0.0, 0.0])
    for matrix in after:
        positions = positions @ matrix.T
    return symbols, positions


def build_fesio4(n: int, params: dict, templates: Templates) -> Cluster:
    """Return the Fe(SiO4)N cluster of one structure of the shared set.

    Parameters
    ----------
    n : int
        Coordination number, 2..6.
    params : dict
        Geometry parameters :data:`PARAMETERS` ``[n]`` (a row of ``params.txt``).
    templates : Templates
        From :func:`load_templates`.

    Returns
    -------
    Cluster
        Fe first (the absorber), then the groups; ``labels`` hold the parameters and ``CN``,
        ``avgDist``, ``stdDist`` of the N shortest Fe-O distances (numpy ``std``, ddof 0).

    Raises
    ------
    InvalidParameterError
        For a missing, unknown or non-finite parameter, or a geometry with two atoms closer
        than 0.5 Å (named by :func:`~formulae.structures.make_cluster`).
    """
    n = check_choice(n, "n", tuple(PARAMETERS), owner="build_fesio4")
    p = _checked(n, params)
    x, y, z = np.eye(3)
    if n == 3:
        symbols, positions = templates.cn3
        positions = positions.copy()
        top = positions[2]                       # bridging O of group 1 (the vertical axis)
        for g, r in ((2, p["r1"]), (3, p["r2"]), (4, p["r2"])):
            rows = slice(1 + 5 * (g - 1), 6 + 5 * (g - 1))
            bond = positions[1 + 5 * (g - 1) + 1]
            positions[rows] += (r - np.linalg.norm(bond)) * bond / np.linalg.norm(bond)
            cos = np.dot(top, bond) / np.linalg.norm(top) / np.linalg.norm(bond)
            angle = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
            positions[rows] = positions[rows] @ _rot(np.cross(top, bond), p["phi"] - angle).T
        keep = [0] + list(range(6, 21))
        symbols, positions = tuple(symbols[i] for i in keep), positions[keep]
    else:
        turn = _rot(y, 180.0)                    # the group's Si towards -x (for O on -x)
        if n == 2:
            tilt = _rot(y, p["psi"])
            groups = [_group(templates, [tilt], p["r1"], []),
                      _group(templates, [tilt], p["r1"] + p["d12"], [_rot(z, p["phi1"])])]
        elif n == 4:
            half1, half2 = p["phi1"] / 2.0, p["phi2"] / 2.0
            groups = [_group(templates, [], p["r1"], [_rot(y, half1)]),
                      _group(templates, [], p["r1"], [_rot(-y, half1)]),
                      _group(templates, [turn], -p["r2"], [_rot(z, half2)]),
                      _group(templates, [turn], -p["r2"], [_rot(-z, half2)])]
        else:
            far = p["r2"] + p["d2"]
            groups = [_group(templates, [], p["r1"], [_rot(y, 90.0)]),
                      _group(templates, [], p["r2"], [_rot(z, 90.0)]),
                      _group(templates, [], far, [_rot(z, 180.0)]),
                      _group(templates, [], p["r2"], [_rot(z, -90.0)]),
                      _group(templates, [], far, [])]
            if n == 6:
                groups.insert(1, _group(templates, [], p["r1"], [_rot(y, -90.0)]))
        symbols = tuple(templates.fe[0]) + tuple(s for g in groups for s in g[0])
        positions = np.vstack([templates.fe[1]] + [g[1] for g in groups])
    cluster = make_cluster(symbols, positions, absorber=0)
    labels = {**p, **geometry_labels(_first_shell_only(cluster), n)}
    return Cluster(cluster.symbols, cluster.positions, cluster.absorber, labels)


def _first_shell_only(cluster: Cluster) -> Cluster:
    """The absorber and its O neighbours (the labels count Fe-O distances only)."""
    keep = [i for i, s in enumerate(cluster.symbols) if i == cluster.absorber or s == "O"]
    return Cluster(tuple(cluster.symbols[i] for i in keep), cluster.positions[keep], 0, {})


def study_spectrum(energy, mu, n: int, energy_out, *, tail_fraction: float = 0.05) -> np.ndarray:
    """Process a raw spectrum as the stored Fe(SiO4)N spectra were (PROVENANCE.md).

    The energies are shifted by :data:`SHIFTS` ``[n]``; μ is set to 0 below the Fermi energy;
    the result at each output energy ``E`` is the trapezoid integral of μ against a unit-area
    Lorentzian of FWHM ``fdmnes_width(E)`` (:data:`CONVOLUTION`), plus the mean of the last
    ``tail_fraction`` of the spectrum continued one data span past its end, divided by the
    kernel's weight from one span below the first point to one span above the last (both
    closed forms of the Lorentzian's arctangent CDF), and finally by :data:`NORMALISATION`.

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing energies of the raw spectrum, eV, on the study's absolute scale
        (FDMNES relative energy + Epsii, before the shift).
    mu : array-like of shape (n_points,)
        Raw (unbroadened) absorption.
    n : int
        Coordination number 2..6 (selects the shift).
    energy_out : array-like
        Output energies, eV (the study used those of the measured α-Fe2O3 spectrum within
        7100-7200 eV: the first column of ``sampleWithDescriptors/spectra.csv``).
    tail_fraction : float, default=0.05
        Fraction of the points averaged for the continuation past the end.

    Returns
    -------
    ndarray
        The processed spectrum at ``energy_out``.

    Raises
    ------
    InvalidParameterError
        For an unknown ``n``, or ``energy`` and ``mu`` of different lengths (or fewer than 3).
    DataError
        For energies that are not finite and strictly increasing, or a non-finite ``mu``.
    """
    from .xanes import fdmnes_width, lorentzian_kernel
    from .xanes._checks import trapezoid_weights

    n = check_choice(n, "n", tuple(PARAMETERS), owner="study_spectrum")
    e = check_array_1d(energy, "energy") + SHIFTS[n]
    check_increasing(e, "energy")
    mu = check_array_1d(mu, "mu")  # a copy: zeroed below E_Fermi
    if mu.shape != e.shape or e.size < 3:
        raise InvalidParameterError(f"energy and mu must have the same length (≥ 3); got "
                                    f"{e.size} and {mu.size}.", parameter="mu")
    out = np.atleast_1d(np.asarray(energy_out, dtype=float))
    k = min(e.size - 2, e.size - int(e.size * tail_fraction))
    last = trapezoid_weights(e[k:]) @ mu[k:] / (e[-1] - e[k])
    mu[e < CONVOLUTION["e_fermi"]] = 0.0
    span = e[-1] - e[0]
    width = fdmnes_width(out, **CONVOLUTION)

    def cdf(x):
        return np.arctan(2.0 * (x - out) / width) / np.pi

    kernel = lorentzian_kernel(out[:, None] - e[None, :], width[:, None])
    inner = kernel @ (mu * trapezoid_weights(e))
    tail = (cdf(e[-1] + span) - cdf(e[-1])) * last
    return (inner + tail) / (cdf(e[-1] + span) - cdf(e[0] - span)) / NORMALISATION
