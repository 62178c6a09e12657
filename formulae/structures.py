"""Atomic clusters for XANES simulations: an absorber M with N ligands L (M-L_N).

Each builder takes the individual M-L distances (Å) and a few angles (degrees) as keyword
parameters, so that a sampler can vary them one by one, and returns a :class:`Cluster` whose
``labels`` hold the derived quantities the formula search learns: the coordination number
``CN``, the mean absorber-ligand distance ``avgDist`` and its standard deviation ``stdDist``
(numpy ``std``, ddof 0, as in the reference Fe(SiO4)N set).

=======================  ==========================================================================
name                     what it is
=======================  ==========================================================================
Cluster                  element symbols + Cartesian coordinates (Å) + absorber index + labels
make_cluster             validated :class:`Cluster` from symbols (or atomic numbers) and positions
atomic_number            Z of an element symbol (InvalidParameterError for an unknown one)
linear                   M-L2: ``r1 r2``, bond angle ``phi`` (180 = linear)
trigonal                 M-L3: ``r1..r3``, pyramidalization ``phi`` (0 = planar)
tetrahedral              M-L4: ``r1..r4``, pair angle ``phi`` (109.47 = regular), twist ``psi``
square_pyramidal         M-L5: ``r1..r5`` (``r5`` apical), apical-basal angle ``theta`` (90)
octahedral               M-L6: ``r1..r6``, equatorial puckering ``theta`` (0 = regular)
BUILDERS                 name -> builder, for configuration files
build                    call a builder by name with a dict of parameters
geometry_labels          CN, avgDist, stdDist of the ``n`` nearest neighbours of the absorber
read_xyz                 symbols and coordinates (Å) from an .xyz file
tetrahedral_group        an XO4 group (e.g. SiO4) with its bridging O at the origin, X on +x
attach_groups            put a group on every ligand (second shell, e.g. Fe(SiO4)N clusters)
=======================  ==========================================================================

Every builder also accepts ``r`` for all distances at once (e.g. a regular octahedron for a
Natoli series), ``metal`` and ``ligand`` (element symbols, default Fe and O).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import check_int, check_number
from .errors import DataError, InvalidParameterError

__all__ = [
    "Cluster",
    "make_cluster",
    "atomic_number",
    "linear",
    "trigonal",
    "tetrahedral",
    "square_pyramidal",
    "octahedral",
    "BUILDERS",
    "build",
    "geometry_labels",
    "read_xyz",
    "tetrahedral_group",
    "attach_groups",
    "MIN_DISTANCE",
]

#: Two atoms closer than this (Å) are refused: no real cluster has them, FDMNES would run on.
MIN_DISTANCE = 0.5

_SYMBOLS = (
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se "
    "Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb "
    "Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm"
).split()
_Z = {symbol: z for z, symbol in enumerate(_SYMBOLS, start=1)}


def atomic_number(symbol) -> int:
    """Return the atomic number of an element symbol (``"Fe"`` -> 26) or check an int Z.

    Parameters
    ----------
    symbol : str or int
        Element symbol with standard capitalisation, or an atomic number.

    Returns
    -------
    int
        Atomic number Z, from 1 (H) to 96 (Cm).

    Raises
    ------
    InvalidParameterError
        ``"unknown element 'Xx'"`` for a symbol (or Z) outside H..Cm.
    """
    if isinstance(symbol, (int, np.integer)) and not isinstance(symbol, bool):
        if 1 <= int(symbol) <= len(_SYMBOLS):
            return int(symbol)
    elif isinstance(symbol, str) and symbol in _Z:
        return _Z[symbol]
    raise InvalidParameterError(
        f"unknown element {symbol!r}; expected a symbol H..Cm with standard capitalisation "
        f"(e.g. 'Fe', 'O') or an atomic number 1..{len(_SYMBOLS)}.", parameter="symbols",
        value=symbol)


@dataclass(frozen=True, eq=False)
class Cluster:
    """A finite cluster of atoms around one absorber.

    Build it with :func:`make_cluster` or a builder, which validate the content.

    Parameters
    ----------
    symbols : tuple of str
        Element symbols, one per atom.
    positions : ndarray of shape (n_atoms, 3)
        Cartesian coordinates, in Å.
    absorber : int
        0-based index of the absorbing atom.
    labels : dict
        Geometry parameters used to build it and derived labels (CN, avgDist, stdDist).
    """

    symbols: tuple
    positions: np.ndarray
    absorber: int = 0
    labels: dict = field(default_factory=dict)

    @property
    def numbers(self) -> tuple:
        """Atomic numbers, one per atom."""
        return tuple(_Z[s] for s in self.symbols)

    @property
    def n_atoms(self) -> int:
        """Number of atoms."""
        return len(self.symbols)

    def distances(self) -> np.ndarray:
        """Distances (Å) from the absorber to every atom (0 for the absorber itself).

        Returns
        -------
        ndarray of shape (n_atoms,)
        """
        return np.linalg.norm(self.positions - self.positions[self.absorber], axis=1)


def make_cluster(symbols, positions, *, absorber: int = 0, labels=None) -> Cluster:
    """Return a validated :class:`Cluster`.

    Parameters
    ----------
    symbols : sequence of str or int
        Element symbols (``"Fe"``) or atomic numbers, one per atom.
    positions : array-like of shape (n_atoms, 3)
        Cartesian coordinates, in Å.
    absorber : int, default=0
        0-based index of the absorbing atom.
    labels : dict, optional
        Free-form labels stored with the cluster.

    Returns
    -------
    Cluster
        Symbols normalised to element symbols, positions copied as float64 (Å).

    Raises
    ------
    InvalidParameterError
        For an unknown element (named), positions of the wrong shape or not finite, an absorber
        index out of range, or two atoms closer than 0.5 Å (both named with their distance).

    Examples
    --------
    >>> c = make_cluster(["Fe", "O"], [[0, 0, 0], [0, 0, 2.0]])
    >>> c.numbers, float(c.distances()[1])
    ((26, 8), 2.0)
    """
    symbols = tuple(_SYMBOLS[atomic_number(s) - 1] for s in symbols)
    positions = np.array(positions, dtype=float)
    if positions.ndim != 2 or positions.shape != (len(symbols), 3):
        raise InvalidParameterError(
            f"positions must have shape ({len(symbols)}, 3), one row per symbol; got "
            f"{positions.shape}.", parameter="positions", value=positions.shape)
    if not np.all(np.isfinite(positions)):
        row = int(np.flatnonzero(~np.all(np.isfinite(positions), axis=1))[0])
        raise InvalidParameterError(f"position of atom {row} ({symbols[row]}) is not finite: "
                                    f"{positions[row].tolist()}.", parameter="positions")
    if isinstance(absorber, bool) or not isinstance(absorber, (int, np.integer)) \
            or not 0 <= absorber < len(symbols):
        raise InvalidParameterError(
            f"absorber index {absorber!r} is out of range for a cluster of {len(symbols)} atoms "
            f"(valid: 0..{len(symbols) - 1}).", parameter="absorber", value=absorber)
    if len(symbols) > 1:
        diff = positions[:, None, :] - positions[None, :, :]
        dist = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
        dist[np.diag_indices(len(symbols))] = np.inf
        i, j = np.unravel_index(int(np.argmin(dist)), dist.shape)
        if dist[i, j] < MIN_DISTANCE:
            i, j = min(i, j), max(i, j)
            raise InvalidParameterError(
                f"atoms {i} ({symbols[i]}) and {j} ({symbols[j]}) are {dist[i, j]:.3f} Å apart; "
                f"atoms closer than {MIN_DISTANCE} Å are refused.", parameter="positions",
                value=float(dist[i, j]))
    return Cluster(symbols=symbols, positions=positions, absorber=int(absorber),
                   labels=dict(labels or {}))


def geometry_labels(cluster: Cluster, n: int) -> dict:
    """Coordination number and statistics of the ``n`` nearest neighbours of the absorber.

    Parameters
    ----------
    cluster : Cluster
        Cluster with positions in Å.
    n : int
        Number of nearest neighbours counted (the coordination number), from 1 to the number
        of other atoms.

    Returns
    -------
    dict
        ``CN`` (= n), ``avgDist`` (mean distance, Å), ``stdDist`` (numpy ``std``, ddof 0, Å).

    Raises
    ------
    InvalidParameterError
        If ``n`` is not an integer in that range.
    """
    n = check_int(n, "n", owner="geometry_labels", low=1, high=cluster.n_atoms - 1)
    d = np.sort(np.delete(cluster.distances(), cluster.absorber))[:n]
    return {"CN": int(n), "avgDist": float(np.mean(d)), "stdDist": float(np.std(d))}


# --------------------------------------------------------------------------------------------
# builders
# --------------------------------------------------------------------------------------------
def _distances(n: int, r, given: dict, builder: str) -> tuple:
    names = [f"r{i}" for i in range(1, n + 1)]
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise InvalidParameterError(
            f"{builder} got unexpected parameter(s) {', '.join(unknown)}; it takes r (all "
            f"distances) or {', '.join(names)}.", parameter=unknown[0])
    if r is not None:
        if given:
            raise InvalidParameterError(f"{builder}: give either r or {', '.join(names)}, not both.",
                                        parameter="r", value=r)
        values = [r] * n
    else:
        missing = [name for name in names if name not in given]
        if missing:
            raise InvalidParameterError(f"{builder} needs the distance(s) {', '.join(missing)} "
                                        "(or r for all).", parameter=missing[0])
        values = [given[name] for name in names]
    return [check_number(v, name, owner=builder, low=0.0, low_open=True)
            for v, name in zip(values, names)], dict(zip(names, map(float, values)))


def _assemble(metal, ligand, directions, distances, params):
    directions = np.asarray(directions, dtype=float)
    directions /= np.linalg.norm(directions, axis=1)[:, None]
    positions = np.vstack([np.zeros(3), directions * np.asarray(distances)[:, None]])
    cluster = make_cluster([metal] + [ligand] * len(distances), positions, absorber=0)
    labels = {**geometry_labels(cluster, len(distances)), **params}
    return Cluster(cluster.symbols, cluster.positions, 0, labels)


def _angle(value, name, builder, low, high):
    return np.radians(check_number(value, name, owner=builder, low=low, high=high))


def _builder_doc(n: int):
    """Fill a builder's docstring fields ``{r}`` and ``{shared}`` (entries all builders share)."""
    names = ", ".join(f"r{i}" for i in range(1, n + 1))
    r = (f"r : float, optional\n        One metal-ligand distance for all {n} ligands, in Å; give "
         f"either ``r`` or every one of\n        ``{names}``.")
    shared = f"""metal : str, default="Fe"
        Element symbol of the absorber, placed at the origin.
    ligand : str, default="O"
        Element symbol of the ligands.
    **distances : float
        ``{names}``: the individual metal-ligand distances, in Å (positive).

    Returns
    -------
    Cluster
        Absorber first (index 0), then the ligands in the order ``r1, r2, ...``; ``labels``
        holds ``CN``, ``avgDist``, ``stdDist`` (Å), ``{names}`` and the angle(s).

    Raises
    ------
    InvalidParameterError
        For both or neither of ``r`` and the individual distances, an unknown keyword, a
        distance that is not positive, or an angle out of range (each named)."""

    def decorate(func):
        if func.__doc__:  # None under python -OO
            func.__doc__ = func.__doc__.format(r=r, shared=shared)
        return func

    return decorate


