"""The command-line entry point: help, dispatch, and error handling."""

import subprocess
import sys

import pytest

from formulae import cli
from formulae.errors import DataError


def test_help_lists_every_command_module(capsys):
    with pytest.raises(SystemExit) as excinfo:
        cli.main(["--help"])
    assert excinfo.value.code == 0
    out = capsys.readouterr().out
    for module in cli._command_modules():
        name = module.__name__.rsplit(".", 1)[1].replace("_", "-")
        assert f"    {name}" in out


def test_formulae_error_gives_exit_2_and_message_without_traceback(monkeypatch, capsys):
    parser = cli.build_parser()

    def failing(args):
        raise DataError("table.csv, column 'MaxE', row 3: nan; expected a finite number")

    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser.set_defaults(_run=failing, command="search")
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert "column 'MaxE', row 3" in err
    assert "Traceback" not in err


def test_import_is_light():
    code = ("import sys, formulae; heavy = [m for m in ('sklearn', 'sympy', 'scipy') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_version_is_printed_and_read_only_when_asked(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as excinfo:
        cli.main(["--version"])
    assert excinfo.value.code == 0
    assert capsys.readouterr().out == f"formulae {version('formulae')}\n"
    code = ("import sys, formulae, formulae.cli; formulae.cli.build_parser(); "
            "print('importlib.metadata' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
