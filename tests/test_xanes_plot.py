"""plot_descriptors draws the edge fit that descriptors() made."""

import numpy as np
import pytest

from formulae.xanes import fit_edge, smooth, step_model
from formulae.xanes.plot import plot_descriptors

pytest.importorskip("matplotlib")

ENERGY = np.linspace(7100.0, 7200.0, 401)
MU = 0.5 + np.arctan((ENERGY - 7125.0) / 2.0) / np.pi \
    + 0.4 * np.exp(-0.5 * ((ENERGY - 7135.0) / 4.0) ** 2) \
    - 0.1 * np.exp(-0.5 * ((ENERGY - 7165.0) / 6.0) ** 2)


@pytest.mark.parametrize("smooth_edge", [False, True])
def test_drawn_step_is_the_descriptors_edge_fit(smooth_edge):
    import matplotlib.pyplot as plt

    d, ax = plot_descriptors(ENERGY, MU, smooth_edge=smooth_edge)
    [step] = [line for line in ax.get_lines() if "step" in str(line.get_label())]
    ys = smooth(ENERGY, MU, 5.0)
    fit = fit_edge(ENERGY, ys if smooth_edge else MU, guide=ys)
    assert fit.e0 == d.edge_energy and fit.slope == d.edge_slope   # the descriptors' fit
    np.testing.assert_array_equal(step.get_ydata(), step_model(
        ENERGY, fit.e0, fit.slope, fit.step, fit.offset, fit.background_slope))
    band = [p for p in ax.patches if p.get_label() == "pre-edge window"]
    assert len(band) == 1
    if hasattr(band[0], "get_width"):   # a Rectangle (matplotlib >= 3.9)
        xs = [band[0].get_x(), band[0].get_x() + band[0].get_width()]
    else:                               # a Polygon
        xs = np.asarray(band[0].get_xy())[:, 0]
    assert min(xs) == pytest.approx(d.edge_energy - 15.0)
    assert max(xs) == pytest.approx(d.edge_energy - 5.0)
    plt.close(ax.figure)
