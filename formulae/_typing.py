"""Type aliases used in public signatures."""

from __future__ import annotations

from typing import Union

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike
Float1D = npt.NDArray[np.float64]
Float2D = npt.NDArray[np.float64]
PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["ArrayLike", "Float1D", "Float2D", "PathLike"]
