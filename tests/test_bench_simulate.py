"""``tests/benchmarks/bench_simulate.py`` builds its structures as the config says."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent / "benchmarks" / "bench_simulate.py"

SECOND_SHELL = """
[[family]]
name = "FeSiO4"
builder = "octahedral"
n = 3
seed = 2
groups = { center = "Si", d = 1.62 }
fixed = { r = 2.0 }
ranges = { group_angle = [140, 170] }
"""


@pytest.fixture
def bench(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_simulate", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    config = tmp_path / "c.toml"
    settings = module.CONFIG.read_text(encoding="utf-8").split("[[family]]")[0]  # [fdmnes]
    config.write_text(settings + SECOND_SHELL, encoding="utf-8")
    monkeypatch.setattr(module, "CONFIG", config)
    monkeypatch.setattr(module, "locate_fdmnes", lambda: "fdmnes")
    built = []
    monkeypatch.setattr(module, "simulate_clusters",
                        lambda clusters, settings, **kw: built.extend(clusters))
    module.built = built
    return module


def test_bench_keeps_the_family_groups(bench, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["bench", "--n", "2", "--n-jobs", "1",
                                      "--family", "FeSiO4"])
    bench.main()
    assert [c.n_atoms for c in bench.built] == [31, 31]      # the SiO4 groups are attached
    assert "family FeSiO4: 2 structures" in capsys.readouterr().out


def test_bench_unknown_family_names_the_known_ones(bench, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["bench", "--family", "FeO7"])
    with pytest.raises(SystemExit, match="unknown --family 'FeO7'; c.toml has FeSiO4$"):
        bench.main()
