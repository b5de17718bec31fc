"""One BLAS thread: the engine's parallelism is numba's, and OpenBLAS's own threads fight it.

Why: numpy and scipy ship OpenBLAS with as many threads as cores. After each BLAS call its
threads busy-wait for more work, on the same cores as numba's threads, so a loop that
alternates batched integrations with small linear algebra (the shooting iteration's LU solves,
62 x 62) ran ~2x slower: measured on the 2-core machine, a sensitivity burn-in of 256
parameter sets took 17.7 s with the default and 7.6 s with one BLAS thread, and one LU solve
of 62 x 16 took 5 ms instead of 25 µs. The matrices the engine hands to BLAS are far too small
to gain from threads. ``gutbrain/__init__`` sets OPENBLAS_NUM_THREADS=1 unless the user set it
(that acts only when numpy is not loaded yet); limit_blas_threads() also limits the BLAS
libraries already loaded (threadpoolctl), and is called where the engine starts."""

from __future__ import annotations

import os

_done = False


def limit_blas_threads(n: int = 1) -> bool:
    """Limit every loaded BLAS library to ``n`` threads, once, unless the user chose a count
    with OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS); returns whether limits were applied."""
    global _done
    wanted = os.environ.get("OPENBLAS_NUM_THREADS")
    if _done or (wanted is not None and wanted != str(n)):
        return False
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=n, user_api="blas")  # stays in force: not used as a context
    _done = True
    return True
