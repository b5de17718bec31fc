"""The worker pool behind the API: runs library work off the event loop, and replaces itself
when a worker process dies (killed for memory, a crash in compiled code), so one lost worker
costs one request, never the server."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any


class WorkerLost(RuntimeError):
    """A worker process died during the call; the pool has been replaced."""


def process_pool(workers: int) -> ProcessPoolExecutor:
    # spawn: a clean process per worker (forking a server with threads and an event loop is
    # unsafe); each loads the compiled model from the on-disk cache in its warm-up
    return ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"))


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
                executor.shutdown(wait=False, cancel_futures=True)
                self.executor = process_pool(self.workers)
            raise WorkerLost("a worker process died during this request (out of memory or "
                             "a crash); the workers were restarted: try again") from None

    def shutdown(self) -> None:
        if self.owned:
            self.executor.shutdown(wait=False, cancel_futures=True)
