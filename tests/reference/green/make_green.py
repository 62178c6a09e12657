"""Green-mode FDMNES recalculations of structures of the Fe(SiO4)N set (docs/green_validation.md).

Three steps, run from the project root:

    FDMNES=/path/to/fdmnes nice -n 10 python tests/reference/green/make_green.py run --per-n 12
    FDMNES=/path/to/fdmnes python tests/reference/green/make_green.py sample --per-n 12 --complete-rounds
    python tests/reference/green/make_green.py compare --out /tmp/green_cmp

``run`` computes, two at a time, the Green-mode spectra of a seeded selection of structures
(round robin over N = 2..6, so a partial batch stays balanced) and caches them (by input text
and FDMNES build) in --cache. ``sample`` turns the finished ones into a sample in the shared layout, processed
exactly as the stored spectra (formulae.fesio4.study_spectrum) after putting them on the
study's absolute energy scale (see ``epsii_offset``). ``compare`` computes formulae's
descriptors of these spectra and of the stored finite-difference spectra of the same
structures, prints the paired shifts, and writes the CSV tables used by
``formulae search --validate``.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from formulae.fdmnes import (FdmnesSettings, input_key, locate_fdmnes, read_output, run_fdmnes,
                             write_input)
from formulae.fesio4 import (PARAMETERS, build_fesio4, load_templates, read_params,
                             study_spectrum)

ROOT = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("FORMULAE_SHARED_DATA", ROOT.parents[2].parent / "shared" / "data"))
DATA = SHARED / "xanes" / "fesio4"
# the study's calculation (PROVENANCE.md), in Green mode: radius 5 Å, no SCF, no convolution.
# The study's Range ends at 130 eV; 129 is used here (formulae.fdmnes.energy_grid does not count
# the extra end point FDMNES adds when the last step does not land on it); processed spectra
# stop at 7200 eV, far below either end.
SETTINGS = FdmnesSettings(radius=5.0, mode="green", convolution=None, timeout=900.0,
                          energy_range=(-5, 0.1, 18, 0.5, 30, 2, 54, 3, 129))
LABELS = ("CN", "avgDist", "stdDist")
DESCRIPTORS = ("EdgeE", "Edgeslope", "MaxE", "Maxint", "Maxcurv", "MinE", "Minint", "Mincurv")


def selection(per_n, seed=0):
    """(N, row) pairs: a seeded permutation of each N's 500 rows, taken round robin over N."""
    rng = np.random.default_rng(seed)
    chosen = {n: rng.permutation(500)[:per_n] for n in range(2, 7)}
    return [(n, int(chosen[n][k])) for k in range(per_n) for n in range(2, 7)]


def clusters(pairs):
    templates = load_templates(DATA / "structures")
    params = {n: read_params(DATA / "samples" / f"sample{n}" / "params.txt", n) for n in PARAMETERS}
    return [build_fesio4(n, {k: v[i] for k, v in params[n].items()}, templates) for n, i in pairs]


def _one(cluster, cache):
    t = time.time()
    result = run_fdmnes(cluster, SETTINGS, cache_dir=cache)
    return time.time() - t, result.cached


def cmd_run(args):
    from joblib import Parallel, delayed

    pairs = selection(args.per_n)
    jobs = (delayed(_one)(c, args.cache) for c in clusters(pairs))
    for (n, i), (seconds, cached) in zip(pairs, Parallel(n_jobs=2, return_as="generator")(jobs)):
        print(f"N={n} row {i}: {seconds:.1f} s{' (cached)' if cached else ''}", flush=True)


def stored_raw_start(n):
    """First energy of the stored raw grid of N (the median over the study's runs of E + Epsii)."""
    with open(DATA / "samples" / f"sample{n}" / "spectra.txt") as handle:
        return float(handle.readline().split()[0][2:])


def stored_processed():
    table = np.array([[float(v) for v in line.split("\t")] for line in
                      (DATA / "sampleWithDescriptors" / "spectra.csv").read_text().splitlines()])
    from formulae.io import read_table

    params = read_table(DATA / "sampleWithDescriptors" / "params.csv")
    names = [str(v) for v in params.column("name")]
    return table[:, 0], table[:, 1:], names


