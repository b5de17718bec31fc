"""Run a target's protocol: one scenario, several named scenarios, or a Python experiment.

Protocol layouts (YAML):

* a scenario mapping (the scenario schema) with optional extra keys ``every_hours``,
  ``parameters`` (model parameter overrides for burn-in and scenario), ``include_states``,
  ``rtol`` and ``apparatus`` (true: an in-vitro emulation whose parameters may leave their
  plausible human ranges); its result is the run named ``main``;
* ``runs: {name: <scenario mapping with the same extra keys>, ...}`` for comparisons;
* ``experiment: <name>`` with ``args: {...}``: a registered Python function (for things a
  scenario cannot express) returning named runs;
* ``trial: {...}``: a virtual randomised trial in the ``gutbrain trial`` spec layout; metrics
  ``trial_contrast`` and ``trial_arm`` read its trial.json.

Runs are cached per process by their JSON key, so targets sharing a protocol simulate once.
"""

from __future__ import annotations

import copy
import json
import math
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import xarray as xr

RUN_KEYS = ("every_hours", "parameters", "include_states", "rtol", "apparatus")
_CACHE: OrderedDict[str, xr.Dataset] = OrderedDict()
_CACHE_MAX = 48

EXPERIMENTS: dict[str, Callable[..., dict[str, xr.Dataset]]] = {}


def experiment(name: str) -> Callable:
    """Register a Python experiment usable as ``protocol: {experiment: name, args: {...}}``."""

    def deco(fn: Callable[..., dict[str, xr.Dataset]]) -> Callable[..., dict[str, xr.Dataset]]:
        EXPERIMENTS[name] = fn
        return fn

    return deco


def split_run(spec: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Separate a run mapping into (scenario mapping, run options)."""
    scen = {k: copy.deepcopy(v) for k, v in spec.items() if k not in RUN_KEYS}
    opts = {k: copy.deepcopy(spec[k]) for k in RUN_KEYS if k in spec}
    scen.setdefault("name", "validation")
    return scen, opts


def run_specs(protocol: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Named run mappings of a scenario protocol (not for experiments)."""
    if "runs" in protocol:
        return dict(protocol["runs"])
    return {"main": protocol}


def run_key(spec: dict[str, Any]) -> str:
    return json.dumps(spec, sort_keys=True, default=str)


def simulate_run(spec: dict[str, Any], initial_state: np.ndarray | None = None) -> xr.Dataset:
    """Simulate one run mapping (cached when no initial state is given)."""
    key = run_key(spec)
    if initial_state is None and key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    from gutbrain.api import simulate

    scen, opts = split_run(spec)
    ds = simulate(scen, every_hours=float(opts.get("every_hours", 1.0)),
                  rtol=float(opts.get("rtol", 1e-6)),
                  include_states=bool(opts.get("include_states", False)),
                  parameters={k: float(v) for k, v in (opts.get("parameters") or {}).items()},
                  initial_state=initial_state,
                  check_ranges=not bool(opts.get("apparatus", False)))
    if initial_state is None:
        _CACHE[key] = ds
        while len(_CACHE) > _CACHE_MAX:
            _CACHE.popitem(last=False)
    return ds


def run_trial_protocol(trial: dict[str, Any]) -> xr.Dataset:
    """A virtual trial (issue #4 spec layout); its trial.json lives in ``attrs['trial']``."""
    from gutbrain.analysis.trial import run_trial
    from gutbrain.analysis.trial_spec import parse_trial

    key = "trial:" + run_key(trial)
    if key not in _CACHE:
        result, _, _ = run_trial(parse_trial(trial, "<validation trial>"))
        _CACHE[key] = xr.Dataset(attrs={"trial": json.dumps(result)})
        while len(_CACHE) > _CACHE_MAX:
            _CACHE.popitem(last=False)
    return _CACHE[key]


def run_protocol(protocol: dict[str, Any]) -> dict[str, xr.Dataset]:
    if "trial" in protocol:
        return {"trial": run_trial_protocol(protocol["trial"])}
    if "experiment" in protocol:
        name = protocol["experiment"]
        if name not in EXPERIMENTS:
            raise KeyError(f"unknown experiment {name!r}; registered: "
                           f"{', '.join(sorted(EXPERIMENTS))}")
        return EXPERIMENTS[name](**(protocol.get("args") or {}))
    return {name: simulate_run(spec) for name, spec in run_specs(protocol).items()}


def clear_cache() -> None:
    _CACHE.clear()


# --- evaluating expressions over a run -------------------------------------------------------

FUNCS: dict[str, Any] = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "cos": np.cos,
                         "sin": np.sin, "pi": math.pi, "abs": np.abs, "minimum": np.minimum,
                         "maximum": np.maximum, "min": min, "max": max, "__builtins__": {}}


