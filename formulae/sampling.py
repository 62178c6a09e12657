"""Sample cluster geometries and compute their spectra with FDMNES, in parallel.

=======================  ==========================================================================
name                     what it does
=======================  ==========================================================================
ParameterRange           one varied parameter: name, low, high (low < high)
latin_hypercube          optimized Latin hypercube (scipy ``qmc``, seeded) over parameter ranges
sweep                    evenly spaced values of one parameter (a Natoli series)
Family                   a builder, its fixed parameters and its sampled rows
simulate_clusters        run FDMNES on many clusters with joblib (n_jobs), cache, progress bar
simulate_families        all families of a configuration -> one formulae.io.Sample
read_config              parse a TOML configuration (``formulae simulate CONFIG.toml``)
save_npz / load_npz      the compact form shipped as package data (npz + JSON)
=======================  ==========================================================================
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._validation import check_choice, check_int, check_number
from .errors import DataError, InvalidParameterError
from .fdmnes import FdmnesSettings, run_fdmnes
from .structures import BUILDERS, attach_groups, build, tetrahedral_group

__all__ = [
    "ParameterRange",
    "latin_hypercube",
    "sweep",
    "Family",
    "simulate_clusters",
    "simulate_families",
    "read_config",
    "save_npz",
    "load_npz",
]


@dataclass(frozen=True)
class ParameterRange:
    """A parameter varied between ``low`` and ``high``.

    Parameters
    ----------
    name : str
        Geometry parameter of a builder (``r``, ``phi``...) or ``group_angle``/``group_twist``.
    low, high : float
        Finite bounds with ``low < high``, in the parameter's units (Å for distances,
        degrees for angles).

    Raises
    ------
    InvalidParameterError
        If a bound is not finite or the range is empty (``low >= high``); the name is given.
    """

    name: str
    low: float
    high: float

    def __post_init__(self):
        for bound in ("low", "high"):
            check_number(getattr(self, bound), f"{self.name}.{bound}")
        if not self.low < self.high:
            raise InvalidParameterError(
                f"empty parameter range for '{self.name}': [{self.low}, {self.high}]; low must "
                "be below high (to fix a parameter, put it in the fixed parameters instead).",
                parameter=self.name, value=(self.low, self.high))


def latin_hypercube(ranges, n: int, *, seed: int = 0, optimization: str | None = "random-cd"):
    """Sample ``n`` points in the box ``ranges`` by an optimized Latin hypercube.

    Uses ``scipy.stats.qmc.LatinHypercube(d, optimization="random-cd", rng=seed)`` (centred
    discrepancy lowered by random coordinate swaps), then scales each column to [low, high].

    Parameters
    ----------
    ranges : sequence of ParameterRange or mapping of name -> (low, high)
    n : int
        Number of points (≥ 1).
    seed : int, default=0
        Seed of the sampler (≥ 0).
    optimization : {"random-cd", "lloyd"} or None, default="random-cd"

    Returns
    -------
    dict of str to ndarray of shape (n,)

    Raises
    ------
    InvalidParameterError
        For an empty range (named), no ranges or a range of another form, ``n < 1``, a
        negative ``seed`` or an unknown ``optimization``.

    Examples
    --------
    >>> s = latin_hypercube({"r1": (1.8, 2.3)}, 5, seed=0)
    >>> sorted(np.floor((s["r1"] - 1.8) / 0.1).astype(int).tolist())
    [0, 1, 2, 3, 4]
    """
    from scipy.stats import qmc

    ranges = _as_ranges(ranges)
    n = check_int(n, "n", owner="latin_hypercube", low=1)
    seed = check_int(seed, "seed", owner="latin_hypercube", low=0)
    optimization = check_choice(optimization, "optimization", ("random-cd", "lloyd", None),
                                owner="latin_hypercube")
    if not ranges:
        raise InvalidParameterError("latin_hypercube needs at least one parameter range.",
                                    parameter="ranges")
    try:
        sampler = qmc.LatinHypercube(d=len(ranges), optimization=optimization, rng=seed)
    except TypeError:  # scipy < 1.15 calls it seed
        sampler = qmc.LatinHypercube(d=len(ranges), optimization=optimization, seed=seed)
    unit = sampler.random(n)
    return {r.name: r.low + unit[:, j] * (r.high - r.low) for j, r in enumerate(ranges)}


def _as_ranges(ranges) -> list:
    if isinstance(ranges, dict):
        out = []
        for name, bounds in ranges.items():
            if isinstance(bounds, ParameterRange):
                out.append(bounds)
                continue
            try:
                low, high = bounds
            except (TypeError, ValueError):
                raise InvalidParameterError(f"range of '{name}' must be [low, high]; got "
                                            f"{bounds!r}.", parameter=name,
                                            value=bounds) from None
            out.append(ParameterRange(name, low, high))
        return out
    out = list(ranges)
    for i, item in enumerate(out):
        if not isinstance(item, ParameterRange):
            raise InvalidParameterError(
                f"ranges must be a sequence of ParameterRange or a mapping name -> (low, high); "
                f"item {i} is {item!r}.", parameter="ranges", value=item)
    return out


def sweep(name: str, start: float, stop: float, num: int) -> dict:
    """``num`` evenly spaced values of ``name`` from ``start`` to ``stop`` (both included).

    Parameters
    ----------
    name : str
        Parameter swept (a builder's geometry parameter).
    start, stop : float
        First and last values, in the parameter's units (Å, degrees).
    num : int
        Number of values, at least 1 (``num=1`` gives ``[start]``).

    Returns
    -------
    dict of str to ndarray
        ``{name: np.linspace(start, stop, num)}``, shaped like :attr:`Family.rows`.

    Raises
    ------
    InvalidParameterError
        If ``start == stop`` with ``num > 1`` (empty range, named) or ``num < 1``.
    """
    num = check_int(num, "num", owner="sweep", low=1)
    start, stop = check_number(start, f"{name}.start"), check_number(stop, f"{name}.stop")
    if num > 1 and start == stop:
        raise InvalidParameterError(f"empty parameter range for '{name}': start = stop = {start}.",
                                    parameter=name, value=(start, stop))
    return {name: np.linspace(start, stop, num)}


@dataclass(frozen=True)
class Family:
    """A family of clusters: one builder, fixed parameters, and one row per structure.

    Parameters
    ----------
    name : str
        Label stored in the ``family`` column.
    builder : str
        Key of :data:`formulae.structures.BUILDERS`.
    rows : dict of str to ndarray
        Varied parameters, one value per structure.
    fixed : dict, default={}
        Parameters shared by all structures (``metal``, ``ligand``, an angle...).
    groups : dict or None, default=None
        Second shell: keywords of :func:`formulae.structures.tetrahedral_group` (``center``,
        ``ligand``, ``d``) for a group on every ligand; the parameters ``group_angle`` (M-O-X
        angle, degrees) and ``group_twist`` (fixed or sampled) place it.

    Raises
    ------
    InvalidParameterError
        If the rows have different lengths (the family and a parameter are named).
    """

    name: str
    builder: str
    rows: dict
    fixed: dict = field(default_factory=dict)
    groups: dict | None = None

    def __post_init__(self):
        lengths = {key: int(np.size(values)) for key, values in self.rows.items()}
        if len(set(lengths.values())) > 1:
            first = next(iter(lengths))
            other = next(k for k, v in lengths.items() if v != lengths[first])
            raise InvalidParameterError(
                f"family '{self.name}': every row parameter needs one value per structure; "
                f"'{first}' has {lengths[first]}, '{other}' has {lengths[other]}.",
                parameter=other, value=lengths[other])

    @property
    def n_structures(self) -> int:
        """Number of structures."""
        return len(next(iter(self.rows.values()))) if self.rows else 1

    def clusters(self) -> list:
        """Build every cluster (InvalidParameterError names the family and row of a bad one).

        Returns
        -------
        list of Cluster
            One per structure, in row order.
        """
        out = []
        for i in range(self.n_structures):
            params = {**self.fixed, **{k: float(v[i]) for k, v in self.rows.items()}}
            try:
                placement = {k: params.pop(f"group_{k}") for k in ("angle", "twist")
                             if f"group_{k}" in params}
                cluster = build(self.builder, params)
                if self.groups is not None:
                    cluster = attach_groups(cluster, tetrahedral_group(**self.groups), **placement)
                elif placement:
                    raise InvalidParameterError("group_angle/group_twist given without groups.",
                                                parameter="groups")
                out.append(cluster)
            except InvalidParameterError as exc:
                raise InvalidParameterError(f"family '{self.name}', structure {i}: {exc}",
                                            parameter=exc.parameter, value=exc.value) from None
        return out


def _progress(done: int, total: int, start: float, stream) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    elapsed = time.perf_counter() - start
    rate = done / elapsed * 60 if elapsed > 0 else 0.0
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                 f"{elapsed:6.1f} s ({rate:.0f}/min)")
    if done == total:
        stream.write("\n")
    stream.flush()


def simulate_clusters(clusters, settings: FdmnesSettings | None = None, *, n_jobs: int = 1,
                      cache_dir=None, progress: bool = False, executable=None, workdir=None,
                      backend: str | None = None):
    """Run FDMNES on each cluster, ``n_jobs`` at a time.

    Parameters
    ----------
    clusters : sequence of Cluster
    settings : FdmnesSettings, optional
    n_jobs : int, default=1
        Parallel runs (joblib; -1 = all cores). With ``backend="dask"`` or ``"ray"`` (after
        registering that joblib backend) the runs spread over a cluster.
    cache_dir : path-like, optional
        Finished runs are stored there by input text; rerunning skips them (resume).
    progress : bool, default=False
        Print a progress bar to stderr.
    executable, workdir
        Passed to :func:`formulae.fdmnes.run_fdmnes`.
    backend : str, optional
        joblib backend name.

    Returns
    -------
    list of FdmnesResult
        In the order of ``clusters``.
    """
    from joblib import Parallel, delayed

    from .fdmnes import locate_fdmnes

    settings = FdmnesSettings() if settings is None else settings
    settings.validate()
    clusters = list(clusters)
    if executable is None:  # located once; even cached runs need it (the cache key names the build)
        executable = locate_fdmnes()
    task = delayed(run_fdmnes)
    jobs = (task(c, settings, executable=executable, cache_dir=cache_dir, workdir=workdir)
            for c in clusters)
    parallel = Parallel(n_jobs=n_jobs, backend=backend, return_as="generator")
    results, start = [], time.perf_counter()
    for result in parallel(jobs):
        results.append(result)
        if progress:
            _progress(len(results), len(clusters), start, sys.stderr)
    return results


def read_config(path) -> dict:
    """Read a simulation configuration (TOML).

    Layout::

        [fdmnes]                       # FdmnesSettings keywords
        edge = "K"; radius = 4.5; mode = "green"; energy_range = [-15, 0.5, 60]
        [fdmnes.convolution]           # Convolution keywords, or omit for none
        gamma_hole = 1.25
        [[family]]
        name = "FeO4"; builder = "tetrahedral"; n = 70; seed = 4
        fixed = { metal = "Fe", ligand = "O" }
        ranges = { r1 = [1.8, 2.3], phi = [100, 120] }   # Latin hypercube
        # or: sweep = { name = "r", start = 1.85, stop = 2.30, num = 30 }
        # optional second shell: an SiO4 group on every O, M-O-Si angle sampled
        # groups = { center = "Si", d = 1.62 }  with  group_angle = [140, 170] in ranges

    Returns
    -------
    dict
        ``settings`` (FdmnesSettings), ``families`` (list of Family), ``config`` (the parsed
        TOML, for the record).

    Parameters
    ----------
    path : str or path-like
        TOML file in the layout above.

    Raises
    ------
    DataError
        If the file is missing or not valid TOML (the file is named).
    InvalidParameterError
        For an unknown key, builder or setting, or an empty range (the family is named).
    """
    import tomllib

    path = Path(path)
    try:
        config = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise DataError(f"{path}: no such configuration file.", path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path}: not valid TOML ({exc}).", path=str(path)) from None
    unknown = sorted(set(config) - {"fdmnes", "family", "description"})
    if unknown:
        raise InvalidParameterError(f"{path}: unknown section(s) {', '.join(unknown)}; known: "
                                    "fdmnes, family, description.", parameter=unknown[0])
    settings = FdmnesSettings.from_dict(config.get("fdmnes", {}))
    families = []
    for k, spec in enumerate(config.get("family", [])):
        families.append(_family_from_config(spec, k, path))
    if not families:
        raise InvalidParameterError(f"{path}: no [[family]] section.", parameter="family")
    return {"settings": settings, "families": families, "config": config}


def _family_from_config(spec: dict, k: int, path) -> Family:
    known = {"name", "builder", "n", "seed", "fixed", "ranges", "sweep", "optimization", "groups"}
    name = spec.get("name", f"family{k}")
    unknown = sorted(set(spec) - known)
    if unknown:
        raise InvalidParameterError(f"{path}, family '{name}': unknown key(s) "
                                    f"{', '.join(unknown)}; known: {', '.join(sorted(known))}.",
                                    parameter=unknown[0])
    builder = spec.get("builder")
    if builder not in BUILDERS:
        raise InvalidParameterError(f"{path}, family '{name}': unknown builder {builder!r}; "
                                    f"known: {', '.join(BUILDERS)}.", parameter="builder",
                                    value=builder)
    if ("ranges" in spec) == ("sweep" in spec):
        raise InvalidParameterError(f"{path}, family '{name}': give either ranges (Latin "
                                    "hypercube) or sweep.", parameter="ranges")
    try:
        if "ranges" in spec:
            rows = latin_hypercube(spec["ranges"], spec.get("n", 50), seed=spec.get("seed", 0),
                                   optimization=spec.get("optimization", "random-cd"))
        else:
            s = dict(spec["sweep"])
            rows = sweep(s.get("name", "r"), s["start"], s["stop"], s["num"])
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"{path}, family '{name}': {exc}", parameter=exc.parameter,
                                    value=exc.value) from None
    return Family(name=name, builder=builder, rows=rows, fixed=dict(spec.get("fixed", {})),
                  groups=spec.get("groups"))


def simulate_families(families, settings: FdmnesSettings, *, n_jobs: int = 1, cache_dir=None,
                      progress: bool = False, executable=None, meta=None):
    """Compute every family and gather the spectra in one :class:`formulae.io.Sample`.

    Parameters
    ----------
    families : iterable of Family
        Families to compute, in order; their structures are run in that order.
    settings : FdmnesSettings
        FDMNES settings shared by every run.
    n_jobs : int, default=1
        Parallel FDMNES runs (joblib; -1 = all cores).
    cache_dir : path-like, optional
        Folder of finished runs keyed by input text; cached runs are not recomputed.
    progress : bool, default=False
        Print a progress bar to stderr.
    executable : path-like, optional
        FDMNES executable; located on the system when omitted (see :func:`simulate_clusters`).
    meta : dict, optional
        Extra metadata merged into the returned samples' ``meta``.

    Returns
    -------
    tuple of (Sample, Sample)
        The convolved spectra (or the raw ones when there is no convolution) and the raw ones.
        ``params`` columns: ``family``, ``CN``, ``avgDist``, ``stdDist``, then every geometry
        parameter in order of first appearance (NaN where a family lacks it).

    Raises
    ------
    DataError
        If two runs return different energy grids (the structure is named).
    """
    from .io import Sample, Table

    clusters, family_of = [], []
    for fam in families:
        built = fam.clusters()
        clusters += built
        family_of += [fam.name] * len(built)
    results = simulate_clusters(clusters, settings, n_jobs=n_jobs, cache_dir=cache_dir,
                                progress=progress, executable=executable)
    energy = results[0].energy
    for i, r in enumerate(results):
        if not np.array_equal(r.energy, energy):
            raise DataError(f"structure {i} (family '{family_of[i]}') has an energy grid "
                            f"different from structure 0's.", row=i)
    names = ["CN", "avgDist", "stdDist"]
    for c in clusters:
        for key, value in c.labels.items():
            if key not in names and isinstance(value, (int, float)):
                names.append(key)
    columns = {"family": np.array(family_of, dtype=object)}
    for key in names:
        columns[key] = np.array([float(c.labels.get(key, np.nan)) for c in clusters])
    params = Table.from_columns(columns)
    raw = np.array([r.mu for r in results])
    conv = np.array([r.mu_conv for r in results]) if settings.convolution is not None else raw
    meta = {**(meta or {}), "source": "FDMNES computation by formulae.sampling",
            "fdmnes": settings.to_dict(), "e_edge": results[0].e_edge,
            "energy_scale": "eV relative to the edge, as printed by FDMNES",
            "n_cached": int(sum(r.cached for r in results))}
    main = Sample(params=params, energy=energy, spectra=conv,
                  meta={**meta, "spectra": "convolved" if settings.convolution else "raw"})
    raw_sample = Sample(params=params, energy=energy, spectra=raw, meta={**meta, "spectra": "raw"})
    return main, raw_sample


def save_npz(base, sample, raw_sample, *, extra_meta=None) -> tuple:
    """Write ``base.npz`` (compressed: energy, mu, mu_conv, param_<column>) and ``base.json``.

    Values are stored as parsed from FDMNES's printed text (float64), so they equal the
    printed numbers exactly.

    Parameters
    ----------
    base : str or path-like
        Output path without suffix; its folder is created if absent and ``.npz``/``.json``
        replace any suffix.
    sample : Sample
        Main spectra, stored as ``mu_conv``; its ``params`` columns are stored as
        ``param_<column>`` and its ``meta`` (minus ``spectra`` and ``n_cached``) in the JSON.
    raw_sample : Sample
        Unconvolved spectra on the same energies, stored as ``mu``.
    extra_meta : dict, optional
        Extra entries for the JSON file (they override ``sample.meta``).

    Returns
    -------
    tuple of Path
        The two files: ``base.npz`` and ``base.json``.
    """
    base = Path(base)
    base.parent.mkdir(parents=True, exist_ok=True)
    arrays = {"energy": sample.energy, "mu": raw_sample.spectra, "mu_conv": sample.spectra}
    for name in sample.params.columns:
        values = sample.params.column(name)
        arrays[f"param_{name}"] = values.astype(str) if values.dtype.kind == "O" else values
    npz = base.with_suffix(".npz")
    np.savez_compressed(npz, **arrays)
    meta = {k: v for k, v in sample.meta.items() if k not in ("spectra", "n_cached")}
    meta.update(extra_meta or {})
    meta["columns"] = list(sample.params.columns)
    meta["n_spectra"] = sample.n_spectra
    meta["n_points"] = int(sample.energy.size)
    js = base.with_suffix(".json")
    js.write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    return npz, js


def load_npz(base, *, convolved: bool = True):
    """Read what :func:`save_npz` wrote, as a :class:`formulae.io.Sample`.

    Parameters
    ----------
    base : str or path-like
        Path given to :func:`save_npz` (``base.npz`` and ``base.json`` are read).
    convolved : bool, default=True
        Return the ``mu_conv`` spectra (True) or the raw ``mu`` ones (False).

    Returns
    -------
    Sample
        Parameters, energies and spectra of shape (n_spectra, n_points); ``meta`` is the JSON
        content plus ``spectra`` (``"convolved"`` or ``"raw"``).
    """
    from .io import Sample, Table

    base = Path(base)
    meta = json.loads(base.with_suffix(".json").read_text())
    with np.load(base.with_suffix(".npz"), allow_pickle=False) as arrays:
        energy = arrays["energy"]
        spectra = arrays["mu_conv" if convolved else "mu"]
        columns = {n: arrays[f"param_{n}"] for n in meta["columns"]}
    columns = {n: (v.astype(object) if v.dtype.kind == "U" else v) for n, v in columns.items()}
    return Sample(params=Table.from_columns(columns, path=str(base.with_suffix(".npz"))),
                  energy=energy, spectra=spectra,
                  meta={**meta, "spectra": "convolved" if convolved else "raw"},
                  path=str(base.with_suffix(".npz")))

