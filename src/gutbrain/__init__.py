"""gutbrain: simulate the microbiome–gut–brain axis."""

__version__ = "0.1.0"

from gutbrain.api import simulate  # noqa: E402

__all__ = ["simulate", "__version__"]
