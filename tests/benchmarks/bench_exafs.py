"""Benchmark: formulae.exafs fits vs Larch's feffit on the same fits, in the same process.

Fits: Cu first shell (1 path, R space, ``cu_1path_r_kaiser``) and Cu 150 K, 13 paths, three
k-weights (``cu150k_13path_kw213``), both from ``shared/data/exafs/larch_reference``.
Prints, per fit: median wall time and median CPU time (``time.process_time``) of formulae
(build + solve, and solve only on a compiled problem; build + solve also with the build caches
cleared, as for the first fit on a set of files), of Larch's ``feffit`` (when
``import larch`` works), their ratios and the function-evaluation counts; then the CLI wall
and CPU time on the Cu 1-path spec and a 1,000-spectrum batch (Cu 1 path, seeded noise) on 2
workers. On a shared machine the wall time of a few-ms job is inflated by preemption far more
than that of a 100-ms job, so the CPU-time ratio is the robust one; the load average is
printed with every block.

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
    """(median wall time, median CPU time, last result) of ``repeat`` calls."""
    wall, cpu = [], []
    out = None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = func()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu), out


def _load():
    return f"load average {os.getloadavg()[0]:.2f}"


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


def _cold_build(spec):
    """Build with formulae's build caches cleared (the first fit on these files)."""
    from formulae.exafs import spec as spec_module

    spec_module._PROBLEM_CACHE.clear()
    spec_module._FEFF_CACHE.clear()
    return spec_module.spec_from_dict(spec, DATA).problem()


def bench_fits(repeat):
    from formulae.exafs.spec import spec_from_dict

    fits = json.loads((DATA / "larch_reference" / "larch_fits.json").read_text())["fits"]
    try:
        import larch  # noqa: F401
        have_larch = True
    except ImportError:
        have_larch = False
    n_larch = max(3, repeat // 2)
    print(f"medians of {repeat} runs (Larch: {n_larch}), interleaved so that both see the same "
          "load; wall/CPU in ms; ratio = Larch / formulae build+solve (solve only)")
    print(f"{'fit':20s} {'build+solve':>13s} {'solve only':>13s} {'nfev/njev':>9s}"
          + (f" {'Larch feffit':>15s} {'nfev':>4s} {'wall ratio':>14s} {'CPU ratio':>14s}"
             if have_larch else ""))
    for name in FITS:
        spec = fits[name]["spec"]
        spec_from_dict(spec, DATA).problem().solve()            # warm-up: imports
        problem = spec_from_dict(spec, DATA).problem()
        if have_larch:
            _larch_fit(spec)
        full, solve, larch, cold = [], [], [], []
        for i in range(repeat):
            full.append(_median_time(lambda: spec_from_dict(spec, DATA).problem().solve(), 1))
            cold.append(_median_time(lambda: _cold_build(spec).solve(), 1))
            solve.append(_median_time(problem.solve, 1))
            if have_larch and i % 2 == 0 and len(larch) < n_larch:
                larch.append(_median_time(lambda: _larch_fit(spec), 1))
        med = lambda runs, j: statistics.median(r[j] for r in runs)  # noqa: E731
        t_full, c_full, t_solve, c_solve = med(full, 0), med(full, 1), med(solve, 0), med(solve, 1)
        res = solve[-1][2]
        line = (f"{name:20s} {t_full * 1e3:6.1f}/{c_full * 1e3:<6.1f} "
                f"{t_solve * 1e3:6.1f}/{c_solve * 1e3:<6.1f} {res.nfev:4d}/{res.njev:<4d}")
        if have_larch:
            t_larch, c_larch, out = med(larch, 0), med(larch, 1), larch[-1][2]
            line += (f" {t_larch * 1e3:7.1f}/{c_larch * 1e3:<7.1f} {out.nfev:4d}"
                     f" {t_larch / t_full:5.1f}x ({t_larch / t_solve:4.0f}x)"
                     f" {c_larch / c_full:5.1f}x ({c_larch / c_solve:4.0f}x)")
        print(line + f"  [{_load()}]")
        t_cold, c_cold = med(cold, 0), med(cold, 1)
        line = (f"{'  first build':20s} {t_cold * 1e3:6.1f}/{c_cold * 1e3:<6.1f} "
                "(build caches cleared: reads and parses every file)")
        if have_larch:
            line += f"; ratio wall {t_larch / t_cold:5.1f}x, CPU {c_larch / c_cold:5.1f}x"
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
        times, cpus = [], []
        for _ in range(5):
            t, c = time.perf_counter(), os.times()
            subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - t)
            c2 = os.times()
            cpus.append(c2.children_user - c.children_user + c2.children_system
                        - c.children_system)
        subprocess.run([sys.executable, "-c", "import formulae.exafs.fit, sys; "
                        "assert 'sklearn' not in sys.modules"], check=True)
        print(f"CLI `formulae exafs fit` Cu 1 path: median {statistics.median(times):.3f} s "
              f"wall (min {min(times):.3f} s), CPU median {statistics.median(cpus):.3f} s, "
              f"over 5 runs [{_load()}]; import formulae.exafs.fit without sklearn: ok")


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
              f"{dt / n * 1e3:.2f} ms per fit [{_load()}]")
    c = time.process_time()
    fit_batch(spec, spectra[: min(n, 300)], k=k, n_jobs=1)
    c = time.process_time() - c
    print(f"batch serial (n_jobs=1) CPU time: {c / min(n, 300) * 1e3:.2f} ms per fit "
          f"({min(n, 300)} fits) [{_load()}]")


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
