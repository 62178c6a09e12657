"""XANES descriptors: edge, extrema, curvature, pre-edge; broadening and normalization.

Descriptors are pure functions of ``(energy, mu)``; inputs are never modified; widths are in
eV. Functions whose names end in ``s`` or ``_table`` take stacks of spectra
(``n_spectra x n_points``) and are vectorised over them.

=====================  =========================  ============================================
name                   module                     what it does
=====================  =========================  ============================================
descriptors            batch                      all descriptors of one spectrum
descriptor_table       batch                      all descriptors of many spectra (columns)
XanesDescriptors       batch                      frozen result of ``descriptors``
DESCRIPTOR_COLUMNS     batch                      EdgeE, Edgeslope, ..., Preedgearea
DESCRIPTOR_UNITS       batch                      column -> unit
smooth                 smoothing                  Gaussian kernel regression, sigma in eV
smoothing_matrix       smoothing                  the matrix of that regression
fit_edge               edge                       arctangent/logistic step + background fit
fit_edges              edge                       the same for many spectra at once
EdgeFit                edge                       frozen result of ``fit_edge``
step_model             edge                       the fitted step curve
find_maxima            extrema                    main maximum + local quadratic
find_minima            extrema                    main minimum + local quadratic
local_quadratic        extrema                    vertex, value, curvature of a local parabola
preedge_peaks          preedge                    pre-edge centroid and area
normalize              normalize                  pre-edge line, post-edge polynomial, step
find_e0                normalize                  E0 at the derivative maximum
Normalization          normalize                  frozen result of ``normalize``
broaden                broadening                 Gaussian / Lorentzian convolution
broaden_fdmnes         broadening                 FDMNES energy-dependent Lorentzian
fdmnes_width           broadening                 Gamma(E) of FDMNES's arctangent law
gaussian_kernel        broadening                 unit-area Gaussian
lorentzian_kernel      broadening                 unit-area Lorentzian
plot_descriptors       plot                       one spectrum with its descriptor points
=====================  =========================  ============================================
"""

from __future__ import annotations

from .batch import (DESCRIPTOR_COLUMNS, DESCRIPTOR_UNITS, XanesDescriptors, descriptor_table,
                    descriptors)
from .broadening import (broaden, broaden_fdmnes, fdmnes_width, gaussian_kernel,
                         lorentzian_kernel)
from .edge import EdgeFit, fit_edge, fit_edges, step_model
from .extrema import find_maxima, find_minima, local_quadratic
from .normalize import Normalization, find_e0, normalize
from .plot import plot_descriptors
from .preedge import preedge_peaks
from .smoothing import smooth, smoothing_matrix

__all__ = [
    "descriptors", "descriptor_table", "XanesDescriptors", "DESCRIPTOR_COLUMNS",
    "DESCRIPTOR_UNITS", "smooth", "smoothing_matrix", "fit_edge", "fit_edges", "EdgeFit",
    "step_model", "find_maxima", "find_minima", "local_quadratic", "preedge_peaks",
    "normalize", "find_e0", "Normalization", "broaden", "broaden_fdmnes", "fdmnes_width",
    "gaussian_kernel", "lorentzian_kernel", "plot_descriptors",
]
