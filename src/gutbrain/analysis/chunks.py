"""Run independent chunks of persons in-process or on dask.distributed, resumably.

Each chunk's table is written to ``<out>/chunks/<key>.parquet`` atomically (temp file, then
rename), so an interrupted run loses no finished chunk and a restart with the same output
folder only computes what is missing. Chunks are deterministic functions of their arguments,
so the result does not depend on where they ran.

Resume is keyed: ``<out>/chunks/_run.json`` holds a digest of everything the chunks depend on
(spec, population, seed, outcomes, model, engine, package version). A run into a folder whose
chunks belong to another run is refused (or, with ``overwrite``, the old chunks are removed),
so two runs are never mixed (issue #16).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from gutbrain.errors import EnvironmentProblem, InputError

Task = tuple[str, tuple[Any, ...]]  # (key, arguments of the chunk function)
RUN_FILE = "_run.json"  # "_" and "." names are skipped by Parquet dataset readers
STALE_TMP_S = 3600.0  # a temp file this old is the leftover of a killed run


def run_digest(payload: dict[str, Any]) -> str:
    """Digest of a run's identity (what its chunks depend on), with the model and engine."""
    from gutbrain import __version__
    from gutbrain.compile.build import codegen_version, compile_model
    from gutbrain.engine.tsit5 import load_solver

    model = compile_model()
    full = {**payload, "model": model.digest, "codegen": codegen_version(),
            "solver": load_solver(model).__name__, "gutbrain": __version__}
    text = json.dumps(full, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def claim_chunk_dir(out: Path, digest: str, what: str, overwrite: bool = False) -> Path:
    """The chunk folder of ``out`` for the run with this digest: created, or resumed when it
    holds this run's chunks; another run's chunks are refused (or removed with overwrite).
    Leftover temp files of killed runs are removed."""
    chunk_dir = out / "chunks"
    marker = chunk_dir / RUN_FILE
    if chunk_dir.is_dir():
        try:
            recorded = (json.loads(marker.read_text(encoding="utf-8")).get("digest")
                        if marker.exists() else None)
        except (OSError, ValueError):
            recorded = None
        has_chunks = any(chunk_dir.glob("*.parquet"))
        if (has_chunks or marker.exists()) and recorded != digest:
            if not overwrite:
                raise InputError(
                    f"{out}: holds the chunks of another {what} run (other spec, population, "
                    f"seed, outcomes, model or version); resuming would mix the two. Use "
                    f"another --out, or --overwrite to replace them")
            shutil.rmtree(chunk_dir)
    try:
        chunk_dir.mkdir(parents=True, exist_ok=True)
        now = time.time()
        for tmp in chunk_dir.glob("*.tmp"):
            if now - tmp.stat().st_mtime > STALE_TMP_S:
                tmp.unlink(missing_ok=True)
        if not marker.exists():
            tmp_marker = chunk_dir / f".{RUN_FILE}.{os.getpid()}.tmp"
            tmp_marker.write_text(json.dumps({"digest": digest, "what": what}),
                                  encoding="utf-8")
            os.replace(tmp_marker, marker)
    except OSError as exc:
        raise EnvironmentProblem(f"{chunk_dir}: cannot write there ({exc.strerror})") from None
    return chunk_dir


def _run_and_store(fn: Callable[..., pd.DataFrame], args: tuple[Any, ...],
                   path: str | None) -> pd.DataFrame:
    df = fn(*args)
    if path:
        p = Path(path)
        tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")  # hidden from dataset readers
        df.to_parquet(tmp, index=False)
        os.replace(tmp, p)
    return df


def run_chunks(fn: Callable[..., pd.DataFrame], tasks: Sequence[Task],
               out: Path | None = None, workers: int | None = None,
               scheduler: str | None = None,
               progress: Callable[[str], None] | None = None,
               keep: bool = True, digest: str | None = None, what: str = "run",
               overwrite: bool = False, concurrent: int = 1) -> list[pd.DataFrame]:
    """Results of ``fn(*args)`` for every task, in task order. With ``keep=False`` (streaming
    to ``out``) chunk tables are not held in memory and an empty list is returned. ``digest``
    keys the chunks in ``out`` to this run (see claim_chunk_dir). ``concurrent``: in-process
    chunks in flight at once (threads; for a ``fn`` that is thread-safe and spends most of its
    time in compiled code without the GIL: see _run_overlapped)."""
    chunk_dir = None
    if out:
        chunk_dir = claim_chunk_dir(out, digest or "unkeyed", what, overwrite)
    frames: dict[str, pd.DataFrame] = {}
    todo = []
    for key, args in tasks:
        path = chunk_dir / f"{key}.parquet" if chunk_dir else None
        if path is not None and path.exists():
            if keep:
                frames[key] = pd.read_parquet(path)
        else:
            todo.append((key, args, str(path) if path else None))
    if todo and (workers or scheduler):
        from dask.distributed import Client, LocalCluster

        cluster = None
        if scheduler:
            try:
                client = Client(scheduler, timeout="15s")
            except (OSError, TimeoutError) as exc:
                raise EnvironmentProblem(f"--scheduler {scheduler}: no dask scheduler answers "
                                         f"there ({exc})") from None
        else:  # one numba thread per worker process: the workers are the parallelism
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, env={"NUMBA_NUM_THREADS": "1"})
            client = Client(cluster)
        try:
            futures = {key: client.submit(_run_and_store, fn, args, path, pure=False)
                       for key, args, path in todo}
            for key, fut in futures.items():
                df = fut.result()
                if keep:
                    frames[key] = df
                del df
                fut.release()
                if progress:
                    progress(key)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    else:
        def done(key: str, df: pd.DataFrame) -> None:
            if keep:
                frames[key] = df
            if progress:
                progress(key)

        if concurrent > 1 and len(todo) > 1 and threadsafe_parallel():
            _run_overlapped(fn, todo, concurrent, done)
        else:
            for key, args, path in todo:
                done(key, _run_and_store(fn, args, path))
    return [frames[key] for key, _ in tasks] if keep else []


