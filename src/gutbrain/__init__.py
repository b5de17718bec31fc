"""gutbrain: simulate the microbiome–gut–brain axis."""

from __future__ import annotations

import os
from typing import Any

# one OpenBLAS thread unless the user chose: numba's threads are the engine's parallelism and
# OpenBLAS's busy-waiting threads slow it ~2x on small machines (see gutbrain.engine.blas)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from gutbrain.errors import EnvironmentProblem, InputError, SolverError

__version__ = "0.1.0"
__all__ = ["EnvironmentProblem", "InputError", "SolverError", "__version__", "simulate"]


def __getattr__(name: str) -> Any:
    """``gutbrain.simulate`` is imported on first use: the numeric stack (numpy, xarray,
    numba) costs seconds, and ``gutbrain --help`` or an error message should not wait."""
    if name == "simulate":
        from gutbrain.api import simulate

        return simulate
    raise AttributeError(f"module 'gutbrain' has no attribute {name!r}")
