"""Python entry points: ``simulate`` one person through a scenario."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gutbrain.compile.build import compile_model
from gutbrain.engine.donors import person_start
from gutbrain.engine.single import Tolerances, integrate, steady_state
from gutbrain.errors import InputError
from gutbrain.results.dataset import RunResult, provenance, run_result
from gutbrain.scenario.library import resolve_scenario
from gutbrain.scenario.loader import parse_scenario
from gutbrain.scenario.parameters import checked_parameters
from gutbrain.scenario.schedule import build_schedule, person_parameters, sample_times
from gutbrain.scenario.schema import Scenario

if TYPE_CHECKING:
    import xarray as xr


def as_scenario(scenario: Scenario | dict[str, Any] | str | Path) -> Scenario:
    """A scenario object, a dict in the YAML schema, a scenario file, or (as on the command
    line) the name of a built-in scenario (``gutbrain scenarios`` lists them)."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, dict):
        return parse_scenario(scenario)
    return resolve_scenario(scenario)


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


# One run's samples must fit in memory comfortably: states and observables of every sample,
# 8 bytes each, at most this much (a 100-year hourly run is ~0.9 GB).
MAX_SAMPLE_BYTES = 2_000_000_000
MIN_RTOL, MAX_RTOL = 1e-10, 1e-2


def _finite_number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise InputError(f"{name}: expected a number, got {value!r}")
    v = float(value)
    if not np.isfinite(v):
        raise InputError(f"{name}: expected a finite number, got {value!r}")
    return v


def check_run_options(sc: Scenario, *, every_hours: float, rtol: float,
                      names: tuple[str, str] = ("every_hours", "rtol")) -> None:
    """Refuse sampling intervals and tolerances that cannot give a sound run, before any work:
    a non-positive or absurdly fine interval (memory estimate named), a tolerance outside
    [1e-10, 1e-2]."""
    every = _finite_number(every_hours, names[0])
    if every <= 0:
        raise InputError(f"{names[0]}: expected a positive number of hours, got {every_hours}")
    if every > 24.0 * sc.days:
        raise InputError(f"{names[0]}: {every_hours} h is longer than the scenario "
                         f"({sc.days:g} days); expected at most {24.0 * sc.days:g}")
    tol = _finite_number(rtol, names[1])
    if not MIN_RTOL <= tol <= MAX_RTOL:
        raise InputError(f"{names[1]}: expected a relative tolerance in [{MIN_RTOL:g}, "
                         f"{MAX_RTOL:g}], got {rtol}")
    samples = sc.days * 24.0 / every + 2
    from gutbrain.model import build_model

    spec = build_model()
    per_sample = 8 * (len(spec.species) + len(spec.observables))
    need = samples * per_sample
    if need > MAX_SAMPLE_BYTES:
        raise InputError(f"{names[0]}: {every_hours} h over {sc.days:g} days is "
                         f"{samples:,.0f} samples (~{need / 1e9:.1f} GB); the limit is "
                         f"{MAX_SAMPLE_BYTES / 1e9:.0f} GB: sample less often")


def check_initial_state(model: Any, initial_state: Any) -> np.ndarray:
    """A user-given start state: one finite value per state, non-negative where the state
    must be (a wrong length reached the compiled solver and corrupted memory)."""
    try:
        y0 = np.array(initial_state, dtype=float)
    except (TypeError, ValueError):
        raise InputError("initial_state: expected a sequence of numbers") from None
    if y0.shape != (model.n_states,):
        raise InputError(f"initial_state: expected {model.n_states} values (one per state, in "
                         f"the order of the model's state names), got shape {y0.shape}")
    bad = ~np.isfinite(y0)
    if bad.any():
        raise InputError(f"initial_state: {model.state_names[int(np.argmax(bad))]} is not a "
                         "finite number")
    neg = model.nonnegative & (y0 < 0)
    if neg.any():
        raise InputError(f"initial_state: {model.state_names[int(np.argmax(neg))]} is "
                         "negative; expected >= 0")
    return y0


