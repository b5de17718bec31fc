"""Start-up and first use as a user waits for it (issue #18 item 4): whole commands, each in a
fresh process, timed from outside (process-level wall clock), the best of R interleaved runs.

- ``gutbrain --help``                                   goal <= 1 s
- ``gutbrain simulate`` of a 180-day scenario (warm)     goal <= 2 s
- baseline in the same run: the same simulation by the Python API's route the command took
  before issue #18 (``gutbrain.simulate`` -> xarray Dataset -> write_results), which imports
  xarray, and through it pandas and dask: the ratio is what the command saves.

Also reports which of xarray, pandas, dask the command's process imported (none expected).
"Warm": the compiled model and numba's code are cached (run any command once first; this
script does one untimed run of each). Python's own bytecode cache matters too: with
PYTHONDONTWRITEBYTECODE=1 every import of gutbrain and of the generated model module is
compiled from source (+0.3-0.5 s); the script reports the setting.

    python bench/bench_startup.py [REPEATS]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCENARIO = """\
name: s180
days: 180
interventions:
  - {type: probiotic, genus: multi_strain, cfu_per_day: 1.0e10, start_day: 30, days: 90}
"""
GOALS = {"help": 1.0, "simulate": 2.0}

CLI = "import sys; from gutbrain.cli import app; sys.argv = ['gutbrain', *sys.argv[1:]]; app()"
API_ROUTE = (
    "import sys; from gutbrain import simulate; from gutbrain.results.io import write_results; "
    "write_results(simulate(sys.argv[1]), sys.argv[2])")
PROBE = (
    "import sys; from gutbrain.cli import app; sys.argv = ['gutbrain', *sys.argv[1:]]\n"
    "try:\n    app()\nexcept SystemExit:\n    pass\n"
    "print(','.join(m for m in ('xarray', 'pandas', 'dask') if m in sys.modules) or 'none')")


def wall(args: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=os.environ)
    return time.perf_counter() - t


def main(repeats: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="gutbrain-startup-"))
    sc = tmp / "s180.yaml"
    sc.write_text(SCENARIO)
    runs = {
        "help": [CLI, "--help"],
        "simulate": [CLI, "simulate", str(sc), "--out", str(tmp / "cli")],
        "api route (before #18)": [API_ROUTE, str(sc), str(tmp / "api")],
    }
    for args in runs.values():  # warm: compiled model, numba cache, bytecode
        wall(args)
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(repeats):
        for name, args in runs.items():
            times[name].append(wall(args))
    probe = subprocess.run([sys.executable, "-c", PROBE, "simulate", str(sc), "--out",
                            str(tmp / "probe")], check=True, capture_output=True, text=True,
                           env=os.environ).stdout.strip().splitlines()[-1]
    print(f"best of {repeats} (interleaved), fresh process each, PYTHONDONTWRITEBYTECODE="
          f"{os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')}")
    for name, ts in times.items():
        goal = GOALS.get(name)
        verdict = "" if goal is None else (f"  goal <= {goal:g} s: "
                                           f"{'met' if min(ts) <= goal else 'NOT met'}")
        print(f"  {name:24s} {min(ts):6.2f} s (median {sorted(ts)[len(ts) // 2]:.2f}){verdict}")
    print(f"  ratio api route / simulate command: "
          f"{min(times['api route (before #18)']) / min(times['simulate']):.2f}")
    print(f"  heavy modules imported by gutbrain simulate: {probe}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
