"""Natoli fits per N on the shared Fe(SiO4)N set, MinE against Dist and Dist^-2, and the
chemical shift recovered from simulated states (docs/natoli.md).

Run: python docs/scripts/natoli_shared.py
"""
from formulae.table1 import default_data_folder
import numpy as np
from formulae.io import read_sample
from formulae.xanes import descriptor_table
from formulae.natoli import natoli_by_group
from formulae.oxidation import simulate_oxidation_states, chemical_shift_fit
from formulae.table1 import refit_terms_cv

folder = str(default_data_folder())
s = read_sample(folder)
cn = np.asarray(s.params.column("CN"), float)
keep = np.isfinite(cn)
d = {k: np.asarray(v, float) for k, v in descriptor_table(s.energy, s.spectra[keep]).items()}
d["CN"] = cn[keep]
d["avgDist"] = np.asarray(s.params.column("avgDist"), float)[keep]
for energy in ("MaxE", "MinE"):
    for cnv, fit in natoli_by_group(d, energy=energy, group="CN").items():
        print(f"{energy} CN={cnv:g}: n = {fit.n:.2f} ± {fit.n_stderr:.2f}, C = {fit.C:.1f} eV Å², "
              f"spread {100 * fit.C_spread:.1f} %, R² log-log {fit.r2_loglog:.3f}: {fit.verdict}")
# Does MinE scale as Dist^-2?  Same CV folds, Dist against Dist^-2 as the distance term.
d["invDist2"] = d["avgDist"] ** -2.0
for terms in (["CN", "avgDist"], ["CN", "invDist2"]):
    print("MinE from", terms, f"CV R² {refit_terms_cv(d, terms, d['MinE']):.4f}")
d["MinE_rel"] = d["MinE"] - d["EdgeE"]
for terms in (["CN", "avgDist"], ["CN", "invDist2"]):
    print("MinE - EdgeE from", terms, f"CV R² {refit_terms_cv(d, terms, d['MinE_rel']):.4f}")
# Chemical shift recovered from simulated states.
states, shifted = simulate_oxidation_states(s.energy, s.spectra[keep], random_state=0)
edge = descriptor_table(s.energy, shifted)["EdgeE"]
print(chemical_shift_fit(edge, states, d["avgDist"]).summary())
