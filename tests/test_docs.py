"""Run every ```python block of every docs/*.md page.

Each page's blocks run in order in one namespace, in a fresh temporary working directory that
holds a copy of ``docs/`` (so ``docs/examples/cu1.toml`` resolves) and, beside it,
``../shared/data`` linked to the shared data (so ``../shared/data/...`` resolves as it does
from the project root).  Markers, written as HTML comments so they do not show on the page:

* ``<!-- skip-test -->`` on the last non-blank line before a block's opening fence: that
  block is not run (commands that need an external program, deliberately failing snippets);
* ``<!-- slow-test -->`` in the same place: the block is slow. The page then gets two test
  cases: ``page.md`` runs its other blocks (the slow ones skipped), ``page.md[slow]`` is marked
  ``slow`` and runs every block (``pytest -m slow tests/test_docs.py``);
* ``<!-- needs-shared-data -->`` just before a block: that block is skipped when the shared
  data is absent; elsewhere in a page: the whole page is. A page whose other runnable blocks
  mention ``shared/data`` is skipped automatically;
* ``<!-- slow-test -->`` elsewhere in a page (not just before a block): the whole page is
  ``slow``.

A python block followed by an output block (a fence without an info string, separated from the
python block by blank lines or by one line starting with "prints" or "measured output", as in
"prints (measured)") must print exactly that text: its stdout is captured and compared with
the output block, line by line, after removing trailing whitespace at the end of each line and
blank lines at the end.

Blocks run with ``__name__ == "__docs__"`` (an ``if __name__ == "__main__":`` part is not
run), ``sys.argv == ["page.md"]`` and ``MPLBACKEND=Agg``. The test is parametrised per page; a
failure names the page, the block number and the line of the page on which the block starts.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import sys
import traceback
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from conftest import _shared_data_dir as shared_data_dir

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

SKIP_MARK = "<!-- skip-test -->"
SHARED_MARK = "<!-- needs-shared-data -->"
SLOW_MARK = "<!-- slow-test -->"
_SHARED_RE = re.compile(r"shared/data")
_OUTPUT_INTRO_RE = re.compile(r"(prints|measured output)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Block:
    """One fenced python block of a page."""

    number: int        # 1-based among the page's python blocks (skipped ones included)
    line: int          # 1-based line of the opening fence
    code: str
    skipped: bool
    slow: bool = False
    shared: bool = False
    expected: str | None = None   # the output block that follows it, if any


def _normalise_output(text: str) -> str:
    """Trailing whitespace of each line and trailing blank lines removed."""
    return "\n".join(line.rstrip() for line in text.splitlines()).rstrip("\n")


def parse_blocks(text: str) -> list[Block]:
    """The ```python blocks of a markdown text, in order, with their flags and outputs."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    previous = ""          # last non-blank line before the current one
    between: list[str] | None = None   # non-blank lines since the last python block's fence
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped.startswith("```"):
            fence = stripped[: len(stripped) - len(stripped.lstrip("`"))]
            info = stripped[len(fence):].strip().split()
            start = i
            body: list[str] = []
            i += 1
            while i < len(lines) and lines[i].strip() != fence:
                body.append(lines[i])
                i += 1
            if info and info[0] in ("python", "py"):
                blocks.append(Block(number=len(blocks) + 1, line=start + 1,
                                    code="\n".join(body) + "\n",
                                    skipped=previous == SKIP_MARK,
                                    slow=previous == SLOW_MARK,
                                    shared=previous == SHARED_MARK))
                between = []
            elif (not info and between is not None and len(between) <= 1
                  and all(_OUTPUT_INTRO_RE.match(line) for line in between)):
                blocks[-1] = replace(blocks[-1], expected="\n".join(body))
                between = None
            else:
                between = None
            previous = fence
            i += 1
            continue
        if stripped:
            previous = stripped
            if between is not None:
                between.append(stripped)
        i += 1
    return blocks


