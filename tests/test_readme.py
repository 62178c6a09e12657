"""README.md: exactly the two set-up commands, and the demo table pasted from tables/demo.md."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _code_blocks(text):
    blocks, inside, current = [], False, []
    for line in text.splitlines():
        if line.startswith("```"):
            if inside:
                blocks.append("\n".join(current))
                current = []
            inside = not inside
        elif inside:
            current.append(line)
    return blocks


def test_readme_gives_exactly_the_two_setup_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    assert _code_blocks(setup) == ['pip install -e . && formulae demo',
                                   'pip install -e ".[test]" && pytest']


def test_readme_shows_the_committed_demo_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = [line for line in (ROOT / "tables" / "demo.md").read_text(encoding="utf-8")
             .splitlines() if line.startswith("|")]
    assert len(table) >= 5
    assert "\n".join(table) in readme
