"""Labelled results: an xarray Dataset of observables with units and provenance.

A run is first a :class:`RunResult` (plain arrays, units, provenance); the Dataset is built from
it on demand. ``gutbrain simulate`` writes the RunResult directly, so the command never imports
xarray (nor the dask and pandas that xarray pulls in): ~0.7-1 s of its start-up (issue #18).
"""

from __future__ import annotations

import datetime as _dt
import json
import platform
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gutbrain.compile.build import CompiledModel
from gutbrain.engine.single import Solution
from gutbrain.scenario.schedule import Schedule

if TYPE_CHECKING:
    import xarray as xr


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


@dataclass
class RunResult:
    """One run's samples as plain arrays: what a Dataset (``to_xarray``) and
    ``results.parquet`` are made of. ``values`` (time x column) holds the observables, in the
    model's order, then (``include_states``) the states as ``state_<name>``."""

    day: np.ndarray
    names: list[str]
    values: np.ndarray
    units: list[str]
    descriptions: list[str]
    provenance: dict[str, Any]
    status: str

    def to_xarray(self) -> xr.Dataset:
        import xarray as xr

        data = {name: xr.Variable(("day",), self.values[:, k],
                                  {"units": unit, "description": desc})
                for k, (name, unit, desc) in enumerate(zip(self.names, self.units,
                                                           self.descriptions, strict=True))}
        ds = xr.Dataset(data, coords={"day": ("day", self.day, {
            "units": "d", "description": "day 0 = midnight"})})
        ds.attrs["provenance"] = json.dumps(self.provenance)
        ds.attrs["status"] = self.status
        return ds


def run_result(model: CompiledModel, schedule: Schedule, sol: Solution,
               prov: dict[str, Any], include_states: bool = False) -> RunResult:
    obs = observables(model, schedule, sol)
    names = [o.id for o in model.spec.observables]
    units = [o.unit for o in model.spec.observables]
    desc = [o.description for o in model.spec.observables]
    values = obs
    if include_states:
        names += [f"state_{s.name}" for s in model.spec.species]
        units += [s.unit for s in model.spec.species]
        desc += [s.description for s in model.spec.species]
        values = np.concatenate([obs, sol.y], axis=1)
    return RunResult(sol.t, names, values, units, desc, prov, sol.message)


def to_dataset(model: CompiledModel, schedule: Schedule, sol: Solution,
               prov: dict[str, Any], include_states: bool = False) -> xr.Dataset:
    return run_result(model, schedule, sol, prov, include_states).to_xarray()


def provenance_of(ds: xr.Dataset) -> dict[str, Any]:
    return json.loads(ds.attrs["provenance"])
