"""Dask scale-out efficiency (issue #4): the same trial chunks on 1 and 2 local workers.

The population is sampled once in-process; only the arm simulations are timed, from empty
chunk folders. Efficiency = speed-up / workers. Results must be identical.

    python bench/bench_scaling.py [N_PERSONS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from gutbrain.analysis.population import population
from gutbrain.analysis.trial import run_persons
from gutbrain.analysis.trial_spec import load_trial


def main(n: int) -> None:
    root = Path(__file__).resolve().parents[1]
    spec = load_trial(root / "examples" / "probiotic-in-depression.yaml")
    spec = spec.model_copy(update={"population": spec.population.model_copy(update={"n": n})})
    pop = population(spec.population.preset, n, spec.population.seed)
    walls, frames = {}, {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            frames[workers] = run_persons(spec, pop, Path(d), workers=workers)
            walls[workers] = time.perf_counter() - t0
    num = frames[1].select_dtypes("number").columns
    same = np.allclose(frames[1][num].to_numpy(), frames[2][num].to_numpy(), equal_nan=True)
    speedup = walls[1] / walls[2]
    print(f"persons {n}: 1 worker {walls[1]:.1f} s, 2 workers {walls[2]:.1f} s, speed-up "
          f"{speedup:.2f}, efficiency {speedup / 2:.0%}, identical results: {same}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1024)
