"""Virtual cohorts: a population lives through one scenario; daily observables stream to
Parquet chunks (``OUT/chunks/*.parquet``, long format: person, day, observables)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gutbrain.analysis.chunks import claim_chunk_dir, run_chunks, run_digest
from gutbrain.analysis.population import (
    COHORT_NORM,
    COHORT_RTOL,
    LIFE_EVENT_STREAM,
    add_life_event_boluses,
    check_population_size,
    cohort_tolerances,
    persons_life_events,
    population,
    population_constants,
)
from gutbrain.compile.build import compile_model
from gutbrain.engine.batch import integrate_batch, observe_batch
from gutbrain.errors import InputError
from gutbrain.scenario.schedule import build_schedule, sample_times
from gutbrain.scenario.schema import Scenario

DEFAULT_OBSERVABLES = ("phq9", "gad7", "cortisol", "il6", "crp", "butyrate", "shannon",
                       "barrier_integrity", "trp_plasma", "neurodegeneration_risk")
CHUNK = 256
CHUNKS_IN_FLIGHT = 2  # in-process chunks at once (see trial.CHUNKS_IN_FLIGHT)
MAX_COHORT_BYTES = 8e9  # output rows x observables x 4 bytes (float32)


def with_life_events(model, scheds, persons: np.ndarray, seed: int, days: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The chunk's shared schedule cut at each person's background life events (the trials'
    stream, drawn from the same per-person generators), with each event a bolus of
    life_event_stress on its day: (grid, parameters person x segment, boluses)."""
    bounds = scheds[0].boundaries
    events = persons_life_events(persons, seed, days)
    grid = np.unique(np.concatenate([bounds, *(d for d, _ in events)]))
    mids = 0.5 * (grid[:-1] + grid[1:])
    P = np.stack([s.params for s in scheds])[:, scheds[0].segment_of(mids)]
    bolus = np.stack([s.bolus for s in scheds])
    B = np.zeros((len(scheds), len(mids), model.n_states))
    B[:, np.searchsorted(grid, bounds[:-1])] = bolus
    add_life_event_boluses(B, grid, events, model.state_index("life_event_stress"))
    return grid, P, B


def cohort_chunk(scenario_json: str, persons: np.ndarray, params: np.ndarray,
                 state: np.ndarray, every_days: float, observables: tuple[str, ...],
                 rtol: float, life_events_seed: int | None = None) -> pd.DataFrame:
    """Daily observables of a chunk of persons, with each person's status and reason ("ok"
    or why their simulation failed; their values are NaN from that day on).
    ``life_events_seed``: everyone meets the background life-event stream (None: nobody)."""
    model = compile_model()
    sc = Scenario.model_validate_json(scenario_json)
    # each person's burned-in state is what an autologous FMT banks
    scheds = [build_schedule(model, sc, p, state=y) for p, y in zip(params, state, strict=True)]
    t = sample_times(sc.days, every_days)
    if life_events_seed is None:
        grid = scheds[0].boundaries
        P = np.stack([s.params for s in scheds])
        B = np.stack([s.bolus for s in scheds])
    else:
        grid, P, B = with_life_events(model, scheds, persons, life_events_seed, sc.days)
    sol = integrate_batch(model, grid, P, B, state, t, cohort_tolerances(rtol))
    obs = observe_batch(model, sol, grid, P)
    cols = [model.observable_ids.index(o) for o in observables]
    n, m = len(persons), len(t)
    df = pd.DataFrame({"person": np.repeat(persons, m), "day": np.tile(t, n)})
    for o, c in zip(observables, cols, strict=True):
        df[o] = obs[:, :, c].reshape(-1).astype(np.float32)
    df["status"] = np.repeat(sol.status, m).astype(np.int8)
    df["reason"] = pd.Categorical(np.repeat(sol.messages(model), m))
    return df


def cohort_population_args(scenario: Scenario) -> dict[str, Any]:
    """What of the scenario's person and diet a cohort applies to every sampled person: the
    person's preset overrides and the scenario's parameters are fixed for everyone (over
    sampled traits),
    the diet (a preset or a mapping) is everyone's baseline diet."""
    fixed = {**scenario.person_overrides(), **scenario.parameters}
    return {"diet": scenario.diet, "parameters": fixed or None}


