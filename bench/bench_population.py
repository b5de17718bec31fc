"""Sampling a population: periodic steady states by shooting against the 200-day burn-in they
replaced, in one process (issue #18 item 2).

For N general persons: wall and CPU seconds of each method, the ratio, the shooting's iteration
counts, and the distance of each method from a long brute-force burn-in (3,000 days at rtol
1e-6, first 64 persons) in cohort-tolerance units. Then population() end to end (sampling,
screening, steady states) for N persons against the issue #18 goals (10,000 persons <= 5 s,
100,000 <= 60 s), with the share of its wall time in the batch solver, and, in the same
process, the screening's observables by one compiled call against the per-person Python loop
it replaced.

    python bench/bench_population.py [N_PERSONS] [--only-population]
"""

from __future__ import annotations

import sys
import time

import numpy as np

import gutbrain.engine.periodic as periodic_module
from gutbrain.analysis.population import (
    _params,
    cohort_tolerances,
    population,
    sample_traits,
    screening_observables,
)
from gutbrain.compile.build import compile_model
from gutbrain.engine.batch import implausible, integrate_batch, steady_states
from gutbrain.engine.periodic import periodic_steady_states
from gutbrain.engine.single import Tolerances, steady_state
from gutbrain.scenario.schedule import person_parameters
from gutbrain.scenario.schema import Scenario


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


GOALS = {10_000: 5.0, 100_000: 60.0}  # issue #18 item 2: seconds for N persons


def end_to_end(n: int) -> None:
    """population() for n persons (warm: solvers loaded, the reference's monodromy matrix
    computed), its share in the batch solver, and the goal."""
    population("general", 50, seed=1)
    solver = [0.0]
    real = periodic_module.one_day

    def one_day(*args, **kwargs):
        t = time.perf_counter()
        out = real(*args, **kwargs)
        solver[0] += time.perf_counter() - t
        return out

    periodic_module.one_day = one_day
    try:
        pop, w_pop, c_pop = timed(lambda: population("general", n, seed=21))
    finally:
        periodic_module.one_day = real
    goal = GOALS.get(n)
    verdict = "" if goal is None else (f"; goal <= {goal:g} s: "
                                       f"{'met' if w_pop <= goal else 'NOT met'}")
    print(f"population('general', {n}): {w_pop:.2f} s wall, {c_pop:.2f} s CPU, "
          f"{len(pop.failed)} not recruited (burn-in failed); one-day maps of the shooting "
          f"{solver[0]:.2f} s wall ({solver[0] / w_pop:.0%}){verdict}")
    model = pop.model
    y, P = pop.state, pop.params

    def loop():  # the per-person screening before issue #18
        obs = np.zeros((len(y), len(model.observable_ids)))
        for k in range(len(y)):
            model.module.observe(0.0, y[k], P[k], obs[k])
            implausible(model, np.zeros(1), obs[k][None])
        return obs

    def vectorised():
        obs = screening_observables(model, y, P)
        lo, hi = model.observable_bounds
        ((obs < lo) | (obs > hi)).any(axis=1)
        return obs

    a, w_loop, _ = timed(loop)
    b, w_vec, _ = timed(vectorised)
    print(f"  screening observables + plausibility of {n} persons: per-person loop "
          f"{w_loop:.3f} s, one compiled call {w_vec:.3f} s (ratio {w_loop / w_vec:.0f}; "
          f"identical: {np.array_equal(a, b)})")


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
    end_to_end(n)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n_persons = int(args[0]) if args else 2000
    if "--only-population" in sys.argv:
        end_to_end(n_persons)
    else:
        main(n_persons)
