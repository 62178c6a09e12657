"""``formulae exafs fit|chi|batch``: EXAFS fits from a TOML/JSON spec, path χ(k), batches."""

from __future__ import annotations

HELP = "EXAFS: fit FEFF paths to chi(k) (exact Jacobian), compute path chi(k), batch fits"


def add_arguments(parser) -> None:
    """Add the ``fit``, ``chi`` and ``batch`` actions and their options to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The ``exafs`` subcommand's parser.
    """
    sub = parser.add_subparsers(dest="exafs_command", metavar="ACTION")
    sub.required = True
    fit = sub.add_parser("fit", help="fit a spec (TOML or JSON) and print the report")
    fit.add_argument("spec", help="spec file (schema of larch_fits.json 'spec' entries)")
    fit.add_argument("--json", metavar="OUT", default=None,
                     help="also write params, correlations and statistics to OUT (JSON)")
    fit.add_argument("--min-correl", type=float, default=0.1,
                     help="smallest |correlation| printed (0.1)")
    chi = sub.add_parser("chi", help="write chi(k) and |chi(R)| of FEFF path files")
    chi.add_argument("paths", nargs="+", help="feffNNNN.dat files")
    chi.add_argument("--out", default="-", help="output text file ('-': stdout)")
    chi.add_argument("--kmax", type=float, default=20.0, help="largest k (20)")
    chi.add_argument("--kweight", type=float, default=2.0, help="k-weight of the FT (2)")
    chi.add_argument("--kmin-ft", type=float, default=3.0, help="FT window kmin (3)")
    chi.add_argument("--kmax-ft", type=float, default=None, help="FT window kmax (kmax - 1)")
    chi.add_argument("--dk", type=float, default=1.0, help="FT window taper (1)")
    chi.add_argument("--window", default="hanning", help="FT window (hanning)")
    for name, default in (("s02", 1.0), ("e0", 0.0), ("deltar", 0.0), ("sigma2", 0.0),
                          ("third", 0.0), ("fourth", 0.0), ("ei", 0.0)):
        chi.add_argument(f"--{name}", type=float, default=default,
                         help=f"path parameter {name} ({default})")
    batch = sub.add_parser("batch", help="fit many chi(k) files with one spec, write a CSV")
    batch.add_argument("spec", help="spec file; its 'data' is replaced by each FILE")
    batch.add_argument("files", nargs="+", help="chi(k) files (k, chi columns)")
    batch.add_argument("--csv", required=True, metavar="OUT", help="CSV table to write")
    batch.add_argument("--n-jobs", type=int, default=1, help="parallel workers (1; -1: all)")


def run(args) -> int:
    """Run the action chosen on the command line.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments (``exafs_command`` names the action).

    Returns
    -------
    int
        Exit code: 0 on success, 2 when a fit did not converge.
    """
    return {"fit": _fit, "chi": _chi, "batch": _batch}[args.exafs_command](args)


def _fit(args) -> int:
    import json

    from ..exafs.spec import read_spec

    problem = read_spec(args.spec).problem()
    result = problem.solve()
    print(result.report(min_correl=args.min_correl))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result.to_dict(), fh, indent=1)
    return 0 if result.success else 2


def _chi(args) -> int:
    import sys

    import numpy as np

    from ..exafs.feffdat import read_feffdat
    from ..exafs.model import chi as path_chi
    from ..exafs.transform import xftf

    kstep = 0.05
    k = kstep * np.arange(int(1.01 + args.kmax / kstep))
    pars = {n: getattr(args, n) for n in ("s02", "e0", "deltar", "sigma2", "third", "fourth",
                                           "ei")}
    kmax_ft = args.kmax_ft if args.kmax_ft is not None else args.kmax - 1.0
    columns, names = [k], ["k"]
    total = np.zeros_like(k)
    for f in args.paths:
        path = read_feffdat(f)
        c = path_chi(k, path, **pars)
        total += c
        columns.append(c)
        names.append(f"chi_{_stem(f)}")
    series = [(n[4:], c) for n, c in zip(names[1:], columns[1:])]
    if len(args.paths) > 1:
        series.append(("sum", total))
        columns.append(total)
        names.append("chi_sum")
    r, chir = xftf(k, np.array([c for _, c in series]), kmin=args.kmin_ft, kmax=kmax_ft,
                   dk=args.dk, window=args.window, kweight=args.kweight, kstep=kstep,
                   rmax_out=10.0)
    r_names = [f"chir_mag_{label}" for label, _ in series]
    out = sys.stdout if args.out == "-" else open(args.out, "w")
    try:
        out.write(f"# chi(k) of {len(args.paths)} path(s); path parameters {pars}\n")
        out.write("# " + " ".join(names) + "\n")
        np.savetxt(out, np.column_stack(columns), fmt="%.10g")
        out.write(f"# |chi(R)|: kweight={args.kweight:g}, window={args.window}, "
                  f"k=[{args.kmin_ft:g}, {kmax_ft:g}], dk={args.dk:g}\n")
        out.write("# r " + " ".join(r_names) + "\n")
        np.savetxt(out, np.column_stack([r, np.abs(chir).T]), fmt="%.10g")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def _stem(name):
    from pathlib import Path
    return Path(name).stem


def _batch(args) -> int:
    from ..exafs.batch import fit_batch

    result = fit_batch(args.spec, args.files, n_jobs=args.n_jobs)
    result.to_csv(args.csv)
    n_ok = sum(r is not None for r in result.results)
    print(f"{n_ok} of {len(result.results)} spectra fitted; table written to {args.csv}")
    for name, err in zip(result.names, result.errors):
        if err:
            print(f"  {name}: {err}")
    return 0 if n_ok == len(result.results) else 2
