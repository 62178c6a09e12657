"""``formulae table RESULTS.json [--latex OUT.tex] [--markdown OUT.md] ...``.

Reads the JSON written by ``formulae search --json`` (``{"targets": {COL: {"chosen": F,
"pareto": [F, ...]}}}``, each ``F`` a :meth:`Formula.to_dict`) and writes the LaTeX and/or
Markdown table; without an output option the Markdown table is printed.
"""

from __future__ import annotations

HELP = "LaTeX (booktabs) and Markdown tables of the formulas of a saved search (--json)"


def add_arguments(parser) -> None:
    """Declare the arguments of ``formulae table`` (no heavy imports here).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser, filled in place.
    """
    parser.add_argument("results", metavar="RESULTS.json",
                        help="file written by 'formulae search --json'")
    parser.add_argument("--latex", metavar="OUT.tex", default=None, help="write the LaTeX table")
    parser.add_argument("--markdown", metavar="OUT.md", default=None,
                        help="write the Markdown table")
    parser.add_argument("--section", default="Formulas",
                        help="title of the section of continuous targets (default: Formulas); "
                             "class targets go in a section 'Class targets'")
    parser.add_argument("--pareto", action="store_true",
                        help="one row per Pareto formula instead of the chosen formula only")
    parser.add_argument("--caption", default=None, help="table caption")
    parser.add_argument("--decimals", type=int, default=2, help="decimals of coefficients (2)")
    parser.add_argument("--physical", action="store_true",
                        help="formulas in physical units instead of standardized variables")
    parser.add_argument("--describe", action="append", default=[], metavar="NAME=WORDS",
                        help="words for a column, for the target column and the notes "
                             "(repeatable), e.g. --describe 'avgDist=mean Fe–O distance (Å)'")


def _descriptions(items):
    from ..errors import InvalidParameterError

    out = {}
    for item in items:
        name, sep, words = item.partition("=")
        if not sep or not name.strip() or not words.strip():
            raise InvalidParameterError(f"--describe expects NAME=WORDS; got {item!r}.",
                                        parameter="describe", value=item)
        out[name.strip()] = words.strip()
    return out


def load_results(path):
    """Formulas of a saved search, by target: ``{target: (chosen, [pareto...])}``.

    Parameters
    ----------
    path : str or path-like
        JSON file written by ``formulae search --json``.

    Returns
    -------
    dict of str to (Formula, list of Formula)
        For each target, in file order: the chosen formula and the Pareto front (empty when
        the file has none).

    Raises
    ------
    DataError
        If the file is missing, not JSON, or not in the ``formulae search --json`` layout (the
        file and the first bad entry are named).
    """
    import json
    from pathlib import Path

    from ..errors import DataError
    from ..formula import Formula

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: no such file", path=path) from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}, line {exc.lineno}: not valid JSON ({exc.msg})", path=path,
                        line=exc.lineno) from None
    targets = data.get("targets") if isinstance(data, dict) else None
    if not isinstance(targets, dict) or not targets:
        raise DataError(f"{path}: expected an object with a non-empty 'targets' entry, as "
                        "written by 'formulae search --json'", path=path)
    out = {}
    for name, entry in targets.items():
        try:
            chosen = Formula.from_dict(entry["chosen"])
            pareto = [Formula.from_dict(f) for f in entry.get("pareto", [])]
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"{path}, target '{name}': cannot rebuild the formula "
                            f"({type(exc).__name__}: {exc})", path=path, column=name) from None
        out[name] = (chosen, pareto)
    return out


def run(args) -> int:
    """Print the formulas of a saved search as Markdown, or write LaTeX/Markdown files.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of ``formulae table``.

    Returns
    -------
    int
        Exit code 0; failures raise :class:`~formulae.errors.FormulaeError`, which
        :func:`formulae.cli.main` turns into exit code 2.
    """
    from ..tables import FormulaTable

    results = load_results(args.results)
    regression, classes = [], []
    for chosen, pareto in results.values():
        for f in (pareto or [chosen]) if args.pareto else [chosen]:
            (classes if f.score_kind == "accuracy" else regression).append(f)
    sections = [(title, fs) for title, fs in ((args.section, regression),
                                              ("Class targets", classes)) if fs]
    table = FormulaTable(sections, descriptions=_descriptions(args.describe),
                         caption=args.caption, decimals=args.decimals, physical=args.physical)
    if args.latex is None and args.markdown is None:
        print(table.to_markdown(), end="")
        return 0
    table.write(latex=args.latex, markdown=args.markdown)
    for path in (args.latex, args.markdown):
        if path is not None:
            print(f"wrote {path}")
    return 0
