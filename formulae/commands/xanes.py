"""``formulae xanes``: XANES descriptors of spectrum files or of a PyFitIt sample folder."""

from __future__ import annotations

HELP = "XANES descriptors (EdgeE, MaxE, MinE, curvatures, pre-edge) of spectra, as a CSV table"


def add_arguments(parser) -> None:
    """Declare ``descriptors`` and ``plot`` sub-subcommands (no heavy imports here).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The ``formulae xanes`` parser, filled in place.
    """
    sub = parser.add_subparsers(dest="xanes_command", metavar="ACTION")
    sub.required = True
    desc = sub.add_parser("descriptors", help="descriptor table of files or of a sample folder",
                          description="One row per file (first column 'file'), or with --sample "
                                      "one row per spectrum of a PyFitIt sample folder "
                                      "(parameter columns kept, then the descriptors).")
    desc.add_argument("files", nargs="*", metavar="FILE",
                      help="spectrum files: two-column text (decimal commas ok), XDI, FDMNES")
    desc.add_argument("--sample", metavar="DIR",
                      help="PyFitIt sample folder (params.csv + spectra.csv + meta.json)")
    desc.add_argument("--csv", required=True, metavar="OUT.csv", help="output table")
    _common(desc)
    desc.add_argument("--stderr", action="store_true",
                      help="add the standard errors of the edge fit")
    desc.add_argument("--errors", choices=("raise", "nan"), default="raise",
                      help="a spectrum without edge/extremum: stop (raise) or write NaN")
    desc.add_argument("--n-jobs", type=int, default=1,
                      help="threads for --sample (default 1); FILE arguments are read and "
                           "described one after the other")
    plot = sub.add_parser("plot", help="figure of one spectrum with its descriptor points",
                          description="Needs matplotlib (pip install 'formulae[plot]').")
    plot.add_argument("file", metavar="FILE")
    plot.add_argument("--out", required=True, metavar="OUT.png")
    _common(plot)


def _common(parser) -> None:
    parser.add_argument("--smooth", type=float, default=5.0,
                        help="Gaussian smoothing sigma in eV before the extrema (default 5)")
    parser.add_argument("--range", type=float, nargs=2, metavar=("LOW", "HIGH"),
                        help="keep only energies in [LOW, HIGH] eV")
    parser.add_argument("--normalize", action="store_true",
                        help="normalize raw measured spectra first (pre-edge line, post-edge "
                             "polynomial, E0 at the derivative maximum)")


def run(args) -> int:
    """Compute and write the descriptor table (or the figure).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of ``formulae xanes descriptors`` or ``formulae xanes plot``.

    Returns
    -------
    int
        Exit code 0; failures raise :class:`~formulae.errors.FormulaeError`, which
        :func:`formulae.cli.main` turns into exit code 2.
    """
    if args.xanes_command == "plot":
        return _plot(args)
    return _descriptors(args)


def _load(path, normalize_first):
    from ..io import read_spectrum
    from ..xanes import normalize

    spectrum = read_spectrum(path)
    mu = normalize(spectrum.energy, spectrum.mu).norm if normalize_first else spectrum.mu
    return spectrum.energy, mu


def _options(args):
    return {"smooth": args.smooth,
            "energy_range": None if args.range is None else tuple(args.range)}


def _descriptors(args) -> int:
    import numpy as np

    from ..errors import DataError, InvalidParameterError
    from ..io import read_sample, write_table
    from ..xanes import DESCRIPTOR_COLUMNS, descriptor_table

    if bool(args.files) == bool(args.sample):
        raise InvalidParameterError("formulae xanes descriptors takes either FILE arguments or "
                                    "--sample DIR (exactly one of them).")
    options = _options(args)
    if args.sample:
        sample = read_sample(args.sample)
        spectra = sample.spectra
        if args.normalize:
            from ..xanes import normalize

            spectra = np.stack([normalize(sample.energy, row).norm for row in spectra])
        table = descriptor_table(sample.energy, spectra, errors=args.errors, stderr=args.stderr,
                                 n_jobs=args.n_jobs, **options)
        columns = {name: sample.params.column(name) for name in sample.params.columns}
        clash = [name for name in table if name in columns]
        if clash:
            raise DataError(f"{sample.path}/params.csv already has column(s) {clash}; rename "
                            "them before adding descriptors.", path=sample.path, column=clash[0])
        columns.update(table)
    else:
        rows = []
        for path in args.files:
            energy, mu = _load(path, args.normalize)
            try:
                row = descriptor_table(energy, mu[None, :], errors=args.errors,
                                       stderr=args.stderr, **options)
            except DataError as exc:
                message = str(exc).removeprefix("spectrum 0: ")
                raise DataError(f"{path}: {message}", path=path) from None
            rows.append(row)
        names = list(DESCRIPTOR_COLUMNS) + [k for k in rows[0] if k not in DESCRIPTOR_COLUMNS]
        columns = {"file": np.array([str(p) for p in args.files], dtype=object)}
        columns.update({name: np.concatenate([r[name] for r in rows]) for name in names})
    write_table(args.csv, columns)
    return 0


def _plot(args) -> int:
    from pathlib import Path

    from ..plots import _save
    from ..xanes import plot_descriptors

    energy, mu = _load(args.file, args.normalize)
    _, ax = plot_descriptors(energy, mu, title=Path(args.file).name, **_options(args))
    ax.figure.tight_layout()
    _save(ax.figure, args.out)
    return 0
