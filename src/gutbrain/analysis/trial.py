"""Virtual randomised trials: screen, run in, randomise, simulate every arm, analyse.

Persons are simulated in chunks (numba-parallel inside a chunk). Chunks are independent and
deterministic for a seed: they run in-process or on dask.distributed workers, are written to
``OUT/chunks/`` atomically, and a restarted run with the same ``--out`` reuses the chunks
already there.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from gutbrain.analysis.chunks import claim_chunk_dir, run_chunks, run_digest
from gutbrain.analysis.observational import observational_contrasts
from gutbrain.analysis.population import (
    COHORT_NORM,
    LIFE_EVENT_STREAM,
    MEASUREMENT_SD,
    MOOD_FLUCTUATION,
    Population,
    add_life_event_boluses,
    cohort_tolerances,
    persons_life_events,
    population,
    population_constants,
    weekly_mood_many,
)
from gutbrain.analysis.trial_spec import OUTCOMES, TrialSpec
from gutbrain.compile.build import compile_model
from gutbrain.engine.batch import BatchSolution, integrate_batch, observe_batch
from gutbrain.scenario.schedule import build_schedule
from gutbrain.scenario.schema import Scenario

# Linking of the latent PHQ-9 to clinician scales, piecewise-linear between (PHQ-9, score) knots.
# HAM-D17: severity-band edges, PHQ-9 5/10/15/20 (Kroenke 2001) to HAM-D17 8/17/24
# (Zimmerman et al. 2013 J Affect Disord); an approximation, not an equipercentile crosswalk (no
# published PHQ-9 <-> HAM-D17 linking table was found).
# MADRS: equipercentile linking of PHQ-9 and MADRS, Kim et al. 2024 J Affect Disord 361:651
# (OPTIMUM trial, 555 older adults with MDD; abstract: Am J Geriatr Psychiatry 2023): PHQ-9 total
# scores 1, 15, 27 correspond to MADRS 1, 24, 48 (0 -> 0 added at the floor). Their change-score
# linking (PHQ-9 change 10 ~ MADRS 13, 22 ~ 32: 1.3-1.45 MADRS points per PHQ-9 point) and the
# chain through HAM-D17 (Leucht et al. 2018 J Affect Disord 226:326, 31 mirtazapine trials:
# HAM-D17 10/20/30/40 ~ MADRS 13/26/39/52.5, i.e. 1.3 MADRS per HAM-D point; Carmody et al. 2006
# PMC2151980 IRT equating: HRSD17 7 ~ MADRS 8-9) agree on the slope: 1.3-2.0 MADRS points per
# PHQ-9 point, against 3 (MADRS 20-35 over PHQ-9 10-15) of the severity bands used before
# (Snaith 1986 MADRS bands 7/20/35 on the PHQ-9 bands).
PHQ_KNOTS = np.array([0.0, 5.0, 10.0, 15.0, 20.0, 27.0])
HAMD_KNOTS = np.array([0.0, 8.0, 17.0, 24.0, 30.0, 40.0])
MADRS_PHQ_KNOTS = np.array([0.0, 1.0, 15.0, 27.0])
MADRS_KNOTS = np.array([0.0, 1.0, 24.0, 48.0])
LINKS = {"hamd17": (PHQ_KNOTS, HAMD_KNOTS), "madrs": (MADRS_PHQ_KNOTS, MADRS_KNOTS)}
RATER_SD = {"hamd17": 2.0, "madrs": 2.5}  # inter-rater ICC ~0.85-0.9 (Trajković 2011)
# Visit-to-visit (biological + assay) variability of biomarkers, as a within-person CV:
# recorded values are the model state times a log-normal factor with that CV.
# CRP: within-person CV 42% over weeks in healthy adults (Macy, Hayes & Tracy 1997 Clin Chem
# 43:52). Without it, simulated CRP changes are far less noisy than measured ones and Hedges' g
# of a CRP contrast is inflated (Fedewa 2017 pools measured CRP).
# IL-6: median within-person CV of plasma IL-6 over one month in 27 healthy adults 27 % (31 %
# and 26 % when repeated after 6 and 12 months; Knudsen et al. 2008 Biomarkers 13:59; ICC 0.48
# over ~6-week visits, Navarro et al. 2012 Cancer Epidemiol Biomarkers Prev 21:1167).
# TNF: within-person CV 11-20 % in healthy adults (Aziz et al. 2019 BMC Immunol 20:33; ICC
# 0.92 over ~6-week visits, Navarro 2012): 0.15.
# Morning serum cortisol: within-person CV 20.9 % (Ricos et al. 1999 Scand J Clin Lab Invest
# 59:491, the biological-variation database).
# Not yet carried (no visit noise, so their g is that of noise-free values): the cortisol
# awakening response (day-to-day ICC often < 0.4), RMSSD, PSS-10, faecal butyrate and the
# sequencing-based diversity indices.
BIOMARKER_CV = {"crp": 0.42, "il6": 0.27, "tnf": 0.15, "cortisol": 0.21}
FAILED_WARN_SHARE = 0.05  # an arm losing more than this share of persons is warned about
REMISSION = {"phq9": ("<", 5.0), "hamd17": ("<=", 7.0), "madrs": ("<", 10.0),
             "gad7": ("<", 5.0)}
SCALE_MAX = {"phq9": 27.0, "gad7": 21.0, "hamd17": 52.0, "madrs": 60.0}
# per-biomarker random streams, numbered in the order the biomarkers were added (a new one
# must not reshuffle the draws of those before it)
OUTCOME_ORDER = {o: i for i, o in enumerate(BIOMARKER_CV)}
CHUNK = 256
# in-process chunks run two at a time (threads): one chunk's serial Python (schedules,
# rows, Parquet) overlaps the other's solver instead of idling a core (chunks.run_chunks)
CHUNKS_IN_FLIGHT = 2
OBSERVE_BLOCK = 64  # persons observed at once (every observable at every sample: 16 MB)
# Everyday stress fluctuates from week to week: weekly log-multiplier of stress_level follows
# an AR(1); calibrated so that placebo-arm PHQ-9/HAM-D change SDs approach the 5-7 points of
# depression RCTs (Furukawa 2016 placebo arms; Rutherford 2012).
WEEK = 7.0
STRESS_SD = 1.0
STRESS_RHO = 0.5


@dataclass
class ArmPlan:
    name: str
    index: int
    persons: np.ndarray  # indices into the population


def _times(spec: TrialSpec, wake: float) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Daily samples at midnight plus morning/awakening samples at baseline and end."""
    start, end = spec.run_in_days, spec.run_in_days + spec.days
    daily = np.arange(0.0, end + 1e-9, 1.0)
    extra = []
    for d in (start, end - 1.0 if end - 1.0 >= start else start):
        extra += [d + 8 / 24, d + wake, d + wake + 30 / 1440]
    t = np.unique(np.concatenate([daily, extra, [start, end]]))
    idx = {
        "daily": np.searchsorted(t, daily),
        "base": np.searchsorted(t, [start])[0:1],
        "end": np.searchsorted(t, [end])[0:1],
        "morning": np.searchsorted(t, [start + 8 / 24, extra[3]]),
        "wake": np.searchsorted(t, [start + wake, extra[4]]),
        "wake30": np.searchsorted(t, [start + wake + 30 / 1440, extra[5]]),
    }
    return t, idx


