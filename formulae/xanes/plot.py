"""Figure of one spectrum with its descriptor points marked (matplotlib, the ``plot`` extra).

=====================  ===================================================================
name                   what it does
=====================  ===================================================================
plot_descriptors       raw and smoothed spectrum, fitted edge step, marked descriptors
=====================  ===================================================================
"""

from __future__ import annotations

import numpy as np

from .._validation import require

__all__ = ["plot_descriptors"]


def plot_descriptors(energy, mu, *, ax=None, smooth: float = 5.0, title=None, **options):
    """Plot a spectrum with EdgeE, MaxE/Maxint, MinE/Minint, the curvature parabolas and
    the pre-edge window marked.

    Parameters
    ----------
    energy : array-like of shape (n_points,)
        Strictly increasing energies, eV.
    mu : array-like of shape (n_points,)
        Normalized spectrum.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.
    smooth : float, default=5.0
        Smoothing sigma in eV (as in :func:`~formulae.xanes.descriptors`).
    title : str, optional
        Axes title.
    **options
        Passed to :func:`~formulae.xanes.descriptors`.

    Returns
    -------
    tuple of (XanesDescriptors, matplotlib Axes)

    Raises
    ------
    MissingDependencyError
        If matplotlib is not installed.
    """
    plt = require("matplotlib.pyplot", "plot_descriptors", "plot")
    from .batch import _PREEDGE_WINDOW, descriptors
    from .edge import fit_edge, step_model
    from .smoothing import smooth as smooth_fn

    energy = np.asarray(energy, dtype=float)
    mu = np.asarray(mu, dtype=float)
    d = descriptors(energy, mu, smooth=smooth, **options)
    lo_hi = options.get("energy_range")
    if lo_hi is not None:
        keep = (energy >= lo_hi[0]) & (energy <= lo_hi[1])
        energy, mu = energy[keep], mu[keep]
    ys = smooth_fn(energy, mu, smooth)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 4.5))
    ax.plot(energy, mu, ".", ms=3, color="0.55", label="spectrum")
    ax.plot(energy, ys, "-", color="C0", lw=1.5, label=f"smoothed (σ = {smooth:g} eV)")
    # the edge fit of descriptors(): same curve (smoothed when smooth_edge), same guide
    background = options.get("edge_background", "linear")
    fit = fit_edge(energy, ys if options.get("smooth_edge", False) else mu, shape=d.edge_shape,
                   background=background, guide=ys)
    ax.plot(energy, step_model(energy, fit.e0, fit.slope, fit.step, fit.offset,
                               fit.background_slope, shape=fit.shape),
            "--", color="C2", lw=1.0, label=f"{fit.shape} step + {background} background")
    y_edge = float(np.interp(d.edge_energy, energy, mu))
    ax.plot([d.edge_energy], [y_edge], "o", color="C2", ms=7,
            label=f"EdgeE = {d.edge_energy:.2f} eV")
    for e, v, c, name, color in ((d.max_energy, d.max_intensity, d.max_curvature, "Max", "C3"),
                                 (d.min_energy, d.min_intensity, d.min_curvature, "Min", "C1")):
        t = np.linspace(-4.0, 4.0, 41)
        ax.plot(e + t, v + 0.5 * c * t * t, "-", color=color, lw=2.5, alpha=0.6)
        ax.plot([e], [v], "s", color=color, ms=7,
                label=f"{name}E = {e:.2f} eV, {name}int = {v:.3f}, {name}curv = {c:.2e}")
    pre_lo, pre_hi = options.get("preedge_window", _PREEDGE_WINDOW)
    ax.axvspan(d.edge_energy + pre_lo, d.edge_energy + pre_hi, color="C4", alpha=0.12,
               label="pre-edge window")
    if np.isfinite(d.preedge_energy):
        ax.axvline(d.preedge_energy, color="C4", lw=1.0,
                   label=f"PreedgeE = {d.preedge_energy:.2f} eV (area {d.preedge_area:.3f})")
    ax.annotate("", xy=(d.min_energy, d.min_intensity - 0.08),
                xytext=(d.max_energy, d.min_intensity - 0.08),
                arrowprops=dict(arrowstyle="<->", color="0.3"))
    ax.text(0.5 * (d.max_energy + d.min_energy), d.min_intensity - 0.07,
            f"MinE − MaxE = {d.min_minus_max:.1f} eV", ha="center", va="bottom", fontsize=8)
    ax.set_xlabel("Energy (eV)")
    ax.set_ylabel("normalized μ(E)")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=7, loc="lower right")
    return d, ax