def cmd_sample(args):
    from formulae.io import Sample, Table, write_sample

    pairs, found = selection(args.per_n), []
    build = locate_fdmnes()                        # the cache is keyed by text and build
    for (n, i), cluster in zip(pairs, clusters(pairs)):
        out = Path(args.cache) / f"{input_key(write_input(cluster, SETTINGS), build)}.out.txt"
        if out.is_file():
            r = read_output(out)
            found.append((n, i, cluster, r["energy"], r["mu"], r["header"]["Epsii"]))
    if args.complete_rounds:                       # keep whole rounds (one structure per N)
        done = {(n, i) for n, i, *_ in found}
        rounds = 0
        while rounds < args.per_n and all(p in done for p in pairs[5 * rounds:5 * rounds + 5]):
            rounds += 1
        keep = set(pairs[:5 * rounds])
        found = [f for f in found if (f[0], f[1]) in keep]
    if not found:
        raise SystemExit(f"no finished run in {args.cache} (for --complete-rounds: no whole round)")
    # This FDMNES revision's Epsii is ~291.6 eV below the study's revision's (whose E + Epsii
    # the stored raw grids are): one constant, the median over the runs of the difference
    # between the stored grid's start (E = -5 eV) and this run's Epsii, puts them on the
    # study's scale; each run keeps its own Epsii (its chemical shift).
    offsets = [stored_raw_start(n) + 5.0 - epsii for n, _, _, _, _, epsii in found]
    offset = float(np.median(offsets))
    energy_out, _, _ = stored_processed()
    spectra = np.array([study_spectrum(e + epsii + offset, mu, n, energy_out)
                        for n, _, _, e, mu, epsii in found])
    columns = {c: np.array([f[2].labels[c] for f in found], float) for c in LABELS}
    columns["name"] = np.array([f"cn{n}_{i}" for n, i, *_ in found], dtype=object)
    meta = {"what": "Green-mode FDMNES spectra of structures of the shared Fe(SiO4)N set, "
                    "processed as the stored ones (formulae.fesio4.study_spectrum)",
            "settings": SETTINGS.to_dict(), "epsii_offset_eV": round(offset, 4),
            "per_n_offset_medians_eV": {n: round(float(np.median([o for o, f in zip(offsets, found)
                                                                  if f[0] == n])), 4)
                                        for n in PARAMETERS if any(f[0] == n for f in found)},
            "made_by": "tests/reference/green/make_green.py sample"}
    write_sample(args.out, Sample(params=Table.from_columns(columns), energy=energy_out,
                                  spectra=np.round(spectra, 7), meta=meta))
    counts = ", ".join(f"N={n}: {sum(f[0] == n for f in found)}" for n in PARAMETERS)
    print(f"{len(found)} spectra ({counts}) -> {args.out}; Epsii offset {offset:.3f} eV "
          f"(per-N medians {meta['per_n_offset_medians_eV']})")


def cmd_compare(args):
    from formulae.io import Sample, Table, read_sample, write_sample, write_table
    from formulae.table1 import sample_columns

    green = read_sample(args.sample)
    names = [str(v) for v in green.params.column("name")]
    energy, table, all_names = stored_processed()
    fd = np.array([table[:, all_names.index(name)] for name in names])
    out = Path(args.out)
    params = Table.from_columns({**{c: green.params.column(c) for c in LABELS},
                                 "name": np.array(names, dtype=object)})
    write_sample(out / "fd_same", Sample(params=params, energy=energy, spectra=fd))
    r = np.array([np.corrcoef(g, f)[0, 1] for g, f in zip(green.spectra, fd)])
    wl = green.spectra.max(axis=1) / fd.max(axis=1)
    print(f"{len(names)} structures; Green vs stored FD spectra: correlation median "
          f"{np.median(r):.4f} "
          f"(min {r.min():.4f}); white-line height ratio median {np.median(wl):.3f} "
          f"(range {wl.min():.3f}-{wl.max():.3f})")
    cols = {"green": sample_columns(green), "fd_same": sample_columns(out / "fd_same"),
            "fd_all": sample_columns(DATA / "sampleWithDescriptors")}
    derived = {"MinE-MaxE": ("MinE", "MaxE"), "MaxE-EdgeE": ("MaxE", "EdgeE")}
    print(f"\npaired shifts, Green - FD, same structures (sd: of the 2500 stored FD values)")
    print(f"{'descriptor':11s} {'unit':>6s} {'sd (FD)':>9s} {'mean shift':>10s} {'in sd':>6s} "
          f"{'median':>9s} {'sd of shift':>11s} {'min':>9s} {'max':>9s}")
    units = {"EdgeE": "eV", "MaxE": "eV", "MinE": "eV", "Edgeslope": "1/eV", "Maxint": "",
             "Minint": "", "Maxcurv": "1/eV2", "Mincurv": "1/eV2", "MinE-MaxE": "eV",
             "MaxE-EdgeE": "eV"}
    summary = {}
    for name in DESCRIPTORS + tuple(derived):
        def get(c):
            return c[name] if name in c else c[derived[name][0]] - c[derived[name][1]]
        d, sd = get(cols["green"]) - get(cols["fd_same"]), np.std(get(cols["fd_all"]))
        summary[name] = {"mean": float(d.mean()), "median": float(np.median(d)),
                         "sd": float(d.std(ddof=1)), "train_sd": float(sd)}
        print(f"{name:11s} {units[name]:>6s} {sd:9.3g} {d.mean():10.3g} {d.mean() / sd:6.2f} "
              f"{np.median(d):9.3g} {d.std(ddof=1):11.3g} {d.min():9.3g} {d.max():9.3g}")
    for key, c in cols.items():
        table = {k: c[k] for k in LABELS + DESCRIPTORS}
        table.update({"MinE_MaxE": c["MinE"] - c["MaxE"], "MaxE_EdgeE": c["MaxE"] - c["EdgeE"]})
        write_table(out / f"{key}.csv", table)
    (out / "shifts.json").write_text(json.dumps(summary, indent=1))
    print(f"\nwrote {out}/green.csv, fd_same.csv, fd_all.csv, fd_same/, shifts.json")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("run")
    p.add_argument("--per-n", type=int, default=12)
    p.add_argument("--cache", default="/tmp/green/cache")
    p = sub.add_parser("sample")
    p.add_argument("--per-n", type=int, default=12)
    p.add_argument("--cache", default="/tmp/green/cache")
    p.add_argument("--out", default=str(ROOT / "sample"))
    p.add_argument("--complete-rounds", action="store_true",
                   help="keep only whole rounds (the same number of structures per N)")
    p = sub.add_parser("compare")
    p.add_argument("--sample", default=str(ROOT / "sample"))
    p.add_argument("--out", default="green_compare")
    args = parser.parse_args(argv)
    {"run": cmd_run, "sample": cmd_sample, "compare": cmd_compare}[args.cmd](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
