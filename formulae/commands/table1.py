"""``formulae table1 [--data DIR] [--json OUT] [--out DIR] [--compare PAGE.md] [--validate DIR]``."""

from __future__ import annotations

HELP = "reproduce Table 1 of the reference study on a sample (default: the shared Fe(SiO4)N set)"


def add_arguments(parser) -> None:
    """Declare the arguments of ``formulae table1`` (no heavy imports here).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser, filled in place.
    """
    parser.add_argument("--data", default=None, metavar="DIR",
                        help="sample folder in the shared layout (params.csv + spectra.csv); "
                             "default: $FORMULAE_SHARED_DATA or ../shared/data, "
                             "xanes/fesio4/sampleWithDescriptors")
    parser.add_argument("--out", default="tables", metavar="DIR",
                        help="folder for table1.tex and table1.md (default: tables)")
    parser.add_argument("--json", default=None, metavar="OUT",
                        help="write every row (section, target, formula, terms, n_terms, "
                             "cv_score) as JSON")
    parser.add_argument("--compare", default=None, metavar="PAGE",
                        help="write the side-by-side page (paper vs ours), e.g. docs/table1.md")
    parser.add_argument("--n-spectra", type=int, default=None,
                        help="use a seeded random subset of this many spectra")
    parser.add_argument("--shift", type=float, default=None,
                        help="chemical shift per unit charge for the oxidation states, eV "
                             "(default: formulae.oxidation.DEFAULT_SHIFT_PER_CHARGE)")
    parser.add_argument("--max-terms", type=int, default=3, help="largest formula size (3)")
    parser.add_argument("--max-terms-std", type=int, default=9,
                        help="largest formula size for stdDist (9, as in the paper)")
    parser.add_argument("--no-simplify", action="store_true", help="keep the raw formulas")
    parser.add_argument("--seed", type=int, default=0, help="seed (0)")
    parser.add_argument("--validate", default=None, metavar="DIR",
                        help="score every structure and spectrum formula (chosen and Pareto "
                             "front) on a second sample in the same layout, its descriptors "
                             "computed the same way")
    parser.add_argument("--max-drop", type=float, default=0.1, metavar="D",
                        help="with --validate: flag formulas whose R² on DIR is more than D "
                             "below their CV R² (default 0.1)")


#: Options that change the result, with their defaults: the page quotes those not at default.
_RESULT_OPTIONS = (("data", "--data", None), ("n_spectra", "--n-spectra", None),
                   ("shift", "--shift", None), ("max_terms", "--max-terms", 3),
                   ("max_terms_std", "--max-terms-std", 9), ("no_simplify", "--no-simplify", False),
                   ("seed", "--seed", 0))


def _command(args) -> str:
    """The ``formulae table1`` command line that reproduces the result (non-default options)."""
    words = ["formulae table1"]
    for name, option, default in _RESULT_OPTIONS:
        value = getattr(args, name)
        if value != default:
            words.append(option if value is True else f"{option} {value}")
    return " ".join(words)


def run(args) -> int:
    """Reproduce Table 1 on a sample (``--validate``: check it on a second one); write the tables.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of ``formulae table1``.

    Returns
    -------
    int
        Exit code 0; failures raise :class:`~formulae.errors.FormulaeError`, which
        :func:`formulae.cli.main` turns into exit code 2.
    """
    import json
    import sys
    from pathlib import Path

    from ..table1 import comparison_markdown, relation_table, table1, validate_table1
    from .._validation import check_number
    from ..validation import format_validation

    def say(message):
        print(f"[table1] {message}", file=sys.stderr, flush=True)

    if args.validate is not None:
        check_number(args.max_drop, "max_drop", owner="formulae table1", low=0.0)
        from ..io import read_sample

        other = read_sample(args.validate)    # a missing folder fails before the search
    result = table1(args.data, n_spectra=args.n_spectra, max_terms=args.max_terms,
                    max_terms_std=args.max_terms_std, shift_per_charge=args.shift,
                    simplify=not args.no_simplify, random_state=args.seed, progress=say)
    for row in result.rows:
        f = row.simplified
        kind = "accuracy" if f.score_kind == "accuracy" else "CV R²"
        print(f"{row.section:9s} {row.target:9s} = {f.to_markdown()}   "
              f"({f.n_terms} terms, {kind} {f.cv_score:.3f})")
    for c in result.comparison:
        print(f"paper {c['target']:9s} {c['paper_terms']} terms {c['paper_score']:.2f}  "
              f"ours {c['our_score']:.3f}")
    rows = [r.to_dict() for r in result.rows]
    if args.validate is not None:
        say(f"descriptors of {args.validate} and validation")
        checks = validate_table1(result, other, max_drop=args.max_drop,
                                 random_state=args.seed, other_name=args.validate)
        by_target = {(c["section"], c["target"]): c for c in checks}
        print(f"\nvalidation on {args.validate} ({checks[0]['chosen']['n_other']} spectra; "
              f"flagged when the R² drops by more than {args.max_drop:g} below the CV R²)")
        print("chosen (simplified) formulas:")
        print(format_validation([c["chosen"] for c in checks]))
        print("Pareto fronts:")
        print(format_validation([v for c in checks for v in c["pareto"]]))
        for row in rows:
            check = by_target.get((row["section"], row["target"]))
            if check is not None:
                row["validation"] = check["chosen"]
                row["pareto"] = [{"formula": v["formula"], "n_terms": v["n_terms"],
                                  "cv_score": v["cv_score"], "validation": v}
                                 for v in check["pareto"]]
    written = []
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"rows": rows,
                       "comparison": list(result.comparison),
                       "n_spectra": result.n_spectra,
                       "shift_per_charge": result.shift_per_charge}, handle, indent=1)
        written.append(args.json)
    if args.compare:
        Path(args.compare).write_text(comparison_markdown(result, command=_command(args)),
                                      encoding="utf-8")
        written.append(args.compare)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = relation_table(result.rows, caption=(
        f"Analytic relations between XANES descriptors and the local structure "
        f"({result.n_spectra} spectra), standardized variables; cross-validated R² or accuracy."))
    table.write(latex=str(out / "table1.tex"), markdown=str(out / "table1.md"))
    written += [str(out / "table1.tex"), str(out / "table1.md")]
    print("Wrote: " + ", ".join(written))
    return 0
