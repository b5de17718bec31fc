"""Model-uncertainty bands of a scenario (``gutbrain simulate --uncertainty``).

Every member of the posterior ensemble is the scenario's person in another model world (the
calibrated constants set to that member's values), started at its own periodic steady state
and run through the scenario by the lockstep batch engine at the cohort tolerance, like a
sensitivity design (``sensitivity_model.burn_in``). The band of an observable at a time is the
5th, 50th and 95th percentile over the members that ran. It answers "how sure is the model of
this curve?", not "how do people differ?": the person is the same in every member.

Parameters that the scenario itself sets (its person's preset and overrides, its
``parameters:``) are part of the experiment and win over the ensemble; they are listed in the
provenance. Why the cohort tolerance (rtol 3e-4, max norm): 256 runs then cost about as much as
a few one-person runs at rtol 1e-6, and every state agrees with the reference engine within
1e-3 (README "Accuracy at the cohort tolerance"), far inside the bands.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gutbrain.errors import InputError, SolverError

QUANTILES = (0.05, 0.5, 0.95)
COLUMNS = ("day", "observable", "q05", "q50", "q95")
CHUNK = 64  # members per batch: lockstep groups stay full, memory stays bounded
MAX_BYTES = 1_500_000_000  # members x samples x observables in float32
MIN_OK_SHARE = 0.5  # fewer members than this running: the band would describe a biased part


def member_parameters(model: Any, base: np.ndarray, names: tuple[str, ...],
                      values: np.ndarray, held: set[str]) -> tuple[np.ndarray, list[str]]:
    """(members x parameters) of the base person with each member's values, except ``held``
    names (set by the scenario: they win). Returns the matrix and the names varied."""
    params = np.repeat(base[None], len(values), axis=0)
    varied = []
    for j, n in enumerate(names):
        if n in held:
            continue
        params[:, model.param_index(n)] = values[:, j]
        varied.append(n)
    return params, varied


def run_members(sc: Any, params: np.ndarray, t: np.ndarray, rtol: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observables (members x time x observable, float32; NaN where a member failed), status
    (0 ok) and reasons, in chunks of CHUNK members."""
    from gutbrain.analysis.population import cohort_tolerances
    from gutbrain.analysis.sensitivity_model import MAX_STEPS_PER_DAY, burn_in
    from gutbrain.compile.build import compile_model
    from gutbrain.engine.batch import integrate_batch, observe_batch
    from gutbrain.engine.single import Tolerances, steady_state
    from gutbrain.scenario.schedule import build_schedule, person_parameters

    model = compile_model()
    base = person_parameters(model, sc)
    reference = steady_state(model, base, tol=Tolerances(rtol=1e-6))
    tol = cohort_tolerances(rtol)
    n = len(params)
    obs = np.full((n, len(t), len(model.observable_ids)), np.nan, dtype=np.float32)
    status = np.zeros(n, dtype=np.int8)
    reasons = np.array(["ok"] * n, dtype=object)
    for a in range(0, n, CHUNK):
        idx = np.arange(a, min(a + CHUNK, n))
        # members lie near the reference (a posterior): shot from it in one batch
        y0, st, why = burn_in(model, params[idx], reference, base, tol, chain=False)
        status[idx], reasons[idx] = st, why
        ok = idx[st == 0]
        if not ok.size:
            continue
        scheds = [build_schedule(model, sc, params[k]) for k in ok]
        seg = np.stack([s.params for s in scheds])
        bolus = np.stack([s.bolus for s in scheds])
        bounds = scheds[0].boundaries
        sol = integrate_batch(model, bounds, seg, bolus, y0[st == 0], t,
                              replace(tol, max_steps=int(MAX_STEPS_PER_DAY * max(sc.days, 1))))
        obs[ok] = observe_batch(model, sol, bounds, seg)
        for k, s, m in zip(ok, sol.status, sol.messages(model), strict=True):
            if s != 0:
                status[k], reasons[k] = 2, m
    obs[status != 0] = np.nan
    return obs, status, reasons


def quantile_frame(t: np.ndarray, obs: np.ndarray, ids: list[str]) -> pd.DataFrame:
    """Tidy bands: one row per (day, observable), columns COLUMNS."""
    nt, no = obs.shape[1], obs.shape[2]
    q = np.empty((len(QUANTILES), nt, no))
    for j in range(no):  # one observable at a time: no float64 copy of the whole array
        x = obs[:, :, j].astype(np.float64)
        # np.nanquantile is ~40x slower; NaN appears only in an observable some member cannot
        # define (the members that failed are already left out)
        q[:, :, j] = (np.quantile(x, QUANTILES, axis=0) if np.isfinite(x).all()
                      else np.nanquantile(x, QUANTILES, axis=0))
    return pd.DataFrame({"day": np.repeat(t, no), "observable": np.tile(ids, nt),
                         "q05": q[0].ravel(), "q50": q[1].ravel(), "q95": q[2].ravel()})


