"""Posterior-ensemble speed (issue #15 items 2 and 5), in one process, figures from one run.

1. Bands of one scenario over every member of the shipped ensemble (``simulate
   --uncertainty``): the built-in probiotic scenario cut to 90 days, daily and hourly samples.
   Goal (item 5): <= 10 s. The first call pays numba's load of the batch solver; it is timed
   apart (``warm-up``).
2. One trial rerun per ensemble member (``trial --uncertainty``): seconds per draw for a small
   trial (n = 100 of the depressed population, 28-day run-in, 56 days), so the cost of the
   default 40 draws on a real trial can be scaled from it.

The machine load (1-min load average) is printed before and after.

    python bench/bench_uncertainty.py [--draws N] [--skip-trial]
"""

from __future__ import annotations

import argparse
import os
import time


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=None, help="ensemble members for the bands")
    ap.add_argument("--trial-draws", type=int, default=4)
    ap.add_argument("--skip-trial", action="store_true")
    args = ap.parse_args()
    from gutbrain.analysis.uncertainty.bands import uncertainty_bands
    from gutbrain.analysis.uncertainty.ensemble import load_ensemble
    from gutbrain.scenario.library import builtin_scenario

    print(f"load before: {_load()}")
    ens = load_ensemble()
    sc = builtin_scenario("probiotic").model_copy(update={"days": 90.0})
    t0 = time.perf_counter()
    uncertainty_bands({"name": "warm", "days": 1}, every_hours=24.0, draws=8, ensemble=ens)
    print(f"warm-up (8 members, 1 day): {time.perf_counter() - t0:.1f} s")
    for every in (24.0, 1.0):
        t0, c0 = time.perf_counter(), time.process_time()
        bands, info = uncertainty_bands(sc, every_hours=every, draws=args.draws, ensemble=ens)
        wall = time.perf_counter() - t0
        print(f"bands, 90-day probiotic, every {every:g} h: {info['members_ok']}/"
              f"{info['members_run']} members in {wall:.1f} s wall "
              f"({time.process_time() - c0:.1f} s CPU of this process), {len(bands):,} rows")
    if not args.skip_trial:
        from gutbrain.analysis.trial_spec import parse_trial
        from gutbrain.analysis.uncertainty.trial_interval import model_intervals

        spec = parse_trial({"name": "bench", "population": {"preset": "depressed", "n": 100,
                                                            "seed": 7},
                            "days": 56, "run_in_days": 28,
                            "arms": {"placebo": [], "probiotic": [
                                {"type": "probiotic", "genus": "multi_strain",
                                 "cfu_per_day": 1.0e10, "start_day": 0, "days": 56}]},
                            "outcomes": ["phq9"]}, "<bench>")
        t0 = time.perf_counter()
        iv, info = model_intervals(spec, args.trial_draws, ensemble=ens)
        wall = time.perf_counter() - t0
        print(f"trial --uncertainty, n = 100, {args.trial_draws} draws: {wall:.1f} s "
              f"({wall / args.trial_draws:.1f} s per draw); intervals {iv}")
    print(f"load after: {_load()}")


if __name__ == "__main__":
    main()
