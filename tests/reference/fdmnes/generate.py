"""Write the golden FDMNES files used by tests/test_fdmnes.py (deterministic, no randomness).

Run from the project root with FDMNES available (see formulae.fdmnes.locate_fdmnes):

    python tests/reference/fdmnes/generate.py

Files written here:
    feo4_in.txt         input written by formulae.fdmnes.write_input for a distorted FeO4
    feo4_out.txt        FDMNES's out.txt for it (revision of 1 March 2022, pyfitit 3.1.7 wheel)
    feo4_conv.txt       FDMNES's convolved output (out_EF0_Gm15_GH1p25_conv.txt)
These outputs are our own computation.
"""

from pathlib import Path

from formulae.fdmnes import Convolution, FdmnesSettings, run_fdmnes, write_input
from formulae.structures import tetrahedral

HERE = Path(__file__).resolve().parent
CLUSTER = tetrahedral(r1=1.85, r2=1.95, r3=2.0, r4=2.1, phi=105.0, psi=85.0)
SETTINGS = FdmnesSettings(radius=3.0, energy_range=(-10.0, 1.0, 30.0),
                          convolution=Convolution(gamma_hole=1.25, e_cent=30.0, e_larg=30.0,
                                                  gamma_max=15.0, e_fermi=0.0))

if __name__ == "__main__":
    (HERE / "feo4_in.txt").write_text(write_input(CLUSTER, SETTINGS))
    result = run_fdmnes(CLUSTER, SETTINGS)
    (HERE / "feo4_out.txt").write_text(result.raw)
    (HERE / "feo4_conv.txt").write_text(result.raw_conv)
    print("wrote", *(p.name for p in sorted(HERE.glob("feo4_*.txt"))))
