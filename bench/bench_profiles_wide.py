"""Benchmark: read very wide profile tables (samples as columns), new reader vs the old one.

Issue #16: reading was quadratic in the number of columns (``Table.drop_columns`` in a loop
rebuilt the Arrow table every 64 columns), so a 20,000-column table took ~100 s and a
200,000-column one would take hours. The reader is now linear, and wide, short tables are
parsed row by row (Arrow's per-column cost dominates there).

The old reader is loaded from git (``HEAD`` by default, or ``--old-ref``) into the same process
and timed on the same files (best of ``--repeat`` reads), so the ratio compares like with like.
It is only run up to ``--old-max-columns`` (default 20,000): at 200,000 columns it would run
for hours.

    .venv/bin/python bench/bench_profiles_wide.py [--columns 20000 200000] [--rows 5]
        [--old-ref 6be5174] [--old-max-columns 20000] [--tall] [--repeat 3]

``--tall`` adds a 2,000-sample × 10,000-KO table (the Arrow path of issue #5) as a check that
long tables did not get slower.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def write_table(path: Path, n_cols: int, n_rows: int, seed: int = 0) -> None:
    """A features × samples TSV: ``n_rows`` KOs, ``n_cols`` samples, half zeros."""
    rng = np.random.default_rng(seed)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("entry\t" + "\t".join(f"S{j:06d}" for j in range(n_cols)) + "\n")
        for i in range(n_rows):
            v = np.round(rng.lognormal(3.0, 1.5, n_cols), 3)
            v[rng.random(n_cols) < 0.5] = 0.0
            fh.write(f"K{i + 1:05d}\t" + "\t".join(map(repr, v.tolist())) + "\n")


def load_old_reader(ref: str) -> ModuleType | None:
    """``gutbrain.profiles.readers`` as it was at git *ref*, imported under another name."""
    try:
        src = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:src/gutbrain/profiles/"
                              "readers.py"], capture_output=True, text=True, check=True).stdout
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        print(f"(old reader not available from git {ref}: {exc}; timing the new one only)")
        return None
    folder = Path(tempfile.mkdtemp(prefix="gutbrain-old-reader-"))
    path = folder / "old_readers.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("gutbrain_old_readers", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def timed(fn, path: Path, repeat: int) -> tuple[float, tuple[int, int]]:
    """Best of *repeat* reads (one read when it takes over 10 s)."""
    best, shape = float("inf"), (0, 0)
    for _ in range(repeat):
        t0 = time.perf_counter()
        prof = fn(path)
        best, shape = min(best, time.perf_counter() - t0), prof.table.shape
        if best > 10:
            break
    return best, shape


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--columns", type=int, nargs="+", default=[20_000, 200_000])
    ap.add_argument("--rows", type=int, default=5)
    ap.add_argument("--old-ref", default="HEAD", help="git revision of the old reader")
    ap.add_argument("--old-max-columns", type=int, default=20_000)
    ap.add_argument("--tall", action="store_true", help="also time a 2,000 x 10,000 table")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many reads")
    args = ap.parse_args()

    from gutbrain.profiles.readers import read_profile

    old = load_old_reader(args.old_ref)
    cases = [(n, args.rows) for n in args.columns] + ([(2_000, 10_000)] if args.tall else [])
    with tempfile.TemporaryDirectory(prefix="gutbrain-bench-wide-") as tmp:
        for n_cols, n_rows in cases:
            path = Path(tmp) / f"wide_{n_cols}x{n_rows}.tsv"
            write_table(path, n_cols, n_rows)
            size_mb = path.stat().st_size / 1e6
            new_s, shape = timed(read_profile, path, args.repeat)
            line = (f"{n_cols:>7,} samples x {n_rows:>6,} features ({size_mb:6.1f} MB): "
                    f"new {new_s:7.2f} s")
            if old is not None and n_cols <= args.old_max_columns:
                old_s, old_shape = timed(old.read_profile, path, args.repeat)
                assert old_shape == shape, (old_shape, shape)
                line += f"   old ({args.old_ref}) {old_s:7.2f} s   old/new {old_s / new_s:6.1f}x"
            elif old is not None:
                line += "   old: skipped (quadratic; see --old-max-columns)"
            print(line, flush=True)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")


if __name__ == "__main__":
    main()
