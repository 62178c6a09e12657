"""``formulae simulate CONFIG.toml --out DIR [--n-jobs K] [--npz BASE]``."""

from __future__ import annotations

HELP = "compute XANES training spectra with FDMNES for sampled cluster geometries"


def add_arguments(parser) -> None:
    """Declare the arguments of ``formulae simulate`` (no heavy imports here).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser, filled in place.
    """
    parser.add_argument("config", help="TOML configuration: [fdmnes] settings and [[family]] "
                                       "sections (see docs/data.md)")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="output folder: params.csv + spectra.csv + meta.json (PyFitIt "
                             "layout, convolved spectra), raw/ (unconvoluted), cache/")
    parser.add_argument("--n-jobs", type=int, default=1, metavar="K",
                        help="parallel FDMNES runs (default: 1)")
    parser.add_argument("--npz", default=None, metavar="BASE",
                        help="also write the compact form BASE.npz + BASE.json (as shipped in "
                             "formulae/data)")
    parser.add_argument("--cache", default=None, metavar="DIR",
                        help="cache of finished runs (default: OUT/cache); an interrupted "
                             "run resumes from it")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args) -> int:
    """Run FDMNES on the configured families; write the sample folders (and ``--npz`` files).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of ``formulae simulate``.

    Returns
    -------
    int
        Exit code 0; failures raise :class:`~formulae.errors.FormulaeError`, which
        :func:`formulae.cli.main` turns into exit code 2.
    """
    import time
    from pathlib import Path

    from ..io import write_sample
    from ..sampling import read_config, save_npz, simulate_families

    config = read_config(args.config)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(args.cache) if args.cache else out / "cache"
    n = sum(f.n_structures for f in config["families"])
    print(f"{n} structures in {len(config['families'])} families; cache: {cache}")
    start = time.perf_counter()
    meta = {"config": Path(args.config).name,
            "description": config["config"].get("description", "")}
    sample, raw = simulate_families(config["families"], config["settings"], n_jobs=args.n_jobs,
                                    cache_dir=cache, progress=not args.quiet, meta=meta)
    elapsed = time.perf_counter() - start
    write_sample(out, sample)
    write_sample(out / "raw", raw)
    print(f"{sample.n_spectra} spectra x {sample.energy.size} energies written to {out} "
          f"({sample.meta['n_cached']} from the cache) in {elapsed:.1f} s")
    if args.npz:
        files = save_npz(args.npz, sample, raw)
        print("compact form: " + ", ".join(str(f) for f in files))
    return 0
