"""The ``$ formulae ...`` examples of docs/cli.md print what the page quotes.

An example is a fenced block of the page whose first line starts with ``$ ``: each ``$ `` line
(continued by a trailing backslash) is a command, the lines up to the next command its quoted
stdout (none quoted: nothing may be printed). The commands run in order, as the page says, in
the project root with the shared data beside it and a scratch folder ``/tmp/clidoc``; here the
root is a temporary ``project`` folder holding ``docs/examples``, ``../shared/data`` is linked to
the shared data (``tests/conftest.py``) and ``/tmp/clidoc`` is replaced by a temporary folder in
the commands (and back in the printed text). ``formulae ...`` runs in this process through
:func:`formulae.cli.main` with stdout captured; other commands (``head``, ``awk``) run in bash.
The printed text is compared line by line after removing trailing whitespace at the end of
each line and blank lines at the end; a quoted line ``…`` stands for any number of lines (the
page's elision). Exit codes must be 0.

An example whose commands use ``../shared/data`` is skipped when the shared data is absent;
commands that take minutes or need FDMNES (``table1``, ``simulate``) are not run. The page's
inline claims about the search (the error on the full descriptor table, the simplified formula
on all 2500 spectra) are checked as well.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import _shared_data_dir

from formulae.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "cli.md"
SCRATCH = "/tmp/clidoc"
NOT_RUN = {"table1": "takes about 47 s", "simulate": "needs FDMNES and takes minutes"}
FEATURES = "EdgeE,Edgeslope,MaxE,Maxint,Maxcurv,MinE,Minint,Mincurv"


@dataclass(frozen=True)
class Step:
    """One command of an example and the stdout the page quotes for it."""

    command: str
    expected: tuple[str, ...]


@dataclass(frozen=True)
class Example:
    line: int            # 1-based line of the opening fence
    steps: tuple[Step, ...]

    @property
    def name(self) -> str:
        """The subcommand of the first ``formulae`` command (``search``, ``exafs``...)."""
        return next(shlex.split(s.command)[1] for s in self.steps
                    if s.command.startswith("formulae "))


def parse_examples(text: str) -> list[Example]:
    """The ``$ `` blocks of a markdown text, in order."""
    examples, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        if not lines[i].startswith("```"):
            i += 1
            continue
        start, body = i, []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1
        if not body or not body[0].startswith("$ "):
            continue
        steps, j = [], 0
        while j < len(body):
            command = body[j][2:]
            while command.endswith("\\"):
                j += 1
                command = command[:-1].rstrip() + " " + body[j].strip()
            j += 1
            output = []
            while j < len(body) and not body[j].startswith("$ "):
                output.append(body[j])
                j += 1
            steps.append(Step(command, tuple(output)))
        examples.append(Example(start + 1, tuple(steps)))
    return examples


def _normalise(lines) -> list[str]:
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def matches(printed: str, expected) -> bool:
    """Whether ``printed`` is the quoted text, a line ``…`` standing for any lines."""
    pattern = "".join(r"(?:[^\n]*\n)*?" if line == "…" else re.escape(line) + "\n"
                      for line in _normalise(expected))
    text = "".join(line + "\n" for line in _normalise(printed.splitlines()))
    return re.fullmatch(pattern, text) is not None


class Project:
    """The scratch project the page's commands run in; each command runs once."""

    def __init__(self, base: Path):
        self.root = base / "project"
        self.scratch = base / "clidoc"
        self.scratch.mkdir()
        shutil.copytree(ROOT / "docs" / "examples", self.root / "docs" / "examples")
        shared = _shared_data_dir()
        if shared.is_dir():
            (base / "shared").mkdir()
            (base / "shared" / "data").symlink_to(shared.resolve(), target_is_directory=True)
        self._done: dict[str, tuple[int, str, str]] = {}

    def run(self, command: str) -> tuple[int, str, str]:
        """Exit code, stdout and stderr of one command of the page (``/tmp/clidoc`` paths)."""
        if command not in self._done:
            self._done[command] = self._run(command)
        return self._done[command]

    def _run(self, command: str) -> tuple[int, str, str]:
        local = command.replace(SCRATCH, str(self.scratch))
        if not command.startswith("formulae "):
            done = subprocess.run(["bash", "-c", local], cwd=self.root, capture_output=True,
                                  text=True)
            return done.returncode, done.stdout, done.stderr
        out, err, cwd = io.StringIO(), io.StringIO(), os.getcwd()
        os.chdir(self.root)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(shlex.split(local)[1:])
                except SystemExit as exc:     # argparse
                    code = exc.code
        finally:
            os.chdir(cwd)
            plt = sys.modules.get("matplotlib.pyplot")
            if plt is not None:
                plt.close("all")
        back = str(self.scratch)
        return code, out.getvalue().replace(back, SCRATCH), err.getvalue().replace(back, SCRATCH)