@_builder_doc(2)
def linear(*, r=None, phi=180.0, metal="Fe", ligand="O", **distances) -> Cluster:
    """M-L2 with bond angle ``phi`` (degrees, 180 = linear), both ligands in the xz plane.

    Parameters
    ----------
    {r}
    phi : float, default=180.0
        L-M-L angle in degrees, within [30, 180].
    {shared}

    Examples
    --------
    >>> c = linear(r1=2.0, r2=2.2)
    >>> c.labels["CN"], round(c.labels["avgDist"], 3), round(c.labels["stdDist"], 3)
    (2, 2.1, 0.1)
    """
    d, params = _distances(2, r, distances, "linear")
    half = _angle(phi, "phi", "linear", 30.0, 180.0) / 2
    dirs = [[np.sin(half), 0.0, np.cos(half)], [-np.sin(half), 0.0, np.cos(half)]]
    return _assemble(metal, ligand, dirs, d, {**params, "phi": float(phi)})


@_builder_doc(3)
def trigonal(*, r=None, phi=0.0, metal="Fe", ligand="O", **distances) -> Cluster:
    """M-L3, ligands 120° apart in azimuth and ``phi`` degrees below the xy plane (0 = planar).

    Parameters
    ----------
    {r}
    phi : float, default=0.0
        Tilt of every ligand below the xy plane in degrees, within [0, 60] (0 = planar).
    {shared}
    """
    d, params = _distances(3, r, distances, "trigonal")
    tilt = _angle(phi, "phi", "trigonal", 0.0, 60.0)
    az = np.radians([0.0, 120.0, 240.0])
    dirs = np.column_stack([np.cos(tilt) * np.cos(az), np.cos(tilt) * np.sin(az),
                            -np.sin(tilt) * np.ones(3)])
    return _assemble(metal, ligand, dirs, d, {**params, "phi": float(phi)})


