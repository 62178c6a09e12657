"""``formulae search``: short formulas for columns of a table (see :mod:`formulae.search`)."""

from __future__ import annotations

HELP = "find short formulas for target columns of a table (exact best subsets, CV scores)"


def add_arguments(parser) -> None:
    """Declare the arguments of ``formulae search`` (no heavy imports here).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser, filled in place.
    """
    parser.add_argument("table", metavar="TABLE.csv",
                        help="CSV/TSV/whitespace table with a header row")
    parser.add_argument("--target", action="append", required=True, metavar="COL",
                        help="column to explain (repeat for several targets)")
    parser.add_argument("--features", metavar="COLS", default=None,
                        help="comma-separated feature columns (default: every numeric column "
                             "that is not a target)")
    parser.add_argument("--max-terms", type=int, default=3, metavar="K",
                        help="largest formula size (default 3)")
    parser.add_argument("--classify", action="store_true",
                        help="class targets: logistic formulas scored by CV accuracy")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="seed of the cross-validation folds (default 0)")
    parser.add_argument("--cv", type=int, default=5, help="number of folds (default 5)")
    parser.add_argument("--basis", default="quadratic",
                        choices=["quadratic", "no_squares", "linear"],
                        help="basis terms (default quadratic: linear terms and all pairwise "
                             "products, squares included)")
    parser.add_argument("--score-tolerance", type=float, default=0.01, metavar="TOL",
                        help="choose the smallest formula within TOL of the best CV score")
    parser.add_argument("--simplify", action="store_true",
                        help="simplify the chosen formulas (rational coefficients, groupings), "
                             "kept only if the CV score allows")
    parser.add_argument("--rule", default="map", choices=["map", "simplest", "nearest"],
                        help="with --simplify: how a coefficient and its error become a rational "
                             "(default map: most probable rational vector, small denominators "
                             "favoured; see docs/tables.md)")
    parser.add_argument("--max-denominator", type=int, default=12, metavar="D",
                        help="with --simplify: largest denominator tried (default 12)")
    parser.add_argument("--denominators", default=None, metavar="LIST",
                        help="with --simplify --rule map: the only denominators allowed, as a "
                             "comma-separated list such as 1,2,3,4,6,8 (prior knowledge you "
                             "state; default: all up to --max-denominator)")
    parser.add_argument("--gamma", type=float, default=None, metavar="G",
                        help="with --simplify --rule map: weight of the common-denominator "
                             "prior lcm(q)^-G (default 4; 0 treats the coefficients as "
                             "independent, better when their denominators are unrelated)")
    parser.add_argument("--json", metavar="OUT", default=None,
                        help="write the chosen formula and Pareto front of every target")
    parser.add_argument("--latex", metavar="OUT", default=None,
                        help="write a LaTeX (booktabs) table of the chosen formulas")
    parser.add_argument("--markdown", metavar="OUT", default=None,
                        help="write a Markdown table of the chosen formulas")
    parser.add_argument("--validate", metavar="OTHER.csv", default=None,
                        help="score every Pareto formula on a second table with the same "
                             "columns (R², squared correlation, descriptor shifts)")
    parser.add_argument("--max-drop", type=float, default=0.1, metavar="D",
                        help="with --validate: flag formulas whose R² on OTHER is more than D "
                             "below their CV R² (default 0.1)")
    parser.add_argument("--stability", type=int, default=None, metavar="N",
                        help="selection frequency of every term of each chosen formula over N "
                             "seeded half-sample refits (regression targets)")
    parser.add_argument("--stable-terms", type=float, default=None, metavar="THRESHOLD",
                        help="search only the basis terms whose selection frequency (best "
                             "subsets of some size 1..K over half-samples; --stability N "
                             "refits, default 50) reaches THRESHOLD in [0, 1]")