TEXT = PAGE.read_text(encoding="utf-8")
EXAMPLES = {example.name: example for example in parse_examples(TEXT)}


def _first(name: str, prefix: str) -> str:
    return next(s.command for s in EXAMPLES[name].steps if s.command.startswith(prefix))


def _descriptor_table() -> list[str]:
    """The page's commands that make /tmp/clidoc/desc.csv (in its ``formulae xanes`` part)."""
    return [_first("xanes", "formulae xanes descriptors")]


def _simplified_search() -> str:
    """The search on all 2500 spectra with ``--simplify --json`` that the page describes."""
    return (f"formulae search {SCRATCH}/computed.csv --target avgDist --features {FEATURES} "
            f"--simplify --json {SCRATCH}/avgdist.json")


# commands an example needs first, taken from elsewhere on the page
PREREQUISITES = {
    "search": _descriptor_table,
    "table": lambda: _descriptor_table() + [_first("search", "head "), _simplified_search()],
}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return Project(tmp_path_factory.mktemp("cli_examples"))


def _needs_shared(commands) -> bool:
    return any("../shared/data" in c or "docs/examples/" in c for c in commands)


def _skip_without_shared(commands):
    if _needs_shared(commands) and not _shared_data_dir().is_dir():
        pytest.skip(f"needs the shared data, not found at {_shared_data_dir()}")


def _check(project, command, expected, label):
    code, out, err = project.run(command)
    assert code == 0, f"{label}: `{command}` exited with {code}:\n{err}"
    assert matches(out, expected), (f"{label}: `{command}` printed\n{out}\ninstead of\n"
                                    + "\n".join(expected))


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_cli_example(name, project):
    example = EXAMPLES[name]
    if name in NOT_RUN:
        pytest.skip(f"formulae {name} {NOT_RUN[name]}")
    before = PREREQUISITES.get(name, list)()
    _skip_without_shared([s.command for s in example.steps] + before)
    for command in before:
        code, _, err = project.run(command)
        assert code == 0, f"prerequisite `{command}` exited with {code}:\n{err}"
    for step in example.steps:
        _check(project, step.command, step.expected, f"docs/cli.md line {example.line}")


def test_search_error_on_the_full_descriptor_table(project):
    quoted = re.search(r"`(formulae search: error: [^`]*)`", TEXT).group(1)
    _skip_without_shared(_descriptor_table())
    for command in _descriptor_table():
        assert project.run(command)[0] == 0
    code, out, err = project.run(f"formulae search {SCRATCH}/desc.csv --target avgDist "
                                 f"--features {FEATURES}")
    assert (code, out, err) == (2, "", quoted + "\n")


def test_simplified_search_on_all_spectra(project):
    claim = re.search(r"chosen formula\s+becomes `(avgDist = [^`]*)` \(CV R² (\S+) free, (\S+)\s+"
                      r"simplified\)", TEXT)
    assert claim, "the page no longer states the simplified formula"
    formula, free, simplified = claim.groups()
    before = _descriptor_table() + [_first("search", "head ")]
    _skip_without_shared(before)
    for command in before:
        assert project.run(command)[0] == 0
    code, out, _ = project.run(_simplified_search())
    assert code == 0
    assert f"  standardized: {formula}\n" in out
    assert f"chosen (3 terms, CV R² {simplified}):" in out
    assert f"free refit: CV R² {free} " in out


# --- the parser itself ----------------------------------------------------------------

def test_parse_examples_and_elision():
    page = ("```\nformulae demo [--out DIR]\n```\n\n```\n$ head -n 3 a.csv > b.csv\n"
            "$ formulae search b.csv \\\n      --target y\n== y ==\n…\nend\n```\n")
    (example,) = parse_examples(page)
    assert example.line == 5 and example.name == "search"
    assert example.steps == (Step("head -n 3 a.csv > b.csv", ()),
                             Step("formulae search b.csv --target y", ("== y ==", "…", "end")))
    expected = example.steps[1].expected
    assert matches("== y ==\nend  \n\n", expected)
    assert matches("== y ==\na\nb\nend\n", expected)
    assert not matches("== y ==\na\nend\nmore\n", expected)
    assert not matches("== x ==\nend\n", expected)
    assert matches("", ()) and not matches("text\n", ())
