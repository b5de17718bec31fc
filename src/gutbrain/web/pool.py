"""The worker pool behind the API: runs library work off the event loop, and replaces itself
when a worker process dies (killed for memory, a crash in compiled code), so one lost worker
costs one request, never the server."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any


class WorkerLost(RuntimeError):
    """A worker process died during the call; the pool has been replaced."""


def _exit_with(parent: int) -> None:
    """Worker initializer: end this worker when the server process is gone (killed, or
    stopped before it could shut the pool down), so no worker outlives its server."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="gutbrain-parent-watch").start()


def process_pool(workers: int) -> ProcessPoolExecutor:
    # spawn: a clean process per worker (forking a server with threads and an event loop is
    # unsafe); each loads the compiled model from the on-disk cache in its warm-up
    return ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                               initializer=_exit_with, initargs=(os.getpid(),))


def _stop(executor: Executor) -> None:
    """Shut an executor down now: queued calls cancelled, running worker processes ended
    (a long job would otherwise keep a stopped server's worker alive)."""
    known = getattr(executor, "_processes", None)  # ProcessPoolExecutor's own workers
    processes = list(known.values()) if isinstance(known, dict) else []
    executor.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.terminate()
    for proc in processes:
        proc.join(5)


class Pool:
    """An executor (a process pool of ``workers`` unless one is given) with warm-up and
    replacement of a broken pool."""

    def __init__(self, workers: int, executor: Executor | None = None,
                 warm_up: Callable[[], Any] | None = None):
        self.workers = workers
        self.owned = executor is None
        self.executor = executor or process_pool(workers)
        self.warm_up = warm_up
        self.replaced = 0

    async def start(self) -> None:
        """Warm every worker (concurrently, so each process gets one warm-up)."""
        if self.warm_up is not None:
            n = getattr(self.executor, "_max_workers", self.workers)
            await asyncio.gather(*(self.run(self.warm_up) for _ in range(n)))

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        executor = self.executor
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)
        except BrokenProcessPool:
            if self.owned and executor is self.executor:  # the first caller to notice
                self.replaced += 1
                _stop(executor)
                self.executor = process_pool(self.workers)
            raise WorkerLost("a worker process died during this request (out of memory or "
                             "a crash); the workers were restarted: try again") from None

    def shutdown(self) -> None:
        if self.owned:
            _stop(self.executor)
