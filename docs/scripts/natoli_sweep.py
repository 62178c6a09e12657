"""Natoli's rule on the FeO6 distance sweep of the built-in FDMNES set (docs/natoli.md).

Run: python docs/scripts/natoli_sweep.py
"""
import numpy as np

from formulae.fdmnes import load_default_dataset
from formulae.natoli import natoli_fit
from formulae.xanes import descriptor_table

sample = load_default_dataset()
d = descriptor_table(sample.energy, sample.spectra, errors="nan")
sweep = np.asarray(sample.params.column("family") == "natoli")
ok = sweep & np.isfinite(d["MinE"])
print(f"{sweep.sum()} structures in the sweep, {ok.sum()} with every descriptor in range")
r = np.asarray(sample.params.column("avgDist"))[ok]
edge = d["EdgeE"][ok]
print(f"EdgeE moves from {edge[np.argmin(r)]:.2f} eV at R = {r.min():.3f} A to "
      f"{edge[np.argmax(r)]:.2f} eV at R = {r.max():.3f} A (relative to 7112 eV)")
for name in ("MaxE", "MinE"):
    for label, e0, method in (("E_0 = EdgeE", edge, "loglog"),
                              ("E_0 = EdgeE", edge, "nonlinear"),
                              ("E_0 fitted", None, "loglog")):
        fit = natoli_fit(d[name][ok], e0, r, method=method)
        extra = ("" if fit.reference_energy is None else
                 f", E_0 = {fit.reference_energy:.2f} +/- {fit.reference_stderr:.2f} eV")
        print(f"{name}, {label}, {fit.method}: n = {fit.n:.2f} +/- {fit.n_stderr:.2f}, "
              f"C = {fit.C:.1f} eV A^2, spread {100 * fit.C_spread:.1f} %{extra}: {fit.verdict}")
