"""Engine benchmark: gutbrain's compiled Tsitouras 5(4) vs libroadrunner (CVODE) on the exported
SBML.

One person-year of the default healthy scenario (``baseline``: healthy adult, Western diet;
365 days, hourly output of every observable), both engines from the same steady state, in one
process; median of 3 runs (time.perf_counter):
  * gutbrain: ``integrate`` + observables at rtol 1e-6 (its default), after a warm-up call;
  * libroadrunner: the document from ``export_sbml``, CVODE at rtol 1e-6 with the engine's
    per-variable absolute tolerances; load (JIT compile) and simulate timed separately, with
    the fast JIT settings of ``roadrunner_time_course`` (LLJIT, -O0) and, with ``--default-jit``,
    also with libroadrunner's default MCJIT (about a minute per load);
  * the accuracy of both: largest deviation of any observable from a gutbrain rtol 1e-9 run,
    relative to that observable's largest magnitude;
  * the start-up cost of gutbrain in a fresh interpreter with a warm disk cache: import +
    ``compile_model()`` + solver import, and the first ``integrate`` call (numba cache load).

    python bench/bench_engines.py [--days 365] [--repeats 3] [--default-jit]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time

import numpy as np

from gutbrain.compile.build import compile_model
from gutbrain.compile.sbml import export_sbml, roadrunner_time_course
from gutbrain.engine.single import Tolerances, integrate, steady_state
from gutbrain.results.dataset import observables
from gutbrain.scenario.library import builtin_scenario
from gutbrain.scenario.schedule import build_schedule, person_parameters

FRESH = """
import time
t0 = time.perf_counter()
import numpy as np
from gutbrain.compile.build import compile_model
from gutbrain.engine.tsit5 import load_solver
from gutbrain.engine.single import integrate
from gutbrain.scenario.schedule import Schedule
m = compile_model()
load_solver(m)
t1 = time.perf_counter()
s = Schedule(np.array([0.0, 0.01]), m.default_parameters()[None, :], np.zeros((1, m.n_states)))
integrate(m, s, m.initial_state(), np.array([0.0, 0.01]))
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def median_time(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=365.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--default-jit", action="store_true",
                    help="also time libroadrunner with its default (MCJIT) compiler")
    args = ap.parse_args()
    days, reps = args.days, args.repeats
    years = days / 365.0

    model = compile_model()
    sc = builtin_scenario("baseline").model_copy(update={"days": days})
    sched = build_schedule(model, sc, person_parameters(model, sc))
    y0 = steady_state(model, sched.baseline)
    t_out = np.arange(0.0, days * 24 + 0.5) / 24.0
    tol = Tolerances(rtol=1e-6)

    def run_gb(rtol: float = 1e-6) -> np.ndarray:
        sol = integrate(model, sched, y0, t_out, Tolerances(rtol=rtol))
        return observables(model, sched, sol)

    ref = run_gb(1e-9)
    scale = np.maximum(np.max(np.abs(ref), axis=0), 1e-300)

    def err(obs: np.ndarray) -> float:
        return float(np.max(np.abs(obs - ref) / scale))

    run_gb()  # warm-up (numba cache load)
    gb_sim, gb_obs = median_time(run_gb, reps)

    fresh = []
    for _ in range(reps):
        out = subprocess.run([sys.executable, "-c", FRESH], capture_output=True, text=True,
                             check=True)
        fresh.append(tuple(float(x) for x in out.stdout.split()))
    gb_load = statistics.median(a for a, _ in fresh)
    gb_first = statistics.median(b for _, b in fresh)

    rows = [("gutbrain Tsit5 (numba)", gb_load, gb_sim, err(gb_obs))]
    t0 = time.perf_counter()
    sbml = export_sbml(model, y0=y0, schedule=sched)
    export_s = time.perf_counter() - t0
    try:
        import roadrunner
        from roadrunner import Config
    except ImportError:
        roadrunner = None
    if roadrunner is not None:
        # libroadrunner caches compiled models by document text: give every load its own
        Config.setValue(Config.LOADSBMLOPTIONS_RECOMPILE, True)
        mid = re.search(r'<model id="([^"]+)"', sbml).group(1)
        docs = iter(sbml.replace(f'<model id="{mid}"', f'<model id="{mid}_{k}"', 1)
                    for k in range(1_000_000))
        selections = ["obs_" + o for o in model.observable_ids]
        atol = dict(zip(model.state_names, tol.atol(y0), strict=True))
        variants = [("libroadrunner CVODE (LLJIT -O0)", True)]
        if args.default_jit:
            variants.append(("libroadrunner CVODE (default MCJIT)", False))
        for name, fast in variants:
            runs = [roadrunner_time_course(next(docs), t_out, selections, rtol=1e-6,
                                           atol=atol, fast_jit=fast) for _ in range(reps)]
            rows.append((name, statistics.median(r.load_s for r in runs),
                         statistics.median(r.simulate_s for r in runs), err(runs[-1].values)))
    rr_sim = rows[1][2] if len(rows) > 1 else float("nan")

    print(f"one person-year = {days:g} days of '{sc.name}', hourly output of "
          f"{len(model.observable_ids)} observables, {model.n_states} states; median of {reps}")
    print(f"{'engine':36s} {'load s':>8s} {'sim s/py':>9s} {'vs RR':>7s} {'max err':>9s}")
    for name, load, sim, e in rows:
        print(f"{name:36s} {load:8.2f} {sim / years:9.3f} {rr_sim / sim:7.1f} {e:9.1e}")
    print(f"gutbrain load = fresh interpreter: import + compile_model() + solver import (warm "
          f"disk cache); its first integrate call adds {gb_first:.2f} s (numba cache load).\n"
          f"vs RR: libroadrunner (LLJIT) simulate time / this engine's. max err: largest "
          f"|observable - gutbrain at rtol 1e-9| / max|observable|. export_sbml: "
          f"{export_s:.2f} s.")


if __name__ == "__main__":
    main()
