"""Solve many persons at once: one compiled solver, persons in parallel (numba prange).

Each person has their own parameters (traits, diet, lifestyle) on a shared segment grid (the
arm's schedule); a person whose integration fails gets a status code, the cohort goes on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gutbrain.compile.build import CompiledModel
from gutbrain.engine.single import Tolerances, burn_pieces, equilibrate_slow
from gutbrain.engine.tsit5 import STATE_LIMIT, STATUS, load_solver

# Lockstep at rtol >= this runs the right-hand side in single precision (LANES32 persons per
# group, twice the lanes per vector register; the state, stages, error norm and step control
# stay double). float32 rounds the rates to ~6e-8 relative, which enters the error estimate as
# noise far below such a tolerance; the agreement with the one-person engine is tested
# (tests/test_engine_speed_levers.py) and measured in bench/integrator_study.md.
SINGLE_PRECISION_MIN_RTOL = 1e-5


@dataclass
class BatchSolution:
    t: np.ndarray
    y: np.ndarray  # (person, time, state)
    status: np.ndarray  # (person,) 0 = ok
    info: np.ndarray  # (person, 4): t reached, worst variable index, steps, rejected

    def messages(self, model: CompiledModel) -> list[str]:
        out = []
        for k, s in enumerate(self.status):
            if s == 0:
                out.append("ok")
            elif s == 5:
                j = int(self.info[k, 1])
                out.append(f"{model.observable_ids[j]} {STATUS[5]} at day {self.info[k, 0]:.3f}"
                           f" (value {self.info[k, 3]:.4g} {model.spec.observables[j].unit};"
                           f" plausible {model.spec.observables[j].plausible})")
            else:
                out.append(f"{STATUS[int(s)]} at day {self.info[k, 0]:.3f} "
                           f"(variable {model.state_names[int(self.info[k, 1])]})")
        return out

    @property
    def ok(self) -> np.ndarray:
        """Mask of persons whose solve succeeded."""
        return self.status == 0


def window_starts(model: CompiledModel, params: np.ndarray) -> np.ndarray:
    """The clock start of each person's step windows (person x window). params: (person,
    segment, parameter); the first segment decides."""
    n_win = model.module.N_STEP_WINDOWS
    starts = np.empty((params.shape[0], n_win))
    if n_win == 0:
        return starts
    row = np.empty((n_win, 3))
    for k in range(params.shape[0]):
        model.module.step_windows(params[k, 0], row)
        starts[k] = row[:, 0]
    return starts


def window_order(model: CompiledModel, params: np.ndarray,
                 starts: np.ndarray | None = None) -> np.ndarray:
    """Persons ordered by the clock times of their step windows (stable): a lockstep group
    honours the union of its members' windows, so persons whose windows coincide (the same
    wake time) are best grouped together. The identity when everyone's windows coincide.
    params: (person, segment, parameter); the first segment decides. ``starts``: their
    window_starts, where the caller has them (an iteration over the same persons computes
    them once)."""
    if model.module.N_STEP_WINDOWS == 0 or params.shape[0] < 2:
        return np.arange(params.shape[0])
    if starts is None:
        starts = window_starts(model, params)
    return np.lexsort(starts.T[::-1])


def integrate_batch(model: CompiledModel, boundaries: np.ndarray, params: np.ndarray,
                    bolus: np.ndarray, y0: np.ndarray, t_out: np.ndarray,
                    tol: Tolerances | None = None, lockstep: bool = True,
                    single: bool | None = None, starts: np.ndarray | None = None
                    ) -> BatchSolution:
    """params: (person, segment, parameter); y0: (person, state); bolus: (segment, state)
    shared by everyone or (person, segment, state). ``lockstep`` solves persons in groups of
    the generated module's LANES with one step size per group and a vectorised right-hand side
    (faster; results agree with the one-person engine within the tolerance, not bit for bit;
    at rtol >= SINGLE_PRECISION_MIN_RTOL the rhs runs in float32 for LANES32 persons at once,
    unless ``single`` says otherwise; persons are grouped by the clock times of their step
    windows, ``window_order``; ``starts``: the persons' window_starts, where the caller has
    them); without it every person is solved on their own, exactly as ``integrate`` would."""
    tol = tol or Tolerances()
    solver = load_solver(model)
    n = y0.shape[0]
    y_out = np.zeros((n, len(t_out), model.n_states))
    info = np.zeros((n, 4))
    status = np.zeros(n, dtype=np.int64)
    atol = tol.atol(y0)
    if bolus.ndim == 2:
        bolus = np.repeat(bolus[None], n, axis=0)
    order = window_order(model, params, starts) if lockstep else np.arange(n)
    reordered = bool(np.any(order != np.arange(n)))
    if reordered:
        params, bolus, y0, atol = params[order], bolus[order], y0[order], atol[order]
    if not lockstep:
        run = solver.solve_batch_single
    elif single or (single is None and tol.rtol >= SINGLE_PRECISION_MIN_RTOL):
        run = solver.solve_batch32
    else:
        run = solver.solve_batch
    run(np.ascontiguousarray(boundaries, float), np.ascontiguousarray(params, float),
        np.ascontiguousarray(bolus, float), np.ascontiguousarray(y0, float), model.nonnegative,
        np.ascontiguousarray(t_out, float), tol.rtol, atol, tol.h_max, tol.norm == "max",
        tol.max_steps, y_out, info, status)
    if reordered:
        _unsort_rows(y_out, order)  # in place: the samples may be most of the memory
        back = np.argsort(order)
        status, info = status[back], info[back]
    flag_bad_samples(t_out, y_out, status, info)
    return BatchSolution(t_out, y_out, status, info)


def flag_bad_samples(t_out: np.ndarray, y_out: np.ndarray, status: np.ndarray,
                     info: np.ndarray) -> None:
    """Give every person whose samples hold a non-finite or out-of-bounds value a failure
    status (3 or 4) with the day and variable of the first bad sample, in place. The solvers
    check every step, but a sample is the contract: a person reported ok has finite,
    bounded values (issue #16: a NaN person must never be counted as healthy)."""
    suspect = np.zeros(len(status), dtype=bool)
    if y_out.size == 0:  # no samples: nothing to check
        return
    for a in range(0, len(status), 1024):  # in blocks: the samples may be most of the memory
        block = y_out[a:a + 1024]
        # |x| <= limit everywhere <=> max <= limit and min >= -limit; a NaN propagates into
        # both (and compares False), so this finds NaN, inf and runaway values without a
        # temporary the size of the samples
        suspect[a:a + 1024] = ~((block.max(axis=(1, 2)) <= STATE_LIMIT)
                                & (block.min(axis=(1, 2)) >= -STATE_LIMIT))
    for k in np.flatnonzero(suspect & (status == 0)):
        yk = y_out[k]
        bad = ~np.isfinite(yk) | (np.abs(np.nan_to_num(yk, nan=np.inf)) > STATE_LIMIT)
        ti, si = np.argwhere(bad)[0]
        status[k] = 3 if not np.isfinite(yk[ti, si]) else 4
        info[k, 0] = t_out[ti]
        info[k, 1] = si


def _unsort_rows(a: np.ndarray, order: np.ndarray) -> None:
    """Move row k of ``a`` to row order[k], in place (one row of scratch per cycle)."""
    done = np.zeros(len(order), dtype=bool)
    for start in range(len(order)):
        if done[start]:
            continue
        row, j = a[start].copy(), start
        while True:
            done[j] = True
            dest = int(order[j])
            if dest == start:
                a[start] = row
                break
            row, a[dest] = a[dest].copy(), row
            j = dest


def observe_batch(model: CompiledModel, sol: BatchSolution, boundaries: np.ndarray,
                  params: np.ndarray) -> np.ndarray:
    """Observables (person, time, observable); NaN for a failed person from the day their
    solve failed (the samples before it are kept: they are valid)."""
    solver = load_solver(model)
    seg = np.clip(np.searchsorted(boundaries, sol.t, side="right") - 1, 0,
                  params.shape[1] - 1).astype(np.int64)
    out = np.zeros((sol.y.shape[0], len(sol.t), len(model.observable_ids)))
    solver.observe_batch(np.ascontiguousarray(sol.t), sol.y, np.ascontiguousarray(params),
                         seg, out)
    flag_implausible(model, sol, out)
    for k in np.flatnonzero(sol.status != 0):
        out[k, sol.t >= sol.info[k, 0]] = np.nan
    return out


def implausible(model: CompiledModel, t: np.ndarray, obs: np.ndarray
                ) -> tuple[float, int, float] | None:
    """(day, observable index, value) of the first sample of one person's observables
    (time x observable) outside a declared plausible range, or None."""
    lo, hi = model.observable_bounds
    bad = (obs < lo) | (obs > hi)
    if not bad.any():
        return None
    ti, oi = np.argwhere(bad)[0]
    return float(t[ti]), int(oi), float(obs[ti, oi])


def flag_implausible(model: CompiledModel, sol: BatchSolution, obs: np.ndarray) -> None:
    """Give status 5 to persons whose observables leave their model-declared plausible range
    (a runaway that stays finite, e.g. cortisol growing without bound), in place: info holds
    the day, the observable index and (in place of the rejected steps) the value."""
    lo, hi = model.observable_bounds
    cols = np.flatnonzero(np.isfinite(lo) | np.isfinite(hi))
    if cols.size == 0:
        return
    sub = obs[:, :, cols]
    suspect = ((sub < lo[cols]) | (sub > hi[cols])).any(axis=(1, 2)) & (sol.status == 0)
    for k in np.flatnonzero(suspect):
        found = implausible(model, sol.t, obs[k])
        if found:
            sol.status[k] = 5
            sol.info[k, 0], sol.info[k, 1], sol.info[k, 3] = found


def steady_states(model: CompiledModel, params: np.ndarray, start: np.ndarray,
                  days: float = 200.0, tol: Tolerances | None = None) -> BatchSolution:
    """Burn-in of many persons from a common start (e.g. the reference steady state), ending
    at midnight so the circadian phase matches day 0. params: (person, parameter)."""
    n = params.shape[0]
    y = np.repeat(start[None, :], n, axis=0)
    status = np.zeros(n, dtype=np.int64)
    info = np.zeros((n, 4))
    elapsed = 0.0
    for piece, newton in burn_pieces(model, days):
        part = integrate_batch(model, np.array([-piece, 0.0]), params[:, None, :],
                               np.zeros((1, model.n_states)), y, np.array([0.0]), tol)
        failed = (part.status != 0) & (status == 0)  # the first failure of a person is kept
        status[failed] = part.status[failed]
        info[failed] = part.info[failed]
        info[failed, 0] += elapsed + piece - days  # day of failure on the burn-in clock
        ok = status == 0
        info[ok, 2:] += part.info[ok, 2:]
        y = np.where(ok[:, None], part.y[:, 0, :], y)
        elapsed += piece
        if newton:
            for k in np.flatnonzero(ok):  # species richness: years to settle
                equilibrate_slow(model, y[k], params[k])
    info[status == 0, 0] = 0.0
    sol = BatchSolution(np.array([0.0]), y[:, None, :].copy(), status, info)
    i = model.state_index("neurodeg_load")
    tau = params[:, model.param_index("tau_neurodeg")]
    dy = np.zeros(model.n_states)
    for k in range(n):  # one-year low-pass index set to its equilibrium (see single.py)
        y = sol.y[k, 0]
        model.module.rhs(0.0, y, params[k], dy)
        y[i] = y[i] + tau[k] * dy[i]
    return sol