@_builder_doc(4)
def tetrahedral(*, r=None, phi=109.4712206, psi=90.0, metal="Fe", ligand="O",
                **distances) -> Cluster:
    """M-L4 made of two L-M-L pairs with angle ``phi`` each (109.47° = regular tetrahedron).

    Pair 1 (r1, r2) lies in the xz plane above the metal, pair 2 (r3, r4) below it, rotated
    by ``psi`` degrees about z (90 = D2d; with phi = 109.47 a regular tetrahedron).

    Parameters
    ----------
    {r}
    phi : float, default=109.4712206
        L-M-L angle within each pair in degrees, within [60, 180].
    psi : float, default=90.0
        Rotation of pair 2 relative to pair 1 about z in degrees, within [0, 180].
    {shared}
    """
    d, params = _distances(4, r, distances, "tetrahedral")
    half = _angle(phi, "phi", "tetrahedral", 60.0, 180.0) / 2
    twist = _angle(psi, "psi", "tetrahedral", 0.0, 180.0)
    s, c = np.sin(half), np.cos(half)
    dirs = [[s, 0, c], [-s, 0, c],
            [s * np.cos(twist), s * np.sin(twist), -c], [-s * np.cos(twist), -s * np.sin(twist), -c]]
    return _assemble(metal, ligand, dirs, d,
                     {**params, "phi": float(phi), "psi": float(psi)})


