"""Batch-engine benchmark (issue #4): person-years per second, ratios in one process.

Runs, on the same sampled persons (general population, one year, circadian rhythm resolved,
daily samples kept):
  * gutbrain batch engine, lockstep (groups of LANES persons with one step size and a
    vectorised right-hand side, groups in parallel over the cores) and per person (prange over
    persons), each at the cohort tolerance and at 1e-6;
  * gutbrain single-person engine in a loop (1 core);
  * libroadrunner on the exported SBML, one model, reset + setValues per person (1 core),
    on a subset (its per-person cost is constant), if libroadrunner is installed.
Also: cost of one right-hand-side evaluation (plain rhs, hoisted rhs_q, rhs_lanes per person;
1 core), steps per simulated day, the error of each run against the per-person rtol 1e-6 run,
and peak RSS. Wall times are the best of ``REPEAT`` runs (the machine may be shared).
The lockstep run at the cohort tolerance is repeated with n_GR one ulp above 3, which makes the
solver use the general right-hand side instead of the one with the integer exponents folded in:
the ratio of the two is what the folding buys.

    python bench/bench_batch.py [N_PERSONS]
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
from numba import njit

from gutbrain.analysis.population import COHORT_RTOL, cohort_tolerances, population
from gutbrain.compile.build import compile_model
from gutbrain.engine.batch import SINGLE_PRECISION_MIN_RTOL, integrate_batch
from gutbrain.engine.single import Tolerances, integrate
from gutbrain.scenario.schedule import Schedule

DAYS = 365.0
REPEAT = 3


def _looped(fn, lanes: bool):
    """A compiled loop of n calls of one right-hand side (rhs(t, y, p, dy), rhs_q(t, y, p, q,
    dy) or rhs_lanes(t, w))."""
    if lanes:
        @njit
        def loop(w, n):
            for i in range(n):
                fn(1e-4 * i, w)
            return w[0]
    else:
        @njit
        def loop(*args):
            n = args[-1]
            dy = np.empty_like(args[0])
            for i in range(n):
                fn(1e-4 * i, *args[:-1], dy)
            return dy[0]
    return loop


def rhs_costs(model, params: np.ndarray, state: np.ndarray, calls: int = 200_000) -> dict:
    """ns per person for one evaluation of rhs, rhs_q and rhs_lanes, and of the right-hand
    sides with the integer exponents folded in (*_intexp; the persons must have the default
    exponents), 1 core, best of 5."""
    mod = model.module
    y, p = state[0].copy(), params[0].copy()
    q = np.zeros(mod.N_Q)
    mod.prep(p, q)
    ns, nm = model.n_states, params.shape[1]

    def work(L: int, offsets: tuple[int, int, int], size: int, dtype) -> np.ndarray:
        w = np.zeros(size, dtype=dtype)
        wy, wp, wq = offsets
        for lane in range(L):
            k = lane % len(params)
            w[wy + lane:wy + ns * L:L] = state[k]
            w[wp + lane:wp + nm * L:L] = params[k]
            qk = np.zeros(mod.N_Q)
            mod.prep(params[k], qk)
            w[wq + lane:wq + mod.N_Q * L:L] = qk
        return w

    w = work(mod.LANES, (mod.W_Y, mod.W_P, mod.W_Q), mod.W_SIZE, np.float64)
    w32 = work(mod.LANES32, (mod.W32_Y, mod.W32_P, mod.W32_Q), mod.W32_SIZE, np.float32)
    out = {}
    for name, args, per in (("rhs", (y, p), 1), ("rhs_q", (y, p, q), 1),
                            ("rhs_q_intexp", (y, p, q), 1), ("rhs_lanes", (w,), mod.LANES),
                            ("rhs_lanes_intexp", (w,), mod.LANES),
                            ("rhs_lanes32", (w32,), mod.LANES32),
                            ("rhs_lanes32_intexp", (w32,), mod.LANES32)):
        loop = _looped(getattr(mod, name), name.startswith("rhs_lanes"))
        loop(*args, 10)
        best = min(_timed(loop, *args, calls) for _ in range(5))
        out[name] = best / calls / per * 1e9
    return out


def _timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def main(n: int) -> None:
    model = compile_model()
    pop = population("general", n, seed=11)
    t = np.arange(0.0, DAYS + 1e-9, 1.0)  # evenly spaced (libroadrunner needs that)
    bounds = np.array([0.0, DAYS])
    P = pop.params[:, None, :]
    B = np.zeros((1, model.n_states))
    for lock in (True, False):  # compile / load from cache
        integrate_batch(model, bounds, P[:5], B, pop.state[:5], t,
                        cohort_tolerances(), lockstep=lock)
    ref = integrate_batch(model, bounds, P, B, pop.state, t, Tolerances(rtol=1e-6),
                          lockstep=False)
    rows = []
    cpu_rate = []
    for rtol in (1e-6, COHORT_RTOL):
        for lock in (True, False):
            walls, cpus = [], []
            for _ in range(REPEAT):
                t0, c0 = time.perf_counter(), time.process_time()
                tol = cohort_tolerances() if rtol == COHORT_RTOL else Tolerances(rtol=rtol)
                sol = integrate_batch(model, bounds, P, B, pop.state, t, tol, lockstep=lock)
                walls.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
            wall = min(walls)
            cpu_rate.append((rtol, lock, n * DAYS / 365 / min(cpus)))
            err = np.max(np.abs(sol.y - ref.y) / (np.abs(ref.y) + 1e-3))
            steps = (sol.info[:, 2] + sol.info[:, 3]).mean() / DAYS
            kind = ("lockstep x8 float32 rhs" if rtol >= SINGLE_PRECISION_MIN_RTOL else
                    "lockstep x4") if lock else "per person"
            rows.append((f"gutbrain batch {kind} (2 cores, rtol {rtol:g})", n, wall,
                         n * DAYS / 365 / wall, steps, err))
    walls = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        sol = integrate_batch(model, bounds, P, B, pop.state, t, cohort_tolerances(),
                              single=False)
        walls.append(time.perf_counter() - t0)
    err = np.max(np.abs(sol.y - ref.y) / (np.abs(ref.y) + 1e-3))
    rows.append((f"  same, double-precision rhs x4 (rtol {COHORT_RTOL:g})", n, min(walls),
                 n * DAYS / 365 / min(walls), (sol.info[:, 2] + sol.info[:, 3]).mean() / DAYS,
                 err))
    general = P.copy()  # one ulp off an integer exponent: the solver takes the general rhs
    general[..., model.param_index("n_GR")] = np.nextafter(3.0, 4.0)
    walls = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        sol = integrate_batch(model, bounds, general, B, pop.state, t,
                              cohort_tolerances())
        walls.append(time.perf_counter() - t0)
    err = np.max(np.abs(sol.y - ref.y) / (np.abs(ref.y) + 1e-3))
    rows.append((f"  same, general-exponent rhs (rtol {COHORT_RTOL:g})", n, min(walls),
                 n * DAYS / 365 / min(walls), (sol.info[:, 2] + sol.info[:, 3]).mean() / DAYS,
                 err))
    m = min(n, 20)
    t0 = time.perf_counter()
    for k in range(m):
        sched = Schedule(bounds, pop.params[k][None, :], B)
        one = integrate(model, sched, pop.state[k], t, Tolerances(rtol=1e-6))
    wall = (time.perf_counter() - t0) * n / m
    rows.append(("gutbrain single loop (1 core, rtol 1e-6)", n, wall, n / wall,
                 (one.steps + one.rejected) / DAYS, 0.0))
    single_rate = rows[-1][3]
    try:
        import roadrunner  # noqa: F401

        from gutbrain.compile.sbml import export_sbml, roadrunner_time_course
    except ImportError:
        roadrunner_time_course = None
    rr_rate = float("nan")
    if roadrunner_time_course is not None:
        m = min(n, 3)
        sim_s = []
        for k in range(m):  # simulate time only: a loop would reset one loaded model
            run = roadrunner_time_course(export_sbml(model, pop.params[k], pop.state[k]), t,
                                         ["obs_phq9"], rtol=1e-6,
                                         atol=dict(zip(model.state_names,
                                                       map(float, Tolerances().atol(
                                                           pop.state[k])), strict=True)))
            sim_s.append(run.simulate_s)
        wall = float(np.median(sim_s)) * n
        rows.append((f"libroadrunner (1 core, rtol 1e-6, load {run.load_s:.1f} s excl.)", n,
                     wall, n / wall, float("nan"), float("nan")))
        rr_rate = rows[-1][3]
    costs = rhs_costs(model, pop.params, pop.state)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'engine':56s} {'persons':>7s} {'wall s':>8s} {'py/s':>8s} {'vs single':>9s} "
          f"{'vs RR':>7s} {'steps/d':>7s} {'max rel err':>11s}")
    for name, persons, wall, rate, steps, err in rows:
        print(f"{name:56s} {persons:7d} {wall:8.2f} {rate:8.1f} {rate / single_rate:9.2f} "
              f"{rate / rr_rate:7.2f} {steps:7.1f} {err:11.2e}")
    print("steps/d: accepted + rejected steps per simulated day (mean over persons); max rel "
          "err: against the per-person rtol 1e-6 run, |dy| / (|y| + 1e-3)")
    print("one rhs evaluation, 1 core, ns per person: " + ", ".join(
        f"{k} {v:.0f}" for k, v in costs.items()))
    print("CPU time (all threads; less sensitive to other load on a shared machine): " + ", ".join(
        f"{'lockstep' if lock else 'per person'} rtol {rtol:g}: {rate:.1f} py per CPU-s"
        for rtol, lock, rate in cpu_rate))
    cohort = next(r for r in rows if "lockstep" in r[0] and f"{COHORT_RTOL:g})" in r[0])
    print(f"peak RSS {peak:.0f} MB; 10,000 person-years at the cohort tolerance (lockstep) would "
          f"take {10000 / cohort[3]:.0f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
