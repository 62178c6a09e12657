"""Benchmark: formulae.exafs fits vs Larch's feffit on the same fits, in the same process.

Fits: Cu first shell (1 path, R space, ``cu_1path_r_kaiser``) and Cu 150 K, 13 paths, three
k-weights (``cu150k_13path_kw213``), both from ``shared/data/exafs/larch_reference``.
Prints, per fit: median wall time of formulae (build + solve, and solve only on a compiled
problem), of Larch's ``feffit`` (when ``import larch`` works), their ratio and the
function-evaluation counts; then the CLI wall time on the Cu 1-path spec and a 1,000-spectrum
batch (Cu 1 path, seeded noise) on 2 workers.

    python tests/benchmarks/bench_exafs.py             # formulae only
    /work/larchvenv/bin/python tests/benchmarks/bench_exafs.py   # with Larch (xraylarch)

Options: --repeat N (default 7), --batch N (default 1000, 0 to skip), --n-jobs (2),
--compare (only the differences to Larch's 8 reference fits: worst |value - Larch|/stderr,
worst relative value difference to Larch re-run at tol=1e-12 (absolute for |v| < 1e-3),
worst relative stderr, worst absolute correlation, worst relative statistic).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("FORMULAE_SHARED_DATA", ROOT.parent / "shared" / "data")) / "exafs"
FITS = ("cu_1path_r_kaiser", "cu150k_13path_kw213")


def _median_time(func, repeat):
    times = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def _larch_fit(spec):
    from larch import Group
    from larch.fitting import param, param_group
    from larch.xafs import feffit, feffit_dataset, feffit_transform, feffpath

    pars = {n: param(v, vary=True) for n, v in spec["variables"].items()}
    for n, v in spec.get("fixed", {}).items():
        pars[n] = param(v, vary=False)
    for n, e in spec.get("constraints", {}).items():
        pars[n] = param(expr=e)
    k, chi = np.loadtxt(DATA / spec["data"], unpack=True)
    paths = [feffpath(str(DATA / p["file"]), **{a: b for a, b in p.items() if a != "file"})
             for p in spec["paths"]]
    ds = feffit_dataset(data=Group(k=k, chi=chi), pathlist=paths,
                        transform=feffit_transform(**spec["transform"]))
    return feffit(param_group(**pars), ds)


def bench_fits(repeat):
    from formulae.exafs.spec import spec_from_dict

    fits = json.loads((DATA / "larch_reference" / "larch_fits.json").read_text())["fits"]
    try:
        import larch  # noqa: F401
        have_larch = True
    except ImportError:
        have_larch = False
    print(f"{'fit':22s} {'formulae build+solve':>21s} {'solve only':>11s} {'nfev/njev':>10s}"
          + (f" {'Larch feffit':>13s} {'nfev':>5s} {'ratio':>7s} {'ratio(solve)':>13s}"
             if have_larch else ""))
    for name in FITS:
        spec = fits[name]["spec"]
        spec_from_dict(spec, DATA).problem().solve()            # warm-up: imports
        t_full, res = _median_time(lambda: spec_from_dict(spec, DATA).problem().solve(), repeat)
        problem = spec_from_dict(spec, DATA).problem()
        t_solve, res = _median_time(problem.solve, repeat)
        line = (f"{name:22s} {t_full * 1e3:18.1f} ms {t_solve * 1e3:8.1f} ms "
                f"{res.nfev:4d}/{res.njev:<4d}")
        if have_larch:
            _larch_fit(spec)
            t_larch, out = _median_time(lambda: _larch_fit(spec), max(3, repeat // 2))
            line += (f" {t_larch * 1e3:10.1f} ms {out.nfev:5d} {t_larch / t_full:6.1f}x"
                     f" {t_larch / t_solve:12.1f}x")
        print(line)


def bench_cli():
    fits = json.loads((DATA / "larch_reference" / "larch_fits.json").read_text())["fits"]
    spec = dict(fits["cu_1path_r_kaiser"]["spec"])
    spec["data"] = str(DATA / spec["data"])
    spec["paths"] = [dict(p, file=str(DATA / p["file"])) for p in spec["paths"]]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cu1.json"
        path.write_text(json.dumps(spec))
        cmd = [sys.executable, "-m", "formulae.cli", "exafs", "fit", str(path)]
        subprocess.run(cmd, check=True, capture_output=True)
        times = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - t)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import formulae.exafs.fit, sys; "
                        "assert 'sklearn' not in sys.modules"], check=True)
        print(f"CLI `formulae exafs fit` Cu 1 path: median {statistics.median(times):.3f} s "
              f"wall (min {min(times):.3f} s) over 5 runs; "
              "import formulae.exafs.fit without sklearn: ok")


def bench_batch(n, n_jobs):
    from formulae.exafs.batch import fit_batch
    from formulae.exafs.spec import spec_from_dict

    fits = json.loads((DATA / "larch_reference" / "larch_fits.json").read_text())["fits"]
    spec = spec_from_dict(fits["cu_1path_r_kaiser"]["spec"], DATA)
    k, chi = np.loadtxt(DATA / "cu" / "cu_metal_rt_larch_chi_rbkg1.0.chi", unpack=True)
    rng = np.random.default_rng(0)
    spectra = chi + rng.normal(0.0, 0.002, (n, k.size))
    for warm in (False, True):
        t = time.perf_counter()
        result = fit_batch(spec, spectra, k=k, n_jobs=n_jobs, chunks_per_job=1,
                           warm_start=warm)
        dt = time.perf_counter() - t
        ok = sum(r is not None and r.success for r in result.results)
        nfev = [r.nfev for r in result.results if r is not None]
        print(f"batch: {n} one-path fits, n_jobs={n_jobs}, warm_start={warm}: {dt:.2f} s wall "
              f"({ok} succeeded, median nfev {int(np.median(nfev))}), "
              f"{dt / n * 1e3:.2f} ms per fit")


def compare_with_larch():
    """Worst differences to Larch's 8 reference fits (the numbers the tests assert)."""
    from formulae.exafs.spec import spec_from_dict

    ref_dir = ROOT / "tests" / "reference"
    fits = json.loads((DATA / "larch_reference" / "larch_fits.json").read_text())["fits"]
    tight = json.loads((ref_dir / "larch_tight_fits.json").read_text())["fits"]
    print(f"{'fit':24s} {'values/sigma':>12s} {'values (tol 1e-12)':>18s} {'stderr':>8s} "
          f"{'correl':>8s} {'stats':>8s}")
    for name, entry in fits.items():
        spec = dict(entry["spec"])
        spec["delta_chi"] = str(ref_dir / "larch_delta_chi" / (Path(spec["data"]).stem + ".txt"))
        res = spec_from_dict(spec, DATA).problem().solve()
        ref = entry["larch_result"]
        dv = max(abs(res.params[p] - v["value"]) / v["stderr"]
                 for p, v in ref["params"].items() if v["stderr"])
        dt = max(abs(res.params[p] / v["value"] - 1) if abs(v["value"]) >= 1e-3
                 else abs(res.params[p] - v["value"]) for p, v in tight[name]["params"].items())
        de = max(abs(res.stderr[p] / v["stderr"] - 1)
                 for p, v in ref["params"].items() if v["stderr"])
        dc = max(abs(res.correl.get(tuple(c.split(",")), res.correl.get(
            tuple(reversed(c.split(","))))) - v) for c, v in ref["correlations"].items())
        ds = max(abs(getattr(res, k) / ref[k] - 1) for k in
                 ("chi_square", "chi2_reduced", "n_independent", "rfactor", "aic", "bic"))
        print(f"{name:24s} {dv:12.1e} {dt:18.1e} {de:8.1e} {dc:8.1e} {ds:8.1e}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--compare", action="store_true",
                        help="only print the differences to Larch's 8 reference fits")
    args = parser.parse_args(argv)
    if args.compare:
        compare_with_larch()
        return
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, cores {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    bench_fits(args.repeat)
    bench_cli()
    if args.batch:
        bench_batch(args.batch, args.n_jobs)


if __name__ == "__main__":
    main()
