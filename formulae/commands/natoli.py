"""``formulae natoli TABLE --energy MaxE --edge EdgeE --distance Dist [--group CN]``."""

from __future__ import annotations

HELP = "check Natoli's rule (E_r - E_0) R^2 = C on a descriptor table"


def add_arguments(parser) -> None:
    """Declare the arguments of ``formulae natoli`` (no heavy imports here).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser, filled in place.
    """
    parser.add_argument("table", help="descriptor table (CSV, TSV or whitespace, header row)")
    parser.add_argument("--energy", default="MaxE",
                        help="column of the resonance energy E_r, eV (default: MaxE)")
    parser.add_argument("--edge", default="EdgeE",
                        help="column of the edge position E_0, eV (default: EdgeE)")
    parser.add_argument("--distance", default="avgDist",
                        help="column of the distance R, Å (default: avgDist)")
    parser.add_argument("--fit-edge", action="store_true",
                        help="fit E_0 as one constant per family instead of using --edge")
    parser.add_argument("--group", default=None,
                        help="column defining families, one fit per value (e.g. CN)")
    parser.add_argument("--exponent", type=float, default=2.0,
                        help="exponent stated by the rule (default: 2)")
    parser.add_argument("--tolerance", type=float, default=0.2,
                        help="accepted |n - exponent| for the verdict (default: 0.2)")
    parser.add_argument("--confidence", type=float, default=0.95,
                        help="level of the confidence intervals (default: 0.95)")
    parser.add_argument("--method", choices=("loglog", "nonlinear"), default="loglog",
                        help="fit of the free exponent (default: loglog)")
    parser.add_argument("--skip-missing", action="store_true",
                        help="drop rows with an empty or non-finite cell in the columns used "
                             "(their number is printed); without it such a row is an error")
    parser.add_argument("--plot", metavar="PNG", default=None,
                        help="write a Natoli plot (needs matplotlib)")


def run(args) -> int:
    """Fit Natoli's rule on the table's columns, overall or per group; print (and plot) the fits.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of ``formulae natoli``.

    Returns
    -------
    int
        Exit code 0; failures raise :class:`~formulae.errors.FormulaeError`, which
        :func:`formulae.cli.main` turns into exit code 2.
    """
    import numpy as np

    from ..io import read_table
    from ..natoli import natoli_by_group

    table = read_table(args.table)
    edge = None if args.fit_edge else args.edge
    names = [args.energy, args.distance] + ([edge] if edge is not None else [])
    columns = {name: table.column(name) for name in names}  # DataError naming the known columns
    if args.group is not None:
        table.column(args.group)
    if args.skip_missing:
        keep = np.all([np.isfinite(columns[n]) for n in names if table.is_numeric(n)]
                      or [np.ones(table.n_rows, dtype=bool)], axis=0)
        dropped = int((~keep).sum())
        if dropped:
            print(f"skipped {dropped} of {keep.size} rows with a missing value in "
                  f"{', '.join(names)}")
        table = table.from_columns({n: table.column(n)[keep] for n in table.columns},
                                   path=table.path)
    columns = dict(zip(names, table.numeric(names).T))
    if args.group is not None:
        columns[args.group] = table.column(args.group)
    fits = natoli_by_group(columns, energy=args.energy, edge=edge, distance=args.distance,
                           group=args.group, exponent=args.exponent, tolerance=args.tolerance,
                           confidence=args.confidence, method=args.method)
    labels = {key: None if key is None else
              f"{args.group} = {key:g}" if isinstance(key, float) else f"{args.group} = {key}"
              for key in fits}
    for key, fit in fits.items():
        head = "" if labels[key] is None else f"{labels[key]}: "
        print(f"{head}E_r = {args.energy}, E_0 = {edge or 'fitted'}, R = {args.distance}")
        print("  " + fit.summary())
    if args.plot is not None:
        from ..plots import plot_natoli_families

        group = None if args.group is None else np.asarray(columns[args.group])
        families = {}
        for key, fit in fits.items():
            mask = slice(None) if group is None else group == key
            families[labels[key]] = (fit, columns[args.energy][mask],
                                     None if edge is None else columns[edge][mask],
                                     columns[args.distance][mask])
        plot_natoli_families(families, path=args.plot)
        print(f"wrote {args.plot}")
    return 0
