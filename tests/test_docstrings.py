"""numpydoc validation of every public function, class and method of every formulae module.

Public names are a module's ``__all__``; a module without ``__all__`` (the subcommand modules
``formulae.commands.*``) contributes the functions and classes it defines whose names do not
start with ``_``; private modules (a component starting with ``_``) without ``__all__`` are
skipped. The methods and properties a public class defines (not inherited ones) whose names
do not start with ``_`` are checked too. An object re-exported by several modules is checked
once, under the module that defines it. Each object is one test case, named by its qualified name, so a failure says
which docstring to fix. Like scikit-learn's ``sklearn/tests/test_docstrings.py``, the test is
skipped when numpydoc (in the ``test`` extra) is absent.

Checked codes (a docstring written in the house style, STYLE.md §4, never triggers them):

======  ===================================================================
GL08    the object has no docstring
PR01    a parameter of the signature is not documented
PR02    a documented parameter is not in the signature
PR10    a parameter is written ``name: type`` (no space before the colon)
RT01    no Returns section (functions returning something)
SS01    no summary line
======  ===================================================================
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import formulae

CHECKED_CODES = ("GL08", "PR01", "PR02", "PR10", "RT01", "SS01")


def _module_names():
    names = ["formulae"]
    names += [info.name for info in pkgutil.walk_packages(formulae.__path__, "formulae.")]
    return sorted(names)


def _public_objects(module):
    """``(name, object)`` of the public functions and classes of ``module``."""
    if hasattr(module, "__all__"):
        names = list(module.__all__)
    elif any(part.startswith("_") for part in module.__name__.split(".")):
        return []
    else:
        names = [name for name, obj in vars(module).items()
                 if not name.startswith("_") and getattr(obj, "__module__", None) == module.__name__]
    return [(name, getattr(module, name)) for name in names
            if inspect.isfunction(getattr(module, name)) or inspect.isclass(getattr(module, name))]


def _public_methods(cls):
    """Names of the public methods and properties defined in ``cls`` itself."""
    return [name for name, value in vars(cls).items()
            if not name.startswith("_")
            and (inspect.isfunction(value)
                 or isinstance(value, (property, classmethod, staticmethod)))]


def _qualified_names():
    seen = []
    for module_name in _module_names():
        module = importlib.import_module(module_name)
        for _, obj in _public_objects(module):
            qualified = f"{obj.__module__}.{obj.__qualname__}"
            if qualified in seen:
                continue
            seen.append(qualified)
            if inspect.isclass(obj):
                seen += [f"{qualified}.{name}" for name in _public_methods(obj)]
    return seen


QUALIFIED_NAMES = _qualified_names()


def _errors(qualified_name):
    validate = pytest.importorskip("numpydoc.validate")
    result = validate.validate(qualified_name)
    return [(code, message) for code, message in result["errors"] if code in CHECKED_CODES]


def test_collection_covers_the_package():
    # The objects the brief named must be collected, including the subcommand functions
    # (no __all__) and a name only re-exported by formulae/__init__.py (checked once).
    for name in ("formulae._validation.check_int", "formulae.cli.main",
                 "formulae.search.choose_formula", "formulae.xanes.edge.EdgeFit",
                 "formulae.commands.search.run", "formulae.commands.table.load_results",
                 "formulae.data.Standardizer.fit", "formulae.formula.Formula.expr_physical",
                 "formulae.fdmnes.FdmnesSettings.from_dict"):
        assert name in QUALIFIED_NAMES
    assert len(QUALIFIED_NAMES) == len(set(QUALIFIED_NAMES))
    assert not any(name.startswith("formulae.xanes._checks.") for name in QUALIFIED_NAMES)
    assert len(QUALIFIED_NAMES) > 290


def _incomplete_example(a, b):
    """Add two numbers.

    Parameters
    ----------
    a : float
        First.
    c : float
        Not a parameter.
    """
    return a + b


def test_checker_flags_an_incomplete_docstring():
    # The check itself must fail on what it is meant to catch: ``b`` undocumented (PR01),
    # ``c`` documented but not taken (PR02), no Returns section (RT01).
    codes = {code for code, _ in _errors(f"{__name__}._incomplete_example")}
    assert codes == {"PR01", "PR02", "RT01"}


@pytest.mark.parametrize("qualified_name", QUALIFIED_NAMES)
def test_docstring(qualified_name):
    errors = _errors(qualified_name)
    assert not errors, f"{qualified_name}:\n" + "\n".join(f"  {c} {m}" for c, m in errors)


@pytest.mark.parametrize("module_name", _module_names())
def test_docstring_examples(module_name):
    # Every module's examples run, as ``python -m doctest`` would (``np`` is predefined, as
    # in numpydoc's examples).
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:       # MissingDependencyError is an ImportError
        pytest.skip(f"{module_name} needs an optional dependency: {exc}")
    result = doctest.testmod(module, extraglobs={"np": np}, report=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of " \
                               f"{module_name} fail; run python -m doctest -v on it"
