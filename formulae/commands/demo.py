"""``formulae demo [--out DIR] [--data DIR] [--synthetic] [--no-plots]``."""

from __future__ import annotations

HELP = "run the whole chain on the built-in data set: formulas, tables, Natoli check"


def add_arguments(parser) -> None:
    """Declare the arguments of ``formulae demo`` (no heavy imports here).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser, filled in place.
    """
    parser.add_argument("--out", default="tables",
                        help="folder for demo.tex, demo.md and the figures (default: tables)")
    parser.add_argument("--data", default=None, metavar="DIR",
                        help="a sample folder in the shared layout (params.csv + spectra.csv) "
                             "instead of the built-in FDMNES set")
    parser.add_argument("--synthetic", action="store_true",
                        help="use a seeded synthetic descriptor table with planted relations")
    parser.add_argument("--no-plots", action="store_true", help="do not write figures")
    parser.add_argument("--max-terms", type=int, default=3, help="largest formula size (3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the folds (0)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def run(args) -> int:
    """Run the demo chain (:func:`formulae.demo.run_demo`) and print its summary.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of ``formulae demo``.

    Returns
    -------
    int
        Exit code 0; failures raise :class:`~formulae.errors.FormulaeError`, which
        :func:`formulae.cli.main` turns into exit code 2.
    """
    import sys

    from ..demo import run_demo

    result = run_demo(args.out, data=args.data, synthetic=args.synthetic,
                      plots=not args.no_plots, max_terms=args.max_terms,
                      random_state=args.seed, progress=None if args.quiet else sys.stderr)
    print(result.summary)
    return 0