def _page_marker(text: str, mark: str) -> bool:
    """Whether ``mark`` stands anywhere but just before a block's opening fence."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return any(line == mark and not (i + 1 < len(lines) and lines[i + 1].startswith("```"))
               for i, line in enumerate(lines))


def needs_shared_data(text: str, blocks: list[Block]) -> bool:
    """Whether a whole page must be skipped without the shared data."""
    return _page_marker(text, SHARED_MARK) or any(
        _SHARED_RE.search(b.code) for b in blocks if not (b.skipped or b.shared))


def page_is_slow(text: str) -> bool:
    """Whether a ``<!-- slow-test -->`` stands anywhere but just before a block."""
    return _page_marker(text, SLOW_MARK)


def run_blocks(page: str, blocks: list[Block], *, include_slow: bool = True,
               include_shared: bool = True) -> dict:
    """Execute the runnable blocks in order in one namespace; return the namespace.

    Raises
    ------
    AssertionError
        Naming the page, the block number and its line, with the block's traceback, or with
        the expected and the printed text when a block's output differs from its output block.
    """
    namespace: dict = {"__name__": "__docs__"}
    for block in blocks:
        if (block.skipped or (block.slow and not include_slow)
                or (block.shared and not include_shared)):
            continue
        label = f"{page}, python block {block.number} (line {block.line})"
        stdout = io.StringIO()
        try:
            with (contextlib.redirect_stdout(stdout) if block.expected is not None
                  else contextlib.nullcontext()):
                exec(compile(block.code, f"<{label}>", "exec"), namespace)
        except Exception as exc:  # noqa: BLE001 -- reported with its traceback
            tb = "".join(traceback.format_exception(exc))
            raise AssertionError(f"{label} failed: {type(exc).__name__}: {exc}\n{tb}") from exc
        if block.expected is not None:
            printed = _normalise_output(stdout.getvalue())
            expected = _normalise_output(block.expected)
            if printed != expected:
                raise AssertionError(f"{label} printed\n{printed}\ninstead of its output block"
                                     f"\n{expected}")
    return namespace


def _pages():
    params = []
    for path in sorted(DOCS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if page_is_slow(text):
            params.append(pytest.param(path, True, id=path.name, marks=[pytest.mark.slow]))
            continue
        params.append(pytest.param(path, False, id=path.name))
        if any(b.slow and not b.skipped for b in parse_blocks(text)):
            params.append(pytest.param(path, True, id=f"{path.name}[slow]",
                                       marks=[pytest.mark.slow]))
    return params


@pytest.mark.parametrize(("path", "include_slow"), _pages())
def test_docs_page(path, include_slow, tmp_path, monkeypatch):
    text = path.read_text(encoding="utf-8")
    blocks = parse_blocks(text)
    shared = shared_data_dir()
    runnable = [b for b in blocks if not b.skipped and (include_slow or not b.slow)
                and (shared.is_dir() or not b.shared)]
    if not runnable:
        pytest.skip(f"{path.name} has no runnable python block")
    if needs_shared_data(text, blocks) and not shared.is_dir():
        pytest.skip(f"{path.name} needs the shared data, not found at {shared}")

    work = tmp_path / "project"
    shutil.copytree(DOCS, work / "docs")
    if shared.is_dir():
        (tmp_path / "shared").mkdir()
        (tmp_path / "shared" / "data").symlink_to(shared.resolve(), target_is_directory=True)
    monkeypatch.chdir(work)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setattr(sys, "argv", [path.name])    # as if run as a script, not pytest's argv
    try:
        run_blocks(path.name, blocks, include_slow=include_slow,
                   include_shared=shared.is_dir())
    finally:
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:
            plt.close("all")


# --- the runner itself -------------------------------------------------------------------

_PAGE = """# Title

```python
x = 2
```

Some text.

<!-- skip-test -->
```python
raise RuntimeError("never run")
```

```
shell text, not python
```

````python
y = x * 21
````

<!-- slow-test -->

```python
y = y - 1
```

```python
assert y == 41, y
```
"""


def test_parse_blocks_order_lines_and_markers():
    blocks = parse_blocks(_PAGE)
    assert [b.number for b in blocks] == [1, 2, 3, 4, 5]
    assert [b.line for b in blocks] == [3, 10, 18, 24, 28]
    assert [b.skipped for b in blocks] == [False, True, False, False, False]
    assert [b.slow for b in blocks] == [False, False, False, True, False]
    assert blocks[2].code == "y = x * 21\n"
    assert not page_is_slow(_PAGE)                      # the marker belongs to block 4
    assert page_is_slow("<!-- slow-test -->\n\nText.\n\n```python\npass\n```\n")


def test_run_blocks_shares_namespace_and_names_failing_block():
    blocks = parse_blocks(_PAGE)
    namespace = run_blocks("page.md", blocks[:3])      # the skipped RuntimeError never runs
    assert namespace["y"] == 42
    # without the slow block y stays 42 and the last block's assertion fails, named
    with pytest.raises(AssertionError, match=r"page\.md, python block 5 \(line 28\) failed: "
                                             r"AssertionError: 42"):
        run_blocks("page.md", blocks, include_slow=False)
    assert run_blocks("page.md", blocks)["y"] == 41


def test_needs_shared_data_detection():
    blocks = parse_blocks("```python\nopen('../shared/data/x.csv')\n```\n")
    assert needs_shared_data("", blocks)
    skipped = parse_blocks("<!-- skip-test -->\n```python\nopen('../shared/data/x')\n```\n")
    assert not needs_shared_data("", skipped)
    assert needs_shared_data(SHARED_MARK + "\n\nText.\n", skipped)
    one = parse_blocks("```python\nx = 1\n```\n\n" + SHARED_MARK
                       + "\n```python\nopen('../shared/data/x')\n```\n")
    assert [b.shared for b in one] == [False, True]
    assert not needs_shared_data("", one)               # only that block needs the data
    assert run_blocks("page.md", one, include_shared=False)["x"] == 1


def test_output_blocks_are_compared_with_what_the_block_prints():
    page = ("```python\nprint('a  ')\nprint(6 * 7)\n```\n\nprints (measured)\n\n"
            "```\na\n42\n\n```\n\n```python\nprint('no output block')\n```\n\nText.\n\n"
            "```\nnot an output block: text stands between\n```\n")
    blocks = parse_blocks(page)
    assert [b.expected for b in blocks] == ["a\n42\n", None]
    run_blocks("page.md", blocks)                       # trailing whitespace is ignored
    wrong = [replace(blocks[0], expected="a\n41")]
    with pytest.raises(AssertionError, match=r"page\.md, python block 1 \(line 1\) printed\n"
                                             r"a\n42\ninstead of its output block\na\n41"):
        run_blocks("page.md", wrong)
