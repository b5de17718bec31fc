"""Sampling a population: periodic steady states by shooting against the 200-day burn-in they
replaced, in one process (issue #18 item 2).

For N general persons: wall and CPU seconds of each method, the ratio, the shooting's iteration
counts, and the distance of each method from a long brute-force burn-in (3,000 days at rtol
1e-6, first 64 persons) in cohort-tolerance units. Then population() end to end (sampling,
screening, steady states) for N persons.

    python bench/bench_population.py [N_PERSONS]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from gutbrain.analysis.population import (
    _params,
    cohort_tolerances,
    population,
    sample_traits,
)
from gutbrain.compile.build import compile_model
from gutbrain.engine.batch import integrate_batch, steady_states
from gutbrain.engine.periodic import periodic_steady_states
from gutbrain.engine.single import Tolerances, steady_state
from gutbrain.scenario.schedule import person_parameters
from gutbrain.scenario.schema import Scenario


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main(n: int) -> None:
    model = compile_model()
    base = person_parameters(model, Scenario(name="population"))
    params = _params(model, sample_traits("general", n, np.random.default_rng(21)), base)
    ref = steady_state(model, base, tol=Tolerances(rtol=1e-6))
    tol = cohort_tolerances()
    periodic_steady_states(model, params[:8], ref, base, tol)  # compile, sensitivities
    steady_states(model, params[:8], ref, days=5.0, tol=tol)
    old, w_old, c_old = timed(lambda: steady_states(model, params, ref, days=200.0, tol=tol))
    new, w_new, c_new = timed(lambda: periodic_steady_states(model, params, ref, base, tol))
    print(f"{n} persons, steady states")
    print(f"  200-day burn-in : {w_old:7.2f} s wall {c_old:7.2f} s CPU")
    print(f"  shooting        : {w_new:7.2f} s wall {c_new:7.2f} s CPU  "
          f"(ratio {w_old / w_new:.2f} wall, {c_old / c_new:.2f} CPU)")
    print(f"  iterations: median {np.median(new.iterations):.0f}, 90th "
          f"{np.percentile(new.iterations, 90):.0f}; finished by brute force: "
          f"{int(new.brute_force.sum())}; failed: {int((new.status != 0).sum())}")
    k = min(64, n)
    long = integrate_batch(model, np.array([-3000.0, 0.0]), params[:k, None, :],
                           np.zeros((1, model.n_states)), np.repeat(ref[None], k, 0),
                           np.array([0.0]), Tolerances(rtol=1e-6, norm="max")).y[:, 0]
    scale = tol.rtol * np.abs(long) + tol.atol(long)
    for name, y in (("200-day burn-in", old.y[:k, 0]), ("shooting", new.y[:k])):
        err = (np.abs(y - long) / scale).max(axis=1)
        print(f"  {name:16s} distance from a 3,000-day burn-in (cohort tolerances): median "
              f"{np.median(err):.2f}, max {err.max():.2f}")
    pop, w_pop, c_pop = timed(lambda: population("general", n, seed=21))
    print(f"population('general', {n}): {w_pop:.2f} s wall, {c_pop:.2f} s CPU, "
          f"{len(pop.failed)} not recruited (burn-in failed)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