def _split(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def run(args) -> int:
    """Search formulas for each target column and print (or write) the reports.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of ``formulae search``.

    Returns
    -------
    int
        Exit code 0; failures raise :class:`~formulae.errors.FormulaeError`, which
        :func:`formulae.cli.main` turns into exit code 2.
    """
    import json

    from tabulate import tabulate

    from ..errors import DataError, InvalidParameterError
    from ..io import read_table
    from ..search import FormulaClassifier, FormulaRegressor

    if args.classify and (args.stability is not None or args.stable_terms is not None):
        raise InvalidParameterError(
            "--stability and --stable-terms apply to regression targets (least-squares best "
            "subsets); got --classify.", parameter="stability")
    if args.stability is not None and args.stability < 2:
        raise InvalidParameterError(f"--stability must be at least 2 refits; got "
                                    f"{args.stability}.", parameter="stability",
                                    value=args.stability)
    table = read_table(args.table)
    other = read_table(args.validate) if args.validate else None
    targets = list(dict.fromkeys(args.target))
    for target in targets:
        table.column(target)                  # DataError naming the file and the columns
    if args.features is not None:
        features = _split(args.features)
        for name in features:
            table.column(name)
        both = [name for name in features if name in targets]
        if both:
            raise DataError(f"{table.path}: column '{both[0]}' is both a target and a feature",
                            path=table.path, column=both[0])
        skipped = []
    else:
        candidates = [c for c in table.columns if c not in targets]
        features = [c for c in candidates if table.is_numeric(c)]
        skipped = [c for c in candidates if not table.is_numeric(c)]
        if not features:
            raise DataError(f"{table.path} has no numeric column besides the targets "
                            f"({', '.join(targets)})", path=table.path)
    X = table.numeric(features)
    if skipped:
        print(f"non-numeric columns left out of the features: {', '.join(skipped)}")
    if other is not None:
        from .._validation import check_number
        from ..validation import format_validation, validate_formulas

        check_number(args.max_drop, "max_drop", owner="formulae search", low=0.0)

        for name in [*targets, *features]:
            other.column(name)                # fail before the search, naming the column
    n_resamples = 50 if args.stability is None else args.stability

    output = {"targets": {}}
    chosen_all = []
    for target in targets:
        basis, before, lines = args.basis, [], []
        if args.classify:
            y = table.column(target)
            if y.dtype.kind == "f":
                table.numeric([target])       # NaN/inf cells are named
        else:
            y = table.numeric([target])[:, 0]
        max_terms = args.max_terms
        stable = None
        if args.stable_terms is not None:
            from ..stability import stable_terms

            stable = stable_terms(X, y, feature_names=features, threshold=args.stable_terms,
                                  max_terms=args.max_terms, basis=args.basis,
                                  n_resamples=n_resamples, random_state=args.seed)
            basis = stable["terms"]
            before.append(f"stable terms (selected in >= {args.stable_terms:g} of "
                         f"{n_resamples} half-sample refits at some size 1..{args.max_terms}): "
                         f"{len(basis)} of {len(stable['frequencies'])}: {', '.join(basis)}")
            if len(basis) < max_terms:
                max_terms = len(basis)
                before.append(f"note: max_terms lowered to {max_terms}, the number of stable "
                             "terms")
        cls = FormulaClassifier if args.classify else FormulaRegressor
        model = cls(max_terms=max_terms, basis=basis, cv=args.cv,
                    score_tolerance=args.score_tolerance, feature_names=features,
                    target_name=target, random_state=args.seed)
        model.fit(X, y)
        chosen = model.best_formula_
        entry = {}
        if args.simplify:
            from ..simplify import simplify_formula

            entry["unsimplified"] = chosen.to_dict()
            chosen = simplify_formula(chosen, X, y, feature_names=features, cv=args.cv,
                                      score_tolerance=args.score_tolerance,
                                      classify=args.classify, random_state=args.seed,
                                      **_rational_options(args))
        chosen_all.append(chosen)
        entry = {"chosen": chosen.to_dict(), "pareto": [f.to_dict() for f in model.pareto_],
                 **entry}
        if stable is not None:
            entry["stable_terms"] = {"threshold": stable["threshold"],
                                     "n_resamples": n_resamples, "terms": stable["terms"],
                                     "frequencies": stable["frequencies"]}
        if args.stability is not None:
            from ..stability import formula_stability

            report = formula_stability(model.best_formula_, X, y, feature_names=features,
                                       basis=basis, n_resamples=n_resamples,
                                       random_state=args.seed)
            entry["chosen"]["stability"] = report["terms"]
            entry["selection_frequencies"] = report["result"].to_dict()
            lines.append(_stability_line(report, model.best_formula_.n_terms, n_resamples))
        if other is not None:
            results = validate_formulas([chosen, *model.pareto_], table, other,
                                        max_drop=args.max_drop)
            entry["chosen"]["validation"] = results[0]
            for f_dict, result in zip(entry["pareto"], results[1:]):
                f_dict["validation"] = result
            lines.append(f"validation on {other.path} (Pareto front; flagged when the R² "
                         f"drops by more than {args.max_drop:g} below the CV R²):")
            lines.append(format_validation(results[1:]))
            lines.append(f"chosen formula on {other.path}: {_validation_line(results[0])}")
        output["targets"][target] = entry
        head, body = _report(target, model, chosen, tabulate).split("\n", 1)
        print("\n".join([head, *before, body]) + "".join(f"{x}\n" for x in lines))

    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(output, handle, indent=2)
            handle.write("\n")
    if args.latex or args.markdown:
        from ..tables import FormulaTable

        sections = [(f"{f.target}", [f]) for f in chosen_all]
        FormulaTable(sections).write(latex=args.latex, markdown=args.markdown)
    return 0


def _validation_line(result) -> str:
    if result["r2"] is None:
        return result["note"]
    return (f"R² {result['r2']:.4f}, squared correlation {result['r2_corr']:.4f}, "
            f"drop {result['drop']:+.4f}: {result['note']}")


def _stability_line(report, n_terms, n_resamples) -> str:
    terms = ", ".join(f"{t} {f:.2f}" for t, f in report["terms"].items())
    return (f"  stability (selection frequency over {n_resamples} half-sample refits of the "
            f"best {n_terms}-term subset): {terms}")


def _significant(expr, digits: int = 6) -> str:
    """Physical-units expression with ``digits`` significant digits (not fixed decimals: a
    coefficient per eV can be tiny)."""
    import sympy

    return sympy.sstr(sympy.N(expr, digits), full_prec=False).replace("**", "^")


def _report(target, model, chosen, tabulate) -> str:
    kind = "R²" if chosen.score_kind == "r2" else "accuracy"
    rows = [(f.n_terms, f"{f.cv_score:.4f}", f"{f.score:.4f}",
             "exact" if f in model.formulas_ else "prefix", f.to_markdown(decimals=3))
            for f in model.pareto_]
    lines = [f"== {target} ==",
             f"Pareto front (size vs CV {kind}; formulas in standardized variables):",
             tabulate(rows, headers=("terms", f"CV {kind}", kind, "search", "formula")),
             f"chosen ({chosen.n_terms} terms, CV {kind} {chosen.cv_score:.4f}):",
             f"  standardized: {target} = {chosen.to_markdown(decimals=3)}",
             f"  physical:     {target} = {_significant(chosen.expr_physical)}"]
    lines += [f"  note: {note}" for note in chosen.notes]
    return "\n".join(lines) + "\n"


def _rational_options(args) -> dict:
    """The simplify_formula options chosen by --rule, --max-denominator, --gamma and
    --denominators."""
    from ..errors import InvalidParameterError

    options = {"rule": args.rule, "max_denominator": args.max_denominator}
    if args.gamma is not None:
        options["gamma"] = args.gamma
    if args.denominators is not None:
        try:
            options["denominators"] = tuple(int(d) for d in args.denominators.split(","))
        except ValueError:
            raise InvalidParameterError(
                f"--denominators must be a comma-separated list of positive integers such as "
                f"1,2,3,4,6,8. Got {args.denominators!r} instead.", parameter="denominators",
                value=args.denominators) from None
    return options
