"""Global sensitivity speed (issue #15 item 5), in one process, figures from one run.

1. Morris, r trajectories (default 10) over every non-input parameter (~220) on a 90-day
   scenario (the built-in probiotic scenario cut to 90 days: the probiotic from day 14 to 70).
   Goal: <= 2 min on the 2-core development machine.
2. Sobol, N base samples (default 1024) over 20 parameters on the same scenario: the 20 with
   the largest Morris μ* for PHQ-9 change when part 1 ran, else a fixed list of mood-pathway
   parameters. Goal: <= 10 min.

Each part prints wall and CPU seconds, runs, runs per second, failed runs and their commonest
reasons, and where the time went (burn-in vs scenario, wall seconds inside the chunks). The
machine load (1-min load average) is printed before and after: other work on the machine
slows every figure.

    python bench/bench_sensitivity.py [--r 10] [--n 1024] [--only morris|sobol] [--days 90]
                                      [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

SOBOL_DEFAULT = ("vagal_afferent_gain", "w_aff_5ht", "w_aff_scfa", "w_aff_lacto", "k_vagal",
                 "k_neuroinflam", "n_il6", "K_n_il6", "p_cort", "p_inflam", "p_5ht",
                 "k_depression", "vulnerability", "d_inflam", "d_5ht", "d_plasticity",
                 "d_stress", "d_vagal", "x_cort", "x_inflam")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _part(name: str, target, method: str, params, n: int, out: Path,
          workers: int | None = None) -> tuple:
    from gutbrain.analysis.sensitivity_model import run_sensitivity
    from gutbrain.errors import SolverError

    print(f"\n{name}  (load before: {_load()})", flush=True)
    w, c = time.perf_counter(), time.process_time()
    try:
        table, info, _ = run_sensitivity(target, method, params, ["phq9", "gad7", "il6"],
                                         "change", n, seed=1, out=out, workers=workers)
    except SolverError as exc:  # too many failed runs: the figures still count
        print(f"  refused: {exc}")
        table, info = None, json.loads((out / "summary.json").read_text())
    wall, cpu = time.perf_counter() - w, time.process_time() - c
    print(f"  {len(info['parameters'])} parameters, {info['runs']:,} runs in {info['chunks']} "
          f"chunks: {wall:.1f} s wall, {cpu:.1f} s CPU (this process; numba threads "
          f"included), {info['runs'] / wall:.1f} runs/s")
    if "chunk_seconds" in info:
        t = info["chunk_seconds"]
        print(f"  inside the chunks: burn-in {t['burn_in']:.1f} s, scenario {t['scenario']:.1f} s "
              "(wall)")
    if "burn_in" in info:
        print("  burn-ins: " + ", ".join(f"{v} {k}" for k, v in info["burn_in"].items())
              + " (periodic: shooting found the periodic steady state; brute force: "
              "400 days, no periodic state found)")
    print(f"  failed runs: {info['failed_runs']} ({info['failed_runs'] / info['runs']:.1%}) "
          f"in {info['failed_blocks']} of {info['blocks']} blocks")
    for reason, count in list(info["failure_reasons"].items())[:5]:
        print(f"    {count:6d}  {reason[:110]}")
    culprits = info.get("failures_by_parameter", [])[:6]
    if culprits:
        print("  parameters going with failures (failed share at the low / high 10 % of the "
              "range; Morris steps that broke / mended a run):")
        for c in culprits:
            low = "n/a" if c["failed_low"] is None else f"{c['failed_low']:.0%}"
            high = "n/a" if c["failed_high"] is None else f"{c['failed_high']:.0%}"
            print(f"    {c['parameter']:28s} {low:>5s} / {high:>5s}   "
                  f"{c['steps_to_failure']} / {c['steps_to_success']}")
    for o, d in info["dropped"].items():
        extra = (f", effects dropped {d['effects_dropped']} of {d['effects']}"
                 if method == "morris" else "")
        print(f"  {o}: complete blocks {d['blocks_complete']} of {d['blocks']}{extra}")
    print(f"  load after: {_load()}")
    return table, info, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--r", type=int, default=10, help="Morris trajectories")
    ap.add_argument("--n", type=int, default=1024, help="Sobol base samples")
    ap.add_argument("--days", type=float, default=90.0)
    ap.add_argument("--only", choices=("morris", "sobol"))
    ap.add_argument("--workers", type=int, default=None,
                    help="dask worker processes (one numba thread each); default: in-process")
    args = ap.parse_args()
    from gutbrain.analysis.sensitivity_model import Target, load_target
    from gutbrain.compile.build import compile_model
    from gutbrain.engine.tsit5 import load_solver

    load_solver(compile_model())  # compile outside the timings
    sc = load_target("probiotic").document.model_copy(update={"days": args.days,
                                                               "name": "probiotic-90d"})
    target = Target("scenario", sc.name, sc)
    print(f"scenario: probiotic cut to {args.days:g} days; cores: {os.cpu_count()}")
    sobol_params = list(SOBOL_DEFAULT)
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "sobol":
            table, _, wall = _part(f"Morris r = {args.r}, all non-input parameters", target,
                                   "morris", None, args.r, Path(tmp) / "morris", args.workers)
            print(f"  goal <= 120 s: {'met' if wall <= 120 else 'NOT met'} "
                  f"({wall / 120:.2f} x the goal)")
            if table is not None:
                top = (table[(table["index"] == "mu_star") & (table.output == "phq9")]
                       .sort_values("value", ascending=False).parameter.head(20).tolist())
                print(f"  top 20 by μ* (PHQ-9 change): {', '.join(top)}")
                sobol_params = top
        if args.only != "morris":
            _, _, wall = _part(f"Sobol N = {args.n}, 20 parameters", target, "sobol",
                               sobol_params, args.n, Path(tmp) / "sobol", args.workers)
            print(f"  goal <= 600 s at N = 1024: {'met' if wall <= 600 else 'NOT met'}"
                  + ("" if args.n == 1024 else f" (N = {args.n} here; runs scale with N)"))


if __name__ == "__main__":
    main()
