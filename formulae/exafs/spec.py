"""EXAFS fit specifications (TOML or JSON), in the schema of Larch's reference fits.

A spec is the ``spec`` object of ``larch_reference/larch_fits.json``::

    data = "cu/cu_metal_rt_larch_chi_rbkg1.0.chi"        # two columns: k, chi(k)
    [variables]                                       # name -> initial value
    amp = 1.0
    del_e0 = 0.0
    [constraints]                                     # optional: name -> expression
    [fixed]                                           # optional: name -> value
    [bounds]                                          # optional: name -> [min, max] (null: none)
    [[paths]]
    file = "cu/feffcu01.dat"
    s02 = "amp"                                       # number or expression; reff usable
    [transform]
    kmin = 3
    kmax = 17
    kweight = 2                                       # or a list [2, 1, 3]
    dk = 4
    window = "kaiser"
    rmin = 1.4
    rmax = 3.0
    fitspace = "r"

plus optional ``epsilon_k`` (known noise) and ``delta_chi`` (a file of k, δχ from the
background removal, added in quadrature to the estimated noise as Larch does after
``autobk``). Several datasets sharing the variables: ``datasets = [{data, paths, transform?,
epsilon_k?, delta_chi?}, ...]``; a top-level ``transform`` is their default. Relative file names
resolve against the spec file's folder.

=========================  ===================================================================
name                       what it is
=========================  ===================================================================
FitSpec                    a validated spec (frozen dataclass); ``problem()`` builds the fit
read_spec                  read a TOML or JSON spec file
spec_from_dict             validate a mapping (e.g. one ``spec`` of larch_fits.json)
read_chi_file              read a two-column k, chi(k) file, naming file and line on error
=========================  ===================================================================
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from ..errors import DataError, InvalidParameterError

__all__ = ["FitSpec", "read_spec", "spec_from_dict", "read_chi_file"]

_TOP_KEYS = {"data", "variables", "constraints", "fixed", "bounds", "paths", "transform",
             "epsilon_k", "delta_chi", "datasets"}
_DATASET_KEYS = {"data", "paths", "transform", "epsilon_k", "delta_chi"}
_TRANSFORM_KEYS = {"kmin", "kmax", "kweight", "dk", "dk2", "window", "rmin", "rmax", "dr",
                   "dr2", "rwindow", "fitspace", "nfft", "kstep"}


def read_chi_file(path, *, n_columns: int = 2) -> tuple[np.ndarray, ...]:
    """Read the first ``n_columns`` numeric columns of a text file.

    Lines starting with ``#``, ``;``, ``%`` or ``!`` and blank lines are skipped.

    Parameters
    ----------
    path : str or Path
        The text file.
    n_columns : int, default=2
        Number of leading columns to return.

    Returns
    -------
    tuple of ndarray
        One array per column.

    Raises
    ------
    DataError
        If the file is missing, a line has too few columns, another number of columns than
        the first data line, or a non-number; the file and the 1-based line number are named.
    """
    from .. import io as _io
    lines = _io._read_lines(str(path))   # DataError naming a missing or unreadable file
    # fast path: every data line split into the same number of words, all numbers (a ragged
    # table raises ValueError); otherwise io's parser finds and names the bad line
    # (a blank line strips to "", which is "in" any string: skipped like a comment)
    data = [ln for ln in lines if ln.lstrip()[:1] not in "#;%!"]
    if len(data) >= 4:
        try:
            arr = np.array([ln.split() for ln in data], dtype=float)
        except ValueError:
            arr = None
        if arr is not None and arr.shape[1] >= n_columns:
            return tuple(arr[:, i].copy() for i in range(n_columns))
    numbered = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip() and not _io._comment(ln)]
    if not numbered:
        raise DataError(f"{path}: 0 data line(s); expected at least 4.", path=path)
    names, arr, _ = _io._parse_numeric_lines(str(path), numbered)
    if names is not None:           # a line of labels is not a chi(k) line
        number, line = numbered[0]
        raise DataError(f"{path}, line {number}: {line.strip()!r} is not numeric.",
                        path=path, line=number, value=line)
    if arr.shape[1] < n_columns:
        number, line = numbered[0]
        raise DataError(f"{path}, line {number}: {arr.shape[1]} column(s), expected at least "
                        f"{n_columns} (k, chi).", path=path, line=number, value=line)
    if len(arr) < 4:
        raise DataError(f"{path}: {len(arr)} data line(s); expected at least 4.", path=path)
    return tuple(arr[:, i].copy() for i in range(n_columns))


_FEFF_CACHE: dict = {}


def _file_bytes(name) -> bytes:
    """The content of a file, read with os-level calls: open, fstat, read, close (4 system
    calls; ``open(name, "rb").read()`` makes 9, with an isatty check, seeks and a second
    fstat and read, and costs about twice as much)."""
    fd = os.open(name, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)
        if len(data) == size:       # a regular file reads whole; anything else: read to EOF
            return data
        chunks = [data]
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def _read_feffdat_cached(path, reader):
    """read_feffdat, remembered per (file, content): FeffPath is frozen.

    Keyed by the bytes, not the modification time, whose granularity (a clock tick) can miss
    a same-size rewrite; reading the bytes costs a small fraction of parsing them.
    """
    try:
        name = os.path.abspath(path)      # (not realpath: no lstat of every folder)
        key = (name, _file_bytes(name))
    except OSError:
        return reader(path)          # let the reader raise its own DataError
    if key not in _FEFF_CACHE:
        if len(_FEFF_CACHE) > 64:
            _FEFF_CACHE.clear()
        _FEFF_CACHE[key] = reader(path)
    return _FEFF_CACHE[key]


_PROBLEM_CACHE: dict = {}


def _problem_key(spec):
    """Key of a spec's build and the bytes of every file it reads.

    The key is the spec's content, the files' absolute names and sizes; the bytes are
    compared on a hit (a same-size rewrite then misses). Keyed by content rather than
    modification time, whose granularity (a clock tick) can miss a rewrite of the same size
    made right after a fit. ``(None, None)`` when a file cannot be read (the build then raises
    its own DataError).
    """
    names = []
    for d in spec.datasets:
        if not isinstance(d.get("epsilon_k"), (type(None), bool, int, float, list, tuple)):
            return None, None            # e.g. an ndarray, whose repr is abbreviated
        names.append(d["data"])
        if d.get("delta_chi") is not None:
            names.append(d["delta_chi"])
        names.extend(p["file"] for p in d["paths"])
    try:
        contents = tuple(_file_bytes(name) for name in names)
    except OSError:
        return None, None
    try:
        text = repr((spec.variables, spec.constraints, spec.fixed, spec.bounds, spec.datasets))
    except Exception:  # pragma: no cover - repr of plain data does not fail
        return None, None
    return (text, tuple(os.path.abspath(n) for n in names),
            tuple(len(c) for c in contents)), contents


def _is_mapping(obj) -> bool:
    """isinstance(obj, Mapping), with the common dict case first (an ABC check costs more)."""
    return type(obj) is dict or isinstance(obj, Mapping)


_RESOLVED: dict = {}


def _resolve(base: Path, name: str) -> Path:
    """``name`` as a Path, relative to ``base`` unless absolute (remembered: Paths are
    immutable and building one parses the string)."""
    key = (base, name)
    path = _RESOLVED.get(key)
    if path is None:
        if len(_RESOLVED) >= 4096:
            _RESOLVED.clear()
        p = Path(name)
        path = _RESOLVED[key] = p if p.is_absolute() else base / p
    return path


def _check_keys(mapping, allowed, where):
    if not _is_mapping(mapping):
        raise InvalidParameterError(f"{where} must be a table/object. Got {mapping!r}.",
                                    parameter=where)
    unknown = sorted(set(mapping) - allowed)
    if unknown:
        raise InvalidParameterError(
            f"Unknown key(s) {', '.join(map(repr, unknown))} in {where}; allowed: "
            f"{', '.join(sorted(allowed))}.", parameter=unknown[0])


def _number_map(mapping, where):
    if mapping is None:
        return {}
    if not _is_mapping(mapping):
        raise InvalidParameterError(f"'{where}' must map names to numbers. Got {mapping!r}.",
                                    parameter=where)
    out = {}
    for name, value in mapping.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            raise InvalidParameterError(
                f"'{where}.{name}' must be a finite number. Got {value!r} instead.",
                parameter=name, value=value)
        out[str(name)] = float(value)
    return out


@dataclass(frozen=True)
class FitSpec:
    """A validated EXAFS fit specification.

    Parameters
    ----------
    variables : dict of str to float
    constraints : dict of str to str
    fixed : dict of str to float
    bounds : dict of str to tuple
        (min, max), ``None`` for no bound.
    datasets : tuple of dict
        Each with ``data`` (Path), ``paths`` (list of dict with ``file`` as Path),
        ``transform`` (dict), ``epsilon_k`` and ``delta_chi`` (Path or None).
    base_dir : Path
        Folder against which relative names were resolved.
    """

    variables: dict
    constraints: dict
    fixed: dict
    bounds: dict
    datasets: tuple
    base_dir: Path

    def problem(self, data_override=None):
        """Build the :class:`~formulae.exafs.fit.FitProblem` (reads data and path files).

        Parameters
        ----------
        data_override : tuple of (k, chi), optional
            Use this χ(k) for the first dataset instead of its file (for batches); its
            ``delta_chi`` file, which belongs to the file's spectrum, is then not used.

        Returns
        -------
        FitProblem

        Notes
        -----
        Without ``data_override`` the build is cached, keyed by the spec's content and the
        bytes of every file it reads (χ(k), δχ, FEFF files): building the same spec again on
        unchanged files skips parsing, splining and planning the transform, and returns a
        fresh copy (its ``set_data`` and ``solve`` do not affect other copies). A changed
        file changes the key.
        """
        if data_override is None:
            key, contents = _problem_key(self)
            cached = _PROBLEM_CACHE.get(key) if key is not None else None
            if cached is not None and cached[0] == contents:
                return cached[1]._fresh_copy()
            problem = self._build(None)
            if key is not None:
                if len(_PROBLEM_CACHE) >= 16:
                    _PROBLEM_CACHE.clear()
                _PROBLEM_CACHE[key] = (contents, problem._freeze())
                return problem._fresh_copy()
            return problem
        return self._build(data_override)

    def _build(self, data_override):
        from .feffdat import read_feffdat
        from .fit import Dataset, FitPath, FitProblem, Transform

        cache = {}
        datasets = []
        for i, d in enumerate(self.datasets):
            if data_override is not None and i == 0:
                k, chi = data_override[:2]
                name = str(data_override[2]) if len(data_override) > 2 else "array"
            else:
                k, chi = read_chi_file(d["data"])
                name = str(d["data"])
            paths = []
            for p in d["paths"]:
                f = p["file"]
                if f not in cache:
                    cache[f] = _read_feffdat_cached(f, read_feffdat)
                params = {key: val for key, val in p.items() if key != "file"}
                paths.append(FitPath(cache[f], params, label=Path(f).name))
            delta_chi = None
            if d.get("delta_chi") is not None and not (data_override is not None and i == 0):
                kd, dchi = read_chi_file(d["delta_chi"])
                delta_chi = np.interp(k, kd, dchi)
            transform = Transform(**d["transform"])
            datasets.append(Dataset(k, chi, paths, transform, d.get("epsilon_k"), name,
                                    delta_chi))
        return FitProblem(datasets, self.variables, constraints=self.constraints,
                          fixed=self.fixed, bounds=self.bounds)


def spec_from_dict(spec: Mapping, base_dir=".") -> FitSpec:
    """Validate a spec mapping and resolve its file names against ``base_dir``.

    Parameters
    ----------
    spec : mapping
        The content of a spec file (keys as :func:`read_spec` reads them).
    base_dir : str or Path, default="."
        Folder against which relative file names resolve.

    Returns
    -------
    FitSpec

    Raises
    ------
    InvalidParameterError
        For unknown keys, missing required keys, bounds with min > max, or bad values; the
        key is named.
    """
    base = base_dir if isinstance(base_dir, Path) else Path(base_dir)
    _check_keys(spec, _TOP_KEYS, "the spec")
    variables = _number_map(spec.get("variables"), "variables")
    if not variables:
        raise InvalidParameterError("The spec needs 'variables' (name -> initial value).",
                                    parameter="variables")
    constraints = spec.get("constraints") or {}
    if not _is_mapping(constraints):
        raise InvalidParameterError("'constraints' must map names to expressions.",
                                    parameter="constraints")
    constraints = {str(k): v for k, v in constraints.items()}
    fixed = _number_map(spec.get("fixed"), "fixed")
    bounds = {}
    for name, pair in (spec.get("bounds") or {}).items():
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise InvalidParameterError(f"'bounds.{name}' must be [min, max]. Got {pair!r}.",
                                        parameter=name, value=pair)
        lo, hi = pair
        for v in (lo, hi):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))
                                  or v != v):
                raise InvalidParameterError(
                    f"'bounds.{name}' must hold numbers or null (not NaN). Got {pair!r}.",
                    parameter=name, value=pair)
        if lo is not None and hi is not None and lo > hi:
            raise InvalidParameterError(
                f"'bounds.{name}' has min > max: [{lo!r}, {hi!r}].", parameter=name, value=pair)
        bounds[str(name)] = (lo, hi)

    def resolve(name, where):
        if not isinstance(name, str) or not name:
            raise InvalidParameterError(f"'{where}' must be a file name. Got {name!r}.",
                                        parameter=where, value=name)
        return _resolve(base, name)

    default_transform = spec.get("transform")
    if "datasets" in spec:
        if "data" in spec or "paths" in spec:
            raise InvalidParameterError("Give either 'datasets' or top-level 'data' and "
                                        "'paths', not both.", parameter="datasets")
        raw = spec["datasets"]
        if not isinstance(raw, (list, tuple)) or not raw:
            raise InvalidParameterError("'datasets' must be a non-empty list.",
                                        parameter="datasets")
    else:
        raw = [{key: spec[key] for key in _DATASET_KEYS if key in spec}]
    datasets = []
    for i, d in enumerate(raw):
        where = f"datasets[{i}]" if "datasets" in spec else "the spec"
        _check_keys(d, _DATASET_KEYS, where)
        for req in ("data", "paths"):
            if req not in d:
                raise InvalidParameterError(f"{where} needs '{req}'.", parameter=req)
        transform = d.get("transform", default_transform)
        if transform is None:
            raise InvalidParameterError(f"{where} needs a 'transform'.", parameter="transform")
        _check_keys(transform, _TRANSFORM_KEYS, f"'transform' of {where}")
        paths = []
        if not isinstance(d["paths"], (list, tuple)) or not d["paths"]:
            raise InvalidParameterError(f"'paths' of {where} must be a non-empty list.",
                                        parameter="paths")
        for j, p in enumerate(d["paths"]):
            if not _is_mapping(p) or "file" not in p:
                raise InvalidParameterError(f"paths[{j}] of {where} needs a 'file'.",
                                            parameter="paths")
            entry = dict(p)
            entry["file"] = resolve(p["file"], f"paths[{j}].file")
            paths.append(entry)
        datasets.append({
            "data": resolve(d["data"], "data"), "paths": paths, "transform": dict(transform),
            "epsilon_k": d.get("epsilon_k"),
            "delta_chi": resolve(d["delta_chi"], "delta_chi") if d.get("delta_chi") else None,
        })
    return FitSpec(variables=variables, constraints=constraints, fixed=fixed, bounds=bounds,
                   datasets=tuple(datasets), base_dir=base)


def read_spec(path) -> FitSpec:
    """Read a TOML (``.toml``) or JSON spec file; relative names resolve against its folder.

    Parameters
    ----------
    path : str or Path
        The spec file (schema of the ``spec`` entries of Larch's reference fits).

    Returns
    -------
    FitSpec

    Raises
    ------
    DataError
        If the file cannot be read or parsed (the file and, for JSON, the line are named).
    InvalidParameterError
        If the content does not follow the schema.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise DataError(f"{path}: cannot read the spec ({exc.strerror}).", path=path) from None
    if path.suffix.lower() == ".toml":
        import tomllib
        try:
            spec = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise DataError(f"{path}: not valid TOML ({exc}).", path=path) from None
    else:
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}, line {exc.lineno}: not valid JSON ({exc.msg}).",
                            path=path, line=exc.lineno) from None
    return spec_from_dict(spec, path.parent)