def uncertainty_bands(scenario: Any, *, every_hours: float = 1.0, draws: int | None = None,
                      ensemble: Any = None, observables: list[str] | None = None,
                      rtol: float | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Bands (``day, observable, q05, q50, q95``) of a scenario (a Scenario, a mapping, a file
    or a built-in name) over the posterior ensemble and
    their provenance (ensemble record, members run and failed, what the scenario held).
    ``draws`` takes the first members (a random subsample: the file stores them shuffled)."""
    from gutbrain.analysis.population import COHORT_NORM, COHORT_RTOL
    from gutbrain.analysis.uncertainty.ensemble import load_ensemble
    from gutbrain.api import as_scenario, check_run_options
    from gutbrain.compile.build import compile_model
    from gutbrain.scenario.schedule import person_parameters, sample_times

    started = time.perf_counter()
    if isinstance(scenario, str | Path):  # a file or a built-in name, as on the command line
        from gutbrain.scenario.library import resolve_scenario

        scenario = resolve_scenario(scenario)
    sc = as_scenario(scenario)
    if not isinstance(sc.person, str) and sc.person.profile:
        raise InputError("person.profile: uncertainty bands start every ensemble member at its "
                         "own steady state; a measured profile sets one person's start")
    rtol = COHORT_RTOL if rtol is None else rtol
    check_run_options(sc, every_hours=every_hours, rtol=rtol, names=("--every", "--rtol"))
    ens = ensemble if ensemble is not None else load_ensemble()
    values = ens.members(draws)
    model = compile_model()
    ids = list(model.observable_ids)
    chosen = list(observables) if observables else ids
    unknown = [o for o in chosen if o not in ids]
    if unknown:
        raise InputError(f"observables: unknown {', '.join(unknown)}; see `gutbrain "
                         "observables`")
    held = set(sc.person_overrides()) | set(sc.parameters)
    params, varied = member_parameters(model, person_parameters(model, sc), ens.names,
                                       values, held)
    t = sample_times(sc.days, every_hours / 24.0)
    need = len(values) * len(t) * len(ids) * 4
    if need > MAX_BYTES:
        raise InputError(f"--every: {len(values)} ensemble members x {len(t):,} samples is "
                         f"~{need / 1e9:.1f} GB of observables; the limit for bands is "
                         f"{MAX_BYTES / 1e9:.0f} GB: sample less often (e.g. --every 24) or "
                         "take fewer --draws")
    obs, status, reasons = run_members(sc, params, t, rtol)
    ok = status == 0
    failed = pd.Series(reasons[~ok]).str.replace(r" at day .*", "", regex=True)
    info = {**ens.provenance(), "members_run": int(len(values)), "members_ok": int(ok.sum()),
            "failure_reasons": failed.value_counts().to_dict(), "varied": varied,
            "held_by_scenario": sorted(held & set(ens.names)), "rtol": rtol,
            "error_norm": COHORT_NORM, "every_hours": every_hours,
            "quantiles": list(QUANTILES), "seconds": round(time.perf_counter() - started, 2),
            "meaning": "parameter (model) uncertainty for this person; person-to-person "
                       "variation is not in these bands (see `gutbrain cohort`/`trial`)"}
    if ok.sum() < MIN_OK_SHARE * len(values):
        raise SolverError(f"uncertainty bands: only {int(ok.sum())} of {len(values)} ensemble "
                          f"members ran ({info['failure_reasons']}); the bands would describe "
                          "a biased part of the posterior")
    cols = [ids.index(o) for o in chosen]
    return quantile_frame(t, obs[ok][:, :, cols], chosen), info


def write_bands(bands: pd.DataFrame, out_dir: Any) -> Any:
    """``bands.parquet`` in out_dir, via a temporary file and a rename."""
    import os
    import tempfile

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".bands.parquet.", suffix=".tmp")
    os.close(fd)
    try:
        bands.to_parquet(tmp, index=False)
        os.replace(tmp, out / "bands.parquet")
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out / "bands.parquet"


__all__ = ["COLUMNS", "QUANTILES", "quantile_frame", "run_members", "uncertainty_bands",
           "write_bands"]
