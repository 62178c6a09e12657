"""Spectra per minute of formulae.sampling.simulate_clusters with the real FDMNES.

    python tests/benchmarks/bench_simulate.py [--n 50] [--n-jobs 2] [--family FeO6]

Builds ``--n`` structures of one family of formulae/data/fe_o_default.toml (its own Latin
hypercube, seed 0), runs them without a cache, and prints the rate next to the reference
figure of issue 6 (one regular FeO6 Green run, radius 4.5 Å, −15…60 eV: about 1.5 s, i.e.
40 spectra per minute per core) as a ratio.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from formulae.fdmnes import locate_fdmnes
from formulae.sampling import latin_hypercube, read_config, simulate_clusters

CONFIG = Path(__file__).resolve().parents[2] / "formulae" / "data" / "fe_o_default.toml"
REFERENCE_PER_CORE = 60 / 1.5  # spectra per minute per core (issue 6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--family", default="FeO6", help="FeO4, FeO5, FeO6 or natoli")
    args = parser.parse_args()

    config = read_config(CONFIG)
    families = {f.name: f for f in config["families"]}
    if args.family not in families:
        raise SystemExit(f"unknown --family {args.family!r}; {CONFIG.name} has "
                         f"{', '.join(families)}")
    family = families[args.family]
    spec = next(f for f in config["config"]["family"] if f["name"] == args.family)
    if "ranges" in spec:
        rows = latin_hypercube(spec["ranges"], args.n, seed=0)
    else:
        import numpy as np

        rows = {"r": np.linspace(spec["sweep"]["start"], spec["sweep"]["stop"], args.n)}
    clusters = dataclasses.replace(family, rows=rows).clusters()
    settings = config["settings"]
    exe = locate_fdmnes()
    with tempfile.TemporaryDirectory() as work:
        start = time.perf_counter()
        simulate_clusters(clusters, settings, n_jobs=args.n_jobs, executable=exe, workdir=work)
        elapsed = time.perf_counter() - start
    rate = len(clusters) / elapsed * 60
    reference = REFERENCE_PER_CORE * args.n_jobs
    print(f"FDMNES {exe}")
    print(f"family {family.name}: {len(clusters)} structures, n_jobs={args.n_jobs}, "
          f"radius {settings.radius} Å, range {settings.energy_range}")
    print(f"elapsed {elapsed:.1f} s -> {rate:.1f} spectra/min "
          f"({elapsed / len(clusters) * args.n_jobs:.2f} s per run per worker)")
    print(f"ratio to the reference ({reference:.0f}/min for {args.n_jobs} x 1.5 s runs): "
          f"{rate / reference:.2f}")


if __name__ == "__main__":
    main()
