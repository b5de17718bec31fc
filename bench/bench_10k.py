"""The issue #4 goal measured directly: 10,000 person-years, circadian rhythm resolved.

10,000 persons of the general population, one year each, solved by the lockstep batch engine
at the cohort tolerance on all cores, daily samples of every state kept (1.3 GB). Sampling
the persons (their burn-in to steady state) is timed separately: the goal is the simulation.
The cohort tolerance is cohort_tolerances() (max error norm; every state within 1e-3 of the
one-person engine at any hour).
For a ratio within one process, the same engine on the first 200 persons is timed too (the
throughput that bench/bench_batch.py reports), with its single-precision right-hand side (the
default at the cohort tolerance) and with the double-precision one; per-person steps are
shown.

    python bench/bench_10k.py [N_PERSONS]
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np

from gutbrain.analysis.population import COHORT_NORM, COHORT_RTOL, cohort_tolerances, population
from gutbrain.compile.build import compile_model
from gutbrain.engine.batch import integrate_batch
from gutbrain.engine.single import Tolerances

DAYS = 365.0


def main(n: int) -> None:
    model = compile_model()
    t0 = time.perf_counter()
    pop = population("general", n, seed=11)
    sample_s = time.perf_counter() - t0
    t = np.arange(0.0, DAYS + 1e-9, 1.0)
    bounds = np.array([0.0, DAYS])
    B = np.zeros((1, model.n_states))
    tol = cohort_tolerances()
    P = pop.params[:, None, :]
    integrate_batch(model, bounds, P[:8], B, pop.state[:8], t[:3], tol)  # load compiled code
    m = min(200, n)
    t0 = time.perf_counter()
    integrate_batch(model, bounds, P[:m], B, pop.state[:m], t, tol)
    small = time.perf_counter() - t0
    integrate_batch(model, bounds, P[:8], B, pop.state[:8], t[:3], tol, single=False)
    t0 = time.perf_counter()
    integrate_batch(model, bounds, P[:m], B, pop.state[:m], t, tol, single=False)
    small_double = time.perf_counter() - t0
    t0 = time.perf_counter()  # the cohort setting before sub-daily ACTH was fixed
    integrate_batch(model, bounds, P[:m], B, pop.state[:m], t, Tolerances(rtol=1e-4))
    small_rms = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    sol = integrate_batch(model, bounds, P, B, pop.state, t, tol)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    years = n * DAYS / 365.0
    steps = (sol.info[:, 2] + sol.info[:, 3]).mean() / DAYS
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"persons {n}, {years:.0f} person-years, rtol {COHORT_RTOL:g} ({COHORT_NORM} error "
          "norm), daily samples kept")
    print(f"sampling the persons (burn-in): {sample_s:.1f} s (not part of the goal)")
    print(f"simulation: wall {wall:.1f} s (goal <= 60 s), CPU {cpu:.1f} s, "
          f"{years / wall:.1f} person-years/s, {steps:.1f} steps per simulated day, "
          f"failed persons {int((sol.status != 0).sum())}")
    print(f"same engine on {m} persons in this process: {m / small:.1f} person-years/s; "
          f"the {n}-person run reaches {(years / wall) / (m / small):.2f} of that; with the "
          f"double-precision right-hand side (4 persons per group) {m / small_double:.1f} "
          f"person-years/s, so single precision is {small_double / small:.2f}x; at rtol 1e-4 "
          f"with the RMS norm (the setting that left sub-daily ACTH at 2-3e-3) "
          f"{m / small_rms:.1f} person-years/s, so the cohort setting costs "
          f"{small / small_rms:.2f}x")
    print(f"peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
