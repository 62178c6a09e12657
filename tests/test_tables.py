"""Formula tables: golden files, a real pdflatex run, escaping, bad input, the CLI."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
import sympy

from formulae.cli import main
from formulae.errors import InvalidParameterError
from formulae.formula import Formula
from formulae.tables import (FormulaTable, escape_latex, escape_latex_math, formula_latex,
                             formula_text)

REFERENCE = Path(__file__).resolve().parent / "reference" / "tables"
PREAMBLE = ("\\documentclass{article}\n\\usepackage{booktabs}\n\\usepackage{amsmath}\n"
            "\\usepackage{array}\n\\begin{document}\n\\input{%s}\n\\end{document}\n")


def _make_tables():
    spec = importlib.util.spec_from_file_location("make_tables", REFERENCE / "make_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated():
    return _make_tables().build_tables()


def _formula(terms, coefficients, intercept=0.0, *, target="y", kind="r2", cv=0.9,
             groups=(), latex=None):
    terms = tuple(sympy.sympify(t) for t in terms)
    names = sorted({s.name for t in terms for s in t.free_symbols})
    return Formula(target, terms, tuple(coefficients), intercept, {n: 0.0 for n in names},
                   {n: 1.0 for n in names}, cv_score=cv, score=cv, score_kind=kind,
                   target_mean=0.5, target_scale=2.0, groups=tuple(groups),
                   latex_names=latex or {})


# --------------------------------------------------------------------------- golden files
@pytest.mark.parametrize("name", ["example.tex", "example.md", "example_physical.md",
                                  "special.tex", "special.md"])
def test_golden_files_byte_for_byte(generated, name):
    expected = (REFERENCE / name).read_bytes()
    assert generated[name].encode("utf-8") == expected


def test_golden_table_content_is_what_was_planted(generated):
    # the planted relations, read back from the Markdown (independent of the LaTeX printer)
    text = generated["example.md"]
    assert "| −0.66 (MinE − MaxE) − 0.35 Maxcurv |" in text
    assert "4/5 avgDist + 3/8 CN^2 − 0.26 CN" in text
    assert text.count("\n|") == 8      # header, rule, 3 section rows, 3 formula rows
    latex = generated["example.tex"]
    for rule in (r"\toprule", r"\midrule", r"\bottomrule"):
        assert latex.count(rule) == 1
    assert r"\tfrac{4}{5}\,\mathrm{Dist} + \tfrac{3}{8}\,N^{2} - 0.26\,N" in latex


# --------------------------------------------------------------------------- real LaTeX
def _compile(tmp_path, name, text):
    (tmp_path / f"{name}.tex").write_text(text, encoding="utf-8")
    (tmp_path / f"doc_{name}.tex").write_text(PREAMBLE % f"{name}.tex", encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          f"doc_{name}.tex"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    log = (tmp_path / f"doc_{name}.log").read_text(encoding="latin-1")
    return run.returncode, log


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not on the PATH")
@pytest.mark.parametrize("name", ["example", "special"])
def test_latex_compiles_with_pdflatex(tmp_path, generated, name):
    code, log = _compile(tmp_path, name, generated[f"{name}.tex"])
    assert code == 0, log[-2000:]
    assert "Missing character" not in log
    assert (tmp_path / f"doc_{name}.pdf").is_file()
    if shutil.which("pdftotext") and name == "special":
        # independent route: the special characters reach the PDF as themselves
        text = subprocess.run(["pdftotext", str(tmp_path / f"doc_{name}.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
        text = unicodedata.normalize("NFC", text)    # OT1 builds Å as A + ring
        assert "& % $ # { }" in text
        assert "Å – σ" in text
        assert "jump of µ at 100% &" in text


# --------------------------------------------------------------------------- escaping
@pytest.mark.parametrize("char, escaped", [
    ("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"), ("_", r"\_"), ("{", r"\{"),
    ("}", r"\}"), ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}"),
    ("\\", r"\textbackslash{}"), ("Å", r"\AA{}"), ("–", "--"), ("σ", r"\ensuremath{\sigma}"),
    ("Δ", r"\ensuremath{\Delta}"), ("²", r"\ensuremath{^2}"), ("é", "é"), ("a", "a"),
    ("ο", r"\ensuremath{o}"),      # Greek omicron: LaTeX has no \omicron
])
def test_escape_latex_each_character(char, escaped):
    assert escape_latex(char) == escaped


def test_escape_latex_math_names():
    assert escape_latex_math("Min_E") == r"\mathrm{Min\_E}"
    assert escape_latex_math("a b&σ") == r"\mathrm{a\ b\&\sigma{}}"
    assert escape_latex_math("R2") == r"\mathrm{R2}"       # not R_{2}


def test_default_latex_name_is_escaped_but_a_given_one_is_kept():
    f = _formula(["Min_E"], [0.5], latex={"Min_E": r"\mathrm{Min\_E}"})
    assert formula_latex(f) == r"0.50\,\mathrm{Min\_E}"
    f = _formula(["Min_E"], [0.5], latex={"Min_E": r"\mathrm{Min_E}"})   # the search default
    assert formula_latex(f) == r"0.50\,\mathrm{Min\_E}"
    f = _formula(["sigma2"], [0.5], latex={"sigma2": r"\sigma^2"})
    assert formula_latex(f) == r"0.50\,\sigma^2"


def test_markdown_escapes_pipes_so_rows_keep_four_cells():
    f = _formula([sympy.Symbol("a|b"), "c*d"], [0.5, -0.25], target="y|z")
    text = FormulaTable([("S", [f])]).to_markdown()
    for line in text.splitlines():
        if line.startswith("|"):
            assert len(re.split(r"(?<!\\)\|", line)) == 6, line
    assert r"a\|b" in text


# --------------------------------------------------------------------------- printing
def test_terms_by_decreasing_magnitude_intercept_last_and_groups():
    f = _formula(["a", "b", "c"], [0.1, -0.77, 0.77], intercept=-0.36, groups=["c - b"])
    assert formula_text(f) == "0.77 (c − b) + 0.10 a − 0.36"
    assert formula_latex(f) == (r"0.77\,\left(\mathrm{c} - \mathrm{b}\right) + 0.10\,\mathrm{a}"
                                " - 0.36")
    f = _formula(["a", "a**2"], [sympy.Rational(-3, 4), sympy.Rational(1, 2)],
                 intercept=sympy.Rational(1))
    assert formula_text(f) == "−3/4 a + 1/2 a^2 + 1"
    assert formula_latex(f) == r"-\tfrac{3}{4}\,\mathrm{a} + \tfrac{1}{2}\,\mathrm{a}^{2} + 1"


def test_physical_units_follow_the_formula():
    # y = 0.5 + 2 (0.5 (x - 1)/4) = 0.25 x + 0.25 : printed from expr_physical
    f = Formula("y", (sympy.Symbol("x"),), (0.5,), 0.0, {"x": 1.0}, {"x": 4.0}, cv_score=0.9,
                score=0.9, target_mean=0.5, target_scale=2.0)
    assert formula_text(f, physical=True) == "0.25 x + 0.25"


def test_tiny_coefficients_are_not_printed_as_zero():
    f = _formula(["a", "b"], [0.9, 0.004])
    assert formula_text(f) == "0.90 a + 0.004 b"


# --------------------------------------------------------------------------- bad input
def test_mixed_score_kinds_under_one_header_are_refused():
    r2 = _formula(["a"], [0.5])
    accuracy = _formula(["a"], [0.5], kind="accuracy")
    with pytest.raises(InvalidParameterError,
                       match="Section 'Mixed' of FormulaTable mixes score kinds "
                             r"\(accuracy, r2\)"):
        FormulaTable([("Mixed", [r2, accuracy])])
    table = FormulaTable([("Fits", [r2]), ("Classes", [accuracy])])   # separate sections: fine
    assert "| **Fits (CV R²)** |" in re.sub(r" +", " ", table.to_markdown())


def test_empty_input_is_refused():
    with pytest.raises(InvalidParameterError, match="at least one section.*empty list"):
        FormulaTable([])
    with pytest.raises(InvalidParameterError, match="Section 'S' of FormulaTable has no formula"):
        FormulaTable([("S", [])])
    with pytest.raises(InvalidParameterError, match="holds a str, not a Formula"):
        FormulaTable([("S", ["0.5 a"])])
    with pytest.raises(InvalidParameterError, match="'decimals' parameter.*Got -1"):
        FormulaTable([("S", [_formula(["a"], [0.5])])], decimals=-1)


def test_write(tmp_path):
    table = FormulaTable([("S", [_formula(["a"], [0.5])])], caption="c")
    table.write(latex=tmp_path / "sub" / "t.tex", markdown=tmp_path / "t.md")
    assert (tmp_path / "sub" / "t.tex").read_text(encoding="utf-8") == table.to_latex()
    assert (tmp_path / "t.md").read_text(encoding="utf-8") == table.to_markdown()
    with pytest.raises(InvalidParameterError, match="needs a 'latex' or a 'markdown' path"):
        table.write()


# --------------------------------------------------------------------------- CLI
def _results(tmp_path, formulas):
    data = {"targets": {f.target: {"chosen": f.to_dict(), "pareto": [f.to_dict()]}
                        for f in formulas}}
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_cli_table_from_saved_search(tmp_path, generated, capsys):
    f1, f2, f3 = _make_tables().formulas()
    path = _results(tmp_path, [f1, f2, f3])
    code = main(["table", str(path), "--latex", str(tmp_path / "t.tex"), "--markdown",
                 str(tmp_path / "t.md"), "--describe", "CN=coordination number"])
    assert code == 0
    expected = FormulaTable([("Formulas", [f1, f2]), ("Class targets", [f3])],
                            descriptions={"CN": "coordination number"})
    assert (tmp_path / "t.md").read_text(encoding="utf-8") == expected.to_markdown()
    assert (tmp_path / "t.tex").read_text(encoding="utf-8") == expected.to_latex()
    assert "3/8 CN^2" in expected.to_markdown()      # rationals survived the JSON round trip
    assert "(MinE − MaxE)" in expected.to_markdown()  # and so did the group
    capsys.readouterr()
    assert main(["table", str(path)]) == 0
    plain = FormulaTable([("Formulas", [f1, f2]), ("Class targets", [f3])])
    assert capsys.readouterr().out == plain.to_markdown()


def test_cli_table_bad_input(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["table", str(bad)]) == 2
    assert "bad.json, line 1: not valid JSON" in capsys.readouterr().err
    empty = tmp_path / "empty.json"
    empty.write_text('{"targets": {}}', encoding="utf-8")
    assert main(["table", str(empty)]) == 2
    assert "non-empty 'targets'" in capsys.readouterr().err
    assert main(["table", str(tmp_path / "missing.json")]) == 2
    assert "missing.json: no such file" in capsys.readouterr().err
    path = _results(tmp_path, [_formula(["a"], [0.5])])
    assert main(["table", str(path), "--describe", "oops"]) == 2
    assert "--describe expects NAME=WORDS" in capsys.readouterr().err
