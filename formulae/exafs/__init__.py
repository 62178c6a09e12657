"""EXAFS: FEFF path files, chi(k) with an exact Jacobian, Fourier transforms and fits.

Public names are loaded lazily, on first attribute access, so that ``import formulae.exafs``
stays cheap and never imports scikit-learn.

=========================  ===================================================================
name                       what it is
=========================  ===================================================================
read_feffdat               read a FEFF ``feffNNNN.dat`` path file into a FeffPath
FeffPath                   one scattering path: header, geometry, the seven FEFF columns
PathSpline                 not-a-knot cubic spline of a path's (amp, pha, rep, lam) columns
atomic_mass                standard atomic weight of element Z (for a path's reduced mass)
chi                        chi(k) of one path in the FEFF/IFEFFIT (Larch) convention
chi_and_jacobian           chi(k) and its exact derivatives for the path parameters (all, or
                           the ``rows`` asked for)
PATH_PARAMETERS            s02, e0, deltar, sigma2, third, fourth, ei, degen (Jacobian rows)
KTOE, ETOK                 hbar^2/(2 m_e) in eV Angstrom^2, and its inverse
ftwindow                   Fourier-transform window (hanning, kaiser, parzen, welch, sine,
                           gaussian), Larch's definitions
xftf                       forward transform chi(k) -> chi(R), Larch's normalisation
xftr                       back-transform chi(R) -> chi(q)
FourierTransform           precomputed windows and grids; ``forward`` / ``reverse`` for fits
FT_WINDOWS                 names of the windows
feffit                     fit FEFF paths to chi(k) data (k, R or q space, exact Jacobian)
FitResult                  frozen fit result: values, errors, correlations, statistics, report
FitProblem                 compiled datasets and variables; ``solve`` runs Levenberg-Marquardt
Dataset, FitPath           one chi(k) dataset with its paths; one path with its expressions
Transform                  FT and fit-space settings of a dataset (Larch's feffit_transform)
WINDOWS, FITSPACES         window names and fit spaces ("k", "r", "q") a Transform accepts
Variable                   a named fit variable: initial value, bounds, vary flag
sigma2_eins, sigma2_debye  Einstein and correlated-Debye sigma^2 (Larch's definitions)
FitSpec                    a validated fit specification (TOML/JSON schema of Larch's fits)
read_spec                  read a TOML/JSON fit specification
spec_from_dict             validate a spec mapping, resolving file names against a folder
read_chi_file              read the k, chi(k) columns of a text file
fit_batch                  fit many spectra with one spec, in parallel through joblib
BatchResult                one row per spectrum (values, errors, statistics); ``to_csv``
multistart                 fits from several seeded starting points: one minimum or several?
MultistartResult           the fits of :func:`multistart` and whether they agree
chi2_scan                  chi^2-scan confidence interval, the other variables re-optimised
ScanResult                 the scan of :func:`chi2_scan`: grid, chi^2, interval
n_independent              1 + 2 dk dR / pi, the number of independent points
FitStatistics              chi^2, reduced chi^2, AIC, BIC, R-factor, N_idp of a fit
=========================  ===================================================================

Modules: :mod:`~formulae.exafs.feffdat`, :mod:`~formulae.exafs.model`,
:mod:`~formulae.exafs.transform`, :mod:`~formulae.exafs.params`, :mod:`~formulae.exafs.fit`,
:mod:`~formulae.exafs.stats`, :mod:`~formulae.exafs.spec`, :mod:`~formulae.exafs.batch`,
:mod:`~formulae.exafs.confidence`.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "read_feffdat": "formulae.exafs.feffdat",
    "FeffPath": "formulae.exafs.feffdat",
    "PathSpline": "formulae.exafs.feffdat",
    "atomic_mass": "formulae.exafs.feffdat",
    "chi": "formulae.exafs.model",
    "chi_and_jacobian": "formulae.exafs.model",
    "PATH_PARAMETERS": "formulae.exafs.model",
    "KTOE": "formulae.exafs.model",
    "ETOK": "formulae.exafs.model",
    "ftwindow": "formulae.exafs.transform",
    "xftf": "formulae.exafs.transform",
    "xftr": "formulae.exafs.transform",
    "FourierTransform": "formulae.exafs.transform",
    "FT_WINDOWS": "formulae.exafs.transform",
    "feffit": "formulae.exafs.fit",
    "FitResult": "formulae.exafs.fit",
    "FitProblem": "formulae.exafs.fit",
    "Dataset": "formulae.exafs.fit",
    "FitPath": "formulae.exafs.fit",
    "Transform": "formulae.exafs.fit",
    "WINDOWS": "formulae.exafs.fit",
    "FITSPACES": "formulae.exafs.fit",
    "Variable": "formulae.exafs.params",
    "sigma2_eins": "formulae.exafs.params",
    "sigma2_debye": "formulae.exafs.params",
    "FitSpec": "formulae.exafs.spec",
    "read_spec": "formulae.exafs.spec",
    "spec_from_dict": "formulae.exafs.spec",
    "read_chi_file": "formulae.exafs.spec",
    "fit_batch": "formulae.exafs.batch",
    "BatchResult": "formulae.exafs.batch",
    "multistart": "formulae.exafs.confidence",
    "MultistartResult": "formulae.exafs.confidence",
    "chi2_scan": "formulae.exafs.confidence",
    "ScanResult": "formulae.exafs.confidence",
    "n_independent": "formulae.exafs.stats",
    "FitStatistics": "formulae.exafs.stats",
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'formulae.exafs' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
