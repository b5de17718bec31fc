"""The gut–brain model, written declaratively (one module file per mechanism)."""

from __future__ import annotations

import dataclasses
import json
from functools import lru_cache
from importlib.resources import files

from gutbrain.model import (
    barrier,
    brain,
    diet,
    hpa,
    immune,
    microbiota,
    neuroactive,
    tryptophan,
)
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
           "build_model", "calibration_basis", "calibration_targets", "BASES", "MODEL_VERSION",
           "UNCONSTRAINED"]

BASES = ("input", "calibrated", "assumed", "reference")
# appended to the source of a value the provenance screen found no target for
UNCONSTRAINED = "no validation target constrains it"


@lru_cache(maxsize=1)
def build_model() -> ModelSpec:
    """Assemble every module of DESIGN §3.1 into one model specification."""
    modules = [diet.MODULE, microbiota.MODULE, barrier.MODULE, immune.MODULE, hpa.MODULE,
               tryptophan.MODULE, neuroactive.MODULE, brain.MODULE]
    targets = calibration_targets()
    modules = [dataclasses.replace(m, parameters=tuple(_name_targets(p, targets)
                                                       for p in m.parameters))
               for m in modules]
    return ModelSpec(name="gutbrain", version=MODEL_VERSION, modules=modules)


def calibration_targets() -> dict[str, list[str]]:
    """Validation targets each hand-tuned parameter is calibrated against: the targets that
    move when the value moves, as measured by calibration/provenance.py. An empty list: the
    screen found no target that constrains the value (it is an assumption)."""
    text = files("gutbrain.model").joinpath("calibration_targets.json").read_text(encoding="utf-8")
    return json.loads(text)


def calibration_basis(p: Parameter) -> str:
    """Where a value comes from: ``input`` (set by scenarios), ``calibrated`` (fitted or tuned
    to validation targets its source names), ``assumed`` (no validation target constrains it)
    or ``reference`` (a cited measurement or model, or a definition such as a reference value)."""
    if p.kind == "input":
        return "input"
    if UNCONSTRAINED in p.source:
        return "assumed"
    if "calibrated" in p.source.lower():
        return "calibrated"
    return "reference"


def _name_targets(p: Parameter, targets: dict[str, list[str]]) -> Parameter:
    if p.name not in targets:
        return p
    ids = targets[p.name]
    note = (f"calibrated against targets: {', '.join(ids)}" if ids else
            f"{UNCONSTRAINED} (calibration/results_provenance.json)")
    return dataclasses.replace(p, source=f"{p.source}; {note}")