def simulate(scenario: Scenario | dict[str, Any] | str | Path, *, every_hours: float = 1.0,
             rtol: float = 1e-6, include_states: bool = False,
             parameters: dict[str, float] | None = None,
             initial_state: np.ndarray | None = None,
             profile: str | Path | None = None, sample: str | None = None,
             check_ranges: bool = True) -> xr.Dataset:
    """Simulate one person through a scenario and return observables sampled every
    ``every_hours`` (xarray Dataset with units and provenance).

    The person starts from their steady state on the scenario's baseline inputs (person and
    diet, before any intervention: one that starts at day 0 acts from day 0).
    ``profile``/``sample`` (or ``person: {profile: FILE, sample: ID}`` in the scenario) make
    the measured sample's guild composition that steady state.
    ``parameters`` overrides model parameters for both burn-in and scenario (research knobs,
    e.g. ``{"vagal_afferent_gain": 0}``): known names, finite numbers, within each parameter's
    plausible range or 0 (a mechanism switched off); ``check_ranges=False`` admits values
    outside the range for experimental set-ups (e.g. a chemostat held at pH 5.5).
    """
    return simulate_run(scenario, every_hours=every_hours, rtol=rtol,
                        include_states=include_states, parameters=parameters,
                        initial_state=initial_state, profile=profile, sample=sample,
                        check_ranges=check_ranges).to_xarray()


def simulate_run(scenario: Scenario | dict[str, Any] | str | Path, *, every_hours: float = 1.0,
                 rtol: float = 1e-6, include_states: bool = False,
                 parameters: dict[str, float] | None = None,
                 initial_state: np.ndarray | None = None,
                 profile: str | Path | None = None, sample: str | None = None,
                 check_ranges: bool = True) -> RunResult:
    """:func:`simulate` without the Dataset: the run's arrays, units and provenance (what
    ``gutbrain simulate`` writes; xarray is not imported)."""
    sc = as_scenario(scenario)
    check_run_options(sc, every_hours=every_hours, rtol=rtol)
    overrides = checked_parameters(parameters, check_ranges=check_ranges)
    model = compile_model()
    p0 = person_parameters(model, sc)
    for name, value in overrides.items():
        p0[model.param_index(name)] = value
    tol = Tolerances(rtol=rtol)
    person = sc.person
    if profile is None and not isinstance(person, str) and person.profile:
        profile, sample = person.profile, person.sample
    y_personal = None
    if profile is not None:
        if sample is None:
            raise InputError("a profile needs a sample id")
        p0, y_personal = personalised_start(model, p0, measured_guild_shares(profile, sample),
                                            tol)
    given = check_initial_state(model, initial_state) if initial_state is not None else None
    start = given if given is not None else y_personal
    # an autologous FMT banks the state before the first intervention: the given or
    # personalised start, else the person's steady state (computed, and cached, by the schedule)
    schedule = build_schedule(model, sc, p0, state=start)
    if start is not None:
        y0 = start
    else:
        y0 = steady_state(model, schedule.baseline, tol=tol,
                          start=person_start(model, sc.person_name()))
    t_out = sample_times(sc.days, every_hours / 24.0)
    sol = integrate(model, schedule, y0, t_out, tol)
    prov = provenance(model, sc.model_dump(mode="json", by_alias=True),
                      {"name": "tsit5", "rtol": tol.rtol, "atol_scale": tol.atol_scale,
                       "h_max": tol.h_max, "error_norm": tol.norm,
                       "step_windows": list(model.module.STEP_WINDOW_NAMES),
                       "steps": sol.steps, "rejected": sol.rejected,
                       "burn_in_days": 730.0,
                       "profile": {"file": str(profile), "sample": sample} if profile else None},
                      p0)
    return run_result(model, schedule, sol, prov, include_states)