def check_cohort_options(scenario: Scenario, n: int, every_days: float,
                         observables: tuple[str, ...]) -> None:
    """Refuse what cannot give a sound cohort, before any simulation (sizes named)."""
    from gutbrain.engine.donors import GERM_FREE

    if scenario.person_name() == GERM_FREE:
        raise InputError("person: the germ_free preset starts without microbes, but cohorts "
                         "burn in from a conventional reference person; simulate germ-free "
                         "persons one by one (gutbrain simulate)")
    model = compile_model()
    unknown = [o for o in observables if o not in model.observable_ids]
    if unknown:
        raise InputError(f"unknown observables {unknown}; see `gutbrain observables`")
    check_population_size(n)
    if isinstance(every_days, bool) or not np.isfinite(every_days) or every_days <= 0:
        raise InputError(f"--every-days: expected a positive number of days, got {every_days}")
    if every_days > scenario.days:
        raise InputError(f"--every-days: {every_days:g} is longer than the scenario "
                         f"({scenario.days:g} days)")
    samples = (scenario.days / every_days + 2) * n
    if samples * len(observables) * 4 > MAX_COHORT_BYTES:
        raise InputError(f"{n:,} persons sampled every {every_days:g} days over "
                         f"{scenario.days:g} days are {samples:,.0f} rows (~"
                         f"{samples * len(observables) * 4 / 1e9:.0f} GB of output); the limit "
                         f"is {MAX_COHORT_BYTES / 1e9:.0f} GB: sample less often or take fewer "
                         "persons")
    if not isinstance(scenario.person, str) and scenario.person.profile:
        raise InputError("person.profile: a cohort samples its persons from --population; a "
                         "measured profile personalises one person (use `gutbrain simulate`)")


def run_cohort(scenario: Scenario, preset: str = "general", n: int = 1000, seed: int = 0,
               out: str | Path = "gutbrain-cohort", every_days: float = 1.0,
               observables: tuple[str, ...] = DEFAULT_OBSERVABLES,
               workers: int | None = None, scheduler: str | None = None,
               rtol: float = COHORT_RTOL, progress=None,
               overwrite: bool = False, life_events: bool = False) -> dict[str, Any]:
    """Simulate n persons of a population preset through a scenario, streaming to Parquet.
    The scenario's person overrides and diet apply to everyone (cohort_population_args).
    ``life_events``: everyone meets the background life-event stream, before screening and
    through the scenario, as in trials (the population norms are met with it)."""
    check_cohort_options(scenario, n, every_days, observables)
    outdir = Path(out)
    sc_json = scenario.model_dump_json(by_alias=True)
    digest = run_digest({"kind": "cohort", "scenario": json.loads(sc_json), "preset": preset,
                         "n": n, "seed": seed, "every_days": every_days,
                         "observables": list(observables), "rtol": rtol, "chunk": CHUNK,
                         "life_events": life_events, "population": population_constants()})
    claim_chunk_dir(outdir, digest, "cohort", overwrite)  # refuse a foreign folder up front
    pop = population(preset, n, seed, rtol=rtol, background_life_events=life_events,
                     **cohort_population_args(scenario))
    tasks = []
    for c in range(0, n, CHUNK):
        idx = np.arange(c, min(n, c + CHUNK))
        tasks.append((f"cohort_{c // CHUNK:05d}", (sc_json, idx, pop.params[idx],
                                                   pop.state[idx], every_days, observables,
                                                   rtol, seed if life_events else None)))
    run_chunks(cohort_chunk, tasks, outdir, workers, scheduler, progress, keep=False,
               digest=digest, what="cohort", concurrent=CHUNKS_IN_FLIGHT)
    failed = _failed_persons(outdir, len(tasks))
    traits = pop.traits.assign(person=np.arange(n))
    traits["status"] = "ok"
    for person, reason in failed.items():
        traits.loc[traits.person == person, "status"] = reason
    tmp = outdir / f".persons.parquet.{os.getpid()}.tmp"
    traits.to_parquet(tmp)
    os.replace(tmp, outdir / "persons.parquet")
    summary = {"scenario": scenario.name, "population": preset, "n": n, "seed": seed,
               "every_days": every_days, "observables": list(observables),
               "chunks": len(tasks), "rtol": rtol, "error_norm": COHORT_NORM,
               "person": scenario.person_overrides(),
               "diet": scenario.model_dump(mode="json")["diet"],
               "life_events": ({q.name: q.value for q in LIFE_EVENT_STREAM}
                               if life_events else None),
               "failed": len(failed), "screened": pop.screened,
               "burn_in_failed": int(len(pop.failed)), "warnings": []}
    if len(failed) > 0.05 * n:
        summary["warnings"].append(f"{len(failed)} of {n} persons ({len(failed) / n:.0%}) failed "
                                   "to simulate; their rows carry status != 0 and NaN values")
    if len(pop.failed):
        summary["warnings"].append(f"{len(pop.failed)} sampled persons could not be simulated "
                                   "to a baseline and were replaced by new draws")
    from gutbrain.results.io import to_json, write_text_atomic

    write_text_atomic(outdir / "cohort.json", to_json(summary))
    return summary


def _failed_persons(outdir: Path, n_chunks: int) -> dict[int, str]:
    """person -> reason for every failed person in the chunk files (status column only)."""
    failed: dict[int, str] = {}
    for c in range(n_chunks):
        df = pd.read_parquet(outdir / "chunks" / f"cohort_{c:05d}.parquet",
                             columns=["person", "status", "reason"])
        bad = df[df.status != 0].drop_duplicates("person")
        failed.update(zip(bad.person.astype(int), bad.reason.astype(str), strict=True))
    return failed
