"""Labelled results: an xarray Dataset of observables with units and provenance."""

from __future__ import annotations

import datetime as _dt
import json
import platform
from typing import Any

import numpy as np
import xarray as xr

from gutbrain.compile.build import CompiledModel
from gutbrain.engine.single import Solution
from gutbrain.scenario.schedule import Schedule


def observables(model: CompiledModel, schedule: Schedule, sol: Solution) -> np.ndarray:
    """Observable values (time × observable) from the sampled states."""
    out = np.zeros((len(sol.t), len(model.observable_ids)))
    seg = schedule.segment_of(sol.t).astype(np.int64)
    model.module.observe_series(np.ascontiguousarray(sol.t), np.ascontiguousarray(sol.y),
                                np.ascontiguousarray(schedule.params), seg, out)
    return out


def provenance(model: CompiledModel, scenario: dict[str, Any], engine: dict[str, Any],
               params: np.ndarray) -> dict[str, Any]:
    from gutbrain import __version__

    return {
        "gutbrain_version": __version__,
        "model": model.spec.name,
        "model_version": model.spec.version,
        "model_digest": model.digest,
        "scenario": scenario,
        "engine": engine,
        "parameters": {n: float(v) for n, v in zip(model.param_names, params, strict=True)},
        "units": model.observable_units(),
        "python": platform.python_version(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def to_dataset(model: CompiledModel, schedule: Schedule, sol: Solution,
               prov: dict[str, Any], include_states: bool = False) -> xr.Dataset:
    obs = observables(model, schedule, sol)
    data = {}
    for k, o in enumerate(model.spec.observables):
        data[o.id] = xr.Variable(("day",), obs[:, k], {"units": o.unit,
                                                       "description": o.description})
    if include_states:
        for k, s in enumerate(model.spec.species):
            data[f"state_{s.name}"] = xr.Variable(("day",), sol.y[:, k],
                                                  {"units": s.unit,
                                                   "description": s.description})
    ds = xr.Dataset(data, coords={"day": ("day", sol.t, {"units": "d",
                                                         "description": "day 0 = midnight"})})
    ds.attrs["provenance"] = json.dumps(prov)
    ds.attrs["status"] = sol.message
    return ds


def provenance_of(ds: xr.Dataset) -> dict[str, Any]:
    return json.loads(ds.attrs["provenance"])
