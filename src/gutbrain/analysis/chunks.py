"""Run independent chunks of persons in-process or on dask.distributed, resumably.

Each chunk's table is written to ``<out>/chunks/<key>.parquet`` atomically (temp file, then
rename), so an interrupted run loses no finished chunk and a restart with the same output
folder only computes what is missing. Chunks are deterministic functions of their arguments,
so the result does not depend on where they ran.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

Task = tuple[str, tuple[Any, ...]]  # (key, arguments of the chunk function)


def _run_and_store(fn: Callable[..., pd.DataFrame], args: tuple[Any, ...],
                   path: str | None) -> pd.DataFrame:
    df = fn(*args)
    if path:
        tmp = f"{path}.{os.getpid()}.tmp"
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    return df


def run_chunks(fn: Callable[..., pd.DataFrame], tasks: Sequence[Task],
               out: Path | None = None, workers: int | None = None,
               scheduler: str | None = None,
               progress: Callable[[str], None] | None = None,
               keep: bool = True) -> list[pd.DataFrame]:
    """Results of ``fn(*args)`` for every task, in task order. With ``keep=False`` (streaming
    to ``out``) chunk tables are not held in memory and an empty list is returned."""
    chunk_dir = out / "chunks" if out else None
    if chunk_dir:
        chunk_dir.mkdir(parents=True, exist_ok=True)
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
            client = Client(scheduler)
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
        for key, args, path in todo:
            df = _run_and_store(fn, args, path)
            if keep:
                frames[key] = df
            if progress:
                progress(key)
    return [frames[key] for key, _ in tasks] if keep else []
