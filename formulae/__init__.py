"""formulae: short, publishable formulas from X-ray absorption spectra.

Public names are loaded lazily (on first attribute access), so that ``import formulae`` stays
light and ``import formulae.exafs`` does not pull in scikit-learn.

=========================  ===============================================================
name                       what it is
=========================  ===============================================================
FormulaRegressor           formula search for a continuous target (scikit-learn estimator)
FormulaClassifier          formula search for a class target, e.g. oxidation state
Formula                    one fitted formula: standardized and physical sympy expressions
Standardizer               zero-mean, unit-deviation scaling with stored mean_ and scale_
errors                     FormulaeError and its subclasses
=========================  ===============================================================

Sub-packages: :mod:`formulae.xanes` (spectrum descriptors), :mod:`formulae.exafs` (EXAFS model
and fits), :mod:`formulae.natoli` (Natoli's rule and the chemical shift).
"""

from __future__ import annotations

import importlib

from . import errors

_LAZY = {
    "FormulaRegressor": "formulae.search",
    "FormulaClassifier": "formulae.search",
    "Formula": "formulae.formula",
    "Standardizer": "formulae.data",
}

__all__ = ["errors", "__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name == "__version__":   # importlib.metadata only when asked (e.g. `formulae --version`)
        from importlib.metadata import PackageNotFoundError, version

        try:
            globals()["__version__"] = version("formulae")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            globals()["__version__"] = "0.0.0"
        return globals()["__version__"]
    raise AttributeError(f"module 'formulae' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | {"__version__"})
