"""``formulae demo``: the whole chain on a built-in data set, in under a minute.

Spectra with known structures -> descriptors -> formula search in both directions ->
simplification -> LaTeX and Markdown tables -> Natoli's-rule check -> figures -> summary.

=========================  ===================================================================
name                       what it is
=========================  ===================================================================
synthetic_table            seeded table of structure labels and descriptors with planted
                           relations (Natoli's rule included), for tests and a no-data run
run_demo                   run the chain and write the tables; returns DemoResult
DemoResult                 frozen result: rows, Natoli fits, files written, summary text
=========================  ===================================================================

Data sources, in order of preference: ``data`` (a folder in the shared PyFitIt layout), the
built-in FDMNES set (:func:`formulae.fdmnes.load_default_dataset`), or, with
``synthetic=True``, :func:`synthetic_table`. Every random step is seeded, so the same input
gives byte-identical tables.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._validation import check_int
from .errors import DataError

__all__ = ["synthetic_table", "run_demo", "DemoResult"]

TABLE_NAMES = ("demo.tex", "demo.md")


def synthetic_table(n_samples: int = 300, *, n_sweep: int = 40, random_state: int = 0) -> dict:
    """A seeded table of structure labels and XANES descriptors with planted relations.

    The structures are Fe–O clusters with ``CN`` in {4, 5, 6}, mean distance ``avgDist``
    uniform in [1.85, 2.30] Å and deviation ``stdDist`` uniform in [0, 0.12] Å, plus a Natoli
    sweep of ``n_sweep`` regular octahedra (``CN = 6``, ``stdDist = 0``) with the distance on an
    even grid from 1.85 to 2.30 Å (``family = "natoli"``). The descriptors obey

    * ``EdgeE = 7110 + 1.1 CN - 8.8 (avgDist - 2)`` eV,
    * ``MaxE = EdgeE + 90 / avgDist²`` and ``MinE = EdgeE + 140 / avgDist²`` eV (Natoli's rule),
    * ``Maxint = 1.05 + 0.06 CN - 0.8 stdDist``, ``Minint = 0.95 - 0.02 CN + 0.5 stdDist``,
    * ``Edgeslope = 0.4 + 0.05 CN - 0.8 stdDist`` 1/eV,
    * ``Maxcurv = -0.002 CN - 0.01 stdDist``, ``Mincurv = 0.0008 + 0.0001 CN`` 1/eV²,

    each plus Gaussian noise (0.3, 0.5, 0.8 eV; 0.02, 0.01, 0.02; 4e-4, 1e-4).

    Parameters
    ----------
    n_samples : int, default=300
        Number of random structures.
    n_sweep : int, default=40
        Number of structures in the Natoli sweep (0 for none).
    random_state : int, default=0
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    dict of str to ndarray
        Columns ``CN, avgDist, stdDist, family, EdgeE, Edgeslope, MaxE, Maxint, Maxcurv, MinE,
        Minint, Mincurv``, ``n_samples + n_sweep`` rows.
    """
    n_samples = check_int(n_samples, "n_samples", owner="synthetic_table", low=1)
    n_sweep = check_int(n_sweep, "n_sweep", owner="synthetic_table", low=0)
    rng = np.random.default_rng(random_state)
    cn = np.r_[rng.integers(4, 7, n_samples), np.full(n_sweep, 6)].astype(float)
    dist = np.r_[rng.uniform(1.85, 2.30, n_samples), np.linspace(1.85, 2.30, n_sweep)]
    dev = np.r_[rng.uniform(0.0, 0.12, n_samples), np.zeros(n_sweep)]
    n = cn.size

    def noise(scale):
        return rng.normal(0.0, scale, n)

    edge = 7110.0 + 1.1 * cn - 8.8 * (dist - 2.0) + noise(0.3)
    return {
        "CN": cn,
        "avgDist": dist,
        "stdDist": dev,
        "family": np.array(["random"] * n_samples + ["natoli"] * n_sweep, dtype=object),
        "EdgeE": edge,
        "Edgeslope": 0.4 + 0.05 * cn - 0.8 * dev + noise(0.02),
        "MaxE": edge + 90.0 / dist ** 2 + noise(0.5),
        "Maxint": 1.05 + 0.06 * cn - 0.8 * dev + noise(0.02),
        "Maxcurv": -0.002 * cn - 0.01 * dev + noise(4e-4),
        "MinE": edge + 140.0 / dist ** 2 + noise(0.8),
        "Minint": 0.95 - 0.02 * cn + 0.5 * dev + noise(0.01),
        "Mincurv": 0.0008 + 0.0001 * cn + noise(1e-4),
    }


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` computed and wrote.

    Parameters
    ----------
    source : str
        Where the spectra came from.
    n_spectra : int
        Number of spectra (rows) used.
    rows : tuple of RelationRow
        Searched and simplified relations, structure section first.
    natoli : dict
        ``{label: NatoliFit}`` for each family checked.
    files : tuple of str
        Files written.
    notes : tuple of str
        What was dropped or skipped, and why.
    summary : str
        The text printed at the end.
    timings : dict
        Seconds per step.
    """

    source: str
    n_spectra: int
    rows: tuple
    natoli: dict
    files: tuple
    notes: tuple
    summary: str
    timings: dict = field(default_factory=dict)


class _Progress:
    """Prints each step and, when it took over a second, its duration."""

    def __init__(self, stream):
        self.stream = stream
        self.timings = {}

    @contextmanager
    def step(self, name: str, message: str):
        if self.stream is not None:
            print(f"[demo] {message} ...", file=self.stream, flush=True)
        start = time.perf_counter()
        yield
        elapsed = time.perf_counter() - start
        self.timings[name] = elapsed
        if self.stream is not None and elapsed > 1.0:
            print(f"[demo]   {elapsed:.1f} s", file=self.stream, flush=True)

    def say(self, message: str):
        if self.stream is not None:
            print(f"[demo]   {message}", file=self.stream, flush=True)


def _have_matplotlib() -> bool:
    from ._validation import require
    from .errors import MissingDependencyError

    try:
        require("matplotlib", "formulae demo", "plot")
    except MissingDependencyError:
        return False
    return True


def _load(data, synthetic, random_state, progress, notes):
    """Return (source, columns) with structure labels, descriptors and optional family."""
    if synthetic:
        return "synthetic table (seeded, planted relations)", synthetic_table(
            random_state=random_state)
    if data is not None:
        from .io import read_sample

        sample = read_sample(data)
        source = f"sample {Path(str(data)).name}"
    else:
        from .fdmnes import load_default_dataset

        sample = load_default_dataset()
        source = "built-in FDMNES set"
    from .table1 import _sample_columns

    with progress.step("descriptors", "descriptors of the labelled spectra"):
        columns, index, n_dropped, _, failed = _sample_columns(sample, labels="any",
                                                               errors="nan", where=source)
    family = (np.asarray(sample.params.column("family"), dtype=object)
              if "family" in sample.params.columns else None)
    if n_dropped:
        notes.append(f"{n_dropped} of {sample.params.n_rows} spectra have no structure label "
                     "(e.g. measured spectra) and were left out")
    if failed.size:
        which = ", ".join(f"{i}" + (f" ({family[i]})" if family is not None else "")
                          for i in failed)
        notes.append(f"{failed.size} spectra have an extremum outside the energy range (no "
                     f"descriptor value) and were left out: spectrum {which}")
    if family is not None:
        columns["family"] = family[index]
    return source, columns


def _natoli_families(columns):
    """{label: boolean mask}: the 'natoli' family if there is one, else one family per CN."""
    if "family" in columns:
        family = np.array([str(v).lower() for v in columns["family"]])
        mask = np.char.find(family, "natoli") >= 0
        if mask.sum() >= 3:
            return {"Natoli sweep": mask}
    if "CN" in columns:
        return {f"CN = {cn:g}": columns["CN"] == cn for cn in np.unique(columns["CN"])}
    return {"all": np.ones(len(columns["EdgeE"]), dtype=bool)}


def _format_score(formula) -> str:
    kind = "accuracy" if formula.score_kind == "accuracy" else "CV R²"
    return f"{kind} {formula.cv_score:.3f}"


def run_demo(out="tables", *, data=None, synthetic: bool = False, plots: bool = True,
             max_terms: int = 3, simplify: bool = True, random_state: int = 0,
             progress=sys.stderr) -> DemoResult:
    """Run the whole chain and write ``demo.tex`` and ``demo.md`` (and PNG figures) to ``out``.

    Parameters
    ----------
    out : str or path-like, default="tables"
        Folder for the outputs (created if needed).
    data : str or path-like, optional
        A sample folder in the shared PyFitIt layout (``params.csv`` + ``spectra.csv``);
        the built-in FDMNES set when omitted.
    synthetic : bool, default=False
        Use :func:`synthetic_table` instead of spectra.
    plots : bool, default=True
        Write ``demo_parity.png``, ``demo_pareto.png`` and ``demo_natoli.png`` when matplotlib
        is installed (a note says so when it is not).
    max_terms : int, default=3
        Largest formula size.
    simplify : bool, default=True
        Simplify the chosen formulas.
    random_state : int, default=0
        Seed of the folds and of the synthetic table.
    progress : file-like or None, default=sys.stderr
        Where progress lines go; None for silence.

    Returns
    -------
    DemoResult

    Raises
    ------
    DataError
        If the data set cannot be read or lacks the structure columns.
    """
    from .natoli import natoli_fit
    from .table1 import DESCRIPTOR_NAMES, SPECTRUM_TARGETS, relation_table, search_relations

    max_terms = check_int(max_terms, "max_terms", owner="run_demo", low=1)
    out = Path(out)
    notes = []
    steps = _Progress(progress)
    source, columns = _load(data, synthetic, random_state, steps, notes)
    n_rows = len(columns["EdgeE"])

    labels = [n for n in ("CN", "avgDist", "stdDist") if n in columns]
    constant = [n for n in labels if np.ptp(columns[n]) == 0]
    if constant:
        notes.append(f"constant in this set, left out of the search: {', '.join(constant)}")
    labels = [n for n in labels if n not in constant]
    descriptors = [n for n in DESCRIPTOR_NAMES if np.ptp(columns[n]) > 0]

    with steps.step("search", f"formula search in both directions on {n_rows} spectra"):
        rows = search_relations(columns, structure_targets=labels, structure_features=labels,
                                spectrum_targets=SPECTRUM_TARGETS,
                                descriptor_features=descriptors, max_terms=max_terms,
                                simplify=simplify, random_state=random_state,
                                progress=steps.say)

    natoli = {}
    natoli_data = {}
    if "avgDist" not in columns:
        notes.append("Natoli's rule not checked: the data have no avgDist column")
    with steps.step("natoli", "Natoli's rule"):
        families = _natoli_families(columns) if "avgDist" in columns else {}
        for label, mask in families.items():
            for energy in ("MaxE", "MinE"):
                args = (columns[energy][mask], columns["EdgeE"][mask], columns["avgDist"][mask])
                try:
                    fit = natoli_fit(*args)
                except DataError as exc:
                    notes.append(f"Natoli's rule not checked for {label}, {energy}: {exc}")
                    continue
                natoli[f"{label}, {energy}"] = fit
                natoli_data[f"{label}, {energy}"] = args

    out.mkdir(parents=True, exist_ok=True)
    table = relation_table(rows, caption=f"Relations found by formulae demo on the {source} "
                                         f"({n_rows} spectra), standardized variables.")
    latex_path, markdown_path = out / TABLE_NAMES[0], out / TABLE_NAMES[1]
    table.write(latex=str(latex_path), markdown=str(markdown_path))
    files = [str(latex_path), str(markdown_path)]

    if plots and not _have_matplotlib():
        notes.append("matplotlib is not installed: no figures (pip install 'formulae[plot]')")
    elif plots:
        with steps.step("plots", "figures"):
            from .plots import plot_natoli_families, plot_pareto, plot_parity

            structure = [r.simplified for r in rows if r.section == "structure"]
            if structure:
                path = out / "demo_parity.png"
                plot_parity(structure, columns, path=path)
                files.append(str(path))
            path = out / "demo_pareto.png"
            plot_pareto({r.target: r.formulas for r in rows}, path=path)
            files.append(str(path))
            if natoli:
                path = out / "demo_natoli.png"
                plot_natoli_families({label: (fit, *natoli_data[label])
                                      for label, fit in natoli.items()}, path=path)
                files.append(str(path))

    from .tables import formula_text

    lines = [f"formulae demo: {source}, {n_rows} spectra, "
             f"{len(descriptors)} descriptors, {len(labels)} structure labels"]
    for section, title in (("structure", "Structure from the spectrum"),
                           ("spectrum", "Spectrum from the structure")):
        lines.append(f"{title}:")
        for row in rows:
            if row.section == section:
                f = row.simplified
                lines.append(f"  {row.target} = {formula_text(f)}   ({f.n_terms} terms, "
                             f"{_format_score(f)})")
    lines.append("Natoli's rule (E_r - E_0) R^2 = C:")
    for label, fit in natoli.items():
        lines.append(f"  {label}: n = {fit.n:.2f} +/- {fit.n_stderr:.2f}, C = {fit.C:.1f} eV A^2 "
                     f"(spread {100 * fit.C_spread:.1f} %): {fit.verdict}")
    for note in notes:
        lines.append(f"Note: {note}")
    lines.append("Wrote: " + ", ".join(files))
    summary = "\n".join(lines)
    return DemoResult(source=source, n_spectra=n_rows, rows=tuple(rows), natoli=natoli,
                      files=tuple(files), notes=tuple(notes), summary=summary,
                      timings=dict(steps.timings))
