"""gutbrain: simulate the microbiome–gut–brain axis."""

from __future__ import annotations

from typing import Any

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
