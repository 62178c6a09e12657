"""Write Larch's autobk uncertainty delta_chi(k) for the chi(k) files of the Larch reference fits.

Larch's ``feffit`` adds ``delta_chi`` (from ``autobk_delta_chi``, i.e. the covariance of the
background spline) in quadrature to its high-R noise estimate when the data group came from
``autobk``. ``shared/data/exafs/larch_reference/larch_fits.json`` was made that way, but the
chi(k) files keep only (k, chi). This script re-runs the same ``autobk`` calls (settings from
``shared/data/exafs/PROVENANCE.md``), checks that chi(k) equals the stored file, and writes
(k, delta_chi) to ``tests/reference/larch_delta_chi/<chi file stem>.txt``.

Deterministic (no random step). Run with a Python that has xraylarch (not a core dependency):
    /work/larchvenv/bin/python tests/reference/generate_larch_delta_chi.py
Data derived from xraylarch (MIT licence) and its public example spectra; see PROVENANCE.md.
"""
from pathlib import Path

import numpy as np
from larch import Group
from larch.io import read_ascii, read_xdi
from larch.xafs import autobk
from larch.xafs.autobk import autobk_delta_chi

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "shared" / "data" / "exafs"
OUT = HERE / "larch_delta_chi"


def _columns(path):
    rows = [line.split() for line in Path(path).read_text().splitlines()
            if line.strip() and line.lstrip()[0] not in "#;"]
    return np.array([[float(v) for v in r] for r in rows])


def cases():
    g = read_xdi(str(DATA / "cu/cu_metal_rt.xdi"))
    for rbkg in (1.0, 1.1):
        grp = Group(energy=g.energy, mu=g.mutrans)
        autobk(grp.energy, grp.mu, group=grp, rbkg=rbkg, kw=2)
        yield f"cu/cu_metal_rt_larch_chi_rbkg{rbkg:.1f}.chi", grp
    a = _columns(DATA / "cu/cu_150k.xmu")
    grp = Group(energy=a[:, 0], mu=a[:, 1])
    autobk(grp.energy, grp.mu, group=grp, rbkg=1.1, kw=2, clamp_hi=50)
    yield "cu/cu_150k_larch_chi_rbkg1.1.chi", grp
    a = _columns(DATA / "feo/feo_xafs.dat")
    grp = Group(energy=a[:, 0], mu=a[:, 1])
    autobk(grp.energy, grp.mu, group=grp, kweight=2, rbkg=1.05, clamp_hi=300)
    yield "feo/feo_xafs_larch_chi_rbkg1.05.chi", grp
    a = _columns(DATA / "znse/znse_zn_xafs.001")
    grp = Group(energy=a[:, 0], mu=-np.log(a[:, 3] / a[:, 2]))
    autobk(grp.energy, grp.mu, group=grp, e0=9665, rbkg=1.21, kweight=2)
    yield "znse/znse_zn_xafs_larch_chi_rbkg1.21.chi", grp


def main():
    OUT.mkdir(exist_ok=True)
    for name, grp in cases():
        k, chi = _columns(DATA / name).T
        same = np.allclose(np.interp(k, grp.k, grp.chi), chi, rtol=0, atol=1e-7)
        autobk_delta_chi(grp)
        dchi = np.interp(k, grp.k, grp.delta_chi)
        stem = Path(name).stem
        header = (f"delta_chi(k) of {name} from xraylarch autobk_delta_chi "
                  f"(generate_larch_delta_chi.py); chi matches the file: {same}\nk  delta_chi")
        np.savetxt(OUT / f"{stem}.txt", np.column_stack([k, dchi]), fmt="%.10e", header=header)
        print(f"{name}: chi matches file: {same}; mean delta_chi {dchi.mean():.6g}")


if __name__ == "__main__":
    main()
