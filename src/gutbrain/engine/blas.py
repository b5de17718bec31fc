"""One BLAS thread: the engine's parallelism is numba's, and OpenBLAS's own threads fight it.

Why: numpy and scipy ship OpenBLAS with as many threads as cores. After each BLAS call its
threads busy-wait for more work, on the same cores as numba's threads, so a loop that
alternates batched integrations with small linear algebra (the shooting iteration's LU solves,
62 x 62) ran ~2x slower: measured on the 2-core machine, a sensitivity burn-in of 256
parameter sets took 17.7 s with the default and 7.6 s with one BLAS thread, and one LU solve
of 62 x 16 took 5 ms instead of 25 µs. The matrices the engine hands to BLAS are far too small
to gain from threads. ``gutbrain/__init__`` sets OPENBLAS_NUM_THREADS=1 unless the user set it
(it acts only when numpy is not loaded yet); limit_blas_threads() also sets the libraries
already loaded (as threadpoolctl does, without the dependency), and is called where the
engine starts."""

from __future__ import annotations

import ctypes
import os

_SETTERS = ("openblas_set_num_threads", "openblas_set_num_threads64_",
            "scipy_openblas_set_num_threads", "scipy_openblas_set_num_threads64_")
_done: set[str] = set()


def limit_blas_threads(n: int = 1) -> int:
    """Set every loaded OpenBLAS to ``n`` threads (unless OPENBLAS_NUM_THREADS says
    otherwise); returns how many libraries were set. Linux only (reads /proc/self/maps);
    elsewhere, or when nothing is found, it does nothing."""
    wanted = os.environ.get("OPENBLAS_NUM_THREADS")
    if wanted is not None and wanted != str(n):
        return 0  # the user's choice stands
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            paths = {p[-1] for p in (line.split() for line in f)
                     if len(p) >= 6 and "openblas" in p[-1].lower()}
    except OSError:
        return 0
    count = 0
    for path in sorted(paths - _done):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SETTERS:
            setter = getattr(lib, name, None)
            if setter is not None:
                setter(int(n))
                count += 1
                _done.add(path)
                break
    return count
