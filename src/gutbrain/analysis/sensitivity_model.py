"""The model through a sensitivity design (``gutbrain sensitivity``; issue #15 item 1).

A scenario as target: each sampled parameter set is a person, the scenario's person with those
overrides, started at their own periodic steady state (shooting, batched, with the scenario's
person as the reference) and simulated through the scenario by the lockstep batch engine at
the cohort tolerance; the outputs are daily (midnight) observables summarised per run as
``end`` (value on the last day), ``mean`` (time average over the run, trapezoid over the daily
samples) or ``change`` (end minus day 0). Chunks keep all three summaries of every observable,
so another ``--outputs`` or ``--summary`` re-analyses the stored runs without simulating.

A trial spec as target: each parameter set runs the whole trial (population screened and
randomised with the spec's seed, so every set sees the same draws: common random numbers) and
the outputs are the contrasts' Hedges' g (risk ratio for a binary outcome) and every arm's mean
change (event rate). Cost: runs x (screened persons x run-in and trial days) person-days, i.e.
a trial of n persons costs about n scenario runs per parameter set.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gutbrain.analysis.population import COHORT_NORM, COHORT_RTOL, cohort_tolerances
from gutbrain.analysis.sensitivity import (
    DEFAULT_N,
    METHODS,
    MIN_KEPT,
    MORRIS_LEVELS,
    SUMMARIES,
    Design,
    analyse,
    enough_kept,
    evaluate,
    make_design,
    power_of_two,
    select_factors,
)
from gutbrain.errors import InputError, SolverError

SCENARIO_CHUNK = 256  # runs per chunk: lockstep groups stay full, a chunk is seconds of work
TRIAL_CHUNK = 2  # parameter sets per chunk: each is a whole trial
DEFAULT_OUTPUTS = ("phq9", "gad7", "il6", "crp", "cortisol", "butyrate", "shannon",
                   "barrier_integrity", "trp_plasma", "neurodegeneration_risk")
VERSION = 2  # of the chunk layout and burn-in (in the digest)
# Step budget per simulated day: a typical day takes ~60-140 steps at the cohort tolerance; a
# run needing more than this (~15-30x typical: a stiff corner of the ranges, which the
# explicit engine crosses in tiny steps, or a step size stalled at a parameter end, issue #15
# item 4) is stopped and counted as failed. Under the engine's default budget of 5 million
# steps one such run cost ~40 s (measured), and a Morris design over every parameter hours.
MAX_STEPS_PER_DAY = 2000
PROBE_STEPS = 20_000  # the stall probe (burn_in)
STALL_DAYS = 1e-3  # ~1.4 min of model time
STAGES = 8  # the brute-force burn-in runs in stages, each held to the step budget: a run too
# stiff for it fails within a stage (50 days) instead of spending 400 days' budget first


@dataclass(frozen=True)
class Target:
    """What each parameter set runs: a scenario or a trial spec."""

    kind: str  # "scenario" | "trial"
    name: str
    document: Any  # Scenario | TrialSpec

    def json(self) -> str:
        return self.document.model_dump_json(by_alias=True)


def load_target(ref: str | Path) -> Target:
    """A trial spec file (a mapping with ``arms``) or a scenario file or built-in name."""
    from gutbrain.scenario.library import resolve_scenario

    path = Path(ref)
    if path.is_file() and path.suffix.lower() in (".yaml", ".yml", ".json"):
        from gutbrain.scenario.loader import read_document

        data, _ = read_document(path, "scenario or trial spec")
        if isinstance(data, dict) and "arms" in data:
            from gutbrain.analysis.trial_spec import load_trial

            spec = load_trial(path)
            return Target("trial", spec.name, spec)
    sc = resolve_scenario(ref)
    if not isinstance(sc.person, str) and sc.person.profile:
        raise InputError("person.profile: a sensitivity run starts every parameter set at its "
                         "own steady state; a measured profile sets one person's start (use "
                         "`gutbrain simulate`)")
    return Target("scenario", sc.name, sc)


def held_parameters(target: Target) -> dict[str, str]:
    """Parameters the target fixes (left out of group selections, with the reason)."""
    if target.kind == "trial":
        from gutbrain.analysis.population import GENERAL_TRAITS

        held = {t.param: "sampled per person by the trial's population (naming it fixes it "
                "for everyone)" for t in GENERAL_TRAITS}
        held.update({k: "fixed by the trial spec's parameters" for k in
                     target.document.parameters})
        return held
    sc = target.document
    held = {k: "set by the scenario's person" for k in sc.person_overrides()}
    held.update({k: "fixed by the scenario's parameters" for k in sc.parameters})
    return held


# ---- outputs -------------------------------------------------------------------------------
def trial_output_names(spec: Any) -> list[str]:
    """Every output of a trial run: ``hedges_g:OUTCOME:ARM`` (``risk_ratio:`` for a binary
    outcome) against the first arm, and ``change_mean:OUTCOME:ARM`` (``rate:``) of every arm.
    Outcome ids and arm names hold no ':' (trial_spec), so the names split cleanly."""
    from gutbrain.analysis.trial_spec import OUTCOMES

    arms = list(spec.arms)
    names = []
    for o in spec.outcomes:
        binary = OUTCOMES[o][0] == "binary"
        names += [f"{'risk_ratio' if binary else 'hedges_g'}:{o}:{a}" for a in arms[1:]]
        names += [f"{'rate' if binary else 'change_mean'}:{o}:{a}" for a in arms]
    return names


def resolve_outputs(target: Target, outputs: Sequence[str] | None, summary: str | None
                    ) -> list[str]:
    """The output names of ``--outputs`` (comma-separated, repeatable): observables of a
    scenario; for a trial, outcomes of its spec (all of their contrasts and arm means) or
    full output names."""
    words = [w.strip() for t in (outputs or []) for w in str(t).split(",") if w.strip()]
    if target.kind == "trial":
        if summary is not None:
            raise InputError("--summary: a trial's outputs are its contrasts of change from "
                             "baseline; --summary applies to a scenario")
        every = trial_output_names(target.document)
        if not words:
            return every
        chosen = []
        for w in words:
            hit = [n for n in every if n == w or n.split(":")[1] == w]
            if not hit:
                raise InputError(f"--outputs: {w!r} is not an outcome of this trial; expected "
                                 f"one of {', '.join(target.document.outcomes)} (or a full "
                                 f"output name such as {every[0]})")
            chosen += [n for n in hit if n not in chosen]
        return [n for n in every if n in chosen]
    from gutbrain.compile.build import compile_model

    if summary is not None and summary not in SUMMARIES:
        raise InputError(f"--summary: unknown summary {summary!r}; expected one of "
                         f"{', '.join(SUMMARIES)}")
    ids = compile_model().observable_ids
    words = words or list(DEFAULT_OUTPUTS)
    for w in words:
        if w not in ids:
            import difflib

            close = difflib.get_close_matches(w, ids, n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise InputError(f"--outputs: unknown observable {w!r}{hint}; see `gutbrain "
                             "observables`")
    return list(dict.fromkeys(words))


# ---- chunk functions (picklable, module level: they ship to dask workers) ------------------
def burn_in(model: Any, params: np.ndarray, reference: np.ndarray, base: np.ndarray,
            tol: Any, periodic: np.ndarray | None = None, chain: bool = True
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each parameter set's periodic steady state at midnight, status (0 ok, 1 failed) and
    reason. ``periodic`` (optional, one bool per set) is set in place: True where shooting
    found the periodic steady state, False where brute force ended the burn-in (or it failed).

    How: first, a set at which the model's rates are not finite (a 0/0 at a range end) fails
    at once with that reason. Then shooting on the one-day map, chained through the sets in
    row order (engine.periodic.chained_steady_states: each group of neighbours from the
    steady state of the last set solved, with the monodromy matrix taken there; sampled sets
    sit anywhere in the ranges, where the reference person's matrix converged for none of a
    Morris design over every parameter). For the sets it leaves unconverged (among them sets
    with no periodic steady state at all: some sampled sets oscillate over weeks, e.g.
    mucosal lactobacilli or macrophage polarisation), FALLBACK_DAYS of brute force from the
    nearest steady state found, done here behind a one-day probe and in STAGES, each held to
    MAX_STEPS_PER_DAY: a set whose step size collapses at the start (a stall: less than
    STALL_DAYS of progress in PROBE_STEPS steps) or that is too stiff for the budget fails
    early instead of spending the whole budget (~6 s each, measured). ``chain=False``:
    every set shot from the reference with its monodromy matrix (periodic_steady_states),
    for sets that all lie near the reference, e.g. a posterior ensemble's members (one wide
    batch, the reference's matrix cached between calls)."""
    from gutbrain.engine.batch import integrate_batch
    from gutbrain.engine.periodic import (
        FALLBACK_DAYS,
        chained_steady_states,
        periodic_steady_states,
    )

    status = np.zeros(len(params), dtype=np.int8)
    reasons = np.array(["ok"] * len(params), dtype=object)
    finite = _finite_rates(model, params, reference)
    for k in np.flatnonzero(finite >= 0):
        status[k] = 1
        reasons[k] = ("burn-in: the model's rates are not finite at these parameters "
                      f"(variable {model.state_names[finite[k]]})")
    y = np.repeat(reference[None], len(params), axis=0)
    good = np.flatnonzero(status == 0)
    if chain:
        shot = chained_steady_states(model, params[good], reference, base, tol)
    else:
        shot = periodic_steady_states(model, params[good], reference, base, tol,
                                      fallback_days=0.0)
    y[good] = shot.y
    todo = good[shot.brute_force]
    if periodic is not None:
        periodic[:] = False
        periodic[good[~shot.brute_force]] = True
    if todo.size:
        zero = np.zeros((1, model.n_states))
        t0 = -FALLBACK_DAYS
        probe = integrate_batch(model, np.array([t0, t0 + 1.0]), params[todo][:, None, :],
                                zero, y[todo], np.array([t0 + 1.0]),
                                replace(tol, max_steps=PROBE_STEPS))
        stalled = (probe.status == 1) & (probe.info[:, 0] < t0 + STALL_DAYS)
        for k, m in zip(todo[stalled], np.array(probe.messages(model))[stalled], strict=True):
            status[k] = 1
            reasons[k] = (f"burn-in: stalled ({m.replace(' at day', ' within minutes of day')}"
                          ")")
        go = todo[~stalled]
        lost = go[~np.isfinite(y[go]).all(axis=1)]
        y[lost] = reference  # an iterate that overflowed is no start: the reference is
        stages = np.linspace(t0, 0.0, STAGES + 1)
        for a, b in zip(stages[:-1], stages[1:], strict=True):
            if not go.size:
                break
            sol = integrate_batch(model, np.array([a, b]), params[go][:, None, :], zero,
                                  y[go], np.array([b]),
                                  replace(tol, max_steps=int(MAX_STEPS_PER_DAY * (b - a))))
            y[go] = sol.y[:, 0]
            for k, st, m in zip(go, sol.status, sol.messages(model), strict=True):
                if st != 0:
                    status[k] = 1
                    reasons[k] = f"burn-in: {m}"
            go = go[sol.status == 0]
    return y, status, reasons


