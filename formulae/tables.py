"""Tables of formulas for papers: LaTeX (booktabs) and GitHub Markdown.

=========================  ===================================================================
name                       what it does
=========================  ===================================================================
FormulaTable               sections of formulas -> ``to_latex()``, ``to_markdown()``, ``write``
formula_latex              one formula's right-hand side as LaTeX (grouped, ordered terms)
formula_text               the same as plain text for Markdown
escape_latex               escape text (names, words, captions) for LaTeX text mode
escape_latex_math          escape a name for use inside ``\\mathrm{...}`` in math mode
=========================  ===================================================================

A table has four columns: number, target (its description in words and its symbol), formula
(math mode in LaTeX) and score (cross-validated R² or accuracy), with a header row for each
section ("Structure descriptors", "Spectrum descriptors", ...), and a notes paragraph that
defines every symbol used. Terms are printed by decreasing ``|coefficient|`` (the intercept
last); grouped terms found by :mod:`formulae.simplify` are printed as one coefficient times a
bracket, e.g. ``-0.77 (MinE - MaxE)``; rational coefficients are printed exactly (``\\tfrac12``,
``1/2``), floats with ``decimals`` decimals.

The LaTeX output is a ``table`` float for ``\\input``; it needs ``\\usepackage{booktabs}``,
``\\usepackage{amsmath}`` (for ``\\tfrac`` and ``\\text``) and ``\\usepackage{array}`` (for the
ragged target column).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ._validation import check_int
from .errors import InvalidParameterError

__all__ = ["FormulaTable", "formula_latex", "formula_text", "escape_latex", "escape_latex_math"]

_SCORE_NAMES = {"r2": ("CV $R^2$", "CV R²", "cross-validated coefficient of determination R²"),
                "accuracy": ("CV accuracy", "CV accuracy", "cross-validated accuracy")}

# Text-mode replacements (pdflatex with the default utf8 input encoding).
_TEXT = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
    "–": "--", "—": "---", "−": r"\ensuremath{-}", "·": r"\ensuremath{\cdot}",
    "×": r"\ensuremath{\times}", "°": r"\ensuremath{^\circ}", "±": r"\ensuremath{\pm}",
    "²": r"\ensuremath{^2}", "³": r"\ensuremath{^3}", "Å": r"\AA{}", "µ": r"\ensuremath{\mu}",
    "≤": r"\ensuremath{\leq}", "≥": r"\ensuremath{\geq}", "≈": r"\ensuremath{\approx}",
    "†": r"\dag{}", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"\ldots{}",
}
# Math-mode replacements inside \mathrm{...}.
_MATH = {
    "\\": r"\backslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\sim{}", "^": r"\hat{}", " ": r"\ ",
    "–": "-", "—": "-", "−": "-", "·": r"\cdot{}", "×": r"\times{}", "°": r"{}^{\circ}",
    "±": r"\pm{}", "²": "{}^{2}", "³": "{}^{3}", "Å": r"\text{\AA}", "µ": r"\mu{}",
    "≤": r"\leq{}", "≥": r"\geq{}", "≈": r"\approx{}",
}
_GREEK = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi "
          "rho sigma tau upsilon phi chi psi omega").split()


def _greek(char: str) -> str | None:
    import unicodedata

    name = unicodedata.name(char, "")
    if name.startswith(("GREEK SMALL LETTER ", "GREEK CAPITAL LETTER ")):
        word = name.split()[-1].lower()
        if word in _GREEK:
            if name.startswith("GREEK CAPITAL"):
                capital = word.capitalize()
                return "\\" + capital if capital in ("Gamma", "Delta", "Theta", "Lambda", "Xi",
                                                     "Pi", "Sigma", "Upsilon", "Phi", "Psi",
                                                     "Omega") else None
            return "o" if word == "omicron" else "\\" + word   # LaTeX has no \omicron
    return None


def escape_latex(text: str) -> str:
    """Escape ``text`` for LaTeX text mode (pdflatex, utf8 input).

    The ten special characters (``\\ & % $ # _ { } ~ ^``) and ``< > |`` are escaped; dashes,
    ``Å``, ``²``, ``°``, ``µ``, Greek letters and a few math signs become LaTeX commands;
    other characters (accented Latin letters) are left to the utf8 input encoding.

    Parameters
    ----------
    text : str
        Plain text (a caption, a description, a column name).

    Returns
    -------
    str

    Examples
    --------
    >>> escape_latex("Fe–O distance (Å), 50% & more_x")
    'Fe--O distance (\\\\AA{}), 50\\\\% \\\\& more\\\\_x'
    """
    out = []
    for char in str(text):
        greek = _greek(char)
        out.append(_TEXT.get(char) or (rf"\ensuremath{{{greek}}}" if greek else char))
    return "".join(out)


def escape_latex_math(name: str) -> str:
    r"""Escape a column name for ``\mathrm{...}`` in math mode.

    LaTeX special characters are escaped, Greek letters become their commands, other
    non-ASCII characters go in ``\text{...}``.

    Parameters
    ----------
    name : str
        Column name (converted with ``str``).

    Returns
    -------
    str
        ``\mathrm{...}`` around the escaped name.

    Examples
    --------
    >>> escape_latex_math("Min_E&σ")
    '\\mathrm{Min\\_E\\&\\sigma{}}'
    """
    out = []
    for char in str(name):
        greek = _greek(char)
        if char in _MATH:
            out.append(_MATH[char])
        elif greek:
            out.append(greek + "{}")
        elif ord(char) > 127:
            out.append(rf"\text{{{char}}}")
        else:
            out.append(char)
    return rf"\mathrm{{{''.join(out)}}}"


def _escape_markdown(text: str) -> str:
    out = []
    for char in str(text):
        out.append("\\" + char if char in "\\|*_`[]<>$~" else char)
    return "".join(out)


# --------------------------------------------------------------------------- formula printing
def _symbol_latex(formula, name: str) -> str:
    given = formula.latex_names.get(name)
    if given is None or given == rf"\mathrm{{{name}}}":
        return escape_latex_math(name)
    return given


def _pieces(formula, physical: bool):
    """(coefficient, expression) pairs to print, biggest |coefficient| first, intercept last."""
    import sympy

    if physical:
        expr = sympy.expand(formula.expr_physical)
        constant, pairs = sympy.S.Zero, []
        for term in sympy.Add.make_args(expr):
            coefficient, rest = term.as_coeff_Mul()
            if rest == 1:
                constant += coefficient
            else:
                pairs.append((coefficient, rest))
    else:
        coefficient_of = {t: sympy.sympify(c) for t, c in zip(formula.terms, formula.coefficients)}
        pairs = []
        for group in formula.groups:
            group = sympy.sympify(group)
            parts = sympy.Add.make_args(sympy.expand(group))
            lead = next((p for p in parts if p.as_coeff_Mul()[0] == 1
                         and p.as_coeff_Mul()[1] in coefficient_of), None)
            if lead is None or any(p.as_coeff_Mul()[1] not in coefficient_of for p in parts):
                continue
            pairs.append((coefficient_of[lead], group))
            for p in parts:
                del coefficient_of[p.as_coeff_Mul()[1]]
        pairs += [(c, t) for t, c in coefficient_of.items()]
        constant = sympy.sympify(formula.intercept)
    pairs.sort(key=lambda pair: -abs(float(pair[0])))
    return pairs, constant


def _number(value, decimals: int, physical: bool, latex: bool) -> str:
    """|value| as text: exact rationals as fractions, floats rounded."""
    import sympy

    value = sympy.sympify(value)
    magnitude = abs(value)
    if isinstance(magnitude, sympy.Rational):
        if magnitude.q == 1:
            return str(magnitude.p)
        return (rf"\tfrac{{{magnitude.p}}}{{{magnitude.q}}}" if latex
                else f"{magnitude.p}/{magnitude.q}")
    x = float(magnitude)
    if physical or round(x, decimals) == 0:
        text = f"{x:.{max(decimals, 1) + 1}g}" if physical else f"{x:.1g}"
        if "e" in text:
            mantissa, exponent = text.split("e")
            exponent = int(exponent)
            return (rf"{mantissa} \times 10^{{{exponent}}}" if latex
                    else f"{mantissa}e{exponent}")
        return text
    return f"{x:.{decimals}f}"


def _expression(formula, expr, latex: bool) -> str:
    import sympy

    if latex:
        names = {sympy.Symbol(n): _symbol_latex(formula, n)
                 for n in {s.name for s in expr.free_symbols}}
        # \cdot between factors: juxtaposed \mathrm names would read as one word.
        return sympy.latex(expr, symbol_names=names, mul_symbol="dot")
    return _escape_markdown(sympy.sstr(expr).replace("**", "^").replace("*", "·"))


def _render_group(formula, group, latex: bool) -> str:
    import sympy

    parts = sorted(sympy.Add.make_args(sympy.expand(group)),
                   key=lambda p: (float(p.as_coeff_Mul()[0]) < 0,))
    out = []
    for part in parts:
        coefficient, rest = part.as_coeff_Mul()
        body = _expression(formula, rest, latex)
        if abs(coefficient) != 1:
            body = _number(coefficient, 2, False, latex) + (r"\," if latex else " ") + body
        out.append((bool(coefficient < 0), body))
    text = _join_signed(out, latex)
    return (rf"\left({text}\right)" if latex else f"({text})")


def _join_signed(pieces, latex: bool) -> str:
    """Join ``(negative, text)`` pairs with `` + `` / `` - `` (``−`` outside LaTeX)."""
    if not pieces:
        return ""
    minus = "-" if latex else "−"
    text = (minus if pieces[0][0] else "") + pieces[0][1]
    for negative, piece in pieces[1:]:
        text += f" {minus if negative else '+'} {piece}"
    return text


def _render(formula, *, latex: bool, decimals: int = 2, physical: bool = False) -> str:
    import sympy

    pairs, constant = _pieces(formula, physical)
    out = []
    for coefficient, expr in pairs:
        if float(coefficient) == 0:
            continue
        is_group = isinstance(expr, sympy.Add)
        body = (_render_group(formula, expr, latex) if is_group
                else _expression(formula, expr, latex))
        number = _number(coefficient, decimals, physical, latex)
        if number == "1" and not is_group:
            piece = body
        else:
            piece = number + (r"\," if latex else " ") + body
        out.append((float(coefficient) < 0, piece))
    if float(constant) != 0:
        out.append((float(constant) < 0, _number(constant, decimals, physical, latex)))
    if not out:
        return "0"
    return _join_signed(out, latex)


def formula_latex(formula, *, decimals: int = 2, physical: bool = False) -> str:
    r"""The right-hand side of ``formula`` as LaTeX (for math mode).

    Terms by decreasing ``|coefficient|``, intercept last; groups as ``c\left(a - b\right)``;
    rationals exact (``\tfrac{1}{2}``); column names without a LaTeX name are escaped.

    Parameters
    ----------
    formula : Formula
        The formula to print.
    decimals : int, default=2
        Decimals of floating-point coefficients (physical units: ``decimals + 1`` significant
        digits).
    physical : bool, default=False
        Print the expanded physical-units expression instead of the standardized one.

    Returns
    -------
    str
    """
    return _render(formula, latex=True, decimals=decimals, physical=physical)


def formula_text(formula, *, decimals: int = 2, physical: bool = False) -> str:
    """The right-hand side of ``formula`` as plain text for Markdown (``·`` for products).

    Same order and grouping as :func:`formula_latex`, with ``−`` (U+2212) for minus signs.

    Parameters
    ----------
    formula : Formula
        The formula to print.
    decimals : int, default=2
        Decimals of floating-point coefficients (physical units: ``decimals + 1`` significant
        digits).
    physical : bool, default=False
        Print the expanded physical-units expression instead of the standardized one.

    Returns
    -------
    str
        ``"0"`` when every coefficient and the intercept are zero.
    """
    return _render(formula, latex=False, decimals=decimals, physical=physical)


# --------------------------------------------------------------------------- the table
class FormulaTable:
    """A publishable table of formulas, in sections.

    Parameters
    ----------
    sections : sequence of (str, sequence of Formula)
        Section title and its formulas, in display order; rows are numbered across sections.
    descriptions : mapping of str to str, optional
        Words for column names, e.g. ``{"avgDist": "mean Fe–O distance (Å)"}``; used in the
        target column and in the notes. A name without words is described as a data column.
    caption : str, optional
        Caption (plain text; escaped for LaTeX).
    decimals : int, default=2
        Decimals of coefficients and scores.
    physical : bool, default=False
        Print formulas in physical units instead of standardized variables.

    Raises
    ------
    InvalidParameterError
        If there is no formula at all, a section is empty or its title is not a string, an item
        is not a Formula, or one section mixes score kinds (R² and accuracy cannot share a
        column header; put them in separate sections).

    Examples
    --------
    >>> import sympy
    >>> from formulae.formula import Formula
    >>> f = Formula("y", (sympy.Symbol("a"),), (sympy.Rational(1, 2),), 0.0, {"a": 0.0},
    ...             {"a": 1.0}, cv_score=0.91, score=0.92)
    >>> print(FormulaTable([("Demo", [f])]).to_markdown().splitlines()[3])
    |     1 | y †      | 1/2 a     |    0.91 |
    """

    def __init__(self, sections: Sequence, *, descriptions: Mapping[str, str] | None = None,
                 caption: str | None = None, decimals: int = 2, physical: bool = False):
        from .formula import Formula

        self.decimals = check_int(decimals, "decimals", owner="FormulaTable", low=0, high=10)
        self.physical = bool(physical)
        self.caption = caption
        self.descriptions = dict(descriptions or {})
        if isinstance(sections, (str, bytes)) or not isinstance(sections, Sequence):
            raise InvalidParameterError(
                "The 'sections' parameter of FormulaTable must be a list of (title, formulas) "
                f"pairs. Got {sections!r} instead.", parameter="sections", value=sections)
        checked = []
        for k, section in enumerate(sections):
            if not (isinstance(section, (tuple, list)) and len(section) == 2
                    and isinstance(section[0], str)):
                raise InvalidParameterError(
                    f"Section {k} of FormulaTable must be a (title, formulas) pair with a str "
                    f"title. Got {section!r} instead.", parameter="sections", value=section)
            title, formulas = section[0], tuple(section[1])
            if not formulas:
                raise InvalidParameterError(
                    f"Section {title!r} of FormulaTable has no formula; drop it or add one.",
                    parameter="sections", value=title)
            for f in formulas:
                if not isinstance(f, Formula):
                    raise InvalidParameterError(
                        f"Section {title!r} of FormulaTable holds a {type(f).__name__}, not a "
                        "Formula.", parameter="sections", value=f)
            kinds = sorted({f.score_kind for f in formulas})
            if len(kinds) > 1:
                raise InvalidParameterError(
                    f"Section {title!r} of FormulaTable mixes score kinds ({', '.join(kinds)}) "
                    "under one column header; put formulas with different score kinds in "
                    "separate sections.", parameter="sections", value=kinds)
            unknown = [kind for kind in kinds if kind not in _SCORE_NAMES]
            if unknown:
                raise InvalidParameterError(
                    f"Section {title!r} of FormulaTable has score kind {unknown[0]!r}; expected "
                    f"one of {', '.join(map(repr, _SCORE_NAMES))}.", parameter="sections",
                    value=unknown[0])
            checked.append((title, formulas, kinds[0]))
        if not checked:
            raise InvalidParameterError("FormulaTable needs at least one section with a "
                                        "formula; got an empty list.", parameter="sections",
                                        value=sections)
        self.sections = tuple((title, formulas) for title, formulas, _ in checked)
        self._kinds = tuple(kind for _, _, kind in checked)

    # ------------------------------------------------------------------ shared content
    @property
    def _mixed(self) -> bool:
        return len(set(self._kinds)) > 1

    def _score_header(self, latex: bool) -> str:
        if self._mixed:
            return "CV score"
        return _SCORE_NAMES[self._kinds[0]][0 if latex else 1]

    def _title(self, title: str, kind: str) -> str:
        if not self._mixed:
            return title
        return f"{title} ({_SCORE_NAMES[kind][1]})"

    def _symbols(self) -> dict:
        """Every symbol used (targets and features) -> the first formula using it, in order."""
        owners = {}
        for _, formulas in self.sections:
            for f in formulas:
                for name in (f.target, *f.features):
                    owners.setdefault(name, f)
        return owners

    def _words(self, name: str) -> str:
        return self.descriptions.get(name, f"data column '{name}'")

    def _has_fractions(self) -> bool:
        import sympy

        return any(isinstance(c, sympy.Rational) and not isinstance(c, sympy.Integer)
                   for _, fs in self.sections for f in fs
                   for c in (*f.coefficients, f.intercept))

    def _own_units(self, f) -> bool:
        """A regression formula whose target was not standardized (``units="target"``)."""
        return (not self.physical and f.score_kind == "r2" and float(f.target_mean) == 0.0
                and float(f.target_scale) == 1.0)

    def _target_latex(self, f) -> str:
        symbol = _symbol_latex(f, f.target)
        words = self.descriptions.get(f.target)
        mark = r"\textsuperscript{\dag}" if self._own_units(f) else ""
        return (f"{escape_latex(words)} (${symbol}$){mark}" if words
                else f"${symbol}${mark}")

    def _target_text(self, f) -> str:
        words = self.descriptions.get(f.target)
        name = _escape_markdown(f.target)
        mark = " †" if self._own_units(f) else ""
        return (f"{_escape_markdown(words)} ({name}){mark}" if words else name + mark)

    def _score(self, f) -> str:
        return f"{float(f.cv_score):.{self.decimals}f}"

    def _notes(self, latex: bool) -> str:
        units = ("Formulas are in physical units of target and features."
                 if self.physical else
                 "Formulas relate standardized variables (zero mean, unit standard deviation "
                 "over the data set).")
        if not self.physical and any(self._own_units(f) for _, fs in self.sections for f in fs):
            units += " † Target in its own units (features standardized)."
        kinds = sorted(set(self._kinds))
        scores = "; ".join(f"{_SCORE_NAMES[k][1]}: {_SCORE_NAMES[k][2]}" for k in kinds)
        exact = ("Fractions are exact coefficients kept by the simplification."
                 if not self.physical and self._has_fractions() else "")
        items = []
        for name, f in self._symbols().items():
            if latex:
                items.append(f"${_symbol_latex(f, name)}$: {escape_latex(self._words(name))}")
            else:
                items.append(f"{_escape_markdown(name)}: {_escape_markdown(self._words(name))}")
        head = " ".join(part for part in (units, exact, f"Scores: {scores}.") if part)
        if latex:
            head = escape_latex(head).replace("R\\ensuremath{^2}", "$R^2$")
        return f"{head} Symbols: " + "; ".join(items) + "."

    def _rows(self, latex: bool):
        number = 0
        for (title, formulas), kind in zip(self.sections, self._kinds):
            yield "section", self._title(title, kind)
            for f in formulas:
                number += 1
                if latex:
                    formula = "$" + formula_latex(f, decimals=self.decimals,
                                                  physical=self.physical) + "$"
                    yield "row", (str(number), self._target_latex(f), formula, self._score(f))
                else:
                    formula = formula_text(f, decimals=self.decimals, physical=self.physical)
                    yield "row", (str(number), self._target_text(f), formula, self._score(f))

    # ------------------------------------------------------------------ output
    def to_latex(self) -> str:
        r"""The table as a LaTeX ``table`` float (needs booktabs, amsmath and array).

        Returns
        -------
        str
            Ends with a newline.
        """
        lines = [r"\begin{table}[htbp]", r"\centering"]
        if self.caption:
            lines.append(rf"\caption{{{escape_latex(self.caption)}}}")
        columns = r"@{}r>{\raggedright\arraybackslash}p{0.28\linewidth}lr@{}"
        lines += [r"\small", rf"\begin{{tabular}}{{{columns}}}", r"\toprule",
                  rf"No. & Target & Formula & {self._score_header(True)} \\", r"\midrule"]
        first = True
        for kind, content in self._rows(True):
            if kind == "section":
                if not first:
                    lines.append(r"\addlinespace")
                lines.append(rf"\multicolumn{{4}}{{@{{}}l}}{{\textit{{{escape_latex(content)}}}}}"
                             r" \\")
                first = False
            else:
                lines.append(" & ".join(content) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}", "",
                  r"\smallskip", r"\begin{minipage}{\linewidth}\footnotesize",
                  r"\textit{Notes.} " + self._notes(True), r"\end{minipage}", r"\end{table}"]
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        """The table as GitHub Markdown (tabulate), caption above and notes below.

        Returns
        -------
        str
            Ends with a newline.
        """
        from tabulate import tabulate

        rows = []
        for kind, content in self._rows(False):
            if kind == "section":
                rows.append(("", f"**{_escape_markdown(content)}**", "", ""))
            else:
                rows.append(content)
        body = tabulate(rows, headers=["No.", "Target", "Formula", self._score_header(False)],
                        tablefmt="github", disable_numparse=True, colalign=("right", "left",
                                                                            "left", "right"))
        parts = []
        if self.caption:
            parts.append(f"**{_escape_markdown(self.caption)}**\n")
        parts.append(body + "\n")
        parts.append("*Notes.* " + self._notes(False))
        return "\n".join(parts) + "\n"

    def write(self, latex=None, markdown=None) -> None:
        """Write the LaTeX and/or Markdown table to files (UTF-8).

        Parameters
        ----------
        latex, markdown : str or path-like, optional
            Output paths; a missing folder is created.

        Raises
        ------
        InvalidParameterError
            If neither path is given.
        """
        if latex is None and markdown is None:
            raise InvalidParameterError("FormulaTable.write needs a 'latex' or a 'markdown' "
                                        "path; got neither.", parameter="latex", value=None)
        for path, text in ((latex, self.to_latex), (markdown, self.to_markdown)):
            if path is not None:
                path = Path(path)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text(), encoding="utf-8")