@_builder_doc(5)
def square_pyramidal(*, r=None, theta=90.0, metal="Fe", ligand="O", **distances) -> Cluster:
    """M-L5: four basal ligands (r1..r4) at ``theta`` degrees from the apical one (r5, on +z).

    Parameters
    ----------
    {r}
    theta : float, default=90.0
        Angle between each basal bond and the apical one (+z) in degrees, within [60, 150].
    {shared}
    """
    d, params = _distances(5, r, distances, "square_pyramidal")
    t = _angle(theta, "theta", "square_pyramidal", 60.0, 150.0)
    az = np.radians([0.0, 90.0, 180.0, 270.0])
    basal = np.column_stack([np.sin(t) * np.cos(az), np.sin(t) * np.sin(az), np.cos(t) * np.ones(4)])
    dirs = np.vstack([basal, [0.0, 0.0, 1.0]])
    return _assemble(metal, ligand, dirs, d, {**params, "theta": float(theta)})


@_builder_doc(6)
def octahedral(*, r=None, theta=0.0, metal="Fe", ligand="O", **distances) -> Cluster:
    """M-L6: equatorial ligands r1..r4 (±x, ±y), axial r5 (+z) and r6 (-z).

    The equatorial ligands are tilted alternately up and down by ``theta`` degrees (puckering;
    0 = regular octahedron).

    Parameters
    ----------
    {r}
    theta : float, default=0.0
        Puckering angle of the equatorial ligands in degrees, within [-45, 45].
    {shared}
    """
    d, params = _distances(6, r, distances, "octahedral")
    t = _angle(theta, "theta", "octahedral", -45.0, 45.0)
    az = np.radians([0.0, 90.0, 180.0, 270.0])
    sign = np.array([1.0, -1.0, 1.0, -1.0])
    equatorial = np.column_stack([np.cos(t) * np.cos(az), np.cos(t) * np.sin(az), sign * np.sin(t)])
    dirs = np.vstack([equatorial, [0.0, 0.0, 1.0], [0.0, 0.0, -1.0]])
    return _assemble(metal, ligand, dirs, d, {**params, "theta": float(theta)})


