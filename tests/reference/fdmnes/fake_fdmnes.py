#!/usr/bin/env python3
"""A stand-in for the FDMNES executable, for tests of the runner (not of the physics).

Reads fdmfile.txt and the input it names, like FDMNES, and writes out.txt and
out_fake_conv.txt in FDMNES's format: mu(E) = 1e-3 * (1 + E_i/100) * d_mean, where d_mean is the
mean distance of the atoms from the first one (so a test can check which input produced which
output), on the grid of the Range line. Behaviour is read from fake.json beside this script
(not from the environment, which joblib's reused worker processes may hold stale):
"mode": ok (default), error (writes a partial out.txt and fdmnes_error.txt, exit 0 like FDMNES), crash (exit code 3),
hang (sleeps), truncate (cuts out.txt in the middle of a line); "counter": a file to which each
call appends a line.
"""
import json
import math
import os
import sys
import time

_conf = os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "fake.json")
conf = json.load(open(_conf)) if os.path.exists(_conf) else {}
mode = conf.get("mode", "ok")
counter = conf.get("counter")
if counter:
    with open(counter, "a") as handle:
        handle.write("run\n")
print(" FDMNES stand-in", flush=True)
name = open("fdmfile.txt").read().split()[1]
lines = [line.strip() for line in open(name)]
rng = [float(v) for v in lines[lines.index("Range") + 1].split()]
grid = [rng[0]]
for k in range(1, len(rng), 2):
    step, stop = rng[k], rng[k + 1]
    start = grid[-1]
    grid += [start + step * i for i in range(1, int(math.floor((stop - start) / step + 1e-6)) + 1)]
i = lines.index("Molecule") + 2
atoms = []
while lines[i]:
    atoms.append([float(v) for v in lines[i].split("!")[0].split()[1:4]])
    i += 1
d = [math.dist(a, atoms[0]) for a in atoms[1:]]
d_mean = sum(d) / len(d)
if mode == "error":  # an out.txt from an earlier stage, then the error
    open("out.txt", "w").write("    Energy    <xanes>\n  -5.0000  1.0000000E-03\n")
    open("fdmnes_error.txt", "w").write("Error in the input file: keyword 'Foo' unknown\n")
    print(" Error in the input file")
    sys.exit(0)
if mode == "crash":
    print(" Segmentation fault (pretend)")
    sys.exit(3)
if mode == "hang":
    time.sleep(60)
rows = [f"{e:10.4f}  {1e-3 * (1 + e / 100) * d_mean:.7E}" for e in grid]
head = ("  7112.000   26  1  1  1.0000000E-03 -2.0000000E+00  0.0000000E+00  1  1  "
        "6.9730000E+03 = E_edge, Z, n_edge, j_edge, Abs_before_edge, VO_interstitial, E_cut, "
        "ninit, ninit1, Epsii\n")
text = head + "    Energy    <xanes>\n" + "\n".join(rows) + "\n"
if mode == "truncate":
    text = text[: len(text) - len(rows[-1]) // 2 - 1]
open("out.txt", "w").write(text)
conv = [f"{e:10.4f}  {2e-3 * (1 + e / 100) * d_mean:.7E}" for e in grid]
if "Convolution" in lines:
    open("out_fake_conv.txt", "w").write("    Energy    <xanes>\n" + "\n".join(conv) + "\n")
print(" Have a beautiful day !")
