"""The default chemical shift per unit charge from the measured reference compounds
(docs/natoli.md).

Run: python docs/scripts/shift_default.py
"""
from formulae.table1 import default_data_folder
import numpy as np
from formulae.io import read_sample, read_spectrum

base = str(default_data_folder().parent) + "/"
def half_height(name):
    """Energy of the last upward crossing of mu = 0.5 before the white line (normalized data)."""
    s = read_spectrum(base + "experiments/" + name)
    e, mu = s.energy, s.mu
    top = np.argmax(mu)
    i = np.flatnonzero((mu[:top - 1] < 0.5) & (mu[1:top] >= 0.5))[-1]
    return e[i] + (0.5 - mu[i]) * (e[i + 1] - e[i]) / (mu[i + 1] - mu[i])

fe2 = [half_height(n) for n in ("FeO.dat", "Fe2SiO4.dat")]
fe3 = [half_height(n) for n in ("Fe2O3_alpha.dat", "NaFeSi2O6.dat")]
print("Fe2+ edges", np.round(fe2, 2), "Fe3+ edges", np.round(fe3, 2),
      f"apparent shift {np.mean(fe3) - np.mean(fe2):.2f} eV")
p = read_sample(base + "sampleWithDescriptors").params
cn, dist, edge = (np.asarray(p.column(c), float) for c in ("CN", "avgDist", "efermi_e"))
six = cn == 6
slope = np.polyfit(dist[six], edge[six], 1)[0]
dd = np.mean([2.16, 2.17]) - np.mean([2.03, 2.03])   # PROVENANCE.md, literature Fe-O distances
print(f"dEdgeE/dDist (CN = 6) {slope:.2f} eV/A; distance difference {dd:.3f} A -> "
      f"{-slope * dd:.2f} eV; shift per charge {np.mean(fe3) - np.mean(fe2) + slope * dd:.2f} eV")
