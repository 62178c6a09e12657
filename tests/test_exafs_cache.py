"""The build cache of FitSpec.problem(): same answers as an uncached build, fresh state per
copy, and a rebuild whenever a file it reads changes (even a same-size rewrite)."""

import json
import shutil

import numpy as np
import pytest

from formulae.exafs import spec as spec_module
from formulae.exafs.spec import read_chi_file, spec_from_dict

FIT = "cu_1path_r_kaiser"


@pytest.fixture
def cu_spec(shared_data):
    exafs = shared_data / "exafs"
    fits = json.loads((exafs / "larch_reference" / "larch_fits.json").read_text())["fits"]
    return fits[FIT]["spec"], exafs


@pytest.fixture
def tmp_copy(cu_spec, tmp_path):
    """The spec with its chi(k) and FEFF files copied to tmp_path (absolute names)."""
    spec, exafs = cu_spec
    spec = json.loads(json.dumps(spec))
    data = tmp_path / "chi.dat"
    shutil.copy(exafs / spec["data"], data)
    spec["data"] = str(data)
    for i, p in enumerate(spec["paths"]):
        dest = tmp_path / f"feff{i:04d}.dat"
        shutil.copy(exafs / p["file"], dest)
        p["file"] = str(dest)
    return spec, tmp_path


def _values(result):
    return np.array([result.params[n] for n in result.var_names]
                    + [result.stderr[n] for n in result.var_names] + [result.chi_square])


def _uncached(spec, base="."):
    """Build bypassing the caches: the independent route."""
    spec_module._FEFF_CACHE.clear()
    return spec_from_dict(spec, base)._build(None)


def test_cached_build_equals_uncached(cu_spec):
    spec, exafs = cu_spec
    spec_module._PROBLEM_CACHE.clear()
    first = spec_from_dict(spec, exafs).problem().solve()           # fills the cache
    second = spec_from_dict(spec, exafs).problem()                  # from the cache
    assert len(spec_module._PROBLEM_CACHE) == 1
    direct = _uncached(spec, exafs).solve()
    np.testing.assert_array_equal(_values(second.solve()), _values(direct))
    np.testing.assert_array_equal(_values(first), _values(direct))


def test_copies_do_not_share_state(cu_spec):
    spec, exafs = cu_spec
    a = spec_from_dict(spec, exafs).problem()
    b = spec_from_dict(spec, exafs).problem()
    assert a is not b
    expected = _values(b.solve())
    k, chi = read_chi_file(exafs / spec["data"])
    a.set_data(0, k, 0.5 * chi)                  # half the amplitude: S02 halves
    a.x0[0] = 0.7
    res_a = a.solve()
    assert res_a.params["amp"] == pytest.approx(0.5 * b.solve().params["amp"], rel=1e-6)
    c = spec_from_dict(spec, exafs).problem()
    np.testing.assert_array_equal(_values(c.solve()), expected)
    assert c.x0[0] == spec["variables"]["amp"]


def test_changed_data_file_is_reread(tmp_copy):
    spec, _ = tmp_copy
    before = spec_from_dict(spec).problem().solve()
    path = spec["data"]
    k, chi = read_chi_file(path)
    # same size, written right after the fit: only the content tells it apart
    text = open(path).read()
    assert "e-0" in text
    with open(path, "w") as fh:
        fh.write(text.replace("e-0", "e-1"))     # chi / 10 on most lines (same length)
    after = spec_from_dict(spec).problem().solve()
    direct = _uncached(spec).solve()
    np.testing.assert_array_equal(_values(after), _values(direct))
    assert abs(after.params["amp"] - before.params["amp"]) > 0.1 * before.params["amp"]


def test_changed_feff_file_is_reread(tmp_copy):
    spec, _ = tmp_copy
    before = spec_from_dict(spec).problem().solve()
    path = spec["paths"][0]["file"]
    lines = open(path).read().splitlines(keepends=True)
    # scale the amplitude column (3rd) of the table by 2 with the same width: S02 halves
    start = next(i for i, ln in enumerate(lines) if ln.split()[:1] == ["1.000"]
                 and len(ln.split()) == 7)
    for i in range(start, len(lines)):
        w = lines[i].split()
        if len(w) != 7:
            continue
        old = w[2]
        new = f"{2 * float(old):.4E}"
        assert len(new) == len(old)
        lines[i] = lines[i].replace(old, new, 1)
    with open(path, "w") as fh:
        fh.write("".join(lines))
    after = spec_from_dict(spec).problem().solve()
    np.testing.assert_array_equal(_values(after), _values(_uncached(spec).solve()))
    assert after.params["amp"] == pytest.approx(0.5 * before.params["amp"], rel=2e-3)


@pytest.mark.parametrize("size", [0, 1, 4095, 70_000])
def test_file_bytes_reads_the_whole_file(tmp_path, size):
    """The key's file reader (os-level calls) returns exactly the file's bytes."""
    path = tmp_path / "f.bin"
    content = bytes(np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8))
    path.write_bytes(content)
    assert spec_module._file_bytes(path) == content
    with pytest.raises(FileNotFoundError):
        spec_module._file_bytes(tmp_path / "missing.bin")