def _link(phq: np.ndarray, outcome: str) -> np.ndarray:
    """The clinician-scale score (``hamd17`` or ``madrs``) linked to a PHQ-9 score."""
    x, y = LINKS[outcome]
    return np.interp(phq, x, y)


def _arm_scenario(spec: TrialSpec, arm: str) -> Scenario:
    """The arm's interventions, shifted by the run-in (days are counted from randomisation)."""
    shifted = []
    for iv in spec.arms[arm]:
        data = iv.model_dump(by_alias=True)
        for key in ("start_day", "day"):
            if key in data:
                data[key] = data[key] + spec.run_in_days
        shifted.append(data)
    return Scenario.model_validate({"name": arm, "days": spec.run_in_days + spec.days,
                                    "diet": spec.diet, "interventions": shifted})


def _weekly_stress_many(n_weeks: int, rngs: list[np.random.Generator]) -> np.ndarray:
    """Weekly stress multipliers (person x week): each person's AR(1) from their generator,
    the same numbers as one draw at a time, the recursion run for all persons at once."""
    e = np.array([r.standard_normal(n_weeks) for r in rngs]).reshape(len(rngs), n_weeks)
    z = np.empty_like(e)
    z[:, 0] = e[:, 0]
    c = math.sqrt(1 - STRESS_RHO**2)
    for w in range(1, n_weeks):
        z[:, w] = STRESS_RHO * z[:, w - 1] + c * e[:, w]
    return np.exp(STRESS_SD * z - 0.5 * STRESS_SD**2)


# A trial's arms run at a looser relative tolerance than cohorts (COHORT_RTOL 3e-4, which
# promises every state at every hour within 1e-3 of the one-person engine): a trial reads scores
# of slow states at visits, where 1e-3 moves nothing a trial reports. Measured on the 2,000-person
# one-year two-arm trial (general, seed 21, control vs high fibre): every person's end PHQ-9 and
# GAD-7 within 4e-5 points of the run at 3e-4 (mean 2e-6; visit noise SD then 1.4), Hedges' g
# equal to 6 digits, the same persons failed, 15 % less CPU (fewer steps: ~22 a day against ~26;
# bench/integrator_study.md). tests/test_trial_design.py holds the agreement.
TRIAL_RTOL = 1e-3


# What taking part means from randomisation, by trial design: (care_support,
# treatment_expectancy) in every arm. Trial contact relieves perceived stress in open and
# wait-list trials too (Posternak & Zimmerman 2007: each visit ~0.8 HAM-D points); a blinded
# treatment adds its expectancy (spontaneous improvement is about half of the placebo
# response, Rutherford 2012); a cohort or survey has neither.
DESIGNS: dict[str, tuple[float, float]] = {"open": (1.0, 0.0),
                                           "placebo_controlled": (1.0, 1.0),
                                           "observational": (0.0, 0.0)}


