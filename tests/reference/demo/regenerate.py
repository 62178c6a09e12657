"""Regenerate the golden tables of `formulae demo` (and the committed tables/ folder).

Run from anywhere: ``python tests/reference/demo/regenerate.py``. The demo is seeded (folds,
synthetic data) and reads only the built-in data set, so the output is the same on every run.
"""

from pathlib import Path

from formulae.cli import main

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

if __name__ == "__main__":
    main(["demo", "--out", str(HERE), "--quiet", "--no-plots"])
    main(["demo", "--out", str(ROOT / "tables"), "--quiet"])