def run_parameters(ds: xr.Dataset) -> dict[str, float]:
    cached = ds.attrs.get("_validation_params")
    if cached is None:
        from gutbrain.results.dataset import provenance_of

        cached = provenance_of(ds)["parameters"]
        ds.attrs["_validation_params"] = cached
    return cached


def _assignment_code() -> dict[str, Any]:
    global _ASSIGN
    try:
        return _ASSIGN
    except NameError:
        from gutbrain.model import build_model

        _ASSIGN = {a.name: compile(a.expr, f"<assignment {a.name}>", "eval")
                   for a in build_model().assignments}
        return _ASSIGN


class _ModelNamespace(dict):
    """States, parameters, time and (lazily) the model's own assignments for one run."""

    def __init__(self, ds: xr.Dataset):
        super().__init__(run_parameters(ds))
        self.ds = ds
        self["t"] = ds["day"].values

    def __missing__(self, key: str) -> Any:
        if f"state_{key}" in self.ds:
            v = self.ds[f"state_{key}"].values
        else:
            code = _assignment_code().get(key)
            if code is None:
                raise KeyError(key)
            v = eval(code, FUNCS, self)  # noqa: S307 - the model's own declared expressions
        self[key] = v
        return v


class RunNamespace(dict):
    """Names usable in a target's ``var`` expressions: observables first, then model
    states, parameters and assignments (assignments need ``include_states: true``)."""

    def __init__(self, ds: xr.Dataset):
        super().__init__()
        self.ds = ds
        self._model = _ModelNamespace(ds)
        self["day"] = ds["day"].values

    def __missing__(self, key: str) -> Any:
        if key in self.ds.data_vars:
            v = self.ds[key].values
        else:
            try:
                v = self._model[key]
            except KeyError:
                hint = ""
                if key in _assignment_code():
                    hint = " (a model assignment: add include_states: true to the run)"
                raise NameError(f"unknown name {key!r} in a target expression{hint}") from None
        self[key] = v
        return v


def evaluate(ds: xr.Dataset, expr: str) -> np.ndarray:
    """Evaluate an expression over a run; returns an array over ``day``."""
    ns = RunNamespace(ds)
    try:
        val = eval(compile(expr, "<target expression>", "eval"), FUNCS, ns)  # noqa: S307
    except KeyError as exc:  # a lazily evaluated assignment needed a missing state
        raise NameError(f"cannot evaluate {expr!r}: {exc} is unknown (assignments need "
                        "include_states: true)") from None
    arr = np.asarray(val, dtype=float)
    if arr.ndim == 0:
        arr = np.full(ds.sizes["day"], float(arr))
    return arr


# --- experiments ------------------------------------------------------------------------------

@experiment("microbe_free")
def microbe_free(days: float = 7.0, every_hours: float = 1.0,
                 diet: Any = None) -> dict[str, xr.Dataset]:
    """Conventional vs microbe-free gut from the same healthy steady state.

    "Microbe-free": every guild's biomass set to 1e-300 g/L (a numerical zero that keeps
    relative abundances defined: the model divides by total biomass) with spore-forming
    Clostridia exactly 0, SCFA set to 0, immigration and fermented food off. At 30/d the
    guilds would need about three weeks to regrow from 1e-300, so days 5-7 are a germ-free
    state for the fast host variables (gut 5-HT relaxes in ~0.5 d). The solver holds decaying
    states at its TINY_FLOOR (engine/tsit5.py, 1e-300), never above this start.
    """
    from gutbrain.compile.build import compile_model
    from gutbrain.model.microbiota import GUILD_NAMES

    model = compile_model()
    diet = diet or {"base": "western", "fermented_servings": 0}
    spec = {"name": "conventional", "days": days, "diet": diet, "every_hours": every_hours,
            "include_states": True}
    conv = simulate_run(spec)
    y0 = np.array([float(conv[f"state_{s}"].isel(day=0)) for s in model.state_names])
    for g in GUILD_NAMES:
        y0[model.state_index(f"B_{g}")] = 0.0 if g == "spore_formers" else 1e-300
    for s in ("acetate", "propionate", "butyrate"):
        y0[model.state_index(s)] = 0.0
    gf_spec = dict(spec, name="microbe_free", parameters={"imm_total": 0.0})
    gf = simulate_run(gf_spec, initial_state=y0)
    return {"conventional": conv, "microbe_free": gf}


__all__ = ["EXPERIMENTS", "experiment", "run_protocol", "simulate_run", "evaluate",
           "run_parameters", "run_specs", "split_run", "clear_cache", "RUN_KEYS"]