BUILDERS = {
    "linear": linear,
    "trigonal": trigonal,
    "tetrahedral": tetrahedral,
    "square_pyramidal": square_pyramidal,
    "octahedral": octahedral,
}


def build(name: str, params: dict) -> Cluster:
    """Call the builder ``name`` (a key of :data:`BUILDERS`) with the parameters ``params``.

    Parameters
    ----------
    name : str
        Builder name, e.g. ``"tetrahedral"``.
    params : dict
        Keyword arguments of that builder (distances in Å, angles in degrees, elements).

    Returns
    -------
    Cluster
        The built cluster.

    Raises
    ------
    InvalidParameterError
        For an unknown builder (the known ones are listed) or a bad parameter.
    """
    if name not in BUILDERS:
        raise InvalidParameterError(f"unknown structure builder {name!r}; known: "
                                    f"{', '.join(BUILDERS)}.", parameter="builder", value=name)
    return BUILDERS[name](**params)


# --------------------------------------------------------------------------------------------
# second shell
# --------------------------------------------------------------------------------------------
def read_xyz(path) -> tuple:
    """Read an ``.xyz`` file: atom count, a comment line, then ``symbol x y z`` lines (Å).

    Parameters
    ----------
    path : str or path-like
        The ``.xyz`` file (UTF-8); blank lines after the comment are skipped.

    Returns
    -------
    tuple of (tuple of str, ndarray of shape (n_atoms, 3))
        Symbols as written (not checked here) and coordinates in Å.

    Raises
    ------
    DataError
        If the count does not match the atom lines or a line is malformed (line named).
    """
    path = str(path)
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file.", path=path) from None
    try:
        n = int(lines[0].split()[0])
    except (IndexError, ValueError):
        raise DataError(f"{path}, line 1: expected the number of atoms.", path=path,
                        line=1) from None
    body = [(i + 3, line) for i, line in enumerate(lines[2:]) if line.strip()]
    if len(body) != n:
        raise DataError(f"{path}: line 1 announces {n} atoms, the file has {len(body)}.",
                        path=path)
    symbols, positions = [], []
    for line_no, line in body:
        cells = line.split()
        try:
            positions.append([float(v) for v in cells[1:4]])
            if len(cells) < 4:
                raise ValueError
        except ValueError:
            raise DataError(f"{path}, line {line_no}: expected 'symbol x y z'; got {line!r}.",
                            path=path, line=line_no, value=line) from None
        symbols.append(cells[0])
    return tuple(symbols), np.array(positions)


def tetrahedral_group(*, center: str = "Si", ligand: str = "O", d: float = 1.62) -> tuple:
    """A regular XO4 tetrahedron whose bridging O sits at the origin and X at (d, 0, 0).

    Parameters
    ----------
    center : str, default="Si"
        Element symbol of the central atom X.
    ligand : str, default="O"
        Element symbol of the four ligands.
    d : float, default=1.62
        X-ligand distance, in Å (positive).

    Returns
    -------
    tuple of (tuple of str, ndarray of shape (5, 3))
        Symbols ``(O, X, O, O, O)`` (the bridging O first) and coordinates in Å.
    """
    d = check_number(d, "d", owner="tetrahedral_group", low=0.0, low_open=True)
    # unit vectors from X to its four O; the first points back at the origin (-x)
    c = -1.0 / 3.0
    s = np.sqrt(1 - c * c)
    az = np.radians([0.0, 120.0, 240.0])
    others = np.column_stack([-c * np.ones(3), s * np.cos(az), s * np.sin(az)])
    x = np.array([d, 0.0, 0.0])
    positions = np.vstack([np.zeros(3), x, x + d * others])
    return (ligand, center, ligand, ligand, ligand), positions