def _finite_rates(model: Any, params: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per parameter set the index of the first state whose rate at ``y`` (midnight) is not
    finite, or -1: such a set (e.g. a 0/0 in an assignment at a range end) cannot be
    integrated at all, and the solver would spend its whole step budget rejecting steps."""
    dy = np.zeros(model.n_states)
    out = np.full(len(params), -1, dtype=np.int64)
    for k, p in enumerate(params):
        with np.errstate(all="ignore"):
            model.module.rhs(0.0, y.copy(), p, dy)
        bad = np.flatnonzero(~np.isfinite(dy))
        if bad.size:
            out[k] = bad[0]
    return out


def scenario_chunk(scenario_json: str, names: tuple[str, ...], reference: np.ndarray,
                   rtol: float, samples: np.ndarray, values: np.ndarray) -> pd.DataFrame:
    """One row per sampled parameter set: status, reason, and every observable's end, mean
    and change (columns ``OBS:end`` ...); NaN where the burn-in or the run failed."""
    from gutbrain.compile.build import compile_model
    from gutbrain.engine.batch import integrate_batch, observe_batch
    from gutbrain.scenario.schedule import build_schedule, person_parameters, sample_times
    from gutbrain.scenario.schema import Scenario

    model = compile_model()
    sc = Scenario.model_validate_json(scenario_json)
    base = person_parameters(model, sc)
    n = len(samples)
    params = np.repeat(base[None], n, axis=0)
    params[:, [model.param_index(p) for p in names]] = values
    tol = cohort_tolerances(rtol)
    started = time.perf_counter()
    periodic = np.zeros(n, dtype=bool)
    y0, status, reasons = burn_in(model, params, reference, base, tol, periodic)
    burnt = time.perf_counter()
    t = sample_times(sc.days, 1.0)
    obs = np.full((n, len(t), len(model.observable_ids)), np.nan)
    ok = np.flatnonzero(status == 0)
    if ok.size:
        scheds = [build_schedule(model, sc, params[k]) for k in ok]
        seg_params = np.stack([s.params for s in scheds])
        bolus = np.stack([s.bolus for s in scheds])
        bounds = scheds[0].boundaries
        sol = integrate_batch(model, bounds, seg_params, bolus, y0[ok], t,
                              replace(tol, max_steps=int(MAX_STEPS_PER_DAY * max(sc.days, 1))))
        obs[ok] = observe_batch(model, sol, bounds, seg_params)
        for k, s, m, info in zip(ok, sol.status, sol.messages(model), sol.info, strict=True):
            if s != 0 and info[0] <= t[0]:  # the steady state itself is outside physiology
                status[k] = 1
                reasons[k] = f"burn-in: steady state {m.replace(' at day 0.000', '')}"
            elif s != 0:
                status[k] = 2
                reasons[k] = m
    obs[status != 0] = np.nan
    done = time.perf_counter()
    span = max(t[-1] - t[0], 1e-12)
    summaries = {"end": obs[:, -1], "mean": np.trapezoid(obs, t, axis=1) / span,
                 "change": obs[:, -1] - obs[:, 0]}
    cols: dict[str, Any] = {"sample": np.asarray(samples, dtype=np.int64), "status": status,
                            "reason": reasons.astype(str),
                            # how the burn-in ended: at the periodic steady state (shooting)
                            # or after FALLBACK_DAYS of brute force
                            "burn_in": np.where(status == 1, "failed",
                                                np.where(periodic, "periodic", "brute force")),
                            # wall seconds of the chunk's phases, shared out over its runs
                            "burn_in_s": (burnt - started) / n, "scenario_s": (done - burnt) / n}
    for j, o in enumerate(model.observable_ids):
        for s in SUMMARIES:
            cols[f"{o}:{s}"] = summaries[s][:, j]
    return pd.DataFrame(cols)


def trial_chunk(spec_json: str, names: tuple[str, ...], samples: np.ndarray,
                values: np.ndarray) -> pd.DataFrame:
    """One row per sampled parameter set: the trial run with those parameters for everyone
    (screening included), its contrasts and arm means; a set whose trial cannot be run (its
    population does not burn in, nobody passes screening) is a failed row, not an error."""
    import math

    from gutbrain.analysis.trial import run_trial
    from gutbrain.analysis.trial_spec import TrialSpec

    spec = TrialSpec.model_validate_json(spec_json)
    out_names = trial_output_names(spec)
    rows = []
    for i, v in zip(samples, values, strict=True):
        row: dict[str, Any] = {"sample": int(i), "status": 0, "reason": "ok",
                               "failed_persons": 0, **{k: math.nan for k in out_names}}
        fixed = {**spec.parameters, **{p: float(x) for p, x in zip(names, v, strict=True)}}
        try:
            result, _, _ = run_trial(spec.model_copy(update={"parameters": fixed}))
        except (InputError, SolverError) as exc:
            row.update(status=1, reason=str(exc))
            rows.append(row)
            continue
        row["failed_persons"] = int(result["failed_persons"])
        for c in result["contrasts"]:
            key = "risk_ratio" if "risk_ratio" in c else "hedges_g"
            row[f"{key}:{c['outcome']}:{c['arm']}"] = c[key]
        for arm, summ in result["arms"].items():
            for o, s in summ["outcomes"].items():
                if "rate" in s:
                    row[f"rate:{o}:{arm}"] = s["rate"]
                else:
                    row[f"change_mean:{o}:{arm}"] = s["change_mean"]
        rows.append(row)
    df = pd.DataFrame(rows)
    df[out_names] = df[out_names].astype(float)
    return df


# ---- the run -------------------------------------------------------------------------------
def _reason(text: str) -> str:
    """A failure reason without its day and values (the variable kept), for counting."""
    text = re.sub(r" (at|within minutes of) day -?[\d.]+", "", text)
    return re.sub(r" \(value .*\)$", "", text)


def run_sensitivity(target: Target, method: str = "morris",
                    params: Sequence[str] | None = None,
                    outputs: Sequence[str] | None = None, summary: str | None = None,
                    n: int | None = None, seed: int = 0, levels: int = MORRIS_LEVELS,
                    out: str | Path | None = None, workers: int | None = None,
                    scheduler: str | None = None,
                    progress: Callable[[str], None] | None = None,
                    overwrite: bool = False, rtol: float = COHORT_RTOL
                    ) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Global sensitivity of a scenario's or trial's outputs to the selected parameters.
    Returns (indices, summary, runs); with ``out`` writes ``indices.parquet``,
    ``runs.parquet`` (every run in sample order: parameter values, status, outputs) and
    ``summary.json`` there, and keeps the chunks for resuming. Deterministic for a seed."""
    started = time.perf_counter()
    if method not in METHODS:
        raise InputError(f"--method: unknown method {method!r}; expected one of "
                         f"{', '.join(METHODS)}")
    if workers is not None and workers <= 0:
        raise InputError(f"--workers: expected a positive number, got {workers}")
    out_names = resolve_outputs(target, outputs, summary)
    summary = summary or ("end" if target.kind == "scenario" else None)
    factors, notes = select_factors(params, held_parameters(target))
    n = DEFAULT_N[method] if n is None else n
    design = make_design(method, factors, n, seed, levels)
    if method == "sobol" and not power_of_two(n):
        notes.append(f"--n {n} is not a power of 2: the Sobol' sequence's balance properties "
                     "hold only for powers of 2 (e.g. 512, 1024)")
    from gutbrain.analysis.chunks import claim_chunk_dir, run_digest

    outdir = Path(out) if out else None
    digest = run_digest({"kind": "sensitivity", "version": VERSION, "target": target.kind,
                         "document": json.loads(target.json()), "method": method,
                         "factors": [[f.name, f.low, f.high, f.log] for f in factors],
                         "n": n, "seed": seed, "levels": levels if method == "morris" else None,
                         "rtol": rtol, "norm": COHORT_NORM,
                         "budget": [MAX_STEPS_PER_DAY, PROBE_STEPS, STALL_DAYS, STAGES],
                         "chunk": SCENARIO_CHUNK if target.kind == "scenario" else TRIAL_CHUNK})
    if outdir:  # a folder holding another run's chunks is refused before any work
        claim_chunk_dir(outdir, digest, "sensitivity", overwrite)
    names = tuple(f.name for f in factors)
    if target.kind == "scenario":
        from gutbrain.compile.build import compile_model
        from gutbrain.engine.single import Tolerances, steady_state
        from gutbrain.scenario.schedule import person_parameters

        model = compile_model()
        base = person_parameters(model, target.document)
        reference = steady_state(model, base, tol=Tolerances(rtol=1e-6))
        fn, args, chunk = scenario_chunk, (target.json(), names, reference, rtol), \
            SCENARIO_CHUNK
    else:
        fn, args, chunk = trial_chunk, (target.json(), names), TRIAL_CHUNK
    computed: list[str] = []

    def step(key: str) -> None:
        computed.append(key)
        if progress:
            progress(key)

    runs = evaluate(design, fn, args, outdir, chunk, workers, scheduler, step, digest,
                    overwrite)
    columns = {o: (f"{o}:{summary}" if target.kind == "scenario" else o) for o in out_names}
    y = {o: runs[c].to_numpy(dtype=float) for o, c in columns.items()}
    table, reports = analyse(design, y, seed)
    table["summary"] = summary or "trial"
    failed = runs.status.to_numpy() != 0
    info = _summary(target, design, out_names, summary, runs, reports, notes, rtol)
    info.update(chunks=-(-design.runs // chunk), chunks_computed=len(computed),
                elapsed_s=round(time.perf_counter() - started, 3), digest=digest)
    if "burn_in" in runs:  # how the burn-ins ended
        info["burn_in"] = {k: int(v) for k, v in runs.burn_in.value_counts().items()}
    if "burn_in_s" in runs:  # wall seconds inside the chunks (when they were computed)
        info["chunk_seconds"] = {"burn_in": round(float(runs.burn_in_s.sum()), 3),
                                 "scenario": round(float(runs.scenario_s.sum()), 3)}
    runs_table = _runs_table(design, runs, columns)
    too_few = enough_kept(design, reports)
    if too_few:
        top = "; ".join(f"{k} ({v})" for k, v in list(info["failure_reasons"].items())[:3])
        info["refused"] = (
            f"{int(failed.sum())} of {design.runs} runs failed ({top}); too few "
            f"{'Saltelli blocks' if method == 'sobol' else 'elementary effects'} remain for "
            f"{', '.join(too_few)} (at least {MIN_KEPT:.0%} are needed): the indices would "
            "describe only the part of the ranges where the model runs. Narrow --params, or "
            "see runs.parquet for the failing sets")
        if outdir:  # what ran is kept for diagnosis; no indices from a previous run remain
            for stale in ("indices.parquet", "report.html"):
                (outdir / stale).unlink(missing_ok=True)
            _write(outdir, None, runs_table, info)
        raise SolverError(info["refused"])
    if outdir:
        _write(outdir, table, runs_table, info)
    return table, info, runs_table


def _summary(target: Target, design: Design, outputs: list[str], summary: str | None,
             runs: pd.DataFrame, reports: dict[str, Any], notes: list[str], rtol: float
             ) -> dict[str, Any]:
    failed = runs[runs.status != 0]
    reasons = failed.reason.map(_reason).value_counts().to_dict() if len(failed) else {}
    from gutbrain.analysis.sensitivity import failure_attribution

    culprits = failure_attribution(design, runs.status.to_numpy() != 0)
    blocks_failed = int(runs.status.to_numpy().reshape(design.n_blocks, -1).any(axis=1).sum()
                        ) if len(runs) else 0
    warn = [*notes]
    if len(failed):
        share = len(failed) / len(runs)
        warn.append(f"{len(failed)} of {len(runs)} runs ({share:.1%}) failed; "
                    + ("Saltelli blocks holding one were dropped" if design.method == "sobol"
                       else "elementary effects touching one were dropped")
                    + " (see dropped per output)")
    for o, rep in reports.items():
        if rep.constant:
            warn.append(f"{o}: the same value in every run (no variance to apportion; "
                        "indices are 0)")
    return {
        "target": {"kind": target.kind, "name": target.name},
        "method": design.method, "n": design.n, "seed": design.seed,
        "levels": design.levels if design.method == "morris" else None,
        "runs": design.runs, "block_size": design.block_size, "blocks": design.n_blocks,
        "block": "trajectory" if design.method == "morris" else "Saltelli block (A, AB_i, B)",
        "summary": summary, "outputs": outputs,
        "parameters": [{"name": f.name, "low": f.low, "high": f.high,
                        "distribution": f.distribution, "basis": f.basis, "module": f.module,
                        "unit": f.unit} for f in design.factors],
        "failed_runs": int(len(failed)), "failed_blocks": blocks_failed,
        "failure_reasons": reasons,
        "failures_by_parameter": culprits.head(15).to_dict(orient="records"),
        "dropped": {o: rep.as_dict() for o, rep in reports.items()},
        "confidence": "95% percentile bootstrap intervals (1000 resamples)",
        "rtol": rtol, "error_norm": COHORT_NORM,
        "distributions": "uniform on the declared range, log-uniform when low > 0 and "
                         "high/low >= 10 (sampled uniformly in log space)",
        "warnings": warn,
    }


def _runs_table(design: Design, runs: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    values = design.values()
    cols: dict[str, Any] = {"sample": runs["sample"].to_numpy(), "block": design.block_of(),
                            "status": runs.status.to_numpy(), "reason": runs.reason.to_numpy()}
    cols.update({f"param:{name}": values[:, j] for j, name in enumerate(design.names)})
    cols.update({o: runs[c].to_numpy() for o, c in columns.items()})
    return pd.DataFrame(cols)


def _write(outdir: Path, table: pd.DataFrame | None, runs: pd.DataFrame,
           info: dict[str, Any]) -> None:
    from gutbrain.results.io import to_json, write_text_atomic

    for name, df in (("indices", table), ("runs", runs)):
        if df is None:
            continue
        tmp = outdir / f".{name}.parquet.{os.getpid()}.tmp"
        df.to_parquet(tmp, index=False)
        os.replace(tmp, outdir / f"{name}.parquet")
    write_text_atomic(outdir / "summary.json", to_json(info))


__all__ = ["DEFAULT_OUTPUTS", "Target", "held_parameters", "load_target",
           "resolve_outputs", "run_sensitivity", "scenario_chunk", "trial_chunk",
           "trial_output_names"]
