"""Extract the FDMNES Linux binary from a downloaded pyfitit wheel.

Usage: python extract_fdmnes.py WHEELDIR OUTDIR  (prints the binary's path)
"""

import stat
import sys
import zipfile
from pathlib import Path

MEMBER = "pyfitit/bin/fdmnes/fdmnes_linux64"

wheel_dir, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
wheel = sorted(wheel_dir.glob("pyfitit-*.whl"))[-1]
out_dir.mkdir(parents=True, exist_ok=True)
binary = out_dir / "fdmnes_linux64"
with zipfile.ZipFile(wheel) as archive:
    binary.write_bytes(archive.read(MEMBER))
binary.chmod(binary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
print(binary)
