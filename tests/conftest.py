"""Shared fixtures. Imports core dependencies only."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _shared_data_dir() -> Path:
    env = os.environ.get("FORMULAE_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


@pytest.fixture
def rng():
    """A seeded generator: the same numbers in every run."""
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the project (or $FORMULAE_SHARED_DATA); skip when absent."""
    path = _shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path} (a user's clone has none; "
                    "set FORMULAE_SHARED_DATA to point at it)")
    return path
