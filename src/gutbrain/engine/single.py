"""Solve one person: burn-in to their steady state, then the scenario schedule."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

import numpy as np

from gutbrain.compile.build import CompiledModel, cache_dir, write_atomic
from gutbrain.engine.tsit5 import STATUS, load_solver
from gutbrain.errors import SolverError
from gutbrain.scenario.schedule import Schedule

DEFAULT_RTOL = 1e-6
BURN_IN_DAYS = 730.0


@dataclass
class Tolerances:
    rtol: float = DEFAULT_RTOL
    atol_scale: float = 1e-3  # atol_i = rtol * atol_scale * max(1, |typical_i|)
    h_max: float = 0.05  # d; keeps the circadian rhythm resolved after quiet stretches
    max_steps: int = 5_000_000
    # error norm over the scaled local errors: "rms" (Hairer's) lets one state's error reach
    # ~sqrt(n_states) x rtol while the others are small; "max" holds every state to rtol
    # (cohorts use it, see analysis.population.cohort_tolerances)
    norm: Literal["rms", "max"] = "rms"

    def __post_init__(self) -> None:
        if self.norm not in ("rms", "max"):
            raise ValueError(f"Tolerances.norm: expected 'rms' or 'max', got {self.norm!r}")

    def atol(self, typical: np.ndarray) -> np.ndarray:
        return self.rtol * self.atol_scale * np.maximum(1.0, np.abs(typical))


@dataclass
class Solution:
    t: np.ndarray
    y: np.ndarray  # (time, state)
    status: int
    message: str
    t_reached: float
    worst_variable: str
    steps: int
    rejected: int


def integrate(model: CompiledModel, schedule: Schedule, y0: np.ndarray, t_out: np.ndarray,
              tol: Tolerances | None = None, raise_on_failure: bool = True) -> Solution:
    """Integrate one person through a schedule, sampling the state at ``t_out``."""
    tol = tol or Tolerances()
    solver = load_solver(model)
    y_out = np.zeros((len(t_out), model.n_states))
    info = np.zeros(4)
    status = solver.solve(np.ascontiguousarray(schedule.boundaries, dtype=float),
                          np.ascontiguousarray(schedule.params, dtype=float),
                          np.ascontiguousarray(schedule.bolus, dtype=float),
                          np.asarray(y0, dtype=float).copy(), model.nonnegative,
                          np.ascontiguousarray(t_out, dtype=float), tol.rtol, tol.atol(y0),
                          tol.h_max, tol.norm == "max", tol.max_steps, y_out, info)
    worst = model.state_names[int(info[1])]
    sol = Solution(t_out, y_out, int(status), STATUS[int(status)], float(info[0]), worst,
                   int(info[2]), int(info[3]))
    if status != 0 and raise_on_failure:
        raise SolverError(f"solver failed at day {info[0]:.4f}: {STATUS[int(status)]}; the "
                          f"variable with the largest error was {worst!r}", info[0], worst)
    return sol


_BURN_CACHE: dict[str, np.ndarray] = {}
SLOW_SETTLE_DAYS = 60.0  # burn-in after each Newton step on the slow states (whole days)


def burn_pieces(model: CompiledModel, days: float) -> list[tuple[float, bool]]:
    """Split a burn-in into pieces, each followed (True) or not by Newton steps on the slow
    states: the first piece brings the fast states near their steady state, then twice
    (Newton on the slow states, SLOW_SETTLE_DAYS for the fast ones to follow), so the
    burn-in keeps its length and ends at midnight."""
    if model.slow_states.size == 0 or days < 3 * SLOW_SETTLE_DAYS:
        return [(days, False)]
    return [(days - 2 * SLOW_SETTLE_DAYS, True), (SLOW_SETTLE_DAYS, True),
            (SLOW_SETTLE_DAYS, False)]


def equilibrate_slow(model: CompiledModel, y: np.ndarray, params: np.ndarray,
                     iterations: int = 8) -> None:
    """Set the slow states (species richness, which relaxes over years) to their equilibrium
    with the fast states held, in place: scalar Newton steps (a slow state's rate does not
    depend on the other slow states, so their Jacobian block is diagonal). A state whose rate
    does not depend on it (nothing arrives, nothing present) is left as it is."""
    idx = model.slow_states
    if idx.size == 0:
        return
    dy = np.zeros(model.n_states)
    jac = np.zeros((model.n_states, model.n_states))
    for _ in range(iterations):
        model.module.rhs(0.0, y, params, dy)
        model.module.jac(0.0, y, params, jac)
        d = jac[idx, idx]
        ok = d < -1e-12  # a stable slow state has a negative self-derivative
        step = np.where(ok, -dy[idx] / np.where(ok, d, -1.0), 0.0)
        y[idx] = np.maximum(y[idx] + step, 0.5 * y[idx])  # never more than halve a state
        if np.all(np.abs(step) <= 1e-9 * np.maximum(1.0, np.abs(y[idx]))):
            break


def steady_state(model: CompiledModel, params: np.ndarray, days: float = BURN_IN_DAYS,
                 tol: Tolerances | None = None, start: np.ndarray | None = None) -> np.ndarray:
    """State at midnight after ``days`` of constant baseline inputs (cached in memory and on
    disk). Pure low-pass filters (the one-year neurodegeneration index) are then set to their
    equilibrium so the burn-in need not outlast them."""
    y0 = model.initial_state() if start is None else np.asarray(start, float)
    solver = load_solver(model).__name__  # carries the generator and solver versions
    key = hashlib.sha256(model.digest.encode() + solver.encode()
                         + np.asarray(params, float).tobytes() + y0.tobytes()
                         + repr((days, tol)).encode()).hexdigest()[:24]
    if key in _BURN_CACHE:
        return _BURN_CACHE[key].copy()
    # on disk with its key and a checksum: a damaged file, an old-format .npy or one copied from
    # another key is recomputed (compile/cache.py)
    from gutbrain.compile.cache import load_array, save_array

    path = cache_dir() / "steady" / f"{key}.npz"
    y = load_array(path, key)
    if y is not None and y.shape == (model.n_states,):
        _BURN_CACHE[key] = y
        return y.copy()
    y = y0.copy()
    for piece, newton in burn_pieces(model, days):
        sched = Schedule(np.array([-piece, 0.0]), params[None, :].copy(),
                         np.zeros((1, model.n_states)))
        y = integrate(model, sched, y, np.array([0.0]), tol).y[-1].copy()
        if newton:
            equilibrate_slow(model, y, params)
    i = model.state_index("neurodeg_load")
    dy = np.zeros_like(y)
    model.module.rhs(0.0, y, params, dy)
    y[i] = y[i] + params[model.param_index("tau_neurodeg")] * dy[i]
    save_array(path, key, y)
    _BURN_CACHE[key] = y
    return y.copy()


__all__ = ["SolverError", "Tolerances", "Solution", "burn_pieces", "equilibrate_slow",
           "integrate", "steady_state", "write_atomic"]
