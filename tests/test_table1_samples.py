"""The one reader of labelled samples shared by `formulae table1` and `formulae demo`."""

import numpy as np
import pytest

from formulae.errors import DataError
from formulae.fdmnes import load_default_dataset
from formulae.io import Sample, Table
from formulae.table1 import sample_columns, table1
from formulae.xanes import descriptor_table


def _with_params(sample, **replace):
    columns = {c: sample.params.column(c) for c in sample.params.columns}
    columns.update(replace)
    return Sample(params=Table.from_columns(columns), energy=sample.energy,
                  spectra=sample.spectra, meta={}, path="unlabelled")


def test_table1_on_a_sample_without_labelled_spectra_names_the_problem():
    sample = load_default_dataset()
    empty = _with_params(sample, CN=np.full(sample.params.n_rows, np.nan))
    with pytest.raises(DataError, match="unlabelled: no spectrum has all of CN, avgDist and "
                                        "stdDist"):
        table1(empty, simplify=False)


def test_a_spectrum_without_descriptors_is_named_by_its_row_in_the_sample():
    sample = load_default_dataset()
    # The seeded subset of 100 holds row 210 of the set, whose minimum is beyond the grid.
    with pytest.raises(DataError, match=r"spectrum 210: no minimum") as info:
        sample_columns(sample, n_spectra=100)
    assert info.value.row == 210
    with pytest.raises(DataError, match="spectrum 0: no minimum"):
        descriptor_table(sample.energy, sample.spectra[210:211])
