"""Batch-engine benchmark (issue #4): person-years per second, ratios in one process.

Runs, on the same sampled persons (general population, one year, circadian rhythm resolved,
daily samples kept):
  * gutbrain batch engine (numba prange over persons) at the cohort tolerance and at 1e-6;
  * gutbrain single-person engine in a loop (1 core);
  * libroadrunner on the exported SBML, one model, reset + setValues per person (1 core),
    on a subset (its per-person cost is constant), if libroadrunner is installed.
Also the peak RSS of a streamed cohort run, and the error of loose tolerances.

    python bench/bench_batch.py [N_PERSONS]
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np

from gutbrain.analysis.population import COHORT_RTOL, population
from gutbrain.compile.build import compile_model
from gutbrain.engine.batch import integrate_batch
from gutbrain.engine.single import Tolerances, integrate
from gutbrain.scenario.schedule import Schedule

DAYS = 365.0


def main(n: int) -> None:
    model = compile_model()
    pop = population("general", n, seed=11)
    t = np.arange(0.0, DAYS + 1e-9, 1.0)  # evenly spaced (libroadrunner needs that)
    bounds = np.array([0.0, DAYS])
    P = pop.params[:, None, :]
    B = np.zeros((1, model.n_states))
    integrate_batch(model, bounds, P[:2], B, pop.state[:2], t, Tolerances(rtol=COHORT_RTOL))
    rows = []
    ref = None
    for rtol in (1e-6, COHORT_RTOL):
        t0 = time.perf_counter()
        sol = integrate_batch(model, bounds, P, B, pop.state, t, Tolerances(rtol=rtol))
        wall = time.perf_counter() - t0
        if ref is None:
            ref = sol
        err = np.max(np.abs(sol.y - ref.y) / (np.abs(ref.y) + 1e-3))
        rows.append((f"gutbrain batch (prange, rtol {rtol:g})", n, wall, n * DAYS / 365 / wall,
                     err))
    m = min(n, 20)
    t0 = time.perf_counter()
    for k in range(m):
        sched = Schedule(bounds, pop.params[k][None, :], B)
        integrate(model, sched, pop.state[k], t, Tolerances(rtol=1e-6))
    wall = (time.perf_counter() - t0) * n / m
    rows.append(("gutbrain single loop (1 core, rtol 1e-6)", n, wall, n / wall, 0.0))
    try:
        import roadrunner  # noqa: F401

        from gutbrain.compile.sbml import export_sbml, roadrunner_time_course
    except ImportError:
        roadrunner_time_course = None
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
                     wall, n / wall, float("nan")))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rr_rate = rows[-1][3] if roadrunner_time_course is not None else float("nan")
    print(f"{'engine':58s} {'persons':>7s} {'wall s':>8s} {'py/s':>8s} {'vs RR':>7s} "
          f"{'max rel err':>11s}")
    for name, persons, wall, rate, err in rows:
        print(f"{name:58s} {persons:7d} {wall:8.2f} {rate:8.1f} {rate / rr_rate:7.2f} "
              f"{err:11.2e}")
    print(f"peak RSS {peak:.0f} MB; 10,000 person-years at the cohort tolerance would take "
          f"{10000 / rows[1][3]:.0f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