def threadsafe_parallel() -> bool:
    """Whether chunks may run two at a time in this process: numba's parallel loops may run
    from two threads at once (its threading layer, chosen at the first parallel call, is
    OpenMP or TBB; the workqueue layer aborts the process on a concurrent launch), and numba
    has more than one thread (a process held to one core keeps to it)."""
    import numba

    if numba.get_num_threads() < 2:
        return False
    try:
        return numba.threading_layer() in ("omp", "tbb")
    except ValueError:  # no parallel function has run yet: the layer is not chosen
        return False


def _run_overlapped(fn: Callable[..., pd.DataFrame], todo: list[tuple[str, Any, str | None]],
                    concurrent: int, done: Callable[[str, pd.DataFrame], None]) -> None:
    """Chunks in ``concurrent`` threads, results handed on in task order. A chunk spends
    part of its time in serial Python (schedules, observations, rows, Parquet) while its
    compiled solver runs with the GIL released on every core; with two chunks in flight
    one's serial part runs beside the other's solver instead of leaving a core idle. Results
    are those of the serial loop (each chunk is a deterministic function of its arguments)."""
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    pool = ThreadPoolExecutor(concurrent, thread_name_prefix="gutbrain-chunk")
    window: deque[tuple[str, Future]] = deque()
    try:
        for key, args, path in todo:
            window.append((key, pool.submit(_run_and_store, fn, args, path)))
            if len(window) >= concurrent:
                first, fut = window.popleft()
                done(first, fut.result())
        while window:
            first, fut = window.popleft()
            done(first, fut.result())
    finally:  # on an error or an interrupt: nothing new starts, a running chunk finishes
        pool.shutdown(wait=True, cancel_futures=True)
