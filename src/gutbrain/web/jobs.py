"""Long work as jobs: ``POST`` returns an id at once, ``GET /api/jobs/{id}`` gives progress
and, when done, the result. Jobs run in the server's process pool (never on the event loop),
at most ``Limits.max_jobs`` at once, each within ``Limits.job_seconds``."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gutbrain.web.limits import Limits
from gutbrain.web.pool import Pool


class TooBusy(RuntimeError):
    """As many jobs as the limit allows are queued or running."""


@dataclass
class Job:
    id: str
    kind: str
    status: str = "queued"  # queued | running | done | failed
    created: float = field(default_factory=time.time)
    finished: float | None = None
    result: Any = None
    error: dict[str, str] | None = None
    progress_file: Path | None = None

    def view(self) -> dict[str, Any]:
        """The job as GET /api/jobs/{id} shows it."""
        status = self.status
        progress = {"fraction": 1.0 if status == "done" else 0.0, "message": status}
        if status == "running":
            # handed to the pool, but no worker has taken it until it reports progress
            started = self.progress_file is not None and self.progress_file.exists()
            if not started:
                status = progress["message"] = "queued"
            try:
                if started:
                    progress = json.loads(self.progress_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):  # being replaced this instant: report the default
                pass
        return {"id": self.id, "kind": self.kind, "status": status,
                "progress": progress, "created": self.created, "finished": self.finished,
                "result": self.result, "error": self.error}


class JobManager:
    """Registry of jobs, running each in the worker pool."""

    def __init__(self, pool: Pool, limits: Limits,
                 describe_error: Callable[[BaseException], dict[str, str]]):
        self.pool = pool
        self.limits = limits
        self.describe_error = describe_error
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._dir = tempfile.TemporaryDirectory(prefix="gutbrain-jobs-")
        self._tasks: set[asyncio.Task] = set()

    def active(self) -> int:
        return sum(j.status in ("queued", "running") for j in self.jobs.values())

    def submit(self, kind: str, fn: Callable[..., Any], *args: Any) -> Job:
        """Start ``fn(*args, progress_path, job_seconds)`` in the pool; refuse when full."""
        if self.active() >= self.limits.max_jobs:
            raise TooBusy(f"{self.limits.max_jobs} jobs are queued or running (the limit); "
                          "try again when one has finished")
        job = Job(uuid.uuid4().hex, kind)
        job.progress_file = Path(self._dir.name) / f"{job.id}.json"
        self.jobs[job.id] = job
        self._forget_old()
        task = asyncio.get_running_loop().create_task(self._run(job, fn, args))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def _run(self, job: Job, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        job.status = "running"
        budget = self.limits.job_seconds
        # the worker holds the job to its budget from when it starts it; this backstop also
        # allows for waiting behind the other jobs the limit admits
        backstop = budget * self.limits.max_jobs + 5.0
        try:
            job.result = await asyncio.wait_for(
                self.pool.run(fn, *args, str(job.progress_file), budget), timeout=backstop)
            job.status = "done"
        except TimeoutError:
            job.status = "failed"
            job.error = {"error": "job_time", "detail": f"the job did not finish within "
                         f"{backstop:g} s (its limit of {budget:g} s, plus waiting for other jobs)"}
        except Exception as exc:  # noqa: BLE001 - every failure is reported as the job's
            job.status = "failed"
            job.error = self.describe_error(exc)
        finally:
            job.finished = time.time()
            if job.progress_file is not None:
                job.progress_file.unlink(missing_ok=True)

    def _forget_old(self) -> None:
        """Keep at most ``keep_jobs`` finished jobs (oldest dropped first)."""
        done = [k for k, j in self.jobs.items() if j.status in ("done", "failed")]
        for key in done[:max(0, len(done) - self.limits.keep_jobs)]:
            del self.jobs[key]

    def close(self) -> None:
        self._dir.cleanup()
