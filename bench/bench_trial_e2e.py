"""Issue #18: a whole ``gutbrain trial`` command, this code against an older commit, interleaved.

Runs ``gutbrain trial SPEC --out DIR`` as a fresh process (what a user waits for: imports,
sampling and screening, every chunk, statistics, report), alternately with this checkout's
``src`` and with the ``src`` of ``--old REF`` (exported with ``git archive``), ``--rounds``
times each, and prints per run the wall time, the CPU time (user + system) and the peak
memory of the process, then the ratios old/new (medians) and whether the two versions wrote
the same ``trial.json`` and ``persons.parquet`` (byte for byte, else as tables).

The machine is shared: the load average before each run is printed; compare only runs of one
session, and prefer the median of interleaved runs.

    python bench/bench_trial_e2e.py SPEC.yaml [--old REF] [--rounds N] [--keep DIR]

The trial of issue #18 (10,000 persons, 1 year, control vs high-fibre diet from day 0,
run_in_days 0, outcomes phq9 and gad7, general preset, seed 21)::

    name: bench-10k-high-fibre
    population: {preset: general, n: 10000, seed: 21}
    days: 365
    run_in_days: 0
    arms:
      control: []
      high_fibre:
        - {type: diet, pattern: high_fiber, start_day: 0}
    outcomes: [phq9, gad7]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def export_src(ref: str, dest: Path) -> Path:
    """The ``src`` folder of a commit, unpacked under ``dest``."""
    archive = dest / "src.tar"
    with archive.open("wb") as f:
        subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], stdout=f, check=True)
    with tarfile.open(archive) as t:
        t.extractall(dest, filter="data")
    return dest / "src"


def run_trial(src: Path, spec: Path, out: Path) -> dict[str, float]:
    """One ``gutbrain trial`` process: wall, CPU (user + system) and peak RSS."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    shutil.rmtree(out, ignore_errors=True)  # a folder with this run's chunks would resume
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", "from gutbrain.cli import app; app()", "trial",
                             str(spec), "--out",
                             str(out)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if status != 0:
        raise SystemExit(f"gutbrain trial failed ({src}):\n{err[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "sys": usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024, "load": load}


def same_results(a: Path, b: Path) -> str:
    import pandas as pd

    out = []
    for name in ("trial.json", "persons.parquet"):
        if (a / name).read_bytes() == (b / name).read_bytes():
            out.append(f"{name}: identical bytes")
        elif name == "trial.json":
            same = json.loads((a / name).read_text()) == json.loads((b / name).read_text())
            out.append(f"{name}: {'same content' if same else 'DIFFERENT'}")
        else:
            same = pd.read_parquet(a / name).equals(pd.read_parquet(b / name))
            out.append(f"{name}: {'same table' if same else 'DIFFERENT'}")
    return "; ".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spec", type=Path)
    ap.add_argument("--old", default="e3d4319", help="commit to compare against")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="keep the outputs here (old/, new/)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        old_src = export_src(args.old, Path(tmp))
        runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
        for r in range(args.rounds):
            order = ("old", "new") if r % 2 == 0 else ("new", "old")
            for which in order:
                src = old_src if which == "old" else ROOT / "src"
                m = run_trial(src, args.spec, base / which)
                runs[which].append(m)
                print(f"round {r + 1} {which}: wall {m['wall']:.1f} s, CPU {m['cpu']:.1f} s "
                      f"(system {m['sys']:.1f}), peak {m['rss_mb']:.0f} MB, load before "
                      f"{m['load']:.2f}", flush=True)
        med = {w: {k: statistics.median(x[k] for x in v) for k in ("wall", "cpu", "rss_mb")}
               for w, v in runs.items()}
        for w in ("old", "new"):
            print(f"median {w}: wall {med[w]['wall']:.1f} s, CPU {med[w]['cpu']:.1f} s, "
                  f"peak {med[w]['rss_mb']:.0f} MB")
        print(f"old/new: wall {med['old']['wall'] / med['new']['wall']:.3f}, CPU "
              f"{med['old']['cpu'] / med['new']['cpu']:.3f}, peak memory "
              f"{med['old']['rss_mb'] / med['new']['rss_mb']:.3f}")
        print("results:", same_results(base / "old", base / "new"))


if __name__ == "__main__":
    main()
