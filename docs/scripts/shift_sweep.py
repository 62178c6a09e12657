"""Oxidation-state accuracy against the simulated chemical shift (docs/natoli.md).

Run: python docs/scripts/shift_sweep.py
"""
from formulae.table1 import default_data_folder
import numpy as np
from formulae.io import read_sample
from formulae.xanes import descriptor_table
from formulae.oxidation import simulate_oxidation_states, classify_oxidation_states
from formulae.table1 import DESCRIPTOR_NAMES, refit_terms_cv

s = read_sample(str(default_data_folder()))
keep = np.isfinite(np.asarray(s.params.column("CN"), float))
print("| shift (eV per charge) | EdgeE alone | EdgeE + Maxint (paper's terms) | best 2 terms | formula |")
print("|---|---|---|---|---|")
for shift in (0.5, 1.0, 1.5, 2.0, 3.5):
    states, shifted = simulate_oxidation_states(s.energy, s.spectra[keep],
                                                shift_per_charge=shift, random_state=0)
    d = {k: np.asarray(v, float) for k, v in descriptor_table(s.energy, shifted).items()}
    alone = classify_oxidation_states(d, states, features=["EdgeE"], max_terms=1, basis="linear")
    best = classify_oxidation_states(d, states, features=DESCRIPTOR_NAMES, max_terms=2,
                                     basis="linear")
    paper = refit_terms_cv(d, ["EdgeE", "Maxint"], states, classify=True)
    print(f"| {shift:g} | {alone.cv_score:.3f} | {paper:.3f} | {best.cv_score:.3f} | "
          f"{', '.join(map(str, best.terms))} |")
