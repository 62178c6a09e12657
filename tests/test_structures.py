"""Tests of formulae.structures: geometry checked by independent routes (angles, closed forms)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from formulae.errors import InvalidParameterError
from formulae.structures import (atomic_number, build, geometry_labels, linear, make_cluster,
                                 octahedral, square_pyramidal, tetrahedral, trigonal)


def _bond_angles(cluster):
    v = cluster.positions[1:] - cluster.positions[0]
    u = v / np.linalg.norm(v, axis=1)[:, None]
    return {(i, j): np.degrees(np.arccos(np.clip(u[i] @ u[j], -1, 1)))
            for i, j in itertools.combinations(range(len(u)), 2)}


def test_regular_tetrahedron_angles():
    angles = _bond_angles(tetrahedral(r=1.9))
    # all six L-M-L angles of a regular tetrahedron are arccos(-1/3)
    np.testing.assert_allclose(list(angles.values()), np.degrees(np.arccos(-1 / 3)), atol=1e-6)


def test_regular_octahedron_angles_and_labels():
    c = octahedral(r=2.05)
    angles = sorted(_bond_angles(c).values())
    np.testing.assert_allclose(angles[:12], 90.0, atol=1e-9)   # 12 cis pairs
    np.testing.assert_allclose(angles[12:], 180.0, atol=1e-6)  # 3 trans pairs
    assert c.labels["CN"] == 6 and c.labels["avgDist"] == pytest.approx(2.05)
    assert c.labels["stdDist"] == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("builder, params, n", [
    (linear, dict(r1=1.8, r2=2.0, phi=150.0), 2),
    (trigonal, dict(r1=1.8, r2=2.0, r3=2.3, phi=20.0), 3),
    (tetrahedral, dict(r1=1.9, r2=2.0, r3=2.1, r4=2.2, phi=100.0, psi=80.0), 4),
    (square_pyramidal, dict(r1=1.9, r2=2.0, r3=2.1, r4=2.2, r5=2.3, theta=100.0), 5),
    (octahedral, dict(r1=1.8, r2=1.9, r3=2.0, r4=2.1, r5=2.2, r6=2.3, theta=7.0), 6),
])
def test_distances_and_labels(builder, params, n):
    c = builder(**params)
    r = [params[f"r{i}"] for i in range(1, n + 1)]
    np.testing.assert_allclose(c.distances()[1:], r, atol=1e-12)
    assert c.symbols == ("Fe",) + ("O",) * n and c.labels["CN"] == n
    # closed forms for mean and population standard deviation
    mean = sum(r) / n
    assert c.labels["avgDist"] == pytest.approx(mean, abs=1e-12)
    assert c.labels["stdDist"] == pytest.approx((sum((x - mean) ** 2 for x in r) / n) ** 0.5,
                                                abs=1e-12)
    assert all(c.labels[k] == v for k, v in params.items())


def test_angle_parameters_are_the_geometric_angles():
    angles = _bond_angles(linear(r=2.0, phi=150.0))
    assert angles[(0, 1)] == pytest.approx(150.0)
    angles = _bond_angles(tetrahedral(r=2.0, phi=100.0, psi=80.0))
    assert angles[(0, 1)] == pytest.approx(100.0) and angles[(2, 3)] == pytest.approx(100.0)
    angles = _bond_angles(square_pyramidal(r=2.0, theta=104.0))
    np.testing.assert_allclose([angles[(i, 4)] for i in range(4)], 104.0)
    c = octahedral(r=2.0, theta=7.0)
    elevation = np.degrees(np.arcsin(c.positions[1:5, 2] / 2.0))
    np.testing.assert_allclose(elevation, [7.0, -7.0, 7.0, -7.0])
    c = trigonal(r=2.0, phi=20.0)
    np.testing.assert_allclose(np.degrees(np.arcsin(-c.positions[1:, 2] / 2.0)), 20.0)


def test_geometry_labels_take_the_nearest_neighbours():
    c = make_cluster(["Fe", "O", "O", "Si"], [[0, 0, 0], [2, 0, 0], [0, 1.8, 0], [0, 0, 3.2]])
    assert geometry_labels(c, 2) == {"CN": 2, "avgDist": pytest.approx(1.9),
                                     "stdDist": pytest.approx(0.1)}


def test_geometry_labels_count_between_one_and_all_neighbours():
    from formulae.errors import InvalidParameterError

    c = octahedral(r=2.0)
    assert geometry_labels(c, 6)["CN"] == 6
    for n in (0, 7, 10, 2.5):
        with pytest.raises(InvalidParameterError, match=r"'n' parameter of geometry_labels must "
                                                        r"be an int in \[1, 6\]"):
            geometry_labels(c, n)


def test_build_by_name():
    assert build("octahedral", {"r": 2.0, "metal": "Mn"}).symbols[0] == "Mn"


def test_unknown_element_is_named():
    with pytest.raises(InvalidParameterError, match="unknown element 'Xx'"):
        make_cluster(["Fe", "Xx"], [[0, 0, 0], [0, 0, 2]])
    with pytest.raises(InvalidParameterError, match="unknown element 'fe'"):
        octahedral(r=2.0, metal="fe")
    assert atomic_number("Fe") == 26 and atomic_number(8) == 8


def test_absorber_out_of_range_is_named():
    with pytest.raises(InvalidParameterError, match=r"absorber index 2 is out of range for a "
                                                    r"cluster of 2 atoms \(valid: 0..1\)"):
        make_cluster(["Fe", "O"], [[0, 0, 0], [0, 0, 2]], absorber=2)


def test_close_atoms_are_named():
    with pytest.raises(InvalidParameterError, match=r"atoms 1 \(O\) and 2 \(O\) are 0.400 Å apart"):
        make_cluster(["Fe", "O", "O"], [[0, 0, 0], [0, 0, 2], [0, 0.4, 2]])
    # two ligands squeezed together by a tiny bond angle
    with pytest.raises(InvalidParameterError, match="closer than 0.5 Å"):
        linear(r=0.3, phi=60.0)


def test_bad_builder_parameters_are_named():
    with pytest.raises(InvalidParameterError, match="octahedral needs the distance.*r6"):
        octahedral(r1=2, r2=2, r3=2, r4=2, r5=2)
    with pytest.raises(InvalidParameterError, match="give either r or"):
        octahedral(r=2.0, r1=2.0)
    with pytest.raises(InvalidParameterError, match="unexpected parameter.*r7"):
        octahedral(r=2.0, r7=2.0)
    with pytest.raises(InvalidParameterError, match="'theta' parameter of square_pyramidal"):
        square_pyramidal(r=2.0, theta=170.0)
    with pytest.raises(InvalidParameterError, match="unknown structure builder 'cubic'"):
        build("cubic", {})
    with pytest.raises(InvalidParameterError, match=r"shape \(2, 3\)"):
        make_cluster(["Fe", "O"], [[0, 0, 0]])


def _angle_deg(a, b, c):
    u, v = a - b, c - b
    return np.degrees(np.arccos(u @ v / np.linalg.norm(u) / np.linalg.norm(v)))


def _dihedral_deg(a, b, c, d):
    """Signed dihedral a-b-c-d about the b->c bond (IUPAC sign), degrees in (-180, 180]."""
    axis = (c - b) / np.linalg.norm(c - b)
    v = (a - b) - ((a - b) @ axis) * axis
    w = (d - c) - ((d - c) @ axis) * axis
    return np.degrees(np.arctan2(np.cross(axis, v) @ w, v @ w))


@pytest.mark.parametrize("angle, twist", [(180.0, 0.0), (150.0, 0.0), (135.0, 40.0),
                                          (150.0, -70.0)])
def test_attach_groups_geometry(angle, twist):
    from formulae.structures import attach_groups, tetrahedral_group

    base = octahedral(r1=1.9, r2=2.0, r3=2.1, r4=2.2, r5=1.95, r6=2.05)
    c = attach_groups(base, tetrahedral_group(d=1.62), angle=angle, twist=twist)
    c0 = attach_groups(base, tetrahedral_group(d=1.62), angle=angle, twist=0.0)
    assert c.n_atoms == 7 + 6 * 4 and c.symbols[7:11] == ("Si", "O", "O", "O")
    for k in range(6):
        o = c.positions[1 + k]
        si = c.positions[7 + 4 * k]
        outer = c.positions[8 + 4 * k: 11 + 4 * k]
        assert np.linalg.norm(si - o) == pytest.approx(1.62)
        np.testing.assert_allclose(np.linalg.norm(outer - si, axis=1), 1.62)
        assert _angle_deg(c.positions[0], o, si) == pytest.approx(angle)
        # the group stays a regular tetrahedron: O-Si-O angles arccos(-1/3)
        assert _angle_deg(o, si, outer[0]) == pytest.approx(np.degrees(np.arccos(-1 / 3)))
        if angle != 180.0:  # the twist turns the group about O-Si: absorber-O-Si-O_outer dihedral
            turned = _dihedral_deg(c.positions[0], o, si, outer[0]) \
                - _dihedral_deg(c0.positions[0], c0.positions[1 + k], c0.positions[7 + 4 * k],
                                c0.positions[8 + 4 * k])
            assert (turned - twist + 180.0) % 360.0 - 180.0 == pytest.approx(0.0, abs=1e-9)
    assert c.labels["avgDist"] == base.labels["avgDist"] and c.labels["groupAngle"] == angle
    assert geometry_labels(c, 6)["avgDist"] == pytest.approx(base.labels["avgDist"])


def test_attach_groups_clash_and_bad_group():
    from formulae.structures import attach_groups, tetrahedral_group

    with pytest.raises(InvalidParameterError, match=r"atoms 1 \(O\) and 7 \(Si\) are 0.300 Å"):
        attach_groups(octahedral(r=2.0), tetrahedral_group(d=0.3))
    symbols, positions = tetrahedral_group()
    with pytest.raises(InvalidParameterError, match="must be at the origin"):
        attach_groups(octahedral(r=2.0), (symbols, positions + 1.0))


def test_read_xyz_of_the_reference_study(shared_data):
    from formulae.structures import attach_groups, read_xyz

    symbols, positions = read_xyz(shared_data / "xanes/fesio4/structures/tetra.xyz")
    assert symbols[0] == "Si" and len(symbols) == 5
    # put the bridging O (last line, at the origin) first, as attach_groups expects
    group = (symbols[4:] + symbols[:4], np.vstack([positions[4:], positions[:4]]))
    c = attach_groups(tetrahedral(r=1.9), group)
    assert c.n_atoms == 5 + 4 * 4
    assert np.linalg.norm(c.positions[5] - c.positions[1]) == pytest.approx(1.65765521)
