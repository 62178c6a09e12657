"""Record Larch's Debye and Einstein sigma2 for the Cu FEFF paths at a few (T, theta).

``tests/test_exafs_params.py`` compares ``formulae.exafs.params.sigma2_debye`` and
``sigma2_eins`` with these numbers at 1e-6 (relative) without Larch installed; with Larch
installed it also calls Larch live.

Deterministic (no random step). Needs xraylarch (not a core dependency):
    /work/larchvenv/bin/python tests/reference/generate_larch_sigma2.py
Writes tests/reference/larch_sigma2.json.
"""
import json
from importlib.metadata import version
from pathlib import Path

from larch.xafs import feffpath
from larch.xafs.sigma2_models import sigma2_debye, sigma2_eins

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "shared" / "data" / "exafs"
PATHS = ("cu/feffcu01.dat", "cu/feff0001.dat", "cu/feff0002.dat", "cu/feff0003.dat")
# (T in K, theta in K): low, room and high temperature; Cu's Debye temperature is ~315 K
POINTS = ((10.0, 315.0), (150.0, 315.0), (300.0, 315.0), (300.0, 250.0), (600.0, 400.0))


def main():
    out = {"about": "Larch's sigma2_debye(t, theta, path) and sigma2_eins(t, theta, path) "
                    "(larch.xafs.sigma2_models), see generate_larch_sigma2.py; paths relative "
                    "to shared/data/exafs.",
           "xraylarch": version("xraylarch"), "paths": {}}
    for name in PATHS:
        path = feffpath(str(DATA / name))
        out["paths"][name] = [
            {"t": t, "theta": theta, "sigma2_debye": float(sigma2_debye(t, theta, path)),
             "sigma2_eins": float(sigma2_eins(t, theta, path))} for t, theta in POINTS]
        print(name, out["paths"][name][2])
    (HERE / "larch_sigma2.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
