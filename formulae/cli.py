"""The ``formulae`` command line.

Each subcommand lives in its own module of :mod:`formulae.commands`, which defines

* ``HELP`` - one line shown by ``formulae --help``;
* ``add_arguments(parser)`` - declares the options (cheap: no heavy imports here);
* ``run(args) -> int`` - does the work (imports what it needs inside).

Only this module catches :class:`~formulae.errors.FormulaeError`: the message goes to stderr,
without a traceback, and the exit code is 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from . import commands
from .errors import FormulaeError

__all__ = ["main", "build_parser"]


def _command_modules():
    names = sorted(info.name for info in pkgutil.iter_modules(commands.__path__)
                   if not info.name.startswith("_"))
    return [importlib.import_module(f"{commands.__name__}.{name}") for name in names]


class _VersionAction(argparse.Action):
    """``--version``: looks the version up only when asked (importlib.metadata is not loaded
    by ``formulae --help`` or any subcommand)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="show program's version number and exit"):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from . import __version__

        print(f"formulae {__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with one subparser per module of :mod:`formulae.commands`.

    Returns
    -------
    argparse.ArgumentParser
        Parser of ``formulae``; each subcommand stores its module's ``run`` as ``args._run``.
    """
    parser = argparse.ArgumentParser(
        prog="formulae",
        description="Short, publishable formulas from X-ray absorption spectra; "
                    "EXAFS fits with an exact Jacobian.")
    parser.add_argument("--version", action=_VersionAction)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        name = module.__name__.rsplit(".", 1)[1].replace("_", "-")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 success, 2 bad input or failed fit).

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        Exit code: the subcommand's return value (0 on success; 0 when no subcommand is
        given and the help is printed), or 2 when a :class:`~formulae.errors.FormulaeError`
        was raised (its message is printed to stderr).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return 0
    try:
        return int(args._run(args) or 0)
    except FormulaeError as exc:
        print(f"formulae {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
