"""Benchmark and full comparison of formulae.xanes on the 2500 computed FeSiO4 spectra.

Run from the project root:  python tests/benchmarks/bench_xanes.py [--repeat 3]

Prints
1. spectra per second of ``descriptor_table`` (all descriptors) with 1 and 2 threads,
   and of reading the sample;
2. agreement with PyFitIt's stored columns (params.csv) on all 2500 computed spectra:
   the fraction within one energy step (0.49 eV) and the Pearson r of each pair;
3. stability of the descriptors of the ten measured spectra under 0.5 % noise
   (200 seeded pairs of realisations each);
4. the speed ratio against PyFitIt's own descriptor functions when ``pyfitit`` imports
   (``pip install pyfitit``); otherwise says why not.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from formulae.io import read_sample, read_spectrum
from formulae.xanes import DESCRIPTOR_COLUMNS, descriptor_table, fit_edges, smooth

DATA = Path(os.environ.get("FORMULAE_SHARED_DATA",
                           Path(__file__).resolve().parents[3] / "shared" / "data"))
SAMPLE = DATA / "xanes" / "fesio4" / "sampleWithDescriptors"
EXPERIMENTS = DATA / "xanes" / "fesio4" / "experiments"
PAIRS = (("EdgeE", "efermi_e"), ("Edgeslope", "efermi_slope"), ("MaxE", "max_e"),
         ("Maxint", "max_i"), ("Maxcurv", "max_d2"), ("MinE", "min_e"), ("Minint", "min_i"),
         ("Mincurv", "min_d2"), ("MinE-MaxE", "min_e-max_e"))


def best_time(func, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def speed(sample, repeat):
    energy, spectra = sample.energy, sample.spectra[:2500]
    n = spectra.shape[0]
    t_read = best_time(lambda: read_sample(SAMPLE), repeat)
    print(f"read_sample (2510 spectra + params): {t_read:.2f} s = {2510 / t_read:,.0f} spectra/s")
    rates = {}
    for n_jobs in (1, 2):
        t = best_time(lambda: descriptor_table(energy, spectra, n_jobs=n_jobs), repeat)
        rates[n_jobs] = n / t
        print(f"descriptor_table, {n} spectra, n_jobs={n_jobs}: {t:.3f} s wall = "
              f"{n / t:,.0f} spectra/s (best of {repeat})")
    cpu = []
    for _ in range(repeat):
        start = time.process_time()
        descriptor_table(energy, spectra)
        cpu.append(time.process_time() - start)
    print(f"descriptor_table, n_jobs=1, CPU time of this process: {min(cpu):.3f} s = "
          f"{n / min(cpu):,.0f} spectra/s per core (less sensitive to other users' load)")
    guide = smooth(energy, spectra, 5.0)
    start = time.process_time()
    edges = fit_edges(energy, spectra, guide=guide)
    t_edge = time.process_time() - start
    print(f"of which the edge fit (fit_edges): {t_edge:.3f} s CPU = {100 * t_edge / min(cpu):.0f} %;"
          f" Levenberg-Marquardt iterations mean {edges['n_iter'].mean():.1f}, "
          f"max {edges['n_iter'].max()}")
    return rates


def comparison(sample):
    table = descriptor_table(sample.energy, sample.spectra[:2500])
    p = sample.params
    print("\nagreement with PyFitIt's params.csv (2500 computed spectra)")
    print(f"{'ours':<10} {'PyFitIt':<14} {'|diff|<0.49 eV':>15} {'max|diff|':>10} {'r':>9}")
    for ours, theirs in PAIRS:
        a, b = table[ours], p.column(theirs)[:2500]
        r = np.corrcoef(a, b)[0, 1]
        if ours.endswith("E") or ours == "MinE-MaxE":
            diff = np.abs(a - b)
            print(f"{ours:<10} {theirs:<14} {np.mean(diff < 0.49):>15.4f} {diff.max():>10.3f} "
                  f"{r:>9.5f}")
        else:
            print(f"{ours:<10} {theirs:<14} {'':>15} {'':>10} {r:>9.5f}")
    log = descriptor_table(sample.energy, sample.spectra[:2500], edge_shape="logistic",
                           edge_background="constant")
    diff = np.abs(log["EdgeE"] - p.column("efermi_e")[:2500])
    slope = np.abs(log["Edgeslope"] / p.column("efermi_slope")[:2500] - 1)
    print(f"EdgeE with edge_shape='logistic', edge_background='constant': max |diff| "
          f"{diff.max():.4f} eV, median {np.median(diff):.4f} eV; Edgeslope max relative "
          f"diff {slope.max():.2e}")
    sm = descriptor_table(sample.energy, sample.spectra[:2500], smooth_edge=True)
    diff = np.abs(sm["EdgeE"] - p.column("efermi_e")[:2500])
    shift = np.abs(sm["EdgeE"] - table["EdgeE"])
    print(f"EdgeE with smooth_edge=True: median shift from the default {np.median(shift):.2f} eV;"
          f" within 0.49 eV of efermi_e: {np.mean(diff < 0.49):.3f}")
    print(f"PreedgeE NaN (no pre-edge above the background) in "
          f"{int(np.isnan(table['PreedgeE']).sum())} of 2500 computed spectra")


def noise(n_pairs=200, seed=0):
    rng = np.random.default_rng(seed)
    print(f"\nnoise 0.5 % of the edge step, {n_pairs} pairs of realisations, range 7100-7200 eV:"
          "\nfraction of pairs moving < 0.3 eV / rms difference (eV)")
    keys = ("EdgeE", "MaxE", "MinE", "PreedgeE")
    print(f"{'spectrum':<18}" + "".join(f"{k:>16}" for k in keys) + f"{'EdgeE_stderr':>14}")
    for path in sorted(EXPERIMENTS.iterdir()):
        spectrum = read_spectrum(path)
        keep = (spectrum.energy >= 7100.0) & (spectrum.energy <= 7200.0)
        energy, mu = spectrum.energy[keep], spectrum.mu[keep]
        clean = descriptor_table(energy, mu[None, :], stderr=True)
        step = clean["Edgestep"][0]
        a, b = (descriptor_table(energy, mu + 0.005 * step *
                                 rng.standard_normal((n_pairs, mu.size))) for _ in range(2))
        finite = all(np.isfinite(a[k]).all() and np.isfinite(b[k]).all()
                     for k in DESCRIPTOR_COLUMNS)
        cells = []
        for k in keys:
            d = a[k] - b[k]
            cells.append(f"{np.mean(np.abs(d) < 0.3):.2f} / {np.sqrt(np.mean(d * d)):.2f}")
        print(f"{path.name:<18}" + "".join(f"{c:>16}" for c in cells)
              + f"{clean['EdgeE_stderr'][0]:>14.3f}" + ("" if finite else "  (some NaN)"))


def pyfitit_ratio(sample, our_rate):
    try:
        from pyfitit import descriptor as pyfitit_descriptor  # noqa: F401
    except Exception as exc:  # any import failure: report it, do not fake a ratio
        print(f"\npyfitit ratio: not measured (import pyfitit failed: {type(exc).__name__}: "
              f"{exc}). DESCRIPTORS.md quotes 40-60 spectra/s for PyFitIt's descriptor step "
              "on this machine (not re-measured here).")
        return
    energy, spectra = sample.energy, sample.spectra[:2500]
    start = time.perf_counter()
    pyfitit_descriptor.efermiDescriptor(spectra, energy)
    for kind, interval in (("max", [7120, 7150]), ("min", [7135, 7190])):
        pyfitit_descriptor.stableExtrema(spectra, energy, kind, interval)
    t = time.perf_counter() - start
    print(f"\npyfitit efermiDescriptor + stableExtrema(max, min): {t:.1f} s = "
          f"{2500 / t:,.0f} spectra/s; ratio formulae/pyfitit = {our_rate * t / 2500:.0f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"cores visible: {os.cpu_count()}; load average: {os.getloadavg()}")
    sample = read_sample(SAMPLE)
    rates = speed(sample, args.repeat)
    comparison(sample)
    noise()
    pyfitit_ratio(sample, rates[2])


if __name__ == "__main__":
    main()
