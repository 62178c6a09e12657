"""Re-run Larch's 8 reference fits with tight tolerances (tol=1e-12) and record the results.

``shared/data/exafs/larch_reference/larch_fits.json`` holds Larch's results with its default
``tol=1e-6``: those values sit up to ~1e-4 (relative) from the least-squares minimum, i.e.
< 1e-3 of a standard error (Larch's own fits with ``tol=1e-12`` move there). This script
repeats the same fits - same chi(k) files, same set-up, the autobk ``delta_chi`` recorded in
``larch_delta_chi/`` - with ``tol=1e-12``, so that tests can compare values at 1e-6.

Deterministic (no random step). Needs xraylarch (not a core dependency):
    /work/larchvenv/bin/python tests/reference/generate_larch_tight.py
Writes tests/reference/larch_tight_fits.json.
"""
import json
from pathlib import Path

import numpy as np
from larch import Group
from larch.fitting import param, param_group
from larch.xafs import feffit, feffit_dataset, feffit_transform, feffpath

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "shared" / "data" / "exafs"


def columns(path):
    rows = [line.split() for line in Path(path).read_text().splitlines()
            if line.strip() and line.lstrip()[0] not in "#;"]
    return np.array([[float(v) for v in r[:2]] for r in rows]).T


def larch_fit(spec, tol):
    bounds = spec.get("bounds", {})
    pars = {}
    for name, value in spec["variables"].items():
        lo, hi = bounds.get(name, (None, None))
        pars[name] = param(value, vary=True, min=-np.inf if lo is None else lo,
                           max=np.inf if hi is None else hi)
    for name, value in spec.get("fixed", {}).items():
        pars[name] = param(value, vary=False)
    for name, expr in spec.get("constraints", {}).items():
        pars[name] = param(expr=expr)
    group = param_group(**pars)
    k, chi = columns(DATA / spec["data"])
    _, dchi = columns(HERE / "larch_delta_chi" / (Path(spec["data"]).stem + ".txt"))
    data = Group(k=k, chi=chi, delta_chi=dchi)
    paths = [feffpath(str(DATA / p["file"]), **{a: b for a, b in p.items() if a != "file"})
             for p in spec["paths"]]
    trans = feffit_transform(**spec["transform"])
    ds = feffit_dataset(data=data, pathlist=paths, transform=trans)
    out = feffit(group, ds, tol=tol)
    params = {n: {"value": float(p.value), "stderr": None if p.stderr is None else float(p.stderr)}
              for n, p in out.params.items() if not n.endswith(ds.hashkey)
              and not any(n.endswith(pp.hashkey) for pp in ds.paths.values())}
    correl = {}
    names = out.var_names
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            correl[f"{a},{b}"] = float(out.params[a].correl[b])
    return {"nfev": out.nfev, "chi_square": out.chi_square, "chi2_reduced": out.chi2_reduced,
            "n_independent": out.n_independent, "rfactor": out.rfactor, "aic": out.aic,
            "bic": out.bic, "ndata": out.ndata, "params": params, "correlations": correl}


def main():
    fits = json.loads((DATA / "larch_reference" / "larch_fits.json").read_text())["fits"]
    out = {"about": "Larch (xraylarch, see generate_larch_tight.py) feffit with tol=1e-12 on the "
                    "larch_fits.json set-ups, delta_chi from larch_delta_chi/.", "fits": {}}
    for name, entry in fits.items():
        res = larch_fit(entry["spec"], 1e-12)
        default = larch_fit(entry["spec"], 1e-6)
        res["default_tol_chi_square"] = default["chi_square"]
        out["fits"][name] = res
        print(name, res["nfev"], res["chi_square"], default["chi_square"])
    (HERE / "larch_tight_fits.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
