"""Python entry points: ``simulate`` one person through a scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from gutbrain.compile.build import compile_model
from gutbrain.engine.single import Tolerances, integrate, steady_state
from gutbrain.results.dataset import provenance, to_dataset
from gutbrain.scenario.loader import load_scenario, parse_scenario
from gutbrain.scenario.schedule import build_schedule, person_parameters
from gutbrain.scenario.schema import Scenario


def as_scenario(scenario: Scenario | dict[str, Any] | str | Path) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, dict):
        return parse_scenario(scenario)
    return load_scenario(scenario)


def measured_guild_shares(profile: str | Path, sample: str) -> dict[str, float]:
    """Guild shares (over mapped taxa) of one sample of a measured taxonomic table."""
    from gutbrain.profiles._io import ProfileError
    from gutbrain.profiles.guilds import guild_profile
    from gutbrain.profiles.readers import read_profile

    guilds, unmapped = guild_profile(read_profile(profile), normalize="mapped")
    columns = {str(c): c for c in guilds.columns}
    key = sample if sample in columns else sample.replace("-", ".")
    if key not in columns:
        raise ProfileError(f"{profile}: sample {sample!r} not found; expected one of "
                           f"{', '.join(list(columns)[:8])}{' ...' if len(columns) > 8 else ''}")
    return {g: float(v) for g, v in guilds[columns[key]].fillna(0.0).items()}


def personalised_start(model, params: np.ndarray, shares: dict[str, float],
                       tol: Tolerances) -> tuple[np.ndarray, np.ndarray]:
    """Parameters and steady state of a person whose guilds match a measured sample."""
    from gutbrain.scenario.personalise import personalise_parameters

    y = steady_state(model, params, tol=tol)
    p = params
    for _ in range(2):  # the host (inflammation, stress) settles with the new community
        p, y_start = personalise_parameters(model, params, y, shares)
        y = steady_state(model, p, tol=tol, start=y_start)
    return p, y


def simulate(scenario: Scenario | dict[str, Any] | str | Path, *, every_hours: float = 1.0,
             rtol: float = 1e-6, include_states: bool = False,
             parameters: dict[str, float] | None = None,
             initial_state: np.ndarray | None = None,
             profile: str | Path | None = None, sample: str | None = None) -> xr.Dataset:
    """Simulate one person through a scenario and return observables sampled every
    ``every_hours`` (xarray Dataset with units and provenance).

    The person starts from their steady state on the scenario's baseline (t = 0) inputs.
    ``profile``/``sample`` (or ``person: {profile: FILE, sample: ID}`` in the scenario) make
    the measured sample's guild composition that steady state.
    ``parameters`` overrides model parameters for both burn-in and scenario (research knobs,
    e.g. ``{"vagal_afferent_gain": 0}``).
    """
    sc = as_scenario(scenario)
    model = compile_model()
    p0 = person_parameters(model, sc)
    for name, value in (parameters or {}).items():
        p0[model.param_index(name)] = value
    tol = Tolerances(rtol=rtol)
    person = sc.person
    if profile is None and not isinstance(person, str) and person.profile:
        profile, sample = person.profile, person.sample
    y_personal = None
    if profile is not None:
        if sample is None:
            raise ValueError("a profile needs a sample id")
        p0, y_personal = personalised_start(model, p0, measured_guild_shares(profile, sample),
                                            tol)
    schedule = build_schedule(model, sc, p0)
    if initial_state is not None:
        y0 = np.asarray(initial_state, float)
    elif y_personal is not None:
        y0 = y_personal
    else:
        y0 = steady_state(model, schedule.baseline, tol=tol)
    step = every_hours / 24.0
    t_out = np.arange(0.0, sc.days + 0.5 * step, step)
    t_out = t_out[t_out <= sc.days + 1e-9]
    sol = integrate(model, schedule, y0, t_out, tol)
    prov = provenance(model, sc.model_dump(mode="json", by_alias=True),
                      {"name": "tsit5", "rtol": tol.rtol, "atol_scale": tol.atol_scale,
                       "h_max": tol.h_max, "error_norm": tol.norm,
                       "step_windows": list(model.module.STEP_WINDOW_NAMES),
                       "steps": sol.steps, "rejected": sol.rejected,
                       "burn_in_days": 730.0,
                       "profile": {"file": str(profile), "sample": sample} if profile else None},
                      p0)
    return to_dataset(model, schedule, sol, prov, include_states)