def _rotation(axis, angle):
    axis = axis / np.linalg.norm(axis)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k


def _frame(u):
    """Rotation taking +x to the unit vector u (and a fixed choice of the perpendicular axes)."""
    ref = np.array([0.0, 0.0, 1.0]) if abs(u[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    v = np.cross(ref, u)
    v /= np.linalg.norm(v)
    w = np.cross(u, v)
    return np.column_stack([u, v, w])


def attach_groups(cluster: Cluster, group=None, *, angle: float = 180.0, twist: float = 0.0,
                  ligands=None) -> Cluster:
    """Attach a copy of ``group`` to ligands of the absorber (a second coordination shell).

    The group's first atom (at its origin, e.g. the bridging O of :func:`tetrahedral_group`) is
    placed on the ligand and replaced by it; the group's +x axis (towards X) makes the angle
    ``angle`` with the ligand-to-absorber direction (M-O-X angle; 180 = collinear), and the
    group is turned by ``twist`` degrees about that axis.

    Parameters
    ----------
    cluster : Cluster
    group : tuple of (symbols, positions), optional
        Default: ``tetrahedral_group()`` (SiO4, Si-O 1.62 Å). :func:`read_xyz` reads others,
        e.g. ``tetra.xyz`` of the Fe(SiO4)N study (bridging O at the origin).
    angle : float, default=180.0
        M-O-X angle, degrees, in (90, 180].
    twist : float, default=0.0
        Rotation of each group about its own axis, degrees.
    ligands : sequence of int, optional
        Atom indices that receive a group; default: every atom but the absorber.

    Returns
    -------
    Cluster
        Same absorber and labels (CN, avgDist, stdDist still describe the first shell).

    Raises
    ------
    InvalidParameterError
        If the group's first atom is not at the origin, an index is out of range, or two atoms
        end up closer than 0.5 Å (named).
    """
    symbols, positions = tetrahedral_group() if group is None else group
    positions = np.asarray(positions, dtype=float)
    if np.linalg.norm(positions[0]) > 1e-6:
        raise InvalidParameterError("the group's first atom (the one bonded to the absorber "
                                    f"through the ligand) must be at the origin; got "
                                    f"{positions[0].tolist()}.", parameter="group")
    bend = np.pi - _angle(angle, "angle", "attach_groups", 90.0, 180.0)
    turn = np.radians(check_number(twist, "twist", owner="attach_groups"))
    ligands = [i for i in range(cluster.n_atoms) if i != cluster.absorber] \
        if ligands is None else list(ligands)
    all_symbols, all_positions = list(cluster.symbols), [p for p in cluster.positions]
    for i in ligands:
        if not 0 <= i < cluster.n_atoms or i == cluster.absorber:
            raise InvalidParameterError(f"ligand index {i} is not a ligand of a cluster of "
                                        f"{cluster.n_atoms} atoms (absorber {cluster.absorber}).",
                                        parameter="ligands", value=i)
        bond = cluster.positions[i] - cluster.positions[cluster.absorber]
        frame = _frame(bond / np.linalg.norm(bond))
        # in the bond frame: twist about x, then bend away from x about the frame's z axis
        local = positions[1:] @ _rotation(np.array([1.0, 0, 0]), turn).T
        local = local @ _rotation(np.array([0, 0, 1.0]), bend).T
        all_positions += list(cluster.positions[i] + local @ frame.T)
        all_symbols += list(symbols[1:])
    out = make_cluster(all_symbols, np.array(all_positions), absorber=cluster.absorber)
    return Cluster(out.symbols, out.positions, out.absorber,
                   {**cluster.labels, "groupAngle": float(angle), "groupTwist": float(twist)})
