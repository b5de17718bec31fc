"""Peak memory of a streamed cohort (issue #4): N persons, only daily summaries kept.

Runs ``run_cohort`` (what ``gutbrain cohort`` runs) in this process, no dask workers, for a
short scenario (memory depends on the persons held at once, not on the horizon): the
population (traits, parameters, burned-in states of all N persons) is held whole; the cohort
itself is simulated and written to Parquet in chunks of ``cohort.CHUNK`` persons. Prints peak
RSS and the wall time split into population (screening burn-in) and cohort.

    python bench/bench_cohort_memory.py [N_PERSONS] [DAYS]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(n: int, days: float) -> None:
    from gutbrain.analysis import cohort, population
    from gutbrain.compile.build import compile_model
    from gutbrain.engine.tsit5 import load_solver
    from gutbrain.scenario.schema import Scenario

    load_solver(compile_model())
    base = peak_mb()
    t0 = time.perf_counter()
    real_population = population.population
    timings = {}

    def timed_population(*args, **kwargs):
        t = time.perf_counter()
        pop = real_population(*args, **kwargs)
        timings["population_s"] = time.perf_counter() - t
        timings["rss_after_population_mb"] = rss_mb()
        timings["peak_after_population_mb"] = peak_mb()
        return pop

    cohort.population = timed_population
    with tempfile.TemporaryDirectory() as out:
        summary = cohort.run_cohort(Scenario(name="memory-bench", days=days), "general", n,
                                    seed=1, out=out)
        files = list(Path(out, "chunks").glob("*.parquet"))
        size = sum(f.stat().st_size for f in files) / 2**20
    cohort.population = real_population
    wall = time.perf_counter() - t0
    print(f"persons {n}, {days:g} days, chunks of {cohort.CHUNK} persons ({summary['chunks']} "
          f"Parquet files, {size:.1f} MiB), daily samples of {len(cohort.DEFAULT_OBSERVABLES)} "
          f"observables")
    print(f"wall {wall:.1f} s (population/screening {timings['population_s']:.1f} s, cohort "
          f"{wall - timings['population_s']:.1f} s)")
    print(f"peak RSS {peak_mb():.0f} MB (after compile/import {base:.0f} MB; peak up to the end "
          f"of the population {timings['peak_after_population_mb']:.0f} MB, RSS then "
          f"{timings['rss_after_population_mb']:.0f} MB)")
    per_person = (peak_mb() - base) / n * 1024
    print(f"=> {per_person:.1f} kB per person above the import baseline; population arrays: "
          f"{n * len(compile_model().param_names) * 8 / 2**20:.0f} MiB of parameters "
          f"(float64), copied a few times during the screening burn-in")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000,
         float(sys.argv[2]) if len(sys.argv) > 2 else 7.0)
