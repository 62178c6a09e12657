"""Fit many spectra with one model, in parallel through joblib.

Each worker compiles the spec once (paths read, expressions differentiated, transform matrices
built) and then only swaps the data for each spectrum, so a one-path fit costs a few ms.
``n_jobs`` and the joblib backend are the caller's: ``with joblib.parallel_config("dask"):``
spreads the chunks over a dask cluster (likewise ray's joblib backend).

=========================  ===================================================================
name                       what it is
=========================  ===================================================================
BatchResult                one row per spectrum: values, errors, statistics; ``to_csv``
fit_batch                  fit a list of χ(k) files, or an array of spectra, with one spec
=========================  ===================================================================
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import FormulaeError, InvalidParameterError

__all__ = ["BatchResult", "fit_batch"]

_STAT_COLUMNS = ("success", "nfev", "ndata", "n_independent", "chi_square", "chi2_reduced",
                 "rfactor", "aic", "bic")


@dataclass(frozen=True)
class BatchResult:
    """Results of :func:`fit_batch`, in input order.

    Parameters
    ----------
    names : tuple of str
        File name or ``spectrum_<i>`` of each spectrum.
    results : tuple of FitResult or None
        ``None`` where the fit failed.
    errors : tuple of str or None
        The error message of a failed fit (the batch carries on).
    """

    names: tuple
    results: tuple
    errors: tuple

    @property
    def param_names(self) -> list[str]:
        """Parameter names of the first successful fit (empty when none succeeded)."""
        for r in self.results:
            if r is not None:
                return list(r.params)
        return []

    def rows(self) -> list[dict]:
        """One dict per spectrum: ``name``, statistics, ``<param>`` and ``<param>_stderr``.

        Returns
        -------
        list of dict
            Also ``at_bound`` and ``error`` (empty unless the fit failed).
        """
        out = []
        pnames = self.param_names
        for name, res, err in zip(self.names, self.results, self.errors):
            row = {"name": name}
            if res is None:
                row.update({c: "" for c in _STAT_COLUMNS})
                row["success"] = False
                for p in pnames:
                    row[p] = row[f"{p}_stderr"] = ""
                row["at_bound"] = ""
                row["error"] = err
            else:
                for c in _STAT_COLUMNS:
                    row[c] = getattr(res, c)
                for p in pnames:
                    row[p] = res.params.get(p, math.nan)
                    e = res.stderr.get(p)
                    row[f"{p}_stderr"] = "" if e is None else e
                row["at_bound"] = ";".join(f"{k}:{v}" for k, v in res.at_bound.items())
                row["error"] = ""
            out.append(row)
        return out

    def to_csv(self, path) -> None:
        """Write :meth:`rows` as CSV (full float precision).

        Parameters
        ----------
        path : str or Path
            File to write.
        """
        rows = self.rows()
        if not rows:
            raise InvalidParameterError("The batch is empty: nothing to write.",
                                        parameter="path")
        with open(path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            for row in rows:
                writer.writerow({k: (repr(v) if isinstance(v, float) else v)
                                 for k, v in row.items()})


def _fit_chunk(spec, items, solve_kws, warm_start=False):
    """Worker: compile once, then fit each (name, k, chi) item."""
    from .spec import read_chi_file

    problem = None
    out = []
    x_prev = None
    for name, k, chi in items:
        try:
            if k is None:
                k, chi = read_chi_file(name)
            if problem is None:
                problem = spec.problem(data_override=(k, chi, name))
            else:
                problem.set_data(0, k, chi, spec.datasets[0].get("epsilon_k"), name=str(name))
            res = problem.solve(x_prev, **solve_kws)
            if warm_start and res.success and not res.at_bound:
                x_prev = np.array([res.params[n] for n in problem.var_names])
            out.append((res, None))
        except FormulaeError as exc:
            out.append((None, str(exc)))
    return out


def fit_batch(spec, spectra, *, k=None, n_jobs: int = 1, chunks_per_job: int = 1,
              warm_start: bool = False, **solve_kws) -> BatchResult:
    """Fit many spectra with the model of ``spec`` (one dataset).

    Parameters
    ----------
    spec : FitSpec or str or Path
        A spec (or spec file); its ``data`` file is replaced by each spectrum.
    spectra : sequence of path-like, or array-like of shape (n_spectra, n_k)
        χ(k) files (two columns), or spectra on the grid ``k``.
    k : array-like of shape (n_k,), optional
        Required when ``spectra`` is an array.
    n_jobs : int, default=1
        joblib workers (``-1``: all cores). Use the joblib backend of your choice with
        ``joblib.parallel_config``.
    chunks_per_job : int, default=1
        Work units per worker (each compiles the model once).
    warm_start : bool, default=False
        Start each fit from the previous spectrum's result (within a chunk) instead of the
        spec's initial values: fewer iterations for series of similar spectra, at the risk of
        following a different local minimum; off by default.
    **solve_kws
        Passed to :meth:`FitProblem.solve`.

    Returns
    -------
    BatchResult

    Raises
    ------
    InvalidParameterError
        For a multi-dataset spec, an array without ``k``, or a bad ``n_jobs``.
    """
    from .spec import FitSpec, read_spec

    if not isinstance(spec, FitSpec):
        spec = read_spec(spec)
    if len(spec.datasets) != 1:
        raise InvalidParameterError(
            f"fit_batch needs a one-dataset spec; this one has {len(spec.datasets)}.",
            parameter="spec")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise InvalidParameterError(f"The 'n_jobs' parameter of fit_batch must be a positive "
                                    f"int or -1. Got {n_jobs!r} instead.", parameter="n_jobs",
                                    value=n_jobs)
    if isinstance(spectra, np.ndarray) or (k is not None):
        arr = np.asarray(spectra, dtype=float)
        if k is None:
            raise InvalidParameterError("fit_batch needs 'k' when spectra is an array.",
                                        parameter="k")
        k = np.asarray(k, dtype=float)
        if arr.ndim != 2 or arr.shape[1] != k.size:
            raise InvalidParameterError(
                f"spectra must have shape (n_spectra, {k.size}) to match k. Got {arr.shape}.",
                parameter="spectra", value=arr.shape)
        items = [(f"spectrum_{i}", k, arr[i]) for i in range(arr.shape[0])]
    else:
        items = [(str(Path(p)), None, None) for p in spectra]
    if not items:
        raise InvalidParameterError("fit_batch got no spectra.", parameter="spectra")
    if n_jobs == 1:
        outs = _fit_chunk(spec, items, solve_kws, warm_start)
    else:
        import os

        from joblib import Parallel, delayed
        workers = (os.cpu_count() or 1) if n_jobs == -1 else n_jobs
        n_chunks = max(1, min(len(items), workers * chunks_per_job))
        bounds = np.linspace(0, len(items), n_chunks + 1).astype(int)
        chunks = [items[a:b] for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
        parts = Parallel(n_jobs=n_jobs)(delayed(_fit_chunk)(spec, c, solve_kws, warm_start)
                                        for c in chunks)
        outs = [o for part in parts for o in part]
    return BatchResult(names=tuple(it[0] for it in items),
                       results=tuple(o[0] for o in outs), errors=tuple(o[1] for o in outs))