def _person_segments(model, spec: TrialSpec, scheds, persons: np.ndarray, seed: int,
                     mood_z: np.ndarray):
    """A grid shared by the chunk (schedule cuts, weekly cuts, randomisation, background
    life events) with each person's parameters: their schedule, weekly stress, weekly residual
    affect (continued from its screening draw ``mood_z``), and trial contact and treatment
    expectancy from randomisation (DESIGNS);
    and their boluses (scheduled, and background life events when the
    spec asks for them, from day 0 of the run-in). Built for the whole chunk at once (one
    Python loop per person used to be ~10 % of a trial's serial time)."""
    end = spec.run_in_days + spec.days
    events = persons_life_events(persons, seed, end) if spec.background_life_events else []
    grid = np.unique(np.concatenate([scheds[0].boundaries, np.arange(0.0, end, WEEK),
                                     [spec.run_in_days, end], *(d for d, _ in events)]))
    grid = grid[(grid >= 0) & (grid <= end)]
    mids = 0.5 * (grid[:-1] + grid[1:])
    weeks = (mids // WEEK).astype(int)
    n_weeks = int(weeks.max()) + 1
    i_care = model.param_index("care_support")
    i_expect = model.param_index("treatment_expectancy")
    care, expectancy = DESIGNS[spec.design]
    i_stress = model.param_index("stress_level")
    i_mood = model.param_index("mood_fluctuation")
    n = len(scheds)
    B = np.zeros((n, len(mids), model.n_states))
    if all(np.array_equal(sch.boundaries, scheds[0].boundaries) for sch in scheds):
        seg = scheds[0].segment_of(mids)  # the arm's schedule cuts are everyone's
        P = np.stack([sch.params for sch in scheds])[:, seg]
        bolus = np.stack([sch.bolus for sch in scheds])
        for j, t0 in enumerate(scheds[0].boundaries[:-1]):
            if np.any(bolus[:, j]):  # (the grid holds every cut: one segment per index)
                B[:, int(np.searchsorted(grid, t0))] += bolus[:, j]
    else:
        P = np.stack([sch.params[sch.segment_of(mids)] for sch in scheds])
        for k, sch in enumerate(scheds):
            for j, t0 in enumerate(sch.boundaries[:-1]):
                if np.any(sch.bolus[j]):
                    B[k, int(np.searchsorted(grid, t0))] += sch.bolus[j]
    add_life_event_boluses(B, grid, events, model.state_index("life_event_stress"))
    factor = _weekly_stress_many(n_weeks, [np.random.default_rng([seed, int(person), 2])
                                           for person in persons])
    P[:, :, i_stress] = np.clip(P[:, :, i_stress] * factor[:, weeks], 0.0, 1.0)
    mood = weekly_mood_many(mood_z, n_weeks, [np.random.default_rng([seed, int(person), 5])
                                              for person in persons])
    P[:, :, i_mood] += mood[:, weeks]
    randomised = mids >= spec.run_in_days
    P[:, randomised, i_care] = care
    P[:, randomised, i_expect] = expectancy
    return grid, P, B


def simulate_chunk(spec: TrialSpec, arm: str, persons: np.ndarray, params: np.ndarray,
                   state: np.ndarray, seed: int, mood_z: np.ndarray | None = None
                   ) -> pd.DataFrame:
    """Simulate a chunk of persons in one arm; return one row per person with outcomes.
    ``mood_z``: each person's residual-affect score at screening (Population.traits; None:
    0, the process's mean)."""
    model = compile_model()
    sc = _arm_scenario(spec, arm)
    # each person's burned-in state is what an autologous FMT banks
    scheds = [build_schedule(model, sc, p, state=y) for p, y in zip(params, state, strict=True)]
    if mood_z is None:
        mood_z = np.zeros(len(persons))
    bounds, P, B = _person_segments(model, spec, scheds, persons, seed, mood_z)
    wake = float(params[0, model.param_index("wake_time")])
    t, idx = _times(spec, wake)
    sol = integrate_batch(model, bounds, P, B, state, t, cohort_tolerances(TRIAL_RTOL))
    col = {o: i for i, o in enumerate(model.observable_ids)}
    # what the rows read: every observable at the few visit times, and the daily score columns
    # (person x day x 2; the time course and MDE episodes), not every observable every day;
    # observed OBSERVE_BLOCK persons at a time (a person's observables, their plausibility
    # check and failure status do not depend on who else is observed with them)
    visits = ("base", "end", "morning", "wake", "wake30")
    kept = np.unique(np.concatenate([idx[k] for k in visits]))
    at = {k: np.searchsorted(kept, idx[k]) for k in visits}
    score_cols = {"phq9": 0, "gad7": 1}
    n = len(persons)
    daily = np.empty((n, len(idx["daily"]), 2))
    obs_visits = np.empty((n, len(kept), len(col)))
    for a in range(0, n, OBSERVE_BLOCK):
        b = min(a + OBSERVE_BLOCK, n)
        part = BatchSolution(sol.t, sol.y[a:b], sol.status[a:b], sol.info[a:b])  # views: the
        obs = observe_batch(model, part, bounds, P[a:b])  # statuses it flags are the chunk's
        daily[a:b] = obs[:, :, [col["phq9"], col["gad7"]]][:, idx["daily"]]
        obs_visits[a:b] = obs[:, kept]
        del obs
    status = sol.status
    messages = sol.messages(model)
    del sol, P, B, scheds  # the samples and segments (~90 MB a chunk): two chunks run at once
    rows = []
    for j, person in enumerate(persons):
        rng = np.random.default_rng([seed, int(person), 1])
        obs = obs_visits[j]
        row: dict[str, Any] = {"person": int(person), "arm": arm, "status": messages[j]}
        latent_b = obs[at["base"][0], col["phq9"]]
        latent_e = obs[at["end"][0], col["phq9"]]
        row["phq9_true_baseline"] = float(latent_b)  # noise-free model state
        row["phq9_true_end"] = float(latent_e)
        for o in spec.outcomes:
            if o in ("phq9", "gad7"):
                lat = (latent_b, latent_e) if o == "phq9" else (
                    obs[at["base"][0], col["gad7"]], obs[at["end"][0], col["gad7"]])
                vals = np.clip(np.array(lat) + rng.normal(0, MEASUREMENT_SD[o], 2), 0,
                               SCALE_MAX[o])
            elif o in ("hamd17", "madrs"):
                vals = np.clip(_link(np.array([latent_b, latent_e]), o)
                               + rng.normal(0, RATER_SD[o], 2), 0, SCALE_MAX[o])
            elif o == "cortisol":
                vals = _visit_noise(obs[at["morning"], col["cortisol"]], o, seed, person)
            elif o == "cortisol_awakening_response":
                w, w30 = obs[at["wake"], col["cortisol"]], obs[at["wake30"], col["cortisol"]]
                vals = 100.0 * (w30 - w) / w
            elif o == "mde_incidence":
                follow = daily[j, int(spec.run_in_days + spec.events_from_day):,
                               score_cols["phq9"]]
                row["mde_incidence"] = float(_longest_run(follow >= 10.0) >= 14)
                continue
            else:
                vals = _visit_noise(obs[[at["base"][0], at["end"][0]], col[o]], o, seed,
                                    person)
            row[f"{o}_baseline"] = float(vals[0])
            row[f"{o}_end"] = float(vals[1])
        rows.append(row)
    df = pd.DataFrame(rows)
    df.attrs[TIME_COURSE] = chunk_time_course(spec, t[idx["daily"]], daily, score_cols,
                                              status == 0)
    return df


def _visit_noise(vals: np.ndarray, outcome: str, seed: int, person: int) -> np.ndarray:
    """A biomarker's recorded baseline and end values: the model state times a log-normal
    visit factor of mean 1 with the biomarker's within-person CV (BIOMARKER_CV), drawn from the
    person's own stream for that biomarker; unchanged for outcomes without one."""
    if outcome not in BIOMARKER_CV:
        return vals
    sig = math.sqrt(math.log1p(BIOMARKER_CV[outcome] ** 2))
    visit = np.random.default_rng([seed, int(person), 3, OUTCOME_ORDER[outcome]])
    return vals * np.exp(visit.normal(-0.5 * sig**2, sig, 2))


def _retest_r(baseline: np.ndarray, end: np.ndarray) -> float | None:
    """Pearson correlation of the recorded baseline and end values across the arm's persons
    (test-retest stability over the trial; None where either is constant or n < 3)."""
    if len(baseline) < 3 or np.ptp(baseline) == 0 or np.ptp(end) == 0:
        return None
    return float(np.corrcoef(baseline, end)[0, 1])


# ---- per-arm time courses of the score outcomes (for the report) --------------------------
# A chunk carries, in its table's attrs (kept in its Parquet file, so resumed runs have them),
# the count, daily mean and sum of squared deviations (M2) of each score outcome over its
# simulated persons; run_persons pools the chunks of an arm (Chan et al. parallel variance).
# Values are the noise-free model scores at midnight (no visit noise): the trajectory of the
# arm, not of its recorded visits. Every person's series is not kept.
TIME_COURSE = "time_course"


def _score_values(o: str, daily: np.ndarray, col: dict[str, int]) -> np.ndarray:
    """Noise-free daily values of a score outcome (persons x days)."""
    phq = daily[..., col["phq9"]]
    if o == "gad7":
        return daily[..., col["gad7"]]
    if o in ("hamd17", "madrs"):
        return _link(phq, o)
    return phq


def chunk_time_course(spec: TrialSpec, t: np.ndarray, daily: np.ndarray,
                      col: dict[str, int], ok: np.ndarray) -> dict[str, Any]:
    """n, mean and M2 per day of each score outcome over the chunk's simulated persons."""
    scores = [o for o in spec.outcomes if OUTCOMES[o][0] == "score"]
    out: dict[str, Any] = {"day": (t - spec.run_in_days).tolist(), "n": int(ok.sum()),
                           "outcomes": {}}
    for o in scores:
        v = _score_values(o, daily[ok], col)
        mean = v.mean(axis=0) if len(v) else np.zeros(len(t))
        out["outcomes"][o] = {"mean": mean.tolist(),
                              "m2": ((v - mean) ** 2).sum(axis=0).tolist()}
    return out


def pool_time_courses(parts: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Pool chunk time courses of one arm into daily mean and SD (None if a chunk lacks one,
    e.g. chunks resumed from a run written before time courses existed)."""
    if not parts or any(not p for p in parts):
        return None
    n = 0
    pooled: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for p in parts:
        nb = p["n"]
        if nb == 0:
            continue
        for o, v in p["outcomes"].items():
            mb, m2b = np.asarray(v["mean"], dtype=float), np.asarray(v["m2"], dtype=float)
            if n == 0:
                pooled[o] = (mb, m2b)
                continue
            ma, m2a = pooled[o]
            delta = mb - ma
            pooled[o] = (ma + delta * nb / (n + nb), m2a + m2b + delta**2 * n * nb / (n + nb))
        n += nb
    empty = [None] * len(parts[0]["day"])
    return {"n": n, "outcomes": {
        o: {"mean": pooled[o][0].round(4).tolist() if n else empty,
            "sd": np.sqrt(pooled[o][1] / (n - 1)).round(4).tolist() if n > 1 else empty}
        for o in parts[0]["outcomes"]}}


def arm_time_courses(frames: list[pd.DataFrame]) -> dict[str, Any] | None:
    """trial.json ``time_course``: days from randomisation and, per arm, the daily mean and
    SD of each score outcome."""
    by_arm: dict[str, list[dict[str, Any]]] = {}
    day = None
    for f in frames:
        tc = f.attrs.get(TIME_COURSE)
        if not len(f):
            continue
        by_arm.setdefault(str(f.arm.iloc[0]), []).append(tc)
        day = day or (tc or {}).get("day")
    arms = {arm: pool_time_courses(parts) for arm, parts in by_arm.items()}
    if day is None or any(v is None for v in arms.values()):
        return None
    return {"day": day, "basis": "noise-free model score at midnight, mean and SD across "
            "the arm's simulated persons (no visit noise)", "arms": arms}


def _longest_run(mask: np.ndarray) -> int:
    best = run = 0
    for m in mask:
        run = run + 1 if m else 0
        best = max(best, run)
    return best


def randomise(n: int, arms: list[str], seed: int) -> list[ArmPlan]:
    """Equal allocation in a seeded random permutation."""
    order = np.random.default_rng([seed, 0]).permutation(n)
    return [ArmPlan(a, i, np.sort(order[i::len(arms)])) for i, a in enumerate(arms)]


def allocate(n: int, arms: list[str], seed: int, allocation: str = "randomised"
             ) -> list[ArmPlan]:
    """Persons of each arm: ``randomised`` (randomise) or ``every_arm`` (all n persons in
    every arm: the counterfactual design, TrialSpec.allocation)."""
    if allocation == "every_arm":
        return [ArmPlan(a, i, np.arange(n)) for i, a in enumerate(arms)]
    return randomise(n, arms, seed)


def _chunk_tasks(spec: TrialSpec, pop: Population) -> list[tuple[str, str, np.ndarray]]:
    """Chunk keys name the arm by its position (file names never carry user text)."""
    tasks = []
    for plan in allocate(len(pop), list(spec.arms), spec.population.seed, spec.allocation):
        for c in range(0, len(plan.persons), CHUNK):
            tasks.append((f"arm{plan.index}_{c // CHUNK:04d}", plan.name,
                          plan.persons[c:c + CHUNK]))
    return tasks


def _chunk(spec_json: str, arm: str, persons: np.ndarray, params: np.ndarray,
           state: np.ndarray, seed: int, mood_z: np.ndarray) -> pd.DataFrame:
    """Picklable chunk function (the spec travels as JSON to dask workers)."""
    return simulate_chunk(TrialSpec.model_validate_json(spec_json), arm, persons, params,
                          state, seed, mood_z)


def trial_digest(spec: TrialSpec) -> str:
    """What a trial's chunks depend on: the whole spec (population, seed, arms, outcomes,
    parameters; not the observational read, which is analysis only), the tolerance, the
    population's and the visits' constants, the model and engine
    (analysis.chunks.run_digest)."""
    return run_digest({"kind": "trial", "spec": spec.model_dump(
                           mode="json", by_alias=True, exclude={"observational"}),
                       "rtol": TRIAL_RTOL, "norm": COHORT_NORM, "chunk": CHUNK,
                       "population": population_constants(), "rater_sd": RATER_SD,
                       "stress": [STRESS_SD, STRESS_RHO]})


def run_persons(spec: TrialSpec, pop: Population, out: Path | None = None,
                workers: int | None = None, scheduler: str | None = None,
                progress=None, overwrite: bool = False) -> pd.DataFrame:
    """Simulate every arm; this run's chunks already in ``out/chunks`` are reused (resume)."""
    spec_json = spec.model_dump_json(by_alias=True)
    mood_z = pop.traits["mood_z"].to_numpy()
    tasks = [(key, (spec_json, arm, persons, pop.params[persons], pop.state[persons],
                    spec.population.seed, mood_z[persons]))
             for key, arm, persons in _chunk_tasks(spec, pop)]
    frames = run_chunks(_chunk, tasks, out, workers, scheduler, progress,
                        digest=trial_digest(spec) if out else None, what="trial",
                        overwrite=overwrite, concurrent=CHUNKS_IN_FLIGHT)
    course = arm_time_courses(frames)
    df = pd.concat(frames, ignore_index=True).sort_values("person").reset_index(drop=True)
    df.attrs = {TIME_COURSE: course} if course else {}
    return df


# ---- statistics -------------------------------------------------------------------------
def hedges_g(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Hedges' g of a vs b with its 95% CI (Hedges & Olkin 1985 variance)."""
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:  # no spread to standardise by: undefined, not zero
        return math.nan, math.nan, math.nan
    sp = math.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    if sp == 0:
        return 0.0, 0.0, 0.0
    j = 1 - 3 / (4 * (na + nb) - 9)
    g = j * (a.mean() - b.mean()) / sp
    se = math.sqrt((na + nb) / (na * nb) + g * g / (2 * (na + nb)))
    return float(g), float(g - 1.96 * se), float(g + 1.96 * se)


def ancova(base_a: np.ndarray, end_a: np.ndarray, base_b: np.ndarray, end_b: np.ndarray
           ) -> dict[str, Any]:
    """Baseline-adjusted (ANCOVA) contrast of arm a vs arm b: OLS of the end value on an arm
    indicator (1 = a) and the baseline value, fitted to the two arms' persons (common slope).

    Returns the adjusted mean difference (a minus b, the indicator's coefficient) with its
    OLS standard error, 95 % CI (t, n - 3 df) and p value; the baseline slope; and the
    standardised effect ``hedges_g_ancova``. Under randomisation the adjusted difference
    estimates the same treatment effect as the difference of change scores, but a chance
    baseline imbalance d moves the change-score difference by -(1 - slope) * d and the
    adjusted one by nothing (Senn 2006 Stat Med 25:4334; Vickers & Altman 2001 BMJ 323:1123).

    Standardiser: the pooled within-arm SD of the END values (the crude, unadjusted SD of the
    outcome), the recipe for a d from ANCOVA in Borenstein 2009 (Cooper, Hedges & Valentine,
    Handbook of Research Synthesis and Meta-Analysis 2nd ed., ch. 12, Table 12.3) and the
    scale of the end-point SMDs that most meta-analyses pool. Not the ANCOVA residual SD (it
    shrinks with the baseline correlation and inflates d by 1/sqrt(1 - r^2)), and not the
    change SD (that is the change-score g's own scale, ``hedges_g``; it depends on the
    test-retest r as sqrt(2(1 - r))). Small-sample correction: the same Hedges J as
    ``hedges_g``, for the standardiser's degrees of freedom (na + nb - 2). Variance of g:
    (SE of the adjusted difference / SD)^2 + g^2 / (2 (na + nb)), the Hedges & Olkin form of
    ``hedges_g`` with the ANCOVA sampling variance in place of (na + nb) / (na nb) (for
    balanced baselines this is Borenstein's (1 - R^2)(na + nb) / (na nb)); its 95 % interval
    uses the same t quantile as the adjusted difference's. Undefined (NaN) when an arm has
    fewer than 2 persons."""
    na, nb = len(end_a), len(end_b)
    nan = math.nan
    out: dict[str, Any] = {"mean_difference_ancova": nan, "mean_difference_ancova_se": nan,
                           "mean_difference_ancova_ci95": [nan, nan], "p_value_ancova": nan,
                           "ancova_baseline_slope": nan, "hedges_g_ancova": nan,
                           "hedges_g_ancova_ci95": [nan, nan]}
    if na < 2 or nb < 2:
        return out
    from statsmodels.regression.linear_model import OLS

    y = np.concatenate([end_a, end_b]).astype(float)
    base = np.concatenate([base_a, base_b]).astype(float)
    cols = [np.ones(na + nb), np.r_[np.ones(na), np.zeros(nb)]]
    if np.ptp(base) > 0:  # a constant baseline carries nothing to adjust for
        cols.append(base)
    fit = OLS(y, np.column_stack(cols)).fit()
    diff, se = float(fit.params[1]), float(fit.bse[1])
    if fit.df_resid < 1 or not np.isfinite(se):
        return out
    tq = float(stats.t.ppf(0.975, fit.df_resid)) if se > 0 else 0.0
    out.update({"mean_difference_ancova": diff, "mean_difference_ancova_se": se,
                "mean_difference_ancova_ci95": [diff - tq * se, diff + tq * se],
                "p_value_ancova": float(fit.pvalues[1]) if se > 0 else nan,
                "ancova_baseline_slope": float(fit.params[2]) if len(cols) == 3 else 0.0})
    sd = math.sqrt(((na - 1) * end_a.var(ddof=1) + (nb - 1) * end_b.var(ddof=1))
                   / (na + nb - 2))
    if sd == 0:
        out.update({"hedges_g_ancova": 0.0, "hedges_g_ancova_ci95": [0.0, 0.0]})
        return out
    j = 1 - 3 / (4 * (na + nb) - 9)
    g = j * diff / sd
    se_g = math.sqrt((se / sd) ** 2 + g * g / (2 * (na + nb)))
    # the t quantile of the adjusted difference (n - 3 df), not 1.96: in a small trial the
    # standardised interval must not be narrower than the difference's own (with 1.96 a
    # 4-person trial gave g +-0.22 around a difference interval of +-1.4 SD)
    tg = float(stats.t.ppf(0.975, fit.df_resid))
    out.update({"hedges_g_ancova": g, "hedges_g_ancova_ci95": [g - tg * se_g, g + tg * se_g]})
    return out


def risk_ratio(xa: int, na: int, xb: int, nb: int) -> tuple[float, float, float]:
    """Risk ratio with a log-normal 95% CI (0.5 added to every cell when one is empty);
    undefined (NaN) for an empty arm."""
    if na == 0 or nb == 0:
        return math.nan, math.nan, math.nan
    if 0 in (xa, xb, na - xa, nb - xb):
        xa, xb, na, nb = xa + 0.5, xb + 0.5, na + 1, nb + 1
    rr = (xa / na) / (xb / nb)
    se = math.sqrt(1 / xa - 1 / na + 1 / xb - 1 / nb)
    return rr, math.exp(math.log(rr) - 1.96 * se), math.exp(math.log(rr) + 1.96 * se)


def paired_risk_ratio(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Risk ratio of events ``x`` (arm) against ``y`` (comparator) in the same persons, with
    the delta-method 95 % CI of a ratio of paired proportions: var(log RR) = (b + c) /
    ((a + b)(a + c)), a = events in both, b = in the arm only, c = in the comparator only
    (the Wald form; Bonett & Price 2006 Stat Med 25:3039 give adjusted intervals for small
    counts, which this does not use). Persons with the same outcome
    in both arms carry no sampling noise of the contrast; 0.5 is added to every cell when a
    margin is empty, and to each discordant cell when there is none; NaN for no persons."""
    x, y = np.asarray(x, dtype=bool), np.asarray(y, dtype=bool)
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    a, b, c = float((x & y).sum()), float((x & ~y).sum()), float((~x & y).sum())
    if a + b == 0 or a + c == 0:
        a, b, c = a + 0.5, b + 0.5, c + 0.5
    elif b + c == 0:  # no discordant person: half a pair each way, not a zero-width interval
        b, c = 0.5, 0.5
    rr = (a + b) / (a + c)
    se = math.sqrt((b + c) / ((a + b) * (a + c)))
    return rr, math.exp(math.log(rr) - 1.96 * se), math.exp(math.log(rr) + 1.96 * se)


def _paired_g(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float, float]:
    """Hedges' g of paired values a vs b on the scale of a parallel-group g (the pooled SD of
    the two arms' values, so it reads like ``hedges_g``), its paired 95 % CI and the SE of the
    mean difference. Variance of d for matched groups (Borenstein 2009, Introduction to
    Meta-Analysis ch. 4): (1/n + d^2/(2n)) 2(1 - r), with 2(1 - r) = S_diff^2 / S^2; small-
    sample correction J for n - 1 degrees of freedom; t quantile (n - 1 df)."""
    n = len(a)
    diff = a - b
    se = float(diff.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    sp = math.sqrt(0.5 * (a.var(ddof=1) + b.var(ddof=1))) if n > 1 else math.nan
    if n < 3 or not np.isfinite(sp):
        return math.nan, math.nan, math.nan, se
    if sp == 0:
        return 0.0, 0.0, 0.0, se
    j = 1 - 3 / (4 * (n - 1) - 1)
    g = j * float(diff.mean()) / sp
    se_g = math.sqrt((1 / n + g * g / (2 * n)) * float(diff.var(ddof=1)) / sp**2)
    tq = float(stats.t.ppf(0.975, n - 1))
    return g, g - tq * se_g, g + tq * se_g, se


def paired_contrast(d: pd.DataFrame, ref: pd.DataFrame, o: str) -> dict[str, Any]:
    """The contrast of one outcome between an arm and the comparator in the same persons
    (allocation ``every_arm``): the keys of a randomised contrast, with paired statistics.
    Persons analysable in both arms are compared (``n_pairs``). Change scores: mean
    difference, Hedges' g on the pooled SD of the change scores, paired t test. The
    "ancova" keys: baselines are the same person's before the arms part, so the baseline-
    adjusted difference is the paired difference of end values (its t interval and p); no
    slope is fitted (null). Events: paired risk ratio."""
    m = d.merge(ref, on="person", suffixes=("", "_ref"))
    c: dict[str, Any] = {"outcome": o, "n_pairs": int(len(m))}
    if OUTCOMES[o][0] == "binary":
        rr, lo, hi = paired_risk_ratio(m[o].to_numpy(), m[f"{o}_ref"].to_numpy())
        c.update({"risk_ratio": rr, "ci95": [lo, hi]})
        return c
    base, end = m[f"{o}_baseline"].to_numpy(), m[f"{o}_end"].to_numpy()
    base_r, end_r = m[f"{o}_baseline_ref"].to_numpy(), m[f"{o}_end_ref"].to_numpy()
    ch, ch_r = end - base, end_r - base_r
    g, lo, hi, _ = _paired_g(ch, ch_r)
    n = len(m)
    p = float(stats.ttest_rel(ch, ch_r).pvalue) if n > 1 and np.ptp(ch - ch_r) > 0 else (
        1.0 if n > 1 else math.nan)
    c.update({"mean_difference": float((ch - ch_r).mean()) if n else math.nan,
              "hedges_g": g, "ci95": [lo, hi], "p_value": p})
    ga, galo, gahi, se = _paired_g(end, end_r)
    diff = float((end - end_r).mean()) if n else math.nan
    tq = float(stats.t.ppf(0.975, n - 1)) if n > 1 else math.nan
    p_end = float(stats.ttest_rel(end, end_r).pvalue) if n > 1 and np.ptp(end - end_r) > 0 \
        else (1.0 if n > 1 else math.nan)
    c.update({"mean_difference_ancova": diff, "mean_difference_ancova_se": se,
              "mean_difference_ancova_ci95": [diff - tq * se, diff + tq * se],
              "p_value_ancova": p_end, "ancova_baseline_slope": math.nan,
              "hedges_g_ancova": ga, "hedges_g_ancova_ci95": [galo, gahi]})
    if OUTCOMES[o][0] == "score":
        rr, rlo, rhi = paired_risk_ratio(_responded(base, end), _responded(base_r, end_r))
        c["responder_risk_ratio"] = rr
        c["responder_ci95"] = [rlo, rhi]
    return c


def _responded(b: np.ndarray, e: np.ndarray) -> np.ndarray:
    return (b > 0) & (e <= 0.5 * b)


def _remitted(o: str, e: np.ndarray) -> np.ndarray | None:
    if o not in REMISSION:
        return None
    op, v = REMISSION[o]
    return e < v if op == "<" else e <= v


def analyse(spec: TrialSpec, persons: pd.DataFrame) -> dict[str, Any]:
    """trial.json content: per-arm summaries and contrasts against the first arm. A statistic
    an arm is too small for is NaN (null in trial.json) with a warning, not an exception."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # empty or one-person arms: NaN
        return _analyse(spec, persons)


def _analyse(spec: TrialSpec, persons: pd.DataFrame) -> dict[str, Any]:
    arms = list(spec.arms)
    ok = persons[persons.status == "ok"]
    result: dict[str, Any] = {"name": spec.name, "arms": {}, "contrasts": [],
                              "failed_persons": int((persons.status != "ok").sum()),
                              "warnings": []}
    for arm in arms:
        d = ok[ok.arm == arm]
        everyone = persons[persons.arm == arm]
        failed = everyone[everyone.status != "ok"]
        summary: dict[str, Any] = {"n": int(len(d)), "randomised": int(len(everyone)),
                                   "failed": int(len(failed)), "outcomes": {}}
        if len(failed):
            summary["failure_reasons"] = (failed.status.str.replace(r" at day .*", "",
                                                                    regex=True)
                                          .value_counts().to_dict())
        share = len(failed) / len(everyone) if len(everyone) else 0.0
        if share > FAILED_WARN_SHARE:
            result["warnings"].append(
                f"arm {arm!r}: {len(failed)} of {len(everyone)} persons ({share:.0%}) failed "
                "to simulate and are excluded from the statistics; the arm's results describe "
                "the persons the model could simulate, not the arm")
        for o in spec.outcomes:
            if OUTCOMES[o][0] == "binary":
                summary["outcomes"][o] = {"rate": float(d[o].mean()) if len(d) else 0.0,
                                          "events": int(d[o].sum())}
                continue
            b, e = d[f"{o}_baseline"].to_numpy(), d[f"{o}_end"].to_numpy()
            ch = e - b
            s = {"baseline_mean": float(b.mean()), "baseline_sd": float(b.std(ddof=1)),
                 "end_mean": float(e.mean()), "end_sd": float(e.std(ddof=1)),
                 "change_mean": float(ch.mean()), "change_sd": float(ch.std(ddof=1)),
                 "retest_r": _retest_r(b, e)}
            if OUTCOMES[o][0] == "score":
                s["responder_rate"] = float(_responded(b, e).mean())
                s["remission_rate"] = float(_remitted(o, e).mean())
            summary["outcomes"][o] = s
        if len(d) < 2:
            result["warnings"].append(f"arm {arm!r}: {len(d)} analysable person(s); spreads "
                                      "and effect sizes are undefined (null)")
        result["arms"][arm] = summary
    ref = ok[ok.arm == arms[0]]
    for arm in arms[1:]:
        d = ok[ok.arm == arm]
        for o in spec.outcomes:
            if spec.allocation == "every_arm":
                result["contrasts"].append({"arm": arm, "vs": arms[0],
                                            **paired_contrast(d, ref, o)})
                continue
            if OUTCOMES[o][0] == "binary":
                rr, lo, hi = risk_ratio(int(d[o].sum()), len(d), int(ref[o].sum()), len(ref))
                result["contrasts"].append({"arm": arm, "vs": arms[0], "outcome": o,
                                            "risk_ratio": rr, "ci95": [lo, hi]})
                continue
            a = (d[f"{o}_end"] - d[f"{o}_baseline"]).to_numpy()
            b = (ref[f"{o}_end"] - ref[f"{o}_baseline"]).to_numpy()
            g, lo, hi = hedges_g(a, b)
            c = {"arm": arm, "vs": arms[0], "outcome": o,
                 "mean_difference": float(a.mean() - b.mean()), "hedges_g": g,
                 "ci95": [lo, hi], "p_value": float(stats.ttest_ind(a, b,
                                                                       equal_var=False).pvalue)}
            c.update(ancova(d[f"{o}_baseline"].to_numpy(), d[f"{o}_end"].to_numpy(),
                            ref[f"{o}_baseline"].to_numpy(), ref[f"{o}_end"].to_numpy()))
            if OUTCOMES[o][0] == "score":
                ra = _responded(d[f"{o}_baseline"].to_numpy(), d[f"{o}_end"].to_numpy())
                rb = _responded(ref[f"{o}_baseline"].to_numpy(), ref[f"{o}_end"].to_numpy())
                rr, rlo, rhi = risk_ratio(int(ra.sum()), len(ra), int(rb.sum()), len(rb))
                c["responder_risk_ratio"] = rr
                c["responder_ci95"] = [rlo, rhi]
            result["contrasts"].append(c)
    if spec.observational is not None:
        result["observational"] = observational_contrasts(spec, ok, spec.population.seed)
        result["warnings"].extend(result["observational"]["warnings"])
    return result


def power_analysis(spec: TrialSpec, persons: pd.DataFrame, target: float = 0.8,
                   alpha: float = 0.05, reps: int = 400, seed: int = 0) -> dict[str, Any]:
    """Smallest n per arm reaching the target power for the first outcome (first non-
    comparator arm vs comparator), by resampling the simulated persons (bootstrap)."""
    o = spec.outcomes[0]
    arms = list(spec.arms)
    ok = persons[persons.status == "ok"]

    def values(arm: str) -> np.ndarray:
        d = ok[ok.arm == arm]
        if OUTCOMES[o][0] == "binary":
            return d[o].to_numpy()
        return (d[f"{o}_end"] - d[f"{o}_baseline"]).to_numpy()

    a, b = values(arms[1]), values(arms[0])

    def power(n: int) -> float:
        rng = np.random.default_rng([seed, n])  # common random numbers: power(n) is stable
        hits = 0
        for _ in range(reps):
            x, y = rng.choice(a, n), rng.choice(b, n)
            if OUTCOMES[o][0] == "binary":
                table = [[x.sum(), n - x.sum()], [y.sum(), n - y.sum()]]
                p = stats.fisher_exact(table)[1] if min(map(min, table)) < 5 else \
                    stats.chi2_contingency(table)[1]
            else:
                p = stats.ttest_ind(x, y, equal_var=False).pvalue
            hits += p < alpha
        return hits / reps

    lo, hi = 5, 5
    while power(hi) < target:
        lo, hi = hi, hi * 2
        if hi > 20000:
            return {"outcome": o, "target_power": target, "n_per_arm": None,
                    "note": "effect too small: power not reached with 20000 per arm"}
    while hi - lo > max(2, lo // 50):
        mid = (lo + hi) // 2
        if power(mid) >= target:
            hi = mid
        else:
            lo = mid
    out = {"outcome": o, "arm": arms[1], "vs": arms[0], "target_power": target,
           "alpha": alpha, "n_per_arm": int(hi), "power_at_n": float(power(hi)),
           "method": f"bootstrap of simulated persons, {reps} resamples, Welch t-test"}
    if spec.allocation == "every_arm":
        out["note"] = ("the arms hold the same persons, resampled independently here: the n "
                       "per arm of a randomised trial, not of a paired one")
    return out


def run_trial(spec: TrialSpec, out: str | Path | None = None, workers: int | None = None,
              scheduler: str | None = None, power: float | None = None,
              progress=None, overwrite: bool = False, uncertainty: int | None = None
              ) -> tuple[dict[str, Any], pd.DataFrame, Population]:
    """Sample the population, simulate every arm and analyse; write files if ``out``.
    ``uncertainty``: rerun the trial in that many posterior-ensemble members and add each
    contrast's ``model_interval`` (90 %) beside its sampling ``ci95``
    (``gutbrain.analysis.uncertainty.trial_interval``)."""
    outdir = Path(out) if out else None
    if outdir:  # a folder holding another run's chunks is refused before any work
        claim_chunk_dir(outdir, trial_digest(spec), "trial", overwrite)
    pop = population(spec.population.preset, spec.population.n, spec.population.seed,
                     inclusion=spec.population.inclusion or None, diet=spec.diet,
                     parameters=spec.parameters or None,
                     background_life_events=spec.background_life_events)
    persons = run_persons(spec, pop, outdir, workers, scheduler, progress, overwrite)
    course = persons.attrs.pop(TIME_COURSE, None)
    traits = pop.traits.add_prefix("trait_")
    traits["person"] = np.arange(len(traits))
    persons = persons.merge(traits, on="person", how="left")
    result = analyse(spec, persons)
    if course:
        result[TIME_COURSE] = course
    result["population"] = {"preset": pop.preset, "n": len(pop), "seed": pop.seed,
                            "screened": pop.screened,
                            "burn_in_failed": int(len(pop.failed)),
                            "screening_means": pop.screening.mean().round(4).to_dict()}
    if len(pop.failed):
        result["population"]["burn_in_failure_reasons"] = (
            pop.failed.reason.str.replace(r" at day .*| [\d.e+-]+ .*", "", regex=True)
            .value_counts().to_dict())
        result["warnings"].append(
            f"{len(pop.failed)} of {pop.screened} screened persons could not be simulated to "
            "a baseline (burn-in failure or values outside physiology) and were not recruited")
    result["design"] = {"days": spec.days, "run_in_days": spec.run_in_days,
                        "diet": spec.diet, "rtol": TRIAL_RTOL, "error_norm": COHORT_NORM,
                        "measurement_sd": MEASUREMENT_SD, "rater_sd": RATER_SD,
                        "mood_fluctuation": {p.name: p.value for p in MOOD_FLUCTUATION},
                        "kind": spec.design,
                        "allocation": spec.allocation,
                        "events_from_day": spec.events_from_day,
                        "care_support": DESIGNS[spec.design][0],
                        "treatment_expectancy": DESIGNS[spec.design][1],
                        "biomarker_cv": BIOMARKER_CV, "parameters": spec.parameters,
                        "background_life_events": (
                            {p.name: p.value for p in LIFE_EVENT_STREAM}
                            if spec.background_life_events else None)}
    if power:
        result["power"] = power_analysis(spec, persons, power)
    if uncertainty:
        from gutbrain.analysis.uncertainty.trial_interval import (
            attach_intervals,
            model_intervals,
        )

        attach_intervals(result, *model_intervals(spec, uncertainty, progress=progress))
    if outdir:
        from gutbrain.results.io import to_json, write_text_atomic

        tmp = outdir / ".persons.parquet.tmp"
        persons.to_parquet(tmp, index=False)
        os.replace(tmp, outdir / "persons.parquet")
        write_text_atomic(outdir / "trial.json", to_json(result))
    return result, persons, pop
