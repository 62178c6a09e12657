"""Subcommands of the ``formulae`` command line, one module each (see :mod:`formulae.cli`)."""
