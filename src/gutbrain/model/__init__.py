"""The gut–brain model, written declaratively (one module file per mechanism)."""

from __future__ import annotations

from functools import lru_cache

from gutbrain.model import barrier, brain, diet, hpa, immune, microbiota, tryptophan
from gutbrain.model.spec import (
    Assignment,
    ModelSpec,
    Module,
    Observable,
    Parameter,
    Species,
)

MODEL_VERSION = "0.1.0"

__all__ = ["Assignment", "Module", "ModelSpec", "Observable", "Parameter", "Species",
           "build_model", "MODEL_VERSION"]


@lru_cache(maxsize=1)
def build_model() -> ModelSpec:
    """Assemble every module of DESIGN §3.1 into one model specification."""
    modules = [diet.MODULE, microbiota.MODULE, barrier.MODULE, immune.MODULE, hpa.MODULE,
               tryptophan.MODULE, brain.MODULE]
    return ModelSpec(name="gutbrain", version=MODEL_VERSION, modules=modules)
