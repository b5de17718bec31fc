"""Benchmark: read a 2,000-sample × 10,000-KO table, infer 56 Gut-Brain Modules, write outputs.

Goal (issue #5): <= 10 s end to end with memory linear in the table size. The table (~100 MB TSV,
seeded) is generated in a temporary folder; the module database is the real GBMs.v1.0.txt from
../shared when present, else a seeded synthetic 56-module database with GBM-like structure
(1-6 steps, up to 4 alternatives, complexes of 2-3 subunits, ~20 % non-KO IDs, shared KOs).

The timed run happens in a child process, so its peak RSS (Linux VmHWM) counts only reading,
inference and writing (plus the interpreter and imports), not the data generation.

    .venv/bin/python bench/bench_profiles.py [--samples 2000] [--kos 10000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GBM = ROOT.parent / "shared" / "data" / "modules" / "GBMs.v1.0.txt"


def synthetic_db(rng: np.random.Generator, kos: list[str], n_modules: int = 56) -> str:
    """A GBM-like module file: 56 modules, mostly KOs, some eggNOG-style IDs, shared KOs."""
    pool = kos[: max(400, len(kos) // 20)]
    blocks = []
    for m in range(1, n_modules + 1):
        lines = [f"SYN{m:03d}\tsynthetic module {m}"]
        for _ in range(int(rng.integers(1, 7))):
            alts = []
            for _ in range(int(rng.integers(1, 5))):
                size = 1 if rng.random() < 0.8 else int(rng.integers(2, 4))
                ids = [str(rng.choice(pool)) if rng.random() > 0.2 else
                       f"COG{int(rng.integers(0, 5000)):04d}" for _ in range(size)]
                alts.append(",".join(ids))
            lines.append("\t".join(alts))
        blocks.append("\n".join(lines))
    return "\n///\n".join(blocks) + "\n"  # like the GBM file: no closing ///


def make_inputs(folder: Path, n_samples: int, n_kos: int, seed: int,
                synthetic: bool = False) -> tuple[Path, Path, str]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from gutbrain.profiles.modules import KO_PATTERN, read_module_db

    rng = np.random.default_rng(seed)
    real = GBM.is_file() and not synthetic
    if real:
        db_path, db_kind = GBM, "real GBMs.v1.0.txt (../shared)"
        db_kos = [x for x in read_module_db(GBM).feature_ids() if KO_PATTERN.match(x)]
    else:
        db_path, db_kind, db_kos = folder / "synthetic_gbm.txt", "synthetic 56-module db", []
    others = [f"K{i:05d}" for i in rng.choice(25000, size=n_kos * 2, replace=False) + 1]
    kos = list(dict.fromkeys(db_kos + others))[:n_kos]
    rng.shuffle(kos)
    if not real:
        db_path.write_text(synthetic_db(rng, kos))
    cols = {"entry": pa.array(kos)}
    for j in range(n_samples):
        v = np.round(rng.lognormal(3.0, 1.5, n_kos), 3)
        v[rng.random(n_kos) < 0.5] = 0.0
        cols[f"S{j:04d}"] = pa.array(v)
    table_path = folder / "kos.tsv"
    opts = pacsv.WriteOptions(delimiter="\t", quoting_style="none")
    pacsv.write_csv(pa.table(cols), table_path, write_options=opts)
    return table_path, db_path, db_kind


def timed_run(table: str, db: str, out: str) -> None:
    """Child process: read + infer + write, print phase timings as JSON."""
    t0 = time.perf_counter()
    from gutbrain.profiles.modules import infer_modules, read_module_db
    from gutbrain.profiles.readers import read_profile

    t_import = time.perf_counter()
    prof = read_profile(table)
    t_read = time.perf_counter()
    res = infer_modules(prof.table, read_module_db(db))
    t_infer = time.perf_counter()
    res.write(out)
    t_write = time.perf_counter()
    with open("/proc/self/status") as fh:  # VmHWM: this process's own peak resident memory
        hwm_kb = int(fh.read().split("VmHWM:")[1].split()[0])
    print(json.dumps({"peak_rss_kb": hwm_kb, "import_s": t_import - t0, "read_s": t_read - t_import,
                      "infer_s": t_infer - t_read, "write_s": t_write - t_infer,
                      "end_to_end_s": t_write - t_import, "shape": list(prof.table.shape),
                      "modules_reported": int(res.abundance.shape[0]),
                      "threshold": res.threshold}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--kos", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--synthetic", action="store_true", help="use the synthetic database even "
                    "when ../shared has the real GBM file")
    ap.add_argument("--child", nargs=3, metavar=("TABLE", "DB", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        timed_run(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="gutbrain-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        table, db, db_kind = make_inputs(folder, args.samples, args.kos, args.seed,
                                             args.synthetic)
        gen_s = time.perf_counter() - t0
        size_mb = table.stat().st_size / 1e6
        t1 = time.perf_counter()
        proc = subprocess.run([sys.executable, __file__, "--child", str(table), str(db),
                               str(folder / "out")], capture_output=True, text=True,
                              check=True, env={**os.environ, "PYTHONHASHSEED": "0"})
        wall = time.perf_counter() - t1
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        peak_kb = r["peak_rss_kb"]
        print(f"table: {r['shape'][1]} samples x {r['shape'][0]} KOs, {size_mb:.0f} MB TSV "
              f"(generated in {gen_s:.1f} s); database: {db_kind}")
        print(f"read {r['read_s']:.2f} s + infer {r['infer_s']:.2f} s + write "
              f"{r['write_s']:.2f} s = {r['end_to_end_s']:.2f} s end to end "
              f"(imports {r['import_s']:.2f} s; whole child process {wall:.2f} s wall)")
        print(f"peak RSS of the child process: {peak_kb / 1024:.0f} MiB "
              f"(the float64 table alone is {r['shape'][0] * r['shape'][1] * 8 / 2**20:.0f} MiB)")
        print(f"modules reported: {r['modules_reported']} (automatic cut-off "
              f"{r['threshold']:.3g})")


if __name__ == "__main__":
    main()
