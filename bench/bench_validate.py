"""Run the full validation scorecard and report its runtime.

    python bench/bench_validate.py [--workers N] [--tier anchor|soft] [--json FILE] [--html FILE]

Prints the scorecard (every target: value, accepted window, pass/fail, runtime), the per-tier
and per-module summary, and the total wall time (including compiling/loading the model).
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="worker processes (default: one per CPU)")
    ap.add_argument("--tier", choices=("anchor", "soft"), default=None)
    ap.add_argument("--json", dest="json_path", default=None)
    ap.add_argument("--html", dest="html_path", default=None)
    args = ap.parse_args()

    t0 = time.perf_counter()
    from rich.console import Console

    from gutbrain.analysis.validation import (
        load_targets,
        print_scorecard,
        run_all,
        write_html,
        write_json,
    )

    console = Console(width=max(120, Console().width))
    targets = load_targets(tier=args.tier)
    t_load = time.perf_counter() - t0
    t1 = time.perf_counter()
    results = run_all(targets=targets, workers=args.workers)
    t_run = time.perf_counter() - t1
    print_scorecard(results, console, total_s=time.perf_counter() - t0)
    sim = sum(r.runtime_s for r in results)
    console.print(f"{len(results)} targets; load {t_load:.1f} s; run {t_run:.1f} s wall with "
                  f"{args.workers} worker(s) (sum of per-target times {sim:.1f} s); total "
                  f"{time.perf_counter() - t0:.1f} s", highlight=False)
    if args.json_path:
        console.print(f"json: {write_json(results, args.json_path)}")
    if args.html_path:
        console.print(f"report: {write_html(results, args.html_path, {t.id: t for t in targets})}")


if __name__ == "__main__":
    main()
